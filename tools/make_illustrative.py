#!/usr/bin/env python3
"""Writes examples/illustrative/: a complete, invented step-level data folder.

`data/` holds only what public sources state (issue 24), so it has no reform steps: no partner has published
its steps with their amounts. The step-level features (steps, step events, releases that list the steps they
pay) still need data to show and to test, so this script keeps the illustrative steps that data/ used to ship
and adds the request-level ledgers that issue 24 introduced, derived from them:

- requests.csv: one request per partner and period_end (the steps' due date), dated on the day its steps
  were submitted, listing those steps; steps_claimed = the number of steps submitted; amount_requested_eur =
  the sum of their amounts.
- assessments.csv: one row per (request, assessment date), counting the fulfilled, partially fulfilled and
  not fulfilled events of that day (a later assessment counts only what it decides); amount_approved_eur = the
  gross value it finds fulfilled (the step's amount when fulfilled, the event's amount when partly), less what
  earlier assessments of the same steps already approved.
- payments.csv gains `request`: a regular release names the request whose steps it pays. A release that pays
  the steps of two requests is split into one release per request (AL-R1 paid Albania's first and second
  periods in one decision): each part pays its request's steps, its net is the gross value of those steps less
  the 7% clearance, and the components follow the release's channel split; the parts add up to the release.
- control_totals.csv gains `itemised` (blank, meaning `full`, for every old row) and the July 2026 aggregate of EUR 673m as a
  `partial` row, so the known-gap reporting has something to show.

Input: the ledgers as data/ held them before issue 24 (steps.csv, step_events.csv and the rest), read from
a git revision (default 798fc2d, the last commit with the illustrative steps in data/) or from a folder.
facility.toml is copied from data/ (it holds the facility's rules, not illustrative rows).
Run from the repository root:  python3 tools/make_illustrative.py [--rev REV | --src DIR] [--out DIR]
Running it again gives the same files.
"""
import argparse
import csv
import io
import os
import subprocess
from collections import OrderedDict, defaultdict

OLD_FILES = ["partners", "allocations", "commitments", "conditions", "steps", "step_events", "payments",
             "control_totals"]
CLEARANCE_PPM = 70_000  # facility.toml rules.prefinancing_clearance = 7%

PAYMENTS_HEADER = ["id", "date", "partner", "kind", "channel", "instrument", "amount_eur", "steps", "request",
                   "source", "note"]
CONTROL_HEADER = ["date", "partner", "measure", "amount_eur", "tolerance_eur", "itemised", "source", "note"]
REQUESTS_HEADER = ["id", "date", "partner", "period_end", "steps_claimed", "amount_requested_eur", "steps",
                   "source", "note"]
ASSESSMENTS_HEADER = ["date", "request", "steps_met", "steps_partly", "steps_not_met", "amount_approved_eur",
                      "source", "note"]

JULY_2026 = {
    "date": "2026-07-02", "partner": "ALL", "measure": "paid", "amount_eur": "673000000.00",
    "tolerance_eur": "500000.00", "itemised": "partial", "source": "https://english.republika.mk/?p=6907",
    "note": "About EUR 673m released in total (Euronews); the releases between January and July 2026 are not "
            "itemised, so this is a known gap (as in data/).",
}


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


def half(due):
    """2024-12-31 -> 24H2."""
    return f"{due[2:4]}H{1 if due[5:7] == '06' else 2}"


def read_old(name, rev, src):
    if src:
        with open(os.path.join(src, f"{name}.csv"), encoding="utf-8", newline="") as f:
            text = f.read()
    else:
        text = subprocess.run(["git", "show", f"{rev}:data/{name}.csv"], check=True, capture_output=True,
                              text=True).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    return rows, list(csv.DictReader(io.StringIO(text)).fieldnames)


