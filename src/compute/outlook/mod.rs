//! The outlook as of a date: the expiry calendar (what withheld money expires when, recorded figures
//! only) and three projections of every partner's payments by payment window to the facility's last
//! payment date. Plain Rust over the progress and the replay: a few items per partner, or one per step.
//!
//! A partner's open money (its envelope less the gross of its releases and what expired) is cut into
//! items, each with a value, a due date and a grace end: money approved or found fulfilled and not yet
//! released (`Met`), withheld remainders and unmet steps within their grace (`Withheld`), and money not
//! yet assessed (`Open`: pending requests, steps not yet due, and the unscheduled rest spread evenly
//! over the due dates ahead). Each scenario pays or expires every item in some window. The pre-financing
//! not yet cleared is cleared from both: a payment transfers its gross less its share, an expiry returns
//! its gross less its share (that part was paid in advance), so paid + expired + remaining = envelope
//! after every event (docs/OUTPUT.md, "The outlook").

use std::collections::BTreeMap;

use chrono::Days;

mod items;
mod observe;
mod project;

use items::{fit, request_items, spread, step_items};
use observe::{delay, observe, pace};
use project::{flat, project, sum_points, Scenario};

use crate::date::Date;
use crate::ledger::facility::Facility;
use crate::ledger::model::Ledger;
use crate::progress::{Expiry, Granularity, Outlook, Partial, PartnerOutlook, Progress, StepState};
use crate::replay::Replay;

/// What an item of open money is, which decides what each scenario does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Approved or found fulfilled, not yet released.
    Met,
    /// Due, not met, within its grace period.
    Withheld,
    /// Not yet assessed: a pending request, a step not yet due, money no source schedules.
    Open,
}

#[derive(Debug, Clone, Copy)]
struct Item {
    value: i64,
    due: Date,
    grace_end: Date,
    kind: Kind,
}

/// Where a partner starts on the as-of date, as the projections count it: what expired so far is net of
/// the pre-financing advanced against it, like every projected expiry, and the pre-financing left to
/// clear never exceeds the open money (else the partner is overpaid and not projected).
#[derive(Debug, Clone, Copy)]
struct Start {
    envelope: i64,
    paid: i64,
    expired: i64,
    open: i64,
    to_clear: i64,
}

