/* Criterion suite for profile.c: the departure-window range search (rRAPTOR) on timetables
 * built by hand, station catchments and their propagation on small uniform grids, percentiles
 * over a window, and an independent brute-force earliest-arrival search that must agree with
 * the engine on random timetables. Times are seconds after the service day's midnight. */
#include "internal.h"
#include "timetable.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HM(h, m) ((h) * 3600 + (m) * 60)
#define NONE INT32_MAX

/* ---- a timetable built by hand: station i has stop i; tt_stop adds a platform ---------------- */

static isr_timetable *tt_make(int nstations, int32_t default_transfer_s)
{
    isr_timetable *tt = calloc(1, sizeof *tt);
    tt->nstations = tt->nstops = nstations;
    tt->stations = calloc((size_t)nstations, sizeof *tt->stations);
    tt->stops = calloc(256, sizeof *tt->stops);
    tt->trips = calloc(512, sizeof *tt->trips);
    tt->st = calloc(4096, sizeof *tt->st);
    tt->transfers = calloc(256, sizeof *tt->transfers);
    for (int i = 0; i < nstations; i++)
        tt->stops[i].station = i;
    tt->default_transfer_s = default_transfer_s;
    return tt;
}

static int tt_stop(isr_timetable *tt, int station)
{
    tt->stops[tt->nstops].station = station;
    return tt->nstops++;
}

/* A trip calling at n stops: arrival = departure = t[i], flags f (NULL: none). */
static void tt_trip(isr_timetable *tt, int n, const int *stops, const int32_t *t, const uint8_t *f)
{
    tt->trips[tt->ntrips++] = (isr_tt_trip){tt->nst, n, 0, 0};
    for (int i = 0; i < n; i++)
        tt->st[tt->nst++] = (isr_tt_stop_time){stops[i], t[i], t[i], f ? f[i] : 0};
}

static void tt_transfer(isr_timetable *tt, int from, int to, int32_t min_s)
{
    tt->transfers[tt->ntransfers++] = (isr_tt_transfer){from, to, min_s, 0};
}

static void tt_drop(isr_timetable *tt)
{
    free(tt->stations);
    free(tt->stops);
    free(tt->trips);
    free(tt->st);
    free(tt->transfers);
    free(tt);
}

