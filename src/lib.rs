//! growthplan: tracks a results-based facility from CSV ledgers. The binary is a thin shell over this
//! library: `cli` parses arguments into a `Config`, `run` drives the named stages.

pub mod date;
pub mod diag;
pub mod ledger;
pub mod money;
