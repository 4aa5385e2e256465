/*
 * isochrone.c — travel-time bands as clean polygons, written as RFC 7946 GeoJSON.
 *
 * Cells are classified by the first band limit they fall under and polygonized once by GDAL
 * (one polygon per patch of equal class, edges on cell edges; in boxes, the window's empty
 * stretches left out), so neighbouring classes share edges exactly and unions are clean.
 * With GEOS, per thread:
 *   within_k = union of classes 1..k, then parts and holes under min_area dropped (speckle,
 *              not lakes), optionally simplified (topology-preserving, at most one cell),
 *              made valid, and when simplified unioned with within_{k-1} so that bands
 *              always nest (unsimplified they do already);
 *   ring_k   = within_k − within_{k−1}: disjoint, and together exactly within_K.
 * Areas are GEOS areas in the equal-area analysis CRS; the cells' own area is kept beside
 * them so the effect of cleaning is reported. Population is summed over the cells of each
 * band. GDAL's GeoJSON driver writes EPSG:4326 (RFC7946=YES reprojects and fixes winding).
 * Cost: one polygonize over the boxes of the hub's window, a union and a difference a band.
 */
#include "internal.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_alg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

isr_status isr_bands_parse(isr_ctx *ctx, const char *spec, double budget_min, double *out,
                           int *n)
{
    *n = 0;
    if (!spec) {
        /* every 15 minutes; for a budget of more than 64 of them (16 h) every 30, 45…: the
         * smallest multiple of 15 that keeps to ISR_MAX_BANDS bands, all of one width (the
         * last one to the budget) */
        double step = 15 * ceil(budget_min / (15.0 * ISR_MAX_BANDS) - 1e-9);
        if (step < 15)
            step = 15;
        for (double b = step; b < budget_min - 1e-9 && *n < ISR_MAX_BANDS - 1; b += step)
            out[(*n)++] = b;
        out[(*n)++] = budget_min;
        if (step > 15)
            isr_log(ctx, ISR_LOG_INFO,
                    "isochrone bands every %g minutes (at most %d bands over the %g-minute "
                    "budget; --bands sets them)",
                    step, ISR_MAX_BANDS, budget_min);
        return ISR_OK;
    }
    const char *p = spec;
    while (*p) {
        char *end;
        double v = isr_strtod(p, &end);
        if (end == p || (*end && *end != ','))
            return isr_fail(ctx, ISR_ERR_USAGE, "--bands: '%s' is not a list of minutes", spec);
        if (!(v > 0) || v > budget_min + 1e-9)
            return isr_fail(ctx, ISR_ERR_USAGE,
                            "--bands: %g is outside (0, %g], the budget in minutes", v,
                            budget_min);
        if (*n > 0 && !(v > out[*n - 1]))
            return isr_fail(ctx, ISR_ERR_USAGE, "--bands: limits must increase ('%s')", spec);
        if (*n == ISR_MAX_BANDS)
            return isr_fail(ctx, ISR_ERR_USAGE, "--bands: at most %d bands", ISR_MAX_BANDS);
        out[(*n)++] = v;
        if (*end == ',' && !end[1]) /* "30,": a limit left out, not a list */
            return isr_fail(ctx, ISR_ERR_USAGE, "--bands: '%s' is not a list of minutes", spec);
        p = *end ? end + 1 : end;
    }
    if (*n == 0)
        return isr_fail(ctx, ISR_ERR_USAGE, "--bands: no limits given");
    return ISR_OK;
}

