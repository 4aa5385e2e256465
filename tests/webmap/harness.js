// What the web map's Chromium tests share (webmap_test.js, webmap_scenario_test.js,
// webmap_publish_test.js): their arguments, the check counter, the run's CSV tables and an
// interior point of a county to hover over.
"use strict";
const fs = require("fs");
const path = require("path");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
// Debian's Chromium headless, with nothing in the background.
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
  "--no-first-run", "--disable-background-networking", "--disable-component-update",
  "--disable-sync"];

// A browser (playwright-core's `chromium`) to open contexts in.
function launch(chromium) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

// fn(context) in a context of its own fresh profile at `viewport`; closed and the profile
// removed after, whatever fn does.
async function withProfile(chromium, viewport, fn) {
  const os = require("os");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "isoreach-webmap-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, viewport, args: CHROMIUM_ARGS });
  try {
    return await fn(context);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

// The page's script errors and the URLs it asks for, as they happen.
function watch(page) {
  const errors = [], requests = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("request", (r) => requests.push(r.url()));
  return { errors, requests };
}

// RUN_DIR and SHOT_DIR from the command line, resolved; usage and exit 2 when missing.
function args(script) {
  const [runArg, shotArg] = process.argv.slice(2);
  if (!runArg || !shotArg) {
    console.error(`usage: node ${script} RUN_DIR SHOT_DIR`);
    process.exit(2);
  }
  return { out: path.resolve(runArg), shots: path.resolve(shotArg) };
}

// One line per check ("ok - …" or "FAIL - …: detail"); report() prints the totals and sets
// the exit status.
let passed = 0, failed = 0;
function check(ok, what, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok" : "FAIL"} - ${what}${!ok && detail !== undefined ? ": " + detail : ""}`);
  return ok;
}
function report() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}
// A test's main(): a throw is a failed check; the totals are printed at the end.
function run(main) {
  main()
    .catch((e) => check(false, "the test ran to its end", e.stack || String(e)))
    .finally(report);
}

// RFC 4180 rows (after a UTF-8 byte order mark), quoted fields and all.
function csvRows(text) {
  const rows = [];
  let row = [], cur = "", q = false;
  text = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ",") { row.push(cur); cur = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cur); cur = "";
      if (row.length > 1 || row[0] !== "") rows.push(row);
      row = [];
    } else cur += c;
  }
  if (cur !== "" || row.length) { row.push(cur); rows.push(row); }
  return rows;
}

// A CSV table of the run as objects keyed by its header.
function readCsv(file) {
  const rows = csvRows(fs.readFileSync(file, "utf8"));
  const head = rows.shift();
  return rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

// An interior point of a (multi)polygon far from its edges: the best of a grid of candidates
// inside it, scored by the distance to the nearest edge (in degrees, x scaled by cos φ).
function interiorPoint(geom) {
  const polys = geom.type === "Polygon" ? [geom.coordinates] : geom.coordinates;
  const rings = polys.flat();
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const r of rings) for (const [x, y] of r) {
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  const k = Math.cos(((y0 + y1) / 2) * Math.PI / 180);
  const inside = (x, y) => {
    let c = false;
    for (const r of rings)
      for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
        const [xi, yi] = r[i], [xj, yj] = r[j];
        if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
      }
    return c;
  };
  const edgeDist = (x, y) => {
    let best = Infinity;
    for (const r of rings)
      for (let i = 1; i < r.length; i++) {
        const ax = r[i - 1][0] * k, ay = r[i - 1][1], bx = r[i][0] * k, by = r[i][1];
        const px = x * k, py = y;
        const dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
        const t = l2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2)) : 0;
        best = Math.min(best, Math.hypot(px - ax - t * dx, py - ay - t * dy));
      }
    return best;
  };
  let best = null;
  const N = 40;
  for (let i = 1; i < N; i++)
    for (let j = 1; j < N; j++) {
      const x = x0 + ((x1 - x0) * i) / N, y = y0 + ((y1 - y0) * j) / N;
      if (!inside(x, y)) continue;
      const d = edgeDist(x, y);
      if (!best || d > best.d) best = { x, y, d };
    }
  return best;
}

module.exports = { CHROMIUM, launch, withProfile, watch, args, check, run, csvRows, readCsv,
  interiorPoint };
