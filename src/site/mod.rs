//! The public website (`growthplan site`): static pages built from the same `Progress`, changes, check
//! findings and export tables as `status`, `export` and `report`, with minijinja templates that escape
//! every value (`templates/site/`). Pure: it returns the files; `run` writes them as one folder. Nothing
//! in it reads the clock: the same ledgers and date give the same bytes.

pub mod glance;
pub mod markdown;
pub mod sources;
pub mod tables;

use std::collections::BTreeMap;

use minijinja::{context, Environment, Value};
use rayon::prelude::*;
use serde::Serialize;
use sha2::Digest;

use crate::charts::ChartFile;
use crate::check::ControlFigure;
use crate::date::{self, Date};
use crate::diag::{Diagnostic, Severity};
use crate::ledger::model::Ledger;
use crate::money::{format_grouped, format_millions, Rate};
use crate::progress::{Change, Granularity, Partial, Progress, RequestFigures};
use crate::replay::Replay;
use tables::{col, Cell, Column, Table};

/// The stylesheet of the site, which the monthly report inlines too: one look for both.
pub const CSS: &str = include_str!("../../templates/site/site.css");
const JS: &str = include_str!("../../templates/site/site.js");
const TEMPLATES: [(&str, &str); 11] = [
    ("base.html", include_str!("../../templates/site/base.html")),
    ("macros.html", include_str!("../../templates/site/macros.html")),
    ("index.html", include_str!("../../templates/site/index.html")),
    ("partner.html", include_str!("../../templates/site/partner.html")),
    ("listing.html", include_str!("../../templates/site/listing.html")),
    ("sources.html", include_str!("../../templates/site/sources.html")),
    ("changes.html", include_str!("../../templates/site/changes.html")),
    ("data.html", include_str!("../../templates/site/data.html")),
    ("method.html", include_str!("../../templates/site/method.html")),
    ("steps.html", include_str!("../../templates/site/steps.html")),
    ("feed.xml", include_str!("../../templates/site/feed.xml")),
];
/// The definitions the method page shows: the text of docs/OUTPUT.md, read when growthplan is built.
const OUTPUT_MD: &str = include_str!("../../docs/OUTPUT.md");

/// A month of the changes page lists at most this many changes (the export lists them all).
const CHANGES_PER_MONTH: usize = 200;
/// A partner's page lists its latest releases, at most this many (the payments pages list them all).
const PARTNER_RELEASES: usize = 50;

/// Everything the site is made of.
pub struct SiteInput<'a> {
    pub ledger: &'a Ledger,
    pub replay: &'a Replay<'a>,
    /// The figures on the site's date.
    pub now: &'a Progress,
    /// Every change from the facility's start up to the site's date.
    pub changes: &'a [Change],
    pub findings: &'a [Diagnostic],
    pub control: &'a [ControlFigure],
    pub charts: &'a [ChartFile],
    /// The data folder's files (facility.toml and every ledger), as they are: they become downloads.
    pub ledgers: Vec<(String, Vec<u8>)>,
    /// The monthly reports published with the site (`--reports`), by month.
    pub reports: Vec<MonthReport>,
    /// Where the site is published (ends with `/`), for absolute preview-image addresses.
    pub base_url: Option<&'a str>,
}

/// A month's report folder as `report` wrote it: its month (`YYYY-MM`) and its files by path inside it.
pub struct MonthReport {
    pub month: String,
    pub files: Vec<(String, Vec<u8>)>,
}

/// The file name of each partner's page, by code. Codes are checked by the loader; a code that is not
/// only letters, digits, `-` and `_`, or that would clash with another once lower-cased, gets its
/// position instead: no path is built from other text.
pub struct PartnerPages {
    files: BTreeMap<String, String>,
}

impl PartnerPages {
    pub fn new(codes: &[&str]) -> PartnerPages {
        let mut files = BTreeMap::new();
        let mut taken = std::collections::BTreeSet::new();
        for (k, code) in codes.iter().enumerate() {
            let safe = !code.is_empty()
                && code.len() <= 40
                && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            let mut name = if safe { code.to_string() } else { format!("partner-{}", k + 1) };
            if !taken.insert(name.to_ascii_lowercase()) {
                name = format!("partner-{}", k + 1);
                taken.insert(name.clone());
            }
            files.insert(code.to_string(), format!("partners/{name}.html"));
        }
        PartnerPages { files }
    }

    /// The page of the partner `code` (relative to the site's root), if it is one.
    pub fn href(&self, code: &str) -> Option<String> {
        self.files.get(code).cloned()
    }
}

/// The host of a plain web address (`https://www.example.eu/x` -> `example.eu`), which the site shows as
/// a link; `None` for anything else, which is shown as text.
pub fn web_address(s: &str) -> Option<String> {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"))?;
    let plain = !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '`' | '\\'));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    (plain && !host.is_empty()).then(|| host.strip_prefix("www.").unwrap_or(host).to_string())
}

fn m(cents: i64) -> String {
    format_millions(cents as i128)
}

/// A figure that may be a lower bound ("at least") or not published.
pub fn bound(v: &Partial, euros: bool) -> String {
    v.shown(|x| if euros { m(x) } else { x.to_string() }, "at least ", "not published")
}

fn share(part: i64, whole: i64) -> String {
    if whole == 0 {
        "no envelope".into()
    } else {
        Rate::ratio(part as i128, whole as i128).to_percent_1dp()
    }
}

/// What a change is, in words (the `what` of the changes table).
fn what(w: &str) -> &'static str {
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
        "request_assessed" => "request assessed (amount approved)",
        "due" => "step falls due",
        "grace_ends" => "grace period ends",
        _ => "change",
    }
}

fn change_columns() -> Vec<Column> {
    vec![
        col("date", "date", false),
        col("partner", "partner", false),
        col("what", "kind", false),
        col("reference", "", false),
        col("amount", "", true),
        col("source", "", false),
    ]
}

fn change_row(c: &Change, pages: &PartnerPages) -> Vec<Cell> {
    vec![
        Cell::text(date::format(c.date)),
        Cell::partner(&c.partner, pages),
        Cell::text(what(c.what)),
        Cell::text(&c.reference),
        match c.amount {
            None if c.what.starts_with("request") => {
                Cell { t: "not published".into(), s: Some("-1".into()), ..Cell::default() }
            }
            None => Cell::default(),
            Some(a) => Cell::euros(a),
        },
        Cell::source(&c.source),
    ]
}

/// A chart on a page: the image, its size, a text alternative and the table behind it.
#[derive(Serialize)]
struct Chart {
    svg: String,
    width: u32,
    height: u32,
    alt: String,
    caption: String,
    table: Table,
}

/// The `width` and `height` of an SVG's root element.
fn svg_size(bytes: &[u8]) -> (u32, u32) {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(2000)]);
    let attr = |name: &str| -> u32 {
        let start = text.find("<svg").unwrap_or(0);
        text[start..]
            .split_once(&format!(" {name}=\""))
            .and_then(|(_, rest)| rest.split('"').next())
            .and_then(|v| v.trim_end_matches("px").parse().ok())
            .unwrap_or(0)
    };
    (attr("width"), attr("height"))
}

