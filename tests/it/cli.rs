//! The command line on the shipped data: exit codes, formats, dialects, and the documents that must
//! stay in step with the code (datapackage.json, docs/DATA.md, docs/CHECKS.md).

use std::collections::BTreeMap;

use growthplan::diag::Code;
use growthplan::ledger::schema::{ColumnType, LedgerFile};
use growthplan::ledger::{load, Ledger, LoadOptions};

use crate::{case_folder, copy_tree, growthplan, root};

fn shipped() -> Ledger {
    let loaded = load(&root().join("data"), LoadOptions::default()).unwrap();
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    loaded.ledger.unwrap()
}

#[test]
fn the_shipped_data_passes_check() {
    let (code, out, err) = growthplan(&root(), &["check", "--as-of", "2026-11-28"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "check data as of 2026-11-28: clean\n");
}

#[test]
fn the_shipped_data_passes_check_on_every_month_end() {
    // Before the data's last event, C016 (dated after as-of) applies; from then on it must be clean.
    let l = shipped();
    let last = l.latest_date().unwrap();
    for as_of in ["2026-07-31", "2026-11-30", "2027-06-30"] {
        let d = growthplan::date::parse_date(as_of, false).unwrap();
        assert!(d >= last);
        let (_, diags) = growthplan::check::run(&l, d);
        assert!(diags.is_empty(), "{as_of}: {diags:#?}");
    }
}

#[test]
fn exit_code_two_when_the_folder_cannot_be_read() {
    let (code, out, err) = growthplan(&root(), &["check", "--data", "no/such/folder"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("data folder `no/such/folder` does not exist"), "{err}");
    let (code, _, err) = growthplan(&root(), &["check", "--as-of", "06/21/2026"]);
    assert_eq!(code, 2);
    assert!(err.contains("--as-of"), "{err}");
}

#[test]
fn json_and_github_formats() {
    let tmp = case_folder("C019");
    let (code, out, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28", "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "C019");
    assert_eq!(d["file"], "data/control_totals.csv");
    assert_eq!(d["line"], 3);
    let ct = v["control_totals"].as_array().unwrap();
    assert_eq!(ct[1]["expected_eur"], "51000000.00");
    assert_eq!(ct[1]["computed_eur"], "50000000.00");
    assert_eq!(ct[1]["ok"], false);
    let (code, out, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28", "--format", "github"]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("::error file=data/control_totals.csv,line=3,col=28,title=C019 control total does not match::"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1);
}

#[test]
fn warnings_pass_unless_denied() {
    let tmp = case_folder("C018");
    let (code, out, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[C018]"));
    let (code, _, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28", "--deny-warnings"]);
    assert_eq!(code, 1);
}

/// Rewrites a canonical ledger the way a spreadsheet in a European locale saves it: BOM, CRLF, `;`,
/// decimal commas with `.` thousands, DD.MM.YYYY dates, and the columns in reverse order.
fn europeanise(file: LedgerFile, text: &str) -> Vec<u8> {
    let spec = file.spec().unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let mut w = csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(header.iter().rev()).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        let mut out: Vec<String> = Vec::new();
        for (name, value) in header.iter().zip(rec.iter()) {
            let ty = spec.columns.iter().find(|c| c.name == name).map(|c| c.ty);
            out.push(match ty {
                Some(ColumnType::Money) if !value.is_empty() => {
                    let (int, frac) = value.split_once('.').unwrap();
                    let (sign, digits) = int.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", int));
                    let mut grouped = String::new();
                    for (i, c) in digits.chars().enumerate() {
                        if i > 0 && (digits.len() - i) % 3 == 0 {
                            grouped.push('.');
                        }
                        grouped.push(c);
                    }
                    format!("{sign}{grouped},{frac}")
                }
                Some(ColumnType::Date) if !value.is_empty() => {
                    let p: Vec<&str> = value.split('-').collect();
                    format!("{}.{}.{}", p[2], p[1], p[0])
                }
                _ => value.to_string(),
            });
        }
        w.write_record(out.iter().rev()).unwrap();
    }
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(w.into_inner().unwrap());
    bytes
}

/// The shipped data folder, every ledger saved the European spreadsheet way.
fn european_copy(data: &std::path::Path) {
    copy_tree(&root().join("data"), data);
    for f in LedgerFile::TABLES {
        let text = std::fs::read_to_string(root().join("data").join(f.file_name())).unwrap();
        std::fs::write(data.join(f.file_name()), europeanise(f, &text)).unwrap();
    }
}

/// Every figure of a ledger, without positions.
fn fingerprint(l: &Ledger) -> BTreeMap<&'static str, Vec<String>> {
    let mut m = BTreeMap::new();
    m.insert(
        "partners",
        l.partners
            .iter()
            .map(|r| {
                format!(
                    "{} {} {:?} {:?} {:?}",
                    r.code, r.name, r.agenda_approved, r.facility_agreement_in_force, r.loan_agreement_in_force
                )
            })
            .collect(),
    );
    m.insert(
        "allocations",
        l.allocations
            .iter()
            .map(|r| {
                format!(
                    "{} {} {:?} {} {:?} {:?}",
                    r.date,
                    l.partner_code(r.partner),
                    r.instrument,
                    r.amount,
                    r.kind,
                    [l.text(r.source), l.text(r.note)]
                )
            })
            .collect(),
    );
    m.insert(
        "commitments",
        l.commitments
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {:?} {:?} {}",
                    r.id,
                    r.date,
                    l.partner_code(r.partner),
                    r.channel,
                    r.instrument,
                    r.amount
                )
            })
            .collect(),
    );
    m.insert(
        "steps",
        l.steps
            .iter()
            .map(|r| format!("{} {} {} {} {:?} {}", r.id, l.partner_code(r.partner), r.area, r.due, r.kind, r.amount))
            .collect(),
    );
    m.insert(
        "events",
        l.step_events
            .iter()
            .map(|r| format!("{} {} {:?} {:?}", r.date, l.step_id(r.step), r.status, r.amount))
            .collect(),
    );
    m.insert(
        "payments",
        l.payments
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {:?} {:?} {:?} {} {:?} {}",
                    r.id,
                    r.date,
                    l.partner_code(r.partner),
                    r.kind,
                    r.channel,
                    r.instrument,
                    r.amount,
                    l.payment_step_ids(r).collect::<Vec<_>>(),
                    l.text(r.request)
                )
            })
            .collect(),
    );
    m.insert(
        "requests",
        l.requests
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {} {:?} {:?}",
                    l.text(r.id),
                    r.date,
                    l.partner_code(r.partner),
                    r.period_end,
                    r.steps_claimed,
                    r.amount_requested
                )
            })
            .collect(),
    );
    m.insert(
        "assessments",
        l.assessments
            .iter()
            .map(|r| {
                format!(
                    "{} {} {:?} {:?} {:?} {:?}",
                    r.date,
                    l.text(r.request),
                    r.steps_met,
                    r.steps_partly,
                    r.steps_not_met,
                    r.amount_approved
                )
            })
            .collect(),
    );
    m.insert(
        "conditions",
        l.conditions
            .iter()
            .map(|r| format!("{} {} {:?} {:?}", r.date, l.partner_code(r.partner), r.layer, r.status))
            .collect(),
    );
    m.insert(
        "control",
        l.control_totals
            .iter()
            .map(|r| {
                format!(
                    "{} {:?} {:?} {} {} {:?}",
                    r.date,
                    r.partner.map(|p| l.partner_code(p)),
                    r.measure,
                    r.amount,
                    r.tolerance,
                    r.itemised
                )
            })
            .collect(),
    );
    m
}

