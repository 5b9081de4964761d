//! The commands staff keep the ledgers with: `init` (and its practice folder), `fmt` and `record`.

use super::*;

/// The practice folder of `init --example`: the step-level example (`examples/illustrative/`, invented
/// figures) as `data/`, and the files docs/STAFF.md imports as `examples/`. Built into the binary, so a
/// person with only the binary can follow the guide.
pub(super) const PRACTICE: &[(&str, &[u8])] = &[
    ("data/facility.toml", include_bytes!("../../examples/illustrative/facility.toml")),
    ("data/partners.csv", include_bytes!("../../examples/illustrative/partners.csv")),
    ("data/allocations.csv", include_bytes!("../../examples/illustrative/allocations.csv")),
    ("data/commitments.csv", include_bytes!("../../examples/illustrative/commitments.csv")),
    ("data/steps.csv", include_bytes!("../../examples/illustrative/steps.csv")),
    ("data/step_events.csv", include_bytes!("../../examples/illustrative/step_events.csv")),
    ("data/payments.csv", include_bytes!("../../examples/illustrative/payments.csv")),
    ("data/conditions.csv", include_bytes!("../../examples/illustrative/conditions.csv")),
    ("data/control_totals.csv", include_bytes!("../../examples/illustrative/control_totals.csv")),
    ("data/requests.csv", include_bytes!("../../examples/illustrative/requests.csv")),
    ("data/assessments.csv", include_bytes!("../../examples/illustrative/assessments.csv")),
    ("data/corrections.csv", include_bytes!("../../examples/illustrative/corrections.csv")),
    ("data/README.md", include_bytes!("../../examples/illustrative/README.md")),
    ("examples/assessments.csv", include_bytes!("../../docs/examples/assessments.csv")),
    ("examples/assessments.xlsx", include_bytes!("../../docs/examples/assessments.xlsx")),
];

/// `init --example`: a practice folder, written whole, to follow docs/STAFF.md without touching real data.
pub(super) fn practice_command(dir: &std::path::Path, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let files: Vec<(String, Vec<u8>)> = PRACTICE.iter().map(|(p, b)| (p.to_string(), b.to_vec())).collect();
    crate::write::create_folder(dir, &files)?;
    writeln!(
        out,
        "created the practice folder {} (data: invented example ledgers with steps; examples: files to import); go into it with `cd {}` and follow docs/STAFF.md there",
        dir.display(),
        dir.display()
    )?;
    Ok(Outcome::Clean)
}

/// `init`: a new data folder whose ledgers are empty but for their headers, written whole.
pub(super) fn init_command(dir: &std::path::Path, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    use crate::ledger::schema::LedgerFile;
    if let Ok(mut entries) = std::fs::read_dir(dir) {
        anyhow::ensure!(
            entries.next().is_none(),
            "`{}` already exists and is not empty; init never overwrites data",
            dir.display()
        );
    } else if dir.exists() {
        anyhow::bail!("`{}` exists and is not a folder", dir.display());
    }
    let mut files = vec![
        ("facility.toml".to_string(), crate::ledger::facility::TEMPLATE.as_bytes().to_vec()),
        ("README.md".to_string(), STAFF_README.as_bytes().to_vec()),
        ("datapackage.json".to_string(), datapackage::datapackage_text().into_bytes()),
    ];
    for f in LedgerFile::TABLES {
        let spec = f.spec().expect("every table has a spec");
        files.push((f.file_name().to_string(), format!("{}\n", spec.header()).into_bytes()));
    }
    crate::write::create_folder(dir, &files)?;
    writeln!(
        out,
        "created {} ({} files); next: fill in facility.toml and partners.csv, then run `growthplan check --data {}`",
        dir.display(),
        files.len(),
        dir.display()
    )?;
    Ok(Outcome::Clean)
}

pub(super) const STAFF_README: &str = "# Ledgers

This folder holds the ledgers growthplan reads. Edit them in a spreadsheet and save as CSV (UTF-8 is best;
`;` separators and decimal commas are fine). After every change run

    growthplan check --data <this folder>

which lists every problem with its file, line and column, and how to fix it.

| file | what it records |
|---|---|
| facility.toml | the facility's parameters: envelopes, pre-financing cap and clearance, grace periods |
| partners.csv | the beneficiaries, with the dates their Reform Agenda and agreements took effect |
| allocations.csv | envelopes and their changes (append only) |
| commitments.csv | legal commitments within the envelopes (append only) |
| steps.csv | the reform steps (payment conditions), their deadlines and amounts |
| step_events.csv | submissions and assessments of steps (append only) |
| payments.csv | money transferred, one row per component of a release (append only) |
| conditions.csv | assessments of the preconditions and general conditions (append only) |
| control_totals.csv | published figures the ledgers must agree with |

