/*
 * vector_io.c — opening OGR inputs and checking them before use.
 *
 * An input is a source (a path, or an http(s) URL downloaded by fetch.c) and one
 * layer. Everything a later step relies on is checked here, once, with a message a GIS user
 * can act on: the source opens, the layer exists and has features, it has a CRS, its
 * geometries are of the kind the role needs (curves count as the polygons and lines they are
 * read as: isr_layer_next() linearises them), and the named fields exist with usable types.
 * Reading goes through isr_layer_next(), so that a damaged file (OGR just stops early) is an
 * error rather than fewer features, and strings kept from a feature are copies
 * (isr_field_str()).
 * Text: every string read from an input is valid UTF-8. A shapefile's declared encoding
 * (.cpg, DBF LDID, or --encoding passed as GDAL's ENCODING open option) is honoured by GDAL,
 * which recodes to UTF-8; whatever is still not UTF-8 (a GBK .dbf without .cpg reaches us as
 * raw bytes) is replaced with U+FFFD, counted on the layer and warned about once it has been
 * read (or when it closes), naming the field, the first feature and the fix. A field that
 * identifies things (a unit, prefecture or province code, a station or line id) is refused
 * instead when it holds U+FFFD: distinct codes would read the same and be merged.
 * Owns: the dataset handle and the description string used in every later message.
 */
#include "internal.h"

#include <cpl_string.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Curves (CurvePolygon, MultiSurface, CompoundCurve, MultiCurve: QGIS and FileGDB export
 * them) count as the polygons and lines they are read as (isr_layer_next). */
static const char *geom_kind(OGRwkbGeometryType t)
{
    switch (wkbFlatten(OGR_GT_GetLinear(t))) {
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

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one: no overlong
 * forms, no surrogates, nothing above U+10FFFF (RFC 3629). */
static int utf8_seq(const unsigned char *s, size_t avail)
{
    if (s[0] < 0x80)
        return 1;
    int n = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
            : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
    if ((size_t)n > avail)
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
        return 0;
    return n;
}

size_t isr_utf8_whole(const char *s, size_t len)
{
    /* back over at most 3 continuation bytes to the last lead byte */
    size_t k = len, back = 0;
    while (k > 0 && back < 3 && ((unsigned char)s[k - 1] & 0xC0) == 0x80)
        k--, back++;
    if (k == 0)
        return len;
    const unsigned char lead = (unsigned char)s[k - 1];
    int need = lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3
               : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
    return need && (size_t)need > back + 1 ? k - 1 : len; /* a letter cut short: drop it */
}

size_t isr_utf8_valid_prefix(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    int n;
    while (p < end && *p && (n = utf8_seq(p, (size_t)(end - p))) > 0)
        p += n;
    return (size_t)(p - (const unsigned char *)s);
}

char *isr_utf8_clean(const char *s, size_t len, int *nbad)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    char *out = malloc(3 * len + 1), *o = out; /* each bad byte becomes 3 bytes */
    int bad = 0;
    if (!out)
        return NULL;
    while (p < end) {
        int n = *p ? utf8_seq(p, (size_t)(end - p)) : 0;
        if (n > 0) {
            memcpy(o, p, (size_t)n);
            o += n;
            p += n;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3); /* U+FFFD */
            o += 3;
            p++;
            bad++;
        }
    }
    *o = '\0';
    if (nbad)
        *nbad = bad;
    return out;
}

/* GDAL's Shapefile driver takes an ENCODING open option; other drivers read UTF-8. */
static GDALDatasetH open_vector(const char *path, const char *encoding)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (ds && encoding && *encoding && GDALGetDatasetDriver(ds) &&
        strcmp(GDALGetDriverShortName(GDALGetDatasetDriver(ds)), "ESRI Shapefile") == 0) {
        GDALClose(ds);
        const char *oo[] = {NULL, NULL};
        char *o = isr_strdup_printf("ENCODING=%s", encoding);
        oo[0] = o;
        ds = o ? GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, oo, NULL) : NULL;
        free(o);
    }
    return ds;
}

GDALDatasetH isr_vector_open(const char *path, const char *encoding)
{
    char *open_path = NULL; /* callers fetch URLs first (isr_source_check); else GDAL's */
    if (isr_is_url(path))
        open_path = isr_strdup_printf("/vsicurl/%s", path);
    GDALDatasetH ds = open_vector(open_path ? open_path : path, encoding);
    free(open_path);
    /* a zipped shapefile named x.zip: GDAL opens x.shp.zip and x.shz itself, x.zip only
     * through /vsizip/ (the README tells to zip a shapefile for a signed URL) */
    size_t n = strlen(path);
    if (!ds && n > 4 && strcasecmp(path + n - 4, ".zip") == 0 && strncmp(path, "/vsi", 4) != 0 &&
        !isr_is_url(path) && (open_path = isr_strdup_printf("/vsizip/%s", path))) {
        ds = open_vector(open_path, encoding);
        free(open_path);
    }
    return ds;
}

