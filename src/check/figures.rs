//! Figures the rules and control totals need, computed straight from the typed ledger: envelopes,
//! commitments and payments as of a date, releases, and what each step is worth when it is paid.
//! Sums are `i128`, so no ledger can overflow them.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::date::Date;
use crate::ledger::model::*;

/// A value and the rows that make it up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figure {
    pub value: i128,
    pub rows: Vec<Loc>,
}

/// The ledgers' figure for a control-total measure, for one partner (or all), as of the end of `date`.
pub fn measure(l: &Ledger, partner: Option<&str>, measure: Measure, date: Date) -> Figure {
    let mut f = Figure::default();
    each_row(l, partner, measure, date, |amount, at| {
        f.value += amount as i128;
        f.rows.push(at);
    });
    f
}

/// [`measure`]'s value alone: no list of rows (at ten million payment rows that list alone is 240 MB).
pub fn measure_value(l: &Ledger, partner: Option<&str>, measure: Measure, date: Date) -> i128 {
    let mut value = 0i128;
    each_row(l, partner, measure, date, |amount, _| value += amount as i128);
    value
}

/// Calls `add` with the amount and place of every row that makes up the measure, in file order.
fn each_row(l: &Ledger, partner: Option<&str>, measure: Measure, date: Date, mut add: impl FnMut(i64, Loc)) {
    let for_partner = |p: &str| partner.is_none_or(|x| x == p);
    match measure {
        Measure::Allocated | Measure::AllocatedGrant | Measure::AllocatedLoan => {
            let want = match measure {
                Measure::AllocatedGrant => Some(Instrument::Grant),
                Measure::AllocatedLoan => Some(Instrument::Loan),
                _ => None,
            };
            for a in &l.allocations {
                if a.date <= date && for_partner(&a.partner) && want.is_none_or(|i| i == a.instrument) {
                    add(a.amount, a.at);
                }
            }
        }
        Measure::Committed => {
            for c in &l.commitments {
                if c.date <= date && for_partner(&c.partner) {
                    add(c.amount, c.at);
                }
            }
        }
        _ => {
            let keep = |p: &Payment| match measure {
                Measure::PaidGrant => p.instrument == Instrument::Grant,
                Measure::PaidLoan => p.instrument == Instrument::Loan,
                Measure::PaidBudget => p.channel == Channel::Budget,
                Measure::PaidWbif => p.channel == Channel::Wbif,
                Measure::PaidRegular => p.kind == PaymentKind::Regular,
                Measure::Prefinancing => p.kind == PaymentKind::PreFinancing,
                _ => true,
            };
            for p in &l.payments {
                if p.date <= date && for_partner(l.partner_code(p.partner)) && keep(p) {
                    add(p.amount, p.at);
                }
            }
        }
    }
}

/// One release: the components sharing a payment id. Kept small (a release per three payment rows is
/// built, sorted, moved into time order and read by a dozen rules: 32 bytes, a unit test keeps it so).
/// What every rule reads for every release is kept in it; what is read only now and then (its first
/// component, where findings point; several known steps; a net beyond 64 bits; its partner's number) is
/// the ledger's or the index's, found by its position in the ledger's releases.
#[derive(Debug, Clone)]
pub struct Release {
    /// The first component's date and kind, kept beside it: the sorts and filters read them for every
    /// release.
    pub date: Date,
    /// The first component's partner, kept beside it: rules read it for every release, and the
    /// components lie all over memory in time order.
    partner: CodeNumber,
    /// Its position in the ledger's releases (file order), where its components and known steps are.
    at: u32,
    /// Its known steps as the ledger keeps them, in four bytes: the one step of nearly every release is
    /// read here for every regular release, where the ledger's table would be read at random (read them
    /// with [`Release::known_steps`]).
    steps: KnownSteps,
    pub kind: PaymentKind,
    /// Whether it names any step at all, known or not.
    names_step: bool,
    /// What it transferred, the sum of its components, when that fits in 64 bits; [`NET_IN_LEDGER`]
    /// otherwise (read it with [`Release::net`]).
    net: i64,
}

/// A release's net that does not fit in 64 bits (or is exactly this): summed again from the ledger.
const NET_IN_LEDGER: i64 = i64::MIN;

