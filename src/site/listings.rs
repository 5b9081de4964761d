//! The listings: payments and steps paged, requests whole, each sortable and filterable.

use super::*;

/// The releases up to the site's date, listed in the order they happened with their parts: the payments
/// pages and the sources page, side by side.
pub(super) fn payments_and_sources(s: &Site, out: &Staging) -> anyhow::Result<()> {
    let as_of = s.input.now.as_of;
    let listing = crate::meter::timed("site: listing the releases", || {
        let releases = s.input.replay.releases.iter().filter(|r| r.date <= as_of).collect();
        crate::replay::Listing::new(s.input.ledger, releases)
    });
    let (payments, sources) = rayon::join(
        || payments_pages(s, &listing, out),
        || crate::meter::timed("site: sources", || super::pages::sources_page(s, &listing)),
    );
    payments?;
    sources?.iter().try_for_each(|(path, bytes)| out.put(path, bytes))
}

/// The payments, paged; each page written as soon as it is rendered.
fn payments_pages(s: &Site, listing: &crate::replay::Listing, out: &Staging) -> anyhow::Result<()> {
    let (l, now) = (s.input.ledger, s.input.now);
    let as_of = now.as_of;
    let releases = &listing.releases;
    let payment_filters = [("partner", "partner"), ("kind", "kind"), ("channel", "channel")];
    let payment_values = vec![
        distinct(releases.iter().map(|r| r.partner_code(l))),
        distinct(releases.iter().map(|r| crate::report::quoted::kind_word(r.kind))),
        distinct(releases.iter().flat_map(|r| r.channels())),
    ];
    let names = tables::page_names("payments", releases.len());
    crate::meter::timed("site: payments pages", || {
        names
        .par_iter()
        .enumerate()
        .map(|(k, name)| {
            let first = k * tables::PAGE_ROWS;
            let chunk = releases.chunks(tables::PAGE_ROWS).nth(k).unwrap_or_default();
            let columns = tables::payment_columns();
            let mut rows = tables::Rows::new(&columns, "", chunk.len());
            let mut texts = tables::PaymentTexts::default();
            for (j, r) in chunk.iter().enumerate() {
                rows.row(tables::payment_cells(l, r, listing.parts(first + j), &s.pages, &mut texts));
            }
            let body = rows.body;
            let table = Table::written("payments", "Every release, oldest first", columns, chunk.len(), body)
                .interactive(&payment_filters, &payment_values);
            let ctx = context! {
                heading => "Payments",
                intro => "Every release recorded up to the site's date: what was transferred (net of the pre-financing clearance), its parts by channel and instrument, the request it pays and its source.",
                listing => table,
                total => releases.len(),
                pager => pager(&names, k),
                export => "data/payments.csv",
                ..s.page(name, "", "Payments".into(), format!("Every release of the {} as of {}, with its channel split and source.", l.facility.short_name, date::format(as_of)), "cumulative.png", true)
            };
            out.put(name, &s.render("listing.html", ctx)?)
        })
        .collect::<anyhow::Result<()>>()
    })
}

/// The payment requests, on one page.
pub(super) fn requests_page(s: &Site, out: &Staging) -> anyhow::Result<()> {
    let (l, now) = (s.input.ledger, s.input.now);
    let as_of = now.as_of;
    let request_rows: Vec<Vec<Cell>> =
        now.request_states.iter().map(|q| tables::request_row(q, as_of, &s.pages)).collect();
    let request_values = vec![
        distinct(now.request_states.iter().map(|q| q.partner.as_str())),
        distinct(now.request_states.iter().map(|q| tables::request_stage(q, as_of))),
    ];
    let table =
        Table::new("requests", "Every payment request, by partner and date", tables::request_columns(), request_rows)
            .interactive(&[("partner", "partner"), ("status", "status")], &request_values);
    let ctx = context! {
        heading => "Payment requests",
        intro => "Every payment request submitted up to the site's date, with the Commission's assessments and what was paid. A blank published figure reads \u{201c}not published\u{201d}; a sum with blanks reads \u{201c}at least\u{201d}.",
        listing => table,
        total => now.request_states.len(),
        export => "data/export/requests.csv",
        ..s.page("requests.html", "", "Payment requests".into(), format!("Every payment request under the {} as of {}, with its assessment, payment and source.", l.facility.short_name, date::format(as_of)), "requests.png", true)
    };
    out.put("requests.html", &s.render("listing.html", ctx)?)
}

/// The steps, paged where any are known; each page written as soon as it is rendered.
pub(super) fn steps_pages(s: &Site, out: &Staging) -> anyhow::Result<()> {
    let (l, now) = (s.input.ledger, s.input.now);
    let as_of = now.as_of;
    let steps_description = format!(
        "The reform steps of the {} as of {}, where they are published.",
        l.facility.short_name,
        date::format(as_of)
    );
    if now.steps.is_empty() {
        let ctx = context! {
            ..s.page("steps.html", "", "Reform steps".into(), steps_description, "requests.png", false)
        };
        out.put("steps.html", &s.render("steps.html", ctx)?)?;
    } else {
        let names = tables::page_names("steps", now.steps.len());
        let step_values = vec![
            distinct(now.steps.iter().map(|st| st.partner.as_str())),
            distinct(now.steps.iter().map(|st| tables::step_stage(st.stage))),
        ];
        crate::meter::timed("site: steps pages", || {
            names
            .par_iter()
            .enumerate()
            .map(|(k, name)| {
                let chunk = now.steps.chunks(tables::PAGE_ROWS).nth(k).unwrap_or_default();
                let columns = tables::step_columns();
                let mut rows = tables::Rows::new(&columns, "", chunk.len());
                let mut texts = tables::StepTexts::default();
                for st in chunk {
                    rows.row(tables::step_cells(st, &s.pages, &mut texts));
                }
                let body = rows.body;
                let table = Table::written("steps", "Reform steps by partner and id", columns, chunk.len(), body)
                    .interactive(&[("partner", "partner"), ("status", "status")], &step_values);
                let ctx = context! {
                    heading => "Reform steps",
                    intro => "Every reform step whose amount and deadline are published, with its status on the site's date and the money it holds back. Partners whose steps are not published are followed request by request.",
                    listing => table,
                    total => now.steps.len(),
                    pager => pager(&names, k),
                    export => "data/export/steps.csv",
                    ..s.page(name, "", "Reform steps".into(), steps_description.clone(), "steps.png", true)
                };
                out.put(name, &s.render("listing.html", ctx)?)
            })
            .collect::<anyhow::Result<()>>()
        })?;
    }
    Ok(())
}

/// The values a filter offers: those the listing holds, each once, sorted.
fn distinct<'v>(values: impl Iterator<Item = &'v str>) -> Vec<String> {
    // One at a time: a few values, named by up to a million rows at 10^6 (collected whole, they were sorted).
    let mut set = std::collections::BTreeSet::new();
    for v in values {
        set.insert(v);
    }
    set.into_iter().map(str::to_string).collect()
}

/// The pager of page `k` of a listing: every page's file, and which is this one.
pub(super) fn pager(names: &[String], k: usize) -> Value {
    context! {
        pages => names,
        current => k,
        previous => k.checked_sub(1).map(|p| names[p].clone()),
        next => names.get(k + 1),
    }
}
