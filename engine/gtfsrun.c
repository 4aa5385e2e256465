/*
 * gtfsrun.c — GTFS mode of `isoreach run` (issue 14): the glue between the timetable (gtfs.c),
 * the range search and catchments (profile.c) and the model and hub batch (model.c, batch.c).
 *
 * With --gtfs the model's rail network holds the timetable's stations (same order, no lines),
 * so hubs, folders, jurisdictions and stations.csv work as in lines mode. Each station's
 * catchment is built once at loading; per hub the range search gives the arrivals of every
 * departure of the window, and the percentiles over the window come from the catchments.
 * The chosen percentile (whole minutes, as R5) becomes the hub's travel time in seconds,
 * which travel_time.tif, isochrones and reach read unchanged. With --direction to the
 * window is of arrivals at the hub, and the same search runs on the timetable reversed in
 * time (t -> K - t: every trip backwards, pickup and drop-off swapped, transfers turned
 * round): the earliest arrival backwards is the latest departure forwards, and catchments
 * serve both ways (local travel costs the same either way on a cell friction).
 */
#include "internal.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

isr_status isr_gtfs_check(isr_ctx *ctx, const isr_options *opt)
{
    static const char *const only[] = {"--date", "--window", "--departure", "--step",
                                       "--percentiles", "--percentile", "--route-types"};
    if (opt->ngtfs == 0) {
        for (size_t k = 0; k < sizeof only / sizeof *only; k++)
            if (isr_options_given(opt, only[k]))
                return isr_fail(ctx, ISR_ERR_USAGE,
                                "%s is for GTFS timetables: give --gtfs PATH too", only[k]);
        return ISR_OK;
    }
    if (!opt->date)
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "--gtfs needs --date YYYY-MM-DD: the day whose timetable is searched");
    if (isr_options_given(opt, "--lines"))
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "--lines and --gtfs are two rail networks: give one of them (with "
                        "--gtfs the trains are the timetable's)");
    /* a flag that would be left unused is refused, not ignored */
    if (opt->window && isr_options_given(opt, "--departure"))
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "--departure and --window: the search leaves at one time or over a "
                        "window of them; give one of the two");
    if (!opt->window && isr_options_given(opt, "--step"))
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "--step is the minutes between the departures of a --window: give "
                        "--window HH:MM-HH:MM too");
    isr_gtfs_settings gs;
    return isr_gtfs_settings_get(ctx, opt, &gs);
}

void isr_gtfs_unused_warn(isr_ctx *ctx, const isr_options *opt)
{
    static const char *const lines_only[] = {
        "--stations",   "--stations-layer", "--lines-layer",        "--station-id",
        "--station-name", "--station-name-en", "--hub-field",       "--line-name",
        "--line-speed", "--line-headway",   "--line-headway-back",  "--line-minutes",
        "--line-stops", "--dwell",          "--wait",               "--snap"};
    if (opt->ngtfs == 0)
        return;
    isr_sb b = {0};
    int n = 0;
    for (size_t k = 0; k < sizeof lines_only / sizeof *lines_only; k++)
        if (isr_options_given(opt, lines_only[k]))
            isr_sb_printf(&b, "%s%s", n++ ? ", " : "", lines_only[k]);
    if (n)
        isr_log(ctx, ISR_LOG_WARN,
                "%s %s for a network of --stations and --lines: with --gtfs the timetable "
                "gives the stations, trains, dwells and waits, so %s nothing; leave %s out",
                b.s ? b.s : "", n > 1 ? "are" : "is", n > 1 ? "they change" : "it changes",
                n > 1 ? "them" : "it");
    free(b.s);
}

/* Reversed time: K - t stays positive for times up to 4 days (GTFS times pass 24:00). */
#define ISR_REVERSE_K (4 * 86400)

void isr_gtfs_run_free(isr_gtfs_run *gr)
{
    if (!gr)
        return;
    isr_catchments_clear(&gr->cm);
    isr_tt_index_free(gr->ix);
    isr_tt_reversed_free(gr->rev);
    isr_timetable_free(gr->tt);
    free(gr);
}