impl Release {
    /// Its first component in file order: where findings about the release point.
    pub fn first<'a>(&self, l: &'a Ledger) -> &'a Payment {
        l.release_first(self.at as usize)
    }

    pub fn id<'a>(&self, l: &'a Ledger) -> &'a str {
        &self.first(l).id
    }

    /// Its partner's code (payments keep the code's number; the ledger has the code).
    pub fn partner<'a>(&self, l: &'a Ledger) -> &'a str {
        l.partner_code(self.partner)
    }

    /// Its partner's number among the codes the payments name ([`Ledger::partner_code`] gives the code).
    pub fn partner_code_number(&self) -> CodeNumber {
        self.partner
    }

    /// Its partner's number in the [`Index`] (`None`: no partner or step has this code).
    pub fn partner_number(&self, index: &Index) -> Option<u32> {
        index.code_number(self.partner)
    }

    /// What it transferred: the sum of its components.
    pub fn net(&self, l: &Ledger) -> i128 {
        match self.net {
            NET_IN_LEDGER => l.release(self.at as usize).iter().map(|p| p.amount as i128).sum(),
            net => net as i128,
        }
    }

    /// The positions in the ledger's steps of the steps it names that exist (union over components, in
    /// order of first mention; a step's id is `ledger.steps[i].id`, read only where a finding names it:
    /// the steps are many and read at random). Unknown ids are the loader's to report.
    pub fn known_steps<'a>(&self, l: &'a Ledger) -> impl Iterator<Item = usize> + 'a {
        let listed = if self.steps.several() { l.release_steps(self.at as usize) } else { &[] };
        self.steps.one().into_iter().chain(listed.iter().copied()).map(|i| i as usize)
    }

    /// The steps it names that exist and belong to its partner, the only ones it can pay.
    pub fn own_steps<'r>(&self, index: &'r Index) -> impl Iterator<Item = usize> + 'r {
        let partner = self.partner_number(index);
        self.known_steps(index.ledger).filter(move |&i| index.step_of_partner(i, partner))
    }

    /// Whether it names no step at all.
    pub fn names_no_step(&self) -> bool {
        !self.names_step
    }
}

/// The gross euros an assessment finds a step worth: all of it when fulfilled, the stated amount (at most
/// the step's) when partially fulfilled, nothing otherwise; `None` for a submission, which is no
/// assessment. The one statement of that rule: the replays, the progress and the change list read it.
pub fn worth(step: &Step, e: &StepEvent) -> Option<i64> {
    match (e.status, e.amount.map(i64::from)) {
        (StepStatus::Submitted, _) => None,
        (StepStatus::Fulfilled, _) => Some(step.amount),
        (StepStatus::PartiallyFulfilled, Some(a)) => Some(a.min(step.amount)),
        _ => Some(0),
    }
}

/// Releases in the order they happened (date, then id). Components that disagree on date, partner or
/// kind were reported by the loader; the first component decides. Putting them in that order takes one
/// core; `beside` runs on another meanwhile, given how many releases are regular (the checks fault the
/// settlements' memory in there, [`settlement_room`]).
pub fn releases<R: Send>(l: &Ledger, beside: impl FnOnce(usize) -> R + Send) -> (Vec<Release>, R) {
    use rayon::prelude::*;
    // Built in the ledger's order on every core, each reading its components where they lie (mostly one
    // after another), then moved into time order: at ten million rows, building them in time order read
    // the components all over memory.
    // Each release is built with its order key beside it (see `order_key`).
    let (mut releases, mut order): (Vec<Release>, Vec<u128>) = (Vec::new(), Vec::new());
    (0..l.release_count())
        .into_par_iter()
        .map(|i| {
            let components = l.release(i);
            let first = components[0];
            let net = components.iter().try_fold(0i64, |sum, p| sum.checked_add(p.amount));
            let release = Release {
                date: first.date,
                partner: first.partner,
                at: i as u32,
                // The loader looked the steps up once, for its own findings.
                steps: l.release_known_steps(i),
                kind: first.kind,
                names_step: components.iter().any(|p| !p.steps.is_empty()),
                net: net.unwrap_or(NET_IN_LEDGER),
            };
            (release, order_key(first.date, &first.id, i as u32))
        })
        .unzip_into_vecs(&mut releases, &mut order);
    // The order, found on the keys as integers; then the keys whose date and first bytes of the id are
    // equal (in the order of their positions now) are put in the order of their whole ids. Ids are unique
    // per release, so this gives one order.
    order.par_sort_unstable();
    let id = |key: &u128| releases[*key as u32 as usize].id(l);
    for tied in order.chunk_by_mut(|a, b| a >> 32 == b >> 32).filter(|t| t.len() > 1) {
        tied.sort_unstable_by(|a, b| id(a).cmp(id(b)));
    }
    let regular = releases.par_iter().filter(|r| r.kind == PaymentKind::Regular).count();
    let from = order.into_iter().map(|key| key as u32).collect();
    let ((), beside) = rayon::join(|| put_in_order(&mut releases, from), || beside(regular));
    (releases, beside)
}

