/*
 * scenario_gtfs.c — a scenario in GTFS mode (issue 15): the feed's timetable copied with the
 * scenario applied, and the test that lets a hub reuse its baseline surface.
 *
 * The copy keeps the feed's stops, stations and routes at their numbers (added stations and
 * their one stop each come after, as in sc->net), and gets, per trip of the feed: nothing
 * when its route is removed (remove_line) or when fewer than two of its calls are left at
 * stations that remove_station closed (those calls are dropped); with scale_speed f its
 * runs divided by f — each run (departure at one call to arrival at the next) becomes
 * round(run / f) seconds, the first departure and every dwell (arrival to departure at a
 * call) unchanged. Each line the scenario adds (sc->net's lines: the model's network has
 * none in GTFS mode) becomes route_type 2 trips in both directions, every `headway` minutes
 * of its direction from 00:00 while the departure is before 24:00 (exact times, as
 * frequencies.txt with exact_times 1), its run times as read (minutes, or length ÷
 * speed_kmh), --dwell at its intermediate calls. Transfer links that the scenario adds
 * (added stations within --transfer-radius, add_transfer) become changes between the stops
 * of the two stations, the link's time plus --transfer as gtfsrun.c does for the model; a
 * pair the feed already has takes the scenario's time. Added stations' catchments are
 * built on the model's grid; the feed's stations keep the model's.
 */
#include "scenario.h"
#include "timetable.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REVERSE_K (4 * 86400) /* as gtfsrun.c */

typedef struct tt_build {
    isr_timetable *tt;
    size_t cap_trips, cap_st;
} tt_build;

static char *sdup(const char *s)
{
    return strdup(s ? s : "");
}

/* Room for one more trip of n calls; its stop times at tt->st[tt->nst ..]. 0, or -1. */
static int grow(tt_build *tb, int n)
{
    isr_timetable *tt = tb->tt;
    if ((size_t)tt->ntrips + 1 > tb->cap_trips) {
        size_t cap = 2 * tb->cap_trips + 64;
        isr_tt_trip *p = realloc(tt->trips, cap * sizeof *p);
        if (!p)
            return -1;
        tt->trips = p;
        tb->cap_trips = cap;
    }
    if ((size_t)tt->nst + (size_t)n > tb->cap_st) {
        size_t cap = 2 * tb->cap_st + (size_t)n + 256;
        isr_tt_stop_time *p = realloc(tt->st, cap * sizeof *p);
        if (!p)
            return -1;
        tt->st = p;
        tb->cap_st = cap;
    }
    return 0;
}

/* The feed's stops, stations, routes and transfers copied; the added stations (from sc->net,
 * their analysis coordinates back to WGS 84) with one stop each. */
