/*
 * map_canvas.c — a tiny map canvas on cairo and pango.
 *
 * A canvas is one cairo context plus a world → page transform: the world box given to
 * isr_canvas_frame() is fitted, centred and with equal x and y scales, into the map panel;
 * page y grows downwards. Shapes are drawn vertex by vertex with vertices closer than half a
 * pixel to the last one dropped, so a county with 5000 vertices costs what its outline
 * needs at the map's scale (SVG size stays small). Labels are placed greedily: the first of
 * eight positions around their symbol that stays in the panel and clear of every box
 * already taken (labels, symbols, legend, scale bar); a label that does not fit is dropped.
 * Text goes through pango with one font map per thread (pango's are not thread-safe) and
 * unhinted metrics, so that a page lays out alike on the PNG and the SVG surface. Writing
 * the pages is map_render.c's.
 */
#include "map_internal.h"

#include <fontconfig/fontconfig.h>
#include <math.h>
#include <pango/pangocairo.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ISR_MAP_PI 3.14159265358979323846
#define FONT_FAMILY "Noto Sans CJK SC,Noto Sans,DejaVu Sans,sans-serif"

/* ---- shapes ---------------------------------------------------------------------------------- */

void isr_bbox_add(double bbox[4], const double o[4])
{
    if (o[0] < bbox[0])
        bbox[0] = o[0];
    if (o[1] < bbox[1])
        bbox[1] = o[1];
    if (o[2] > bbox[2])
        bbox[2] = o[2];
    if (o[3] > bbox[3])
        bbox[3] = o[3];
}

int isr_shape_add_points(isr_shape *s, const double *p, int n)
{
    int *len = realloc(s->len, (size_t)(s->nparts + 1) * sizeof *len);
    if (!len)
        return -1;
    s->len = len;
    double *xy = realloc(s->xy, (size_t)(s->npts + n) * 2 * sizeof *xy);
    if (!xy)
        return -1;
    s->xy = xy;
    if (s->nparts == 0) {
        s->bbox[0] = s->bbox[1] = INFINITY;
        s->bbox[2] = s->bbox[3] = -INFINITY;
    }
    memcpy(xy + 2 * (size_t)s->npts, p, (size_t)n * 2 * sizeof *xy);
    for (int i = 0; i < n; i++) {
        double bb[4] = {p[2 * i], p[2 * i + 1], p[2 * i], p[2 * i + 1]};
        isr_bbox_add(s->bbox, bb);
    }
    s->len[s->nparts++] = n;
    s->npts += n;
    return 0;
}

static int shape_add_part(isr_shape *s, OGRGeometryH g)
{
    int n = OGR_G_GetPointCount(g);
    if (n < 2)
        return 0;
    double *xy = malloc((size_t)n * 2 * sizeof *xy);
    if (!xy)
        return -1;
    OGR_G_GetPoints(g, xy, 2 * sizeof *xy, xy + 1, 2 * sizeof *xy, NULL, 0);
    int rc = isr_shape_add_points(s, xy, n);
    free(xy);
    return rc;
}

int isr_shape_add_ogr(isr_shape *s, OGRGeometryH g)
{
    if (!g)
        return 0;
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbLineString || t == wkbLinearRing)
        return shape_add_part(s, g);
    int n = OGR_G_GetGeometryCount(g);
    for (int i = 0; i < n; i++)
        if (isr_shape_add_ogr(s, OGR_G_GetGeometryRef(g, i)) != 0)
            return -1;
    return 0;
}

/* ---- borders once ---------------------------------------------------------------------------- */

typedef struct edge {
    double a[2], b[2]; /* a before b (x, then y) */
} edge;

typedef struct edge_set {
    edge *e;
    unsigned char *used; /* 0 empty, 1 an edge, 2 an edge its shape has twice */
    int *owner;          /* the first shape with the edge */
    size_t cap;          /* a power of two */
} edge_set;

static size_t edge_hash(const edge *e)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL, w[4];
    memcpy(w, e, sizeof w);
    for (int i = 0; i < 4; i++) {
        h ^= w[i] + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
        h *= 0xFF51AFD7ED558CCDULL;
    }
    return (size_t)(h ^ (h >> 31));
}

