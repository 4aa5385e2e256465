#!/usr/bin/python3
"""Build the sample's scenarios (issue 15): one GeoPackage per scenario,

    shapefiles/scenarios/<scenario>.gpkg
        stations       (Point, EPSG:4326)  id, name, name_en, hub, source
        lines          (LineString)        id, name, name_zh, speed_kmh, headway, minutes,
                                           stops, source
        modifications  (no geometry)       action, target, to, value, source

in the scenario input format (docs: shapefiles/scenarios/README.md), from the
hand-authored tables in scripts/sample_scenarios/:

    scenarios.csv      one row per scenario: title, status as of 2025, length, design
                       speed and the sources (page URLs, ' ; '-separated)
    stations.csv       added stations; `county` is the county (name as in
                       shapefiles/yrd_counties.shp) the sources put the station in, and
                       is checked; `position` says how the position was set
    lines.csv          added lines; `stops` are always written out (base or added
                       station ids); `shape` as in scripts/sample_rail/lines.csv:
                       extra vertices per segment, segments '|', vertices ',', a vertex
                       is "lon lat" or "@station_id"
    modifications.csv  rows of the modifications table, with their scenario

Checks (nothing is written unless all pass): ids are ASCII snake case, unique within
the scenario and different from every base station / line id (base: the committed
shapefiles/yrd_rail_*.shp); every stop exists (added or base) and lies within SNAP_M
(the engine's --snap) of its line's geometry, in order along it; `minutes`, when
given, has one positive entry per pair of consecutive calls; an added station lies
in its stated county, not in water (shapefiles/yrd_water.shp), not within SNAP_M of a
base line (it would become a stop of that base line), and is called at by a line of
its scenario; modifications name a known action, existing ids and valid values, as
the engine will require.

Output is deterministic: features in CSV order, GeoPackage timestamps pinned through
OGR_CURRENT_DATE, files written to a temporary folder and renamed into place.
--verify rebuilds into a temporary folder and fails unless every committed .gpkg is
byte-identical to the rebuild (tests/sample_scenarios_check.sh).

Needs Debian's python3-gdal and python3-shapely; no network access.
Usage: /usr/bin/python3 scripts/build_sample_scenarios.py [--check | --verify]
"""
import csv, math, shutil, sys, tempfile
from pathlib import Path

from osgeo import gdal, ogr, osr
from shapely.geometry import LineString, Point, shape as shp_shape

from sample_common import Fail, make_projector, num, read_csv
import json

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "scripts" / "sample_scenarios"
SHP = ROOT / "shapefiles"
OUT_DIR = SHP / "scenarios"
SNAP_M = 500.0                     # the engine's default --snap
BBOX = (114.0, 27.0, 123.0, 36.0)
DECIMALS = 6
PINNED_DATE = "2025-01-01T00:00:00Z"
LOCAL_KMH = 25.0                   # plausibility of add_transfer minutes (reported only)
SCEN_FIELDS = ["scenario", "title", "title_zh", "status_2025", "opening", "length_km",
               "design_kmh", "source"]
ST_FIELDS = ["scenario", "id", "name", "name_en", "lon", "lat", "hub", "county", "position",
             "source"]
LN_FIELDS = ["scenario", "id", "name", "name_zh", "speed_kmh", "headway_min", "stops", "minutes",
             "shape", "assumptions", "source"]
MOD_FIELDS = ["scenario", "action", "target", "to", "value", "source"]
ACTIONS = ("remove_line", "remove_station", "scale_speed", "set_headway", "set_minutes",
           "add_transfer")
STR_MAX = 254


def is_id(s):
    return bool(s) and s.isascii() and s[0].isalpha() and \
        all(c.islower() or c.isdigit() or c == "_" for c in s)


def read_layer(path, fields):
    ds = ogr.Open(str(path))
    if ds is None:
        raise Fail(f"cannot open {path.relative_to(ROOT)}")
    out = []
    for f in ds.GetLayer():
        g = f.GetGeometryRef()
        out.append(({k: f.GetField(k) for k in fields},
                    shp_shape(json.loads(g.ExportToJson())) if g else None))
    return out


