//! The publications: the monthly `report` and the `site`, each loaded, validated, computed and written whole.

use super::*;

/// Loads the ledgers for a publication (`what`: the report, the site), with every file's SHA-256 if
/// `digests`: it may show the findings of rows, but not stand on a file that could not be read (then
/// `None`, said on stderr).
pub(super) fn load_for_publication(
    config: &Config,
    what: &str,
    digests: bool,
) -> anyhow::Result<Option<(ledger::Ledger, Vec<diag::Diagnostic>)>> {
    let loaded = ledger::load(&config.data, ledger::LoadOptions { digests, ..config.load })?;
    match loaded.ledger {
        Some(l) if loaded.unread.is_empty() => Ok(Some((l, loaded.diagnostics))),
        _ => {
            eprint!("{}", render::text(&loaded.diagnostics, false));
            eprintln!("{}: no {what}: a ledger could not be read", config.data.display());
            Ok(None)
        }
    }
}

/// The findings a publication (`what`: the report, the site) shows: the loader's (`findings`) and the
/// rules' as of the publication's date (`checked`), sorted. Rows dated after it (C016) belong to later
/// publications and are not findings of this one. With `strict` and an error, `None` (said on stderr).
pub(super) fn findings_for_publication(
    mut findings: Vec<diag::Diagnostic>,
    checked: Vec<diag::Diagnostic>,
    strict: bool,
    what: &str,
) -> Option<Vec<diag::Diagnostic>> {
    findings.extend(checked.into_iter().filter(|d| d.code != crate::diag::Code::AfterAsOf));
    diag::sort(&mut findings);
    let errors = findings.iter().filter(|d| d.severity() == Severity::Error).count();
    if strict && errors > 0 {
        eprint!("{}", render::text(&findings, false));
        eprintln!("no {what}: --strict and `check` finds {errors} errors");
        return None;
    }
    Some(findings)
}

