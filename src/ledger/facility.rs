//! `facility.toml`: the facility's parameters. Every number the rules use (envelopes, caps, rates,
//! grace periods, the period itself) comes from here, so another results-based facility is only a new file.

use serde::Deserialize;

use crate::date::{self, Date};
use crate::diag::{Code, Diagnostic};
use crate::ledger::vocabulary::{Channel, Instrument};
use crate::money::{self, DecimalMark, Rate};

/// The facility.toml `growthplan init` writes: the Reform and Growth Facility's parameters, to adapt.
pub const TEMPLATE: &str = r#"# The facility's parameters: every number growthplan's rules use. Adapt them to your facility.
name = "Reform and Growth Facility for the Western Balkans"
short_name = "Growth Plan"
currency = "EUR"
legal_basis = "Regulation (EU) 2024/1449"
source = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A32024R1449"

[period]
start = 2024-01-01
end = 2027-12-31
payments_until = 2028-12-31

[envelopes]
grant_eur = "2000000000.00"
loan_eur = "4000000000.00"

[rules]
prefinancing_cap = "7%"
prefinancing_clearance = "7%"
min_wbif_share = "50%"
release_tolerance_eur = "1.00"
max_regular_releases_per_year = 2
grace = [
  { due_until = 2024-12-31, months = 24 },
  { months = 12 },
]
channels = { budget = ["loan"], wbif = ["grant", "loan"] }
"#;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facility {
    pub name: String,
    pub short_name: String,
    pub currency: String,
    pub legal_basis: String,
    pub source: String,
    pub start: Date,
    pub end: Date,
    /// Payments (loan tranches) may be made until this day.
    pub payments_until: Date,
    pub grant_envelope: i64,
    pub loan_envelope: i64,
    pub prefinancing_cap: Rate,
    pub prefinancing_clearance: Rate,
    pub min_wbif_share: Rate,
    /// How far a release may differ from the value of the steps it pays (rounding of published figures).
    pub release_tolerance: i64,
    pub max_regular_releases_per_year: u32,
    /// A report whose ledgers' last event is older than this many days, at the report's date, says so at
    /// its top (`[report] stale_after_days`, 60 when not given).
    pub stale_after_days: u32,
    /// Grace periods by due date: the first rule whose `due_until` is on or after the step's due date
    /// applies; a rule without `due_until` applies to all later steps.
    pub grace: Vec<GraceRule>,
    /// Which instruments each channel may carry.
    pub channel_instruments: Vec<(Channel, Vec<Instrument>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraceRule {
    pub due_until: Option<Date>,
    pub months: u32,
}

impl Facility {
    /// The day a step's grace period ends: after it, withheld money can be redistributed.
    pub fn grace_end(&self, due: Date) -> Date {
        let months = self.grace.iter().find(|g| g.due_until.is_none_or(|u| due <= u)).map(|g| g.months).unwrap_or(0);
        date::add_months(due, months)
    }

    /// Whether `d` is a due date of the facility: the last day of one of its reporting periods (the year
    /// cut into `max_regular_releases_per_year` equal periods, so half-years when two) between `start` and
    /// `end`. A count that does not divide the year leaves every month end a due date.
    pub fn is_due_date(&self, d: Date) -> bool {
        use chrono::Datelike;
        let month_end = d.succ_opt().is_none_or(|next| next.day() == 1);
        month_end && d.month().is_multiple_of(self.period_months()) && d >= self.start && d <= self.end
    }

    /// The length of a reporting period (and payment window) in months: the year cut into
    /// `max_regular_releases_per_year` equal periods, or a month when that count does not divide the year.
    pub fn period_months(&self) -> u32 {
        let per_year = self.max_regular_releases_per_year;
        if per_year > 0 && 12u32.is_multiple_of(per_year) {
            12 / per_year
        } else {
            1
        }
    }

    /// The last day of the reporting period holding `d` (whether or not within the facility's period).
    pub fn period_end(&self, d: Date) -> Date {
        use chrono::Datelike;
        let months = self.period_months();
        let last_month = (d.month() - 1) / months * months + months;
        let first = Date::from_ymd_opt(d.year(), last_month, 1).unwrap_or(Date::MAX);
        date::month_end(first)
    }

    pub fn envelope(&self) -> i64 {
        self.grant_envelope + self.loan_envelope
    }

    pub fn allows(&self, channel: Channel, instrument: Instrument) -> bool {
        self.channel_instruments
            .iter()
            .find(|(c, _)| *c == channel)
            .is_none_or(|(_, instruments)| instruments.contains(&instrument))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFacility {
    name: String,
    short_name: Option<String>,
    currency: String,
    legal_basis: Option<String>,
    source: Option<String>,
    period: RawPeriod,
    envelopes: RawEnvelopes,
    rules: RawRules,
    #[serde(default)]
    report: RawReport,
}

/// `[report]`: how the monthly report reads the ledgers. Optional.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    #[serde(default = "default_stale_after_days")]
    stale_after_days: u32,
}

impl Default for RawReport {
    fn default() -> Self {
        RawReport { stale_after_days: default_stale_after_days() }
    }
}

fn default_stale_after_days() -> u32 {
    60
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    start: toml::value::Datetime,
    end: toml::value::Datetime,
    payments_until: toml::value::Datetime,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvelopes {
    grant_eur: String,
    loan_eur: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    prefinancing_cap: String,
    prefinancing_clearance: String,
    min_wbif_share: String,
    release_tolerance_eur: String,
    max_regular_releases_per_year: u32,
    grace: Vec<RawGrace>,
    channels: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrace {
    due_until: Option<toml::value::Datetime>,
    months: u32,
}

/// Parses `facility.toml`. Every problem is a diagnostic with the file's path and, where known, line and column.
pub fn parse(text: &str, path: &str) -> Result<Facility, Vec<Diagnostic>> {
    let raw: RawFacility = toml::from_str(text).map_err(|e| {
        let mut d = Diagnostic::new(Code::FacilityInvalid, path, first_line(e.message()))
            .hint("compare with the facility.toml that `growthplan init` writes; docs/DATA.md explains every key");
        if let Some(span) = e.span() {
            let (line, col) = line_col(text, span.start);
            d = d.at_line(line, Some(col));
            d.row = text.lines().nth(line as usize - 1).map(str::to_string);
        }
        vec![d]
    })?;
    let mut errs = Vec::new();
    let mut err = |key: &str, msg: String| {
        let mut d = Diagnostic::new(Code::FacilityInvalid, path, format!("`{key}`: {msg}"));
        if let Some((line, row)) = find_key(text, key) {
            d = d.at_line(line, Some(1));
            d.row = Some(row);
        }
        errs.push(d);
    };
    let mut to_date = |key: &str, v: &toml::value::Datetime| -> Date {
        match v.date {
            Some(d) if v.time.is_none() => {
                Date::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32).unwrap_or(Date::MIN)
            }
            _ => {
                err(key, format!("`{v}` is not a plain date such as 2024-01-01"));
                Date::MIN
            }
        }
    };
    let start = to_date("start", &raw.period.start);
    let end = to_date("end", &raw.period.end);
    let payments_until = to_date("payments_until", &raw.period.payments_until);
    let grace: Vec<GraceRule> = raw
        .rules
        .grace
        .iter()
        .map(|g| GraceRule { due_until: g.due_until.as_ref().map(|d| to_date("due_until", d)), months: g.months })
        .collect();
    let mut money = |key: &str, v: &str| -> i64 {
        match money::parse_amount(v, Some(DecimalMark::Point)) {
            Ok(a) if a.cents >= 0 => a.cents,
            Ok(_) => {
                err(key, "must not be negative".into());
                0
            }
            Err(_) => {
                err(key, format!("`{v}` is not an amount such as \"2000000000.00\""));
                0
            }
        }
    };
    let grant_envelope = money("grant_eur", &raw.envelopes.grant_eur);
    let loan_envelope = money("loan_eur", &raw.envelopes.loan_eur);
    let release_tolerance = money("release_tolerance_eur", &raw.rules.release_tolerance_eur);
    let mut rate = |key: &str, v: &str| -> Rate {
        Rate::parse_percent(v).unwrap_or_else(|m| {
            err(key, m);
            Rate(0)
        })
    };
    let prefinancing_cap = rate("prefinancing_cap", &raw.rules.prefinancing_cap);
    let prefinancing_clearance = rate("prefinancing_clearance", &raw.rules.prefinancing_clearance);
    let min_wbif_share = rate("min_wbif_share", &raw.rules.min_wbif_share);
    let mut channel_instruments = Vec::new();
    for (channel, instruments) in &raw.rules.channels {
        let Some(c) = Channel::from_word(channel) else {
            err("channels", format!("unknown channel `{channel}`; expected one of {}", Channel::WORDS.join(", ")));
            continue;
        };
        let mut list = Vec::new();
        for i in instruments {
            match Instrument::from_word(i) {
                Some(i) => list.push(i),
                None => err("channels", format!("unknown instrument `{i}`; expected grant or loan")),
            }
        }
        channel_instruments.push((c, list));
    }
    if start > end || end > payments_until {
        err("period", "start <= end <= payments_until must hold".into());
    }
    if grace.is_empty() || grace.iter().rev().skip(1).any(|g| g.due_until.is_none()) {
        err("grace", "list the grace rules by due date; only the last may omit `due_until`".into());
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Facility {
        short_name: raw.short_name.unwrap_or_else(|| raw.name.clone()),
        name: raw.name,
        currency: raw.currency,
        legal_basis: raw.legal_basis.unwrap_or_default(),
        source: raw.source.unwrap_or_default(),
        start,
        end,
        payments_until,
        grant_envelope,
        loan_envelope,
        prefinancing_cap,
        prefinancing_clearance,
        min_wbif_share,
        release_tolerance,
        max_regular_releases_per_year: raw.rules.max_regular_releases_per_year,
        stale_after_days: raw.report.stale_after_days,
        grace,
        channel_instruments,
    })
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("invalid TOML").trim().to_string()
}

fn line_col(text: &str, byte: usize) -> (u64, u64) {
    let before = &text[..byte.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() as u64 + 1;
    (line, col)
}

fn find_key(text: &str, key: &str) -> Option<(u64, String)> {
    text.lines().enumerate().find_map(|(i, l)| {
        let t = l.trim_start();
        (t.starts_with(key) && t[key.len()..].trim_start().starts_with('=')
            || t == format!("[{key}]")
            || t.contains(&format!("[{key}]")))
        .then(|| (i as u64 + 1, l.to_string()))
    })
}

#[cfg(test)]
pub(crate) fn tests_sample() -> &'static str {
    TEMPLATE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Date {
        Date::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_init_template_parses() {
        let f = parse(TEMPLATE, "facility.toml").unwrap();
        assert_eq!(f.envelope(), 600_000_000_000);
    }

    #[test]
    fn parses_and_applies_grace() {
        let f = parse(TEMPLATE, "facility.toml").unwrap();
        assert_eq!(f.envelope(), 600_000_000_000);
        assert_eq!(f.grace_end(ymd(2024, 12, 31)), ymd(2026, 12, 31));
        assert_eq!(f.grace_end(ymd(2025, 6, 30)), ymd(2026, 6, 30));
        assert!(!f.allows(Channel::Budget, Instrument::Grant));
        assert!(f.allows(Channel::Wbif, Instrument::Grant));
    }

    #[test]
    fn reports_where_it_is_wrong() {
        let bad = TEMPLATE.replace("\"7%\"\nprefinancing_clearance", "\"seven\"\nprefinancing_clearance");
        let errs = parse(&bad, "facility.toml").unwrap_err();
        assert_eq!(errs[0].code, Code::FacilityInvalid);
        assert!(errs[0].message.contains("prefinancing_cap"), "{:?}", errs[0]);
        assert!(errs[0].line.is_some());
        let errs = parse("name = ", "facility.toml").unwrap_err();
        assert_eq!(errs[0].line, Some(1));
        let errs = parse(&TEMPLATE.replace("currency", "curency"), "f").unwrap_err();
        assert!(errs[0].message.contains("curency"), "{}", errs[0].message);
    }
}
