/*
 * raster_io.c — writing rasters as Cloud-Optimized GeoTIFFs.
 *
 * The band is assembled in a MEM dataset (window of the analysis grid, CRS, nodata, band
 * description, unit, metadata) and copied by GDAL's COG driver (deflate with predictor,
 * 256-pixel tiles, internal overviews above ISR_COG_OVERVIEW_PX cells a side; tiles wholly
 * nodata are left out, SPARSE_OK, which readers see as nodata) to a temporary name, then
 * renamed. Tiles of 256 rather than GDAL's default 512, measured (issue 12): a hub's raster
 * 35 % faster and 9 % smaller, as more of the tiles around its irregular reach are empty
 * and left out; the region's time raster 19 % faster. Deflate at level 3, measured
 * (issue 12; README "Benchmarks"): as fast as level 1 and 12-20 % faster than the default 6
 * for 2-3 % more bytes. ZSTD level 1 was 25-40 % faster still and smaller, but a TIFF
 * reader outside GDAL may not know it: deflate is what every GIS reads. A PAM sidecar
 * (.aux.xml) that GDAL writes for what TIFF tags cannot hold is renamed along with it.
 * The copy polls the context's cancel flag through GDAL's progress callback, so an
 * interrupted run stops even inside a large write; a stopped or failed write removes its
 * temporary files (GDAL's own overview temporary included) and names the reason.
 */
#include "internal.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* GDAL progress callback: FALSE stops the copy once the run is cancelled. */
static int CPL_STDCALL cancel_poll(double done, const char *msg, void *ctx)
{
    (void)done;
    (void)msg;
    return !isr_cancelled(ctx);
}

/* Band description, unit, nodata and KEY=VALUE metadata onto src (a MEM or VRT dataset). */
static void describe(GDALDatasetH src, double nodata, const char *band_desc, const char *unit,
                     char **meta)
{
    GDALRasterBandH b = GDALGetRasterBand(src, 1);
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
        GDALSetMetadataItem(src, key, eq + 1, NULL);
    }
}

void isr_cog_discard(const char *tmp)
{
    remove(tmp);
    static const char *const sidecars[] = {"aux.xml", "ovr.tmp"}; /* PAM; the COG driver's */
    for (int i = 0; i < 2; i++) {
        char *p = isr_strdup_printf("%s.%s", tmp, sidecars[i]);
        if (p)
            remove(p);
        free(p);
    }
}

isr_status isr_cog_commit(isr_ctx *ctx, const char *tmp, const char *path)
{
    char *tmp_aux = isr_strdup_printf("%s.aux.xml", tmp);
    char *aux = isr_strdup_printf("%s.aux.xml", path);
    isr_status st = !tmp_aux || !aux ? isr_fail(ctx, ISR_ERR_MEMORY, "out of memory") : ISR_OK;
    if (st == ISR_OK && isr_file_exists(tmp_aux))
        st = isr_commit_file(ctx, tmp_aux, aux);
    if (st == ISR_OK)
        st = isr_commit_file(ctx, tmp, path);
    if (st != ISR_OK)
        isr_cog_discard(tmp);
    free(tmp_aux);
    free(aux);
    return st;
}