/// The outlook of every partner and of the facility as of `p.as_of`.
pub fn outlook(l: &Ledger, replay: &Replay, p: &Progress) -> Outlook {
    let as_of = p.as_of;
    let Some(first_day) = as_of.checked_add_days(Days::new(1)) else { return Outlook::default() };
    let f = &l.facility;
    let windows = windows(f, first_day);
    let due_ahead: Vec<Date> = windows.iter().copied().filter(|d| f.is_due_date(*d)).collect();
    let observed = observe(l, replay, p);
    let facility_observed = observe::facility(&observed);
    // Each partner's steps (the progress keeps them sorted by partner).
    let steps_of: BTreeMap<&str, &[StepState]> =
        p.steps.chunk_by(|a, b| a.partner == b.partner).map(|c| (c[0].partner.as_str(), c)).collect();

    let mut calendar: Vec<Expiry> = Vec::new();
    let mut partners = Vec::new();
    let mut expired_so_far = Partial::default();
    for (k, pp) in p.partners.iter().enumerate() {
        let fig = &pp.figures;
        let mut items = Vec::new();
        let mut expired = Partial::default();
        let mut unpublished = Vec::new();
        if pp.requests.granularity == Granularity::Steps {
            let steps = steps_of.get(pp.code.as_str()).copied().unwrap_or_default();
            step_items(steps, as_of, f.payments_until, &mut items, &mut expired, &mut calendar, &pp.code);
        } else {
            request_items(p, &pp.code, f, &mut items, &mut expired, &mut unpublished, &mut calendar);
        }
        expired_so_far = expired_so_far.plus(expired);
        let to_clear = fig.prefinancing_to_clear().max(0);
        let kept = (f.prefinancing_clearance.of(expired.value as i128) as i64).min(to_clear);
        let open = fig.envelope - fig.paid_regular - fig.prefinancing_cleared - expired.value;
        let start = Start {
            envelope: fig.envelope,
            paid: fig.paid,
            expired: expired.value - kept,
            open,
            to_clear: to_clear - kept,
        };
        let overpaid = start.open < start.to_clear;
        let unscheduled = if overpaid { 0 } else { fit(&mut items, open) };
        spread(unscheduled, &due_ahead, f, first_day, &mut items);
        let (pace, pace_basis) = pace(&observed[k], &facility_observed);
        let (delay_days, delay_basis, delay_releases) = delay(&observed[k], &facility_observed);
        let projections = Scenario::ALL
            .iter()
            .flat_map(|&scenario| match overpaid {
                true => flat(scenario, &start, &windows),
                false => project(f, scenario, &items, &start, pace, delay_days, first_day, &windows),
            })
            .collect();
        let in_force = |d: Option<Date>| d.is_some_and(|d| d <= as_of);
        let partner = l.partners.iter().find(|x| x.code.as_str() == pp.code);
        partners.push(PartnerOutlook {
            partner: pp.code.clone(),
            envelope: fig.envelope,
            paid: fig.paid,
            expired: expired.value,
            expired_unknown: expired.blank,
            unpublished_remainders: unpublished,
            agreements_in_force: partner
                .is_some_and(|x| in_force(x.facility_agreement_in_force) && in_force(x.loan_agreement_in_force)),
            overpaid,
            open,
            prefinancing_to_clear: to_clear,
            pace_num: pace.num as i64,
            pace_den: pace.den as i64,
            pace_basis,
            pace_parts: pace.parts,
            delay_days,
            delay_basis,
            delay_releases,
            unscheduled,
            projections,
        });
    }

    calendar.retain(|e| e.date > as_of && e.date <= f.payments_until);
    calendar.sort_by(|a, b| (a.date, &a.partner).cmp(&(b.date, &b.partner)));
    let mut grouped: Vec<Expiry> = Vec::new();
    for e in calendar {
        match grouped.last_mut() {
            Some(g) if g.date == e.date && g.partner == e.partner => {
                g.amount = g.amount.plus(e.amount);
                g.requests.extend(e.requests);
                g.steps.extend(e.steps);
            }
            _ => grouped.push(e),
        }
    }
    let mut pool = expired_so_far;
    for g in &mut grouped {
        pool = pool.plus(g.amount);
        g.pool_after = pool;
    }

    let facility = sum_points(&partners);
    Outlook { windows, calendar: grouped, expired_so_far, partners, facility }
}

