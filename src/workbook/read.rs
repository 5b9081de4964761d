//! The rows of one sheet of an `.xlsx` or `.ods` workbook (calamine reads both), by header name, as the
//! text `ledger::append` formats into a ledger: what `import --from FILE.xlsx` appends.
//!
//! A cell's kind decides how it is read, by the ledger column it falls under: a number in an amount column
//! becomes cents only when it is exactly a whole number of cents (`money::exact_cents`), a date cell in a
//! date column becomes its day, text is read as the CSV import reads it. Anything else is refused with the
//! cell's place, `payments.xlsx[Sheet1]:12:C`.
//!
//! Workbooks are zip archives of XML, so a hostile one can claim anything: before calamine sees it, the
//! archive is unpacked once into nothing with a cap on the bytes it yields (a compressed bomb stops at the
//! cap), and an `.ods` sheet's cells are counted with their repeats (calamine lays a sheet out densely);
//! an `.xlsx` sheet is read cell by cell, never as a dense block, so a sheet that claims a million columns
//! costs only the cells it holds.

use std::collections::BTreeMap;
use std::io::{BufReader, Cursor, Read};

use calamine::{DataRef, Reader};

use super::{column_letters, Kind};
use crate::date::{self, Date};
use crate::ledger::schema::{ColumnType, LedgerFile};
use crate::ledger::source::normalise_header;
use crate::money;

/// The largest workbook file read.
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// The most bytes a workbook's archive may unpack to, all parts together.
pub const MAX_UNPACKED_BYTES: u64 = 128 << 20;
/// The most parts an archive may hold.
pub const MAX_PARTS: usize = 10_000;
/// The most cells a sheet may hold (an `.ods` sheet: the rectangle its cells span, repeats included).
pub const MAX_CELLS: u64 = 2_000_000;
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

/// A cell's value as the workbook stores it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Number(f64),
    Int(i64),
    /// A date cell whose time of day is midnight.
    Date(Date),
    /// A date cell with a time of day, or a duration, as text for messages.
    Moment(String),
    Bool(bool),
    Error(String),
}

/// A cell that holds a value or a formula.
#[derive(Debug, Clone)]
struct Cell {
    row: u32,
    col: u32,
    /// `None`: a formula with no cached value.
    value: Option<Value>,
    formula: bool,
}

/// A sheet's cells as read, and its merged regions (first row, first column, last row, last column).
struct Sheet {
    name: String,
    cells: Vec<Cell>,
    merged: Vec<(u32, u32, u32, u32)>,
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

/// Unpacks every part of the archive into nothing, stopping at [`MAX_UNPACKED_BYTES`]: a truncated or
/// damaged archive, or one that unpacks to more than the cap, is refused here.
fn check_archive(bytes: &[u8]) -> Result<(), String> {
    if !bytes.starts_with(b"PK") {
        return Err("is not a workbook: .xlsx and .ods files are zip archives and this one is not (an old .xls? \
                    open it and save it as .xlsx)"
            .into());
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("is not a readable workbook: its zip archive is damaged or cut short ({e})"))?;
    if zip.len() > MAX_PARTS {
        return Err(format!("holds {} parts; a workbook of ledger rows holds a few dozen", zip.len()));
    }
    let too_big = || {
        format!(
            "unpacks to more than {} MB, more than any sheet of ledger rows (a compressed bomb?); nothing was read",
            MAX_UNPACKED_BYTES >> 20
        )
    };
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| format!("is not a readable workbook: part {i}: {e}"))?;
        // Declared sizes cost nothing to check; the count below holds whatever they claim.
        if part.size() > MAX_UNPACKED_BYTES {
            return Err(too_big());
        }
        let left = MAX_UNPACKED_BYTES - total;
        let n = std::io::copy(&mut (&mut part).take(left + 1), &mut std::io::sink())
            .map_err(|e| format!("is not a readable workbook: part {i} cannot be unpacked ({e})"))?;
        total += n;
        if total > MAX_UNPACKED_BYTES {
            return Err(too_big());
        }
    }
    Ok(())
}

/// The sheet to read: the one named (exactly, else ignoring case), or the first.
fn pick_sheet(names: &[String], wanted: Option<&str>) -> Result<String, String> {
    match wanted {
        None => names.first().cloned().ok_or_else(|| "has no sheet".to_string()),
        Some(w) => names
            .iter()
            .find(|n| n.as_str() == w)
            .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(w)))
            .cloned()
            .ok_or_else(|| format!("has no sheet `{w}`; its sheets are: {}", names.join(", "))),
    }
}

