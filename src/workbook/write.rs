//! The exported tables as one `.xlsx` workbook (`export --format xlsx`, rust_xlsxwriter): a first sheet
//! saying what the workbook is, then a sheet per table with its cells typed by
//! `render::export::column_kind`: amounts as numbers in a euro format with two decimals, dates as date
//! cells, percentages and counts as numbers, text always as text (a cell starting with `=` is never a
//! formula). A frozen header row, filters, and column widths that fit. Byte-identical for the same tables:
//! the document's creation time is the as-of date, never the clock.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use serde_json::Value;

use crate::date::{self, Date};
use crate::money;
use crate::progress::Table;
use crate::render::export::{column_kind, ColumnKind};

/// What the first sheet says about the workbook.
#[derive(Debug, Clone)]
pub struct About<'a> {
    pub facility: &'a str,
    pub as_of: Date,
    /// The `changes` table covers what happened after this date.
    pub since: Date,
    /// The data folder, as the user gave it.
    pub data: &'a str,
    /// The last commit that changed the data folder, when it is in a git repository.
    pub data_commit: Option<&'a str>,
}

/// The name of the workbook `export --format xlsx` writes.
pub const FILE_NAME: &str = "tables.xlsx";

/// The widest a column is made, in characters.
const MAX_WIDTH: usize = 60;

/// Amounts in whole euros beyond this are refused: a spreadsheet number holds every cent only below 2^53
/// cents.
const EXACT_CENTS: u64 = 1 << 53;

/// The formats of the cells, made once.
struct Formats {
    header: Format,
    euro: Format,
    percent: Format,
    integer: Format,
    date: Format,
    label: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new().set_bold(),
            euro: Format::new().set_num_format("#,##0.00 [$€-x-euro2];-#,##0.00 [$€-x-euro2]"),
            percent: Format::new().set_num_format("0.00"),
            integer: Format::new().set_num_format("0"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            label: Format::new().set_bold(),
        }
    }
}

/// Why a workbook could not be made.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot make the workbook: {0}")]
    Xlsx(#[from] XlsxError),
    #[error(
        "cannot make the workbook: {table}.{column} holds {value}, which a spreadsheet number cannot hold to the cent"
    )]
    TooLarge { table: String, column: String, value: String },
}

/// The workbook's bytes: the `about` sheet, then one sheet per table in the order given.
pub fn workbook(tables: &[Table], about: &About) -> Result<Vec<u8>, WriteError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    let created = excel_date(about.as_of)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{}: the tables as of {}", about.facility, date::format(about.as_of)))
            .set_author("growthplan")
            .set_creation_datetime(&created),
    );
    about_sheet(wb.add_worksheet(), tables, about, &f)?;
    for t in tables {
        table_sheet(wb.add_worksheet(), t, &f)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn excel_date(d: Date) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    let year = u16::try_from(d.year()).map_err(|_| XlsxError::DateTimeRangeError(date::format(d)))?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}

fn about_sheet(ws: &mut Worksheet, tables: &[Table], about: &About, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name("about")?;
    let commit = about.data_commit.unwrap_or("(the data folder is not in a git repository)");
    let lines: [(&str, String); 6] = [
        ("what", format!("The tables growthplan computes from the ledgers of the {}", about.facility)),
        ("as of", String::new()),
        ("changes since", String::new()),
        ("data folder", about.data.to_string()),
        ("data commit", commit.to_string()),
        ("amounts", "euros, exact to the cent: numbers with two decimals, never text".to_string()),
    ];
    for (r, (label, text)) in lines.iter().enumerate() {
        let r = r as u32;
        ws.write_string_with_format(r, 0, *label, &f.label)?;
        match *label {
            "as of" => ws.write_date_with_format(r, 1, &excel_date(about.as_of)?, &f.date)?,
            "changes since" => ws.write_date_with_format(r, 1, &excel_date(about.since)?, &f.date)?,
            _ => ws.write_string(r, 1, text)?,
        };
    }
    let first = lines.len() as u32 + 1;
    ws.write_string_with_format(first, 0, "sheet", &f.header)?;
    ws.write_string_with_format(first, 1, "rows", &f.header)?;
    for (i, t) in tables.iter().enumerate() {
        ws.write_string(first + 1 + i as u32, 0, t.name)?;
        ws.write_number_with_format(first + 1 + i as u32, 1, t.rows.len() as f64, &f.integer)?;
    }
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, MAX_WIDTH as f64)?;
    Ok(())
}

