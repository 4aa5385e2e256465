/* Criterion suite for isochrone.c on a hand-built search.
 * A 401 × 401 grid of 100 m cells, 10 m/s everywhere, one seed at the centre cell (200,200):
 * bands 10 and 20 minutes reach 6 and 12 km. A 1 km² lake (10 × 10 barrier cells,
 * 2.5–3.5 km east) must stay a hole; a second seed far out at 1195 s reaches only its own
 * cell (0.01 km²), speckle below --min-area 0.1 km² that must go. */
#include "internal.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

typedef struct fx {
    isr_ctx *ctx;
    isr_geos gc;
    isr_grid g;
    float *fric, *t;
    double *pop;
    isr_cd_work w;
    isr_band_poly b[2];
} fx;

static void setup(fx *f, double simplify_m)
{
    memset(f, 0, sizeof *f);
    GDALAllRegister();
    f->ctx = isr_ctx_new();
    isr_geos_init(&f->gc);
    cr_assert_eq(isr_grid_init(f->ctx, &f->g, 0, 0, 40100, 40100, 100, "", 30, 1e6), ISR_OK);
    size_t n = isr_grid_pcells(&f->g);
    f->fric = malloc(n * sizeof *f->fric);
    f->t = malloc(n * sizeof *f->t);
    f->pop = malloc((size_t)f->g.nx * (size_t)f->g.ny * sizeof *f->pop);
    for (size_t i = 0; i < n; i++) {
        f->fric[i] = INFINITY;
        f->t[i] = INFINITY;
    }
    for (int r = 0; r < f->g.ny; r++)
        for (int c = 0; c < f->g.nx; c++) {
            int lake = c >= 225 && c < 235 && r >= 195 && r < 205;
            f->fric[isr_grid_pidx(&f->g, c, r)] = lake ? INFINITY : 0.1f;
            f->pop[(size_t)r * (size_t)f->g.nx + (size_t)c] = 1.0;
        }
    isr_seed s[2] = {{(uint32_t)isr_grid_pidx(&f->g, 200, 200), 0.0f},
                     {(uint32_t)isr_grid_pidx(&f->g, 380, 380), 1195.0f}};
    cr_assert_eq(isr_costdist(f->fric, (size_t)isr_grid_pw(&f->g), (size_t)isr_grid_ph(&f->g),
                              100, s, 2, 1200.0f, f->t, &f->w),
                 0);
    double bands[2] = {10, 20};
    isr_zones people = {.pop = f->pop}; /* an array of people per cell, as a raster gives */
    cr_assert_eq(isr_isochrones_build(f->ctx, &f->gc, &f->g, f->t, f->w.touched, f->w.ntouched,
                                      &people, bands, 2, 0.1e6, simplify_m, f->b),
                 ISR_OK, "%s", isr_ctx_errmsg(f->ctx));
}

static void teardown(fx *f)
{
    isr_band_polys_free(&f->gc, f->b, 2);
    isr_geos_finish(&f->gc);
    isr_cd_work_free(&f->w);
    free(f->fric);
    free(f->t);
    free(f->pop);
    isr_grid_clear(&f->g);
    isr_ctx_free(f->ctx);
}

static double area(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    double a = 0;
    GEOSArea_r(h, g, &a);
    return a;
}

static int holes(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    int n = 0;
    for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++)
        n += GEOSGetNumInteriorRings_r(h, GEOSGetGeometryN_r(h, g, i));
    return n;
}

static void check_bands(fx *f)
{
    GEOSContextHandle_t h = f->gc.h;
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(GEOSisValid_r(h, f->b[k].within), 1, "within %d invalid", k);
        cr_assert_eq(GEOSisValid_r(h, f->b[k].ring), 1, "ring %d invalid", k);
    }
    /* nested, and rings disjoint and adding up to the outer band */
    cr_assert_eq(GEOSCovers_r(h, f->b[1].within, f->b[0].within), 1);
    GEOSGeometry *x = GEOSIntersection_r(h, f->b[0].ring, f->b[1].ring);
    cr_assert_lt(area(h, x), 1e-3, "rings overlap by %g m²", area(h, x));
    GEOSGeom_destroy_r(h, x);
    double sum = area(h, f->b[0].ring) + area(h, f->b[1].ring);
    cr_assert_float_eq(sum, area(h, f->b[1].within), 1e-6 * sum);
    /* the lake stays a hole of both bands */
    cr_assert_geq(holes(h, f->b[0].within), 1);
    cr_assert_geq(holes(h, f->b[1].within), 1);
    GEOSGeometry *lake = GEOSGeom_createPointFromXY_r(h, 23000, 20000);
    cr_assert_eq(GEOSIntersects_r(h, f->b[1].within, lake), 0, "the lake was filled");
    GEOSGeom_destroy_r(h, lake);
    /* the speckle around the far seed (38050, 1950) is gone */
    GEOSGeometry *far = GEOSGeom_createPointFromXY_r(h, 38050, 1950);
    cr_assert_eq(GEOSIntersects_r(h, f->b[1].within, far), 0, "speckle kept");
    GEOSGeom_destroy_r(h, far);
}

