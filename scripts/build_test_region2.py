#!/usr/bin/python3
"""Build tests/region2/: a second, hand-authored test region, unlike the sample in every
way the engine cares about (tests/test_region2.c runs the whole pipeline on it).

The Vienna - Bratislava - Brno corner of Austria, Slovakia and Czechia:

  tests/region2/grenzen.gpkg   two layers: 'laender' (the 3 countries, first, a decoy the
                               run must skip) and 'bezirke' (24 districts, the admin units),
                               EPSG:4326. Fields: bezirk_id, bezirk, region_id, region,
                               land_id, land, einwohner. Codes are NUTS/LAU-like strings,
                               not GB/T 2260, so the region and land fields are required.
  tests/region2/bahnhoefe.geojson  11 stations, EPSG:4326 (RFC 7946). Fields:
                               station_code, station_label, is_hub.
  tests/region2/strecken.gpkg  5 lines in EPSG:32633 (UTM 33N), layer 'strecken'. Fields:
                               line_label, vmax_kmh, takt_min, takt_rueck, fahrzeit, halte.

Geometry: every district is a rectangle (Brno-venkov: a rectangle with Brno-mesto as its
hole) on a lattice of meridians and parallels that follows the real borders to within a
few km: AT|SK at 17.0 E, AT|CZ and SK|CZ at 48.72 N. Only the corners are stored, so after
reprojection the edges are straight in the analysis CRS (the test computes its reference
areas from the same polygons). Station positions are the real ones (to ~100 m); lines are
straight between their stations, with a vertex at every station they pass.
Populations are round numbers close to the 2021-2023 figures; the total is 5,292,000.
Run times (fahrzeit) and headways (takt) are chosen, close to the 2024 timetables; the
Bratislava - Trnava line has no fahrzeit, so its run times come from its length at 100 km/h.

Deterministic: fixed feature order, GeoPackage timestamps pinned with OGR_CURRENT_DATE;
files are written to a temporary folder and renamed into place.
Usage: /usr/bin/python3 scripts/build_test_region2.py    (python3-gdal; no network)
"""
import os
import shutil
import sys
from pathlib import Path

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
gdal.SetConfigOption("OGR_CURRENT_DATE", "2024-01-01T00:00:00.000Z")

OUT = Path(__file__).resolve().parent.parent / "tests" / "region2"

