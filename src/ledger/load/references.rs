//! References between ledgers, checked once every table is typed: partner codes and step ids exist,
//! ids are unique, and each release's components agree with each other.

use super::*;

/// Diagnostic at a row of a typed ledger.
pub(super) fn at(sources: &Sources, code: Code, loc: Loc, field: &str, message: String) -> Diagnostic {
    let place = sources.place(loc, Some(field));
    let mut d = Diagnostic::new(code, place.path, message).at_line(place.line, place.column);
    d.field = Some(field.to_string());
    d.row = Some(place.row);
    d
}

/// Cross-ledger references the payments make: partner codes and step ids exist (and each release's
/// known steps, which the ledger keeps), releases are coherent (the steps' and events' own references
/// are resolved while the payments are typed: [`step_references`]). References into a file that could not
/// be read are not checked: that file's own diagnostics say why. The checks read different things, so they
/// run side by side (the 10^6 check and status targets, BENCHMARKS.md).
pub(super) fn resolve_references(
    l: &Ledger,
    sources: &Sources,
    read: &BTreeSet<LedgerFile>,
) -> (ReleaseSteps, Vec<Diagnostic>) {
    let steps_read = read.contains(&LedgerFile::Steps);
    let ((release_steps, steps), (partners, releases)) = rayon::join(
        || payment_steps(l, sources, steps_read),
        || {
            rayon::join(
                || partner_references(l, sources, read),
                || {
                    let (mut found, repeated) = rayon::join(
                        || release_coherence(l, sources),
                        || crate::meter::timed("repeated rows", || repeated_rows(l, sources)),
                    );
                    found.extend(repeated);
                    found
                },
            )
        },
    );
    (release_steps, steps.into_iter().chain(partners).chain(releases).collect())
}

/// Partner codes: unique in partners.csv, and every code the other ledgers name is there.
pub(super) fn partner_references(l: &Ledger, sources: &Sources, read: &BTreeSet<LedgerFile>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut seen: FxHashMap<&str, Loc> = FxHashMap::default();
    for p in &l.partners {
        if let Some(first) = seen.insert(&p.code, p.at) {
            diags.push(duplicate(sources, p.at, "code", &p.code, first));
        }
    }
    let codes: Vec<&str> = l.partners.iter().map(|p| p.code.as_str()).collect();
    let partners_read = read.contains(&LedgerFile::Partners);
    let known: FxHashSet<&str> = codes.iter().copied().collect();
    let partner_ok = |code: &str| !partners_read || known.contains(code);
    let mut unknown_partner = |loc: Loc, code: &str| {
        // A code in another case (`rs`) is that partner's code mistyped: say so, not "unknown".
        if let Some(known) = codes.iter().find(|c| c.eq_ignore_ascii_case(code)) {
            let d = at(
                sources,
                Code::UnknownPartner,
                loc,
                "partner",
                format!("partner `{code}` is partner `{known}` written in another case; codes are written as in partners.csv"),
            )
            .depends_on("partners.csv", code)
            .hint(format!("write `{known}`"));
            diags.push(d);
            return;
        }
        let mut d =
            at(sources, Code::UnknownPartner, loc, "partner", format!("partner `{code}` is not in partners.csv"))
                .depends_on("partners.csv", code);
        d = match diag::close_code(code, codes.iter().copied()) {
            Some(s) => d.hint(format!("did you mean `{s}`? The partners are: {}", codes.join(", "))),
            None => d.hint(format!("the partners are: {}; add a new partner to partners.csv first", codes.join(", "))),
        };
        diags.push(d);
    };
    let references = l
        .allocations
        .iter()
        .map(|r| (r.at, l.partner_code(r.partner)))
        .chain(l.commitments.iter().map(|r| (r.at, l.partner_code(r.partner))))
        .chain(l.steps.iter().map(|r| (r.at, l.partner_code(r.partner))))
        .chain(l.payments.iter().map(|r| (r.at, l.partner_code(r.partner))))
        .chain(l.conditions.iter().map(|r| (r.at, l.partner_code(r.partner))))
        .chain(l.control_totals.iter().filter_map(|r| r.partner.map(|p| (r.at, l.partner_code(p)))))
        .chain(l.requests.iter().map(|r| (r.at, l.partner_code(r.partner))));
    // Neighbouring rows mostly name the same partner: a known code is remembered, not looked up again.
    let mut last_known: &str = "";
    for (at, code) in references {
        if code == last_known {
            continue;
        }
        if partner_ok(code) {
            last_known = code;
        } else {
            unknown_partner(at, code);
        }
    }
    diags
}

