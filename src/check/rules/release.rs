//! Rules on releases: when they may be paid, which steps they pay, what they transfer: C007-C014.

use super::*;

/// C007: nothing is paid before the Reform Agenda is approved and both agreements are in force.
pub(super) fn paid_before_agreements(cx: &Ctx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in cx.releases() {
        let Some(p) = cx.index().partners.get(r.partner_code(cx.ledger)) else {
            continue;
        };
        let mut missing = Vec::new();
        for (what, d) in [
            ("the Reform Agenda is approved", p.agenda_approved),
            ("the Facility Agreement is in force", p.facility_agreement_in_force),
            ("the Loan Agreement is in force", p.loan_agreement_in_force),
        ] {
            match d {
                None => missing.push(format!("{what} (no date in partners.csv)")),
                Some(d) if d > r.date => missing.push(format!("{what} ({})", date::format(d))),
                Some(_) => {}
            }
        }
        if !missing.is_empty() {
            out.push(
                cx.at(
                    Code::PaidBeforeAgreements,
                    r.first(cx.ledger).at,
                    "date",
                    format!(
                        "release `{}` to {} on {} is paid before {}",
                        r.id,
                        r.partner_code(cx.ledger),
                        date::format(r.date),
                        missing.join(" and before ")
                    ),
                )
                .hint("check the payment date, or the dates in partners.csv")
                .note(cx.row_note(p.at)),
            );
        }
    }
    out
}

/// C008: nothing is paid while the latest assessment of the preconditions or general conditions is `not_met`.
pub(super) fn paid_while_conditions_not_met(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    let assessments: FxHashMap<(&str, Layer), Vec<&Condition>> =
        grouped(&l.conditions, |c| (l.partner_code(c.partner), c.layer), |c| c.date).into_iter().collect();
    for r in cx.releases() {
        for layer in [Layer::Precondition, Layer::General] {
            let rows = assessments.get(&(r.partner_code(l), layer)).map(Vec::as_slice).unwrap_or(&[]);
            let latest = rows[..rows.partition_point(|c| c.date <= r.date)].last();
            if let Some(c) = latest.filter(|c| c.status == ConditionStatus::NotMet) {
                out.push(
                    cx.at(
                        Code::PaidWhileConditionsNotMet,
                        r.first(l).at,
                        "date",
                        format!(
                            "release `{}` is paid on {} while {}'s {} conditions are assessed `not_met` (since {})",
                            r.id,
                            date::format(r.date),
                            r.partner_code(l),
                            layer.as_str(),
                            date::format(c.date)
                        ),
                    )
                    .hint("record the assessment that found the conditions met again, or check the payment date")
                    .note(cx.row_note(c.at)),
                );
            }
        }
    }
    out
}

/// C009: a regular release pays only steps of its partner found fulfilled (or partially) by its date.
pub(super) fn step_not_fulfilled(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let index = cx.index();
    let mut out = Vec::new();
    for r in cx.releases().iter().filter(|r| r.kind == PaymentKind::Regular) {
        let partner = r.partner;
        for i in r.known_steps(l) {
            // A step's row is read only to word a finding (the steps are read at random).
            let id = || l.steps[i].id.as_str();
            if !index.step_of_partner(i, partner) {
                let step = &l.steps[i];
                out.push(
                    cx.at(
                        Code::StepNotFulfilled,
                        r.first(l).at,
                        "steps",
                        format!(
                            "release `{}` to {} pays step `{id}` of {}",
                            r.id,
                            r.partner_code(l),
                            l.partner_code(step.partner),
                            id = id()
                        ),
                    )
                    .hint("a release pays only its own partner's steps")
                    .note(cx.row_note(step.at)),
                );
                continue;
            }
            let a = index.assessment_on(i, r.date);
            if a.is_none_or(|a| a.worth == 0) {
                let e = a.map(|a| &l.step_events[a.event as usize]);
                let state = match e {
                    Some(e) => {
                        format!("its latest assessment by then is `{}` ({})", e.status.as_str(), date::format(e.date))
                    }
                    None => format!(
                        "which is not yet assessed: step_events.csv has no `fulfilled` or `partially_fulfilled` assessment of it on or before {}",
                        date::format(r.date)
                    ),
                };
                let mut d = cx
                    .at(
                        Code::StepNotFulfilled,
                        r.first(l).at,
                        "steps",
                        match e {
                            Some(_) => format!("release `{}` on {} pays step `{id}`, but {state}", r.id, date::format(r.date), id = id()),
                            None => format!("release `{}` on {} pays step `{id}`, {state}", r.id, date::format(r.date), id = id()),
                        },
                    )
                    .hint("record the Commission's `fulfilled` assessment in step_events.csv, dated on or before the release");
                if let Some(e) = e {
                    d = d.note(cx.row_note(e.at));
                }
                out.push(d);
            }
        }
    }
    out
}

