//! Loading a data folder: read every file, decode it, find its dialect, convert each cell by the
//! schema, and resolve references between ledgers. Loading never stops at the first problem: it returns
//! what it could read and a diagnostic for everything else.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use csv::StringRecord;
use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;

use crate::date::{self, Date, DateError};
use crate::diag::{self, did_you_mean, Code, Diagnostic};
use crate::ledger::facility::{self, Facility};
use crate::ledger::model::*;
use crate::ledger::schema::{ColumnType, LedgerFile, TableSpec, ALL_PARTNERS};
use crate::ledger::source::{self, Decoded, FileBytes, SourceFile, Sources, CITED};
use crate::money::{self, DecimalMark, MoneyError};

/// How to read the files, when detection is not wanted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Force the delimiter instead of detecting it.
    pub delimiter: Option<u8>,
    /// Force the decimal mark instead of inferring it from the file.
    pub decimal_mark: Option<DecimalMark>,
    /// Compute each file's SHA-256 (the report's provenance); other commands leave it out.
    pub digests: bool,
}

/// The folder could not be read at all (exit code 2), as opposed to findings in its files.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("data folder `{path}` does not exist")]
    Missing { path: PathBuf },
    #[error("`{path}` is not a folder")]
    NotAFolder { path: PathBuf },
    #[error("cannot read data folder `{path}`: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// What loading produced: the ledger (absent only when facility.toml could not be read) and every finding.
#[derive(Debug)]
pub struct Loaded {
    pub ledger: Option<Ledger>,
    pub diagnostics: Vec<Diagnostic>,
    /// Files that could not be read at all (missing, unreadable, not text, no header, a missing
    /// column): figures computed without them would be wrong, so the facility's rules are not run.
    pub unread: Vec<LedgerFile>,
}

/// Loads every ledger of `dir`.
pub fn load(dir: &Path, opts: LoadOptions) -> Result<Loaded, LoadError> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(LoadError::Missing { path: dir.into() }),
        Err(e) => return Err(LoadError::Io { path: dir.into(), source: e }),
        Ok(m) if !m.is_dir() => return Err(LoadError::NotAFolder { path: dir.into() }),
        Ok(_) => {}
    }
    std::fs::read_dir(dir).map_err(|e| LoadError::Io { path: dir.into(), source: e })?;
    Ok(load_bytes(read_folder(dir), opts))
}

/// Every file of a data folder: its display path and what reading it gave.
pub type FolderBytes = BTreeMap<LedgerFile, (String, std::io::Result<FileBytes>)>;

/// Reads every file of a data folder, as [`load_bytes`] takes them (a missing file is its read error).
pub fn read_folder(dir: &Path) -> FolderBytes {
    LedgerFile::ALL
        .into_iter()
        .map(|f| {
            let path = dir.join(f.file_name());
            (f, (path.display().to_string(), source::read_file(&path)))
        })
        .collect()
}

/// Loads from bytes already read (one entry per file: display path and the read result).
pub fn load_bytes(files: FolderBytes, opts: LoadOptions) -> Loaded {
    load_in_parts(files, opts, Reading { part: MIN_PART, plain_lines: true })
}

/// How the rows are read: what only tests change, to hold the quick ways to the plain one.
#[derive(Debug, Clone, Copy)]
struct Reading {
    /// Tables of this many bytes or more are typed in parts.
    part: usize,
    /// Lines without quotes are split directly instead of by the csv reader (see [`for_each_row`]).
    plain_lines: bool,
}

/// [`load_bytes`], reading as `reading` says (tests make parts small, or read every line with the csv
/// reader).
fn load_in_parts(files: FolderBytes, opts: LoadOptions, reading: Reading) -> Loaded {
    let part = reading.part;
    let mut diags = Vec::new();
    let mut sources = Sources::new();
    let mut facility = None;
    let mut tables: BTreeMap<LedgerFile, RawTable> = BTreeMap::new();
    let mut digest_later = Vec::new();
    for (file, (path, read)) in files {
        let bytes = match read {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                diags.push(
                    Diagnostic::new(Code::FileMissing, &path, format!("`{}` is missing", file.file_name())).hint(match file.spec() {
                        Some(spec) => format!("create it with this header line (and no rows, if there is nothing to record): {}", spec.header()),
                        None => "copy facility.toml from the shipped data folder and adapt it; docs/DATA.md explains every key".into(),
                    }),
                );
                sources.set(file, SourceFile { path, ..Default::default() });
                continue;
            }
            Err(e) => {
                diags.push(Diagnostic::new(Code::FileUnreadable, &path, format!("cannot read the file: {e}")));
                sources.set(file, SourceFile { path, ..Default::default() });
                continue;
            }
        };
        crate::meter::phase(format!("decoding {}", file.file_name()), 0);
        // A mapped file (the big ones) is digested beside the typing below; bytes read into memory now.
        let sha256 = match (opts.digests, bytes.shared_map()) {
            (false, _) => None,
            (true, Some(map)) => {
                digest_later.push((file, map));
                None
            }
            (true, None) => Some(sha256_hex(&bytes)),
        };
        let Decoded { text, encoding, problem } = source::decode_owned(bytes);
        let mut not_text = false;
        if let Some((code, msg)) = problem {
            not_text = code == Code::NotText;
            diags.push(Diagnostic::new(code, &path, msg));
        }
        if text.len() as u64 >= MAX_LINES && line_count(text.as_bytes()) as u64 >= MAX_LINES {
            not_text = true;
            diags.push(
                Diagnostic::new(Code::FileUnreadable, &path, format!("the file has more than {MAX_LINES} lines"))
                    .hint("split the ledger: no spreadsheet holds this many rows"),
            );
        }
        let mut src = SourceFile { path, text, delimiter: b',', encoding, sha256, ..Default::default() };
        if !not_text {
            if file == LedgerFile::Facility {
                match facility::parse(&src.text, &src.path) {
                    Ok(f) => facility = Some(f),
                    Err(mut e) => diags.append(&mut e),
                }
            } else if let Some(spec) = file.spec() {
                if let Some(mut t) = read_table(spec, &mut src, opts, &mut diags) {
                    t.plain_lines &= reading.plain_lines;
                    tables.insert(file, t);
                }
            }
        }
        sources.set(file, src);
    }
    // The payments, by far the biggest ledger, and the others are typed side by side; big tables are
    // typed in parts, so every core has work until the end.
    let total: usize = tables.keys().map(|f| sources.get(*f).text.len()).sum();
    let read: BTreeSet<LedgerFile> = tables.iter().filter(|(_, t)| t.usable).map(|(f, _)| *f).collect();
    let steps_read = read.contains(&LedgerFile::Steps);
    crate::meter::phase("reading the ledgers", total as u64);
    let (((payments, partner_codes), release_rows, p), (((mut ledger, step_refs), mut rows), digests)) = rayon::join(
        || {
            let mut b = Builder { sources: &sources, part, diags: Vec::new(), rows: BTreeMap::new() };
            let (payments, partners) = crate::meter::timed("typing payments", || {
                b.convert_numbered(tables.get(&LedgerFile::Payments), payment, |p| &mut p.partner)
            });
            let releases = crate::meter::timed("grouping releases", || group_releases(&payments));
            ((payments, partners), releases, b)
        },
        || {
            rayon::join(
                || {
                    let mut b = Builder { sources: &sources, part, diags: Vec::new(), rows: BTreeMap::new() };
                    let ledger = crate::meter::timed("typing the other ledgers", || Ledger {
                        facility: facility.clone().unwrap_or_else(placeholder_facility),
                        partners: b.convert(tables.get(&LedgerFile::Partners), partner),
                        allocations: b.convert(tables.get(&LedgerFile::Allocations), allocation),
                        commitments: b.convert(tables.get(&LedgerFile::Commitments), commitment),
                        steps: b.convert(tables.get(&LedgerFile::Steps), step),
                        step_events: b.convert_rows(tables.get(&LedgerFile::StepEvents), step_event),
                        payments: Rows::default(),
                        partner_codes: Vec::new(),
                        step_refs: StepRefs::default(),
                        conditions: b.convert(tables.get(&LedgerFile::Conditions), condition),
                        control_totals: b.convert(tables.get(&LedgerFile::ControlTotals), control_total),
                        sources: Sources::new(),
                        release_rows: Default::default(),
                    });
                    // The steps' own references need no payment: resolved here, while the payments are still typed.
                    let (refs, step_diags) =
                        crate::meter::timed("resolving steps", || step_references(&ledger, &sources, steps_read));
                    b.diags.extend(step_diags);
                    ((ledger, refs), b)
                },
                || {
                    use rayon::prelude::*;
                    digest_later.par_iter().map(|(file, map)| (*file, sha256_hex(map))).collect::<Vec<_>>()
                },
            )
        },
    );
    rows.diags.extend(p.diags);
    rows.rows.extend(p.rows);
    ledger.payments = payments;
    ledger.partner_codes = partner_codes;
    ledger.release_rows = release_rows;
    diags.extend(rows.diags);
    for (file, n) in rows.rows {
        sources.get_mut(file).rows = n;
    }
    for (file, digest) in digests {
        sources.get_mut(file).sha256 = Some(digest);
    }
    let unread: Vec<LedgerFile> = LedgerFile::TABLES
        .into_iter()
        .filter(|f| !read.contains(f))
        .chain(facility.is_none().then_some(LedgerFile::Facility))
        .collect();
    drop(tables);
    crate::meter::phase("resolving references", 0);
    ledger.step_refs = step_refs;
    let (release_steps, found) = resolve_references(&ledger, &sources, &read);
    ledger.step_refs.release_steps = release_steps;
    diags.extend(found);
    ledger.sources = sources;
    diag::sort(&mut diags);
    Loaded { ledger: facility.map(|_| ledger), diagnostics: diags, unread }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Stands in while facility.toml is unreadable, so the CSV files can still be checked for their own
