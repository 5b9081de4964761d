//! `status` and `export`: golden figures computed independently, totals that add up, and results that do
//! not depend on row order or the number of polars threads.

use std::process::Command;

use growthplan::compute::progress;
use growthplan::date::parse_date;
use growthplan::ledger::{load, LoadOptions};
use growthplan::progress::Figures;

use crate::{case_folder, growthplan, illustrative, root, shuffled_copy};

/// The golden status files: `tests/golden/status/<folder>/<date>.json` for the shipped `data/` (request
/// level) and the step-level `examples/illustrative/`, each at three dates.
fn goldens() -> Vec<(&'static str, String, std::path::PathBuf)> {
    let mut v = Vec::new();
    for (folder, data) in [("data", "data"), ("illustrative", "examples/illustrative")] {
        for e in std::fs::read_dir(root().join("tests/golden/status").join(folder)).unwrap() {
            let p = e.unwrap().path();
            v.push((data, p.file_stem().unwrap().to_string_lossy().into_owned(), p));
        }
    }
    v.sort();
    v
}

#[test]
fn status_matches_the_independent_computation() {
    let g = goldens();
    assert_eq!(g.len(), 6, "three dates for each folder");
    for (data, as_of, path) in g {
        let (code, out, err) = growthplan(&root(), &["status", "--data", data, "--as-of", &as_of, "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        let expected = std::fs::read_to_string(&path).unwrap();
        assert!(
            out == expected,
            "status of {data} on {as_of} differs from {} (written by tools/expected_status.py, an independent computation)\n--- got\n{out}",
            path.display()
        );
    }
}

#[test]
fn the_golden_files_are_what_the_independent_script_computes_today() {
    // Guards against data changes that were not carried into the goldens.
    // tomllib is what needs 3.11; CI sets GROWTHPLAN_REQUIRE_PYTHON=1 so that the check cannot go missing.
    let probe = Command::new("python3").arg("-c").arg("import tomllib").output();
    if !probe.map(|o| o.status.success()).unwrap_or(false) {
        assert!(
            std::env::var_os("GROWTHPLAN_REQUIRE_PYTHON").is_none_or(|v| v != "1"),
            "GROWTHPLAN_REQUIRE_PYTHON=1 but no python3 >= 3.11 (with tomllib) found (apt-get install python3)"
        );
        eprintln!("skipped: python3 >= 3.11 is not available to rerun tools/expected_status.py; set GROWTHPLAN_REQUIRE_PYTHON=1 to fail instead");
        return;
    }
    for (data, as_of, path) in goldens() {
        let out = Command::new("python3")
            .current_dir(root())
            .args(["tools/expected_status.py", data, &as_of])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8(out.stdout).unwrap(), std::fs::read_to_string(path).unwrap(), "{data} {as_of}");
    }
}

fn money(f: &Figures) -> Vec<i64> {
    vec![
        f.envelope,
        f.envelope_grant,
        f.envelope_loan,
        f.envelope_changes,
        f.committed,
        f.committed_grant,
        f.committed_loan,
        f.committed_budget,
        f.committed_wbif,
        f.committed_any_channel,
        f.paid,
        f.paid_grant,
        f.paid_loan,
        f.paid_budget,
        f.paid_wbif,
        f.paid_prefinancing,
        f.paid_regular,
        f.prefinancing_cleared,
        f.steps_total,
        f.steps_due,
        f.steps_fulfilled,
        f.steps_partially_fulfilled,
        f.steps_not_fulfilled,
        f.steps_overdue,
        f.steps_in_grace,
        f.steps_expired,
        f.steps_not_yet_due,
        f.value_steps,
        f.value_paid,
        f.value_fulfilled_unpaid,
        f.value_withheld,
        f.value_expired,
        f.value_ahead,
    ]
}

#[test]
fn the_facility_row_is_the_sum_of_the_partner_rows() {
    let l = load(&illustrative(), LoadOptions::default()).unwrap().ledger.unwrap();
    for as_of in ["2024-12-31", "2025-06-30", "2025-10-17", "2026-02-28", "2026-11-28", "2028-12-31"] {
        let p = progress(&l, &growthplan::replay::Replay::new(&l), parse_date(as_of, false).unwrap()).unwrap();
        let mut sum = vec![0i64; money(&p.facility).len()];
        for x in &p.partners {
            for (s, v) in sum.iter_mut().zip(money(&x.figures)) {
                *s += v;
            }
            // Every step's money is in exactly one bucket.
            let f = &x.figures;
            assert_eq!(
                f.value_paid + f.value_fulfilled_unpaid + f.value_withheld + f.value_expired + f.value_ahead,
                f.value_steps,
                "{as_of} {}",
                x.code
            );
        }
        assert_eq!(sum, money(&p.facility), "{as_of}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 6, ..Default::default() })]
    /// Any order of the rows of every ledger, with 1 to 4 polars threads, gives the same JSON to the byte.
    #[test]
    fn totals_do_not_depend_on_row_order_or_threads(seed in proptest::prelude::any::<u64>(), threads in 1u32..=4) {
        let golden = std::fs::read_to_string(root().join("tests/golden/status/illustrative/2026-02-28.json")).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        shuffled_copy(&illustrative(), &tmp.path().join("data"), seed);
        let out = Command::new(env!("CARGO_BIN_EXE_growthplan"))
            .current_dir(tmp.path())
            .env("POLARS_MAX_THREADS", threads.to_string())
            .args(["status", "--as-of", "2026-02-28", "--format", "json"])
            .output()
            .unwrap();
        proptest::prop_assert_eq!(String::from_utf8(out.stdout).unwrap(), golden);
    }
}

#[test]
fn status_table_csv_and_partner_filter() {
    let (code, out, _) = growthplan(&root(), &["status", "--as-of", "2026-02-28", "--partner", "RS"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("as of 2026-02-28\npartner"), "{out}");
    assert!(out.contains("RS       requests  EUR 1,586.0m  EUR 1,130.0m  EUR 167.2m"), "{out}");
    assert!(out.contains("request cycle"), "{out}");
    assert!(!out.contains("\nAL "));
    assert!(!out.contains("\u{2265} paid"), "every published total is known on this date: {out}");
    // Later, totals are published whose part not in the ledgers is not known: what each partner was paid is
    // then a lower bound, as the report and the site say ("at least"); the facility's total is known.
    let (code, out, _) = growthplan(&root(), &["status", "--as-of", "2026-11-30"]);
    assert_eq!(code, 0);
    assert!(out.contains("EUR 0.0m  \u{2265}EUR 163.8m   EUR 47.0m"), "{out}");
    assert!(out.contains("EUR 1,403.4m   EUR 452.5m"), "{out}");
    assert!(out.contains("\u{2265} paid: at least, as a published total of the partner's is not itemised"), "{out}");
    let (code, out, _) = growthplan(&root(), &["status", "--as-of", "2026-02-28", "--format", "csv"]);
    assert_eq!(code, 0);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let header = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 7, "six partners and ALL");
    let paid = header.iter().position(|h| h == "paid_eur").unwrap();
    assert_eq!(&rows[6][0], "ALL");
    // 396.0m itemised by 21 November 2025, and Serbia's 56.5m of January 2026 (data/payments.csv).
    assert_eq!(&rows[6][paid], "452460000.00");
    let level = header.iter().position(|h| h == "granularity").unwrap();
    assert_eq!(&rows[6][level], "requests");
    // By its name or local name, in any case, as well as by its code.
    for name in ["Serbia", "serbia", "Србија"] {
        let (code, out, err) = growthplan(&root(), &["status", "--as-of", "2026-02-28", "--partner", name]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("\nRS ") && !out.contains("\nAL "), "{name}: {out}");
    }
    let (code, _, err) = growthplan(&root(), &["status", "--partner", "RSS"]);
    assert_eq!(code, 2);
    assert!(err.contains("--partner `RSS` is not in partners.csv"), "{err}");
}

#[test]
fn status_refuses_ledgers_with_errors() {
    let tmp = case_folder("V004");
    let (code, out, err) = growthplan(tmp.path(), &["status", "--as-of", "2026-11-28"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("error[V004]"), "{err}");
}

#[test]
fn export_writes_every_table_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    for format in ["csv", "json", "parquet"] {
        let out_dir = tmp.path().join(format);
        let dir = out_dir.to_str().unwrap();
        let (code, out, err) = growthplan(
            &root(),
            &[
                "export",
                "--data",
                "examples/illustrative",
                "--as-of",
                "2026-02-28",
                "--since",
                "2025-12-31",
                "--out",
                dir,
                "--format",
                format,
                "--allow-outside",
            ],
        );
        assert_eq!(code, 0, "{err}");
        for table in ["partners", "areas", "steps", "timeline", "deadlines", "projection", "changes"] {
            let path = out_dir.join(format!("{table}.{format}"));
            assert!(out.contains(&path.display().to_string()), "{out}");
            let bytes = std::fs::read(&path).unwrap();
            match format {
                "parquet" => assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"), "{table}"),
                "json" => assert!(serde_json::from_slice::<serde_json::Value>(&bytes).unwrap().is_array()),
                _ => assert!(String::from_utf8(bytes).unwrap().lines().count() > 1, "{table}"),
            }
        }
        // Only the tables (and the writers' lock and growthplan's marker): no temporary files left behind.
        let names: Vec<String> =
            std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        assert_eq!(names.len(), 12, "{names:?}");
        assert!(names.contains(&growthplan::write::LOCK_FILE.to_string()));
        assert!(names.contains(&growthplan::write::MARKER.to_string()));
    }
    let steps = std::fs::read_to_string(tmp.path().join("csv/steps.csv")).unwrap();
    assert!(steps.lines().any(|l| l.starts_with("RS-24H2-02,RS,") && l.contains(",fulfilled,fulfilled,")), "{steps}");
}

#[test]
fn changes_between_two_dates() {
    let l = load(&illustrative(), LoadOptions::default()).unwrap().ledger.unwrap();
    let d = |s: &str| parse_date(s, false).unwrap();
    let replay = growthplan::replay::Replay::new(&l);
    // The changes borrow the figures they come from: kept here as (date, partner, what, reference).
    let changes = |from: &str, to: &str| -> Vec<(growthplan::date::Date, String, &'static str, String)> {
        let now = growthplan::compute::progress(&l, &replay, d(to)).unwrap();
        let c = growthplan::compute::changes(&l, &replay, &now, d(from)).unwrap();
        c.iter().map(|x| (x.date, x.partner.to_string(), x.what, x.reference.to_string())).collect()
    };
    let c = changes("2025-09-30", "2025-10-31");
    let releases: Vec<&str> = c.iter().filter(|x| x.2 == "regular").map(|x| x.3.as_str()).collect();
    assert_eq!(releases, ["AL-R1-24H2", "AL-R1-25H1", "ME-R2", "MK-R2"]);
    // Grace for steps due 2025-06-30 ends on 2026-06-30: their unmet money expires on 1 July 2026.
    let c = changes("2026-06-30", "2026-07-31");
    let expired: Vec<&str> = c.iter().filter(|x| x.2 == "expired").map(|x| x.1.as_str()).collect();
    assert_eq!(expired.iter().filter(|p| **p == "AL").count(), 26 - 12);
    assert_eq!(expired.iter().filter(|p| **p == "ME").count(), 15 - 5);
    assert_eq!(expired.iter().filter(|p| **p == "MK").count(), 10 - 4);
    assert!(c.iter().filter(|x| x.2 == "expired").all(|x| x.0 == d("2026-07-01")));
    let overdue = c.iter().filter(|x| x.2 == "overdue").count();
    assert_eq!(overdue, 0, "nothing falls due in July 2026");
    // The assessments of 30 September 2025 found 21 + 5 + 4 steps fulfilled.
    let c = changes("2025-09-01", "2025-09-30");
    assert_eq!(c.iter().filter(|x| x.2 == "fulfilled").count(), 21 + 5 + 4);
}

/// On the shipped data: the facility's request cycle is the sum of the partners' (a figure not published
/// counts as none, and makes the sum a bound), except the published total not itemised, which is the
/// latest aggregate of all partners; the July 2026 aggregate is a known gap with its three amounts.
#[test]
fn the_request_cycle_adds_up_and_the_july_2026_aggregate_is_a_known_gap() {
    let (code, out, err) = growthplan(&root(), &["status", "--as-of", "2026-11-30", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let partners = v["partners"].as_array().unwrap();
    let cents = |x: &serde_json::Value| -> i64 {
        x.as_str().map_or(0, |s| growthplan::money::parse_amount(s, None).unwrap().cents)
    };
    for field in ["requested_eur", "approved_eur", "pending_eur", "withheld_by_assessments_eur"] {
        let sum: i64 = partners.iter().map(|p| cents(&p[field])).sum();
        assert_eq!(cents(&v["facility"][field]), sum, "{field}");
        let any_blank = partners.iter().any(|p| p[format!("{field}_knownness")] != "known");
        assert_eq!(v["facility"][format!("{field}_knownness")] != "known", any_blank, "{field}");
    }
    for field in
        ["requests_submitted", "requests_assessed", "requests_pending", "steps_claimed", "steps_met", "steps_partly"]
    {
        let sum: i64 = partners.iter().map(|p| p[field].as_i64().unwrap_or(0)).sum();
        assert_eq!(v["facility"][field].as_i64().unwrap_or(0), sum, "{field}");
    }
    for p in partners {
        assert_eq!(p["granularity"], "requests", "data/ holds no steps");
        assert_eq!(p["steps_total"], 0);
    }
    let gap =
        v["known_gaps"].as_array().unwrap().iter().find(|g| g["date"] == "2026-07-02").expect("the July 2026 gap");
    assert_eq!(
        (gap["partner"].as_str(), gap["measure"].as_str(), gap["status"].as_str()),
        (Some("ALL"), Some("paid"), Some("known_gap"))
    );
    assert_eq!(cents(&gap["published_eur"]) - cents(&gap["itemised_eur"]), cents(&gap["unitemised_eur"]));
    assert_eq!(cents(&v["facility"]["reported_unitemised_eur"]), cents(&gap["unitemised_eur"]));
}

/// A folder made by `init` has nothing to project: `status --outlook` shows each window as a dash, in
/// every format, instead of failing (the table's rows were one cell per projection point, which it lacks).
#[test]
fn outlook_of_an_empty_folder_shows_dashes() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = growthplan(tmp.path(), &["init", "empty"]);
    assert_eq!(code, 0, "{err}");
    for format in ["table", "json", "csv"] {
        let args = ["status", "--data", "empty", "--as-of", "2025-08-01", "--outlook", "--format", format];
        let (code, out, err) = growthplan(tmp.path(), &args);
        assert_eq!(code, 0, "{format}: {err}");
        assert!(!out.is_empty(), "{format}");
        if format == "table" {
            let row = out.lines().find(|l| l.starts_with("all") && l.contains("on_plan")).expect("the facility's row");
            assert!(row.ends_with(" -") && !row.contains("EUR"), "{row}");
        }
    }
}
