/*
 * internal.h — the engine's modules as seen by each other and by the white-box tests.
 * Not installed and not used by the CLI, which sees only include/isoreach.h.
 *
 * Units: internal times are seconds (float or double), lengths metres, speeds km/h only at
 * the boundary where options are read. Grids are row-major, row 0 at the top (north).
 */
#ifndef ISR_INTERNAL_H
#define ISR_INTERNAL_H

/* libisoreach.so is built with hidden visibility: it exports what isoreach.h marks ISR_API
 * and, for publication (publish/, libisoreach_publish.so, which links it), the internal
 * functions whose declarations here (and in options.h) carry ISR_INTERNAL. They are not in
 * an installed header and not part of the public API; tests/pkgconfig_check.sh checks that
 * nothing else is exported. */
#if defined(__GNUC__) || defined(__clang__)
#define ISR_INTERNAL __attribute__((visibility("default")))
#else
#define ISR_INTERNAL
#endif

#include "costdist.h"
#include "isoreach.h"
#include "options.h" /* struct isr_options, isr_options_init/parse/clear */

#include <geos_c.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#define ISR_VERSION ISR_VERSION_STRING /* include/isoreach_version.h, from meson.build */

/* The word for a count of `n`: ISR_PLURAL(n, "hub", "hubs"). */
#define ISR_PLURAL(n, one, many) ((n) == 1 ? (one) : (many))

#if defined(__GNUC__)
#define ISR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ISR_PRINTF(a, b)
#endif

/* A growing string; `oom` is set (and further appends ignored) when memory runs out. */
typedef struct isr_sb {
    char *s;
    size_t len, cap;
    int oom;
} isr_sb;

/* ---- context.c ------------------------------------------------------------------------ */

/* Records `fmt…` as the context's error message (the first failure of a run wins when
 * workers fail together) and returns `st`, so callers write `return isr_fail(...)`. */
/* The failure said so far, with fmt's text added after it (the first failure's message is the
 * one kept: this says more of it, e.g. which shard to run again). Nothing without a failure. */
ISR_INTERNAL void isr_fail_more(isr_ctx *ctx, const char *fmt, ...) ISR_PRINTF(2, 3);
/* Why json-c could not read `path`, for a message: empty, or cut short or not JSON (its own
 * error is its parser's state, "continue", with a line break). */
ISR_INTERNAL const char *isr_json_unreadable(const char *path);
ISR_INTERNAL isr_status isr_fail(isr_ctx *ctx, isr_status st, const char *fmt, ...) ISR_PRINTF(3, 4);
/* Like isr_fail, with GDAL's last error message appended when there is one. */
ISR_INTERNAL isr_status isr_fail_gdal(isr_ctx *ctx, isr_status st, const char *fmt, ...) ISR_PRINTF(3, 4);
ISR_INTERNAL void isr_log(isr_ctx *ctx, isr_log_level level, const char *fmt, ...) ISR_PRINTF(3, 4);
/* The warnings logged so far (kept even when not shown), for run.json; borrowed strings. */
int isr_ctx_nwarnings(isr_ctx *ctx);
/* Forgets the warnings [from, to) logged on ctx (run.json's list). */
void isr_ctx_warnings_drop(isr_ctx *ctx, int from, int to);
const char *isr_ctx_warning(isr_ctx *ctx, int i);
ISR_INTERNAL void isr_progress(isr_ctx *ctx, const char *stage, size_t done, size_t total);
ISR_INTERNAL int isr_cancelled(const isr_ctx *ctx);
/* A context for work run beside other work whose messages must come in a fixed order: its
 * log lines (those the parent shows, warnings always) and its failure are kept, not passed
 * on, until isr_ctx_replay; its progress goes to the parent as it comes (a download's bar);
 * it sees the parent's cancel and shares its remote inputs (the fetch state, which locks).
 * NULL when out of memory. */
ISR_INTERNAL isr_ctx *isr_ctx_deferred(isr_ctx *parent);
/* Passes the child's kept lines to the parent in their order, then its failure (recorded as
 * the parent's, unless the parent failed first), and frees the child. The child's status. */
ISR_INTERNAL isr_status isr_ctx_replay(isr_ctx *parent, isr_ctx *child);
/* Seconds a remote input may stay silent (opt->timeout_s; <= 0: the default, 60). */
ISR_INTERNAL void isr_ctx_set_timeout(isr_ctx *ctx, double seconds);
double isr_ctx_timeout(const isr_ctx *ctx);
/* Clears the error message at the start of a public call (once: no public call calls
 * another). The cancel flag is kept, so a cancel that came before the call stops it, unless
 * the last call failed (it was stopped, or the cancel is moot). */
ISR_INTERNAL void isr_ctx_reset(isr_ctx *ctx);
/* Where the run's stations come from, for messages: the (first) GTFS feed, else --stations. */
const char *isr_options_stations_source(const isr_options *opt);
/* Routes GDAL messages of the calling thread to the context (warnings logged at debug
 * level, nothing printed) until isr_gdal_errors_pop(). Call once per thread per API entry. */
ISR_INTERNAL void isr_gdal_errors_push(isr_ctx *ctx);
ISR_INTERNAL void isr_gdal_errors_pop(void);

/* A GEOS context for one thread, with its last error or notice kept for messages. */
typedef struct isr_geos {
    GEOSContextHandle_t h;
    char msg[512];
} isr_geos;
ISR_INTERNAL void isr_geos_init(isr_geos *g);
ISR_INTERNAL void isr_geos_finish(isr_geos *g);
/* An OGR geometry as a new GEOS one (through WKB), or NULL (gc->msg says why when GEOS
 * refused it); free with GEOSGeom_destroy_r. */
ISR_INTERNAL GEOSGeometry *isr_geos_from_ogr(isr_geos *gc, OGRGeometryH g);
/* A GEOS geometry as a new OGR one, or NULL. */
ISR_INTERNAL OGRGeometryH isr_ogr_from_geos(isr_geos *gc, const GEOSGeometry *g);
/* The union of a collection of polygons (taken: destroyed here), or NULL (gc->msg): a
 * coverage union when they share edges exactly and that is valid, else an overlay union,
 * else the union of the repaired parts (snapped to 1 m if need be). */
ISR_INTERNAL GEOSGeometry *isr_geos_dissolve(isr_geos *gc, GEOSGeometry *coll);
/* isr_geos_dissolve, *coverage set to 1 when the result is the coverage union, else 0. */
ISR_INTERNAL GEOSGeometry *isr_geos_dissolve_cov(isr_geos *gc, GEOSGeometry *coll,
                                                 int *coverage);
/* The union of the n polygons or multipolygons gg (not taken) when they form a clean
 * coverage (shared edges exactly, no overlaps): their shared segments dropped, the rest
 * polygonized by GEOS, valid and of their summed area to within 1e-9; else NULL (not a
 * coverage by this test, or out of memory: take GEOS's own union). coverage.c */
ISR_INTERNAL GEOSGeometry *isr_coverage_union(GEOSContextHandle_t h,
                                              const GEOSGeometry *const *gg, int n);
/* Whether the n polygons gg (not taken) form a clean coverage: their coverage union is valid
 * and its area is sum_m2 (their summed area) to within 1e-9 (overlaps would make it smaller,
 * or invalid). 0 also when one is missing or out of memory. */
ISR_INTERNAL int isr_geos_coverage_clean(GEOSContextHandle_t h, GEOSGeometry *const *gg, int n,
                                         double sum_m2);

/* Formatted string in new memory (NULL when out of memory); free with free(). */
ISR_INTERNAL char *isr_strdup_printf(const char *fmt, ...) ISR_PRINTF(1, 2);

/* ---- options.c ------------------------------------------------------------------------ */

/* Whether isr_options_parse set `flag` ("--pop-field"). */
int isr_options_given(const isr_options *opt, const char *flag);
/* Whether `flag` was given, or (for a C caller who set the field) differs from its default. */
int isr_options_explicit(const isr_options *opt, const char *flag);
/* Every flag that changes what a run computes, as {"--flag": value}, input paths absolute;
 * recorded in run.json so that `reach` and `map` reproduce the run. New object. */
struct json_object *isr_options_to_json(const isr_options *opt);
/* A copy of `src` that owns nothing yet but knows which flags were given; clear it with
 * isr_options_clear() (the strings of src must outlive it). */
void isr_options_copy(const isr_options *src, isr_options *dst);
/* Sets every flag not given in `opt` from OUT/run.json's "options"; *found is 0 (and opt is
 * unchanged) when there is no OUT/run.json. Fails on an unreadable or too old run.json. */
isr_status isr_options_from_run(isr_ctx *ctx, isr_options *opt, const char *out, int *found);
/* The same from a record `rec` ({"--flag": value}, as isr_options_to_json writes it). */
isr_status isr_options_apply_record(isr_ctx *ctx, isr_options *opt, struct json_object *rec);
/* After isr_options_apply_record of record `rec` of output folder `out` (`what` names the
 * record in messages: "run.json"): the input paths it set (not those given on the command
 * line) that are relative are OUT's (isr_path_rel_to_out) and are resolved against `out`.
 * One that is not there is refused naming the flag to pass when it is in `need`
 * (NULL-terminated flags; NULL: every input), else left as recorded. */
isr_status isr_options_rebase_inputs(isr_ctx *ctx, isr_options *opt, struct json_object *rec,
                                     const char *out, const char *what,
                                     const char *const *need);

/* Whether folder `path` is folder `dir` or lies inside it (real paths, symbolic links
 * resolved; either may not exist yet). */
int isr_path_within(const char *dir, const char *path);

/* outpath.c: input path `path` as OUT's metadata record it: relative to the output folder
 * `out` (which need not exist yet) for a local file; a URL, /vsi path or a value that is no
 * file ("none") as it is. New string (NULL: no memory, or path NULL). */
char *isr_path_rel_to_out(const char *out, const char *path);
/* The same for a path that need not exist (a file not written): by its nearest existing
 * folder's real path and the rest as written. */
char *isr_path_rel_to_out_any(const char *out, const char *path);
/* A recorded relative path resolved against `out` ("OUT/../x.shp"); others as they are.
 * New string. */
char *isr_path_in_out(const char *out, const char *path);
/* `text` (a warning run.json records) with every input path of `o` it quotes ('path')
 * replaced by its OUT-relative form. New string (NULL: no memory). */
char *isr_text_rel_to_out(const isr_options *o, const char *text);
/* outreadme.c: OUT/README.md, what every file in `out` is (its columns, units, nodata), the
 * model's assumptions and the run's settings (from OUT/run.json). Written by every run,
 * merge, reach and publish, after the outputs it describes. */
ISR_INTERNAL isr_status isr_out_readme_write(isr_ctx *ctx, const char *out);
/* For `isoreach reach` and `map` (`cmd`): locks opt->out (*lock, for isr_out_unlock) and
 * makes *eff a copy of opt completed from the run's run.json, which must exist. Whatever it
 * returns, the caller calls isr_out_unlock(*lock) and isr_options_clear(eff). */
/* run.json's "--attribution" and "--lang" set to those `opt` was given (`isoreach map
 * --attribution … --lang …`), where they differ: maps redrawn later (by `reach`, or `map`
 * without the flags) keep that credit and language, not the run's, and OUT/README.md says
 * them. Call with the folder's lock held. */
ISR_INTERNAL isr_status isr_options_record_maps(isr_ctx *ctx, const isr_options *opt);
ISR_INTERNAL isr_status isr_options_of_run(isr_ctx *ctx, const isr_options *opt, const char *cmd,
                              isr_options *eff, char **lock);

/* ---- fields.c ------------------------------------------------------------------------- */

enum { ISR_LAYER_BOUNDARIES, ISR_LAYER_STATIONS, ISR_LAYER_LINES, ISR_NLAYERS };
struct isr_layer;
/* Checks, before anything is read, that every field flag names a field of its layer: the
 * required ones always, the optional ones when given (the value "none" turns an optional
 * field off). Fails once, listing every missing field with its flag and each layer's fields.
 * `layers` entries may be NULL (that input is not read by this command). */
isr_status isr_fields_check(isr_ctx *ctx, const isr_options *opt,
                            const struct isr_layer *const layers[ISR_NLAYERS]);

/* ---- crs.c ---------------------------------------------------------------------------- */

/* An equal-area CRS fitted to a lon/lat box, built with PROJ: an Albers conic (standard
 * parallels at 1/6 and 5/6 of the latitude range, centred on the box); its cylindrical limit
 * for a box centred on the equator; a Lambert azimuthal one for a box past
 * ISR_CRS_POLAR_LAT, polar round a pole, else centred on the box. Returns a new OSR handle. */
OGRSpatialReferenceH isr_crs_fitted_albers(isr_ctx *ctx, double lon_min, double lat_min,
                                           double lon_max, double lat_max);
/* The CRS from a user definition ("EPSG:3857", WKT, PROJ string), or NULL with an error. */
OGRSpatialReferenceH isr_crs_from_user(isr_ctx *ctx, const char *def);
/* WGS 84 with longitude, latitude axis order (as GeoJSON and most data use it). */
ISR_INTERNAL OGRSpatialReferenceH isr_crs_wgs84(void);
/* A transformation from the CRS of `wkt` to WGS 84 lon/lat (both in traditional GIS order),
 * or NULL; free with OCTDestroyCoordinateTransformation. */
ISR_INTERNAL OGRCoordinateTransformationH isr_ct_to_wgs84(const char *wkt);
/* Checks a CRS the user named (--crs `def`) against the lon/lat box `ext` (xmin, ymin, xmax,
 * ymax) of the input `what`: fails (ISR_ERR_CRS) when the box lies wholly outside the CRS's
 * area of use, warns when it extends beyond it; no check when the area is unknown. */
isr_status isr_crs_check_area(isr_ctx *ctx, OGRSpatialReferenceH srs, const char *def,
                              const char *what, const double ext[4]);
/* Whether the CRS preserves area (Albers, Lambert azimuthal/cylindrical equal-area…). */
int isr_crs_is_equal_area(OGRSpatialReferenceH srs);
/* A longitude in [-180, 180). */
double isr_lon_normal(double lon);
/* The scale distortion of the analysis CRS over a lon/lat box (PROJ's proj_factors on a
 * 9 × 9 lattice): the largest |meridional or parallel scale − 1| (distances, travel times)
 * and |areal scale − 1| (areas). */
