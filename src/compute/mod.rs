//! The progress pipeline: the facility's state as of a date, computed with polars lazy queries. This is
//! the only module that imports polars; it takes the typed `Ledger` and returns the plain `Progress`
//! model. Amounts stay integer cents (Int64) throughout; dates are day numbers (Int32).

use std::collections::BTreeMap;

use chrono::Datelike;
use polars::prelude::*;

use crate::date::{self, Date};
use crate::ledger::model::{Channel, Instrument, Ledger, PartnerId, Payment, PaymentKind, Step, StepStatus};
use crate::progress::*;
use crate::replay::{Assessed, Replay};

mod parquet;
pub use parquet::parquet;

/// The computation failed inside polars (a bug, never a data problem: data problems are diagnostics).
#[derive(Debug, thiserror::Error)]
pub enum ComputeError {
    #[error("progress computation failed: {0}")]
    Polars(#[from] PolarsError),
    #[error("the ledgers' amounts add up to more than a 64-bit total can hold")]
    Overflow,
}

/// How far ahead "next deadlines" look.
const LOOKAHEAD_MONTHS: u32 = 6;

fn day(d: Date) -> i32 {
    (d - Date::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

fn frame(columns: Vec<Column>) -> PolarsResult<LazyFrame> {
    Ok(DataFrame::new_infer_height(columns)?.lazy())
}

fn s(name: &str) -> PlSmallStr {
    name.into()
}

/// `sum(value)` over the rows where `cond` holds.
fn sum_if(value: &str, cond: Expr, name: &str) -> Expr {
    when(cond).then(col(value)).otherwise(lit(0i64)).cast(DataType::Int64).sum().cast(DataType::Int64).alias(name)
}

fn count_if(cond: Expr, name: &str) -> Expr {
    when(cond).then(lit(1i64)).otherwise(lit(0i64)).cast(DataType::Int64).sum().cast(DataType::Int64).alias(name)
}

/// Aggregates `aggs` per partner (`by`) and, separately, for all rows together (the facility), so that
/// the facility row is computed on its own, not as the sum of the partner rows.
fn per_partner_and_total(lf: LazyFrame, by: &[&str], aggs: Vec<Expr>) -> PolarsResult<(DataFrame, DataFrame)> {
    let keys: Vec<Expr> = by.iter().map(|k| col(*k)).collect();
    let grouped = lf
        .clone()
        .group_by(keys)
        .agg(aggs.clone())
        .sort(by.iter().map(|k| s(k)).collect::<Vec<_>>(), SortMultipleOptions::default())
        .collect()?;
    let total = lf.select(aggs).collect()?;
    Ok((grouped, total))
}

/// Reads an Int64 cell (null as 0).
fn get_i64(df: &DataFrame, name: &str, row: usize) -> PolarsResult<i64> {
    Ok(df.column(name)?.i64()?.get(row).unwrap_or(0))
}

fn get_str(df: &DataFrame, name: &str, row: usize) -> PolarsResult<String> {
    Ok(df.column(name)?.str()?.get(row).unwrap_or("").to_string())
}

/// Rows of a grouped frame keyed by their group columns joined with a NUL.
fn index(df: &DataFrame, by: &[&str]) -> PolarsResult<BTreeMap<String, usize>> {
    let mut m = BTreeMap::new();
    for row in 0..df.height() {
        let mut key = Vec::new();
        for k in by {
            key.push(get_str(df, k, row)?);
        }
        m.insert(key.join("\u{0}"), row);
    }
    Ok(m)
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
    let pay = crate::meter::timed("payments' frame", || payments_frame(l))?.lazy();
    let envelopes = crate::meter::timed("envelopes", || envelope_tables(l, as_of))?;
    let payments = crate::meter::timed("payments", || payment_tables(l, pay, as_of))?;
    let steps = crate::meter::timed("steps", || step_tables(l, replay, as_of))?;
    assemble(l, as_of, envelopes, payments, steps)
}

/// A grouped frame and its total.
type Tables = (DataFrame, DataFrame);

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
    let mut partners = Vec::new();
    for (code, name, local_name) in &codes {
        let mut f = Figures::default();
        for (grouped, _) in tables {
            if let Some(row) = index(grouped, &["partner"])?.get(*code) {
                fill(&mut f, grouped, *row)?;
            }
        }
        partners.push(PartnerProgress {
            code: code.to_string(),
            name: name.to_string(),
            local_name: local_name.to_string(),
            figures: f,
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

    let deadlines = deadlines(&step_states, as_of);
    Ok(Progress { as_of, facility, partners, areas, steps: step_states, timeline, deadlines })
}

/// The envelopes (allocations) and the commitments as of `as_of`: per partner and in total.
fn envelope_tables(l: &Ledger, as_of: Date) -> Result<(Tables, Tables), ComputeError> {
    let d = day(as_of);
    // Envelopes.
    let alloc = frame(vec![
        Column::new(s("partner"), l.allocations.iter().map(|r| l.partner_code(r.partner)).collect::<Vec<_>>()),
        Column::new(s("instrument"), l.allocations.iter().map(|r| r.instrument.as_str()).collect::<Vec<_>>()),
        Column::new(s("kind"), l.allocations.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>()),
        Column::new(s("day"), l.allocations.iter().map(|r| day(r.date)).collect::<Vec<_>>()),
        Column::new(s("amount"), l.allocations.iter().map(|r| r.amount).collect::<Vec<_>>()),
    ])?
    .filter(col("day").lt_eq(lit(d)));
    let alloc_aggs = vec![
        col("amount").sum().alias("envelope"),
        sum_if("amount", col("instrument").eq(lit("grant")), "envelope_grant"),
        sum_if("amount", col("instrument").eq(lit("loan")), "envelope_loan"),
        sum_if("amount", col("kind").neq(lit("initial")), "envelope_changes"),
    ];
    let (alloc_p, alloc_t) = per_partner_and_total(alloc, &["partner"], alloc_aggs)?;

    // Commitments.
    let commit = frame(vec![
        Column::new(s("partner"), l.commitments.iter().map(|r| l.partner_code(r.partner)).collect::<Vec<_>>()),
        Column::new(s("instrument"), l.commitments.iter().map(|r| r.instrument.as_str()).collect::<Vec<_>>()),
        Column::new(
            s("channel"),
            l.commitments.iter().map(|r| r.channel.map_or("any", |c| c.as_str())).collect::<Vec<_>>(),
        ),
        Column::new(s("day"), l.commitments.iter().map(|r| day(r.date)).collect::<Vec<_>>()),
        Column::new(s("amount"), l.commitments.iter().map(|r| r.amount).collect::<Vec<_>>()),
    ])?
    .filter(col("day").lt_eq(lit(d)));
    let commit_aggs = vec![
        col("amount").sum().alias("committed"),
        sum_if("amount", col("instrument").eq(lit("grant")), "committed_grant"),
        sum_if("amount", col("instrument").eq(lit("loan")), "committed_loan"),
        sum_if("amount", col("channel").eq(lit("budget")), "committed_budget"),
        sum_if("amount", col("channel").eq(lit("wbif")), "committed_wbif"),
        sum_if("amount", col("channel").eq(lit("any")), "committed_any_channel"),
    ];
    let (commit_p, commit_t) = per_partner_and_total(commit, &["partner"], commit_aggs)?;

    Ok(((alloc_p, alloc_t), (commit_p, commit_t)))
}

/// The payments as of `as_of`, per partner and in total, and the timeline.
fn payment_tables(l: &Ledger, pay: LazyFrame, as_of: Date) -> Result<(Tables, Vec<TimelinePoint>), ComputeError> {
    let d = day(as_of);
    let pay_aggs = vec![
        col("amount").sum().alias("paid"),
        sum_if("amount", col("grant"), "paid_grant"),
        sum_if("amount", col("grant").not(), "paid_loan"),
        sum_if("amount", col("budget"), "paid_budget"),
        sum_if("amount", col("budget").not(), "paid_wbif"),
        sum_if("amount", col("prefinancing"), "paid_prefinancing"),
        sum_if("amount", col("prefinancing").not(), "paid_regular"),
    ];
    // One pass over the payments up to the date: their sums per partner, month and kind of money (a few
    // thousand groups at most), which the figures per partner, in total and per month then add up. (Each
    // figure's own pass over ten million rows, with a column of zeros and amounts per conditional sum,
    // took most of the time.)
    let sums = crate::meter::timed("payments per partner and month", || {
        pay.filter(col("day").lt_eq(lit(d))).group_by([col("group")]).agg([col("amount").sum()]).collect()
    })?;
    let keys: Vec<u64> = sums.column("group")?.u64()?.into_no_null_iter().collect();
    let mut columns = group_columns(&keys);
    columns.push(sums.column("amount")?.clone());
    let groups = DataFrame::new_infer_height(columns)?.lazy();
    let (pay_p, pay_t) = per_partner_and_total(groups.clone(), &["partner"], pay_aggs)?;
    let pay_p = with_partner_codes(l, pay_p)?;
    let timeline = timeline(l, as_of, groups)?;
    Ok(((pay_p, pay_t), timeline))
}

/// What [`step_tables`] computes.
struct StepTables {
    /// The pre-financing cleared, per partner and in total.
    clear: Tables,
    /// The steps' figures, per partner and in total.
    steps: Tables,
    /// Per partner and area (empty for the facility's figures alone).
    areas: DataFrame,
    /// Every step's state, sorted by partner and id (empty for the facility's figures alone).
    states: Vec<StepState>,
}

/// The steps as of `as_of`: what was paid for each, what it is found worth, its stage; and the
/// pre-financing the regular releases cleared.
fn step_tables(l: &Ledger, replay: &Replay, as_of: Date) -> Result<StepTables, ComputeError> {
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
    let (step_p, step_t) = per_partner_and_total(state.clone(), &["partner"], step_aggs.clone())?;

    let (area_df, _) = per_partner_and_total(state, &["partner", "area"], step_aggs)?;

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
    // On every core, each state written in its place (the rows are found first); the texts are the
    // ledger's, copied without an allocation when short.
    use rayon::prelude::*;
    let rows: Vec<(usize, &Step)> = (0..step_rows.height())
        .filter_map(|row| Some((row, pos.get(row).and_then(|i| l.steps.get(i as usize))?)))
        .collect();
    let step_states: Vec<StepState> = rows
        .into_par_iter()
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
        .collect();

    Ok(StepTables { clear: (clear_p, clear_t), steps: (step_p, step_t), areas: area_df, states: step_states })
}

fn stage_word(s: &str) -> &'static str {
    STAGES.into_iter().find(|w| *w == s).unwrap_or("unknown")
}

fn assessment_word(s: &str) -> &'static str {
    StepStatus::WORDS.iter().copied().find(|w| *w == s).unwrap_or("none")
}

/// A grouped frame's partner numbers (see [`payments_frame`]) as the codes, its rows sorted by them as
/// every per-partner frame is.
fn with_partner_codes(l: &Ledger, mut df: DataFrame) -> PolarsResult<DataFrame> {
    let numbers = df.column("partner")?.u32()?;
    let codes: Vec<&str> =
        (0..numbers.len()).map(|i| numbers.get(i).map_or("", |n| l.partner_code(PartnerId(n)))).collect();
    df.replace("partner", Column::new(s("partner"), codes))?;
    df.sort(["partner"], SortMultipleOptions::default())
}

/// The payments' frame: one row per payment, its day number, its amount, and its group: the partner (as
/// the code's number: payments keep it so; [`with_partner_codes`] turns numbers into codes), the month
/// and the kind of money in one integer ([`group_key`]), so that summing ten million rows per group hashes
/// one number (five keys took four times as long); the same for every date (a date filters it).
fn payments_frame(l: &Ledger) -> PolarsResult<DataFrame> {
    use rayon::prelude::*;
    // Part by part on every core (the loader typed the payments in parts), each part a chunk of the frame.
    let parts: Vec<&[Payment]> = l.payments.parts().map(|(_, rows)| rows).collect();
    let chunks = parts.into_par_iter().map(payments_chunk).collect::<PolarsResult<Vec<DataFrame>>>()?;
    let mut chunks = chunks.into_iter();
    let mut frame = match chunks.next() {
        Some(first) => first,
        None => payments_chunk(&[])?,
    };
    for chunk in chunks {
        frame.vstack_mut_owned(chunk)?;
    }
    Ok(frame)
}

/// The payments' frame of some payments: one row each, in their order. One pass over the rows fills every
/// column.
fn payments_chunk(rows: &[Payment]) -> PolarsResult<DataFrame> {
    let n = rows.len();
    let (mut group, mut days, mut amount) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for r in rows {
        group.push(group_key(r));
        days.push(day(r.date));
        amount.push(r.amount);
    }
    DataFrame::new_infer_height(vec![
        Column::new(s("group"), group),
        Column::new(s("day"), days),
        Column::new(s("amount"), amount),
    ])
}

/// A payment's group as one number: the partner's number (32 bits), the month (17: a date's year has four
/// digits, so its month number is below 120,000) and three flags (pre-financing, budget, grant), from the
/// high bits down. [`group_columns`] reads it back.
fn group_key(r: &Payment) -> u64 {
    let month = month_number(r.date) as u32;
    debug_assert!(month < MONTH_LIMIT, "month number {month}");
    let flags = u64::from(r.kind == PaymentKind::PreFinancing)
        | u64::from(r.channel == Channel::Budget) << 1
        | u64::from(r.instrument == Instrument::Grant) << 2;
    u64::from(r.partner.0) << 20 | u64::from(month) << 3 | flags
}

/// Month numbers of dates with four-digit years are below this (2^17).
const MONTH_LIMIT: u32 = 1 << 17;

/// The columns a frame of [`group_key`]s stands for: partner (number), month, and the three flags.
fn group_columns(keys: &[u64]) -> Vec<Column> {
    let flag = |bit: u32| keys.iter().map(|k| k >> bit & 1 == 1).collect::<Vec<bool>>();
    vec![
        Column::new(s("partner"), keys.iter().map(|k| (k >> 20) as u32).collect::<Vec<_>>()),
        Column::new(
            s("month"),
            keys.iter().map(|k| (k >> 3) as u32 % MONTH_LIMIT).map(|m| m as i32).collect::<Vec<_>>(),
        ),
        Column::new(s("prefinancing"), flag(0)),
        Column::new(s("budget"), flag(1)),
        Column::new(s("grant"), flag(2)),
    ]
}

/// `YYYY-MM` key as a month number.
fn month_number(d: Date) -> i32 {
    d.year() * 12 + d.month0() as i32
}

fn month_label(n: i32) -> String {
    format!("{:04}-{:02}", n.div_euclid(12), n.rem_euclid(12) + 1)
}

/// Cumulative paid (by payment month) and planned (step amounts by due month) per partner, for every
/// month from the facility's start to the as-of month; `paid` holds the payments up to the date, summed
/// per partner and month (and kind of money).
fn timeline(l: &Ledger, as_of: Date, paid: LazyFrame) -> Result<Vec<TimelinePoint>, ComputeError> {
    let paid = paid.group_by([col("partner"), col("month")]).agg([col("amount").sum()]).collect()?;
    let paid = with_partner_codes(l, paid)?;

    let planned = frame(vec![
        Column::new(s("partner"), l.steps.iter().map(|r| l.partner_code(r.partner)).collect::<Vec<_>>()),
        Column::new(s("month"), l.steps.iter().map(|r| month_number(r.due)).collect::<Vec<_>>()),
        Column::new(s("amount"), l.steps.iter().map(|r| r.amount).collect::<Vec<_>>()),
    ])?
    .group_by([col("partner"), col("month")])
    .agg([col("amount").sum()])
    .collect()?;

    let to_map = |df: &DataFrame| -> PolarsResult<BTreeMap<(String, i32), i64>> {
        let mut m = BTreeMap::new();
        for row in 0..df.height() {
            let month = df.column("month")?.i32()?.get(row).unwrap_or(0);
            m.insert((get_str(df, "partner", row)?, month), get_i64(df, "amount", row)?);
        }
        Ok(m)
    };
    let paid = to_map(&paid)?;
    let planned = to_map(&planned)?;
    let first = month_number(l.facility.start);
    let last = month_number(as_of).max(first);
    let mut codes: Vec<&str> = l.partners.iter().map(|p| p.code.as_str()).collect();
    codes.sort();
    let mut out = Vec::new();
    for code in codes {
        let (mut p, mut q) = (0i64, 0i64);
        // Planned money due before the first month counts from the start.
        q += planned.iter().filter(|((c, m), _)| c == code && *m < first).map(|(_, v)| v).sum::<i64>();
        p += paid.iter().filter(|((c, m), _)| c == code && *m < first).map(|(_, v)| v).sum::<i64>();
        for m in first..=last {
            p += paid.get(&(code.to_string(), m)).copied().unwrap_or(0);
            q += planned.get(&(code.to_string(), m)).copied().unwrap_or(0);
            out.push(TimelinePoint {
                partner: code.to_string(),
                month: month_label(m),
                paid_cumulative: p,
                planned_cumulative: q,
            });
        }
    }
    Ok(out)
}

/// Steps falling due, and grace periods ending, within the next six months.
fn deadlines(steps: &[StepState], as_of: Date) -> Vec<Deadline> {
    let horizon = date::add_months(as_of, LOOKAHEAD_MONTHS);
    let mut out = Vec::new();
    for st in steps {
        let open = st.stage != "fulfilled";
        if open && st.due > as_of && st.due <= horizon {
            out.push(Deadline {
                date: st.due,
                partner: st.partner.to_string(),
                step: st.id.to_string(),
                kind: "due",
                amount: st.amount,
            });
        }
        let unmet = st.value_withheld;
        if open && st.due <= as_of && st.grace_end > as_of && st.grace_end <= horizon && unmet > 0 {
            out.push(Deadline {
                date: st.grace_end,
                partner: st.partner.to_string(),
                step: st.id.to_string(),
                kind: "grace_ends",
                amount: unmet,
            });
        }
    }
    out.sort_by(|a, b| (a.date, &a.partner, &a.step, a.kind).cmp(&(b.date, &b.partner, &b.step, b.kind)));
    out
}

/// What changed after `from` up to and including `to`: releases paid, steps found fulfilled, steps that
/// fell due unmet, grace periods that ended unmet, and envelope changes. Sorted by date, partner, kind
/// and reference.
/// `now` is the progress as of `to` (computed once by the caller, who needs it anyway).
pub fn changes(l: &Ledger, replay: &Replay, now: &Progress, from: Date) -> Result<Vec<Change>, ComputeError> {
    let to = now.as_of;
    let within = |d: Date| d > from && d <= to;
    let mut out = Vec::new();
    let ids = &replay.index;
    for r in replay.releases.iter().filter(|r| within(r.date)) {
        let net = i64::try_from(r.net).map_err(|_| ComputeError::Overflow)?;
        out.push(Change {
            date: r.date,
            partner: r.partner(l).to_string(),
            what: r.kind.as_str(),
            reference: r.id.to_string(),
            amount: net,
        });
    }
    for (i, e) in l.step_events.iter().enumerate().filter(|(_, e)| within(e.date)) {
        let Some(step) = ids.step_of_event(i).map(|i| &l.steps[i]) else { continue };
        let amount = match e.status {
            StepStatus::Fulfilled | StepStatus::PartiallyFulfilled => crate::replay::worth(step, e).unwrap_or(0),
            _ => continue,
        };
        out.push(Change {
            date: e.date,
            partner: l.partner_code(step.partner).to_string(),
            what: e.status.as_str(),
            reference: l.step_id(e.step).to_string(),
            amount,
        });
    }
    for st in &now.steps {
        if st.stage == "fulfilled" {
            continue;
        }
        if within(st.due) {
            out.push(Change {
                date: st.due,
                partner: st.partner.to_string(),
                what: "overdue",
                reference: st.id.to_string(),
                amount: st.value_withheld + st.value_expired,
            });
        }
        // The grace period includes `grace_end`: the money expires the day after.
        let expires = st.grace_end.succ_opt().unwrap_or(st.grace_end);
        if within(expires) && st.value_expired > 0 {
            out.push(Change {
                date: expires,
                partner: st.partner.to_string(),
                what: "expired",
                reference: st.id.to_string(),
                amount: st.value_expired,
            });
        }
    }
    for p in &l.partners {
        for (what, d) in [
            ("agenda_approved", p.agenda_approved),
            ("facility_agreement_in_force", p.facility_agreement_in_force),
            ("loan_agreement_in_force", p.loan_agreement_in_force),
        ] {
            if let Some(d) = d.filter(|d| within(*d)) {
                out.push(Change { date: d, partner: p.code.to_string(), what, reference: String::new(), amount: 0 });
            }
        }
    }
    for a in l.allocations.iter().filter(|a| within(a.date)) {
        let what = match a.kind {
            crate::ledger::model::AllocationKind::Initial => "allocation_initial",
            crate::ledger::model::AllocationKind::Cut => "allocation_cut",
            crate::ledger::model::AllocationKind::Redistribution => "allocation_redistribution",
        };
        out.push(Change {
            date: a.date,
            partner: l.partner_code(a.partner).to_string(),
            what,
            reference: a.instrument.as_str().to_string(),
            amount: a.amount,
        });
    }
    out.sort_by(|a, b| (a.date, &a.partner, a.what, &a.reference).cmp(&(b.date, &b.partner, b.what, &b.reference)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A payment's group key reads back as its partner number, month and flags, for every partner
        /// number and every date with a four-digit year.
        #[test]
        fn a_group_key_reads_back_as_what_made_it(
            partner in any::<u32>(),
            day in 0i64..3_652_000,
            prefinancing in any::<bool>(),
            budget in any::<bool>(),
            grant in any::<bool>(),
        ) {
            let date = Date::from_ymd_opt(0, 1, 1).unwrap() + chrono::Days::new(day as u64);
            prop_assume!(date.year() <= 9999);
            let p = Payment {
                partner: PartnerId(partner),
                kind: if prefinancing { PaymentKind::PreFinancing } else { PaymentKind::Regular },
                channel: if budget { Channel::Budget } else { Channel::Wbif },
                instrument: if grant { Instrument::Grant } else { Instrument::Loan },
                amount: 1,
                ..Payment::sample("R1", date)
            };
            let columns = group_columns(&[group_key(&p)]);
            prop_assert_eq!(columns[0].u32().unwrap().get(0), Some(partner));
            prop_assert_eq!(columns[1].i32().unwrap().get(0), Some(month_number(date)));
            let flags: Vec<Option<bool>> = columns[2..].iter().map(|c| c.bool().unwrap().get(0)).collect();
            prop_assert_eq!(flags, vec![Some(prefinancing), Some(budget), Some(grant)]);
        }
    }
}
