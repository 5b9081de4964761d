//! Money and rates: amounts are integer euro cents (`i64`); this is the one module that parses and
//! formats them. Nothing here guesses: a number whose reading depends on the locale is refused.

use std::fmt;

/// The largest amount one ledger cell may hold: EUR 1,000,000,000,000.00 (10^14 cents). Far above any
/// facility, far below `i64::MAX`, so that sums of millions of rows fit comfortably in `i128`.
pub const MAX_CELL_CENTS: i64 = 100_000_000_000_000;

/// The character that separates euros from cents in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DecimalMark {
    Point,
    Comma,
}

impl DecimalMark {
    pub fn char(self) -> char {
        match self {
            DecimalMark::Point => '.',
            DecimalMark::Comma => ',',
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DecimalMark::Point => "decimal point",
            DecimalMark::Comma => "decimal comma",
        }
    }
}

/// Why an amount could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// Not a number at all (letters, symbols, exponent, NaN, infinity, full-width digits ...).
    Invalid { reason: String, hint: String },
    /// Could be read two ways depending on the locale (`1.080`, `1,234`).
    Ambiguous { text: String },
    /// More than two decimals.
    TooManyDecimals,
    /// Beyond [`MAX_CELL_CENTS`].
    OutOfRange,
    /// Written with the other decimal mark than the rest of the file.
    WrongMark { file_mark: DecimalMark },
}

/// A parsed amount, with the facts the loader turns into warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    pub cents: i64,
    /// The text was a negative zero (`-0`, `-0,00`): read as zero.
    pub negative_zero: bool,
}

/// Space-like characters accepted as thousands separators: space, no-break space, narrow no-break space,
/// and the apostrophe used in Switzerland.
fn is_space_group(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'')
}

/// What a single cell says about the file's decimal mark, if anything.
/// `1.234,56` and `12,5` say comma; `1,234.56`, `12.5` and `1,234,567` say point; `1.080`, `1234` say nothing.
pub fn mark_evidence(text: &str) -> Option<DecimalMark> {
    let body = text.trim().trim_start_matches(['-', '+']);
    if !body.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',' || is_space_group(c)) {
        return None;
    }
    let points = body.matches('.').count();
    let commas = body.matches(',').count();
    match (points, commas) {
        (0, 0) => None,
        (p, c) if p > 0 && c > 0 => {
            // The later one is the decimal mark.
            let last_point = body.rfind('.')?;
            let last_comma = body.rfind(',')?;
            Some(if last_point > last_comma { DecimalMark::Point } else { DecimalMark::Comma })
        }
        (p, 0) if p > 1 => Some(DecimalMark::Comma),
        (0, c) if c > 1 => Some(DecimalMark::Point),
        (1, 0) => single_separator_evidence(body, '.', DecimalMark::Point),
        (0, 1) => single_separator_evidence(body, ',', DecimalMark::Comma),
        _ => None,
    }
}

fn single_separator_evidence(body: &str, sep: char, as_decimal: DecimalMark) -> Option<DecimalMark> {
    let after = body.rsplit(sep).next().unwrap_or("");
    let digits_after = after.chars().filter(|c| c.is_ascii_digit()).count();
    let has_space_groups = body.chars().any(is_space_group);
    match digits_after {
        1 | 2 => Some(as_decimal),
        // `1 234.567` cannot use `.` as a group separator next to space groups, but three decimals are
        // refused anyway; no evidence.
        3 if has_space_groups => Some(as_decimal),
        _ => None,
    }
}

/// Parses an amount in euros into cents. `mark` is the file's decimal mark when it is known; when it is
/// `None`, only amounts whose reading does not depend on the locale are accepted.
pub fn parse_amount(text: &str, mark: Option<DecimalMark>) -> Result<Amount, MoneyError> {
    let t = text.trim();
    match plain_amount(t, mark) {
        Some(a) => Ok(a),
        None => parse_written(t, mark),
    }
}