isr_status isr_layer_open(isr_ctx *ctx, isr_layer *l, const char *role, const char *path,
                          const char *layer, OGRwkbGeometryType want)
{
    return isr_layer_open_enc(ctx, l, role, path, layer, want, NULL);
}

static int layer_is_shp(const isr_layer *l)
{
    return l->ds && GDALGetDatasetDriver(l->ds) &&
           strcmp(GDALGetDriverShortName(GDALGetDatasetDriver(l->ds)), "ESRI Shapefile") == 0;
}

/* A shapefile without its .dbf: GDAL reads its shapes with no field at all, and every field
 * flag would be said to name no field. Said as what it is. */
static isr_status no_dbf(isr_ctx *ctx, const isr_layer *l, const char *path)
{
    size_t n = strlen(path);
    if (!layer_is_shp(l) || n < 4 || OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(l->lyr)) > 0 ||
        strncmp(path, "/vsi", 4) == 0)
        return ISR_OK;
    char *dbf = isr_strdup_printf("%.*s.dbf", (int)(n - 4), path), *DBF = NULL;
    int there = dbf && access(dbf, F_OK) == 0;
    if (dbf && !there && (DBF = isr_strdup_printf("%.*s.DBF", (int)(n - 4), path)))
        there = access(DBF, F_OK) == 0;
    isr_status st = there || !dbf ? ISR_OK
                                  : isr_fail(ctx, ISR_ERR_INPUT,
                                             "%s has no attributes: '%s' is missing beside the "
                                             ".shp (a shapefile is its .shp, .shx, .dbf and .prj "
                                             "together); copy it there",
                                             l->what, dbf);
    free(dbf);
    free(DBF);
    return st;
}

/* The size of file `stem`.`ext` (or its upper-case twin), opened for reading into *f;
 * -1 when neither is there. */
