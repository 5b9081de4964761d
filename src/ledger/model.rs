//! The typed ledger: the rows of every table, the payments grouped into releases, and the files' text
//! (for pointing at rows). What the loader produces and every later stage reads; it reads no file itself.

use crate::date::Date;
use crate::ledger::facility::Facility;
pub use crate::ledger::place::Loc;
use crate::ledger::source::Sources;
pub use crate::ledger::vocabulary::*;

use smallvec::SmallVec;

/// A ledger cell's text. Codes, ids, sources and most notes are short: up to 24 bytes live inside the
/// value itself, so a million rows do not make millions of small heap allocations.
pub type Text = compact_str::CompactString;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub at: Loc,
    pub code: Text,
    pub name: Text,
    pub local_name: Text,
    pub agenda_approved: Option<Date>,
    pub facility_agreement_in_force: Option<Date>,
    pub loan_agreement_in_force: Option<Date>,
    /// Where the row's figures come from (an address or a reference): [`Ledger::text`] reads it.
    pub source: TextId,
    /// How a derived value was derived, or anything else a reader should know: [`Ledger::text`].
    pub note: TextId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub at: Loc,
    pub date: Date,
    pub partner: PartnerId,
    pub instrument: Instrument,
    pub amount: i64,
    pub kind: AllocationKind,
    /// Where the row's figures come from (an address or a reference): [`Ledger::text`] reads it.
    pub source: TextId,
    /// How a derived value was derived, or anything else a reader should know: [`Ledger::text`].
    pub note: TextId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    pub at: Loc,
    pub id: Text,
    pub date: Date,
    pub partner: PartnerId,
    pub instrument: Instrument,
    /// `None`: the commitment covers both channels.
    pub channel: Option<Channel>,
    pub amount: i64,
    pub kind: CommitmentKind,
    /// Where the row's figures come from (an address or a reference): [`Ledger::text`] reads it.
    pub source: TextId,
    /// How a derived value was derived, or anything else a reader should know: [`Ledger::text`].
    pub note: TextId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub at: Loc,
    pub id: Text,
    pub partner: PartnerId,
    pub area: Text,
    pub reform: Text,
    pub description: Text,
    pub kind: StepKind,
    pub due: Date,
    pub amount: i64,
    /// Where the row's figures come from (an address or a reference): [`Ledger::text`] reads it.
    pub source: TextId,
    /// How a derived value was derived, or anything else a reader should know: [`Ledger::text`].
    pub note: TextId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepEvent {
    pub at: Loc,
    pub date: Date,
    pub step: StepId,
    pub status: StepStatus,
    /// Only for a partial fulfilment: the gross euros found fulfilled (positive: the loader keeps no
    /// other).
    pub amount: Option<i64>,
    /// Where the row's figures come from (an address or a reference): [`Ledger::text`] reads it.
    pub source: TextId,
    /// How a derived value was derived, or anything else a reader should know: [`Ledger::text`].
    pub note: TextId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub at: Loc,
    pub id: Text,
    pub date: Date,
    /// The partner's code, numbered (read it with [`Ledger::partner_code`]).
    pub partner: PartnerId,
    pub kind: PaymentKind,
    pub channel: Channel,
    pub instrument: Instrument,
    pub amount: i64,
    pub steps: StepIds,
    /// The request a regular release pays (or the requests, separated by spaces, when one release paid
    /// several and the split is not published), as text number ([`Ledger::text`]; the empty text: none).
    pub request: TextId,
    /// Where the row's figures come from (an address or a reference): [`Ledger::text`] reads it.
    pub source: TextId,
    /// How a derived value was derived, or anything else a reader should know: [`Ledger::text`].
    pub note: TextId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub at: Loc,
    pub date: Date,
    pub partner: PartnerId,
    pub layer: Layer,
    pub status: ConditionStatus,
    /// Where the row's figures come from (an address or a reference): [`Ledger::text`] reads it.
    pub source: TextId,
    /// How a derived value was derived, or anything else a reader should know: [`Ledger::text`].
    pub note: TextId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlTotal {
    pub at: Loc,
    pub date: Date,
    /// A partner, or `None` for the whole facility (`ALL`).
    pub partner: Option<PartnerId>,
    pub measure: Measure,
    pub amount: i64,
    pub tolerance: i64,
    /// `Partial`: a published aggregate the ledgers do not itemise yet (a known gap).
    pub itemised: Itemised,
    /// Where the row's figures come from (an address or a reference): [`Ledger::text`] reads it.
    pub source: TextId,
    /// How a derived value was derived, or anything else a reader should know: [`Ledger::text`].
    pub note: TextId,
}

/// A payment request: a partner's request for release with its semi-annual report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub at: Loc,
    /// The request's id, as text number ([`Ledger::text`]), so payments and assessments naming it compare
    /// by number.
    pub id: TextId,
    pub date: Date,
    pub partner: PartnerId,
    /// The due date of the steps it reports on.
    pub period_end: Date,
    /// `None`: not published.
    pub steps_claimed: Option<u32>,
    /// Gross euros requested; `None`: not published.
    pub amount_requested: Option<i64>,
    pub steps: StepIds,
    /// Where the row's figures come from (an address or a reference): [`Ledger::text`] reads it.
    pub source: TextId,
    /// How a derived value was derived, or anything else a reader should know: [`Ledger::text`].
    pub note: TextId,
}

