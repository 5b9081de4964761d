//! The envelopes (allocations) and the commitments as of a date, per partner and in total.

use polars::prelude::*;

use super::frames::{day, frame, per_partner_and_total, s, sum_if, Tables};
use super::ComputeError;
use crate::date::Date;
use crate::ledger::model::Ledger;

/// The envelopes (allocations) and the commitments as of `as_of`: per partner and in total.
pub(super) fn envelope_tables(l: &Ledger, as_of: Date) -> Result<(Tables, Tables), ComputeError> {
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
