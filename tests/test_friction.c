/* Criterion suite for friction.c on a 4 x 3 grid of 1000 m cells (x 0..4000, y 0..3000) in
 * UTM 32N, with rasters written to /vsimem/ in the test:
 *   - the base value in land cells, barriers (+INF) outside every unit and in the padding;
 *   - a raster of known seconds per metre on the grid's own cells, read back exactly
 *     (bilinear at cell centres), its nodata a barrier;
 *   - a raster covering the left half only: the right half impassable, warned with the count;
 *   - 0 / NaN values refused with their position; no CRS refused;
 *   - a constant raster in EPSG:4326 warped onto the grid. */
#include "internal.h"

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#define UTM "EPSG:32632"

static char *wkt_of(const char *def)
{
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    cr_assert_eq(OSRSetFromUserInput(s, def), OGRERR_NONE);
    char *w = NULL;
    OSRExportToWkt(s, &w);
    OSRDestroySpatialReference(s);
    return w;
}

/* A one-band Float32 GeoTIFF at /vsimem/`name`: w x h pixels from (x0, y0) top-left of size
 * px, values row-major; nodata set when has_nd. */
static void raster(const char *name, const char *crs, double x0, double y0, double px, int w,
                   int h, const float *v, int has_nd, double nd)
{
    GDALDatasetH ds =
        GDALCreate(GDALGetDriverByName("GTiff"), name, w, h, 1, GDT_Float32, NULL);
    cr_assert_not_null(ds);
    double gt[6] = {x0, px, 0, y0, 0, -px};
    GDALSetGeoTransform(ds, gt);
    if (crs) {
        char *wkt = wkt_of(crs);
        GDALSetProjection(ds, wkt);
        CPLFree(wkt);
    }
    GDALRasterBandH b = GDALGetRasterBand(ds, 1);
    if (has_nd)
        GDALSetRasterNoDataValue(b, nd);
    cr_assert_eq(GDALRasterIO(b, GF_Write, 0, 0, w, h, (void *)v, w, h, GDT_Float32, 0, 0),
                 CE_None);
    GDALClose(ds);
}

typedef struct fx {
    isr_ctx *ctx;
    isr_grid g;
    int32_t zone[12];
    isr_zones z; /* its 32-bit zone raster: zone */
} fx;

/* All land except cell (3,0), top right, which lies outside every unit. */
static void setup(fx *f)
{
    GDALAllRegister();
    f->ctx = isr_ctx_new();
    char *wkt = wkt_of(UTM);
    cr_assert_eq(isr_grid_init(f->ctx, &f->g, 0, 0, 4000, 3000, 1000, wkt, 4, 100), ISR_OK);
    CPLFree(wkt);
    for (int k = 0; k < 12; k++)
        f->zone[k] = 0;
    f->zone[3] = -1;
    memset(&f->z, 0, sizeof f->z);
    f->z.zone32 = f->zone;
}

static void teardown(fx *f)
{
    isr_grid_clear(&f->g);
    isr_ctx_free(f->ctx);
}

static float at(const fx *f, const float *fric, int c, int r)
{
    return fric[isr_grid_pidx(&f->g, c, r)];
}

Test(friction, base_value_and_barriers)
{
    fx f;
    setup(&f);
    float *fric = NULL;
    size_t unc = 99;
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, NULL, &fric, &unc), ISR_OK);
    cr_assert_eq(unc, 0);
    /* 8 x 7 padded cells: 11 land cells at 0.125 s/m, the rest +INF */
    size_t land = 0, inf = 0;
    for (size_t i = 0; i < isr_grid_pcells(&f.g); i++) {
        land += fric[i] == 0.125f;
        inf += isinf(fric[i]);
    }
    cr_assert_eq(isr_grid_pcells(&f.g), 56);
    cr_assert_eq(land, 11);
    cr_assert_eq(inf, 45);
    cr_assert(isinf(at(&f, fric, 3, 0)));
    cr_assert_eq(at(&f, fric, 0, 0), 0.125f);
    cr_assert(isinf(fric[isr_grid_pidx(&f.g, -1, 0)])); /* the padding */
    free(fric);
    teardown(&f);
}