/// Room for `n` settlements, its memory taken from the operating system now: at ten million payment
/// rows, the first touch of fresh memory was most of the time the settlements took to build (this
/// machine's host hands out each page on first touch), so the checks take it on a core that the
/// releases' ordering leaves idle.
pub fn settlement_room(n: usize) -> Vec<Settlement> {
    let mut room: Vec<Settlement> = Vec::with_capacity(n);
    let page = (4096 / std::mem::size_of::<Settlement>()).max(1);
    for slot in room.spare_capacity_mut().iter_mut().step_by(page) {
        *slot = std::mem::MaybeUninit::zeroed();
    }
    // The writes are the point: kept.
    std::hint::black_box(&mut room);
    room
}

/// Moves each item once into its place, in place: afterwards the `k`-th item is the one that was at
/// `from[k]` (`from` lists every position once). Follows each cycle of the permutation with swaps.
fn put_in_order<T>(items: &mut [T], mut from: Vec<u32>) {
    const PLACED: u32 = u32::MAX;
    debug_assert_eq!(items.len(), from.len());
    for start in 0..from.len() {
        let mut at = start;
        while from[at] != PLACED {
            let source = from[at] as usize;
            from[at] = PLACED;
            if source == start {
                break;
            }
            items.swap(at, source);
            at = source;
        }
    }
}

/// A release's order key: an integer that orders as (date, id) does, up to the id's first eight bytes,
/// in its top 96 bits, and the release's position in its low 32. The day (from the common era, made
/// non-negative: every date fits in 28 bits) in the top 28 bits, then the id's bytes, padded with zeros
/// (an id never holds a zero byte, so a prefix sorts first). Sixteen bytes, where a key and a position
/// apart took thirty-two.
fn order_key(date: Date, id: &str, position: u32) -> u128 {
    use chrono::Datelike;
    let day = (date.num_days_from_ce() as i64 + (1 << 27)) as u128;
    let mut bytes = [0u8; 8];
    let n = id.len().min(8);
    bytes[..n].copy_from_slice(&id.as_bytes()[..n]);
    (day << 100) | ((u64::from_be_bytes(bytes) as u128) << 36) | position as u128
}

/// A Commission assessment of a step (submissions are not assessments), as the replays read it: what
/// the step is found worth from its date on. Small and stored step after step, so that replaying a
/// million payments reads memory in order instead of chasing every event row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessed {
    pub date: Date,
    /// Position of the event in the ledger's step events.
    pub event: u32,
    /// The gross euros the step is found worth ([`worth`]).
    pub worth: i64,
}

/// Lookups by id that several rules and the pipeline share, built once per ledger.
pub struct Index<'a> {
    /// The ledger, whose steps positions point into and whose loader resolved every step id to a
    /// position once.
    ledger: &'a Ledger,
    /// Step events (by position) grouped by step id (of a known step or not), the groups in order of first
    /// appearance, each in the order they happened (date, then line): group `g` is
    /// `grouped[group_start[g]..group_start[g + 1]]`.
    grouped: Vec<u32>,
    group_start: Vec<u32>,
    pub partners: FxHashMap<&'a str, &'a Partner>,
    /// Partner codes numbered: those of partners.csv, then any other that a step names.
    partner_number: FxHashMap<&'a str, u32>,
    /// The number of each partner code the payments name, by the code's number in the ledger
    /// ([`Ledger::partner_code`]); [`NONE`] for a code neither partners.csv nor any step names.
    code_number: Vec<u32>,
    /// For each step (by position), its partner's number.
    step_partner: Vec<u32>,
    /// For each step (by position), its assessments in the order they happened: a range of `assessed`.
    assessed_of_step: Vec<(u32, u32)>,
    assessed: Vec<Assessed>,
}

