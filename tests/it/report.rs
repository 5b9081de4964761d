//! The monthly report: golden files for a fixed month, byte-identical reruns, inert ledger text,
//! findings at the top (or refusal with --strict), and a real browser rendering the HTML.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use sha2::Digest;

use crate::{bless, case_folder, copy_tree, growthplan, illustrative, root};

/// Every file of a report folder: text files as they are, binary files as their SHA-256.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).unwrap();
            let value = if rel.ends_with(".png") {
                format!("sha256 {:x}", sha2::Sha256::digest(&bytes))
            } else {
                String::from_utf8(bytes).unwrap()
            };
            out.insert(rel, value);
        }
    }
    out
}

fn report_on_copy(month: &str) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&illustrative(), &tmp.path().join("data"));
    let (code, out, err) = growthplan(tmp.path(), &["report", "--month", month]);
    assert_eq!(code, 0, "{err}");
    (tmp, out)
}

#[test]
fn the_report_for_a_fixed_month_matches_the_golden_files() {
    let (tmp, out) = report_on_copy("2026-02");
    assert_eq!(out, "wrote reports/2026-02 (27 files)\n");
    let got = snapshot(&tmp.path().join("reports/2026-02"));
    let golden_dir = root().join("tests/golden/report/2026-02");
    if bless() {
        let _ = std::fs::remove_dir_all(&golden_dir);
        for (rel, value) in &got {
            let path = golden_dir.join(if rel.ends_with(".png") { format!("{rel}.sha256") } else { rel.clone() });
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, value).unwrap();
        }
    }
    let mut expected = BTreeMap::new();
    for (rel, value) in snapshot(&golden_dir) {
        expected.insert(rel.trim_end_matches(".sha256").to_string(), value);
    }
    assert_eq!(got.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    for (rel, value) in &got {
        assert!(
            value == &expected[rel],
            "{rel} differs from tests/golden/report/2026-02 (GROWTHPLAN_BLESS=1 rewrites it)"
        );
    }
    // The summary is the status contract of the same date.
    let (_, status, _) = growthplan(
        &root(),
        &["status", "--data", "examples/illustrative", "--as-of", "2026-02-28", "--format", "json"],
    );
    assert_eq!(got["summary.json"], status);
    let index = std::fs::read_to_string(tmp.path().join("reports/index.md")).unwrap();
    assert!(index.contains("[2026-02](2026-02/report.md)"), "{index}");
}

#[test]
fn the_same_ledgers_give_a_byte_identical_report() {
    let (a, _) = report_on_copy("2025-10");
    let (b, _) = report_on_copy("2025-10");
    assert_eq!(snapshot(&a.path().join("reports/2025-10")), snapshot(&b.path().join("reports/2025-10")));
    // Rerunning replaces the folder whole, and the default month is the last complete one (the tests run
    // on 5 December 2026).
    let (code, out, _) = growthplan(a.path(), &["report"]);
    assert_eq!((code, out.as_str()), (0, "wrote reports/2026-11 (27 files)\n"));
    let index = std::fs::read_to_string(a.path().join("reports/index.md")).unwrap();
    assert!(index.find("2026-11").unwrap() < index.find("2025-10").unwrap(), "{index}");
}

#[test]
fn ledger_text_is_inert_in_every_output() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    let evil = "<script>alert(1)</script> | x </svg> =HYPERLINK(\"http://e\")";
    let partners = std::fs::read_to_string(data.join("partners.csv"))
        .unwrap()
        .replace("Alphaland", &format!("\"{}\"", evil.replace('"', "\"\"")));
    std::fs::write(data.join("partners.csv"), partners).unwrap();
    let steps = std::fs::read_to_string(data.join("steps.csv")).unwrap().replace(",Green,", ",\"<b>Green</b>|\",");
    std::fs::write(data.join("steps.csv"), steps).unwrap();
    let (code, _, err) = growthplan(tmp.path(), &["report", "--month", "2025-08"]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(tmp.path().join("reports/2025-08/report.html")).unwrap();
    assert!(!html.contains("<script>") && !html.contains("<b>Green"), "raw markup in report.html");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    let md = std::fs::read_to_string(tmp.path().join("reports/2025-08/report.md")).unwrap();
    assert!(!md.contains("<script>") && md.contains("&lt;script&gt;alert(1)&lt;/script&gt; \\| x"), "{md}");
    for chart in std::fs::read_dir(tmp.path().join("reports/2025-08/charts")).unwrap() {
        let p = chart.unwrap().path();
        if p.extension().is_some_and(|e| e == "svg") {
            let svg = std::fs::read_to_string(&p).unwrap();
            assert!(!svg.contains("<script>") && svg.matches("</svg>").count() == 1, "{}", p.display());
        }
    }
}

#[test]
fn findings_are_shown_at_the_top_and_strict_refuses() {
    let tmp = case_folder("C011");
    let (code, out, err) = growthplan(tmp.path(), &["report", "--month", "2025-08", "--strict"]);
    assert_eq!(code, 1);
    assert!(err.contains("error[C011]") && err.contains("--strict"), "{err}");
    assert!(!tmp.path().join("reports/2025-08").exists());
    let (code, out2, _) = growthplan(tmp.path(), &["report", "--month", "2025-08"]);
    assert_eq!(code, 0, "{out}");
    assert!(out2.contains("check finds 1 errors"), "{out2}");
    let md = std::fs::read_to_string(tmp.path().join("reports/2025-08/report.md")).unwrap();
    let findings = md.find("## Findings").unwrap();
    assert!(findings < md.find("## Headline figures").unwrap());
    assert!(md.contains("| error | C011 |"));
}