/* The engine's arrivals from `origin` (one station, access 0) over the window, new memory. */
static int32_t *search(isr_timetable *tt, int origin, isr_profile_params p)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_tt_index *ix = NULL;
    cr_assert_eq(isr_tt_index_new(ctx, tt, &ix), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    int n = isr_profile_nminutes(&p);
    int32_t *arr = malloc((size_t)n * (size_t)tt->nstations * sizeof *arr);
    isr_tt_access o = {origin, 0};
    cr_assert_eq(isr_profile_search(ctx, ix, &o, 1, &p, arr), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    isr_tt_index_free(ix);
    isr_ctx_free(ctx);
    return arr;
}

/* One departure at `dep` with budget 2 h. */
static isr_profile_params at(int32_t dep)
{
    return (isr_profile_params){dep, dep + 60, 60, 7200, 0};
}

Test(profile, transfer_missed_by_one_minute)
{
    /* A -> B arrives 08:20; B -> C leaves 08:22 and again 08:52 (arrives 08:40 / 09:10). */
    enum { A, B, C };
    for (int c = 0; c < 3; c++) {
        isr_timetable *tt = tt_make(3, c == 0 ? 180 : c == 1 ? 120 : 180);
        tt_trip(tt, 2, (int[]){A, B}, (int32_t[]){HM(8, 0), HM(8, 20)}, NULL);
        tt_trip(tt, 2, (int[]){B, C}, (int32_t[]){HM(8, 22), HM(8, 40)}, NULL);
        tt_trip(tt, 2, (int[]){B, C}, (int32_t[]){HM(8, 52), HM(9, 10)}, NULL);
        if (c == 2)
            tt_transfer(tt, B, B, 120); /* the row overrides the station default */
        int32_t *arr = search(tt, A, at(HM(8, 0)));
        cr_assert_eq(arr[A], HM(8, 0)); /* the origin: dep + access 0 */
        cr_assert_eq(arr[B], HM(8, 20));
        /* 3 min change: ready 08:23, the 08:22 is missed by one minute -> 09:10;
         * 2 min (default or the transfers row): ready 08:22, caught -> 08:40 */
        cr_assert_eq(arr[C], c == 0 ? HM(9, 10) : HM(8, 40), "case %d: %d", c, arr[C]);
        free(arr);
        tt_drop(tt);
    }
}

Test(profile, trip_past_midnight_and_the_budget_edge)
{
    /* A 23:50 -> B 24:20; B 24:30 -> C 25:05 (90300 s), 2 min change. Departures 23:40 and
     * 23:45: C at 25:05, 85 and 80 minutes after. With an 80 min budget only 23:45 gets there
     * (80 min exactly: the budget is inclusive). */
    enum { A, B, C };
    isr_timetable *tt = tt_make(3, 120);
    tt_trip(tt, 2, (int[]){A, B}, (int32_t[]){HM(23, 50), HM(24, 20)}, NULL);
    tt_trip(tt, 2, (int[]){B, C}, (int32_t[]){HM(24, 30), HM(25, 5)}, NULL);
    isr_profile_params p = {HM(23, 40), HM(23, 50), 300, 7200, 0};
    cr_assert_eq(isr_profile_nminutes(&p), 2);
    int32_t *arr = search(tt, A, p);
    cr_assert_eq(arr[0 * 3 + C], 90300);
    cr_assert_eq(arr[1 * 3 + C], 90300);
    cr_assert_eq(arr[0 * 3 + B], HM(24, 20));
    free(arr);
    p.budget_s = 80 * 60;
    arr = search(tt, A, p);
    cr_assert_eq(arr[0 * 3 + C], NONE);  /* 23:40 + 80 min = 25:00 < 25:05 */
    cr_assert_eq(arr[1 * 3 + C], 90300); /* 23:45 + 80 min = 25:05 */
    free(arr);
    tt_drop(tt);
}

Test(profile, drop_off_only_and_pick_up_only_stops)
{
    /* A 08:00 -> B 08:10 -> C 08:20. */
    enum { A, B, C };
    uint8_t f[2][3] = {{0, ISR_TT_NO_PICKUP, 0}, {0, ISR_TT_NO_DROPOFF, 0}};
    for (int c = 0; c < 2; c++) {
        isr_timetable *tt = tt_make(3, 0);
        tt_trip(tt, 3, (int[]){A, B, C}, (int32_t[]){HM(8, 0), HM(8, 10), HM(8, 20)}, f[c]);
        int32_t *from_a = search(tt, A, at(HM(7, 59)));
        int32_t *from_b = search(tt, B, at(HM(8, 5)));
        cr_assert_eq(from_a[C], HM(8, 20));
        if (c == 0) {                           /* B drop-off only */
            cr_assert_eq(from_a[B], HM(8, 10)); /* one may alight there */
            cr_assert_eq(from_b[C], NONE);      /* but not board */
        } else {                                /* B pick-up only */
            cr_assert_eq(from_a[B], NONE);      /* one may not alight there */
            cr_assert_eq(from_b[C], HM(8, 20)); /* but board */
        }
        free(from_a);
        free(from_b);
        tt_drop(tt);
    }
}

Test(profile, forbidden_transfer_and_a_walk_between_stations)
{
    /* Station B has platforms B (stop 1) and B2 (stop 4). A 08:00 -> B 08:20; B2 08:30 -> C
     * 08:50; B 09:30 -> C 09:50. Station default change 5 min. D -> E leaves 08:24 and 08:26;
     * transfers row B -> D 5 min (a walk to another station: ready at D 08:25). */
    enum { A, B, C, D, E };
    for (int forbid = 0; forbid < 2; forbid++) {
        isr_timetable *tt = tt_make(5, 300);
        int b2 = tt_stop(tt, B);
        tt_trip(tt, 2, (int[]){A, B}, (int32_t[]){HM(8, 0), HM(8, 20)}, NULL);
        tt_trip(tt, 2, (int[]){b2, C}, (int32_t[]){HM(8, 30), HM(8, 50)}, NULL);
        tt_trip(tt, 2, (int[]){B, C}, (int32_t[]){HM(9, 30), HM(9, 50)}, NULL);
        tt_trip(tt, 2, (int[]){D, E}, (int32_t[]){HM(8, 24), HM(8, 40)}, NULL);
        tt_trip(tt, 2, (int[]){D, E}, (int32_t[]){HM(8, 26), HM(8, 45)}, NULL);
        tt_transfer(tt, B, D, 300);
        if (forbid)
            tt_transfer(tt, B, b2, -1);
        int32_t *arr = search(tt, A, at(HM(8, 0)));
        /* allowed: B 08:20 + 5 min = 08:25 <= 08:30 on B2 -> C 08:50; forbidden: stay on
         * platform B for the 09:30 -> C 09:50 */
        cr_assert_eq(arr[C], forbid ? HM(9, 50) : HM(8, 50));
        cr_assert_eq(arr[E], HM(8, 45)); /* the 08:24 is gone at 08:25: the 08:26 */
        cr_assert_eq(arr[D], NONE);      /* walked to, not arrived at by train */
        free(arr);
        tt_drop(tt);
    }
}

Test(profile, bad_window_and_origin_are_refused)
{
    isr_timetable *tt = tt_make(2, 0);
    isr_ctx *ctx = isr_ctx_new();
    isr_tt_index *ix = NULL;
    cr_assert_eq(isr_tt_index_new(ctx, tt, &ix), ISR_OK);
    int32_t arr[8];
    isr_tt_access o = {5, 0};
    isr_profile_params p = at(HM(8, 0));
    cr_assert_eq(isr_profile_search(ctx, ix, &o, 1, &p, arr), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "origin 0: station 5 (of 2) with access 0 s; give a "
                                          "station of the timetable and a time of 0 s or more");
    isr_ctx_reset(ctx); /* as each public call does */
    o.station = 0;
    p.to_s = p.from_s;
    cr_assert_eq(isr_profile_search(ctx, ix, &o, 1, &p, arr), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "departure window 28800 s to 28800 s by steps of 60 s holds no departure: "
                     "give a window whose end is after its start, and a positive step");
    isr_tt_index_free(ix);
    isr_ctx_reset(ctx);
    tt->st[0] = (isr_tt_stop_time){0, 100, 50, 0};
    tt->trips[0] = (isr_tt_trip){0, 1, 0, 0};
    tt->nst = tt->ntrips = 1;
    cr_assert_eq(isr_tt_index_new(ctx, tt, &ix), ISR_ERR_INPUT);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "timetable: stop time 0 has stop 0 (of 2) and arrives "
                                          "at 100 s after departing at 50 s; rebuild the "
                                          "timetable");
    cr_assert_null(ix);
    isr_ctx_free(ctx);
    tt_drop(tt);
}

