//! The data contract: every ledger file, its columns, their types and vocabularies. The loader reads by
//! these specs, `docs/DATA.md` explains them, and `data/datapackage.json` is generated from them (a test
//! keeps the three in step).

/// The files of a data folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LedgerFile {
    Facility,
    Partners,
    Allocations,
    Commitments,
    Steps,
    StepEvents,
    Payments,
    Conditions,
    ControlTotals,
    Requests,
    Assessments,
    Corrections,
}

impl LedgerFile {
    pub const ALL: [LedgerFile; 12] = [
        LedgerFile::Facility,
        LedgerFile::Partners,
        LedgerFile::Allocations,
        LedgerFile::Commitments,
        LedgerFile::Steps,
        LedgerFile::StepEvents,
        LedgerFile::Payments,
        LedgerFile::Conditions,
        LedgerFile::ControlTotals,
        LedgerFile::Requests,
        LedgerFile::Assessments,
        LedgerFile::Corrections,
    ];

    pub const TABLES: [LedgerFile; 11] = [
        LedgerFile::Partners,
        LedgerFile::Allocations,
        LedgerFile::Commitments,
        LedgerFile::Steps,
        LedgerFile::StepEvents,
        LedgerFile::Payments,
        LedgerFile::Conditions,
        LedgerFile::ControlTotals,
        LedgerFile::Requests,
        LedgerFile::Assessments,
        LedgerFile::Corrections,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            LedgerFile::Facility => "facility.toml",
            LedgerFile::Partners => "partners.csv",
            LedgerFile::Allocations => "allocations.csv",
            LedgerFile::Commitments => "commitments.csv",
            LedgerFile::Steps => "steps.csv",
            LedgerFile::StepEvents => "step_events.csv",
            LedgerFile::Payments => "payments.csv",
            LedgerFile::Conditions => "conditions.csv",
            LedgerFile::ControlTotals => "control_totals.csv",
            LedgerFile::Requests => "requests.csv",
            LedgerFile::Assessments => "assessments.csv",
            LedgerFile::Corrections => "corrections.csv",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn spec(self) -> Option<&'static TableSpec> {
        TABLE_SPECS.iter().find(|t| t.file == self)
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Free text (names, sources, notes).
    Text,
    /// An identifier: letters, digits and `. _ / -`, no spaces.
    Id,
    Date,
    /// Euros with at most two decimals.
    Money,
    /// A whole number of things, zero or more (steps counted).
    Count,
    /// One of a fixed list of words.
    Enum(&'static [&'static str]),
    /// A partner code from `partners.csv`.
    Partner,
    /// A partner code, or `ALL` for the whole facility.
    PartnerOrAll,
    /// A step id from `steps.csv`.
    Step,
    /// Step ids separated by spaces.
    StepList,
    /// A request id from `requests.csv`.
    Request,
    /// Request ids from `requests.csv`, separated by spaces.
    RequestList,
}

#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub ty: ColumnType,
    /// The header must have this column.
    pub column_required: bool,
    /// Every row must have a value here.
    pub value_required: bool,
    pub description: &'static str,
}

#[derive(Debug)]
pub struct TableSpec {
    pub file: LedgerFile,
    pub title: &'static str,
    pub description: &'static str,
    /// Rows are only ever appended; corrections are new rows.
    pub append_only: bool,
    pub columns: &'static [ColumnSpec],
    pub primary_key: &'static [&'static str],
}

impl TableSpec {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn header(&self) -> String {
        self.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(",")
    }
}