/// Nothing here: no step position (a group of an unknown id), no group (a step without events), or no
/// partner number (a release's code that no partner or step has).
const NONE: u32 = u32::MAX;

impl<'a> Index<'a> {
    pub fn new(l: &'a Ledger) -> Self {
        // The events' groups, by the step positions the loader found.
        let Groups { group_of, group_step, group_of_position } = group_events(l);
        // The events of each group, by counting: group `g`'s are `members[start[g]..start[g + 1]]`.
        let groups = group_step.len();
        let event = |i: u32| &l.step_events[i as usize];
        let mut start = vec![0u32; groups + 1];
        for &g in &group_of {
            start[g as usize + 1] += 1;
        }
        for g in 0..groups {
            start[g + 1] += start[g];
        }
        let mut next = start.clone();
        let mut members = vec![0u32; group_of.len()];
        for (i, &g) in group_of.iter().enumerate() {
            members[next[g as usize] as usize] = i as u32;
            next[g as usize] += 1;
        }
        drop(next);
        // In file order now; in the order they happened after (files are mostly in date order already).
        let happened = |i: &u32| (event(*i).date, event(*i).at.line);
        for g in 0..groups {
            let m = &mut members[start[g] as usize..start[g + 1] as usize];
            if !m.is_sorted_by_key(happened) {
                m.sort_unstable_by_key(happened);
            }
        }
        // Each step's group: that of its id's last row (a doubled id's rows share its events).
        let unique = l.step_ids_unique();
        let events_of_step: Vec<Option<u32>> = (0..l.steps.len())
            .map(|i| {
                let last = if unique { i } else { l.step_position(&l.steps[i].id).unwrap_or(i) };
                Some(group_of_position[last]).filter(|&g| g != NONE)
            })
            .collect();
        drop(group_of_position);
        drop(group_step);
        let mut partner_number: FxHashMap<&str, u32> = FxHashMap::default();
        for code in l.partners.iter().map(|p| p.code.as_str()).chain(l.steps.iter().map(|s| s.partner.as_str())) {
            let next = partner_number.len() as u32;
            partner_number.entry(code).or_insert(next);
        }
        let step_partner = l.steps.iter().map(|s| partner_number[s.partner.as_str()]).collect();
        let code_number =
            l.payment_partners.iter().map(|c| partner_number.get(c.as_str()).copied().unwrap_or(NONE)).collect();
        // At most one per event: reserved up front, since a growing vector's copies touch fresh memory
        // twice over (at ten million payment rows, most of this loop's time).
        let mut assessed = Vec::with_capacity(l.step_events.len());
        let mut assessed_of_step = Vec::with_capacity(l.steps.len());
        for (step, g) in l.steps.iter().zip(&events_of_step) {
            let first = assessed.len() as u32;
            let of_group = g.map_or(&[][..], |g| &members[start[g as usize] as usize..start[g as usize + 1] as usize]);
            for &i in of_group {
                let e = event(i);
                if let Some(worth) = worth(step, e) {
                    assessed.push(Assessed { date: e.date, event: i, worth });
                }
            }
            assessed_of_step.push((first, assessed.len() as u32));
        }
        Index {
            ledger: l,
            grouped: members,
            group_start: start,
            partners: l.partners.iter().map(|p| (p.code.as_str(), p)).collect(),
            partner_number,
            code_number,
            step_partner,
            assessed_of_step,
            assessed,
        }
    }

    /// The position of the step of the step event at `event` (`None`: no such step).
    pub fn step_of_event(&self, event: usize) -> Option<usize> {
        self.ledger.event_step(event)
    }

