//! The method page's text comes from docs/OUTPUT.md, the one statement of what each figure means: this
//! turns the small part of Markdown that file uses (headings, paragraphs, lists, tables, code, bold) into
//! HTML. The text is ours, not the ledgers', and is escaped all the same.

/// The part of `doc` from the heading `from` (included) up to the next heading of the same level.
pub fn section<'a>(doc: &'a str, from: &str) -> Option<&'a str> {
    let start = doc.find(&format!("\n{from}\n")).map(|i| i + 1)?;
    let level = from.chars().take_while(|&c| c == '#').count();
    let rest = &doc[start + from.len()..];
    let end = rest
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| {
            let line = &rest[i..];
            let hashes = line.chars().take_while(|&c| c == '#').count();
            hashes >= 1 && hashes <= level && line[hashes..].starts_with(' ')
        })
        .unwrap_or(rest.len());
    Some(&doc[start..start + from.len() + end])
}

/// HTML-escapes `s` (the same five characters as the templates).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A heading's id: lower case letters and digits, words joined by `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Inline Markdown: `code`, **bold**; everything escaped.
pub fn inline_html(s: &str) -> String {
    let mut out = String::new();
    for (k, part) in s.split('`').enumerate() {
        if k % 2 == 1 {
            out.push_str("<code>");
            out.push_str(&escape(part));
            out.push_str("</code>");
        } else {
            for (j, bold) in escape(part).split("**").enumerate() {
                if j % 2 == 1 {
                    out.push_str("<strong>");
                    out.push_str(bold);
                    out.push_str("</strong>");
                } else {
                    out.push_str(bold);
                }
            }
        }
    }
    out
}

/// A table row's cells (`| a | b |`), `\|` kept as `|`.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().expect("one cell").push('|');
                chars.next();
            }
            '|' => out.push(String::new()),
            c => out.last_mut().expect("one cell").push(c),
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

/// Markdown to HTML. Headings become `h2` (`##`) and `h3` (`###` and below) with ids; each table gets the
/// latest heading as its caption and scrolls inside a labelled box.
pub fn to_html(md: &str) -> String {
    let mut out = String::new();
    let mut lines = md.lines().peekable();
    let mut heading = String::new();
    let mut tables = 0;
    while let Some(line) = lines.next() {
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with("```") {
            out.push_str("<pre><code>");
            for l in lines.by_ref() {
                if l.trim_end().starts_with("```") {
                    break;
                }
                out.push_str(&escape(l));
                out.push('\n');
            }
            out.push_str("</code></pre>\n");
            continue;
        }
        let hashes = trimmed.chars().take_while(|&c| c == '#').count();
        if hashes > 0 && trimmed[hashes..].starts_with(' ') {
            let text = trimmed[hashes..].trim();
            let level = if hashes <= 2 { 2 } else { 3 };
            heading = text.replace('`', "");
            out.push_str(&format!("<h{level} id=\"{}\">{}</h{level}>\n", slug(text), inline_html(text)));
            continue;
        }
        if trimmed.starts_with('|') {
            tables += 1;
            let header = cells(trimmed);
            // The separator row.
            if lines.peek().is_some_and(|l| l.trim_start().starts_with('|') && l.contains("---")) {
                lines.next();
            }
            let id = format!("def-{tables}");
            out.push_str(&format!(
                "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"{id}\"><table>\n<caption id=\"{id}\">{}</caption>\n<thead><tr>",
                inline_html(&heading)
            ));
            for h in &header {
                out.push_str(&format!("<th scope=\"col\">{}</th>", inline_html(h)));
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            while let Some(row) = lines.next_if(|l| l.trim_start().starts_with('|')) {
                let row = cells(row);
                out.push_str("<tr>");
                for (k, c) in row.iter().enumerate() {
                    if k == 0 {
                        out.push_str(&format!("<th scope=\"row\">{}</th>", inline_html(c)));
                    } else {
                        out.push_str(&format!("<td>{}</td>", inline_html(c)));
                    }
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody></table></div>\n");
            continue;
        }
        if let Some(first) = trimmed.strip_prefix("- ") {
            out.push_str("<ul>\n");
            let mut item = first.to_string();
            loop {
                match lines.peek() {
                    Some(l) if l.starts_with("  ") && !l.trim().is_empty() && !l.trim_start().starts_with('|') => {
                        item.push(' ');
                        item.push_str(l.trim());
                        lines.next();
                    }
                    Some(l) if l.starts_with("- ") => {
                        out.push_str(&format!("<li>{}</li>\n", inline_html(&item)));
                        item = l["- ".len()..].to_string();
                        lines.next();
                    }
                    _ => break,
                }
            }
            out.push_str(&format!("<li>{}</li>\n</ul>\n", inline_html(&item)));
            continue;
        }
        let mut para = trimmed.to_string();
        while let Some(l) = lines.next_if(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('|') && !t.starts_with('#') && !t.starts_with("- ") && !t.starts_with("```")
        }) {
            para.push(' ');
            para.push_str(l.trim());
        }
        out.push_str(&format!("<p>{}</p>\n", inline_html(&para)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset_of_markdown_becomes_escaped_html() {
        let md = "## A `b`\n\ntext <x> and **bold**\nmore\n\n| figure | meaning |\n|---|---|\n| a \\| b | `c<d` |\n\n- one\n  two\n- three\n";
        let html = to_html(md);
        assert_eq!(
            html,
            "<h2 id=\"a-b\">A <code>b</code></h2>\n<p>text &lt;x&gt; and <strong>bold</strong> more</p>\n\
             <div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"def-1\"><table>\n<caption id=\"def-1\">A b</caption>\n\
             <thead><tr><th scope=\"col\">figure</th><th scope=\"col\">meaning</th></tr></thead>\n<tbody>\n\
             <tr><th scope=\"row\">a | b</th><td><code>c&lt;d</code></td></tr>\n</tbody></table></div>\n\
             <ul>\n<li>one two</li>\n<li>three</li>\n</ul>\n"
        );
    }

    #[test]
    fn a_section_ends_at_the_next_heading_of_its_level() {
        let doc = "# T\n\n## One\nx\n### Sub\ny\n## Two\nz\n";
        assert_eq!(section(doc, "## One"), Some("## One\nx\n### Sub\ny\n"));
        assert_eq!(section(doc, "## Two"), Some("## Two\nz\n"));
        assert_eq!(section(doc, "## Three"), None);
    }
}
