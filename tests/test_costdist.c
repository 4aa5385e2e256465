/* Criterion suite for costdist.c: the grid cost-distance kernel on hand-built grids.
 * Every grid here has 100 m cells and 0.1 s/m friction (10 m/s), so a cell costs 10 s. */
#include "internal.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CELL 100.0
#define SPM 0.1f

typedef struct tgrid {
    int nx, ny, pw, ph;
    float *fric, *t;
    isr_cd_work w;
} tgrid;

static tgrid make(int nx, int ny)
{
    tgrid g = {nx, ny, nx + 2 * ISR_PAD, ny + 2 * ISR_PAD, NULL, NULL, {0}};
    size_t n = (size_t)g.pw * (size_t)g.ph;
    g.fric = malloc(n * sizeof *g.fric);
    g.t = malloc(n * sizeof *g.t);
    for (size_t i = 0; i < n; i++) {
        g.fric[i] = INFINITY;
        g.t[i] = INFINITY;
    }
    for (int r = 0; r < ny; r++)
        for (int c = 0; c < nx; c++)
            g.fric[(size_t)(r + ISR_PAD) * (size_t)g.pw + (size_t)(c + ISR_PAD)] = SPM;
    return g;
}

static size_t at(const tgrid *g, int c, int r)
{
    return (size_t)(r + ISR_PAD) * (size_t)g->pw + (size_t)(c + ISR_PAD);
}

static void run(tgrid *g, const isr_seed *s, size_t ns, float budget)
{
    cr_assert_eq(isr_costdist(g->fric, (size_t)g->pw, (size_t)g->ph, CELL, s, ns, budget, g->t,
                              &g->w),
                 0);
}

static void drop(tgrid *g)
{
    free(g->fric);
    free(g->t);
    isr_cd_work_free(&g->w);
}

Test(costdist, uniform_friction_within_3_percent_in_every_direction)
{
    /* 201 x 201 grid, seed in the centre: time at distance d must be d / 10 m/s within 3 %
     * (16-neighbour moves overstate by at most 2.75 %, never understate). */
    tgrid g = make(201, 201);
    isr_seed s = {(uint32_t)at(&g, 100, 100), 0.0f};
    run(&g, &s, 1, 1e9f);
    double worst = 0;
    int checked = 0;
    for (int r = 0; r < 201; r++)
        for (int c = 0; c < 201; c++) {
            double d = hypot(c - 100, r - 100) * CELL;
            if (d < 3000 || d > 10000) /* a ring 3–10 km out, every heading */
                continue;
            double want = d * SPM, got = g.t[at(&g, c, r)];
            double rel = (got - want) / want;
            cr_assert(rel > -1e-4, "time at (%d,%d) is %g s, less than straight-line %g s", c,
                      r, got, want);
            if (rel > worst)
                worst = rel;
            checked++;
        }
    cr_assert_gt(checked, 20000);
    cr_assert_leq(worst, 0.03, "worst relative error %g", worst);
    /* along an axis and a diagonal the 16-neighbour path is exact */
    cr_assert_float_eq(g.t[at(&g, 150, 100)], 50 * 10.0f, 1e-2);
    cr_assert_float_eq(g.t[at(&g, 150, 150)], (float)(50 * sqrt(2) * 10.0), 1e-2);
    /* and along a knight's heading (2,1): 20 knight moves of sqrt(5) cells */
    cr_assert_float_eq(g.t[at(&g, 140, 120)], (float)(20 * sqrt(5) * 10.0), 1e-2);
    drop(&g);
}

Test(costdist, wall_with_one_gap_forces_the_detour)
{
    /* A wall on column 50 with a single gap at row 10. From (25,50) to (75,50) the path
     * must go through the gap: two legs of hypot(25,40) = 47.17 cells, 943.4 s, against
     * 500 s straight through. */
    tgrid g = make(101, 101);
    for (int r = 0; r < 101; r++)
        if (r != 10)
            g.fric[at(&g, 50, r)] = INFINITY;
    isr_seed s = {(uint32_t)at(&g, 25, 50), 0.0f};
    run(&g, &s, 1, 1e9f);
    double want = 2 * hypot(25, 40) * CELL * SPM;
    double got = g.t[at(&g, 75, 50)];
    cr_assert(got >= want * 0.999 && got <= want * 1.03, "through the gap: %g s, expected %g",
              got, want);
    cr_assert(isinf(g.t[at(&g, 50, 50)]), "a wall cell got a time");
    cr_assert_float_eq(g.t[at(&g, 50, 10)], (float)(hypot(25, 40) * 10.0), 0.03 * 471.7);
    drop(&g);
}

Test(costdist, two_seeds_meet_on_the_bisector)
{
    /* Seed A at column 20 leaves at 0 s, seed B at column 80 at 100 s. Along row 50 they
     * meet where 10(x-20) = 100 + 10(80-x): x = 55, the latest cell of the row. */
    tgrid g = make(101, 101);
    isr_seed s[2] = {{(uint32_t)at(&g, 20, 50), 0.0f}, {(uint32_t)at(&g, 80, 50), 100.0f}};
    run(&g, s, 2, 1e9f);
    int argmax = -1;
    float best = -1;
    for (int c = 20; c <= 80; c++)
        if (g.t[at(&g, c, 50)] > best) {
            best = g.t[at(&g, c, 50)];
            argmax = c;
        }
    cr_assert_eq(argmax, 55);
    cr_assert_float_eq(best, 350.0f, 1e-3);
    /* left of the bisector A is nearer, right of it B */
    cr_assert_float_eq(g.t[at(&g, 40, 50)], 200.0f, 1e-3);
    cr_assert_float_eq(g.t[at(&g, 70, 50)], 200.0f, 1e-3);
    drop(&g);
}

