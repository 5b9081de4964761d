//! Releases: the payment rows sharing an id, as one transfer, in the order they happened.

use rayon::prelude::*;
use smallvec::SmallVec;

use super::Index;
use crate::date::Date;
use crate::ledger::model::*;

/// One release: the components sharing a payment id. What it says of itself (date, kind, partner) is
/// its first component's; the loader reported components that disagree.
#[derive(Debug, Clone)]
pub struct Release {
    pub date: Date,
    pub kind: PaymentKind,
    pub id: Text,
    /// The partner code's number in the ledger ([`Ledger::partner_code`] gives the code).
    pub partner: PartnerId,
    /// What it transferred: the sum of its components.
    pub net: i128,
    /// The request it pays, or the requests separated by spaces (the first component naming any;
    /// `TextId::NONE`: none named). [`crate::replay::Requests::named`] reads it.
    pub request: TextId,
    /// Its first component's source. With `channels`, read here rather than from the components, which
    /// lie apart in memory when the file is not in date order (the site target at 10^6 rows,
    /// BENCHMARKS.md).
    pub source: TextId,
    /// The channels of its components, each once, in order.
    channels: SmallVec<[Channel; 2]>,
    /// Its position in the ledger's releases (file order), where its components and known steps are.
    at: usize,
    /// Whether it names any step at all, known or not.
    names_step: bool,
}

impl Release {
    /// Its first component in file order: where findings about the release point.
    pub fn first<'a>(&self, l: &'a Ledger) -> &'a Payment {
        l.release_first(self.at)
    }

    /// Its components, in file order.
    pub fn components<'a>(&self, l: &'a Ledger) -> Components<'a> {
        l.release(self.at)
    }

    /// The channels it pays through, each once, in order.
    pub fn channels(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.channels.iter().map(|c| c.as_str())
    }

    /// Its partner's code.
    pub fn partner_code<'a>(&self, l: &'a Ledger) -> &'a str {
        l.partner_code(self.partner)
    }

    /// The positions in the ledger's steps of the steps it names that exist (union over components, in
    /// order of first mention). Unknown ids are the loader's to report.
    pub fn known_steps<'a>(&self, l: &'a Ledger) -> impl Iterator<Item = usize> + 'a {
        l.release_steps(self.at).iter().map(|&i| i as usize)
    }

    /// The steps it names that exist and belong to its partner, the only ones it can pay.
    pub fn own_steps<'r>(&self, index: &'r Index) -> impl Iterator<Item = usize> + 'r {
        let partner = self.partner;
        self.known_steps(index.ledger()).filter(move |&i| index.step_of_partner(i, partner))
    }

    /// Whether it names no step at all.
    pub fn names_no_step(&self) -> bool {
        !self.names_step
    }
}

/// What a listing shows of a release's component: its channel, instrument and amount, its source and
/// the request it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub amount: i64,
    pub source: TextId,
    pub request: TextId,
    pub channel: Channel,
    pub instrument: Instrument,
}

impl Part {
    pub fn of(p: &Payment) -> Part {
        Part { amount: p.amount, source: p.source, request: p.request, channel: p.channel, instrument: p.instrument }
    }
}

/// Releases in the order a listing shows them, with the parts of each, read from the ledger in file
/// order. Read release by release in the listing's order instead, the components of neighbouring
/// releases lie far apart in memory whenever the file is not in date order: at 10^6 payment rows, where
/// the payments pages and the sources page walk every component, reading them so was a tenth of the
/// site's work (the 10^6 site target, BENCHMARKS.md).
pub struct Listing<'r> {
    pub releases: Vec<&'r Release>,
    /// Release `k`'s parts are `parts[starts[k]..starts[k + 1]]`.
    starts: Vec<u32>,
    parts: Vec<Part>,
}

