//! The loader and the rules under hostile input: a proptest-driven mutation harness (stable Rust). Mutated
//! versions of the test folder and the shipped ledgers and facility.toml (flipped bytes, cut lines,
//! swapped columns, huge numbers, odd encodings, hostile text) never panic, never hang, and always end in
//! a clean load or in diagnostics that point into the files.
//!
//! `cargo test` replays the corpus in `tests/fuzz/corpus/` and tries a few hundred new mutations. The long
//! run (10^6 inputs, a few minutes in release):
//!
//! ```text
//! GROWTHPLAN_FUZZ_INPUTS=1000000 GROWTHPLAN_FUZZ_SEED=1 cargo test --release --test it fuzz::long_run -- --ignored --nocapture
//! ```
//!
//! The workbook harness (`workbooks` below) tries 300 mutated `.xlsx` and `.ods` files; a longer run:
//! `GROWTHPLAN_FUZZ_WORKBOOKS=100000 cargo test --release --test it fuzz::workbooks -- --nocapture`.
//!
//! A failing input is shrunk and written to `tests/fuzz/found/` as a folder of files laid over
//! `tests/cases/base`, ready to be moved into the corpus once fixed.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use growthplan::diag::Severity;
use growthplan::ledger::load::{load_bytes, LoadOptions};
use growthplan::ledger::schema::LedgerFile;
use growthplan::ledger::source::FileBytes;
use growthplan::money::{DecimalMark, MAX_CELL_CENTS};
use growthplan::render::diagnostics as render;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use crate::root;

/// A data folder as bytes, by file.
type Files = BTreeMap<LedgerFile, Vec<u8>>;

/// How long one input may take before it counts as a hang (debug builds are slower).
const SLOW: Duration = if cfg!(debug_assertions) { Duration::from_secs(20) } else { Duration::from_secs(2) };

fn read_folder(dir: &Path) -> Files {
    LedgerFile::ALL.iter().filter_map(|f| std::fs::read(dir.join(f.file_name())).ok().map(|b| (*f, b))).collect()
}

/// The two seeds: the small test folder, and the shipped data.
fn seeds() -> [Files; 2] {
    [read_folder(&root().join("tests/cases/base")), read_folder(&root().join("data"))]
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: u32, byte: u8 },
    Insert { at: u32, bytes: Vec<u8> },
    Delete { at: u32, len: u16 },
    Truncate { at: u32 },
    DuplicateLine { line: u32 },
    SwapLines { a: u32, b: u32 },
    SwapColumns { a: u8, b: u8 },
    Cell { line: u32, column: u8, text: String },
    TomlValue { nth: u8, text: String },
    Utf16,
    Windows1252,
    Semicolons,
    Crlf,
    CrOnly,
    Bom,
    Empty,
}

/// Cell texts that have broken spreadsheets before: numbers out of range, other number and date
/// notations, markup, formulas, control characters, the vocabulary's words.
const NASTY: &[&str] = &[
    "99999999999999999999",
    "92233720368547758.08",
    "-92233720368547758.08",
    "1000000000000.00",
    "-0,00",
    "-0.00",
    "1e9",
    "1E-3",
    "NaN",
    "inf",
    "∞",
    "-∞",
    "１２３４",
    "1.234,56",
    "1,234.56",
    "1 234,56",
    "1'234.56",
    "(100.00)",
    "€100",
    "100 EUR",
    "\u{2212}5.00",
    "0x10",
    "0.001",
    "",
    " ",
    "\"",
    "\"\"",
    "a\nb",
    "a\rb",
    "2025-02-30",
    "2025-13-01",
    "31/12/2025",
    "12/31/2025",
    "0000-00-00",
    "9999-12-31",
    "45000",
    "<script>alert(1)</script>",
    "</svg>",
    "| a | b |",
    "=HYPERLINK(\"http://x\",\"y\")",
    "\u{1b}[31mred\u{1b}[0m",
    "\u{202e}evil",
    "\u{0}",
    "AA",
    "ZZ",
    "AA-1 AA-1",
    "fulfilled",
    "partially_fulfilled",
    "pre_financing",
    "regular",
    "grant",
    "loan",
    "budget",
    "wbif",
    "cut",
    "not_met",
];

