/* Criterion suite for coverage.c: the union of polygons that tile (isr_coverage_union) is
 * GEOS's coverage union, on random tilings that are not the sample's (jittered grids with
 * lakes, islands in lakes, enclaves, parts that meet at a corner, multipolygon units, in
 * metres and in degrees); what is not a coverage (overlaps, a polygon given twice, a
 * polygon inside another, lines) is refused (NULL), so that the dissolve takes GEOS's
 * overlay, which tells. */
#include "internal.h"
#include "unit_fixtures.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static GEOSContextHandle_t h;

static char geos_msg[512];
static void geos_error(const char *msg, void *user)
{
    (void)user;
    snprintf(geos_msg, sizeof geos_msg, "%s", msg);
}

static void setup(void)
{
    h = GEOS_init_r();
    GEOSContext_setErrorMessageHandler_r(h, geos_error, NULL);
}
static void teardown(void) { GEOS_finish_r(h); }

TestSuite(coverage, .init = setup, .fini = teardown);

static double uniform(void) { return fx_uniform(); }

static GEOSGeometry *wkt(const char *text)
{
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
    GEOSWKTReader_destroy_r(h, r);
    cr_assert_not_null(g, "%s", text);
    return g;
}

/* A grid of nx × ny cells over [x0, x0 + nx·step] × [y0, …], its inner vertices moved by up
 * to a fifth of a step (shared exactly by the cells around them), each inner edge cut by
 * `mid` extra vertices on an arc of random height (the same for both cells beside it). Cell (i, j) goes to
 * group[j·nx + i] (-1: no polygon there, a lake or the sea). Units: cells of one group whose
 * index modulo `merge` is the same are one (multi)polygon unit. */
typedef struct tiling {
    int nx, ny, mid;
    double x0, y0, step;
    double *vx, *vy;   /* (nx + 1) × (ny + 1) corners */
    double *hx, *hy;   /* mid points of horizontal edges: ((nx) × (ny + 1)) × mid */
    double *ux, *uy;   /* mid points of vertical edges: ((nx + 1) × ny) × mid */
} tiling;

static void tiling_make(tiling *t, int nx, int ny, int mid, double x0, double y0, double step)
{
    *t = (tiling){nx, ny, mid, x0, y0, step, NULL, NULL, NULL, NULL, NULL, NULL};
    size_t nv = (size_t)(nx + 1) * (ny + 1);
    t->vx = malloc(nv * sizeof *t->vx);
    t->vy = malloc(nv * sizeof *t->vy);
    for (int j = 0; j <= ny; j++)
        for (int i = 0; i <= nx; i++) {
            int inner = i > 0 && j > 0 && i < nx && j < ny;
            t->vx[j * (nx + 1) + i] = x0 + step * (i + (inner ? (uniform() - 0.5) * 0.4 : 0));
            t->vy[j * (nx + 1) + i] = y0 + step * (j + (inner ? (uniform() - 0.5) * 0.4 : 0));
        }
    size_t nh = (size_t)nx * (ny + 1) * (mid ? mid : 1), nu = (size_t)(nx + 1) * ny * (mid ? mid : 1);
    t->hx = malloc(nh * sizeof *t->hx);
    t->hy = malloc(nh * sizeof *t->hy);
    t->ux = malloc(nu * sizeof *t->ux);
    t->uy = malloc(nu * sizeof *t->uy);
    for (int j = 0; j <= ny; j++) /* edge (i, j) → (i + 1, j) */
        for (int i = 0; i < nx; i++) {
            double ax = t->vx[j * (nx + 1) + i], ay = t->vy[j * (nx + 1) + i];
            double bx = t->vx[j * (nx + 1) + i + 1], by = t->vy[j * (nx + 1) + i + 1];
            double bend = (j > 0 && j < ny) ? 0.2 * (uniform() - 0.5) : 0;
            for (int k = 0; k < mid; k++) {
                double f = (k + 1.0) / (mid + 1);
                size_t at = ((size_t)j * nx + i) * mid + k;
                t->hx[at] = ax + f * (bx - ax);
                t->hy[at] = ay + f * (by - ay) + step * bend * sin(f * M_PI);
            }
        }
    for (int j = 0; j < ny; j++) /* edge (i, j) → (i, j + 1) */
        for (int i = 0; i <= nx; i++) {
            double ax = t->vx[j * (nx + 1) + i], ay = t->vy[j * (nx + 1) + i];
            double bx = t->vx[(j + 1) * (nx + 1) + i], by = t->vy[(j + 1) * (nx + 1) + i];
            double bend = (i > 0 && i < nx) ? 0.2 * (uniform() - 0.5) : 0;
            for (int k = 0; k < mid; k++) {
                double f = (k + 1.0) / (mid + 1);
                size_t at = ((size_t)j * (nx + 1) + i) * mid + k;
                t->ux[at] = ax + f * (bx - ax) + step * bend * sin(f * M_PI);
                t->uy[at] = ay + f * (by - ay);
            }
        }
}

