/*
 * network.c — the rail network built from a stations layer and a lines layer.
 *
 * A line's stops are the stations within snap_m of its geometry, ordered by their position
 * along it (GEOS project), which is how one draws a network in a GIS. A service that skips
 * stations (an express sharing the corridor) lists its calls in the stops field instead;
 * each must lie within snap_m of the line. Segment run times come from the line's minutes field ("17;8;;12", one entry per
 * consecutive stop pair, blank where unknown) or else from the distance along the line at
 * the line's speed. Stations on no line are warned about and listed, not fatal: they
 * simply cannot be reached by rail. Everything is checked with messages naming the layer,
 * feature and field.
 *
 * A MultiLineString is merged into one path by geometry (GEOS line merge) and oriented the
 * way most of its length was drawn, so neither part order nor a part drawn backwards changes
 * the stops or the minutes; parts that do not join are refused with the gap. A closed path
 * (ends within snap_m) is a loop: stops go round from where its first part starts, and the
 * last run time closes the ring. Warnings about lines are also kept on the network for
 * run.json, one per line.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Slower than this is a unit mistake (m/s? a typo), not a train. */
#define MIN_TRAIN_KMH 1
/* More than a day between trains is no commuter service (and a 1e300 would print as such). */
#define MAX_HEADWAY_MIN 1440

typedef struct stop {
    int station;
    double m;   /* position along the line, metres (on a loop: from its start, round) */
    double off; /* distance from the line, metres */
} stop;

/* The line of one feature as the network uses it: one LineString in the analysis CRS,
 * oriented as drawn, closed when it is a loop. `m0` is where a loop starts (position of the
 * first part's first point), `len` its length. */
typedef struct path {
    GEOSGeometry *g;
    int loop;
    double m0, len;
} path;

/* A position along a path, counted from its start (round the ring on a loop). */
static double path_pos(isr_geos *gc, const path *pa, const GEOSGeometry *pt)
{
    double m = GEOSProject_r(gc->h, pa->g, pt);
    if (pa->loop) {
        m -= pa->m0;
        if (m < 0)
            m += pa->len;
        if (m >= pa->len)
            m -= pa->len;
    }
    return m;
}

/* Logs a warning (or note) about a line and keeps it for run.json. */
static void warn_note(isr_ctx *ctx, isr_rail_net *net, isr_log_level level, char *msg)
{
    if (!msg)
        return;
    isr_log(ctx, level, "%s", msg);
    isr_rail_net_add_note(net, msg); /* out of memory: the log line is still there */
    free(msg);
}

static int cmp_stop(const void *a, const void *b)
{
    const stop *x = a, *y = b;
    return (x->m > y->m) - (x->m < y->m);
}

/* The stations of layer l added to net. `nbase` >= 0: a scenario's stations (scenario.c)
 * added to a network whose first nbase stations are the base's: no hub flag is read (the
 * hubs are the run's) and an id of the base is refused as such. */
/* Stations closer than this to another are taken for one station given twice. */
#define SAME_PLACE_M 10.0

typedef struct placed {
    double x, y;
    int s;
} placed;

static int cmp_placed_x(const void *a, const void *b)
{
    const placed *p = a, *q = b;
    int c = (p->x > q->x) - (p->x < q->x);
    return c ? c : (p->s > q->s) - (p->s < q->s);
}

/* Stations (the ones from `first` on against all) within SAME_PLACE_M of each other, said:
 * a line passing there calls at both, a stop of no distance, and a minutes field no longer
 * matches its stops (a station copied under a new id changed the people reached by 44 %,
 * said only as a count of minutes; a new-user pass). */
static void warn_same_place(isr_ctx *ctx, const isr_layer *l, isr_rail_net *net, int first)
{
    int n = isr_rail_net_nstations(net), pairs = 0, a0 = -1, b0 = -1;
    placed *p = malloc((size_t)(n > 0 ? n : 1) * sizeof *p);
    if (!p)
        return;
    for (int i = 0; i < n; i++) {
        isr_rail_station_xy(net, i, &p[i].x, &p[i].y);
        p[i].s = i;
    }
    qsort(p, (size_t)n, sizeof *p, cmp_placed_x);
    double d0 = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n && p[j].x - p[i].x <= SAME_PLACE_M; j++) {
            double d = hypot(p[j].x - p[i].x, p[j].y - p[i].y);
            if (d > SAME_PLACE_M || (p[i].s < first && p[j].s < first) || pairs++ > 0)
                continue;
            a0 = p[i].s < p[j].s ? p[i].s : p[j].s;
            b0 = p[i].s < p[j].s ? p[j].s : p[i].s;
            d0 = d;
        }
    free(p);
    if (pairs)
        isr_log(ctx, ISR_LOG_WARN,
                "%s: stations '%s' and '%s' are %.1f m apart%s: a line passing there calls at "
                "both, a stop of no distance, and its minutes field no longer matches its "
                "stops; if one station is given twice, keep one",
                l->what, isr_rail_station_id(net, a0), isr_rail_station_id(net, b0), d0,
                pairs > 1 ? " (and more pairs within 10 m)" : "");
}