/// Step ids and commitment ids unique; every step an event names exists; partial amounts within their
/// step's. Reads no payment (their steps: [`payment_steps`]).
pub(super) fn step_references(l: &Ledger, sources: &Sources, steps_read: bool) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    // The first row of each id: a doubled id's later rows are reported against it, and a finding about
    // the step compares with it.
    let mut first_row: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, s) in l.steps.iter().enumerate() {
        if let Some(&first) = first_row.get(s.id.as_str()) {
            diags.push(duplicate(sources, s.at, "id", &s.id, l.steps[first].at));
        } else {
            first_row.insert(&s.id, i);
        }
    }
    let known = known_step_ids(l);
    for e in &l.step_events {
        let id = l.step_id(e.step);
        match l.step_row(e.step) {
            None if !steps_read => {}
            None => diags.push(unknown_step(sources, &known, e.at, "step", id)),
            Some(_) => {
                if let Some(a) = e.amount {
                    let s = &l.steps[first_row[id]];
                    if a > s.amount {
                        diags.push(
                            at(
                                sources,
                                Code::EventAmount,
                                e.at,
                                "amount_eur",
                                format!(
                                    "the partial amount {} exceeds the step's amount {}",
                                    money::format_grouped(a as i128),
                                    money::format_grouped(s.amount as i128)
                                ),
                            )
                            .hint("a partial fulfilment releases part of the step's money, not more"),
                        );
                    }
                }
            }
        }
    }
    let mut commitment_ids: FxHashMap<&str, Loc> = FxHashMap::default();
    for c in &l.commitments {
        if let Some(first) = commitment_ids.insert(&c.id, c.at) {
            diags.push(duplicate(sources, c.at, "id", &c.id, first));
        }
    }
    diags
}

/// The ids of steps.csv, for the hint of an unknown id.
fn known_step_ids(l: &Ledger) -> BTreeSet<&str> {
    l.steps.iter().map(|s| s.id.as_str()).collect()
}

/// Each release's known steps (the union over its components, in order of first mention), looked up on
/// every core; and, where an id was not found, a finding for every payment naming a step that does not
/// exist.
pub(super) fn payment_steps(l: &Ledger, sources: &Sources, steps_read: bool) -> (ReleaseSteps, Vec<Diagnostic>) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let unknown = AtomicBool::new(false);
    let release_steps = ReleaseSteps::new(
        l.release_count(),
        || (),
        |_, i| {
            let mut steps = SmallVec::new();
            for p in l.release(i) {
                for &s in &p.steps {
                    match l.step_row(s) {
                        Some(row) if !steps.contains(&(row as u32)) => steps.push(row as u32),
                        Some(_) => {}
                        None => unknown.store(true, Ordering::Relaxed),
                    }
                }
            }
            steps
        },
    );
    let diags = if steps_read && unknown.into_inner() { unknown_payment_steps(l, sources) } else { Vec::new() };
    (release_steps, diags)
}

/// A finding for each step a payment names that is not in steps.csv, the parts of the payments side by
/// side.
pub(super) fn unknown_payment_steps(l: &Ledger, sources: &Sources) -> Vec<Diagnostic> {
    let known = known_step_ids(l);
    use rayon::prelude::*;
    // Each part with the row before it (the last of the part before), as one pass would have read them.
    let parts: Vec<&[Payment]> = l.payments.parts().map(|(_, rows)| rows).collect();
    let before: Vec<Option<&Payment>> =
        std::iter::once(None).chain(parts.iter().map(|rows| rows.last())).take(parts.len()).collect();
    let per_part: Vec<Vec<Diagnostic>> = parts
        .into_par_iter()
        .zip(before)
        .map(|(rows, before)| {
            let mut diags = Vec::new();
            // Neighbouring rows mostly name the same steps: an unknown step is reported at the first row
            // of a run naming it.
            let mut last_steps: Option<&StepIds> = before.map(|p| &p.steps);
            for p in rows {
                if last_steps == Some(&p.steps) {
                    continue;
                }
                for &s in &p.steps {
                    if l.step_row(s).is_none() {
                        diags.push(unknown_step(sources, &known, p.at, "steps", l.step_id(s)));
                    }
                }
                last_steps = Some(&p.steps);
            }
            diags
        })
        .collect();
    per_part.into_iter().flatten().collect()
}