Test(friction, raster_on_the_grid_read_exactly_nodata_is_a_barrier)
{
    fx f;
    setup(&f);
    /* pixel (c, r) holds 0.01 × (1 + c + 10 r) s/m; pixel (1,1) is nodata (-1) */
    float v[12];
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++)
            v[r * 4 + c] = 0.01f * (float)(1 + c + 10 * r);
    v[1 * 4 + 1] = -1;
    raster("/vsimem/fric_exact.tif", UTM, 0, 3000, 1000, 4, 3, v, 1, -1);
    float *fric = NULL;
    size_t unc = 99;
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, "/vsimem/fric_exact.tif", &fric,
                                    &unc),
                 ISR_OK, "%s", isr_ctx_errmsg(f.ctx));
    cr_assert_eq(unc, 0);
    cr_assert_eq(isr_ctx_nwarnings(f.ctx), 0);
    cr_assert_float_eq(at(&f, fric, 0, 0), 0.01f, 1e-7);
    cr_assert_float_eq(at(&f, fric, 2, 0), 0.03f, 1e-7);
    cr_assert_float_eq(at(&f, fric, 0, 2), 0.21f, 1e-7);
    cr_assert_float_eq(at(&f, fric, 3, 2), 0.24f, 1e-7);
    cr_assert(isinf(at(&f, fric, 1, 1)), "nodata: %g", at(&f, fric, 1, 1));
    cr_assert(isinf(at(&f, fric, 3, 0)), "no unit: a barrier whatever the raster says");
    free(fric);
    VSIUnlink("/vsimem/fric_exact.tif");
    teardown(&f);
}

/* A band stored with GDAL's scale and offset means stored × scale + offset: 180 × 0.001 is
 * 0.18 s/m (it was read as 180 s/m, no warning), 0.08 + 0.1 too; a value of 0 that the
 * offset makes positive is no error, and nodata stays a barrier */
Test(friction, scale_and_offset_give_the_values_meant)
{
    fx f;
    setup(&f);
    float v[12];
    for (int k = 0; k < 12; k++)
        v[k] = 180;
    v[5] = -1; /* nodata */
    raster("/vsimem/fric_scaled.tif", UTM, 0, 3000, 1000, 4, 3, v, 1, -1);
    GDALDatasetH ds = GDALOpen("/vsimem/fric_scaled.tif", GA_Update);
    GDALSetRasterScale(GDALGetRasterBand(ds, 1), 0.001);
    GDALClose(ds);
    float *fric = NULL;
    size_t unc = 0;
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, "/vsimem/fric_scaled.tif", &fric,
                                    &unc),
                 ISR_OK, "%s", isr_ctx_errmsg(f.ctx));
    cr_assert_float_eq(at(&f, fric, 0, 0), 0.18f, 1e-6);
    cr_assert(isinf(at(&f, fric, 1, 1)), "nodata: %g", at(&f, fric, 1, 1));
    free(fric);
    for (int k = 0; k < 12; k++)
        v[k] = k == 2 ? 0 : 0.08f;
    raster("/vsimem/fric_offset.tif", UTM, 0, 3000, 1000, 4, 3, v, 0, 0);
    ds = GDALOpen("/vsimem/fric_offset.tif", GA_Update);
    GDALSetRasterOffset(GDALGetRasterBand(ds, 1), 0.1);
    GDALClose(ds);
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, "/vsimem/fric_offset.tif", &fric,
                                    &unc),
                 ISR_OK, "%s", isr_ctx_errmsg(f.ctx));
    cr_assert_float_eq(at(&f, fric, 0, 0), 0.18f, 1e-6);
    cr_assert_float_eq(at(&f, fric, 2, 0), 0.1f, 1e-6);
    free(fric);
    VSIUnlink("/vsimem/fric_scaled.tif");
    VSIUnlink("/vsimem/fric_offset.tif");
    teardown(&f);
}

/* A raster ten times finer than the grid with a barrier one pixel wide: the barrier holds
 * only where it covers a cell's centre, which the run says (it was silent); the same raster
 * without a nodata pixel says nothing */