/// The common case, read without allocating: an optional `-`, up to 15 digits and, optionally, the
/// file's decimal mark (either one when it is not known) with one or two digits. Anything else, and any
/// amount beyond [`MAX_CELL_CENTS`], is `None`: [`parse_written`] reads it (or says what is wrong).
/// Where both read a text they agree (a property test holds them to it).
fn plain_amount(t: &str, mark: Option<DecimalMark>) -> Option<Amount> {
    let b = t.as_bytes();
    let negative = b.first() == Some(&b'-');
    let body = &b[usize::from(negative)..];
    let digits = body.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 15 {
        return None;
    }
    let mut magnitude = body[..digits].iter().fold(0i64, |n, c| n * 10 + i64::from(c - b'0')) * 100;
    match &body[digits..] {
        [] => {}
        [sep, frac @ ..] => {
            let sep_ok = match mark {
                Some(m) => *sep as char == m.char(),
                None => matches!(sep, b'.' | b','),
            };
            match frac {
                [d] if sep_ok && d.is_ascii_digit() => magnitude += i64::from(d - b'0') * 10,
                [d, e] if sep_ok && d.is_ascii_digit() && e.is_ascii_digit() => {
                    magnitude += i64::from(d - b'0') * 10 + i64::from(e - b'0')
                }
                _ => return None,
            }
        }
    }
    if magnitude > MAX_CELL_CENTS {
        return None;
    }
    Some(Amount { cents: if negative { -magnitude } else { magnitude }, negative_zero: negative && magnitude == 0 })
}

/// Reads an amount in any of the notations accepted, refusing the others with a reason.
fn parse_written(t: &str, mark: Option<DecimalMark>) -> Result<Amount, MoneyError> {
    if let Some(err) = foreign_notation(t) {
        return Err(err);
    }
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if body.is_empty() || !body.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(invalid(
            format!("`{t}` does not start with a digit"),
            "write the amount in euros, e.g. 1234.56 or 1.234,56",
        ));
    }
    if let Some(bad) = body.chars().find(|c| !(c.is_ascii_digit() || *c == '.' || *c == ',' || is_space_group(*c))) {
        return Err(invalid(
            format!("`{t}` contains `{bad}`, which is not part of a number"),
            "write only digits, one decimal mark and optional thousands separators",
        ));
    }
    let decimal = match mark.or_else(|| mark_evidence(body)) {
        Some(m) => m,
        None => {
            // No mark known and the cell says nothing: fine if it has no separator at all, or only
            // space-like groups; `1.080` or `1,234` could be read two ways.
            if body.contains(['.', ',']) {
                return Err(MoneyError::Ambiguous { text: t.to_string() });
            }
            DecimalMark::Point
        }
    };
    if let (Some(file_mark), Some(cell)) = (mark, mark_evidence(body)) {
        if file_mark != cell {
            return Err(MoneyError::WrongMark { file_mark });
        }
    }
    let (int_part, frac_part) = match body.split_once(decimal.char()) {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if let Some(f) = frac_part {
        if f.contains(decimal.char()) {
            return Err(invalid(
                format!("`{t}` has the decimal mark `{}` twice", decimal.char()),
                "write one decimal mark",
            ));
        }
        if f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()) {
            if f.chars().any(|c| c == '.' || c == ',' || is_space_group(c)) {
                return Err(MoneyError::WrongMark { file_mark: decimal });
            }
            return Err(invalid(format!("`{t}` has no digits after the decimal mark"), "write 12.00 or 12"));
        }
        if f.len() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
    }
    let euros_digits = strip_groups(int_part, decimal).map_err(|reason| match reason {
        GroupError::OtherMark => MoneyError::WrongMark { file_mark: decimal },
        GroupError::Bad(msg) => invalid(
            format!("`{t}`: {msg}"),
            "group thousands by three digits, e.g. 1.234.567,89 or 1,234,567.89, or write no separators",
        ),
    })?;
    let euros: i128 = euros_digits.parse::<i128>().map_err(|_| MoneyError::OutOfRange)?;
    let cents_part: i128 = match frac_part {
        Some(f) if f.len() == 1 => f.parse::<i128>().unwrap_or(0) * 10,
        Some(f) => f.parse::<i128>().unwrap_or(0),
        None => 0,
    };
    let magnitude = euros.checked_mul(100).and_then(|e| e.checked_add(cents_part)).ok_or(MoneyError::OutOfRange)?;
    if magnitude > MAX_CELL_CENTS as i128 {
        return Err(MoneyError::OutOfRange);
    }
    let magnitude = magnitude as i64;
    Ok(Amount { cents: if negative { -magnitude } else { magnitude }, negative_zero: negative && magnitude == 0 })
}