isr_status isr_write_cog_ds(isr_ctx *ctx, const char *path, GDALDatasetH src, double nodata,
                            const char *band_desc, const char *unit, char **meta,
                            const char *resampling)
{
    isr_status st = ISR_OK;
    char *tmp = isr_tmp_name(path);
    char **co = NULL;
    GDALDatasetH out = NULL;
    if (!tmp) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    describe(src, nodata, band_desc, unit, meta);
    co = CSLSetNameValue(co, "COMPRESS", "DEFLATE");
    co = CSLSetNameValue(co, "LEVEL", "3");
    co = CSLSetNameValue(co, "PREDICTOR", "YES");
    co = CSLSetNameValue(co, "BLOCKSIZE", "256");
    /* overviews only where a reader gains from them (a raster wider than 2048 cells); a
     * smaller one is read whole as fast, and its overviews tripled the time of a hub's
     * raster (COG driver: computed, written to a temporary file, copied) */
    int big = GDALGetRasterXSize(src) > ISR_COG_OVERVIEW_PX ||
              GDALGetRasterYSize(src) > ISR_COG_OVERVIEW_PX;
    co = CSLSetNameValue(co, "OVERVIEWS", big ? "AUTO" : "NONE");
    co = CSLSetNameValue(co, "RESAMPLING", resampling ? resampling : "NEAREST");
    co = CSLSetNameValue(co, "NUM_THREADS", "1"); /* one per worker: the workers are parallel */
    co = CSLSetNameValue(co, "SPARSE_OK", "TRUE");
    /* The COG driver builds the overviews in a temporary file compressed with ZSTD at
     * libtiff's default level 9, whose tables are cleared for every tile: level 1 gives the
     * same overviews (lossless either way; all 51 rasters of a run byte for byte) for 0.2-0.8
     * CPU-s less over the sample's region products (issue 12). This thread only, and not
     * over a level the host set. */
    const char *zkey = "ZSTD_LEVEL_OVERVIEW";
    char *zold = CPLGetThreadLocalConfigOption(zkey, NULL)
                     ? CPLStrdup(CPLGetThreadLocalConfigOption(zkey, NULL))
                     : NULL;
    int zset = CPLGetConfigOption(zkey, NULL) == NULL;
    if (zset)
        CPLSetThreadLocalConfigOption(zkey, "1");
    CPLErrorReset();
    out = GDALCreateCopy(GDALGetDriverByName("COG"), tmp, src, FALSE, co, cancel_poll, ctx);
    if (zset)
        CPLSetThreadLocalConfigOption(zkey, zold);
    CPLFree(zold);
    if (!out && isr_cancelled(ctx)) {
        st = ISR_ERR_INTERRUPTED; /* the run reports it, with how far it got */
        goto cleanup;
    }
    if (!out) {
        st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot write '%s': %s", path,
                           isr_write_reason(tmp, 0));
        goto cleanup;
    }
    GDALClose(out); /* void before GDAL 3.7: a failed flush shows as the last error */
    if (CPLGetLastErrorType() == CE_Failure) {
        out = NULL;
        st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot write '%s': %s", path,
                           isr_write_reason(tmp, 0));
        goto cleanup;
    }
    out = NULL;
    st = isr_cog_commit(ctx, tmp, path);
cleanup:
    if (out)
        GDALClose(out);
    if (st != ISR_OK && tmp)
        isr_cog_discard(tmp);
    CSLDestroy(co);
    free(tmp);
    return st;
}

isr_status isr_write_cog(isr_ctx *ctx, const char *path, const isr_grid *g, int col0, int row0,
                         int w, int h, GDALDataType type, const void *data, double nodata,
                         const char *band_desc, const char *unit, char **meta,
                         const char *resampling)
{
    /* The MEM dataset wraps the caller's array instead of copying it: at 100 m a region
     * raster is 270 MB, and the copy (and its page faults) cost more than the compression. */
    char spec[256];
    snprintf(spec, sizeof spec, "MEM:::DATAPOINTER=%p,PIXELS=%d,LINES=%d,BANDS=1,DATATYPE=%s",
             data, w, h, GDALGetDataTypeName(type));
    CPLSetThreadLocalConfigOption("GDAL_MEM_ENABLE_OPEN", "YES");
    GDALDatasetH mem = GDALOpen(spec, GA_Update);
    CPLSetThreadLocalConfigOption("GDAL_MEM_ENABLE_OPEN", NULL);
    if (!mem)
        return isr_fail_gdal(ctx, ISR_ERR_MEMORY, "cannot create a %d x %d raster for '%s'", w,
                             h, path);
    double gt[6];
    isr_grid_window_geotransform(g, col0, row0, gt);
    GDALSetGeoTransform(mem, gt);
    GDALSetProjection(mem, g->wkt);
    isr_status st = isr_write_cog_ds(ctx, path, mem, nodata, band_desc, unit, meta, resampling);
    GDALClose(mem);
    return st;
}

