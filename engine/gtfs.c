/*
 * gtfs.c — GTFS feeds read into the timetable of one service day (timetable.h).
 *
 * A feed is a .zip (read through GDAL's /vsizip/, the files at its root) or a
 * folder. Read: stops.txt (location_type 0 stops and 1 stations; a stop with a
 * parent_station belongs to it, one without is its own station; entrances,
 * nodes and boarding areas are kept as aliases of their station, for --hubs only),
 * routes.txt (route_type filter),
 * trips.txt, stop_times.txt, calendar.txt and calendar_dates.txt (either may be
 * absent, not both: a service runs on the date when the date is in [start_date,
 * end_date] on a weekday it runs, then calendar_dates adds it (exception_type
 * 1) or removes it (2)), frequencies.txt and transfers.txt when present.
 * shapes.txt is read for the maps only: each route's distinct polylines (its
 * trips' shapes, else their stop patterns) into tt->parts.
 * agency.txt only for agency_timezone (zones that differ are warned about);
 * every other file is not read. Only the date's own services
 * are kept: a trip at 25:10 belongs to the day it started (the day before's
 * late trips are not read).
 *
 * Times: H:MM:SS, hours past 24 allowed. A stop with neither arrival nor
 * departure time (an untimed stop) gets a time interpolated between the timed stops
 * around it by shape_dist_traveled where those rows give it, else by straight-line
 * distance from stop to stop; one of the two given stands for
 * both; the first and last stops must be timed. pickup_type / drop_off_type 1
 * become ISR_TT_NO_PICKUP / ISR_TT_NO_DROPOFF (2 and 3, arrange with the
 * operator, count as allowed). Frequencies: every row, exact_times 1 or 0,
 * becomes trips leaving the first stop at start_time + k·headway_secs (<
 * end_time), the template's run times kept. For exact_times 0 GTFS promises
 * only the headway, not the minutes; R5 draws random offsets and averages over
 * draws, we take offset 0 so that a run is deterministic and a test can know
 * its answer (over a departure window of whole headways every offset gives the
 * same mean wait). Transfers: type 2 sets min_transfer_time between the two
 * stops (a station id stands for each of its stops), type 3 forbids the change,
 * 0, 1, 4 and 5 are left to the default; a row naming routes or trips is left
 * out (warned). Stops and stations are kept when a
 * trip of the chosen route types calls there (on any day), so bus stops do not
 * become stations.
 *
 * Quirks of real feeds read with a warning rather than refused: stops whose
 * parent_station is absent from stops.txt (one station per such id, at its
 * stops' mean position), calendar.txt rows repeated exactly, and trips whose
 * clock restarts at 0:00 after midnight (a fall of more than 12 hours along
 * stop_sequence: 24 hours added from there on).
 *
 * Errors name feed, file, line and field. Cost: each file is read whole into
 * memory (up to MAX_FILE_MB) and parsed once; the stop_times rows of the date's
 * trips are kept and sorted.
 */
#define _LARGEFILE64_SOURCE 1 /* GDAL's VSIStatBufL is a struct stat64 */
#include "internal.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE_MB 2000
#define DEFAULT_TRANSFER_S 360 /* the --transfer default (6 min); the caller sets the user's */
#define MAX_TYPE_RANGES 64

/* ---- ids → indices: open addressing over copied keys
 * ------------------------------------ */

typedef struct idmap {
    char **key;
    int *val;
    size_t cap, n;
} idmap;

static uint64_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static size_t idmap_slot(const idmap *m, const char *k)
{
    size_t i = (size_t)(hash_id(k) & (m->cap - 1));
    while (m->key[i] && strcmp(m->key[i], k) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int idmap_get(const idmap *m, const char *k)
{
    if (!m->cap)
        return -1;
    size_t i = idmap_slot(m, k);
    return m->key[i] ? m->val[i] : -1;
}

/* Sets k → v; returns 1 when k was there (and `replace` is 0: unchanged), 0, -1
 * memory. */
static int idmap_put(idmap *m, const char *k, int v, int replace)
{
    if (2 * (m->n + 1) > m->cap) {
        idmap old = *m;
        m->cap = old.cap ? 2 * old.cap : 64;
        m->key = calloc(m->cap, sizeof *m->key);
        m->val = malloc(m->cap * sizeof *m->val);
        if (!m->key || !m->val) {
            free(m->key);
            free(m->val);
            *m = old;
            return -1;
        }
        for (size_t i = 0; i < old.cap; i++)
            if (old.key[i]) {
                size_t j = idmap_slot(m, old.key[i]);
                m->key[j] = old.key[i];
                m->val[j] = old.val[i];
            }
        free(old.key);
        free(old.val);
    }
    size_t i = idmap_slot(m, k);
    if (m->key[i]) {
        if (replace)
            m->val[i] = v;
        return 1;
    }
    if (!(m->key[i] = strdup(k)))
        return -1;
    m->val[i] = v;
    m->n++;
    return 0;
}

static void idmap_free(idmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->key[i]);
    free(m->key);
    free(m->val);
    memset(m, 0, sizeof *m);
}

/* ---- the state of one feed and of the whole read
 * ----------------------------------------- */

typedef struct ftrip {
    int route;  /* global route index, -1: a route type not chosen */
    int active; /* its service runs on the date */
    int shape;  /* index into the feed's shape ids, -1: none */
    /* how late it runs, any day's (trip_end): the times at its first and last
     * stop_sequence, its latest time, the latest start of its frequencies rows (-1: none) */
    int32_t lo_seq, hi_seq, t_lo, t_hi, t_max, freq_last;
} ftrip;

typedef struct spt { /* a shapes.txt row of a shape some kept trip uses */
    int shape, seq, line;
    double lon, lat;
} spt;

typedef struct frow { /* a frequencies.txt row of a kept trip */
    int trip;
    int32_t start, end, headway;
} frow;

typedef struct strow { /* a stop_times.txt row of a kept trip */
    int trip, seq, stop, line;
    int32_t arr, dep;
    float dist; /* shape_dist_traveled, NAN when not given */
    uint8_t flags;
} strow;

typedef struct feed {
    const char *path, *prefix;
    int dir;             /* a folder, not a zip */
    char *root;          /* where its .txt files are: the folder, /vsizip/ZIP, or the one
                            subfolder of either that holds them (feed_root) */
    int stop0, station0; /* its first stop and station in the timetable */
    idmap stops, stations, routes, services, trips, shapes;
    idmap others;   /* stops.txt ids of entrances, nodes and boarding areas */
    idmap cal_rows; /* calendar.txt rows as read, to tell a repeat from a conflict */
    char **shape_id;
    int nshape, cap_shape;
    ftrip *trip;
    char **trip_id;
    int ntrip, cap_trip, selected, inactive, short_trips, freq_trips;
    int wrapped, wrap_line, wrap_trip; /* trips whose clock restarts at 0:00; the first's line */
    int bad_dist, bad_dist_line;       /* shape_dist_traveled values that are no distance */
    char bad_dist_text[32];            /* the first, as written */
    int32_t latest_s; /* the latest time of a trip of the chosen types, whatever its day */
    int cal_lo, cal_hi; /* YYYYMMDD: the first and last day of its calendars (0: none) */
    frow *freq;
    int nfreq, cap_freq;
    strow *rows;
    int nrows, cap_rows;
    int *parent_line; /* per stop of the feed: the stops.txt line (for messages) */
    int alias0;       /* its first alias in the timetable */
    char **oparent;   /* per alias of the feed: its parent_station (NULL: none) while read */
    int cap_oparent;
} feed;

typedef struct build {
    isr_timetable *tt;
    int cap_stops, cap_stations, cap_trips, cap_st, cap_tr, cap_routes, cap_rinfo, cap_parts,
        cap_pts, cap_aliases;
    uint8_t *used;  /* per stop: a trip of the chosen types calls there */
    int date, wday; /* YYYYMMDD; 0 Monday … 6 Sunday */
    const char *date_s, *types_s;
    int types[MAX_TYPE_RANGES][2], ntypes;
    char tz[64];         /* the first feed's agency_timezone, "" when not given */
    const char *tz_feed; /* that feed */
    int cal_lo, cal_hi;  /* the feeds' first and last days of service (YYYYMMDD; 0: none) */
} build;

/* Days lo..hi (YYYYMMDD) into the range *a..*b (0: empty). */
static void days_add(int *a, int *b, int lo, int hi)
{
    if (!*a || lo < *a)
        *a = lo;
    if (hi > *b)
        *b = hi;
}

typedef struct gfile { /* one open file of a feed */
    const feed *fd;
    const char *name;
    char *text;
    isr_csv csv;
} gfile;

/* Grows *p (elements of `size`) to hold `need`; 0, or -1 when out of memory. */
static int grow(void *p, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return 0;
    int c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *np = realloc(*(void **)p, (size_t)c * size);
    if (!np)
        return -1;
    *(void **)p = np;
    *cap = c;
    return 0;
}

static isr_status oom(isr_ctx *ctx) { return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory"); }

/* A failure at `line` of file `name` of the feed. */
static isr_status bad_at(isr_ctx *ctx, const feed *fd, const char *name, int line, const char *fmt,
                         ...) ISR_PRINTF(5, 6);
static isr_status bad_at(isr_ctx *ctx, const feed *fd, const char *name, int line, const char *fmt,
                         ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    isr_vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return isr_fail(ctx, ISR_ERR_INPUT, "gtfs '%s' %s line %d: %s", fd->path, name, line, msg);
}
#define BAD(ctx, g, ...) bad_at(ctx, (g)->fd, (g)->name, (g)->csv.line, __VA_ARGS__)

/* ---- values
 * ------------------------------------------------------------------------------
 */

/* Times from 48:00:00 on: a trip of a service day that starts on the day after the next
 * (100:20 is 04:20 four days on): a typo of the hour, or beyond the one service day and the
 * night after that isoreach reads (the day's journeys past 24:00, the overnight warnings). */
#define MAX_HOURS 48

/* Seconds of "H:MM:SS" (hours 0-999); -1 when blank, -2 when not a time, -3 when
 * MAX_HOURS or more. */
static int32_t parse_time(const char *s)
{
    if (!*s)
        return -1;
    int h = 0, nh = 0;
    for (; *s >= '0' && *s <= '9' && nh < 4; s++, nh++)
        h = 10 * h + (*s - '0');
    if (nh < 1 || nh > 3 || s[0] != ':' || !(s[1] >= '0' && s[1] <= '5') ||
        !(s[2] >= '0' && s[2] <= '9') || s[3] != ':' || !(s[4] >= '0' && s[4] <= '5') ||
        !(s[5] >= '0' && s[5] <= '9') || s[6])
        return -2;
    if (h >= MAX_HOURS)
        return -3;
    return h * 3600 + ((s[1] - '0') * 10 + s[2] - '0') * 60 + (s[4] - '0') * 10 + s[5] - '0';
}

/* A time field that parse_time refused (`code` -3: too late; else not a time), said. */
static isr_status bad_time(isr_ctx *ctx, const gfile *g, const char *trip, const char *field,
                           const char *text, int32_t code)
{
    if (code == -3)
        return BAD(ctx, g,
                   "trip '%s': field '%s' is '%s', %d hours or more after the service day "
                   "began: isoreach reads one service day and the night after it (times below "
                   "%d:00:00); is the hour mistyped?",
                   trip, field, text, MAX_HOURS, MAX_HOURS);
    return BAD(ctx, g, "trip '%s': field '%s' is '%s', not a time H:MM:SS", trip, field, text);
}

static const char *fmt_time(char *buf, size_t n, int32_t t)
{
    isr_snprintf(buf, n, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
    return buf;
}

/* A whole number 0 … max, or -1. */
static long parse_uint(const char *s, long max)
{
    long v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > max / 10)
            return -1;
        v = 10 * v + (*s - '0');
    }
    return v <= max ? v : -1;
}

static int days_in_month(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : d[m - 1];
}

/* YYYYMMDD of "YYYYMMDD" (dash 0) or "YYYY-MM-DD" (dash 1); -1 when not a date.
 */
static int parse_date(const char *s, int dash)
{
    char digits[9];
    size_t len = strlen(s);
    if (len != (dash ? 10u : 8u) || (dash && (s[4] != '-' || s[7] != '-')))
        return -1;
    isr_snprintf(digits, sizeof digits, "%.4s%.2s%.2s", s, s + (dash ? 5 : 4), s + (dash ? 8 : 6));
    long v = parse_uint(digits, 99999999);
    int y = (int)(v / 10000), m = (int)(v / 100 % 100), d = (int)(v % 100);
    if (v < 0 || y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    return (int)v;
}

/* 0 Monday … 6 Sunday (days from 1970-01-01, a Thursday; Howard Hinnant's
 * algorithm). */
static int weekday(int ymd)
{
    int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long days = (long)era * 146097 + (long)yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    return (int)(((days + 3) % 7 + 7) % 7);
}

/* The route types "2,101-103" as ranges; -1 when not that. */
static int parse_types(const char *s, int ranges[][2], int max)
{
    int n = 0;
    char buf[32];
    while (*s) {
        size_t len = strcspn(s, ",");
        if (n == max || len == 0 || len >= sizeof buf)
            return -1;
        memcpy(buf, s, len);
        buf[len] = '\0';
        char *dash = strchr(buf, '-');
        if (dash)
            *dash = '\0';
        long lo = parse_uint(buf, 9999), hi = dash ? parse_uint(dash + 1, 9999) : lo;
        if (lo < 0 || hi < lo)
            return -1;
        ranges[n][0] = (int)lo;
        ranges[n++][1] = (int)hi;
        s += len + (s[len] == ',');
    }
    return n;
}

/* Degrees of a stop_lat / stop_lon field within ±lim, or NAN. */
static double parse_deg(const char *s, double lim)
{
    char *end;
    double v = isr_strtod(s, &end);
    return *s && !*end && isfinite(v) && fabs(v) <= lim ? v : NAN;
}

/* ---- files
 * ------------------------------------------------------------------------------
 */

/* The text of file g (n bytes) as UTF-8, as GTFS text is: bytes that are not (a feed saved
 * in Latin-1 or GBK) replaced with U+FFFD and said, with the line of the first. They were
 * copied as they were into every CSV, JSON and GeoJSON output, which no reader then took. */
static isr_status utf8_or_said(isr_ctx *ctx, gfile *g, size_t n)
{
    size_t at = isr_utf8_valid_prefix(g->text, n);
    if (at == n) /* the rule: no copy */
        return ISR_OK;
    int nbad = 0;
    char *clean = isr_utf8_clean(g->text, n, &nbad);
    if (!clean)
        return oom(ctx);
    int line = 1;
    for (size_t i = 0; i < at; i++)
        line += g->text[i] == '\n';
    isr_log(ctx, ISR_LOG_WARN,
            "gtfs '%s' %s: %d %s not UTF-8 (the first on line %d), which GTFS text must be "
            "(a feed saved in another encoding?): replaced with U+FFFD in the outputs, where a "
            "name shows '\xEF\xBF\xBD'; save the file as UTF-8 for its names to show",
            g->fd->path, g->name, nbad, ISR_PLURAL(nbad, "byte is", "bytes are"), line);
    free(g->text);
    g->text = clean;
    return ISR_OK;
}

/* Opens `name` of the feed and reads its header; *found 0 (and OK) when an
 * optional file is absent. */
static isr_status gfile_open(isr_ctx *ctx, const feed *fd, const char *name, int required, gfile *g,
                             int *found)
{
    memset(g, 0, sizeof *g);
    g->fd = fd;
    g->name = name;
    *found = 0;
    char *path = isr_strdup_printf("%s/%s", fd->root, name);
    if (!path)
        return oom(ctx);
    VSIStatBufL sb;
    VSILFILE *f = VSIStatL(path, &sb) == 0 ? VSIFOpenL(path, "rb") : NULL;
    free(path);
    if (!f)
        return required ? isr_fail(ctx, ISR_ERR_INPUT,
                                   "gtfs '%s': no %s; a GTFS feed needs stops.txt, "
                                   "routes.txt, "
                                   "trips.txt, stop_times.txt and calendar.txt or "
                                   "calendar_dates.txt",
                                   fd->path, name)
                        : ISR_OK;
    if (sb.st_size < 0 || (unsigned long long)sb.st_size > (unsigned long long)MAX_FILE_MB << 20) {
        VSIFCloseL(f);
        return isr_fail(ctx, ISR_ERR_INPUT, "gtfs '%s' %s: larger than %d MB", fd->path, name,
                        MAX_FILE_MB);
    }
    size_t size = (size_t)sb.st_size;
    g->text = malloc(size + 1);
    size_t n = g->text ? VSIFReadL(g->text, 1, size, f) : 0;
    VSIFCloseL(f);
    if (!g->text)
        return oom(ctx);
    if (n != size)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "gtfs '%s' %s: read %zu of its %zu bytes; the "
                        "file is damaged",
                        fd->path, name, n, size);
    g->text[n] = '\0';
    if (strlen(g->text) != n)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "gtfs '%s' %s: holds NUL bytes, it is not a CSV "
                        "text file",
                        fd->path, name);
    isr_status st = utf8_or_said(ctx, g, n);
    if (st != ISR_OK)
        return st;
    isr_csv_init(&g->csv, g->text);
    int r = isr_csv_header(&g->csv);
    if (r == -2)
        return oom(ctx);
    if (r == -1)
        return BAD(ctx, g, "a quote is not closed");
    if (r == 0)
        return isr_fail(ctx, ISR_ERR_INPUT, "gtfs '%s' %s: empty; it needs a header line", fd->path,
                        name);
    *found = 1;
    return ISR_OK;
}

