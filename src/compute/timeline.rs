//! The timeline (cumulative paid and planned money per partner and month) and the deadlines ahead.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::frames::{frame, get_i64, get_str, month_number, s, with_partner_codes};
use super::ComputeError;
use crate::date::{self, Date};
use crate::ledger::model::Ledger;
use crate::progress::{Deadline, StepState, TimelinePoint};

/// How far ahead "next deadlines" look.
const LOOKAHEAD_MONTHS: u32 = 6;

/// Cumulative paid (by payment month) and planned (step amounts by due month) per partner, for every
/// month from the facility's start to the as-of month; `paid` holds the payments up to the date summed
/// per partner and month (`amount`).
pub(super) fn timeline(l: &Ledger, as_of: Date, paid: LazyFrame) -> Result<Vec<TimelinePoint>, ComputeError> {
    let paid = with_partner_codes(l, paid.collect()?)?;

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
pub(super) fn deadlines(steps: &[StepState], as_of: Date) -> Vec<Deadline> {
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

fn month_label(n: i32) -> String {
    format!("{:04}-{:02}", n.div_euclid(12), n.rem_euclid(12) + 1)
}
