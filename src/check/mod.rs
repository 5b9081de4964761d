//! `check`: the facility's rules as a registry of small pure functions over the typed ledger, each with a
//! stable code. The loader's findings and these rules' findings together are what `growthplan check`
//! reports. No IO here.

pub mod figures;
mod rules;

use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;

use serde::Serialize;

use crate::date::{self, Date};
use crate::diag::{self, Code, Diagnostic};
use crate::ledger::model::{Ledger, Loc};
use crate::money;

/// What a rule sees: the ledger, the date, and figures and lookups several rules share, each computed
/// once, on first use, so that every rule stays linear (or n log n) in the rows.
pub struct Ctx<'a> {
    pub ledger: &'a Ledger,
    pub as_of: Date,
    releases: OnceLock<Vec<figures::Release>>,
    /// Memory for the settlements, faulted in while the releases were put in order
    /// ([`figures::settlement_room`]).
    settlement_room: Mutex<Vec<figures::Settlement>>,
    settlements: OnceLock<Vec<figures::Settlement>>,
    index: OnceLock<figures::Index<'a>>,
    envelopes: OnceLock<rules::Envelopes<'a>>,
}

impl<'a> Ctx<'a> {
    pub fn new(ledger: &'a Ledger, as_of: Date) -> Self {
        Ctx {
            ledger,
            as_of,
            releases: Default::default(),
            settlement_room: Default::default(),
            settlements: Default::default(),
            index: Default::default(),
            envelopes: Default::default(),
        }
    }

    /// The releases, in the order they happened.
    pub fn releases(&self) -> &[figures::Release] {
        self.releases.get_or_init(|| {
            let (releases, room) = crate::meter::timed("shared figures: releases", || {
                figures::releases(self.ledger, figures::settlement_room)
            });
            *self.settlement_room.lock().unwrap_or_else(|e| e.into_inner()) = room;
            releases
        })
    }

    /// The regular releases replayed step by step.
    pub fn settlements(&self) -> &[figures::Settlement] {
        self.settlements.get_or_init(|| {
            let (r, i) = (self.releases(), self.index());
            let room = std::mem::take(&mut *self.settlement_room.lock().unwrap_or_else(|e| e.into_inner()));
            crate::meter::timed("shared figures: settlements", || figures::settlements(self.ledger, r, i, room))
        })
    }

    /// Steps, their events and partners by id.
    pub fn index(&self) -> &figures::Index<'a> {
        self.index.get_or_init(|| crate::meter::timed("shared figures: index", || figures::Index::new(self.ledger)))
    }

    /// The index, the releases and their settlements, for the progress pipeline (computed now if no rule
    /// needed them).
    pub fn into_figures(self) -> (figures::Index<'a>, Vec<figures::Release>, Vec<figures::Settlement>) {
        // The settlements make the releases and the index first, as the rules would.
        self.settlements();
        let made = "`settlements` makes the index, the releases and the settlements";
        (
            self.index.into_inner().expect(made),
            self.releases.into_inner().expect(made),
            self.settlements.into_inner().expect(made),
        )
    }

    /// Each partner's envelope over time.
    fn envelopes(&self) -> &rules::Envelopes<'a> {
        self.envelopes.get_or_init(|| rules::Envelopes::new(self.ledger))
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
    /// The shared figures it reads. Only a matter of scheduling, but the marks must be true: the rules
    /// reading the index and releases run while the settlements are built, and one of them asking for
    /// the settlements could then wait on its own thread (a test keeps the marks true).
    pub reads: Reads,
}

/// What a rule reads besides the ledger, each mark including those before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reads {
    /// Nothing shared.
    Ledger,
    /// The shared index and releases.
    Figures,
    /// The settlements too.
    Settlements,
}

/// Every rule `check` runs, in code order.
pub fn rules() -> &'static [Rule] {
    rules::RULES
}

