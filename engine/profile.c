/*
 * profile.c — departure windows over a timetable (issue 14): the range search (earliest
 * arrival at every station for every departure minute), each station's local-travel catchment
 * computed once per run (R5's "propagation"), and per-cell percentiles over the window.
 *
 * The search is rRAPTOR (Delling, Pajor, Werneck 2012): RAPTOR run once per departure minute,
 * from the latest minute to the earliest, keeping every round's labels from one minute to the
 * next (a journey that leaves later is one that leaves now and waits at the origin, so the
 * labels of later minutes are valid bounds and only what improves is rescanned). Why RAPTOR
 * rather than the Connection Scan (CSA, the alternative): its rounds are rides, so minimum
 * transfer times, forbidden transfers and a cap on rides fall out of the round structure
 * (alight in round k, become ready to board in round k + 1 after the change's minimum time);
 * the budget prunes every label above dep + budget; and a round scans only trips boarded at
 * stops that improved. Each trip is scanned on its own (every trip is its own "route"), so no
 * first-in-first-out grouping of trips is needed and trips may overtake.
 *
 * Labels, per round k and stop: arr (earliest alighting, or the origin's dep + access, with at
 * most k rides) and rdy (earliest time ready to board, from arr plus a transfer edge). A change
 * from stop a to stop b costs the transfers row (a, b) when there is one (min_s < 0: forbidden),
 * else default_transfer_s when a and b belong to one station (a == b included), else is not
 * possible. At the origin no change is paid. Memory: 2 × 4 bytes × stops × rounds.
 *
 * Catchments are stored sparse (cell, seconds) per station; percentiles use a histogram per
 * window cell in whole minutes (2 bytes × (budget minutes + 1) per cell), as R5 does, but
 * rounded up, not truncated: "within M minutes" is then t <= M, as in lines mode.
 */
#include "internal.h"
#include "timetable.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NONE INT32_MAX

struct isr_tt_index {
    const isr_timetable *tt;
    int32_t *st_trip;          /* nst: the trip of each stop time */
    int32_t *bo_off, *bo_st;   /* stop -> its stop times where boarding is allowed */
    int32_t *tr_off, *tr_to, *tr_s; /* stop -> transfer edges (to, minimum seconds) */
    int32_t *tr_pen;                /* of tr_s, the --transfer (isr_tt_transfer.pen_s) */
    int32_t *sta_off, *sta_stop;    /* station -> its stops */
};

void isr_tt_index_free(isr_tt_index *ix)
{
    if (!ix)
        return;
    free(ix->st_trip);
    free(ix->bo_off);
    free(ix->bo_st);
    free(ix->tr_off);
    free(ix->tr_to);
    free(ix->tr_s);
    free(ix->tr_pen);
    free(ix->sta_off);
    free(ix->sta_stop);
    free(ix);
}

/* ---- the index ----------------------------------------------------------------------------- */

static int cmp_transfer(const void *a, const void *b)
{
    const isr_tt_transfer *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return x->to < y->to ? -1 : x->to > y->to;
}

/* The rule of a change from stop a to b given the transfers rows sorted (n of them): the
 * row's minimum (duplicates: forbidden wins, else the longest), else the station default
 * (a and b in one station), else -1 (no change possible). */
static int32_t change_cost(const isr_timetable *tt, const isr_tt_transfer *rows, int n, int a,
                           int b, int32_t *pen)
{
    isr_tt_transfer key = {a, b, 0, 0};
    const isr_tt_transfer *r = bsearch(&key, rows, (size_t)n, sizeof *rows, cmp_transfer);
    *pen = 0; /* a change within the origin's station is never relaxed (all its stops are it) */
    if (!r)
        return tt->stops[a].station == tt->stops[b].station ? tt->default_transfer_s : -1;
    while (r > rows && r[-1].from == a && r[-1].to == b)
        r--;
    int32_t c = 0;
    for (; r < rows + n && r->from == a && r->to == b; r++) {
        if (r->min_s < 0)
            return -1;
        if (r->min_s > c) {
            c = r->min_s;
            *pen = r->pen_s;
        }
    }
    return c;
}

/* Counts (pass 0) or fills (pass 1) the transfer edges of every stop: its station's stops and
 * the stops its transfers rows name, each once, with change_cost. */
