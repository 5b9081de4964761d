//! `growthplan site`: the site of the shipped data and of the step-level example builds, byte-identical
//! for the same ledgers; every internal link and anchor resolves; every page has its security policy,
//! title, description and one h1; hostile ledger text is inert on every page and in the feed; a folder
//! growthplan did not make is refused, and a failed build leaves the old site as it was. (The browser
//! tests, axe-core and Lighthouse, are the QA suite's.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::Digest;

use crate::escaping::poison_with;
use crate::{case_folder, copy_tree, growthplan, illustrative, root};

/// Every file under `dir` (not the writers' temporaries), by path relative to it, with its SHA-256.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, format!("{:x}", sha2::Sha256::digest(std::fs::read(&p).unwrap())));
            }
        }
    }
    out
}

/// Builds the site of a copy of `data` in a temporary folder: (the folder, the site's path).
fn site_of(data: &Path, as_of: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(data, &tmp.path().join("data"));
    let (code, out, err) = growthplan(tmp.path(), &["site", "--as-of", as_of]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("wrote site ("), "{out}");
    let site = tmp.path().join("site");
    (tmp, site)
}

/// The values of `attr="..."` in `text`, with the entities the templates write decoded.
fn attributes(text: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    text.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &text[i + needle.len()..];
            decode(&rest[..rest.find('"').unwrap()])
        })
        .collect()
}

