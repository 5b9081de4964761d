//! Appending rows to a ledger in the file's own dialect: its delimiter, decimal mark, line ending and
//! column order. Pure: it returns the new text; `run` validates it with the full check and writes it.

use std::collections::BTreeMap;

use crate::date;
use crate::ledger::schema::{ColumnType, LedgerFile};
use crate::ledger::source::{self, Decoded};
use crate::money::{self, DecimalMark};

/// How a ledger file is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    pub delimiter: u8,
    pub mark: DecimalMark,
    pub crlf: bool,
    /// Header names in file order.
    pub header: Vec<String>,
}

/// Reads a ledger file's dialect. Only UTF-8 files are appended to (a BOM is kept as it is).
pub fn dialect(file: LedgerFile, bytes: &[u8]) -> Result<Dialect, String> {
    let spec = file.spec().ok_or("not a CSV ledger")?;
    let Decoded { text, encoding, .. } = source::decode(bytes);
    if !encoding.starts_with("UTF-8") {
        return Err(format!(
            "{} is {encoding}; run `growthplan fmt` first so that appends cannot mix encodings",
            file.file_name()
        ));
    }
    let header_line = text.split(['\n', '\r']).next().unwrap_or("");
    if header_line.trim().is_empty() {
        return Err(format!("{} has no header row", file.file_name()));
    }
    let names: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
    let delimiter = source::detect_delimiter(header_line, &names);
    let header: Vec<String> = header_line.split(delimiter as char).map(source::normalise_header).collect();
    let mut evidence = (0usize, 0usize);
    let money_idx: Vec<usize> = spec
        .columns
        .iter()
        .filter(|c| c.ty == ColumnType::Money)
        .filter_map(|c| header.iter().position(|h| h == c.name))
        .collect();
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    for rec in reader.records().flatten() {
        for &i in &money_idx {
            match money::mark_evidence(rec.get(i).unwrap_or("")) {
                Some(DecimalMark::Point) => evidence.0 += 1,
                Some(DecimalMark::Comma) => evidence.1 += 1,
                None => {}
            }
        }
    }
    let mark = if delimiter != b',' && evidence.1 > evidence.0 { DecimalMark::Comma } else { DecimalMark::Point };
    Ok(Dialect { delimiter, mark, crlf: text.contains("\r\n"), header })
}

/// Formats `rows` (column name -> value as typed) as lines of the file. Amounts are re-written with the
/// file's decimal mark and dates as ISO; unknown column names are refused.
pub fn format_rows(file: LedgerFile, d: &Dialect, rows: &[BTreeMap<String, String>]) -> Result<String, String> {
    Ok(format_each(file, d, rows)?.into_iter().map(|w| w.text).collect())
}

/// One row as [`format_rows`] writes it, and what it wrote differently from what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The row's text in the file, with its line ending.
    pub text: String,
    /// (column, value as typed, value as written) for each value written in another form (`03/04/2026`
    /// as `2026-04-03`, `1 234,5` as `1234.50`); surrounding spaces dropped do not count.
    pub normalised: Vec<(String, String, String)>,
}