/// The Commission's decision on a request (or on the remainder an earlier decision withheld).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub at: Loc,
    pub date: Date,
    /// The request's id, as text number ([`Ledger::text`]).
    pub request: TextId,
    /// Counts of the steps this decision decides; `None`: not published.
    pub steps_met: Option<u32>,
    pub steps_partly: Option<u32>,
    pub steps_not_met: Option<u32>,
    /// Gross euros this decision approves; `None`: not published.
    pub amount_approved: Option<i64>,
    /// Where the row's figures come from (an address or a reference): [`Ledger::text`] reads it.
    pub source: TextId,
    /// How a derived value was derived, or anything else a reader should know: [`Ledger::text`].
    pub note: TextId,
}

/// A correction: a row recorded in error, voided by a later row instead of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub at: Loc,
    pub date: Date,
    /// The ledger of the row it voids.
    pub ledger: crate::ledger::schema::LedgerFile,
    /// `column=value` pairs naming the row.
    pub matches: Vec<(Text, Text)>,
    pub reason: TextId,
    /// Where the row's figures come from (an address or a reference): [`Ledger::text`] reads it.
    pub source: TextId,
    /// How a derived value was derived, or anything else a reader should know: [`Ledger::text`].
    pub note: TextId,
}

/// A row a correction voided: out of every table the rules and figures read, kept here so that `fmt`
/// writes it back and the report can list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voided {
    pub file: crate::ledger::schema::LedgerFile,
    pub at: Loc,
    /// Its canonical sort key and cells (what `fmt` writes).
    pub sort_key: String,
    pub cells: Vec<String>,
    /// The position in `corrections` of the correction that voided it.
    pub correction: usize,
}

/// A partner's names: its name in English, and its local name, which in two scripts is written
/// `Crna Gora / Црна Гора` (either is a name). Empty names are left out.
pub fn partner_names<'a>(name: &'a str, local_name: &'a str) -> impl Iterator<Item = &'a str> {
    std::iter::once(name).chain(local_name.split('/')).map(str::trim).filter(|n| !n.is_empty())
}

/// A partner code as the rows keep it: its number in the ledger's `partner_codes` (the codes of
/// partners.csv in file order, then any other code a table names, in order of first appearance);
/// [`Ledger::partner_code`] gives the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartnerId(pub u32);

/// A step id as the rows keep it: its number in the ledger's `step_ids` (the ids of steps.csv in file
/// order, then any other id an event or payment names, in order of first appearance); [`Ledger::step_id`]
/// gives the id, [`Ledger::step_row`] the step's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StepId(pub u32);

/// A source or note as the rows keep it: its number in the ledger's `texts` (rows citing one source
/// share it); [`Ledger::text`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextId(pub u32);

impl TextId {
    /// The empty text (number 0): no source, note or request given.
    pub const NONE: TextId = TextId(0);
}

/// The steps a payment names, each once, in the order named.
pub type StepIds = SmallVec<[StepId; 2]>;

/// The components of one release: a release has at most one per channel and instrument, so they fit
/// inline.
pub type Components<'a> = SmallVec<[&'a Payment; 4]>;

