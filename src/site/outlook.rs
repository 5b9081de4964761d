//! The outlook on the site's home and partner pages: the expiry calendar (recorded figures), the fan
//! chart with the table behind it, and the projections with what each rests on, labelled as projections,
//! from the same `Progress.outlook` as `status --outlook`, the export and the report.

use minijinja::{context, Value};

use super::tables::{col, Cell, Table};
use super::{m, Site};
use crate::date;
use crate::progress::{scenario_label, Partial, ProjectionPoint, SCENARIOS};
use crate::render::outlook::{caveats, delay_words, expired_so_far_words, facility_caveat, pace_words};

/// An amount that may be a lower bound ("at least") or not published.
fn amount(p: &Partial) -> String {
    crate::report::bound(p, true)
}

/// The calendar's rows for one partner or all.
fn calendar(s: &Site, partner: Option<&str>, root: &'static str) -> Table {
    let o = &s.input.now.outlook;
    let rows = o
        .calendar
        .iter()
        .filter(|e| partner.is_none_or(|p| p == e.partner))
        .map(|e| {
            let from: Vec<&str> = e.requests.iter().chain(&e.steps).map(String::as_str).collect();
            let shown = from.iter().take(12).copied().collect::<Vec<_>>().join(", ");
            let more = from.len().saturating_sub(12);
            vec![
                Cell::text(date::format(e.date)),
                Cell::partner(&e.partner, &s.pages),
                Cell { t: amount(&e.amount), s: Some(e.amount.value.to_string()), ..Cell::default() },
                Cell::text(if more > 0 { format!("{shown} and {more} more steps") } else { shown }),
                Cell { t: amount(&e.pool_after), s: Some(e.pool_after.value.to_string()), ..Cell::default() },
            ]
        })
        .collect();
    Table::new(
        if partner.is_some() { "expiry-partner" } else { "expiry" },
        "Money not approved that is lost unless its steps are met by the grace end (recorded figures)",
        vec![
            col("grace ends", "", false),
            col("partner", "", false),
            col("expires unless met", "", true),
            col("requests or steps", "", false),
            col("running total back to the pool, all partners", "", true),
        ],
        rows,
    )
    .under(root)
}

/// Scenario rows, one per window: paid and back to the pool.
fn projection_table(id: &str, caption: String, points: &[ProjectionPoint], root: &'static str) -> Table {
    let rows = points
        .iter()
        .map(|x| {
            vec![
                Cell::text(scenario_label(x.scenario)),
                Cell::text(date::format(x.window_end)),
                Cell::millions(x.paid),
                Cell::millions(x.expired),
                Cell::millions(x.remaining),
            ]
        })
        .collect();
    Table::new(
        id,
        caption,
        vec![
            col("scenario", "", false),
            col("window ends", "", false),
            col("paid (projected)", "", true),
            col("back to the pool (projected, net of the advance)", "", true),
            col("remaining", "", true),
        ],
        rows,
    )
    .under(root)
}

/// The home page's outlook.
pub fn home(s: &Site) -> Value {
    let o = &s.input.now.outlook;
    let last = o.windows.last().map(|d| date::format(*d)).unwrap_or_default();
    let chart = s.chart(
        "outlook",
        format!(
            "Line chart of the facility's recorded cumulative payments to {}, then three projected lines to {}: on plan, at the observed pace and with no further progress.",
            date::format(s.input.now.as_of),
            last
        ),
        "Paid so far and three projections (projections, not records); the table gives the figures by window.".into(),
        projection_table("outlook-facility", format!("The facility's projections to {last} (projections, not records)"), &o.facility, ""),
    );
    let partners = o
        .partners
        .iter()
        .flat_map(|p| {
            SCENARIOS
                .iter()
                .filter_map(move |sc| p.projections.iter().rfind(|x| x.scenario == *sc))
                .map(move |x| (p, x))
        })
        .map(|(p, x)| {
            vec![
                Cell::partner(&p.partner, &s.pages),
                Cell::text(scenario_label(x.scenario)),
                Cell::millions(x.paid),
                Cell::millions(x.expired),
                Cell::text(match x.scenario {
                    "observed_pace" => format!("pace {}; delay {}", pace_words(p), delay_words(p)),
                    "on_plan" => caveats(p).join("; "),
                    _ => String::new(),
                }),
            ]
        })
        .collect();
    let partners = Table::new(
        "outlook-partners",
        format!("Each partner at {last} (projections, not records)"),
        vec![
            col("partner", "", false),
            col("scenario", "", false),
            col(&format!("paid by {last}"), "", true),
            col("back to the pool (net of the advance)", "", true),
            col("what it rests on, and what to know", "", false),
        ],
        partners,
    );
    context! {
        last_window => last,
        expired_so_far => expired_so_far_words(o, amount),
        facility_caveat => facility_caveat(o),
        calendar => calendar(s, None, ""),
        chart => chart,
        partners => partners,
        any_window => !o.windows.is_empty(),
    }
}

/// A partner page's outlook.
pub fn partner(s: &Site, code: &str) -> Value {
    let o = &s.input.now.outlook;
    let last = o.windows.last().map(|d| date::format(*d)).unwrap_or_default();
    let Some(p) = o.partners.iter().find(|p| p.partner == code) else { return Value::UNDEFINED };
    context! {
        last_window => last,
        calendar => calendar(s, Some(code), "../"),
        projections => projection_table("outlook-projections", format!("{code}'s projections to {last} (projections, not records)"), &p.projections, "../"),
        pace => pace_words(p),
        delay => delay_words(p),
        envelope => m(p.envelope),
        paid => m(p.paid),
        unscheduled => m(p.unscheduled),
        caveats => caveats(p),
        any_window => !o.windows.is_empty(),
    }
}