/* Parts and holes under min_area dropped. New geometry (NULL when nothing is left). */
static GEOSGeometry *drop_small(GEOSContextHandle_t h, const GEOSGeometry *g, double min_area)
{
    int np = GEOSGetNumGeometries_r(h, g);
    GEOSGeometry **parts = malloc((size_t)(np > 0 ? np : 1) * sizeof *parts);
    int kept = 0;
    for (int i = 0; parts && i < np; i++) {
        const GEOSGeometry *poly = GEOSGetGeometryN_r(h, g, i);
        double a = 0;
        if (GEOSGeomTypeId_r(h, poly) != GEOS_POLYGON || !GEOSArea_r(h, poly, &a) || a < min_area)
            continue;
        int nh = GEOSGetNumInteriorRings_r(h, poly);
        GEOSGeometry **holes = malloc((size_t)(nh > 0 ? nh : 1) * sizeof *holes);
        int kh = 0;
        for (int j = 0; holes && j < nh; j++) {
            const GEOSGeometry *ring = GEOSGetInteriorRingN_r(h, poly, j);
            GEOSGeometry *hp = GEOSGeom_createPolygon_r(h, GEOSGeom_clone_r(h, ring), NULL, 0);
            double ha = 0;
            if (hp && GEOSArea_r(h, hp, &ha) && ha >= min_area)
                holes[kh++] = GEOSGeom_clone_r(h, ring);
            GEOSGeom_destroy_r(h, hp);
        }
        GEOSGeometry *shell = GEOSGeom_clone_r(h, GEOSGetExteriorRing_r(h, poly));
        parts[kept++] = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)kh);
        free(holes);
    }
    GEOSGeometry *out = NULL;
    if (parts && kept > 0)
        out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)kept);
    free(parts);
    return out;
}

/* Cleans one cumulative band: speckle, simplification, validity. Consumes `g`. */
static GEOSGeometry *clean(GEOSContextHandle_t h, GEOSGeometry *g, double min_area,
                           double simplify_m)
{
    GEOSGeometry *c = drop_small(h, g, min_area);
    GEOSGeom_destroy_r(h, g);
    if (!c)
        return NULL;
    if (simplify_m > 0) {
        GEOSGeometry *s = GEOSTopologyPreserveSimplify_r(h, c, simplify_m);
        if (s) {
            GEOSGeom_destroy_r(h, c);
            c = s;
        }
    }
    if (GEOSisValid_r(h, c) != 1) {
        GEOSGeometry *v = GEOSMakeValid_r(h, c);
        if (v) {
            GEOSGeom_destroy_r(h, c);
            c = v;
        }
    }
    return c;
}

static GEOSGeometry *empty_polygon(GEOSContextHandle_t h)
{
    return GEOSGeom_createEmptyPolygon_r(h);
}

/* The class raster is cut into boxes that hold all its classed cells, separated by rows or
 * columns of blocks with none, so that no patch crosses from one box to another and each is
 * polygonized alone: GDAL's polygonize costs about 3.5 ns a cell even where nothing is, and a
 * hub's window is mostly empty between its stations' catchments (at 100 m, seven boxes of
 * 27 % of Hongqiao's 2.1 M cells; 5 ms less). */
#define BOX_BLOCK 8                   /* cells a side of the blocks the cuts follow */
#define BOX_MAX 64                    /* boxes at most: each polygonize has a fixed cost */
#define BOX_CUT_CELLS (BOX_BLOCK * 256) /* a gap saving fewer cells is not cut */

typedef struct box {
    int c0, r0, c1, r1; /* blocks [c0, c1) × [r0, r1) */
} box;

typedef struct box_cut {
    const unsigned char *occ; /* one byte a block: 1 where a cell of it is classed */
    int bw;                   /* blocks a row */
    box *out;
    int n, held; /* boxes out; halves still to cut, one box each at least */
} box_cut;

static int box_row_occupied(const box_cut *bc, int r, int c0, int c1)
{
    return memchr(bc->occ + (size_t)r * (size_t)bc->bw + c0, 1, (size_t)(c1 - c0)) != NULL;
}

static int box_col_occupied(const box_cut *bc, int c, int r0, int r1)
{
    for (int r = r0; r < r1; r++)
        if (bc->occ[(size_t)r * (size_t)bc->bw + c])
            return 1;
    return 0;
}

/* The widest run of empty lines strictly inside [a0, a1) (rows when !cols), as [*g0, *g1);
 * 0 when there is none. */
static int box_gap(const box_cut *bc, box b, int cols, int *g0, int *g1)
{
    int a0 = cols ? b.c0 : b.r0, a1 = cols ? b.c1 : b.r1, best = 0, run = 0;
    for (int a = a0 + 1; a < a1 - 1; a++) {
        int occ = cols ? box_col_occupied(bc, a, b.r0, b.r1) : box_row_occupied(bc, a, b.c0, b.c1);
        run = occ ? 0 : run + 1;
        if (run > best) {
            best = run;
            *g0 = a - run + 1;
            *g1 = a + 1;
        }
    }
    return best;
}

