#!/usr/bin/python3
"""Checks a run's QGIS outputs in QGIS itself (Debian's python3-qgis, offscreen, no display):
opens OUT/isoreach.qgs and asserts every layer is valid, styled with isoreach's renderer and
that paths are relative; that the project CRS and every layer's CRS are valid and that the
layers overlap once in the project CRS; that the hub labels name a field of the stations
layer and pick out the run's hubs; opens every output on its own and asserts QGIS applied
the .qml sidecar; renders the first hub's travel-time raster alone and asserts it draws
pixels; renders the project (the layers checked in its tree) to OUT/qgis_render.png and
asserts the picture has the band colours. Exit status 1 with a message on any failure.
Usage: QT_QPA_PLATFORM=offscreen scripts/qgis_check.py OUT"""
import glob
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
import json

from qgis.core import (QgsApplication, QgsCoordinateTransform, QgsExpression,
                       QgsFeatureRequest, QgsMapRendererParallelJob, QgsMapSettings, QgsProject,
                       QgsRasterLayer, QgsRectangle, QgsVectorLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "out")
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


app = QgsApplication([], False)
app.initQgis()
project = QgsProject.instance()
check(project.read(os.path.join(out, "isoreach.qgs")), "isoreach.qgs does not open")
layers = project.mapLayers().values()
check(len(layers) >= 10, f"only {len(layers)} layers in the project")
want = {"Rail stations": "singleSymbol", "Rail lines": "singleSymbol", "Provinces": "singleSymbol",
        "Counties": "singleSymbol", "Share of people reached by any hub": "graduatedSymbol",
        "Time to the nearest hub": "singlebandpseudocolor", "Nearest hub": "paletted",
        "Hubs within reach": "singlebandpseudocolor"}
for lyr in layers:
    name = lyr.name()
    check(lyr.isValid(), f"layer '{name}' is not valid ({lyr.source()})")
    kind = lyr.renderer().type() if lyr.renderer() else None
    if name.endswith(" isochrones"):
        check(kind == "RuleRenderer", f"'{name}': renderer {kind}")
    elif name.endswith(" travel time"):
        check(kind == "singlebandpseudocolor", f"'{name}': renderer {kind}")
    elif name in want:
        check(kind == want[name], f"'{name}': renderer {kind}, expected {want[name]}")
stations = project.mapLayersByName("Rail stations")
check(stations and stations[0].labelsEnabled(), "hub labels are not enabled")

# CRSs: QGIS 3.22 leaves a project without ProjectionsEnabled, or a layer without <srs>,
# with an invalid CRS, and then rasters and vectors do not overlay
pcrs = project.crs()
check(pcrs.isValid(), "the project CRS is not valid")
for lyr in layers:
    check(lyr.crs().isValid(), f"layer '{lyr.name()}' has no valid CRS")
hub_ids = [h["id"] for h in json.load(open(os.path.join(out, "run.json"), encoding="utf-8"))["hubs"]]
# every layer overlaps the counties (the region): a layer in a wrong CRS lands elsewhere. Not
# the first hub's raster: other hubs' circles need not touch it (a valid project failed)
counties = project.mapLayersByName("Counties")
first_time = [l for l in layers if l.name().endswith(" travel time")]
base = counties[0] if counties else first_time[0] if first_time else None
if pcrs.isValid() and base:
    ref = QgsCoordinateTransform(base.crs(), pcrs, project).transformBoundingBox(base.extent())
    for lyr in layers:
        if not lyr.crs().isValid():
            continue
        e = QgsCoordinateTransform(lyr.crs(), pcrs, project).transformBoundingBox(lyr.extent())
        check(e.intersects(ref), f"layer '{lyr.name()}' does not overlap '{base.name()}' in "
                                 f"the project CRS ({e.toString(0)} vs {ref.toString(0)})")

# hub labels: a field the stations layer has, a filter that picks out the run's hubs
if stations:
    st = stations[0]
    rule = st.labeling().rootRule().children()[0] if st.labeling() else None
    field = rule.settings().fieldName if rule else None
    check(field in st.fields().names(), f"hub labels use field '{field}', which the stations "
                                        f"layer lacks (fields: {st.fields().names()})")
    if rule:
        n = sum(1 for _ in st.getFeatures(QgsFeatureRequest(QgsExpression(rule.filterExpression()))))
        check(n == len(hub_ids), f"the hub label filter picks {n} stations, not the "
                                 f"{len(hub_ids)} hubs of the run")
text = open(os.path.join(out, "isoreach.qgs"), encoding="utf-8").read()
check(out not in text, "the project holds absolute paths")