/* ---- catchments, propagation, percentiles ----------------------------------------------------- */

/* A uniform grid of nx × ny cells of 100 m at `spm` s/m, padded with barriers, with its
 * clearance map (the isotropic kernel). */
typedef struct tgrid {
    isr_grid g;
    float *fric;
    uint8_t *clear;
} tgrid;

static tgrid grid_make(int nx, int ny, float spm)
{
    tgrid t = {{0, 0, 100.0, nx, ny, NULL}, NULL, NULL};
    size_t n = isr_grid_pcells(&t.g);
    t.fric = malloc(n * sizeof *t.fric);
    t.clear = malloc(ISR_CLEAR_SCRATCH(n));
    for (size_t i = 0; i < n; i++)
        t.fric[i] = INFINITY;
    for (int r = 0; r < ny; r++)
        for (int c = 0; c < nx; c++)
            t.fric[isr_grid_pidx(&t.g, c, r)] = spm;
    cr_assert_eq(isr_costdist_clearance(t.fric, (size_t)isr_grid_pw(&t.g),
                                        (size_t)isr_grid_ph(&t.g), t.clear),
                 0);
    return t;
}

static void grid_drop(tgrid *t)
{
    free(t->fric);
    free(t->clear);
}

Test(profile, propagation_is_rail_arrival_plus_distance_over_speed)
{
    /* 30 × 30 cells of 100 m at 0.5 s/m (50 s a cell). A at cell (5,5), B at (20,20); a train
     * A 08:00 -> B 08:10; leave at 07:55: B is 900 s after the departure. Every cell within the
     * 1200 s budget: min(|cell - A| × 0.5, 900 + |cell - B| × 0.5), straight-line metres (the
     * isotropic kernel is exact on uniform friction). */
    enum { A, B };
    tgrid t = grid_make(30, 30, 0.5f);
    isr_timetable *tt = tt_make(2, 0);
    tt_trip(tt, 2, (int[]){A, B}, (int32_t[]){HM(8, 0), HM(8, 10)}, NULL);
    isr_profile_params p = {HM(7, 55), HM(7, 56), 60, 1200, 0};
    int32_t *arr = search(tt, A, p);
    cr_assert_eq(arr[B] - HM(7, 55), 900);
    isr_ctx *ctx = isr_ctx_new();
    uint32_t cells[2] = {(uint32_t)isr_grid_pidx(&t.g, 5, 5), (uint32_t)isr_grid_pidx(&t.g, 20, 20)};
    isr_catchments cm;
    cr_assert_eq(isr_catchments_build(ctx, &t.g, (isr_fric){t.fric, NULL, NULL}, t.clear, 0.0f, cells, 2, 1200, &cm), ISR_OK);
    /* memory bound: radius 1200 / (0.5 × 100) + 1 = 25 cells, a 51 × 51 square, 8 bytes a
     * cell: 2 × (2601 × 8 + 32) = 41680 bytes, and the real catchments are within it (each
     * is at most the 30 × 30 grid: 900 cells) */
    double bound = isr_catchments_bytes(2, 1200, 0.5, 100, 900);
    cr_assert_float_eq(bound, 2 * (900 * 8 + 2 * sizeof(size_t) + 4 * sizeof(int)), 1e-9);
    cr_assert_float_eq(isr_catchments_bytes(2, 1200, 0.5, 100, 1000000),
                       2 * (2601 * 8 + 2 * sizeof(size_t) + 4 * sizeof(int)), 1e-9);
    cr_assert_leq(cm.off[2] * 8, bound);
    int win[4];
    isr_profile_window(&cm, arr, &p, win);
    int pad = ISR_PAD;
    cr_assert(win[0] == pad && win[1] == pad + 29 && win[2] == pad && win[3] == pad + 29,
              "the whole grid: A's disc of 24 cells and B's of 6 cover it");
    int w = win[3] - win[2] + 1;
    float *cell_s = malloc((size_t)w * (size_t)(win[1] - win[0] + 1) * sizeof *cell_s);
    isr_profile_propagate(&cm, arr, HM(7, 55), 1200.0f, win, cell_s);
    int reached_by_rail = 0;
    for (int r = 0; r < 30; r++)
        for (int c = 0; c < 30; c++) {
            double da = 100 * hypot(c - 5, r - 5) * 0.5, db = 900 + 100 * hypot(c - 20, r - 20) * 0.5;
            double want = fmin(da, db);
            float got = cell_s[(size_t)(r + pad - win[0]) * (size_t)w + (size_t)(c + pad - win[2])];
            if (want > 1200)
                cr_assert(isinf(got), "cell (%d,%d): %g, want unreached", c, r, (double)got);
            else
                cr_assert_float_eq(got, want, 1e-3, "cell (%d,%d): %g, want %g", c, r,
                                   (double)got, want);
            reached_by_rail += db < da && db <= 1200;
        }
    /* (23,20): by rail 900 + 3 cells × 50 = 1050 s; on foot from A 50 × |(18,15)| = 1171.5 s */
    cr_assert_float_eq(cell_s[(size_t)(20 + pad - win[0]) * (size_t)w + (size_t)(23 + pad - win[2])],
                       1050.0, 1e-3);
    cr_assert_gt(reached_by_rail, 30, "cells the train made faster: %d", reached_by_rail);
    free(cell_s);
    free(arr);
    isr_catchments_clear(&cm);
    isr_ctx_free(ctx);
    tt_drop(tt);
    grid_drop(&t);
}

