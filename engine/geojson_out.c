/*
 * geojson_out.c — RFC 7946 GeoJSON outputs, written the one safe way.
 *
 * GDAL's GeoJSON driver fixes winding (RFC7946=YES) and rounds to 6 decimals, but it ignores
 * failed writes: on a full disk it would leave a truncated or empty file that looks
 * complete. So the layer is written to /vsimem/ and copied out by isr_commit_vsimem(), which
 * checks every write and renames into place. Callers add features to w->lyr with OGR, their
 * geometries (in the analysis CRS) through isr_geojson_set_geometry, and close with
 * isr_geojson_close().
 *
 * Geometries are taken to WGS 84 here, as the driver would take them (GDAL's
 * transformWithOptions with WRAPDATELINE=YES, the same coordinates), and then checked: across
 * the 180° meridian GDAL's cut fails for some CRSs (a polar LAEA such as EPSG:3571, Alaska
 * Albers): a polygon whose west edge lies on the meridian comes out at +180 while the rest
 * is at -178, a ring spanning the world; elsewhere a ring that crosses itself at 180°. A
 * geometry that reaches the meridian is taken again, vertex by vertex, and cut at it here
 * (GEOS, through OGR), the part east of it at -180 and beyond.
 *
 * Features added with isr_geojson_add have their polygons written by geojson_text.c (GDAL's
 * bytes, 1.7 µs a vertex less): the driver writes the feature with a null geometry, and the
 * text takes the null's place when the layer is closed. That writer is compared with
 * GDAL's own once a process (text_check) and used only when the bytes are the same.
 */
#include "internal.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <math.h>
#include <threads.h>
#include <stdlib.h>
#include <string.h>

/* The lines of a GeoJSON file written by GDAL's driver that hold one feature each, in
 * order: *starts[i] the offset of feature i's line, ends at the next '\n'. -1 when the file
 * is not laid out so (a GDAL that writes otherwise: the callers then do without). */
int isr_geojson_feature_lines(const char *text, size_t len, size_t **starts)
{
    int n = 0, cap = 0;
    *starts = NULL;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (strncmp(text + at, "{ \"type\": \"Feature\"", 19) == 0) {
            if (n == cap) {
                size_t *m = realloc(*starts, (size_t)(cap = cap ? 2 * cap : 256) * sizeof *m);
                if (!m) {
                    free(*starts);
                    *starts = NULL;
                    return -1;
                }
                *starts = m;
            }
            (*starts)[n++] = at;
        }
        at = end + 1;
    }
    return n;
}


char *isr_geojson_splice(const char *props, size_t plen, const char *geom, size_t glen,
                         int nfeat, const unsigned char *mask, size_t *out_len)
{
    size_t *starts = NULL;
    int nf = isr_geojson_feature_lines(props, plen, &starts);
    char *out = NULL;
    if (nf != nfeat || !(out = malloc(plen + glen + 1))) {
        free(starts);
        return NULL;
    }
    size_t o = 0, from = 0;
    const char *g = geom;
    static const char null_end[] = "\"geometry\": null }";
    for (int i = 0; i < nf; i++) {
        if (mask && !mask[i])
            continue;
        const char *line = props + starts[i], *nl = memchr(line, '\n', plen - starts[i]);
        size_t ll = nl ? (size_t)(nl - line) : plen - starts[i];
        size_t core = ll - (ll && line[ll - 1] == ',');
        const char *gnl = memchr(g, '\n', (size_t)(geom + glen - g));
        if (!gnl || core < sizeof null_end - 1 ||
            memcmp(line + core - (sizeof null_end - 1), null_end, sizeof null_end - 1) != 0) {
            free(out);
            free(starts);
            return NULL;
        }
        size_t cut = starts[i] + core - 6; /* at "null }" */
        memcpy(out + o, props + from, cut - from);
        o += cut - from;
        memcpy(out + o, g, (size_t)(gnl - g));
        o += (size_t)(gnl - g);
        from = cut + 4; /* after "null" */
        g = gnl + 1;
    }
    memcpy(out + o, props + from, plen - from);
    o += plen - from;
    free(starts);
    *out_len = o;
    return out;
}