/* Trims b to its classed blocks, then cuts it at its widest gap while that pays. */
static void box_split(box_cut *bc, box b)
{
    while (b.r0 < b.r1 && !box_row_occupied(bc, b.r0, b.c0, b.c1))
        b.r0++;
    while (b.r1 > b.r0 && !box_row_occupied(bc, b.r1 - 1, b.c0, b.c1))
        b.r1--;
    while (b.c0 < b.c1 && !box_col_occupied(bc, b.c0, b.r0, b.r1))
        b.c0++;
    while (b.c1 > b.c0 && !box_col_occupied(bc, b.c1 - 1, b.r0, b.r1))
        b.c1--;
    if (b.r0 >= b.r1 || b.c0 >= b.c1)
        return;
    int r0 = 0, r1 = 0, c0 = 0, c1 = 0;
    long rows = box_gap(bc, b, 0, &r0, &r1), cols = box_gap(bc, b, 1, &c0, &c1);
    long rows_saved = rows * (b.c1 - b.c0), cols_saved = cols * (b.r1 - b.r0);
    long saved = (rows_saved > cols_saved ? rows_saved : cols_saved) * BOX_BLOCK * BOX_BLOCK;
    if (saved >= BOX_CUT_CELLS && bc->n + bc->held + 2 <= BOX_MAX) {
        box a = b, z = b;
        if (rows_saved > cols_saved)
            a.r1 = r0, z.r0 = r1;
        else
            a.c1 = c0, z.c0 = c1;
        bc->held++; /* room for the second half while the first is cut */
        box_split(bc, a);
        bc->held--;
        box_split(bc, z);
        return;
    }
    bc->out[bc->n++] = b;
}

/* The boxes of `cls` (w×h), in blocks, into out (BOX_MAX); their number, -1 when out of
 * memory. */
static int class_boxes(const unsigned char *cls, int w, int h, box *out)
{
    int bw = (w + BOX_BLOCK - 1) / BOX_BLOCK, bh = (h + BOX_BLOCK - 1) / BOX_BLOCK;
    unsigned char *occ = calloc((size_t)bw * (size_t)bh, 1);
    if (!occ)
        return -1;
    for (int r = 0; r < h; r++) {
        const unsigned char *row = cls + (size_t)r * (size_t)w;
        unsigned char *o = occ + (size_t)(r / BOX_BLOCK) * (size_t)bw;
        for (int c = 0; c < w; c += BOX_BLOCK) {
            int e = c + BOX_BLOCK < w ? c + BOX_BLOCK : w;
            unsigned char any = 0;
            for (int k = c; k < e; k++)
                any |= row[k];
            o[c / BOX_BLOCK] |= any != 0;
        }
    }
    box_cut bc = {occ, bw, out, 0, 0};
    box_split(&bc, (box){0, 0, bw, bh});
    free(occ);
    return bc.n;
}

/* Polygonizes box bx (in blocks) of `cls` (window w×h at (col0, row0) of the grid) into
 * lyr. */
static int polygonize_box(const isr_grid *g, int col0, int row0, int w, int h,
                          const unsigned char *cls, box bx, OGRLayerH lyr)
{
    int c0 = bx.c0 * BOX_BLOCK, r0 = bx.r0 * BOX_BLOCK; /* the last blocks end at the window */
    int bw = (bx.c1 * BOX_BLOCK < w ? bx.c1 * BOX_BLOCK : w) - c0;
    int bh = (bx.r1 * BOX_BLOCK < h ? bx.r1 * BOX_BLOCK : h) - r0;
    GDALDatasetH mem = GDALCreate(GDALGetDriverByName("MEM"), "", bw, bh, 1, GDT_Byte, NULL);
    if (!mem)
        return -1;
    double gt[6];
    isr_grid_window_geotransform(g, col0 + c0, row0 + r0, gt);
    GDALSetGeoTransform(mem, gt);
    GDALRasterBandH b = GDALGetRasterBand(mem, 1);
    const unsigned char *at = cls + (size_t)r0 * (size_t)w + (size_t)c0;
    int bad = GDALRasterIO(b, GF_Write, 0, 0, bw, bh, (void *)at, bw, bh, GDT_Byte, 1, w) !=
                  CE_None ||
              GDALPolygonize(b, b, lyr, 0, NULL, NULL, NULL) != CE_None;
    GDALClose(mem);
    return bad ? -1 : 0;
}

