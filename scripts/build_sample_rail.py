#!/usr/bin/python3
"""Build the embedded Yangtze River Delta rail sample:

    shapefiles/yrd_rail_stations.shp  (Point)      id, name, name_en, hub
    shapefiles/yrd_rail_lines.shp     (LineString) id, name, name_zh, speed_kmh, headway,
                                                   minutes, stops

from the hand-authored tables scripts/sample_rail/stations.csv and lines.csv
(see shapefiles/README.md for sources, accuracy and modelling assumptions).

lines.csv has two kinds of line (column `pattern`):

  all      every train calls at every stop.  The stop list is not stored in the
           shapefile (`stops` is empty); the engine recovers it by snapping the
           stations within SNAP_M of the geometry and ordering them along it.  So
           for these lines the stations within SNAP_M of the geometry must be
           exactly the stops, in stop order.
  express  a service pattern (express / semi-fast trains) sharing a corridor with
           all-stop lines: `stops` holds the ordered station ids it calls at,
           ';'-separated (<= 254 bytes), and the engine uses exactly those calls.
           Its geometry follows the corridor and may pass skipped stations; every
           call must lie on it (within ON_LINE_M) in order, and `minutes` must
           give a run time for every pair of consecutive calls.

A vertex in the `shape` column is "lon lat" or "@station_id" (that station's
position: lets an express line follow the corridor through the stations it skips).
This script refuses to write anything unless every check passes.

Output is deterministic (byte-identical for identical input): features are
written in CSV order, the DBF header date is pinned, files are written to a
temporary directory and then renamed into place.

Needs Debian's python3-gdal and python3-shapely (see scripts/setup).
Usage: /usr/bin/python3 scripts/build_sample_rail.py [--check]
       --check  validate and print the report only, write nothing
"""
import csv, math, shutil, sys
from pathlib import Path

from osgeo import ogr, osr
from shapely.geometry import LineString, Point

from sample_common import Fail, make_projector, num, read_csv

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "scripts" / "sample_rail"
OUT_DIR = ROOT / "shapefiles"
ST_LAYER, LN_LAYER = "yrd_rail_stations", "yrd_rail_lines"
# Distances in the Albers CRS of sample_common.py (as scripts/build_sample_counties.py);
# scale error over the YRD is < 0.5 %, irrelevant for a 500 m snapping test.
SNAP_M = 500.0         # the engine's station-to-line snapping distance
ON_LINE_M = 5.0        # a stop must lie on its line within this
BBOX = (114.0, 27.0, 123.0, 36.0)  # lon_min, lat_min, lon_max, lat_max
DBF_DATE = "2025-01-01"  # network state the sample describes; pins the DBF header
DECIMALS = 6           # CSV precision (~0.1 m); coordinates are rounded to it
ST_STATION_FIELDS = ["id", "name", "name_en", "lon", "lat", "hub"]
LN_FIELDS = ["id", "name", "name_zh", "speed_kmh", "headway_min", "pattern", "stops", "minutes",
             "shape"]
PATTERNS = ("all", "express")
DBF_STR_MAX = 254      # bytes in a DBF string field (stops, minutes)


def in_bbox(lon, lat):
    return BBOX[0] <= lon <= BBOX[2] and BBOX[1] <= lat <= BBOX[3]


def is_ascii_id(s):
    return bool(s) and s[0].isalpha() and all(c.islower() or c.isdigit() or c == "_" for c in s) \
        and s.isascii()