static void gfile_close(gfile *g)
{
    isr_csv_clear(&g->csv);
    free(g->text);
    g->text = NULL;
}

/* The columns `names` (NULL-terminated; the first `nreq` required) into col[].
 */
static isr_status columns(isr_ctx *ctx, const gfile *g, const char *const *names, int nreq,
                          int *col)
{
    for (int i = 0; names[i]; i++) {
        col[i] = isr_csv_col(&g->csv, names[i]);
        if (col[i] < 0 && i < nreq)
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "gtfs '%s' %s: no column '%s' in the header (line %d); GTFS "
                            "requires it",
                            g->fd->path, g->name, names[i], g->csv.line);
    }
    return ISR_OK;
}

/* The next data record: 1, or 0 at the end or on an error (*st). */
static int next_row(isr_ctx *ctx, gfile *g, isr_status *st)
{
    int r = isr_csv_next(&g->csv);
    if (r == -1)
        *st = BAD(ctx, g, "a quote is not closed");
    else if (r == -2)
        *st = oom(ctx);
    return r == 1;
}

#define F(g, c) isr_csv_get(&(g)->csv, (c))

/* A required field that is blank. */
static isr_status blank(isr_ctx *ctx, const gfile *g, const char *field)
{
    return BAD(ctx, g, "field '%s' is blank; GTFS requires it", field);
}

/* ---- stops.txt
 * -------------------------------------------------------------------------- */

/* Appends a stop (station < 0: not yet known) or a station; returns its index
 * or -1. */
static int add_place(build *b, const feed *fd, int is_station, const char *id, const char *name,
                     double lon, double lat)
{
    isr_timetable *tt = b->tt;
    char *qid = isr_strdup_printf("%s%s", fd->prefix, id), *qname = strdup(name);
    int bad = !qid || !qname;
    if (!bad && is_station) {
        bad = grow(&tt->stations, &b->cap_stations, tt->nstations + 1, sizeof *tt->stations);
        if (!bad)
            tt->stations[tt->nstations] = (isr_tt_station){qid, qname, lon, lat};
    } else if (!bad) {
        int cap = b->cap_stops;
        bad = grow(&tt->stops, &b->cap_stops, tt->nstops + 1, sizeof *tt->stops) ||
              grow(&b->used, &cap, tt->nstops + 1, 1);
        if (!bad) {
            tt->stops[tt->nstops] = (isr_tt_stop){qid, qname, lon, lat, -1};
            b->used[tt->nstops] = 0;
        }
    }
    if (bad) {
        free(qid);
        free(qname);
        return -1;
    }
    return is_station ? tt->nstations++ : tt->nstops++;
}

/* An entrance, node or boarding area (location_type 2 to 4): no trip calls there, but --hubs
 * may name it for its station (other_stations resolves its parent after). */
static isr_status other_row(isr_ctx *ctx, build *b, feed *fd, const char *id, const char *parent,
                            int type)
{
    isr_timetable *tt = b->tt;
    int k = tt->naliases - fd->alias0;
    if (idmap_put(&fd->others, id, 0, 0) < 0 ||
        grow(&tt->aliases, &b->cap_aliases, tt->naliases + 1, sizeof *tt->aliases) ||
        grow(&fd->oparent, &fd->cap_oparent, k + 1, sizeof *fd->oparent))
        return oom(ctx);
    char *qid = isr_strdup_printf("%s%s", fd->prefix, id), *p = *parent ? strdup(parent) : NULL;
    if (!qid || (*parent && !p)) {
        free(qid);
        free(p);
        return oom(ctx);
    }
    tt->aliases[tt->naliases++] = (isr_tt_alias){qid, -1, type};
    fd->oparent[k] = p;
    return ISR_OK;
}

/* Each alias's station: its parent station's, or its parent platform's (a boarding area). */
static void other_stations(build *b, feed *fd)
{
    isr_timetable *tt = b->tt;
    for (int i = fd->alias0; i < tt->naliases; i++) {
        const char *p = fd->oparent[i - fd->alias0];
        int k = p ? idmap_get(&fd->stations, p) : -1;
        if (p && k < 0 && (k = idmap_get(&fd->stops, p)) >= 0)
            k = tt->stops[k].station;
        tt->aliases[i].station = k;
    }
}

/* One stops.txt row; a stop's parent station id is kept in *parents (resolved
 * after). */