/* The timetable's stations into a rail network in `srs`. */
static isr_status stations_net(isr_ctx *ctx, const isr_timetable *tt, OGRSpatialReferenceH srs,
                               isr_rail_net **out)
{
    isr_rail_net *net = isr_rail_net_new();
    OGRSpatialReferenceH wgs84 = isr_crs_wgs84();
    OGRCoordinateTransformationH ct = wgs84 ? OCTNewCoordinateTransformation(wgs84, srs) : NULL;
    if (wgs84)
        OSRDestroySpatialReference(wgs84);
    isr_status st = ISR_OK;
    if (!net || !ct)
        st = net ? isr_fail(ctx, ISR_ERR_CRS, "cannot transform WGS 84 to the analysis CRS")
                 : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int s = 0; st == ISR_OK && s < tt->nstations; s++) {
        const isr_tt_station *sta = &tt->stations[s];
        double x = sta->lon, y = sta->lat, z = 0;
        if (!OCTTransform(ct, 1, &x, &y, &z))
            st = isr_fail(ctx, ISR_ERR_CRS,
                          "GTFS station '%s' at (%g %g) cannot be transformed to the analysis "
                          "CRS: check its stop_lon and stop_lat",
                          sta->id, sta->lon, sta->lat);
        else if (isr_rail_net_add_station(net, sta->id, sta->name ? sta->name : sta->id, x, y,
                                          0) != s)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    if (st != ISR_OK) {
        isr_rail_net_free(net);
        net = NULL;
    }
    *out = net;
    return st;
}

static int cmp_pair(const void *a, const void *b)
{
    const isr_tt_transfer *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return (x->to > y->to) - (x->to < y->to);
}

/* The network's transfer links (transfers.c: --transfer-radius, then the --transfers table)
 * as timetable changes between the stops of two stations: the link's local travel plus
 * --transfer (a change, as in lines mode). A pair of stops the feed's transfers.txt already
 * gives: a table link replaces the feed's time, the feed's time wins over a radius link. */
static isr_status footpaths(isr_ctx *ctx, const isr_options *opt, isr_timetable *tt,
                            const isr_rail_net *net)
{
    int nfeed = tt->ntransfers, nlinks = isr_rail_net_nlinks(net), by_table = 0, by_feed = 0;
    size_t cap = (size_t)nfeed; /* what tt->transfers holds at least */
    isr_tt_transfer *feed = malloc(((size_t)nfeed + 1) * sizeof *feed);
    int32_t *off = calloc((size_t)tt->nstations + 2, sizeof *off);
    int32_t *stop = malloc(((size_t)tt->nstops + 1) * sizeof *stop);
    isr_status st = ISR_OK;
    if (!feed || !off || !stop)
        goto oom;
    if (nfeed)
        memcpy(feed, tt->transfers, (size_t)nfeed * sizeof *feed);
    qsort(feed, (size_t)nfeed, sizeof *feed, cmp_pair);
    /* the stops of each station s: stop[off[s] .. off[s + 1] - 1] (counted, then placed) */
    for (int i = 0; i < tt->nstops; i++)
        off[tt->stops[i].station + 2]++;
    for (int s = 0; s < tt->nstations; s++)
        off[s + 2] += off[s + 1];
    for (int i = 0; i < tt->nstops; i++)
        stop[off[tt->stops[i].station + 1]++] = i;
    for (int k = 0; k < nlinks; k++) {
        int a, b, line;
        double s;
        isr_rail_net_link(net, k, &a, &b, &s, &line);
        int32_t min_s = (int32_t)lround(s) + tt->default_transfer_s;
        for (int32_t i = off[a]; i < off[a + 1]; i++)
            for (int32_t j = off[b]; j < off[b + 1]; j++) {
                isr_tt_transfer key = {stop[i], stop[j], min_s, tt->default_transfer_s};
                if (bsearch(&key, feed, (size_t)nfeed, sizeof *feed, cmp_pair)) {
                    by_table += line > 0;
                    by_feed += line == 0;
                    for (int r = 0; line > 0 && r < nfeed; r++) /* every feed row of the pair */
                        if (tt->transfers[r].from == key.from && tt->transfers[r].to == key.to) {
                            tt->transfers[r].min_s = min_s;
                            tt->transfers[r].pen_s = key.pen_s;
                        }
                    continue;
                }
                if ((size_t)tt->ntransfers + 1 > cap) {
                    cap = 2 * cap + 16;
                    isr_tt_transfer *np = realloc(tt->transfers, cap * sizeof *np);
                    if (!np)
                        goto oom;
                    tt->transfers = np;
                }
                tt->transfers[tt->ntransfers++] = key;
            }
    }
    if (by_table + by_feed > 0)
        isr_log(ctx, ISR_LOG_WARN,
                "GTFS: %d pair%s of stops joined by a transfer link also %s a row in the "
                "feed's transfers.txt: the --transfers table's time is used for %d (the table "
                "wins over the feed), the feed's for %d (the feed wins over --transfer-radius "
                "%g m)",
                by_table + by_feed, by_table + by_feed == 1 ? "" : "s",
                by_table + by_feed == 1 ? "has" : "have", by_table, by_feed,
                opt->transfer_radius_m);
    goto cleanup;
oom:
    st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
cleanup:
    free(feed);
    free(off);
    free(stop);
    return st;
}

