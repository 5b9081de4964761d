//! Requests and their assessments: each request found by id, with its assessments in the order they
//! were decided, and what the request-level figures read from them.

use rustc_hash::FxHashMap;

use crate::date::Date;
use crate::ledger::model::*;

/// The requests by id and each request's assessments in order (date, then line).
#[derive(Debug, Default)]
pub struct Requests {
    /// Request id -> its row in `requests` (the first row of an id).
    by_id: FxHashMap<TextId, usize>,
    /// Per request row: the rows in `assessments` of its assessments, in the order they were decided.
    assessments: Vec<Vec<usize>>,
}

impl Requests {
    pub fn new(l: &Ledger) -> Self {
        let mut by_id = FxHashMap::default();
        for (i, r) in l.requests.iter().enumerate() {
            by_id.entry(r.id).or_insert(i);
        }
        let mut assessments = vec![Vec::new(); l.requests.len()];
        for (k, a) in l.assessments.iter().enumerate() {
            if let Some(&i) = by_id.get(&a.request) {
                assessments[i].push(k);
            }
        }
        for v in &mut assessments {
            v.sort_by_key(|&k| (l.assessments[k].date, l.assessments[k].at.line));
        }
        Requests { by_id, assessments }
    }

    /// The row in `requests` of the request with this id.
    pub fn row(&self, id: TextId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// The assessments of the request at `row` decided on or before `date`, in order.
    pub fn assessed_until<'a>(
        &'a self,
        l: &'a Ledger,
        row: usize,
        date: Date,
    ) -> impl Iterator<Item = &'a Assessment> + 'a {
        self.assessments[row].iter().map(move |&k| &l.assessments[k]).take_while(move |a| a.date <= date)
    }
}