static isr_status copy_names(isr_ctx *ctx, const isr_model *m, const isr_scenario *sc,
                             isr_timetable *tt)
{
    const isr_timetable *f = sc->tt;
    int na = sc->nadded_stations, nl = isr_rail_net_nlines(sc->net);
    tt->stops = calloc((size_t)(f->nstops + na) + 1, sizeof *tt->stops);
    tt->stations = calloc((size_t)(f->nstations + na) + 1, sizeof *tt->stations);
    tt->route_ids = calloc((size_t)(f->nroutes + nl) + 1, sizeof *tt->route_ids);
    tt->routes = calloc((size_t)(f->nroutes + nl) + 1, sizeof *tt->routes);
    tt->transfers = malloc(((size_t)f->ntransfers + 1) * sizeof *tt->transfers);
    tt->default_transfer_s = f->default_transfer_s;
    if (!tt->stops || !tt->stations || !tt->route_ids || !tt->routes || !tt->transfers)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    tt->nstops = f->nstops + na; /* counted once there (isr_timetable_free reads them) */
    tt->nstations = f->nstations + na;
    tt->nroutes = f->nroutes + nl;
    int bad = 0;
    for (int i = 0; i < f->nstops; i++) {
        tt->stops[i] = f->stops[i];
        tt->stops[i].id = sdup(f->stops[i].id);
        tt->stops[i].name = sdup(f->stops[i].name);
        bad |= !tt->stops[i].id || !tt->stops[i].name;
    }
    for (int i = 0; i < f->nstations; i++) {
        tt->stations[i] = f->stations[i];
        tt->stations[i].id = sdup(f->stations[i].id);
        tt->stations[i].name = sdup(f->stations[i].name);
        bad |= !tt->stations[i].id || !tt->stations[i].name;
    }
    for (int r = 0; r < f->nroutes; r++) {
        tt->route_ids[r] = sdup(f->route_ids[r]);
        tt->routes[r].short_name = sdup(f->routes ? f->routes[r].short_name : "");
        tt->routes[r].long_name = sdup(f->routes ? f->routes[r].long_name : "");
        tt->routes[r].type = f->routes ? f->routes[r].type : 2;
        bad |= !tt->route_ids[r] || !tt->routes[r].short_name || !tt->routes[r].long_name;
    }
    for (int l = 0; l < nl; l++) {
        int r = f->nroutes + l;
        tt->route_ids[r] = sdup(isr_rail_line_id(sc->net, l));
        tt->routes[r].short_name = sdup("");
        tt->routes[r].long_name = sdup(isr_rail_line_name(sc->net, l));
        tt->routes[r].type = 2;
        bad |= !tt->route_ids[r] || !tt->routes[r].short_name || !tt->routes[r].long_name;
    }
    if (f->ntransfers)
        memcpy(tt->transfers, f->transfers, (size_t)f->ntransfers * sizeof *tt->transfers);
    tt->ntransfers = f->ntransfers;
    OGRSpatialReferenceH wgs84 = isr_crs_wgs84();
    OGRCoordinateTransformationH ct =
        wgs84 ? OCTNewCoordinateTransformation(m->srs, wgs84) : NULL;
    for (int k = 0; k < na; k++) {
        int s = f->nstations + k;
        double x, y, z = 0;
        isr_rail_station_xy(sc->net, s, &x, &y);
        if (!ct || !OCTTransform(ct, 1, &x, &y, &z))
            x = y = NAN; /* for reports only: the search goes by station number */
        isr_tt_station *sta = &tt->stations[s];
        sta->id = sdup(isr_rail_station_id(sc->net, s));
        sta->name = sdup(isr_rail_station_name(sc->net, s));
        sta->lon = x;
        sta->lat = y;
        isr_tt_stop *stop = &tt->stops[f->nstops + k];
        stop->id = sdup(sta->id);
        stop->name = sdup(sta->name);
        stop->lon = x;
        stop->lat = y;
        stop->station = s;
        bad |= !sta->id || !sta->name || !stop->id || !stop->name;
    }
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    if (wgs84)
        OSRDestroySpatialReference(wgs84);
    return bad ? isr_fail(ctx, ISR_ERR_MEMORY, "out of memory") : ISR_OK;
}

/* The feed's trips with the scenario's removals, closures and speed factors. */
static int feed_trips(tt_build *tb, const isr_scenario *sc)
{
    const isr_timetable *f = sc->tt;
    isr_timetable *tt = tb->tt;
    for (int i = 0; i < f->ntrips; i++) {
        isr_tt_trip t = f->trips[i];
        double fac = sc->route_factor[t.route];
        if (fac == 0.0)
            continue;
        if (grow(tb, t.n) != 0)
            return -1;
        isr_tt_stop_time *out = tt->st + tt->nst;
        int n = 0;
        int32_t prev_old = 0, prev_new = 0; /* the last kept call's departure, old and new */
        for (int k = 0; k < t.n; k++) {
            isr_tt_stop_time c = f->st[t.first + k];
            if (sc->closed[f->stops[c.stop].station])
                continue;
            if (n > 0 && fac != 1.0) {
                int32_t dwell = c.dep - c.arr;
                c.arr = prev_new + (int32_t)lround((c.arr - prev_old) / fac);
                prev_old = c.dep;
                c.dep = c.arr + dwell;
            } else {
                prev_old = c.dep;
            }
            prev_new = c.dep;
            out[n++] = c;
        }
        if (n < 2)
            continue;
        t.first = tt->nst;
        t.n = n;
        tt->trips[tt->ntrips++] = t;
        tt->nst += n;
    }
    return 0;
}

/* Added line l as trips both ways every headway from 00:00 to 24:00; stop_of[s]: the stop
 * its trains call at in station s. */
