// Checks a folder written by `growthplan site` in Debian's headless Chromium, the way a reader's browser
// would open it: from file://, every HTML page in the folder.
//
//   node tools/browser/check_site.mjs SITE_DIR [--shots DIR] [--time PAGE [--time-only] [--runs N]]
//
// For every page: every console message (and dialog) and every request for anything but a file inside
// SITE_DIR (both must be none), axe-core's violations of WCAG 2.1 A and AA, every internal link and
// anchor resolved (and the preview image, and feed.xml's links), no sideways scroll at 1280 and 375 px,
// nothing off an A4 page in print, Tab reaching links and controls with a visible focus, a title and a
// description. Screenshots of the home page and the first partner page at both widths (written to
// --shots when given), with their count of distinct colours. On every page with a table and a search
// box: every row there with JavaScript off; with it on, that the search, a filter and a date range
// change the rows shown, that they read their first values from the address's query (?partner=ME&q=R1),
// and that each header's button sorts the rows both ways. --time PAGE also times PAGE (N runs, 5 by default,
// each in a new tab): from navigation until loaded, until its scripts have run and a frame is drawn
// (interactive), and a search typed into it; --time-only does only that (a benchmark, never asserted).
//
// Prints one JSON document on stdout; exits 1 when any check failed ("failures" says which), 2 when it
// could not run. The browser is `chromium` on the PATH (CHROME_PATH overrides).

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import zlib from "node:zlib";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const WIDTHS = [1280, 375];
const PRINT_WIDTH = 718;
const HEIGHT = { 1280: 900, 375: 812 };
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const ROWS_SHOWN = /(\d[\d,\u202f\u00a0 ]*)\s+of\s+(\d[\d,\u202f\u00a0 ]*)\s+shown/i;

function usage(message) {
  process.stderr.write(`${message}\nusage: node check_site.mjs SITE_DIR [--shots DIR] [--time PAGE [--time-only] [--runs N]]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { site: null, shots: null, time: null, timeOnly: false, runs: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--shots") opts.shots = argv[++i];
    else if (a === "--time") opts.time = argv[++i];
    else if (a === "--time-only") opts.timeOnly = true;
    else if (a === "--runs") opts.runs = Number(argv[++i]);
    else if (a.startsWith("--")) usage(`unknown option ${a}`);
    else if (opts.site === null) opts.site = a;
    else usage(`one site folder only (${a})`);
  }
  if (!opts.site) usage("no site folder");
  if (opts.timeOnly && !opts.time) usage("--time-only needs --time PAGE");
  if (!(opts.runs >= 1)) usage("--runs takes a count");
  if (!fs.statSync(opts.site, { throwIfNoEntry: false })?.isDirectory()) usage(`${opts.site} is not a folder`);
  return opts;
}

function chromiumPath() {
  if (process.env.CHROME_PATH) return process.env.CHROME_PATH;
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
    } catch {
      // next name
    }
  }
  usage("no chromium on the PATH (apt-get install chromium) and no CHROME_PATH");
}

/** Every HTML file under `dir`, as paths relative to it with '/', sorted. */
function htmlPages(dir, prefix = "") {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...htmlPages(dir, rel));
    else if (e.name.endsWith(".html")) out.push(rel);
  }
  return out.sort();
}

/** The file inside `root` that a file:// URL names, or null when it names none (outside, or missing). */
function siteFile(root, url) {
  if (!url.startsWith("file://")) return null;
  const file = path.resolve(fileURLToPath(url.split("#")[0].split("?")[0]));
  const rel = path.relative(root, file);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return null;
  return fs.existsSync(file) ? rel.split(path.sep).join("/") : null;
}

/** The count of distinct colours in a PNG that Chromium wrote (8 bits a sample, not interlaced). */
function distinctColours(png) {
  const buf = Buffer.from(png);
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error("a PNG this checker does not read");
      channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[data[9]];
    } else if (type === "IDAT") idat.push(data);
    pos += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  let prev = Buffer.alloc(stride);
  const seen = new Set();
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let p = 0;
      if (filter === 1) p = a;
      else if (filter === 2) p = b;
      else if (filter === 3) p = (a + b) >> 1;
      else if (filter === 4) {
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[i] = (line[i] + p) & 255;
    }
    for (let x = 0; x < stride; x += channels) {
      seen.add(channels >= 3 ? (line[x] << 16) | (line[x + 1] << 8) | line[x + 2] : line[x]);
    }
    prev = line;
  }
  return seen.size;
}

/** In the page: the outermost elements wider than `w` px, to say what scrolls (run with page.evaluate). */
function outermostWide(w) {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > w + 1)) {
      const cls = typeof el.className === "string" && el.className.trim() ? `.${el.className.trim().split(/\s+/).join(".")}` : "";
      out.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${cls} (right edge ${Math.round(r.right)} px)`);
    }
    if (out.length >= 5) break;
  }
  return out;
}

