//! The monthly report: turns the progress of two month ends, the month's changes, the check findings,
//! the provenance of the inputs and the charts into the files of `reports/YYYY-MM/` (Markdown, a
//! self-contained HTML page, the charts, `summary.json`). Pure: it returns the files; `run` writes them.
//! HTML comes from a minijinja template with automatic escaping: ledger text is untrusted.

mod headlines;
mod outlook;
mod partners;
pub mod quoted;
mod templates;

pub use templates::{md_escape, md_link};

use minijinja::context;
use serde::Serialize;

use crate::charts::ChartFile;
use crate::date;
use crate::diag::{Diagnostic, Severity};
use crate::money::{format_grouped, format_millions};
use crate::progress::{Change, Granularity, Partial, Progress};

/// One input file, for provenance.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Input {
    pub file: String,
    pub sha256: String,
    /// Data rows of a CSV ledger; `None` for facility.toml.
    pub rows: Option<usize>,
}

/// One release as the report lists it under its partner: the ledger's rows, as written.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PaymentLine {
    pub partner: String,
    pub date: String,
    pub id: String,
    /// `pre-financing` or `regular`.
    pub kind: &'static str,
    /// Each component: channel, instrument and amount (`budget loan EUR 26,300,000.00`).
    pub parts: Vec<String>,
    pub total: String,
    /// The requests it pays, as written (empty for pre-financing).
    pub request: String,
    pub source: String,
}

/// A correction recorded in the report's month: the rows it voided, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CorrectionLine {
    pub date: String,
    /// The ledger's file, e.g. `payments.csv`.
    pub file: String,
    /// The voided rows as the file holds them, with their lines.
    pub voided: Vec<String>,
    pub reason: String,
    pub source: String,
}

/// The releases a report lists, and per partner how many earlier ones it leaves out.
pub struct PaymentLines {
    pub lines: Vec<PaymentLine>,
    pub earlier: std::collections::BTreeMap<String, usize>,
}

/// A partner section lists at most this many payments, the latest (the export lists them all).
pub const LISTED_PAYMENTS: usize = 50;

/// A source address and the rows that cite it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SourceLine {
    pub address: String,
    /// `payments.csv (3 rows), requests.csv (1 row)`.
    pub cited_by: String,
}

/// Everything a report is made of.
pub struct ReportInput<'a> {
    pub facility: &'a str,
    pub month: &'a str,
    pub now: &'a Progress,
    /// Where the facility stood at the end of the month before, and that day.
    pub before: &'a Progress,
    pub previous: crate::date::Date,
    /// The ledgers' last recorded event and its age in days at the report's date, when older than
    /// facility.toml's `stale_after_days`.
    pub stale: Option<(crate::date::Date, i64)>,
    pub changes: &'a [Change<'a>],
    pub findings: &'a [Diagnostic],
    pub control: &'a [crate::check::ControlFigure],
    pub inputs: &'a [Input],
    pub data_commit: Option<&'a str>,
    pub charts: &'a [ChartFile],
    pub summary_json: &'a str,
    /// The latest releases of each partner up to the report's date, by partner, date and id.
    pub payments: &'a [PaymentLine],
    /// Per partner, how many earlier releases the list leaves out.
    pub earlier_payments: &'a std::collections::BTreeMap<String, usize>,
    /// Every source the ledgers' rows up to the report's date cite, sorted.
    pub sources: &'a [SourceLine],
    /// The facility's total envelope (facility.toml).
    pub facility_envelope: i64,
    /// The corrections recorded in the month.
    pub corrections: &'a [CorrectionLine],
}

/// A file of the report folder: its path inside the folder and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

#[derive(Serialize)]
struct GapRow {
    date: String,
    partner: String,
    measure: &'static str,
    published: String,
    itemised: String,
    unitemised: String,
    status: &'static str,
    source: String,
}

#[derive(Serialize)]
struct ChangeRow {
    date: String,
    partner: String,
    what: &'static str,
    reference: String,
    amount: String,
    source: String,
}

/// A finding of `check` as the report and the site list it.
#[derive(Serialize)]
pub(crate) struct FindingRow {
    severity: &'static str,
    code: &'static str,
    place: String,
    message: String,
}

