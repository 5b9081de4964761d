//! Releases: the payment rows that share an id make one release (its components, one per channel and
//! instrument). Grouped once by the loader; read through the ledger.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::ledger::model::{Components, Ledger, Payment, Rows};

/// Groups payments into releases (the rows sharing an id), in the order each id first appears, each
/// release's rows in file order.
pub(in crate::ledger) fn group_releases(payments: &Rows<Payment>) -> Vec<Vec<u32>> {
    let mut release_of: FxHashMap<&str, usize> = FxHashMap::default();
    let mut releases: Vec<Vec<u32>> = Vec::new();
    let mut previous: Option<(&str, usize)> = None;
    for (row, p) in payments.iter().enumerate() {
        // A release's components are nearly always neighbours: the id of the row before is asked first.
        let release = match previous {
            Some((id, release)) if id == p.id => release,
            _ => *release_of.entry(p.id.as_str()).or_insert_with(|| {
                releases.push(Vec::new());
                releases.len() - 1
            }),
        };
        releases[release].push(row as u32);
        previous = Some((p.id.as_str(), release));
    }
    releases
}

/// Each release's known steps (positions in the ledger's steps), by the release's position.
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
        self.release_rows[i].iter().map(|&row| &self.payments[row as usize]).collect()
    }

    /// The first component (in file order) of the `i`-th release.
    pub fn release_first(&self, i: usize) -> &Payment {
        &self.payments[self.release_rows[i][0] as usize]
    }

    /// The positions in `steps` of the known steps the `i`-th release names (union over its components,
    /// in order of first mention; unknown ids are the loader's to report).
    pub fn release_steps(&self, i: usize) -> &[u32] {
        self.release_steps.get(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;

    /// Rows sharing an id are one release, neighbours or not, in order of first appearance; ids that
    /// differ only in case or spaces are other releases.
    #[test]
    fn releases_are_the_rows_sharing_an_id_in_order_of_first_appearance() {
        let ids = ["R1", "R1", "R2", "R10", "R1", "r1", "R2", "x"];
        let payments =
            Rows::from_parts(vec![ids[..3].iter().chain(&ids[3..]).map(|id| Payment::sample(id, Date::MIN)).collect()]);
        assert_eq!(group_releases(&payments), vec![vec![0, 1, 4], vec![2, 6], vec![3], vec![5], vec![7]]);
    }
}