/* Trips that run on past midnight (times past 24:00) belong to the day they started: the
 * timetable of --date leaves out the day before's, which may still be running in the small
 * hours of --date. Said when the window starts before the latest of them ends (any day's: the
 * calendar of the day before is not read, so this is what may run then). */
static void overnight_warn(isr_ctx *ctx, const isr_options *opt, const isr_gtfs_run *gr)
{
    int32_t late = gr->tt->latest_s - 86400;
    if (late <= gr->gs.from_s)
        return;
    isr_log(ctx, ISR_LOG_WARN,
            "GTFS: trips run on past midnight, the latest to %02d:%02d (%02d:%02d the next "
            "morning); isoreach reads the trips of one service day, %s, so the day before's "
            "that may still run at %02d:%02d are left out and travel times then may be longer "
            "than the timetable's; a --departure or --window from %02d:%02d on is clear of them",
            gr->tt->latest_s / 3600, gr->tt->latest_s / 60 % 60, late / 3600, late / 60 % 60,
            opt->date, gr->gs.from_s / 3600, gr->gs.from_s / 60 % 60, (late + 59) / 3600,
            (late + 59) / 60 % 60);
}

/* The journeys of the window may need trips of another service day than --date: leaving
 * late in the window and travelling the budget, past 24:00, where the next day's trips from
 * 00:00 are left out; with --direction to, arriving early, before 00:00, where the day before's
 * are. Said with the times that are clear of them (the day before's trips that run past
 * midnight are overnight_warn's). */
static void other_day_warn(isr_ctx *ctx, const isr_options *opt, const isr_gtfs_settings *gs)
{
    int32_t budget = (int32_t)lround(opt->budget_min * 60.0);
    int32_t step = gs->step_s > 0 ? gs->step_s : 60; /* the window's last departure */
    int32_t last = gs->to_s > gs->from_s ? gs->from_s + (gs->to_s - gs->from_s - 1) / step * step
                                         : gs->from_s;
    int to = opt->direction == ISR_TO_HUB;
    char clear[120] = "";
    if (!to && last + budget > 86400) {
        int32_t reach = last + budget - 86400, by = 86400 - budget;
        if (by > 0)
            isr_snprintf(clear, sizeof clear,
                         "; a --departure or --window ending by %02d:%02d is clear of them",
                         by / 3600, by / 60 % 60);
        isr_log(ctx, ISR_LOG_WARN,
                "GTFS: journeys leaving by %02d:%02d within the %g-minute budget run to %02d:%02d "
                "the next morning; isoreach reads the trips of one service day, %s, so the next "
                "day's trips from 00:00 are left out and travel times past midnight may be longer "
                "than the timetable's%s",
                last / 3600, last / 60 % 60, opt->budget_min, reach / 3600, reach / 60 % 60,
                opt->date, clear);
    } else if (to && gs->from_s - budget < 0) {
        int32_t start = gs->from_s - budget + 86400, from = (budget + 59) / 60 * 60;
        if (from < 86400)
            isr_snprintf(clear, sizeof clear, "; a --departure or --window from %02d:%02d on is "
                         "clear of them", from / 3600, from / 60 % 60);
        isr_log(ctx, ISR_LOG_WARN,
                "GTFS: journeys arriving from %02d:%02d within the %g-minute budget start at "
                "%02d:%02d the evening before; isoreach reads the trips of one service day, %s, "
                "so the day before's are left out and travel times then may be longer than the "
                "timetable's%s",
                gs->from_s / 3600, gs->from_s / 60 % 60, opt->budget_min, start / 3600,
                start / 60 % 60, opt->date, clear);
    }
    if (to && last >= 86400) /* arrivals past 24:00 may come by the next day's trips */
        isr_log(ctx, ISR_LOG_WARN,
                "GTFS: arrivals up to %02d:%02d (%02d:%02d the next morning) may come by the next "
                "day's trips, which isoreach leaves out (it reads the trips of one service day, "
                "%s): travel times then may be longer than the timetable's",
                last / 3600, last / 60 % 60, (last - 86400) / 3600, (last - 86400) / 60 % 60,
                opt->date);
}