#define ISR_CRS_MAX_LINEAR_ERROR 0.05  /* above: a --crs is refused */
#define ISR_CRS_POLAR_LAT 80.0       /* a region past this latitude: an azimuthal fitted CRS (crs.c) */
#define ISR_CRS_WARN_LINEAR_ERROR 0.01 /* above: warned */
typedef struct isr_crs_scale {
    int checked; /* 0 when PROJ could not compute the factors */
    double max_linear_error, max_area_error;
} isr_crs_scale;
/* Checks the scale of `srs` over `ext` (lon/lat box; ext[2] > 180 when it crosses the 180°
 * meridian) of the input `what`. A --crs (`def`) off by more than 5 % in distance, or
 * whose edge falls inside the region, is refused (ISR_ERR_CRS); 1 % to 5 % is warned, as is
 * the fitted CRS (`def` NULL) above 1 %, and a CRS that is not equal-area when its areas are
 * off by more than 1 %, with the figure. The figures are logged (info) and returned in *out. */
isr_status isr_crs_check_scale(isr_ctx *ctx, OGRSpatialReferenceH srs, const char *def,
                               const char *what, const double ext[4], isr_crs_scale *out);

/* ---- grid.c --------------------------------------------------------------------------- */

/* The analysis raster: nx × ny square cells of `cell_m`, top-left corner (x0, y0).
 * Engine arrays over it are padded by ISR_PAD cells of barrier on every side so that the
 * cost-distance kernel needs no bounds checks: padded width nx + 2·ISR_PAD. */
#define ISR_PAD 2
#define ISR_TIME_NODATA (-9999.0) /* nodata of every travel-time raster */
typedef struct isr_grid {
    double x0, y0, cell_m;
    int nx, ny;
    char *wkt; /* the analysis CRS */
} isr_grid;

/* A grid covering [xmin,xmax]×[ymin,ymax], snapped outwards to multiples of cell_m so
 * that runs at one resolution share cell edges. Fails on a bad resolution or a grid larger
 * than `max_mb` of working memory (bytes_per_cell per cell), naming the figure. */
isr_status isr_grid_init(isr_ctx *ctx, isr_grid *g, double xmin, double ymin, double xmax,
                         double ymax, double cell_m, const char *wkt, double bytes_per_cell,
                         double max_mb);
/* The check of isr_grid_init on grid g again, with another estimate (the model's, once it knows
 * its friction surface's form); `why` follows the figure in the message. */
isr_status isr_grid_memory_check(isr_ctx *ctx, const isr_grid *g, double bytes_per_cell,
                                 double max_mb, const char *why);
ISR_INTERNAL void isr_grid_clear(isr_grid *g);
static inline int isr_grid_pw(const isr_grid *g) { return g->nx + 2 * ISR_PAD; }
static inline int isr_grid_ph(const isr_grid *g) { return g->ny + 2 * ISR_PAD; }
static inline size_t isr_grid_pcells(const isr_grid *g)
{
    return (size_t)isr_grid_pw(g) * (size_t)isr_grid_ph(g);
}
/* Padded index of unpadded cell (col,row). */
static inline size_t isr_grid_pidx(const isr_grid *g, int col, int row)
{
    return (size_t)(row + ISR_PAD) * (size_t)isr_grid_pw(g) + (size_t)(col + ISR_PAD);
}
/* The cell containing (x,y); returns 0 when outside the grid. */
int isr_grid_cell_of(const isr_grid *g, double x, double y, int *col, int *row);
/* The centre of cell (col, row) of the grid, x then y (no bounds check). */
void isr_grid_cell_centre(const isr_grid *g, int col, int row, double xy[2]);
/* Polygons in the grid's CRS cut into strips of ISR_GRID_STRIP rows (GEOS rectangle clip, on
 * cell edges, so no cell centre lies on a cut) for GDAL rasterize, which fills a polygon row
 * by row testing every one of its edges: a polygon of 10^5 vertices over 10^4 rows costs
 * 10^9 tests whole and a few million in strips. The cells burnt are the same. *out (new
 * geometries, *nout of them; free with isr_grid_strips_free) and *orig (free()): each part's
 * index in `in`. */
#define ISR_GRID_STRIP 128
isr_status isr_grid_strips(isr_ctx *ctx, const isr_grid *g, const OGRGeometryH *in, int n,
                           OGRGeometryH **out, int **orig, int *nout);
void isr_grid_strips_free(OGRGeometryH *parts, int n);
/* calloc(n, size) whose pages are already written (MADV_POPULATE_WRITE, or a write per page):
 * for a grid that GDAL reads before it writes (isr_grid_rasterize works chunk by chunk, read
 * then written back). calloc's untouched pages are first mapped to the shared zero page by
 * the read, then copied on the write, and in a process of several threads each such copy
 * flushes the other cores' TLBs: on the sample's 68 M cells that was a third of rasterizing
 * the boundaries. Free with free(). isr_pages_written does the same to `bytes` from p, which
 * must be zero (calloc's); neither does anything below 1 MB. */
void *isr_grid_calloc_written(size_t n, size_t size);
void isr_pages_written(void *p, size_t bytes);
/* Gives the whole pages within `bytes` from p back to the system (MADV_DONTNEED): a private
 * mapping of a file reads them from it again, were they read; anonymous memory reads zeros. */
void isr_pages_dropped(void *p, size_t bytes);
/* GDALRasterizeGeometries of the n geometries with their `burn` values onto band 1 of `ds`
 * (a grid raster, e.g. isr_grid_mem_wrap) with `opts` (NULL-terminated, or NULL), in chunks
 * of about 64 MB of rows (CHUNKYSIZE; GDAL would take its block cache's size). Every
 * rasterize of the engine goes through it. GDAL (3.6) reads CHUNKYSIZE only in its raster
 * mode (the zone raster); with OPTIM=VECTOR (water, roads) it still sizes its buffer by the
 * block cache, of which it touches the rows of each geometry's envelope. */
CPLErr isr_grid_rasterize(GDALDatasetH ds, int n, const OGRGeometryH *geoms, const double *burn,
                          const char *const *opts);
void isr_grid_geotransform(const isr_grid *g, double gt[6]);
/* The geotransform of the window of the grid whose top-left cell is (col0, row0). */
void isr_grid_window_geotransform(const isr_grid *g, int col0, int row0, double gt[6]);

/* ---- costdist.c: the hot loop, plain arrays, no I/O ----------------------------------- */

/* isr_seed, isr_cd_work, isr_costdist(), isr_cd_work_free(): costdist.h, which needs only
 * <stddef.h> and <stdint.h> (the kernel builds alone: tests/bench_kernel.c). */

/* ---- rail.c --------------------------------------------------------------------------- */

typedef struct isr_rail_net isr_rail_net;

typedef struct isr_rail_params {
    double dwell_s, transfer_s;
    isr_wait wait;
    isr_direction direction;
} isr_rail_params;

isr_rail_net *isr_rail_net_new(void);
void isr_rail_net_free(isr_rail_net *net);
/* Adds a station at analysis coordinates; returns its index, or -1 when out of memory. */
int isr_rail_net_add_station(isr_rail_net *net, const char *id, const char *name, double x,
                             double y, int hub);
/* Adds a line calling at `nstops` stations in order, with `run_s[i]` seconds from stop i
 * to i+1, and the headways (minutes) of trains in the stop order and against it. */
isr_status isr_rail_net_add_line(isr_ctx *ctx, isr_rail_net *net, const char *id,
                                 const char *name, int nstops, const int *stops,
                                 const double *run_s, double headway_fwd_min,
                                 double headway_back_min);
/* The same for a loop: `run_s` has nstops entries, the last from the last stop back to the
 * first; trains ride round through the first stop. Needs three stops. */
isr_status isr_rail_net_add_loop(isr_ctx *ctx, isr_rail_net *net, const char *id,
                                 const char *name, int nstops, const int *stops,
                                 const double *run_s, double headway_fwd_min,
                                 double headway_back_min);
/* Each stop's distance (m) from line l's geometry, for reports (copied); -1 out of memory. */
int isr_rail_net_set_offsets(isr_rail_net *net, int l, const double *offset_m);
/* A warning about the network kept for run.json (copied); -1 out of memory. */
int isr_rail_net_add_note(isr_rail_net *net, const char *msg);
int isr_rail_net_nnotes(const isr_rail_net *net);
/* Transfer links: local travel of `s` seconds from station a to b (one direction), from
 * line `line` of the transfers table or 0 within the radius. Setting a→b again replaces it.
 * -1 out of memory. The search lets a trip change trains over a link (paying the next
 * boarding's transfer and wait) and start or end on one. */
int isr_rail_net_set_link(isr_rail_net *net, int a, int b, double s, int line);
int isr_rail_net_link_find(const isr_rail_net *net, int a, int b); /* its index, or -1 */
int isr_rail_net_nlinks(const isr_rail_net *net);
void isr_rail_net_link(const isr_rail_net *net, int i, int *a, int *b, double *s, int *line);
const char *isr_rail_net_note(const isr_rail_net *net, int i); /* borrowed */
/* Line l's id, name (borrowed), stops in order (station numbers), run time of segment i
 * (s; stop i to i+1, on a loop the last to the first) and stop offsets (NaN if not set). */
const char *isr_rail_line_id(const isr_rail_net *net, int l);
const char *isr_rail_line_name(const isr_rail_net *net, int l);
int isr_rail_line_nstops(const isr_rail_net *net, int l);
int isr_rail_line_is_loop(const isr_rail_net *net, int l);
int isr_rail_line_stop(const isr_rail_net *net, int l, int i);
double isr_rail_line_run_s(const isr_rail_net *net, int l, int i);
double isr_rail_line_stop_offset_m(const isr_rail_net *net, int l, int i);
int isr_rail_net_nstations(const isr_rail_net *net);
int isr_rail_net_nlines(const isr_rail_net *net);
int isr_rail_net_find(const isr_rail_net *net, const char *id); /* -1 if absent */
const char *isr_rail_station_id(const isr_rail_net *net, int s);
const char *isr_rail_station_name(const isr_rail_net *net, int s);
/* Station s's English name (borrowed; "" when none) and setting it (0, or -1: memory). */
const char *isr_rail_station_name_en(const isr_rail_net *net, int s);
int isr_rail_station_set_name_en(isr_rail_net *net, int s, const char *name_en);
void isr_rail_station_xy(const isr_rail_net *net, int s, double *x, double *y);
int isr_rail_station_is_hub(const isr_rail_net *net, int s);
/* Whether any line calls at the station (O(stops): for reports, not for searches). */
int isr_rail_station_on_line(const isr_rail_net *net, int s);
/* Scenarios (scenario.c) change a copy of the base network: a deep copy (NULL when out of
 * memory: *out NULL); the index of line `id` (-1); a line removed (the lines after it move down one);
 * its run times divided by `factor`, or replaced (as many as it has segments); its headways.
 * isr_rail_station_close takes every call at station s off every line (the run times on
 * either side of it add up, no dwell) and its transfer links away; the lines left with
 * fewer than two calls are returned in gone[] (indexes, highest first, up to max_gone; the
 * caller removes them) and counted in the return value. */
isr_status isr_rail_net_copy(isr_ctx *ctx, const isr_rail_net *src, isr_rail_net **out);
/* No train runs faster: a speed or run time beyond it is a unit or placeholder mistake
 * (the lines' speeds and minutes, a scenario's set_minutes). */
#define ISR_MAX_TRAIN_KMH 1000
int isr_rail_line_find(const isr_rail_net *net, const char *id);
void isr_rail_line_remove(isr_rail_net *net, int l);
void isr_rail_line_scale_runs(isr_rail_net *net, int l, double factor);
void isr_rail_line_set_runs(isr_rail_net *net, int l, const double *run_s);
void isr_rail_line_set_headway(isr_rail_net *net, int l, double fwd_min, double back_min);
/* Line l's headway (minutes): in stop order (back 0) or against it (back 1). */
double isr_rail_line_headway(const isr_rail_net *net, int l, int back);
int isr_rail_station_close(isr_rail_net *net, int s, int *gone, int max_gone);
/* Fastest travel time in seconds between `hub` and every station (from the hub, or to it
 * with ISR_TO_HUB): boarding wait, rides, dwell and transfers. +INF where unreachable.
 * `out` holds nstations values. Thread-safe on a shared network. */
isr_status isr_rail_search(isr_ctx *ctx, const isr_rail_net *net, const isr_rail_params *p,
                           int hub, double *out);

/* ---- network.c: the rail network from OGR layers -------------------------------------- */

/* Reads the stations and lines layers (open, any CRS), transforms them into `srs`, snaps
 * stations within opt->snap_m of each line, orders them along it and derives run times
 * from the minutes field or length ÷ speed. Stations on no line are warned about, and so is
 * a value of field 'id' that two line features share (both stay lines). */
struct isr_layer;
isr_status isr_network_read(isr_ctx *ctx, const isr_options *opt, const struct isr_layer *ls,
                            const struct isr_layer *ll, OGRSpatialReferenceH srs,
                            isr_rail_net **out);
/* A scenario's added stations and lines (scenario.c) onto `net` (the base network's copy),
 * read, snapped and checked as the base's are. A station id of the base is refused (and the
 * hub field is not read: the hubs are the run's), as is a line id of the base. */
isr_status isr_network_add_stations(isr_ctx *ctx, const isr_options *opt,
                                    const struct isr_layer *sl, OGRSpatialReferenceH srs,
                                    isr_rail_net *net);
isr_status isr_network_add_lines(isr_ctx *ctx, const isr_options *opt,
                                 const struct isr_layer *ll, OGRSpatialReferenceH srs,
                                 isr_rail_net *net);
/* The id of line feature f as the network gives it: its field 'id' (index f_id) where set,
 * else its name (field f_name, opt->line_name_field), else its feature id; *from_id says
 * whether it came from field 'id'. Text read through `l` (NULL: not counted) as
 * isr_layer_str does. A copy to free; NULL when out of memory. */
char *isr_network_line_id(const struct isr_layer *l, OGRFeatureH f, int f_id, int f_name,
                          int *from_id);
/* ---- transfers.c: links between stations --------------------------------------------- */