def load_base():
    st = {a["id"]: a | {"geom": g} for a, g in
          read_layer(SHP / "yrd_rail_stations.shp", ["id", "name", "hub"])}
    ln = {a["id"]: a | {"geom": g} for a, g in
          read_layer(SHP / "yrd_rail_lines.shp", ["id", "stops"])}
    counties = read_layer(SHP / "yrd_counties.shp", ["name"])
    water = [g for _, g in read_layer(SHP / "yrd_water.shp", ["kind"])]
    return st, ln, counties, water


def load_tables(errors):
    scen = {}
    for n, r in read_csv(SRC / "scenarios.csv", SCEN_FIELDS):
        name = r["scenario"]
        if not is_id(name) or name in scen:
            errors.append(f"scenarios.csv:{n}: scenario name {name!r} not snake case or repeated")
            continue
        if not r["source"].startswith("http"):
            errors.append(f"scenarios.csv:{n} ({name}): source must be page URLs")
        scen[name] = dict(r, stations=[], lines=[], mods=[])

    def owner(table, n, r):
        s = scen.get(r["scenario"])
        if s is None:
            errors.append(f"{table}:{n}: unknown scenario {r['scenario']!r} (not in scenarios.csv)")
        return s

    for n, r in read_csv(SRC / "stations.csv", ST_FIELDS):
        s = owner("stations.csv", n, r)
        if s is not None:
            s["stations"].append((n, r))
    for n, r in read_csv(SRC / "lines.csv", LN_FIELDS):
        s = owner("lines.csv", n, r)
        if s is not None:
            s["lines"].append((n, r))
    for n, r in read_csv(SRC / "modifications.csv", MOD_FIELDS):
        s = owner("modifications.csv", n, r)
        if s is not None:
            s["mods"].append((n, r))
    return scen


def check_stations(name, s, base, proj, errors):
    base_st, base_ln, counties, water = base
    out = {}
    for n, r in s["stations"]:
        where = f"stations.csv:{n} ({name}/{r['id'] or '?'})"
        try:
            if not is_id(r["id"]):
                raise Fail(f"{where}: id must be ASCII snake case")
            if r["id"] in out:
                raise Fail(f"{where}: id repeated in the scenario")
            if r["id"] in base_st:
                raise Fail(f"{where}: id is a base station's id ({base_st[r['id']]['name']}): "
                           "choose a new id")
            if not r["name"] or not r["name_en"]:
                raise Fail(f"{where}: empty name or name_en")
            lon, lat = num(r["lon"], where + " lon"), num(r["lat"], where + " lat")
            if not (BBOX[0] <= lon <= BBOX[2] and BBOX[1] <= lat <= BBOX[3]):
                raise Fail(f"{where}: position {lon},{lat} outside lon 114-123, lat 27-36")
            if r["hub"] not in ("0", "1"):
                raise Fail(f"{where}: hub must be 0 or 1")
            if not r["position"] or not r["source"].startswith("http"):
                raise Fail(f"{where}: position and source (page URL) are required")
            lon, lat = round(lon, DECIMALS), round(lat, DECIMALS)
            pt = Point(lon, lat)
            inside = [a["name"] for a, g in counties if g is not None and g.contains(pt)]
            if inside != [r["county"]]:
                raise Fail(f"{where}: lies in {inside or 'no county'}, not in {r['county']}: "
                           "fix the position or the county")
            if any(w.contains(pt) for w in water):
                raise Fail(f"{where}: lies in water (yrd_water.shp): fix the position")
            p = proj(pt)
            for lid, ln in base_ln.items():
                d = proj(ln["geom"]).distance(p)
                if d <= SNAP_M and not ln["stops"]:
                    raise Fail(f"{where}: {d:.0f} m from base all-stop line {lid}: it would "
                               "become a stop of that line too; move it or leave it out")
            out[r["id"]] = dict(id=r["id"], name=r["name"], name_en=r["name_en"], lon=lon,
                                lat=lat, hub=int(r["hub"]), source=r["source"], p=p)
        except Fail as e:
            errors.append(str(e))
    return out


