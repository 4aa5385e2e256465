#!/usr/bin/env node
// Checks GeoJSON files against RFC 7946 with independent, maintained libraries:
// @placemarkio/check-geojson (a strict RFC 7946 parser: structure, types, positions, closed
// rings, no crs member) and @turf/boolean-clockwise for §3.1.6, the right-hand rule (exterior
// rings counterclockwise, holes clockwise). Also requires every feature to have properties.
// Prints one line per file; exit status 1 if any file has an issue.
const fs = require("fs");
const { check } = require("@placemarkio/check-geojson");
const { booleanClockwise } = require("@turf/boolean-clockwise");

let bad = 0;
for (const path of process.argv.slice(2)) {
  const issues = [];
  let gj;
  try {
    gj = check(fs.readFileSync(path, "utf8"));
  } catch (e) {
    issues.push(e.issues ? e.issues.map((i) => i.message).join("; ") : String(e.message));
  }
  for (const f of gj ? gj.features || [] : []) {
    if (!f.properties) issues.push("a feature without properties");
    const g = f.geometry;
    if (!g) continue;
    const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    for (const rings of polys)
      rings.forEach((ring, i) => {
        if (booleanClockwise(ring) !== (i > 0))
          issues.push(`${i ? "a hole" : "an exterior ring"} breaks the right-hand rule`);
      });
  }
  if (issues.length) {
    bad++;
    console.log(`${path}: ${[...new Set(issues)].join("; ")}`);
  } else {
    console.log(`${path}: valid RFC 7946 (${gj.features.length} features)`);
  }
}
process.exit(bad ? 1 : 0);