fn decode(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The pages of a site: every `.html` file and `feed.xml`.
fn pages(site: &Path) -> Vec<PathBuf> {
    snapshot(site)
        .into_keys()
        .filter(|rel| rel.ends_with(".html") || rel == "feed.xml")
        .map(|rel| site.join(rel))
        .collect()
}

/// Every internal `href` and `src` of every page (and of the feed) names a file of the site, and every
/// `#anchor` an id in it; no resource is loaded from elsewhere; every page has the security policy, a
/// title, a description and one h1.
fn assert_site_holds(site: &Path) {
    let all = pages(site);
    assert!(all.len() >= 9, "{all:?}");
    for page in &all {
        let text = std::fs::read_to_string(page).unwrap();
        let name = page.strip_prefix(site).unwrap().display().to_string();
        for src in attributes(&text, "src") {
            assert!(
                !src.starts_with("http:") && !src.starts_with("https:") && !src.starts_with("//"),
                "{name}: src {src}"
            );
        }
        for tag in text.split('<').filter(|t| t.starts_with("link ") && t.contains("stylesheet")) {
            assert!(!tag.contains("http"), "{name}: a stylesheet from elsewhere: {tag}");
        }
        let mut links = attributes(&text, "href");
        links.extend(attributes(&text, "src"));
        for link in links {
            if link.starts_with("https://") || link.starts_with("http://") || link.starts_with("data:") {
                continue;
            }
            assert!(!link.contains("://") && !link.starts_with('/'), "{name}: {link} is not relative");
            let link = link.split('?').next().unwrap().to_string();
            let (file, anchor) = link.split_once('#').map_or((link.as_str(), None), |(f, a)| (f, Some(a)));
            let target = if file.is_empty() { page.clone() } else { page.parent().unwrap().join(file) };
            assert!(target.is_file(), "{name}: {link} does not resolve");
            if let Some(anchor) = anchor {
                let target_text = std::fs::read_to_string(&target).unwrap();
                assert!(target_text.contains(&format!(" id=\"{anchor}\"")), "{name}: #{anchor} is not in {file}");
            }
        }
        // The monthly reports published with the site are the report's own pages (docs/OUTPUT.md).
        if name.ends_with(".html") && !name.starts_with("reports/") {
            assert!(
                text.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'"),
                "{name}: no security policy"
            );
            assert!(text.contains("<title>") && !text.contains("<title></title>"), "{name}: no title");
            assert!(
                attributes(&text, "content").len() > 3 && text.contains("<meta name=\"description\" content=\""),
                "{name}"
            );
            assert_eq!(text.matches("<h1").count(), 1, "{name}: one h1");
            assert!(
                !text.contains(" style=\"") && !text.contains("<style"),
                "{name}: inline style, which the policy blocks"
            );
            for script in text.split("<script").skip(1) {
                assert!(script.starts_with(" src=\"") && script.contains("site.js\""), "{name}: <script{script}");
            }
        }
    }
}

#[test]
fn the_site_of_the_shipped_data_is_complete_and_byte_identical() {
    let (_a, site) = site_of(&root().join("data"), "2026-11-30");
    let (_b, again) = site_of(&root().join("data"), "2026-11-30");
    assert_eq!(snapshot(&site), snapshot(&again), "the same ledgers give the same bytes");
    let files = snapshot(&site);
    for f in [
        "index.html",
        "payments.html",
        "requests.html",
        "steps.html",
        "sources.html",
        "changes.html",
        "feed.xml",
        "data.html",
        "method.html",
        "site.css",
        "site.js",
        "partners/RS.html",
        "data/payments.csv",
        "data/datapackage.json",
        "data/summary.json",
        "data/export/requests.parquet",
        ".growthplan-output",
    ] {
        assert!(files.contains_key(f), "{f} missing: {:?}", files.keys().collect::<Vec<_>>());
    }
    assert_site_holds(&site);
    let read = |f: &str| std::fs::read_to_string(site.join(f)).unwrap();
    // The same figures as status, and the downloads are the exports and the ledgers themselves.
    let (_, status, _) = growthplan(&root(), &["status", "--as-of", "2026-11-30", "--format", "json"]);
    assert_eq!(read("data/summary.json"), status);
    assert_eq!(read("data/payments.csv"), std::fs::read_to_string(root().join("data/payments.csv")).unwrap());
    // The exported tables are `export`'s, byte for byte (`changes` there since a date, here since the start).
    let exported = tempfile::tempdir().unwrap();
    for format in ["csv", "json"] {
        let out = exported.path().join(format);
        let (code, _, err) = growthplan(
            &root(),
            &[
                "export",
                "--as-of",
                "2026-11-30",
                "--since",
                "2023-12-31",
                "--format",
                format,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{err}");
        for t in ["partners", "requests", "timeline", "changes"] {
            let name = format!("{t}.{format}");
            assert_eq!(
                read(&format!("data/export/{name}")),
                std::fs::read_to_string(out.join(&name)).unwrap(),
                "{name}"
            );
        }
    }
    let data_page = read("data.html");
    let payments_hash = format!("{:x}", sha2::Sha256::digest(read("data/payments.csv")));
    assert!(data_page.contains(&payments_hash), "the data page gives each file's SHA-256");
    // No step is known: the steps page says so plainly; the home page's figures say what is a bound.
    assert!(read("steps.html").contains("No source publishes the partners' reform steps"));
    let home = read("index.html");
    assert!(home.contains("at least EUR") && home.contains("Published, not itemised"), "knownness on the home page");
    assert!(home.contains("latest recorded event is dated <strong>2026-07-02</strong>"));
    // The large figures are status's, as the report shows them.
    let summary: serde_json::Value = serde_json::from_str(&status).unwrap();
    for field in ["paid_eur", "envelope_eur", "committed_eur", "reported_unitemised_eur"] {
        let text = summary["facility"][field].as_str().unwrap();
        let cents = growthplan::money::parse_amount(text, None).unwrap().cents;
        let shown = growthplan::money::format_millions(cents as i128);
        assert!(home.contains(&format!("<dd class=\"value\">{shown}</dd>")), "{field} {shown}");
    }
    assert!(!home.contains("{% block") && !home.to_lowercase().contains("illustrative"));
    // Every release and request is listed, with its source linked.
    let l = growthplan::ledger::load(&root().join("data"), Default::default()).unwrap().ledger.unwrap();
    let payments = read("payments.html");
    assert_eq!(payments.matches("<tr><td").count(), l.release_count(), "one row per release");
    assert_eq!(read("requests.html").matches("<tr><td").count(), l.requests.len(), "one row per request");
    assert!(payments.contains("rel=\"noopener noreferrer\""));
    // The method page is docs/OUTPUT.md's definitions.
    assert!(read("method.html").contains("<h3 id=\"the-request-cycle\">"));
    // The feed is well-formed Atom, dated by the ledgers.
    let feed = read("feed.xml");
    let doc = roxmltree::Document::parse(&feed).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "feed");
    assert!(doc.descendants().filter(|n| n.has_tag_name("entry")).count() >= 10);
}

#[test]
fn the_site_of_the_step_level_example_pages_its_steps() {
    let (_t, site) = site_of(&illustrative(), "2026-02-28");
    assert_site_holds(&site);
    let steps = std::fs::read_to_string(site.join("steps.html")).unwrap();
    assert!(steps.contains("class=\"sortable\"") && steps.contains("data-key=\"status\""), "a step table to filter");
    let partner = decode(&std::fs::read_to_string(site.join("partners/RS.html")).unwrap());
    assert!(
        partner.contains("charts/partner-RS.svg") && partner.contains("steps by policy area"),
        "its chart and table"
    );
}

/// Every text column of every ledger holds markup, an attribute breaker, a CDATA end and control
/// characters: every page shows them as text, and the feed stays well-formed XML.
#[test]
fn hostile_ledger_text_is_inert_on_every_page_and_in_the_feed() {
    const HOSTILE: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(1)> ]]> \u{1b}[31mred \u{7}bell";
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    poison_with(&data, HOSTILE);
    let (code, out, err) = growthplan(tmp.path(), &["site", "--as-of", "2025-12-31"]);
    assert_eq!(code, 0, "{out}{err}");
    let site = tmp.path().join("site");
    assert_site_holds(&site);
    let mut shown = 0;
    for page in pages(&site) {
        let text = std::fs::read_to_string(&page).unwrap();
        let name = page.display().to_string();
        assert!(!text.contains("<script>alert") && !text.contains("<img src=x"), "{name}: raw markup");
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{name}: a control character");
        assert!(!text.contains("\"><img"), "{name}: an attribute was broken out of");
        if text.contains("&lt;script&gt;alert(1)") {
            shown += 1;
            assert!(text.contains("\\u{1b}[31mred"), "{name}: the control character is shown, inert");
        }
    }
    assert!(shown >= 5, "the hostile text is shown, escaped, on the pages ({shown})");
    let feed = std::fs::read_to_string(site.join("feed.xml")).unwrap();
    let doc = roxmltree::Document::parse(&feed).unwrap_or_else(|e| panic!("feed.xml is not well-formed: {e}"));
    let content: String = doc.descendants().filter(|n| n.has_tag_name("content")).filter_map(|n| n.text()).collect();
    assert!(
        content.contains("<script>alert(1)</script>") && content.contains("]]>"),
        "the feed carries the text as text"
    );
    // The partner pages are named by code, never by ledger text.
    for f in snapshot(&site).into_keys().filter(|f| f.starts_with("partners/")) {
        assert!(f[9..].chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "{f}");
    }
    // The JSON downloads are valid JSON; the CSV exports neutralise nothing that is not a formula.
    for f in snapshot(&site).into_keys().filter(|f| f.ends_with(".json")) {
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(site.join(&f)).unwrap()).unwrap();
    }
}

