//! The monthly report: turns the progress of two month ends, the month's changes, the check findings,
//! the provenance of the inputs and the charts into the files of `reports/YYYY-MM/` (Markdown, a
//! self-contained HTML page, the charts, `summary.json`). Pure: it returns the files; `run` writes them.
//! HTML comes from a minijinja template with automatic escaping: ledger text is untrusted.

mod outlook;
pub mod quoted;

use minijinja::{context, Environment};
use serde::Serialize;

use crate::charts::ChartFile;
use crate::date;
use crate::diag::{Diagnostic, Severity};
use crate::money::{format_grouped, format_millions, Rate};
use crate::progress::{
    Change, Figures, Granularity, Knownness, Partial, Progress, RequestFigures, RequestState, STAGES,
};

const HTML: &str = include_str!("../../templates/report.html");
const MARKDOWN: &str = include_str!("../../templates/report.md");
const INDEX_HTML: &str = include_str!("../../templates/index.html");
const INDEX_MD: &str = include_str!("../../templates/index.md");

/// One input file, for provenance.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Input {
    pub file: String,
    pub sha256: String,
    /// Data rows of a CSV ledger; `None` for facility.toml.
    pub rows: Option<usize>,
}

/// One release as the report lists it under its partner: the ledger's rows, as written.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PaymentLine {
    pub partner: String,
    pub date: String,
    pub id: String,
    /// `pre-financing` or `regular`.
    pub kind: &'static str,
    /// Each component: channel, instrument and amount (`budget loan EUR 26,300,000.00`).
    pub parts: Vec<String>,
    pub total: String,
    /// The requests it pays, as written (empty for pre-financing).
    pub request: String,
    pub source: String,
}

/// A correction recorded in the report's month: the rows it voided, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CorrectionLine {
    pub date: String,
    /// The ledger's file, e.g. `payments.csv`.
    pub file: String,
    /// The voided rows as the file holds them, with their lines.
    pub voided: Vec<String>,
    pub reason: String,
    pub source: String,
}

/// The releases a report lists, and per partner how many earlier ones it leaves out.
pub struct PaymentLines {
    pub lines: Vec<PaymentLine>,
    pub earlier: std::collections::BTreeMap<String, usize>,
}

/// A partner section lists at most this many payments, the latest (the export lists them all).
pub const LISTED_PAYMENTS: usize = 50;

/// A source address and the rows that cite it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SourceLine {
    pub address: String,
    /// `payments.csv (3 rows), requests.csv (1 row)`.
    pub cited_by: String,
}

/// Everything a report is made of.
pub struct ReportInput<'a> {
    pub facility: &'a str,
    pub month: &'a str,
    pub now: &'a Progress,
    /// Where the facility stood at the end of the month before, and that day.
    pub before: &'a Progress,
    pub previous: crate::date::Date,
    /// The ledgers' last recorded event and its age in days at the report's date, when older than
    /// facility.toml's `stale_after_days`.
    pub stale: Option<(crate::date::Date, i64)>,
    pub changes: &'a [Change],
    pub findings: &'a [Diagnostic],
    pub control: &'a [crate::check::ControlFigure],
    pub inputs: &'a [Input],
    pub data_commit: Option<&'a str>,
    pub charts: &'a [ChartFile],
    pub summary_json: &'a str,
    /// The latest releases of each partner up to the report's date, by partner, date and id.
    pub payments: &'a [PaymentLine],
    /// Per partner, how many earlier releases the list leaves out.
    pub earlier_payments: &'a std::collections::BTreeMap<String, usize>,
    /// Every source the ledgers' rows up to the report's date cite, sorted.
    pub sources: &'a [SourceLine],
    /// The facility's total envelope (facility.toml).
    pub facility_envelope: i64,
    /// The corrections recorded in the month.
    pub corrections: &'a [CorrectionLine],
}

/// A file of the report folder: its path inside the folder and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

#[derive(Serialize)]
struct Headline {
    label: &'static str,
    value: String,
    change: String,
}

#[derive(Serialize)]
struct PartnerRow {
    code: String,
    name: String,
    local_name: String,
    /// Whether its figures are kept step by step (steps.csv has its steps) or request by request.
    by_step: bool,
    cycle: CycleRow,
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
    chart: String,
}

