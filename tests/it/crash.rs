//! Crash safety: `record` and `report` killed with SIGKILL at many points of a run (`site` in site.rs,
//! with these helpers). Afterwards the
//! ledgers are byte-identical (or, for `record`, hold exactly the one new row), and `reports/` holds
//! either the previous or the new complete report, never a mixture and never nothing. A ledger cut short
//! by another program while it is read ends the run with a message.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::growthplan;
use crate::record::{folder_with_fulfilled_steps, payment_args};

/// How many kills per command, spread evenly over the time one whole run takes.
const KILLS: u32 = 32;

/// Every file under `dir`, by path relative to it.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.map(Result::unwrap) {
            let path = e.path();
            if e.file_type().unwrap().is_dir() {
                walk(base, &path, out);
            } else {
                out.insert(path.strip_prefix(base).unwrap().display().to_string(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Starts growthplan in `cwd`, kills it (SIGKILL) after `delay` unless it has ended, and waits.
/// Returns whether it was killed.
fn run_and_kill(cwd: &Path, args: &[&str], delay: Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_growthplan"))
        .current_dir(cwd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let end = Instant::now() + delay;
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if Instant::now() >= end {
            child.kill().unwrap();
            child.wait().unwrap();
            return true;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// The wall time of one whole run (the longest of three: other tests load the machine meanwhile).
pub(crate) fn duration_of(cwd: &Path, args: &[&str], reset: impl Fn()) -> Duration {
    (0..3)
        .map(|_| {
            reset();
            let t = Instant::now();
            let (code, _, err) = growthplan(cwd, args);
            assert_eq!(code, 0, "{err}");
            t.elapsed()
        })
        .max()
        .unwrap()
}

/// The moment of the `k`th kill: spread from the start to half again the length of a run, so that some
/// land before anything is written and some after the run is complete. Kills beyond `KILLS` go later
/// still, for a machine so loaded that every run took longer than measured.
fn kill_at(full: Duration, k: u32) -> Duration {
    full * 3 * k / (2 * KILLS)
}

/// Kills runs of `args` at the moments of [`kill_at`] (and later ones until a run has completed), each
/// after `reset`; `judge` asserts what is left is the previous or the new state and says which (`true`:
/// new). Asserts both were seen: the kills landed before and after the write.
pub(crate) fn kill_loop(
    cwd: &Path,
    args: &[&str],
    full: Duration,
    reset: impl Fn(),
    mut judge: impl FnMut(u32) -> bool,
) {
    let (mut old, mut new) = (0, 0);
    for k in 0..KILLS * 4 {
        if k >= KILLS && new > 0 {
            break;
        }
        reset();
        run_and_kill(cwd, args, kill_at(full, k));
        if judge(k) {
            new += 1;
        } else {
            old += 1;
        }
    }
    assert!(old > 0 && new > 0, "the kills must land before and after the write ({old} before, {new} after)");
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-") || n.contains(".old-"))
        .collect()
}

#[test]
fn record_killed_anywhere_leaves_the_ledger_as_it_was_or_with_the_new_row() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    folder_with_fulfilled_steps(&data, 3);
    let before = snapshot(&data);
    let payments = data.join("payments.csv");
    let original = std::fs::read(&payments).unwrap();
    let args = payment_args(0);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let reset = || std::fs::write(&payments, &original).unwrap();
    let full = duration_of(tmp.path(), &args, reset);
    let appended = std::fs::read(&payments).unwrap();
    assert!(appended.starts_with(&original) && appended.len() > original.len());

    kill_loop(tmp.path(), &args, full, reset, |k| {
        let now = std::fs::read(&payments).unwrap();
        assert!(now == original || now == appended, "after a kill at {k}/{KILLS} of a run the ledger is neither");
        // Every other file is untouched (the lock file aside; temporaries may be left, see below).
        for (name, bytes) in &before {
            if name != "payments.csv" {
                assert_eq!(&std::fs::read(data.join(name)).unwrap(), bytes, "{name}");
            }
        }
        let (code, out, _) = growthplan(tmp.path(), &["check", "--as-of", "2026-11-28"]);
        assert_eq!(code, 0, "{out}");
        now == appended
    });
    // The next run removes what killed runs left behind.
    reset();
    let (code, _, err) = growthplan(tmp.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(temporaries(&data), Vec::<String>::new());
}

#[cfg(feature = "pipeline")]
#[test]
fn report_killed_anywhere_leaves_the_previous_or_the_new_report() {
    use crate::{copy_tree, root};
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&root().join("data"), &data);
    let args = ["report", "--month", "2026-02"];
    let ledgers = snapshot(&data);

    let (code, _, err) = growthplan(tmp.path(), &args);
    assert_eq!(code, 0, "{err}");
    let reports = tmp.path().join("reports");
    let saved = tmp.path().join("saved");
    copy_tree(&reports, &saved);
    let previous = snapshot(&reports.join("2026-02"));

    // Another byte in a ledger (a blank line: same figures) changes the report's provenance.
    let partners = data.join("partners.csv");
    let mut text = std::fs::read(&partners).unwrap();
    text.extend_from_slice(b"\n");
    std::fs::write(&partners, &text).unwrap();
    let ledgers_after = snapshot(&data);

    let reset = || {
        std::fs::remove_dir_all(&reports).unwrap();
        copy_tree(&saved, &reports);
    };
    let full = duration_of(tmp.path(), &args, reset);
    let next = snapshot(&reports.join("2026-02"));
    assert_ne!(previous, next);

    kill_loop(tmp.path(), &args, full, reset, |k| {
        let now = snapshot(&reports.join("2026-02"));
        assert!(
            now == previous || now == next,
            "after a kill at {k}/{KILLS} of a run the report is neither the previous nor the new one"
        );
        assert_eq!(snapshot(&data), ledgers_after, "a report never writes the ledgers");
        now == next
    });
    assert_ne!(ledgers, ledgers_after);
    reset();
    let (code, _, err) = growthplan(tmp.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(temporaries(&reports), Vec::<String>::new());
}

/// A ledger that another program cuts short while growthplan reads it (the files are mapped, and reading
/// past the new end raises SIGBUS) ends the run with a message and exit code 2, not a crash by signal. The
/// reading happens in a child process: this test binary running the ignored test below.
#[cfg(target_os = "linux")]
#[test]
fn a_ledger_cut_short_while_it_is_read_ends_the_run_with_a_message() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--ignored", "--exact", "crash::read_a_mapped_ledger_after_it_is_cut_short", "--test-threads=1"])
        .env("GROWTHPLAN_CUT_SHORT_DIR", dir.path())
        .output()
        .expect("run the child");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stdout: {}\nstderr: {stderr}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr.contains("a ledger file was cut short by another program while it was read"), "{stderr}");
}

/// The child of the test above: maps a ledger, cuts it short as another program would, and reads on.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "run in its own process by a_ledger_cut_short_while_it_is_read_ends_the_run_with_a_message"]
fn read_a_mapped_ledger_after_it_is_cut_short() {
    use growthplan::ledger::source::{exit_if_a_mapped_file_shrinks, read_file, FileBytes};
    // Only as the child of the test above (run with the ignored tests, it would end the whole binary).
    let Some(dir) = std::env::var_os("GROWTHPLAN_CUT_SHORT_DIR").map(PathBuf::from) else { return };
    exit_if_a_mapped_file_shrinks();
    let path = dir.join("payments.csv");
    std::fs::write(&path, vec![b'a'; 1 << 20]).expect("written");
    let bytes = read_file(&path).expect("read");
    assert!(matches!(bytes, FileBytes::Mapped(_)), "a ledger with content is mapped");
    std::fs::OpenOptions::new().write(true).open(&path).expect("opened").set_len(0).expect("cut short");
    let sum: u64 = bytes.iter().map(|&b| u64::from(b)).sum();
    panic!("read {sum} from a ledger cut short without a bus error");
}