static isr_status stop_row(isr_ctx *ctx, build *b, feed *fd, gfile *g, const int *col,
                           char ***parents, int *cap_parents)
{
    const char *id = F(g, col[0]), *lt = F(g, col[4]), *parent = F(g, col[5]);
    if (!*id)
        return blank(ctx, g, "stop_id");
    int type = !*lt ? 0 : (int)parse_uint(lt, 4);
    if (type < 0)
        return BAD(ctx, g, "field 'location_type' is '%s'; GTFS knows 0 to 4", lt);
    if (type > 1) /* entrances, generic nodes, boarding areas: no trip stops there */
        return other_row(ctx, b, fd, id, parent, type);
    double lat = parse_deg(F(g, col[2]), 90), lon = parse_deg(F(g, col[3]), 180);
    if (isnan(lat) || isnan(lon))
        return BAD(ctx, g, "stop '%s': field '%s' is '%s', not a %s in degrees", id,
                   isnan(lat) ? "stop_lat" : "stop_lon", F(g, col[isnan(lat) ? 2 : 3]),
                   isnan(lat) ? "latitude (-90 to 90)" : "longitude (-180 to 180)");
    if (idmap_get(&fd->stops, id) >= 0 || idmap_get(&fd->stations, id) >= 0)
        return BAD(ctx, g, "stop_id '%s' is given twice; stop ids must be unique", id);
    int i = add_place(b, fd, type == 1, id, F(g, col[1]), lon, lat);
    if (i < 0 || idmap_put(type == 1 ? &fd->stations : &fd->stops, id, i, 0) < 0)
        return oom(ctx);
    if (type == 1)
        return ISR_OK;
    int k = i - fd->stop0, cap = *cap_parents;
    if (grow(parents, cap_parents, k + 1, sizeof **parents) ||
        grow(&fd->parent_line, &cap, k + 1, sizeof *fd->parent_line))
        return oom(ctx);
    (*parents)[k] = *parent ? strdup(parent) : NULL;
    fd->parent_line[k] = g->csv.line;
    return *parent && !(*parents)[k] ? oom(ctx) : ISR_OK;
}

/* A parent_station id that stops.txt lacks (feeds cut down to a few routes
 * often drop the stations): one station of that id for all the stops naming
 * it, at their mean position, named after the first; *made counts them. */
static int missing_parent(build *b, feed *fd, const char *p, const isr_tt_stop *s, int *made)
{
    int k = idmap_get(&fd->stations, p);
    if (k >= 0)
        return k;
    k = add_place(b, fd, 1, p, s->name, 0, 0);
    if (k < 0 || idmap_put(&fd->stations, p, k, 0) < 0)
        return -1;
    (*made)++;
    return k;
}

/* Each stop's station: its parent, or a station of its own. */
static isr_status stop_stations(isr_ctx *ctx, build *b, feed *fd, char **parents)
{
    isr_timetable *tt = b->tt;
    int nmade = 0, nstops = 0, first = -1, s0 = tt->nstations;
    for (int i = fd->stop0; i < tt->nstops; i++) {
        const char *p = parents[i - fd->stop0];
        isr_tt_stop *s = &tt->stops[i];
        if (p && (s->station = idmap_get(&fd->stations, p)) >= 0)
            continue;
        if (p && (idmap_get(&fd->stops, p) >= 0 || idmap_get(&fd->others, p) >= 0))
            return bad_at(ctx, fd, "stops.txt", fd->parent_line[i - fd->stop0],
                          "stop '%s': parent_station '%s' is not a station (location_type "
                          "1) in stops.txt",
                          s->id + strlen(fd->prefix), p);
        if (p) {
            if ((s->station = missing_parent(b, fd, p, s, &nmade)) < 0)
                return oom(ctx);
            first = first < 0 ? i : first;
            continue;
        }
        int k = add_place(b, fd, 1, s->id + strlen(fd->prefix), s->name, s->lon, s->lat);
        if (k < 0)
            return oom(ctx);
        tt->stops[i].station = k;
    }
    if (!nmade)
        return ISR_OK;
    int *n = calloc((size_t)(tt->nstations - s0), sizeof *n); /* the made stations' stops */
    if (!n)
        return oom(ctx);
    for (int i = fd->stop0; i < tt->nstops; i++) {
        int k = tt->stops[i].station;
        if (k >= s0 && parents[i - fd->stop0]) { /* stations of stops.txt are all < s0 */
            tt->stations[k].lon += tt->stops[i].lon;
            tt->stations[k].lat += tt->stops[i].lat;
            n[k - s0]++;
            nstops++;
        }
    }
    for (int k = s0; k < tt->nstations; k++)
        if (n[k - s0]) {
            tt->stations[k].lon /= n[k - s0];
            tt->stations[k].lat /= n[k - s0];
        }
    free(n);
    isr_log(ctx, ISR_LOG_WARN,
            "gtfs '%s' stops.txt: %d stops name a parent_station that is not in the file "
            "(first: stop '%s' on line %d, parent_station '%s'); they get %d stations, "
            "one per parent_station id, each at the mean position of its stops",
            fd->path, nstops, tt->stops[first].id + strlen(fd->prefix),
            fd->parent_line[first - fd->stop0], parents[first - fd->stop0], nmade);
    return ISR_OK;
}

static isr_status read_stops(isr_ctx *ctx, build *b, feed *fd)
{
    static const char *const names[] = {"stop_id",       "stop_name",      "stop_lat", "stop_lon",
                                        "location_type", "parent_station", NULL};
    int col[6], found, cap_parents = 0;
    char **parents = NULL;
    gfile g;
    fd->stop0 = b->tt->nstops;
    fd->station0 = b->tt->nstations;
    fd->alias0 = b->tt->naliases;
    isr_status st = gfile_open(ctx, fd, "stops.txt", 1, &g, &found);
    if (st == ISR_OK)
        st = columns(ctx, &g, names, 1, col);
    while (st == ISR_OK && next_row(ctx, &g, &st))
        st = stop_row(ctx, b, fd, &g, col, &parents, &cap_parents);
    if (st == ISR_OK)
        st = stop_stations(ctx, b, fd, parents);
    if (st == ISR_OK)
        other_stations(b, fd);
    for (int i = 0; parents && i < b->tt->nstops - fd->stop0; i++)
        free(parents[i]);
    free(parents);
    for (int i = 0; fd->oparent && i < b->tt->naliases - fd->alias0; i++)
        free(fd->oparent[i]);
    free(fd->oparent);
    fd->oparent = NULL;
    gfile_close(&g);
    return st;
}

/* ---- routes.txt, calendar.txt, calendar_dates.txt
 * --------------------------------------- */

static int type_chosen(const build *b, long type)
{
    for (int i = 0; i < b->ntypes; i++)
        if (type >= b->types[i][0] && type <= b->types[i][1])
            return 1;
    return 0;
}

static isr_status read_routes(isr_ctx *ctx, build *b, feed *fd)
{
    static const char *const names[] = {"route_id", "route_type", "route_short_name",
                                        "route_long_name", NULL};
    int col[4], found;
    gfile g;
    isr_timetable *tt = b->tt;
    isr_status st = gfile_open(ctx, fd, "routes.txt", 1, &g, &found);
    if (st == ISR_OK)
        st = columns(ctx, &g, names, 2, col);
    while (st == ISR_OK && next_row(ctx, &g, &st)) {
        const char *id = F(&g, col[0]), *ts = F(&g, col[1]);
        long type = parse_uint(ts, 9999);
        if (!*id) {
            st = blank(ctx, &g, "route_id");
        } else if (type < 0) {
            st = BAD(ctx, &g,
                     "route '%s': field 'route_type' is '%s', not a "
                     "GTFS route type (a whole number)",
                     id, ts);
        } else if (idmap_get(&fd->routes, id) != -1) {
            st = BAD(ctx, &g, "route_id '%s' is given twice; route ids must be unique", id);
        } else if (!type_chosen(b, type)) {
            if (idmap_put(&fd->routes, id, -2, 0) < 0)
                st = oom(ctx);
        } else {
            char *q = isr_strdup_printf("%s%s", fd->prefix, id);
            char *sn = strdup(F(&g, col[2])), *ln = strdup(F(&g, col[3]));
            if (!q || !sn || !ln ||
                grow(&tt->route_ids, &b->cap_routes, tt->nroutes + 1, sizeof *tt->route_ids) ||
                grow(&tt->routes, &b->cap_rinfo, tt->nroutes + 1, sizeof *tt->routes) ||
                idmap_put(&fd->routes, id, tt->nroutes, 0) < 0) {
                free(q);
                free(sn);
                free(ln);
                st = oom(ctx);
            } else {
                tt->routes[tt->nroutes] = (isr_tt_route){sn, ln, (int)type};
                tt->route_ids[tt->nroutes++] = q;
            }
        }
    }
    gfile_close(&g);
    return st;
}

/* A calendar.txt row as one key: a repeat of an earlier row is told from a conflict. */
static char *calendar_key(const gfile *g, const int *col)
{
    const char *f[10];
    for (int i = 0; i < 10; i++)
        f[i] = F(g, col[i]);
    return isr_strdup_printf("%s\x1f%s%s%s%s%s%s%s\x1f%s\x1f%s", f[0], f[1], f[2], f[3], f[4],
                             f[5], f[6], f[7], f[8], f[9]);
}

/* Records the service of a calendar.txt row: exact repeats of an earlier row
 * (some feeds list every service twice) are counted in *repeats and the line
 * of the first and of the row it repeats in first[0..1]; a service given
 * again with other values is refused. */
static isr_status calendar_service(isr_ctx *ctx, feed *fd, gfile *g, const int *col, int runs,
                                   int *repeats, int first[2])
{
    const char *id = F(g, col[0]);
    char *key = calendar_key(g, col);
    int seen = key ? idmap_put(&fd->cal_rows, key, g->csv.line, 0) : -1;
    int was = seen < 0 ? 0 : idmap_get(&fd->cal_rows, key);
    free(key);
    int r = seen < 0 ? -1 : idmap_put(&fd->services, id, runs, 0);
    if (r < 0)
        return oom(ctx);
    if (r == 1 && seen == 1) {
        if (!(*repeats)++) {
            first[0] = g->csv.line;
            first[1] = was;
        }
        return ISR_OK;
    }
    return r == 1 ? BAD(ctx, g,
                        "service_id '%s' is given twice, with other days or dates than on "
                        "an earlier line; give each service one row",
                        id)
                  : ISR_OK;
}

/* calendar.txt: whether each service runs on the date by its weekdays and date
 * range. */