isr_status isr_gtfs_load(isr_ctx *ctx, const isr_options *opt, OGRSpatialReferenceH srs,
                         isr_gtfs_run **gro, isr_rail_net **net)
{
    *gro = NULL;
    *net = NULL;
    isr_gtfs_run *gr = calloc(1, sizeof *gr);
    char *open[ISR_MAX_FEEDS] = {0};
    const char *feeds[ISR_MAX_FEEDS];
    isr_status st = gr ? isr_gtfs_settings_get(ctx, opt, &gr->gs)
                       : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int i = 0; st == ISR_OK && i < opt->ngtfs; i++) { /* URLs fetched into the cache */
        st = isr_source_check(ctx, "GTFS feed", opt->gtfs[i], &open[i]);
        feeds[i] = open[i] ? open[i] : opt->gtfs[i];
    }
    if (st == ISR_OK)
        st = isr_gtfs_read(ctx, feeds, opt->ngtfs, opt->date, opt->route_types, &gr->tt);
    if (st == ISR_OK) {
        overnight_warn(ctx, opt, gr);
        other_day_warn(ctx, opt, &gr->gs);
    }
    if (st == ISR_OK)
        st = stations_net(ctx, gr->tt, srs, net);
    if (st == ISR_OK) { /* --transfers and --transfer-radius: footpaths between stations */
        gr->tt->default_transfer_s = (int32_t)lround(opt->transfer_min * 60.0);
        if ((st = isr_transfers_add(ctx, opt, *net)) == ISR_OK)
            st = footpaths(ctx, opt, gr->tt, *net);
    }
    if (st == ISR_OK) {
        if (opt->direction == ISR_TO_HUB && !(gr->rev = isr_tt_reversed(gr->tt, ISR_REVERSE_K)))
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reversing the timetable");
        if (st == ISR_OK)
            st = isr_tt_index_new(ctx, gr->rev ? gr->rev : gr->tt, &gr->ix);
    }
    if (st == ISR_OK) {
        gr->pp = (isr_profile_params){gr->gs.from_s, gr->gs.to_s, gr->gs.step_s,
                                      (int32_t)lround(opt->budget_min * 60.0), 0};
        if (gr->rev) { /* arrivals A at the hub are departures K - A backwards: the same set */
            int n = isr_profile_nminutes(&gr->pp);
            int32_t last = gr->gs.from_s + (n - 1) * gr->gs.step_s;
            gr->pp.from_s = ISR_REVERSE_K - last;
            gr->pp.to_s = ISR_REVERSE_K - gr->gs.from_s + 1;
        }
        isr_log(ctx, ISR_LOG_INFO,
                "GTFS: %d station%s, %d trip%s on %s; departures %s (%d), percentile %g of %d",
                gr->tt->nstations, gr->tt->nstations == 1 ? "" : "s", gr->tt->ntrips,
                gr->tt->ntrips == 1 ? "" : "s", opt->date, gr->gs.label,
                isr_profile_nminutes(&gr->pp), opt->percentile, gr->gs.npct);
        if (gr->gs.added)
            isr_log(ctx, ISR_LOG_INFO, "--percentile %g added to --percentiles %s",
                    opt->percentile, opt->percentiles);
    }
    for (int i = 0; i < opt->ngtfs; i++)
        free(open[i]);
    if (st != ISR_OK) {
        isr_gtfs_run_free(gr);
        return st;
    }
    *gro = gr;
    return ISR_OK;
}

