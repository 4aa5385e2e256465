/* Criterion suite for costdist.c: the grid cost-distance kernel on hand-built grids.
 * Every grid here has 100 m cells and 0.1 s/m friction (10 m/s), so a cell costs 10 s. */
#include "internal.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

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
