//! The replay of the releases: which steps each release pays, the pre-financing it clears, and what it
//! should have transferred. Built once per ledger, read by the rules of `check` and by `compute`.

mod index;
mod release;
mod requests;
mod settle;

pub use index::{worth, Assessed, Index};
pub use release::{releases, Listing, Part, Release};
pub use requests::{Named, Requests};
pub use settle::{settlements, Settlement};

use crate::date::Date;
use crate::ledger::Ledger;

/// The releases in the order they happened, their settlements, and the index they were resolved by.
/// Built once, it serves any number of dates.
pub struct Replay<'a> {
    pub index: Index<'a>,
    pub releases: Vec<Release>,
    pub settlements: Vec<Settlement>,
    pub requests: Requests,
}

impl<'a> Replay<'a> {
    /// Replays the releases of `l`.
    pub fn new(l: &'a Ledger) -> Self {
        // The index and the releases are independent of each other: built side by side.
        let (index, releases) = rayon::join(
            || crate::meter::timed("replay: index", || Index::new(l)),
            || crate::meter::timed("replay: releases", || releases(l)),
        );
        let settlements = crate::meter::timed("replay: settlements", || settlements(l, &releases, &index));
        let requests = Requests::new(l);
        Replay { index, releases, settlements, requests }
    }

    /// The settlements of the regular releases made on or before `date`: a prefix of them all, since a
    /// settlement depends only on what happened before it.
    pub fn settlements_until(&self, date: Date) -> &[Settlement] {
        &self.settlements[..self.settlements.partition_point(|s| s.date <= date)]
    }
}
