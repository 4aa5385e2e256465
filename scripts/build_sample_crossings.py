#!/usr/bin/python3
"""Build the sample's fixed river crossings:

    shapefiles/yrd_crossings.shp  (LineString, EPSG:4326)
        name, name_en, kind (bridge|tunnel), class (expressway|urban), speed_kmh,
        opened (year), source (a public reference for the crossing)

The crossings of the Yangtze from Anqing to the estuary, of the Qiantang at Hangzhou
and of Hangzhou Bay, as roads: isoreach --roads burns them into the friction surface,
so that local travel crosses the water only where they lie (once water is a barrier)
and travels along them at speed_kmh.

Positions are approximate endpoints authored from public facts (the bridge's
landings on either bank as described by its reference and general geography); the
stated accuracy is about 1-3 km (see shapefiles/README.md). Rail-only bridges are
left out: rail crosses water on its own lines. Speeds: 60 km/h for expressway
crossings, 40 km/h for urban ones (door-to-door averages including access, not the
posted limit).

Output is deterministic: features in table order, DBF header date pinned, written to
a temporary folder and renamed into place. Needs Debian's python3-gdal.
Usage: /usr/bin/python3 scripts/build_sample_crossings.py
"""
import shutil, sys, tempfile
from pathlib import Path

from osgeo import ogr, osr

ogr.UseExceptions()
OUT = Path(__file__).resolve().parent.parent / "shapefiles"
NAME = "yrd_crossings"
DBF_DATE = "2025-01-01"
WP = "https://en.wikipedia.org/wiki/"
ZH = "https://zh.wikipedia.org/wiki/"
E, U = ("expressway", 60), ("urban", 40)

# name, name_en, kind, (class, km/h), opened, source, [(lon, lat), ...] from bank to bank
CROSSINGS = [
    # Yangtze, Anhui (upstream to downstream)
    ("安庆长江公路大桥", "Anqing Yangtze River Bridge", "bridge", E, 2004,
     WP + "Anqing_Yangtze_River_Bridge", [(117.133, 30.545), (117.140, 30.480)]),
    ("铜陵长江公路大桥", "Tongling Yangtze River Bridge", "bridge", E, 1995,
     WP + "Tongling_Yangtze_River_Bridge", [(117.745, 30.995), (117.775, 30.955)]),
    ("芜湖长江大桥", "Wuhu Yangtze River Bridge (road-rail)", "bridge", E, 2000,
     WP + "Wuhu_Yangtze_River_Bridge", [(118.365, 31.385), (118.320, 31.405)]),
    ("马鞍山长江公路大桥", "Ma'anshan Yangtze River Bridge", "bridge", E, 2013,
     WP + "Ma%27anshan_Yangtze_River_Bridge", [(118.460, 31.625), (118.380, 31.660)]),
    # Nanjing
    ("南京长江第三大桥", "Nanjing Third Yangtze River Bridge", "bridge", E, 2005,
     WP + "Nanjing_Third_Yangtze_Bridge", [(118.645, 31.975), (118.595, 32.005)]),
    ("南京长江隧道", "Nanjing Yangtze River Tunnel", "tunnel", U, 2010,
     WP + "Nanjing_Yangtze_River_Tunnel", [(118.720, 32.040), (118.665, 32.075)]),
    ("南京长江大桥", "Nanjing Yangtze River Bridge (road-rail)", "bridge", U, 1968,
     WP + "Nanjing_Yangtze_River_Bridge", [(118.748, 32.100), (118.725, 32.128)]),
    ("南京长江第二大桥", "Nanjing Second Yangtze River Bridge", "bridge", E, 2001,
     WP + "Nanjing_Second_Yangtze_Bridge", [(118.840, 32.125), (118.805, 32.180)]),
    ("南京长江第四大桥", "Nanjing Fourth Yangtze River Bridge", "bridge", E, 2012,
     WP + "Nanjing_Fourth_Yangtze_Bridge", [(118.945, 32.170), (118.905, 32.225)]),
    # Zhenjiang - Yangzhou, Taizhou
    ("润扬长江公路大桥", "Runyang Yangtze River Bridge", "bridge", E, 2005,
     WP + "Runyang_Bridge", [(119.368, 32.200), (119.358, 32.275)]),
    ("泰州长江公路大桥", "Taizhou Yangtze River Bridge", "bridge", E, 2012,
     WP + "Taizhou_Bridge", [(119.840, 32.235), (119.860, 32.310)]),
    # Jiangyin - Jingjiang, Zhangjiagang - Nantong, Changshu - Nantong
    ("江阴长江公路大桥", "Jiangyin Yangtze River Bridge", "bridge", E, 1999,
     WP + "Jiangyin_Suspension_Bridge", [(120.268, 31.925), (120.270, 31.965)]),
    ("沪苏通长江公铁大桥", "Hutong Yangtze River Bridge (road-rail)", "bridge", E, 2020,
     WP + "Shanghai%E2%80%93Nantong_Yangtze_River_Bridge",
     [(120.690, 31.915), (120.730, 31.985)]),
    ("苏通长江公路大桥", "Sutong Yangtze River Bridge", "bridge", E, 2008,
     WP + "Sutong_Bridge", [(120.995, 31.745), (121.005, 31.805)]),
    # Estuary
    ("上海长江隧道", "Shanghai Yangtze River Tunnel", "tunnel", E, 2009,
     WP + "Shanghai_Yangtze_River_Tunnel_and_Bridge", [(121.600, 31.345), (121.675, 31.400)]),
    ("上海长江大桥", "Shanghai Yangtze River Bridge", "bridge", E, 2009,
     WP + "Shanghai_Yangtze_River_Tunnel_and_Bridge", [(121.740, 31.415), (121.775, 31.480)]),
    ("崇启长江公路大桥", "Chongqi Yangtze River Bridge", "bridge", E, 2011,
     WP + "Chongqi_Bridge", [(121.855, 31.650), (121.875, 31.710)]),
    # Qiantang river at Hangzhou (upstream to downstream)
    ("钱塘江大桥", "Qiantang River Bridge (road-rail)", "bridge", U, 1937,
     WP + "Qiantang_River_Bridge", [(120.147, 30.205), (120.160, 30.188)]),
    ("复兴大桥", "Fuxing Bridge (Qianjiang Fourth Bridge)", "bridge", U, 2004,
     ZH + "%E5%A4%8D%E5%85%B4%E5%A4%A7%E6%A1%A5_(%E6%9D%AD%E5%B7%9E)",
     [(120.178, 30.220), (120.190, 30.200)]),
    ("西兴大桥", "Xixing Bridge (Qianjiang Third Bridge)", "bridge", U, 1997,
     ZH + "%E8%A5%BF%E5%85%B4%E5%A4%A7%E6%A1%A5", [(120.198, 30.232), (120.212, 30.212)]),
    ("钱江二桥", "Qianjiang Second Bridge", "bridge", E, 1991,
     ZH + "%E9%92%B1%E6%B1%9F%E4%BA%8C%E6%A1%A5", [(120.255, 30.265), (120.270, 30.245)]),
    ("下沙大桥", "Xiasha Bridge", "bridge", E, 2003,
     ZH + "%E4%B8%8B%E6%B2%99%E5%A4%A7%E6%A1%A5", [(120.330, 30.285), (120.335, 30.255)]),
    # Hangzhou Bay
    ("嘉绍大桥", "Jiashao Bridge", "bridge", E, 2013,
     WP + "Jiashao_Bridge", [(120.625, 30.380), (120.640, 30.295)]),
    ("杭州湾跨海大桥", "Hangzhou Bay Bridge", "bridge", E, 2008,
     WP + "Hangzhou_Bay_Bridge", [(121.075, 30.640), (121.150, 30.480), (121.205, 30.335)]),
]


