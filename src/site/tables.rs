//! The site's tables as data for one template macro: columns, rows of cells (text, a sort key, a link,
//! the words a filter matches), and the filters a listing page offers. Every row is in the HTML; the
//! script only sorts, filters and searches what is there.

use serde::Serialize;

use crate::date;
use crate::ledger::model::Ledger;
use crate::money::format_millions;
use crate::progress::{Partial, RequestState, StepState};
use crate::replay::Release;
use crate::report::quoted::{kind_word, push_part_text};

/// Rows per page of a listing (payments, steps): a page stays quick in a browser at any size.
pub const PAGE_ROWS: usize = 1000;

#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub label: String,
    /// What a filter or the date range reads from this column (`partner`, `kind`, `channel`, `status`,
    /// `date`), or empty.
    pub key: &'static str,
    pub num: bool,
    /// A date or an id, kept on one line.
    pub short: bool,
}

pub fn col(label: &str, key: &'static str, num: bool) -> Column {
    // Dates and ids do not break inside (`2024-12-31`, `AL-24H2-01`).
    let short = key == "date"
        || matches!(
            label,
            "date" | "grace ends" | "steps due by" | "month" | "request" | "release" | "step" | "assessed"
        );
    Column { label: label.to_string(), key, num, short }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Cell {
    /// The text shown.
    pub t: String,
    /// The sort key, where the text does not sort (amounts in cents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s: Option<String>,
    /// A link: a page of the site (relative to the site's root) or a source's web address (`ext`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub h: Option<String>,
    pub ext: bool,
    /// The words a filter matches, where they are not the text (a release's channels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f: Option<String>,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Cell {
        Cell { t: t.into(), ..Cell::default() }
    }

    /// An amount of cents in EUR millions, sorted by its cents.
    pub fn millions(cents: i64) -> Cell {
        Cell { t: format_millions(cents as i128), s: Some(cents.to_string()), ..Cell::default() }
    }

    /// An exact amount, sorted by its cents.
    pub fn euros(cents: i64) -> Cell {
        let mut t = String::with_capacity(24);
        t.push_str("EUR ");
        crate::money::push_grouped(&mut t, cents as i128);
        Cell { t, s: Some(cents.to_string()), ..Cell::default() }
    }

    /// A figure that may be a lower bound or not published.
    pub fn partial(p: &Partial, euros: bool) -> Cell {
        Cell {
            t: super::bound(p, euros),
            s: Some(p.value().map_or_else(|| "-1".into(), |v| v.to_string())),
            ..Cell::default()
        }
    }

    /// A count or amount that may be blank ("not published").
    pub fn optional(v: Option<i64>, euros: bool) -> Cell {
        match v {
            None => Cell { t: "not published".into(), s: Some("-1".into()), ..Cell::default() },
            Some(v) if euros => Cell::millions(v),
            Some(v) => Cell { t: v.to_string(), s: Some(v.to_string()), ..Cell::default() },
        }
    }

    /// A partner's code, linking its page.
    pub fn partner(code: &str, pages: &super::PartnerPages) -> Cell {
        Cell { t: code.to_string(), h: pages.href(code), ..Cell::default() }
    }

    /// A source: a web address is a link (shown by its host), anything else text.
    pub fn source(s: &str) -> Cell {
        match super::web_address(s) {
            Some(host) => Cell { t: host, h: Some(s.to_string()), ext: true, ..Cell::default() },
            None => Cell::text(s),
        }
    }
}

/// A filter of a listing page: a select over the values of the column with `key`.
#[derive(Debug, Clone, Serialize)]
pub struct Filter {
    pub key: &'static str,
    pub label: &'static str,
    pub options: Vec<String>,
}

/// A table: its frame (caption, columns, filters) goes through the template macro `table`; its rows are
/// written by [`Table::body_html`] (a listing holds up to a thousand rows of a dozen cells, too many for a
/// template's per-cell work), escaped exactly as the templates escape.
#[derive(Debug, Clone)]
pub struct Table {
    pub id: String,
    pub caption: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// Sorting, filters and search (listing pages).
    pub interactive: bool,
    pub filters: Vec<Filter>,
    /// A date range over the `date` column.
    pub dates: bool,
    /// The way from the page the table is on to the site's root (`../` on a partner's page).
    pub root: &'static str,
}

impl Serialize for Table {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = serializer.serialize_struct("Table", 8)?;
        m.serialize_field("id", &self.id)?;
        m.serialize_field("caption", &self.caption)?;
        m.serialize_field("columns", &self.columns)?;
        m.serialize_field("count", &self.rows.len())?;
        m.serialize_field("body", &self.body_html())?;
        m.serialize_field("interactive", &self.interactive)?;
        m.serialize_field("filters", &self.filters)?;
        m.serialize_field("dates", &self.dates)?;
        m.end()
    }
}

/// Text as the templates show it: control characters (an escape sequence pasted into a note) as
/// `\u{1b}`, then escaped as HTML by minijinja's own escaping.
pub fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s);
    out
}

