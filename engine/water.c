/*
 * water.c — water polygons (lakes, wide rivers, the sea) on the grid, and water as a barrier.
 *
 * A cell is water when its centre lies in a water polygon (GDAL rasterize, the rule zones.c
 * uses for units, so what is water and what is a unit's land agree). The mask is one byte a
 * cell (unpadded, 1 = water). Water is impassable for local travel: the friction surface
 * (isr_friction_build) is +INF on its cells, whatever the base friction (uniform or
 * --friction), before anything that may reopen a cell (roads, bridges: the minimum of what
 * is there and theirs). Station cells are made passable afterwards by model.c, so a station
 * on the shore still works. Zones (zones.c) spread no people over water and count land cells apart.
 * Cost: one rasterization and nx·ny bytes.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *isr_options_water(const isr_options *opt)
{
    if (!opt->water || strcmp(opt->water, "none") == 0)
        return NULL;
    isr_options def;
    isr_options_init(&def);
    /* the sample's water goes with the sample's boundaries only, unless asked for */
    if (def.water && isr_sample_default_unused(opt, "--water", opt->water, def.water,
                                               opt->boundaries, def.boundaries))
        return NULL;
    return opt->water;
}

/* Water parts under half a cell wide (thin_add): how many, their length, the longest. */
typedef struct thin_tally {
    int n;
    double total, best_len, best_w;
    long long best_fid;
} thin_tally;

/* The outer length of polygon part p (its rings' lengths, halved) and its mean width (twice
 * its area over its rings' length: a strip's width; half a square's side). */
static void part_shape(OGRGeometryH p, double *len, double *width)
{
    double ring = 0;
    for (int i = 0; i < OGR_G_GetGeometryCount(p); i++)
        ring += OGR_G_Length(OGR_G_GetGeometryRef(p, i));
    *len = ring / 2;
    *width = ring > 0 ? 2 * OGR_G_Area(p) / ring : 0;
}

/* A polygon under a cell wide is water only where a cell's centre happens to lie in it: a
 * river or canal narrower than the grid's cells is left with gaps local travel walks through,
 * or vanishes (a 200 m river at 500 m: no cell). Parts at least 10 cells long and under half
 * a cell wide on average, which leak at any angle, are tallied here and warned about
 * (thin_warn, the longest named), so that a barrier the run does not have is said; between
 * half a cell and one it depends on the angle (README, How it works). Small ponds are not:
 * going round them costs next to nothing. */
static void thin_add(thin_tally *t, OGRGeometryH g, double cell_m, long long fid)
{
    int multi = wkbFlatten(OGR_G_GetGeometryType(g)) != wkbPolygon;
    for (int k = 0; k < (multi ? OGR_G_GetGeometryCount(g) : 1); k++) {
        OGRGeometryH p = multi ? OGR_G_GetGeometryRef(g, k) : g;
        if (wkbFlatten(OGR_G_GetGeometryType(p)) != wkbPolygon)
            continue;
        double len, w;
        part_shape(p, &len, &w);
        if (w >= cell_m / 2 || len < 10 * cell_m)
            continue;
        t->n++;
        t->total += len;
        if (len > t->best_len) {
            t->best_len = len;
            t->best_w = w;
            t->best_fid = fid;
        }
    }
}

static void thin_warn(isr_ctx *ctx, const isr_layer *l, double cell_m, const thin_tally *t)
{
    if (t->n)
        isr_log(ctx, ISR_LOG_WARN,
                "%s: %d polygon%s narrower than half a %g m cell on average, %.1f km long in all "
                "(the longest: feature %lld, %.1f km long, about %.0f m wide): %s not block "
                "local travel at this resolution, since a cell is water only when its centre "
                "lies in water, and travel crosses such a river through its gaps. For them to "
                "block, use a finer --resolution (about %.0f m: two thirds of that width) or "
                "widen them (a buffer); where people do cross, --roads gives the crossings",
                l->what, t->n, t->n > 1 ? "s are" : " is", cell_m, t->total / 1e3, t->best_fid,
                t->best_len / 1e3, t->best_w, t->n > 1 ? "they may" : "it may",
                t->best_w * 2 / 3);
}

/* Every polygon of the layer, in the grid's CRS, into *geoms (n of them), its thin parts
 * tallied into *thin. */
/* Whether g is areas only: a polygon or multipolygon (curved ones too), or a collection of
 * them. */
static int polygonal(OGRGeometryH g)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon || t == wkbMultiPolygon || t == wkbCurvePolygon || t == wkbMultiSurface)
        return 1;
    if (t != wkbGeometryCollection)
        return 0;
    for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
        if (!polygonal(OGR_G_GetGeometryRef(g, i)))
            return 0;
    return OGR_G_GetGeometryCount(g) > 0;
}