/// C010: no step is paid twice, or beyond its (partially) fulfilled amount.
pub(super) fn step_overpaid(cx: &Ctx) -> Vec<Diagnostic> {
    let index = cx.index();
    let releases = cx.releases();
    // By step position: the worth already paid, and the release that paid it (by position: its id is
    // read only to word a finding).
    let mut paid: Vec<Option<(i64, u32)>> = vec![None; cx.ledger.steps.len()];
    let mut out = Vec::new();
    for (k, r) in releases.iter().enumerate().filter(|(_, r)| r.kind == PaymentKind::Regular) {
        for i in r.own_steps(index) {
            let worth = index.worth_on(i, r.date);
            if worth == 0 {
                continue; // C009 reports it
            }
            match paid[i] {
                Some((already, by)) if already >= worth => out.push(
                    cx.at(
                        Code::StepOverpaid,
                        r.first(cx.ledger).at,
                        "steps",
                        format!("release `{}` pays step `{id}` again: release `{by}` already paid {} of its {}", r.id, eur(already as i128), eur(worth as i128), id = cx.ledger.steps[i].id, by = releases[by as usize].id),
                    )
                    .hint("remove the step from this release; a step is paid once (a partial fulfilment's remainder only after a new assessment)"),
                ),
                _ => paid[i] = Some((worth, k as u32)),
            }
        }
    }
    out
}

/// C011: a regular release's components add up to the gross value of its steps less the clearance of
/// pre-financing, within the tolerance of facility.toml.
pub(super) fn release_unreconciled(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let tolerance = l.facility.release_tolerance as i128;
    let index = cx.index();
    let mut out = Vec::new();
    let releases = cx.releases();
    for s in cx.settlements() {
        let r = &releases[s.release];
        let net = r.net;
        let diff = net - s.expected_net();
        if diff.abs() > tolerance {
            // Steps counted at zero because no assessment found them (partly) fulfilled by the release's
            // date: that is the cause to name (C009 reports each), not a worth of zero.
            let unassessed: Vec<u32> =
                s.paid_steps.iter().map(|&(i, _)| i).filter(|&i| index.worth_on(i as usize, r.date) == 0).collect();
            let figures = format!(
                "{} gross, less {} clearance = {} (difference {}, tolerance {})",
                eur(s.gross()),
                eur(s.clearance),
                eur(s.expected_net()),
                eur(diff),
                eur(tolerance)
            );
            let (message, hint) = if unassessed.is_empty() {
                (
                    format!("release `{}` transferred {} but its steps are worth {figures}", r.id, eur(net)),
                    "check the components' amounts (net of clearance), the steps listed, and the steps' amounts",
                )
            } else {
                let causes: Vec<String> = unassessed
                    .iter()
                    .map(|&i| {
                        let id = &l.steps[i as usize].id;
                        match index.assessment_on(i as usize, r.date) {
                            None => format!("step `{id}` is not yet assessed"),
                            Some(_) => format!("step `{id}` was found not fulfilled"),
                        }
                    })
                    .collect();
                (
                    format!(
                        "release `{}` transferred {} on {}, but {}, so {} for nothing: the steps it pays that were found fulfilled are worth {figures}",
                        r.id,
                        eur(net),
                        date::format(r.date),
                        causes.join(" and "),
                        if causes.len() == 1 { "it counts" } else { "they count" }
                    ),
                    "record the Commission's assessment in step_events.csv, dated on or before the release, or take the step out of the release (C009 names each); then check the amounts if they still differ",
                )
            };
            let mut d = cx
                .at(Code::ReleaseUnreconciled, r.first(l).at, "amount_eur", message)
                .hint(hint)
                .depends_on("payments.csv", &*r.id);
            for &(i, v) in &s.paid_steps {
                let id = &l.steps[i as usize].id;
                d = d.note(if unassessed.contains(&i) {
                    format!("step {id}: {} (not found fulfilled by {})", eur(v as i128), date::format(r.date))
                } else {
                    format!("step {id}: {}", eur(v as i128))
                });
            }
            out.push(d);
        }
    }
    out
}