static int build_edges(isr_tt_index *ix, const isr_tt_transfer *rows, int n, int pass,
                       int32_t *cnt)
{
    const isr_timetable *tt = ix->tt;
    int32_t k = 0;
    for (int a = 0; a < tt->nstops; a++) {
        int s = tt->stops[a].station;
        int32_t before = k;
        for (int32_t j = ix->sta_off[s]; j < ix->sta_off[s + 1]; j++) {
            int b = ix->sta_stop[j];
            int32_t pen, c = change_cost(tt, rows, n, a, b, &pen);
            if (c >= 0 && pass)
                ix->tr_to[k] = b, ix->tr_s[k] = c, ix->tr_pen[k] = pen;
            k += c >= 0;
        }
        isr_tt_transfer key = {a, 0, 0, 0};
        int lo = 0, hi = n; /* the first row from a */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (cmp_transfer(&rows[mid], &key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (int i = lo; i < n && rows[i].from == a; i++) {
            int b = rows[i].to;
            if (tt->stops[b].station == s || (i > lo && rows[i - 1].to == b))
                continue; /* done above, or a duplicate row */
            int32_t pen, c = change_cost(tt, rows, n, a, b, &pen);
            if (c >= 0 && pass)
                ix->tr_to[k] = b, ix->tr_s[k] = c, ix->tr_pen[k] = pen;
            k += c >= 0;
        }
        if (!pass)
            cnt[a] = k - before;
    }
    return (int)k;
}

static isr_status index_check(isr_ctx *ctx, const isr_timetable *tt)
{
    for (int i = 0; i < tt->nstops; i++)
        if (tt->stops[i].station < 0 || tt->stops[i].station >= tt->nstations)
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "timetable: stop %d ('%s') names station %d, not one of the %d "
                            "stations; rebuild the timetable",
                            i, tt->stops[i].id ? tt->stops[i].id : "?", tt->stops[i].station,
                            tt->nstations);
    for (int t = 0; t < tt->ntrips; t++)
        if (tt->trips[t].first < 0 || tt->trips[t].n < 0 ||
            tt->trips[t].first > tt->nst - tt->trips[t].n)
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "timetable: trip %d's stop times %d..%d lie outside the %d stop "
                            "times; rebuild the timetable",
                            t, tt->trips[t].first, tt->trips[t].first + tt->trips[t].n - 1,
                            tt->nst);
    for (int i = 0; i < tt->nst; i++)
        if (tt->st[i].stop < 0 || tt->st[i].stop >= tt->nstops || tt->st[i].arr > tt->st[i].dep)
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "timetable: stop time %d has stop %d (of %d) and arrives at %d s "
                            "after departing at %d s; rebuild the timetable",
                            i, tt->st[i].stop, tt->nstops, tt->st[i].arr, tt->st[i].dep);
    for (int t = 0; t < tt->ntrips; t++)
        for (int32_t i = tt->trips[t].first + 1; i < tt->trips[t].first + tt->trips[t].n; i++)
            if (tt->st[i].arr < tt->st[i - 1].dep)
                return isr_fail(ctx, ISR_ERR_INPUT,
                                "timetable: trip %d arrives at stop time %d (%d s) before it "
                                "left the one before (%d s); rebuild the timetable",
                                t, i, tt->st[i].arr, tt->st[i - 1].dep);
    for (int i = 0; i < tt->ntransfers; i++)
        if (tt->transfers[i].from < 0 || tt->transfers[i].from >= tt->nstops ||
            tt->transfers[i].to < 0 || tt->transfers[i].to >= tt->nstops)
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "timetable: transfer %d joins stops %d and %d, not both of the %d "
                            "stops; rebuild the timetable",
                            i, tt->transfers[i].from, tt->transfers[i].to, tt->nstops);
    return ISR_OK;
}

/* Fills off[0..n] from counts cnt[0..n-1] (prefix sums); returns the total. */
static int32_t prefix(int32_t *off, const int32_t *cnt, int n)
{
    off[0] = 0;
    for (int i = 0; i < n; i++)
        off[i + 1] = off[i] + cnt[i];
    return off[n];
}

static isr_status index_lists(isr_tt_index *ix, int32_t *cnt, isr_tt_transfer *rows)
{
    const isr_timetable *tt = ix->tt;
    memset(cnt, 0, (size_t)(tt->nstops + tt->nstations + 1) * sizeof *cnt);
    for (int i = 0; i < tt->nstops; i++)
        cnt[tt->stops[i].station]++;
    prefix(ix->sta_off, cnt, tt->nstations);
    for (int i = tt->nstops - 1; i >= 0; i--) /* counts back to 0: each station ascending */
        ix->sta_stop[ix->sta_off[tt->stops[i].station] + --cnt[tt->stops[i].station]] = i;
    for (int t = 0; t < tt->ntrips; t++)
        for (int32_t i = tt->trips[t].first; i < tt->trips[t].first + tt->trips[t].n; i++)
            ix->st_trip[i] = t;
    for (int i = 0; i < tt->nst; i++)
        if (!(tt->st[i].flags & ISR_TT_NO_PICKUP))
            cnt[tt->st[i].stop]++;
    int32_t nb = prefix(ix->bo_off, cnt, tt->nstops);
    ix->bo_st = malloc(((size_t)nb + 1) * sizeof *ix->bo_st);
    if (!ix->bo_st)
        return ISR_ERR_MEMORY;
    for (int i = tt->nst - 1; i >= 0; i--)
        if (!(tt->st[i].flags & ISR_TT_NO_PICKUP))
            ix->bo_st[ix->bo_off[tt->st[i].stop] + --cnt[tt->st[i].stop]] = i;
    int ne = build_edges(ix, rows, tt->ntransfers, 0, cnt);
    prefix(ix->tr_off, cnt, tt->nstops);
    ix->tr_to = malloc(((size_t)ne + 1) * sizeof *ix->tr_to);
    ix->tr_s = malloc(((size_t)ne + 1) * sizeof *ix->tr_s);
    ix->tr_pen = malloc(((size_t)ne + 1) * sizeof *ix->tr_pen);
    if (!ix->tr_to || !ix->tr_s || !ix->tr_pen)
        return ISR_ERR_MEMORY;
    build_edges(ix, rows, tt->ntransfers, 1, cnt);
    return ISR_OK;
}