Test(costdist, seed_cell_keeps_its_arrival_time)
{
    tgrid g = make(21, 21);
    isr_seed s[2] = {{(uint32_t)at(&g, 5, 5), 123.5f}, {(uint32_t)at(&g, 6, 5), 2000.0f}};
    run(&g, s, 2, 1e9f);
    cr_assert_eq(g.t[at(&g, 5, 5)], 123.5f);
    /* the later seed is overtaken by the spread from the earlier one: 123.5 + 10 */
    cr_assert_float_eq(g.t[at(&g, 6, 5)], 133.5f, 1e-4);
    drop(&g);
}

Test(costdist, budget_cut_off_leaves_no_time_not_zero)
{
    /* Budget 500 s at 10 s a cell: nothing beyond 50 cells; the disc of radius 50 cells has
     * about pi * 50^2 = 7854 cells (a little fewer: the metric overstates off-axis). */
    tgrid g = make(201, 201);
    isr_seed s = {(uint32_t)at(&g, 100, 100), 0.0f};
    run(&g, &s, 1, 500.0f);
    size_t finite = 0, zeros = 0;
    for (int r = 0; r < 201; r++)
        for (int c = 0; c < 201; c++) {
            float t = g.t[at(&g, c, r)];
            if (!isinf(t)) {
                finite++;
                cr_assert_leq(t, 500.0f);
                cr_assert_leq(hypot(c - 100, r - 100), 50.0 + 1e-9);
            }
            zeros += t == 0.0f;
        }
    cr_assert_eq(zeros, 1, "only the seed is at 0 s");
    cr_assert(finite > 7440 && finite <= 7854, "%zu cells within the budget", finite);
    cr_assert_eq(finite, g.w.ntouched, "the touched list lists exactly the cells set");
    drop(&g);
}

Test(costdist, friction_is_averaged_along_the_move)
{
    /* A slow strip (1 s/m) on column 10 between seed (9,5) and (11,5): the orthogonal moves
     * cost 50*(0.1+1) = 55 s each (110 s), while going around is far longer. */
    tgrid g = make(21, 11);
    for (int r = 0; r < 11; r++)
        g.fric[at(&g, 10, r)] = 1.0f;
    isr_seed s = {(uint32_t)at(&g, 9, 5), 0.0f};
    run(&g, &s, 1, 1e9f);
    cr_assert_float_eq(g.t[at(&g, 10, 5)], 55.0f, 1e-3);
    /* a knight move (9,5)->(11,6) crosses (10,5) and (10,6): sqrt(5)*100/4 * (0.1+1+1+0.1) */
    float knight = (float)(sqrt(5) * 25.0 * 2.2);
    cr_assert_float_eq(g.t[at(&g, 11, 6)], fminf(knight, 110.0f + 10.0f), 1e-3);
    drop(&g);
}

/* ---- the isotropic kernel (the default) ------------------------------------------------- */

static void run_iso(tgrid *g, const isr_seed *s, size_t ns, float budget, double cell_m)
{
    size_t n = (size_t)g->pw * (size_t)g->ph;
    uint8_t *clear = malloc(ISR_CLEAR_SCRATCH(n));
    cr_assert_not_null(clear);
    cr_assert_eq(isr_costdist_clearance(g->fric, (size_t)g->pw, (size_t)g->ph, clear), 0);
    cr_assert_eq(isr_costdist_iso(g->fric, clear, (size_t)g->pw, (size_t)g->ph, cell_m, s, ns,
                                  budget, g->t, &g->w),
                 0);
    free(clear);
}

Test(costdist, iso_uniform_within_1_percent_in_every_direction_at_several_resolutions)
{
    /* One seed in the middle; every cell of the disc (every heading, from the first ring
     * out) against distance / speed, at three grid sizes and cell sizes. The straight
     * segment from the seed is exact, so the error is float rounding; the r.cost kernel on
     * the same grid is up to 2.75 % slow. */
    const struct {
        int half;
        double cell_m;
    } cases[] = {{30, 1000.0}, {120, 250.0}, {250, 50.0}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        int h = cases[k].half, n = 2 * h + 1;
        double cell = cases[k].cell_m;
        tgrid g = make(n, n);
        isr_seed s = {(uint32_t)at(&g, h, h), 0.0f};
        run_iso(&g, &s, 1, 1e9f, cell);
        double worst = 0;
        int checked = 0;
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) {
                double d = hypot(c - h, r - h) * cell;
                if (d == 0 || d > h * cell)
                    continue;
                double want = d * SPM, got = g.t[at(&g, c, r)];
                double rel = fabs(got - want) / want;
                if (rel > worst)
                    worst = rel;
                checked++;
            }
        cr_log_info("isotropic kernel, %d x %d cells of %g m: %d cells, worst relative error "
                    "%.5f %%",
                    n, n, cell, checked, 100 * worst);
        cr_assert_gt(checked, (int)(3.1 * h * h));
        cr_assert_leq(worst, 0.01, "worst relative error %g", worst);
        cr_assert_leq(worst, 1e-5, "straight segments should be exact: %g", worst);
        /* a knight-free heading the r.cost kernel gets 2.7 % wrong: (h, h·0.236) ~ 13.3° */
        int c = h + h, r = h + (int)lround(h * 0.236);
        double want = hypot(c - h, r - h) * cell * SPM;
        cr_assert_float_eq(g.t[at(&g, c, r)], want, want * 1e-5);
        drop(&g);
    }
}

