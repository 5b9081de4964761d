#!/usr/bin/env bash
# Compares what two growthplan binaries write for the same data folders, byte for byte: `check` (text
# and JSON), `status` (JSON, table, CSV) at three dates, `export` (CSV, JSON; Parquet read back where
# python3 has pyarrow, else compared as bytes), `fmt` on a copy, and the monthly report. For a refactor
# that must not change behaviour.
#
# Usage: tools/same_outputs.sh OLD_BINARY NEW_BINARY DATA_DIR...
# Prints one line per output compared and `same` or the first lines of the difference; exits 1 on any
# difference.
set -uo pipefail

if (($# < 3)); then
  echo "usage: tools/same_outputs.sh OLD_BINARY NEW_BINARY DATA_DIR..." >&2
  exit 2
fi
old=$(realpath "$1") new=$(realpath "$2")
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
differ=0

# Runs the same command line with each binary in its own folder ($work/old, $work/new), from inside
# that folder so that relative outputs land there; stdout, stderr and the exit code are kept.
both() {
  local name=$1
  shift
  for side in old new; do
    local bin=$old
    [[ $side == new ]] && bin=$new
    mkdir -p "$work/$side"
    (cd "$work/$side" && "$bin" "$@" >"$work/$side/$name.out" 2>"$work/$side/$name.err"; echo "exit $?" >>"$work/$side/$name.out")
  done
  compare "$name" "$work/old/$name.out" "$work/new/$name.out"
  compare "$name (stderr)" "$work/old/$name.err" "$work/new/$name.err"
}

compare() {
  if diff -rq "$2" "$3" >/dev/null 2>&1; then
    echo "same     $1"
  else
    echo "DIFFERS  $1"
    diff -r "$2" "$3" | head -n 20
    differ=1
  fi
}

for data in "$@"; do
  data=$(realpath "$data")
  tag=$(basename "$data")
  echo "== $data"
  both "$tag-check" check --data "$data"
  both "$tag-check-json" check --data "$data" --format json
  both "$tag-check-github" check --data "$data" --format github
  for d in 2025-06-30 2026-02-28 2027-12-31; do
    both "$tag-status-$d-json" status --data "$data" --as-of "$d" --format json
    both "$tag-status-$d-table" status --data "$data" --as-of "$d" --color never
    both "$tag-status-$d-csv" status --data "$data" --as-of "$d" --format csv
  done
  for f in csv json parquet; do
    both "$tag-export-$f" export --data "$data" --as-of 2026-11-30 --since 2025-01-01 --format "$f" --out "export-$tag-$f"
    compare "$tag-export-$f files" "$work/old/export-$tag-$f" "$work/new/export-$tag-$f"
  done
  for side in old new; do
    rm -rf "$work/$side/fmt-$tag"
    cp -r "$data" "$work/$side/fmt-$tag"
  done
  both "$tag-fmt" fmt --data "fmt-$tag"
  compare "$tag-fmt files" "$work/old/fmt-$tag" "$work/new/fmt-$tag"
  for month in 2026-02 2027-12; do
    both "$tag-report-$month" report --data "$data" --month "$month" --out "reports-$tag"
  done
  compare "$tag-report files" "$work/old/reports-$tag" "$work/new/reports-$tag"
done
exit $differ