/// A figure of the home page, in large type.
#[derive(Serialize)]
struct Big {
    label: &'static str,
    value: String,
    detail: String,
}

#[derive(Serialize)]
struct Download {
    path: String,
    what: String,
    size: String,
    sha256: String,
}

#[derive(Serialize)]
struct FindingRow {
    severity: &'static str,
    code: &'static str,
    place: String,
    message: String,
}

fn size_text(n: usize) -> String {
    match n {
        n if n < 1024 => format!("{n} bytes"),
        n if n < 1024 * 1024 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0)),
    }
}

fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    // Every value is escaped as HTML (XML for the feed) unless marked safe (only text this module made
    // from docs/OUTPUT.md). Control characters in ledger text are not valid in HTML or XML: they are shown
    // as `\u{1b}` before the escaping, as in the report.
    env.set_formatter(|out, state, value| {
        match value.as_str().filter(|s| !value.is_safe() && s.chars().any(char::is_control)) {
            Some(s) => {
                let shown: String = s
                    .chars()
                    .map(|c| if c.is_control() && c != '\n' { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() })
                    .collect();
                minijinja::escape_formatter(out, state, &Value::from(shown))
            }
            None => minijinja::escape_formatter(out, state, value),
        }
    });
    for (name, text) in TEMPLATES {
        env.add_template(name, text)?;
    }
    Ok(env)
}

/// The files of the site: paths inside its folder and their bytes.
pub fn build(mut input: SiteInput) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let ledgers = std::mem::take(&mut input.ledgers);
    let reports = std::mem::take(&mut input.reports);
    let months: Vec<String> = reports.iter().map(|r| r.month.clone()).collect();
    let s = Site::new(&input, months)?;
    let mut files: Vec<(String, Vec<u8>)> =
        vec![("site.css".into(), CSS.as_bytes().to_vec()), ("site.js".into(), JS.as_bytes().to_vec())];
    for c in s.input.charts {
        files.push((format!("charts/{}", c.name), c.bytes.clone()));
    }
    // The exports first: their tables of JSON values, the largest transient memory at 10^6 rows, are freed
    // before the listings' pages add up.
    files.extend(crate::meter::timed("site: data and exports", || data_pages(&s, ledgers))?);
    files.push(("index.html".into(), crate::meter::timed("site: home", || home(&s))?));
    files.extend(crate::meter::timed("site: partner pages", || partner_pages(&s))?);
    files.extend(crate::meter::timed("site: listings", || listings(&s))?);
    files.extend(crate::meter::timed("site: sources", || sources_page(&s))?);
    files.extend(crate::meter::timed("site: changes and feed", || changes_pages(&s))?);
    files.extend(crate::meter::timed("site: method", || method_page(&s))?);
    for r in reports {
        for (path, bytes) in r.files {
            files.push((format!("reports/{}/{path}", r.month), bytes));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// What every page is built with: the input, the templates, the partners' page names and what every
/// page's frame shows.
struct Site<'a> {
    input: &'a SiteInput<'a>,
    env: Environment<'static>,
    pages: PartnerPages,
    common: Value,
    any_steps: bool,
    last_changed: Option<Date>,
    six_months: Date,
    /// The months whose report is published with the site.
    report_months: Vec<String>,
}

impl<'a> Site<'a> {
    fn new(input: &'a SiteInput<'a>, report_months: Vec<String>) -> Result<Site<'a>, minijinja::Error> {
        let l = input.ledger;
        let now = input.now;
        let as_of = now.as_of;
        let pages = PartnerPages::new(&now.partners.iter().map(|p| p.code.as_str()).collect::<Vec<_>>());
        let errors = input.findings.iter().filter(|d| d.severity() == Severity::Error).count();
        let last_changed = latest_up_to(l, as_of);
        let partners_nav: Vec<Value> = now
            .partners
            .iter()
            .map(|p| context! { code => p.code, name => p.name, href => pages.href(&p.code) })
            .collect();
        let common = context! {
            facility => l.facility.name,
            short_name => l.facility.short_name,
            as_of => date::format(as_of),
            last_changed => last_changed.map(date::format),
            version => env!("CARGO_PKG_VERSION"),
            errors => errors,
            warnings => input.findings.len() - errors,
            partners_nav => partners_nav,
            base_url => input.base_url,
        };
        Ok(Site {
            input,
            env: environment()?,
            pages,
            common,
            any_steps: now.requests.granularity != Granularity::Requests,
            last_changed,
            six_months: date::add_months(as_of, 6),
            report_months,
        })
    }

    /// The frame of the page `href` (`root` leads from it to the site's root): its title, description and
    /// preview image (the chart `png`), and whether it loads the script.
    fn page(&self, href: &str, root: &str, title: String, description: String, png: &str, script: bool) -> Value {
        let og_image = match self.input.base_url {
            Some(base) => format!("{base}charts/{png}"),
            None => format!("{root}charts/{png}"),
        };
        context! {
            page => href,
            root => root,
            title => title,
            description => description,
            og_image => og_image,
            og_url => self.input.base_url.map(|b| format!("{b}{href}")),
            script => script,
            ..self.common.clone()
        }
    }

    fn render(&self, template: &str, ctx: Value) -> Result<Vec<u8>, minijinja::Error> {
        Ok(self.env.get_template(template)?.render(ctx)?.into_bytes())
    }

    /// The chart `name` with its size, text alternative, caption and the table behind it (`None` when
    /// charts did not draw it).
    fn chart(&self, name: &str, alt: String, caption: String, table: Table) -> Option<Chart> {
        let file = self.input.charts.iter().find(|c| c.name == format!("{name}.svg"))?;
        let (width, height) = svg_size(&file.bytes);
        Some(Chart { svg: format!("charts/{name}.svg"), width, height, alt, caption, table })
    }
}

