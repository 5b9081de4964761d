//! Ledger text reaches Markdown, HTML, SVG, JSON, CSV exports and the terminal. Every free-text column of
//! every ledger gets markup, a Markdown table breaker, a line break, an ANSI escape sequence and a
//! spreadsheet formula; each output must show it as inert text.

use std::path::Path;

use growthplan::ledger::schema::{ColumnType, LedgerFile};

use crate::{copy_tree, growthplan, root};

/// Starts with `=` (a formula to a spreadsheet), holds `<script>`, `</svg>`, `|`, a line break and an
/// escape sequence that would turn a terminal red.
const EVIL: &str = "=HYPERLINK(\"http://evil.example\",\"<script>alert(1)</script>\") </svg> | pipe\nsecond line \u{1b}[31mred\u{1b}[0m";

/// Rewrites every text column of every ledger in `data` to [`EVIL`].
fn poison(data: &Path) {
    poison_with(data, EVIL);
}

/// Rewrites every text column of every ledger in `data` to `evil` (the site's test reuses it).
pub fn poison_with(data: &Path, evil: &str) {
    for f in LedgerFile::TABLES {
        let spec = f.spec().unwrap();
        let path = data.join(f.file_name());
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(&path).unwrap();
        let mut rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let header = rows.remove(0);
        let text_fields: Vec<usize> = header
            .iter()
            .enumerate()
            .filter(|(_, h)| spec.columns.iter().any(|c| c.name == *h && c.ty == ColumnType::Text))
            .map(|(i, _)| i)
            .collect();
        let mut w = csv::Writer::from_path(&path).unwrap();
        w.write_record(&header).unwrap();
        for r in rows {
            let cells: Vec<&str> =
                r.iter().enumerate().map(|(i, v)| if text_fields.contains(&i) { evil } else { v }).collect();
            w.write_record(&cells).unwrap();
        }
        w.flush().unwrap();
    }
}

/// The files a command wrote into `dir` (not the writers' lock).
fn outputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let files = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path());
    files.filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.')).collect()
}

fn assert_terminal_safe(what: &str, text: &str) {
    assert!(!text.contains('\u{1b}'), "{what}: an escape sequence reaches the terminal:\n{text}");
}

fn assert_svg_inert(path: &Path) {
    let svg = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: not well-formed: {e}", path.display()));
    assert!(doc.descendants().all(|n| n.tag_name().name() != "script"), "{}", path.display());
    assert_eq!(svg.matches("</svg>").count(), 1, "{}", path.display());
}

/// Every Markdown table keeps its columns: each row has as many unescaped `|` as its header.
fn assert_markdown_tables_hold(md: &str) {
    let mut width = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            width = None;
            continue;
        }
        let pipes = line.replace("\\|", "").matches('|').count();
        match width {
            None => width = Some(pipes),
            Some(w) => assert_eq!(pipes, w, "a table row lost its columns: {line}"),
        }
    }
}

#[test]
fn hostile_text_in_every_column_is_inert_in_every_output() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    poison(&data);
    let cwd = tmp.path();

    // The loader keeps the text as it is: the JSON of `status` gives the partner's name back exactly.
    let (code, json, err) = growthplan(cwd, &["status", "--as-of", "2025-12-31", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let names: Vec<&str> = v["partners"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
    assert!(names.contains(&EVIL), "{names:?}");

    // Terminal: check (clean, and with a finding that shows a poisoned row), status table.
    let (code, out, _) = growthplan(cwd, &["check", "--as-of", "2026-11-28", "--color", "always"]);
    assert_eq!(code, 0, "{out}");
    // A finding whose row (shown in the output) carries an escape sequence near its start.
    let steps = data.join("steps.csv");
    let clean_steps = std::fs::read_to_string(&steps).unwrap();
    std::fs::write(
        &steps,
        format!(
            "{clean_steps}AA-X,AA,\"\u{1b}[31mred\u{1b}[0m |<b>x\nsecond line\",R,D,qualitative,2025-06-30,12x,s,\n"
        ),
    )
    .unwrap();
    for (format, color) in [("text", "always"), ("text", "never"), ("github", "never")] {
        let (code, out, _) = growthplan(cwd, &["check", "--as-of", "2026-11-28", "--format", format, "--color", color]);
        assert_eq!(code, 1, "{out}");
        assert!(!out.contains("\u{1b}[31mred"), "{format}: the ledger's escape sequence reaches the terminal:\n{out}");
        if format == "text" {
            assert!(out.contains("\\u{1b}[31mred"), "the row is shown, inert:\n{out}");
        }
        if color == "never" {
            assert_terminal_safe(format, &out);
        }
        if format == "github" {
            assert!(out.lines().all(|l| l.starts_with("::")), "a workflow command was split:\n{out}");
        }
    }
    let (code, out, _) = growthplan(cwd, &["check", "--as-of", "2026-11-28", "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows: Vec<&str> = v["diagnostics"].as_array().unwrap().iter().filter_map(|d| d["row"].as_str()).collect();
    assert!(rows.iter().any(|r| r.contains("\u{1b}[31mred")), "JSON carries the row exactly: {rows:?}");
    std::fs::write(&steps, clean_steps).unwrap();
    let (code, out, err) = growthplan(cwd, &["status", "--as-of", "2025-12-31"]);
    assert_eq!(code, 0, "{err}");
    assert_terminal_safe("status", &out);

    // CSV and JSON exports: formulas neutralised, the text intact otherwise.
    let (code, _, err) = growthplan(
        cwd,
        &["export", "--as-of", "2025-12-31", "--since", "2025-01-01", "--out", "out", "--format", "csv"],
    );
    assert_eq!(code, 0, "{err}");
    let mut seen = 0;
    for path in outputs(&cwd.join("out")) {
        let mut r = csv::ReaderBuilder::new().has_headers(false).from_path(&path).unwrap();
        for rec in r.records() {
            for cell in rec.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@']) || cell.parse::<f64>().is_ok(),
                    "{}: {cell}",
                    path.display()
                );
                if cell.contains("HYPERLINK") {
                    assert_eq!(cell, format!("'{EVIL}"));
                    seen += 1;
                }
            }
        }
    }
    assert!(seen > 0, "the poisoned text reaches the CSV export");
    let (code, _, err) = growthplan(
        cwd,
        &["export", "--as-of", "2025-12-31", "--since", "2025-01-01", "--out", "json", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    for path in outputs(&cwd.join("json")) {
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&path).unwrap()).unwrap();
    }

    // The report: HTML, Markdown and the charts.
    let (code, _, err) = growthplan(cwd, &["report", "--month", "2025-08"]);
    assert_eq!(code, 0, "{err}");
    let dir = cwd.join("reports/2025-08");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(!html.contains("<script>alert") && !html.contains('\u{1b}'), "raw markup or escapes in report.html");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;"), "the text is shown, escaped");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(!md.contains("<script>") && !md.contains('\u{1b}'), "raw markup or escapes in report.md");
    assert!(!md.lines().any(|l| l.starts_with("second line")), "a line break in a cell broke the Markdown");
    assert_markdown_tables_hold(&md);
    let mut svgs = 0;
    for e in std::fs::read_dir(dir.join("charts")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "svg") {
            assert_svg_inert(&path);
            svgs += 1;
        }
    }
    assert!(svgs >= 5);
    // No output path is built from ledger text: the chart files are named by partner code only.
    let (code, _, err) = growthplan(cwd, &["charts", "--as-of", "2025-12-31", "--out", "charts", "--format", "svg"]);
    assert_eq!(code, 0, "{err}");
    for path in outputs(&cwd.join("charts")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "{name}");
    }
}
