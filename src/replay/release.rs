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
}
