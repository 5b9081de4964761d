//! Source texts: decoding the bytes staff produce (UTF-8 with or without BOM, UTF-16, Windows-1252),
//! detecting the delimiter, and pointing at a row and column of a file for diagnostics.

use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use crate::diag::Code;
use crate::ledger::place::Loc;
use crate::ledger::schema::LedgerFile;

/// A file's bytes as read: mapped (the operating system's cached copy of the file is read in place, so
/// at ten million rows a gigabyte of fresh memory is neither cleared nor copied into: the 10^7-row
/// target of BENCHMARKS.md) or, where a file cannot be mapped, copied into memory.
///
/// A mapped file must not be cut short while it is read: see [`exit_if_a_mapped_file_shrinks`]. Files are
/// replaced, never rewritten in place, by growthplan's own writes ([`crate::write`]) and by spreadsheet
/// programs saving.
pub enum FileBytes {
    Read(Vec<u8>),
    /// Shared, so that the file can be read again (for its digest) beside the text decoded from it.
    Mapped(Arc<memmap2::Mmap>),
}

impl FileBytes {
    /// The mapped file, shared (`None` for bytes read into memory).
    pub fn shared_map(&self) -> Option<Arc<memmap2::Mmap>> {
        match self {
            FileBytes::Mapped(m) => Some(Arc::clone(m)),
            FileBytes::Read(_) => None,
        }
    }
}

impl Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Read(b) => b,
            FileBytes::Mapped(m) => &m[..],
        }
    }
}

impl From<Vec<u8>> for FileBytes {
    fn from(bytes: Vec<u8>) -> Self {
        FileBytes::Read(bytes)
    }
}

/// Reads a file: a regular file with content is mapped, anything else (an empty file, a pipe, a file
/// system that cannot map) read.
pub fn read_file(path: &Path) -> std::io::Result<FileBytes> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > 0 {
        // SAFETY: the map is only read, and the text made of it is checked to be UTF-8 when decoded.
        // What no program can rule out (another program cutting the file short or rewriting it in place
        // while it is read) is turned into a clear exit by `exit_if_a_mapped_file_shrinks`.
        if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
            return Ok(FileBytes::Mapped(Arc::new(map)));
        }
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut &file, &mut bytes)?;
    Ok(FileBytes::Read(bytes))
}

/// Makes reading a mapped file that another program has cut short end the run with a message and exit
/// code 2 (could not run) instead of a crash by signal. Ledgers are only read, so nothing is lost; the
/// run is simply to be repeated once the other program has saved the file. For the binary to call once.
#[cfg(target_os = "linux")]
pub fn exit_if_a_mapped_file_shrinks() {
    extern "C" fn on_bus_error(_: libc::c_int) {
        const MESSAGE: &[u8] =
            b"\nerror: a ledger file was cut short by another program while it was read; run again once it is saved\n";
        // SAFETY: `write` and `_exit` are async-signal-safe; the message is a static buffer.
        unsafe {
            libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
            libc::_exit(2);
        }
    }
    // SAFETY: installs a handler that only calls async-signal-safe functions.
    unsafe {
        libc::signal(libc::SIGBUS, on_bus_error as extern "C" fn(libc::c_int) as libc::sighandler_t);
    }
}

/// Elsewhere a mapped file cut short ends the run by signal (nothing is written by a reading command).
#[cfg(not(target_os = "linux"))]
pub fn exit_if_a_mapped_file_shrinks() {}

/// A file's decoded text: the mapped file itself when it is UTF-8 (after its byte-order mark, if any), or
/// the text decoded into memory. Reads as a `str`.
#[derive(Clone, Default)]
pub struct SourceText(Repr);

#[derive(Clone)]
enum Repr {
    Owned(String),
    /// Checked to be UTF-8 from `start` to the end when made.
    Mapped {
        map: Arc<memmap2::Mmap>,
        start: usize,
    },
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Owned(String::new())
    }
}

impl SourceText {
    /// The map from `start` on, if that is UTF-8.
    fn mapped(map: Arc<memmap2::Mmap>, start: usize) -> Result<Self, Arc<memmap2::Mmap>> {
        if is_utf8(&map[start..]) {
            Ok(SourceText(Repr::Mapped { map, start }))
        } else {
            Err(map)
        }
    }
}

