//! The canonical form of each ledger: UTF-8 without BOM, LF, comma, the schema's column order, amounts
//! with a decimal point and two decimals, ISO dates, rows in a stable order (by date, then as recorded;
//! tables without a date by their key). `growthplan fmt` writes it; `fmt --check` compares with it.

use crate::date;
use crate::ledger::model::{Itemised, Ledger, Loc};
use crate::ledger::schema::{LedgerFile, ALL_PARTNERS};
use crate::money::format_plain;

fn opt_date(d: Option<date::Date>) -> String {
    d.map(date::format).unwrap_or_default()
}

fn opt_count(n: Option<u32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

fn opt_money(a: Option<i64>) -> String {
    a.map(format_plain).unwrap_or_default()
}

/// A row in canonical form: its sort key (date or key), its place, and its cells in the schema's order.
pub type CanonicalRow = (String, Loc, Vec<String>);

/// The canonical text of one ledger table: its rows in the ledger, and the rows corrections voided (the
/// file keeps them: a correction never deletes history).
pub fn canonical(l: &Ledger, file: LedgerFile) -> String {
    let spec = file.spec().expect("a table");
    let mut rows = canonical_rows(l, file);
    rows.extend(l.voided.iter().filter(|v| v.file == file).map(|v| (v.sort_key.clone(), v.at, v.cells.clone())));
    // Stable: rows of one day keep the order they were recorded in (it breaks ties between same-day events).
    rows.sort_by(|a, b| (&a.0, a.1.line).cmp(&(&b.0, b.1.line)));
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let header: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
    let _ = w.write_record(&header);
    for (_, _, cells) in &rows {
        let _ = w.write_record(cells);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The rows of one ledger table in the ledger (not those voided), in canonical form, in ledger order.
pub fn canonical_rows(l: &Ledger, file: LedgerFile) -> Vec<CanonicalRow> {
    match file {
        LedgerFile::Facility => Vec::new(),
        LedgerFile::Partners => l
            .partners
            .iter()
            .map(|r| {
                (
                    r.code.to_string(),
                    r.at,
                    vec![
                        r.code.to_string(),
                        r.name.to_string(),
                        r.local_name.to_string(),
                        opt_date(r.agenda_approved),
                        opt_date(r.facility_agreement_in_force),
                        opt_date(r.loan_agreement_in_force),
                        l.text(r.source).to_string(),
                        l.text(r.note).to_string(),
                    ],
                )
            })
            .collect(),
        LedgerFile::Allocations => l
            .allocations
            .iter()
            .map(|r| {
                (
                    date::format(r.date),
                    r.at,
                    vec![
                        date::format(r.date),
                        l.partner_code(r.partner).to_string(),
                        r.instrument.as_str().into(),
                        format_plain(r.amount),
                        r.kind.as_str().into(),
                        l.text(r.source).to_string(),
                        l.text(r.note).to_string(),
                    ],
                )
            })
            .collect(),
        LedgerFile::Commitments => l
            .commitments
            .iter()
            .map(|r| {
                (
                    date::format(r.date),
                    r.at,
                    vec![
                        r.id.to_string(),
                        date::format(r.date),
                        l.partner_code(r.partner).to_string(),
                        r.instrument.as_str().into(),
                        r.channel.map(|c| c.as_str().to_string()).unwrap_or_default(),
                        format_plain(r.amount),
                        r.kind.as_str().into(),
                        l.text(r.source).to_string(),
                        l.text(r.note).to_string(),
                    ],
                )
            })
            .collect(),
        LedgerFile::Steps => l
            .steps
            .iter()
            .map(|r| {
                (
                    r.id.to_string(),
                    r.at,
                    vec![
                        r.id.to_string(),
                        l.partner_code(r.partner).to_string(),
                        r.area.to_string(),
                        r.reform.to_string(),
                        r.description.to_string(),
                        r.kind.as_str().into(),
                        date::format(r.due),
                        format_plain(r.amount),
                        l.text(r.source).to_string(),
                        l.text(r.note).to_string(),
                    ],
                )
            })
            .collect(),
        LedgerFile::StepEvents => l
            .step_events
            .iter()
            .map(|r| {
                (
                    date::format(r.date),
                    r.at,
                    vec![
                        date::format(r.date),
                        l.step_id(r.step).to_string(),
                        r.status.as_str().into(),
                        opt_money(r.amount),
                        l.text(r.source).to_string(),
                        l.text(r.note).to_string(),
                    ],
                )
            })
            .collect(),
        LedgerFile::Payments => l
            .payments
            .iter()
            .map(|r| {
                (
                    date::format(r.date),
                    r.at,
                    vec![
                        r.id.to_string(),
                        date::format(r.date),
                        l.partner_code(r.partner).to_string(),
                        r.kind.as_str().into(),
                        r.channel.as_str().into(),
                        r.instrument.as_str().into(),
                        format_plain(r.amount),
                        l.payment_step_ids(r).collect::<Vec<_>>().join(" "),
                        l.text(r.request).to_string(),
                        l.text(r.source).to_string(),
                        l.text(r.note).to_string(),
                    ],
                )
            })
            .collect(),
        LedgerFile::Conditions => l
            .conditions
            .iter()
            .map(|r| {
                (
                    date::format(r.date),
                    r.at,
                    vec![
                        date::format(r.date),
                        l.partner_code(r.partner).to_string(),
                        r.layer.as_str().into(),
                        r.status.as_str().into(),
                        l.text(r.source).to_string(),
                        l.text(r.note).to_string(),
                    ],
                )
            })
            .collect(),
        LedgerFile::ControlTotals => l
            .control_totals
            .iter()
            .map(|r| {
                (
                    date::format(r.date),
                    r.at,
                    vec![
                        date::format(r.date),
                        r.partner.map_or(ALL_PARTNERS, |p| l.partner_code(p)).to_string(),
                        r.measure.as_str().into(),
                        format_plain(r.amount),
                        format_plain(r.tolerance),
                        match r.itemised {
                            Itemised::Full => String::new(),
                            Itemised::Partial => r.itemised.as_str().into(),
                        },
                        l.text(r.source).to_string(),
                        l.text(r.note).to_string(),
                    ],
                )
            })
            .collect(),
        LedgerFile::Requests => l
            .requests
            .iter()
            .map(|r| {
                (
                    date::format(r.date),
                    r.at,
                    vec![
                        l.text(r.id).to_string(),
                        date::format(r.date),
                        l.partner_code(r.partner).to_string(),
                        date::format(r.period_end),
                        opt_count(r.steps_claimed),
                        opt_money(r.amount_requested),
                        r.steps.iter().map(|&s| l.step_id(s)).collect::<Vec<_>>().join(" "),
                        l.text(r.source).to_string(),
                        l.text(r.note).to_string(),
                    ],
                )
            })
            .collect(),
        LedgerFile::Corrections => l
            .corrections
            .iter()
            .map(|r| {
                (
                    date::format(r.date),
                    r.at,
                    vec![
                        date::format(r.date),
                        r.ledger.file_name().trim_end_matches(".csv").to_string(),
                        r.matches.iter().map(|(c, v)| format!("{c}={v}")).collect::<Vec<_>>().join(" "),
                        l.text(r.reason).to_string(),
                        l.text(r.source).to_string(),
                        l.text(r.note).to_string(),
                    ],
                )
            })
            .collect(),
        LedgerFile::Assessments => l
            .assessments
            .iter()
            .map(|r| {
                (
                    date::format(r.date),
                    r.at,
                    vec![
                        date::format(r.date),
                        l.text(r.request).to_string(),
                        opt_count(r.steps_met),
                        opt_count(r.steps_partly),
                        opt_count(r.steps_not_met),
                        opt_money(r.amount_approved),
                        l.text(r.source).to_string(),
                        l.text(r.note).to_string(),
                    ],
                )
            })
            .collect(),
    }
}
