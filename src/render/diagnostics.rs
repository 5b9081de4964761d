//! Diagnostics as text (rustc/hledger style), JSON (a versioned document) and GitHub workflow commands.
//! Ledger text is untrusted: control characters and escape sequences are shown, never sent to a terminal.

use serde::Serialize;

use crate::check::ControlFigure;
use crate::diag::{counts, Diagnostic, Severity};

/// Which findings follow from another: for each finding, the position of the finding it is folded
/// under, if any. The rule, in one place:
///
/// - a *root* is an error the loader reported about a row (a code `L`, `V` or `R` with a line): the
///   row was refused, or what it says cannot be trusted;
/// - a finding of the facility's rules (a `C` code) on the same row (file and line) as a root is folded
///   under the first such root;
/// - a finding that holds only if certain rows were read ([`Diagnostic::depends_on`]: C011 adds up a
///   release's rows, R001 and R002 look a partner or a step up) is folded under the first root on a row
///   of that file holding the id as one of its fields (split at `,`, `;` or a tab, so that a row the
///   loader could not split is read too);
/// - a finding folded under a root that is itself folded goes under that one's root.
///
/// Text and GitHub output show a folded finding under its root; JSON lists every finding, each with
/// the root it is folded under (`folded_under`).
pub fn fold(diags: &[Diagnostic]) -> Vec<Option<usize>> {
    use std::collections::HashMap;
    let is_root = |d: &Diagnostic| d.severity() == Severity::Error && !d.code.id().starts_with('C') && d.line.is_some();
    let file_name = |path: &str| path.rsplit(['/', '\\']).next().unwrap_or("").to_string();
    let mut at_row: HashMap<(&str, u64), usize> = HashMap::new();
    let mut holding: HashMap<(String, &str), usize> = HashMap::new();
    for (i, d) in diags.iter().enumerate().filter(|(_, d)| is_root(d)) {
        at_row.entry((d.file.as_str(), d.line.unwrap_or(0))).or_insert(i);
        let name = file_name(&d.file);
        for field in d.row.as_deref().unwrap_or("").split([',', ';', '\t']) {
            let field = field.trim().trim_matches('"').trim();
            if !field.is_empty() {
                holding.entry((name.clone(), field)).or_insert(i);
            }
        }
    }
    let direct: Vec<Option<usize>> = diags
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let same_row = match d.code.id().starts_with('C') {
                true => d.line.and_then(|line| at_row.get(&(d.file.as_str(), line)).copied()),
                false => None,
            };
            let depended = d.depends_on.as_ref().and_then(|(file, id)| holding.get(&(file.to_string(), id.as_str())));
            same_row.or(depended.copied()).filter(|&root| root != i)
        })
        .collect();
    // Up to the root of roots; a chain is short (payments -> steps -> partners), and never loops back
    // further than the number of findings.
    (0..diags.len())
        .map(|i| {
            let mut root = direct[i]?;
            for _ in 0..diags.len() {
                match direct[root] {
                    Some(up) if up != i => root = up,
                    _ => break,
                }
            }
            Some(root)
        })
        .collect()
}

/// For each finding, the findings folded under it, in order.
fn folded_under_each(folded: &[Option<usize>]) -> Vec<Vec<usize>> {
    let mut under = vec![Vec::new(); folded.len()];
    for (k, root) in folded.iter().enumerate() {
        if let Some(r) = root {
            under[*r].push(k);
        }
    }
    under
}

/// Where a finding points: `file:line:column`, as much as is known.
fn location(d: &Diagnostic) -> String {
    match (d.line, d.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", d.file),
        (Some(l), None) => format!("{}:{l}", d.file),
        _ => d.file.clone(),
    }
}

/// The line a folded finding is shown as under its root.
fn folded_line(d: &Diagnostic) -> String {
    format!("follows from this: {}[{}] at {}: {}", d.severity().as_str(), d.code.id(), location(d), d.message)
}

/// Text output, optionally coloured. A finding that follows from another ([`fold`]) is shown under it,
/// as a note, not as a finding of its own.
pub fn text(diags: &[Diagnostic], color: bool) -> String {
    let folded = fold(diags);
    let under = folded_under_each(&folded);
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    for (i, d) in diags.iter().enumerate() {
        if folded[i].is_some() {
            continue;
        }
        let (sev, sev_color) = match d.severity() {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
        };
        out.push_str(&paint(sev_color, &format!("{sev}[{}]", d.code.id())));
        out.push_str(&paint("1", &format!(": {}", inert(&d.message))));
        out.push('\n');
        let location = location(d);
        let gutter = d.line.map(|l| l.to_string().len()).unwrap_or(1);
        let pad = " ".repeat(gutter);
        out.push_str(&format!("{pad}{} {}\n", paint("1;34", "-->"), inert(&location)));
        if let (Some(line), Some(row)) = (d.line, &d.row) {
            let (shown, caret) = window(row, d.column);
            out.push_str(&format!("{pad} {}\n", paint("1;34", "|")));
            out.push_str(&format!("{} {} {}\n", paint("1;34", &line.to_string()), paint("1;34", "|"), shown));
            if let Some(c) = caret {
                out.push_str(&format!("{pad} {} {}{}\n", paint("1;34", "|"), " ".repeat(c), paint(sev_color, "^")));
            }
        }
        if let Some(h) = &d.hint {
            out.push_str(&format!("{pad} = {}: {}\n", paint("1", "help"), inert(h)));
        }
        for n in &d.notes {
            out.push_str(&format!("{pad} = note: {}\n", inert(n)));
        }
        for &f in &under[i] {
            out.push_str(&format!("{pad} = note: {}\n", inert(&folded_line(&diags[f]))));
        }
        out.push('\n');
    }
    out
}

