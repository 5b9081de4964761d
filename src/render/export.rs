//! The tables `export` writes (and the site offers as downloads): every computed table as rows of JSON
//! values, and their CSV (formulas neutralised) and JSON forms, written row by row.

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use crate::date;
use crate::money::format_plain;
use crate::progress::{Change, Figures, Progress, RequestFigures, Table};
use crate::render::status::{figures_json, partial_json, requests_json};

/// The columns of the `changes` table of `export`.
pub const CHANGE_HEADER: [&str; 6] = ["date", "partner", "what", "reference", "amount_eur", "source"];

/// A change as the cells of the `changes` table: text, or `None` for an amount that is not published.
pub fn change_cells<'c>(c: &'c Change) -> [Option<Cow<'c, str>>; 6] {
    [
        Some(Cow::Owned(date::format(c.date))),
        Some(Cow::Borrowed(c.partner)),
        Some(Cow::Borrowed(c.what)),
        Some(Cow::Borrowed(c.reference)),
        c.amount.map(|a| Cow::Owned(format_plain(a))),
        Some(Cow::Borrowed(c.source)),
    ]
}

/// The `changes` table of `export`. Its CSV and JSON are written straight from the changes by
/// [`write_changes_csv`] and [`write_changes_json`] (and its Parquet by `compute::changes_parquet`); the
/// workbook takes this table.
pub fn changes_table(changes: &[Change]) -> Table {
    Table {
        name: "changes",
        header: CHANGE_HEADER.map(String::from).to_vec(),
        rows: changes
            .iter()
            .map(|c| {
                change_cells(c).into_iter().map(|v| v.map_or(Value::Null, |s| Value::String(s.into_owned()))).collect()
            })
            .collect(),
    }
}

