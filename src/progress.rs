//! The progress model: where the facility and each partner stand on a date. Plain structs, computed by
//! `compute` (the only module that touches polars) and read by the renderers; amounts are cents.

use serde_json::Value;

use crate::date::Date;

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
    pub id: String,
    pub partner: String,
    pub area: String,
    pub due: Date,
    pub grace_end: Date,
    pub amount: i64,
    /// `fulfilled`, `partially_fulfilled`, `in_grace`, `expired` or `not_yet_due`.
    pub stage: &'static str,
    /// The latest assessment's status, or `none`.
    pub assessment: &'static str,
    pub value_paid: i64,
    pub value_fulfilled_unpaid: i64,
    pub value_withheld: i64,
    pub value_expired: i64,
    pub value_ahead: i64,
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
}

/// A computed table for export: named columns and rows of JSON values (amounts as decimal strings in
/// `_eur` columns, counts as integers, text as strings).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: &'static str,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// Something that happened between two dates (`from` exclusive, `to` inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub date: Date,
    pub partner: String,
    /// `pre_financing`, `regular` (a release), `fulfilled`, `partially_fulfilled` (an assessment),
    /// `overdue` (a step fell due unmet), `expired` (a grace period ended unmet), or `allocation_initial`,
    /// `allocation_cut`, `allocation_redistribution` (an envelope change), or `agenda_approved`,
    /// `facility_agreement_in_force`, `loan_agreement_in_force` (from partners.csv; amount 0).
    pub what: &'static str,
    /// The release id, step id or instrument concerned.
    pub reference: String,
    /// Euros: transferred, found fulfilled, unmet, or the allocation.
    pub amount: i64,
}