/// The home page: the facility at a glance, the payment cycle, the charts with their tables, the month's
/// changes, the next deadlines and whether the figures reconcile.
fn home(s: &Site) -> anyhow::Result<Vec<u8>> {
    let (l, now) = (s.input.ledger, s.input.now);
    let as_of = now.as_of;
    let (cycle, money, cumulative) = overview_tables(s);
    let f = &now.facility;
    let r = &now.requests;
    let gap = !now.known_gaps.is_empty();
    let big = vec![
        Big {
            label: "Envelope",
            value: m(f.envelope),
            detail: format!("of the facility's {}", m(l.facility.envelope())),
        },
        Big { label: "Committed", value: m(f.committed), detail: "in agreements and projects".into() },
        Big {
            label: "Approved",
            value: bound(&r.approved, true),
            detail: "by the Commission's assessments (gross where published)".into(),
        },
        Big {
            label: "Paid",
            value: m(f.paid),
            detail: if gap { "net, as itemised in the ledgers".into() } else { "net, transferred".into() },
        },
        Big { label: "Share paid", value: share(f.paid, f.envelope), detail: "of the partners' envelopes".into() },
        Big {
            label: "Pending with the Commission",
            value: bound(&r.pending, true),
            detail: format!(
                "requested in {} request{} not yet assessed",
                r.requests_pending,
                if r.requests_pending == 1 { "" } else { "s" }
            ),
        },
        Big {
            label: "Published, not itemised",
            value: if r.reported_unitemised_known { m(r.reported_unitemised) } else { "not published".into() },
            detail: "reported as paid, its releases not yet recorded one by one".into(),
        },
    ];
    let month_ago = as_of.checked_sub_months(chrono::Months::new(1)).unwrap_or(as_of);
    let recent: Vec<Vec<Cell>> =
        s.input.changes.iter().filter(|c| c.date > month_ago).map(|c| change_row(c, &s.pages)).collect();
    let recent = Table::new(
        "recent",
        format!("What changed after {} up to {}", date::format(month_ago), date::format(as_of)),
        change_columns(),
        recent,
    );
    let mut upcoming: Vec<(Date, Vec<Cell>)> = now
        .deadlines
        .iter()
        .map(|d| {
            (
                d.date,
                vec![
                    Cell::text(date::format(d.date)),
                    Cell::partner(&d.partner, &s.pages),
                    Cell::text(what(d.kind)),
                    Cell::text(&d.step),
                    Cell::euros(d.amount),
                ],
            )
        })
        .collect();
    for q in now
        .request_states
        .iter()
        .filter(|q| q.stage != "grace_ended" && q.grace_end > as_of && q.grace_end <= s.six_months)
    {
        upcoming.push((
            q.grace_end,
            vec![
                Cell::text(date::format(q.grace_end)),
                Cell::partner(&q.partner, &s.pages),
                Cell::text(if q.stage == "pending" {
                    "grace period of a request not yet assessed ends"
                } else {
                    "grace period of a request ends: what was not approved can no longer be released"
                }),
                Cell::text(&q.id),
                Cell::partial(&q.approved, true),
            ],
        ));
    }
    upcoming.sort_by_key(|a| a.0);
    let upcoming = Table::new(
        "deadlines",
        format!("Deadlines from {} to {}", date::format(as_of), date::format(s.six_months)),
        vec![
            col("date", "", false),
            col("partner", "", false),
            col("what", "", false),
            col("step or request", "", false),
            col("amount (approved, for a request)", "", true),
        ],
        upcoming.into_iter().map(|(_, r)| r).collect(),
    );
    let control = control_table(s.input.control);
    let findings: Vec<FindingRow> = s
        .input
        .findings
        .iter()
        .map(|d| FindingRow {
            severity: d.severity().as_str(),
            code: d.code.id(),
            place: match d.line {
                Some(n) => format!("{}:{n}", d.file),
                None => d.file.clone(),
            },
            message: d.message.clone(),
        })
        .collect();
    let control_ok = s.input.control.iter().filter(|c| c.ok && !c.known_gap).count();
    let control_gaps = s.input.control.iter().filter(|c| c.known_gap).count();
    let control_failed = s.input.control.iter().filter(|c| !c.ok && !c.known_gap).count();
    let home_charts: Vec<Chart> = [
        s.chart(
            "requests",
            "Bar chart of the payment requests per partner: requested, approved, pending with the Commission and paid."
                .into(),
            "Payment requests per partner; the table gives the figures.".into(),
            cycle,
        ),
        s.chart(
            "funnel",
            "Bar chart of each partner's envelope, what is committed and what is paid.".into(),
            "Envelope, committed and paid per partner; the table gives the figures.".into(),
            money,
        ),
        s.chart(
            "cumulative",
            "Line chart of the cumulative payments per partner by month".to_string()
                + if s.any_steps { ", against the planned step values." } else { "." },
            "Cumulative payments against plan; the table gives the figures by month.".into(),
            cumulative,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    let step_charts = step_charts(s);
    let ctx = context! {
        big => big,
        charts => home_charts,
        step_charts => step_charts,
        recent => recent,
        deadlines => upcoming,
        any_steps => s.any_steps,
        findings => findings,
        control => control,
        control_ok => control_ok,
        control_gaps => control_gaps,
        control_failed => control_failed,
        partners => now.partners.iter().map(|p| context! { code => p.code, name => p.name, local_name => p.local_name, href => s.pages.href(&p.code) }).collect::<Vec<_>>(),
        ..s.page(
            "index.html",
            "",
            format!("{}: where the money stands", l.facility.short_name),
            format!(
                "{} as of {}: {} paid of {} in envelopes; payment requests, assessments, sources and downloads.",
                l.facility.name,
                date::format(as_of),
                m(f.paid),
                m(f.envelope)
            ),
            "requests.png",
            false,
        )
    };
    Ok(s.render("index.html", ctx)?)
}

/// The tables of the overview, each behind a chart: the payment cycle per partner, envelope, committed and
/// paid per partner, and cumulative payments by month.
fn overview_tables(s: &Site) -> (Table, Table, Table) {
    let now = s.input.now;
    let cycle_columns = vec![
        col("partner", "", false),
        col("requests", "", true),
        col("assessed", "", true),
        col("pending", "", true),
        col("requested", "", true),
        col("approved", "", true),
        col("paid in regular releases", "", true),
        col("not approved, grace running", "", true),
        col("pending with the Commission", "", true),
        col("published, not itemised", "", true),
    ];
    let cycle_row = |partner: Cell, r: &RequestFigures, paid_regular: i64| -> Vec<Cell> {
        vec![
            partner,
            Cell::text(r.requests_submitted.to_string()),
            Cell::text(r.requests_assessed.to_string()),
            Cell::text(r.requests_pending.to_string()),
            Cell::partial(&r.requested, true),
            Cell::partial(&r.approved, true),
            Cell::millions(paid_regular),
            Cell::partial(&r.withheld_by_assessments, true),
            Cell::partial(&r.pending, true),
            if r.reported_unitemised_known {
                Cell::millions(r.reported_unitemised)
            } else {
                Cell::text("not published (see all partners)")
            },
        ]
    };
    let mut cycle_rows: Vec<Vec<Cell>> = now
        .partners
        .iter()
        .map(|p| cycle_row(Cell::partner(&p.code, &s.pages), &p.requests, p.figures.paid_regular))
        .collect();
    cycle_rows.push(cycle_row(Cell::text("all partners"), &now.requests, now.facility.paid_regular));
    let cycle = Table::new(
        "cycle",
        "The payment cycle per partner: requests, the Commission's assessments, payments",
        cycle_columns,
        cycle_rows,
    );

    let money_columns = vec![
        col("partner", "", false),
        col("envelope", "", true),
        col("committed", "", true),
        col("paid (net)", "", true),
        col("as grants", "", true),
        col("as loans", "", true),
        col("to budgets", "", true),
        col("through the WBIF", "", true),
        col("share of envelope paid", "", true),
    ];
    let money_row = |partner: Cell, f: &crate::progress::Figures, paid_known: bool| -> Vec<Cell> {
        let paid = Cell::millions(f.paid);
        vec![
            partner,
            Cell::millions(f.envelope),
            if f.committed == 0 { Cell::text("none recorded") } else { Cell::millions(f.committed) },
            if paid_known { paid } else { Cell { t: format!("at least {}", paid.t), ..paid } },
            Cell::millions(f.paid_grant),
            Cell::millions(f.paid_loan),
            Cell::millions(f.paid_budget),
            Cell::millions(f.paid_wbif),
            Cell::text(share(f.paid, f.envelope)),
        ]
    };
    let mut money_rows: Vec<Vec<Cell>> = now
        .partners
        .iter()
        .map(|p| money_row(Cell::partner(&p.code, &s.pages), &p.figures, p.requests.reported_unitemised_known))
        .collect();
    money_rows.push(money_row(Cell::text("all partners"), &now.facility, true));
    let money =
        Table::new("money", "Envelope, committed and paid per partner (EUR millions)", money_columns, money_rows);

    // Cumulative payments by month: a column per partner (and the plan where steps are known).
    let months: Vec<&str> = {
        let mut m: Vec<&str> = now.timeline.iter().map(|t| t.month.as_str()).collect();
        m.sort();
        m.dedup();
        m
    };
    let mut cumulative_columns = vec![col("month", "", false)];
    for p in &now.partners {
        cumulative_columns.push(col(&format!("{} paid", p.code), "", true));
    }
    cumulative_columns.push(col("all partners paid", "", true));
    if s.any_steps {
        cumulative_columns.push(col("all partners planned", "", true));
    }
    let by_key: BTreeMap<(&str, &str), (i64, i64)> = now
        .timeline
        .iter()
        .map(|t| ((t.month.as_str(), t.partner.as_str()), (t.paid_cumulative, t.planned_cumulative)))
        .collect();
    let cumulative_rows: Vec<Vec<Cell>> = months
        .iter()
        .map(|month| {
            let mut row = vec![Cell::text(*month)];
            let (mut paid, mut planned) = (0, 0);
            for p in &now.partners {
                let (a, b) = by_key.get(&(*month, p.code.as_str())).copied().unwrap_or_default();
                paid += a;
                planned += b;
                row.push(Cell::millions(a));
            }
            row.push(Cell::millions(paid));
            if s.any_steps {
                row.push(Cell::millions(planned));
            }
            row
        })
        .collect();
    let cumulative = Table::new(
        "cumulative",
        "Cumulative payments at the end of each month (EUR millions)",
        cumulative_columns,
        cumulative_rows,
    );

    (cycle, money, cumulative)
}

/// Where steps are known: the steps by status and the money at stake per partner, each chart with its table.
fn step_charts(s: &Site) -> Vec<Chart> {
    let now = s.input.now;
    if s.any_steps {
        let counts = now.stage_counts();
        let stage_rows: Vec<Vec<Cell>> = now
            .partners
            .iter()
            .filter(|p| p.requests.granularity == Granularity::Steps)
            .map(|p| {
                let c = crate::progress::partner_stage_counts(&counts, &p.code);
                let mut row = vec![Cell::partner(&p.code, &s.pages)];
                row.extend(c.iter().map(|n| Cell::text(n.to_string())));
                row
            })
            .collect();
        let stage_columns = vec![
            col("partner", "", false),
            col("fulfilled", "", true),
            col("partially fulfilled", "", true),
            col("overdue, in grace", "", true),
            col("expired", "", true),
            col("not yet due", "", true),
        ];
        let money_rows: Vec<Vec<Cell>> = now
            .partners
            .iter()
            .filter(|p| p.requests.granularity == Granularity::Steps)
            .map(|p| {
                let f = &p.figures;
                vec![
                    Cell::partner(&p.code, &s.pages),
                    Cell::millions(f.value_paid),
                    Cell::millions(f.value_fulfilled_unpaid),
                    Cell::millions(f.value_withheld),
                    Cell::millions(f.value_expired),
                    Cell::millions(f.value_ahead),
                ]
            })
            .collect();
        let money_columns = vec![
            col("partner", "", false),
            col("paid", "", true),
            col("fulfilled, not yet paid", "", true),
            col("unmet, in grace", "", true),
            col("expired", "", true),
            col("not yet due", "", true),
        ];
        [
            s.chart(
                "steps",
                "Stacked bar chart of each partner's reform steps by status.".into(),
                "Reform steps per partner by status (partners whose steps are known); the table gives the counts."
                    .into(),
                Table::new("stages", "Reform steps per partner by status", stage_columns, stage_rows),
            ),
            s.chart(
                "money",
                "Stacked bar chart of the money tied to each partner's reform steps, by what became of it.".into(),
                "Money at stake in reform steps; the table gives the figures.".into(),
                Table::new("at-stake", "Money at stake in reform steps (EUR millions)", money_columns, money_rows),
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    } else {
        Vec::new()
    }
}

/// A page per partner: its figures, requests and assessments, releases, history, agreements and
/// conditions, and its steps where they are known.
fn partner_pages(s: &Site) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let (l, now) = (s.input.ledger, s.input.now);
    let as_of = now.as_of;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let releases_of: BTreeMap<&str, Vec<&crate::replay::Release>> = {
        let mut by: BTreeMap<&str, Vec<&crate::replay::Release>> = BTreeMap::new();
        for r in s.input.replay.releases.iter().filter(|r| r.date <= as_of) {
            by.entry(r.partner_code(l)).or_default().push(r);
        }
        by
    };
    let counts = now.stage_counts();
    for p in &now.partners {
        let href = s.pages.href(&p.code).expect("every partner has a page");
        let row = l.partner(&p.code);
        let pf = &p.figures;
        let by_step = p.requests.granularity == Granularity::Steps;
        let agreements: Vec<Value> = match row {
            Some(row) => vec![
                context! { what => "Reform Agenda approved", date => row.agenda_approved.map(date::format) },
                context! { what => "Facility Agreement in force", date => row.facility_agreement_in_force.map(date::format) },
                context! { what => "Loan Agreement in force", date => row.loan_agreement_in_force.map(date::format) },
            ],
            None => Vec::new(),
        };
        let pid = row.and_then(|_| l.partner_codes.iter().position(|c| c.as_str() == p.code));
        let mine = |id: crate::ledger::model::PartnerId| pid.is_some_and(|n| n == id.0 as usize);
        let conditions: Vec<Vec<Cell>> = l
            .conditions
            .iter()
            .filter(|c| mine(c.partner) && c.date <= as_of)
            .map(|c| {
                vec![
                    Cell::text(date::format(c.date)),
                    Cell::text(c.layer.as_str()),
                    Cell::text(c.status.as_str().replace('_', " ")),
                    Cell::text(l.text(c.note)),
                    Cell::source(l.text(c.source)),
                ]
            })
            .collect();
        let commitments: Vec<Vec<Cell>> = l
            .commitments
            .iter()
            .filter(|c| mine(c.partner) && c.date <= as_of)
            .map(|c| {
                vec![
                    Cell::text(date::format(c.date)),
                    Cell::text(c.id.as_str()),
                    Cell::text(c.kind.as_str().replace('_', " ")),
                    Cell::text(format!(
                        "{} {}",
                        c.channel.map_or("any channel", |ch| ch.as_str()),
                        c.instrument.as_str()
                    )),
                    Cell::euros(c.amount),
                    Cell::source(l.text(c.source)),
                ]
            })
            .collect();
        let allocations: Vec<Vec<Cell>> = l
            .allocations
            .iter()
            .filter(|a| mine(a.partner) && a.date <= as_of)
            .map(|a| {
                vec![
                    Cell::text(date::format(a.date)),
                    Cell::text(a.kind.as_str()),
                    Cell::text(a.instrument.as_str()),
                    Cell::euros(a.amount),
                    Cell::source(l.text(a.source)),
                ]
            })
            .collect();
        let mine_releases = releases_of.get(p.code.as_str()).map(Vec::as_slice).unwrap_or_default();
        let skip = mine_releases.len().saturating_sub(PARTNER_RELEASES);
        let release_rows: Vec<Vec<Cell>> =
            mine_releases[skip..].iter().rev().map(|r| tables::payment_row(l, r, &s.pages)).collect();
        let requests: Vec<&crate::progress::RequestState> =
            now.request_states.iter().filter(|q| q.partner == p.code).collect();
        let request_rows: Vec<Vec<Cell>> = requests.iter().map(|q| tables::request_row(q, as_of, &s.pages)).collect();
        let notes: Vec<Value> = requests
            .iter()
            .filter(|q| !q.note.is_empty() || !q.decisions.is_empty())
            .map(|q| {
                context! {
                    id => q.id,
                    note => q.note,
                    decisions => q.decisions.iter().map(|(d, source, note)| context! {
                        date => date::format(*d),
                        source => Cell::source(source),
                        note => note,
                    }).collect::<Vec<_>>(),
                }
            })
            .collect();
        let history: Vec<Vec<Cell>> = now
            .timeline
            .iter()
            .filter(|t| t.partner == p.code)
            .map(|t| {
                let mut row = vec![Cell::text(&t.month), Cell::millions(t.paid_cumulative)];
                if by_step {
                    row.push(Cell::millions(t.planned_cumulative));
                }
                row
            })
            .collect();
        let mut history_columns = vec![col("month", "", false), col("paid, cumulative", "", true)];
        if by_step {
            history_columns.push(col("planned, cumulative", "", true));
        }
        let areas: Vec<Vec<Cell>> = now
            .areas
            .iter()
            .filter(|a| a.partner == p.code)
            .map(|a| {
                let c = counts.get(&(p.code.as_str(), a.area.as_str())).copied().unwrap_or_default();
                let mut row = vec![Cell::text(&a.area), Cell::text(a.figures.steps_total.to_string())];
                row.extend(c.iter().map(|n| Cell::text(n.to_string())));
                row.push(Cell::millions(a.figures.value_withheld));
                row
            })
            .collect();
        let area_columns = vec![
            col("policy area", "", false),
            col("steps", "", true),
            col("fulfilled", "", true),
            col("partially", "", true),
            col("overdue, in grace", "", true),
            col("expired", "", true),
            col("not yet due", "", true),
            col("unmet money, in grace", "", true),
        ];
        let chart_name = crate::charts::partner_chart_name(now, &p.code);
        let area_table =
            Table::new("areas", format!("{}: steps by policy area", p.code), area_columns, areas).under("../");
        let partner_chart = if by_step {
            s.chart(
                &chart_name,
                format!("Stacked bar chart of {}'s reform steps by policy area and status.", p.name),
                "Steps by policy area; the table gives the counts.".into(),
                area_table.clone(),
            )
        } else {
            None
        };
        let deadline_rows: Vec<Vec<Cell>> = now
            .deadlines
            .iter()
            .filter(|d| d.partner == p.code)
            .map(|d| {
                vec![
                    Cell::text(date::format(d.date)),
                    Cell::text(what(d.kind)),
                    Cell::text(&d.step),
                    Cell::euros(d.amount),
                ]
            })
            .collect();
        let ctx = context! {
            code => p.code,
            name => p.name,
            local_name => p.local_name,
            by_step => by_step,
            note => row.map(|r| l.text(r.note)),
            partner_source => row.map(|r| Cell::source(l.text(r.source))),
            agreements => agreements,
            figures => vec![
                context! { label => "Envelope", value => m(pf.envelope) },
                context! { label => "Committed", value => if pf.committed == 0 { "none recorded".to_string() } else { m(pf.committed) } },
                context! { label => "Paid (net)", value => if p.requests.reported_unitemised_known { m(pf.paid) } else { format!("at least {}", m(pf.paid)) } },
                context! { label => "Share of the envelope paid", value => share(pf.paid, pf.envelope) },
                context! { label => "Paid as grants", value => m(pf.paid_grant) },
                context! { label => "Paid as loans", value => m(pf.paid_loan) },
                context! { label => "Paid to the budget", value => m(pf.paid_budget) },
                context! { label => "Paid through the WBIF", value => m(pf.paid_wbif) },
                context! { label => "Pre-financing paid", value => m(pf.paid_prefinancing) },
                context! { label => "Pre-financing cleared", value => m(pf.prefinancing_cleared) },
                context! { label => "Requests submitted", value => p.requests.requests_submitted.to_string() },
                context! { label => "Requests assessed", value => p.requests.requests_assessed.to_string() },
                context! { label => "Requested", value => bound(&p.requests.requested, true) },
                context! { label => "Approved", value => bound(&p.requests.approved, true) },
                context! { label => "Pending with the Commission", value => bound(&p.requests.pending, true) },
                context! { label => "Not approved, grace period running", value => bound(&p.requests.withheld_by_assessments, true) },
                context! { label => "Published, not itemised", value => if p.requests.reported_unitemised_known { m(p.requests.reported_unitemised) } else { "not published (part of the total of all partners)".to_string() } },
            ],
            steps => if by_step { vec![
                context! { label => "Steps fulfilled of due", value => format!("{} of {}", pf.steps_fulfilled, pf.steps_due) },
                context! { label => "Steps overdue", value => pf.steps_overdue.to_string() },
                context! { label => "Unmet money, in grace", value => m(pf.value_withheld) },
                context! { label => "Expired", value => m(pf.value_expired) },
            ] } else { Vec::new() },
            requests => Table::new("requests", format!("{}: payment requests and the Commission's assessments", p.code), tables::request_columns(), request_rows).under("../"),
            notes => notes,
            releases => Table::new("releases", format!("{}: releases, latest first", p.code), tables::payment_columns(), release_rows).under("../"),
            earlier_releases => skip,
            history => Table::new("history", format!("{}: cumulative payments by month", p.code), history_columns, history).under("../"),
            conditions => Table::new("conditions", format!("{}: assessments of the conditions", p.code), vec![
                col("date", "", false),
                col("condition", "", false),
                col("status", "", false),
                col("note", "", false),
                col("source", "", false),
            ], conditions).under("../"),
            commitments => Table::new("commitments", format!("{}: commitments", p.code), vec![
                col("date", "", false),
                col("commitment", "", false),
                col("kind", "", false),
                col("channel", "", false),
                col("amount", "", true),
                col("source", "", false),
            ], commitments).under("../"),
            allocations => Table::new("allocations", format!("{}: envelope allocations and changes", p.code), vec![
                col("date", "", false),
                col("kind", "", false),
                col("instrument", "", false),
                col("amount", "", true),
                col("source", "", false),
            ], allocations).under("../"),
            areas => area_table,
            partner_chart => partner_chart,
            deadlines => Table::new("partner-deadlines", format!("{}: steps falling due and grace periods ending by {}", p.code, date::format(s.six_months)), vec![
                col("date", "", false),
                col("what", "", false),
                col("step", "", false),
                col("amount", "", true),
            ], deadline_rows).under("../"),
            // The page of the listing where its steps begin (steps are sorted by partner).
            steps_href => {
                let first = now.steps.iter().position(|st| st.partner == p.code).unwrap_or(0);
                let names = tables::page_names("steps", now.steps.len());
                format!("{}?partner={}", names[first / tables::PAGE_ROWS], p.code)
            },
            ..s.page(
                &href,
                "../",
                format!("{} {}", p.code, p.name),
                format!("{} under the {}: requests, assessments, releases and sources, as of {}.", p.name, l.facility.short_name, date::format(as_of)),
                &if by_step { format!("{chart_name}.png") } else { "requests.png".to_string() },
                false,
            )
        };
        files.push((href, s.render("partner.html", ctx)?));
    }

    Ok(files)
}

/// The listings: payments and steps paged, requests whole.
fn listings(s: &Site) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let (l, now) = (s.input.ledger, s.input.now);
    let as_of = now.as_of;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let releases: Vec<&crate::replay::Release> = s.input.replay.releases.iter().filter(|r| r.date <= as_of).collect();
    let payment_filters = [("partner", "partner"), ("kind", "kind"), ("channel", "channel")];
    // Each filter offers the values the listing holds.
    let distinct = |values: &mut dyn Iterator<Item = String>| -> Vec<String> {
        values.collect::<std::collections::BTreeSet<String>>().into_iter().collect()
    };
    let payment_values = vec![
        distinct(&mut releases.iter().map(|r| r.partner_code(l).to_string())),
        distinct(&mut releases.iter().map(|r| tables::kind_name(r.kind).to_string())),
        distinct(
            &mut releases
                .iter()
                .flat_map(|r| r.components(l).iter().map(|p| p.channel.as_str().to_string()).collect::<Vec<_>>()),
        ),
    ];
    let names = tables::page_names("payments", releases.len());
    let rendered: Vec<Result<(String, Vec<u8>), minijinja::Error>> = crate::meter::timed(
        "site: payments pages",
        || {
            names
        .par_iter()
        .enumerate()
        .map(|(k, name)| {
            let chunk = releases.chunks(tables::PAGE_ROWS).nth(k).unwrap_or_default();
            let rows: Vec<Vec<Cell>> = chunk.iter().map(|r| tables::payment_row(l, r, &s.pages)).collect();
            let table = Table::new("payments", "Every release, oldest first", tables::payment_columns(), rows)
                .interactive(&payment_filters, &payment_values);
            let ctx = context! {
                heading => "Payments",
                intro => "Every release recorded up to the site's date: what was transferred (net of the pre-financing clearance), its parts by channel and instrument, the request it pays and its source.",
                listing => table,
                total => releases.len(),
                pager => pager(&names, k),
                export => "data/payments.csv",
                ..s.page(name, "", "Payments".into(), format!("Every release of the {} as of {}, with its channel split and source.", l.facility.short_name, date::format(as_of)), "cumulative.png", true)
            };
            Ok((name.clone(), s.render("listing.html", ctx)?))
        })
        .collect()
        },
    );
    for r in rendered {
        files.push(r?);
    }

    let request_rows: Vec<Vec<Cell>> =
        now.request_states.iter().map(|q| tables::request_row(q, as_of, &s.pages)).collect();
    let request_values = vec![
        distinct(&mut now.request_states.iter().map(|q| q.partner.clone())),
        distinct(&mut now.request_states.iter().map(|q| tables::request_stage(q, as_of).to_string())),
    ];
    let table =
        Table::new("requests", "Every payment request, by partner and date", tables::request_columns(), request_rows)
            .interactive(&[("partner", "partner"), ("status", "status")], &request_values);
    let ctx = context! {
        heading => "Payment requests",
        intro => "Every payment request submitted up to the site's date, with the Commission's assessments and what was paid. A blank published figure reads \u{201c}not published\u{201d}; a sum with blanks reads \u{201c}at least\u{201d}.",
        listing => table,
        total => now.request_states.len(),
        export => "data/export/requests.csv",
        ..s.page("requests.html", "", "Payment requests".into(), format!("Every payment request under the {} as of {}, with its assessment, payment and source.", l.facility.short_name, date::format(as_of)), "requests.png", true)
    };
    files.push(("requests.html".into(), s.render("listing.html", ctx)?));

    let steps_description = format!(
        "The reform steps of the {} as of {}, where they are published.",
        l.facility.short_name,
        date::format(as_of)
    );
    if now.steps.is_empty() {
        let ctx = context! {
            ..s.page("steps.html", "", "Reform steps".into(), steps_description, "requests.png", false)
        };
        files.push(("steps.html".into(), s.render("steps.html", ctx)?));
    } else {
        let names = tables::page_names("steps", now.steps.len());
        let step_values = vec![
            distinct(&mut now.steps.iter().map(|st| st.partner.to_string())),
            distinct(&mut now.steps.iter().map(|st| tables::step_stage(st.stage).to_string())),
        ];
        let rendered: Vec<Result<(String, Vec<u8>), minijinja::Error>> = crate::meter::timed(
            "site: steps pages",
            || {
                names
            .par_iter()
            .enumerate()
            .map(|(k, name)| {
                let chunk = now.steps.chunks(tables::PAGE_ROWS).nth(k).unwrap_or_default();
                let rows: Vec<Vec<Cell>> = chunk.iter().map(|st| tables::step_row(st, &s.pages)).collect();
                let table = Table::new("steps", "Reform steps by partner and id", tables::step_columns(), rows)
                    .interactive(&[("partner", "partner"), ("status", "status")], &step_values);
                let ctx = context! {
                    heading => "Reform steps",
                    intro => "Every reform step whose amount and deadline are published, with its status on the site's date and the money it holds back. Partners whose steps are not published are followed request by request.",
                    listing => table,
                    total => now.steps.len(),
                    pager => pager(&names, k),
                    export => "data/export/steps.csv",
                    ..s.page(name, "", "Reform steps".into(), steps_description.clone(), "steps.png", true)
                };
                Ok((name.clone(), s.render("listing.html", ctx)?))
            })
            .collect()
            },
        );
        for r in rendered {
            files.push(r?);
        }
    }

    Ok(files)
}

/// Every source cited, the published totals and the known gaps.
fn sources_page(s: &Site) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let (l, now) = (s.input.ledger, s.input.now);
    let as_of = now.as_of;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let sources = sources::cited(l, s.input.replay, as_of, &s.pages);
    let gaps: Vec<Vec<Cell>> = now
        .known_gaps
        .iter()
        .map(|g| {
            vec![
                Cell::text(date::format(g.date)),
                Cell::text(&g.partner),
                Cell::text(g.measure),
                Cell::millions(g.published),
                Cell::millions(g.itemised),
                Cell::millions(g.unitemised),
                Cell::text(if g.status == "known_gap" { "known gap" } else { "itemised" }),
                Cell::source(&g.source),
            ]
        })
        .collect();
    let ctx = context! {
        sources => sources.iter().enumerate().map(|(k, c)| context! {
            id => format!("source-{}", k + 1),
            link => web_address(&c.address).is_some(),
            address => c.address,
            cited_by => c.cited_by,
        }).collect::<Vec<_>>(),
        named => sources::NAMED,
        control => control_table(s.input.control),
        gaps => Table::new("gaps", "Published totals the ledgers do not itemise yet (known gaps)", vec![
            col("date", "", false),
            col("partner", "", false),
            col("measure", "", false),
            col("published", "", true),
            col("itemised in the ledgers", "", true),
            col("not itemised", "", true),
            col("status", "", false),
            col("source", "", false),
        ], gaps),
        ..s.page("sources.html", "", "Sources".into(), format!("Every source the {} tracker cites, with the rows that cite it, and the published totals the ledgers are checked against.", l.facility.short_name), "requests.png", false)
    };
    files.push(("sources.html".into(), s.render("sources.html", ctx)?));

    Ok(files)
}

/// The changes month by month, and the Atom feed of them (dated by the ledgers, never the clock).
fn changes_pages(s: &Site) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let (l, now) = (s.input.ledger, s.input.now);
    let as_of = now.as_of;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut by_month: BTreeMap<String, Vec<&Change>> = BTreeMap::new();
    for c in s.input.changes {
        by_month.entry(date::format(c.date)[..7].to_string()).or_default().push(c);
    }
    // A month with a report but no change is listed too, with its report.
    let with_changes: Vec<String> = by_month.keys().cloned().collect();
    for m in &s.report_months {
        by_month.entry(m.clone()).or_default();
    }
    let month_sections: Vec<Value> = by_month
        .iter()
        .rev()
        .map(|(month, list)| {
            let rows: Vec<Vec<Cell>> = list.iter().take(CHANGES_PER_MONTH).map(|c| change_row(c, &s.pages)).collect();
            context! {
                month => month,
                count => list.len(),
                more => list.len().saturating_sub(CHANGES_PER_MONTH),
                report => s.report_months.contains(month).then(|| format!("reports/{month}/report.html")),
                table => Table::new(&format!("m-{month}-table"), format!("Changes in {month}"), change_columns(), rows),
            }
        })
        .collect();
    let ctx = context! {
        months => month_sections,
        reports => !s.report_months.is_empty(),
        ..s.page("changes.html", "", "Changes".into(), format!("What changed in the {}, month by month, with an Atom feed.", l.facility.short_name), "cumulative.png", false)
    };
    files.push(("changes.html".into(), s.render("changes.html", ctx)?));
    let entries: Vec<Value> = by_month
        .iter()
        .rev()
        .filter(|(month, _)| with_changes.contains(month))
        .map(|(month, list)| {
            let last = list.iter().map(|c| c.date).max().unwrap_or(as_of);
            context! {
                month => month,
                count => list.len(),
                updated => format!("{}T00:00:00Z", date::format(last)),
                items => list.iter().take(CHANGES_PER_MONTH).map(|c| format!(
                    "{} {}: {}{}{}{}",
                    date::format(c.date),
                    c.partner,
                    what(c.what),
                    if c.reference.is_empty() { String::new() } else { format!(" {}", c.reference) },
                    c.amount.map_or(String::new(), |a| format!(", EUR {}", format_grouped(a as i128))),
                    if c.source.is_empty() { String::new() } else { format!(" ({})", c.source) },
                )).collect::<Vec<_>>(),
                more => list.len().saturating_sub(CHANGES_PER_MONTH),
            }
        })
        .collect();
    let feed_updated = s.input.changes.iter().map(|c| c.date).max().or(s.last_changed).unwrap_or(as_of);
    let ctx = context! {
        facility => l.facility.name,
        short_name => l.facility.short_name,
        base_url => s.input.base_url,
        updated => format!("{}T00:00:00Z", date::format(feed_updated)),
        entries => entries,
    };
    files.push(("feed.xml".into(), s.render("feed.xml", ctx)?));

    Ok(files)
}

