//! The rules. Each is a pure function from the ledger to findings, registered in [`RULES`] with its
//! code; `docs/CHECKS.md` explains each and `tests/cases/codes/` holds a ledger that breaks it.

use std::collections::BTreeMap;
use std::hash::Hash;

use rustc_hash::{FxHashMap, FxHashSet};

use super::measure;
use super::{Ctx, LedgerCtx, Rule, Run};
use crate::date::{self, Date};
use crate::diag::{Code, Diagnostic};
use crate::ledger::model::*;
use crate::money::{format_grouped, Rate};

mod envelope;
mod record;
mod release;
mod request;

use crate::replay::Release;
use envelope::*;
use record::*;
use release::*;
use request::*;

pub static RULES: &[Rule] = &[
    Rule { code: Code::FacilityEnvelopeExceeded, run: Run::Ledger(facility_envelope) },
    Rule { code: Code::NegativeEnvelope, run: Run::Ledger(negative_envelope) },
    Rule { code: Code::OverCommitted, run: Run::Ledger(over_committed) },
    Rule { code: Code::OverPaid, run: Run::Ledger(over_paid) },
    Rule { code: Code::PrefinancingAboveCap, run: Run::Replay(prefinancing_cap) },
    Rule { code: Code::PrefinancingRepeated, run: Run::Replay(prefinancing_repeated) },
    Rule { code: Code::PaidBeforeAgreements, run: Run::Replay(paid_before_agreements) },
    Rule { code: Code::PaidWhileConditionsNotMet, run: Run::Replay(paid_while_conditions_not_met) },
    Rule { code: Code::StepNotFulfilled, run: Run::Replay(step_not_fulfilled) },
    Rule { code: Code::StepOverpaid, run: Run::Replay(step_overpaid) },
    Rule { code: Code::ReleaseUnreconciled, run: Run::Replay(release_unreconciled) },
    Rule { code: Code::ChannelInstrument, run: Run::Ledger(channel_instrument) },
    Rule { code: Code::WbifShareLow, run: Run::Ledger(wbif_share) },
    Rule { code: Code::PaidAfterGrace, run: Run::Replay(paid_after_grace) },
    Rule { code: Code::OutsidePeriod, run: Run::Ledger(outside_period) },
    Rule { code: Code::AfterAsOf, run: Run::Ledger(after_as_of) },
    Rule { code: Code::EventBeforeStep, run: Run::Replay(event_before_step) },
    Rule { code: Code::EventAfterFulfilled, run: Run::Replay(event_after_fulfilled) },
    Rule { code: Code::ControlTotalMismatch, run: Run::Ledger(control_totals) },
    Rule { code: Code::TooManyReleases, run: Run::Replay(too_many_releases) },
    Rule { code: Code::StepsExceedEnvelope, run: Run::Ledger(steps_exceed_envelope) },
    Rule { code: Code::PrefinancingLate, run: Run::Replay(prefinancing_late) },
    Rule { code: Code::ReleaseSteps, run: Run::Replay(release_steps) },
    Rule { code: Code::RequestNotAssessed, run: Run::Replay(request_not_assessed) },
    Rule { code: Code::ReleasedAboveApproved, run: Run::Replay(released_above_approved) },
    Rule { code: Code::ApprovedAboveRequested, run: Run::Replay(approved_above_requested) },
    Rule { code: Code::StepCountsAboveClaimed, run: Run::Replay(step_counts_above_claimed) },
    Rule { code: Code::PeriodEndNotDue, run: Run::Ledger(period_end_not_due) },
    Rule { code: Code::AssessmentOutOfOrder, run: Run::Replay(assessment_out_of_order) },
    Rule { code: Code::RequestPaidAfterGrace, run: Run::Replay(request_paid_after_grace) },
];

fn eur(v: i128) -> String {
    format!("EUR {}", format_grouped(v))
}

/// A cumulative sum over dated amounts, answered for any date in O(log n).
#[derive(Default, Clone)]
pub(super) struct Series {
    dates: Vec<Date>,
    cumulative: Vec<i128>,
}

impl Series {
    fn new(mut items: Vec<(Date, i64)>) -> Series {
        items.sort_by_key(|(d, _)| *d);
        let mut s = Series::default();
        let mut total = 0i128;
        for (d, a) in items {
            total += a as i128;
            if s.dates.last() == Some(&d) {
                *s.cumulative.last_mut().expect("same length") = total;
            } else {
                s.dates.push(d);
                s.cumulative.push(total);
            }
        }
        s
    }

