/* Criterion suite for geojson_text.c: the polygons' text isoreach writes in place of GDAL's
 * GeoJSON driver is the driver's, byte for byte: each coordinate against GDAL's own
 * formatting (ties at the 6th decimal, runs of 0s and 9s that GDAL rounds away, -0, western
 * longitudes), and whole files of random polygons in two CRSs (every winding, holes,
 * multipolygons, rings GDAL finds degenerate) written both ways. What it declines is
 * written by GDAL. */
#include "internal.h"
#include "unit_fixtures.h"

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <criterion/criterion.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdlib.h>
#include <string.h>

static isr_ctx *ctx;

static void setup(void) { ctx = isr_ctx_new(); }
static void teardown(void) { isr_ctx_free(ctx); }

TestSuite(geojson, .init = setup, .fini = teardown);

static double uniform(void) { return fx_uniform(); }

/* GDAL's text of coordinate v: a point exported at 6 decimals, its first number. */
static void gdal_coord(double v, char *out, size_t n)
{
    OGRGeometryH p = OGR_G_CreateGeometry(wkbPoint);
    OGR_G_SetPoint_2D(p, 0, v, 0);
    char *opt[] = {"COORDINATE_PRECISION=6", NULL};
    char *json = OGR_G_ExportToJsonEx(p, opt);
    const char *a = strstr(json, "[ ") + 2, *b = strstr(a, ", ");
    snprintf(out, n, "%.*s", (int)(b - a), a);
    CPLFree(json);
    OGR_G_DestroyGeometry(p);
}

static double a_coordinate(int i)
{
    double u = uniform(), v;
    switch (i % 8) {
    case 0: /* a tie at the 6th decimal, or beside one */
        v = floor(u * 46080) / 128 - 180 + (i % 16 == 0 ? 0 : (uniform() - 0.5) * 2e-9);
        break;
    case 1: /* x.xxxxx0000y and x.xxxxx9999y: GDAL's runs */
        v = round(u * 360 - 180) + (uniform() < 0.5 ? 1 : -1) * uniform() * 1.2e-6;
        break;
    case 2: /* tiny, either sign (-0.0 too) */
        v = (u - 0.5) * 4e-6 * (i % 3);
        break;
    case 3: /* lon/lat of 5 to 9 decimals */
    {
        double s = pow(10, 5 + i % 5);
        v = round((u * 360 - 180) * s) / s;
        break;
    }
    case 4: /* western and southern: the strings over 10 characters GDAL reworks */
        v = -100 - u * 80;
        break;
    default:
        v = u * 360 - 180;
    }
    return v;
}

Test(geojson, each_coordinate_is_written_as_gdal_writes_it)
{
    char ours[64], theirs[64];
    int ties = 0, reworked = 0;
    for (int i = 0; i < 60000; i++) {
        double v = a_coordinate(i);
        isr_geojson_coord(ours, v);
        gdal_coord(v, theirs, sizeof theirs);
        cr_assert_str_eq(ours, theirs, "%.17g: isoreach '%s', GDAL '%s'", v, ours, theirs);
        ties += fabs(v * 1e6 - floor(v * 1e6) - 0.5) < 1e-9;
        char full[64];
        snprintf(full, sizeof full, "%.6f", v);
        size_t n = strlen(full); /* GDAL reworks a run of 0s or 9s before the last digit */
        reworked += n > 10 && (strspn(full + n - 6, "0") == 5 || strspn(full + n - 6, "9") == 5);
    }
    cr_expect_gt(ties, 1000, "ties at the 6th decimal: %d", ties);
    cr_expect_gt(reworked, 20, "numbers GDAL reworks at a run of 0s or 9s: %d", reworked);
    /* a few by hand, as GDAL 3.6 writes them */
    static const struct {
        double v;
        const char *s;
    } known[] = {{0.0078125, "0.007812"}, {-0.0, "-0.0"}, {121.5, "121.5"},
                 {-121.000003, "-121.0"}, {-121.100003, "-121.100003"},
                 {-121.999997, "-122.0"}, {-179.9999996, "-180.0"},
                 {31.2000004, "31.2"}, {-100.0000004, "-100.0"}};
    for (size_t k = 0; k < sizeof known / sizeof *known; k++) {
        isr_geojson_coord(ours, known[k].v);
        cr_expect_str_eq(ours, known[k].s, "%.17g", known[k].v);
    }
}