def load():
    errors = []
    stations, st_index = [], {}
    for n, r in read_csv(SRC / "stations.csv", ST_STATION_FIELDS):
        where = f"stations.csv:{n} ({r['id'] or '?'})"
        try:
            if not is_ascii_id(r["id"]):
                raise Fail(f"{where}: id must be ASCII snake case")
            if r["id"] in st_index:
                raise Fail(f"{where}: duplicate id")
            if not r["name"] or not r["name_en"]:
                raise Fail(f"{where}: empty name or name_en")
            lon, lat = num(r["lon"], where + " lon"), num(r["lat"], where + " lat")
            if not in_bbox(lon, lat):
                raise Fail(f"{where}: position {lon},{lat} outside lon 114-123, lat 27-36")
            if r["hub"] not in ("0", "1"):
                raise Fail(f"{where}: hub must be 0 or 1")
            st = dict(id=r["id"], name=r["name"], name_en=r["name_en"],
                      lon=round(lon, DECIMALS), lat=round(lat, DECIMALS), hub=int(r["hub"]))
            st_index[st["id"]] = len(stations)
            stations.append(st)
        except Fail as e:
            errors.append(str(e))
    names = {}
    for st in stations:
        if st["name"] in names:
            errors.append(f"stations.csv: name {st['name']} used by {names[st['name']]} and {st['id']}")
        names[st["name"]] = st["id"]

    lines, ln_ids = [], set()
    for n, r in read_csv(SRC / "lines.csv", LN_FIELDS):
        where = f"lines.csv:{n} ({r['id'] or '?'})"
        try:
            if not is_ascii_id(r["id"]):
                raise Fail(f"{where}: id must be ASCII snake case")
            if r["id"] in ln_ids:
                raise Fail(f"{where}: duplicate id")
            ln_ids.add(r["id"])
            if not r["name"] or not r["name_zh"]:
                raise Fail(f"{where}: empty name or name_zh")
            speed = num(r["speed_kmh"], where + " speed_kmh")
            headway = num(r["headway_min"], where + " headway_min")
            if speed <= 0 or headway <= 0:
                raise Fail(f"{where}: speed_kmh and headway_min must be positive")
            pattern = r["pattern"]
            if pattern not in PATTERNS:
                raise Fail(f"{where}: pattern must be one of {', '.join(PATTERNS)}")
            stops = r["stops"].split(";")
            if len(stops) < 2:
                raise Fail(f"{where}: a line needs at least 2 stops")
            if len(set(stops)) != len(stops):
                raise Fail(f"{where}: a stop is listed twice")
            missing = [s for s in stops if s not in st_index]
            if missing:
                raise Fail(f"{where}: unknown stop id(s) {missing}")
            nseg = len(stops) - 1
            if r["minutes"] == "":
                minutes = [""] * nseg
            else:
                minutes = r["minutes"].split(";")
                if len(minutes) != nseg:
                    raise Fail(f"{where}: {len(minutes)} minutes entries for {nseg} segments")
            for i, m in enumerate(minutes):
                if m and num(m, f"{where} minutes[{i}]") <= 0:
                    raise Fail(f"{where}: minutes[{i}] must be positive or empty")
            minutes = [("%g" % float(m)) if m else "" for m in minutes]
            if pattern == "express" and not all(minutes):
                raise Fail(f"{where}: an express line needs minutes for every pair of calls")
            if r["shape"] == "":
                shape = [[] for _ in range(nseg)]
            else:
                parts = r["shape"].split("|")
                if len(parts) != nseg:
                    raise Fail(f"{where}: shape has {len(parts)} segments, line has {nseg}")
                shape = []
                for i, part in enumerate(parts):
                    verts = []
                    for v in filter(None, (p.strip() for p in part.split(","))):
                        if v.startswith("@"):
                            if v[1:] not in st_index:
                                raise Fail(f"{where}: shape segment {i}: unknown station {v}")
                            if v[1:] in stops:
                                raise Fail(f"{where}: shape segment {i}: {v} is a stop of "
                                           "the line, not a shape vertex")
                            st = stations[st_index[v[1:]]]
                            verts.append((st["lon"], st["lat"]))
                            continue
                        xy = v.split()
                        if len(xy) != 2:
                            raise Fail(f"{where}: shape segment {i}: bad vertex {v!r}")
                        lon, lat = num(xy[0], where + " shape"), num(xy[1], where + " shape")
                        if not in_bbox(lon, lat):
                            raise Fail(f"{where}: shape vertex {lon},{lat} outside bbox")
                        verts.append((round(lon, DECIMALS), round(lat, DECIMALS)))
                    shape.append(verts)
            minutes_str = ";".join(minutes)
            if len(minutes_str.encode("utf-8")) > DBF_STR_MAX:
                raise Fail(f"{where}: minutes field longer than {DBF_STR_MAX} bytes")
            stops_str = ";".join(stops) if pattern == "express" else ""
            if len(stops_str.encode("utf-8")) > DBF_STR_MAX:
                raise Fail(f"{where}: stops field longer than {DBF_STR_MAX} bytes")
            coords = []
            for i, sid in enumerate(stops):
                st = stations[st_index[sid]]
                coords.append((st["lon"], st["lat"]))
                if i < nseg:
                    coords.extend(shape[i])
            lines.append(dict(id=r["id"], name=r["name"], name_zh=r["name_zh"], speed=speed,
                              headway=headway, pattern=pattern, stops=stops,
                              stops_str=stops_str, minutes=minutes,
                              minutes_str=minutes_str, coords=coords))
        except Fail as e:
            errors.append(str(e))

    served = {s for ln in lines for s in ln["stops"]}
    for st in stations:
        if st["id"] not in served:
            errors.append(f"station {st['id']} ({st['name']}) is on no line")
    return stations, st_index, lines, errors