/// The downloads (ledgers, data package, exports, summary) and the page that lists them with their SHA-256.
fn data_pages(s: &Site, ledgers: Vec<(String, Vec<u8>)>) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let (l, now) = (s.input.ledger, s.input.now);
    let as_of = now.as_of;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut downloads: Vec<(String, String, Vec<u8>)> = Vec::new();
    for (name, bytes) in ledgers {
        downloads.push((format!("data/{name}"), format!("the ledger {name}, as recorded"), bytes));
    }
    downloads.push((
        "data/datapackage.json".into(),
        "the ledgers' Frictionless Data Package: every column, its type and meaning".into(),
        crate::ledger::datapackage::datapackage_text().into_bytes(),
    ));
    downloads.push((
        "data/summary.json".into(),
        format!("the figures as of {} (the document of status --format json)", date::format(as_of)),
        crate::render::status::json(now, None).into_bytes(),
    ));
    let mut export_tables = crate::meter::timed("site: export tables", || crate::render::status::tables(now));
    export_tables
        .push(crate::meter::timed("site: changes table", || crate::render::status::changes_table(s.input.changes)));
    let guide = export_guide();
    let mut guides = Vec::new();
    for t in &export_tables {
        let (rows, columns) = guide.get(t.name).cloned().unwrap_or_default();
        guides.push(context! {
            name => t.name,
            rows => Value::from_safe_string(rows),
            columns => Value::from_safe_string(columns),
            count => t.rows.len(),
        });
    }
    // Each table as CSV and JSON side by side, beside the Parquet files made one after the other (polars
    // works on every core itself: Parquet jobs side by side only wait for each other).
    let text_jobs: Vec<(usize, &str)> = (0..export_tables.len()).flat_map(|k| [(k, "csv"), (k, "json")]).collect();
    let (text, parquet) = rayon::join(
        || {
            text_jobs
                .par_iter()
                .map(|&(k, format)| {
                    let t = &export_tables[k];
                    let bytes = crate::meter::timed(&format!("site: {}.{format}", t.name), || match format {
                        "csv" => crate::render::status::csv(t).into_bytes(),
                        _ => tables::table_json(t),
                    });
                    ((k, format), bytes)
                })
                .collect::<Vec<_>>()
        },
        || {
            export_tables
                .iter()
                .enumerate()
                .map(|(k, t)| {
                    let bytes =
                        crate::meter::timed(&format!("site: {}.parquet", t.name), || crate::compute::parquet(t))?;
                    Ok(((k, "parquet"), bytes))
                })
                .collect::<Result<Vec<_>, crate::compute::ComputeError>>()
        },
    );
    let exported: BTreeMap<(usize, &str), Vec<u8>> = text.into_iter().chain(parquet?).collect();
    for ((k, format), bytes) in exported {
        let name = export_tables[k].name;
        let shown = match format {
            "csv" => "CSV",
            "json" => "JSON",
            _ => "Parquet",
        };
        downloads.push((format!("data/export/{name}.{format}"), format!("the {name} table as {shown}"), bytes));
    }
    let listed: Vec<Download> = downloads
        .par_iter()
        .map(|(path, what, bytes)| Download {
            path: path.clone(),
            what: what.clone(),
            size: size_text(bytes.len()),
            sha256: format!("{:x}", sha2::Sha256::digest(bytes)),
        })
        .collect();
    let ledger_guide: Vec<Value> = crate::ledger::schema::LedgerFile::TABLES
        .iter()
        .filter_map(|f| f.spec())
        .map(|spec| context! {
            file => spec.file.file_name(),
            columns => spec.columns.iter().map(|c| context! { name => c.name, description => c.description }).collect::<Vec<_>>(),
        })
        .collect();
    let ctx = context! {
        downloads => listed,
        guides => guides,
        ledger_guide => ledger_guide,
        ..s.page("data.html", "", "Data".into(), format!("Download the {} tracker's ledgers and tables (CSV, JSON, Parquet) with their SHA-256.", l.facility.short_name), "funnel.png", false)
    };
    files.push(("data.html".into(), s.render("data.html", ctx)?));
    for (path, _, bytes) in downloads {
        files.push((path, bytes));
    }

    Ok(files)
}

