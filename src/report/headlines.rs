//! The report's headline figures: the request cycle, the money and (where steps are known) the steps,
//! each with its change since the end of the month before.

use serde::Serialize;

use super::{bound, m};
use crate::money::Rate;
use crate::progress::{Figures, Granularity, Knownness, Partial, Progress};

#[derive(Serialize)]
pub(super) struct Headline {
    label: &'static str,
    value: String,
    change: String,
}

fn delta(now: i64, before: i64) -> String {
    let d = now - before;
    match d {
        0 => "no change".into(),
        d if d > 0 => format!("+{}", m(d)),
        d => m(d),
    }
}

fn count_delta(now: i64, before: i64) -> String {
    match now - before {
        d if d > 0 => format!("+{d}"),
        d => d.to_string(),
    }
}

/// The headline figures: the request cycle first, then the money, then the steps where steps are known.
pub(super) fn headlines(now_p: &Progress, before_p: &Progress) -> Vec<Headline> {
    let (now, before) = (&now_p.facility, &before_p.facility);
    let (rn, rb) = (&now_p.requests, &before_p.requests);
    let bounded_delta = |a: &Partial, b: &Partial| match (a.knownness(), b.knownness()) {
        (Knownness::Known, Knownness::Known) => delta(a.value, b.value),
        _ if a == b => "no change".into(),
        _ => "not comparable: some amounts not published".into(),
    };
    let mut cycle = vec![
        Headline {
            label: "Payment requests submitted",
            value: rn.requests_submitted.to_string(),
            change: count_delta(rn.requests_submitted, rb.requests_submitted),
        },
        Headline {
            label: "Requests assessed by the Commission",
            value: rn.requests_assessed.to_string(),
            change: count_delta(rn.requests_assessed, rb.requests_assessed),
        },
        Headline {
            label: "Requests pending with the Commission",
            value: match rn.pending.knownness() {
                Knownness::Unknown => format!("{} (amounts not published)", rn.requests_pending),
                _ => format!("{} ({} requested)", rn.requests_pending, bound(&rn.pending, true)),
            },
            change: count_delta(rn.requests_pending, rb.requests_pending),
        },
        Headline {
            label: "Requested",
            value: bound(&rn.requested, true),
            change: bounded_delta(&rn.requested, &rb.requested),
        },
        Headline {
            label: "Approved by assessments (gross where published)",
            value: bound(&rn.approved, true),
            change: bounded_delta(&rn.approved, &rb.approved),
        },
        Headline {
            label: "Not approved, grace period running",
            value: bound(&rn.withheld_by_assessments, true),
            change: bounded_delta(&rn.withheld_by_assessments, &rb.withheld_by_assessments),
        },
    ];
    let gap = Headline {
        label: "Published as paid, not yet itemised (known gap)",
        value: m(rn.reported_unitemised),
        change: delta(rn.reported_unitemised, rb.reported_unitemised),
    };
    let share = |f: &Figures| Rate::ratio(f.paid as i128, f.envelope as i128);
    let share_change = {
        let d = share(now).0 - share(before).0;
        if d == 0 {
            "no change".to_string()
        } else {
            let r = Rate(d.abs()).to_percent_1dp();
            format!("{}{} points", if d > 0 { "+" } else { "-" }, r.trim_end_matches('%'))
        }
    };
    let money = vec![
        Headline { label: "Envelope", value: m(now.envelope), change: delta(now.envelope, before.envelope) },
        Headline { label: "Committed", value: m(now.committed), change: delta(now.committed, before.committed) },
        Headline {
            label: if rn.reported_unitemised > 0 { "Paid (net), as itemised in the ledgers" } else { "Paid (net)" },
            value: m(now.paid),
            change: delta(now.paid, before.paid),
        },
        Headline {
            label: "Paid as grants",
            value: m(now.paid_grant),
            change: delta(now.paid_grant, before.paid_grant),
        },
        Headline { label: "Paid as loans", value: m(now.paid_loan), change: delta(now.paid_loan, before.paid_loan) },
        Headline {
            label: "Paid to budgets",
            value: m(now.paid_budget),
            change: delta(now.paid_budget, before.paid_budget),
        },
        Headline {
            label: "Paid through the WBIF",
            value: m(now.paid_wbif),
            change: delta(now.paid_wbif, before.paid_wbif),
        },
        Headline {
            label: if rn.reported_unitemised > 0 {
                "Share of the envelope paid, as itemised"
            } else {
                "Share of the envelope paid"
            },
            value: share(now).to_percent_1dp(),
            change: share_change,
        },
        Headline {
            label: "Pre-financing paid",
            value: m(now.paid_prefinancing),
            change: delta(now.paid_prefinancing, before.paid_prefinancing),
        },
    ];
    let steps = vec![
        Headline {
            label: "Steps fulfilled of due",
            value: format!("{} of {}", now.steps_fulfilled, now.steps_due),
            change: format!(
                "{} fulfilled, {} due",
                count_delta(now.steps_fulfilled, before.steps_fulfilled),
                count_delta(now.steps_due, before.steps_due)
            ),
        },
        Headline {
            label: "Money of steps due and unmet, grace period running",
            value: m(now.value_withheld),
            change: delta(now.value_withheld, before.value_withheld),
        },
        Headline {
            label: "Money of steps whose grace period ended unmet",
            value: m(now.value_expired),
            change: delta(now.value_expired, before.value_expired),
        },
    ];
    // The gap right after what is paid: a reader sees what the itemised total leaves out.
    let after_paid = money.iter().position(|h| h.label.starts_with("Paid")).map_or(money.len(), |i| i + 1);
    let mut money = money;
    if !now_p.known_gaps.is_empty() {
        money.insert(after_paid, gap);
    }
    cycle.extend(money);
    if now_p.requests.granularity != Granularity::Requests {
        cycle.extend(steps);
    }
    cycle
}