/* The slot of edge p-q (into *e), or of the empty slot where it goes. */
static size_t edge_find(const edge_set *t, const double *p, const double *q, edge *e)
{
    int pq = p[0] < q[0] || (p[0] == q[0] && p[1] <= q[1]);
    memcpy(e->a, pq ? p : q, sizeof e->a);
    memcpy(e->b, pq ? q : p, sizeof e->b);
    size_t h = edge_hash(e) & (t->cap - 1);
    while (t->used[h] && memcmp(&t->e[h], e, sizeof *e) != 0)
        h = (h + 1) & (t->cap - 1);
    return h;
}

/* Adds the edge p-q of shape `owner`: new, or seen again (twice in `owner`: inside it). */
static void edge_add(edge_set *t, const double *p, const double *q, int owner)
{
    edge e;
    size_t h = edge_find(t, p, q, &e);
    if (t->used[h]) {
        if (t->owner[h] == owner)
            t->used[h] = 2;
        return;
    }
    t->e[h] = e;
    t->used[h] = 1;
    t->owner[h] = owner;
}

/* Every edge of every shape into t, each with its first shape; an edge that a shape has twice
 * is inside it: the seam of a county or province split at the 180° meridian (RFC 7946), whose
 * parts meet there again once reprojected (map_data.c gives both sides the same points). */
static void edges_all(edge_set *t, const isr_shape *in, int n)
{
    for (int i = 0; i < n; i++) {
        const double *p = in[i].xy;
        for (int k = 0; k < in[i].nparts; p += 2 * in[i].len[k], k++)
            for (int j = 1; j < in[i].len[k]; j++)
                edge_add(t, &p[2 * (j - 1)], &p[2 * j], i);
    }
}

int isr_shape_edges_once(const isr_shape *in, int n, isr_shape **out)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += (size_t)in[i].npts;
    edge_set t = {0};
    t.cap = 1024;
    while (t.cap < 2 * total)
        t.cap *= 2;
    t.e = malloc(t.cap * sizeof *t.e);
    t.used = calloc(t.cap, 1);
    t.owner = malloc(t.cap * sizeof *t.owner);
    *out = calloc((size_t)(n > 0 ? n : 1), sizeof **out);
    int rc = t.e && t.used && t.owner && *out ? 0 : -1;
    if (rc == 0)
        edges_all(&t, in, n);
    for (int i = 0; i < n && rc == 0; i++) {
        const double *p = in[i].xy;
        for (int k = 0; k < in[i].nparts && rc == 0; p += 2 * in[i].len[k], k++) {
            /* runs of drawn edges: [run, j] while edge j-1 → j is this shape's, first seen
             * here and not inside it */
            int m = in[i].len[k], run = -1;
            for (int j = 1; j <= m && rc == 0; j++) {
                edge e;
                size_t h = j < m ? edge_find(&t, &p[2 * (j - 1)], &p[2 * j], &e) : 0;
                int fresh = j < m && t.owner[h] == i && t.used[h] == 1;
                if (fresh && run < 0)
                    run = j - 1;
                if (!fresh && run >= 0) {
                    rc = isr_shape_add_points(&(*out)[i], &p[2 * run], j - run);
                    run = -1;
                }
            }
        }
    }
    free(t.e);
    free(t.used);
    free(t.owner);
    if (rc != 0 && *out) {
        for (int i = 0; i < n; i++)
            isr_shape_clear(&(*out)[i]);
        free(*out);
        *out = NULL;
    }
    return rc;
}

void isr_shape_clear(isr_shape *s)
{
    free(s->len);
    free(s->xy);
    memset(s, 0, sizeof *s);
}

/* ---- the transform --------------------------------------------------------------------------- */

void isr_canvas_frame(isr_canvas *cv, const double panel[4], const double world[4])
{
    memcpy(cv->panel, panel, sizeof cv->panel);
    double ww = world[2] - world[0], wh = world[3] - world[1];
    if (!(ww > 0))
        ww = 1;
    if (!(wh > 0))
        wh = 1;
    double sx = panel[2] / ww, sy = panel[3] / wh;
    cv->scale = sx < sy ? sx : sy;
    double cx = (world[0] + world[2]) / 2, cy = (world[1] + world[3]) / 2;
    cv->wx0 = cx - panel[2] / 2 / cv->scale;
    cv->wy0 = cy + panel[3] / 2 / cv->scale;
}

void isr_canvas_xy(const isr_canvas *cv, double x, double y, double *u, double *v)
{
    *u = cv->panel[0] + (x - cv->wx0) * cv->scale;
    *v = cv->panel[1] + (cv->wy0 - y) * cv->scale;
}

