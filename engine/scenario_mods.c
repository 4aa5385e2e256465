/*
 * scenario_mods.c — a scenario's modifications table (issue 15): columns action, target,
 * to, value, source; a CSV file in a folder scenario (modifications.csv, header row), an
 * attribute layer "modifications" in a GeoPackage. Read through OGR and applied row by row,
 * in order, to the scenario's copy of the network, so a row sees what the rows before it
 * did (a line removed is no longer there to speed up). Every row is checked before it is
 * applied; the first bad one fails naming the scenario, the file, the row (CSV: its line
 * number, the header being line 1; GeoPackage: the feature id), the field and what to do.
 * `source` is free text, copied into scenario.json. Text must be UTF-8: other bytes (a cp1252
 * CSV) are refused in the other columns and warned about, once per table, in `source`.
 */
#include "scenario.h"
#include "timetable.h"

#include <cpl_vsi.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_HEADWAY_MIN 1440
/* scale_speed's factor: 1e308 made every train instant and was taken (a new-user pass) */
#define MIN_SPEED_FACTOR 0.1
#define MAX_SPEED_FACTOR 10.0
#define SPEED_FACTOR_RULE                                                                      \
    "it must be a speed factor from 0.1 to 10 (run times are divided by it: 1.25 is 25 % "     \
    "faster; 10 takes a 100 km/h line to 1000 km/h, the fastest train a network may have)"
#define MAX_GONE 64

typedef struct mods {
    isr_ctx *ctx;
    const isr_options *opt;
    isr_scenario *sc;
    char *file;
    char where[160]; /* "scenario 'x' modifications 'f' line 3" */
    const int *hubs;
    int nhubs;
    const char *action, *target, *to, *value, *source;
    int napplied;      /* rows applied (blank rows are skipped) */
    int nbad_text;     /* rows whose source was not UTF-8 (bytes replaced with U+FFFD) */
    long long bad_row; /* the first of them */
    struct scaled { /* scale_speed rows so far: a line id and its factors' product */
        char *id;
        double f;
    } *scaled;
    int nscaled;
} mods;

/* The product `total` of a line's or route's scale_speed factors (`whose`: "its", "a
 * route's"), refused when it leaves 0.1 to 10, as one row's factor is: three rows of 10
 * made trains 1000 times faster. */
static isr_status speed_product(mods *md, double total, const char *whose)
{
    if (total >= MIN_SPEED_FACTOR && total <= MAX_SPEED_FACTOR)
        return ISR_OK;
    return isr_fail(md->ctx, ISR_ERR_INPUT,
                    "%s: scale_speed on '%s' makes %g times %s speed with the rows above; the "
                    "factors of one line or route multiply, and their product must be from 0.1 "
                    "to 10: give one row with the factor you mean",
                    md->where, md->target, total, whose);
}

/* The product of the scale_speed factors of line `md->target` with this row's `v`,
 * checked (speed_product) and recorded. */
static isr_status scaled_total(mods *md, double v)
{
    int k = 0;
    while (k < md->nscaled && strcmp(md->scaled[k].id, md->target) != 0)
        k++;
    double total = (k < md->nscaled ? md->scaled[k].f : 1.0) * v;
    isr_status st = speed_product(md, total, "its");
    if (st == ISR_OK && k == md->nscaled) {
        struct scaled *ns = realloc(md->scaled, (size_t)(k + 1) * sizeof *ns);
        if (ns)
            md->scaled = ns;
        if (!ns || !(md->scaled[k].id = strdup(md->target)))
            return isr_fail(md->ctx, ISR_ERR_MEMORY, "out of memory");
        md->nscaled++;
    }
    if (st == ISR_OK)
        md->scaled[k].f = total;
    return st;
}

/* A number filling the whole text (blanks around allowed); NAN when not one. */
static double number(const char *s)
{
    char *end;
    while (*s == ' ')
        s++;
    if (!*s)
        return NAN;
    double v = isr_strtod(s, &end);
    while (*end == ' ')
        end++;
    return *end || !isfinite(v) ? NAN : v;
}

