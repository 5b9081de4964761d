//! Rules on payment requests and their assessments: C024-C030.

use super::*;

/// C024: a regular release pays requests of its own partner that were assessed on or before its date.
pub(super) fn request_not_assessed(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    for r in cx.releases().iter().filter(|r| r.kind == PaymentKind::Regular) {
        for (name, row) in cx.requests().named(l, r.request) {
            let problem = match row {
                None => Some((
                    format!("release `{}` pays request `{name}`, which is not in requests.csv", r.id),
                    "record the request in requests.csv first, or correct the id in `request`".to_string(),
                )),
                Some(i) if l.requests[i].partner != r.partner => Some((
                    format!(
                        "release `{}` to {} pays request `{name}` of {}",
                        r.id,
                        r.partner_code(l),
                        l.partner_code(l.requests[i].partner)
                    ),
                    "a release pays a request of its own partner; correct `request` or `partner`".to_string(),
                )),
                Some(i) if cx.requests().assessed_until(l, i, r.date).next().is_none() => {
                    let first = cx.requests().assessed_until(l, i, Date::MAX).next();
                    Some((
                        format!(
                            "release `{}` on {} pays request `{name}`, which was not assessed by then{}",
                            r.id,
                            date::format(r.date),
                            first.map(|a| format!(" (the first is dated {})", date::format(a.date))).unwrap_or_default()
                        ),
                        "a release follows the Commission's assessment of the request: record the assessment in assessments.csv, or check the dates".to_string(),
                    ))
                }
                Some(_) => None,
            };
            if let Some((message, hint)) = problem {
                out.push(cx.at(Code::RequestNotAssessed, r.first(l).at, "request", message).hint(hint));
            }
        }
    }
    out
}

/// C025: what the releases of a request transferred gross is at most what its assessments approved by
/// then, within the release tolerance per release. A release that paid several requests together (the
/// split not published) is held to what their assessments approved together, with the other releases
/// that paid the same requests together.
pub(super) fn released_above_approved(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let releases = cx.releases();
    // Per request row, or per set of rows paid together: gross released so far, and by how many releases.
    let mut released: Vec<(i128, i128)> = vec![(0, 0); l.requests.len()];
    let mut together: FxHashMap<Vec<usize>, (i128, i128)> = FxHashMap::default();
    let mut out = Vec::new();
    // The settlements are the regular releases, in the order they happened.
    for s in cx.settlements() {
        let r = &releases[s.release];
        let named = cx.requests().named(l, r.request);
        let Some(rows) = named.iter().map(|(_, row)| *row).collect::<Option<smallvec::SmallVec<[usize; 2]>>>() else {
            continue;
        };
        let (total, count) = match rows.as_slice() {
            [] => continue,
            [i] => &mut released[*i],
            _ => together.entry(rows.to_vec()).or_default(),
        };
        *total += s.gross();
        *count += 1;
        let (mut approved, mut assessed, mut unpublished) = (0i128, true, false);
        for &i in &rows {
            let mut any = false;
            for a in cx.requests().assessed_until(l, i, r.date) {
                any = true;
                match a.amount_approved {
                    Some(v) => approved += v as i128,
                    None => unpublished = true,
                }
            }
            assessed &= any;
        }
        if !assessed || unpublished {
            continue;
        }
        let tolerance = l.facility.release_tolerance as i128 * *count;
        if *total > approved + tolerance {
            let mut d = cx
                .at(
                    Code::ReleasedAboveApproved,
                    r.first(l).at,
                    "amount_eur",
                    format!(
                        "with release `{}` {} `{}` has been paid {} gross, more than the {} its assessments approved by {}",
                        r.id,
                        if rows.len() == 1 { "request" } else { "the requests paid together" },
                        l.text(r.request),
                        eur(*total),
                        eur(approved),
                        date::format(r.date)
                    ),
                )
                .hint("check the components' amounts, the request the release names, and the approved amounts in assessments.csv");
            if r.names_no_step() {
                d = d.note(format!(
                    "a release without steps is worth its net plus the pre-financing it clears ({} of the gross)",
                    l.facility.prefinancing_clearance
                ));
            }
            out.push(d);
        }
    }
    out
}