def check_geometry(stations, lines):
    """Return (per-line report rows, issues)."""
    proj = make_projector()
    st_pts = [(st, proj(Point(st["lon"], st["lat"]))) for st in stations]
    by_id = {st["id"]: p for st, p in st_pts}
    issues, report = [], []
    for ln in lines:
        geom = proj(LineString(ln["coords"]))
        if not geom.is_valid or geom.length == 0:
            issues.append(f"{ln['id']}: degenerate geometry")
            continue
        near = sorted(st["id"] for st, p in st_pts if geom.distance(p) <= SNAP_M)
        extra = [s for s in near if s not in ln["stops"]]
        # An express line shares its corridor: passing stations it skips is expected.
        if extra and ln["pattern"] == "all":
            issues.append(f"{ln['id']}: passes within {SNAP_M:.0f} m of non-stop station(s) "
                          + ", ".join(f"{s} ({geom.distance(by_id[s]):.0f} m)" for s in extra))
        off = [s for s in ln["stops"] if geom.distance(by_id[s]) > ON_LINE_M]
        if off:
            issues.append(f"{ln['id']}: stop(s) not on the line: {off}")
        along = [geom.project(by_id[s]) for s in ln["stops"]]
        if any(b <= a for a, b in zip(along, along[1:])):
            issues.append(f"{ln['id']}: stops are not in order along the line")
        # Segment lengths along the (schematic) geometry, to sanity-check minutes.
        seg_km, warn = [], []
        for i, (a, b) in enumerate(zip(along, along[1:])):
            km = (b - a) / 1000.0
            seg_km.append(km)
            m = ln["minutes"][i]
            if m:
                v = km / (float(m) / 60.0)
                if v > ln["speed"] * 1.02:
                    warn.append(f"{ln['stops'][i]}->{ln['stops'][i + 1]} "
                                f"{km:.0f} km in {m} min = {v:.0f} km/h > {ln['speed']:.0f}")
        # Closest non-stop station, as a margin report (all-stop lines only).
        others = [(geom.distance(p), st["id"]) for st, p in st_pts if st["id"] not in ln["stops"]]
        margin = min(others) if others else (float("inf"), "-")
        report.append(dict(id=ln["id"], pattern=ln["pattern"], km=geom.length / 1000.0,
                           n=len(ln["stops"]), known=sum(1 for m in ln["minutes"] if m),
                           segs=len(ln["minutes"]), margin=margin, skipped=len(extra),
                           warn=warn))
    return report, issues