    /// The step events grouped by step id (of a known step or not), in order of first appearance, each
    /// group in the order they happened (date, then line).
    pub fn event_groups(&self) -> impl Iterator<Item = impl Iterator<Item = &'a StepEvent> + '_> + '_ {
        let events = &self.ledger.step_events;
        self.group_start
            .windows(2)
            .map(move |w| self.grouped[w[0] as usize..w[1] as usize].iter().map(move |&i| &events[i as usize]))
    }

    /// The number of a partner code; `None` for a code neither partners.csv nor any step names.
    pub fn partner_number(&self, code: &str) -> Option<u32> {
        self.partner_number.get(code).copied()
    }

    /// The number of the payments' partner code numbered `code` in the ledger; `None` as for
    /// [`Index::partner_number`].
    pub fn code_number(&self, code: CodeNumber) -> Option<u32> {
        self.code_number.get(code.0 as usize).copied().filter(|&n| n != NONE)
    }

    /// How many partner codes are numbered.
    pub fn partner_count(&self) -> usize {
        self.partner_number.len()
    }

    /// Whether the step at `position` belongs to the partner numbered `partner`.
    pub fn step_of_partner(&self, position: usize, partner: Option<u32>) -> bool {
        partner == Some(self.step_partner[position])
    }

    /// The Commission's latest assessment of the step at `position` on or before `date`.
    pub fn assessment_on(&self, position: usize, date: Date) -> Option<Assessed> {
        let (start, end) = self.assessed_of_step[position];
        let all = &self.assessed[start as usize..end as usize];
        all[..all.partition_point(|a| a.date <= date)].last().copied()
    }

    /// What the step at `position` is found worth on `date` (zero without a fulfilling assessment).
    pub fn worth_on(&self, position: usize, date: Date) -> i64 {
        self.assessment_on(position, date).map_or(0, |a| a.worth)
    }
}

/// The step events grouped by step id, the groups numbered in order of first appearance.
struct Groups {
    /// Each event's group.
    group_of: Vec<u32>,
    /// Each group's step position (`NONE`: an unknown id).
    group_step: Vec<u32>,
    /// Each step position's group (`NONE`: no events, or not the last row of its id).
    group_of_position: Vec<u32>,
}

/// Groups the events by step id without looking an id up: a known step's events by the position the
/// loader found for them (one id, one position), an unknown id's (which the loader reported) by the id.
fn group_events(l: &Ledger) -> Groups {
    let mut group_of_position = vec![NONE; l.steps.len()];
    let mut unknown: FxHashMap<&str, u32> = FxHashMap::default();
    let mut group_step: Vec<u32> = Vec::new();
    let mut group_of = Vec::with_capacity(l.step_events.len());
    for (i, e) in l.step_events.iter().enumerate() {
        let g = match l.event_step(i) {
            Some(p) => {
                let g = &mut group_of_position[p];
                if *g == NONE {
                    *g = group_step.len() as u32;
                    group_step.push(p as u32);
                }
                *g
            }
            None => *unknown.entry(e.step.as_str()).or_insert_with(|| {
                group_step.push(NONE);
                group_step.len() as u32 - 1
            }),
        };
        group_of.push(g);
    }
    Groups { group_of, group_step, group_of_position }
}

/// How a regular release is made up, step by step: what each step was worth when paid, and what the
/// release should have transferred after clearing pre-financing. Kept small (48 bytes, a unit test keeps
/// it so): there is one per regular release, and at ten million payment rows their memory is a good part
/// of the run's. What the release itself says (its id, place, partner, net) is read from the release,
/// by its position ([`Settlement::release`]); settlements and releases are in the same order, so reading
/// them side by side reads both in order.
#[derive(Debug, Clone)]
pub struct Settlement {
    /// The release's date, kept beside it: a date's settlements are found by a search on it.
    pub date: Date,
    /// The release's position in the releases in time order.
    release: u32,
    pub clearance: i128,
    /// (step's position in the ledger's steps, gross euros this release pays for it). One inline: with
    /// two, a settlement took 64 bytes (smallvec's `union` keeps a small vector to its items and length).
    pub paid_steps: SmallVec<[(u32, i64); 1]>,
}

impl Settlement {
    /// The position of its release in the releases in the order they happened (those the settlements
    /// were made from).
    pub fn release(&self) -> usize {
        self.release as usize
    }

    /// What its steps were worth when paid: the sum of the paid steps.
    pub fn gross(&self) -> i128 {
        self.paid_steps.iter().map(|&(_, v)| v as i128).sum()
    }

