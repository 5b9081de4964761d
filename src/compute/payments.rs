//! The payments as of a date: one frame of every payment, summed per partner and month (all, grants,
//! budget channel, pre-financing), and from those sums the figures per partner and in total.

use polars::prelude::*;

use super::frames::{day, month_number, per_partner_and_total, s, with_partner_codes, Tables};
use super::timeline::timeline;
use super::ComputeError;
use crate::date::Date;
use crate::ledger::model::{Channel, Instrument, Ledger, PaymentKind};
use crate::progress::TimelinePoint;

/// The payments as of `as_of`, per partner and in total, and the timeline.
pub(super) fn payment_tables(l: &Ledger, as_of: Date) -> Result<(Tables, Vec<TimelinePoint>), ComputeError> {
    let pay = crate::meter::timed("payments' frame", || payments_frame(l))?;
    // The payments up to the date summed per partner and month (a few thousand groups at most): all of
    // them, and those of grants, of the budget channel and of pre-financing; the other side of each is
    // the difference. The figures per partner, in total and the timeline add up these sums, not the rows.
    let sum_of = |flag: &str, name: &str| col("amount").filter(col(flag)).sum().alias(name);
    let sums = [
        col("amount").sum().alias("paid"),
        sum_of("grant", "paid_grant"),
        sum_of("budget", "paid_budget"),
        sum_of("prefinancing", "paid_prefinancing"),
    ];
    let months = crate::meter::timed("payments per partner and month", || {
        pay.lazy()
            .filter(col("day").lt_eq(lit(day(as_of))))
            .group_by([col("partner"), col("month")])
            .agg(sums)
            .collect()
    })?
    .lazy()
    .with_columns([
        (col("paid") - col("paid_grant")).alias("paid_loan"),
        (col("paid") - col("paid_budget")).alias("paid_wbif"),
        (col("paid") - col("paid_prefinancing")).alias("paid_regular"),
    ]);
    let figures = ["paid", "paid_grant", "paid_loan", "paid_budget", "paid_wbif", "paid_prefinancing", "paid_regular"];
    let (pay_p, pay_t) = per_partner_and_total(months.clone(), &["partner"], figures.map(|f| col(f).sum()).to_vec())?;
    let pay_p = with_partner_codes(l, pay_p)?;
    let timeline = timeline(l, as_of, months.select([col("partner"), col("month"), col("paid").alias("amount")]))?;
    Ok(((pay_p, pay_t), timeline))
}

/// The payments' frame: one row per payment with its partner (the ledger's number for the code, turned
/// back into the code after grouping by [`with_partner_codes`]), month, kind of money, day and amount.
fn payments_frame(l: &Ledger) -> PolarsResult<DataFrame> {
    let n = l.payments.len();
    let mut partner = Vec::with_capacity(n);
    let mut month = Vec::with_capacity(n);
    let mut prefinancing = Vec::with_capacity(n);
    let mut budget = Vec::with_capacity(n);
    let mut grant = Vec::with_capacity(n);
    let mut days = Vec::with_capacity(n);
    let mut amount = Vec::with_capacity(n);
    for r in l.payments.iter() {
        partner.push(r.partner.0);
        month.push(month_number(r.date));
        prefinancing.push(r.kind == PaymentKind::PreFinancing);
        budget.push(r.channel == Channel::Budget);
        grant.push(r.instrument == Instrument::Grant);
        days.push(day(r.date));
        amount.push(r.amount);
    }
    DataFrame::new_infer_height(vec![
        Column::new(s("partner"), partner),
        Column::new(s("month"), month),
        Column::new(s("prefinancing"), prefinancing),
        Column::new(s("budget"), budget),
        Column::new(s("grant"), grant),
        Column::new(s("day"), days),
        Column::new(s("amount"), amount),
    ])
}
