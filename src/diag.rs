//! Diagnostics: the catalogue of stable codes, and the finding every stage returns as a value.
//! Nothing here prints; `render` turns diagnostics into text, JSON or CI annotations.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($( $variant:ident = $id:literal, $sev:ident, $title:literal; )*) => {
        /// Every finding growthplan can report. The id (`L001`) is stable: CI configurations and
        /// people's notes refer to it; `docs/DATA.md` and `docs/CHECKS.md` explain each one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            pub fn id(self) -> &'static str {
                match self { $(Code::$variant => $id),* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev),* }
            }

            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title),* }
            }
        }
    };
}

codes! {
    // Files and structure
    FileMissing = "L001", Error, "ledger file missing";
    FileUnreadable = "L002", Error, "file cannot be read";
    NotText = "L003", Error, "file is not text";
    NotUtf8 = "L004", Warning, "file is not UTF-8";
    NoHeader = "L005", Error, "file has no header row";
    MissingColumn = "L006", Error, "required column missing";
    UnknownColumn = "L007", Warning, "unknown column ignored";
    DuplicateColumn = "L008", Error, "column appears twice";
    RaggedRow = "L009", Error, "row has the wrong number of fields";
    FacilityInvalid = "F001", Error, "facility.toml is invalid";
    // Values
    MissingValue = "V001", Error, "required value missing";
    NotAnAmount = "V002", Error, "not an amount";
    AmbiguousNumber = "V003", Error, "number depends on the locale";
    TooManyDecimals = "V004", Error, "more than two decimals";
    AmountOutOfRange = "V005", Error, "amount out of range";
    NotADate = "V006", Error, "not a date";
    MonthFirstDate = "V007", Error, "month-first date";
    UnknownValue = "V008", Error, "value not in the list";
    NegativeZero = "V009", Warning, "negative zero";
    WrongSign = "V010", Error, "amount has the wrong sign";
    MixedDecimalMarks = "V011", Error, "decimal mark differs from the rest of the file";
    MalformedId = "V012", Error, "malformed identifier";
    NotACount = "V013", Error, "not a count";
    RepeatedRow = "V014", Warning, "row repeats an earlier row";
    RepeatedAmount = "V015", Error, "row repeats an earlier row, counting its amount twice";
    // References between ledgers
    UnknownPartner = "R001", Error, "unknown partner";
    UnknownStep = "R002", Error, "unknown step";
    DuplicateId = "R003", Error, "duplicate identifier";
    ReleaseDisagrees = "R004", Error, "components of one release disagree";
    EventAmount = "R005", Error, "step event amount misplaced";
    // Facility rules (`growthplan check`)
    FacilityEnvelopeExceeded = "C001", Error, "allocations exceed the facility's envelope";
    NegativeEnvelope = "C002", Error, "partner envelope negative";
    OverCommitted = "C003", Error, "committed exceeds allocated";
    OverPaid = "C004", Error, "paid exceeds committed or allocated";
    PrefinancingAboveCap = "C005", Error, "pre-financing above the cap";
    PrefinancingRepeated = "C006", Error, "pre-financing paid more than once";
    PaidBeforeAgreements = "C007", Error, "paid before approval and agreements";
    PaidWhileConditionsNotMet = "C008", Error, "paid while conditions are not met";
    StepNotFulfilled = "C009", Error, "release pays a step not found fulfilled";
    StepOverpaid = "C010", Error, "step paid twice or beyond its amount";
    ReleaseUnreconciled = "C011", Error, "release does not reconcile with its steps";
    ChannelInstrument = "C012", Error, "instrument not allowed on this channel";
    WbifShareLow = "C013", Warning, "WBIF share below the minimum";
    PaidAfterGrace = "C014", Error, "step paid after its grace period";
    OutsidePeriod = "C015", Error, "date outside the facility's period";
    AfterAsOf = "C016", Error, "dated after the as-of date";
    EventBeforeStep = "C017", Error, "step event out of order";
    EventAfterFulfilled = "C018", Warning, "step event after fulfilment";
    ControlTotalMismatch = "C019", Error, "control total does not match";
    TooManyReleases = "C020", Warning, "more than the allowed regular releases in a year";
    StepsExceedEnvelope = "C021", Error, "steps are worth more than the envelope";
    PrefinancingLate = "C022", Error, "pre-financing after a regular release";
    ReleaseSteps = "C023", Error, "release kind, request and steps disagree";
    RequestNotAssessed = "C024", Error, "release pays a request not assessed";
    ReleasedAboveApproved = "C025", Error, "released more than approved";
    ApprovedAboveRequested = "C026", Error, "approved more than requested";
    StepCountsAboveClaimed = "C027", Error, "assessed steps exceed the steps claimed";
    PeriodEndNotDue = "C028", Error, "request's period end is not a due date";
    AssessmentOutOfOrder = "C029", Error, "assessment of an unknown or later request";
    RequestPaidAfterGrace = "C030", Error, "request paid after its grace period";
    // Causes named in the user's words (issue 27): a finding that says what went wrong where the plain
    // code (L009, R001, V012) would only name the symptom.
    DecimalComma = "L010", Error, "amount written with a decimal comma in a comma-separated file";
    OtherDelimiter = "L011", Error, "row separated by another delimiter than its file";
    PartnerName = "R006", Error, "partner given by its name instead of its code";
    ReleaseRecordedTwice = "R007", Error, "release component already recorded";
    CorrectionUnmatched = "R008", Error, "correction does not name exactly one row";
}