    /// What the release should have transferred: the gross less the clearance.
    pub fn expected_net(&self) -> i128 {
        self.gross() - self.clearance
    }
}

/// Replays the regular releases in order, tracking per step the gross already paid and per partner the
/// pre-financing still to clear. Steps that cannot be paid (unknown, other partner, not fulfilled,
/// already paid) contribute nothing; the rules report them. A settlement depends only on the releases
/// before it and the assessments up to its date, so the settlements of the releases up to a date are a
/// prefix of those of all releases. `out` is the room made for them ([`settlement_room`], or empty).
pub fn settlements<'a>(
    l: &'a Ledger,
    releases: &[Release],
    index: &Index<'a>,
    mut out: Vec<Settlement>,
) -> Vec<Settlement> {
    use rayon::prelude::*;
    // First, on every core, what each step a regular release can pay is worth on its date: the reads of
    // steps and assessments, scattered over memory at ten million rows, depend on no earlier release.
    // (The regular releases are listed first so that the settlements are collected straight into the
    // room made for them: a filtered parallel iterator collects into pieces and copies them.)
    let regular: Vec<u32> =
        (0..releases.len() as u32).filter(|&k| releases[k as usize].kind == PaymentKind::Regular).collect();
    regular
        .par_iter()
        .map(|&k| {
            let r = &releases[k as usize];
            Settlement {
                date: r.date,
                release: k,
                clearance: 0,
                paid_steps: r.own_steps(index).map(|i| (i as u32, index.worth_on(i, r.date))).collect(),
            }
        })
        .collect_into_vec(&mut out);
    drop(regular);
    // Then the replay in order, turning each worth into what is still unpaid.
    // Gross paid so far, by step position.
    let mut paid_per_step: Vec<i64> = vec![0; l.steps.len()];
    // Pre-financing still to clear, by partner number (a partner no ledger knows has none, but is kept
    // apart by its code all the same).
    let mut to_clear: Vec<i128> = vec![0; index.partner_count()];
    let mut unknown_to_clear: FxHashMap<&str, i128> = FxHashMap::default();
    let mut settling = out.iter_mut();
    for r in releases {
        let to_clear = match r.partner_number(index) {
            Some(n) => &mut to_clear[n as usize],
            None => unknown_to_clear.entry(r.partner(l)).or_default(),
        };
        match r.kind {
            PaymentKind::PreFinancing => *to_clear += r.net(l),
            PaymentKind::Regular => {
                // One settlement was made above for each regular release, in the same order.
                let Some(s) = settling.next() else { continue };
                for (i, worth) in &mut s.paid_steps {
                    let already = &mut paid_per_step[*i as usize];
                    // At most the step's amount, which a cell bounds: an i64 holds it.
                    let now = (*worth - *already).max(0);
                    *already += now;
                    *worth = now;
                }
                s.clearance = l.facility.prefinancing_clearance.of(s.gross()).min(*to_clear).max(0);
                *to_clear -= s.clearance;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The value without the rows is the value with them, for every measure, partner and date of the
    /// shipped data.
    #[test]
    fn a_measure_sums_the_rows_it_lists() {
        use crate::ledger::load::{load_bytes, read_folder};
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let l = load_bytes(read_folder(&root.join("data")), Default::default()).ledger.expect("the shipped data");
        let partners: Vec<Option<&str>> =
            std::iter::once(None).chain(l.partners.iter().map(|p| Some(p.code.as_str()))).collect();
        let dates = [Date::from_ymd_opt(2024, 12, 31).unwrap(), Date::from_ymd_opt(2025, 10, 31).unwrap(), Date::MAX];
        let mut rows = 0;
        for &m in
            Measure::WORDS.iter().map(|w| Measure::from_word(w).expect("a word of its own")).collect::<Vec<_>>().iter()
        {
            for &p in &partners {
                for d in dates {
                    let f = measure(&l, p, m, d);
                    assert_eq!(measure_value(&l, p, m, d), f.value, "{} of {p:?} on {d}", m.as_str());
                    rows += f.rows.len();
                }
            }
        }
        assert!(rows > 0, "the shipped data makes up some figure");
    }

    /// A release per three payment rows is built, sorted, moved and read by a dozen rules, a settlement
    /// per regular release: at ten million payment rows their memory is a good part of the run's.
    #[test]
    fn releases_stay_small() {
        assert!(std::mem::size_of::<Release>() <= 32, "a release is {} bytes", std::mem::size_of::<Release>());
        let settlement = std::mem::size_of::<Settlement>();
        assert!(settlement <= 48, "a settlement is {settlement} bytes");
    }

    /// A release's net is the exact sum of its components, also where that sum is beyond 64 bits and
    /// only the ledger holds it: 92,234 components of the largest amount a cell may hold.
    #[test]
    fn a_release_nets_its_components_beyond_64_bits() {
        use crate::ledger::load::{load_bytes, read_folder};
        use crate::ledger::schema::LedgerFile;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = read_folder(&root.join("tests/cases/base"));
        let rows = (i64::MAX / crate::money::MAX_CELL_CENTS + 1) as usize;
        let mut text = String::from("id,date,partner,kind,channel,instrument,amount_eur,steps,source,note\n");
        text += "SMALL,2025-03-01,AA,pre_financing,wbif,grant,-12.34,,test,\nSMALL,2025-03-01,AA,pre_financing,wbif,grant,2.00,,test,\n";
        let big = crate::money::format_plain(crate::money::MAX_CELL_CENTS);
        for _ in 0..rows {
            text += &format!("BIG,2025-03-02,AA,pre_financing,wbif,grant,{big},,test,\n");
        }
        files.insert(LedgerFile::Payments, ("payments.csv".into(), Ok(text.into_bytes().into())));
        let l = load_bytes(files, Default::default()).ledger.expect("a ledger");
        let (releases, ()) = releases(&l, |_| ());
        let net = |id: &str| releases.iter().find(|r| r.id(&l) == id).expect("the release").net(&l);
        assert_eq!(net("SMALL"), -1034);
        assert_eq!(net("BIG"), rows as i128 * crate::money::MAX_CELL_CENTS as i128);
        assert!(net("BIG") > i64::MAX as i128);
    }

    /// A release's known steps are the ledger's for it, whether none, one (kept in the release) or more
    /// (read from the ledger).
    #[test]
    fn a_release_knows_the_steps_the_ledger_found_for_it() {
        use crate::ledger::load::{load_bytes, read_folder};
        use crate::ledger::schema::LedgerFile;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = read_folder(&root.join("tests/cases/base"));
        let text = "id,date,partner,kind,channel,instrument,amount_eur,steps,source,note\n\
            NONE,2025-03-01,AA,pre_financing,wbif,grant,1.00,,test,\n\
            ONE,2025-03-02,AA,regular,wbif,grant,1.00,AA-4,test,\n\
            TWO,2025-03-03,AA,regular,wbif,grant,1.00,AA-4 AA-1,test,\n\
            SPLIT,2025-03-04,AA,regular,wbif,grant,1.00,AA-2,test,\n\
            SPLIT,2025-03-04,AA,regular,wbif,loan,1.00,AA-3 AA-2,test,\n\
            UNKNOWN,2025-03-05,AA,regular,wbif,grant,1.00,AA-99,test,\n";
        files.insert(LedgerFile::Payments, ("payments.csv".into(), Ok(text.as_bytes().to_vec().into())));
        let l = load_bytes(files, Default::default()).ledger.expect("a ledger");
        let (releases, ()) = releases(&l, |_| ());
        let found: Vec<(&str, Vec<&str>, bool)> = releases
            .iter()
            .map(|r| (r.id(&l), r.known_steps(&l).map(|i| l.steps[i].id.as_str()).collect(), r.names_no_step()))
            .collect();
        assert_eq!(
            found,
            [
                ("NONE", vec![], true),
                ("ONE", vec!["AA-4"], false),
                ("TWO", vec!["AA-4", "AA-1"], false),
                ("SPLIT", vec!["AA-2", "AA-3"], false),
                ("UNKNOWN", vec![], false),
            ]
        );
        for r in &releases {
            assert!(r.known_steps(&l).eq(l.release_steps(r.at as usize).iter().map(|&i| i as usize)));
        }
    }

    proptest! {
        /// Putting items in order in place gives what taking them in that order gives.
        #[test]
        fn putting_in_order_in_place_takes_each_item_from_its_position(
            from in (0usize..40).prop_flat_map(|n| Just((0..n as u32).collect::<Vec<u32>>()).prop_shuffle()),
        ) {
            let items: Vec<u32> = (0..from.len() as u32).map(|i| i * 10).collect();
            let expected: Vec<u32> = from.iter().map(|&i| items[i as usize]).collect();
            let mut moved = items.clone();
            put_in_order(&mut moved, from);
            prop_assert_eq!(moved, expected);
        }

        /// The index finds each event's step as a lookup by id does (the last row of a doubled id), and
        /// groups the events by id in order of first appearance, each group in the order they happened.
        #[test]
        fn the_index_finds_and_groups_events_as_lookups_by_id_do(
            steps in proptest::collection::vec(0usize..5, 0..6),
            events in proptest::collection::vec((0usize..7, 1u32..28), 0..30),
        ) {
            use crate::ledger::load::{load_bytes, read_folder};
            use crate::ledger::schema::LedgerFile;
            let ids = ["AA-1", "AA-2", "AA-3", "AA-4", "AA-5", "AA-6", "AA-7"];
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let mut files = read_folder(&root.join("tests/cases/base"));
            let mut text = String::from("id,partner,area,reform,description,kind,due,amount_eur,source,note\n");
            for &k in &steps {
                text += &format!("{},AA,Green,R1,Do,qualitative,2024-12-31,100.00,test,\n", ids[k]);
            }
            files.insert(LedgerFile::Steps, ("steps.csv".into(), Ok(text.into_bytes().into())));
            let mut text = String::from("date,step,status,amount_eur,source,note\n");
            for &(k, day) in &events {
                text += &format!("2025-03-{day:02},{},submitted,,test,\n", ids[k]);
            }
            files.insert(LedgerFile::StepEvents, ("step_events.csv".into(), Ok(text.into_bytes().into())));
            let l = load_bytes(files, Default::default()).ledger.expect("a facility");
            prop_assert_eq!(l.step_events.len(), events.len());
            let index = Index::new(&l);
            for (i, e) in l.step_events.iter().enumerate() {
                prop_assert_eq!(index.step_of_event(i), l.steps.iter().rposition(|s| s.id == e.step));
            }
            let mut expected: Vec<(&str, Vec<&StepEvent>)> = Vec::new();
            for e in &l.step_events {
                match expected.iter_mut().find(|(id, _)| *id == e.step.as_str()) {
                    Some((_, g)) => g.push(e),
                    None => expected.push((e.step.as_str(), vec![e])),
                }
            }
            let expected: Vec<Vec<u32>> = expected
                .into_iter()
                .map(|(_, mut g)| {
                    g.sort_by_key(|e| (e.date, e.at.line));
                    g.iter().map(|e| e.at.line).collect()
                })
                .collect();
            let found: Vec<Vec<u32>> = index.event_groups().map(|g| g.map(|e| e.at.line).collect()).collect();
            prop_assert_eq!(found, expected);
        }

        #[test]
        fn the_order_key_orders_as_date_then_id(
            a in (-200_000i32..200_000, "[A-Za-z0-9./_-]{1,16}", any::<u32>()),
            b in (-200_000i32..200_000, "[A-Za-z0-9./_-]{1,16}", any::<u32>()),
        ) {
            let day = |n: i32| Date::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Duration::days(n as i64);
            let (ka, kb) = (order_key(day(a.0), &a.1, a.2), order_key(day(b.0), &b.1, b.2));
            let full = (day(a.0), a.1.as_str()).cmp(&(day(b.0), b.1.as_str()));
            // The key never contradicts the full order; where it ties, the ids decide.
            prop_assert!((ka >> 32).cmp(&(kb >> 32)) == full || ka >> 32 == kb >> 32);
            // The position reads back.
            prop_assert_eq!(ka as u32, a.2);
        }

        /// The extreme dates fit the key's 28 bits of days.
        #[test]
        fn every_date_fits_the_order_key(id in "[A-Za-z0-9]{1,9}") {
            let (lo, hi) = (order_key(Date::MIN, &id, 0), order_key(Date::MAX, &id, 0));
            prop_assert!(lo < hi);
            prop_assert!(hi >> 100 < 1 << 28);
        }
    }
}
