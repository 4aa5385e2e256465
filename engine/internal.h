/*
 * internal.h — the engine's modules as seen by each other and by the white-box tests.
 * Not installed and not used by the CLI, which sees only isoreach.h.
 *
 * Units: internal times are seconds (float or double), lengths metres, speeds km/h only at
 * the boundary where options are read. Grids are row-major, row 0 at the top (north).
 */
#ifndef ISR_INTERNAL_H
#define ISR_INTERNAL_H

#include "isoreach.h"

#include <geos_c.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#define ISR_VERSION "0.1.0"

#if defined(__GNUC__)
#define ISR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ISR_PRINTF(a, b)
#endif

/* ---- context.c ------------------------------------------------------------------------ */

/* Records `fmt…` as the context's error message (the first failure of a run wins when
 * workers fail together) and returns `st`, so callers write `return isr_fail(...)`. */
isr_status isr_fail(isr_ctx *ctx, isr_status st, const char *fmt, ...) ISR_PRINTF(3, 4);
/* Like isr_fail, with GDAL's last error message appended when there is one. */
isr_status isr_fail_gdal(isr_ctx *ctx, isr_status st, const char *fmt, ...) ISR_PRINTF(3, 4);
void isr_log(isr_ctx *ctx, isr_log_level level, const char *fmt, ...) ISR_PRINTF(3, 4);
void isr_progress(isr_ctx *ctx, const char *stage, size_t done, size_t total);
int isr_cancelled(const isr_ctx *ctx);
/* Clears the error message and cancel flag at the start of a public call. */
void isr_ctx_reset(isr_ctx *ctx);
/* Routes GDAL messages of the calling thread to the context (warnings logged at debug
 * level, nothing printed) until isr_gdal_errors_pop(). Call once per thread per API entry. */
void isr_gdal_errors_push(isr_ctx *ctx);
void isr_gdal_errors_pop(void);

/* A GEOS context for one thread, with its last error or notice kept for messages. */
typedef struct isr_geos {
    GEOSContextHandle_t h;
    char msg[512];
} isr_geos;
void isr_geos_init(isr_geos *g);
void isr_geos_finish(isr_geos *g);

/* Formatted string in new memory (NULL when out of memory); free with free(). */
char *isr_strdup_printf(const char *fmt, ...) ISR_PRINTF(1, 2);

/* ---- crs.c ---------------------------------------------------------------------------- */

/* An Albers equal-area CRS fitted to a lon/lat box (standard parallels at 1/6 and 5/6 of
 * the latitude range, centred on the box), built with PROJ. Returns a new OSR handle. */
OGRSpatialReferenceH isr_crs_fitted_albers(isr_ctx *ctx, double lon_min, double lat_min,
                                           double lon_max, double lat_max);
/* The CRS from a user definition ("EPSG:3857", WKT, PROJ string), or NULL with an error. */
OGRSpatialReferenceH isr_crs_from_user(isr_ctx *ctx, const char *def);
/* WGS 84 with longitude, latitude axis order (as GeoJSON and most data use it). */
OGRSpatialReferenceH isr_crs_wgs84(void);
/* Checks a CRS the user named (--crs `def`) against the lon/lat box `ext` (xmin, ymin, xmax,
 * ymax) of the input `what`: fails (ISR_ERR_CRS) when the box lies wholly outside the CRS's
 * area of use, warns when it extends beyond it; no check when the area is unknown. */
isr_status isr_crs_check_area(isr_ctx *ctx, OGRSpatialReferenceH srs, const char *def,
                              const char *what, const double ext[4]);
/* Whether the CRS preserves area (Albers, Lambert azimuthal/cylindrical equal-area…). */
int isr_crs_is_equal_area(OGRSpatialReferenceH srs);

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
void isr_grid_clear(isr_grid *g);
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
void isr_grid_geotransform(const isr_grid *g, double gt[6]);

/* ---- costdist.c: the hot loop, plain arrays, no I/O ----------------------------------- */

typedef struct isr_seed {
    uint32_t idx; /* padded cell index */
    float t_s;    /* time at the cell centre, seconds */
} isr_seed;

/* Scratch memory of one worker, reused across runs: the heap and the list of cells set. */
typedef struct isr_cd_work {
    void *heap;
    size_t heap_cap;
    uint32_t *touched;
    size_t ntouched, touched_cap;
} isr_cd_work;

