#!/usr/bin/env python3
"""Writes data/steps.csv and data/step_events.csv: the illustrative reform steps of the shipped data.

Per-step amounts are not public (docs/DATA.md). This script makes a plausible set, reproducibly:
- step counts per half-year are the published ones where known (Serbia 98 steps in 4 areas, 7 due in
  December 2024; Albania 41 due December 2024 to June 2025; North Macedonia 16 due by June 2025;
  Montenegro 45 due up to its third report), invented elsewhere;
- each partner's steps share out its envelope (allocations.csv, after cuts);
- the steps each real release in payments.csv pays are worth exactly the release's gross value (the
  transferred net plus the 7% pre-financing clearance), so that `growthplan check` reconciles them.
Every row says `illustrative` in `source`. Run from the repository root: python3 tools/illustrative_steps.py
"""
import csv
import io
from collections import defaultdict

AREAS = [
    ("Business environment and private sector development", 26),
    ("Green and digital transformation", 39),
    ("Human capital development", 12),
    ("Fundamentals of the EU accession process", 21),
]
DUE = {"24H2": "2024-12-31", "25H1": "2025-06-30", "25H2": "2025-12-31", "26H1": "2026-06-30",
       "26H2": "2026-12-31", "27H1": "2027-06-30", "27H2": "2027-12-31"}
# Steps per half-year.
PLAN = {
    "AL": {"24H2": 15, "25H1": 26, "25H2": 16, "26H1": 16, "26H2": 16, "27H1": 16, "27H2": 16},
    "BA": {"26H1": 15, "26H2": 15, "27H1": 15, "27H2": 15},
    "XK": {h: 12 for h in DUE},
    "ME": {"24H2": 15, "25H1": 15, "25H2": 15, "26H1": 12, "26H2": 12, "27H1": 12, "27H2": 12},
    "MK": {"24H2": 6, "25H1": 10, "25H2": 12, "26H1": 12, "26H2": 12, "27H1": 12, "27H2": 12},
    "RS": {"24H2": 7, "25H1": 15, "25H2": 15, "26H1": 15, "26H2": 15, "27H1": 15, "27H2": 16},
}
# Half-year values fixed by a published figure (cents); the rest share the envelope by step count.
FIXED = {("RS", "24H2"): 11_200_000_000}  # "about EUR 112m for 7 steps"
# Which half-years each release's request covered, when it was submitted and assessed (illustrative dates).
REQUESTS = {
    "ME-R1": (["24H2"], "2025-05-30", "2025-07-31"),
    "ME-R2": (["25H1"], "2025-07-15", "2025-09-30"),
    "MK-R1": (["24H2"], "2025-05-30", "2025-07-31"),
    "MK-R2": (["25H1"], "2025-07-15", "2025-09-30"),
    "AL-R1": (["24H2", "25H1"], "2025-07-15", "2025-09-30"),
    "RS-R1": (["24H2"], "2025-09-15", "2025-12-15"),
}
# Gross values published directly (cents), where the release note gives them.
PUBLISHED_GROSS = {"RS-R1": 6_110_000_000}
CLEARANCE_PPM = 70_000  # 7%, as in facility.toml


def cents(text):
    whole, _, frac = text.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int((frac + "00")[:2]))


def fmt(c):
    return f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"


def round_half_away(n, d):
    q, r = divmod(abs(n), d)
    if 2 * r >= d:
        q += 1
    return q if n >= 0 else -q


def gross_for_net(net):
    """The gross value whose net after the 7% clearance is exactly `net`."""
    g = net * 1_000_000 // (1_000_000 - CLEARANCE_PPM)
    for cand in range(g - 5, g + 6):
        if cand - round_half_away(cand * CLEARANCE_PPM, 1_000_000) == net:
            return cand
    raise SystemExit(f"no gross value for net {net}")


