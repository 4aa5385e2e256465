/*
 * info.c — `isoreach info`: a summary of any OGR source, for checking inputs before a run.
 * Per layer: geometry type, CRS (name and EPSG code), feature count, fields with types,
 * extent, and how many geometries are invalid by GEOS's rules (via OGR), since invalid
 * boundaries are the most common defect in admin data.
 */
#include "internal.h"

#include <stdlib.h>
#include <math.h>
#include <string.h>

static void layer_summary(isr_sb *b, OGRLayerH lyr)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(lyr);
    isr_sb_printf(b, "Layer: %s\n", OGR_L_GetName(lyr));
    isr_sb_printf(b, "  Geometry: %s\n", OGRGeometryTypeToName(OGR_L_GetGeomType(lyr)));
    if (srs) {
        const char *auth = OSRGetAuthorityName(srs, NULL);
        const char *code = OSRGetAuthorityCode(srs, NULL);
        const char *name = OSRGetName(srs);
        isr_sb_printf(b, "  CRS: %s", name && strcmp(name, "unknown") != 0 ? name : "(unnamed)");
        if (auth && code)
            isr_sb_printf(b, " (%s:%s)", auth, code);
        /* what the coordinates are in: a CRS of no name (a custom .prj) says it nowhere else */
        char *unit = NULL;
        if (OSRIsGeographic(srs)) {
            isr_sb_printf(b, ", geographic (degrees)");
        } else if (OSRIsProjected(srs)) {
            double to_m = OSRGetLinearUnits(srs, &unit);
            isr_sb_printf(b, ", projected, in %s", unit && *unit ? unit : "an unnamed unit");
            if (fabs(to_m - 1.0) > 1e-12)
                isr_sb_printf(b, " (%.10g m)", to_m);
        }
        isr_sb_printf(b, "\n");
    } else {
        isr_sb_printf(b, "  CRS: none\n");
    }
    isr_sb_printf(b, "  Features: %lld\n", (long long)OGR_L_GetFeatureCount(lyr, 1));
    OGREnvelope env;
    if (OGR_L_GetExtent(lyr, &env, 1) == OGRERR_NONE)
        isr_sb_printf(b, "  Extent: (%.6f, %.6f) - (%.6f, %.6f)\n", env.MinX, env.MinY, env.MaxX,
                      env.MaxY);
    isr_sb_printf(b, "  Fields (%d):\n", OGR_FD_GetFieldCount(defn));
    for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
        isr_sb_printf(b, "    %s: %s\n", OGR_Fld_GetNameRef(fd),
                      OGR_GetFieldTypeName(OGR_Fld_GetType(fd)));
    }
    long long n = 0, invalid = 0, empty = 0;
    OGR_L_ResetReading(lyr);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(lyr)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        n++;
        if (!g || OGR_G_IsEmpty(g))
            empty++;
        else if (!OGR_G_IsValid(g))
            invalid++;
        OGR_F_Destroy(f);
    }
    isr_sb_printf(b, "  Invalid geometries: %lld of %lld\n", invalid, n);
    if (empty)
        isr_sb_printf(b, "  Empty or missing geometries: %lld\n", empty);
}

static isr_status info_at(isr_ctx *ctx, const char *path, char **text);

isr_status isr_info(isr_ctx *ctx, const char *path, char **text)
{
    /* a URL's credentials: sent, never shown (urlsecret.c) */
    char *hidden = path && isr_is_url(path) ? isr_url_hide(path) : NULL;
    isr_status st = info_at(ctx, hidden ? hidden : path, text);
    free(hidden);
    return st;
}

static isr_status info_at(isr_ctx *ctx, const char *path, char **text)
{
    isr_ctx_reset(ctx);
    *text = NULL;
    isr_gdal_errors_push(ctx);
    char *open_path = NULL;
    isr_status cst = isr_source_check(ctx, "input", path, &open_path);
    if (cst != ISR_OK) {
        isr_gdal_errors_pop();
        return cst;
    }
    GDALDatasetH ds = isr_vector_open(open_path ? open_path : path, NULL);
    free(open_path);
    if (!ds) {
        isr_status st = isr_vector_unopened(ctx, NULL, path);
        isr_gdal_errors_pop();
        return st;
    }
    isr_sb b = {0};
    isr_sb_printf(&b, "Source: %s\nDriver: %s\nLayers: %d\n", path,
                  GDALGetDriverShortName(GDALGetDatasetDriver(ds)), GDALDatasetGetLayerCount(ds));
    for (int i = 0; i < GDALDatasetGetLayerCount(ds); i++)
        layer_summary(&b, GDALDatasetGetLayer(ds, i));
    GDALClose(ds);
    isr_gdal_errors_pop();
    *text = isr_sb_take(&b);
    if (!*text)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    return ISR_OK;
}
