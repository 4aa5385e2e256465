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

/* The union of the cells whose class (1..3, 0 none) is within [lo, hi], from one rectangle
 * per run of such cells in a row. */
static GEOSGeometry *cells_union(GEOSContextHandle_t h, const isr_grid *g, const int *cls,
                                 int lo, int hi)
{
    size_t n = 0, cap = (size_t)g->nx * (size_t)g->ny;
    GEOSGeometry **sq = malloc(cap * sizeof *sq);
    for (int r = 0; r < g->ny; r++)
        for (int c = 0; c < g->nx; c++) {
            int e = c;
            while (e < g->nx && cls[r * g->nx + e] >= lo && cls[r * g->nx + e] <= hi)
                e++;
            if (e == c)
                continue;
            double x0 = g->x0 + c * g->cell_m, x1 = g->x0 + e * g->cell_m;
            double y1 = g->y0 - r * g->cell_m, y0 = g->y0 - (r + 1) * g->cell_m;
            double xy[10] = {x0, y0, x1, y0, x1, y1, x0, y1, x0, y0};
            GEOSCoordSequence *s = GEOSCoordSeq_copyFromBuffer_r(h, xy, 5, 0, 0);
            sq[n++] = GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, s), NULL, 0);
            c = e;
        }
    GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, sq, (unsigned)n);
    GEOSGeometry *u = GEOSUnaryUnion_r(h, coll);
    GEOSGeom_destroy_r(h, coll);
    free(sq);
    return u;
}

/* `g` (consumed) without its parts under min_area (their area net of holes) and with its
 * holes under min_area filled (the area inside the hole's ring): the README's speckle rule,
 * written again here from its words. */
static GEOSGeometry *despeckled(GEOSContextHandle_t h, GEOSGeometry *g, double min_area)
{
    int np = GEOSGetNumGeometries_r(h, g), kept = 0;
    GEOSGeometry **parts = malloc((size_t)(np + 1) * sizeof *parts);
    for (int i = 0; i < np; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
        if (area(h, p) < min_area)
            continue;
        int nh = GEOSGetNumInteriorRings_r(h, p), kh = 0;
        GEOSGeometry **holes = malloc((size_t)(nh + 1) * sizeof *holes);
        for (int j = 0; j < nh; j++) {
            GEOSGeometry *ring = GEOSGeom_clone_r(h, GEOSGetInteriorRingN_r(h, p, j));
            GEOSGeometry *inside = GEOSGeom_createPolygon_r(h, ring, NULL, 0);
            if (area(h, inside) >= min_area)
                holes[kh++] = GEOSGeom_clone_r(h, GEOSGetExteriorRing_r(h, inside));
            GEOSGeom_destroy_r(h, inside);
        }
        parts[kept++] = GEOSGeom_createPolygon_r(
            h, GEOSGeom_clone_r(h, GEOSGetExteriorRing_r(h, p)), holes, (unsigned)kh);
        free(holes);
    }
    GEOSGeom_destroy_r(h, g);
    GEOSGeometry *out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)kept);
    free(parts);
    return out;
}

/* Whether cell (c, r) of the third grid may be classed: four clusters apart (the window is
 * polygonized in boxes, cut along the empty rows and columns between them) and a few cells
 * alone in the gaps, one of them at a cluster's corner. */
static int in_clusters(int c, int r)
{
    int cx = c < 60 || (c >= 140 && c < 200), cy = r < 50 || (r >= 110 && r < 170);
    return (cx && cy) || (c == 100 && r % 37 == 0) || (c == 60 && r == 50) ||
           (r == 80 && c % 41 == 0);
}

/* Bands in patches of every shape, drawn at random: a cell takes its left or upper
 * neighbour's class, or a random one (none among them), so that patches of one class meet at
 * corners, enclose others, and hold one-cell holes. With no speckle dropped and no
 * simplification, each band's polygons must be exactly its cells: `within` the union of the
 * cells up to its limit, `ring` those of its own class; with speckle dropped, those unions
 * despeckled (a band's speckle rule never takes from the band inside it: no part of a
 * smaller union is in a smaller part, no hole in a smaller hole). On three grids (100 m at the origin;
 * 250 m far from it; 100 m with the cells in clusters, in_clusters), three draws each. */