static isr_status load_stations(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                                OGRSpatialReferenceH srs, isr_rail_net *net, int nbase)
{
    int f_id, f_name = -1, f_hub = -1, f_en = -1;
    isr_status st = isr_layer_field(ctx, l, opt->station_id_field, 0, &f_id);
    if (st != ISR_OK)
        return st;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(l->lyr);
    if (opt->station_name_field)
        f_name = OGR_FD_GetFieldIndex(defn, opt->station_name_field);
    if (opt->station_name_en_field) /* optional: an absent field, no English names */
        f_en = OGR_FD_GetFieldIndex(defn, opt->station_name_en_field);
    if (nbase < 0 && !opt->hubs &&
        (st = isr_layer_field(ctx, l, opt->hub_field, 1, &f_hub)) != ISR_OK)
        return st;
    if (nbase < 0 && opt->hubs)
        f_hub = OGR_FD_GetFieldIndex(defn, opt->hub_field);
    OGRCoordinateTransformationH ct = isr_layer_transform_to(ctx, l, srs);
    if (!ct)
        return ISR_ERR_CRS;
    OGR_L_ResetReading(l->lyr);
    OGRFeatureH f;
    while (st == ISR_OK && (f = isr_layer_next(ctx, l, &st)) != NULL) {
        long long fid = (long long)OGR_F_GetFID(f);
        /* copies: an Integer id's string is freed when the name is read (isr_field_str) */
        char *id = isr_layer_str(l, f, f_id);
        char *name = f_name >= 0 ? isr_layer_str(l, f, f_name) : NULL;
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        double x = 0, y = 0, z = 0;
        if (!id || (f_name >= 0 && !name))
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        else if (!*id)
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "%s: feature %lld: field '%s' is empty; every station needs a unique id",
                          l->what, fid, opt->station_id_field);
        else if ((st = isr_layer_id_check(ctx, l, f, f_id, "--station-id", id)) != ISR_OK)
            ;
        else if (nbase > 0 && isr_rail_net_find(net, id) >= 0 &&
                 isr_rail_net_find(net, id) < nbase)
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "%s: feature %lld: field '%s' is '%s', the id of a station of the base "
                          "network; give the added station a new id (to move a station, remove "
                          "it with remove_station and add one with a new id)",
                          l->what, fid, opt->station_id_field, id);
        else if (isr_rail_net_find(net, id) >= 0)
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "%s: feature %lld repeats station id '%s' (field '%s'); ids must be "
                          "unique",
                          l->what, fid, id, opt->station_id_field);
        else if (g && !OGR_G_IsEmpty(g) && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPoint &&
                 OGR_G_GetGeometryCount(g) > 1)
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "%s: feature %lld ('%s') is a multipoint of %d points, not one "
                          "station; give each station its own feature (ogr2ogr "
                          "-explodecollections splits them, each keeping the id: then make "
                          "the ids unique)",
                          l->what, fid, id, OGR_G_GetGeometryCount(g));
        else if (!g || OGR_G_IsEmpty(g) ||
                 (wkbFlatten(OGR_G_GetGeometryType(g)) != wkbPoint &&
                  wkbFlatten(OGR_G_GetGeometryType(g)) != wkbMultiPoint))
            st = isr_fail(ctx, ISR_ERR_INPUT, "%s: feature %lld ('%s') %s: give the station its "
                          "point, or delete the feature", l->what, fid, id,
                          !g || OGR_G_IsEmpty(g) ? "has no geometry" : "is not a point");
        else {
            /* a multipoint of one point (as many tools export points) is that point */
            if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPoint)
                g = OGR_G_GetGeometryRef(g, 0);
            x = OGR_G_GetX(g, 0);
            y = OGR_G_GetY(g, 0);
            if (!isfinite(x) || !isfinite(y))
                st = isr_fail(ctx, ISR_ERR_INPUT,
                              "%s: station '%s' (feature %lld) lies at (%g %g), which is no "
                              "coordinate: fix its geometry",
                              l->what, id, fid, x, y);
            else if (!OCTTransform(ct, 1, &x, &y, &z))
                st = isr_fail(ctx, ISR_ERR_CRS,
                              "%s: station '%s' (feature %lld) at (%g %g) cannot be transformed "
                              "to the analysis CRS: are these valid coordinates in its CRS "
                              "'%s'?",
                              l->what, id, fid, OGR_G_GetX(g, 0), OGR_G_GetY(g, 0),
                              OSRGetName(OGR_L_GetSpatialRef(l->lyr)));
        }
        if (st == ISR_OK) {
            int hub = f_hub >= 0 ? OGR_F_GetFieldAsDouble(f, f_hub) != 0 : 0; /* 0.5 too */
            int s = isr_rail_net_add_station(net, id, name ? name : id, x, y, hub);
            char *en = s >= 0 && f_en >= 0 ? isr_layer_str(l, f, f_en) : NULL;
            if (s < 0 || (f_en >= 0 && (!en || isr_rail_station_set_name_en(net, s, en) < 0)))
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
            free(en);
        }
        free(id);
        free(name);
        OGR_F_Destroy(f);
    }
    OCTDestroyCoordinateTransformation(ct);
    if (st == ISR_OK)
        warn_same_place(ctx, l, net, nbase < 0 ? 0 : nbase);
    return st;
}

/* Parses the minutes field into run_s (seconds); entries left NaN where blank. Returns the
 * number of entries, or -1 when an entry is not a non-negative number. */
static int parse_minutes(const char *s, double *run_s, int max)
{
    int n = 0;
    const char *p = s;
    while (*p == ' ')
        p++;
    if (!*p)
        return 0;
    for (;;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char buf[64];
        if (len >= sizeof buf)
            return -1;
        memcpy(buf, p, len);
        buf[len] = '\0';
        char *q = buf;
        while (*q == ' ')
            q++;
        double v = NAN;
        if (*q) {
            char *e;
            v = isr_strtod(q, &e);
            while (*e == ' ')
                e++;
            v *= 60.0;
            if (*e || !(v >= 0) || !isfinite(v)) /* 1e308 minutes overflow in seconds */
                return -1;
        }
        if (n < max)
            run_s[n] = v;
        n++;
        if (!end)
            break;
        p = end + 1;
    }
    return n;
}

/* The station whose id is the len bytes at p (of any length), -1 for none, -2 out of memory. */
static int find_call(const isr_rail_net *net, const char *p, size_t len)
{
    char buf[256], *id = len < sizeof buf ? buf : malloc(len + 1);
    if (!id)
        return -2;
    memcpy(id, p, len);
    id[len] = '\0';
    int s = isr_rail_net_find(net, id);
    if (id != buf)
        free(id);
    return s;
}

/* The calls listed in the stops field ("id;id;…"), in the listed order, each checked to be a
 * station within snap_m of the line. `max` is the room in `stops`. */
static isr_status explicit_stops(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                                 isr_geos *gc, const isr_rail_net *net, long long fid,
                                 const char *id, const path *pa, const char *calls, stop *stops,
                                 int max, int *n)
{
    *n = 0;
    const char *p = calls;
    for (;;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0)
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "%s: line '%s' (feature %lld): field '%s' must be station ids "
                            "separated by ';' (got '%s')",
                            l->what, id, fid, opt->line_stops_field, calls);
        int s = find_call(net, p, len);
        if (s == -2)
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        const int sl = (int)len; /* the call's id, in messages: p for sl bytes */
        /* '001' where the stations' id field is a number: it holds 1 (a new-user pass) */
        size_t z = 0;
        while (z + 1 < len && p[z] == '0')
            z++;
        int unpadded = s < 0 && z > 0 && strspn(p, "0123456789") >= len ? find_call(net, p + z,
                                                                                   len - z)
                                                                         : -1;
        if (s < 0 && unpadded >= 0)
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "%s: line '%s' (feature %lld): stop '%.*s' in field '%s' is not a "
                            "station, but '%.*s' is: the stations' field '%s' holds numbers, "
                            "which keep no leading zeros; make it a text field",
                            l->what, id, fid, sl, p, opt->line_stops_field, (int)(len - z),
                            p + z, opt->station_id_field);
        if (s < 0)
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "%s: line '%s' (feature %lld): stop '%.*s' in field '%s' is not a "
                            "station",
                            l->what, id, fid, sl, p, opt->line_stops_field);
        if (*n >= max)
            return isr_fail(ctx, ISR_ERR_INPUT, "%s: line '%s' (feature %lld) lists too many stops",
                            l->what, id, fid);
        double x, y, d = INFINITY;
        isr_rail_station_xy(net, s, &x, &y);
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(gc->h, x, y);
        if (pt)
            GEOSDistance_r(gc->h, pa->g, pt, &d);
        stops[*n].station = s;
        stops[*n].m = pt ? path_pos(gc, pa, pt) : 0;
        stops[*n].off = d;
        GEOSGeom_destroy_r(gc->h, pt);
        if (!(d <= opt->snap_m))
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "%s: line '%s' (feature %lld): stop '%.*s' in field '%s' is %.0f m "
                            "from the line, more than --snap %g m",
                            l->what, id, fid, sl, p, opt->line_stops_field, d, opt->snap_m);
        (*n)++;
        if (!end)
            break;
        p = end + 1;
    }
    /* a loop written round to its first stop again ("a;b;c;a"): the closing call is implied */
    if (pa->loop && *n > 3 && stops[*n - 1].station == stops[0].station)
        (*n)--;
    return ISR_OK;
}