/// [`format_rows`], row by row.
pub fn format_each(file: LedgerFile, d: &Dialect, rows: &[BTreeMap<String, String>]) -> Result<Vec<Written>, String> {
    let spec = file.spec().ok_or("not a CSV ledger")?;
    let mut w = csv::WriterBuilder::new()
        .delimiter(d.delimiter)
        .terminator(if d.crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
        .from_writer(Vec::new());
    let mut written = Vec::with_capacity(rows.len());
    let mut start = 0;
    for (n, row) in rows.iter().enumerate() {
        for name in row.keys() {
            if spec.column(name).is_none() {
                let known: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
                return Err(format!(
                    "row {}: `{name}` is not a column of {}; the columns are: {}",
                    n + 1,
                    file.file_name(),
                    known.join(", ")
                ));
            }
            if !d.header.iter().any(|h| h == name) {
                return Err(format!("row {}: {} has no column `{name}`", n + 1, file.file_name()));
            }
        }
        let mut cells = Vec::new();
        let mut normalised = Vec::new();
        for h in &d.header {
            let raw = row.get(h).map(|v| v.trim().to_string()).unwrap_or_default();
            let ty = spec.columns.iter().find(|c| c.name == h).map(|c| c.ty);
            let cell = match ty {
                Some(ColumnType::Money) if !raw.is_empty() => {
                    let a = money::parse_amount(&raw, None).map_err(|_| {
                        format!("row {}: `{h}` = `{raw}` is not an unambiguous amount; write it like 1234.56", n + 1)
                    })?;
                    let plain = money::format_plain(a.cents);
                    if d.mark == DecimalMark::Comma {
                        plain.replace('.', ",")
                    } else {
                        plain
                    }
                }
                Some(ColumnType::Date) if !raw.is_empty() => date::parse_date(&raw, false)
                    .map(date::format)
                    .map_err(|_| format!("row {}: `{h}` = `{raw}` is not a date; write YYYY-MM-DD", n + 1))?,
                _ => raw.clone(),
            };
            if cell != raw {
                normalised.push((h.clone(), raw, cell.clone()));
            }
            cells.push(cell);
        }
        w.write_record(&cells).map_err(|e| e.to_string())?;
        w.flush().map_err(|e| e.to_string())?;
        let all = w.get_ref();
        let text = String::from_utf8(all[start..].to_vec()).map_err(|e| e.to_string())?;
        start = all.len();
        written.push(Written { text, normalised });
    }
    Ok(written)
}

/// An amount typed with a decimal comma that a comma-separated file split in two (`8` and `5` of `8,5`):
/// the text as typed and as it is written with a decimal point, when the two parts (the second only
/// digits) join into an amount with a decimal comma. `8,500` joins into none (three decimals).
pub fn split_decimal_comma(left: &str, right: &str) -> Option<(String, String)> {
    let (left, right) = (left.trim(), right.trim());
    if left.is_empty() || right.is_empty() || !right.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let typed = format!("{left},{right}");
    let amount = money::parse_amount(&typed, Some(DecimalMark::Comma)).ok()?;
    // `8,5` is written `8.5`; with thousands separators (`1.234,5`), plainly.
    let with_point = if left.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()) {
        format!("{left}.{right}")
    } else {
        money::format_plain(amount.cents)
    };
    Some((typed, with_point))
}

/// The file's bytes with `lines` appended (a missing final line ending is added first).
pub fn appended(bytes: &[u8], d: &Dialect, lines: &str) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(if d.crlf { b"\r\n" } else { b"\n" });
    }
    out.extend_from_slice(lines.as_bytes());
    out
}

