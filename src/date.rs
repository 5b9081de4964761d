//! Dates: the one place that reads and writes calendar dates. ISO `2025-06-21` is canonical;
//! `21.06.2025` and `21/06/2025` are accepted because spreadsheets in European locales write them;
//! a file that writes month first (`06/21/2025`) is refused, never guessed.

pub use chrono::NaiveDate as Date;
use chrono::{Datelike, Months};

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    Invalid {
        reason: String,
    },
    /// The text uses slashes with the month first (`06/21/2025`): refused.
    MonthFirst,
}

/// What a slash date says about the file's order: `Some(true)` when it can only be month first
/// (`06/21/2025`), `Some(false)` when it can only be day first (`21/06/2025`).
pub fn slash_month_first(text: &str) -> Option<bool> {
    let parts: Vec<&str> = text.trim().split('/').collect();
    if parts.len() != 3 {
        return None;
    }
    let a: u32 = parts[0].parse().ok()?;
    let b: u32 = parts[1].parse().ok()?;
    match (a > 12, b > 12) {
        (false, true) => Some(true),
        (true, false) => Some(false),
        _ => None,
    }
}

/// Parses a date. `month_first_file` is true when another cell of the same file shows that its slash
/// dates are month first; then every slash date of the file is refused.
pub fn parse_date(text: &str, month_first_file: bool) -> Result<Date, DateError> {
    match iso_date(text.as_bytes()) {
        Some(d) => Ok(d),
        None => parse_written(text, month_first_file),
    }
}

/// [`parse_date`] the long way: every accepted form, and the reason for a refusal.
fn parse_written(text: &str, month_first_file: bool) -> Result<Date, DateError> {
    let t = text.trim();
    let bad = |reason: String| DateError::Invalid { reason };
    let (y, m, d) = if let Some(parts) = split3(t, '-') {
        if parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
            return Err(bad(format!("`{t}` is not of the form YYYY-MM-DD")));
        }
        (parts[0], parts[1], parts[2])
    } else if let Some(parts) = split3(t, '.').or_else(|| split3(t, '/')) {
        if t.contains('/') && (month_first_file || slash_month_first(t) == Some(true)) {
            return Err(DateError::MonthFirst);
        }
        if parts[2].len() != 4 {
            return Err(bad(format!("`{t}` needs a four-digit year")));
        }
        if !(1..=2).contains(&parts[0].len()) || !(1..=2).contains(&parts[1].len()) {
            return Err(bad(format!("`{t}` is not of the form DD.MM.YYYY")));
        }
        (parts[2], parts[1], parts[0])
    } else {
        return Err(bad(format!("`{t}` is not a date such as 2025-06-21")));
    };
    let num = |s: &str| -> Result<u32, DateError> {
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
            Err(bad(format!("`{t}` has `{s}` where digits belong")))
        } else {
            s.parse::<u32>().map_err(|_| bad(format!("`{t}` is not a date")))
        }
    };
    let (y, m, d) = (num(y)? as i32, num(m)?, num(d)?);
    Date::from_ymd_opt(y, m, d).ok_or_else(|| bad(format!("`{t}` is not a day of the calendar")))
}

/// The common case, read without splitting: exactly `YYYY-MM-DD`, a day of the calendar. Anything else
/// is `None`, for [`parse_date`] to read or explain; where this reads a date, so does the long way.
fn iso_date(b: &[u8]) -> Option<Date> {
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Date::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)
}

fn split3(t: &str, sep: char) -> Option<[&str; 3]> {
    let mut it = t.split(sep);
    let parts = [it.next()?, it.next()?, it.next()?];
    if it.next().is_some() {
        return None;
    }
    Some(parts)
}

/// Canonical ISO text.
pub fn format(d: Date) -> String {
    // Digit by digit, not through the formatting machinery: the site at 10^6 rows writes a date on each of
    // three million rows, and `format!` took 4% of its time (the 10^6 site target, BENCHMARKS.md). Years
    // beyond four digits keep chrono's form.
    if (0..=9999).contains(&d.year()) {
        let (y, m, day) = (d.year() as u32, d.month(), d.day());
        let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
        [
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            '-',
            digit(m / 10),
            digit(m),
            '-',
            digit(day / 10),
            digit(day),
        ]
        .into_iter()
        .collect()
    } else {
        d.format("%Y-%m-%d").to_string()
    }
}

/// `d` plus `months` calendar months (clamped to the month's last day, as `2024-08-31 + 1` = `2024-09-30`).
pub fn add_months(d: Date, months: u32) -> Date {
    d.checked_add_months(Months::new(months)).unwrap_or(Date::MAX)
}

