//! Workbooks in and out: `import --from FILE.xlsx|.ods` reads what LibreOffice makes of the shipped ledgers
//! (also in a German locale) to the same rows and cents as the CSV import, and gives one clear diagnostic
//! per problem cell; `export --format xlsx` writes typed cells that LibreOffice converts back to the values
//! of `export --format csv`, the same bytes every time; `export --format parquet` reads back typed.
//!
//! The LibreOffice tests skip with a message without `soffice`, and fail instead under
//! `GROWTHPLAN_REQUIRE_LIBREOFFICE=1` (set by `.ci/run`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{copy_tree, growthplan, illustrative};

/// A zip part: name and bytes.
pub(crate) type Part = (String, Vec<u8>);

/// A zip archive of `parts`, deflated (the mimetype of an `.ods` stored, as the format asks).
pub(crate) fn zip_of(parts: &[Part]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in parts {
        let method = if name == "mimetype" { zip::CompressionMethod::Stored } else { zip::CompressionMethod::Deflated };
        w.start_file(name.as_str(), SimpleFileOptions::default().compression_method(method)).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// One cell of a hand-made sheet: text, a number, a date (a serial number with a date format), or a
/// formula with no saved value.
#[derive(Debug, Clone)]
pub(crate) enum C {
    T(&'static str),
    N(f64),
    D(u32),
    F(&'static str),
    Empty,
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The parts of an `.xlsx` whose first sheet is `sheet_xml` (the `<sheetData>` content, or a whole
/// worksheet when it starts with `<worksheet`).
pub(crate) fn xlsx_parts(sheet_xml: &str) -> Vec<Part> {
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let sheet = if sheet_xml.starts_with("<worksheet") {
        sheet_xml.to_string()
    } else {
        format!("<worksheet xmlns=\"{MAIN}\"><sheetData>{sheet_xml}</sheetData></worksheet>")
    };
    let parts = [
        (
            "[Content_Types].xml",
            "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
             <Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\
             <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\
             </Types>"
                .to_string(),
        ),
        (
            "_rels/.rels",
            format!(
                "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
                 <Relationship Id=\"rId1\" Type=\"{REL}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                "<workbook xmlns=\"{MAIN}\" xmlns:r=\"{REL}\"><sheets>\
                 <sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
                 <Relationship Id=\"rId1\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
                 <Relationship Id=\"rId2\" Type=\"{REL}/styles\" Target=\"styles.xml\"/></Relationships>"
            ),
        ),
        (
            "xl/styles.xml",
            format!(
                "<styleSheet xmlns=\"{MAIN}\"><cellXfs count=\"2\"><xf numFmtId=\"0\"/>\
                 <xf numFmtId=\"14\" applyNumberFormat=\"1\"/></cellXfs></styleSheet>"
            ),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    parts.into_iter().map(|(n, t)| (n.to_string(), t.into_bytes())).collect()
}

/// The `<sheetData>` rows of `rows` (row numbers from 1; `C::Empty` leaves a cell out).
pub(crate) fn sheet_rows(rows: &[Vec<C>]) -> String {
    let mut out = String::new();
    for (r, row) in rows.iter().enumerate() {
        let r = r + 1;
        out.push_str(&format!("<row r=\"{r}\">"));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{r}", growthplan::workbook::column_letters(c as u32));
            out.push_str(&match cell {
                C::T(s) => format!("<c r=\"{at}\" t=\"inlineStr\"><is><t>{}</t></is></c>", xml_escape(s)),
                C::N(x) => format!("<c r=\"{at}\"><v>{x:?}</v></c>"),
                C::D(serial) => format!("<c r=\"{at}\" s=\"1\"><v>{serial}</v></c>"),
                C::F(f) => format!("<c r=\"{at}\"><f>{}</f></c>", xml_escape(f)),
                C::Empty => String::new(),
            });
        }
        out.push_str("</row>");
    }
    out
}

/// The parts of an `.ods` whose one table holds `table_xml` (its rows).
pub(crate) fn ods_parts(table_xml: &str) -> Vec<Part> {
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content \
         xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\"><office:body>\
         <office:spreadsheet><table:table table:name=\"Sheet1\">{table_xml}</table:table></office:spreadsheet>\
         </office:body></office:document-content>"
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest \
         xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\
         <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
         <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>";
    vec![
        ("mimetype".into(), b"application/vnd.oasis.opendocument.spreadsheet".to_vec()),
        ("META-INF/manifest.xml".into(), manifest.as_bytes().to_vec()),
        ("content.xml".into(), content.into_bytes()),
    ]
}

/// `.ods` table rows of text cells.
pub(crate) fn ods_rows(rows: &[Vec<&str>]) -> String {
    let mut out = String::new();
    for row in rows {
        out.push_str("<table:table-row>");
        for cell in row {
            out.push_str(&format!(
                "<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
                xml_escape(cell)
            ));
        }
        out.push_str("</table:table-row>");
    }
    out
}

/// A raw deflate stream that inflates to `prefix` followed by `run` spaces: fixed Huffman codes, the
/// run as copies of 258 bytes at distance 1 (13 bits each), so a gigabyte takes 6 MB.
fn deflate_run(prefix: &[u8], run: u64) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, len: u32) {
            self.acc |= value << self.n;
            self.n += len;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// A Huffman code, most significant bit first.
        fn code(&mut self, code: u32, len: u32) {
            let rev = (0..len).fold(0u64, |r, i| r | ((((code >> i) & 1) as u64) << (len - 1 - i)));
            self.put(rev, len);
        }
        fn literal(&mut self, b: u8) {
            if b < 144 {
                self.code(0x30 + b as u32, 8);
            } else {
                self.code(0x190 + (b as u32 - 144), 9);
            }
        }
    }
    let mut w = Bits { out: Vec::new(), acc: 0, n: 0 };
    w.put(1, 1); // the final block
    w.put(1, 2); // fixed Huffman codes
    for &b in prefix {
        w.literal(b);
    }
    w.literal(b' ');
    for _ in 0..run.saturating_sub(1) / 258 {
        w.code(0b1100_0101, 8); // length 258 (code 285)
        w.code(0, 5); // distance 1
    }
    w.code(0, 7); // end of block
    w.put(0, 7);
    w.out
}

/// An `.xlsx` whose sheet inflates to more than a gigabyte. With `honest`, the archive declares the size;
/// otherwise it claims a few bytes. The archive is written by hand around the deflate stream.
pub(crate) fn bomb_xlsx(honest: bool) -> Vec<u8> {
    let mut parts = xlsx_parts("");
    parts.retain(|(n, _)| n != "xl/worksheets/sheet1.xml");
    let size: u64 = 1 << 30;
    let prefix = b"<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
    let bomb = deflate_run(prefix, size);
    // Stored parts and the bomb, with local headers, a central directory and its end record.
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut entries = 0u16;
    let mut add = |name: &str, method: u16, data: &[u8], crc: u32, unpacked: u32| {
        let offset = out.len() as u32;
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central {
                h.extend_from_slice(&20u16.to_le_bytes());
            }
            for v in [20u16, 0, method, 0, 0x21] {
                h.extend_from_slice(&v.to_le_bytes());
            }
            for v in [crc, data.len() as u32, unpacked] {
                h.extend_from_slice(&v.to_le_bytes());
            }
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            if central {
                for v in [0u16, 0, 0] {
                    h.extend_from_slice(&v.to_le_bytes());
                }
                h.extend_from_slice(&0u32.to_le_bytes());
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(data);
        central.extend(header(0x0201_4b50, true));
        entries += 1;
    };
    for (name, bytes) in &parts {
        add(name, 0, bytes, crc32(bytes), bytes.len() as u32);
    }
    let claimed = if honest { u32::MAX } else { 1000 };
    add("xl/worksheets/sheet1.xml", 8, &bomb, 0, claimed);
    let at = out.len() as u32;
    let len = central.len() as u32;
    out.extend(central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    for v in [0u16, 0, entries, entries] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// An `.xlsx` sheet claiming a million rows by sixteen thousand columns: its dimension, and two cells at
/// its corners.
pub(crate) fn million_columns_xlsx() -> Vec<u8> {
    zip_of(&xlsx_parts(
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
         <dimension ref=\"A1:XFD1048576\"/><sheetData>\
         <row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>id</t></is></c></row>\
         <row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row></sheetData></worksheet>",
    ))
}

/// An `.ods` table whose repeats claim a million rows of a thousand columns of values.
pub(crate) fn million_columns_ods() -> Vec<u8> {
    zip_of(&ods_parts(
        "<table:table-row table:number-rows-repeated=\"1048576\">\
         <table:table-cell table:number-columns-repeated=\"1000000\" office:value-type=\"float\" office:value=\"1\">\
         <text:p>1</text:p></table:table-cell></table:table-row>",
    ))
}

/// A copy of the shipped data in a temporary working folder.
fn shipped_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&illustrative(), &tmp.path().join("data"));
    tmp
}

/// The allocations header and a row of each problem the issue names: a float that is not a whole number of
/// cents, a text date, an empty row, a formula with no saved value; and one good row.
fn problem_rows() -> Vec<Vec<C>> {
    use C::*;
    let header = vec![T("date"), T("partner"), T("instrument"), T("amount_eur"), T("kind"), T("source")];
    vec![
        header,
        vec![D(46023), T("AL"), T("grant"), N(1234.565), T("redistribution"), T("x")],
        vec![T("2026-01-02"), T("AL"), T("grant"), N(1000.5), T("redistribution"), T("x")],
        vec![],
        vec![D(46024), T("AL"), T("grant"), F("SUM(1,2)"), T("redistribution"), T("x")],
    ]
}

#[test]
fn each_problem_cell_of_a_workbook_gets_one_clear_diagnostic() {
    let tmp = shipped_copy();
    let before = std::fs::read(tmp.path().join("data/allocations.csv")).unwrap();
    std::fs::write(tmp.path().join("problems.xlsx"), zip_of(&xlsx_parts(&sheet_rows(&problem_rows())))).unwrap();
    for dry in [true, false] {
        let mut args = vec!["import", "--from", "problems.xlsx", "--into", "allocations"];
        if dry {
            args.push("--dry-run");
        }
        let (code, out, err) = growthplan(tmp.path(), &args);
        assert_eq!(code, 1, "{out}{err}");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(
            lines,
            [
                "error: problems.xlsx[Sheet1]:2:D: 1234.565 is not a whole number of cents (it lies between two \
                 amounts, or beyond the largest); round it to two decimals in the workbook (=ROUND(...; 2)) or type \
                 the amount",
                "error: problems.xlsx[Sheet1]:5:D: a formula with no saved value; open the workbook in a spreadsheet \
                 program and save it, or replace the formula by its value",
                "nothing imported from problems.xlsx: the ledger is unchanged",
            ],
            "{err}"
        );
        assert_eq!(out, "");
    }
    assert_eq!(std::fs::read(tmp.path().join("data/allocations.csv")).unwrap(), before);

    // With the two bad cells mended, the text date and the empty row are said, and the rows imported.
    let mut rows = problem_rows();
    rows[1][3] = C::N(1234.56);
    rows[4][3] = C::N(3.0);
    std::fs::write(tmp.path().join("mended.xlsx"), zip_of(&xlsx_parts(&sheet_rows(&rows)))).unwrap();
    let (code, out, err) =
        growthplan(tmp.path(), &["import", "--from", "mended.xlsx", "--into", "allocations", "--as-of", "2026-11-28"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            "note: mended.xlsx[Sheet1]:3:A: a date written as text, read as 2026-01-02",
            "note: mended.xlsx[Sheet1]:4: an empty row: skipped",
        ]
    );
    let after = std::fs::read_to_string(tmp.path().join("data/allocations.csv")).unwrap();
    assert!(
        after.ends_with(
            "2026-01-01,AL,grant,1234.56,redistribution,x,\n2026-01-02,AL,grant,1000.50,redistribution,x,\n\
             2026-01-02,AL,grant,3.00,redistribution,x,\n"
        ),
        "{}",
        &after[after.len().saturating_sub(300)..]
    );
}

#[test]
fn a_missing_sheet_and_a_workbook_that_is_not_one_are_refused_and_change_nothing() {
    let tmp = shipped_copy();
    std::fs::write(tmp.path().join("a.xlsx"), zip_of(&xlsx_parts(&sheet_rows(&problem_rows())))).unwrap();
    let (code, _, err) =
        growthplan(tmp.path(), &["import", "--from", "a.xlsx", "--sheet", "Payments", "--into", "allocations"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("error: a.xlsx: has no sheet `Payments`; its sheets are: Sheet1\n"), "{err}");
    std::fs::write(tmp.path().join("old.xlsx"), b"\xD0\xCF\x11\xE0 an old binary workbook").unwrap();
    let (code, _, err) = growthplan(tmp.path(), &["import", "--from", "old.xlsx", "--into", "allocations"]);
    assert_eq!(code, 1);
    assert!(err.contains("is not a workbook") && err.contains("save it as .xlsx"), "{err}");
    let (code, _, err) =
        growthplan(tmp.path(), &["import", "--from", "x.csv", "--sheet", "S", "--into", "allocations"]);
    assert_eq!(code, 2);
    assert!(err.contains("--sheet is for a workbook"), "{err}");
    assert_eq!(
        std::fs::read(tmp.path().join("data/allocations.csv")).unwrap(),
        std::fs::read(illustrative().join("allocations.csv")).unwrap()
    );
}

/// Runs `growthplan` under `/usr/bin/time`: (exit code, stderr, peak resident kilobytes, seconds).
fn measured(cwd: &Path, args: &[&str]) -> (i32, String, u64, f64) {
    let stats = cwd.join("time.txt");
    let started = std::time::Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&stats)
        .arg(env!("CARGO_BIN_EXE_growthplan"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("/usr/bin/time");
    let secs = started.elapsed().as_secs_f64();
    let kb = std::fs::read_to_string(&stats).unwrap().trim().lines().last().unwrap().parse().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned(), kb, secs)
}

/// A compressed bomb and sheets that claim a million columns end in a clear error, in bounded memory and
/// time (the binary's peak resident memory stays under 300 MB; unbounded, it would be gigabytes).
#[test]
fn hostile_workbooks_end_in_a_clear_error_in_bounded_memory() {
    if !Path::new("/usr/bin/time").exists() {
        eprintln!("skipped: no /usr/bin/time to measure memory with");
        return;
    }
    let tmp = shipped_copy();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        // The zip reader holds a part to its declared size; growthplan's cap holds the declared sizes.
        ("bomb.xlsx", bomb_xlsx(false), "larger than its declared uncompressed size"),
        ("declared-bomb.xlsx", bomb_xlsx(true), "a compressed bomb?"),
        ("wide.ods", million_columns_ods(), "spans 1048576 rows by 1000000 columns"),
        ("wide.xlsx", million_columns_xlsx(), "has no column header above it"),
    ];
    for (name, bytes, says) in cases {
        std::fs::write(tmp.path().join(name), bytes).unwrap();
        let (code, err, kb, secs) =
            measured(tmp.path(), &["import", "--from", name, "--into", "payments", "--dry-run"]);
        assert_eq!(code, 1, "{name}: {err}");
        assert!(err.contains(says), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(kb < 300_000, "{name}: {kb} kB");
        assert!(secs < 60.0, "{name}: {secs} s");
    }
    // A file of a gigabyte (sparse: it takes no disk) is refused after the first 64 MB are read.
    std::fs::File::create(tmp.path().join("huge.xlsx")).unwrap().set_len(1 << 30).unwrap();
    let (code, err, kb, _) = measured(tmp.path(), &["import", "--from", "huge.xlsx", "--into", "payments"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is larger than 64 MB"), "{err}");
    assert!(kb < 300_000, "huge.xlsx: {kb} kB");
}

/// Whether LibreOffice is here; without it the test skips, unless CI requires it.
fn soffice() -> Option<&'static str> {
    let found = Command::new("soffice").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("GROWTHPLAN_REQUIRE_LIBREOFFICE").is_none_or(|v| v != "1"),
            "GROWTHPLAN_REQUIRE_LIBREOFFICE=1 but no soffice found (apt-get install libreoffice-calc)"
        );
        eprintln!(
            "skipped: no LibreOffice on this machine (apt-get install libreoffice-calc); set \
             GROWTHPLAN_REQUIRE_LIBREOFFICE=1 to fail instead"
        );
    }
    found.then_some("soffice")
}

/// A LibreOffice profile for `locale` (`en-US`, `de-DE`) in `dir`, as a `-env:UserInstallation` argument.
fn profile(dir: &Path, locale: &str) -> String {
    let user = dir.join("user");
    std::fs::create_dir_all(&user).unwrap();
    let item = |name: &str| {
        format!(
            "<item oor:path=\"/org.openoffice.Setup/L10N\"><prop oor:name=\"{name}\" oor:op=\"fuse\">\
             <value>{locale}</value></prop></item>"
        )
    };
    std::fs::write(
        user.join("registrymodifications.xcu"),
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><oor:items xmlns:oor=\"http://openoffice.org/2001/registry\" \
             xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">{}{}\
             </oor:items>",
            item("ooSetupSystemLocale"),
            item("ooLocale")
        ),
    )
    .unwrap();
    format!("-env:UserInstallation=file://{}", dir.display())
}

/// Converts `files` with LibreOffice headless: `filter` is the import filter (`--infilter`) or empty,
/// `to` the `--convert-to` argument; the results go to `out`.
fn convert(soffice: &str, profile: &str, filter: &str, to: &str, files: &[PathBuf], out: &Path) {
    let mut cmd = Command::new(soffice);
    cmd.arg(profile).arg("--headless").arg("--norestore");
    if !filter.is_empty() {
        cmd.arg(format!("--infilter={filter}"));
    }
    cmd.arg("--convert-to").arg(to).arg("--outdir").arg(out).args(files);
    let done = cmd.output().expect("run soffice");
    assert!(done.status.success(), "soffice: {}", String::from_utf8_lossy(&done.stderr));
}

/// The ledgers `import` appends to, by their `--into` word.
const LEDGERS: [(&str, &str); 6] = [
    ("payments", "payments.csv"),
    ("commitments", "commitments.csv"),
    ("step-events", "step_events.csv"),
    ("allocations", "allocations.csv"),
    ("conditions", "conditions.csv"),
    ("control-totals", "control_totals.csv"),
];

/// A shipped ledger as a German spreadsheet writes it: semicolons, decimal commas in the amounts.
fn german(csv: &Path) -> Vec<u8> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(csv).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let money: Vec<bool> = rows[0].iter().map(|h| h.ends_with("_eur")).collect();
    let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    for (i, r) in rows.iter().enumerate() {
        let cells: Vec<String> =
            r.iter().zip(&money).map(|(c, m)| if i > 0 && *m { c.replace('.', ",") } else { c.to_string() }).collect();
        w.write_record(&cells).unwrap();
    }
    w.into_inner().unwrap()
}

/// What LibreOffice makes of every shipped ledger, as `.xlsx` and `.ods`, in an English and in a German
/// locale (from the German CSV a German user has), imports with `--dry-run` to exactly what the CSV
/// import gives: the same rows in the same cents and the same verdict.
#[test]
fn libreoffice_workbooks_of_the_shipped_ledgers_import_like_the_csv() {
    let Some(soffice) = soffice() else { return };
    let tmp = shipped_copy();
    let dir = tmp.path();
    for (locale, lang) in [("en-US", "1033"), ("de-DE", "1031")] {
        let src = dir.join(format!("src-{locale}"));
        std::fs::create_dir_all(&src).unwrap();
        let files: Vec<PathBuf> = LEDGERS
            .iter()
            .map(|(_, f)| {
                let path = src.join(f);
                let shipped = illustrative().join(f);
                let bytes = if locale == "de-DE" { german(&shipped) } else { std::fs::read(&shipped).unwrap() };
                std::fs::write(&path, bytes).unwrap();
                path
            })
            .collect();
        let sep = if locale == "de-DE" { "59" } else { "44" };
        // Separator, quote, UTF-8, first line, no column formats, the locale's language, detect dates.
        let filter = format!("CSV:{sep},34,76,1,,{lang},false,true");
        let prof = profile(&dir.join(format!("profile-{locale}")), locale);
        let out = dir.join(format!("wb-{locale}"));
        for ext in ["xlsx", "ods"] {
            convert(soffice, &prof, &filter, ext, &files, &out);
        }
        for (into, f) in LEDGERS {
            let csv_path = src.join(f);
            let csv_run =
                growthplan(dir, &["import", "--from", csv_path.to_str().unwrap(), "--into", into, "--dry-run"]);
            let rows = std::fs::read_to_string(illustrative().join(f)).unwrap().lines().count() - 1;
            assert!(csv_run.1.starts_with(&format!("would append {rows} row(s)")), "{f}: {}{}", csv_run.1, csv_run.2);
            for ext in ["xlsx", "ods"] {
                let wb = out.join(f.replace(".csv", &format!(".{ext}")));
                let wb_run = growthplan(dir, &["import", "--from", wb.to_str().unwrap(), "--into", into, "--dry-run"]);
                // The same rows written and the same verdict; what each source held in another form than
                // the ledger's (a CSV's `20.03.2025`, a cell's date) differs by nature.
                let written = |out: &str| {
                    out.lines()
                        .filter(|l| !(l.starts_with("    ") && l.contains("` became `")))
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                assert_eq!(
                    (wb_run.0, written(&wb_run.1)),
                    (csv_run.0, written(&csv_run.1)),
                    "{locale} {f} as .{ext}: the workbook's import differs from the CSV's\n{}",
                    wb_run.2
                );
                assert!(!wb_run.2.contains("error"), "{}", wb_run.2);
            }
        }
    }
}

/// The exported workbook: amounts are number cells in every `_eur` column, the first sheet says what it is,
/// and two exports a second apart are the same bytes.
#[cfg(feature = "pipeline")]
#[test]
fn the_exported_workbook_has_numeric_amounts_and_the_same_bytes_every_time() {
    use calamine::{Data, Reader};
    let tmp = shipped_copy();
    let export = |out: &str| {
        let (code, _, err) =
            growthplan(tmp.path(), &["export", "--as-of", "2026-02-28", "--out", out, "--format", "xlsx"]);
        assert_eq!(code, 0, "{err}");
        std::fs::read(tmp.path().join(out).join("tables.xlsx")).unwrap()
    };
    let a = export("a");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert!(a == export("b"), "two exports of the same ledgers differ");
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(a)).unwrap();
    let names = wb.sheet_names();
    assert_eq!(
        names,
        [
            "about",
            "partners",
            "requests",
            "known_gaps",
            "areas",
            "steps",
            "timeline",
            "deadlines",
            "expiry",
            "projection",
            "changes"
        ]
    );
    let about = wb.worksheet_range("about").unwrap();
    // 2026-02-28 as a spreadsheet's serial day.
    assert!(matches!(about.get((1, 1)), Some(Data::DateTime(d)) if d.as_f64() == 46081.0), "{:?}", about.get((1, 1)));
    let mut amounts = 0;
    for name in &names[1..] {
        let range = wb.worksheet_range(name).unwrap();
        let header: Vec<String> = (0..range.width()).map(|c| range.get((0, c)).unwrap().to_string()).collect();
        for (c, h) in header.iter().enumerate().filter(|(_, h)| h.ends_with("_eur")) {
            for r in 1..range.height() {
                let cell = range.get((r, c)).unwrap();
                // Empty: not published (`null` in the JSON export).
                assert!(
                    matches!(cell, Data::Float(_) | Data::Empty),
                    "{name}!{h} row {r}: {cell:?} is not a number cell"
                );
                amounts += matches!(cell, Data::Float(_)) as usize;
            }
        }
    }
    assert!(amounts > 1000, "only {amounts} amounts");
}

/// LibreOffice converts every sheet of the exported workbook back to CSV: the same values as
/// `export --format csv` (amounts to the cent, dates, counts, text).
#[cfg(feature = "pipeline")]
#[test]
fn libreoffice_reads_the_exported_workbook_as_the_csv_export() {
    let Some(soffice) = soffice() else { return };
    let tmp = shipped_copy();
    let dir = tmp.path();
    for (format, out) in [("xlsx", "x"), ("csv", "c")] {
        let (code, _, err) = growthplan(dir, &["export", "--as-of", "2026-02-28", "--out", out, "--format", format]);
        assert_eq!(code, 0, "{err}");
    }
    let prof = profile(&dir.join("profile"), "en-US");
    // Comma, quote, UTF-8, first line, no formats, raw values (not as shown), every sheet (-1).
    let to = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,false,false,-1";
    convert(soffice, &prof, "", to, &[dir.join("x/tables.xlsx")], &dir.join("lo"));
    let mut compared = 0;
    for table in ["partners", "requests", "known_gaps", "areas", "steps", "timeline", "deadlines", "changes"] {
        let ours = read_csv(&dir.join("c").join(format!("{table}.csv")));
        let theirs = read_csv(&dir.join("lo").join(format!("tables-{table}.csv")));
        assert_eq!(ours.len(), theirs.len(), "{table}: rows");
        assert_eq!(ours[0], theirs[0], "{table}: header");
        for (r, (a, b)) in ours.iter().zip(&theirs).enumerate().skip(1) {
            for (c, (x, y)) in a.iter().zip(b).enumerate() {
                let column = &ours[0][c];
                assert!(
                    same_value(column, x, y),
                    "{table} row {r} {column}: csv `{x}`, workbook via LibreOffice `{y}`"
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 5000, "only {compared} cells compared");
}

#[cfg(feature = "pipeline")]
fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect()
}

/// Whether a cell of `export --format csv` and LibreOffice's CSV of the workbook say the same.
#[cfg(feature = "pipeline")]
fn same_value(column: &str, csv: &str, lo: &str) -> bool {
    use growthplan::money::parse_amount;
    use growthplan::render::export::{column_kind, neutralise, ColumnKind};
    // An empty cell is a figure not published (or no amount), in both.
    if csv.is_empty() {
        return lo.is_empty();
    }
    match column_kind(column) {
        ColumnKind::Euro => {
            let cents = |s: &str| parse_amount(s, Some(growthplan::money::DecimalMark::Point)).ok().map(|a| a.cents);
            cents(csv).is_some() && cents(csv) == cents(lo)
        }
        ColumnKind::Percent | ColumnKind::Integer => {
            csv == lo || (csv.parse::<f64>().ok().is_some() && csv.parse::<f64>().ok() == lo.parse::<f64>().ok())
        }
        ColumnKind::Date => csv == lo,
        ColumnKind::Text => csv == neutralise(lo),
    }
}

/// The Parquet export read back: dates as `Date`, percentages as numbers, amounts as Int64 cents that are
/// the CSV export's to the cent.
#[cfg(feature = "pipeline")]
#[test]
fn the_parquet_export_reads_back_typed_and_exact() {
    use polars::prelude::*;
    use polars_io::SerReader;
    let tmp = shipped_copy();
    for (format, out) in [("parquet", "p"), ("csv", "c")] {
        let (code, _, err) =
            growthplan(tmp.path(), &["export", "--as-of", "2026-02-28", "--out", out, "--format", format]);
        assert_eq!(code, 0, "{err}");
    }
    let read = |t: &str| {
        let f = std::fs::File::open(tmp.path().join("p").join(format!("{t}.parquet"))).unwrap();
        polars_io::parquet::read::ParquetReader::new(f).finish().unwrap()
    };
    let steps = read("steps");
    assert_eq!(steps.column("due").unwrap().dtype(), &DataType::Date);
    assert_eq!(steps.column("amount_cents").unwrap().dtype(), &DataType::Int64);
    assert_eq!(read("changes").column("date").unwrap().dtype(), &DataType::Date);
    let partners = read("partners");
    assert_eq!(partners.column("paid_share_of_envelope_pct").unwrap().dtype(), &DataType::Float64);
    assert_eq!(partners.column("steps_due").unwrap().dtype(), &DataType::Int64);
    // Every amount of every table, to the cent.
    for t in ["partners", "areas", "steps", "timeline", "deadlines", "changes"] {
        let df = read(t);
        let csv = read_csv(&tmp.path().join("c").join(format!("{t}.csv")));
        assert_eq!(df.height(), csv.len() - 1, "{t}");
        for (c, h) in csv[0].iter().enumerate().filter(|(_, h)| h.ends_with("_eur")) {
            let name = h.replace("_eur", "_cents");
            let column = df.column(&name).unwrap().i64().unwrap().clone();
            let got: Vec<Option<i64>> = (0..column.len()).map(|i| column.get(i)).collect();
            let want: Vec<Option<i64>> =
                csv[1..].iter().map(|r| growthplan::money::parse_amount(&r[c], None).ok().map(|a| a.cents)).collect();
            assert_eq!(got, want, "{t}.{name}");
        }
    }
}

/// The light build names what it lacks and how to get it.
#[cfg(not(feature = "pipeline"))]
#[test]
fn pipeline_commands_in_the_light_build_say_how_to_get_them() {
    for args in [vec!["status"], vec!["report"], vec!["export", "--out", "x"], vec!["charts", "--out", "x"]] {
        let (code, out, err) = growthplan(&crate::root(), &args);
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}");
        assert!(err.contains("light build") && err.contains("docs/INSTALL.md"), "{err}");
    }
}
