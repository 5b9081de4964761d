#!/usr/bin/env bash
# Where each core is busy over a run: samples `perf record` takes at 5 kHz, counted per 10 ms, with the
# function seen most in each 10 ms. On this 2-core machine a full 10 ms holds about 100 samples; a row well
# under that is a stretch where a core waited. Prints the rows under THRESHOLD (default 90), then the last.
# Needs `perf` (Debian: linux-perf) and a release build.
#
# Usage: THRESHOLD=75 bench/timeline.sh target/release/growthplan site --data target/bench-data/syn6 \
#          --as-of 2027-12-31 --out /tmp/site
# The whole timeline is left in /tmp/timeline.txt (ms, samples, top function).
set -euo pipefail
if (($# < 1)); then
  echo "usage: bench/timeline.sh COMMAND [ARGS...]" >&2
  exit 2
fi
threshold="${THRESHOLD:-90}"
data=$(mktemp)
trap 'rm -f "$data"' EXIT
perf record -F 5000 -o "$data" "$@" >/dev/null 2>&1
perf script -i "$data" -F time,ip,sym 2>/dev/null | awk '
  { t = $1 + 0; if (!s) s = t; b = int((t - s) * 100); $1 = ""; $2 = ""; c[b]++; sym[b " " $0]++; if (b > m) m = b }
  END {
    for (k in sym) { split(k, a, " "); b = a[1]; if (sym[k] > best[b]) { best[b] = sym[k]; bs[b] = substr(k, length(b) + 2) } }
    for (i = 0; i <= m; i++) printf "%5d %3d %s\n", i * 10, c[i], substr(bs[i], 1, 90)
  }' >/tmp/timeline.txt
awk -v t="$threshold" '$2 < t' /tmp/timeline.txt
tail -n 1 /tmp/timeline.txt
