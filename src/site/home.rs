//! The home page: the facility at a glance, whether the figures reconcile, the payment cycle and the
//! money with the charts and the tables behind them, the outlook, the month's changes and the deadlines.

use super::*;

/// The home page: the facility at a glance, the payment cycle, the charts with their tables, the month's
/// changes, the next deadlines and whether the figures reconcile.
pub(super) fn home(s: &Site) -> anyhow::Result<Vec<u8>> {
    let (l, now) = (s.input.ledger, s.input.now);
    let as_of = now.as_of;
    let (cycle, money, cumulative) = overview_tables(s);
    let f = &now.facility;
    let r = &now.requests;
    let gap = !now.known_gaps.is_empty();
    let big = vec![
        Big {
            label: "Envelope",
            value: m(f.envelope),
            detail: format!("of the facility's {}", m(l.facility.envelope())),
        },
        Big { label: "Committed", value: m(f.committed), detail: "in agreements and projects".into() },
        Big {
            label: "Approved",
            value: bound(&r.approved, true),
            detail: "by the Commission's assessments (gross where published)".into(),
        },
        Big {
            label: "Paid",
            value: m(f.paid),
            detail: if gap { "net, as itemised in the ledgers".into() } else { "net, transferred".into() },
        },
        Big { label: "Share paid", value: share(f.paid, f.envelope), detail: "of the partners' envelopes".into() },
        Big {
            label: "Pending with the Commission",
            value: bound(&r.pending, true),
            detail: format!(
                "requested in {} request{} not yet assessed",
                r.requests_pending,
                if r.requests_pending == 1 { "" } else { "s" }
            ),
        },
        Big {
            label: "Published, not itemised",
            value: if r.reported_unitemised_known { m(r.reported_unitemised) } else { "not published".into() },
            detail: "reported as paid, its releases not yet recorded one by one".into(),
        },
    ];
    let month_ago = as_of.checked_sub_months(chrono::Months::new(1)).unwrap_or(as_of);
    let recent: Vec<Vec<Cell>> =
        s.changes.iter().filter(|c| c.date > month_ago).map(|c| change_row(c, &s.pages)).collect();
    let recent = Table::new(
        "recent",
        format!("What changed after {} up to {}", date::format(month_ago), date::format(as_of)),
        change_columns(),
        recent,
    );
    let mut upcoming: Vec<(Date, Vec<Cell>)> = now
        .deadlines
        .iter()
        .map(|d| {
            (
                d.date,
                vec![
                    Cell::text(date::format(d.date)),
                    Cell::partner(&d.partner, &s.pages),
                    Cell::text(what(d.kind)),
                    Cell::text(&d.step),
                    Cell::euros(d.amount),
                ],
            )
        })
        .collect();
    for q in now
        .request_states
        .iter()
        .filter(|q| q.stage != "grace_ended" && q.grace_end > as_of && q.grace_end <= s.six_months)
    {
        upcoming.push((
            q.grace_end,
            vec![
                Cell::text(date::format(q.grace_end)),
                Cell::partner(&q.partner, &s.pages),
                Cell::text(if q.stage == "pending" {
                    "grace period of a request not yet assessed ends"
                } else {
                    "grace period of a request ends: what was not approved can no longer be released"
                }),
                Cell::text(&q.id),
                // What is at stake: what the assessments did not approve, or what was requested.
                match (q.stage, q.requested) {
                    ("pending", requested) => Cell::optional(requested, true),
                    (_, Some(requested)) if q.approved.blank == 0 => {
                        Cell::millions((requested - q.approved.value).max(0))
                    }
                    _ => Cell::optional(None, true),
                },
            ],
        ));
    }
    upcoming.sort_by_key(|a| a.0);
    let upcoming = Table::new(
        "deadlines",
        format!("Deadlines from {} to {}", date::format(as_of), date::format(s.six_months)),
        vec![
            col("date", "", false),
            col("partner", "", false),
            col("what", "", false),
            col("step or request", "", false),
            col("amount (of a request: not approved, or requested if not yet assessed)", "", true),
        ],
        upcoming.into_iter().map(|(_, r)| r).collect(),
    );
    let control = pages::control_table(s.input.control);
    let findings = crate::report::finding_rows(s.input.findings);
    let control_ok = s.input.control.iter().filter(|c| c.ok && !c.known_gap).count();
    let control_gaps = s.input.control.iter().filter(|c| c.known_gap).count();
    let control_failed = s.input.control.iter().filter(|c| !c.ok && !c.known_gap).count();
    let home_charts: Vec<Chart> = [
        s.chart(
            "requests",
            "Bar chart of the payment requests per partner: requested, approved, pending with the Commission and paid."
                .into(),
            "Payment requests per partner; the table gives the figures.".into(),
            cycle,
        ),
        s.chart(
            "funnel",
            "Bar chart of each partner's envelope, what is committed and what is paid.".into(),
            "Envelope, committed and paid per partner; the table gives the figures.".into(),
            money,
        ),
        s.chart(
            "cumulative",
            "Line chart of the cumulative payments per partner by month".to_string()
                + if s.any_steps { ", against the planned step values." } else { "." },
            "Cumulative payments against plan; the table gives the figures by month.".into(),
            cumulative,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    let step_charts = step_charts(s);
    let ctx = context! {
        outlook => super::outlook::home(s),
        big => big,
        charts => home_charts,
        step_charts => step_charts,
        recent => recent,
        deadlines => upcoming,
        any_steps => s.any_steps,
        findings => findings,
        control => control,
        control_ok => control_ok,
        control_gaps => control_gaps,
        control_failed => control_failed,
        partners => now.partners.iter().map(|p| context! { code => p.code, name => p.name, local_name => p.local_name, href => s.pages.href(&p.code) }).collect::<Vec<_>>(),
        ..s.page(
            "index.html",
            "",
            format!("{}: where the money stands", l.facility.short_name),
            format!(
                "{} as of {}: {} paid of {} in envelopes; payment requests, assessments, sources and downloads.",
                l.facility.name,
                date::format(as_of),
                m(f.paid),
                m(f.envelope)
            ),
            "requests.png",
            false,
        )
    };
    Ok(s.render("index.html", ctx)?)
}

/// The tables of the overview, each behind a chart: the payment cycle per partner, envelope, committed and
/// paid per partner, and cumulative payments by month.
pub(super) fn overview_tables(s: &Site) -> (Table, Table, Table) {
    let now = s.input.now;
    let cycle_columns = vec![
        col("partner", "", false),
        col("requests", "", true),
        col("assessed", "", true),
        col("pending", "", true),
        col("requested", "", true),
        col("approved", "", true),
        col("paid in regular releases", "", true),
        col("not approved, grace running", "", true),
        col("pending with the Commission", "", true),
        col("published, not itemised", "", true),
    ];
    let cycle_row = |partner: Cell, r: &RequestFigures, paid_regular: i64| -> Vec<Cell> {
        vec![
            partner,
            Cell::text(r.requests_submitted.to_string()),
            Cell::text(r.requests_assessed.to_string()),
            Cell::text(r.requests_pending.to_string()),
            Cell::partial(&r.requested, true),
            Cell::partial(&r.approved, true),
            Cell::millions(paid_regular),
            Cell::partial(&r.withheld_by_assessments, true),
            Cell::partial(&r.pending, true),
            if r.reported_unitemised_known {
                Cell::millions(r.reported_unitemised)
            } else {
                Cell::text("not published (see all partners)")
            },
        ]
    };
    let mut cycle_rows: Vec<Vec<Cell>> = now
        .partners
        .iter()
        .map(|p| cycle_row(Cell::partner(&p.code, &s.pages), &p.requests, p.figures.paid_regular))
        .collect();
    cycle_rows.push(cycle_row(Cell::text("all partners"), &now.requests, now.facility.paid_regular));
    let cycle = Table::new(
        "cycle",
        "The payment cycle per partner: requests, the Commission's assessments, payments",
        cycle_columns,
        cycle_rows,
    );

    let money_columns = vec![
        col("partner", "", false),
        col("envelope", "", true),
        col("committed", "", true),
        col("paid (net)", "", true),
        col("as grants", "", true),
        col("as loans", "", true),
        col("to budgets", "", true),
        col("through the WBIF", "", true),
        col("share of envelope paid", "", true),
    ];
    let money_row = |partner: Cell, f: &crate::progress::Figures, paid_known: bool| -> Vec<Cell> {
        let paid = Cell::millions(f.paid);
        vec![
            partner,
            Cell::millions(f.envelope),
            if f.committed == 0 { Cell::text("none recorded") } else { Cell::millions(f.committed) },
            if paid_known { paid } else { Cell { t: format!("at least {}", paid.t), ..paid } },
            Cell::millions(f.paid_grant),
            Cell::millions(f.paid_loan),
            Cell::millions(f.paid_budget),
            Cell::millions(f.paid_wbif),
            Cell::text(share(f.paid, f.envelope)),
        ]
    };
    let mut money_rows: Vec<Vec<Cell>> = now
        .partners
        .iter()
        .map(|p| money_row(Cell::partner(&p.code, &s.pages), &p.figures, p.requests.reported_unitemised_known))
        .collect();
    money_rows.push(money_row(Cell::text("all partners"), &now.facility, true));
    let money =
        Table::new("money", "Envelope, committed and paid per partner (EUR millions)", money_columns, money_rows);

    // Cumulative payments by month: a column per partner (and the plan where steps are known).
    let months: Vec<&str> = {
        let mut m: Vec<&str> = now.timeline.iter().map(|t| t.month.as_str()).collect();
        m.sort();
        m.dedup();
        m
    };
    let mut cumulative_columns = vec![col("month", "", false)];
    for p in &now.partners {
        cumulative_columns.push(col(&format!("{} paid", p.code), "", true));
    }
    cumulative_columns.push(col("all partners paid", "", true));
    if s.any_steps {
        cumulative_columns.push(col("all partners planned", "", true));
    }
    let by_key: BTreeMap<(&str, &str), (i64, i64)> = now
        .timeline
        .iter()
        .map(|t| ((t.month.as_str(), t.partner.as_str()), (t.paid_cumulative, t.planned_cumulative)))
        .collect();
    let cumulative_rows: Vec<Vec<Cell>> = months
        .iter()
        .map(|month| {
            let mut row = vec![Cell::text(*month)];
            let (mut paid, mut planned) = (0, 0);
            for p in &now.partners {
                let (a, b) = by_key.get(&(*month, p.code.as_str())).copied().unwrap_or_default();
                paid += a;
                planned += b;
                row.push(Cell::millions(a));
            }
            row.push(Cell::millions(paid));
            if s.any_steps {
                row.push(Cell::millions(planned));
            }
            row
        })
        .collect();
    let cumulative = Table::new(
        "cumulative",
        "Cumulative payments at the end of each month (EUR millions)",
        cumulative_columns,
        cumulative_rows,
    );

    (cycle, money, cumulative)
}

/// Where steps are known: the steps by status and the money at stake per partner, each chart with its table.
pub(super) fn step_charts(s: &Site) -> Vec<Chart> {
    let now = s.input.now;
    if s.any_steps {
        let counts = now.stage_counts();
        let stage_rows: Vec<Vec<Cell>> = now
            .partners
            .iter()
            .filter(|p| p.requests.granularity == Granularity::Steps)
            .map(|p| {
                let c = crate::progress::partner_stage_counts(&counts, &p.code);
                let mut row = vec![Cell::partner(&p.code, &s.pages)];
                row.extend(c.iter().map(|n| Cell::text(n.to_string())));
                row
            })
            .collect();
        let stage_columns = vec![
            col("partner", "", false),
            col("fulfilled", "", true),
            col("partially fulfilled", "", true),
            col("overdue, in grace", "", true),
            col("expired", "", true),
            col("not yet due", "", true),
        ];
        let money_rows: Vec<Vec<Cell>> = now
            .partners
            .iter()
            .filter(|p| p.requests.granularity == Granularity::Steps)
            .map(|p| {
                let f = &p.figures;
                vec![
                    Cell::partner(&p.code, &s.pages),
                    Cell::millions(f.value_paid),
                    Cell::millions(f.value_fulfilled_unpaid),
                    Cell::millions(f.value_withheld),
                    Cell::millions(f.value_expired),
                    Cell::millions(f.value_ahead),
                ]
            })
            .collect();
        let money_columns = vec![
            col("partner", "", false),
            col("paid", "", true),
            col("fulfilled, not yet paid", "", true),
            col("unmet, in grace", "", true),
            col("expired", "", true),
            col("not yet due", "", true),
        ];
        [
            s.chart(
                "steps",
                "Stacked bar chart of each partner's reform steps by status.".into(),
                "Reform steps per partner by status (partners whose steps are known); the table gives the counts."
                    .into(),
                Table::new("stages", "Reform steps per partner by status", stage_columns, stage_rows),
            ),
            s.chart(
                "money",
                "Stacked bar chart of the money tied to each partner's reform steps, by what became of it.".into(),
                "Money at stake in reform steps; the table gives the figures.".into(),
                Table::new("at-stake", "Money at stake in reform steps (EUR millions)", money_columns, money_rows),
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    } else {
        Vec::new()
    }
}
