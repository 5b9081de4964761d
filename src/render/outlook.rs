//! The outlook (`status --outlook`, the `expiry` and `projection` export tables): the expiry calendar and
//! the three projections as JSON, an aligned table and export tables. Every projected figure is labelled
//! as one; the calendar holds recorded figures only.

use serde_json::{json, Map, Value};

use crate::date;
use crate::money::{format_millions, format_plain, Rate};
use crate::progress::{Expiry, Outlook, Partial, PartnerOutlook, ProjectionPoint, Table, SCENARIOS};
use crate::render::diagnostics::inert;
use crate::render::status::{aligned, partial_json, pct};

/// What each scenario assumes, in words (the table, the report and docs/OUTPUT.md say the same).
pub fn scenario_label(scenario: &str) -> &'static str {
    match scenario {
        "on_plan" => "on plan: every remaining step met when due",
        "observed_pace" => "at the observed pace",
        _ => "no further progress: nothing more met or paid",
    }
}

/// "1 release", "3 releases".
pub fn releases(n: u32) -> String {
    if n == 1 {
        "1 release".into()
    } else {
        format!("{n} releases")
    }
}

/// A partner's pace as a percentage with two decimals (null when nothing is observed).
pub fn pace_pct(p: &PartnerOutlook) -> Value {
    if p.pace_basis == "none" {
        return Value::Null;
    }
    pct(p.pace_num, p.pace_den)
}

fn point_json(x: &ProjectionPoint) -> Value {
    json!({
        "scenario": x.scenario,
        "window_end": date::format(x.window_end),
        "paid_eur": format_plain(x.paid),
        "expired_eur": format_plain(x.expired),
        "remaining_eur": format_plain(x.remaining),
        "paid_in_window_eur": format_plain(x.paid_in_window),
        "expired_in_window_eur": format_plain(x.expired_in_window),
    })
}

fn with_knownness(m: &mut Map<String, Value>, key: &str, p: &Partial) {
    m.insert(format!("{key}_eur"), partial_json(p, true));
    m.insert(format!("{key}_knownness"), json!(p.knownness().as_str()));
}

fn expiry_json(e: &Expiry) -> Value {
    let mut m = Map::new();
    m.insert("date".into(), json!(date::format(e.date)));
    m.insert("partner".into(), json!(e.partner));
    with_knownness(&mut m, "amount", &e.amount);
    m.insert("unpublished_parts".into(), json!(e.amount.blank));
    m.insert("requests".into(), json!(e.requests));
    m.insert("steps".into(), json!(e.steps));
    with_knownness(&mut m, "pool_after", &e.pool_after);
    Value::Object(m)
}