def check():
    names = set()
    for name, en, kind, (cls, kmh), opened, src, pts in CROSSINGS:
        if name in names or kind not in ("bridge", "tunnel") or len(pts) < 2:
            raise SystemExit(f"build_sample_crossings: bad entry {en}")
        names.add(name)
        for lon, lat in pts:
            if not (116.0 < lon < 122.5 and 29.5 < lat < 33.0):
                raise SystemExit(f"build_sample_crossings: {en}: {lon} {lat} outside the YRD")


def write(tmp):
    drv = ogr.GetDriverByName("ESRI Shapefile")
    ds = drv.CreateDataSource(str(tmp))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    lyr = ds.CreateLayer(NAME, srs, ogr.wkbLineString,
                         ["ENCODING=UTF-8", f"DBF_DATE_LAST_UPDATE={DBF_DATE}"])
    for fname, ftype, width in [("name", ogr.OFTString, 60), ("name_en", ogr.OFTString, 80),
                                ("kind", ogr.OFTString, 10), ("class", ogr.OFTString, 12),
                                ("speed_kmh", ogr.OFTReal, 0), ("opened", ogr.OFTInteger, 0),
                                ("source", ogr.OFTString, 200)]:
        fd = ogr.FieldDefn(fname, ftype)
        if width:
            fd.SetWidth(width)
        lyr.CreateField(fd)
    for name, en, kind, (cls, kmh), opened, src, pts in CROSSINGS:
        f = ogr.Feature(lyr.GetLayerDefn())
        for k, v in [("name", name), ("name_en", en), ("kind", kind), ("class", cls),
                     ("speed_kmh", kmh), ("opened", opened), ("source", src)]:
            f.SetField(k, v)
        g = ogr.Geometry(ogr.wkbLineString)
        for lon, lat in pts:
            g.AddPoint_2D(lon, lat)
        f.SetGeometry(g)
        lyr.CreateFeature(f)
    ds = None


def main():
    check()
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        write(Path(tmp))
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            src = Path(tmp) / f"{NAME}.{ext}"
            if src.exists():
                shutil.move(str(src), str(OUT / f"{NAME}.{ext}"))
    print(f"build_sample_crossings: {len(CROSSINGS)} crossings -> shapefiles/{NAME}.shp")


if __name__ == "__main__":
    sys.exit(main())