/// problems; a ledger built on it is never returned.
fn placeholder_facility() -> Facility {
    Facility {
        name: String::new(),
        short_name: String::new(),
        currency: String::new(),
        legal_basis: String::new(),
        source: String::new(),
        start: Date::MIN,
        end: Date::MAX,
        payments_until: Date::MAX,
        grant_envelope: 0,
        loan_envelope: 0,
        prefinancing_cap: Default::default(),
        prefinancing_clearance: Default::default(),
        min_wbif_share: Default::default(),
        release_tolerance: 0,
        max_regular_releases_per_year: 0,
        grace: Vec::new(),
        channel_instruments: Vec::new(),
    }
}

/// What the header and a first look at the rows tell about a table: where each column is, and how its
/// amounts and dates are written. The rows themselves are read once more, one at a time, while typing.
struct RawTable {
    spec: &'static TableSpec,
    /// (column name, field index in the file) of the columns the file has, for the typing functions.
    by_name: Vec<(&'static str, usize)>,
    /// Fields in the header.
    width: usize,
    mark: Option<DecimalMark>,
    month_first: bool,
    /// Lines end with `\r` alone (old Mac spreadsheets): the file has no `\n`.
    cr_only: bool,
    /// Lines without quotes may be split directly (not in a file whose lines end with `\r` alone).
    plain_lines: bool,
    /// False when a column is missing or doubled: the rows are still read (for ragged rows and counts)
    /// but not typed.
    usable: bool,
}

fn read_table(
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
    fn field(&self, name: &str) -> Option<usize> {
        self.by_name.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }
}

/// The typing functions ask for the same columns in the same order on every row: this remembers, for
/// the k-th lookup of a row, the address of the name asked for and its field, so that from the second row
/// on a lookup is one comparison instead of a search by name. The names are `'static`, so an address
/// stands for one text for the whole run; a lookup that finds another address than last time (a branch
/// asked for another column) searches by name and remembers that instead.
#[derive(Default)]
struct Lookups {
    seen: Vec<(*const u8, usize, Option<usize>)>,
    /// The partner codes numbered in this span (see [`Row::code_number`]).
    codes: SpanCodes,
}

/// Partner codes numbered in order of first appearance: within one span of a table as it is typed (the
/// spans' numbers are then made the table's by [`number_codes`], with another of these).
#[derive(Default)]
struct SpanCodes {
    codes: Vec<Text>,
    numbers: FxHashMap<Text, u32>,
    /// The last number given: neighbouring rows mostly name the same partner.
    last: u32,
}

impl SpanCodes {
    fn number(&mut self, code: Text) -> PartnerId {
        if self.codes.get(self.last as usize) == Some(&code) {
            return PartnerId(self.last);
        }
        let next = self.codes.len() as u32;
        let n = *self.numbers.entry(code).or_insert_with_key(|code| {
            self.codes.push(code.clone());
            next
        });
        self.last = n;
        PartnerId(n)
    }
}

/// Makes the code numbers of rows typed in parts (each part numbered its own, in order of first
/// appearance there) those of the whole table, which number codes in order of first appearance in it:
/// the codes, and each part's rows renumbered where its numbers differ.
fn number_codes<T: Send>(
    parts: &mut [Vec<T>],
    part_codes: Vec<Vec<Text>>,
    number: impl Fn(&mut T) -> &mut PartnerId + Sync,
) -> Vec<Text> {
    use rayon::prelude::*;
    // The table's numbers: each part's codes, in their order, numbered in turn.
    let mut table = SpanCodes::default();
    let maps: Vec<Vec<u32>> =
        part_codes.into_iter().map(|own| own.into_iter().map(|code| table.number(code).0).collect()).collect();
    parts.par_iter_mut().zip(maps).for_each(|(rows, map)| {
        if map.iter().enumerate().any(|(own, &n)| own as u32 != n) {
            for r in rows.iter_mut() {
                let n = number(r);
                *n = PartnerId(map[n.0 as usize]);
            }
        }
    });
    table.codes
}

impl Lookups {
    fn field(&mut self, table: &RawTable, k: usize, name: &'static str) -> Option<usize> {
        match self.seen.get(k) {
            Some(&(at, len, field)) if at == name.as_ptr() && len == name.len() => field,
            _ => {
                let field = table.field(name);
                if k >= self.seen.len() {
                    self.seen.resize(k + 1, (std::ptr::null(), 0, None));
                }
                self.seen[k] = (name.as_ptr(), name.len(), field);
                field
            }
        }
    }
}

fn is_blank(fields: &[&str]) -> bool {
    fields.iter().all(|f| trim(f).is_empty())
}

/// Fewer fields than the header, or text beyond it.
fn is_ragged(fields: &[&str], width: usize) -> bool {
    fields.len() < width || fields[width..].iter().any(|f| !trim(f).is_empty())
}

/// A part of a table's text that starts where a record does: its first byte, the byte where the next part
/// begins (the text's length for the last), and the line ends before it.
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    lines_before: u64,
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
fn for_each_row(
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
                let loc = Loc::new(table.spec.file, line_number(line), at as u64);
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
                if let Some(loc) = loc.filter(|l| l.offset() as usize >= span.end) {
                    return (rows.handed, loc.offset() as usize == span.end);
                }
                diags.push(
                    Diagnostic::new(Code::RaggedRow, &src.path, format!("the row cannot be read: {e}"))
                        .at_line(loc.map_or(0, |l| l.line.into()), None),
                );
                continue;
            }
        }
        let pos = rec.position().cloned().unwrap_or_else(csv::Position::new);
        let loc = locator.locate(&pos);
        if loc.offset() as usize >= span.end {
            return (rows.handed, loc.offset() as usize == span.end);
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
fn next_special(bytes: &[u8], mut i: usize, delimiter: u8) -> usize {
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
fn is_special(b: u8, delimiter: u8) -> bool {
    b == delimiter || matches!(b, b'\n' | b'\r' | b'"')
}

/// What [`for_each_row`] does with each record it read, however it read it.
struct RowSink<'a> {
    table: &'a RawTable,
    src: &'a SourceFile,
    /// The next record is the header (to skip).
    header: bool,
    /// Records handed on.
    handed: usize,
    /// Where the progress bar was last moved to.
    metered: u64,
    meter: bool,
}

impl RowSink<'_> {
    fn hand(
        &mut self,
        loc: Loc,
        rec: &[&str],
        diags: &mut Vec<Diagnostic>,
        f: &mut impl FnMut(Loc, &[&str], &mut Vec<Diagnostic>),
    ) {
        if std::mem::take(&mut self.header) || is_blank(rec) {
            return;
        }
        if is_ragged(rec, self.table.width) {
            let place = self.src.place(loc, None);
            let mut d = Diagnostic::new(
                Code::RaggedRow,
                &self.src.path,
                format!("the row has {} fields but the header has {}", rec.len(), self.table.width),
            )
            .at_line(loc.line.into(), Some(1))
            .hint(format!(
                "a field is missing or a value contains the delimiter `{}` without quotes; put such values in double quotes",
                self.src.delimiter as char
            ));
            d.row = Some(place.row);
            diags.push(d);
            return;
        }
        self.handed += 1;
        if self.meter && self.handed.is_multiple_of(16_384) {
            crate::meter::advance(loc.offset() - self.metered);
            self.metered = loc.offset();
        }
        f(loc, rec, diags);
    }
}

