//! The public website (`growthplan site`): static pages built from the same `Progress`, changes, check
//! findings and export tables as `status`, `export` and `report`, with minijinja templates that escape
//! every value (`templates/site/`). It writes its files into a folder `run` puts in place whole. Nothing
//! in it reads the clock: the same ledgers and date give the same bytes.

pub mod glance;
mod home;
mod listings;
pub mod markdown;
mod outlook;
mod pages;
mod partner;
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
use crate::progress::{Change, Granularity, Progress, RequestFigures};
use crate::replay::Replay;
use crate::report::what;
use crate::write::Staging;
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
    pub findings: &'a [Diagnostic],
    pub control: &'a [ControlFigure],
    pub charts: &'a [ChartFile],
    /// The monthly reports published with the site (`--reports`), by month.
    pub reports: Vec<MonthReport>,
    /// Where the site is published (ends with `/`), for absolute preview-image addresses.
    pub base_url: Option<&'a str>,
}

/// A file of the data folder as it was read: the site offers it as a download ([`copy_ledgers`]).
pub struct LedgerFile<'a> {
    pub name: String,
    pub bytes: std::borrow::Cow<'a, [u8]>,
}

pub use pages::copy_ledgers;

/// A month's report folder as `report` wrote it: its month (`YYYY-MM`) and its files by path inside it.
pub struct MonthReport {
    pub month: String,
    pub files: Vec<(String, Vec<u8>)>,
}

/// The file name of each partner's page, by code. Codes are checked by the loader; a code that is not
/// only letters, digits, `-` and `_`, or that would clash with another once lower-cased, gets its
/// position instead: no path is built from other text.
#[derive(Clone)]
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
        self.href_str(code).map(str::to_string)
    }

    /// [`PartnerPages::href`], borrowed.
    pub fn href_str(&self, code: &str) -> Option<&str> {
        self.files.get(code).map(String::as_str)
    }
}

/// The host of a plain web address (`https://www.example.eu/x` -> `example.eu`), which the site shows as
/// a link; `None` for anything else, which is shown as text.
pub fn web_address(s: &str) -> Option<String> {
    web_host(s).map(str::to_string)
}

/// [`web_address`], borrowed from `s`.
pub fn web_host(s: &str) -> Option<&str> {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"))?;
    let plain = !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '`' | '\\'));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    (plain && !host.is_empty()).then(|| host.strip_prefix("www.").unwrap_or(host))
}

fn m(cents: i64) -> String {
    format_millions(cents as i128)
}

pub(crate) use crate::report::bound;

