/*
 * geojson_text.c — the GeoJSON text of a lon/lat polygon or multipolygon, the bytes GDAL's
 * GeoJSON driver writes for it (RFC7946=YES, COORDINATE_PRECISION=6), at a fraction of the
 * cost.
 *
 * Why: GDAL formats each coordinate through a C++ ostringstream made for that one number
 * (OGRFormatDouble, with its locale): 1.7 µs a vertex, the larger part of writing the
 * isochrones (25 of a hub's 35 ms) and the units' geometry (0.55 of the model's 0.8 CPU-s).
 * Here a coordinate costs a few integer divisions. The layout, the rounding and GDAL's
 * clean-up of the digits are the driver's, rule for rule:
 *   - each number printed as "%.6f" would print it, then "intelliround": a run of five 0s or
 *     five 9s just before the last digit is taken as binary noise (the digit dropped, or the
 *     number rounded up at the run), then trailing zeros removed, keeping one after the '.';
 *   - RFC 7946's winding: an exterior ring that GDAL finds clockwise, or an interior ring it
 *     finds anticlockwise, is written backwards, "clockwise" decided as GDAL decides it (the
 *     turn at the lowest, then rightmost vertex; the shoelace sum where that vertex is
 *     doubled or its neighbour within 1e-5);
 *   - json-c's spaced arrays: "[ a, b ]".
 * Anything else (other geometry types, Z or M, empty parts, rings of under 4 points, values
 * that are not finite or lie outside lon/lat, which the driver would warn about) is
 * declined, and the caller lets GDAL write that geometry. geojson_out.c checks these bytes
 * against GDAL's own on first use and uses this writer only when they are equal, so another
 * GDAL with another layout is written the slow way, never wrongly.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* GDAL's clean-up of a printed number: see the top. s holds *n characters (room for one
 * more); the result replaces it. */
static void round_up_digits(char *s, size_t *n)
{
    size_t neg = s[0] == '-';
    for (size_t k = *n; k-- > neg;) {
        if (s[k] == '.')
            continue;
        if (++s[k] <= '9')
            return;
        s[k] = '0';
    }
    memmove(s + neg + 1, s + neg, *n - neg); /* carried past the first digit */
    s[neg] = '1';
    (*n)++;
}

static int all_of(const char *s, size_t i, int from, int to, char c)
{
    for (int k = from; k <= to; k++)
        if (s[i - (size_t)k] != c)
            return 0;
    return 1;
}

/* Whether s[i-k] is `c` for k in [3, 7] wherever fewer than 4..8 digits precede the point
 * (nb: GDAL's count, the digits before the point less one), and s[i-8], s[i-9] are `c`. */
static int long_run(const char *s, size_t i, size_t nb, char c)
{
    for (int k = 3; k <= 7; k++)
        if (nb < (size_t)k + 1 && s[i - (size_t)k] != c)
            return 0;
    return s[i - 8] == c && s[i - 9] == c;
}

static void intelliround(char *s, size_t *n)
{
    const char *dot = memchr(s, '.', *n);
    size_t i = *n;
    if (!dot || i <= 10 || memchr(s, 'e', i) || memchr(s, 'E', i))
        return;
    size_t at = (size_t)(dot - s), nb = at - 1 - (s[0] == '-');
    if (all_of(s, i, 2, 6, '0')) {
        *n = i - 1;
    } else if (at < i - 8 && long_run(s, i, nb, '0')) {
        *n = i - 8;
    } else if (all_of(s, i, 2, 6, '9')) {
        *n = i - 6;
        round_up_digits(s, n);
    } else if (at < i - 9 && long_run(s, i, nb, '9')) {
        *n = i - 9;
        round_up_digits(s, n);
    }
}

static void trailing_zeros(char *s, size_t *n)
{
    if (!memchr(s, '.', *n))
        return;
    while (*n > 1 && s[*n - 1] == '0')
        (*n)--;
    if (s[*n - 1] == '.')
        s[(*n)++] = '0';
}

/* v as GDAL writes a coordinate at 6 decimals, into s (at least 40 bytes); its length. */
size_t isr_geojson_coord(char *s, double v)
{
    size_t n;
    double a = fabs(v), r = a * 1e6, k = floor(r);
    if (a < 1e6 && fabs(r - k - 0.5) > 1e-3) { /* the exact rounding is not in doubt */
        unsigned long long q = (unsigned long long)k + (r - k > 0.5);
        char digits[32];
        int nd = 0;
        for (; q || nd < 7; q /= 10)
            digits[nd++] = (char)('0' + q % 10);
        n = 0;
        if (signbit(v))
            s[n++] = '-';
        while (nd > 6)
            s[n++] = digits[--nd];
        s[n++] = '.';
        while (nd > 0)
            s[n++] = digits[--nd];
    } else { /* a tie to the 6th decimal (a multiple of 1/128), or large: printf decides */
        n = (size_t)isr_snprintf(s, 40, "%.6f", v);
    }
    intelliround(s, &n);
    trailing_zeros(s, &n);
    s[n] = '\0';
    return n;
}