/// Every table `export` writes, and the one `status --format csv` prints (`partners`).
pub fn tables(p: &Progress) -> Vec<Table> {
    let fig_header = |first: &[&str]| -> Vec<String> {
        let mut h: Vec<String> = first.iter().map(|s| s.to_string()).collect();
        h.extend(figures_json(&Figures::default()).keys().cloned());
        h
    };
    let fig_row = |first: Vec<Value>, f: &Figures| -> Vec<Value> {
        let mut r = first;
        r.extend(figures_json(f).into_iter().map(|(_, v)| v));
        r
    };
    // The partners' table: their figures, then their request cycle.
    let mut partners_header = fig_header(&["partner", "name"]);
    partners_header.extend(requests_json(&RequestFigures::default()).keys().cloned());
    let with_cycle = |mut row: Vec<Value>, r: &RequestFigures| {
        row.extend(requests_json(r).into_iter().map(|(_, v)| v));
        row
    };
    let mut partners: Vec<Vec<Value>> = p
        .partners
        .iter()
        .map(|x| with_cycle(fig_row(vec![json!(x.code), json!(x.name)], &x.figures), &x.requests))
        .collect();
    partners.push(with_cycle(fig_row(vec![json!("ALL"), json!("all partners")], &p.facility), &p.requests));
    vec![
        Table { name: "partners", header: partners_header, rows: partners },
        Table {
            name: "requests",
            header: [
                "request",
                "partner",
                "submitted",
                "period_end",
                "grace_end",
                "steps_claimed",
                "requested_eur",
                "assessments",
                "last_assessed",
                "steps_met",
                "steps_met_knownness",
                "steps_partly",
                "steps_not_met",
                "approved_eur",
                "approved_eur_knownness",
                "released_eur",
                "released_together_eur",
                "released_together_with",
                "stage",
                "source",
            ]
            .map(String::from)
            .to_vec(),
            rows: p
                .request_states
                .iter()
                .map(|q| {
                    vec![
                        json!(q.id),
                        json!(q.partner),
                        json!(date::format(q.submitted)),
                        json!(date::format(q.period_end)),
                        json!(date::format(q.grace_end)),
                        json!(q.steps_claimed),
                        json!(q.requested.map(format_plain)),
                        json!(q.assessments),
                        json!(q.last_assessed.map(date::format)),
                        partial_json(&q.steps_met, false),
                        json!(q.steps_met.knownness().as_str()),
                        json!(q.steps_partly),
                        json!(q.steps_not_met),
                        partial_json(&q.approved, true),
                        json!(q.approved.knownness().as_str()),
                        json!(format_plain(q.released)),
                        json!(format_plain(q.released_together)),
                        json!(q.together_with.join(" ")),
                        json!(q.stage),
                        json!(q.source),
                    ]
                })
                .collect(),
        },
        Table {
            name: "known_gaps",
            header: [
                "date",
                "partner",
                "measure",
                "published_eur",
                "itemised_eur",
                "unitemised_eur",
                "tolerance_eur",
                "status",
                "source",
            ]
            .map(String::from)
            .to_vec(),
            rows: p
                .known_gaps
                .iter()
                .map(|g| {
                    vec![
                        json!(date::format(g.date)),
                        json!(g.partner),
                        json!(g.measure),
                        json!(format_plain(g.published)),
                        json!(format_plain(g.itemised)),
                        json!(format_plain(g.unitemised)),
                        json!(format_plain(g.tolerance)),
                        json!(g.status),
                        json!(g.source),
                    ]
                })
                .collect(),
        },
        Table {
            name: "areas",
            header: fig_header(&["partner", "area"]),
            rows: p.areas.iter().map(|a| fig_row(vec![json!(a.partner), json!(a.area)], &a.figures)).collect(),
        },
        Table {
            name: "steps",
            header: [
                "step",
                "partner",
                "area",
                "due",
                "grace_end",
                "amount_eur",
                "stage",
                "assessment",
                "value_paid_eur",
                "value_fulfilled_unpaid_eur",
                "value_withheld_eur",
                "value_expired_eur",
                "value_ahead_eur",
            ]
            .map(String::from)
            .to_vec(),
            rows: p
                .steps
                .iter()
                .map(|s| {
                    vec![
                        json!(s.id),
                        json!(s.partner),
                        json!(s.area),
                        json!(date::format(s.due)),
                        json!(date::format(s.grace_end)),
                        json!(format_plain(s.amount)),
                        json!(s.stage),
                        json!(s.assessment),
                        json!(format_plain(s.value_paid)),
                        json!(format_plain(s.value_fulfilled_unpaid)),
                        json!(format_plain(s.value_withheld)),
                        json!(format_plain(s.value_expired)),
                        json!(format_plain(s.value_ahead)),
                    ]
                })
                .collect(),
        },
        Table {
            name: "timeline",
            header: ["partner", "month", "paid_cumulative_eur", "planned_cumulative_eur"].map(String::from).to_vec(),
            rows: p
                .timeline
                .iter()
                .map(|t| {
                    vec![
                        json!(t.partner),
                        json!(t.month),
                        json!(format_plain(t.paid_cumulative)),
                        json!(format_plain(t.planned_cumulative)),
                    ]
                })
                .collect(),
        },
        Table {
            name: "deadlines",
            header: ["date", "partner", "step", "kind", "amount_eur"].map(String::from).to_vec(),
            rows: p
                .deadlines
                .iter()
                .map(|d| {
                    vec![
                        json!(date::format(d.date)),
                        json!(d.partner),
                        json!(d.step),
                        json!(d.kind),
                        json!(format_plain(d.amount)),
                    ]
                })
                .collect(),
        },
    ]
    .into_iter()
    .chain(crate::render::outlook::tables(&p.outlook))
    .collect()
}

/// What an exported column holds, by its name: the one statement of the exported tables' types, which
/// the workbook and the Parquet export both follow (docs/OUTPUT.md lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text (codes, names, words, and `timeline.month` as `YYYY-MM`).
    Text,
    /// A count.
    Integer,
    /// Euros, as the decimal text of [`format_plain`]: `_eur` columns.
    Euro,
    /// A percentage with two decimals as text (`33.33`), or null: `_pct` columns.
    Percent,
    /// An ISO date.
    Date,
}