isr_status isr_tt_index_new(isr_ctx *ctx, const isr_timetable *tt, isr_tt_index **out)
{
    *out = NULL;
    isr_status st = index_check(ctx, tt);
    if (st != ISR_OK)
        return st;
    isr_tt_index *ix = calloc(1, sizeof *ix);
    int32_t *cnt = malloc(((size_t)tt->nstops + (size_t)tt->nstations + 1) * sizeof *cnt);
    isr_tt_transfer *rows = malloc(((size_t)tt->ntransfers + 1) * sizeof *rows);
    st = ISR_ERR_MEMORY;
    if (!ix || !cnt || !rows)
        goto cleanup;
    ix->tt = tt;
    ix->st_trip = malloc(((size_t)tt->nst + 1) * sizeof *ix->st_trip);
    ix->bo_off = malloc(((size_t)tt->nstops + 1) * sizeof *ix->bo_off);
    ix->tr_off = malloc(((size_t)tt->nstops + 1) * sizeof *ix->tr_off);
    ix->sta_off = malloc(((size_t)tt->nstations + 1) * sizeof *ix->sta_off);
    ix->sta_stop = malloc(((size_t)tt->nstops + 1) * sizeof *ix->sta_stop);
    if (!ix->st_trip || !ix->bo_off || !ix->tr_off || !ix->sta_off || !ix->sta_stop)
        goto cleanup;
    if (tt->ntransfers)
        memcpy(rows, tt->transfers, (size_t)tt->ntransfers * sizeof *rows);
    qsort(rows, (size_t)tt->ntransfers, sizeof *rows, cmp_transfer);
    st = index_lists(ix, cnt, rows);
cleanup:
    free(cnt);
    free(rows);
    if (st != ISR_OK) {
        isr_tt_index_free(ix);
        return isr_fail(ctx, st, "timetable: out of memory indexing %d stop times",
                        tt->nst);
    }
    *out = ix;
    return ISR_OK;
}

/* ---- the range search (rRAPTOR) -------------------------------------------------------------- */

/* One search's scratch: the labels of every round so far, kept from minute to minute. */
typedef struct rr_work {
    int nstops, nrounds, cap;
    int32_t **arr, **rdy;   /* [round][stop] */
    int32_t *board;         /* per trip: the stop time boarded this round, or NONE */
    int32_t *trips, ntrips; /* the trips boarded this round */
    int32_t *mark, nmark;   /* stops whose rdy improved: boarded from next round */
    int32_t *impr, nimpr;   /* stops whose arr improved this round */
    uint8_t *in_mark, *in_impr;
} rr_work;

static void rr_free(rr_work *w)
{
    for (int k = 0; k < w->nrounds; k++) {
        free(w->arr[k]);
        free(w->rdy[k]);
    }
    free(w->arr);
    free(w->rdy);
    free(w->board);
    free(w->trips);
    free(w->mark);
    free(w->impr);
    free(w->in_mark);
    free(w->in_impr);
}

/* Makes round k exist (labels NONE); 0, or -1 when out of memory. */
static int rr_round_alloc(rr_work *w, int k)
{
    if (k < w->nrounds)
        return 0;
    if (k >= w->cap) {
        int cap = w->cap ? 2 * w->cap : 8;
        int32_t **a = realloc(w->arr, (size_t)cap * sizeof *a);
        if (!a)
            return -1;
        w->arr = a;
        int32_t **r = realloc(w->rdy, (size_t)cap * sizeof *r);
        if (!r)
            return -1;
        w->rdy = r;
        w->cap = cap;
    }
    w->arr[k] = malloc((size_t)w->nstops * sizeof **w->arr);
    w->rdy[k] = malloc((size_t)w->nstops * sizeof **w->rdy);
    if (!w->arr[k] || !w->rdy[k]) {
        free(w->arr[k]);
        free(w->rdy[k]);
        return -1;
    }
    for (int p = 0; p < w->nstops; p++)
        w->arr[k][p] = w->rdy[k][p] = NONE;
    w->nrounds = k + 1;
    return 0;
}