/// Cuts a table's text into about `pieces` spans, each starting at the first byte of a line that is not
/// empty (so that a record that starts there is found there: [`source::cut_at_lines`]). Whether a record
/// does start there, and not inside a quoted field, only reading can tell: see [`for_each_row`].
fn spans(text: &[u8], pieces: usize) -> Vec<Span> {
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
struct Locator<'t> {
    text: &'t [u8],
    file: LedgerFile,
    /// Where the reader's input begins in `text`, and the line ends before it.
    start: usize,
    lines_before: u64,
    cr_only: bool,
    /// (offset, line ends before it) of the last record located, in a file whose lines end with `\r`.
    counted: (usize, u64),
}

impl<'t> Locator<'t> {
    /// For a reader whose input begins at the span's start.
    fn new(text: &'t [u8], file: LedgerFile, cr_only: bool, span: Span) -> Self {
        let (start, lines_before) = (span.start, span.lines_before);
        Locator { text, file, start, lines_before, cr_only, counted: (start, lines_before) }
    }

    fn locate(&mut self, pos: &csv::Position) -> Loc {
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
        Loc::new(self.file, line_number(line), offset as u64)
    }
}

/// Counts of amount cells that can only be read with a point, or only with a comma.
#[derive(Default)]
struct MarkEvidence {
    point: usize,
    comma: usize,
}

impl MarkEvidence {
    fn add(&mut self, rec: &StringRecord, money_fields: &[usize]) {
        for &f in money_fields {
            match money::mark_evidence(rec.get(f).unwrap_or("")) {
                Some(DecimalMark::Point) => self.point += 1,
                Some(DecimalMark::Comma) => self.comma += 1,
                None => {}
            }
        }
    }

    /// What the unambiguous cells say, by majority (ties go to the point); `None` when none says anything.
    fn mark(&self) -> Option<DecimalMark> {
        match (self.point, self.comma) {
            (0, 0) => None,
            (p, c) if c > p => Some(DecimalMark::Comma),
            _ => Some(DecimalMark::Point),
        }
    }
}

struct Builder<'a> {
    sources: &'a Sources,
    /// Tables of this many bytes or more are typed in parts.
    part: usize,
    diags: Vec<Diagnostic>,
    /// Rows read per file.
    rows: BTreeMap<LedgerFile, usize>,
}

impl Builder<'_> {
    /// Reads and converts every row of a table; rows with errors are left out (their diagnostics stay).
    fn convert<T: Send>(&mut self, table: Option<&RawTable>, f: fn(&mut Row) -> Option<T>) -> Vec<T> {
        let mut parts = self.convert_in_parts(table, f, true).0.into_iter();
        // The first part reserved room for the whole table: the others follow it there.
        let mut rows = parts.next().unwrap_or_default();
        for part in parts {
            rows.extend(part);
        }
        rows
    }

    /// [`Builder::convert`], leaving the rows in the parts they were typed in.
    fn convert_rows<T: Send>(&mut self, table: Option<&RawTable>, f: fn(&mut Row) -> Option<T>) -> Rows<T> {
        Rows::from_parts(self.convert_in_parts(table, f, false).0)
    }

    /// [`Builder::convert_rows`] for rows that number partner codes ([`Row::code_number`]; `number` finds
    /// a row's number): the rows, numbered for the whole table, and the codes by number.
    fn convert_numbered<T: Send>(
        &mut self,
        table: Option<&RawTable>,
        f: fn(&mut Row) -> Option<T>,
        number: impl Fn(&mut T) -> &mut PartnerId + Sync,
    ) -> (Rows<T>, Vec<Text>) {
        let (mut parts, codes) = self.convert_in_parts(table, f, false);
        let codes = number_codes(&mut parts, codes, number);
        (Rows::from_parts(parts), codes)
    }

    /// Big tables are typed in parts on every core; a part is trusted only when the one before it ended
    /// where a record begins (no quoted field runs across), otherwise the table is read again in one go.
    /// `one_vector`: the first part reserves room for the whole table (its rows are to follow it there).
    /// Each part comes with the partner codes it numbered.
    fn convert_in_parts<T: Send>(
        &mut self,
        table: Option<&RawTable>,
        f: fn(&mut Row) -> Option<T>,
        one_vector: bool,
    ) -> (Vec<Vec<T>>, Vec<Vec<Text>>) {
        let Some(table) = table else {
            return Default::default();
        };
        let src = self.sources.get(table.spec.file);
        let text = src.text.as_bytes();
        let pieces = if table.cr_only { 1 } else { source::piece_count(text.len(), self.part) };
        let spans = spans(text, pieces);
        let mut parts: Vec<Typed<T>> = if spans.len() > 1 {
            use rayon::prelude::*;
            spans.par_iter().map(|&span| type_span(table, src, span, f, one_vector)).collect()
        } else {
            Vec::new()
        };
        if parts.is_empty() || !parts.iter().all(|p| p.whole) {
            let whole = Span { start: 0, end: text.len(), lines_before: 0 };
            parts = vec![type_span(table, src, whole, f, one_vector)];
        }
        let mut read = 0;
        let mut rows = Vec::with_capacity(parts.len());
        let mut codes = Vec::with_capacity(parts.len());
        for part in parts {
            rows.push(part.rows);
            codes.push(part.codes);
            self.diags.extend(part.diags);
            read += part.read;
        }
        self.rows.insert(table.spec.file, read);
        (rows, codes)
    }
}

/// Tables of this many bytes or more are typed in parts, up to four per core.
const MIN_PART: usize = 1 << 20;

/// What typing a span of a table gave.
struct Typed<T> {
    rows: Vec<T>,
    /// The partner codes numbered in this span ([`Row::code_number`]).
    codes: Vec<Text>,
    diags: Vec<Diagnostic>,
    /// Rows read (blank and ragged rows not counted).
    read: usize,
    /// The span ended where a record begins.
    whole: bool,
}

fn type_span<T>(
    table: &RawTable,
    src: &SourceFile,
    span: Span,
    f: fn(&mut Row) -> Option<T>,
    one_vector: bool,
) -> Typed<T> {
    let text = &src.text.as_bytes()[span.start..span.end];
    // A row per line at most, reserved up front to spare the copies of a growing vector; where the parts
    // are to end in one vector, the first reserves for the whole table.
    let capacity = match (table.usable, span.start) {
        (false, _) => 0,
        (true, 0) if one_vector => line_count(src.text.as_bytes()),
        (true, _) => line_count(text) + 1,
    };
    let mut rows = Vec::with_capacity(capacity);
    let mut diags = Vec::new();
    let mut lookups = Lookups::default();
    // The cited cells (`source`, `note`) are not typed into rows (see `source::CITED`): those the schema
    // requires are checked here, after the row's own cells, for every row the typing function made.
    let cited: Vec<&'static str> =
        table.spec.columns.iter().filter(|c| c.value_required && CITED.contains(&c.name)).map(|c| c.name).collect();
    let (read, whole) = for_each_row(table, src, span, &mut diags, |loc, rec, diags| {
        if !table.usable {
            return;
        }
        let mut row = Row { table, src, fields: rec, loc, diags, errors: 0, lookups: &mut lookups, calls: 0 };
        let value = f(&mut row);
        if value.is_some() {
            for name in &cited {
                row.required_str(name);
            }
        }
        if row.errors == 0 {
            rows.extend(value);
        }
    });
    Typed { rows, codes: lookups.codes.codes, diags, read, whole }
}

