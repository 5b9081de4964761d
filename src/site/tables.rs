//! The site's tables as data for one template macro: columns, rows of cells (text, a sort key, a link,
//! the words a filter matches), and the filters a listing page offers. Every row is in the HTML; the
//! script only sorts, filters and searches what is there.

use serde::Serialize;

use crate::date;
use crate::ledger::model::Ledger;
use crate::money::format_millions;
use crate::progress::{Partial, RequestState, StepState};
use crate::replay::{Part, Release};
use crate::report::quoted::{kind_word, push_part_text};
use smallvec::SmallVec;

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

/// A cell as a listing writes it, its texts borrowed: [`Cell`] without the strings.
#[derive(Debug, Clone, Copy, Default)]
pub struct CellRef<'a> {
    pub t: &'a str,
    pub s: Option<&'a str>,
    pub h: Option<&'a str>,
    pub ext: bool,
    pub f: Option<&'a str>,
}

impl CellRef<'_> {
    pub fn to_cell(self) -> Cell {
        Cell {
            t: self.t.to_string(),
            s: self.s.map(str::to_string),
            h: self.h.map(str::to_string),
            ext: self.ext,
            f: self.f.map(str::to_string),
        }
    }
}

impl Cell {
    pub fn as_ref(&self) -> CellRef<'_> {
        CellRef { t: &self.t, s: self.s.as_deref(), h: self.h.as_deref(), ext: self.ext, f: self.f.as_deref() }
    }

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
    /// Its rows already written ([`Table::written`]): how many, and their HTML.
    pub written: Option<(usize, String)>,
}

impl Serialize for Table {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = serializer.serialize_struct("Table", 8)?;
        m.serialize_field("id", &self.id)?;
        m.serialize_field("caption", &self.caption)?;
        m.serialize_field("columns", &self.columns)?;
        match &self.written {
            Some((count, body)) => {
                m.serialize_field("count", count)?;
                m.serialize_field("body", body)?;
            }
            None => {
                m.serialize_field("count", &self.rows.len())?;
                m.serialize_field("body", &self.body_html())?;
            }
        }
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
            written: None,
        }
    }

    /// A table whose `count` rows are already written as `body` (by [`Rows`]).
    pub fn written(id: &str, caption: impl Into<String>, columns: Vec<Column>, count: usize, body: String) -> Table {
        Table { written: Some((count, body)), ..Table::new(id, caption, columns, Vec::new()) }
    }

    /// The table on a page `root` away from the site's root.
    pub fn under(mut self, root: &'static str) -> Table {
        self.root = root;
        self
    }

    /// The rows as HTML: one `<tr>` per row, a cell's sort key and filter words as data attributes, its
    /// link (`rel="noopener noreferrer"` for a source's address), every text escaped.
    pub fn body_html(&self) -> String {
        let mut rows = Rows::new(&self.columns, self.root, self.rows.len());
        for row in &self.rows {
            rows.row(row.iter().map(Cell::as_ref));
        }
        rows.body
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

/// Rows written into a table's body: one `<tr>` per row, a cell's sort key and filter words as data
/// attributes, its link (`rel="noopener noreferrer"` for a source's address), every text escaped.
pub struct Rows<'c> {
    pub body: String,
    columns: &'c [Column],
    root: &'static str,
}

