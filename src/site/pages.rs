//! The other pages: the sources cited and the published totals, the changes month by month with the
//! Atom feed, the downloads with their SHA-256, and the method.

use std::io::Write;

use super::*;

/// Every source cited, the published totals and the known gaps.
pub(super) fn sources_page(s: &Site, payments: &crate::replay::Listing) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let (l, now) = (s.input.ledger, s.input.now);
    let as_of = now.as_of;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let sources = sources::cited(l, payments, as_of, &s.pages);
    let gaps: Vec<Vec<Cell>> = now
        .known_gaps
        .iter()
        .map(|g| {
            vec![
                Cell::text(date::format(g.date)),
                Cell::text(&g.partner),
                Cell::text(g.measure),
                Cell::millions(g.published),
                Cell::millions(g.itemised),
                Cell::millions(g.unitemised),
                Cell::text(if g.status == "known_gap" { "known gap" } else { "itemised" }),
                Cell::source(&g.source),
            ]
        })
        .collect();
    let ctx = context! {
        sources => sources.iter().enumerate().map(|(k, c)| context! {
            id => format!("source-{}", k + 1),
            link => web_address(&c.address).is_some(),
            address => c.address,
            cited_by => c.cited_by,
        }).collect::<Vec<_>>(),
        named => sources::NAMED,
        control => control_table(s.input.control),
        gaps => Table::new("gaps", "Published totals the ledgers do not itemise yet (known gaps)", vec![
            col("date", "", false),
            col("partner", "", false),
            col("measure", "", false),
            col("published", "", true),
            col("itemised in the ledgers", "", true),
            col("not itemised", "", true),
            col("status", "", false),
            col("source", "", false),
        ], gaps),
        ..s.page("sources.html", "", "Sources".into(), format!("Every source the {} tracker cites, with the rows that cite it, and the published totals the ledgers are checked against.", l.facility.short_name), "requests.png", false)
    };
    files.push(("sources.html".into(), s.render("sources.html", ctx)?));

    Ok(files)
}

/// The changes month by month, and the Atom feed of them (dated by the ledgers, never the clock).
pub(super) fn changes_pages(s: &Site) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let (l, now) = (s.input.ledger, s.input.now);
    let as_of = now.as_of;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut by_month: BTreeMap<String, Vec<&Change>> = BTreeMap::new();
    // In date order, each month's changes are one run (a million changes at 10^6 rows).
    for run in s.changes.chunk_by(|a, b| date::month_end(a.date) == date::month_end(b.date)) {
        by_month.entry(date::format(run[0].date)[..7].to_string()).or_default().extend(run);
    }
    // A month with a report but no change is listed too, with its report.
    let with_changes: Vec<String> = by_month.keys().cloned().collect();
    for m in &s.report_months {
        by_month.entry(m.clone()).or_default();
    }
    let month_sections: Vec<Value> = by_month
        .iter()
        .rev()
        .map(|(month, list)| {
            let rows: Vec<Vec<Cell>> = list.iter().take(CHANGES_PER_MONTH).map(|c| change_row(c, &s.pages)).collect();
            context! {
                month => month,
                count => list.len(),
                more => list.len().saturating_sub(CHANGES_PER_MONTH),
                report => s.report_months.contains(month).then(|| format!("reports/{month}/report.html")),
                table => Table::new(&format!("m-{month}-table"), format!("Changes in {month}"), change_columns(), rows),
            }
        })
        .collect();
    let ctx = context! {
        months => month_sections,
        reports => !s.report_months.is_empty(),
        ..s.page("changes.html", "", "Changes".into(), format!("What changed in the {}, month by month, with an Atom feed.", l.facility.short_name), "cumulative.png", false)
    };
    files.push(("changes.html".into(), s.render("changes.html", ctx)?));
    let entries: Vec<Value> = by_month
        .iter()
        .rev()
        .filter(|(month, _)| with_changes.contains(month))
        .map(|(month, list)| {
            let last = list.iter().map(|c| c.date).max().unwrap_or(as_of);
            context! {
                month => month,
                count => list.len(),
                updated => format!("{}T00:00:00Z", date::format(last)),
                items => list.iter().take(CHANGES_PER_MONTH).map(|c| format!(
                    "{} {}: {}{}{}{}",
                    date::format(c.date),
                    c.partner,
                    what(c.what),
                    if c.reference.is_empty() { String::new() } else { format!(" {}", c.reference) },
                    c.amount.map_or(String::new(), |a| format!(", EUR {}", format_grouped(a as i128))),
                    if c.source.is_empty() { String::new() } else { format!(" ({})", c.source) },
                )).collect::<Vec<_>>(),
                more => list.len().saturating_sub(CHANGES_PER_MONTH),
            }
        })
        .collect();
    let feed_updated = s.changes.iter().map(|c| c.date).max().or(s.last_changed).unwrap_or(as_of);
    let ctx = context! {
        facility => l.facility.name,
        short_name => l.facility.short_name,
        base_url => s.input.base_url,
        updated => format!("{}T00:00:00Z", date::format(feed_updated)),
        entries => entries,
    };
    files.push(("feed.xml".into(), s.render("feed.xml", ctx)?));

    Ok(files)
}