/* The driver's dataset at `mem` and its layer, in WGS 84 (`wgs`), as every file is written. */
static OGRLayerH create_layer(const char *mem, const char *layer, OGRSpatialReferenceH wgs,
                              GDALDatasetH *ds)
{
    char **lco = CSLSetNameValue(NULL, "RFC7946", "YES");
    lco = CSLSetNameValue(lco, "COORDINATE_PRECISION", "6");
    lco = CSLSetNameValue(lco, "WRITE_NAME", "NO");
    lco = CSLSetNameValue(lco, "WRAPDATELINE", "NO"); /* done: isr_geojson_set_geometry */
    *ds = GDALCreate(GDALGetDriverByName("GeoJSON"), mem, 0, 0, 0, GDT_Unknown, NULL);
    OGRLayerH l = *ds ? GDALDatasetCreateLayer(*ds, layer, wgs, wkbMultiPolygon, lco) : NULL;
    CSLDestroy(lco);
    return l;
}

/* A ring of n points round (cx, cy), radius rx by ry, anticlockwise or not, each coordinate
 * given `digits` decimals (0: as computed); a seeded generator (*seed) jitters it. */
static OGRGeometryH check_ring(double cx, double cy, double rx, double ry, int n, int ccw,
                               int digits, unsigned *seed)
{
    OGRGeometryH r = OGR_G_CreateGeometry(wkbLinearRing);
    double scale = pow(10, digits);
    for (int i = 0; i < n; i++) {
        *seed = *seed * 1103515245u + 12345u;
        double a = 2 * M_PI * i / n * (ccw ? 1 : -1), j = 1 + 0.2 * ((*seed >> 8) % 1000) / 1000.0;
        double x = cx + rx * j * cos(a), y = cy + ry * j * sin(a);
        if (digits)
            x = round(x * scale) / scale, y = round(y * scale) / scale;
        OGR_G_AddPoint_2D(r, fmax(-180, fmin(180, x)), fmax(-90, fmin(90, y)));
    }
    OGR_G_AddPoint_2D(r, OGR_G_GetX(r, 0), OGR_G_GetY(r, 0));
    return r;
}

/* The polygons text_check writes: every winding of exterior and interior rings, both
 * hemispheres, coordinates of 5 to 9 decimals, runs of 0s and 9s, ties at the 6th decimal
 * (multiples of 1/128), -0, a ring whose lowest vertex is doubled and one flattened under
 * 1e-5 (GDAL's fallback to the shoelace sum), and multipolygons. */
static OGRGeometryH check_geometry(int k, unsigned *seed)
{
    static const double special[][2] = {
        {-121.100003, 31.2}, {-121.999997, -45.9999996}, {-179.9999995, 0.0078125},
        {-0.0000001, -0.0}, {179.9999996, 89.9999999}, {-100.0000004, -10.1234565},
        {-99.9999996, 0.0390625}, {-123.4567895, 1.0000005}, {-150.00000049, 12.34567801}};
    double cx = -175 + (k * 37) % 350, cy = -80 + (k * 23) % 160;
    OGRGeometryH p = OGR_G_CreateGeometry(wkbPolygon);
    OGRGeometryH ext = check_ring(cx, cy, 2, 1.5, 5 + k % 9, k % 2, 5 + k % 5, seed);
    if (k < (int)(sizeof special / sizeof *special)) /* a special vertex, closing the ring */
        for (int i = 0; i < OGR_G_GetPointCount(ext); i += OGR_G_GetPointCount(ext) - 1)
            OGR_G_SetPoint_2D(ext, i, special[k][0], special[k][1]);
    if (k == 10 || k == 11) { /* the lowest rightmost vertex twice; a flat ring */
        double y0 = k == 10 ? cy - 3 : cy;
        OGR_G_Empty(ext);
        double xs[] = {cx, cx + 1, cx + 1, cx + 1, cx}, ys[] = {y0 + 1, y0, y0, y0 + 1e-6, y0 + 1};
        for (int i = 0; i < 5; i++)
            OGR_G_AddPoint_2D(ext, xs[i], k == 11 ? cy + (ys[i] - y0) * 1e-6 : ys[i]);
        OGR_G_AddPoint_2D(ext, xs[0], k == 11 ? cy + 1e-6 : ys[0]);
    }
    OGR_G_AddGeometryDirectly(p, ext);
    if (k % 3 == 0)
        OGR_G_AddGeometryDirectly(p, check_ring(cx, cy, 0.5, 0.4, 6 + k % 5, k % 4 < 2, 7, seed));
    if (k % 4 != 3)
        return p;
    OGRGeometryH m = OGR_G_CreateGeometry(wkbMultiPolygon);
    OGR_G_AddGeometryDirectly(m, p);
    OGRGeometryH q = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(q, check_ring(cx + 5 > 178 ? cx - 5 : cx + 5, cy, 1, 1, 12, 1, 9, seed));
    OGR_G_AddGeometryDirectly(m, q);
    return m;
}