static void tiling_free(tiling *t)
{
    free(t->vx);
    free(t->vy);
    free(t->hx);
    free(t->hy);
    free(t->ux);
    free(t->uy);
}

/* Cell (i, j) as a polygon, counter-clockwise (clockwise when cw). */
static GEOSGeometry *cell(const tiling *t, int i, int j, int cw)
{
    int nx = t->nx, mid = t->mid, n = 4 * (mid + 1) + 1, k = 0;
    double *buf = malloc(2 * (size_t)n * sizeof *buf);
#define PUT(X, Y) (buf[2 * k] = (X), buf[2 * k + 1] = (Y), k++)
    PUT(t->vx[j * (nx + 1) + i], t->vy[j * (nx + 1) + i]);
    for (int m = 0; m < mid; m++) /* bottom, left to right */
        PUT(t->hx[((size_t)j * nx + i) * mid + m], t->hy[((size_t)j * nx + i) * mid + m]);
    PUT(t->vx[j * (nx + 1) + i + 1], t->vy[j * (nx + 1) + i + 1]);
    for (int m = 0; m < mid; m++) /* right, upwards */
        PUT(t->ux[((size_t)j * (nx + 1) + i + 1) * mid + m],
            t->uy[((size_t)j * (nx + 1) + i + 1) * mid + m]);
    PUT(t->vx[(j + 1) * (nx + 1) + i + 1], t->vy[(j + 1) * (nx + 1) + i + 1]);
    for (int m = mid - 1; m >= 0; m--) /* top, right to left */
        PUT(t->hx[((size_t)(j + 1) * nx + i) * mid + m], t->hy[((size_t)(j + 1) * nx + i) * mid + m]);
    PUT(t->vx[(j + 1) * (nx + 1) + i], t->vy[(j + 1) * (nx + 1) + i]);
    for (int m = mid - 1; m >= 0; m--) /* left, downwards */
        PUT(t->ux[((size_t)j * (nx + 1) + i) * mid + m], t->uy[((size_t)j * (nx + 1) + i) * mid + m]);
    PUT(buf[0], buf[1]);
#undef PUT
    if (cw)
        for (int a = 0, b = n - 1; a < b; a++, b--) {
            double x = buf[2 * a], y = buf[2 * a + 1];
            buf[2 * a] = buf[2 * b];
            buf[2 * a + 1] = buf[2 * b + 1];
            buf[2 * b] = x;
            buf[2 * b + 1] = y;
        }
    GEOSCoordSequence *s = GEOSCoordSeq_copyFromBuffer_r(h, buf, (unsigned)n, 0, 0);
    free(buf);
    return GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, s), NULL, 0);
}

/* GEOS's own union of gg (cloned), normalized: its coverage union (*exact 1), or where that
 * refuses (GEOS 3.11's refuses some valid coverages whose parts meet at a corner), its
 * overlay union (*exact 0). */
