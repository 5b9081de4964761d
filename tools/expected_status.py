#!/usr/bin/env python3
"""An independent second computation of `growthplan status --format json`, for the golden tests.

It shares no code with growthplan: it reads the canonical CSV ledgers with Python's csv module and
facility.toml with tomllib, and follows the definitions in docs/OUTPUT.md. The golden files in
tests/golden/status/ are written by this script, never copied from growthplan's output; the test
`status_matches_the_independent_computation` compares the two.

The request-level figures and `known_gaps` (issue 24: requests.csv, assessments.csv, the `itemised` column of
control_totals.csv) follow the issue's contract, "Request-level figures". A folder written before issue 24
(no requests.csv or assessments.csv, no `request` or `itemised` column) reads as if those files were empty
and those cells blank, so its figures are the version 1 figures plus zeros.

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


def read_rows(data, name):
    """The rows of a canonical ledger, each with the line it starts on (`_line`)."""
    with open(f"{data}/{name}", encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        out, start = [], reader.line_num + 1
        for record in reader:
            if any(record):
                row = dict(zip(header, record))
                row["_line"] = str(start)
                out.append(row)
            start = reader.line_num + 1
        return out


def rows(data, name):
    """A ledger's rows, less those a correction voids (issue 27): a correction names its rows by
    `column=value` pairs against the cells as the canonical file writes them; in payments it voids every
    part of one release, elsewhere exactly one row (any other correction is refused by `check`)."""
    found = read_rows(data, name)
    try:
        corrections = read_rows(data, "corrections.csv")
    except FileNotFoundError:
        corrections = []
    voided = set()
    for c in corrections:
        if cell(c, "ledger") + ".csv" != name:
            continue
        # `line=N` names the row starting on line N; rows an earlier correction voided are gone already.
        pairs = [("_line" if k == "line" else k, v) for k, v in (p.split("=", 1) for p in cell(c, "match").split())]
        hits = [i for i, r in enumerate(found) if i not in voided and all(cell(r, k) == v for k, v in pairs)]
        if name == "payments.csv" and hits and len({found[i]["id"] for i in hits}) == 1:
            voided.update(hits)
        elif len(hits) == 1:
            voided.update(hits)
    return [r for i, r in enumerate(found) if i not in voided]


def rows_if_any(data, name):
    """A ledger added by issue 24: a folder written before it has none, which reads as no rows."""
    try:
        return rows(data, name)
    except FileNotFoundError:
        return []


def cell(r, column):
    """A cell's text, stripped; a column the file does not have (an older folder) reads as blank."""
    return (r.get(column) or "").strip()


def maybe_cents(text):
    return None if text == "" else cents(text)


def maybe_int(text):
    return None if text == "" else int(text)


def combine(parts):
    """A sum over parts that may be blank (None): (value, knownness), as the issue 24 contract defines it.

    Every part known (also no parts at all): the sum, known. Some known, some blank: the sum of the known
    parts, a lower bound. At least one part and none known: None (JSON null), unknown."""
    known = [v for v in parts if v is not None]
    if len(known) == len(parts):
        return sum(known), "known"
    if known:
        return sum(known), "lower_bound"
    return None, "unknown"


MEASURES = ["allocated", "allocated_grant", "allocated_loan", "committed", "paid", "paid_grant", "paid_loan",
            "paid_budget", "paid_wbif", "paid_regular", "prefinancing"]


