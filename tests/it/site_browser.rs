//! The site in a real browser (issue 25): `tools/browser/check_site.mjs` opens every page of a site that
//! `growthplan site` wrote in Debian's headless Chromium (puppeteer-core, axe-core: `npm ci --prefix
//! tools/browser`) and says in JSON what it found; these tests build the sites and read that JSON.
//! Without Chromium, node or the installed packages they skip, unless GROWTHPLAN_REQUIRE_BROWSER=1 (CI).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{copy_tree, growthplan, illustrative, root};

/// Node and Chromium, and the harness's packages installed; None (after saying why) to skip.
fn harness() -> Option<PathBuf> {
    let require = std::env::var_os("GROWTHPLAN_REQUIRE_BROWSER").is_some_and(|v| v == "1");
    let works = |cmd: &str| Command::new(cmd).arg("--version").output().is_ok_and(|o| o.status.success());
    let dir = root().join("tools/browser");
    let missing =
        if !["chromium", "chromium-browser"].into_iter().any(works) && std::env::var_os("CHROME_PATH").is_none() {
            "no Chromium on this machine (apt-get install chromium)"
        } else if !works("node") {
            "no node on this machine (apt-get install nodejs npm)"
        } else if !dir.join("node_modules/puppeteer-core").is_dir() || !dir.join("node_modules/axe-core").is_dir() {
            "tools/browser's packages are not installed (npm ci --prefix tools/browser)"
        } else {
            return Some(dir.join("check_site.mjs"));
        };
    assert!(!require, "GROWTHPLAN_REQUIRE_BROWSER=1 but {missing}");
    eprintln!("skipped: {missing}; set GROWTHPLAN_REQUIRE_BROWSER=1 to fail instead");
    None
}

/// Runs the harness on the folder `site`: its exit code and JSON.
fn run_harness(script: &Path, site: &Path, shots: &Path) -> (Option<i32>, Value) {
    let out = Command::new("node").arg(script).arg(site).arg("--shots").arg(shots).output().expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "the harness printed no JSON ({e}; exit {:?}):\n{stdout}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), json)
}

/// Writes the site of a copy of `data` (into `tmp/site`) and runs the harness on it: its JSON.
fn check(script: &Path, tmp: &Path, data: &Path, extra: &[&str]) -> Value {
    copy_tree(data, &tmp.join("data"));
    let mut args = vec!["site", "--data", "data", "--out", "site"];
    args.extend_from_slice(extra);
    let (code, out, err) = growthplan(tmp, &args);
    assert_eq!(code, 0, "growthplan site: {out}{err}");
    let (code, json) = run_harness(script, &tmp.join("site"), &tmp.join("shots"));
    let failures: Vec<&str> = json["failures"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert!(failures.is_empty(), "{} findings in the browser:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(code, Some(0), "the harness failed with no finding: {json}");
    json
}

/// The pages the harness opened, by path in the site.
fn pages(json: &Value) -> Vec<&str> {
    json["pages"].as_array().unwrap().iter().map(|p| p["page"].as_str().unwrap()).collect()
}

/// The table checks of `page`.
fn table<'a>(json: &'a Value, page: &str) -> &'a Value {
    json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["page"] == page)
        .unwrap_or_else(|| panic!("no search box and table on {page}: {}", json["tables"]))
}

