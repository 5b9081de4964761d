//! The Parquet form of an exported table (`export --format parquet`), typed by
//! `render::export::column_kind`: amounts as Int64 cents (`_eur` becomes `_cents`), dates as `Date`,
//! percentages as Float64, counts as Int64, the rest as UTF-8 text (docs/OUTPUT.md). Written by polars-io
//! directly: polars' own `parquet` feature would bring its streaming engine and cloud stack.

use polars::prelude::*;
use polars_io::parquet::write::ParquetWriter;
use serde_json::Value;

use super::frames::day;
use super::{s, ComputeError};
use crate::progress::{Change, Table};
use crate::render::export::{column_kind, ColumnKind};

/// A computed table as Parquet. Exact: no amount passes through a float.
pub fn parquet(t: &Table) -> Result<Vec<u8>, ComputeError> {
    let mut columns = Vec::new();
    for (i, name) in t.header.iter().enumerate() {
        let cells: Vec<&Value> = t.rows.iter().map(|r| &r[i]).collect();
        let text = |v: &Value| v.as_str().map(str::to_string).or_else(|| (!v.is_null()).then(|| v.to_string()));
        let column = match column_kind(name) {
            ColumnKind::Euro => {
                let base = name.strip_suffix("_eur").unwrap_or(name);
                let cents: Vec<Option<i64>> = cells
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .and_then(|s| crate::money::parse_amount(s, Some(crate::money::DecimalMark::Point)).ok())
                            .map(|a| a.cents)
                    })
                    .collect();
                Column::new(s(&format!("{base}_cents")), cents)
            }
            ColumnKind::Integer => Column::new(s(name), cells.iter().map(|v| v.as_i64()).collect::<Vec<Option<i64>>>()),
            ColumnKind::Percent => Column::new(
                s(name),
                cells.iter().map(|v| v.as_str().and_then(|s| s.parse::<f64>().ok())).collect::<Vec<Option<f64>>>(),
            ),
            ColumnKind::Date => {
                let days: Vec<Option<i32>> = cells
                    .iter()
                    .map(|v| v.as_str().and_then(|s| crate::date::parse_date(s, false).ok()).map(day))
                    .collect();
                Column::new(s(name), days).cast(&DataType::Date)?
            }
            // Text borrowed where it is text (a million cells of the changes at 10^6 rows).
            ColumnKind::Text if cells.iter().all(|v| v.is_string() || v.is_null()) => {
                Column::new(s(name), cells.iter().map(|v| v.as_str()).collect::<Vec<Option<&str>>>())
            }
            ColumnKind::Text => Column::new(s(name), cells.iter().map(|v| text(v)).collect::<Vec<Option<String>>>()),
        };
        columns.push(column);
    }
    write(t.rows.len(), columns)
}

/// The `changes` table as Parquet, from the changes without building the table: the bytes of [`parquet`]
/// over `render::export::changes_table` (a million rows at 10^6: the site target, BENCHMARKS.md) for
/// every amount a ledger cell can hold. An amount beyond that (a sum over EUR 10^12) is kept here, where
/// the table's text read back as an amount loses it to null.
pub fn changes_parquet(changes: &[Change]) -> Result<Vec<u8>, ComputeError> {
    let text = |name: &str, f: for<'c> fn(&'c Change<'c>) -> &'c str| {
        Column::new(s(name), changes.iter().map(|c| Some(f(c))).collect::<Vec<Option<&str>>>())
    };
    let columns = vec![
        Column::new(s("date"), changes.iter().map(|c| Some(day(c.date))).collect::<Vec<Option<i32>>>())
            .cast(&DataType::Date)?,
        text("partner", |c| c.partner),
        text("what", |c| c.what),
        text("reference", |c| c.reference),
        Column::new(s("amount_cents"), changes.iter().map(|c| c.amount).collect::<Vec<Option<i64>>>()),
        text("source", |c| c.source),
    ];
    write(changes.len(), columns)
}

fn write(height: usize, columns: Vec<Column>) -> Result<Vec<u8>, ComputeError> {
    let mut df = DataFrame::new(height, columns)?;
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf).finish(&mut df)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_io::parquet::read::ParquetReader;
    use polars_io::SerReader;
    use serde_json::json;

    proptest::proptest! {
        /// The changes written straight are the bytes of their table written as any table is.
        #[test]
        fn changes_written_straight_are_their_table(parts in crate::render::export::tests::arbitrary_changes()) {
            let changes = crate::render::export::tests::changes_of(&parts);
            let table = crate::render::export::changes_table(&changes);
            proptest::prop_assert_eq!(changes_parquet(&changes).unwrap(), parquet(&table).unwrap());
        }
    }

    /// Written and read back: every kind of column has its type and its values, to the cent.
    #[test]
    fn the_columns_read_back_typed_and_exact() {
        let t = Table {
            name: "t",
            header: ["date", "partner", "amount_eur", "paid_share_of_envelope_pct", "steps_due"]
                .map(String::from)
                .to_vec(),
            rows: vec![
                vec![json!("2026-02-28"), json!("AA"), json!("92233720368.47"), json!("33.33"), json!(3)],
                vec![json!("1999-12-31"), json!("BB"), json!("-0.01"), Value::Null, json!(0)],
            ],
        };
        let bytes = parquet(&t).unwrap();
        let df = ParquetReader::new(std::io::Cursor::new(bytes)).finish().unwrap();
        let types: Vec<(String, DataType)> =
            df.columns().iter().map(|c| (c.name().to_string(), c.dtype().clone())).collect();
        assert_eq!(
            types,
            [
                ("date".to_string(), DataType::Date),
                ("partner".to_string(), DataType::String),
                ("amount_cents".to_string(), DataType::Int64),
                ("paid_share_of_envelope_pct".to_string(), DataType::Float64),
                ("steps_due".to_string(), DataType::Int64),
            ]
        );
        let cents = df.column("amount_cents").unwrap().i64().unwrap().clone();
        let cents: Vec<Option<i64>> = (0..cents.len()).map(|i| cents.get(i)).collect();
        assert_eq!(cents, [Some(9_223_372_036_847), Some(-1)]);
        let days = df.column("date").unwrap().cast(&DataType::Int32).unwrap();
        let days: Vec<Option<i32>> = (0..days.len()).map(|i| days.i32().unwrap().get(i)).collect();
        let d = |y, m, dd| Some(day(crate::date::Date::from_ymd_opt(y, m, dd).unwrap()));
        assert_eq!(days, [d(2026, 2, 28), d(1999, 12, 31)]);
        let pct = df.column("paid_share_of_envelope_pct").unwrap().f64().unwrap().clone();
        let pct: Vec<Option<f64>> = (0..pct.len()).map(|i| pct.get(i)).collect();
        assert_eq!(pct, [Some(33.33), None]);
    }
}
