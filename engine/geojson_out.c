/*
 * geojson_out.c — RFC 7946 GeoJSON outputs, written the one safe way.
 *
 * GDAL's GeoJSON driver reprojects to EPSG:4326, fixes winding (RFC7946=YES) and rounds to
 * 6 decimals, but it ignores failed writes: on a full disk it would leave a truncated or
 * empty file that looks complete. So the layer is written to /vsimem/ and copied out by
 * isr_commit_vsimem(), which checks every write and renames into place. Callers add
 * features to w->lyr with OGR and close with isr_geojson_close().
 */
#include "internal.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
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
    if (!w->mem || !w->srs) {
        isr_geojson_close(ctx, w, ISR_ERR_MEMORY);
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path);
    }
    OSRSetAxisMappingStrategy(w->srs, OAMS_TRADITIONAL_GIS_ORDER);
    char **lco = CSLSetNameValue(NULL, "RFC7946", "YES");
    lco = CSLSetNameValue(lco, "COORDINATE_PRECISION", "6");
    lco = CSLSetNameValue(lco, "WRITE_NAME", "NO");
    CPLErrorReset();
    w->ds = GDALCreate(GDALGetDriverByName("GeoJSON"), w->mem, 0, 0, 0, GDT_Unknown, NULL);
    w->lyr = w->ds ? GDALDatasetCreateLayer(w->ds, layer, w->srs, wkbMultiPolygon, lco) : NULL;
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
    free(w->mem);
    w->mem = NULL;
    w->srs = NULL;
    w->lyr = NULL;
    return st;
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
