//! The growthplan binary: parse arguments, run, map the outcome to an exit code
//! (0 clean, 1 findings in the data, 2 could not run). A closed pipe is not an error.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use growthplan::cli::Cli;
use growthplan::config::Config;
use growthplan::run::{run, Outcome};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    growthplan::ledger::source::exit_if_a_mapped_file_shrinks();
    let cli = Cli::parse();
    // GROWTHPLAN_TODAY=YYYY-MM-DD fixes the day (for reproducible runs and tests); otherwise the local date.
    let today = std::env::var("GROWTHPLAN_TODAY")
        .ok()
        .and_then(|d| growthplan::date::parse_date(&d, false).ok())
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let config = match Config::from_cli(cli, today) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = growthplan::meter::ClearsTheMeter(stdout.lock());
    growthplan::meter::enable();
    let result = run(&config, &mut out).and_then(|o| out.flush().map(|_| o).map_err(Into::into));
    growthplan::meter::finish();
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}
