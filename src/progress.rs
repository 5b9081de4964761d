//! The progress model: where the facility and each partner stand on a date. Plain structs, computed by
//! `compute` (the only module that touches polars) and read by the renderers; amounts are cents.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::date::Date;
use crate::ledger::model::Text;

/// The money and step figures of one partner, or of the whole facility.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub envelope: i64,
    pub envelope_grant: i64,
    pub envelope_loan: i64,
    /// Cuts and redistributions so far (negative when the envelope shrank).
    pub envelope_changes: i64,
    pub committed: i64,
    pub committed_grant: i64,
    pub committed_loan: i64,
    pub committed_budget: i64,
    pub committed_wbif: i64,
    /// Commitments that name no channel (they cover both).
    pub committed_any_channel: i64,
    pub paid: i64,
    pub paid_grant: i64,
    pub paid_loan: i64,
    pub paid_budget: i64,
    pub paid_wbif: i64,
    pub paid_prefinancing: i64,
    pub paid_regular: i64,
    /// Pre-financing cleared so far by reducing regular releases.
    pub prefinancing_cleared: i64,
    pub steps_total: i64,
    pub steps_due: i64,
    pub steps_fulfilled: i64,
    pub steps_partially_fulfilled: i64,
    pub steps_not_fulfilled: i64,
    pub steps_overdue: i64,
    pub steps_in_grace: i64,
    pub steps_expired: i64,
    pub steps_not_yet_due: i64,
    /// The money tied to all steps.
    pub value_steps: i64,
    /// Gross value of steps fulfilled and paid.
    pub value_paid: i64,
    /// Fulfilled, not yet paid.
    pub value_fulfilled_unpaid: i64,
    /// Due and unmet, still within the grace period.
    pub value_withheld: i64,
    /// Due and unmet, grace period over: redistributable.
    pub value_expired: i64,
    /// Not yet due.
    pub value_ahead: i64,
}

impl Figures {
    pub fn prefinancing_to_clear(&self) -> i64 {
        self.paid_prefinancing - self.prefinancing_cleared
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerProgress {
    pub code: String,
    pub name: String,
    /// The name in the partner's own language(s), as in partners.csv (may be empty).
    pub local_name: String,
    pub figures: Figures,
    /// The request cycle: what the partner asked for and what the Commission decided.
    pub requests: RequestFigures,
}

/// How far a figure summed from cells that may be blank ("not published") can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Knownness {
    /// Every part is published (or there is none).
    #[default]
    Known,
    /// Some parts are blank: the figure is the sum of the others, and the true figure is at least that.
    LowerBound,
    /// Every part is blank.
    Unknown,
}

impl Knownness {
    pub fn as_str(self) -> &'static str {
        match self {
            Knownness::Known => "known",
            Knownness::LowerBound => "lower_bound",
            Knownness::Unknown => "unknown",
        }
    }
}

/// A sum over parts some of which may be unknown: the known parts' total and how many parts were
/// known and blank. Sums add up part by part, so the facility's is the sum of the partners'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Partial {
    pub value: i64,
    pub known: u32,
    pub blank: u32,
}

impl Partial {
    pub fn add(&mut self, part: Option<i64>) {
        match part {
            Some(v) => {
                self.value += v;
                self.known += 1;
            }
            None => self.blank += 1,
        }
    }

    pub fn plus(self, other: Partial) -> Partial {
        Partial { value: self.value + other.value, known: self.known + other.known, blank: self.blank + other.blank }
    }

    pub fn knownness(&self) -> Knownness {
        match (self.known, self.blank) {
            (_, 0) => Knownness::Known,
            (0, _) => Knownness::Unknown,
            _ => Knownness::LowerBound,
        }
    }

    /// The value, unless nothing of it is known.
    pub fn value(&self) -> Option<i64> {
        (self.knownness() != Knownness::Unknown).then_some(self.value)
    }

    /// The figure for people: `show`n, after `at_least` when it is a lower bound, or `unpublished` when
    /// nothing of it is known.
    pub fn shown(&self, show: impl Fn(i64) -> String, at_least: &str, unpublished: &str) -> String {
        match self.knownness() {
            Knownness::Known => show(self.value),
            Knownness::LowerBound => format!("{at_least}{}", show(self.value)),
            Knownness::Unknown => unpublished.into(),
        }
    }
}

/// The level a partner's figures are kept at: step by step (steps.csv has its steps) or only request by
/// request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Granularity {
    #[default]
    Requests,
    Steps,
    /// The facility, when some partners have steps and others not.
    Mixed,
}

impl Granularity {
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Requests => "requests",
            Granularity::Steps => "steps",
            Granularity::Mixed => "mixed",
        }
    }
}