/* Bounded multi-source shortest paths on a padded grid of width `pw` with 16-neighbour
 * moves (orthogonal, diagonal, knight). `fric` is seconds per metre per padded cell, +INF
 * a barrier (the padding must be +INF). `time_s` must hold +INF in every cell on entry
 * (only cells listed in work->touched are written, so a caller resets just those). Cells
 * later than `budget_s` stay +INF. Returns 0, or -1 when out of memory. */
int isr_costdist(const float *fric, size_t pw, size_t ph, double cell_m, const isr_seed *seeds,
                 size_t nseeds, float budget_s, float *time_s, isr_cd_work *work);
void isr_cd_work_free(isr_cd_work *w);

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
void isr_rail_station_xy(const isr_rail_net *net, int s, double *x, double *y);
int isr_rail_station_is_hub(const isr_rail_net *net, int s);
/* Whether any line calls at the station (O(stops): for reports, not for searches). */
int isr_rail_station_on_line(const isr_rail_net *net, int s);
/* Fastest travel time in seconds between `hub` and every station (from the hub, or to it
 * with ISR_TO_HUB): boarding wait, rides, dwell and transfers. +INF where unreachable.
 * `out` holds nstations values. Thread-safe on a shared network. */
isr_status isr_rail_search(isr_ctx *ctx, const isr_rail_net *net, const isr_rail_params *p,
                           int hub, double *out);

/* ---- network.c: the rail network from OGR layers -------------------------------------- */

/* Reads stations and lines (already opened, any CRS), transforms them into `srs`, snaps
 * stations within opt->snap_m of each line, orders them along it and derives run times
 * from the minutes field or length ÷ speed. Stations on no line are warned about. */
isr_status isr_network_load(isr_ctx *ctx, const isr_options *opt, OGRSpatialReferenceH srs,
                            isr_rail_net **out);

/* ---- run.c ---------------------------------------------------------------------------- */

/* The hubs of a run as station numbers: the ids of opt->hubs ("a,b,c"; blanks around an id
 * ignored, repeats dropped) or, without it, every station flagged hub. Fails naming an id
 * that is no station, an empty id, or no hub at all. *out is new memory (free()). */
isr_status isr_hubs_select(isr_ctx *ctx, const isr_options *opt, const isr_rail_net *net,
                           int **out, int *n);

/* ---- vector_io.c ---------------------------------------------------------------------- */

typedef struct isr_layer {
    GDALDatasetH ds;
    OGRLayerH lyr;
    char *what; /* "stations 'path' layer 'name'", for messages */
} isr_layer;

/* Opens `path` (a file or an http(s) URL) and the named layer (NULL: the first). `role`
 * ("boundaries", "stations"…) names the input in messages. Fails when the source cannot be
 * opened, the layer is missing or empty, it has no CRS, or its geometry type is not
 * `want` (wkbPoint, wkbLineString, wkbPolygon; multi-types accepted). */
isr_status isr_layer_open(isr_ctx *ctx, isr_layer *l, const char *role, const char *path,
                          const char *layer, OGRwkbGeometryType want);
void isr_layer_close(isr_layer *l);
/* The layer's next feature, or NULL at its end. A read error (a truncated or damaged file,
 * where OGR just stops) sets *st to a failure naming the layer and GDAL's reason. */
OGRFeatureH isr_layer_next(isr_ctx *ctx, const isr_layer *l, isr_status *st);
/* Field `i` of a feature as a string in new memory (free()): "" when i < 0 or the field is
 * unset or null; NULL only when out of memory. Use it for every string kept while another
 * field is read: for a field that is not a string (an Integer id, a date), the string of
 * OGR_F_GetFieldAsString() is freed by the next call of it on the same feature. */
char *isr_field_str(OGRFeatureH f, int i);
/* The index of a field, failing with a message listing the layer's fields when absent or
 * (when `numeric`) not a number. */
isr_status isr_layer_field(isr_ctx *ctx, const isr_layer *l, const char *name, int numeric,
                           int *idx);
/* A transformation from the layer's CRS into `dst` (traditional lon/lat order), or NULL
 * with a message. */
