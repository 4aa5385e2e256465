#!/usr/bin/python3
"""Helpers of scripts/bench: summarise isoreach runs, make the GRASS start raster, compare
isoreach's travel-time raster with GRASS r.cost's cell by cell, and print the table of issue
12's goals (today's figure, the figure now, the peer r.cost). Uses GDAL's Python bindings."""
import csv, glob, json, os, sys
import numpy as np
from osgeo import gdal

gdal.UseExceptions()


def rss_wall(path):
    """Median wall seconds and median peak RSS (MB) of the "wall rss_kb" lines of a
    /usr/bin/time -a log (one line per repetition)."""
    rows = [l.split() for l in open(path) if l.strip() and l.split()[0][0].isdigit()]
    return (float(np.median([float(r[0]) for r in rows])),
            float(np.median([int(r[1]) for r in rows])) / 1024.0)


def hub_seconds(one_dir):
    """Median (search_seconds, seconds) of the first hub over the repetitions' run.json
    copies (DIR.run.N.json), else of DIR/run.json."""
    runs = sorted(glob.glob(f"{one_dir}.run.*.json")) or [f"{one_dir}/run.json"]
    hubs = [json.load(open(r))["hubs"][0] for r in runs]
    return (float(np.median([h["search_seconds"] for h in hubs])),
            float(np.median([h["seconds"] for h in hubs])))


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
    print(f"one hub ({h['id']}, default kernel): search {h['search_seconds']:.3f} s, search + all "
          f"outputs {h['seconds']:.3f} s, process wall {wall1:.2f} s, peak RSS {rss1:.0f} MB, "
          f"{h['cells_reached']} cells reached")


def make_seeds(one_dir, hub, out_tif):
    fr = gdal.Open(f"{one_dir}/region/friction.tif")
    gt = fr.GetGeoTransform()
    arr = np.full((fr.RasterYSize, fr.RasterXSize), -1.0, dtype=np.float32)
    budget = json.load(open(f"{one_dir}/run.json"))["parameters"]["budget_min"] * 60
    for row in csv.DictReader(open(f"{one_dir}/hubs/{hub}/stations.csv", encoding="utf-8-sig")):
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
    search_s, hub_s = hub_seconds(one_dir)
    gw, grss = rss_wall(grass_time)
    _, rss1 = rss_wall(one_time)
    print(f"GRASS r.cost -k (same friction and seeds): {gw:.2f} s, peak RSS {grss:.0f} MB")
    print(f"  speed-up, search vs r.cost: {gw / search_s:.1f}x; search + all outputs vs r.cost: "
          f"{gw / hub_s:.1f}x; memory ratio (r.cost / isoreach process) {grss / rss1:.2f}")
    print(f"  cells reached: isoreach {a_ok.sum()}, r.cost {b_ok.sum() + outside}, both {both.sum()}, "
          f"only isoreach {(a_ok & ~b_ok).sum()}, only r.cost {(b_ok & ~a_ok).sum() + outside}")
    if d.size:
        print(f"  |difference| minutes: mean {d.mean():.4f}, p99 {np.percentile(d, 99):.4f}, max {d.max():.4f}")
    json.dump({"grass_s": gw, "grass_rss_mb": grss, "search_s": search_s, "hub_s": hub_s,
               "cells_isoreach": int(a_ok.sum()), "cells_grass": int(b_ok.sum() + outside),
               "cells_both": int(both.sum()),
               "cells_differing": int((d > 0.001).sum() + (a_ok ^ b_ok).sum() + outside),
               "max_diff_min": float(d.max()) if d.size else 0.0},
              open(grass_tif[:-4] + ".json", "w"))


# Issue 12's figures, measured at 100 m on the 2-core machine before the work on it.
TODAY = {"one": "18.9 s", "all": "29.6 s", "threads": "1.36x", "bytes": "~30",
         "vs_rcost": "~16x", "kernel": "127–151", "iso": "2.75 %"}