def write(path, header, rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in header})
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", default="798fc2d", help="git revision whose data/ holds the illustrative steps")
    ap.add_argument("--src", help="read the old ledgers from this folder instead of git")
    ap.add_argument("--out", default="examples/illustrative")
    args = ap.parse_args()

    old = {n: read_old(n, args.rev, args.src) for n in OLD_FILES}
    os.makedirs(args.out, exist_ok=True)

    steps = {s["id"]: s for s in old["steps"][0]}
    events = old["step_events"][0]

    # Requests: the submitted events, one request per partner and due date.
    requests = OrderedDict()
    step_request = {}
    for e in events:
        if e["status"] != "submitted":
            continue
        s = steps[e["step"]]
        rid = f"{s['partner']}-Q{half(s['due'])}"
        req = requests.setdefault(rid, {"id": rid, "date": e["date"], "partner": s["partner"],
                                        "period_end": s["due"], "steps": [], "amount": 0})
        if e["date"] != req["date"]:
            raise SystemExit(f"{rid}: steps submitted on two days ({req['date']}, {e['date']})")
        req["steps"].append(s["id"])
        req["amount"] += cents(s["amount_eur"])
        step_request[s["id"]] = rid
    request_rows = [{
        "id": r["id"], "date": r["date"], "partner": r["partner"], "period_end": r["period_end"],
        "steps_claimed": str(len(r["steps"])), "amount_requested_eur": fmt(r["amount"]),
        "steps": " ".join(r["steps"]), "source": "illustrative",
        "note": f"The {len(r['steps'])} steps due {r['period_end']} submitted on {r['date']} (step_events.csv).",
    } for r in requests.values()]

    # Assessments: per (request, date), in the order of the events.
    approved = defaultdict(int)  # step -> gross value approved so far
    assessments = OrderedDict()
    for e in events:
        if e["status"] == "submitted":
            continue
        s = steps[e["step"]]
        rid = step_request[s["id"]]
        a = assessments.setdefault((rid, e["date"]), {"met": 0, "partly": 0, "not": 0, "amount": 0})
        if e["status"] == "fulfilled":
            a["met"] += 1
            value = cents(s["amount_eur"])
        elif e["status"] == "partially_fulfilled":
            a["partly"] += 1
            value = cents(e["amount_eur"])
        else:
            a["not"] += 1
            value = approved[s["id"]]
        a["amount"] += max(0, value - approved[s["id"]])
        approved[s["id"]] = max(value, approved[s["id"]])
    assessment_rows = [{
        "date": d, "request": rid, "steps_met": str(a["met"]), "steps_partly": str(a["partly"]),
        "steps_not_met": str(a["not"]), "amount_approved_eur": fmt(a["amount"]), "source": "illustrative",
        "note": "Counts of the step events of this request on this day (step_events.csv); approved = the gross "
                "value found fulfilled.",
    } for (rid, d), a in assessments.items()]

    # Payments: name the request; split a release that pays the steps of more than one request.
    releases = OrderedDict()
    for p in old["payments"][0]:
        releases.setdefault(p["id"], []).append(p)
    payment_rows = []
    for rid, comps in releases.items():
        first = comps[0]
        if first["kind"] != "regular":
            payment_rows += [dict(c, request="") for c in comps]
            continue
        by_req = OrderedDict()
        for st in first["steps"].split():
            by_req.setdefault(step_request[st], []).append(st)
        if len(by_req) == 1:
            req = next(iter(by_req))
            payment_rows += [dict(c, request=req) for c in comps]
            continue
        total = sum(cents(c["amount_eur"]) for c in comps)
        left = {(c["channel"], c["instrument"]): cents(c["amount_eur"]) for c in comps}
        parts = list(by_req.items())
        for i, (req, sts) in enumerate(parts):
            gross = sum(cents(steps[s]["amount_eur"]) for s in sts)
            net = gross - round_half_away(gross * CLEARANCE_PPM, 1_000_000)
            last = i == len(parts) - 1
            share = {}
            for c in comps[:-1]:
                k = (c["channel"], c["instrument"])
                share[k] = left[k] if last else round_half_away(net * cents(c["amount_eur"]), total)
            k_last = (comps[-1]["channel"], comps[-1]["instrument"])
            share[k_last] = left[k_last] if last else net - sum(share.values())
            for c in comps:
                k = (c["channel"], c["instrument"])
                left[k] -= share[k]
                payment_rows.append(dict(
                    c, id=f"{rid}-{req.split('-Q')[1]}", amount_eur=fmt(share[k]), steps=" ".join(sts),
                    request=req,
                    note=(c["note"] + f" Illustrative: split into one release per request; this part pays the "
                          f"steps of {req} (gross {fmt(gross)}, net of the 7% clearance), the parts add up to the "
                          f"release.").strip()))

    control_rows = [dict(c, itemised="") for c in old["control_totals"][0]] + [JULY_2026]

    for name in ["partners", "allocations", "commitments", "conditions", "steps", "step_events"]:
        rows, header = old[name]
        write(os.path.join(args.out, f"{name}.csv"), header, rows)
    write(os.path.join(args.out, "payments.csv"), PAYMENTS_HEADER, payment_rows)
    write(os.path.join(args.out, "control_totals.csv"), CONTROL_HEADER, control_rows)
    write(os.path.join(args.out, "requests.csv"), REQUESTS_HEADER, request_rows)
    write(os.path.join(args.out, "assessments.csv"), ASSESSMENTS_HEADER, assessment_rows)
    # No row of the example was recorded in error (issue 27's corrections): the ledger is empty.
    write(os.path.join(args.out, "corrections.csv"), ["date", "ledger", "match", "reason", "source", "note"], [])
    with open("data/facility.toml", encoding="utf-8") as f:
        toml = f.read()
    with open(os.path.join(args.out, "facility.toml"), "w", encoding="utf-8") as f:
        f.write(toml)


if __name__ == "__main__":
    main()