Append-only ledgers are never edited in place: a correction is a new row. The columns are explained in
growthplan's docs/DATA.md; datapackage.json describes them for other data tools.
";

/// `fmt`: every ledger in canonical form. It refuses ledgers with errors or unknown columns: rewriting them
/// would lose what could not be read.
pub(super) fn fmt_command(config: &Config, check_only: bool, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    use crate::ledger::canonical::canonical;
    use crate::ledger::schema::LedgerFile;
    let loaded = ledger::load(&config.data, config.load)?;
    let blocking: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error || d.code == crate::diag::Code::UnknownColumn)
        .cloned()
        .collect();
    let l = match loaded.ledger {
        Some(l) if blocking.is_empty() && loaded.unread.is_empty() => l,
        _ => {
            eprint!("{}", render::text(&blocking, false));
            eprintln!("{}: not formatted: fix these first, so that no value is lost", config.data.display());
            return Ok(Outcome::Findings);
        }
    };
    let _lock = crate::write::lock_folder(&config.data)?;
    let mut changed = Vec::new();
    for f in LedgerFile::TABLES {
        let text = canonical(&l, f);
        let path = config.data.join(f.file_name());
        let current = std::fs::read(&path).with_context(|| format!("cannot read `{}`", path.display()))?;
        if current != text.as_bytes() {
            changed.push((f, path, text));
        }
    }
    if check_only {
        for (_, path, _) in &changed {
            writeln!(out, "not canonical: {}", path.display())?;
        }
        return Ok(if changed.is_empty() { Outcome::Clean } else { Outcome::Findings });
    }
    let data = config.data.display();
    if changed.is_empty() {
        writeln!(out, "all {} ledgers in {data} were already canonical; nothing rewritten", LedgerFile::TABLES.len())?;
        return Ok(Outcome::Clean);
    }
    // Read back as they would be written, the files must hold the very values they held: otherwise
    // nothing is written.
    let mut files = ledger::load::read_folder(&config.data);
    for (f, path, text) in &changed {
        files.insert(*f, (path.display().to_string(), Ok(text.clone().into_bytes().into())));
    }
    let again = ledger::load::load_bytes(files, config.load);
    let same = again
        .ledger
        .as_ref()
        .is_some_and(|l2| LedgerFile::TABLES.into_iter().all(|f| canonical(l2, f) == canonical(&l, f)));
    anyhow::ensure!(
        same && again.unread.is_empty() && again.diagnostics.iter().all(|d| d.severity() != Severity::Error),
        "{data}: not formatted: read back, the canonical files would not hold the same values (please report this)"
    );
    for (_, path, text) in &changed {
        crate::write::write_atomic(path, text.as_bytes())?;
        writeln!(out, "formatted {}", path.display())?;
    }
    writeln!(
        out,
        "rewrote {} of {} ledgers in the canonical form; read back, they hold the same rows and values: no amount changed",
        changed.len(),
        LedgerFile::TABLES.len()
    )?;
    Ok(Outcome::Clean)
}