enum GroupError {
    OtherMark,
    Bad(String),
}

/// Removes thousands separators from the integer part, checking that the grouping is regular.
fn strip_groups(int_part: &str, decimal: DecimalMark) -> Result<String, GroupError> {
    let group_mark = match decimal {
        DecimalMark::Point => ',',
        DecimalMark::Comma => '.',
    };
    let seps: Vec<char> = int_part.chars().filter(|c| !c.is_ascii_digit()).collect();
    if seps.is_empty() {
        return Ok(int_part.to_string());
    }
    let first = seps[0];
    if seps.iter().any(|c| *c != first) {
        return Err(GroupError::Bad("it mixes different thousands separators".into()));
    }
    if first == decimal.char() {
        return Err(GroupError::Bad("it has the decimal mark twice".into()));
    }
    if first != group_mark && !is_space_group(first) {
        return Err(GroupError::OtherMark);
    }
    let groups: Vec<&str> = int_part.split(first).collect();
    let ok = groups.iter().enumerate().all(|(i, g)| {
        let n = g.len();
        if i == 0 {
            (1..=3).contains(&n)
        } else {
            n == 3
        }
    });
    if !ok {
        return Err(GroupError::Bad(format!("`{first}` does not separate groups of three digits")));
    }
    Ok(groups.concat())
}

fn invalid(reason: String, hint: &str) -> MoneyError {
    MoneyError::Invalid { reason, hint: hint.to_string() }
}

/// Recognises notations other tools accept and we refuse, to give a precise hint.
fn foreign_notation(t: &str) -> Option<MoneyError> {
    let lower = t.to_lowercase();
    if lower.contains("nan") {
        return Some(invalid(format!("`{t}` is not a number"), "write the amount in euros, e.g. 1234.56"));
    }
    if lower.contains("inf") || t.contains('∞') {
        return Some(invalid(format!("`{t}` is infinite"), "write a finite amount in euros"));
    }
    if t.contains('€') || lower.contains("eur") {
        return Some(invalid(
            format!("`{t}` contains a currency"),
            "amounts are in euros; write the number alone, e.g. 1234.56",
        ));
    }
    if t.starts_with('(') && t.ends_with(')') {
        return Some(invalid(
            format!("`{t}` uses accounting parentheses"),
            "write a negative amount with a minus sign, e.g. -1234.56",
        ));
    }
    if t.starts_with('\u{2212}') {
        return Some(invalid(format!("`{t}` starts with a typographic minus `−`"), "use the ASCII hyphen-minus `-`"));
    }
    if t.chars().any(|c| c.is_numeric() && !c.is_ascii_digit()) {
        return Some(invalid(format!("`{t}` contains non-ASCII digits"), "retype the number with the digits 0-9"));
    }
    let body = t.trim_start_matches(['-', '+']);
    if body.starts_with(|c: char| c.is_ascii_digit()) && (lower.contains('e')) {
        return Some(invalid(
            format!("`{t}` is in scientific notation"),
            "format the cell as a number with two decimals before exporting",
        ));
    }
    if t.ends_with('%') {
        return Some(invalid(format!("`{t}` is a percentage, not an amount"), "write the amount in euros"));
    }
    None
}

/// The whole number of cents a spreadsheet's floating-point number cell stands for, or `None` when it
/// stands for none exactly. `x` stands for `c` cents when `x` is the double nearest to `c / 100` (what a
/// correctly rounding reader makes of the text `c / 100`, and what a spreadsheet stores when `c / 100` is
/// typed). `1234.565` is the double nearest to no number of cents, so it is refused, not rounded. Beyond
/// 2^53 cents two numbers of cents could share a double, so those are refused too, as are NaN and infinities.
/// The one place where an amount passes through `f64`, and only to be checked.
pub fn exact_cents(x: f64) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: every integer below is a double
    if !x.is_finite() || (x * 100.0).abs() >= EXACT {
        return None;
    }
    let near = (x * 100.0).round() as i64;
    // `x * 100` is itself rounded: the cents are within one of it.
    let mut found = (near - 1..=near + 1).filter(|&c| c as f64 / 100.0 == x);
    let c = found.next()?;
    (found.next().is_none() && c.unsigned_abs() <= MAX_CELL_CENTS.unsigned_abs()).then_some(c)
}