/* A random ring round (cx, cy) of radius r (a star, so simple), n points, either winding. */
static OGRGeometryH a_ring(double cx, double cy, double r, int n, int ccw)
{
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    for (int i = 0; i < n; i++) {
        double a = 2 * M_PI * i / n * (ccw ? 1 : -1), d = r * (0.6 + 0.4 * uniform());
        OGR_G_AddPoint_2D(ring, cx + d * cos(a), cy + d * sin(a));
    }
    OGR_G_AddPoint_2D(ring, OGR_G_GetX(ring, 0), OGR_G_GetY(ring, 0));
    return ring;
}

static OGRGeometryH a_polygon(double cx, double cy, double r)
{
    OGRGeometryH p = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(p, a_ring(cx, cy, r, 4 + (int)(uniform() * 300), uniform() < 0.5));
    for (int h = 0; uniform() < 0.4 && h < 3; h++) /* holes, side by side inside */
        OGR_G_AddGeometryDirectly(p, a_ring(cx + (h - 1) * r * 0.3, cy, r * 0.1,
                                            4 + (int)(uniform() * 20), uniform() < 0.5));
    return p;
}

/* A feature's geometry k in CRS `lonlat` or metres: a polygon or a multipolygon, a few
 * of them with a doubled lowest vertex or flattened under GDAL's 1e-5. */
static OGRGeometryH a_geometry(int k, int lonlat)
{
    double cx = lonlat ? -179 + uniform() * 358 : 300000 + uniform() * 400000;
    double cy = lonlat ? -80 + uniform() * 160 : 1e6 + uniform() * 5e6;
    double r = lonlat ? 0.05 + uniform() : 1000 + uniform() * 50000;
    if (k % 17 == 5) { /* the lowest rightmost vertex twice */
        OGRGeometryH p = OGR_G_CreateGeometry(wkbPolygon), ring = OGR_G_CreateGeometry(wkbLinearRing);
        double xs[] = {cx, cx + r, cx + r, cx, cx}, ys[] = {cy + r, cy, cy, cy + r, cy + r};
        for (int i = 0; i < 5; i++)
            OGR_G_AddPoint_2D(ring, xs[i], ys[i] + (i == 3 ? r / 2 : 0));
        OGR_G_AddGeometryDirectly(p, ring);
        return p;
    }
    if (k % 3 != 0)
        return a_polygon(cx, cy, r);
    OGRGeometryH m = OGR_G_CreateGeometry(wkbMultiPolygon);
    for (int i = 0; i < 2 + k % 3; i++)
        OGR_G_AddGeometryDirectly(m, a_polygon(cx + i * 2.5 * r, cy, r));
    return m;
}

/* The file of n features written with the driver alone (fast 0) or through isr_geojson_add. */
static char *written(const char *wkt, int lonlat, int n, int fast, size_t *len)
{
    static const isr_geojson_field fields[] = {{"k", OFTInteger}, {"name", OFTString}};
    isr_geojson w;
    fx_seed(1234567);
    cr_assert_eq(isr_geojson_open(ctx, &w, "check.geojson", "check", wkt, fields, 2), ISR_OK);
    for (int k = 0; k < n; k++) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(w.lyr));
        OGR_F_SetFieldInteger(f, 0, k);
        OGR_F_SetFieldString(f, 1, k % 5 ? "a \"geometry\": null }" : "名前");
        cr_assert_eq(isr_geojson_set_geometry(&w, f, k % 11 == 4 ? NULL : a_geometry(k, lonlat)), 0);
        cr_assert_eq(fast ? isr_geojson_add(&w, f) : OGR_L_CreateFeature(w.lyr, f), 0);
        OGR_F_Destroy(f);
    }
    cr_assert_eq(w.nfast, fast ? n - (n + 6) / 11 : 0, "%d of %d features written fast", w.nfast, n);
    return isr_geojson_take(ctx, &w, len);
}