/* Polygonizes `cls` (window w×h at (col0, row0), values 1..nb, 0 outside) into one GEOS
 * geometry per class (NULL where a class is empty). `merge`: each class's patches as GEOS's
 * union gives them, always (for --simplify, whose result follows the vertices and where
 * their rings start: the same polygons as before boxes and the shortcut below). */
static isr_status polygonize(isr_ctx *ctx, isr_geos *gc, const isr_grid *g, int col0, int row0,
                             int w, int h, const unsigned char *cls, int nb, int merge,
                             GEOSGeometry **out)
{
    isr_status st = ISR_OK;
    GDALDatasetH vds = GDALCreate(GDALGetDriverByName("Memory"), "", 0, 0, 0, GDT_Unknown, NULL);
    GEOSGeometry ***parts = calloc((size_t)nb, sizeof *parts);
    int *np = calloc((size_t)nb, sizeof *np), *cap = calloc((size_t)nb, sizeof *cap);
    box *boxes = malloc(BOX_MAX * sizeof *boxes);
    int nbox = boxes ? class_boxes(cls, w, h, boxes) : -1;
    if (!vds || !parts || !np || !cap || nbox < 0) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory polygonizing the bands");
        goto cleanup;
    }
    OGRLayerH lyr = GDALDatasetCreateLayer(vds, "bands", NULL, wkbPolygon, NULL);
    OGRFieldDefnH fd = OGR_Fld_Create("class", OFTInteger);
    OGR_L_CreateField(lyr, fd, TRUE);
    OGR_Fld_Destroy(fd);
    for (int i = 0; i < nbox; i++)
        if (polygonize_box(g, col0, row0, w, h, cls, boxes[i], lyr)) {
            st = isr_fail_gdal(ctx, ISR_ERR_INTERNAL, "GDAL could not polygonize the bands");
            goto cleanup;
        }
    OGR_L_ResetReading(lyr);
    OGRFeatureH f;
    while (st == ISR_OK && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
        int k = OGR_F_GetFieldAsInteger(f, 0) - 1;
        OGRGeometryH og = OGR_F_GetGeometryRef(f);
        if (k >= 0 && k < nb && og) {
            GEOSGeometry *gg = isr_geos_from_ogr(gc, og);
            if (np[k] == cap[k]) {
                int nc = cap[k] ? 2 * cap[k] : 16;
                GEOSGeometry **p = realloc(parts[k], (size_t)nc * sizeof *p);
                if (p) {
                    parts[k] = p;
                    cap[k] = nc;
                }
            }
            if (!gg || np[k] == cap[k]) {
                GEOSGeom_destroy_r(gc->h, gg);
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory polygonizing the bands");
            } else {
                parts[k][np[k]++] = gg;
            }
        }
        OGR_F_Destroy(f);
    }
    for (int k = 0; k < nb; k++) {
        out[k] = NULL;
        if (st != ISR_OK || np[k] == 0)
            continue;
        GEOSGeometry *coll = GEOSGeom_createCollection_r(gc->h, GEOS_MULTIPOLYGON, parts[k],
                                                         (unsigned)np[k]);
        np[k] = 0; /* the collection owns the parts now */
        /* GDAL's patches of one class meet at corners at most (those of two boxes not at
         * all): as a multipolygon they are valid already, and their union (15 ms at 100 m,
         * two fifths of the bands' GEOS time) would return the same polygons. Only when they
         * are not is it taken. */
        if (!merge && coll && GEOSisValid_r(gc->h, coll) == 1) {
            out[k] = coll;
            continue;
        }
        out[k] = coll ? GEOSUnaryUnion_r(gc->h, coll) : NULL;
        GEOSGeom_destroy_r(gc->h, coll);
        if (!out[k])
            st = isr_fail(ctx, ISR_ERR_INTERNAL, "GEOS could not merge band %d: %s", k + 1,
                          gc->msg);
    }
cleanup:
    for (int k = 0; parts && np && k < nb; k++) {
        for (int i = 0; i < np[k]; i++)
            GEOSGeom_destroy_r(gc->h, parts[k][i]);
        free(parts[k]);
    }
    free(parts);
    free(np);
    free(cap);
    free(boxes);
    if (vds)
        GDALClose(vds);
    return st;
}