/// Plain canonical text: `-1234.56`.
pub fn format_plain(cents: i64) -> String {
    // Digit by digit, not through the formatting machinery: the changes' downloads write a million of
    // them at 10^6 rows, where `format!` took 2% of the site's time (the 10^6 site target, BENCHMARKS.md).
    let m = cents.unsigned_abs();
    let mut digits = [0u8; 24];
    let mut at = digits.len();
    let mut rest = m / 100;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(digits.len() - at + 4);
    if cents < 0 {
        out.push('-');
    }
    out.extend(digits[at..].iter().map(|&b| char::from(b)));
    out.push('.');
    out.push(char::from(b'0' + (m % 100 / 10) as u8));
    out.push(char::from(b'0' + (m % 10) as u8));
    out
}

/// Grouped text for people: `-1,234,567.89`.
pub fn format_grouped(cents: i128) -> String {
    let mut out = String::with_capacity(24);
    push_grouped(&mut out, cents);
    out
}

/// [`format_grouped`], added to `out`: a listing page writes thousands (the site's 10^6-row target).
pub fn push_grouped(out: &mut String, cents: i128) {
    use std::fmt::Write;
    if cents < 0 {
        out.push('-');
    }
    let m = cents.unsigned_abs();
    push_thousands(out, m / 100);
    let _ = write!(out, ".{:02}", m % 100);
}

/// Millions with one decimal, rounded half away from zero: `EUR 1,234.5m`.
pub fn format_millions(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let m = cents.unsigned_abs();
    // tenths of a million euros = cents / 10^7
    let tenths = (m + 5_000_000) / 10_000_000;
    format!("EUR {sign}{}.{}m", group_thousands(tenths / 10), tenths % 10)
}

/// `1234567` -> `1,234,567`.
pub fn group_thousands(n: u128) -> String {
    let mut out = String::new();
    push_thousands(&mut out, n);
    out
}

/// [`group_thousands`], added to `out`.
fn push_thousands(out: &mut String, n: u128) {
    let digits = n.to_string();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
}

/// A share, exact to a millionth of a percent point: stored as parts per 100 million (so 7% is 7,000,000
/// and 28.7% is 28,700,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Rate(pub i64);

const RATE_ONE: i128 = 100_000_000;

impl Rate {
    /// Parses `7%`, `7`, `28.7 %`, `0.5%` (percent, up to six decimals, between 0 and 100).
    pub fn parse_percent(text: &str) -> Result<Rate, String> {
        let t = text.trim().trim_end_matches('%').trim();
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("`{text}` is not a percentage such as `7%` or `28.7%`"));
        }
        if frac.len() > 6 || int.len() > 3 {
            return Err(format!("`{text}`: at most three digits before and six after the decimal point"));
        }
        let int: i64 = int.parse().map_err(|_| format!("`{text}` is not a percentage"))?;
        let frac_scaled: i64 = format!("{frac:0<6}").parse().unwrap_or(0);
        let value = int * 1_000_000 + frac_scaled;
        if value > 100 * 1_000_000 {
            return Err(format!("`{text}` is more than 100%"));
        }
        Ok(Rate(value))
    }

    /// `rate` of `cents`, rounded half away from zero to the cent.
    pub fn of(self, cents: i128) -> i128 {
        div_round(cents * self.0 as i128, RATE_ONE)
    }

    /// What a deduction at this rate took from an amount that is `net` after it: `net * rate / (1 -
    /// rate)`, rounded half away from zero to the cent (a rate of 100% leaves nothing to divide by: 0).
    pub fn of_net(self, net: i128) -> i128 {
        let rest = RATE_ONE - self.0 as i128;
        if rest <= 0 {
            return 0;
        }
        div_round(net * self.0 as i128, rest)
    }

    /// The share `part / whole` as a rate (zero when `whole` is zero).
    pub fn ratio(part: i128, whole: i128) -> Rate {
        if whole == 0 {
            return Rate(0);
        }
        Rate(div_round(part * RATE_ONE, whole) as i64)
    }

    /// `7%`, `28.7%`, `0.000001%`: no trailing zeros.
    pub fn to_percent_string(self) -> String {
        let int = self.0 / 1_000_000;
        let frac = (self.0 % 1_000_000).abs();
        if frac == 0 {
            format!("{int}%")
        } else {
            let f = format!("{frac:06}");
            format!("{int}.{}%", f.trim_end_matches('0'))
        }
    }

    /// The percentage with one decimal, for people: `12.3%`.
    pub fn to_percent_1dp(self) -> String {
        let tenths = div_round(self.0 as i128, 100_000);
        let sign = if tenths < 0 { "-" } else { "" };
        format!("{sign}{}.{}%", tenths.abs() / 10, tenths.abs() % 10)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_percent_string())
    }
}