/// The request cycle of a partner or the facility, as shown.
#[derive(Serialize, Clone)]
struct CycleRow {
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
struct GapRow {
    date: String,
    partner: String,
    measure: &'static str,
    published: String,
    itemised: String,
    unitemised: String,
    status: &'static str,
    source: String,
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

#[derive(Serialize)]
struct ChangeRow {
    date: String,
    partner: String,
    what: &'static str,
    reference: String,
    amount: String,
    source: String,
}

/// A finding of `check` as the report and the site list it.
#[derive(Serialize)]
pub(crate) struct FindingRow {
    severity: &'static str,
    code: &'static str,
    place: String,
    message: String,
}

/// The findings as rows: severity, code, `file:line` and message.
pub(crate) fn finding_rows(findings: &[Diagnostic]) -> Vec<FindingRow> {
    findings
        .iter()
        .map(|d| FindingRow {
            severity: d.severity().as_str(),
            code: d.code.id(),
            place: match d.line {
                Some(l) => format!("{}:{l}", d.file),
                None => d.file.clone(),
            },
            message: d.message.clone(),
        })
        .collect()
}

#[derive(Serialize)]
struct ChartRow {
    file: String,
    title: String,
    svg: String,
    /// A chart of steps: shown only where steps are known.
    by_step: bool,
}

/// A partner section lists at most this many requests, the latest (a partner files two a year; the
/// export lists them all).
const LISTED_REQUESTS: usize = 50;

fn m(cents: i64) -> String {
    format_millions(cents as i128)
}

/// A figure that may be a lower bound ("at least") or not published.
pub(crate) fn bound(v: &Partial, euros: bool) -> String {
    v.shown(|x| if euros { m(x) } else { x.to_string() }, "at least ", "not published")
}

fn optional<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "not published".into(), |v| v.to_string())
}

