#!/usr/bin/env bash
# The growth of each command's cost from 10^SMALL to 10^LARGE payment rows (linear is 10x), measured so
# that both sizes run under the same conditions. The scale suite (bench/scale.sh) measures every run of
# one size, then every run of the next: minutes apart, and on this virtual machine the speed of the host
# drifts by a fifth or more over minutes (the best of three at 10^6 moved from 0.68 to 0.93 s between two
# runs of the suite, the user time with it), so its growth column carries that drift. Here the sizes take
# turns, a run of the small then a run of the large, PAIRS times, each run after PAUSE idle seconds (so
# that neither size reuses memory the run before it freed: docs/benchmarks-history.md, item 30). Printed per command:
# the median wall time at each size, the median of the pairs' ratios (each pair ran within seconds), the
# ratio of the best times, and the ratio of the median user CPU times.
#
# Usage: bench/growth.sh [PAIRS (default 5)] [PAUSE seconds (default 3)] [SMALL (default 6)] [LARGE (default 7)]
# About six minutes with the defaults. The folders are the scale suite's (target/bench-data/synN).
set -euo pipefail
cd "$(dirname "$0")/.."
pairs="${1:-5}"
pause="${2:-3}"
small="${3:-6}"
large="${4:-7}"
source bench/lib.sh
bench_build

# The median of the numbers on stdin (of an even count, the mean of the two in the middle).
median() { sort -g | awk '{ v[NR] = $1 } END { print (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 }'; }
seconds() { awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }'; }
least() { sort -g | head -n 1; }

bench_machine
if [[ "$pause" == 0 ]]; then
  echo "runs: $pairs pairs per command, 10^$small then 10^$large in turn, back to back (each run reuses the memory the one before freed)"
else
  echo "runs: $pairs pairs per command, 10^$small then 10^$large in turn, each run after $pause s idle (every run starts cold)"
fi
echo
echo "| command | 10^$small median s | 10^$large median s | median of pair ratios | pair ratios | best against best | median user time |"
echo "|---|---|---|---|---|---|---|"
for cmd in floor check status report; do
  small_wall=() large_wall=() small_user=() large_user=() pair_ratios=()
  for _ in $(seq "$pairs"); do
    for exp in "$small" "$large"; do
      bench_args "$cmd" "$exp" # (makes the folder first if it is missing, before the pause)
      if [[ "$pause" != 0 ]]; then sleep "$pause"; fi
      line=$(bench_once "${args[@]}") || exit 1
      read -r wall _ user _ <<<"$line"
      if [[ "$exp" == "$small" ]]; then
        small_wall+=("$wall") small_user+=("$user")
      else
        large_wall+=("$wall") large_user+=("$user")
      fi
    done
    pair_ratios+=("$(bench_ratio "${large_wall[-1]}" "${small_wall[-1]}")")
    rm -rf "$store/reports$small" "$store/reports$large"
  done
  sm=$(printf '%s\n' "${small_wall[@]}" | median)
  lm=$(printf '%s\n' "${large_wall[@]}" | median)
  printf '| %s | %s | %s | %sx | %s | %s | %s |\n' "$cmd" "$(seconds "$sm")" "$(seconds "$lm")" \
    "$(printf '%s\n' "${pair_ratios[@]}" | median | xargs printf '%.1f')" "$(printf '%s ' "${pair_ratios[@]}" | sed 's/ $//')" \
    "$(bench_ratio "$(printf '%s\n' "${large_wall[@]}" | least)" "$(printf '%s\n' "${small_wall[@]}" | least)" x)" \
    "$(bench_ratio "$(printf '%s\n' "${large_user[@]}" | median)" "$(printf '%s\n' "${small_user[@]}" | median)" x)"
done