fn table_sheet(ws: &mut Worksheet, t: &Table, f: &Formats) -> Result<(), WriteError> {
    ws.set_name(t.name)?;
    let kinds: Vec<ColumnKind> = t.header.iter().map(|h| column_kind(h)).collect();
    let mut widths: Vec<usize> = t.header.iter().map(|h| h.chars().count()).collect();
    for (c, h) in t.header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &f.header)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            let col = c as u16;
            let shown = match (kinds[c], v) {
                (_, Value::Null) => 0,
                (ColumnKind::Euro, Value::String(s)) => {
                    let too_large =
                        || WriteError::TooLarge { table: t.name.into(), column: t.header[c].clone(), value: s.clone() };
                    let cents = money::parse_amount(s, Some(money::DecimalMark::Point)).map_err(|_| too_large())?.cents;
                    if cents.unsigned_abs() >= EXACT_CENTS {
                        return Err(too_large());
                    }
                    // The double nearest to the amount: a spreadsheet shows it, and reads it back, as typed.
                    ws.write_number_with_format(r, col, cents as f64 / 100.0, &f.euro)?;
                    money::format_grouped(cents as i128).len() + 2
                }
                (ColumnKind::Percent, Value::String(s)) => match s.parse::<f64>() {
                    Ok(x) => {
                        ws.write_number_with_format(r, col, x, &f.percent)?;
                        s.len()
                    }
                    Err(_) => write_text(ws, r, col, s)?,
                },
                (ColumnKind::Date, Value::String(s)) => match date::parse_date(s, false) {
                    Ok(d) => {
                        ws.write_date_with_format(r, col, &excel_date(d)?, &f.date)?;
                        10
                    }
                    Err(_) => write_text(ws, r, col, s)?,
                },
                (ColumnKind::Integer, Value::Number(n)) if n.is_i64() => {
                    let n = n.as_i64().unwrap_or(0);
                    ws.write_number_with_format(r, col, n as f64, &f.integer)?;
                    n.to_string().len()
                }
                (_, Value::String(s)) => write_text(ws, r, col, s)?,
                (_, other) => write_text(ws, r, col, &other.to_string())?,
            };
            widths[c] = widths[c].max(shown);
        }
    }
    let last_col = t.header.len().saturating_sub(1) as u16;
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, t.rows.len() as u32, last_col)?;
    for (c, w) in widths.iter().enumerate() {
        // Two characters more for the filter's button.
        ws.set_column_width(c as u16, (*w + 2).clamp(8, MAX_WIDTH) as f64)?;
    }
    Ok(())
}

/// Text as a text cell (never a formula, whatever it starts with); an empty text leaves the cell empty.
/// Returns the width it needs.
fn write_text(ws: &mut Worksheet, r: u32, c: u16, s: &str) -> Result<usize, XlsxError> {
    if !s.is_empty() {
        ws.write_string(r, c, s)?;
    }
    Ok(s.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Table {
        Table {
            name: "steps",
            header: ["step", "due", "amount_eur", "paid_share_of_envelope_pct", "steps_due"].map(String::from).to_vec(),
            rows: vec![
                vec![json!("=HYPERLINK(\"x\")"), json!("2026-02-28"), json!("1234.56"), json!("33.33"), json!(3)],
                vec![json!("AA-2"), json!("2026-03-31"), json!("-0.10"), Value::Null, json!(0)],
            ],
        }
    }

    fn about() -> About<'static> {
        About {
            facility: "Facility",
            as_of: Date::from_ymd_opt(2026, 2, 28).unwrap(),
            since: Date::from_ymd_opt(2026, 1, 31).unwrap(),
            data: "data",
            data_commit: None,
        }
    }

    /// Read back with calamine: amounts are numbers, dates are date cells, formula-looking text is text.
    #[test]
    fn cells_read_back_with_their_types() {
        use calamine::{Data, Reader};
        let bytes = workbook(&[sample()], &about()).unwrap();
        let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), ["about", "steps"]);
        let range = wb.worksheet_range("steps").unwrap();
        assert_eq!(range.get((1, 0)), Some(&Data::String("=HYPERLINK(\"x\")".into())));
        assert_eq!(range.get((1, 2)), Some(&Data::Float(1234.56)));
        assert_eq!(range.get((2, 2)), Some(&Data::Float(-0.1)));
        assert_eq!(range.get((1, 3)), Some(&Data::Float(33.33)));
        assert_eq!(range.get((1, 4)), Some(&Data::Float(3.0)));
        assert!(
            matches!(range.get((1, 1)), Some(Data::DateTime(d)) if d.as_f64() == 46081.0),
            "{:?}",
            range.get((1, 1))
        );
        assert_eq!(range.get((2, 3)), Some(&Data::Empty));
        let formulas = wb.worksheet_formula("steps").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "a text cell became a formula");
    }

    #[test]
    fn the_same_tables_give_the_same_bytes() {
        let a = workbook(&[sample()], &about()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(a, workbook(&[sample()], &about()).unwrap());
    }

    #[test]
    fn an_amount_a_spreadsheet_cannot_hold_is_refused() {
        let mut t = sample();
        t.rows[0][2] = json!("90071992547409.93");
        assert!(matches!(workbook(&[t], &about()), Err(WriteError::TooLarge { .. })));
    }
}