# every output opened on its own picks up its .qml sidecar
for qml in glob.glob(os.path.join(out, "**", "*.qml"), recursive=True):
    base = qml[:-4]
    data = base + ".tif" if os.path.exists(base + ".tif") else base + ".geojson"
    lyr = QgsRasterLayer(data, "x") if data.endswith(".tif") else QgsVectorLayer(data, "x", "ogr")
    check(lyr.isValid(), f"{data} does not open in QGIS")
    if data.endswith(".tif"):
        check(lyr.renderer().type() in ("singlebandpseudocolor", "paletted"),
              f"{data}: sidecar not applied ({lyr.renderer().type()})")
    else:
        lyr.loadDefaultStyle()
        check(lyr.renderer().type() != "singleSymbol" or "rail" in data or "provinces" in data,
              f"{data}: sidecar not applied ({lyr.renderer().type()})")


def render(layers_, extent, size=400):
    settings = QgsMapSettings()
    settings.setLayers(layers_)
    settings.setDestinationCrs(project.crs())
    settings.setExtent(extent)
    settings.setOutputSize(QSize(size, size))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage(), settings


# the first hub's travel time, alone, in the project CRS: it must draw pixels (not nodata,
# not off-canvas) over a share of its extent like the share of its cells with a value
tif = os.path.join(out, "hubs", hub_ids[0], "travel_time.tif") if hub_ids else None
if tif and project.crs().isValid():
    rl = QgsRasterLayer(tif, "time")
    check(rl.isValid() and rl.crs().isValid(), f"{tif} does not open with a valid CRS")
    prov = rl.dataProvider()
    block = prov.block(1, rl.extent(), rl.width(), rl.height())
    valid = sum(1 for y in range(rl.height()) for x in range(rl.width())
                if not block.isNoData(y, x))
    share = valid / float(rl.width() * rl.height())
    ext = QgsCoordinateTransform(rl.crs(), project.crs(), project).transformBoundingBox(rl.extent())
    img, ms = render([rl], ext)
    # only the pixels inside the raster's extent count
    tl = ms.mapToPixel().transform(ext.xMinimum(), ext.yMaximum())
    br = ms.mapToPixel().transform(ext.xMaximum(), ext.yMinimum())
    x0, y0 = max(0, int(tl.x())), max(0, int(tl.y()))
    x1, y1 = min(img.width(), int(br.x())), min(img.height(), int(br.y()))
    drawn = total = 0
    for y in range(y0, y1):
        for x in range(x0, x1):
            total += 1
            drawn += QColor(img.pixel(x, y)).rgb() & 0xFFFFFF != 0xFFFFFF
    got = drawn / float(total or 1)
    check(share > 0 and got > 0.5 * share,
          f"{tif}: the render draws {got:.1%} of its extent, but {share:.1%} of its cells "
          f"have a time")
    print(f"travel time render: {got:.1%} of the extent drawn, {share:.1%} of cells valid")

# render what the project shows at start (checked layers), framed on the first hub's bands
root = project.layerTreeRoot()
missing = [n.layerId() for n in root.findLayers() if n.layer() is None]
check(not missing, f"tree entries without a layer: {missing}")
visible = [n.layer() for n in root.findLayers() if n.isVisible() and n.layer()]
bands = [l for l in visible if l.name().endswith(" isochrones")]
check(len(bands) == 1, f"{len(bands)} hubs visible at start, expected only the first")
if bands and not failures:
    settings = QgsMapSettings()
    settings.setLayers(visible)
    settings.setDestinationCrs(project.crs())
    ext = settings.layerToMapCoordinates(bands[0], bands[0].extent())
    ext.scale(1.3)
    settings.setExtent(ext)
    settings.setOutputSize(QSize(1200, 900))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    png = os.path.join(out, "qgis_render.png")
    img.save(png)
    # the fastest band's colour (#253494 at 60 % over white) must be on the picture
    hits = 0
    for y in range(0, img.height(), 4):
        for x in range(0, img.width(), 4):
            c = QColor(img.pixel(x, y))
            if c.blue() > c.red() + 40 and c.blue() > c.green() + 20:
                hits += 1
    check(hits > 50, f"the render shows no band colours ({hits} bluish samples)")
    print(f"rendered {png} ({hits} band-coloured samples)")

n = len(layers)
layers = bands = visible = stations = lyr = first_time = st = rule = rl = prov = None
project.clear()
if failures:
    print("QGIS check failed:\n  " + "\n  ".join(failures), flush=True)
else:
    print(f"QGIS check passed: {n} project layers valid and styled, sidecars applied", flush=True)
# PyQGIS may crash while Python tears down its Qt objects at exit: leave without teardown
os._exit(1 if failures else 0)