/// The method: the definitions of docs/OUTPUT.md.
fn method_page(s: &Site) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let l = s.input.ledger;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let definitions = markdown::section(OUTPUT_MD, "## Definitions").map(markdown::to_html).unwrap_or_default();
    let ctx = context! {
        definitions => Value::from_safe_string(definitions),
        ..s.page("method.html", "", "Method".into(), format!("How the {} tracker computes each figure: the definitions.", l.facility.short_name), "funnel.png", false)
    };
    files.push(("method.html".into(), s.render("method.html", ctx)?));

    Ok(files)
}

/// The latest date of a row recorded up to `as_of` (the rows [`Ledger::latest_date`] reads): when the data
/// last changed, as the site's date sees it.
fn latest_up_to(l: &Ledger, as_of: Date) -> Option<Date> {
    let up_to = |d: &Date| *d <= as_of;
    [
        l.allocations.iter().map(|r| r.date).filter(up_to).max(),
        l.commitments.iter().map(|r| r.date).filter(up_to).max(),
        l.step_events.iter().map(|r| r.date).filter(up_to).max(),
        l.payments.iter().map(|r| r.date).filter(up_to).max(),
        l.conditions.iter().map(|r| r.date).filter(up_to).max(),
        l.requests.iter().map(|r| r.date).filter(up_to).max(),
        l.assessments.iter().map(|r| r.date).filter(up_to).max(),
        l.corrections.iter().map(|r| r.date).filter(up_to).max(),
        l.control_totals.iter().map(|r| r.date).filter(up_to).max(),
        l.partners
            .iter()
            .flat_map(|p| [p.agenda_approved, p.facility_agreement_in_force, p.loan_agreement_in_force])
            .flatten()
            .filter(up_to)
            .max(),
    ]
    .into_iter()
    .flatten()
    .max()
}