/// Lines in a text (line feeds, or carriage returns in a file without any).
fn line_count(text: &[u8]) -> usize {
    match count_byte(text, b'\n') {
        0 => count_byte(text, b'\r'),
        n => n,
    }
}

/// How often `byte` occurs in `text`.
fn count_byte(text: &[u8], byte: u8) -> usize {
    text.iter().fold(0usize, |n, &b| n + usize::from(b == byte))
}

/// One row being typed: reads cells by column name and records a diagnostic for each bad one.
struct Row<'a> {
    table: &'a RawTable,
    src: &'a SourceFile,
    /// The row's fields, as in the file.
    fields: &'a [&'a str],
    loc: Loc,
    diags: &'a mut Vec<Diagnostic>,
    errors: usize,
    lookups: &'a mut Lookups,
    /// Columns looked up so far in this row.
    calls: usize,
}

impl<'a> Row<'a> {
    /// The trimmed cell of a column (empty when the file has no such column).
    fn raw(&mut self, name: &'static str) -> &'a str {
        let field = self.lookups.field(self.table, self.calls, name);
        self.calls += 1;
        trim(field.and_then(|f| self.fields.get(f).copied()).unwrap_or(""))
    }

    /// Reports a problem; an error leaves the row out of the ledger.
    fn report(&mut self, code: Code, field: &str, message: String, hint: Option<String>) {
        if code.severity() == diag::Severity::Error {
            self.errors += 1;
        }
        self.report_keeping_row(code, field, message, hint);
    }

    /// Reports a problem whose row is still usable (the offending value is ignored).
    fn report_keeping_row(&mut self, code: Code, field: &str, message: String, hint: Option<String>) {
        let place = self.src.place(self.loc, Some(field));
        let mut d = Diagnostic::new(code, &self.src.path, message).at_line(place.line, place.column);
        d.field = Some(field.to_string());
        d.row = Some(place.row);
        d.hint = hint;
        self.diags.push(d);
    }

    fn required(&mut self, name: &'static str) -> Option<Text> {
        self.required_str(name).map(Text::from)
    }

    /// The cell, or a diagnostic when it is empty.
    fn required_str(&mut self, name: &'static str) -> Option<&'a str> {
        let v = self.raw(name);
        if v.is_empty() {
            self.report(
                Code::MissingValue,
                name,
                format!("`{name}` is empty"),
                Some(format!("fill in `{name}`: {}", self.describe(name))),
            );
            return None;
        }
        Some(v)
    }

    fn describe(&self, name: &str) -> &'static str {
        self.table.spec.columns.iter().find(|c| c.name == name).map(|c| c.description).unwrap_or("")
    }

    fn text(&mut self, name: &'static str) -> Text {
        self.required(name).unwrap_or_default()
    }

    fn optional_text(&mut self, name: &'static str) -> Text {
        Text::from(self.raw(name))
    }

    /// A partner code ([`Row::id`]), numbered in this span.
    fn partner_id(&mut self, name: &'static str) -> PartnerId {
        let code = self.id(name);
        self.lookups.codes.number(code)
    }

    fn id(&mut self, name: &'static str) -> Text {
        let v = self.required(name).unwrap_or_default();
        if !v.is_empty() && !is_id(&v) {
            self.report(
                Code::MalformedId,
                name,
                format!("`{v}` is not a valid identifier"),
                Some("use letters, digits and . _ / - only, starting with a letter or digit; no spaces".into()),
            );
        }
        v
    }

    fn date(&mut self, name: &'static str) -> Option<Date> {
        let v = self.required_str(name)?;
        self.parse_date(name, v)
    }

    fn optional_date(&mut self, name: &'static str) -> Option<Date> {
        let v = self.raw(name);
        if v.is_empty() {
            return None;
        }
        self.parse_date(name, v)
    }

    fn parse_date(&mut self, name: &'static str, v: &str) -> Option<Date> {
        match date::parse_date(v, self.table.month_first) {
            Ok(d) => Some(d),
            Err(DateError::MonthFirst) => {
                self.report(
                    Code::MonthFirstDate,
                    name,
                    format!("`{v}`: this file writes dates month first, which cannot be told apart from day first"),
                    Some("write dates as YYYY-MM-DD (e.g. 2025-06-21), or as DD.MM.YYYY".into()),
                );
                None
            }
            Err(DateError::Invalid { reason }) => {
                self.report(Code::NotADate, name, reason, Some("write dates as YYYY-MM-DD, e.g. 2025-06-21".into()));
                None
            }
        }
    }

    fn money(&mut self, name: &'static str) -> Option<i64> {
        let v = self.required_str(name)?;
        self.parse_money(name, v)
    }

    fn optional_money(&mut self, name: &'static str) -> Option<i64> {
        let v = self.raw(name);
        if v.is_empty() {
            return None;
        }
        self.parse_money(name, v)
    }

    fn parse_money(&mut self, name: &'static str, v: &str) -> Option<i64> {
        let mark = self.table.mark;
        match money::parse_amount(v, mark) {
            Ok(a) => {
                if a.negative_zero {
                    self.report(
                        Code::NegativeZero,
                        name,
                        format!("`{v}` is a negative zero; read as 0"),
                        Some("write 0".into()),
                    );
                }
                Some(a.cents)
            }
            Err(e) => {
                let (code, msg, hint) = money_problem(v, e, self.src.delimiter);
                self.report(code, name, msg, Some(hint));
                None
            }
        }
    }

    fn word<T>(&mut self, name: &'static str, from: fn(&str) -> Option<T>, words: &[&str]) -> Option<T> {
        let v = self.required_str(name)?;
        self.parse_word(name, v, from, words)
    }

    fn optional_word<T>(&mut self, name: &'static str, from: fn(&str) -> Option<T>, words: &[&str]) -> Option<T> {
        let v = self.raw(name);
        if v.is_empty() {
            return None;
        }
        self.parse_word(name, v, from, words)
    }

    fn parse_word<T>(&mut self, name: &'static str, v: &str, from: fn(&str) -> Option<T>, words: &[&str]) -> Option<T> {
        let parsed = from(v);
        if parsed.is_none() {
            let hint = match did_you_mean(v, words.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? `{name}` is one of: {}", words.join(", ")),
                None => format!("`{name}` is one of: {}", words.join(", ")),
            };
            self.report(Code::UnknownValue, name, format!("`{v}` is not a valid {name}"), Some(hint));
        }
        parsed
    }

    fn sign(&mut self, name: &'static str, amount: i64, ok: bool, rule: &str) {
        if !ok {
            let hint = format!("check the sign and the `kind`; {}", self.describe(name));
            self.report(Code::WrongSign, name, format!("{} {rule}", money::format_plain(amount)), Some(hint));
        }
    }
}

/// The diagnostic for an amount that could not be read.
fn money_problem(v: &str, e: MoneyError, delimiter: u8) -> (Code, String, String) {
    match e {
        MoneyError::Invalid { reason, hint } => (Code::NotAnAmount, reason, hint),
        MoneyError::Ambiguous { text } => {
            let digits: String = text.chars().filter(|c| c.is_ascii_digit() || *c == '-').collect();
            (
                Code::AmbiguousNumber,
                format!("`{text}` can be read two ways: this file's decimal mark is not known, so its separator may be a decimal mark or a thousands separator"),
                format!("if you mean {digits} euros, write {digits}.00 (or {digits},00 with decimal commas); otherwise write the cents with two digits; or pass --decimal-mark point|comma"),
            )
        }
        MoneyError::TooManyDecimals => (
            Code::TooManyDecimals,
            format!("`{v}` has more than two decimals"),
            "amounts are in euros and cents; round to two decimals (or check the decimal mark)".into(),
        ),
        MoneyError::OutOfRange => (
            Code::AmountOutOfRange,
            format!("`{v}` is beyond EUR {}", money::format_grouped(money::MAX_CELL_CENTS as i128)),
            "check for a misplaced decimal mark or pasted digits".into(),
        ),
        MoneyError::WrongMark { file_mark } => (
            Code::MixedDecimalMarks,
            format!(
                "`{v}` is written with another decimal mark than the rest of this file, which uses a {}",
                file_mark.name()
            ),
            if delimiter == b',' && file_mark == DecimalMark::Point {
                "this file is comma-separated, so amounts use a decimal point: write e.g. 1234.56".into()
            } else {
                format!("write every amount of the file with a {} ({})", file_mark.name(), file_mark.char())
            },
        ),
    }
}

/// Letters, digits and `. _ / -`, starting with a letter or digit (all ASCII, so the bytes tell).
fn is_id(v: &str) -> bool {
    let b = v.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'/' | b'-'))
}

