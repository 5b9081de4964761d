//! The commands, each a readable pipeline of named stages: load -> validate -> check -> render -> write.

use std::io::Write;

use anyhow::Context;

use crate::cli::CheckFormat;
use crate::config::{Config, Task};
use crate::diag::{self, Severity};
use crate::ledger::{self, datapackage};
use crate::render::diagnostics as render;
use crate::{check, date};

/// How a run ended; `main` maps it to the process's exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: nothing to report (warnings allowed unless denied).
    Clean,
    /// 1: findings in the data.
    Findings,
}

pub fn run(config: &Config, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    match &config.task {
        Task::Check { as_of, format, deny_warnings } => check_command(config, *as_of, *format, *deny_warnings, out),
        #[cfg(feature = "pipeline")]
        Task::Status { as_of, partner, format, outlook } => {
            status_command(config, *as_of, partner.as_deref(), *format, *outlook, out)
        }
        #[cfg(feature = "pipeline")]
        Task::Export { as_of, since, out: dir, format } => export_command(config, *as_of, *since, dir, *format, out),
        #[cfg(feature = "pipeline")]
        Task::Charts { as_of, out: dir, format } => charts_command(config, *as_of, dir, *format, out),
        #[cfg(feature = "pipeline")]
        Task::Report { month, out: dir, strict, today } => {
            report_command(config, month.as_deref(), dir, *strict, *today, out)
        }
        #[cfg(feature = "pipeline")]
        Task::Site { as_of, out: dir, strict, base_url, reports } => {
            site_command(config, *as_of, dir, *strict, base_url.as_deref(), reports.as_deref(), out)
        }
        #[cfg(not(feature = "pipeline"))]
        Task::Status { .. } | Task::Export { .. } | Task::Charts { .. } | Task::Report { .. } | Task::Site { .. } => {
            anyhow::bail!("{}", LIGHT_BUILD)
        }
        Task::Fmt { check } => fmt_command(config, *check, out),
        Task::Record { ledger, rows, as_of, dry_run } => record_command(config, *ledger, rows, *as_of, *dry_run, out),
        Task::Init { dir, example: false } => init_command(dir, out),
        Task::Init { dir, example: true } => practice_command(dir, out),
        Task::Synth { out: dir, spec } => synth_command(dir, *spec, out),
        Task::Completions { shell } => {
            let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "growthplan", out);
            Ok(Outcome::Clean)
        }
        Task::Man => {
            let cmd = <crate::cli::Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd).render(out).context("cannot write the manual page")?;
            Ok(Outcome::Clean)
        }
        Task::Schema => {
            out.write_all(datapackage::datapackage_text().as_bytes())?;
            Ok(Outcome::Clean)
        }
    }
}

/// What a command of the pipeline says in the light build.
#[cfg(not(feature = "pipeline"))]
pub const LIGHT_BUILD: &str = "this growthplan is the light build (check, record, import, fmt, init, schema, \
completions, man): status, export, charts, report and site need the full build, `cargo install --path . --locked` \
(or `cargo build --release`) without --no-default-features; see docs/INSTALL.md";

fn check_command(
    config: &Config,
    as_of: date::Date,
    format: CheckFormat,
    deny_warnings: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let loaded = ledger::load(&config.data, config.load)?;
    let mut diags = loaded.diagnostics;
    let mut control = Vec::new();
    let mut skipped = None;
    match &loaded.ledger {
        Some(l) if loaded.unread.is_empty() => {
            diags.extend(check::run(l, &crate::replay::Replay::new(l), as_of));
            control = check::control_figures(l);
        }
        _ => {
            let names: Vec<&str> = loaded.unread.iter().map(|f| f.file_name()).collect();
            skipped = Some(format!("the facility's rules were not checked: {} could not be read", names.join(", ")));
        }
    }
    diag::sort(&mut diags);
    let data = config.data.display().to_string();
    let text = match format {
        CheckFormat::Text => {
            let mut t = render::text(&diags, config.color);
            if let Some(s) = &skipped {
                t.push_str(&format!("note: {s}\n"));
            }
            t.push_str(&render::summary(&diags, &format!("check {data} as of {}", date::format(as_of))));
            t.push('\n');
            t
        }
        CheckFormat::Json => render::json(&diags, &date::format(as_of), &data, &control, skipped.as_deref()),
        CheckFormat::Github => render::github(&diags),
    };
    out.write_all(text.as_bytes()).context("cannot write the report")?;
    let failing = diags.iter().any(|d| d.severity() == Severity::Error || deny_warnings);
    leave_to_exit(loaded.ledger);
    Ok(if failing { Outcome::Findings } else { Outcome::Clean })
}