Test(profile, trains_every_10_minutes_median_wait_is_4_minutes)
{
    /* A -> B, 20 min, every 10 min from 07:00 to 09:00; leave A every minute 07:00..07:59 (60
     * departures). Minute m waits (10 - m % 10) % 10 minutes: 0..9 each 6 times, so B is 20 +
     * wait = 20..29 min away, each 6 times. Nearest rank k = ceil(p/100 × 60): p5 -> k 3 ->
     * 20; p25 -> 15 -> 22; p50 -> 30 -> 24 (the median wait is 4 min, not the mean 4.5);
     * p75 -> 45 -> 27; p95 -> 57 -> 29. The cell 10 cells east of B (1000 m at 0.75 s/m:
     * 750 s = 12.5 min, rounded up to whole minutes after adding): 32.5 + wait -> 33, 35,
     * 37, 40, 42. A is 200 cells west: walking there takes 150 min, beyond the 60 min budget. */
    enum { A, B };
    tgrid t = grid_make(260, 3, 0.75f);
    isr_timetable *tt = tt_make(2, 0);
    for (int m = 0; m <= 120; m += 10)
        tt_trip(tt, 2, (int[]){A, B}, (int32_t[]){HM(7, m), HM(7, m + 20)}, NULL);
    isr_profile_params p = {HM(7, 0), HM(8, 0), 60, 3600, 0};
    int32_t *arr = search(tt, A, p);
    int32_t waits[10] = {0};
    for (int m = 0; m < 60; m++)
        waits[(arr[m * 2 + B] - (HM(7, 0) + 60 * m)) / 60 - 20]++;
    for (int i = 0; i < 10; i++)
        cr_assert_eq(waits[i], 6, "wait %d min: %d times", i, waits[i]);
    isr_ctx *ctx = isr_ctx_new();
    uint32_t cells[2] = {(uint32_t)isr_grid_pidx(&t.g, 5, 1), (uint32_t)isr_grid_pidx(&t.g, 205, 1)};
    isr_catchments cm;
    cr_assert_eq(isr_catchments_build(ctx, &t.g, (isr_fric){t.fric, NULL, NULL}, t.clear, 0.0f, cells, 2, 3600, &cm), ISR_OK);
    int win[4];
    isr_profile_window(&cm, arr, &p, win);
    size_t w = (size_t)(win[3] - win[2] + 1), n = w * (size_t)(win[1] - win[0] + 1);
    double pct[5] = {5, 25, 50, 75, 95};
    float *out[5];
    for (int j = 0; j < 5; j++)
        out[j] = malloc(n * sizeof **out);
    cr_assert_eq(isr_profile_percentiles(ctx, &cm, arr, &p, pct, 5, win, out), ISR_OK);
    size_t kb = (size_t)(1 + ISR_PAD - win[0]) * w + (size_t)(205 + ISR_PAD - win[2]);
    size_t ke = kb + 10, ka = (size_t)(1 + ISR_PAD - win[0]) * w + (size_t)(5 + ISR_PAD - win[2]);
    float want_b[5] = {20, 22, 24, 27, 29}, want_e[5] = {33, 35, 37, 40, 42};
    for (int j = 0; j < 5; j++) {
        cr_assert_eq(out[j][kb], want_b[j], "p%g at B: %g", pct[j], (double)out[j][kb]);
        cr_assert_eq(out[j][ke], want_e[j], "p%g east: %g", pct[j], (double)out[j][ke]);
        cr_assert_eq(out[j][ka], 0, "p%g at A", pct[j]);
    }
    /* a 25 min budget: B is reached when the wait is 0..5 min, 36 of 60 minutes: p50 (k 30)
     * is still 24; p60 (k 36) is 25; p61 (k = ceil(36.6) = 37) and p75 are unreached */
    p.budget_s = 1500;
    free(arr);
    arr = search(tt, A, p);
    double pct2[4] = {50, 60, 61, 75};
    cr_assert_eq(isr_profile_percentiles(ctx, &cm, arr, &p, pct2, 4, win, out), ISR_OK);
    cr_assert_eq(out[0][kb], 24);
    cr_assert_eq(out[1][kb], 25);
    cr_assert(isinf(out[2][kb]) && isinf(out[3][kb]));
    double bad = 0;
    cr_assert_eq(isr_profile_percentiles(ctx, &cm, arr, &p, &bad, 1, win, out), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "percentile 0: give percentiles above 0 and at most 100");
    for (int j = 0; j < 5; j++)
        free(out[j]);
    free(arr);
    isr_catchments_clear(&cm);
    isr_ctx_free(ctx);
    tt_drop(tt);
    grid_drop(&t);
}

