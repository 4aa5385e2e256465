/*
 * vector_io.c — opening OGR inputs and checking them before use.
 *
 * An input is a source (a path, or an http(s) URL read through GDAL's /vsicurl/) and one
 * layer. Everything a later step relies on is checked here, once, with a message a GIS user
 * can act on: the source opens, the layer exists and has features, it has a CRS, its
 * geometries are of the kind the role needs, and the named fields exist with usable types.
 * Reading goes through isr_layer_next(), so that a damaged file (OGR just stops early) is an
 * error rather than fewer features, and strings kept from a feature are copies
 * (isr_field_str()).
 * Owns: the dataset handle and the description string used in every later message.
 */
#include "internal.h"

#include <cpl_string.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *geom_kind(OGRwkbGeometryType t)
{
    switch (wkbFlatten(t)) {
    case wkbPoint:
    case wkbMultiPoint: return "points";
    case wkbLineString:
    case wkbMultiLineString: return "lines";
    case wkbPolygon:
    case wkbMultiPolygon: return "polygons";
    case wkbUnknown: return "mixed geometries";
    default: return OGRGeometryTypeToName(t);
    }
}

static int geom_matches(OGRwkbGeometryType have, OGRwkbGeometryType want)
{
    return strcmp(geom_kind(have), geom_kind(want)) == 0;
}

isr_status isr_layer_open(isr_ctx *ctx, isr_layer *l, const char *role, const char *path,
                          const char *layer, OGRwkbGeometryType want)
{
    memset(l, 0, sizeof *l);
    if (!path || !*path)
        return isr_fail(ctx, ISR_ERR_USAGE, "no %s input given", role);
    char *open_path = NULL;
    isr_status cst = isr_source_check(ctx, role, path, &open_path);
    if (cst != ISR_OK)
        return cst;
    CPLErrorReset();
    l->ds = GDALOpenEx(open_path ? open_path : path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
                       NULL, NULL);
    free(open_path);
    if (!l->ds) {
        /* GDAL says nothing when no driver recognises a path: say whether it is there */
        struct stat sb;
        int local = strncmp(path, "/vsi", 4) != 0 && !strstr(path, "://") &&
                    !(strchr(path, ':') && strchr(path, ':') > path + 1);
        if (local && stat(path, &sb) != 0)
            return isr_fail(ctx, ISR_ERR_INPUT, "%s '%s': cannot open it: %s", role, path,
                            strerror(errno));
        if (local && access(path, R_OK) != 0)
            return isr_fail(ctx, ISR_ERR_INPUT, "%s '%s': cannot read it: %s", role, path,
                            strerror(errno));
        return isr_fail_gdal(ctx, ISR_ERR_INPUT,
                             "%s '%s': cannot open as a vector source (not a format GDAL reads, "
                             "or damaged)",
                             role, path);
    }
    if (layer) {
        l->lyr = GDALDatasetGetLayerByName(l->ds, layer);
        if (!l->lyr) {
            char names[512] = "";
            for (int i = 0; i < GDALDatasetGetLayerCount(l->ds); i++) {
                const char *n = OGR_L_GetName(GDALDatasetGetLayer(l->ds, i));
                if (strlen(names) + strlen(n) + 4 < sizeof names)
                    strcat(strcat(names, i ? ", " : ""), n);
            }
            isr_status st = isr_fail(ctx, ISR_ERR_INPUT,
                                     "%s '%s': no layer named '%s' (layers: %s)", role, path,
                                     layer, names);
            isr_layer_close(l);
            return st;
        }
    } else {
        l->lyr = GDALDatasetGetLayer(l->ds, 0);
        if (!l->lyr) {
            isr_layer_close(l);
            return isr_fail(ctx, ISR_ERR_INPUT, "%s '%s': the source has no layer", role, path);
        }
    }
    l->what = isr_strdup_printf("%s '%s' layer '%s'", role, path, OGR_L_GetName(l->lyr));
    if (!l->what) {
        isr_layer_close(l);
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    isr_status st = ISR_OK;
    OGRwkbGeometryType have = OGR_L_GetGeomType(l->lyr);
    if (OGR_L_GetFeatureCount(l->lyr, 1) == 0)
        st = isr_fail(ctx, ISR_ERR_INPUT, "%s has no features", l->what);
    else if (!OGR_L_GetSpatialRef(l->lyr))
        st = isr_fail(ctx, ISR_ERR_CRS,
                      "%s has no CRS (for a shapefile, the .prj file is missing): assign one, "
                      "e.g. with ogr2ogr -a_srs EPSG:4326",
                      l->what);
    else if (wkbFlatten(have) != wkbUnknown && !geom_matches(have, want))
        st = isr_fail(ctx, ISR_ERR_INPUT, "%s has %s, but %s must be %s", l->what,
                      geom_kind(have), role, geom_kind(want));
    if (st != ISR_OK)
        isr_layer_close(l);
    return st;
}

void isr_layer_close(isr_layer *l)
{
    if (l->ds)
        GDALClose(l->ds);
    free(l->what);
    memset(l, 0, sizeof *l);
}

char *isr_field_str(OGRFeatureH f, int i)
{
    return strdup(i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i) : "");
}