/// What every site must show, whatever its data: the pages (no sideways scroll at 1280 and 375 px, nothing
/// off an A4 page in print), the screenshots, the links, the tables.
fn assert_site(json: &Value, partners: &[String], tables: &[&str]) {
    let pages = pages(json);
    for page in
        ["index.html", "payments.html", "requests.html", "sources.html", "changes.html", "data.html", "method.html"]
    {
        assert!(pages.contains(&page), "no {page} among {pages:?}");
    }
    for code in partners {
        let page = format!("partners/{code}.html");
        assert!(pages.contains(&page.as_str()), "no {page} among {pages:?}");
    }
    for p in json["pages"].as_array().unwrap() {
        for (what, key) in
            [("console messages", "console"), ("requests outside", "external"), ("axe violations", "axe")]
        {
            assert_eq!(p[key].as_array().map(Vec::len), Some(0), "{}: {what}: {}", p["page"], p[key]);
        }
        for width in ["1280", "375", "print"] {
            let o = &p["overflow"][width];
            assert!(
                o["scrollWidth"].as_u64().unwrap() <= o["innerWidth"].as_u64().unwrap(),
                "{}: {width} px: {o}",
                p["page"]
            );
        }
    }
    let links = &json["links"];
    assert!(links["checked"].as_u64().unwrap() > 10 * pages.len() as u64, "too few internal links checked: {links}");
    assert_eq!(links["broken"].as_array().map(Vec::len), Some(0), "{links}");

    // Home and a partner page at 1280 and 375 px: not blank, and as wide as the window.
    let shots = json["screenshots"].as_array().unwrap();
    assert_eq!(shots.len(), 4, "{shots:?}");
    for shot in shots {
        assert!(shot["colours"].as_u64().unwrap() > 50, "a blank screenshot: {shot}");
        let file = std::fs::read(shot["file"].as_str().unwrap()).unwrap();
        let info = png::Decoder::new(std::io::Cursor::new(file)).read_info().unwrap().info().clone();
        assert_eq!(info.width as u64, shot["width"].as_u64().unwrap(), "{shot}");
    }
    assert!(shots.iter().any(|s| s["page"].as_str().unwrap().starts_with("partners/")));

    for page in tables {
        let t = table(json, page);
        let all = t["start"]["shown"]["of"].as_u64().unwrap();
        assert!(all > 1, "{page}: {t}");
        assert_eq!(
            t["rows_without_js"].as_u64(),
            Some(all),
            "{page}: every row is in the page without JavaScript: {t}"
        );
        let (before, after) = (t["search"]["before"].as_u64().unwrap(), t["search"]["after"].as_u64().unwrap());
        assert!(after < before && after > 0, "{page}: the search changes the rows shown: {t}");
        let filtered = t["filters"].as_array().unwrap().iter().find(|f| !f["changed"].is_null());
        let filtered = filtered.unwrap_or_else(|| panic!("{page}: no filter changes the rows shown: {t}"));
        assert!(filtered["changed"]["after"].as_u64().unwrap() < all, "{page}: {t}");
        assert_eq!(t["from_query"]["shown"], filtered["changed"]["after"], "{page}: the filter from the address: {t}");
        assert_eq!(t["search_from_query"]["shown"], t["search"]["after"], "{page}: the search from the address: {t}");
        assert!(t["sorted"].as_array().is_some_and(|s| !s.is_empty()), "{page}: no sortable column: {t}");
    }
}

fn partner_codes(data: &Path) -> Vec<String> {
    let l = growthplan::ledger::load(data, Default::default()).unwrap().ledger.unwrap();
    l.partners.iter().map(|p| p.code.as_str().to_string()).collect()
}

/// The site of the shipped data (no steps): every page clean in Chromium, the tables filter.
#[test]
fn the_site_of_the_shipped_data_passes_the_browser_checks() {
    let Some(script) = harness() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let json = check(&script, tmp.path(), &root().join("data"), &["--as-of", "2026-11-28"]);
    assert_site(&json, &partner_codes(&root().join("data")), &["payments.html", "requests.html"]);
}

/// The site of the step-level example: the same, and the steps pages filter.
#[test]
fn the_site_of_the_step_level_example_passes_the_browser_checks() {
    let Some(script) = harness() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let json = check(&script, tmp.path(), &illustrative(), &["--as-of", "2026-06-30"]);
    let steps: Vec<&str> = pages(&json).into_iter().filter(|p| p.starts_with("steps")).collect();
    assert!(!steps.is_empty(), "no steps page: {:?}", pages(&json));
    let mut tables = vec!["payments.html", "requests.html"];
    tables.extend(&steps);
    assert_site(&json, &partner_codes(&illustrative()), &tables);
}

