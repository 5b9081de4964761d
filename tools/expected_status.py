#!/usr/bin/env python3
"""An independent second computation of `growthplan status --format json`, for the golden tests.

It shares no code with growthplan: it reads the canonical CSV ledgers with Python's csv module and
facility.toml with tomllib, and follows the definitions in docs/OUTPUT.md. The golden files in
tests/golden/status/ are written by this script, never copied from growthplan's output; the test
`status_matches_the_independent_computation` compares the two.

Usage (from the repository root): python3 tools/expected_status.py DATA_DIR AS_OF > FILE
"""
import csv
import json
import sys
import tomllib
from collections import defaultdict
from datetime import date


def cents(text):
    text = text.strip()
    neg = text.startswith("-")
    whole, _, frac = text.lstrip("+-").partition(".")
    v = int(whole) * 100 + int((frac + "00")[:2])
    return -v if neg else v


def day(text):
    return date.fromisoformat(text.strip())


def fmt(c):
    return f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"


def div_round(n, d):
    q, r = divmod(abs(n), d)
    if 2 * r >= d:
        q += 1
    return q if n >= 0 else -q


def pct(part, whole):
    if whole == 0:
        return None
    if whole < 0:
        part, whole = -part, -whole
    h = div_round(part * 10_000, whole)
    return f"{'-' if h < 0 else ''}{abs(h) // 100}.{abs(h) % 100:02d}"


def percent(text):
    """'7%' -> (numerator, denominator) as an exact fraction."""
    t = text.strip().rstrip("%").strip()
    whole, _, frac = t.partition(".")
    return int(whole + frac), 100 * 10 ** len(frac)