static const char *tt_station_id(const void *u, int i)
{
    return ((const isr_timetable *)u)->stations[i].id;
}

/* The alias (entrance, node, boarding area) of id p (len bytes), or -1. */
static int tt_alias(const isr_timetable *tt, const char *p, size_t len)
{
    for (int a = 0; a < tt->naliases; a++)
        if (strlen(tt->aliases[a].id) == len && strncmp(tt->aliases[a].id, p, len) == 0)
            return a;
    return -1;
}

/* A station, stop, entrance, node or boarding area id of the timetable. */
static int tt_known(const void *u, const char *id)
{
    const isr_timetable *tt = u;
    if (tt_alias(tt, id, strlen(id)) >= 0)
        return 1;
    for (int s = 0; s < tt->nstations; s++)
        if (strcmp(tt->stations[s].id, id) == 0)
            return 1;
    for (int s = 0; s < tt->nstops; s++)
        if (strcmp(tt->stops[s].id, id) == 0)
            return 1;
    return 0;
}

/* --hubs names no station: with several feeds the id may be one of theirs without its
 * feed's number (1:A); an entrance, node or boarding area may name no parent, or a station no
 * kept trip calls at; else a stop where no kept trip calls is not a station of the run. */
static isr_status hub_not_found(isr_ctx *ctx, const isr_options *opt, const isr_gtfs_run *gr,
                                const char *id, size_t len)
{
    static const char *const what[] = {"an entrance or exit", "a generic node",
                                       "a boarding area"};
    int a = tt_alias(gr->tt, id, len);
    if (a >= 0)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "--hubs: '%.*s' is %s (location_type %d) in stops.txt of the GTFS "
                        "feed%s '%s'%s, and it belongs to no station of the run: it names no "
                        "parent_station%s, or no trip of route types %s calls at that station "
                        "on %s; give the id of a station where trains call",
                        (int)len, id, what[gr->tt->aliases[a].type - 2],
                        gr->tt->aliases[a].type, opt->ngtfs > 1 ? "s" : "", opt->gtfs[0],
                        opt->ngtfs > 1 ? ", …" : "",
                        gr->tt->aliases[a].type == 4 ? " (a platform of a station)" : "",
                        opt->route_types, opt->date);
    isr_sb like = {0};
    int n = 0;
    for (int s = 0; s < gr->tt->nstations && n < 4; s++) {
        const char *sid = gr->tt->stations[s].id, *colon = strchr(sid, ':');
        if (colon && strlen(colon + 1) == len && strncmp(colon + 1, id, len) == 0)
            isr_sb_printf(&like, "%s'%s'", n++ ? ", " : "", sid);
    }
    char *hint = isr_sb_take(&like);
    isr_status st =
        n ? isr_fail(ctx, ISR_ERR_INPUT,
                     "--hubs: no station or stop has id '%.*s': with several feeds, ids carry "
                     "their feed's number: %s",
                     (int)len, id, hint ? hint : "")
          : isr_fail(ctx, ISR_ERR_INPUT,
                     "--hubs: no station or stop has id '%.*s' in the GTFS feed%s '%s'%s (on %s, "
                     "route types %s); a stop at which no trip of those route types calls that "
                     "day is no station of the run",
                     (int)len, id, opt->ngtfs > 1 ? "s" : "", opt->gtfs[0],
                     opt->ngtfs > 1 ? ", …" : "", opt->date, opt->route_types);
    free(hint);
    return st;
}