Test(friction, finer_raster_with_barriers_warned)
{
    fx f;
    setup(&f);
    float v[40 * 30];
    for (int k = 0; k < 40 * 30; k++)
        v[k] = 0.2f;
    v[15 * 40 + 7] = -1; /* one 100 m pixel of nodata */
    raster("/vsimem/fric_fine.tif", UTM, 0, 3000, 100, 40, 30, v, 1, -1);
    float *fric = NULL;
    size_t unc = 0;
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, "/vsimem/fric_fine.tif", &fric,
                                    &unc),
                 ISR_OK, "%s", isr_ctx_errmsg(f.ctx));
    cr_assert_eq(isr_ctx_nwarnings(f.ctx), 1);
    cr_assert(strstr(isr_ctx_warning(f.ctx, 0), "its pixels are finer than the 1000 m grid "
                                                 "(100 to a cell): a barrier (nodata) narrower "
                                                 "than a cell stops local travel only where"),
              "%s", isr_ctx_warning(f.ctx, 0));
    free(fric);
    v[15 * 40 + 7] = 0.2f;
    raster("/vsimem/fric_fine.tif", UTM, 0, 3000, 100, 40, 30, v, 1, -1);
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, "/vsimem/fric_fine.tif", &fric,
                                    &unc),
                 ISR_OK);
    cr_assert_eq(isr_ctx_nwarnings(f.ctx), 1, "no barrier, no warning");
    free(fric);
    VSIUnlink("/vsimem/fric_fine.tif");
    teardown(&f);
}

Test(friction, partial_raster_warned_and_impassable_beyond)
{
    fx f;
    setup(&f);
    /* the raster covers x 0..2000 only: columns 2 and 3 are beyond it; of their 6 cells, 5 are
     * land (cell (3,0) is not) → covers (11 - 5) / 11 = 54.5 % of the land cells */
    float v[6] = {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f};
    raster("/vsimem/fric_half.tif", UTM, 0, 3000, 1000, 2, 3, v, 0, 0);
    float *fric = NULL;
    size_t unc = 0;
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, "/vsimem/fric_half.tif", &fric,
                                    &unc),
                 ISR_OK, "%s", isr_ctx_errmsg(f.ctx));
    cr_assert_eq(unc, 5);
    cr_assert_float_eq(at(&f, fric, 1, 2), 0.1f, 1e-7);
    for (int r = 0; r < 3; r++)
        for (int c = 2; c < 4; c++)
            cr_assert(isinf(at(&f, fric, c, r)), "(%d,%d) = %g: beyond the raster is never free",
                      c, r, at(&f, fric, c, r));
    cr_assert_eq(isr_ctx_nwarnings(f.ctx), 1);
    cr_assert_str_eq(isr_ctx_warning(f.ctx, 0),
                     "friction raster '/vsimem/fric_half.tif' covers 54.5 % of the region's land "
                     "cells; the other 5 cells (5.0 km²) are treated as impassable");
    free(fric);
    VSIUnlink("/vsimem/fric_half.tif");
    teardown(&f);
}

Test(friction, zero_and_nan_refused_with_their_position)
{
    fx f;
    setup(&f);
    float v[12];
    for (int i = 0; i < 12; i++)
        v[i] = 0.1f;
    v[2 * 4 + 1] = 0; /* pixel (1,2): centre (1500, 500) */
    raster("/vsimem/fric_zero.tif", UTM, 0, 3000, 1000, 4, 3, v, 1, -1);
    float *fric = (float *)1;
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, "/vsimem/fric_zero.tif", &fric,
                                    NULL),
                 ISR_ERR_INPUT);
    cr_assert_null(fric);
    cr_assert_str_eq(isr_ctx_errmsg(f.ctx),
                     "friction raster '/vsimem/fric_zero.tif': 1 cell(s) hold 0 or a negative "
                     "value (the first at 1500, 500 in the raster's CRS); friction is seconds per "
                     "metre and must be positive: use the raster's nodata for barriers");
    v[2 * 4 + 1] = NAN; /* not its nodata (-1) */
    v[0] = INFINITY;
    raster("/vsimem/fric_nan.tif", UTM, 0, 3000, 1000, 4, 3, v, 1, -1);
    isr_ctx_reset(f.ctx);
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, "/vsimem/fric_nan.tif", &fric,
                                    NULL),
                 ISR_ERR_INPUT);
    cr_assert_str_eq(isr_ctx_errmsg(f.ctx),
                     "friction raster '/vsimem/fric_nan.tif': 2 cell(s) hold NaN or infinity "
                     "(the first at 500, 2500 in the raster's CRS) and are not its nodata; "
                     "friction must be a finite number of seconds per metre: set the raster's "
                     "nodata for barriers");
    VSIUnlink("/vsimem/fric_zero.tif");
    VSIUnlink("/vsimem/fric_nan.tif");
    teardown(&f);
}