/* Distance along a loop from stop a to stop b in the direction `dir` (+1 as drawn, -1). */
static double ring_dist(const path *pa, double a, double b, int dir)
{
    double d = dir > 0 ? b - a : a - b;
    if (d < 0)
        d += pa->len;
    return d;
}

/* Warns (once per line) about stations within snap_m of a line with explicit calls that
 * are not among them: the line passes them without stopping. */
static void warn_passed(isr_ctx *ctx, const isr_options *opt, const isr_layer *l, isr_geos *gc,
                        isr_rail_net *net, long long fid, const char *id, const path *pa,
                        const stop *stops, int n, char **passed_by)
{
    isr_sb b = {0};
    int count = 0;
    for (int s = 0; s < isr_rail_net_nstations(net); s++) {
        int listed = 0;
        for (int i = 0; i < n && !listed; i++)
            listed = stops[i].station == s;
        double x, y, d = INFINITY;
        isr_rail_station_xy(net, s, &x, &y);
        GEOSGeometry *pt = listed ? NULL : GEOSGeom_createPointFromXY_r(gc->h, x, y);
        if (pt && GEOSDistance_r(gc->h, pa->g, pt, &d) && d <= opt->snap_m) {
            if (!passed_by[s])
                passed_by[s] = isr_strdup_printf("line '%s' passes %.0f m from it but does not "
                                                 "list it in field '%s'",
                                                 id, d, opt->line_stops_field);
            if (count < 10)
                isr_sb_printf(&b, "%s'%s' (%.0f m)", count ? ", " : "",
                              isr_rail_station_id(net, s), d);
            count++;
        }
        GEOSGeom_destroy_r(gc->h, pt);
    }
    if (count > 10)
        isr_sb_printf(&b, " and %d more", count - 10);
    char *list = isr_sb_take(&b);
    /* an express passing stations that other lines serve is normal: a note (info, run.json);
     * a station no line stops at is warned about at the end, naming this line */
    if (count > 0)
        warn_note(ctx, net, ISR_LOG_INFO,
                  isr_strdup_printf("%s: line '%s' (feature %lld) passes within --snap %g m of "
                                    "%d station(s) not in its field '%s', and does not stop "
                                    "there: %s",
                                    l->what, id, fid, opt->snap_m, count, opt->line_stops_field,
                                    list ? list : ""));
    free(list);
}

/* The stations within snap_m of a line with no calls listed, in order along it. */
static int snapped_stops(isr_geos *gc, const isr_rail_net *net, const path *pa, double snap_m,
                         stop *stops)
{
    int n = 0;
    for (int s = 0; s < isr_rail_net_nstations(net); s++) {
        double x, y, d;
        isr_rail_station_xy(net, s, &x, &y);
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(gc->h, x, y);
        if (pt && GEOSDistance_r(gc->h, pa->g, pt, &d) && d <= snap_m) {
            stops[n].station = s;
            stops[n].m = path_pos(gc, pa, pt);
            stops[n].off = d;
            n++;
        }
        GEOSGeom_destroy_r(gc->h, pt);
    }
    qsort(stops, (size_t)n, sizeof *stops, cmp_stop);
    return n;
}

/* The minutes field has another count of entries than the line has runs: said, with the
 * stops, and the run times are computed instead. */
static void warn_minutes_count(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                               isr_rail_net *net, long long fid, const char *id,
                               const stop *stops, int n, int loop, int listed, int nseg, int nmin)
{
    isr_sb b = {0};
    for (int i = 0; i < n; i++)
        isr_sb_printf(&b, "%s'%s' (%.0f m)", i ? ", " : "",
                      isr_rail_station_id(net, stops[i].station), stops[i].off);
    char *list = isr_sb_take(&b);
    warn_note(ctx, net, ISR_LOG_WARN,
              isr_strdup_printf(
                  "%s: line '%s' (feature %lld) has %d stops on it%s, so %d run times between "
                  "them are expected%s, but field '%s' has %d entries; run times are "
                  "computed from its length and speed. Its stops%s: %s",
                  l->what, id, fid, n, loop ? " and is a loop" : "", nseg,
                  loop ? " (the last one back to the first stop)" : "",
                  opt->line_minutes_field, nmin,
                  listed ? "" : " (stations within --snap of it, in order)",
                  list ? list : ""));
    free(list);
}

/* On a loop with explicit calls, the calls may go round either way: the shorter one. */
static int loop_direction(const path *pa, const stop *stops, int n)
{
    double fwd = 0, back = 0;
    for (int i = 0; i < n; i++) {
        fwd += ring_dist(pa, stops[i].m, stops[(i + 1) % n].m, 1);
        back += ring_dist(pa, stops[i].m, stops[(i + 1) % n].m, -1);
    }
    return fwd <= back ? 1 : -1;
}

/* The nseg run times (seconds) between consecutive stops: the first nmin given in run (NaN
 * where blank), the others from the distance along the line at the speed (km/h). */
static isr_status run_times(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                            const isr_rail_net *net, long long fid, const char *id,
                            const path *pa, const stop *stops, int n, int nseg, int nmin,
                            int loop, int dir, double speed, double *run)
{
    for (int i = 0; i < nseg; i++) {
        double a = stops[i].m, b = stops[(i + 1) % n].m;
        double m = loop ? ring_dist(pa, a, b, dir) : fabs(b - a);
        if (i >= nmin || isnan(run[i])) {
            /* stations less than 1 m apart along the line are one place (run 0: one call) */
            run[i] = m < 1.0 ? 0.0 : m / (speed / 3.6);
        } else if (m >= 1.0 && m / run[i] * 3.6 > ISR_MAX_TRAIN_KMH) {
            /* a 0 meant as "unknown" would make the train instant */
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "%s: line '%s' (feature %lld): field '%s' gives %g min for the %.1f km "
                            "from '%s' to '%s', faster than %d km/h; give the run minutes between "
                            "consecutive stops, blank where unknown",
                            l->what, id, fid, opt->line_minutes_field, run[i] / 60.0, m / 1000.0,
                            isr_rail_station_id(net, stops[i].station),
                            isr_rail_station_id(net, stops[(i + 1) % n].station),
                            ISR_MAX_TRAIN_KMH);
        }
    }
    return ISR_OK;
}