static GEOSGeometry *geos_union(GEOSGeometry *const *gg, int n, int *exact)
{
    GEOSGeometry **parts = malloc((size_t)n * sizeof *parts);
    for (int i = 0; i < n; i++)
        parts[i] = GEOSGeom_clone_r(h, gg[i]);
    GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
    free(parts);
    GEOSGeometry *u = GEOSCoverageUnion_r(h, coll);
    *exact = u != NULL;
    if (!u)
        u = GEOSUnaryUnion_r(h, coll);
    GEOSGeom_destroy_r(h, coll);
    cr_assert_not_null(u, "GEOS: %s", geos_msg);
    GEOSNormalize_r(h, u);
    return u;
}

/* The groups' units of a tiling (group[c] per cell, -1 none): each cell of group g its own
 * unit (merge 1), or the cells of g with the same c % merge one unit, a multipolygon when
 * more than one. Returns their number. */
static int units_of(const tiling *t, const int *group, int g, int merge, GEOSGeometry **out)
{
    int n = 0, ncell = t->nx * t->ny, nkeys = merge > 1 ? merge : ncell;
    for (int m = 0; m < nkeys; m++) {
        GEOSGeometry **polys = malloc((size_t)ncell * sizeof *polys);
        int np = 0;
        for (int c = 0; c < ncell; c++)
            if (group[c] == g && (merge > 1 ? c % merge == m : c == m))
                polys[np++] = cell(t, c % t->nx, c / t->nx, c % 3 == 0);
        if (np == 1)
            out[n++] = polys[0];
        else if (np > 1)
            out[n++] = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)np);
        free(polys);
        if (np > 0) /* the fixture's own check: units as a load would accept them */
            cr_assert_eq(GEOSisValid_r(h, out[n - 1]), 1, "unit %d: %s", n - 1, geos_msg);
    }
    return n;
}

static void check_tiling(int nx, int ny, int mid, double x0, double y0, double step, int ngroups,
                         double p_lake, int merge, int *geos_refused)
{
    tiling t;
    tiling_make(&t, nx, ny, mid, x0, y0, step);
    int ncell = nx * ny;
    int *group = malloc((size_t)ncell * sizeof *group);
    for (int c = 0; c < ncell; c++)
        group[c] = uniform() < p_lake ? -1 : (int)(uniform() * ngroups);
    GEOSGeometry **units = malloc((size_t)ncell * sizeof *units);
    for (int g = 0; g < ngroups; g++) {
        int n = units_of(&t, group, g, merge, units);
        if (n == 0)
            continue;
        GEOSGeometry *fast = isr_coverage_union(h, (const GEOSGeometry *const *)units, n);
        int exact;
        GEOSGeometry *ref = geos_union(units, n, &exact);
        cr_assert_not_null(fast, "%d×%d cells, group %d of %d units: refused", nx, ny, g, n);
        cr_assert_eq(GEOSisValid_r(h, fast), 1);
        double af, sum = 0, a;
        for (int u = 0; u < n; u++)
            sum += GEOSArea_r(h, units[u], &a) ? a : 0;
        GEOSArea_r(h, fast, &af);
        cr_assert(fabs(af - sum) <= 1e-9 * sum, "area %.17g, parts %.17g", af, sum);
        cr_assert_eq(GEOSEquals_r(h, fast, ref), 1, "group %d: not GEOS's union", g);
        GEOSNormalize_r(h, fast);
        if (exact) /* the same rings from the same vertices: the same normalized geometry */
            cr_assert_eq(GEOSEqualsExact_r(h, fast, ref, 0), 1, "group %d", g);
        (*geos_refused) += !exact;
        GEOSGeom_destroy_r(h, fast);
        GEOSGeom_destroy_r(h, ref);
        for (int u = 0; u < n; u++)
            GEOSGeom_destroy_r(h, units[u]);
    }
    free(units);
    free(group);
    tiling_free(&t);
}