def add_months(d, months):
    y, m = divmod(d.month - 1 + months, 12)
    y, m = d.year + y, m + 1
    last = [31, 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    return date(y, m, min(d.day, last))


def rows(data, name):
    with open(f"{data}/{name}", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def main(data, as_of_text):
    as_of = day(as_of_text)
    with open(f"{data}/facility.toml", "rb") as f:
        fac = tomllib.load(f)
    clear_num, clear_den = percent(fac["rules"]["prefinancing_clearance"])
    grace = fac["rules"]["grace"]

    def grace_end(due):
        for g in grace:
            if "due_until" not in g or due <= g["due_until"]:
                return add_months(due, g["months"])
        return due

    partners = rows(data, "partners.csv")
    codes = sorted(p["code"] for p in partners)
    names = {p["code"]: p["name"] for p in partners}
    fig = defaultdict(lambda: defaultdict(int))  # partner -> field -> value; "ALL" for the facility

    def add(partner, field, value):
        fig[partner][field] += value
        fig["ALL"][field] += value

    for r in rows(data, "allocations.csv"):
        if day(r["date"]) <= as_of:
            a = cents(r["amount_eur"])
            add(r["partner"], "envelope", a)
            add(r["partner"], f"envelope_{r['instrument']}", a)
            if r["kind"] != "initial":
                add(r["partner"], "envelope_changes", a)
    for r in rows(data, "commitments.csv"):
        if day(r["date"]) <= as_of:
            a = cents(r["amount_eur"])
            add(r["partner"], "committed", a)
            add(r["partner"], f"committed_{r['instrument']}", a)
            add(r["partner"], f"committed_{r['channel'] or 'any_channel'}", a)
    payments = rows(data, "payments.csv")
    for r in payments:
        if day(r["date"]) <= as_of:
            a = cents(r["amount_eur"])
            add(r["partner"], "paid", a)
            add(r["partner"], f"paid_{r['instrument']}", a)
            add(r["partner"], f"paid_{r['channel']}", a)
            add(r["partner"], "prefinancing" if r["kind"] == "pre_financing" else "paid_regular", a)

    steps = {s["id"]: s for s in rows(data, "steps.csv")}
    events = defaultdict(list)
    for line, e in enumerate(rows(data, "step_events.csv")):
        if e["status"] != "submitted":
            events[e["step"]].append((day(e["date"]), line, e["status"], e["amount_eur"]))

    def assessment(step_id, on):
        past = [e for e in events[step_id] if e[0] <= on]
        return max(past)[2:] if past else (None, "")

    def worth(step_id, on):
        status, partial = assessment(step_id, on)
        amount = cents(steps[step_id]["amount_eur"])
        if status == "fulfilled":
            return amount
        if status == "partially_fulfilled" and partial:
            return min(cents(partial), amount)
        return 0

    # Releases in order; replay what each regular release paid per step and cleared.
    releases = {}
    for r in payments:
        rel = releases.setdefault(r["id"], {"date": day(r["date"]), "partner": r["partner"], "kind": r["kind"], "net": 0, "steps": []})
        rel["net"] += cents(r["amount_eur"])
        for s in r["steps"].split():
            if s not in rel["steps"]:
                rel["steps"].append(s)
    to_clear = defaultdict(int)
    paid_per_step = defaultdict(int)  # all releases
    paid_by_date = defaultdict(int)  # releases up to as_of
    for rid in sorted(releases, key=lambda k: (releases[k]["date"], k)):
        rel = releases[rid]
        if rel["kind"] == "pre_financing":
            to_clear[rel["partner"]] += rel["net"]
            continue
        gross = 0
        for s in rel["steps"]:
            if s not in steps or steps[s]["partner"] != rel["partner"]:
                continue
            now = max(worth(s, rel["date"]) - paid_per_step[s], 0)
            paid_per_step[s] += now
            if rel["date"] <= as_of:
                paid_by_date[s] += now
            gross += now
        clearance = max(min(div_round(gross * clear_num, clear_den), to_clear[rel["partner"]]), 0)
        to_clear[rel["partner"]] -= clearance
        if rel["date"] <= as_of:
            add(rel["partner"], "prefinancing_cleared", clearance)

    for sid, s in steps.items():
        p = s["partner"]
        amount = cents(s["amount_eur"])
        due = day(s["due"])
        status, _ = assessment(sid, as_of)
        w = worth(sid, as_of)
        paid = paid_by_date[sid]
        is_due = due <= as_of
        in_grace = as_of <= grace_end(due)
        unmet = amount - w
        add(p, "steps_total", 1)
        add(p, "value_steps", amount)
        add(p, "steps_due", int(is_due))
        add(p, "steps_fulfilled", int(status == "fulfilled"))
        add(p, "steps_partially_fulfilled", int(status == "partially_fulfilled"))
        add(p, "steps_not_fulfilled", int(status == "not_fulfilled"))
        overdue = is_due and status != "fulfilled"
        add(p, "steps_overdue", int(overdue))
        add(p, "steps_in_grace", int(overdue and in_grace))
        add(p, "steps_expired", int(overdue and not in_grace))
        add(p, "steps_not_yet_due", int(not is_due))
        add(p, "value_paid", paid)
        add(p, "value_fulfilled_unpaid", max(w - paid, 0))
        add(p, "value_withheld", unmet if is_due and in_grace else 0)
        add(p, "value_expired", unmet if is_due and not in_grace else 0)
        add(p, "value_ahead", unmet if not is_due else 0)

    money = ["envelope", "envelope_grant", "envelope_loan", "envelope_changes", "committed", "committed_grant",
             "committed_loan", "committed_budget", "committed_wbif", "committed_any_channel", "paid", "paid_grant", "paid_loan", "paid_budget", "paid_wbif", "prefinancing",
             "paid_regular", "prefinancing_cleared", "value_steps", "value_paid", "value_fulfilled_unpaid",
             "value_withheld", "value_expired", "value_ahead"]
    counts = ["steps_total", "steps_due", "steps_fulfilled", "steps_partially_fulfilled", "steps_not_fulfilled",
              "steps_overdue", "steps_in_grace", "steps_expired", "steps_not_yet_due"]

    def block(key):
        f = fig[key]
        out = {f"{m}_eur": fmt(f[m]) for m in money}
        out["prefinancing_to_clear_eur"] = fmt(f["prefinancing"] - f["prefinancing_cleared"])
        out.update({c: f[c] for c in counts})
        out["paid_share_of_envelope_pct"] = pct(f["paid"], f["envelope"])
        out["paid_share_of_committed_pct"] = pct(f["paid"], f["committed"])
        out["committed_share_of_envelope_pct"] = pct(f["committed"], f["envelope"])
        return out

    doc = {
        "version": 1,
        "as_of": as_of.isoformat(),
        "currency": "EUR",
        "facility": block("ALL"),
        "partners": [{"code": c, "name": names[c], **block(c)} for c in codes],
    }
    sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