int isr_raster_window(GDALDatasetH ds, const isr_grid *g, int *col0, int *row0)
{
    double gt[6];
    if (GDALGetGeoTransform(ds, gt) != CE_None || fabs(gt[1] - g->cell_m) > 1e-6 * g->cell_m ||
        fabs(gt[5] + g->cell_m) > 1e-6 * g->cell_m)
        return -1;
    *col0 = (int)lround((gt[0] - g->x0) / g->cell_m);
    *row0 = (int)lround((g->y0 - gt[3]) / g->cell_m);
    if (*col0 < 0 || *row0 < 0 || *col0 + GDALGetRasterXSize(ds) > g->nx ||
        *row0 + GDALGetRasterYSize(ds) > g->ny ||
        fabs(gt[0] - (g->x0 + *col0 * g->cell_m)) > 1e-3 * g->cell_m)
        return 1;
    return 0;
}

isr_status isr_time_raster_read(isr_ctx *ctx, const char *path, const isr_grid *g,
                                const char *settings, float *time_s, isr_cd_work *w, double *hx,
                                double *hy)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return isr_fail_gdal(ctx, ISR_ERR_INPUT, "travel-time raster '%s': cannot open", path);
    isr_status st = ISR_OK;
    const char *s = GDALGetMetadataItem(ds, "ISOREACH_SETTINGS", NULL);
    int w_ = GDALGetRasterXSize(ds), h_ = GDALGetRasterYSize(ds), col0 = 0, row0 = 0, place;
    float *buf = NULL;
    w->ntouched = 0;
    if (settings && (!s || strcmp(s, settings) != 0)) {
        st = isr_fail(ctx, ISR_ERR_INPUT, "'%s' was made with other settings", path);
        goto cleanup;
    }
    if ((place = isr_raster_window(ds, g, &col0, &row0)) != 0) {
        st = place < 0 ? isr_fail(ctx, ISR_ERR_INPUT, "'%s' is not on the %g m grid of the run",
                                  path, g->cell_m)
                       : isr_fail(ctx, ISR_ERR_INPUT, "'%s' lies outside the grid of the run",
                                  path);
        goto cleanup;
    }
    if (hx && hy) {
        const char *x = GDALGetMetadataItem(ds, "HUB_X", NULL);
        const char *y = GDALGetMetadataItem(ds, "HUB_Y", NULL);
        if (!x || !y) {
            st = isr_fail(ctx, ISR_ERR_INPUT, "'%s' has no HUB_X/HUB_Y metadata", path);
            goto cleanup;
        }
        *hx = isr_strtod(x, NULL);
        *hy = isr_strtod(y, NULL);
    }
    buf = malloc((size_t)w_ * (size_t)h_ * sizeof *buf);
    if (!buf) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading '%s'", path);
        goto cleanup;
    }
    if (GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, w_, h_, buf, w_, h_, GDT_Float32,
                     0, 0) != CE_None) {
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot read", path);
        goto cleanup;
    }
    for (int r = 0; r < h_ && st == ISR_OK; r++)
        for (int c = 0; c < w_; c++) {
            float v = buf[(size_t)r * (size_t)w_ + (size_t)c];
            if (v == (float)ISR_TIME_NODATA)
                continue;
            if (w->ntouched == w->touched_cap) {
                size_t nc = w->touched_cap ? 2 * w->touched_cap : 4096;
                uint32_t *p = realloc(w->touched, nc * sizeof *p);
                if (!p) {
                    st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading '%s'", path);
                    break;
                }
                w->touched = p;
                w->touched_cap = nc;
            }
            size_t k = isr_grid_pidx(g, col0 + c, row0 + r);
            w->touched[w->ntouched++] = (uint32_t)k;
            time_s[k] = v * 60.0f;
        }
cleanup:
    if (st != ISR_OK) {
        for (size_t i = 0; i < w->ntouched; i++)
            time_s[w->touched[i]] = INFINITY;
        w->ntouched = 0;
    }
    free(buf);
    GDALClose(ds);
    return st;
}

