//! Laws: the order of rows in a ledger changes no total and no verdict.

use proptest::prelude::*;

use growthplan::check::{self, measure};
use growthplan::ledger::model::Measure;
use growthplan::ledger::{load, LoadOptions};

use crate::{illustrative, shuffled_copy};

fn verdict_and_totals(dir: &std::path::Path) -> (Vec<String>, Vec<i128>) {
    let loaded = load(dir, LoadOptions::default()).unwrap();
    let l = loaded.ledger.unwrap();
    let as_of = growthplan::date::parse_date("2026-11-28", false).unwrap();
    let (replay, found) = check::run(&l, as_of);
    let mut codes: Vec<String> =
        loaded.diagnostics.iter().chain(found.iter()).map(|d| d.code.id().to_string()).collect();
    codes.sort();
    let mut totals = Vec::new();
    let mut partners: Vec<Option<String>> = l.partners.iter().map(|p| Some(p.code.to_string())).collect();
    partners.sort();
    partners.push(None);
    for p in &partners {
        for m in Measure::WORDS {
            totals.push(measure::measure(&l, p.as_deref(), Measure::from_word(m).unwrap(), as_of).value);
        }
    }
    let settled: Vec<i128> = replay.settlements.iter().map(|s| s.expected_net()).collect();
    let mut settled_sorted = settled.clone();
    settled_sorted.sort();
    totals.extend(settled_sorted);
    (codes, totals)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn row_order_changes_no_total_and_no_verdict(seed in any::<u64>()) {
        let original = verdict_and_totals(&illustrative());
        let tmp = tempfile::tempdir().unwrap();
        shuffled_copy(&illustrative(), tmp.path(), seed);
        prop_assert_eq!(verdict_and_totals(tmp.path()), original);
    }
}
