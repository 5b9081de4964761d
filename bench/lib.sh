# Shared by bench/scale.sh and bench/growth.sh (sourced, from the repository's root): the binaries, the
# synthetic folders, each command's arguments, one measured run, and the ratio of two figures.

# Builds the release binary and the polars floor; sets `bin`, `floor` and `store` (the synthetic folders,
# kept in target/bench-data: same seed, same bytes, so reruns skip synth). GROWTHPLAN_BIN=PATH measures
# that binary instead of the one built here (an older build, to compare old and new in one session). The
# floor has its own feature (polars' CSV reader, which the default build leaves out); it is built apart, so
# that the binary measured is the default build.
bench_build() {
  cargo build --release --quiet --example polars_floor --features bench-floor
  cargo build --release --quiet --bin growthplan
  local target="${CARGO_TARGET_DIR:-target}"
  bin="${GROWTHPLAN_BIN:-$target/release/growthplan}"
  floor="$target/release/examples/polars_floor"
  store="$target/bench-data"
  mkdir -p "$store"
}

# The machine, in one line: cores, memory, processor, compiler.
bench_machine() {
  local cpu
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  echo "binary: $bin"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), ${cpu:-unknown processor}, $(rustc --version)"
}

# The steps of a folder of 10^EXP payment rows: one per ten rows, at least one per partner.
bench_steps() {
  local n=$((10 ** $1))
  echo $((n / 10 > 20 ? n / 10 : 20))
}

# The synthetic folder of 10^EXP payment rows (20 partners), made once: prints its path.
bench_data() {
  local exp=$1 data="$store/syn$1"
  # A folder made before the newest ledger (corrections.csv) is made again.
  if [[ ! -f "$data/corrections.csv" ]]; then
    rm -rf "$data"
    "$bin" synth --out "$data" --partners 20 --steps "$(bench_steps "$exp")" --payments $((10 ** exp)) --seed 1 >/dev/null
  fi
  echo "$data"
}

# Sets the array `args` to the command line of COMMAND (floor, check, status or report) on the folder of
# 10^EXP rows (a report goes to target/bench-data/reportsEXP, which the caller removes).
bench_args() {
  local data
  data=$(bench_data "$2")
  case $1 in
    floor) args=("$floor" "$data") ;;
    check) args=("$bin" check --data "$data" --as-of 2027-12-31) ;;
    status) args=("$bin" status --data "$data" --as-of 2027-12-31 --format json) ;;
    report) args=("$bin" report --data "$data" --month 2027-12 --out "$store/reports$2") ;;
  esac
}

# Runs ARGS... once, output discarded: prints "wall_ms rss_kb user_s system_s". A run that fails (exit
# code 2 or a signal; 1 is findings, which check reports on purpose) prints why and returns 1.
bench_once() {
  local stats start end code kb user sys
  stats=$(mktemp)
  start=$(date +%s%N)
  /usr/bin/time -f '%x %M %U %S' -o "$stats" "$@" >/dev/null 2>"$stats.err" || true
  end=$(date +%s%N)
  read -r code kb user sys < <(tail -n 1 "$stats")
  if [[ "$code" != 0 && "$code" != 1 ]]; then
    echo "failed (exit $code): $*" >&2
    cat "$stats.err" >&2
    rm -f "$stats" "$stats.err"
    return 1
  fi
  rm -f "$stats" "$stats.err"
  echo "$(((end - start) / 1000000)) $kb $user $sys"
}

# A / B to one decimal, followed by SUFFIX (e.g. "x"); "-" when B is not positive (a run too quick to time,
# or a figure the size did not have).
bench_ratio() {
  awk -v a="$1" -v b="$2" -v suffix="${3:-}" 'BEGIN { if (b > 0) printf "%.1f%s", a / b, suffix; else print "-" }'
}