/// Headless Chromium renders report.html: no console errors, every chart present, a screenshot that is
/// not blank and shows the charts' colours. Skips without Chromium unless GROWTHPLAN_REQUIRE_BROWSER=1.
#[test]
fn a_real_browser_renders_the_report() {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok_and(|o| o.status.success()));
    let Some(browser) = browser else {
        assert!(
            std::env::var_os("GROWTHPLAN_REQUIRE_BROWSER").is_none_or(|v| v != "1"),
            "GROWTHPLAN_REQUIRE_BROWSER=1 but no Chromium found (apt-get install chromium)"
        );
        eprintln!("skipped: no Chromium on this machine (apt-get install chromium); set GROWTHPLAN_REQUIRE_BROWSER=1 to fail instead");
        return;
    };
    let (tmp, _) = report_on_copy("2026-02");
    let page = tmp.path().join("reports/2026-02/report.html");
    let url = format!("file://{}", page.display());
    let profile = tmp.path().join("profile");
    let shot = tmp.path().join("shot.png");
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
        "--hide-scrollbars",
    ];
    let run = |extra: &[String]| {
        Command::new(browser)
            .args(base)
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(&url)
            .output()
            .unwrap()
    };
    let shot_out = run(&["--window-size=1280,3200".into(), format!("--screenshot={}", shot.display())]);
    let log = String::from_utf8_lossy(&shot_out.stderr);
    assert!(!log.contains("CONSOLE"), "console messages:\n{log}");
    let dom_out = run(&["--dump-dom".into()]);
    let dom = String::from_utf8_lossy(&dom_out.stdout);
    assert_eq!(dom.matches("<svg").count(), 6 + 6, "every chart in the rendered page");
    assert!(dom.contains("Headline figures"));
    let bytes = std::fs::read(&shot).expect("a screenshot");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let px: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let distinct: std::collections::HashSet<&[u8]> = px.iter().map(|p| &p[..3]).collect();
    assert!(distinct.len() > 50, "screenshot looks blank: {} colours", distinct.len());
    let blue = px.iter().filter(|p| p[0] < 20 && (100..130).contains(&p[1]) && (165..190).contains(&p[2])).count();
    assert!(blue > 500, "the charts' blue bars are not on the screenshot ({blue} pixels)");
}

/// The report on the shipped data states only what the sources state: no illustrative figure, the request
/// cycle first, every request's source linked, the known gap shown.
#[test]
fn the_report_on_the_shipped_data_names_no_illustrative_figure() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&root().join("data"), &tmp.path().join("data"));
    let (code, out, err) = growthplan(tmp.path(), &["report", "--month", "2026-11"]);
    assert_eq!(code, 0, "{out}{err}");
    for file in ["report.md", "report.html"] {
        let text = std::fs::read_to_string(tmp.path().join("reports/2026-11").join(file)).unwrap();
        assert!(!text.to_lowercase().contains("illustrative"), "{file} mentions illustrative data");
        assert!(text.find("Request cycle").unwrap() < text.find("Partners").unwrap(), "{file}");
        assert!(text.contains("known gap"), "{file}");
        assert!(!text.contains("Steps fulfilled of due"), "{file}: no step figures without steps");
    }
    let md = std::fs::read_to_string(tmp.path().join("reports/2026-11/report.md")).unwrap();
    assert!(md.contains("| RS-Q1 |") && md.contains("pink.rs"), "every request with its source");
    assert!(md.contains("EUR 99.3m together with AL-Q2 (split not published)"), "a release paying two requests");
    // Every release, request, decision and known gap the report mentions links its source.
    let l = growthplan::ledger::load(&root().join("data"), Default::default()).unwrap().ledger.unwrap();
    let sourced = l.release_count() + l.requests.len() + l.assessments.len() + 1;
    let lines_with_links = md.lines().filter(|line| line.contains("https://")).count();
    assert!(lines_with_links >= sourced, "{lines_with_links} lines link a source for {sourced} sourced rows");
    assert!(md.contains("## Sources") && md.contains("## Glossary") && md.contains("Not in any partner's envelope"));
}

/// With no `--month`, on 5 December 2026, the report is November's; the shipped ledgers' last event is
/// months older, and the report says so at its top. A month with a recent event has no banner.
#[test]
fn the_default_report_is_last_month_with_a_banner_when_the_ledgers_are_old() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&root().join("data"), &tmp.path().join("data"));
    let (code, out, err) = growthplan(tmp.path(), &["report"]);
    assert_eq!((code, out.as_str()), (0, "wrote reports/2026-11 (27 files)\n"), "{err}");
    let last = growthplan::ledger::load(&root().join("data"), Default::default())
        .unwrap()
        .ledger
        .unwrap()
        .latest_date()
        .unwrap();
    let days = (growthplan::date::parse_date("2026-11-30", false).unwrap() - last).num_days();
    assert!(days > 60);
    let banner =
        format!("last recorded event is dated {}, {days} days before 2026-11-30", growthplan::date::format(last));
    for file in ["report.md", "report.html"] {
        let text = std::fs::read_to_string(tmp.path().join("reports/2026-11").join(file)).unwrap();
        assert!(text.contains(&banner), "{file}: no banner `{banner}`");
    }
    let month = format!("{:?}", last).get(..7).unwrap().to_string();
    let (code, _, err) = growthplan(tmp.path(), &["report", "--month", &month]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(tmp.path().join("reports").join(&month).join("report.md")).unwrap();
    assert!(!text.contains("last recorded event"), "{month}");
}
