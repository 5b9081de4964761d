//! The tables `export` writes (and the site offers as downloads): every computed table as rows of JSON
//! values, and their CSV (formulas neutralised) and JSON forms, written row by row.

use serde_json::{json, Map, Value};

use crate::date;
use crate::money::format_plain;
use crate::progress::{Change, Figures, Progress, RequestFigures, Table};
use crate::render::status::{figures_json, partial_json, requests_json};

/// The `changes` table of `export`.
pub fn changes_table(changes: &[Change]) -> Table {
    Table {
        name: "changes",
        header: ["date", "partner", "what", "reference", "amount_eur", "source"].map(String::from).to_vec(),
        rows: changes
            .iter()
            .map(|c| {
                vec![
                    json!(date::format(c.date)),
                    json!(c.partner),
                    json!(c.what),
                    json!(c.reference),
                    json!(c.amount.map(format_plain)),
                    json!(c.source),
                ]
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
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(w);
    w.write_record(&t.header)?;
    for r in &t.rows {
        for v in r {
            match v {
                Value::String(s) if is_number(s) => w.write_field(s)?,
                Value::String(s) => w.write_field(&*neutralise(s))?,
                Value::Null => w.write_field("")?,
                other => w.write_field(other.to_string())?,
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
    use serde::ser::{SerializeMap, SerializeSeq};
    use serde::Serialize;
    // The order of the keys in an object: whatever order serde_json's map keeps them in (sorted, unless a
    // dependency turns on its `preserve_order`).
    let order: Vec<usize> = t
        .header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.clone(), Value::from(i)))
        .collect::<Map<String, Value>>()
        .values()
        .filter_map(|v| v.as_u64().map(|i| i as usize))
        .collect();
    struct Row<'a>(&'a [String], &'a [Value], &'a [usize]);
    impl Serialize for Row<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut m = serializer.serialize_map(Some(self.2.len()))?;
            for &i in self.2 {
                m.serialize_entry(&self.0[i], &self.1[i])?;
            }
            m.end()
        }
    }
    struct Rows<'a>(&'a Table, &'a [usize]);
    impl Serialize for Rows<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut seq = serializer.serialize_seq(Some(self.0.rows.len()))?;
            for r in &self.0.rows {
                seq.serialize_element(&Row(&self.0.header, r, self.1))?;
            }
            seq.end()
        }
    }
    serde_json::to_writer_pretty(&mut *w, &Rows(t, &order))?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON written row by row is what building an object per row gives, byte for byte.
    #[test]
    fn the_json_of_a_table_is_an_object_per_row() {
        let t = Table {
            name: "t",
            header: ["zeta", "alpha", "amount_eur", "partner"].map(String::from).to_vec(),
            rows: vec![
                vec![json!("z"), json!(null), json!("12.50"), json!("<AL>\u{1b}")],
                vec![json!(3), json!("a\"b"), json!(null), json!("RS")],
            ],
        };
        let empty = Table { name: "e", header: vec!["a".into()], rows: Vec::new() };
        for t in [t, empty] {
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
            partner: "AA".into(),
            what: "regular",
            reference: "R1".into(),
            amount: Some(5),
            source: "x".into(),
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
