//! Numbering while typing: the partner codes, step ids, sources and notes each part of a big table met, in
//! order of first appearance, made the ledger's numbers once every part is typed.

use super::*;

/// What typing a span of a table keeps from row to row: the partner codes and step ids it numbered, in
/// order of first appearance in the span (made the ledger's numbers by [`Numbered::number`]).
#[derive(Default)]
pub(super) struct Lookups {
    pub(super) partners: Interner,
    pub(super) steps: Interner,
    /// Sources and notes.
    pub(super) texts: Interner,
}

/// Texts numbered in order of first appearance.
#[derive(Default)]
pub(super) struct Interner {
    pub(super) texts: Vec<Text>,
    pub(super) numbers: FxHashMap<Text, u32>,
    /// The number given last: neighbouring rows mostly name the same partner and steps.
    pub(super) last: u32,
}

impl Interner {
    /// The number of `text`, given it if it has none: the text is copied only then.
    pub(super) fn number(&mut self, text: &str) -> u32 {
        if self.texts.get(self.last as usize).is_some_and(|t| t == text) {
            return self.last;
        }
        self.last = match self.numbers.get(text) {
            Some(&n) => n,
            None => {
                let n = self.texts.len() as u32;
                self.texts.push(Text::from(text));
                self.numbers.insert(Text::from(text), n);
                n
            }
        };
        self.last
    }

    /// The number of a text already numbered.
    fn get(&self, text: &str) -> Option<u32> {
        self.numbers.get(text).copied()
    }

    /// The ledger's numbers for the texts a part numbered (`own`, in the part's order), adding those it
    /// has not seen yet in that order. `known` holds what [`Interner::get`] found for each beforehand.
    fn renumbering(&mut self, own: Vec<Text>, known: Vec<Option<u32>>) -> Vec<u32> {
        own.into_iter().zip(known).map(|(text, known)| known.unwrap_or_else(|| self.number(&text))).collect()
    }
}

/// A row whose partner codes and step ids are numbered as it was typed, in its span: renumbered for the
/// whole ledger by the maps from the span's numbers to the ledger's.
pub(super) trait Renumber {
    fn renumber(&mut self, maps: &Maps);
}

/// From a span's numbers to the ledger's: partner codes, step ids, sources and notes.
pub(super) struct Maps {
    partners: Vec<u32>,
    steps: Vec<u32>,
    texts: Vec<u32>,
}

impl Maps {
    fn partner(&self, p: PartnerId) -> PartnerId {
        PartnerId(self.partners[p.0 as usize])
    }

    fn step(&self, s: StepId) -> StepId {
        StepId(self.steps[s.0 as usize])
    }

    fn text(&self, t: TextId) -> TextId {
        TextId(self.texts[t.0 as usize])
    }
}

macro_rules! renumber {
    ($($t:ty),*) => {$(
        impl Renumber for $t {
            fn renumber(&mut self, maps: &Maps) {
                self.partner = maps.partner(self.partner);
                self.source = maps.text(self.source);
                self.note = maps.text(self.note);
            }
        }
    )*};
}
renumber!(Allocation, Commitment, Step, Condition);

impl Renumber for Partner {
    fn renumber(&mut self, maps: &Maps) {
        self.source = maps.text(self.source);
        self.note = maps.text(self.note);
    }
}

impl Renumber for ControlTotal {
    fn renumber(&mut self, maps: &Maps) {
        self.partner = self.partner.map(|p| maps.partner(p));
        self.source = maps.text(self.source);
        self.note = maps.text(self.note);
    }
}

impl Renumber for StepEvent {
    fn renumber(&mut self, maps: &Maps) {
        self.step = maps.step(self.step);
        self.source = maps.text(self.source);
        self.note = maps.text(self.note);
    }
}

impl Renumber for Request {
    fn renumber(&mut self, maps: &Maps) {
        self.id = maps.text(self.id);
        self.partner = maps.partner(self.partner);
        for s in &mut self.steps {
            *s = maps.step(*s);
        }
        self.source = maps.text(self.source);
        self.note = maps.text(self.note);
    }
}

impl Renumber for Correction {
    fn renumber(&mut self, maps: &Maps) {
        self.reason = maps.text(self.reason);
        self.source = maps.text(self.source);
        self.note = maps.text(self.note);
    }
}

impl Renumber for Assessment {
    fn renumber(&mut self, maps: &Maps) {
        self.request = maps.text(self.request);
        self.source = maps.text(self.source);
        self.note = maps.text(self.note);
    }
}

impl Renumber for Payment {
    fn renumber(&mut self, maps: &Maps) {
        self.partner = maps.partner(self.partner);
        for s in &mut self.steps {
            *s = maps.step(*s);
        }
        self.request = maps.text(self.request);
        self.source = maps.text(self.source);
        self.note = maps.text(self.note);
    }
}

/// Rows typed in parts, each part with the partner codes and step ids it numbered: not yet numbered for
/// the whole ledger ([`Numbered::number`]).
pub(super) struct Numbered<T> {
    pub(super) parts: Vec<Vec<T>>,
    pub(super) numbered: Vec<Lookups>,
}

impl<T: Renumber + Send> Numbered<T> {
    /// The rows, numbered by the ledger's numberings (texts they have not seen yet are added to them).
    pub(super) fn number(mut self, ledger: &mut Lookups) -> Vec<Vec<T>> {
        use rayon::prelude::*;
        // Most texts a part names the ledger numbers already (the step ids of steps.csv): looked up on
        // every core first, then the others numbered in order as one pass would (the merge on one core
        // showed in the 10^6 check target, BENCHMARKS.md).
        let known = |own: &Interner, ledger: &Interner| own.texts.iter().map(|t| ledger.get(t)).collect::<Vec<_>>();
        let found: Vec<[Vec<Option<u32>>; 3]> = self
            .numbered
            .par_iter()
            .map(|own| {
                [
                    known(&own.partners, &ledger.partners),
                    known(&own.steps, &ledger.steps),
                    known(&own.texts, &ledger.texts),
                ]
            })
            .collect();
        let maps: Vec<Maps> = self
            .numbered
            .into_iter()
            .zip(found)
            .map(|(own, [partners, steps, texts])| Maps {
                partners: ledger.partners.renumbering(own.partners.texts, partners),
                steps: ledger.steps.renumbering(own.steps.texts, steps),
                texts: ledger.texts.renumbering(own.texts.texts, texts),
            })
            .collect();
        self.parts.par_iter_mut().zip(maps).for_each(|(rows, maps)| {
            for r in rows.iter_mut() {
                r.renumber(&maps);
            }
        });
        self.parts
    }
}