impl Code {
    pub fn from_id(id: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.id().eq_ignore_ascii_case(id))
    }
}

/// One finding: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    /// Path of the file as the user would type it (`data/payments.csv`); empty for the data folder itself.
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// The column (field) the finding is about, by header name.
    pub field: Option<String>,
    pub message: String,
    pub hint: Option<String>,
    /// The text of the offending row, as it stands in the file.
    pub row: Option<String>,
    /// Further lines: the rows that make up a figure, the other place of a duplicate.
    pub notes: Vec<String>,
    /// The rows a finding holds only if they were read: a ledger file's name and an id its rows hold
    /// (`payments.csv` and a release's id for a finding that adds up a release's rows, `steps.csv` and a
    /// step id for an unknown step). An error on such a row is the finding's cause, and the finding is
    /// shown under it (`render::diagnostics::fold`).
    pub depends_on: Option<(&'static str, String)>,
}

impl Diagnostic {
    pub fn new(code: Code, file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            file: file.into(),
            line: None,
            column: None,
            field: None,
            message: message.into(),
            hint: None,
            row: None,
            notes: Vec::new(),
            depends_on: None,
        }
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Marks a finding as one that holds only if the rows of `file` (a ledger file's name) holding `id`
    /// were read ([`Diagnostic::depends_on`]).
    pub fn depends_on(mut self, file: &'static str, id: impl Into<String>) -> Self {
        self.depends_on = Some((file, id.into()));
        self
    }

    pub fn at_line(mut self, line: u64, column: Option<u64>) -> Self {
        self.line = Some(line);
        self.column = column;
        self
    }

    /// The order findings are reported in: by file, line, column, then code.
    pub fn sort_key(&self) -> (&str, u64, u64, Code, &str) {
        (&self.file, self.line.unwrap_or(0), self.column.unwrap_or(0), self.code, &self.message)
    }
}

/// Sorts diagnostics into reporting order and drops exact repeats.
pub fn sort(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup();
}

/// Counts of errors and warnings.
pub fn counts(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.severity() == Severity::Error).count();
    (errors, diags.len() - errors)
}

/// The closest candidate to `word`, when it is close enough to be what was meant.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let w = word.trim().to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&w, &c.to_lowercase());
        let limit = (c.chars().count() / 3).max(1) + 1;
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The one candidate a short code is a slip of: one letter typed wrong, left out or added, or two
/// neighbours swapped (`SR` for `RS`), ignoring case. Nothing when no candidate, or more than one, is that
/// close: every two-letter code is two edits from every other, so [`did_you_mean`]'s looser limit would
/// suggest any of them.
pub fn close_code<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let w: Vec<char> = word.trim().to_lowercase().chars().collect();
    let mut found = None;
    for c in candidates {
        let c_chars: Vec<char> = c.to_lowercase().chars().collect();
        let swapped = w.len() == c_chars.len() && {
            let differ: Vec<usize> = (0..w.len()).filter(|&i| w[i] != c_chars[i]).collect();
            differ.len() == 2
                && differ[1] == differ[0] + 1
                && w[differ[0]] == c_chars[differ[1]]
                && w[differ[1]] == c_chars[differ[0]]
        };
        let w_text: String = w.iter().collect();
        let c_text: String = c_chars.iter().collect();
        if swapped || edit_distance(&w_text, &c_text) <= 1 {
            if found.is_some_and(|f: &str| f != c) {
                return None;
            }
            found = Some(c);
        }
    }
    found
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > 200 || b.len() > 200 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut ids: Vec<&str> = Code::ALL.iter().map(|c| c.id()).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "duplicate code id");
        for id in ids {
            assert_eq!(id.len(), 4);
            assert!(Code::from_id(id).is_some());
        }
    }

    #[test]
    fn suggestions() {
        let statuses = ["submitted", "fulfilled", "partially_fulfilled", "not_fulfilled"];
        assert_eq!(did_you_mean("fulfiled", statuses), Some("fulfilled"));
        assert_eq!(did_you_mean("Fullfilled", statuses), Some("fulfilled"));
        assert_eq!(did_you_mean("paid", statuses), None);
        assert_eq!(did_you_mean("RSS", ["RS", "ME", "AL"]), Some("RS"));
        let codes = ["AL", "BA", "ME", "MK", "RS", "XK"];
        assert_eq!(close_code("SR", codes), Some("RS"));
        assert_eq!(close_code("rs", codes), Some("RS"));
        assert_eq!(close_code("RSS", codes), Some("RS"));
        assert_eq!(close_code("QQ", codes), None);
        // One edit from both ME and MK: no guess.
        assert_eq!(close_code("MX", codes), None);
    }
}
