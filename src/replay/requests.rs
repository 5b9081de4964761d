//! Requests and their assessments: each request found by id, with its assessments in the order they
//! were decided, and the requests a release names.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::date::Date;
use crate::ledger::model::*;

/// The requests by id and each request's assessments in order (date, then line).
#[derive(Debug, Default)]
pub struct Requests {
    /// Request id -> its row in `requests` (the first row of an id).
    by_id: FxHashMap<TextId, usize>,
    /// The same, by the id's text: a release may name several requests in one cell.
    by_name: FxHashMap<Text, usize>,
    /// Per request row: the rows in `assessments` of its assessments, in the order they were decided.
    assessments: Vec<Vec<usize>>,
}

/// The requests a release names: each id as written, with its row in `requests` (`None`: not recorded).
pub type Named<'l> = SmallVec<[(&'l str, Option<usize>); 1]>;

impl Requests {
    pub fn new(l: &Ledger) -> Self {
        let mut by_id = FxHashMap::default();
        let mut by_name = FxHashMap::default();
        for (i, r) in l.requests.iter().enumerate() {
            by_id.entry(r.id).or_insert(i);
            by_name.entry(Text::from(l.text(r.id))).or_insert(i);
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
        Requests { by_id, by_name, assessments }
    }

    /// The row in `requests` of the request with this id.
    pub fn row(&self, id: TextId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// The requests a payment's `request` cell names (one id, or several separated by spaces).
    pub fn named<'l>(&self, l: &'l Ledger, cell: TextId) -> Named<'l> {
        if cell == TextId::NONE {
            return Named::new();
        }
        if let Some(&i) = self.by_id.get(&cell) {
            return smallvec::smallvec![(l.text(cell), Some(i))];
        }
        l.text(cell).split(' ').map(|id| (id, self.by_name.get(id).copied())).collect()
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