void isr_canvas_world(const isr_canvas *cv, double w[4])
{
    w[0] = cv->wx0;
    w[3] = cv->wy0;
    w[2] = cv->wx0 + cv->panel[2] / cv->scale;
    w[1] = cv->wy0 - cv->panel[3] / cv->scale;
}

void isr_canvas_clip_panel(isr_canvas *cv)
{
    cairo_save(cv->cr);
    cairo_rectangle(cv->cr, cv->panel[0], cv->panel[1], cv->panel[2], cv->panel[3]);
    cairo_clip(cv->cr);
}

static int visible(const isr_canvas *cv, const double b[4])
{
    double w[4];
    isr_canvas_world(cv, w);
    return !(b[2] < w[0] || b[0] > w[2] || b[3] < w[1] || b[1] > w[3]);
}

/* Clips a closed ring (n points, page coordinates, in `in`) to one side of the box:
 * Sutherland–Hodgman, exact for fills; the new edges run along the box, which lies outside
 * the panel, so strokes along them are never seen. Returns the new count (points in out). */
static int clip_side(const double *in, int n, double *out, int axis, double lim, int keep_less)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        const double *a = in + 2 * ((i + n - 1) % n), *b = in + 2 * i;
        int ain = keep_less ? a[axis] <= lim : a[axis] >= lim;
        int bin = keep_less ? b[axis] <= lim : b[axis] >= lim;
        if (ain != bin) {
            double t = (lim - a[axis]) / (b[axis] - a[axis]);
            out[2 * m + axis] = lim;
            out[2 * m + 1 - axis] = a[1 - axis] + t * (b[1 - axis] - a[1 - axis]);
            m++;
        }
        if (bin) {
            out[2 * m] = b[0];
            out[2 * m + 1] = b[1];
            m++;
        }
    }
    return m;
}

/* Scratch for one part in page coordinates, two halves of n points and the clipping's
 * extra: a pass against one side adds at most one point per run of points it cuts off, so
 * at most half again, and four passes stay under 5.1 n. */
static double *scratch(isr_canvas *cv, int n)
{
    size_t need = (size_t)(6 * n + 16) * 2;
    if (need > cv->ncap) {
        double *p = realloc(cv->buf, need * 2 * sizeof *p);
        /* Douglas–Peucker's stack (2n ints) and flags (n bytes) */
        int *q = realloc(cv->idx, (size_t)n * (2 * sizeof *q + 1) + 16);
        if (p)
            cv->buf = p;
        if (q)
            cv->idx = q;
        if (!p || !q)
            return NULL;
        cv->ncap = need;
    }
    return cv->buf;
}

/* Douglas–Peucker in page coordinates: keeps the points that matter at `tol` pixels and
 * compacts them to the front of `a`. `idx` has room for 2m ints (the explicit stack). */
static int simplify_dp(double *a, int m, double tol, int *idx)
{
    if (m <= 2)
        return m;
    unsigned char *keep = (unsigned char *)(idx + 2 * m);
    memset(keep, 0, (size_t)m);
    keep[0] = keep[m - 1] = 1;
    int sp = 0;
    idx[sp++] = 0;
    idx[sp++] = m - 1;
    while (sp > 0) {
        int j = idx[--sp], i = idx[--sp];
        double x0 = a[2 * i], y0 = a[2 * i + 1], dx = a[2 * j] - x0, dy = a[2 * j + 1] - y0;
        double len2 = dx * dx + dy * dy, worst = -1;
        int w = -1;
        for (int k = i + 1; k < j; k++) {
            double px = a[2 * k] - x0, py = a[2 * k + 1] - y0, d2;
            if (len2 > 0) {
                double c = px * dy - py * dx;
                d2 = c * c / len2;
            } else {
                d2 = px * px + py * py;
            }
            if (d2 > worst) {
                worst = d2;
                w = k;
            }
        }
        if (w >= 0 && worst > tol * tol) {
            keep[w] = 1;
            idx[sp++] = i;
            idx[sp++] = w;
            idx[sp++] = w;
            idx[sp++] = j;
        }
    }
    int n = 0;
    for (int k = 0; k < m; k++)
        if (keep[k]) {
            a[2 * n] = a[2 * k];
            a[2 * n + 1] = a[2 * k + 1];
            n++;
        }
    return n;
}

