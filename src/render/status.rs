//! The progress model as the `status` JSON contract (docs/OUTPUT.md), an aligned terminal table, CSV,
//! and the tables `export` writes. Input is the plain `Progress`; no computation of figures here.

use serde_json::{json, Map, Value};

use crate::date;
use crate::money::{format_millions, format_plain, Rate};
use crate::progress::{Change, Figures, Granularity, KnownGap, Partial, Progress, RequestFigures, Table};
use crate::render::diagnostics::inert;

/// The version of the status JSON contract.
pub const STATUS_VERSION: u32 = 1;

pub(crate) fn pct(part: i64, whole: i64) -> Value {
    if whole == 0 {
        return Value::Null;
    }
    // Hundredths of a percent, rounded once, half away from zero.
    let (part, whole) = if whole < 0 { (-(part as i128), -(whole as i128)) } else { (part as i128, whole as i128) };
    let h = crate::money::div_round(part * 10_000, whole);
    let sign = if h < 0 { "-" } else { "" };
    json!(format!("{sign}{}.{:02}", h.abs() / 100, h.abs() % 100))
}

/// The figures as JSON fields: amounts as decimal strings in `_eur` fields, counts as integers.
pub fn figures_json(f: &Figures) -> Map<String, Value> {
    let mut m = Map::new();
    let mut eur = |k: &str, v: i64| {
        m.insert(format!("{k}_eur"), json!(format_plain(v)));
    };
    eur("envelope", f.envelope);
    eur("envelope_grant", f.envelope_grant);
    eur("envelope_loan", f.envelope_loan);
    eur("envelope_changes", f.envelope_changes);
    eur("committed", f.committed);
    eur("committed_grant", f.committed_grant);
    eur("committed_loan", f.committed_loan);
    eur("committed_budget", f.committed_budget);
    eur("committed_wbif", f.committed_wbif);
    eur("committed_any_channel", f.committed_any_channel);
    eur("paid", f.paid);
    eur("paid_grant", f.paid_grant);
    eur("paid_loan", f.paid_loan);
    eur("paid_budget", f.paid_budget);
    eur("paid_wbif", f.paid_wbif);
    eur("prefinancing", f.paid_prefinancing);
    eur("paid_regular", f.paid_regular);
    eur("prefinancing_cleared", f.prefinancing_cleared);
    eur("prefinancing_to_clear", f.prefinancing_to_clear());
    eur("value_steps", f.value_steps);
    eur("value_paid", f.value_paid);
    eur("value_fulfilled_unpaid", f.value_fulfilled_unpaid);
    eur("value_withheld", f.value_withheld);
    eur("value_expired", f.value_expired);
    eur("value_ahead", f.value_ahead);
    for (k, v) in [
        ("steps_total", f.steps_total),
        ("steps_due", f.steps_due),
        ("steps_fulfilled", f.steps_fulfilled),
        ("steps_partially_fulfilled", f.steps_partially_fulfilled),
        ("steps_not_fulfilled", f.steps_not_fulfilled),
        ("steps_overdue", f.steps_overdue),
        ("steps_in_grace", f.steps_in_grace),
        ("steps_expired", f.steps_expired),
        ("steps_not_yet_due", f.steps_not_yet_due),
    ] {
        m.insert(k.into(), json!(v));
    }
    m.insert("paid_share_of_envelope_pct".into(), pct(f.paid, f.envelope));
    m.insert("paid_share_of_committed_pct".into(), pct(f.paid, f.committed));
    m.insert("committed_share_of_envelope_pct".into(), pct(f.committed, f.envelope));
    m
}

