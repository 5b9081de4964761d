//! Rules on the records themselves: dates within the period and the as-of date, the order of events,
//! control totals, release counts and kinds: C015-C023.

use super::*;

/// C015: every date lies in the facility's period (payments up to `payments_until`, steps due by `end`).
pub(super) fn outside_period(cx: &LedgerCtx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let f = &l.facility;
    let mut out = Vec::new();
    let mut check = |at: Loc, field: &str, d: Date, last: Date, what: &str| {
        if d < f.start || d > last {
            out.push(
                cx.at(
                    Code::OutsidePeriod,
                    at,
                    field,
                    format!(
                        "{what} {} lies outside the facility's period {} to {}",
                        date::format(d),
                        date::format(f.start),
                        date::format(last)
                    ),
                )
                .hint("check the year; the period is set in facility.toml"),
            );
        }
    };
    for r in &l.allocations {
        check(r.at, "date", r.date, f.payments_until, "the date");
    }
    for r in &l.commitments {
        check(r.at, "date", r.date, f.payments_until, "the date");
    }
    for r in &l.steps {
        check(r.at, "due", r.due, f.end, "the due date");
    }
    for r in &l.step_events {
        check(r.at, "date", r.date, f.payments_until, "the date");
    }
    for r in &l.payments {
        check(r.at, "date", r.date, f.payments_until, "the payment date");
    }
    for r in &l.control_totals {
        check(r.at, "date", r.date, f.payments_until, "the date");
    }
    out
}

/// C016: no event is dated after the as-of date (a typo in the year, or a payment recorded too early).
pub(super) fn after_as_of(cx: &LedgerCtx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    let mut check = |at: Loc, field: &str, d: Date| {
        if d > cx.as_of {
            out.push(
                cx.at(
                    Code::AfterAsOf,
                    at,
                    field,
                    format!("{} is after the as-of date {}", date::format(d), date::format(cx.as_of)),
                )
                .hint("a ledger records what has happened; check the year, or pass --as-of"),
            );
        }
    };
    l.allocations.iter().for_each(|r| check(r.at, "date", r.date));
    l.commitments.iter().for_each(|r| check(r.at, "date", r.date));
    l.step_events.iter().for_each(|r| check(r.at, "date", r.date));
    l.payments.iter().for_each(|r| check(r.at, "date", r.date));
    l.conditions.iter().for_each(|r| check(r.at, "date", r.date));
    l.control_totals.iter().for_each(|r| check(r.at, "date", r.date));
    for p in &l.partners {
        for (field, d) in [
            ("agenda_approved", p.agenda_approved),
            ("facility_agreement_in_force", p.facility_agreement_in_force),
            ("loan_agreement_in_force", p.loan_agreement_in_force),
        ] {
            if let Some(d) = d {
                check(p.at, field, d);
            }
        }
    }
    out
}

/// C017: a step is not assessed (or submitted) before it exists, i.e. before its partner's Reform Agenda is approved.
pub(super) fn event_before_step(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let index = cx.index();
    let mut out = Vec::new();
    for (i, e) in l.step_events.iter().enumerate() {
        let Some(step) = index.step_of_event(i).map(|i| &l.steps[i]) else {
            continue;
        };
        let Some(p) = index.partners.get(l.partner_code(step.partner)) else {
            continue;
        };
        let problem = match p.agenda_approved {
            None => Some(format!("{}'s Reform Agenda has no approval date", p.code)),
            Some(d) if e.date < d => {
                Some(format!("{}'s Reform Agenda was approved only on {}", p.code, date::format(d)))
            }
            _ => None,
        };
        if let Some(problem) = problem {
            out.push(
                cx.at(
                    Code::EventBeforeStep,
                    e.at,
                    "date",
                    format!(
                        "step `{}` is `{}` on {}, but {problem}",
                        l.step_id(e.step),
                        e.status.as_str(),
                        date::format(e.date)
                    ),
                )
                .hint("check the event's date, or the approval date in partners.csv")
                .note(cx.row_note(p.at)),
            );
        }
    }
    out
}

