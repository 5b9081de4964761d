//! The rules. Each is a pure function from the ledger to findings, registered in [`RULES`] with its
//! code; `docs/CHECKS.md` explains each and `tests/cases/codes/` holds a ledger that breaks it.

use std::collections::BTreeMap;
use std::hash::Hash;

use rustc_hash::FxHashMap;

use super::measure;
use super::{Ctx, Rule};
use crate::date::{self, Date};
use crate::diag::{Code, Diagnostic};
use crate::ledger::model::*;
use crate::money::{format_grouped, Rate};
use crate::replay::Release;

pub static RULES: &[Rule] = &[
    Rule { code: Code::FacilityEnvelopeExceeded, run: facility_envelope },
    Rule { code: Code::NegativeEnvelope, run: negative_envelope },
    Rule { code: Code::OverCommitted, run: over_committed },
    Rule { code: Code::OverPaid, run: over_paid },
    Rule { code: Code::PrefinancingAboveCap, run: prefinancing_cap },
    Rule { code: Code::PrefinancingRepeated, run: prefinancing_repeated },
    Rule { code: Code::PaidBeforeAgreements, run: paid_before_agreements },
    Rule { code: Code::PaidWhileConditionsNotMet, run: paid_while_conditions_not_met },
    Rule { code: Code::StepNotFulfilled, run: step_not_fulfilled },
    Rule { code: Code::StepOverpaid, run: step_overpaid },
    Rule { code: Code::ReleaseUnreconciled, run: release_unreconciled },
    Rule { code: Code::ChannelInstrument, run: channel_instrument },
    Rule { code: Code::WbifShareLow, run: wbif_share },
    Rule { code: Code::PaidAfterGrace, run: paid_after_grace },
    Rule { code: Code::OutsidePeriod, run: outside_period },
    Rule { code: Code::AfterAsOf, run: after_as_of },
    Rule { code: Code::EventBeforeStep, run: event_before_step },
    Rule { code: Code::EventAfterFulfilled, run: event_after_fulfilled },
    Rule { code: Code::ControlTotalMismatch, run: control_totals },
    Rule { code: Code::TooManyReleases, run: too_many_releases },
    Rule { code: Code::StepsExceedEnvelope, run: steps_exceed_envelope },
    Rule { code: Code::PrefinancingLate, run: prefinancing_late },
    Rule { code: Code::ReleaseSteps, run: release_steps },
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
            for key in [(a.partner.as_str(), Some(a.instrument)), (a.partner.as_str(), None)] {
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

/// C001: the grant allocations of all partners stay within the facility's grant envelope; loans likewise.
fn facility_envelope(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    for (instrument, limit) in
        [(Instrument::Grant, l.facility.grant_envelope), (Instrument::Loan, l.facility.loan_envelope)]
    {
        let rows = chronological(l.allocations.iter().filter(|a| a.instrument == instrument), |a| (a.date, a.at));
        let (mut total, mut over) = (0i128, false);
        for a in rows {
            total += a.amount as i128;
            if total > limit as i128 && !over {
                out.push(
                    cx.at(
                        Code::FacilityEnvelopeExceeded,
                        a.at,
                        "amount_eur",
                        format!(
                            "with this row the {} allocations of all partners reach {} on {}, above the facility's {} envelope of {}",
                            instrument.as_str(),
                            eur(total),
                            date::format(a.date),
                            instrument.as_str(),
                            eur(limit as i128)
                        ),
                    )
                    .hint("check the amount and instrument, or the envelope in facility.toml"),
                );
            }
            over = total > limit as i128;
        }
    }
    out
}

/// C002: no partner's envelope (per instrument) goes below zero.
fn negative_envelope(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    let mut running: BTreeMap<(&str, Instrument), i128> = BTreeMap::new();
    for a in chronological(&l.allocations, |a| (a.date, a.at)) {
        let t = running.entry((&a.partner, a.instrument)).or_default();
        let was_negative = *t < 0;
        *t += a.amount as i128;
        if *t < 0 && !was_negative {
            out.push(
                cx.at(
                    Code::NegativeEnvelope,
                    a.at,
                    "amount_eur",
                    format!("{}'s {} envelope falls to {} with this row", a.partner, a.instrument.as_str(), eur(*t)),
                )
                .hint("a cut cannot take more than the envelope holds; check the amount or the earlier allocations"),
            );
        }
    }
    out
}

/// C003: what is committed never exceeds what is allocated, per partner and instrument, on any date.
fn over_committed(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    let cuts: FxHashMap<(&str, Instrument), Vec<&Allocation>> =
        grouped(l.allocations.iter().filter(|a| a.amount < 0), |a| (a.partner.as_str(), a.instrument), |a| a.date)
            .into_iter()
            .collect();
    for ((partner, instrument), rows) in grouped(&l.commitments, |c| (c.partner.as_str(), c.instrument), |c| c.date) {
        let allocated = cx.envelopes().series(partner, Some(instrument));
        let committed_by = Series::new(rows.iter().map(|c| (c.date, c.amount)).collect());
        let mut committed = 0i128;
        let mut over = false;
        for c in rows {
            committed += c.amount as i128;
            let limit = allocated.at(c.date);
            if committed > limit && !over {
                out.push(
                    cx.at(
                        Code::OverCommitted,
                        c.at,
                        "amount_eur",
                        format!(
                            "{partner}'s {} commitments reach {} on {}, above its {} envelope of {}",
                            instrument.as_str(),
                            eur(committed),
                            date::format(c.date),
                            instrument.as_str(),
                            eur(limit)
                        ),
                    )
                    .hint("a commitment must fit in the envelope on its date; check the amount, or record the allocation first"),
                );
            }
            over = committed > limit;
        }
        // A later cut can also push the envelope below what is already committed.
        for a in cuts.get(&(partner, instrument)).into_iter().flatten() {
            let committed_then = committed_by.at(a.date);
            let envelope_then = allocated.at(a.date);
            if committed_then > envelope_then && committed_then <= allocated.at(a.date.pred_opt().unwrap_or(a.date)) {
                out.push(
                    cx.at(
                        Code::OverCommitted,
                        a.at,
                        "amount_eur",
                        format!(
                            "this cut leaves {partner}'s {} envelope at {}, below the {} already committed",
                            instrument.as_str(),
                            eur(envelope_then),
                            eur(committed_then)
                        ),
                    )
                    .hint("de-commit first (a negative commitment), then cut"),
                );
            }
        }
    }
    out
}

/// C004: what is paid never exceeds what is committed (where commitments are recorded for that
/// instrument, and per channel where channel commitments are recorded), or else what is allocated.
///
/// One pass over the payments in the order they happened (date, then place in the file), each adding to
/// the running totals of its partner and instrument.
fn over_paid(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    let commitments: FxHashMap<(&str, Instrument), Vec<&Commitment>> =
        grouped(&l.commitments, |c| (c.partner.as_str(), c.instrument), |c| c.date).into_iter().collect();
    // The limits of a partner and instrument, each with its running total and whether it is over.
    struct Limit {
        channel: Option<Channel>,
        series: Series,
        what: &'static str,
        /// The dates of `series` passed so far (payments come in date order).
        seen: usize,
        paid: i128,
        over: bool,
    }
    let limits_of = |partner: &str, instrument: Instrument| -> Vec<Limit> {
        let limit = |channel, series, what| Limit { channel, series, what, seen: 0, paid: 0, over: false };
        let commitments = commitments.get(&(partner, instrument)).map(Vec::as_slice).unwrap_or(&[]);
        if commitments.is_empty() {
            return vec![limit(None, cx.envelopes().series(partner, Some(instrument)), "allocated")];
        }
        let mut limits =
            vec![limit(None, Series::new(commitments.iter().map(|c| (c.date, c.amount)).collect()), "committed")];
        for channel in [Channel::Budget, Channel::Wbif] {
            if commitments.iter().any(|c| c.channel == Some(channel)) {
                let s = Series::new(
                    commitments
                        .iter()
                        .filter(|c| c.channel.is_none_or(|x| x == channel))
                        .map(|c| (c.date, c.amount))
                        .collect(),
                );
                limits.push(limit(Some(channel), s, "committed"));
            }
        }
        limits
    };
    // By partner number and instrument, made when first paid.
    let mut state: Vec<Option<Vec<Limit>>> = Vec::new();
    state.resize_with(l.partner_codes.len() * Instrument::WORDS.len(), || None);
    let mut pay = |p: &Payment| {
        let limits = state[p.partner.0 as usize * Instrument::WORDS.len() + p.instrument as usize]
            .get_or_insert_with(|| limits_of(l.partner_code(p.partner), p.instrument));
        for limit in limits.iter_mut().filter(|x| x.channel.is_none_or(|c| c == p.channel)) {
            limit.paid += p.amount as i128;
            let cap = limit.series.at_in_order(p.date, &mut limit.seen);
            if limit.paid > cap && !limit.over {
                let partner = l.partner_code(p.partner);
                let scope = match limit.channel {
                    Some(c) => format!("{} via {}", p.instrument.as_str(), c.as_str()),
                    None => p.instrument.as_str().to_string(),
                };
                out.push(
                    cx.at(
                        Code::OverPaid,
                        p.at,
                        "amount_eur",
                        format!(
                            "{partner}'s {scope} payments reach {} on {}, above the {} {} by then",
                            eur(limit.paid),
                            date::format(p.date),
                            eur(cap),
                            limit.what
                        ),
                    )
                    .hint(if limit.series.is_empty() {
                        "nothing is recorded to pay from: record the allocation or commitment first".to_string()
                    } else {
                        format!("check the amount, or record the {} amount that covers it", limit.what)
                    }),
                );
            }
            limit.over = limit.paid > cap;
        }
    };
    in_time_order(&l.payments).into_iter().for_each(&mut pay);
    out
}

/// The payments in the order they happened: by date, then place in the file.
fn in_time_order(payments: &Rows<Payment>) -> Vec<&Payment> {
    let mut order: Vec<&Payment> = payments.iter().collect();
    // A stable sort keeps the file's order within a day.
    order.sort_by_key(|p| p.date);
    order
}

/// C005: pre-financing per partner is at most the cap (a share of its envelope on the payment date).
fn prefinancing_cap(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let cap_rate = l.facility.prefinancing_cap;
    let mut out = Vec::new();
    let mut paid: BTreeMap<&str, i128> = BTreeMap::new();
    for r in cx.releases().iter().filter(|r| r.kind == PaymentKind::PreFinancing) {
        let total = paid.entry(r.partner(l)).or_default();
        *total += r.net;
        let envelope = cx.envelopes().at(r.partner(l), None, r.date);
        let cap = cap_rate.of(envelope);
        if *total > cap {
            out.push(
                cx.at(
                    Code::PrefinancingAboveCap,
                    r.first(l).at,
                    "amount_eur",
                    format!(
                        "pre-financing `{}` brings {}'s pre-financing to {}, above {} of its envelope ({} of {})",
                        r.id,
                        r.partner(l),
                        eur(*total),
                        cap_rate,
                        eur(cap),
                        eur(envelope)
                    ),
                )
                .hint("check the components' amounts, or the partner's allocations up to that date"),
            );
        }
    }
    out
}

/// C006: pre-financing is paid at most once per partner.
fn prefinancing_repeated(cx: &Ctx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut first: BTreeMap<&str, &Release> = BTreeMap::new();
    for r in cx.releases().iter().filter(|r| r.kind == PaymentKind::PreFinancing) {
        match first.get(r.partner(cx.ledger)) {
            Some(f) => out.push(
                cx.at(
                    Code::PrefinancingRepeated,
                    r.first(cx.ledger).at,
                    "kind",
                    format!(
                        "{} already received pre-financing in release `{}` on {}",
                        r.partner(cx.ledger),
                        f.id,
                        date::format(f.date)
                    ),
                )
                .hint("give the components of one pre-financing the same id, or record this as a regular release"),
            ),
            None => {
                first.insert(r.partner(cx.ledger), r);
            }
        }
    }
    out
}

/// C007: nothing is paid before the Reform Agenda is approved and both agreements are in force.
fn paid_before_agreements(cx: &Ctx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in cx.releases() {
        let Some(p) = cx.index().partners.get(r.partner(cx.ledger)) else {
            continue;
        };
        let mut missing = Vec::new();
        for (what, d) in [
            ("the Reform Agenda is approved", p.agenda_approved),
            ("the Facility Agreement is in force", p.facility_agreement_in_force),
            ("the Loan Agreement is in force", p.loan_agreement_in_force),
        ] {
            match d {
                None => missing.push(format!("{what} (no date in partners.csv)")),
                Some(d) if d > r.date => missing.push(format!("{what} ({})", date::format(d))),
                Some(_) => {}
            }
        }
        if !missing.is_empty() {
            out.push(
                cx.at(
                    Code::PaidBeforeAgreements,
                    r.first(cx.ledger).at,
                    "date",
                    format!(
                        "release `{}` to {} on {} is paid before {}",
                        r.id,
                        r.partner(cx.ledger),
                        date::format(r.date),
                        missing.join(" and before ")
                    ),
                )
                .hint("check the payment date, or the dates in partners.csv")
                .note(cx.row_note(p.at)),
            );
        }
    }
    out
}

/// C008: nothing is paid while the latest assessment of the preconditions or general conditions is `not_met`.
fn paid_while_conditions_not_met(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    let assessments: FxHashMap<(&str, Layer), Vec<&Condition>> =
        grouped(&l.conditions, |c| (c.partner.as_str(), c.layer), |c| c.date).into_iter().collect();
    for r in cx.releases() {
        for layer in [Layer::Precondition, Layer::General] {
            let rows = assessments.get(&(r.partner(l), layer)).map(Vec::as_slice).unwrap_or(&[]);
            let latest = rows[..rows.partition_point(|c| c.date <= r.date)].last();
            if let Some(c) = latest.filter(|c| c.status == ConditionStatus::NotMet) {
                out.push(
                    cx.at(
                        Code::PaidWhileConditionsNotMet,
                        r.first(l).at,
                        "date",
                        format!(
                            "release `{}` is paid on {} while {}'s {} conditions are assessed `not_met` (since {})",
                            r.id,
                            date::format(r.date),
                            r.partner(l),
                            layer.as_str(),
                            date::format(c.date)
                        ),
                    )
                    .hint("record the assessment that found the conditions met again, or check the payment date")
                    .note(cx.row_note(c.at)),
                );
            }
        }
    }
    out
}

/// C009: a regular release pays only steps of its partner found fulfilled (or partially) by its date.
fn step_not_fulfilled(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let index = cx.index();
    let mut out = Vec::new();
    for r in cx.releases().iter().filter(|r| r.kind == PaymentKind::Regular) {
        let partner = r.partner_number(index);
        for i in r.known_steps(l) {
            // A step's row is read only to word a finding (the steps are read at random).
            let id = || l.steps[i].id.as_str();
            if !index.step_of_partner(i, partner) {
                let step = &l.steps[i];
                out.push(
                    cx.at(
                        Code::StepNotFulfilled,
                        r.first(l).at,
                        "steps",
                        format!(
                            "release `{}` to {} pays step `{id}` of {}",
                            r.id,
                            r.partner(l),
                            step.partner,
                            id = id()
                        ),
                    )
                    .hint("a release pays only its own partner's steps")
                    .note(cx.row_note(step.at)),
                );
                continue;
            }
            let a = index.assessment_on(i, r.date);
            if a.is_none_or(|a| a.worth == 0) {
                let e = a.map(|a| &l.step_events[a.event as usize]);
                let state = match e {
                    Some(e) => {
                        format!("its latest assessment by then is `{}` ({})", e.status.as_str(), date::format(e.date))
                    }
                    None => "it has no assessment by then".into(),
                };
                let mut d = cx
                    .at(
                        Code::StepNotFulfilled,
                        r.first(l).at,
                        "steps",
                        format!("release `{}` on {} pays step `{id}`, but {state}", r.id, date::format(r.date), id = id()),
                    )
                    .hint("record the Commission's `fulfilled` assessment in step_events.csv, dated on or before the release");
                if let Some(e) = e {
                    d = d.note(cx.row_note(e.at));
                }
                out.push(d);
            }
        }
    }
    out
}

/// C010: no step is paid twice, or beyond its (partially) fulfilled amount.
fn step_overpaid(cx: &Ctx) -> Vec<Diagnostic> {
    let index = cx.index();
    let releases = cx.releases();
    // By step position: the worth already paid, and the release that paid it (by position: its id is
    // read only to word a finding).
    let mut paid: Vec<Option<(i64, u32)>> = vec![None; cx.ledger.steps.len()];
    let mut out = Vec::new();
    for (k, r) in releases.iter().enumerate().filter(|(_, r)| r.kind == PaymentKind::Regular) {
        for i in r.own_steps(index) {
            let worth = index.worth_on(i, r.date);
            if worth == 0 {
                continue; // C009 reports it
            }
            match paid[i] {
                Some((already, by)) if already >= worth => out.push(
                    cx.at(
                        Code::StepOverpaid,
                        r.first(cx.ledger).at,
                        "steps",
                        format!("release `{}` pays step `{id}` again: release `{by}` already paid {} of its {}", r.id, eur(already as i128), eur(worth as i128), id = cx.ledger.steps[i].id, by = releases[by as usize].id),
                    )
                    .hint("remove the step from this release; a step is paid once (a partial fulfilment's remainder only after a new assessment)"),
                ),
                _ => paid[i] = Some((worth, k as u32)),
            }
        }
    }
    out
}

/// C011: a regular release's components add up to the gross value of its steps less the clearance of
/// pre-financing, within the tolerance of facility.toml.
fn release_unreconciled(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let tolerance = l.facility.release_tolerance as i128;
    let mut out = Vec::new();
    let releases = cx.releases();
    for s in cx.settlements() {
        let r = &releases[s.release];
        let net = r.net;
        let diff = net - s.expected_net();
        if diff.abs() > tolerance {
            let mut d = cx
                .at(
                    Code::ReleaseUnreconciled,
                    r.first(l).at,
                    "amount_eur",
                    format!(
                        "release `{}` transferred {} but its steps are worth {} gross, less {} clearance = {} (difference {}, tolerance {})",
                        r.id,
                        eur(net),
                        eur(s.gross()),
                        eur(s.clearance),
                        eur(s.expected_net()),
                        eur(diff),
                        eur(tolerance)
                    ),
                )
                .hint("check the components' amounts (net of clearance), the steps listed, and the steps' amounts");
            for &(i, v) in &s.paid_steps {
                d = d.note(format!("step {}: {}", l.steps[i as usize].id, eur(v as i128)));
            }
            out.push(d);
        }
    }
    out
}

/// C012: each channel carries only the instruments facility.toml allows (budget support is loan only).
fn channel_instrument(cx: &Ctx) -> Vec<Diagnostic> {
    let f = &cx.ledger.facility;
    cx.ledger
        .payments
        .iter()
        .filter(|p| !f.allows(p.channel, p.instrument))
        .map(|p| {
            let allowed: Vec<&str> = f
                .channel_instruments
                .iter()
                .find(|(c, _)| *c == p.channel)
                .map(|(_, v)| v.iter().map(|i| i.as_str()).collect())
                .unwrap_or_default();
            cx.at(
                Code::ChannelInstrument,
                p.at,
                "instrument",
                format!(
                    "`{}` is paid through `{}`, which carries only: {}",
                    p.instrument.as_str(),
                    p.channel.as_str(),
                    allowed.join(", ")
                ),
            )
            .hint("budget support is loan only and grants go through the WBIF; check channel and instrument")
        })
        .collect()
}

/// C013: at the facility's end, the WBIF share of all payments is at least the minimum.
fn wbif_share(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let end = l.facility.end;
    if cx.as_of < end {
        return Vec::new();
    }
    let total = measure::measure_value(l, None, Measure::Paid, end);
    let wbif = measure::measure_value(l, None, Measure::PaidWbif, end);
    let share = Rate::ratio(wbif, total);
    if total > 0 && share < l.facility.min_wbif_share {
        let path = l.sources.path(crate::ledger::schema::LedgerFile::Payments).to_string();
        return vec![Diagnostic::new(
            Code::WbifShareLow,
            path,
            format!(
                "at the facility's end ({}) the WBIF share of all payments is {} ({} of {}), below the minimum of {}",
                date::format(end),
                share.to_percent_1dp(),
                eur(wbif),
                eur(total),
                l.facility.min_wbif_share
            ),
        )
        .hint("the regulation requires at least this share of support to go through the WBIF")];
    }
    Vec::new()
}

/// C014: a step is not paid after its grace period ended (its money was redistributable by then).
fn paid_after_grace(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let index = cx.index();
    // By step position, read in order once rather than row by row per release.
    let grace_ends: Vec<Date> = l.steps.iter().map(|s| l.facility.grace_end(s.due)).collect();
    let mut out = Vec::new();
    for r in cx.releases().iter().filter(|r| r.kind == PaymentKind::Regular) {
        for i in r.own_steps(index) {
            let grace_end = grace_ends[i];
            if r.date > grace_end {
                let step = &l.steps[i];
                out.push(
                    cx.at(
                        Code::PaidAfterGrace,
                        r.first(l).at,
                        "steps",
                        format!(
                            "release `{}` on {} pays step `{id}`, due {}, whose grace period ended on {}",
                            r.id,
                            date::format(r.date),
                            date::format(step.due),
                            date::format(grace_end),
                            id = step.id
                        ),
                    )
                    .hint("after the grace period the step's money expires for the partner and can be redistributed")
                    .note(cx.row_note(step.at)),
                );
            }
        }
    }
    out
}

/// C015: every date lies in the facility's period (payments up to `payments_until`, steps due by `end`).
fn outside_period(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let f = &l.facility;
    let mut out = Vec::new();
    let mut check = |at: Loc, field: &str, d: Date, last: Date, what: &str| {
        if d < f.start || d > last {
            out.push(
                cx.at(
                    Code::OutsidePeriod,
                    at,
                    field,
                    format!(
                        "{what} {} lies outside the facility's period {} to {}",
                        date::format(d),
                        date::format(f.start),
                        date::format(last)
                    ),
                )
                .hint("check the year; the period is set in facility.toml"),
            );
        }
    };
    for r in &l.allocations {
        check(r.at, "date", r.date, f.payments_until, "the date");
    }
    for r in &l.commitments {
        check(r.at, "date", r.date, f.payments_until, "the date");
    }
    for r in &l.steps {
        check(r.at, "due", r.due, f.end, "the due date");
    }
    for r in &l.step_events {
        check(r.at, "date", r.date, f.payments_until, "the date");
    }
    for r in &l.payments {
        check(r.at, "date", r.date, f.payments_until, "the payment date");
    }
    for r in &l.control_totals {
        check(r.at, "date", r.date, f.payments_until, "the date");
    }
    out
}

/// C016: no event is dated after the as-of date (a typo in the year, or a payment recorded too early).
fn after_as_of(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    let mut check = |at: Loc, field: &str, d: Date| {
        if d > cx.as_of {
            out.push(
                cx.at(
                    Code::AfterAsOf,
                    at,
                    field,
                    format!("{} is after the as-of date {}", date::format(d), date::format(cx.as_of)),
                )
                .hint("a ledger records what has happened; check the year, or pass --as-of"),
            );
        }
    };
    l.allocations.iter().for_each(|r| check(r.at, "date", r.date));
    l.commitments.iter().for_each(|r| check(r.at, "date", r.date));
    l.step_events.iter().for_each(|r| check(r.at, "date", r.date));
    l.payments.iter().for_each(|r| check(r.at, "date", r.date));
    l.conditions.iter().for_each(|r| check(r.at, "date", r.date));
    l.control_totals.iter().for_each(|r| check(r.at, "date", r.date));
    for p in &l.partners {
        for (field, d) in [
            ("agenda_approved", p.agenda_approved),
            ("facility_agreement_in_force", p.facility_agreement_in_force),
            ("loan_agreement_in_force", p.loan_agreement_in_force),
        ] {
            if let Some(d) = d {
                check(p.at, field, d);
            }
        }
    }
    out
}

/// C017: a step is not assessed (or submitted) before it exists, i.e. before its partner's Reform Agenda is approved.
fn event_before_step(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let index = cx.index();
    let mut out = Vec::new();
    for (i, e) in l.step_events.iter().enumerate() {
        let Some(step) = index.step_of_event(i).map(|i| &l.steps[i]) else {
            continue;
        };
        let Some(p) = index.partners.get(step.partner.as_str()) else {
            continue;
        };
        let problem = match p.agenda_approved {
            None => Some(format!("{}'s Reform Agenda has no approval date", p.code)),
            Some(d) if e.date < d => {
                Some(format!("{}'s Reform Agenda was approved only on {}", p.code, date::format(d)))
            }
            _ => None,
        };
        if let Some(problem) = problem {
            out.push(
                cx.at(
                    Code::EventBeforeStep,
                    e.at,
                    "date",
                    format!("step `{}` is `{}` on {}, but {problem}", e.step, e.status.as_str(), date::format(e.date)),
                )
                .hint("check the event's date, or the approval date in partners.csv")
                .note(cx.row_note(p.at)),
            );
        }
    }
    out
}

/// C018: a warning for events after a step was found fulfilled (it should be final).
fn event_after_fulfilled(cx: &Ctx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for mut events in cx.index().event_groups() {
        // The events after the first fulfilment are what `find` leaves.
        if let Some(f) = events.find(|e| e.status == StepStatus::Fulfilled) {
            for e in events {
                out.push(
                    cx.at(
                        Code::EventAfterFulfilled,
                        e.at,
                        "status",
                        format!(
                            "step `{}` is `{}` on {} after it was found fulfilled on {}",
                            e.step,
                            e.status.as_str(),
                            date::format(e.date),
                            date::format(f.date)
                        ),
                    )
                    .hint("a fulfilled step is final; if the assessment was wrong, say so in the note")
                    .note(cx.row_note(f.at)),
                );
            }
        }
    }
    out
}

/// C019: every control total matches the ledgers within its tolerance.
fn control_totals(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    for c in &l.control_totals {
        let value = measure::measure_value(l, c.partner.as_deref(), c.measure, c.date);
        let diff = value - c.amount as i128;
        if diff.abs() > c.tolerance as i128 {
            // The rows behind the figure are listed only for a total that does not match.
            let f = measure::measure(l, c.partner.as_deref(), c.measure, c.date);
            let who = c.partner.as_deref().unwrap_or("all partners");
            let mut d = cx
                .at(
                    Code::ControlTotalMismatch,
                    c.at,
                    "amount_eur",
                    format!("`{}` of {who} on {} does not match", c.measure.as_str(), date::format(c.date)),
                )
                .hint(
                    "find the missing or wrong row among those listed, or check the published figure and its tolerance",
                );
            d = d
                .note(format!("expected:   {}", eur(c.amount as i128)))
                .note(format!("computed:   {}", eur(f.value)))
                .note(format!("difference: {} (tolerance {})", eur(diff), eur(c.tolerance as i128)))
                .note(format!("made up of {} rows:", f.rows.len()));
            const SHOWN: usize = 20;
            for at in f.rows.iter().take(SHOWN) {
                d = d.note(format!("  {}", cx.row_note(*at)));
            }
            if f.rows.len() > SHOWN {
                d = d.note(format!("  ... and {} more", f.rows.len() - SHOWN));
            }
            out.push(d);
        }
    }
    out
}

/// C020: a warning for more regular releases per partner in a calendar year than the facility plans.
fn too_many_releases(cx: &Ctx) -> Vec<Diagnostic> {
    use chrono::Datelike;
    let max = cx.ledger.facility.max_regular_releases_per_year as usize;
    // Per partner and year: the first `max + 1` releases, by position (the warning names them; their
    // ids are read only then), and how many there are.
    let releases = cx.releases();
    let mut seen: FxHashMap<(&str, i32), (usize, Vec<u32>)> = FxHashMap::default();
    let mut out = Vec::new();
    for (k, r) in releases.iter().enumerate().filter(|(_, r)| r.kind == PaymentKind::Regular) {
        let (count, first) = seen.entry((r.partner(cx.ledger), r.date.year())).or_default();
        *count += 1;
        if *count > max + 1 {
            continue;
        }
        first.push(k as u32);
        if first.len() == max + 1 {
            let ids: Vec<&str> = first.iter().map(|&k| releases[k as usize].id.as_str()).collect();
            out.push(
                cx.at(
                    Code::TooManyReleases,
                    r.first(cx.ledger).at,
                    "date",
                    format!(
                        "{} receives its regular release number {} of {} ({}); the facility plans at most {max}",
                        r.partner(cx.ledger),
                        ids.len(),
                        r.date.year(),
                        ids.join(", ")
                    ),
                )
                .hint("check whether two rows are components of one release and should share an id"),
            );
        }
    }
    out
}

/// C021: the steps of a partner are together worth no more than its envelope.
fn steps_exceed_envelope(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    let mut steps: FxHashMap<&str, Vec<&Step>> = FxHashMap::default();
    for s in &l.steps {
        steps.entry(s.partner.as_str()).or_default().push(s);
    }
    for p in &l.partners {
        let envelope = cx.envelopes().at(&p.code, None, cx.as_of);
        let mut total = 0i128;
        for s in steps.get(p.code.as_str()).into_iter().flatten() {
            let before = total;
            total += s.amount as i128;
            if total > envelope && before <= envelope {
                out.push(
                    cx.at(
                        Code::StepsExceedEnvelope,
                        s.at,
                        "amount_eur",
                        format!(
                            "with this step {}'s steps are worth {}, more than its envelope of {} on {}",
                            p.code,
                            eur(total),
                            eur(envelope),
                            date::format(cx.as_of)
                        ),
                    )
                    .hint("the steps share out the envelope; check the amounts, or record the allocation"),
                );
            }
        }
    }
    out
}

/// C022: pre-financing comes before a partner's regular releases, not after.
fn prefinancing_late(cx: &Ctx) -> Vec<Diagnostic> {
    let mut first_regular: FxHashMap<&str, &Release> = FxHashMap::default();
    let mut out = Vec::new();
    for r in cx.releases() {
        match r.kind {
            PaymentKind::Regular => {
                first_regular.entry(r.partner(cx.ledger)).or_insert(r);
            }
            PaymentKind::PreFinancing => {
                if let Some(f) = first_regular.get(r.partner(cx.ledger)) {
                    out.push(
                        cx.at(
                            Code::PrefinancingLate,
                            r.first(cx.ledger).at,
                            "kind",
                            format!("pre-financing `{}` on {} comes after {}'s regular release `{}` on {}", r.id, date::format(r.date), r.partner(cx.ledger), f.id, date::format(f.date)),
                        )
                        .hint("pre-financing is paid once, after approval and before the regular releases; check kind and date"),
                    );
                }
            }
        }
    }
    out
}

/// C023: a regular release lists the steps it pays; pre-financing lists none.
fn release_steps(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    for r in cx.releases() {
        let (message, hint) = match (r.kind, r.names_no_step()) {
            (PaymentKind::Regular, true) => (
                format!("regular release `{}` lists no steps", r.id),
                "list the ids of the steps it pays in `steps`, separated by spaces",
            ),
            (PaymentKind::PreFinancing, false) => (
                format!("pre-financing `{}` lists steps", r.id),
                "pre-financing pays no steps; leave `steps` empty, or record a regular release",
            ),
            _ => continue,
        };
        out.push(cx.at(Code::ReleaseSteps, r.first(l).at, "steps", message).hint(hint));
    }
    out
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