def goals(d, res, hub):
    """The table of issue 12's goals from the files scripts/bench left in d for resolution
    res: printed as Markdown and written to d/goals-RES.md and .json."""
    res = int(res)
    all_run = json.load(open(f"{d}/all-{res}/run.json"))
    g = all_run["grid"]
    cells = g["width"] * g["height"]
    nhubs = len(all_run["hubs"])
    one_wall, _ = rss_wall(f"{d}/one-{res}.time")
    all2, all_rss = rss_wall(f"{d}/all2-{res}.time")
    all1, _ = rss_wall(f"{d}/all1-{res}.time")
    onec, onec_rss = rss_wall(f"{d}/onec-{res}.time")
    allc2, _ = rss_wall(f"{d}/allc2-{res}.time")
    onecn, _ = rss_wall(f"{d}/onecn-{res}.time")
    _, one_rss = rss_wall(f"{d}/one-{res}.time")
    mem_src = "peak RSS of the all-hubs run with maps"
    bytes_cell = all_rss * 1024 * 1024 / cells
    if os.path.exists(f"{d}/memory-{res}.tsv"):
        for row in csv.DictReader(open(f"{d}/memory-{res}.tsv"), delimiter="\t"):
            if row["run"] == "all_hubs":
                bytes_cell = float(row["bytes_per_cell"])
                mem_src = "scripts/bench_memory, all hubs --no-maps"
    k = [json.loads(l) for l in open(f"{d}/kernel.out") if l.startswith("{")][-1]
    rc, ic = k.get("rcost_coded_ns", k["rcost_ns"]), k.get("iso_coded_ns", k["iso_ns"])
    cmp_path = f"{d}/grass-{res}.json"
    c = json.load(open(cmp_path)) if os.path.exists(cmp_path) else None
    search_s, hub_s = hub_seconds(f"{d}/rcost-{res}")
    at = "" if res == 100 else " (at 100 m)"
    na = "—"

    def ok(good):
        return "**met**" if good else "not yet"

    def x(v):
        return f"{v:.2f}x" if v < 10 else f"{v:.0f}x"

    rows = [
        ("one hub, whole process, all its own outputs", "≤ 1 s", TODAY["one"] + at,
         f"{one_wall:.2f} s", f"r.cost alone {c['grass_s']:.2f} s; ratio {x(c['grass_s'] / one_wall)}" if c else na,
         ok(one_wall <= 1)),
        ("the same, the model mapped (--model-cache)", "≤ 1 s", na,
         f"{onec:.2f} s, peak RSS {onec_rss:.0f} MB (built: {one_rss:.0f} MB)", na, ok(onec <= 1)),
        ("the same without the maps (--no-maps: the QGIS provider's run)", "(≤ 1 s)", na,
         f"{onecn:.2f} s", na, "within 1 s" if onecn <= 1 else "over 1 s"),
        (f"all {nhubs} hubs, every product and map, 2 threads", "≤ 10 s", TODAY["all"] + at,
         f"{all2:.1f} s", f"r.cost × {nhubs} hubs {c['grass_s'] * nhubs:.0f} s (extrapolated); ratio {x(c['grass_s'] * nhubs / all2)}" if c else na,
         ok(all2 <= 10)),
        ("the same, the model mapped (--model-cache)", "≤ 10 s", na, f"{allc2:.1f} s", na,
         ok(allc2 <= 10)),
        ("speed-up, 1 → 2 threads (all hubs)", "≥ 1.8x", TODAY["threads"] + at,
         f"{x(all1 / all2)} ({all1:.1f} s → {all2:.1f} s)", "1x (single-threaded)",
         ok(all1 / all2 >= 1.8)),
        ("bytes per region cell (peak RSS ÷ grid cells)", "≤ 8", TODAY["bytes"] + at,
         f"{bytes_cell:.1f} ({mem_src}; {cells / 1e6:.1f} M cells)",
         f"r.cost {c['grass_rss_mb'] * 1024 * 1024 / cells:.1f}" if c else na, ok(bytes_cell <= 8)),
        ("search + all of one hub's outputs vs r.cost -k", "≥ 50x", TODAY["vs_rcost"] + at,
         f"{x(c['grass_s'] / hub_s)} ({hub_s:.3f} s; search alone {x(c['grass_s'] / search_s)})" if c else f"{hub_s:.3f} s",
         f"r.cost {c['grass_s']:.2f} s" if c else na, ok(c is not None and c["grass_s"] / hub_s >= 50)),
        # the engine keeps a surface of at most 256 values coded, a byte a cell (the sample's
        # always): the coded kernels are the engine's, the float ones its --friction rasters'
        ("kernel, ns per settled cell (bench_kernel): the r.cost kernel", "≤ 100", TODAY["kernel"],
         f"{rc:.0f} on the coded surface, {k['rcost_ns']:.0f} on floats ({k['cells'] / 1e6:.0f} M "
         f"cells, median of {k['repeats']})",
         f"r.cost -k process {c['grass_s'] * 1e9 / c['cells_grass']:.0f} per cell reached" if c else na,
         ok(max(rc, k["rcost_ns"]) <= 100)),
        # the isotropic kernel came after the issue, whose isotropy goal allows it 1.5 × the
        # kernel time of then (the lower figure, 127 ns, taken): its own row, both targets
        ("the same, the isotropic kernel (the default)", "≤ 1.5 × 127 (isotropy goal); ≤ 100",
         na, f"{ic:.0f} coded, {k['iso_ns']:.0f} on floats ({k['iso_ns'] / k['rcost_ns']:.2f}x the "
         "r.cost kernel)", na,
         ("**met** (≤ 1.5 × 127)" if max(ic, k["iso_ns"]) <= 1.5 * 127 else "not yet (1.5 × 127)") +
         ("; **met** (≤ 100)" if ic <= 100 else "; not yet (≤ 100)")),
        ("isotropy: worst error vs distance ÷ speed", "≤ 1 %", TODAY["iso"],
         f"isotropic {k['iso_err_pct']:.3f} %", f"r.cost -k (= the rcost kernel) {k['rcost_err_pct']:.2f} %",
         ok(k["iso_err_pct"] <= 1)),
    ]
    lines = [f"issue 12 goals at {res} m, {cells / 1e6:.1f} M cells, hub {hub}:", "",
             "| goal | target | today (issue 12) | now | peer: GRASS r.cost -k (ratio: r.cost ÷ isoreach) | |",
             "| --- | --- | --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    if c:
        lines += ["", f"--kernel rcost vs r.cost -k cell by cell: {c['cells_differing']} of "
                  f"{c['cells_both']} cells differ (max {c['max_diff_min']:.4f} min)"]
    text = "\n".join(lines)
    print(text)
    open(f"{d}/goals-{res}.md", "w").write(text + "\n")
    json.dump({"resolution_m": res, "cells": cells, "hubs": nhubs, "one_hub_wall_s": one_wall,
               "all_hubs_wall_s": all2, "all_hubs_1thread_wall_s": all1,
               "one_hub_cached_wall_s": onec, "all_hubs_cached_wall_s": allc2,
               "one_hub_cached_no_maps_wall_s": onecn,
               "bytes_per_cell": bytes_cell, "hub_s": hub_s, "search_s": search_s,
               "kernel": k, "grass": c}, open(f"{d}/goals-{res}.json", "w"), indent=1)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"isoreach": report_isoreach, "seeds": make_seeds, "compare": compare,
     "goals": goals}[cmd](*args)
