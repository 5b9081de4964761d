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

/// Release RS-R2 of the step-level example: step RS-24H2-01 (EUR 9,254,545.00) less the 7% clearance,
/// in one part, for request RS-Q24H2.
const RS_R2: [&str; 22] = [
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
];

/// A copy of the step-level example in which step RS-24H2-01 is found fulfilled and request RS-Q24H2
/// approved for it on 10 March 2026: ready for [`RS_R2`].
fn example_with_rs_24h2_01_approved() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&crate::illustrative(), &tmp.path().join("data"));
    for args in [
        &[
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
        ][..],
        &[
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
        ],
    ] {
        let (code, out, err) = growthplan(tmp.path(), args);
        assert_eq!(code, 0, "{args:?}\n{out}{err}");
    }
    tmp
}

/// A payment recorded in error and voided by a correction leaves every figure as if it had never been
/// recorded (to the byte, in growthplan's status and in the independent computation's), the file keeps it
/// (`fmt` rewrites nothing away), and the report of the correction's month lists it.
#[cfg(feature = "pipeline")]
#[test]
fn a_payment_voided_by_a_correction_leaves_every_figure_as_if_never_recorded() {
    let tmp = example_with_rs_24h2_01_approved();
    let run = |args: &[&str]| {
        let (code, out, err) = growthplan(tmp.path(), args);
        assert_eq!(code, 0, "{args:?}\n{out}{err}");
        out
    };
    let status = || run(&["status", "--as-of", "2026-11-30", "--format", "json"]);
    let before = status();
    run(&RS_R2);
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

/// `payment_args(i)` without its one part (`--channel`, `--instrument`, `--amount-eur`), with `parts`
/// as `--part` instead: the parts of a release in one command.
fn release_args(i: usize, parts: &[&str]) -> Vec<String> {
    let args = payment_args(i);
    let mut out = Vec::new();
    let mut k = 0;
    while k < args.len() {
        if ["--channel", "--instrument", "--amount-eur"].contains(&args[k].as_str()) {
            k += 2;
            continue;
        }
        out.push(args[k].clone());
        k += 1;
    }
    for part in parts {
        out.extend(["--part".to_string(), part.to_string()]);
    }
    out
}

fn run(cwd: &Path, args: &[String]) -> (i32, String, String) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    growthplan(cwd, &args)
}