pub(super) fn report_command(
    config: &Config,
    month: Option<&str>,
    reports: &std::path::Path,
    strict: bool,
    today: crate::date::Date,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    use crate::ledger::schema::LedgerFile;
    use crate::report::{self, Input, ReportInput};
    use chrono::Datelike;

    // Load: its provenance names every file's SHA-256.
    let Some((l, loaded_findings)) = load_for_publication(config, "report", true)? else {
        return Ok(Outcome::Findings);
    };
    // Without --month: the last month complete today.
    let month = match month {
        Some(m) => m.to_string(),
        None => {
            let d = date::previous_month_end(today);
            format!("{:04}-{:02}", d.year(), d.month())
        }
    };
    let as_of = report::month_end(&month).map_err(|e| anyhow::anyhow!("--month {e}"))?;
    let previous = date::previous_month_end(as_of);

    // Validate as of the month's end, replaying the releases once: the rules and both dates' figures read
    // the replay.
    let (replay, checked) = check::run(&l, as_of);
    let what = format!("report for {month}");
    let Some(findings) = findings_for_publication(loaded_findings, checked, strict, &what) else {
        return Ok(Outcome::Findings);
    };
    let errors = findings.iter().filter(|d| d.severity() == Severity::Error).count();

    // Compute: the month, the facility's figures at the month before, and what changed between them.
    // The two dates are independent: computed side by side.
    let (now, before) = rayon::join(
        || crate::compute::progress(&l, &replay, as_of),
        || crate::compute::progress(&l, &replay, previous),
    );
    let (now, before) = (now?, before?);

    // What changed, the charts, and the report's lists of rows each read the figures or the ledger alone:
    // made side by side (the 10^6 report target, BENCHMARKS.md).
    let ((changes, charts), (stale, payments, sources, corrections, control)) = rayon::join(
        || {
            rayon::join(
                || crate::compute::changes(&l, &replay, &now, previous),
                || crate::charts::render_all(&now, crate::charts::Format::Both),
            )
        },
        || {
            // The ledgers' last event, when it is older at the month's end than facility.toml allows: the
            // report says so at its top.
            let stale = l
                .latest_date()
                .filter(|&last| last <= as_of && (as_of - last).num_days() > i64::from(l.facility.stale_after_days))
                .map(|last| (last, (as_of - last).num_days()));
            let payments = report::quoted::payment_lines(&l, &replay, as_of);
            let sources = report::quoted::source_lines(&l, as_of);
            let corrections = report::quoted::correction_lines(&l, previous, as_of);
            (stale, payments, sources, corrections, check::control_figures(&l))
        },
    );
    let (changes, charts) = (changes?, charts?);
    crate::meter::phase("rendering the report", 0);
    let inputs: Vec<Input> = LedgerFile::ALL
        .iter()
        .map(|f| {
            let src = l.sources.get(*f);
            Input {
                file: f.file_name().to_string(),
                sha256: src.sha256.clone().unwrap_or_default(),
                rows: (*f != LedgerFile::Facility).then_some(src.rows),
            }
        })
        .collect();
    let commit = data_commit(&config.data);
    let summary = crate::render::status::json(&now, None);
    let files = report::build(&ReportInput {
        facility: &l.facility.name,
        month: &month,
        now: &now,
        before: &before,
        previous,
        stale,
        changes: &changes,
        findings: &findings,
        control: &control,
        inputs: &inputs,
        data_commit: commit.as_deref(),
        charts: &charts,
        summary_json: &summary,
        payments: &payments.lines,
        earlier_payments: &payments.earlier,
        sources: &sources,
        facility_envelope: l.facility.envelope(),
        corrections: &corrections,
    })?;

    // Write: the month's folder whole, then the index of the reports present.
    crate::meter::phase("writing the report", 0);
    let target = reports.join(&month);
    let files: Vec<(String, Vec<u8>)> = files.into_iter().map(|f| (f.path, f.bytes)).collect();
    let _lock = crate::write::lock_output_folder(reports)?;
    crate::write::replace_folder(&target, &files)?;
    let mut months = Vec::new();
    for entry in std::fs::read_dir(reports).with_context(|| format!("cannot list `{}`", reports.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if report::month_end(&name).is_ok() && entry.path().join("report.html").is_file() {
            months.push(name);
        }
    }
    for f in report::index(&l.facility.name, &months)? {
        crate::write::write_atomic(&reports.join(&f.path), &f.bytes)?;
    }
    writeln!(out, "wrote {} ({} files){}", target.display(), files.len(), errors_shown(errors, "of the report"))?;
    leave_to_exit(replay);
    leave_to_exit((l, now, before));
    Ok(Outcome::Clean)
}

/// What a publication's last line adds when `check` finds errors: where the reader sees them (`at`).
fn errors_shown(errors: usize, at: &str) -> String {
    if errors > 0 {
        format!("; check finds {errors} errors, shown at the top {at}")
    } else {
        String::new()
    }
}

/// `site`: the public website, from the same figures as `status`, `export` and `report`, written whole.
pub(super) fn site_command(
    config: &Config,
    as_of: date::Date,
    dir: &std::path::Path,
    strict: bool,
    base_url: Option<&str>,
    reports: Option<&std::path::Path>,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    use crate::ledger::schema::LedgerFile;

    // Load: the data page names every file's SHA-256, taken as the file is copied into the site.
    let Some((l, loaded_findings)) = load_for_publication(config, "site", false)? else {
        return Ok(Outcome::Findings);
    };
    // The ledgers as they were read, for the downloads: a mapped file in place, another read again.
    let mut ledgers = Vec::new();
    for f in LedgerFile::ALL {
        let bytes = match l.sources.get(f).text.file_bytes() {
            Some(bytes) => std::borrow::Cow::Borrowed(bytes),
            None => {
                let path = config.data.join(f.file_name());
                std::borrow::Cow::Owned(
                    std::fs::read(&path).with_context(|| format!("cannot read `{}`", path.display()))?,
                )
            }
        };
        ledgers.push(crate::site::LedgerFile { name: f.file_name().to_string(), bytes });
    }
    // The monthly reports to publish with it: each month's folder as `report` wrote it.
    let reports = match reports {
        Some(dir) => read_reports(dir)?,
        None => Vec::new(),
    };
    let staging = crate::write::Staging::replace(dir)?;
    // Set when no site will be written: the copies stop.
    let give_up = std::sync::atomic::AtomicBool::new(false);
    // How many errors `check` finds, once the site is built (`None`: no site, for the findings).
    let built = std::thread::scope(|scope| {
        // The ledgers are copied into the site on a thread of their own at the lowest priority while they
        // are checked and the figures computed: it takes a core only when the work leaves one waiting
        // (the 10^6 site target, BENCHMARKS.md). A panic there is the site's error, never the scope's.
        let copies = scope.spawn(|| {
            lowest_priority();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                crate::meter::timed("copying the ledgers, on a thread of their own", || {
                    crate::site::copy_ledgers(&ledgers, &staging, &give_up)
                })
            }))
            .unwrap_or_else(|panic| {
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(anyhow::anyhow!("copying the ledgers into the site failed: {why}"))
            })
        });
        let built = site_in_scope(&l, loaded_findings, as_of, strict, base_url, reports, &staging, copies);
        if !matches!(built, Ok(Some(_))) {
            give_up.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        built
    });
    let Some(errors) = built? else { return Ok(Outcome::Findings) };
    let files = staging.commit()?;
    writeln!(out, "wrote {} ({files} files){}", dir.display(), errors_shown(errors, "of every page"))?;
    leave_to_exit(ledgers);
    leave_to_exit(l);
    Ok(Outcome::Clean)
}

