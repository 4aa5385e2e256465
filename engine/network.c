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
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct stop {
    int station;
    double m; /* position along the line, metres */
} stop;

static int cmp_stop(const void *a, const void *b)
{
    const stop *x = a, *y = b;
    return (x->m > y->m) - (x->m < y->m);
}

static isr_status load_stations(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                                OGRSpatialReferenceH srs, isr_rail_net *net)
{
    int f_id, f_name = -1, f_hub = -1;
    isr_status st = isr_layer_field(ctx, l, opt->station_id_field, 0, &f_id);
    if (st != ISR_OK)
        return st;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(l->lyr);
    if (opt->station_name_field)
        f_name = OGR_FD_GetFieldIndex(defn, opt->station_name_field);
    if (!opt->hubs && (st = isr_layer_field(ctx, l, opt->hub_field, 1, &f_hub)) != ISR_OK)
        return st;
    if (opt->hubs)
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
        else if (isr_rail_net_find(net, id) >= 0)
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "%s: feature %lld repeats station id '%s' (field '%s'); ids must be "
                          "unique",
                          l->what, fid, id, opt->station_id_field);
        else if (!g || OGR_G_IsEmpty(g) || wkbFlatten(OGR_G_GetGeometryType(g)) != wkbPoint)
            st = isr_fail(ctx, ISR_ERR_INPUT, "%s: feature %lld ('%s') is not a point", l->what,
                          fid, id);
        else {
            x = OGR_G_GetX(g, 0);
            y = OGR_G_GetY(g, 0);
            if (!OCTTransform(ct, 1, &x, &y, &z))
                st = isr_fail(ctx, ISR_ERR_CRS,
                              "%s: station '%s' (feature %lld) at (%g %g) cannot be transformed "
                              "to the analysis CRS: are these valid coordinates in its CRS "
                              "'%s'?",
                              l->what, id, fid, OGR_G_GetX(g, 0), OGR_G_GetY(g, 0),
                              OSRGetName(OGR_L_GetSpatialRef(l->lyr)));
        }
        if (st == ISR_OK) {
            int hub = f_hub >= 0 ? OGR_F_GetFieldAsInteger(f, f_hub) != 0 : 0;
            if (isr_rail_net_add_station(net, id, name ? name : id, x, y, hub) < 0)
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        }
        free(id);
        free(name);
        OGR_F_Destroy(f);
    }
    OCTDestroyCoordinateTransformation(ct);
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
            v = strtod(q, &e);
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

/* The calls listed in the stops field ("id;id;…"), in the listed order, each checked to be a
 * station within snap_m of the line. */
static isr_status explicit_stops(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                                 isr_geos *gc, const isr_rail_net *net, long long fid,
                                 const char *id, const GEOSGeometry *geom, const char *calls,
                                 stop *stops, int *n)
{
    *n = 0;
    const char *p = calls;
    int ns = isr_rail_net_nstations(net);
    for (;;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char sid[256];
        if (len == 0 || len >= sizeof sid)
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "%s: line '%s' (feature %lld): field '%s' must be station ids "
                            "separated by ';' (got '%s')",
                            l->what, id, fid, opt->line_stops_field, calls);
        memcpy(sid, p, len);
        sid[len] = '\0';
        int s = isr_rail_net_find(net, sid);
        if (s < 0)
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "%s: line '%s' (feature %lld): stop '%s' in field '%s' is not a "
                            "station",
                            l->what, id, fid, sid, opt->line_stops_field);
        if (*n >= ns)
            return isr_fail(ctx, ISR_ERR_INPUT, "%s: line '%s' (feature %lld) lists too many stops",
                            l->what, id, fid);
        double x, y, d = INFINITY;
        isr_rail_station_xy(net, s, &x, &y);
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(gc->h, x, y);
        if (pt)
            GEOSDistance_r(gc->h, geom, pt, &d);
        stops[*n].station = s;
        stops[*n].m = pt ? GEOSProject_r(gc->h, geom, pt) : 0;
        GEOSGeom_destroy_r(gc->h, pt);
        if (!(d <= opt->snap_m))
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "%s: line '%s' (feature %lld): stop '%s' is %.0f m from the line, "
                            "more than --snap %g m",
                            l->what, id, fid, sid, d, opt->snap_m);
        (*n)++;
        if (!end)
            break;
        p = end + 1;
    }
    return ISR_OK;
}

