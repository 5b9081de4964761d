//! The typed ledger: the rows of every table, the payments grouped into releases, and the files' text
//! (for pointing at rows). What the loader produces and every later stage reads; it reads no file itself.

use crate::date::Date;
use crate::ledger::facility::Facility;
pub use crate::ledger::place::Loc;
use crate::ledger::schema::LedgerFile;
use crate::ledger::source::Sources;
pub use crate::ledger::vocabulary::*;
use rustc_hash::FxHashMap;
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub at: Loc,
    pub date: Date,
    pub partner: Text,
    pub instrument: Instrument,
    pub amount: i64,
    pub kind: AllocationKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    pub at: Loc,
    pub id: Text,
    pub date: Date,
    pub partner: Text,
    pub instrument: Instrument,
    /// `None`: the commitment covers both channels.
    pub channel: Option<Channel>,
    pub amount: i64,
    pub kind: CommitmentKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub at: Loc,
    pub id: Text,
    pub partner: Text,
    pub area: Text,
    pub reform: Text,
    pub description: Text,
    pub kind: StepKind,
    pub due: Date,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepEvent {
    pub at: Loc,
    pub date: Date,
    pub step: Text,
    pub status: StepStatus,
    /// Only for a partial fulfilment: the gross euros found fulfilled (positive: the loader keeps no
    /// other).
    pub amount: Option<i64>,
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
}

