//! The report's partner sections: each partner's request cycle, latest requests and releases, money,
//! steps by policy area and deadlines ahead, as the templates show them.

use serde::Serialize;

use super::{bound, m, what, PaymentLine, ReportInput};
use crate::date;
use crate::money::{format_grouped, Rate};
use crate::progress::{Granularity, Progress, RequestFigures, RequestState, STAGES};

#[derive(Serialize)]
pub(super) struct PartnerRow {
    pub(super) code: String,
    pub(super) name: String,
    local_name: String,
    /// Whether its figures are kept step by step (steps.csv has its steps) or request by request.
    by_step: bool,
    pub(super) cycle: CycleRow,
    payments: Vec<PaymentLine>,
    earlier_payments: usize,
    /// Its latest requests (at most [`LISTED_REQUESTS`]), and how many earlier ones are left out.
    requests: Vec<RequestRow>,
    earlier_requests: usize,
    envelope: String,
    committed: String,
    paid: String,
    paid_grant: String,
    paid_loan: String,
    paid_share: String,
    steps: String,
    overdue: i64,
    withheld: String,
    expired: String,
    areas: Vec<AreaRow>,
    deadlines: Vec<DeadlineRow>,
    pub(super) chart: String,
}

/// The request cycle of a partner or the facility, as shown.
#[derive(Serialize, Clone)]
pub(super) struct CycleRow {
    code: String,
    name: String,
    submitted: i64,
    assessed: i64,
    pending: i64,
    requested: String,
    approved: String,
    paid_regular: String,
    withheld: String,
    pending_eur: String,
    steps_claimed: String,
    steps_met: String,
    steps_partly: String,
    unitemised: String,
}

#[derive(Serialize)]
struct RequestRow {
    id: String,
    submitted: String,
    period_end: String,
    steps_claimed: String,
    requested: String,
    assessed: String,
    met: String,
    partly: String,
    not_met: String,
    approved: String,
    released: String,
    stage: &'static str,
    grace_end: String,
    source: String,
    note: String,
    /// Each assessment: its date, source and note.
    decisions: Vec<DecisionRow>,
}

#[derive(Serialize)]
struct DecisionRow {
    date: String,
    source: String,
    note: String,
}

#[derive(Serialize)]
struct AreaRow {
    area: String,
    total: i64,
    fulfilled: i64,
    partially: i64,
    in_grace: i64,
    expired: i64,
    not_yet_due: i64,
    value_withheld: String,
}

#[derive(Serialize)]
struct DeadlineRow {
    date: String,
    partner: String,
    step: String,
    kind: &'static str,
    amount: String,
}

/// A partner section lists at most this many requests, the latest (a partner files two a year; the
/// export lists them all).
const LISTED_REQUESTS: usize = 50;

fn optional<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "not published".into(), |v| v.to_string())
}

pub(super) fn cycle_row(code: &str, name: &str, r: &RequestFigures, paid_regular: i64) -> CycleRow {
    CycleRow {
        code: code.into(),
        name: name.into(),
        submitted: r.requests_submitted,
        assessed: r.requests_assessed,
        pending: r.requests_pending,
        requested: bound(&r.requested, true),
        approved: bound(&r.approved, true),
        paid_regular: m(paid_regular),
        withheld: bound(&r.withheld_by_assessments, true),
        pending_eur: bound(&r.pending, true),
        steps_claimed: bound(&r.steps_claimed, false),
        steps_met: bound(&r.steps_met, false),
        steps_partly: bound(&r.steps_partly, false),
        unitemised: if r.reported_unitemised_known {
            m(r.reported_unitemised)
        } else {
            "not published (see the total of all partners)".into()
        },
    }
}