static long long shp_part(const char *stem, int n, const char *ext, const char *EXT, FILE **f)
{
    *f = NULL;
    for (int k = 0; k < 2 && !*f; k++) {
        char *p = isr_strdup_printf("%.*s.%s", n, stem, k ? EXT : ext);
        struct stat sb;
        if (p && stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && (*f = fopen(p, "rb")) != NULL) {
            free(p);
            return (long long)sb.st_size;
        }
        free(p);
    }
    return -1;
}

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* The records of a .shp (of `size` bytes on disk), by its records' headers, up to the
 * length its header declares (padding or unreferenced bytes after it are no records): -1
 * when the walk does not hold (a record past the end, a record number out of sequence),
 * and then nothing is said here (GDAL's read reports a .shp cut short). */
static long long shp_records(FILE *f, long long size)
{
    unsigned char h[8];
    if (fseek(f, 24, SEEK_SET) != 0 || fread(h, 1, 4, f) != 4)
        return -1;
    long long end = 2 * (long long)be32(h), off = 100, n = 0;
    if (end > size)
        return -1;
    while (off + 8 <= end) {
        if (fseeko(f, (off_t)off, SEEK_SET) != 0 || fread(h, 1, 8, f) != 8 ||
            be32(h) != (uint32_t)(n + 1))
            return -1;
        off += 8 + 2 * (long long)be32(h + 4);
        if (off > end)
            return -1;
        n++;
    }
    return n;
}

/* A shapefile whose .shp, .shx and .dbf disagree on how many features it has (an index or
 * table cut short, or copied from another version of the layer): GDAL reads as many as the
 * .shx (and .dbf) say and drops the rest without a word — counties, lines missing from the
 * run. Refused, with the three counts. */
static isr_status shp_counts(isr_ctx *ctx, const isr_layer *l, const char *path)
{
    size_t n = strlen(path);
    if (!layer_is_shp(l) || n < 4 || strcasecmp(path + n - 4, ".shp") != 0 ||
        strncmp(path, "/vsi", 4) == 0)
        return ISR_OK;
    FILE *fs, *fx, *fd;
    long long ss = shp_part(path, (int)n - 4, "shp", "SHP", &fs);
    long long xs = shp_part(path, (int)n - 4, "shx", "SHX", &fx);
    long long ds = shp_part(path, (int)n - 4, "dbf", "DBF", &fd);
    long long nshp = fs && ss >= 100 ? shp_records(fs, ss) : -1;
    long long nshx = fx && xs >= 100 ? (xs - 100) / 8 : -1, ndbf = -1;
    unsigned char hd[8];
    if (fd && ds >= 32 && fread(hd, 1, 8, fd) == 8)
        ndbf = (long long)((uint32_t)hd[4] | (uint32_t)hd[5] << 8 | (uint32_t)hd[6] << 16 |
                           (uint32_t)hd[7] << 24);
    if (fs)
        fclose(fs);
    if (fx)
        fclose(fx);
    if (fd)
        fclose(fd);
    if (nshp < 0 || ((nshx < 0 || nshx == nshp) && (ndbf < 0 || ndbf == nshp)))
        return ISR_OK; /* agreed, or not known here (GDAL says what it cannot read) */
    char x[32] = "none", d[32] = "none";
    if (nshx >= 0)
        snprintf(x, sizeof x, "%lld", nshx);
    if (ndbf >= 0)
        snprintf(d, sizeof d, "%lld", ndbf);
    return isr_fail(ctx, ISR_ERR_INPUT,
                    "%s: its files disagree on how many features it has: the .shp holds %lld "
                    "records, the .shx indexes %s and the .dbf %s (one cut short, or from "
                    "another version of the layer), and GDAL would read the fewer without a "
                    "word. Copy the layer's .shp, .shx and .dbf again, together",
                    l->what, nshp, x, d);
}

/* A projected CRS over coordinates that all lie within ±180, ±90: longitudes and latitudes
 * under a wrong .prj. The layer would sit within a few hundred metres of the CRS's origin
 * (UTM 33N: on the equator, 9°E), and the run would fail later with a hub "4,777 km outside
 * the grid" or give a region of one cell; said here, with the fix. */
static isr_status degrees_in_projected(isr_ctx *ctx, const isr_layer *l, OGRSpatialReferenceH srs)
{
    OGREnvelope e;
    if (!OSRIsProjected(srs) || OGR_L_GetExtent(l->lyr, &e, 1) != OGRERR_NONE)
        return ISR_OK;
    if (e.MinX < -180 || e.MaxX > 180 || e.MinY < -90 || e.MaxY > 90 ||
        (e.MaxX - e.MinX == 0 && e.MaxY - e.MinY == 0))
        return ISR_OK;
    return isr_fail(ctx, ISR_ERR_CRS,
                    "%s: its CRS '%s' is projected, but every coordinate lies within ±180, ±90 "
                    "(x %.6g to %.6g, y %.6g to %.6g), as longitudes and latitudes do: the CRS "
                    "(a shapefile's .prj) is likely wrong. If they are degrees, assign WGS 84: "
                    "ogr2ogr -a_srs EPSG:4326 fixed.gpkg INPUT",
                    l->what, OSRGetName(srs), e.MinX, e.MaxX, e.MinY, e.MaxY);
}

isr_status isr_vector_unopened(isr_ctx *ctx, const char *role, const char *path)
{
    /* GDAL says nothing when no driver recognises a path: say whether it is there */
    char who[96] = "";
    if (role)
        isr_snprintf(who, sizeof who, "%s ", role);
    struct stat sb;
    int local = strncmp(path, "/vsi", 4) != 0 && !strstr(path, "://") &&
                !(strchr(path, ':') && strchr(path, ':') > path + 1);
    if (local && stat(path, &sb) != 0)
        return isr_fail(ctx, ISR_ERR_INPUT, "%s'%s': cannot open it: %s", who, path,
                        strerror(errno));
    if (local && access(path, R_OK) != 0)
        return isr_fail(ctx, ISR_ERR_INPUT, "%s'%s': cannot read it: %s", who, path,
                        strerror(errno));
    /* a raster (a run's own GeoTIFF, say) is a readable file of the wrong kind: said so; else
     * the vector drivers' error is the one to quote, not the probe's */
    CPLErr etype = CPLGetLastErrorType();
    CPLErrorNum eno = CPLGetLastErrorNo();
    char *emsg = CPLStrdup(CPLGetLastErrorMsg());
    GDALDatasetH r = local ? GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL)
                           : NULL;
    CPLErrorSetState(etype, eno, emsg);
    CPLFree(emsg);
    if (r) {
        char drv[64];
        isr_snprintf(drv, sizeof drv, "%s", GDALGetDriverShortName(GDALGetDatasetDriver(r)));
        GDALClose(r);
        CPLErrorReset();
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s'%s': it is a raster (%s), not a vector source: give a vector layer "
                        "(shapefile, GeoPackage, GeoJSON…); gdalinfo describes a raster",
                        who, path, drv);
    }
    return isr_fail_gdal(ctx, ISR_ERR_INPUT,
                         "%s'%s': cannot open as a vector source (not a format GDAL reads, or "
                         "damaged)",
                         who, path);
}

