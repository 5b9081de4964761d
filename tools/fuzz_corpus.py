#!/usr/bin/env python3
"""Writes the seed corpus of the loader's mutation harness (tests/fuzz/corpus/): one folder per input,
whose files are laid over tests/cases/base (a file REMOVE_<name> removes <name>). Each input is a kind
of broken spreadsheet seen in the field or a case the harness found; tests/it/fuzz.rs replays them all.
Rerun after adding a case here: python3 tools/fuzz_corpus.py. Inputs the harness found (copied by hand
from tests/fuzz/found/) live beside these and are left alone by this script."""
import os, shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = os.path.join(ROOT, "tests", "cases", "base")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")


def base(name):
    with open(os.path.join(BASE, name), "rb") as f:
        return f.read()


PAY = base("payments.csv")
STEPS = base("steps.csv")
FAC = base("facility.toml")
PARTNERS = base("partners.csv")


def cell(data, line, col, text):
    lines = data.split(b"\n")
    cells = lines[line].split(b",")
    cells[col] = text
    lines[line] = b",".join(cells)
    return b"\n".join(lines)


def toml(key, value):
    out = []
    for l in FAC.split(b"\n"):
        if l.startswith(key + b" = "):
            l = key + b" = " + value
        out.append(l)
    return b"\n".join(out)


CASES = {
    "utf16le-payments": {"payments.csv": b"\xff\xfe" + PAY.decode().encode("utf-16-le")},
    "utf16-without-bom": {"payments.csv": PAY.decode().encode("utf-16-le")},
    "cp1252-partners": {"partners.csv": PARTNERS.decode().replace("test", "Côte d’Ivoire").encode("cp1252")},
    "nul-bytes-steps": {"steps.csv": STEPS[:100] + b"\x00\x00\x00" + STEPS[100:]},
    "unclosed-quote": {"payments.csv": PAY + b'AA-R9,2025-09-01,AA,regular,budget,loan,1.00,AA-1,"never closed\n'},
    "amount-beyond-i64": {"payments.csv": cell(PAY, 3, 6, b"92233720368547758.08")},
    "amount-twenty-nines": {"payments.csv": cell(PAY, 3, 6, b"99999999999999999999")},
    "negative-zero-comma": {"payments.csv": cell(PAY, 3, 6, b'"-0,00"')},
    "scientific": {"payments.csv": cell(PAY, 3, 6, b"1e9")},
    "nan": {"payments.csv": cell(PAY, 3, 6, b"NaN")},
    "infinity": {"payments.csv": cell(PAY, 3, 6, "∞".encode())},
    "full-width-digits": {"payments.csv": cell(PAY, 3, 6, "１０００．００".encode())},
    "swapped-columns": {"payments.csv": b"\n".join(
        b",".join([c[1], c[0]] + c[2:]) for c in (l.split(b",") for l in PAY.split(b"\n")) if len(c) > 1) + b"\n"},
    "header-only": {"payments.csv": PAY.split(b"\n")[0] + b"\n"},
    "empty-file": {"steps.csv": b""},
    "missing-file": {"REMOVE_step_events.csv": b""},
    "cr-only-lines": {"payments.csv": PAY.replace(b"\n", b"\r")},
    "crlf-semicolon-decimal-comma": {"payments.csv": PAY.replace(b",", b";").replace(b".", b",").replace(b"\n", b"\r\n")},
    "bom-in-the-middle": {"payments.csv": PAY[:50] + b"\xef\xbb\xbf" + PAY[50:]},
    "ragged-and-blank-rows": {"payments.csv": PAY + b"\n\n,,,\nAA-R9,2025-09-01\n"},
    "ansi-and-bidi-in-text": {"steps.csv": STEPS.replace(b"test", "\x1b[31mred\x1b[0m \u202eevil".encode(), 1)},
    "duplicated-header": {"payments.csv": PAY.split(b"\n")[0] + b"\n" + PAY},
    "one-huge-line": {"payments.csv": PAY + b"A" * 200000 + b"\n"},
    "facility-cap-700-percent": {"facility.toml": toml(b"prefinancing_cap", b'"700%"')},
    "facility-huge-envelope": {"facility.toml": toml(b"grant_eur", b'"99999999999999999999.00"')},
    "facility-not-toml": {"facility.toml": FAC[:300]},
    "facility-bad-grace": {"facility.toml": FAC.replace(b"months = 24", b"months = -24")},
    "facility-empty-channels": {"facility.toml": toml(b"channels", b"{}")},
    "binary-junk": {"partners.csv": bytes(range(256)) * 4},
}

if __name__ == "__main__":
    for name, files in CASES.items():
        d = os.path.join(OUT, name)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        for f, data in files.items():
            with open(os.path.join(d, f), "wb") as fh:
                fh.write(data)
    print(f"wrote {len(CASES)} inputs to {OUT}")