Test(friction, raster_without_crs_refused)
{
    fx f;
    setup(&f);
    float v[12] = {0};
    for (int i = 0; i < 12; i++)
        v[i] = 0.1f;
    raster("/vsimem/fric_nocrs.tif", NULL, 0, 3000, 1000, 4, 3, v, 0, 0);
    float *fric = NULL;
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, "/vsimem/fric_nocrs.tif", &fric,
                                    NULL),
                 ISR_ERR_CRS);
    cr_assert_str_eq(isr_ctx_errmsg(f.ctx), "friction raster '/vsimem/fric_nocrs.tif' has no CRS: "
                                            "assign the one its pixels are in, e.g. "
                                            "gdal_translate -a_srs EPSG:4326 in.tif out.tif");
    VSIUnlink("/vsimem/fric_nocrs.tif");
    /* and a path that is not a raster */
    isr_ctx_reset(f.ctx);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, "/nonexistent/f.tif", &fric,
                                    NULL),
                 ISR_ERR_INPUT);
    CPLPopErrorHandler();
    const char *want = "friction raster '/nonexistent/f.tif': cannot open as a raster";
    cr_assert_eq(strncmp(isr_ctx_errmsg(f.ctx), want, strlen(want)), 0, "%s",
                 isr_ctx_errmsg(f.ctx));
    teardown(&f);
}

Test(friction, raster_in_another_crs_warped)
{
    fx f;
    setup(&f);
    /* the grid (UTM 32N, x 0..4000 m, y 0..3000 m) lies near 4.51°E, 0.0°N (UTM 32N's false
     * easting puts x = 0 at 500 km west of 9°E); a constant 0.05 s/m lon/lat raster from 4°E
     * to 5°E and 1°S to 1°N covers it, and bilinear of a constant is that constant */
    float v[400];
    for (int i = 0; i < 400; i++)
        v[i] = 0.05f;
    raster("/vsimem/fric_ll.tif", "EPSG:4326", 4.0, 1.0, 0.1, 10, 20, v, 0, 0);
    float *fric = NULL;
    size_t unc = 99;
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, "/vsimem/fric_ll.tif", &fric,
                                    &unc),
                 ISR_OK, "%s", isr_ctx_errmsg(f.ctx));
    cr_assert_eq(unc, 0);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++)
            if (f.zone[r * 4 + c] >= 0)
                cr_assert_float_eq(at(&f, fric, c, r), 0.05f, 1e-7);
    free(fric);
    VSIUnlink("/vsimem/fric_ll.tif");
    teardown(&f);
}

Test(friction, grid_mem_dataset)
{
    fx f;
    setup(&f);
    GDALDatasetH ds = isr_grid_mem(&f.g, GDT_Int16);
    cr_assert_not_null(ds);
    cr_assert_eq(GDALGetRasterXSize(ds), 4);
    cr_assert_eq(GDALGetRasterYSize(ds), 3);
    cr_assert_eq(GDALGetRasterDataType(GDALGetRasterBand(ds, 1)), GDT_Int16);
    double gt[6];
    GDALGetGeoTransform(ds, gt);
    cr_assert_eq(gt[0], 0.0);
    cr_assert_eq(gt[3], 3000.0);
    cr_assert_eq(gt[5], -1000.0);
    OGRSpatialReferenceH s = OSRNewSpatialReference(GDALGetProjectionRef(ds));
    cr_assert_str_eq(OSRGetAuthorityCode(s, NULL), "32632");
    OSRDestroySpatialReference(s);
    GDALClose(ds);
    teardown(&f);
}

/* isr_fric_encode: up to 256 values (+INF among them) a byte a cell, in place, numbered in the
 * order first met, each cell's lut[code] its very float; the 257th value leaves the floats
 * as they were. */