fn share(part: i64, whole: i64) -> String {
    if whole == 0 {
        "no envelope".into()
    } else {
        Rate::ratio(part as i128, whole as i128).to_percent_1dp()
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
        Cell::partner(c.partner, pages),
        Cell::text(what(c.what)),
        Cell::text(c.reference),
        match c.amount {
            None if c.what.starts_with("request") => {
                Cell { t: "not published".into(), s: Some("-1".into()), ..Cell::default() }
            }
            None => Cell::default(),
            Some(a) => Cell::euros(a),
        },
        Cell::source(c.source),
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

/// A file of the data page's list: where it is, what it is, its size and SHA-256.
#[derive(Serialize)]
pub struct Download {
    path: String,
    what: String,
    size: String,
    sha256: String,
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

/// Writes the files of the site into `out` (paths inside its folder) as they are made: at 10^6 payment rows
/// the site is half a gigabyte, which held whole before writing needed more than the 1.5 GB of issue 25's
/// target. `changes` computes every change from the facility's start up to the site's date, in a task of
/// its own that then makes the pages and downloads that need them, while the other tasks make the rest
/// (the 10^6 site target, BENCHMARKS.md). `ledgers` gives the downloads of the data folder's files, which
/// the caller copies into `out` ([`copy_ledgers`]); the data page lists them first.
pub fn build<'a>(
    mut input: SiteInput<'a>,
    changes: impl FnOnce() -> anyhow::Result<Vec<Change<'a>>> + Send,
    ledgers: impl FnOnce() -> anyhow::Result<Vec<Download>>,
    out: &Staging,
) -> anyhow::Result<()> {
    let reports = std::mem::take(&mut input.reports);
    let months: Vec<String> = reports.iter().map(|r| r.month.clone()).collect();
    let s = Site::new(&input, months)?;
    out.put("site.css", CSS.as_bytes())?;
    out.put("site.js", JS.as_bytes())?;
    for c in s.input.charts {
        out.put(&format!("charts/{}", c.name), &c.bytes)?;
    }
    for r in reports {
        for (path, bytes) in r.files {
            out.put(&format!("reports/{}/{path}", r.month), &bytes)?;
        }
    }
    let put_all = |files: Vec<(String, Vec<u8>)>| files.iter().try_for_each(|(path, bytes)| out.put(path, bytes));
    use crate::meter::timed;
    // Each part of the site as a task of its own, longest first, taken by whichever core is free: the
    // changes, and the pages and downloads made of them, after one another; the rest in any order (the
    // 10^6 site target, BENCHMARKS.md).
    let (mut with_changes, mut payments, mut tables, mut made_files, mut steps, mut rest) =
        (None, None, None, None, None, None);
    rayon::scope_fifo(|scope| {
        let s = &s;
        let (with_changes, payments, tables, made_files) =
            (&mut with_changes, &mut payments, &mut tables, &mut made_files);
        let (steps, rest) = (&mut steps, &mut rest);
        scope.spawn_fifo(move |_| {
            *with_changes = Some((|| -> anyhow::Result<(usize, Vec<Download>)> {
                let changes = timed("site: changes", changes)?;
                let s = Site { changes: &changes, ..s.clone() };
                let (downloads, pages) = rayon::join(
                    || pages::changes_downloads(&changes, out),
                    || -> anyhow::Result<()> {
                        out.put("index.html", &timed("site: home", || home::home(&s))?)?;
                        put_all(timed("site: changes and feed", || pages::changes_pages(&s))?)
                    },
                );
                pages?;
                Ok((changes.len(), downloads?))
            })());
        });
        scope.spawn_fifo(move |_| *payments = Some(listings::payments_and_sources(s, out)));
        scope.spawn_fifo(move |_| {
            let made = timed("site: export tables", || crate::render::export::tables(s.input.now));
            let counts: Vec<(&'static str, usize)> = made.iter().map(|t| (t.name, t.rows.len())).collect();
            *tables = Some(pages::table_downloads(&made, out).map(|listed| (counts, listed)));
        });
        scope.spawn_fifo(move |_| *made_files = Some(timed("site: made downloads", || pages::made_downloads(s, out))));
        scope.spawn_fifo(move |_| *steps = Some(timed("site: steps pages", || listings::steps_pages(s, out))));
        scope.spawn_fifo(move |_| {
            *rest = Some((|| -> anyhow::Result<()> {
                put_all(timed("site: partner pages", || partner::partner_pages(s))?)?;
                listings::requests_page(s, out)?;
                put_all(timed("site: method", || pages::method_page(s))?)
            })());
        });
    });
    // Every task has run when the scope ends.
    fn made<T>(part: Option<anyhow::Result<T>>) -> anyhow::Result<T> {
        part.unwrap_or_else(|| Err(anyhow::anyhow!("a part of the site was not made")))
    }
    let (changes, changes_downloads) = made(with_changes)?;
    for part in [payments, steps, rest] {
        made(part)?;
    }
    let (mut tables, table_downloads) = made(tables)?;
    tables.push(("changes", changes));
    let mut listed = ledgers()?;
    listed.extend(made(made_files)?);
    listed.extend(table_downloads);
    listed.extend(changes_downloads);
    pages::data_page(&s, listed, &tables, out)
}

/// What every page is built with: the input, the templates, the partners' page names and what every
/// page's frame shows.
#[derive(Clone)]
struct Site<'a> {
    input: &'a SiteInput<'a>,
    /// Every change from the facility's start up to the site's date (none until they are computed).
    changes: &'a [Change<'a>],
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
            changes: &[],
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
        let guide = pages::export_guide();
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
