"""isoreach:runhubs — travel time from rail hubs over rail plus local travel, for layers
chosen in QGIS. It calls libisoreach through its Python binding (python/isoreach): the region
is loaded once, the hubs run, and each hub's travel-time raster is loaded styled (its .qml
sidecar) when the algorithm finishes. The engine reads the layers' files itself, with GDAL;
a layer QGIS shows otherwise than its file holds it (filtered, with unsaved edits, joined or
virtual fields, an encoding or CRS set in QGIS, picked from a file of several by its index or
geometry type, or from another provider) is written as QGIS shows it to a temporary
GeoPackage first. The engine's warnings
go to the Processing log."""
import json
import os
import sys
import warnings

from qgis.core import (QgsProcessing, QgsProcessingAlgorithm, QgsProcessingContext,
                       QgsProcessingException, QgsProcessingOutputMultipleLayers,
                       QgsProcessingParameterBoolean, QgsProcessingParameterField,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterFile,
                       QgsProcessingParameterFolderDestination, QgsProcessingFeatureSourceDefinition,
                       QgsProcessingParameterNumber,
                       QgsProcessingParameterString, QgsProcessingParameterVectorLayer,
                       QgsProcessingUtils, QgsRasterLayer, QgsVectorFileWriter, QgsFields)

try:
    import isoreach
except ImportError:  # the binding beside the plugin in the source tree
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
    import isoreach


def default_model_cache():
    """Where the region's rasters are kept between runs unless the user says otherwise: the
    user's cache folder (XDG), as the engine keeps its downloads."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "isoreach", "model")


def _differs_from_file(layer, parts, selected=False):
    """Why the engine, reading the layer's file, would not see what QGIS shows: None when it
    would, else the reason, said in the log beside the temporary copy's name."""
    if selected:
        return f"its {layer.selectedFeatureCount()} selected features only"
    if layer.providerType() != "ogr":
        return f"a {layer.providerType()} layer"
    if layer.subsetString():
        return "filtered: " + layer.subsetString()
    if layer.isModified():  # the engine read the saved file: the edits were left out
        return "its edits not yet saved"
    if layer.vectorJoins():
        return "its joined fields"
    origins = {layer.fields().fieldOrigin(i) for i in range(layer.fields().count())}
    if origins - {QgsFields.OriginProvider}:  # virtual (expression) or joined fields
        return "its virtual fields"
    for p in parts[1:]:  # of the address, only a layer named, or the file's first, is read
        if not (p.startswith("layername=") or p == "layerid=0"):
            return p
    # a shapefile whose encoding is set in QGIS (no .cpg): read by the engine as UTF-8
    path = parts[0]
    enc = layer.dataProvider().encoding() if layer.dataProvider() else ""
    if (path.lower().endswith(".shp") and enc and enc.lower() not in ("utf-8", "system")
            and not os.path.exists(path[:-4] + ".cpg")):
        return f"its encoding as set in QGIS, {enc}"
    own = layer.dataProvider().crs() if layer.dataProvider() else None
    # a CRS set in QGIS (Set CRS: a shapefile without its .prj, or with a wrong one) is what
    # QGIS draws the layer in, and not in the file: the engine read the file's (none: refused;
    # a wrong one: the stations put in another zone, or shifted without a word)
    if own is not None and layer.crs().isValid() and (not own.isValid() or own != layer.crs()):
        return (f"its CRS as set in QGIS, {layer.crs().authid() or layer.crs().description()}, "
                "not the file's")
    return None


def _source(layer, what, context, feedback, copies, selected=False):
    """The file path and layer name the engine reads for a vector layer: the layer's own file
    and layer when QGIS shows it as the file holds it, else (a filter, unsaved edits, joined
    or virtual fields, a layer picked by its index or geometry type in a file of several, an
    encoding or a CRS set in QGIS, another provider) what QGIS shows, written to a temporary
    GeoPackage, so that the engine computes on the features the user sees, where QGIS shows
    them. copies maps each copy's path to the words that name the layer in messages."""
    uri = layer.source()
    parts = uri.split("|")
    name = next((p[len("layername="):] for p in parts[1:] if p.startswith("layername=")), None)
    why = _differs_from_file(layer, parts, selected)
    if why is None and os.path.exists(parts[0]):
        return parts[0], name
    if not layer.isValid():
        raise QgsProcessingException(
            f"{what} layer '{layer.name()}' is not a file isoreach can read ({uri}): save it "
            "as a GeoPackage or shapefile first")
    tmp = QgsProcessingUtils.generateTempFilename(f"{what}.gpkg")
    opts = QgsVectorFileWriter.SaveVectorOptions()
    opts.driverName = "GPKG"
    opts.layerName = what
    opts.onlySelectedFeatures = selected
    err = QgsVectorFileWriter.writeAsVectorFormatV3(layer, tmp, context.transformContext(), opts)
    if err[0] != QgsVectorFileWriter.NoError:
        raise QgsProcessingException(
            f"{what} layer '{layer.name()}': cannot write the features QGIS shows to {tmp} "
            f"({err[1]}); save them as a GeoPackage first")
    n = layer.selectedFeatureCount() if selected else layer.featureCount()
    feedback.pushInfo(f"{what}: the {n} features QGIS shows of "
                      f"'{layer.name()}' ({why or uri}), written to {tmp}")
    copies[tmp] = f"the QGIS layer '{layer.name()}' as shown ({why or uri})"
    return tmp, what