fn xlsx_sheet(bytes: &[u8], wanted: Option<&str>) -> Result<Sheet, String> {
    let unreadable = |e: calamine::XlsxError| format!("is not a readable .xlsx workbook ({e})");
    let mut wb = calamine::Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let name = pick_sheet(&wb.sheet_names(), wanted)?;
    let merged = wb
        .merge_cells_by_sheet_name(&name)
        .map_err(unreadable)?
        .into_iter()
        .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
        .collect();
    let mut reader = wb.worksheet_cells_reader(&name).map_err(unreadable)?;
    let mut cells = Vec::new();
    while let Some(c) = reader.next_cell_with_formula().map_err(unreadable)? {
        let formula = c.formula.as_deref().is_some_and(|f| !f.is_empty());
        let value = value_of(c.value);
        if value.is_none() && !formula {
            continue;
        }
        if cells.len() as u64 >= MAX_CELLS {
            return Err(format!("sheet `{name}` holds more than {MAX_CELLS} cells; growthplan reads ledger sheets"));
        }
        cells.push(Cell { row: c.pos.0, col: c.pos.1, value, formula });
    }
    Ok(Sheet { name, cells, merged })
}

fn ods_sheet(bytes: &[u8], wanted: Option<&str>) -> Result<Sheet, String> {
    let scanned = ods_scan(bytes)?;
    let unreadable = |e: calamine::OdsError| format!("is not a readable .ods workbook ({e})");
    let mut wb = calamine::Ods::new(Cursor::new(bytes)).map_err(unreadable)?;
    let name = pick_sheet(&wb.sheet_names(), wanted)?;
    let range = wb.worksheet_range(&name).map_err(unreadable)?;
    let formulas = wb.worksheet_formula(&name).map_err(unreadable)?;
    let mut cells: BTreeMap<(u32, u32), Cell> = BTreeMap::new();
    if let Some((r0, c0)) = range.start() {
        for (r, c, v) in range.used_cells() {
            let (row, col) = (r0 + r as u32, c0 + c as u32);
            let value = value_of(calamine_ref(v));
            if value.is_some() {
                cells.insert((row, col), Cell { row, col, value, formula: false });
            }
        }
    }
    if let Some((r0, c0)) = formulas.start() {
        for (r, c, f) in formulas.used_cells() {
            if f.is_empty() {
                continue;
            }
            let (row, col) = (r0 + r as u32, c0 + c as u32);
            cells.entry((row, col)).or_insert(Cell { row, col, value: None, formula: true }).formula = true;
        }
    }
    let merged = scanned.into_iter().find(|s| s.name == name).map(|s| s.merged).unwrap_or_default();
    Ok(Sheet { name, cells: cells.into_values().collect(), merged })
}

/// calamine's owned cell value as the borrowed kind the `.xlsx` reader yields.
fn calamine_ref(v: &calamine::Data) -> DataRef<'_> {
    use calamine::Data;
    match v {
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::String(s) => DataRef::SharedString(s),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(d) => DataRef::DateTime(*d),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
        Data::Empty => DataRef::Empty,
    }
}

/// The last day a spreadsheet's serial dates reach (9999-12-31 in the 1900 system).
const LAST_SERIAL: f64 = 2_958_465.0;

fn value_of(v: DataRef<'_>) -> Option<Value> {
    Some(match v {
        DataRef::Empty => return None,
        DataRef::String(s) if s.is_empty() => return None,
        DataRef::SharedString("") => return None,
        DataRef::String(s) => Value::Text(s),
        DataRef::SharedString(s) => Value::Text(s.to_string()),
        DataRef::Float(f) => Value::Number(f),
        DataRef::Int(i) => Value::Int(i),
        DataRef::Bool(b) => Value::Bool(b),
        DataRef::Error(e) => Value::Error(e.to_string()),
        DataRef::DurationIso(s) => Value::Moment(s),
        DataRef::DateTime(d) => {
            let serial = d.as_f64();
            if d.is_duration() || !(1.0..=LAST_SERIAL).contains(&serial) {
                Value::Moment(format!("{serial}"))
            } else {
                let (y, m, day, h, min, s, ms) = d.to_ymd_hms_milli();
                match Date::from_ymd_opt(y.into(), m.into(), day.into()) {
                    Some(date) if (h, min, s, ms) == (0, 0, 0, 0) => Value::Date(date),
                    Some(date) => Value::Moment(format!("{} {h:02}:{min:02}:{s:02}", date::format(date))),
                    None => Value::Moment(format!("{serial}")),
                }
            }
        }
        DataRef::DateTimeIso(s) => {
            // `.ods`: `2025-03-01` or `2025-03-01T00:00:00`.
            let day = s.get(..10).and_then(|d| date::parse_date(d, false).ok());
            let rest = s.get(10..).unwrap_or("");
            match day {
                Some(d)
                    if rest.is_empty() || rest.trim_start_matches('T').trim_end_matches(['0', ':', '.']).is_empty() =>
                {
                    Value::Date(d)
                }
                _ => Value::Moment(s.replace('T', " ")),
            }
        }
    })
}