/// `synth`: synthetic ledgers written as one folder.
fn synth_command(dir: &std::path::Path, spec: crate::synth::Spec, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let files: Vec<(String, Vec<u8>)> = crate::synth::generate(spec)
        .map_err(|e| anyhow::anyhow!(e))?
        .into_iter()
        .map(|(n, t)| (n, t.into_bytes()))
        .collect();
    crate::write::replace_folder(dir, &files)?;
    writeln!(
        out,
        "wrote {} ({} partners, {} steps, {} payment rows, seed {})",
        dir.display(),
        spec.partners,
        spec.steps,
        spec.payments,
        spec.seed
    )?;
    Ok(Outcome::Clean)
}

/// Hands a big value to the end of the process instead of freeing it: the command is done, and the
/// operating system takes the memory back at once, where freeing millions of small strings one by one
/// is a noticeable part of a large run (half a second at a million rows). Only for values a command
/// holds until it returns.
fn leave_to_exit<T>(value: T) {
    std::mem::forget(value);
}

/// Loads the ledgers for a computation. Findings that make figures wrong (a file that cannot be read, a
/// row left out) stop here: the errors go to stderr and the caller exits with code 1.
#[cfg(feature = "pipeline")]
fn load_for_figures(config: &Config) -> anyhow::Result<Option<ledger::Ledger>> {
    let loaded = ledger::load(&config.data, config.load)?;
    let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.severity() == Severity::Error).cloned().collect();
    match loaded.ledger {
        Some(l) if errors.is_empty() && loaded.unread.is_empty() => Ok(Some(l)),
        _ => {
            eprint!("{}", render::text(&errors, false));
            eprintln!(
                "{}: the ledgers cannot be read without errors; fix them first (growthplan check lists every finding)",
                config.data.display()
            );
            Ok(None)
        }
    }
}

#[cfg(feature = "pipeline")]
fn status_command(
    config: &Config,
    as_of: date::Date,
    partner: Option<&str>,
    format: crate::cli::StatusFormat,
    outlook: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    use crate::cli::StatusFormat;
    use crate::render::{outlook as outlook_render, status};
    let Some(l) = load_for_figures(config)? else { return Ok(Outcome::Findings) };
    // A partner may be given by its code, or by its name or local name in any case (`Serbia`, `Србија`).
    let partner = match partner {
        None => None,
        Some(given) => match l.partner_by_code_or_name(given) {
            Some(p) => Some(p.code.to_string()),
            None => {
                let codes: Vec<&str> = l.partners.iter().map(|p| p.code.as_str()).collect();
                anyhow::bail!("--partner `{given}` is not in partners.csv; the partners are: {}", codes.join(", "));
            }
        },
    };
    let partner = partner.as_deref();
    let replay = crate::replay::Replay::new(&l);
    let p = crate::compute::progress(&l, &replay, as_of)?;
    let text = match format {
        StatusFormat::Table if outlook => status::table(&p, partner) + &outlook_render::table(&p.outlook, partner),
        StatusFormat::Table => status::table(&p, partner),
        StatusFormat::Json if outlook => {
            status::json_with(&p, partner, Some(outlook_render::json(&p.outlook, partner)))
        }
        StatusFormat::Json => status::json(&p, partner),
        StatusFormat::Csv => {
            let tables = status::tables(&p);
            let name = if outlook { "projection" } else { "partners" };
            let mut t = tables.into_iter().find(|t| t.name == name).expect("the table exists");
            if let (Some(code), Some(column)) = (partner, t.header.iter().position(|h| h == "partner")) {
                t.rows.retain(|r| r[column] == serde_json::json!(code));
            }
            status::csv(&t)
        }
    };
    out.write_all(text.as_bytes()).context("cannot write the status")?;
    leave_to_exit(l);
    Ok(Outcome::Clean)
}