fn cycle_row(code: &str, name: &str, r: &RequestFigures, paid_regular: i64) -> CycleRow {
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

fn delta(now: i64, before: i64) -> String {
    let d = now - before;
    match d {
        0 => "no change".into(),
        d if d > 0 => format!("+{}", m(d)),
        d => m(d),
    }
}

fn count_delta(now: i64, before: i64) -> String {
    match now - before {
        d if d > 0 => format!("+{d}"),
        d => d.to_string(),
    }
}

/// The headline figures: the request cycle first, then the money, then the steps where steps are known.
fn headlines(now_p: &Progress, before_p: &Progress) -> Vec<Headline> {
    let (now, before) = (&now_p.facility, &before_p.facility);
    let (rn, rb) = (&now_p.requests, &before_p.requests);
    let bounded_delta = |a: &Partial, b: &Partial| match (a.knownness(), b.knownness()) {
        (Knownness::Known, Knownness::Known) => delta(a.value, b.value),
        _ if a == b => "no change".into(),
        _ => "not comparable: some amounts not published".into(),
    };
    let mut cycle = vec![
        Headline {
            label: "Payment requests submitted",
            value: rn.requests_submitted.to_string(),
            change: count_delta(rn.requests_submitted, rb.requests_submitted),
        },
        Headline {
            label: "Requests assessed by the Commission",
            value: rn.requests_assessed.to_string(),
            change: count_delta(rn.requests_assessed, rb.requests_assessed),
        },
        Headline {
            label: "Requests pending with the Commission",
            value: match rn.pending.knownness() {
                Knownness::Unknown => format!("{} (amounts not published)", rn.requests_pending),
                _ => format!("{} ({} requested)", rn.requests_pending, bound(&rn.pending, true)),
            },
            change: count_delta(rn.requests_pending, rb.requests_pending),
        },
        Headline {
            label: "Requested",
            value: bound(&rn.requested, true),
            change: bounded_delta(&rn.requested, &rb.requested),
        },
        Headline {
            label: "Approved by assessments (gross where published)",
            value: bound(&rn.approved, true),
            change: bounded_delta(&rn.approved, &rb.approved),
        },
        Headline {
            label: "Not approved, grace period running",
            value: bound(&rn.withheld_by_assessments, true),
            change: bounded_delta(&rn.withheld_by_assessments, &rb.withheld_by_assessments),
        },
    ];
    let gap = Headline {
        label: "Published as paid, not yet itemised (known gap)",
        value: m(rn.reported_unitemised),
        change: delta(rn.reported_unitemised, rb.reported_unitemised),
    };
    let share = |f: &Figures| Rate::ratio(f.paid as i128, f.envelope as i128);
    let share_change = {
        let d = share(now).0 - share(before).0;
        if d == 0 {
            "no change".to_string()
        } else {
            let r = Rate(d.abs()).to_percent_1dp();
            format!("{}{} points", if d > 0 { "+" } else { "-" }, r.trim_end_matches('%'))
        }
    };
    let money = vec![
        Headline { label: "Envelope", value: m(now.envelope), change: delta(now.envelope, before.envelope) },
        Headline { label: "Committed", value: m(now.committed), change: delta(now.committed, before.committed) },
        Headline {
            label: if rn.reported_unitemised > 0 { "Paid (net), as itemised in the ledgers" } else { "Paid (net)" },
            value: m(now.paid),
            change: delta(now.paid, before.paid),
        },
        Headline {
            label: "Paid as grants",
            value: m(now.paid_grant),
            change: delta(now.paid_grant, before.paid_grant),
        },
        Headline { label: "Paid as loans", value: m(now.paid_loan), change: delta(now.paid_loan, before.paid_loan) },
        Headline {
            label: "Paid to budgets",
            value: m(now.paid_budget),
            change: delta(now.paid_budget, before.paid_budget),
        },
        Headline {
            label: "Paid through the WBIF",
            value: m(now.paid_wbif),
            change: delta(now.paid_wbif, before.paid_wbif),
        },
        Headline {
            label: if rn.reported_unitemised > 0 {
                "Share of the envelope paid, as itemised"
            } else {
                "Share of the envelope paid"
            },
            value: share(now).to_percent_1dp(),
            change: share_change,
        },
        Headline {
            label: "Pre-financing paid",
            value: m(now.paid_prefinancing),
            change: delta(now.paid_prefinancing, before.paid_prefinancing),
        },
    ];
    let steps = vec![
        Headline {
            label: "Steps fulfilled of due",
            value: format!("{} of {}", now.steps_fulfilled, now.steps_due),
            change: format!(
                "{} fulfilled, {} due",
                count_delta(now.steps_fulfilled, before.steps_fulfilled),
                count_delta(now.steps_due, before.steps_due)
            ),
        },
        Headline {
            label: "Money of steps due and unmet, grace period running",
            value: m(now.value_withheld),
            change: delta(now.value_withheld, before.value_withheld),
        },
        Headline {
            label: "Money of steps whose grace period ended unmet",
            value: m(now.value_expired),
            change: delta(now.value_expired, before.value_expired),
        },
    ];
    // The gap right after what is paid: a reader sees what the itemised total leaves out.
    let after_paid = money.iter().position(|h| h.label.starts_with("Paid")).map_or(money.len(), |i| i + 1);
    let mut money = money;
    if !now_p.known_gaps.is_empty() {
        money.insert(after_paid, gap);
    }
    cycle.extend(money);
    if now_p.requests.granularity != Granularity::Requests {
        cycle.extend(steps);
    }
    cycle
}

/// What a change or a deadline is, in words (the report's and the site's).
pub(crate) fn what(w: &str) -> &'static str {
    match w {
        "pre_financing" => "pre-financing paid",
        "regular" => "release paid",
        "fulfilled" => "step fulfilled",
        "partially_fulfilled" => "step partially fulfilled",
        "overdue" => "step fell due unmet",
        "expired" => "grace period ended: money expired",
        "allocation_initial" => "envelope allocated",
        "allocation_cut" => "envelope cut",
        "allocation_redistribution" => "envelope redistribution",
        "agenda_approved" => "Reform Agenda approved",
        "facility_agreement_in_force" => "Facility Agreement in force",
        "loan_agreement_in_force" => "Loan Agreement in force",
        "request_submitted" => "payment request submitted (amount requested)",
        "commitment" => "commitment made (agreement or project)",
        "request_assessed" => "request assessed by the Commission (amount approved)",
        "due" => "step due",
        "grace_ends" => "grace period ends",
        _ => "change",
    }
}

const CHART_TITLES: [(&str, &str); 6] = [
    ("requests", "Payment requests per partner: requested, approved, pending with the Commission, and paid"),
    ("funnel", "Envelope, committed and paid per partner"),
    ("cumulative", "Cumulative payments (against planned step values where steps are known)"),
    ("steps", "Reform steps per partner by status"),
    ("money", "Money at stake in reform steps"),
    ("outlook", "Paid so far, and three projections to the facility's last payment date"),
];

