//! What the user typed: the clap definitions. `config` turns them into a validated `Config`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "growthplan",
    version,
    about = "Track a results-based facility (the EU Reform and Growth Facility for the Western Balkans) from CSV ledgers"
)]
pub struct Cli {
    /// The data folder holding facility.toml and the CSV ledgers.
    #[arg(long, global = true, default_value = "data", value_name = "DIR")]
    pub data: PathBuf,

    /// Read every ledger with this delimiter instead of detecting it.
    #[arg(long, global = true, value_enum, value_name = "DELIMITER")]
    pub delimiter: Option<DelimiterArg>,

    /// Read amounts with this decimal mark instead of inferring it from each file.
    #[arg(long, global = true, value_enum, value_name = "MARK")]
    pub decimal_mark: Option<DecimalMarkArg>,

    /// When to colour terminal output.
    #[arg(long, global = true, value_enum, default_value = "auto")]
    pub color: ColorArg,

    /// No longer needed, and ignored: --out and init's folder may be anywhere (growthplan refuses
    /// instead to write over a folder it did not make). Accepted so that scripts that pass it keep working.
    #[arg(long, global = true, hide = true)]
    pub allow_outside: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the ledgers and the facility's rules; exit 1 on findings.
    ///
    /// Example: growthplan check --as-of 2026-06-30 --format github
    Check {
        /// Check the ledgers as of this date (YYYY-MM-DD); default: today.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Output format: text for people, json for programs, github for pull-request annotations.
        #[arg(long, value_enum, default_value = "text")]
        format: CheckFormat,
        /// Exit 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Where every partner stands on a date: envelope, committed, paid, steps and money at stake.
    ///
    /// Example: growthplan status --as-of 2026-06-30 --partner RS
    Status {
        /// The date (YYYY-MM-DD); default: today.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Only this partner (by code).
        #[arg(long, value_name = "CODE")]
        partner: Option<String>,
        /// table for people, json (the contract in docs/OUTPUT.md) or csv for machines.
        #[arg(long, value_enum, default_value = "table")]
        format: StatusFormat,
        /// Add the outlook: what withheld money expires when, and three projections of payments to the
        /// facility's last payment date (on plan, at the observed pace, no further progress). With
        /// `--format csv`, print the projection table instead of the partners'.
        #[arg(long)]
        outlook: bool,
    },
    /// Write every computed table (partners, requests, known gaps, areas, steps, timeline, deadlines, the
    /// outlook's expiry calendar and projections, changes) to a folder: a file per table (csv, json,
    /// parquet) or one workbook (xlsx).
    ///
    /// Example: growthplan export --as-of 2026-06-30 --out out/ --format csv
    Export {
        /// The date (YYYY-MM-DD); default: today.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// The `changes` table covers what happened after this date, up to --as-of; default: the last day
        /// of the month before the as-of month.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// The folder to write to (created if missing).
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
    },
    /// Write the monthly report (Markdown, self-contained HTML, charts, summary.json) to reports/YYYY-MM/.
    ///
    /// Example: growthplan report --month 2026-02
    Report {
        /// The reporting month (YYYY-MM); default: the latest month with a dated event in the ledgers.
        #[arg(long, value_name = "YYYY-MM")]
        month: Option<String>,
        /// The folder that holds the reports.
        #[arg(long, value_name = "DIR", default_value = "reports")]
        out: std::path::PathBuf,
        /// Refuse to write a report when `check` finds errors (by default the report shows them at the top).
        #[arg(long)]
        strict: bool,
    },
    /// Write the public website: static pages (home, a page per partner, payments, requests, steps,
    /// sources, changes with an Atom feed, data downloads, method), whole or not at all, to publish with
    /// any static host (docs/PUBLISH.md).
    ///
    /// Example: growthplan site --as-of 2026-06-30 --out site
    Site {
        /// The date (YYYY-MM-DD); default: today.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// The folder to write (replaced whole; growthplan refuses a folder it did not make).
        #[arg(long, value_name = "DIR", default_value = "site")]
        out: std::path::PathBuf,
        /// Refuse to write the site when `check` finds errors (by default every page says so at its top).
        #[arg(long)]
        strict: bool,
        /// The address the site is published at (`https://example.org/tracker/`), for the absolute
        /// preview-image addresses that link previews need; every link stays relative.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// The monthly reports folder (`growthplan report --out`): its months' reports are published
        /// with the site, and the changes page links each month's.
        #[arg(long, value_name = "DIR")]
        reports: Option<std::path::PathBuf>,
    },
    /// Draw the charts (SVG and PNG) of the facility and of each partner.
    ///
    /// Example: growthplan charts --as-of 2026-06-30 --out charts/ --format both
    Charts {
        /// The date (YYYY-MM-DD); default: today.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// The folder to write to (created if missing).
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
        #[arg(long, value_enum, default_value = "both")]
        format: ChartFormat,
    },
    /// Append rows to a ledger safely: checked with the full `check` first, written atomically in the
    /// file's own dialect, under a lock so that people recording at once lose nothing.
    ///
    /// Example: growthplan record condition --date 2026-03-01 --partner RS --layer general --status met --source https://example.eu/x
    ///
    /// Example: growthplan record payment --id RS-R2 --date 2026-03-20 --partner RS --kind regular --steps RS-24H2-01 --request RS-Q24H2 --source https://example.eu/transfer --part budget:loan:4000000.00 --part wbif:grant:2500000.00 --part wbif:loan:2106726.85
    Record {
        /// The ledger to append to.
        #[arg(value_enum)]
        ledger: AppendLedger,
        /// Append every row of this CSV file (any dialect, columns by header name) instead of one row.
        #[arg(long, value_name = "FILE")]
        from_csv: Option<std::path::PathBuf>,
        /// Check the ledgers as of this date (YYYY-MM-DD); default: today.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// A part of a release (`record payment`): its channel, instrument and amount, as
        /// `--part budget:loan:4700000.00`; give one `--part` per part, the other columns once for all.
        #[arg(long, value_name = "CHANNEL:INSTRUMENT:AMOUNT")]
        part: Vec<String>,
        /// The row: `--COLUMN VALUE` for each column (`--amount-eur 1234.56`, `--steps "RS-1 RS-2"`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "--COLUMN VALUE")]
        fields: Vec<String>,
    },
    /// Append the rows of a spreadsheet export (CSV in any dialect) or of a workbook's sheet (.xlsx, .ods)
    /// to a ledger, like `record --from-csv`; with --dry-run, show what would be appended and whether it
    /// passes, and write nothing.
    ///
    /// Example: growthplan import --from payments.xlsx --sheet Sheet1 --into payments --dry-run
    Import {
        /// The CSV file or workbook (.xlsx, .ods) to import (columns matched by header name).
        #[arg(long, value_name = "FILE")]
        from: std::path::PathBuf,
        /// The workbook's sheet to read; default: the first.
        #[arg(long, value_name = "NAME")]
        sheet: Option<String>,
        /// The ledger to append to.
        #[arg(long, value_enum)]
        into: AppendLedger,
        /// Show the rows as they would be appended and the check's verdict; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Check the ledgers as of this date (YYYY-MM-DD); default: today.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Rewrite the ledgers in canonical form (UTF-8, comma, decimal point, ISO dates, schema column order,
    /// rows by date or id) without changing a cent; with --check, only report files that are not canonical.
    ///
    /// Example: growthplan fmt --check
    Fmt {
        /// Change nothing; exit 1 when a ledger is not in canonical form (for CI).
        #[arg(long)]
        check: bool,
    },
    /// Create a new data folder: facility.toml, every ledger with its header, and a README for staff.
    /// With --example, a practice folder instead: `data/` holding the step-level example (invented
    /// figures) and `examples/` with files to import, to follow docs/STAFF.md without touching real data.
    ///
    /// Example: growthplan init my-facility
    /// Example: growthplan init --example practice
    Init {
        /// The folder to create; it must not exist yet, or be empty.
        dir: std::path::PathBuf,
        /// Make a practice folder with the step-level example instead of an empty data folder.
        #[arg(long)]
        example: bool,
    },
    /// Print a shell completion script.
    ///
    /// Example: growthplan completions bash > /etc/bash_completion.d/growthplan
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff).
    ///
    /// Example: growthplan man > growthplan.1 && man ./growthplan.1
    Man,
    /// Write deterministic synthetic ledgers that pass `check`, for benchmarks and tests.
    ///
    /// Example: growthplan synth --out /tmp/big --partners 20 --steps 100000 --payments 1000000 --seed 1
    Synth {
        /// The folder to create (replaced whole if it exists).
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
        #[arg(long, default_value_t = 6)]
        partners: usize,
        #[arg(long, default_value_t = 600)]
        steps: usize,
        /// Payment rows (up to three per release, up to thirty per paid step: more rows are successive partial releases).
        #[arg(long, default_value_t = 300)]
        payments: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print the ledgers' Frictionless Data Package (data/datapackage.json).
    ///
    /// Example: growthplan schema > data/datapackage.json
    Schema,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
    Github,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum StatusFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
    Parquet,
    /// One workbook, `tables.xlsx`, with a sheet per table.
    Xlsx,
}

/// A ledger rows can be appended to (`record`, `import`): singular or plural, as reads naturally.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum AppendLedger {
    #[value(alias = "payments")]
    Payment,
    #[value(alias = "commitments")]
    Commitment,
    #[value(alias = "step-events")]
    StepEvent,
    #[value(alias = "allocations")]
    Allocation,
    #[value(alias = "conditions")]
    Condition,
    #[value(alias = "control-totals")]
    ControlTotal,
    #[value(alias = "requests")]
    Request,
    #[value(alias = "assessments")]
    Assessment,
    #[value(alias = "corrections")]
    Correction,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ChartFormat {
    Svg,
    Png,
    Both,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DelimiterArg {
    Comma,
    Semicolon,
    Tab,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DecimalMarkArg {
    Point,
    Comma,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}