/* A line's m points (page coordinates) to the current path, less the segments that lie
 * wholly beyond one side of `box` (the panel plus a margin wider than any line): what stays
 * in view is drawn as before, and a border or a rail line that runs on far outside the panel
 * costs the SVG and PDF nothing. */
static void line_runs(cairo_t *cr, const double *a, int m, const double box[4])
{
    int open = 0;
    for (int i = 1; i < m; i++) {
        const double *p = a + 2 * (i - 1), *q = a + 2 * i;
        int out = (p[0] < box[0] && q[0] < box[0]) || (p[0] > box[2] && q[0] > box[2]) ||
                  (p[1] < box[1] && q[1] < box[1]) || (p[1] > box[3] && q[1] > box[3]);
        if (out) {
            open = 0;
            continue;
        }
        /* eighths of a pixel: invisible, and the SVG prints "546.875", not "546.878906" */
        if (!open)
            cairo_move_to(cr, round(p[0] * 8) / 8, round(p[1] * 8) / 8);
        cairo_line_to(cr, round(q[0] * 8) / 8, round(q[1] * 8) / 8);
        open = 1;
    }
}

/* Adds the shape's parts to the current path: in page coordinates, vertices within half a
 * pixel of the last one dropped, and closed rings clipped to the panel plus a margin so that
 * a county half in view costs only its visible half. */
static void shape_path(isr_canvas *cv, const isr_shape *s, int closed)
{
    const double min_d2 = 0.25, margin = 16;
    const double box[4] = {cv->panel[0] - margin, cv->panel[1] - margin,
                           cv->panel[0] + cv->panel[2] + margin,
                           cv->panel[1] + cv->panel[3] + margin};
    const double *p = s->xy;
    for (int k = 0; k < s->nparts; p += 2 * s->len[k], k++) {
        int n = s->len[k];
        double *a = scratch(cv, n);
        if (!a)
            return; /* out of memory: the part is left out of the drawing */
        double *b = a + cv->ncap;
        int m = 0;
        for (int i = 0; i < n; i++) {
            double u, v;
            isr_canvas_xy(cv, p[2 * i], p[2 * i + 1], &u, &v);
            if (m && i < n - 1 &&
                (u - a[2 * m - 2]) * (u - a[2 * m - 2]) + (v - a[2 * m - 1]) * (v - a[2 * m - 1]) <
                    min_d2)
                continue;
            a[2 * m] = u;
            a[2 * m + 1] = v;
            m++;
        }
        m = simplify_dp(a, m, 0.3, cv->idx);
        if (closed) {
            m = clip_side(a, m, b, 0, box[0], 0);
            m = clip_side(b, m, a, 0, box[2], 1);
            m = clip_side(a, m, b, 1, box[1], 0);
            m = clip_side(b, m, a, 1, box[3], 1);
            if (m < 3)
                continue;
        } else {
            line_runs(cv->cr, a, m, box);
            continue;
        }
        /* eighths of a pixel: invisible, and the SVG prints "546.875", not "546.878906" */
        cairo_move_to(cv->cr, round(a[0] * 8) / 8, round(a[1] * 8) / 8);
        for (int i = 1; i < m; i++)
            cairo_line_to(cv->cr, round(a[2 * i] * 8) / 8, round(a[2 * i + 1] * 8) / 8);
        cairo_close_path(cv->cr);
    }
}

static void set_colour(cairo_t *cr, isr_rgba c)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
}

void isr_canvas_fill(isr_canvas *cv, const isr_shape *s, isr_rgba c)
{
    if (!s->nparts || !visible(cv, s->bbox))
        return;
    cairo_new_path(cv->cr);
    shape_path(cv, s, 1);
    cairo_set_fill_rule(cv->cr, CAIRO_FILL_RULE_EVEN_ODD);
    set_colour(cv->cr, c);
    cairo_fill(cv->cr);
}