/* Builds one line's stops and run times from its geometry (GEOS, analysis CRS). */
static isr_status add_line(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                           isr_geos *gc, isr_rail_net *net, long long fid, const char *id,
                           const char *name, GEOSGeometry *geom, double speed, double headway,
                           double headway_back, const char *minutes, const char *calls,
                           int *on_line)
{
    int ns = isr_rail_net_nstations(net);
    stop *stops = malloc((size_t)ns * sizeof *stops);
    int *idx = malloc((size_t)ns * sizeof *idx);
    double *run = malloc((size_t)ns * sizeof *run);
    isr_status st = ISR_OK;
    if (!stops || !idx || !run) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    int n = 0;
    if (calls && *calls) {
        if ((st = explicit_stops(ctx, opt, l, gc, net, fid, id, geom, calls, stops, &n)) != ISR_OK)
            goto cleanup;
    } else {
        for (int s = 0; s < ns; s++) {
            double x, y, d;
            isr_rail_station_xy(net, s, &x, &y);
            GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(gc->h, x, y);
            if (pt && GEOSDistance_r(gc->h, geom, pt, &d) && d <= opt->snap_m) {
                stops[n].station = s;
                stops[n].m = GEOSProject_r(gc->h, geom, pt);
                n++;
            }
            GEOSGeom_destroy_r(gc->h, pt);
        }
        qsort(stops, (size_t)n, sizeof *stops, cmp_stop);
    }
    if (n < 2) {
        isr_log(ctx, ISR_LOG_WARN,
                "%s: line '%s' (feature %lld) has %d station(s) within %g m; it is skipped",
                l->what, id, fid, n, opt->snap_m);
        goto cleanup;
    }
    int nmin = parse_minutes(minutes ? minutes : "", run, n - 1);
    if (nmin < 0) {
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: line '%s' (feature %lld): field '%s' must be minutes separated by "
                      "';' (got '%s')",
                      l->what, id, fid, opt->line_minutes_field, minutes);
        goto cleanup;
    }
    if (nmin > 0 && nmin != n - 1) {
        isr_log(ctx, ISR_LOG_WARN,
                "%s: line '%s' has %d stops on it but %d entries in '%s'; run times are "
                "computed from its length and speed",
                l->what, id, n, nmin, opt->line_minutes_field);
        nmin = 0;
    }
    for (int i = 0; i < n; i++) {
        idx[i] = stops[i].station;
        on_line[stops[i].station] = 1;
    }
    for (int i = 0; i + 1 < n; i++)
        if (i >= nmin || isnan(run[i]))
            run[i] = fabs(stops[i + 1].m - stops[i].m) / (speed / 3.6);
    st = isr_rail_net_add_line(ctx, net, id, name, n, idx, run, headway, headway_back);
cleanup:
    free(stops);
    free(idx);
    free(run);
    return st;
}

/* A numeric field's value for messages: "empty", or the number. */
static const char *field_value(OGRFeatureH f, int i, char *buf, size_t n)
{
    if (!OGR_F_IsFieldSetAndNotNull(f, i))
        return "empty";
    snprintf(buf, n, "%g", OGR_F_GetFieldAsDouble(f, i));
    return buf;
}

