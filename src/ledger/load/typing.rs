//! Typing rows: each cell read by the schema into a typed value, or a diagnostic; big tables typed in
//! parts on every core. What each table's row becomes is `tables`'.

use super::*;

pub(super) struct Builder<'a> {
    pub(super) sources: &'a Sources,
    pub(super) names: &'a PartnerNames,
    /// Tables of this many bytes or more are typed in parts.
    pub(super) part: usize,
    pub(super) diags: Vec<Diagnostic>,
    /// Rows read per file.
    pub(super) rows: BTreeMap<LedgerFile, usize>,
}

impl Builder<'_> {
    /// Reads and types every row of a table (rows with errors are left out; their diagnostics stay),
    /// leaving them in the parts they were typed in, to be numbered for the whole ledger once every table is
    /// typed ([`Numbered::number`]).
    pub(super) fn convert<T: Send>(&mut self, table: Option<&RawTable>, f: fn(&mut Row) -> Option<T>) -> Numbered<T> {
        let (parts, numbered) = self.convert_in_parts(table, f);
        Numbered { parts, numbered }
    }

    /// Big tables are typed in parts on every core; a part is trusted only when the one before it ended
    /// where a record begins (no quoted field runs across), otherwise the table is read again in one go.
    /// Each part comes with the partner codes and step ids it numbered.
    pub(super) fn convert_in_parts<T: Send>(
        &mut self,
        table: Option<&RawTable>,
        f: fn(&mut Row) -> Option<T>,
    ) -> (Vec<Vec<T>>, Vec<Lookups>) {
        let Some(table) = table else {
            return Default::default();
        };
        let src = self.sources.get(table.spec.file);
        let text = src.text.as_bytes();
        let pieces = if table.cr_only { 1 } else { source::piece_count(text.len(), self.part) };
        let spans = spans(text, pieces);
        let mut parts: Vec<Typed<T>> = if spans.len() > 1 {
            use rayon::prelude::*;
            spans.par_iter().map(|&span| type_span(table, src, self.names, span, f)).collect()
        } else {
            Vec::new()
        };
        if parts.is_empty() || !parts.iter().all(|p| p.whole) {
            let whole = Span { start: 0, end: text.len(), lines_before: 0 };
            parts = vec![type_span(table, src, self.names, whole, f)];
        }
        let mut read = 0;
        let mut rows = Vec::with_capacity(parts.len());
        let mut numbered = Vec::with_capacity(parts.len());
        for part in parts {
            rows.push(part.rows);
            numbered.push(part.numbered);
            self.diags.extend(part.diags);
            read += part.read;
        }
        self.rows.insert(table.spec.file, read);
        (rows, numbered)
    }
}

/// Tables of this many bytes or more are typed in parts, up to four per core.
pub(super) const MIN_PART: usize = 1 << 20;

/// What typing a span of a table gave.
pub(super) struct Typed<T> {
    pub(super) rows: Vec<T>,
    /// The partner codes and step ids numbered in this span.
    pub(super) numbered: Lookups,
    pub(super) diags: Vec<Diagnostic>,
    /// Rows read (blank and ragged rows not counted).
    pub(super) read: usize,
    /// The span ended where a record begins.
    pub(super) whole: bool,
}

pub(super) fn type_span<T>(
    table: &RawTable,
    src: &SourceFile,
    names: &PartnerNames,
    span: Span,
    f: fn(&mut Row) -> Option<T>,
) -> Typed<T> {
    let text = &src.text.as_bytes()[span.start..span.end];
    // A row per line at most, reserved up front to spare the copies of a growing vector.
    let capacity = if table.usable { line_count(text) + 1 } else { 0 };
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
        let mut row = Row { table, src, names, fields: rec, loc, diags, errors: 0, lookups: &mut lookups };
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
    Typed { rows, numbered: lookups, diags, read, whole }
}

