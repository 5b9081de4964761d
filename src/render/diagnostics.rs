//! Diagnostics as text (rustc/hledger style), JSON (a versioned document) and GitHub workflow commands.
//! Ledger text is untrusted: control characters and escape sequences are shown, never sent to a terminal.

use serde::Serialize;

use crate::check::ControlFigure;
use crate::diag::{counts, Diagnostic, Severity};

/// Text output, optionally coloured.
pub fn text(diags: &[Diagnostic], color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    for d in diags {
        let (sev, sev_color) = match d.severity() {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
        };
        out.push_str(&paint(sev_color, &format!("{sev}[{}]", d.code.id())));
        out.push_str(&paint("1", &format!(": {}", inert(&d.message))));
        out.push('\n');
        let location = match (d.line, d.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", d.file),
            (Some(l), None) => format!("{}:{l}", d.file),
            _ => d.file.clone(),
        };
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
        out.push('\n');
    }
    out
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
    match (e, w) {
        (0, 0) => format!("{what}: clean"),
        _ => format!("{what}: {}, {}", plural(e, "error"), plural(w, "warning")),
    }
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
    let doc = JsonReport {
        version: 1,
        as_of,
        data,
        summary: JsonSummary { errors, warnings },
        rules_skipped,
        diagnostics: diags
            .iter()
            .map(|d| JsonDiagnostic {
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
    let mut out = String::new();
    for d in diags {
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

    #[test]
    fn summary_counts() {
        assert_eq!(summary(&[], "check"), "check: clean");
        assert_eq!(summary(&[sample()], "check"), "check: 1 error, 0 warnings");
    }
}
