/* Criterion suite for vector_io.c on a GeoPackage built in the test (OGR API, no ogr2ogr):
 *   stations: 2 points in EPSG:3857 at (10°E, 50°N) and (12°E, 51°N); fields id (String),
 *             pop (Integer)
 *   lines:    1 line in EPSG:4326
 *   empty:    points, no feature
 *   nocrs:    1 point, no CRS
 * Opening the first layer or one by name, the refusals with their exact messages, fields,
 * UTF-8 cleaning, transformation into another CRS and the WGS 84 extent. */
#include "internal.h"

#include <cpl_conv.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64], gpkg[96];

/* Web Mercator of (10°E, 50°N) and (12°E, 51°N): x = a λ, y = a ln tan(45° + φ/2) */
#define X10 1113194.908
#define Y50 6446275.841
#define X12 1335833.890
#define Y51 6621293.722

static OGRLayerH layer(GDALDatasetH ds, const char *name, int epsg, OGRwkbGeometryType t)
{
    OGRSpatialReferenceH s = NULL;
    if (epsg) {
        s = OSRNewSpatialReference(NULL);
        OSRImportFromEPSG(s, epsg);
    }
    OGRLayerH l = GDALDatasetCreateLayer(ds, name, s, t, NULL);
    cr_assert_not_null(l);
    if (s)
        OSRDestroySpatialReference(s);
    return l;
}

static void feature(OGRLayerH l, const char *wkt, const char *id, int pop)
{
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
    char *p = (char *)wkt;
    OGRGeometryH g = NULL;
    cr_assert_eq(OGR_G_CreateFromWkt(&p, NULL, &g), OGRERR_NONE);
    OGR_F_SetGeometryDirectly(f, g);
    if (id) {
        OGR_F_SetFieldString(f, 0, id);
        OGR_F_SetFieldInteger(f, 1, pop);
    }
    cr_assert_eq(OGR_L_CreateFeature(l, f), OGRERR_NONE);
    OGR_F_Destroy(f);
}

static void setup(void)
{
    GDALAllRegister();
    snprintf(dir, sizeof dir, "/tmp/isr_vio_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(gpkg, sizeof gpkg, "%s/net.gpkg", dir);
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GPKG"), gpkg, 0, 0, 0, GDT_Unknown, NULL);
    cr_assert_not_null(ds);
    OGRLayerH st = layer(ds, "stations", 3857, wkbPoint);
    OGRFieldDefnH fd = OGR_Fld_Create("id", OFTString);
    OGR_L_CreateField(st, fd, 1);
    OGR_Fld_Destroy(fd);
    fd = OGR_Fld_Create("pop", OFTInteger);
    OGR_L_CreateField(st, fd, 1);
    OGR_Fld_Destroy(fd);
    char wkt[128];
    snprintf(wkt, sizeof wkt, "POINT (%.3f %.3f)", X10, Y50);
    feature(st, wkt, "A", 10);
    snprintf(wkt, sizeof wkt, "POINT (%.3f %.3f)", X12, Y51);
    feature(st, wkt, "B", 20);
    feature(layer(ds, "lines", 4326, wkbLineString), "LINESTRING (10 50,12 51)", NULL, 0);
    layer(ds, "empty", 4326, wkbPoint);
    feature(layer(ds, "nocrs", 0, wkbPoint), "POINT (1 2)", NULL, 0);
    /* numbers written as text: "id" is "7", "pop" a String field of "12" */
    OGRLayerH tn = layer(ds, "textnum", 3857, wkbPoint);
    for (int i = 0; i < 2; i++) {
        fd = OGR_Fld_Create(i ? "pop" : "id", OFTString);
        OGR_L_CreateField(tn, fd, 1);
        OGR_Fld_Destroy(fd);
    }
    snprintf(wkt, sizeof wkt, "POINT (%.3f %.3f)", X10, Y50);
    feature(tn, wkt, "7", 12);
    for (int k = 0; k < 2; k++) { /* a text not known: empty, or blank (GeoPackage keeps it) */
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(tn));
        OGR_F_SetFieldString(f, 0, "8");
        OGR_F_SetFieldString(f, 1, k ? "  " : "");
        cr_assert_eq(OGR_L_CreateFeature(tn, f), OGRERR_NONE);
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
}

static void teardown(void)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(vector_io, .init = setup, .fini = teardown);

static char *msg(const char *fmt, const char *a)
{
    return isr_strdup_printf(fmt, a, a, a);
}

/* A source of several layers: by name; unnamed, the one layer of the wanted kind (the lines:
 * the only line layer, though not the first), or refused when several are of that kind (the
 * first was read whatever its kind). */
Test(vector_io, layer_by_name_or_by_its_kind)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_layer l;
    cr_assert_eq(isr_layer_open(ctx, &l, "stations", gpkg, "stations", wkbPoint), ISR_OK, "%s",
                 isr_ctx_errmsg(ctx));
    char *want = msg("stations '%s' layer 'stations'", gpkg);
    cr_assert_str_eq(l.what, want);
    free(want);
    cr_assert_eq(OGR_L_GetFeatureCount(l.lyr, 1), 2);
    isr_layer_close(&l);
    cr_assert_null(l.ds);
    cr_assert_eq(isr_layer_open(ctx, &l, "lines", gpkg, NULL, wkbLineString), ISR_OK);
    want = msg("lines '%s' layer 'lines'", gpkg);
    cr_assert_str_eq(l.what, want);
    free(want);
    isr_layer_close(&l);
    cr_assert_eq(isr_layer_open(ctx, &l, "stations", gpkg, NULL, wkbPoint), ISR_ERR_INPUT);
    want = msg("stations '%s' holds 4 layers of points ('stations', 'nocrs', 'textnum', "
               "'empty'): name the one to read with --stations-layer", /* GDAL's order */
               gpkg);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    cr_assert_null(l.ds);
    isr_ctx_free(ctx);
}