/// What an `.ods` sheet holds before calamine lays it out: the merged regions, and, so that a sheet
/// whose repeats claim millions of cells is refused before it is laid out, the rectangle its cells span.
struct Scanned {
    name: String,
    merged: Vec<(u32, u32, u32, u32)>,
}

fn ods_scan(bytes: &[u8]) -> Result<Vec<Scanned>, String> {
    use quick_xml::events::{BytesStart, Event};
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("is not a readable workbook ({e})"))?;
    let content = zip
        .by_name("content.xml")
        .map_err(|_| "is not an OpenDocument spreadsheet: it has no content.xml".to_string())?;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(content));
    let attr = |e: &BytesStart<'_>, key: &str| -> Option<String> {
        e.try_get_attribute(key).ok().flatten().map(|a| a.value.into_owned())
    };
    let count = |e: &BytesStart<'_>, key: &str| -> u64 {
        attr(e, key).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(1).clamp(1, 1 << 20)
    };
    let mut sheets: Vec<Scanned> = Vec::new();
    let (mut row, mut col, mut rows_repeated) = (0u64, 0u64, 1u64);
    // The rectangle the current sheet's cells span: first row, last row, first column, last column.
    let mut span: Option<(u64, u64, u64, u64)> = None;
    let mut buf = Vec::new();
    let too_many = |name: &str, s: (u64, u64, u64, u64)| {
        let (rows, cols) = (s.1 - s.0 + 1, s.3 - s.2 + 1);
        (rows.saturating_mul(cols) > MAX_CELLS).then(|| {
            format!(
                "sheet `{name}` spans {rows} rows by {cols} columns of cells; growthplan reads sheets of up to \
                 {MAX_CELLS} cells (a sheet of ledger rows holds far fewer)"
            )
        })
    };
    loop {
        buf.clear();
        let event =
            xml.read_event_into(&mut buf).map_err(|e| format!("is not a readable .ods workbook: content.xml: {e}"))?;
        let (e, empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                match e.name().as_ref() {
                    "table:table-row" => row += rows_repeated,
                    "table:table" => {
                        if let (Some(s), Some(sheet)) = (span.take(), sheets.last()) {
                            if let Some(m) = too_many(&sheet.name, s) {
                                return Err(m);
                            }
                        }
                    }
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.name().as_ref() {
            "table:table" => {
                sheets.push(Scanned { name: attr(e, "table:name").unwrap_or_default(), merged: Vec::new() });
                (row, span) = (0, None);
            }
            "table:table-row" => {
                rows_repeated = count(e, "table:number-rows-repeated");
                col = 0;
                if empty {
                    row += rows_repeated;
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let cols = count(e, "table:number-columns-repeated");
                let holds = !empty || attr(e, "office:value-type").is_some() || attr(e, "table:formula").is_some();
                if holds {
                    let (r1, c1) = (row + rows_repeated - 1, col + cols - 1);
                    span = Some(match span {
                        None => (row, r1, col, c1),
                        Some((a, b, c, d)) => (a.min(row), b.max(r1), c.min(col), d.max(c1)),
                    });
                    if let (Some(s), Some(sheet)) = (span, sheets.last()) {
                        if let Some(m) = too_many(&sheet.name, s) {
                            return Err(m);
                        }
                    }
                    let spanned = (count(e, "table:number-rows-spanned"), count(e, "table:number-columns-spanned"));
                    if spanned != (1, 1) {
                        if let Some(sheet) = sheets.last_mut() {
                            let first = (row.min(u32::MAX as u64) as u32, col.min(u32::MAX as u64) as u32);
                            let last = (
                                (row + spanned.0 - 1).min(u32::MAX as u64) as u32,
                                (col + spanned.1 - 1).min(u32::MAX as u64) as u32,
                            );
                            sheet.merged.push((first.0, first.1, last.0, last.1));
                        }
                    }
                }
                col += cols;
            }
            _ => {}
        }
    }
    Ok(sheets)
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

    #[test]
    fn a_sheet_is_chosen_by_name_or_first() {
        let names = vec!["Payments".to_string(), "Notes".to_string()];
        assert_eq!(pick_sheet(&names, None).unwrap(), "Payments");
        assert_eq!(pick_sheet(&names, Some("notes")).unwrap(), "Notes");
        assert!(pick_sheet(&names, Some("x")).unwrap_err().contains("Payments, Notes"));
    }
}