Test(costdist, iso_several_seeds_give_the_earliest_straight_line)
{
    /* Three stations leaving at 0, 300 and 900 s: each cell is min over s of t_s + d_s/v. */
    tgrid g = make(201, 161);
    isr_seed s[3] = {{(uint32_t)at(&g, 30, 40), 0.0f},
                     {(uint32_t)at(&g, 150, 100), 300.0f},
                     {(uint32_t)at(&g, 90, 150), 900.0f}};
    const int xy[3][2] = {{30, 40}, {150, 100}, {90, 150}};
    run_iso(&g, s, 3, 1e9f, CELL);
    double worst = 0;
    for (int r = 0; r < 161; r++)
        for (int c = 0; c < 201; c++) {
            double want = INFINITY;
            for (int k = 0; k < 3; k++)
                want = fmin(want, s[k].t_s + hypot(c - xy[k][0], r - xy[k][1]) * CELL * SPM);
            double got = g.t[at(&g, c, r)];
            cr_assert(got >= want * (1 - 1e-5), "(%d,%d): %g s, earlier than %g s", c, r, got,
                      want);
            if ((got - want) / want > worst)
                worst = (got - want) / want;
        }
    cr_log_info("isotropic kernel, three seeds: worst relative error %.5f %%", 100 * worst);
    cr_assert_leq(worst, 0.01);
    /* where B (300 s) and C (900 s) tie along the segment between them... by hand: B at
     * (150,100), 10 s per cell; the cell (150,130) is 300 + 300 = 600 s from B */
    cr_assert_float_eq(g.t[at(&g, 150, 130)], 600.0f, 1e-2);
    drop(&g);
}

Test(costdist, iso_wall_is_passed_only_round_its_end)
{
    /* A wall on column 50 from row 16 down to the bottom; the way round is over its end
     * cell (50,16), whose corners are (49.5,15.5) and (50.5,15.5). From A = (25,50) to any
     * cell P right of the wall and below row 16 the shortest path round the (closed) wall
     * is |A c1| + 1 + |c2 P| cells. No cell may beat it (no straight line through the wall
     * or across its corners); the search bends at cell centres, within 1.5 cells of it. */
    tgrid g = make(101, 101);
    for (int r = 16; r < 101; r++)
        g.fric[at(&g, 50, r)] = INFINITY;
    isr_seed s = {(uint32_t)at(&g, 25, 50), 0.0f};
    run_iso(&g, &s, 1, 1e9f, CELL);
    const double c1x = 49.5, c1y = 15.5, c2x = 50.5, c2y = 15.5;
    double worst = 0, legs = hypot(25 - c1x, 50 - c1y) + 1.0;
    for (int r = 16; r < 101; r++)
        for (int c = 51; c < 101; c++) {
            double want = (legs + hypot(c - c2x, r - c2y)) * CELL * SPM;
            double got = g.t[at(&g, c, r)];
            cr_assert(got >= want * (1 - 1e-5), "(%d,%d) behind the wall: %g s < %g s", c, r,
                      got, want);
            if (got - want > worst)
                worst = got - want;
        }
    cr_log_info("isotropic kernel, wall: worst excess behind the wall %.2f s (%.2f cells)", worst,
                worst / (CELL * SPM));
    cr_assert_leq(worst, 1.5 * CELL * SPM);
    /* B = (75,50) by hand: 2 × hypot(24.5, 34.5) + 1 = 85.63 cells, 856.3 s */
    double b = g.t[at(&g, 75, 50)];
    cr_assert(b >= 856.2 && b <= 856.3 + 15.0, "B: %g s", b);
    cr_assert(isinf(g.t[at(&g, 50, 50)]), "a wall cell got a time");
    drop(&g);
}

Test(costdist, iso_never_squeezes_through_a_diagonal_wall)
{
    /* Barrier cells (k,k) only touch at their corners: neither a straight segment nor a
     * diagonal move may pass between them, so the far side is never reached. */
    tgrid g = make(60, 60);
    for (int k = 0; k < 60; k++)
        g.fric[at(&g, k, k)] = INFINITY;
    isr_seed s = {(uint32_t)at(&g, 40, 10), 0.0f};
    run_iso(&g, &s, 1, 1e9f, CELL);
    for (int r = 0; r < 60; r++)
        for (int c = 0; c < 60; c++)
            if (c < r)
                cr_assert(isinf(g.t[at(&g, c, r)]), "(%d,%d) across the wall got %g s", c, r,
                          g.t[at(&g, c, r)]);
    /* the near side, along the wall: straight and exact */
    cr_assert_float_eq(g.t[at(&g, 55, 54)], hypot(15, 44) * 10.0, 1e-2);
    drop(&g);
}

Test(costdist, iso_never_later_than_rcost_on_mixed_friction)
{
    /* Random slow patches (1, 2 or 4 × the base friction) and barriers: every time is the
     * cost of a real path, and never later than the r.cost kernel's (which the isotropic
     * kernel also offers at every step). */
    tgrid g = make(120, 120), h = make(120, 120);
    unsigned x = 12345;
    for (int r = 0; r < 120; r += 6)
        for (int c = 0; c < 120; c += 6) {
            x = x * 1103515245u + 12345u;
            unsigned v = (x >> 16) % 5;
            float f = v == 4 ? INFINITY : SPM * (float)(1u << (v % 3));
            for (int rr = r; rr < r + 6; rr++)
                for (int cc = c; cc < c + 6; cc++)
                    g.fric[at(&g, cc, rr)] = h.fric[at(&h, cc, rr)] = f;
        }
    g.fric[at(&g, 60, 60)] = h.fric[at(&h, 60, 60)] = SPM;
    isr_seed s = {(uint32_t)at(&g, 60, 60), 0.0f};
    run_iso(&g, &s, 1, 1e9f, CELL);
    run(&h, &s, 1, 1e9f);
    int better = 0;
    for (int r = 0; r < 120; r++)
        for (int c = 0; c < 120; c++) {
            float a = g.t[at(&g, c, r)], b = h.t[at(&h, c, r)];
            cr_assert_eq(isinf(a), isinf(b), "(%d,%d): reached by one kernel only", c, r);
            if (isinf(a))
                continue;
            cr_assert(a <= b * (1 + 1e-6f), "(%d,%d): isotropic %g s > r.cost %g s", c, r, a, b);
            better += a < b * (1 - 1e-4f);
        }
    cr_assert_gt(better, 1000, "the isotropic kernel improved only %d cells", better);
    drop(&g);
    drop(&h);
}