static isr_status bad_value(mods *md, const char *rule)
{
    /* 1,5 in a file separated by ';' or tabs: a decimal comma, not a list */
    char dot[64];
    int comma = strchr(md->value, ',') && strlen(md->value) < sizeof dot;
    if (comma) {
        snprintf(dot, sizeof dot, "%s", md->value);
        for (char *c = dot; *c; c++)
            *c = *c == ',' ? '.' : *c;
        comma = !isnan(number(dot));
    }
    return isr_fail(md->ctx, ISR_ERR_INPUT, "%s: field 'value' is '%s'; %s%s%s%s", md->where,
                    md->value, rule, comma ? " (a decimal comma: write " : "",
                    comma ? dot : "", comma ? ")" : "");
}

/* A row naming no line: where this run's line ids come from (field 'id' of the lines, else
 * the names in the --line-name field, which a user with other field names cannot guess) and
 * a few of them. The base layer is opened again for its fields: an error path, once. */
static isr_status no_such_line(mods *md)
{
    const isr_options *opt = md->opt;
    const isr_rail_net *net = md->sc->net;
    int has_id = 1, n = isr_rail_net_nlines(net);
    isr_layer l;
    if (opt->lines && isr_layer_open_enc(md->ctx, &l, "lines", opt->lines, opt->lines_layer,
                                         wkbLineString, opt->encoding) == ISR_OK) {
        has_id = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l.lyr), "id") >= 0;
        isr_layer_close(&l);
    }
    char from[256], some[512];
    if (has_id)
        snprintf(from, sizeof from, "field 'id' of the lines (where it is blank, the name in "
                 "field '%s')", opt->line_name_field);
    else
        snprintf(from, sizeof from, "the lines have no field 'id', so a line's id is its name "
                 "in field '%s' (--line-name)", opt->line_name_field);
    size_t k = (size_t)snprintf(some, sizeof some, n ? "; this network's are " : "; no line is "
                                "left in this network");
    int shown = 0, more = 0;
    for (int i = 0; i < n; i++) {
        const char *id = isr_rail_line_id(net, i);
        if (isr_rail_line_find(net, id) < i) /* an id that several lines share, once */
            continue;
        if (shown == 5 || k >= sizeof some)
            more++;
        else
            k += (size_t)snprintf(some + k, sizeof some - k, "%s'%s'", shown++ ? ", " : "", id);
    }
    if (more && k < sizeof some)
        snprintf(some + k, sizeof some - k, " and %d more (run.json: inputs.rail_lines)", more);
    return isr_fail(md->ctx, ISR_ERR_INPUT,
                    "%s: field 'target' is '%s', which is no line of the network (the base's and "
                    "the scenario's, after the rows above); give a line id: %s%s",
                    md->where, md->target, from, some);
}

static int find_station(mods *md, const char *field, const char *id)
{
    int s = isr_rail_net_find(md->sc->net, id);
    if (s < 0)
        isr_fail(md->ctx, ISR_ERR_INPUT,
                 "%s: field '%s' is '%s', which is no station of the network (the base's and "
                 "the scenario's); give a station id",
                 md->where, field, id);
    return s;
}

static isr_status remove_station(mods *md)
{
    isr_rail_net *net = md->sc->net;
    int s = find_station(md, "target", md->target), gone[MAX_GONE];
    if (s < 0)
        return ISR_ERR_INPUT;
    for (int h = 0; h < md->nhubs; h++)
        if (md->hubs[h] == s)
            return isr_fail(md->ctx, ISR_ERR_INPUT,
                            "%s: field 'target' is '%s', a hub of this run; a scenario cannot "
                            "remove a hub (run without it in --hubs)",
                            md->where, md->target);
    if (md->sc->closed && s < md->sc->nbase_stations)
        md->sc->closed[s] = 1; /* GTFS mode: no trip of the feed calls there */
    int ng = isr_rail_station_close(net, s, gone, MAX_GONE);
    for (int k = 0; k < ng && k < MAX_GONE; k++) { /* highest index first */
        char *msg = isr_strdup_printf("%s: line '%s' calls at fewer than 2 stations once "
                                      "'%s' is removed; the line is removed",
                                      md->where, isr_rail_line_id(net, gone[k]), md->target);
        if (msg) {
            isr_log(md->ctx, ISR_LOG_WARN, "%s", msg);
            isr_rail_net_add_note(net, msg);
        }
        free(msg);
        isr_rail_line_remove(net, gone[k]);
    }
    return ISR_OK;
}