/// The data folder's files as they were read, each digested as it is written, one after the other: the
/// site copies them on a thread of its own while the figures are computed (`run`). Once `stop` is set,
/// no further file is begun (no site will be written).
pub fn copy_ledgers(
    ledgers: &[LedgerFile],
    out: &Staging,
    stop: &std::sync::atomic::AtomicBool,
) -> anyhow::Result<Vec<Download>> {
    ledgers
        .iter()
        .map(|f| {
            anyhow::ensure!(!stop.load(std::sync::atomic::Ordering::Relaxed), "the site was given up");
            download(out, &format!("data/{}", f.name), format!("the ledger {}, as recorded", f.name), |w| {
                w.write_all(&f.bytes)
            })
        })
        .collect()
}

/// The ledgers' data package and the figures' summary.
pub(super) fn made_downloads(s: &Site, out: &Staging) -> anyhow::Result<Vec<Download>> {
    let as_of = s.input.now.as_of;
    Ok(vec![
        download(
            out,
            "data/datapackage.json",
            "the ledgers' Frictionless Data Package: every column, its type and meaning".into(),
            |w| w.write_all(crate::ledger::datapackage::datapackage_text().as_bytes()),
        )?,
        download(
            out,
            "data/summary.json",
            format!("the figures as of {} (the document of status --format json)", date::format(as_of)),
            |w| w.write_all(crate::render::status::json(s.input.now, None).as_bytes()),
        )?,
    ])
}

/// The exported `tables`, each as CSV, JSON and Parquet, listed table by table in that order.
pub(super) fn table_downloads(tables: &[crate::progress::Table], out: &Staging) -> anyhow::Result<Vec<Download>> {
    // Each table as CSV and JSON side by side, beside its Parquet files made one after the other (polars
    // works on every core itself; the changes' Parquet is made in the changes' own task).
    let text_jobs: Vec<(usize, &str)> = (0..tables.len()).flat_map(|k| [(k, "csv"), (k, "json")]).collect();
    let (text, parquet) = rayon::join(
        || {
            text_jobs
                .par_iter()
                .map(|&(k, format)| {
                    let t = &tables[k];
                    let (path, what) = (
                        format!("data/export/{}.{format}", t.name),
                        format!("the {} table as {}", t.name, format.to_uppercase()),
                    );
                    crate::meter::timed(&format!("site: {}.{format}", t.name), || {
                        download(out, &path, what, |w| match format {
                            "csv" => crate::render::export::write_csv(t, w),
                            _ => crate::render::export::write_table_json(t, w),
                        })
                    })
                })
                .collect::<Vec<_>>()
        },
        || {
            tables
                .iter()
                .map(|t| {
                    let bytes =
                        crate::meter::timed(&format!("site: {}.parquet", t.name), || crate::compute::parquet(t))?;
                    let (path, what) =
                        (format!("data/export/{}.parquet", t.name), format!("the {} table as Parquet", t.name));
                    download(out, &path, what, |w| w.write_all(&bytes))
                })
                .collect::<Vec<_>>()
        },
    );
    let mut listed = Vec::new();
    let mut text = text.into_iter();
    for parquet in parquet {
        for d in [text.next(), text.next()].into_iter().flatten().chain([parquet]) {
            listed.push(d?);
        }
    }
    Ok(listed)
}

/// The `changes` table as CSV, JSON and Parquet, each written from the changes as the others are, listed
/// in that order. The Parquet, the longest, is begun first: the other core takes the text files when it is
/// free (the 10^6 site target, BENCHMARKS.md).
pub(super) fn changes_downloads(changes: &[Change], out: &Staging) -> anyhow::Result<Vec<Download>> {
    let what = |format: &str| format!("the changes table as {format}");
    let (parquet, (csv, json)) = rayon::join(
        || {
            let bytes = crate::meter::timed("site: changes.parquet", || crate::compute::changes_parquet(changes))?;
            download(out, "data/export/changes.parquet", what("Parquet"), |w| w.write_all(&bytes))
        },
        || {
            rayon::join(
                || {
                    crate::meter::timed("site: changes.csv", || {
                        download(out, "data/export/changes.csv", what("CSV"), |w| {
                            crate::render::export::write_changes_csv(changes, w)
                        })
                    })
                },
                || {
                    crate::meter::timed("site: changes.json", || {
                        download(out, "data/export/changes.json", what("JSON"), |w| {
                            crate::render::export::write_changes_json(changes, w)
                        })
                    })
                },
            )
        },
    );
    Ok(vec![csv?, json?, parquet?])
}