static isr_status read_calendar(isr_ctx *ctx, const build *b, feed *fd, int *found)
{
    static const char *const names[] = {"service_id", "monday",   "tuesday",  "wednesday",
                                        "thursday",   "friday",   "saturday", "sunday",
                                        "start_date", "end_date", NULL};
    int col[10], repeats = 0, first[2] = {0, 0};
    gfile g;
    isr_status st = gfile_open(ctx, fd, "calendar.txt", 0, &g, found);
    if (st == ISR_OK && *found)
        st = columns(ctx, &g, names, 10, col);
    while (st == ISR_OK && *found && next_row(ctx, &g, &st)) {
        const char *id = F(&g, col[0]);
        if (!*id) {
            st = blank(ctx, &g, "service_id");
            break;
        }
        int runs = 0;
        for (int d = 0; d < 7 && st == ISR_OK; d++) {
            const char *v = F(&g, col[1 + d]);
            if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
                st = BAD(ctx, &g, "service '%s': field '%s' is '%s', not 0 or 1", id, names[1 + d],
                         v);
            else if (d == b->wday)
                runs = *v == '1';
        }
        int from = parse_date(F(&g, col[8]), 0), to = parse_date(F(&g, col[9]), 0);
        if (st == ISR_OK && (from < 0 || to < 0))
            st = BAD(ctx, &g, "service '%s': field '%s' is '%s', not a date YYYYMMDD", id,
                     from < 0 ? "start_date" : "end_date", F(&g, col[from < 0 ? 8 : 9]));
        else if (st == ISR_OK && from > to)
            st = BAD(ctx, &g, "service '%s': start_date %s is after end_date %s, so it never "
                     "runs; swap them",
                     id, F(&g, col[8]), F(&g, col[9]));
        if (st == ISR_OK) {
            days_add(&fd->cal_lo, &fd->cal_hi, from, to);
            st = calendar_service(ctx, fd, &g, col, runs && b->date >= from && b->date <= to,
                                  &repeats, first);
        }
    }
    gfile_close(&g);
    if (st == ISR_OK && repeats)
        isr_log(ctx, ISR_LOG_WARN,
                "gtfs '%s' calendar.txt: %d rows repeat an earlier row exactly (first: line %d "
                "repeats line %d); each service is read once",
                fd->path, repeats, first[0], first[1]);
    return st;
}

/* calendar_dates.txt: services added (1) or removed (2) on a date. */
static isr_status read_calendar_dates(isr_ctx *ctx, const build *b, feed *fd, int *found)
{
    static const char *const names[] = {"service_id", "date", "exception_type", NULL};
    int col[3];
    gfile g;
    idmap day = {0}; /* the run's date: service -> line << 1 | added, to tell a repeat from a
                      * contradiction (added on one line, removed on another: the last won) */
    isr_status st = gfile_open(ctx, fd, "calendar_dates.txt", 0, &g, found);
    if (st == ISR_OK && *found)
        st = columns(ctx, &g, names, 3, col);
    while (st == ISR_OK && *found && next_row(ctx, &g, &st)) {
        const char *id = F(&g, col[0]), *e = F(&g, col[2]);
        int date = parse_date(F(&g, col[1]), 0), was = -1;
        if (date == b->date && *id && (*e == '1' || *e == '2') && !e[1] &&
            (was = idmap_get(&day, id)) >= 0 && (was & 1) != (*e == '1'))
            st = BAD(ctx, &g,
                     "service '%s' is %s on %s here and %s on line %d; a date of a service "
                     "has one row (GTFS's key is service_id and date): keep the right one",
                     id, *e == '1' ? "added" : "removed", F(&g, col[1]),
                     *e == '1' ? "removed" : "added", was >> 1);
        else if (date == b->date && *id && was < 0 &&
                 idmap_put(&day, id, g.csv.line << 1 | (*e == '1'), 0) < 0)
            st = oom(ctx);
        if (st != ISR_OK)
            break;
        if (!*id)
            st = blank(ctx, &g, "service_id");
        else if (date < 0)
            st = BAD(ctx, &g, "service '%s': field 'date' is '%s', not a date YYYYMMDD", id,
                     F(&g, col[1]));
        else if (strcmp(e, "1") != 0 && strcmp(e, "2") != 0)
            st = BAD(ctx, &g,
                     "service '%s': field 'exception_type' is '%s', not 1 (added) or "
                     "2 (removed)",
                     id, e);
        else if (idmap_put(&fd->services, id, date == b->date && *e == '1', date == b->date) < 0)
            st = oom(ctx);
        else if (*e == '1')
            days_add(&fd->cal_lo, &fd->cal_hi, date, date);
    }
    idmap_free(&day);
    gfile_close(&g);
    return st;
}

/* ---- trips.txt, frequencies.txt
 * --------------------------------------------------------- */

static isr_status trip_row(isr_ctx *ctx, feed *fd, gfile *g, const int *col)
{
    const char *rid = F(g, col[0]), *sid = F(g, col[1]), *id = F(g, col[2]);
    if (!*id || !*rid || !*sid)
        return blank(ctx, g, !*id ? "trip_id" : !*rid ? "route_id" : "service_id");
    int route = idmap_get(&fd->routes, rid), active = idmap_get(&fd->services, sid);
    if (route == -1)
        return BAD(ctx, g, "trip '%s': route_id '%s' is not in routes.txt", id, rid);
    if (active < 0)
        return BAD(ctx, g,
                   "trip '%s': service_id '%s' is in neither calendar.txt nor "
                   "calendar_dates.txt, so it never runs; add the service or "
                   "remove the trip",
                   id, sid);
    int cap = fd->cap_trip;
    if (grow(&fd->trip, &fd->cap_trip, fd->ntrip + 1, sizeof *fd->trip) ||
        grow(&fd->trip_id, &cap, fd->ntrip + 1, sizeof *fd->trip_id))
        return oom(ctx);
    int r = idmap_put(&fd->trips, id, fd->ntrip, 0);
    if (r == 1)
        return BAD(ctx, g, "trip_id '%s' is given twice; trip ids must be unique", id);
    if (r < 0 || !(fd->trip_id[fd->ntrip] = strdup(id)))
        return oom(ctx);
    const char *shape = col[3] >= 0 ? F(g, col[3]) : "";
    int sh = *shape ? idmap_get(&fd->shapes, shape) : -1;
    if (*shape && sh < 0) { /* a new shape id */
        if (grow(&fd->shape_id, &fd->cap_shape, fd->nshape + 1, sizeof *fd->shape_id) ||
            idmap_put(&fd->shapes, shape, fd->nshape, 0) < 0 ||
            !(fd->shape_id[fd->nshape] = strdup(shape)))
            return oom(ctx);
        sh = fd->nshape++;
    }
    fd->trip[fd->ntrip++] = (ftrip){route < 0 ? -1 : route, active, sh, 0x7fffffff, -1, -1, -1,
                                    -1, -1};
    fd->selected += route >= 0;
    fd->inactive += route >= 0 && !active;
    return ISR_OK;
}

static isr_status read_trips(isr_ctx *ctx, feed *fd)
{
    static const char *const names[] = {"route_id", "service_id", "trip_id", "shape_id",
                                        "block_id", NULL};
    int col[5], found, blocks = 0, first_line = 0;
    gfile g;
    isr_status st = gfile_open(ctx, fd, "trips.txt", 1, &g, &found);
    if (st == ISR_OK)
        st = columns(ctx, &g, names, 3, col);
    while (st == ISR_OK && next_row(ctx, &g, &st)) {
        st = trip_row(ctx, fd, &g, col);
        if (st == ISR_OK && col[4] >= 0 && *F(&g, col[4]) &&
            idmap_get(&fd->services, F(&g, col[1])) > 0 && blocks++ == 0)
            first_line = g.csv.line;
    }
    /* a train that runs on as the block's next trip: its riders change, at --transfer */
    if (st == ISR_OK && blocks)
        isr_log(ctx, ISR_LOG_WARN,
                "gtfs '%s' trips.txt: %d %s of the date %s a block_id (the first on line %d): "
                "staying aboard as the train runs on as the block's next trip is not read; "
                "such a change costs --transfer, as any other, so journeys through it come out "
                "longer by that much, or are not made within the budget",
                fd->path, blocks, ISR_PLURAL(blocks, "trip", "trips"),
                ISR_PLURAL(blocks, "has", "have"), first_line);
    gfile_close(&g);
    return st;
}

/* A trip id of the file `g` that must be in trips.txt: its index, or -1 with
 * the error. */
static int known_trip(isr_ctx *ctx, const feed *fd, const gfile *g, const char *id, isr_status *st)
{
    int t = *id ? idmap_get(&fd->trips, id) : -1;
    if (t < 0)
        *st = *id ? BAD(ctx, g, "trip_id '%s' is not in trips.txt", id) : blank(ctx, g, "trip_id");
    return t;
}

static isr_status freq_row(isr_ctx *ctx, feed *fd, gfile *g, const int *col)
{
    isr_status st = ISR_OK;
    const char *id = F(g, col[0]), *ex = F(g, col[4]);
    int t = known_trip(ctx, fd, g, id, &st);
    if (t < 0)
        return st;
    int32_t from = parse_time(F(g, col[1])), to = parse_time(F(g, col[2]));
    long h = parse_uint(F(g, col[3]), 86400);
    if (from < 0 || to < 0)
        return bad_time(ctx, g, id, from < 0 ? "start_time" : "end_time",
                        F(g, col[from < 0 ? 1 : 2]), from < 0 ? from : to);
    if (h <= 0)
        return BAD(ctx, g,
                   "trip '%s': field 'headway_secs' is '%s', not a whole number of "
                   "seconds from 1 to 86400",
                   id, F(g, col[3]));
    if (to <= from)
        return BAD(ctx, g, "trip '%s': end_time %s is not after start_time %s", id, F(g, col[2]),
                   F(g, col[1]));
    if (*ex && strcmp(ex, "0") != 0 && strcmp(ex, "1") != 0)
        return BAD(ctx, g, "trip '%s': field 'exact_times' is '%s', not 0 or 1", id, ex);
    if (fd->trip[t].route < 0)
        return ISR_OK;
    int32_t last = from + (to - 1 - from) / (int32_t)h * (int32_t)h; /* its last start */
    fd->trip[t].freq_last = last > fd->trip[t].freq_last ? last : fd->trip[t].freq_last;
    if (!fd->trip[t].active)
        return ISR_OK;
    if (grow(&fd->freq, &fd->cap_freq, fd->nfreq + 1, sizeof *fd->freq))
        return oom(ctx);
    fd->freq[fd->nfreq++] = (frow){t, from, to, (int32_t)h};
    return ISR_OK;
}

static isr_status read_frequencies(isr_ctx *ctx, feed *fd)
{
    static const char *const names[] = {"trip_id",      "start_time",  "end_time",
                                        "headway_secs", "exact_times", NULL};
    int col[5], found;
    gfile g;
    isr_status st = gfile_open(ctx, fd, "frequencies.txt", 0, &g, &found);
    if (st == ISR_OK && found)
        st = columns(ctx, &g, names, 4, col);
    while (st == ISR_OK && found && next_row(ctx, &g, &st))
        st = freq_row(ctx, fd, &g, col);
    gfile_close(&g);
    return st;
}

/* ---- stop_times.txt
 * --------------------------------------------------------------------- */

/* pickup_type / drop_off_type: 0, 2, 3 or blank allow, 1 forbids (returns
 * `flag`); -1. */
static int restriction(const char *v, int flag)
{
    if (!*v || strcmp(v, "0") == 0 || strcmp(v, "2") == 0 || strcmp(v, "3") == 0)
        return 0;
    return strcmp(v, "1") == 0 ? flag : -1;
}

/* One stop_times row of trip t (any day's) into its extent: stop_sequence seq, the row's
 * arrival and departure (-1 blank, -2 not a time: left out). */