/* Builds one line's stops and run times from its path (GEOS, analysis CRS). */
static isr_status add_line(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                           isr_geos *gc, isr_rail_net *net, long long fid, const char *id,
                           const char *name, const path *pa, double speed, double headway,
                           double headway_back, const char *minutes, const char *calls,
                           int *on_line, char **passed_by)
{
    int ns = isr_rail_net_nstations(net);
    int max = ns + 1;
    for (const char *c = calls ? calls : ""; *c; c++)
        max += *c == ';';
    stop *stops = malloc((size_t)max * sizeof *stops);
    int *idx = malloc((size_t)max * sizeof *idx);
    double *run = malloc((size_t)max * sizeof *run);
    double *off = malloc((size_t)max * sizeof *off);
    isr_status st = ISR_OK;
    if (!stops || !idx || !run || !off) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    int n = 0, listed = calls && *calls;
    if (listed) {
        if ((st = explicit_stops(ctx, opt, l, gc, net, fid, id, pa, calls, stops, max, &n)) !=
            ISR_OK)
            goto cleanup;
        warn_passed(ctx, opt, l, gc, net, fid, id, pa, stops, n, passed_by);
    } else {
        n = snapped_stops(gc, net, pa, opt->snap_m, stops);
    }
    int loop = pa->loop && n >= 3; /* a ring with two stops is a shuttle between them */
    int nseg = loop ? n : n - 1;
    if (n < 2) {
        warn_note(ctx, net, ISR_LOG_WARN,
                  isr_strdup_printf("%s: line '%s' (feature %lld) has %d station(s) within %g m; "
                                    "it is skipped",
                                    l->what, id, fid, n, opt->snap_m));
        goto cleanup;
    }
    int nmin = parse_minutes(minutes ? minutes : "", run, nseg);
    if (nmin < 0) {
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: line '%s' (feature %lld): field '%s' must be minutes separated by "
                      "';' (got '%s')",
                      l->what, id, fid, opt->line_minutes_field, minutes);
        goto cleanup;
    }
    if (nmin > 0 && nmin != nseg) {
        warn_minutes_count(ctx, opt, l, net, fid, id, stops, n, loop, listed, nseg, nmin);
        nmin = 0;
    }
    int dir = loop && listed ? loop_direction(pa, stops, n) : 1;
    for (int i = 0; i < n; i++) {
        idx[i] = stops[i].station;
        off[i] = stops[i].off;
        on_line[stops[i].station] = 1;
    }
    if ((st = run_times(ctx, opt, l, net, fid, id, pa, stops, n, nseg, nmin, loop, dir, speed,
                        run)) != ISR_OK)
        goto cleanup;
    st = (loop ? isr_rail_net_add_loop : isr_rail_net_add_line)(ctx, net, id, name, n, idx, run,
                                                                headway, headway_back);
    if (st == ISR_OK && isr_rail_net_set_offsets(net, isr_rail_net_nlines(net) - 1, off))
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
cleanup:
    free(stops);
    free(idx);
    free(run);
    free(off);
    return st;
}

/* End points of a LineString: e = {x0, y0, x1, y1}. */
static int line_ends(isr_geos *gc, const GEOSGeometry *g, double e[4])
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(gc->h, g);
    unsigned int n = 0;
    return cs && GEOSCoordSeq_getSize_r(gc->h, cs, &n) && n >= 1 &&
           GEOSCoordSeq_getXY_r(gc->h, cs, 0, &e[0], &e[1]) &&
           GEOSCoordSeq_getXY_r(gc->h, cs, n - 1, &e[2], &e[3]);
}

static int uf_find(int *parent, int i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

/* Why the K parts of a MultiLineString do not merge into one path: the nearest ends of two
 * parts that do not touch (the gap to close), or else a fork. Always returns an error. */
static isr_status refuse_parts(isr_ctx *ctx, const isr_layer *l, isr_geos *gc, long long fid,
                               const char *id, const GEOSGeometry *parts)
{
    int k = GEOSGetNumGeometries_r(gc->h, parts);
    double(*e)[4] = malloc((size_t)k * sizeof *e);
    int *parent = malloc((size_t)k * sizeof *parent);
    isr_status st;
    if (!e || !parent) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < k; i++) {
        parent[i] = i;
        if (!line_ends(gc, GEOSGetGeometryN_r(gc->h, parts, i), e[i]))
            e[i][0] = e[i][1] = e[i][2] = e[i][3] = NAN;
    }
    /* parts whose ends touch are joined */
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++)
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++)
                    if (e[i][2 * a] == e[j][2 * b] && e[i][2 * a + 1] == e[j][2 * b + 1])
                        parent[uf_find(parent, i)] = uf_find(parent, j);
    double best = INFINITY;
    int bi = -1, bj = -1;
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++)
            if (uf_find(parent, i) != uf_find(parent, j))
                for (int a = 0; a < 2; a++)
                    for (int b = 0; b < 2; b++) {
                        double d = hypot(e[i][2 * a] - e[j][2 * b],
                                         e[i][2 * a + 1] - e[j][2 * b + 1]);
                        if (d < best) {
                            best = d;
                            bi = i;
                            bj = j;
                        }
                    }
    if (bi >= 0)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: line '%s' (feature %lld) is a MultiLineString of %d parts that do not "
                      "join into one path: the gap between part %d and part %d is %.*f m; join "
                      "the parts, or split the line into two features",
                      l->what, id, fid, k, bi + 1, bj + 1, best < 10 ? 1 : 0, best);
    else
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: line '%s' (feature %lld) is a MultiLineString of %d parts that do not "
                      "join into one path: they fork (three or more part ends meet at one "
                      "point); split the line into one feature per branch",
                      l->what, id, fid, k);
cleanup:
    free(e);
    free(parent);
    return st;
}

/* The parts of a MultiLineString merged into one LineString (GEOS line merge; *gg NULL
 * when GEOS cannot), or an error naming the gap between parts that do not join. */
static isr_status merge_parts(isr_ctx *ctx, const isr_layer *l, isr_geos *gc, long long fid,
                              const char *id, const GEOSGeometry *parts, GEOSGeometry **gg)
{
    GEOSContextHandle_t h = gc->h;
    *gg = GEOSLineMerge_r(h, parts);
    if (*gg && GEOSGeomTypeId_r(h, *gg) == GEOS_MULTILINESTRING &&
        GEOSGetNumGeometries_r(h, *gg) == 1) {
        GEOSGeometry *one = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, *gg, 0));
        GEOSGeom_destroy_r(h, *gg);
        *gg = one;
    }
    if (*gg && GEOSGeomTypeId_r(h, *gg) != GEOS_LINESTRING)
        return refuse_parts(ctx, l, gc, fid, id, parts);
    return ISR_OK;
}

/* Turns the merged path *gg the way most of the parts' length was drawn (ties, to 1e-9: as
 * the first part), projecting two inner points of every part onto it; start is where the first part
 * starts in the path's direction (where a loop starts). */
static isr_status orient_path(isr_ctx *ctx, isr_geos *gc, const GEOSGeometry *parts,
                              GEOSGeometry **gg, double start[2])
{
    GEOSContextHandle_t h = gc->h;
    double with = 0, against = 0, e[4];
    int first_with = 1;
    for (int i = 0; i < GEOSGetNumGeometries_r(h, parts); i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, parts, i);
        double len = 0;
        GEOSLength_r(h, p, &len);
        GEOSGeometry *a = GEOSInterpolate_r(h, p, len / 3);
        GEOSGeometry *b = GEOSInterpolate_r(h, p, 2 * len / 3);
        if (a && b) {
            int w = GEOSProject_r(h, *gg, b) >= GEOSProject_r(h, *gg, a);
            *(w ? &with : &against) += len;
            if (i == 0)
                first_with = w;
        }
        GEOSGeom_destroy_r(h, a);
        GEOSGeom_destroy_r(h, b);
    }
    /* equal lengths drawn each way (as equal as the sums of the parts' lengths in floating
     * point can be): the first part decides */
    int tie = fabs(against - with) <= 1e-9 * (against + with);
    if ((!tie && against > with) || (tie && !first_with)) {
        GEOSGeometry *r = GEOSReverse_r(h, *gg);
        if (!r)
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        GEOSGeom_destroy_r(h, *gg);
        *gg = r;
        first_with = !first_with;
    }
    if (line_ends(gc, GEOSGetGeometryN_r(h, parts, 0), e)) {
        start[0] = first_with ? e[0] : e[2];
        start[1] = first_with ? e[1] : e[3];
    }
    return ISR_OK;
}