/// The findings as rows: severity, code, `file:line` and message.
pub(crate) fn finding_rows(findings: &[Diagnostic]) -> Vec<FindingRow> {
    findings
        .iter()
        .map(|d| FindingRow {
            severity: d.severity().as_str(),
            code: d.code.id(),
            place: match d.line {
                Some(l) => format!("{}:{l}", d.file),
                None => d.file.clone(),
            },
            message: d.message.clone(),
        })
        .collect()
}

#[derive(Serialize)]
struct ChartRow {
    file: String,
    title: String,
    svg: String,
    /// A chart of steps: shown only where steps are known.
    by_step: bool,
}

fn m(cents: i64) -> String {
    format_millions(cents as i128)
}

/// A figure that may be a lower bound ("at least") or not published.
pub(crate) fn bound(v: &Partial, euros: bool) -> String {
    v.shown(|x| if euros { m(x) } else { x.to_string() }, "at least ", "not published")
}

/// What a change or a deadline is, in words (the report's and the site's).
pub(crate) fn what(w: &str) -> &'static str {
    match w {
        "pre_financing" => "pre-financing paid",
        "regular" => "release paid",
        "fulfilled" => "step fulfilled",
        "partially_fulfilled" => "step partially fulfilled",
        "overdue" => "step fell due unmet",
        "expired" => "grace period ended: money expired",
        "allocation_initial" => "envelope allocated",
        "allocation_cut" => "envelope cut",
        "allocation_redistribution" => "envelope redistribution",
        "agenda_approved" => "Reform Agenda approved",
        "facility_agreement_in_force" => "Facility Agreement in force",
        "loan_agreement_in_force" => "Loan Agreement in force",
        "request_submitted" => "payment request submitted (amount requested)",
        "commitment" => "commitment made (agreement or project)",
        "request_assessed" => "request assessed by the Commission (amount approved)",
        "due" => "step due",
        "grace_ends" => "grace period ends",
        _ => "change",
    }
}

const CHART_TITLES: [(&str, &str); 6] = [
    ("requests", "Payment requests per partner: requested, approved, pending with the Commission, and paid"),
    ("funnel", "Envelope, committed and paid per partner"),
    ("cumulative", "Cumulative payments (against planned step values where steps are known)"),
    ("steps", "Reform steps per partner by status"),
    ("money", "Money at stake in reform steps"),
    ("outlook", "Paid so far, and three projections to the facility's last payment date"),
];

