/*
 * coverage.c — the union of polygons that tile without overlaps and share their edges
 * exactly (a coverage: the counties of a province, the provinces of a region).
 *
 * GEOS 3.11's GEOSCoverageUnion (Debian 12's) drops the segments that two polygons share and
 * hands every remaining segment to its polygonizer on its own: one planar-graph node per
 * vertex, found in an ordered map. On the sample that was a quarter of a one-hub run's CPU
 * (issue 12; GEOS 3.12 rewrote the operation). Here the shared segments are dropped the same
 * way, by hashing, and the rest are first chained into lines between the vertices where
 * more than two of them meet, so that the polygonizer sees a few hundred lines rather than
 * a hundred thousand segments. GEOS builds the faces those lines enclose (GEOSPolygonize_r);
 * a face belongs to the union when its boundary runs the way the parts' rings ran (every
 * part's shell taken counter-clockwise and its holes clockwise, the union lies left of each
 * remaining segment), which also tells lakes and enclaves from land where faces meet at a
 * corner (GEOS's own choice of faces, GEOSPolygonize_valid_r, dropped such land). The kept
 * faces are then checked to be the union (faces_bound_the_union), and the result to be
 * valid and of the parts' summed area to within 1e-9 (what isr_geos_dissolve_cov asked of
 * GEOS's coverage union); anything else gives NULL, and the caller takes GEOS's own path.
 * The vertices are the parts' own: nothing is moved, snapped or added, so the result is the
 * coverage union's, ring for ring.
 */
#include "internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SEG_UP 0x80
#define SEG_TIMES 0x7f

typedef struct cov {
    GEOSContextHandle_t h;
    double *xy;        /* vertex v at xy[2v], xy[2v + 1] */
    uint32_t nv;       /* vertices so far */
    uint32_t *vtab;    /* vertex hash: v + 1, 0 empty */
    uint64_t *stab;    /* segment hash: (low << 32 | high) + 1, 0 empty */
    unsigned char *sn; /* times each slot's segment was seen, | SEG_UP: seen once, and the
                          part lies left of it from its low vertex to its high one */
    size_t vmask, smask;
    double *ring;      /* one ring's coordinates, as GEOS gives them */
    size_t ring_cap;
    int failed;        /* not a coverage (add_segment), a ring of no area, or out of
                          memory */
} cov;