/// The files of one month's report folder.
pub fn build(r: &ReportInput) -> Result<Vec<ReportFile>, minijinja::Error> {
    let now = r.now;
    let counts = now.stage_counts();
    let partner_rows: Vec<PartnerRow> = now
        .partners
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
        .collect();
    let changes: Vec<ChangeRow> = r
        .changes
        .iter()
        .map(|c| ChangeRow {
            date: date::format(c.date),
            partner: c.partner.clone(),
            what: what(c.what),
            reference: c.reference.clone(),
            amount: match c.amount {
                None if c.what.starts_with("request") => "not published".into(),
                None => String::new(),
                Some(a) => format!("EUR {}", format_grouped(a as i128)),
            },
            source: c.source.clone(),
        })
        .collect();
    let findings = finding_rows(r.findings);
    let errors = r.findings.iter().filter(|d| d.severity() == Severity::Error).count();
    let svg = |name: &str| -> String {
        r.charts
            .iter()
            .find(|c| c.name == format!("{name}.svg"))
            .map(|c| String::from_utf8_lossy(&c.bytes).into_owned())
            .unwrap_or_default()
    };
    let chart_row = |(name, title): &(&str, &str)| ChartRow {
        file: format!("charts/{name}.svg"),
        title: title.to_string(),
        svg: strip_xml_declaration(&svg(name)),
        by_step: matches!(*name, "steps" | "money"),
    };
    let outlook_chart = CHART_TITLES.iter().find(|(name, _)| *name == "outlook").map(chart_row);
    let charts: Vec<ChartRow> = CHART_TITLES
        .iter()
        .filter(|(name, _)| *name != "outlook")
        .map(|(name, title)| ChartRow {
            file: format!("charts/{name}.svg"),
            title: title.to_string(),
            svg: strip_xml_declaration(&svg(name)),
            by_step: matches!(*name, "steps" | "money"),
        })
        .collect();
    let partner_charts: Vec<ChartRow> = partner_rows
        .iter()
        .map(|p| ChartRow {
            file: format!("charts/{}.svg", p.chart),
            title: format!("{} {}: steps by policy area", p.code, p.name),
            svg: strip_xml_declaration(&svg(&p.chart)),
            by_step: true,
        })
        .collect();
    let ctx = context! {
        // The site's stylesheet, inlined (the report stays one self-contained file), and the first screen.
        css => minijinja::Value::from_safe_string(crate::site::CSS.to_string()),
        glance => crate::site::glance::first_screen(now, r.before, r.changes, r.findings, r.control),
        facility => r.facility,
        month => r.month,
        as_of => date::format(now.as_of),
        previous => date::format(r.previous),
        stale => r.stale.map(|(d, days)| context! { last => date::format(d), days => days }),
        version => env!("CARGO_PKG_VERSION"),
        inputs => r.inputs,
        data_commit => r.data_commit,
        findings => findings,
        errors => errors,
        warnings => r.findings.len() - errors,
        headlines => headlines(now, r.before),
        cycle => {
            let mut rows: Vec<CycleRow> = partner_rows.iter().map(|p| p.cycle.clone()).collect();
            rows.push(cycle_row("all", "partners", &now.requests, now.facility.paid_regular));
            rows
        },
        any_steps => now.requests.granularity != Granularity::Requests,
        sources => r.sources,
        corrections => r.corrections,
        envelopes => {
            let f = &now.facility;
            let initial = f.envelope - f.envelope_changes;
            context! {
                facility => m(r.facility_envelope),
                initial => m(initial),
                changes => m(f.envelope_changes),
                now => m(f.envelope),
                outside => m(r.facility_envelope - f.envelope),
            }
        },
        mixed => now.requests.granularity == Granularity::Mixed,
        gaps => now.known_gaps.iter().map(|g| GapRow {
            date: date::format(g.date),
            partner: g.partner.clone(),
            measure: g.measure,
            published: m(g.published),
            itemised: m(g.itemised),
            unitemised: m(g.unitemised),
            status: if g.status == "known_gap" { "known gap" } else { "itemised" },
            source: g.source.clone(),
        }).collect::<Vec<_>>(),
        changes => changes,
        partners => partner_rows,
        outlook => outlook::section(&now.outlook),
        outlook_chart => outlook_chart,
        control => r.control,
        charts => charts,
        partner_charts => partner_charts,
    };
    let env = environment()?;
    let html = env.get_template("report.html")?.render(&ctx)?;
    let md = env.get_template("report.md")?.render(&ctx)?;
    let mut files = vec![
        ReportFile { path: "report.md".into(), bytes: md.into_bytes() },
        ReportFile { path: "report.html".into(), bytes: html.into_bytes() },
        ReportFile { path: "summary.json".into(), bytes: r.summary_json.as_bytes().to_vec() },
    ];
    for c in r.charts {
        files.push(ReportFile { path: format!("charts/{}", c.name), bytes: c.bytes.clone() });
    }
    Ok(files)
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

fn strip_xml_declaration(svg: &str) -> String {
    match svg.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map(|(_, r)| r.trim_start().to_string()).unwrap_or_default(),
        None => svg.to_string(),
    }
}

