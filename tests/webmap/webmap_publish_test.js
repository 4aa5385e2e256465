#!/usr/bin/env node
// The web map for the people who publish (issue 17), in Debian's headless Chromium driven by
// playwright-core. Usage: node webmap_publish_test.js RUN_DIR SHOT_DIR
//
// RUN_DIR is the shared sample fixture (tests/sample_fixture.sh: 1000 m, three hubs;
// read-only). At 390×844 (a phone) and 1400×1000 it checks, as a reader would see it:
//   - the layout: a bottom sheet that collapses and expands on the phone, the side panel on
//     the wide screen; canvases, no SVG; the railway, the labels and a metric scale bar;
//   - the selected hub's circle fills the visible map (its extent lies inside the map, above
//     the sheet, and covers at least half its width or height);
//   - a tooltip opened at the map's right edge stays inside the visible map;
//   - the downloads: the CSV has reach.csv's rows, the GeoJSON the hub's bands (as
//     isochrones.geojson's rings) and counties (as reach.csv's county rows), the PNG is a
//     picture of the map (its size, the first band's colour in it);
//   - an address with hub, band and lang restores that state, and the page's language
//     toggle writes it back; the timings (ready, hub switch) are printed.
// Saves SHOT_DIR/webmap_phone.png and webmap_wide.png. Prints "N passed, N failed".
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const { launch, watch, check, run, csvRows } = require("./harness");
const { out, shots } = require("./harness").args("webmap_publish_test.js");
const HUB = "shanghai_hongqiao", OTHER = "nanjing_south";


const readJson = (...p) => JSON.parse(fs.readFileSync(path.join(out, ...p), "utf8"));

async function download(page, button) {
  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: 10000 }), page.click(button)]);
  return { name: dl.suggestedFilename(), data: fs.readFileSync(await dl.path()) };
}

// The page's state that the checks read.
const state = (page) => page.evaluate(() => {
  const m = window.isoreach.map, ext = window.isoreach.extent();
  const a = m.latLngToContainerPoint(ext.getNorthWest()), b = m.latLngToContainerPoint(ext.getSouthEast());
  const sheet = document.getElementById("isr-sheet").getBoundingClientRect();
  const panel = document.getElementById("isr-panel").getBoundingClientRect();
  const size = m.getSize();
  const narrow = window.matchMedia("(max-width: 640px)").matches;
  return { w: size.x, h: size.y, x0: a.x, y0: a.y, x1: b.x, y1: b.y, narrow,
    cover: narrow ? sheet.height : 0, sheet: { top: sheet.top, bottom: sheet.bottom, width: sheet.width, height: sheet.height },
    panel: { left: panel.left, right: panel.right, top: panel.top, width: panel.width },
    collapsed: document.getElementById("isr-sheet").classList.contains("collapsed"),
    svgPaths: document.querySelectorAll("#map svg path").length,
    canvases: [...document.querySelectorAll("#map .leaflet-pane > canvas")].map((c) => c.parentNode.className.match(/leaflet-(\w+)-pane/)[1]),
    scale: (document.querySelector(".leaflet-control-scale-line") || {}).textContent,
    labels: [...document.querySelectorAll(".isr-label")].map((e) => e.textContent),
    rail: { lines: (window.isoreach.data.rail.lines || []).length, stations: (window.isoreach.data.rail.stations || []).length },
    hub: window.isoreach.current(), band: window.isoreach.band(), lang: window.isoreach.lang(),
    bands: window.isoreach.drawn("bands").length, hash: location.hash,
    title: document.getElementById("isr-title").textContent };
});

async function openPage(context, hash) {
  const page = await context.newPage();
  const { errors, requests } = watch(page);
  await page.goto("file://" + path.join(out, "index.html") + (hash || ""), { waitUntil: "load" });
  await page.waitForFunction(() => window.isoreach && window.isoreach.ready);
  return { page, errors, requests };
}