/* The LineString g with its first point (e[0], e[1]) appended, closing the ring; NULL when
 * out of memory. */
static GEOSGeometry *close_ring(isr_geos *gc, const GEOSGeometry *g, const double e[4])
{
    GEOSContextHandle_t h = gc->h;
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, g);
    unsigned int n = 0;
    GEOSCoordSeq_getSize_r(h, cs, &n);
    GEOSCoordSequence *c2 = GEOSCoordSeq_create_r(h, n + 1, 2);
    for (unsigned int i = 0; c2 && i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        GEOSCoordSeq_setXY_r(h, c2, i, x, y);
    }
    GEOSGeometry *closed = NULL;
    if (c2 && GEOSCoordSeq_setXY_r(h, c2, n, e[0], e[1]))
        closed = GEOSGeom_createLineString_r(h, c2); /* takes c2 */
    else if (c2)
        GEOSCoordSeq_destroy_r(h, c2);
    return closed;
}

/* The parts of MultiLineString m with every end that lies within a millimetre of an end of
 * an earlier part moved onto it: a line cut at the 180° meridian in lon/lat has its two ends
 * there at +180 and -180, which a CRS across the meridian maps to points a few nanometres
 * apart, and GEOS's line merge joins only ends that are equal. New geometry, or NULL when no
 * end moved (or out of memory: then m is merged as it is). */
static GEOSGeometry *snap_part_ends(isr_geos *gc, const GEOSGeometry *m)
{
    GEOSContextHandle_t h = gc->h;
    int k = GEOSGetNumGeometries_r(h, m), moved = 0;
    double(*e)[4] = malloc((size_t)(k > 0 ? k : 1) * sizeof *e);
    int ok = e != NULL;
    /* the parts' ends, each moved onto an earlier part's end within a millimetre */
    for (int i = 0; ok && i < k; i++) {
        const GEOSGeometry *g = GEOSGetGeometryN_r(h, m, i);
        unsigned int n = 0;
        ok = GEOSCoordSeq_getSize_r(h, GEOSGeom_getCoordSeq_r(h, g), &n) && n >= 2 &&
             line_ends(gc, g, e[i]);
        for (int end = 0; ok && end < 2; end++)
            for (int j = 0; j < i; j++)
                for (int b = 0; b < 2; b++) {
                    double *at = e[i] + 2 * end, *o = e[j] + 2 * b;
                    double d = hypot(at[0] - o[0], at[1] - o[1]);
                    if (d > 0 && d < 1e-3) {
                        at[0] = o[0];
                        at[1] = o[1];
                        moved = 1;
                    }
                }
    }
    /* copies only when an end moved (most lines: none, and nothing copied) */
    GEOSGeometry **p = ok && moved ? calloc((size_t)k, sizeof *p) : NULL, *out = NULL;
    for (int i = 0; p && i < k; i++) {
        GEOSCoordSequence *cs =
            GEOSCoordSeq_clone_r(h, GEOSGeom_getCoordSeq_r(h, GEOSGetGeometryN_r(h, m, i)));
        unsigned int n = 0;
        if (cs && GEOSCoordSeq_getSize_r(h, cs, &n)) {
            GEOSCoordSeq_setXY_r(h, cs, 0, e[i][0], e[i][1]);
            GEOSCoordSeq_setXY_r(h, cs, n - 1, e[i][2], e[i][3]);
        }
        if (cs && !(p[i] = GEOSGeom_createLineString_r(h, cs)))
            GEOSCoordSeq_destroy_r(h, cs);
        if (!p[i])
            break;
    }
    int whole = p != NULL;
    for (int i = 0; whole && i < k; i++)
        whole = p[i] != NULL;
    if (whole)
        out = GEOSGeom_createCollection_r(h, GEOS_MULTILINESTRING, p, (unsigned)k);
    for (int i = 0; !out && p && i < k; i++)
        if (p[i])
            GEOSGeom_destroy_r(h, p[i]);
    free(p);
    free(e);
    return out;
}

/* Turns a feature's geometry (GEOS, analysis CRS; taken over) into its path. The parts of a
 * MultiLineString are merged by their geometry (GEOS line merge), whatever the order and
 * direction they were drawn in; the path then runs the way most of its length was drawn
 * (ties: as the first part), so a part drawn backwards changes nothing. A path whose ends
 * meet, or come within snap_m, is a loop (closed with a straight segment if they only come
 * near). */
/* How much of path g (len metres long) runs over another part of itself: its length less
 * that of its union, where the stretches drawn twice count once (0 when GEOS fails: no
 * refusal on a doubt). A path that retraces itself had its stops ordered silently wrong
 * (xinzhuang called once on an out-and-back line, 2 minutes lost; a new-user pass). */
static double path_overlap(isr_geos *gc, const GEOSGeometry *g, double len)
{
    GEOSGeometry *u = GEOSUnaryUnion_r(gc->h, g);
    double ulen = 0;
    int ok = u && GEOSLength_r(gc->h, u, &ulen);
    GEOSGeom_destroy_r(gc->h, u);
    return ok && len > ulen ? len - ulen : 0;
}

