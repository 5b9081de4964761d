//! Reading a table's text: its header and dialect (delimiter, decimal mark, date order), then its rows
//! one at a time, each with its place in the file, a row that does not fit the header said as what made
//! it (a decimal comma, another delimiter) where that shows. Typing the cells is `typing`'s. Also: a
//! missing data folder, explained.

use super::*;

impl LoadError {
    /// A data folder that does not exist, explained: its full path, and where the data folder may be
    /// instead (the current folder itself, or folders in it that hold a facility.toml).
    pub fn missing(dir: &Path) -> LoadError {
        let full = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut explained = format!("there is no {}", full.display());
        let here = Path::new(".");
        if here.join(LedgerFile::Facility.file_name()).is_file() {
            explained.push_str("; you are inside a data folder (this folder holds facility.toml): run with `--data .`");
        } else {
            let mut holding: Vec<String> = std::fs::read_dir(here)
                .into_iter()
                .flatten()
                .flatten()
                .filter(|e| e.path().join(LedgerFile::Facility.file_name()).is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            holding.sort();
            // A folder here that holds the data folder (a practice folder made by `init --example`).
            let mut above: Vec<String> = std::fs::read_dir(here)
                .into_iter()
                .flatten()
                .flatten()
                .filter(|e| e.path().join(dir).join(LedgerFile::Facility.file_name()).is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            above.sort();
            match holding.as_slice() {
                [] if !above.is_empty() => explained.push_str(&format!(
                    "; `{}` here holds `{}`: go into it first (`cd {}`)",
                    above[0],
                    dir.display(),
                    above[0]
                )),
                [] => {}
                [one] => explained.push_str(&format!("; `{one}` here holds facility.toml: run with `--data {one}`")),
                [first, ..] => explained.push_str(&format!(
                    "; these folders here hold facility.toml: {}; run with `--data {first}` (or another of them)",
                    holding.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ")
                )),
            }
        }
        LoadError::Missing { path: dir.into(), explained }
    }
}

/// What the header and a first look at the rows tell about a table: where each column is, and how its
/// amounts and dates are written. The rows themselves are read once more, one at a time, while typing.
pub(super) struct RawTable {
    pub(super) spec: &'static TableSpec,
    /// (column name, field index in the file) of the columns the file has, for the typing functions.
    pub(super) by_name: Vec<(&'static str, usize)>,
    /// Fields in the header.
    pub(super) width: usize,
    pub(super) mark: Option<DecimalMark>,
    pub(super) month_first: bool,
    /// Lines end with `\r` alone (old Mac spreadsheets): the file has no `\n`.
    pub(super) cr_only: bool,
    /// Lines without quotes may be split directly (not in a file whose lines end with `\r` alone).
    pub(super) plain_lines: bool,
    /// False when a column is missing or doubled: the rows are still read (for ragged rows and counts)
    /// but not typed.
    pub(super) usable: bool,
}

pub(super) fn read_table(
    spec: &'static TableSpec,
    src: &mut SourceFile,
    opts: LoadOptions,
    diags: &mut Vec<Diagnostic>,
) -> Option<RawTable> {
    let names: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
    let header_line = src.text.split(['\n', '\r']).next().unwrap_or("");
    src.delimiter = opts.delimiter.unwrap_or_else(|| source::detect_delimiter(header_line, &names));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(src.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(src.text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            diags.push(
                Diagnostic::new(Code::NoHeader, &src.path, "the file is empty: it has no header row")
                    .hint(format!("the first line must be the header: {}", spec.header())),
            );
            return None;
        }
        Some(Err(e)) => {
            diags.push(
                Diagnostic::new(Code::RaggedRow, &src.path, format!("the header cannot be read: {e}"))
                    .at_line(1, Some(1)),
            );
            return None;
        }
        Some(Ok(h)) => h,
    };
    src.header = header.iter().map(source::normalise_header).collect();
    let mut fields = vec![None; spec.columns.len()];
    let mut ok = true;
    let header_diag = |code: Code, idx: usize, msg: String| {
        let col =
            source::field_start(header_line, src.delimiter, idx).map(|b| header_line[..b].chars().count() as u64 + 1);
        let mut d = Diagnostic::new(code, &src.path, msg).at_line(1, col);
        d.row = Some(header_line.to_string());
        d
    };
    for (idx, name) in src.header.iter().enumerate() {
        match spec.column(name) {
            Some(c) if fields[c].is_some() => {
                diags.push(
                    header_diag(Code::DuplicateColumn, idx, format!("column `{name}` appears twice"))
                        .hint("delete one of the two columns"),
                );
                ok = false;
            }
            Some(c) => fields[c] = Some(idx),
            None if name.is_empty() => {}
            None => {
                let mut d = header_diag(
                    Code::UnknownColumn,
                    idx,
                    format!("column `{name}` is not part of {}; it is ignored", spec.file.file_name()),
                );
                d = match did_you_mean(name, names.iter().copied()) {
                    Some(s) => d.hint(format!("did you mean `{s}`?")),
                    None => d.hint(format!("the columns are: {}", spec.header())),
                };
                diags.push(d);
            }
        }
    }
    for (c, col) in spec.columns.iter().enumerate() {
        if fields[c].is_none() && col.column_required {
            let mut d = Diagnostic::new(Code::MissingColumn, &src.path, format!("column `{}` is missing", col.name))
                .at_line(1, None)
                .hint(format!("the header must be: {}", spec.header()));
            d.row = Some(header_line.to_string());
            diags.push(d);
            ok = false;
        }
    }
    let width = src.header.len();
    let fields_of = |ty: ColumnType| -> Vec<usize> {
        spec.columns.iter().enumerate().filter(|(_, c)| c.ty == ty).filter_map(|(i, _)| fields[i]).collect()
    };
    let (money_fields, date_fields) = (fields_of(ColumnType::Money), fields_of(ColumnType::Date));
    // The decimal mark (comma-separated files use a point) and month-first slash dates are properties of
    // the whole file: a first pass over the rows finds them, only when they can be in question.
    let comma_separated = src.delimiter == b',';
    let mut evidence = MarkEvidence::default();
    let mut month_first = false;
    if !comma_separated || src.text.contains('/') {
        let mut rec = StringRecord::new();
        while reader.read_record(&mut rec).unwrap_or(true) {
            let fields: SmallVec<[&str; 16]> = rec.iter().collect();
            if is_blank(&fields) || is_ragged(&fields, width) {
                continue;
            }
            if !comma_separated {
                evidence.add(&rec, &money_fields);
            }
            month_first = month_first
                || date_fields.iter().any(|&f| date::slash_month_first(rec.get(f).unwrap_or("")) == Some(true));
        }
    }
    let mark = opts.decimal_mark.or(if comma_separated { Some(DecimalMark::Point) } else { evidence.mark() });
    let by_name = spec.columns.iter().zip(&fields).filter_map(|(c, f)| f.map(|f| (c.name, f))).collect();
    let cr_only = !src.text.contains('\n') && src.text.contains('\r');
    Some(RawTable { spec, by_name, width, mark, month_first, cr_only, plain_lines: !cr_only, usable: ok })
}

impl RawTable {
    /// The file's field for a column.
    pub(super) fn field(&self, name: &str) -> Option<usize> {
        self.by_name.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }
}

pub(super) fn is_blank(fields: &[&str]) -> bool {
    fields.iter().all(|f| trim(f).is_empty())
}

/// Fewer fields than the header, or text beyond it.
pub(super) fn is_ragged(fields: &[&str], width: usize) -> bool {
    fields.len() < width || fields[width..].iter().any(|f| !trim(f).is_empty())
}

/// A part of a table's text that starts where a record does: its first byte, the byte where the next part
/// begins (the text's length for the last), and the line ends before it.
#[derive(Clone, Copy)]
pub(super) struct Span {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) lines_before: u64,
}

/// Reads the rows of a span of a table, one at a time into one record: skips the header (in the span that
/// starts the file), reports rows that cannot be read or are ragged, skips blank ones, and hands every
/// other to `f`. Returns how many it handed, and whether the span ends where a record begins (the next
/// record starts at `end`, or the span is the file's last): when it does not, a quoted field ran across
/// the end and the span's rows are not to be trusted.
///
/// Lines without a double quote or a stray carriage return are split at the delimiter directly, which is
/// what the csv reader would make of them, at a fraction of its cost; from the first other line on, the
/// csv reader reads the rest of the span.
pub(super) fn for_each_row(
    table: &RawTable,
    src: &SourceFile,
    span: Span,
    diags: &mut Vec<Diagnostic>,
    mut f: impl FnMut(Loc, &[&str], &mut Vec<Diagnostic>),
) -> (usize, bool) {
    let mut rows = RowSink {
        table,
        src,
        header: span.start == 0,
        handed: 0,
        metered: span.start as u64,
        meter: crate::meter::enabled(),
    };
    // The plain lines, while they last: each is read in one pass over its bytes, its fields cut at the
    // delimiter, until a line holds a double quote or a carriage return that does not end it.
    let (mut at, mut line) = (span.start, span.lines_before + 1);
    if table.plain_lines {
        let text = &*src.text;
        let bytes = text.as_bytes();
        let delimiter = src.delimiter;
        let mut fields: Vec<&str> = Vec::with_capacity(table.width + 1);
        'lines: while at < span.end {
            fields.clear();
            let (mut i, mut field) = (at, at);
            // Where the line's content ends, and where the next line begins.
            let (content_end, next) = loop {
                i = next_special(bytes, i, delimiter);
                match bytes.get(i) {
                    None => break (i, i),
                    Some(b'\n') => break (i, i + 1),
                    Some(b'\r') if bytes.get(i + 1) == Some(&b'\n') => break (i, i + 2),
                    Some(b'"' | b'\r') => break 'lines,
                    Some(&b) if b == delimiter => {
                        fields.push(&text[field..i]);
                        field = i + 1;
                    }
                    Some(_) => {}
                }
                i += 1;
            };
            if content_end > at {
                fields.push(&text[field..content_end]);
                let loc = Loc::new(table.spec.file, line, at as u64);
                rows.hand(loc, &fields, diags, &mut f);
            }
            (at, line) = (next, line + 1);
        }
        if at >= span.end {
            return (rows.handed, at == span.end || span.end >= text.len());
        }
    }
    // The rest, with the csv reader.
    let text = src.text.as_bytes();
    let rest = Span { start: at, end: span.end, lines_before: line - 1 };
    let mut reader =
        csv::ReaderBuilder::new().delimiter(src.delimiter).has_headers(false).flexible(true).from_reader(&text[at..]);
    let mut locator = Locator::new(text, table.spec.file, table.cr_only, rest);
    let mut rec = StringRecord::new();
    let last = span.end >= text.len();
    loop {
        match reader.read_record(&mut rec) {
            Ok(false) => return (rows.handed, last),
            Ok(true) => {}
            Err(e) => {
                let loc = e.position().map(|p| locator.locate(p));
                if let Some(loc) = loc.filter(|l| l.offset as usize >= span.end) {
                    return (rows.handed, loc.offset as usize == span.end);
                }
                diags.push(
                    Diagnostic::new(Code::RaggedRow, &src.path, format!("the row cannot be read: {e}"))
                        .at_line(loc.map_or(0, |l| l.line), None),
                );
                continue;
            }
        }
        let pos = rec.position().cloned().unwrap_or_else(csv::Position::new);
        let loc = locator.locate(&pos);
        if loc.offset as usize >= span.end {
            return (rows.handed, loc.offset as usize == span.end);
        }
        let fields: SmallVec<[&str; 16]> = rec.iter().collect();
        rows.hand(loc, &fields, diags, &mut f);
    }
}

/// The position of the first byte from `i` on that a plain line cannot hold as it is or that ends a field:
/// the delimiter, a line feed, a carriage return or a double quote (`bytes.len()` when there is none).
/// Eight bytes are looked at in one step: a byte equal to `b` is a zero byte of `x ^ b` repeated, and
/// the lowest flag of `(y - 0x01..) & !y & 0x80..` marks the first zero byte of `y` (flags above it may
/// be false, never one below it), so the lowest flag of the four tells the first special byte.
pub(super) fn next_special(bytes: &[u8], mut i: usize, delimiter: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |y: u64| y.wrapping_sub(ONES) & !y & HIGHS;
    let [d, n, r, q] = [delimiter, b'\n', b'\r', b'"'].map(|b| ONES * u64::from(b));
    while let Some(chunk) = bytes.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let found = zero_byte(x ^ d) | zero_byte(x ^ n) | zero_byte(x ^ r) | zero_byte(x ^ q);
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    // Fewer than eight bytes left: one at a time.
    (i..bytes.len()).find(|&j| is_special(bytes[j], delimiter)).unwrap_or(bytes.len())
}

/// The bytes [`next_special`] looks for.
pub(super) fn is_special(b: u8, delimiter: u8) -> bool {
    b == delimiter || matches!(b, b'\n' | b'\r' | b'"')
}

/// What [`for_each_row`] does with each record it read, however it read it.
pub(super) struct RowSink<'a> {
    pub(super) table: &'a RawTable,
    pub(super) src: &'a SourceFile,
    /// The next record is the header (to skip).
    pub(super) header: bool,
    /// Records handed on.
    pub(super) handed: usize,
    /// Where the progress bar was last moved to.
    pub(super) metered: u64,
    pub(super) meter: bool,
}

