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
        Task::Schema => {
            out.write_all(datapackage::datapackage_text().as_bytes())?;
            Ok(Outcome::Clean)
        }
    }
}

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
            diags.extend(check::run(l, as_of));
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
    Ok(if failing { Outcome::Findings } else { Outcome::Clean })
}