/// C012: each channel carries only the instruments facility.toml allows (budget support is loan only).
pub(super) fn channel_instrument(cx: &LedgerCtx) -> Vec<Diagnostic> {
    let f = &cx.ledger.facility;
    cx.ledger
        .payments
        .iter()
        .filter(|p| !f.allows(p.channel, p.instrument))
        .map(|p| {
            let allowed: Vec<&str> = f
                .channel_instruments
                .iter()
                .find(|(c, _)| *c == p.channel)
                .map(|(_, v)| v.iter().map(|i| i.as_str()).collect())
                .unwrap_or_default();
            cx.at(
                Code::ChannelInstrument,
                p.at,
                "instrument",
                format!(
                    "`{}` is paid through `{}`, which carries only: {}",
                    p.instrument.as_str(),
                    p.channel.as_str(),
                    allowed.join(", ")
                ),
            )
            .hint("budget support is loan only and grants go through the WBIF; check channel and instrument")
        })
        .collect()
}

/// C013: at the facility's end, the WBIF share of all payments is at least the minimum.
pub(super) fn wbif_share(cx: &LedgerCtx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let end = l.facility.end;
    if cx.as_of < end {
        return Vec::new();
    }
    let total = measure::measure_value(l, None, Measure::Paid, end);
    let wbif = measure::measure_value(l, None, Measure::PaidWbif, end);
    let share = Rate::ratio(wbif, total);
    if total > 0 && share < l.facility.min_wbif_share {
        let path = l.sources.path(crate::ledger::schema::LedgerFile::Payments).to_string();
        return vec![Diagnostic::new(
            Code::WbifShareLow,
            path,
            format!(
                "at the facility's end ({}) the WBIF share of all payments is {} ({} of {}), below the minimum of {}",
                date::format(end),
                share.to_percent_1dp(),
                eur(wbif),
                eur(total),
                l.facility.min_wbif_share
            ),
        )
        .hint("the regulation requires at least this share of support to go through the WBIF")];
    }
    Vec::new()
}

/// C014: a step is not paid after its grace period ended (its money was redistributable by then).
pub(super) fn paid_after_grace(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let index = cx.index();
    // By step position, read in order once rather than row by row per release.
    let grace_ends: Vec<Date> = l.steps.iter().map(|s| l.facility.grace_end(s.due)).collect();
    let mut out = Vec::new();
    for r in cx.releases().iter().filter(|r| r.kind == PaymentKind::Regular) {
        for i in r.own_steps(index) {
            let grace_end = grace_ends[i];
            if r.date > grace_end {
                let step = &l.steps[i];
                out.push(
                    cx.at(
                        Code::PaidAfterGrace,
                        r.first(l).at,
                        "steps",
                        format!(
                            "release `{}` on {} pays step `{id}`, due {}, whose grace period ended on {}",
                            r.id,
                            date::format(r.date),
                            date::format(step.due),
                            date::format(grace_end),
                            id = step.id
                        ),
                    )
                    .hint("after the grace period the step's money expires for the partner and can be redistributed")
                    .note(cx.row_note(step.at)),
                );
            }
        }
    }
    out
}
