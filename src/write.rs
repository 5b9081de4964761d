//! The one place that writes files: each through a temporary file in the same folder, flushed to disk
//! and renamed over the target, so that a crash never leaves half a file.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

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

/// Replaces the folder `target` with one holding exactly `files` (paths relative to it). The new folder is
/// built beside the target and renamed into place only when complete, so the previous folder stays
/// intact until then and a failure never leaves half a folder.
pub fn replace_folder(target: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = target.file_name().with_context(|| format!("`{}` names no folder", target.display()))?.to_string_lossy();
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create `{}`", parent.display()))?;
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let build = || -> anyhow::Result<()> {
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        std::fs::create_dir_all(&tmp)?;
        for (rel, bytes) in files {
            let rel_path = Path::new(rel);
            anyhow::ensure!(
                rel_path.components().all(|c| matches!(c, std::path::Component::Normal(_))),
                "refusing to write `{rel}` outside the report folder"
            );
            let path = tmp.join(rel_path);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = std::fs::File::create(&path).with_context(|| format!("cannot write `{}`", path.display()))?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        if target.exists() {
            std::fs::rename(target, &old).with_context(|| format!("cannot move `{}` aside", target.display()))?;
            std::fs::rename(&tmp, target)
                .with_context(|| format!("cannot move the new `{}` into place", target.display()))?;
            std::fs::remove_dir_all(&old).with_context(|| format!("cannot remove `{}`", old.display()))?;
        } else {
            std::fs::rename(&tmp, target)
                .with_context(|| format!("cannot move the new `{}` into place", target.display()))?;
        }
        if let Ok(d) = std::fs::File::open(parent) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    let result = build();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
        if old.exists() && !target.exists() {
            let _ = std::fs::rename(&old, target);
        }
    }
    result
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
}