#[test]
fn a_folder_growthplan_did_not_make_is_refused_and_a_failed_build_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&root().join("tests/cases/base"), &tmp.path().join("data"));
    let theirs = tmp.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::write(theirs.join("thesis.md"), "kept").unwrap();
    let (code, _, err) = growthplan(tmp.path(), &["site", "--as-of", "2025-12-31", "--out", "theirs"]);
    assert_ne!(code, 0);
    assert!(err.contains("did not write") && err.contains("thesis.md"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&theirs).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["thesis.md"]);

    // A site, then builds that fail: a ledger with an error under --strict, a ledger that cannot be read.
    let (code, _, err) = growthplan(tmp.path(), &["site", "--as-of", "2025-12-31"]);
    assert_eq!(code, 0, "{err}");
    let before = snapshot(&tmp.path().join("site"));
    let broken = case_folder("C011");
    copy_tree(&tmp.path().join("site"), &broken.path().join("site"));
    let (code, _, err) = growthplan(broken.path(), &["site", "--as-of", "2025-08-31", "--strict"]);
    assert_eq!(code, 1);
    assert!(err.contains("error[C011]") && err.contains("--strict"), "{err}");
    assert_eq!(snapshot(&broken.path().join("site")), before, "--strict leaves the old site");
    let hidden = |dir: &std::path::Path| -> Vec<_> {
        let names = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned());
        names.filter(|n| n.starts_with('.')).collect()
    };
    assert_eq!(hidden(broken.path()), Vec::<String>::new(), "--strict leaves no folder it staged");
    // Without --strict the site is built, and every page says that check finds errors.
    let (code, out, err) = growthplan(broken.path(), &["site", "--as-of", "2025-08-31"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("check finds 1 errors"), "{out}");
    let home = std::fs::read_to_string(broken.path().join("site/payments.html")).unwrap();
    assert!(home.contains("class=\"banner\"") && home.contains("finds 1 error in the ledgers"), "a banner");
    let site = broken.path().join("site");
    let built = snapshot(&site);
    std::fs::write(broken.path().join("data/payments.csv"), [0xff, 0xfe, 0x00]).unwrap();
    let (code, _, _) = growthplan(broken.path(), &["site", "--as-of", "2025-08-31"]);
    assert_ne!(code, 0);
    assert_eq!(snapshot(&site), built, "a build that fails leaves the old site");
    assert_eq!(hidden(broken.path()), Vec::<String>::new(), "no temporary folder left");
}