#[test]
fn a_european_spreadsheet_export_loads_to_the_same_cents() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    european_copy(&data);
    let sample = std::fs::read_to_string(data.join("payments.csv")).unwrap();
    assert!(sample.contains(";26.300.000,00"), "{}", &sample[..300]);
    let requests = std::fs::read_to_string(data.join("requests.csv")).unwrap();
    assert!(requests.contains(";17.100.000,00;") && requests.contains(";14.03.2025;"), "{requests}");
    let loaded = load(&data, LoadOptions::default()).unwrap();
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(fingerprint(&loaded.ledger.unwrap()), fingerprint(&shipped()));
    let (code, out, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn datapackage_json_is_generated_from_the_schema() {
    let (code, out, _) = growthplan(&root(), &["schema"]);
    assert_eq!(code, 0);
    let shipped = std::fs::read_to_string(root().join("data/datapackage.json")).unwrap();
    assert!(out == shipped, "data/datapackage.json is out of date: run `cargo run -- schema > data/datapackage.json`");
    let v: serde_json::Value = serde_json::from_str(&shipped).unwrap();
    let resources = v["resources"].as_array().unwrap();
    assert_eq!(resources.len(), LedgerFile::TABLES.len());
    for (r, f) in resources.iter().zip(LedgerFile::TABLES) {
        assert_eq!(r["path"], f.file_name());
        // The shipped file's header has exactly the fields the package declares, in order.
        let header = std::fs::read_to_string(root().join("data").join(f.file_name())).unwrap();
        let declared: Vec<&str> =
            r["schema"]["fields"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
        assert_eq!(header.lines().next().unwrap(), declared.join(","), "{}", f.file_name());
    }
}

#[test]
fn the_docs_name_every_code_and_column() {
    let data_md = std::fs::read_to_string(root().join("docs/DATA.md")).unwrap();
    let checks_md = std::fs::read_to_string(root().join("docs/CHECKS.md")).unwrap();
    for code in Code::ALL {
        let doc = if code.id().starts_with('C') { &checks_md } else { &data_md };
        assert!(doc.contains(&format!("`{}`", code.id())), "{} is not documented", code.id());
    }
    for f in LedgerFile::TABLES {
        for c in f.spec().unwrap().columns {
            assert!(
                data_md.contains(&format!("`{}`", c.name)),
                "column {} of {} is not in docs/DATA.md",
                c.name,
                f.file_name()
            );
        }
    }
}

#[test]
fn the_readme_example_is_real_output() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let expected = std::fs::read_to_string(root().join("tests/cases/codes/V003/expected.txt")).unwrap();
    let block: Vec<&str> = expected.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    assert!(readme.contains(&block.join("\n")), "README.md's example differs from tests/cases/codes/V003/expected.txt");
    assert!(readme.contains("cargo run --release -- check") && readme.contains("cargo test"));
}

#[test]
fn init_creates_a_folder_that_passes_check_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, err) = growthplan(tmp.path(), &["init", "new-data"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("created new-data (14 files)"), "{out}");
    let (code, out, _) = growthplan(tmp.path(), &["check", "--data", "new-data", "--as-of", "2026-11-28"]);
    assert_eq!((code, out.as_str()), (0, "check new-data as of 2026-11-28: clean\n"));
    std::fs::write(tmp.path().join("new-data/partners.csv"), "kept").unwrap();
    let (code, _, err) = growthplan(tmp.path(), &["init", "new-data"]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists and is not empty"), "{err}");
    assert_eq!(std::fs::read_to_string(tmp.path().join("new-data/partners.csv")).unwrap(), "kept");
}

#[test]
fn completions_and_man_page() {
    let (code, out, _) = growthplan(&root(), &["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(out.contains("_growthplan()") && out.contains("report"), "{}", &out[..200.min(out.len())]);
    let (code, out, _) = growthplan(&root(), &["man"]);
    assert_eq!(code, 0);
    assert!(out.starts_with(".ie") || out.contains(".TH growthplan"), "{}", &out[..200.min(out.len())]);
    // Every command's help has an example.
    for cmd in [
        "check",
        "status",
        "export",
        "charts",
        "report",
        "record",
        "import",
        "fmt",
        "init",
        "schema",
        "completions",
        "man",
    ] {
        let (code, out, _) = growthplan(&root(), &[cmd, "--help"]);
        assert_eq!(code, 0, "{cmd}");
        assert!(out.contains("Example: growthplan"), "{cmd} --help has no example");
    }
}

#[test]
fn the_shipped_ledgers_are_canonical() {
    let (code, out, err) = growthplan(&root(), &["fmt", "--check"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
}

#[test]
fn fmt_turns_a_european_export_back_into_the_shipped_files_without_changing_a_cent() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    european_copy(&data);
    let (code, _, _) = growthplan(tmp.path(), &["fmt", "--check"]);
    assert_eq!(code, 1, "a European export is not canonical");
    let (code, out, err) = growthplan(tmp.path(), &["fmt"]);
    assert_eq!(code, 0, "{err}");
    // A line per file rewritten, and one saying that no value changed.
    assert_eq!(out.lines().count(), LedgerFile::TABLES.len() + 1, "{out}");
    assert!(out.ends_with("read back, they hold the same rows and values: no amount changed\n"), "{out}");
    for f in LedgerFile::TABLES {
        let got = std::fs::read(data.join(f.file_name())).unwrap();
        assert!(got == std::fs::read(root().join("data").join(f.file_name())).unwrap(), "{}", f.file_name());
    }
    let (code, _, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28"]);
    assert_eq!(code, 0);
}

#[test]
fn fmt_refuses_ledgers_with_errors_and_touches_nothing() {
    let tmp = case_folder("V004");
    let data = tmp.path().join("data");
    let before = std::fs::read(data.join("control_totals.csv")).unwrap();
    let (code, out, err) = growthplan(tmp.path(), &["fmt"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("error[V004]") && err.contains("not formatted"), "{err}");
    assert_eq!(std::fs::read(data.join("control_totals.csv")).unwrap(), before);
}

#[cfg(feature = "pipeline")]
#[test]
fn every_command_in_the_staff_guide_runs_as_written() {
    let guide = std::fs::read_to_string(root().join("docs/STAFF.md")).unwrap();
    let shipped = |dir: &std::path::Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
            .collect();
        files.sort();
        files
    };
    let data_before = shipped(&root().join("data"));
    // An empty folder, and the built binary on the PATH as `growthplan`: the guide's commands run as
    // written, through the shell (`sh -c`), with `cd` followed.
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_growthplan"), bin.join("growthplan")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut cwd = tmp.path().join("work");
    std::fs::create_dir(&cwd).unwrap();
    let mut in_sh = false;
    let mut ran = 0;
    for line in guide.lines() {
        match line.trim() {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            l if in_sh && l.starts_with("cd ") => {
                cwd = cwd.join(l.trim_start_matches("cd ").trim());
                assert!(cwd.is_dir(), "`{l}`: no such folder");
            }
            l if in_sh => {
                assert!(l.starts_with("growthplan "), "a command the test cannot run as written: `{l}`");
                let expected = l.split_once("# exits ").map_or(0, |(_, code)| code.trim().parse::<i32>().unwrap());
                let out = std::process::Command::new("sh")
                    .arg("-c")
                    .arg(l)
                    .current_dir(&cwd)
                    .env("PATH", &path)
                    .env("GROWTHPLAN_TODAY", "2026-12-05")
                    .env_remove("NO_COLOR")
                    .output()
                    .unwrap();
                let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
                assert_eq!(out.status.code(), Some(expected), "`{l}`\n{stdout}{stderr}");
                ran += 1;
            }
            _ => {}
        }
    }
    assert!(ran >= 10, "only {ran} commands found in docs/STAFF.md");
    // After the guide, the practice ledgers still pass and the report of its month exists; data/ is as it was.
    let practice = tmp.path().join("work/practice");
    let (code, out, _) = growthplan(&practice, &["check", "--as-of", "2026-11-28"]);
    assert_eq!(code, 0, "{out}");
    assert!(practice.join("reports/2026-03/report.html").is_file());
    assert!(shipped(&root().join("data")) == data_before, "the guide changed data/");
}

#[test]
fn synth_writes_deterministic_ledgers_that_pass_check() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, partners, steps, payments, seed) in [
        ("a", "3", "50", "120", "7"),
        ("b", "1", "10", "4", "1"),
        ("c", "6", "600", "300", "2"),
        ("d", "2", "20", "200", "3"),
    ] {
        let (code, _, err) = growthplan(
            tmp.path(),
            &["synth", "--out", name, "--partners", partners, "--steps", steps, "--payments", payments, "--seed", seed],
        );
        assert_eq!(code, 0, "{err}");
        let (code, out, _) =
            growthplan(tmp.path(), &["check", "--data", name, "--as-of", "2027-12-31", "--deny-warnings"]);
        assert_eq!(code, 0, "{name}: {out}");
        let l = load(&tmp.path().join(name), LoadOptions::default()).unwrap().ledger.unwrap();
        assert_eq!(l.payments.len(), payments.parse::<usize>().unwrap());
        assert_eq!(l.steps.len(), steps.parse::<usize>().unwrap());
        assert_eq!(l.partners.len(), partners.parse::<usize>().unwrap());
    }
    growthplan(
        tmp.path(),
        &["synth", "--out", "a2", "--partners", "3", "--steps", "50", "--payments", "120", "--seed", "7"],
    );
    for f in LedgerFile::ALL {
        let a = std::fs::read(tmp.path().join("a").join(f.file_name())).unwrap();
        assert!(a == std::fs::read(tmp.path().join("a2").join(f.file_name())).unwrap(), "{}", f.file_name());
    }
    let (code, _, err) =
        growthplan(tmp.path(), &["synth", "--out", "x", "--partners", "1", "--steps", "3", "--payments", "100"]);
    assert_eq!(code, 2);
    assert!(err.contains("need at least 4 steps"), "{err}");
}

/// Every file under `dir` with its bytes (an unchanged folder compares equal).
#[cfg(feature = "pipeline")]
fn files_under(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().map(Result::unwrap) {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

/// The commands that write folders, with `out` as their folder (a report goes to `out/2026-02`).
#[cfg(feature = "pipeline")]
fn writers(out: &str) -> [Vec<&str>; 4] {
    [
        vec!["report", "--month", "2026-02", "--out", out],
        vec!["charts", "--as-of", "2026-02-28", "--out", out, "--format", "svg"],
        vec!["export", "--as-of", "2026-02-28", "--out", out],
        vec!["synth", "--out", out],
    ]
}

#[cfg(feature = "pipeline")]
#[test]
fn output_goes_where_the_user_says_and_is_marked_as_growthplan_s() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    copy_tree(&root().join("data"), &work.join("data"));
    let marker = growthplan::write::MARKER;
    for (i, args) in writers("").into_iter().enumerate() {
        // Outside the working folder, by an absolute path and by `..`, into a new and an empty folder.
        let new = tmp.path().join(format!("new-{i}"));
        std::fs::create_dir(tmp.path().join(format!("empty-{i}"))).unwrap();
        let (new_arg, empty_arg) = (new.to_str().unwrap().to_string(), format!("../empty-{i}"));
        for out in [new_arg.as_str(), empty_arg.as_str()] {
            let args: Vec<&str> = args.iter().map(|a| if a.is_empty() { out } else { a }).collect();
            let (code, _, err) = growthplan(&work, &args);
            assert_eq!(code, 0, "{args:?}: {err}");
            let dir = work.join(out);
            assert!(dir.join(marker).is_file(), "{args:?}: no marker");
            if args[0] == "report" {
                assert!(dir.join("2026-02/report.html").is_file() && dir.join("2026-02").join(marker).is_file());
            }
            // A second run writes over what the first wrote.
            let (code, _, err) = growthplan(&work, &args);
            assert_eq!(code, 0, "{args:?} again: {err}");
        }
    }
    // The flag that used to be needed is still accepted, for scripts that pass it.
    let elsewhere = tmp.path().join("elsewhere");
    let args = ["charts", "--as-of", "2026-02-28", "--out", elsewhere.to_str().unwrap(), "--allow-outside"];
    let (code, _, err) = growthplan(&work, &args);
    assert_eq!(code, 0, "{err}");
    // init's folder may be anywhere too, and holds no marker: a data folder is never replaced.
    let data = tmp.path().join("new-data");
    let (code, _, err) = growthplan(&work, &["init", data.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(data.join("facility.toml").is_file() && !data.join(marker).exists());
}

#[cfg(feature = "pipeline")]
#[test]
fn growthplan_never_writes_over_a_folder_it_did_not_make() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    copy_tree(&root().join("data"), &work.join("data"));
    let (code, _, err) = growthplan(&work, &["init", "fresh-data"]);
    assert_eq!(code, 0, "{err}");
    let mine = tmp.path().join("mine");
    std::fs::create_dir_all(mine.join("2026-02")).unwrap();
    std::fs::write(mine.join("thesis.md"), "years of work").unwrap();
    std::fs::write(mine.join("2026-02/notes.md"), "mine too").unwrap();
    let report_month = work.join("reports/2026-02");
    std::fs::create_dir_all(&report_month).unwrap();
    std::fs::write(work.join("reports").join(growthplan::write::MARKER), "").unwrap();
    std::fs::write(report_month.join("notes.md"), "not growthplan's").unwrap();
    // Someone's folder (absolute, or by `..`), a data folder (init's, and the one `record` locks), and a
    // month folder of a marked reports folder that growthplan did not make.
    for out in [mine.to_str().unwrap(), "../mine", "fresh-data", "data"] {
        for args in writers(out) {
            check_refused(&work, &args, &work.join(out));
        }
    }
    check_refused(&work, &["report", "--month", "2026-02"], &report_month);
    let (code, _, err) = growthplan(&work, &["synth", "--out", "data/facility.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("exists and is not a folder"), "{err}");
    // Marked as the message says, the folder is growthplan's to replace.
    std::fs::write(report_month.join(growthplan::write::MARKER), "").unwrap();
    let (code, _, err) = growthplan(&work, &["report", "--month", "2026-02"]);
    assert_eq!(code, 0, "{err}");
    assert!(!report_month.join("notes.md").exists());
}

/// `args` exits 2 with a message that says why and what to do, and leaves `dir` as it was.
#[cfg(feature = "pipeline")]
fn check_refused(work: &std::path::Path, args: &[&str], dir: &std::path::Path) {
    let before = files_under(dir);
    let (code, out, err) = growthplan(work, args);
    assert_eq!((code, out.as_str()), (2, ""), "{args:?}: {err}");
    for words in ["did not write", growthplan::write::MARKER, "nothing was written", "new or empty folder", "touch "] {
        assert!(err.contains(words), "{args:?}: `{words}` missing from: {err}");
    }
    assert!(before == files_under(dir), "{args:?} changed {}", dir.display());
}

#[test]
fn a_file_with_nul_bytes_is_refused_at_the_line_of_the_first() {
    let tmp = case_folder("L003");
    let payments = tmp.path().join("data/payments.csv");
    std::fs::copy(root().join("tests/cases/base/payments.csv"), &payments).unwrap();
    let mut bytes = std::fs::read(&payments).unwrap();
    let third_line = bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').nth(1).unwrap().0 + 1;
    bytes.insert(third_line + 6, 0);
    std::fs::write(&payments, bytes).unwrap();
    let (code, out, _) = growthplan(tmp.path(), &["check", "--data", "data", "--as-of", "2026-11-28"]);
    assert_eq!(code, 1);
    assert!(out.contains("error[L003]: the file contains NUL bytes, the first at line 3, column 7:"), "{out}");
}