static void same_files(const char *wkt, int lonlat)
{
    size_t la = 0, lb = 0;
    char *a = written(wkt, lonlat, 300, 0, &la), *b = written(wkt, lonlat, 300, 1, &lb);
    cr_assert(a && b);
    size_t at = 0;
    while (at < la && at < lb && a[at] == b[at])
        at++;
    cr_assert(la == lb && at == la, "the files differ at byte %zu: GDAL '%.80s', isoreach '%.80s'",
              at, a + (at > 40 ? at - 40 : 0), b + (at > 40 ? at - 40 : 0));
    free(a);
    free(b);
}

Test(geojson, random_polygons_are_written_as_gdal_writes_them)
{
    cr_assert_eq(isr_geojson_fast_text(), 1, "the check against this GDAL failed");
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    char *wkt = NULL;
    OSRImportFromEPSG(s, 32633); /* UTM 33N: transformed to lon/lat on the way */
    OSRExportToWkt(s, &wkt);
    same_files(wkt, 0);
    CPLFree(wkt);
    OSRImportFromEPSG(s, 4326); /* lon/lat anywhere, western longitudes, near 180° */
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    OSRExportToWkt(s, &wkt);
    same_files(wkt, 1);
    CPLFree(wkt);
    OSRDestroySpatialReference(s);
}

Test(geojson, what_it_declines_is_written_by_gdal)
{
    isr_sb sb = {0};
    OGRGeometryH z = OGR_G_CreateGeometry(wkbPolygon25D), r = OGR_G_CreateGeometry(wkbLinearRing);
    double xs[] = {0, 1, 1, 0}, ys[] = {0, 0, 1, 0};
    for (int i = 0; i < 4; i++)
        OGR_G_AddPoint(r, xs[i], ys[i], 5);
    OGR_G_AddGeometry(z, r);
    cr_expect_eq(isr_geojson_polygons_text(z, &sb), -1, "a polygon with Z");
    OGRGeometryH far = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_SetPoint_2D(r, 1, 181, 0);
    OGR_G_AddGeometryDirectly(far, r);
    cr_expect_eq(isr_geojson_polygons_text(far, &sb), -1, "a longitude of 181");
    OGRGeometryH empty = OGR_G_CreateGeometry(wkbMultiPolygon);
    cr_expect_eq(isr_geojson_polygons_text(empty, &sb), -1, "an empty multipolygon");
    cr_expect_eq(sb.len, 0, "nothing is left of what was declined");
    /* through a writer: GDAL writes them, as it did */
    isr_geojson w;
    cr_assert_eq(isr_geojson_open(ctx, &w, "d.geojson", "d", SRS_WKT_WGS84_LAT_LONG, NULL, 0),
                 ISR_OK);
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(w.lyr));
    OGR_F_SetGeometryDirectly(f, z);
    cr_assert_eq(isr_geojson_add(&w, f), 0);
    OGR_F_Destroy(f);
    cr_expect_eq(w.nfast, 0);
    size_t len = 0;
    char *text = isr_geojson_take(ctx, &w, &len);
    cr_assert_not_null(strstr(text, "[ [ [ 0.0, 0.0, 5.0 ], [ 1.0, 0.0, 5.0 ]"), "%s", text);
    free(text);
    OGR_G_DestroyGeometry(far);
    OGR_G_DestroyGeometry(empty);
    free(sb.s);
}
