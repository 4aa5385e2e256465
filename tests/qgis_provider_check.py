"""The QGIS Processing provider (qgis/isoreach_processing) in headless QGIS: loads the plugin
folder, registers its provider, runs isoreach:runhubs on the sample's layers for one hub and
checks the results as QGIS sees them: the raster loads valid with a valid CRS and its .qml
style, holds 0 minutes at the hub station and the rail time at another station, and is
handed to the project to load. A second run for another hub maps the model the first one
built in the default model cache (under XDG_CACHE_HOME), with the rasters of a run without
it; with CACHE_MODEL false it builds again. Exit status 1 with a message on any failure."""
import csv
import filecmp
import json
import os
import shutil
import sys
import tempfile

xdg = tempfile.mkdtemp(prefix="isr-qgisprov-xdg-")
os.environ["XDG_CACHE_HOME"] = xdg  # the provider's default model cache, not the user's

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
src = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(src, "qgis"))
sys.path.insert(0, "/usr/share/qgis/python/plugins")

from qgis.core import (QgsApplication, QgsCoordinateTransform, QgsProcessingContext,  # noqa: E402
                       QgsProcessingFeedback, QgsProject, QgsRasterLayer, QgsVectorLayer)

app = QgsApplication([], False)
app.initQgis()
from processing.core.Processing import Processing  # noqa: E402

Processing.initialize()
import isoreach_processing  # noqa: E402


class Iface:
    pass


plugin = isoreach_processing.classFactory(Iface())
plugin.initProcessing()
alg = QgsApplication.processingRegistry().algorithmById("isoreach:runhubs")
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


def cache_hit(out):
    with open(os.path.join(out, "run.json"), encoding="utf-8") as fh:
        return json.load(fh)["inputs"].get("model_cache", {}).get("hit")


check(alg is not None, "isoreach:runhubs is not registered")
sample = os.path.join(src, "shapefiles")
hub, other = "shanghai_hongqiao", "kunshan_south"
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "o")
    import processing  # noqa: E402

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    res = processing.run("isoreach:runhubs", {
        "BOUNDARIES": os.path.join(sample, "yrd_counties.shp"),
        "STATIONS": os.path.join(sample, "yrd_rail_stations.shp"),
        "LINES": os.path.join(sample, "yrd_rail_lines.shp"),
        "HUBS": hub, "BUDGET": 60, "RESOLUTION": 4000, "LOAD": True, "OUTPUT": out,
    }, context=context, feedback=QgsProcessingFeedback())
    rasters = res["RASTERS"]
    check(cache_hit(out) is False, "the first run did not build the default model cache")
    check(rasters == [os.path.join(out, "hubs", hub, "travel_time.tif")], f"rasters {rasters}")
    check(len(context.layersToLoadOnCompletion()) == 1, "the raster is not handed to the project")
    r = QgsRasterLayer(rasters[0], "t")
    check(r.isValid() and r.crs().isValid(), "the raster or its CRS is not valid in QGIS")
    check(r.renderer() is not None and r.renderer().type() == "singlebandpseudocolor",
          f"the .qml style was not applied ({r.renderer().type() if r.renderer() else None})")
    st = QgsVectorLayer(os.path.join(sample, "yrd_rail_stations.shp"), "s", "ogr")
    ct = QgsCoordinateTransform(st.crs(), r.crs(), QgsProject.instance())
    with open(os.path.join(out, "hubs", hub, "stations.csv"), encoding="utf-8-sig") as fh:
        rows = {row["station_id"]: row for row in csv.DictReader(fh)}
    for f in st.getFeatures():
        sid = f["id"]
        if sid not in (hub, other):
            continue
        p = ct.transform(f.geometry().asPoint())
        v, ok = r.dataProvider().sample(p, 1)
        want = 0.0 if sid == hub else float(rows[sid]["door_minutes"])
        check(ok and abs(v - want) < 1e-3, f"{sid}: raster {v} (ok {ok}), expected {want}")
        if sid == other:
            check(0 < v <= 60, f"{sid}: {v} minutes")


