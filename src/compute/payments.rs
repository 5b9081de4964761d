//! The payments as of a date: a frame of the payments up to it with a column per kind of money, summed
//! per partner and month (all, grants, budget channel, pre-financing), and from those sums the figures
//! per partner and in total.

use polars::prelude::*;

use super::frames::{month_number, per_partner_and_total, s, with_partner_codes, Tables};
use super::timeline::timeline;
use super::ComputeError;
use crate::date::Date;
use crate::ledger::model::{Channel, Instrument, Ledger, PaymentKind};
use crate::progress::TimelinePoint;

/// The payments as of `as_of`, per partner and in total, and the timeline.
pub(super) fn payment_tables(l: &Ledger, as_of: Date) -> Result<(Tables, Vec<TimelinePoint>), ComputeError> {
    let pay = crate::meter::timed("payments' frame", || payments_frame(l, as_of))?;
    // The payments summed per partner and month (a few thousand groups at most): all of them, and those
    // of grants, of the budget channel and of pre-financing; the other side of each is the difference. The
    // figures per partner, in total and the timeline add up these sums, not the rows.
    let figures = ["paid", "paid_grant", "paid_budget", "paid_prefinancing"];
    let months = crate::meter::timed("payments per partner and month", || {
        pay.lazy().group_by([col("partner"), col("month")]).agg(figures.map(|f| col(f).sum())).collect()
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

/// The payments' frame: a row per payment made on or before `as_of`, with its partner (the ledger's
/// number for the code, turned back into the code after grouping by [`with_partner_codes`]), month, and
/// amount: in all, and again in a column of each kind of money it is (zero in the others).
fn payments_frame(l: &Ledger, as_of: Date) -> PolarsResult<DataFrame> {
    let n = l.payments.len();
    let mut partner = Vec::with_capacity(n);
    let mut month = Vec::with_capacity(n);
    let mut paid = Vec::with_capacity(n);
    let mut grant = Vec::with_capacity(n);
    let mut budget = Vec::with_capacity(n);
    let mut prefinancing = Vec::with_capacity(n);
    let only = |yes: bool, amount: i64| if yes { amount } else { 0 };
    for r in l.payments.iter().filter(|r| r.date <= as_of) {
        partner.push(r.partner.0);
        month.push(month_number(r.date));
        paid.push(r.amount);
        grant.push(only(r.instrument == Instrument::Grant, r.amount));
        budget.push(only(r.channel == Channel::Budget, r.amount));
        prefinancing.push(only(r.kind == PaymentKind::PreFinancing, r.amount));
    }
    DataFrame::new_infer_height(vec![
        Column::new(s("partner"), partner),
        Column::new(s("month"), month),
        Column::new(s("paid"), paid),
        Column::new(s("paid_grant"), grant),
        Column::new(s("paid_budget"), budget),
        Column::new(s("paid_prefinancing"), prefinancing),
    ])
}