/* ---- the independent check: brute force on random timetables -------------------------------- */

/* The rule of a change from stop a to b, read straight off the timetable: the transfers rows
 * for (a, b) (any forbidding: -1; else the longest), else the default within a station, else
 * -1. */
static int32_t bf_change(const isr_timetable *tt, int a, int b)
{
    int found = 0;
    int32_t c = 0;
    for (int i = 0; i < tt->ntransfers; i++)
        if (tt->transfers[i].from == a && tt->transfers[i].to == b) {
            if (tt->transfers[i].min_s < 0)
                return -1;
            found = 1;
            c = tt->transfers[i].min_s > c ? tt->transfers[i].min_s : c;
        }
    if (found)
        return c;
    return tt->stops[a].station == tt->stops[b].station ? tt->default_transfer_s : -1;
}

/* Earliest arrival at every station leaving at `dep` (no budget, any number of rides) by
 * repeated relaxation until nothing changes: alighted[a] (by train or at the origin), ready[b]
 * (the origin's stops, or alighted + a change), and every pair of stop times i < j of every
 * trip (board at i when ready and pick-up allowed, alight at j when set-down allowed). */
static void brute(const isr_timetable *tt, const isr_tt_access *org, int norg, int32_t dep,
                  int64_t *station, int walks)
{
    int64_t inf = INT64_MAX / 4, alighted[64], ready[64], rode[64];
    for (int p = 0; p < tt->nstops; p++)
        alighted[p] = ready[p] = rode[p] = inf;
    for (int o = 0; o < norg; o++)
        for (int p = 0; p < tt->nstops; p++)
            if (tt->stops[p].station == org[o].station) {
                if (!walks) /* walks: no walk from the origin (the backward search's end) */
                    alighted[p] = fmin(alighted[p], dep + org[o].access_s);
                ready[p] = fmin(ready[p], dep + org[o].access_s);
            }
    for (int changed = 1; changed;) {
        changed = 0;
        for (int a = 0; a < tt->nstops; a++)
            for (int b = 0; b < tt->nstops && alighted[a] < inf; b++) {
                int32_t c = bf_change(tt, a, b);
                if (c >= 0 && alighted[a] + c < ready[b])
                    ready[b] = alighted[a] + c, changed = 1;
            }
        for (int t = 0; t < tt->ntrips; t++)
            for (int i = tt->trips[t].first; i < tt->trips[t].first + tt->trips[t].n; i++)
                for (int j = i + 1; j < tt->trips[t].first + tt->trips[t].n; j++) {
                    const isr_tt_stop_time *si = &tt->st[i], *sj = &tt->st[j];
                    int ride = !(si->flags & ISR_TT_NO_PICKUP) && ready[si->stop] <= si->dep &&
                               !(sj->flags & ISR_TT_NO_DROPOFF);
                    if (ride && sj->arr < alighted[sj->stop])
                        alighted[sj->stop] = sj->arr, changed = 1;
                    if (ride && sj->arr < rode[sj->stop])
                        rode[sj->stop] = sj->arr;
                }
    }
    for (int s = 0; s < tt->nstations; s++)
        station[s] = inf;
    for (int p = 0; p < tt->nstops; p++) {
        /* walks: a station is also reached on foot over a transfers row after a train (the
         * end of a trip to the hub, which the backward search begins with) */
        int64_t t = alighted[p];
        for (int a = 0; walks && a < tt->nstops; a++) {
            int32_t c = a != p && rode[a] < inf ? bf_change(tt, a, p) : -1;
            if (c >= 0 && rode[a] + c < t)
                t = rode[a] + c;
        }
        if (t < station[tt->stops[p].station])
            station[tt->stops[p].station] = t;
    }
    for (int o = 0; walks && o < norg; o++) /* the origin itself */
        if (dep + org[o].access_s < station[org[o].station])
            station[org[o].station] = dep + org[o].access_s;
}