OGRCoordinateTransformationH isr_layer_transform_to(isr_ctx *ctx, const isr_layer *l,
                                                    OGRSpatialReferenceH dst);
/* The layer's extent in WGS 84 lon/lat. */
isr_status isr_layer_extent_wgs84(isr_ctx *ctx, const isr_layer *l, double ext[4]);

/* ---- boundaries.c --------------------------------------------------------------------- */

/* Levels of the admin hierarchy. */
enum { ISR_COUNTY, ISR_PREFECTURE, ISR_PROVINCE, ISR_NLEVELS };

/* One admin unit's attributes; codes and names are never NULL ("" when unknown). */
typedef struct isr_unit {
    char *code[ISR_NLEVELS]; /* own code, its prefecture's, its province's */
    char *name[ISR_NLEVELS];
    double pop; /* people, NAN when unknown */
} isr_unit;

/* Admin unit polygons in the analysis CRS, repaired (GEOS MakeValid via OGR), with their
 * attributes. */
typedef struct isr_units {
    int n;
    OGRGeometryH *geom;
    isr_unit *attr;
    int ninvalid, nrepaired, has_pop;
    double xmin, ymin, xmax, ymax;
} isr_units;
/* Reads every unit (the fields named in `opt`), reprojected into `srs`. */
isr_status isr_units_load(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                          OGRSpatialReferenceH srs, isr_units *u);
void isr_units_clear(isr_units *u);

/* ---- zones.c -------------------------------------------------------------------------- */

/* Units on the grid: which unit each cell's centre lies in, the people in each cell, and
 * the groups of each level of the hierarchy (counties, prefectures, provinces). */
typedef struct isr_zones {
    int32_t *zone;   /* nx·ny (unpadded), unit index or -1 outside every unit */
    double *pop;     /* nx·ny people per cell (0 when no population is known) */
    int nunits;
    int ngroups[ISR_NLEVELS];
    int *group[ISR_NLEVELS];  /* unit -> group index at each level */
    int *first[ISR_NLEVELS];  /* group -> a unit of it (for codes and names) */
    size_t *cells[ISR_NLEVELS]; /* group -> cells */
    double *gpop[ISR_NLEVELS];  /* group -> people in its cells */
    int hosted;      /* units smaller than a cell whose people went to their host cell */
} isr_zones;

/* Rasterizes the units onto the grid and spreads population: each unit's people evenly over
 * its cells, or the `population` raster (people per cell, summed onto the grid). A unit with
 * no cell centre gets the cell at its interior point, so nobody is lost. */
isr_status isr_zones_build(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                           const char *population, isr_zones *z);
void isr_zones_clear(isr_zones *z);
/* The unit of the cell holding (x,y), or -1. */
int isr_zones_unit_at(const isr_zones *z, const isr_grid *g, double x, double y);

/* ---- reach.c -------------------------------------------------------------------------- */

/* One hub's tallies per group of each level. */
typedef struct isr_reach {
    size_t *cells[ISR_NLEVELS]; /* cells reached */
    double *pop[ISR_NLEVELS];   /* people in them */
    float *tmin[ISR_NLEVELS];   /* earliest minutes */
    double *tsum[ISR_NLEVELS];  /* sum of minutes over the cells reached */
    int own[ISR_NLEVELS];       /* the group holding the hub, or -1 */
} isr_reach;

typedef struct isr_reach_totals_t {
    size_t cells;
    double pop, pop_outside_province, pop_outside_prefecture;
    int groups_reached[ISR_NLEVELS];
} isr_reach_totals_t;

isr_status isr_reach_init(isr_ctx *ctx, isr_reach *r, const isr_zones *z);
void isr_reach_free(isr_reach *r);
/* Tallies the cells a search reached (padded indexes, times in seconds). */
void isr_reach_compute(isr_reach *r, const isr_zones *z, const isr_grid *g, const float *time_s,
                       const uint32_t *touched, size_t ntouched, double hub_x, double hub_y);
/* Whether group `gi` of `level` lies across a border from the hub (see reach.c). */
int isr_reach_cross_border(const isr_reach *r, const isr_zones *z, int level, int gi);
void isr_reach_totals(const isr_reach *r, const isr_zones *z, isr_reach_totals_t *t);
/* Copies one hub's tallies into row `hub` of the per-hub tables ([level][hub × groups]) and
 * its own groups into own[0..ISR_NLEVELS-1], for the region products. */
