//! The catalogue of diagnostics: `tests/cases/codes/<CODE>/` holds the files that, laid over the small
//! valid data folder `tests/cases/base/`, produce that code, and `expected.txt` the exact output of
//! `growthplan check`. `GROWTHPLAN_BLESS=1 cargo test` rewrites the expectations; review the diff.

use std::path::Path;

use growthplan::diag::{Code, Severity};

use crate::{bless, case_folder, copy_tree, growthplan, root, CASE_FILES};

/// Builds the case's data folder in a temporary directory and runs `check` on it.
fn run_case(case: &Path) -> (i32, String) {
    let code = case.file_name().unwrap().to_string_lossy().into_owned();
    let tmp = case_folder(&code);
    let args_text = std::fs::read_to_string(case.join("args")).unwrap_or_else(|_| "--as-of 2026-11-28".into());
    let mut args = vec!["check", "--data", "data", "--color", "never"];
    args.extend(args_text.split_whitespace());
    let (code, stdout, stderr) = growthplan(tmp.path(), &args);
    assert!(stderr.is_empty(), "{}: stderr: {stderr}", case.display());
    (code, stdout)
}

#[test]
fn the_base_case_is_clean() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&root().join("tests/cases/base"), &tmp.path().join("data"));
    let (code, out, _) = growthplan(tmp.path(), &["check", "--data", "data", "--as-of", "2026-11-28"]);
    assert_eq!((code, out.as_str()), (0, "check data as of 2026-11-28: clean\n"));
}

