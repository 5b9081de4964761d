//! Settlements: each regular release replayed step by step, in the order the releases happened.

use rayon::prelude::*;
use smallvec::SmallVec;

use super::{Index, Release};
use crate::date::Date;
use crate::ledger::model::*;

/// How a regular release is made up, step by step: what each step was worth when paid, and what the
/// release should have transferred after clearing pre-financing.
#[derive(Debug, Clone)]
pub struct Settlement {
    /// The release's date.
    pub date: Date,
    /// The release's position in the releases in the order they happened.
    pub release: usize,
    /// The pre-financing this release clears.
    pub clearance: i128,
    /// (step's position in the ledger's steps, gross euros this release pays for it); nearly every
    /// release pays one step, kept inline.
    pub paid_steps: SmallVec<[(u32, i64); 1]>,
    /// A release that lists no steps (its partner's figures are kept request by request): what it
    /// transferred. Its gross is then derived from it: the net plus the clearance.
    pub net_only: Option<i128>,
}

impl Settlement {
    /// What it was worth gross: the sum of the paid steps, or for a release without steps its net plus
    /// the clearance derived from it.
    pub fn gross(&self) -> i128 {
        match self.net_only {
            Some(net) => net + self.clearance,
            None => self.paid_steps.iter().map(|&(_, v)| v as i128).sum(),
        }
    }

    /// What the release should have transferred: the gross less the clearance.
    pub fn expected_net(&self) -> i128 {
        self.gross() - self.clearance
    }
}

/// Replays the regular releases in order, tracking per step the gross already paid and per partner the
/// pre-financing still to clear. Steps that cannot be paid (unknown, other partner, not fulfilled,
/// already paid) contribute nothing; the rules report them. A settlement depends only on the releases
/// before it and the assessments up to its date, so the settlements of the releases up to a date are a
/// prefix of those of all releases.
pub fn settlements(l: &Ledger, releases: &[Release], index: &Index) -> Vec<Settlement> {
    // First, on every core, what each step a regular release can pay is worth on its date: that depends
    // on no earlier release.
    let mut out: Vec<Settlement> = releases
        .par_iter()
        .enumerate()
        .filter(|(_, r)| r.kind == PaymentKind::Regular)
        .map(|(k, r)| Settlement {
            date: r.date,
            release: k,
            clearance: 0,
            paid_steps: r.own_steps(index).map(|i| (i as u32, index.worth_on(i, r.date))).collect(),
            net_only: r.names_no_step().then_some(r.net),
        })
        .collect();
    // Then the replay in order, turning each worth into what is still unpaid.
    // Gross paid so far, by step position.
    let mut paid_per_step: Vec<i64> = vec![0; l.steps.len()];
    // Pre-financing still to clear, by partner.
    let mut to_clear: Vec<i128> = vec![0; l.partner_codes.len()];
    let mut settling = out.iter_mut();
    for r in releases {
        let to_clear = &mut to_clear[r.partner.0 as usize];
        match r.kind {
            PaymentKind::PreFinancing => *to_clear += r.net,
            PaymentKind::Regular => {
                // One settlement was made above for each regular release, in the same order.
                let Some(s) = settling.next() else { continue };
                for (i, worth) in &mut s.paid_steps {
                    let already = &mut paid_per_step[*i as usize];
                    // At most the step's amount, which a cell bounds: an i64 holds it.
                    let now = (*worth - *already).max(0);
                    *already += now;
                    *worth = now;
                }
                let due = match s.net_only {
                    // The clearance is the rate of the gross, and net = gross - clearance: so it is
                    // net * rate / (1 - rate).
                    Some(net) => l.facility.prefinancing_clearance.of_net(net),
                    None => l.facility.prefinancing_clearance.of(s.gross()),
                };
                s.clearance = due.min(*to_clear).max(0);
                *to_clear -= s.clearance;
            }
        }
    }
    out
}
