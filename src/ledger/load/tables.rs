//! What each ledger's row becomes: one typing function per table, reading its cells by name.

use super::*;

pub(super) fn partner(r: &mut Row) -> Option<Partner> {
    let code = r.id("code");
    if code.eq_ignore_ascii_case(ALL_PARTNERS) {
        r.report(
            Code::MalformedId,
            "code",
            format!("`{code}` is reserved for the whole facility in control totals"),
            Some("choose another code".into()),
        );
    }
    Some(Partner {
        at: r.loc,
        source: r.cited("source"),
        note: r.cited("note"),
        name: r.text("name"),
        local_name: r.optional_text("local_name"),
        agenda_approved: r.optional_date("agenda_approved"),
        facility_agreement_in_force: r.optional_date("facility_agreement_in_force"),
        loan_agreement_in_force: r.optional_date("loan_agreement_in_force"),
        code,
    })
}

pub(super) fn allocation(r: &mut Row) -> Option<Allocation> {
    let date = r.date("date");
    let partner = r.partner_id("partner");
    let instrument = r.word("instrument", Instrument::from_word, Instrument::WORDS);
    let amount = r.money("amount_eur");
    let kind = r.word("kind", AllocationKind::from_word, AllocationKind::WORDS);
    if let (Some(a), Some(k)) = (amount, kind) {
        match k {
            AllocationKind::Initial => {
                r.sign("amount_eur", a, a >= 0, "is negative, but an `initial` allocation cannot be")
            }
            AllocationKind::Cut => {
                r.sign("amount_eur", a, a < 0, "must be negative for a `cut` (it reduces the envelope)")
            }
            AllocationKind::Redistribution => r.sign("amount_eur", a, a != 0, "is zero; a redistribution moves money"),
        }
    }
    Some(Allocation {
        at: r.loc,
        source: r.cited("source"),
        note: r.cited("note"),
        date: date?,
        partner,
        instrument: instrument?,
        amount: amount?,
        kind: kind?,
    })
}

pub(super) fn commitment(r: &mut Row) -> Option<Commitment> {
    let id = r.id("id");
    let date = r.date("date");
    let partner = r.partner_id("partner");
    let instrument = r.word("instrument", Instrument::from_word, Instrument::WORDS);
    let channel = r.optional_word("channel", Channel::from_word, Channel::WORDS);
    let amount = r.money("amount_eur");
    let kind = r.word("kind", CommitmentKind::from_word, CommitmentKind::WORDS);
    if let Some(a) = amount {
        r.sign("amount_eur", a, a != 0, "is zero; a commitment commits money (negative to de-commit)");
    }
    Some(Commitment {
        at: r.loc,
        source: r.cited("source"),
        note: r.cited("note"),
        id,
        date: date?,
        partner,
        instrument: instrument?,
        channel,
        amount: amount?,
        kind: kind?,
    })
}

pub(super) fn step(r: &mut Row) -> Option<Step> {
    let id = r.id("id");
    let partner = r.partner_id("partner");
    let area = r.text("area");
    let reform = r.text("reform");
    let description = r.text("description");
    let kind = r.word("kind", StepKind::from_word, StepKind::WORDS);
    let due = r.date("due");
    let amount = r.money("amount_eur");
    if let Some(a) = amount {
        r.sign("amount_eur", a, a >= 0, "is negative; the money tied to a step cannot be");
    }
    Some(Step {
        at: r.loc,
        source: r.cited("source"),
        note: r.cited("note"),
        id,
        partner,
        area,
        reform,
        description,
        kind: kind?,
        due: due?,
        amount: amount?,
    })
}