def parse_shape(where, text, nseg, stops, lookup):
    if text == "":
        return [[] for _ in range(nseg)]
    parts = text.split("|")
    if len(parts) != nseg:
        raise Fail(f"{where}: shape has {len(parts)} segments, the line has {nseg}")
    shape = []
    for i, part in enumerate(parts):
        verts = []
        for v in filter(None, (x.strip() for x in part.split(","))):
            if v.startswith("@"):
                if v[1:] not in lookup or v[1:] in stops:
                    raise Fail(f"{where}: shape segment {i}: {v} is unknown or a call of the line")
                verts.append(lookup[v[1:]])
                continue
            xy = v.split()
            if len(xy) != 2:
                raise Fail(f"{where}: shape segment {i}: bad vertex {v!r}")
            verts.append((round(num(xy[0], where + " shape"), DECIMALS),
                          round(num(xy[1], where + " shape"), DECIMALS)))
        shape.append(verts)
    return shape


def check_lines(name, s, added, base, proj, errors):
    base_st, base_ln = base[0], base[1]
    lookup = {k: (v["geom"].x, v["geom"].y) for k, v in base_st.items()}
    lookup.update({k: (v["lon"], v["lat"]) for k, v in added.items()})
    out = {}
    for n, r in s["lines"]:
        where = f"lines.csv:{n} ({name}/{r['id'] or '?'})"
        try:
            if not is_id(r["id"]) or r["id"] in out:
                raise Fail(f"{where}: id must be ASCII snake case and unique in the scenario")
            if r["id"] in base_ln:
                raise Fail(f"{where}: id is a base line's id: choose a new id")
            if not r["name"] or not r["name_zh"] or not r["source"].startswith("http"):
                raise Fail(f"{where}: name, name_zh and source (page URL) are required")
            speed = num(r["speed_kmh"], where + " speed_kmh")
            headway = num(r["headway_min"], where + " headway_min")
            if speed <= 0 or headway <= 0:
                raise Fail(f"{where}: speed_kmh and headway_min must be positive")
            stops = r["stops"].split(";")
            if len(stops) < 2 or len(set(stops)) != len(stops):
                raise Fail(f"{where}: stops must list at least 2 different station ids")
            unknown = [x for x in stops if x not in lookup]
            if unknown:
                raise Fail(f"{where}: unknown stop id(s) {unknown} (neither added nor base)")
            nseg = len(stops) - 1
            minutes = r["minutes"].split(";") if r["minutes"] else [""] * nseg
            if len(minutes) != nseg:
                raise Fail(f"{where}: {len(minutes)} minutes entries for {nseg} pairs of calls")
            for i, m in enumerate(minutes):
                if m and num(m, f"{where} minutes[{i}]") <= 0:
                    raise Fail(f"{where}: minutes[{i}] must be positive or empty")
            minutes = [("%g" % float(m)) if m else "" for m in minutes]
            shape = parse_shape(where, r["shape"], nseg, stops, lookup)
            coords = []
            for i, sid in enumerate(stops):
                coords.append(lookup[sid])
                if i < nseg:
                    coords.extend(shape[i])
            geom = proj(LineString(coords))
            pts = {sid: (added[sid]["p"] if sid in added else proj(base_st[sid]["geom"]))
                   for sid in stops}
            far = [f"{sid} ({geom.distance(p):.0f} m)" for sid, p in pts.items()
                   if geom.distance(p) > SNAP_M]
            if far:
                raise Fail(f"{where}: stop(s) farther than {SNAP_M:.0f} m from the line: "
                           + ", ".join(far))
            along = [geom.project(pts[sid]) for sid in stops]
            if any(b <= a for a, b in zip(along, along[1:])):
                raise Fail(f"{where}: stops are not in order along the line")
            for k in ("stops", "minutes"):
                if len(";".join(stops if k == "stops" else minutes).encode()) > STR_MAX:
                    raise Fail(f"{where}: {k} longer than {STR_MAX} bytes")
            passed = sorted(k for k, v in base_st.items() if k not in stops
                            and geom.distance(proj(v["geom"])) <= SNAP_M)
            out[r["id"]] = dict(id=r["id"], name=r["name"], name_zh=r["name_zh"], speed=speed,
                                headway=headway, stops=stops, minutes=minutes, coords=coords,
                                source=r["source"], km=geom.length / 1000.0, passed=passed,
                                base_calls=[x for x in stops if x in base_st])
        except Fail as e:
            errors.append(str(e))
    return out