impl<'r> Listing<'r> {
    /// `releases` lists each of the ledger's releases at most once.
    pub fn new(l: &Ledger, releases: Vec<&'r Release>) -> Listing<'r> {
        const UNLISTED: u32 = u32::MAX;
        // Where each of the ledger's releases is listed.
        let mut listed_at = vec![UNLISTED; l.release_count()];
        for (k, r) in releases.iter().enumerate() {
            debug_assert_eq!(listed_at[r.at], UNLISTED, "a release listed twice");
            listed_at[r.at] = k as u32;
        }
        let mut starts = vec![0u32; releases.len() + 1];
        for (at, &k) in listed_at.iter().enumerate() {
            if k != UNLISTED {
                starts[k as usize + 1] = l.release(at).len() as u32;
            }
        }
        for k in 0..releases.len() {
            starts[k + 1] += starts[k];
        }
        let blank = Part {
            amount: 0,
            source: TextId::NONE,
            request: TextId::NONE,
            channel: Channel::Wbif,
            instrument: Instrument::Grant,
        };
        let mut parts = vec![blank; starts[releases.len()] as usize];
        for (at, &k) in listed_at.iter().enumerate() {
            if k != UNLISTED {
                let start = starts[k as usize] as usize;
                for (j, p) in l.release(at).iter().enumerate() {
                    parts[start + j] = Part::of(p);
                }
            }
        }
        Listing { releases, starts, parts }
    }

    /// The parts of the `k`-th release listed, in file order.
    pub fn parts(&self, k: usize) -> &[Part] {
        &self.parts[self.starts[k] as usize..self.starts[k + 1] as usize]
    }
}

/// The releases in the order they happened: by date, then id (ids are unique per release, so this is
/// one order).
pub fn releases(l: &Ledger) -> Vec<Release> {
    let mut releases: Vec<Release> = (0..l.release_count())
        .into_par_iter()
        .map(|at| {
            let components = l.release(at);
            let first = components[0];
            Release {
                date: first.date,
                kind: first.kind,
                id: Text::from(first.id.as_str()),
                partner: first.partner,
                net: components.iter().map(|p| p.amount as i128).sum(),
                request: components.iter().map(|p| p.request).find(|&r| r != TextId::NONE).unwrap_or(TextId::NONE),
                source: first.source,
                channels: {
                    let mut channels: SmallVec<[Channel; 2]> = components.iter().map(|p| p.channel).collect();
                    channels.sort_unstable();
                    channels.dedup();
                    channels
                },
                at,
                names_step: components.iter().any(|p| !p.steps.is_empty()),
            }
        })
        .collect();
    releases.par_sort_unstable_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    releases
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::load::{load_bytes, read_folder};
    use crate::ledger::schema::LedgerFile;

    /// A release's net is the exact sum of its components, also beyond 64 bits: 92,234 components of
    /// the largest amount a cell may hold.
    #[test]
    fn a_release_nets_its_components_beyond_64_bits() {
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
        let releases = releases(&l);
        let net = |id: &str| releases.iter().find(|r| r.id == id).expect("the release").net;
        assert_eq!(net("SMALL"), -1034);
        assert_eq!(net("BIG"), rows as i128 * crate::money::MAX_CELL_CENTS as i128);
        assert!(net("BIG") > i64::MAX as i128);
    }

    /// A release's known steps are the ledger's for it, none, one or several; the releases are in the
    /// order of date, then id.
    #[test]
    fn a_release_knows_the_steps_the_ledger_found_for_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = read_folder(&root.join("tests/cases/base"));
        let text = "id,date,partner,kind,channel,instrument,amount_eur,steps,source,note\n\
            UNKNOWN,2025-03-05,AA,regular,wbif,grant,1.00,AA-99,test,\n\
            NONE,2025-03-01,AA,pre_financing,wbif,grant,1.00,,test,\n\
            TWO,2025-03-02,AA,regular,wbif,grant,1.00,AA-4 AA-1,test,\n\
            ONE,2025-03-02,AA,regular,wbif,grant,1.00,AA-4,test,\n\
            SPLIT,2025-03-04,AA,regular,wbif,grant,1.00,AA-2,test,\n\
            SPLIT,2025-03-04,AA,regular,wbif,loan,1.00,AA-3 AA-2,test,\n";
        files.insert(LedgerFile::Payments, ("payments.csv".into(), Ok(text.as_bytes().to_vec().into())));
        let l = load_bytes(files, Default::default()).ledger.expect("a ledger");
        let releases = releases(&l);
        let found: Vec<(&str, Vec<&str>, bool)> = releases
            .iter()
            .map(|r| (r.id.as_str(), r.known_steps(&l).map(|i| l.steps[i].id.as_str()).collect(), r.names_no_step()))
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
    }

    /// A listing holds each listed release's parts as its components say, in file order, whatever order
    /// the listing takes and whichever releases it leaves out.
    #[test]
    fn a_listing_has_the_parts_of_each_release_it_lists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = read_folder(&root.join("tests/cases/base"));
        let text = "id,date,partner,kind,channel,instrument,amount_eur,steps,request,source,note\n\
            LATE,2025-03-05,AA,regular,wbif,grant,1.00,,Q1,late,\n\
            SPLIT,2025-03-04,AA,regular,wbif,grant,2.00,,Q2,split,\n\
            EARLY,2025-03-01,AA,pre_financing,budget,loan,3.00,,,early,\n\
            SPLIT,2025-03-04,AA,regular,budget,loan,4.00,,,split too,\n\
            LEFT,2025-03-02,AA,regular,wbif,grant,5.00,,,left out,\n";
        files.insert(LedgerFile::Payments, ("payments.csv".into(), Ok(text.as_bytes().to_vec().into())));
        let l = load_bytes(files, Default::default()).ledger.expect("a ledger");
        let releases = releases(&l);
        let listed: Vec<&Release> = releases.iter().filter(|r| r.id != "LEFT").rev().collect();
        let listing = Listing::new(&l, listed.clone());
        assert_eq!(listing.releases.len(), 3);
        for (k, r) in listed.iter().enumerate() {
            let parts: Vec<Part> = r.components(&l).iter().map(|p| Part::of(p)).collect();
            assert_eq!(listing.parts(k), parts, "{}", r.id);
        }
        let split = listed.iter().position(|r| r.id == "SPLIT").unwrap();
        let amounts: Vec<i64> = listing.parts(split).iter().map(|p| p.amount).collect();
        assert_eq!(amounts, [200, 400]);
        assert_eq!(l.text(listing.parts(split)[1].source), "split too");
    }
}
