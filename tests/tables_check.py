#!/usr/bin/env python3
"""Reads every table of an isoreach run meant for people with Python's csv module, as Excel
would be told to (UTF-8 with a byte order mark), and checks what a desk relies on:

  - each file starts with the BOM, its first column is hub_id, every row has the header's
    number of fields, and the Chinese names come back as written;
  - reach.csv: each level adds up on its own to the people in summary.csv (the levels are
    the same people counted three times: totals are per level);
  - summary.csv is the hub's row of region/hubs_summary.csv;
  - people_by_minute.csv grows with the minutes and its last row is the isochrones' last band;
  - a county's pop_share in reach.csv is its share_HUB in region/units.geojson.

Every CSV anywhere under OUT (scenarios' too) is read twice, with Python's csv module and
with GDAL's CSV driver (osgeo.ogr): the BOM, the same header, rows and text in both (Chinese
names round-trip), hub_id first (nearest_hub.csv, the rasters' value table, starts "value").
With NAME_EN: the English names (issue 17) are in stations.csv, reach.csv and the matrix.

Usage: tables_check.py OUT HUB NAME [NAME_EN], or tables_check.py --all OUT (every CSV only)  (e.g. OUT shanghai_hongqiao 上海虹桥
"Shanghai Hongqiao"). Exit 1 with the reason on the first failure."""
import csv
import json
import os
import sys

ALL = len(sys.argv) == 3 and sys.argv[1] == "--all"  # every CSV only, no hub's checks
out = sys.argv[2] if ALL else sys.argv[1]
hub, name = (None, None) if ALL else (sys.argv[2], sys.argv[3])
name_en = sys.argv[4] if len(sys.argv) > 4 else None
BOM = b"\xef\xbb\xbf"


def fail(msg):
    print(f"tables_check: {msg}", file=sys.stderr)
    sys.exit(1)


def read(rel):
    path = os.path.join(out, rel)
    with open(path, "rb") as fh:
        if not fh.read(3) == BOM:
            fail(f"{rel}: no UTF-8 byte order mark")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    head = rows[0]
    if head[0] != "hub_id":
        fail(f"{rel}: first column {head[0]!r}, expected 'hub_id'")
    for n, r in enumerate(rows[1:], 2):
        if len(r) != len(head):
            fail(f"{rel}:{n}: {len(r)} fields, the header {len(head)}")
    return [dict(zip(head, r)) for r in rows[1:]]


def every_csv():
    """Each CSV under OUT read by Python and by GDAL: the same header, rows and text."""
    try:
        from osgeo import gdal, ogr
    except ImportError:
        fail("osgeo (python3-gdal) is needed: run with /usr/bin/python3")
    gdal.UseExceptions()
    n = 0
    for d, _, files in os.walk(out):
        for fn in sorted(files):
            if not fn.endswith(".csv"):
                continue
            path = os.path.join(d, fn)
            rel = os.path.relpath(path, out)
            with open(path, "rb") as fh:
                if fh.read(3) != BOM:
                    fail(f"{rel}: no UTF-8 byte order mark")
            with open(path, encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.reader(fh))
            head = rows[0]
            first = "value" if rel == os.path.join("region", "nearest_hub.csv") else "hub_id"
            if head[0] != first:
                fail(f"{rel}: first column {head[0]!r}, expected {first!r}")
            if len(set(head)) != len(head):
                fail(f"{rel}: a column twice in {head!r}")
            ds = gdal.OpenEx(path, gdal.OF_VECTOR, allowed_drivers=["CSV"])
            lyr = ds.GetLayer(0)
            defn = lyr.GetLayerDefn()
            names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
            if names != head:
                fail(f"{rel}: GDAL reads the columns {names!r}, Python {head!r}")
            got = [[f.GetFieldAsString(i) for i in range(len(names))] for f in lyr]
            if got != rows[1:]:
                bad = next(i for i, (a, b) in enumerate(zip(got, rows[1:])) if a != b) \
                    if len(got) == len(rows) - 1 else -1
                fail(f"{rel}: GDAL and Python read other rows ({len(got)} and "
                     f"{len(rows) - 1}; first differing: {bad})")
            n += 1
    return n