/* The straight distance (metres) between the calls of segment k of line l: no track between
 * them is shorter. */
static double segment_m(const isr_rail_net *net, int l, int k)
{
    int n = isr_rail_line_nstops(net, l);
    double ax, ay, bx, by;
    isr_rail_station_xy(net, isr_rail_line_stop(net, l, k), &ax, &ay);
    isr_rail_station_xy(net, isr_rail_line_stop(net, l, (k + 1) % n), &bx, &by);
    return hypot(bx - ax, by - ay);
}

/* set_minutes: 'a;b;c', one entry per segment of the line, each a number >= 0, or blank to
 * keep that run as it is (a blank in the lines' minutes field means unknown, the same). A
 * run faster than ISR_MAX_TRAIN_KMH over the straight line between its calls is refused, as the
 * lines' own minutes field refuses it: a 0 meant as "unknown" made the train instant. */
static isr_status set_minutes(mods *md, int l)
{
    isr_rail_net *net = md->sc->net;
    int n = isr_rail_line_nstops(net, l), nseg = isr_rail_line_is_loop(net, l) ? n : n - 1;
    double *run = malloc((size_t)nseg * sizeof *run);
    if (!run)
        return isr_fail(md->ctx, ISR_ERR_MEMORY, "out of memory");
    int k = 0, ok = 1;
    for (const char *p = md->value; ok;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char buf[64];
        ok = len < sizeof buf && k < nseg;
        if (ok) {
            memcpy(buf, p, len);
            buf[len] = '\0';
            size_t sp = strspn(buf, " ");
            double v = buf[sp] ? number(buf) : isr_rail_line_run_s(net, l, k) / 60.0;
            ok = v >= 0;
            if (ok)
                run[k] = v * 60.0;
            k++;
        }
        if (!end)
            break;
        p = end + 1;
    }
    isr_status st = ISR_OK;
    if (!ok || k != nseg) {
        char rule[240];
        snprintf(rule, sizeof rule,
                 "it must be %d run minutes (numbers >= 0, blank to keep a run as it is) "
                 "separated by ';', one per run between the %d calls of line '%s'",
                 nseg, n, md->target);
        st = bad_value(md, rule);
    }
    for (int i = 0; st == ISR_OK && i < nseg; i++) {
        double m = segment_m(net, l, i);
        if (m >= 1.0 && !(run[i] > 0 && m / run[i] * 3.6 <= ISR_MAX_TRAIN_KMH)) {
            char rule[400];
            snprintf(rule, sizeof rule,
                     "run %d, %g min from '%s' to '%s', %.1f km apart in a straight line, is "
                     "faster than %d km/h; give the run minutes between consecutive calls "
                     "(blank to keep a run as it is)",
                     i + 1, run[i] / 60.0, isr_rail_station_id(net, isr_rail_line_stop(net, l, i)),
                     isr_rail_station_id(net, isr_rail_line_stop(net, l, (i + 1) % n)),
                     m / 1000.0, ISR_MAX_TRAIN_KMH);
            st = bad_value(md, rule);
        }
    }
    if (st == ISR_OK)
        isr_rail_line_set_runs(net, l, run);
    free(run);
    return st;
}