/// A new data folder (`init`: ledgers with their headers only) gives a site whose pages say there is
/// nothing yet, with every link resolving.
#[test]
fn an_empty_data_folder_gives_a_complete_site() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = growthplan(tmp.path(), &["init", "data"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = growthplan(tmp.path(), &["site", "--as-of", "2026-01-01"]);
    assert_eq!(code, 0, "{out}{err}");
    let site = tmp.path().join("site");
    assert_site_holds(&site);
    let home = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(home.contains("Nothing is recorded in the last month"), "{home}");
    roxmltree::Document::parse(&std::fs::read_to_string(site.join("feed.xml")).unwrap()).unwrap();
}

/// With `--reports`, the months' reports are published with the site and the changes page links each.
#[test]
fn the_monthly_reports_are_published_and_linked() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&illustrative(), &tmp.path().join("data"));
    for month in ["2026-01", "2026-02"] {
        let (code, _, err) = growthplan(tmp.path(), &["report", "--month", month]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, err) = growthplan(tmp.path(), &["site", "--as-of", "2026-02-28", "--reports", "reports"]);
    assert_eq!(code, 0, "{out}{err}");
    let site = tmp.path().join("site");
    assert_site_holds(&site);
    let changes = decode(&std::fs::read_to_string(site.join("changes.html")).unwrap());
    for month in ["2026-01", "2026-02"] {
        assert!(changes.contains(&format!("href=\"reports/{month}/report.html\"")), "{month}");
        assert_eq!(
            std::fs::read(site.join(format!("reports/{month}/report.html"))).unwrap(),
            std::fs::read(tmp.path().join(format!("reports/{month}/report.html"))).unwrap()
        );
    }
}