Test(isochrone, bands_are_exactly_their_cells_whatever_the_patches)
{
    static const struct {
        double x0, y0, cell;
        int nx, ny;
    } grids[3] = {{0, 0, 100, 90, 70}, {4.5e5, 3.2e6, 250, 90, 70}, {-2e4, 5e3, 100, 200, 170}};
    const double bands[3] = {10, 20, 30};
    for (int gi = 0; gi < 3; gi++)
        for (unsigned draw = 1; draw <= 3; draw++) {
            isr_ctx *ctx = isr_ctx_new();
            isr_geos gc;
            isr_geos_init(&gc);
            GEOSContextHandle_t h = gc.h;
            isr_grid g;
            double c = grids[gi].cell;
            cr_assert_eq(isr_grid_init(ctx, &g, grids[gi].x0, grids[gi].y0,
                                       grids[gi].x0 + grids[gi].nx * c,
                                       grids[gi].y0 + grids[gi].ny * c, c, "", 30, 1e6),
                         ISR_OK);
            size_t pn = isr_grid_pcells(&g);
            float *t = malloc(pn * sizeof *t);
            uint32_t *touched = malloc(pn * sizeof *touched);
            int *cls = calloc((size_t)g.nx * (size_t)g.ny, sizeof *cls);
            for (size_t i = 0; i < pn; i++)
                t[i] = INFINITY;
            size_t nt = 0;
            unsigned seed = draw * 2654435761u;
            int count[4] = {0};
            for (int r = 0; r < g.ny; r++)
                for (int col = 0; col < g.nx; col++) {
                    seed = seed * 1103515245u + 12345u;
                    unsigned u = (seed >> 8) % 100;
                    int k = u < 30 && col ? cls[r * g.nx + col - 1]
                            : u < 55 && r ? cls[(r - 1) * g.nx + col]
                                          : (int)((seed >> 20) % 4);
                    if (gi == 2 && !in_clusters(col, r))
                        k = 0;
                    cls[r * g.nx + col] = k;
                    count[k]++;
                    if (!k)
                        continue;
                    size_t p = isr_grid_pidx(&g, col, r);
                    t[p] = (float)(60.0 * (bands[k - 1] - 5.0));
                    touched[nt++] = (uint32_t)p;
                }
            /* the third draw drops speckle: parts and holes of 3 cells or fewer */
            double min_area = draw == 3 ? 3.5 * c * c : 0;
            isr_band_poly b[3];
            cr_assert_eq(isr_isochrones_build(ctx, &gc, &g, t, touched, nt, NULL, bands, 3,
                                              min_area, 0, b),
                         ISR_OK, "%s", isr_ctx_errmsg(ctx));
            double cell_km2 = c * c / 1e6;
            int upto = 0;
            GEOSGeometry *prev = NULL;
            for (int k = 0; k < 3; k++) {
                upto += count[k + 1];
                GEOSGeometry *within = despeckled(h, cells_union(h, &g, cls, 1, k + 1), min_area);
                GEOSGeometry *ring = prev ? GEOSDifference_r(h, within, prev)
                                          : GEOSGeom_clone_r(h, within);
                cr_assert_eq(GEOSisValid_r(h, b[k].within), 1);
                cr_assert_eq(GEOSEquals_r(h, b[k].within, within), 1,
                             "grid %d draw %u: band %d's polygons are not its cells", gi, draw, k);
                cr_assert_eq(GEOSEquals_r(h, b[k].ring, ring), 1,
                             "grid %d draw %u: ring %d is not its class's cells", gi, draw, k);
                cr_assert_float_eq(b[k].within_km2, area(h, within) / 1e6, 1e-9 * upto);
                if (min_area == 0)
                    cr_assert_float_eq(b[k].within_km2, upto * cell_km2, 1e-9 * upto * cell_km2);
                cr_assert_float_eq(b[k].cells_km2, upto * cell_km2, 1e-9 * upto * cell_km2);
                cr_assert_float_eq(b[k].ring_cells_km2, count[k + 1] * cell_km2, 1e-9);
                GEOSGeom_destroy_r(h, prev);
                GEOSGeom_destroy_r(h, ring);
                prev = within;
            }
            GEOSGeom_destroy_r(h, prev);
            isr_band_polys_free(&gc, b, 3);
            free(t);
            free(touched);
            free(cls);
            isr_grid_clear(&g);
            isr_geos_finish(&gc);
            isr_ctx_free(ctx);
        }
}
