//! What a partner's records show of its pace and delay, and the pace and delay the projection at the
//! observed pace applies: the partner's own where its records publish them, else the facility's.

use crate::ledger::model::{Ledger, PaymentKind};
use crate::progress::{Granularity, Progress};
use crate::replay::Replay;

/// A share observed so far: `num / den` of something, summed over the `parts` that published both.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Share {
    pub(super) num: i128,
    pub(super) den: i128,
    pub(super) parts: u32,
}

impl Share {
    fn add(&mut self, other: Share) {
        self.num += other.num;
        self.den += other.den;
        self.parts += other.parts;
    }
}

/// What a partner's records show of its pace and delay.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Observed {
    requested_value: Share,
    step_value: Share,
    step_count: Share,
    delay_days: i64,
    delay_releases: u32,
}

/// Each partner's observed pace and delay, by its position in `p.partners`.
pub(super) fn observe(l: &Ledger, replay: &Replay, p: &Progress) -> Vec<Observed> {
    let position = |code: &str| p.partners.iter().position(|x| x.code == code);
    let by_number: Vec<Option<usize>> = l.partner_codes.iter().map(|c| position(c.as_str())).collect();
    let mut out = vec![Observed::default(); p.partners.len()];
    for q in &p.request_states {
        let Some(k) = position(&q.partner) else { continue };
        if q.assessments == 0 {
            continue;
        }
        if let (Some(requested), Some(approved), 0) = (q.requested, q.approved.value(), q.approved.blank) {
            if requested > 0 {
                out[k].requested_value.add(Share { num: approved as i128, den: requested as i128, parts: 1 });
            }
        }
        if let (Some(claimed), Some(met), 0) = (q.steps_claimed, q.steps_met.value(), q.steps_met.blank) {
            if claimed > 0 {
                out[k].step_count.add(Share { num: met as i128, den: claimed as i128, parts: 1 });
            }
        }
    }
    for (k, pp) in p.partners.iter().enumerate() {
        let f = &pp.figures;
        if pp.requests.granularity == Granularity::Steps {
            let met = f.value_paid + f.value_fulfilled_unpaid;
            let due = met + f.value_withheld + f.value_expired;
            if due > 0 {
                out[k].step_value = Share { num: met as i128, den: due as i128, parts: f.steps_due as u32 };
            }
        }
    }
    // The delay: from the latest period end (or due date) a regular release pays to its date.
    for s in replay.settlements_until(p.as_of) {
        let r = &replay.releases[s.release];
        if r.kind != PaymentKind::Regular {
            continue;
        }
        let named = replay.requests.named(l, r.request);
        let by_request = named.iter().filter_map(|(_, row)| row.map(|i| l.requests[i].period_end)).max();
        let by_step = s.paid_steps.iter().filter_map(|&(i, _)| l.steps.get(i as usize).map(|st| st.due)).max();
        let partner = by_number.get(r.partner.0 as usize).copied().flatten();
        let (Some(reference), Some(k)) = (by_request.or(by_step), partner) else { continue };
        let days = (r.date - reference).num_days();
        if days >= 0 {
            out[k].delay_days += days;
            out[k].delay_releases += 1;
        }
    }
    out
}

/// What the records of all partners show together.
pub(super) fn facility(observed: &[Observed]) -> Observed {
    let mut facility_observed = Observed::default();
    for o in observed {
        facility_observed.requested_value.add(o.requested_value);
        facility_observed.step_value.add(o.step_value);
        facility_observed.step_count.add(o.step_count);
        facility_observed.delay_days += o.delay_days;
        facility_observed.delay_releases += o.delay_releases;
    }
    facility_observed
}

/// The pace the projection at the observed pace applies: the partner's own, else the facility's, in the
/// order requested value, step value, step count.
pub(super) fn pace(own: &Observed, facility: &Observed) -> (Share, &'static str) {
    let choices = [
        (own.requested_value, "requested_value"),
        (own.step_value, "step_value"),
        (own.step_count, "step_count"),
        (facility.requested_value, "facility_requested_value"),
        (facility.step_value, "facility_step_value"),
        (facility.step_count, "facility_step_count"),
    ];
    choices
        .into_iter()
        .find(|(s, _)| s.den > 0)
        .map(|(s, basis)| (Share { num: s.num.clamp(0, s.den), ..s }, basis))
        .unwrap_or((Share { num: 0, den: 1, parts: 0 }, "none"))
}

/// The mean delay (whole days, rounded down) of the partner's releases, else of the facility's.
pub(super) fn delay(own: &Observed, facility: &Observed) -> (i64, &'static str, u32) {
    for (o, basis) in [(own, "own"), (facility, "facility")] {
        if o.delay_releases > 0 {
            return (o.delay_days.div_euclid(o.delay_releases as i64), basis, o.delay_releases);
        }
    }
    (0, "none", 0)
}
