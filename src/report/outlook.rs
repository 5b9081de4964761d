//! The report's outlook section: the expiry calendar grouped by date and partner, and each partner's
//! three projections at the facility's last payment window, with what each rests on and what a reader must
//! know before quoting them.

use serde::Serialize;

use crate::date;
use crate::money::format_millions;
use crate::progress::{scenario_label, Outlook, Partial, ProjectionPoint, SCENARIOS};
use crate::render::outlook::{caveats, delay_words, expired_so_far_words, facility_caveat, pace_words};

/// At most this many steps are named under a calendar date (the export lists them all).
const LISTED_STEPS: usize = 12;

#[derive(Debug, Clone, Serialize)]
pub struct ExpiryRow {
    pub date: String,
    pub partner: String,
    pub amount: String,
    /// The requests or steps it comes from, as the ledgers name them.
    pub from: Vec<String>,
    /// How many more steps the export lists.
    pub more: usize,
    pub pool_after: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioRow {
    pub label: &'static str,
    pub paid: String,
    pub expired: String,
    pub remaining: String,
    /// What this scenario rests on, in words.
    pub assumes: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectionRow {
    pub partner: String,
    pub scenarios: Vec<ScenarioRow>,
    /// What a reader must know before quoting them.
    pub caveats: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutlookSection {
    pub last_window: String,
    pub expired_so_far: String,
    pub calendar: Vec<ExpiryRow>,
    pub partners: Vec<ProjectionRow>,
    pub facility: Vec<ScenarioRow>,
}

/// An amount that may be a lower bound ("at least") or not published.
fn amount(p: &Partial) -> String {
    crate::report::bound(p, true)
}

/// Each scenario at the last window, with what it rests on (`assumes`, by scenario name).
fn at_end(points: &[ProjectionPoint], assumes: impl Fn(&str) -> String) -> Vec<ScenarioRow> {
    SCENARIOS
        .iter()
        .filter_map(|s| points.iter().rfind(|x| x.scenario == *s))
        .map(|x| ScenarioRow {
            label: scenario_label(x.scenario),
            paid: format_millions(x.paid as i128),
            expired: format_millions(x.expired as i128),
            remaining: format_millions(x.remaining as i128),
            assumes: assumes(x.scenario),
        })
        .collect()
}

/// The section for the outlook as of the report's date.
pub fn section(o: &Outlook) -> OutlookSection {
    OutlookSection {
        last_window: o.windows.last().map(|d| date::format(*d)).unwrap_or_default(),
        expired_so_far: expired_so_far_words(o, amount),
        calendar: o
            .calendar
            .iter()
            .map(|e| {
                let mut from: Vec<String> = e.requests.clone();
                from.extend(e.steps.iter().take(LISTED_STEPS).cloned());
                ExpiryRow {
                    date: date::format(e.date),
                    partner: e.partner.clone(),
                    amount: amount(&e.amount),
                    from,
                    more: e.steps.len().saturating_sub(LISTED_STEPS),
                    pool_after: amount(&e.pool_after),
                }
            })
            .collect(),
        partners: o
            .partners
            .iter()
            .map(|p| ProjectionRow {
                partner: p.partner.clone(),
                scenarios: at_end(&p.projections, |s| match s {
                    "on_plan" => format!(
                        "envelope {}, paid so far {}; {} of the envelope not yet covered by any request or step, spread over the due dates ahead",
                        format_millions(p.envelope as i128),
                        format_millions(p.paid as i128),
                        format_millions(p.unscheduled as i128)
                    ),
                    "observed_pace" => format!("pace {}; delay {}", pace_words(p), delay_words(p)),
                    _ => String::new(),
                }),
                caveats: caveats(p),
            })
            .collect(),
        facility: at_end(&o.facility, |s| if s == "on_plan" { facility_caveat(o) } else { String::new() }),
    }
}
