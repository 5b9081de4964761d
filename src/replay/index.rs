//! The index: each step's assessments in the order they happened, the step events grouped by step id,
//! and partner codes numbered, built once per ledger for the rules and the progress.

use rustc_hash::FxHashMap;

use crate::date::Date;
use crate::ledger::model::*;

/// The gross euros an assessment finds a step worth: all of it when fulfilled, the stated amount (at most
/// the step's) when partially fulfilled, nothing otherwise; `None` for a submission, which is no
/// assessment. The one statement of that rule: the replays, the progress and the change list read it.
pub fn worth(step: &Step, e: &StepEvent) -> Option<i64> {
    match (e.status, e.amount) {
        (StepStatus::Submitted, _) => None,
        (StepStatus::Fulfilled, _) => Some(step.amount),
        (StepStatus::PartiallyFulfilled, Some(a)) => Some(a.min(step.amount)),
        _ => Some(0),
    }
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
    /// The partners of partners.csv by code.
    pub partners: FxHashMap<&'a str, &'a Partner>,
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
            assessed_of_step,
            assessed,
        }
    }

    /// The ledger it indexes.
    pub fn ledger(&self) -> &'a Ledger {
        self.ledger
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

    /// Whether the step at `position` belongs to `partner`.
    pub fn step_of_partner(&self, position: usize, partner: PartnerId) -> bool {
        self.ledger.steps[position].partner == partner
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
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
            let expected: Vec<Vec<u64>> = expected
                .into_iter()
                .map(|(_, mut g)| {
                    g.sort_by_key(|e| (e.date, e.at.line));
                    g.iter().map(|e| e.at.line).collect()
                })
                .collect();
            let found: Vec<Vec<u64>> = index.event_groups().map(|g| g.map(|e| e.at.line).collect()).collect();
            prop_assert_eq!(found, expected);
        }
    }
}