/// The page that lists the downloads (`listed`, in order) with a guide to the exported `tables` (by name,
/// with their count of rows) and to the ledgers' columns.
pub(super) fn data_page(
    s: &Site,
    listed: Vec<Download>,
    tables: &[(&'static str, usize)],
    out: &Staging,
) -> anyhow::Result<()> {
    let l = s.input.ledger;
    let guide = export_guide();
    let mut guides = Vec::new();
    for &(name, count) in tables {
        let (rows, columns) = guide.get(name).cloned().unwrap_or_default();
        guides.push(context! {
            name => name,
            rows => Value::from_safe_string(rows),
            columns => Value::from_safe_string(columns),
            count => count,
        });
    }
    let ledger_guide: Vec<Value> = crate::ledger::schema::LedgerFile::TABLES
        .iter()
        .filter_map(|f| f.spec())
        .map(|spec| context! {
            file => spec.file.file_name(),
            columns => spec.columns.iter().map(|c| context! { name => c.name, description => c.description }).collect::<Vec<_>>(),
        })
        .collect();
    let ctx = context! {
        downloads => listed,
        guides => guides,
        ledger_guide => ledger_guide,
        ..s.page("data.html", "", "Data".into(), format!("Download the {} tracker's ledgers and tables (CSV, JSON, Parquet) with their SHA-256.", l.facility.short_name), "funnel.png", false)
    };
    out.put("data.html", &s.render("data.html", ctx)?)
}

/// Writes the download `path` through `fill`, and lists it with `what` it is, its size and its SHA-256.
fn download(
    out: &Staging,
    path: &str,
    what: String,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<Download> {
    let mut hashed = (sha2::Sha256::new(), 0usize);
    out.write_with(path, |w| {
        // Buffered before the hash: serde_json writes a token at a time.
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, Hashing { inner: w, hashed: &mut hashed });
        fill(&mut buffered)?;
        buffered.flush()
    })?;
    Ok(Download {
        path: path.to_string(),
        what,
        size: size_text(hashed.1),
        sha256: format!("{:x}", hashed.0.finalize()),
    })
}

/// A writer that passes bytes on and takes their SHA-256 and count on the way.
struct Hashing<'w> {
    inner: &'w mut dyn Write,
    hashed: &'w mut (sha2::Sha256, usize),
}

impl Write for Hashing<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hashed.0.update(&buf[..n]);
        self.hashed.1 += n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The method: the definitions of docs/OUTPUT.md.
pub(super) fn method_page(s: &Site) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let l = s.input.ledger;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    // The figures, then the outlook's (its scenarios, pace, delay and what "remaining" means).
    let definitions = ["## Definitions", "## The outlook: `status --outlook`"]
        .iter()
        .filter_map(|h| markdown::section(OUTPUT_MD, h).map(markdown::to_html))
        .collect::<String>();
    let ctx = context! {
        definitions => Value::from_safe_string(definitions),
        ..s.page("method.html", "", "Method".into(), format!("How the {} tracker computes each figure: the definitions.", l.facility.short_name), "funnel.png", false)
    };
    files.push(("method.html".into(), s.render("method.html", ctx)?));

    Ok(files)
}

/// The control totals and how the ledgers compare.
pub(super) fn control_table(control: &[ControlFigure]) -> Table {
    let rows = control
        .iter()
        .map(|c| {
            vec![
                Cell::text(&c.date),
                Cell::text(&c.partner),
                Cell::text(&c.measure),
                Cell::text(&c.expected_eur),
                Cell::text(&c.computed_eur),
                Cell::text(&c.difference_eur),
                Cell::text(if c.known_gap {
                    "known gap"
                } else if c.ok {
                    "yes"
                } else {
                    "no"
                }),
                Cell::source(&c.source),
            ]
        })
        .collect();
    Table::new(
        "control",
        "Published totals against the ledgers (EUR)",
        vec![
            col("date", "", false),
            col("partner", "", false),
            col("measure", "", false),
            col("published", "", true),
            col("ledgers", "", true),
            col("difference", "", true),
            col("agrees", "", false),
            col("source", "", false),
        ],
        rows,
    )
}

/// What docs/OUTPUT.md says of each exported table: its rows and columns, as HTML.
pub(super) fn export_guide() -> BTreeMap<&'static str, (String, String)> {
    let mut out = BTreeMap::new();
    let Some(section) = markdown::section(OUTPUT_MD, "## `export`") else { return out };
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        if let [name, rows, columns, ..] = cells[..] {
            let name = name.trim_matches('`');
            let key: &'static str = match name {
                "partners" => "partners",
                "requests" => "requests",
                "known_gaps" => "known_gaps",
                "areas" => "areas",
                "steps" => "steps",
                "timeline" => "timeline",
                "deadlines" => "deadlines",
                "changes" => "changes",
                _ => continue,
            };
            out.insert(key, (markdown::inline_html(rows), markdown::inline_html(columns)));
        }
    }
    out
}
