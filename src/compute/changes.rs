//! What changed between two dates: releases paid, requests submitted and assessed, steps assessed, steps
//! falling due or expiring unmet, partners' agreements and envelope changes.

use super::ComputeError;
use crate::date::Date;
use crate::ledger::model::{Ledger, StepStatus};
use crate::progress::{Change, Progress};
use crate::replay::Replay;

/// What changed after `from` up to and including `to`: releases paid, steps found fulfilled, steps that
/// fell due unmet, grace periods that ended unmet, and envelope changes. Sorted by date, partner, kind
/// and reference.
/// `now` is the progress as of `to` (computed once by the caller, who needs it anyway).
pub fn changes<'a>(
    l: &'a Ledger,
    replay: &'a Replay,
    now: &'a Progress,
    from: Date,
) -> Result<Vec<Change<'a>>, ComputeError> {
    let to = now.as_of;
    let within = |d: Date| d > from && d <= to;
    let mut out = Vec::new();
    let ids = &replay.index;
    for r in replay.releases.iter().filter(|r| within(r.date)) {
        let net = i64::try_from(r.net).map_err(|_| ComputeError::Overflow)?;
        out.push(Change {
            date: r.date,
            partner: r.partner_code(l),
            what: r.kind.as_str(),
            reference: r.id.as_str(),
            amount: Some(net),
            source: l.text(r.source),
        });
    }
    for (i, e) in l.step_events.iter().enumerate().filter(|(_, e)| within(e.date)) {
        let Some(step) = ids.step_of_event(i).map(|i| &l.steps[i]) else { continue };
        let amount = match e.status {
            StepStatus::Fulfilled | StepStatus::PartiallyFulfilled => crate::replay::worth(step, e).unwrap_or(0),
            _ => continue,
        };
        out.push(Change {
            date: e.date,
            partner: l.partner_code(step.partner),
            what: e.status.as_str(),
            reference: l.step_id(e.step),
            amount: Some(amount),
            source: l.text(e.source),
        });
    }
    for st in &now.steps {
        if st.stage == "fulfilled" {
            continue;
        }
        if within(st.due) {
            out.push(Change {
                date: st.due,
                partner: st.partner.as_str(),
                what: "overdue",
                reference: st.id.as_str(),
                amount: Some(st.value_withheld + st.value_expired),
                source: "",
            });
        }
        // The grace period includes `grace_end`: the money expires the day after.
        let expires = st.grace_end.succ_opt().unwrap_or(st.grace_end);
        if within(expires) && st.value_expired > 0 {
            out.push(Change {
                date: expires,
                partner: st.partner.as_str(),
                what: "expired",
                reference: st.id.as_str(),
                amount: Some(st.value_expired),
                source: "",
            });
        }
    }
    for p in &l.partners {
        for (what, d) in [
            ("agenda_approved", p.agenda_approved),
            ("facility_agreement_in_force", p.facility_agreement_in_force),
            ("loan_agreement_in_force", p.loan_agreement_in_force),
        ] {
            if let Some(d) = d.filter(|d| within(*d)) {
                out.push(Change {
                    date: d,
                    partner: p.code.as_str(),
                    what,
                    reference: "",
                    amount: None,
                    source: l.text(p.source),
                });
            }
        }
    }
    for a in l.allocations.iter().filter(|a| within(a.date)) {
        let what = match a.kind {
            crate::ledger::model::AllocationKind::Initial => "allocation_initial",
            crate::ledger::model::AllocationKind::Cut => "allocation_cut",
            crate::ledger::model::AllocationKind::Redistribution => "allocation_redistribution",
        };
        out.push(Change {
            date: a.date,
            partner: l.partner_code(a.partner),
            what,
            reference: a.instrument.as_str(),
            amount: Some(a.amount),
            source: l.text(a.source),
        });
    }
    for c in l.commitments.iter().filter(|c| within(c.date)) {
        out.push(Change {
            date: c.date,
            partner: l.partner_code(c.partner),
            what: "commitment",
            reference: c.id.as_str(),
            amount: Some(c.amount),
            source: l.text(c.source),
        });
    }
    for q in l.requests.iter().filter(|q| within(q.date)) {
        out.push(Change {
            date: q.date,
            partner: l.partner_code(q.partner),
            what: "request_submitted",
            reference: l.text(q.id),
            amount: q.amount_requested,
            source: l.text(q.source),
        });
    }
    for a in l.assessments.iter().filter(|a| within(a.date)) {
        let Some(q) = replay.requests.row(a.request).map(|i| &l.requests[i]) else { continue };
        out.push(Change {
            date: a.date,
            partner: l.partner_code(q.partner),
            what: "request_assessed",
            reference: l.text(q.id),
            amount: a.amount_approved,
            source: l.text(a.source),
        });
    }
    sort(&mut out);
    Ok(out)
}

