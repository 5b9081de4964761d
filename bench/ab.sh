#!/usr/bin/env bash
# Old against new on a machine whose speed drifts: runs two binaries alternately, one run each in turn, and
# prints the minimum and median wall time (ms) of each. Output and exit codes are ignored.
# Usage: bench/ab.sh RUNS OLD_BINARY NEW_BINARY ARGS...
# Example: bench/ab.sh 5 /tmp/growthplan-old target/release/growthplan check --data target/bench-data/syn6
set -euo pipefail
if (($# < 4)); then
  echo "usage: bench/ab.sh RUNS OLD_BINARY NEW_BINARY ARGS..." >&2
  exit 2
fi
runs=$1 old=$2 new=$3
shift 3
old_ms=() new_ms=()
wall() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
for _ in $(seq "$runs"); do
  old_ms+=("$(wall "$old" "$@")")
  new_ms+=("$(wall "$new" "$@")")
done
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "min %d ms, median %d ms", v[1], v[int((NR + 1) / 2)] }'; }
echo "old: $(printf '%s\n' "${old_ms[@]}" | stats)  ($old)"
echo "new: $(printf '%s\n' "${new_ms[@]}" | stats)  ($new)"