#[cfg(feature = "pipeline")]
fn export_command(
    config: &Config,
    as_of: date::Date,
    since: date::Date,
    dir: &std::path::Path,
    format: crate::cli::ExportFormat,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    use crate::cli::ExportFormat;
    use crate::render::status;
    let Some(l) = load_for_figures(config)? else { return Ok(Outcome::Findings) };
    let replay = crate::replay::Replay::new(&l);
    let p = crate::compute::progress(&l, &replay, as_of)?;
    let mut tables = status::tables(&p);
    tables.push(status::changes_table(&crate::compute::changes(&l, &replay, &p, since)?));
    // Render everything before writing anything.
    let mut files = Vec::new();
    if format == ExportFormat::Xlsx {
        use crate::workbook::write;
        let data = config.data.display().to_string();
        let commit = data_commit(&config.data);
        let about =
            write::About { facility: &l.facility.name, as_of, since, data: &data, data_commit: commit.as_deref() };
        files.push((dir.join(write::FILE_NAME), write::workbook(&tables, &about)?));
    }
    for t in &tables {
        let (ext, bytes): (&str, Vec<u8>) = match format {
            ExportFormat::Csv => ("csv", status::csv(t).into_bytes()),
            ExportFormat::Json => ("json", status::table_json(t).into_bytes()),
            ExportFormat::Parquet => ("parquet", crate::compute::parquet(t)?),
            // One workbook holds every table: made above.
            ExportFormat::Xlsx => continue,
        };
        files.push((dir.join(format!("{}.{ext}", t.name)), bytes));
    }
    let _lock = crate::write::lock_output_folder(dir)?;
    for (path, bytes) in &files {
        crate::write::write_atomic(path, bytes)?;
        writeln!(out, "wrote {}", path.display())?;
    }
    Ok(Outcome::Clean)
}

#[cfg(feature = "pipeline")]
fn charts_command(
    config: &Config,
    as_of: date::Date,
    dir: &std::path::Path,
    format: crate::cli::ChartFormat,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    use crate::charts::{render_all, Format};
    use crate::cli::ChartFormat;
    let Some(l) = load_for_figures(config)? else { return Ok(Outcome::Findings) };
    let replay = crate::replay::Replay::new(&l);
    let p = crate::compute::progress(&l, &replay, as_of)?;
    let format = match format {
        ChartFormat::Svg => Format::Svg,
        ChartFormat::Png => Format::Png,
        ChartFormat::Both => Format::Both,
    };
    let files = render_all(&p, format)?;
    let _lock = crate::write::lock_output_folder(dir)?;
    for f in &files {
        let path = dir.join(&f.name);
        crate::write::write_atomic(&path, &f.bytes)?;
        writeln!(out, "wrote {}", path.display())?;
    }
    Ok(Outcome::Clean)
}

/// Loads the ledgers, with every file's SHA-256, for a publication (`what`: the report, the site): it may
/// show the findings of rows, but not stand on a file that could not be read (then `None`, said on stderr).
#[cfg(feature = "pipeline")]
fn load_for_publication(
    config: &Config,
    what: &str,
) -> anyhow::Result<Option<(ledger::Ledger, Vec<diag::Diagnostic>)>> {
    let loaded = ledger::load(&config.data, ledger::LoadOptions { digests: true, ..config.load })?;
    match loaded.ledger {
        Some(l) if loaded.unread.is_empty() => Ok(Some((l, loaded.diagnostics))),
        _ => {
            eprint!("{}", render::text(&loaded.diagnostics, false));
            eprintln!("{}: no {what}: a ledger could not be read", config.data.display());
            Ok(None)
        }
    }
}