Test(costdist, iso_one_hour_circle_has_the_area_of_the_circle)
{
    /* The sample's local travel, 20 km/h with detour 1.3, for 60 min on 250 m cells: a
     * circle of radius 15.385 km, pi r^2 = 743.6 km2. Cells reached × cell area, both
     * kernels. */
    const double spm = 3.6 / 20.0 * 1.3, cell = 250.0, budget = 3600.0;
    const double rad = budget / spm, want = M_PI * rad * rad;
    double ratio[2];
    for (int k = 0; k < 2; k++) {
        tgrid g = make(141, 141);
        for (int r = 0; r < 141; r++)
            for (int c = 0; c < 141; c++)
                g.fric[at(&g, c, r)] = (float)spm;
        isr_seed s = {(uint32_t)at(&g, 70, 70), 0.0f};
        if (k == 0)
            cr_assert_eq(isr_costdist(g.fric, (size_t)g.pw, (size_t)g.ph, cell, &s, 1,
                                      (float)budget, g.t, &g.w),
                         0);
        else
            run_iso(&g, &s, 1, (float)budget, cell);
        ratio[k] = (double)g.w.ntouched * cell * cell / want;
        drop(&g);
    }
    cr_log_info("60-min circle at 20 km/h / 1.3 on 250 m cells: r.cost kernel %.2f %% of pi r^2, "
                "isotropic kernel %.2f %%",
                100 * ratio[0], 100 * ratio[1]);
    cr_assert(ratio[0] < 0.975, "r.cost kernel %g", ratio[0]);
    cr_assert(ratio[1] > 0.99 && ratio[1] < 1.01, "isotropic kernel %g", ratio[1]);
}

Test(costdist, clearance_map_is_the_distance_to_a_friction_change)
{
    /* Against brute force on random patches: clear = R means every cell within Chebyshev
     * distance R - 1 has the same friction, and (below the cap) some cell at distance R has
     * a neighbour of another friction. */
    tgrid g = make(40, 30);
    unsigned x = 7;
    for (int k = 0; k < 25; k++) {
        x = x * 1103515245u + 12345u;
        int c = (int)((x >> 8) % 40), r = (int)((x >> 20) % 30);
        g.fric[at(&g, c, r)] = k % 3 ? INFINITY : 2 * SPM;
    }
    int n = g.pw * g.ph;
    uint8_t *clear = malloc(ISR_CLEAR_SCRATCH((size_t)n));
    cr_assert_eq(isr_costdist_clearance(g.fric, (size_t)g.pw, (size_t)g.ph, clear), 0);
    for (int i = 0; i < n; i++) {
        int ci = i % g.pw, ri = i / g.pw, R = isr_clearance_at(clear, (size_t)i);
        cr_assert_geq(R, 1);
        /* the largest R with a uniform square of radius R - 1 that stays on the grid */
        int best = 0;
        for (int rad = 0; rad < 255; rad++) {
            int ok = ci - rad >= 0 && ri - rad >= 0 && ci + rad < g.pw && ri + rad < g.ph;
            for (int dr = -rad; ok && dr <= rad; dr++)
                for (int dc = -rad; ok && dc <= rad; dc++)
                    ok = g.fric[(ri + dr) * g.pw + ci + dc] == g.fric[i];
            if (!ok)
                break;
            best = rad + 1;
        }
        cr_assert(R <= best, "cell (%d,%d): clearance %d, but only %d is uniform", ci, ri, R,
                  best);
        /* exact below 16 (the half-byte), 16 or more beyond */
        cr_assert(R >= (best - 1 < 16 ? best - 1 : 16), "cell (%d,%d): clearance %d, %d is uniform",
                  ci, ri, R, best);
    }
    free(clear);
    drop(&g);
    /* far from any change the map is coarser but never too large: the middle of a 601 x
     * 601 uniform grid is 300 cells from its edge cells (clearance 1), so R = 301 exactly;
     * its run of 64 cells (padded columns 266 to 329: blocks 8 to 10 of 32 cells, 8 or 9
     * blocks from the edge's blocks) holds the coarse level's least, (8 - 1) × 32 + 2 =
     * 226, rounded down to its step of 64: 192. Cells 10 and 16 from the edge: exact, and
     * 16 (the half-byte's 15, its run's least being 9) */
    g = make(601, 601);
    clear = malloc(ISR_CLEAR_SCRATCH((size_t)g.pw * (size_t)g.ph));
    cr_assert_eq(isr_costdist_clearance(g.fric, (size_t)g.pw, (size_t)g.ph, clear), 0);
    cr_assert_eq(isr_clearance_at(clear, (size_t)at(&g, 0, 0)), 1);
    cr_assert_eq(isr_clearance_at(clear, (size_t)at(&g, 100, 1)), 2);
    cr_assert_eq(isr_clearance_at(clear, (size_t)at(&g, 9, 300)), 10);
    cr_assert_eq(isr_clearance_at(clear, (size_t)at(&g, 15, 300)), 16);
    cr_assert_eq(isr_clearance_at(clear, (size_t)at(&g, 300, 300)), 192);
    free(clear);
    drop(&g);
}