/* Whether geojson_text.c writes what GDAL's driver writes here: the same polygons written
 * once by the driver and once with their text spliced in, compared byte for byte. */
static int text_same;
static void text_check(void)
{
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
    OSRSetWellKnownGeogCS(wgs, "WGS84");
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    enum { N = 48 };
    char mem[2][64];
    char *bytes[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    isr_sb text = {0};
    unsigned char mask[N];
    int ok = 1;
    for (int way = 0; way < 2; way++) {
        snprintf(mem[way], sizeof mem[way], "/vsimem/isoreach/%p/check%d.geojson", (void *)&text, way);
        GDALDatasetH ds = NULL;
        OGRLayerH l = create_layer(mem[way], "check", wgs, &ds);
        unsigned seed = 7;
        for (int k = 0; l && k < N; k++) {
            OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
            OGRGeometryH g = check_geometry(k, &seed);
            mask[k] = way == 1 && isr_geojson_polygons_text(g, &text) == 0;
            if (mask[k])
                isr_sb_add(&text, "\n", 1);
            if (!mask[k])
                OGR_F_SetGeometryDirectly(f, g);
            else
                OGR_G_DestroyGeometry(g);
            ok = ok && OGR_L_CreateFeature(l, f) == OGRERR_NONE && (way == 0 || mask[k]);
            OGR_F_Destroy(f);
        }
        if (ds)
            GDALClose(ds);
        vsi_l_offset n = 0;
        GByte *b = VSIGetMemFileBuffer(mem[way], &n, FALSE);
        if (b && way == 0)
            bytes[0] = (char *)b, len[0] = (size_t)n;
        else if (b && !text.oom)
            bytes[1] = isr_geojson_splice((char *)b, (size_t)n, text.s, text.len, N, mask, &len[1]);
    }
    text_same = ok && bytes[0] && bytes[1] && len[0] == len[1] &&
                memcmp(bytes[0], bytes[1], len[0]) == 0;
    free(bytes[1]);
    free(text.s);
    VSIUnlink(mem[0]);
    VSIUnlink(mem[1]);
    OSRDestroySpatialReference(wgs);
}

int isr_geojson_fast_text(void)
{
    static once_flag once = ONCE_FLAG_INIT;
    call_once(&once, text_check);
    return text_same;
}

int isr_geojson_add(isr_geojson *w, OGRFeatureH f)
{
    if (w->nfeat == w->capfeat) {
        int cap = w->capfeat ? 2 * w->capfeat : 64;
        unsigned char *m = realloc(w->fast, (size_t)cap);
        if (!m)
            return -1;
        w->fast = m;
        w->capfeat = cap;
    }
    if (w->valid && OGR_F_GetGeometryRef(f)) {
        if (!w->gc && (w->gc = malloc(sizeof *w->gc)))
            isr_geos_init(w->gc);
        int r = w->gc ? isr_geojson_valid_as_written(w->gc, f) : -1;
        if (r < 0 && w->ninvalid++ == 0)
            w->first_invalid = w->nfeat;
    }
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    unsigned char fast = g && isr_geojson_fast_text() && isr_geojson_polygons_text(g, &w->text) == 0;
    if (fast) {
        isr_sb_add(&w->text, "\n", 1);
        OGR_F_SetGeometryDirectly(f, NULL); /* written as null, its text spliced in at the end */
    }
    w->fast[w->nfeat++] = fast;
    w->nfast += fast;
    return OGR_L_CreateFeature(w->lyr, f) == OGRERR_NONE && !w->text.oom ? 0 : -1;
}

/* The driver's file closed, the geometries' text put in place of their nulls. */
static isr_status finish(isr_ctx *ctx, isr_geojson *w)
{
    if (w->ds)
        GDALClose(w->ds);
    w->ds = NULL;
    if (!w->nfast)
        return ISR_OK;
    vsi_l_offset n = 0;
    GByte *buf = VSIGetMemFileBuffer(w->mem, &n, FALSE);
    size_t len = 0;
    char *all = buf ? isr_geojson_splice((char *)buf, (size_t)n, w->text.s, w->text.len, w->nfeat,
                                         w->fast, &len)
                    : NULL;
    GByte *copy = all ? VSIMalloc(len ? len : 1) : NULL;
    if (copy)
        memcpy(copy, all, len);
    free(all);
    if (!copy)
        return isr_fail(ctx, ISR_ERR_INTERNAL,
                        "cannot write '%s': GDAL's GeoJSON driver laid its features out in a "
                        "way isoreach does not know (please report it)", w->path);
    VSIUnlink(w->mem);
    VSIFCloseL(VSIFileFromMemBuffer(w->mem, copy, len, TRUE));
    return ISR_OK;
}

isr_status isr_geojson_open(isr_ctx *ctx, isr_geojson *w, const char *path, const char *layer,
                            const char *wkt, const isr_geojson_field *fields, int nfields)
{
    memset(w, 0, sizeof *w);
    w->path = path;
    /* the writer's address in the name: writers that run at once (threads of one build, or
     * two runs of the library) never share a file */
    w->mem = isr_strdup_printf("/vsimem/isoreach/%p/%s", (void *)w, path);
    w->srs = OSRNewSpatialReference(wkt);
    /* WGS 84 as the driver makes it for its own reprojection (the same transformation) */
    w->wgs = OSRNewSpatialReference(NULL);
    if (!w->mem || !w->srs || !w->wgs) {
        isr_geojson_close(ctx, w, ISR_ERR_MEMORY);
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path);
    }
    OSRSetWellKnownGeogCS(w->wgs, "WGS84");
    OSRSetAxisMappingStrategy(w->srs, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(w->wgs, OAMS_TRADITIONAL_GIS_ORDER);
    CPLErrorReset();
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(w->srs, w->wgs);
    char *wrap[] = {"WRAPDATELINE=YES", NULL};
    w->to_wgs = ct ? OGR_GeomTransformer_Create(ct, wrap) : NULL; /* a copy of ct */
    w->ct = ct;
    w->lyr = w->to_wgs ? create_layer(w->mem, layer, w->wgs, &w->ds) : NULL;
    if (!w->lyr) {
        isr_status st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot write '%s'", path);
        isr_geojson_close(ctx, w, st);
        return st;
    }
    for (int i = 0; i < nfields; i++) {
        OGRFieldDefnH fd = OGR_Fld_Create(fields[i].name, fields[i].type);
        OGR_L_CreateField(w->lyr, fd, TRUE);
        OGR_Fld_Destroy(fd);
    }
    return ISR_OK;
}

isr_status isr_geojson_close(isr_ctx *ctx, isr_geojson *w, isr_status st)
{
    if (st == ISR_OK)
        st = finish(ctx, w);
    if (w->ds)
        GDALClose(w->ds);
    w->ds = NULL;
    if (st == ISR_OK)
        st = isr_commit_vsimem(ctx, w->mem, w->path);
    if (w->mem)
        VSIUnlink(w->mem);
    if (w->srs)
        OSRDestroySpatialReference(w->srs);
    if (w->wgs)
        OSRDestroySpatialReference(w->wgs);
    if (w->to_wgs)
        OGR_GeomTransformer_Destroy(w->to_wgs);
    if (w->ct)
        OCTDestroyCoordinateTransformation(w->ct);
    w->ct = NULL;
    free(w->mem);
    w->mem = NULL;
    free(w->text.s);
    memset(&w->text, 0, sizeof w->text);
    free(w->fast);
    w->fast = NULL;
    w->nfeat = w->capfeat = w->nfast = 0;
    if (w->gc)
        isr_geos_finish(w->gc);
    free(w->gc);
    w->gc = NULL;
    w->srs = w->wgs = NULL;
    w->to_wgs = NULL;
    w->lyr = NULL;
    return st;
}

/* Whether polygon p is a sliver that the file's 6 decimals would flatten into a line (a cut
 * along an edge that runs on the meridian can leave one). */
static int sliver(OGRGeometryH p)
{
    OGREnvelope e;
    OGR_G_GetEnvelope(p, &e);
    return !(OGR_G_Area(p) > 0) || e.MaxX - e.MinX < 2e-6 || e.MaxY - e.MinY < 2e-6;
}

/* The polygons of g (a polygon, multipolygon or collection) added to multipolygon m, each
 * shifted by dx degrees of longitude, slivers left out. */
static void add_polygons(OGRGeometryH m, OGRGeometryH g, double dx)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon && sliver(g)) {
        return;
    } else if (t == wkbPolygon) {
        OGRGeometryH p = OGR_G_Clone(g);
        for (int r = 0; dx != 0 && r < OGR_G_GetGeometryCount(p); r++) {
            OGRGeometryH ring = OGR_G_GetGeometryRef(p, r);
            for (int i = 0; i < OGR_G_GetPointCount(ring); i++)
                OGR_G_SetPoint_2D(ring, i, OGR_G_GetX(ring, i) + dx, OGR_G_GetY(ring, i));
        }
        OGR_G_AddGeometryDirectly(m, p);
    } else if (t == wkbMultiPolygon || t == wkbGeometryCollection) {
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
            add_polygons(m, OGR_G_GetGeometryRef(g, i), dx);
    }
}