impl RowSink<'_> {
    pub(super) fn hand(
        &mut self,
        loc: Loc,
        rec: &[&str],
        diags: &mut Vec<Diagnostic>,
        f: &mut impl FnMut(Loc, &[&str], &mut Vec<Diagnostic>),
    ) {
        if std::mem::take(&mut self.header) || is_blank(rec) {
            return;
        }
        // One field too many is what a decimal comma in a comma-separated file makes: said as that, once
        // for the row, before the shifted fields are read as something else.
        if rec.len() == self.table.width + 1 && self.src.delimiter == b',' {
            if let Some(d) = decimal_comma(self.table, self.src, loc, rec) {
                diags.push(d);
                return;
            }
        }
        // A row typed without its last, optional column (`note`) has the header's width even with a
        // decimal comma: the tell is an address shifted into `note` while `source` holds something else.
        if rec.len() == self.table.width && self.src.delimiter == b',' && source_shifted_into_note(self.table, rec) {
            if let Some(d) = decimal_comma(self.table, self.src, loc, rec) {
                diags.push(d);
                return;
            }
        }
        if is_ragged(rec, self.table.width) {
            let place = self.src.place(loc, None);
            let d = match other_delimiter(&place.row, self.src.delimiter, self.table.width) {
                Some(other) => other_delimiter_diag(
                    self.table.spec.file,
                    &self.src.path,
                    rec.len(),
                    self.table.width,
                    other,
                    self.src.delimiter,
                ),
                None => Diagnostic::new(Code::RaggedRow, &self.src.path, format!(
                    "the row has {} but the header has {}",
                    fields(rec.len()),
                    fields(self.table.width)
                ))
                .hint(format!(
                    "a field is missing or a value contains the delimiter `{}` without quotes; put such values in double quotes",
                    self.src.delimiter as char
                )),
            };
            let mut d = d.at_line(loc.line, Some(1));
            d.row = Some(place.row);
            diags.push(d);
            return;
        }
        self.handed += 1;
        if self.meter && self.handed.is_multiple_of(16_384) {
            crate::meter::advance(loc.offset - self.metered);
            self.metered = loc.offset;
        }
        f(loc, rec, diags);
    }
}