async function viewport(browser, w, h, tag) {
  const context = await browser.newContext({ viewport: { width: w, height: h }, acceptDownloads: true });
  try {
    const { page, errors, requests } = await openPage(context);
    let s = await state(page);
    // layout
    if (s.narrow) {
      check(s.sheet.bottom === h && s.sheet.width === w && s.collapsed && s.sheet.height < h * 0.35,
        `${tag}: the panel is a collapsed bottom sheet (${Math.round(s.sheet.height)} px high)`, JSON.stringify(s.sheet));
      await page.click("#isr-grip");
      const open = await state(page);
      check(!open.collapsed && open.sheet.height > s.sheet.height, `${tag}: the sheet expands (${Math.round(open.sheet.height)} px)`,
        JSON.stringify(open.sheet));
      await page.click("#isr-grip");
      s = await state(page);
      check(s.collapsed, `${tag}: and collapses again`);
    } else {
      check(s.panel.right > w - 20 && s.panel.top < 20 && s.panel.width <= 320, `${tag}: the side panel, top right`,
        JSON.stringify(s.panel));
    }
    check(s.svgPaths === 0 && ["units", "bands", "borders", "rail"].every((p) => s.canvases.includes(p)),
      `${tag}: drawn on canvases (${s.canvases.join(", ")}), no SVG paths`, JSON.stringify(s.canvases) + " svg " + s.svgPaths);
    const lines = readJson("region", "rail_lines.geojson").features.length;
    const stations = readJson("region", "rail_stations.geojson").features.length;
    check(s.rail.lines === lines && s.rail.stations === stations,
      `${tag}: the railway: ${lines} lines and ${stations} stations of region/`, JSON.stringify(s.rail));
    check(/^\d+ (k?m)$/.test(s.scale || ""), `${tag}: a metric scale bar (${s.scale})`, s.scale);
    check(s.labels.includes("Shanghai Hongqiao") && s.labels.length >= 2,
      `${tag}: place labels, the selected hub's among them (${s.labels.length})`, s.labels.join(","));

    // the circle fills the visible map
    const vis = s.h - s.cover, fx = (s.x1 - s.x0) / s.w, fy = (s.y1 - s.y0) / vis;
    check(s.x0 >= -1 && s.y0 >= -1 && s.x1 <= s.w + 1 && s.y1 <= vis + 1 && (fx >= 0.5 || fy >= 0.5),
      `${tag}: ${HUB}'s circle fills the visible map (${Math.round(fx * 100)} % of its width, ${Math.round(fy * 100)} % of ` +
      `its height)`, JSON.stringify(s));

    // a tooltip at the right edge stays inside the visible map
    const pt = await page.evaluate((cover) => {
      const m = window.isoreach.map, r = m.getContainer().getBoundingClientRect(), size = m.getSize();
      for (const x of [size.x - 6, 6]) /* the right edge, else the left */
        for (let y = 60; y < size.y - cover - 20; y += 10) {
          const el = document.elementFromPoint(r.left + x, r.top + y);
          if (el && el.closest(".leaflet-units-pane") && window.isoreach.unitAt(x, y))
            return { x: r.left + x, y: r.top + y, side: x < 10 ? "left" : "right" };
        }
      return null;
    }, s.cover);
    if (check(!!pt, `${tag}: a point of a county at the map's ${pt && pt.side} edge`)) {
      await page.mouse.move(pt.x + (pt.side === "left" ? 4 : -4), pt.y);
      await page.mouse.move(pt.x, pt.y, { steps: 2 });
      await page.waitForSelector(".leaflet-tooltip.isr-tip", { state: "visible", timeout: 5000 });
      const r = await page.$eval(".leaflet-tooltip.isr-tip", (e) => {
        const b = e.getBoundingClientRect();
        return { left: b.left, right: b.right, top: b.top, bottom: b.bottom, width: b.width };
      });
      check(r.left >= 0 && r.right <= s.w && r.top >= 0 && r.bottom <= vis && r.width > 40,
        `${tag}: the tooltip at the edge stays on screen (${Math.round(r.left)}–${Math.round(r.right)} of ${s.w} px)`,
        JSON.stringify(r));
      await page.mouse.move(5, 5);
    }
    await page.screenshot({ path: path.join(shots, `webmap_${tag}.png`) });

    // the downloads (on the phone, in the expanded sheet)
    if (s.narrow) await page.click("#isr-grip");
    const csv = await download(page, "#isr-dl-csv");
    const want = csvRows(fs.readFileSync(path.join(out, "hubs", HUB, "reach.csv"), "utf8"));
    const got = csvRows(csv.data.toString("utf8"));
    check(csv.name === `isoreach_${HUB}_reach.csv` && want.length > 10 && JSON.stringify(got) === JSON.stringify(want),
      `${tag}: the CSV download (${csv.name}) has reach.csv's ${want.length - 1} rows and columns`,
      `${csv.name}: ${got.length} rows, first ${JSON.stringify(got[1])} vs ${JSON.stringify(want[1])}`);
    const gj = await download(page, "#isr-dl-geojson");
    let fc = null;
    try { fc = JSON.parse(gj.data.toString("utf8")); } catch (e) { /* checked below */ }
    const rings = readJson("hubs", HUB, "isochrones.geojson").features
      .filter((f) => f.properties.kind === "ring" && f.geometry && f.geometry.coordinates.length);
    const head = want[0], lv = head.indexOf("level");
    const counties = want.slice(1).filter((r) => r[lv] === "county");
    if (check(fc && fc.type === "FeatureCollection", `${tag}: the GeoJSON download parses`)) {
      const fr = fc.features.filter((f) => f.properties.kind === "ring");
      const fcn = fc.features.filter((f) => f.properties.kind === "county");
      check(fr.length === rings.length && fr.every((f, i) => f.properties.min_minutes === rings[i].properties.min_minutes &&
        f.properties.max_minutes === rings[i].properties.max_minutes && f.geometry.type === "MultiPolygon") &&
        fcn.length === counties.length && fc.features.every((f) => f.properties.hub_id === HUB),
        `${tag}: it has ${HUB}'s ${rings.length} bands and ${counties.length} counties`,
        `${fr.length} bands, ${fcn.length} counties`);
    }
    const png = await download(page, "#isr-dl-png");
    const sig = png.data.slice(0, 8).toString("hex") === "89504e470d0a1a0a";
    const pw = sig ? png.data.readUInt32BE(16) : 0, ph = sig ? png.data.readUInt32BE(20) : 0;
    const colour = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = "data:image/png;base64," + b64;
      await img.decode();
      const c = document.createElement("canvas");
      c.width = img.width; c.height = img.height;
      const g = c.getContext("2d");
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data, seen = new Set();
      const hex = (i) => "#" + [d[i], d[i + 1], d[i + 2]].map((v) => v.toString(16).padStart(2, "0")).join("");
      for (let i = 0; i < d.length; i += 4 * 7) seen.add(hex(i));
      const want = window.isoreach.data.hubs.find((h) => h.id === window.isoreach.current()).bands;
      return { colours: seen.size, bands: want.filter((b) => seen.has(b.c)).length };
    }, png.data.toString("base64"));
    check(sig && pw === s.w && ph === s.h && png.data.length > 20000 && colour.colours > 50 && colour.bands >= 1,
      `${tag}: the PNG snapshot (${png.name}): ${pw}×${ph}, ${(png.data.length / 1e3).toFixed(0)} kB, ` +
      `${colour.bands} band colours in it`, JSON.stringify({ sig, pw, ph, n: png.data.length, colour }));

    // timings: ready (ms since navigation), and switching hubs
    const t = await page.evaluate(() => window.isoreach.timings);
    const sw = [];
    for (const id of [OTHER, HUB, OTHER, HUB, "hangzhou_east", HUB]) {
      sw.push(await page.evaluate((id) => new Promise((res) => {
        const t0 = performance.now();
        window.isoreach.select(id, true);
        requestAnimationFrame(() => res(performance.now() - t0));
      }), id));
    }
    console.log(`# ${tag}: ready ${t.ready.toFixed(0)} ms after navigation (script ${t.script.toFixed(0)}, data ` +
      `parsed in ${t.data.toFixed(0)}, map built in ${t.init.toFixed(0)}); hub switch ` +
      `${sw.map((v) => v.toFixed(0)).join(", ")} ms (to the next frame)`);
    check(t.ready < 5000 && Math.max(...sw) < 2000, `${tag}: ready in ${t.ready.toFixed(0)} ms, hub switch at most ` +
      `${Math.max(...sw).toFixed(0)} ms (generous bounds: the machine is shared)`);
    check(errors.length === 0, `${tag}: no script errors`, errors.join(" | "));
    const foreign = requests.filter((u) => !u.startsWith("file://" + path.join(out, "index.html")) &&
      !u.startsWith("blob:") && !u.startsWith("data:"));
    check(foreign.length === 0, `${tag}: the page asked for nothing but itself`, foreign.join(" "));
    await page.close();

    // an address with hub, band and language
    const bands = readJson("hubs", OTHER, "isochrones.geojson").features
      .filter((f) => f.properties.kind === "ring" && f.geometry && f.geometry.coordinates.length);
    const upTo = bands[1].properties.max_minutes, nUpTo = bands.filter((f) => f.properties.max_minutes <= upTo).length;
    const linked = await openPage(context, `#hub=${OTHER}&band=${upTo}&lang=zh`);
    s = await state(linked.page);
    check(s.hub === OTHER && s.band === upTo && s.lang === "zh" && s.title === "60分钟轨道通勤圈" && s.bands === nUpTo &&
      s.hash === `#hub=${OTHER}&band=${upTo}&lang=zh`,
      `${tag}: #hub=${OTHER}&band=${upTo}&lang=zh opens ${OTHER}, its ${nUpTo} bands within ${upTo} min, in Chinese`,
      JSON.stringify(s));
    if (s.narrow) await linked.page.click("#isr-grip");
    await linked.page.click("#isr-lang button[data-lang=both]");
    s = await state(linked.page);
    const hubLabel = s.labels.find((l) => l.includes("南京南"));
    check(s.lang === "both" && s.hash === `#hub=${OTHER}&band=${upTo}&lang=both` && /60-minute/.test(s.title) &&
      hubLabel === "Nanjing South 南京南", `${tag}: the language toggle: both names (${hubLabel}), the address follows`,
      JSON.stringify(s));
    await linked.page.close();
    const legacy = await openPage(context, "#" + OTHER);
    s = await state(legacy.page);
    check(s.hub === OTHER && s.lang === "en" && s.band === null, `${tag}: the older #${OTHER} still opens that hub`, JSON.stringify(s));
    await legacy.page.close();
  } finally {
    await context.close();
  }
}

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const browser = await launch(chromium);
  try {
    await viewport(browser, 390, 844, "phone");
    await viewport(browser, 1400, 1000, "wide");
  } finally {
    await browser.close();
  }
}

run(main);