/// The rows of a big table as the loader typed them: in parts, one after another, so that parts typed on
/// different cores are never copied into one vector (at 10^7 payments that copy took 1.3 s). Reads like a
/// slice: `len`, `iter`, `[i]`; a row's index counts across the parts.
#[derive(Clone)]
pub struct Rows<T> {
    parts: Vec<Vec<T>>,
    /// The index of each part's first row.
    starts: Vec<usize>,
    len: usize,
}

impl<T> Rows<T> {
    /// The rows `keep` keeps, in the same parts.
    pub fn retain(self, keep: impl Fn(&T) -> bool) -> Self {
        Rows::from_parts(self.parts.into_iter().map(|p| p.into_iter().filter(|r| keep(r)).collect()).collect())
    }

    /// The parts in order (empty ones are dropped).
    pub fn from_parts(parts: Vec<Vec<T>>) -> Self {
        let parts: Vec<Vec<T>> = parts.into_iter().filter(|p| !p.is_empty()).collect();
        let mut starts = Vec::with_capacity(parts.len());
        let mut len = 0;
        for p in &parts {
            starts.push(len);
            len += p.len();
        }
        Rows { parts, starts, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> std::iter::Flatten<std::slice::Iter<'_, Vec<T>>> {
        self.parts.iter().flatten()
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        let part = self.starts.partition_point(|&s| s <= i).checked_sub(1)?;
        self.parts[part].get(i - self.starts[part])
    }

    /// The parts, each with the index of its first row.
    pub fn parts(&self) -> impl Iterator<Item = (usize, &[T])> {
        self.starts.iter().copied().zip(self.parts.iter().map(Vec::as_slice))
    }
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows { parts: Vec::new(), starts: Vec::new(), len: 0 }
    }
}

impl<T> std::ops::Index<usize> for Rows<T> {
    type Output = T;

    /// Like a slice's: out of range is a bug in the caller (row positions come from this table).
    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(row) => row,
            None => panic!("row {i} of a table of {} rows", self.len),
        }
    }
}

impl<'a, T> IntoIterator for &'a Rows<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// As a list of rows, whatever the parts.
impl<T: std::fmt::Debug> std::fmt::Debug for Rows<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Everything in a data folder, typed. Rows that could not be read are not here: they are diagnostics.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub facility: Facility,
    pub partners: Vec<Partner>,
    pub allocations: Vec<Allocation>,
    pub commitments: Vec<Commitment>,
    pub steps: Vec<Step>,
    /// Typed in parts on every core and kept so (see [`Rows`]), like the payments.
    pub step_events: Rows<StepEvent>,
    /// Typed in parts on every core and kept so (see [`Rows`]).
    pub payments: Rows<Payment>,
    /// Every partner code the ledgers name, by [`PartnerId`].
    pub partner_codes: Vec<Text>,
    /// Every source and note the rows cite, by [`TextId`].
    pub texts: Vec<Text>,
    /// Every step id the ledgers name, by [`StepId`].
    pub step_ids: Vec<Text>,
    /// The row in `steps` of each [`StepId`] (the last row of an id; `None`: not in steps.csv).
    pub(in crate::ledger) step_rows: Vec<Option<u32>>,
    /// For each release (as [`Ledger::release_components`] numbers them), the rows in `steps` of the
    /// steps its components name that exist: the union, in order of first mention.
    pub(in crate::ledger) release_steps: crate::ledger::releases::ReleaseSteps,
    pub conditions: Vec<Condition>,
    pub control_totals: Vec<ControlTotal>,
    pub requests: Vec<Request>,
    pub assessments: Vec<Assessment>,
    pub corrections: Vec<Correction>,
    /// The rows corrections voided (not in the tables above).
    pub voided: Vec<Voided>,
    /// The decoded text of every file, to point diagnostics at rows and columns.
    pub sources: Sources,
    /// The payments grouped into releases, found once by the loader; a ledger's rows are not changed
    /// after loading.
    pub(in crate::ledger) release_rows: crate::ledger::releases::ReleaseRows,
}

impl Ledger {
    /// The payments grouped into releases (the components sharing an id), in the order each id first
    /// appears, each release's components in file order.
    pub fn release_components(&self) -> impl ExactSizeIterator<Item = Components<'_>> + '_ {
        (0..self.release_count()).map(|i| self.release(i))
    }

    /// How many releases the payments make.
    pub fn release_count(&self) -> usize {
        self.release_rows.len()
    }