/// C018: a warning for events after a step was found fulfilled (it should be final).
pub(super) fn event_after_fulfilled(cx: &Ctx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for mut events in cx.index().event_groups() {
        // The events after the first fulfilment are what `find` leaves.
        if let Some(f) = events.find(|e| e.status == StepStatus::Fulfilled) {
            // The fulfilment recorded again, identical in every column, is the loader's V014 to report.
            let repeat = |e: &StepEvent| {
                (e.date, e.status, e.amount, e.source, e.note) == (f.date, f.status, f.amount, f.source, f.note)
            };
            for e in events.filter(|e| !repeat(e)) {
                out.push(
                    cx.at(
                        Code::EventAfterFulfilled,
                        e.at,
                        "status",
                        format!(
                            "step `{}` is `{}` on {} after it was found fulfilled on {}",
                            cx.ledger.step_id(e.step),
                            e.status.as_str(),
                            date::format(e.date),
                            date::format(f.date)
                        ),
                    )
                    .hint("a fulfilled step is final; if the assessment was wrong, say so in the note")
                    .note(cx.row_note(f.at)),
                );
            }
        }
    }
    out
}

/// C019: every control total matches the ledgers within its tolerance; one the ledgers itemise only in
/// part (`itemised = partial`, a known gap) fails only when the ledgers exceed it.
pub(super) fn control_totals(cx: &LedgerCtx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    for c in &l.control_totals {
        let value = measure::measure_value(l, c.partner.map(|p| l.partner_code(p)), c.measure, c.date);
        let diff = value - c.amount as i128;
        if measure::verdict(c, value) == measure::Verdict::Fails {
            // The rows behind the figure are listed only for a total that does not match.
            let f = measure::measure(l, c.partner.map(|p| l.partner_code(p)), c.measure, c.date);
            let who = c.partner.map(|p| l.partner_code(p)).unwrap_or("all partners");
            let mut d = cx
                .at(
                    Code::ControlTotalMismatch,
                    c.at,
                    "amount_eur",
                    match c.itemised {
                        Itemised::Full => {
                            format!("`{}` of {who} on {} does not match", c.measure.as_str(), date::format(c.date))
                        }
                        Itemised::Partial => format!(
                            "`{}` of {who} on {} is published only in part (`partial`), yet the ledgers exceed it",
                            c.measure.as_str(),
                            date::format(c.date)
                        ),
                    },
                )
                .hint(
                    "find the missing or wrong row among those listed, or check the published figure and its tolerance",
                );
            d = d
                .note(format!("expected:   {}", eur(c.amount as i128)))
                .note(format!("computed:   {}", eur(f.value)))
                .note(format!("difference: {} (tolerance {})", eur(diff), eur(c.tolerance as i128)))
                .note(format!("made up of {} rows:", f.rows.len()));
            const SHOWN: usize = 20;
            for at in f.rows.iter().take(SHOWN) {
                d = d.note(format!("  {}", cx.row_note(*at)));
            }
            if f.rows.len() > SHOWN {
                d = d.note(format!("  ... and {} more", f.rows.len() - SHOWN));
            }
            out.push(d);
        }
    }
    out
}

/// C020: a warning for more regular releases per partner in a calendar year than the facility plans.
pub(super) fn too_many_releases(cx: &Ctx) -> Vec<Diagnostic> {
    use chrono::Datelike;
    let max = cx.ledger.facility.max_regular_releases_per_year as usize;
    // Per partner and year: the first `max + 1` releases, by position (the warning names them; their
    // ids are read only then), and how many there are.
    let releases = cx.releases();
    let mut seen: FxHashMap<(&str, i32), (usize, Vec<u32>)> = FxHashMap::default();
    let mut out = Vec::new();
    for (k, r) in releases.iter().enumerate().filter(|(_, r)| r.kind == PaymentKind::Regular) {
        let (count, first) = seen.entry((r.partner_code(cx.ledger), r.date.year())).or_default();
        *count += 1;
        if *count > max + 1 {
            continue;
        }
        first.push(k as u32);
        if first.len() == max + 1 {
            let ids: Vec<&str> = first.iter().map(|&k| releases[k as usize].id.as_str()).collect();
            out.push(
                cx.at(
                    Code::TooManyReleases,
                    r.first(cx.ledger).at,
                    "date",
                    format!(
                        "{} receives its regular release number {} of {} ({}); the facility plans at most {max}",
                        r.partner_code(cx.ledger),
                        ids.len(),
                        r.date.year(),
                        ids.join(", ")
                    ),
                )
                .hint("check whether two rows are components of one release and should share an id"),
            );
        }
    }
    out
}