/* Whether geometry type t is of the family of `want` (points, lines or polygons; multi,
 * curved and 3D forms too). */
static int same_family(OGRwkbGeometryType t, OGRwkbGeometryType want)
{
    OGRwkbGeometryType f = wkbFlatten(OGR_GT_GetLinear(t));
    switch (wkbFlatten(want)) {
    case wkbPoint: return f == wkbPoint || f == wkbMultiPoint;
    case wkbLineString: return f == wkbLineString || f == wkbMultiLineString;
    case wkbPolygon: return f == wkbPolygon || f == wkbMultiPolygon;
    default: return 0;
    }
}

OGRLayerH isr_layer_default(GDALDatasetH ds, OGRwkbGeometryType want, int *nmatch, char *names,
                            size_t n)
{
    int count = GDALDatasetGetLayerCount(ds), k = 0;
    OGRLayerH found = NULL;
    if (names && n)
        names[0] = '\0';
    for (int i = 0; count > 1 && i < count; i++) {
        OGRLayerH l = GDALDatasetGetLayer(ds, i);
        if (!l || !same_family(OGR_L_GetGeomType(l), want))
            continue;
        if (k++ == 0)
            found = l;
        if (names && strlen(names) + strlen(OGR_L_GetName(l)) + 8 < n)
            isr_snprintf(names + strlen(names), n - strlen(names), "%s'%s'", k > 1 ? ", " : "",
                         OGR_L_GetName(l));
    }
    if (nmatch)
        *nmatch = k;
    return k == 1 ? found : GDALDatasetGetLayer(ds, 0);
}

isr_status isr_layer_open_enc(isr_ctx *ctx, isr_layer *l, const char *role, const char *path,
                              const char *layer, OGRwkbGeometryType want, const char *encoding)
{
    memset(l, 0, sizeof *l);
    if (!path || !*path)
        return isr_fail(ctx, ISR_ERR_USAGE, "no %s input given", role);
    char *open_path = NULL;
    isr_status cst = isr_source_check(ctx, role, path, &open_path);
    if (cst != ISR_OK)
        return cst;
    CPLErrorReset();
    l->ds = isr_vector_open(open_path ? open_path : path, encoding);
    free(open_path);
    if (!l->ds)
        return isr_vector_unopened(ctx, role, path);
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
        /* several layers: the one of the wanted geometry (the first was read, and the copy of
         * the rail layers failed once every hub was done, or a wrong layer counted) */
        int nmatch = 0;
        char names[512];
        l->lyr = isr_layer_default(l->ds, want, &nmatch, names, sizeof names);
        if (!l->lyr) {
            isr_layer_close(l);
            return isr_fail(ctx, ISR_ERR_INPUT, "%s '%s': the source has no layer", role, path);
        }
        if (nmatch > 1) {
            isr_layer_close(l);
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "%s '%s' holds %d layers of %s (%s): name the one to read with "
                            "--%s-layer",
                            role, path, nmatch,
                            wkbFlatten(want) == wkbPoint ? "points"
                            : wkbFlatten(want) == wkbLineString ? "lines" : "polygons",
                            names, role);
        }
    }
    l->what = isr_strdup_printf("%s '%s' layer '%s'", role, path, OGR_L_GetName(l->lyr));
    l->text = calloc(1, sizeof *l->text);
    if (l->text)
        l->text->ctx = ctx;
    if (!l->what || !l->text) {
        isr_layer_close(l);
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    isr_status st = ISR_OK;
    OGRwkbGeometryType have = OGR_L_GetGeomType(l->lyr);
    /* a GeoPackage layer without a CRS (srs_id 0 or -1) is read by GDAL as a CRS named
     * "Undefined geographic SRS" / "Undefined Cartesian SRS": that is no CRS either */
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(l->lyr);
    const char *sname = srs ? OSRGetName(srs) : NULL;
    if (sname && (strcmp(sname, "Undefined geographic SRS") == 0 ||
                  strcmp(sname, "Undefined Cartesian SRS") == 0))
        srs = NULL;
    if (OGR_L_GetFeatureCount(l->lyr, 1) == 0)
        st = isr_fail(ctx, ISR_ERR_INPUT, "%s has no features", l->what);
    else if (OGR_FD_GetGeomFieldCount(OGR_L_GetLayerDefn(l->lyr)) == 0)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s has no geometry, only attributes: for a CSV of coordinates, name its "
                      "columns for GDAL (e.g. ogr2ogr -oo X_POSSIBLE_NAMES=x -oo "
                      "Y_POSSIBLE_NAMES=y -a_srs EPSG:4326 out.gpkg in.csv) and give that file",
                      l->what);
    else if (!srs)
        st = isr_fail(ctx, ISR_ERR_CRS,
                      "%s has no CRS (for a shapefile, the .prj file is missing): assign one, "
                      "e.g. with ogr2ogr -a_srs EPSG:4326",
                      l->what);
    else if (wkbFlatten(have) != wkbUnknown && !geom_matches(have, want))
        st = isr_fail(ctx, ISR_ERR_INPUT, "%s has %s, but %s must be %s", l->what,
                      geom_kind(have), role, geom_kind(want));
    else if ((st = no_dbf(ctx, l, path)) == ISR_OK && (st = shp_counts(ctx, l, path)) == ISR_OK)
        st = degrees_in_projected(ctx, l, srs);
    if (st != ISR_OK)
        isr_layer_close(l);
    return st;
}