/// Escapes text for a Markdown table cell: no HTML, no table breaks, no line breaks, no links or emphasis.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A source for Markdown: a plain web address as a link (`<https://...>`), anything else escaped text.
pub fn md_link(s: &str) -> String {
    let plain = (s.starts_with("https://") || s.starts_with("http://"))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '`' | '|' | '\\'));
    if plain {
        format!("<{s}>")
    } else {
        md_escape(s)
    }
}

fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.add_filter("md_link", |s: String| md_link(&s));
    // report.html and index.html escape every value as HTML unless marked safe (only our SVGs are);
    // the Markdown templates escape through the `md` filter.
    env.add_filter("md", |s: String| md_escape(&s));
    // Control characters in ledger text (an escape sequence pasted into a note) are not valid in HTML:
    // they are shown as `\u{1b}` before the usual HTML escaping.
    env.set_formatter(|out, state, value| {
        match value.as_str().filter(|s| !value.is_safe() && s.chars().any(char::is_control)) {
            Some(s) => {
                let shown: String = s
                    .chars()
                    .map(|c| {
                        if c.is_control() && c != '\n' && c != '\t' {
                            format!("\\u{{{:x}}}", c as u32)
                        } else {
                            c.to_string()
                        }
                    })
                    .collect();
                minijinja::escape_formatter(out, state, &minijinja::Value::from(shown))
            }
            None => minijinja::escape_formatter(out, state, value),
        }
    });
    env.add_template("report.html", HTML)?;
    env.add_template("report.md", MARKDOWN)?;
    env.add_template("index.html", INDEX_HTML)?;
    env.add_template("index.md", INDEX_MD)?;
    Ok(env)
}

/// `reports/index.md` and `reports/index.html`: the reports present, newest first.
pub fn index(facility: &str, months: &[String]) -> Result<Vec<ReportFile>, minijinja::Error> {
    let env = environment()?;
    let mut months = months.to_vec();
    months.sort();
    months.reverse();
    let ctx = context! { facility => facility, months => months };
    Ok(vec![
        ReportFile { path: "index.md".into(), bytes: env.get_template("index.md")?.render(&ctx)?.into_bytes() },
        ReportFile { path: "index.html".into(), bytes: env.get_template("index.html")?.render(&ctx)?.into_bytes() },
    ])
}

/// The last day of a `YYYY-MM` month, or why it is not one.
pub use crate::date::parse_month as month_end;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_a_link_only_when_it_is_a_plain_address() {
        assert_eq!(md_link("https://example.eu/a_b?x=1"), "<https://example.eu/a_b?x=1>");
        assert_eq!(md_link("https://example.eu/a b"), "https://example.eu/a b");
        assert_eq!(md_link("https://x.eu/<script>"), "https://x.eu/&lt;script&gt;");
        assert_eq!(md_link("Official Journal L 1449"), "Official Journal L 1449");
        assert_eq!(md_link("javascript:alert(1)"), "javascript:alert(1)");
    }

    #[test]
    fn markdown_cells_are_inert() {
        assert_eq!(
            md_escape("a|b\n<script>x</script> [l](u) `c`"),
            "a\\|b &lt;script&gt;x&lt;/script&gt; \\[l\\](u) \\`c\\`"
        );
    }
}