impl SourceText {
    /// The file's bytes as read (a byte-order mark included), where the text is the mapped file itself;
    /// `None` for a text decoded into memory.
    pub fn file_bytes(&self) -> Option<&[u8]> {
        match &self.0 {
            Repr::Mapped { map, .. } => Some(&map[..]),
            Repr::Owned(_) => None,
        }
    }
}

impl Deref for SourceText {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            Repr::Owned(s) => s,
            // SAFETY: checked to be UTF-8 when made (`SourceText::mapped`); a map is never written to.
            Repr::Mapped { map, start } => unsafe { std::str::from_utf8_unchecked(&map[*start..]) },
        }
    }
}

impl From<String> for SourceText {
    fn from(text: String) -> Self {
        SourceText(Repr::Owned(text))
    }
}

impl From<&str> for SourceText {
    fn from(text: &str) -> Self {
        SourceText(Repr::Owned(text.to_string()))
    }
}

impl std::fmt::Debug for SourceText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

/// One file as read: its display path, decoded text, and how its header was laid out.
#[derive(Debug, Clone, Default)]
pub struct SourceFile {
    /// The path as the user would type it, e.g. `data/payments.csv`.
    pub path: String,
    pub text: SourceText,
    pub delimiter: u8,
    /// Normalised header names, in file order.
    pub header: Vec<String>,
    /// Rows read (without the header).
    pub rows: usize,
    pub encoding: &'static str,
    /// SHA-256 of the file's bytes as read (hex), for provenance; computed only when asked
    /// (`LoadOptions::digests`) and the file could be read.
    pub sha256: Option<String>,
}

/// The texts of all files of a data folder, indexed by [`LedgerFile`].
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

/// A resolved place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub path: String,
    pub line: u64,
    pub column: Option<u64>,
    /// The first line of the row, as in the file.
    pub row: String,
}

impl Sources {
    pub fn new() -> Self {
        Sources { files: vec![SourceFile::default(); LedgerFile::ALL.len()] }
    }

    pub fn set(&mut self, file: LedgerFile, source: SourceFile) {
        self.files[file.index()] = source;
    }

    pub fn get(&self, file: LedgerFile) -> &SourceFile {
        &self.files[file.index()]
    }

    pub fn get_mut(&mut self, file: LedgerFile) -> &mut SourceFile {
        &mut self.files[file.index()]
    }

    pub fn path(&self, file: LedgerFile) -> &str {
        &self.files[file.index()].path
    }

    /// Resolves a row and, optionally, a column by header name to a line, column and row text.
    pub fn place(&self, loc: Loc, field: Option<&str>) -> Place {
        self.get(loc.file).place(loc, field)
    }
}

impl SourceFile {
    /// Resolves a row of this file and, optionally, a column by header name.
    pub fn place(&self, loc: Loc, field: Option<&str>) -> Place {
        let start = (loc.offset as usize).min(self.text.len());
        let start = (0..=start).rev().find(|i| self.text.is_char_boundary(*i)).unwrap_or(0);
        let rest = &self.text[start..];
        let row_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let row = rest[..row_end].to_string();
        let column = field
            .and_then(|f| self.header.iter().position(|h| h == f))
            .and_then(|idx| field_start(rest, self.delimiter, idx))
            .map(|byte| byte + rest[byte..].len() - rest[byte..].trim_start_matches([' ', '\u{a0}']).len())
            .map(|byte| {
                let before = &rest[..byte];
                match before.rfind('\n') {
                    Some(nl) => before[nl + 1..].chars().count() as u64 + 1,
                    None => before.chars().count() as u64 + 1,
                }
            });
        Place { path: self.path.clone(), line: loc.line, column, row }
    }
}

/// The cells every table ends with, that nothing computes with: the loader checks them after a row's
/// other cells.
pub const CITED: [&str; 2] = ["source", "note"];

/// Byte offset of field `idx` within a record that starts at the beginning of `text` (quote-aware).
pub fn field_start(text: &str, delimiter: u8, idx: usize) -> Option<usize> {
    if idx == 0 {
        return Some(0);
    }
    let bytes = text.as_bytes();
    let mut field = 0;
    let mut in_quotes = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    in_quotes = false;
                }
            }
        } else if b == b'"' {
            in_quotes = true;
        } else if b == delimiter {
            field += 1;
            if field == idx {
                return Some(i + 1);
            }
        } else if b == b'\n' || b == b'\r' {
            return None;
        }
        i += 1;
    }
    None
}

