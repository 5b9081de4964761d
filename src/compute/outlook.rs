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

use crate::date::Date;
use crate::ledger::facility::Facility;
use crate::ledger::model::{Ledger, PaymentKind};
use crate::money::div_round;
use crate::progress::{
    Expiry, Granularity, Outlook, Partial, PartnerOutlook, Progress, ProjectionPoint, StepState, SCENARIOS,
};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    OnPlan,
    ObservedPace,
    NoProgress,
}

impl Scenario {
    const ALL: [Scenario; 3] = [Scenario::OnPlan, Scenario::ObservedPace, Scenario::NoProgress];

    fn name(self) -> &'static str {
        SCENARIOS[self as usize]
    }
}

/// A share observed so far: `num / den` of something, summed over the `parts` that published both.
#[derive(Debug, Clone, Copy, Default)]
struct Share {
    num: i128,
    den: i128,
    parts: u32,
}

impl Share {
    fn add(&mut self, other: Share) {
        self.num += other.num;
        self.den += other.den;
        self.parts += other.parts;
    }
}

/// What a partner's records show of its pace and delay.
#[derive(Debug, Clone, Copy, Default)]
struct Observed {
    requested_value: Share,
    step_value: Share,
    step_count: Share,
    delay_days: i64,
    delay_releases: u32,
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
    let mut facility_observed = Observed::default();
    for o in &observed {
        facility_observed.requested_value.add(o.requested_value);
        facility_observed.step_value.add(o.step_value);
        facility_observed.step_count.add(o.step_count);
        facility_observed.delay_days += o.delay_days;
        facility_observed.delay_releases += o.delay_releases;
    }
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

/// Each partner's observed pace and delay, by its position in `p.partners`.
fn observe(l: &Ledger, replay: &Replay, p: &Progress) -> Vec<Observed> {
    let position = |code: &str| p.partners.iter().position(|x| x.code == code);
    let by_number: Vec<Option<usize>> = l.partner_codes.iter().map(|c| position(c.as_str())).collect();
    let mut out = vec![Observed::default(); p.partners.len()];
    for q in &p.request_states {
        let Some(k) = position(&q.partner) else { continue };
        if q.assessments == 0 {
            continue;
        }
        if let (Some(requested), Some(approved), 0) = (q.requested, q.approved.value(), q.approved.blank) {
            if requested > 0 {
                out[k].requested_value.add(Share { num: approved as i128, den: requested as i128, parts: 1 });
            }
        }
        if let (Some(claimed), Some(met), 0) = (q.steps_claimed, q.steps_met.value(), q.steps_met.blank) {
            if claimed > 0 {
                out[k].step_count.add(Share { num: met as i128, den: claimed as i128, parts: 1 });
            }
        }
    }
    for (k, pp) in p.partners.iter().enumerate() {
        let f = &pp.figures;
        if pp.requests.granularity == Granularity::Steps {
            let met = f.value_paid + f.value_fulfilled_unpaid;
            let due = met + f.value_withheld + f.value_expired;
            if due > 0 {
                out[k].step_value = Share { num: met as i128, den: due as i128, parts: f.steps_due as u32 };
            }
        }
    }
    // The delay: from the latest period end (or due date) a regular release pays to its date.
    for s in replay.settlements_until(p.as_of) {
        let r = &replay.releases[s.release];
        if r.kind != PaymentKind::Regular {
            continue;
        }
        let named = replay.requests.named(l, r.request);
        let by_request = named.iter().filter_map(|(_, row)| row.map(|i| l.requests[i].period_end)).max();
        let by_step = s.paid_steps.iter().filter_map(|&(i, _)| l.steps.get(i as usize).map(|st| st.due)).max();
        let partner = by_number.get(r.partner.0 as usize).copied().flatten();
        let (Some(reference), Some(k)) = (by_request.or(by_step), partner) else { continue };
        let days = (r.date - reference).num_days();
        if days >= 0 {
            out[k].delay_days += days;
            out[k].delay_releases += 1;
        }
    }
    out
}

/// The pace the projection at the observed pace applies: the partner's own, else the facility's, in the
/// order requested value, step value, step count.
fn pace(own: &Observed, facility: &Observed) -> (Share, &'static str) {
    let choices = [
        (own.requested_value, "requested_value"),
        (own.step_value, "step_value"),
        (own.step_count, "step_count"),
        (facility.requested_value, "facility_requested_value"),
        (facility.step_value, "facility_step_value"),
        (facility.step_count, "facility_step_count"),
    ];
    choices
        .into_iter()
        .find(|(s, _)| s.den > 0)
        .map(|(s, basis)| (Share { num: s.num.clamp(0, s.den), ..s }, basis))
        .unwrap_or((Share { num: 0, den: 1, parts: 0 }, "none"))
}

/// The mean delay (whole days, rounded down) of the partner's releases, else of the facility's.
fn delay(own: &Observed, facility: &Observed) -> (i64, &'static str, u32) {
    for (o, basis) in [(own, "own"), (facility, "facility")] {
        if o.delay_releases > 0 {
            return (o.delay_days.div_euclid(o.delay_releases as i64), basis, o.delay_releases);
        }
    }
    (0, "none", 0)
}

/// A step-level partner's items, what expired, and its calendar entries (one per grace end).
fn step_items(
    steps: &[StepState],
    as_of: Date,
    payments_until: Date,
    items: &mut Vec<Item>,
    expired: &mut Partial,
    calendar: &mut Vec<Expiry>,
    partner: &str,
) {
    let mut by_grace_end: BTreeMap<Date, (i64, Vec<String>)> = BTreeMap::new();
    for s in steps {
        let item = |value: i64, kind: Kind| Item { value, due: s.due, grace_end: s.grace_end, kind };
        if s.value_expired > 0 {
            expired.add(Some(s.value_expired));
        }
        if s.value_fulfilled_unpaid > 0 {
            items.push(item(s.value_fulfilled_unpaid, Kind::Met));
        }
        if s.value_withheld > 0 {
            items.push(item(s.value_withheld, Kind::Withheld));
            if s.grace_end > as_of && s.grace_end <= payments_until {
                let (sum, ids) = by_grace_end.entry(s.grace_end).or_default();
                *sum += s.value_withheld;
                ids.push(s.id.to_string());
            }
        }
        if s.value_ahead > 0 {
            items.push(item(s.value_ahead, Kind::Open));
        }
    }
    calendar.extend(by_grace_end.into_iter().map(|(date, (value, ids))| Expiry {
        date,
        partner: partner.to_string(),
        amount: Partial { value, known: ids.len() as u32, blank: 0 },
        requests: Vec::new(),
        steps: ids,
        pool_after: Partial::default(),
    }));
}

/// A request-level partner's items, what expired, the requests whose remainder is not published, and its
/// calendar entries. A withheld remainder is requested less approved, known only where both are published.
fn request_items(
    p: &Progress,
    partner: &str,
    f: &Facility,
    items: &mut Vec<Item>,
    expired: &mut Partial,
    unpublished: &mut Vec<String>,
    calendar: &mut Vec<Expiry>,
) {
    for q in p.request_states.iter().filter(|q| q.partner == partner) {
        let item = |value: i64, grace_end: Date, kind: Kind| Item { value, due: q.period_end, grace_end, kind };
        if q.assessments == 0 {
            // Pending: the Commission has not decided, so its money is payable until payments end even
            // when the steps' grace period is over.
            if let Some(v) = q.requested.filter(|v| *v > 0) {
                let grace_end = if q.grace_end > p.as_of { q.grace_end } else { f.payments_until };
                items.push(item(v, grace_end, Kind::Open));
            }
            continue;
        }
        let remainder = match (q.requested, q.approved.blank) {
            (Some(requested), 0) => Some((requested - q.approved.value).max(0)),
            _ => None,
        };
        if remainder.is_none() {
            unpublished.push(q.id.clone());
        }
        // Approved and never released: paid as one (a release that paid it, alone or with others, paid
        // its approval).
        if q.approved.blank == 0 && q.approved.value > 0 && q.released == 0 && q.released_together == 0 {
            items.push(item(q.approved.value, q.grace_end, Kind::Met));
        }
        if q.grace_end <= p.as_of {
            if remainder != Some(0) {
                expired.add(remainder);
            }
            continue;
        }
        if remainder != Some(0) {
            calendar.push(Expiry {
                date: q.grace_end,
                partner: partner.to_string(),
                amount: match remainder {
                    Some(v) => Partial { value: v, known: 1, blank: 0 },
                    None => Partial { value: 0, known: 0, blank: 1 },
                },
                requests: vec![q.id.clone()],
                steps: Vec::new(),
                pool_after: Partial::default(),
            });
        }
        if let Some(v) = remainder.filter(|v| *v > 0) {
            items.push(item(v, q.grace_end, Kind::Withheld));
        }
    }
}

/// Keeps the items within the open money (the latest due first to go when they exceed it) and returns
/// what is left over: the open money no item schedules.
fn fit(items: &mut Vec<Item>, open: i64) -> i64 {
    items.sort_by_key(|i| (i.due, i.grace_end, i.kind as u8));
    let mut left = open.max(0);
    for item in items.iter_mut() {
        item.value = item.value.min(left);
        left -= item.value;
    }
    items.retain(|i| i.value > 0);
    left
}

/// Spreads `amount` evenly over the due dates ahead (the cents left over on the last), or puts it on
/// the first day ahead, its grace ending with the facility's payments, when no due date is left.
fn spread(amount: i64, due_ahead: &[Date], f: &Facility, first_day: Date, items: &mut Vec<Item>) {
    if amount <= 0 {
        return;
    }
    if due_ahead.is_empty() {
        items.push(Item { value: amount, due: first_day, grace_end: f.payments_until, kind: Kind::Open });
        return;
    }
    let n = due_ahead.len() as i64;
    for (k, d) in due_ahead.iter().enumerate() {
        let value = if k as i64 == n - 1 { amount - (amount / n) * (n - 1) } else { amount / n };
        items.push(Item { value, due: *d, grace_end: f.grace_end(*d), kind: Kind::Open });
    }
}

/// What a window pays, then what expires in it: gross amounts in the items' order.
#[derive(Debug, Clone, Default)]
struct Window {
    pays: Vec<i64>,
    expiries: Vec<i64>,
}

/// One scenario of one partner: where it stands at the end of every window.
#[allow(clippy::too_many_arguments)]
fn project(
    f: &Facility,
    scenario: Scenario,
    items: &[Item],
    start: &Start,
    pace: Share,
    delay_days: i64,
    first_day: Date,
    windows: &[Date],
) -> Vec<ProjectionPoint> {
    let Some(last) = windows.len().checked_sub(1) else { return Vec::new() };
    // The window a date falls in (a date before the first day, the first); past the last window, none.
    let window = |d: Date| windows.iter().position(|w| *w >= d.max(first_day));
    let mut events = vec![Window::default(); windows.len()];
    // Paid on `pay` if that falls within the grace period and a window, else expired at `expire`.
    let mut push = |pay: Option<Date>, expire: Date, v: i64| {
        if v == 0 {
            return;
        }
        match pay.filter(|d| *d <= expire).and_then(window) {
            Some(w) => events[w].pays.push(v),
            None => events[window(expire).unwrap_or(last)].expiries.push(v),
        }
    };
    for it in items {
        let expire = it.grace_end.min(f.payments_until);
        // Paid `days` after the due date, at the latest on the grace end (a release falls within it), and
        // not before the first day ahead.
        let pay_after = |days: i64| {
            let d = it.due.checked_add_days(Days::new(days.max(1) as u64)).unwrap_or(Date::MAX);
            Some(d.min(it.grace_end).max(first_day))
        };
        match (scenario, it.kind) {
            (Scenario::OnPlan, _) | (Scenario::ObservedPace, Kind::Met) => push(pay_after(1), expire, it.value),
            (Scenario::ObservedPace, Kind::Withheld) => push(None, expire, it.value),
            (Scenario::ObservedPace, Kind::Open) => {
                let paid = div_round(it.value as i128 * pace.num, pace.den) as i64;
                push(pay_after(delay_days), expire, paid);
                push(None, expire, it.value - paid);
            }
            (Scenario::NoProgress, _) => push(None, expire, it.value),
        }
    }
    let rate = f.prefinancing_clearance;
    let (mut paid, mut expired, mut open, mut to_clear) = (start.paid, start.expired, start.open, start.to_clear);
    let mut out = Vec::with_capacity(windows.len());
    for (end, w) in windows.iter().zip(&events) {
        let (paid_before, expired_before) = (paid, expired);
        for (gross, is_pay) in w.pays.iter().map(|g| (*g, true)).chain(w.expiries.iter().map(|g| (*g, false))) {
            // Its share of the pre-financing left to clear (the clearance rate of its gross), or more when
            // the money left after it could not clear the rest.
            let cleared = (rate.of(gross as i128) as i64).max(to_clear - (open - gross)).clamp(0, to_clear.min(gross));
            to_clear -= cleared;
            open -= gross;
            match is_pay {
                true => paid += gross - cleared,
                false => expired += gross - cleared,
            }
        }
        out.push(ProjectionPoint {
            scenario: scenario.name(),
            window_end: *end,
            paid,
            expired,
            remaining: open - to_clear,
            paid_in_window: paid - paid_before,
            expired_in_window: expired - expired_before,
        });
    }
    debug_assert_eq!((open, to_clear), (0, 0), "every item is paid or expired by the last window");
    out
}

/// An overpaid partner's scenario: the recorded figures in every window.
fn flat(scenario: Scenario, start: &Start, windows: &[Date]) -> Vec<ProjectionPoint> {
    windows
        .iter()
        .map(|end| ProjectionPoint {
            scenario: scenario.name(),
            window_end: *end,
            paid: start.paid,
            expired: start.expired,
            remaining: start.envelope - start.paid - start.expired,
            paid_in_window: 0,
            expired_in_window: 0,
        })
        .collect()
}

/// The facility's points: the partners' summed, window by window and scenario by scenario.
fn sum_points(partners: &[PartnerOutlook]) -> Vec<ProjectionPoint> {
    let mut out: Vec<ProjectionPoint> = Vec::new();
    for p in partners {
        if out.is_empty() {
            out = p.projections.clone();
            continue;
        }
        for (sum, x) in out.iter_mut().zip(&p.projections) {
            sum.paid += x.paid;
            sum.expired += x.expired;
            sum.remaining += x.remaining;
            sum.paid_in_window += x.paid_in_window;
            sum.expired_in_window += x.expired_in_window;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facility() -> Facility {
        let text = include_str!("../../data/facility.toml");
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