# land_id, land
LAENDER = [("AT", "Österreich"), ("SK", "Slovensko"), ("CZ", "Česko")]
# region_id, region, land_id
REGIONEN = {
    "AT11": ("Burgenland", "AT"), "AT12": ("Niederösterreich", "AT"), "AT13": ("Wien", "AT"),
    "SK01": ("Bratislavský kraj", "SK"), "SK02": ("Trnavský kraj", "SK"),
    "CZ064": ("Jihomoravský kraj", "CZ"), "CZ072": ("Zlínský kraj", "CZ"),
}
# bezirk_id, bezirk, region_id, einwohner, (lon0, lat0, lon1, lat1)[, hole]
BEZIRKE = [
    ("AT-901", "Wien West", "AT13", 1000000, (16.2, 48.1, 16.4, 48.35)),
    ("AT-902", "Wien Ost", "AT13", 1000000, (16.4, 48.1, 16.6, 48.35)),
    ("AT-319", "St. Pölten-Land", "AT12", 130000, (15.8, 47.8, 16.2, 48.1)),
    ("AT-321", "Tulln", "AT12", 105000, (15.8, 48.1, 16.2, 48.72)),
    ("AT-312", "Korneuburg", "AT12", 95000, (16.2, 48.35, 16.6, 48.72)),
    ("AT-317", "Mödling-Baden", "AT12", 260000, (16.2, 47.8, 16.6, 48.1)),
    ("AT-308", "Gänserndorf", "AT12", 105000, (16.6, 48.1, 17.0, 48.45)),
    ("AT-316", "Mistelbach", "AT12", 75000, (16.6, 48.45, 17.0, 48.72)),
    ("AT-307", "Bruck an der Leitha", "AT12", 105000, (16.6, 47.95, 17.0, 48.1)),
    ("AT-107", "Neusiedl am See", "AT11", 60000, (16.6, 47.8, 17.0, 47.95)),
    ("SK-101", "Bratislava", "SK01", 475000, (17.0, 48.05, 17.3, 48.3)),
    ("SK-106", "Malacky", "SK01", 75000, (17.0, 48.3, 17.3, 48.72)),
    ("SK-107", "Senec-Pezinok", "SK01", 165000, (17.3, 48.05, 17.55, 48.4)),
    ("SK-201", "Dunajská Streda", "SK02", 120000, (17.0, 47.8, 17.8, 48.05)),
    ("SK-207", "Trnava", "SK02", 135000, (17.55, 48.05, 17.8, 48.4)),
    ("SK-205", "Senica", "SK02", 60000, (17.3, 48.4, 17.8, 48.72)),
    ("CZ-0647", "Znojmo", "CZ064", 115000, (15.8, 48.72, 16.3, 49.4)),
    ("CZ-0644", "Břeclav", "CZ064", 115000, (16.3, 48.72, 17.0, 48.95)),
    ("CZ-0642", "Brno-město", "CZ064", 380000, (16.5, 49.1, 16.75, 49.3)),
    ("CZ-0643", "Brno-venkov", "CZ064", 230000, (16.3, 48.95, 17.0, 49.4), (16.5, 49.1, 16.75, 49.3)),
    ("CZ-0645", "Hodonín", "CZ064", 150000, (17.0, 48.72, 17.4, 49.15)),
    ("CZ-0646", "Vyškov", "CZ064", 92000, (17.0, 49.15, 17.4, 49.4)),
    ("CZ-0722", "Uherské Hradiště", "CZ072", 140000, (17.4, 48.72, 17.8, 49.15)),
    ("CZ-0721", "Kroměříž", "CZ072", 105000, (17.4, 49.15, 17.8, 49.4)),
]
TOTAL = 5292000
# station_code, station_label, lon, lat, is_hub
BAHNHOEFE = [
    ("wien_hbf", "Wien Hauptbahnhof", 16.3752, 48.1851, 1),
    ("gaenserndorf", "Gänserndorf", 16.7220, 48.3390, 0),
    ("hohenau", "Hohenau an der March", 16.9040, 48.6040, 0),
    ("marchegg", "Marchegg", 16.9160, 48.2790, 0),
    ("breclav", "Břeclav", 16.8870, 48.7540, 0),
    ("brno_hln", "Brno hlavní nádraží", 16.6129, 49.1907, 1),
    ("bratislava_hlst", "Bratislava hlavná stanica", 17.1063, 48.1588, 1),
    ("malacky", "Malacky", 17.0216, 48.4360, 0),
    ("kuty", "Kúty", 17.0550, 48.6580, 0),
    ("senec", "Senec", 17.4000, 48.2200, 0),
    ("trnava", "Trnava", 17.5870, 48.3710, 0),
]
# line_label, vmax_kmh, takt_min, takt_rueck (None = as takt_min), fahrzeit, halte, vertices
STRECKEN = [
    ("R 81 Wien–Břeclav", 140, 60, None, "24;26;10", "",
     ["wien_hbf", "gaenserndorf", "hohenau", "breclav"]),
    ("RJ Wien–Brno", 200, 60, None, "50;30", "wien_hbf;breclav;brno_hln",
     ["wien_hbf", "gaenserndorf", "hohenau", "breclav", "brno_hln"]),
    ("REX 8 Wien–Marchegg–Bratislava", 120, 30, None, "35;25", "",
     ["wien_hbf", "marchegg", "bratislava_hlst"]),
    ("Os Bratislava–Kúty–Břeclav", 120, 30, 60, "30;20;15", "",
     ["bratislava_hlst", "malacky", "kuty", "breclav"]),
    ("Os Bratislava–Trnava", 100, 30, None, "", "",
     ["bratislava_hlst", "senec", "trnava"]),
]


def srs(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def ring(box, clockwise=False):
    x0, y0, x1, y1 = box
    pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]  # counter-clockwise
    r = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in (pts[::-1] if clockwise else pts):
        r.AddPoint_2D(x, y)
    return r


def polygon(box, hole=None):
    p = ogr.Geometry(ogr.wkbPolygon)
    p.AddGeometry(ring(box))
    if hole:
        p.AddGeometry(ring(hole, clockwise=True))
    return p


def check():
    """Refuse to write unless the districts tile the region exactly and every station lies
    in the district its code says."""
    if sum(b[3] for b in BEZIRKE) != TOTAL:
        sys.exit("populations do not add up to TOTAL")
    polys = [polygon(b[4], b[5] if len(b) > 5 else None) for b in BEZIRKE]
    area = sum(p.GetArea() for p in polys)
    if abs(area - 2.0 * 1.6) > 1e-9:
        sys.exit("districts do not tile 15.8-17.8 E x 47.8-49.4 N: %.12f" % area)
    for i, a in enumerate(polys):
        if not a.IsValid():
            sys.exit("%s is invalid" % BEZIRKE[i][0])
        for j in range(i):
            x = a.Intersection(polys[j])
            if not x.IsEmpty() and x.GetDimension() == 2:
                sys.exit("%s overlaps %s" % (BEZIRKE[i][0], BEZIRKE[j][0]))