/// How many of `diags` are shown as findings of their own, and how many are folded under another
/// ([`fold`]): the counts a user reads, as `check`'s summary counts them.
pub fn shown_and_folded(diags: &[Diagnostic]) -> (usize, usize) {
    let folded = fold(diags).iter().filter(|f| f.is_some()).count();
    (diags.len() - folded, folded)
}

/// The one-line summary `check` ends with.
pub fn summary(diags: &[Diagnostic], what: &str) -> String {
    let (e, w) = counts(diags);
    let plural = |n: usize, s: &str| {
        if n == 1 {
            format!("{n} {s}")
        } else {
            format!("{n} {s}s")
        }
    };
    let folded: Vec<&Diagnostic> = fold(diags).iter().zip(diags).filter(|(f, _)| f.is_some()).map(|(_, d)| d).collect();
    if folded.is_empty() {
        return match (e, w) {
            (0, 0) => format!("{what}: clean"),
            _ => format!("{what}: {}, {}", plural(e, "error"), plural(w, "warning")),
        };
    }
    // Folded findings are counted apart: the user sees each root once.
    let (fe, fw) = counts(&folded.into_iter().cloned().collect::<Vec<_>>());
    let further = if fe + fw == 1 {
        "1 further finding follows from the rows above".to_string()
    } else {
        format!("{} further findings follow from the rows above", fe + fw)
    };
    format!("{what}: {}, {}; {further}", plural(e - fe, "error"), plural(w - fw, "warning"))
}

/// Shows a long row around the column; returns the shown text and the caret's offset in it.
fn window(row: &str, column: Option<u64>) -> (String, Option<usize>) {
    const WIDTH: usize = 100;
    let chars: Vec<char> = row.chars().collect();
    let col = column.map(|c| c.saturating_sub(1) as usize);
    // A column can lie beyond the row shown (a quoted field that runs onto the next line): the window
    // then shows the row's end.
    let start = match col {
        Some(c) if chars.len() > WIDTH && c > WIDTH / 2 => (c - WIDTH / 2).min(chars.len() - WIDTH),
        _ => 0,
    };
    let end = (start + WIDTH).min(chars.len());
    let mut shown = String::new();
    let mut caret = None;
    if start > 0 {
        shown.push('…');
    }
    for (i, ch) in chars[start..end].iter().enumerate() {
        if Some(start + i) == col {
            caret = Some(shown.chars().count());
        }
        shown.push_str(&inert(&ch.to_string()));
    }
    if end < chars.len() {
        shown.push('…');
    }
    let past_end = col.filter(|c| *c >= chars.len()).map(|_| shown.chars().count());
    (shown, caret.or(past_end))
}

/// Makes untrusted text safe for a terminal: control characters (ESC, CR, ...) become `\u{..}`.
pub fn inert(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() && c != '\t' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else if c == '\t' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    /// Bumped when a field changes meaning or disappears; new fields may appear without a bump.
    version: u32,
    as_of: &'a str,
    data: &'a str,
    summary: JsonSummary,
    /// Why the facility's rules were not run, when they were not (a ledger could not be read).
    rules_skipped: Option<&'a str>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    control_totals: &'a [ControlFigure],
}

#[derive(Serialize)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    /// How many of them follow from another finding (`folded_under` is set).
    folded: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: Severity,
    title: &'static str,
    file: &'a str,
    line: Option<u64>,
    column: Option<u64>,
    field: Option<&'a str>,
    message: &'a str,
    hint: Option<&'a str>,
    row: Option<&'a str>,
    notes: &'a [String],
    /// The position in `diagnostics` of the finding this one follows from ([`fold`]), or null.
    folded_under: Option<usize>,
}