pub const INSTRUMENTS: &[&str] = &["grant", "loan"];
pub const CHANNELS: &[&str] = &["budget", "wbif"];
pub const ALLOCATION_KINDS: &[&str] = &["initial", "cut", "redistribution"];
pub const COMMITMENT_KINDS: &[&str] = &["facility_agreement", "loan_agreement", "wbif_project", "amendment"];
pub const STEP_KINDS: &[&str] = &["qualitative", "quantitative"];
pub const STEP_STATUSES: &[&str] = &["submitted", "fulfilled", "partially_fulfilled", "not_fulfilled"];
pub const PAYMENT_KINDS: &[&str] = &["pre_financing", "regular"];
pub const LAYERS: &[&str] = &["precondition", "general"];
pub const CONDITION_STATUSES: &[&str] = &["met", "not_met"];
pub const ITEMISED: &[&str] = &["full", "partial"];
/// The ledgers a correction may void a row of: the append-only ones.
pub const CORRECTABLE: &[&str] = &[
    "allocations",
    "commitments",
    "step_events",
    "payments",
    "conditions",
    "control_totals",
    "requests",
    "assessments",
];
pub const MEASURES: &[&str] = &[
    "allocated",
    "allocated_grant",
    "allocated_loan",
    "committed",
    "paid",
    "paid_grant",
    "paid_loan",
    "paid_budget",
    "paid_wbif",
    "paid_regular",
    "prefinancing",
];

/// The word a control total uses for the whole facility.
pub const ALL_PARTNERS: &str = "ALL";

const fn col(name: &'static str, ty: ColumnType, description: &'static str) -> ColumnSpec {
    ColumnSpec { name, ty, column_required: true, value_required: true, description }
}

const fn opt(name: &'static str, ty: ColumnType, description: &'static str) -> ColumnSpec {
    ColumnSpec { name, ty, column_required: true, value_required: false, description }
}

/// A column the header may leave out.
const fn extra(name: &'static str, ty: ColumnType, description: &'static str) -> ColumnSpec {
    ColumnSpec { name, ty, column_required: false, value_required: false, description }
}

const fn note() -> ColumnSpec {
    ColumnSpec {
        name: "note",
        ty: ColumnType::Text,
        column_required: false,
        value_required: false,
        description: "Free text: how a figure was derived, what a source disagrees on.",
    }
}

const SOURCE: ColumnSpec = col(
    "source",
    ColumnType::Text,
    "Where the row comes from: a URL, a document reference, or `illustrative` for invented example data.",
);

use ColumnType as T;