static int rr_init(rr_work *w, const isr_timetable *tt)
{
    memset(w, 0, sizeof *w);
    size_t ns = (size_t)tt->nstops + 1, nt = (size_t)tt->ntrips + 1;
    w->nstops = tt->nstops;
    w->board = malloc(nt * sizeof *w->board);
    w->trips = malloc(nt * sizeof *w->trips);
    w->mark = malloc(ns * sizeof *w->mark);
    w->impr = malloc(ns * sizeof *w->impr);
    w->in_mark = calloc(ns, 1);
    w->in_impr = calloc(ns, 1);
    if (!w->board || !w->trips || !w->mark || !w->impr || !w->in_mark || !w->in_impr)
        return -1;
    for (int t = 0; t < tt->ntrips; t++)
        w->board[t] = NONE;
    return rr_round_alloc(w, 0);
}

/* Ready-to-board times of round k from the stops whose arrival improved (w->impr): every
 * transfer edge, within `limit`; marks the stops that improve. */
static void rr_relax(rr_work *w, const isr_tt_index *ix, int k, int32_t limit)
{
    int32_t *ak = w->arr[k], *rk = w->rdy[k];
    for (int32_t i = 0; i < w->nimpr; i++) {
        int32_t a = w->impr[i];
        w->in_impr[a] = 0;
        for (int32_t e = ix->tr_off[a]; e < ix->tr_off[a + 1]; e++) {
            /* round 0 leaves the origin on foot: a link's walk, no change of train (lines
             * mode charges no --transfer for the first train either) */
            int64_t v = (int64_t)ak[a] + ix->tr_s[e] - (k == 0 ? ix->tr_pen[e] : 0);
            int32_t b = ix->tr_to[e];
            if (v <= limit && v < rk[b]) {
                rk[b] = (int32_t)v;
                if (!w->in_mark[b]) {
                    w->in_mark[b] = 1;
                    w->mark[w->nmark++] = b;
                }
            }
        }
    }
    w->nimpr = 0;
}

static void rr_alight(rr_work *w, int32_t *ak, int32_t stop, int32_t t)
{
    if (t < ak[stop]) {
        ak[stop] = t;
        if (!w->in_impr[stop]) {
            w->in_impr[stop] = 1;
            w->impr[w->nimpr++] = stop;
        }
    }
}

/* Round k >= 1: labels carried from round k - 1, every trip boarded at a marked stop (from its
 * earliest such stop time) ridden to where it may set down passengers, then the changes. */
static void rr_round(rr_work *w, const isr_tt_index *ix, int k, int32_t limit)
{
    const isr_timetable *tt = ix->tt;
    int32_t *ak = w->arr[k], *rk = w->rdy[k], *ap = w->arr[k - 1], *rp = w->rdy[k - 1];
    for (int p = 0; p < w->nstops; p++) {
        ak[p] = ap[p] < ak[p] ? ap[p] : ak[p];
        rk[p] = rp[p] < rk[p] ? rp[p] : rk[p];
    }
    w->ntrips = 0;
    for (int32_t m = 0; m < w->nmark; m++) {
        int32_t q = w->mark[m], ready = rp[q];
        w->in_mark[q] = 0;
        for (int32_t j = ix->bo_off[q]; j < ix->bo_off[q + 1]; j++) {
            int32_t i = ix->bo_st[j], t = ix->st_trip[i];
            if (tt->st[i].dep < ready || tt->st[i].dep > limit)
                continue;
            if (w->board[t] == NONE)
                w->trips[w->ntrips++] = t;
            if (i < w->board[t])
                w->board[t] = i;
        }
    }
    w->nmark = 0;
    for (int32_t n = 0; n < w->ntrips; n++) {
        int32_t t = w->trips[n], end = tt->trips[t].first + tt->trips[t].n;
        for (int32_t i = w->board[t] + 1; i < end && tt->st[i].arr <= limit; i++)
            if (!(tt->st[i].flags & ISR_TT_NO_DROPOFF))
                rr_alight(w, ak, tt->st[i].stop, tt->st[i].arr);
        w->board[t] = NONE;
    }
    rr_relax(w, ix, k, limit);
}

/* Round 0 for departure `dep`: the origin's stops at dep + access (ready to board at once),
 * and the changes from them. */
static void rr_origin(rr_work *w, const isr_tt_index *ix, const isr_tt_access *origin,
                      int norigin, int32_t dep, int32_t limit)
{
    int32_t *a0 = w->arr[0], *r0 = w->rdy[0];
    for (int o = 0; o < norigin; o++) {
        int64_t t = (int64_t)dep + origin[o].access_s;
        if (t > limit)
            continue;
        int32_t s = origin[o].station;
        for (int32_t j = ix->sta_off[s]; j < ix->sta_off[s + 1]; j++) {
            int32_t p = ix->sta_stop[j];
            rr_alight(w, a0, p, (int32_t)t);
            if (t < r0[p]) {
                r0[p] = (int32_t)t;
                if (!w->in_mark[p]) {
                    w->in_mark[p] = 1;
                    w->mark[w->nmark++] = p;
                }
            }
        }
    }
    rr_relax(w, ix, 0, limit);
}

