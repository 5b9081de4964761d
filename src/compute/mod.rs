//! The progress pipeline: the facility's state as of a date, computed with polars lazy queries. This is
//! the only module that imports polars; it takes the typed `Ledger` and returns the plain `Progress`
//! model. Amounts stay integer cents (Int64) throughout; dates are day numbers (Int32).
//!
//! `progress` is the one entry point: `envelopes`, `payments` and `steps` each compute their tables
//! (per partner and in total) from frames built by `frames`, `timeline` adds the months and the
//! deadlines, and this module assembles the `Progress` from them. `changes` and `parquet` serve the
//! export and the report.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::date::{self, Date};
use crate::ledger::model::Ledger;
use crate::progress::*;
use crate::replay::Replay;

mod changes;
mod envelopes;
mod frames;
mod outlook;
mod parquet;
mod payments;
mod requests;
mod steps;
mod timeline;

pub use changes::changes;
pub use parquet::{changes_parquet, parquet};

use frames::{get_i64, get_str, s, Tables};
use steps::StepTables;

/// The computation failed inside polars (a bug, never a data problem: data problems are diagnostics).
#[derive(Debug, thiserror::Error)]
pub enum ComputeError {
    #[error("progress computation failed: {0}")]
    Polars(#[from] PolarsError),
    #[error("the ledgers' amounts add up to more than a 64-bit total can hold")]
    Overflow,
}

/// Refuses ledgers whose amounts could overflow an Int64 sum (each cell is bounded, but not their count).
fn guard_overflow(l: &Ledger) -> Result<(), ComputeError> {
    let total: i128 = l
        .allocations
        .iter()
        .map(|r| (r.amount as i128).abs())
        .chain(l.commitments.iter().map(|r| (r.amount as i128).abs()))
        .chain(l.payments.iter().map(|r| (r.amount as i128).abs()))
        .chain(l.steps.iter().map(|r| (r.amount as i128).abs()))
        .sum();
    if total > i64::MAX as i128 {
        return Err(ComputeError::Overflow);
    }
    Ok(())
}

/// The facility's state as of the end of `as_of`: the envelopes and commitments, the payments and the
/// timeline, and the steps valued from the replay of the releases.
pub fn progress(l: &Ledger, replay: &Replay, as_of: Date) -> Result<Progress, ComputeError> {
    crate::meter::phase(format!("computing progress as of {}", date::format(as_of)), 0);
    guard_overflow(l)?;
    let envelopes = crate::meter::timed("envelopes", || envelopes::envelope_tables(l, as_of))?;
    // Independent, so side by side: the 10^6 status and report targets (BENCHMARKS.md).
    let ((payments, steps), (known_gaps, (by_partner, facility), request_states)) = rayon::join(
        || {
            rayon::join(
                || crate::meter::timed("payments", || payments::payment_tables(l, as_of)),
                || crate::meter::timed("steps", || steps::step_tables(l, replay, as_of)),
            )
        },
        || {
            let known_gaps = requests::known_gaps(l, as_of);
            let figures = requests::request_figures(l, replay, as_of, &known_gaps);
            (known_gaps, figures, requests::request_states(l, replay, as_of))
        },
    );
    let (payments, steps) = (payments?, steps?);
    let mut progress = assemble(l, as_of, envelopes, payments, steps)?;
    for p in &mut progress.partners {
        if let Some(i) = l.partner_codes.iter().position(|c| *c == p.code) {
            p.requests = by_partner[i].clone();
        }
    }
    progress.requests = facility;
    progress.request_states = request_states;
    progress.known_gaps = known_gaps;
    progress.outlook = crate::meter::timed("outlook", || outlook::outlook(l, replay, &progress));
    Ok(progress)
}

/// The progress from its parts.
fn assemble(
    l: &Ledger,
    as_of: Date,
    ((alloc_p, alloc_t), (commit_p, commit_t)): (Tables, Tables),
    ((pay_p, pay_t), timeline): (Tables, Vec<TimelinePoint>),
    steps: StepTables,
) -> Result<Progress, ComputeError> {
    let StepTables { clear: (clear_p, clear_t), steps: (step_p, step_t), areas: area_df, states: step_states } = steps;

    let tables =
        [(&alloc_p, &alloc_t), (&commit_p, &commit_t), (&pay_p, &pay_t), (&clear_p, &clear_t), (&step_p, &step_t)];
    let mut facility = Figures::default();
    for (_, total) in tables {
        if total.height() > 0 {
            fill(&mut facility, total, 0)?;
        }
    }
    // Assemble the per-partner rows, every partner present even without any row.
    let mut codes: Vec<(&str, &str, &str)> =
        l.partners.iter().map(|p| (p.code.as_str(), p.name.as_str(), p.local_name.as_str())).collect();
    codes.sort();
    let rows = tables.iter().map(|(grouped, _)| rows_by_partner(grouped)).collect::<PolarsResult<Vec<_>>>()?;
    let mut partners = Vec::new();
    for (code, name, local_name) in &codes {
        let mut f = Figures::default();
        for ((grouped, _), rows) in tables.iter().zip(&rows) {
            if let Some(row) = rows.get(*code) {
                fill(&mut f, grouped, *row)?;
            }
        }
        partners.push(PartnerProgress {
            code: code.to_string(),
            name: name.to_string(),
            local_name: local_name.to_string(),
            figures: f,
            requests: RequestFigures::default(),
        });
    }
    let mut areas = Vec::new();
    for row in 0..area_df.height() {
        let mut f = Figures::default();
        fill(&mut f, &area_df, row)?;
        areas.push(AreaProgress {
            partner: get_str(&area_df, "partner", row)?,
            area: get_str(&area_df, "area", row)?,
            figures: f,
        });
    }

    let deadlines = timeline::deadlines(&step_states, as_of);
    Ok(Progress {
        as_of,
        facility,
        partners,
        areas,
        steps: step_states,
        timeline,
        deadlines,
        requests: RequestFigures::default(),
        known_gaps: Vec::new(),
        request_states: Vec::new(),
        outlook: Outlook::default(),
    })
}

/// Each row of a frame grouped per partner, by the partner's code.
fn rows_by_partner(df: &DataFrame) -> PolarsResult<BTreeMap<String, usize>> {
    (0..df.height()).map(|row| Ok((get_str(df, "partner", row)?, row))).collect()
}

/// Fills the fields of `f` that `df` (row `row`) carries.
fn fill(f: &mut Figures, df: &DataFrame, row: usize) -> PolarsResult<()> {
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    for name in names {
        let v = match df.column(&name)?.dtype() {
            DataType::Int64 => get_i64(df, &name, row)?,
            _ => continue,
        };
        let slot = match name.as_str() {
            "envelope" => &mut f.envelope,
            "envelope_grant" => &mut f.envelope_grant,
            "envelope_loan" => &mut f.envelope_loan,
            "envelope_changes" => &mut f.envelope_changes,
            "committed" => &mut f.committed,
            "committed_grant" => &mut f.committed_grant,
            "committed_loan" => &mut f.committed_loan,
            "committed_budget" => &mut f.committed_budget,
            "committed_wbif" => &mut f.committed_wbif,
            "committed_any_channel" => &mut f.committed_any_channel,
            "paid" => &mut f.paid,
            "paid_grant" => &mut f.paid_grant,
            "paid_loan" => &mut f.paid_loan,
            "paid_budget" => &mut f.paid_budget,
            "paid_wbif" => &mut f.paid_wbif,
            "paid_prefinancing" => &mut f.paid_prefinancing,
            "paid_regular" => &mut f.paid_regular,
            "prefinancing_cleared" => &mut f.prefinancing_cleared,
            "steps_total" => &mut f.steps_total,
            "steps_due" => &mut f.steps_due,
            "steps_fulfilled" => &mut f.steps_fulfilled,
            "steps_partially_fulfilled" => &mut f.steps_partially_fulfilled,
            "steps_not_fulfilled" => &mut f.steps_not_fulfilled,
            "steps_overdue" => &mut f.steps_overdue,
            "steps_in_grace" => &mut f.steps_in_grace,
            "steps_expired" => &mut f.steps_expired,
            "steps_not_yet_due" => &mut f.steps_not_yet_due,
            "value_steps" => &mut f.value_steps,
            "value_paid" => &mut f.value_paid,
            "value_fulfilled_unpaid" => &mut f.value_fulfilled_unpaid,
            "value_withheld" => &mut f.value_withheld,
            "value_expired" => &mut f.value_expired,
            "value_ahead" => &mut f.value_ahead,
            _ => continue,
        };
        *slot = v;
    }
    Ok(())
}
