/*
 * polyscan.c — the engine's own polygon GeoJSON (OUT/region/units.geojson, written by GDAL's
 * GeoJSON writer: 10 MB on the sample), read straight into its reader's structures. OGR's
 * reader spent most of the web map's and the maps' loading on that file (its JSON object
 * model, strtod, malloc); the web map (webmap.c) and the maps (map_data.c) read it with this
 * scanner and fall back to OGR when it gives up.
 *
 * It reads the GeoJSON that file is — a FeatureCollection of Polygon and MultiPolygon
 * features, each geometry's "type" before its "coordinates", the fields the reader asks for
 * as strings or numbers (null: reported as such) — with the doubles strtod gives (Clinger's
 * exact fast path, strtod past it). On anything else (a syntax error, another geometry type
 * or key order, an empty polygon or ring, a wanted field of another JSON type or given twice,
 * a feature's properties or geometry given twice, a "crs" member that does not name CRS84,
 * whose coordinates are not lon/lat) it gives up, and the caller reads the file with OGR: the
 * same result either way (tests maps/webmap_units_scanner_same_page,
 * maps/map_units_scanner_same_base and maps/hub_isochrones_scanner_same_bands), OGR's
 * messages on bad files.
 */
#include "publish_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct scan {
    const char *p;
    const isr_polyscan_reader *r;
    isr_sb str;    /* the last string read, when kept */
    double *x, *y; /* one ring's points */
    int cap;
} scan;

static void sc_ws(scan *s)
{
    while (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t')
        s->p++;
}

/* Skips white space and `c`; 0 when the next character is another. */
static int sc_eat(scan *s, char c)
{
    sc_ws(s);
    if (*s->p != c)
        return 0;
    s->p++;
    return 1;
}

static int sc_lit(scan *s, const char *lit)
{
    size_t n = strlen(lit);
    sc_ws(s);
    if (strncmp(s->p, lit, n) != 0)
        return 0;
    s->p += n;
    return 1;
}

static int sc_hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        int c = (unsigned char)p[i], d = c >= '0' && c <= '9'   ? c - '0'
                                         : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                : -1;
        if (d < 0)
            return 0;
        *v = *v * 16 + (unsigned)d;
    }
    return 1;
}