/// The request cycle of a partner or of the facility as of a date (docs/OUTPUT.md defines each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFigures {
    pub granularity: Granularity,
    pub requests_submitted: i64,
    pub requests_assessed: i64,
    pub requests_pending: i64,
    pub requested: Partial,
    pub approved: Partial,
    pub pending: Partial,
    pub withheld_by_assessments: Partial,
    pub steps_claimed: Partial,
    pub steps_met: Partial,
    pub steps_partly: Partial,
    /// Published but not itemised: the latest known gap of the partner (of `ALL` for the facility).
    pub reported_unitemised: i64,
    /// False for a partner with no published total of its own while a total of all partners is not
    /// itemised: its share of that gap is not published.
    pub reported_unitemised_known: bool,
}

/// Where one payment request stands on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestState {
    pub id: String,
    pub partner: String,
    pub submitted: Date,
    pub period_end: Date,
    /// After it, what the assessments withheld is no longer released.
    pub grace_end: Date,
    pub steps_claimed: Option<u32>,
    pub requested: Option<i64>,
    /// Assessments so far, and the date of the latest.
    pub assessments: u32,
    pub last_assessed: Option<Date>,
    pub steps_met: Partial,
    /// The latest assessment's counts.
    pub steps_partly: Option<u32>,
    pub steps_not_met: Option<u32>,
    pub approved: Partial,
    /// What the releases naming it alone transferred so far (net).
    pub released: i64,
    /// What releases that paid it together with other requests transferred (net; the split is not
    /// published), and those other requests.
    pub released_together: i64,
    pub together_with: Vec<String>,
    /// `pending` (not yet assessed), `assessed` (its grace runs), or `grace_ended`.
    pub stage: &'static str,
    pub source: String,
    /// The request's note: how a value was derived, what is a bound, what sources disagree on.
    pub note: String,
    /// Its assessments so far: date, source and note of each.
    pub decisions: Vec<(Date, String, String)>,
}

impl Default for RequestFigures {
    fn default() -> Self {
        RequestFigures {
            granularity: Granularity::default(),
            requests_submitted: 0,
            requests_assessed: 0,
            requests_pending: 0,
            requested: Partial::default(),
            approved: Partial::default(),
            pending: Partial::default(),
            withheld_by_assessments: Partial::default(),
            steps_claimed: Partial::default(),
            steps_met: Partial::default(),
            steps_partly: Partial::default(),
            reported_unitemised: 0,
            reported_unitemised_known: true,
        }
    }
}

/// A published aggregate the ledgers itemise only in part (`itemised = partial`), as of its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownGap {
    pub date: Date,
    /// A partner code, or `ALL`.
    pub partner: String,
    pub measure: &'static str,
    pub published: i64,
    /// The ledgers' figure for the measure on that date.
    pub itemised: i64,
    /// Published less itemised, or 0 once within the tolerance.
    pub unitemised: i64,
    pub tolerance: i64,
    /// `known_gap`, or `itemised` once the ledgers reach it.
    pub status: &'static str,
    /// Where the published figure comes from.
    pub source: String,
}

/// Steps and money of one partner's policy area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaProgress {
    pub partner: String,
    pub area: String,
    pub figures: Figures,
}

/// Where one step stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepState {
    /// Texts as the ledger keeps them (short ones inline: a million steps make no million allocations).
    pub id: Text,
    pub partner: Text,
    pub area: Text,
    pub due: Date,
    pub grace_end: Date,
    pub amount: i64,
    /// One of [`STAGES`].
    pub stage: &'static str,
    /// The latest assessment's status, or `none`.
    pub assessment: &'static str,
    pub value_paid: i64,
    pub value_fulfilled_unpaid: i64,
    pub value_withheld: i64,
    pub value_expired: i64,
    pub value_ahead: i64,
}

/// The stages a step can be in, in the order reports and charts show them.
pub const STAGES: [&str; 5] = ["fulfilled", "partially_fulfilled", "in_grace", "expired", "not_yet_due"];

/// How many steps of each partner and policy area are in each stage, in [`STAGES`] order.
pub type StageCounts<'a> = BTreeMap<(&'a str, &'a str), [u64; 5]>;

impl Progress {
    /// The steps counted by partner, area and stage, in one pass (a chart or table per partner and area
    /// reads these instead of scanning every step again).
    pub fn stage_counts(&self) -> StageCounts<'_> {
        let mut counts = StageCounts::new();
        for s in &self.steps {
            if let Some(k) = STAGES.iter().position(|x| *x == s.stage) {
                counts.entry((s.partner.as_str(), s.area.as_str())).or_insert([0; 5])[k] += 1;
            }
        }
        counts
    }
}