isr_status isr_gtfs_hubs(isr_ctx *ctx, const isr_options *opt, const isr_gtfs_run *gr,
                         const char *list, char **out)
{
    *out = NULL;
    if (!list)
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "--gtfs needs --hubs: give GTFS stop or parent-station ids (--hubs "
                        "S1,S2), --hubs all (every station of the timetable: %d on %s) or "
                        "--hubs @FILE (a file of ids, one per line)",
                        gr->tt->nstations, opt->date);
    char *where = isr_strdup_printf("in the GTFS feed%s '%s'%s (station or stop ids; on %s, "
                                    "route types %s)",
                                    opt->ngtfs > 1 ? "s" : "", opt->gtfs[0],
                                    opt->ngtfs > 1 ? ", …" : "", opt->date, opt->route_types);
    char *all = NULL;
    isr_hub_ids hi = {gr->tt->nstations, tt_station_id, tt_known, gr->tt, where ? where : ""};
    isr_status st = isr_hubs_expand(ctx, list, &hi, &all);
    free(where);
    if (st != ISR_OK)
        return st;
    if (all)
        list = all;
    isr_sb b = {0};
    const char *p = list;
    while (*p && st == ISR_OK) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        while (len > 0 && p[len - 1] == ' ')
            len--;
        int found = -1;
        for (int s = 0; found < 0 && s < gr->tt->nstations; s++)
            if (strlen(gr->tt->stations[s].id) == len &&
                strncmp(gr->tt->stations[s].id, p, len) == 0)
                found = s;
        for (int s = 0; found < 0 && s < gr->tt->nstops; s++)
            if (strlen(gr->tt->stops[s].id) == len && strncmp(gr->tt->stops[s].id, p, len) == 0)
                found = gr->tt->stops[s].station;
        int a = found < 0 ? tt_alias(gr->tt, p, len) : -1; /* an entrance: its station */
        if (a >= 0)
            found = gr->tt->aliases[a].station;
        if (len == 0)
            st = isr_fail(ctx, ISR_ERR_USAGE, "--hubs: '%s' is not a list of station ids", list);
        else if (found < 0)
            st = hub_not_found(ctx, opt, gr, p, len);
        else
            isr_sb_printf(&b, "%s%s", b.len ? "," : "", gr->tt->stations[found].id);
        p = end ? end + 1 : p + strlen(p);
    }
    char *s = isr_sb_take(&b);
    if (st == ISR_OK && !s)
        st = isr_fail(ctx, ISR_ERR_USAGE, "--hubs: '%s' is not a list of station ids", list);
    free(all);
    if (st != ISR_OK) {
        free(s);
        return st;
    }
    *out = s;
    return ISR_OK;
}

isr_status isr_gtfs_catchments(isr_ctx *ctx, const isr_options *opt, isr_gtfs_run *gr,
                               const isr_rail_net *net, const isr_grid *g, isr_fric fric,
                               const uint8_t *clear, float fric_min, double grid_mb)
{
    int ns = isr_rail_net_nstations(net);
    double budget_s = gr->pp.budget_s;
    gr->grid_mb = grid_mb;
    gr->max_mb = opt->max_memory_mb;
    gr->cm_bytes = isr_catchments_bytes(ns, budget_s, fric_min, g->cell_m, isr_grid_pcells(g));
    double mb = gr->cm_bytes / 1048576.0;
    if (grid_mb + mb > opt->max_memory_mb)
        return isr_fail(ctx, ISR_ERR_MEMORY,
                        "the local-travel catchments of %d GTFS stations need an estimated %.0f "
                        "MB, with the grid's %.0f MB more than --max-memory %g MB: use a "
                        "coarser --resolution, a shorter --budget or raise --max-memory",
                        ns, mb, grid_mb, opt->max_memory_mb);
    uint32_t *cell = malloc((size_t)(ns > 0 ? ns : 1) * sizeof *cell);
    if (!cell)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int s = 0; s < ns; s++) {
        double x, y;
        int c, r;
        isr_rail_station_xy(net, s, &x, &y);
        cell[s] = isr_grid_cell_of(g, x, y, &c, &r) ? (uint32_t)isr_grid_pidx(g, c, r)
                                                    : UINT32_MAX;
    }
    double t0 = isr_now_s();
    isr_status st = isr_catchments_build(ctx, g, fric, clear, fric_min, cell, ns, budget_s,
                                         &gr->cm);
    free(cell);
    if (st == ISR_OK) {
        size_t n = gr->cm.off[ns];
        isr_log(ctx, ISR_LOG_INFO,
                "catchments of %d stations: %zu cells, %.1f MB (estimated at most %.1f MB), "
                "%.1f s",
                ns, n, (double)n * 8 / 1048576.0, mb, isr_now_s() - t0);
    }
    return st;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