/// The JSON document of `check --format json` (documented in docs/CHECKS.md).
pub fn json(
    diags: &[Diagnostic],
    as_of: &str,
    data: &str,
    control: &[ControlFigure],
    rules_skipped: Option<&str>,
) -> String {
    let (errors, warnings) = counts(diags);
    let folded = fold(diags);
    let doc = JsonReport {
        version: 1,
        as_of,
        data,
        summary: JsonSummary { errors, warnings, folded: folded.iter().flatten().count() },
        rules_skipped,
        diagnostics: diags
            .iter()
            .zip(&folded)
            .map(|(d, &folded_under)| JsonDiagnostic {
                code: d.code.id(),
                severity: d.severity(),
                title: d.code.title(),
                file: &d.file,
                line: d.line,
                column: d.column,
                field: d.field.as_deref(),
                message: &d.message,
                hint: d.hint.as_deref(),
                row: d.row.as_deref(),
                notes: &d.notes,
                folded_under,
            })
            .collect(),
        control_totals: control,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// GitHub Actions workflow commands: one `::error ...::` line per finding.
pub fn github(diags: &[Diagnostic]) -> String {
    let folded = fold(diags);
    let under = folded_under_each(&folded);
    let mut out = String::new();
    for (i, d) in diags.iter().enumerate() {
        if folded[i].is_some() {
            continue;
        }
        let mut props = vec![format!("file={}", escape_property(&d.file))];
        if let Some(l) = d.line {
            props.push(format!("line={l}"));
        }
        if let Some(c) = d.column {
            props.push(format!("col={c}"));
        }
        props.push(format!("title={}", escape_property(&format!("{} {}", d.code.id(), d.code.title()))));
        let mut msg = d.message.clone();
        if let Some(h) = &d.hint {
            msg.push_str("\nhelp: ");
            msg.push_str(h);
        }
        for n in &d.notes {
            msg.push_str("\nnote: ");
            msg.push_str(n);
        }
        for &f in &under[i] {
            msg.push_str("\nnote: ");
            msg.push_str(&folded_line(&diags[f]));
        }
        out.push_str(&format!("::{} {}::{}\n", d.severity().as_str(), props.join(","), escape_data(&msg)));
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;

    #[test]
    fn a_column_beyond_a_long_row_shows_its_end() {
        // Found by the fuzz harness: a quote opened in a cell moves the column past the first line.
        let row = "x".repeat(250);
        let (shown, caret) = window(&row, Some(317));
        assert!(shown.starts_with('…') && shown.ends_with('x'), "{shown}");
        assert_eq!(caret, Some(shown.chars().count()));
        assert_eq!(window("short", Some(900)).1, Some(5));
    }

    fn sample() -> Diagnostic {
        let mut d = Diagnostic::new(Code::AmbiguousNumber, "data/payments.csv", "`1.080` can be read two ways")
            .at_line(12, Some(5));
        d.row = Some("a,b,1.080,\x1b[31mred".into());
        d.hint("pass --decimal-mark").note("see docs")
    }

    #[test]
    fn text_points_at_the_column_and_neutralises_escapes() {
        let t = text(&[sample()], false);
        let expected = "error[V003]: `1.080` can be read two ways\n  --> data/payments.csv:12:5\n   |\n12 | a,b,1.080,\\u{1b}[31mred\n   |     ^\n   = help: pass --decimal-mark\n   = note: see docs\n\n";
        assert_eq!(t, expected);
        assert!(!text(&[sample()], true).contains("\x1b[31mred"));
    }

    #[test]
    fn github_lines_are_escaped() {
        let g = github(&[sample()]);
        assert_eq!(
            g,
            "::error file=data/payments.csv,line=12,col=5,title=V003 number depends on the locale::`1.080` can be read two ways%0Ahelp: pass --decimal-mark%0Anote: see docs\n"
        );
    }

    /// The folding rule on literal findings: same row, or a release's sum under an error on a row
    /// holding its id; warnings and findings of the rules are never roots.
    #[test]
    fn findings_are_folded_under_an_error_on_their_row_or_release() {
        let at = |code, file: &str, line, row: &str| {
            let mut d = Diagnostic::new(code, file, "m").at_line(line, Some(1));
            d.row = Some(row.into());
            d
        };
        let p = "data/payments.csv";
        let diags = [
            at(Code::ReleaseUnreconciled, p, 4, "R1,2025-08-01").depends_on("payments.csv", "R1"),
            at(Code::NotADate, p, 5, "R1;2025-13-01"),
            at(Code::ChannelInstrument, p, 5, "R1;2025-13-01"),
            at(Code::ReleaseUnreconciled, p, 6, "R2,2025-08-01").depends_on("payments.csv", "R2"),
            at(Code::NegativeZero, p, 7, "R2,2025-08-01"),
            at(Code::EventAfterFulfilled, "data/step_events.csv", 5, "2025-01-01,S1"),
        ];
        assert_eq!(fold(&diags), [Some(1), None, Some(1), None, None, None]);
        let t = text(&diags, false);
        assert_eq!(t.matches("follows from this: error[C").count(), 2, "{t}");
        assert_eq!(
            summary(&diags, "check"),
            "check: 2 errors, 2 warnings; 2 further findings follow from the rows above"
        );
        // `record` counts as `check` does: four findings of their own, two under them.
        assert_eq!(shown_and_folded(&diags), (4, 2));
    }

    #[test]
    fn summary_counts() {
        assert_eq!(summary(&[], "check"), "check: clean");
        assert_eq!(summary(&[sample()], "check"), "check: 1 error, 0 warnings");
    }
}