static isr_status make_path(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                            isr_geos *gc, long long fid, const char *id, GEOSGeometry *gg,
                            path *pa)
{
    GEOSContextHandle_t h = gc->h;
    isr_status st = ISR_OK;
    GEOSGeometry *parts = NULL;
    memset(pa, 0, sizeof *pa);
    if (GEOSGeomTypeId_r(h, gg) == GEOS_MULTILINESTRING) {
        GEOSGeometry *snapped = snap_part_ends(gc, gg);
        if (snapped) {
            GEOSGeom_destroy_r(h, gg);
            gg = snapped;
        }
        parts = gg;
        if ((st = merge_parts(ctx, l, gc, fid, id, parts, &gg)) != ISR_OK)
            goto cleanup;
    }
    if (!gg) {
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: line '%s' (feature %lld) has a geometry GEOS cannot read%s%s", l->what,
                      id, fid, gc->msg[0] ? ": " : "", gc->msg);
        goto cleanup;
    }
    double start[2] = {0, 0}, e[4];
    if (parts) {
        if ((st = orient_path(ctx, gc, parts, &gg, start)) != ISR_OK)
            goto cleanup;
    } else if (line_ends(gc, gg, e)) {
        start[0] = e[0];
        start[1] = e[1];
    }
    GEOSLength_r(h, gg, &pa->len);
    if (line_ends(gc, gg, e)) {
        double gap = hypot(e[2] - e[0], e[3] - e[1]);
        pa->loop = gap == 0 || (gap <= opt->snap_m && pa->len > 2 * opt->snap_m);
        if (pa->loop && gap > 0) { /* close the ring: the path goes on to its first point */
            GEOSGeometry *closed = close_ring(gc, gg, e);
            if (!closed) {
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
                goto cleanup;
            }
            GEOSGeom_destroy_r(h, gg);
            gg = closed;
            GEOSLength_r(h, gg, &pa->len);
        }
    }
    double twice_m = path_overlap(gc, gg, pa->len);
    if (twice_m > opt->snap_m) {
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: line '%s' (feature %lld) runs over itself for %.1f km (a part given "
                      "twice, or a line drawn out and back): the order of its stops along it is "
                      "not one; draw each line once, one way (its trains run both ways; "
                      "--line-headway-back gives the headway against the stop order)",
                      l->what, id, fid, twice_m / 1000);
        goto cleanup;
    }
    if (pa->loop) {
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, start[0], start[1]);
        pa->m0 = pt ? GEOSProject_r(h, gg, pt) : 0;
        GEOSGeom_destroy_r(h, pt);
    }
    pa->g = gg;
    gg = NULL;
cleanup:
    if (gg)
        GEOSGeom_destroy_r(h, gg);
    if (parts)
        GEOSGeom_destroy_r(h, parts);
    return st;
}

/* A numeric field's value for messages: "empty", or the number. */
static const char *field_value(OGRFeatureH f, int i, char *buf, size_t n)
{
    if (!OGR_F_IsFieldSetAndNotNull(f, i))
        return "empty";
    isr_snprintf(buf, n, "%g", OGR_F_GetFieldAsDouble(f, i));
    return buf;
}

/* The lines layer's fields: their index in the layer, -1 where absent. */
typedef struct line_fields {
    int speed, headway, name, id, min, stops, back;
} line_fields;

static isr_status line_fields_find(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                                   line_fields *lf)
{
    isr_status st;
    lf->min = lf->stops = lf->back = -1;
    if ((st = isr_layer_field(ctx, l, opt->line_speed_field, 1, &lf->speed)) != ISR_OK ||
        (st = isr_layer_field(ctx, l, opt->line_headway_field, 1, &lf->headway)) != ISR_OK)
        return st;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(l->lyr);
    lf->name = OGR_FD_GetFieldIndex(defn, opt->line_name_field);
    lf->id = OGR_FD_GetFieldIndex(defn, "id");
    if (opt->line_minutes_field)
        lf->min = OGR_FD_GetFieldIndex(defn, opt->line_minutes_field);
    if (opt->line_stops_field)
        lf->stops = OGR_FD_GetFieldIndex(defn, opt->line_stops_field);
    if (opt->line_headway_back_field &&
        OGR_FD_GetFieldIndex(defn, opt->line_headway_back_field) >= 0 &&
        (st = isr_layer_field(ctx, l, opt->line_headway_back_field, 1, &lf->back)) != ISR_OK)
        return st;
    return ISR_OK;
}

#define ISR_STR_(x) #x
#define ISR_STR(x) ISR_STR_(x)
/* What a headway field must hold, and whether h (minutes) does. */
#define HEADWAY_RULE "it must be a positive headway in minutes, at most " ISR_STR(MAX_HEADWAY_MIN) " (a day)"
static int headway_ok(double h) { return h > 0 && isfinite(h) && h <= MAX_HEADWAY_MIN; }

/* Refuses a line's numeric field `field` (index idx): "… field 'x' is <value>; <rule>". */
static isr_status refuse_line_field(isr_ctx *ctx, const isr_layer *l, OGRFeatureH f,
                                    long long fid, const char *id, const char *field, int idx,
                                    const char *rule)
{
    char got[64];
    return isr_fail(ctx, ISR_ERR_INPUT, "%s: line '%s' (feature %lld): field '%s' is %s; %s",
                    l->what, id, fid, field, field_value(f, idx, got, sizeof got), rule);
}

/* A line's speed (km/h), headway (minutes) and geometry type checked. */
static isr_status line_check(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                             const line_fields *lf, OGRFeatureH f, long long fid, const char *id,
                             double speed, double headway)
{
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    const char *rule = NULL;
    if (!OGR_F_IsFieldSetAndNotNull(f, lf->speed) || !(speed > 0) || !isfinite(speed))
        rule = "it must be a positive speed in km/h";
    else if (speed > ISR_MAX_TRAIN_KMH)
        rule = "no train runs faster than " ISR_STR(ISR_MAX_TRAIN_KMH)
               " km/h: give the speed in km/h";
    else if (speed < MIN_TRAIN_KMH)
        rule = "no train runs slower than " ISR_STR(MIN_TRAIN_KMH) " km/h: give the speed in km/h";
    if (rule)
        return refuse_line_field(ctx, l, f, fid, id, opt->line_speed_field, lf->speed, rule);
    if (!OGR_F_IsFieldSetAndNotNull(f, lf->headway) || !headway_ok(headway))
        return refuse_line_field(ctx, l, f, fid, id, opt->line_headway_field, lf->headway,
                                 HEADWAY_RULE);
    if (!g || OGR_G_IsEmpty(g))
        return isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s: line '%s' (feature %lld) has no geometry",
                             l->what, id, fid);
    if (wkbFlatten(OGR_G_GetGeometryType(g)) != wkbLineString &&
        wkbFlatten(OGR_G_GetGeometryType(g)) != wkbMultiLineString)
        return isr_fail(ctx, ISR_ERR_INPUT, "%s: line '%s' (feature %lld) is a %s, not a line",
                        l->what, id, fid, OGR_G_GetGeometryName(g));
    return ISR_OK;
}

/* A line's geometry in the analysis CRS, through GEOS, made into its path. */
static isr_status line_path(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                            isr_geos *gc, OGRCoordinateTransformationH ct,
                            OGRFeatureH f, long long fid, const char *id, path *pa)
{
    isr_status st = ISR_OK;
    OGRGeometryH g = OGR_G_Clone(OGR_F_GetGeometryRef(f));
    double bad[2];
    if (g && isr_geom_nonfinite(g, bad)) {
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: line '%s' (feature %lld) has a vertex at (%g %g), which is no "
                      "coordinate: fix its geometry",
                      l->what, id, fid, bad[0], bad[1]);
        goto cleanup;
    }
    if (isr_layer_geom_to(l, g, ct) != OGRERR_NONE) {
        st = isr_fail(ctx, ISR_ERR_CRS,
                      "%s: line '%s' (feature %lld) cannot be transformed to the analysis CRS",
                      l->what, id, fid);
        goto cleanup;
    }
    GEOSGeometry *gg = isr_geos_from_ogr(gc, g);
    if (!gg)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: line '%s' (feature %lld) has a geometry GEOS cannot read "
                      "(a line needs two or more distinct points)%s%s",
                      l->what, id, fid, gc->msg[0] ? ": " : "", gc->msg);
    else
        st = make_path(ctx, opt, l, gc, fid, id, gg, pa); /* takes gg */