static isr_status add_transfer(mods *md)
{
    int a = find_station(md, "target", md->target);
    if (a < 0)
        return ISR_ERR_INPUT;
    int b = find_station(md, "to", md->to);
    if (b < 0)
        return ISR_ERR_INPUT;
    if (a == b)
        return isr_fail(md->ctx, ISR_ERR_INPUT,
                        "%s: fields 'target' and 'to' are both '%s'; add_transfer links two "
                        "stations (a change within one station is --transfer)",
                        md->where, md->target);
    double v = number(md->value);
    if (!(v >= 0))
        return bad_value(md, "it must be the link's minutes, a number >= 0");
    if (isr_rail_net_set_link(md->sc->net, a, b, v * 60.0, -1) ||
        isr_rail_net_set_link(md->sc->net, b, a, v * 60.0, -1))
        return isr_fail(md->ctx, ISR_ERR_MEMORY, "out of memory");
    return ISR_OK;
}

/* GTFS mode: remove_line or scale_speed on a route of the feed (or scale_speed on "*":
 * every route of the feed and every added line), or a refusal naming the row. */
static isr_status route_row(mods *md)
{
    const isr_timetable *tt = md->sc->tt;
    int scale = strcmp(md->action, "scale_speed") == 0, all = scale && !strcmp(md->target, "*");
    int r = -1;
    for (int k = 0; !all && r < 0 && k < tt->nroutes; k++)
        if (strcmp(tt->route_ids[k], md->target) == 0)
            r = k;
    char like[200] = ""; /* with several feeds, route ids carry their feed's number (1:R) */
    for (int k = 0; !all && r < 0 && k < tt->nroutes && !*like; k++) {
        const char *colon = strchr(tt->route_ids[k], ':');
        if (colon && strcmp(colon + 1, md->target) == 0)
            isr_snprintf(like, sizeof like, " (with several feeds, route ids carry their "
                         "feed's number: '%s')", tt->route_ids[k]);
    }
    if (!all && r < 0)
        return isr_fail(md->ctx, ISR_ERR_INPUT,
                        "%s: field 'target' is '%s', which is no route_id of the GTFS feed (on "
                        "the run's --date and --route-types) nor a line the scenario adds; give "
                        "a route_id of routes.txt%s%s",
                        md->where, md->target, scale ? ", an added line's id or * (every route)"
                                                     : " or an added line's id", like);
    if (strcmp(md->action, "set_headway") == 0 || strcmp(md->action, "set_minutes") == 0)
        return isr_fail(md->ctx, ISR_ERR_INPUT,
                        "%s: field 'target' is '%s', a route of the GTFS feed; with --gtfs %s "
                        "applies to the lines the scenario adds (a feed route keeps its "
                        "timetable: remove it and add a line instead)",
                        md->where, md->target, md->action);
    if (!scale) {
        md->sc->route_factor[r] = 0.0;
        return ISR_OK;
    }
    double v = number(md->value);
    if (!(v >= MIN_SPEED_FACTOR && v <= MAX_SPEED_FACTOR))
        return bad_value(md, SPEED_FACTOR_RULE);
    for (int k = all ? 0 : r; k < (all ? tt->nroutes : r + 1); k++) {
        isr_status pst = speed_product(md, md->sc->route_factor[k] * v, "a route's");
        if (pst != ISR_OK)
            return pst;
    }
    for (int k = all ? 0 : r; k < (all ? tt->nroutes : r + 1); k++)
        md->sc->route_factor[k] *= v;
    for (int l = 0; all && l < isr_rail_net_nlines(md->sc->net); l++)
        isr_rail_line_scale_runs(md->sc->net, l, v);
    return ISR_OK;
}

/* The lines of id `id` as "A … C, B … D" (first and last calls), for a message. */
static void describe_lines(const isr_rail_net *net, const char *id, char *buf, size_t size)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int l = 0, n = 0; l < isr_rail_net_nlines(net) && k < size; l++) {
        if (strcmp(isr_rail_line_id(net, l), id))
            continue;
        if (n++ == 4) {
            snprintf(buf + k, size - k, ", …");
            break;
        }
        int last = isr_rail_line_nstops(net, l) - 1;
        k += (size_t)snprintf(buf + k, size - k, "%s%s … %s", n > 1 ? ", " : "",
                              isr_rail_station_id(net, isr_rail_line_stop(net, l, 0)),
                              isr_rail_station_id(net, isr_rail_line_stop(net, l, last)));
    }
}

