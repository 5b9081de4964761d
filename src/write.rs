//! The one place that writes files: each through a temporary file in the same folder, flushed to disk
//! and renamed over the target, so that a crash never leaves half a file. A folder (a month's report) is
//! built beside its target and swapped in with one atomic exchange. Writers hold a folder's lock
//! ([`lock_folder`]), which on being taken removes what killed writers left behind. An output folder
//! carries a marker ([`MARKER`]): growthplan writes over or replaces only folders it made.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The lock file a writer holds in the folder it writes to.
pub const LOCK_FILE: &str = ".growthplan.lock";

/// The file growthplan puts in every output folder it makes (a month's report, `reports/`, the `--out` of
/// `charts`, `export` and `synth`; not `init`'s data folder, which holds the user's ledgers). Only a folder
/// with it, or a new or empty one, is written over or replaced ([`ensure_ours`]), wherever it is.
pub const MARKER: &str = ".growthplan-output";

/// The marker's text: the same in every folder (no date, no path), so that outputs stay byte-identical.
const MARKER_TEXT: &str = "growthplan made this folder for its output and writes over or replaces what is in it.
Keep nothing else here. Without this file growthplan refuses to write in the folder while it holds other files.
";

/// Refuses, before anything is written, to write in or replace `dir` when it holds files and no
/// [`MARKER`]: growthplan did not make it, and whatever is there may be someone's work. A missing or
/// empty folder is fine (a writer's lock and temporaries alone count as empty).
pub fn ensure_ours(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!("`{}` exists and is not a folder; nothing was written", dir.display());
    }
    let entries = match std::fs::read_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        entries => entries.with_context(|| format!("cannot list `{}`", dir.display()))?,
    };
    if dir.join(MARKER).is_file() {
        return Ok(());
    }
    let mut names = Vec::new();
    for entry in entries {
        let name = entry.with_context(|| format!("cannot list `{}`", dir.display()))?.file_name();
        let name = name.to_string_lossy();
        if name != LOCK_FILE && !is_temporary(&name) {
            names.push(name.into_owned());
        }
    }
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    anyhow::bail!(
        "`{dir}` holds files growthplan did not write (`{first}`{more}) and lacks the `{MARKER}` file growthplan \
         puts in every folder it makes, so growthplan will not write over or replace them; nothing was written. \
         Choose a new or empty folder, or, if all it holds is what an earlier growthplan wrote (before it marked \
         its folders), mark it: touch {marker}",
        dir = dir.display(),
        first = names[0],
        more = if names.len() > 1 { format!(" and {} more", names.len() - 1) } else { String::new() },
        marker = dir.join(MARKER).display(),
    )
}

/// The lock of an output folder (the `--out` of `charts` and `export`, the reports folder), taken after
/// [`ensure_ours`]; a folder new or empty until now gets the [`MARKER`].
pub fn lock_output_folder(dir: &Path) -> anyhow::Result<FolderLock> {
    ensure_ours(dir)?;
    let lock = lock_folder(dir)?;
    let marker = dir.join(MARKER);
    if !marker.is_file() {
        write_atomic(&marker, MARKER_TEXT.as_bytes())?;
    }
    Ok(lock)
}

/// An exclusive lock on a folder, released when dropped (or when the process dies).
#[derive(Debug)]
pub struct FolderLock {
    _file: File,
}

/// Creates `dir` if need be, waits for and takes its exclusive lock, and then (no other writer being at
/// work) removes the temporaries that writers killed mid-write left there.
pub fn lock_folder(dir: &Path) -> anyhow::Result<FolderLock> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let lock_path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open the lock `{}`", lock_path.display()))?;
    file.lock().with_context(|| format!("cannot lock `{}`", lock_path.display()))?;
    remove_stale(dir)?;
    Ok(FolderLock { _file: file })
}

/// Removes the temporary files and folders (`.NAME.tmp-PID`, `.NAME.old-PID`) in `dir`. Only for the
/// holder of the folder's lock.
fn remove_stale(dir: &Path) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot list `{}`", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_temporary(&name) {
            let path = entry.path();
            if path.is_dir() && being_built(&path) {
                continue;
            }
            let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            removed.with_context(|| format!("cannot remove the leftover `{}`", path.display()))?;
        }
    }
    Ok(())
}