pub(super) fn step_event(r: &mut Row) -> Option<StepEvent> {
    let date = r.date("date");
    let step = r.step_id("step");
    let status = r.word("status", StepStatus::from_word, StepStatus::WORDS);
    let amount = r.optional_money("amount_eur");
    match (status, amount) {
        (Some(StepStatus::PartiallyFulfilled), None) if r.raw("amount_eur").is_empty() => r.report(
            Code::EventAmount,
            "amount_eur",
            "a `partially_fulfilled` assessment needs the euros found fulfilled".into(),
            Some("write the gross amount the Commission found fulfilled in `amount_eur`".into()),
        ),
        (Some(StepStatus::PartiallyFulfilled), Some(a)) => {
            r.sign("amount_eur", a, a > 0, "must be positive for a partial fulfilment")
        }
        (Some(s), Some(_)) if s != StepStatus::PartiallyFulfilled => r.report_keeping_row(
            Code::EventAmount,
            "amount_eur",
            format!("a `{}` event carries no amount; the amount is ignored", s.as_str()),
            Some("leave `amount_eur` empty; it is only for `partially_fulfilled`".into()),
        ),
        _ => {}
    }
    let amount = amount.filter(|_| status == Some(StepStatus::PartiallyFulfilled)).filter(|&a| a != 0);
    Some(StepEvent {
        at: r.loc,
        source: r.cited("source"),
        note: r.cited("note"),
        date: date?,
        step,
        status: status?,
        amount,
    })
}

pub(super) fn payment(r: &mut Row) -> Option<Payment> {
    let id = r.id("id");
    let date = r.date("date");
    let partner = r.partner_id("partner");
    let kind = r.word("kind", PaymentKind::from_word, PaymentKind::WORDS);
    let channel = r.word("channel", Channel::from_word, Channel::WORDS);
    let instrument = r.word("instrument", Instrument::from_word, Instrument::WORDS);
    let amount = r.money("amount_eur");
    if let Some(a) = amount {
        r.sign("amount_eur", a, a != 0, "is zero; leave out components that moved no money");
    }
    let steps = step_list(r, "steps");
    Some(Payment {
        at: r.loc,
        request: r.optional_ids("request"),
        source: r.cited("source"),
        note: r.cited("note"),
        id,
        date: date?,
        partner,
        kind: kind?,
        channel: channel?,
        instrument: instrument?,
        amount: amount?,
        steps,
    })
}

/// The step ids of a list column (separated by spaces), each once, in the order named.
fn step_list(r: &mut Row, name: &'static str) -> StepIds {
    let text = r.raw(name);
    let mut steps = StepIds::new();
    for s in text.split([' ', '\u{a0}', ',', ';']).filter(|s| !s.is_empty()) {
        if !is_id(s) {
            r.report(
                Code::MalformedId,
                name,
                format!("`{s}` is not a valid step id"),
                Some("separate step ids with spaces".into()),
            );
        } else {
            let id = r.step_number(s);
            if !steps.contains(&id) {
                steps.push(id);
            }
        }
    }
    steps
}

pub(super) fn request(r: &mut Row) -> Option<Request> {
    let id = r.numbered_id("id");
    let date = r.date("date");
    let partner = r.partner_id("partner");
    let period_end = r.date("period_end");
    let steps_claimed = r.optional_count("steps_claimed");
    let amount_requested = r.optional_money("amount_requested_eur");
    if let Some(a) = amount_requested {
        r.sign("amount_requested_eur", a, a >= 0, "is negative; a request asks for money");
    }
    let steps = step_list(r, "steps");
    Some(Request {
        at: r.loc,
        source: r.cited("source"),
        note: r.cited("note"),
        id,
        date: date?,
        partner,
        period_end: period_end?,
        steps_claimed,
        amount_requested,
        steps,
    })
}

pub(super) fn assessment(r: &mut Row) -> Option<Assessment> {
    let date = r.date("date");
    let request = r.numbered_id("request");
    let steps_met = r.optional_count("steps_met");
    let steps_partly = r.optional_count("steps_partly");
    let steps_not_met = r.optional_count("steps_not_met");
    let amount_approved = r.optional_money("amount_approved_eur");
    if let Some(a) = amount_approved {
        r.sign("amount_approved_eur", a, a >= 0, "is negative; an assessment approves money or none");
    }
    Some(Assessment {
        at: r.loc,
        source: r.cited("source"),
        note: r.cited("note"),
        date: date?,
        request,
        steps_met,
        steps_partly,
        steps_not_met,
        amount_approved,
    })
}