static uint32_t rnd(uint64_t *s, uint32_t n)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*s >> 33) % n;
}

/* 20 stations, 8 more platforms, 30 trips of 2 to 6 calls from `base` over 2 h (hops 1 to 15
 * min, dwell up to 2 min), 10 % no pick-up and 10 % no set-down, 10 transfers rows (a fifth
 * forbidding), a station default of 0 to 4 min. */
static isr_timetable *random_tt(uint64_t *s, int32_t base)
{
    isr_timetable *tt = tt_make(20, (int32_t)rnd(s, 5) * 60);
    for (int i = 0; i < 8; i++)
        tt_stop(tt, (int)rnd(s, 20));
    for (int t = 0; t < 30; t++) {
        int n = 2 + (int)rnd(s, 5);
        int32_t clock = base + (int32_t)rnd(s, 7200);
        tt->trips[tt->ntrips++] = (isr_tt_trip){tt->nst, n, 0, 0};
        for (int i = 0; i < n; i++) {
            int32_t arr = clock, dep = arr + (int32_t)rnd(s, 121);
            uint8_t f = (rnd(s, 10) == 0 ? ISR_TT_NO_PICKUP : 0) |
                        (rnd(s, 10) == 0 ? ISR_TT_NO_DROPOFF : 0);
            tt->st[tt->nst++] = (isr_tt_stop_time){(int32_t)rnd(s, (uint32_t)tt->nstops), arr,
                                                   dep, f};
            clock = dep + 60 + (int32_t)rnd(s, 841);
        }
    }
    for (int i = 0; i < 10; i++)
        tt_transfer(tt, (int)rnd(s, (uint32_t)tt->nstops), (int)rnd(s, (uint32_t)tt->nstops),
                    rnd(s, 5) == 0 ? -1 : (int32_t)rnd(s, 601));
    return tt;
}

