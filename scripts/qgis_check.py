#!/usr/bin/python3
"""Checks a run's QGIS outputs in QGIS itself (Debian's python3-qgis, offscreen, no display):
opens OUT/isoreach.qgs and asserts every layer is valid, styled with isoreach's renderer and
that paths are relative; opens every output on its own and asserts QGIS applied the .qml
sidecar; renders the project (the layers checked in its tree) to OUT/qgis_render.png and
asserts the picture has the band colours. Exit status 1 with a message on any failure.
Usage: QT_QPA_PLATFORM=offscreen scripts/qgis_check.py OUT"""
import glob
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsProject,
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
layers = bands = visible = stations = lyr = None
project.clear()
if failures:
    print("QGIS check failed:\n  " + "\n  ".join(failures), flush=True)
else:
    print(f"QGIS check passed: {n} project layers valid and styled, sidecars applied", flush=True)
# PyQGIS may crash while Python tears down its Qt objects at exit: leave without teardown
os._exit(1 if failures else 0)
