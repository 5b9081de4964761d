//! The ledgers: the data contract (`schema`), the typed rows (`model`), the facility's parameters
//! (`facility`), decoding and locating source text (`source`), and the loader (`load`).

pub mod append;
pub mod canonical;
pub mod datapackage;
pub mod facility;
pub mod load;
pub mod model;
pub mod place;
pub mod releases;
pub mod schema;
pub mod source;
pub mod vocabulary;

pub use load::{load, LoadError, LoadOptions, Loaded};
pub use model::Ledger;