pub static TABLE_SPECS: &[TableSpec] = &[
    TableSpec {
        file: LedgerFile::Partners,
        title: "Partners",
        description: "The beneficiaries of the facility and the dates their Reform Agenda was approved and their agreements entered into force. Empty dates mean: not yet.",
        append_only: false,
        columns: &[
            col("code", T::Id, "Short code used in every other ledger, e.g. `RS`."),
            col("name", T::Text, "Name in English."),
            extra("local_name", T::Text, "Name in the partner's own language and script."),
            opt("agenda_approved", T::Date, "Date the Commission approved the Reform Agenda."),
            opt("facility_agreement_in_force", T::Date, "Date the Facility Agreement entered into force."),
            opt("loan_agreement_in_force", T::Date, "Date the Loan Agreement entered into force."),
            SOURCE,
            note(),
        ],
        primary_key: &["code"],
    },
    TableSpec {
        file: LedgerFile::Allocations,
        title: "Allocations",
        description: "The partners' envelopes, per instrument. A partner's envelope on a date is the sum of its rows dated up to that day.",
        append_only: true,
        columns: &[
            col("date", T::Date, "Date the allocation or change took effect."),
            col("partner", T::Partner, "Partner code."),
            col("instrument", T::Enum(INSTRUMENTS), "`grant` (non-repayable support) or `loan`."),
            col("amount_eur", T::Money, "Euros; positive for `initial`, negative for `cut`, either sign for `redistribution`."),
            col("kind", T::Enum(ALLOCATION_KINDS), "`initial`, `cut` or `redistribution`."),
            SOURCE,
            note(),
        ],
        primary_key: &[],
    },
    TableSpec {
        file: LedgerFile::Commitments,
        title: "Commitments",
        description: "Legal commitments made within an envelope (agreements, WBIF projects). A negative amount de-commits.",
        append_only: true,
        columns: &[
            col("id", T::Id, "Unique id of the commitment."),
            col("date", T::Date, "Date the commitment was made."),
            col("partner", T::Partner, "Partner code."),
            col("instrument", T::Enum(INSTRUMENTS), "`grant` or `loan`."),
            opt("channel", T::Enum(CHANNELS), "`budget` or `wbif`; empty when the commitment covers both channels."),
            col("amount_eur", T::Money, "Euros committed; negative to de-commit."),
            col("kind", T::Enum(COMMITMENT_KINDS), "`facility_agreement`, `loan_agreement`, `wbif_project` or `amendment`."),
            SOURCE,
            note(),
        ],
        primary_key: &["id"],
    },
    TableSpec {
        file: LedgerFile::Steps,
        title: "Reform steps",
        description: "The payment conditions of each partner's Reform Agenda, with their deadline and the money tied to them.",
        append_only: false,
        columns: &[
            col("id", T::Id, "Unique step id, e.g. `RS-2.1.3`."),
            col("partner", T::Partner, "Partner code."),
            col("area", T::Text, "Policy area of the Reform Agenda."),
            col("reform", T::Text, "Reform the step belongs to."),
            col("description", T::Text, "What must be done."),
            col("kind", T::Enum(STEP_KINDS), "`qualitative` or `quantitative`."),
            col("due", T::Date, "Deadline (the end of the half-year it is due in)."),
            col("amount_eur", T::Money, "Gross euros released when the step is fulfilled."),
            SOURCE,
            note(),
        ],
        primary_key: &["id"],
    },
    TableSpec {
        file: LedgerFile::StepEvents,
        title: "Step events",
        description: "What happened to each step: submitted by the partner, then assessed by the Commission.",
        append_only: true,
        columns: &[
            col("date", T::Date, "Date of the submission or assessment."),
            col("step", T::Step, "Step id."),
            col("status", T::Enum(STEP_STATUSES), "`submitted`, `fulfilled`, `partially_fulfilled` or `not_fulfilled`."),
            opt("amount_eur", T::Money, "Only for `partially_fulfilled`: the euros found fulfilled (gross)."),
            SOURCE,
            note(),
        ],
        primary_key: &[],
    },
    TableSpec {
        file: LedgerFile::Payments,
        title: "Payments",
        description: "Money transferred, one row per component of a release (channel and instrument). Rows with the same id form one release.",
        append_only: true,
        columns: &[
            col("id", T::Id, "Release id, shared by the components of one release."),
            col("date", T::Date, "Date of the transfer."),
            col("partner", T::Partner, "Partner code."),
            col("kind", T::Enum(PAYMENT_KINDS), "`pre_financing` or `regular`."),
            col("channel", T::Enum(CHANNELS), "`budget` (to the treasury) or `wbif` (investments)."),
            col("instrument", T::Enum(INSTRUMENTS), "`grant` or `loan`."),
            col("amount_eur", T::Money, "Euros transferred (net of the pre-financing clearance)."),
            opt("steps", T::StepList, "For a regular release of a partner whose steps are in steps.csv: the ids of the steps it pays, separated by spaces. Empty otherwise."),
            extra("request", T::RequestList, "For a regular release: the id of the payment request (requests.csv) it pays; the ids separated by spaces when one release paid several requests and the split is not published. Empty for pre-financing."),
            SOURCE,
            note(),
        ],
        primary_key: &["id", "channel", "instrument"],
    },
    TableSpec {
        file: LedgerFile::Conditions,
        title: "Conditions",
        description: "Assessments of the preconditions and general conditions; the latest one per partner and layer is in force.",
        append_only: true,
        columns: &[
            col("date", T::Date, "Date of the assessment."),
            col("partner", T::Partner, "Partner code."),
            col("layer", T::Enum(LAYERS), "`precondition` or `general`."),
            col("status", T::Enum(CONDITION_STATUSES), "`met` or `not_met`."),
            SOURCE,
            note(),
        ],
        primary_key: &[],
    },
    TableSpec {
        file: LedgerFile::ControlTotals,
        title: "Control totals",
        description: "Published figures the ledgers must agree with, within a stated tolerance.",
        append_only: true,
        columns: &[
            col("date", T::Date, "The figure is as of the end of this day."),
            col("partner", T::PartnerOrAll, "Partner code, or `ALL` for the whole facility."),
            col("measure", T::Enum(MEASURES), "Which figure: `allocated`, `paid`, `paid_grant`, `prefinancing`, ..."),
            col("amount_eur", T::Money, "The published figure in euros."),
            col("tolerance_eur", T::Money, "How far the ledgers may differ (published figures are rounded)."),
            extra("itemised", T::Enum(ITEMISED), "`full` (or empty): the ledgers must match the figure. `partial`: a published aggregate the ledgers do not itemise yet, reported as a known gap; an error only if the ledgers exceed it."),
            SOURCE,
            note(),
        ],
        primary_key: &[],
    },
    TableSpec {
        file: LedgerFile::Requests,
        title: "Payment requests",
        description: "Requests for release a partner submitted with its semi-annual report: the steps it reports on and what it asks for. Empty counts and amounts mean: not published.",
        append_only: true,
        columns: &[
            col("id", T::Id, "Unique request id, e.g. `ME-Q1`; payments and assessments name it."),
            col("date", T::Date, "Date the partner submitted the request."),
            col("partner", T::Partner, "Partner code."),
            col("period_end", T::Date, "The due date of the steps it reports on: a half-year end of the facility, e.g. 2025-06-30."),
            opt("steps_claimed", T::Count, "How many steps the request reports as met (fully or partly); empty when not published."),
            opt("amount_requested_eur", T::Money, "Gross euros requested; empty when not published."),
            opt("steps", T::StepList, "The ids of the steps it reports on, only where steps.csv holds them."),
            SOURCE,
            note(),
        ],
        primary_key: &["id"],
    },
    TableSpec {
        file: LedgerFile::Assessments,
        title: "Assessments",
        description: "The Commission's decisions on payment requests. A later assessment of the same request decides the remainder an earlier one withheld. Empty counts and amounts mean: not published.",
        append_only: true,
        columns: &[
            col("date", T::Date, "Date of the Commission's decision."),
            col("request", T::Request, "The id of the request assessed (requests.csv)."),
            opt("steps_met", T::Count, "Steps this decision finds met; empty when not published."),
            opt("steps_partly", T::Count, "Steps this decision finds partly met; empty when not published."),
            opt("steps_not_met", T::Count, "Steps this decision finds not met; empty when not published."),
            opt("amount_approved_eur", T::Money, "Gross euros this decision approves for release (a later decision: the remainder it adds); empty when only a net figure is published (write it in `note`)."),
            SOURCE,
            note(),
        ],
        primary_key: &[],
    },
    TableSpec {
        file: LedgerFile::Corrections,
        title: "Corrections",
        description: "Rows recorded in error, voided by appending a correction instead of editing history: every figure leaves the voided row out, the file keeps it. To replace a row, void it and record the right one.",
        append_only: true,
        columns: &[
            col("date", T::Date, "Date the correction is recorded."),
            col("ledger", T::Enum(CORRECTABLE), "The ledger of the row it voids, e.g. `payments`."),
            col("match", T::Text, "Which row it voids, as `column=value` pairs separated by spaces, with values as the canonical file writes them (`id=RS-R2` voids every part of release RS-R2; `date=2026-03-15 step=RS-24H2-04 status=not_fulfilled` one step event; `line=N` for one of two identical rows). It must name exactly one row (one release for payments)."),
            col("reason", T::Text, "Why the row was wrong."),
            SOURCE,
            note(),
        ],
        primary_key: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_a_spec_with_unique_columns() {
        for f in LedgerFile::TABLES {
            let spec = f.spec().expect("spec");
            let mut names: Vec<_> = spec.columns.iter().map(|c| c.name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), spec.columns.len(), "{}", f.file_name());
            for k in spec.primary_key {
                assert!(spec.column(k).is_some());
            }
        }
    }
}