/// `--base-url` makes the preview images and the feed's ids absolute, and no link; an address that is not
/// a plain web address is refused before anything is read.
#[test]
fn the_base_address_is_for_previews_and_the_feed_only() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&root().join("tests/cases/base"), &tmp.path().join("data"));
    let (code, _, err) =
        growthplan(tmp.path(), &["site", "--as-of", "2025-12-31", "--base-url", "javascript:alert(1)"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--base-url") && !tmp.path().join("site").exists(), "{err}");
    let (code, _, err) =
        growthplan(tmp.path(), &["site", "--as-of", "2025-12-31", "--base-url", "https://example.org/tracker"]);
    assert_eq!(code, 0, "{err}");
    let site = tmp.path().join("site");
    assert_site_holds(&site);
    let partner = decode(&std::fs::read_to_string(site.join("partners/AA.html")).unwrap());
    assert!(partner.contains("<meta property=\"og:image\" content=\"https://example.org/tracker/charts/"), "{partner}");
    assert!(partner.contains("<meta property=\"og:url\" content=\"https://example.org/tracker/partners/AA.html\">"));
    let feed = std::fs::read_to_string(site.join("feed.xml")).unwrap();
    let doc = roxmltree::Document::parse(&feed).unwrap();
    let id = doc.descendants().find(|n| n.has_tag_name("id")).and_then(|n| n.text()).unwrap();
    assert_eq!(id, "https://example.org/tracker/feed.xml");
}

/// `site` killed (SIGKILL) at many points of a run leaves the previous or the new site, whole.
#[test]
fn site_killed_anywhere_leaves_the_previous_or_the_new_site() {
    use crate::crash::{duration_of, kill_loop, snapshot};
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("data"), &data);
    let args = ["site", "--as-of", "2026-11-30"];
    let (code, _, err) = growthplan(tmp.path(), &args);
    assert_eq!(code, 0, "{err}");
    let site = tmp.path().join("site");
    let saved = tmp.path().join("saved");
    copy_tree(&site, &saved);
    let previous = snapshot(&site);
    // Another byte in a ledger (a blank line: same figures) changes the downloads and their hashes.
    let partners = data.join("partners.csv");
    let mut text = std::fs::read(&partners).unwrap();
    text.extend_from_slice(b"\n");
    std::fs::write(&partners, &text).unwrap();
    let reset = || {
        std::fs::remove_dir_all(&site).unwrap();
        copy_tree(&saved, &site);
    };
    let full = duration_of(tmp.path(), &args, reset);
    let next = snapshot(&site);
    assert_ne!(previous, next);
    kill_loop(tmp.path(), &args, full, reset, |k| {
        let now = snapshot(&site);
        assert!(now == previous || now == next, "after a kill at {k} the site is neither the previous nor the new one");
        now == next
    });
    // The next run removes the folders the killed runs were building.
    let (code, _, err) = growthplan(tmp.path(), &args);
    assert_eq!(code, 0, "{err}");
    let siblings: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(siblings.iter().all(|n| !n.to_string_lossy().starts_with(".site.")), "left behind: {siblings:?}");
}

/// The outlook on the site is the outlook of `status --outlook`: the home page's calendar names Serbia's
/// withheld remainder, every projection is labelled as one, and a partner's page holds its own projections.
#[test]
fn the_outlook_is_on_the_home_and_partner_pages_labelled_as_projections() {
    let (_tmp, site) = site_of(&root().join("data"), "2026-11-30");
    let home = std::fs::read_to_string(site.join("index.html")).unwrap();
    let outlook = &home[home.find("id=\"outlook-heading\"").expect("the outlook on the home page")..];
    let outlook = &outlook[..outlook.find("</section>").unwrap()];
    assert!(outlook.contains("RS-Q1") && outlook.contains("EUR 50.9m"), "{outlook}");
    assert!(outlook.contains("Projections, not records") && outlook.contains("charts&#x2f;outlook.svg"));
    for caption in [
        "The facility&#x27;s projections to 2028-06-30 (projections, not records)",
        "Each partner at 2028-06-30 (projections, not records)",
    ] {
        assert!(outlook.contains(caption), "{caption}");
    }
    let rs = std::fs::read_to_string(site.join("partners/RS.html")).unwrap();
    assert!(rs.contains("RS&#x27;s projections to 2028-06-30 (projections, not records)"));
    // Its first window on plan, as `status --outlook` computes it (tests/it/outlook.rs follows the sums).
    assert!(rs.contains("EUR 302.8m"));
    // The method page defines the outlook's figures too.
    let method = std::fs::read_to_string(site.join("method.html")).unwrap();
    assert!(method.contains("at the observed pace") && method.contains("paid, expired, remaining"));
    let ba = std::fs::read_to_string(site.join("partners/BA.html")).unwrap();
    assert!(ba.contains("do not record its Facility and Loan Agreements in force"));
}