Test(profile, agrees_with_brute_force_on_50_random_timetables)
{
    /* 50 feeds (every fifth around midnight: trips from 23:20 into the next day), 1 or 2
     * origin stations with 0 to 5 min access, 20 departure minutes, a 90 min budget: every
     * station at every minute is the brute force's arrival when within dep + budget, else
     * unreached. */
    uint64_t seed = 14;
    isr_ctx *ctx = isr_ctx_new();
    size_t compared = 0, reached = 0;
    for (int feed = 0; feed < 50; feed++) {
        int32_t base = feed % 5 == 4 ? HM(23, 20) : HM(7, 0);
        isr_timetable *tt = random_tt(&seed, base);
        isr_tt_access org[2] = {{(int32_t)rnd(&seed, 20), (int32_t)rnd(&seed, 301)},
                                {(int32_t)rnd(&seed, 20), (int32_t)rnd(&seed, 301)}};
        int norg = 1 + (int)rnd(&seed, 2);
        isr_profile_params p = {base + 600, base + 600 + 20 * 60, 60, 5400, 0};
        isr_tt_index *ix = NULL;
        cr_assert_eq(isr_tt_index_new(ctx, tt, &ix), ISR_OK, "%s", isr_ctx_errmsg(ctx));
        int32_t arr[20 * 20];
        cr_assert_eq(isr_profile_search(ctx, ix, org, norg, &p, arr), ISR_OK);
        for (int m = 0; m < 20; m++) {
            int32_t dep = p.from_s + 60 * m;
            int64_t bf[20];
            brute(tt, org, norg, dep, bf, 0);
            for (int s = 0; s < 20; s++) {
                int64_t want = bf[s] <= (int64_t)dep + p.budget_s ? bf[s] : NONE;
                cr_assert_eq(arr[m * 20 + s], want, "feed %d minute %d station %d: %d, want %lld",
                             feed, m, s, arr[m * 20 + s], (long long)want);
                compared++;
                reached += want != NONE;
            }
        }
        isr_tt_index_free(ix);
        tt_drop(tt);
    }
    cr_assert_eq(compared, 50 * 20 * 20);
    cr_log_info("reached %zu of %zu", reached, compared);
    cr_assert(reached > compared / 5 && reached < compared, "reached %zu of %zu", reached,
              compared);
    isr_ctx_free(ctx);
}