/// [`escaped`], added to `out`: a listing's page escapes ten thousand cells, most with nothing to escape.
fn push_escaped(out: &mut String, s: &str) {
    use std::fmt::Write;
    if !s.bytes().any(|b| b < 0x20 || b == 0x7f || matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | b'/' | 0xc2)) {
        // Nothing minijinja escapes and no control character (C1 controls start with the byte 0xc2).
        out.push_str(s);
    } else if s.chars().any(|c| c.is_control() && c != '\n') {
        let shown: String = s
            .chars()
            .map(|c| if c.is_control() && c != '\n' { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() })
            .collect();
        let _ = write!(out, "{}", minijinja::HtmlEscape(&shown));
    } else {
        let _ = write!(out, "{}", minijinja::HtmlEscape(s));
    }
}

impl Table {
    pub fn new(id: &str, caption: impl Into<String>, columns: Vec<Column>, rows: Vec<Vec<Cell>>) -> Table {
        Table {
            id: id.into(),
            caption: caption.into(),
            columns,
            rows,
            interactive: false,
            filters: Vec::new(),
            dates: false,
            root: "",
        }
    }

    /// The table on a page `root` away from the site's root.
    pub fn under(mut self, root: &'static str) -> Table {
        self.root = root;
        self
    }

    /// The rows as HTML: one `<tr>` per row, a cell's sort key and filter words as data attributes, its
    /// link (`rel="noopener noreferrer"` for a source's address), every text escaped.
    pub fn body_html(&self) -> String {
        let mut out = String::with_capacity(self.rows.len() * 200);
        for row in &self.rows {
            out.push_str("<tr>");
            for (k, c) in row.iter().enumerate() {
                out.push_str("<td");
                match self.columns.get(k).map(|col| (col.num, col.short)) {
                    Some((true, _)) => out.push_str(" class=\"num\""),
                    Some((false, true)) => out.push_str(" class=\"nw\""),
                    _ => {}
                }
                if let Some(s) = &c.s {
                    out.push_str(" data-sort=\"");
                    push_escaped(&mut out, s);
                    out.push('"');
                }
                if let Some(f) = &c.f {
                    out.push_str(" data-f=\"");
                    push_escaped(&mut out, f);
                    out.push('"');
                }
                out.push('>');
                match &c.h {
                    Some(h) => {
                        out.push_str("<a href=\"");
                        if !c.ext {
                            out.push_str(self.root);
                        }
                        push_escaped(&mut out, h);
                        out.push_str(if c.ext { "\" rel=\"noopener noreferrer\">" } else { "\">" });
                        push_escaped(&mut out, &c.t);
                        out.push_str("</a>");
                    }
                    None => push_escaped(&mut out, &c.t),
                }
                out.push_str("</td>");
            }
            out.push_str("</tr>\n");
        }
        out
    }

    /// Sorting by every column and a text search; a filter per column given, with the values present.
    pub fn interactive(mut self, filters: &[(&'static str, &'static str)], values: &[Vec<String>]) -> Table {
        self.interactive = true;
        self.dates = self.columns.iter().any(|c| c.key == "date");
        self.filters = filters
            .iter()
            .zip(values)
            .map(|(&(key, label), v)| {
                let mut options = v.clone();
                options.sort();
                options.dedup();
                Filter { key, label, options }
            })
            .collect();
        self
    }
}

/// The file names of the pages of a listing of `rows` rows: `name.html`, `name-2.html`, ...
pub fn page_names(name: &str, rows: usize) -> Vec<String> {
    let pages = rows.div_ceil(PAGE_ROWS).max(1);
    (1..=pages).map(|k| if k == 1 { format!("{name}.html") } else { format!("{name}-{k}.html") }).collect()
}

/// The page of a listing that holds its row `index` (from 0).
pub fn page_of(name: &str, index: usize) -> String {
    match index / PAGE_ROWS {
        0 => format!("{name}.html"),
        k => format!("{name}-{}.html", k + 1),
    }
}

pub fn payment_columns() -> Vec<Column> {
    vec![
        col("date", "date", false),
        col("partner", "partner", false),
        col("release", "", false),
        col("kind", "kind", false),
        col("parts (channel, instrument, amount)", "channel", false),
        col("total", "", true),
        col("pays request", "", false),
        col("source", "", false),
    ]
}

/// A release as the payments page and a partner's page list it: its parts as the rows say.
pub fn payment_row(l: &Ledger, r: &Release, pages: &super::PartnerPages) -> Vec<Cell> {
    let parts = r.components(l);
    // A few hundred thousand rows at 10^6 payment rows: each text is made in one string.
    let (mut text, mut channels) = (String::with_capacity(48 * parts.len()), String::with_capacity(16));
    let mut last_channel = None;
    for (k, p) in parts.iter().enumerate() {
        if k > 0 {
            text.push_str("; ");
        }
        push_part_text(&mut text, p);
        // Each run of one channel once.
        if last_channel != Some(p.channel) {
            if last_channel.is_some() {
                channels.push(' ');
            }
            channels.push_str(p.channel.as_str());
            last_channel = Some(p.channel);
        }
    }
    let first = parts[0];
    vec![
        Cell::text(date::format(r.date)),
        Cell::partner(r.partner_code(l), pages),
        Cell::text(r.id.as_str()),
        Cell::text(kind_word(r.kind)),
        Cell { t: text, f: Some(channels), ..Cell::default() },
        Cell::euros(i64::try_from(r.net).unwrap_or(i64::MAX)),
        Cell::text(l.text(first.request)),
        Cell::source(l.text(first.source)),
    ]
}

