#!/usr/bin/env node
// Screenshots of a run's web map (OUT/index.html) for the README (issue 17), in Debian's
// headless Chromium driven by playwright-core (tests/webmap/node_modules, as the web map
// tests use it). Usage: node scripts/webmap_screenshot.js OUT SHOT_DIR [HUB]
//
// Opens index.html#hub=HUB (default shanghai_hongqiao) at 390×844 (a phone: the bottom sheet
// collapsed, the hub's circle fitted above it) and at 1400×1000 (a desk: the side panel),
// waits until the page says it is ready (window.isoreach.ready) and two frames have been
// drawn, and writes SHOT_DIR/webmap_phone.png and SHOT_DIR/webmap_wide.png (at the device's
// pixels: 1×). scripts/make_doc_images calls it and shrinks the pictures into docs/img/.
// Exit 1 with the reason when the page fails to load or reports an error.
"use strict";
const fs = require("fs");
const path = require("path");

const ROOT = path.dirname(__dirname);
let chromium;
try {
  ({ chromium } = require(path.join(ROOT, "tests", "webmap", "node_modules", "playwright-core")));
} catch (e) {
  console.error("webmap_screenshot: playwright-core is not installed in tests/webmap/node_modules: " +
    "run bash scripts/setup (or cd tests/webmap && npm ci)");
  process.exit(1);
}
const { launch, watch } = require(path.join(ROOT, "tests", "webmap", "harness"));

const [outArg, shotArg, hubArg] = process.argv.slice(2);
if (!outArg || !shotArg) {
  console.error("usage: node scripts/webmap_screenshot.js OUT SHOT_DIR [HUB]");
  process.exit(2);
}
const out = path.resolve(outArg), shots = path.resolve(shotArg), hub = hubArg || "shanghai_hongqiao";
const VIEWS = [["phone", 390, 844], ["wide", 1400, 1000]];

async function shot(browser, tag, w, h) {
  const context = await browser.newContext({ viewport: { width: w, height: h }, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    const { errors } = watch(page);
    await page.goto("file://" + path.join(out, "index.html") + "#hub=" + encodeURIComponent(hub), { waitUntil: "load" });
    await page.waitForFunction(() => window.isoreach && window.isoreach.ready, null, { timeout: 30000 });
    const current = await page.evaluate(() => window.isoreach.current());
    if (current !== hub) throw new Error(`the page shows hub '${current}', not '${hub}' (is it one of the run's hubs?)`);
    // two animation frames: the canvases and labels of the fitted view are drawn
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.waitForTimeout(300);
    if (errors.length) throw new Error(`the page reported errors: ${errors.join("; ")}`);
    const file = path.join(shots, `webmap_${tag}.png`);
    await page.screenshot({ path: file });
    console.log(`${file}: ${w}×${h}`);
  } finally {
    await context.close();
  }
}

async function main() {
  if (!fs.existsSync(path.join(out, "index.html")))
    throw new Error(`'${out}' has no index.html (not a finished isoreach run?)`);
  fs.mkdirSync(shots, { recursive: true });
  const browser = await launch(chromium);
  try {
    for (const [tag, w, h] of VIEWS) await shot(browser, tag, w, h);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(`webmap_screenshot: ${e.message || e}`);
  process.exitCode = 1;
});