void isr_reach_store(const isr_reach *r, const isr_zones *z, int hub, size_t *const *cells,
                     double *const *pop, int *own);
/* Writes reach.csv: one row per unit reached at each level (header in README). */
isr_status isr_reach_write_csv(isr_ctx *ctx, const char *path, const isr_reach *r,
                               const isr_zones *z, const isr_units *u, double cell_km2);

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
                                const double *pop, const double *bands, int nb,
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
    const float *best_t;           /* nx·ny minutes to the nearest hub, +INF none */
} isr_region_reach;

/* Writes OUT/region/reach_matrix.csv, units.geojson and summary.json (see README). */
isr_status isr_region_reach_write(isr_ctx *ctx, const isr_region_reach *rr, const char *dir);

/* ---- styles.c ------------------------------------------------------------------------- */

typedef struct isr_style_inputs {
    const char *out;          /* the output folder */
    const char *wkt;          /* analysis CRS */
    const double *bands;      /* band limits, minutes */
    int nbands;
    int nhubs;
    const char *const *hub_ids, *const *hub_names;
} isr_style_inputs;

/* The band colour k of n (dark blue fast → pale yellow slow), shared by every output. */
void isr_band_color(int k, int n, unsigned char rgb[3]);
/* Writes a QGIS style sidecar (.qml) beside every raster and vector output and the project
 * OUT/isoreach.qgs (relative paths) that opens them all. */
isr_status isr_styles_write(isr_ctx *ctx, const isr_style_inputs *in);

/* Copies one layer of an OGR source to RFC 7946 GeoJSON (EPSG:4326) at `dst`. */
isr_status isr_vector_export(isr_ctx *ctx, const char *src, const char *layer, const char *dst);

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
    OGRLayerH lyr; /* add features here (geometries in the `wkt` CRS) */
    OGRSpatialReferenceH srs;
} isr_geojson;

/* Opens a multipolygon layer for `path` with the given fields, geometries in CRS `wkt`. */
isr_status isr_geojson_open(isr_ctx *ctx, isr_geojson *w, const char *path, const char *layer,
                            const char *wkt, const isr_geojson_field *fields, int nfields);
/* Closes; when `st` is ISR_OK copies the file to its path (every write checked). Always
 * releases everything. Returns `st`, or the failure of the copy. */
isr_status isr_geojson_close(isr_ctx *ctx, isr_geojson *w, isr_status st);
/* `g` as a multipolygon when it is a polygon (takes ownership, like OGR_G_ForceTo…). */
OGRGeometryH isr_multipolygon(OGRGeometryH g);

/* ---- friction.c ----------------------------------------------------------------------- */

/* The friction surface (seconds per metre, padded, +INF = barrier): `base_spm` in cells of
 * some unit (zone >= 0), barrier elsewhere; with `raster` given, its values warped onto the
 * grid replace the base value (its nodata cells become barriers). New array (free()). */
isr_status isr_friction_build(isr_ctx *ctx, const isr_grid *g, const int32_t *zone,
                              double base_spm, const char *raster, float **out);

/* Warps a raster's first band onto the grid (GDALWarp with `resampling`); values in new
 * memory (nx·ny, NAN for nodata). `what` names the input in messages. */
isr_status isr_raster_warp(isr_ctx *ctx, const isr_grid *g, const char *path, const char *what,
                           const char *resampling, float **out);
/* A MEM raster dataset on the grid. */
GDALDatasetH isr_grid_mem(const isr_grid *g, GDALDataType type);

/* ---- raster_io.c ---------------------------------------------------------------------- */

/* Writes a band as a Cloud-Optimized GeoTIFF (deflate, internal overviews) at `path` via a
 * temporary name. `data` covers the window (col0,row0,w,h) of the grid, type GDT_Float32,
 * GDT_Int16 or GDT_UInt16. `meta` is a NULL-terminated list of "KEY=VALUE". */
isr_status isr_write_cog(isr_ctx *ctx, const char *path, const isr_grid *g, int col0, int row0,
                         int w, int h, GDALDataType type, const void *data, double nodata,
                         const char *band_desc, const char *unit, char **meta,
                         const char *resampling);