/// The last day of the month of `d`.
pub fn month_end(d: Date) -> Date {
    let first_next = if d.month() == 12 {
        Date::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        Date::from_ymd_opt(d.year(), d.month() + 1, 1)
    };
    first_next.and_then(|f| f.pred_opt()).unwrap_or(Date::MAX)
}

/// The last day of a `YYYY-MM` month (`report --month`), or why it is not one. Here rather than in
/// `report` because `config` checks `--month` in the light build too, which has no `report`.
pub fn parse_month(month: &str) -> Result<Date, String> {
    let (y, mo) = month.split_once('-').ok_or_else(|| format!("`{month}` is not a month such as 2026-02"))?;
    let y: i32 = y.parse().map_err(|_| format!("`{month}` is not a month such as 2026-02"))?;
    let mo: u32 = mo.parse().map_err(|_| format!("`{month}` is not a month such as 2026-02"))?;
    if month.len() != 7 {
        return Err(format!("`{month}` is not a month such as 2026-02"));
    }
    Date::from_ymd_opt(y, mo, 1).map(month_end).ok_or_else(|| format!("`{month}` is not a month such as 2026-02"))
}

/// The last day of the month before the month of `d`.
pub fn previous_month_end(d: Date) -> Date {
    d.with_day(1).and_then(|first| first.pred_opt()).unwrap_or(Date::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Date {
        Date::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn reads_iso_and_european_forms() {
        assert_eq!(parse_date("2025-06-21", false), Ok(ymd(2025, 6, 21)));
        assert_eq!(parse_date(" 21.06.2025 ", false), Ok(ymd(2025, 6, 21)));
        assert_eq!(parse_date("21/06/2025", false), Ok(ymd(2025, 6, 21)));
        assert_eq!(parse_date("1.6.2025", false), Ok(ymd(2025, 6, 1)));
    }

    #[test]
    fn refuses_month_first_and_junk() {
        assert_eq!(parse_date("06/21/2025", false), Err(DateError::MonthFirst));
        assert_eq!(parse_date("05/06/2025", true), Err(DateError::MonthFirst));
        for t in ["2025-6-21", "2025-02-30", "21.06.25", "June 2025", "", "2025-06-21T00:00", "45000"] {
            assert!(matches!(parse_date(t, false), Err(DateError::Invalid { .. })), "{t}");
        }
    }

    proptest::proptest! {
        /// Where the quick reading of `YYYY-MM-DD` finds a date, the long way finds the same one; and it
        /// finds every day written so.
        #[test]
        fn the_quick_iso_reading_agrees_with_the_long_way(t in "[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9 .+-]{8,11}", days in 0i64..400_000) {
            if let Some(d) = iso_date(t.as_bytes()) {
                proptest::prop_assert_eq!(parse_written(&t, false), Ok(d));
            }
            let day = ymd(1, 1, 1) + chrono::Days::new(days as u64);
            proptest::prop_assert_eq!(iso_date(format(day).as_bytes()), Some(day));
        }

        /// A date is written as chrono writes it, beyond four-digit years too.
        #[test]
        fn dates_are_written_as_chrono_writes_them(days in -1_000_000i64..4_000_000) {
            let day = ymd(1, 1, 1).checked_add_signed(chrono::TimeDelta::days(days)).unwrap();
            proptest::prop_assert_eq!(format(day), day.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn slash_evidence() {
        assert_eq!(slash_month_first("06/21/2025"), Some(true));
        assert_eq!(slash_month_first("21/06/2025"), Some(false));
        assert_eq!(slash_month_first("05/06/2025"), None);
    }

    #[test]
    fn month_arithmetic() {
        assert_eq!(add_months(ymd(2024, 12, 31), 24), ymd(2026, 12, 31));
        assert_eq!(add_months(ymd(2025, 8, 31), 1), ymd(2025, 9, 30));
        assert_eq!(month_end(ymd(2024, 2, 3)), ymd(2024, 2, 29));
        assert_eq!(month_end(ymd(2025, 12, 3)), ymd(2025, 12, 31));
        assert_eq!(previous_month_end(ymd(2026, 3, 31)), ymd(2026, 2, 28));
        assert_eq!(previous_month_end(ymd(2026, 1, 1)), ymd(2025, 12, 31));
        assert_eq!(parse_month("2026-02").unwrap(), ymd(2026, 2, 28));
        assert!(parse_month("2026-13").is_err());
        assert!(parse_month("26-02").is_err());
        assert!(parse_month("2026-2").is_err());
    }
}