void isr_canvas_stroke(isr_canvas *cv, const isr_shape *s, int closed, isr_rgba c, double width_px,
                       const double *dash, int ndash)
{
    if (!s->nparts || !visible(cv, s->bbox))
        return;
    cairo_new_path(cv->cr);
    shape_path(cv, s, closed);
    set_colour(cv->cr, c);
    cairo_set_line_width(cv->cr, width_px);
    cairo_set_line_join(cv->cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cv->cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_dash(cv->cr, dash, dash ? ndash : 0, 0);
    cairo_stroke(cv->cr);
    cairo_set_dash(cv->cr, NULL, 0, 0);
}

void isr_canvas_rect(isr_canvas *cv, const double r[4], isr_rgba fill, isr_rgba line,
                     double width_px)
{
    cairo_new_path(cv->cr);
    cairo_rectangle(cv->cr, r[0], r[1], r[2], r[3]);
    set_colour(cv->cr, fill);
    if (width_px > 0) {
        cairo_fill_preserve(cv->cr);
        set_colour(cv->cr, line);
        cairo_set_line_width(cv->cr, width_px);
        cairo_set_dash(cv->cr, NULL, 0, 0);
        cairo_stroke(cv->cr);
    } else {
        cairo_fill(cv->cr);
    }
}

void isr_canvas_symbol(isr_canvas *cv, double u, double v, double r, int star, isr_rgba fill,
                       isr_rgba line, double width_px)
{
    cairo_t *cr = cv->cr;
    cairo_new_path(cr);
    if (star) {
        for (int i = 0; i < 10; i++) {
            double a = -ISR_MAP_PI / 2 + i * ISR_MAP_PI / 5, rr = i % 2 ? r * 0.45 : r;
            if (i)
                cairo_line_to(cr, u + rr * cos(a), v + rr * sin(a));
            else
                cairo_move_to(cr, u + rr * cos(a), v + rr * sin(a));
        }
        cairo_close_path(cr);
    } else {
        cairo_arc(cr, u, v, r, 0, 2 * ISR_MAP_PI);
    }
    set_colour(cr, fill);
    cairo_fill_preserve(cr);
    set_colour(cr, line);
    cairo_set_line_width(cr, width_px);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_stroke(cr);
}

/* ---- text ------------------------------------------------------------------------------------ */

/* `text` as pango and cairo's PDF text need it, valid UTF-8: as it is when it is (NULL), else
 * a new copy with its bad bytes as U+FFFD. The page's buffers cut text on whole characters
 * (isr_vsnprintf, with_name); this keeps a slip elsewhere from failing the whole run, as a
 * name cut inside a letter did ("cannot draw 'map.pdf': input string not valid UTF-8"). */
static char *valid_utf8(const char *text)
{
    return g_utf8_validate(text, -1, NULL) ? NULL : isr_utf8_clean(text, strlen(text), NULL);
}

static PangoLayout *layout_for(isr_canvas *cv, const char *text, double size_px, int bold,
                               double wrap_px)
{
    PangoLayout *l = cv->layout;
    PangoFontDescription *fd = pango_font_description_from_string(FONT_FAMILY);
    size_px *= cv->text_scale > 0 ? cv->text_scale : 1;
    pango_font_description_set_absolute_size(fd, size_px * PANGO_SCALE);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, wrap_px > 0 ? (int)(wrap_px * PANGO_SCALE) : -1);
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    /* CJK fonts have tall ascent and descent: tighten lines so stacked text reads as one */
    pango_layout_set_spacing(l, (int)(-0.12 * size_px * PANGO_SCALE));
    /* the page's sentences are English or Chinese: left to right whatever a name in them is
     * (pango's automatic direction took an Arabic name first in a title for a right-to-left
     * paragraph, the name itself isolated or not) */
    pango_layout_set_auto_dir(l, FALSE);
    /* a caption may hold explicit line breaks (one paragraph per language) */
    char *clean = valid_utf8(text);
    pango_layout_set_text(l, clean ? clean : text, -1); /* pango keeps a copy */
    free(clean);
    return l;
}

void isr_canvas_text_size(isr_canvas *cv, const char *text, double size_px, int bold,
                          double wrap_px, double *w, double *h)
{
    PangoLayout *l = layout_for(cv, text, size_px, bold, wrap_px);
    PangoRectangle ink, logical;
    pango_layout_get_pixel_extents(l, &ink, &logical);
    *w = logical.width;
    *h = logical.height;
}

/* Text as markup: valid UTF-8 with &, <, >, " escaped and XML's forbidden controls dropped. */
static void sb_xml(isr_sb *o, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '&')
            isr_sb_printf(o, "&amp;");
        else if (ch == '<')
            isr_sb_printf(o, "&lt;");
        else if (ch == '>')
            isr_sb_printf(o, "&gt;");
        else if (ch == '"')
            isr_sb_printf(o, "&quot;");
        else if (ch >= 0x20 || ch == '\t')
            isr_sb_add(o, s + i, 1);
    }
}

