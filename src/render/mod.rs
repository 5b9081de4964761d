//! Renderers: plain structs in, text out. No IO and no computation of figures here.

pub mod diagnostics;
pub mod export;
pub mod outlook;
pub mod status;
