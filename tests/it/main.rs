//! Integration tests: one binary (see Cargo.toml), one module per area.

mod cases;
mod charts;
mod cli;
mod props;
mod record;
mod report;
mod status;

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

/// Whether golden files should be rewritten instead of compared.
pub fn bless() -> bool {
    std::env::var_os("GROWTHPLAN_BLESS").is_some_and(|v| v == "1")
}

/// Copies the shipped data folder to `dir` with the data rows of every ledger in another order, chosen by
/// `seed` (the shipped ledgers have no line breaks inside fields).
pub fn shuffled_copy(dir: &Path, seed: u64) {
    copy_tree(&root().join("data"), dir);
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