/// The outcome of decoding a file's bytes.
pub struct Decoded {
    pub text: SourceText,
    pub encoding: &'static str,
    /// A finding about the encoding (a warning for a fallback, an error for binary content).
    pub problem: Option<(Code, String)>,
}

/// The UTF-8 byte-order mark spreadsheet programs put before a CSV's text.
const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// [`decode`] for bytes the caller gives up: a plain UTF-8 file (with or without a byte-order mark)
/// becomes its text without a copy.
pub fn decode_owned(bytes: FileBytes) -> Decoded {
    match bytes {
        FileBytes::Mapped(map) => {
            let (start, encoding) = if map.starts_with(BOM) { (3, "UTF-8 with BOM") } else { (0, "UTF-8") };
            match SourceText::mapped(map, start) {
                Ok(text) => {
                    let problem = binary_problem(&text);
                    Decoded { text, encoding, problem }
                }
                Err(map) => decode(&map),
            }
        }
        FileBytes::Read(bytes) if bytes.starts_with(BOM) => decode(&bytes),
        FileBytes::Read(bytes) => match String::from_utf8(bytes) {
            Ok(text) => {
                let problem = binary_problem(&text);
                Decoded { text: text.into(), encoding: "UTF-8", problem }
            }
            Err(e) => decode(e.as_bytes()),
        },
    }
}

/// Decodes bytes as UTF-8 (BOM optional), UTF-16 with a BOM, or Windows-1252, refusing binary content.
pub fn decode(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(BOM) {
        return match std::str::from_utf8(rest) {
            Ok(t) => Decoded { text: t.into(), encoding: "UTF-8 with BOM", problem: binary_problem(t) },
            Err(e) => Decoded {
                text: SourceText::default(),
                encoding: "UTF-8 with BOM",
                problem: Some((
                    Code::NotText,
                    format!(
                        "the file starts with a UTF-8 byte-order mark but byte {} is not UTF-8",
                        e.valid_up_to() + 3
                    ),
                )),
            },
        };
    }
    for (bom, enc) in [(&[0xFF, 0xFE][..], encoding_rs::UTF_16LE), (&[0xFE, 0xFF][..], encoding_rs::UTF_16BE)] {
        if bytes.starts_with(bom) {
            let (text, had_errors) = enc.decode_without_bom_handling(&bytes[2..]);
            if had_errors {
                return Decoded {
                    text: SourceText::default(),
                    encoding: enc.name(),
                    problem: Some((Code::NotText, format!("the file claims to be {} but is not", enc.name()))),
                };
            }
            let text = text.into_owned();
            let problem = binary_problem(&text).or(Some((
                Code::NotUtf8,
                format!("the file is {}; it was read, but save it as UTF-8 (CSV UTF-8 in Excel)", enc.name()),
            )));
            return Decoded { text: text.into(), encoding: enc.name(), problem };
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => Decoded { text: t.into(), encoding: "UTF-8", problem: binary_problem(t) },
        Err(_) => {
            if let Some(nul) = bytes.iter().position(|&b| b == 0) {
                return Decoded {
                    text: SourceText::default(),
                    encoding: "binary",
                    problem: Some(nul_problem(bytes, nul)),
                };
            }
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            let text = text.into_owned();
            let problem = binary_problem(&text).or(Some((
                Code::NotUtf8,
                "the file is not UTF-8; it was read as Windows-1252. Check names with accents and save it as UTF-8 (CSV UTF-8 in Excel)".into(),
            )));
            Decoded { text: text.into(), encoding: "windows-1252", problem }
        }
    }
}

/// Where to cut a text of `len` bytes into pieces of about `piece` bytes for the cores: how many pieces
/// (at least one, at most four per core).
pub fn piece_count(len: usize, piece: usize) -> usize {
    (len / piece.max(1)).clamp(1, 4 * rayon::current_num_threads())
}

/// Cuts a text into about `pieces` pieces at line starts: the first piece starts at 0, every other at the
/// first byte of a line that is not empty (after a line feed and any line ends that follow it). A line
/// feed is never part of a multi-byte UTF-8 character, so each piece starts on a character's boundary.
/// Returns the pieces' starts. (The loader types a table in these pieces; the decoder checks a big file's
/// text in them.)
pub fn cut_at_lines(text: &[u8], pieces: usize) -> Vec<usize> {
    let mut starts = vec![0];
    for k in 1..pieces {
        let target = (text.len() * k / pieces).max(starts[starts.len() - 1] + 1);
        let Some(nl) = text.get(target..).and_then(|t| t.iter().position(|&b| b == b'\n')) else { break };
        let mut at = target + nl + 1;
        while at < text.len() && (text[at] == b'\n' || text[at] == b'\r') {
            at += 1;
        }
        if at >= text.len() {
            break;
        }
        starts.push(at);
    }
    starts
}

/// A big file's text in pieces for the cores ([`cut_at_lines`]).
fn pieces(bytes: &[u8]) -> Vec<&[u8]> {
    pieces_of(bytes, 1 << 22)
}

/// [`pieces`] of about `piece` bytes each (tests make them small).
fn pieces_of(bytes: &[u8], piece: usize) -> Vec<&[u8]> {
    let starts = cut_at_lines(bytes, piece_count(bytes.len(), piece));
    (0..starts.len()).map(|i| &bytes[starts[i]..starts.get(i + 1).copied().unwrap_or(bytes.len())]).collect()
}

/// Whether `bytes` are UTF-8, a big file's pieces checked on every core.
fn is_utf8(bytes: &[u8]) -> bool {
    use rayon::prelude::*;
    pieces(bytes).into_par_iter().all(|p| std::str::from_utf8(p).is_ok())
}

/// Text with NULs or many control characters is binary junk, not a ledger.
fn binary_problem(text: &str) -> Option<(Code, String)> {
    use rayon::prelude::*;
    let bytes = text.as_bytes();
    // Most files have no control character and no C1 lead byte at all: one pass the compiler vectorises
    // (on every core, for a big file) says so.
    let suspect = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F || b == 0xC2;
    let clean = |p: &[u8]| !p.chunks(4096).any(|c| c.iter().fold(false, |any, &b| any | suspect(b)));
    if pieces(bytes).into_par_iter().all(clean) {
        return None;
    }
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        return Some(nul_problem(bytes, nul));
    }
    // Characters and control characters (C0 but tab and line ends, DEL, C1), counted on the UTF-8 bytes.
    let (mut total, mut control, mut prev) = (0usize, 0usize, 0u8);
    for &b in bytes {
        total += usize::from(b & 0xC0 != 0x80);
        let c0 = b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r');
        let c1 = prev == 0xC2 && (0x80..=0x9F).contains(&b);
        control += usize::from(c0 || b == 0x7F || c1);
        prev = b;
    }
    // A spreadsheet's text may carry a few (escape sequences pasted into a note: shown inert later); a
    // binary file is full of them.
    if total > 0 && control * 10 > total {
        return Some((
            Code::NotText,
            format!("{control} of {total} characters are control characters: this is not a CSV text file"),
        ));
    }
    None
}