/* Links the stations of `net` within opt->transfer_radius_m by their local travel time,
 * then sets the links of the transfers table (isr_transfers_table), replacing radius links
 * of the same direction. A bad table fails naming its line (unknown ids all together). */
isr_status isr_transfers_add(isr_ctx *ctx, const isr_options *opt, isr_rail_net *net);
/* The radius links (both ways) of stations first..n-1 with every other station: first = 0
 * links the whole network (as isr_transfers_add does); a scenario links its added stations
 * (scenario.c). -1 out of memory. */
int isr_transfers_radius(isr_rail_net *net, const isr_options *opt, int first);
/* The table a run reads: opt->transfers, except the sample's default table with other
 * stations than the sample's (NULL: none). Borrowed. */
const char *isr_transfers_table(const isr_options *opt);
/* How many one-way links came from the radius and from the table. */
void isr_transfers_count(const isr_rail_net *net, int *radius, int *table);

/* isr_network_read on opt->stations and opt->lines, opened here and closed again. */
isr_status isr_network_load(isr_ctx *ctx, const isr_options *opt, OGRSpatialReferenceH srs,
                            isr_rail_net **out);

/* ---- model.c (hubs) ------------------------------------------------------------------- */

/* The hubs of a run as station numbers: the ids of opt->hubs ("a,b,c"; blanks around an id
 * ignored, repeats dropped) or, without it, every station flagged hub. Fails naming an id
 * that is no station, an empty id, or no hub at all. *out is new memory (free()). */
isr_status isr_hubs_select(isr_ctx *ctx, const isr_options *opt, const isr_rail_net *net,
                           int **out, int *n);
/* --hubs all (every station: n ids by id(u, i)) or --hubs @FILE (a text file of ids, one per
 * line, first column; header station_id or id, blank lines and # comments skipped; each id
 * checked with known(u, id), a bad one refused naming file and line and `where`) as the list
 * "a,b" in *out (new); any other spec: *out NULL. Also accepted in isr_hubs_select. */
typedef struct isr_hub_ids {
    int n;
    const char *(*id)(const void *u, int i);
    int (*known)(const void *u, const char *id);
    const void *u;
    const char *where; /* "in 'stations.shp'" */
} isr_hub_ids;
isr_status isr_hubs_expand(isr_ctx *ctx, const char *spec, const isr_hub_ids *hi, char **out);

/* ---- source.c ------------------------------------------------------------------------- */

/* Where an input comes from, checked before GDAL opens it. A local path that exists but is
 * neither a regular file nor a folder (a FIFO, socket or device, which would block or never
 * end) is refused. An http(s) URL is downloaded into the cache (isr_fetch) and *open_path
 * is then the local copy (new memory, free()). For anything else *open_path is NULL: open `path` as it is. `role`
 * ("stations", "friction raster"…) names the input in messages. */
isr_status isr_source_check(isr_ctx *ctx, const char *role, const char *path, char **open_path);
/* A text input isoreach reads itself (--hubs @FILE, --road-classes), checked as
 * isr_source_check checks it and opened for reading: NULL with *st set when refused, NULL
 * with *st ISR_OK when it cannot be opened (errno says why: the caller's message). */
FILE *isr_source_fopen(isr_ctx *ctx, const char *role, const char *path, isr_status *st);

/* ---- fetch.c --------------------------------------------------------------------------- */

/* Remote inputs of a context (fetch.c): created with it, freed with it (which removes the
 * temporary copies of --cache none); isr_ctx_reset starts a new call (URLs revalidated). */
typedef struct isr_fetch_state isr_fetch_state;
isr_fetch_state *isr_fetch_state_new(void);
void isr_fetch_state_free(isr_fetch_state *s);
void isr_fetch_new_call(isr_fetch_state *s);
isr_fetch_state *isr_ctx_fetch(isr_ctx *ctx); /* context.c; borrowed */
/* Where downloads go: `cache` (a folder; "none": temporary copies removed with the context;
 * NULL: $XDG_CACHE_HOME/isoreach/fetch, else ~/.cache/isoreach/fetch) and the largest
 * download accepted, MB (<= 0: 2048). Set at the start of a public call (opt->cache,
 * opt->max_download_mb); without it, the defaults. */
void isr_fetch_setup(isr_ctx *ctx, const char *cache, double max_mb);
/* 1 when `path` is an http:// or https:// URL. */
int isr_is_url(const char *path);
/* urlsecret.c: `url` with its password and its query's credentials (token, key, sig…) written
 * as *** (a copy when it has none, or is no URL; new string). isr_url_hide also remembers the
 * URL as given, for the download only: isr_url_real gives it back for the hidden URL or a
 * sibling fetch.c derives from it (new string), NULL when none was hidden. */
char *isr_url_redact(const char *url);
char *isr_url_hide(const char *url);
char *isr_url_real(const char *url);
/* Downloads http(s) `url` whole into the cache (revalidating a cached copy; a shapefile's
 * .shx/.dbf/.prj/.cpg beside it) and gives the local copy to open (*local, new string).
 * Within the context's timeout (connect, and silence), the size limit, cancellable
 * (ISR_ERR_INTERRUPTED, no message). A server that cannot be reached with a cached copy:
 * the copy, with a warning. Fails naming `role` and the URL: DNS, refused, timeout, TLS,
 * HTTP status, a body cut short, too large, cache not writable. No entry is left by a
 * failed download. A URL fetched earlier in the same public call is not fetched again. */
isr_status isr_fetch(isr_ctx *ctx, const char *role, const char *url, char **local);
/* The local copy of `url` as last fetched on this context (new string), or NULL. */
char *isr_fetch_local(isr_ctx *ctx, const char *url);
/* The URLs fetched in this call, for run.json's inputs: [{input, url, local, how
 * ("downloaded", "revalidated", "offline_copy"), bytes, fetched_at, etag, last_modified}]. */
struct json_object *isr_fetch_json(isr_ctx *ctx);

/* ---- vector_io.c ---------------------------------------------------------------------- */

/* Text read from a layer that was not valid UTF-8: counted, warned about once read. */
typedef struct isr_layer_text {
    isr_ctx *ctx;
    int nbad;        /* strings with bytes replaced by U+FFFD */
    int said;        /* warned about already (isr_layer_text_warn): not again */
    long long fid;   /* the first such feature */
    char *field;     /* and its field */
} isr_layer_text;

typedef struct isr_layer {
    GDALDatasetH ds;
    OGRLayerH lyr;
    char *what; /* "stations 'path' layer 'name'", for messages */
    isr_layer_text *text;
} isr_layer;

/* Opens `path` (a file or an http(s) URL) and the named layer (NULL: the first). `role`
 * ("boundaries", "stations"…) names the input in messages. Fails when the source cannot be
 * opened, the layer is missing or empty, it has no CRS, or its geometry type is not
 * `want` (wkbPoint, wkbLineString, wkbPolygon; multi-types accepted). */
ISR_INTERNAL isr_status isr_layer_open(isr_ctx *ctx, isr_layer *l, const char *role, const char *path,
                          const char *layer, OGRwkbGeometryType want);
/* Why `path` did not open as a vector source (the caller's GDAL open failed): it is not
 * there, not readable, or not a format GDAL reads; `role` ("boundaries"…, or NULL) first. */
ISR_INTERNAL isr_status isr_vector_unopened(isr_ctx *ctx, const char *role, const char *path);
/* The same, reading a shapefile's text in `encoding` (GDAL's ENCODING open option, e.g.
 * "GBK"; NULL or "": as the .cpg / LDID say). */
ISR_INTERNAL isr_status isr_layer_open_enc(isr_ctx *ctx, isr_layer *l, const char *role, const char *path,
                              const char *layer, OGRwkbGeometryType want, const char *encoding);
/* Opens a vector source (path or http(s) URL) read-only with `encoding` as above; NULL on
 * failure (GDAL's error is set). */
GDALDatasetH isr_vector_open(const char *path, const char *encoding);
/* Closes; when text read with isr_layer_str() was not valid UTF-8, warns (on the context
 * the layer was opened with) naming the count, the first field and feature and the fix. */
ISR_INTERNAL void isr_layer_close(isr_layer *l);
/* That warning now, once the layer's text has been read: a layer kept open for the run
 * (the boundaries) closes after run.json is written, which would lack it. Said once. */
ISR_INTERNAL void isr_layer_text_warn(isr_layer *l);
/* ISR_OK, or a failure naming the layer, feature `f`, field `i` and its option `flag`
 * ("--unit-id") when `value` (read from that field with isr_layer_str()) holds U+FFFD: a
 * code or id whose bytes were not valid UTF-8, so that distinct codes may read the same. */
ISR_INTERNAL isr_status isr_layer_id_check(isr_ctx *ctx, const isr_layer *l, OGRFeatureH f,
                                           int i, const char *flag, const char *value);
/* Field `i` of a feature as valid UTF-8 in new memory (free()), like isr_field_str(), and
 * counts a string whose bad bytes were replaced with U+FFFD on the layer. */
char *isr_layer_str(const isr_layer *l, OGRFeatureH f, int i);
/* A copy of s[0..len) with every byte that is not part of a valid UTF-8 sequence (and every
 * NUL) replaced by U+FFFD; *nbad (may be NULL) receives their count. NULL when out of memory. */
ISR_INTERNAL char *isr_utf8_clean(const char *s, size_t len, int *nbad);
/* The length of the longest prefix of s[0 .. len) that is UTF-8 (no NUL): len when all is. */
ISR_INTERNAL size_t isr_utf8_valid_prefix(const char *s, size_t len);
/* The length of s[0..len) without a last character cut short (a lead byte and fewer of its
 * continuation bytes: what a fixed buffer's snprintf leaves of a long name), else len. */
ISR_INTERNAL size_t isr_utf8_whole(const char *s, size_t len);
/* The layer's next feature, or NULL at its end. A read error (a truncated or damaged file,
 * where OGR just stops) sets *st to a failure naming the layer and GDAL's reason. */
OGRFeatureH isr_layer_next(isr_ctx *ctx, const isr_layer *l, isr_status *st);
/* Field `i` of a feature as a string in new memory (free()), always valid UTF-8 (bad bytes
 * replaced with U+FFFD): "" when i < 0 or the field is unset or null; NULL only when out of
 * memory. Use it for every string kept while another
 * field is read: for a field that is not a string (an Integer id, a date), the string of
 * OGR_F_GetFieldAsString() is freed by the next call of it on the same feature. */
ISR_INTERNAL char *isr_field_str(OGRFeatureH f, int i);
/* The index of a field, failing with a message listing the layer's fields when absent or
 * (when `numeric`) not a number. */
ISR_INTERNAL isr_status isr_layer_field(isr_ctx *ctx, const isr_layer *l, const char *name, int numeric,
                           int *idx);
/* A transformation from the layer's CRS into `dst` (traditional lon/lat order), or NULL
 * with a message. */
ISR_INTERNAL OGRCoordinateTransformationH isr_layer_transform_to(isr_ctx *ctx, const isr_layer *l,
                                                    OGRSpatialReferenceH dst);
/* Cuts each edge of a lon/lat geometry longer than 0.05° into pieces straight in longitude
 * and latitude, as isr_layer_geom_to does before it reprojects (an edge on the 180° meridian
 * kept, one across it the short way round): 0, or -1 when out of memory. */
int isr_geom_densify_lonlat(OGRGeometryH g);
/* Geometry g of layer l (in its CRS) transformed by ct (isr_layer_transform_to). An edge
 * is straight in the layer's CRS, as every GIS and RFC 7946 draw it: in a geographic CRS an
 * edge longer than 0.05° is first cut into pieces straight in longitude and latitude, else
 * a border along a parallel with vertices only at its ends would become a chord (2 km off
 * the parallel at 70°N over 5° of longitude). Across the 180° meridian an edge goes the short
 * way round. OGR_G_Transform's error, or OGRERR_NOT_ENOUGH_MEMORY. */
/* Whether a point of g has a coordinate that is not a number (NaN, infinite): xy the first. */
ISR_INTERNAL int isr_geom_nonfinite(OGRGeometryH g, double xy[2]);
ISR_INTERNAL OGRErr isr_layer_geom_to(const isr_layer *l, OGRGeometryH g,
                                      OGRCoordinateTransformationH ct);
/* The layer's extent in WGS 84 lon/lat. When its features cross the 180° meridian the
 * extent does too: ext[0] in [-180, 180), ext[2] > 180 (east of it, +360). */
isr_status isr_layer_extent_wgs84(isr_ctx *ctx, const isr_layer *l, double ext[4]);

/* ---- boundaries.c --------------------------------------------------------------------- */

/* Levels of the admin hierarchy. */
enum { ISR_COUNTY, ISR_PREFECTURE, ISR_PROVINCE, ISR_NLEVELS };

/* One admin unit's attributes; codes and names are never NULL ("" when unknown). */
typedef struct isr_unit {
    char *code[ISR_NLEVELS]; /* own code, its prefecture's, its province's */
    char *name[ISR_NLEVELS];
    char *name_en[ISR_NLEVELS]; /* English names (--unit-name-en…), "" when none */
    double pop; /* people, NAN when unknown */
    long long fid; /* the feature id in its layer, for messages */
    unsigned char filled; /* bit k: code[k] was empty and is its level below's (a fallback) */
} isr_unit;

/* Admin unit polygons in the analysis CRS, repaired (GEOS MakeValid via OGR), with their
 * attributes. */
typedef struct isr_units {
    int n;
    OGRGeometryH *geom;
    OGREnvelope *env; /* each geometry's box (all 0 for a unit without one) */
    isr_unit *attr;
    int ninvalid, nrepaired, has_pop;
    int njoined; /* units split at the 180° meridian, joined again (not invalid input) */
    int nunknown_pop; /* units whose population field is empty (pop NAN) */
    int noverlaps;    /* pairs of units overlapping beyond the tolerance (warned) */
    double xmin, ymin, xmax, ymax;
} isr_units;
/* Reads every unit (the fields named in `opt`), reprojected into `srs`. */
isr_status isr_units_load(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                          OGRSpatialReferenceH srs, isr_units *u);
/* Warns about units overlapping by more than 0.5 % of the smaller (u->noverlaps pairs): a
 * cell goes to one unit only. Run where the zones are built (model.c: once per model, its
 * warning kept in the model cache; rereach.c), not at every load. */