def check_mods(name, s, added, lines, base, errors):
    base_st, base_ln = base[0], base[1]
    st_ok = set(base_st) | set(added)
    ln_ok = set(base_ln) | set(lines)
    out = []
    for n, r in s["mods"]:
        where = f"modifications.csv:{n} ({name}/{r['action'] or '?'})"
        try:
            a, t, to, v = r["action"], r["target"], r["to"], r["value"]
            if a not in ACTIONS:
                raise Fail(f"{where}: unknown action; use one of {', '.join(ACTIONS)}")
            if a in ("remove_line", "scale_speed", "set_headway", "set_minutes"):
                if t not in ln_ok:
                    raise Fail(f"{where}: target {t!r} is no line id")
            elif t not in st_ok:
                raise Fail(f"{where}: target {t!r} is no station id")
            if a == "add_transfer" and (to not in st_ok or to == t):
                raise Fail(f"{where}: to {to!r} must be another station id")
            if a != "add_transfer" and to:
                raise Fail(f"{where}: `to` is only for add_transfer")
            if a in ("scale_speed", "set_headway") and num(v, where + " value") <= 0:
                raise Fail(f"{where}: value must be > 0")
            if a == "add_transfer" and num(v, where + " value") < 0:
                raise Fail(f"{where}: value must be >= 0 minutes")
            if a == "set_minutes":
                if t not in lines:
                    raise Fail(f"{where}: set_minutes is checked only for this scenario's lines")
                ms = v.split(";")
                if len(ms) != len(lines[t]["stops"]) - 1 or \
                        any(num(m, where + " value") <= 0 for m in ms):
                    raise Fail(f"{where}: value needs one positive entry per pair of calls")
            if a in ("remove_line", "remove_station") and v:
                raise Fail(f"{where}: value must be empty for {a}")
            if not r["source"]:
                raise Fail(f"{where}: source is required")
            out.append(dict(action=a, target=t, to=to, value=v, source=r["source"]))
        except Fail as e:
            errors.append(str(e))
    return out


def write_gpkg(path, s):
    gdal.SetConfigOption("OGR_CURRENT_DATE", PINNED_DATE)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    if ds is None:
        raise Fail(f"cannot create {path}")

    def layer(name, gtype, fields):
        lyr = ds.CreateLayer(name, srs if gtype != ogr.wkbNone else None, gtype,
                             ["SPATIAL_INDEX=NO"] if gtype != ogr.wkbNone else [])
        for fname, ftype in fields:
            if lyr.CreateField(ogr.FieldDefn(fname, ftype)) != 0:
                raise Fail(f"{path.name}: cannot create field {name}.{fname}")
        return lyr

    def put(lyr, attrs, coords=None):
        f = ogr.Feature(lyr.GetLayerDefn())
        for k, v in attrs.items():
            f.SetField(k, v)
        if coords is not None:
            g = ogr.Geometry(ogr.wkbPoint if len(coords) == 1 else ogr.wkbLineString)
            for x, y in coords:
                g.AddPoint_2D(x, y)
            f.SetGeometry(g)
        if lyr.CreateFeature(f) != 0:
            raise Fail(f"{path.name}: cannot write a feature of {lyr.GetName()}")

    S, R, I = ogr.OFTString, ogr.OFTReal, ogr.OFTInteger
    lyr = layer("stations", ogr.wkbPoint,
                [("id", S), ("name", S), ("name_en", S), ("hub", I), ("source", S)])
    for st in s["added"].values():
        put(lyr, {k: st[k] for k in ("id", "name", "name_en", "hub", "source")},
            [(st["lon"], st["lat"])])
    lyr = layer("lines", ogr.wkbLineString,
                [("id", S), ("name", S), ("name_zh", S), ("speed_kmh", R), ("headway", R),
                 ("minutes", S), ("stops", S), ("source", S)])
    for ln in s["lines_out"].values():
        put(lyr, dict(id=ln["id"], name=ln["name"], name_zh=ln["name_zh"],
                      speed_kmh=ln["speed"], headway=ln["headway"],
                      minutes=";".join(ln["minutes"]) if any(ln["minutes"]) else "", stops=";".join(ln["stops"]),
                      source=ln["source"]), ln["coords"])
    lyr = layer("modifications", ogr.wkbNone,
                [("action", S), ("target", S), ("to", S), ("value", S), ("source", S)])
    for m in s["mods_out"]:
        put(lyr, m)
    ds = None
    gdal.SetConfigOption("OGR_CURRENT_DATE", None)