/// The site's checks, figures and pages, written into `staging` while `copies` copies the ledgers there:
/// how many errors `check` finds (`None`: no site, for the findings).
#[allow(clippy::too_many_arguments)]
fn site_in_scope(
    l: &ledger::Ledger,
    loaded_findings: Vec<diag::Diagnostic>,
    as_of: date::Date,
    strict: bool,
    base_url: Option<&str>,
    reports: Vec<crate::site::MonthReport>,
    staging: &crate::write::Staging,
    copies: std::thread::ScopedJoinHandle<'_, anyhow::Result<Vec<crate::site::Download>>>,
) -> anyhow::Result<Option<usize>> {
    // Validate as of --as-of, replaying the releases once for the rules and the figures.
    let (replay, checked) = check::run(l, as_of);
    let Some(findings) = findings_for_publication(loaded_findings, checked, strict, "site") else {
        return Ok(None);
    };
    let errors = findings.iter().filter(|d| d.severity() == Severity::Error).count();

    // Compute: the figures on --as-of; every change since the facility's start is computed as the site is
    // made.
    let now = crate::compute::progress(l, &replay, as_of)?;
    let start = l.facility.start.pred_opt().unwrap_or(l.facility.start);
    let charts = crate::charts::render_all(&now, crate::charts::Format::Both)?;

    crate::meter::phase("rendering and writing the site", 0);
    crate::site::build(
        crate::site::SiteInput {
            ledger: l,
            replay: &replay,
            now: &now,
            findings: &findings,
            control: &check::control_figures(l),
            charts: &charts,
            reports,
            base_url,
        },
        || Ok(crate::compute::changes(l, &replay, &now, start)?),
        // The thread catches its panics: joined, it gives its result.
        || copies.join().unwrap_or_else(|_| Err(anyhow::anyhow!("copying the ledgers into the site failed"))),
        staging,
    )?;
    leave_to_exit(replay);
    leave_to_exit(now);
    Ok(Some(errors))
}

/// Lowers the calling thread to the lowest priority (nice 19), on Linux: it then runs when the other
/// threads leave a core waiting, and yields it to them. Best effort: where the call fails, or elsewhere,
/// the thread keeps its priority.
fn lowest_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls with no pointers; on Linux a nice value is a thread's, named by its id.
    unsafe {
        let thread = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, thread, 19);
    }
}

/// The monthly reports in `dir` (`report --out`): each `YYYY-MM` folder holding a `report.html`, with its
/// files by path inside it, sorted. Only names of letters, digits, `.`, `-` and `_` are taken, so that a
/// published path is never built from other text.
pub(super) fn read_reports(dir: &std::path::Path) -> anyhow::Result<Vec<crate::site::MonthReport>> {
    fn plain(name: &str) -> bool {
        !name.starts_with('.') && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    }
    fn files_in(dir: &std::path::Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
        for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list `{}`", dir.display()))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !plain(&name) {
                continue;
            }
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                files_in(&path, &format!("{prefix}{name}/"), out)?;
            } else {
                let bytes = std::fs::read(&path).with_context(|| format!("cannot read `{}`", path.display()))?;
                out.push((format!("{prefix}{name}"), bytes));
            }
        }
        Ok(())
    }
    let mut reports = Vec::new();
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("cannot list the reports folder `{}`", dir.display()))?
    {
        let entry = entry?;
        let month = entry.file_name().to_string_lossy().into_owned();
        if crate::report::month_end(&month).is_err() || !entry.path().join("report.html").is_file() {
            continue;
        }
        let mut files = Vec::new();
        files_in(&entry.path(), "", &mut files)?;
        files.sort();
        reports.push(crate::site::MonthReport { month, files });
    }
    reports.sort_by(|a, b| a.month.cmp(&b.month));
    Ok(reports)
}