/// Lines in a text (line feeds, or carriage returns in a file without any).
pub(super) fn line_count(text: &[u8]) -> usize {
    match count_byte(text, b'\n') {
        0 => count_byte(text, b'\r'),
        n => n,
    }
}

/// How often `byte` occurs in `text`.
pub(super) fn count_byte(text: &[u8], byte: u8) -> usize {
    // Counted in one-byte lanes over blocks short enough not to overflow them, which the compiler turns
    // into wide vector compares; counting into a `usize` per byte ran at a tenth of that speed and showed
    // in the 10^6 check target (BENCHMARKS.md).
    text.chunks(255).map(|block| usize::from(block.iter().fold(0u8, |n, &b| n + u8::from(b == byte)))).sum()
}

/// One row being typed: reads cells by column name and records a diagnostic for each bad one.
pub(super) struct Row<'a> {
    pub(super) table: &'a RawTable,
    pub(super) src: &'a SourceFile,
    pub(super) names: &'a PartnerNames,
    /// The row's fields, as in the file.
    pub(super) fields: &'a [&'a str],
    pub(super) loc: Loc,
    pub(super) diags: &'a mut Vec<Diagnostic>,
    pub(super) errors: usize,
    pub(super) lookups: &'a mut Lookups,
}

impl<'a> Row<'a> {
    /// The trimmed cell of a column (empty when the file has no such column).
    pub(super) fn raw(&mut self, name: &'static str) -> &'a str {
        let field = self.table.field(name);
        trim(field.and_then(|f| self.fields.get(f).copied()).unwrap_or(""))
    }

    /// Reports a problem; an error leaves the row out of the ledger.
    pub(super) fn report(&mut self, code: Code, field: &str, message: String, hint: Option<String>) {
        if code.severity() == diag::Severity::Error {
            self.errors += 1;
        }
        self.report_keeping_row(code, field, message, hint);
    }

    /// Reports a problem whose row is still usable (the offending value is ignored).
    pub(super) fn report_keeping_row(&mut self, code: Code, field: &str, message: String, hint: Option<String>) {
        let place = self.src.place(self.loc, Some(field));
        let mut d = Diagnostic::new(code, &self.src.path, message).at_line(place.line, place.column);
        d.field = Some(field.to_string());
        d.row = Some(place.row);
        d.hint = hint;
        self.diags.push(d);
    }

    pub(super) fn required(&mut self, name: &'static str) -> Option<Text> {
        self.required_str(name).map(Text::from)
    }

    /// The cell, or a diagnostic when it is empty.
    pub(super) fn required_str(&mut self, name: &'static str) -> Option<&'a str> {
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

    pub(super) fn describe(&self, name: &str) -> &'static str {
        self.table.spec.columns.iter().find(|c| c.name == name).map(|c| c.description).unwrap_or("")
    }

    pub(super) fn text(&mut self, name: &'static str) -> Text {
        self.required(name).unwrap_or_default()
    }

    pub(super) fn optional_text(&mut self, name: &'static str) -> Text {
        Text::from(self.raw(name))
    }

    /// A partner code ([`Row::id`]), numbered in this span.
    pub(super) fn partner_id(&mut self, name: &'static str) -> PartnerId {
        let code = self.id(name);
        self.number(code)
    }

    /// A partner code's number in this span.
    pub(super) fn number(&mut self, code: Text) -> PartnerId {
        PartnerId(self.lookups.partners.number(&code))
    }

    /// A source or note, numbered in this span.
    pub(super) fn cited(&mut self, name: &'static str) -> TextId {
        let text = self.raw(name);
        TextId(self.lookups.texts.number(text))
    }

    /// A step id ([`Row::id`]), numbered in this span.
    pub(super) fn step_id(&mut self, name: &'static str) -> StepId {
        let id = self.id(name);
        self.step_number(&id)
    }

    /// A step id's number in this span.
    pub(super) fn step_number(&mut self, id: &str) -> StepId {
        StepId(self.lookups.steps.number(id))
    }

    pub(super) fn id(&mut self, name: &'static str) -> Text {
        let v = self.required(name).unwrap_or_default();
        if name == "partner" && self.partner_named(&v) {
            return v;
        }
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

    /// A partner cell holding a partner's name or local name instead of its code (`Serbia`, `србија`):
    /// reported as that, the row refused.
    fn partner_named(&mut self, v: &str) -> bool {
        let Some(code) = self.names.code_named(v) else { return false };
        let message = format!("`{v}` is the name of partner `{code}`; write the code `{code}`");
        let hint = format!("the ledgers name partners by their code in partners.csv: {}", self.names.codes.join(", "));
        self.report(Code::PartnerName, "partner", message, Some(hint));
        true
    }

    pub(super) fn date(&mut self, name: &'static str) -> Option<Date> {
        let v = self.required_str(name)?;
        self.parse_date(name, v)
    }

    pub(super) fn optional_date(&mut self, name: &'static str) -> Option<Date> {
        let v = self.raw(name);
        if v.is_empty() {
            return None;
        }
        self.parse_date(name, v)
    }

    pub(super) fn parse_date(&mut self, name: &'static str, v: &str) -> Option<Date> {
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

    pub(super) fn money(&mut self, name: &'static str) -> Option<i64> {
        let v = self.required_str(name)?;
        self.parse_money(name, v)
    }

    pub(super) fn optional_money(&mut self, name: &'static str) -> Option<i64> {
        let v = self.raw(name);
        if v.is_empty() {
            return None;
        }
        self.parse_money(name, v)
    }

    pub(super) fn parse_money(&mut self, name: &'static str, v: &str) -> Option<i64> {
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

    /// A count of steps: a whole number, zero or more; `None` when empty (not published) or invalid (an
    /// error that keeps the row).
    pub(super) fn optional_count(&mut self, name: &'static str) -> Option<u32> {
        let v = self.raw(name);
        if v.is_empty() {
            return None;
        }
        match v.parse::<u32>() {
            Ok(n) if v.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => {
                // The row stays, with the count unknown: a count is never a reason to lose a request.
                self.report_keeping_row(
                    Code::NotACount,
                    name,
                    format!("`{v}` is not a count"),
                    Some(format!(
                        "write a whole number such as 7, or leave it empty when it is not published: {}",
                        self.describe(name)
                    )),
                );
                None
            }
        }
    }

    /// Ids separated by spaces, kept as one numbered text with single spaces between them:
    /// `TextId::NONE` when empty.
    pub(super) fn optional_ids(&mut self, name: &'static str) -> TextId {
        let v = self.raw(name);
        if let Some(bad) = v.split_whitespace().find(|id| !is_id(id)) {
            self.report(
                Code::MalformedId,
                name,
                format!("`{bad}` is not a valid identifier"),
                Some(
                    "use letters, digits and . _ / - only, starting with a letter or digit; separate ids with spaces"
                        .into(),
                ),
            );
        }
        // `v` is trimmed: with no white space inside, it is the one id (or none) as it stands.
        let text = if v.contains(char::is_whitespace) {
            std::borrow::Cow::Owned(v.split_whitespace().collect::<Vec<_>>().join(" "))
        } else {
            std::borrow::Cow::Borrowed(v)
        };
        TextId(self.lookups.texts.number(&text))
    }

    /// A required id kept as a numbered text.
    pub(super) fn numbered_id(&mut self, name: &'static str) -> TextId {
        let v = self.id(name);
        TextId(self.lookups.texts.number(&v))
    }

    pub(super) fn word<T>(&mut self, name: &'static str, from: fn(&str) -> Option<T>, words: &[&str]) -> Option<T> {
        let v = self.required_str(name)?;
        self.parse_word(name, v, from, words)
    }

    pub(super) fn optional_word<T>(
        &mut self,
        name: &'static str,
        from: fn(&str) -> Option<T>,
        words: &[&str],
    ) -> Option<T> {
        let v = self.raw(name);
        if v.is_empty() {
            return None;
        }
        self.parse_word(name, v, from, words)
    }

    pub(super) fn parse_word<T>(
        &mut self,
        name: &'static str,
        v: &str,
        from: fn(&str) -> Option<T>,
        words: &[&str],
    ) -> Option<T> {
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

    pub(super) fn sign(&mut self, name: &'static str, amount: i64, ok: bool, rule: &str) {
        if !ok {
            let hint = format!("check the sign and the `kind`; {}", self.describe(name));
            self.report(Code::WrongSign, name, format!("{} {rule}", money::format_plain(amount)), Some(hint));
        }
    }
}

/// The diagnostic for an amount that could not be read.
pub(super) fn money_problem(v: &str, e: MoneyError, delimiter: u8) -> (Code, String, String) {
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
pub(super) fn is_id(v: &str) -> bool {
    let b = v.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'/' | b'-'))
}

/// The partners' names and local names, from partners.csv as it stands, read before the other ledgers are
/// typed so that a partner cell holding a name is said to be one. Names are compared ignoring case.
#[derive(Default)]
pub(super) struct PartnerNames {
    pub(super) codes: Vec<Text>,
    /// The same codes, asked of every partner cell.
    is_code: FxHashSet<Text>,
    /// (name in lower case, code), for the names that are not also a code.
    names: Vec<(String, Text)>,
}

impl PartnerNames {
    /// Reads partners.csv's codes, names and local names (when it could be read); typing it is `tables`'.
    pub(super) fn read(table: Option<&RawTable>, sources: &Sources) -> Self {
        let mut found = PartnerNames::default();
        let Some(table) = table.filter(|t| t.usable) else { return found };
        let src = sources.get(table.spec.file);
        let whole = Span { start: 0, end: src.text.len(), lines_before: 0 };
        let cell = |rec: &[&str], name: &str| {
            table.field(name).and_then(|f| rec.get(f)).map(|v| trim(v).to_string()).unwrap_or_default()
        };
        let mut rows = Vec::new();
        for_each_row(table, src, whole, &mut Vec::new(), |_, rec, _| {
            rows.push([cell(rec, "code"), cell(rec, "name"), cell(rec, "local_name")]);
        });
        found.codes = rows.iter().map(|[code, ..]| Text::from(code.as_str())).filter(|c| !c.is_empty()).collect();
        found.is_code = found.codes.iter().cloned().collect();
        for [code, name, local_name] in &rows {
            for n in partner_names(name, local_name) {
                if !code.is_empty() && !found.is_code.contains(n) {
                    found.names.push((n.to_lowercase(), Text::from(code.as_str())));
                }
            }
        }
        found
    }

    /// The code of the partner whose name or local name `v` is, when `v` is not a code itself.
    pub(super) fn code_named(&self, v: &str) -> Option<&Text> {
        // Every cell is looked at; nearly all hold a code.
        if self.names.is_empty() || self.is_code.contains(v) {
            return None;
        }
        let lower = v.to_lowercase();
        self.names.iter().find(|(n, _)| *n == lower).map(|(_, code)| code)
    }
}

#[cfg(test)]
mod tests {
    use super::count_byte;
    use proptest::prelude::*;

    proptest! {
        /// Counting in blocks counts every occurrence, in texts longer than a block and full of the byte.
        #[test]
        fn count_byte_counts_every_occurrence(text in proptest::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..2000)) {
            prop_assert_eq!(count_byte(&text, b'\n'), text.iter().filter(|&&b| b == b'\n').count());
        }
    }

    #[test]
    fn count_byte_in_a_text_of_only_that_byte() {
        assert_eq!(count_byte(&[b'\n'; 1000], b'\n'), 1000);
        assert_eq!(count_byte(b"", b'\n'), 0);
    }
}
