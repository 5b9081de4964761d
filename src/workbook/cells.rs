//! The cells of one sheet of a workbook as it stores them (calamine reads both kinds), and each cell's
//! value as a date, a number, text or an error: what `read` turns into ledger rows.
//!
//! Workbooks are zip archives of XML, so a hostile one can claim anything: before calamine sees it, the
//! archive is unpacked once into nothing with a cap on the bytes it yields (a compressed bomb stops at the
//! cap), and an `.ods` sheet's cells are counted with their repeats (calamine lays a sheet out densely);
//! an `.xlsx` sheet is read cell by cell, never as a dense block, so a sheet that claims a million columns
//! costs only the cells it holds.

use std::collections::BTreeMap;
use std::io::{BufReader, Cursor, Read};

use calamine::{DataRef, Reader};

use crate::date::{self, Date};

/// The most bytes a workbook's archive may unpack to, all parts together.
pub const MAX_UNPACKED_BYTES: u64 = 128 << 20;
/// The most parts an archive may hold.
pub const MAX_PARTS: usize = 10_000;
/// The most cells a sheet may hold (an `.ods` sheet: the rectangle its cells span, repeats included).
pub const MAX_CELLS: u64 = 2_000_000;

/// A cell's value as the workbook stores it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
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
pub(super) struct Cell {
    pub(super) row: u32,
    pub(super) col: u32,
    /// `None`: a formula with no cached value.
    pub(super) value: Option<Value>,
    pub(super) formula: bool,
}

/// A sheet's cells as read, and its merged regions (first row, first column, last row, last column).
pub(super) struct Sheet {
    pub(super) name: String,
    pub(super) cells: Vec<Cell>,
    pub(super) merged: Vec<(u32, u32, u32, u32)>,
}

/// Unpacks every part of the archive into nothing, stopping at [`MAX_UNPACKED_BYTES`]: a truncated or
/// damaged archive, or one that unpacks to more than the cap, is refused here.
pub(super) fn check_archive(bytes: &[u8]) -> Result<(), String> {
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
pub(super) fn pick_sheet(names: &[String], wanted: Option<&str>) -> Result<String, String> {
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

pub(super) fn xlsx_sheet(bytes: &[u8], wanted: Option<&str>) -> Result<Sheet, String> {
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

pub(super) fn ods_sheet(bytes: &[u8], wanted: Option<&str>) -> Result<Sheet, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_is_chosen_by_name_or_first() {
        let names = vec!["Payments".to_string(), "Notes".to_string()];
        assert_eq!(pick_sheet(&names, None).unwrap(), "Payments");
        assert_eq!(pick_sheet(&names, Some("notes")).unwrap(), "Notes");
        assert!(pick_sheet(&names, Some("x")).unwrap_err().contains("Payments, Notes"));
    }
}
