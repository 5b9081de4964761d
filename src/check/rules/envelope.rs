//! Rules on amounts against envelopes and commitments: C001-C006.

use super::*;

/// C001: the grant allocations of all partners stay within the facility's grant envelope; loans likewise.
pub(super) fn facility_envelope(cx: &LedgerCtx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    for (instrument, limit) in
        [(Instrument::Grant, l.facility.grant_envelope), (Instrument::Loan, l.facility.loan_envelope)]
    {
        let rows = chronological(l.allocations.iter().filter(|a| a.instrument == instrument), |a| (a.date, a.at));
        let (mut total, mut over) = (0i128, false);
        for a in rows {
            total += a.amount as i128;
            if total > limit as i128 && !over {
                out.push(
                    cx.at(
                        Code::FacilityEnvelopeExceeded,
                        a.at,
                        "amount_eur",
                        format!(
                            "with this row the {} allocations of all partners reach {} on {}, above the facility's {} envelope of {}",
                            instrument.as_str(),
                            eur(total),
                            date::format(a.date),
                            instrument.as_str(),
                            eur(limit as i128)
                        ),
                    )
                    .hint("check the amount and instrument, or the envelope in facility.toml"),
                );
            }
            over = total > limit as i128;
        }
    }
    out
}

/// C002: no partner's envelope (per instrument) goes below zero.
pub(super) fn negative_envelope(cx: &LedgerCtx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    let mut running: BTreeMap<(&str, Instrument), i128> = BTreeMap::new();
    for a in chronological(&l.allocations, |a| (a.date, a.at)) {
        let t = running.entry((l.partner_code(a.partner), a.instrument)).or_default();
        let was_negative = *t < 0;
        *t += a.amount as i128;
        if *t < 0 && !was_negative {
            out.push(
                cx.at(
                    Code::NegativeEnvelope,
                    a.at,
                    "amount_eur",
                    format!(
                        "{}'s {} envelope falls to {} with this row",
                        l.partner_code(a.partner),
                        a.instrument.as_str(),
                        eur(*t)
                    ),
                )
                .hint("a cut cannot take more than the envelope holds; check the amount or the earlier allocations"),
            );
        }
    }
    out
}

/// C003: what is committed never exceeds what is allocated, per partner and instrument, on any date.
pub(super) fn over_committed(cx: &LedgerCtx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    let cuts: FxHashMap<(&str, Instrument), Vec<&Allocation>> = grouped(
        l.allocations.iter().filter(|a| a.amount < 0),
        |a| (l.partner_code(a.partner), a.instrument),
        |a| a.date,
    )
    .into_iter()
    .collect();
    for ((partner, instrument), rows) in
        grouped(&l.commitments, |c| (l.partner_code(c.partner), c.instrument), |c| c.date)
    {
        let allocated = cx.envelopes().series(partner, Some(instrument));
        let committed_by = Series::new(rows.iter().map(|c| (c.date, c.amount)).collect());
        let mut committed = 0i128;
        let mut over = false;
        for c in rows {
            committed += c.amount as i128;
            let limit = allocated.at(c.date);
            if committed > limit && !over {
                out.push(
                    cx.at(
                        Code::OverCommitted,
                        c.at,
                        "amount_eur",
                        format!(
                            "{partner}'s {} commitments reach {} on {}, above its {} envelope of {}",
                            instrument.as_str(),
                            eur(committed),
                            date::format(c.date),
                            instrument.as_str(),
                            eur(limit)
                        ),
                    )
                    .hint("a commitment must fit in the envelope on its date; check the amount, or record the allocation first"),
                );
            }
            over = committed > limit;
        }
        // A later cut can also push the envelope below what is already committed.
        for a in cuts.get(&(partner, instrument)).into_iter().flatten() {
            let committed_then = committed_by.at(a.date);
            let envelope_then = allocated.at(a.date);
            if committed_then > envelope_then && committed_then <= allocated.at(a.date.pred_opt().unwrap_or(a.date)) {
                out.push(
                    cx.at(
                        Code::OverCommitted,
                        a.at,
                        "amount_eur",
                        format!(
                            "this cut leaves {partner}'s {} envelope at {}, below the {} already committed",
                            instrument.as_str(),
                            eur(envelope_then),
                            eur(committed_then)
                        ),
                    )
                    .hint("de-commit first (a negative commitment), then cut"),
                );
            }
        }
    }
    out
}

