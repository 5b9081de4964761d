//! Loading a data folder: read every file, decode it, find its dialect, convert each cell by the
//! schema, and resolve references between ledgers. Loading never stops at the first problem: it returns
//! what it could read and a diagnostic for everything else.

mod corrections;
mod misfit;
mod numbering;
mod read;
mod references;
mod tables;
mod typing;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use csv::StringRecord;
use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;

use crate::date::{self, Date, DateError};
use crate::diag::{self, did_you_mean, Code, Diagnostic};
use crate::ledger::facility::{self, Facility};
use crate::ledger::model::*;
use crate::ledger::releases::{group_releases, ReleaseSteps};
use crate::ledger::schema::{ColumnType, LedgerFile, TableSpec, ALL_PARTNERS};
use crate::ledger::source::{self, Decoded, FileBytes, SourceFile, Sources, CITED};
use crate::money::{self, DecimalMark, MoneyError};

use misfit::*;
use numbering::*;
use read::*;
use references::*;
use tables::*;
use typing::*;

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
    #[error("data folder `{path}` does not exist: {explained}")]
    Missing { path: PathBuf, explained: String },
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
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(LoadError::missing(dir)),
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
    let names = PartnerNames::read(tables.get(&LedgerFile::Partners), &sources);
    let builder = || Builder { sources: &sources, names: &names, part, diags: Vec::new(), rows: BTreeMap::new() };
    let ((payments, mut rows), (others, digests)) = rayon::join(
        || {
            let mut b = builder();
            let payments =
                crate::meter::timed("typing payments", || b.convert(tables.get(&LedgerFile::Payments), payment));
            (payments, b)
        },
        || {
            rayon::join(
                || {
                    let mut b = builder();
                    let t = |f| tables.get(&f);
                    let others = crate::meter::timed("typing the other ledgers", || Others {
                        partners: b.convert(t(LedgerFile::Partners), partner),
                        allocations: b.convert(t(LedgerFile::Allocations), allocation),
                        commitments: b.convert(t(LedgerFile::Commitments), commitment),
                        steps: b.convert(t(LedgerFile::Steps), step),
                        step_events: b.convert(t(LedgerFile::StepEvents), step_event),
                        conditions: b.convert(t(LedgerFile::Conditions), condition),
                        control_totals: b.convert(t(LedgerFile::ControlTotals), control_total),
                        requests: b.convert(t(LedgerFile::Requests), request),
                        assessments: b.convert(t(LedgerFile::Assessments), assessment),
                        corrections: b.convert(t(LedgerFile::Corrections), correction),
                    });
                    (others, b)
                },
                || {
                    use rayon::prelude::*;
                    digest_later.par_iter().map(|(file, map)| (*file, sha256_hex(map))).collect::<Vec<_>>()
                },
            )
        },
    );
    let (others, b) = others;
    rows.diags.extend(b.diags);
    rows.rows.extend(b.rows);
    // Partner codes and step ids numbered once for the whole ledger: those of partners.csv and
    // steps.csv first, in file order, then any other in the order the tables name them.
    // The empty source or note is text number 0.
    let mut ids = Lookups::default();
    ids.texts.number("");
    let partners = others.partners.number(&mut ids).concat();
    for p in &partners {
        ids.partners.number(&p.code);
    }
    let steps = crate::meter::timed("numbering steps", || others.steps.number(&mut ids).concat());
    // Each step id's row: the last row of an id.
    let mut step_rows: Vec<Option<u32>> = Vec::with_capacity(steps.len());
    for (row, s) in steps.iter().enumerate() {
        let id = ids.steps.number(&s.id) as usize;
        if id == step_rows.len() {
            step_rows.push(None);
        }
        step_rows[id] = Some(row as u32);
    }
    let allocations = others.allocations.number(&mut ids).concat();
    let commitments = others.commitments.number(&mut ids).concat();
    let conditions = others.conditions.number(&mut ids).concat();
    let control_totals = others.control_totals.number(&mut ids).concat();
    let requests = others.requests.number(&mut ids).concat();
    let assessments = others.assessments.number(&mut ids).concat();
    let corrections = others.corrections.number(&mut ids).concat();
    let step_events = Rows::from_parts(others.step_events.number(&mut ids));
    let payments = crate::meter::timed("numbering payments", || Rows::from_parts(payments.number(&mut ids)));
    step_rows.resize(ids.steps.texts.len(), None);
    let mut ledger = Ledger {
        facility: facility.clone().unwrap_or_else(placeholder_facility),
        partners,
        allocations,
        commitments,
        steps,
        step_events,
        payments,
        partner_codes: ids.partners.texts,
        step_ids: ids.steps.texts,
        texts: ids.texts.texts,
        step_rows,
        release_steps: Default::default(),
        conditions,
        control_totals,
        requests,
        assessments,
        corrections,
        voided: Vec::new(),
        sources: Sources::new(),
        release_rows: Default::default(),
    };
    // Rows voided by corrections leave every table before anything reads them (`fmt` writes them back).
    if !ledger.corrections.is_empty() {
        let found = corrections::apply(&mut ledger, &sources);
        rows.diags.extend(found);
    }
    // Independent, so side by side: the 10^6 check and status targets (BENCHMARKS.md).
    let (release_rows, step_diags) = rayon::join(
        || {
            crate::meter::timed("grouping releases", || {
                group_releases(ledger.payments.len(), ledger.payments.iter().map(|p| p.id.as_str()))
            })
        },
        || crate::meter::timed("resolving steps", || step_references(&ledger, &sources, steps_read)),
    );
    ledger.release_rows = release_rows;
    rows.diags.extend(step_diags);
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
    let (release_steps, found) = resolve_references(&ledger, &sources, &read);
    ledger.release_steps = release_steps;
    diags.extend(found);
    ledger.sources = sources;
    diag::sort(&mut diags);
    Loaded { ledger: facility.map(|_| ledger), diagnostics: diags, unread }
}

/// The tables other than the payments, as typed (those that name partners not yet numbered).
struct Others {
    partners: Numbered<Partner>,
    allocations: Numbered<Allocation>,
    commitments: Numbered<Commitment>,
    steps: Numbered<Step>,
    step_events: Numbered<StepEvent>,
    conditions: Numbered<Condition>,
    control_totals: Numbered<ControlTotal>,
    requests: Numbered<Request>,
    assessments: Numbered<Assessment>,
    corrections: Numbered<Correction>,
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
        stale_after_days: 0,
        grace: Vec::new(),
        channel_instruments: Vec::new(),
    }
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

    /// The payments' header without the column a file may leave out (`request`), as the rows below are
    /// written.
    fn payments_header() -> String {
        LedgerFile::Payments.spec().unwrap().header().replace(",request", "")
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
        let header = payments_header();
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
            let header = payments_header();
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
            let header = payments_header();
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
        let header_only = payments_header();
        let long_line = format!("{header_only}\n{}\n", "x".repeat(10_000_000));
        for junk in ["\u{0}\u{1}\u{2}", "\"unterminated", ",,,,\n,,,", "a;b\n1;2;3;4;5", "\u{feff}", &long_line] {
            let l = load_bytes(files(&[(LedgerFile::Payments, junk)]), LoadOptions::default());
            assert!(!l.diagnostics.is_empty(), "{}", &junk[..junk.len().min(40)]);
        }
        let l = load_bytes(files(&[(LedgerFile::Payments, &header_only)]), LoadOptions::default());
        assert!(l.diagnostics.is_empty() && l.ledger.unwrap().payments.is_empty());
    }
}