/// The findings a publication (`what`: the report, the site) shows: the loader's and the rules' as of
/// `as_of`, sorted. Rows dated after it (C016) belong to later publications and are not findings of this
/// one. With `strict` and an error, `None` (said on stderr).
#[cfg(feature = "pipeline")]
fn findings_for_publication(
    l: &ledger::Ledger,
    replay: &crate::replay::Replay,
    mut findings: Vec<diag::Diagnostic>,
    as_of: date::Date,
    strict: bool,
    what: &str,
) -> Option<Vec<diag::Diagnostic>> {
    findings.extend(check::run(l, replay, as_of).into_iter().filter(|d| d.code != crate::diag::Code::AfterAsOf));
    diag::sort(&mut findings);
    let errors = findings.iter().filter(|d| d.severity() == Severity::Error).count();
    if strict && errors > 0 {
        eprint!("{}", render::text(&findings, false));
        eprintln!("no {what}: --strict and `check` finds {errors} errors");
        return None;
    }
    Some(findings)
}

#[cfg(feature = "pipeline")]
fn report_command(
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
    let Some((l, loaded_findings)) = load_for_publication(config, "report")? else { return Ok(Outcome::Findings) };
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
    // The ledgers' last event, when it is older at the month's end than facility.toml allows: the report
    // says so at its top.
    let stale = l
        .latest_date()
        .filter(|&last| last <= as_of && (as_of - last).num_days() > i64::from(l.facility.stale_after_days))
        .map(|last| (last, (as_of - last).num_days()));

    // Replay the releases once: the rules and both dates' figures read it.
    let replay = crate::replay::Replay::new(&l);

    // Validate as of the month's end.
    let what = format!("report for {month}");
    let Some(findings) = findings_for_publication(&l, &replay, loaded_findings, as_of, strict, &what) else {
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
    let changes = crate::compute::changes(&l, &replay, &now, previous)?;

    // Chart, render.
    let charts = crate::charts::render_all(&now, crate::charts::Format::Both)?;
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
    let payments = report::quoted::payment_lines(&l, &replay, as_of);
    let sources = report::quoted::source_lines(&l, as_of);
    let corrections = report::quoted::correction_lines(&l, previous, as_of);
    let control = check::control_figures(&l);
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
    writeln!(
        out,
        "wrote {} ({} files){}",
        target.display(),
        files.len(),
        if errors > 0 {
            format!("; check finds {errors} errors, shown at the top of the report")
        } else {
            String::new()
        }
    )?;
    leave_to_exit(replay);
    leave_to_exit((l, now, before));
    Ok(Outcome::Clean)
}

/// `site`: the public website, from the same figures as `status`, `export` and `report`, written whole.
#[cfg(feature = "pipeline")]
fn site_command(
    config: &Config,
    as_of: date::Date,
    dir: &std::path::Path,
    strict: bool,
    base_url: Option<&str>,
    reports: Option<&std::path::Path>,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    use crate::ledger::schema::LedgerFile;

    // Load: the data page names every file's SHA-256.
    let Some((l, loaded_findings)) = load_for_publication(config, "site")? else { return Ok(Outcome::Findings) };
    let replay = crate::replay::Replay::new(&l);

    // Validate as of --as-of.
    let Some(findings) = findings_for_publication(&l, &replay, loaded_findings, as_of, strict, "site") else {
        return Ok(Outcome::Findings);
    };
    let errors = findings.iter().filter(|d| d.severity() == Severity::Error).count();

    // Compute: the figures on --as-of, and every change since the facility's start.
    let now = crate::compute::progress(&l, &replay, as_of)?;
    let start = l.facility.start.pred_opt().unwrap_or(l.facility.start);
    let changes = crate::compute::changes(&l, &replay, &now, start)?;
    let charts = crate::charts::render_all(&now, crate::charts::Format::Both)?;

    // The ledgers as they are in the data folder, for the downloads.
    let mut ledgers = Vec::new();
    for f in LedgerFile::ALL {
        let path = config.data.join(f.file_name());
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read `{}`", path.display()))?;
        ledgers.push((f.file_name().to_string(), bytes));
    }
    // The monthly reports to publish with it: each month's folder as `report` wrote it.
    let reports = match reports {
        Some(dir) => read_reports(dir)?,
        None => Vec::new(),
    };
    crate::meter::phase("rendering the site", 0);
    let files = crate::site::build(crate::site::SiteInput {
        ledger: &l,
        replay: &replay,
        now: &now,
        changes: &changes,
        findings: &findings,
        control: &check::control_figures(&l),
        charts: &charts,
        ledgers,
        reports,
        base_url,
    })?;

    crate::meter::phase("writing the site", 0);
    crate::write::replace_folder(dir, &files)?;
    writeln!(
        out,
        "wrote {} ({} files){}",
        dir.display(),
        files.len() + 1,
        if errors > 0 {
            format!("; check finds {errors} errors, shown at the top of every page")
        } else {
            String::new()
        }
    )?;
    leave_to_exit(replay);
    leave_to_exit((l, now, changes, files));
    Ok(Outcome::Clean)
}

/// The monthly reports in `dir` (`report --out`): each `YYYY-MM` folder holding a `report.html`, with its
/// files by path inside it, sorted. Only names of letters, digits, `.`, `-` and `_` are taken, so that a
/// published path is never built from other text.
#[cfg(feature = "pipeline")]
fn read_reports(dir: &std::path::Path) -> anyhow::Result<Vec<crate::site::MonthReport>> {
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

/// The last commit that changed the data folder, when it is in a git repository (and whether it has
/// uncommitted changes since). `None` when git or the repository is absent.
#[cfg(feature = "pipeline")]
fn data_commit(data: &std::path::Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git").arg("-C").arg(data).args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = git(&["log", "-1", "--format=%H", "--", "."]).filter(|c| !c.is_empty())?;
    let dirty = git(&["status", "--porcelain", "--", "."]).is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{commit} (with uncommitted changes)") } else { commit })
}

/// The practice folder of `init --example`: the step-level example (`examples/illustrative/`, invented
/// figures) as `data/`, and the files docs/STAFF.md imports as `examples/`. Built into the binary, so a
/// person with only the binary can follow the guide.
const PRACTICE: &[(&str, &[u8])] = &[
    ("data/facility.toml", include_bytes!("../examples/illustrative/facility.toml")),
    ("data/partners.csv", include_bytes!("../examples/illustrative/partners.csv")),
    ("data/allocations.csv", include_bytes!("../examples/illustrative/allocations.csv")),
    ("data/commitments.csv", include_bytes!("../examples/illustrative/commitments.csv")),
    ("data/steps.csv", include_bytes!("../examples/illustrative/steps.csv")),
    ("data/step_events.csv", include_bytes!("../examples/illustrative/step_events.csv")),
    ("data/payments.csv", include_bytes!("../examples/illustrative/payments.csv")),
    ("data/conditions.csv", include_bytes!("../examples/illustrative/conditions.csv")),
    ("data/control_totals.csv", include_bytes!("../examples/illustrative/control_totals.csv")),
    ("data/requests.csv", include_bytes!("../examples/illustrative/requests.csv")),
    ("data/assessments.csv", include_bytes!("../examples/illustrative/assessments.csv")),
    ("data/corrections.csv", include_bytes!("../examples/illustrative/corrections.csv")),
    ("data/README.md", include_bytes!("../examples/illustrative/README.md")),
    ("examples/assessments.csv", include_bytes!("../docs/examples/assessments.csv")),
    ("examples/assessments.xlsx", include_bytes!("../docs/examples/assessments.xlsx")),
];

/// `init --example`: a practice folder, written whole, to follow docs/STAFF.md without touching real data.
fn practice_command(dir: &std::path::Path, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let files: Vec<(String, Vec<u8>)> = PRACTICE.iter().map(|(p, b)| (p.to_string(), b.to_vec())).collect();
    crate::write::create_folder(dir, &files)?;
    writeln!(
        out,
        "created the practice folder {} (data: invented example ledgers with steps; examples: files to import); go into it with `cd {}` and follow docs/STAFF.md there",
        dir.display(),
        dir.display()
    )?;
    Ok(Outcome::Clean)
}

/// `init`: a new data folder whose ledgers are empty but for their headers, written whole.
fn init_command(dir: &std::path::Path, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    use crate::ledger::schema::LedgerFile;
    if let Ok(mut entries) = std::fs::read_dir(dir) {
        anyhow::ensure!(
            entries.next().is_none(),
            "`{}` already exists and is not empty; init never overwrites data",
            dir.display()
        );
    } else if dir.exists() {
        anyhow::bail!("`{}` exists and is not a folder", dir.display());
    }
    let mut files = vec![
        ("facility.toml".to_string(), crate::ledger::facility::TEMPLATE.as_bytes().to_vec()),
        ("README.md".to_string(), STAFF_README.as_bytes().to_vec()),
        ("datapackage.json".to_string(), datapackage::datapackage_text().into_bytes()),
    ];
    for f in LedgerFile::TABLES {
        let spec = f.spec().expect("every table has a spec");
        files.push((f.file_name().to_string(), format!("{}\n", spec.header()).into_bytes()));
    }
    crate::write::create_folder(dir, &files)?;
    writeln!(
        out,
        "created {} ({} files); next: fill in facility.toml and partners.csv, then run `growthplan check --data {}`",
        dir.display(),
        files.len(),
        dir.display()
    )?;
    Ok(Outcome::Clean)
}

const STAFF_README: &str = "# Ledgers

This folder holds the ledgers growthplan reads. Edit them in a spreadsheet and save as CSV (UTF-8 is best;
`;` separators and decimal commas are fine). After every change run

    growthplan check --data <this folder>

which lists every problem with its file, line and column, and how to fix it.

| file | what it records |
|---|---|
| facility.toml | the facility's parameters: envelopes, pre-financing cap and clearance, grace periods |
| partners.csv | the beneficiaries, with the dates their Reform Agenda and agreements took effect |
| allocations.csv | envelopes and their changes (append only) |
| commitments.csv | legal commitments within the envelopes (append only) |
| steps.csv | the reform steps (payment conditions), their deadlines and amounts |
| step_events.csv | submissions and assessments of steps (append only) |
| payments.csv | money transferred, one row per component of a release (append only) |
| conditions.csv | assessments of the preconditions and general conditions (append only) |
| control_totals.csv | published figures the ledgers must agree with |

Append-only ledgers are never edited in place: a correction is a new row. The columns are explained in
growthplan's docs/DATA.md; datapackage.json describes them for other data tools.
";

/// `fmt`: every ledger in canonical form. It refuses ledgers with errors or unknown columns: rewriting them
/// would lose what could not be read.
fn fmt_command(config: &Config, check_only: bool, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    use crate::ledger::canonical::canonical;
    use crate::ledger::schema::LedgerFile;
    let loaded = ledger::load(&config.data, config.load)?;
    let blocking: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error || d.code == crate::diag::Code::UnknownColumn)
        .cloned()
        .collect();
    let l = match loaded.ledger {
        Some(l) if blocking.is_empty() && loaded.unread.is_empty() => l,
        _ => {
            eprint!("{}", render::text(&blocking, false));
            eprintln!("{}: not formatted: fix these first, so that no value is lost", config.data.display());
            return Ok(Outcome::Findings);
        }
    };
    let _lock = crate::write::lock_folder(&config.data)?;
    let mut changed = Vec::new();
    for f in LedgerFile::TABLES {
        let text = canonical(&l, f);
        let path = config.data.join(f.file_name());
        let current = std::fs::read(&path).with_context(|| format!("cannot read `{}`", path.display()))?;
        if current != text.as_bytes() {
            changed.push((f, path, text));
        }
    }
    if check_only {
        for (_, path, _) in &changed {
            writeln!(out, "not canonical: {}", path.display())?;
        }
        return Ok(if changed.is_empty() { Outcome::Clean } else { Outcome::Findings });
    }
    let data = config.data.display();
    if changed.is_empty() {
        writeln!(out, "all {} ledgers in {data} were already canonical; nothing rewritten", LedgerFile::TABLES.len())?;
        return Ok(Outcome::Clean);
    }
    // Read back as they would be written, the files must hold the very values they held: otherwise
    // nothing is written.
    let mut files = ledger::load::read_folder(&config.data);
    for (f, path, text) in &changed {
        files.insert(*f, (path.display().to_string(), Ok(text.clone().into_bytes().into())));
    }
    let again = ledger::load::load_bytes(files, config.load);
    let same = again
        .ledger
        .as_ref()
        .is_some_and(|l2| LedgerFile::TABLES.into_iter().all(|f| canonical(l2, f) == canonical(&l, f)));
    anyhow::ensure!(
        same && again.unread.is_empty() && again.diagnostics.iter().all(|d| d.severity() != Severity::Error),
        "{data}: not formatted: read back, the canonical files would not hold the same values (please report this)"
    );
    for (_, path, text) in &changed {
        crate::write::write_atomic(path, text.as_bytes())?;
        writeln!(out, "formatted {}", path.display())?;
    }
    writeln!(
        out,
        "rewrote {} of {} ledgers in the canonical form; read back, they hold the same rows and values: no amount changed",
        changed.len(),
        LedgerFile::TABLES.len()
    )?;
    Ok(Outcome::Clean)
}

/// `record`: append rows under the data folder's lock, only if the whole ledger set still passes `check`.
fn record_command(
    config: &Config,
    file: crate::ledger::schema::LedgerFile,
    rows: &crate::config::RecordRows,
    as_of: date::Date,
    dry_run: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    use crate::ledger::append;
    use crate::ledger::schema::LedgerFile;
    use std::collections::BTreeMap;
    if !config.data.exists() {
        return Err(ledger::LoadError::missing(&config.data).into());
    }
    anyhow::ensure!(config.data.is_dir(), "`{}` is not a folder", config.data.display());
    let lock = crate::write::lock_folder(&config.data)?;

    let target = config.data.join(file.file_name());
    let bytes = std::fs::read(&target).with_context(|| format!("cannot read `{}`", target.display()))?;
    let dialect = append::dialect(file, &bytes).map_err(|e| anyhow::anyhow!(e))?;
    let new_rows: Vec<BTreeMap<String, String>> = match rows {
        crate::config::RecordRows::Typed(rows) => rows.clone(),
        crate::config::RecordRows::Csv(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
            append::read_rows(file, &bytes, path).map_err(|e| anyhow::anyhow!(e))?
        }
        crate::config::RecordRows::Workbook { path, kind, sheet } => {
            use crate::workbook::read;
            use std::io::Read;
            // Read no more than the reader accepts, so that a huge file costs no memory.
            let mut bytes = Vec::new();
            std::fs::File::open(path)
                .and_then(|f| f.take(read::MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            let shown = path.display().to_string();
            match read::read_rows(file, &bytes, *kind, &shown, sheet.as_deref()) {
                Ok(read) => {
                    for note in &read.notes {
                        eprintln!("{note}");
                    }
                    read.rows
                }
                Err(refused) => {
                    eprintln!("{refused}");
                    eprintln!("nothing imported from {shown}: the ledger is unchanged");
                    return Ok(Outcome::Findings);
                }
            }
        }
    };
    let written = append::format_each(file, &dialect, &new_rows).map_err(|e| anyhow::anyhow!(e))?;
    let lines: String = written.iter().map(|w| w.text.as_str()).collect();
    let candidate = append::appended(&bytes, &dialect, &lines);
    // Where the new rows begin: after the file's lines (and the line ending added to a last line without).
    let first_line = candidate[..candidate.len() - lines.len()].iter().filter(|&&b| b == b'\n').count() + 1;

    // Validate the whole folder as it would be.
    let mut files = ledger::load::read_folder(&config.data);
    files.insert(file, (target.display().to_string(), Ok(candidate.clone().into())));
    let loaded = ledger::load::load_bytes(files, config.load);
    let mut diags = loaded.diagnostics.clone();
    if let (Some(l), true) = (&loaded.ledger, loaded.unread.is_empty()) {
        diags.extend(check::run(l, &crate::replay::Replay::new(l), as_of));
    }
    // A new row that an earlier correction voids at once would vanish from every figure unseen.
    if let Some(l) = &loaded.ledger {
        for v in l.voided.iter().filter(|v| v.file == file && v.at.line >= first_line as u64) {
            let c = &l.corrections[v.correction];
            let place = l.sources.place(v.at, None);
            let at = l.sources.place(c.at, None);
            let mut d = diag::Diagnostic::new(
                diag::Code::CorrectionUnmatched,
                place.path,
                format!(
                    "this row would be voided at once by the correction at {}:{} (`{}`)",
                    at.path,
                    at.line,
                    c.matches.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
                ),
            )
            .at_line(place.line, None);
            d.row = Some(place.row);
            d.hint = Some("a voided row's values are not used again: give the row one the correction does not name (a new release id, e.g. `RS-R2-2`)".into());
            diags.push(d);
        }
    }
    diag::sort(&mut diags);
    let errors: Vec<_> = diags.into_iter().filter(|d| d.severity() == Severity::Error).collect();
    if dry_run {
        writeln!(out, "would append {} row(s) to {}:", new_rows.len(), target.display())?;
        print_rows(out, &written, first_line)?;
        if errors.is_empty() {
            writeln!(out, "check: these rows pass; nothing written (--dry-run)")?;
            return Ok(Outcome::Clean);
        }
        write!(out, "{}", render::text(&errors, false))?;
        writeln!(out, "check: {} errors; nothing written (--dry-run)", errors.len())?;
        return Ok(Outcome::Findings);
    }
    if !errors.is_empty() {
        // A part of a release typed alone: say so, and how to record the release whole, before the findings.
        if let (crate::config::RecordRows::Typed(typed), Some(l), LedgerFile::Payments) = (rows, &loaded.ledger, file) {
            let data = (config.data != std::path::Path::new("data")).then(|| config.data.display().to_string());
            let shown = target.display().to_string();
            for message in append::incomplete_releases(l, typed, first_line as u64, &errors, &shown, data.as_deref()) {
                for line in message.lines() {
                    eprintln!("{}", render::inert(line));
                }
                eprintln!();
            }
        }
        eprint!("{}", render::text(&errors, false));
        eprintln!(
            "nothing recorded: with these rows the ledgers would have {} error{} (the file is unchanged)",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        return Ok(Outcome::Findings);
    }
    crate::write::write_atomic(&target, &candidate)?;
    drop(lock);
    writeln!(out, "recorded {} row(s) in {}:", new_rows.len(), target.display())?;
    print_rows(out, &written, first_line)?;
    Ok(Outcome::Clean)
}

/// Each row as written, at its line of the file (the first at `first_line`), with the values written in
/// another form than they were typed, so that nothing changes unseen.
fn print_rows(
    out: &mut dyn Write,
    written: &[crate::ledger::append::Written],
    first_line: usize,
) -> anyhow::Result<()> {
    let mut line = first_line;
    for w in written {
        writeln!(out, "  line {line}: {}", render::inert(w.text.trim_end_matches(['\r', '\n'])))?;
        for (column, typed, as_written) in &w.normalised {
            writeln!(out, "    {column}: `{}` became `{}`", render::inert(typed), render::inert(as_written))?;
        }
        line += w.text.matches('\n').count();
    }
    Ok(())
}