/* The layout at page (x, y) (its top left) as one <text> element: what the glyphs would
 * show, as editable text; a wrapped paragraph holds one <tspan> per line, on its baseline.
 * The halo is a white stroke painted under the fill. */
static void svg_text(isr_canvas *cv, PangoLayout *l, double x, double y, double size_px,
                     int bold, isr_rgba c, double halo)
{
    isr_sb *o = cv->svg_text;
    const char *text = pango_layout_get_text(l);
    double fs = size_px * (cv->text_scale > 0 ? cv->text_scale : 1);
    int nlines = pango_layout_get_line_count(l);
    PangoLayoutIter *it = pango_layout_get_iter(l);
    int first = 1;
    do {
        PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
        if (!line || line->length <= 0)
            continue;
        PangoRectangle lr;
        pango_layout_iter_get_line_extents(it, NULL, &lr);
        double bx = x + (double)lr.x / PANGO_SCALE;
        double by = y + (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE;
        size_t len = (size_t)line->length;
        while (len > 0 && text[line->start_index + (int)len - 1] == '\n')
            len--;
        if (first) {
            isr_sb_printf(o, "<text x=\"%.2f\" y=\"%.2f\" font-family=\"%s\" font-size=\"%.2f\"%s "
                             "fill=\"#%02x%02x%02x\"",
                          bx, by, FONT_FAMILY, fs, bold ? " font-weight=\"bold\"" : "",
                          (unsigned)lround(c.r * 255), (unsigned)lround(c.g * 255),
                          (unsigned)lround(c.b * 255));
            if (c.a < 1)
                isr_sb_printf(o, " fill-opacity=\"%.2f\"", c.a);
            if (halo > 0)
                isr_sb_printf(o, " stroke=\"#ffffff\" stroke-opacity=\"0.92\" "
                                 "stroke-width=\"%.2f\" stroke-linejoin=\"round\" "
                                 "paint-order=\"stroke\"",
                              2 * halo);
            isr_sb_printf(o, " xml:space=\"preserve\">");
            first = 0;
        }
        if (nlines > 1)
            isr_sb_printf(o, "<tspan x=\"%.2f\" y=\"%.2f\">", bx, by);
        sb_xml(o, text + line->start_index, len);
        if (nlines > 1)
            isr_sb_printf(o, "</tspan>");
    } while (pango_layout_iter_next_line(it));
    if (!first)
        isr_sb_printf(o, "</text>\n");
    pango_layout_iter_free(it);
}

void isr_canvas_text(isr_canvas *cv, double u, double v, double ax, double ay, const char *text,
                     double size_px, int bold, isr_rgba c, double halo, double wrap_px,
                     double box[4])
{
    cairo_t *cr = cv->cr;
    PangoLayout *l = layout_for(cv, text, size_px, bold, wrap_px);
    PangoRectangle ink, logical;
    pango_layout_get_pixel_extents(l, &ink, &logical);
    double x = u - ax * logical.width, y = v - ay * logical.height;
    if (cv->svg_text) {
        svg_text(cv, l, x, y, size_px, bold, c, halo);
    } else if (halo > 0) {
        cairo_new_path(cr);
        cairo_move_to(cr, x, y);
        pango_cairo_layout_path(cr, l);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.92);
        cairo_set_line_width(cr, 2 * halo);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_stroke(cr);
    }
    if (!cv->svg_text) {
        cairo_new_path(cr);
        cairo_move_to(cr, x, y);
        set_colour(cr, c);
        pango_cairo_show_layout(cr, l);
        cairo_new_path(cr);
    }
    if (box) {
        box[0] = x;
        box[1] = y;
        box[2] = x + logical.width;
        box[3] = y + logical.height;
    }
}

void isr_canvas_reserve(isr_canvas *cv, const double box[4])
{
    if (cv->nboxes == cv->capboxes) {
        int nc = cv->capboxes ? 2 * cv->capboxes : 64;
        double(*p)[4] = realloc(cv->boxes, (size_t)nc * sizeof *p);
        if (!p)
            return; /* a label may then overlap: cosmetic, not an error */
        cv->boxes = p;
        cv->capboxes = nc;
    }
    memcpy(cv->boxes[cv->nboxes++], box, sizeof *cv->boxes);
}

/* Whether box b lies in the panel and keeps a gap of a few pixels from every taken box, so
 * that two labels never read as one. */