fn partner(r: &mut Row) -> Option<Partner> {
    let code = r.id("code");
    if code.eq_ignore_ascii_case(ALL_PARTNERS) {
        r.report(
            Code::MalformedId,
            "code",
            format!("`{code}` is reserved for the whole facility in control totals"),
            Some("choose another code".into()),
        );
    }
    Some(Partner {
        at: r.loc,
        name: r.text("name"),
        local_name: r.optional_text("local_name"),
        agenda_approved: r.optional_date("agenda_approved"),
        facility_agreement_in_force: r.optional_date("facility_agreement_in_force"),
        loan_agreement_in_force: r.optional_date("loan_agreement_in_force"),
        code,
    })
}

fn allocation(r: &mut Row) -> Option<Allocation> {
    let date = r.date("date");
    let partner = r.id("partner");
    let instrument = r.word("instrument", Instrument::from_word, Instrument::WORDS);
    let amount = r.money("amount_eur");
    let kind = r.word("kind", AllocationKind::from_word, AllocationKind::WORDS);
    if let (Some(a), Some(k)) = (amount, kind) {
        match k {
            AllocationKind::Initial => {
                r.sign("amount_eur", a, a >= 0, "is negative, but an `initial` allocation cannot be")
            }
            AllocationKind::Cut => {
                r.sign("amount_eur", a, a < 0, "must be negative for a `cut` (it reduces the envelope)")
            }
            AllocationKind::Redistribution => r.sign("amount_eur", a, a != 0, "is zero; a redistribution moves money"),
        }
    }
    Some(Allocation { at: r.loc, date: date?, partner, instrument: instrument?, amount: amount?, kind: kind? })
}

fn commitment(r: &mut Row) -> Option<Commitment> {
    let id = r.id("id");
    let date = r.date("date");
    let partner = r.id("partner");
    let instrument = r.word("instrument", Instrument::from_word, Instrument::WORDS);
    let channel = r.optional_word("channel", Channel::from_word, Channel::WORDS);
    let amount = r.money("amount_eur");
    let kind = r.word("kind", CommitmentKind::from_word, CommitmentKind::WORDS);
    if let Some(a) = amount {
        r.sign("amount_eur", a, a != 0, "is zero; a commitment commits money (negative to de-commit)");
    }
    Some(Commitment {
        at: r.loc,
        id,
        date: date?,
        partner,
        instrument: instrument?,
        channel,
        amount: amount?,
        kind: kind?,
    })
}

fn step(r: &mut Row) -> Option<Step> {
    let id = r.id("id");
    let partner = r.id("partner");
    let area = r.text("area");
    let reform = r.text("reform");
    let description = r.text("description");
    let kind = r.word("kind", StepKind::from_word, StepKind::WORDS);
    let due = r.date("due");
    let amount = r.money("amount_eur");
    if let Some(a) = amount {
        r.sign("amount_eur", a, a >= 0, "is negative; the money tied to a step cannot be");
    }
    Some(Step { at: r.loc, id, partner, area, reform, description, kind: kind?, due: due?, amount: amount? })
}

fn step_event(r: &mut Row) -> Option<StepEvent> {
    let date = r.date("date");
    let step = r.id("step");
    let status = r.word("status", StepStatus::from_word, StepStatus::WORDS);
    let amount = r.optional_money("amount_eur");
    match (status, amount) {
        (Some(StepStatus::PartiallyFulfilled), None) if r.raw("amount_eur").is_empty() => r.report(
            Code::EventAmount,
            "amount_eur",
            "a `partially_fulfilled` assessment needs the euros found fulfilled".into(),
            Some("write the gross amount the Commission found fulfilled in `amount_eur`".into()),
        ),
        (Some(StepStatus::PartiallyFulfilled), Some(a)) => {
            r.sign("amount_eur", a, a > 0, "must be positive for a partial fulfilment")
        }
        (Some(s), Some(_)) if s != StepStatus::PartiallyFulfilled => r.report_keeping_row(
            Code::EventAmount,
            "amount_eur",
            format!("a `{}` event carries no amount; the amount is ignored", s.as_str()),
            Some("leave `amount_eur` empty; it is only for `partially_fulfilled`".into()),
        ),
        _ => {}
    }
    let amount = amount.filter(|_| status == Some(StepStatus::PartiallyFulfilled)).and_then(std::num::NonZeroI64::new);
    Some(StepEvent { at: r.loc, date: date?, step: Short::from(step.as_str()), status: status?, amount })
}

fn payment(r: &mut Row) -> Option<Payment> {
    let id = r.id("id");
    let date = r.date("date");
    let partner = r.partner_id("partner");
    let kind = r.word("kind", PaymentKind::from_word, PaymentKind::WORDS);
    let channel = r.word("channel", Channel::from_word, Channel::WORDS);
    let instrument = r.word("instrument", Instrument::from_word, Instrument::WORDS);
    let amount = r.money("amount_eur");
    if let Some(a) = amount {
        r.sign("amount_eur", a, a != 0, "is zero; leave out components that moved no money");
    }
    let steps_text = r.raw("steps");
    let mut steps = StepIds::new();
    for s in steps_text.split([' ', '\u{a0}', ',', ';']).filter(|s| !s.is_empty()) {
        if !is_id(s) {
            r.report(
                Code::MalformedId,
                "steps",
                format!("`{s}` is not a valid step id"),
                Some("separate step ids with spaces".into()),
            );
        } else {
            steps.push(s);
        }
    }
    Some(Payment {
        at: r.loc,
        id: Short::from(id.as_str()),
        date: date?,
        partner,
        kind: kind?,
        channel: channel?,
        instrument: instrument?,
        amount: amount?,
        steps,
    })
}

fn condition(r: &mut Row) -> Option<Condition> {
    let date = r.date("date");
    let partner = r.id("partner");
    let layer = r.word("layer", Layer::from_word, Layer::WORDS);
    let status = r.word("status", ConditionStatus::from_word, ConditionStatus::WORDS);
    Some(Condition { at: r.loc, date: date?, partner, layer: layer?, status: status? })
}

fn control_total(r: &mut Row) -> Option<ControlTotal> {
    let date = r.date("date");
    let partner = r.id("partner");
    let measure = r.word("measure", Measure::from_word, Measure::WORDS);
    let amount = r.money("amount_eur");
    let tolerance = r.money("tolerance_eur");
    if let Some(t) = tolerance {
        r.sign("tolerance_eur", t, t >= 0, "is negative; a tolerance is a distance");
    }
    Some(ControlTotal {
        at: r.loc,
        date: date?,
        partner: (!partner.eq_ignore_ascii_case(ALL_PARTNERS)).then_some(partner),
        measure: measure?,
        amount: amount?,
        tolerance: tolerance?,
    })
}

/// Diagnostic at a row of a typed ledger.
fn at(sources: &Sources, code: Code, loc: Loc, field: &str, message: String) -> Diagnostic {
    let place = sources.place(loc, Some(field));
    let mut d = Diagnostic::new(code, place.path, message).at_line(place.line, place.column);
    d.field = Some(field.to_string());
    d.row = Some(place.row);
    d
}

/// Cross-ledger references the payments make: partner codes and step ids exist (and each release's
/// known steps, which the ledger keeps), releases are coherent (the steps' and events' own references
/// are resolved while the payments are typed: [`step_references`]). References into a file that could not
/// be read are not checked: that file's own diagnostics say why. The three kinds of check read different
/// things, so they run side by side.
fn resolve_references(l: &Ledger, sources: &Sources, read: &BTreeSet<LedgerFile>) -> (ReleaseSteps, Vec<Diagnostic>) {
    let steps_read = read.contains(&LedgerFile::Steps);
    let ((release_steps, steps), (partners, releases)) = rayon::join(
        || payment_steps(l, sources, steps_read),
        || rayon::join(|| partner_references(l, sources, read), || release_coherence(l, sources)),
    );
    (release_steps, steps.into_iter().chain(partners).chain(releases).collect())
}

