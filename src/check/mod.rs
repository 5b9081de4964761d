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

/// What every rule sees: the ledger, the date, and each partner's envelope over time.
pub struct LedgerCtx<'a> {
    pub ledger: &'a Ledger,
    pub as_of: Date,
    envelopes: rules::Envelopes<'a>,
}

impl<'a> LedgerCtx<'a> {
    pub fn new(ledger: &'a Ledger, as_of: Date) -> Self {
        LedgerCtx { ledger, as_of, envelopes: rules::Envelopes::new(ledger) }
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

/// What a rule over the releases sees: all a [`LedgerCtx`] holds, and the replay of the releases.
pub struct Ctx<'c, 'a> {
    base: &'c LedgerCtx<'a>,
    replay: &'c Replay<'a>,
}

impl<'a> std::ops::Deref for Ctx<'_, 'a> {
    type Target = LedgerCtx<'a>;

    fn deref(&self) -> &LedgerCtx<'a> {
        self.base
    }
}

impl<'c, 'a> Ctx<'c, 'a> {
    /// The releases, in the order they happened.
    pub fn releases(&self) -> &'c [Release] {
        &self.replay.releases
    }

    /// The regular releases replayed step by step.
    pub fn settlements(&self) -> &'c [Settlement] {
        &self.replay.settlements
    }

    /// Requests by id, with their assessments in order.
    pub fn requests(&self) -> &'c Requests {
        &self.replay.requests
    }

    /// Steps, their events and partners by id.
    pub fn index(&self) -> &'c Index<'a> {
        &self.replay.index
    }
}

/// One rule of the registry.
pub struct Rule {
    pub code: Code,
    pub run: Run,
}

/// What a rule reads: the ledger alone, or the replay of its releases too.
pub enum Run {
    Ledger(fn(&LedgerCtx) -> Vec<Diagnostic>),
    Replay(fn(&Ctx) -> Vec<Diagnostic>),
}

/// Every rule `check` runs, in code order.
pub fn rules() -> &'static [Rule] {
    rules::RULES
}

/// Replays the releases of a loaded ledger and runs every rule on it; the replay is returned for the
/// figures. The rules are independent, so they run on all cores, and those over the ledger alone run
/// while the replay is built (the 10^6 check target, BENCHMARKS.md). The findings are sorted afterwards,
/// so the output does not depend on which finished first.
pub fn run(ledger: &Ledger, as_of: Date) -> (Replay<'_>, Vec<Diagnostic>) {
    let base = LedgerCtx::new(ledger, as_of);
    let mut over_ledger = Vec::new();
    let mut over_replay = Vec::new();
    for r in rules() {
        match r.run {
            Run::Ledger(run) => over_ledger.push((r.code, run)),
            Run::Replay(run) => over_replay.push((r.code, run)),
        }
    }
    let timed = |code: Code, run: &dyn Fn() -> Vec<Diagnostic>| {
        let d = crate::meter::timed(code.id(), run);
        crate::meter::advance(1);
        d
    };
    crate::meter::phase("replaying the releases and checking the rules", rules().len() as u64);
    let (replay, mut found) = rayon::join(
        || Replay::new(ledger),
        || -> Vec<Diagnostic> {
            over_ledger.par_iter().flat_map_iter(|&(code, run)| timed(code, &|| run(&base))).collect()
        },
    );
    let ctx = Ctx { base: &base, replay: &replay };
    found.par_extend(over_replay.par_iter().flat_map_iter(|&(code, run)| timed(code, &|| run(&ctx))));
    diag::sort(&mut found);
    (replay, found)
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
