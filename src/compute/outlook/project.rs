//! The three scenarios of one partner, window by window: which window pays or expires each item, and
//! where the partner stands at the end of every window; and the facility's points, the partners' summed.

use chrono::Days;

use super::observe::Share;
use super::{Item, Kind, Start};
use crate::date::Date;
use crate::ledger::facility::Facility;
use crate::money::div_round;
use crate::progress::{PartnerOutlook, ProjectionPoint, SCENARIOS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scenario {
    OnPlan,
    ObservedPace,
    NoProgress,
}

impl Scenario {
    pub(super) const ALL: [Scenario; 3] = [Scenario::OnPlan, Scenario::ObservedPace, Scenario::NoProgress];

    pub(super) fn name(self) -> &'static str {
        SCENARIOS[self as usize]
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
pub(super) fn project(
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
pub(super) fn flat(scenario: Scenario, start: &Start, windows: &[Date]) -> Vec<ProjectionPoint> {
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
pub(super) fn sum_points(partners: &[PartnerOutlook]) -> Vec<ProjectionPoint> {
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