/* Reads a travel-time raster written by isr_run (Float32 minutes, nodata -9999, a window of
 * the grid) into `time_s` (padded, seconds), listing the cells set in w->touched. With
 * `settings`, its ISOREACH_SETTINGS must match. The hub position (HUB_X/HUB_Y metadata) is
 * returned when hx/hy are given. On failure the time array is left clean. */
isr_status isr_time_raster_read(isr_ctx *ctx, const char *path, const isr_grid *g,
                                const char *settings, float *time_s, isr_cd_work *w, double *hx,
                                double *hy);
/* The grid (size, cell edges, CRS) of a raster written by isr_run. */
isr_status isr_grid_from_raster(isr_ctx *ctx, const char *path, isr_grid *g);

/* ---- files.c -------------------------------------------------------------------------- */

isr_status isr_mkdirs(isr_ctx *ctx, const char *path);
/* A temporary name beside `path` for this process ("dir/.name.part-PID"). New string. */
char *isr_tmp_name(const char *path);
/* Renames tmp → path; on failure removes tmp and fails naming `path`. */
isr_status isr_commit_file(isr_ctx *ctx, const char *tmp, const char *path);
/* Closes a stdio file written at `tmp` and renames it to `path`. Any write error (stdio's
 * error flag, the final flush, fclose) removes tmp and fails naming `path` and the reason. */
isr_status isr_close_commit(isr_ctx *ctx, FILE *f, const char *tmp, const char *path);
/* Copies the /vsimem/ file `mem` to `path` (via a temporary name, with isr_close_commit's
 * checks) and unlinks `mem`: for GDAL drivers that do not report their write errors. */
isr_status isr_commit_vsimem(isr_ctx *ctx, const char *mem, const char *path);
/* Why writing `path` failed, for messages: strerror(err), or "No space left on device"
 * when the file system holding it has less than 1 MB free (GDAL drivers lose errno). */
const char *isr_write_reason(const char *path, int err);
/* Checks the output folder before any work: creates it (and its parents) and writes a probe
 * file in it; fails naming --out and the reason. *created is the top-most folder it made
 * (new string, NULL if none), for isr_rmdirs_empty() when the run fails. */
isr_status isr_out_dir(isr_ctx *ctx, const char *path, char **created);
/* Removes the temporary files (".name.part-PID", also GDAL's ".name.part-PID.ovr.tmp") that a
 * killed run left in an output folder (OUT, OUT/region, OUT/hubs/<id>), when process PID no
 * longer runs. Returns how many were removed. */
int isr_tmp_sweep(const char *out);
/* Removes `path` and then its parents while they are empty, up to and including `top`
 * (which must be a prefix of path). NULL top: nothing. */
void isr_rmdirs_empty(const char *path, const char *top);
int isr_file_exists(const char *path);
/* Writes `s` as one CSV field (RFC 4180: quoted when it holds a comma, quote or newline). */
void isr_csv_field(FILE *f, const char *s);

/* ---- webmap.c ------------------------------------------------------------------------- */

/* Writes OUT/index.html, the self-contained web map (Leaflet inlined, no network), from the
 * outputs already in `out_dir`: region/units.geojson and summary.json, and per hub its
 * isochrones.geojson, reach.csv and travel_time.tif metadata. Fails naming the file that
 * cannot be read or written. */
isr_status isr_webmap_write(isr_ctx *ctx, const char *out_dir);

/* ---- strbuf.c ------------------------------------------------------------------------- */

/* A growing string; `oom` is set (and further appends ignored) when memory runs out. */
typedef struct isr_sb {
    char *s;
    size_t len, cap;
    int oom;
} isr_sb;
void isr_sb_printf(isr_sb *b, const char *fmt, ...) ISR_PRINTF(2, 3);
/* Returns the string (caller frees) or NULL after an allocation failure; resets `b`. */
char *isr_sb_take(isr_sb *b);

/* A JSON number printed with `decimals` decimals (json-c would print 1995.6880000000001). */
struct json_object;
struct json_object *isr_json_num(double v, int decimals);

/* ---- timing ----------------------------------------------------------------------------- */
double isr_now_s(void); /* monotonic seconds */

#endif /* ISR_INTERNAL_H */