/// The pager of page `k` of a listing: every page's file, and which is this one.
fn pager(names: &[String], k: usize) -> Value {
    context! {
        pages => names,
        current => k,
        previous => k.checked_sub(1).map(|p| names[p].clone()),
        next => names.get(k + 1),
    }
}

/// The control totals and how the ledgers compare.
fn control_table(control: &[ControlFigure]) -> Table {
    let rows = control
        .iter()
        .map(|c| {
            vec![
                Cell::text(&c.date),
                Cell::text(&c.partner),
                Cell::text(&c.measure),
                Cell::text(&c.expected_eur),
                Cell::text(&c.computed_eur),
                Cell::text(&c.difference_eur),
                Cell::text(if c.known_gap {
                    "known gap"
                } else if c.ok {
                    "yes"
                } else {
                    "no"
                }),
                Cell::source(&c.source),
            ]
        })
        .collect();
    Table::new(
        "control",
        "Published totals against the ledgers (EUR)",
        vec![
            col("date", "", false),
            col("partner", "", false),
            col("measure", "", false),
            col("published", "", true),
            col("ledgers", "", true),
            col("difference", "", true),
            col("agrees", "", false),
            col("source", "", false),
        ],
        rows,
    )
}

/// What docs/OUTPUT.md says of each exported table: its rows and columns, as HTML.
fn export_guide() -> BTreeMap<&'static str, (String, String)> {
    let mut out = BTreeMap::new();
    let Some(section) = markdown::section(OUTPUT_MD, "## `export`") else { return out };
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        if let [name, rows, columns, ..] = cells[..] {
            let name = name.trim_matches('`');
            let key: &'static str = match name {
                "partners" => "partners",
                "requests" => "requests",
                "known_gaps" => "known_gaps",
                "areas" => "areas",
                "steps" => "steps",
                "timeline" => "timeline",
                "deadlines" => "deadlines",
                "changes" => "changes",
                _ => continue,
            };
            out.insert(key, (markdown::inline_html(rows), markdown::inline_html(columns)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_pages_are_named_by_safe_codes_only() {
        let pages = PartnerPages::new(&["AL", "x/../y", "al", "<b>", "RS_2"]);
        assert_eq!(pages.href("AL").unwrap(), "partners/AL.html");
        assert_eq!(pages.href("x/../y").unwrap(), "partners/partner-2.html");
        assert_eq!(pages.href("al").unwrap(), "partners/partner-3.html");
        assert_eq!(pages.href("<b>").unwrap(), "partners/partner-4.html");
        assert_eq!(pages.href("RS_2").unwrap(), "partners/RS_2.html");
        assert_eq!(pages.href("XK"), None);
    }

    #[test]
    fn only_plain_web_addresses_are_links() {
        assert_eq!(web_address("https://www.eeas.europa.eu/x?y=1").as_deref(), Some("eeas.europa.eu"));
        assert_eq!(web_address("http://post.mk/a").as_deref(), Some("post.mk"));
        assert_eq!(web_address("javascript:alert(1)"), None);
        assert_eq!(web_address("https://x.eu/\"><img src=x onerror=alert(1)>"), None);
        assert_eq!(web_address("Official Journal L 1449"), None);
        assert_eq!(web_address("https://"), None);
    }

    #[test]
    fn the_export_guide_names_every_exported_table() {
        let guide = export_guide();
        for name in ["partners", "requests", "known_gaps", "areas", "steps", "timeline", "deadlines", "changes"] {
            assert!(guide.get(name).is_some_and(|(rows, columns)| !rows.is_empty() && !columns.is_empty()), "{name}");
        }
    }

    #[test]
    fn the_method_page_has_the_definitions_of_docs_output() {
        let html = markdown::to_html(markdown::section(OUTPUT_MD, "## Definitions").unwrap());
        for term in ["value_withheld", "value_expired", "pre-financing cleared", "knownness"] {
            assert!(html.contains(term), "{term}");
        }
    }
}
