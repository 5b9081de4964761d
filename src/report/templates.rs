//! The report's minijinja environment: its four templates, the Markdown filters that keep ledger text
//! inert in a table cell (`md`, `md_link`), and the HTML formatter that shows control characters.

use minijinja::Environment;

const HTML: &str = include_str!("../../templates/report.html");
const MARKDOWN: &str = include_str!("../../templates/report.md");
const INDEX_HTML: &str = include_str!("../../templates/index.html");
const INDEX_MD: &str = include_str!("../../templates/index.md");

/// Escapes text for a Markdown table cell: no HTML, no table breaks, no line breaks, no links or emphasis.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A source for Markdown: a plain web address as a link (`<https://...>`), anything else escaped text.
pub fn md_link(s: &str) -> String {
    let plain = (s.starts_with("https://") || s.starts_with("http://"))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '`' | '|' | '\\'));
    if plain {
        format!("<{s}>")
    } else {
        md_escape(s)
    }
}

pub(super) fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.add_filter("md_link", |s: String| md_link(&s));
    // report.html and index.html escape every value as HTML unless marked safe (only our SVGs are);
    // the Markdown templates escape through the `md` filter.
    env.add_filter("md", |s: String| md_escape(&s));
    // Control characters in ledger text (an escape sequence pasted into a note) are not valid in HTML:
    // they are shown as `\u{1b}` before the usual HTML escaping.
    env.set_formatter(|out, state, value| {
        match value.as_str().filter(|s| !value.is_safe() && s.chars().any(char::is_control)) {
            Some(s) => {
                let shown: String = s
                    .chars()
                    .map(|c| {
                        if c.is_control() && c != '\n' && c != '\t' {
                            format!("\\u{{{:x}}}", c as u32)
                        } else {
                            c.to_string()
                        }
                    })
                    .collect();
                minijinja::escape_formatter(out, state, &minijinja::Value::from(shown))
            }
            None => minijinja::escape_formatter(out, state, value),
        }
    });
    env.add_template("report.html", HTML)?;
    env.add_template("report.md", MARKDOWN)?;
    env.add_template("index.html", INDEX_HTML)?;
    env.add_template("index.md", INDEX_MD)?;
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_a_link_only_when_it_is_a_plain_address() {
        assert_eq!(md_link("https://example.eu/a_b?x=1"), "<https://example.eu/a_b?x=1>");
        assert_eq!(md_link("https://example.eu/a b"), "https://example.eu/a b");
        assert_eq!(md_link("https://x.eu/<script>"), "https://x.eu/&lt;script&gt;");
        assert_eq!(md_link("Official Journal L 1449"), "Official Journal L 1449");
        assert_eq!(md_link("javascript:alert(1)"), "javascript:alert(1)");
    }

    #[test]
    fn markdown_cells_are_inert() {
        assert_eq!(
            md_escape("a|b\n<script>x</script> [l](u) `c`"),
            "a\\|b &lt;script&gt;x&lt;/script&gt; \\[l\\](u) \\`c\\`"
        );
    }
}