/* remove_line, scale_speed, set_headway or set_minutes on the lines of id `target`. Lines
 * share an id when drawn as separate features under one name (branches, a line in pieces,
 * no field 'id') or given one id twice (network.c warns): the row changes every one of them
 * -- a planner closing or speeding up "S1" means all of S1, and changing the first feature
 * alone went unsaid -- and an info line (and scenario.json's notes) says so. set_minutes,
 * whose value is the runs of one line, is refused for them instead, naming the lines. */
static isr_status line_row(mods *md)
{
    isr_rail_net *net = md->sc->net;
    const char *a = md->action;
    int n = 0;
    for (int l = 0; l < isr_rail_net_nlines(net); l++)
        n += strcmp(isr_rail_line_id(net, l), md->target) == 0;
    if (n == 0)
        return no_such_line(md);
    char which[400];
    describe_lines(net, md->target, which, sizeof which);
    if (n > 1 && strcmp(a, "set_minutes") == 0)
        return isr_fail(md->ctx, ISR_ERR_INPUT,
                        "%s: field 'target' is '%s', the id of %d lines (%s); set_minutes gives "
                        "the runs of one line: give each its own id (field 'id' of the lines) "
                        "to set its minutes",
                        md->where, md->target, n, which);
    if (strcmp(a, "set_minutes") == 0)
        return set_minutes(md, isr_rail_line_find(net, md->target));
    int scale = strcmp(a, "scale_speed") == 0, remove = strcmp(a, "remove_line") == 0;
    double v = number(md->value);
    if (scale && !(v >= MIN_SPEED_FACTOR && v <= MAX_SPEED_FACTOR))
        return bad_value(md, SPEED_FACTOR_RULE);
    isr_status sst = scale ? scaled_total(md, v) : ISR_OK;
    if (sst != ISR_OK)
        return sst;
    if (!scale && !remove && !(v > 0 && v <= MAX_HEADWAY_MIN))
        return bad_value(md, "it must be the minutes between trains, > 0 and at most 1440");
    for (int l = isr_rail_net_nlines(net) - 1; l >= 0; l--) { /* a removal shifts those after */
        if (strcmp(isr_rail_line_id(net, l), md->target))
            continue;
        if (remove)
            isr_rail_line_remove(net, l);
        else if (scale)
            isr_rail_line_scale_runs(net, l, v);
        else
            isr_rail_line_set_headway(net, l, v, v);
    }
    char *msg = n > 1 ? isr_strdup_printf("%s: '%s' is the id of %d lines (%s); %s applies to "
                                          "each of them",
                                          md->where, md->target, n, which, a)
                      : NULL;
    if (msg) {
        isr_log(md->ctx, ISR_LOG_INFO, "%s", msg);
        isr_rail_net_add_note(net, msg);
    }
    free(msg);
    return ISR_OK;
}

/* One row, checked and applied. */
static isr_status apply_row(mods *md)
{
    const char *a = md->action;
    isr_rail_net *net = md->sc->net;
    if (strcmp(a, "remove_station") == 0)
        return remove_station(md);
    if (strcmp(a, "add_transfer") == 0)
        return add_transfer(md);
    if (strcmp(a, "remove_line") && strcmp(a, "scale_speed") && strcmp(a, "set_headway") &&
        strcmp(a, "set_minutes"))
        return isr_fail(md->ctx, ISR_ERR_INPUT,
                        "%s: field 'action' is '%s'; it must be one of remove_line, "
                        "remove_station, scale_speed, set_headway, set_minutes, add_transfer",
                        md->where, a);
    if (md->sc->tt && isr_rail_line_find(net, md->target) < 0)
        return route_row(md); /* GTFS mode: not an added line */
    return line_row(md);
}