    /// The components of the `i`-th release of [`Ledger::release_components`].
    pub fn release(&self, i: usize) -> Components<'_> {
        self.release_rows.get(i).iter().map(|&row| &self.payments[row as usize]).collect()
    }

    /// The first component (in file order) of the `i`-th release.
    pub fn release_first(&self, i: usize) -> &Payment {
        &self.payments[self.release_rows.get(i)[0] as usize]
    }

    /// The positions in `steps` of the known steps the `i`-th release names (union over its components,
    /// in order of first mention; unknown ids are the loader's to report).
    pub fn release_steps(&self, i: usize) -> &[u32] {
        self.release_steps.get(i)
    }
}

impl Ledger {
    /// A row's source or note.
    pub fn text(&self, id: TextId) -> &str {
        self.texts.get(id.0 as usize).map_or("", Text::as_str)
    }

    /// A step id's text.
    pub fn step_id(&self, id: StepId) -> &str {
        self.step_ids.get(id.0 as usize).map_or("", Text::as_str)
    }

    /// The row in `steps` of the step with this id (the last row of an id); `None`: not in steps.csv.
    pub fn step_row(&self, id: StepId) -> Option<usize> {
        self.step_rows.get(id.0 as usize).copied().flatten().map(|r| r as usize)
    }

    /// The row in `steps` of the step of the step event at `event` (`None`: no such step).
    pub fn event_step(&self, event: usize) -> Option<usize> {
        self.step_row(self.step_events[event].step)
    }

    /// The ids of the steps a payment names, as text.
    pub fn payment_step_ids<'a>(&'a self, p: &'a Payment) -> impl Iterator<Item = &'a str> + 'a {
        p.steps.iter().map(|&s| self.step_id(s))
    }

    /// The partner code of a payment.
    pub fn partner_code(&self, number: PartnerId) -> &str {
        self.partner_codes.get(number.0 as usize).map_or("", Text::as_str)
    }

    /// The partner `given` names: its code, or, ignoring case, its code, name or one of its local names.
    pub fn partner_by_code_or_name(&self, given: &str) -> Option<&Partner> {
        let lower = given.trim().to_lowercase();
        let same = |a: &str| a.trim().to_lowercase() == lower;
        self.partner(given)
            .or_else(|| self.partners.iter().find(|p| same(&p.code) || partner_names(&p.name, &p.local_name).any(same)))
    }

    pub fn partner(&self, code: &str) -> Option<&Partner> {
        self.partners.iter().find(|p| p.code == code)
    }

    /// The latest date of a recorded row: allocations, commitments, step events, payments, conditions,
    /// requests, assessments, corrections, control totals, and the approvals and agreements of partners.
    pub fn latest_date(&self) -> Option<Date> {
        let dates = self
            .allocations
            .iter()
            .map(|r| r.date)
            .chain(self.commitments.iter().map(|r| r.date))
            .chain(self.step_events.iter().map(|r| r.date))
            .chain(self.payments.iter().map(|r| r.date))
            .chain(self.conditions.iter().map(|r| r.date))
            .chain(self.requests.iter().map(|r| r.date))
            .chain(self.assessments.iter().map(|r| r.date))
            .chain(self.corrections.iter().map(|r| r.date))
            .chain(self.control_totals.iter().map(|r| r.date))
            .chain(self.partners.iter().flat_map(|p| {
                [p.agenda_approved, p.facility_agreement_in_force, p.loan_agreement_in_force].into_iter().flatten()
            }));
        dates.max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Rows in parts read as the one vector of their concatenation: length, order, every index.
        #[test]
        fn rows_in_parts_read_as_one_vector(parts in proptest::collection::vec(proptest::collection::vec(0u32..1000, 0..5), 0..6)) {
            let all: Vec<u32> = parts.concat();
            let rows = Rows::from_parts(parts);
            proptest::prop_assert_eq!(rows.len(), all.len());
            proptest::prop_assert_eq!(rows.iter().copied().collect::<Vec<_>>(), all.clone());
            for (i, v) in all.iter().enumerate() {
                proptest::prop_assert_eq!(rows.get(i), Some(v));
                proptest::prop_assert_eq!(&rows[i], v);
            }
            proptest::prop_assert_eq!(rows.get(all.len()), None);
            proptest::prop_assert_eq!(format!("{rows:?}"), format!("{all:?}"));
        }
    }
}