isr_status isr_grid_from_raster(isr_ctx *ctx, const char *path, isr_grid *g)
{
    memset(g, 0, sizeof *g);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot open (run isoreach run first?)",
                             path);
    double gt[6];
    isr_status st = ISR_OK;
    const char *wkt = GDALGetProjectionRef(ds);
    if (GDALGetGeoTransform(ds, gt) != CE_None || gt[1] <= 0 || fabs(gt[1] + gt[5]) > 1e-9 * gt[1] ||
        !wkt || !*wkt) {
        st = isr_fail(ctx, ISR_ERR_INPUT, "'%s' has no square-cell georeferencing or no CRS",
                      path);
    } else {
        g->x0 = gt[0];
        g->y0 = gt[3];
        g->cell_m = gt[1];
        g->nx = GDALGetRasterXSize(ds);
        g->ny = GDALGetRasterYSize(ds);
        /* a region raster covers a window of the grid (acc.c): the grid is in its metadata */
        const char *rg = GDALGetMetadataItem(ds, "ISOREACH_REGION_GRID", NULL);
        double v[5];
        int k = 0;
        while (rg && k < 5) { /* x0,y0,cell,nx,ny */
            char *e;
            v[k] = isr_strtod(rg, &e);
            if (e == rg)
                break;
            k++;
            rg = *e == ',' ? e + 1 : NULL;
        }
        if (k == 5 && v[2] > 0 && v[3] >= 1 && v[4] >= 1 && v[3] < 1e9 && v[4] < 1e9) {
            g->x0 = v[0];
            g->y0 = v[1];
            g->cell_m = v[2];
            g->nx = (int)v[3];
            g->ny = (int)v[4];
        }
        g->wkt = strdup(wkt);
        if (!g->wkt)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    GDALClose(ds);
    return st;
}

int isr_same_hub_id(const char *tag, const char *id)
{
    for (;; tag++, id++) {
        while (*tag && ((unsigned char)*tag < 0x20 || *tag == 0x7f))
            tag++;
        while (*id && ((unsigned char)*id < 0x20 || *id == 0x7f))
            id++;
        if (*tag != *id)
            return 0;
        if (!*tag)
            return 1;
    }
}

isr_status isr_hub_raster_check(isr_ctx *ctx, const char *path, const char *id,
                                const char *again)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return isr_fail(ctx, ISR_ERR_INPUT, "hub '%s': '%s' cannot be read (cut short, or not a "
                                            "GeoTIFF): %s",
                        id, path, again);
    const char *h = GDALGetMetadataItem(ds, "HUB_ID", NULL);
    isr_status st = ISR_OK;
    if (!h)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "hub '%s': '%s' has no HUB_ID tag (cut short, or not written by "
                      "isoreach): %s",
                      id, path, again);
    else if (!isr_same_hub_id(h, id))
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "'%s' is the travel-time raster of hub '%s', not of hub '%s' (copied?): %s",
                      path, h, id, again);
    /* every tile's bytes in the file: a file cut short after its header opens, and fails on
     * the first read of a lost tile */
    struct stat sb;
    GDALRasterBandH band = GDALGetRasterBand(ds, 1);
    int bx = 0, by = 0;
    if (band)
        GDALGetBlockSize(band, &bx, &by);
    unsigned long long end = 0;
    int nx = bx > 0 ? (GDALGetRasterXSize(ds) + bx - 1) / bx : 0;
    int ny = by > 0 ? (GDALGetRasterYSize(ds) + by - 1) / by : 0;
    for (int y = 0; st == ISR_OK && y < ny; y++)
        for (int x = 0; x < nx; x++) {
            char key[64];
            snprintf(key, sizeof key, "BLOCK_OFFSET_%d_%d", x, y);
            const char *o = GDALGetMetadataItem(band, key, "TIFF");
            snprintf(key, sizeof key, "BLOCK_SIZE_%d_%d", x, y);
            const char *n = GDALGetMetadataItem(band, key, "TIFF");
            unsigned long long e = o && n ? strtoull(o, NULL, 10) + strtoull(n, NULL, 10) : 0;
            end = e > end ? e : end;
        }
    unsigned long long size = stat(path, &sb) == 0 ? (unsigned long long)sb.st_size : 0;
    if (st == ISR_OK && size < end)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "hub '%s': '%s' is cut short (%llu bytes, its tiles end at byte %llu): %s",
                      id, path, size, end, again);
    GDALClose(ds);
    return st;
}
