//! The steps as of a date: each step's stage and value from its latest assessment and what the replay
//! of the releases paid for it, the pre-financing cleared, and their figures per partner, per area and
//! in total.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::frames::{count_if, day, frame, per_partner_and_total, s, Tables};
use super::ComputeError;
use crate::date::Date;
use crate::ledger::model::{Ledger, PartnerId, StepStatus};
use crate::progress::{StepState, STAGES};
use crate::replay::{Assessed, Replay};

/// What [`step_tables`] computes.
pub(super) struct StepTables {
    /// The pre-financing cleared, per partner and in total.
    pub(super) clear: Tables,
    /// The steps' figures, per partner and in total.
    pub(super) steps: Tables,
    /// Per partner and area (empty for the facility's figures alone).
    pub(super) areas: DataFrame,
    /// Every step's state, sorted by partner and id (empty for the facility's figures alone).
    pub(super) states: Vec<StepState>,
}

/// The steps as of `as_of`: what was paid for each, what it is found worth, its stage; and the
/// pre-financing the regular releases cleared.
pub(super) fn step_tables(l: &Ledger, replay: &Replay, as_of: Date) -> Result<StepTables, ComputeError> {
    let d = day(as_of);
    // What each regular release paid per step, and the clearance it made: the sequential replay of
    // `check::figures`, whose rules `check` enforces; aggregated here. The paid sums go straight into the
    // steps' frame by the step's position (a step's id is unique in a ledger without errors).
    let ids = &replay.index;
    let settlements = replay.settlements_until(as_of);
    let mut step_paid = vec![0i64; l.steps.len()];
    for st in settlements {
        for &(i, v) in &st.paid_steps {
            let paid = &mut step_paid[i as usize];
            *paid = paid.checked_add(v).ok_or(ComputeError::Overflow)?;
        }
    }
    // The clearances summed per partner first (by the code's number: one row per partner that has a
    // settlement), so that the frame holds a row per partner, not per release.
    let mut cleared: BTreeMap<PartnerId, i64> = BTreeMap::new();
    for st in settlements {
        let sum = cleared.entry(replay.releases[st.release].partner).or_default();
        *sum = sum.checked_add(i64::try_from(st.clearance).unwrap_or(i64::MAX)).ok_or(ComputeError::Overflow)?;
    }
    let clear = frame(vec![
        Column::new(s("partner"), cleared.keys().map(|&n| l.partner_code(n)).collect::<Vec<_>>()),
        Column::new(s("cleared"), cleared.values().copied().collect::<Vec<_>>()),
    ])?;
    let (clear_p, clear_t) =
        per_partner_and_total(clear, &["partner"], vec![col("cleared").sum().alias("prefinancing_cleared")])?;

    // Each step's latest assessment on or before the date (same-day events in file order) and what it
    // finds the step worth: the index the rules use keeps every step's assessments in the order they
    // happened, valued by the one rule (`figures::worth`).
    let latest: Vec<Option<Assessed>> = (0..l.steps.len()).map(|i| ids.assessment_on(i, as_of)).collect();
    let steps = frame(vec![
        Column::new(s("pos"), (0..l.steps.len() as i64).collect::<Vec<_>>()),
        Column::new(s("id"), l.steps.iter().map(|r| r.id.as_str()).collect::<Vec<_>>()),
        Column::new(s("partner"), l.steps.iter().map(|r| l.partner_code(r.partner)).collect::<Vec<_>>()),
        Column::new(s("area"), l.steps.iter().map(|r| r.area.as_str()).collect::<Vec<_>>()),
        Column::new(s("due"), l.steps.iter().map(|r| day(r.due)).collect::<Vec<_>>()),
        Column::new(s("grace"), l.steps.iter().map(|r| day(l.facility.grace_end(r.due))).collect::<Vec<_>>()),
        Column::new(s("amount"), l.steps.iter().map(|r| r.amount).collect::<Vec<_>>()),
        Column::new(
            s("status"),
            latest.iter().map(|a| a.map(|a| l.step_events[a.event as usize].status.as_str())).collect::<Vec<_>>(),
        ),
        Column::new(s("worth"), latest.iter().map(|a| a.map_or(0, |a| a.worth)).collect::<Vec<_>>()),
        Column::new(s("step_paid"), step_paid),
    ])?;
    let status = col("status");
    let is_due = col("due").lt_eq(lit(d));
    let in_grace = lit(d).lt_eq(col("grace"));
    let fulfilled = status.clone().eq(lit("fulfilled"));
    let partial = status.clone().eq(lit("partially_fulfilled"));
    let state = steps
        .with_columns([col("status").fill_null(lit("none"))])
        .with_columns([(col("amount") - col("worth")).alias("unmet")])
        .with_columns([
            col("step_paid").alias("value_paid"),
            when(col("worth").gt(col("step_paid")))
                .then(col("worth") - col("step_paid"))
                .otherwise(lit(0i64))
                .alias("value_fulfilled_unpaid"),
            when(is_due.clone().and(in_grace.clone())).then(col("unmet")).otherwise(lit(0i64)).alias("value_withheld"),
            when(is_due.clone().and(in_grace.clone().not()))
                .then(col("unmet"))
                .otherwise(lit(0i64))
                .alias("value_expired"),
            when(is_due.clone().not()).then(col("unmet")).otherwise(lit(0i64)).alias("value_ahead"),
            when(fulfilled.clone())
                .then(lit("fulfilled"))
                .when(is_due.clone().not())
                .then(lit("not_yet_due"))
                .when(partial.clone().and(in_grace.clone()))
                .then(lit("partially_fulfilled"))
                .when(in_grace.clone())
                .then(lit("in_grace"))
                .otherwise(lit("expired"))
                .alias("stage"),
        ]);
    let overdue = is_due.clone().and(fulfilled.clone().not());
    let step_aggs = vec![
        col("amount").len().cast(DataType::Int64).alias("steps_total"),
        count_if(is_due.clone(), "steps_due"),
        count_if(fulfilled.clone(), "steps_fulfilled"),
        count_if(partial.clone(), "steps_partially_fulfilled"),
        count_if(status.clone().eq(lit("not_fulfilled")), "steps_not_fulfilled"),
        count_if(overdue.clone(), "steps_overdue"),
        count_if(overdue.clone().and(in_grace.clone()), "steps_in_grace"),
        count_if(overdue.clone().and(in_grace.clone().not()), "steps_expired"),
        count_if(is_due.clone().not(), "steps_not_yet_due"),
        col("amount").sum().alias("value_steps"),
        col("value_paid").sum(),
        col("value_fulfilled_unpaid").sum(),
        col("value_withheld").sum(),
        col("value_expired").sum(),
        col("value_ahead").sum(),
    ];
    // Computed once; the aggregations below read the frame.
    let step_rows = state.sort(["partner", "id"], SortMultipleOptions::default()).collect()?;
    let state = step_rows.clone().lazy();
    // The figures per partner, per area and each step's state read the sorted frame alone: side by side
    // (the 10^6 status and report targets, BENCHMARKS.md).
    let ((steps, areas), states) = rayon::join(
        || {
            rayon::join(
                || per_partner_and_total(state.clone(), &["partner"], step_aggs.clone()),
                || per_partner_and_total(state.clone(), &["partner", "area"], step_aggs.clone()),
            )
        },
        || step_states(l, &step_rows),
    );
    let ((step_p, step_t), (area_df, _)) = (steps?, areas?);
    Ok(StepTables { clear: (clear_p, clear_t), steps: (step_p, step_t), areas: area_df, states: states? })
}