static int box_free(const isr_canvas *cv, const double b[4])
{
    const double *p = cv->panel, gx = 4, gy = 1;
    if (b[0] < p[0] + 2 || b[1] < p[1] + 2 || b[2] > p[0] + p[2] - 2 || b[3] > p[1] + p[3] - 2)
        return 0;
    for (int i = 0; i < cv->nboxes; i++) {
        const double *o = cv->boxes[i];
        if (b[0] - gx < o[2] && b[2] + gx > o[0] && b[1] - gy < o[3] && b[3] + gy > o[1])
            return 0;
    }
    return 1;
}

int isr_canvas_label(isr_canvas *cv, double u, double v, double r_px, const char *text,
                     double size_px, int bold, isr_rgba c, int force)
{
    /* right, left, above, below, then the diagonals: (dx, dy, ax, ay) */
    static const double pos[8][4] = {{1, 0, 0, 0.5},     {-1, 0, 1, 0.5},   {0, -1, 0.5, 1},
                                     {0, 1, 0.5, 0},     {0.7, -0.7, 0, 1}, {0.7, 0.7, 0, 0},
                                     {-0.7, -0.7, 1, 1}, {-0.7, 0.7, 1, 0}};
    double w, h;
    isr_canvas_text_size(cv, text, size_px, bold, -1, &w, &h);
    if (r_px < 0) { /* centred on the point, or nowhere */
        double b[4] = {u - w / 2, v - 0.38 * h, u + w / 2, v + 0.38 * h};
        if (!box_free(cv, b) && !force)
            return 0;
        isr_canvas_text(cv, u, v, 0.5, 0.5, text, size_px, bold, c, size_px / 6.0, -1, NULL);
        isr_canvas_reserve(cv, b);
        return 1;
    }
    double g = r_px + 2;
    int chosen = -1;
    double box[4];
    for (int k = 0; k < 8 && chosen < 0; k++) {
        double x = u + pos[k][0] * g - pos[k][2] * w, y = v + pos[k][1] * g - pos[k][3] * h;
        /* the logical box of CJK text has generous leading: test a slightly tighter one */
        double b[4] = {x, y + 0.12 * h, x + w, y + h - 0.12 * h};
        if (box_free(cv, b)) {
            chosen = k;
            memcpy(box, b, sizeof box);
        }
    }
    if (chosen < 0 && !force)
        return 0;
    if (chosen < 0)
        chosen = 0;
    isr_canvas_text(cv, u + pos[chosen][0] * g, v + pos[chosen][1] * g, pos[chosen][2],
                    pos[chosen][3], text, size_px, bold, c, size_px / 6.0, -1, box);
    isr_canvas_reserve(cv, box);
    return 1;
}

/* ---- furniture ------------------------------------------------------------------------------- */

/* The longest 1, 2 or 5 × 10^k metres not above `m`. */
static double nice_length(double m)
{
    double p = pow(10, floor(log10(m)));
    double steps[] = {5, 2, 1};
    for (int i = 0; i < 3; i++)
        if (steps[i] * p <= m)
            return steps[i] * p;
    return p;
}

static void format_length(char *buf, size_t n, double m)
{
    if (m >= 1000)
        isr_snprintf(buf, n, "%g", m / 1000);
    else
        isr_snprintf(buf, n, "%g", m);
}

void isr_canvas_scale_bar(isr_canvas *cv, double u, double v, double max_px)
{
    double L = nice_length(max_px / cv->scale);
    double len = L * cv->scale, bar_h = 7, pad = 9, fs = 14;
    const char *unit = L >= 1000 ? "km" : "m";
    char a[32], b[32], c[48];
    format_length(a, sizeof a, L / 2);
    format_length(b, sizeof b, L);
    isr_snprintf(c, sizeof c, "%s %s", b, unit);
    double tw, th;
    isr_canvas_text_size(cv, c, fs, 0, -1, &tw, &th);
    double box[4] = {u - pad, v - bar_h - th - pad, u + len + tw / 2 + pad, v + pad};
    double r[4] = {box[0], box[1], box[2] - box[0], box[3] - box[1]};
    isr_canvas_rect(cv, r, (isr_rgba){1, 1, 1, 0.85}, (isr_rgba){0.6, 0.6, 0.6, 1}, 0.8);
    isr_canvas_reserve(cv, box);
    isr_rgba ink = {0.15, 0.15, 0.15, 1};
    double half[4] = {u, v - bar_h, len / 2, bar_h};
    double full[4] = {u + len / 2, v - bar_h, len / 2, bar_h};
    isr_canvas_rect(cv, half, ink, ink, 1);
    isr_canvas_rect(cv, full, (isr_rgba){1, 1, 1, 1}, ink, 1);
    isr_canvas_text(cv, u, v - bar_h - 1, 0.5, 1, "0", fs, 0, ink, 0, -1, NULL);
    isr_canvas_text(cv, u + len / 2, v - bar_h - 1, 0.5, 1, a, fs, 0, ink, 0, -1, NULL);
    isr_canvas_text(cv, u + len, v - bar_h - 1, 0.5, 1, c, fs, 0, ink, 0, -1, NULL);
}