cleanup:
    OGR_G_DestroyGeometry(g);
    return st;
}

/* Against the stop order: the back headway (minutes) where given, else the same. */
static isr_status line_headway_back(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                                    const line_fields *lf, OGRFeatureH f, long long fid,
                                    const char *id, double headway, double *back)
{
    *back = headway;
    if (lf->back < 0 || !OGR_F_IsFieldSetAndNotNull(f, lf->back))
        return ISR_OK;
    *back = OGR_F_GetFieldAsDouble(f, lf->back);
    if (!headway_ok(*back))
        return refuse_line_field(ctx, l, f, fid, id, opt->line_headway_back_field, lf->back,
                                 HEADWAY_RULE);
    return ISR_OK;
}

/* What load_lines reads every feature with. */
typedef struct line_reader {
    const isr_options *opt;
    const isr_layer *l;
    line_fields lf;
    OGRCoordinateTransformationH ct;
    isr_geos gc;
    int nbase_lines; /* a scenario's lines: the base's are the first nbase_lines (else -1) */
    int nl0;         /* lines of the network before this layer's */
    long long *fid;  /* per line of this layer (line nl0 + k): its feature, for messages */
    int cap;
} line_reader;

char *isr_network_line_id(const isr_layer *l, OGRFeatureH f, int f_id, int f_name,
                          int *from_id)
{
    char buf[32];
    *from_id = f_id >= 0 && OGR_F_IsFieldSetAndNotNull(f, f_id);
    if (*from_id)
        return l ? isr_layer_str(l, f, f_id) : isr_field_str(f, f_id);
    if (f_name >= 0 && OGR_F_IsFieldSetAndNotNull(f, f_name))
        return isr_field_str(f, f_name);
    snprintf(buf, sizeof buf, "%lld", (long long)OGR_F_GetFID(f));
    return strdup(buf);
}

/* Feature `fid` has just become the network's last line (id `id`, from field 'id' when
 * from_id): its feature number is kept for messages, and when an earlier line of this layer
 * (number `dup`) has the same explicit id, both features are named in a warning. Both stay
 * lines and a scenario row naming the id changes both (scenario_mods.c). An explicit id
 * given twice is more likely a copy-paste slip than a line drawn in parts, whose features
 * share a name when there is no field 'id': that is not warned about. */
static isr_status line_added(isr_ctx *ctx, line_reader *lr, isr_rail_net *net, long long fid,
                             const char *id, int from_id, int dup)
{
    int k = isr_rail_net_nlines(net) - 1 - lr->nl0;
    if (k >= lr->cap) {
        int cap = lr->cap ? 2 * lr->cap : 64;
        long long *g = realloc(lr->fid, (size_t)cap * sizeof *g);
        if (!g)
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        lr->fid = g;
        lr->cap = cap;
    }
    lr->fid[k] = fid;
    if (from_id && dup >= lr->nl0)
        warn_note(ctx, net, ISR_LOG_WARN,
                  isr_strdup_printf("%s: features %lld and %lld have the same id '%s' (field "
                                    "'id'); they stay two lines, and a scenario row naming '%s' "
                                    "changes both: give each feature its own id to tell them "
                                    "apart",
                                    lr->l->what, lr->fid[dup - lr->nl0], fid, id, id));
    return ISR_OK;
}

/* One feature of the lines layer, checked and added to the network. */
static isr_status load_line(isr_ctx *ctx, line_reader *lr, OGRFeatureH f, isr_rail_net *net,
                            int *on_line, char **passed_by)
{
    const isr_layer *l = lr->l;
    const line_fields *lf = &lr->lf;
    isr_status st = ISR_OK;
    long long fid = (long long)OGR_F_GetFID(f);
    char fidbuf[32];
    snprintf(fidbuf, sizeof fidbuf, "%lld", fid);
    /* copies: OGR frees the string of a non-string field at the next read (isr_field_str) */
    int from_id;
    char *sid = isr_network_line_id(l, f, lf->id, lf->name, &from_id);
    char *sname = lf->name >= 0 ? isr_layer_str(l, f, lf->name) : NULL;
    char *minutes = isr_layer_str(l, f, lf->min), *calls = isr_layer_str(l, f, lf->stops);
    const char *id = sid ? sid : fidbuf, *name = sname ? sname : id;
    double speed = OGR_F_GetFieldAsDouble(f, lf->speed);
    double headway = OGR_F_GetFieldAsDouble(f, lf->headway), back;
    path pa = {0};
    if (!sid || (lf->name >= 0 && !sname) || !minutes || !calls)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    else /* the id, or the name standing for it, identifies the line */
        st = isr_layer_id_check(ctx, l, f, from_id ? lf->id : lf->name,
                                from_id ? "the line id" : "--line-name, the line's id", sid);
    int dup = st == ISR_OK ? isr_rail_line_find(net, id) : -1, nl = isr_rail_net_nlines(net);
    if (dup >= 0 && dup < lr->nbase_lines) {
        char from[200];
        if (from_id)
            snprintf(from, sizeof from, "field 'id' is '%s'", id);
        else /* the id came from the name: no field 'id' there to point to */
            snprintf(from, sizeof from, "its id is '%s' (its name in field '%s', field 'id' "
                     "being absent or blank)", id, lr->opt->line_name_field);
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: feature %lld: %s, the id of a line of the base network; give the "
                      "added line a new id (to change a base line, use the modifications table)",
                      l->what, fid, from);
    }
    if (st == ISR_OK)
        st = line_check(ctx, lr->opt, l, lf, f, fid, id, speed, headway);
    if (st == ISR_OK)
        st = line_path(ctx, lr->opt, l, &lr->gc, lr->ct, f, fid, id, &pa);
    if (st == ISR_OK)
        st = line_headway_back(ctx, lr->opt, l, lf, f, fid, id, headway, &back);
    if (st == ISR_OK)
        st = add_line(ctx, lr->opt, l, &lr->gc, net, fid, id, name, &pa, speed, headway, back,
                      minutes, calls, on_line, passed_by);
    if (st == ISR_OK && isr_rail_net_nlines(net) > nl) /* not skipped (fewer than 2 stops) */
        st = line_added(ctx, lr, net, fid, id, from_id, dup);
    if (pa.g)
        GEOSGeom_destroy_r(lr->gc.h, pa.g);
    free(sid);
    free(sname);
    free(minutes);
    free(calls);
    return st;
}

/* How many stations lines a and b both call at. */
static int common_stops(const isr_rail_net *net, int a, int b)
{
    int n = 0;
    for (int i = 0; i < isr_rail_line_nstops(net, a); i++)
        for (int j = 0; j < isr_rail_line_nstops(net, b); j++)
            n += isr_rail_line_stop(net, a, i) == isr_rail_line_stop(net, b, j);
    return n;
}

/* Lines of this layer that share an id (pieces or branches drawn as features under one name)
 * and meet end to end at a station, their only one in common, are two lines there: a trip
 * through it changes trains, paying --transfer and a wait. Said once, with the first such pair and how many there are
 * (a planner's lines cut at a county border made Sendai to Yamagata 34 minutes longer, in
 * silence). */
