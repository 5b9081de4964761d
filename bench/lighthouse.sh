#!/usr/bin/env bash
# Lighthouse 12.2.3 (tools/browser/lighthouse, pinned) in Debian's Chromium on the site of data/: the home
# page and a partner page, with Lighthouse's mobile (its default) and desktop settings. Prints accessibility,
# best practices, performance and SEO per page, and every audit that cost a point, against issue 25's
# targets (accessibility 100, best practices and performance at least 95). A benchmark: it exits 0 whatever
# the scores, non-zero only when it could not measure.
#
#   bench/lighthouse.sh                 # builds growthplan (debug) and the site of data/
#   GROWTHPLAN_BIN=path bench/lighthouse.sh
#   SITE=folder bench/lighthouse.sh     # a site already written
#   PRESETS="mobile" PAGES="index.html payments.html" bench/lighthouse.sh
#
# Lighthouse needs http, so a static server (python3 -m http.server) serves the site on 127.0.0.1 at a free
# port for the run. Needs node (18.16 or later), npm, python3 and chromium (CHROME_PATH overrides).
set -euo pipefail
cd "$(dirname "$0")/.."

lh_dir=tools/browser/lighthouse
if [[ ! -x "$lh_dir/node_modules/.bin/lighthouse" ]]; then
  npm ci --prefix "$lh_dir" --prefer-offline --no-audit --no-fund --loglevel=error
fi
export CHROME_PATH="${CHROME_PATH:-$(command -v chromium || command -v chromium-browser)}"

tmp=$(mktemp -d)
server=
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

site="${SITE:-}"
if [[ -z "$site" ]]; then
  bin="${GROWTHPLAN_BIN:-}"
  if [[ -z "$bin" ]]; then
    cargo build --quiet --bin growthplan
    bin="${CARGO_TARGET_DIR:-target}/debug/growthplan"
  fi
  site="$tmp/site"
  "$bin" site --data data --out "$site" ${AS_OF:+--as-of "$AS_OF"} >/dev/null
fi

pages="${PAGES:-}"
if [[ -z "$pages" ]]; then
  partner=$(cd "$site" && find partners -name '*.html' | sort | head -n 1)
  pages="index.html $partner"
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site" >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
  sleep 0.1
done

flags="--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync"
echo "lighthouse $("$lh_dir/node_modules/.bin/lighthouse" --version), $("$CHROME_PATH" --version 2>/dev/null), $(nproc) cores"
printf '%-24s %-8s %13s %14s %11s %5s\n' page preset accessibility best-practices performance seo
for page in $pages; do
  for preset in ${PRESETS:-mobile desktop}; do
    out="$tmp/$(echo "$page" | tr '/.' '__')-$preset.json"
    preset_flag=()
    [[ "$preset" == desktop ]] && preset_flag=(--preset=desktop)
    "$lh_dir/node_modules/.bin/lighthouse" "http://127.0.0.1:$port/$page" "${preset_flag[@]}" \
      --only-categories=accessibility,best-practices,performance,seo \
      --chrome-flags="$flags" --output=json --output-path="$out" --quiet
    node - "$out" "$page" "$preset" <<'EOF'
const fs = require("fs");
const [file, page, preset] = process.argv.slice(2);
const r = JSON.parse(fs.readFileSync(file, "utf8"));
const score = (c) => Math.round(r.categories[c].score * 100);
const line = [page.padEnd(24), preset.padEnd(8), String(score("accessibility")).padStart(13),
  String(score("best-practices")).padStart(14), String(score("performance")).padStart(11),
  String(score("seo")).padStart(5)].join(" ");
const below = [];
if (score("accessibility") < 100) below.push("accessibility < 100");
if (score("best-practices") < 95) below.push("best practices < 95");
if (score("performance") < 95) below.push("performance < 95");
console.log(below.length ? `${line}   BELOW TARGET: ${below.join(", ")}` : line);
// Every scored audit that cost a point, with what Lighthouse measured.
for (const [cat, c] of Object.entries(r.categories)) {
  for (const ref of c.auditRefs) {
    const a = r.audits[ref.id];
    if (ref.weight > 0 && a.score !== null && a.score < 1) {
      console.log(`    ${cat}: ${a.id} (${a.score}) ${a.title}${a.displayValue ? `: ${a.displayValue}` : ""}`);
    }
  }
}
const m = (id) => r.audits[id]?.displayValue ?? "-";
console.log(`    FCP ${m("first-contentful-paint")}, LCP ${m("largest-contentful-paint")}, TBT ${m("total-blocking-time")}, CLS ${m("cumulative-layout-shift")}`);
EOF
  done
done