/* The earliest arrival at every station (row of nstations) after the rounds of one minute:
 * the least label of any round at any of its stops, NONE above `limit`. */
static void rr_stations(const rr_work *w, const isr_tt_index *ix, int nstations, int32_t limit,
                        int32_t *row)
{
    for (int s = 0; s < nstations; s++) {
        int32_t best = NONE;
        for (int32_t j = ix->sta_off[s]; j < ix->sta_off[s + 1]; j++)
            for (int k = 0; k < w->nrounds; k++)
                if (w->arr[k][ix->sta_stop[j]] < best)
                    best = w->arr[k][ix->sta_stop[j]];
        row[s] = best <= limit ? best : NONE;
    }
}

int isr_profile_nminutes(const isr_profile_params *p)
{
    if (p->step_s <= 0 || p->to_s <= p->from_s)
        return 0;
    return (int)(((int64_t)p->to_s - p->from_s + p->step_s - 1) / p->step_s);
}

static isr_status profile_check(isr_ctx *ctx, const isr_timetable *tt,
                                const isr_tt_access *origin, int norigin,
                                const isr_profile_params *p)
{
    if (p->step_s <= 0 || p->to_s <= p->from_s)
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "departure window %d s to %d s by steps of %d s holds no departure: "
                        "give a window whose end is after its start, and a positive step",
                        p->from_s, p->to_s, p->step_s);
    if (p->budget_s <= 0 || (int64_t)p->to_s + p->budget_s > INT32_MAX - 1)
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "travel-time budget %d s: give a positive budget (and a window that "
                        "ends within the service day's 68 years)",
                        p->budget_s);
    for (int o = 0; o < norigin; o++)
        if (origin[o].station < 0 || origin[o].station >= tt->nstations ||
            origin[o].access_s < 0)
            return isr_fail(ctx, ISR_ERR_USAGE,
                            "origin %d: station %d (of %d) with access %d s; give a station of "
                            "the timetable and a time of 0 s or more",
                            o, origin[o].station, tt->nstations, origin[o].access_s);
    return ISR_OK;
}

isr_status isr_profile_search(isr_ctx *ctx, const isr_tt_index *ix, const isr_tt_access *origin,
                              int norigin, const isr_profile_params *p, int32_t *arr)
{
    const isr_timetable *tt = ix->tt;
    isr_status st = profile_check(ctx, tt, origin, norigin, p);
    if (st != ISR_OK)
        return st;
    int nmin = isr_profile_nminutes(p);
    rr_work w;
    if (rr_init(&w, tt) != 0)
        goto oom;
    for (int m = nmin - 1; m >= 0; m--) { /* latest first: later labels bound earlier ones */
        int32_t dep = p->from_s + m * p->step_s, limit = dep + p->budget_s;
        rr_origin(&w, ix, origin, norigin, dep, limit);
        for (int k = 1; w.nmark > 0 && (p->max_rides <= 0 || k <= p->max_rides); k++) {
            if (rr_round_alloc(&w, k) != 0)
                goto oom;
            rr_round(&w, ix, k, limit);
        }
        for (int32_t i = 0; i < w.nmark; i++) /* left by the ride cap */
            w.in_mark[w.mark[i]] = 0;
        w.nmark = 0;
        rr_stations(&w, ix, tt->nstations, limit, arr + (size_t)m * (size_t)tt->nstations);
        if (isr_cancelled(ctx)) {
            rr_free(&w);
            return isr_fail(ctx, ISR_ERR_INTERRUPTED, "departure window search cancelled");
        }
    }
    rr_free(&w);
    return ISR_OK;
oom:
    rr_free(&w);
    return isr_fail(ctx, ISR_ERR_MEMORY,
                    "departure window search: out of memory for the labels of %d stops",
                    tt->nstops);
}

/* ---- catchments (propagation) ---------------------------------------------------------------- */

double isr_catchments_bytes(int nstations, double budget_s, double fric_min, double cell_m,
                            size_t grid_cells)
{
    double cells = (double)grid_cells;
    if (fric_min > 0 && isfinite(fric_min) && cell_m > 0) {
        double r = budget_s / (fric_min * cell_m) + 1; /* cells, the seed's own included */
        double disc = (2 * r + 1) * (2 * r + 1);       /* the square around the disc */
        cells = disc < cells ? disc : cells;
    }
    return (double)nstations * (cells * (sizeof(uint32_t) + sizeof(float)) + 2 * sizeof(size_t) +
                                4 * sizeof(int));
}

