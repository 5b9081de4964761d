//! The floor for `bench/run.sh`: polars alone, with no validation, scanning every CSV ledger of a data
//! folder and summing the amounts per partner (the files with `partner` and `amount_eur` columns; the
//! others are scanned and counted). growthplan's commands are measured against this.
//!
//! Usage: cargo run --release --features bench-floor --example polars_floor -- DATA_DIR
//! (the `bench-floor` feature turns on polars' CSV reader, which growthplan itself does not use).

use std::path::Path;

use polars::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: polars_floor DATA_DIR")?;
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    let mut rows = 0usize;
    for file in &files {
        let (n, sums) = scan(file)?;
        rows += n;
        if let Some(sums) = sums {
            let total = sums.column("amount_eur")?.as_materialized_series().f64()?.sum().unwrap_or(0.0);
            println!("{}: {n} rows, {} partners, amounts {total:.2}", file.display(), sums.height());
        } else {
            println!("{}: {n} rows", file.display());
        }
    }
    println!("{rows} rows in {} files", files.len());
    Ok(())
}

/// Rows of one file, and its amounts summed per partner when it has both columns.
fn scan(file: &Path) -> PolarsResult<(usize, Option<DataFrame>)> {
    let path = file.to_string_lossy().into_owned();
    let lf = LazyCsvReader::new(PlRefPath::new(path.as_str())).with_infer_schema_length(Some(10_000)).finish()?;
    let schema = lf.clone().collect_schema()?;
    if schema.contains("partner") && schema.contains("amount_eur") {
        let sums = lf
            .group_by([col("partner")])
            .agg([col("amount_eur").cast(DataType::Float64).sum(), len().alias("rows")])
            .sort(["partner"], Default::default())
            .collect()?;
        let n = sums.column("rows")?.as_materialized_series().cast(&DataType::UInt64)?.u64()?.sum().unwrap_or(0);
        Ok((n as usize, Some(sums)))
    } else {
        let n = lf.select([len()]).collect()?;
        let n = n.column("len")?.as_materialized_series().cast(&DataType::UInt64)?.u64()?.get(0).unwrap_or(0);
        Ok((n as usize, None))
    }
}
