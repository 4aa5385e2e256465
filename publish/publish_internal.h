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

/* The nearest-hub map's categories: which hubs' areas touch in a raster of hub indexes
 * (w × h, row-major, values 0..n-1, anything else no hub; 4-neighbour contact) into adj
 * (n × n, 1 where hubs i and j touch), then a colour class for each hub (greedy colouring,
 * most-connected hubs first, each taking the least-used class its neighbours do not have:
 * touching hubs never share a class) and the class's colour (ISR_HUB_NCOLOURS qualitative
 * colours, then the same darker for hubs with ten or more neighbours). */
#define ISR_HUB_NCOLOURS 10
void isr_hub_adjacency(const int *idx, int w, int h, int n, unsigned char *adj);
void isr_hub_classes(int n, const unsigned char *adj, int *cls);
void isr_hub_color(int cls, unsigned char rgb[3]);

/* The credit of a run's water input (run.json "inputs"."water"; NULL or "": none) into buf:
 * "GSHHG (Wessel & Smith, LGPL)" for the embedded sample's water, else the file's name; ""
 * when the run had no water. Returns buf. */
const char *isr_water_credit(const char *water, char *buf, size_t n);

/* Scenarios (diff.tif): ISR_DIFF_NCLASS classes of scenario − baseline minutes, class k
 * holding values up to isr_diff_breaks[k] (above the previous limit; the last is +inf),
 * coloured by isr_diff_color (diverging: faster blue, 0 near white, slower red); and the
 * status of band 2 (1 both, 2 newly within the budget, 3 lost) by isr_diff_status_color. The
 * same colours in the QGIS styles, the maps and the web map. */
#define ISR_DIFF_NCLASS 11
extern const double isr_diff_breaks[ISR_DIFF_NCLASS];
void isr_diff_color(int k, unsigned char rgb[3]);
void isr_diff_status_color(int status, unsigned char rgb[3]);

/* ---- polyscan.c: OUT/region/units.geojson read straight -------------------------------- */

/* What isr_polyscan hands its reader, feature by feature: the fields it asks for (matched
 * case-insensitively, as OGR does; nfields <= 64), then or before them the feature's rings in
 * the file's order, then its end. Each callback returns 0 to stop the scan (which then fails). */
typedef struct isr_polyscan_reader {
    const char *const *fields;     /* the properties wanted */
    const unsigned char *numeric;  /* per field: 1 a JSON number, 0 a string */
    int nfields;
    void *user;
    int (*feature)(void *user);    /* a new feature begins */
    /* field k of the feature: its text (numeric: NULL) and number (strings and null: NAN);
     * a null value comes as NULL, NAN; an absent one not at all */
    int (*field)(void *user, int k, const char *str, double num);
    /* one ring (n >= 1 points, x and y as written) of polygon `poly` (0, 1, …) */
    int (*ring)(void *user, int poly, const double *x, const double *y, int n);
    /* the feature's end: geometry type 0 null, 1 Polygon, 2 MultiPolygon, and its envelope
     * (xmin, ymin, xmax, ymax; infinite when null) */
    int (*feature_end)(void *user, int type, const double env[4]);
} isr_polyscan_reader;

/* 1 when `text` is a FeatureCollection of polygon features the scanner reads whole, every
 * callback having returned 1; 0 when it is not (the reader's state is then partial: the
 * caller discards it and reads the file with OGR). */
int isr_polyscan(const char *text, const isr_polyscan_reader *r);
/* isr_polyscan on the file at `path` (0 too when it cannot be read, or holds a NUL). */
int isr_polyscan_file(const char *path, const isr_polyscan_reader *r);
/* The whole file as a NUL-terminated string of *len bytes (new memory); NULL when it cannot
 * be opened (*err: fopen's errno), read (*err: ISR_READ_FAILED) or memory runs out
 * (ISR_READ_NO_MEMORY). */
#define ISR_READ_FAILED (-1)
#define ISR_READ_NO_MEMORY (-2)
char *isr_read_whole(const char *path, size_t *len, int *err);

/* ---- scenarios.c ------------------------------------------------------------------------ */

/* A scenario of the run: its name (OUT/scenarios/NAME) and the ids of the hubs whose surface
 * it changed (scenario.json "changed_hubs"; the others reuse the baseline's: no folder). */
typedef struct isr_pub_scen {
    char *name;
    char **changed;
    int nchanged;
} isr_pub_scen;

typedef struct isr_pub_scens {
    isr_pub_scen *s;
    int n;
} isr_pub_scens;

/* The scenarios of the run in `out` (run.json "options"."--scenario"; none: n 0) with their
 * changed hubs. Fails naming the scenario.json that is missing or unreadable; on success the
 * caller calls isr_pub_scenarios_clear. */
isr_status isr_pub_scenarios_read(isr_ctx *ctx, const char *out, isr_pub_scens *sc);
void isr_pub_scenarios_clear(isr_pub_scens *sc);
/* Whether the scenario changed the hub `hub_id`. */
int isr_pub_scen_hub(const isr_pub_scen *s, const char *hub_id);

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
    double budget_min; /* "parameters"."budget_min" (the last band when absent) */
    char *credit;      /* the data credits for the print layout (new string; styles.c) */
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
 * cannot be read or written. The hubs are read on `threads` threads. `lang` (en, zh, both)
 * is the language the page opens in. */
isr_status isr_webmap_write(isr_ctx *ctx, const char *out_dir, int threads, const char *lang);

/* ---- maps.c ----------------------------------------------------------------------------- */

/* Writes every map of the run in opt->out (see isr_publish); no context reset, no lock. */
isr_status isr_maps_write(isr_ctx *ctx, const isr_options *opt);

#endif /* ISR_PUBLISH_INTERNAL_H */