/// Runs every rule on a loaded ledger. The rules are independent, so they run on all cores; the
/// findings are sorted afterwards, so the output does not depend on which finished first.
pub fn run(ledger: &Ledger, as_of: Date) -> Vec<Diagnostic> {
    run_in(&Ctx::new(ledger, as_of))
}

/// [`run`] in a context the caller keeps, to reuse the figures the rules computed.
pub fn run_in(ctx: &Ctx) -> Vec<Diagnostic> {
    crate::meter::phase("checking the rules", rules().len() as u64);
    let run = |rules: &[&Rule]| -> Vec<Vec<Diagnostic>> {
        rules
            .par_iter()
            .map(|r| {
                let d = crate::meter::timed(r.code.id(), || (r.run)(ctx));
                crate::meter::advance(1);
                d
            })
            .collect()
    };
    let reading = |reads: Reads| rules().iter().filter(|r| r.reads == reads).collect::<Vec<_>>();
    // The shared figures are built one after another (the releases need the index, the settlements
    // both), each on every core; the rules run beside them as soon as what they read is there.
    let (mut found, independent) = rayon::join(
        || {
            ctx.releases();
            let ((), found) = rayon::join(
                || {
                    ctx.settlements();
                },
                || run(&reading(Reads::Figures)),
            );
            found
        },
        || run(&reading(Reads::Ledger)),
    );
    found.extend(independent);
    found.extend(run(&reading(Reads::Settlements)));
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
    pub ok: bool,
}

/// Every control total with the ledgers' figure beside it.
pub fn control_figures(ledger: &Ledger) -> Vec<ControlFigure> {
    ledger
        .control_totals
        .iter()
        .map(|c| {
            let value = figures::measure_value(ledger, c.partner.as_deref(), c.measure, c.date);
            let diff = value - c.amount as i128;
            let place = ledger.sources.place(c.at, None);
            ControlFigure {
                file: place.path,
                line: place.line,
                date: date::format(c.date),
                partner: c.partner.as_deref().unwrap_or(crate::ledger::schema::ALL_PARTNERS).to_string(),
                measure: c.measure.as_str().into(),
                expected_eur: money::format_plain(c.amount),
                computed_eur: money::format_grouped(value).replace(',', ""),
                difference_eur: money::format_grouped(diff).replace(',', ""),
                tolerance_eur: money::format_plain(c.tolerance),
                ok: diff.abs() <= c.tolerance as i128,
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

    /// A rule reads no shared figure beyond its mark (`Reads`): on the shipped data and on every golden
    /// case (each made to break one rule), at its date and at the facility's end.
    #[test]
    fn rules_read_no_shared_figure_beyond_their_mark() {
        use crate::ledger::load::{load_bytes, read_folder};
        use std::path::Path;
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut folders = vec![read_folder(&root.join("data")), read_folder(&root.join("tests/cases/base"))];
        let codes = std::fs::read_dir(root.join("tests/cases/codes")).expect("the golden cases");
        for case in codes.flatten() {
            let mut files = read_folder(&root.join("tests/cases/base"));
            for (file, (path, read)) in read_folder(&case.path()) {
                if read.is_ok() {
                    files.insert(file, (path, read));
                }
            }
            folders.push(files);
        }
        for files in folders {
            let Some(l) = load_bytes(files, Default::default()).ledger else { continue };
            for as_of in [Date::from_ymd_opt(2026, 6, 30).unwrap(), l.facility.end] {
                for rule in rules() {
                    let ctx = Ctx::new(&l, as_of);
                    (rule.run)(&ctx);
                    let read = if ctx.settlements.get().is_some() {
                        Reads::Settlements
                    } else if ctx.index.get().is_some() || ctx.releases.get().is_some() {
                        Reads::Figures
                    } else {
                        Reads::Ledger
                    };
                    assert!(read <= rule.reads, "{} reads {read:?} but is marked {:?}", rule.code.id(), rule.reads);
                }
            }
        }
    }
}