    /// The sum of all amounts dated on or before `d`.
    fn at(&self, d: Date) -> i128 {
        match self.dates.partition_point(|x| *x <= d) {
            0 => 0,
            n => self.cumulative[n - 1],
        }
    }

    /// [`Series::at`] for dates asked in order: `seen` counts the dates already passed (start at 0, keep
    /// it between calls), so each call moves on from the last instead of searching.
    fn at_in_order(&self, d: Date, seen: &mut usize) -> i128 {
        while self.dates.get(*seen).is_some_and(|x| *x <= d) {
            *seen += 1;
        }
        match *seen {
            0 => 0,
            n => self.cumulative[n - 1],
        }
    }

    fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }
}

/// A partner and an instrument (`None`: both together).
type EnvelopeKey<'a> = (&'a str, Option<Instrument>);

/// Each partner's envelope over time, per instrument and in all (`None`), built once per run.
pub(super) struct Envelopes<'a>(FxHashMap<EnvelopeKey<'a>, Series>);

impl<'a> Envelopes<'a> {
    pub(super) fn new(l: &'a Ledger) -> Self {
        let mut items: FxHashMap<EnvelopeKey, Vec<(Date, i64)>> = FxHashMap::default();
        for a in &l.allocations {
            for key in [(l.partner_code(a.partner), Some(a.instrument)), (l.partner_code(a.partner), None)] {
                items.entry(key).or_default().push((a.date, a.amount));
            }
        }
        Envelopes(items.into_iter().map(|(k, v)| (k, Series::new(v))).collect())
    }

    /// The envelope's history (empty when nothing is allocated).
    fn series(&self, partner: &str, instrument: Option<Instrument>) -> Series {
        self.0.get(&(partner, instrument)).cloned().unwrap_or_default()
    }

    /// The envelope at the end of `date`.
    fn at(&self, partner: &str, instrument: Option<Instrument>, date: Date) -> i128 {
        self.0.get(&(partner, instrument)).map_or(0, |s| s.at(date))
    }
}

/// Rows grouped by a key, each group in the order things happened (date, then place in the file), with
/// the keys sorted so that findings come out in a stable order. `rows` come in file order (a ledger's
/// rows, filtered or not), so a row's place is its position among them.
fn grouped<'a, T: 'a, K: Hash + Ord + Copy>(
    rows: impl IntoIterator<Item = &'a T>,
    key: impl Fn(&'a T) -> K,
    date: impl Fn(&T) -> Date,
) -> Vec<(K, Vec<&'a T>)> {
    // Groups hold (date, position) pairs: sorting compares those small keys in place instead of reading
    // rows scattered in memory, and positions are unique, so an unstable sort gives one order.
    let all: Vec<&T> = rows.into_iter().collect();
    let mut groups: FxHashMap<K, Vec<(Date, u32)>> = FxHashMap::default();
    for (i, r) in all.iter().enumerate() {
        groups.entry(key(r)).or_default().push((date(r), i as u32));
    }
    let mut out: Vec<(K, Vec<&'a T>)> = groups
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_unstable();
            (k, v.into_iter().map(|(_, i)| all[i as usize]).collect())
        })
        .collect();
    out.sort_unstable_by_key(|(k, _)| *k);
    out
}

/// Rows sorted as they happened: by date, then by their place in the file.
fn chronological<T>(rows: impl IntoIterator<Item = T>, key: impl Fn(&T) -> (Date, Loc)) -> Vec<T> {
    let mut v: Vec<T> = rows.into_iter().collect();
    v.sort_by_key(|r| key(r));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Asked in date order, the series gives what a search from scratch gives.
        #[test]
        fn a_series_asked_in_order_gives_what_a_search_gives(
            items in proptest::collection::vec((0i64..40, -1000i64..1000), 0..12),
            mut asked in proptest::collection::vec(-5i64..50, 0..20),
        ) {
            let day = |n: i64| Date::MIN + chrono::Days::new(n as u64 + 10);
            let series = Series::new(items.iter().map(|&(d, a)| (day(d), a)).collect());
            asked.sort_unstable();
            let mut seen = 0;
            for d in asked {
                let d = if d < 0 { Date::MIN } else { day(d) };
                prop_assert_eq!(series.at_in_order(d, &mut seen), series.at(d));
            }
        }
    }
}