/// Hostile text in every text column of every ledger: in the browser no script runs (no dialog, no
/// console message, which is also where the Content Security Policy would report a blocked inline script
/// or handler), no request is made for `x` or anything else, and every page still passes axe.
#[test]
fn hostile_ledger_text_runs_nothing_in_the_browser() {
    const HOSTILE: &str =
        "<script>alert(1)</script>\"><img src=x onerror=alert(2)>' onmouseover='alert(3) ]]> \u{1b}[31mred \u{7}bell";
    let Some(script) = harness() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("hostile");
    copy_tree(&root().join("tests/cases/base"), &data);
    crate::escaping::poison_with(&data, HOSTILE);
    let json = check(&script, tmp.path(), &data, &["--as-of", "2025-12-31"]);
    assert!(pages(&json).len() >= 10, "{:?}", pages(&json));
    assert!(!json["tables"].as_array().unwrap().is_empty(), "the tables pages were tried");
}

/// The harness itself, on a small hand-made site with one of each fault: it finds each and exits 1. Needs
/// no `growthplan site`.
#[test]
fn the_harness_finds_each_kind_of_fault() {
    let Some(script) = harness() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    std::fs::create_dir_all(site.join("partners")).unwrap();
    let page = |title: &str, body: &str| {
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
             content=\"width=device-width\"><title>{title}</title><meta name=\"description\" content=\"d\">\
             <meta property=\"og:image\" content=\"preview.png\"></head><body><main><h1>{title}</h1>{body}\
             </main></body></html>"
        )
    };
    let files = [
        (
            "index.html",
            page("Home", "<p><a href=\"partners/XX.html\">XX</a></p><div style=\"width:2000px\">wide</div>"),
        ),
        (
            "partners/XX.html",
            page(
                "XX",
                "<p><a href=\"../index.html#nowhere\">home</a> <a href=\"../gone.html\">gone</a></p>\
                 <img src=\"https://example.invalid/x.png\"><script src=\"../log.js\"></script>",
            ),
        ),
        (
            "payments.html",
            page(
                "Payments",
                "<label>search <input type=\"search\"></label><label>partner <select><option value=\"\">all\
                 </option><option>AA</option></select></label><p>3 of 3 shown</p><table><thead><tr><th>partner</th>\
                 <th>id</th></tr></thead><tbody><tr><td>AA</td><td>one</td></tr><tr><td>BB</td><td>two</td></tr>\
                 <tr><td>BB</td><td>three</td></tr></tbody></table>",
            ),
        ),
        ("log.js", "console.log(\"hello from the page\");".to_string()),
    ];
    for (name, text) in files {
        std::fs::write(site.join(name), text).unwrap();
    }
    let (code, json) = run_harness(&script, &site, &tmp.path().join("shots"));
    assert_eq!(code, Some(1), "{json}");
    let failures: Vec<&str> = json["failures"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    for expected in [
        "index.html: scrolls sideways at 375 px",
        "index.html: runs off the printed page",
        "partners/XX.html: console: log: hello from the page",
        "partners/XX.html: request outside the site: https://example.invalid/x.png",
        "partners/XX.html: axe image-alt",
        "partners/XX.html: broken link ../index.html#nowhere: no element with id \"nowhere\"",
        "partners/XX.html: broken link ../gone.html: no such file",
        "index.html: broken link preview.png: no such file",
        "payments.html: searching",
        "payments.html: no filter select changes the rows shown",
        "payments.html: no header sorts the table",
    ] {
        assert!(
            failures.iter().any(|f| f.starts_with(expected)),
            "the harness did not find `{expected}`; it found:\n{}",
            failures.join("\n")
        );
    }
}
