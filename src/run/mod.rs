//! The commands, each a readable pipeline of named stages: load -> validate -> check -> render -> write.

use std::io::Write;

use anyhow::Context;

use crate::cli::CheckFormat;
use crate::config::{Config, Task};
use crate::diag::{self, Severity};
use crate::ledger::{self, datapackage};
use crate::render::diagnostics as render;
use crate::{check, date};

#[cfg(feature = "pipeline")]
mod figures;
#[cfg(feature = "pipeline")]
mod publish;
mod staff;

#[cfg(feature = "pipeline")]
use figures::{charts_command, export_command, status_command};
#[cfg(feature = "pipeline")]
use publish::{report_command, site_command};
use staff::{fmt_command, init_command, practice_command, record_command};

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
            let (replay, found) = check::run(l, as_of);
            leave_to_exit(replay);
            diags.extend(found);
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