with tempfile.TemporaryDirectory() as tmp:
    base = {
        "BOUNDARIES": os.path.join(sample, "yrd_counties.shp"),
        "STATIONS": os.path.join(sample, "yrd_rail_stations.shp"),
        "LINES": os.path.join(sample, "yrd_rail_lines.shp"),
        "BUDGET": 60, "RESOLUTION": 4000, "LOAD": False,
    }
    runs = {}
    for name, hubs, keep in (("second", other, True), ("none", other, False)):
        params = dict(base, HUBS=hubs, OUTPUT=os.path.join(tmp, name), CACHE_MODEL=keep)
        processing.run("isoreach:runhubs", params, context=QgsProcessingContext(),
                       feedback=QgsProcessingFeedback())
        runs[name] = os.path.join(tmp, name)
    # one model, and the record of its whole check beside it (engine/modelcache.c)
    models = sorted(os.listdir(os.path.join(xdg, "isoreach", "model")))
    check(len(models) == 2 and models[0].endswith(".isrmodel")
          and models[1] == models[0] + ".checked",
          f"the default model cache holds {models}")
    check(cache_hit(runs["second"]) is True, "the second run did not map the model cache")
    check(cache_hit(runs["none"]) is None, "CACHE_MODEL false still used a cache")
    t = os.path.join("hubs", other, "travel_time.tif")
    check(filecmp.cmp(os.path.join(runs["second"], t), os.path.join(runs["none"], t),
                      shallow=False), "the mapped model gave another raster")

class Said(QgsProcessingFeedback):
    """A feedback that keeps the warnings pushed to the Processing log."""

    def __init__(self):
        super().__init__()
        self.warnings = []

    def pushWarning(self, text):  # noqa: N802
        self.warnings.append(text)
        super().pushWarning(text)


# A layer QGIS shows filtered (Shanghai's 16 districts of the sample's 306 counties) is what
# the engine computes on: the provider passed the file, and the run counted every county.
# The engine's warnings reach the Processing log (the stations outside those districts). A
# second run into the same folder returns its own hub's raster, not the first run's too.
with tempfile.TemporaryDirectory() as tmp:
    counties = QgsVectorLayer(os.path.join(sample, "yrd_counties.shp"), "counties", "ogr")
    counties.setSubsetString("\"prov_code\" = '310000'")
    check(counties.featureCount() == 16, f"the filter shows {counties.featureCount()} counties")
    out = os.path.join(tmp, "f")
    said = Said()
    lines = {"STATIONS": os.path.join(sample, "yrd_rail_stations.shp"),
             "LINES": os.path.join(sample, "yrd_rail_lines.shp"), "BUDGET": 60,
             "RESOLUTION": 4000, "LOAD": False, "CACHE_MODEL": False, "OUTPUT": out}
    processing.run("isoreach:runhubs", dict(lines, BOUNDARIES=os.path.join(sample, "yrd_counties.shp"),
                                            HUBS="kunshan_south"),
                   context=QgsProcessingContext(), feedback=QgsProcessingFeedback())
    res = processing.run("isoreach:runhubs", dict(lines, BOUNDARIES=counties, HUBS=hub),
                         context=QgsProcessingContext(), feedback=said)
    with open(os.path.join(out, "hubs", hub, "reach.csv"), encoding="utf-8-sig") as fh:
        codes = {row["code"] for row in csv.DictReader(fh) if row["level"] == "county"}
    check(codes and all(c.startswith("31") for c in codes),
          f"the filtered layer's run counted counties QGIS does not show: {sorted(codes)[:5]}")
    check(any("outside every boundary polygon" in w for w in said.warnings),
          f"the engine's warnings did not reach the log: {said.warnings}")
    check(res["RASTERS"] == [os.path.join(out, "hubs", hub, "travel_time.tif")],
          f"the second run returned {res['RASTERS']}")
# stations in a shapefile without its .prj, their CRS set in QGIS (Set CRS): what QGIS shows
# is what the engine reads (it read the file: "has no CRS ... assign one", which the user
# had done in QGIS); the hub's times are those of the sample's own stations
with tempfile.TemporaryDirectory() as tmp:
    for ext in ("shp", "shx", "dbf", "cpg"):
        if os.path.exists(os.path.join(sample, "yrd_rail_stations." + ext)):
            shutil.copy(os.path.join(sample, "yrd_rail_stations." + ext),
                        os.path.join(tmp, "st." + ext))
    noprj = QgsVectorLayer(os.path.join(tmp, "st.shp"), "stations", "ogr")
    check(not noprj.dataProvider().crs().isValid(), "the copy without .prj has a CRS")
    from qgis.core import QgsCoordinateReferenceSystem  # noqa: E402
    noprj.setCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    said = Said()
    out = os.path.join(tmp, "p")
    processing.run("isoreach:runhubs", dict(lines, BOUNDARIES=os.path.join(sample, "yrd_counties.shp"),
                                            STATIONS=noprj, HUBS=hub, OUTPUT=out),
                   context=QgsProcessingContext(), feedback=said)
    with open(os.path.join(out, "hubs", hub, "stations.csv"), encoding="utf-8-sig") as fh:
        prj_rows = {r["station_id"]: r["rail_minutes"] for r in csv.DictReader(fh)}
    check(len(prj_rows) > 50 and prj_rows.get(hub) == "0.000",
          f"stations with their CRS set in QGIS: {list(prj_rows.items())[:3]}")