def write_boundaries(path):
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    lay = ds.CreateLayer("laender", srs(4326), ogr.wkbMultiPolygon)
    lay.CreateField(ogr.FieldDefn("land_id", ogr.OFTString))
    lay.CreateField(ogr.FieldDefn("land", ogr.OFTString))
    for lid, name in LAENDER:
        u = ogr.Geometry(ogr.wkbMultiPolygon)
        for b in BEZIRKE:
            if REGIONEN[b[2]][1] == lid:
                u = u.Union(polygon(b[4]))  # the hole is filled by Brno-mesto anyway
        f = ogr.Feature(lay.GetLayerDefn())
        f.SetField("land_id", lid)
        f.SetField("land", name)
        f.SetGeometry(ogr.ForceToMultiPolygon(u))
        lay.CreateFeature(f)
    lay = ds.CreateLayer("bezirke", srs(4326), ogr.wkbPolygon)
    for name, t in (("bezirk_id", ogr.OFTString), ("bezirk", ogr.OFTString),
                    ("region_id", ogr.OFTString), ("region", ogr.OFTString),
                    ("land_id", ogr.OFTString), ("land", ogr.OFTString),
                    ("einwohner", ogr.OFTInteger)):
        lay.CreateField(ogr.FieldDefn(name, t))
    laender = dict(LAENDER)
    for b in BEZIRKE:
        f = ogr.Feature(lay.GetLayerDefn())
        rname, lid = REGIONEN[b[2]]
        for k, v in (("bezirk_id", b[0]), ("bezirk", b[1]), ("region_id", b[2]),
                     ("region", rname), ("land_id", lid), ("land", laender[lid]),
                     ("einwohner", b[3])):
            f.SetField(k, v)
        f.SetGeometry(polygon(b[4], b[5] if len(b) > 5 else None))
        lay.CreateFeature(f)
    ds = None


def write_stations(path):
    ds = ogr.GetDriverByName("GeoJSON").CreateDataSource(str(path))
    lay = ds.CreateLayer("bahnhoefe", srs(4326), ogr.wkbPoint,
                         ["RFC7946=YES", "WRITE_NAME=NO"])
    lay.CreateField(ogr.FieldDefn("station_code", ogr.OFTString))
    lay.CreateField(ogr.FieldDefn("station_label", ogr.OFTString))
    lay.CreateField(ogr.FieldDefn("is_hub", ogr.OFTInteger))
    for code, label, lon, lat, hub in BAHNHOEFE:
        f = ogr.Feature(lay.GetLayerDefn())
        f.SetField("station_code", code)
        f.SetField("station_label", label)
        f.SetField("is_hub", hub)
        p = ogr.Geometry(ogr.wkbPoint)
        p.AddPoint_2D(lon, lat)
        f.SetGeometry(p)
        lay.CreateFeature(f)
    ds = None


def write_lines(path):
    to_utm = osr.CoordinateTransformation(srs(4326), srs(32633))
    pos = {s[0]: to_utm.TransformPoint(s[2], s[3])[:2] for s in BAHNHOEFE}
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    lay = ds.CreateLayer("strecken", srs(32633), ogr.wkbLineString)
    for name, t in (("line_label", ogr.OFTString), ("vmax_kmh", ogr.OFTReal),
                    ("takt_min", ogr.OFTReal), ("takt_rueck", ogr.OFTReal),
                    ("fahrzeit", ogr.OFTString), ("halte", ogr.OFTString)):
        lay.CreateField(ogr.FieldDefn(name, t))
    for label, vmax, takt, rueck, fahrzeit, halte, verts in STRECKEN:
        f = ogr.Feature(lay.GetLayerDefn())
        f.SetField("line_label", label)
        f.SetField("vmax_kmh", vmax)
        f.SetField("takt_min", takt)
        if rueck is not None:
            f.SetField("takt_rueck", rueck)
        else:
            f.SetFieldNull("takt_rueck")
        f.SetField("fahrzeit", fahrzeit)
        f.SetField("halte", halte)
        g = ogr.Geometry(ogr.wkbLineString)
        for v in verts:
            g.AddPoint_2D(*pos[v])
        f.SetGeometry(g)
        lay.CreateFeature(f)
    ds = None


def main():
    import argparse
    ap = argparse.ArgumentParser(
        description="Build tests/region2/ (the second test region; see the header of this "
                    "script). Rewrites the three committed files in the source tree.")
    ap.parse_args()
    check()
    tmp = OUT.parent / ".region2.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    write_boundaries(tmp / "grenzen.gpkg")
    write_stations(tmp / "bahnhoefe.geojson")
    write_lines(tmp / "strecken.gpkg")
    OUT.mkdir(parents=True, exist_ok=True)
    for p in sorted(tmp.iterdir()):
        os.replace(p, OUT / p.name)
    tmp.rmdir()
    print("wrote %s: %d districts (%d people), %d stations, %d lines"
          % (OUT, len(BEZIRKE), TOTAL, len(BAHNHOEFE), len(STRECKEN)))


if __name__ == "__main__":
    main()
