//! The request cycle as of a date: requests submitted, assessed and pending, what was requested,
//! approved and withheld, the steps claimed and found met, and the published totals not yet itemised.
//! Plain sums over a few rows per partner; a blank cell ("not published") makes a figure a lower bound
//! or unknown ([`Partial`]).

use crate::check::measure::{measure_value, verdict, Verdict};
use crate::date::Date;
use crate::ledger::model::*;
use crate::ledger::schema::ALL_PARTNERS;
use crate::progress::{Granularity, KnownGap, Partial, RequestFigures, RequestState};
use crate::replay::Replay;

/// Each partner's request cycle (by partner number) as of `as_of`, and the facility's (the sum of every
/// partner's parts; its unitemised total is the latest `ALL` gap where one is published).
pub fn request_figures(
    l: &Ledger,
    replay: &Replay,
    as_of: Date,
    gaps: &[KnownGap],
) -> (Vec<RequestFigures>, RequestFigures) {
    let mut partners = vec![RequestFigures::default(); l.partner_codes.len()];
    for s in &l.steps {
        partners[s.partner.0 as usize].granularity = Granularity::Steps;
    }
    for (row, q) in l.requests.iter().enumerate() {
        // A request counts once, by its first row (a repeated id is the loader's to report).
        if q.date > as_of || replay.requests.row(q.id) != Some(row) {
            continue;
        }
        let f = &mut partners[q.partner.0 as usize];
        f.requests_submitted += 1;
        f.requested.add(q.amount_requested);
        f.steps_claimed.add(q.steps_claimed.map(i64::from));
        let assessments: Vec<&Assessment> = replay.requests.assessed_until(l, row, as_of).collect();
        let Some(latest) = assessments.last() else {
            f.requests_pending += 1;
            f.pending.add(q.amount_requested);
            continue;
        };
        f.requests_assessed += 1;
        let mut approved = Partial::default();
        for a in &assessments {
            approved.add(a.amount_approved);
            f.steps_met.add(a.steps_met.map(i64::from));
        }
        f.approved = f.approved.plus(approved);
        f.steps_partly.add(latest.steps_partly.map(i64::from));
        if l.facility.grace_end(q.period_end) >= as_of {
            let withheld = match (q.amount_requested, approved.blank) {
                (Some(requested), 0) => Some((requested - approved.value).max(0)),
                _ => None,
            };
            f.withheld_by_assessments.add(withheld);
        }
    }
    // The latest gap of each partner (by date, then line: the gaps come in file order, and the sort
    // is stable), and of the whole facility.
    let mut by_date: Vec<&KnownGap> = gaps.iter().collect();
    by_date.sort_by_key(|g| g.date);
    let mut own_gap = vec![false; partners.len()];
    for g in &by_date {
        if let Some(p) = l.partner_codes.iter().position(|c| *c == g.partner) {
            partners[p].reported_unitemised = g.unitemised;
            own_gap[p] = true;
        }
    }
    // A gap of all partners not itemised yet: a partner without a published total of its own may hold
    // part of it, which no source says.
    let all_gap = by_date.iter().rev().find(|g| g.partner == ALL_PARTNERS);
    if all_gap.is_some_and(|g| g.unitemised > 0) {
        for (f, own) in partners.iter_mut().zip(&own_gap) {
            f.reported_unitemised_known = *own;
        }
    }
    let mut facility = RequestFigures::default();
    let listed: Vec<usize> =
        l.partners.iter().filter_map(|p| l.partner_codes.iter().position(|c| *c == p.code)).collect();
    for f in &partners {
        facility.requests_submitted += f.requests_submitted;
        facility.requests_assessed += f.requests_assessed;
        facility.requests_pending += f.requests_pending;
        facility.requested = facility.requested.plus(f.requested);
        facility.approved = facility.approved.plus(f.approved);
        facility.pending = facility.pending.plus(f.pending);
        facility.withheld_by_assessments = facility.withheld_by_assessments.plus(f.withheld_by_assessments);
        facility.steps_claimed = facility.steps_claimed.plus(f.steps_claimed);
        facility.steps_met = facility.steps_met.plus(f.steps_met);
        facility.steps_partly = facility.steps_partly.plus(f.steps_partly);
    }
    facility.reported_unitemised = match all_gap {
        Some(g) => g.unitemised,
        None => listed.iter().map(|&p| partners[p].reported_unitemised).sum(),
    };
    let with_steps = listed.iter().filter(|&&p| partners[p].granularity == Granularity::Steps).count();
    facility.granularity = match with_steps {
        n if n == listed.len() => Granularity::Steps,
        0 => Granularity::Requests,
        _ => Granularity::Mixed,
    };
    (partners, facility)
}