/* Whether a polygon of g spans more than 180° of longitude (wrapped around the world) or
 * reaches the 180° meridian (where GDAL's cut may leave a ring that crosses itself). */
static int wraps(OGRGeometryH g)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbMultiPolygon || t == wkbGeometryCollection) {
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
            if (wraps(OGR_G_GetGeometryRef(g, i)))
                return 1;
        return 0;
    }
    OGREnvelope e;
    OGR_G_GetEnvelope(g, &e);
    return e.MaxX - e.MinX > 180 || e.MinX <= -180 || e.MaxX >= 180;
}

/* A lon/lat multipolygon that wraps (see the top) cut at the 180° meridian: its western
 * longitudes moved east by 360° (then it is whole, from under 180° to over it), the two
 * sides of 180° taken apart and the eastern one moved back. New geometry, or NULL when it
 * does not come whole so (a polygon round a pole: left as it was). */
static OGRGeometryH cut_at_180(OGRGeometryH g)
{
    OGRGeometryH e = OGR_G_CreateGeometry(wkbMultiPolygon), out = NULL;
    add_polygons(e, g, 0);
    for (int k = 0; k < OGR_G_GetGeometryCount(e); k++) {
        OGRGeometryH p = OGR_G_GetGeometryRef(e, k);
        for (int r = 0; r < OGR_G_GetGeometryCount(p); r++) {
            OGRGeometryH ring = OGR_G_GetGeometryRef(p, r);
            for (int i = 0; i < OGR_G_GetPointCount(ring); i++) {
                double x = OGR_G_GetX(ring, i) < 0 ? OGR_G_GetX(ring, i) + 360 : OGR_G_GetX(ring, i);
                /* within 1e-5° of the meridian is on it: GDAL's RFC 7946 writer puts such a
                 * vertex there, which would flatten the sliver between it and the cut */
                OGR_G_SetPoint_2D(ring, i, fabs(x - 180) < 1e-5 ? 180 : x, OGR_G_GetY(ring, i));
            }
        }
    }
    OGREnvelope env;
    OGR_G_GetEnvelope(e, &env);
    if (env.MaxX - env.MinX < 180 && !OGR_G_IsValid(e)) { /* the projected edges, crossed */
        OGRGeometryH v = OGR_G_MakeValid(e);
        if (v) {
            OGR_G_DestroyGeometry(e);
            e = v;
        }
    }
    if (env.MaxX - env.MinX < 180) {
        OGRGeometryH side[2] = {OGR_G_CreateGeometry(wkbLinearRing),
                                OGR_G_CreateGeometry(wkbLinearRing)};
        const double x[2][2] = {{env.MinX - 1, 180}, {180, env.MaxX + 1}};
        for (int s = 0; s < 2; s++) {
            OGR_G_AddPoint_2D(side[s], x[s][0], -90);
            OGR_G_AddPoint_2D(side[s], x[s][1], -90);
            OGR_G_AddPoint_2D(side[s], x[s][1], 90);
            OGR_G_AddPoint_2D(side[s], x[s][0], 90);
            OGR_G_AddPoint_2D(side[s], x[s][0], -90);
            OGRGeometryH box = OGR_G_CreateGeometry(wkbPolygon);
            OGR_G_AddGeometryDirectly(box, side[s]);
            side[s] = box;
        }
        OGRGeometryH west = OGR_G_Intersection(e, side[0]), east = OGR_G_Intersection(e, side[1]);
        if (west && east) {
            out = OGR_G_CreateGeometry(wkbMultiPolygon);
            add_polygons(out, west, 0);
            add_polygons(out, east, -360);
        }
        for (int s = 0; s < 2; s++)
            OGR_G_DestroyGeometry(side[s]);
        if (west)
            OGR_G_DestroyGeometry(west);
        if (east)
            OGR_G_DestroyGeometry(east);
    }
    OGR_G_DestroyGeometry(e);
    return out;
}