static int line_trips(tt_build *tb, const isr_scenario *sc, int l, int32_t dwell_s,
                      const int32_t *stop_of)
{
    const isr_rail_net *net = sc->net;
    isr_timetable *tt = tb->tt;
    int ns = isr_rail_line_nstops(net, l), loop = isr_rail_line_is_loop(net, l);
    int n = loop ? ns + 1 : ns; /* a loop rides back round to its first stop */
    for (int back = 0; back < 2; back++) {
        int32_t hw = (int32_t)lround(isr_rail_line_headway(net, l, back) * 60.0);
        for (int32_t d = 0; hw > 0 && d < 86400; d += hw) {
            if (grow(tb, n) != 0)
                return -1;
            isr_tt_stop_time *out = tt->st + tt->nst;
            int32_t t = d;
            for (int k = 0; k < n; k++) {
                /* call k's stop of the line, and the segment run into it (segment i joins
                 * stop i to i + 1; backwards it is ridden from i + 1 to i) */
                int i = back ? (loop ? (ns - k) % ns : ns - 1 - k) : k % ns;
                if (k > 0)
                    t += (int32_t)lround(isr_rail_line_run_s(net, l, back ? i : k - 1));
                int32_t dw = k > 0 && k < n - 1 ? dwell_s : 0;
                out[k] = (isr_tt_stop_time){stop_of[isr_rail_line_stop(net, l, i)], t, t + dw, 0};
                t += dw;
            }
            tt->trips[tt->ntrips++] = (isr_tt_trip){tt->nst, n, sc->tt->nroutes + l, hw};
            tt->nst += n;
        }
    }
    return 0;
}

/* One change from stop a to stop b of min_s, pen_s of it --transfer: replaces the pair's
 * time when there is one. */
static int put_transfer(isr_timetable *tt, size_t *cap, int32_t a, int32_t b, int32_t min_s,
                        int32_t pen_s)
{
    for (int i = 0; i < tt->ntransfers; i++)
        if (tt->transfers[i].from == a && tt->transfers[i].to == b) {
            tt->transfers[i].min_s = min_s;
            tt->transfers[i].pen_s = pen_s;
            return 0;
        }
    if ((size_t)tt->ntransfers + 1 > *cap) {
        size_t c = 2 * *cap + 16;
        isr_tt_transfer *p = realloc(tt->transfers, c * sizeof *p);
        if (!p)
            return -1;
        tt->transfers = p;
        *cap = c;
    }
    tt->transfers[tt->ntransfers++] = (isr_tt_transfer){a, b, min_s, pen_s};
    return 0;
}

/* The scenario's links that the model's network does not have (or has with another time),
 * as changes between every stop of one station and every stop of the other. */
static int new_transfers(const isr_rail_net *base, const isr_scenario *sc, isr_timetable *tt)
{
    size_t cap = (size_t)tt->ntransfers + 1;
    for (int k = 0; k < isr_rail_net_nlinks(sc->net); k++) {
        int a, b, line, a0, b0, line0, j;
        double s, s0;
        isr_rail_net_link(sc->net, k, &a, &b, &s, &line);
        if (a < sc->nbase_stations && b < sc->nbase_stations &&
            (j = isr_rail_net_link_find(base, a, b)) >= 0) {
            isr_rail_net_link(base, j, &a0, &b0, &s0, &line0);
            if (s0 == s)
                continue; /* the model's own, already in the feed's transfers */
        }
        int32_t min_s = (int32_t)lround(s) + tt->default_transfer_s;
        for (int32_t i = 0; i < tt->nstops; i++)
            for (int32_t o = 0; tt->stops[i].station == a && o < tt->nstops; o++)
                if (tt->stops[o].station == b &&
                    put_transfer(tt, &cap, i, o, min_s, tt->default_transfer_s) != 0)
                    return -1;
    }
    return 0;
}

/* The added stations' catchments after the model's: a new isr_catchments of both (or the
 * model's, borrowed, when the scenario adds no station). */