static isr_status load_lines(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                             OGRSpatialReferenceH srs, isr_rail_net *net, int *on_line)
{
    int f_speed, f_headway, f_name, f_id, f_min = -1, f_stops = -1, f_back = -1;
    isr_status st;
    if ((st = isr_layer_field(ctx, l, opt->line_speed_field, 1, &f_speed)) != ISR_OK ||
        (st = isr_layer_field(ctx, l, opt->line_headway_field, 1, &f_headway)) != ISR_OK)
        return st;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(l->lyr);
    f_name = OGR_FD_GetFieldIndex(defn, opt->line_name_field);
    f_id = OGR_FD_GetFieldIndex(defn, "id");
    if (opt->line_minutes_field)
        f_min = OGR_FD_GetFieldIndex(defn, opt->line_minutes_field);
    if (opt->line_stops_field)
        f_stops = OGR_FD_GetFieldIndex(defn, opt->line_stops_field);
    if (opt->line_headway_back_field &&
        OGR_FD_GetFieldIndex(defn, opt->line_headway_back_field) >= 0 &&
        (st = isr_layer_field(ctx, l, opt->line_headway_back_field, 1, &f_back)) != ISR_OK)
        return st;
    OGRCoordinateTransformationH ct = isr_layer_transform_to(ctx, l, srs);
    if (!ct)
        return ISR_ERR_CRS;
    isr_geos gc;
    isr_geos_init(&gc);
    GEOSWKBReader *rd = GEOSWKBReader_create_r(gc.h);
    OGR_L_ResetReading(l->lyr);
    OGRFeatureH f;
    while (st == ISR_OK && (f = isr_layer_next(ctx, l, &st)) != NULL) {
        long long fid = (long long)OGR_F_GetFID(f);
        char fidbuf[32];
        snprintf(fidbuf, sizeof fidbuf, "%lld", fid);
        /* copies: OGR frees the string of a non-string field at the next read (isr_field_str) */
        char *sid = f_id >= 0 && OGR_F_IsFieldSetAndNotNull(f, f_id) ? isr_layer_str(l, f, f_id)
                    : f_name >= 0 && OGR_F_IsFieldSetAndNotNull(f, f_name)
                        ? isr_field_str(f, f_name)
                        : strdup(fidbuf);
        char *sname = f_name >= 0 ? isr_layer_str(l, f, f_name) : NULL;
        char *minutes = isr_layer_str(l, f, f_min), *calls = isr_layer_str(l, f, f_stops);
        const char *id = sid ? sid : fidbuf, *name = sname ? sname : id;
        double speed = OGR_F_GetFieldAsDouble(f, f_speed);
        double headway = OGR_F_GetFieldAsDouble(f, f_headway);
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        OGRGeometryH merged = NULL;
        GEOSGeometry *gg = NULL;
        char got[64];
        if (!sid || (f_name >= 0 && !sname) || !minutes || !calls)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        else if (!OGR_F_IsFieldSetAndNotNull(f, f_speed) || !(speed > 0) || !isfinite(speed))
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "%s: line '%s' (feature %lld): field '%s' is %s; it must be a positive "
                          "speed in km/h",
                          l->what, id, fid, opt->line_speed_field,
                          field_value(f, f_speed, got, sizeof got));
        else if (!OGR_F_IsFieldSetAndNotNull(f, f_headway) || !(headway > 0) ||
                 !isfinite(headway))
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "%s: line '%s' (feature %lld): field '%s' is %s; it must be a positive "
                          "headway in minutes",
                          l->what, id, fid, opt->line_headway_field,
                          field_value(f, f_headway, got, sizeof got));
        else if (!g || OGR_G_IsEmpty(g))
            st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s: line '%s' (feature %lld) has no geometry",
                               l->what, id, fid);
        else if (wkbFlatten(OGR_G_GetGeometryType(g)) != wkbLineString &&
                 wkbFlatten(OGR_G_GetGeometryType(g)) != wkbMultiLineString)
            st = isr_fail(ctx, ISR_ERR_INPUT, "%s: line '%s' (feature %lld) is a %s, not a line",
                          l->what, id, fid, OGR_G_GetGeometryName(g));
        if (st == ISR_OK) {
            merged = OGR_G_Clone(g);
            if (OGR_G_Transform(merged, ct) != OGRERR_NONE)
                st = isr_fail(ctx, ISR_ERR_CRS,
                              "%s: line '%s' (feature %lld) cannot be transformed to the "
                              "analysis CRS",
                              l->what, id, fid);
        }
        if (st == ISR_OK) {
            size_t sz = (size_t)OGR_G_WkbSize(merged);
            unsigned char *wkb = malloc(sz);
            if (wkb && OGR_G_ExportToWkb(merged, wkbNDR, wkb) == OGRERR_NONE)
                gg = GEOSWKBReader_read_r(gc.h, rd, wkb, sz);
            free(wkb);
            if (gg && GEOSGeomTypeId_r(gc.h, gg) == GEOS_MULTILINESTRING) {
                GEOSGeometry *lm = GEOSLineMerge_r(gc.h, gg);
                GEOSGeom_destroy_r(gc.h, gg);
                gg = lm;
            }
            if (!gg)
                st = isr_fail(ctx, ISR_ERR_INPUT,
                              "%s: line '%s' (feature %lld) has a geometry GEOS cannot read%s%s",
                              l->what, id, fid, gc.msg[0] ? ": " : "", gc.msg);
            else if (GEOSGeomTypeId_r(gc.h, gg) != GEOS_LINESTRING)
                st = isr_fail(ctx, ISR_ERR_INPUT,
                              "%s: line '%s' (feature %lld) is not one connected linestring: it "
                              "falls into %d pieces whose ends do not meet (split it into one "
                              "feature per piece, or join them)",
                              l->what, id, fid, GEOSGetNumGeometries_r(gc.h, gg));
        }
        /* against the stop order: the back headway where given, else the same */
        double back = headway;
        if (st == ISR_OK && f_back >= 0 && OGR_F_IsFieldSetAndNotNull(f, f_back)) {
            back = OGR_F_GetFieldAsDouble(f, f_back);
            if (!(back > 0) || !isfinite(back))
                st = isr_fail(ctx, ISR_ERR_INPUT,
                              "%s: line '%s' (feature %lld): field '%s' is %s; it must be a "
                              "positive headway in minutes",
                              l->what, id, fid, opt->line_headway_back_field,
                              field_value(f, f_back, got, sizeof got));
        }
        if (st == ISR_OK)
            st = add_line(ctx, opt, l, &gc, net, fid, id, name, gg, speed, headway, back,
                          minutes, calls, on_line);
        if (gg)
            GEOSGeom_destroy_r(gc.h, gg);
        OGR_G_DestroyGeometry(merged);
        free(sid);
        free(sname);
        free(minutes);
        free(calls);
        OGR_F_Destroy(f);
    }
    GEOSWKBReader_destroy_r(gc.h, rd);
    isr_geos_finish(&gc);
    OCTDestroyCoordinateTransformation(ct);
    return st;
}

