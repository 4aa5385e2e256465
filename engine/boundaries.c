/*
 * boundaries.c — admin unit polygons, read, reprojected into the analysis CRS and repaired.
 *
 * Invalid polygons (self-intersections are common in quantized or hand-edited boundaries)
 * are counted and repaired with GEOS MakeValid through OGR (the "structure" method, which
 * keeps polygonal output) rather than rejected, because dropping a unit would silently
 * drop its people. A feature without a polygon is an error naming its FID.
 * Owns: one OGR geometry per unit, in layer order.
 */
#include "internal.h"

#include <cpl_string.h>
#include <stdlib.h>
#include <string.h>

static OGRGeometryH repair(OGRGeometryH g)
{
    char **opts = CSLSetNameValue(NULL, "METHOD", "STRUCTURE");
    OGRGeometryH r = OGR_G_MakeValidEx(g, opts);
    CSLDestroy(opts);
    if (r && wkbFlatten(OGR_G_GetGeometryType(r)) == wkbGeometryCollection) {
        /* keep the polygonal parts only */
        OGRGeometryH mp = OGR_G_CreateGeometry(wkbMultiPolygon);
        for (int i = 0; i < OGR_G_GetGeometryCount(r); i++) {
            OGRGeometryH part = OGR_G_GetGeometryRef(r, i);
            OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(part));
            if (t == wkbPolygon)
                OGR_G_AddGeometry(mp, part);
            else if (t == wkbMultiPolygon)
                for (int j = 0; j < OGR_G_GetGeometryCount(part); j++)
                    OGR_G_AddGeometry(mp, OGR_G_GetGeometryRef(part, j));
        }
        OGR_G_DestroyGeometry(r);
        r = mp;
    }
    return r;
}

isr_status isr_units_load(isr_ctx *ctx, const isr_layer *l, OGRSpatialReferenceH srs,
                          isr_units *u)
{
    memset(u, 0, sizeof *u);
    OGRCoordinateTransformationH ct = isr_layer_transform_to(ctx, l, srs);
    if (!ct)
        return ISR_ERR_CRS;
    isr_status st = ISR_OK;
    GIntBig count = OGR_L_GetFeatureCount(l->lyr, 1);
    u->geom = calloc((size_t)(count > 0 ? count : 1), sizeof *u->geom);
    if (!u->geom) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s", l->what);
        goto cleanup;
    }
    u->xmin = u->ymin = 1e300;
    u->xmax = u->ymax = -1e300;
    OGR_L_ResetReading(l->lyr);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l->lyr)) != NULL) {
        GIntBig fid = OGR_F_GetFID(f);
        OGRGeometryH g = OGR_F_StealGeometry(f);
        OGR_F_Destroy(f);
        OGRwkbGeometryType t = g ? wkbFlatten(OGR_G_GetGeometryType(g)) : wkbNone;
        if (!g || OGR_G_IsEmpty(g) || (t != wkbPolygon && t != wkbMultiPolygon)) {
            st = isr_fail(ctx, ISR_ERR_INPUT, "%s: feature %lld has %s", l->what,
                          (long long)fid,
                          !g || OGR_G_IsEmpty(g) ? "no geometry" : "a geometry that is not a polygon");
            OGR_G_DestroyGeometry(g);
            goto cleanup;
        }
        if (u->n >= count) { /* the driver's count was short: grow */
            OGRGeometryH *p = realloc(u->geom, (size_t)(u->n + 64) * sizeof *p);
            if (!p) {
                OGR_G_DestroyGeometry(g);
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s", l->what);
                goto cleanup;
            }
            u->geom = p;
            count = u->n + 64;
        }
        if (OGR_G_Transform(g, ct) != OGRERR_NONE) {
            OGR_G_DestroyGeometry(g);
            st = isr_fail_gdal(ctx, ISR_ERR_CRS,
                               "%s: feature %lld cannot be transformed to the analysis CRS "
                               "(outside the CRS's area of use?)",
                               l->what, (long long)fid);
            goto cleanup;
        }
        if (!OGR_G_IsValid(g)) {
            u->ninvalid++;
            OGRGeometryH r = repair(g);
            if (r && !OGR_G_IsEmpty(r) && OGR_G_IsValid(r)) {
                OGR_G_DestroyGeometry(g);
                g = r;
                u->nrepaired++;
            } else {
                OGR_G_DestroyGeometry(r);
                isr_log(ctx, ISR_LOG_WARN, "%s: feature %lld is invalid and could not be repaired; "
                        "it is used as it is", l->what, (long long)fid);
            }
        }
        OGREnvelope env;
        OGR_G_GetEnvelope(g, &env);
        if (env.MinX < u->xmin) u->xmin = env.MinX;
        if (env.MinY < u->ymin) u->ymin = env.MinY;
        if (env.MaxX > u->xmax) u->xmax = env.MaxX;
        if (env.MaxY > u->ymax) u->ymax = env.MaxY;
        u->geom[u->n++] = g;
    }
    if (u->ninvalid)
        isr_log(ctx, ISR_LOG_INFO, "%s: %d invalid polygon(s), %d repaired with GEOS MakeValid",
                l->what, u->ninvalid, u->nrepaired);
cleanup:
    OCTDestroyCoordinateTransformation(ct);
    if (st != ISR_OK)
        isr_units_clear(u);
    return st;
}

void isr_units_clear(isr_units *u)
{
    for (int i = 0; i < u->n; i++)
        OGR_G_DestroyGeometry(u->geom[i]);
    free(u->geom);
    memset(u, 0, sizeof *u);
}
