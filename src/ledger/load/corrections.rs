//! Corrections: rows recorded in error, voided by a later row instead of an edit. Applied once while
//! loading: a voided row leaves every table, so every rule and figure reads the ledger as if it had never
//! been recorded; the ledger keeps its canonical text for `fmt` and the report.

use super::*;
use crate::ledger::canonical::{canonical_rows, CanonicalRow};

/// Takes the rows the corrections name out of their tables, into `l.voided`; a correction that names no
/// row, several rows (or parts of several releases), a row already voided, or a row dated after it is a
/// finding, and voids nothing.
pub(super) fn apply(l: &mut Ledger, sources: &Sources) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let files: BTreeSet<LedgerFile> = l.corrections.iter().map(|c| c.ledger).collect();
    let rows_of: BTreeMap<LedgerFile, Vec<CanonicalRow>> =
        files.into_iter().map(|f| (f, canonical_rows(l, f))).collect();
    let mut voided: Vec<Voided> = Vec::new();
    for (k, c) in l.corrections.iter().enumerate() {
        let spec = c.ledger.spec().expect("a table");
        let named = |at: &Loc, cells: &[String]| {
            c.matches.iter().all(|(column, value)| match column.as_str() {
                "line" => at.line.to_string() == value.as_str(),
                _ => spec.column(column).is_some_and(|i| cells[i] == value.as_str()),
            })
        };
        let all_hits: Vec<&CanonicalRow> =
            rows_of[&c.ledger].iter().filter(|(_, at, cells)| named(at, cells)).collect();
        // Rows an earlier correction voided are gone already: a correction names what is left.
        let hits: Vec<&CanonicalRow> =
            all_hits.iter().copied().filter(|(_, at, _)| !voided.iter().any(|v| v.at == *at)).collect();
        let lines = || {
            let numbers: Vec<String> = hits.iter().map(|(_, at, _)| at.line.to_string()).collect();
            format!("line{} {}", if numbers.len() == 1 { "" } else { "s" }, numbers.join(", "))
        };
        let file = c.ledger.file_name();
        let problem = match c.ledger {
            _ if hits.is_empty() && !all_hits.is_empty() => {
                Some(format!("names only rows of {file} that an earlier correction voided"))
            }
            _ if hits.is_empty() => Some(format!("names no row of {file}")),
            // A payment correction voids a whole release: every part of one id.
            LedgerFile::Payments if hits.iter().any(|(_, _, cells)| cells[0] != hits[0].2[0]) => {
                Some(format!("names parts of several releases in {file} ({})", lines()))
            }
            // Part of a release, unless a line names it (one of two identical rows): a release is voided whole.
            LedgerFile::Payments if !c.matches.iter().any(|(k, _)| k == "line") => {
                let id = &hits[0].2[0];
                let parts = rows_of[&c.ledger]
                    .iter()
                    .filter(|(_, at, cells)| &cells[0] == id && !voided.iter().any(|v| v.at == *at))
                    .count();
                (hits.len() < parts).then(|| {
                    format!(
                        "names only part of release `{id}` in {file} ({}): a release is voided whole, by `id={id}`",
                        lines()
                    )
                })
            }
            LedgerFile::Payments => None,
            _ if hits.len() > 1 => Some(format!("names {} rows of {file} ({})", hits.len(), lines())),
            _ => None,
        };
        let date_column = spec.column("date");
        let problem = problem.or_else(|| {
            hits.iter().find_map(|(_, at, cells)| {
                let row_date = date_column.and_then(|i| date::parse_date(&cells[i], false).ok())?;
                (row_date > c.date).then(|| {
                    format!(
                        "is dated {}, before the row it voids ({file} line {}, dated {})",
                        date::format(c.date),
                        at.line,
                        date::format(row_date)
                    )
                })
            })
        });
        if let Some(problem) = problem {
            let place = sources.place(c.at, Some("match"));
            let mut d = Diagnostic::new(Code::CorrectionUnmatched, place.path, format!("the correction {problem}"))
                .at_line(place.line, place.column);
            d.field = Some("match".into());
            d.row = Some(place.row);
            d.hint = Some(
                "name the row by values that only it has, as the file writes them, e.g. `id=RS-R2` for a release; add `line=N` for one of two identical rows"
                    .into(),
            );
            for (_, at, _) in hits.iter().take(10) {
                let p = sources.place(*at, None);
                d.notes.push(format!("{}:{}: {}", p.path, p.line, p.row));
            }
            diags.push(d);
            continue;
        }
        for (sort_key, at, cells) in hits {
            voided.push(Voided {
                file: c.ledger,
                at: *at,
                sort_key: sort_key.clone(),
                cells: cells.clone(),
                correction: k,
            });
        }
    }
    let gone: FxHashSet<Loc> = voided.iter().map(|v| v.at).collect();
    if !gone.is_empty() {
        let kept = |at: &Loc| !gone.contains(at);
        l.allocations.retain(|r| kept(&r.at));
        l.commitments.retain(|r| kept(&r.at));
        l.conditions.retain(|r| kept(&r.at));
        l.control_totals.retain(|r| kept(&r.at));
        l.requests.retain(|r| kept(&r.at));
        l.assessments.retain(|r| kept(&r.at));
        l.step_events = std::mem::take(&mut l.step_events).retain(|r| kept(&r.at));
        l.payments = std::mem::take(&mut l.payments).retain(|r| kept(&r.at));
    }
    l.voided = voided;
    diags
}