/// Bytes that change how a file is read: BOMs, line ends, delimiters, quotes, NUL, a lone UTF-8 lead byte.
const SPECIAL_BYTES: &[&[u8]] = &[b"\xEF\xBB\xBF", b"\xFF\xFE", b"\r", b"\n", b",", b";", b"\"", b"\x00", b"\xC3"];

/// Values for facility.toml keys.
const NASTY_TOML: &[&str] = &[
    "\"700%\"",
    "\"-7%\"",
    "\"7\"",
    "\"0.0000001%\"",
    "\"NaN%\"",
    "\"99999999999999999999.00\"",
    "\"-1.00\"",
    "\"1e9\"",
    "2024-13-01",
    "2030-01-01",
    "1999-01-01",
    "[]",
    "{}",
    "\"\"",
    "-1",
    "99999999999",
    "[{ months = -5 }]",
    "[{ due_until = 2024-12-31 }]",
    "{ budget = [\"grant\"] }",
    "{ wbif = [] }",
];

fn text_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(NASTY).prop_map(str::to_string),
        1 => prop::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 1..6),
        prop::sample::select(NASTY).prop_map(|s| s.as_bytes().to_vec()),
        prop::sample::select(SPECIAL_BYTES).prop_map(<[u8]>::to_vec),
    ];
    prop_oneof![
        4 => (any::<u32>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        3 => (any::<u32>(), bytes).prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        2 => (any::<u32>(), 1..64u16).prop_map(|(at, len)| Mutation::Delete { at, len }),
        1 => any::<u32>().prop_map(|at| Mutation::Truncate { at }),
        1 => any::<u32>().prop_map(|line| Mutation::DuplicateLine { line }),
        1 => (any::<u32>(), any::<u32>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Mutation::SwapColumns { a, b }),
        6 => (any::<u32>(), any::<u8>(), text_strategy()).prop_map(|(line, column, text)| Mutation::Cell { line, column, text }),
        2 => (any::<u8>(), prop::sample::select(NASTY_TOML)).prop_map(|(nth, t)| Mutation::TomlValue { nth, text: t.to_string() }),
        1 => Just(Mutation::Utf16),
        1 => Just(Mutation::Windows1252),
        1 => Just(Mutation::Semicolons),
        1 => Just(Mutation::Crlf),
        1 => Just(Mutation::CrOnly),
        1 => Just(Mutation::Bom),
        1 => Just(Mutation::Empty),
    ]
}

/// One input: which seed, which files to mutate and how, and how to read them.
#[derive(Debug, Clone)]
struct Input {
    seed: usize,
    edits: Vec<(usize, Vec<Mutation>)>,
    options: u8,
}

fn input() -> impl Strategy<Value = Input> {
    (
        // The shipped data is a hundred times bigger: one input in fifty starts from it.
        prop_oneof![49 => Just(0usize), 1 => Just(1usize)],
        prop::collection::vec((0..LedgerFile::ALL.len(), prop::collection::vec(mutation(), 1..5)), 1..3),
        0..6u8,
    )
        .prop_map(|(seed, edits, options)| Input { seed, edits, options })
}

fn at(pos: u32, len: usize) -> usize {
    pos as usize % (len + 1)
}

fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect()
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    match m {
        Mutation::Flip { at: p, byte } => {
            if !bytes.is_empty() {
                let i = *p as usize % bytes.len();
                bytes[i] = *byte;
            }
        }
        Mutation::Insert { at: p, bytes: b } => {
            let i = at(*p, bytes.len());
            bytes.splice(i..i, b.iter().copied());
        }
        Mutation::Delete { at: p, len } => {
            let i = at(*p, bytes.len());
            let j = (i + *len as usize).min(bytes.len());
            bytes.drain(i..j);
        }
        Mutation::Truncate { at: p } => bytes.truncate(at(*p, bytes.len())),
        Mutation::DuplicateLine { line } => {
            let mut ls = lines(bytes);
            let i = *line as usize % ls.len();
            let copy = ls[i].clone();
            ls.insert(i, copy);
            *bytes = ls.join(&b'\n');
        }
        Mutation::SwapLines { a, b } => {
            let mut ls = lines(bytes);
            let n = ls.len();
            ls.swap(*a as usize % n, *b as usize % n);
            *bytes = ls.join(&b'\n');
        }
        Mutation::SwapColumns { a, b } => {
            let ls: Vec<Vec<u8>> = lines(bytes)
                .into_iter()
                .map(|l| {
                    let mut cells: Vec<&[u8]> = l.split(|c| *c == b',').collect();
                    let n = cells.len();
                    cells.swap(*a as usize % n, *b as usize % n);
                    cells.join(&b',')
                })
                .collect();
            *bytes = ls.join(&b'\n');
        }
        Mutation::Cell { line, column, text } => {
            let mut ls = lines(bytes);
            let i = *line as usize % ls.len();
            let mut cells: Vec<Vec<u8>> = ls[i].split(|c| *c == b',').map(<[u8]>::to_vec).collect();
            let j = *column as usize % cells.len();
            cells[j] = text.as_bytes().to_vec();
            ls[i] = cells.join(&b',');
            *bytes = ls.join(&b'\n');
        }
        Mutation::TomlValue { nth, text } => {
            let mut ls = lines(bytes);
            let keyed: Vec<usize> = (0..ls.len()).filter(|i| ls[*i].windows(3).any(|w| w == b" = ")).collect();
            if let Some(&i) = keyed.get(*nth as usize % keyed.len().max(1)) {
                let l = &ls[i];
                let k = l.windows(3).position(|w| w == b" = ").unwrap_or(0);
                let mut new = l[..k + 3].to_vec();
                new.extend_from_slice(text.as_bytes());
                ls[i] = new;
                *bytes = ls.join(&b'\n');
            }
        }
        Mutation::Utf16 => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            *bytes = vec![0xFF, 0xFE];
            for u in text.encode_utf16() {
                bytes.extend_from_slice(&u.to_le_bytes());
            }
        }
        Mutation::Windows1252 => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            *bytes = encoding_free_cp1252(&text);
        }
        Mutation::Semicolons => {
            for b in bytes.iter_mut() {
                if *b == b',' {
                    *b = b';';
                } else if *b == b'.' {
                    *b = b',';
                }
            }
        }
        Mutation::Crlf => {
            *bytes = bytes.iter().flat_map(|b| if *b == b'\n' { vec![b'\r', b'\n'] } else { vec![*b] }).collect()
        }
        Mutation::CrOnly => {
            for b in bytes.iter_mut() {
                if *b == b'\n' {
                    *b = b'\r';
                }
            }
        }
        Mutation::Bom => bytes.splice(0..0, [0xEF, 0xBB, 0xBF]).for_each(drop),
        Mutation::Empty => bytes.clear(),
    }
}

/// Latin-1-range characters as single bytes, others as `?`: what a legacy export does.
fn encoding_free_cp1252(text: &str) -> Vec<u8> {
    text.chars().map(|c| if (c as u32) < 256 { c as u32 as u8 } else { b'?' }).collect()
}

fn build(input: &Input, seeds: &[Files; 2]) -> Files {
    let mut files = seeds[input.seed].clone();
    for (file, mutations) in &input.edits {
        let f = LedgerFile::ALL[*file];
        let bytes = files.entry(f).or_default();
        for m in mutations {
            apply(bytes, m);
        }
    }
    files
}

fn options(n: u8) -> LoadOptions {
    match n {
        1 => LoadOptions { delimiter: Some(b';'), decimal_mark: None, ..LoadOptions::default() },
        2 => LoadOptions { delimiter: None, decimal_mark: Some(DecimalMark::Comma), ..LoadOptions::default() },
        3 => LoadOptions { delimiter: Some(b'\t'), decimal_mark: Some(DecimalMark::Point), ..LoadOptions::default() },
        _ => LoadOptions::default(),
    }
}