/// `.NAME.tmp-PID` or `.NAME.old-PID`: a name only this module gives.
fn is_temporary(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.') else { return false };
    ["tmp-", "old-"].iter().any(|kind| {
        rest.rsplit_once(&format!(".{kind}"))
            .is_some_and(|(base, pid)| !base.is_empty() && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().with_context(|| format!("`{}` names no file", path.display()))?;
    let tmp = dir.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        // Crash tests kill the process here, with the temporary file complete and the target untouched.
        if std::env::var_os("GROWTHPLAN_CRASH_BEFORE_RENAME").is_some() {
            std::process::abort();
        }
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write `{}`", path.display()))
}

/// Replaces the output folder `target` with one holding exactly `files` (paths relative to it) and the
/// [`MARKER`], if growthplan made it ([`ensure_ours`]). The new folder is built beside the target and
/// renamed into place only when complete, so the previous folder stays intact until then and a failure
/// never leaves half a folder.
pub fn replace_folder(target: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    let staging = Staging::replace(target)?;
    for (rel, bytes) in files {
        staging.put(rel, bytes)?;
    }
    staging.commit().map(drop)
}

/// Creates the folder `target` (absent or empty) holding exactly `files`, whole or not at all, without
/// the marker: for `init`'s data folder, which growthplan must never replace.
pub fn create_folder(target: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    let empty = std::fs::read_dir(target).map_or(!target.exists(), |mut entries| entries.next().is_none());
    anyhow::ensure!(empty, "`{}` already exists and is not empty; nothing was written", target.display());
    let staging = Staging::begin(target, false)?;
    for (rel, bytes) in files {
        staging.put(rel, bytes)?;
    }
    staging.commit().map(drop)
}

/// A folder being built beside its target (`.NAME.tmp-PID`), its files written as they are made (from
/// several threads at once), and put in the target's place whole by [`Staging::commit`]. Dropped without
/// a commit (an error, a panic), it is removed and the target stays as it was. While it is built it holds a
/// lock on a file inside it ([`BUILDING`]), which tells other writers not to remove it.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    parent: PathBuf,
    tmp: PathBuf,
    old: PathBuf,
    marked: bool,
    done: bool,
    /// The files written so far.
    files: std::sync::atomic::AtomicUsize,
    /// The lock on [`BUILDING`], held until the end.
    _building: File,
    /// The staged folder's device and inode when made: it must still be that folder when put in place.
    made: Option<(u64, u64)>,
    /// Files written, on their way to a thread of their own that waits for each to reach the disk: the
    /// threads making files wait for the disk only when [`SYNC_QUEUE`] files are waiting already (a tenth
    /// of a second idle at 10^6 rows, the site target in BENCHMARKS.md). [`Staging::commit`] waits for it
    /// before anything is put in place.
    to_sync: Option<std::sync::mpsc::SyncSender<(PathBuf, File)>>,
    syncer: Option<std::thread::JoinHandle<Result<(), (PathBuf, std::io::Error)>>>,
}

/// At most this many written files wait, open, for the syncing thread of a [`Staging`]: a bound on the
/// files held open (a system may allow a process only 256).
const SYNC_QUEUE: usize = 64;

/// The file inside a folder being built whose lock says that its writer is at work; removed before the
/// folder is put in place.
const BUILDING: &str = ".growthplan-building";

impl Staging {
    /// Begins the folder that will replace the output folder `target`, if growthplan made it
    /// ([`ensure_ours`]); it gets the [`MARKER`].
    pub fn replace(target: &Path) -> anyhow::Result<Staging> {
        ensure_ours(target)?;
        Staging::begin(target, true)
    }

    fn begin(target: &Path, marked: bool) -> anyhow::Result<Staging> {
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name =
            target.file_name().with_context(|| format!("`{}` names no folder", target.display()))?.to_string_lossy();
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create `{}`", parent.display()))?;
        remove_orphans(parent, &name, target);
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        // Made here and now, never found: a killed writer's folder of this name is gone (`remove_orphans`),
        // so one still there is another growthplan's at work (the same process number in another container).
        std::fs::create_dir(&tmp).with_context(|| {
            format!("cannot create `{}` (another growthplan may be building it: wait for it to finish)", tmp.display())
        })?;
        let building = (|| -> std::io::Result<File> {
            let f = File::create(tmp.join(BUILDING))?;
            f.lock()?;
            Ok(f)
        })();
        let building = match building {
            Ok(f) => f,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(e).with_context(|| format!("cannot lock `{}`", tmp.display()));
            }
        };
        let (to_sync, synced) = std::sync::mpsc::sync_channel::<(PathBuf, File)>(SYNC_QUEUE);
        let syncer = std::thread::spawn(move || {
            for (path, file) in synced {
                file.sync_all().map_err(|e| (path, e))?;
            }
            Ok(())
        });
        Ok(Staging {
            to_sync: Some(to_sync),
            syncer: Some(syncer),
            target: target.to_path_buf(),
            parent: parent.to_path_buf(),
            old: parent.join(format!(".{name}.old-{}", std::process::id())),
            made: identity(&tmp),
            tmp,
            marked,
            done: false,
            files: std::sync::atomic::AtomicUsize::new(0),
            _building: building,
        })
    }

    /// Writes the file `rel` (a path inside the folder) whole; it is on the disk by the time [`Staging::commit`]
    /// has put the folder in place.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        self.write_with(rel, |w| w.write_all(bytes))
    }

    /// Writes the file `rel` through `fill`, buffered, then hands it to the syncing thread: for files too
    /// big to hold in memory first.
    pub fn write_with(
        &self,
        rel: &str,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> anyhow::Result<()> {
        let rel_path = Path::new(rel);
        anyhow::ensure!(
            rel_path.components().all(|c| matches!(c, std::path::Component::Normal(_))),
            "refusing to write `{rel}` outside the folder `{}`",
            self.target.display()
        );
        let path = self.tmp.join(rel_path);
        (|| -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                self.make_dir(dir)?;
            }
            let mut w = std::io::BufWriter::with_capacity(1 << 16, File::create(&path)?);
            fill(&mut w)?;
            let file = w.into_inner().map_err(|e| e.into_error())?;
            // Synced by the syncer; here when it has stopped on an error (which `commit` reports).
            let unsent = match &self.to_sync {
                Some(to_sync) => to_sync.send((path.clone(), file)).err().map(|e| e.0 .1),
                None => Some(file),
            };
            unsent.map_or(Ok(()), |file| file.sync_all())
        })()
        .with_context(|| format!("cannot write `{}`", path.display()))?;
        self.files.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Makes the folder `dir` inside the staged folder, and those between, but never the staged folder
    /// itself: if another process removed it, writing fails instead of starting a half folder anew.
    fn make_dir(&self, dir: &Path) -> std::io::Result<()> {
        if dir == self.tmp {
            return if self.tmp.is_dir() { Ok(()) } else { Err(std::io::ErrorKind::NotFound.into()) };
        }
        match std::fs::create_dir(dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.make_dir(dir.parent().unwrap_or(&self.tmp))?;
                match std::fs::create_dir(dir) {
                    Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
                    _ => Ok(()),
                }
            }
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
            _ => Ok(()),
        }
    }

    /// Puts the folder in the target's place (with the marker, if it has one): the previous folder stays
    /// whole until this moment, and is removed after. Returns how many files it holds.
    pub fn commit(mut self) -> anyhow::Result<usize> {
        if self.marked {
            // Checked again: the target may have changed hands while the folder was built.
            ensure_ours(&self.target)?;
            self.put(MARKER, MARKER_TEXT.as_bytes())?;
        }
        // Every file on the disk before any is put in place.
        drop(self.to_sync.take());
        if let Some(syncer) = self.syncer.take() {
            match crate::meter::timed("waiting for the last files to reach the disk", || syncer.join()) {
                Ok(Ok(())) => {}
                Ok(Err((path, e))) => return Err(e).with_context(|| format!("cannot write `{}`", path.display())),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        anyhow::ensure!(
            self.made.is_some() && identity(&self.tmp) == self.made,
            "`{}` was removed or replaced by another process while it was built; `{}` is unchanged",
            self.tmp.display(),
            self.target.display()
        );
        std::fs::remove_file(self.tmp.join(BUILDING))
            .with_context(|| format!("cannot remove `{}`", self.tmp.join(BUILDING).display()))?;
        let (target, tmp, old) = (&self.target, &self.tmp, &self.old);
        let result = (|| -> anyhow::Result<()> {
            if target.exists() {
                if exchange(tmp, target).is_ok() {
                    // The new folder is in place; `tmp` now holds the previous one.
                    std::fs::remove_dir_all(tmp).with_context(|| format!("cannot remove `{}`", tmp.display()))?;
                } else {
                    // No atomic exchange here (another system, or a file system without it): two renames,
                    // with a short moment in which the target is absent.
                    std::fs::rename(target, old)
                        .with_context(|| format!("cannot move `{}` aside", target.display()))?;
                    std::fs::rename(tmp, target)
                        .with_context(|| format!("cannot move the new `{}` into place", target.display()))?;
                    std::fs::remove_dir_all(old).with_context(|| format!("cannot remove `{}`", old.display()))?;
                }
            } else {
                std::fs::rename(tmp, target)
                    .with_context(|| format!("cannot move the new `{}` into place", target.display()))?;
            }
            if let Ok(d) = File::open(&self.parent) {
                let _ = d.sync_all();
            }
            Ok(())
        })();
        if result.is_err() && old.exists() && !target.exists() {
            let _ = std::fs::rename(old, target);
        }
        self.done = result.is_ok();
        result.map(|()| self.files.load(std::sync::atomic::Ordering::Relaxed))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // Only the folder this writer made: another process may have put its own under the same name.
        if !self.done && identity(&self.tmp) == self.made {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Whether a writer is at work on the folder `dir`: it holds the lock of [`BUILDING`] in it (a lock the
/// operating system drops when the writer dies, whatever its process number or container).
fn being_built(dir: &Path) -> bool {
    match File::open(dir.join(BUILDING)) {
        Ok(f) => matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

/// The device and inode of `path` (on systems without them, only whether it exists).
fn identity(path: &Path) -> Option<(u64, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Some((0, 0))
    }
}

/// Cleans up after killed writers of the folder `target` (named `name`, in `parent`): their staged
/// folders (`.NAME.tmp-PID`) are removed unless a writer is still at work on them ([`being_built`]); the
/// previous folder one of them had moved aside (`.NAME.old-PID`) is put back when the target is missing
/// (the only copy then), and otherwise removed.
fn remove_orphans(parent: &Path, name: &str, target: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let found = ["tmp-", "old-"]
            .iter()
            .find_map(|kind| file_name.strip_prefix(&format!(".{name}.{kind}")).map(|pid| (*kind, pid)));
        let Some((kind, pid)) = found else { continue };
        let path = entry.path();
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) || !path.is_dir() || being_built(&path) {
            continue;
        }
        if kind == "old-" && !target.exists() && std::fs::rename(&path, target).is_ok() {
            continue;
        }
        let _ = std::fs::remove_dir_all(&path);
    }
}

/// Swaps two paths in one step (Linux `renameat2` with `RENAME_EXCHANGE`): at every moment each name
/// holds one complete folder.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both arguments are valid NUL-terminated paths that outlive the call; renameat2 reads them
    // and touches no memory of ours.
    let rc = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "no atomic exchange"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces_without_leaving_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(write_atomic(&dir.path().join("missing/a.csv"), b"x").is_err());
    }

    #[test]
    fn only_the_temporaries_of_killed_writers_are_stale() {
        for name in [".payments.csv.tmp-123", ".2026-02.old-9", ".index.html.tmp-77"] {
            assert!(is_temporary(name), "{name}");
        }
        for name in ["payments.csv", ".growthplan.lock", ".tmp-12", ".a.tmp-", ".a.tmp-1x", "a.tmp-1", ".gitignore"] {
            assert!(!is_temporary(name), "{name}");
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".a.csv.tmp-42"), "half").unwrap();
        std::fs::create_dir(dir.path().join(".2026-02.tmp-42")).unwrap();
        std::fs::write(dir.path().join("a.csv"), "kept").unwrap();
        let _lock = lock_folder(dir.path()).unwrap();
        let mut left: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        left.sort();
        assert_eq!(left, [LOCK_FILE, "a.csv"]);
    }

    #[test]
    fn folders_are_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("2026-02");
        replace_folder(&target, &[("a.md".into(), b"1".to_vec()), ("charts/x.svg".into(), b"2".to_vec())]).unwrap();
        replace_folder(&target, &[("a.md".into(), b"3".to_vec())]).unwrap();
        assert_eq!(std::fs::read(target.join("a.md")).unwrap(), b"3");
        assert!(!target.join("charts").exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary folder left");
        // A path that would leave the folder is refused, and the previous folder stays.
        assert!(replace_folder(&target, &[("../evil".into(), b"x".to_vec())]).is_err());
        assert_eq!(std::fs::read(target.join("a.md")).unwrap(), b"3");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_staged_folder_is_put_in_place_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("site");
        replace_folder(&target, &[("index.html".into(), b"old".to_vec())]).unwrap();
        // Files written from several threads at once; dropped without a commit, nothing changes.
        let staging = Staging::replace(&target).unwrap();
        std::thread::scope(|s| {
            for k in 0..4 {
                let staging = &staging;
                s.spawn(move || staging.put(&format!("pages/{k}.html"), b"new").unwrap());
            }
        });
        staging.write_with("data/big.csv", |w| (0..1000).try_for_each(|k| writeln!(w, "{k}"))).unwrap();
        drop(staging);
        assert_eq!(std::fs::read(target.join("index.html")).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "the staged folder is removed");
        // Committed, it replaces the folder whole and says how many files it holds (the marker too).
        let staging = Staging::replace(&target).unwrap();
        staging.put("index.html", b"new").unwrap();
        staging.write_with("data/big.csv", |w| (0..1000).try_for_each(|k| writeln!(w, "{k}"))).unwrap();
        assert_eq!(staging.commit().unwrap(), 3);
        assert_eq!(std::fs::read(target.join("index.html")).unwrap(), b"new");
        assert_eq!(std::fs::read_to_string(target.join("data/big.csv")).unwrap().lines().count(), 1000);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn the_staged_folders_of_killed_writers_are_removed_and_those_being_built_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("site");
        // A killed writer's folder (no writer holds its lock), one being built (its lock held here, as by a
        // writer in another container with any process number), and another folder's.
        let dead = dir.path().join(".site.tmp-4294967295");
        let alive = dir.path().join(".site.tmp-1");
        let other = dir.path().join(".other.tmp-4294967295");
        for d in [&dead, &alive, &other] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join(BUILDING), "").unwrap();
        }
        let writer = File::open(alive.join(BUILDING)).unwrap();
        writer.lock().unwrap();
        Staging::replace(&target).unwrap().commit().unwrap();
        assert!(target.join(MARKER).is_file());
        assert!(!target.join(BUILDING).exists(), "the lock file is not published");
        assert!(!dead.exists());
        assert!(alive.exists() && other.exists(), "a folder being built and other folders' stay");
        // Nor does the lock of an output folder (`report`, `export`) take a folder being built.
        drop(lock_folder(dir.path()).unwrap());
        assert!(alive.exists());
        drop(writer);
        drop(lock_folder(dir.path()).unwrap());
        assert!(!alive.exists());
        // A folder of this writer's own name that another is building (the same process number in another
        // container) is neither taken nor removed.
        let ours = dir.path().join(format!(".site.tmp-{}", std::process::id()));
        std::fs::create_dir(&ours).unwrap();
        std::fs::write(ours.join(BUILDING), "").unwrap();
        let writer = File::open(ours.join(BUILDING)).unwrap();
        writer.lock().unwrap();
        let e = Staging::replace(&target).unwrap_err().to_string();
        assert!(e.contains("another growthplan may be building it"), "{e}");
        assert!(ours.join(BUILDING).exists());
    }

    #[test]
    fn a_previous_folder_moved_aside_by_a_killed_writer_is_put_back() {
        // Killed between its two renames (where no atomic exchange exists): the target is gone and the
        // previous folder is the only copy.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("site");
        replace_folder(&target, &[("index.html".into(), b"previous".to_vec())]).unwrap();
        std::fs::rename(&target, dir.path().join(".site.old-4294967295")).unwrap();
        let staging = Staging::replace(&target).unwrap();
        assert_eq!(std::fs::read(target.join("index.html")).unwrap(), b"previous", "put back before building");
        // If this build fails, the previous folder stays.
        drop(staging);
        assert_eq!(std::fs::read(target.join("index.html")).unwrap(), b"previous");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["site"]);
    }

    #[test]
    fn a_staged_folder_removed_while_it_is_built_is_never_put_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("site");
        replace_folder(&target, &[("index.html".into(), b"old".to_vec())]).unwrap();
        let staging = Staging::replace(&target).unwrap();
        staging.put("site.css", b"css").unwrap();
        std::fs::remove_dir_all(&staging.tmp).unwrap();
        // Writing fails rather than starting the folder anew, and so does putting it in place.
        assert!(staging.put("charts/a.svg", b"svg").is_err());
        assert!(!staging.tmp.exists());
        // Another folder under the same name is not taken for this one.
        std::fs::create_dir(&staging.tmp).unwrap();
        std::fs::write(staging.tmp.join("index.html"), "theirs").unwrap();
        let e = staging.commit().unwrap_err().to_string();
        assert!(e.contains("removed or replaced by another process"), "{e}");
        assert_eq!(std::fs::read(target.join("index.html")).unwrap(), b"old");
    }

    #[test]
    fn folders_growthplan_did_not_make_are_never_replaced_or_written_in() {
        let dir = tempfile::tempdir().unwrap();
        let theirs = dir.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::write(theirs.join("thesis.md"), "kept").unwrap();
        let e = replace_folder(&theirs, &[("a.md".into(), b"1".to_vec())]).unwrap_err().to_string();
        assert!(e.contains("did not write") && e.contains("`thesis.md`") && e.contains(MARKER), "{e}");
        assert!(lock_output_folder(&theirs).is_err());
        let left: Vec<_> = std::fs::read_dir(&theirs).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["thesis.md"], "nothing written, not even a lock");
        // A new folder, or one holding only a writer's lock, becomes growthplan's: marked, and replaced later.
        let ours = dir.path().join("ours");
        replace_folder(&ours, &[("a.md".into(), b"1".to_vec())]).unwrap();
        assert_eq!(std::fs::read_to_string(ours.join(MARKER)).unwrap(), MARKER_TEXT);
        replace_folder(&ours, &[("b.md".into(), b"2".to_vec())]).unwrap();
        assert!(ours.join(MARKER).is_file() && !ours.join("a.md").exists());
        let locked = dir.path().join("locked");
        drop(lock_folder(&locked).unwrap());
        drop(lock_output_folder(&locked).unwrap());
        assert!(locked.join(MARKER).is_file());
        // A data folder made by `create_folder` has no marker, and is never replaced.
        let data = dir.path().join("data");
        create_folder(&data, &[("payments.csv".into(), b"id".to_vec())]).unwrap();
        assert!(!data.join(MARKER).exists());
        assert!(replace_folder(&data, &[]).is_err() && create_folder(&data, &[]).is_err());
        assert_eq!(std::fs::read(data.join("payments.csv")).unwrap(), b"id");
    }

    #[test]
    fn the_shipped_reports_folder_is_marked() {
        // `growthplan report` writes there by default; its README would otherwise make it someone else's.
        let marker = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports").join(MARKER);
        assert_eq!(std::fs::read_to_string(marker).unwrap(), MARKER_TEXT);
    }
}