def build_all(scen, folder):
    paths = []
    for name, s in scen.items():
        p = folder / f"{name}.gpkg"
        write_gpkg(p, s)
        ds = ogr.Open(str(p))
        counts = [ds.GetLayerByName(k).GetFeatureCount() for k in
                  ("stations", "lines", "modifications")]
        if counts != [len(s["added"]), len(s["lines_out"]), len(s["mods_out"])]:
            raise Fail(f"read-back of {p.name} failed: counts {counts}")
        ds = None
        paths.append(p)
    return paths


def report(scen, base):
    proj = make_projector()
    base_st = base[0]
    for name, s in scen.items():
        print(f"{name}: {len(s['added'])} added stations "
              f"({sum(v['hub'] for v in s['added'].values())} hubs), {len(s['lines_out'])} "
              f"lines, {len(s['mods_out'])} modifications; official {s['length_km']} km, "
              f"{s['design_kmh']} km/h; {s['status_2025']}")
        for ln in s["lines_out"].values():
            known = sum(1 for m in ln["minutes"] if m)
            print(f"  line {ln['id']}: {len(ln['stops'])} calls, {ln['km']:.0f} km schematic, "
                  f"minutes {known}/{len(ln['minutes'])}, headway {ln['headway']:g}; base calls: "
                  + (", ".join(ln["base_calls"]) or "none"))
            if ln["passed"]:
                print(f"    note: passes within {SNAP_M:.0f} m of base station(s) it does not "
                      f"call at: {', '.join(ln['passed'])}")
        pos = {k: proj(v["geom"]) for k, v in base_st.items()}
        pos.update({k: v["p"] for k, v in s["added"].items()})
        for m in s["mods_out"]:
            if m["action"] == "add_transfer":
                km = pos[m["target"]].distance(pos[m["to"]]) / 1000.0
                print(f"  add_transfer {m['target']}-{m['to']}: {m['value']} min for {km:.1f} km "
                      f"straight (at {LOCAL_KMH:.0f} km/h: {km / LOCAL_KMH * 60:.0f} min)")


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in ("", "--check", "--verify") or len(sys.argv) > 2:
        print(__doc__.split("Usage:")[1].strip(), file=sys.stderr)
        return 2
    errors = []
    try:
        base = load_base()
        proj = make_projector()
        scen = load_tables(errors)
        for name, s in scen.items():
            s["added"] = check_stations(name, s, base, proj, errors)
            s["lines_out"] = check_lines(name, s, s["added"], base, proj, errors)
            s["mods_out"] = check_mods(name, s, s["added"], s["lines_out"], base, errors)
            if not s["lines_out"] and not s["added"] and not s["mods_out"]:
                errors.append(f"{name}: the scenario is empty")
            called = {x for ln in s["lines_out"].values() for x in ln["stops"]}
            for sid in (s["added"] if not errors else []):
                if sid not in called:
                    errors.append(f"stations.csv ({name}/{sid}): no line of the scenario calls here")
    except Fail as e:
        print(f"ERROR: {e}", file=sys.stderr)
        return 1
    if errors:
        for e in errors:
            print(f"ERROR: {e}", file=sys.stderr)
        print(f"ERROR: {len(errors)} problem(s); nothing written", file=sys.stderr)
        return 1
    report(scen, base)
    if mode == "--check":
        print("check: all tables pass; nothing written (--check)")
        return 0
    with tempfile.TemporaryDirectory(prefix=".scenarios.", dir=SHP) as tmp:
        try:
            built = build_all(scen, Path(tmp))
        except Fail as e:
            print(f"ERROR: {e}", file=sys.stderr)
            return 1
        if mode == "--verify":
            bad = [p.name for p in built if not (OUT_DIR / p.name).is_file()
                   or (OUT_DIR / p.name).read_bytes() != p.read_bytes()]
            extra = sorted(q.name for q in OUT_DIR.glob("*.gpkg")
                           if q.name not in {p.name for p in built})
            if bad or extra:
                print(f"ERROR: committed scenarios differ from a rebuild: {bad + extra}; run "
                      "/usr/bin/python3 scripts/build_sample_scenarios.py and commit",
                      file=sys.stderr)
                return 1
            print(f"verify: {len(built)} GeoPackages byte-identical to a rebuild")
            return 0
        OUT_DIR.mkdir(exist_ok=True)
        for p in built:
            p.replace(OUT_DIR / p.name)
            print(f"wrote {(OUT_DIR / p.name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
