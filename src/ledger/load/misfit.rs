//! Why a row does not fit its table: the evidence of a decimal mark in amount cells, and a row read with the
//! wrong delimiter, a decimal comma splitting a field, or a source shifted into the note, each said as what
//! made it.

use super::*;

/// Counts of amount cells that can only be read with a point, or only with a comma.
#[derive(Default)]
pub(super) struct MarkEvidence {
    pub(super) point: usize,
    pub(super) comma: usize,
}

impl MarkEvidence {
    pub(super) fn add(&mut self, rec: &StringRecord, money_fields: &[usize]) {
        for &f in money_fields {
            match money::mark_evidence(rec.get(f).unwrap_or("")) {
                Some(DecimalMark::Point) => self.point += 1,
                Some(DecimalMark::Comma) => self.comma += 1,
                None => {}
            }
        }
    }

    /// What the unambiguous cells say, by majority (ties go to the point); `None` when none says anything.
    pub(super) fn mark(&self) -> Option<DecimalMark> {
        match (self.point, self.comma) {
            (0, 0) => None,
            (p, c) if c > p => Some(DecimalMark::Comma),
            _ => Some(DecimalMark::Point),
        }
    }
}

/// The finding for a row with one field more than the header because an amount was typed with a decimal
/// comma (`8,5`) in a comma-separated file: an amount column's field and the next one join into an amount
/// with a decimal comma (the second part only digits). Not when the row reads as it stands with that
/// second part in an amount column of its own and the extra field empty (a trailing comma): then nothing
/// says which reading was meant.
pub(super) fn decimal_comma(table: &RawTable, src: &SourceFile, loc: Loc, rec: &[&str]) -> Option<Diagnostic> {
    let money_column = |field: usize| {
        table.by_name.iter().any(|&(name, f)| {
            f == field && table.spec.columns.iter().any(|c| c.name == name && c.ty == ColumnType::Money)
        })
    };
    let (name, typed, with_point) =
        table.by_name.iter().copied().filter(|&(_, f)| money_column(f)).find_map(|(name, f)| {
            let found = crate::ledger::append::split_decimal_comma(rec[f], rec[f + 1]);
            found
                .filter(|_| is_ragged(rec, table.width) || !money_column(f + 1))
                .map(|(typed, point)| (name, typed, point))
        })?;
    let place = src.place(loc, Some(name));
    let mut d = Diagnostic::new(
        Code::DecimalComma,
        &src.path,
        format!("`{typed}` in `{name}` looks like an amount written with a decimal comma"),
    )
    .at_line(place.line, place.column)
    .hint(format!(
        "in a comma-separated file write `{with_point}`; for a file from a European spreadsheet use `growthplan import`"
    ));
    d.field = Some(name.to_string());
    d.row = Some(place.row);
    Some(d)
}

/// `1 field`, `10 fields`.
pub(super) fn fields(n: usize) -> String {
    if n == 1 {
        "1 field".into()
    } else {
        format!("{n} fields")
    }
}

/// Whether a row's `note` (the last column) holds a web address and its `source` does not: what a decimal
/// comma makes of a row typed without its note.
pub(super) fn source_shifted_into_note(table: &RawTable, rec: &[&str]) -> bool {
    let is_address = |v: &str| {
        let v = v.trim();
        v.starts_with("https://") || v.starts_with("http://")
    };
    match (table.field("source"), table.field("note")) {
        (Some(source), Some(note)) if note + 1 == table.width => {
            rec.get(note).is_some_and(|v| is_address(v)) && rec.get(source).is_some_and(|v| !is_address(v))
        }
        _ => false,
    }
}

/// The delimiter, other than the file's own, that splits a ragged row into the header's fields: a row
/// pasted from a file of another dialect (a `;` export into a comma-separated ledger).
pub(super) fn other_delimiter(row: &str, delimiter: u8, width: usize) -> Option<u8> {
    [b';', b'\t', b','].into_iter().filter(|&d| d != delimiter).find(|&d| {
        let mut reader =
            csv::ReaderBuilder::new().delimiter(d).has_headers(false).flexible(true).from_reader(row.as_bytes());
        let mut rec = StringRecord::new();
        matches!(reader.read_record(&mut rec), Ok(true)) && {
            let fields: SmallVec<[&str; 16]> = rec.iter().collect();
            width > 1 && !is_ragged(&fields, width)
        }
    })
}

/// The finding for a ragged row that `other` splits into the header's fields, in a file separated by
/// `delimiter`.
pub(super) fn other_delimiter_diag(
    file: LedgerFile,
    path: &str,
    fields: usize,
    width: usize,
    other: u8,
    delimiter: u8,
) -> Diagnostic {
    let separated = |d: u8| match d {
        b',' => "comma-separated",
        b';' => "semicolon-separated (`;`)",
        _ => "tab-separated",
    };
    let between = match delimiter {
        b',' => "commas",
        b';' => "semicolons (`;`)",
        _ => "tabs",
    };
    // Only the ledgers rows are appended to can be imported into.
    let into = match file {
        LedgerFile::Partners | LedgerFile::Steps | LedgerFile::Facility => None,
        f => Some(f.file_name().trim_end_matches(".csv").replace('_', "-")),
    };
    let fix = match into {
        Some(into) => format!(
            "type the row again with {between} between its values, or put the rows from the other file (with \
             their header line) in a file of their own and run `growthplan import --from FILE --into {into}`, \
             which reads any separator"
        ),
        None => format!("type the row again with {between} between its values"),
    };
    Diagnostic::new(
        Code::OtherDelimiter,
        path,
        format!(
            "the row has {} but the header has {}: it looks {}, but this file is {}",
            self::fields(fields),
            self::fields(width),
            separated(other),
            separated(delimiter)
        ),
    )
    .hint(fix)
}