/// Partner codes: unique in partners.csv, and every code the other ledgers name is there.
fn partner_references(l: &Ledger, sources: &Sources, read: &BTreeSet<LedgerFile>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut seen: FxHashMap<&str, Loc> = FxHashMap::default();
    for p in &l.partners {
        if let Some(first) = seen.insert(&p.code, p.at) {
            diags.push(duplicate(sources, p.at, "code", &p.code, first));
        }
    }
    let codes: Vec<&str> = l.partners.iter().map(|p| p.code.as_str()).collect();
    let partners_read = read.contains(&LedgerFile::Partners);
    let known: FxHashSet<&str> = codes.iter().copied().collect();
    let partner_ok = |code: &str| !partners_read || known.contains(code);
    let mut unknown_partner = |loc: Loc, code: &str| {
        let mut d =
            at(sources, Code::UnknownPartner, loc, "partner", format!("partner `{code}` is not in partners.csv"));
        d = match did_you_mean(code, codes.iter().copied()) {
            Some(s) => d.hint(format!("did you mean `{s}`? The partners are: {}", codes.join(", "))),
            None => d.hint(format!("the partners are: {}; add a new partner to partners.csv first", codes.join(", "))),
        };
        diags.push(d);
    };
    let references = l
        .allocations
        .iter()
        .map(|r| (r.at, r.partner.as_str()))
        .chain(l.commitments.iter().map(|r| (r.at, r.partner.as_str())))
        .chain(l.steps.iter().map(|r| (r.at, r.partner.as_str())))
        .chain(l.payments.iter().map(|r| (r.at, l.partner_code(r.partner))))
        .chain(l.conditions.iter().map(|r| (r.at, r.partner.as_str())))
        .chain(l.control_totals.iter().filter_map(|r| r.partner.as_deref().map(|p| (r.at, p))));
    // Neighbouring rows mostly name the same partner: a known code is remembered, not looked up again.
    let mut last_known: &str = "";
    for (at, code) in references {
        if code == last_known {
            continue;
        }
        if partner_ok(code) {
            last_known = code;
        } else {
            unknown_partner(at, code);
        }
    }
    diags
}

/// Step ids and commitment ids unique; every step an event names exists; partial amounts within their
/// step's. Reads no payment (their steps: [`payment_steps`]).
fn step_references(l: &Ledger, sources: &Sources, steps_read: bool) -> (StepRefs, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    // Each id's position (the last row of an id, as every later stage reads it); the first row of a
    // doubled id is kept aside for the findings, which name it. Ids are copied into the table (short ids
    // allocate nothing), so a lookup reads the table alone.
    let mut positions: FxHashMap<Text, u32> = FxHashMap::default();
    positions.reserve(l.steps.len());
    let mut first_of_doubled: FxHashMap<&str, u32> = FxHashMap::default();
    for (i, s) in l.steps.iter().enumerate() {
        match positions.entry(s.id.clone()) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i as u32);
            }
            std::collections::hash_map::Entry::Occupied(mut e) => {
                let first = *first_of_doubled.entry(&s.id).or_insert(*e.get());
                diags.push(duplicate(sources, s.at, "id", &s.id, l.steps[first as usize].at));
                e.insert(i as u32);
            }
        }
    }
    // The step a finding compares with: the first row of a doubled id.
    let first_step = |id: &str, last: u32| &l.steps[first_of_doubled.get(id).copied().unwrap_or(last) as usize];
    let mut event_steps = Vec::with_capacity(l.step_events.len());
    let mut previous = None;
    for e in &l.step_events {
        let position = position_once_per_run(&positions, &mut previous, &e.step);
        event_steps.push(position);
        match position {
            None if !steps_read => {}
            None => diags.push(unknown_step(sources, &positions, e.at, "step", &e.step)),
            Some(last) => {
                if let Some(a) = e.amount.map(i64::from) {
                    let s = first_step(&e.step, last);
                    if a > s.amount {
                        diags.push(
                            at(
                                sources,
                                Code::EventAmount,
                                e.at,
                                "amount_eur",
                                format!(
                                    "the partial amount {} exceeds the step's amount {}",
                                    money::format_grouped(a as i128),
                                    money::format_grouped(s.amount as i128)
                                ),
                            )
                            .hint("a partial fulfilment releases part of the step's money, not more"),
                        );
                    }
                }
            }
        }
    }
    let mut commitment_ids: FxHashMap<&str, Loc> = FxHashMap::default();
    for c in &l.commitments {
        if let Some(first) = commitment_ids.insert(&c.id, c.at) {
            diags.push(duplicate(sources, c.at, "id", &c.id, first));
        }
    }
    (StepRefs { positions, event_steps, release_steps: ReleaseSteps::default() }, diags)
}

/// Each release's known steps (the union over its components, in order of first mention), looked up on
/// every core; and, where an id was not found, a finding for every payment naming a step that does not
/// exist.
fn payment_steps(l: &Ledger, sources: &Sources, steps_read: bool) -> (ReleaseSteps, Vec<Diagnostic>) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let positions = &l.step_refs.positions;
    let unknown = AtomicBool::new(false);
    // Each core keeps the last id it looked up: an id is looked up once per run of releases naming it.
    let release_steps = ReleaseSteps::new(
        l.release_count(),
        || None,
        |previous: &mut Option<(&str, Option<u32>)>, i| {
            let mut steps = SmallVec::new();
            // Components nearly always name the same steps: a list is looked up once.
            let mut last: Option<&str> = None;
            for p in l.release(i) {
                if last == Some(p.steps.as_str()) {
                    continue;
                }
                last = Some(p.steps.as_str());
                for s in p.steps.iter() {
                    match position_once_per_run(positions, previous, s) {
                        Some(position) if !steps.contains(&position) => steps.push(position),
                        Some(_) => {}
                        None => unknown.store(true, Ordering::Relaxed),
                    }
                }
            }
            steps
        },
    );
    let diags =
        if steps_read && unknown.into_inner() { unknown_payment_steps(l, sources, positions) } else { Vec::new() };
    (release_steps, diags)
}

/// A finding for each step a payment names that is not in steps.csv, the parts of the payments side by
/// side.
fn unknown_payment_steps(l: &Ledger, sources: &Sources, positions: &FxHashMap<Text, u32>) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    // Each part with the row before it (the last of the part before), as one pass would have read them.
    let parts: Vec<&[Payment]> = l.payments.parts().map(|(_, rows)| rows).collect();
    let before: Vec<Option<&Payment>> =
        std::iter::once(None).chain(parts.iter().map(|rows| rows.last())).take(parts.len()).collect();
    let per_part: Vec<Vec<Diagnostic>> = parts
        .into_par_iter()
        .zip(before)
        .map(|(rows, before)| {
            let mut diags = Vec::new();
            // Neighbouring rows mostly name the same steps: an unknown step is reported at the first row
            // of a run naming it.
            let mut last_steps: Option<&str> = before.map(|p| p.steps.as_str());
            for p in rows {
                if last_steps == Some(p.steps.as_str()) {
                    continue;
                }
                for s in p.steps.iter() {
                    if !positions.contains_key(s) {
                        diags.push(unknown_step(sources, positions, p.at, "steps", s));
                    }
                }
                last_steps = Some(p.steps.as_str());
            }
            diags
        })
        .collect();
    per_part.into_iter().flatten().collect()
}

/// A step id's position in `positions`, looked up only when the id is not the one looked up before
/// (`previous`: that id and what it found): the events, and the releases, naming one step mostly follow
/// each other.
fn position_once_per_run<'a>(
    positions: &FxHashMap<Text, u32>,
    previous: &mut Option<(&'a str, Option<u32>)>,
    id: &'a str,
) -> Option<u32> {
    match *previous {
        Some((last, position)) if last == id => position,
        _ => {
            let position = positions.get(id).copied();
            *previous = Some((id, position));
            position
        }
    }
}

