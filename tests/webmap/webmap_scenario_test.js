#!/usr/bin/env node
// The web map (OUT/index.html) of a run with a scenario (issue 15), in Debian's headless
// Chromium driven by playwright-core. Usage: node webmap_scenario_test.js RUN_DIR SHOT_DIR
//
// RUN_DIR is tests/scenario_fixture.sh's run: the sample at 2000 m, hubs shanghai_hongqiao
// (changed by the scenario) and nanjing_south (reused), scenario shanghai_suzhou_jiaxing; and
// scenario "slow" (the Shanghai–Hangzhou HSR at half speed), under which shanghai_hongqiao
// only loses.
// Checks, as a reader would see them:
//   - baseline first: a scenario selector (baseline + the scenario), the view buttons off,
//     nothing in the gains pane;
//   - the scenario's view: the baseline's bands plus one path per feature of gains.geojson
//     with a geometry; the panel's people newly within the budget, the share outside the
//     hub's province and the people losing are gains_by_hub.csv's, as the page rounds them;
//   - the difference view: the same gains paths, newly within in blue (gains.qml's colour),
//     the bands faint, the legend's rows; a county's tooltip gives gains.csv's people newly
//     within for it;
//   - "slow": the lost cells in red (difference) or back to land with a red dashed edge
//     (scenario), its people losing as gains_by_hub.csv gives them;
//   - the reused hub says "unchanged by this scenario" and draws no gains;
//   - back to baseline the gains go and the legend is the baseline's again;
//   - the page asks for nothing but itself and throws nothing.
// Saves SHOT_DIR/webmap_scenario.png. Prints one line per check and "N passed, N failed".
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const { withProfile, watch, check, run, readCsv, interiorPoint } = require("./harness");
const { out, shots } = require("./harness").args("webmap_scenario_test.js");
const SCEN = "shanghai_suzhou_jiaxing", HUB = "shanghai_hongqiao", REUSED = "nanjing_south";
const COUNTY = "青浦区"; // gains most under the scenario (gains.csv)




// The page's formats (publish/webmap/page.html).
const fmtPct = (v) => (v * 100).toFixed(1) + " %";
const fmtInt = (v) => Math.round(v).toLocaleString("en-US");