/// The `outlook` object of `status --outlook --format json`, for one partner or all.
pub fn json(o: &Outlook, partner: Option<&str>) -> Value {
    let shown = |code: &str| partner.is_none_or(|c| c == code);
    let partners: Vec<Value> = o
        .partners
        .iter()
        .filter(|p| shown(&p.partner))
        .map(|p| {
            json!({
                "partner": p.partner,
                "envelope_eur": format_plain(p.envelope),
                "paid_eur": format_plain(p.paid),
                "expired_eur": format_plain(p.expired),
                "expired_unpublished_parts": p.expired_unknown,
                "open_eur": format_plain(p.open),
                "prefinancing_to_clear_eur": format_plain(p.prefinancing_to_clear),
                "unscheduled_eur": format_plain(p.unscheduled),
                "pace_pct": pace_pct(p),
                "pace_basis": p.pace_basis,
                "delay_days": p.delay_days,
                "delay_basis": p.delay_basis,
                "delay_releases": p.delay_releases,
                "projections": p.projections.iter().map(point_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut m = Map::new();
    m.insert("kind".into(), json!("projection"));
    m.insert("windows".into(), json!(o.windows.iter().map(|d| date::format(*d)).collect::<Vec<_>>()));
    with_knownness(&mut m, "expired_so_far", &o.expired_so_far);
    m.insert("calendar".into(), o.calendar.iter().filter(|e| shown(&e.partner)).map(expiry_json).collect());
    m.insert("partners".into(), json!(partners));
    if partner.is_none() {
        m.insert("facility".into(), json!({ "projections": o.facility.iter().map(point_json).collect::<Vec<_>>() }));
    }
    Value::Object(m)
}

/// An amount that may be a lower bound or not published, in millions.
fn shown(p: &Partial) -> String {
    p.shown(|v| format_millions(v as i128), "\u{2265}", "?")
}

/// The terminal tables: the calendar, then each partner's projections with the pace and delay used.
pub fn table(o: &Outlook, partner: Option<&str>) -> String {
    let keep = |code: &str| partner.is_none_or(|c| c == code);
    let mut out = String::from("\nexpiry calendar: withheld money that returns to the pool unless its steps are met (EUR m; \u{2265}: at least; ?: not published)\n");
    let rows: Vec<Vec<String>> = o
        .calendar
        .iter()
        .filter(|e| keep(&e.partner))
        .map(|e| {
            let from = e.requests.iter().chain(&e.steps).map(|s| inert(s)).collect::<Vec<_>>().join(" ");
            vec![date::format(e.date), inert(&e.partner), shown(&e.amount), from, shown(&e.pool_after)]
        })
        .collect();
    if rows.is_empty() {
        out += "  nothing withheld expires before the facility's last payment date\n";
    } else {
        out += &aligned(&["grace ends", "partner", "expires", "requests or steps", "pool after (all)"], &rows);
    }
    out += &format!("expired up to the as-of date (all partners): {}\n", shown(&o.expired_so_far));
    out += "\nprojections to the facility's last payment date (EUR m, cumulative at each window's end; PROJECTIONS, not records)\n";
    let mut header = vec!["partner".to_string(), "scenario".to_string()];
    header.extend(o.windows.iter().map(|w| format!("{} paid/expired", date::format(*w))));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let row = |name: &str, points: &[ProjectionPoint], rows: &mut Vec<Vec<String>>| {
        for s in SCENARIOS {
            let mut r = vec![inert(name), s.to_string()];
            r.extend(
                points
                    .iter()
                    .filter(|x| x.scenario == s)
                    .map(|x| format!("{}/{}", format_millions(x.paid as i128), format_millions(x.expired as i128))),
            );
            rows.push(r);
        }
    };
    for p in o.partners.iter().filter(|p| keep(&p.partner)) {
        row(&p.partner, &p.projections, &mut rows);
        notes.push(format!(
            "  {}: envelope {}, paid {}, pace {} ({}), delay {} days ({}, {}), unscheduled {}",
            inert(&p.partner),
            format_millions(p.envelope as i128),
            format_millions(p.paid as i128),
            match p.pace_basis {
                "none" => "-".to_string(),
                _ => Rate::ratio(p.pace_num as i128, p.pace_den as i128).to_percent_1dp(),
            },
            p.pace_basis,
            p.delay_days,
            p.delay_basis,
            releases(p.delay_releases),
            format_millions(p.unscheduled as i128),
        ));
    }
    if partner.is_none() {
        row("all", &o.facility, &mut rows);
    }
    out += &aligned(&header, &rows);
    out += "scenarios: ";
    out += &SCENARIOS.map(|s| format!("{s} = {}", scenario_label(s))).join("; ");
    out += "\npace and delay used (docs/OUTPUT.md, \"Outlook\"):\n";
    out += &notes.join("\n");
    out.push('\n');
    out
}

/// The `expiry` and `projection` tables of `export`.
pub fn tables(o: &Outlook) -> Vec<Table> {
    let expiry_header = [
        "date",
        "partner",
        "amount_eur",
        "amount_knownness",
        "unpublished_parts",
        "requests",
        "steps",
        "pool_after_eur",
        "pool_after_knownness",
    ];
    let expiry = o
        .calendar
        .iter()
        .map(|e| {
            let v = expiry_json(e);
            expiry_header
                .iter()
                .map(|k| match &v[*k] {
                    Value::Array(items) => {
                        json!(items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" "))
                    }
                    other => other.clone(),
                })
                .collect()
        })
        .collect();
    let projection_header = [
        "partner",
        "scenario",
        "window_end",
        "paid_eur",
        "expired_eur",
        "remaining_eur",
        "paid_in_window_eur",
        "expired_in_window_eur",
        "pace_pct",
        "pace_basis",
        "delay_days",
        "delay_basis",
    ];
    let point_row = |partner: &str, x: &ProjectionPoint, p: Option<&PartnerOutlook>| -> Vec<Value> {
        vec![
            json!(partner),
            json!(x.scenario),
            json!(date::format(x.window_end)),
            json!(format_plain(x.paid)),
            json!(format_plain(x.expired)),
            json!(format_plain(x.remaining)),
            json!(format_plain(x.paid_in_window)),
            json!(format_plain(x.expired_in_window)),
            p.map_or(Value::Null, pace_pct),
            // The facility's projection is the partners' summed, each at its own pace and delay.
            p.map_or(json!("partners"), |p| json!(p.pace_basis)),
            p.map_or(Value::Null, |p| json!(p.delay_days)),
            p.map_or(json!("partners"), |p| json!(p.delay_basis)),
        ]
    };
    let mut projection: Vec<Vec<Value>> = Vec::new();
    for p in &o.partners {
        projection.extend(p.projections.iter().map(|x| point_row(&p.partner, x, Some(p))));
    }
    projection.extend(o.facility.iter().map(|x| point_row("ALL", x, None)));
    vec![
        Table { name: "expiry", header: expiry_header.map(String::from).to_vec(), rows: expiry },
        Table { name: "projection", header: projection_header.map(String::from).to_vec(), rows: projection },
    ]
}