/// Every part of a release in one command: the columns given once, one `--part` per channel and
/// instrument (before the columns or among them), amounts typed as `record` takes them; one append.
#[test]
fn a_release_is_recorded_whole_in_one_command() {
    let tmp = tempfile::tempdir().unwrap();
    folder_with_fulfilled_steps(&tmp.path().join("data"), 3);
    let mut args = vec!["record".to_string(), "payment".into(), "--part".into(), "budget:loan:500.00".into()];
    args.extend(release_args(0, &["wbif:grant:300,00", "WBIF:Loan:200"]).into_iter().skip(2));
    let (code, out, err) = run(tmp.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "recorded 3 row(s) in data/payments.csv:\n\
         \x20 line 2: R000,2025-08-01,AA,regular,budget,loan,500.00,S000,Q,test,\n\
         \x20 line 3: R000,2025-08-01,AA,regular,wbif,grant,300.00,S000,Q,test,\n\
         \x20   amount_eur: `300,00` became `300.00`\n\
         \x20 line 4: R000,2025-08-01,AA,regular,WBIF,Loan,200.00,S000,Q,test,\n\
         \x20   amount_eur: `200` became `200.00`\n"
    );
    let (code, out, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28"]);
    assert_eq!(code, 0, "{out}");
    // All or nothing: a part the loader refuses (a misspelt instrument) refuses the release whole, and
    // says why, not that the release looks incomplete.
    let before = std::fs::read(tmp.path().join("data/payments.csv")).unwrap();
    let (code, _, err) = run(tmp.path(), &release_args(1, &["budget:loan:500.00", "wbif:grnt:500.00"]));
    assert_eq!(code, 1);
    assert!(err.contains("error[V008]") && err.contains("nothing recorded"), "{err}");
    assert!(!err.contains("looks incomplete"), "{err}");
    assert_eq!(std::fs::read(tmp.path().join("data/payments.csv")).unwrap(), before);
    // A part added to a release already in the file is not a part typed alone: no command to type it
    // with the others, which are recorded already.
    let (code, _, err) = run(tmp.path(), &payment_args(2));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(tmp.path(), &release_args(2, &["wbif:grant:100.00"]));
    assert_eq!(code, 1);
    assert!(err.contains("error[C011]") && !err.contains("looks incomplete"), "{err}");
}

/// A `--part` that cannot be read is refused before any file is opened (exit 2), saying how to write it.
#[test]
fn a_mistyped_part_is_refused_saying_how_to_write_it() {
    let tmp = tempfile::tempdir().unwrap();
    folder_with_fulfilled_steps(&tmp.path().join("data"), 1);
    let before = std::fs::read(tmp.path().join("data/payments.csv")).unwrap();
    let with = |extra: &[&str]| {
        let mut args = release_args(0, &["budget:loan:500.00"]);
        args.extend(extra.iter().map(|a| a.to_string()));
        run(tmp.path(), &args)
    };
    for (extra, says) in [
        (&["--part", "wbif:grant"][..], "--part `wbif:grant`: write CHANNEL:INSTRUMENT:AMOUNT"),
        (&["--part", "wbif::500.00"], "--part `wbif::500.00`: write CHANNEL:INSTRUMENT:AMOUNT"),
        (&["--part", "Budget:LOAN:1.00"], "--part Budget:LOAN is given twice"),
        (&["--amount-eur", "500.00"], "--amount-eur is given with --part"),
        (&["--from-csv", "batch.csv"], "not both"),
    ] {
        let (code, _, err) = with(extra);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(err.contains(says), "{extra:?}: {err}");
    }
    let (code, _, err) = growthplan(
        tmp.path(),
        &["record", "condition", "--date", "2025-06-01", "--partner", "AA", "--part", "budget:loan:1.00"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("--part is for the parts of a release"), "{err}");
    assert_eq!(std::fs::read(tmp.path().join("data/payments.csv")).unwrap(), before);
}

/// A part of a regular release recorded alone does not reconcile: `record` says the release looks
/// incomplete and shows the command for all its parts, the amounts typed so far in place, before the
/// findings; nothing is written. The command shown, its missing amounts filled in, records the release.
#[test]
fn a_part_alone_says_the_release_looks_incomplete_and_how_to_record_it_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    folder_with_fulfilled_steps(&data, 2);
    let before = std::fs::read(data.join("payments.csv")).unwrap();
    let mut lone = payment_args(0);
    let amount = lone.iter().position(|a| a == "1000.00").unwrap();
    lone[amount] = "400".into();
    let (code, out, err) = run(tmp.path(), &lone);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(
        err.starts_with(
            "release `R000` looks incomplete: it has 1 part (budget loan) of the 3 that channels and instruments \
             allow (budget loan, wbif grant, wbif loan), and it does not reconcile (the findings below).\n"
        ),
        "{err}"
    );
    let shown = "  growthplan record payment --id R000 --date 2025-08-01 --partner AA --kind regular --steps S000 \
                 --request Q --source test --part budget:loan:400.00 --part wbif:grant:AMOUNT --part wbif:loan:AMOUNT\n";
    let at = err.find(shown).unwrap_or_else(|| panic!("{err}"));
    assert!(at < err.find("error[C011]").unwrap(), "{err}");
    assert!(err.ends_with("nothing recorded: with these rows the ledgers would have 1 error (the file is unchanged)\n"));
    assert_eq!(std::fs::read(data.join("payments.csv")).unwrap(), before);
    // The command as shown, with the amounts still to type.
    let filled =
        shown.replace("wbif:grant:AMOUNT", "wbif:grant:350.00").replace("wbif:loan:AMOUNT", "wbif:loan:250.00");
    let mut args: Vec<String> = filled.split_whitespace().skip(1).map(str::to_string).collect();
    args.extend(["--as-of".to_string(), "2026-11-28".to_string()]);
    let (code, out, err) = run(tmp.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("recorded 3 row(s)"), "{out}");
    // Also when it pays more than approved (C025) as well, once; the data folder named as typed.
    std::fs::rename(&data, tmp.path().join("my ledgers")).unwrap();
    let assessments = tmp.path().join("my ledgers/assessments.csv");
    let approved = std::fs::read_to_string(&assessments).unwrap().replace("Q,,,,,test", "Q,,,,1500.00,test");
    std::fs::write(&assessments, approved).unwrap();
    let mut lone = payment_args(1);
    lone[amount] = "700.00".into();
    lone.splice(2..2, ["--data".to_string(), "my ledgers".to_string()]);
    lone.extend(["--note".to_string(), "budget part, 1/3".to_string()]);
    let (code, _, err) = run(tmp.path(), &lone);
    assert_eq!(code, 1);
    assert!(err.contains("error[C011]") && err.contains("error[C025]"), "{err}");
    assert_eq!(err.matches("looks incomplete").count(), 1, "{err}");
    assert!(
        err.contains(
            "  growthplan record payment --data \"my ledgers\" --id R001 --date 2025-08-01 --partner AA --kind regular \
             --steps S001 --request Q --source test --note \"budget part, 1/3\" --part budget:loan:700.00 \
             --part wbif:grant:AMOUNT --part wbif:loan:AMOUNT\n"
        ),
        "{err}"
    );
}

/// A voided release's id is not used again: recording it anew is refused, since the correction would
/// void the new row at once; and `line=N` voids one of two identical rows.
#[test]
fn a_voided_row_is_not_recorded_again_and_line_names_one_of_two_identical_rows() {
    let tmp = example_with_rs_24h2_01_approved();
    let run = |args: &[&str]| growthplan(tmp.path(), args);
    assert_eq!(run(&RS_R2).0, 0);
    // The same row pasted twice: `line=N` voids the second, and the ledgers pass again.
    let path = tmp.path().join("data/payments.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let last = text.lines().last().unwrap().to_string();
    std::fs::write(&path, format!("{text}{last}\n")).unwrap();
    let line = text.lines().count() + 1;
    assert_eq!(run(&["check"]).0, 1);
    let (code, out, err) = run(&[
        "record",
        "correction",
        "--date",
        "2026-03-21",
        "--ledger",
        "payments",
        "--match",
        &format!("id=RS-R2 line={line}"),
        "--reason",
        "pasted twice",
        "--source",
        "x",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(run(&["check"]).0, 0);
    // Voided whole, the release's id is not used again.
    let (code, _, err) = run(&[
        "record",
        "correction",
        "--date",
        "2026-03-22",
        "--ledger",
        "payments",
        "--match",
        "id=RS-R2",
        "--reason",
        "recorded in error",
        "--source",
        "x",
    ]);
    assert_eq!(code, 0, "{err}");
    let before = std::fs::read(&path).unwrap();
    let (code, _, err) = run(&RS_R2);
    assert_eq!(code, 1);
    assert!(err.contains("would be voided at once by the correction at data/corrections.csv:3"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}
