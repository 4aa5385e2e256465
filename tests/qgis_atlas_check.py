#!/usr/bin/python3
"""The print layout of OUT/isoreach.qgs (issue 17): an atlas over the run's hubs, exported
headless as QGIS's File → Export Atlas would. Opens the project (Debian's python3-qgis,
offscreen), finds the layout "Hubs atlas" and checks: its coverage layer holds exactly the
run's hubs (run.json); each page's title names its hub (the name, and the English name when
the stations have one); the map follows the page's hub's theme (its own isochrones and
travel time, no other hub's) and is framed on that hub's circle; the legend, scale bar and
credit line are there. Exports the atlas to PNG (one file per hub: N hubs, N files, each
different) and to one PDF (N pages). Exit 1 naming every failure.
Usage: qgis_atlas_check.py OUT EXPORT_DIR"""
import glob
import hashlib
import json
import os
import re
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (QgsApplication, QgsLayoutExporter, QgsLayoutItemLabel,
                       QgsLayoutItemLegend, QgsLayoutItemMap, QgsLayoutItemScaleBar,
                       QgsProject, QgsReadWriteContext)

out, exp = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


app = QgsApplication([], False)
app.initQgis()
project = QgsProject.instance()
check(project.read(os.path.join(out, "isoreach.qgs")), "isoreach.qgs does not open")
run = json.load(open(os.path.join(out, "run.json"), encoding="utf-8"))
hubs = {h["id"]: h["name"] for h in run["hubs"]}
folders = {h["id"]: h["folder"] for h in run["hubs"]}  # as the engine names them (hashed ids too)
id_field = run["options"]["--station-id"]
layout = project.layoutManager().layoutByName("Hubs atlas")
if not check(layout is not None, "no layout 'Hubs atlas' in the project"):
    print("qgis_atlas_check: " + "; ".join(failures), file=sys.stderr)
    sys.exit(1)
atlas = layout.atlas()
check(atlas.enabled(), "the atlas is not enabled")
cov = atlas.coverageLayer()
check(cov is not None and cov.isValid(), "the atlas has no valid coverage layer")
ids = sorted(f[id_field] for f in cov.getFeatures()) if cov else []
check(ids == sorted(hubs), f"coverage layer holds {ids}, the run's hubs are {sorted(hubs)}")
items = layout.items()
maps = [i for i in items if isinstance(i, QgsLayoutItemMap)]
labels = [i for i in items if isinstance(i, QgsLayoutItemLabel)]
check(len(maps) == 1, f"{len(maps)} maps on the page")
check(any(isinstance(i, QgsLayoutItemLegend) for i in items), "no legend")
bars = [i for i in items if isinstance(i, QgsLayoutItemScaleBar)]
if check(bars and maps, "no scale bar"):
    # as written: the map ends above the scale bar and the credits (QGIS fits a map item to
    # the shape of its saved extent on reading)
    bottom = maps[0].pos().y() + maps[0].rect().height()
    check(bottom <= bars[0].pos().y(), f"the map (bottom {bottom} mm) runs under the scale bar")
check(any("Boundaries" in l.text() or "©" in l.text() for l in labels), "no credit line")
check(atlas.beginRender(), "the atlas does not render")
names_en = {f[id_field]: (f["name_en"] if "name_en" in f.fields().names() else None)
            for f in cov.getFeatures()} if cov else {}
extents = []
for i in range(atlas.count()):
    atlas.seekTo(i)
    hid = atlas.layout().reportContext().feature()[id_field]
    texts = [l.currentText() for l in labels]
    want = hubs.get(hid, "?")
    en = names_en.get(hid)
    if en:
        want += " · " + en
    check(want in texts, f"page {i + 1} ({hid}): no title {want!r} among {texts}")
    m = maps[0]
    shown = [l.source() for l in m.layersToRender()]
    folder = folders.get(hid, "?")
    own = [s for s in shown if f"/hubs/{folder}" in s]
    other = [s for s in shown if "/hubs/" in s and f"/hubs/{folder}" not in s]
    check(len(own) == 2 and not other,
          f"page {i + 1} ({hid}): the map shows {own} of its hub and {other} of others")
    # framed on the hub's circle: its travel-time raster lies within the map, and fills a
    # good part of it
    tt = [l for l in m.layersToRender() if l.source().endswith(f"/hubs/{folder}/travel_time.tif")]
    e = m.extent()
    if check(tt, f"page {i + 1}: no travel-time raster"):
        r = tt[0].extent()
        check(e.contains(r), f"page {i + 1}: the circle {r.toString()} is not inside the map {e.toString()}")
        check(r.width() * r.height() > 0.2 * e.width() * e.height(),
              f"page {i + 1}: the circle fills under a fifth of the map (framing too wide)")
    extents.append(e.toString())
atlas.endRender()
check(len(set(extents)) == len(extents), f"pages share a map extent: {extents}")
os.makedirs(exp, exist_ok=True)
ex = QgsLayoutExporter(layout)
img = QgsLayoutExporter.ImageExportSettings()
img.dpi = 60
res, err = QgsLayoutExporter.exportToImage(atlas, os.path.join(exp, "page"), "png", img)
check(res == QgsLayoutExporter.Success, f"atlas PNG export failed: {err}")
pngs = sorted(glob.glob(os.path.join(exp, "*.png")))
check(len(pngs) == len(hubs), f"{len(pngs)} PNG pages for {len(hubs)} hubs: {pngs}")
digests = {hashlib.md5(open(p, "rb").read()).hexdigest() for p in pngs}
check(len(digests) == len(pngs), "two atlas pages are the same picture")
pdf = os.path.join(exp, "atlas.pdf")
res, err = QgsLayoutExporter.exportToPdf(atlas, pdf, QgsLayoutExporter.PdfExportSettings())
check(res == QgsLayoutExporter.Success, f"atlas PDF export failed: {err}")
pages = len(re.findall(rb"/Type\s*/Page[^s]", open(pdf, "rb").read())) if os.path.exists(pdf) else 0
check(pages == len(hubs), f"the PDF has {pages} pages for {len(hubs)} hubs")
if failures:
    print("qgis_atlas_check: " + "; ".join(failures), file=sys.stderr)
    sys.exit(1)
print(f"qgis_atlas_check: {len(hubs)} hubs, {len(pngs)} PNG pages (all different), "
      f"{pages} PDF pages, titles and maps per hub")