isr_status isr_units_check_overlaps(isr_ctx *ctx, const isr_layer *l, isr_units *u);
/* The same check, its warning returned (*warning, malloc'd; NULL: none) rather than logged:
 * model.c runs it in a thread beside the rasters and logs it after them, so that the
 * warnings come in one order whatever the number of threads. Logs nothing but a debug line. */
isr_status isr_units_find_overlaps(isr_ctx *ctx, const isr_layer *l, isr_units *u,
                                   char **warning);
void isr_units_clear(isr_units *u);
/* A unit's code at one level and its index. */
typedef struct isr_code_key {
    const char *code;
    int unit;
} isr_code_key;
/* Fills keys[0..u->n) with the units' codes at `level` and sorts them by code, units with
 * one code in layer order. */
void isr_units_sort_codes(const isr_units *u, int level, isr_code_key *keys);
/* The units' groups at `level` (units of one code): group[unit] its group, first[group] its
 * first unit in code order, groups in code order; keys is scratch (u->n). Returns the count. */
int isr_units_group(const isr_units *u, int level, isr_code_key *keys, int *group, int *first);

/* ---- zones.c -------------------------------------------------------------------------- */

/* Units on the grid: which unit each cell's centre lies in, the people in each cell, and
 * the groups of each level of the hierarchy (counties, prefectures, provinces). */
typedef struct isr_zones {
    /* The zone raster, nx·ny (unpadded); read it with isr_zones_unit_at. Exactly one is
     * set: zone16 (unit index + 1, 0 outside every unit) when there are fewer than
     * ISR_ZONE16_UNITS units, 2 bytes a cell (all of China at 250 m: 0.76 GB, not 1.51);
     * else zone32 (unit index, -1 outside every unit). */
    uint16_t *zone16;
    int32_t *zone32;
    /* People per cell: isr_zones_pop_at. With a --population raster an array (pop, nx·ny);
     * from the units' field a rule, 8 bytes a cell less (at 250 m all of China's 378 M cells
     * would need 3 GB): per unit the people of each of its land cells (udens) and of each
     * of its water cells (wdens), and the few cells that hold a unit too small for a cell
     * of its own (hcell, ascending, with their people hval; uhost marks their units). */
    double *pop;
    double *udens, *wdens;
    uint8_t *uhost;
    size_t nhost;
    uint64_t *hcell;
    double *hval;
    int nunits;
    int ngroups[ISR_NLEVELS];
    int *group[ISR_NLEVELS];  /* unit -> group index at each level */
    int *first[ISR_NLEVELS];  /* group -> a unit of it (for codes and names) */
    size_t *cells[ISR_NLEVELS]; /* group -> cells */
    double *gpop[ISR_NLEVELS];  /* group -> people in its cells */
    int *gunknown[ISR_NLEVELS]; /* group -> its units whose population is unknown */
    int hosted;      /* units smaller than a cell whose people went to their host cell */
    size_t pop_uncovered; /* land cells beyond the population raster's extent (0 people) */
    uint8_t *water;  /* nx·ny, 1 = water (water.c; owned), NULL without --water; while the
                        model is built: then isr_zones_pack_water packs it into wbits */
    uint8_t *wbits;  /* the water mask, a bit a cell (bit c & 7 of byte c >> 3), or NULL */
    size_t *area[ISR_NLEVELS]; /* group -> all its cells, water too (cells: land only) */
    int from_raster;      /* the people come from a --population raster */
} isr_zones;

/* Regions of fewer units than this have a 16-bit zone raster (isr_zones). */
#define ISR_ZONE16_UNITS 65535
/* Bytes a cell of the zone raster of a region of `nunits` units: 2 or 4. */
static inline int isr_zones_cell_bytes(int nunits)
{
    return nunits < ISR_ZONE16_UNITS ? 2 : 4;
}

/* The unit of cell c (unpadded index), or -1 outside every unit. */
static inline int isr_zones_unit_at(const isr_zones *z, size_t c)
{
    return z->zone16 ? (int)z->zone16[c] - 1 : (int)z->zone32[c];
}

/* Whether cell c (unpadded) is water, in either form of the mask. */
static inline int isr_zones_water_at(const isr_zones *z, size_t c)
{
    if (z->wbits)
        return (z->wbits[c >> 3] >> (c & 7)) & 1;
    return z->water && z->water[c];
}

/* Packs the water mask into a bit a cell (wbits) and frees the bytes: 7 bytes in 8 fewer for
 * the rest of the run. ISR_OK, or out of memory (the bytes kept). */
isr_status isr_zones_pack_water(isr_ctx *ctx, const isr_grid *g, isr_zones *z);

/* The people of cell c (unpadded index): 0 outside every unit and where none are known. */
static inline double isr_zones_pop_at(const isr_zones *z, size_t c)
{
    if (z->pop)
        return z->pop[c];
    int i = isr_zones_unit_at(z, c);
    if (i < 0 || !z->udens)
        return 0.0;
    if (z->uhost[i]) {
        size_t lo = 0, hi = z->nhost;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (z->hcell[mid] < c)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < z->nhost && z->hcell[lo] == c)
            return z->hval[lo];
    }
    return isr_zones_water_at(z, c) ? z->wdens[i] : z->udens[i];
}

/* Rasterizes the units onto the grid and spreads population: each unit's people evenly over
 * its cells, or the `population` raster (people per cell, summed onto the grid). A unit with
 * no cell centre gets the cell at its interior point, so nobody is lost. */
isr_status isr_zones_build(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                           const char *population, isr_zones *z);
void isr_zones_clear(isr_zones *z);
/* isr_zones_build with a water mask (water.c; taken, NULL: none): water cells hold no
 * people (a unit's people go to its land cells; a unit wholly on water is warned about,
 * naming `water_path`, and keeps them there), cells[] counts land cells and area[] all. */
isr_status isr_zones_build_water(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                                 const char *population, uint8_t *water,
                                 const char *water_path, isr_zones *z);
/* isr_zones_build_water in two steps, so that the water can be read beside the first: the
 * units rasterized and their cells counted (*ucells, for isr_zones_finish, which frees it;
 * no message but a failure), then the rest with the water mask (taken, NULL: none). */
isr_status isr_zones_begin(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                           const char *population, isr_zones *z, size_t **ucells);
isr_status isr_zones_finish(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                            const char *population, uint8_t *water, const char *water_path,
                            isr_zones *z, size_t *ucells);
/* The unit of the cell holding (x,y), or -1. */
int isr_zones_unit_xy(const isr_zones *z, const isr_grid *g, double x, double y);
/* z (read people with isr_zones_pop_at), or NULL when no unit's population is known (a
 * missing population field): then totals drawn from it are unknown, not 0. Borrowed. */
const isr_zones *isr_zones_people(const isr_zones *z, const isr_units *u);
/* Sums tallies by county up the hierarchy ([level][group]; the levels above the county
 * start at 0, tmin at +INF): each county with cells is first rounded to whole people, so that
 * every level adds up to the same total; then its cells, people, summed minutes (tsum) and
 * earliest minutes (tmin) go to its prefecture and province. tsum and tmin may be NULL. */
void isr_zones_sum_up(const isr_zones *z, size_t *const *cells, double *const *pop,
                      double *const *tsum, float *const *tmin);

/* The header lines of the per-hub tables: a reused hub's tables must have exactly these (an
 * older version's tables are recomputed, not reused). Each table meant for people starts
 * with ISR_CSV_BOM (UTF-8 byte order mark: Excel then reads the names as UTF-8), then its
 * header line. */
#define ISR_CSV_BOM "\xEF\xBB\xBF"
#define ISR_STATIONS_CSV_HEADER                                                                 \
    "hub_id,station_id,station_name,station_name_en,rail_minutes,x,y,lon,lat,door_minutes,"    \
    "reached_by\n"
#define ISR_REACH_CSV_HEADER                                                                    \
    "hub_id,level,code,name,name_en,prefecture_code,province_code,area_km2,reached_km2,"       \
    "area_share,population,pop_reached,pop_share,min_minutes,mean_minutes_area,"               \
    "mean_minutes_people,"                                                                      \
    "other_province,other_prefecture,pop_unknown_units,land_km2\n"

/* ---- reach.c -------------------------------------------------------------------------- */

/* One hub's tallies per group of each level. */
typedef struct isr_reach {
    size_t *cells[ISR_NLEVELS]; /* cells reached */
    double *pop[ISR_NLEVELS];   /* people in them */
    float *tmin[ISR_NLEVELS];   /* earliest minutes */
    double *tsum[ISR_NLEVELS];  /* sum of minutes over the cells reached */
    double *ptsum[ISR_NLEVELS]; /* sum of people × minutes over the cells reached */
    double *praw[ISR_NLEVELS];  /* people in them, not rounded (ptsum / praw: mean minutes) */
    int own[ISR_NLEVELS];       /* the group holding the hub, or -1 */
    size_t min_cells;           /* a county with fewer cells reached is not counted (slivers) */
    size_t outside; /* cells reached in no unit and not water: a station's cell outside every
                       unit, or land the boundaries leave out (rereach.c says it) */
} isr_reach;

typedef struct isr_reach_totals_t {
    size_t cells;
    double pop, pop_outside_province, pop_outside_prefecture;
    int groups_reached[ISR_NLEVELS];
    int pop_unknown_units; /* counties reached whose population is unknown */
    double mean_min_people; /* people-weighted mean minutes over the people reached, or NAN */
} isr_reach_totals_t;

isr_status isr_reach_init(isr_ctx *ctx, isr_reach *r, const isr_zones *z);
void isr_reach_free(isr_reach *r);
/* The fewest cells of a county that count as reaching it: --min-reach km² in cells of
 * cell_m, at least one. */
size_t isr_reach_min_cells(double min_km2, double cell_m);
/* Tallies the cells a search reached (padded indexes, times in seconds) for a hub whose own
 * jurisdiction is unit `own_unit` (isr_hub_jurisdiction; -1: none, all reach is
 * cross-border). */
void isr_reach_compute(isr_reach *r, const isr_zones *z, const isr_grid *g, const float *time_s,
                       const uint32_t *touched, size_t ntouched, int own_unit);
/* The hub's own jurisdiction: the unit whose polygon holds hub (x, y) (*dist_m = 0), else
 * the nearest unit when it lies within `max_m` (*dist_m its distance), else -1 (*dist_m the
 * distance to the nearest unit, +INF when there is none). Units as near as each other (a hub
 * on a border, or halfway between two, or inside units that overlap): the one the zone raster
 * gives the hub's cell (`cell_unit`, -1: none or not known), where its travel starts and
 * where the tables count that cell; else the one holding `cell`, the centre of that cell;
 * else the lowest code; *ties counts the others. */
#define ISR_OWN_MAX_M 5000.0
/* region.c: a hub's jurisdiction for run.json: {"unit", "name", "how": "contains",
 * "nearest, 3.0 km" or "none"} (a json_object *; void * here, to keep json-c out of this
 * header). */
void *isr_jurisdiction_json(const isr_units *u, int unit, double dist_m);
int isr_hub_jurisdiction(const isr_units *u, const double hub[2], const double cell[2],
                         int cell_unit, double max_m, double *dist_m, int *ties);
/* The warnings of a hub's jurisdiction (isr_hub_jurisdiction's unit, d and ties): a tie, a
 * hub outside every polygon taking the nearest unit, or none within ISR_OWN_MAX_M (all its
 * reach cross-border). `of` follows "every boundary polygon" ("" or " of 'B'"). */
void isr_hub_jurisdiction_warn(isr_ctx *ctx, const isr_units *u, const char *id,
                               const double hub[2], const double cell[2], int unit, double d,
                               int ties, const char *of);
/* Whether group `gi` of `level` lies in another group of level `of` (ISR_PROVINCE or
 * ISR_PREFECTURE) than the hub's own: 1 or 0 (1 when the hub has none there); -1 when `level`
 * is above `of` (a province is no one prefecture). */
int isr_reach_other(const isr_reach *r, const isr_zones *z, int level, int gi, int of);
void isr_reach_totals(const isr_reach *r, const isr_zones *z, isr_reach_totals_t *t);
/* Copies one hub's tallies into row `hub` of the per-hub tables ([level][hub × groups]) and
 * its own groups into own[0..ISR_NLEVELS-1], for the region products. */
void isr_reach_store(const isr_reach *r, const isr_zones *z, int hub, size_t *const *cells,
                     double *const *pop, int *own);
/* Writes reach.csv of hub `hub_id`: one row per unit reached at each level (header in
 * README), UTF-8 with a BOM. */
isr_status isr_reach_write_csv(isr_ctx *ctx, const char *path, const char *hub_id,
                               const isr_reach *r, const isr_zones *z, const isr_units *u,
                               double cell_km2);

/* ---- tables.c ------------------------------------------------------------------------- */

/* One row per hub: hubs/<hub>/summary.csv and region/hubs_summary.csv. */
#define ISR_SUMMARY_CSV_HEADER                                                                  \
    "hub_id,hub_name,province_code,province_name,prefecture_code,prefecture_name,budget_min,"  \
    "area_km2,people_reached,people_outside_province,people_outside_prefecture,"              \
    "share_outside_province,mean_minutes_people,counties_reached,prefectures_reached,"        \
    "provinces_reached,pop_unknown_units_reached\n"
#define ISR_PEOPLE_BY_MINUTE_CSV_HEADER "hub_id,minute,people_within,area_km2_within\n"

/* What the per-hub tables of tables.c are made of (all borrowed). */
typedef struct isr_hub_tables {
    const char *hub_id, *hub_name;
    const isr_reach_totals_t *tot;
    const int *own; /* [ISR_NLEVELS]: the hub's own group at each level, or -1 */
    double budget_min;
} isr_hub_tables;

/* One row of ISR_SUMMARY_CSV_HEADER for a hub (people unknown: empty fields, not 0). */
void isr_hub_summary_row(FILE *f, const isr_hub_tables *h, const isr_zones *z,
                         const isr_units *u, double cell_km2);
/* A summary CSV (UTF-8 + BOM, ISR_SUMMARY_CSV_HEADER) of `n` hubs' rows at `path`: a hub's
 * summary.csv (n = 1) and region/hubs_summary.csv. */
isr_status isr_hub_summary_csv(isr_ctx *ctx, const char *path, const isr_hub_tables *rows,
                               int n, const isr_zones *z, const isr_units *u, double cell_km2);