/* A \u escape at s->p (after the backslash and 'u'), with its low surrogate, as UTF-8. */
static int sc_unicode(scan *s, int keep)
{
    unsigned cp, lo;
    if (!sc_hex4(s->p, &cp) || cp == 0 || (cp >= 0xDC00 && cp < 0xE000))
        return 0;
    s->p += 4;
    if (cp >= 0xD800 && cp < 0xDC00) {
        if (s->p[0] != '\\' || s->p[1] != 'u' || !sc_hex4(s->p + 2, &lo) || lo < 0xDC00 ||
            lo >= 0xE000)
            return 0;
        s->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    char u[4];
    int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
    for (int i = n - 1; i > 0; i--, cp >>= 6)
        u[i] = (char)(0x80 | (cp & 0x3F));
    u[0] = (char)(lead[n] | cp);
    if (keep)
        isr_sb_add(&s->str, u, (size_t)n);
    return 1;
}

/* A JSON string, decoded into s->str when `keep` (which is then never NULL). */
static int sc_string(scan *s, int keep)
{
    if (!sc_eat(s, '"'))
        return 0;
    if (keep) {
        s->str.len = 0;
        if (!isr_sb_reserve(&s->str, 64))
            return 0;
    }
    for (;;) {
        const char *q = s->p;
        while (*q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
            q++;
        if (keep)
            isr_sb_add(&s->str, s->p, (size_t)(q - s->p));
        if (*q != '"' && *q != '\\') { /* a control character, or the end of the text */
            s->p = q;                  /* (never past the end: the caller reads on) */
            return 0;
        }
        s->p = q + 1;
        if (*q == '"')
            break;
        static const char esc[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
        const char *e = *s->p && *s->p != 'u' ? strchr(esc, *s->p) : NULL;
        if (e && (e - esc) % 2 == 0) {
            if (keep)
                isr_sb_add(&s->str, e + 1, 1);
            s->p++;
        } else if (*s->p != 'u') { /* a bad escape, or the end of the text */
            return 0;
        } else if (s->p++, !sc_unicode(s, keep)) {
            return 0;
        }
    }
    if (keep)
        s->str.s[s->str.len] = '\0';
    return !s->str.oom;
}

/* A JSON number, the double strtod makes of it. */
static int sc_number(scan *s, double *v)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    sc_ws(s);
    const char *p = s->p, *start = p;
    int neg = *p == '-', exact = 1, e10 = 0, nd = 0;
    unsigned long long m = 0;
    p += neg;
    if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
        return 0;
    for (int frac = 0;; p++) {
        if (*p == '.' && !frac) {
            frac = 1;
            if (p[1] < '0' || p[1] > '9')
                return 0;
            continue;
        }
        if (*p < '0' || *p > '9')
            break;
        if (m == 0 && *p == '0') { /* a leading zero */
            e10 -= frac;
        } else if (nd < 19) {
            m = m * 10 + (unsigned long long)(*p - '0');
            nd++;
            e10 -= frac;
        } else {
            exact = 0; /* a digit beyond 19: strtod rounds it */
        }
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        int eneg = *p == '-', ex = 0;
        p += *p == '-' || *p == '+';
        if (*p < '0' || *p > '9')
            return 0;
        for (; *p >= '0' && *p <= '9'; p++)
            ex = ex < 10000 ? ex * 10 + (*p - '0') : ex;
        e10 += eneg ? -ex : ex;
    }
    /* m and 10^|e10| exact doubles: one correctly rounded operation is strtod's result */
    if (exact && m <= (1ULL << 53) && e10 >= -22 && e10 <= 22) {
        double d = (double)m;
        d = e10 < 0 ? d / p10[-e10] : d * p10[e10];
        *v = neg ? -d : d;
    } else {
        char *end;
        *v = isr_strtod(start, &end);
        if (end != p)
            return 0;
    }
    s->p = p;
    return 1;
}

/* Skips any JSON value. */
static int sc_skip(scan *s, int depth)
{
    double d;
    sc_ws(s);
    char c = *s->p;
    if (c == '"')
        return sc_string(s, 0);
    if (c == 't' || c == 'f' || c == 'n')
        return sc_lit(s, c == 't' ? "true" : c == 'f' ? "false" : "null");
    if (c != '{' && c != '[')
        return sc_number(s, &d);
    if (depth > 64)
        return 0;
    s->p++;
    if (sc_eat(s, c == '{' ? '}' : ']'))
        return 1;
    do {
        if (c == '{' && (!sc_string(s, 0) || !sc_eat(s, ':')))
            return 0;
        if (!sc_skip(s, depth + 1))
            return 0;
    } while (sc_eat(s, ','));
    return sc_eat(s, c == '{' ? '}' : ']');
}

/* The next member's key of an object (into s->str) and its colon; 0 at the object's end
 * (its '}' read) or on a syntax error (*ok cleared). `first` for the first member. */
static int sc_member(scan *s, int first, int *ok)
{
    if (first ? sc_eat(s, '}') : !sc_eat(s, ','))
        return first || sc_eat(s, '}') ? 0 : (*ok = 0);
    if (!sc_string(s, 1) || !sc_eat(s, ':'))
        return *ok = 0;
    return 1;
}

/* One ring's [[x, y(, z…)], …]: to the reader, and into the feature's envelope. */
static int sc_ring(scan *s, int poly, double env[4])
{
    int n = 0;
    if (!sc_eat(s, '[') || sc_eat(s, ']'))
        return 0; /* an empty ring: OGR's envelope of it would count */
    do {
        if (n == s->cap && !isr_grow_pair((void **)&s->x, sizeof *s->x, (void **)&s->y,
                                           sizeof *s->y, &s->cap, n + 1, 4096))
            return 0;
        double z;
        if (!sc_eat(s, '[') || !sc_number(s, &s->x[n]) || !sc_eat(s, ',') ||
            !sc_number(s, &s->y[n]))
            return 0;
        while (sc_eat(s, ','))
            if (!sc_number(s, &z))
                return 0;
        if (!sc_eat(s, ']'))
            return 0;
        env[0] = fmin(env[0], s->x[n]);
        env[1] = fmin(env[1], s->y[n]);
        env[2] = fmax(env[2], s->x[n]);
        env[3] = fmax(env[3], s->y[n]);
        n++;
    } while (sc_eat(s, ','));
    return sc_eat(s, ']') && s->r->ring(s->r->user, poly, s->x, s->y, n);
}

/* A feature's geometry: null (*type 0), or a Polygon (1) or MultiPolygon (2) with "type"
 * first; env its envelope. */
static int sc_geometry(scan *s, double env[4], int *type)
{
    *type = 0;
    if (sc_lit(s, "null"))
        return 1;
    int ok = 1;
    if (!sc_eat(s, '{') || !sc_member(s, 1, &ok) || strcmp(s->str.s, "type") != 0 ||
        !sc_string(s, 1))
        return 0;
    int multi = strcmp(s->str.s, "MultiPolygon") == 0;
    if (!multi && strcmp(s->str.s, "Polygon") != 0)
        return 0;
    *type = multi ? 2 : 1;
    if (!sc_member(s, 0, &ok) || strcmp(s->str.s, "coordinates") != 0)
        return 0;
    if (multi && (!sc_eat(s, '[') || sc_eat(s, ']')))
        return 0;
    int poly = 0;
    do {
        if (!sc_eat(s, '[') || sc_eat(s, ']'))
            return 0; /* an empty polygon */
        do
            if (!sc_ring(s, poly, env))
                return 0;
        while (sc_eat(s, ','));
        if (!sc_eat(s, ']'))
            return 0;
        poly++;
    } while (multi && sc_eat(s, ','));
    if (multi && !sc_eat(s, ']'))
        return 0;
    while (sc_member(s, 0, &ok)) /* "bbox" and the like */
        if (!sc_skip(s, 0))
            return 0;
    return ok;
}

/* A feature's properties: the reader's fields to it, the others skipped. */
static int sc_properties(scan *s)
{
    const isr_polyscan_reader *r = s->r;
    unsigned long long seen = 0;
    int ok = 1;
    if (sc_lit(s, "null"))
        return 1;
    if (!sc_eat(s, '{'))
        return 0;
    for (int first = 1; sc_member(s, first, &ok); first = 0) {
        int k = 0;
        while (k < r->nfields && strcasecmp(s->str.s, r->fields[k]) != 0) /* as OGR matches */
            k++;
        if (k == r->nfields) {
            if (!sc_skip(s, 0))
                return 0;
            continue;
        }
        if (seen & (1ull << k))
            return 0;
        seen |= 1ull << k;
        double v = NAN;
        if (sc_lit(s, "null")) {
            if (!r->field(r->user, k, NULL, NAN))
                return 0;
        } else if (r->numeric[k]) {
            if (!sc_number(s, &v) || !r->field(r->user, k, NULL, v))
                return 0;
        } else if (!sc_string(s, 1) || !r->field(r->user, k, s->str.s, NAN)) {
            return 0;
        }
    }
    return ok;
}

/* One feature, to the reader. */
static int sc_feature(scan *s)
{
    const isr_polyscan_reader *r = s->r;
    int ok = 1, typed = 0, type = 0, props = 0, geom = 0;
    double env[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    if (!r->feature(r->user) || !sc_eat(s, '{'))
        return 0;
    for (int first = 1; sc_member(s, first, &ok); first = 0) {
        int good;
        if (strcmp(s->str.s, "type") == 0)
            good = typed = sc_string(s, 1) && strcmp(s->str.s, "Feature") == 0;
        else if (strcmp(s->str.s, "properties") == 0)
            good = !props++ && sc_properties(s); /* given twice: OGR's reading decides */
        else if (strcmp(s->str.s, "geometry") == 0)
            good = !geom++ && sc_geometry(s, env, &type);
        else
            good = sc_skip(s, 0);
        if (!good)
            return 0;
    }
    return ok && typed && r->feature_end(r->user, type, env);
}

/* Whether a "crs" member's value (n bytes of JSON at v) is null or names CRS84. */
static int crs84(const char *v, size_t n)
{
    static const char *const names[] = {"\"urn:ogc:def:crs:OGC:1.3:CRS84\"", "\"OGC:CRS84\""};
    if (n == 4 && strncmp(v, "null", 4) == 0)
        return 1;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t k = strlen(names[i]);
        for (size_t j = 0; j + k <= n; j++)
            if (memcmp(v + j, names[i], k) == 0)
                return 1;
    }
    return 0;
}

int isr_polyscan(const char *text, const isr_polyscan_reader *r)
{
    if (r->nfields > 64)
        return 0;
    scan s = {.p = text, .r = r};
    int ok = sc_eat(&s, '{'), typed = 0, features = 0;
    for (int first = 1; ok && sc_member(&s, first, &ok); first = 0) {
        if (strcmp(s.str.s, "type") == 0) {
            ok = typed = sc_string(&s, 1) && strcmp(s.str.s, "FeatureCollection") == 0;
        } else if (strcmp(s.str.s, "features") == 0 && !features) {
            features = 1;
            ok = sc_eat(&s, '[');
            if (ok && !sc_eat(&s, ']')) {
                do
                    ok = sc_feature(&s);
                while (ok && sc_eat(&s, ','));
                ok = ok && sc_eat(&s, ']');
            }
        } else if (strcmp(s.str.s, "crs") == 0) {
            /* a CRS other than lon/lat (CRS84, RFC 7946's): OGR reads it in its CRS */
            sc_ws(&s);
            const char *v = s.p;
            ok = sc_skip(&s, 0) && crs84(v, (size_t)(s.p - v));
        } else {
            ok = sc_skip(&s, 0);
        }
    }
    if (ok)
        sc_ws(&s);
    ok = ok && typed && features && *s.p == '\0';
    free(isr_sb_take(&s.str));
    free(s.x);
    free(s.y);
    return ok;
}

char *isr_read_whole(const char *path, size_t *len, int *err)
{
    *len = 0;
    *err = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = errno;
        return NULL;
    }
    isr_sb b = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        isr_sb_add(&b, buf, n);
    int bad = ferror(f);
    fclose(f);
    size_t got = b.len;
    int oom = b.oom;
    char *text = isr_sb_take(&b); /* NULL when the file is empty or memory ran out */
    if (bad || oom) {
        free(text);
        *err = bad ? ISR_READ_FAILED : ISR_READ_NO_MEMORY;
        return NULL;
    }
    if (!text && !(text = strdup(""))) {
        *err = ISR_READ_NO_MEMORY;
        return NULL;
    }
    *len = got;
    return text;
}

int isr_polyscan_file(const char *path, const isr_polyscan_reader *r)
{
    size_t len = 0;
    int err;
    char *text = isr_read_whole(path, &len, &err);
    int ok = text && strlen(text) == len && isr_polyscan(text, r);
    free(text);
    return ok;
}