void isr_layer_text_warn(isr_layer *l)
{
    isr_layer_text *t = l->text;
    if (!t || !t->nbad || t->said)
        return;
    isr_log(t->ctx, ISR_LOG_WARN,
            "%s: %d text value%s not valid UTF-8 (first: field '%s', feature %lld); the "
            "bad bytes were replaced with U+FFFD. Declare the source's encoding: %s",
            l->what, t->nbad, t->nbad == 1 ? " is" : "s are", t->field, t->fid,
            layer_is_shp(l) ? "add a .cpg file containing it (e.g. GBK) beside the .shp, or "
                              "pass --encoding GBK"
                            : "convert it to UTF-8, e.g. with ogr2ogr");
    t->said = 1; /* a later read of the same text (a hub's unit) is not said again */
}

void isr_layer_close(isr_layer *l)
{
    isr_layer_text *t = l->text;
    isr_layer_text_warn(l);
    if (t)
        free(t->field);
    free(t);
    if (l->ds)
        GDALClose(l->ds);
    free(l->what);
    memset(l, 0, sizeof *l);
}

char *isr_field_str(OGRFeatureH f, int i)
{
    const char *s =
        i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i) : "";
    return isr_utf8_clean(s, strlen(s), NULL);
}

char *isr_layer_str(const isr_layer *l, OGRFeatureH f, int i)
{
    const char *s =
        i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i) : "";
    int bad = 0;
    char *c = isr_utf8_clean(s, strlen(s), &bad);
    isr_layer_text *t = l->text;
    if (bad && t && t->nbad++ == 0) {
        t->fid = (long long)OGR_F_GetFID(f);
        t->field = strdup(OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, i)));
    }
    return c;
}

isr_status isr_layer_id_check(isr_ctx *ctx, const isr_layer *l, OGRFeatureH f, int i,
                              const char *flag, const char *value)
{
    if (!value || !strstr(value, "\xEF\xBF\xBD"))
        return ISR_OK;
    return isr_fail(ctx, ISR_ERR_INPUT,
                    "%s: feature %lld: field '%s' (%s) holds '%s', whose text is not valid "
                    "UTF-8 (shown as U+FFFD): values that differ would read the same and the "
                    "features they identify be merged. Declare the source's encoding: %s",
                    l->what, (long long)OGR_F_GetFID(f),
                    OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, i)), flag, value,
                    layer_is_shp(l) ? "add a .cpg file containing its name beside the .shp, "
                                      "or pass --encoding NAME (e.g. CP932 for Japanese, GBK "
                                      "for Chinese)"
                                    : "convert it to UTF-8, e.g. with ogr2ogr");
}

/* A feature whose geometry has arcs (a CurvePolygon, CompoundCurve…) with that geometry
 * made of straight edges, as ogr2ogr -nlt CONVERT_TO_LINEAR makes it (GDAL's default step
 * of 4° of arc, OGR_ARC_STEPSIZE): every reader then sees polygons and lines only. */
static OGRFeatureH linear(OGRFeatureH f)
{
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (g && OGR_GT_IsNonLinear(OGR_G_GetGeometryType(g))) {
        OGRGeometryH lin = OGR_G_GetLinearGeometry(g, 0, NULL);
        if (lin)
            OGR_F_SetGeometryDirectly(f, lin);
    }
    return f;
}