/** Waits until the page's main thread has run its pending work (a frame and a task). */
async function settle(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
}

const SEARCH = 'input[type="search"], input[data-search]';

/** The table that the page's (first) search box filters: the one its controls name in `data-table`, else
 * the first table after the box. A CSS selector for its body rows. */
async function searchedTable(page) {
  return page.evaluate((searchSel) => {
    const s = document.querySelector(searchSel);
    if (!s) return null;
    const named = s.closest("[data-table]");
    let table = named ? document.getElementById(named.getAttribute("data-table")) : null;
    if (!table) {
      table = [...document.querySelectorAll("table")].find(
        (t) => s.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING,
      );
    }
    if (!table) return "table";
    if (!table.id) table.id = "growthplan-checked-table";
    return `#${CSS.escape(table.id)}`;
  }, SEARCH);
}

/** What the page says about the rows of `table`: its "N of M shown" line (the element `<table id>-count`,
 * else the first visible one on the page) and the table's body rows, all and visible. */
async function rowState(page, table) {
  return page.evaluate(
    (pattern, table) => {
      const re = new RegExp(pattern, "i");
      const num = (s) => Number(s.replace(/[^\d]/g, ""));
      const t = document.querySelector(table);
      const own = t && t.id ? document.getElementById(`${t.id}-count`) : null;
      let shown = null;
      const candidates = own ? [own] : document.querySelectorAll("body *");
      for (const el of candidates) {
        if (el.children.length > 3) continue;
        const m = re.exec(el.textContent || "");
        if (m && el.getClientRects().length > 0) {
          shown = { shown: num(m[1]), of: num(m[2]), text: el.textContent.trim().replace(/\s+/g, " ") };
          break;
        }
      }
      const rows = t ? [...t.querySelectorAll(":scope > tbody > tr")] : [];
      const visible = rows.filter((r) => r.getClientRects().length > 0 && !r.hidden).length;
      return { shown, rows: rows.length, visible };
    },
    ROWS_SHOWN.source,
    table,
  );
}