/// C026: a request's assessments approve at most what it requested (when both are published).
pub(super) fn approved_above_requested(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    for (i, q) in l.requests.iter().enumerate() {
        let Some(requested) = q.amount_requested else { continue };
        let mut approved = 0i128;
        for a in cx.requests().assessed_until(l, i, Date::MAX) {
            let Some(amount) = a.amount_approved else { break };
            let before = approved;
            approved += amount as i128;
            if approved > requested as i128 && before <= requested as i128 {
                out.push(
                    cx.at(
                        Code::ApprovedAboveRequested,
                        a.at,
                        "amount_approved_eur",
                        format!(
                            "with this assessment, request `{}` has been approved {}, more than the {} it requested",
                            l.text(q.id),
                            eur(approved),
                            eur(requested as i128)
                        ),
                    )
                    .hint("a later assessment approves only the remainder; check both amounts (gross)")
                    .note(cx.row_note(q.at)),
                );
            }
        }
    }
    out
}

/// C027: the steps a request's assessments decide (met, then the latest partly and not met) are at most
/// the steps it claimed; a count not published counts as none.
pub(super) fn step_counts_above_claimed(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    for (i, q) in l.requests.iter().enumerate() {
        let Some(claimed) = q.steps_claimed else { continue };
        let mut met = 0u64;
        for a in cx.requests().assessed_until(l, i, Date::MAX) {
            met += a.steps_met.unwrap_or(0) as u64;
            let decided = met + a.steps_partly.unwrap_or(0) as u64 + a.steps_not_met.unwrap_or(0) as u64;
            if decided > claimed as u64 {
                out.push(
                    cx.at(
                        Code::StepCountsAboveClaimed,
                        a.at,
                        "steps_met",
                        format!(
                            "request `{}` claimed {claimed} steps, but its assessments decide {decided} ({met} met so far, {} partly and {} not met in this one)",
                            l.text(q.id),
                            a.steps_partly.unwrap_or(0),
                            a.steps_not_met.unwrap_or(0)
                        ),
                    )
                    .hint("a later assessment counts only the steps it decides anew; check the counts and `steps_claimed`")
                    .note(cx.row_note(q.at)),
                );
                break;
            }
        }
    }
    out
}

/// C028: a request reports on a due date of the facility (the end of a half-year within its period).
pub(super) fn period_end_not_due(cx: &LedgerCtx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    l.requests
        .iter()
        .filter(|q| !l.facility.is_due_date(q.period_end))
        .map(|q| {
            cx.at(
                Code::PeriodEndNotDue,
                q.at,
                "period_end",
                format!(
                    "request `{}` reports on {}, which is not a due date of the facility",
                    l.text(q.id),
                    date::format(q.period_end)
                ),
            )
            .hint(format!(
                "write the due date of the steps it reports on: the last day of a reporting period between {} and {}, e.g. 30 June or 31 December",
                date::format(l.facility.start),
                date::format(l.facility.end)
            ))
        })
        .collect()
}

/// C029: an assessment names a request that exists and is not dated before it.
pub(super) fn assessment_out_of_order(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    for a in &l.assessments {
        let name = l.text(a.request);
        match cx.requests().row(a.request) {
            None => out.push(
                cx.at(
                    Code::AssessmentOutOfOrder,
                    a.at,
                    "request",
                    format!("assessment of request `{name}`, which is not in requests.csv"),
                )
                .hint("record the request in requests.csv first, or correct the id in `request`"),
            ),
            Some(i) if a.date < l.requests[i].date => out.push(
                cx.at(
                    Code::AssessmentOutOfOrder,
                    a.at,
                    "date",
                    format!(
                        "assessment of request `{name}` on {} is dated before the request was submitted ({})",
                        date::format(a.date),
                        date::format(l.requests[i].date)
                    ),
                )
                .hint("check both dates: the Commission assesses a request after it is submitted")
                .note(cx.row_note(l.requests[i].at)),
            ),
            Some(_) => {}
        }
    }
    out
}

/// C030: every release of a request is paid by the end of the grace period of the request's period end.
pub(super) fn request_paid_after_grace(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    for r in cx.releases().iter().filter(|r| r.kind == PaymentKind::Regular) {
        for (_, row) in cx.requests().named(l, r.request) {
            let Some(q) = row.map(|i| &l.requests[i]) else { continue };
            let end = l.facility.grace_end(q.period_end);
            if r.date <= end {
                continue;
            }
            out.push(
                cx.at(
                    Code::RequestPaidAfterGrace,
                    r.first(l).at,
                    "date",
                    format!(
                        "release `{}` on {} pays request `{}` for the steps due {}, whose grace period ended {}",
                        r.id,
                        date::format(r.date),
                        l.text(q.id),
                        date::format(q.period_end),
                        date::format(end)
                    ),
                )
                .hint("money not released within the grace period goes back to the facility; check the date and the request")
                .note(cx.row_note(q.at)),
            );
        }
    }
    out
}