/* `path` opened as stations, quietly: refused as input, the message starting with `want`
 * (freed). */
static void open_refused(isr_ctx *ctx, const char *path, char *want)
{
    isr_layer l;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    cr_assert_eq(isr_layer_open(ctx, &l, "stations", path, NULL, wkbPoint), ISR_ERR_INPUT);
    CPLPopErrorHandler();
    cr_assert_eq(strncmp(isr_ctx_errmsg(ctx), want, strlen(want)), 0, "%s", isr_ctx_errmsg(ctx));
    free(want);
}

Test(vector_io, refusals_name_the_input)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_layer l;
    cr_assert_eq(isr_layer_open(ctx, &l, "stations", gpkg, "rail", wkbPoint), ISR_ERR_INPUT);
    /* the layers in the order GDAL lists them (the GeoPackage driver's own order) */
    GDALDatasetH ds = GDALOpenEx(gpkg, GDAL_OF_VECTOR, NULL, NULL, NULL);
    cr_assert_eq(GDALDatasetGetLayerCount(ds), 5);
    char *want = isr_strdup_printf("stations '%s': no layer named 'rail' (layers: %s, %s, %s, %s, %s)",
                                   gpkg, OGR_L_GetName(GDALDatasetGetLayer(ds, 0)),
                                   OGR_L_GetName(GDALDatasetGetLayer(ds, 1)),
                                   OGR_L_GetName(GDALDatasetGetLayer(ds, 2)),
                                   OGR_L_GetName(GDALDatasetGetLayer(ds, 3)),
                                   OGR_L_GetName(GDALDatasetGetLayer(ds, 4)));
    GDALClose(ds);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    cr_assert_null(l.ds);
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_layer_open(ctx, &l, "boundaries", gpkg, "stations", wkbPolygon),
                 ISR_ERR_INPUT);
    want = msg("boundaries '%s' layer 'stations' has points, but boundaries must be polygons",
               gpkg);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_layer_open(ctx, &l, "stations", gpkg, "empty", wkbPoint), ISR_ERR_INPUT);
    want = msg("stations '%s' layer 'empty' has no features", gpkg);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_layer_open(ctx, &l, "stations", gpkg, "nocrs", wkbPoint), ISR_ERR_CRS);
    want = msg("stations '%s' layer 'nocrs' has no CRS (for a shapefile, the .prj file is "
               "missing): assign one, e.g. with ogr2ogr -a_srs EPSG:4326",
               gpkg);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    isr_ctx_reset(ctx);
    char *missing = isr_strdup_printf("%s/none.gpkg", dir);
    cr_assert_eq(isr_layer_open(ctx, &l, "stations", missing, NULL, wkbPoint), ISR_ERR_INPUT);
    want = msg("stations '%s': cannot open it: No such file or directory", missing);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    isr_ctx_reset(ctx);
    /* a file GDAL does not read */
    FILE *f = fopen(missing, "w");
    fputs("not a vector\n", f);
    fclose(f);
    open_refused(ctx, missing,
                 msg("stations '%s': cannot open as a vector source (not a format GDAL reads, "
                     "or damaged)",
                     missing));
    /* a raster (a run's own GeoTIFF given to info, say): said to be one, not "damaged" */
    char *tif = isr_strdup_printf("%s/r.tif", dir);
    GDALDatasetH r = GDALCreate(GDALGetDriverByName("GTiff"), tif, 4, 4, 1, GDT_Byte, NULL);
    cr_assert_not_null(r);
    GDALClose(r);
    isr_ctx_reset(ctx);
    open_refused(ctx, tif,
                 msg("stations '%s': it is a raster (GTiff), not a vector source: give a vector "
                     "layer (shapefile, GeoPackage, GeoJSON…); gdalinfo describes a raster",
                     tif));
    free(tif);
    free(missing);
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_layer_open(ctx, &l, "stations", "", NULL, wkbPoint), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "no stations input given");
    isr_ctx_free(ctx);
}