/* The search of g from seed s with clearance map `clear`, its times into t (new memory). */
static float *iso_times(tgrid *g, const uint8_t *clear, isr_seed s, float budget)
{
    size_t n = (size_t)g->pw * (size_t)g->ph;
    float *t = malloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++)
        t[i] = INFINITY;
    isr_cd_work w = {0};
    cr_assert_eq(isr_costdist_iso(g->fric, clear, (size_t)g->pw, (size_t)g->ph, CELL, &s, 1,
                                  budget, t, &w),
                 0);
    isr_cd_work_free(&w);
    return t;
}

Test(costdist, clearance_of_a_window_gives_the_same_times)
{
    /* A 900 x 700 grid of open country with scattered barriers and slow patches, and a
     * uniform rectangle of 500 x 400 cells (clearances above 127: the coarse level). The
     * map of a window (padded rows 100..619, columns 100..719) against the whole
     * map: never larger than the friction allows (brute force), 1 outside the window; and
     * the searches from a seed inside it settle the same floats with either map, one that
     * stays in the window and one that runs far beyond it (more slowly there, not
     * otherwise). */
    tgrid g = make(900, 700);
    unsigned x = 11;
    for (int k = 0; k < 900; k++) {
        x = x * 1103515245u + 12345u;
        int c = (int)((x >> 8) % 900), r = (int)((x >> 20) % 700);
        if (c > 150 && c < 650 && r > 150 && r < 550)
            continue; /* the uniform rectangle */
        g.fric[at(&g, c, r)] = k % 4 ? INFINITY : 3 * SPM;
    }
    size_t n = (size_t)g.pw * (size_t)g.ph;
    uint8_t *full = malloc(ISR_CLEAR_SCRATCH(n)), *part = calloc(ISR_CLEAR_BYTES(n), 1);
    cr_assert(full && part);
    cr_assert_eq(isr_costdist_clearance(g.fric, (size_t)g.pw, (size_t)g.ph, full), 0);
    const int win[4] = {100, 619, 100, 719};
    cr_assert_eq(isr_costdist_clearance_window(g.fric, NULL, (size_t)g.pw, (size_t)g.ph, win,
                                               part, 2),
                 0);
    int far = 0;
    for (size_t i = 0; i < n; i++) {
        int ci = (int)(i % (size_t)g.pw), ri = (int)(i / (size_t)g.pw);
        int in = ri >= win[0] && ri <= win[1] && ci >= win[2] && ci <= win[3];
        int R = isr_clearance_at(part, i), F = isr_clearance_at(full, i);
        if (!in) {
            cr_assert_eq(R, 1, "cell (%d,%d) outside the window: clearance %d", ci, ri, R);
            continue;
        }
        /* both are exact below 128, and lower bounds within their steps beyond (the
         * window's coarse blocks are aligned on the window, not on the grid) */
        cr_assert(F < 128 && R < 128 ? R <= F : R <= F + 64,
                  "cell (%d,%d): %d in the window, %d on the whole map", ci, ri, R, F);
        if (i % 997 == 0) { /* never more than the friction allows (brute force) */
            int best = 0;
            for (int rad = 0; rad < 1000 && !best; rad++)
                for (int dr = -rad; dr <= rad && !best; dr++)
                    for (int dc = -rad; dc <= rad && !best; dc += dr == -rad || dr == rad ? 1 : 2 * rad)
                        if (ri + dr < 0 || ri + dr >= g.ph || ci + dc < 0 || ci + dc >= g.pw ||
                            g.fric[(size_t)(ri + dr) * (size_t)g.pw + (size_t)(ci + dc)] != g.fric[i])
                            best = rad; /* the largest R whose square of radius R - 1 is uniform */
            cr_assert_leq(R, best, "cell (%d,%d): clearance %d, only %d is uniform", ci, ri, R,
                          best);
        }
        int edge = ri - win[0], e2 = win[1] - ri, e3 = ci - win[2], e4 = win[3] - ci;
        edge = e2 < edge ? e2 : edge;
        edge = e3 < edge ? e3 : edge;
        edge = e4 < edge ? e4 : edge;
        cr_assert_leq(R, edge + 1, "cell (%d,%d): %d, %d from the window's edge", ci, ri, R, edge);
        far += R >= 128;
    }
    cr_assert_gt(far, 10000, "the coarse level's clearances: %d cells of 128 or more", far);
    isr_seed s = {(uint32_t)at(&g, 400, 350), 0.0f};
    for (int k = 0; k < 2; k++) {
        float budget = k ? 1e9f : 900.0f; /* 90 cells: within the window; then everywhere */
        float *a = iso_times(&g, full, s, budget), *b = iso_times(&g, part, s, budget);
        size_t reached = 0, outside = 0;
        for (size_t i = 0; i < n; i++) {
            cr_assert(a[i] == b[i] || (isinf(a[i]) && isinf(b[i])),
                      "cell %zu: %.9g s with the whole map, %.9g s with the window's", i, a[i],
                      b[i]);
            int ri = (int)(i / (size_t)g.pw), ci = (int)(i % (size_t)g.pw);
            reached += isfinite(a[i]);
            outside += isfinite(a[i]) &&
                       !(ri >= win[0] && ri <= win[1] && ci >= win[2] && ci <= win[3]);
        }
        cr_assert_gt(reached, k ? 500000u : 20000u);
        cr_assert(k ? outside > 50000 : outside == 0, "%zu cells reached outside", outside);
        free(a);
        free(b);
    }
    free(full);
    free(part);
    drop(&g);
}