#[test]
fn every_code_has_a_case_that_produces_it() {
    let dir = root().join("tests/cases/codes");
    let mut failures = Vec::new();
    for code in Code::ALL {
        let case = dir.join(code.id());
        assert!(case.is_dir(), "no case for {} ({}): add tests/cases/codes/{}/", code.id(), code.title(), code.id());
        let (exit, out) = run_case(&case);
        let got = format!("exit: {exit}\n{out}");
        let expected_path = case.join("expected.txt");
        if bless() {
            std::fs::write(&expected_path, &got).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            failures.push(format!(
                "{}: output differs from expected.txt\n--- expected\n{expected}\n--- got\n{got}",
                code.id()
            ));
            continue;
        }
        if !out.contains(&format!("[{}]", code.id())) {
            failures.push(format!("{}: the case does not produce its code", code.id()));
        }
        let want_exit = if code.severity() == Severity::Error { 1 } else { 0 };
        if exit != want_exit && !out.contains("error[") {
            failures.push(format!("{}: exit {exit}, expected {want_exit}", code.id()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn no_case_without_a_code() {
    for entry in std::fs::read_dir(root().join("tests/cases/codes")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(Code::from_id(&name).is_some(), "tests/cases/codes/{name} names no code");
    }
}

#[test]
fn a_ledger_breaking_many_rules_gets_all_of_them_in_one_run() {
    // Each of these cases changes a different file, so together they break eight rules at once.
    let codes = ["C002", "C003", "C007", "C008", "C012", "C015", "C018", "C019"];
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    for code in codes {
        for entry in std::fs::read_dir(root().join("tests/cases/codes").join(code)).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if !CASE_FILES.contains(&name.as_str()) {
                std::fs::copy(entry.path(), data.join(&name)).unwrap();
            }
        }
    }
    let (exit, out, _) = growthplan(tmp.path(), &["check", "--data", "data", "--as-of", "2026-11-28"]);
    assert_eq!(exit, 1);
    for code in codes {
        assert!(out.contains(&format!("[{code}]")), "{code} missing from:\n{out}");
    }
}

/// A published total the ledgers itemise only in part (`itemised = partial`) is a known gap while the
/// ledgers fall short of it, a match once they reach it, and an error only when they exceed it.
#[test]
fn a_partial_control_total_fails_only_when_the_ledgers_exceed_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    let header = "date,partner,measure,amount_eur,tolerance_eur,itemised,source,note\n";
    // The base ledgers have paid EUR 68.6m by the end of 2025.
    let check = |rows: &str| {
        std::fs::write(data.join("control_totals.csv"), format!("{header}{rows}")).unwrap();
        let (exit, out, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        (exit, v)
    };
    let (exit, v) = check("2025-12-31,ALL,paid,100000000.00,0.00,partial,test,\n");
    assert_eq!(exit, 0, "{v}");
    let c = &v["control_totals"][0];
    assert_eq!(
        (c["itemised"].as_str(), c["known_gap"].as_bool(), c["ok"].as_bool()),
        (Some("partial"), Some(true), Some(true))
    );
    let (exit, v) = check("2025-12-31,ALL,paid,68600000.00,0.00,partial,test,\n");
    assert_eq!(exit, 0, "{v}");
    assert_eq!(v["control_totals"][0]["known_gap"].as_bool(), Some(false));
    let (exit, v) = check("2025-12-31,ALL,paid,60000000.00,0.00,partial,test,\n");
    assert_eq!(exit, 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "C019");
    assert!(d["message"].as_str().unwrap().contains("published only in part"), "{d}");
}

/// Files of a command case that describe it rather than go into its folder.
const COMMAND_CASE_FILES: [&str; 4] = ["args", "expected.txt", "cwd", "rename"];

/// What a command says, for the messages that are not findings in a ledger (a missing data folder, what
/// `fmt`, `record` and `import` did): `tests/cases/commands/<name>/` holds `args` (the arguments after
/// `growthplan`, one per line), optionally `data/` (files laid over the base case), `rename` (a new path
/// for `data`), `cwd` (the folder to run in) and other files (put beside `data`), and `expected.txt` the
/// exit code, stdout and stderr, with the temporary folder's path written `$TMP`.
#[test]
fn every_command_case_prints_what_it_expects() {
    let mut failures = Vec::new();
    let mut cases: Vec<_> =
        std::fs::read_dir(root().join("tests/cases/commands")).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    for case in cases {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        copy_tree(&root().join("tests/cases/base"), &data);
        for entry in std::fs::read_dir(&case).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == "data" {
                copy_tree(&entry.path(), &data);
            } else if !COMMAND_CASE_FILES.contains(&name.as_str()) {
                std::fs::copy(entry.path(), tmp.path().join(&name)).unwrap();
            }
        }
        let read = |name: &str| std::fs::read_to_string(case.join(name)).ok().map(|t| t.trim().to_string());
        if let Some(to) = read("rename") {
            let to = tmp.path().join(to);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::rename(&data, to).unwrap();
        }
        let cwd = read("cwd").map_or(tmp.path().to_path_buf(), |c| tmp.path().join(c));
        let args_text = read("args").expect("a command case has args");
        let args: Vec<&str> = args_text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let (exit, stdout, stderr) = growthplan(&cwd, &args);
        let mut got = format!("exit: {exit}\n--- stdout\n{stdout}--- stderr\n{stderr}");
        for place in [tmp.path().canonicalize().unwrap(), tmp.path().to_path_buf()] {
            got = got.replace(&place.display().to_string(), "$TMP");
        }
        let expected_path = case.join("expected.txt");
        if bless() {
            std::fs::write(&expected_path, &got).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            failures.push(format!("{}: output differs\n--- expected\n{expected}\n--- got\n{got}", case.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The branches of C023 and C029 that their cases in `tests/cases/codes/` do not take: a regular release
/// naming no request, and an assessment of a request that does not exist.
#[test]
fn a_release_without_a_request_and_an_assessment_of_no_request_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    let payments = std::fs::read_to_string(data.join("payments.csv")).unwrap().replace(",AA-Q1,", ",,");
    std::fs::write(data.join("payments.csv"), payments).unwrap();
    let assessments = std::fs::read_to_string(data.join("assessments.csv")).unwrap() + "2025-07-02,ZZ-Q9,1,,,,test,\n";
    std::fs::write(data.join("assessments.csv"), assessments).unwrap();
    let (exit, out, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28", "--color", "never"]);
    assert_eq!(exit, 1);
    assert!(out.contains("error[C023]: regular release `AA-R1` names no request"), "{out}");
    assert!(out.contains("error[C029]: assessment of request `ZZ-Q9`, which is not in requests.csv"), "{out}");
    assert!(out.ends_with("2 errors, 0 warnings\n"), "{out}");
}

/// A release that paid two requests together (the split not published) names both: each is held to the
/// rules on its own (here the unknown one), and the pair to what they were approved together.
#[test]
fn a_release_paying_two_requests_names_both() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    let requests = std::fs::read_to_string(data.join("requests.csv")).unwrap()
        + "AA-Q0,2025-05-01,AA,2024-12-31,1,5000000.00,,test,\n";
    std::fs::write(data.join("requests.csv"), requests).unwrap();
    let assessments = std::fs::read_to_string(data.join("assessments.csv")).unwrap();
    let payments = std::fs::read_to_string(data.join("payments.csv")).unwrap();
    let check = |payments: &str, assessments: &str| {
        std::fs::write(data.join("payments.csv"), payments).unwrap();
        std::fs::write(data.join("assessments.csv"), assessments).unwrap();
        growthplan(tmp.path(), &["check", "--as-of", "2026-11-28", "--color", "never"])
    };
    // AA-Q0 is not assessed: C024 names it, and only it.
    let (exit, out, _) = check(&payments.replace(",AA-Q1,", ",AA-Q1 AA-Q0,"), &assessments);
    assert_eq!(exit, 1);
    assert!(out.contains("pays request `AA-Q0`, which was not assessed by then"), "{out}");
    assert!(out.ends_with("1 error, 0 warnings\n"), "{out}");
    // Assessed, approving 0: together the two were approved EUR 20m, as much as the release's gross.
    let both = assessments.clone() + "2025-07-01,AA-Q0,0,,1,0.00,test,\n";
    let (exit, out, _) = check(&payments.replace(",AA-Q1,", ",AA-Q1 AA-Q0,"), &both);
    assert_eq!(exit, 0, "{out}");
    // Approving less together than the release's gross is C025.
    let less = both.replace("20000000.00", "15000000.00");
    let (exit, out, _) = check(&payments.replace(",AA-Q1,", ",AA-Q1 AA-Q0,"), &less);
    assert_eq!(exit, 1);
    assert!(out.contains("error[C025]") && out.contains("the requests paid together `AA-Q1 AA-Q0`"), "{out}");
}

/// Findings that follow from a row the loader reports an error on are folded under it (docs/CHECKS.md,
/// "Findings that follow from another"): in text they are notes of the root, counted apart in the summary;
/// JSON lists them all, each with the position of its root in `folded_under`. Here a release's first
/// component names an unknown step (R002), so the release does not reconcile (C011, same row), and a
/// second release repeats a component (R007), so it transfers too much (C011 about the release, at its
/// first row).
#[test]
fn findings_that_follow_from_a_row_in_error_are_folded_under_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    let payments = std::fs::read_to_string(data.join("payments.csv")).unwrap().replace("AA-1 AA-4", "AA-1 AA-9")
        + "AA-R2,2026-02-01,AA,regular,wbif,grant,9300000.00,AA-3,AA-Q1,test,\n\
           AA-R2,2026-02-01,AA,regular,wbif,grant,9300000.00,AA-3,AA-Q1,test,\n";
    std::fs::write(data.join("payments.csv"), payments).unwrap();
    let events = std::fs::read_to_string(data.join("step_events.csv")).unwrap()
        + "2026-01-15,AA-3,partially_fulfilled,10000000.00,test,\n";
    std::fs::write(data.join("step_events.csv"), events).unwrap();
    let (exit, out, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28", "--color", "never"]);
    assert_eq!(exit, 1);
    let roots: Vec<&str> = out.lines().filter(|l| l.starts_with("error[") || l.starts_with("warning[")).collect();
    assert_eq!(roots.len(), 2, "{out}");
    assert!(roots[0].starts_with("error[R002]") && roots[1].starts_with("error[R007]"), "{out}");
    assert_eq!(out.matches("= note: follows from this: error[C011]").count(), 2, "{out}");
    assert!(out.ends_with("2 errors, 0 warnings; 2 further findings follow from the rows above\n"), "{out}");

    let (_, json, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 4, "{json}");
    assert_eq!((v["summary"]["errors"].as_u64(), v["summary"]["folded"].as_u64()), (Some(4), Some(2)));
    for d in diags {
        let folded = d["folded_under"].as_u64();
        if d["code"] == "C011" {
            let root = &diags[folded.expect("C011 is folded") as usize];
            assert!(root["code"] == "R002" || root["code"] == "R007", "{json}");
            assert!(d["message"].as_str().unwrap().contains(if root["code"] == "R002" { "AA-R1" } else { "AA-R2" }));
        } else {
            assert_eq!(folded, None, "{json}");
        }
    }
}

/// A release component recorded again with other values (R007's case has identical rows) names the
/// columns that differ and points at the first row.
#[test]
fn a_release_component_recorded_again_with_other_values_names_what_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    let payments = std::fs::read_to_string(data.join("payments.csv")).unwrap()
        + "AA-R1,2025-08-01,AA,regular,wbif,grant,5000100.00,AA-1 AA-4,AA-Q1,test,corrected\n";
    std::fs::write(data.join("payments.csv"), payments).unwrap();
    let (exit, out, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28", "--color", "never"]);
    assert_eq!(exit, 1);
    assert!(
        out.contains(
            "error[R007]: release `AA-R1`'s `wbif` `grant` component is already recorded at data/payments.csv:5: \
             this row repeats it with another amount_eur, note\n --> data/payments.csv:7:1"
        ),
        "{out}"
    );
    assert!(out.contains("a correction is a new release with its own id"), "{out}");
}