/// Sorts changes by date, partner, kind and reference; on one day a request is submitted before it is
/// assessed, and assessed before what it releases. The leading fields become numbers (a partner or kind
/// by its place in their sorted order), so that most comparisons are of numbers; a run with equal numbers
/// (a partner's releases of a day, in reference order already from the replay) is sorted by reference
/// only when it is out of order.
/// A sort comparing the texts took a third of a second at 10^6 rows (the site target, BENCHMARKS.md).
fn sort(changes: &mut Vec<Change>) {
    // Each distinct partner and kind by its place in their sorted order.
    fn place(texts: rustc_hash::FxHashSet<&str>) -> rustc_hash::FxHashMap<&str, u32> {
        let mut texts: Vec<&str> = texts.into_iter().collect();
        texts.sort_unstable();
        texts.into_iter().zip(0..).collect()
    }
    let partners = place(changes.iter().map(|c| c.partner).collect());
    let whats = place(changes.iter().map(|c| c.what).collect());
    let rank = |what: &str| match what {
        "request_submitted" => 0u8,
        "request_assessed" => 1,
        _ => 2,
    };
    let key = |c: &Change| (c.date, partners[c.partner], rank(c.what), whats[c.what]);
    let mut order: Vec<_> = changes.iter().zip(0u32..).map(|(c, i)| (key(c), i)).collect();
    // Stable: equal keys keep the order they were found in until their references say otherwise.
    order.sort_by_key(|&(k, _)| k);
    let mut sorted: Vec<Change> = order.iter().map(|&(_, i)| changes[i as usize].clone()).collect();
    let mut start = 0;
    while start < sorted.len() {
        let end = start + order[start..].iter().take_while(|(k, _)| *k == order[start].0).count();
        let run = &mut sorted[start..end];
        if !run.windows(2).all(|w| w[0].reference <= w[1].reference) {
            run.sort_by(|a, b| a.reference.cmp(b.reference));
        }
        start = end;
    }
    *changes = sorted;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The sort gives the order of the plain stable sort by date, partner, rank, kind and reference.
        #[test]
        fn the_sort_is_the_plain_sort(
            parts in proptest::collection::vec((0i64..3, "[AB]", 0usize..4, "[xy]{0,2}", 0i64..3), 0..40)
        ) {
            const WHATS: [&str; 4] = ["regular", "request_submitted", "request_assessed", "expired"];
            let start = Date::from_ymd_opt(2025, 1, 1).unwrap();
            let changes: Vec<Change> = parts
                .iter()
                .map(|(days, partner, what, reference, amount)| Change {
                    date: start + chrono::Duration::days(*days),
                    partner,
                    what: WHATS[*what],
                    reference,
                    amount: Some(*amount),
                    source: "",
                })
                .collect();
            let rank = |what: &str| match what {
                "request_submitted" => 0,
                "request_assessed" => 1,
                _ => 2,
            };
            let mut plain = changes.clone();
            plain.sort_by(|a, b| {
                (a.date, a.partner, rank(a.what), a.what, a.reference)
                    .cmp(&(b.date, b.partner, rank(b.what), b.what, b.reference))
            });
            let mut quick = changes;
            sort(&mut quick);
            prop_assert_eq!(quick, plain);
        }
    }
}