/* The backward search (--direction to) against the brute force run forwards. For a hub H and
 * an arrival time A, the search on the timetable reversed in time (isr_tt_reversed, t -> K - t)
 * from H at K - A gives every station s an "arrival" K - L: L must be the latest departure
 * from s that still reaches H by A: leaving s at L the brute force reaches H by A, leaving
 * one second later it does not. Unreached within the budget: leaving at A - budget is too
 * late already. Mirrored rules (brute force with `walks`): as a trip from the hub may begin
 * with a walk over a transfers row, a trip to the hub may end with one (H reached on foot
 * after a train); as a station is reached only by train, a trip to the hub never begins
 * with a walk from s (local travel on the grid goes to the other station directly). 50
 * random timetables, 20 arrival minutes, every station. */
Test(profile, backward_search_gives_the_latest_departure)
{
    const int32_t K = 4 * 86400;
    uint64_t seed = 41;
    isr_ctx *ctx = isr_ctx_new();
    size_t compared = 0, reached = 0;
    for (int feed = 0; feed < 50; feed++) {
        int32_t base = feed % 5 == 4 ? HM(23, 20) : HM(7, 0);
        isr_timetable *tt = random_tt(&seed, base);
        isr_timetable *rev = isr_tt_reversed(tt, K);
        cr_assert_not_null(rev);
        int32_t hub = (int32_t)rnd(&seed, 20);
        isr_tt_access org = {hub, 0};
        int32_t a0 = base + 3600; /* arrivals at H from an hour into the timetable */
        isr_profile_params p = {K - (a0 + 19 * 60), K - a0 + 1, 60, 5400, 0};
        isr_tt_index *ix = NULL;
        cr_assert_eq(isr_tt_index_new(ctx, rev, &ix), ISR_OK, "%s", isr_ctx_errmsg(ctx));
        int32_t arr[20 * 20];
        cr_assert_eq(isr_profile_search(ctx, ix, &org, 1, &p, arr), ISR_OK);
        for (int m = 0; m < 20; m++) {
            int32_t arrive = K - (p.from_s + 60 * m); /* the arrival time this minute is */
            for (int s = 0; s < 20; s++) {
                int32_t v = arr[m * 20 + s];
                isr_tt_access from = {s, 0};
                int64_t bf[20];
                if (v == NONE) {
                    brute(tt, &from, 1, arrive - p.budget_s, bf, 1);
                    cr_assert_gt(bf[hub], arrive, "feed %d: station %d reaches hub %d by %d "
                                 "leaving at %d, but the backward search found nothing",
                                 feed, s, hub, arrive, arrive - p.budget_s);
                } else {
                    int32_t leave = K - v;
                    brute(tt, &from, 1, leave, bf, 1);
                    cr_assert_leq(bf[hub], arrive, "feed %d: station %d leaving at %d: %lld",
                                  feed, s, leave, (long long)bf[hub]);
                    brute(tt, &from, 1, leave + 1, bf, 1);
                    cr_assert_gt(bf[hub], arrive, "feed %d: station %d can leave after %d",
                                 feed, s, leave);
                    reached++;
                }
                compared++;
            }
        }
        isr_tt_index_free(ix);
        isr_tt_reversed_free(rev);
        tt_drop(tt);
    }
    cr_assert_eq(compared, 50 * 20 * 20);
    cr_assert(reached > compared / 10 && reached < compared, "reached %zu of %zu", reached,
              compared);
    isr_ctx_free(ctx);
}
