//! Where a row stands in its file: the file, its line and its byte offset in the decoded text, enough to
//! point a diagnostic at it later.

use crate::ledger::schema::LedgerFile;

/// Where a row stands in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    pub file: LedgerFile,
    /// 1-based line of the row's first character.
    pub line: u64,
    /// Byte offset of the row's first character in the decoded text.
    pub offset: u64,
}

impl Loc {
    /// The place of the row at byte `offset` of `file`'s text, on `line`.
    pub fn new(file: LedgerFile, line: u64, offset: u64) -> Loc {
        Loc { file, line, offset }
    }
}