static void trip_extent(ftrip *t, long seq, int32_t arr, int32_t dep)
{
    int32_t lo = dep >= 0 ? dep : arr, hi = arr >= 0 ? arr : dep; /* leaving, reaching */
    if (seq < 0 || lo < 0)
        return;
    if (seq < t->lo_seq) {
        t->lo_seq = (int32_t)seq;
        t->t_lo = lo;
    }
    if (seq > t->hi_seq) {
        t->hi_seq = (int32_t)seq;
        t->t_hi = hi;
    }
    t->t_max = (lo > hi ? lo : hi) > t->t_max ? (lo > hi ? lo : hi) : t->t_max;
}

/* When trip t (any day's) ends, in seconds from the midnight of its day (-1: no times): its
 * last time, on the next day's clock when it restarts at 0:00 (unwrap_midnight's rule, a
 * fall of more than 12 hours); for a trip of frequencies, that of its last start. */
static int32_t trip_end(const ftrip *t)
{
    if (t->hi_seq < 0)
        return -1;
    int32_t end = t->t_hi < t->t_max - 12 * 3600 ? t->t_hi + 86400 : t->t_max;
    return t->freq_last >= 0 ? end + (t->freq_last - t->t_lo) : end;
}

static isr_status stop_time_row(isr_ctx *ctx, build *b, feed *fd, gfile *g, const int *col)
{
    isr_status st = ISR_OK;
    const char *tid = F(g, col[0]), *sid = F(g, col[3]);
    int t = known_trip(ctx, fd, g, tid, &st);
    if (t < 0)
        return st;
    int s = *sid ? idmap_get(&fd->stops, sid) : -1;
    if (s < 0 && !*sid)
        return blank(ctx, g, "stop_id");
    if (s < 0)
        return BAD(ctx, g,
                   idmap_get(&fd->stations, sid) >= 0
                       ? "trip '%s': stop_id '%s' is a station (location_type 1); "
                         "trips call at its stops (location_type 0)"
                       : "trip '%s': stop_id '%s' is not in stops.txt",
                   tid, sid);
    if (fd->trip[t].route < 0)
        return ISR_OK;
    trip_extent(&fd->trip[t], parse_uint(F(g, col[4]), 0x7fffffff), parse_time(F(g, col[1])),
                parse_time(F(g, col[2])));
    if (!fd->trip[t].active) /* another day's: only how late it runs (trip_end); its stops */
        return ISR_OK;       /* are no stations of the run unless a trip of the day calls */
    b->used[s] = 1;
    const char *names[2] = {"arrival_time", "departure_time"};
    int32_t tm[2];
    for (int k = 0; k < 2; k++)
        if ((tm[k] = parse_time(F(g, col[1 + k]))) <= -2)
            return bad_time(ctx, g, tid, names[k], F(g, col[1 + k]), tm[k]);
    long seq = parse_uint(F(g, col[4]), 0x7fffffff);
    if (seq < 0)
        return BAD(ctx, g, "trip '%s': field 'stop_sequence' is '%s', not a whole number", tid,
                   F(g, col[4]));
    int up = restriction(F(g, col[5]), ISR_TT_NO_PICKUP);
    int off = restriction(F(g, col[6]), ISR_TT_NO_DROPOFF);
    if (up < 0 || off < 0)
        return BAD(ctx, g, "trip '%s': field '%s' is '%s', not 0 to 3", tid,
                   up < 0 ? "pickup_type" : "drop_off_type", F(g, col[up < 0 ? 5 : 6]));
    if (grow(&fd->rows, &fd->cap_rows, fd->nrows + 1, sizeof *fd->rows))
        return oom(ctx);
    /* a distance that is not one is read as blank, and said once (feed_end): the column is
     * optional, and only the timing of untimed stops reads it */
    const char *ds = F(g, col[7]);
    char *end;
    double dist = *ds ? isr_strtod(ds, &end) : NAN;
    if (*ds && (*end || !isfinite(dist) || dist < 0)) {
        if (!fd->bad_dist++) {
            fd->bad_dist_line = g->csv.line;
            isr_snprintf(fd->bad_dist_text, sizeof fd->bad_dist_text, "%s", ds);
        }
        dist = NAN;
    }
    fd->rows[fd->nrows++] =
        (strow){t, (int)seq, s, g->csv.line, tm[0], tm[1], (float)dist, (uint8_t)(up | off)};
    return ISR_OK;
}

static isr_status read_stop_times(isr_ctx *ctx, build *b, feed *fd)
{
    static const char *const names[] = {
        "trip_id",       "arrival_time", "departure_time", "stop_id",
        "stop_sequence", "pickup_type",  "drop_off_type",  "shape_dist_traveled", NULL};
    int col[8], found;
    gfile g;
    isr_status st = gfile_open(ctx, fd, "stop_times.txt", 1, &g, &found);
    if (st == ISR_OK)
        st = columns(ctx, &g, names, 5, col);
    int rows = 0;
    while (st == ISR_OK && next_row(ctx, &g, &st) && ++rows)
        st = stop_time_row(ctx, b, fd, &g, col);
    if (st == ISR_OK && rows == 0)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "gtfs '%s' stop_times.txt has no rows, only its header: the feed has no "
                      "timetable (a feed cut down too far, or its export failed)",
                      fd->path);
    gfile_close(&g);
    return st;
}

/* ---- a feed's trips into the timetable
 * -------------------------------------------------- */