isr_status isr_isochrones_build(isr_ctx *ctx, isr_geos *gc, const isr_grid *g,
                                const float *time_s, const uint32_t *touched, size_t ntouched,
                                const isr_zones *pop, const double *bands, int nb,
                                double min_area_m2, double simplify_m, isr_band_poly *out)
{
    memset(out, 0, (size_t)nb * sizeof *out);
    GEOSContextHandle_t h = gc->h;
    if (simplify_m > g->cell_m)
        simplify_m = g->cell_m; /* never move an edge by more than a cell */
    const uint32_t pw = (uint32_t)isr_grid_pw(g);
    int cmin = g->nx, cmax = -1, rmin = g->ny, rmax = -1;
    for (size_t i = 0; i < ntouched; i++) {
        int c = (int)(touched[i] % pw) - ISR_PAD, r = (int)(touched[i] / pw) - ISR_PAD;
        cmin = c < cmin ? c : cmin;
        cmax = c > cmax ? c : cmax;
        rmin = r < rmin ? r : rmin;
        rmax = r > rmax ? r : rmax;
    }
    double cell_km2 = g->cell_m * g->cell_m / 1e6;
    for (int k = 0; k < nb; k++) {
        out[k].lo_min = k ? bands[k - 1] : 0;
        out[k].hi_min = bands[k];
    }
    if (cmax < 0)
        return ISR_OK; /* nothing reached: empty bands */
    int w = cmax - cmin + 1, hh = rmax - rmin + 1;
    unsigned char *cls = calloc((size_t)w * (size_t)hh, 1);
    GEOSGeometry **raw = calloc((size_t)nb, sizeof *raw);
    if (!cls || !raw) {
        free(cls);
        free(raw);
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the isochrone bands");
    }
    for (size_t i = 0; i < ntouched; i++) {
        int c = (int)(touched[i] % pw) - ISR_PAD, r = (int)(touched[i] / pw) - ISR_PAD;
        double t = time_s[touched[i]] / 60.0;
        int k = 0;
        while (k < nb && t > bands[k])
            k++;
        if (k == nb)
            continue;
        cls[(size_t)(r - rmin) * (size_t)w + (size_t)(c - cmin)] = (unsigned char)(k + 1);
        double p = pop ? isr_zones_pop_at(pop, (size_t)r * (size_t)g->nx + (size_t)c) : NAN; /* unknown */
        out[k].ring_cells_km2 += cell_km2;
        out[k].pop_ring += p;
    }
    isr_status st = polygonize(ctx, gc, g, cmin, rmin, w, hh, cls, nb, simplify_m > 0, raw);
    free(cls);
    GEOSGeometry *prev = NULL;
    for (int k = 0; st == ISR_OK && k < nb; k++) {
        out[k].cells_km2 = (k ? out[k - 1].cells_km2 : 0) + out[k].ring_cells_km2;
        out[k].pop_within = (k ? out[k - 1].pop_within : 0) + out[k].pop_ring;
        /* within_k from the raw classes, cleaned, then forced to contain within_{k-1} */
        GEOSGeometry *acc = raw[k] ? raw[k] : empty_polygon(h);
        raw[k] = NULL;
        if (k > 0 && out[k - 1].raw_within) {
            GEOSGeometry *u = GEOSUnion_r(h, acc, out[k - 1].raw_within);
            GEOSGeom_destroy_r(h, acc);
            acc = u;
        }
        out[k].raw_within = acc;
        GEOSGeometry *c = acc ? clean(h, GEOSGeom_clone_r(h, acc), min_area_m2, simplify_m) : NULL;
        /* Unsimplified, the union is within_{k-1} already: raw_within_k holds
         * raw_within_{k-1}, so each of its parts holds any part of that, and each of its holes
         * lies in a hole of that; a part or hole of the smaller set kept by the speckle rule is
         * kept in the larger. Simplification moves edges, so then within_{k-1} is added. */
        if (c && prev && simplify_m > 0) {
            GEOSGeometry *u = GEOSUnion_r(h, c, prev);
            GEOSGeom_destroy_r(h, c);
            c = u;
        }
        if (!c)
            c = prev ? GEOSGeom_clone_r(h, prev) : empty_polygon(h);
        out[k].within = c;
        out[k].ring = prev ? GEOSDifference_r(h, c, prev) : GEOSGeom_clone_r(h, c);
        if (!out[k].within || !out[k].ring) {
            st = isr_fail(ctx, ISR_ERR_INTERNAL, "GEOS failed on band %g min: %s", bands[k],
                          gc->msg);
            break;
        }
        GEOSArea_r(h, out[k].within, &out[k].within_km2);
        GEOSArea_r(h, out[k].ring, &out[k].ring_km2);
        out[k].within_km2 /= 1e6;
        out[k].ring_km2 /= 1e6;
        prev = out[k].within;
    }
    for (int k = 0; k < nb; k++)
        GEOSGeom_destroy_r(h, raw[k]);
    free(raw);
    return st;
}

