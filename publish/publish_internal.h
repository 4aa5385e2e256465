/*
 * publish_internal.h — libisoreach_publish's modules as seen by each other and by the
 * white-box tests: the QGIS styles (styles.c), the band palette (palette.c), the web map
 * (webmap.c) and the maps (maps.c, map_*.c: map_internal.h), run by publish.c
 * (isr_publish). Not installed; clients see include/isoreach_publish.h.
 *
 * Publication reads the products of a finished run in its output folder — OUT/run.json,
 * OUT/region/…, OUT/hubs/<folder>/… — and never the run's memory: it can be redone, alone,
 * on any finished output folder. It uses the core's internals (engine/internal.h) that are
 * marked ISR_INTERNAL, which libisoreach.so exports for it.
 */
#ifndef ISR_PUBLISH_INTERNAL_H
#define ISR_PUBLISH_INTERNAL_H

#include "internal.h"
#include "isoreach_publish.h"

/* ---- palette.c ------------------------------------------------------------------------ */

/* The band colour k of n (dark blue fast → pale yellow slow), shared by every output. */
void isr_band_color(int k, int n, unsigned char rgb[3]);

/* The credit of a run's water input (run.json "inputs"."water"; NULL or "": none) into buf:
 * "GSHHG (Wessel & Smith, LGPL)" for the embedded sample's water, else the file's name; ""
 * when the run had no water. Returns buf. */
const char *isr_water_credit(const char *water, char *buf, size_t n);

/* ---- styles.c ------------------------------------------------------------------------- */

typedef struct isr_style_inputs {
    const char *out;          /* the output folder */
    const char *wkt;          /* analysis CRS */
    double bands[ISR_MAX_BANDS]; /* band limits, minutes */
    int nbands;
    int nhubs;
    const char *const *hub_ids, *const *hub_names;
    /* the stations' id and name fields, as in OUT/region/rail_stations.geojson */
    const char *station_id_field, *station_name_field;
    int direction_to; /* the run's --direction is to: "time to the nearest hub" */
} isr_style_inputs;

/* The style inputs of the run in `out`, read from OUT/run.json: "grid"."crs_wkt",
 * "parameters"."bands_min" and "direction", "hubs" (id, name) and "options" ("--station-id",
 * "--station-name"). *in borrows its strings from *json: when it succeeds, the caller calls
 * isr_style_inputs_clear(in), then json_object_put(*json). Fails naming run.json and the
 * missing key, and what to do (*json NULL, *in cleared). */
isr_status isr_style_inputs_read(isr_ctx *ctx, const char *out, isr_style_inputs *in,
                                 struct json_object **json);
void isr_style_inputs_clear(isr_style_inputs *in);
/* Writes a QGIS style sidecar (.qml) beside every raster and vector output and the project
 * OUT/isoreach.qgs (relative paths) that opens them all. */
isr_status isr_styles_write(isr_ctx *ctx, const isr_style_inputs *in);

/* ---- webmap.c ------------------------------------------------------------------------- */

/* Writes OUT/index.html, the self-contained web map (Leaflet inlined, no network), from the
 * outputs already in `out_dir`: region/units.geojson and summary.json, and per hub its
 * isochrones.geojson, reach.csv and travel_time.tif metadata. Fails naming the file that
 * cannot be read or written. The hubs are read on `threads` threads. */
isr_status isr_webmap_write(isr_ctx *ctx, const char *out_dir, int threads);

/* ---- maps.c ----------------------------------------------------------------------------- */

/* Writes every map of the run in opt->out (see isr_publish); no context reset, no lock. */
isr_status isr_maps_write(isr_ctx *ctx, const isr_options *opt);

#endif /* ISR_PUBLISH_INTERNAL_H */
