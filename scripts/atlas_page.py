#!/usr/bin/python3
"""One page of the "Hubs atlas" print layout of OUT/isoreach.qgs as a PNG, for the README
(issue 17). Opens the project in Debian's python3-qgis, offscreen, seeks the atlas to the
hub's page and exports it as QGIS's Export Atlas would (tests/qgis_atlas_check.py exports
them all). scripts/make_doc_images calls it and shrinks the page into docs/img/.

Usage: scripts/atlas_page.py OUT HUB_ID PNG [DPI]     (DPI default 100: an A4 page of
       1169 × 827 px)
Exit 1 naming the problem: no project, no layout, no atlas page for the hub, export failed."""
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from osgeo import gdal  # noqa: E402
from qgis.core import QgsApplication, QgsLayoutExporter, QgsProject  # noqa: E402


def fail(msg):
    sys.exit(f"atlas_page: {msg}")


def main():
    if len(sys.argv) not in (4, 5):
        fail("usage: atlas_page.py OUT HUB_ID PNG [DPI]")
    out, hub, png = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    dpi = float(sys.argv[4]) if len(sys.argv) == 5 else 100.0
    qgs = os.path.join(out, "isoreach.qgs")
    if not os.path.isfile(qgs):
        fail(f"'{qgs}' does not exist: is '{out}' a finished isoreach run?")
    app = QgsApplication([], False)
    app.initQgis()
    try:
        project = QgsProject.instance()
        if not project.read(qgs):
            fail(f"'{qgs}' does not open in QGIS: {project.error()}")
        id_field = json.load(open(os.path.join(out, "run.json"), encoding="utf-8"))["options"]["--station-id"]
        layout = project.layoutManager().layoutByName("Hubs atlas")
        if layout is None:
            fail(f"'{qgs}' has no print layout 'Hubs atlas'")
        atlas = layout.atlas()
        if not atlas.enabled() or not atlas.beginRender():
            fail(f"the atlas of 'Hubs atlas' in '{qgs}' does not render")
        page = None
        for i in range(atlas.count()):
            atlas.seekTo(i)
            if str(layout.reportContext().feature()[id_field]) == hub:
                page = i
                break
        if page is None:
            atlas.endRender()
            fail(f"no atlas page for hub '{hub}' (field '{id_field}') in '{qgs}': is it one of the run's hubs?")
        settings = QgsLayoutExporter.ImageExportSettings()
        settings.dpi = dpi
        tmp = os.path.join(os.path.dirname(png), "." + os.path.basename(png) + ".part.png")
        # QGIS then georeferences the image through GDAL, whose PNG driver cannot update a
        # file: keep its "ERROR 6" off the terminal (the export's own result is checked)
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        res = QgsLayoutExporter(layout).exportToImage(tmp, settings)
        gdal.PopErrorHandler()
        atlas.endRender()
        if res != QgsLayoutExporter.Success:
            fail(f"exporting the page of '{hub}' to '{png}' failed (QGIS code {res})")
        os.replace(tmp, png)
        print(f"{png}: atlas page {page + 1} of {atlas.count()} ({hub}) at {dpi:g} dpi")
    finally:
        app.exitQgis()


if __name__ == "__main__":
    main()