/// Integer division rounding half away from zero.
pub fn div_round(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0);
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d {
        q + n.signum()
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_float_cell_is_cents_only_when_exactly_so() {
        assert_eq!(exact_cents(1234.56), Some(123_456));
        assert_eq!(exact_cents(-0.01), Some(-1));
        assert_eq!(exact_cents(0.3), Some(30));
        assert_eq!(exact_cents(24_400_000.0), Some(2_440_000_000));
        assert_eq!(exact_cents(1234.565), None);
        assert_eq!(exact_cents(0.1 + 0.2), None);
        assert_eq!(exact_cents(1.0 / 3.0), None);
        assert_eq!(exact_cents(f64::NAN), None);
        assert_eq!(exact_cents(f64::INFINITY), None);
        assert_eq!(exact_cents(1e300), None);
        // Every number of cents typed as a decimal comes back as itself.
        for c in [1i64, 5, 99, 101, 123_456_789, 987_654_321_012, -472_130_700] {
            let typed: f64 = format_plain(c).parse().unwrap();
            assert_eq!(exact_cents(typed), Some(c), "{c}");
        }
    }
    use proptest::prelude::*;

    fn p(t: &str, m: Option<DecimalMark>) -> Result<i64, MoneyError> {
        parse_amount(t, m).map(|a| a.cents)
    }

    #[test]
    fn accepts_every_spelling_staff_produce() {
        use DecimalMark::*;
        assert_eq!(p("1234.56", Some(Point)), Ok(123456));
        assert_eq!(p("1234,56", Some(Comma)), Ok(123456));
        assert_eq!(p("1.234,56", Some(Comma)), Ok(123456));
        assert_eq!(p("1 234,56", Some(Comma)), Ok(123456));
        assert_eq!(p("1\u{a0}234,56", Some(Comma)), Ok(123456));
        assert_eq!(p("1\u{202f}234,56", None), Ok(123456));
        assert_eq!(p("1,234.56", Some(Point)), Ok(123456));
        assert_eq!(p("1,234.56", None), Ok(123456));
        assert_eq!(p("1.234,56", None), Ok(123456));
        assert_eq!(p(" 61100000 ", None), Ok(6_110_000_000));
        assert_eq!(p("-108520000.00", Some(Point)), Ok(-10_852_000_000));
        assert_eq!(p("12,5", None), Ok(1250));
        assert_eq!(p("1.080", Some(Comma)), Ok(108_000));
        assert_eq!(p("1,234,567", None), Ok(123_456_700));
    }

    #[test]
    fn refuses_what_depends_on_the_locale() {
        assert!(matches!(p("1.080", None), Err(MoneyError::Ambiguous { .. })));
        assert!(matches!(p("1,234", None), Err(MoneyError::Ambiguous { .. })));
        assert_eq!(p("1.080", Some(DecimalMark::Point)), Err(MoneyError::TooManyDecimals));
        assert_eq!(p("12,5", Some(DecimalMark::Point)), Err(MoneyError::WrongMark { file_mark: DecimalMark::Point }));
        assert_eq!(
            p("1.234,56", Some(DecimalMark::Point)),
            Err(MoneyError::WrongMark { file_mark: DecimalMark::Point })
        );
    }

    #[test]
    fn refuses_junk_with_a_reason() {
        for t in [
            "",
            "-",
            "abc",
            "1e9",
            "NaN",
            "∞",
            "inf",
            "€12",
            "12 EUR",
            "(12.00)",
            "−5",
            "１２３",
            "12.",
            "1.2.3,4",
            "1,23,456.00",
            "50%",
        ] {
            assert!(
                matches!(
                    p(t, Some(DecimalMark::Point)),
                    Err(MoneyError::Invalid { .. }) | Err(MoneyError::WrongMark { .. })
                ),
                "{t:?} -> {:?}",
                p(t, Some(DecimalMark::Point))
            );
        }
        assert_eq!(p("1.234", Some(DecimalMark::Point)), Err(MoneyError::TooManyDecimals));
        assert_eq!(p("99999999999999999999999", None), Err(MoneyError::OutOfRange));
        assert_eq!(p("1000000000001", None), Err(MoneyError::OutOfRange));
    }

    #[test]
    fn negative_zero_is_flagged() {
        let a = parse_amount("-0,00", Some(DecimalMark::Comma)).unwrap();
        assert_eq!(a, Amount { cents: 0, negative_zero: true });
    }

    #[test]
    fn formats() {
        assert_eq!(format_plain(-123456), "-1234.56");
        assert_eq!(format_plain(5), "0.05");
        assert_eq!(format_grouped(123456789), "1,234,567.89");
        assert_eq!(format_millions(123_456_000_000), "EUR 1,234.6m");
        assert_eq!(format_millions(-10_852_000_000), "EUR -108.5m");
    }

    #[test]
    fn rates_are_exact() {
        let seven = Rate::parse_percent("7%").unwrap();
        assert_eq!(seven, Rate(7_000_000));
        assert_eq!(seven.of(1_096_774_194), 76_774_194); // 7% of 10,967,741.94 = 767,741.9358 -> .94
        assert_eq!(Rate::parse_percent("28.7").unwrap().to_percent_string(), "28.7%");
        assert!(Rate::parse_percent("101%").is_err());
        assert!(Rate::parse_percent("seven").is_err());
        assert_eq!(Rate::ratio(1, 3).to_percent_1dp(), "33.3%");
    }

    proptest! {
        #[test]
        fn the_fast_reading_agrees_with_the_full_one(
            t in "[-+ ]?[0-9]{0,17}([.,][0-9]{0,3})?[.,0-9 ]?",
            mark in prop_oneof![Just(None), Just(Some(DecimalMark::Point)), Just(Some(DecimalMark::Comma))],
        ) {
            if let Some(fast) = plain_amount(t.trim(), mark) {
                prop_assert_eq!(Ok(fast), parse_written(t.trim(), mark));
            }
        }

        /// Written digit by digit, an amount is what the formatting machinery writes.
        #[test]
        fn plain_amounts_are_written_as_format_writes_them(c in proptest::num::i64::ANY) {
            let m = c.unsigned_abs();
            let sign = if c < 0 { "-" } else { "" };
            prop_assert_eq!(format_plain(c), format!("{sign}{}.{:02}", m / 100, m % 100));
        }

        /// Grouped text is the plain text with a comma before each group of three digits.
        #[test]
        fn grouping_is_the_plain_text_grouped(c in any::<i64>()) {
            let group = |int: &str| -> String {
                int.chars()
                    .enumerate()
                    .flat_map(|(i, d)| ((i > 0 && (int.len() - i).is_multiple_of(3)).then_some(',')).into_iter().chain([d]))
                    .collect()
            };
            let plain = format_plain(c);
            let (int, dec) = plain.trim_start_matches('-').split_once('.').unwrap();
            let sign = if c < 0 { "-" } else { "" };
            prop_assert_eq!(format_grouped(c as i128), format!("{sign}{}.{dec}", group(int)));
            prop_assert_eq!(group_thousands(c.unsigned_abs() as u128), group(&c.unsigned_abs().to_string()));
        }

        #[test]
        fn format_then_parse_is_identity(c in -MAX_CELL_CENTS..=MAX_CELL_CENTS) {
            prop_assert_eq!(p(&format_plain(c), Some(DecimalMark::Point)), Ok(c));
            prop_assert_eq!(p(&format_plain(c).replace('.', ","), Some(DecimalMark::Comma)), Ok(c));
            prop_assert_eq!(p(&format_grouped(c as i128), None), Ok(c));
        }
    }
}
