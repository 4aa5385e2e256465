/*
 * friction.c — the friction surface: seconds per metre of local travel in every cell.
 *
 * Built on the analysis grid with its barrier padding (see internal.h) from the zone raster
 * (zones.c). Cells whose centre lies in no admin unit are barriers: the sea, a neighbouring region we have no data for.
 * Inside, the friction is the uniform local-travel value (detour ÷ speed), or, with a
 * friction raster, that raster warped onto the grid by GDAL (bilinear; its nodata cells
 * are barriers, e.g. lakes and rivers without a crossing).
 * Cost: one pass and (optionally) one warp over the grid; 4 bytes per cell.
 */
#include "internal.h"

#include <cpl_string.h>
#include <gdal_utils.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

GDALDatasetH isr_grid_mem(const isr_grid *g, GDALDataType type)
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

isr_status isr_raster_warp(isr_ctx *ctx, const isr_grid *g, const char *path, const char *what,
                           const char *resampling, float **out)
{
    *out = NULL;
    char *open_path = NULL;
    isr_status cst = isr_source_check(ctx, what, path, &open_path);
    if (cst != ISR_OK)
        return cst;
    GDALDatasetH src = GDALOpenEx(open_path ? open_path : path, GDAL_OF_RASTER | GDAL_OF_READONLY,
                                  NULL, NULL, NULL);
    free(open_path);
    if (!src)
        return isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s '%s': cannot open as a raster", what, path);
    isr_status st = ISR_OK;
    GDALDatasetH dst = NULL;
    GDALWarpAppOptions *wo = NULL;
    const char *srs = GDALGetProjectionRef(src);
    if (!srs || !*srs) {
        st = isr_fail(ctx, ISR_ERR_CRS, "%s '%s' has no CRS", what, path);
        goto cleanup;
    }
    dst = isr_grid_mem(g, GDT_Float32);
    char *argv[] = {"-r", (char *)resampling, "-dstnodata", "nan", NULL};
    wo = GDALWarpAppOptionsNew(argv, NULL);
    int usage_err = 0;
    if (!dst || !wo || !GDALWarp(NULL, dst, 1, &src, wo, &usage_err)) {
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s '%s': cannot warp onto the grid", what, path);
        goto cleanup;
    }
    float *v = malloc((size_t)g->nx * (size_t)g->ny * sizeof *v);
    if (!v) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s '%s'", what, path);
        goto cleanup;
    }
    if (GDALRasterIO(GDALGetRasterBand(dst, 1), GF_Read, 0, 0, g->nx, g->ny, v, g->nx, g->ny,
                     GDT_Float32, 0, 0) != CE_None) {
        free(v);
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s '%s': cannot read", what, path);
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

isr_status isr_friction_build(isr_ctx *ctx, const isr_grid *g, const int32_t *zone,
                              double base_spm, const char *raster, float **out)
{
    *out = NULL;
    isr_status st = ISR_OK;
    float *warped = NULL;
    float *fric = malloc(isr_grid_pcells(g) * sizeof *fric);
    if (!fric)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the friction surface");
    if (raster &&
        (st = isr_raster_warp(ctx, g, raster, "friction raster", "bilinear", &warped)) != ISR_OK) {
        free(fric);
        return st;
    }
    for (size_t i = 0; i < isr_grid_pcells(g); i++)
        fric[i] = INFINITY;
    size_t negative = 0;
    for (int r = 0; r < g->ny; r++) {
        for (int c = 0; c < g->nx; c++) {
            size_t k = (size_t)r * (size_t)g->nx + (size_t)c;
            if (zone[k] < 0)
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
    free(warped);
    *out = fric;
    return st;
}
