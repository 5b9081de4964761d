//! The first screen of the monthly report (and the shape of the site's home): five questions a reader
//! brings, each answered in a sentence from the same figures the rest of the report shows. How much was
//! paid of how much; what changed; who is ahead and who behind; what is at risk soon; whether the figures
//! reconcile.

use serde::Serialize;

use crate::check::ControlFigure;
use crate::date;
use crate::diag::{Diagnostic, Severity};
use crate::money::{format_millions, Rate};
use crate::progress::{Change, Granularity, Knownness, Progress};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Answer {
    pub question: &'static str,
    pub answer: String,
    /// Where the report says more (an anchor of its page).
    pub more: &'static str,
}

fn m(cents: i64) -> String {
    format_millions(cents as i128)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The five answers on `now`, with `before` the month before and `changes` what happened in between.
pub fn first_screen(
    now: &Progress,
    before: &Progress,
    changes: &[Change],
    findings: &[Diagnostic],
    control: &[ControlFigure],
) -> Vec<Answer> {
    let f = &now.facility;
    let r = &now.requests;
    let share = |paid: i64, whole: i64| Rate::ratio(paid as i128, whole as i128).to_percent_1dp();

    let mut paid = format!(
        "{} paid (net) of {} in the partners' envelopes: {}.",
        m(f.paid),
        m(f.envelope),
        share(f.paid, f.envelope)
    );
    if r.reported_unitemised > 0 {
        paid += &format!(" A further {} is published as paid but not yet itemised.", m(r.reported_unitemised));
    }
    paid += &format!(" The Commission's assessments approved {}.", super::bound(&r.approved, true));

    let changed = if changes.is_empty() {
        "No event is recorded this month.".to_string()
    } else {
        let count = |what: &str| changes.iter().filter(|c| c.what == what).count();
        let releases = changes.iter().filter(|c| c.what == "regular" || c.what == "pre_financing").count();
        let mut parts = vec![plural(changes.len(), "event", "events")];
        if releases > 0 {
            parts.push(format!(
                "{} paying {}",
                plural(releases, "release", "releases"),
                m(f.paid - before.facility.paid)
            ));
        }
        for (what, one, many) in [
            ("request_submitted", "request submitted", "requests submitted"),
            ("request_assessed", "assessment", "assessments"),
            ("commitment", "commitment", "commitments"),
        ] {
            let n = count(what);
            if n > 0 {
                parts.push(plural(n, one, many));
            }
        }
        format!("{}.", parts.join("; "))
    };

    // Ranked by the share of its envelope paid; a partner whose paid figure is a lower bound says so.
    let mut ranked: Vec<(Rate, &crate::progress::PartnerProgress)> = now
        .partners
        .iter()
        .filter(|p| p.figures.envelope > 0)
        .map(|p| (Rate::ratio(p.figures.paid as i128, p.figures.envelope as i128), p))
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.code.cmp(&b.1.code)));
    let shown = |(rate, p): &(Rate, &crate::progress::PartnerProgress)| {
        format!(
            "{} {}{}",
            p.code,
            if p.requests.reported_unitemised_known { "" } else { "at least " },
            rate.to_percent_1dp()
        )
    };
    let ahead = match (ranked.first(), ranked.last()) {
        (Some(first), Some(last)) if ranked.len() > 1 => format!(
            "Ahead: {}; behind: {}. Share of its envelope paid, by partner: {}.",
            shown(first),
            shown(last),
            ranked.iter().map(shown).collect::<Vec<_>>().join(", ")
        ),
        (Some(only), _) => format!("Share of its envelope paid: {}.", shown(only)),
        _ => "No partner has an envelope yet.".to_string(),
    };

    let mut risk = Vec::new();
    if r.requests_pending > 0 {
        risk.push(format!(
            "{} pending with the Commission ({} requested)",
            plural(r.requests_pending as usize, "request", "requests"),
            super::bound(&r.pending, true)
        ));
    }
    if r.withheld_by_assessments.knownness() != Knownness::Known || r.withheld_by_assessments.value > 0 {
        risk.push(format!(
            "{} not approved by the assessments, releasable only within its grace period",
            super::bound(&r.withheld_by_assessments, true)
        ));
    }
    let six = date::add_months(now.as_of, 6);
    let ending = now
        .request_states
        .iter()
        .filter(|q| q.stage == "assessed" && q.grace_end > now.as_of && q.grace_end <= six)
        .count();
    if ending > 0 {
        risk.push(format!(
            "{} whose grace period ends by {}",
            plural(ending, "assessed request", "assessed requests"),
            date::format(six)
        ));
    }
    if now.requests.granularity != Granularity::Requests {
        let due: i64 = now.deadlines.iter().filter(|d| d.kind == "due").map(|d| d.amount).sum();
        let expiring: i64 = now.deadlines.iter().filter(|d| d.kind == "grace_ends").map(|d| d.amount).sum();
        risk.push(format!(
            "steps worth {} fall due and {} of unmet steps reach the end of their grace period by {}",
            m(due),
            m(expiring),
            date::format(six)
        ));
    }
    let risk = if risk.is_empty() {
        "Nothing recorded falls due or expires in the next six months.".to_string()
    } else {
        let mut s = risk.join("; ");
        s.replace_range(..1, &s[..1].to_uppercase());
        s + "."
    };

    let errors = findings.iter().filter(|d| d.severity() == Severity::Error).count();
    let warnings = findings.len() - errors;
    let agree = control.iter().filter(|c| c.ok && !c.known_gap).count();
    let gaps = control.iter().filter(|c| c.known_gap).count();
    let disagree = control.len() - agree - gaps;
    let reconcile = format!(
        "{} Of {} published totals, {} agree with the ledgers{}{}.",
        match (errors, warnings) {
            (0, 0) => "Yes: growthplan check finds the ledgers clean.".to_string(),
            (0, w) => format!("Yes, with {}: growthplan check finds no error.", plural(w, "warning", "warnings")),
            (e, w) => format!(
                "No: growthplan check finds {} and {}.",
                plural(e, "error", "errors"),
                plural(w, "warning", "warnings")
            ),
        },
        control.len(),
        agree,
        if gaps > 0 {
            format!(", {} (published, not yet itemised)", plural(gaps, "is a known gap", "are known gaps"))
        } else {
            String::new()
        },
        if disagree > 0 { format!(", {disagree} disagree") } else { String::new() },
    );

    vec![
        Answer { question: "How much was paid, of how much?", answer: paid, more: "headline" },
        Answer { question: "What changed this month?", answer: changed, more: "changes" },
        Answer { question: "Who is ahead, who behind?", answer: ahead, more: "partners" },
        Answer { question: "What is at risk soon?", answer: risk, more: "cycle" },
        Answer { question: "Do the figures reconcile?", answer: reconcile, more: "reconciliation" },
    ]
}
