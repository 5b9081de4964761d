//! The outlook on a small ledger computed by hand (`tests/cases/outlook/README.md` says what each
//! partner stands for): the calendar, the pace and delay, and every scenario window by window.

use serde_json::Value;

use crate::{growthplan, root};

fn outlook(as_of: &str) -> Value {
    let data = root().join("tests/cases/outlook");
    let (code, out, err) = growthplan(
        &root(),
        &["status", "--data", data.to_str().unwrap(), "--as-of", as_of, "--outlook", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    doc["outlook"].clone()
}

/// (paid, expired) at the end of each window, in millions of euros with two decimals where needed.
fn points(o: &Value, partner: &str, scenario: &str) -> Vec<(String, String)> {
    let list = match partner {
        "ALL" => &o["facility"]["projections"],
        _ => &o["partners"].as_array().unwrap().iter().find(|p| p["partner"] == partner).unwrap()["projections"],
    };
    list.as_array()
        .unwrap()
        .iter()
        .filter(|x| x["scenario"] == scenario)
        .map(|x| (x["paid_eur"].as_str().unwrap().to_string(), x["expired_eur"].as_str().unwrap().to_string()))
        .collect()
}

fn eur(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn the_calendar_lists_withheld_remainders_by_grace_end_and_not_what_was_released_within_grace() {
    let o = outlook("2026-04-30");
    assert_eq!(o["windows"], serde_json::json!(["2026-06-30", "2026-12-31", "2027-06-30", "2027-12-31", "2028-06-30"]));
    let calendar: Vec<(String, String, String, String)> = o["calendar"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["date"].as_str().unwrap().into(),
                e["partner"].as_str().unwrap().into(),
                e["amount_eur"].as_str().unwrap().into(),
                e["pool_after_eur"].as_str().unwrap().into(),
            )
        })
        .collect();
    // CC-Q1: 10m asked, nothing approved; AA-Q1: 20m asked, 10m approved. DD-Q1's remainder was
    // approved on 2026-03-01 and paid on 2026-04-01, within its grace: it does not expire.
    assert_eq!(
        calendar,
        vec![
            ("2026-06-30".into(), "CC".into(), "10000000.00".into(), "10000000.00".into()),
            ("2026-12-31".into(), "AA".into(), "10000000.00".into(), "20000000.00".into()),
        ]
    );
    assert_eq!(o["expired_so_far_eur"], "0.00");
    // Before the second decision, DD's 6m remainder was in the calendar.
    let before = outlook("2026-01-31");
    let dd: Vec<&Value> = before["calendar"].as_array().unwrap().iter().filter(|e| e["partner"] == "DD").collect();
    assert_eq!(dd.len(), 1);
    assert_eq!((dd[0]["date"].as_str(), dd[0]["amount_eur"].as_str()), (Some("2026-06-30"), Some("6000000.00")));
}

#[test]
fn pace_and_delay_come_from_the_partners_own_records_or_else_the_facilitys() {
    let o = outlook("2026-04-30");
    let get = |code: &str| o["partners"].as_array().unwrap().iter().find(|p| p["partner"] == code).unwrap().clone();
    // AA: 10 of 20 approved; AA-R1 paid 213 days after its period's end (2024-12-31 to 2025-08-01).
    let aa = get("AA");
    assert_eq!((aa["pace_pct"].as_str(), aa["pace_basis"].as_str()), (Some("50.00"), Some("requested_value")));
    assert_eq!((aa["delay_days"].as_i64(), aa["delay_basis"].as_str()), (Some(213), Some("own")));
    // AA's open money: 100 less 10 gross released; 10 withheld, the other 80 spread over the 4 due
    // dates ahead; 6.3 of its pre-financing is still to clear.
    assert_eq!(aa["open_eur"], "90000000.00");
    assert_eq!(aa["unscheduled_eur"], "80000000.00");
    assert_eq!(aa["prefinancing_to_clear_eur"], "6300000.00");
    // BB has no request: the facility's share (10 + 0 + 12 + 8 of 20 + 10 + 12 + 8) and the mean delay
    // of its three releases ((213 + 124 + 275) / 3).
    let bb = get("BB");
    assert_eq!((bb["pace_pct"].as_str(), bb["pace_basis"].as_str()), (Some("60.00"), Some("facility_requested_value")));
    assert_eq!((bb["delay_days"].as_i64(), bb["delay_basis"].as_str()), (Some(204), Some("facility")));
    // CC: nothing approved, a pace of zero.
    assert_eq!(get("CC")["pace_pct"], "0.00");
    // DD: all of it approved in the end; (124 + 275) / 2 rounded down.
    let dd = get("DD");
    assert_eq!((dd["pace_pct"].as_str(), dd["delay_days"].as_i64()), (Some("100.00"), Some(199)));
}

#[test]
fn each_scenario_matches_the_hand_computation() {
    let o = outlook("2026-04-30");
    // AA on plan: the 10m withheld met now (9.3 net after clearing 0.7), then 20m a window (18.6 net)
    // until the pre-financing is cleared: the envelope by the last window.
    assert_eq!(
        points(&o, "AA", "on_plan"),
        eur(&[
            ("25600000.00", "0.00"),
            ("44200000.00", "0.00"),
            ("62800000.00", "0.00"),
            ("81400000.00", "0.00"),
            ("100000000.00", "0.00"),
        ])
    );
    // AA at 50%: the withheld 10m expires at its grace end (9.3 back, 0.7 was pre-financed); each 20m
    // slot pays half 213 days after its due date and the other half expires at its grace end; the
    // last slot's payment would come after the last payment date, so all of it goes back.
    assert_eq!(
        points(&o, "AA", "observed_pace"),
        eur(&[
            ("16300000.00", "0.00"),
            ("16300000.00", "9300000.00"),
            ("25600000.00", "18600000.00"),
            ("34900000.00", "27900000.00"),
            ("44200000.00", "55800000.00"),
        ])
    );
    assert_eq!(
        points(&o, "AA", "no_progress"),
        eur(&[
            ("16300000.00", "0.00"),
            ("16300000.00", "9300000.00"),
            ("16300000.00", "27900000.00"),
            ("16300000.00", "46500000.00"),
            ("16300000.00", "83700000.00"),
        ])
    );
    // BB, no request: 12.5m a due date; at 60% each slot pays 7.5m 204 days after its due date.
    assert_eq!(
        points(&o, "BB", "on_plan"),
        eur(&[
            ("0.00", "0.00"),
            ("12500000.00", "0.00"),
            ("25000000.00", "0.00"),
            ("37500000.00", "0.00"),
            ("50000000.00", "0.00"),
        ])
    );
    assert_eq!(
        points(&o, "BB", "observed_pace"),
        eur(&[
            ("0.00", "0.00"),
            ("0.00", "0.00"),
            ("7500000.00", "5000000.00"),
            ("15000000.00", "10000000.00"),
            ("22500000.00", "27500000.00"),
        ])
    );
    // CC, pace zero: the same as no further progress.
    let cc = eur(&[
        ("0.00", "10000000.00"),
        ("0.00", "10000000.00"),
        ("0.00", "27500000.00"),
        ("0.00", "45000000.00"),
        ("0.00", "80000000.00"),
    ]);
    assert_eq!(points(&o, "CC", "observed_pace"), cc);
    assert_eq!(points(&o, "CC", "no_progress"), cc);
    assert_eq!(points(&o, "CC", "on_plan").last().unwrap().0, "80000000.00");
    // DD at 100%: every slot paid 199 days late, the last one too late.
    assert_eq!(
        points(&o, "DD", "observed_pace"),
        eur(&[
            ("12000000.00", "0.00"),
            ("12000000.00", "0.00"),
            ("24000000.00", "0.00"),
            ("36000000.00", "0.00"),
            ("48000000.00", "12000000.00"),
        ])
    );
    // EE: approved, not yet paid: paid in the first window on plan and at its pace (100%, the facility's
    // delay), never without further progress, where it goes back at its grace end (2026-12-31).
    assert_eq!(
        points(&o, "EE", "observed_pace"),
        eur(&[
            ("8000000.00", "0.00"),
            ("8000000.00", "0.00"),
            ("16000000.00", "0.00"),
            ("24000000.00", "0.00"),
            ("32000000.00", "8000000.00"),
        ])
    );
    assert_eq!(
        points(&o, "EE", "no_progress"),
        eur(&[
            ("0.00", "0.00"),
            ("0.00", "8000000.00"),
            ("0.00", "16000000.00"),
            ("0.00", "24000000.00"),
            ("0.00", "40000000.00"),
        ])
    );
    // The facility: the partners summed; on plan reaches the five envelopes.
    assert_eq!(points(&o, "ALL", "on_plan").last().unwrap(), &("330000000.00".to_string(), "0.00".to_string()));
    assert_eq!(points(&o, "ALL", "no_progress").last().unwrap().0, "28300000.00");
}

#[test]
fn the_export_writes_the_expiry_and_projection_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let data = root().join("tests/cases/outlook");
    let out = tmp.path().join("out");
    let (code, _, err) = growthplan(
        tmp.path(),
        &["export", "--data", data.to_str().unwrap(), "--as-of", "2026-04-30", "--out", out.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let expiry = std::fs::read_to_string(out.join("expiry.csv")).unwrap();
    assert_eq!(
        expiry,
        "kind,date,partner,amount_eur,amount_knownness,unpublished_parts,requests,steps,pool_after_eur,pool_after_knownness\n\
         record,2026-06-30,CC,10000000.00,known,0,CC-Q1,,10000000.00,known\n\
         record,2026-12-31,AA,10000000.00,known,0,AA-Q1,,20000000.00,known\n"
    );
    let projection = std::fs::read_to_string(out.join("projection.csv")).unwrap();
    assert!(projection.starts_with("kind,partner,scenario,window_end,"), "{projection}");
    assert!(projection.contains("\nprojection,DD,observed_pace,2028-06-30,48000000.00,12000000.00,0.00,12000000.00,12000000.00,100.00,requested_value,199,own,yes,\n"), "{projection}");
    assert!(projection.contains("\nprojection,BB,on_plan,2028-06-30,50000000.00,0.00,0.00,12500000.00,0.00,60.00,facility_requested_value,204,facility,no,\n"), "{projection}");
    assert!(projection.contains("\nprojection,ALL,on_plan,2028-06-30,330000000.00,0.00,0.00,"), "{projection}");
}

/// On the shipped data, the withheld remainder of Serbia's first request is in the calendar (112m asked,
/// 61.1m approved), and the remainders whose request or approval is not published are listed without an
/// amount.
#[test]
fn the_shipped_data_lists_what_a_source_supports_and_no_more() {
    let data = root().join("data");
    let (code, out, err) = growthplan(
        &root(),
        &["status", "--data", data.to_str().unwrap(), "--as-of", "2026-11-30", "--outlook", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let calendar = doc["outlook"]["calendar"].as_array().unwrap();
    let rs = calendar.iter().find(|e| e["partner"] == "RS").unwrap();
    assert_eq!((rs["date"].as_str(), rs["amount_eur"].as_str()), (Some("2026-12-31"), Some("50900000.00")));
    for e in calendar.iter().filter(|e| e["partner"] != "RS") {
        assert_eq!(e["amount_knownness"], "unknown", "{e}");
        assert!(e["amount_eur"].is_null());
    }
    assert_eq!(doc["outlook"]["expired_so_far_knownness"], "unknown");
}

/// The hand-computed ledger with some of its files' lines replaced or added, in a temporary folder.
fn variant(edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    crate::copy_tree(&root().join("tests/cases/outlook"), tmp.path());
    for (file, old, new) in edits {
        let path = tmp.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let changed = if old.is_empty() { format!("{text}{new}\n") } else { text.replace(old, new) };
        assert_ne!(changed, text, "{file}: {old}");
        std::fs::write(&path, changed).unwrap();
    }
    tmp
}

fn outlook_of(data: &std::path::Path, as_of: &str) -> Value {
    let (code, out, err) = growthplan(
        &root(),
        &["status", "--data", data.to_str().unwrap(), "--as-of", as_of, "--outlook", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<Value>(&out).unwrap()["outlook"].clone()
}

#[test]
fn after_the_last_payment_date_no_window_is_projected_and_every_command_runs() {
    let data = root().join("tests/cases/outlook");
    let o = outlook_of(&data, "2028-07-01");
    assert_eq!(o["windows"], serde_json::json!([]));
    assert!(o["partners"].as_array().unwrap().iter().all(|p| p["projections"] == serde_json::json!([])));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for args in [
        vec!["status", "--as-of", "2028-06-30"],
        vec!["export", "--as-of", "2028-06-30", "--out", out.to_str().unwrap()],
    ] {
        let mut all = vec!["--data", data.to_str().unwrap()];
        all.extend(args);
        let (code, _, err) = growthplan(tmp.path(), &all);
        assert_eq!(code, 0, "{err}");
    }
}

#[test]
fn a_release_that_paid_several_requests_paid_their_approvals() {
    // AA-Q1 and AA-Q2 approved 5m each and paid together by AA-R1 (10m gross): nothing of them is
    // approved and unpaid, and their remainders (15m and 5m) are withheld.
    let tmp = variant(&[
        ("requests.csv", "", "AA-Q2,2025-03-20,AA,2024-12-31,2,10000000.00,,test,"),
        ("assessments.csv", "2025-07-01,AA-Q1,2,,,10000000.00,test,", "2025-07-01,AA-Q1,1,,,5000000.00,test,"),
        ("assessments.csv", "", "2025-07-01,AA-Q2,1,,,5000000.00,test,"),
        ("payments.csv", ",AA-Q1,test", ",AA-Q1 AA-Q2,test"),
    ]);
    let o = outlook_of(tmp.path(), "2026-04-30");
    // On plan: the 20m withheld met now, 18.6m net after clearing 1.4m.
    assert_eq!(points(&o, "AA", "on_plan")[0].0, "34900000.00");
    let aa = o["calendar"].as_array().unwrap().iter().find(|e| e["partner"] == "AA").unwrap().clone();
    assert_eq!(
        (aa["amount_eur"].as_str(), aa["requests"].clone()),
        (Some("20000000.00"), serde_json::json!(["AA-Q1", "AA-Q2"]))
    );
}

#[test]
fn a_pending_request_past_its_grace_end_is_still_payable_on_plan() {
    // BB-Q1 (steps due 2025-06-30, grace to 2026-06-30) is not assessed by 2026-08-31: the Commission has
    // not decided, so on plan pays it and no scenario calls it expired before the last payment date.
    let tmp = variant(&[("requests.csv", "", "BB-Q1,2026-01-10,BB,2025-06-30,2,5000000.00,,test,")]);
    let o = outlook_of(tmp.path(), "2026-08-31");
    assert_eq!(points(&o, "BB", "on_plan")[0], ("5000000.00".to_string(), "0.00".to_string()));
    assert!(o["calendar"].as_array().unwrap().iter().all(|e| e["partner"] != "BB"));
}

#[test]
fn a_partner_paid_beyond_a_cut_envelope_is_not_projected() {
    // AA's envelope cut to 10m after 16.3m was transferred: the projections repeat the recorded figures,
    // and what remains is negative, the transfers beyond the envelope; the facility still adds up.
    let tmp = variant(&[
        ("allocations.csv", "", "2025-09-01,AA,grant,-27000000.00,cut,test,"),
        ("allocations.csv", "", "2025-09-01,AA,loan,-63000000.00,cut,test,"),
    ]);
    let o = outlook_of(tmp.path(), "2026-04-30");
    let aa = o["partners"].as_array().unwrap().iter().find(|p| p["partner"] == "AA").unwrap().clone();
    assert_eq!(aa["overpaid"], true);
    for x in aa["projections"].as_array().unwrap() {
        assert_eq!((x["paid_eur"].as_str(), x["remaining_eur"].as_str()), (Some("16300000.00"), Some("-6300000.00")));
    }
}

#[test]
fn status_outlook_as_csv_is_the_projection_table_of_the_partner_asked_for() {
    let data = root().join("tests/cases/outlook");
    let (code, out, err) = growthplan(
        &root(),
        &[
            "status",
            "--data",
            data.to_str().unwrap(),
            "--as-of",
            "2026-04-30",
            "--outlook",
            "--format",
            "csv",
            "--partner",
            "DD",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 3 * 5, "{out}");
    assert!(rows.iter().all(|r| r.starts_with("projection,DD,")), "{out}");
}