void isr_catchments_clear(isr_catchments *c)
{
    free(c->off);
    free(c->cell);
    free(c->t_s);
    free(c->bbox);
    memset(c, 0, sizeof *c);
}

/* Appends the cells of the last search (work->touched, within budget) as station s's
 * catchment, resetting the time grid; 0, or -1 when out of memory. */
static int catchment_take(isr_catchments *c, int s, size_t pw, float *time_s, isr_cd_work *w,
                          size_t *cap)
{
    size_t n = c->off[s];
    int *bb = c->bbox[s];
    bb[0] = bb[2] = INT_MAX;
    bb[1] = bb[3] = -1;
    for (size_t i = 0; i < w->ntouched; i++) {
        uint32_t k = w->touched[i];
        float t = time_s[k];
        time_s[k] = INFINITY;
        if (!(t <= c->budget_s))
            continue;
        if (n == *cap) {
            size_t nc = *cap ? 2 * *cap : 4096;
            uint32_t *cell = realloc(c->cell, nc * sizeof *cell);
            if (cell)
                c->cell = cell;
            float *ts = realloc(c->t_s, nc * sizeof *ts);
            if (ts)
                c->t_s = ts;
            if (!cell || !ts)
                return -1;
            *cap = nc;
        }
        c->cell[n] = k;
        c->t_s[n++] = t;
        int r = (int)(k / pw), col = (int)(k % pw);
        bb[0] = r < bb[0] ? r : bb[0];
        bb[1] = r > bb[1] ? r : bb[1];
        bb[2] = col < bb[2] ? col : bb[2];
        bb[3] = col > bb[3] ? col : bb[3];
    }
    w->ntouched = 0;
    c->off[s + 1] = n;
    return 0;
}

isr_status isr_catchments_build(isr_ctx *ctx, const isr_grid *g, isr_fric fric,
                                const uint8_t *clear, float fric_min,
                                const uint32_t *station_cell, int nstations, double budget_s,
                                isr_catchments *out)
{
    memset(out, 0, sizeof *out);
    size_t pw = (size_t)isr_grid_pw(g), ph = (size_t)isr_grid_ph(g), cap = 0;
    isr_status st = ISR_ERR_MEMORY;
    isr_cd_work w = {.fric_min = fric_min};
    float *time_s = malloc(pw * ph * sizeof *time_s);
    out->nstations = nstations;
    out->pw = pw;
    out->budget_s = (float)budget_s;
    out->off = calloc((size_t)nstations + 1, sizeof *out->off);
    out->bbox = malloc(((size_t)nstations + 1) * sizeof *out->bbox);
    if (!time_s || !out->off || !out->bbox)
        goto cleanup;
    for (size_t i = 0; i < pw * ph; i++)
        time_s[i] = INFINITY;
    for (int s = 0; s < nstations; s++) {
        if (station_cell[s] != UINT32_MAX) {
            isr_seed seed = {station_cell[s], 0.0f};
            if (isr_fric_costdist(fric, clear, pw, ph, g->cell_m, &seed, 1, (float)budget_s,
                                  time_s, &w) != 0)
                goto cleanup;
        }
        if (catchment_take(out, s, pw, time_s, &w, &cap) != 0)
            goto cleanup;
        isr_progress(ctx, "catchments", (size_t)s + 1, (size_t)nstations);
        if (isr_cancelled(ctx)) {
            st = ISR_ERR_INTERRUPTED;
            goto cleanup;
        }
    }
    st = ISR_OK;
cleanup:
    free(time_s);
    isr_cd_work_free(&w);
    if (st == ISR_ERR_MEMORY)
        return isr_fail(ctx, st,
                        "station catchments: out of memory after %zu cells of %d stations "
                        "(%.0f s budget); lower --budget or coarsen --resolution",
                        out->off ? out->off[nstations] : 0, nstations, budget_s);
    if (st == ISR_ERR_INTERRUPTED)
        return isr_fail(ctx, st, "station catchments cancelled");
    return st;
}

/* ---- propagation and percentiles ------------------------------------------------------------- */

void isr_profile_window(const isr_catchments *cm, const int32_t *arr, const isr_profile_params *p,
                        int win[4])
{
    int nmin = isr_profile_nminutes(p);
    win[0] = win[2] = INT_MAX;
    win[1] = win[3] = -1;
    for (int s = 0; s < cm->nstations; s++) {
        const int *bb = cm->bbox[s];
        int used = 0;
        for (int m = 0; m < nmin && !used; m++)
            used = arr[(size_t)m * (size_t)cm->nstations + (size_t)s] != NONE;
        if (!used || bb[1] < bb[0])
            continue;
        win[0] = bb[0] < win[0] ? bb[0] : win[0];
        win[1] = bb[1] > win[1] ? bb[1] : win[1];
        win[2] = bb[2] < win[2] ? bb[2] : win[2];
        win[3] = bb[3] > win[3] ? bb[3] : win[3];
    }
}

