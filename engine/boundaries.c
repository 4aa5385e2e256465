/*
 * boundaries.c — admin unit polygons, read, reprojected into the analysis CRS and repaired.
 *
 * Invalid polygons (self-intersections are common in quantized or hand-edited boundaries)
 * are counted and repaired with GEOS MakeValid through OGR (the "structure" method, which
 * keeps polygonal output) rather than rejected, because dropping a unit would silently
 * drop its people. A feature without a polygon is an error naming its FID.
 * Attributes: a code, a name and the codes and names of its prefecture and province, read
 * from the fields named in the options, or (when the prefecture or province field is
 * absent) derived from a 6-digit GB/T 2260 code: 320583 is in prefecture 320500 and
 * province 320000. Population from the pop field when present.
 * Owns: one OGR geometry and one attribute record per unit, in layer order.
 */
#include "internal.h"

#include <cpl_string.h>
#include <math.h>
#include <stdio.h>
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

static int is_gb_code(const char *s)
{
    if (strlen(s) != 6)
        return 0;
    for (int i = 0; i < 6; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Field indexes for the hierarchy; -1 where absent. */
typedef struct unit_fields {
    int code[ISR_NLEVELS], name[ISR_NLEVELS], pop;
} unit_fields;

static isr_status unit_fields_find(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                                   unit_fields *f)
{
    OGRFeatureDefnH d = OGR_L_GetLayerDefn(l->lyr);
    const char *code[ISR_NLEVELS] = {opt->unit_id_field, opt->pref_field, opt->prov_field};
    const char *name[ISR_NLEVELS] = {opt->unit_name_field, opt->pref_name_field,
                                     opt->prov_name_field};
    for (int k = 0; k < ISR_NLEVELS; k++) {
        f->code[k] = code[k] ? OGR_FD_GetFieldIndex(d, code[k]) : -1;
        f->name[k] = name[k] ? OGR_FD_GetFieldIndex(d, name[k]) : -1;
    }
    f->pop = -1;
    if (opt->pop_field && OGR_FD_GetFieldIndex(d, opt->pop_field) >= 0)
        return isr_layer_field(ctx, l, opt->pop_field, 1, &f->pop);
    return ISR_OK;
}

static isr_status unit_attr_read(isr_ctx *ctx, const isr_layer *l, const unit_fields *uf,
                                 OGRFeatureH f, isr_unit *a)
{
    long long fid = (long long)OGR_F_GetFID(f);
    char fidbuf[32];
    snprintf(fidbuf, sizeof fidbuf, "%lld", fid);
    /* copies, not OGR's strings, in valid UTF-8: see isr_layer_str() */
    a->code[0] = uf->code[0] >= 0 && OGR_F_IsFieldSetAndNotNull(f, uf->code[0])
                     ? isr_layer_str(l, f, uf->code[0])
                     : strdup(fidbuf);
    if (!a->code[0])
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    const char *code = a->code[0];
    int gb = is_gb_code(code);
    for (int k = 0; k < ISR_NLEVELS; k++) {
        char derived[8] = "";
        if (k > 0 && uf->code[k] >= 0) {
            a->code[k] = isr_layer_str(l, f, uf->code[k]);
        } else if (k > 0) {
            if (gb)
                snprintf(derived, sizeof derived, "%.*s%s", k == ISR_PREFECTURE ? 4 : 2, code,
                         k == ISR_PREFECTURE ? "00" : "0000");
            a->code[k] = strdup(derived);
        }
        a->name[k] = isr_layer_str(l, f, uf->name[k]);
        if (!a->code[k] || !a->name[k])
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    a->pop = NAN;
    if (uf->pop >= 0 && OGR_F_IsFieldSetAndNotNull(f, uf->pop)) {
        a->pop = OGR_F_GetFieldAsDouble(f, uf->pop);
        if (!(a->pop >= 0) || !isfinite(a->pop))
            return isr_fail(ctx, ISR_ERR_INPUT, "%s: feature %lld ('%s') has a population of %g",
                            l->what, fid, code, a->pop);
    }
    return ISR_OK;
}

isr_status isr_units_load(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                          OGRSpatialReferenceH srs, isr_units *u)
{
    memset(u, 0, sizeof *u);
    unit_fields uf;
    isr_status fst = unit_fields_find(ctx, opt, l, &uf);
    if (fst != ISR_OK)
        return fst;
    OGRCoordinateTransformationH ct = isr_layer_transform_to(ctx, l, srs);
    if (!ct)
        return ISR_ERR_CRS;
    isr_status st = ISR_OK;
    GIntBig count = OGR_L_GetFeatureCount(l->lyr, 1);
    u->geom = calloc((size_t)(count > 0 ? count : 1), sizeof *u->geom);
    u->attr = calloc((size_t)(count > 0 ? count : 1), sizeof *u->attr);
    u->has_pop = uf.pop >= 0;
    if (!u->geom || !u->attr) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s", l->what);
        goto cleanup;
    }
    u->xmin = u->ymin = 1e300;
    u->xmax = u->ymax = -1e300;
    char fids[160] = ""; /* the first invalid features, for the warning */
    OGR_L_ResetReading(l->lyr);
    OGRFeatureH f;
    while ((f = isr_layer_next(ctx, l, &st)) != NULL) {
        GIntBig fid = OGR_F_GetFID(f);
        if (u->n >= count) { /* the driver's count was short: grow */
            OGRGeometryH *p = realloc(u->geom, (size_t)(u->n + 64) * sizeof *p);
            if (p)
                u->geom = p;
            isr_unit *q = p ? realloc(u->attr, (size_t)(u->n + 64) * sizeof *q) : NULL;
            if (!q) {
                OGR_F_Destroy(f);
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s", l->what);
                goto cleanup;
            }
            u->attr = q;
            memset(u->attr + u->n, 0, 64 * sizeof *q);
            count = u->n + 64;
        }
        st = unit_attr_read(ctx, l, &uf, f, &u->attr[u->n]);
        OGRGeometryH g = OGR_F_StealGeometry(f);
        OGR_F_Destroy(f);
        if (st != ISR_OK) {
            OGR_G_DestroyGeometry(g);
            u->geom[u->n++] = NULL; /* so that the attributes read are freed */
            goto cleanup;
        }
        OGRwkbGeometryType t = g ? wkbFlatten(OGR_G_GetGeometryType(g)) : wkbNone;
        if (!g || OGR_G_IsEmpty(g) || (t != wkbPolygon && t != wkbMultiPolygon)) {
            st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s: feature %lld has %s", l->what,
                               (long long)fid,
                               !g || OGR_G_IsEmpty(g) ? "no geometry"
                                                      : "a geometry that is not a polygon");
            OGR_G_DestroyGeometry(g);
            u->geom[u->n++] = NULL;
            goto cleanup;
        }
        if (OGR_G_Transform(g, ct) != OGRERR_NONE) {
            OGR_G_DestroyGeometry(g);
            u->geom[u->n++] = NULL;
            st = isr_fail_gdal(ctx, ISR_ERR_CRS,
                               "%s: feature %lld cannot be transformed to the analysis CRS "
                               "(outside the CRS's area of use?)",
                               l->what, (long long)fid);
            goto cleanup;
        }
        if (!OGR_G_IsValid(g)) {
            u->ninvalid++;
            size_t len = strlen(fids);
            if (u->ninvalid <= 10)
                snprintf(fids + len, sizeof fids - len, "%s%lld", len ? ", " : "",
                         (long long)fid);
            else if (u->ninvalid == 11)
                snprintf(fids + len, sizeof fids - len, ", …");
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
    if (st != ISR_OK)
        goto cleanup;
    if (u->ninvalid) /* a warning: the data were changed */
        isr_log(ctx, ISR_LOG_WARN,
                "%s: %d invalid polygon(s) (feature%s %s), %d repaired with GEOS MakeValid",
                l->what, u->ninvalid, u->ninvalid > 1 ? "s" : "", fids, u->nrepaired);
cleanup:
    OCTDestroyCoordinateTransformation(ct);
    if (st != ISR_OK)
        isr_units_clear(u);
    return st;
}

void isr_units_clear(isr_units *u)
{
    for (int i = 0; i < u->n; i++) {
        if (u->geom)
            OGR_G_DestroyGeometry(u->geom[i]);
        for (int k = 0; u->attr && k < ISR_NLEVELS; k++) {
            free(u->attr[i].code[k]);
            free(u->attr[i].name[k]);
        }
    }
    free(u->geom);
    free(u->attr);
    memset(u, 0, sizeof *u);
}