Test(costdist, clearance_of_grids_of_a_few_cells_fits_its_buffer)
{
    /* a padded grid of fewer cells than its map's bytes (1 x 1 cell inside: 25; 1 x 9: 65)
     * is packed within ISR_CLEAR_SCRATCH bytes, exactly that many allocated (AddressSanitizer
     * sees a byte more); every cell is next to the padding's barrier, so R = 1 */
    const int sizes[][2] = {{1, 1}, {1, 2}, {2, 1}, {1, 9}, {9, 1}, {2, 2}, {2, 7}};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        tgrid g = make(sizes[k][0], sizes[k][1]);
        size_t n = (size_t)g.pw * (size_t)g.ph;
        uint8_t *clear = malloc(ISR_CLEAR_SCRATCH(n));
        cr_assert_not_null(clear);
        cr_assert_eq(isr_costdist_clearance(g.fric, (size_t)g.pw, (size_t)g.ph, clear), 0);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(isr_clearance_at(clear, i), 1, "%d x %d, cell %zu", sizes[k][0],
                         sizes[k][1], i);
        free(clear);
        drop(&g);
    }
}

Test(costdist, far_clearances_are_a_safe_bound_within_two_blocks)
{
    /* Beyond 127 cells the map is a lower bound from 32 × 32 blocks: on a 600 × 560 grid
     * with three changed cells, every cell's clearance is at most the exact one (1 + the
     * Chebyshev distance to the nearest cell next to a change: the grid's edge or a spot's
     * 3 × 3 square), exactly it below 16, at most 63 below it (the run of 64 cells that shares
     * a byte) up to 128, and at most 2 × 32 (the blocks) + 63 (the byte's step) + 63 (the
     * run) below it further out */
    const int nx = 600, ny = 560, spot[3][2] = {{60, 60}, {540, 90}, {100, 490}};
    tgrid g = make(nx, ny);
    for (int k = 0; k < 3; k++)
        g.fric[at(&g, spot[k][0], spot[k][1])] = 2 * SPM;
    uint8_t *clear = malloc(ISR_CLEAR_SCRATCH((size_t)g.pw * (size_t)g.ph));
    cr_assert_eq(isr_costdist_clearance(g.fric, (size_t)g.pw, (size_t)g.ph, clear), 0);
    int far = 0;
    for (int r = 0; r < ny; r++)
        for (int c = 0; c < nx; c++) {
            int d = c < r ? c : r;
            d = nx - 1 - c < d ? nx - 1 - c : d;
            d = ny - 1 - r < d ? ny - 1 - r : d;
            for (int k = 0; k < 3; k++) {
                int dx = abs(c - spot[k][0]), dy = abs(r - spot[k][1]);
                int ds = (dx > dy ? dx : dy) - 1;
                d = ds < d ? (ds > 0 ? ds : 0) : d;
            }
            int exact = 1 + d, R = isr_clearance_at(clear, (size_t)at(&g, c, r));
            cr_assert_leq(R, exact, "cell (%d,%d): clearance %d > exact %d", c, r, R, exact);
            if (exact < 16)
                cr_assert_eq(R, exact, "cell (%d,%d)", c, r);
            else if (exact < 128) /* its run's least, within the run's 63 cells */
                cr_assert_geq(R, exact - 63 > 16 ? exact - 63 : 16, "cell (%d,%d): %d, exact %d",
                              c, r, R, exact);
            else
                cr_assert_geq(R, exact - 64 - 63 - 63, "cell (%d,%d): %d, exact %d", c, r, R,
                              exact);
            far += R >= 128;
        }
    cr_assert_gt(far, 10000, "the coarse level gave only %d cells of 128 or more", far);
    free(clear);
    drop(&g);
}

/* The reference for the r.cost kernel: the textbook binary-heap Dijkstra with the same 16
 * moves and the same float arithmetic (the sums in the same order), as the kernel was before
 * its radix queue. O(n log n), no scratch reuse: only for the exactness test below. */
typedef struct refnode {
    float t;
    int i;
} refnode;

static void ref_push(refnode *h, int *n, refnode e)
{
    int i = (*n)++;
    for (; i > 0 && h[(i - 1) / 2].t > e.t; i = (i - 1) / 2)
        h[i] = h[(i - 1) / 2];
    h[i] = e;
}

static refnode ref_pop(refnode *h, int *n)
{
    refnode top = h[0], last = h[--(*n)];
    int i = 0;
    for (int c; (c = 2 * i + 1) < *n; i = c) {
        if (c + 1 < *n && h[c + 1].t < h[c].t)
            c++;
        if (last.t <= h[c].t)
            break;
        h[i] = h[c];
    }
    h[i] = last;
    return top;
}