# stations without a field 'hub' and no hub ids: the message says what to do in the dialog
# (the engine's named --hub-field, which the dialog does not have)
with tempfile.TemporaryDirectory() as tmp:
    nohub = QgsVectorLayer(os.path.join(sample, "yrd_rail_stations.shp"), "stations", "ogr")
    nohub.setSubsetString("\"hub\" = 0")  # a filter does not drop the field: write it out
    path = os.path.join(tmp, "st.gpkg")
    from qgis.core import QgsVectorFileWriter  # noqa: E402
    opts = QgsVectorFileWriter.SaveVectorOptions()
    opts.driverName = "GPKG"
    opts.attributes = [i for i, f in enumerate(nohub.fields()) if f.name() != "hub"]
    QgsVectorFileWriter.writeAsVectorFormatV3(nohub, path, QgsProject.instance().transformContext(),
                                             opts)
    try:
        processing.run("isoreach:runhubs", dict(lines, BOUNDARIES=os.path.join(sample, "yrd_counties.shp"),
                                                STATIONS=path, OUTPUT=os.path.join(tmp, "o")),
                       context=QgsProcessingContext(), feedback=QgsProcessingFeedback())
        failures.append("stations without a hub field and no hub ids were accepted")
    except Exception as e:  # noqa: BLE001 (QgsProcessingException)
        check("type the ids of the hub stations, comma-separated, in 'Hub station ids'" in str(e),
              f"no-hub message: {e}")
# What QGIS shows, not what the file holds: a county's population edited and not saved is
# the one counted (the engine read the saved file: the edit was left out, with no word), and
# the dialog's bar moves with the engine's steps
with tempfile.TemporaryDirectory() as tmp:
    ed = QgsVectorLayer(os.path.join(sample, "yrd_counties.shp"), "counties", "ogr")
    k = ed.fields().indexOf("pop")
    target = next(f for f in ed.getFeatures() if f["code"] == "310101")
    check(ed.startEditing() and ed.changeAttributeValue(target.id(), k, 999999),
          "cannot edit the counties in QGIS")
    said = Said()
    processing.run("isoreach:runhubs", dict(lines, BOUNDARIES=ed, HUBS=hub,
                                            OUTPUT=os.path.join(tmp, "e")),
                   context=QgsProcessingContext(), feedback=said)
    ed.rollBack()  # the sample's file is never written
    with open(os.path.join(tmp, "e", "hubs", hub, "reach.csv"), encoding="utf-8-sig") as fh:
        pops = {r["code"]: r["population"] for r in csv.DictReader(fh) if r["level"] == "county"}
    check(pops.get("310101") == "999999",
          f"the unsaved edit was not counted: 310101 has {pops.get('310101')} people")
    check(said.progress() == 100, f"the dialog's bar ended at {said.progress()} %")
# "Selected features only": Shanghai's 16 districts selected, the rest of the layer not
# counted (the selection was ignored, and a source definition of it refused)
with tempfile.TemporaryDirectory() as tmp:
    from qgis.core import QgsProcessingFeatureSourceDefinition  # noqa: E402
    sel = QgsVectorLayer(os.path.join(sample, "yrd_counties.shp"), "counties", "ogr")
    QgsProject.instance().addMapLayer(sel)
    sel.selectByExpression("\"prov_code\" = '310000'")
    check(sel.selectedFeatureCount() == 16, f"{sel.selectedFeatureCount()} selected")
    in_project = QgsProcessingContext()
    in_project.setProject(QgsProject.instance())
    processing.run("isoreach:runhubs", dict(lines, BOUNDARIES=QgsProcessingFeatureSourceDefinition(
        sel.id(), True), HUBS=hub, OUTPUT=os.path.join(tmp, "s")),
        context=in_project, feedback=QgsProcessingFeedback())
    with open(os.path.join(tmp, "s", "hubs", hub, "reach.csv"), encoding="utf-8-sig") as fh:
        codes = {r["code"] for r in csv.DictReader(fh) if r["level"] == "county"}
    check(codes and all(c.startswith("31") for c in codes),
          f"the selection's run counted counties not selected: {sorted(codes)[-3:]}")
    QgsProject.instance().removeMapLayer(sel.id())