pub(super) fn condition(r: &mut Row) -> Option<Condition> {
    let date = r.date("date");
    let partner = r.partner_id("partner");
    let layer = r.word("layer", Layer::from_word, Layer::WORDS);
    let status = r.word("status", ConditionStatus::from_word, ConditionStatus::WORDS);
    Some(Condition {
        at: r.loc,
        source: r.cited("source"),
        note: r.cited("note"),
        date: date?,
        partner,
        layer: layer?,
        status: status?,
    })
}

pub(super) fn control_total(r: &mut Row) -> Option<ControlTotal> {
    let date = r.date("date");
    let partner = r.id("partner");
    // `ALL`: the whole facility.
    let partner = (!partner.eq_ignore_ascii_case(ALL_PARTNERS)).then(|| r.number(partner));
    let measure = r.word("measure", Measure::from_word, Measure::WORDS);
    let amount = r.money("amount_eur");
    let tolerance = r.money("tolerance_eur");
    if let Some(t) = tolerance {
        r.sign("tolerance_eur", t, t >= 0, "is negative; a tolerance is a distance");
    }
    let itemised = r.optional_word("itemised", Itemised::from_word, Itemised::WORDS).unwrap_or(Itemised::Full);
    Some(ControlTotal {
        at: r.loc,
        itemised,
        source: r.cited("source"),
        note: r.cited("note"),
        date: date?,
        partner,
        measure: measure?,
        amount: amount?,
        tolerance: tolerance?,
    })
}

pub(super) fn correction(r: &mut Row) -> Option<Correction> {
    let date = r.date("date");
    let ledger = r.word("ledger", correctable, crate::ledger::schema::CORRECTABLE);
    let text = r.required_str("match");
    let reason = r.required_str("reason").map(|_| r.cited("reason"));
    let mut matches = Vec::new();
    if let (Some(file), Some(text)) = (ledger, text) {
        let spec = file.spec().expect("a table");
        for pair in text.split_whitespace() {
            match pair.split_once('=') {
                // `line=N`: the row at line N of the file, for a row no value tells apart (a duplicate).
                Some(("line", value)) if value.parse::<u64>().is_ok_and(|n| n > 1) => {
                    matches.push((Text::from("line"), Text::from(value)));
                }
                Some((column, value)) if spec.column(column).is_some() && !value.is_empty() => {
                    matches.push((Text::from(column), Text::from(value)));
                }
                _ => r.report(
                    Code::CorrectionUnmatched,
                    "match",
                    format!("`{pair}` is not `column=value` with a column of {}", file.file_name()),
                    Some(format!(
                        "name the row by its values, e.g. `date=2026-03-15`, or by `line=N`; the columns of {} are: {}",
                        file.file_name(),
                        spec.header()
                    )),
                ),
            }
        }
    }
    Some(Correction {
        at: r.loc,
        source: r.cited("source"),
        note: r.cited("note"),
        date: date?,
        ledger: ledger?,
        matches,
        reason: reason?,
    })
}

/// The ledger a correction's `ledger` cell names (the file name without `.csv`).
fn correctable(word: &str) -> Option<LedgerFile> {
    // `step-events` as `import --into` writes it, or `step_events` as the file is named.
    let w = trim(word).replace('-', "_");
    let w = w.as_str();
    LedgerFile::TABLES
        .into_iter()
        .filter(|f| crate::ledger::schema::CORRECTABLE.contains(&f.file_name().trim_end_matches(".csv")))
        .find(|f| f.file_name().trim_end_matches(".csv").eq_ignore_ascii_case(w))
}
