#!/usr/bin/python3
"""Helpers of scripts/bench: summarise isoreach runs, make the GRASS start raster, compare
isoreach's travel-time raster with GRASS r.cost's cell by cell. Uses GDAL's Python bindings."""
import csv, json, sys
import numpy as np
from osgeo import gdal

gdal.UseExceptions()


def rss_wall(path):
    wall, rss_kb = open(path).read().split()[-2:]
    return float(wall), int(rss_kb) / 1024.0


def report_isoreach(all_dir, all_time, one_dir, one_time):
    run = json.load(open(f"{all_dir}/run.json"))
    secs = [h["seconds"] for h in run["hubs"]]
    wall, rss = rss_wall(all_time)
    g = run["grid"]
    print(f"grid {g['width']} x {g['height']} cells ({g['width'] * g['height'] / 1e6:.1f} M)")
    print(f"all {len(secs)} hubs: wall {wall:.2f} s (load {run['timings']['load_s']:.2f} s, "
          f"hubs {run['timings']['hubs_s']:.2f} s, products {run['timings']['products_s']:.2f} s), "
          f"peak RSS {rss:.0f} MB; per hub mean {np.mean(secs):.3f} s, max {max(secs):.3f} s")
    one = json.load(open(f"{one_dir}/run.json"))
    wall1, rss1 = rss_wall(one_time)
    h = one["hubs"][0]
    print(f"one hub ({h['id']}): search {h.get('search_seconds', float('nan')):.3f} s, search + all outputs {h['seconds']:.3f} s, process wall {wall1:.2f} s, "
          f"peak RSS {rss1:.0f} MB, {h['cells_reached']} cells reached")


def make_seeds(one_dir, hub, out_tif):
    fr = gdal.Open(f"{one_dir}/region/friction.tif")
    gt = fr.GetGeoTransform()
    arr = np.full((fr.RasterYSize, fr.RasterXSize), -1.0, dtype=np.float32)
    budget = json.load(open(f"{one_dir}/run.json"))["parameters"]["budget_min"] * 60
    for row in csv.DictReader(open(f"{one_dir}/hubs/{hub}/stations.csv")):
        if not row["rail_minutes"]:
            continue
        t = float(row["rail_minutes"]) * 60
        c = int((float(row["x"]) - gt[0]) // gt[1])
        r = int((gt[3] - float(row["y"])) // -gt[5])
        if t <= budget and 0 <= c < arr.shape[1] and 0 <= r < arr.shape[0]:
            if arr[r, c] < 0 or t < arr[r, c]:
                arr[r, c] = t
    drv = gdal.GetDriverByName("GTiff")
    ds = drv.Create(out_tif, fr.RasterXSize, fr.RasterYSize, 1, gdal.GDT_Float32, ["COMPRESS=DEFLATE"])
    ds.SetGeoTransform(gt)
    ds.SetProjection(fr.GetProjection())
    b = ds.GetRasterBand(1)
    b.SetNoDataValue(-1)
    b.WriteArray(arr)
    ds = None


def compare(one_dir, hub, one_time, grass_tif, grass_time):
    ours = gdal.Open(f"{one_dir}/hubs/{hub}/travel_time.tif")
    theirs = gdal.Open(grass_tif)
    ogt, tgt = ours.GetGeoTransform(), theirs.GetGeoTransform()
    c0 = round((ogt[0] - tgt[0]) / tgt[1])
    r0 = round((ogt[3] - tgt[3]) / tgt[5])
    a = ours.GetRasterBand(1).ReadAsArray().astype(np.float64)
    full = theirs.GetRasterBand(1).ReadAsArray().astype(np.float64)
    budget = json.load(open(f"{one_dir}/run.json"))["parameters"]["budget_min"]
    # r.cost also writes the frontier cells just past max_cost: count only those in budget
    full = np.where(full / 60.0 <= budget, full, -1)
    b = full[r0:r0 + a.shape[0], c0:c0 + a.shape[1]] / 60.0
    outside = (full >= 0).sum() - (b >= 0).sum()
    a_ok, b_ok = a != -9999, b >= 0
    both = a_ok & b_ok
    d = np.abs(a[both] - b[both])
    h = json.load(open(f"{one_dir}/run.json"))["hubs"][0]
    gw, grss = rss_wall(grass_time)
    _, rss1 = rss_wall(one_time)
    print(f"GRASS r.cost -k (same friction and seeds): {gw:.2f} s, peak RSS {grss:.0f} MB")
    print(f"  speed-up, search vs r.cost: {gw / h['search_seconds']:.1f}x; search + all outputs vs r.cost: "
          f"{gw / h['seconds']:.1f}x; memory ratio (r.cost / isoreach process) {grss / rss1:.2f}")
    print(f"  cells reached: isoreach {a_ok.sum()}, r.cost {b_ok.sum() + outside}, both {both.sum()}, "
          f"only isoreach {(a_ok & ~b_ok).sum()}, only r.cost {(b_ok & ~a_ok).sum() + outside}")
    if d.size:
        print(f"  |difference| minutes: mean {d.mean():.4f}, p99 {np.percentile(d, 99):.4f}, max {d.max():.4f}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"isoreach": report_isoreach, "seeds": make_seeds, "compare": compare}[cmd](*args)