/// Counts the inputs whose figures were also computed (polars is slow to start: one in a hundred).
#[cfg(feature = "pipeline")]
static EXAMINED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// What must hold for every input: no panic (a panic fails the case), a verdict (a clean load, or an
/// error for anything that could not be read), diagnostics that point into the files and render in every
/// format, and rules and figures that run on whatever loaded.
fn examine(files: &Files, opts: LoadOptions) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let read = LedgerFile::ALL
        .iter()
        .map(|f| {
            let result = files
                .get(f)
                .cloned()
                .map(FileBytes::from)
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound));
            (*f, (format!("data/{}", f.file_name()), result))
        })
        .collect();
    let loaded = load_bytes(read, opts);
    let errors = loaded.diagnostics.iter().filter(|d| d.severity() == Severity::Error).count();
    if loaded.ledger.is_none() || !loaded.unread.is_empty() {
        prop_assert!(errors > 0, "nothing said about a folder that could not be read");
    }
    for d in &loaded.diagnostics {
        prop_assert!(!d.message.is_empty() && !d.file.is_empty(), "{d:?}");
        if let (Some(line), Some(f)) = (d.line, LedgerFile::ALL.iter().find(|f| d.file.ends_with(f.file_name()))) {
            let bytes = files.get(f).map(Vec::as_slice).unwrap_or(&[]);
            let breaks = bytes.iter().filter(|b| **b == b'\n' || **b == b'\r').count() as u64;
            prop_assert!(line >= 1 && line <= breaks + 1, "line {line} beyond the file: {d:?}");
        }
    }
    let mut all = loaded.diagnostics.clone();
    if let Some(l) = loaded.ledger.as_ref().filter(|_| loaded.unread.is_empty()) {
        let as_of = growthplan::date::Date::from_ymd_opt(2026, 11, 28).unwrap();
        all.extend(growthplan::check::run(l, as_of).1);
        let control = growthplan::check::control_figures(l);
        for p in &l.payments {
            prop_assert!(p.amount.abs() <= MAX_CELL_CENTS);
        }
        let json = render::json(&all, "2026-11-28", "data", &control, None);
        prop_assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
        #[cfg(feature = "pipeline")]
        if errors == 0 && EXAMINED.fetch_add(1, Ordering::Relaxed).is_multiple_of(100) {
            // Figures on ledgers the loader accepts: computed, or refused with an error, never a panic.
            let _ = growthplan::compute::progress(l, &growthplan::replay::Replay::new(l), as_of);
        }
    }
    let text = render::text(&all, false);
    prop_assert!(!text.contains('\u{1b}'), "an escape sequence reached the terminal");
    let _ = render::github(&all);
    prop_assert!(started.elapsed() < SLOW, "one input took {:?}", started.elapsed());
    Ok(())
}

fn runner(cases: u32, seed: u64) -> TestRunner {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 4096, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &key))
}

/// Writes a failing input where a developer finds it, laid over the test folder's files.
fn save_found(files: &Files, name: &str) -> std::path::PathBuf {
    let dir = root().join("tests/fuzz/found").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, bytes) in files {
        std::fs::write(dir.join(f.file_name()), bytes).unwrap();
    }
    dir
}