/// Cuts a table's text into about `pieces` spans, each starting at the first byte of a line that is not
/// empty (so that a record that starts there is found there: [`source::cut_at_lines`]). Whether a record
/// does start there, and not inside a quoted field, only reading can tell: see [`for_each_row`].
pub(super) fn spans(text: &[u8], pieces: usize) -> Vec<Span> {
    let starts = source::cut_at_lines(text, pieces);
    let mut lines_before = 0;
    (0..starts.len())
        .map(|i| {
            let (start, end) = (starts[i], starts.get(i + 1).copied().unwrap_or(text.len()));
            let span = Span { start, end, lines_before };
            lines_before += count_byte(&text[start..end], b'\n') as u64;
            span
        })
        .collect()
}

/// Turns the csv reader's record positions into where records really begin. The reader places a record
/// where the previous one ended: at the `\n` of a CRLF ending (it stops at the `\r`), or before blank
/// lines it then skips; a record's first byte comes after those line ends, and its line after them. Lines
/// end with `\n`, or with `\r` in a file that has no `\n` (the reader counts only `\n`).
pub(super) struct Locator<'t> {
    pub(super) text: &'t [u8],
    pub(super) file: LedgerFile,
    /// Where the reader's input begins in `text`, and the line ends before it.
    pub(super) start: usize,
    pub(super) lines_before: u64,
    pub(super) cr_only: bool,
    /// (offset, line ends before it) of the last record located, in a file whose lines end with `\r`.
    pub(super) counted: (usize, u64),
}

