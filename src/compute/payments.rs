//! The payments as of a date: one frame of every payment, summed per partner, month and kind of money,
//! and from those sums the figures per partner and in total.

use polars::prelude::*;

use super::frames::{day, month_number, per_partner_and_total, s, sum_if, with_partner_codes, Tables};
use super::timeline::timeline;
use super::ComputeError;
use crate::date::Date;
use crate::ledger::model::{Channel, Instrument, Ledger, Payment, PaymentKind};
use crate::progress::TimelinePoint;

/// The payments as of `as_of`, per partner and in total, and the timeline.
pub(super) fn payment_tables(
    l: &Ledger,
    pay: LazyFrame,
    as_of: Date,
) -> Result<(Tables, Vec<TimelinePoint>), ComputeError> {
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

/// The payments' frame: one row per payment, its day number, its amount, and its group: the partner (as
/// the code's number: payments keep it so; [`with_partner_codes`] turns numbers into codes), the month
/// and the kind of money in one integer ([`group_key`]), so that summing ten million rows per group hashes
/// one number (five keys took four times as long); the same for every date (a date filters it).
pub(super) fn payments_frame(l: &Ledger) -> PolarsResult<DataFrame> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::model::PartnerId;
    use chrono::Datelike;
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