def _said_of_layers(msg, copies):
    """The engine's message with each temporary copy named as the QGIS layer it holds (the
    copy is gone when the user reads it; its feature numbers are the copy's, counted from 1
    in the order QGIS shows the features)."""
    for tmp, words in copies.items():
        for form in (f"'{tmp}' layer '{os.path.basename(tmp)[:-5]}'", f"'{tmp}'", tmp):
            if form in msg:
                msg = msg.replace(form, words + " (its features counted from 1 in the order "
                                  "QGIS lists them)", 1)
                break
    return msg


def _progress(feedback):
    """The engine's steps as the dialog's bar: loading to 20 %, the hubs to 90 %, the region
    products to 100 %."""
    span = {"loading": (0, 20), "hubs": (20, 90), "products": (90, 100)}

    def told(stage, done, total):
        lo, hi = span.get(stage, (None, None))
        if lo is not None and total:
            feedback.setProgress(lo + (hi - lo) * min(done, total) / total)
    return told


class RunHubsAlgorithm(QgsProcessingAlgorithm):
    # (parameter, flag, parent layer, default field): every field flag of the command line,
    # so that data with other field names give their own times (without LINE_MINUTES, a
    # line's timetable minutes in a field named otherwise were not read: times from speed)
    FIELDS = [
        ("STATION_ID", "--station-id", "STATIONS", "id"),
        ("STATION_NAME", "--station-name", "STATIONS", "name"),
        ("HUB_FIELD", "--hub-field", "STATIONS", "hub"),
        ("LINE_NAME", "--line-name", "LINES", "name"),
        ("LINE_SPEED", "--line-speed", "LINES", "speed_kmh"),
        ("LINE_HEADWAY", "--line-headway", "LINES", "headway"),
        ("LINE_HEADWAY_BACK", "--line-headway-back", "LINES", "headway_bk"),
        ("LINE_MINUTES", "--line-minutes", "LINES", "minutes"),
        ("LINE_STOPS", "--line-stops", "LINES", "stops"),
        ("UNIT_ID", "--unit-id", "BOUNDARIES", "code"),
        ("UNIT_NAME", "--unit-name", "BOUNDARIES", "name"),
        ("PREF_FIELD", "--pref-field", "BOUNDARIES", "pref_code"),
        ("PREF_NAME", "--pref-name", "BOUNDARIES", "pref_name"),
        ("PROV_FIELD", "--prov-field", "BOUNDARIES", "prov_code"),
        ("PROV_NAME", "--prov-name", "BOUNDARIES", "prov_name"),
        ("POP_FIELD", "--pop-field", "BOUNDARIES", "pop"),
    ]

    def name(self):
        return "runhubs"

    def displayName(self):  # noqa: N802
        return "Commuting circles of rail hubs"

    def shortHelpString(self):  # noqa: N802
        return ("Door-to-door travel time from each hub by rail (waits, dwell, transfers) plus "
                "local travel, as Cloud-Optimized GeoTIFFs in minutes, with isochrones and "
                "cross-border reach tables (reach.csv) per hub, written to the output folder. "
                "Optional fields left at their defaults may be absent; a field you choose must "
                "exist.")

    def createInstance(self):  # noqa: N802
        return RunHubsAlgorithm()

    def initAlgorithm(self, config=None):  # noqa: N802
        # feature sources: the dialog offers "Selected features only" beside each layer
        self.addParameter(QgsProcessingParameterFeatureSource(
            "BOUNDARIES", "Admin units (polygons)", [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "STATIONS", "Rail stations (points)", [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "LINES", "Rail lines", [QgsProcessing.TypeVectorLine]))
        for param, flag, parent, default in self.FIELDS:
            # no default: left empty, the engine's default field (its name in the label) is
            # used and may be absent; a field chosen here must exist
            self.addParameter(QgsProcessingParameterField(
                param, f"Field for {flag[2:]} (default: {default})", None, parent,
                optional=True))
        self.addParameter(QgsProcessingParameterString(
            "HUBS", "Hub station ids (comma-separated; empty: every station flagged hub)",
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "BUDGET", "Time budget (minutes)", QgsProcessingParameterNumber.Double, 60, False,
            1, 1440))
        self.addParameter(QgsProcessingParameterNumber(
            "RESOLUTION", "Cell size (metres)", QgsProcessingParameterNumber.Double, 250, False,
            10, 100000))
        self.addParameter(QgsProcessingParameterBoolean("LOAD", "Load the rasters", True))
        # the second run over the same layers and settings maps the rasters the first one
        # built (the engine's --model-cache; the folder is kept under 10 GB, least recently
        # used first): another hub of the same region then takes a second, not the load
        self.addParameter(QgsProcessingParameterBoolean(
            "CACHE_MODEL", "Keep the region's rasters for later runs (model cache)", True))
        self.addParameter(QgsProcessingParameterFile(
            "MODEL_CACHE", "Model cache folder", QgsProcessingParameterFile.Folder,
            defaultValue=default_model_cache(), optional=True))
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", "Output folder"))
        self.addOutput(QgsProcessingOutputMultipleLayers("RASTERS", "Travel-time rasters"))

    def _layer(self, parameters, param, context):
        """The layer of a feature source parameter, and whether only its selection is asked
        for ("Selected features only": a source definition, which parameterAsVectorLayer
        does not resolve)."""
        given = parameters.get(param)
        if isinstance(given, QgsProcessingFeatureSourceDefinition):
            name = given.source.valueAsString(context.expressionContext())[0]
            return QgsProcessingUtils.mapLayerFromString(name, context), given.selectedFeaturesOnly
        return self.parameterAsVectorLayer(parameters, param, context), False

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        args = []
        copies = {}
        for param, what in (("BOUNDARIES", "boundaries"), ("STATIONS", "stations"),
                            ("LINES", "lines")):
            layer, selected = self._layer(parameters, param, context)
            path, lname = _source(layer, what, context, feedback, copies, selected)
            args += [f"--{what}", path] + ([f"--{what}-layer", lname] if lname else [])
        for param, flag, _parent, _default in self.FIELDS:
            field = self.parameterAsString(parameters, param, context)
            if field:
                args += [flag, field]
        args += ["--budget", str(self.parameterAsDouble(parameters, "BUDGET", context)),
                 "--resolution", str(self.parameterAsDouble(parameters, "RESOLUTION", context))]
        cache = self.parameterAsFile(parameters, "MODEL_CACHE", context) or default_model_cache()
        if self.parameterAsBool(parameters, "CACHE_MODEL", context):
            args += ["--model-cache", cache]
        hubs = self.parameterAsString(parameters, "HUBS", context) or None
        if hubs:
            args += ["--hubs", hubs]
        else:  # said in the dialog's words (the engine's message names --hub-field)
            st = self._layer(parameters, "STATIONS", context)[0]
            flag = self.parameterAsString(parameters, "HUB_FIELD", context) or "hub"
            if st.fields().indexOf(flag) < 0:
                raise QgsProcessingException(
                    f"Hub station ids is empty, and the stations layer '{st.name()}' has no "
                    f"field '{flag}' (non-zero for a hub) to find the hubs by: choose the "
                    "field for hub-field, or type the ids of the hub stations, "
                    "comma-separated, in 'Hub station ids'")
        out = self.parameterAsString(parameters, "OUTPUT", context)
        feedback.pushInfo("isoreach " + isoreach.version() + ": " + " ".join(args))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", isoreach.Warning)  # said below, in the log
                # Cancel in the dialog stops the engine (the run went on to its end, returning
                # OK); the steps' progress moves the dialog's bar
                with isoreach.Model(args, no_maps=True, cancelled=feedback.isCanceled,
                                    on_progress=_progress(feedback)) as model:
                    model.run_hubs(hubs, out)  # the data, then its styles (libisoreach_publish)
                    said = list(model.warnings)
        except isoreach.Error as e:
            if feedback.isCanceled():
                raise QgsProcessingException("cancelled: " + str(e))
            raise QgsProcessingException(_said_of_layers(str(e), copies))
        for w in said:  # what the command line prints: a result they qualify may be wrong
            feedback.pushWarning("isoreach: " + w)
        # this run's hubs (run.json), not every folder an earlier run left in hubs/
        with open(os.path.join(out, "run.json"), encoding="utf-8") as f:
            folders = [h["folder"] for h in json.load(f)["hubs"]]
        rasters = sorted(os.path.join(out, "hubs", d, "travel_time.tif") for d in folders)
        if self.parameterAsBool(parameters, "LOAD", context):
            for path in rasters:
                hub = os.path.basename(os.path.dirname(path))
                layer = QgsRasterLayer(path, f"Travel time from {hub}")  # its .qml applies
                context.temporaryLayerStore().addMapLayer(layer)
                context.addLayerToLoadOnCompletion(
                    layer.id(), QgsProcessingContext.LayerDetails(
                        layer.name(), context.project(), "RASTERS"))
        return {"OUTPUT": out, "RASTERS": rasters}