isr_status isr_gtfs_hub(isr_ctx *ctx, const isr_gtfs_run *gr, int s, int win[4], float **pct,
                        double *rail_s)
{
    *pct = NULL;
    int nmin = isr_profile_nminutes(&gr->pp), ns = gr->tt->nstations, npct = gr->gs.npct;
    int32_t *arr = malloc((size_t)nmin * (size_t)ns * sizeof *arr);
    int32_t *v = malloc((size_t)nmin * sizeof *v);
    float *out = NULL;
    float *bands[64];
    isr_tt_access origin = {s, 0};
    isr_status st = arr && v ? isr_profile_search(ctx, gr->ix, &origin, 1, &gr->pp, arr)
                             : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st != ISR_OK)
        goto cleanup;
    /* rail time per station: the chosen percentile (nearest rank) of arrival − departure */
    int32_t k = (int32_t)ceil(gr->gs.pct[gr->gs.chosen] * nmin / 100.0 - 1e-9);
    if (k < 1)
        k = 1;
    for (int i = 0; i < ns; i++) {
        for (int m = 0; m < nmin; m++) {
            int32_t a = arr[(size_t)m * (size_t)ns + (size_t)i];
            v[m] = a == INT32_MAX ? INT32_MAX : a - (gr->pp.from_s + m * gr->pp.step_s);
        }
        qsort(v, (size_t)nmin, sizeof *v, cmp_i32);
        rail_s[i] = v[k - 1] == INT32_MAX || v[k - 1] > gr->pp.budget_s ? INFINITY : v[k - 1];
    }
    isr_profile_window(&gr->cm, arr, &gr->pp, win);
    if (win[1] < win[0])
        goto cleanup;
    size_t n = (size_t)(win[1] - win[0] + 1) * (size_t)(win[3] - win[2] + 1);
    /* every worker may hold a window this size at once: refuse before allocating what
     * --max-memory does not allow (else the kernel's OOM killer would end the run) */
    double hub_mb = (isr_profile_percentile_bytes(n, gr->pp.budget_s) +
                     (double)n * npct * sizeof *out) / 1048576.0;
    double need = gr->grid_mb + gr->cm_bytes / 1048576.0 + hub_mb * (gr->threads > 0 ? gr->threads : 1);
    if (need > gr->max_mb) {
        st = isr_fail(ctx, ISR_ERR_MEMORY,
                      "hub '%s': the percentiles over its %zu reachable cells need %.3g MB per "
                      "worker, %.3g MB in all with the model, more than --max-memory %g MB: use "
                      "fewer --threads, a coarser --resolution, a shorter --budget or raise "
                      "--max-memory",
                      gr->tt->stations[s].id, n, hub_mb, need, gr->max_mb);
        goto cleanup;
    }
    if (!(out = malloc(n * (size_t)npct * sizeof *out))) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the percentiles of %zu cells", n);
        goto cleanup;
    }
    for (int j = 0; j < npct; j++)
        bands[j] = out + (size_t)j * n;
    st = isr_profile_percentiles(ctx, &gr->cm, arr, &gr->pp, gr->gs.pct, npct, win, bands);
cleanup:
    free(arr);
    free(v);
    if (st != ISR_OK) {
        free(out);
        out = NULL;
    }
    *pct = out;
    return st;
}

/* The window's end is excluded (07:50-08:10 every 5 min: 07:50 … 08:05, as R5 does), which
 * "over 07:50-08:10" did not say: a reader took 08:10 for a departure. */
char *isr_gtfs_when(const isr_gtfs_run *gr, const char *date)
{
    const isr_gtfs_settings *gs = &gr->gs;
    int32_t a = gs->from_s, b = gs->to_s;
    if (b - a <= 1) /* a single --departure */
        return isr_strdup_printf("%s %02d:%02d on %s", gr->rev ? "arriving" : "departing",
                                 a / 3600, a / 60 % 60, date);
    return isr_strdup_printf("over %s every %g min from %02d:%02d to before %02d:%02d on %s",
                             gr->rev ? "arrivals" : "departures", gs->step_s / 60.0, a / 3600,
                             a / 60 % 60, b / 3600, b / 60 % 60, date);
}

