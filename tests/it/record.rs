//! `record`: appends that cannot corrupt a ledger: concurrent writers lose nothing, a crash before the
//! rename leaves the ledger byte-identical, and the file's dialect is kept.

use std::path::Path;

use crate::{copy_tree, growthplan, root};

/// A data folder with one partner and `n` fulfilled steps of EUR 1,000.00 each, no payments yet.
pub(crate) fn folder_with_fulfilled_steps(dir: &Path, n: usize) {
    copy_tree(&root().join("tests/cases/base"), dir);
    let mut steps = String::from("id,partner,area,reform,description,kind,due,amount_eur,source,note\n");
    let mut events = String::from("date,step,status,amount_eur,source,note\n");
    for i in 0..n {
        steps.push_str(&format!("S{i:03},AA,Green,R1,Step {i},qualitative,2025-06-30,1000.00,test,\n"));
        events.push_str(&format!("2025-07-01,S{i:03},fulfilled,,test,\n"));
    }
    std::fs::write(dir.join("steps.csv"), steps).unwrap();
    std::fs::write(dir.join("step_events.csv"), events).unwrap();
    // One request for them all, assessed with them; its amounts not published.
    std::fs::write(
        dir.join("requests.csv"),
        "id,date,partner,period_end,steps_claimed,amount_requested_eur,steps,source,note\nQ,2025-06-01,AA,2025-06-30,,,,test,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("assessments.csv"),
        "date,request,steps_met,steps_partly,steps_not_met,amount_approved_eur,source,note\n2025-07-01,Q,,,,,test,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("payments.csv"),
        "id,date,partner,kind,channel,instrument,amount_eur,steps,request,source,note\n",
    )
    .unwrap();
    std::fs::write(dir.join("control_totals.csv"), "date,partner,measure,amount_eur,tolerance_eur,source,note\n")
        .unwrap();
}

/// The arguments of `record` for a payment of EUR 1,000.00 for step `S{i}`.
pub(crate) fn payment_args(i: usize) -> Vec<String> {
    let (id, step) = (format!("R{i:03}"), format!("S{i:03}"));
    let args = [
        "record",
        "payment",
        "--id",
        &id,
        "--date",
        "2025-08-01",
        "--partner",
        "AA",
        "--kind",
        "regular",
        "--channel",
        "budget",
        "--instrument",
        "loan",
        "--amount-eur",
        "1000.00",
        "--steps",
        &step,
        "--request",
        "Q",
        "--source",
        "test",
        "--as-of",
        "2026-11-28",
    ];
    args.iter().map(|a| a.to_string()).collect()
}