/* The cells of window win (padded rows win[0]..win[1], columns win[2]..win[3]). */
static size_t window_cells(const int win[4])
{
    return win[1] < win[0] ? 0 : (size_t)(win[1] - win[0] + 1) * (size_t)(win[3] - win[2] + 1);
}

void isr_profile_propagate(const isr_catchments *cm, const int32_t *arr_row, int32_t dep_s,
                           float budget_s, const int win[4], float *cell_s)
{
    size_t n = window_cells(win), w = n ? (size_t)(win[3] - win[2] + 1) : 0;
    for (size_t i = 0; i < n; i++)
        cell_s[i] = INFINITY;
    for (int s = 0; s < cm->nstations; s++) {
        if (arr_row[s] == NONE || cm->off[s + 1] == cm->off[s])
            continue;
        float base = (float)((int64_t)arr_row[s] - dep_s);
        for (size_t i = cm->off[s]; i < cm->off[s + 1]; i++) {
            float t = base + cm->t_s[i];
            if (!(t <= budget_s))
                continue;
            size_t r = cm->cell[i] / (size_t)cm->pw, c = cm->cell[i] % (size_t)cm->pw;
            size_t k = (r - (size_t)win[0]) * w + (c - (size_t)win[2]);
            if (t < cell_s[k])
                cell_s[k] = t;
        }
    }
}

/* Minute bins of a histogram over [0, budget_s]: 0 … ceil(budget / 60). */
static int minute_bins(int32_t budget_s)
{
    return (int)((budget_s + 59) / 60) + 1;
}

/* The bin of t seconds: its minutes rounded up (a cell reached in 15.6 min is in minute 16,
 * so "within 15 minutes", minutes <= 15, is t <= 15 min as in lines mode; truncating, as R5
 * does, would count t < 16). 0.06 s of float rounding is forgiven: 900.00006 s is 15. */
static size_t minute_bin(float t_s, int nb)
{
    double m = ceil((double)t_s / 60.0 - 1e-3);
    return m <= 0 ? 0 : m >= nb - 1 ? (size_t)(nb - 1) : (size_t)m;
}

double isr_profile_percentile_bytes(size_t cells, int32_t budget_s)
{
    double bins = (double)minute_bins(budget_s);
    return (double)cells * (bins * sizeof(uint16_t) + sizeof(float));
}

static isr_status percentiles_check(isr_ctx *ctx, const isr_catchments *cm,
                                    const isr_profile_params *p, const double *pct, int npct)
{
    for (int j = 0; j < npct; j++)
        if (!(pct[j] > 0 && pct[j] <= 100))
            return isr_fail(ctx, ISR_ERR_USAGE,
                            "percentile %g: give percentiles above 0 and at most 100", pct[j]);
    if (isr_profile_nminutes(p) > UINT16_MAX || isr_profile_nminutes(p) == 0)
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "departure window of %d minutes: give 1 to %d departures",
                        isr_profile_nminutes(p), UINT16_MAX);
    if (cm->budget_s < (float)p->budget_s)
        return isr_fail(ctx, ISR_ERR_INTERNAL,
                        "station catchments were built for %.0f s, less than the budget of %d s",
                        (double)cm->budget_s, p->budget_s);
    return ISR_OK;
}

/* isr_profile_propagate on a window that holds +INF, listing the cells set in `touched` (each
 * once) and returning their count: a minute costs its stations' catchments, not the window. */
static size_t propagate_touched(const isr_catchments *cm, const int32_t *arr_row, int32_t dep_s,
                                float budget_s, const int win[4], float *cell_s,
                                uint32_t *touched)
{
    size_t w = (size_t)(win[3] - win[2] + 1), nt = 0;
    for (int s = 0; s < cm->nstations; s++) {
        if (arr_row[s] == NONE)
            continue;
        float base = (float)((int64_t)arr_row[s] - dep_s);
        for (size_t i = cm->off[s]; i < cm->off[s + 1]; i++) {
            float t = base + cm->t_s[i];
            if (!(t <= budget_s))
                continue;
            size_t r = cm->cell[i] / cm->pw, c = cm->cell[i] % cm->pw;
            size_t k = (r - (size_t)win[0]) * w + (c - (size_t)win[2]);
            if (isinf(cell_s[k]))
                touched[nt++] = (uint32_t)k;
            if (t < cell_s[k])
                cell_s[k] = t;
        }
    }
    return nt;
}

/* Reads the percentiles off cell i's histogram h (nb minute bins) into out[j][i]. */
static void percentiles_read(const uint16_t *h, int nb, const int32_t *rank, int npct,
                             float *const *out, size_t i)
{
    for (int j = 0; j < npct; j++) {
        int32_t cum = 0;
        int b = 0;
        while (b < nb && (cum += h[b]) < rank[j])
            b++;
        out[j][i] = b < nb ? (float)b : INFINITY;
    }
}