OGRFeatureH isr_layer_next(isr_ctx *ctx, const isr_layer *l, isr_status *st)
{
    CPLErrorReset();
    OGRFeatureH f = OGR_L_GetNextFeature(l->lyr);
    if (!f && CPLGetLastErrorType() == CE_Failure)
        *st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s: cannot read its features (a damaged file?)",
                            l->what);
    /* a feature whose geometry GDAL failed to read (a .shp cut short): the file's fault, not
     * a feature drawn without one */
    if (f && CPLGetLastErrorType() == CE_Failure && !OGR_F_GetGeometryRef(f) &&
        OGR_FD_GetGeomFieldCount(OGR_F_GetDefnRef(f)) > 0) {
        *st = isr_fail_gdal(ctx, ISR_ERR_INPUT,
                            "%s: feature %lld cannot be read: the file is damaged or cut short "
                            "(copy or export it again)",
                            l->what, (long long)OGR_F_GetFID(f));
        OGR_F_Destroy(f);
        f = NULL;
    }
    return f ? linear(f) : f;
}

/* A field that must be numeric but is not: the first value that is no number named (a text
 * field of numbers only is a type to convert). */
static isr_status not_numeric(isr_ctx *ctx, const isr_layer *l, const char *name, int idx,
                              OGRFieldType t)
{
    OGRFeatureH f;
    char *bad = NULL;
    long long fid = -1;
    OGR_L_ResetReading(l->lyr);
    while (!bad && (f = OGR_L_GetNextFeature(l->lyr)) != NULL) {
        const char *v = OGR_F_IsFieldSetAndNotNull(f, idx) ? OGR_F_GetFieldAsString(f, idx)
                                                           : NULL;
        while (v && (*v == ' ' || *v == '\t'))
            v++;
        if (v && *v) { /* an empty text is a value not known, as a null is */
            char *end;
            isr_strtod(v, &end);
            while (end && (*end == ' ' || *end == '\t'))
                end++;
            if (end == v || (end && *end)) {
                size_t n = strlen(v);
                if (n > 60) /* quoted in part, cut between characters */
                    for (n = 60; n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80; n--)
                        ;
                bad = isr_utf8_clean(v, n, NULL);
                fid = (long long)OGR_F_GetFID(f);
            }
        }
        OGR_F_Destroy(f);
    }
    OGR_L_ResetReading(l->lyr);
    isr_status st =
        bad ? isr_fail(ctx, ISR_ERR_INPUT,
                       "%s: field '%s' must be numeric but is %s: feature %lld holds '%s', "
                       "which is no number; fix the values (leave a value that is not known "
                       "empty)",
                       l->what, name, OGR_GetFieldTypeName(t), fid, bad)
            : isr_fail(ctx, ISR_ERR_INPUT,
                       "%s: field '%s' must be numeric but is %s, though its values are numbers "
                       "written as text: convert it, e.g. ogr2ogr -dialect SQLite -sql "
                       "\"SELECT *, CAST(NULLIF(TRIM(%s, ' ' || char(9)), '') AS REAL) AS %s_n "
                       "FROM ...\" "
                       "(an empty text becomes null, a value not known; a plain CAST would make "
                       "it 0), and name the new field",
                       l->what, name, OGR_GetFieldTypeName(t), name, name);
    free(bad);
    return st;
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
            return not_numeric(ctx, l, name, *idx, t);
    }
    return ISR_OK;
}

