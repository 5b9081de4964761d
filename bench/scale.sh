#!/usr/bin/env bash
# The scale suite: growthplan's commands on synthetic ledgers of 10^3 up to 10^MAX payment rows (one step
# per ten rows, 20 partners), against the floor: polars alone scanning the same CSV files and summing the
# amounts per partner (bench/floor.rs). Prints a Markdown table of wall time, peak memory (GNU time's
# maximum RSS), the ratio to the floor's wall time and the user and system CPU time, then how each
# command's best time, and its user time, grow from one size to the next (ten times the rows).
#
# Usage: bench/scale.sh [MAX_EXPONENT (default 5; 6 and 7 take minutes and GBs)] [RUNS (default 3, at every size)]
#                       [PAUSE seconds before each run (default 0)]
# The synthetic folders are kept in target/bench-data (same seed, same bytes) so reruns skip synth; the
# binaries, folders, command lines and the measured run are bench/lib.sh's, shared with bench/growth.sh.
#
# PAUSE: on a virtual machine that hands freed memory back to its host within a second or two (this one
# does: docs/benchmarks-history.md, item 30), a run started right after another reuses the memory that one freed, and
# only a run small enough to fit in it (10^6 rows: yes; 10^7: partly) escapes the cost of the first touch
# of fresh memory. With PAUSE=0 (runs back to back) the small sizes are measured with warm memory and the
# large ones with mostly cold; with a pause of a few seconds every run at every size starts cold, so the
# growth from one size to the next compares like with like. The suite prints which it did.
set -euo pipefail
cd "$(dirname "$0")/.."
max="${1:-5}"
runs="${2:-3}"
pause="${3:-0}"
source bench/lib.sh
bench_build

# Best wall time (s, to the millisecond) over $runs runs, the peak RSS (MB) of the last, and the least user
# and system CPU time (s) of any run: "wall rss user system". The CPU times tell the work from the waiting:
# on this machine the system time (first touch of fresh memory) varies by a factor of three between runs.
measure() {
  local best="" kb=0 line wall user sys least_user="" least_sys=""
  for _ in $(seq "$runs"); do
    if [[ "$pause" != 0 ]]; then sleep "$pause"; fi
    line=$(bench_once "$@") || exit 1
    read -r wall kb user sys <<<"$line"
    if [[ -z "$best" ]] || ((wall < best)); then best=$wall; fi
    least_user=$(awk -v a="$user" -v b="$least_user" 'BEGIN { print (b == "" || a < b) ? a : b }')
    least_sys=$(awk -v a="$sys" -v b="$least_sys" 'BEGIN { print (b == "" || a < b) ? a : b }')
  done
  printf '%d.%03d %d %s %s\n' $((best / 1000)) $((best % 1000)) $((kb / 1024)) "$least_user" "$least_sys"
}

bench_machine
if [[ "$pause" == 0 ]]; then
  echo "runs: best of $runs, back to back (small sizes reuse the memory the run before freed)"
else
  echo "runs: best of $runs, each after $pause s idle (where freed memory goes back to the host meanwhile, every run starts cold)"
fi
echo
declare -A best cpu
echo "| payment rows | steps | command | wall s | peak RSS MB | ratio to floor | user s | system s |"
echo "|---|---|---|---|---|---|---|---|"
for exp in $(seq 3 "$max"); do
  steps=$(bench_steps "$exp")
  # Every size gets the best of $runs: single runs vary by a third on this machine (at 10^7 from 7 to 11 s
  # for one binary), and growth compares best with best.
  bench_args floor "$exp"
  floor_line=$(measure "${args[@]}") || exit 1
  read -r fw fm fu fs <<<"$floor_line"
  printf '| 10^%d | %d | polars floor (scan + sum per partner) | %s | %d | 1.0 | %s | %s |\n' "$exp" "$steps" "$fw" "$fm" "$fu" "$fs"
  for cmd in check status report; do
    bench_args "$cmd" "$exp"
    line=$(measure "${args[@]}") || exit 1
    read -r w m u sy <<<"$line"
    ratio=$(bench_ratio "$w" "$fw")
    printf '| 10^%d | %d | %s | %s | %d | %s | %s | %s |\n' "$exp" "$steps" "$cmd" "$w" "$m" "$ratio" "$u" "$sy"
    best["$exp $cmd"]=$w
    cpu["$exp $cmd"]=$u
  done
  best["$exp floor"]=$fw
  cpu["$exp floor"]=$fu
  rm -rf "$store/reports$exp"
done

# growth TITLE TABLE: each command's figure in TABLE (an associative array named by the caller) at ten
# times the rows, against its figure at the size before (linear growth is 10x).
growth() {
  local -n figures=$2
  echo
  echo "| $1 | floor | check | status | report |"
  echo "|---|---|---|---|---|"
  for exp in $(seq 4 "$max"); do
    row="| 10^$((exp - 1)) -> 10^$exp |"
    for cmd in floor check status report; do
      row+=" $(bench_ratio "${figures["$exp $cmd"]}" "${figures["$((exp - 1)) $cmd"]}" x) |"
    done
    echo "$row"
  done
}

# The best wall times; then the user CPU time alone (the least of the runs at each size): the work,
# without the kernel's first touch of memory.
growth growth best
growth "growth of user time" cpu