static isr_status catchments(isr_ctx *ctx, const isr_model *m, isr_scenario *sc)
{
    const isr_catchments *b = &m->gtfs->cm;
    isr_catchments *out = &sc->gtfs->cm, add = {0};
    int na = sc->nadded_stations, nb = b->nstations;
    if (na == 0) {
        *out = *b;
        sc->cm_borrowed = 1;
        return ISR_OK;
    }
    uint32_t *cell = malloc((size_t)na * sizeof *cell);
    if (!cell)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int k = 0; k < na; k++) {
        double x, y;
        int c, r;
        isr_rail_station_xy(sc->net, sc->nbase_stations + k, &x, &y);
        cell[k] = isr_grid_cell_of(&m->grid, x, y, &c, &r)
                      ? (uint32_t)isr_grid_pidx(&m->grid, c, r)
                      : UINT32_MAX;
    }
    isr_status st = isr_catchments_build(ctx, &m->grid, isr_model_fric(m), m->clear, m->fric_min, cell,
                                         na, m->gtfs->pp.budget_s, &add);
    free(cell);
    if (st != ISR_OK) {
        isr_catchments_clear(&add);
        return st;
    }
    size_t nbc = b->off[nb], nac = add.off[na];
    /* the copy beside the model's: counted against --max-memory as the model's were */
    double mb = ((double)(nbc + nac) * 8 + (double)(nb + na) * 24) / 1048576.0;
    sc->gtfs->cm_bytes += mb * 1048576.0;
    if (sc->gtfs->grid_mb + sc->gtfs->cm_bytes / 1048576.0 > m->opt->max_memory_mb) {
        isr_catchments_clear(&add);
        return isr_fail(ctx, ISR_ERR_MEMORY,
                        "scenario '%s': the catchments of its %d added station%s beside the "
                        "feed's (copied: %.0f MB) need with the model %.0f MB, more than "
                        "--max-memory %g MB: use a coarser --resolution, a shorter --budget "
                        "or raise --max-memory",
                        sc->name, na, na == 1 ? "" : "s", mb,
                        sc->gtfs->grid_mb + sc->gtfs->cm_bytes / 1048576.0,
                        m->opt->max_memory_mb);
    }
    *out = (isr_catchments){nb + na, b->budget_s, b->pw, NULL, NULL, NULL, NULL};
    out->off = malloc(((size_t)(nb + na) + 1) * sizeof *out->off);
    out->cell = malloc((nbc + nac + 1) * sizeof *out->cell);
    out->t_s = malloc((nbc + nac + 1) * sizeof *out->t_s);
    out->bbox = malloc((size_t)(nb + na) * sizeof *out->bbox);
    if (!out->off || !out->cell || !out->t_s || !out->bbox) {
        isr_catchments_clear(&add);
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the scenario's catchments");
    }
    memcpy(out->off, b->off, ((size_t)nb + 1) * sizeof *out->off);
    for (int k = 1; k <= na; k++)
        out->off[nb + k] = nbc + add.off[k];
    memcpy(out->cell, b->cell, nbc * sizeof *out->cell);
    memcpy(out->cell + nbc, add.cell, nac * sizeof *out->cell);
    memcpy(out->t_s, b->t_s, nbc * sizeof *out->t_s);
    memcpy(out->t_s + nbc, add.t_s, nac * sizeof *out->t_s);
    memcpy(out->bbox, b->bbox, (size_t)nb * sizeof *out->bbox);
    memcpy(out->bbox + nb, add.bbox, (size_t)na * sizeof *out->bbox);
    isr_catchments_clear(&add);
    return ISR_OK;
}

/* An added line whose id is a route of the feed: refused (the ids name routes in outputs). */
static isr_status line_ids(isr_ctx *ctx, const isr_scenario *sc)
{
    for (int l = 0; l < isr_rail_net_nlines(sc->net); l++)
        for (int r = 0; r < sc->tt->nroutes; r++)
            if (strcmp(isr_rail_line_id(sc->net, l), sc->tt->route_ids[r]) == 0)
                return isr_fail(ctx, ISR_ERR_INPUT,
                                "scenario '%s' lines: line id '%s' is a route_id of the GTFS "
                                "feed; give the added line an id of its own (to replace the "
                                "route, remove it in the modifications: remove_line)",
                                sc->name, sc->tt->route_ids[r]);
    return ISR_OK;
}

