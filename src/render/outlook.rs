//! The outlook (`status --outlook`, the `expiry` and `projection` export tables): the expiry calendar and
//! the three projections as JSON, an aligned table and export tables. Every projected figure is labelled
//! as one; the calendar holds recorded figures only.

use serde_json::{json, Map, Value};

use crate::date;
use crate::money::{format_millions, format_plain, Rate};
use crate::progress::{scenario_label, Expiry, Outlook, Partial, PartnerOutlook, ProjectionPoint, Table, SCENARIOS};
use crate::render::diagnostics::inert;
use crate::render::status::{aligned, partial_json, pct};

/// "1 release", "3 releases".
fn releases(n: u32) -> String {
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

/// The pace in words: the share, what it is a share of, and how many requests (or steps) it rests on.
pub fn pace_words(p: &PartnerOutlook) -> String {
    let pace = Rate::ratio(p.pace_num as i128, p.pace_den as i128).to_percent_1dp();
    let of = |what: &str| match p.pace_parts {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    };
    let what = match p.pace_basis.trim_start_matches("facility_") {
        "requested_value" => format!("approved of requested, {}", of("request")),
        "step_value" => format!("value of due steps met, {}", of("step")),
        "step_count" => format!("steps found met of claimed, {}; values not published", of("request")),
        _ => return "0%: nothing assessed anywhere yet".into(),
    };
    match p.pace_basis.starts_with("facility_") {
        true => format!("{pace}, the facility's ({what}): none of its own published"),
        false => format!("{pace} ({what})"),
    }
}

/// The delay in words.
pub fn delay_words(p: &PartnerOutlook) -> String {
    match p.delay_basis {
        "own" => format!(
            "{} days, the mean of its {} (paid at the latest on a grace end)",
            p.delay_days,
            releases(p.delay_releases)
        ),
        "facility" => {
            format!(
                "{} days, the facility's mean over {}: none of its own (paid at the latest on a grace end)",
                p.delay_days,
                releases(p.delay_releases)
            )
        }
        _ => "none observed: paid in the window after the due date".into(),
    }
}

/// What a reader must know before quoting a partner's projections, in words (empty when nothing).
pub fn caveats(p: &PartnerOutlook) -> Vec<String> {
    let mut out = Vec::new();
    if p.overpaid {
        out.push("its transfers already exceed what its envelope leaves (an envelope cut after pre-financing): not projected, the recorded figures are repeated".into());
    }
    if !p.agreements_in_force {
        out.push(
            "the ledgers do not record its Facility and Loan Agreements in force: no payment flows before they are"
                .into(),
        );
    }
    if !p.unpublished_remainders.is_empty() {
        out.push(format!(
            "what the Commission did not approve of {} is not published and counted as still payable: paid is at most this, back to the pool at least",
            p.unpublished_remainders.join(", ")
        ));
    }
    out
}

fn point_json(x: &ProjectionPoint) -> Value {
    json!({
        "kind": "projection",
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
    m.insert("kind".into(), json!("record"));
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
                "unpublished_remainders": p.unpublished_remainders,
                "agreements_in_force": p.agreements_in_force,
                "overpaid": p.overpaid,
                "open_eur": format_plain(p.open),
                "prefinancing_to_clear_eur": format_plain(p.prefinancing_to_clear),
                "unscheduled_eur": format_plain(p.unscheduled),
                "pace_pct": pace_pct(p),
                "pace_basis": p.pace_basis,
                "pace_parts": p.pace_parts,
                "delay_days": p.delay_days,
                "delay_basis": p.delay_basis,
                "delay_releases": p.delay_releases,
                "projections": p.projections.iter().map(point_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut m = Map::new();
    m.insert("windows".into(), json!(o.windows.iter().map(|d| date::format(*d)).collect::<Vec<_>>()));
    with_knownness(&mut m, "expired_so_far", &o.expired_so_far);
    m.insert("calendar".into(), o.calendar.iter().filter(|e| shown(&e.partner)).map(expiry_json).collect());
    m.insert("partners".into(), json!(partners));
    if partner.is_none() {
        m.insert("facility".into(), json!({ "projections": o.facility.iter().map(point_json).collect::<Vec<_>>() }));
    }
    Value::Object(m)
}

/// What expired up to the as-of date, in words: the amount (`show`n), and how many remainders of it are not
/// published.
pub fn expired_so_far_words(o: &Outlook, show: impl Fn(&Partial) -> String) -> String {
    match o.expired_so_far.blank {
        0 => show(&o.expired_so_far),
        n => format!(
            "{} ({n} request{} whose grace period has ended did not have what was not approved published)",
            show(&o.expired_so_far),
            if n == 1 { "" } else { "s" }
        ),
    }
}

/// What a reader must know before quoting the facility's projections (empty when nothing): the partners'
/// remainders not published.
pub fn facility_caveat(o: &Outlook) -> String {
    let unpublished: Vec<&str> =
        o.partners.iter().flat_map(|p| p.unpublished_remainders.iter().map(String::as_str)).collect();
    if unpublished.is_empty() {
        return String::new();
    }
    format!(
        "what was not approved of {} is not published and counted as still payable: paid is at most this, back to the pool at least",
        unpublished.join(", ")
    )
}

/// An amount that may be a lower bound or not published, in millions.
fn shown(p: &Partial) -> String {
    p.shown(|v| format_millions(v as i128), "\u{2265}", "?")
}

/// The terminal tables: the calendar, then each partner's projections with the pace and delay used.
pub fn table(o: &Outlook, partner: Option<&str>) -> String {
    let keep = |code: &str| partner.is_none_or(|c| c == code);
    let mut out = String::from("\nexpiry calendar: money not approved (requested less approved) that returns to the pool unless its steps are met by the grace end (EUR m; \u{2265}: at least; ?: not published)\n");
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
    out += &format!("expired up to the as-of date (all partners): {}\n", expired_so_far_words(o, shown));
    out += "\nprojections to the facility's last payment date (EUR m, cumulative at each window's end; PROJECTIONS, not records;\nexpired: back to the pool, less the pre-financing already paid against it)\n";
    let mut header = vec!["partner".to_string(), "scenario".to_string()];
    header.extend(o.windows.iter().map(|w| format!("{} paid/expired", date::format(*w))));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    // A cell per window: a dash where there is no projection for it (a folder with nothing allocated).
    let row = |name: &str, points: &[ProjectionPoint], rows: &mut Vec<Vec<String>>| {
        for s in SCENARIOS {
            let mut r = vec![inert(name), s.to_string()];
            r.extend(o.windows.iter().map(|&w| {
                points.iter().find(|x| x.scenario == s && x.window_end == w).map_or("-".to_string(), |x| {
                    format!("{}/{}", format_millions(x.paid as i128), format_millions(x.expired as i128))
                })
            }));
            rows.push(r);
        }
    };
    for p in o.partners.iter().filter(|p| keep(&p.partner)) {
        row(&p.partner, &p.projections, &mut rows);
        notes.push(format!(
            "  {}: envelope {}, paid {}, not yet covered by a request or step {}; pace {}; delay {}",
            inert(&p.partner),
            format_millions(p.envelope as i128),
            format_millions(p.paid as i128),
            format_millions(p.unscheduled as i128),
            pace_words(p),
            delay_words(p),
        ));
        notes.extend(caveats(p).iter().map(|c| format!("    note: {c}")));
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
        "kind",
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
        "kind",
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
        "agreements_in_force",
        "unpublished_remainders",
    ];
    let point_row = |partner: &str, x: &ProjectionPoint, p: Option<&PartnerOutlook>| -> Vec<Value> {
        vec![
            json!("projection"),
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
            p.map_or(json!(""), |p| json!(if p.agreements_in_force { "yes" } else { "no" })),
            p.map_or(json!(""), |p| json!(p.unpublished_remainders.join(" "))),
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
