//! The rows of one sheet of an `.xlsx` or `.ods` workbook (calamine reads both), by header name, as the
//! text `ledger::append` formats into a ledger: what `import --from FILE.xlsx` appends.
//!
//! A cell's kind decides how it is read, by the ledger column it falls under: a number in an amount column
//! becomes cents only when it is exactly a whole number of cents (`money::exact_cents`), a date cell in a
//! date column becomes its day, text is read as the CSV import reads it. Anything else is refused with the
//! cell's place, `payments.xlsx[Sheet1]:12:C`.
//!
//! The cells come from `cells`, which reads them without trusting the archive.

use std::collections::BTreeMap;

use super::cells::{check_archive, ods_sheet, xlsx_sheet, Cell, Sheet, Value};
pub use super::cells::{MAX_CELLS, MAX_PARTS, MAX_UNPACKED_BYTES};
use super::{column_letters, Kind};
use crate::date;
use crate::ledger::schema::{ColumnType, LedgerFile};
use crate::ledger::source::normalise_header;
use crate::money;

/// The largest workbook file read.
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// Problems listed one by one before the rest are counted.
const MAX_SHOWN: usize = 50;

/// The rows of a sheet, and what was read in a way worth saying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRows {
    /// The sheet read.
    pub sheet: String,
    /// Column name -> cell text, for each row with a value.
    pub rows: Vec<BTreeMap<String, String>>,
    /// Formulas whose cached value was used, dates written as text, empty rows skipped: each with its place.
    pub notes: Vec<String>,
}

/// Why nothing can be imported from a workbook: every problem found, each naming its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub Vec<String>);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, m) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{m}")?;
        }
        Ok(())
    }
}

/// Reads the rows of `sheet` (the first sheet when `None`) of a workbook, for `file`. `shown` names the
/// workbook in messages.
pub fn read_rows(
    file: LedgerFile,
    bytes: &[u8],
    kind: Kind,
    shown: &str,
    sheet: Option<&str>,
) -> Result<SheetRows, Refused> {
    let refuse = |m: String| Refused(vec![format!("error: {shown}: {m}")]);
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(refuse(format!(
            "is larger than {} MB, the most growthplan reads from a workbook (save the sheet as CSV and import that)",
            MAX_FILE_BYTES >> 20
        )));
    }
    check_archive(bytes).map_err(refuse)?;
    // calamine is not expected to panic on what passed the checks above; if it does, the import is
    // refused like any unreadable workbook instead of ending the process.
    let read = std::panic::catch_unwind(|| match kind {
        Kind::Xlsx => xlsx_sheet(bytes, sheet),
        Kind::Ods => ods_sheet(bytes, sheet),
    });
    let sheet = match read {
        Ok(r) => r.map_err(refuse)?,
        Err(_) => return Err(refuse("cannot be read: the workbook reader failed on it".into())),
    };
    rows_of(file, shown, sheet)
}

