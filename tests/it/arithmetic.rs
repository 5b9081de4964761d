//! Arithmetic edge cases: amounts beyond i64 cents, sums that would overflow, negative zero, exponents,
//! NaN, infinity, full-width digits. Each is a diagnostic (or a refusal), never a wrong total.

use crate::{copy_tree, growthplan, root};

/// A folder whose payment on line 4 (`AA-R1`, budget loan) carries `cell` as its amount.
fn with_amount(cell: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    let path = data.join("payments.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let quoted = format!("\"{}\"", cell.replace('"', "\"\""));
    let text = text.replacen(
        "AA-R1,2025-08-01,AA,regular,budget,loan,10000000.00,",
        &format!("AA-R1,2025-08-01,AA,regular,budget,loan,{quoted},"),
        1,
    );
    std::fs::write(&path, text).unwrap();
    tmp
}

#[test]
fn every_unreadable_amount_is_a_finding_on_its_cell_and_no_figure_is_computed() {
    for (cell, code) in [
        ("92233720368547758.08", "V005"),
        ("-92233720368547758.08", "V005"),
        ("99999999999999999999", "V005"),
        ("1000000000000.01", "V005"),
        ("-0,00", "V011"),
        ("-0.00", "V010"),
        ("1e9", "V002"),
        ("1E9", "V002"),
        ("NaN", "V002"),
        ("nan", "V002"),
        ("∞", "V002"),
        ("-∞", "V002"),
        ("inf", "V002"),
        ("１０００００００.００", "V002"),
        ("10000000.001", "V004"),
        ("0x989680", "V002"),
    ] {
        let tmp = with_amount(cell);
        let (status, out, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28", "--format", "json"]);
        assert_eq!(status, 1, "{cell}: {out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let found = v["diagnostics"].as_array().unwrap().iter().any(|d| {
            d["code"] == code
                && d["line"] == 4
                && d["field"] == "amount_eur"
                && d["file"].as_str().unwrap().ends_with("payments.csv")
        });
        assert!(found, "{cell}: expected {code} at payments.csv:4 amount_eur:\n{out}");
        // No figure is computed from a ledger with an unreadable amount.
        if cfg!(feature = "pipeline") {
            let (status, out, err) = growthplan(tmp.path(), &["status", "--as-of", "2026-11-28", "--format", "json"]);
            assert_eq!(status, 1, "{cell}: {out}");
            assert!(out.is_empty() && err.contains(code), "{cell}: {err}");
        }
    }
}

#[test]
fn sums_beyond_sixty_four_bits_are_refused_not_wrapped() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    // 100,000 payments of the largest amount a cell may hold: EUR 10^17 in all, beyond i64 cents.
    let mut text = String::from("id,date,partner,kind,channel,instrument,amount_eur,steps,source,note\n");
    for i in 0..100_000 {
        text.push_str(&format!("P{i},2025-03-01,AA,pre_financing,budget,loan,1000000000000.00,,test,\n"));
    }
    std::fs::write(data.join("payments.csv"), text).unwrap();
    // check adds in i128: it reports the overpayments with exact totals.
    let (status, out, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28", "--format", "json"]);
    assert_eq!(status, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let messages: Vec<&str> =
        v["diagnostics"].as_array().unwrap().iter().filter_map(|d| d["message"].as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("EUR 100,000,000,000,000,000.00")),
        "the exact total appears: {:?}",
        &messages[..messages.len().min(5)]
    );
    // The figures refuse rather than wrap around.
    if cfg!(feature = "pipeline") {
        let (status, out, err) = growthplan(tmp.path(), &["status", "--as-of", "2026-11-28", "--format", "json"]);
        assert_ne!(status, 0);
        assert!(out.is_empty() && err.contains("64-bit"), "{err}");
    }
}

#[test]
fn an_envelope_beyond_the_range_is_a_finding_in_facility_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    let toml = std::fs::read_to_string(data.join("facility.toml")).unwrap();
    std::fs::write(data.join("facility.toml"), toml.replace("\"2000000000.00\"", "\"99999999999999999999.00\""))
        .unwrap();
    let (status, out, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28"]);
    assert_eq!(status, 1);
    assert!(out.contains("facility.toml") && out.contains("grant_eur"), "{out}");
}