/* The row as JSON for scenario.json. */
static json_object *row_json(const mods *md, long long row)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, md->sc->gpkg ? "feature" : "line", json_object_new_int64(row));
    json_object_object_add(o, "action", json_object_new_string(md->action));
    json_object_object_add(o, "target", json_object_new_string(md->target));
    json_object_object_add(o, "to", json_object_new_string(md->to));
    json_object_object_add(o, "value", json_object_new_string(md->value));
    json_object_object_add(o, "source", json_object_new_string(md->source));
    return o;
}

/* The table's columns: action and target required, to, value, source optional. */
static isr_status columns(mods *md, OGRLayerH lyr, int col[5])
{
    static const char *const names[] = {"action", "target", "to", "value", "source"};
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    for (int k = 0; k < 5; k++) {
        col[k] = OGR_FD_GetFieldIndex(defn, names[k]);
        if (col[k] < 0 && k < 2)
            return isr_fail(md->ctx, ISR_ERR_INPUT,
                            "scenario '%s' modifications '%s' has no column '%s'; its columns "
                            "must be action,target,to,value,source",
                            md->sc->name, md->file, names[k]);
    }
    return ISR_OK;
}

/* Field `col` of the row as UTF-8 (as isr_field_str); bytes that are not (a cp1252 CSV, as
 * Excel saves one) refused in an id or a number, where text with U+FFFD could match wrongly
 * or mislead, and counted in `source`, for one warning. NULL after a failure (set). */
static char *row_field(mods *md, OGRFeatureH f, const int col[5], int k, long long row)
{
    static const char *const names[] = {"action", "target", "to", "value", "source"};
    const char *s = col[k] >= 0 && OGR_F_IsFieldSetAndNotNull(f, col[k])
                        ? OGR_F_GetFieldAsString(f, col[k])
                        : "";
    int nbad = 0;
    char *v = isr_utf8_clean(s, strlen(s), &nbad);
    if (!v)
        isr_fail(md->ctx, ISR_ERR_MEMORY, "out of memory");
    if (v && nbad && k < 4) {
        isr_fail(md->ctx, ISR_ERR_INPUT,
                 "%s: field '%s' is not UTF-8 text ('%s', the bad bytes shown as U+FFFD), "
                 "which could name the wrong thing; save the file as UTF-8 (in Excel: CSV "
                 "UTF-8)",
                 md->where, names[k], v);
        free(v);
        return NULL;
    }
    if (v && nbad && md->nbad_text++ == 0)
        md->bad_row = row;
    return v;
}

/* Whether s is a whole number of digits (a sign allowed). */
static int whole(const char *s)
{
    s += *s == '-' || *s == '+';
    if (!*s)
        return 0;
    while (*s >= '0' && *s <= '9')
        s++;
    return !*s;
}

/* A CSV row whose value and source are both whole numbers (scale_speed,L,,1,5) is most
 * likely one number written with a decimal comma, split into the value and the source: the
 * same number of fields as the header, so no width check sees it. Said; the value read is
 * the first part. */
static void comma_warn(const mods *md)
{
    if (!md->sc->gpkg && whole(md->value) && whole(md->source) && *md->source != '-' &&
        *md->source != '+')
        isr_log(md->ctx, ISR_LOG_WARN,
                "%s: value '%s' and source '%s' look like one number written with a decimal "
                "comma (%s,%s) and read as two fields: the value taken is %s; write %s.%s with "
                "a point if that was meant",
                md->where, md->value, md->source, md->value, md->source, md->value, md->value,
                md->source);
}