/// `record`: append rows under the data folder's lock, only if the whole ledger set still passes `check`.
pub(super) fn record_command(
    config: &Config,
    file: crate::ledger::schema::LedgerFile,
    rows: &crate::config::RecordRows,
    as_of: date::Date,
    dry_run: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    use crate::ledger::append;
    use crate::ledger::schema::LedgerFile;
    use std::collections::BTreeMap;
    if !config.data.exists() {
        return Err(ledger::LoadError::missing(&config.data).into());
    }
    anyhow::ensure!(config.data.is_dir(), "`{}` is not a folder", config.data.display());
    let lock = crate::write::lock_folder(&config.data)?;

    let target = config.data.join(file.file_name());
    let bytes = std::fs::read(&target).with_context(|| format!("cannot read `{}`", target.display()))?;
    let dialect = append::dialect(file, &bytes).map_err(|e| anyhow::anyhow!(e))?;
    let new_rows: Vec<BTreeMap<String, String>> = match rows {
        crate::config::RecordRows::Typed(rows) => rows.clone(),
        crate::config::RecordRows::Csv(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
            append::read_rows(file, &bytes, path).map_err(|e| anyhow::anyhow!(e))?
        }
        crate::config::RecordRows::Workbook { path, kind, sheet } => {
            use crate::workbook::read;
            use std::io::Read;
            // Read no more than the reader accepts, so that a huge file costs no memory.
            let mut bytes = Vec::new();
            std::fs::File::open(path)
                .and_then(|f| f.take(read::MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            let shown = path.display().to_string();
            match read::read_rows(file, &bytes, *kind, &shown, sheet.as_deref()) {
                Ok(read) => {
                    for note in &read.notes {
                        eprintln!("{note}");
                    }
                    read.rows
                }
                Err(refused) => {
                    eprintln!("{refused}");
                    eprintln!("nothing imported from {shown}: the ledger is unchanged");
                    return Ok(Outcome::Findings);
                }
            }
        }
    };
    let written = append::format_each(file, &dialect, &new_rows).map_err(|e| anyhow::anyhow!(e))?;
    let lines: String = written.iter().map(|w| w.text.as_str()).collect();
    let candidate = append::appended(&bytes, &dialect, &lines);
    // Where the new rows begin: after the file's lines (and the line ending added to a last line without).
    let first_line = candidate[..candidate.len() - lines.len()].iter().filter(|&&b| b == b'\n').count() + 1;

    // Validate the whole folder as it would be.
    let mut files = ledger::load::read_folder(&config.data);
    files.insert(file, (target.display().to_string(), Ok(candidate.clone().into())));
    let loaded = ledger::load::load_bytes(files, config.load);
    let mut diags = loaded.diagnostics.clone();
    if let (Some(l), true) = (&loaded.ledger, loaded.unread.is_empty()) {
        diags.extend(check::run(l, as_of).1);
    }
    // A new row that an earlier correction voids at once would vanish from every figure unseen.
    if let Some(l) = &loaded.ledger {
        for v in l.voided.iter().filter(|v| v.file == file && v.at.line >= first_line as u64) {
            let c = &l.corrections[v.correction];
            let place = l.sources.place(v.at, None);
            let at = l.sources.place(c.at, None);
            let mut d = diag::Diagnostic::new(
                diag::Code::CorrectionUnmatched,
                place.path,
                format!(
                    "this row would be voided at once by the correction at {}:{} (`{}`)",
                    at.path,
                    at.line,
                    c.matches.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
                ),
            )
            .at_line(place.line, None);
            d.row = Some(place.row);
            d.hint = Some("a voided row's values are not used again: give the row one the correction does not name (a new release id, e.g. `RS-R2-2`)".into());
            diags.push(d);
        }
    }
    diag::sort(&mut diags);
    let errors: Vec<_> = diags.into_iter().filter(|d| d.severity() == Severity::Error).collect();
    if dry_run {
        writeln!(out, "would append {} row(s) to {}:", new_rows.len(), target.display())?;
        print_rows(out, &written, first_line)?;
        if errors.is_empty() {
            writeln!(out, "check: these rows pass; nothing written (--dry-run)")?;
            return Ok(Outcome::Clean);
        }
        write!(out, "{}", render::text(&errors, false))?;
        writeln!(out, "check: {}; nothing written (--dry-run)", error_count(&errors))?;
        return Ok(Outcome::Findings);
    }
    if !errors.is_empty() {
        // A part of a release typed alone: say so, and how to record the release whole, before the findings.
        if let (crate::config::RecordRows::Typed(typed), Some(l), LedgerFile::Payments) = (rows, &loaded.ledger, file) {
            let data = (config.data != std::path::Path::new("data")).then(|| config.data.display().to_string());
            let shown = target.display().to_string();
            for message in append::incomplete_releases(l, typed, first_line as u64, &errors, &shown, data.as_deref()) {
                for line in message.lines() {
                    eprintln!("{}", render::inert(line));
                }
                eprintln!();
            }
        }
        eprint!("{}", render::text(&errors, false));
        eprintln!(
            "nothing recorded: with these rows the ledgers would have {} (the file is unchanged)",
            error_count(&errors)
        );
        return Ok(Outcome::Findings);
    }
    crate::write::write_atomic(&target, &candidate)?;
    drop(lock);
    writeln!(out, "recorded {} row(s) in {}:", new_rows.len(), target.display())?;
    print_rows(out, &written, first_line)?;
    Ok(Outcome::Clean)
}

/// The errors in words, counted as the user sees them: each once, with those that follow from another
/// (shown under it) counted apart, as `check`'s summary does.
fn error_count(errors: &[crate::diag::Diagnostic]) -> String {
    let (shown, folded) = render::shown_and_folded(errors);
    let mut words = format!("{shown} error{}", if shown == 1 { "" } else { "s" });
    if folded > 0 {
        words += &format!(" (and {folded} that follow from {})", if shown == 1 { "it" } else { "them" });
    }
    words
}

/// Each row as written, at its line of the file (the first at `first_line`), with the values written in
/// another form than they were typed, so that nothing changes unseen.
pub(super) fn print_rows(
    out: &mut dyn Write,
    written: &[crate::ledger::append::Written],
    first_line: usize,
) -> anyhow::Result<()> {
    let mut line = first_line;
    for w in written {
        writeln!(out, "  line {line}: {}", render::inert(w.text.trim_end_matches(['\r', '\n'])))?;
        for (column, typed, as_written) in &w.normalised {
            writeln!(out, "    {column}: `{}` became `{}`", render::inert(typed), render::inert(as_written))?;
        }
        line += w.text.matches('\n').count();
    }
    Ok(())
}