/// What `record` says before the findings when it refuses a regular release typed on the command line
/// that looks like a part alone: the release has fewer parts than the facility's channels and instruments
/// allow, and check finds that it does not reconcile (C011) or pays more than was approved (C025). The
/// message shows the command for all the parts together, the amounts typed so far in place, `AMOUNT` for
/// the parts missing. `l` is the ledger with the new rows, which begin at `first_line` of `shown` (the
/// payments file as findings name it); `data` is the data folder when it is not the default `data`.
pub fn incomplete_releases(
    l: &crate::ledger::Ledger,
    typed: &[BTreeMap<String, String>],
    first_line: u64,
    findings: &[crate::diag::Diagnostic],
    shown: &str,
    data: Option<&str>,
) -> Vec<String> {
    use crate::diag::Code;
    use crate::ledger::vocabulary::{Channel, Instrument, PaymentKind};
    let allowed: Vec<(Channel, Instrument)> = Channel::WORDS
        .iter()
        .filter_map(|w| Channel::from_word(w))
        .flat_map(|c| Instrument::WORDS.iter().filter_map(|w| Instrument::from_word(w)).map(move |i| (c, i)))
        .filter(|&(c, i)| l.facility.allows(c, i))
        .collect();
    let part = |c: Channel, i: Instrument| format!("{} {}", c.as_str(), i.as_str());
    let mut ids: Vec<&str> = typed.iter().filter_map(|r| r.get("id")).map(|v| v.trim()).collect();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        let mine: Vec<&BTreeMap<String, String>> =
            typed.iter().filter(|r| r.get("id").is_some_and(|v| v.trim() == id)).collect();
        let release: Vec<&crate::ledger::model::Payment> = l.payments.iter().filter(|p| p.id == id).collect();
        let Some(first) = release.iter().min_by_key(|p| p.at.line) else { continue };
        // Only a release made of the typed rows alone: a typed row the loader refused has its own finding
        // (without it the release is not what was typed), and rows already in the file cannot be typed
        // again together with the rest (a release recorded before is another matter, with its own finding).
        if first.kind != PaymentKind::Regular
            || release.len() >= allowed.len()
            || release.len() != mine.len()
            || first.at.line < first_line
        {
            continue;
        }
        let on_release = |d: &&crate::diag::Diagnostic| d.file == shown && d.line == Some(first.at.line);
        let unreconciled = findings
            .iter()
            .filter(on_release)
            .any(|d| matches!(d.code, Code::ReleaseUnreconciled | Code::ReleasedAboveApproved));
        // A step not fulfilled or already paid, or a request not assessed, is the cause then, not a
        // missing part: their own findings say so.
        let other_cause = findings.iter().filter(on_release).any(|d| {
            matches!(
                d.code,
                Code::StepNotFulfilled | Code::StepOverpaid | Code::RequestNotAssessed | Code::PaidAfterGrace
            )
        });
        if !unreconciled || other_cause {
            continue;
        }
        let mut command = String::from("growthplan record payment");
        if let Some(data) = data {
            command.push_str(&format!(" --data {}", shell_word(data)));
        }
        let spec = LedgerFile::Payments.spec().expect("payments is a CSV ledger");
        for column in spec.columns.iter().map(|c| c.name) {
            if matches!(column, "channel" | "instrument" | "amount_eur") {
                continue;
            }
            let Some(value) = mine[0].get(column).map(|v| v.trim()).filter(|v| !v.is_empty()) else { continue };
            let value = match column {
                "date" => date::parse_date(value, false).map(date::format).unwrap_or_else(|_| value.to_string()),
                _ => value.to_string(),
            };
            command.push_str(&format!(" --{} {}", column.replace('_', "-"), shell_word(&value)));
        }
        let typed_part = |c: Channel, i: Instrument| {
            mine.iter().find_map(|r| {
                let word = |k: &str| r.get(k).map(|v| v.trim()).unwrap_or("");
                (Channel::from_word(word("channel")) == Some(c) && Instrument::from_word(word("instrument")) == Some(i))
                    .then(|| money::parse_amount(word("amount_eur"), None).map(|a| money::format_plain(a.cents)))
                    .and_then(Result::ok)
            })
        };
        for &(c, i) in &allowed {
            let amount = typed_part(c, i).unwrap_or_else(|| "AMOUNT".to_string());
            command.push_str(&format!(" --part {}:{}:{amount}", c.as_str(), i.as_str()));
        }
        let has: Vec<String> = release.iter().map(|p| part(p.channel, p.instrument)).collect();
        let all: Vec<String> = allowed.iter().map(|&(c, i)| part(c, i)).collect();
        let message = format!(
            "release `{id}` looks incomplete: it has {} {} ({}) of the {} that channels and instruments allow ({}), \
             and it does not reconcile (the findings below)",
            has.len(),
            if has.len() == 1 { "part" } else { "parts" },
            has.join(", "),
            allowed.len(),
            all.join(", ")
        );
        out.push(format!(
            "{message}.\nRecord all the parts of a release in one command, a --part CHANNEL:INSTRUMENT:AMOUNT for \
             each; here with the amounts typed so far, and AMOUNT for each part still to fill in:\n  {command}"
        ));
    }
    out
}