pub fn request_columns() -> Vec<Column> {
    vec![
        col("request", "", false),
        col("partner", "partner", false),
        col("date", "date", false),
        col("steps due by", "", false),
        col("steps claimed", "", true),
        col("requested", "", true),
        col("assessed", "", false),
        col("steps met", "", true),
        col("approved", "", true),
        col("paid (net)", "", true),
        col("status", "status", false),
        col("grace ends", "", false),
        col("source", "", false),
    ]
}

/// The stage of a request in words, on `as_of`.
pub fn request_stage(q: &RequestState, as_of: date::Date) -> &'static str {
    match q.stage {
        "pending" if q.grace_end < as_of => "pending, grace ended",
        "pending" => "pending",
        "assessed" => "assessed, grace runs",
        _ => "assessed, grace ended",
    }
}

pub fn request_row(q: &RequestState, as_of: date::Date, pages: &super::PartnerPages) -> Vec<Cell> {
    let assessed = q.assessments > 0;
    let blank = |c: Cell| if assessed { c } else { Cell::default() };
    vec![
        Cell::text(&q.id),
        Cell::partner(&q.partner, pages),
        Cell::text(date::format(q.submitted)),
        Cell::text(date::format(q.period_end)),
        Cell::optional(q.steps_claimed.map(i64::from), false),
        Cell::optional(q.requested, true),
        Cell::text(match q.last_assessed {
            None => "not yet".into(),
            Some(d) if q.assessments > 1 => format!("{} ({} decisions)", date::format(d), q.assessments),
            Some(d) => date::format(d),
        }),
        blank(Cell::partial(&q.steps_met, false)),
        blank(Cell::partial(&q.approved, true)),
        match (q.released, q.released_together) {
            (0, 0) => Cell {
                t: if assessed { "none recorded".into() } else { String::new() },
                s: Some("0".into()),
                ..Cell::default()
            },
            (r, 0) => Cell::millions(r),
            (r, t) => Cell {
                t: format!(
                    "{}{} together with {} (split not published)",
                    if r > 0 { format!("{}, and ", format_millions(r as i128)) } else { String::new() },
                    format_millions(t as i128),
                    q.together_with.join(", ")
                ),
                s: Some((r + t).to_string()),
                ..Cell::default()
            },
        },
        Cell::text(request_stage(q, as_of)),
        Cell::text(date::format(q.grace_end)),
        Cell::source(&q.source),
    ]
}

pub fn step_columns() -> Vec<Column> {
    vec![
        col("step", "", false),
        col("partner", "partner", false),
        col("policy area", "", false),
        col("date", "date", false),
        col("grace ends", "", false),
        col("amount", "", true),
        col("status", "status", false),
        col("latest assessment", "", false),
        col("unmet, in grace", "", true),
        col("expired", "", true),
    ]
}

pub fn step_stage(stage: &str) -> &'static str {
    match stage {
        "fulfilled" => "fulfilled",
        "partially_fulfilled" => "partially fulfilled",
        "in_grace" => "overdue, in grace",
        "expired" => "expired",
        _ => "not yet due",
    }
}

pub fn step_row(s: &StepState, pages: &super::PartnerPages) -> Vec<Cell> {
    vec![
        Cell::text(s.id.as_str()),
        Cell::partner(&s.partner, pages),
        Cell::text(s.area.as_str()),
        Cell::text(date::format(s.due)),
        Cell::text(date::format(s.grace_end)),
        Cell::euros(s.amount),
        Cell::text(step_stage(s.stage)),
        Cell::text(s.assessment.replace('_', " ")),
        Cell::euros(s.value_withheld),
        Cell::euros(s.value_expired),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The shortcut for text with nothing to escape gives what escaping every character gives.
        #[test]
        fn escaping_matches_the_plain_escape(s in "(.|[\\x00-\\x1f\\x7f-\\u{a0}<>&\"'/]){0,12}") {
            let shown: String = s
                .chars()
                .map(|c| if c.is_control() && c != '\n' { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() })
                .collect();
            prop_assert_eq!(escaped(&s), minijinja::HtmlEscape(&shown).to_string());
        }
    }

    #[test]
    fn listings_are_paged_by_a_thousand_rows() {
        assert_eq!(page_names("steps", 0), ["steps.html"]);
        assert_eq!(page_names("steps", PAGE_ROWS), ["steps.html"]);
        assert_eq!(page_names("steps", PAGE_ROWS + 1), ["steps.html", "steps-2.html"]);
        assert_eq!(page_of("steps", PAGE_ROWS - 1), "steps.html");
        assert_eq!(page_of("steps", PAGE_ROWS), "steps-2.html");
    }
}
