//! Integration tests: one binary (see Cargo.toml), one module per area.

mod arithmetic;
mod cases;
#[cfg(feature = "pipeline")]
mod charts;
mod cli;
mod crash;
#[cfg(feature = "pipeline")]
mod escaping;
mod fuzz;
#[cfg(feature = "pipeline")]
mod outlook;
mod props;
mod record;
#[cfg(feature = "pipeline")]
mod report;
#[cfg(feature = "pipeline")]
mod site;
#[cfg(feature = "pipeline")]
mod site_browser;
#[cfg(feature = "pipeline")]
mod status;
mod workbook;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the growthplan binary in `cwd`; returns (exit code, stdout, stderr).
pub fn growthplan(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_growthplan"))
        .current_dir(cwd)
        .args(args)
        .env_remove("NO_COLOR")
        // The day every test runs on, whatever the clock says (`report`'s default month depends on it).
        .env("GROWTHPLAN_TODAY", "2026-12-05")
        .output()
        .expect("run growthplan");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Copies a folder tree (files and sub-folders).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The step-level example data (invented, `examples/illustrative/README.md`): what the step-level
/// tests read, since `data/` holds only what sources state and no source publishes steps with amounts.
pub fn illustrative() -> PathBuf {
    root().join("examples/illustrative")
}

/// Whether golden files should be rewritten instead of compared.
pub fn bless() -> bool {
    std::env::var_os("GROWTHPLAN_BLESS").is_some_and(|v| v == "1")
}

/// Copies the data folder `src` to `dir` with the data rows of every ledger in another order, chosen by
/// `seed` (the shipped ledgers have no line breaks inside fields).
pub fn shuffled_copy(src: &Path, dir: &Path, seed: u64) {
    copy_tree(src, dir);
    let mut state = seed | 1;
    for f in growthplan::ledger::schema::LedgerFile::TABLES {
        let text = std::fs::read_to_string(dir.join(f.file_name())).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        let header = lines.remove(0);
        for i in (1..lines.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            lines.swap(i, (state % (i as u64 + 1)) as usize);
        }
        std::fs::write(dir.join(f.file_name()), format!("{header}\n{}\n", lines.join("\n"))).unwrap();
    }
}

/// Files of a case folder that describe the case rather than belong to its data.
pub const CASE_FILES: [&str; 3] = ["expected.txt", "args", "remove"];

/// A temporary folder whose `data/` is `tests/cases/base/` with the case `tests/cases/codes/<code>/` laid
/// over it (its files replace the base's, its `remove` list deletes some).
pub fn case_folder(code: &str) -> tempfile::TempDir {
    let case = root().join("tests/cases/codes").join(code);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("tests/cases/base"), &data);
    if let Ok(list) = std::fs::read_to_string(case.join("remove")) {
        for name in list.lines().filter(|l| !l.trim().is_empty()) {
            std::fs::remove_file(data.join(name.trim())).unwrap();
        }
    }
    for entry in std::fs::read_dir(&case).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if CASE_FILES.contains(&name.as_str()) {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            let _ = std::fs::remove_file(data.join(&name));
            copy_tree(&entry.path(), &data.join(&name));
        } else {
            std::fs::copy(entry.path(), data.join(&name)).unwrap();
        }
    }
    tmp
}