/* Writes `dir`/summary.csv (the hub's row) and `dir`/people_by_minute.csv: for every whole
 * minute 0..budget (and the budget itself when it is not whole), the people (per cell
 * `people`, NULL: unknown, empty fields) and the area of the cells reached within it, from
 * one search's cells (padded indexes, seconds), as the isochrones count them. UTF-8 + BOM. */
isr_status isr_hub_tables_write(isr_ctx *ctx, const char *dir, const isr_hub_tables *h,
                                const isr_zones *z, const isr_units *u, const isr_grid *g,
                                const float *time_s, const uint32_t *touched, size_t ntouched,
                                const isr_zones *people);

/* ---- isochrone.c ---------------------------------------------------------------------- */

#define ISR_MAX_BANDS 64

/* One band: the cumulative polygon (within hi_min) and the ring (lo_min, hi_min], in the
 * analysis CRS, with their polygon areas, cell areas and people. */
typedef struct isr_band_poly {
    double lo_min, hi_min;
    GEOSGeometry *within, *ring, *raw_within;
    double within_km2, ring_km2;          /* polygon areas after cleaning */
    double cells_km2, ring_cells_km2;     /* area of the cells themselves */
    double pop_within, pop_ring;
} isr_band_poly;

/* Parses "--bands" ("15,30,45,60": increasing, each in (0, budget]); NULL gives every 15
 * minutes up to the budget. `out` holds ISR_MAX_BANDS. */
isr_status isr_bands_parse(isr_ctx *ctx, const char *spec, double budget_min, double *out,
                           int *n);
/* Polygons of the bands from one search's cells (padded indexes, seconds). `pop` is people
 * per (unpadded) cell or NULL. Fills out[0..nb-1]; free with isr_band_polys_free. */
isr_status isr_isochrones_build(isr_ctx *ctx, isr_geos *gc, const isr_grid *g,
                                const float *time_s, const uint32_t *touched, size_t ntouched,
                                const isr_zones *pop, const double *bands, int nb,
                                double min_area_m2, double simplify_m, isr_band_poly *out);
void isr_band_polys_free(isr_geos *gc, isr_band_poly *b, int nb);
/* Writes the bands as RFC 7946 GeoJSON (EPSG:4326, 6 decimals): the "within" features, then
 * the "ring" features. `wkt` is the analysis CRS. */
isr_status isr_isochrones_write(isr_ctx *ctx, isr_geos *gc, const char *path, const char *wkt,
                                const isr_band_poly *b, int nb, const char *hub_id,
                                const char *hub_name);

/* ---- products.c ----------------------------------------------------------------------- */

/* Everything the region-wide reach products need, gathered after all hubs ran. */
typedef struct isr_region_reach {
    const isr_grid *grid;
    const isr_zones *zones;
    const isr_units *units;
    const isr_rail_net *net;
    const int *hubs; /* station numbers */
    int nhubs;
    double budget_min;
    size_t *const *hub_cells; /* [level][hub × group] */
    double *const *hub_pop;   /* [level][hub × group] */
    const isr_reach_totals_t *tot; /* per hub */
    const int *own;                /* per hub × level: own group or -1 */
    const struct isr_acc *acc;     /* the pass's region accumulators (acc.h) */
    const char *prov_json;         /* provinces.geojson, made once with the model */
    size_t prov_len;
    const char *units_geom;        /* isr_units_geometry_json's text, or NULL: made here */
    size_t units_geom_len;
} isr_region_reach;

/* The units' geometries as units.geojson writes them (GDAL's GeoJSON writer: RFC 7946,
 * WGS 84, 6 decimals), one line per unit in unit order ("null" for none), for units u0 to
 * u1 - 1: made once per model (model.c, in parts on its threads, kept in the model cache),
 * so that a run writes units.geojson's properties and splices the geometries in instead of
 * reprojecting and formatting 600,000 vertices. *text NULL (and ISR_OK): a layout this does
 * not know, units.geojson is then written the long way. */
isr_status isr_units_geometry_json(isr_ctx *ctx, const isr_units *units, const char *wkt,
                                   int u0, int u1, char **text, size_t *len);

/* provinces.geojson in memory (*bytes: new memory, *len bytes): each province the union
 * of its units (isr_geos_dissolve), RFC 7946 GeoJSON; made once per model (model.c: beside
 * the rasters, for it reads the units only) and kept in the model cache, for it depends on
 * the boundaries only. isr_provinces_geojson does it all; the model's build does it in
 * steps: isr_provinces_begin, then isr_provinces_dissolve for each of the
 * isr_provinces_count provinces (on any thread, several at once), then isr_provinces_text
 * once every one is dissolved, and isr_provinces_free (also after a failure). */
isr_status isr_provinces_geojson(isr_ctx *ctx, const isr_units *units, const char *wkt,
                                 char **bytes, size_t *len);
typedef struct isr_provinces isr_provinces;
isr_status isr_provinces_begin(isr_ctx *ctx, const isr_units *units, isr_provinces **out);
int isr_provinces_count(const isr_provinces *p);
isr_status isr_provinces_dissolve(isr_ctx *ctx, isr_provinces *p, int gi);
isr_status isr_provinces_text(isr_ctx *ctx, isr_provinces *p, const char *wkt, char **bytes,
                              size_t *len);
void isr_provinces_free(isr_provinces *p);
/* After every province is dissolved: 1 when the units are known to form a clean coverage
 * (each province the coverage union of its units, of their summed area, and the provinces'
 * coverage union valid and of theirs), so that the overlap check has nothing to look for;
 * 0 when not known (check the units themselves: isr_units_find_overlaps). */
int isr_provinces_coverage_clean(const isr_provinces *p);
/* Whether province gi, dissolved, is the coverage union of its units, of their summed area. */
int isr_provinces_covered(const isr_provinces *p, int gi);

/* Writes OUT/region/reach_matrix.csv, units.geojson and summary.json (see README). */
isr_status isr_region_reach_write(isr_ctx *ctx, const isr_region_reach *rr, const char *dir);

/* ---- products.c: the rail inputs beside the outputs ------------------------------------ */

/* Copies one layer of an OGR source to RFC 7946 GeoJSON (EPSG:4326) at `dst`, reading a
 * shapefile's text in `encoding` (NULL: as declared); bytes still not UTF-8 become U+FFFD.
 * `name_en` (NULL: none) names the field copied as property "name_en" (blank when the
 * layer has no such field). */
isr_status isr_vector_export(isr_ctx *ctx, const char *src, const char *layer,
                             OGRwkbGeometryType want, const char *encoding, const char *name_en,
                             const char *dst);
/* The layer of `ds` an input names none of: the one layer of the family of `want` (points,
 * lines, polygons) when a source of several has exactly one, else the first; *nmatch (may be
 * NULL) the layers of that family when there are several (0 for a source of one), named in
 * `names` (n bytes, may be NULL). */
OGRLayerH isr_layer_default(GDALDatasetH ds, OGRwkbGeometryType want, int *nmatch, char *names,
                            size_t n);

/* ---- geojson_out.c -------------------------------------------------------------------- */

typedef struct isr_geojson_field {
    const char *name;
    OGRFieldType type;
} isr_geojson_field;

/* An RFC 7946 GeoJSON layer being written (in memory until closed). */
typedef struct isr_geojson {
    const char *path; /* the final file */
    char *mem;
    GDALDatasetH ds;
    OGRLayerH lyr; /* add features here, their geometries with isr_geojson_set_geometry */
    OGRSpatialReferenceH srs, wgs; /* the analysis CRS (`wkt`), the layer's WGS 84 */
    OGRGeomTransformerH to_wgs; /* as GDAL's driver transforms (WRAPDATELINE=YES) */
    OGRCoordinateTransformationH ct; /* the plain transformation */
    isr_sb text;         /* the text of fast[i] features' geometries, a line each */
    unsigned char *fast; /* per feature added: 1 when its geometry is in `text` */
    int nfeat, capfeat, nfast;
    int valid;    /* set by the caller: polygons made valid as written (isr_geojson_add) */
    isr_geos *gc; /* for them, made on first use */
    int ninvalid, first_invalid; /* features left invalid, and the first one's index */
} isr_geojson;

/* Opens a multipolygon layer for `path` with the given fields, geometries in CRS `wkt`. */
isr_status isr_geojson_open(isr_ctx *ctx, isr_geojson *w, const char *path, const char *layer,
                            const char *wkt, const isr_geojson_field *fields, int nfields);
/* Closes; when `st` is ISR_OK copies the file to its path (every write checked). Always
 * releases everything. Returns `st`, or the failure of the copy. */
isr_status isr_geojson_close(isr_ctx *ctx, isr_geojson *w, isr_status st);
/* Closes and returns the file's bytes (new memory, NUL-terminated, *len bytes) instead of
 * writing it; NULL when out of memory. Always releases everything. */
char *isr_geojson_take(isr_ctx *ctx, isr_geojson *w, size_t *len);
/* `g` as a multipolygon when it is a polygon (takes ownership, like OGR_G_ForceTo…). */
OGRGeometryH isr_multipolygon(OGRGeometryH g);
/* Sets feature f's geometry from g (in the analysis CRS; taken, NULL: none): a multipolygon
 * in WGS 84, cut at the 180° meridian where it crosses it. -1 when it cannot be transformed. */
int isr_geojson_set_geometry(isr_geojson *w, OGRFeatureH f, OGRGeometryH g);
/* Adds feature f (OGR_L_CreateFeature), its polygons written by geojson_text.c when GDAL
 * would write the same bytes (f's geometry is then taken: f left without); with w->valid
 * set, first made valid as the file holds them (isr_geojson_valid_as_written; those it
 * cannot make so counted in ninvalid). 0, or -1. */
int isr_geojson_add(isr_geojson *w, OGRFeatureH f);
/* 1 when geojson_text.c writes the bytes GDAL's driver writes (checked once a process). */
ISR_INTERNAL int isr_geojson_fast_text(void);
/* The lines of a GeoJSON file written by GDAL's driver that hold one feature each, in
 * order: *starts[i] the offset of feature i's line, ends at the next '\n'. -1 when the file
 * is not laid out so (a GDAL that writes otherwise: the callers then do without). */
int isr_geojson_feature_lines(const char *text, size_t len, size_t **starts);
/* `props` (GDAL's file of nfeat features) with the "geometry": null of each feature i
 * whose mask[i] is set (every one: mask NULL) replaced by the next line of `geom`. New
 * memory (*out_len bytes), or NULL when the layout is not the expected one. */
char *isr_geojson_splice(const char *props, size_t plen, const char *geom, size_t glen,
                         int nfeat, const unsigned char *mask, size_t *out_len);

/* ---- geojson_text.c ------------------------------------------------------------------- */

/* v as GDAL's GeoJSON driver writes a coordinate at 6 decimals, into s (40 bytes at least,
 * NUL-terminated); its length. */
ISR_INTERNAL size_t isr_geojson_coord(char *s, double v);
/* The GeoJSON text of lon/lat polygon or multipolygon g (RFC 7946 winding, 6 decimals), the
 * bytes GDAL's driver writes for it, appended to sb: 0, or -1 (sb unchanged) for what it
 * does not write (other types, Z or M, empty parts, values beyond lon/lat). */
ISR_INTERNAL int isr_geojson_polygons_text(OGRGeometryH g, isr_sb *sb);
/* Makes feature f's lon/lat polygons valid as the file will hold them (6 decimals, GDAL's
 * clean-up): when those coordinates make an invalid polygon (edges closer than the grid
 * crossing, a ring touching itself), f's geometry is snapped to the grid of 1e-6° by GEOS,
 * its polygons kept. 0 (valid, or made so), -1 when it stays invalid (the caller warns). */
ISR_INTERNAL int isr_geojson_valid_as_written(isr_geos *gc, OGRFeatureH f);

/* ---- friction.c ----------------------------------------------------------------------- */

/* The friction surface (seconds per metre, padded, +INF = barrier): `base_spm` in cells of
 * some unit of `z` (isr_zones_unit_at >= 0), barrier elsewhere and on z's water (water is
 * impassable for local travel: roads and bridges reopen it later); with `raster` given, its
 * values warped onto the grid replace the base value (its nodata cells, and land cells
 * beyond its extent, become barriers; the latter are warned about and counted in *uncovered
 * when not NULL). A raster holding 0, negative, NaN or infinite values (not nodata) in the
 * region is refused. New array (free()). */
isr_status isr_friction_build(isr_ctx *ctx, const isr_grid *g, const isr_zones *z,
                              double base_spm, const char *raster, float **out,
                              size_t *uncovered);

/* The values of a friction surface, by their bits, in an open-addressed table of 512 slots:
 * at most 256, numbered in the order first met (friction.c: isr_fric_encode and
 * isr_fric_draft_set number them alike). */
typedef struct isr_fric_values {
    uint32_t key[512];
    int16_t slot[512];
    int n;
} isr_fric_values;

/* A friction surface while the model builds it (n padded cells): in floats (f32), or a byte
 * a cell (code; f32 NULL) and the table of its values.n values, each value once (lut).
 * Read and written through isr_fric_draft_at and isr_fric_draft_set. */
typedef struct isr_fric_draft {
    float *f32;
    uint8_t *code;
    float lut[256];
    isr_fric_values values;
    size_t n;
} isr_fric_draft;

/* The base surface of isr_friction_build without a raster, coded from the start (code 0 a
 * barrier, 1 the base friction: a byte a cell where the floats took four), into *d. */
isr_status isr_friction_build_coded(isr_ctx *ctx, const isr_grid *g, const isr_zones *z,
                                    double base_spm, isr_fric_draft *d);

static inline float isr_fric_draft_at(const isr_fric_draft *d, size_t k)
{
    return d->f32 ? d->f32[k] : d->lut[d->code[k]];
}

/* Cell k set to x (positive, never NaN). A coded surface takes x's code, numbered when new;
 * with 256 values already, the surface turns into floats first (4 bytes a cell). 0, or -1
 * when out of memory for them. */
int isr_fric_draft_set(isr_fric_draft *d, size_t k, float x);