Test(coverage, random_tilings_give_geos_coverage_union)
{
    /* metres (a projected CRS), lakes, several groups: enclaves, islands in lakes, corners */
    int refused = 0;
    for (int r = 0; r < 12; r++)
        check_tiling(8 + r, 6 + r % 5, r % 4, 4.3e5, 3.3e6, 1234.5, 1 + r % 4, 0.15, 1, &refused);
    /* degrees, multipolygon units (cells of a group in every 3rd, 4th or 6th place of 10 a
     * row: never side by side, so each unit is a valid multipolygon), edges of many vertices */
    static const int merge[] = {3, 4, 6};
    for (int r = 0; r < 9; r++)
        check_tiling(10, 9, 12, 118.25, 29.75, 0.0625, 2, 0.1, merge[r % 3], &refused);
    cr_log_info("GEOS's coverage union refused %d of these coverages", refused);
}

Test(coverage, a_square_ring_of_cells_keeps_its_lake_and_its_island)
{
    /* 5 × 5 cells: the ring of 16 round the edge, the centre cell; between them a lake */
    tiling t;
    tiling_make(&t, 5, 5, 2, 0, 0, 10);
    GEOSGeometry *units[25];
    int n = 0;
    for (int j = 0; j < 5; j++)
        for (int i = 0; i < 5; i++)
            if (i == 0 || j == 0 || i == 4 || j == 4 || (i == 2 && j == 2))
                units[n++] = cell(&t, i, j, (i + j) % 2);
    GEOSGeometry *u = isr_coverage_union(h, (const GEOSGeometry *const *)units, n);
    cr_assert_not_null(u);
    /* the ring with its hole (the 8 lake cells and the island's), and the island */
    cr_assert_eq(GEOSGetNumGeometries_r(h, u), 2);
    double a, parts = 0, x;
    for (int k = 0; k < n; k++)
        parts += GEOSArea_r(h, units[k], &x) ? x : 0;
    GEOSArea_r(h, u, &a);
    cr_assert_float_eq(a, parts, 1e-9 * parts);
    int holes = 0;
    for (int k = 0; k < 2; k++)
        holes += GEOSGetNumInteriorRings_r(h, GEOSGetGeometryN_r(h, u, k));
    cr_assert_eq(holes, 1);
    GEOSGeom_destroy_r(h, u);
    for (int k = 0; k < n; k++)
        GEOSGeom_destroy_r(h, units[k]);
    tiling_free(&t);
}

static GEOSGeometry *fast_of(const char *const *texts, int n)
{
    GEOSGeometry *gg[8];
    for (int i = 0; i < n; i++)
        gg[i] = wkt(texts[i]);
    GEOSGeometry *u = isr_coverage_union(h, (const GEOSGeometry *const *)gg, n);
    for (int i = 0; i < n; i++)
        GEOSGeom_destroy_r(h, gg[i]);
    return u;
}