Test(isochrone, nested_valid_holes_kept_speckle_dropped)
{
    fx f;
    setup(&f, 0);
    check_bands(&f);
    /* unsimplified polygons follow cell edges: polygon area = cell area, less the speckle
     * cell (0.01 km²) in the outer band */
    cr_assert_float_eq(f.b[0].within_km2, f.b[0].cells_km2, 1e-9);
    cr_assert_float_eq(f.b[1].within_km2, f.b[1].cells_km2 - 0.01, 1e-9);
    /* the 10-minute band is the model's 16-gon ball of radius 6 km (area 3.05377 r²) less
     * the 1 km² lake, to within the cell discretisation (1.5 %) */
    double want = 3.05377 * 36.0 - 1.0;
    cr_assert(fabs(f.b[0].within_km2 - want) / want < 0.015, "%g km² vs %g", f.b[0].within_km2,
              want);
    /* one person per 0.01 km² cell */
    cr_assert_float_eq(f.b[0].pop_within, f.b[0].cells_km2 * 100, 1e-6);
    cr_assert_float_eq(f.b[1].pop_ring, f.b[1].ring_cells_km2 * 100, 1e-6);
    cr_assert_float_eq(f.b[0].lo_min, 0, 0);
    cr_assert_float_eq(f.b[1].lo_min, 10, 0);
    cr_assert_float_eq(f.b[1].hi_min, 20, 0);
    teardown(&f);
}

Test(isochrone, simplified_bands_still_nest)
{
    fx f;
    setup(&f, 100);
    check_bands(&f);
    /* simplification within one cell changes the area by well under 1 % */
    cr_assert_lt(fabs(f.b[1].within_km2 - (f.b[1].cells_km2 - 0.01)) / f.b[1].cells_km2, 0.01);
    cr_assert_lt(GEOSGetNumCoordinates_r(f.gc.h, f.b[1].within), 2000);
    teardown(&f);
}

Test(isochrone, band_lists)
{
    isr_ctx *ctx = isr_ctx_new();
    double b[ISR_MAX_BANDS];
    int n;
    cr_assert_eq(isr_bands_parse(ctx, NULL, 60, b, &n), ISR_OK);
    cr_assert_eq(n, 4);
    cr_assert_float_eq(b[3], 60, 0);
    cr_assert_eq(isr_bands_parse(ctx, NULL, 50, b, &n), ISR_OK);
    cr_assert_eq(n, 4); /* 15, 30, 45, 50 */
    cr_assert_float_eq(b[3], 50, 0);
    /* 64 bands of 15 minutes reach 960: a day's budget gets bands of 30, all of one width
     * (they stopped at 945 and left one band of 945-1440) */
    cr_assert_eq(isr_bands_parse(ctx, NULL, 960, b, &n), ISR_OK);
    cr_assert_eq(n, 64);
    cr_assert_float_eq(b[62], 945, 0);
    cr_assert_eq(isr_bands_parse(ctx, NULL, 1440, b, &n), ISR_OK);
    cr_assert_eq(n, 48);
    for (int i = 0; i < n; i++)
        cr_assert_float_eq(b[i], 30.0 * (i + 1), 0, "band %d: %g", i, b[i]);
    cr_assert_eq(isr_bands_parse(ctx, NULL, 1000, b, &n), ISR_OK);
    cr_assert_eq(n, 34); /* 30 … 990, then 1000 */
    cr_assert_float_eq(b[32], 990, 0);
    cr_assert_float_eq(b[33], 1000, 0);
    cr_assert_eq(isr_bands_parse(ctx, "20,40", 60, b, &n), ISR_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(isr_bands_parse(ctx, "30,20", 60, b, &n), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "--bands: limits must increase ('30,20')");
    isr_ctx_free(ctx);
    ctx = isr_ctx_new();
    cr_assert_eq(isr_bands_parse(ctx, "30,90", 60, b, &n), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "--bands: 90 is outside (0, 60], the budget in minutes");
    /* a trailing comma leaves a limit out: refused, not read as "30" */
    isr_ctx_free(ctx);
    ctx = isr_ctx_new();
    cr_assert_eq(isr_bands_parse(ctx, "30,", 60, b, &n), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "--bands: '30,' is not a list of minutes");
    isr_ctx_free(ctx);
}