void isr_band_polys_free(isr_geos *gc, isr_band_poly *b, int nb)
{
    for (int k = 0; k < nb; k++) {
        GEOSGeom_destroy_r(gc->h, b[k].within);
        GEOSGeom_destroy_r(gc->h, b[k].ring);
        GEOSGeom_destroy_r(gc->h, b[k].raw_within);
        b[k].within = b[k].ring = b[k].raw_within = NULL;
    }
}

isr_status isr_isochrones_write(isr_ctx *ctx, isr_geos *gc, const char *path, const char *wkt,
                                const isr_band_poly *b, int nb, const char *hub_id,
                                const char *hub_name)
{
    static const isr_geojson_field fields[] = {
        {"hub_id", OFTString},    {"hub_name", OFTString},  {"kind", OFTString},
        {"min_minutes", OFTReal}, {"max_minutes", OFTReal}, {"area_km2", OFTReal},
        {"cells_km2", OFTReal},   {"population", OFTInteger64}};
    GEOSWKBWriter *wr = GEOSWKBWriter_create_r(gc->h);
    if (!wr)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path);
    isr_geojson w;
    isr_status st = isr_geojson_open(ctx, &w, path, "isochrones", wkt, fields,
                                     (int)(sizeof fields / sizeof *fields));
    for (int kind = 0; kind < 2 && st == ISR_OK; kind++) {
        for (int k = 0; k < nb && st == ISR_OK; k++) {
            const GEOSGeometry *gg = kind == 0 ? b[k].within : b[k].ring;
            OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(w.lyr));
            OGR_F_SetFieldString(f, 0, hub_id);
            OGR_F_SetFieldString(f, 1, hub_name);
            OGR_F_SetFieldString(f, 2, kind == 0 ? "within" : "ring");
            OGR_F_SetFieldDouble(f, 3, kind == 0 ? 0.0 : b[k].lo_min);
            OGR_F_SetFieldDouble(f, 4, b[k].hi_min);
            OGR_F_SetFieldDouble(f, 5, round((kind == 0 ? b[k].within_km2 : b[k].ring_km2) * 1e3) / 1e3);
            OGR_F_SetFieldDouble(f, 6, round((kind == 0 ? b[k].cells_km2 : b[k].ring_cells_km2) * 1e3) / 1e3);
            /* a ring's people: its within less the band inside, both rounded, so that the
             * rings add up to the outermost band to the person (each ring rounded on its
             * own was 1 or 2 people off) */
            double people = kind == 0 ? round(b[k].pop_within)
                                      : round(b[k].pop_within) -
                                            (k ? round(b[k - 1].pop_within) : 0.0);
            if (isfinite(people))
                OGR_F_SetFieldInteger64(f, 7, (GIntBig)people); /* whole: 109065, not 109065.0 */
            else
                OGR_F_SetFieldNull(f, 7); /* unknown, not 0 */
            int bad = 0;
            if (gg && !GEOSisEmpty_r(gc->h, gg)) {
                size_t sz;
                unsigned char *wkb = GEOSWKBWriter_write_r(gc->h, wr, gg, &sz);
                OGRGeometryH og = NULL;
                if (wkb && OGR_G_CreateFromWkbEx(wkb, NULL, &og, sz) == OGRERR_NONE)
                    bad = isr_geojson_set_geometry(&w, f, og);
                GEOSFree_r(gc->h, wkb);
            }
            if (bad || isr_geojson_add(&w, f))
                st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot write '%s'", path);
            OGR_F_Destroy(f);
        }
    }
    if (st == ISR_OK && CPLGetLastErrorType() == CE_Failure)
        st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot write '%s'", path);
    if (w.lyr || w.mem)
        st = isr_geojson_close(ctx, &w, st);
    GEOSWKBWriter_destroy_r(gc->h, wr);
    return st;
}
