//! The ledgers' figure for a control-total measure (allocated, committed, paid, ...), straight from the
//! typed rows. Sums are `i128`, so no ledger can overflow them.

use crate::date::Date;
use crate::ledger::model::*;

/// How the ledgers' figure stands against a control total: the one statement of what `itemised` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the tolerance.
    Matches,
    /// A `partial` total the ledgers fall short of by more than the tolerance: reported, not failed.
    KnownGap,
    /// A `full` total missed, or a `partial` one exceeded, beyond the tolerance (C019).
    Fails,
}

/// The verdict on control total `c` when the ledgers' figure for it is `value`.
pub fn verdict(c: &ControlTotal, value: i128) -> Verdict {
    let diff = value - c.amount as i128;
    let tolerance = c.tolerance as i128;
    match c.itemised {
        _ if diff.abs() <= tolerance => Verdict::Matches,
        Itemised::Partial if diff < 0 => Verdict::KnownGap,
        _ => Verdict::Fails,
    }
}

/// A value and the rows that make it up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figure {
    pub value: i128,
    pub rows: Vec<Loc>,
}

/// The ledgers' figure for a control-total measure, for one partner (or all), as of the end of `date`.
pub fn measure(l: &Ledger, partner: Option<&str>, measure: Measure, date: Date) -> Figure {
    let mut f = Figure::default();
    each_row(l, partner, measure, date, |amount, at| {
        f.value += amount as i128;
        f.rows.push(at);
    });
    f
}

/// [`measure`]'s value alone: no list of rows (at ten million payment rows that list alone is 240 MB).
pub fn measure_value(l: &Ledger, partner: Option<&str>, measure: Measure, date: Date) -> i128 {
    let mut value = 0i128;
    each_row(l, partner, measure, date, |amount, _| value += amount as i128);
    value
}

/// Calls `add` with the amount and place of every row that makes up the measure, in file order.
fn each_row(l: &Ledger, partner: Option<&str>, measure: Measure, date: Date, mut add: impl FnMut(i64, Loc)) {
    let for_partner = |p: &str| partner.is_none_or(|x| x == p);
    match measure {
        Measure::Allocated | Measure::AllocatedGrant | Measure::AllocatedLoan => {
            let want = match measure {
                Measure::AllocatedGrant => Some(Instrument::Grant),
                Measure::AllocatedLoan => Some(Instrument::Loan),
                _ => None,
            };
            for a in &l.allocations {
                if a.date <= date && for_partner(l.partner_code(a.partner)) && want.is_none_or(|i| i == a.instrument) {
                    add(a.amount, a.at);
                }
            }
        }
        Measure::Committed => {
            for c in &l.commitments {
                if c.date <= date && for_partner(l.partner_code(c.partner)) {
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
                if p.date <= date && for_partner(l.partner_code(p.partner)) && keep(p) {
                    add(p.amount, p.at);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value without the rows is the value with them, for every measure, partner and date of the
    /// shipped data.
    #[test]
    fn a_measure_sums_the_rows_it_lists() {
        use crate::ledger::load::{load_bytes, read_folder};
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let l = load_bytes(read_folder(&root.join("data")), Default::default()).ledger.expect("the shipped data");
        let partners: Vec<Option<&str>> =
            std::iter::once(None).chain(l.partners.iter().map(|p| Some(p.code.as_str()))).collect();
        let dates = [Date::from_ymd_opt(2024, 12, 31).unwrap(), Date::from_ymd_opt(2025, 10, 31).unwrap(), Date::MAX];
        let mut rows = 0;
        for &m in
            Measure::WORDS.iter().map(|w| Measure::from_word(w).expect("a word of its own")).collect::<Vec<_>>().iter()
        {
            for &p in &partners {
                for d in dates {
                    let f = measure(&l, p, m, d);
                    assert_eq!(measure_value(&l, p, m, d), f.value, "{} of {p:?} on {d}", m.as_str());
                    rows += f.rows.len();
                }
            }
        }
        assert!(rows > 0, "the shipped data makes up some figure");
    }
}