async function main() {
  const page_path = path.join(out, "index.html");
  if (!check(fs.existsSync(page_path), "isoreach run wrote OUT/index.html")) return;
  const html = fs.readFileSync(page_path, "utf8");
  check(!/<(script|link|img|iframe)[^>]+(src|href)=/i.test(html),
    "the page loads no script, style sheet or image from elsewhere");
  const sdir = path.join(out, "scenarios", SCEN);
  const byHub = readCsv(path.join(sdir, "gains_by_hub.csv"));
  const row = byHub.find((r) => r.hub_id === HUB), rowReused = byHub.find((r) => r.hub_id === REUSED);
  if (!check(row && row.reused === "0" && +row.pop_newly_within > 0 && rowReused &&
    rowReused.reused === "1", `gains_by_hub.csv: ${HUB} gains people, ${REUSED} is reused`,
    JSON.stringify([row, rowReused]))) return;
  const gains = JSON.parse(fs.readFileSync(path.join(sdir, "hubs", HUB, "gains.geojson"), "utf8"))
    .features.filter((f) => f.geometry && f.geometry.coordinates.length);
  const nBands = JSON.parse(fs.readFileSync(path.join(out, "hubs", HUB, "isochrones.geojson"), "utf8"))
    .features.filter((f) => f.properties.kind === "ring" && f.geometry).length;
  const countyGain = readCsv(path.join(sdir, "hubs", HUB, "gains.csv"))
    .find((r) => r.level === "county" && r.name === COUNTY);
  const units = JSON.parse(fs.readFileSync(path.join(out, "region", "units.geojson"), "utf8"));
  const county = units.features.find((f) => f.properties.name === COUNTY);
  if (!check(gains.length > 0 && countyGain && +countyGain.pop_newly_within > 0 && !!county,
    `gains.geojson has features, ${COUNTY} gains people`)) return;
  const ip = interiorPoint(county.geometry);

  await withProfile(chromium, { width: 1280, height: 900 }, async (context) => {
    const page = context.pages()[0] || (await context.newPage());
    const url = "file://" + page_path + "#" + HUB;
    const { requests, errors } = watch(page);
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => window.isoreach && window.isoreach.current());

    // the state a reader sees: paths per pane, the panel's figures, the legend
    const state = () => page.evaluate(() => {
      const paths = (pane) => window.isoreach.drawn(pane); /* the polygons on that canvas */
      const text = (id) => { const e = document.getElementById(id); return e ? e.textContent : null; };
      const g = paths("gains");
      return {
        hub: window.isoreach.current(), view: window.isoreach.view(),
        bands: paths("bands").length,
        bandOpacity: [...new Set(paths("bands").map((p) => String(p.fillOpacity)))].join(","),
        gains: g.length, gainFills: g.map((p) => p.fill).sort().join(","),
        pop: text("isr-scen-pop"), xb: text("isr-scen-xb"), lost: text("isr-scen-lost"),
        unchanged: text("isr-scen-unchanged"), scenStats: text("isr-scen-stats"),
        legend: [...document.querySelectorAll("#isr-legend .row")].map((r) => r.textContent),
        radios: [...document.querySelectorAll("input[name=isr-view]")].map((r) => r.disabled),
      };
    });
    // a reader works the panel with the pointer on it, not over a county
    async function onPanel(sel) {
      const box = await (await page.$(sel)).boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    }
    async function pickHub(hub) { await onPanel("#isr-hub"); await page.selectOption("#isr-hub", hub); }
    async function pickScen(v) { await onPanel("#isr-scen"); await page.selectOption("#isr-scen", v); }

    // 1. baseline
    const opts = await page.$$eval("#isr-scen option", (os) => os.map((o) => o.textContent));
    check(opts.length === 3 && /^baseline/.test(opts[0]) && opts[1] === SCEN && opts[2] === "slow",
      "the scenario selector offers the baseline and the scenarios", opts.join(" | "));
    let s = await state();
    check(s.hub === HUB && s.view.view === "baseline" && s.gains === 0 && s.bands === nBands &&
      s.scenStats === null && s.radios.every((d) => d) && s.legend.length === nBands + 1,
      `baseline: ${nBands} bands, no gains, the view buttons off`, JSON.stringify(s));

    // 2. the scenario's view
    await pickScen({ label: SCEN });
    s = await state();
    const expectPop = fmtInt(+row.pop_newly_within);
    const expectXb = fmtPct(+row.pop_newly_other_provinces / +row.pop_newly_within);
    check(s.view.scenario === SCEN && s.view.view === "scenario" && s.bands === nBands &&
      s.bandOpacity === "0.85" && s.gains === gains.length,
      `scenario view: the ${nBands} baseline bands and the ${gains.length} gains features`,
      JSON.stringify(s));
    check(s.pop === expectPop && s.xb === expectXb && s.lost === fmtInt(+row.pop_lost),
      `the panel: ${expectPop} people newly within, ${expectXb} outside the province ` +
      `(gains_by_hub.csv ${row.pop_newly_within}, ${row.pop_newly_other_provinces})`, JSON.stringify(s));
    check(s.legend.some((r) => r.startsWith("newly within 60 min")),
      "the legend has the newly within row", s.legend.join(" | "));

    // 3. the difference
    await onPanel("#isr-views");
    await page.check("input[name=isr-view][value=diff]");
    s = await state();
    const newlyFeat = gains.filter((f) => f.properties.kind === "newly_within").length;
    const lostFeat = gains.filter((f) => f.properties.kind === "lost").length;
    const expectFills = [...Array(newlyFeat).fill("#2166ac"), ...Array(lostFeat).fill("#b2182b")]
      .sort().join(",");
    check(s.view.view === "diff" && s.gains === gains.length && s.gainFills === expectFills &&
      s.bandOpacity === "0.25",
      `difference view: ${newlyFeat} newly within (blue) and ${lostFeat} lost (red) features, ` +
      "the baseline faint", JSON.stringify(s));
    check(s.pop === expectPop && s.legend.length === 3 && /^newly within 60 min/.test(s.legend[0]) &&
      /^lost/.test(s.legend[1]), "difference: the people figure and the legend", JSON.stringify(s));
    const pt = await page.evaluate(([lat, lon]) => {
      const m = window.isoreach.map, p = m.latLngToContainerPoint([lat, lon]);
      const r = m.getContainer().getBoundingClientRect();
      const el = document.elementFromPoint(r.left + p.x, r.top + p.y);
      return { x: r.left + p.x, y: r.top + p.y, inUnits: !!(el && el.closest(".leaflet-units-pane")) };
    }, [ip.y, ip.x]);
    if (check(pt.inUnits, `the point of ${COUNTY} is on the map`)) {
      await page.mouse.move(pt.x - 3, pt.y - 3);
      await page.mouse.move(pt.x, pt.y, { steps: 3 });
      await page.waitForSelector(".leaflet-tooltip.isr-tip", { state: "visible", timeout: 5000 });
      const tip = await page.$eval(".leaflet-tooltip.isr-tip .tt-scen", (e) => e.textContent)
        .catch(() => null);
      const want = `${fmtInt(+countyGain.pop_newly_within)} people newly within 60 min`;
      check(tip && tip.startsWith(`scenario ${SCEN}: ${want}`),
        `${COUNTY}'s tooltip: ${want} (gains.csv)`, tip);
      fs.mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: path.join(shots, "webmap_scenario.png") });
    }

    // 3b. a scenario that loses: red in the difference, land with a red edge in the scenario
    const slowRow = readCsv(path.join(out, "scenarios", "slow", "gains_by_hub.csv"))
      .find((r) => r.hub_id === HUB);
    const slowLost = JSON.parse(fs.readFileSync(path.join(out, "scenarios", "slow", "hubs", HUB,
      "gains.geojson"), "utf8")).features.filter((f) => f.geometry && f.geometry.coordinates.length);
    await pickScen({ label: "slow" });
    s = await state();
    check(slowRow && +slowRow.pop_lost > 0 && slowLost.length > 0 &&
      slowLost.every((f) => f.properties.kind === "lost") && s.view.scenario === "slow" &&
      s.view.view === "diff" && s.gains === slowLost.length &&
      s.gainFills === Array(slowLost.length).fill("#b2182b").join(",") &&
      s.lost === fmtInt(+slowRow.pop_lost) && s.pop === "0" && s.xb === "–",
      `slow, difference: ${slowLost.length} lost features in red, ${s.lost} people losing ` +
      `(gains_by_hub.csv ${slowRow && slowRow.pop_lost})`, JSON.stringify(s));
    await onPanel("#isr-views");
    await page.check("input[name=isr-view][value=scenario]");
    const edge = await page.evaluate(() => window.isoreach.drawn("gains").map((p) => [p.fill, p.stroke, p.dash].join(" ")));
    check(edge.length === slowLost.length && edge.every((e) => e === "#f3f1ec #b2182b 3 3"),
      "slow, scenario view: the lost cells back to land with a red dashed edge", edge.join(" | "));
    await pickScen({ label: SCEN });
    await onPanel("#isr-views");
    await page.check("input[name=isr-view][value=diff]");

    // 4. the reused hub
    await pickHub(REUSED);
    s = await state();
    check(s.hub === REUSED && s.gains === 0 && s.unchanged === "unchanged by this scenario" &&
      s.pop === null, `${REUSED}: "unchanged by this scenario", no gains drawn`, JSON.stringify(s));

    // 5. back to the baseline
    await pickHub(HUB);
    s = await state();
    check(s.gains === gains.length, `${HUB} again: its gains are drawn`, JSON.stringify(s));
    await pickScen("");
    s = await state();
    check(s.view.view === "baseline" && s.gains === 0 && s.bands === nBands && s.bandOpacity === "0.85" &&
      s.scenStats === null && s.radios.every((d) => d) && s.legend.length === nBands + 1,
      "back to baseline: the gains go, the legend is the baseline's", JSON.stringify(s));

    check(errors.length === 0, "no script errors", errors.join(" | "));
    const foreign = requests.filter((u) => u.split("#")[0] !== url.split("#")[0]);
    check(foreign.length === 0, `the page asked for nothing but itself`, foreign.join(" "));
  });
}

run(main);
