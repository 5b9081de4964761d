//! The Parquet export: a computed table as Parquet bytes, amounts exact as Int64 cents.

use polars::prelude::*;

use super::{s, ComputeError};
use crate::progress::Table;

/// A computed table as Parquet: `_eur` columns become Int64 cents named `_cents`, integers stay Int64,
/// text is UTF-8. Exact: no amount passes through a float.
pub fn parquet(t: &Table) -> Result<Vec<u8>, ComputeError> {
    use serde_json::Value;
    let mut columns = Vec::new();
    for (i, name) in t.header.iter().enumerate() {
        let cells: Vec<&Value> = t.rows.iter().map(|r| &r[i]).collect();
        let column = if let Some(base) = name.strip_suffix("_eur") {
            let cents: Vec<Option<i64>> = cells
                .iter()
                .map(|v| {
                    v.as_str()
                        .and_then(|s| crate::money::parse_amount(s, Some(crate::money::DecimalMark::Point)).ok())
                        .map(|a| a.cents)
                })
                .collect();
            Column::new(s(&format!("{base}_cents")), cents)
        } else if cells.iter().all(|v| v.is_i64() || v.is_null()) && !cells.is_empty() {
            Column::new(s(name), cells.iter().map(|v| v.as_i64()).collect::<Vec<Option<i64>>>())
        } else {
            Column::new(
                s(name),
                cells
                    .iter()
                    .map(|v| v.as_str().map(str::to_string).or_else(|| (!v.is_null()).then(|| v.to_string())))
                    .collect::<Vec<Option<String>>>(),
            )
        };
        columns.push(column);
    }
    let mut df = DataFrame::new(t.rows.len(), columns)?;
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf).finish(&mut df)?;
    Ok(buf)
}