/// Every `partial` control total dated up to `as_of`, in the order of the file (the ledger keeps it), with
/// the ledgers' figure on its date.
pub fn known_gaps(l: &Ledger, as_of: Date) -> Vec<KnownGap> {
    l.control_totals
        .iter()
        .filter(|c| c.itemised == Itemised::Partial && c.date <= as_of)
        .map(|c| {
            let partner = c.partner.map(|p| l.partner_code(p));
            let value = measure_value(l, partner, c.measure, c.date);
            let itemised = value as i64;
            let gap = c.amount - itemised;
            let open = verdict(c, value) == Verdict::KnownGap;
            KnownGap {
                date: c.date,
                partner: partner.unwrap_or(ALL_PARTNERS).to_string(),
                measure: c.measure.as_str(),
                published: c.amount,
                itemised,
                unitemised: if open { gap } else { 0 },
                tolerance: c.tolerance,
                status: if open { "known_gap" } else { "itemised" },
                source: l.text(c.source).to_string(),
            }
        })
        .collect()
}

/// Every request submitted up to `as_of` with its assessments and releases so far, by partner code,
/// then date and id.
pub fn request_states(l: &Ledger, replay: &Replay, as_of: Date) -> Vec<RequestState> {
    let mut released = vec![0i64; l.requests.len()];
    let mut together = vec![(0i64, Vec::<String>::new()); l.requests.len()];
    for r in replay.releases.iter().filter(|r| r.date <= as_of && r.kind == PaymentKind::Regular) {
        let named = replay.requests.named(l, r.request);
        match named.as_slice() {
            [(_, Some(i))] => released[*i] += r.net as i64,
            several => {
                for (_, row) in several {
                    let Some(i) = row else { continue };
                    together[*i].0 += r.net as i64;
                    for (other, _) in several.iter().filter(|(_, o)| o != row) {
                        if !together[*i].1.iter().any(|x| x == other) {
                            together[*i].1.push(other.to_string());
                        }
                    }
                }
            }
        }
    }
    let mut out: Vec<RequestState> = l
        .requests
        .iter()
        .enumerate()
        .filter(|(row, q)| q.date <= as_of && replay.requests.row(q.id) == Some(*row))
        .map(|(row, q)| {
            let assessments: Vec<&Assessment> = replay.requests.assessed_until(l, row, as_of).collect();
            let mut steps_met = Partial::default();
            let mut approved = Partial::default();
            for a in &assessments {
                steps_met.add(a.steps_met.map(i64::from));
                approved.add(a.amount_approved);
            }
            let latest = assessments.last();
            let grace_end = l.facility.grace_end(q.period_end);
            RequestState {
                id: l.text(q.id).to_string(),
                partner: l.partner_code(q.partner).to_string(),
                submitted: q.date,
                period_end: q.period_end,
                grace_end,
                steps_claimed: q.steps_claimed,
                requested: q.amount_requested,
                assessments: assessments.len() as u32,
                last_assessed: latest.map(|a| a.date),
                steps_met,
                steps_partly: latest.and_then(|a| a.steps_partly),
                steps_not_met: latest.and_then(|a| a.steps_not_met),
                approved,
                released: released[row],
                released_together: together[row].0,
                together_with: together[row].1.clone(),
                stage: match latest {
                    None => "pending",
                    Some(_) if grace_end >= as_of => "assessed",
                    Some(_) => "grace_ended",
                },
                source: l.text(q.source).to_string(),
                note: l.text(q.note).to_string(),
                decisions: assessments
                    .iter()
                    .map(|a| (a.date, l.text(a.source).to_string(), l.text(a.note).to_string()))
                    .collect(),
            }
        })
        .collect();
    // By the steps they report on: a submission day that is only a bound does not reorder them.
    out.sort_by(|a, b| {
        (&a.partner, a.period_end, a.submitted, &a.id).cmp(&(&b.partner, b.period_end, b.submitted, &b.id))
    });
    out
}
