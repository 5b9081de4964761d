//! Each partner's open money cut into items (a value, a due date, a grace end and a kind): from its
//! steps where steps are known, else from its requests, with what expired so far and the expiry
//! calendar's entries; then fitted within the open money, the unscheduled rest spread over the due dates
//! ahead.

use std::collections::BTreeMap;

use super::{Item, Kind};
use crate::date::Date;
use crate::ledger::facility::Facility;
use crate::progress::{Expiry, Partial, Progress, StepState};

/// A step-level partner's items, what expired, and its calendar entries (one per grace end).
pub(super) fn step_items(
    steps: &[StepState],
    as_of: Date,
    payments_until: Date,
    items: &mut Vec<Item>,
    expired: &mut Partial,
    calendar: &mut Vec<Expiry>,
    partner: &str,
) {
    let mut by_grace_end: BTreeMap<Date, (i64, Vec<String>)> = BTreeMap::new();
    for s in steps {
        let item = |value: i64, kind: Kind| Item { value, due: s.due, grace_end: s.grace_end, kind };
        if s.value_expired > 0 {
            expired.add(Some(s.value_expired));
        }
        if s.value_fulfilled_unpaid > 0 {
            items.push(item(s.value_fulfilled_unpaid, Kind::Met));
        }
        if s.value_withheld > 0 {
            items.push(item(s.value_withheld, Kind::Withheld));
            if s.grace_end > as_of && s.grace_end <= payments_until {
                let (sum, ids) = by_grace_end.entry(s.grace_end).or_default();
                *sum += s.value_withheld;
                ids.push(s.id.to_string());
            }
        }
        if s.value_ahead > 0 {
            items.push(item(s.value_ahead, Kind::Open));
        }
    }
    calendar.extend(by_grace_end.into_iter().map(|(date, (value, ids))| Expiry {
        date,
        partner: partner.to_string(),
        amount: Partial { value, known: ids.len() as u32, blank: 0 },
        requests: Vec::new(),
        steps: ids,
        pool_after: Partial::default(),
    }));
}

/// A request-level partner's items, what expired, the requests whose remainder is not published, and its
/// calendar entries. A withheld remainder is requested less approved, known only where both are published.
pub(super) fn request_items(
    p: &Progress,
    partner: &str,
    f: &Facility,
    items: &mut Vec<Item>,
    expired: &mut Partial,
    unpublished: &mut Vec<String>,
    calendar: &mut Vec<Expiry>,
) {
    for q in p.request_states.iter().filter(|q| q.partner == partner) {
        let item = |value: i64, grace_end: Date, kind: Kind| Item { value, due: q.period_end, grace_end, kind };
        if q.assessments == 0 {
            // Pending: the Commission has not decided, so its money is payable until payments end even
            // when the steps' grace period is over.
            if let Some(v) = q.requested.filter(|v| *v > 0) {
                let grace_end = if q.grace_end > p.as_of { q.grace_end } else { f.payments_until };
                items.push(item(v, grace_end, Kind::Open));
            }
            continue;
        }
        let remainder = match (q.requested, q.approved.blank) {
            (Some(requested), 0) => Some((requested - q.approved.value).max(0)),
            _ => None,
        };
        if remainder.is_none() {
            unpublished.push(q.id.clone());
        }
        // Approved and never released: paid as one (a release that paid it, alone or with others, paid
        // its approval).
        if q.approved.blank == 0 && q.approved.value > 0 && q.released == 0 && q.released_together == 0 {
            items.push(item(q.approved.value, q.grace_end, Kind::Met));
        }
        if q.grace_end <= p.as_of {
            if remainder != Some(0) {
                expired.add(remainder);
            }
            continue;
        }
        if remainder != Some(0) {
            calendar.push(Expiry {
                date: q.grace_end,
                partner: partner.to_string(),
                amount: match remainder {
                    Some(v) => Partial { value: v, known: 1, blank: 0 },
                    None => Partial { value: 0, known: 0, blank: 1 },
                },
                requests: vec![q.id.clone()],
                steps: Vec::new(),
                pool_after: Partial::default(),
            });
        }
        if let Some(v) = remainder.filter(|v| *v > 0) {
            items.push(item(v, q.grace_end, Kind::Withheld));
        }
    }
}

/// Keeps the items within the open money (the latest due first to go when they exceed it) and returns
/// what is left over: the open money no item schedules.
pub(super) fn fit(items: &mut Vec<Item>, open: i64) -> i64 {
    items.sort_by_key(|i| (i.due, i.grace_end, i.kind as u8));
    let mut left = open.max(0);
    for item in items.iter_mut() {
        item.value = item.value.min(left);
        left -= item.value;
    }
    items.retain(|i| i.value > 0);
    left
}

/// Spreads `amount` evenly over the due dates ahead (the cents left over on the last), or puts it on
/// the first day ahead, its grace ending with the facility's payments, when no due date is left.
pub(super) fn spread(amount: i64, due_ahead: &[Date], f: &Facility, first_day: Date, items: &mut Vec<Item>) {
    if amount <= 0 {
        return;
    }
    if due_ahead.is_empty() {
        items.push(Item { value: amount, due: first_day, grace_end: f.payments_until, kind: Kind::Open });
        return;
    }
    let n = due_ahead.len() as i64;
    for (k, d) in due_ahead.iter().enumerate() {
        let value = if k as i64 == n - 1 { amount - (amount / n) * (n - 1) } else { amount / n };
        items.push(Item { value, due: *d, grace_end: f.grace_end(*d), kind: Kind::Open });
    }
}