/* The scenario's timetable (trips, stops, transfers), before its index. */
static isr_status timetable(isr_ctx *ctx, const isr_model *m, isr_scenario *sc,
                            isr_timetable *tt)
{
    isr_status st = copy_names(ctx, m, sc, tt);
    int32_t *stop_of = malloc(((size_t)tt->nstations + 1) * sizeof *stop_of);
    tt_build tb = {tt, 0, 0};
    if (st == ISR_OK && !stop_of)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int s = 0; st == ISR_OK && s < tt->nstations; s++)
        stop_of[s] = -1;
    for (int i = tt->nstops - 1; st == ISR_OK && i >= 0; i--) /* a station's first stop */
        stop_of[tt->stops[i].station] = i;
    int32_t dwell_s = (int32_t)lround(m->opt->dwell_min * 60.0);
    if (st == ISR_OK && feed_trips(&tb, sc) != 0)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int l = 0; st == ISR_OK && l < isr_rail_net_nlines(sc->net); l++)
        if (line_trips(&tb, sc, l, dwell_s, stop_of) != 0)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK && (isr_tt_sort_trips(tt) != 0 || new_transfers(m->net, sc, tt) != 0))
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    free(stop_of);
    return st;
}

isr_status isr_scenario_gtfs_build(isr_ctx *ctx, const isr_model *m, isr_scenario *sc)
{
    const isr_gtfs_run *base = m->gtfs;
    isr_status st = line_ids(ctx, sc);
    if (st != ISR_OK)
        return st;
    isr_gtfs_run *gr = sc->gtfs = calloc(1, sizeof *gr);
    if (!gr || !(gr->tt = calloc(1, sizeof *gr->tt)))
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    gr->gs = base->gs;
    gr->pp = base->pp;
    gr->cm_bytes = base->cm_bytes;
    gr->grid_mb = base->grid_mb;
    gr->max_mb = base->max_mb;
    gr->threads = base->threads;
    if ((st = timetable(ctx, m, sc, gr->tt)) != ISR_OK)
        return st;
    if (base->rev && !(gr->rev = isr_tt_reversed(gr->tt, REVERSE_K)))
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reversing the timetable");
    if ((st = isr_tt_index_new(ctx, gr->rev ? gr->rev : gr->tt, &gr->ix)) != ISR_OK ||
        (st = catchments(ctx, m, sc)) != ISR_OK)
        return st;
    int removed = 0, scaled = 0;
    for (int r = 0; r < sc->tt->nroutes; r++) {
        removed += sc->route_factor[r] == 0.0;
        scaled += sc->route_factor[r] != 0.0 && sc->route_factor[r] != 1.0;
    }
    isr_log(ctx, ISR_LOG_INFO,
            "scenario '%s' (GTFS): %d trip%s (the feed's %d), %d route%s removed, %d sped up or "
            "slowed, %d line%s and %d station%s added",
            sc->name, gr->tt->ntrips, gr->tt->ntrips == 1 ? "" : "s", sc->tt->ntrips, removed,
            removed == 1 ? "" : "s", scaled, isr_rail_net_nlines(sc->net),
            isr_rail_net_nlines(sc->net) == 1 ? "" : "s", sc->nadded_stations,
            sc->nadded_stations == 1 ? "" : "s");
    return ISR_OK;
}

isr_status isr_scenario_gtfs_same(isr_ctx *ctx, const isr_gtfs_run *base,
                                  const isr_scenario *sc, int s, int *same)
{
    const isr_gtfs_run *gr = sc->gtfs;
    int nmin = isr_profile_nminutes(&base->pp), nb = base->tt->nstations,
        ns = gr->tt->nstations;
    int32_t *ab = malloc((size_t)nmin * (size_t)nb * sizeof *ab + 1);
    int32_t *as = malloc((size_t)nmin * (size_t)ns * sizeof *as + 1);
    isr_tt_access origin = {s, 0};
    isr_status st = ab && as ? isr_profile_search(ctx, base->ix, &origin, 1, &base->pp, ab)
                             : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK)
        st = isr_profile_search(ctx, gr->ix, &origin, 1, &gr->pp, as);
    /* the surface is made of the arrivals at the stations with a catchment only (a station
     * off the grid or on water has none: its arrivals change nothing) */
    const size_t *off = gr->cm.off;
    *same = st == ISR_OK;
    for (int k = 0; *same && k < nmin; k++) {
        const int32_t *rb = ab + (size_t)k * (size_t)nb, *rs = as + (size_t)k * (size_t)ns;
        for (int i = 0; *same && i < ns; i++)
            *same = off[i + 1] == off[i] || (i < nb ? rb[i] == rs[i] : rs[i] == INT32_MAX);
    }
    free(ab);
    free(as);
    return st;
}
