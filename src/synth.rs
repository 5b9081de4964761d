//! Synthetic ledgers for benchmarks and tests: any number of partners, steps and payment rows, the same
//! for the same seed, in the shipped format, and passing `check`. Pure: returns the files' contents.

use std::fmt::Write as _;

use crate::date::{self, Date};
use crate::ledger::facility::TEMPLATE;
use crate::ledger::schema::LedgerFile;
use crate::money::format_plain;

/// The most payment rows (release components) that pay one synthetic step.
pub const MAX_ROWS_PER_STEP: usize = 30;

/// The components of a synthetic release, WBIF first so that any split keeps at least half of the money on
/// the WBIF (rule C013).
const COMPONENTS: [(&str, &str); 3] = [("wbif", "loan"), ("budget", "loan"), ("wbif", "grant")];

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub partners: usize,
    pub steps: usize,
    pub payments: usize,
    pub seed: u64,
}

/// A small deterministic generator (xorshift64*), so the same seed gives the same ledgers everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The files of a synthetic data folder, by file name.
///
/// Every paid step is assessed before each of its releases and paid within its grace period; releases carry no
/// pre-financing clearance (there is no pre-financing), so each release transfers exactly the value of its
/// step, split over up to three components; a step with more rows is paid by successive
/// releases, each after a partial assessment. Each instrument's envelope of a partner equals the value of
/// its steps.
pub fn generate(spec: Spec) -> Result<Vec<(String, String)>, String> {
    if spec.partners == 0 || spec.steps < spec.partners {
        return Err("synth needs at least one partner and one step per partner".into());
    }
    let max_rows = spec.steps.saturating_mul(MAX_ROWS_PER_STEP);
    if spec.payments > max_rows {
        return Err(format!(
            "{} payment rows need at least {} steps (up to {MAX_ROWS_PER_STEP} rows pay one step)",
            spec.payments,
            spec.payments.div_ceil(MAX_ROWS_PER_STEP)
        ));
    }
    let mut rng = Rng(spec.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let start = Date::from_ymd_opt(2024, 7, 1).expect("a date");
    let span_days = (Date::from_ymd_opt(2027, 12, 1).expect("a date") - start).num_days() as u64;
    let code = |p: usize| format!("P{:0width$}", p + 1, width = spec.partners.to_string().len());

    let mut partners = String::from(
        "code,name,local_name,agenda_approved,facility_agreement_in_force,loan_agreement_in_force,source,note\n",
    );
    for p in 0..spec.partners {
        writeln!(partners, "{},Partner {},,2024-06-01,2024-06-15,2024-06-15,synthetic,", code(p), p + 1).ok();
    }

    // Steps: amounts, and which are paid (the first `paid_steps` in a shuffled order).
    let rows_per_step = spec.payments.div_ceil(spec.steps.max(1)).clamp(1, MAX_ROWS_PER_STEP);
    let paid_steps = spec.payments.div_ceil(rows_per_step);
    let mut order: Vec<usize> = (0..spec.steps).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut paid = vec![false; spec.steps];
    for &s in order.iter().take(paid_steps) {
        paid[s] = true;
    }
    let mut steps = String::from("id,partner,area,reform,description,kind,due,amount_eur,source,note\n");
    let mut events = String::from("date,step,status,amount_eur,source,note\n");
    let mut payments = String::from("id,date,partner,kind,channel,instrument,amount_eur,steps,request,source,note\n");
    // One request per partner and year, as partners report (a few dozen requests whatever the size),
    // reporting on the end of the year (a due date of every reporting period length): the paid steps
    // due that year, each found met and approved at its whole amount before the first release.
    let mut requested: std::collections::BTreeMap<(usize, i32), (u32, i64)> = Default::default();
    let mut envelope = vec![0i64; spec.partners];
    let max_step_euros = (200_000_000_000 / spec.steps as u64).clamp(2_000, 10_000_000);
    let mut rows_left = spec.payments;
    for (s, &is_paid) in paid.iter().enumerate() {
        let p = s % spec.partners;
        // EUR 1,000 up to 10,000,000, less for many steps, so that the facility's totals stay far inside
        // what an amount cell may hold.
        let amount = (1_000 + rng.below(max_step_euros - 1_000)) as i64 * 100;
        envelope[p] += amount;
        // Up to three components (WBIF loan, budget loan, WBIF grant) per release; more rows for one step
        // are more releases on successive days, each paying what a new partial assessment found on top.
        let rows = if is_paid { rows_per_step.min(rows_left) } else { 0 };
        rows_left -= rows;
        let releases = rows.div_ceil(COMPONENTS.len()).max(1);
        let first = start + chrono::Duration::days(rng.below(span_days - releases as u64 + 1) as i64);
        let due = half_year_end(first + chrono::Duration::days(releases as i64 - 1));
        let id = format!("{}-S{s}", code(p));
        writeln!(
            steps,
            "{id},{},Area {},Reform {},Synthetic step,qualitative,{},{},synthetic,",
            code(p),
            s % 4 + 1,
            s % 7 + 1,
            date::format(due),
            format_plain(amount)
        )
        .ok();
        use chrono::Datelike;
        let request = format!("{}-Q{}", code(p), due.year());
        if rows > 0 {
            let r = requested.entry((p, due.year())).or_default();
            r.0 += 1;
            r.1 += amount;
        }
        let mut found = 0;
        let mut rows_to_write = rows;
        for j in 0..if rows == 0 { 0 } else { releases } {
            let date = first + chrono::Duration::days(j as i64);
            let tranche = if j + 1 == releases { amount - found } else { amount / releases as i64 / 100 * 100 };
            found += tranche;
            let assessed = if j == 0 { date - chrono::Duration::days(10) } else { date };
            if j + 1 == releases {
                writeln!(events, "{},{id},fulfilled,,synthetic,", date::format(assessed)).ok();
            } else {
                writeln!(
                    events,
                    "{},{id},partially_fulfilled,{},synthetic,",
                    date::format(assessed),
                    format_plain(found)
                )
                .ok();
            }
            let components = rows_to_write.min(COMPONENTS.len());
            rows_to_write -= components;
            let mut remaining = tranche;
            for (k, (channel, instrument)) in COMPONENTS.iter().take(components).enumerate() {
                let part = if k + 1 == components { remaining } else { tranche / components as i64 / 100 * 100 };
                remaining -= part;
                writeln!(
                    payments,
                    "R{s}-{j},{},{},regular,{channel},{instrument},{},{id},{request},synthetic,",
                    date::format(date),
                    code(p),
                    format_plain(part)
                )
                .ok();
            }
        }
    }
    // Requested and approved just after the agreements, before the first release (2024-07-01).
    let mut requests = format!("{}\n", LedgerFile::Requests.spec().expect("a table").header());
    let mut assessments = format!("{}\n", LedgerFile::Assessments.spec().expect("a table").header());
    for ((p, year), (count, total)) in &requested {
        let id = format!("{}-Q{year}", code(*p));
        writeln!(requests, "{id},2024-06-16,{},{year}-12-31,{count},{},,synthetic,", code(*p), format_plain(*total))
            .ok();
        writeln!(assessments, "2024-06-20,{id},{count},0,0,{},synthetic,", format_plain(*total)).ok();
    }
    let mut allocations = String::from("date,partner,instrument,amount_eur,kind,source,note\n");
    for (p, total) in envelope.iter().enumerate() {
        // Each instrument's envelope holds the value of all the partner's steps, so that however the
        // components fall between grants and loans, nothing is paid beyond what is allocated.
        for instrument in ["grant", "loan"] {
            writeln!(allocations, "2024-05-25,{},{instrument},{},initial,synthetic,", code(p), format_plain(*total))
                .ok();
        }
    }
    let header = |f: LedgerFile| format!("{}\n", f.spec().expect("a table").header());
    // The facility's envelopes must hold every partner's: scale them to the synthetic total.
    let total: i64 = envelope.iter().sum();
    let facility = TEMPLATE
        .replace("grant_eur = \"2000000000.00\"", &format!("grant_eur = \"{}\"", format_plain(total)))
        .replace("loan_eur = \"4000000000.00\"", &format!("loan_eur = \"{}\"", format_plain(total)))
        .replace(
            "max_regular_releases_per_year = 2",
            &format!("max_regular_releases_per_year = {}", spec.payments.max(2)),
        );
    Ok(vec![
        ("facility.toml".into(), facility),
        ("partners.csv".into(), partners),
        ("allocations.csv".into(), allocations),
        ("commitments.csv".into(), header(LedgerFile::Commitments)),
        ("steps.csv".into(), steps),
        ("step_events.csv".into(), events),
        ("payments.csv".into(), payments),
        ("conditions.csv".into(), header(LedgerFile::Conditions)),
        ("control_totals.csv".into(), header(LedgerFile::ControlTotals)),
        ("requests.csv".into(), requests),
        ("assessments.csv".into(), assessments),
        ("corrections.csv".into(), header(LedgerFile::Corrections)),
    ])
}

/// The last day of the half-year of `d` (30 June or 31 December).
fn half_year_end(d: Date) -> Date {
    use chrono::Datelike;
    if d.month() <= 6 {
        Date::from_ymd_opt(d.year(), 6, 30).expect("a date")
    } else {
        Date::from_ymd_opt(d.year(), 12, 31).expect("a date")
    }
}