Test(vector_io, fields)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_layer l;
    cr_assert_eq(isr_layer_open(ctx, &l, "stations", gpkg, "stations", wkbPoint), ISR_OK);
    int idx = -1;
    cr_assert_eq(isr_layer_field(ctx, &l, "pop", 1, &idx), ISR_OK);
    cr_assert_eq(idx, 1);
    cr_assert_eq(isr_layer_field(ctx, &l, "id", 0, &idx), ISR_OK);
    cr_assert_eq(idx, 0);
    cr_assert_eq(isr_layer_field(ctx, &l, "name", 0, &idx), ISR_ERR_INPUT);
    char *want = msg("stations '%s' layer 'stations' has no field 'name' (fields: id, pop)", gpkg);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_layer_field(ctx, &l, "id", 1, &idx), ISR_ERR_INPUT);
    want = msg("stations '%s' layer 'stations': field 'id' must be numeric but is String: "
               "feature 1 holds 'A', which is no number; fix the values (leave a value that is "
               "not known empty)",
               gpkg);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    isr_layer tn;
    cr_assert_eq(isr_layer_open(ctx, &tn, "stations", gpkg, "textnum", wkbPoint), ISR_OK);
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_layer_field(ctx, &tn, "pop", 1, &idx), ISR_ERR_INPUT);
    want = msg("stations '%s' layer 'textnum': field 'pop' must be numeric but is String, "
               "though its values are numbers written as text: convert it, e.g. ogr2ogr "
               "-dialect SQLite -sql \"SELECT *, CAST(NULLIF(TRIM(pop, ' ' || char(9)), '') AS "
               "REAL) AS pop_n FROM ...\" (an empty text becomes null, a value not known; a plain CAST would "
               "make it 0), and name the new field",
               gpkg);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    isr_layer_close(&tn);
    isr_ctx_reset(ctx);
    /* the features, read through isr_layer_next, fields as strings */
    isr_status st = ISR_OK;
    OGRFeatureH f = isr_layer_next(ctx, &l, &st);
    cr_assert_not_null(f);
    char *id = isr_field_str(f, 0), *pop = isr_layer_str(&l, f, 1), *none = isr_field_str(f, -1);
    cr_assert_str_eq(id, "A");
    cr_assert_str_eq(pop, "10");
    cr_assert_str_eq(none, "");
    free(id);
    free(pop);
    free(none);
    OGR_F_Destroy(f);
    f = isr_layer_next(ctx, &l, &st);
    OGR_F_Destroy(f);
    cr_assert_null(isr_layer_next(ctx, &l, &st));
    cr_assert_eq(st, ISR_OK);
    isr_layer_close(&l);
    cr_assert_eq(isr_ctx_nwarnings(ctx), 0); /* all text was UTF-8 */
    isr_ctx_free(ctx);
}

