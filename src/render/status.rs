//! The progress model as the `status` JSON contract (docs/OUTPUT.md), an aligned terminal table, CSV,
//! and the tables `export` writes. Input is the plain `Progress`; no computation of figures here.

use serde_json::{json, Map, Value};

use crate::date;
use crate::money::{format_millions, format_plain, Rate};
use crate::progress::{Figures, Granularity, KnownGap, Partial, Progress, RequestFigures};
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
    // Step figures only where the partner's steps are known; a dash elsewhere. What was paid is a lower
    // bound where a published total is not itemised and not known (as the report and the site say).
    let row = |name: &str, f: &Figures, level: Granularity, paid_known: bool| -> Vec<String> {
        let step = |v: String| if level == Granularity::Requests { "-".into() } else { v };
        let paid = format_millions(f.paid as i128);
        vec![
            inert(name),
            level.as_str().into(),
            format_millions(f.envelope as i128),
            format_millions(f.committed as i128),
            if paid_known { paid } else { format!("\u{2265}{paid}") },
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
    let mut rows: Vec<Vec<String>> = shown()
        .map(|x| row(&x.code, &x.figures, x.requests.granularity, x.requests.reported_unitemised_known))
        .collect();
    if partner.is_none() {
        rows.push(row("all", &p.facility, p.requests.granularity, true));
    }
    let bounds = shown().any(|x| !x.requests.reported_unitemised_known);
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
    if bounds {
        out += "\u{2265} paid: at least, as a published total of the partner's is not itemised in the ledgers\n";
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_have_two_decimals() {
        assert_eq!(pct(1, 3), json!("33.33"));
        assert_eq!(pct(0, 0), Value::Null);
        assert_eq!(pct(5, 5), json!("100.00"));
    }
}