static uint64_t mix64(uint64_t z)
{
    z ^= z >> 30;
    z *= 0xbf58476d1ce4e5b9u;
    z ^= z >> 27;
    z *= 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t bits(double d)
{
    d += 0.0; /* -0 as +0 */
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* The slot of the vertex at (x, y) in the vertex hash: its own, or the empty one where it
 * would go. */
static size_t vertex_slot(const cov *c, double x, double y)
{
    uint64_t bx = bits(x), by = bits(y);
    size_t i = (size_t)mix64(bx ^ (by * 0x9e3779b97f4a7c15u)) & c->vmask;
    for (uint32_t v; (v = c->vtab[i]) != 0; i = (i + 1) & c->vmask)
        if (bits(c->xy[2 * (v - 1)]) == bx && bits(c->xy[2 * (v - 1) + 1]) == by)
            break;
    return i;
}

/* The vertex at (x, y), added when new. */
static uint32_t vertex_id(cov *c, double x, double y)
{
    size_t i = vertex_slot(c, x, y);
    if (c->vtab[i])
        return c->vtab[i] - 1;
    uint32_t v = c->nv++;
    c->xy[2 * v] = x + 0.0;
    c->xy[2 * v + 1] = y + 0.0;
    c->vtab[i] = v + 1;
    return v;
}

/* The vertex at (x, y), or UINT32_MAX. */
static uint32_t find_vertex(const cov *c, double x, double y)
{
    size_t i = vertex_slot(c, x, y);
    return c->vtab[i] ? c->vtab[i] - 1 : UINT32_MAX;
}

/* Segment a–b's key in the segment hash, either way (never 0: 0 is an empty slot). */
static uint64_t segment_key(uint32_t a, uint32_t b)
{
    return ((uint64_t)(a < b ? a : b) << 32 | (a < b ? b : a)) + 1;
}

/* The slot of segment a–b (either way) in the segment hash: its own, or the empty one where
 * it would go. */
static size_t segment_slot(const cov *c, uint32_t a, uint32_t b)
{
    uint64_t key = segment_key(a, b);
    size_t i = (size_t)mix64(key) & c->smask;
    while (c->stab[i] && c->stab[i] != key)
        i = (i + 1) & c->smask;
    return i;
}

/* Segment a → b of a part's ring, the part on its left. Two parts that share a segment
 * without overlapping run it in opposite directions; the same direction twice (parts on one
 * side of it: an overlap) or a third time is not a coverage. */
static void add_segment(cov *c, uint32_t a, uint32_t b)
{
    size_t i = segment_slot(c, a, b);
    c->stab[i] = segment_key(a, b);
    unsigned times = (c->sn[i] & SEG_TIMES) + 1u, up = a < b ? SEG_UP : 0;
    if (times > 2 || (times == 2 && (c->sn[i] & SEG_UP) == up))
        c->failed = 1;
    c->sn[i] = (unsigned char)(times | (times == 1 ? up : 0));
}

/* The ring's coordinates into c->ring (room made), *n of them; 0 when GEOS will not say. */
static int ring_coords(cov *c, const GEOSGeometry *ring, unsigned *n)
{
    const GEOSCoordSequence *s = ring ? GEOSGeom_getCoordSeq_r(c->h, ring) : NULL;
    if (!s || !GEOSCoordSeq_getSize_r(c->h, s, n) || *n < 4)
        return 0;
    if (2 * (size_t)*n > c->ring_cap) {
        double *r = realloc(c->ring, 2 * (size_t)*n * sizeof *r);
        if (!r)
            return 0;
        c->ring = r;
        c->ring_cap = 2 * (size_t)*n;
    }
    return GEOSCoordSeq_copyToBuffer_r(c->h, s, c->ring, 0, 0) != 0;
}

/* Twice the signed area of the closed ring of n points xy (shoelace, about the first point
 * for precision): > 0 counter-clockwise. */
static double ring_area2(const double *xy, unsigned n)
{
    double s = 0, x0 = xy[0], y0 = xy[1];
    for (unsigned k = 1; k + 1 < n; k++)
        s += (xy[2 * k] - x0) * (xy[2 * k + 3] - y0) - (xy[2 * k + 2] - x0) * (xy[2 * k + 1] - y0);
    return s;
}

/* A ring's segments, the part on their left: a shell taken counter-clockwise, a hole
 * clockwise. */
static void add_ring(cov *c, const GEOSGeometry *ring, int shell)
{
    unsigned n = 0;
    if (!ring_coords(c, ring, &n)) {
        c->failed = 1;
        return;
    }
    /* the direction from the signed area, not from the highest vertex (GEOS's isCCW), which
     * a spike there (out and straight back) misleads; no area: not a ring to tell by */
    double area2 = ring_area2(c->ring, n);
    if (!(area2 != 0) || !isfinite(area2)) {
        c->failed = 1;
        return;
    }
    int reverse = (area2 > 0) != (shell != 0);
    uint32_t prev = 0;
    for (unsigned k = 0; k < n && !c->failed; k++) {
        uint32_t v = vertex_id(c, c->ring[2 * k], c->ring[2 * k + 1]);
        if (k > 0 && v != prev) {
            if (reverse)
                add_segment(c, v, prev);
            else
                add_segment(c, prev, v);
        }
        prev = v;
    }
}

/* Every ring of the polygons (or multipolygons) gg into the hashes; 0 when a part is not
 * polygonal. *area: their summed area. */
static int add_parts(cov *c, const GEOSGeometry *const *gg, int n, double *area)
{
    *area = 0;
    for (int i = 0; i < n && !c->failed; i++) {
        int type = GEOSGeomTypeId_r(c->h, gg[i]);
        int np = type == GEOS_POLYGON ? 1 : GEOSGetNumGeometries_r(c->h, gg[i]);
        double a = 0;
        if ((type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) || np < 0 ||
            !GEOSArea_r(c->h, gg[i], &a))
            return 0;
        *area += a;
        for (int k = 0; k < np && !c->failed; k++) {
            const GEOSGeometry *p = type == GEOS_POLYGON ? gg[i] : GEOSGetGeometryN_r(c->h, gg[i], k);
            if (GEOSisEmpty_r(c->h, p))
                continue;
            add_ring(c, GEOSGetExteriorRing_r(c->h, p), 1);
            int nh = GEOSGetNumInteriorRings_r(c->h, p);
            for (int j = 0; j < nh && !c->failed; j++)
                add_ring(c, GEOSGetInteriorRingN_r(c->h, p, j), 0);
        }
    }
    return !c->failed;
}

/* The segments seen once (the union's boundary) as an adjacency: vertex v's edges are
 * adj[off[v] .. off[v + 1]), edge e joins ea[e] and eb[e]. 0 when a vertex has an odd number
 * of them (the boundary cannot close there) or out of memory. */
typedef struct graph {
    uint32_t *ea, *eb, *off, *adj;
    size_t ne;
} graph;

static int boundary_graph(const cov *c, graph *g)
{
    size_t ne = 0;
    for (size_t i = 0; i <= c->smask; i++)
        ne += c->stab[i] && (c->sn[i] & SEG_TIMES) == 1;
    g->ne = ne;
    g->ea = malloc((ne ? ne : 1) * sizeof *g->ea);
    g->eb = malloc((ne ? ne : 1) * sizeof *g->eb);
    g->off = calloc((size_t)c->nv + 1, sizeof *g->off);
    g->adj = malloc((ne ? 2 * ne : 1) * sizeof *g->adj);
    if (!g->ea || !g->eb || !g->off || !g->adj)
        return 0;
    size_t e = 0;
    for (size_t i = 0; i <= c->smask; i++)
        if (c->stab[i] && (c->sn[i] & SEG_TIMES) == 1) {
            uint64_t key = c->stab[i] - 1;
            g->ea[e] = (uint32_t)(key >> 32);
            g->eb[e] = (uint32_t)key;
            g->off[g->ea[e] + 1]++;
            g->off[g->eb[e] + 1]++;
            e++;
        }
    for (uint32_t v = 0; v < c->nv; v++) {
        if ((g->off[v + 1] & 1) != 0)
            return 0;
        g->off[v + 1] += g->off[v];
    }
    uint32_t *fill = malloc(((size_t)c->nv ? c->nv : 1) * sizeof *fill);
    if (!fill)
        return 0;
    memcpy(fill, g->off, (size_t)c->nv * sizeof *fill);
    for (e = 0; e < ne; e++) {
        g->adj[fill[g->ea[e]]++] = (uint32_t)e;
        g->adj[fill[g->eb[e]]++] = (uint32_t)e;
    }
    free(fill);
    return 1;
}

static void graph_free(graph *g)
{
    free(g->ea);
    free(g->eb);
    free(g->off);
    free(g->adj);
}

static uint32_t degree(const graph *g, uint32_t v)
{
    return g->off[v + 1] - g->off[v];
}

/* The line from vertex v along edge e, through the vertices of two edges, to the next vertex
 * of more (or back to v): its coordinates into buf (room for every vertex), *n of them. */
static void walk(const cov *c, const graph *g, unsigned char *used, uint32_t v, uint32_t e,
                 double *buf, unsigned *n)
{
    uint32_t start = v;
    unsigned k = 0;
    buf[2 * k] = c->xy[2 * v];
    buf[2 * k + 1] = c->xy[2 * v + 1];
    k++;
    for (;;) {
        used[e] = 1;
        v = g->ea[e] == v ? g->eb[e] : g->ea[e];
        buf[2 * k] = c->xy[2 * v];
        buf[2 * k + 1] = c->xy[2 * v + 1];
        k++;
        if (v == start || degree(g, v) != 2)
            break;
        uint32_t e0 = g->adj[g->off[v]], e1 = g->adj[g->off[v] + 1];
        e = e0 == e ? e1 : e0;
        if (used[e]) /* cannot happen on a closed walk; kept as a guard */
            break;
    }
    *n = k;
}

/* The boundary's lines as GEOS line strings: from every vertex where more than two edges
 * meet, then the rings that meet none. *nl: how many; NULL when out of memory. */
static GEOSGeometry **boundary_lines(const cov *c, const graph *g, size_t *nl)
{
    unsigned char *used = calloc(g->ne ? g->ne : 1, 1);
    double *buf = malloc(2 * ((size_t)c->nv + 1) * sizeof *buf);
    GEOSGeometry **lines = malloc((g->ne ? g->ne : 1) * sizeof *lines);
    size_t n = 0;
    int ok = used && buf && lines;
    for (int pass = 0; pass < 2 && ok; pass++)
        for (uint32_t v = 0; v < c->nv && ok; v++) {
            if (pass == 0 ? degree(g, v) <= 2 : degree(g, v) != 2)
                continue;
            for (uint32_t k = g->off[v]; k < g->off[v + 1] && ok; k++) {
                if (used[g->adj[k]])
                    continue;
                unsigned m = 0;
                walk(c, g, used, v, g->adj[k], buf, &m);
                GEOSCoordSequence *s = GEOSCoordSeq_copyFromBuffer_r(c->h, buf, m, 0, 0);
                lines[n] = s ? GEOSGeom_createLineString_r(c->h, s) : NULL;
                ok = lines[n] != NULL;
                n += ok;
            }
        }
    free(used);
    free(buf);
    if (!ok) {
        for (size_t k = 0; lines && k < n; k++)
            GEOSGeom_destroy_r(c->h, lines[k]);
        free(lines);
        return NULL;
    }
    *nl = n;
    return lines;
}

static size_t pow2_above(size_t n)
{
    size_t p = 64;
    while (p < 2 * n)
        p <<= 1;
    return p;
}

/* Whether the union lies left of a → b: 1 or 0; -1 when a–b is none of the segments seen
 * once (*slot: its slot). */
static int union_left(const cov *c, const double *p, const double *q, size_t *slot)
{
    uint32_t a = find_vertex(c, p[0], p[1]), b = find_vertex(c, q[0], q[1]);
    size_t i = a != UINT32_MAX && b != UINT32_MAX ? segment_slot(c, a, b) : SIZE_MAX;
    if (i == SIZE_MAX || !c->stab[i] || (c->sn[i] & SEG_TIMES) != 1)
        return -1;
    *slot = i;
    return ((c->sn[i] & SEG_UP) != 0) == (a < b);
}

/* Whether face f (a polygon of the polygonizer's) is in the union: its shell's first segment
 * has the union on the side the face is on. -1 when that cannot be told. */
static int face_inside(cov *c, const GEOSGeometry *f)
{
    unsigned n;
    size_t slot;
    if (!ring_coords(c, GEOSGetExteriorRing_r(c->h, f), &n))
        return -1;
    double area2 = ring_area2(c->ring, n);
    int left = union_left(c, c->ring, c->ring + 2, &slot);
    if (left < 0 || !(area2 != 0))
        return -1;
    return left == (area2 > 0); /* a counter-clockwise face lies left of its shell */
}

/* The proof that the kept faces are the union: every segment of their rings is one seen once,
 * with the union on the face's side, and each such segment bounds exactly one kept face. Then
 * the faces' boundary is the parts' boundary less what two parts share in opposite
 * directions, so the faces cover every point the parts cover an odd number of times, with
 * no overlap having passed (add_segment), once: the union. used: a byte per slot, zeroed. */
static int faces_bound_the_union(cov *c, GEOSGeometry *const *keep, int nk, unsigned char *used,
                                 size_t nonce)
{
    size_t nused = 0;
    for (int k = 0; k < nk; k++) {
        int nh = GEOSGetNumInteriorRings_r(c->h, keep[k]);
        for (int r = -1; r < nh; r++) {
            const GEOSGeometry *ring = r < 0 ? GEOSGetExteriorRing_r(c->h, keep[k])
                                             : GEOSGetInteriorRingN_r(c->h, keep[k], r);
            unsigned n;
            if (!ring_coords(c, ring, &n))
                return 0;
            double area2 = ring_area2(c->ring, n);
            int face_left = (area2 > 0) == (r < 0); /* a shell CCW, a hole CW */
            for (unsigned m = 0; m + 1 < n; m++) {
                size_t slot;
                if (union_left(c, c->ring + 2 * m, c->ring + 2 * m + 2, &slot) != face_left ||
                    used[slot]++)
                    return 0;
                nused++;
            }
        }
    }
    return nused == nonce;
}

/* The faces of the polygonizer's collection fc that are in the union, as one polygon or a
 * multipolygon (of clones), checked (faces_bound_the_union); NULL when a face cannot be told,
 * the check fails, none is in, or out of memory. */
static GEOSGeometry *union_faces(cov *c, const GEOSGeometry *fc, size_t nonce)
{
    int nf = GEOSGetNumGeometries_r(c->h, fc), nk = 0, ok = nf > 0;
    GEOSGeometry **keep = ok ? malloc((size_t)nf * sizeof *keep) : NULL;
    unsigned char *used = calloc(c->smask + 1, 1);
    ok = keep && used;
    for (int k = 0; k < nf && ok; k++) {
        const GEOSGeometry *f = GEOSGetGeometryN_r(c->h, fc, k);
        int in = face_inside(c, f);
        ok = in >= 0;
        if (in == 1)
            ok = (keep[nk++] = GEOSGeom_clone_r(c->h, f)) != NULL;
    }
    ok = ok && nk > 0 && faces_bound_the_union(c, keep, nk, used, nonce);
    free(used);
    GEOSGeometry *u = NULL;
    if (ok && nk == 1)
        u = keep[0];
    else if (ok && nk > 1)
        u = GEOSGeom_createCollection_r(c->h, GEOS_MULTIPOLYGON, keep, (unsigned)nk);
    if (!u)
        for (int k = 0; keep && k < nk; k++)
            if (keep[k])
                GEOSGeom_destroy_r(c->h, keep[k]);
    free(keep);
    return u;
}

GEOSGeometry *isr_coverage_union(GEOSContextHandle_t h, const GEOSGeometry *const *gg, int n)
{
    size_t npts = 0;
    for (int i = 0; i < n; i++) {
        int k = gg[i] ? GEOSGetNumCoordinates_r(h, gg[i]) : -1;
        if (k < 0)
            return NULL;
        npts += (size_t)k;
    }
    if (npts == 0 || npts >= UINT32_MAX / 2)
        return NULL;
    cov c = {.h = h};
    c.vmask = pow2_above(npts) - 1;
    c.smask = c.vmask;
    c.xy = malloc(2 * npts * sizeof *c.xy);
    c.vtab = calloc(c.vmask + 1, sizeof *c.vtab);
    c.stab = calloc(c.smask + 1, sizeof *c.stab);
    c.sn = calloc(c.smask + 1, 1);
    double sum = 0;
    int ok = c.xy && c.vtab && c.stab && c.sn && add_parts(&c, gg, n, &sum);
    graph g = {0};
    ok = ok && boundary_graph(&c, &g);
    size_t nl = 0, nonce = g.ne;
    GEOSGeometry **lines = ok ? boundary_lines(&c, &g, &nl) : NULL;
    graph_free(&g);
    GEOSGeometry *faces =
        lines && nl ? GEOSPolygonize_r(h, (const GEOSGeometry *const *)lines, (unsigned)nl) : NULL;
    for (size_t k = 0; k < nl; k++)
        GEOSGeom_destroy_r(h, lines[k]);
    free(lines);
    GEOSGeometry *u = faces ? union_faces(&c, faces, nonce) : NULL;
    GEOSGeom_destroy_r(h, faces);
    free(c.ring);
    free(c.xy);
    free(c.vtab);
    free(c.stab);
    free(c.sn);
    double a = -1;
    if (u && (GEOSisValid_r(h, u) != 1 || !GEOSArea_r(h, u, &a) ||
              !(fabs(a - sum) <= 1e-9 * sum))) {
        GEOSGeom_destroy_r(h, u);
        u = NULL;
    }
    return u;
}