/// A step id that is not in steps.csv, with the nearest known id as a hint.
pub(super) fn unknown_step(sources: &Sources, known: &BTreeSet<&str>, loc: Loc, field: &str, id: &str) -> Diagnostic {
    let d = at(sources, Code::UnknownStep, loc, field, format!("step `{id}` is not in steps.csv"))
        .depends_on("steps.csv", id);
    match did_you_mean(id, known.iter().copied()) {
        Some(s) => d.hint(format!("did you mean `{s}`?")),
        None => d.hint("add the step to steps.csv first, or correct the id"),
    }
}

/// Per release: each component against the first, and no (channel, instrument) pair twice.
pub(super) fn release_coherence(l: &Ledger, sources: &Sources) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for components in l.release_components() {
        let first = components[0];
        // Each (channel, instrument) pair's first component: a later row of the same pair repeats it.
        let mut pairs: SmallVec<[(Channel, Instrument, &Payment); 4]> = SmallVec::new();
        for p in components.iter().copied() {
            match pairs.iter().find(|(c, i, _)| (*c, *i) == (p.channel, p.instrument)) {
                Some(&(_, _, earlier)) => diags.push(recorded_twice(l, sources, earlier, p)),
                None => pairs.push((p.channel, p.instrument, p)),
            }
            if !std::ptr::eq(first, p) {
                let mut problems = Vec::new();
                if first.date != p.date {
                    problems.push((
                        "date",
                        format!("date {} differs from {}", date::format(p.date), date::format(first.date)),
                    ));
                }
                if first.partner != p.partner {
                    let (code, first_code) = (l.partner_code(p.partner), l.partner_code(first.partner));
                    problems.push(("partner", format!("partner `{code}` differs from `{first_code}`")));
                }
                if first.kind != p.kind {
                    problems
                        .push(("kind", format!("kind `{}` differs from `{}`", p.kind.as_str(), first.kind.as_str())));
                }
                let differ = || {
                    let (a, b): (BTreeSet<_>, BTreeSet<_>) = (first.steps.iter().collect(), p.steps.iter().collect());
                    a != b
                };
                if !first.steps.is_empty() && !p.steps.is_empty() && first.steps != p.steps && differ() {
                    problems.push(("steps", "the steps listed differ".to_string()));
                }
                let first_place = || sources.place(first.at, None);
                for (field, msg) in problems {
                    let first_place = first_place();
                    diags.push(
                    at(sources, Code::ReleaseDisagrees, p.at, field, format!("release `{}`: {msg} (line {})", p.id, first_place.line))
                        .hint("all components of a release share date, partner, kind and steps; give a different release its own id")
                        .note(format!("{}:{}: {}", first_place.path, first_place.line, first_place.row)),
                );
                }
            }
        }
    }
    diags
}

/// R007: a release's component recorded again: where the first is, and whether the second row is the same
/// row again (a double entry) or differs (then the columns that differ: another release given this id).
fn recorded_twice(l: &Ledger, sources: &Sources, first: &Payment, p: &Payment) -> Diagnostic {
    let first_place = sources.place(first.at, None);
    let differ: Vec<&str> = [
        ("date", first.date != p.date),
        ("partner", first.partner != p.partner),
        ("kind", first.kind != p.kind),
        ("amount_eur", first.amount != p.amount),
        ("steps", first.steps != p.steps),
        ("request", l.text(first.request) != l.text(p.request)),
        ("source", l.text(first.source) != l.text(p.source)),
        ("note", l.text(first.note) != l.text(p.note)),
    ]
    .into_iter()
    .filter_map(|(column, differs)| differs.then_some(column))
    .collect();
    let what = format!(
        "release `{}`'s `{}` `{}` component is already recorded at {}:{}",
        p.id,
        p.channel.as_str(),
        p.instrument.as_str(),
        first_place.path,
        first_place.line
    );
    let (message, hint) = if differ.is_empty() {
        (
            format!("{what}: this row repeats it (the two rows are identical)"),
            "recorded twice by mistake: void this row with a correction (`growthplan record correction --ledger payments --match \"line=N\"`, with this row's line); a release is recorded once, one row per channel and instrument",
        )
    } else {
        (
            format!("{what}: this row repeats it with another {}", differ.join(", ")),
            "if this is another release, give it its own id; if it corrects the first row, a correction is a new release with its own id",
        )
    };
    at(sources, Code::ReleaseRecordedTwice, p.at, "id", message)
        .hint(hint)
        .note(format!("{}:{}: {}", first_place.path, first_place.line, first_place.row))
}

