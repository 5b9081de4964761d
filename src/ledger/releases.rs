//! Releases: the payment rows that share an id make one release (its components, one per channel and
//! instrument). Grouped once by the loader; read through the ledger ([`Ledger::release`](crate::ledger::Ledger::release)).

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

/// The payments grouped into releases: release `i`'s rows (positions in `payments`, in file order) are
/// `rows[starts[i]..starts[i + 1]]`; the releases in the order each id first appears. One flat list
/// rather than a vector per release: there are about four million releases at 10^7 payment rows.
#[derive(Debug, Clone, Default)]
pub struct ReleaseRows {
    starts: Vec<u32>,
    rows: Vec<u32>,
}

impl ReleaseRows {
    pub(in crate::ledger) fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub(in crate::ledger) fn get(&self, i: usize) -> &[u32] {
        &self.rows[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

/// Groups payment rows into releases (the rows sharing an id; `ids` gives each of the `rows` rows' id in
/// file order), in
/// the order each id first appears, each release's rows in file order.
pub(in crate::ledger) fn group_releases<'a>(rows: usize, ids: impl Iterator<Item = &'a str>) -> ReleaseRows {
    // Each row's release.
    let mut release_of: FxHashMap<&str, u32> = FxHashMap::default();
    // Most releases have two or three rows: room made once, not grown by doubling.
    release_of.reserve(rows / 2);
    let mut release_of_row: Vec<u32> = Vec::with_capacity(rows);
    let mut previous: Option<(&str, u32)> = None;
    for id in ids {
        // A release's components are nearly always neighbours: the id of the row before is asked first.
        let release = match previous {
            Some((last, release)) if last == id => release,
            _ => {
                let next = release_of.len() as u32;
                *release_of.entry(id).or_insert(next)
            }
        };
        release_of_row.push(release);
        previous = Some((id, release));
    }
    // Each release's rows, by counting.
    let mut starts = vec![0u32; release_of.len() + 1];
    for &r in &release_of_row {
        starts[r as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut next = starts.clone();
    let mut rows = vec![0u32; release_of_row.len()];
    for (row, &r) in release_of_row.iter().enumerate() {
        rows[next[r as usize] as usize] = row as u32;
        next[r as usize] += 1;
    }
    ReleaseRows { starts, rows }
}

/// Each release's known steps (positions in the ledger's steps), by the release's position; nearly every
/// release names one or two, kept inline.
#[derive(Debug, Clone, Default)]
pub struct ReleaseSteps(Vec<SmallVec<[u32; 2]>>);

impl ReleaseSteps {
    /// From each release's steps, on every core, over the releases numbered `0..count`: `steps(state, i)`
    /// gives the `i`-th release's steps, with a state of each core's own (`init` makes it).
    pub(in crate::ledger) fn new<S>(
        count: usize,
        init: impl Fn() -> S + Sync + Send,
        steps: impl Fn(&mut S, usize) -> SmallVec<[u32; 2]> + Sync + Send,
    ) -> Self {
        use rayon::prelude::*;
        ReleaseSteps((0..count).into_par_iter().map_init(&init, |state, i| steps(state, i)).collect())
    }

    /// The `i`-th release's known steps (none for a release beyond the last).
    pub fn get(&self, i: usize) -> &[u32] {
        self.0.get(i).map_or(&[], |s| s.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows sharing an id are one release, neighbours or not, in order of first appearance; ids that
    /// differ only in case or spaces are other releases.
    #[test]
    fn releases_are_the_rows_sharing_an_id_in_order_of_first_appearance() {
        let ids = ["R1", "R1", "R2", "R10", "R1", "r1", "R2", "x"];
        let releases = group_releases(ids.len(), ids.iter().copied());
        let found: Vec<&[u32]> = (0..releases.len()).map(|i| releases.get(i)).collect();
        assert_eq!(found, [&[0, 1, 4][..], &[2, 6], &[3], &[5], &[7]]);
    }
}