/// The kind of the exported column `name`.
pub fn column_kind(name: &str) -> ColumnKind {
    if name.ends_with("_knownness") {
        ColumnKind::Text
    } else if name.ends_with("_eur") {
        ColumnKind::Euro
    } else if name.ends_with("_pct") {
        ColumnKind::Percent
    } else if matches!(name, "date" | "due" | "grace_end" | "submitted" | "period_end" | "last_assessed" | "window_end")
    {
        ColumnKind::Date
    } else if name.starts_with("steps_")
        || name.starts_with("requests_")
        || matches!(name, "assessments" | "unpublished_parts" | "delay_days")
    {
        ColumnKind::Integer
    } else {
        ColumnKind::Text
    }
}

/// A table as CSV. Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at the
/// start) is prefixed with `'`; amounts and numbers are written as they are.
pub fn csv(t: &Table) -> String {
    let mut bytes = Vec::new();
    write_csv(t, &mut bytes).expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("the cells are text")
}

/// [`csv`], written to `w` row by row.
pub fn write_csv(t: &Table, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    write_csv_rows(&t.header, t.rows.iter(), w)
}

/// The `changes` table as CSV, written from the changes without building the table: the bytes of
/// [`write_csv`] over [`changes_table`] (a million rows at 10^6: the site target, BENCHMARKS.md).
pub fn write_changes_csv(changes: &[Change], w: &mut dyn std::io::Write) -> std::io::Result<()> {
    write_csv_rows(&CHANGE_HEADER, changes.iter().map(change_cells), w)
}

/// A cell as the writers see it, from a table's JSON value or written straight from a row.
enum Cell<'v> {
    Text(&'v str),
    Null,
    /// A number, a truth value, a list or an object.
    Other(&'v Value),
}

/// What a row of a table is made of.
trait AsCell {
    fn cell(&self) -> Cell<'_>;
}

impl AsCell for Value {
    fn cell(&self) -> Cell<'_> {
        match self {
            Value::String(s) => Cell::Text(s),
            Value::Null => Cell::Null,
            other => Cell::Other(other),
        }
    }
}

impl AsCell for Option<Cow<'_, str>> {
    fn cell(&self) -> Cell<'_> {
        self.as_deref().map_or(Cell::Null, Cell::Text)
    }
}

/// Rows of cells under `header` as CSV.
fn write_csv_rows<H: AsRef<[u8]>, R: AsRef<[C]>, C: AsCell>(
    header: &[H],
    rows: impl Iterator<Item = R>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(w);
    w.write_record(header)?;
    for r in rows {
        for v in r.as_ref() {
            match v.cell() {
                Cell::Text(s) if is_number(s) => w.write_field(s)?,
                Cell::Text(s) => w.write_field(&*neutralise(s))?,
                Cell::Null => w.write_field("")?,
                Cell::Other(other) => w.write_field(other.to_string())?,
            }
        }
        // An empty record ends the row (its fields are written).
        w.write_record(std::iter::empty::<&[u8]>())?;
    }
    w.flush()
}

fn is_number(s: &str) -> bool {
    let t = s.strip_prefix('-').unwrap_or(s);
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.') && t.starts_with(|c: char| c.is_ascii_digit())
}