/// Turns a sheet's cells into rows by header name: the first row with a value is the header; merged
/// regions lend their first cell's value to every cell they cover; empty rows are skipped (with a note
/// when rows follow them); each cell is read by the type of the ledger column it falls under.
fn rows_of(file: LedgerFile, shown: &str, sheet: Sheet) -> Result<SheetRows, Refused> {
    let spec = file.spec().ok_or_else(|| Refused(vec![format!("error: {} is not a CSV ledger", file.file_name())]))?;
    let place = |row: u32, col: u32| format!("{shown}[{}]:{}:{}", sheet.name, row as u64 + 1, column_letters(col));
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let mut cells: BTreeMap<(u32, u32), Cell> = sheet.cells.into_iter().map(|c| ((c.row, c.col), c)).collect();
    let Some(header_row) = cells.values().find(|c| c.value.is_some()).map(|c| c.row) else {
        return Err(Refused(vec![format!(
            "error: {shown}[{}]: the sheet is empty: no header row, no rows",
            sheet.name
        )]));
    };

    // The header: column -> ledger column name.
    let mut header: BTreeMap<u32, String> = BTreeMap::new();
    for c in cells.range((header_row, 0)..=(header_row, u32::MAX)).map(|(_, c)| c) {
        let Some(v) = &c.value else { continue };
        let name = normalise_header(&text_of(v));
        if name.is_empty() {
            continue;
        }
        if header.values().any(|n| *n == name) {
            errors.push(format!("error: {}: the header `{name}` appears twice", place(c.row, c.col)));
        }
        header.insert(c.col, name);
    }
    let last_row = cells.keys().next_back().map(|k| k.0).unwrap_or(header_row);

    // Merged regions below the header: every covered cell under a header takes the region's value.
    let mut filled = 0u64;
    for &(r0, c0, r1, c1) in &sheet.merged {
        if r0 <= header_row || r0 > r1 || c0 > c1 {
            continue;
        }
        let Some(v) = cells.get(&(r0, c0)).and_then(|c| c.value.clone()) else { continue };
        for r in r0..=r1.min(last_row) {
            for (&c, _) in header.range(c0..=c1) {
                filled += 1;
                if filled > MAX_CELLS {
                    return Err(Refused(vec![format!(
                        "error: {shown}[{}]: its merged regions cover more than {MAX_CELLS} cells",
                        sheet.name
                    )]));
                }
                cells.entry((r, c)).or_insert(Cell { row: r, col: c, value: Some(v.clone()), formula: false });
            }
        }
    }

    // The rows.
    let mut rows = Vec::new();
    let mut previous = header_row;
    let mut by_row: BTreeMap<u32, Vec<Cell>> = BTreeMap::new();
    for ((r, _), c) in cells.into_iter().filter(|((r, _), _)| *r > header_row) {
        by_row.entry(r).or_default().push(c);
    }
    for (r, row_cells) in by_row {
        if r > previous + 1 {
            let (first, last) = (previous as u64 + 2, r as u64);
            notes.push(if first == last {
                format!("note: {shown}[{}]:{first}: an empty row: skipped", sheet.name)
            } else {
                format!("note: {shown}[{}]:{first}-{last}: empty rows: skipped", sheet.name)
            });
        }
        previous = r;
        let mut row = BTreeMap::new();
        for c in row_cells {
            let at = place(c.row, c.col);
            let Some(name) = header.get(&c.col) else {
                let shown_value = c.value.as_ref().map(text_of).unwrap_or_else(|| "a formula".into());
                errors.push(format!(
                    "error: {at}: `{}` has no column header above it; give the column a header or clear the cell",
                    crate::render::diagnostics::inert(&shown_value)
                ));
                continue;
            };
            let Some(value) = &c.value else {
                errors.push(format!(
                    "error: {at}: a formula with no saved value; open the workbook in a spreadsheet program and save \
                     it, or replace the formula by its value"
                ));
                continue;
            };
            let ty = spec.column(name).map(|i| spec.columns[i].ty).unwrap_or(ColumnType::Text);
            match cell_text(ty, value) {
                Ok((text, note)) => {
                    if c.formula {
                        notes.push(format!("note: {at}: a formula: its saved value `{}` is imported", inert(&text)));
                    }
                    if let Some(n) = note {
                        notes.push(format!("note: {at}: {n}"));
                    }
                    row.insert(name.clone(), text);
                }
                Err(m) => errors.push(format!("error: {at}: {m}")),
            }
        }
        if !row.is_empty() {
            rows.push(row);
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(format!("error: {shown}[{}]: no rows below the header", sheet.name));
    }
    if !errors.is_empty() {
        let more = errors.len().saturating_sub(MAX_SHOWN);
        errors.truncate(MAX_SHOWN);
        if more > 0 {
            errors.push(format!("error: {shown}: and {more} more problems"));
        }
        return Err(Refused(errors));
    }
    Ok(SheetRows { sheet: sheet.name, rows, notes })
}

fn inert(s: &str) -> String {
    crate::render::diagnostics::inert(s)
}

/// A value as plain text (headers, and values in text columns).
fn text_of(v: &Value) -> String {
    match v {
        Value::Text(s) | Value::Moment(s) | Value::Error(s) => s.clone(),
        Value::Number(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Value::Number(f) => format!("{f}"),
        Value::Int(i) => i.to_string(),
        Value::Date(d) => date::format(*d),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
    }
}

/// A cell's text for a ledger column of type `ty`, with a note when it was read in a way worth saying;
/// or why it cannot be read.
fn cell_text(ty: ColumnType, v: &Value) -> Result<(String, Option<String>), String> {
    let shown = || inert(&text_of(v));
    match (ty, v) {
        (_, Value::Error(e)) => Err(format!("the cell shows the error {}; correct it first", inert(e))),
        (ColumnType::Money, Value::Number(f)) => match money::exact_cents(*f) {
            Some(c) => Ok((money::format_plain(c), None)),
            None => Err(format!(
                "{} is not a whole number of cents (it lies between two amounts, or beyond the largest); round it \
                 to two decimals in the workbook (=ROUND(...; 2)) or type the amount",
                shown()
            )),
        },
        (ColumnType::Money, Value::Int(i)) => match i.checked_mul(100).filter(|c| c.abs() <= money::MAX_CELL_CENTS) {
            Some(c) => Ok((money::format_plain(c), None)),
            None => Err(format!("{i} is beyond the largest amount a ledger holds")),
        },
        (ColumnType::Money, Value::Text(s)) => match money::parse_amount(s.trim(), None) {
            Ok(_) => Ok((s.clone(), None)),
            Err(_) => Err(format!(
                "`{}` is not an unambiguous amount; make it a number cell, or write it like 1234.56",
                inert(s)
            )),
        },
        (ColumnType::Money, _) => Err(format!("{} is not an amount; an amount column holds numbers", shown())),
        (ColumnType::Date, Value::Date(d)) => Ok((date::format(*d), None)),
        (ColumnType::Date, Value::Text(s)) => match date::parse_date(s.trim(), false) {
            Ok(d) => Ok((s.clone(), Some(format!("a date written as text, read as {}", date::format(d))))),
            Err(_) => Err(format!("`{}` is not a date; make it a date cell, or write YYYY-MM-DD", inert(s))),
        },
        (ColumnType::Date, Value::Moment(m)) => {
            Err(format!("{} has a time of day (or is a duration); a ledger records days", inert(m)))
        }
        (ColumnType::Date, Value::Number(_) | Value::Int(_)) => {
            Err(format!("the number {} is not a date cell; format the cell as a date, or write YYYY-MM-DD", shown()))
        }
        (ColumnType::Date, Value::Bool(_)) => Err(format!("{} is not a date", shown())),
        (_, v) => Ok((text_of(v), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;

    fn cell(row: u32, col: u32, v: Value) -> Cell {
        Cell { row, col, value: Some(v), formula: false }
    }

    fn text(row: u32, col: u32, s: &str) -> Cell {
        cell(row, col, Value::Text(s.into()))
    }

    fn header(row: u32) -> Vec<Cell> {
        ["date", "partner", "layer", "status", "source"]
            .iter()
            .enumerate()
            .map(|(i, h)| text(row, i as u32, h))
            .collect()
    }

    #[test]
    fn cells_become_rows_by_header_name_with_their_places_in_messages() {
        let mut cells = header(1);
        let d = Date::from_ymd_opt(2025, 3, 1).unwrap();
        cells.extend([cell(2, 0, Value::Date(d)), text(2, 1, "AL"), text(2, 2, "general"), text(2, 3, "met")]);
        cells.push(Cell { row: 2, col: 4, value: Some(Value::Text("x".into())), formula: true });
        // Rows 4 and 5 are empty.
        cells.extend([text(5, 0, "2025-04-01"), text(5, 1, "AL"), text(5, 2, "general"), text(5, 3, "met")]);
        let sheet = Sheet { name: "Sheet1".into(), cells, merged: vec![] };
        let got = rows_of(LedgerFile::Conditions, "c.xlsx", sheet).unwrap();
        assert_eq!(got.rows.len(), 2);
        assert_eq!(got.rows[0]["date"], "2025-03-01");
        assert_eq!(got.rows[1]["date"], "2025-04-01");
        assert_eq!(
            got.notes,
            [
                "note: c.xlsx[Sheet1]:3:E: a formula: its saved value `x` is imported",
                "note: c.xlsx[Sheet1]:4-5: empty rows: skipped",
                "note: c.xlsx[Sheet1]:6:A: a date written as text, read as 2025-04-01",
            ]
        );
    }

    #[test]
    fn merged_cells_lend_their_value_to_the_rows_they_cover() {
        let mut cells = header(0);
        for r in 1..=3 {
            cells.extend([text(r, 0, "2025-03-01"), text(r, 2, "general"), text(r, 3, "met")]);
        }
        cells.push(text(1, 1, "AL"));
        let sheet = Sheet { name: "S".into(), cells, merged: vec![(1, 1, 3, 1)] };
        let got = rows_of(LedgerFile::Conditions, "c.ods", sheet).unwrap();
        assert!(got.rows.iter().all(|r| r["partner"] == "AL"), "{:?}", got.rows);
    }

    #[test]
    fn each_unreadable_cell_is_refused_with_its_place() {
        let cols = ["date", "partner", "instrument", "amount_eur", "kind", "source"];
        let mut cells: Vec<Cell> = cols.iter().enumerate().map(|(i, h)| text(0, i as u32, h)).collect();
        cells.extend([
            text(1, 0, "2025-01-01"),
            cell(1, 3, Value::Number(1234.565)),
            text(2, 0, "31/02/2025"),
            cell(2, 3, Value::Number(10.5)),
            cell(3, 0, Value::Number(45_000.0)),
            Cell { row: 3, col: 3, value: None, formula: true },
            cell(4, 0, Value::Moment("2025-01-01 12:00:00".into())),
            cell(4, 3, Value::Error("#DIV/0!".into())),
            text(4, 7, "stray"),
        ]);
        let sheet = Sheet { name: "Sheet1".into(), cells, merged: vec![] };
        let Refused(errors) = rows_of(LedgerFile::Allocations, "a.xlsx", sheet).unwrap_err();
        let places: Vec<&str> = errors.iter().map(|e| e.split(": ").nth(1).unwrap()).collect();
        assert_eq!(
            places,
            [
                "a.xlsx[Sheet1]:2:D",
                "a.xlsx[Sheet1]:3:A",
                "a.xlsx[Sheet1]:4:A",
                "a.xlsx[Sheet1]:4:D",
                "a.xlsx[Sheet1]:5:A",
                "a.xlsx[Sheet1]:5:D",
                "a.xlsx[Sheet1]:5:H"
            ]
        );
        assert!(errors[0].contains("1234.565 is not a whole number of cents"), "{}", errors[0]);
        assert!(errors[3].contains("formula with no saved value"), "{}", errors[3]);
    }

    #[test]
    fn numbers_in_text_columns_read_as_typed() {
        assert_eq!(text_of(&Value::Number(7.0)), "7");
        assert_eq!(text_of(&Value::Number(2.5)), "2.5");
        assert_eq!(cell_text(ColumnType::Money, &Value::Int(12)).unwrap().0, "12.00");
        assert_eq!(cell_text(ColumnType::Money, &Value::Text("1.234,56".into())).unwrap().0, "1.234,56");
        assert!(cell_text(ColumnType::Money, &Value::Text("1.000".into())).is_err());
        assert!(cell_text(ColumnType::Money, &Value::Date(Date::from_ymd_opt(2025, 1, 1).unwrap())).is_err());
    }
}
