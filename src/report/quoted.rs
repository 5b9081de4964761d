//! What the report quotes from the ledgers' rows as they stand: each partner's latest releases, the
//! month's corrections, and every source address cited. The rest of the report is built from `Progress`.

use crate::date::{self, Date};
use crate::ledger::model::Ledger;

/// A release's kind in words: `pre-financing` or `regular`.
pub fn kind_word(k: crate::ledger::model::PaymentKind) -> &'static str {
    match k {
        crate::ledger::model::PaymentKind::PreFinancing => "pre-financing",
        crate::ledger::model::PaymentKind::Regular => "regular",
    }
}

/// A part of a release as its row says: channel, instrument and amount (`budget loan EUR 26,300,000.00`).
pub fn part_text(p: &crate::ledger::model::Payment) -> String {
    let mut out = String::with_capacity(40);
    push_part_text(&mut out, &crate::replay::Part::of(p));
    out
}

/// [`part_text`], added to `out`.
pub fn push_part_text(out: &mut String, p: &crate::replay::Part) {
    out.push_str(match p.channel {
        crate::ledger::model::Channel::Wbif => "WBIF",
        crate::ledger::model::Channel::Budget => "budget",
    });
    out.push(' ');
    out.push_str(p.instrument.as_str());
    out.push_str(" EUR ");
    crate::money::push_grouped(out, p.amount as i128);
}

/// The releases up to `as_of` the report lists, as their rows say, by partner, date and id: the latest
/// [`super::LISTED_PAYMENTS`] of each partner, and how many earlier ones are left out.
pub fn payment_lines(l: &Ledger, replay: &crate::replay::Replay, as_of: Date) -> super::PaymentLines {
    use crate::money::format_grouped;
    // Which releases to list, chosen before any is formatted: the latest of each partner (a partner has a
    // few; synthetic ledgers have hundreds of thousands). The replay has them in date order.
    let mut by_partner: std::collections::BTreeMap<&str, Vec<&crate::replay::Release>> = Default::default();
    for r in replay.releases.iter().filter(|r| r.date <= as_of) {
        by_partner.entry(r.partner_code(l)).or_default().push(r);
    }
    let mut earlier: std::collections::BTreeMap<String, usize> = Default::default();
    let mut kept = Vec::new();
    for (partner, releases) in &by_partner {
        let skip = releases.len().saturating_sub(super::LISTED_PAYMENTS);
        if skip > 0 {
            earlier.insert(partner.to_string(), skip);
        }
        kept.extend(releases[skip..].iter().map(|r| r.components(l)));
    }
    let lines = kept
        .into_iter()
        .map(|c| {
            let first = c[0];
            super::PaymentLine {
                partner: l.partner_code(first.partner).to_string(),
                date: date::format(first.date),
                id: first.id.to_string(),
                kind: kind_word(first.kind),
                parts: c.iter().map(|p| part_text(p)).collect(),
                total: format!("EUR {}", format_grouped(c.iter().map(|p| p.amount as i128).sum())),
                request: l.text(first.request).to_string(),
                source: l.text(first.source).to_string(),
            }
        })
        .collect();
    super::PaymentLines { lines, earlier }
}

/// The corrections dated after `from` up to `to`, each with the rows it voided as the file holds them.
pub fn correction_lines(l: &Ledger, from: Date, to: Date) -> Vec<super::CorrectionLine> {
    l.corrections
        .iter()
        .enumerate()
        .filter(|(_, c)| c.date > from && c.date <= to)
        .map(|(k, c)| super::CorrectionLine {
            date: date::format(c.date),
            file: c.ledger.file_name().to_string(),
            voided: l
                .voided
                .iter()
                .filter(|v| v.correction == k)
                .map(|v| format!("line {}: {}", v.at.line, v.cells.join(",")))
                .collect(),
            reason: l.text(c.reason).to_string(),
            source: l.text(c.source).to_string(),
        })
        .collect()
}

/// Every source address cited by a row dated up to `as_of` (partners and undated steps always), with the
/// ledgers that cite it.
pub fn source_lines(l: &Ledger, as_of: Date) -> Vec<super::SourceLine> {
    use crate::ledger::model::TextId;
    use std::collections::BTreeMap;
    // Counted by text number first (a million payment rows cite a handful of sources), then by address.
    let mut counts: rustc_hash::FxHashMap<(TextId, &'static str), usize> = Default::default();
    let mut cite = |source: TextId, file: &'static str, n: usize| *counts.entry((source, file)).or_default() += n;
    for r in &l.partners {
        cite(r.source, "partners.csv", 1);
    }
    for r in l.allocations.iter().filter(|r| r.date <= as_of) {
        cite(r.source, "allocations.csv", 1);
    }
    for r in l.commitments.iter().filter(|r| r.date <= as_of) {
        cite(r.source, "commitments.csv", 1);
    }
    // The payments, by far the most rows: counted in a vector by text number (the report's 10^6-row
    // target in BENCHMARKS.md).
    let mut by_text = vec![0usize; l.texts.len()];
    for r in l.payments.iter().filter(|r| r.date <= as_of) {
        by_text[r.source.0 as usize] += 1;
    }
    for (k, n) in by_text.into_iter().enumerate().filter(|(_, n)| *n > 0) {
        cite(TextId(k as u32), "payments.csv", n);
    }
    for r in l.conditions.iter().filter(|r| r.date <= as_of) {
        cite(r.source, "conditions.csv", 1);
    }
    for r in l.control_totals.iter().filter(|r| r.date <= as_of) {
        cite(r.source, "control_totals.csv", 1);
    }
    for r in l.requests.iter().filter(|r| r.date <= as_of) {
        cite(r.source, "requests.csv", 1);
    }
    for r in l.assessments.iter().filter(|r| r.date <= as_of) {
        cite(r.source, "assessments.csv", 1);
    }
    for r in l.corrections.iter().filter(|r| r.date <= as_of) {
        cite(r.source, "corrections.csv", 1);
    }
    let mut cited: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for ((source, file), n) in counts {
        let address = l.text(source);
        if !address.is_empty() {
            *cited.entry(address).or_default().entry(file).or_default() += n;
        }
    }
    cited
        .into_iter()
        .map(|(address, files)| super::SourceLine {
            address: address.to_string(),
            cited_by: files
                .into_iter()
                .map(|(f, n)| format!("{f} ({n} row{})", if n == 1 { "" } else { "s" }))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect()
}