/** The count of rows shown: the page's own "N of M shown" when it has one, else the visible rows. */
const shownCount = (s) => (s.shown ? s.shown.shown : s.visible);

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const root = fs.realpathSync(opts.site);
  const pages = htmlPages(root);
  const failures = [];
  const fail = (page, what) => failures.push(`${page}: ${what}`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "growthplan-chromium-"));
  const executablePath = chromiumPath();
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    userDataDir: profile,
    protocolTimeout: 120000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--hide-scrollbars",
      "--font-render-hinting=none",
    ],
  });
  let current = "launching Chromium";
  const result = { chromium: await browser.version(), site: root, pages: [], screenshots: [], tables: [], failures };
  try {
    if (!opts.timeOnly) {
      const page = await browser.newPage();
      current = null;
      const log = { console: [], external: [], missing: [] };
      page.on("console", (m) => log.console.push(`${m.type()}: ${m.text()}`));
      page.on("pageerror", (e) => log.console.push(`pageerror: ${e.message}`));
    // A dialog is script that ran (hostile ledger text, say): recorded, and dismissed so the page goes on.
    page.on("dialog", async (d) => {
      log.console.push(`dialog (${d.type()}): ${d.message()}`);
      await d.dismiss();
    });
      page.on("request", (r) => {
        const url = r.url();
        if (url.startsWith("data:") || url.startsWith("blob:") || url === "about:blank") return;
        if (url.startsWith("file://")) {
          if (siteFile(root, url) === null) log.missing.push(url);
        } else {
          log.external.push(url);
        }
      });
      page.on("requestfailed", (r) => {
        const url = r.url();
        if (url.startsWith("file://") && siteFile(root, url) !== null) {
          log.missing.push(`${url} (${r.failure()?.errorText})`);
        }
      });

      const ids = new Map(); // page -> Set of ids and names
      const links = []; // { from, href }
      for (const rel of pages) {
        current = rel;
        log.console.length = 0;
        log.external.length = 0;
        log.missing.length = 0;
        const url = pathToFileURL(path.join(root, rel)).href;
        await page.setViewport({ width: WIDTHS[0], height: HEIGHT[WIDTHS[0]] });
        await page.goto(url, { waitUntil: "load" });
        await settle(page);
        const info = await page.evaluate(() => ({
          title: document.title.trim(),
          description: document.querySelector('meta[name="description"]')?.content?.trim() ?? "",
          ids: [...document.querySelectorAll("[id]")].map((e) => e.id).concat(
            [...document.querySelectorAll("a[name]")].map((e) => e.name),
          ),
          hrefs: [...document.querySelectorAll("a[href], link[href], area[href]")].map((a) => a.getAttribute("href")),
          srcs: [...document.querySelectorAll("[src]")].map((e) => e.getAttribute("src")),
        preview: document.querySelector('meta[property="og:image"]')?.content?.trim() ?? "",
        }));
        ids.set(rel, new Set(info.ids));
        for (const href of info.hrefs.concat(info.srcs)) links.push({ from: rel, href });
      // The preview image of a shared link: an address (with --base-url) or a file of the site.
      if (info.preview) links.push({ from: rel, href: info.preview });

        const overflow = {};
        for (const width of WIDTHS) {
          await page.setViewport({ width, height: HEIGHT[width] });
          await settle(page);
          overflow[width] = await page.evaluate(() => ({
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
          }));
          if (overflow[width].scrollWidth > overflow[width].innerWidth) {
            const wide = await page.evaluate(outermostWide, width);
            fail(rel, `scrolls sideways at ${width} px: scrollWidth ${overflow[width].scrollWidth} > ${overflow[width].innerWidth}; ${wide.join(", ")}`);
          }
        }
        // Print: on A4 at 96 px an inch less Chromium's default margins (718 px), nothing runs off the page.
        await page.emulateMediaType("print");
        await page.setViewport({ width: PRINT_WIDTH, height: 1000 });
        await settle(page);
        overflow.print = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
        }));
        if (overflow.print.scrollWidth > overflow.print.innerWidth) {
          const wide = await page.evaluate(outermostWide, PRINT_WIDTH);
          fail(rel, `runs off the printed page: ${overflow.print.scrollWidth} px wide on A4's ${PRINT_WIDTH}; ${wide.join(", ")}`);
        }
        await page.emulateMediaType(null);
        await page.setViewport({ width: WIDTHS[0], height: HEIGHT[WIDTHS[0]] });

        // The keyboard: Tab from the top reaches links and controls in turn, each with a visible focus
        // (an outline or a shadow), the first a link (the skip link) or a control.
        const keyboard = [];
        await page.evaluate(() => {
          document.activeElement?.blur();
          window.scrollTo(0, 0);
        });
        for (let i = 0; i < 40; i++) {
          await page.keyboard.press("Tab");
          const f = await page.evaluate(() => {
            const el = document.activeElement;
            if (!el || el === document.body) return null;
            const cs = getComputedStyle(el);
            // A date field's focus is on a part of it (day, month, year) that Chromium highlights itself.
            const parts = el.tagName === "INPUT" && /^(date|time|datetime-local|month|week)$/.test(el.type);
            const visible = parts || (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== "none";
            const label = `${el.tagName.toLowerCase()}${el.getAttribute("href") ? `[href="${el.getAttribute("href")}"]` : ""}${el.name ? `[name="${el.name}"]` : ""}`;
            return { label, visible };
          });
          if (!f) break;
          keyboard.push(f);
        }
        if (keyboard.length === 0) fail(rel, "Tab focuses nothing");
        const unseen = keyboard.filter((f) => !f.visible).map((f) => f.label);
        if (unseen.length) fail(rel, `focus not visible (no outline) on ${[...new Set(unseen)].slice(0, 5).join(", ")}`);

        // axe-core, evaluated through the DevTools protocol (the page's own Content Security Policy stays on).
        await page.evaluate(axeSource);
        const axe = await page.evaluate(async (tags) => {
          const r = await window.axe.run(document, {
            runOnly: { type: "tag", values: tags },
            resultTypes: ["violations"],
            // axe would fetch the page's stylesheets again to read them (a request the page did not make).
            preload: false,
          });
          return r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
            count: v.nodes.length,
          }));
        }, AXE_TAGS);

        const entry = {
          page: rel,
          title: info.title,
          description: info.description,
          console: [...log.console],
          external: [...log.external],
          missing: [...log.missing],
          axe,
          overflow,
          keyboard: keyboard.length,
        };
        result.pages.push(entry);
        for (const m of entry.console) fail(rel, `console: ${m}`);
        for (const u of entry.external) fail(rel, `request outside the site: ${u}`);
        for (const u of entry.missing) fail(rel, `request for a file not in the site, or that failed: ${u}`);
        for (const v of axe) fail(rel, `axe ${v.id} (${v.impact}, ${v.count} nodes): ${v.help}: ${v.nodes.map((n) => n.target).join(" | ")}`);
        if (!info.title) fail(rel, "no <title>");
        if (!info.description) fail(rel, 'no <meta name="description">');
        if (!info.preview) fail(rel, 'no preview image (<meta property="og:image">)');
      }
      current = null;

      // Every internal link and anchor: a file in the site, and the element its fragment names.
      let checked = 0;
      const broken = [];
      for (const { from, href } of links) {
        if (href === null || href === "") continue;
        if (/^(https?:|mailto:|tel:)/i.test(href) || href.startsWith("//")) continue;
        if (/^(data|blob|javascript):/i.test(href)) {
          if (/^javascript:/i.test(href)) broken.push({ from, href, why: "javascript: link" });
          continue;
        }
        checked++;
        const target = new URL(href, pathToFileURL(path.join(root, from)));
        const file = siteFile(root, target.href);
        if (file === null) {
          broken.push({ from, href, why: "no such file in the site" });
          continue;
        }
        const fragment = decodeURIComponent(target.hash.slice(1));
        // "#top" is the top of any page (HTML's rule for fragments).
        if (fragment && fragment !== "top" && file.endsWith(".html") && !ids.get(file)?.has(fragment)) {
          broken.push({ from, href, why: `no element with id "${fragment}" in ${file}` });
        }
      }
      // The Atom feed's links (relative to the feed) name pages and anchors of the site too.
    const feed = path.join(root, "feed.xml");
    if (fs.existsSync(feed)) {
      const xml = fs.readFileSync(feed, "utf8");
      for (const m of xml.matchAll(/<link\b[^>]*\bhref="([^"]*)"/g)) {
        const href = m[1].replace(/&amp;/g, "&");
        if (/^https?:/i.test(href)) continue;
        checked++;
        const target = new URL(href, pathToFileURL(feed));
        const file = siteFile(root, target.href);
        const fragment = decodeURIComponent(target.hash.slice(1));
        if (file === null) broken.push({ from: "feed.xml", href, why: "no such file in the site" });
        else if (fragment && file.endsWith(".html") && !ids.get(file)?.has(fragment)) {
          broken.push({ from: "feed.xml", href, why: `no element with id "${fragment}" in ${file}` });
        }
      }
    }
    result.links = { checked, broken };
      for (const b of broken) fail(b.from, `broken link ${b.href}: ${b.why}`);

      // Screenshots of the home page and the first partner page, at both widths.
      const partner = pages.find((p) => p.startsWith("partners/"));
      const shotPages = ["index.html", partner].filter((p) => p && pages.includes(p));
      if (!pages.includes("index.html")) fail("index.html", "no home page");
      if (!partner) fail("partners/", "no partner page");
      for (const rel of shotPages) {
        await page.goto(pathToFileURL(path.join(root, rel)).href, { waitUntil: "load" });
        for (const width of WIDTHS) {
          await page.setViewport({ width, height: HEIGHT[width] });
          await settle(page);
          const png = await page.screenshot({ type: "png" });
          const file = opts.shots ? path.join(opts.shots, `${rel.replace(/[/.]/g, "_")}-${width}.png`) : null;
          if (file) {
            fs.mkdirSync(opts.shots, { recursive: true });
            fs.writeFileSync(file, png);
          }
          const colours = distinctColours(png);
          result.screenshots.push({ page: rel, width, colours, file });
          if (colours <= 50) fail(rel, `screenshot at ${width} px looks blank (${colours} colours)`);
        }
      }

      // Tables with a search box: every row without JavaScript; the search and the filters change the rows.
      for (const rel of pages) {
        const url = pathToFileURL(path.join(root, rel)).href;
        await page.setViewport({ width: WIDTHS[0], height: HEIGHT[WIDTHS[0]] });
        await page.setJavaScriptEnabled(false);
        await page.goto(url, { waitUntil: "load" });
        const noScriptTable = await searchedTable(page);
        const noScript = noScriptTable ? (await rowState(page, noScriptTable)).rows : 0;
        await page.setJavaScriptEnabled(true);
        log.console.length = 0;
        await page.goto(url, { waitUntil: "load" });
        await settle(page);
        const table = await searchedTable(page);
        if (!table) continue;
        // Every reading of the rows: the page's count says as many as are visible.
        // (The table is found again each time: a table without an id gets one, which a new load forgets.)
        const rs = async () => {
          const st = await rowState(page, await searchedTable(page));
          if (st.shown && st.shown.shown !== st.visible) {
            fail(rel, `says "${st.shown.text}" with ${st.visible} rows visible`);
          }
          return st;
        };
        const t = { page: rel, table, rows_without_js: noScript };
        const start = await rs();
        t.start = start;
        if (start.shown && start.shown.of !== start.shown.shown) fail(rel, `not every row shown at first: ${start.shown.text}`);
        if (start.rows !== noScript) {
          fail(rel, `${start.rows} rows with JavaScript, ${noScript} without`);
        }
        if (!start.shown) fail(rel, 'no "N of M shown" count');
        if (start.rows === 0) fail(rel, "a search box but no table rows");
        if (start.rows < 2) {
          // Nothing for a search or a filter to drop (a small data folder): said, not failed.
          t.skipped = `${start.rows} row: the search and the filters not tried`;
          for (const m of new Set(log.console)) fail(rel, `console: ${m}`);
          result.tables.push(t);
          continue;
        }

        // The search: a word from the last row that is not in the first row.
        const query = await page.evaluate((table) => {
          const rows = [...document.querySelectorAll(`${table} > tbody > tr`)].filter((r) => r.getClientRects().length > 0);
          if (rows.length < 2) return null;
          const first = rows[0].textContent.toLowerCase();
          for (const row of rows.slice(1).reverse()) {
            for (const cell of row.querySelectorAll("td, th")) {
              const w = cell.textContent.trim().split(/\s+/).find((w) => w.length >= 3 && !first.includes(w.toLowerCase()));
              if (w) return w;
            }
          }
          return null;
        }, table);
        const search = SEARCH;
        if (query) {
          await page.click(search, { count: 3 });
          await page.type(search, query);
          await settle(page);
          const after = await rs();
          t.search = { query, before: shownCount(start), after: shownCount(after), text: after.shown?.text ?? null };
          if (!(t.search.after < t.search.before && t.search.after > 0)) {
            fail(rel, `searching "${query}" shows ${t.search.after} rows of ${t.search.before}: expected fewer, and some`);
          }
          await page.$eval(search, (el) => {
            el.value = "";
            el.dispatchEvent(new Event("input", { bubbles: true }));
          });
          await settle(page);
          const cleared = shownCount(await rs());
          if (cleared !== t.search.before) fail(rel, `clearing the search shows ${cleared} rows, not ${t.search.before}`);
        } else {
          fail(rel, "too few distinct rows to try the search");
        }

        // The filters: each select, set to each option until one shows fewer rows.
        // Only the selects of the search box's own controls when they are named (data-table).
        const selectSel = await page.evaluate((searchSel) => {
          const named = document.querySelector(searchSel).closest("[data-table]");
          return named ? `[data-table="${named.getAttribute("data-table")}"] select` : "select";
        }, SEARCH);
        const selects = await page.$$eval(selectSel, (ss) =>
          ss.map((s, i) => ({
            index: i,
            name: s.name || s.id,
            value: s.value,
            options: [...s.options].map((o) => o.value).filter((v) => v !== s.value),
          })),
        );
        t.filters = [];
        for (const s of selects) {
          let changed = null;
          for (const value of s.options.slice(0, 12)) {
            const handle = (await page.$$(selectSel))[s.index];
            await handle.select(value);
            await settle(page);
            const n = shownCount(await rs());
            await handle.select(s.value);
            await settle(page);
            // A choice that keeps some rows and drops others (one that matches no row only when none does).
            if (n < shownCount(start) && (n > 0 || changed === null)) {
              changed = { value, after: n };
              if (n > 0) break;
            }
          }
          t.filters.push({ select: s.name, before: shownCount(start), changed });
        }
        if (selects.length === 0) fail(rel, "no filter select");
        else if (!t.filters.some((f) => f.changed)) fail(rel, "no filter select changes the rows shown");

        // A date range: "from" set to the middle date of the table's date column keeps the later rows only,
        // and ?from=DATE does the same.
        const range = await page.evaluate((table) => {
          const t = document.querySelector(table);
          const from = document.querySelector(`[data-table="${t.id}"] input[name="from"], [data-table="${t.id}"] [data-range="from"]`);
          if (!from) return null;
          const heads = [...t.tHead.rows[0].cells];
          const col = heads.findIndex((h) => h.getAttribute("data-key") === "date");
          if (col < 0) return { error: "a date range but no date column (a header with data-key=date)" };
          const dates = [...t.tBodies[0].rows].map((r) => r.cells[col]?.textContent.trim()).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort();
          const distinct = [...new Set(dates)];
          if (distinct.length < 2) return null;
          const date = distinct[Math.floor(distinct.length / 2)];
          return { name: from.name || "from", date, expected: dates.filter((d) => d >= date).length };
        }, await searchedTable(page));
        if (range?.error) fail(rel, range.error);
        else if (range) {
          const sel = `[name="${range.name}"]`;
          await page.$eval(sel, (el, d) => {
            el.value = d;
            el.dispatchEvent(new Event("input", { bubbles: true }));
            el.dispatchEvent(new Event("change", { bubbles: true }));
          }, range.date);
          await settle(page);
          const n = shownCount(await rs());
          await page.$eval(sel, (el) => {
            el.value = "";
            el.dispatchEvent(new Event("input", { bubbles: true }));
            el.dispatchEvent(new Event("change", { bubbles: true }));
          });
          await settle(page);
          t.range = { from: range.date, expected: range.expected, shown: n };
          if (n !== range.expected) fail(rel, `from ${range.date} shows ${n} rows, not the ${range.expected} dated from then on`);
          const params = new URLSearchParams({ [range.name]: range.date });
          await page.goto(`${url}?${params}`, { waitUntil: "load" });
          await settle(page);
          const fromQuery = shownCount(await rs());
          t.range.from_query = fromQuery;
          if (fromQuery !== range.expected) fail(rel, `?${params} shows ${fromQuery} rows, not ${range.expected}`);
          await page.goto(url, { waitUntil: "load" });
          await settle(page);
        }

        // Sorting: each header's button orders the rows by that column, a second press the other way.
        t.sorted = await page.evaluate(async (table) => {
          const t = document.querySelector(table);
          const heads = [...t.tHead.rows[0].cells];
          const out = [];
          const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
          for (const [i, th] of heads.entries()) {
            const button = th.querySelector("button");
            if (!button) continue;
            const numeric = th.classList.contains("num");
            const keys = () =>
              [...t.tBodies[0].rows].map((r) => {
                const c = r.cells[i];
                const v = c && c.hasAttribute("data-sort") ? c.getAttribute("data-sort") : (c?.textContent.trim() ?? "");
                return numeric ? (Number.isNaN(parseFloat(v)) ? -Infinity : parseFloat(v)) : v.toLowerCase();
              });
            const inOrder = (ks, dir) => ks.every((k, j) => j === 0 || (dir > 0 ? ks[j - 1] <= k : ks[j - 1] >= k));
            button.click();
            await frame();
            const up = inOrder(keys(), 1) && th.getAttribute("aria-sort") === "ascending";
            button.click();
            await frame();
            const down = inOrder(keys(), -1) && th.getAttribute("aria-sort") === "descending";
            out.push({ column: button.textContent.trim(), up, down });
          }
          return out;
        }, await searchedTable(page));
        if (t.sorted.length === 0) fail(rel, "no header sorts the table (a button in a <th>)");
        for (const c of t.sorted) {
          if (!c.up || !c.down) fail(rel, `sorting by "${c.column}" does not order the rows (ascending ${c.up}, descending ${c.down})`);
        }
        await page.goto(url, { waitUntil: "load" });
        await settle(page);

        // The filters' first values from the address: ?NAME=VALUE&q=QUERY.
        const byName = t.filters.find((f) => f.changed && f.select);
        if (byName) {
          const params = new URLSearchParams({ [byName.select]: byName.changed.value });
          await page.goto(`${url}?${params}`, { waitUntil: "load" });
          await settle(page);
          const value = await page.evaluate((n) => (document.querySelector(`select[name="${n}"]`) || document.getElementById(n))?.value, byName.select);
          const n = shownCount(await rs());
          t.from_query = { query: params.toString(), select_value: value, shown: n };
          if (value !== byName.changed.value || n !== byName.changed.after) {
            fail(rel, `?${params} sets the filter to "${value}" and shows ${n} rows, not "${byName.changed.value}" and ${byName.changed.after}`);
          }
        }
        if (query) {
          const params = new URLSearchParams({ q: query });
          await page.goto(`${url}?${params}`, { waitUntil: "load" });
          await settle(page);
          const value = await page.$eval(search, (el) => el.value);
          const n = shownCount(await rs());
          t.search_from_query = { query: params.toString(), value, shown: n };
          if (value !== query || n !== t.search.after) {
            fail(rel, `?${params} fills the search with "${value}" and shows ${n} rows, not "${query}" and ${t.search.after}`);
          }
        }
        for (const m of new Set(log.console)) fail(rel, `console while filtering: ${m}`);
        result.tables.push(t);
      }
    }
    if (opts.time) {
      const runs = [];
      for (let i = 0; i < opts.runs; i++) runs.push(await timePage(browser, root, opts.time));
      const median = (k) => runs.map((r) => r[k]).sort((x, y) => x - y)[Math.floor(runs.length / 2)];
      result.timing = {
        page: opts.time,
        runs: runs.length,
        median_load_ms: median("load_ms"),
        median_interactive_ms: median("interactive_ms"),
        median_search_ms: median("search_ms"),
        each: runs,
      };
    }
  } catch (e) {
    failures.push(`could not finish${current ? ` (at ${current})` : ""}: ${e.stack || e}`);
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  result.failures = [...new Set(failures)];
  result.ok = failures.length === 0;
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(result.ok ? 0 : 1);
}

