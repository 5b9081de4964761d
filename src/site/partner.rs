//! A page per partner: its figures and outlook, requests and assessments, releases, history, agreements
//! and conditions, and its steps where they are known.

use super::*;

/// A page per partner: its figures, requests and assessments, releases, history, agreements and
/// conditions, and its steps where they are known.
pub(super) fn partner_pages(s: &Site) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let (l, now) = (s.input.ledger, s.input.now);
    let as_of = now.as_of;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let releases_of: BTreeMap<&str, Vec<&crate::replay::Release>> = {
        let mut by: BTreeMap<&str, Vec<&crate::replay::Release>> = BTreeMap::new();
        for r in s.input.replay.releases.iter().filter(|r| r.date <= as_of) {
            by.entry(r.partner_code(l)).or_default().push(r);
        }
        by
    };
    let counts = now.stage_counts();
    for p in &now.partners {
        let href = s.pages.href(&p.code).expect("every partner has a page");
        let row = l.partner(&p.code);
        let pf = &p.figures;
        let by_step = p.requests.granularity == Granularity::Steps;
        let agreements: Vec<Value> = match row {
            Some(row) => vec![
                context! { what => "Reform Agenda approved", date => row.agenda_approved.map(date::format) },
                context! { what => "Facility Agreement in force", date => row.facility_agreement_in_force.map(date::format) },
                context! { what => "Loan Agreement in force", date => row.loan_agreement_in_force.map(date::format) },
            ],
            None => Vec::new(),
        };
        let pid = row.and_then(|_| l.partner_codes.iter().position(|c| c.as_str() == p.code));
        let mine = |id: crate::ledger::model::PartnerId| pid.is_some_and(|n| n == id.0 as usize);
        let conditions: Vec<Vec<Cell>> = l
            .conditions
            .iter()
            .filter(|c| mine(c.partner) && c.date <= as_of)
            .map(|c| {
                vec![
                    Cell::text(date::format(c.date)),
                    Cell::text(c.layer.as_str()),
                    Cell::text(c.status.as_str().replace('_', " ")),
                    Cell::text(l.text(c.note)),
                    Cell::source(l.text(c.source)),
                ]
            })
            .collect();
        let commitments: Vec<Vec<Cell>> = l
            .commitments
            .iter()
            .filter(|c| mine(c.partner) && c.date <= as_of)
            .map(|c| {
                vec![
                    Cell::text(date::format(c.date)),
                    Cell::text(c.id.as_str()),
                    Cell::text(c.kind.as_str().replace('_', " ")),
                    Cell::text(format!(
                        "{} {}",
                        c.channel.map_or("any channel", |ch| ch.as_str()),
                        c.instrument.as_str()
                    )),
                    Cell::euros(c.amount),
                    Cell::source(l.text(c.source)),
                ]
            })
            .collect();
        let allocations: Vec<Vec<Cell>> = l
            .allocations
            .iter()
            .filter(|a| mine(a.partner) && a.date <= as_of)
            .map(|a| {
                vec![
                    Cell::text(date::format(a.date)),
                    Cell::text(a.kind.as_str()),
                    Cell::text(a.instrument.as_str()),
                    Cell::euros(a.amount),
                    Cell::source(l.text(a.source)),
                ]
            })
            .collect();
        let mine_releases = releases_of.get(p.code.as_str()).map(Vec::as_slice).unwrap_or_default();
        let skip = mine_releases.len().saturating_sub(PARTNER_RELEASES);
        let release_rows: Vec<Vec<Cell>> =
            mine_releases[skip..].iter().rev().map(|r| tables::payment_row(l, r, &s.pages)).collect();
        let requests: Vec<&crate::progress::RequestState> =
            now.request_states.iter().filter(|q| q.partner == p.code).collect();
        let request_rows: Vec<Vec<Cell>> = requests.iter().map(|q| tables::request_row(q, as_of, &s.pages)).collect();
        let notes: Vec<Value> = requests
            .iter()
            .filter(|q| !q.note.is_empty() || !q.decisions.is_empty())
            .map(|q| {
                context! {
                    id => q.id,
                    note => q.note,
                    decisions => q.decisions.iter().map(|(d, source, note)| context! {
                        date => date::format(*d),
                        source => Cell::source(source),
                        note => note,
                    }).collect::<Vec<_>>(),
                }
            })
            .collect();
        let history: Vec<Vec<Cell>> = now
            .timeline
            .iter()
            .filter(|t| t.partner == p.code)
            .map(|t| {
                let mut row = vec![Cell::text(&t.month), Cell::millions(t.paid_cumulative)];
                if by_step {
                    row.push(Cell::millions(t.planned_cumulative));
                }
                row
            })
            .collect();
        let mut history_columns = vec![col("month", "", false), col("paid, cumulative", "", true)];
        if by_step {
            history_columns.push(col("planned, cumulative", "", true));
        }
        let areas: Vec<Vec<Cell>> = now
            .areas
            .iter()
            .filter(|a| a.partner == p.code)
            .map(|a| {
                let c = counts.get(&(p.code.as_str(), a.area.as_str())).copied().unwrap_or_default();
                let mut row = vec![Cell::text(&a.area), Cell::text(a.figures.steps_total.to_string())];
                row.extend(c.iter().map(|n| Cell::text(n.to_string())));
                row.push(Cell::millions(a.figures.value_withheld));
                row
            })
            .collect();
        let area_columns = vec![
            col("policy area", "", false),
            col("steps", "", true),
            col("fulfilled", "", true),
            col("partially", "", true),
            col("overdue, in grace", "", true),
            col("expired", "", true),
            col("not yet due", "", true),
            col("unmet money, in grace", "", true),
        ];
        let chart_name = crate::charts::partner_chart_name(now, &p.code);
        let area_table =
            Table::new("areas", format!("{}: steps by policy area", p.code), area_columns, areas).under("../");
        let partner_chart = if by_step {
            s.chart(
                &chart_name,
                format!("Stacked bar chart of {}'s reform steps by policy area and status.", p.name),
                "Steps by policy area; the table gives the counts.".into(),
                area_table.clone(),
            )
        } else {
            None
        };
        let deadline_rows: Vec<Vec<Cell>> = now
            .deadlines
            .iter()
            .filter(|d| d.partner == p.code)
            .map(|d| {
                vec![
                    Cell::text(date::format(d.date)),
                    Cell::text(what(d.kind)),
                    Cell::text(&d.step),
                    Cell::euros(d.amount),
                ]
            })
            .collect();
        let ctx = context! {
            outlook => super::outlook::partner(s, &p.code),
            code => p.code,
            name => p.name,
            local_name => p.local_name,
            by_step => by_step,
            note => row.map(|r| l.text(r.note)),
            partner_source => row.map(|r| Cell::source(l.text(r.source))),
            agreements => agreements,
            figures => vec![
                context! { label => "Envelope", value => m(pf.envelope) },
                context! { label => "Committed", value => if pf.committed == 0 { "none recorded".to_string() } else { m(pf.committed) } },
                context! { label => "Paid (net)", value => if p.requests.reported_unitemised_known { m(pf.paid) } else { format!("at least {}", m(pf.paid)) } },
                context! { label => "Share of the envelope paid", value => share(pf.paid, pf.envelope) },
                context! { label => "Paid as grants", value => m(pf.paid_grant) },
                context! { label => "Paid as loans", value => m(pf.paid_loan) },
                context! { label => "Paid to the budget", value => m(pf.paid_budget) },
                context! { label => "Paid through the WBIF", value => m(pf.paid_wbif) },
                context! { label => "Pre-financing paid", value => m(pf.paid_prefinancing) },
                context! { label => "Pre-financing cleared", value => m(pf.prefinancing_cleared) },
                context! { label => "Requests submitted", value => p.requests.requests_submitted.to_string() },
                context! { label => "Requests assessed", value => p.requests.requests_assessed.to_string() },
                context! { label => "Requested", value => bound(&p.requests.requested, true) },
                context! { label => "Approved", value => bound(&p.requests.approved, true) },
                context! { label => "Pending with the Commission", value => bound(&p.requests.pending, true) },
                context! { label => "Not approved, grace period running", value => bound(&p.requests.withheld_by_assessments, true) },
                context! { label => "Published, not itemised", value => if p.requests.reported_unitemised_known { m(p.requests.reported_unitemised) } else { "not published (part of the total of all partners)".to_string() } },
            ],
            steps => if by_step { vec![
                context! { label => "Steps fulfilled of due", value => format!("{} of {}", pf.steps_fulfilled, pf.steps_due) },
                context! { label => "Steps overdue", value => pf.steps_overdue.to_string() },
                context! { label => "Unmet money, in grace", value => m(pf.value_withheld) },
                context! { label => "Expired", value => m(pf.value_expired) },
            ] } else { Vec::new() },
            requests => Table::new("requests", format!("{}: payment requests and the Commission's assessments", p.code), tables::request_columns(), request_rows).under("../"),
            notes => notes,
            releases => Table::new("releases", format!("{}: releases, latest first", p.code), tables::payment_columns(), release_rows).under("../"),
            earlier_releases => skip,
            history => Table::new("history", format!("{}: cumulative payments by month", p.code), history_columns, history).under("../"),
            conditions => Table::new("conditions", format!("{}: assessments of the conditions", p.code), vec![
                col("date", "", false),
                col("condition", "", false),
                col("status", "", false),
                col("note", "", false),
                col("source", "", false),
            ], conditions).under("../"),
            commitments => Table::new("commitments", format!("{}: commitments", p.code), vec![
                col("date", "", false),
                col("commitment", "", false),
                col("kind", "", false),
                col("channel", "", false),
                col("amount", "", true),
                col("source", "", false),
            ], commitments).under("../"),
            allocations => Table::new("allocations", format!("{}: envelope allocations and changes", p.code), vec![
                col("date", "", false),
                col("kind", "", false),
                col("instrument", "", false),
                col("amount", "", true),
                col("source", "", false),
            ], allocations).under("../"),
            areas => area_table,
            partner_chart => partner_chart,
            deadlines => Table::new("partner-deadlines", format!("{}: steps falling due and grace periods ending by {}", p.code, date::format(s.six_months)), vec![
                col("date", "", false),
                col("what", "", false),
                col("step", "", false),
                col("amount", "", true),
            ], deadline_rows).under("../"),
            // The page of the listing where its steps begin (steps are sorted by partner).
            steps_href => {
                let first = now.steps.iter().position(|st| st.partner == p.code).unwrap_or(0);
                let names = tables::page_names("steps", now.steps.len());
                format!("{}?partner={}", names[first / tables::PAGE_ROWS], p.code)
            },
            ..s.page(
                &href,
                "../",
                format!("{} {}", p.code, p.name),
                format!("{} under the {}: requests, assessments, releases and sources, as of {}.", p.name, l.facility.short_name, date::format(as_of)),
                &if by_step { format!("{chart_name}.png") } else { "requests.png".to_string() },
                false,
            )
        };
        files.push((href, s.render("partner.html", ctx)?));
    }

    Ok(files)
}