static void warn_pieces(isr_ctx *ctx, const line_reader *lr, isr_rail_net *net)
{
    int nl = isr_rail_net_nlines(net), npairs = 0, a0 = -1, b0 = -1, at0 = -1;
    for (int a = lr->nl0; a < nl; a++) {
        int na = isr_rail_line_nstops(net, a);
        if (na < 2 || isr_rail_line_is_loop(net, a))
            continue;
        for (int b = a + 1; b < nl; b++) {
            int nb = isr_rail_line_nstops(net, b);
            if (nb < 2 || isr_rail_line_is_loop(net, b) ||
                strcmp(isr_rail_line_id(net, a), isr_rail_line_id(net, b)) != 0)
                continue;
            int ea[2] = {isr_rail_line_stop(net, a, 0), isr_rail_line_stop(net, a, na - 1)};
            int eb[2] = {isr_rail_line_stop(net, b, 0), isr_rail_line_stop(net, b, nb - 1)};
            int at = ea[0] == eb[0] || ea[0] == eb[1] ? ea[0]
                     : ea[1] == eb[0] || ea[1] == eb[1] ? ea[1]
                                                        : -1;
            if (at >= 0 && common_stops(net, a, b) == 1 && !npairs++) {
                a0 = a;
                b0 = b;
                at0 = at;
            }
        }
    }
    char more[64] = "";
    if (npairs > 1)
        snprintf(more, sizeof more, " (and %d more such pairs)", npairs - 1);
    if (npairs)
        warn_note(ctx, net, ISR_LOG_WARN,
                  isr_strdup_printf(
                      "%s: features %lld and %lld share the id '%s' and meet end to end at "
                      "station '%s'%s: they are two lines, so a trip through it changes trains "
                      "there (--transfer and a wait for the other's train); where trains run "
                      "through, draw the service as one feature (a MultiLineString)",
                      lr->l->what, lr->fid[a0 - lr->nl0], lr->fid[b0 - lr->nl0],
                      isr_rail_line_id(net, a0), isr_rail_station_id(net, at0), more));
}

static isr_status load_lines(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                             OGRSpatialReferenceH srs, isr_rail_net *net, int *on_line,
                             char **passed_by, int nbase_lines)
{
    line_reader lr = {.opt = opt, .l = l, .nbase_lines = nbase_lines,
                      .nl0 = isr_rail_net_nlines(net)};
    isr_status st = line_fields_find(ctx, opt, l, &lr.lf);
    if (st != ISR_OK)
        return st;
    lr.ct = isr_layer_transform_to(ctx, l, srs);
    if (!lr.ct)
        return ISR_ERR_CRS;
    isr_geos_init(&lr.gc);
    OGR_L_ResetReading(l->lyr);
    OGRFeatureH f;
    while (st == ISR_OK && (f = isr_layer_next(ctx, l, &st)) != NULL) {
        st = load_line(ctx, &lr, f, net, on_line, passed_by);
        OGR_F_Destroy(f);
    }
    if (st == ISR_OK)
        warn_pieces(ctx, &lr, net);
    isr_geos_finish(&lr.gc);
    OCTDestroyCoordinateTransformation(lr.ct);
    free(lr.fid);
    return st;
}

isr_status isr_network_load(isr_ctx *ctx, const isr_options *opt, OGRSpatialReferenceH srs,
                            isr_rail_net **out)
{
    *out = NULL;
    isr_layer ls = {0}, ll = {0};
    isr_status st;
    if ((st = isr_layer_open_enc(ctx, &ls, "stations", opt->stations, opt->stations_layer,
                                 wkbPoint, opt->encoding)) == ISR_OK &&
        (st = isr_layer_open_enc(ctx, &ll, "lines", opt->lines, opt->lines_layer, wkbLineString,
                                 opt->encoding)) == ISR_OK)
        st = isr_network_read(ctx, opt, &ls, &ll, srs, out);
    isr_layer_close(&ls);
    isr_layer_close(&ll);
    return st;
}

isr_status isr_network_read(isr_ctx *ctx, const isr_options *opt, const isr_layer *sl,
                            const isr_layer *ll, OGRSpatialReferenceH srs, isr_rail_net **out)
{
    *out = NULL;
    isr_rail_net *net = isr_rail_net_new();
    int *on_line = NULL;
    char **passed_by = NULL; /* per station: the first line passing it without stopping */
    isr_status st;
    if (!net)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if ((st = load_stations(ctx, opt, sl, srs, net, -1)) != ISR_OK)
        goto cleanup;
    on_line = calloc((size_t)isr_rail_net_nstations(net), sizeof *on_line);
    passed_by = calloc((size_t)isr_rail_net_nstations(net), sizeof *passed_by);
    if (!on_line || !passed_by) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if ((st = load_lines(ctx, opt, ll, srs, net, on_line, passed_by, -1)) != ISR_OK)
        goto cleanup;
    if (isr_rail_net_nlines(net) == 0) {
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: no line has two stations within %g m of it: are the stations and "
                      "lines of the same network (or raise --snap)?",
                      ll->what, opt->snap_m);
        goto cleanup;
    }
    for (int s = 0; s < isr_rail_net_nstations(net); s++)
        if (!on_line[s] && passed_by[s])
            isr_log(ctx, ISR_LOG_WARN,
                    "%s: station '%s' is a stop of no line: %s; it is reached by local travel "
                    "only",
                    sl->what, isr_rail_station_id(net, s), passed_by[s]);
        else if (!on_line[s])
            isr_log(ctx, ISR_LOG_WARN,
                    "%s: station '%s' is not within %g m of any line; it is reached by local "
                    "travel only",
                    sl->what, isr_rail_station_id(net, s), opt->snap_m);
    if ((st = isr_transfers_add(ctx, opt, net)) != ISR_OK)
        goto cleanup;
    *out = net;
    net = NULL;
cleanup:
    for (int s = 0; passed_by && s < isr_rail_net_nstations(net ? net : *out); s++)
        free(passed_by[s]);
    free(passed_by);
    free(on_line);
    isr_rail_net_free(net);
    return st;
}

/* ---- a scenario's stations and lines (scenario.c) ---------------------------------------- */

isr_status isr_network_add_stations(isr_ctx *ctx, const isr_options *opt, const isr_layer *sl,
                                    OGRSpatialReferenceH srs, isr_rail_net *net)
{
    return load_stations(ctx, opt, sl, srs, net, isr_rail_net_nstations(net));
}

isr_status isr_network_add_lines(isr_ctx *ctx, const isr_options *opt, const isr_layer *ll,
                                 OGRSpatialReferenceH srs, isr_rail_net *net)
{
    int ns = isr_rail_net_nstations(net);
    int *on_line = calloc((size_t)ns, sizeof *on_line);
    char **passed_by = calloc((size_t)ns, sizeof *passed_by);
    isr_status st = on_line && passed_by
                        ? load_lines(ctx, opt, ll, srs, net, on_line, passed_by,
                                     isr_rail_net_nlines(net))
                        : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int s = 0; passed_by && s < ns; s++)
        free(passed_by[s]);
    free(passed_by);
    free(on_line);
    return st;
}
