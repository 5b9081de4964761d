//! The validated configuration: every cross-argument check happens here, before any file is opened.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{
    ChartFormat, CheckFormat, Cli, ColorArg, Command, DecimalMarkArg, DelimiterArg, ExportFormat, StatusFormat,
};

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
        outlook: bool,
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
        /// The day the report is made: without `--month`, the report is of the last month complete then.
        today: Date,
    },
    Site {
        as_of: Date,
        out: PathBuf,
        strict: bool,
        /// Ends with `/`.
        base_url: Option<String>,
        /// The reports folder whose months' reports the site publishes.
        reports: Option<PathBuf>,
    },
    Fmt {
        check: bool,
    },
    Record {
        ledger: crate::ledger::schema::LedgerFile,
        rows: RecordRows,
        as_of: Date,
        /// Show what would be appended and the verdict; write nothing.
        dry_run: bool,
    },
    Init {
        /// A practice folder (the step-level example) instead of an empty data folder.
        example: bool,
        dir: PathBuf,
    },
    Synth {
        out: PathBuf,
        spec: crate::synth::Spec,
    },
    Completions {
        shell: clap_complete::Shell,
    },
    Man,
    Schema,
}

/// Where the rows of `record` come from.
#[derive(Debug, Clone)]
pub enum RecordRows {
    /// Rows typed on the command line, column name -> value: one, or one per `--part` of a release (the
    /// columns given once, each part's channel, instrument and amount its own).
    Typed(Vec<std::collections::BTreeMap<String, String>>),
    /// Every row of a CSV file.
    Csv(PathBuf),
    /// Every row of a workbook's sheet (the first when `sheet` is `None`).
    Workbook { path: PathBuf, kind: crate::workbook::Kind, sheet: Option<String> },
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
            // Only `report` names the files' digests; it asks for them itself.
            digests: false,
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
            Command::Status { as_of, partner, format, outlook } => {
                Task::Status { as_of: parse_as_of(as_of.as_deref(), today)?, partner, format, outlook }
            }
            Command::Export { as_of, since, out, format } => {
                let as_of = parse_as_of(as_of.as_deref(), today)?;
                let since = match since {
                    None => date::previous_month_end(as_of),
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
                    crate::date::parse_month(m).map_err(|e| ConfigError(format!("--month {e}")))?;
                }
                Task::Report { month, out, strict, today }
            }
            Command::Site { as_of, out, strict, base_url, reports } => Task::Site {
                as_of: parse_as_of(as_of.as_deref(), today)?,
                out,
                strict,
                base_url: base_url.map(|u| parse_base_url(&u)).transpose()?,
                reports,
            },
            Command::Fmt { check } => Task::Fmt { check },
            Command::Record { ledger, from_csv, as_of, mut part, fields } => {
                let file = ledger_file(ledger);
                // Options written after the row's columns arrive among them: take them back out.
                let (mut fields, parts) = parse_fields(&fields)?;
                part.extend(parts);
                let as_of = as_of.or_else(|| fields.remove("as_of"));
                let from_csv = from_csv.or_else(|| fields.remove("from_csv").map(PathBuf::from));
                let rows = match (from_csv, fields.is_empty() && part.is_empty()) {
                    (Some(p), true) => RecordRows::Csv(p),
                    (Some(_), false) => {
                        return Err(ConfigError(
                            "give either --from-csv FILE or the row's --COLUMN VALUE pairs, not both".into(),
                        ))
                    }
                    (None, true) => {
                        return Err(ConfigError("give the row as --COLUMN VALUE pairs, or --from-csv FILE".into()))
                    }
                    (None, false) if part.is_empty() => RecordRows::Typed(vec![fields]),
                    (None, false) => RecordRows::Typed(release_parts(file, fields, &part)?),
                };
                Task::Record { ledger: file, rows, as_of: parse_as_of(as_of.as_deref(), today)?, dry_run: false }
            }
            Command::Import { from, sheet, into, dry_run, as_of } => Task::Record {
                ledger: ledger_file(into),
                rows: match (crate::workbook::Kind::of(&from), sheet) {
                    (Some(kind), sheet) => RecordRows::Workbook { path: from, kind, sheet },
                    (None, None) => RecordRows::Csv(from),
                    (None, Some(_)) => return Err(ConfigError("--sheet is for a workbook (.xlsx, .ods)".into())),
                },
                as_of: parse_as_of(as_of.as_deref(), today)?,
                dry_run,
            },
            Command::Init { dir, example } => Task::Init { dir, example },
            Command::Synth { out, partners, steps, payments, seed } => {
                Task::Synth { out, spec: crate::synth::Spec { partners, steps, payments, seed } }
            }
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

/// `--base-url`: an `http(s)://` address without quotes, spaces or control characters, ending with `/`.
fn parse_base_url(given: &str) -> Result<String, ConfigError> {
    let plain = (given.starts_with("https://") || given.starts_with("http://"))
        && given.len() > "https://".len()
        && !given.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`'));
    if !plain || given.contains(['?', '#']) {
        return Err(ConfigError(format!(
            "--base-url `{given}` is not a web address; write where the site is published, e.g. https://example.org/tracker/"
        )));
    }
    Ok(if given.ends_with('/') { given.to_string() } else { format!("{given}/") })
}

/// The ledger file `record` and `import` append to.
fn ledger_file(ledger: crate::cli::AppendLedger) -> crate::ledger::schema::LedgerFile {
    use crate::cli::AppendLedger as A;
    use crate::ledger::schema::LedgerFile as F;
    match ledger {
        A::Payment => F::Payments,
        A::Commitment => F::Commitments,
        A::StepEvent => F::StepEvents,
        A::Allocation => F::Allocations,
        A::Condition => F::Conditions,
        A::ControlTotal => F::ControlTotals,
        A::Request => F::Requests,
        A::Assessment => F::Assessments,
        A::Correction => F::Corrections,
    }
}

/// The rows of one release given as `--part CHANNEL:INSTRUMENT:AMOUNT` (`--part budget:loan:4700000.00`),
/// each with the columns given once (`shared`). The amount is written as `record` writes any amount; the
/// words are read by the loader, whose findings name the row.
fn release_parts(
    file: crate::ledger::schema::LedgerFile,
    shared: std::collections::BTreeMap<String, String>,
    parts: &[String],
) -> Result<Vec<std::collections::BTreeMap<String, String>>, ConfigError> {
    if file != crate::ledger::schema::LedgerFile::Payments {
        return Err(ConfigError("--part is for the parts of a release: `growthplan record payment`".into()));
    }
    if let Some(column) = ["channel", "instrument", "amount_eur"].into_iter().find(|c| shared.contains_key(*c)) {
        return Err(ConfigError(format!(
            "--{} is given with --part: each --part gives its channel, instrument and amount \
             (--part budget:loan:4700000.00); leave out --channel, --instrument and --amount-eur",
            column.replace('_', "-")
        )));
    }
    let mut rows = Vec::with_capacity(parts.len());
    let mut seen: Vec<(String, String)> = Vec::new();
    for part in parts {
        let pieces: Vec<&str> = part.splitn(3, ':').map(str::trim).collect();
        let [channel, instrument, amount] = pieces[..] else {
            return Err(ConfigError(format!(
                "--part `{part}`: write CHANNEL:INSTRUMENT:AMOUNT, e.g. --part budget:loan:4700000.00"
            )));
        };
        if channel.is_empty() || instrument.is_empty() || amount.is_empty() {
            return Err(ConfigError(format!(
                "--part `{part}`: write CHANNEL:INSTRUMENT:AMOUNT, e.g. --part budget:loan:4700000.00"
            )));
        }
        let key = (channel.to_ascii_lowercase(), instrument.to_ascii_lowercase());
        if seen.contains(&key) {
            return Err(ConfigError(format!(
                "--part {channel}:{instrument} is given twice: a release has one part per channel and instrument"
            )));
        }
        seen.push(key);
        let mut row = shared.clone();
        row.insert("channel".into(), channel.into());
        row.insert("instrument".into(), instrument.into());
        row.insert("amount_eur".into(), amount.into());
        rows.push(row);
    }
    Ok(rows)
}

/// `--amount-eur 12.50 --date=2026-03-01` -> {amount_eur: 12.50, date: 2026-03-01}; every `--part`, which
/// may be given more than once, apart.
fn parse_fields(args: &[String]) -> Result<(std::collections::BTreeMap<String, String>, Vec<String>), ConfigError> {
    let mut out = std::collections::BTreeMap::new();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let Some(flag) = args[i].strip_prefix("--") else {
            return Err(ConfigError(format!("`{}` is not a --COLUMN: give the row as --COLUMN VALUE pairs", args[i])));
        };
        let (name, value) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => {
                i += 1;
                let v = args.get(i).ok_or_else(|| ConfigError(format!("--{flag} needs a value")))?;
                (flag.to_string(), v.clone())
            }
        };
        let name = name.replace('-', "_");
        if name == "part" {
            parts.push(value);
        } else if out.insert(name.clone(), value).is_some() {
            return Err(ConfigError(format!("--{} is given twice", name.replace('_', "-"))));
        }
        i += 1;
    }
    Ok((out, parts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use std::path::Path;

    #[test]
    fn output_paths_are_taken_as_given_wherever_they_lead() {
        // What protects other people's files is `write::ensure_ours`, at the moment of writing.
        let today = date::parse_date("2026-02-28", false).unwrap();
        for out in ["/tmp/elsewhere", "..", "reports/../../x", "../sibling/reports", "new/deeper/folder"] {
            for args in [["charts", "--out", out], ["synth", "--out", out], ["export", "--out", out]] {
                let cli = Cli::parse_from(std::iter::once("growthplan").chain(args));
                let task = Config::from_cli(cli, today).unwrap_or_else(|e| panic!("{args:?}: {}", e.0)).task;
                let (Task::Charts { out: got, .. } | Task::Synth { out: got, .. } | Task::Export { out: got, .. }) =
                    task
                else {
                    panic!("{args:?}: {task:?}")
                };
                assert_eq!(got, Path::new(out), "{args:?}");
            }
        }
        // The flag that allowed it before is still accepted (and changes nothing), for existing scripts.
        let cli = Cli::parse_from(["growthplan", "init", "/tmp/new-data", "--allow-outside"]);
        let task = Config::from_cli(cli, today).unwrap().task;
        assert!(matches!(task, Task::Init { dir, example: false } if dir == Path::new("/tmp/new-data")));
    }
}