fn run(cases: u32, seed: u64) {
    let seeds = seeds();
    let current: Arc<Mutex<Option<Files>>> = Arc::default();
    // A watchdog for hangs: an input that runs for a minute is saved and the run stops.
    let heartbeat = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    {
        let (current, heartbeat, done) = (current.clone(), heartbeat.clone(), done.clone());
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_secs(5));
            if done.load(Ordering::Relaxed) {
                return;
            }
            let last = heartbeat.load(Ordering::Relaxed);
            if started.elapsed().as_secs().saturating_sub(last) > 60 {
                if let Some(files) = current.lock().unwrap().as_ref() {
                    eprintln!("hang: input saved to {}", save_found(files, "hang").display());
                }
                std::process::exit(101);
            }
        });
    }
    let tried = AtomicU64::new(0);
    let result = runner(cases, seed).run(&input(), |inp| {
        let files = build(&inp, &seeds);
        *current.lock().unwrap() = Some(files.clone());
        heartbeat.store(started.elapsed().as_secs(), Ordering::Relaxed);
        tried.fetch_add(1, Ordering::Relaxed);
        examine(&files, options(inp.options))
    });
    done.store(true, Ordering::Relaxed);
    let tried = tried.load(Ordering::Relaxed);
    let secs = started.elapsed().as_secs_f64();
    eprintln!("fuzz: {tried} inputs (seed {seed}) in {secs:.1} s, {:.0} inputs/s", tried as f64 / secs);
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, minimal)) => {
            let dir = save_found(&build(&minimal, &seeds), &format!("seed-{seed}"));
            panic!("{reason}: minimal input {minimal:?} saved to {}", dir.display());
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn mutated_ledgers_never_panic_and_always_end_in_a_verdict() {
    run(300, 20261128);
}

/// The long run (10^6 inputs by default); see the module's documentation.
#[test]
#[ignore]
fn long_run() {
    let var = |k: &str, d: u64| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    run(var("GROWTHPLAN_FUZZ_INPUTS", 1_000_000) as u32, var("GROWTHPLAN_FUZZ_SEED", 1));
}

/// Every input of the corpus: a folder of files laid over `tests/cases/base` (a file named `REMOVE_<name>`
/// removes `<name>`), examined under every way of reading it.
#[test]
fn the_corpus_replays_without_a_failure() {
    let corpus = root().join("tests/fuzz/corpus");
    let base = read_folder(&root().join("tests/cases/base"));
    let mut count = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for dir in entries.iter().filter(|p| p.is_dir()) {
        let mut files = base.clone();
        for e in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(gone) = name.strip_prefix("REMOVE_") {
                files.retain(|f, _| f.file_name() != gone);
            } else if let Some(f) = LedgerFile::ALL.iter().find(|f| f.file_name() == name) {
                files.insert(*f, std::fs::read(e.path()).unwrap());
            } else {
                panic!("{}: `{name}` is not a ledger file", dir.display());
            }
        }
        for o in 0..4 {
            if let Err(e) = examine(&files, options(o)) {
                panic!("corpus {}: {e}", dir.display());
            }
        }
        count += 1;
    }
    assert!(count >= 20, "the corpus holds {count} inputs");
}

/// Workbooks under mutation: the import's reader (`workbook::read`) on `.xlsx` and `.ods` seeds made from
/// the test folder's and the shipped payments, with bytes of the archive flipped, cut, deleted or inserted
/// (a truncated or damaged zip), or the sheet's XML changed before it is zipped again (wrong XML, a sheet
/// that claims a million columns, repeats that claim billions of cells, entity tricks, merged regions
/// over the whole sheet). Every input ends in rows or in errors that name the workbook, in bounded time,
/// and never in a panic, not even one the reader catches.
mod workbooks {
    use super::*;
    use crate::workbook::{ods_parts, ods_rows, sheet_rows, xlsx_parts, zip_of, Part, C};
    use growthplan::workbook::{read, Kind};