/// The ends of the payment windows from the one holding `first_day` to the one holding the facility's
/// last payment date (none once that date is past).
fn windows(f: &Facility, first_day: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let mut end = f.period_end(first_day);
    let last = f.period_end(f.payments_until);
    while end <= last && first_day <= f.payments_until {
        out.push(end);
        match end.checked_add_days(Days::new(1)) {
            Some(next) => end = f.period_end(next),
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::observe::Share;
    use super::*;
    use crate::progress::ProjectionPoint;
    use proptest::prelude::*;

    fn facility() -> Facility {
        let text = include_str!("../../../data/facility.toml");
        crate::ledger::facility::parse(text, "facility.toml").expect("the shipped facility.toml")
    }

    fn day(n: u32) -> Date {
        Date::from_ymd_opt(2024, 1, 1).unwrap() + Days::new(n as u64)
    }

    proptest! {
        /// Every scenario, at every window: paid + expired + remaining = envelope, each part within the
        /// envelope and cumulative figures only growing; no further progress stays at what was paid and
        /// pays no more than the observed pace, which pays no more than on plan; on plan pays everything
        /// not already expired when every item can still be paid; past the last payment date, no window.
        #[test]
        fn the_envelope_is_paid_expired_or_remaining_at_every_window(
            as_of in 300u32..1800,
            open in 0i64..200_000_000_000,
            to_clear_share in 0i64..=100,
            expired in 0i64..50_000_000_000,
            paid_extra in 0i64..100_000_000_000,
            raw in proptest::collection::vec((1i64..30_000_000_000, 0u32..1600, 0u8..3, any::<bool>()), 0..12),
            pace_num in 0i64..=100,
            delay in 0i64..500,
        ) {
            let f = facility();
            let as_of = day(as_of);
            let first_day = as_of + Days::new(1);
            // Up to all of the open money may be pre-financing left to clear (an envelope cut after it).
            let to_clear = open * to_clear_share / 100;
            let paid = to_clear + paid_extra;
            let start = Start { envelope: paid + expired + open - to_clear, paid, expired, open, to_clear };
            let mut items: Vec<Item> = raw
                .iter()
                .map(|&(value, due, kind, lapsed)| {
                    let due = day(due);
                    let kind = [Kind::Met, Kind::Withheld, Kind::Open][kind as usize];
                    // Some grace periods are over already (money approved and never paid).
                    let grace_end = if lapsed { f.grace_end(due) } else { f.grace_end(due).max(first_day) };
                    Item { value, due, grace_end, kind }
                })
                .collect();
            let windows = windows(&f, first_day);
            let due_ahead: Vec<Date> = windows.iter().copied().filter(|d| f.is_due_date(*d)).collect();
            let rest = fit(&mut items, open);
            spread(rest, &due_ahead, &f, first_day, &mut items);
            prop_assert_eq!(items.iter().map(|i| i.value).sum::<i64>(), open);
            let share = Share { num: pace_num as i128, den: 100, parts: 1 };
            let runs: Vec<Vec<ProjectionPoint>> = Scenario::ALL
                .iter()
                .map(|&s| project(&f, s, &items, &start, share, delay, first_day, &windows))
                .collect();
            if first_day > f.payments_until {
                prop_assert!(runs.iter().all(|r| r.is_empty()));
                return Ok(());
            }
            for (scenario, points) in Scenario::ALL.iter().zip(&runs) {
                prop_assert_eq!(points.len(), windows.len());
                let mut before = (start.paid, start.expired);
                for x in points {
                    prop_assert_eq!(x.paid + x.expired + x.remaining, start.envelope);
                    prop_assert!(x.paid >= before.0 && x.expired >= before.1, "cumulative figures only grow");
                    prop_assert!(x.paid <= start.envelope && x.remaining >= 0);
                    prop_assert_eq!((x.paid_in_window, x.expired_in_window), (x.paid - before.0, x.expired - before.1));
                    before = (x.paid, x.expired);
                }
                let end = points.last().unwrap();
                prop_assert_eq!(end.remaining, 0);
                if *scenario == Scenario::NoProgress {
                    prop_assert!(points.iter().all(|x| x.paid == start.paid));
                }
                let payable = items.iter().all(|i| i.grace_end >= first_day && i.due <= f.end);
                if *scenario == Scenario::OnPlan && payable {
                    prop_assert_eq!(end.paid, start.envelope - start.expired);
                }
            }
            // With no more pre-financing left to clear than the clearance rate of the open money (the
            // facility's rule: pre-financing is that share of the envelope), each payment clears its share,
            // and the scenarios pay in order. (With more, later payments clear the rest, which can leave a
            // scenario that paid less earlier above one that paid more.)
            if to_clear > f.prefinancing_clearance.of(open as i128) as i64 {
                return Ok(());
            }
            for w in 0..windows.len() {
                prop_assert!(runs[2][w].paid <= runs[1][w].paid);
                prop_assert!(runs[1][w].paid <= runs[0][w].paid, "observed pace above on plan at {}", windows[w]);
            }
        }
    }
}