/// C004: what is paid never exceeds what is committed (where commitments are recorded for that
/// instrument, and per channel where channel commitments are recorded), or else what is allocated.
///
/// One pass over the payments in the order they happened (date, then place in the file), each adding to
/// the running totals of its partner and instrument.
pub(super) fn over_paid(cx: &LedgerCtx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let mut out = Vec::new();
    let commitments: FxHashMap<(&str, Instrument), Vec<&Commitment>> =
        grouped(&l.commitments, |c| (l.partner_code(c.partner), c.instrument), |c| c.date).into_iter().collect();
    // The limits of a partner and instrument, each with its running total and whether it is over.
    struct Limit {
        channel: Option<Channel>,
        series: Series,
        what: &'static str,
        /// The dates of `series` passed so far (payments come in date order).
        seen: usize,
        paid: i128,
        over: bool,
    }
    let limits_of = |partner: &str, instrument: Instrument| -> Vec<Limit> {
        let limit = |channel, series, what| Limit { channel, series, what, seen: 0, paid: 0, over: false };
        let commitments = commitments.get(&(partner, instrument)).map(Vec::as_slice).unwrap_or(&[]);
        if commitments.is_empty() {
            return vec![limit(None, cx.envelopes().series(partner, Some(instrument)), "allocated")];
        }
        let mut limits =
            vec![limit(None, Series::new(commitments.iter().map(|c| (c.date, c.amount)).collect()), "committed")];
        for channel in [Channel::Budget, Channel::Wbif] {
            if commitments.iter().any(|c| c.channel == Some(channel)) {
                let s = Series::new(
                    commitments
                        .iter()
                        .filter(|c| c.channel.is_none_or(|x| x == channel))
                        .map(|c| (c.date, c.amount))
                        .collect(),
                );
                limits.push(limit(Some(channel), s, "committed"));
            }
        }
        limits
    };
    // By partner number and instrument, made when first paid.
    let mut state: Vec<Option<Vec<Limit>>> = Vec::new();
    state.resize_with(l.partner_codes.len() * Instrument::WORDS.len(), || None);
    let mut pay = |p: &Payment| {
        let limits = state[p.partner.0 as usize * Instrument::WORDS.len() + p.instrument as usize]
            .get_or_insert_with(|| limits_of(l.partner_code(p.partner), p.instrument));
        for limit in limits.iter_mut().filter(|x| x.channel.is_none_or(|c| c == p.channel)) {
            limit.paid += p.amount as i128;
            let cap = limit.series.at_in_order(p.date, &mut limit.seen);
            if limit.paid > cap && !limit.over {
                let partner = l.partner_code(p.partner);
                let scope = match limit.channel {
                    Some(c) => format!("{} via {}", p.instrument.as_str(), c.as_str()),
                    None => p.instrument.as_str().to_string(),
                };
                out.push(
                    cx.at(
                        Code::OverPaid,
                        p.at,
                        "amount_eur",
                        format!(
                            "{partner}'s {scope} payments reach {} on {}, above the {} {} by then",
                            eur(limit.paid),
                            date::format(p.date),
                            eur(cap),
                            limit.what
                        ),
                    )
                    .hint(if limit.series.is_empty() {
                        "nothing is recorded to pay from: record the allocation or commitment first".to_string()
                    } else {
                        format!("check the amount, or record the {} amount that covers it", limit.what)
                    }),
                );
            }
            limit.over = limit.paid > cap;
        }
    };
    in_time_order(&l.payments).into_iter().for_each(&mut pay);
    out
}

/// The payments in the order they happened: by date, then place in the file.
pub(super) fn in_time_order(payments: &Rows<Payment>) -> Vec<&Payment> {
    let all: Vec<&Payment> = payments.iter().collect();
    // (date, position) pairs sort in place without reading the rows, as `grouped` does: the 10^6 check target.
    let mut order: Vec<(Date, u32)> = all.iter().enumerate().map(|(i, p)| (p.date, i as u32)).collect();
    order.sort_unstable();
    order.into_iter().map(|(_, i)| all[i as usize]).collect()
}

/// C005: pre-financing per partner is at most the cap (a share of its envelope on the payment date).
pub(super) fn prefinancing_cap(cx: &Ctx) -> Vec<Diagnostic> {
    let l = cx.ledger;
    let cap_rate = l.facility.prefinancing_cap;
    let mut out = Vec::new();
    let mut paid: BTreeMap<&str, i128> = BTreeMap::new();
    for r in cx.releases().iter().filter(|r| r.kind == PaymentKind::PreFinancing) {
        let total = paid.entry(r.partner_code(l)).or_default();
        *total += r.net;
        let envelope = cx.envelopes().at(r.partner_code(l), None, r.date);
        let cap = cap_rate.of(envelope);
        if *total > cap {
            out.push(
                cx.at(
                    Code::PrefinancingAboveCap,
                    r.first(l).at,
                    "amount_eur",
                    format!(
                        "pre-financing `{}` brings {}'s pre-financing to {}, above {} of its envelope ({} of {})",
                        r.id,
                        r.partner_code(l),
                        eur(*total),
                        cap_rate,
                        eur(cap),
                        eur(envelope)
                    ),
                )
                .hint("check the components' amounts, or the partner's allocations up to that date"),
            );
        }
    }
    out
}

/// C006: pre-financing is paid at most once per partner.
pub(super) fn prefinancing_repeated(cx: &Ctx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut first: BTreeMap<&str, &Release> = BTreeMap::new();
    for r in cx.releases().iter().filter(|r| r.kind == PaymentKind::PreFinancing) {
        match first.get(r.partner_code(cx.ledger)) {
            Some(f) => out.push(
                cx.at(
                    Code::PrefinancingRepeated,
                    r.first(cx.ledger).at,
                    "kind",
                    format!(
                        "{} already received pre-financing in release `{}` on {}",
                        r.partner_code(cx.ledger),
                        f.id,
                        date::format(f.date)
                    ),
                )
                .hint("give the components of one pre-financing the same id, or record this as a regular release"),
            ),
            None => {
                first.insert(r.partner_code(cx.ledger), r);
            }
        }
    }
    out
}