    /// Fragments of hostile XML inserted into a sheet.
    const FRAGMENTS: &[&str] = &[
        "<c r=\"XFD1048576\"><v>1</v></c>",
        "<dimension ref=\"A1:XFD1048576\"/>",
        "<row r=\"1048576\"><c r=\"XFD1048576\" t=\"inlineStr\"><is><t>x</t></is></c></row>",
        "<c r=\"A2\" t=\"s\"><v>99999999</v></c>",
        "<c r=\"A2\" s=\"1\"><v>1e308</v></c>",
        "<c r=\"B2\" s=\"1\"><v>-5</v></c>",
        "<c r=\"C2\"><v>NaN</v></c>",
        "<c r=\"ZZZZZZZZ1\"><v>1</v></c>",
        "<row r=\"0\">",
        "<row r=\"99999999999\">",
        "</sheetData>",
        "<c r=\"G2\"><f t=\"shared\" ref=\"G2:XFD1048576\" si=\"0\">A1*2</f><v>1</v></c>",
        "<c r=\"G2\"><f>1/0</f><v>#DIV/0!</v></c>",
        "<mergeCells count=\"1\"><mergeCell ref=\"A2:XFD1048576\"/></mergeCells>",
        "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>",
        "&b;&b;&b;",
        "<table:table-row table:number-rows-repeated=\"1048576\"><table:table-cell \
         table:number-columns-repeated=\"16384\" office:value-type=\"float\" office:value=\"1\"/></table:table-row>",
        "<table:table-cell table:number-columns-repeated=\"4294967295\" office:value-type=\"string\"><text:p>x</text:p></table:table-cell>",
        "<table:table-cell table:number-rows-spanned=\"1048576\" table:number-columns-spanned=\"16384\" \
         office:value-type=\"string\"><text:p>x</text:p></table:table-cell>",
        "<table:table-cell office:value-type=\"date\" office:date-value=\"99999-99-99\"/>",
        "<table:table-cell office:value-type=\"float\" office:value=\"1234.565\"/>",
        "<table:table-cell table:formula=\"of:=1/0\"/>",
        "<table:table table:name=\"\">",
        "</table:table>",
        "\u{0}",
        "<",
    ];

    #[derive(Debug, Clone)]
    enum Change {
        Flip { at: u32, byte: u8 },
        Truncate { at: u32 },
        Delete { at: u32, len: u16 },
        Insert { at: u32, bytes: Vec<u8> },
        XmlCut { at: u32 },
        XmlFlip { at: u32, byte: u8 },
        XmlInsert { at: u32, fragment: usize },
    }

