//! The index: each step's assessments in the order they happened and the step events grouped by step
//! id, built once per ledger for the rules and the progress.

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
/// the step is found worth from its date on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessed {
    pub date: Date,
    /// Position of the event in the ledger's step events.
    pub event: u32,
    /// The gross euros the step is found worth ([`worth`]).
    pub worth: i64,
}

/// Lookups that several rules and the pipeline share, built once per ledger.
pub struct Index<'a> {
    ledger: &'a Ledger,
    /// The step events of each step id (by [`StepId`]), in the order they happened (date, then line).
    events_of: Vec<Vec<u32>>,
    /// The step ids that have events, in order of their first event in the file.
    with_events: Vec<StepId>,
    /// The partners of partners.csv by code.
    pub partners: FxHashMap<&'a str, &'a Partner>,
    /// For each step (by row), its assessments in the order they happened.
    assessed: Vec<Vec<Assessed>>,
}

impl<'a> Index<'a> {
    pub fn new(l: &'a Ledger) -> Self {
        let event = |i: u32| &l.step_events[i as usize];
        let mut events_of: Vec<Vec<u32>> = vec![Vec::new(); l.step_ids.len()];
        let mut with_events = Vec::new();
        for (i, e) in l.step_events.iter().enumerate() {
            let of_step = &mut events_of[e.step.0 as usize];
            if of_step.is_empty() {
                with_events.push(e.step);
            }
            of_step.push(i as u32);
        }
        // A stable sort: events of one day stay in file order.
        for of_step in &mut events_of {
            of_step.sort_by_key(|&i| event(i).date);
        }
        // Each step row's id (a doubled id's rows share its events).
        let id_of: FxHashMap<&str, usize> = l.step_ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        let assessed = l
            .steps
            .iter()
            .map(|step| {
                let events = events_of.get(id_of[step.id.as_str()]).map_or(&[][..], Vec::as_slice);
                events
                    .iter()
                    .filter_map(|&i| {
                        worth(step, event(i)).map(|worth| Assessed { date: event(i).date, event: i, worth })
                    })
                    .collect()
            })
            .collect();
        Index {
            ledger: l,
            events_of,
            with_events,
            partners: l.partners.iter().map(|p| (p.code.as_str(), p)).collect(),
            assessed,
        }
    }

    /// The ledger it indexes.
    pub fn ledger(&self) -> &'a Ledger {
        self.ledger
    }

    /// The row of the step of the step event at `event` (`None`: no such step).
    pub fn step_of_event(&self, event: usize) -> Option<usize> {
        self.ledger.event_step(event)
    }

    /// The step events grouped by step id (of a known step or not), in order of first appearance, each
    /// group in the order they happened (date, then line).
    pub fn event_groups(&self) -> impl Iterator<Item = impl Iterator<Item = &'a StepEvent> + '_> + '_ {
        let events = &self.ledger.step_events;
        self.with_events.iter().map(move |id| self.events_of[id.0 as usize].iter().map(move |&i| &events[i as usize]))
    }

    /// Whether the step at `position` belongs to `partner`.
    pub fn step_of_partner(&self, position: usize, partner: PartnerId) -> bool {
        self.ledger.steps[position].partner == partner
    }

    /// The Commission's latest assessment of the step at `position` on or before `date`.
    pub fn assessment_on(&self, position: usize, date: Date) -> Option<Assessed> {
        let all = &self.assessed[position];
        all[..all.partition_point(|a| a.date <= date)].last().copied()
    }

    /// What the step at `position` is found worth on `date` (zero without a fulfilling assessment).
    pub fn worth_on(&self, position: usize, date: Date) -> i64 {
        self.assessment_on(position, date).map_or(0, |a| a.worth)
    }
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
                prop_assert_eq!(index.step_of_event(i), l.steps.iter().rposition(|s| s.id == l.step_id(e.step)));
            }
            let mut expected: Vec<(&str, Vec<&StepEvent>)> = Vec::new();
            for e in &l.step_events {
                match expected.iter_mut().find(|(id, _)| *id == l.step_id(e.step)) {
                    Some((_, g)) => g.push(e),
                    None => expected.push((l.step_id(e.step), vec![e])),
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