/* GDAL's test of a ring's winding (see the top): 1 clockwise, 0 not. */
static int clockwise(const double *x, const double *y, int n)
{
    if (n < 2)
        return 1;
    int v = 0, fallback = 0;
    for (int i = 1; i < n - 1; i++) {
        if (y[i] < y[v] || (y[i] == y[v] && x[i] > x[v])) {
            v = i;
            fallback = 0;
        } else if (y[i] == y[v] && x[i] == x[v]) {
            fallback = 1; /* the lowest rightmost vertex twice: no pivot */
        }
    }
    int prev = v - 1 < 0 ? n - 2 : v - 1, next = v + 1 >= n - 1 ? 0 : v + 1;
    const double eps = 1e-5;
    if ((fabs(x[prev] - x[v]) < eps && fabs(y[prev] - y[v]) < eps) ||
        (fabs(x[next] - x[v]) < eps && fabs(y[next] - y[v]) < eps))
        fallback = 1;
    double cross = (x[next] - x[v]) * (y[prev] - y[v]) - (x[prev] - x[v]) * (y[next] - y[v]);
    if (!fallback && cross != 0)
        return cross < 0;
    double sum = x[0] * (y[1] - y[n - 1]);
    for (int i = 1; i < n - 1; i++)
        sum += x[i] * (y[i + 1] - y[i - 1]);
    sum += x[n - 1] * (y[0] - y[n - 2]);
    return sum < 0;
}

typedef struct ring_buf {
    double *x, *y;
    int cap;
} ring_buf;

/* Ring r's coordinates appended to sb: 0, or -1 when declined (see the top). */
static int ring_text(OGRGeometryH r, int exterior, ring_buf *b, isr_sb *sb)
{
    int n = OGR_G_GetPointCount(r);
    if (n < 4)
        return -1;
    if (n > b->cap) {
        double *x = realloc(b->x, (size_t)n * sizeof *x);
        double *y = x ? realloc(b->y, (size_t)n * sizeof *y) : NULL;
        if (x)
            b->x = x;
        if (!y)
            return -1;
        b->y = y;
        b->cap = n;
    }
    OGR_G_GetPoints(r, b->x, sizeof(double), b->y, sizeof(double), NULL, 0);
    int backwards = clockwise(b->x, b->y, n) == exterior;
    if (!isr_sb_reserve(sb, (size_t)n * 90 + 8))
        return -1;
    char *o = sb->s + sb->len;
    *o++ = '[';
    for (int i = 0; i < n; i++) {
        int k = backwards ? n - 1 - i : i;
        double x = b->x[k], y = b->y[k];
        if (!(x >= -180 && x <= 180 && y >= -90 && y <= 90))
            return -1; /* not finite, or where the driver warns */
        memcpy(o, i ? ", [ " : " [ ", i ? 4 : 3);
        o += i ? 4 : 3;
        o += isr_geojson_coord(o, x);
        memcpy(o, ", ", 2);
        o += 2;
        o += isr_geojson_coord(o, y);
        memcpy(o, " ]", 2);
        o += 2;
    }
    memcpy(o, " ]", 2);
    sb->len = (size_t)(o + 2 - sb->s);
    sb->s[sb->len] = '\0';
    return 0;
}

static int polygon_text(OGRGeometryH p, ring_buf *b, isr_sb *sb)
{
    int nr = OGR_G_GetGeometryCount(p);
    if (nr < 1)
        return -1;
    isr_sb_add(sb, "[ ", 2);
    for (int r = 0; r < nr; r++) {
        if (r)
            isr_sb_add(sb, ", ", 2);
        if (ring_text(OGR_G_GetGeometryRef(p, r), r == 0, b, sb))
            return -1;
    }
    isr_sb_add(sb, " ]", 2);
    return sb->oom ? -1 : 0;
}

int isr_geojson_polygons_text(OGRGeometryH g, isr_sb *sb)
{
    OGRwkbGeometryType t = OGR_G_GetGeometryType(g);
    if (t != wkbPolygon && t != wkbMultiPolygon) /* 2D only: no Z, no M */
        return -1;
    size_t at = sb->len;
    ring_buf b = {0};
    int bad = 0;
    if (t == wkbPolygon) {
        isr_sb_add(sb, "{ \"type\": \"Polygon\", \"coordinates\": ", 36);
        bad = polygon_text(g, &b, sb);
    } else {
        int np = OGR_G_GetGeometryCount(g);
        isr_sb_add(sb, "{ \"type\": \"MultiPolygon\", \"coordinates\": [ ", 43);
        bad = np < 1;
        for (int i = 0; i < np && !bad; i++) {
            if (i)
                isr_sb_add(sb, ", ", 2);
            bad = polygon_text(OGR_G_GetGeometryRef(g, i), &b, sb);
        }
        isr_sb_add(sb, " ]", 2);
    }
    isr_sb_add(sb, " }", 2);
    free(b.x);
    free(b.y);
    if (bad || sb->oom) {
        if (sb->s && !sb->oom) {
            sb->len = at; /* nothing of it left */
            sb->s[at] = '\0';
        }
        return -1;
    }
    return 0;
}