impl<'t> Locator<'t> {
    /// For a reader whose input begins at the span's start.
    pub(super) fn new(text: &'t [u8], file: LedgerFile, cr_only: bool, span: Span) -> Self {
        let (start, lines_before) = (span.start, span.lines_before);
        Locator { text, file, start, lines_before, cr_only, counted: (start, lines_before) }
    }

    pub(super) fn locate(&mut self, pos: &csv::Position) -> Loc {
        let at = (self.start + pos.byte() as usize).min(self.text.len());
        let skipped = self.text[at..].iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
        let offset = at + skipped;
        let line = if self.cr_only {
            let (from, before) = self.counted;
            let before = before + count_byte(&self.text[from..offset], b'\r') as u64;
            self.counted = (offset, before);
            before + 1
        } else {
            let newlines = count_byte(&self.text[at..offset], b'\n') as u64;
            self.lines_before + pos.line() + newlines
        };
        Loc::new(self.file, line, offset as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;

    /// What loading an allocations or control totals file beside the one partner `AA` reports, as
    /// (code, line).
    fn findings(file: LedgerFile, text: &str) -> Vec<(Code, u64)> {
        let mut files: FolderBytes = read_folder(Path::new("/nonexistent"));
        let partners =
            "code,name,agenda_approved,facility_agreement_in_force,loan_agreement_in_force,source\nAA,Alphaland,,,,x\n";
        for (f, t) in [(LedgerFile::Partners, partners), (file, text)] {
            files.insert(f, (f.file_name().into(), Ok(t.as_bytes().to_vec().into())));
        }
        let loaded = load_bytes(files, LoadOptions::default());
        loaded
            .diagnostics
            .iter()
            .filter(|d| d.file == file.file_name())
            .map(|d| (d.code, d.line.unwrap_or(0)))
            .collect()
    }

    #[test]
    fn a_decimal_comma_is_one_finding_for_its_row() {
        let header = "date,partner,instrument,amount_eur,kind,source,note";
        // With the note empty the row is not ragged: the shifted fields would be read as kind `5`.
        for row in ["2025-01-01,AA,grant,8,5,initial,x,", "2025-01-01,AA,grant,1.234,56,initial,x,a note"] {
            assert_eq!(findings(LedgerFile::Allocations, &format!("{header}\n{row}\n")), [(Code::DecimalComma, 2)]);
        }
        // Three digits after the comma make no amount with a decimal comma: the row is just ragged.
        let row = "2025-01-01,AA,grant,8,500,initial,x,a note";
        assert_eq!(findings(LedgerFile::Allocations, &format!("{header}\n{row}\n")), [(Code::RaggedRow, 2)]);
    }

    /// A row typed without its note, with a decimal comma, has the header's width: the address shifted
    /// into `note` tells it; a row whose note is an address beside an address in `source` is left alone.
    #[test]
    fn a_decimal_comma_in_a_row_without_its_note_is_found() {
        let header = "date,partner,instrument,amount_eur,kind,source,note";
        let typed = format!("{header}\n2024-05-25,AA,grant,1000,50,initial,https://example.eu/a\n");
        assert_eq!(findings(LedgerFile::Allocations, &typed), [(Code::DecimalComma, 2)]);
        let fine = format!("{header}\n2024-05-25,AA,grant,1000.50,initial,https://example.eu/a,https://example.eu/b\n");
        assert_eq!(findings(LedgerFile::Allocations, &fine), []);
    }

    #[test]
    fn a_trailing_comma_after_two_amounts_is_not_a_decimal_comma() {
        let header = "date,partner,measure,amount_eur,tolerance_eur,source,note";
        // Read as it stands: a tolerance of 5 and an empty field after the note.
        let text = format!("{header}\n2025-12-31,AA,prefinancing,50000000,5,x,,\n");
        assert_eq!(findings(LedgerFile::ControlTotals, &text), []);
        // With text after the header's fields, only the decimal comma makes the row fit.
        let text = format!("{header}\n2025-12-31,AA,prefinancing,50000000,5,0.00,x,a note\n");
        assert_eq!(findings(LedgerFile::ControlTotals, &text), [(Code::DecimalComma, 2)]);
    }

    #[test]
    fn a_row_in_another_delimiter_is_named_as_such() {
        let header = "date,partner,instrument,amount_eur,kind,source,note";
        for row in ["2025-01-01;AA;grant;8,50;initial;x;", "2025-01-01\tAA\tgrant\t8.50\tinitial\tx\t"] {
            assert_eq!(findings(LedgerFile::Allocations, &format!("{header}\n{row}\n")), [(Code::OtherDelimiter, 2)]);
        }
        // Too few fields whatever the delimiter: the plain finding.
        assert_eq!(findings(LedgerFile::Allocations, &format!("{header}\n2025-01-01;AA\n")), [(Code::RaggedRow, 2)]);
    }
}
