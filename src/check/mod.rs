//! `check`: the facility's rules as a registry of small pure functions over the typed ledger, each with a
//! stable code. The loader's findings and these rules' findings together are what `growthplan check`
//! reports. No IO here.

pub mod measure;
mod rules;

use rayon::prelude::*;

use serde::Serialize;

use crate::date::{self, Date};
use crate::diag::{self, Code, Diagnostic};
use crate::ledger::model::{Ledger, Loc};
use crate::money;
use crate::replay::{Index, Release, Replay, Requests, Settlement};

/// What a rule sees: the ledger, the date, the replay of the releases, and each partner's envelope over
/// time.
pub struct Ctx<'a> {
    pub ledger: &'a Ledger,
    pub as_of: Date,
    replay: &'a Replay<'a>,
    envelopes: rules::Envelopes<'a>,
}

impl<'a> Ctx<'a> {
    pub fn new(ledger: &'a Ledger, replay: &'a Replay<'a>, as_of: Date) -> Self {
        Ctx { ledger, as_of, replay, envelopes: rules::Envelopes::new(ledger) }
    }

    /// The releases, in the order they happened.
    pub fn releases(&self) -> &'a [Release] {
        &self.replay.releases
    }

    /// The regular releases replayed step by step.
    pub fn settlements(&self) -> &'a [Settlement] {
        &self.replay.settlements
    }

    /// Requests by id, with their assessments in order.
    pub fn requests(&self) -> &'a Requests {
        &self.replay.requests
    }

    /// Steps, their events and partners by id.
    pub fn index(&self) -> &'a Index<'a> {
        &self.replay.index
    }

    /// Each partner's envelope over time.
    fn envelopes(&self) -> &rules::Envelopes<'a> {
        &self.envelopes
    }

    /// A diagnostic pointing at a row (and column) of a ledger.
    pub fn at(&self, code: Code, loc: Loc, field: &str, message: impl Into<String>) -> Diagnostic {
        let place = self.ledger.sources.place(loc, Some(field));
        let mut d = Diagnostic::new(code, place.path, message).at_line(place.line, place.column);
        d.field = Some(field.to_string());
        d.row = Some(place.row);
        d
    }

    /// `path:line: row` for a note listing the rows behind a figure.
    pub fn row_note(&self, loc: Loc) -> String {
        let place = self.ledger.sources.place(loc, None);
        format!("{}:{}: {}", place.path, place.line, place.row)
    }
}

/// One rule of the registry.
pub struct Rule {
    pub code: Code,
    pub run: fn(&Ctx) -> Vec<Diagnostic>,
}

/// Every rule `check` runs, in code order.
pub fn rules() -> &'static [Rule] {
    rules::RULES
}

/// Runs every rule on a loaded ledger and the replay of its releases. The rules are independent, so
/// they run on all cores; the findings are sorted afterwards, so the output does not depend on which
/// finished first.
pub fn run(ledger: &Ledger, replay: &Replay, as_of: Date) -> Vec<Diagnostic> {
    let ctx = Ctx::new(ledger, replay, as_of);
    crate::meter::phase("checking the rules", rules().len() as u64);
    let found: Vec<Vec<Diagnostic>> = rules()
        .par_iter()
        .map(|r| {
            let d = crate::meter::timed(r.code.id(), || (r.run)(&ctx));
            crate::meter::advance(1);
            d
        })
        .collect();
    let mut out: Vec<Diagnostic> = found.into_iter().flatten().collect();
    diag::sort(&mut out);
    out
}

/// A control total as the ledgers see it, for reports and JSON output.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ControlFigure {
    pub file: String,
    pub line: u64,
    pub date: String,
    pub partner: String,
    pub measure: String,
    pub expected_eur: String,
    pub computed_eur: String,
    pub difference_eur: String,
    pub tolerance_eur: String,
    /// `full` or `partial` (a published aggregate the ledgers itemise only in part).
    pub itemised: String,
    /// A `partial` total the ledgers fall short of by more than its tolerance: reported, not failed.
    pub known_gap: bool,
    pub ok: bool,
    /// Where the published figure comes from, and how it was read (the row's note).
    pub source: String,
    pub note: String,
}

/// Every control total with the ledgers' figure beside it.
pub fn control_figures(ledger: &Ledger) -> Vec<ControlFigure> {
    ledger
        .control_totals
        .iter()
        .map(|c| {
            let value = measure::measure_value(ledger, c.partner.map(|p| ledger.partner_code(p)), c.measure, c.date);
            let diff = value - c.amount as i128;
            let place = ledger.sources.place(c.at, None);
            ControlFigure {
                file: place.path,
                line: place.line,
                date: date::format(c.date),
                partner: c
                    .partner
                    .map(|p| ledger.partner_code(p))
                    .unwrap_or(crate::ledger::schema::ALL_PARTNERS)
                    .to_string(),
                measure: c.measure.as_str().into(),
                expected_eur: money::format_plain(c.amount),
                computed_eur: money::format_grouped(value).replace(',', ""),
                difference_eur: money::format_grouped(diff).replace(',', ""),
                tolerance_eur: money::format_plain(c.tolerance),
                itemised: c.itemised.as_str().into(),
                known_gap: measure::verdict(c, value) == measure::Verdict::KnownGap,
                source: ledger.text(c.source).to_string(),
                note: ledger.text(c.note).to_string(),
                ok: measure::verdict(c, value) != measure::Verdict::Fails,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_code_has_exactly_one_rule() {
        let check_codes: Vec<Code> = Code::ALL.iter().copied().filter(|c| c.id().starts_with('C')).collect();
        for c in &check_codes {
            assert_eq!(rules().iter().filter(|r| r.code == *c).count(), 1, "{}", c.id());
        }
        assert_eq!(rules().len(), check_codes.len());
    }
}
