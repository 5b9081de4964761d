#!/usr/bin/env bash
# Measures growthplan's commands on a data folder (default: the shipped data/) from a release build:
# wall time over N runs (min and median, milliseconds) and peak memory (GNU time's maximum RSS).
# Usage: bench/run.sh [DATA_DIR] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-data}"
runs="${2:-30}"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/growthplan"
rows=$(cat "$data"/*.csv | wc -l)

measure() {
  local name="$1"; shift
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$bin" "$@" >/dev/null || true
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
  done
  local sorted min median rss
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  min=${sorted[0]}
  median=${sorted[$(( runs / 2 ))]}
  rss=$(/usr/bin/time -f '%M' "$bin" "$@" 2>&1 >/dev/null | tail -n 1)
  printf '| %s | %s | %d | %d | %d.%03d | %d.%03d | %d.%d |\n' "$name" "$data" "$rows" "$runs" \
    $((min / 1000)) $((min % 1000)) $((median / 1000)) $((median % 1000)) $((rss / 1024)) $(((rss % 1024) * 10 / 1024))
}

printf '| command | data | rows | runs | min ms | median ms | peak RSS MB |\n|---|---|---|---|---|---|---|\n'
measure "check" check --data "$data" --as-of 2026-11-28
measure "status --format json" status --data "$data" --as-of 2026-11-28 --format json
out=$(mktemp -d)
measure "report (charts as SVG and PNG)" report --data "$data" --month 2026-02 --out "$out" --allow-outside
rm -rf "$out"
