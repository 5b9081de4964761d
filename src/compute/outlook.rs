//! The outlook as of a date: the expiry calendar (what withheld money expires when, recorded figures
//! only) and three projections of every partner's payments by payment window to the facility's last
//! payment date. Plain Rust over the progress and the replay: a few items per partner, or one per step.
//!
//! A partner's open money (its envelope less the gross of its releases and what expired) is cut into
//! items, each with a value, a due date and a grace end: money approved or found fulfilled and not yet
//! released (`Met`), withheld remainders and unmet steps within their grace (`Withheld`), and money not
//! yet assessed (`Open`: pending requests, steps not yet due, and the unscheduled rest spread evenly
//! over the due dates ahead). Each scenario pays or expires every item in some window; a payment
//! transfers its gross less the pre-financing it clears, and an expiry returns its gross less the same
//! share (that part was advanced as pre-financing), so that paid + expired + remaining = envelope
//! after every event (docs/OUTPUT.md).

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

/// A share observed so far: `num / den` of something, summed over what published both.
#[derive(Debug, Clone, Copy, Default)]
struct Share {
    num: i128,
    den: i128,
}

impl Share {
    fn add(&mut self, other: Share) {
        self.num += other.num;
        self.den += other.den;
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

/// The outlook of every partner and of the facility as of `p.as_of`.
pub fn outlook(l: &Ledger, replay: &Replay, p: &Progress) -> Outlook {
    let as_of = p.as_of;
    let Some(first_day) = as_of.checked_add_days(Days::new(1)) else { return Outlook::default() };
    let f = &l.facility;
    let windows = windows(f, first_day);
    let due_ahead: Vec<Date> = windows.iter().copied().filter(|d| f.is_due_date(*d)).collect();
    let (observed, released_alone) = observe(l, replay, p);
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
        let steps_level = pp.requests.granularity == Granularity::Steps;
        let mut items = Vec::new();
        let mut expired = Partial::default();
        if steps_level {
            let steps = steps_of.get(pp.code.as_str()).copied().unwrap_or_default();
            step_items(steps, as_of, f.payments_until, &mut items, &mut expired, &mut calendar, &pp.code);
        } else {
            request_items(l, replay, &released_alone, &pp.code, as_of, &mut items, &mut expired, &mut calendar);
        }
        expired_so_far = expired_so_far.plus(expired);
        let consumed = fig.paid_regular + fig.prefinancing_cleared;
        let open = (fig.envelope - consumed - expired.value).max(0);
        let unscheduled = fit(&mut items, open);
        spread(unscheduled, &due_ahead, f, first_day, &mut items);
        let (pace, pace_basis) = pace(&observed[k], &facility_observed);
        let (delay_days, delay_basis, delay_releases) = delay(&observed[k], &facility_observed);
        let start = Start {
            envelope: fig.envelope,
            paid: fig.paid,
            expired: expired.value,
            open,
            prefinancing_to_clear: fig.prefinancing_to_clear().max(0),
        };
        let projections = SCENARIOS
            .iter()
            .flat_map(|scenario| project(f, scenario, &items, &start, pace, delay_days, first_day, &windows))
            .collect();
        partners.push(PartnerOutlook {
            partner: pp.code.clone(),
            envelope: fig.envelope,
            paid: fig.paid,
            expired: expired.value,
            expired_unknown: expired.blank,
            open,
            prefinancing_to_clear: start.prefinancing_to_clear,
            pace_num: pace.num as i64,
            pace_den: pace.den as i64,
            pace_basis,
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
/// last payment date.
fn windows(f: &Facility, first_day: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let mut end = f.period_end(first_day);
    let last = f.period_end(f.payments_until);
    while end <= last {
        out.push(end);
        match end.checked_add_days(Days::new(1)) {
            Some(next) => end = f.period_end(next),
            None => break,
        }
    }
    out
}

/// Each partner's observed pace and delay, by its position in `p.partners`, and the gross of the releases
/// up to the as-of date that name one request alone, by request row.
fn observe(l: &Ledger, replay: &Replay, p: &Progress) -> (Vec<Observed>, Vec<i128>) {
    let position = |code: &str| p.partners.iter().position(|x| x.code == code);
    let by_number: Vec<Option<usize>> = l.partner_codes.iter().map(|c| position(c.as_str())).collect();
    let mut out = vec![Observed::default(); p.partners.len()];
    let mut released_alone = vec![0i128; l.requests.len()];
    for q in &p.request_states {
        let Some(k) = position(&q.partner) else { continue };
        if q.assessments == 0 {
            continue;
        }
        if let (Some(requested), Some(approved)) = (q.requested, q.approved.value()) {
            if q.approved.blank == 0 && requested > 0 {
                out[k].requested_value.add(Share { num: approved as i128, den: requested as i128 });
            }
        }
        if let (Some(claimed), Some(met)) = (q.steps_claimed, q.steps_met.value()) {
            if q.steps_met.blank == 0 && claimed > 0 {
                out[k].step_count.add(Share { num: met as i128, den: claimed as i128 });
            }
        }
    }
    for (k, pp) in p.partners.iter().enumerate() {
        let f = &pp.figures;
        if pp.requests.granularity == Granularity::Steps {
            let met = f.value_paid + f.value_fulfilled_unpaid;
            let due = met + f.value_withheld + f.value_expired;
            if due > 0 {
                out[k].step_value = Share { num: met as i128, den: due as i128 };
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
        if let [(_, Some(row))] = named.as_slice() {
            released_alone[*row] += s.gross();
        }
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
    (out, released_alone)
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
        .map(|(s, basis)| (Share { num: s.num.clamp(0, s.den), den: s.den }, basis))
        .unwrap_or((Share { num: 0, den: 1 }, "none"))
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

/// A step-level partner's items, what expired, and its calendar entries.
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

/// A request-level partner's items, what expired, and its calendar entries: a withheld remainder is
/// requested less approved, known only where both are published.
#[allow(clippy::too_many_arguments)]
fn request_items(
    l: &Ledger,
    replay: &Replay,
    released_alone: &[i128],
    partner: &str,
    as_of: Date,
    items: &mut Vec<Item>,
    expired: &mut Partial,
    calendar: &mut Vec<Expiry>,
) {
    for (row, q) in l.requests.iter().enumerate() {
        if q.date > as_of || replay.requests.row(q.id) != Some(row) || l.partner_code(q.partner) != partner {
            continue;
        }
        let grace_end = l.facility.grace_end(q.period_end);
        let assessments: Vec<_> = replay.requests.assessed_until(l, row, as_of).collect();
        let item = |value: i64, kind: Kind| Item { value, due: q.period_end, grace_end, kind };
        if assessments.is_empty() {
            if let Some(v) = q.amount_requested.filter(|v| *v > 0) {
                items.push(item(v, Kind::Open));
            }
            continue;
        }
        let mut approved = Partial::default();
        for a in &assessments {
            approved.add(a.amount_approved);
        }
        let remainder = match (q.amount_requested, approved.blank) {
            (Some(requested), 0) => Some((requested - approved.value).max(0)),
            _ => None,
        };
        if grace_end <= as_of {
            if remainder != Some(0) {
                expired.add(remainder);
            }
            continue;
        }
        if remainder != Some(0) {
            calendar.push(Expiry {
                date: grace_end,
                partner: partner.to_string(),
                amount: match remainder {
                    Some(v) => Partial { value: v, known: 1, blank: 0 },
                    None => Partial { value: 0, known: 0, blank: 1 },
                },
                requests: vec![l.text(q.id).to_string()],
                steps: Vec::new(),
                pool_after: Partial::default(),
            });
        }
        if let Some(v) = remainder.filter(|v| *v > 0) {
            items.push(item(v, Kind::Withheld));
        }
        // Approved and not yet released, where the releases naming it alone say so.
        if approved.blank == 0 {
            let unpaid = approved.value as i128 - released_alone[row];
            if unpaid > 0 {
                items.push(item(unpaid as i64, Kind::Met));
            }
        }
    }
}

/// Keeps the items within the open money (the latest due first to go when they exceed it) and returns
/// what is left over: the open money no item schedules.
fn fit(items: &mut Vec<Item>, open: i64) -> i64 {
    items.sort_by_key(|i| (i.due, i.grace_end, i.kind as u8));
    let mut left = open;
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

/// Where a partner starts on the as-of date.
#[derive(Debug, Clone, Copy)]
struct Start {
    envelope: i64,
    paid: i64,
    expired: i64,
    open: i64,
    prefinancing_to_clear: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Pay,
    Expire,
}

/// One scenario of one partner: where it stands at the end of every window.
#[allow(clippy::too_many_arguments)]
fn project(
    f: &Facility,
    scenario: &'static str,
    items: &[Item],
    start: &Start,
    pace: Share,
    delay_days: i64,
    first_day: Date,
    windows: &[Date],
) -> Vec<ProjectionPoint> {
    let last = windows.len().saturating_sub(1);
    // The window a date falls in; past the last window, none.
    let window = |d: Date| windows.iter().position(|w| *w >= d.max(first_day));
    let after = |d: Date, days: i64| d.checked_add_days(Days::new(days.max(0) as u64)).unwrap_or(Date::MAX);
    // What each window pays, then what expires in it, in the items' order.
    let mut events: Vec<[Vec<i64>; 2]> = vec![[Vec::new(), Vec::new()]; windows.len()];
    let push = |events: &mut Vec<[Vec<i64>; 2]>, pay: Option<Date>, expire: Date, v: i64| {
        if v == 0 {
            return;
        }
        match pay.and_then(|d| (d <= expire).then(|| window(d)).flatten()) {
            Some(w) => events[w][Event::Pay as usize].push(v),
            None => events[window(expire).unwrap_or(last)][Event::Expire as usize].push(v),
        }
    };
    for it in items {
        let expire = it.grace_end.min(f.payments_until);
        let next = after(it.due, 1).max(first_day);
        match (scenario, it.kind) {
            ("no_progress", Kind::Met) => push(&mut events, None, f.payments_until, it.value),
            ("no_progress", _) | ("observed_pace", Kind::Withheld) => push(&mut events, None, expire, it.value),
            ("on_plan", _) | ("observed_pace", Kind::Met) => push(&mut events, Some(next), expire, it.value),
            _ => {
                // At the observed pace: its share paid after the observed delay (within the grace period,
                // as a release must be), the rest expires.
                let paid = div_round(it.value as i128 * pace.num, pace.den) as i64;
                let when = after(it.due, delay_days.max(1)).min(it.grace_end).max(first_day);
                push(&mut events, Some(when), expire, paid);
                push(&mut events, None, expire, it.value - paid);
            }
        }
    }
    let rate = f.prefinancing_clearance;
    let (mut paid, mut expired, mut open, mut to_clear) =
        (start.paid, start.expired, start.open, start.prefinancing_to_clear);
    let mut out = Vec::with_capacity(windows.len());
    for (w, end) in windows.iter().enumerate() {
        let (paid_before, expired_before) = (paid, expired);
        for (event, list) in [Event::Pay, Event::Expire].into_iter().zip(&events[w]) {
            for &gross in list {
                // The part of it that pre-financing already advanced: cleared from a payment, kept from an
                // expiry. The last item clears what is left, so that the cents rounded off each share
                // are not left over.
                let share = if gross == open { to_clear } else { rate.of(gross as i128) as i64 };
                let cleared = share.min(to_clear).min(gross);
                to_clear -= cleared;
                open -= gross;
                match event {
                    Event::Pay => paid += gross - cleared,
                    Event::Expire => expired += gross - cleared,
                }
            }
        }
        if w == last && open - to_clear != 0 {
            // Payments end: what is neither paid nor expired goes back (less pre-financing never cleared).
            expired += open - to_clear;
            open = 0;
            to_clear = 0;
        }
        out.push(ProjectionPoint {
            scenario,
            window_end: *end,
            paid,
            expired,
            remaining: open - to_clear,
            paid_in_window: paid - paid_before,
            expired_in_window: expired - expired_before,
        });
    }
    debug_assert!(out.iter().all(|p| p.paid + p.expired + p.remaining == start.envelope));
    out
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
        /// envelope; no further progress stays at what was paid; on plan pays everything not already
        /// expired when the pre-financing left can be cleared.
        #[test]
        fn the_envelope_is_paid_expired_or_remaining_at_every_window(
            as_of in 300u32..1700,
            open in 0i64..200_000_000_000,
            cleared_share in 0i64..=100,
            expired in 0i64..50_000_000_000,
            paid_extra in 0i64..100_000_000_000,
            raw in proptest::collection::vec((1i64..30_000_000_000, 0u32..1600, 0u8..3), 0..12),
            pace_num in 0i64..=100,
            delay in 0i64..500,
        ) {
            let f = facility();
            let as_of = day(as_of);
            let first_day = as_of + Days::new(1);
            let to_clear = f.prefinancing_clearance.of(open as i128) as i64 * cleared_share / 100;
            let paid = to_clear + paid_extra;
            let start = Start { envelope: paid + expired + open - to_clear, paid, expired, open, prefinancing_to_clear: to_clear };
            let mut items: Vec<Item> = raw
                .iter()
                .map(|&(value, due, kind)| {
                    let due = day(due);
                    let kind = [Kind::Met, Kind::Withheld, Kind::Open][kind as usize];
                    Item { value, due, grace_end: f.grace_end(due).max(first_day), kind }
                })
                .collect();
            let windows = windows(&f, first_day);
            prop_assume!(!windows.is_empty());
            let due_ahead: Vec<Date> = windows.iter().copied().filter(|d| f.is_due_date(*d)).collect();
            let rest = fit(&mut items, open);
            spread(rest, &due_ahead, &f, first_day, &mut items);
            prop_assert_eq!(items.iter().map(|i| i.value).sum::<i64>(), open);
            for scenario in SCENARIOS {
                let points = project(&f, scenario, &items, &start, Share { num: pace_num as i128, den: 100 }, delay, first_day, &windows);
                prop_assert_eq!(points.len(), windows.len());
                let mut before = (start.paid, start.expired);
                for x in &points {
                    prop_assert_eq!(x.paid + x.expired + x.remaining, start.envelope);
                    prop_assert!(x.paid >= before.0 && x.expired >= before.1, "cumulative figures only grow");
                    prop_assert!(x.paid <= start.envelope && x.remaining >= 0);
                    prop_assert_eq!((x.paid_in_window, x.expired_in_window), (x.paid - before.0, x.expired - before.1));
                    before = (x.paid, x.expired);
                }
                let end = points.last().unwrap();
                prop_assert_eq!(end.remaining, 0);
                if scenario == "no_progress" {
                    prop_assert!(points.iter().all(|x| x.paid == start.paid));
                }
                if scenario == "on_plan" && items.iter().all(|i| i.grace_end >= first_day && i.due <= f.end) {
                    prop_assert_eq!(end.paid, start.envelope - start.expired);
                }
            }
        }
    }
}