/* Every row of the open table, in order. */
static isr_status apply_rows(mods *md, OGRLayerH lyr, json_object *list)
{
    int col[5];
    isr_status st = columns(md, lyr, col);
    OGRFeatureH f;
    OGR_L_ResetReading(lyr);
    while (st == ISR_OK && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
        long long fid = (long long)OGR_F_GetFID(f), row = md->sc->gpkg ? fid : fid + 1;
        char *v[5] = {NULL};
        snprintf(md->where, sizeof md->where, "scenario '%s' modifications '%s' %s %lld",
                 md->sc->name, md->file, md->sc->gpkg ? "feature" : "line", row);
        for (int k = 0; k < 5 && (k == 0 || v[k - 1]); k++)
            v[k] = row_field(md, f, col, k, row);
        if (!v[0] || !v[1] || !v[2] || !v[3] || !v[4]) {
            st = isr_ctx_status(md->ctx);
        } else if (*v[0] || *v[1]) { /* a blank row is skipped */
            md->action = v[0];
            md->target = v[1];
            md->to = v[2];
            md->value = v[3];
            md->source = v[4];
            comma_warn(md);
            if ((st = apply_row(md)) == ISR_OK) {
                json_object_array_add(list, row_json(md, row));
                md->napplied++;
            }
        }
        for (int k = 0; k < 5; k++)
            free(v[k]);
        OGR_F_Destroy(f);
    }
    return st;
}

/* The separator GDAL's CSV driver takes from the header line: the first of ',' ';' tab
 * outside quotes, ',' when they are mixed, else ' ' if there is one, else ','. */
static char header_sep(const char *p)
{
    char sep = '\0';
    int quoted = 0, spaces = 0;
    for (; *p && *p != '\n' && *p != '\r'; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (!quoted && (*p == ',' || *p == ';' || *p == '\t') && sep && sep != *p)
            return ',';
        else if (!quoted && (*p == ',' || *p == ';' || *p == '\t'))
            sep = *p;
        else if (!quoted && *p == ' ')
            spaces++;
    }
    return sep ? sep : spaces ? ' ' : ',';
}

/* The fields of the record at *p (quotes may hold separators and line breaks), moving *p
 * past it and *line past its line breaks; 0 for an empty line (no record, as GDAL reads). */
static int record_width(const char **p, char sep, long long *line)
{
    const char *s = *p;
    int n = 1, quoted = 0, empty = *s == '\n' || *s == '\r';
    for (; *s && (quoted || (*s != '\n' && *s != '\r')); s++) {
        if (*s == '"')
            quoted = !quoted;
        else if (*s == sep && !quoted)
            n++;
        else if (*s == '\n' || (*s == '\r' && s[1] != '\n'))
            (*line)++;
    }
    if (*s == '\r' && s[1] == '\n')
        s++;
    if (*s) {
        s++;
        (*line)++;
    }
    *p = s;
    return empty ? 0 : n;
}

/* CSV: a row with more fields than the header, whose extra fields GDAL drops without a word
 * (7,5 minutes with a decimal comma read as 7), refused naming its line. `nhead` is the
 * fields GDAL found in the header: should this reading of the separator differ, no check. */
static isr_status check_widths(mods *md, int nhead)
{
    GByte *buf = NULL;
    if (!VSIIngestFile(NULL, md->file, &buf, NULL, 64 << 20))
        return ISR_OK; /* GDAL read it: an error of its own would have been said */
    const char *p = (const char *)buf;
    if (strncmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    char sep = header_sep(p);
    long long line = 1, at = 1;
    int n = 0, w = 0;
    while (*p && (n = record_width(&p, sep, &line)) == 0)
        at = line; /* empty lines before the header */
    isr_status st = ISR_OK;
    while (n == nhead && *p && st == ISR_OK) {
        at = line;
        if ((w = record_width(&p, sep, &line)) > nhead)
            st = isr_fail(md->ctx, ISR_ERR_INPUT,
                          "scenario '%s' modifications '%s' line %lld has %d fields, but the "
                          "header has %d: the extra ones would be dropped. %s",
                          md->sc->name, md->file, at, w, nhead,
                          sep == ',' ? "A decimal comma splits a number in two (7,5 reads as "
                                       "7 and 5): write 7.5, and put text holding a comma in "
                                       "double quotes (\"a, b\")"
                                     : "Put text holding the separator in double quotes");
    }
    VSIFree(buf);
    return st;
}

/* modifications.csv that GDAL cannot open: said with what it is when that is known (an empty
 * file, UTF-16 text as Excel's "Unicode Text" saves it). */
static isr_status unreadable_table(isr_ctx *ctx, const isr_scenario *sc, const char *file)
{
    unsigned char head[4] = {0};
    FILE *f = fopen(file, "rb");
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    const char *what = NULL;
    if (f && n == 0)
        what = "the file is empty: give a header action,target,to,value,source and one row "
               "per modification";
    else if (n >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) ||
                        (head[0] == 0xFE && head[1] == 0xFF) || !head[0] || !head[1]))
        what = "it is UTF-16 text (Excel's \"Unicode Text\"): save it as CSV UTF-8";
    if (what)
        return isr_fail(ctx, ISR_ERR_INPUT, "scenario '%s' modifications '%s': %s", sc->name,
                        file, what);
    return isr_fail_gdal(ctx, ISR_ERR_INPUT,
                         "scenario '%s' modifications '%s': cannot read it as a table", sc->name,
                         file);
}