/// The request cycle as JSON fields: each figure beside its `_knownness` (`known`, `lower_bound`,
/// `unknown`; an unknown figure is null).
pub fn requests_json(r: &RequestFigures) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("granularity".into(), json!(r.granularity.as_str()));
    let known = |m: &mut Map<String, Value>, k: &str, v: Value, knownness: &str| {
        m.insert(k.into(), v);
        m.insert(format!("{k}_knownness"), json!(knownness));
    };
    for (k, v) in [
        ("requests_submitted", r.requests_submitted),
        ("requests_assessed", r.requests_assessed),
        ("requests_pending", r.requests_pending),
    ] {
        known(&mut m, k, json!(v), "known");
    }
    for (k, p, euros) in [
        ("requested_eur", &r.requested, true),
        ("approved_eur", &r.approved, true),
        ("pending_eur", &r.pending, true),
        ("withheld_by_assessments_eur", &r.withheld_by_assessments, true),
        ("steps_claimed", &r.steps_claimed, false),
        ("steps_met", &r.steps_met, false),
        ("steps_partly", &r.steps_partly, false),
    ] {
        known(&mut m, k, partial_json(p, euros), p.knownness().as_str());
    }
    match r.reported_unitemised_known {
        true => known(&mut m, "reported_unitemised_eur", json!(format_plain(r.reported_unitemised)), "known"),
        false => known(&mut m, "reported_unitemised_eur", Value::Null, "unknown"),
    }
    m
}

/// A known gap as JSON.
pub fn known_gap_json(g: &KnownGap) -> Value {
    json!({
        "date": date::format(g.date),
        "partner": g.partner,
        "measure": g.measure,
        "published_eur": format_plain(g.published),
        "itemised_eur": format_plain(g.itemised),
        "unitemised_eur": format_plain(g.unitemised),
        "tolerance_eur": format_plain(g.tolerance),
        "status": g.status,
    })
}

/// The `status --format json` document.
pub fn json(p: &Progress, partner: Option<&str>) -> String {
    json_with(p, partner, None)
}

/// The `status --format json` document, with the `outlook` object of `status --outlook` when given.
pub fn json_with(p: &Progress, partner: Option<&str>, outlook: Option<Value>) -> String {
    let partners: Vec<Value> = p
        .partners
        .iter()
        .filter(|x| partner.is_none_or(|c| c == x.code))
        .map(|x| {
            let mut m = Map::new();
            m.insert("code".into(), json!(x.code));
            m.insert("name".into(), json!(x.name));
            m.extend(figures_json(&x.figures));
            m.extend(requests_json(&x.requests));
            Value::Object(m)
        })
        .collect();
    let mut facility = figures_json(&p.facility);
    facility.extend(requests_json(&p.requests));
    let known_gaps: Vec<Value> =
        p.known_gaps.iter().filter(|g| partner.is_none_or(|c| c == g.partner)).map(known_gap_json).collect();
    let doc = json!({
        "version": STATUS_VERSION,
        "as_of": date::format(p.as_of),
        "currency": "EUR",
        "facility": Value::Object(facility),
        "partners": partners,
        "known_gaps": known_gaps,
    });
    let mut doc = doc;
    if let (Some(o), Value::Object(m)) = (outlook, &mut doc) {
        m.insert("outlook".into(), o);
    }
    let mut s = serde_json::to_string_pretty(&doc).expect("a JSON value always serialises");
    s.push('\n');
    s
}