int isr_geojson_set_geometry(isr_geojson *w, OGRFeatureH f, OGRGeometryH g)
{
    if (!g)
        return 0;
    g = isr_multipolygon(g);
    OGRGeometryH t = OGR_GeomTransformer_Transform(w->to_wgs, g), cut = NULL;
    if (!t) { /* a polygon with a vertex on a pole, which GDAL's wrapping refuses ("Full
               * reprojection failed"): each vertex where it lies, as for a polygon round a
               * pole (warned about: RFC 7946 cannot hold it) */
        OGRGeometryH plain = OGR_G_Clone(g);
        if (OGR_G_Transform(plain, w->ct) == OGRERR_NONE)
            t = plain;
        else
            OGR_G_DestroyGeometry(plain);
    }
    if (t && wraps(t)) { /* from the plain transformation: each vertex where it lies */
        OGRGeometryH plain = OGR_G_Clone(g);
        if (OGR_G_Transform(plain, w->ct) == OGRERR_NONE)
            cut = cut_at_180(plain);
        OGR_G_DestroyGeometry(plain);
    }
    OGR_G_DestroyGeometry(g);
    if (!t) {
        OGR_G_DestroyGeometry(cut);
        return -1;
    }
    if (cut) {
        OGR_G_DestroyGeometry(t);
        t = cut;
        if (OGR_G_GetGeometryCount(cut) == 1) { /* one part, as GDAL gives it: a polygon */
            t = OGR_G_Clone(OGR_G_GetGeometryRef(cut, 0));
            OGR_G_DestroyGeometry(cut);
        }
    }
    OGR_F_SetGeometryDirectly(f, t); /* as GDAL's transformation left it (one part: a polygon) */
    return 0;
}

char *isr_geojson_take(isr_ctx *ctx, isr_geojson *w, size_t *len)
{
    isr_status st = finish(ctx, w);
    vsi_l_offset n = 0;
    GByte *buf = w->mem && st == ISR_OK ? VSIGetMemFileBuffer(w->mem, &n, FALSE) : NULL;
    char *out = buf ? malloc((size_t)n + 1) : NULL;
    if (out) {
        memcpy(out, buf, (size_t)n);
        out[n] = '\0';
        *len = (size_t)n;
    } else {
        isr_fail(ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", w->path);
    }
    isr_geojson_close(ctx, w, ISR_ERR_MEMORY); /* not committed: released */
    return out;
}

OGRGeometryH isr_multipolygon(OGRGeometryH g)
{
    if (g && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPolygon)
        g = OGR_G_ForceToMultiPolygon(g);
    return g;
}