Test(coverage, what_is_not_a_coverage_is_refused)
{
    static const char *overlap[] = {"POLYGON((0 0,2 0,2 2,0 2,0 0))",
                                    "POLYGON((1 0,3 0,3 2,1 2,1 0))"};
    static const char *twice[] = {"POLYGON((0 0,1 0,1 1,0 1,0 0))",
                                  "POLYGON((0 0,1 0,1 1,0 1,0 0))"};
    static const char *three[] = {"POLYGON((0 0,1 0,1 1,0 1,0 0))",
                                  "POLYGON((0 0,1 0,1 1,0 1,0 0))",
                                  "POLYGON((1 0,2 0,2 1,1 1,1 0))"};
    static const char *inside[] = {"POLYGON((0 0,4 0,4 4,0 4,0 0))",
                                   "POLYGON((1 1,2 1,2 2,1 2,1 1))"};
    /* one square over the left half of another: their shared edges run the same way */
    static const char *same_way[] = {"POLYGON((0 0,2 0,2 1,0 1,0 0))",
                                     "POLYGON((0 0,1 0,1 1,0 1,0 0))"};
    static const char *line[] = {"LINESTRING(0 0,1 1)"};
    static const char *empty[] = {"POLYGON EMPTY"};
    const char *const *cases[] = {overlap, twice, three, inside, same_way, line, empty};
    int counts[] = {2, 2, 3, 2, 2, 1, 1};
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++)
        cr_assert_null(fast_of(cases[c], counts[c]), "case %zu", c);
    /* apart (not touching) is a coverage: two polygons */
    static const char *apart[] = {"POLYGON((0 0,1 0,1 1,0 1,0 0))",
                                  "POLYGON((3 0,4 0,4 1,3 1,3 0))"};
    GEOSGeometry *u = fast_of(apart, 2);
    cr_assert_not_null(u);
    cr_assert_eq(GEOSGetNumGeometries_r(h, u), 2);
    GEOSGeom_destroy_r(h, u);
    /* (1 1) is a vertex of the two upper squares, not of the lower rectangle's top edge:
     * segments that do not match are refused (the dissolve takes the overlay, below) */
    static const char *t_junction[] = {"POLYGON((0 0,2 0,2 1,0 1,0 0))",
                                       "POLYGON((0 1,1 1,1 2,0 2,0 1))",
                                       "POLYGON((1 1,2 1,2 2,1 2,1 1))"};
    cr_assert_null(fast_of(t_junction, 3));
    /* a shell and a hole, both counter-clockwise, each with a spike at its top (out and
     * straight back): the directions come from the rings' areas, not from their highest
     * vertex, so the union is the land (area 12), never the lake (also 12; a review) */
    static const char *spikes[] = {"POLYGON((0 0,6 0,6 4,3 4,3 5,3 4,0 4,0 0),(1 0.5,5 0.5,5 "
                                   "3.5,3 3.5,3 3.8,3 3.5,1 3.5,1 0.5))"};
    u = fast_of(spikes, 1);
    GEOSGeometry *land = wkt("POLYGON((0 0,6 0,6 4,0 4,0 0),(1 0.5,5 0.5,5 3.5,1 3.5,1 0.5))");
    cr_assert_not_null(u);
    cr_assert_eq(GEOSEquals_r(h, u, land), 1);
    GEOSGeom_destroy_r(h, u);
    GEOSGeom_destroy_r(h, land);
}

/* The dissolve of parts the fast union refuses: GEOS's overlay, flagged as no coverage. */
static void dissolve_refused(const char *const *texts, int n, double area)
{
    isr_geos gc;
    isr_geos_init(&gc);
    GEOSGeometry *parts[4];
    for (int i = 0; i < n; i++)
        parts[i] = wkt(texts[i]);
    GEOSGeometry *coll =
        GEOSGeom_createCollection_r(gc.h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
    int cov = -1;
    GEOSGeometry *u = isr_geos_dissolve_cov(&gc, coll, &cov);
    cr_assert_not_null(u, "%s", gc.msg);
    cr_assert_eq(cov, 0, "not a coverage by the fast union: GEOS's");
    double a;
    GEOSArea_r(gc.h, u, &a);
    cr_assert_float_eq(a, area, 1e-12);
    cr_assert_eq(GEOSGeomTypeId_r(gc.h, u), GEOS_POLYGON);
    cr_assert_eq(GEOSGetNumInteriorRings_r(gc.h, u), 0);
    GEOSGeom_destroy_r(gc.h, u);
    isr_geos_finish(&gc);
}

Test(coverage, the_dissolve_of_overlapping_parts_takes_the_overlay_and_says_so)
{
    static const char *overlap[] = {"POLYGON((0 0,2 0,2 2,0 2,0 0))",
                                    "POLYGON((1 0,3 0,3 2,1 2,1 0))"};
    dissolve_refused(overlap, 2, 6.0);
    static const char *t_junction[] = {"POLYGON((0 0,2 0,2 1,0 1,0 0))",
                                       "POLYGON((0 1,1 1,1 2,0 2,0 1))",
                                       "POLYGON((1 1,2 1,2 2,1 2,1 1))"};
    dissolve_refused(t_junction, 3, 4.0);
}