/// A partner's counts over all its areas (see [`Progress::stage_counts`]).
pub fn partner_stage_counts(counts: &StageCounts, partner: &str) -> [u64; 5] {
    let mut sum = [0; 5];
    for (_, c) in counts.range((partner, "")..).take_while(|((p, _), _)| *p == partner) {
        for (s, c) in sum.iter_mut().zip(c) {
            *s += c;
        }
    }
    sum
}

/// Cumulative paid and planned money of a partner at the end of a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelinePoint {
    pub partner: String,
    /// `YYYY-MM`.
    pub month: String,
    pub paid_cumulative: i64,
    pub planned_cumulative: i64,
}

/// A date coming up: a step falling due, or a grace period ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub date: Date,
    pub partner: String,
    pub step: String,
    /// `due` or `grace_ends`.
    pub kind: &'static str,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub as_of: Date,
    pub facility: Figures,
    /// Sorted by partner code.
    pub partners: Vec<PartnerProgress>,
    /// Sorted by partner, then area.
    pub areas: Vec<AreaProgress>,
    /// Sorted by partner, then step id.
    pub steps: Vec<StepState>,
    /// Sorted by partner, then month.
    pub timeline: Vec<TimelinePoint>,
    /// The next six months, sorted by date, partner and step.
    pub deadlines: Vec<Deadline>,
    /// The facility's request cycle (the partners' combined).
    pub requests: RequestFigures,
    /// Every `partial` control total dated up to `as_of`, in file order.
    pub known_gaps: Vec<KnownGap>,
    /// The requests submitted up to `as_of`, by partner, then date and id.
    pub request_states: Vec<RequestState>,
    /// What expires when, and the projections to the facility's last payment date.
    pub outlook: Outlook,
}

/// The outlook as of a date (docs/OUTPUT.md defines each figure): the expiry calendar, recorded figures
/// only, and three projections, each labelled as one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outlook {
    /// The last day of each payment window projected: the first holds the day after the as-of date, the
    /// last the facility's last payment date.
    pub windows: Vec<Date>,
    /// Money withheld that expires unless its missing steps are met: by date, then partner.
    pub calendar: Vec<Expiry>,
    /// What expired up to the as-of date, facility-wide (withheld remainders and steps whose grace ended).
    pub expired_so_far: Partial,
    /// By partner code.
    pub partners: Vec<PartnerOutlook>,
    /// The facility's projections: the partners' summed, window by window, in [`SCENARIOS`] order.
    pub facility: Vec<ProjectionPoint>,
}

/// The three projections, in the order tables and charts show them.
pub const SCENARIOS: [&str; 3] = ["on_plan", "observed_pace", "no_progress"];

/// What each scenario assumes, in words (the status table, the report and docs/OUTPUT.md say the same).
pub fn scenario_label(scenario: &str) -> &'static str {
    match scenario {
        "on_plan" => "on plan: overdue steps met now, the rest when due",
        "observed_pace" => "at the observed pace",
        _ => "no further progress: nothing more met or paid",
    }
}

/// A partner's money withheld whose grace period ends on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiry {
    /// The grace end: after it the money is no longer released and returns to the pool.
    pub date: Date,
    pub partner: String,
    /// Gross euros withheld (a withheld remainder whose request or approval is not published is a blank
    /// part).
    pub amount: Partial,
    /// The requests (withheld remainders) or steps (unmet and due) it comes from.
    pub requests: Vec<String>,
    pub steps: Vec<String>,
    /// Facility-wide: what expired up to the as-of date plus every amount of the calendar up to this one.
    pub pool_after: Partial,
}

/// One partner's outlook: its starting point, the pace and delay its projection at the observed pace
/// uses (and where they come from), and its projections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerOutlook {
    pub partner: String,
    pub envelope: i64,
    /// Transferred up to the as-of date (net, pre-financing included).
    pub paid: i64,
    /// Withheld money whose grace ended up to the as-of date (gross, the known part; `expired_unknown`
    /// counts the remainders not published).
    pub expired: i64,
    pub expired_unknown: u32,
    /// The assessed requests whose withheld remainder is not published: the projections count that money
    /// as still payable, so on plan is at most what they show.
    pub unpublished_remainders: Vec<String>,
    /// Whether its Facility and Loan Agreements are in force on the as-of date (no money flows before).
    pub agreements_in_force: bool,
    /// Transfers already above what the envelope leaves (an envelope cut after pre-financing): the
    /// projections stay at the recorded figures and `remaining` is negative.
    pub overpaid: bool,
    /// Gross value neither paid nor expired: the envelope less the gross of the releases and what expired.
    pub open: i64,
    /// Pre-financing not yet cleared: future releases transfer their gross less it.
    pub prefinancing_to_clear: i64,
    /// The observed pace: `pace_num / pace_den` (0/1 when nothing is observed), and its basis.
    pub pace_num: i64,
    pub pace_den: i64,
    /// `requested_value`, `step_value` or `step_count`, prefixed `facility_` when the partner has no
    /// observation of its own and the facility's is used; `none` when nothing anywhere is observed.
    pub pace_basis: &'static str,
    /// How many requests (or due steps, for `step_value`) the pace is taken from.
    pub pace_parts: u32,
    /// The mean delay in whole days from a period's end to the release paying it, and its basis
    /// (`own`, `facility` or `none`) and how many releases it is the mean of.
    pub delay_days: i64,
    pub delay_basis: &'static str,
    pub delay_releases: u32,
    /// The open money not tied to a known request or step, spread evenly over the due dates ahead (the
    /// request level publishes no schedule).
    pub unscheduled: i64,
    /// In [`SCENARIOS`] order, window by window.
    pub projections: Vec<ProjectionPoint>,
}