/// Prefixes text a spreadsheet would evaluate with an apostrophe.
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A table as a JSON array of objects (for `export --format json` and the site's downloads), written row by
/// row: an object per row built first costs gigabytes for the `changes` since the facility's start at
/// 10^6 rows.
pub fn table_json(t: &Table) -> String {
    let mut bytes = Vec::new();
    write_table_json(t, &mut bytes).expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("JSON is text")
}

/// [`table_json`], written to `w`.
pub fn write_table_json(t: &Table, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    write_json_rows(&t.header, t.rows.iter(), w)
}

/// The `changes` table as JSON, written from the changes without building the table: the bytes of
/// [`write_table_json`] over [`changes_table`].
pub fn write_changes_json(changes: &[Change], w: &mut dyn std::io::Write) -> std::io::Result<()> {
    write_json_rows(&CHANGE_HEADER, changes.iter().map(change_cells), w)
}

/// Rows of cells under `header` as the bytes of `serde_json::to_writer_pretty` over an object per row,
/// each key written once per table instead of a serializer's call per token (a third of the time of the
/// site's downloads at 10^6 rows: the issue 25 target in BENCHMARKS.md).
fn write_json_rows<H: AsRef<str>, R: AsRef<[C]>, C: AsCell>(
    header: &[H],
    rows: impl Iterator<Item = R>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    // The order of the keys in an object: whatever order serde_json's map keeps them in (sorted, unless a
    // dependency turns on its `preserve_order`).
    let order: Vec<usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_ref().to_string(), Value::from(i)))
        .collect::<Map<String, Value>>()
        .values()
        .filter_map(|v| v.as_u64().map(|i| i as usize))
        .collect();
    // Each key as it starts its line: `    "name": `.
    let keys: Vec<Vec<u8>> = order
        .iter()
        .map(|&i| {
            let mut key = b"    ".to_vec();
            serde_json::to_writer(&mut key, header[i].as_ref()).expect("writing to memory cannot fail");
            key.extend_from_slice(b": ");
            key
        })
        .collect();
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 17);
    buf.push(b'[');
    let mut any = false;
    for row in rows {
        let row = row.as_ref();
        buf.extend_from_slice(if any { b",\n  {" } else { b"\n  {" });
        any = true;
        for (k, &i) in order.iter().enumerate() {
            buf.extend_from_slice(if k == 0 { b"\n" } else { b",\n" });
            buf.extend_from_slice(&keys[k]);
            json_cell(&mut buf, row[i].cell());
        }
        buf.extend_from_slice(if order.is_empty() { b"}" } else { b"\n  }" });
        if buf.len() >= 1 << 16 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(if any { b"\n]\n" } else { b"]\n" });
    w.write_all(&buf)
}