static void ref_costdist(const float *fric, int w, int ncell, double cell_m, const isr_seed *s,
                         int ns, float budget, float *t)
{
    const int mv[16][3] = {{1, 0, 0},           {-1, 0, 0},          {w, 0, 0},
                           {-w, 0, 0},          {w + 1, 1, w},       {w - 1, -1, w},
                           {-w + 1, 1, -w},     {-w - 1, -1, -w},    {w + 2, 1, w + 1},
                           {-w + 2, 1, -w + 1}, {w - 2, -1, w - 1},  {-w - 2, -1, -w - 1},
                           {2 * w + 1, w, w + 1}, {2 * w - 1, w, w - 1},
                           {-2 * w + 1, -w, -w + 1}, {-2 * w - 1, -w, -w - 1}};
    const float len[3] = {(float)(cell_m / 2.0), (float)(cell_m * sqrt(2.0) / 2.0),
                          (float)(cell_m * sqrt(5.0) / 4.0)};
    refnode *h = malloc((size_t)ncell * 16 * sizeof *h);
    int n = 0;
    for (int k = 0; k < ns; k++)
        if (s[k].t_s <= budget && s[k].t_s < t[s[k].idx]) {
            t[s[k].idx] = s[k].t_s;
            ref_push(h, &n, (refnode){s[k].t_s, (int)s[k].idx});
        }
    while (n > 0) {
        refnode e = ref_pop(h, &n);
        if (e.t > t[e.i])
            continue;
        for (int k = 0; k < 16; k++) {
            int j = e.i + mv[k][0], a = e.i + mv[k][1], b = e.i + mv[k][2];
            float c;
            if (k < 4)
                c = len[0] * (fric[e.i] + fric[j]);
            else if (k < 8)
                c = isinf(fric[a]) && isinf(fric[b]) ? INFINITY
                                                     : len[1] * (fric[e.i] + fric[j]);
            else
                c = len[2] * (fric[e.i] + fric[a] + fric[b] + fric[j]);
            float nt = e.t + c;
            if (nt < t[j] && nt <= budget) {
                t[j] = nt;
                ref_push(h, &n, (refnode){nt, j});
            }
        }
    }
    free(h);
}

Test(costdist, rcost_kernel_equals_the_binary_heap_dijkstra_bit_for_bit)
{
    /* Random friction in every cell (0.02–0.5 s/m, a few equal values so that times tie),
     * 4 % barriers, three seeds at different times, a budget that cuts the region: the
     * kernel's radix queue pops in another order among equal times, but every time must be
     * the very float the reference computes, and the same cells reached. So with every hint
     * of the least friction (work.fric_min): none (exact order), the true one (bands as wide
     * as the cheapest move), ten times too large (bands wider than many moves: cells are
     * settled again when a later cell of their band improves them) and far too small. */
    tgrid g = make(150, 130);
    float *ref = malloc((size_t)g.pw * (size_t)g.ph * sizeof *ref);
    unsigned x = 99;
    for (int r = 0; r < 130; r++)
        for (int c = 0; c < 150; c++) {
            x = x * 1103515245u + 12345u;
            unsigned v = (x >> 16) % 100;
            g.fric[at(&g, c, r)] =
                v < 4 ? INFINITY : v < 40 ? SPM : 0.02f + 0.48f * (float)(x >> 20) / 4096.0f;
        }
    isr_seed s[3] = {{(uint32_t)at(&g, 20, 20), 0.0f},
                     {(uint32_t)at(&g, 120, 100), 95.5f},
                     {(uint32_t)at(&g, 75, 10), 300.0f}};
    for (int k = 0; k < 3; k++)
        g.fric[s[k].idx] = SPM;
    float fmin = INFINITY;
    for (int i = 0; i < g.pw * g.ph; i++)
        fmin = g.fric[i] < fmin ? g.fric[i] : fmin;
    cr_assert(fmin > 0.019f && fmin < 0.021f, "least friction %g", fmin);
    const float hints[] = {0.0f, fmin, 10 * fmin, fmin / 1000};
    for (int pass = 0; pass < 8; pass++) { /* each hint twice: the second reuses the queue */
        g.w.fric_min = hints[pass / 2];
        for (int i = 0; i < g.pw * g.ph; i++)
            ref[i] = g.t[i] = INFINITY;
        ref_costdist(g.fric, g.pw, g.pw * g.ph, CELL, s, 3, 600.0f, ref);
        run(&g, s, 3, 600.0f);
        int reached = 0;
        for (int i = 0; i < g.pw * g.ph; i++) {
            cr_assert(memcmp(&g.t[i], &ref[i], sizeof(float)) == 0,
                      "hint %g s/m, cell %d: kernel %.9g s, reference %.9g s", g.w.fric_min, i,
                      g.t[i], ref[i]);
            reached += isfinite(ref[i]) != 0;
        }
        cr_assert_eq((int)g.w.ntouched, reached);
        cr_assert(reached > 5000 && reached < 150 * 130 - 5000, "%d cells reached", reached);
    }
    free(ref);
    drop(&g);
}