/// Where a scenario stands at the end of a payment window (cumulative, euros): paid + expired +
/// remaining = envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectionPoint {
    /// One of [`SCENARIOS`].
    pub scenario: &'static str,
    pub window_end: Date,
    /// Transferred by the window's end: recorded, plus projected.
    pub paid: i64,
    /// Returned to the pool by the window's end (each amount less the pre-financing already advanced
    /// against it): what expired up to the as-of date, plus projected.
    pub expired: i64,
    /// Neither paid nor expired.
    pub remaining: i64,
    pub paid_in_window: i64,
    pub expired_in_window: i64,
}

/// A computed table for export: named columns and rows of JSON values (amounts as decimal strings in
/// `_eur` columns, counts as integers, text as strings).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: &'static str,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// Something that happened between two dates (`from` exclusive, `to` inclusive). Its texts are borrowed
/// from the ledger, the replay and the figures it was computed from: the changes since the facility's
/// start are a row per release, a million at 10^6 rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change<'a> {
    pub date: Date,
    pub partner: &'a str,
    /// `pre_financing`, `regular` (a release), `fulfilled`, `partially_fulfilled` (an assessment),
    /// `overdue` (a step fell due unmet), `expired` (a grace period ended unmet), or `allocation_initial`,
    /// `allocation_cut`, `allocation_redistribution` (an envelope change), or `agenda_approved`,
    /// `facility_agreement_in_force`, `loan_agreement_in_force` (from partners.csv; no amount), or
    /// `request_submitted`, `request_assessed` (a payment request and the Commission's decision on it),
    /// `commitment` (an agreement or project committing money; negative to de-commit).
    pub what: &'static str,
    /// The release id, step id, request id or instrument concerned.
    pub reference: &'a str,
    /// Euros: transferred, found fulfilled, unmet, the allocation, requested or approved; `None` where
    /// there is no amount or it is not published.
    pub amount: Option<i64>,
    /// The source of the row it comes from (empty for what is derived: a step falling due or expiring).
    pub source: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn step(partner: &str, area: &str, stage: &'static str) -> StepState {
        StepState {
            id: Text::default(),
            partner: partner.into(),
            area: area.into(),
            due: Date::MIN,
            grace_end: Date::MIN,
            amount: 0,
            stage,
            assessment: "none",
            value_paid: 0,
            value_fulfilled_unpaid: 0,
            value_withheld: 0,
            value_expired: 0,
            value_ahead: 0,
        }
    }

    proptest! {
        /// The counts are what filtering every step for a partner, area and stage gives.
        #[test]
        fn stage_counts_count_what_a_scan_finds(
            steps in proptest::collection::vec((0usize..3, 0usize..3, 0usize..6), 0..80),
        ) {
            let (partners, areas) = (["A", "AB", "B"], ["", "x", "x y"]);
            let stage = |k: usize| STAGES.get(k).copied().unwrap_or("unknown");
            let progress = Progress {
                as_of: Date::MIN,
                facility: Figures::default(),
                partners: Vec::new(),
                areas: Vec::new(),
                steps: steps.iter().map(|&(p, a, s)| step(partners[p], areas[a], stage(s))).collect(),
                timeline: Vec::new(),
                deadlines: Vec::new(),
                requests: RequestFigures::default(),
                known_gaps: Vec::new(),
                request_states: Vec::new(),
                outlook: Outlook::default(),
            };
            let counts = progress.stage_counts();
            for p in partners {
                let scan = |keep: &dyn Fn(&StepState) -> bool| -> [u64; 5] {
                    std::array::from_fn(|k| progress.steps.iter().filter(|s| keep(s) && s.stage == STAGES[k]).count() as u64)
                };
                prop_assert_eq!(partner_stage_counts(&counts, p), scan(&|s| s.partner == p));
                for a in areas {
                    let found = counts.get(&(p, a)).copied().unwrap_or_default();
                    prop_assert_eq!(found, scan(&|s| s.partner == p && s.area == a));
                }
            }
        }
    }
}