impl<'c> Rows<'c> {
    /// For about `count` rows under `columns`, on a page `root` away from the site's root.
    pub fn new(columns: &'c [Column], root: &'static str, count: usize) -> Rows<'c> {
        Rows { body: String::with_capacity(count * 200), columns, root }
    }

    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = CellRef<'a>>) {
        let out = &mut self.body;
        out.push_str("<tr>");
        for (k, c) in cells.into_iter().enumerate() {
            out.push_str("<td");
            match self.columns.get(k).map(|col| (col.num, col.short)) {
                Some((true, _)) => out.push_str(" class=\"num\""),
                Some((false, true)) => out.push_str(" class=\"nw\""),
                _ => {}
            }
            if let Some(s) = c.s {
                out.push_str(" data-sort=\"");
                push_escaped(out, s);
                out.push('"');
            }
            if let Some(f) = c.f {
                out.push_str(" data-f=\"");
                push_escaped(out, f);
                out.push('"');
            }
            out.push('>');
            match c.h {
                Some(h) => {
                    out.push_str("<a href=\"");
                    if !c.ext {
                        out.push_str(self.root);
                    }
                    push_escaped(out, h);
                    out.push_str(if c.ext { "\" rel=\"noopener noreferrer\">" } else { "\">" });
                    push_escaped(out, c.t);
                    out.push_str("</a>");
                }
                None => push_escaped(out, c.t),
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
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
    let parts: SmallVec<[Part; 4]> = r.components(l).iter().map(|p| Part::of(p)).collect();
    payment_cells(l, r, &parts, pages, &mut PaymentTexts::default()).into_iter().map(CellRef::to_cell).collect()
}

/// The texts a release's row is made of, kept from one row to the next (a payments page at 10^6 rows
/// lists a thousand releases; their cells made a dozen strings each: the site target, BENCHMARKS.md).
#[derive(Default)]
pub struct PaymentTexts {
    date: String,
    parts: String,
    channels: String,
    total: String,
    cents: String,
}

/// The cells of a release's row ([`payment_columns`]) with its `parts`, borrowed from the ledger, the
/// pages and `texts`.
pub fn payment_cells<'a>(
    l: &'a Ledger,
    r: &'a Release,
    parts: &[Part],
    pages: &'a super::PartnerPages,
    texts: &'a mut PaymentTexts,
) -> [CellRef<'a>; 8] {
    use std::fmt::Write;
    let PaymentTexts { date: day, parts: text, channels, total, cents } = texts;
    for t in [&mut *day, &mut *text, &mut *channels, &mut *total, &mut *cents] {
        t.clear();
    }
    day.push_str(&date::format(r.date));
    let mut last_channel = None;
    for (k, p) in parts.iter().enumerate() {
        if k > 0 {
            text.push_str("; ");
        }
        push_part_text(text, p);
        // Each run of one channel once.
        if last_channel != Some(p.channel) {
            if last_channel.is_some() {
                channels.push(' ');
            }
            channels.push_str(p.channel.as_str());
            last_channel = Some(p.channel);
        }
    }
    let net = i64::try_from(r.net).unwrap_or(i64::MAX);
    total.push_str("EUR ");
    crate::money::push_grouped(total, net as i128);
    let _ = write!(cents, "{net}");
    let first = parts[0];
    let code = r.partner_code(l);
    let source = l.text(first.source);
    [
        CellRef { t: day, ..CellRef::default() },
        CellRef { t: code, h: pages.href_str(code), ..CellRef::default() },
        CellRef { t: r.id.as_str(), ..CellRef::default() },
        CellRef { t: kind_word(r.kind), ..CellRef::default() },
        CellRef { t: text, f: Some(channels), ..CellRef::default() },
        CellRef { t: total, s: Some(cents), ..CellRef::default() },
        CellRef { t: l.text(first.request), ..CellRef::default() },
        match super::web_host(source) {
            Some(host) => CellRef { t: host, h: Some(source), ext: true, ..CellRef::default() },
            None => CellRef { t: source, ..CellRef::default() },
        },
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

/// The texts a step's row is made of, kept from one row to the next (the steps pages list 10^5 steps).
#[derive(Default)]
pub struct StepTexts {
    due: String,
    grace_end: String,
    assessment: String,
    /// Each amount and its cents: amount, unmet in grace, expired.
    amounts: [(String, String); 3],
}

/// The cells of a step's row ([`step_columns`]), borrowed from the step, the pages and `texts`.
pub fn step_cells<'a>(s: &'a StepState, pages: &'a super::PartnerPages, texts: &'a mut StepTexts) -> [CellRef<'a>; 10] {
    use std::fmt::Write;
    let StepTexts { due, grace_end, assessment, amounts } = texts;
    for (t, d) in [(&mut *due, s.due), (&mut *grace_end, s.grace_end)] {
        t.clear();
        t.push_str(&date::format(d));
    }
    assessment.clear();
    assessment.extend(s.assessment.chars().map(|c| if c == '_' { ' ' } else { c }));
    for ((text, cents), value) in amounts.iter_mut().zip([s.amount, s.value_withheld, s.value_expired]) {
        text.clear();
        text.push_str("EUR ");
        crate::money::push_grouped(text, value as i128);
        cents.clear();
        let _ = write!(cents, "{value}");
    }
    let euros = |(text, cents): &'a (String, String)| CellRef { t: text, s: Some(cents), ..CellRef::default() };
    let [amount, withheld, expired] = &*amounts;
    [
        CellRef { t: s.id.as_str(), ..CellRef::default() },
        CellRef { t: s.partner.as_str(), h: pages.href_str(&s.partner), ..CellRef::default() },
        CellRef { t: s.area.as_str(), ..CellRef::default() },
        CellRef { t: due, ..CellRef::default() },
        CellRef { t: grace_end, ..CellRef::default() },
        euros(amount),
        CellRef { t: step_stage(s.stage), ..CellRef::default() },
        CellRef { t: assessment, ..CellRef::default() },
        euros(withheld),
        euros(expired),
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