/* "p50 travel time (minutes) over departures every … on 2025-05-07". */
static char *band_desc(const isr_gtfs_run *gr, int j, const char *date)
{
    char *when = isr_gtfs_when(gr, date);
    char *desc = when ? isr_strdup_printf("p%g travel time (minutes) %s", gr->gs.pct[j], when)
                      : NULL;
    free(when);
    return desc;
}

isr_status isr_gtfs_write_percentiles(isr_ctx *ctx, const isr_gtfs_run *gr, const char *date,
                                      const isr_grid *g, const int win[4], const float *pct,
                                      const char *path)
{
    /* the window's cells on the grid (the window may reach into the padding) */
    int c0 = win[2] - ISR_PAD, r0 = win[0] - ISR_PAD, c1 = win[3] - ISR_PAD,
        r1 = win[1] - ISR_PAD;
    int empty = win[1] < win[0];
    if (empty) {
        c0 = r0 = c1 = r1 = 0;
    }
    c0 = c0 < 0 ? 0 : c0;
    r0 = r0 < 0 ? 0 : r0;
    c1 = c1 >= g->nx ? g->nx - 1 : c1;
    r1 = r1 >= g->ny ? g->ny - 1 : r1;
    int w = c1 - c0 + 1, h = r1 - r0 + 1, ww = win[3] - win[2] + 1, npct = gr->gs.npct;
    size_t n = empty ? 0 : (size_t)(win[1] - win[0] + 1) * (size_t)ww;
    char *tmp = isr_tmp_name(path);
    float *row = malloc((size_t)(w > 0 ? w : 1) * sizeof *row);
    char **co = CSLSetNameValue(NULL, "COMPRESS", "DEFLATE");
    co = CSLSetNameValue(co, "TILED", "YES");
    GDALDatasetH ds = tmp && row ? GDALCreate(GDALGetDriverByName("GTiff"), tmp, w, h, npct,
                                              GDT_Float32, co)
                                 : NULL;
    CSLDestroy(co);
    isr_status st = ds ? ISR_OK : isr_fail_gdal(ctx, ISR_ERR_IO, "cannot write '%s'", path);
    if (ds) {
        double gt[6];
        isr_grid_window_geotransform(g, c0, r0, gt);
        GDALSetGeoTransform(ds, gt);
        GDALSetProjection(ds, g->wkt);
    }
    for (int j = 0; ds && st == ISR_OK && j < npct; j++) {
        GDALRasterBandH b = GDALGetRasterBand(ds, j + 1);
        char *desc = band_desc(gr, j, date);
        GDALSetRasterNoDataValue(b, ISR_TIME_NODATA);
        GDALSetDescription(b, desc ? desc : "");
        GDALSetRasterUnitType(b, "min");
        free(desc);
        for (int r = 0; r < h && st == ISR_OK; r++) {
            for (int c = 0; c < w; c++) {
                float t = INFINITY;
                if (!empty) {
                    size_t i = (size_t)(r0 + r + ISR_PAD - win[0]) * (size_t)ww +
                               (size_t)(c0 + c + ISR_PAD - win[2]);
                    t = pct[(size_t)j * n + i];
                }
                row[c] = isinf(t) ? (float)ISR_TIME_NODATA : t;
            }
            if (GDALRasterIO(b, GF_Write, 0, r, w, 1, row, w, 1, GDT_Float32, 0, 0) != CE_None)
                st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot write '%s'", path);
        }
    }
    if (ds) {
        CPLErrorReset();
        GDALClose(ds); /* void before GDAL 3.7: a failed flush shows as the last error */
        if (st == ISR_OK && CPLGetLastErrorType() >= CE_Failure)
            st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot write '%s'", path);
    }
    if (st == ISR_OK)
        st = isr_commit_file(ctx, tmp, path);
    else if (tmp)
        remove(tmp);
    free(tmp);
    free(row);
    return st;
}
