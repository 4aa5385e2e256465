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
 */
#include "internal.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    char **lco = CSLSetNameValue(NULL, "RFC7946", "YES");
    lco = CSLSetNameValue(lco, "COORDINATE_PRECISION", "6");
    lco = CSLSetNameValue(lco, "WRITE_NAME", "NO");
    lco = CSLSetNameValue(lco, "WRAPDATELINE", "NO"); /* done: isr_geojson_set_geometry */
    w->ds = w->to_wgs ? GDALCreate(GDALGetDriverByName("GeoJSON"), w->mem, 0, 0, 0, GDT_Unknown,
                                   NULL)
                      : NULL;
    w->lyr = w->ds ? GDALDatasetCreateLayer(w->ds, layer, w->wgs, wkbMultiPolygon, lco) : NULL;
    CSLDestroy(lco);
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
    if (w->ds)
        GDALClose(w->ds);
    w->ds = NULL;
    vsi_l_offset n = 0;
    GByte *buf = w->mem ? VSIGetMemFileBuffer(w->mem, &n, FALSE) : NULL;
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