fn record_payment(cwd: &Path, i: usize, extra_env: Option<(&str, &str)>) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_growthplan"));
    cmd.current_dir(cwd).args(payment_args(i));
    if let Some((k, v)) = extra_env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn eight_writers_appending_fifty_payments_each_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    folder_with_fulfilled_steps(&tmp.path().join("data"), 400);
    let cwd = tmp.path().to_path_buf();
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let cwd = cwd.clone();
            std::thread::spawn(move || {
                for k in 0..50 {
                    let out = record_payment(&cwd, w * 50 + k, None);
                    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let l = growthplan::ledger::load(&cwd.join("data"), Default::default()).unwrap();
    assert!(l.diagnostics.is_empty(), "{:#?}", l.diagnostics);
    let payments = l.ledger.unwrap().payments;
    assert_eq!(payments.len(), 400);
    assert_eq!(payments.iter().map(|p| p.amount as i128).sum::<i128>(), 400 * 100_000);
    let (code, out, _) = growthplan(&cwd, &["check", "--as-of", "2026-11-28", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((code, v["summary"]["errors"].as_u64()), (0, Some(0)), "{out}");
}

#[test]
fn a_crash_before_the_rename_leaves_the_ledger_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    folder_with_fulfilled_steps(&tmp.path().join("data"), 3);
    assert!(record_payment(tmp.path(), 0, None).status.success());
    let before = std::fs::read(tmp.path().join("data/payments.csv")).unwrap();
    let out = record_payment(tmp.path(), 1, Some(("GROWTHPLAN_CRASH_BEFORE_RENAME", "1")));
    assert!(!out.status.success(), "the injected crash must kill the process");
    assert_eq!(std::fs::read(tmp.path().join("data/payments.csv")).unwrap(), before);
    // The next record works, and the ledger is whole.
    assert!(record_payment(tmp.path(), 1, None).status.success());
    let (code, _, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28"]);
    assert_eq!(code, 0);
}

#[test]
fn a_refused_row_changes_nothing_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    folder_with_fulfilled_steps(&tmp.path().join("data"), 3);
    let before = std::fs::read(tmp.path().join("data/payments.csv")).unwrap();
    // Step S009 does not exist.
    let out = record_payment(tmp.path(), 9, None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[R002]") && err.contains("nothing recorded"), "{err}");
    assert_eq!(std::fs::read(tmp.path().join("data/payments.csv")).unwrap(), before);
}

#[test]
fn appends_keep_the_files_dialect_and_batches_come_from_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    folder_with_fulfilled_steps(&data, 3);
    std::fs::write(
        data.join("payments.csv"),
        "\u{feff}id;date;partner;kind;channel;instrument;amount_eur;steps;request;source;note\r\nR000;01.08.2025;AA;regular;budget;loan;1.000,00;S000;Q;test;\r\n",
    )
    .unwrap();
    assert!(record_payment(tmp.path(), 1, None).status.success());
    let text = std::fs::read_to_string(data.join("payments.csv")).unwrap();
    assert!(text.ends_with(";test;\r\nR001;2025-08-01;AA;regular;budget;loan;1000,00;S001;Q;test;\r\n"), "{text:?}");
    std::fs::write(tmp.path().join("batch.csv"), "id,date,partner,kind,channel,instrument,amount_eur,steps,request,source\nR002,2025-08-01,AA,regular,budget,loan,1000.00,S002,Q,batch\n").unwrap();
    let (code, out, err) =
        growthplan(tmp.path(), &["record", "payment", "--from-csv", "batch.csv", "--as-of", "2026-11-28"]);
    assert_eq!(code, 0, "{err}");
    // The row as written, where, and the amount written with the file's decimal comma.
    assert_eq!(
        out,
        "recorded 1 row(s) in data/payments.csv:\n  line 4: R002;2025-08-01;AA;regular;budget;loan;1000,00;S002;Q;batch;\n    amount_eur: `1000.00` became `1000,00`\n"
    );
    let l = growthplan::ledger::load(&data, Default::default()).unwrap();
    assert_eq!(l.ledger.unwrap().payments.iter().map(|p| p.amount).sum::<i64>(), 300_000);
}

/// Requests and assessments are recorded and imported like the other ledgers: checked before they are
/// written, refused whole when they break a rule, and read back to the cent.
#[test]
fn requests_and_assessments_are_recorded_and_imported_like_the_other_ledgers() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&root().join("tests/cases/base"), &tmp.path().join("data"));
    let run = |args: &[&str]| growthplan(tmp.path(), args);
    let (code, _, err) = run(&[
        "record",
        "request",
        "--id",
        "BB-Q2",
        "--date",
        "2026-02-01",
        "--partner",
        "BB",
        "--period-end",
        "2025-12-31",
        "--steps-claimed",
        "4",
        "--amount-requested-eur",
        "12345678.90",
        "--source",
        "https://example.eu/request",
        "--as-of",
        "2026-11-28",
    ]);
    assert_eq!(code, 0, "{err}");
    let assessments = std::fs::read(tmp.path().join("data/assessments.csv")).unwrap();
    // An assessment of a request that does not exist is refused, and nothing is written.
    let (code, _, err) = run(&[
        "record",
        "assessment",
        "--date",
        "2026-03-01",
        "--request",
        "BB-Q9",
        "--steps-met",
        "2",
        "--source",
        "https://example.eu/decision",
        "--as-of",
        "2026-11-28",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("error[C029]") && err.contains("nothing recorded"), "{err}");
    assert_eq!(std::fs::read(tmp.path().join("data/assessments.csv")).unwrap(), assessments);
    // A batch from a European spreadsheet: `;`, day-first dates, decimal commas; blank means not published.
    std::fs::write(
        tmp.path().join("decisions.csv"),
        "date;request;steps_met;steps_partly;steps_not_met;amount_approved_eur;source\r\n\
         01.03.2026;BB-Q2;2;1;;1.000.000,50;https://example.eu/decision\r\n\
         01.06.2026;BB-Q2;1;;;;https://example.eu/decision-2\r\n",
    )
    .unwrap();
    let (code, out, err) =
        run(&["import", "--from", "decisions.csv", "--into", "assessments", "--as-of", "2026-11-28"]);
    assert_eq!(code, 0, "{out}{err}");
    let l = growthplan::ledger::load(&tmp.path().join("data"), Default::default()).unwrap().ledger.unwrap();
    let q = l.requests.iter().find(|q| l.text(q.id) == "BB-Q2").unwrap();
    assert_eq!((q.steps_claimed, q.amount_requested), (Some(4), Some(1_234_567_890)));
    let mine: Vec<_> = l
        .assessments
        .iter()
        .filter(|a| l.text(a.request) == "BB-Q2")
        .map(|a| (a.steps_met, a.steps_partly, a.steps_not_met, a.amount_approved))
        .collect();
    assert_eq!(mine, [(Some(2), Some(1), None, Some(100_000_050)), (Some(1), None, None, None)]);
}

/// A payment recorded in error and voided by a correction leaves every figure as if it had never been
/// recorded (to the byte, in growthplan's status and in the independent computation's), the file keeps it
/// (`fmt` rewrites nothing away), and the report of the correction's month lists it.
#[test]
fn a_payment_voided_by_a_correction_leaves_every_figure_as_if_never_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&crate::illustrative(), &tmp.path().join("data"));
    let run = |args: &[&str]| {
        let (code, out, err) = growthplan(tmp.path(), args);
        assert_eq!(code, 0, "{args:?}\n{out}{err}");
        out
    };
    let status = || run(&["status", "--as-of", "2026-11-30", "--format", "json"]);
    run(&[
        "record",
        "step-event",
        "--date",
        "2026-03-10",
        "--step",
        "RS-24H2-01",
        "--status",
        "fulfilled",
        "--source",
        "x",
    ]);
    run(&[
        "record",
        "assessment",
        "--date",
        "2026-03-10",
        "--request",
        "RS-Q24H2",
        "--steps-met",
        "1",
        "--amount-approved-eur",
        "9254545.00",
        "--source",
        "x",
    ]);
    let before = status();
    run(&[
        "record",
        "payment",
        "--id",
        "RS-R2",
        "--date",
        "2026-03-20",
        "--partner",
        "RS",
        "--kind",
        "regular",
        "--channel",
        "budget",
        "--instrument",
        "loan",
        "--amount-eur",
        "8606726.85",
        "--steps",
        "RS-24H2-01",
        "--request",
        "RS-Q24H2",
        "--source",
        "https://example.eu/transfer",
    ]);
    assert_ne!(status(), before, "the payment counts until it is voided");
    run(&[
        "record",
        "correction",
        "--date",
        "2026-04-02",
        "--ledger",
        "payments",
        "--match",
        "id=RS-R2",
        "--reason",
        "Recorded by mistake",
        "--source",
        "https://example.eu/memo",
    ]);
    assert_eq!(status(), before);
    let payments = std::fs::read_to_string(tmp.path().join("data/payments.csv")).unwrap();
    run(&["fmt"]);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("data/payments.csv")).unwrap(),
        payments,
        "fmt keeps the voided row"
    );
    let python = std::process::Command::new("python3")
        .current_dir(crate::root())
        .args(["tools/expected_status.py", tmp.path().join("data").to_str().unwrap(), "2026-11-30"])
        .output();
    if let Some(out) = python.ok().filter(|o| o.status.success()) {
        assert_eq!(String::from_utf8(out.stdout).unwrap(), before, "the independent computation honours it too");
    }
    run(&["report", "--month", "2026-04"]);
    let md = std::fs::read_to_string(tmp.path().join("reports/2026-04/report.md")).unwrap();
    assert!(md.contains("## Corrections this month") && md.contains("Recorded by mistake"), "{md}");
    assert!(md.contains("voided line") && md.contains("RS-R2,2026-03-20"), "the voided row is shown");
}