/// The files of one month's report folder.
pub fn build(r: &ReportInput) -> Result<Vec<ReportFile>, minijinja::Error> {
    let now = r.now;
    let partner_rows = partners::partner_rows(r, now);
    let changes: Vec<ChangeRow> = r
        .changes
        .iter()
        .map(|c| ChangeRow {
            date: date::format(c.date),
            partner: c.partner.to_string(),
            what: what(c.what),
            reference: c.reference.to_string(),
            amount: match c.amount {
                None if c.what.starts_with("request") => "not published".into(),
                None => String::new(),
                Some(a) => format!("EUR {}", format_grouped(a as i128)),
            },
            source: c.source.to_string(),
        })
        .collect();
    let findings = finding_rows(r.findings);
    let errors = r.findings.iter().filter(|d| d.severity() == Severity::Error).count();
    let svg = |name: &str| -> String {
        r.charts
            .iter()
            .find(|c| c.name == format!("{name}.svg"))
            .map(|c| String::from_utf8_lossy(&c.bytes).into_owned())
            .unwrap_or_default()
    };
    let chart_row = |(name, title): &(&str, &str)| ChartRow {
        file: format!("charts/{name}.svg"),
        title: title.to_string(),
        svg: strip_xml_declaration(&svg(name)),
        by_step: matches!(*name, "steps" | "money"),
    };
    let outlook_chart = CHART_TITLES.iter().find(|(name, _)| *name == "outlook").map(chart_row);
    let charts: Vec<ChartRow> = CHART_TITLES
        .iter()
        .filter(|(name, _)| *name != "outlook")
        .map(|(name, title)| ChartRow {
            file: format!("charts/{name}.svg"),
            title: title.to_string(),
            svg: strip_xml_declaration(&svg(name)),
            by_step: matches!(*name, "steps" | "money"),
        })
        .collect();
    let partner_charts: Vec<ChartRow> = partner_rows
        .iter()
        .map(|p| ChartRow {
            file: format!("charts/{}.svg", p.chart),
            title: format!("{} {}: steps by policy area", p.code, p.name),
            svg: strip_xml_declaration(&svg(&p.chart)),
            by_step: true,
        })
        .collect();
    let ctx = context! {
        // The site's stylesheet, inlined (the report stays one self-contained file), and the first screen.
        css => minijinja::Value::from_safe_string(crate::site::CSS.to_string()),
        glance => crate::site::glance::first_screen(now, r.before, r.changes, r.findings, r.control),
        facility => r.facility,
        month => r.month,
        as_of => date::format(now.as_of),
        previous => date::format(r.previous),
        stale => r.stale.map(|(d, days)| context! { last => date::format(d), days => days }),
        version => env!("CARGO_PKG_VERSION"),
        inputs => r.inputs,
        data_commit => r.data_commit,
        findings => findings,
        errors => errors,
        warnings => r.findings.len() - errors,
        headlines => headlines::headlines(now, r.before),
        cycle => {
            let mut rows: Vec<partners::CycleRow> = partner_rows.iter().map(|p| p.cycle.clone()).collect();
            rows.push(partners::cycle_row("all", "partners", &now.requests, now.facility.paid_regular));
            rows
        },
        any_steps => now.requests.granularity != Granularity::Requests,
        sources => r.sources,
        corrections => r.corrections,
        envelopes => {
            let f = &now.facility;
            let initial = f.envelope - f.envelope_changes;
            context! {
                facility => m(r.facility_envelope),
                initial => m(initial),
                changes => m(f.envelope_changes),
                now => m(f.envelope),
                outside => m(r.facility_envelope - f.envelope),
            }
        },
        mixed => now.requests.granularity == Granularity::Mixed,
        gaps => now.known_gaps.iter().map(|g| GapRow {
            date: date::format(g.date),
            partner: g.partner.clone(),
            measure: g.measure,
            published: m(g.published),
            itemised: m(g.itemised),
            unitemised: m(g.unitemised),
            status: if g.status == "known_gap" { "known gap" } else { "itemised" },
            source: g.source.clone(),
        }).collect::<Vec<_>>(),
        changes => changes,
        partners => partner_rows,
        outlook => outlook::section(&now.outlook),
        outlook_chart => outlook_chart,
        control => r.control,
        charts => charts,
        partner_charts => partner_charts,
    };
    let env = templates::environment()?;
    let html = env.get_template("report.html")?.render(&ctx)?;
    let md = env.get_template("report.md")?.render(&ctx)?;
    let mut files = vec![
        ReportFile { path: "report.md".into(), bytes: md.into_bytes() },
        ReportFile { path: "report.html".into(), bytes: html.into_bytes() },
        ReportFile { path: "summary.json".into(), bytes: r.summary_json.as_bytes().to_vec() },
    ];
    for c in r.charts {
        files.push(ReportFile { path: format!("charts/{}", c.name), bytes: c.bytes.clone() });
    }
    Ok(files)
}

fn strip_xml_declaration(svg: &str) -> String {
    match svg.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map(|(_, r)| r.trim_start().to_string()).unwrap_or_default(),
        None => svg.to_string(),
    }
}

/// `reports/index.md` and `reports/index.html`: the reports present, newest first.
pub fn index(facility: &str, months: &[String]) -> Result<Vec<ReportFile>, minijinja::Error> {
    let env = templates::environment()?;
    let mut months = months.to_vec();
    months.sort();
    months.reverse();
    let ctx = context! { facility => facility, months => months };
    Ok(vec![
        ReportFile { path: "index.md".into(), bytes: env.get_template("index.md")?.render(&ctx)?.into_bytes() },
        ReportFile { path: "index.html".into(), bytes: env.get_template("index.html")?.render(&ctx)?.into_bytes() },
    ])
}

/// The last day of a `YYYY-MM` month, or why it is not one.
pub use crate::date::parse_month as month_end;