/* The surface `fric` (n cells) as a byte a cell and a table of its values, when it holds at
 * most 256 values (+INF among them): 1 with the codes in the first n bytes of fric itself
 * (shrink it to them with realloc) and lut[0..255] set (codes in the order the values are
 * first met, so the same surface gives the same bytes; the entries no cell uses are +INF);
 * 0 when it holds more, fric untouched. No memory of its own: the surface's floats and its
 * codes are never held at once. Values are told apart by their bits (never NaN). */
int isr_fric_encode(float *fric, size_t n, float lut[256]);

/* ---- roads.c -------------------------------------------------------------------------- */

/* Burns the roads of the run (isr_options_roads(opt), lines in any CRS, transformed by `srs`)
 * into `fric` (padded): friction = min(current, 3.6 / road km/h), so roads cross barriers.
 * Speeds from opt->road_speed_field or the class table; --access caps them and leaves out
 * classes. Refuses missing fields, speeds outside (0, 200] km/h (listing the features) and
 * geometries that are not lines; warns about classes not in the table (base speed,
 * `base_spm`). *ncells (may be NULL): the cells the roads made faster. No roads: ISR_OK. */
isr_status isr_roads_burn(isr_ctx *ctx, const isr_options *opt, const isr_grid *g,
                          OGRSpatialReferenceH srs, double base_spm, isr_fric_draft *fric,
                          size_t *ncells);

/* Warps a raster's first band onto the grid (GDALWarp with `resampling`, onto a grid that
 * starts as nodata); values in new memory (nx·ny, NAN for nodata and for cells the raster
 * does not reach). `what` names the input in messages. With `positive`, values that are
 * not positive and finite (other than nodata) under the grid are refused; with
 * ISR_WARP_PEOPLE instead, NaN, infinity, negative counts and more than ISR_MAX_PEOPLE_KM2
 * people per km² of a pixel are (a population raster). With `z` (the zones), the
 * land cells (in a unit) whose centre lies beyond the raster's extent are counted into
 * *uncovered. */
#define ISR_WARP_PEOPLE 2
/* Ten times the densest city districts on earth (about 100,000 people per km²). */
#define ISR_MAX_PEOPLE_KM2 1e6
isr_status isr_raster_warp(isr_ctx *ctx, const isr_grid *g, const char *path, const char *what,
                           const char *resampling, const isr_zones *z, int positive,
                           float **out, size_t *uncovered);
/* Warns "`what` '`path`' covers N % of the region's land cells; the other C cells (A km²)
 * `consequence`" when `uncovered` > 0. */
void isr_raster_coverage_warn(isr_ctx *ctx, const isr_grid *g, const isr_zones *z,
                              const char *what, const char *path, size_t uncovered,
                              const char *consequence);
/* A MEM raster dataset on the grid; _wrap: its band is `data` (nx·ny values of `type`, row by
 * row, kept by the caller and outliving the dataset), so nothing is copied. */
GDALDatasetH isr_grid_mem(const isr_grid *g, GDALDataType type);
GDALDatasetH isr_grid_mem_wrap(const isr_grid *g, GDALDataType type, void *data);

/* ---- water.c -------------------------------------------------------------------------- */

/* The water input of a run: opt->water, except "none", and except the sample's water when
 * the boundaries are not the sample's and --water was not given. Borrowed; NULL: none. */
const char *isr_options_water(const isr_options *opt);
/* The water mask of the grid (nx·ny bytes, 1 where the cell centre lies in a polygon of the
 * water layer `path`/`layer`, reprojected into `srs`; new memory) and its count of water
 * cells. Fails naming the input when it cannot be opened, has no such layer, is empty or
 * holds no polygons. */
isr_status isr_water_load(isr_ctx *ctx, const char *path, const char *layer,
                          OGRSpatialReferenceH srs, const isr_grid *g, uint8_t **out,
                          size_t *nwater);

/* ---- raster_io.c ---------------------------------------------------------------------- */

/* A COG written at `tmp` (by isr_write_cog_ds to another path) renamed to `path`, with the
 * .aux.xml GDAL may have written beside it; on failure its files are removed. */
isr_status isr_cog_commit(isr_ctx *ctx, const char *tmp, const char *path);
/* Removes a COG's temporary files: `tmp`, its .aux.xml and the COG driver's .ovr.tmp. */
void isr_cog_discard(const char *tmp);

/* COGs wider or taller than this many cells get internal overviews (GDAL's AUTO: halving down
 * to one 512-cell tile); smaller ones none. */
#define ISR_COG_OVERVIEW_PX 2048

/* Writes a band as a Cloud-Optimized GeoTIFF (deflate, internal overviews) at `path` via a
 * temporary name. `data` covers the window (col0,row0,w,h) of the grid, type GDT_Float32,
 * GDT_Int16 or GDT_UInt16. `meta` is a NULL-terminated list of "KEY=VALUE". */
isr_status isr_write_cog(isr_ctx *ctx, const char *path, const isr_grid *g, int col0, int row0,
                         int w, int h, GDALDataType type, const void *data, double nodata,
                         const char *band_desc, const char *unit, char **meta,
                         const char *resampling);
/* The same from the first band of a dataset (a MEM or VRT one: its geotransform and CRS
 * set), which gets the nodata, description, unit and metadata. */
isr_status isr_write_cog_ds(isr_ctx *ctx, const char *path, GDALDatasetH src, double nodata,
                            const char *band_desc, const char *unit, char **meta,
                            const char *resampling);

/* Where raster `ds` lies on grid `g`: 0 with its first column and row when it is a window of
 * the grid's cells, -1 when its cells are not the grid's (size), 1 when it lies (partly)
 * outside the grid or off its cell edges. */
int isr_raster_window(GDALDatasetH ds, const isr_grid *g, int *col0, int *row0);

/* Whether a raster's HUB_ID tag names hub `id`: GDAL's metadata (XML) drops control
 * characters, which an id may hold, so they are left out of both sides. */
int isr_same_hub_id(const char *tag, const char *id);
/* Hub `id`'s travel-time raster `path` without reading its pixels: it opens, its HUB_ID is
 * the hub's, and every tile's bytes lie within the file. ISR_ERR_INPUT naming the file, with
 * `again` (what to do) at the end, when not. */
isr_status isr_hub_raster_check(isr_ctx *ctx, const char *path, const char *id,
                                const char *again);

/* Reads a travel-time raster written by isr_run (Float32 minutes, nodata -9999, a window of
 * the grid) into `time_s` (padded, seconds), listing the cells set in w->touched. With
 * `settings`, its ISOREACH_SETTINGS must match. The hub position (HUB_X/HUB_Y metadata) is
 * returned when hx/hy are given. On failure the time array is left clean. */
isr_status isr_time_raster_read(isr_ctx *ctx, const char *path, const isr_grid *g,
                                const char *settings, float *time_s, isr_cd_work *w, double *hx,
                                double *hy);
/* The grid (size, cell edges, CRS) of a raster written by isr_run. */
ISR_INTERNAL isr_status isr_grid_from_raster(isr_ctx *ctx, const char *path, isr_grid *g);

/* ---- files.c -------------------------------------------------------------------------- */

/* Whether a spreadsheet would read text `s` as a formula: isr_csv_field writes it after a
 * '. */
ISR_INTERNAL int isr_csv_formula_like(const char *s);
/* A field isr_csv_field wrote, as it was before: without the ' it put before text a
 * spreadsheet would take for a formula (borrowed, within `s`). */
ISR_INTERNAL const char *isr_csv_unescaped(const char *s);

isr_status isr_mkdirs(isr_ctx *ctx, const char *path);
/* isr_mkdirs for a folder below the output folder `out`, refused when a folder between them
 * (or it) is a symbolic link: outputs written, and earlier ones deleted, through one would be
 * outside --out. */
isr_status isr_mkdirs_under(isr_ctx *ctx, const char *out, const char *path);
/* The folders of `path` below `out` that exist, none a symbolic link: else refused, naming it
 * (before a run touches anything: isr_mkdirs_under refuses only when the run gets there). */
isr_status isr_out_path_check(isr_ctx *ctx, const char *out, const char *path);
/* The folders isoreach writes in under `out` (region, hubs, scenarios, those in hubs/ and
 * scenarios/), none a symbolic link: else refused, naming it (map, reach and merge, which
 * write in every hub's folder). */
ISR_INTERNAL isr_status isr_out_links_check(isr_ctx *ctx, const char *out);
/* A temporary name beside `path` for this process ("dir/.name.part-PID"). New string. */
ISR_INTERNAL char *isr_tmp_name(const char *path);
/* Renames tmp → path; on failure removes tmp and fails naming `path`. */
ISR_INTERNAL isr_status isr_commit_file(isr_ctx *ctx, const char *tmp, const char *path);
/* Closes a stdio file written at `tmp` and renames it to `path`. Any write error (stdio's
 * error flag, the final flush, fclose) removes tmp and fails naming `path` and the reason. */
ISR_INTERNAL isr_status isr_close_commit(isr_ctx *ctx, FILE *f, const char *tmp, const char *path);
/* Opens the temporary file for `path` ("wb") as *f; *tmp is its name (new string). Fails
 * naming `path` and the reason (*f and *tmp NULL) when it cannot be created. Finish with
 * isr_close_commit(ctx, *f, *tmp, path), then free(*tmp). */
ISR_INTERNAL isr_status isr_open_tmp(isr_ctx *ctx, const char *path, char **tmp, FILE **f);
/* Writes `len` bytes of `text` to `path` through a temporary file, every write checked. */
ISR_INTERNAL isr_status isr_write_text(isr_ctx *ctx, const char *path, const char *text, size_t len);
/* A json_object (void * here, to keep json-c out of this header) written pretty and spaced,
 * as run.json is, through isr_write_text; NULL: out of memory. */
ISR_INTERNAL isr_status isr_write_json(isr_ctx *ctx, const char *path, void *json);
/* Copies the /vsimem/ file `mem` to `path` (via a temporary name, with isr_close_commit's
 * checks) and unlinks `mem`: for GDAL drivers that do not report their write errors. */
isr_status isr_commit_vsimem(isr_ctx *ctx, const char *mem, const char *path);
/* Abandons a temporary file from isr_open_tmp() whose content is known bad (closes `f` once,
 * removes `tmp`); the caller records why. */
ISR_INTERNAL void isr_discard_tmp(FILE *f, const char *tmp);
/* Why writing `path` failed, for messages: strerror(err), or "No space left on device"
 * when the file system holding it has less than 1 MB free (GDAL drivers lose errno). */
ISR_INTERNAL const char *isr_write_reason(const char *path, int err);
/* Removes OUT/run.json, the mark of a finished run that `reach`, `map` and the web map read,
 * before a run or shard writes its first hub: until it finishes, the folder holds another
 * run's results beside its own, and no command may take it as whole. Writes the folder's
 * lasting mark, ISR_OUTPUT_MARK, when it is not there. */
void isr_out_unmark(isr_ctx *ctx, const char *out);
/* The file that marks a folder as an isoreach output for good (isr_out_dir refuses a folder
 * of other files). */
#define ISR_OUTPUT_MARK ".isoreach-output"
/* 1 when a file named s (its part before the first '.', any case) is a Windows device: CON,
 * PRN, AUX, NUL, COM0-9, LPT0-9 (and COM/LPT with ¹ ² ³), which no folder can be named. */
int isr_windows_device(const char *s);
/* OUT/.isoreach-recount: left by isr_out_unmark when the run.json it removed says that
 * `isoreach reach` recounted the folder (on other boundaries or people, maybe), until a run
 * or merge finishes there (isr_out_recounted). While it is there, a hub reused from the
 * folder has its isochrones' people counted again, as its tables are: they may be reach's. */
#define ISR_RECOUNT_NAME ".isoreach-recount"
ISR_INTERNAL int isr_out_recount_pending(const char *out);
/* Whether OUT/run.json is there and records an `isoreach reach` ("reach"). */
ISR_INTERNAL int isr_out_reach_recorded(const char *out);
ISR_INTERNAL void isr_out_recounted(const char *out);
/* Checks the output folder before any work: creates it (and its parents) and writes a probe
 * file in it; fails naming --out and the reason. *created is the top-most folder it made
 * (new string, NULL if none), for isr_rmdirs_empty() when the run fails. */
isr_status isr_out_dir(isr_ctx *ctx, const char *path, char **created);
/* Removes the temporary files (".name.part-PID", also GDAL's ".name.part-PID.ovr.tmp") that a
 * killed run left in an output folder (OUT, OUT/region, OUT/hubs/<folder>), when process PID
 * no longer runs: regular files directly in those folders only, never through a symbolic
 * link (a linked region or hub folder is skipped). Returns how many were removed. */
int isr_tmp_sweep(const char *out);
/* isr_tmp_sweep, and how many it removed said as an info line (run, merge, reach, map). */
void isr_tmp_sweep_said(isr_ctx *ctx, const char *out);
/* The same in folder `dir` alone, for files named `prefix`… (NULL: any) not written for
 * `idle_s` seconds either (a folder other hosts may write, such as a shared --model-cache:
 * their processes are not this host's to see); returns how many it removed. */
int isr_tmp_sweep_idle(const char *dir, int idle_s, const char *prefix);
/* Removes `path` and then its parents while they are empty, up to and including `top`
 * (which must be a prefix of path). NULL top: nothing. */
void isr_rmdirs_empty(const char *path, const char *top);
ISR_INTERNAL int isr_file_exists(const char *path);
/* Writes the text `s` as one CSV field (RFC 4180: quoted when it holds a comma, quote or
 * newline). Text that a spreadsheet would take for a formula (starting with = + @, a tab or
 * a carriage return, or - when it is not a number) is written after a ' (OWASP's advice), so
 * that a unit named =HYPERLINK(…) shows as text when a newsroom opens the table. */
void isr_csv_field(FILE *f, const char *s);
/* FNV-1a 64 of `n` bytes, continuing from `h` (start with ISR_FNV_SEED). */
#define ISR_FNV_SEED 14695981039346656037ULL
uint64_t isr_fnv1a(uint64_t h, const void *data, size_t n);
/* The folder of hub `id` under OUT/hubs/ (new string): the id itself when it is 1 to
 * ISR_HUB_FOLDER_MAX bytes of [A-Za-z0-9._-] (and UTF-8 letters) not starting or ending
 * with '.' and no Windows device name (CON, com1.txt…); else a stem of those characters, '-'
 * and 16 hex digits of the id's hash ("a_b-…" for "a/b"), so no id can name a path outside
 * OUT/hubs/. Every reader and writer of hub folders uses it; isr_run refuses two hubs of one
 * run that would share a folder, or whose folders differ only in the case of ASCII letters. */
