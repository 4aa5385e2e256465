/*
 * friction.c — the friction surface: seconds per metre of local travel in every cell.
 *
 * Built on the analysis grid with its barrier padding (see internal.h). Cells whose centre
 * lies in no admin unit are barriers: the sea, a neighbouring region we have no data for.
 * Inside, the friction is the uniform local-travel value (detour ÷ speed), or, with a
 * friction raster, that raster warped onto the grid by GDAL (bilinear; its nodata cells
 * are barriers, e.g. lakes and rivers without a crossing).
 * Cost: one rasterize and (optionally) one warp over the grid; 4 bytes per cell.
 */
#include "internal.h"

#include <cpl_string.h>
#include <gdal_alg.h>
#include <gdal_utils.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static GDALDatasetH mem_raster(const isr_grid *g, GDALDataType type)
{
    GDALDriverH mem = GDALGetDriverByName("MEM");
    GDALDatasetH ds = GDALCreate(mem, "", g->nx, g->ny, 1, type, NULL);
    if (!ds)
        return NULL;
    double gt[6];
    isr_grid_geotransform(g, gt);
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, g->wkt);
    return ds;
}

/* Warps the friction raster onto the grid; returns the values (nx·ny, NaN = nodata). */
static isr_status warp_friction(isr_ctx *ctx, const isr_grid *g, const char *path, float **out)
{
    *out = NULL;
    GDALDatasetH src = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!src)
        return isr_fail_gdal(ctx, ISR_ERR_INPUT, "friction raster '%s': cannot open", path);
    isr_status st = ISR_OK;
    GDALDatasetH dst = NULL;
    GDALWarpAppOptions *wo = NULL;
    const char *srs = GDALGetProjectionRef(src);
    if (!srs || !*srs) {
        st = isr_fail(ctx, ISR_ERR_CRS, "friction raster '%s' has no CRS", path);
        goto cleanup;
    }
    dst = mem_raster(g, GDT_Float32);
    char *argv[] = {"-r", "bilinear", "-dstnodata", "nan", NULL};
    wo = GDALWarpAppOptionsNew(argv, NULL);
    int usage_err = 0;
    if (!dst || !wo || !GDALWarp(NULL, dst, 1, &src, wo, &usage_err)) {
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "friction raster '%s': cannot warp onto the grid",
                           path);
        goto cleanup;
    }
    float *v = malloc((size_t)g->nx * (size_t)g->ny * sizeof *v);
    if (!v) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading the friction raster");
        goto cleanup;
    }
    if (GDALRasterIO(GDALGetRasterBand(dst, 1), GF_Read, 0, 0, g->nx, g->ny, v, g->nx, g->ny,
                     GDT_Float32, 0, 0) != CE_None) {
        free(v);
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "friction raster '%s': cannot read", path);
        goto cleanup;
    }
    *out = v;
cleanup:
    GDALWarpAppOptionsFree(wo);
    if (dst)
        GDALClose(dst);
    GDALClose(src);
    return st;
}

isr_status isr_friction_build(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                              double base_spm, const char *raster, float **out)
{
    *out = NULL;
    const size_t ncell = (size_t)g->nx * (size_t)g->ny;
    isr_status st = ISR_OK;
    float *warped = NULL;
    unsigned char *mask = NULL;
    float *fric = NULL;
    GDALDatasetH ds = mem_raster(g, GDT_Byte);
    if (!ds)
        return isr_fail_gdal(ctx, ISR_ERR_MEMORY, "cannot create the %d x %d mask raster", g->nx,
                             g->ny);
    int band = 1;
    double burn = 1.0;
    double *burns = malloc((size_t)(u->n > 0 ? u->n : 1) * sizeof *burns);
    if (!burns) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < u->n; i++)
        burns[i] = burn;
    if (GDALRasterizeGeometries(ds, 1, &band, u->n, u->geom, NULL, NULL, burns, NULL, NULL,
                                NULL) != CE_None) {
        free(burns);
        st = isr_fail_gdal(ctx, ISR_ERR_INTERNAL, "cannot rasterize the boundaries");
        goto cleanup;
    }
    free(burns);
    mask = malloc(ncell);
    fric = malloc(isr_grid_pcells(g) * sizeof *fric);
    if (!mask || !fric) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the friction surface");
        goto cleanup;
    }
    if (GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, g->nx, g->ny, mask, g->nx, g->ny,
                     GDT_Byte, 0, 0) != CE_None) {
        st = isr_fail_gdal(ctx, ISR_ERR_INTERNAL, "cannot read the boundary mask");
        goto cleanup;
    }
    if (raster && (st = warp_friction(ctx, g, raster, &warped)) != ISR_OK)
        goto cleanup;
    for (size_t i = 0; i < isr_grid_pcells(g); i++)
        fric[i] = INFINITY;
    size_t negative = 0;
    for (int r = 0; r < g->ny; r++) {
        for (int c = 0; c < g->nx; c++) {
            size_t k = (size_t)r * (size_t)g->nx + (size_t)c;
            if (!mask[k])
                continue;
            float v = (float)base_spm;
            if (warped) {
                v = warped[k];
                if (isnan(v))
                    v = INFINITY;
                else if (v < 0) {
                    negative++;
                    v = INFINITY;
                }
            }
            fric[isr_grid_pidx(g, c, r)] = v;
        }
    }
    if (negative)
        isr_log(ctx, ISR_LOG_WARN,
                "friction raster '%s': %zu cell(s) with negative seconds per metre are "
                "treated as barriers",
                raster, negative);
    *out = fric;
    fric = NULL;
cleanup:
    GDALClose(ds);
    free(mask);
    free(warped);
    free(fric);
    return st;
}