static int cmp_rows(const void *a, const void *b)
{
    const strow *x = a, *y = b;
    if (x->trip != y->trip)
        return x->trip < y->trip ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_freq(const void *a, const void *b)
{
    const frow *x = a, *y = b;
    if (x->trip != y->trip)
        return x->trip < y->trip ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Metres between two stops (a sphere is enough to share a run time out). */
static double stop_gap_m(const isr_timetable *tt, int a, int b)
{
    const double r = 6371008.8, k = M_PI / 180;
    double la = tt->stops[a].lat * k, lb = tt->stops[b].lat * k;
    double dl = (tt->stops[b].lon - tt->stops[a].lon) * k;
    double h =
        sin((lb - la) / 2) * sin((lb - la) / 2) + cos(la) * cos(lb) * sin(dl / 2) * sin(dl / 2);
    return 2 * r * asin(sqrt(fmin(1, h)));
}

/* Whether rows r[a .. z] all give shape_dist_traveled, rising from stop to stop: the
 * distance along the trip's shape, which interpolation then follows (equal ones, as a feed
 * rounding to 0.1 km gives near stops, would make hops of no time: the straight line then). */
static int dists_usable(const strow *r, int a, int z)
{
    for (int i = a; i <= z; i++)
        if (!isfinite(r[i].dist) || (i > a && !(r[i].dist > r[i - 1].dist)))
            return 0;
    return 1;
}

/* Times of untimed stops r[a+1 .. z-1], interpolated between r[a] and r[z] by
 * shape_dist_traveled where the rows give it (dists_usable: the distance along the line,
 * as GTFS intends it), else by straight-line distance from stop to stop. */
static void interpolate(const isr_timetable *tt, strow *r, int a, int z)
{
    int along = dists_usable(r, a, z);
    double total = 0, done = 0;
    for (int i = a; i < z && !along; i++)
        total += stop_gap_m(tt, r[i].stop, r[i + 1].stop);
    for (int i = a + 1; i < z; i++) {
        double f;
        if (along) {
            f = ((double)r[i].dist - r[a].dist) / ((double)r[z].dist - r[a].dist);
        } else {
            done += stop_gap_m(tt, r[i - 1].stop, r[i].stop);
            f = total > 0 ? done / total : (double)(i - a) / (z - a);
        }
        r[i].arr = r[i].dep = r[a].dep + (int32_t)lround(f * (r[z].arr - r[a].dep));
    }
}

/* Trip rows r[a] then r[z]: the train arrives at z before it left a. */
static isr_status backwards(isr_ctx *ctx, const isr_timetable *tt, const feed *fd, const strow *r,
                            int a, int z)
{
    char t1[16], t2[16];
    return bad_at(ctx, fd, "stop_times.txt", r[z].line,
                  "trip '%s' arrives at stop '%s' at %s, before it left stop '%s' "
                  "(stop_sequence %d) at %s; times must not go backwards along "
                  "stop_sequence",
                  fd->trip_id[r[z].trip], tt->stops[r[z].stop].id + strlen(fd->prefix),
                  fmt_time(t1, sizeof t1, r[z].arr), tt->stops[r[a].stop].id + strlen(fd->prefix),
                  r[a].seq, fmt_time(t2, sizeof t2, r[a].dep));
}

/* A trip whose times fall back by more than 12 hours along stop_sequence
 * (23:10, …, 00:02, written as the clock shows rather than as 24:02) is read
 * as crossing midnight: 24 hours are added from that time on. Counted in
 * fd->wrapped. A smaller step back stays an error (trip_times). */
static void unwrap_midnight(feed *fd, strow *r, int n)
{
    int32_t last = -1, shift = 0;
    int wrapped = 0;
    for (int i = 0; i < n; i++) {
        int32_t *t[2] = {&r[i].arr, &r[i].dep};
        for (int k = 0; k < 2; k++) {
            if (*t[k] < 0)
                continue;
            *t[k] += shift;
            if (last - *t[k] > 12 * 3600) {
                shift += 86400;
                *t[k] += 86400;
                if (!wrapped++ && !fd->wrapped) {
                    fd->wrap_line = r[i].line;
                    fd->wrap_trip = r[i].trip;
                }
            }
            last = *t[k];
        }
    }
    fd->wrapped += wrapped > 0;
}

/* One trip's rows (sorted by stop_sequence): times completed and checked. */
static isr_status trip_times(isr_ctx *ctx, const isr_timetable *tt, feed *fd, strow *r, int n)
{
    unwrap_midnight(fd, r, n);
    const char *tid = fd->trip_id[r[0].trip], *f = "stop_times.txt";
    char t1[16], t2[16];
    for (int i = 0; i < n; i++) {
        if (i > 0 && r[i].seq == r[i - 1].seq)
            return bad_at(ctx, fd, f, r[i].line,
                          "trip '%s': stop_sequence %d is given twice "
                          "(also on line %d)",
                          tid, r[i].seq, r[i - 1].line);
        if (r[i].arr < 0)
            r[i].arr = r[i].dep;
        else if (r[i].dep < 0)
            r[i].dep = r[i].arr;
        if (r[i].arr < 0 && (i == 0 || i == n - 1))
            return bad_at(ctx, fd, f, r[i].line,
                          "trip '%s': its %s stop has no "
                          "arrival_time or departure_time; GTFS requires them there",
                          tid, i ? "last" : "first");
    }
    for (int a = 0, z; a < n - 1; a = z) {
        for (z = a + 1; r[z].arr < 0; z++)
            ;
        if (r[z].arr < r[a].dep)
            return backwards(ctx, tt, fd, r, a, z);
        interpolate(tt, r, a, z);
    }
    for (int i = 0; i < n; i++) {
        const char *sid = tt->stops[r[i].stop].id + strlen(fd->prefix);
        if (r[i].dep < r[i].arr)
            return bad_at(ctx, fd, f, r[i].line,
                          "trip '%s' at stop '%s': departure_time %s is "
                          "before arrival_time %s; times must not go backwards",
                          tid, sid, fmt_time(t1, sizeof t1, r[i].dep),
                          fmt_time(t2, sizeof t2, r[i].arr));
    }
    return ISR_OK;
}

/* Appends one trip: rows r[0 .. n-1] shifted by `shift` seconds. */
static int emit_trip(build *b, const feed *fd, const strow *r, int n, int32_t shift,
                     int32_t headway)
{
    isr_timetable *tt = b->tt;
    if (grow(&tt->trips, &b->cap_trips, tt->ntrips + 1, sizeof *tt->trips) ||
        grow(&tt->st, &b->cap_st, tt->nst + n, sizeof *tt->st))
        return -1;
    for (int i = 0; i < n; i++)
        tt->st[tt->nst + i] =
            (isr_tt_stop_time){r[i].stop, r[i].arr + shift, r[i].dep + shift, r[i].flags};
    tt->trips[tt->ntrips++] = (isr_tt_trip){tt->nst, n, fd->trip[r[0].trip].route, headway};
    tt->nst += n;
    return 0;
}

/* The feed's kept trips, each scheduled or expanded from its frequencies rows.
 */
static isr_status feed_trips(isr_ctx *ctx, build *b, feed *fd)
{
    if (fd->nrows) /* qsort(NULL, 0, …) is undefined */
        qsort(fd->rows, (size_t)fd->nrows, sizeof *fd->rows, cmp_rows);
    if (fd->nfreq)
        qsort(fd->freq, (size_t)fd->nfreq, sizeof *fd->freq, cmp_freq);
    int fi = 0;
    for (int a = 0, z; a < fd->nrows; a = z) {
        for (z = a + 1; z < fd->nrows && fd->rows[z].trip == fd->rows[a].trip; z++)
            ;
        int t = fd->rows[a].trip, n = z - a;
        while (fi < fd->nfreq && fd->freq[fi].trip < t)
            fi++;
        if (n < 2) {
            fd->short_trips++;
            continue;
        }
        isr_status st = trip_times(ctx, b->tt, fd, fd->rows + a, n);
        if (st != ISR_OK)
            return st;
        if (fi >= fd->nfreq || fd->freq[fi].trip != t) {
            if (emit_trip(b, fd, fd->rows + a, n, 0, 0))
                return oom(ctx);
            continue;
        }
        fd->freq_trips++;
        for (; fi < fd->nfreq && fd->freq[fi].trip == t; fi++)
            for (int32_t s = fd->freq[fi].start; s < fd->freq[fi].end; s += fd->freq[fi].headway)
                if (emit_trip(b, fd, fd->rows + a, n, s - fd->rows[a].dep, fd->freq[fi].headway))
                    return oom(ctx);
    }
    /* kept trips with no stop_times rows at all */
    int with_rows = 0;
    for (int a = 0; a < fd->nrows; a++)
        with_rows += a == 0 || fd->rows[a].trip != fd->rows[a - 1].trip;
    fd->short_trips += fd->selected - fd->inactive - with_rows;
    return ISR_OK;
}

/* ---- shapes.txt and stop patterns: the routes' polylines for maps
 * -------------------------------------------------- */

static int cmp_spt(const void *a, const void *b)
{
    const spt *x = a, *y = b;
    if (x->shape != y->shape)
        return x->shape < y->shape ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The points of the shapes in `need` (per shape id of the feed), sorted by shape and
 * shape_pt_sequence; a sequence given twice in one shape, or a bad number, is refused. */
static isr_status read_shapes(isr_ctx *ctx, const feed *fd, const uint8_t *need, spt **out,
                              int *n, int *found)
{
    static const char *const names[] = {"shape_id", "shape_pt_lat", "shape_pt_lon",
                                        "shape_pt_sequence", NULL};
    int col[4], cap = 0;
    gfile g;
    *out = NULL;
    *n = 0;
    isr_status st = gfile_open(ctx, fd, "shapes.txt", 0, &g, found);
    if (st == ISR_OK && *found)
        st = columns(ctx, &g, names, 4, col);
    while (st == ISR_OK && *found && next_row(ctx, &g, &st)) {
        const char *id = F(&g, col[0]);
        int sh = *id ? idmap_get(&fd->shapes, id) : -1;
        if (sh < 0 || !need[sh])
            continue;
        double lat = parse_deg(F(&g, col[1]), 90), lon = parse_deg(F(&g, col[2]), 180);
        long seq = parse_uint(F(&g, col[3]), 0x7fffffff);
        if (isnan(lat) || isnan(lon))
            st = BAD(ctx, &g, "shape '%s': field '%s' is '%s', not a %s in degrees", id,
                     isnan(lat) ? "shape_pt_lat" : "shape_pt_lon", F(&g, col[isnan(lat) ? 1 : 2]),
                     isnan(lat) ? "latitude (-90 to 90)" : "longitude (-180 to 180)");
        else if (seq < 0)
            st = BAD(ctx, &g, "shape '%s': field 'shape_pt_sequence' is '%s', not a whole number",
                     id, F(&g, col[3]));
        else if (grow(out, &cap, *n + 1, sizeof **out))
            st = oom(ctx);
        else
            (*out)[(*n)++] = (spt){sh, (int)seq, g.csv.line, lon, lat};
    }
    if (st == ISR_OK && *n)
        qsort(*out, (size_t)*n, sizeof **out, cmp_spt);
    for (int i = 1; st == ISR_OK && i < *n; i++)
        if ((*out)[i].shape == (*out)[i - 1].shape && (*out)[i].seq == (*out)[i - 1].seq)
            st = bad_at(ctx, fd, "shapes.txt", (*out)[i].line > (*out)[i - 1].line
                                                   ? (*out)[i].line : (*out)[i - 1].line,
                        "shape '%s': shape_pt_sequence %d is given twice (also on line %d)",
                        fd->shape_id[(*out)[i].shape], (*out)[i].seq,
                        (*out)[i].line > (*out)[i - 1].line ? (*out)[i - 1].line
                                                            : (*out)[i].line);
    gfile_close(&g);
    return st;
}

/* Appends a part of route r with n points (lon, lat pairs at xy, or the stops of rows). */
static int add_part(build *b, int r, const double *xy, const strow *rows, int n)
{
    isr_timetable *tt = b->tt;
    if (grow(&tt->parts, &b->cap_parts, tt->nparts + 1, sizeof *tt->parts) ||
        grow(&tt->pts, &b->cap_pts, 2 * (tt->npts + n), sizeof *tt->pts))
        return -1;
    for (int i = 0; i < n; i++) {
        tt->pts[2 * (tt->npts + i)] = xy ? xy[2 * i] : tt->stops[rows[i].stop].lon;
        tt->pts[2 * (tt->npts + i) + 1] = xy ? xy[2 * i + 1] : tt->stops[rows[i].stop].lat;
    }
    tt->parts[tt->nparts++] = (isr_tt_part){r, tt->npts, n};
    tt->npts += n;
    return 0;
}

/* Each route's distinct polylines from the date's trips (fd->rows, sorted by trip): a trip's
 * shape when shapes.txt has it with 2 points or more, else its stops in order. */
static isr_status feed_geometry(isr_ctx *ctx, build *b, feed *fd)
{
    uint8_t *need = calloc((size_t)fd->nshape + 1, 1);
    int *off = NULL, npt = 0, found = 0, missing = 0, miss_trip = -1;
    spt *pt = NULL;
    double *xy = NULL;
    idmap seen = {0};
    isr_sb key = {0};
    isr_status st = need ? ISR_OK : oom(ctx);
    for (int a = 0; st == ISR_OK && a < fd->nrows; a++)
        if (fd->trip[fd->rows[a].trip].shape >= 0)
            need[fd->trip[fd->rows[a].trip].shape] = 1;
    if (st == ISR_OK && fd->nshape > 0)
        st = read_shapes(ctx, fd, need, &pt, &npt, &found);
    if (st == ISR_OK && !(off = calloc((size_t)fd->nshape + 2, sizeof *off)))
        st = oom(ctx);
    for (int i = 0; st == ISR_OK && i < npt; i++) /* shape k: pt[off[k] .. off[k + 1] - 1] */
        off[pt[i].shape + 1] = i + 1;
    for (int k = 0; st == ISR_OK && k < fd->nshape; k++)
        if (off[k + 1] < off[k])
            off[k + 1] = off[k];
    for (int a = 0, z; st == ISR_OK && a < fd->nrows; a = z) {
        for (z = a + 1; z < fd->nrows && fd->rows[z].trip == fd->rows[a].trip; z++)
            ;
        const ftrip *t = &fd->trip[fd->rows[a].trip];
        int sh = t->shape, n = sh >= 0 ? off[sh + 1] - off[sh] : 0;
        if (z - a < 2)
            continue;
        if (sh >= 0 && n < 2 && missing++ == 0)
            miss_trip = fd->rows[a].trip;
        key.len = 0;
        isr_sb_printf(&key, "%d", t->route);
        if (n >= 2)
            isr_sb_printf(&key, "|s%d", sh);
        for (int i = a; n < 2 && i < z; i++)
            isr_sb_printf(&key, ",%d", fd->rows[i].stop);
        int r = key.s ? idmap_put(&seen, key.s, 1, 0) : -1;
        if (r < 0) {
            st = oom(ctx);
        } else if (r == 0 && n >= 2) {
            double *np = realloc(xy, 2 * (size_t)n * sizeof *xy);
            if (!np) {
                st = oom(ctx);
                break;
            }
            xy = np;
            for (int i = 0; i < n; i++) {
                xy[2 * i] = pt[off[sh] + i].lon;
                xy[2 * i + 1] = pt[off[sh] + i].lat;
            }
            if (add_part(b, t->route, xy, NULL, n))
                st = oom(ctx);
        } else if (r == 0 && add_part(b, t->route, NULL, fd->rows + a, z - a)) {
            st = oom(ctx);
        }
    }
    if (st == ISR_OK && missing > 0)
        isr_log(ctx, ISR_LOG_WARN,
                "gtfs '%s': %d trip%s on %s name%s a shape_id that %s (e.g. trip '%s', "
                "shape '%s'); %s drawn from stop to stop on the maps",
                fd->path, missing, missing == 1 ? "" : "s", b->date_s, missing == 1 ? "s" : "",
                found ? "shapes.txt lacks or gives fewer than 2 points" : "has no shapes.txt",
                fd->trip_id[miss_trip], fd->shape_id[fd->trip[miss_trip].shape],
                missing == 1 ? "it is" : "they are");
    idmap_free(&seen);
    free(key.s);
    free(need);
    free(off);
    free(pt);
    free(xy);
    return st;
}

/* ---- transfers.txt
 * ---------------------------------------------------------------------- */

/* The stops an id of transfers.txt stands for (a stop, or each stop of a
 * station): appended to *list; -1 when the id is unknown. */
static int transfer_stops(const isr_timetable *tt, const feed *fd, const char *id, int *list,
                          int *n, int max)
{
    int s = idmap_get(&fd->stops, id), station = idmap_get(&fd->stations, id);
    *n = 0;
    if (s >= 0)
        list[(*n)++] = s;
    for (int i = fd->stop0; station >= 0 && i < tt->nstops && *n < max; i++)
        if (tt->stops[i].station == station)
            list[(*n)++] = i;
    return s >= 0 || station >= 0 ? 0 : -1;
}

/* Rows of transfers.txt left out, by kind: the count, the first's line and id. */
typedef struct transfer_skips {
    int narrow, narrow_line;   /* for some routes or trips only */
    int unknown, unknown_line; /* a stop not in stops.txt */
    char unknown_id[64];
} transfer_skips;

static isr_status transfer_row(isr_ctx *ctx, build *b, const feed *fd, gfile *g, const int *col,
                               transfer_skips *sk)
{
    const char *type = F(g, col[2]), *min = F(g, col[3]);
    long k = *type ? parse_uint(type, 5) : 0, m = parse_uint(min, 86400);
    if (k < 0)
        return BAD(ctx, g, "field 'transfer_type' is '%s'; GTFS knows 0 to 5", type);
    if (k == 2 && m < 0)
        return BAD(ctx, g,
                   "transfer_type 2 needs min_transfer_time in seconds (0 to 86400), "
                   "got '%s'",
                   min);
    if (k != 2 && k != 3)
        return ISR_OK; /* 0, 1: the default change time; 4, 5: in-seat, not modelled
                        */
    for (int e = 4; e < 8; e++)
        if (*F(g, col[e])) { /* a rule for some routes or trips only: not for the stops */
            if (!sk->narrow++)
                sk->narrow_line = g->csv.line;
            return ISR_OK;
        }
    isr_timetable *tt = b->tt;
    int from[256], to[256], nf, nt; /* a station's first 256 stops */
    for (int e = 0; e < 2; e++) {
        const char *id = F(g, col[e]);
        if (transfer_stops(tt, fd, id, e ? to : from, e ? &nt : &nf, 256) >= 0)
            continue;
        if (!*id)
            return blank(ctx, g, e ? "to_stop_id" : "from_stop_id");
        /* a stop the feed does not have (a feed cut to a region keeps such rows): no train
         * calls there, so the row changes nothing; left out and said */
        if (!sk->unknown++) {
            sk->unknown_line = g->csv.line;
            isr_snprintf(sk->unknown_id, sizeof sk->unknown_id, "%s", id);
        }
        return ISR_OK;
    }
    for (int i = 0; i < nf; i++)
        for (int j = 0; j < nt; j++) {
            if (grow(&tt->transfers, &b->cap_tr, tt->ntransfers + 1, sizeof *tt->transfers))
                return oom(ctx);
            tt->transfers[tt->ntransfers++] =
                (isr_tt_transfer){from[i], to[j], k == 3 ? -1 : (int32_t)m, 0};
        }
    return ISR_OK;
}

static isr_status read_transfers(isr_ctx *ctx, build *b, const feed *fd)
{
    static const char *const names[] = {"from_stop_id",  "to_stop_id",  "transfer_type",
                                        "min_transfer_time", "from_route_id", "to_route_id",
                                        "from_trip_id",  "to_trip_id",  NULL};
    int col[8], found;
    transfer_skips sk = {0};
    gfile g;
    isr_status st = gfile_open(ctx, fd, "transfers.txt", 0, &g, &found);
    if (st == ISR_OK && found)
        st = columns(ctx, &g, names, 3, col);
    while (st == ISR_OK && found && next_row(ctx, &g, &st))
        st = transfer_row(ctx, b, fd, &g, col, &sk);
    gfile_close(&g);
    if (st == ISR_OK && sk.narrow)
        isr_log(ctx, ISR_LOG_WARN,
                "gtfs '%s' transfers.txt: %d rows of transfer_type 2 or 3 name a route or "
                "trip (first: line %d); change times here hold between stops, for every "
                "route and trip, so these rows are left out and those changes take the "
                "default",
                fd->path, sk.narrow, sk.narrow_line);
    if (st == ISR_OK && sk.unknown)
        isr_log(ctx, ISR_LOG_WARN,
                "gtfs '%s' transfers.txt: %d row%s of transfer_type 2 or 3 name%s a stop or "
                "station not in stops.txt (first: line %d, '%s'); no train calls there, so "
                "%s left out (a feed cut to a region keeps such rows; a misspelt id is worth "
                "a look)",
                fd->path, sk.unknown, sk.unknown > 1 ? "s" : "", sk.unknown > 1 ? "" : "s",
                sk.unknown_line, sk.unknown_id, sk.unknown > 1 ? "they are" : "it is");
    return st;
}

/* ---- agency.txt
 * --------------------------------------------------------------------------- */

/* agency_timezone: a feed's times are local times of its agencies' zone. Feeds
 * are read as given, so feeds of two zones (a cross-border pair) would be
 * misaligned by the zones' offset when those differ: warned about, naming
 * both. An absent agency.txt or column is no error (only the timetable is read). */
static isr_status read_agency(isr_ctx *ctx, build *b, const feed *fd)
{
    static const char *const names[] = {"agency_timezone", NULL};
    int col[1], found;
    gfile g;
    isr_status st = gfile_open(ctx, fd, "agency.txt", 0, &g, &found);
    if (st == ISR_OK && found)
        st = columns(ctx, &g, names, 0, col);
    char tz[64] = "";
    while (st == ISR_OK && found && col[0] >= 0 && next_row(ctx, &g, &st)) {
        const char *z = F(&g, col[0]);
        if (!*tz)
            isr_snprintf(tz, sizeof tz, "%s", z);
        else if (*z && strcmp(z, tz) != 0)
            isr_log(ctx, ISR_LOG_WARN,
                    "gtfs '%s' agency.txt line %d: agency_timezone '%s' differs from '%s' "
                    "above; GTFS wants one zone per feed, times are read as given",
                    fd->path, g.csv.line, z, tz);
    }
    gfile_close(&g);
    if (st != ISR_OK || !*tz)
        return st;
    if (!b->tz_feed) {
        isr_snprintf(b->tz, sizeof b->tz, "%s", tz);
        b->tz_feed = fd->path;
    } else if (strcmp(tz, b->tz) != 0) {
        isr_log(ctx, ISR_LOG_WARN,
                "gtfs '%s': agency_timezone '%s', but gtfs '%s' has '%s'; each feed's times "
                "are read as given, so where the two zones' clocks differ its trips are "
                "shifted by that difference against the other's",
                fd->path, tz, b->tz_feed, b->tz);
    }
    return ISR_OK;
}

/* ---- the whole read
 * --------------------------------------------------------------------- */

static void feed_free(feed *fd)
{
    free(fd->root);
    idmap_free(&fd->stops);
    idmap_free(&fd->stations);
    idmap_free(&fd->routes);
    idmap_free(&fd->services);
    idmap_free(&fd->trips);
    idmap_free(&fd->shapes);
    idmap_free(&fd->others);
    idmap_free(&fd->cal_rows);
    for (int i = 0; i < fd->nshape; i++)
        free(fd->shape_id[i]);
    free(fd->shape_id);
    for (int i = 0; i < fd->ntrip; i++)
        free(fd->trip_id[i]);
    free(fd->trip_id);
    free(fd->trip);
    free(fd->freq);
    free(fd->rows);
    free(fd->parent_line);
}

/* The folder of the feed's files: its root, or, when the root has no stops.txt and one
 * subfolder that has (a zip of the folder "gtfs_2025/", as many are made), that subfolder,
 * said in an info line. NULL when out of memory. */
/* The folder of the one stops.txt at any depth of zip `root` (a feed zipped with its folders
 * above it), *n how many there are; new string, NULL unless exactly one. */
static char *deep_stops(const char *root, int *n)
{
    char **all = VSIReadDirRecursive(root), *found = NULL;
    *n = 0;
    for (int i = 0; all && all[i]; i++) {
        const char *e = all[i], *base = strrchr(e, '/');
        if (base && strcmp(base + 1, "stops.txt") == 0 && (*n)++ == 0)
            found = isr_strdup_printf("%s/%.*s", root, (int)(base - e), e);
    }
    CSLDestroy(all);
    if (*n != 1) {
        free(found);
        found = NULL;
    }
    return found;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *feed_root(isr_ctx *ctx, const feed *fd, isr_status *st)
{
    char *root = isr_strdup_printf(fd->dir ? "%s" : "/vsizip/%s", fd->path);
    char *stops = root ? isr_strdup_printf("%s/stops.txt", root) : NULL;
    VSIStatBufL sb;
    if (!stops || VSIStatL(stops, &sb) == 0) {
        free(stops);
        return root;
    }
    free(stops);
    char **names = VSIReadDir(root);
    if (names) /* in name order, whatever the archive's (the message of several names them) */
        qsort(names, (size_t)CSLCount(names), sizeof *names, cmp_name);
    char *found = NULL;
    int nsub = 0;
    isr_sb subs = {0}; /* the subfolders that hold one, for the message of several */
    for (int i = 0; names && names[i]; i++) {
        char *sub = isr_strdup_printf("%s/%s", root, names[i]);
        char *in = sub ? isr_strdup_printf("%s/stops.txt", sub) : NULL;
        if (in && strcmp(names[i], ".") != 0 && strcmp(names[i], "..") != 0 &&
            VSIStatL(sub, &sb) == 0 && VSI_ISDIR(sb.st_mode) && VSIStatL(in, &sb) == 0) {
            isr_sb_printf(&subs, "%s'%s'", nsub ? ", " : "", names[i]);
            if (nsub++ == 0) {
                found = sub;
                sub = NULL;
            }
        }
        free(sub);
        free(in);
    }
    CSLDestroy(names);
    if (nsub > 1) { /* several feeds in one: which to read is the user's to say */
        *st = isr_fail(ctx, ISR_ERR_INPUT,
                       "gtfs '%s': %d folders within it hold a stops.txt (%s): it holds "
                       "several feeds; give each as a --gtfs of its own (%s)",
                       fd->path, nsub, subs.s ? subs.s : "",
                       fd->dir ? "its folder" : "unzip it and give each folder");
        free(subs.s);
        free(found);
        free(root);
        return NULL;
    }
    free(subs.s);
    if (nsub == 0 && !fd->dir) /* a zip of a folder of a folder: stops.txt at any depth */
        found = deep_stops(root, &nsub);
    if (nsub != 1) { /* none, or several feeds in one: the root's files, and its message */
        free(found);
        return root;
    }
    isr_log(ctx, ISR_LOG_INFO, "gtfs '%s': its files are in the folder '%s' within it",
            fd->path, found + strlen(root) + 1);
    free(root);
    return found;
}

static isr_status read_feed(isr_ctx *ctx, build *b, feed *fd)
{
    VSIStatBufL sb;
    if (VSIStatL(fd->path, &sb) != 0)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "gtfs '%s': not found; give a GTFS .zip file or a "
                        "folder of GTFS .txt files",
                        fd->path);
    fd->dir = VSI_ISDIR(sb.st_mode);
    if (!fd->dir) { /* a zip GDAL cannot list (cut short, damaged, not a zip): said as such */
        char *z = isr_strdup_printf("/vsizip/%s", fd->path);
        char **names = z ? VSIReadDir(z) : NULL;
        int listed = names && names[0];
        CSLDestroy(names);
        free(z);
        if (!listed)
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "gtfs '%s': not a zip archive GDAL can read (cut short, damaged, or "
                            "another format); download or export the feed again, or give a "
                            "folder of its .txt files",
                            fd->path);
    }
    isr_status rst = ISR_OK;
    if (!(fd->root = feed_root(ctx, fd, &rst)))
        return rst != ISR_OK ? rst : oom(ctx);
    int cal = 0, dates = 0;
    isr_status st = read_agency(ctx, b, fd);
    if (st == ISR_OK)
        st = read_stops(ctx, b, fd);
    if (st == ISR_OK)
        st = read_routes(ctx, b, fd);
    if (st == ISR_OK)
        st = read_calendar(ctx, b, fd, &cal);
    if (st == ISR_OK)
        st = read_calendar_dates(ctx, b, fd, &dates);
    if (st == ISR_OK && !cal && !dates)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "gtfs '%s': neither calendar.txt nor "
                      "calendar_dates.txt; a feed needs one of them to say on which days its "
                      "trips run",
                      fd->path);
    if (st == ISR_OK)
        st = read_trips(ctx, fd);
    if (st == ISR_OK)
        st = read_frequencies(ctx, fd);
    if (st == ISR_OK)
        st = read_stop_times(ctx, b, fd);
    for (int t = 0; st == ISR_OK && t < fd->ntrip; t++) /* kept types', any day's */
        if (fd->trip[t].route >= 0 && trip_end(&fd->trip[t]) > fd->latest_s)
            fd->latest_s = trip_end(&fd->trip[t]);
    if (st == ISR_OK)
        st = feed_trips(ctx, b, fd);
    if (st == ISR_OK)
        st = feed_geometry(ctx, b, fd);
    if (st == ISR_OK)
        st = read_transfers(ctx, b, fd);
    if (st != ISR_OK)
        return st;
    if (fd->inactive > 0)
        isr_log(ctx, ISR_LOG_WARN,
                "gtfs '%s': %d of the %d trips of route types %s have no "
                "service on %s; they are left out",
                fd->path, fd->inactive, fd->selected, b->types_s, b->date_s);
    if (fd->wrapped > 0)
        isr_log(ctx, ISR_LOG_WARN,
                "gtfs '%s' stop_times.txt: %d trips running on %s restart their clock at "
                "0:00 after midnight where GTFS writes 24:00 and later (first: trip '%s', "
                "line %d); their times after midnight are read as the next day's",
                fd->path, fd->wrapped, b->date_s, fd->trip_id[fd->wrap_trip],
                fd->wrap_line);
    if (fd->short_trips > 0)
        isr_log(ctx, ISR_LOG_WARN,
                "gtfs '%s': %d trips running on %s have fewer than 2 rows "
                "in stop_times.txt; they are left out",
                fd->path, fd->short_trips, b->date_s);
    if (fd->bad_dist > 0)
        isr_log(ctx, ISR_LOG_WARN,
                "gtfs '%s' stop_times.txt: %d shape_dist_traveled value%s no distance (first: "
                "'%s', line %d) and %s read as blank: untimed stops there are timed by the "
                "straight line between stops",
                fd->path, fd->bad_dist, fd->bad_dist > 1 ? "s are" : " is", fd->bad_dist_text,
                fd->bad_dist_line, fd->bad_dist > 1 ? "are" : "is");
    return ISR_OK;
}

/* Drops the stops no kept trip calls at and the stations left with no stop. */
static isr_status compact(isr_ctx *ctx, build *b)
{
    isr_timetable *tt = b->tt;
    int *snew = malloc(((size_t)tt->nstops + 1) * sizeof *snew);
    int *cnew = calloc((size_t)tt->nstations + 1, sizeof *cnew);
    if (!snew || !cnew) {
        free(snew);
        free(cnew);
        return oom(ctx);
    }
    int ns = 0, nc = 0, nt = 0;
    for (int i = 0; i < tt->nstops; i++)
        if (b->used[i])
            cnew[tt->stops[i].station] = 1;
    for (int i = 0; i < tt->nstations; i++) {
        if (!cnew[i]) {
            free(tt->stations[i].id);
            free(tt->stations[i].name);
        }
        tt->stations[nc] = tt->stations[i];
        cnew[i] = cnew[i] ? nc++ : -1;
    }
    for (int i = 0; i < tt->nstops; i++) {
        snew[i] = b->used[i] ? ns : -1;
        if (!b->used[i]) {
            free(tt->stops[i].id);
            free(tt->stops[i].name);
            continue;
        }
        tt->stops[ns] = tt->stops[i];
        tt->stops[ns++].station = cnew[tt->stops[i].station];
    }
    for (int i = 0; i < tt->naliases; i++)
        if (tt->aliases[i].station >= 0)
            tt->aliases[i].station = cnew[tt->aliases[i].station];
    for (int i = 0; i < tt->nst; i++)
        tt->st[i].stop = snew[tt->st[i].stop];
    for (int i = 0; i < tt->ntransfers; i++) {
        isr_tt_transfer x = tt->transfers[i];
        if (snew[x.from] >= 0 && snew[x.to] >= 0)
            tt->transfers[nt++] = (isr_tt_transfer){snew[x.from], snew[x.to], x.min_s, x.pen_s};
    }
    tt->nstops = ns;
    tt->nstations = nc;
    tt->ntransfers = nt;
    free(snew);
    free(cnew);
    return ISR_OK;
}

typedef struct trip_key {
    int32_t dep;
    int i;
} trip_key;

static int cmp_keys(const void *a, const void *b)
{
    const trip_key *x = a, *y = b;
    if (x->dep != y->dep)
        return x->dep < y->dep ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int isr_tt_sort_trips(isr_timetable *tt)
{
    trip_key *k = malloc(((size_t)tt->ntrips + 1) * sizeof *k);
    isr_tt_trip *trips = malloc(((size_t)tt->ntrips + 1) * sizeof *trips);
    isr_tt_stop_time *st = malloc(((size_t)tt->nst + 1) * sizeof *st);
    if (!k || !trips || !st) {
        free(k);
        free(trips);
        free(st);
        return -1;
    }
    for (int i = 0; i < tt->ntrips; i++)
        k[i] = (trip_key){tt->st[tt->trips[i].first].dep, i};
    if (tt->ntrips)
        qsort(k, (size_t)tt->ntrips, sizeof *k, cmp_keys);
    int32_t n = 0;
    for (int i = 0; i < tt->ntrips; i++) {
        isr_tt_trip t = tt->trips[k[i].i];
        memcpy(st + n, tt->st + t.first, (size_t)t.n * sizeof *st); /* t.n >= 2 */
        t.first = n;
        n += t.n;
        trips[i] = t;
    }
    free(k);
    free(tt->trips);
    free(tt->st);
    tt->trips = trips;
    tt->st = st;
    return 0;
}

isr_status isr_gtfs_read(isr_ctx *ctx, const char *const *feeds, int nfeeds, const char *date,
                         const char *route_types, isr_timetable **out)
{
    *out = NULL;
    build b = {.date_s = date, .types_s = route_types ? route_types : "2,100-117"};
    if (!date || (b.date = parse_date(date, 1)) < 0)
        return isr_fail(ctx, ISR_ERR_USAGE, "--date: '%s' is not a date YYYY-MM-DD",
                        date ? date : "(none)");
    b.wday = weekday(b.date);
    if ((b.ntypes = parse_types(b.types_s, b.types, MAX_TYPE_RANGES)) <= 0)
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "route types '%s': give GTFS route_type numbers "
                        "or ranges separated by commas, e.g. 2,101-103",
                        b.types_s);
    if (nfeeds < 1)
        return isr_fail(ctx, ISR_ERR_USAGE, "no GTFS feed given");
    if (!(b.tt = calloc(1, sizeof *b.tt)))
        return oom(ctx);
    b.tt->default_transfer_s = DEFAULT_TRANSFER_S;
    isr_status st = ISR_OK;
    for (int f = 0; f < nfeeds && st == ISR_OK; f++) {
        char prefix[16] = "";
        if (nfeeds > 1)
            isr_snprintf(prefix, sizeof prefix, "%d:", f + 1);
        feed fd = {.path = feeds[f], .prefix = prefix};
        st = read_feed(ctx, &b, &fd);
        b.tt->latest_s = fd.latest_s > b.tt->latest_s ? fd.latest_s : b.tt->latest_s;
        if (fd.cal_lo)
            days_add(&b.cal_lo, &b.cal_hi, fd.cal_lo, fd.cal_hi);
        feed_free(&fd);
    }
    if (st == ISR_OK)
        st = compact(ctx, &b);
    if (st == ISR_OK)
        st = isr_tt_sort_trips(b.tt) ? oom(ctx) : ISR_OK;
    char span[80] = ""; /* a date outside the calendars: say where they are */
    if (b.cal_lo && (b.date < b.cal_lo || b.date > b.cal_hi))
        isr_snprintf(span, sizeof span, " (the feed%s run%s from %04d-%02d-%02d to %04d-%02d-%02d)",
                     nfeeds > 1 ? "s" : "", nfeeds > 1 ? "" : "s", b.cal_lo / 10000,
                     b.cal_lo / 100 % 100, b.cal_lo % 100, b.cal_hi / 10000, b.cal_hi / 100 % 100,
                     b.cal_hi % 100);
    if (st == ISR_OK && b.tt->ntrips == 0)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "gtfs '%s'%s: no trip of route types %s runs on %s%s; "
                      "check --date and --route-types",
                      feeds[0], nfeeds > 1 ? " and the other feeds" : "", b.types_s, date, span);
    free(b.used);
    if (st != ISR_OK) {
        isr_timetable_free(b.tt);
        return st;
    }
    isr_log(ctx, ISR_LOG_INFO,
            "gtfs: %d stations (%d stops), %d trips and %d transfer rules "
            "on %s",
            b.tt->nstations, b.tt->nstops, b.tt->ntrips, b.tt->ntransfers, date);
    *out = b.tt;
    return ISR_OK;
}

void isr_timetable_free(isr_timetable *tt)
{
    if (!tt)
        return;
    for (int i = 0; i < tt->nstops; i++) {
        free(tt->stops[i].id);
        free(tt->stops[i].name);
    }
    for (int i = 0; i < tt->nstations; i++) {
        free(tt->stations[i].id);
        free(tt->stations[i].name);
    }
    for (int i = 0; i < tt->nroutes; i++) {
        free(tt->route_ids[i]);
        if (tt->routes) {
            free(tt->routes[i].short_name);
            free(tt->routes[i].long_name);
        }
    }
    for (int i = 0; i < tt->naliases; i++)
        free(tt->aliases[i].id);
    free(tt->aliases);
    free(tt->routes);
    free(tt->parts);
    free(tt->pts);
    free(tt->stops);
    free(tt->stations);
    free(tt->trips);
    free(tt->st);
    free(tt->transfers);
    free(tt->route_ids);
    free(tt);
}