#define ISR_HUB_FOLDER_MAX 64
ISR_INTERNAL char *isr_hub_folder(const char *id);
/* The entries of folder `dir` (hidden ones left out) that are none of names[0 .. n - 1]: the
 * first ten as "a, b, …" (new string, NULL for none), *count all of them. */
ISR_INTERNAL char *isr_dir_others(const char *dir, const char *const *names, int n, int *count);
/* Takes the lock of output folder `out` (OUT/.isoreach.lock holding the PID) for a command
 * that writes there. Fails (ISR_ERR_IO, naming the process and the lock file) while another
 * live process holds it; a lock left by a process that no longer runs is taken over (an info
 * message). *held is the lock to give to isr_out_unlock (NULL when the folder cannot hold a
 * lock, e.g. it does not exist: the command then fails on its own terms). */
#define ISR_LOCK_NAME ".isoreach.lock"
isr_status isr_out_lock(isr_ctx *ctx, const char *out, char **held);
/* Fails (naming the process and lock file) while another live process holds the lock of a
 * whole run of `out` (shards 0: a shard, having taken its own lock, must not write beside a
 * run of all hubs) or of any of its shards (shards 1: a run or merge, having taken the
 * folder's lock, must not write beside a shard). */
isr_status isr_out_refuse_others(isr_ctx *ctx, const char *out, int shards);
/* The same with lock file OUT/`name`; `what` ("shard 2 of 3"; NULL: the folder) names what
 * is locked in the message. Shards (shard.c) lock only their own share this way. */
isr_status isr_out_lock_named(isr_ctx *ctx, const char *out, const char *name, const char *what,
                              char **held);
/* Removes the lock (if still this process's) and frees `held`; NULL: nothing. */
ISR_INTERNAL void isr_out_unlock(char *held);
/* The fingerprint of everything that makes a hub's outputs what they are: every option that
 * changes them (parameters, field flags, layer names), the analysis CRS `wkt`, and each input
 * dataset's files as GDAL lists them (content of files up to 64 MB, else size and mtime);
 * an http(s) input by its URL and its local copy fetched on `ctx` (isr_fetch_local).
 * A resumed run reuses a hub's outputs only when it matches. */
uint64_t isr_run_fingerprint(isr_ctx *ctx, const isr_options *o, const char *wkt);
/* Each input dataset's part of the fingerprint on its own: {"--flag": "hex", …} (a flag given
 * more than once, as --gtfs, as "--gtfs 2"…), so that a merge can name the input that changed
 * since its shards ran. New object, or NULL when out of memory. */
struct json_object *isr_inputs_fingerprints(isr_ctx *ctx, const isr_options *o);
/* The key of input i of isr_options_inputs' names[]: its flag, "--gtfs 2"… for the second
 * and later of a flag given more than once. */
void isr_input_key(const char *const *names, int i, char *key, size_t n);
/* Each local input's files by name, size and modification time (isr_options_inputs; URLs
 * left out), stamped before the inputs are read, so that a file written over while the run
 * read it is told (isr_inputs_changed: the first input whose stamp moved, or NULL). */
#define ISR_MAX_STAMPS 32
typedef struct isr_stamps {
    uint64_t h[ISR_MAX_STAMPS];
    const char *path[ISR_MAX_STAMPS];
    int n;
} isr_stamps;
void isr_inputs_stamp(const isr_options *o, isr_stamps *st);
const char *isr_inputs_changed(const isr_options *o, const isr_stamps *before);
/* The same for the model's rasters (modelcache.c): less the flags that change only the
 * search or the products (budget, bands, waits, departure times…), plus the inputs a default
 * brings in (the sample's water and crossings) and the version. */
uint64_t isr_model_fingerprint(isr_ctx *ctx, const isr_options *o, const char *wkt);
/* When results of an earlier run are reused (`what` says which: the model cache, hubs): a
 * warning naming the inputs over 64 MB, which the fingerprints know by size and time only,
 * and `anew`, how to make those results again. */
void isr_warn_big_inputs(isr_ctx *ctx, const isr_options *o, const char *what, const char *anew);

/* ---- parallel.c ----------------------------------------------------------------------- */

/* Calls fn(user, i, worker) for i in [0, n), on up to `threads` threads (at most
 * ISR_PARALLEL_MAX; the calling one included, as worker 0; the others 1 … threads - 1), each
 * taking the next i in turn: jobs that share nothing but what `user` gives them. A thread
 * that cannot be started leaves its share to the others. */
#define ISR_PARALLEL_MAX 64
ISR_INTERNAL void isr_parallel(int threads, int n, void (*fn)(void *user, int i, int worker),
                               void *user);
/* isr_parallel, with begin(user, worker) called on each worker's thread before it takes its
 * first job and end(user, worker) after its last (either may be NULL): for what must be
 * made and let go of on the thread that uses it (a worker's fonts, GDAL's error handlers). */
ISR_INTERNAL void isr_parallel_with(int threads, int n,
                                    void (*fn)(void *user, int i, int worker), void *user,
                                    void (*begin)(void *user, int worker),
                                    void (*end)(void *user, int worker));

/* ---- strbuf.c ------------------------------------------------------------------------- */

/* Two arrays of *cap elements (of asz and bsz bytes) grown together to 2 × *cap, at least
 * `need` and `first`: 1, or 0 when memory runs out (each array then as it was, or larger). */
ISR_INTERNAL int isr_grow_pair(void **a, size_t asz, void **b, size_t bsz, int *cap, int need,
                               int first);

/* isr_sb: see the top */
ISR_INTERNAL void isr_sb_printf(isr_sb *b, const char *fmt, ...) ISR_PRINTF(2, 3);
/* Makes room for `extra` more bytes (and the NUL); 0 (and `oom` set) when memory ran out. */
ISR_INTERNAL int isr_sb_reserve(isr_sb *b, size_t extra);
/* Appends `len` bytes (which may hold NULs: the string is then only a byte buffer). */
ISR_INTERNAL void isr_sb_add(isr_sb *b, const void *data, size_t len);
/* Returns the string (caller frees) or NULL after an allocation failure; resets `b`. */
ISR_INTERNAL char *isr_sb_take(isr_sb *b);
/* `t` (taken over; NULL stays NULL) with every occurrence of `from`, left to right, replaced
 * by `to` (not searched again): a new string, `t` itself when `from` is not in it, or NULL
 * when memory ran out (t freed). */
ISR_INTERNAL char *isr_replace_all(char *t, const char *from, const char *to);

/* `s` as one word for a POSIX shell, in single quotes (a quote inside written '\''), into
 * buf of n bytes (cut to fit; ISR_SHQ_MAX holds any path): for the commands a message
 * suggests, which the user pastes. Returns buf. */
#define ISR_SHQ_MAX 16400
ISR_INTERNAL const char *isr_shq(const char *s, char *buf, size_t n);

/* A JSON number printed with `decimals` decimals (json-c would print 1995.6880000000001). */
struct json_object;
struct json_object *isr_json_num(double v, int decimals);

/* ---- fmt.c ------------------------------------------------------------------------------ */

/* printf and strtod in the "C" locale, whatever LC_NUMERIC the host set (fmt.c): every number
 * the engine writes or reads in a file goes through these, so it has a '.' decimal point.
 * Output cut short by `n` ends on a whole UTF-8 character (isr_utf8_whole). */
ISR_INTERNAL int isr_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
ISR_INTERNAL int isr_snprintf(char *buf, size_t n, const char *fmt, ...) ISR_PRINTF(3, 4);
ISR_INTERNAL int isr_fprintf(FILE *f, const char *fmt, ...) ISR_PRINTF(2, 3);
/* `v` with `decimals` decimals ("%.*f"), or all 17 significant digits when decimals < 0;
 * returns buf. */
ISR_INTERNAL char *isr_fmt_num(char *buf, size_t n, double v, int decimals);
ISR_INTERNAL double isr_strtod(const char *s, char **end);
/* `v` with `decimals` decimals and thousands separators ("1,234,567.8"), in
 * messages and map legends. */
ISR_INTERNAL void isr_fmt_thousands(char *buf, size_t len, double v, int decimals);

/* ---- csv.c, gtfs.c: GTFS feeds (issue 14) ----------------------------------------------- */

#include "timetable.h"

/* A CSV text split in place, record by record (csv.c says the dialect). `line` is the line
 * the current record starts on; f[0 .. nf-1] its fields; head[0 .. nhead-1] the header. */
typedef struct isr_csv {
    char *p;
    int line, next_line;
    char **f, **head;
    int nf, cap, nhead;
} isr_csv;
/* Starts reading `text` (NUL-terminated, modified in place, kept by the caller). */
void isr_csv_init(isr_csv *c, char *text);
/* Reads the header (the first record that is not blank), then isr_csv_next the data
 * records. Both return 1 for a record, 0 at the end, -1 for a quote not closed (c->line is
 * where its record starts), -2 when out of memory. */
int isr_csv_header(isr_csv *c);
int isr_csv_next(isr_csv *c);
/* The column called `name` in the header, or -1. */
int isr_csv_col(const isr_csv *c, const char *name);
/* Field `col` of the current record; "" when col < 0 or the record is shorter (borrowed). */
const char *isr_csv_get(const isr_csv *c, int col);
void isr_csv_clear(isr_csv *c);

/* Reads GTFS feeds (`feeds`: .zip files or folders, read through GDAL's VSI) into the
 * timetable of one service day, `date` ("YYYY-MM-DD"), keeping the routes whose route_type
 * is in `route_types` ("2,101,102,109", ranges "100-117" allowed; NULL: rail, 2 and
 * 100-117). With several feeds every id is prefixed "N:" (N from 1, the feed's place in
 * `feeds`) so that feeds never collide. gtfs.c's header says how times, calendars,
 * frequencies and transfers are read. Fails (ISR_ERR_INPUT) naming feed, file, line and
 * field; warns with a count about trips with no service on the date. *out: new memory,
 * isr_timetable_free(). */
isr_status isr_gtfs_read(isr_ctx *ctx, const char *const *feeds, int nfeeds, const char *date,
                         const char *route_types, isr_timetable **out);


/* ---- model.c: the region, loaded once (inputs, CRS, grid, zones, friction, network) ---- */

/* Hubs of one pass: station numbers, their folders under OUT/hubs/, their jurisdictions. */
typedef struct isr_hub_set {
    int *hubs;
    int n;
    char **folders;
    int *own_unit;      /* per hub: its jurisdiction (unit) or -1 */
    double *own_dist_m; /* per hub: 0 inside it, else the distance to it */
} isr_hub_set;

/* The public opaque isr_model. Everything in it is read-only once loaded. */
struct isr_model {
    isr_ctx *ctx;
    const isr_options *opt; /* borrowed: must outlive the model */
    isr_layer lb;           /* the boundaries, open (its name is in messages) */
    isr_layer ls, ll;       /* stations and lines, open from the field check until read */
    isr_units units;
    isr_zones zones;
    isr_grid grid;
    isr_rail_net *net;
    struct isr_gtfs_run *gtfs; /* GTFS mode (gtfsrun.c); NULL: lines mode */
    OGRSpatialReferenceH srs;
    char *wkt;   /* the analysis CRS (CPLFree) */
    /* The friction surface, padded, seconds per metre, +INF a barrier: in floats while it is
     * built (fric), then as a byte a cell (fric_code, fric_lut: isr_fric_encode) when it
     * holds at most 256 values, which frees the floats; read it through isr_model_fric. */
    float *fric;
    uint8_t *fric_code;
    float fric_lut[256];
    size_t fric_uncovered;
    size_t road_cells; /* cells the roads made faster (roads.c) */
    size_t water_cells; /* cells of water (water.c) */
    float fric_min; /* the least finite friction (fastest local travel): bounds a hub's window */
    uint8_t *clear; /* the isotropic kernel's clearance map of fric (costdist.h); NULL with
                       --kernel rcost */
    isr_crs_scale crs_scale;
    double bands[ISR_MAX_BANDS];
    int nbands;
    isr_hub_set hubs; /* the hubs of opt->hubs (the memory estimate counted their workers) */
    int threads;      /* worker threads for a pass */
    double bytes_per_cell; /* the memory estimate per region cell (grid.c checks it) */
    double load_s;    /* seconds the loading took */
    int loads;        /* times the inputs were read: 1 (tests check that asking does not reload) */
    void *cache_map;  /* the model cache file mapped (modelcache.c), or NULL: then the */
    size_t cache_len; /* rasters above are the model's own memory */
    char *cache_file; /* the model cache file read or written, NULL without --model-cache */
    int cache_hit;    /* 1: the rasters were mapped from cache_file, not built */
    int cache_written; /* 1: cache_file holds them (mapped, or written by this run) */
    int searched;     /* isr_model_searched: no search may run on it again */
    isr_stamps stamps; /* the inputs as the loading found them (isr_inputs_stamp) */
    char *opt_json;   /* isr_model_open: the options as the model was built for them (JSON) */
    int one_pass;     /* set before loading: the model serves one pass of isr_run, which
                         searches its hubs only, with opt's budget and network (no
                         scenarios, GTFS, shards or model cache): the clearance map may then
                         cover only their windows (isr_hubs_window) */
    char *prov_json;  /* provinces.geojson (isr_provinces_geojson or the cache), prov_len bytes */
    size_t prov_len;
    char *units_geom; /* isr_units_geometry_json (or the cache), units_geom_len bytes; NULL: */
    size_t units_geom_len; /* units.geojson formats the geometries itself */
};

/* A library call on model m (isr_model_open): refused when its options were changed since
 * (isr_options_set on them), or, with `inputs`, when an input file changed on disk (a call
 * that writes outputs, fingerprinted by the files as they are then). */
isr_status isr_model_unchanged(isr_ctx *ctx, const isr_model *m, int inputs);

/* The padded rectangle (rows win[0]..win[1], columns win[2]..win[3]) that the searches of
 * the model's hubs with opt's budget stay in: the union of each hub's bound (batch.c's
 * hub_window, from its rail times and the least friction); empty (win[1] < win[0]) with no
 * hubs. Needs the model's friction built. */