isr_status isr_scenario_modify(isr_ctx *ctx, const isr_options *opt, isr_scenario *sc,
                               const int *hubs, int nhubs, int *nparts)
{
    mods md = {.ctx = ctx, .opt = opt, .sc = sc, .hubs = hubs, .nhubs = nhubs};
    struct stat sb;
    md.file = sc->gpkg ? strdup(sc->path) : isr_strdup_printf("%s/modifications.csv", sc->path);
    json_object *list = json_object_new_array();
    json_object_object_add(sc->applied, "modifications", list);
    if (!md.file)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    isr_status st = ISR_OK;
    GDALDatasetH ds = NULL;
    if (sc->gpkg || stat(md.file, &sb) == 0) {
        ds = GDALOpenEx(md.file, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
        if (!ds)
            st = unreadable_table(ctx, sc, md.file);
    }
    OGRLayerH lyr = !ds ? NULL
                    : sc->gpkg ? GDALDatasetGetLayerByName(ds, "modifications")
                               : GDALDatasetGetLayer(ds, 0);
    GIntBig nrows = lyr ? OGR_L_GetFeatureCount(lyr, 1) : 0;
    if (lyr && nrows != 0) {
        if (!sc->gpkg)
            st = check_widths(&md, OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(lyr)));
        if (st == ISR_OK)
            st = apply_rows(&md, lyr, list);
    }
    if (st == ISR_OK && md.napplied > 0)
        (*nparts)++;
    else if (st == ISR_OK && lyr && nrows == 0 && !sc->gpkg &&
             OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), "action") < 0)
        /* one row and no header: the row was read as the header ("has no rows") */
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "scenario '%s' modifications '%s': its first line is read as the header, "
                      "and has no column 'action': give the header action,target,to,value,"
                      "source as line 1, then one row per modification",
                      sc->name, md.file);
    else if (st == ISR_OK && lyr && *nparts == 0) /* else: "holds nothing" (scenario.c) */
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "scenario '%s' modifications '%s' has %s and no modification: give one "
                      "row per modification under the header action,target,to,value,source",
                      sc->name, md.file, nrows ? "only blank rows" : "no rows");
    if (st == ISR_OK && md.nbad_text)
        isr_log(ctx, ISR_LOG_WARN,
                "scenario '%s' modifications '%s': %d text value%s not valid UTF-8 "
                "(first: field 'source', %s %lld); the bad bytes were replaced with U+FFFD "
                "in scenario.json. Save the file as UTF-8 (in Excel: CSV UTF-8)",
                sc->name, md.file, md.nbad_text, md.nbad_text == 1 ? " is" : "s are",
                sc->gpkg ? "feature" : "line", md.bad_row);
    if (ds)
        GDALClose(ds);
    free(md.file);
    for (int k = 0; k < md.nscaled; k++)
        free(md.scaled[k].id);
    free(md.scaled);
    return st;
}