isr_status isr_network_load(isr_ctx *ctx, const isr_options *opt, OGRSpatialReferenceH srs,
                            isr_rail_net **out)
{
    *out = NULL;
    isr_layer ls = {0}, ll = {0};
    isr_rail_net *net = isr_rail_net_new();
    int *on_line = NULL;
    isr_status st;
    if (!net)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if ((st = isr_layer_open_enc(ctx, &ls, "stations", opt->stations, opt->stations_layer,
                                 wkbPoint, opt->encoding)) != ISR_OK ||
        (st = isr_layer_open_enc(ctx, &ll, "lines", opt->lines, opt->lines_layer, wkbLineString,
                                 opt->encoding)) != ISR_OK ||
        (st = load_stations(ctx, opt, &ls, srs, net)) != ISR_OK)
        goto cleanup;
    on_line = calloc((size_t)isr_rail_net_nstations(net), sizeof *on_line);
    if (!on_line) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if ((st = load_lines(ctx, opt, &ll, srs, net, on_line)) != ISR_OK)
        goto cleanup;
    if (isr_rail_net_nlines(net) == 0) {
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: no line has two stations within %g m of it: are the stations and "
                      "lines of the same network (or raise --snap)?",
                      ll.what, opt->snap_m);
        goto cleanup;
    }
    for (int s = 0; s < isr_rail_net_nstations(net); s++)
        if (!on_line[s])
            isr_log(ctx, ISR_LOG_WARN,
                    "%s: station '%s' is not within %g m of any line; it is reached by local "
                    "travel only",
                    ls.what, isr_rail_station_id(net, s), opt->snap_m);
    *out = net;
    net = NULL;
cleanup:
    free(on_line);
    isr_rail_net_free(net);
    isr_layer_close(&ls);
    isr_layer_close(&ll);
    return st;
}
