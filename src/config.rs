//! The validated configuration: every cross-argument check happens here, before any file is opened.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{
    ChartFormat, CheckFormat, Cli, ColorArg, Command, DecimalMarkArg, DelimiterArg, ExportFormat, StatusFormat,
};
use chrono::Datelike;

use crate::date::{self, Date};
use crate::ledger::LoadOptions;
use crate::money::DecimalMark;

#[derive(Debug, Clone)]
pub struct Config {
    pub data: PathBuf,
    pub load: LoadOptions,
    pub color: bool,
    pub task: Task,
}

#[derive(Debug, Clone)]
pub enum Task {
    Check {
        as_of: Date,
        format: CheckFormat,
        deny_warnings: bool,
    },
    Status {
        as_of: Date,
        partner: Option<String>,
        format: StatusFormat,
    },
    Export {
        as_of: Date,
        since: Date,
        out: PathBuf,
        format: ExportFormat,
    },
    Charts {
        as_of: Date,
        out: PathBuf,
        format: ChartFormat,
    },
    /// `month` is checked here; `None` means the latest month with an event, known only after loading.
    Report {
        month: Option<String>,
        out: PathBuf,
        strict: bool,
    },
    Fmt {
        check: bool,
    },
    Init {
        dir: PathBuf,
    },
    Completions {
        shell: clap_complete::Shell,
    },
    Man,
    Schema,
}

/// An argument that cannot be used (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Config {
    pub fn from_cli(cli: Cli, today: Date) -> Result<Config, ConfigError> {
        let load = LoadOptions {
            delimiter: cli.delimiter.map(|d| match d {
                DelimiterArg::Comma => b',',
                DelimiterArg::Semicolon => b';',
                DelimiterArg::Tab => b'\t',
            }),
            decimal_mark: cli.decimal_mark.map(|m| match m {
                DecimalMarkArg::Point => DecimalMark::Point,
                DecimalMarkArg::Comma => DecimalMark::Comma,
            }),
        };
        if load.delimiter == Some(b',') && load.decimal_mark == Some(DecimalMark::Comma) {
            return Err(ConfigError(
                "--delimiter comma and --decimal-mark comma cannot be combined: amounts would split into two fields"
                    .into(),
            ));
        }
        let color = match cli.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
            }
        };
        let task = match cli.command {
            Command::Check { as_of, format, deny_warnings } => {
                Task::Check { as_of: parse_as_of(as_of.as_deref(), today)?, format, deny_warnings }
            }
            Command::Status { as_of, partner, format } => {
                Task::Status { as_of: parse_as_of(as_of.as_deref(), today)?, partner, format }
            }
            Command::Export { as_of, since, out, format } => {
                let as_of = parse_as_of(as_of.as_deref(), today)?;
                let since = match since {
                    None => as_of.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(as_of),
                    Some(s) => date::parse_date(&s, false)
                        .map_err(|_| ConfigError(format!("--since `{s}` is not a date; write YYYY-MM-DD")))?,
                };
                if since > as_of {
                    return Err(ConfigError(format!(
                        "--since {} is after --as-of {}",
                        date::format(since),
                        date::format(as_of)
                    )));
                }
                Task::Export { as_of, since, out, format }
            }
            Command::Charts { as_of, out, format } => {
                Task::Charts { as_of: parse_as_of(as_of.as_deref(), today)?, out, format }
            }
            Command::Report { month, out, strict } => {
                if let Some(m) = &month {
                    crate::report::month_end(m).map_err(|e| ConfigError(format!("--month {e}")))?;
                }
                Task::Report { month, out, strict }
            }
            Command::Fmt { check } => Task::Fmt { check },
            Command::Init { dir } => Task::Init { dir },
            Command::Completions { shell } => Task::Completions { shell },
            Command::Man => Task::Man,
            Command::Schema => Task::Schema,
        };
        Ok(Config { data: cli.data, load, color, task })
    }
}

fn parse_as_of(text: Option<&str>, today: Date) -> Result<Date, ConfigError> {
    match text {
        None => Ok(today),
        Some(t) => date::parse_date(t, false)
            .map_err(|_| ConfigError(format!("--as-of `{t}` is not a date; write YYYY-MM-DD, e.g. 2026-06-30"))),
    }
}
