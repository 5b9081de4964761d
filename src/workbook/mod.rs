//! Workbooks: the rows of one sheet of an `.xlsx` or `.ods` file for `import` (`read`, from the cells
//! `cells` takes out of the archive; in every build),
//! and the exported tables as one `.xlsx` (`write`, in the pipeline build). Pure: bytes in, values out;
//! `run` reads and writes the files.

mod cells;
pub mod read;
#[cfg(feature = "pipeline")]
pub mod write;

use std::path::Path;

/// The kinds of workbook growthplan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Xlsx,
    Ods,
}

impl Kind {
    /// The workbook kind a file's name says, or `None` for anything else (read as CSV).
    pub fn of(path: &Path) -> Option<Kind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "xlsx" | "xlsm" => Some(Kind::Xlsx),
            "ods" => Some(Kind::Ods),
            _ => None,
        }
    }
}

/// A spreadsheet column's letters: 0 -> `A`, 25 -> `Z`, 26 -> `AA`.
pub fn column_letters(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        out.push(b'A' + r);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_count_like_a_spreadsheet() {
        let cases = [(0, "A"), (2, "C"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA")];
        for (n, s) in cases {
            assert_eq!(column_letters(n), s);
        }
        assert_eq!(column_letters(16_383), "XFD");
    }

    #[test]
    fn kinds_by_name() {
        assert_eq!(Kind::of(Path::new("a/payments.XLSX")), Some(Kind::Xlsx));
        assert_eq!(Kind::of(Path::new("payments.ods")), Some(Kind::Ods));
        assert_eq!(Kind::of(Path::new("payments.csv")), None);
        assert_eq!(Kind::of(Path::new("payments")), None);
    }
}