/* ---- valid as written ---------------------------------------------------------------- */

/* A number as isr_geojson_coord writes it, read back: the digits as an integer over a power
 * of ten, both exact in a double (up to 15 digits, 22 decimals), so the one division rounds
 * as strtod does; longer ones through strtod. */
static double read_written(const char *s)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *c = s + (*s == '-');
    unsigned long long m = 0;
    int digits = 0, decimals = 0, dot = 0;
    for (; *c; c++) {
        if (*c == '.') {
            dot = 1;
            continue;
        }
        if (*c < '0' || *c > '9' || ++digits > 15)
            return isr_strtod(s, NULL);
        m = m * 10 + (unsigned)(*c - '0');
        decimals += dot;
    }
    double v = (double)m / p10[decimals];
    return *s == '-' ? -v : v;
}

/* Each ring of polygonal g (taken) with its coordinates as the file holds them: printed as
 * isr_geojson_coord prints them and read back. */
static OGRGeometryH as_written(OGRGeometryH g)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon || t == wkbMultiPolygon || t == wkbGeometryCollection) {
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
            as_written(OGR_G_GetGeometryRef(g, i));
        return g;
    }
    int n = OGR_G_GetPointCount(g);
    double *x = malloc((size_t)(n > 0 ? n : 1) * 2 * sizeof *x), *y = x ? x + n : NULL;
    if (!x)
        return g;
    OGR_G_GetPoints(g, x, sizeof *x, y, sizeof *y, NULL, 0);
    char s[48];
    for (int i = 0; i < 2 * n; i++) {
        isr_geojson_coord(s, x[i]);
        x[i] = read_written(s);
    }
    OGR_G_SetPoints(g, n, x, sizeof *x, y, sizeof *y, NULL, 0);
    free(x);
    return g;
}

/* g's polygons (a polygon, multipolygon or collection) added to multipolygon m. */
static void polygons_into(OGRGeometryH m, OGRGeometryH g)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon && !OGR_G_IsEmpty(g))
        OGR_G_AddGeometry(m, g);
    for (int i = 0; (t == wkbMultiPolygon || t == wkbGeometryCollection) &&
                    i < OGR_G_GetGeometryCount(g);
         i++)
        polygons_into(m, OGR_G_GetGeometryRef(g, i));
}

/* g made valid where it is not (GEOS's MakeValid), then snapped to the file's grid of 1e-6
 * degrees (GEOS's setPrecision: valid by construction), its polygons only, as the file
 * holds them: a polygon, or a multipolygon of several. */
static OGRGeometryH snapped(isr_geos *gc, OGRGeometryH g)
{
    GEOSGeometry *gg = isr_geos_from_ogr(gc, g);
    if (gg && GEOSisValid_r(gc->h, gg) != 1) { /* GEOS snaps valid geometries only */
        GEOSGeometry *v = GEOSMakeValid_r(gc->h, gg);
        GEOSGeom_destroy_r(gc->h, gg);
        gg = v;
    }
    GEOSGeometry *s = gg ? GEOSGeom_setPrecision_r(gc->h, gg, 1e-6, 0) : NULL;
    OGRGeometryH o = s ? isr_ogr_from_geos(gc, s) : NULL, m = NULL;
    if (gg)
        GEOSGeom_destroy_r(gc->h, gg);
    if (s)
        GEOSGeom_destroy_r(gc->h, s);
    if (o) {
        m = OGR_G_CreateGeometry(wkbMultiPolygon);
        polygons_into(m, o);
        OGR_G_DestroyGeometry(o);
    }
    if (m && OGR_G_GetGeometryCount(m) == 1) {
        OGRGeometryH p = OGR_G_Clone(OGR_G_GetGeometryRef(m, 0));
        OGR_G_DestroyGeometry(m);
        m = p;
    }
    return m ? as_written(m) : NULL;
}

int isr_geojson_valid_as_written(isr_geos *gc, OGRFeatureH f)
{
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (!g)
        return 0;
    OGRGeometryH w = as_written(OGR_G_Clone(g)), from = g;
    int valid = OGR_G_IsValid(w);
    /* snapped from the full coordinates, then (should GDAL's clean-up of the digits undo it)
     * from the snapped ones as written */
    for (int tries = 0; !valid && tries < 3; tries++) {
        OGRGeometryH s = snapped(gc, from);
        OGR_G_DestroyGeometry(w);
        if (!(w = from = s))
            return -1;
        valid = OGR_G_IsValid(w) && !OGR_G_IsEmpty(w);
        if (valid)
            OGR_F_SetGeometry(f, w);
    }
    OGR_G_DestroyGeometry(w);
    return valid ? 0 : -1;
}