/// V014 and V015: a row of a ledger without a key that repeats an earlier row in every column (as typed:
/// `2025-06-21` and `21.06.2025` are one date). Where rows add up (allocations, assessments) the repeat
/// would count its amount twice: an error (V015). Where the latest row or each row alone decides (step
/// events, conditions, control totals) the repeat changes no figure: a warning (V014), since it is
/// still most likely entered twice.
pub(super) fn repeated_rows(l: &Ledger, sources: &Sources) -> Vec<Diagnostic> {
    /// Each row that repeats an earlier one, with the earlier one's place.
    fn repeats<'a, K: std::hash::Hash + Eq>(count: usize, rows: impl Iterator<Item = (&'a Loc, K)>) -> Vec<(Loc, Loc)> {
        // Room made once: a big ledger (step events) would otherwise grow the map by doubling.
        let mut first: FxHashMap<K, Loc> = FxHashMap::default();
        first.reserve(count);
        let mut found = Vec::new();
        for (&at, key) in rows {
            match first.entry(key) {
                std::collections::hash_map::Entry::Occupied(earlier) => found.push((*earlier.get(), at)),
                std::collections::hash_map::Entry::Vacant(place) => {
                    place.insert(at);
                }
            }
        }
        found
    }
    let adding = [
        repeats(
            l.allocations.len(),
            l.allocations
                .iter()
                .map(|r| (&r.at, (r.date, r.partner, r.instrument, r.amount, r.kind, r.source, r.note))),
        ),
        repeats(
            l.assessments.len(),
            l.assessments.iter().map(|r| {
                (
                    &r.at,
                    (
                        r.date,
                        r.request,
                        r.steps_met,
                        r.steps_partly,
                        r.steps_not_met,
                        r.amount_approved,
                        r.source,
                        r.note,
                    ),
                )
            }),
        ),
    ];
    let latest = [
        repeats(
            l.step_events.len(),
            l.step_events.iter().map(|r| (&r.at, (r.date, r.step, r.status, r.amount, r.source, r.note))),
        ),
        repeats(
            l.conditions.len(),
            l.conditions.iter().map(|r| (&r.at, (r.date, r.partner, r.layer, r.status, r.source, r.note))),
        ),
        repeats(
            l.control_totals.len(),
            l.control_totals
                .iter()
                .map(|r| (&r.at, (r.date, r.partner, r.measure, r.amount, r.tolerance, r.itemised, r.source, r.note))),
        ),
    ];
    let report = |code: Code, what: &str, hint: fn(&str) -> String, (earlier, loc): (Loc, Loc)| {
        let first = sources.place(earlier, None);
        // The ledger a correction names: the file's name without `.csv`.
        let ledger = loc.file.file_name().trim_end_matches(".csv");
        at(sources, code, loc, "date", format!("this row repeats line {} in every column{what}", first.line))
            .hint(hint(ledger))
            .note(format!("{}:{}: {}", first.path, first.line, first.row))
    };
    let twice = ": its amount would count twice";
    let twice_hint = |ledger: &str| {
        format!("if it was entered twice, void it with a correction (`growthplan record correction --ledger {ledger} --match \"line=N\"`, with its line); if there really are two such rows, say in each one's note what it records, so that they differ")
    };
    let once = " (most likely entered twice; it changes no figure)";
    let once_hint = |ledger: &str| {
        format!("void it with a correction (`growthplan record correction --ledger {ledger} --match \"line=N\"`, with its line): a ledger records each fact once; if both rows are real, say in the note what each records")
    };
    adding
        .into_iter()
        .flatten()
        .map(|pair| report(Code::RepeatedAmount, twice, twice_hint, pair))
        .chain(latest.into_iter().flatten().map(|pair| report(Code::RepeatedRow, once, once_hint, pair)))
        .collect()
}

pub(super) fn duplicate(sources: &Sources, loc: Loc, field: &str, id: &str, first: Loc) -> Diagnostic {
    let first_place = sources.place(first, Some(field));
    at(sources, Code::DuplicateId, loc, field, format!("`{id}` is used twice (first on line {})", first_place.line))
        .hint("ids must be unique; give this row its own id")
        .note(format!("{}:{}: {}", first_place.path, first_place.line, first_place.row))
}