/// A request as its partner section shows it, on `as_of`.
fn request_row(q: &RequestState, as_of: crate::date::Date) -> RequestRow {
    RequestRow {
        id: q.id.clone(),
        submitted: date::format(q.submitted),
        period_end: date::format(q.period_end),
        steps_claimed: optional(q.steps_claimed),
        requested: q.requested.map_or_else(|| "not published".into(), m),
        assessed: match q.last_assessed {
            None => "not yet".into(),
            Some(d) if q.assessments > 1 => format!("{} ({} decisions)", date::format(d), q.assessments),
            Some(d) => date::format(d),
        },
        met: if q.assessments == 0 { String::new() } else { bound(&q.steps_met, false) },
        partly: if q.assessments == 0 { String::new() } else { optional(q.steps_partly) },
        not_met: if q.assessments == 0 { String::new() } else { optional(q.steps_not_met) },
        approved: if q.assessments == 0 { String::new() } else { bound(&q.approved, true) },
        released: match (q.released, q.released_together) {
            (0, 0) if q.assessments > 0 => "none recorded".into(),
            (_, 0) => m(q.released),
            (0, t) => format!("{} together with {} (split not published)", m(t), q.together_with.join(", ")),
            (r, t) => {
                format!("{}, and {} together with {} (split not published)", m(r), m(t), q.together_with.join(", "))
            }
        },
        stage: match q.stage {
            "pending" if q.grace_end < as_of => "pending with the Commission, although its grace period has ended",
            "pending" => "pending with the Commission",
            "assessed" => "assessed; grace period runs",
            _ => "assessed; grace period ended",
        },
        grace_end: date::format(q.grace_end),
        source: q.source.clone(),
        note: q.note.clone(),
        decisions: q
            .decisions
            .iter()
            .map(|(d, source, note)| DecisionRow { date: date::format(*d), source: source.clone(), note: note.clone() })
            .collect(),
    }
}

/// One row per partner, in the order of `Progress`.
pub(super) fn partner_rows(r: &ReportInput, now: &Progress) -> Vec<PartnerRow> {
    let counts = now.stage_counts();
    now.partners
        .iter()
        .map(|x| {
            let f = &x.figures;
            PartnerRow {
                code: x.code.clone(),
                name: x.name.clone(),
                local_name: x.local_name.clone(),
                by_step: x.requests.granularity == Granularity::Steps,
                payments: r.payments.iter().filter(|p| p.partner == x.code).cloned().collect(),
                earlier_payments: r.earlier_payments.get(&x.code).copied().unwrap_or(0),
                cycle: cycle_row(&x.code, &x.name, &x.requests, f.paid_regular),
                requests: {
                    let mine: Vec<&RequestState> = now.request_states.iter().filter(|q| q.partner == x.code).collect();
                    mine[mine.len().saturating_sub(LISTED_REQUESTS)..]
                        .iter()
                        .map(|q| request_row(q, now.as_of))
                        .collect()
                },
                earlier_requests: now
                    .request_states
                    .iter()
                    .filter(|q| q.partner == x.code)
                    .count()
                    .saturating_sub(LISTED_REQUESTS),
                envelope: m(f.envelope),
                // No commitment recorded is not a commitment of zero.
                committed: if f.committed == 0 { "none recorded".into() } else { m(f.committed) },
                // While a total of all partners is not itemised, each partner's share of it is unknown.
                paid: if x.requests.reported_unitemised_known { m(f.paid) } else { format!("at least {}", m(f.paid)) },
                paid_grant: m(f.paid_grant),
                paid_loan: m(f.paid_loan),
                paid_share: Rate::ratio(f.paid as i128, f.envelope as i128).to_percent_1dp(),
                steps: format!("{} of {}", f.steps_fulfilled, f.steps_due),
                overdue: f.steps_overdue,
                withheld: m(f.value_withheld),
                expired: m(f.value_expired),
                areas: now
                    .areas
                    .iter()
                    .filter(|a| a.partner == x.code)
                    .map(|a| {
                        let of_area = counts.get(&(x.code.as_str(), a.area.as_str())).copied().unwrap_or_default();
                        let count =
                            |stage: &str| STAGES.iter().position(|s| *s == stage).map_or(0, |k| of_area[k] as i64);
                        AreaRow {
                            area: a.area.clone(),
                            total: a.figures.steps_total,
                            fulfilled: count("fulfilled"),
                            partially: count("partially_fulfilled"),
                            in_grace: count("in_grace"),
                            expired: count("expired"),
                            not_yet_due: count("not_yet_due"),
                            value_withheld: m(a.figures.value_withheld),
                        }
                    })
                    .collect(),
                deadlines: now.deadlines.iter().filter(|d| d.partner == x.code).map(deadline_row).collect(),
                chart: crate::charts::partner_chart_name(now, &x.code),
            }
        })
        .collect()
}

fn deadline_row(d: &crate::progress::Deadline) -> DeadlineRow {
    DeadlineRow {
        date: date::format(d.date),
        partner: d.partner.clone(),
        step: d.step.clone(),
        kind: what(d.kind),
        amount: format!("EUR {}", format_grouped(d.amount as i128)),
    }
}