if ALL:
    n = every_csv()
    print(f"tables_check: {n} CSV files under {out} read alike by GDAL and Python")
    sys.exit(0)
h = f"hubs/{hub}/"
reach = read(h + "reach.csv")
stations = read(h + "stations.csv")
summary = read(h + "summary.csv")
by_minute = read(h + "people_by_minute.csv")
region = read("region/hubs_summary.csv")
matrix = read("region/reach_matrix.csv")

for rel, rows in [("reach.csv", reach), ("stations.csv", stations), ("summary.csv", summary),
                  ("people_by_minute.csv", by_minute)]:
    if any(r["hub_id"] != hub for r in rows):
        fail(f"{h}{rel}: a row of another hub_id")
if len(summary) != 1 or summary[0]["hub_name"] != name:
    fail(f"{h}summary.csv: {summary!r}, expected one row named {name}")
mine = [r for r in region if r["hub_id"] == hub]
if mine != summary:
    fail(f"region/hubs_summary.csv's row {mine!r} is not {h}summary.csv's {summary!r}")
if not any(r["hub_name"] == name for r in matrix):
    fail(f"region/reach_matrix.csv: no row named {name}")
if not any(r["station_name"] == name and r["rail_minutes"] == "0.000" for r in stations):
    fail(f"{h}stations.csv: the hub {name} is not at 0 minutes")
people = float(summary[0]["people_reached"])
for level in ("county", "prefecture", "province"):
    total = sum(float(r["pop_reached"]) for r in reach if r["level"] == level)
    if total != people:
        fail(f"{h}reach.csv: {level} rows add up to {total:.0f} people, summary.csv {people:.0f}")
prev = -1.0
for r in by_minute:
    if float(r["people_within"]) < prev:
        fail(f"{h}people_by_minute.csv: fewer people at minute {r['minute']}")
    prev = float(r["people_within"])
iso = json.load(open(os.path.join(out, h + "isochrones.geojson"), encoding="utf-8"))
last = max((f["properties"] for f in iso["features"] if f["properties"]["kind"] == "within"),
           key=lambda p: p["max_minutes"])
if float(by_minute[-1]["minute"]) != last["max_minutes"] or \
        round(float(by_minute[-1]["people_within"])) != round(last["population"]) or \
        abs(float(by_minute[-1]["area_km2_within"]) - last["cells_km2"]) > 0.001:
    fail(f"{h}people_by_minute.csv: last row {by_minute[-1]!r}, the isochrones' {last!r}")
# the same shares in reach.csv and region/units.geojson (a newsroom's map and table): they
# were rounded two ways, and 0.04645 was 0.0464 in one and 0.0465 in the other
units = json.load(open(os.path.join(out, "region", "units.geojson"), encoding="utf-8"))
share = {f["properties"]["code"]: f["properties"].get("share_" + hub) for f in units["features"]}
for r in reach:
    if r["level"] == "county" and r["pop_share"] != "" and \
            share.get(r["code"]) is not None and float(r["pop_share"]) != share[r["code"]]:
        fail(f"{h}reach.csv: {r['code']} pop_share {r['pop_share']}, units.geojson "
             f"share_{hub} {share[r['code']]}")
if name_en is not None:
    if not any(r["station_name"] == name and r["station_name_en"] == name_en for r in stations):
        fail(f"{h}stations.csv: {name} has no station_name_en {name_en!r}")
    if not any(r["hub_name"] == name and r["hub_name_en"] == name_en for r in matrix):
        fail(f"region/reach_matrix.csv: {name} has no hub_name_en {name_en!r}")
    if not all(r["name_en"] for r in reach):
        fail(f"{h}reach.csv: a row without name_en: "
             f"{next(r for r in reach if not r['name_en'])!r}")


ncsv = every_csv()
print(f"tables_check: {hub}: 6 tables with BOM and hub_id; {people:.0f} people on every level; "
      f"{ncsv} CSV files read alike by GDAL and Python")
