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

/* Every polygon of the layer, in the grid's CRS, into *geoms (n of them). */
static isr_status read_polygons(isr_ctx *ctx, const isr_layer *l, OGRSpatialReferenceH srs,
                                OGRGeometryH **geoms, int *n)
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
        OGR_F_Destroy(f);
        if (!g)
            continue; /* a feature without a geometry holds no water */
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
    if (st != ISR_OK || (st = read_polygons(ctx, &l, srs, &geoms, &n)) != ISR_OK ||
        (st = isr_grid_strips(ctx, g, geoms, n, &parts, &orig, &nparts)) != ISR_OK)
        goto cleanup;
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
