//! The commands that compute figures: `status`, `export` and `charts`.

use super::*;

/// Loads the ledgers for a computation. Findings that make figures wrong (a file that cannot be read, a
/// row left out) stop here: the errors go to stderr and the caller exits with code 1.
pub(super) fn load_for_figures(config: &Config) -> anyhow::Result<Option<ledger::Ledger>> {
    let loaded = ledger::load(&config.data, config.load)?;
    let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.severity() == Severity::Error).cloned().collect();
    match loaded.ledger {
        Some(l) if errors.is_empty() && loaded.unread.is_empty() => Ok(Some(l)),
        _ => {
            eprint!("{}", render::text(&errors, false));
            eprintln!(
                "{}: the ledgers cannot be read without errors; fix them first (growthplan check lists every finding)",
                config.data.display()
            );
            Ok(None)
        }
    }
}

pub(super) fn status_command(
    config: &Config,
    as_of: date::Date,
    partner: Option<&str>,
    format: crate::cli::StatusFormat,
    outlook: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    use crate::cli::StatusFormat;
    use crate::render::{outlook as outlook_render, status};
    let Some(l) = load_for_figures(config)? else { return Ok(Outcome::Findings) };
    // A partner may be given by its code, or by its name or local name in any case (`Serbia`, `Србија`).
    let partner = match partner {
        None => None,
        Some(given) => match l.partner_by_code_or_name(given) {
            Some(p) => Some(p.code.to_string()),
            None => {
                let codes: Vec<&str> = l.partners.iter().map(|p| p.code.as_str()).collect();
                anyhow::bail!("--partner `{given}` is not in partners.csv; the partners are: {}", codes.join(", "));
            }
        },
    };
    let partner = partner.as_deref();
    let replay = crate::replay::Replay::new(&l);
    let p = crate::compute::progress(&l, &replay, as_of)?;
    let text = match format {
        StatusFormat::Table if outlook => status::table(&p, partner) + &outlook_render::table(&p.outlook, partner),
        StatusFormat::Table => status::table(&p, partner),
        StatusFormat::Json if outlook => {
            status::json_with(&p, partner, Some(outlook_render::json(&p.outlook, partner)))
        }
        StatusFormat::Json => status::json(&p, partner),
        StatusFormat::Csv => {
            let tables = crate::render::export::tables(&p);
            let name = if outlook { "projection" } else { "partners" };
            let mut t = tables.into_iter().find(|t| t.name == name).expect("the table exists");
            if let (Some(code), Some(column)) = (partner, t.header.iter().position(|h| h == "partner")) {
                t.rows.retain(|r| r[column] == serde_json::json!(code));
            }
            crate::render::export::csv(&t)
        }
    };
    out.write_all(text.as_bytes()).context("cannot write the status")?;
    leave_to_exit((replay, p));
    leave_to_exit(l);
    Ok(Outcome::Clean)
}

pub(super) fn export_command(
    config: &Config,
    as_of: date::Date,
    since: date::Date,
    dir: &std::path::Path,
    format: crate::cli::ExportFormat,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    use crate::cli::ExportFormat;
    use crate::render::export;
    let Some(l) = load_for_figures(config)? else { return Ok(Outcome::Findings) };
    let replay = crate::replay::Replay::new(&l);
    let p = crate::compute::progress(&l, &replay, as_of)?;
    let mut tables = export::tables(&p);
    let changes = crate::compute::changes(&l, &replay, &p, since)?;
    // Render everything before writing anything.
    let mut files = Vec::new();
    if format == ExportFormat::Xlsx {
        tables.push(export::changes_table(&changes));
        use crate::workbook::write;
        let data = config.data.display().to_string();
        let commit = data_commit(&config.data);
        let about =
            write::About { facility: &l.facility.name, as_of, since, data: &data, data_commit: commit.as_deref() };
        files.push((dir.join(write::FILE_NAME), write::workbook(&tables, &about)?));
    }
    for t in &tables {
        let (ext, bytes): (&str, Vec<u8>) = match format {
            ExportFormat::Csv => ("csv", export::csv(t).into_bytes()),
            ExportFormat::Json => ("json", export::table_json(t).into_bytes()),
            ExportFormat::Parquet => ("parquet", crate::compute::parquet(t)?),
            // One workbook holds every table: made above.
            ExportFormat::Xlsx => continue,
        };
        files.push((dir.join(format!("{}.{ext}", t.name)), bytes));
    }
    // The changes, written straight from them (a million rows at 10^6).
    let changes_file = |ext: &str| dir.join(format!("changes.{ext}"));
    match format {
        ExportFormat::Csv => {
            let mut bytes = Vec::new();
            export::write_changes_csv(&changes, &mut bytes)?;
            files.push((changes_file("csv"), bytes));
        }
        ExportFormat::Json => {
            let mut bytes = Vec::new();
            export::write_changes_json(&changes, &mut bytes)?;
            files.push((changes_file("json"), bytes));
        }
        ExportFormat::Parquet => files.push((changes_file("parquet"), crate::compute::changes_parquet(&changes)?)),
        ExportFormat::Xlsx => {}
    }
    let _lock = crate::write::lock_output_folder(dir)?;
    for (path, bytes) in &files {
        crate::write::write_atomic(path, bytes)?;
        writeln!(out, "wrote {}", path.display())?;
    }
    Ok(Outcome::Clean)
}

pub(super) fn charts_command(
    config: &Config,
    as_of: date::Date,
    dir: &std::path::Path,
    format: crate::cli::ChartFormat,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    use crate::charts::{render_all, Format};
    use crate::cli::ChartFormat;
    let Some(l) = load_for_figures(config)? else { return Ok(Outcome::Findings) };
    let replay = crate::replay::Replay::new(&l);
    let p = crate::compute::progress(&l, &replay, as_of)?;
    let format = match format {
        ChartFormat::Svg => Format::Svg,
        ChartFormat::Png => Format::Png,
        ChartFormat::Both => Format::Both,
    };
    let files = render_all(&p, format)?;
    let _lock = crate::write::lock_output_folder(dir)?;
    for f in &files {
        let path = dir.join(&f.name);
        crate::write::write_atomic(&path, &f.bytes)?;
        writeln!(out, "wrote {}", path.display())?;
    }
    Ok(Outcome::Clean)
}