/** From navigation until the page answers a search: load, first frame after the scripts ran, and a search. */
async function timePage(browser, root, rel) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const url = pathToFileURL(path.join(root, rel)).href;
  const t0 = Date.now();
  await page.goto(url, { waitUntil: "load" });
  const loaded = Date.now() - t0;
  await settle(page);
  const interactive = Date.now() - t0;
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType("navigation")[0];
    return { dom_interactive_ms: Math.round(n.domInteractive), dom_content_loaded_ms: Math.round(n.domContentLoadedEventEnd), load_ms: Math.round(n.loadEventEnd) };
  });
  const table = await searchedTable(page);
  const before = table ? await rowState(page, table) : null;
  let searchMs = null;
  let after = null;
  let query = null;
  if (table) {
    // A word of the last row's first cell: a search that keeps some rows and drops others.
    query = await page.evaluate((table) => {
      const rows = document.querySelectorAll(`${table} > tbody > tr`);
      const cell = rows.length ? rows[rows.length - 1].querySelector("td, th") : null;
      return cell ? cell.textContent.trim().split(/\s+/)[0] : null;
    }, table);
    if (query) {
      const s0 = Date.now();
      await page.$eval(SEARCH, (el, q) => {
        el.value = q;
        el.dispatchEvent(new Event("input", { bubbles: true }));
      }, query);
      await settle(page);
      searchMs = Date.now() - s0;
      after = await rowState(page, table);
    }
  }
  await page.close();
  return {
    page: rel,
    bytes: fs.statSync(path.join(root, rel)).size,
    load_ms: loaded,
    interactive_ms: interactive,
    navigation: nav,
    search: query,
    search_ms: searchMs,
    rows_before: before,
    rows_after_search: after,
  };
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(2);
});
