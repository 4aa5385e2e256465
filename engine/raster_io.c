/*
 * raster_io.c — writing rasters as Cloud-Optimized GeoTIFFs.
 *
 * The band is assembled in a MEM dataset (window of the analysis grid, CRS, nodata, band
 * description, unit, metadata) and copied by GDAL's COG driver (deflate with predictor,
 * 512-pixel tiles, internal overviews) to a temporary name, then renamed. A PAM sidecar
 * (.aux.xml) that GDAL writes for what TIFF tags cannot hold is renamed along with it.
 */
#include "internal.h"

#include <cpl_string.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

isr_status isr_write_cog(isr_ctx *ctx, const char *path, const isr_grid *g, int col0, int row0,
                         int w, int h, GDALDataType type, const void *data, double nodata,
                         const char *band_desc, const char *unit, char **meta,
                         const char *resampling)
{
    isr_status st = ISR_OK;
    char *tmp = isr_tmp_name(path);
    char *tmp_aux = tmp ? isr_strdup_printf("%s.aux.xml", tmp) : NULL;
    char *aux = isr_strdup_printf("%s.aux.xml", path);
    char **co = NULL;
    GDALDatasetH mem = NULL, out = NULL;
    if (!tmp || !tmp_aux || !aux) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    mem = GDALCreate(GDALGetDriverByName("MEM"), "", w, h, 1, type, NULL);
    if (!mem) {
        st = isr_fail_gdal(ctx, ISR_ERR_MEMORY, "cannot create a %d x %d raster for '%s'", w, h,
                           path);
        goto cleanup;
    }
    double gt[6];
    isr_grid_geotransform(g, gt);
    gt[0] += col0 * g->cell_m;
    gt[3] -= row0 * g->cell_m;
    GDALSetGeoTransform(mem, gt);
    GDALSetProjection(mem, g->wkt);
    GDALRasterBandH b = GDALGetRasterBand(mem, 1);
    GDALSetRasterNoDataValue(b, nodata);
    if (band_desc)
        GDALSetDescription(b, band_desc);
    if (unit)
        GDALSetRasterUnitType(b, unit);
    for (char **m = meta; m && *m; m++) {
        const char *eq = strchr(*m, '=');
        if (!eq)
            continue;
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(eq - *m), *m);
        GDALSetMetadataItem(mem, key, eq + 1, NULL);
    }
    if (GDALRasterIO(b, GF_Write, 0, 0, w, h, (void *)data, w, h, type, 0, 0) != CE_None) {
        st = isr_fail_gdal(ctx, ISR_ERR_INTERNAL, "cannot fill the raster for '%s'", path);
        goto cleanup;
    }
    co = CSLSetNameValue(co, "COMPRESS", "DEFLATE");
    co = CSLSetNameValue(co, "PREDICTOR", "YES");
    co = CSLSetNameValue(co, "BLOCKSIZE", "512");
    co = CSLSetNameValue(co, "OVERVIEWS", "AUTO");
    co = CSLSetNameValue(co, "RESAMPLING", resampling ? resampling : "NEAREST");
    co = CSLSetNameValue(co, "NUM_THREADS", "1"); /* one per worker: the workers are parallel */
    CPLErrorReset();
    out = GDALCreateCopy(GDALGetDriverByName("COG"), tmp, mem, FALSE, co, NULL, NULL);
    if (!out) {
        st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot write '%s'", path);
        goto cleanup;
    }
    GDALClose(out); /* void before GDAL 3.7: a failed flush shows as the last error */
    if (CPLGetLastErrorType() == CE_Failure) {
        out = NULL;
        st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot write '%s'", path);
        goto cleanup;
    }
    out = NULL;
    if (isr_file_exists(tmp_aux) && (st = isr_commit_file(ctx, tmp_aux, aux)) != ISR_OK)
        goto cleanup;
    st = isr_commit_file(ctx, tmp, path);
cleanup:
    if (out)
        GDALClose(out);
    if (st != ISR_OK && tmp) {
        remove(tmp);
        remove(tmp_aux);
    }
    if (mem)
        GDALClose(mem);
    CSLDestroy(co);
    free(tmp);
    free(tmp_aux);
    free(aux);
    return st;
}