void isr_canvas_north_arrow(isr_canvas *cv, double u, double v, double angle)
{
    cairo_t *cr = cv->cr;
    double r = 16;
    double box[4] = {u - r - 6, v - r - 26, u + r + 6, v + r + 6};
    double rr[4] = {box[0], box[1], box[2] - box[0], box[3] - box[1]};
    isr_canvas_rect(cv, rr, (isr_rgba){1, 1, 1, 0.85}, (isr_rgba){0.6, 0.6, 0.6, 1}, 0.8);
    isr_canvas_reserve(cv, box);
    cairo_save(cr);
    cairo_translate(cr, u, v);
    cairo_rotate(cr, angle);
    cairo_new_path(cr);
    cairo_move_to(cr, 0, -r);
    cairo_line_to(cr, r * 0.55, r);
    cairo_line_to(cr, 0, r * 0.5);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_fill(cr);
    cairo_move_to(cr, 0, -r);
    cairo_line_to(cr, -r * 0.55, r);
    cairo_line_to(cr, 0, r * 0.5);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    cairo_restore(cr);
    isr_canvas_text(cv, u, v - r - 3, 0.5, 1, "N", 15, 1, (isr_rgba){0.15, 0.15, 0.15, 1}, 0, -1,
                    NULL);
}

/* ---- begin, end, fonts ----------------------------------------------------------------------- */

void isr_map_fonts_init(void)
{
    /* fontconfig 2.14 (Debian 12) loses a few hundred bytes parsing its configuration, once
     * per process: that is not ours to report in the sanitizer builds of the tests */
#if defined(__SANITIZE_ADDRESS__)
    __lsan_disable();
#endif
    FcInit();
#if defined(__SANITIZE_ADDRESS__)
    __lsan_enable();
#endif
}

void *isr_map_fonts_new(void)
{
    return pango_cairo_font_map_new();
}

void isr_map_fonts_free(void *fonts)
{
    if (fonts)
        g_object_unref(fonts);
}

void isr_canvas_begin(isr_canvas *cv, cairo_t *cr, void *fonts, int w, int h)
{
    memset(cv, 0, sizeof *cv);
    cv->cr = cr;
    cv->page_w = w;
    cv->page_h = h;
    cv->scale = 1;
    cv->text_scale = 1;
    PangoContext *pc = pango_font_map_create_context(fonts);
    /* unhinted metrics: the PNG and the SVG lay text out alike, so labels land alike */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(pc, fo);
    cairo_font_options_destroy(fo);
    pango_cairo_update_context(cr, pc);
    cv->layout = pango_layout_new(pc);
    g_object_unref(pc); /* the layout keeps its context */
}

void isr_canvas_end(isr_canvas *cv)
{
    if (cv->layout)
        g_object_unref(cv->layout);
    free(cv->boxes);
    free(cv->buf);
    free(cv->idx);
    cv->idx = NULL;
    cv->layout = NULL;
    cv->boxes = NULL;
    cv->buf = NULL;
}

void isr_canvas_image(isr_canvas *cv, cairo_surface_t *img, const double world[4])
{
    double u0, v0, u1, v1;
    isr_canvas_xy(cv, world[0], world[3], &u0, &v0);
    isr_canvas_xy(cv, world[2], world[1], &u1, &v1);
    cairo_save(cv->cr);
    cairo_translate(cv->cr, u0, v0);
    cairo_scale(cv->cr, (u1 - u0) / cairo_image_surface_get_width(img),
                (v1 - v0) / cairo_image_surface_get_height(img));
    cairo_set_source_surface(cv->cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cv->cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cv->cr);
    cairo_restore(cv->cr);
}
