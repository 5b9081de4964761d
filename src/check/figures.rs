//! Figures the rules and control totals need, computed straight from the typed ledger: envelopes,
//! commitments and payments as of a date, releases, and what each step is worth when it is paid.
//! Sums are `i128`, so no ledger can overflow them.

use std::collections::BTreeMap;

use crate::date::Date;
use crate::ledger::model::*;

/// A value and the rows that make it up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figure {
    pub value: i128,
    pub rows: Vec<Loc>,
}

/// The ledgers' figure for a control-total measure, for one partner (or all), as of the end of `date`.
pub fn measure(l: &Ledger, partner: Option<&str>, measure: Measure, date: Date) -> Figure {
    let for_partner = |p: &str| partner.is_none_or(|x| x == p);
    let mut f = Figure::default();
    let mut add = |amount: i64, at: Loc| {
        f.value += amount as i128;
        f.rows.push(at);
    };
    match measure {
        Measure::Allocated | Measure::AllocatedGrant | Measure::AllocatedLoan => {
            let want = match measure {
                Measure::AllocatedGrant => Some(Instrument::Grant),
                Measure::AllocatedLoan => Some(Instrument::Loan),
                _ => None,
            };
            for a in &l.allocations {
                if a.date <= date && for_partner(&a.partner) && want.is_none_or(|i| i == a.instrument) {
                    add(a.amount, a.at);
                }
            }
        }
        Measure::Committed => {
            for c in &l.commitments {
                if c.date <= date && for_partner(&c.partner) {
                    add(c.amount, c.at);
                }
            }
        }
        _ => {
            let keep = |p: &Payment| match measure {
                Measure::PaidGrant => p.instrument == Instrument::Grant,
                Measure::PaidLoan => p.instrument == Instrument::Loan,
                Measure::PaidBudget => p.channel == Channel::Budget,
                Measure::PaidWbif => p.channel == Channel::Wbif,
                Measure::PaidRegular => p.kind == PaymentKind::Regular,
                Measure::Prefinancing => p.kind == PaymentKind::PreFinancing,
                _ => true,
            };
            for p in &l.payments {
                if p.date <= date && for_partner(&p.partner) && keep(p) {
                    add(p.amount, p.at);
                }
            }
        }
    }
    f
}

/// One release: the components sharing a payment id.
#[derive(Debug, Clone)]
pub struct Release<'a> {
    pub id: &'a str,
    pub date: Date,
    pub partner: &'a str,
    pub kind: PaymentKind,
    pub components: Vec<&'a Payment>,
    /// The steps it pays (union over components, in order of first mention).
    pub steps: Vec<&'a str>,
}

impl Release<'_> {
    pub fn net(&self) -> i128 {
        self.components.iter().map(|p| p.amount as i128).sum()
    }

    pub fn first(&self) -> &Payment {
        self.components[0]
    }
}

/// Releases in the order they happened (date, then id). Components that disagree on date, partner or
/// kind were reported by the loader; the first component decides.
pub fn releases(l: &Ledger) -> Vec<Release<'_>> {
    let mut by_id: BTreeMap<&str, Release> = BTreeMap::new();
    for p in &l.payments {
        let r = by_id.entry(&p.id).or_insert_with(|| Release {
            id: &p.id,
            date: p.date,
            partner: &p.partner,
            kind: p.kind,
            components: Vec::new(),
            steps: Vec::new(),
        });
        r.components.push(p);
        for s in &p.steps {
            if !r.steps.contains(&s.as_str()) {
                r.steps.push(s);
            }
        }
    }
    let mut out: Vec<Release> = by_id.into_values().collect();
    out.sort_by(|a, b| (a.date, a.id).cmp(&(b.date, b.id)));
    out
}

/// The Commission's latest assessment of a step on or before `date` (submissions are not assessments).
pub fn assessment_on<'a>(events: &[&'a StepEvent], date: Date) -> Option<&'a StepEvent> {
    events
        .iter()
        .filter(|e| e.date <= date && e.status != StepStatus::Submitted)
        .max_by_key(|e| (e.date, e.at.line))
        .copied()
}

/// The gross euros a step is found worth by an assessment: all of it when fulfilled, the stated
/// amount when partially fulfilled, nothing otherwise.
pub fn fulfilled_value(step: &Step, assessment: Option<&StepEvent>) -> i64 {
    match assessment.map(|e| (e.status, e.amount)) {
        Some((StepStatus::Fulfilled, _)) => step.amount,
        Some((StepStatus::PartiallyFulfilled, Some(a))) => a.min(step.amount),
        _ => 0,
    }
}

/// Step events grouped by step id.
pub fn events_by_step(l: &Ledger) -> BTreeMap<&str, Vec<&StepEvent>> {
    let mut m: BTreeMap<&str, Vec<&StepEvent>> = BTreeMap::new();
    for e in &l.step_events {
        m.entry(e.step.as_str()).or_default().push(e);
    }
    for v in m.values_mut() {
        v.sort_by_key(|e| (e.date, e.at.line));
    }
    m
}

/// How a regular release is made up, step by step: what each step was worth when paid, and what the
/// release should have transferred after clearing pre-financing.
#[derive(Debug, Clone)]
pub struct Settlement<'a> {
    pub release: Release<'a>,
    /// (step, gross euros this release pays for it).
    pub paid_steps: Vec<(&'a Step, i128)>,
    pub gross: i128,
    pub clearance: i128,
    pub expected_net: i128,
}

/// Replays the regular releases in order, tracking per step the gross already paid and per partner the
/// pre-financing still to clear. Steps that cannot be paid (unknown, other partner, not fulfilled,
/// already paid) contribute nothing; the rules report them.
pub fn settlements(l: &Ledger) -> Vec<Settlement<'_>> {
    let steps: BTreeMap<&str, &Step> = l.steps.iter().map(|s| (s.id.as_str(), s)).collect();
    let events = events_by_step(l);
    let mut paid_per_step: BTreeMap<&str, i128> = BTreeMap::new();
    let mut to_clear: BTreeMap<&str, i128> = BTreeMap::new();
    let mut out = Vec::new();
    for r in releases(l) {
        match r.kind {
            PaymentKind::PreFinancing => *to_clear.entry(r.partner).or_default() += r.net(),
            PaymentKind::Regular => {
                let mut paid_steps = Vec::new();
                for id in &r.steps {
                    let Some(step) = steps.get(id) else { continue };
                    if step.partner != r.partner {
                        continue;
                    }
                    let ev = events.get(id).map(Vec::as_slice).unwrap_or(&[]);
                    let worth = fulfilled_value(step, assessment_on(ev, r.date)) as i128;
                    let already = paid_per_step.get(id).copied().unwrap_or(0);
                    let now = (worth - already).max(0);
                    paid_per_step.insert(id, already + now);
                    paid_steps.push((*step, now));
                }
                let gross: i128 = paid_steps.iter().map(|(_, v)| v).sum();
                let remaining = to_clear.entry(r.partner).or_default();
                let clearance = l.facility.prefinancing_clearance.of(gross).min(*remaining).max(0);
                *remaining -= clearance;
                out.push(Settlement { expected_net: gross - clearance, release: r, paid_steps, gross, clearance });
            }
        }
    }
    out
}