/// The terminal tables: the money and steps of each partner and the facility, then their request
/// cycle, each aligned.
pub fn table(p: &Progress, partner: Option<&str>) -> String {
    let header = [
        "partner",
        "level",
        "envelope",
        "committed",
        "paid",
        "grant",
        "loan",
        "budget",
        "WBIF",
        "paid %",
        "steps met",
        "overdue",
        "unmet, grace",
        "expired",
    ];
    // Step figures only where the partner's steps are known; a dash elsewhere.
    let row = |name: &str, f: &Figures, level: Granularity| -> Vec<String> {
        let step = |v: String| if level == Granularity::Requests { "-".into() } else { v };
        vec![
            inert(name),
            level.as_str().into(),
            format_millions(f.envelope as i128),
            format_millions(f.committed as i128),
            format_millions(f.paid as i128),
            format_millions(f.paid_grant as i128),
            format_millions(f.paid_loan as i128),
            format_millions(f.paid_budget as i128),
            format_millions(f.paid_wbif as i128),
            Rate::ratio(f.paid as i128, f.envelope as i128).to_percent_1dp(),
            step(format!("{}/{}", f.steps_fulfilled, f.steps_due)),
            step(f.steps_overdue.to_string()),
            step(format_millions(f.value_withheld as i128)),
            step(format_millions(f.value_expired as i128)),
        ]
    };
    let shown = || p.partners.iter().filter(|x| partner.is_none_or(|c| c == x.code));
    let mut rows: Vec<Vec<String>> = shown().map(|x| row(&x.code, &x.figures, x.requests.granularity)).collect();
    if partner.is_none() {
        rows.push(row("all", &p.facility, p.requests.granularity));
    }
    let cycle_header = [
        "partner",
        "requests",
        "assessed",
        "pending",
        "requested",
        "approved",
        "not approved, grace running",
        "pending with EC",
        "steps claimed",
        "met",
        "partly",
        "published, not itemised",
    ];
    let cycle_row = |name: &str, r: &RequestFigures| -> Vec<String> {
        vec![
            inert(name),
            r.requests_submitted.to_string(),
            r.requests_assessed.to_string(),
            r.requests_pending.to_string(),
            bounded(&r.requested, true),
            bounded(&r.approved, true),
            bounded(&r.withheld_by_assessments, true),
            bounded(&r.pending, true),
            bounded(&r.steps_claimed, false),
            bounded(&r.steps_met, false),
            bounded(&r.steps_partly, false),
            if r.reported_unitemised_known { format_millions(r.reported_unitemised as i128) } else { "?".into() },
        ]
    };
    let mut cycle: Vec<Vec<String>> = shown().map(|x| cycle_row(&x.code, &x.requests)).collect();
    if partner.is_none() {
        cycle.push(cycle_row("all", &p.requests));
    }
    let mut out = format!("as of {}\n", date::format(p.as_of));
    out += &aligned(&header, &rows);
    out += "\nrequest cycle (\u{2265}: at least, as some figures are not published; ?: not published)\n";
    out += &aligned(&cycle_header, &cycle);
    out
}

/// A figure that may be a lower bound (`\u{2265}`) or not published (`?`).
fn bounded(v: &Partial, euros: bool) -> String {
    v.shown(|x| if euros { format_millions(x as i128) } else { x.to_string() }, "\u{2265}", "?")
}

/// A figure that may be unknown, as JSON: an amount as a decimal string, a count as an integer, or null.
pub(crate) fn partial_json(p: &Partial, euros: bool) -> Value {
    match p.value() {
        None => Value::Null,
        Some(v) if euros => json!(format_plain(v)),
        Some(v) => json!(v),
    }
}

/// Rows under a header, columns aligned (text left, figures right).
pub(crate) fn aligned(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut all: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    all.extend(rows.iter().cloned());
    let widths: Vec<usize> =
        (0..header.len()).map(|i| all.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (n, r) in all.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = " ".repeat(widths[i] - c.chars().count());
                if i == 0 {
                    format!("{c}{pad}")
                } else {
                    format!("{pad}{c}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            out.push_str(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
            out.push('\n');
        }
    }
    out
}

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
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let _ = w.write_record(&t.header);
    for r in &t.rows {
        let cells: Vec<String> = r
            .iter()
            .map(|v| match v {
                Value::String(s) if is_number(s) => s.clone(),
                Value::String(s) => neutralise(s),
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect();
        let _ = w.write_record(&cells);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn is_number(s: &str) -> bool {
    let t = s.strip_prefix('-').unwrap_or(s);
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.') && t.starts_with(|c: char| c.is_ascii_digit())
}

/// Prefixes text a spreadsheet would evaluate with an apostrophe.
pub fn neutralise(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A table as a JSON array of objects (for `export --format json` and the site's downloads), written row by
/// row: an object per row built first costs gigabytes for the `changes` since the facility's start at
/// 10^6 rows.
pub fn table_json(t: &Table) -> String {
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
    let mut s = serde_json::to_string_pretty(&Rows(t, &order)).expect("a JSON value always serialises");
    s.push('\n');
    s
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

    #[test]
    fn percentages_have_two_decimals() {
        assert_eq!(pct(1, 3), json!("33.33"));
        assert_eq!(pct(0, 0), Value::Null);
        assert_eq!(pct(5, 5), json!("100.00"));
    }
}