/// `value` as one word of a command line: as it is when it holds only letters, digits and `-._/:@+=,%`,
/// else in double quotes (with `"`, `\`, `$` and `` ` `` escaped).
fn shell_word(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-._/:@+=,%".contains(c);
    if !value.is_empty() && value.chars().all(plain) {
        return value.to_string();
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The rows of a CSV file in any dialect (a spreadsheet export for `record --from-csv` and `import`), by
/// header name normalised like the ledgers'; blank rows are skipped. `shown` names the file in errors.
pub fn read_rows(
    file: LedgerFile,
    bytes: &[u8],
    shown: &std::path::Path,
) -> Result<Vec<BTreeMap<String, String>>, String> {
    let decoded = source::decode(bytes);
    if let Some((crate::diag::Code::NotText, msg)) = &decoded.problem {
        return Err(format!("`{}`: {msg}", shown.display()));
    }
    let spec = file.spec().ok_or("not a CSV ledger")?;
    let names: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
    let header_line = decoded.text.split(['\n', '\r']).next().unwrap_or("");
    let delimiter = source::detect_delimiter(header_line, &names);
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(decoded.text.as_bytes());
    let header: Vec<String> =
        reader.headers().map_err(|e| e.to_string())?.iter().map(source::normalise_header).collect();
    let money_column =
        |i: usize| header.get(i).and_then(|h| spec.column(h)).is_some_and(|c| spec.columns[c].ty == ColumnType::Money);
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // A row whose fields do not match the header would be read shifted: refused, saying why.
        let line = rec.position().map_or(0, |p| p.line());
        let fields: Vec<&str> = rec.iter().collect();
        let extra = fields.iter().skip(header.len()).any(|f| !f.trim().is_empty());
        if delimiter == b',' && fields.len() == header.len() + 1 {
            let split = (0..header.len()).filter(|&i| money_column(i)).find_map(|i| {
                let found = split_decimal_comma(fields[i], fields[i + 1]);
                found.filter(|_| extra || !money_column(i + 1)).map(|(typed, point)| (i, typed, point))
            });
            if let Some((i, typed, point)) = split {
                return Err(format!(
                    "`{}` line {line}: `{typed}` in `{}` looks like an amount written with a decimal comma, which \
                     splits it in two in a comma-separated file; write `{point}`, or put it in double quotes \
                     (\"{typed}\"); nothing was recorded",
                    shown.display(),
                    header[i]
                ));
            }
        }
        if fields.len() < header.len() || extra {
            return Err(format!(
                "`{}` line {line}: the row has {} fields but the header has {}; a field is missing or a value \
                 contains the delimiter `{}` without quotes; nothing was recorded",
                shown.display(),
                fields.len(),
                header.len(),
                delimiter as char
            ));
        }
        rows.push(header.iter().cloned().zip(rec.iter().map(str::to_string)).filter(|(h, _)| !h.is_empty()).collect());
    }
    if rows.is_empty() {
        return Err(format!("`{}` has no rows to record", shown.display()));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_in_the_files_own_dialect() {
        let euro = "\u{feff}date;partner;layer;status;source;note\r\n01.02.2025;AA;general;met;x;\r\n".as_bytes();
        let d = dialect(LedgerFile::Conditions, euro).unwrap();
        assert_eq!((d.delimiter, d.crlf), (b';', true));
        let row: BTreeMap<String, String> =
            [("date", "2025-03-01"), ("partner", "AA"), ("layer", "general"), ("status", "met"), ("source", "a;b")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let lines = format_rows(LedgerFile::Conditions, &d, &[row]).unwrap();
        assert_eq!(lines, "2025-03-01;AA;general;met;\"a;b\";\r\n");
        let out = appended(euro, &d, &lines);
        assert!(out.starts_with(euro));
        let alloc = "date;partner;instrument;amount_eur;kind;source\n2024-01-01;AA;loan;1.000,50;initial;x".as_bytes();
        let d = dialect(LedgerFile::Allocations, alloc).unwrap();
        assert_eq!(d.mark, DecimalMark::Comma);
        let row: BTreeMap<String, String> = [
            ("date", "2025-01-01"),
            ("partner", "AA"),
            ("instrument", "loan"),
            ("amount_eur", "-12.5"),
            ("kind", "cut"),
            ("source", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let lines = format_rows(LedgerFile::Allocations, &d, std::slice::from_ref(&row)).unwrap();
        assert_eq!(lines, "2025-01-01;AA;loan;-12,50;cut;x\n");
        assert!(appended(alloc, &d, &lines).ends_with(b"1.000,50;initial;x\n2025-01-01;AA;loan;-12,50;cut;x\n"));
        let each = format_each(LedgerFile::Allocations, &d, &[row.clone(), row.clone()]).unwrap();
        assert_eq!(each.len(), 2);
        assert_eq!(each[1].text, "2025-01-01;AA;loan;-12,50;cut;x\n");
        assert_eq!(each[1].normalised, [("amount_eur".to_string(), "-12.5".to_string(), "-12,50".to_string())]);
        let bad: BTreeMap<String, String> = [("colour".to_string(), "red".to_string())].into_iter().collect();
        assert!(format_rows(LedgerFile::Allocations, &d, &[bad]).unwrap_err().contains("not a column"));
    }

    #[test]
    fn a_value_in_a_command_shown_is_one_word_of_the_shell() {
        assert_eq!(shell_word("https://example.eu/x?a=1"), "\"https://example.eu/x?a=1\"");
        assert_eq!(shell_word("RS-24H2-01"), "RS-24H2-01");
        assert_eq!(shell_word("RS-1 RS-2"), "\"RS-1 RS-2\"");
        assert_eq!(shell_word("say \"$5\" `now`\\"), "\"say \\\"\\$5\\\" \\`now\\`\\\\\"");
        assert_eq!(shell_word(""), "\"\"");
        // The shell reads each back as it was.
        for value in ["a b", "x?*", "it's \"$HOME\" `id` \\n", "Lëtzebuerg; 1/3", "-1.5", ""] {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", shell_word(value)))
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), value);
        }
    }

    #[test]
    fn an_import_row_that_does_not_fit_its_header_is_refused_saying_why() {
        let header = "date,partner,instrument,amount_eur,kind,source,note\n";
        let read = |rows: &str| {
            read_rows(LedgerFile::Allocations, format!("{header}{rows}").as_bytes(), std::path::Path::new("in.csv"))
        };
        let err = read("2025-01-01,AA,loan,8,5,initial,x,\n").unwrap_err();
        assert!(err.starts_with("`in.csv` line 2: `8,5` in `amount_eur` looks like an amount"), "{err}");
        assert!(err.contains("write `8.5`"), "{err}");
        let err = read("2025-01-01,AA,loan,8.50,initial,x,note,more\n").unwrap_err();
        assert!(err.contains("line 2: the row has 8 fields but the header has 7"), "{err}");
        assert!(read("2025-01-01,AA,loan\n").unwrap_err().contains("the row has 3 fields"));
        // Quoted, the decimal comma is one field; a trailing empty field is nothing.
        assert_eq!(
            read("2025-01-01,AA,loan,\"8,5\",initial,x,\n2025-01-02,AA,loan,1.00,initial,x,,\n").unwrap().len(),
            2
        );
        assert_eq!(split_decimal_comma("1.234", "5"), Some(("1.234,5".into(), "1234.50".into())));
        assert_eq!(split_decimal_comma("8", "500"), None);
    }
}
