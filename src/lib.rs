//! growthplan: tracks a results-based facility from CSV ledgers. The binary is a thin shell over this
//! library: `cli` is what the user typed, `config` the validated configuration, `run` drives the
//! named stages: `ledger` (load) -> `check` (rules) -> `render`.

pub mod charts;
pub mod check;
pub mod cli;
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
pub mod report;
pub mod run;
pub mod synth;
pub mod write;