# Cancel in the dialog stops the engine: it went on to the end and returned OK (every hub at
# 1000 m takes seconds; cancelled after 0.3 s, no run.json is written)
import threading  # noqa: E402
with tempfile.TemporaryDirectory() as tmp:
    fb = QgsProcessingFeedback()
    timer = threading.Timer(0.3, fb.cancel)
    timer.start()
    try:
        processing.run("isoreach:runhubs", dict(lines, BOUNDARIES=os.path.join(sample, "yrd_counties.shp"),
                                                RESOLUTION=1000, OUTPUT=os.path.join(tmp, "c")),
                       context=QgsProcessingContext(), feedback=fb)
        failures.append("a run cancelled after 0.3 s returned as done")
    except Exception as e:  # noqa: BLE001 (QgsProcessingException)
        check("cancelled: interrupted" in str(e), f"cancelled run: {e}")
    timer.join()
    check(not os.path.exists(os.path.join(tmp, "c", "run.json")), "the cancelled run ran on")
# Region 2 (tests/region2: German field names, timetable minutes, calls, back headways):
# every field chosen in the dialog, the hubs by their is_hub flag. Wien Hbf to Bratislava
# hl. st. by REX 8 is 15 wait + 35 + 2 dwell + 25 = 77 min from its 'fahrzeit' field (the
# dialog had no parameter for it: 47.5 min, from the line's speed, with no warning).
with tempfile.TemporaryDirectory() as tmp:
    r2 = os.path.join(src, "tests", "region2")
    out = os.path.join(tmp, "r2")
    processing.run("isoreach:runhubs", {
        "BOUNDARIES": os.path.join(r2, "grenzen.gpkg") + "|layername=bezirke",
        "STATIONS": os.path.join(r2, "bahnhoefe.geojson"),
        "LINES": os.path.join(r2, "strecken.gpkg"),
        "UNIT_ID": "bezirk_id", "UNIT_NAME": "bezirk", "PREF_FIELD": "region_id",
        "PREF_NAME": "region", "PROV_FIELD": "land_id", "PROV_NAME": "land",
        "POP_FIELD": "einwohner", "STATION_ID": "station_code", "STATION_NAME": "station_label",
        "HUB_FIELD": "is_hub", "LINE_NAME": "line_label", "LINE_SPEED": "vmax_kmh",
        "LINE_HEADWAY": "takt_min", "LINE_HEADWAY_BACK": "takt_rueck",
        "LINE_MINUTES": "fahrzeit", "LINE_STOPS": "halte",
        "BUDGET": 90, "RESOLUTION": 4000, "LOAD": False, "CACHE_MODEL": False, "OUTPUT": out,
    }, context=QgsProcessingContext(), feedback=QgsProcessingFeedback())
    with open(os.path.join(out, "hubs", "wien_hbf", "stations.csv"), encoding="utf-8-sig") as fh:
        rows = {row["station_id"]: row for row in csv.DictReader(fh)}
    got = float(rows["bratislava_hlst"]["rail_minutes"])
    check(abs(got - 77.0) < 1e-6, f"region 2: Wien to Bratislava {got} min, expected 77")
    with open(os.path.join(out, "run.json"), encoding="utf-8") as fh:
        hubs = sorted(h["id"] for h in json.load(fh)["hubs"])
    check(hubs == ["bratislava_hlst", "brno_hln", "wien_hbf"], f"region 2 hubs {hubs}")
shutil.rmtree(xdg, ignore_errors=True)
if failures:
    print("qgis_provider_check: " + "; ".join(failures), file=sys.stderr)
    sys.exit(1)
print("qgis_provider_check: provider ran one hub; hub 0 min, station times as stations.csv; "
      "a second run mapped the default model cache")