static isr_status read_polygons(isr_ctx *ctx, const isr_layer *l, OGRSpatialReferenceH srs,
                                double cell_m, OGRGeometryH **geoms, int *n, thin_tally *thin)
{
    OGRCoordinateTransformationH tr = isr_layer_transform_to(ctx, l, srs);
    if (!tr)
        return ISR_ERR_CRS;
    isr_status st = ISR_OK;
    int cap = 0;
    OGRFeatureH f;
    OGR_L_ResetReading(l->lyr);
    while ((f = isr_layer_next(ctx, l, &st)) != NULL) {
        OGRGeometryH g = OGR_F_StealGeometry(f);
        long long id = (long long)OGR_F_GetFID(f);
        OGR_F_Destroy(f);
        if (!g || OGR_G_IsEmpty(g)) {
            OGR_G_DestroyGeometry(g);
            continue; /* a feature without a geometry holds no water */
        }
        if (!polygonal(g)) { /* a line or point was burnt as water: a barrier, said nowhere */
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "%s: feature %lld is a %s; water must be polygons (lakes, rivers and "
                          "the sea as areas): buffer lines into polygons of the river's width, "
                          "or leave them out",
                          l->what, id, OGR_G_GetGeometryName(g));
            OGR_G_DestroyGeometry(g);
            break;
        }
        if (isr_layer_geom_to(l, g, tr) != OGRERR_NONE) {
            OGR_G_DestroyGeometry(g);
            st = isr_fail_gdal(ctx, ISR_ERR_CRS, "%s: a polygon cannot be transformed to the "
                               "analysis CRS", l->what);
            break;
        }
        if (*n == cap) {
            int nc = cap ? 2 * cap : 64;
            OGRGeometryH *p = realloc(*geoms, (size_t)nc * sizeof *p);
            if (!p) {
                OGR_G_DestroyGeometry(g);
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s", l->what);
                break;
            }
            *geoms = p;
            cap = nc;
        }
        thin_add(thin, g, cell_m, id);
        (*geoms)[(*n)++] = g;
    }
    OCTDestroyCoordinateTransformation(tr);
    return st;
}

isr_status isr_water_load(isr_ctx *ctx, const char *path, const char *layer,
                          OGRSpatialReferenceH srs, const isr_grid *g, uint8_t **out,
                          size_t *nwater)
{
    *out = NULL;
    *nwater = 0;
    isr_layer l = {0};
    OGRGeometryH *geoms = NULL;
    int n = 0;
    GDALDatasetH ds = NULL;
    uint8_t *mask = NULL;
    size_t cells = (size_t)g->nx * (size_t)g->ny;
    isr_status st = isr_layer_open(ctx, &l, "water", path, layer, wkbPolygon);
    OGRGeometryH *parts = NULL;
    int *orig = NULL, nparts = 0;
    thin_tally thin = {0};
    if (st != ISR_OK ||
        (st = read_polygons(ctx, &l, srs, g->cell_m, &geoms, &n, &thin)) != ISR_OK ||
        (st = isr_grid_strips(ctx, g, geoms, n, &parts, &orig, &nparts)) != ISR_OK)
        goto cleanup;
    thin_warn(ctx, &l, g->cell_m, &thin);
    free(orig);
    for (int i = 0; i < n; i++) /* the strips burn the same cells (isr_grid_strips) */
        OGR_G_DestroyGeometry(geoms[i]);
    free(geoms);
    geoms = parts;
    n = nparts;
    /* burnt straight into the mask, each polygon reading and writing only its own bounding
     * box (OPTIM=VECTOR); the sea's boxes cover much of a coastal grid, so its pages are
     * written first (isr_grid_calloc_written) */
    mask = isr_grid_calloc_written(cells ? cells : 1, 1);
    ds = mask ? isr_grid_mem_wrap(g, GDT_Byte, mask) : NULL;
    double *burns = malloc((size_t)(n > 0 ? n : 1) * sizeof *burns);
    if (!ds || !mask || !burns) {
        free(burns);
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the water mask");
        goto cleanup;
    }
    for (int i = 0; i < n; i++)
        burns[i] = 1;
    const char *ropt[] = {"OPTIM=VECTOR", NULL};
    CPLErr e = n ? isr_grid_rasterize(ds, n, geoms, burns, ropt) : CE_None;
    free(burns);
    if (e != CE_None) {
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s: cannot rasterize onto the grid", l.what);
        goto cleanup;
    }
    for (size_t c = 0; c < cells; c++)
        *nwater += mask[c] != 0;
    *out = mask;
    mask = NULL;
cleanup:
    if (ds)
        GDALClose(ds);
    for (int i = 0; i < n; i++)
        OGR_G_DestroyGeometry(geoms[i]);
    free(geoms);
    free(mask);
    isr_layer_close(&l);
    return st;
}