Test(friction, coded_up_to_256_values_and_floats_beyond)
{
    enum { N = 20000 };
    float *f = malloc(N * sizeof *f), *was = malloc(N * sizeof *was), lut[256];
    /* long runs (skipped 16 cells at a time), then short ones, repeats and +INF: 255 finite
     * values and +INF */
    for (int i = 0; i < N; i++) {
        int k = i < N / 2 ? i / 37 : i / 3, inf = i < N / 2 ? k % 50 == 7 : i % 7 == 0;
        was[i] = f[i] = inf ? INFINITY : 0.01f + 0.001f * (float)(k % 255);
    }
    cr_assert_eq(isr_fric_encode(f, N, lut), 1);
    const uint8_t *code = (const uint8_t *)f;
    cr_assert_eq(code[0], 0); /* 0.01, met first */
    cr_assert_eq(lut[0], 0.01f);
    cr_assert_eq(code[37], 1);
    cr_assert_eq(lut[1], 0.011f);
    int most = 0;
    for (int i = 0; i < N; i++) {
        cr_assert(memcmp(&lut[code[i]], &was[i], sizeof(float)) == 0,
                  "cell %d: %.9g, coded %.9g", i, was[i], lut[code[i]]);
        most = code[i] > most ? code[i] : most;
    }
    cr_assert_eq(most, 255, "256 values, numbered 0..255");
    /* one value more: the floats are kept, untouched */
    memcpy(f, was, N * sizeof *f);
    f[N - 1] = was[N - 1] = 0.5f;
    cr_assert_eq(isr_fric_encode(f, N, lut), 0);
    cr_assert(memcmp(f, was, N * sizeof *f) == 0);
    free(f);
    free(was);
}

/* isr_friction_build_coded: the surface isr_friction_build gives without a raster, coded from
 * the start (0 a barrier: padding, no unit, water; 1 the base), on a grid with water; then
 * isr_fric_draft_set numbers each new value once (an equal one takes its code) and turns the
 * surface into floats at the 257th, every cell's value kept. */
Test(friction, coded_build_is_the_float_build_and_floats_from_the_257th_value)
{
    fx f;
    setup(&f);
    uint8_t water[12] = {0};
    water[5] = water[6] = 1; /* (1,1) and (2,1) */
    f.z.water = water;
    float *fric = NULL;
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, NULL, &fric, NULL), ISR_OK);
    isr_fric_draft d;
    cr_assert_eq(isr_friction_build_coded(f.ctx, &f.g, &f.z, 0.125, &d), ISR_OK);
    const size_t n = isr_grid_pcells(&f.g);
    cr_assert_eq(d.n, n);
    cr_assert_null(d.f32);
    cr_assert_eq(d.values.n, 2);
    size_t land = 0;
    for (size_t i = 0; i < n; i++) {
        float v = isr_fric_draft_at(&d, i);
        cr_assert(memcmp(&v, &fric[i], sizeof v) == 0, "cell %zu: %g, floats %g", i, v, fric[i]);
        cr_assert_eq(d.code[i], isinf(fric[i]) ? 0 : 1);
        land += d.code[i];
    }
    cr_assert_eq(land, 9); /* 12 cells, one outside every unit, two of water */
    /* a road at the base speed takes the base's code; 254 more values, then floats */
    size_t k = isr_grid_pidx(&f.g, 0, 0);
    cr_assert_eq(isr_fric_draft_set(&d, k, 0.125f), 0);
    cr_assert_eq(d.code[k], 1);
    cr_assert_eq(d.values.n, 2);
    for (int v = 0; v < 254; v++) {
        size_t c = (size_t)v % n;
        float x = 0.01f + 0.0001f * (float)v;
        cr_assert_eq(isr_fric_draft_set(&d, c, x), 0);
        fric[c] = x;
    }
    cr_assert_null(d.f32, "256 values are still a byte a cell");
    cr_assert_eq(d.values.n, 256);
    cr_assert_eq(isr_fric_draft_set(&d, 7, 0.5f), 0); /* the 257th */
    fric[7] = 0.5f;
    cr_assert_not_null(d.f32);
    cr_assert_null(d.code);
    cr_assert(memcmp(d.f32, fric, n * sizeof *fric) == 0, "the floats are the cells' values");
    cr_assert_eq(isr_fric_draft_set(&d, 8, 0.25f), 0);
    cr_assert_eq(d.f32[8], 0.25f);
    free(d.f32);
    free(fric);
    teardown(&f);
}