/// A cell of a row, as serde_json writes it pretty two objects deep.
fn json_cell(buf: &mut Vec<u8>, v: Cell) {
    match v {
        // Text with nothing JSON escapes, as it is.
        Cell::Text(s) if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') => {
            buf.push(b'"');
            buf.extend_from_slice(s.as_bytes());
            buf.push(b'"');
        }
        Cell::Text(s) => serde_json::to_writer(&mut *buf, s).expect("writing to memory cannot fail"),
        Cell::Null => buf.extend_from_slice(b"null"),
        Cell::Other(v @ (Value::Array(_) | Value::Object(_))) => {
            // Pretty on its own, then each line after the first indented to the depth it is written at
            // (a line break inside a JSON string is always escaped).
            let text = serde_json::to_string_pretty(v).expect("a JSON value is written");
            buf.extend_from_slice(text.replace('\n', "\n    ").as_bytes());
        }
        Cell::Other(v) => serde_json::to_writer(&mut *buf, v).expect("writing to memory cannot fail"),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A change as owned parts: days from 2024-01-01, partner, kind (in [`WHATS`]), reference, amount, source.
    pub type ChangeParts = (i64, String, usize, String, Option<i64>, String);

    /// Changes as owned parts, for the
    /// property tests of the writers that take changes straight. Amounts stay within what a cell can hold:
    /// the Parquet of a table reads its amounts back from their text, which stops there.
    pub fn arbitrary_changes() -> impl Strategy<Value = Vec<ChangeParts>> {
        const MAX: i64 = crate::money::MAX_CELL_CENTS;
        let text = "(.|[\\x00-\\x1f\",=+@-]){0,8}";
        proptest::collection::vec(
            (-400i64..4000, text, 0usize..WHATS.len(), text, proptest::option::of(-MAX..=MAX), text),
            0..12,
        )
    }

    pub const WHATS: [&str; 3] = ["regular", "request_submitted", "expired"];

    pub fn changes_of(parts: &[ChangeParts]) -> Vec<Change<'_>> {
        let start = crate::date::Date::from_ymd_opt(2024, 1, 1).unwrap();
        parts
            .iter()
            .map(|(days, partner, what, reference, amount, source)| Change {
                date: start + chrono::Duration::days(*days),
                partner,
                what: WHATS[*what],
                reference,
                amount: *amount,
                source,
            })
            .collect()
    }

    proptest! {
        /// The changes written straight are the bytes of their table written as any table is.
        #[test]
        fn changes_written_straight_are_their_table(parts in arbitrary_changes()) {
            let changes = changes_of(&parts);
            let table = changes_table(&changes);
            let (mut csv_bytes, mut json_bytes) = (Vec::new(), Vec::new());
            write_changes_csv(&changes, &mut csv_bytes).unwrap();
            write_changes_json(&changes, &mut json_bytes).unwrap();
            prop_assert_eq!(String::from_utf8(csv_bytes).unwrap(), csv(&table));
            prop_assert_eq!(String::from_utf8(json_bytes).unwrap(), table_json(&table));
        }
    }

    /// The JSON written row by row is what building an object per row gives, byte for byte.
    #[test]
    fn the_json_of_a_table_is_an_object_per_row() {
        let t = Table {
            name: "t",
            header: ["zeta", "alpha", "amount_eur", "partner"].map(String::from).to_vec(),
            rows: vec![
                vec![json!("z"), json!(null), json!("12.50"), json!("<AL>\u{1b}")],
                vec![json!(3), json!("a\"b"), json!(null), json!("RS")],
                vec![json!(-2.5), json!(["x", {"y": [1, {}], "z": []}]), json!({}), json!(true)],
            ],
        };
        let empty = Table { name: "e", header: vec!["a".into()], rows: Vec::new() };
        let no_columns = Table { name: "n", header: Vec::new(), rows: vec![Vec::new(), Vec::new()] };
        for t in [t, empty, no_columns] {
            let objects: Vec<Value> = t
                .rows
                .iter()
                .map(|r| Value::Object(t.header.iter().cloned().zip(r.iter().cloned()).collect::<Map<String, Value>>()))
                .collect();
            assert_eq!(table_json(&t), serde_json::to_string_pretty(&objects).unwrap() + "\n");
        }
    }

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        let t = Table {
            name: "t",
            header: vec!["a".into(), "b".into()],
            rows: vec![vec![json!("=HYPERLINK(\"x\")"), json!("-12.50")], vec![json!("@SUM(A1)"), json!("+1")]],
        };
        assert_eq!(csv(&t), "a,b\n\"'=HYPERLINK(\"\"x\"\")\",-12.50\n'@SUM(A1),'+1\n");
    }

    /// Every cell of every exported table is what its column's kind says (a table of every kind of row
    /// from a sample progress, so that a new column without a kind fails here).
    #[test]
    fn every_exported_column_has_the_kind_its_cells_have() {
        use crate::progress::*;
        let d = crate::date::Date::from_ymd_opt(2026, 2, 28).unwrap();
        let f = Figures { envelope: 100, paid: 33, committed: 50, steps_total: 2, ..Figures::default() };
        let p = Progress {
            as_of: d,
            facility: f.clone(),
            partners: vec![PartnerProgress {
                code: "AA".into(),
                name: "A".into(),
                local_name: String::new(),
                figures: f.clone(),
                requests: RequestFigures::default(),
            }],
            areas: vec![AreaProgress { partner: "AA".into(), area: "Energy".into(), figures: Figures::default() }],
            steps: vec![StepState {
                id: "AA-1".into(),
                partner: "AA".into(),
                area: "Energy".into(),
                due: d,
                grace_end: d,
                amount: 7,
                stage: "in_grace",
                assessment: "none",
                value_paid: 0,
                value_fulfilled_unpaid: 0,
                value_withheld: 7,
                value_expired: 0,
                value_ahead: 0,
            }],
            timeline: vec![TimelinePoint {
                partner: "AA".into(),
                month: "2026-02".into(),
                paid_cumulative: 33,
                planned_cumulative: 40,
            }],
            deadlines: vec![Deadline { date: d, partner: "AA".into(), step: "AA-1".into(), kind: "due", amount: 7 }],
            requests: RequestFigures::default(),
            known_gaps: vec![KnownGap {
                date: d,
                partner: "ALL".into(),
                measure: "paid",
                published: 50,
                itemised: 33,
                unitemised: 17,
                tolerance: 0,
                status: "known_gap",
                source: "x".into(),
            }],
            request_states: vec![RequestState {
                id: "AA-Q1".into(),
                partner: "AA".into(),
                submitted: d,
                period_end: d,
                grace_end: d,
                steps_claimed: None,
                requested: Some(70),
                assessments: 0,
                last_assessed: None,
                steps_met: Partial::default(),
                steps_partly: None,
                steps_not_met: None,
                approved: Partial { value: 0, known: 0, blank: 1 },
                released: 0,
                released_together: 0,
                together_with: Vec::new(),
                stage: "pending",
                source: "x".into(),
                note: String::new(),
                decisions: Vec::new(),
            }],
            outlook: {
                let point = ProjectionPoint {
                    scenario: "on_plan",
                    window_end: d,
                    paid: 33,
                    expired: 0,
                    remaining: 67,
                    paid_in_window: 0,
                    expired_in_window: 0,
                };
                Outlook {
                    windows: vec![d],
                    calendar: vec![Expiry {
                        date: d,
                        partner: "AA".into(),
                        amount: Partial { value: 7, known: 1, blank: 1 },
                        requests: vec!["AA-Q1".into()],
                        steps: Vec::new(),
                        pool_after: Partial { value: 7, known: 1, blank: 1 },
                    }],
                    expired_so_far: Partial::default(),
                    partners: vec![PartnerOutlook {
                        partner: "AA".into(),
                        envelope: 100,
                        paid: 33,
                        expired: 0,
                        expired_unknown: 0,
                        open: 67,
                        prefinancing_to_clear: 0,
                        pace_num: 1,
                        pace_den: 2,
                        pace_basis: "requested_value",
                        pace_parts: 1,
                        unpublished_remainders: vec!["AA-Q0".into()],
                        agreements_in_force: true,
                        overpaid: false,
                        delay_days: 100,
                        delay_basis: "own",
                        delay_releases: 1,
                        unscheduled: 60,
                        projections: vec![point],
                    }],
                    facility: vec![point],
                }
            },
        };
        let mut all = tables(&p);
        all.push(changes_table(&[Change {
            date: p.as_of,
            partner: "AA",
            what: "regular",
            reference: "R1",
            amount: Some(5),
            source: "x",
        }]));
        for t in &all {
            assert!(!t.rows.is_empty(), "{}", t.name);
            for (i, name) in t.header.iter().enumerate() {
                for r in &t.rows {
                    let v = &r[i];
                    let ok = match column_kind(name) {
                        // Null: not published.
                        ColumnKind::Euro => {
                            v.is_null() || v.as_str().is_some_and(|s| crate::money::parse_amount(s, None).is_ok())
                        }
                        ColumnKind::Percent => v.is_null() || v.as_str().is_some_and(|s| s.parse::<f64>().is_ok()),
                        ColumnKind::Date => {
                            v.is_null() || v.as_str().is_some_and(|s| crate::date::parse_date(s, false).is_ok())
                        }
                        ColumnKind::Integer => v.is_null() || v.is_i64(),
                        ColumnKind::Text => v.is_string(),
                    };
                    assert!(ok, "{}.{name}: {v}", t.name);
                }
            }
        }
    }
}
