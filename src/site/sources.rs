//! The sources page's evidence: every source a row dated up to the site's date cites (partners always),
//! with the rows that cite it, by ledger: how many, and the first of them by what names them (a release,
//! a request, a partner...), each linking the page that lists it where there is one.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::date::{self, Date};
use crate::ledger::model::{Ledger, TextId};
use crate::replay::Listing;

/// A source names at most this many of the rows of one ledger that cite it (the count says how many).
pub const NAMED: usize = 12;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Row {
    pub text: String,
    /// The page listing it, relative to the site's root.
    pub href: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CitedBy {
    pub file: &'static str,
    /// Rows citing the source.
    pub count: usize,
    /// What names them (a release's rows share its id), the first [`NAMED`] of them, and how many there are.
    pub rows: Vec<Row>,
    pub named: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Source {
    pub address: String,
    pub cited_by: Vec<CitedBy>,
}

#[derive(Default)]
struct Tally {
    count: usize,
    rows: Vec<Row>,
    named: usize,
    last: String,
}

impl Tally {
    /// A row citing the source, named `text` (the rows of a release, listed together, name it once).
    fn cite(&mut self, text: &str, href: impl FnOnce() -> Option<String>) {
        self.count += 1;
        if self.named == 0 || self.last != text {
            self.named += 1;
            if self.rows.len() < NAMED {
                self.rows.push(Row { text: text.to_string(), href: href() });
            }
            // In place: a million payment rows cite their sources at 10^6 rows.
            self.last.clear();
            self.last.push_str(text);
        }
    }
}

/// A value for an address's query: letters, digits, `-`, `_` and `.` as they are, every other byte
/// percent-encoded.
pub fn query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Every source cited up to `as_of`, sorted by address; `payments` lists the releases up to `as_of`, as
/// the payments pages do; `pages` gives a partner's page.
pub fn cited(l: &Ledger, payments: &Listing, as_of: Date, pages: &super::PartnerPages) -> Vec<Source> {
    // Tallied by source and ledger (a million payment rows at 10^6 rows: a hash map), then sorted.
    let mut tally: rustc_hash::FxHashMap<(TextId, &'static str), Tally> = Default::default();
    fn at<'t>(
        tally: &'t mut rustc_hash::FxHashMap<(TextId, &'static str), Tally>,
        source: TextId,
        file: &'static str,
    ) -> &'t mut Tally {
        tally.entry((source, file)).or_default()
    }
    let partner_href = |code: &str| pages.href(code);
    for r in &l.partners {
        at(&mut tally, r.source, "partners.csv").cite(&r.code, || partner_href(&r.code));
    }
    for r in l.allocations.iter().filter(|r| r.date <= as_of) {
        let code = l.partner_code(r.partner);
        at(&mut tally, r.source, "allocations.csv")
            .cite(&format!("{code} {}", date::format(r.date)), || partner_href(code));
    }
    for r in l.commitments.iter().filter(|r| r.date <= as_of) {
        let code = l.partner_code(r.partner);
        at(&mut tally, r.source, "commitments.csv").cite(&r.id, || partner_href(code));
    }
    // The payments, by release in the order the payments pages list them (each page holds a thousand).
    for (k, r) in payments.releases.iter().enumerate() {
        for p in payments.parts(k) {
            at(&mut tally, p.source, "payments.csv")
                .cite(&r.id, || Some(format!("{}?q={}", super::tables::page_of("payments", k), query(&r.id))));
        }
    }
    for r in l.conditions.iter().filter(|r| r.date <= as_of) {
        let code = l.partner_code(r.partner);
        at(&mut tally, r.source, "conditions.csv")
            .cite(&format!("{code} {}", date::format(r.date)), || partner_href(code));
    }
    for r in l.control_totals.iter().filter(|r| r.date <= as_of) {
        let who = r.partner.map_or("ALL", |p| l.partner_code(p));
        at(&mut tally, r.source, "control_totals.csv")
            .cite(&format!("{who} {} {}", r.measure.as_str(), date::format(r.date)), || {
                Some("sources.html#control-totals".into())
            });
    }
    for r in l.requests.iter().filter(|r| r.date <= as_of) {
        let id = l.text(r.id);
        at(&mut tally, r.source, "requests.csv").cite(id, || Some(format!("requests.html?q={}", query(id))));
    }
    for r in l.assessments.iter().filter(|r| r.date <= as_of) {
        let id = l.text(r.request);
        at(&mut tally, r.source, "assessments.csv")
            .cite(&format!("{id} {}", date::format(r.date)), || Some(format!("requests.html?q={}", query(id))));
    }
    for r in l.corrections.iter().filter(|r| r.date <= as_of) {
        at(&mut tally, r.source, "corrections.csv")
            .cite(&format!("{} {}", r.ledger.file_name(), date::format(r.date)), || None);
    }
    let mut tally: Vec<_> = tally.into_iter().collect();
    tally.sort_unstable_by_key(|&(key, _)| key);
    let mut by_address: BTreeMap<&str, Vec<CitedBy>> = BTreeMap::new();
    for ((source, file), t) in tally {
        let address = l.text(source);
        if !address.is_empty() {
            by_address.entry(address).or_default().push(CitedBy { file, count: t.count, rows: t.rows, named: t.named });
        }
    }
    by_address
        .into_iter()
        .map(|(address, mut cited_by)| {
            cited_by.sort_by_key(|c| c.file);
            Source { address: address.to_string(), cited_by }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(super::query("ME-R1"), "ME-R1");
        assert_eq!(super::query("a b&c#d\"<"), "a%20b%26c%23d%22%3C");
        assert_eq!(super::query("Š"), "%C5%A0");
    }
}