/// C021: the steps of a partner are together worth no more than its envelope.
pub(super) fn steps_exceed_envelope(cx: &LedgerCtx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    let mut steps: FxHashMap<&str, Vec<&Step>> = FxHashMap::default();
    for s in &l.steps {
        steps.entry(l.partner_code(s.partner)).or_default().push(s);
    }
    for p in &l.partners {
        let envelope = cx.envelopes().at(&p.code, None, cx.as_of);
        let mut total = 0i128;
        for s in steps.get(p.code.as_str()).into_iter().flatten() {
            let before = total;
            total += s.amount as i128;
            if total > envelope && before <= envelope {
                out.push(
                    cx.at(
                        Code::StepsExceedEnvelope,
                        s.at,
                        "amount_eur",
                        format!(
                            "with this step {}'s steps are worth {}, more than its envelope of {} on {}",
                            p.code,
                            eur(total),
                            eur(envelope),
                            date::format(cx.as_of)
                        ),
                    )
                    .hint("the steps share out the envelope; check the amounts, or record the allocation"),
                );
            }
        }
    }
    out
}

/// C022: pre-financing comes before a partner's regular releases, not after.
pub(super) fn prefinancing_late(cx: &Ctx) -> Vec<Diagnostic> {
    let mut first_regular: FxHashMap<&str, &Release> = FxHashMap::default();
    let mut out = Vec::new();
    for r in cx.releases() {
        match r.kind {
            PaymentKind::Regular => {
                first_regular.entry(r.partner_code(cx.ledger)).or_insert(r);
            }
            PaymentKind::PreFinancing => {
                if let Some(f) = first_regular.get(r.partner_code(cx.ledger)) {
                    out.push(
                        cx.at(
                            Code::PrefinancingLate,
                            r.first(cx.ledger).at,
                            "kind",
                            format!("pre-financing `{}` on {} comes after {}'s regular release `{}` on {}", r.id, date::format(r.date), r.partner_code(cx.ledger), f.id, date::format(f.date)),
                        )
                        .hint("pre-financing is paid once, after approval and before the regular releases; check kind and date"),
                    );
                }
            }
        }
    }
    out
}

/// C023: a regular release names the request it pays, and lists the steps it pays where steps.csv holds
/// its partner's steps; pre-financing names neither.
pub(super) fn release_steps(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    let with_steps: FxHashSet<PartnerId> = l.steps.iter().map(|s| s.partner).collect();
    for r in cx.releases() {
        let named_request = r.request != TextId::NONE;
        let (field, message, hint) = match r.kind {
            PaymentKind::Regular if !named_request => (
                "request",
                format!("regular release `{}` names no request", r.id),
                "write the id of the payment request it pays (requests.csv) in `request`",
            ),
            PaymentKind::Regular if r.names_no_step() && with_steps.contains(&r.partner) => (
                "steps",
                format!("regular release `{}` lists no steps, but steps.csv holds {}'s steps", r.id, r.partner_code(l)),
                "list the ids of the steps it pays in `steps`, separated by spaces",
            ),
            PaymentKind::PreFinancing if !r.names_no_step() => (
                "steps",
                format!("pre-financing `{}` lists steps", r.id),
                "pre-financing pays no steps; leave `steps` empty, or record a regular release",
            ),
            PaymentKind::PreFinancing if named_request => (
                "request",
                format!("pre-financing `{}` names a request", r.id),
                "pre-financing answers no payment request; leave `request` empty, or record a regular release",
            ),
            _ => continue,
        };
        out.push(cx.at(Code::ReleaseSteps, r.first(l).at, field, message).hint(hint));
    }
    out
}