Test(vector_io, utf8_clean)
{
    struct {
        const char *in;
        size_t len;
        const char *out;
        int bad;
    } cases[] = {
        {"abc", 3, "abc", 0},
        {"北京", 6, "北京", 0},
        {"a\xFF" "b", 3, "a\xEF\xBF\xBD" "b", 1},
        {"\xC0\xAF", 2, "\xEF\xBF\xBD\xEF\xBF\xBD", 2},                  /* overlong '/' */
        {"\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 3}, /* a surrogate */
        {"x\xE5\x8C", 3, "x\xEF\xBF\xBD\xEF\xBF\xBD", 2},                /* cut short */
        {"a\0b", 3, "a\xEF\xBF\xBD" "b", 1},                              /* a NUL */
        {"\xB1\xB1\xBE\xA9", 4,                                           /* 北京 in GBK */
         "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int bad = -1;
        char *s = isr_utf8_clean(cases[i].in, cases[i].len, &bad);
        cr_assert_str_eq(s, cases[i].out, "case %zu", i);
        cr_assert_eq(bad, cases[i].bad, "case %zu: %d", i, bad);
        free(s);
    }
    char *s = isr_utf8_clean("ok", 2, NULL); /* nbad may be NULL */
    cr_assert_str_eq(s, "ok");
    free(s);
}

Test(vector_io, transformed_into_another_crs_and_wgs84_extent)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_layer l;
    cr_assert_eq(isr_layer_open(ctx, &l, "stations", gpkg, "stations", wkbPoint), ISR_OK);
    double ext[4];
    cr_assert_eq(isr_layer_extent_wgs84(ctx, &l, ext), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_float_eq(ext[0], 10.0, 1e-6);
    cr_assert_float_eq(ext[1], 50.0, 1e-6);
    cr_assert_float_eq(ext[2], 12.0, 1e-6);
    cr_assert_float_eq(ext[3], 51.0, 1e-6);
    /* into UTM 32N (central meridian 9°E): 10°E, 50°N is x = 571666.45, y = 5539109.82 */
    OGRSpatialReferenceH utm = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(utm, 32632);
    OSRSetAxisMappingStrategy(utm, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = isr_layer_transform_to(ctx, &l, utm);
    cr_assert_not_null(ct);
    double x = X10, y = Y50;
    cr_assert(OCTTransform(ct, 1, &x, &y, NULL));
    cr_assert_float_eq(x, 571666.45, 0.05);
    cr_assert_float_eq(y, 5539109.82, 0.05);
    OCTDestroyCoordinateTransformation(ct);
    isr_layer_close(&l);
    /* the 4326 layer: lon, lat in the data, whatever EPSG's axis order says */
    cr_assert_eq(isr_layer_open(ctx, &l, "lines", gpkg, "lines", wkbLineString), ISR_OK);
    cr_assert_eq(isr_layer_extent_wgs84(ctx, &l, ext), ISR_OK);
    cr_assert_float_eq(ext[0], 10.0, 1e-9);
    cr_assert_float_eq(ext[3], 51.0, 1e-9);
    ct = isr_layer_transform_to(ctx, &l, utm);
    x = 10, y = 50;
    cr_assert(OCTTransform(ct, 1, &x, &y, NULL));
    cr_assert_float_eq(x, 571666.45, 0.05);
    OCTDestroyCoordinateTransformation(ct);
    isr_layer_close(&l);
    OSRDestroySpatialReference(utm);
    isr_ctx_free(ctx);
}

Test(vector_io, extent_across_the_180th_meridian)
{
    /* points at 179°E and 179°W: one region 2° wide across the meridian, not 358° */
    char *path = isr_strdup_printf("%s/fiji.geojson", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"type\":\"FeatureCollection\",\"features\":["
          "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\","
          "\"coordinates\":[179,-17]}},"
          "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\","
          "\"coordinates\":[-179,-18]}}]}",
          f);
    fclose(f);
    isr_ctx *ctx = isr_ctx_new();
    isr_layer l;
    cr_assert_eq(isr_layer_open(ctx, &l, "stations", path, NULL, wkbPoint), ISR_OK, "%s",
                 isr_ctx_errmsg(ctx));
    double ext[4];
    cr_assert_eq(isr_layer_extent_wgs84(ctx, &l, ext), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_float_eq(ext[0], 179.0, 1e-9);
    cr_assert_float_eq(ext[2], 181.0, 1e-9);
    cr_assert_float_eq(ext[1], -18.0, 1e-9);
    cr_assert_float_eq(ext[3], -17.0, 1e-9);
    isr_layer_close(&l);
    isr_ctx_free(ctx);
    free(path);
}

/* A layer in UTM 34N whose two units lie at 10°E and 30°E, 60°N, far out of the zone: its
 * lon/lat extent is the features', 10°–30°E, 60°N, not the projected box's corners taken
 * to lon/lat (up to 38°E and 68°N), which the fitted CRS and its scale check would be
 * fitted to (the check said distances were off "at 68.8°N, 38.4°E", where there is no
 * data). */
Test(vector_io, extent_of_a_projected_layer_is_its_features)
{
    OGRSpatialReferenceH wgs = isr_crs_wgs84(), utm = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(utm, 32634);
    OSRSetAxisMappingStrategy(utm, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(wgs, utm);
    char *path = isr_strdup_printf("%s/utm34.gpkg", dir);
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GPKG"), path, 0, 0, 0, GDT_Unknown, NULL);
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, "units", utm, wkbPolygon, NULL);
    for (int k = 0; k < 2; k++) { /* a 0.01° square at each place */
        double lon = k ? 30 : 10, xs[4] = {lon, lon + 0.01, lon + 0.01, lon},
               ys[4] = {60, 60, 60.01, 60.01};
        OCTTransform(ct, 4, xs, ys, NULL);
        OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing), poly = OGR_G_CreateGeometry(wkbPolygon);
        for (int i = 0; i <= 4; i++)
            OGR_G_AddPoint_2D(ring, xs[i % 4], ys[i % 4]);
        OGR_G_AddGeometryDirectly(poly, ring);
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        OGR_F_SetGeometryDirectly(f, poly);
        cr_assert_eq(OGR_L_CreateFeature(lyr, f), OGRERR_NONE);
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(utm);
    OSRDestroySpatialReference(wgs);
    isr_ctx *ctx = isr_ctx_new();
    isr_layer l;
    cr_assert_eq(isr_layer_open(ctx, &l, "boundaries", path, NULL, wkbPolygon), ISR_OK, "%s",
                 isr_ctx_errmsg(ctx));
    double ext[4];
    cr_assert_eq(isr_layer_extent_wgs84(ctx, &l, ext), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_float_eq(ext[0], 10.0, 0.01, "west %f", ext[0]);
    cr_assert_float_eq(ext[2], 30.01, 0.01, "east %f", ext[2]);
    cr_assert_float_eq(ext[1], 60.0, 0.01, "south %f", ext[1]);
    cr_assert_float_eq(ext[3], 60.01, 0.01, "north %f", ext[3]);
    isr_layer_close(&l);
    isr_ctx_free(ctx);
    free(path);
}