isr_status isr_hubs_window(isr_ctx *ctx, const isr_model *m, int win[4]);

/* Lets go of what only a search reads, the isotropic kernel's clearance map (a byte a cell:
 * freed, or its pages in the model cache's mapping given back), once the model will not be
 * searched again: after its last pass, before the region products. */
void isr_model_searched(isr_model *m);
/* Lets go of the friction surface (freed, or its pages in the model cache's mapping given
 * back) once nothing will read it again: after isr_model_searched, when the region
 * accumulators have read where the land is (isr_acc_finish) and no friction.tif is asked
 * for (region.c). isr_model_fric gives no surface after it. */
void isr_model_fric_done(isr_model *m);

/* The model's friction surface, in whichever form it is kept. */
static inline isr_fric isr_model_fric(const isr_model *m)
{
    return (isr_fric){m->fric, m->fric_code, m->fric_lut};
}

/* ---- modelcache.c: the model's rasters kept between runs (--model-cache DIR) ------------- */

/* 1 when opt names a model cache (--model-cache DIR, not 'none'). */
int isr_model_cache_on(const isr_options *opt);
/* The key of a model's rasters: isr_model_fingerprint, the grid and the stations' cells. */
uint64_t isr_model_cache_key(isr_ctx *ctx, const isr_options *opt, const isr_model *m);
/* DIR/model-KEY.isrmodel (new string). */
char *isr_model_cache_path(const char *dir, uint64_t key);
/* Refuses (ISR_ERR_USAGE) an output folder `out` that is opt's --model-cache folder or holds
 * it: a cache is kept across runs, an output folder holds one run's outputs. ISR_OK when
 * there is no cache or no folder. */
isr_status isr_model_cache_out_check(isr_ctx *ctx, const isr_options *opt, const char *out);
/* Maps the file of `key` in `dir` when there is one that fits the model's grid and units
 * (*hit = 1: zones, people, water, friction, clearance and their figures set, the warnings
 * of their building logged again). A missing file is a miss; a damaged one a miss with a
 * warning. Fails only when out of memory. */
isr_status isr_model_cache_read(isr_ctx *ctx, const isr_options *opt, isr_model *m,
                                const char *dir, uint64_t key, int want_clear, int *hit);
/* Writes the model's rasters and the warnings [w0, w1) of the context logged while they were
 * built (the inputs they name, quoted, kept as which of opt's inputs they are, so that a run
 * mapping the file names its own: an identical copy elsewhere maps the same model); a file
 * that cannot be written is warned about (the run goes on). 1: written. */
int isr_model_cache_write(isr_ctx *ctx, const isr_options *opt, const isr_model *m,
                          const char *dir, uint64_t key, int w0, int w1);
/* Unmaps the file (the model's raster pointers into it set to NULL); nothing without one. */
void isr_model_cache_release(isr_model *m);
/* Marks the file at `path` (of `key`, checked by isr_model_cache_read) used now (its mtime):
 * the folder is pruned least recently used first; its record of a check follows the ctime
 * this changes. Nothing when the folder is read-only. */
void isr_model_cache_touch(const char *path, uint64_t key);
/* Removes model files of `dir` (least recently used first, never `keep`'s) until all of them
 * take at most max_mb (0: no limit); says what it removed, and warns when the folder stays
 * over (a file that cannot be removed, or `keep`'s alone). */
void isr_model_cache_prune(isr_ctx *ctx, const char *dir, uint64_t keep, double max_mb);

/* The flags a model needs, checked before anything is read; fills m->bands. */
isr_status isr_model_check(isr_ctx *ctx, const isr_options *opt, isr_model *m);
/* Loads everything into *m (zeroed, checked by isr_model_check); on failure the caller
 * still calls isr_model_clear. */
isr_status isr_model_load(isr_ctx *ctx, const isr_options *opt, isr_model *m);
void isr_model_clear(isr_model *m);
/* The hubs of `list` ("a,b"; NULL: every flagged station) with their folders and
 * jurisdictions (warned about as at loading). Clear with isr_hub_set_clear. */
isr_status isr_hub_set_build(isr_ctx *ctx, const isr_model *m, const char *list,
                             isr_hub_set *set);
void isr_hub_set_clear(isr_hub_set *set);
/* The times the model's inputs were read (for tests). */
int isr_model_loads(const isr_model *m);

/* ---- profile.c: departure windows over a timetable (issue 14) ----------------------------- */

/* `tt` run backwards in time, t -> k - t (k larger than every time of tt, so that times
 * stay positive): each trip's calls reversed, arrival and departure swapped, no-pickup and
 * no-drop-off swapped, transfers turned round, trips sorted by first departure. The earliest
 * arrival from H at k - A backwards is k minus the latest departure reaching H by A. Shares
 * tt's stops, stations and route ids (tt must outlive it); NULL when out of memory. */
isr_timetable *isr_tt_reversed(const isr_timetable *tt, int32_t k);
void isr_tt_reversed_free(isr_timetable *r);
/* A timetable (timetable.h) indexed for the range search: per stop its boardable stop times
 * and its transfer edges (the rules of isr_profile_search). Read-only once built, shared by
 * every worker; borrows `tt`, which must outlive it. ISR_ERR_INPUT names a stop time, a
 * transfer or a stop whose index is out of range; ISR_ERR_MEMORY. */
struct isr_timetable;
typedef struct isr_tt_index isr_tt_index;
isr_status isr_tt_index_new(isr_ctx *ctx, const struct isr_timetable *tt, isr_tt_index **out);
void isr_tt_index_free(isr_tt_index *ix);

/* One way into the network at the origin: station `station`, reached `access_s` seconds after
 * leaving (0 for the hub itself). */
typedef struct isr_tt_access {
    int32_t station, access_s;
} isr_tt_access;

/* The departure window: minutes from_s, from_s + step_s, … below to_s (seconds after the
 * service day's midnight), a trip counted up to budget_s after its departure minute, at most
 * max_rides vehicles (0: no limit). */
typedef struct isr_profile_params {
    int32_t from_s, to_s, step_s, budget_s;
    int max_rides;
} isr_profile_params;

/* The number of departure minutes of `p`: ceil((to_s - from_s) / step_s), 0 if none. */
int isr_profile_nminutes(const isr_profile_params *p);

/* The range search: for every departure minute m (dep = from_s + m·step_s), the earliest
 * arrival at every station, arr[m·nstations + s] in seconds after midnight (INT32_MAX when
 * not reached by dep + budget_s; the origin stations hold dep + access_s). Leaving at dep
 * includes waiting at the origin for a later train. `arr` is the caller's, nminutes ×
 * nstations. ISR_ERR_USAGE for a bad window, budget or origin station. */
isr_status isr_profile_search(isr_ctx *ctx, const isr_tt_index *ix, const isr_tt_access *origin,
                              int norigin, const isr_profile_params *p, int32_t *arr);

/* Each station's local-travel catchment (R5's "propagation"): the cells its own grid search
 * reaches within budget_s, sparse (CSR: station s owns cell/t_s[off[s] .. off[s+1]-1],
 * padded cell indexes in the order settled), and its bounding rectangle bbox[s] (padded rows
 * r0, r1, columns c0, c1; r1 < r0 when empty). */
typedef struct isr_catchments {
    int nstations;
    float budget_s;
    size_t pw; /* the padded grid's width */
    size_t *off;
    uint32_t *cell;
    float *t_s;
    int (*bbox)[4];
} isr_catchments;

/* An upper bound of the memory isr_catchments_build takes (bytes): per station, the cells
 * within budget_s / (fric_min × cell_m) cells of it (no more than grid_cells), 8 bytes each.
 * fric_min is the least friction (s/m); <= 0 means every catchment may span the grid. */
double isr_catchments_bytes(int nstations, double budget_s, double fric_min, double cell_m,
                            size_t grid_cells);

/* Builds the catchments of `nstations` stations, station s seeded at padded cell
 * station_cell[s] (UINT32_MAX: not on the grid, an empty catchment), with the model's kernel
 * (isotropic when `clear` is given, else r.cost; fric_min, the least friction, as
 * isr_cd_work's). Once per run; progress "catchments". ISR_ERR_MEMORY, ISR_ERR_INTERRUPTED.
 * Clear with isr_catchments_clear (also on failure). */
isr_status isr_catchments_build(isr_ctx *ctx, const isr_grid *g, isr_fric fric,
                                const uint8_t *clear, float fric_min,
                                const uint32_t *station_cell, int nstations, double budget_s,
                                isr_catchments *out);
void isr_catchments_clear(isr_catchments *c);

/* The union window (padded rows win[0]..win[1], columns win[2]..win[3]) of the catchments of
 * the stations that `arr` (from isr_profile_search with `p`) reaches in any minute; win[1] <
 * win[0] when none is. */
void isr_profile_window(const isr_catchments *cm, const int32_t *arr, const isr_profile_params *p,
                        int win[4]);

/* One departure minute on the window: cell_s[(r - win[0])·w + c - win[2]] (w = win[3] - win[2]
 * + 1) = min over stations s of (arr_row[s] - dep_s + catchment_s(cell)), door-to-door
 * seconds, +INF above budget_s or unreached. */
void isr_profile_propagate(const isr_catchments *cm, const int32_t *arr_row, int32_t dep_s,
                           float budget_s, const int win[4], float *cell_s);

/* Scratch memory of isr_profile_percentiles for `cells` window cells (bytes). */
double isr_profile_percentile_bytes(size_t cells, int32_t budget_s);

/* Per window cell the percentiles pct[0..npct-1] (each in (0, 100]) of door-to-door time over
 * the window's minutes, into out[i] (the caller's, one w × h array per percentile, minutes).
 * Nearest rank, as R5: each minute's time is truncated to whole minutes, unreached minutes
 * count as +INF, and percentile p is the k-th smallest with k = ceil(p/100 × N) of the N
 * minutes: +INF (unreached) when fewer than k minutes reach the cell. ISR_ERR_USAGE for a
 * percentile outside (0, 100], ISR_ERR_MEMORY, ISR_ERR_INTERRUPTED. */
isr_status isr_profile_percentiles(isr_ctx *ctx, const isr_catchments *cm, const int32_t *arr,
                                   const isr_profile_params *p, const double *pct, int npct,
                                   const int win[4], float *const *out);

/* ---- gtfsrun.c: GTFS mode of a run (issue 14) ---------------------------------------------- */

/* What a model holds in GTFS mode (opt->ngtfs > 0): the timetable, its index, the settings
 * in numbers and each station's catchment (built once, after the grid). The model's rail
 * network then holds the timetable's stations, in the same order, and no lines. */
typedef struct isr_gtfs_run {
    isr_timetable *tt;
    isr_timetable *rev; /* --direction to: tt run backwards in time (gtfsrun.c), or NULL */
    isr_tt_index *ix;   /* of rev when there is one, else of tt */
    isr_gtfs_settings gs;
    isr_profile_params pp;
    isr_catchments cm;
    double cm_bytes; /* the catchments' estimate */
    double grid_mb;  /* the model's own estimate (grid, zones, friction…) */
    double max_mb;   /* --max-memory */
    int threads;     /* workers, each with one hub's percentile scratch at a time */
} isr_gtfs_run;
/* The flags of GTFS mode that go together (--date, --hubs; not --lines, --direction to;
 * --window and the like not without --gtfs). */
isr_status isr_gtfs_check(isr_ctx *ctx, const isr_options *opt);
/* With --gtfs, the flags of a --stations/--lines network the user gave (--dwell, --wait,
 * --line-speed, --stations…), which change nothing there: said in one warning. Called on
 * the caller's own options (isr_run, isr_model_open), not on a record's. */
void isr_gtfs_unused_warn(isr_ctx *ctx, const isr_options *opt);
/* Flags given more than once on the command line, the last value of each used: said once
 * (an information line). */
void isr_options_twice_warn(isr_ctx *ctx, const isr_options *opt);
/* Reads the feeds (URLs fetched), indexes the timetable and makes the rail network of its
 * stations in `srs`. *gr and *net new (isr_gtfs_run_free, isr_rail_net_free). */
isr_status isr_gtfs_load(isr_ctx *ctx, const isr_options *opt, OGRSpatialReferenceH srs,
                         isr_gtfs_run **gr, isr_rail_net **net);
void isr_gtfs_run_free(isr_gtfs_run *gr);
/* --hubs with GTFS stop ids replaced by their stations' ids: *out new ("a,b"), NULL for
 * NULL. An id neither station nor stop is refused. */
isr_status isr_gtfs_hubs(isr_ctx *ctx, const isr_options *opt, const isr_gtfs_run *gr,
                         const char *list, char **out);
/* The catchments of every station on the model's grid, memory checked against
 * --max-memory with the grid's (grid_mb). */
isr_status isr_gtfs_catchments(isr_ctx *ctx, const isr_options *opt, isr_gtfs_run *gr,
                               const isr_rail_net *net, const isr_grid *g, isr_fric fric,
                               const uint8_t *clear, float fric_min, double grid_mb);
/* One hub (station `s`) over the window: win (padded rows/columns; win[1] < win[0] when
 * nothing is reached), *pct new memory, npct arrays of the window's cells one after the
 * other (minutes, +INF unreached), rail_s[nstations] the chosen percentile of arrival −
 * departure (seconds, +INF). */
isr_status isr_gtfs_hub(isr_ctx *ctx, const isr_gtfs_run *gr, int s, int win[4], float **pct,
                        double *rail_s);
/* The departures a band describes, after "travel time … (minutes) ": "over departures every
 * 5 min from 07:50 to before 08:10 on 2025-05-07" (the window's end is not one of them),
 * "over arrivals …" with --direction to, or "departing 08:00 on 2025-05-07". New memory
 * (free()); NULL when out of memory. */
char *isr_gtfs_when(const isr_gtfs_run *gr, const char *date);
/* OUT/hubs/<id>/percentiles.tif: one band per percentile over the window cells on the grid. */
isr_status isr_gtfs_write_percentiles(isr_ctx *ctx, const isr_gtfs_run *gr, const char *date,
                                      const isr_grid *g, const int win[4], const float *pct,
                                      const char *path);

/* ---- timing ----------------------------------------------------------------------------- */
double isr_now_s(void); /* monotonic seconds */

#endif /* ISR_INTERNAL_H */