OGRFeatureH isr_layer_next(isr_ctx *ctx, const isr_layer *l, isr_status *st)
{
    CPLErrorReset();
    OGRFeatureH f = OGR_L_GetNextFeature(l->lyr);
    if (!f && CPLGetLastErrorType() == CE_Failure)
        *st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s: cannot read its features (a damaged file?)",
                            l->what);
    return f;
}

isr_status isr_layer_field(isr_ctx *ctx, const isr_layer *l, const char *name, int numeric,
                           int *idx)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(l->lyr);
    *idx = OGR_FD_GetFieldIndex(defn, name);
    if (*idx < 0) {
        char names[512] = "";
        for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
            const char *n = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
            if (strlen(names) + strlen(n) + 4 < sizeof names)
                strcat(strcat(names, i ? ", " : ""), n);
        }
        return isr_fail(ctx, ISR_ERR_INPUT, "%s has no field '%s' (fields: %s)", l->what, name,
                        names);
    }
    if (numeric) {
        OGRFieldType t = OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, *idx));
        if (t != OFTInteger && t != OFTInteger64 && t != OFTReal)
            return isr_fail(ctx, ISR_ERR_INPUT, "%s: field '%s' must be numeric but is %s",
                            l->what, name, OGR_GetFieldTypeName(t));
    }
    return ISR_OK;
}

OGRCoordinateTransformationH isr_layer_transform_to(isr_ctx *ctx, const isr_layer *l,
                                                    OGRSpatialReferenceH dst)
{
    OGRSpatialReferenceH src = OSRClone(OGR_L_GetSpatialRef(l->lyr));
    OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
    CPLErrorReset();
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(src, dst);
    if (!ct) {
        /* PROJ's message quotes both CRSs in full WKT: keep its reason, name them instead */
        char why[256];
        snprintf(why, sizeof why, "%s", CPLGetLastErrorMsg());
        char *cut = strstr(why, " from `");
        if (cut)
            *cut = '\0';
        const char *sname = OSRGetName(src), *dname = OSRGetName(dst);
        isr_fail(ctx, ISR_ERR_CRS,
                 "%s: its CRS '%s' cannot be transformed to the analysis CRS '%s'%s%s%s", l->what,
                 sname ? sname : "unnamed", dname ? dname : "unnamed", *why ? " (PROJ: " : "",
                 why, *why ? ")" : "");
    }
    OSRDestroySpatialReference(src);
    return ct;
}

/* Whether a box in the layer's CRS maps to valid longitudes and latitudes. */
static int box_ok(OGRCoordinateTransformationH ct, const OGREnvelope *env, double ext[4])
{
    int ok = OCTTransformBounds(ct, env->MinX, env->MinY, env->MaxX, env->MaxY, &ext[0],
                                &ext[1], &ext[2], &ext[3], 21);
    return ok && ext[0] >= -180.0001 && ext[2] <= 180.0001 && ext[1] >= -90.0001 &&
           ext[3] <= 90.0001;
}

isr_status isr_layer_extent_wgs84(isr_ctx *ctx, const isr_layer *l, double ext[4])
{
    OGREnvelope env;
    if (OGR_L_GetExtent(l->lyr, &env, 1) != OGRERR_NONE)
        return isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s: cannot compute its extent", l->what);
    OGRSpatialReferenceH wgs = isr_crs_wgs84();
    OGRCoordinateTransformationH ct = isr_layer_transform_to(ctx, l, wgs);
    OSRDestroySpatialReference(wgs);
    if (!ct)
        return ISR_ERR_CRS;
    isr_status st = ISR_OK;
    if (!box_ok(ct, &env, ext)) {
        /* name the first feature that lies outside the world */
        OGRFeatureH f;
        OGR_L_ResetReading(l->lyr);
        while (st == ISR_OK && (f = OGR_L_GetNextFeature(l->lyr)) != NULL) {
            OGRGeometryH g = OGR_F_GetGeometryRef(f);
            OGREnvelope fe;
            double fx[4];
            if (g && !OGR_G_IsEmpty(g)) {
                OGR_G_GetEnvelope(g, &fe);
                if (!box_ok(ct, &fe, fx))
                    st = isr_fail(ctx, ISR_ERR_CRS,
                                  "%s: feature %lld lies at (%g %g, %g %g), which are not valid "
                                  "coordinates in its CRS '%s': is its CRS right?",
                                  l->what, (long long)OGR_F_GetFID(f), fe.MinX, fe.MinY, fe.MaxX,
                                  fe.MaxY, OSRGetName(OGR_L_GetSpatialRef(l->lyr)));
            }
            OGR_F_Destroy(f);
        }
        OGR_L_ResetReading(l->lyr);
        if (st == ISR_OK)
            st = isr_fail(ctx, ISR_ERR_CRS,
                          "%s: its extent (%g %g, %g %g) does not map to valid longitudes and "
                          "latitudes: is its CRS right?",
                          l->what, env.MinX, env.MinY, env.MaxX, env.MaxY);
    }
    OCTDestroyCoordinateTransformation(ct);
    return st;
}