/// A file with NUL bytes is not text: where the first is (line, and column in characters as elsewhere;
/// bytes that are not UTF-8 count roughly one a character).
fn nul_problem(bytes: &[u8], nul: usize) -> (Code, String) {
    let line_start = bytes[..nul].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = bytes[..line_start].iter().filter(|&&b| b == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&bytes[line_start..nul]).chars().count() + 1;
    let at = format!("line {line}, column {column}");
    (Code::NotText, format!("the file contains NUL bytes, the first at {at}: it is not a CSV text file"))
}

/// Normalises a header cell: trimmed, lower case, BOM removed.
pub fn normalise_header(cell: &str) -> String {
    cell.trim().trim_start_matches('\u{feff}').trim().to_lowercase()
}

/// Picks the delimiter among `,`, `;` and tab: the one whose split of the header line matches the most
/// expected column names (ties: most fields).
pub fn detect_delimiter(header_line: &str, expected: &[&str]) -> u8 {
    let mut best = (b',', 0usize, 0usize);
    for d in [b',', b';', b'\t'] {
        let cells: Vec<String> = header_line.split(d as char).map(normalise_header).collect();
        let matches = cells.iter().filter(|c| expected.contains(&c.as_str())).count();
        let n = cells.len();
        if matches > best.1 || (matches == best.1 && n > best.2) {
            best = (d, matches, n);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A text cut into pieces for the cores is the text again, each piece is valid UTF-8 exactly where
        /// the text is (the cuts fall on characters' boundaries), and the pieces' verdict is the text's.
        #[test]
        fn pieces_cut_on_character_boundaries(
            chunks in proptest::collection::vec(proptest::sample::select(vec!["a", "é", "€", "\n", "𝄞", "x,y"]), 0..80),
            broken in proptest::option::of(0usize..80),
            piece in 1usize..12,
        ) {
            let mut bytes: Vec<u8> = chunks.concat().into_bytes();
            if let Some(at) = broken.filter(|&at| at < bytes.len()) {
                bytes[at] = 0xFF;
            }
            let parts = pieces_of(&bytes, piece);
            proptest::prop_assert_eq!(parts.concat(), bytes.clone());
            let whole = std::str::from_utf8(&bytes).is_ok();
            proptest::prop_assert_eq!(parts.iter().all(|p| std::str::from_utf8(p).is_ok()), whole);
            proptest::prop_assert_eq!(is_utf8(&bytes), whole);
        }
    }

    /// `fmt` writes the cited cells after a row's typed ones: every table ends with them, in this order.
    #[test]
    fn every_table_ends_with_the_cited_columns() {
        for file in LedgerFile::TABLES {
            let names: Vec<&str> = file.spec().expect("a table").columns.iter().map(|c| c.name).collect();
            assert!(names.ends_with(&CITED), "{}: {names:?}", file.file_name());
        }
    }

    #[test]
    fn decodes_what_spreadsheets_write() {
        let d = decode(b"\xEF\xBB\xBFcode;name\r\nAL;Shqip\xC3\xABria\r\n");
        assert_eq!(&*d.text, "code;name\r\nAL;Shqipëria\r\n");
        assert!(d.problem.is_none());
        let d = decode(b"code;name\nAL;Shqip\xEBria\n");
        assert_eq!(&*d.text, "code;name\nAL;Shqipëria\n");
        assert_eq!(d.problem.unwrap().0, Code::NotUtf8);
        let d = decode(b"\xFF\xFEa\x00,\x00b\x00");
        assert_eq!(&*d.text, "a,b");
        assert_eq!(decode(b"\x00\x01\x02\xFF").problem.unwrap().0, Code::NotText);
        assert_eq!(decode(b"\x01\x02\x03\x04abc").problem.unwrap().0, Code::NotText);
    }

    /// A file is mapped and decoded in place when it is UTF-8 (after a byte-order mark), decoded into
    /// memory otherwise, and either way gives the text and findings that decoding its bytes gives.
    #[test]
    fn a_mapped_file_decodes_as_its_bytes_do() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let cases: [(&[u8], bool); 6] = [
            (b"code;name\r\nAL;Shqip\xC3\xABria\r\n", true),
            (b"\xEF\xBB\xBFcode;name\r\nAL;Shqip\xC3\xABria\r\n", true),
            (b"\xEF\xBB\xBF", true),
            (b"code;name\nAL;Shqip\xEBria\n", false),
            (b"\xFF\xFEa\x00,\x00b\x00", false),
            (b"\x00\x01\x02\xFF", false),
        ];
        for (i, (bytes, in_place)) in cases.into_iter().enumerate() {
            let path = dir.path().join(format!("{i}.csv"));
            std::fs::write(&path, bytes).expect("written");
            let read = read_file(&path).expect("read");
            assert!(matches!(read, FileBytes::Mapped(_)), "case {i} is mapped");
            let (mapped, copied) = (decode_owned(read), decode(bytes));
            assert_eq!(&*mapped.text, &*copied.text, "case {i}");
            assert_eq!((mapped.encoding, mapped.problem), (copied.encoding, copied.problem), "case {i}");
            assert_eq!(matches!(mapped.text.0, Repr::Mapped { .. }), in_place, "case {i}");
        }
        // An empty file has nothing to map.
        let path = dir.path().join("empty.csv");
        std::fs::write(&path, b"").expect("written");
        assert!(matches!(read_file(&path).expect("read"), FileBytes::Read(ref b) if b.is_empty()));
    }

    #[test]
    fn finds_the_delimiter_and_fields() {
        let expected = ["date", "partner", "amount_eur"];
        assert_eq!(detect_delimiter("date;partner;amount_eur", &expected), b';');
        assert_eq!(detect_delimiter("date,partner,amount_eur", &expected), b',');
        assert_eq!(detect_delimiter("date\tpartner\tamount_eur", &expected), b'\t');
        assert_eq!(field_start("a,\"b,c\",d", b',', 2), Some(8));
        assert_eq!(field_start("a,b", b',', 5), None);
    }
}
