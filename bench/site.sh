#!/usr/bin/env bash
# `growthplan site`: how long the public website takes to build, and how much memory, on the shipped data/
# (target: under a second) and on synthetic ledgers of 10^EXP payment rows with one step per ten rows (20
# partners; target at 10^6 rows and 10^5 steps: within 5x of the polars floor and under 1.5 GB). Prints
# the figures; asserts nothing. Best wall time of RUNS runs; the peak RSS of the last.
#
# Usage: bench/site.sh [EXP (default 5; 6 takes minutes and GBs)] [RUNS (default 3)]
# The binaries, the synthetic folders (kept in target/bench-data) and the measured run are bench/lib.sh's.
# GROWTHPLAN_TIMINGS=1 bench/site.sh prints where the time goes in one more run at each size.
# NO_FLOOR=1 GROWTHPLAN_BIN=PATH bench/site.sh measures that binary without building anything (and without
# the floor, which needs polars built with its CSV reader).
set -euo pipefail
cd "$(dirname "$0")/.."
exp="${1:-5}"
runs="${2:-3}"
source bench/lib.sh
if [[ "${NO_FLOOR:-}" == 1 && -n "${GROWTHPLAN_BIN:-}" ]]; then
  bin="$GROWTHPLAN_BIN"
  floor=""
  store="${CARGO_TARGET_DIR:-target}/bench-data"
  mkdir -p "$store"
else
  bench_build
fi
bench_machine

# Best wall time (s) and the last run's peak RSS (MB) of ARGS..., each run writing a fresh folder.
measure() {
  local best="" line wall kb user sys out="$store/site-bench"
  for _ in $(seq "$runs"); do
    rm -rf "$out"
    line=$(bench_once "$@" --out "$out") || exit 1
    read -r wall kb user sys <<<"$line"
    if [[ -z "$best" ]] || ((wall < best)); then best=$wall; fi
  done
  printf '%d.%03d %d\n' $((best / 1000)) $((best % 1000)) $((kb / 1024))
}

echo
echo "| data | site s | peak MB | floor s | x floor | files | size |"
echo "|---|---|---|---|---|---|---|"
read -r wall mb < <(measure "$bin" site --data data --as-of 2026-11-30)
files=$(find "$store/site-bench" -type f | wc -l)
size=$(du -sh "$store/site-bench" | cut -f1)
echo "| data/ | $wall | $mb | - | - | $files | $size |"
data=$(bench_data "$exp")
best_floor=0
floor_s="-"
if [[ -n "$floor" ]]; then
  best_floor=""
  for _ in $(seq "$runs"); do
    line=$(bench_once "$floor" "$data") || exit 1
    read -r w _ _ _ <<<"$line"
    if [[ -z "$best_floor" ]] || ((w < best_floor)); then best_floor=$w; fi
  done
  floor_s=$(printf '%d.%03d' $((best_floor / 1000)) $((best_floor % 1000)))
fi
read -r wall mb < <(measure "$bin" site --data "$data" --as-of 2027-12-31)
files=$(find "$store/site-bench" -type f | wc -l)
size=$(du -sh "$store/site-bench" | cut -f1)
echo "| 10^$exp rows, $(bench_steps "$exp") steps | $wall | $mb | $floor_s | $(bench_ratio "${wall/./}" "$best_floor" x) | $files | $size |"
if [[ "${GROWTHPLAN_TIMINGS:-}" == 1 ]]; then
  rm -rf "$store/site-bench"
  "$bin" site --data "$data" --as-of 2027-12-31 --out "$store/site-bench" 2>&1 >/dev/null | grep -E "site|rendering|writing|progress as of"
fi
rm -rf "$store/site-bench"
