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
pub fn changes(l: &Ledger, replay: &Replay, now: &Progress, from: Date) -> Result<Vec<Change>, ComputeError> {
    let to = now.as_of;
    let within = |d: Date| d > from && d <= to;
    let mut out = Vec::new();
    let ids = &replay.index;
    for r in replay.releases.iter().filter(|r| within(r.date)) {
        let net = i64::try_from(r.net).map_err(|_| ComputeError::Overflow)?;
        out.push(Change {
            date: r.date,
            partner: r.partner_code(l).to_string(),
            what: r.kind.as_str(),
            reference: r.id.to_string(),
            amount: Some(net),
            source: l.text(r.first(l).source).to_string(),
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
            partner: l.partner_code(step.partner).to_string(),
            what: e.status.as_str(),
            reference: l.step_id(e.step).to_string(),
            amount: Some(amount),
            source: l.text(e.source).to_string(),
        });
    }
    for st in &now.steps {
        if st.stage == "fulfilled" {
            continue;
        }
        if within(st.due) {
            out.push(Change {
                date: st.due,
                partner: st.partner.to_string(),
                what: "overdue",
                reference: st.id.to_string(),
                amount: Some(st.value_withheld + st.value_expired),
                source: String::new(),
            });
        }
        // The grace period includes `grace_end`: the money expires the day after.
        let expires = st.grace_end.succ_opt().unwrap_or(st.grace_end);
        if within(expires) && st.value_expired > 0 {
            out.push(Change {
                date: expires,
                partner: st.partner.to_string(),
                what: "expired",
                reference: st.id.to_string(),
                amount: Some(st.value_expired),
                source: String::new(),
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
                    partner: p.code.to_string(),
                    what,
                    reference: String::new(),
                    amount: None,
                    source: l.text(p.source).to_string(),
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
            partner: l.partner_code(a.partner).to_string(),
            what,
            reference: a.instrument.as_str().to_string(),
            amount: Some(a.amount),
            source: l.text(a.source).to_string(),
        });
    }
    for c in l.commitments.iter().filter(|c| within(c.date)) {
        out.push(Change {
            date: c.date,
            partner: l.partner_code(c.partner).to_string(),
            what: "commitment",
            reference: c.id.to_string(),
            amount: Some(c.amount),
            source: l.text(c.source).to_string(),
        });
    }
    for q in l.requests.iter().filter(|q| within(q.date)) {
        out.push(Change {
            date: q.date,
            partner: l.partner_code(q.partner).to_string(),
            what: "request_submitted",
            reference: l.text(q.id).to_string(),
            amount: q.amount_requested,
            source: l.text(q.source).to_string(),
        });
    }
    for a in l.assessments.iter().filter(|a| within(a.date)) {
        let Some(q) = replay.requests.row(a.request).map(|i| &l.requests[i]) else { continue };
        out.push(Change {
            date: a.date,
            partner: l.partner_code(q.partner).to_string(),
            what: "request_assessed",
            reference: l.text(q.id).to_string(),
            amount: a.amount_approved,
            source: l.text(a.source).to_string(),
        });
    }
    // On one day a request is submitted before it is assessed, and assessed before what it releases.
    let rank = |what: &str| match what {
        "request_submitted" => 0,
        "request_assessed" => 1,
        _ => 2,
    };
    out.sort_by(|a, b| {
        (a.date, &a.partner, rank(a.what), a.what, &a.reference).cmp(&(
            b.date,
            &b.partner,
            rank(b.what),
            b.what,
            &b.reference,
        ))
    });
    Ok(out)
}