def ledger_figure(allocations, commitments, payments, partner, measure, on):
    """The ledgers' figure for a control-total measure (docs/CHECKS.md): the sum of the matching rows dated
    up to `on`, for one partner code or, for "ALL", every partner."""
    if measure not in MEASURES:
        raise ValueError(f"unknown control-total measure {measure!r}")

    def ours(r):
        return day(r["date"]) <= on and (partner == "ALL" or r["partner"].strip() == partner)

    if measure.startswith("allocated"):
        want = measure.partition("_")[2]
        return sum(cents(r["amount_eur"]) for r in allocations if ours(r) and want in ("", r["instrument"].strip()))
    if measure == "committed":
        return sum(cents(r["amount_eur"]) for r in commitments if ours(r))
    keep = {
        "paid": lambda r: True,
        "paid_grant": lambda r: r["instrument"].strip() == "grant",
        "paid_loan": lambda r: r["instrument"].strip() == "loan",
        "paid_budget": lambda r: r["channel"].strip() == "budget",
        "paid_wbif": lambda r: r["channel"].strip() == "wbif",
        "paid_regular": lambda r: r["kind"].strip() == "regular",
        "prefinancing": lambda r: r["kind"].strip() == "pre_financing",
    }[measure]
    return sum(cents(r["amount_eur"]) for r in payments if ours(r) and keep(r))


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

    allocations = rows(data, "allocations.csv")
    for r in allocations:
        if day(r["date"]) <= as_of:
            a = cents(r["amount_eur"])
            add(r["partner"], "envelope", a)
            add(r["partner"], f"envelope_{r['instrument']}", a)
            if r["kind"] != "initial":
                add(r["partner"], "envelope_changes", a)
    commitments = rows(data, "commitments.csv")
    for r in commitments:
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
        # `request` (issue 24) is kept for completeness: no status figure reads it (C024 and C025 do).
        rel = releases.setdefault(r["id"], {"date": day(r["date"]), "partner": r["partner"], "kind": r["kind"], "net": 0, "steps": [],
                                            "request": cell(r, "request")})
        rel["net"] += cents(r["amount_eur"])
        for s in cell(r, "steps").split():
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
        if not rel["steps"]:
            # A release paid at request level (issue 24, C025): no steps give its gross, the net is the
            # gross less c of it, so the clearance is net * c / (1 - c), up to what is still to clear.
            derived = div_round(rel["net"] * clear_num, clear_den - clear_num)
            clearance = max(min(to_clear[rel["partner"]], derived), 0)
        else:
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

    # Request-level figures (issue 24): requests dated up to as_of, and their assessments dated up to as_of.
    # parts[(key, field)]: the parts a figure sums (None for a blank cell), key a partner code or "ALL";
    # the facility combines every partner's parts, never the partners' figures.
    parts = defaultdict(list)
    tally = defaultdict(int)  # (key, count field) -> count of rows, always known

    def part(partner, field, value):
        parts[(partner, field)].append(value)
        parts[("ALL", field)].append(value)

    def count(partner, field):
        tally[(partner, field)] += 1
        tally[("ALL", field)] += 1

    requests = {}
    for r in rows_if_any(data, "requests.csv"):
        if day(r["date"]) <= as_of and cell(r, "id") not in requests:
            requests[cell(r, "id")] = r
    decided = defaultdict(list)  # request id -> [(date, line, row)] of its assessments up to as_of
    for line, a in enumerate(rows_if_any(data, "assessments.csv")):
        if day(a["date"]) <= as_of and cell(a, "request") in requests:
            decided[cell(a, "request")].append((day(a["date"]), line, a))
    for rid, q in requests.items():
        p = cell(q, "partner")
        requested = maybe_cents(cell(q, "amount_requested_eur"))
        count(p, "requests_submitted")
        part(p, "requested_eur", requested)
        part(p, "steps_claimed", maybe_int(cell(q, "steps_claimed")))
        found = sorted(decided[rid], key=lambda x: x[:2])
        if not found:
            count(p, "requests_pending")
            part(p, "pending_eur", requested)
            continue
        count(p, "requests_assessed")
        approvals = [maybe_cents(cell(a, "amount_approved_eur")) for _, _, a in found]
        for (_, _, a), approved in zip(found, approvals):
            part(p, "approved_eur", approved)
            part(p, "steps_met", maybe_int(cell(a, "steps_met")))
        part(p, "steps_partly", maybe_int(cell(found[-1][2], "steps_partly")))  # the latest assessment's
        if grace_end(day(cell(q, "period_end"))) >= as_of:
            known = requested is not None and None not in approvals
            part(p, "withheld_by_assessments_eur", max(0, requested - sum(approvals)) if known else None)

    # Control totals a ledger cannot itemise yet (itemised = partial): known gaps, in file order.
    gaps = []  # (date, line, partner, entry, unitemised cents)
    for line, c in enumerate(rows(data, "control_totals.csv")):
        if cell(c, "itemised").lower() != "partial" or day(c["date"]) > as_of:
            continue
        on, who, measure = day(c["date"]), cell(c, "partner"), cell(c, "measure").lower()
        published, tolerance = cents(c["amount_eur"]), cents(c["tolerance_eur"])
        itemised = ledger_figure(allocations, commitments, payments, who, measure, on)
        unitemised = published - itemised if published - itemised > tolerance else 0
        entry = {"date": on.isoformat(), "partner": who, "measure": measure, "published_eur": fmt(published),
                 "itemised_eur": fmt(itemised), "unitemised_eur": fmt(unitemised), "tolerance_eur": fmt(tolerance),
                 "status": "known_gap" if unitemised > 0 else "itemised"}
        gaps.append((on, line, who, entry, unitemised))

    def latest_unitemised(who):
        theirs = [g for g in gaps if g[2] == who]
        return max(theirs, key=lambda g: g[:2])[4] if theirs else 0

    unitemised = {c: latest_unitemised(c) for c in codes}
    unitemised["ALL"] = latest_unitemised("ALL") if any(g[2] == "ALL" for g in gaps) else sum(unitemised.values())
    # While a total of all partners is not itemised, a partner without a published total of its own may
    # hold part of it: its figure is not published (null, unknown).
    all_open = any(g[2] == "ALL" for g in gaps) and latest_unitemised("ALL") > 0
    unitemised_known = {c: not all_open or any(g[2] == c for g in gaps) for c in codes}
    unitemised_known["ALL"] = True
    has_steps = {c: any(s["partner"] == c for s in steps.values()) for c in codes}
    granularity = {c: "steps" if has_steps[c] else "requests" for c in codes}
    granularity["ALL"] = ("steps" if all(has_steps.values()) else
                          "requests" if not any(has_steps.values()) else "mixed")

    def request_block(key):
        out = {"granularity": granularity[key]}
        for field in ["requests_submitted", "requests_assessed", "requests_pending"]:
            out[field] = tally[(key, field)]
            out[f"{field}_knownness"] = "known"
        for field in ["requested_eur", "approved_eur", "pending_eur", "withheld_by_assessments_eur",
                      "steps_claimed", "steps_met", "steps_partly"]:
            value, knownness = combine(parts[(key, field)])
            out[field] = value if value is None or not field.endswith("_eur") else fmt(value)
            out[f"{field}_knownness"] = knownness
        if unitemised_known[key]:
            out["reported_unitemised_eur"] = fmt(unitemised[key])
            out["reported_unitemised_eur_knownness"] = "known"
        else:
            out["reported_unitemised_eur"] = None
            out["reported_unitemised_eur_knownness"] = "unknown"
        return out

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
        out.update(request_block(key))
        return out

    doc = {
        "version": 1,
        "as_of": as_of.isoformat(),
        "currency": "EUR",
        "facility": block("ALL"),
        "partners": [{"code": c, "name": names[c], **block(c)} for c in codes],
        "known_gaps": [g[3] for g in gaps],
    }
    sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
