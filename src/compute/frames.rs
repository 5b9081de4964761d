//! What every table of the pipeline shares: a lazy frame from columns, conditional sums and counts,
//! grouping per partner and in total, reading cells back, partner ids back to codes, day and month numbers.

use chrono::Datelike;
use polars::prelude::*;

use crate::date::Date;
use crate::ledger::model::{Ledger, PartnerId};

/// A grouped frame and its total.
pub(super) type Tables = (DataFrame, DataFrame);

pub(super) fn day(d: Date) -> i32 {
    (d - Date::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

pub(super) fn frame(columns: Vec<Column>) -> PolarsResult<LazyFrame> {
    Ok(DataFrame::new_infer_height(columns)?.lazy())
}

pub(super) fn s(name: &str) -> PlSmallStr {
    name.into()
}

/// `sum(value)` over the rows where `cond` holds.
pub(super) fn sum_if(value: &str, cond: Expr, name: &str) -> Expr {
    when(cond).then(col(value)).otherwise(lit(0i64)).cast(DataType::Int64).sum().cast(DataType::Int64).alias(name)
}

pub(super) fn count_if(cond: Expr, name: &str) -> Expr {
    when(cond).then(lit(1i64)).otherwise(lit(0i64)).cast(DataType::Int64).sum().cast(DataType::Int64).alias(name)
}

/// Aggregates `aggs` per partner (`by`) and, separately, for all rows together (the facility), so that
/// the facility row is computed on its own, not as the sum of the partner rows.
pub(super) fn per_partner_and_total(
    lf: LazyFrame,
    by: &[&str],
    aggs: Vec<Expr>,
) -> PolarsResult<(DataFrame, DataFrame)> {
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
pub(super) fn get_i64(df: &DataFrame, name: &str, row: usize) -> PolarsResult<i64> {
    Ok(df.column(name)?.i64()?.get(row).unwrap_or(0))
}

pub(super) fn get_str(df: &DataFrame, name: &str, row: usize) -> PolarsResult<String> {
    Ok(df.column(name)?.str()?.get(row).unwrap_or("").to_string())
}

/// A grouped frame's partner numbers (see [`payments_frame`]) as the codes, its rows sorted by them as
/// every per-partner frame is.
pub(super) fn with_partner_codes(l: &Ledger, mut df: DataFrame) -> PolarsResult<DataFrame> {
    let numbers = df.column("partner")?.u32()?;
    let codes: Vec<&str> =
        (0..numbers.len()).map(|i| numbers.get(i).map_or("", |n| l.partner_code(PartnerId(n)))).collect();
    df.replace("partner", Column::new(s("partner"), codes))?;
    df.sort(["partner"], SortMultipleOptions::default())
}

/// `YYYY-MM` key as a month number.
pub(super) fn month_number(d: Date) -> i32 {
    d.year() * 12 + d.month0() as i32
}