#[cfg(test)]
impl Payment {
    /// A regular loan payment of nothing through the budget, naming no step, with this id and date: what
    /// the tests of row handling vary.
    pub(crate) fn sample(id: &str, date: Date) -> Payment {
        Payment {
            at: Loc::new(LedgerFile::Payments, 1, 0),
            id: Text::from(id),
            date,
            partner: PartnerId(0),
            kind: PaymentKind::Regular,
            channel: Channel::Budget,
            instrument: Instrument::Loan,
            amount: 0,
            steps: StepIds::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub at: Loc,
    pub date: Date,
    pub partner: Text,
    pub layer: Layer,
    pub status: ConditionStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlTotal {
    pub at: Loc,
    pub date: Date,
    /// A partner code, or `None` for the whole facility (`ALL`).
    pub partner: Option<Text>,
    pub measure: Measure,
    pub amount: i64,
    pub tolerance: i64,
}

/// A partner code as a payment keeps it: its number among the codes the payments name, in order of first
/// appearance (the ledger's [`Ledger::partner_code`] gives the code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartnerId(pub u32);

/// The steps a payment names, each once, in the order named: their ids joined by single spaces in one
/// text (an id holds no space).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepIds(Text);

impl StepIds {
    pub fn new() -> Self {
        StepIds::default()
    }

    /// Adds an id (which holds no space) unless it is there already.
    pub fn push(&mut self, id: &str) {
        debug_assert!(!id.is_empty() && !id.contains(' '));
        if !self.contains(id) {
            if !self.0.is_empty() {
                self.0.push(' ');
            }
            self.0.push_str(id);
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.iter().any(|s| s == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.split(' ').filter(|s| !s.is_empty())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The ids joined by single spaces, as the canonical file writes them.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

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
    /// The partner codes the payments name, by [`PartnerId`].
    pub partner_codes: Vec<Text>,
    /// The step ids resolved to positions in `steps`, once, by the loader.
    pub(in crate::ledger) step_refs: StepRefs,
    pub conditions: Vec<Condition>,
    pub control_totals: Vec<ControlTotal>,
    /// The decoded text of every file, to point diagnostics at rows and columns.
    pub sources: Sources,
    /// The payments grouped into releases, as positions in `payments`: found once, by the loader
    /// ([`group_releases`]), which alone makes a ledger; a ledger's rows are not changed after loading.
    pub(in crate::ledger) release_rows: ReleaseRows,
}

/// The payments grouped into releases, as positions in `payments`.
#[derive(Debug, Clone)]
pub(in crate::ledger) enum ReleaseRows {
    /// Every release is one run of neighbouring rows (the usual ledger): release `i` is the rows
    /// `starts[i]..starts[i + 1]`, four bytes a release.
    Runs(Vec<u32>),
    /// Some id recurs apart: each release's rows, listed.
    Listed(Vec<SmallVec<[u32; 4]>>),
}

impl Default for ReleaseRows {
    fn default() -> Self {
        ReleaseRows::Runs(vec![0])
    }
}

impl ReleaseRows {
    /// How many releases there are.
    pub(in crate::ledger) fn len(&self) -> usize {
        match self {
            ReleaseRows::Runs(starts) => starts.len().saturating_sub(1),
            ReleaseRows::Listed(lists) => lists.len(),
        }
    }

    /// The rows of the `i`-th release, in file order.
    pub(in crate::ledger) fn rows(&self, i: usize) -> impl Iterator<Item = u32> + '_ {
        let (run, listed) = match self {
            ReleaseRows::Runs(starts) => (starts[i]..starts[i + 1], &[][..]),
            ReleaseRows::Listed(lists) => (0..0, lists[i].as_slice()),
        };
        run.chain(listed.iter().copied())
    }

    /// The first row of the `i`-th release.
    fn first(&self, i: usize) -> u32 {
        match self {
            ReleaseRows::Runs(starts) => starts[i],
            ReleaseRows::Listed(lists) => lists[i][0],
        }
    }
}

/// The step ids resolved to positions in the ledger's steps, once, by the loader (which looks them all up
/// anyway to report unknown ones), so that no later stage looks up an event's step again.
#[derive(Debug, Clone, Default)]
pub struct StepRefs {
    /// Each id's position (the last row of an id).
    pub(in crate::ledger) positions: FxHashMap<Text, u32>,
    /// For each step event (by position), its step's position (`None`: no such step).
    pub(in crate::ledger) event_steps: Vec<Option<u32>>,
    /// For each release (as [`Ledger::release_components`] numbers them), the positions of the steps its
    /// components name that exist: the union, in order of first mention.
    pub(in crate::ledger) release_steps: ReleaseSteps,
}

/// Each release's known steps, by the release's position.
#[derive(Debug, Clone, Default)]
pub struct ReleaseSteps(Vec<Vec<u32>>);

impl ReleaseSteps {
    /// From each release's steps, on every core, over the releases numbered `0..count`: `steps(state, i)`
    /// gives the `i`-th release's steps, with a state of each core's own (`init` makes it).
    pub(in crate::ledger) fn new<S>(
        count: usize,
        init: impl Fn() -> S + Sync + Send,
        steps: impl Fn(&mut S, usize) -> SmallVec<[u32; 2]> + Sync + Send,
    ) -> Self {
        use rayon::prelude::*;
        ReleaseSteps((0..count).into_par_iter().map_init(&init, |state, i| steps(state, i).into_vec()).collect())
    }

    /// The `i`-th release's known steps (none for a release beyond the last).
    pub fn get(&self, i: usize) -> &[u32] {
        self.0.get(i).map_or(&[], Vec::as_slice)
    }
}

/// Groups payments into releases (the components sharing an id), in the order each id first appears,
/// each release's components in file order.
///
/// On every core, without a map of all ids: a release's components are usually neighbours, so the rows
/// fall into runs of one id; the runs are sorted by the id's hash (then in file order), so that the runs of
/// one id meet and each finds the first run of its id, its leader (runs whose hashes are equal are told
/// apart by their ids); one pass over the runs in file order then starts a release at each leader and adds
/// every other run to its leader's. (One map of every id, filled on one core, took 2.4 s at ten million
/// rows; sorting the releases back into file order after grouping them in hash order took a third of the
/// time this takes.)
pub(in crate::ledger) fn group_releases(payments: &Rows<Payment>) -> ReleaseRows {
    use std::hash::BuildHasher;
    group_releases_by(payments, |id| rustc_hash::FxBuildHasher.hash_one(id))
}

/// [`group_releases`] with the hash of ids given (tests make every hash collide).
fn group_releases_by(payments: &Rows<Payment>, hash: impl Fn(&str) -> u64 + Sync) -> ReleaseRows {
    use rayon::prelude::*;
    // Runs in file order, as (first row, rows); a part's end ends a run.
    let parts: Vec<(usize, &[Payment])> = payments.parts().collect();
    let per_part: Vec<Vec<(u32, u32)>> = parts
        .into_par_iter()
        .map(|(start, rows)| {
            let mut runs = Vec::new();
            let mut i = 0;
            while i < rows.len() {
                let id = rows[i].id.as_str();
                let n = rows[i..].iter().take_while(|p| p.id == id).count();
                runs.push(((start + i) as u32, n as u32));
                i += n;
            }
            runs
        })
        .collect();
    // A run cut by a part's end is joined again with its rest (so that a ledger whose ids each make one
    // run is seen as such, whatever its parts).
    let mut runs: Vec<(u32, u32)> = Vec::with_capacity(per_part.iter().map(Vec::len).sum());
    for part in per_part {
        let mut part = part.into_iter();
        if let Some((first, n)) = part.next() {
            match runs.last_mut() {
                Some(last)
                    if last.0 + last.1 == first && payments[last.0 as usize].id == payments[first as usize].id =>
                {
                    last.1 += n
                }
                _ => runs.push((first, n)),
            }
        }
        runs.extend(part);
    }
    let id = |run: u32| payments[runs[run as usize].0 as usize].id.as_str();
    // The runs by the id's hash (its high 32 bits), then in file order, each as one integer (the hash
    // above the run's number), so that the runs of one id meet.
    let mut by_hash: Vec<u64> =
        (0..runs.len() as u32).into_par_iter().map(|r| (hash(id(r)) >> 32) << 32 | u64::from(r)).collect();
    by_hash.par_sort_unstable();
    // The runs that follow an earlier run of their id, with that first run: found among runs of equal
    // hashes (told apart by their ids), which are few.
    let mut follows: Vec<(u32, u32)> = Vec::new();
    for equal in by_hash.chunk_by(|a, b| a >> 32 == b >> 32).filter(|g| g.len() > 1) {
        let mut firsts: SmallVec<[u32; 4]> = SmallVec::new();
        for &key in equal {
            let run = key as u32;
            match firsts.iter().find(|&&first| id(first) == id(run)) {
                Some(&first) => follows.push((run, first)),
                None => firsts.push(run),
            }
        }
    }
    drop(by_hash);
    if follows.is_empty() {
        // Every id in one run (the usual ledger: a release's components are neighbours): a release per
        // run, each known by its first row (the runs cover the rows one after another).
        return ReleaseRows::Runs(runs.iter().map(|&(first, _)| first).chain([payments.len() as u32]).collect());
    }
    // Each run's leader: the first run of its id.
    let mut leader: Vec<u32> = (0..runs.len() as u32).collect();
    for (run, first) in follows {
        leader[run as usize] = first;
    }
    // The releases in order of their first runs; a later run of an id joins its leader's release.
    let mut release_of_run: Vec<u32> = Vec::with_capacity(runs.len());
    let mut releases: Vec<SmallVec<[u32; 4]>> = Vec::with_capacity(runs.len());
    for (r, &(first, n)) in runs.iter().enumerate() {
        let lead = leader[r] as usize;
        let release = if lead == r {
            releases.push(SmallVec::new());
            releases.len() - 1
        } else {
            release_of_run[lead] as usize
        };
        release_of_run.push(release as u32);
        releases[release].extend(first..first + n);
    }
    ReleaseRows::Listed(releases)
}

impl Ledger {
    /// The payments grouped into releases (the components sharing an id), in the order each id first
    /// appears, each release's components in file order.
    pub fn release_components(&self) -> impl ExactSizeIterator<Item = Components<'_>> + '_ {
        debug_assert_eq!(
            (0..self.release_count()).map(|i| self.release_rows.rows(i).count()).sum::<usize>(),
            self.payments.len()
        );
        (0..self.release_count()).map(|i| self.release(i))
    }

    /// How many releases the payments make.
    pub fn release_count(&self) -> usize {
        self.release_rows.len()
    }

    /// The components of the `i`-th release of [`Ledger::release_components`].
    pub fn release(&self, i: usize) -> Components<'_> {
        self.release_rows.rows(i).map(|row| &self.payments[row as usize]).collect()
    }

    /// The first component (in file order) of the `i`-th release.
    pub fn release_first(&self, i: usize) -> &Payment {
        &self.payments[self.release_rows.first(i) as usize]
    }

    /// Reads back the cells of `file`'s rows that the typed rows do not keep ([`CITED`](crate::ledger::source::CITED)).
    pub fn cited_cells(&self, file: LedgerFile) -> crate::ledger::source::CitedCells<'_> {
        crate::ledger::source::CitedCells::new(self.sources.get(file))
    }

    /// The position in `steps` of the step with this id (the last row of an id).
    pub fn step_position(&self, id: &str) -> Option<usize> {
        self.step_refs.positions.get(id).map(|&p| p as usize)
    }

    /// The position in `steps` of the step of the step event at `event` (`None`: no such step).
    pub fn event_step(&self, event: usize) -> Option<usize> {
        self.step_refs.event_steps.get(event).copied().flatten().map(|p| p as usize)
    }

    /// The positions in `steps` of the known steps the `i`-th release names (union over its components,
    /// in order of first mention; unknown ids are the loader's to report).
    pub fn release_steps(&self, i: usize) -> &[u32] {
        self.step_refs.release_steps.get(i)
    }

    /// Whether every step id is on one row only.
    pub fn step_ids_unique(&self) -> bool {
        self.step_refs.positions.len() == self.steps.len()
    }

    /// The partner code of a payment.
    pub fn partner_code(&self, number: PartnerId) -> &str {
        self.partner_codes.get(number.0 as usize).map_or("", Text::as_str)
    }

    pub fn partner(&self, code: &str) -> Option<&Partner> {
        self.partners.iter().find(|p| p.code == code)
    }

    /// The latest date of an event: allocations, commitments, step events, payments, conditions, and the
    /// approvals and agreements of partners.
    pub fn latest_date(&self) -> Option<Date> {
        let dates = self
            .allocations
            .iter()
            .map(|r| r.date)
            .chain(self.commitments.iter().map(|r| r.date))
            .chain(self.step_events.iter().map(|r| r.date))
            .chain(self.payments.iter().map(|r| r.date))
            .chain(self.conditions.iter().map(|r| r.date))
            .chain(self.partners.iter().flat_map(|p| {
                [p.agenda_approved, p.facility_agreement_in_force, p.loan_agreement_in_force].into_iter().flatten()
            }));
        dates.max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Grouping in runs on every core gives what one map of every id gives, however the rows are
        /// split into parts.
        #[test]
        fn releases_are_the_rows_sharing_an_id_in_order_of_first_appearance(
            ids in proptest::collection::vec(0usize..6, 0..60),
            cuts in proptest::collection::vec(0usize..60, 0..4),
        ) {
            let payment = |k: usize| Payment::sample(["R1", "R2", "R10", "x", "R1 ", "r1"][k], Date::MIN);
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c <= ids.len()).collect();
            cuts.extend([0, ids.len()]);
            cuts.sort_unstable();
            let parts = cuts.windows(2).map(|w| ids[w[0]..w[1]].iter().map(|&k| payment(k)).collect()).collect();
            let rows = Rows::from_parts(parts);
            let mut expected: Vec<(usize, Vec<u32>)> = Vec::new();
            for (row, &k) in ids.iter().enumerate() {
                match expected.iter_mut().find(|(first, _)| ids[*first] == k) {
                    Some((_, r)) => r.push(row as u32),
                    None => expected.push((row, vec![row as u32])),
                }
            }
            let expected: Vec<Vec<u32>> = expected.into_iter().map(|(_, r)| r).collect();
            // Where every id's rows are neighbours, the releases are kept as runs, wherever the parts are cut.
            let neighbours = expected.iter().all(|r| r.windows(2).all(|w| w[1] == w[0] + 1));
            prop_assert_eq!(matches!(group_releases(&rows), ReleaseRows::Runs(_)), neighbours);
            let lists = |r: ReleaseRows| -> Vec<Vec<u32>> { (0..r.len()).map(|i| r.rows(i).collect()).collect() };
            prop_assert_eq!(&lists(group_releases(&rows)), &expected);
            // Ids whose hashes collide are still told apart.
            prop_assert_eq!(&lists(group_releases_by(&rows, |_| 7)), &expected);
        }
    }

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