/// Each step's state in the sorted frame's order, its texts the ledger's step's (found by `pos`).
fn step_states(l: &Ledger, step_rows: &DataFrame) -> PolarsResult<Vec<StepState>> {
    // The columns are looked up once; each step's row in the ledger comes with it (`pos`).
    let (pos, stage, assessment) =
        (step_rows.column("pos")?.i64()?, step_rows.column("stage")?.str()?, step_rows.column("status")?.str()?);
    let money = |name: &str| -> PolarsResult<&Int64Chunked> { step_rows.column(name)?.i64() };
    let (paid, unpaid, withheld, expired, ahead) = (
        money("value_paid")?,
        money("value_fulfilled_unpaid")?,
        money("value_withheld")?,
        money("value_expired")?,
        money("value_ahead")?,
    );
    Ok((0..step_rows.height())
        .filter_map(|row| Some((row, pos.get(row).and_then(|i| l.steps.get(i as usize))?)))
        .map(|(row, step)| StepState {
            id: step.id.clone(),
            partner: l.partner_code(step.partner).into(),
            area: step.area.clone(),
            due: step.due,
            grace_end: l.facility.grace_end(step.due),
            amount: step.amount,
            stage: stage_word(stage.get(row).unwrap_or("")),
            assessment: assessment_word(assessment.get(row).unwrap_or("")),
            value_paid: paid.get(row).unwrap_or(0),
            value_fulfilled_unpaid: unpaid.get(row).unwrap_or(0),
            value_withheld: withheld.get(row).unwrap_or(0),
            value_expired: expired.get(row).unwrap_or(0),
            value_ahead: ahead.get(row).unwrap_or(0),
        })
        .collect())
}

fn stage_word(s: &str) -> &'static str {
    STAGES.into_iter().find(|w| *w == s).unwrap_or("unknown")
}

fn assessment_word(s: &str) -> &'static str {
    StepStatus::WORDS.iter().copied().find(|w| *w == s).unwrap_or("none")
}
