//! The report's outlook section: the expiry calendar grouped by date and partner, and each partner's
//! three projections at the facility's last payment window, with the pace and delay each used.

use serde::Serialize;

use crate::date;
use crate::money::{format_millions, Rate};
use crate::progress::{Outlook, Partial, PartnerOutlook, ProjectionPoint, SCENARIOS};
use crate::render::outlook::{releases, scenario_label};

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
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectionRow {
    pub partner: String,
    pub envelope: String,
    pub paid: String,
    pub pace: String,
    pub delay: String,
    pub unscheduled: String,
    pub scenarios: Vec<ScenarioRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutlookSection {
    pub last_window: String,
    pub expired_so_far: String,
    pub calendar: Vec<ExpiryRow>,
    pub partners: Vec<ProjectionRow>,
    pub facility: Vec<ScenarioRow>,
}

fn amount(p: &Partial) -> String {
    p.shown(|v| format_millions(v as i128), "at least ", "not published")
}

fn at_end(points: &[ProjectionPoint]) -> Vec<ScenarioRow> {
    SCENARIOS
        .iter()
        .filter_map(|s| points.iter().rfind(|x| x.scenario == *s))
        .map(|x| ScenarioRow {
            label: scenario_label(x.scenario),
            paid: format_millions(x.paid as i128),
            expired: format_millions(x.expired as i128),
            remaining: format_millions(x.remaining as i128),
        })
        .collect()
}

fn basis(p: &PartnerOutlook) -> String {
    let pace = Rate::ratio(p.pace_num as i128, p.pace_den as i128).to_percent_1dp();
    match p.pace_basis {
        "requested_value" => format!("{pace} of the value requested was approved"),
        "step_value" => format!("{pace} of the value of its due steps was met"),
        "step_count" => format!("{pace} of the steps claimed were found met (values not published)"),
        "facility_requested_value" => {
            format!("{pace}: none of its own published, the facility's share of value approved")
        }
        "facility_step_value" => format!("{pace}: none of its own published, the facility's share of step value met"),
        "facility_step_count" => format!("{pace}: none of its own published, the facility's share of steps met"),
        _ => "0%: nothing assessed anywhere yet".into(),
    }
}

/// The section for the outlook as of the report's date.
pub fn section(o: &Outlook) -> OutlookSection {
    OutlookSection {
        last_window: o.windows.last().map(|d| date::format(*d)).unwrap_or_default(),
        expired_so_far: amount(&o.expired_so_far),
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
                envelope: format_millions(p.envelope as i128),
                paid: format_millions(p.paid as i128),
                pace: basis(p),
                delay: match p.delay_basis {
                    "own" => format!("{} days, the mean of its {}", p.delay_days, releases(p.delay_releases)),
                    "facility" => format!(
                        "{} days: no release of its own, the mean of the facility's {}",
                        p.delay_days,
                        releases(p.delay_releases)
                    ),
                    _ => "none observed: paid in the window after the due date".into(),
                },
                unscheduled: format_millions(p.unscheduled as i128),
                scenarios: at_end(&p.projections),
            })
            .collect(),
        facility: at_end(&o.facility),
    }
}
