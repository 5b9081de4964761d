#!/usr/bin/env bash
# The steps page of the site at 10^5 steps in Debian's headless Chromium (issue 25: interactive within 2
# seconds): a synthetic folder of 20 partners, 10^5 steps and 10^5 payment rows (`growthplan synth`, seed 1,
# kept in target/bench-data), its site, and tools/browser/check_site.mjs timing steps.html from file://
# over 5 runs, each in a new tab: loaded (the load event), interactive (its script has run and a frame is
# drawn) and a search typed into it. Prints the medians. A benchmark: it asserts no time.
#
#   bench/site_steps.sh                       # builds growthplan (debug: the page, not the build, is timed)
#   GROWTHPLAN_BIN=path STEPS=1000000 PAYMENTS=1000000 bench/site_steps.sh
#
# Needs node, chromium and tools/browser's packages (npm ci --prefix tools/browser).
set -euo pipefail
cd "$(dirname "$0")/.."

steps="${STEPS:-100000}"
payments="${PAYMENTS:-100000}"
bin="${GROWTHPLAN_BIN:-}"
if [[ -z "$bin" ]]; then
  cargo build --quiet --bin growthplan
  bin="${CARGO_TARGET_DIR:-target}/debug/growthplan"
fi
[[ -d tools/browser/node_modules/puppeteer-core ]] ||
  npm ci --prefix tools/browser --prefer-offline --no-audit --no-fund --loglevel=error

store="${CARGO_TARGET_DIR:-target}/bench-data"
data="$store/site-steps-$steps-$payments"
if [[ ! -f "$data/requests.csv" ]]; then
  rm -rf "$data"
  mkdir -p "$store"
  "$bin" synth --out "$data" --partners 20 --steps "$steps" --payments "$payments" --seed 1 >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s%N)
"$bin" site --data "$data" --out "$tmp/site" --as-of 2027-12-31 >/dev/null
end=$(date +%s%N)
echo "growthplan site: $(((end - start) / 1000000)) ms for $steps steps and $payments payment rows ($bin)"
echo "steps pages: $(find "$tmp/site" -maxdepth 1 -name 'steps*.html' | wc -l), steps.html $(($(stat -c %s "$tmp/site/steps.html") / 1024)) KiB"

node tools/browser/check_site.mjs "$tmp/site" --time steps.html --time-only --runs 5 >"$tmp/timing.json"
node - "$tmp/timing.json" <<'EOF'
const t = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const m = t.timing;
const rows = m.each[0].rows_before;
console.log(`${t.chromium}: steps.html (${rows.rows} rows in the page; ${rows.shown ? rows.shown.text : "no count"})`);
console.log(`median of ${m.runs}: loaded ${m.median_load_ms} ms, interactive ${m.median_interactive_ms} ms, a search ${m.median_search_ms} ms`);
console.log(`each run (interactive ms): ${m.each.map((r) => r.interactive_ms).join(" ")}`);
EOF