def write_outputs(stations, lines):
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    tmp = OUT_DIR / ".yrd_rail.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    drv = ogr.GetDriverByName("ESRI Shapefile")
    opts = ["ENCODING=UTF-8", f"DBF_DATE_LAST_UPDATE={DBF_DATE}"]

    def field(lyr, name, ftype, width, prec=0):
        fd = ogr.FieldDefn(name, ftype)
        fd.SetWidth(width)
        if prec:
            fd.SetPrecision(prec)
        if lyr.CreateField(fd) != 0:
            raise Fail(f"cannot create field {name}")

    ds = drv.CreateDataSource(str(tmp / f"{ST_LAYER}.shp"))
    lyr = ds.CreateLayer(ST_LAYER, srs, ogr.wkbPoint, opts)
    field(lyr, "id", ogr.OFTString, 40)
    field(lyr, "name", ogr.OFTString, 60)
    field(lyr, "name_en", ogr.OFTString, 60)
    field(lyr, "hub", ogr.OFTInteger, 1)
    for st in stations:
        f = ogr.Feature(lyr.GetLayerDefn())
        for k in ("id", "name", "name_en", "hub"):
            f.SetField(k, st[k])
        g = ogr.Geometry(ogr.wkbPoint)
        g.AddPoint_2D(st["lon"], st["lat"])
        f.SetGeometry(g)
        if lyr.CreateFeature(f) != 0:
            raise Fail(f"cannot write station {st['id']}")
    ds = lyr = None

    ds = drv.CreateDataSource(str(tmp / f"{LN_LAYER}.shp"))
    lyr = ds.CreateLayer(LN_LAYER, srs, ogr.wkbLineString, opts)
    field(lyr, "id", ogr.OFTString, 40)
    field(lyr, "name", ogr.OFTString, 160)
    field(lyr, "name_zh", ogr.OFTString, 160)
    field(lyr, "speed_kmh", ogr.OFTReal, 6, 1)
    field(lyr, "headway", ogr.OFTReal, 6, 1)
    field(lyr, "minutes", ogr.OFTString, DBF_STR_MAX)
    field(lyr, "stops", ogr.OFTString, DBF_STR_MAX)
    for ln in lines:
        for k, w in (("name", 160), ("name_zh", 160)):
            if len(ln[k].encode("utf-8")) > w:
                raise Fail(f"{ln['id']}: {k} longer than {w} bytes")
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("id", ln["id"])
        f.SetField("name", ln["name"])
        f.SetField("name_zh", ln["name_zh"])
        f.SetField("speed_kmh", ln["speed"])
        f.SetField("headway", ln["headway"])
        f.SetField("minutes", ln["minutes_str"])
        f.SetField("stops", ln["stops_str"])
        g = ogr.Geometry(ogr.wkbLineString)
        for x, y in ln["coords"]:
            g.AddPoint_2D(x, y)
        f.SetGeometry(g)
        if lyr.CreateFeature(f) != 0:
            raise Fail(f"cannot write line {ln['id']}")
    ds = lyr = None

    # Read back what was written before it replaces anything.
    for name, count in ((ST_LAYER, len(stations)), (LN_LAYER, len(lines))):
        ds = ogr.Open(str(tmp / f"{name}.shp"))
        if ds is None or ds.GetLayer().GetFeatureCount() != count:
            raise Fail(f"read-back of {name} failed")
        ds = None
    written = sorted(tmp.iterdir())
    for p in written:
        p.replace(OUT_DIR / p.name)
    tmp.rmdir()
    return [OUT_DIR / p.name for p in written]


def main():
    check_only = "--check" in sys.argv[1:]
    try:
        stations, st_index, lines, errors = load()
        report, issues = check_geometry(stations, lines) if not errors else ([], [])
    except Fail as e:
        print(f"ERROR: {e}", file=sys.stderr)
        return 1
    hubs = sum(st["hub"] for st in stations)
    nexp = sum(1 for ln in lines if ln["pattern"] == "express")
    print(f"stations: {len(stations)}  hubs: {hubs}  lines: {len(lines)} "
          f"({len(lines) - nexp} all-stop, {nexp} express)")
    if report:
        total = sum(r["km"] for r in report)
        print(f"total line length: {total:.0f} km (schematic geometry, EPSG:4326 -> Albers)")
        print(f"{'line':22s} {'pattern':7s} {'stops':>5s} {'km':>6s} {'minutes':>8s}  "
              "nearest non-stop station (express: skipped stations passed)")
        for r in report:
            d, sid = r["margin"]
            tail = (f"{sid} {d / 1000.0:.1f} km" if r["pattern"] == "all"
                    else f"passes {r['skipped']} skipped station(s)")
            print(f"{r['id']:22s} {r['pattern']:7s} {r['n']:5d} {r['km']:6.0f} "
                  f"{r['known']:3d}/{r['segs']:<4d}  {tail}")
            for w in r["warn"]:
                print(f"    note: {w} (schematic geometry is shorter than the track)")
    problems = errors + issues
    if problems:
        print(f"station-line issues: {len(problems)}")
        for p in problems:
            print("  " + p)
        print("ERROR: nothing written", file=sys.stderr)
        return 1
    print("station-line issues: none (every all-stop line's stations within "
          f"{SNAP_M:.0f} m are exactly its stops, in order; every express call lies on "
          f"its line within {ON_LINE_M:.0f} m, in order, with minutes)")
    if check_only:
        return 0
    try:
        for p in write_outputs(stations, lines):
            print(f"wrote {p.relative_to(ROOT)}")
    except Fail as e:
        print(f"ERROR: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