int isr_geom_nonfinite(OGRGeometryH g, double xy[2])
{
    for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
        if (isr_geom_nonfinite(OGR_G_GetGeometryRef(g, i), xy))
            return 1;
    for (int i = 0; i < OGR_G_GetPointCount(g); i++) {
        xy[0] = OGR_G_GetX(g, i);
        xy[1] = OGR_G_GetY(g, i);
        if (!isfinite(xy[0]) || !isfinite(xy[1]))
            return 1;
    }
    return 0;
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

/* The longest edge, in degrees, a geometry in a geographic CRS keeps (isr_layer_geom_to):
 * a chord of 0.05° along a parallel lies ρ·Δλ²/8 off it, 0.2 m at 70°N (ρ = 2180 km) and
 * 0.6 m at most (ρ = R); 0.01° had 25 times more vertices to add, validate and snap, and
 * made a mapped run of the sample 0.12 s slower. */
#define GEO_STEP_DEG 0.05

/* Longitude step from x0 to x1 the short way round (across the 180° meridian when shorter). */
static double lon_step(double x0, double x1)
{
    double dx = x1 - x0;
    return dx > 180.0 ? dx - 360.0 : dx < -180.0 ? dx + 360.0 : dx;
}

/* The pieces an edge is cut into: 1 for an edge on the 180° meridian, the seam of a polygon
 * split there (RFC 7946), which is straight in every CRS centred on it, and whose points
 * would come back from the CRS as -180 or 180 by the last bit, cutting the polygon apart. */
static int edge_pieces(double x0, double y0, double x1, double y1)
{
    if (fabs(x0) == 180.0 && fabs(x1) == 180.0)
        return 1;
    double d = fmax(fabs(lon_step(x0, x1)), fabs(y1 - y0));
    /* less a hair: 0.1 (121.15 - 121.05 = 0.10000000000000853) is two pieces, not three */
    return d > GEO_STEP_DEG ? (int)ceil(d / GEO_STEP_DEG - 1e-6) : 1;
}

/* Cuts each edge of a line string or ring (lon/lat) longer than GEO_STEP_DEG into equal
 * pieces, straight in longitude and latitude; an edge across the 180° meridian goes the short
 * way round. The vertices stay as they were. 0, or -1 when out of memory. */
static int densify_curve(OGRGeometryH c)
{
    int n = OGR_G_GetPointCount(c), z = OGR_G_CoordinateDimension(c) == 3;
    size_t total = n > 0 ? 1 : 0;
    for (int i = 1; i < n; i++)
        total += (size_t)edge_pieces(OGR_G_GetX(c, i - 1), OGR_G_GetY(c, i - 1), OGR_G_GetX(c, i),
                                     OGR_G_GetY(c, i));
    if (total <= (size_t)n)
        return 0;
    double *xyz = malloc(3 * total * sizeof *xyz);
    if (!xyz)
        return -1;
    double *xs = xyz, *ys = xyz + total, *zs = xyz + 2 * total;
    size_t m = 0;
    for (int i = 0; i < n; i++) {
        double x = OGR_G_GetX(c, i), y = OGR_G_GetY(c, i), h = OGR_G_GetZ(c, i);
        if (i > 0) {
            double x0 = xs[m - 1], y0 = ys[m - 1], h0 = zs[m - 1], dx = lon_step(x0, x);
            int k = edge_pieces(x0, y0, x, y);
            for (int j = 1; j < k; j++, m++) {
                double t = (double)j / k, xi = x0 + dx * t;
                xs[m] = xi > 180.0 ? xi - 360.0 : xi < -180.0 ? xi + 360.0 : xi;
                ys[m] = y0 + (y - y0) * t;
                zs[m] = h0 + (h - h0) * t;
            }
        }
        xs[m] = x;
        ys[m] = y;
        zs[m++] = h;
    }
    OGR_G_SetPoints(c, (int)m, xs, sizeof *xs, ys, sizeof *ys, z ? zs : NULL, sizeof *zs);
    free(xyz);
    return 0;
}

int isr_geom_densify_lonlat(OGRGeometryH g)
{
    int n = OGR_G_GetGeometryCount(g);
    for (int i = 0; i < n; i++)
        if (isr_geom_densify_lonlat(OGR_G_GetGeometryRef(g, i)) != 0)
            return -1;
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    return n == 0 && (t == wkbLineString || t == wkbLinearRing) ? densify_curve(g) : 0;
}

OGRErr isr_layer_geom_to(const isr_layer *l, OGRGeometryH g, OGRCoordinateTransformationH ct)
{
    OGRSpatialReferenceH s = OGR_L_GetSpatialRef(l->lyr);
    if (s && OSRIsGeographic(s) && isr_geom_densify_lonlat(g) != 0)
        return OGRERR_NOT_ENOUGH_MEMORY;
    return OGR_G_Transform(g, ct);
}

/* Whether a box in the layer's CRS maps to valid longitudes and latitudes. */
static int box_ok(OGRCoordinateTransformationH ct, const OGREnvelope *env, double ext[4])
{
    int ok = OCTTransformBounds(ct, env->MinX, env->MinY, env->MaxX, env->MaxY, &ext[0],
                                &ext[1], &ext[2], &ext[3], 21);
    return ok && ext[0] >= -180.0001 && ext[2] <= 180.0001 && ext[1] >= -90.0001 &&
           ext[3] <= 90.0001;
}

/* Longitudes of every vertex, as [-180, 180] and as [0, 360): a layer whose features cross
 * the 180° meridian (split at it, or running across it) has a narrow range in the second. */
static void lon_ranges(OGRGeometryH g, double r[4])
{
    int n = OGR_G_GetGeometryCount(g);
    if (n > 0) {
        for (int i = 0; i < n; i++)
            lon_ranges(OGR_G_GetGeometryRef(g, i), r);
        return;
    }
    for (int i = 0; i < OGR_G_GetPointCount(g); i++) {
        double x = OGR_G_GetX(g, i), x360 = x < 0 ? x + 360.0 : x;
        if (x < r[0]) r[0] = x;
        if (x > r[1]) r[1] = x;
        if (x360 < r[2]) r[2] = x360;
        if (x360 > r[3]) r[3] = x360;
    }
}

/* An extent wider than 180° of longitude may be a region across the 180° meridian: the
 * narrower of the two ways round its vertices is its extent (ext[2] > 180 then). */
static isr_status wrap_extent(isr_ctx *ctx, const isr_layer *l,
                              OGRCoordinateTransformationH ct, double ext[4])
{
    double r[4] = {1e9, -1e9, 1e9, -1e9};
    isr_status st = ISR_OK;
    OGRFeatureH f;
    OGR_L_ResetReading(l->lyr);
    while (st == ISR_OK && (f = isr_layer_next(ctx, l, &st)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        OGRGeometryH c = g && !OGR_G_IsEmpty(g) ? OGR_G_Clone(g) : NULL;
        if (c && OGR_G_Transform(c, ct) == OGRERR_NONE)
            lon_ranges(c, r);
        OGR_G_DestroyGeometry(c);
        OGR_F_Destroy(f);
    }
    OGR_L_ResetReading(l->lyr);
    if (st == ISR_OK && r[3] - r[2] < r[1] - r[0] && r[3] - r[2] < 180.0) {
        ext[0] = r[2] >= 180.0 ? r[2] - 360.0 : r[2];
        ext[2] = r[2] >= 180.0 ? r[3] - 360.0 : r[3];
    }
    return st;
}

/* The union of the features' lon/lat boxes of a layer in a projected CRS, into ext: far
 * tighter than the layer's box taken to lon/lat, whose corners may lie far from any feature
 * (UTM 34N data from 10° to 30°E: the box's top corner at 38°E, 69°N), and which the fitted
 * CRS and its scale check would then be fitted to. 0 when a feature's box does not map (the
 * caller keeps the layer's box). */
static int feature_boxes(const isr_layer *l, OGRCoordinateTransformationH ct, double ext[4])
{
    double u[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY}, fx[4];
    int ok = 1, any = 0;
    OGRFeatureH f;
    OGR_L_ResetReading(l->lyr);
    while (ok && (f = OGR_L_GetNextFeature(l->lyr)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        OGREnvelope fe;
        if (g && !OGR_G_IsEmpty(g)) {
            OGR_G_GetEnvelope(g, &fe);
            ok = box_ok(ct, &fe, fx) && fx[0] <= fx[2];
            for (int k = 0; ok && k < 2; k++) {
                u[k] = fx[k] < u[k] ? fx[k] : u[k];
                u[k + 2] = fx[k + 2] > u[k + 2] ? fx[k + 2] : u[k + 2];
            }
            any = 1;
        }
        OGR_F_Destroy(f);
    }
    OGR_L_ResetReading(l->lyr);
    if (ok && any)
        memcpy(ext, u, sizeof u);
    return ok && any;
}

/* A layer whose extent GDAL cannot compute: most often one whose features all lack a
 * geometry (a table exported without its shapes), said as such. */
static isr_status no_extent(isr_ctx *ctx, const isr_layer *l)
{
    long long n = 0, with = 0;
    OGRFeatureH f;
    OGR_L_ResetReading(l->lyr);
    while ((f = OGR_L_GetNextFeature(l->lyr)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        n++;
        with += g && !OGR_G_IsEmpty(g);
        OGR_F_Destroy(f);
    }
    OGR_L_ResetReading(l->lyr);
    if (n > 0 && with == 0)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s: no feature has a geometry (all %lld have none or an empty one): "
                        "is it the layer you meant? Give a layer whose features have their "
                        "shapes (an export of the attribute table alone has none)",
                        l->what, n);
    return isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s: cannot compute its extent", l->what);
}

isr_status isr_layer_extent_wgs84(isr_ctx *ctx, const isr_layer *l, double ext[4])
{
    OGREnvelope env;
    if (OGR_L_GetExtent(l->lyr, &env, 1) != OGRERR_NONE)
        return no_extent(ctx, l);
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
    double fx[4];
    if (st == ISR_OK && OSRIsProjected(OGR_L_GetSpatialRef(l->lyr)) && ext[0] <= ext[2] &&
        feature_boxes(l, ct, fx))
        memcpy(ext, fx, sizeof fx);
    /* GDAL returns xmin > xmax for a box it knows to cross the antimeridian */
    if (st == ISR_OK && ext[0] > ext[2])
        ext[2] += 360.0;
    else if (st == ISR_OK && ext[2] - ext[0] > 180.0)
        st = wrap_extent(ctx, l, ct, ext);
    if (st == ISR_OK && ext[2] > 180.0)
        isr_log(ctx, ISR_LOG_INFO,
                "%s crosses the 180° meridian (longitudes %.2f to %.2f): it is handled as one "
                "region across it",
                l->what, ext[0], ext[2] - 360.0);
    OCTDestroyCoordinateTransformation(ct);
    return st;
}