Test(costdist, coded_kernels_equal_the_float_kernels_bit_for_bit)
{
    /* A surface of 40 friction values, 5 % barriers and uniform patches (where the isotropic
     * kernel's straight segments and the clearance map's jumps apply), coded as a byte a cell
     * with a table of the values: the clearance maps are the same bytes, and both kernels
     * give the very floats of their float versions, with two seeds and a budget that cuts. */
    tgrid g = make(160, 140);
    size_t n = (size_t)g.pw * (size_t)g.ph;
    float lut[256], pal[40];
    for (int k = 0; k < 40; k++)
        pal[k] = 0.02f + 0.011f * (float)k;
    unsigned x = 7;
    for (int r = 0; r < 140; r++)
        for (int c = 0; c < 160; c++) {
            x = x * 1103515245u + 12345u;
            unsigned v = (x >> 16) % 100;
            int patch = (c / 40 + r / 35) % 2 == 0; /* uniform blocks between mixed ones */
            g.fric[at(&g, c, r)] = patch ? SPM : v < 5 ? INFINITY : pal[(x >> 20) % 40];
        }
    isr_seed s[2] = {{(uint32_t)at(&g, 10, 12), 0.0f}, {(uint32_t)at(&g, 140, 120), 120.0f}};
    g.fric[s[0].idx] = g.fric[s[1].idx] = SPM;
    /* the code table: the values in the order met, +INF among them */
    uint8_t *code = malloc(n), *cf = malloc(ISR_CLEAR_SCRATCH(n));
    uint8_t *cc = malloc(ISR_CLEAR_SCRATCH(n));
    int nlut = 0;
    for (size_t i = 0; i < n; i++) {
        int k = 0;
        while (k < nlut && lut[k] != g.fric[i])
            k++;
        if (k == nlut)
            lut[nlut++] = g.fric[i];
        code[i] = (uint8_t)k;
    }
    cr_assert_eq(nlut, 42, "%d values", nlut); /* 40, SPM and +INF */
    cr_assert_eq(isr_costdist_clearance(g.fric, (size_t)g.pw, (size_t)g.ph, cf), 0);
    cr_assert_eq(isr_costdist_clearance_coded(code, (size_t)g.pw, (size_t)g.ph, cc), 0);
    cr_assert(memcmp(cf, cc, ISR_CLEAR_BYTES(n)) == 0, "the clearance maps differ");
    float *tc = malloc(n * sizeof *tc);
    isr_cd_work wc = {0};
    for (int kern = 0; kern < 2; kern++) {
        g.w.fric_min = wc.fric_min = kern == 0 ? 0.02f : 0.0f;
        for (size_t i = 0; i < n; i++)
            g.t[i] = tc[i] = INFINITY;
        size_t pw = (size_t)g.pw, ph = (size_t)g.ph;
        int e1 = kern == 0 ? isr_costdist(g.fric, pw, ph, CELL, s, 2, 900.0f, g.t, &g.w)
                           : isr_costdist_iso(g.fric, cf, pw, ph, CELL, s, 2, 900.0f, g.t, &g.w);
        int e2 = isr_fric_costdist((isr_fric){NULL, code, lut}, kern == 0 ? NULL : cc, pw, ph,
                                   CELL, s, 2, 900.0f, tc, &wc);
        cr_assert(e1 == 0 && e2 == 0);
        int reached = 0;
        for (size_t i = 0; i < n; i++) {
            cr_assert(memcmp(&g.t[i], &tc[i], sizeof(float)) == 0,
                      "kernel %d, cell %zu: float %.9g s, coded %.9g s", kern, i, g.t[i], tc[i]);
            reached += isfinite(tc[i]) != 0;
        }
        cr_assert(reached > 3000 && reached < 160 * 140 - 3000, "%d cells reached", reached);
        cr_assert_eq(wc.ntouched, g.w.ntouched);
    }
    isr_cd_work_free(&wc);
    free(tc);
    free(code);
    free(cf);
    free(cc);
    drop(&g);
}

/* The clearance map on two threads (two bands of rows, each reading 128 rows of the other's
 * as they were after the fine level) is the one-thread map, byte for byte: floats and codes,
 * grids from the least that is split (512 rows) up, 3 to 1,501 columns, uniform stretches
 * far wider than 127 cells (the coarse level) and changes within 127 rows of the split, so
 * that distances across it decide cells on both sides. */
Test(costdist, clearance_on_two_threads_is_the_one_thread_map)
{
    static const size_t dims[][2] = {{3, 512}, {700, 513}, {1501, 1300}, {64, 2048}, {900, 511}};
    unsigned x = 11;
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++) {
        const size_t pw = dims[d][0], ph = dims[d][1], n = pw * ph;
        float *fric = malloc(n * sizeof *fric);
        uint8_t *code = malloc(n), *one = malloc(ISR_CLEAR_SCRATCH(n)),
                *two = malloc(ISR_CLEAR_SCRATCH(n)), *cod = malloc(ISR_CLEAR_SCRATCH(n));
        cr_assert(fric && code && one && two && cod);
        for (size_t r = 0; r < ph; r++)
            for (size_t c = 0; c < pw; c++) {
                x = x * 1103515245u + 12345u;
                int k = (c / 300 + r / 400) % 3 == 0 ? (int)((x >> 16) % 4) : 0; /* mixed */
                /* one cell 110 rows below the split, one 115 above: each decides cells
                 * of the other band */
                k = (r == ph / 2 + 110 && c == pw / 3) || (r == ph / 2 - 115 && c == 2 * pw / 3)
                        ? 5
                        : k;
                code[r * pw + c] = (uint8_t)k;
                fric[r * pw + c] = k == 4 ? INFINITY : 0.05f + 0.01f * (float)k;
            }
        cr_assert_eq(isr_costdist_clearance_par(fric, NULL, pw, ph, one, 1), 0);
        cr_assert_eq(isr_costdist_clearance_par(fric, NULL, pw, ph, two, 2), 0);
        cr_assert_eq(isr_costdist_clearance_par(NULL, code, pw, ph, cod, 2), 0);
        size_t bytes = ISR_CLEAR_BYTES(n), at = 0;
        while (at < bytes && one[at] == two[at])
            at++;
        cr_assert_eq(at, bytes, "%zu x %zu: the maps differ at byte %zu", pw, ph, at);
        cr_assert(memcmp(one, cod, bytes) == 0, "%zu x %zu: the coded map differs", pw, ph);
        int far = 0; /* the coarse level is reached: clearances of 128 and more */
        for (size_t i = 0; i < n && !far; i += 97)
            far = isr_clearance_at(one, i) >= 128;
        cr_assert(far || pw < 1000, "%zu x %zu: no clearance of 128 or more", pw, ph);
        free(fric);
        free(code);
        free(one);
        free(two);
        free(cod);
    }
}