/// A step id that is not in steps.csv, with the nearest known id as a hint.
fn unknown_step(sources: &Sources, positions: &FxHashMap<Text, u32>, loc: Loc, field: &str, id: &str) -> Diagnostic {
    let d = at(sources, Code::UnknownStep, loc, field, format!("step `{id}` is not in steps.csv"));
    match did_you_mean(id, positions.keys().map(Text::as_str).collect::<BTreeSet<_>>()) {
        Some(s) => d.hint(format!("did you mean `{s}`?")),
        None => d.hint("add the step to steps.csv first, or correct the id"),
    }
}

/// Per release: each component against the first, and no (channel, instrument) pair twice.
fn release_coherence(l: &Ledger, sources: &Sources) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for components in l.release_components() {
        let first = components[0];
        let mut pairs: Vec<(Channel, Instrument)> = Vec::new();
        for p in components {
            if pairs.contains(&(p.channel, p.instrument)) {
                diags.push(
                    at(sources, Code::DuplicateId, p.at, "id", format!("release `{}` has two `{}` `{}` components", p.id, p.channel.as_str(), p.instrument.as_str()))
                        .hint("a release has at most one row per channel and instrument; a correction is a new release with its own id"),
                );
            }
            pairs.push((p.channel, p.instrument));
            if !std::ptr::eq(first, p) {
                let mut problems = Vec::new();
                if first.date != p.date {
                    problems.push((
                        "date",
                        format!("date {} differs from {}", date::format(p.date), date::format(first.date)),
                    ));
                }
                if first.partner != p.partner {
                    let (code, first_code) = (l.partner_code(p.partner), l.partner_code(first.partner));
                    problems.push(("partner", format!("partner `{code}` differs from `{first_code}`")));
                }
                if first.kind != p.kind {
                    problems
                        .push(("kind", format!("kind `{}` differs from `{}`", p.kind.as_str(), first.kind.as_str())));
                }
                let differ = || {
                    let (a, b): (BTreeSet<_>, BTreeSet<_>) = (first.steps.iter().collect(), p.steps.iter().collect());
                    a != b
                };
                if !first.steps.is_empty() && !p.steps.is_empty() && first.steps != p.steps && differ() {
                    problems.push(("steps", "the steps listed differ".to_string()));
                }
                let first_place = || sources.place(first.at, None);
                for (field, msg) in problems {
                    let first_place = first_place();
                    diags.push(
                    at(sources, Code::ReleaseDisagrees, p.at, field, format!("release `{}`: {msg} (line {})", p.id, first_place.line))
                        .hint("all components of a release share date, partner, kind and steps; give a different release its own id")
                        .note(format!("{}:{}: {}", first_place.path, first_place.line, first_place.row)),
                );
                }
            }
        }
    }
    diags
}