isr_status isr_profile_percentiles(isr_ctx *ctx, const isr_catchments *cm, const int32_t *arr,
                                   const isr_profile_params *p, const double *pct, int npct,
                                   const int win[4], float *const *out)
{
    isr_status st = percentiles_check(ctx, cm, p, pct, npct);
    if (st != ISR_OK)
        return st;
    int nmin = isr_profile_nminutes(p), nb = minute_bins(p->budget_s);
    size_t n = window_cells(win);
    int32_t rank[64];
    if (npct > 64)
        return isr_fail(ctx, ISR_ERR_USAGE, "%d percentiles: give at most 64", npct);
    for (int j = 0; j < npct; j++) /* nearest rank, 1-based; pct·N/100 exact for whole pct */
        rank[j] = (int32_t)ceil(pct[j] * nmin / 100.0 - 1e-9);
    uint16_t *hist = calloc(n * (size_t)nb + 1, sizeof *hist);
    float *cell_s = malloc((n + 1) * sizeof *cell_s);
    uint32_t *touched = malloc((n + 1) * sizeof *touched);
    if (!hist || !cell_s || !touched) {
        st = isr_fail(ctx, ISR_ERR_MEMORY,
                      "percentiles: out of memory for %zu cells × %d minutes (%.0f MB)", n, nb,
                      isr_profile_percentile_bytes(n, p->budget_s) / 1e6);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        cell_s[i] = INFINITY;
    for (int m = 0; m < nmin; m++) {
        int32_t dep = p->from_s + m * p->step_s;
        size_t nt = propagate_touched(cm, arr + (size_t)m * (size_t)cm->nstations, dep,
                                      (float)p->budget_s, win, cell_s, touched);
        for (size_t j = 0; j < nt; j++) { /* whole minutes, rounded up */
            size_t i = touched[j];
            hist[i * (size_t)nb + minute_bin(cell_s[i], nb)]++;
            cell_s[i] = INFINITY;
        }
        if (isr_cancelled(ctx)) {
            st = isr_fail(ctx, ISR_ERR_INTERRUPTED, "percentiles cancelled");
            goto cleanup;
        }
    }
    for (size_t i = 0; i < n; i++)
        percentiles_read(hist + i * (size_t)nb, nb, rank, npct, out, i);
cleanup:
    free(hist);
    free(cell_s);
    free(touched);
    return st;
}

/* ---- the timetable reversed in time (--direction to) ---------------------------------- */

/* A reversed timetable shares tt's stops, stations and route ids: only its own arrays go. */
void isr_tt_reversed_free(isr_timetable *r)
{
    if (!r)
        return;
    free(r->trips);
    free(r->st);
    free(r->transfers);
    free(r);
}

/* tt backwards in time: each trip's calls in reverse order with t -> k - t (arrival and
 * departure swapped so arrival <= departure still), no-pickup and no-drop-off swapped,
 * transfers from b to a; trips sorted by their (new) first departure, as timetable.h wants. */
isr_timetable *isr_tt_reversed(const isr_timetable *tt, int32_t k)
{
    isr_timetable *r = malloc(sizeof *r);
    if (r) {
        *r = *tt;
        r->trips = malloc((size_t)(tt->ntrips > 0 ? tt->ntrips : 1) * sizeof *r->trips);
        r->st = malloc((size_t)(tt->nst > 0 ? tt->nst : 1) * sizeof *r->st);
        r->transfers = malloc((size_t)(tt->ntransfers > 0 ? tt->ntransfers : 1) *
                              sizeof *r->transfers);
    }
    if (!r || !r->trips || !r->st || !r->transfers) {
        if (r)
            isr_tt_reversed_free(r);
        return NULL;
    }
    for (int i = 0; i < tt->ntrips; i++) {
        const isr_tt_trip *t = &tt->trips[i];
        r->trips[i] = *t;
        for (int32_t c = 0; c < t->n; c++) {
            const isr_tt_stop_time *a = &tt->st[t->first + t->n - 1 - c];
            uint8_t f = (uint8_t)(((a->flags & ISR_TT_NO_PICKUP) ? ISR_TT_NO_DROPOFF : 0) |
                                  ((a->flags & ISR_TT_NO_DROPOFF) ? ISR_TT_NO_PICKUP : 0));
            r->st[t->first + c] = (isr_tt_stop_time){a->stop, k - a->dep, k - a->arr, f};
        }
    }
    for (int i = 0; i < tt->ntransfers; i++)
        r->transfers[i] = (isr_tt_transfer){tt->transfers[i].to, tt->transfers[i].from,
                                            tt->transfers[i].min_s, tt->transfers[i].pen_s};
    if (isr_tt_sort_trips(r) != 0) { /* by the new first departures (gtfs.c) */
        isr_tt_reversed_free(r);
        return NULL;
    }
    return r;
}

