//! growthplan: tracks a results-based facility from CSV ledgers. The binary is a thin shell over this
//! library: `cli` is what the user typed, `config` the validated configuration, `run` drives the
//! named stages: `ledger` (load) -> `check` (rules) -> `render`.
//!
//! The `pipeline` feature (on by default) adds the figures (`compute`, polars), the charts (`charts`,
//! plotters), the report, the public website (`site`) and the exported workbook; without it growthplan is the light build of
//! `check`, `record`, `import`, `fmt` and the rest that a data repository's CI needs.

#[cfg(feature = "pipeline")]
pub mod charts;
pub mod check;
pub mod cli;
#[cfg(feature = "pipeline")]
pub mod compute;
pub mod config;
pub mod date;
pub mod diag;
pub mod ledger;
pub mod meter;
pub mod money;
pub mod progress;
pub mod render;
pub mod replay;
#[cfg(feature = "pipeline")]
pub mod report;
pub mod run;
#[cfg(feature = "pipeline")]
pub mod site;
pub mod synth;
pub mod workbook;
pub mod write;