fn duplicate(sources: &Sources, loc: Loc, field: &str, id: &str, first: Loc) -> Diagnostic {
    let first_place = sources.place(first, Some(field));
    at(sources, Code::DuplicateId, loc, field, format!("`{id}` is used twice (first on line {})", first_place.line))
        .hint("ids must be unique; give this row its own id")
        .note(format!("{}:{}: {}", first_place.path, first_place.line, first_place.row))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(over: &[(LedgerFile, &str)]) -> FolderBytes {
        let mut m = BTreeMap::new();
        for f in LedgerFile::ALL {
            let text = match f {
                LedgerFile::Facility => crate::ledger::facility::tests_sample().to_string(),
                _ => f.spec().unwrap().header() + "\n",
            };
            m.insert(f, (f.file_name().to_string(), Ok(text.into_bytes().into())));
        }
        for (f, t) in over {
            m.insert(*f, (f.file_name().to_string(), Ok(t.as_bytes().to_vec().into())));
        }
        m
    }

    const PARTNERS: &str = "code,name,agenda_approved,facility_agreement_in_force,loan_agreement_in_force,source\nRS,Serbia,2024-10-23,2025-01-01,2025-01-01,x\n";

    /// The known steps the loader keeps per release are those a lookup of every component's ids finds
    /// (each once, in order of first mention), whatever the unknown and repeated ids; and a run of rows
    /// naming an unknown step is reported at its first row, even where a release's components are apart.
    #[test]
    fn a_release_keeps_the_known_steps_its_components_name() {
        let steps = "id,partner,area,reform,description,kind,due,amount_eur,source,note\n\
                     S1,RS,A,R,D,qualitative,2025-06-30,10.00,x,\nS2,RS,A,R,D,qualitative,2025-06-30,10.00,x,\n\
                     S3,RS,A,R,D,qualitative,2025-06-30,10.00,x,\n";
        let header = LedgerFile::Payments.spec().unwrap().header();
        let rows = [
            "P1,2025-03-01,RS,regular,budget,loan,1.00,S2 S1,x,",
            "P1,2025-03-01,RS,regular,wbif,grant,1.00,S2 S1,x,",
            "P2,2025-03-01,RS,regular,budget,loan,1.00,S9 S3,x,",
            "P3,2025-03-01,RS,regular,budget,loan,1.00,S9,x,",
            "P2,2025-03-01,RS,regular,wbif,grant,1.00,S9 S3,x,",
            "P4,2025-03-01,RS,regular,budget,loan,1.00,S1,x,",
            "P4,2025-03-01,RS,regular,wbif,grant,1.00,S3 S1 S2,x,",
            "P5,2025-03-01,RS,pre_financing,budget,loan,1.00,,x,",
        ];
        let payments = format!("{header}\n{}\n", rows.join("\n"));
        let loaded = load_bytes(
            files(&[(LedgerFile::Partners, PARTNERS), (LedgerFile::Steps, steps), (LedgerFile::Payments, &payments)]),
            LoadOptions::default(),
        );
        let l = loaded.ledger.expect("a facility");
        let found: Vec<Vec<u32>> = (0..l.release_count()).map(|i| l.release_steps(i).to_vec()).collect();
        assert_eq!(found, vec![vec![1, 0], vec![2], vec![], vec![0, 2, 1], vec![]]);
        let unknown: Vec<u64> =
            loaded.diagnostics.iter().filter(|d| d.code == Code::UnknownStep).filter_map(|d| d.line).collect();
        // Lines 4 and 5 start runs naming S9; line 6 names it again after a row naming other steps.
        assert_eq!(unknown, vec![4, 5, 6]);
    }

    #[test]
    fn european_dialect_gives_the_same_cents() {
        let plain = "date,partner,instrument,amount_eur,kind,source\n2024-05-25,RS,loan,1131000000.00,initial,x\n2025-07-01,RS,loan,-1234.56,cut,x\n";
        let euro = "\u{feff}partner;date;instrument;amount_eur;kind;source\r\nRS;25.05.2024;loan;1.131.000.000,00;initial;x\r\nRS;01/07/2025;loan;-1 234,56;cut;x\r\n";
        let a = load_bytes(
            files(&[(LedgerFile::Partners, PARTNERS), (LedgerFile::Allocations, plain)]),
            LoadOptions::default(),
        );
        let b = load_bytes(
            files(&[(LedgerFile::Partners, PARTNERS), (LedgerFile::Allocations, euro)]),
            LoadOptions::default(),
        );
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
        assert!(b.diagnostics.is_empty(), "{:?}", b.diagnostics);
        let amounts =
            |l: &Loaded| l.ledger.as_ref().unwrap().allocations.iter().map(|r| (r.date, r.amount)).collect::<Vec<_>>();
        assert_eq!(amounts(&a), amounts(&b));
        assert_eq!(amounts(&a)[1].1, -123_456);
    }

    #[test]
    fn every_problem_of_every_row_is_reported() {
        let bad = "date,partner,instrument,amount_eur,kind,source\n2024-13-01,XX,gant,1.080,initial,x\n2024-01-01,RS,loan,,initial,\n";
        let l = load_bytes(
            files(&[(LedgerFile::Partners, PARTNERS), (LedgerFile::Allocations, "")]),
            LoadOptions::default(),
        );
        assert_eq!(l.diagnostics.iter().filter(|d| d.code == Code::NoHeader).count(), 1);
        let l = load_bytes(
            files(&[(LedgerFile::Partners, PARTNERS), (LedgerFile::Allocations, bad)]),
            LoadOptions::default(),
        );
        let codes: Vec<(Code, u64)> = l.diagnostics.iter().map(|d| (d.code, d.line.unwrap_or(0))).collect();
        assert!(codes.contains(&(Code::NotADate, 2)), "{codes:?}");
        assert!(codes.contains(&(Code::UnknownValue, 2)));
        assert!(codes.contains(&(Code::TooManyDecimals, 2)));
        assert!(codes.contains(&(Code::MissingValue, 3)));
        let d = l.diagnostics.iter().find(|d| d.code == Code::UnknownValue).unwrap();
        assert_eq!(d.column, Some(15));
        assert!(d.hint.as_deref().unwrap().contains("did you mean `grant`"));
        assert!(l.ledger.unwrap().allocations.is_empty());
    }

    #[test]
    fn findings_name_the_line_of_the_row_whatever_the_line_ends() {
        let rows = ["2024-01-01,RS,loan,5.00,initial,x", "2024-13-01,RS,loan,5.00,initial,x"];
        let header = "date,partner,instrument,amount_eur,kind,source";
        // The bad row is on line 3, or later after blank lines.
        for (text, line) in [
            (format!("{header}\n{}\n{}\n", rows[0], rows[1]), 3),
            (format!("{header}\r\n{}\r\n{}\r\n", rows[0], rows[1]), 3),
            (format!("{header}\r{}\r{}\r", rows[0], rows[1]), 3),
            (format!("{header}\r{}\r\r{}\r", rows[0], rows[1]), 4),
            (format!("{header}\n{}\n\n\n{}\n", rows[0], rows[1]), 5),
            (format!("{header}\r\n{}\r\n\r\n\r\n{}\r\n", rows[0], rows[1]), 5),
        ] {
            let l = load_bytes(
                files(&[(LedgerFile::Partners, PARTNERS), (LedgerFile::Allocations, &text)]),
                LoadOptions::default(),
            );
            let d = l.diagnostics.iter().find(|d| d.code == Code::NotADate).expect("the bad date is reported");
            assert_eq!(d.line, Some(line), "{text:?}");
            assert_eq!(d.row.as_deref(), Some(rows[1]), "{text:?}");
            assert_eq!(d.column, Some(1), "{text:?}");
        }
    }

    /// Everything `load_in_parts` makes of a payments file (beside the shipped partners), read as `reading`
    /// says, to compare ways of reading.
    fn load_payments(text: &str, reading: Reading) -> String {
        let files = files(&[(LedgerFile::Partners, PARTNERS), (LedgerFile::Payments, text)]);
        format!("{:?}", load_in_parts(files, LoadOptions::default(), reading))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Typing in parts gives what one pass gives: the same rows, findings, lines and counts (and partner
        /// codes numbered alike, however the parts met them), whatever the quoted line breaks, blank lines,
        /// line endings and bad rows near the cuts.
        #[test]
        fn typing_in_parts_changes_nothing(
            rows in proptest::collection::vec(0usize..10, 0..60),
            crlf in proptest::bool::ANY,
            part in 8usize..300,
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let kinds = [
                "P1,2025-03-01,RS,regular,budget,loan,10.00,,x,".to_string(),
                format!("P2,2025-03-02,RS,regular,budget,loan,10.00,,x,\"a note{end}on two lines\""),
                String::new(),
                "P3,2025-13-02,RS,regular,budget,loan,10.00,,x,".to_string(),
                "P4,2025-03-02,RS,regular,budget".to_string(),
                "P5,2025-03-02,RS,regular,budget,loan,1\"0.00,,x,".to_string(),
                format!("\"P6{end}\",2025-03-02,RS,regular,budget,loan,10.00,,x,\"\"\"q\"\"\""),
                "P7,2025-03-02,RS,regular,budget,loan,10.00,,x,\"unclosed".to_string(),
                "P8,2025-03-02,AL,regular,wbif,grant,-5.00,S1 S2,x,".to_string(),
                "P9,2025-03-02,XK,regular,budget,loan,10.00,,x,".to_string(),
            ];
            let header = LedgerFile::Payments.spec().unwrap().header();
            let text: String = std::iter::once(header).chain(rows.iter().map(|&k| kinds[k].clone())).map(|l| l + end).collect();
            let load = |part| load_payments(&text, Reading { part, plain_lines: true });
            proptest::prop_assert_eq!(load(part), load(usize::MAX));
        }

        /// The word-at-a-time search finds what a byte-by-byte one finds.
        #[test]
        fn the_next_special_byte_is_the_first_one(
            bytes in proptest::collection::vec(proptest::sample::select(vec![b'a', b',', b';', b'\n', b'\r', b'"', 0, 0x80, 0xFF, 0x2B, 0x0C]), 0..40),
            from in 0usize..45,
            semicolon in proptest::bool::ANY,
        ) {
            let delimiter = if semicolon { b';' } else { b',' };
            let from = from.min(bytes.len());
            let naive = (from..bytes.len()).find(|&i| is_special(bytes[i], delimiter)).unwrap_or(bytes.len());
            proptest::prop_assert_eq!(next_special(&bytes, from, delimiter), naive);
        }

        /// Splitting plain lines directly gives what the csv reader gives: the same rows, findings, lines
        /// and counts, whatever the quotes, stray carriage returns, blank lines and line ends between them,
        /// in one pass or in parts.
        #[test]
        fn splitting_plain_lines_changes_nothing(
            rows in proptest::collection::vec((0usize..13, 0usize..3), 0..60),
            blank_lines_first in proptest::collection::vec(0usize..3, 0..3),
            part in 8usize..300,
        ) {
            let kinds = [
                "P1,2025-03-01,RS,regular,budget,loan,10.00,,x,",
                "P2,2025-03-02,RS,regular,budget,loan,10.00,,x,\"a note\non two lines\"",
                "",
                "P3,2025-13-02,RS,regular,budget,loan,10.00,,x,",
                "P4,2025-03-02,RS,regular,budget",
                "P5,2025-03-02,RS,regular,budget,loan,1\"0.00,,x,",
                "\"P6\r\n\",2025-03-02,RS,regular,budget,loan,10.00,,x,\"\"\"q\"\"\"",
                "P7,2025-03-02,RS,regular,budget,loan,10.00,,x,\"unclosed",
                "P8,2025-03-02,RS,regular,wbif,grant,-5.00,S1 S2,x,",
                "P9,2025-03-02,RS,\rregular,budget,loan,10.00,,x,",
                "   ",
                ",,,,,,,,,",
                "P10,2025-03-02,RS,regular,budget,loan,10.00,,x,,extra",
            ];
            let ends = ["\n", "\r\n", "\r"];
            let header = LedgerFile::Payments.spec().unwrap().header();
            let text: String = blank_lines_first
                .iter()
                .map(|&e| ("", e))
                .chain(std::iter::once((header.as_str(), 0)))
                .chain(rows.iter().map(|&(k, e)| (kinds[k], e)))
                .map(|(line, e)| format!("{line}{}", ends[e]))
                .collect();
            let load = |part, plain_lines| load_payments(&text, Reading { part, plain_lines });
            let csv_reader_only = load(usize::MAX, false);
            proptest::prop_assert_eq!(&load(usize::MAX, true), &csv_reader_only);
            proptest::prop_assert_eq!(&load(part, true), &csv_reader_only);
        }
    }

    #[test]
    fn nothing_panics_on_junk() {
        let header_only = LedgerFile::Payments.spec().unwrap().header();
        let long_line = format!("{header_only}\n{}\n", "x".repeat(10_000_000));
        for junk in ["\u{0}\u{1}\u{2}", "\"unterminated", ",,,,\n,,,", "a;b\n1;2;3;4;5", "\u{feff}", &long_line] {
            let l = load_bytes(files(&[(LedgerFile::Payments, junk)]), LoadOptions::default());
            assert!(!l.diagnostics.is_empty(), "{}", &junk[..junk.len().min(40)]);
        }
        let l = load_bytes(files(&[(LedgerFile::Payments, &header_only)]), LoadOptions::default());
        assert!(l.diagnostics.is_empty() && l.ledger.unwrap().payments.is_empty());
    }
}