    #[derive(Debug, Clone)]
    struct Input {
        seed: usize,
        changes: Vec<Change>,
    }

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            (any::<u32>(), any::<u8>()).prop_map(|(at, byte)| Change::Flip { at, byte }),
            any::<u32>().prop_map(|at| Change::Truncate { at }),
            (any::<u32>(), 1u16..4000).prop_map(|(at, len)| Change::Delete { at, len }),
            (any::<u32>(), prop::collection::vec(any::<u8>(), 1..16))
                .prop_map(|(at, bytes)| Change::Insert { at, bytes }),
            any::<u32>().prop_map(|at| Change::XmlCut { at }),
            (any::<u32>(), any::<u8>()).prop_map(|(at, byte)| Change::XmlFlip { at, byte }),
            (any::<u32>(), 0..FRAGMENTS.len()).prop_map(|(at, fragment)| Change::XmlInsert { at, fragment }),
            (any::<u32>(), 0..FRAGMENTS.len()).prop_map(|(at, fragment)| Change::XmlInsert { at, fragment }),
        ]
    }

    /// A seed: its kind and parts, the sheet's part last.
    type Seed = (Kind, Vec<Part>);

    fn seeds() -> Vec<Seed> {
        let mut out = Vec::new();
        for dir in ["tests/cases/base", "data"] {
            let mut reader =
                csv::ReaderBuilder::new().has_headers(false).from_path(root().join(dir).join("payments.csv")).unwrap();
            let rows: Vec<Vec<String>> =
                reader.records().take(60).map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
            let cells: Vec<Vec<C>> = rows
                .iter()
                .map(|r| {
                    r.iter()
                        .enumerate()
                        .map(|(i, c)| match (i, c.parse::<f64>()) {
                            (_, _) if c.is_empty() => C::Empty,
                            (6, Ok(x)) => C::N(x),
                            _ => C::T(c.clone().leak()),
                        })
                        .collect()
                })
                .collect();
            let mut xlsx = xlsx_parts(&sheet_rows(&cells));
            let sheet = xlsx.iter().position(|(n, _)| n.ends_with("sheet1.xml")).unwrap();
            let last = xlsx.remove(sheet);
            xlsx.push(last);
            out.push((Kind::Xlsx, xlsx));
            let text: Vec<Vec<&str>> = rows.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
            out.push((Kind::Ods, ods_parts(&ods_rows(&text))));
        }
        out
    }

    fn build(input: &Input, seeds: &[Seed]) -> (Kind, Vec<u8>) {
        let (kind, parts) = &seeds[input.seed % seeds.len()];
        let mut parts = parts.clone();
        let xml = &mut parts.last_mut().unwrap().1;
        for c in &input.changes {
            match c {
                Change::XmlCut { at } => xml.truncate(at_byte(*at, xml.len())),
                Change::XmlFlip { at, byte } if !xml.is_empty() => {
                    let i = at_byte(*at, xml.len() - 1);
                    xml[i] = *byte;
                }
                Change::XmlInsert { at, fragment } => {
                    let i = at_byte(*at, xml.len());
                    xml.splice(i..i, FRAGMENTS[*fragment].bytes());
                }
                _ => {}
            }
        }
        let mut bytes = zip_of(&parts);
        for c in &input.changes {
            match c {
                Change::Flip { at, byte } => {
                    let i = at_byte(*at, bytes.len() - 1);
                    bytes[i] = *byte;
                }
                Change::Truncate { at } => bytes.truncate(at_byte(*at, bytes.len())),
                Change::Delete { at, len } => {
                    let i = at_byte(*at, bytes.len());
                    let end = (i + *len as usize).min(bytes.len());
                    bytes.drain(i..end);
                }
                Change::Insert { at, bytes: b } => {
                    let i = at_byte(*at, bytes.len());
                    bytes.splice(i..i, b.iter().copied());
                }
                _ => {}
            }
            if bytes.is_empty() {
                break;
            }
        }
        (*kind, bytes)
    }

    fn at_byte(pos: u32, len: usize) -> usize {
        if len == 0 {
            0
        } else {
            pos as usize % (len + 1)
        }
    }

    pub(super) fn examine(kind: Kind, bytes: &[u8]) -> Result<(), TestCaseError> {
        let started = Instant::now();
        match read::read_rows(LedgerFile::Payments, bytes, kind, "w", None) {
            Ok(rows) => prop_assert!(!rows.rows.is_empty(), "rows read, but none"),
            Err(read::Refused(errors)) => {
                prop_assert!(!errors.is_empty(), "refused without a reason");
                for e in &errors {
                    prop_assert!(e.starts_with("error: w"), "{e}");
                    prop_assert!(!e.contains("reader failed"), "the reader panicked: {e}");
                }
            }
        }
        prop_assert!(started.elapsed() < SLOW, "one workbook took {:?}", started.elapsed());
        Ok(())
    }

    #[test]
    fn mutated_workbooks_never_panic_and_always_end_in_rows_or_errors() {
        let seeds = seeds();
        let strategy =
            (0..seeds.len(), prop::collection::vec(change(), 1..4)).prop_map(|(seed, changes)| Input { seed, changes });
        let var = |k: &str, d: u64| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
        let cases = var("GROWTHPLAN_FUZZ_WORKBOOKS", 300) as u32;
        let result = runner(cases, var("GROWTHPLAN_FUZZ_SEED", 20261205)).run(&strategy, |input| {
            let (kind, bytes) = build(&input, &seeds);
            examine(kind, &bytes)
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    }

    /// The seeds themselves read, and the hostile workbooks of the workbook tests end in errors.
    #[test]
    fn the_seeds_read_and_the_hostile_workbooks_are_refused() {
        for (kind, parts) in seeds() {
            let rows = read::read_rows(LedgerFile::Payments, &zip_of(&parts), kind, "w", None).unwrap();
            assert!(rows.rows.len() >= 2, "{kind:?}");
        }
        for (kind, bytes) in [
            (Kind::Xlsx, crate::workbook::bomb_xlsx(false)),
            (Kind::Xlsx, crate::workbook::bomb_xlsx(true)),
            (Kind::Xlsx, crate::workbook::million_columns_xlsx()),
            (Kind::Ods, crate::workbook::million_columns_ods()),
        ] {
            assert!(read::read_rows(LedgerFile::Payments, &bytes, kind, "w", None).is_err());
            examine(kind, &bytes).unwrap();
        }
    }
}