def split(total, n, salt):
    """`total` cents over `n` steps, unequal but deterministic, in whole euros but the last."""
    weights = [10 + (i * 7 + salt) % 9 for i in range(n)]
    s = sum(weights)
    parts = [total * w // s // 100 * 100 for w in weights[:-1]]
    parts.append(total - sum(parts))
    return parts


def areas_for(n):
    """Area labels for n steps, in the published Serbian proportions, interleaved."""
    total = sum(c for _, c in AREAS)
    slots = []
    for name, count in AREAS:
        k = round(count * n / total)
        slots += [((i + 0.5) / max(k, 1), name) for i in range(k)]
    slots.sort()
    labels = [name for _, name in slots]
    while len(labels) < n:
        labels.append(AREAS[1][0])
    return labels[:n]


def main():
    envelope = defaultdict(int)
    for r in csv.DictReader(open("data/allocations.csv", encoding="utf-8")):
        envelope[r["partner"]] += cents(r["amount_eur"])
    releases = defaultdict(lambda: {"net": 0, "steps": [], "date": None, "partner": None})
    for r in csv.DictReader(open("data/payments.csv", encoding="utf-8")):
        if r["kind"] != "regular":
            continue
        rel = releases[r["id"]]
        rel["net"] += cents(r["amount_eur"])
        rel["date"], rel["partner"] = r["date"], r["partner"]
        for s in r["steps"].split():
            if s not in rel["steps"]:
                rel["steps"].append(s)

    steps, events = [], []
    for partner, plan in PLAN.items():
        free = envelope[partner] - sum(v for (p, _), v in FIXED.items() if p == partner)
        free_steps = sum(n for h, n in plan.items() if (partner, h) not in FIXED)
        value = {}
        for h, n in plan.items():
            value[h] = FIXED.get((partner, h), free * n // free_steps)
        last = list(plan)[-1]
        value[last] += envelope[partner] - sum(value.values())
        ids = {h: [f"{partner}-{h}-{i + 1:02d}" for i in range(n)] for h, n in plan.items()}
        fulfilled = {}
        for rid, rel in releases.items():
            if rel["partner"] != partner:
                continue
            gross = PUBLISHED_GROSS.get(rid, gross_for_net(rel["net"]))
            halves, submitted, assessed = REQUESTS[rid]
            per_half = {h: [s for s in rel["steps"] if s in ids[h]] for h in halves}
            paid_total = len(rel["steps"])
            remaining = gross
            for j, h in enumerate(halves):
                share = remaining if j == len(halves) - 1 else gross * len(per_half[h]) // paid_total
                remaining -= share
                for s, amount in zip(per_half[h], split(share, len(per_half[h]), j + 3)):
                    fulfilled[s] = amount
                for s in ids[h]:
                    events.append((submitted, s, "submitted", "", f"Payment request for the steps due {DUE[h]} (illustrative date)."))
                    status = "fulfilled" if s in per_half[h] else "not_fulfilled"
                    events.append((assessed, s, status, "", f"Assessment before release {rid} of {rel['date']}; the count of fulfilled steps is published, which steps and the dates are illustrative."))
        labels = areas_for(sum(plan.values()))
        k = 0
        per_area = defaultdict(int)
        for h, n in plan.items():
            paid_here = [s for s in ids[h] if s in fulfilled]
            rest = value[h] - sum(fulfilled[s] for s in paid_here)
            unpaid = [s for s in ids[h] if s not in fulfilled]
            assert rest >= 0, (partner, h)
            amounts = dict(zip(unpaid, split(rest, len(unpaid), k))) if unpaid else {}
            amounts.update({s: fulfilled[s] for s in paid_here})
            for s in ids[h]:
                area = labels[k]
                per_area[area] += 1
                area_no = [a for a, _ in AREAS].index(area) + 1
                reform = f"Reform {area_no}.{(per_area[area] - 1) // 4 + 1}"
                kind = "quantitative" if k % 4 == 3 else "qualitative"
                steps.append((s, partner, area, reform, f"Illustrative step {s}: the content and amount of individual steps are not public.", kind, DUE[h], fmt(amounts[s]), "illustrative", ""))
                k += 1
        assert sum(cents(x[7]) for x in steps if x[1] == partner) == envelope[partner], partner

    def write(path, header, rows):
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        open(path, "w", encoding="utf-8").write(out.getvalue())

    steps.sort(key=lambda x: x[0])  # the canonical order of `growthplan fmt`
    write("data/steps.csv", ["id", "partner", "area", "reform", "description", "kind", "due", "amount_eur", "source", "note"], steps)
    events.sort(key=lambda e: (e[0], e[1], e[2] != "submitted"))
    write("data/step_events.csv", ["date", "step", "status", "amount_eur", "source", "note"],
          [(d, s, st, a, "illustrative", n) for d, s, st, a, n in events])
    print(f"{len(steps)} steps, {len(events)} events")


if __name__ == "__main__":
    main()
