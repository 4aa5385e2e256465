/* Criterion suite for crs.c: the fitted Albers (standard parallels at 1/6 and 5/6 of the
 * latitude range, centred, across the 180° meridian), user CRSs, axis order of WGS 84, the
 * area-of-use check and the scale check (refusing a --crs with > 5 % distortion, warning
 * 1–5 % and non-equal-area CRSs, accepting an equal-area one). */
#include "internal.h"

#include <cpl_conv.h>
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

static void transform(OGRSpatialReferenceH from, OGRSpatialReferenceH to, double *x, double *y)
{
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(from, to);
    cr_assert_not_null(ct);
    cr_assert(OCTTransform(ct, 1, x, y, NULL));
    OCTDestroyCoordinateTransformation(ct);
}

static double parm(OGRSpatialReferenceH srs, const char *name)
{
    OGRErr err = OGRERR_NONE;
    double v = OSRGetProjParm(srs, name, -999, &err);
    cr_assert_eq(err, OGRERR_NONE, "%s", name);
    return v;
}

Test(crs, lon_normal)
{
    cr_assert_eq(isr_lon_normal(10), 10.0);
    cr_assert_eq(isr_lon_normal(190), -170.0);
    cr_assert_eq(isr_lon_normal(-190), 170.0);
    cr_assert_eq(isr_lon_normal(180), -180.0); /* [-180, 180) */
    cr_assert_eq(isr_lon_normal(-180), -180.0);
    cr_assert_eq(isr_lon_normal(540), -180.0);
    cr_assert_eq(isr_lon_normal(-360.5), -0.5);
}

Test(crs, fitted_albers_parameters)
{
    isr_ctx *ctx = isr_ctx_new();
    /* lat 30..42: 12° range, parallels at 30 + 2 and 42 - 2, origin at 36°N, 103°E */
    OGRSpatialReferenceH srs = isr_crs_fitted_albers(ctx, 100, 30, 106, 42);
    cr_assert_not_null(srs, "%s", isr_ctx_errmsg(ctx));
    cr_assert_str_eq(OSRGetName(srs), "isoreach fitted Albers equal-area");
    cr_assert_eq(isr_crs_is_equal_area(srs), 1);
    cr_assert_float_eq(parm(srs, SRS_PP_STANDARD_PARALLEL_1), 32.0, 1e-9);
    cr_assert_float_eq(parm(srs, SRS_PP_STANDARD_PARALLEL_2), 40.0, 1e-9);
    cr_assert_float_eq(parm(srs, SRS_PP_LATITUDE_OF_CENTER), 36.0, 1e-9);
    cr_assert_float_eq(parm(srs, SRS_PP_LONGITUDE_OF_CENTER), 103.0, 1e-9);
    /* the origin maps to (0,0); x grows east (traditional GIS order on both sides) */
    OGRSpatialReferenceH wgs = isr_crs_wgs84();
    double x = 103, y = 36;
    transform(wgs, srs, &x, &y);
    cr_assert_float_eq(x, 0.0, 1e-6);
    cr_assert_float_eq(y, 0.0, 1e-6);
    x = 104, y = 36;
    transform(wgs, srs, &x, &y);
    cr_assert_gt(x, 89000.0); /* about 1° × 111.3 km × cos 36° = 90 km east */
    cr_assert_lt(x, 91000.0);
    OSRDestroySpatialReference(wgs);
    OSRDestroySpatialReference(srs);
    isr_ctx_free(ctx);
}

/* A region centred on the equator (latitudes -3..3: parallels at -2 and 2, symmetric) opens
 * the Albers cone into a cylinder, which PROJ cannot build as an Albers (it refused the run of
 * such a region): the fitted CRS is then its limit, the cylindrical equal-area projection true
 * at 2°, and distances and areas over the region are right (a scale check within 0.1 %). Just
 * off symmetric (-3..3.02) it stays an Albers. */
Test(crs, fitted_crs_of_a_region_centred_on_the_equator)
{
    isr_ctx *ctx = isr_ctx_new();
    OGRSpatialReferenceH srs = isr_crs_fitted_albers(ctx, -80, -3, -77, 3);
    cr_assert_not_null(srs, "%s", isr_ctx_errmsg(ctx));
    cr_assert_str_eq(OSRGetName(srs), "isoreach fitted cylindrical equal-area");
    cr_assert_str_eq(OSRGetAttrValue(srs, "PROJECTION", 0), SRS_PT_CYLINDRICAL_EQUAL_AREA);
    cr_assert_eq(isr_crs_is_equal_area(srs), 1);
    cr_assert_float_eq(parm(srs, SRS_PP_STANDARD_PARALLEL_1), 2.0, 1e-9);
    cr_assert_float_eq(parm(srs, SRS_PP_CENTRAL_MERIDIAN), -78.5, 1e-9);
    /* 1° of longitude on the equator: 111.32 km × cos 2° (true at 2°, shorter nearer the
     * equator, as the Albers with parallels at ±2° would be), to the ellipsoid's 2 m */
    OGRSpatialReferenceH wgs = isr_crs_wgs84();
    double x0 = -78.5, y0 = 0, x1 = -77.5, y1 = 0;
    transform(wgs, srs, &x0, &y0);
    transform(wgs, srs, &x1, &y1);
    cr_assert_float_eq(x1 - x0, 111319.49 * cos(2 * 3.14159265358979 / 180), 2.0);
    const double ext[4] = {-80, -3, -77, 3};
    isr_crs_scale sc;
    cr_assert_eq(isr_crs_check_scale(ctx, srs, NULL, "the equator", ext, &sc), ISR_OK);
    cr_assert_lt(sc.max_linear_error, 0.001);
    cr_assert_lt(sc.max_area_error, 1e-6);
    cr_assert_eq(isr_ctx_nwarnings(ctx), 0);
    OSRDestroySpatialReference(srs);
    srs = isr_crs_fitted_albers(ctx, -80, -3, -77, 3.02);
    cr_assert_not_null(srs, "%s", isr_ctx_errmsg(ctx));
    cr_assert_str_eq(OSRGetName(srs), "isoreach fitted Albers equal-area");
    OSRDestroySpatialReference(srs);
    OSRDestroySpatialReference(wgs);
    isr_ctx_free(ctx);
}

/* A region round the South Pole (its extent reaches -90°): the Albers cone fitted to it
 * closed at the pole, distances off by 84 %, a station at 89.98° S put at the pole. The
 * fitted CRS is now the polar Lambert azimuthal equal-area, true there; the same for the
 * North Pole; a region within 10° of a pole but to one side of it gets one centred on
 * itself; a region 11° from a pole keeps its Albers. */
Test(crs, fitted_crs_of_a_region_round_a_pole)
{
    isr_ctx *ctx = isr_ctx_new();
    OGRSpatialReferenceH srs = isr_crs_fitted_albers(ctx, -180, -90, 180, -88.5);
    cr_assert_not_null(srs, "%s", isr_ctx_errmsg(ctx));
    cr_assert_str_eq(OSRGetName(srs), "isoreach fitted polar Lambert azimuthal equal-area");
    cr_assert_eq(isr_crs_is_equal_area(srs), 1);
    cr_assert_float_eq(parm(srs, SRS_PP_LATITUDE_OF_CENTER), -90.0, 1e-9);
    const double ext[4] = {-180, -90, 180, -88.5};
    isr_crs_scale sc;
    cr_assert_eq(isr_crs_check_scale(ctx, srs, NULL, "the pole", ext, &sc), ISR_OK);
    cr_assert_lt(sc.max_linear_error, 0.001);
    cr_assert_eq(isr_ctx_nwarnings(ctx), 0);
    /* a station 1.85 km from the pole stays there, not at the pole */
    OGRSpatialReferenceH wgs = isr_crs_wgs84();
    double x = 33.69, y = -89.983408;
    transform(wgs, srs, &x, &y);
    /* 0.016592° of a meridian at the pole (111.69 km a degree there): 1853 m */
    cr_assert_float_eq(hypot(x, y), 1853.2, 1.0, "%g m from the pole", hypot(x, y));
    OSRDestroySpatialReference(srs);
    srs = isr_crs_fitted_albers(ctx, 10, 80.5, 40, 84);
    cr_assert_str_eq(OSRGetName(srs), "isoreach fitted Lambert azimuthal equal-area");
    cr_assert_float_eq(parm(srs, SRS_PP_LATITUDE_OF_CENTER), 82.25, 1e-9);
    OSRDestroySpatialReference(srs);
    /* to one side of the North Pole all the way from 58° N (Norway with Svalbard, found by a
     * new-user pass): the polar projection was off by 4.0 % at 58° N, and rail times with
     * it; centred on the region, under 1 % */
    const double no[4] = {5, 58, 31, 81};
    srs = isr_crs_fitted_albers(ctx, no[0], no[1], no[2], no[3]);
    cr_assert_str_eq(OSRGetName(srs), "isoreach fitted Lambert azimuthal equal-area");
    cr_assert_eq(isr_crs_is_equal_area(srs), 1);
    cr_assert_eq(isr_crs_check_scale(ctx, srs, NULL, "Norway", no, &sc), ISR_OK);
    cr_assert_lt(sc.max_linear_error, 0.01, "%g", sc.max_linear_error);
    OSRDestroySpatialReference(srs);
    /* round the North Pole (every longitude): the polar projection */
    srs = isr_crs_fitted_albers(ctx, -180, 80.5, 180, 84);
    cr_assert_str_eq(OSRGetName(srs), "isoreach fitted polar Lambert azimuthal equal-area");
    cr_assert_float_eq(parm(srs, SRS_PP_LATITUDE_OF_CENTER), 90.0, 1e-9);
    OSRDestroySpatialReference(srs);
    srs = isr_crs_fitted_albers(ctx, 160, -79, 170, -75);
    cr_assert_str_eq(OSRGetName(srs), "isoreach fitted Albers equal-area");
    OSRDestroySpatialReference(srs);
    OSRDestroySpatialReference(wgs);
    isr_ctx_free(ctx);
}

Test(crs, fitted_albers_across_the_180th_meridian)
{
    isr_ctx *ctx = isr_ctx_new();
    /* Fiji, 170°E to 170°W written as 170..190: centred on the 180° meridian (-180) */
    OGRSpatialReferenceH srs = isr_crs_fitted_albers(ctx, 170, -20, 190, -14);
    cr_assert_not_null(srs);
    cr_assert_float_eq(fabs(parm(srs, SRS_PP_LONGITUDE_OF_CENTER)), 180.0, 1e-9);
    cr_assert_float_eq(parm(srs, SRS_PP_STANDARD_PARALLEL_1), -19.0, 1e-9);
    cr_assert_float_eq(parm(srs, SRS_PP_STANDARD_PARALLEL_2), -15.0, 1e-9);
    OGRSpatialReferenceH wgs = isr_crs_wgs84();
    double xw = 179, yw = -17, xe = -179, ye = -17;
    transform(wgs, srs, &xw, &yw);
    transform(wgs, srs, &xe, &ye);
    /* one degree either side of the meridian: ±106 km (111.3 km × cos 17°), not a world apart */
    cr_assert_float_eq(xw, -xe, 1e-6);
    cr_assert_gt(xe, 100000.0);
    cr_assert_lt(xe, 110000.0);
    OSRDestroySpatialReference(wgs);
    OSRDestroySpatialReference(srs);
    isr_ctx_free(ctx);
}

Test(crs, user_crs_and_wgs84_axis_order)
{
    isr_ctx *ctx = isr_ctx_new();
    cr_assert_null(isr_crs_from_user(ctx, "EPSG:4326"));
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "--crs 'EPSG:4326' is not a projected CRS: the grid needs metres (try an "
                     "equal-area CRS such as an Albers conic)");
    isr_ctx_reset(ctx);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    cr_assert_null(isr_crs_from_user(ctx, "no such crs"));
    CPLPopErrorHandler();
    const char *want = "--crs 'no such crs' is not a CRS GDAL/PROJ recognise";
    cr_assert_eq(strncmp(isr_ctx_errmsg(ctx), want, strlen(want)), 0, "%s", isr_ctx_errmsg(ctx));
    isr_ctx_reset(ctx);
    OGRSpatialReferenceH merc = isr_crs_from_user(ctx, "EPSG:3857");
    cr_assert_not_null(merc);
    /* EPSG:4326 is lat, lon by authority; ours takes lon, lat: (10°E, 50°N) →
     * x = 6378137 × 10° in radians = 1113194.908, y = 6378137 × ln tan(45° + 25°) = 6446275.841 */
    OGRSpatialReferenceH wgs = isr_crs_wgs84();
    double x = 10, y = 50;
    transform(wgs, merc, &x, &y);
    cr_assert_float_eq(x, 1113194.908, 1e-3);
    cr_assert_float_eq(y, 6446275.841, 1e-3);
    cr_assert_eq(isr_crs_is_equal_area(merc), 0);
    OSRDestroySpatialReference(wgs);
    OSRDestroySpatialReference(merc);
    isr_ctx_free(ctx);
}

/* A projected CRS in another unit than the metre is refused: the grid's cells, distances and
 * areas would be in feet or kilometres (250 "m" cells of 250 US feet, areas 10.76 times too
 * large); one in metres, the same projection, is taken. */
Test(crs, user_crs_in_feet_or_km_refused)
{
    isr_ctx *ctx = isr_ctx_new();
    static const struct {
        const char *def, *unit;
    } refused[] = {{"EPSG:2263", "US survey foot (0.3048006096 m)"}, /* NY Long Island, ftUS */
                   {"EPSG:2964", "US survey foot (0.3048006096 m)"}, /* Alaska Albers, ftUS */
                   {"+proj=laea +lat_0=-0.5 +lon_0=-78.5 +datum=WGS84 +units=ft",
                    "foot (0.3048 m)"},
                   {"+proj=aea +lat_1=29 +lat_2=33 +lon_0=120 +units=km", "kilometre (1000 m)"}};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        isr_ctx_reset(ctx);
        cr_assert_null(isr_crs_from_user(ctx, refused[i].def), "%s", refused[i].def);
        char want[400];
        snprintf(want, sizeof want, "--crs '%s' measures in %s, not metres", refused[i].def,
                 refused[i].unit);
        cr_assert_eq(strncmp(isr_ctx_errmsg(ctx), want, strlen(want)), 0, "%s", isr_ctx_errmsg(ctx));
        cr_assert_eq(isr_ctx_status(ctx), ISR_ERR_CRS);
    }
    isr_ctx_reset(ctx);
    OGRSpatialReferenceH m = isr_crs_from_user(ctx, "+proj=laea +lat_0=-0.5 +lon_0=-78.5 +datum=WGS84 +units=m");
    cr_assert_not_null(m, "%s", isr_ctx_errmsg(ctx));
    OSRDestroySpatialReference(m);
    isr_ctx_free(ctx);
}

/* A westing/southing CRS (South Africa's Lo zones: x grows westwards, y southwards) is
 * refused: the maps were drawn mirrored and upside down, the north arrow up (a new-user pass);
 * a polar CRS whose axes run "south along 45°E" and are named easting and northing, and a
 * northing/easting one, are taken. A definition pasted with blanks around it (gdalsrsinfo's
 * WKT and its first line break) is read. */
Test(crs, user_crs_westing_southing_refused_polar_and_pasted_taken)
{
    isr_ctx *ctx = isr_ctx_new();
    static const char *const refused[] = {"EPSG:2052", "EPSG:22275"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        isr_ctx_reset(ctx);
        cr_assert_null(isr_crs_from_user(ctx, refused[i]), "%s", refused[i]);
        char want[200];
        snprintf(want, sizeof want, "--crs '%s' has axes that point west or south", refused[i]);
        cr_assert_eq(strncmp(isr_ctx_errmsg(ctx), want, strlen(want)), 0, "%s",
                     isr_ctx_errmsg(ctx));
        cr_assert_eq(isr_ctx_status(ctx), ISR_ERR_CRS);
    }
    static const char *const taken[] = {"EPSG:3413", "EPSG:3031", "EPSG:5344", "EPSG:3035",
                                        "\n  EPSG:32651\n"};
    for (size_t i = 0; i < sizeof taken / sizeof *taken; i++) {
        isr_ctx_reset(ctx);
        OGRSpatialReferenceH srs = isr_crs_from_user(ctx, taken[i]);
        cr_assert_not_null(srs, "%s: %s", taken[i], isr_ctx_errmsg(ctx));
        OSRDestroySpatialReference(srs);
    }
    OGRSpatialReferenceH w = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(w, 32651);
    char *wkt = NULL, *pasted = NULL;
    OSRExportToPrettyWkt(w, &wkt, 0);
    cr_assert_not_null(pasted = isr_strdup_printf("\n%s\n", wkt));
    isr_ctx_reset(ctx);
    OGRSpatialReferenceH p = isr_crs_from_user(ctx, pasted);
    cr_assert_not_null(p, "%s", isr_ctx_errmsg(ctx));
    cr_assert(OSRIsSame(p, w));
    OSRDestroySpatialReference(p);
    OSRDestroySpatialReference(w);
    CPLFree(wkt);
    free(pasted);
    isr_ctx_free(ctx);
}

Test(crs, equal_area_detection)
{
    isr_ctx *ctx = isr_ctx_new();
    struct {
        const char *def;
        int ea;
    } cases[] = {{"EPSG:3035", 1},  /* ETRS89 / LAEA Europe */
                 {"EPSG:6933", 1},  /* WGS 84 / NSIDC EASE-Grid 2.0 Global (cylindrical EA) */
                 {"ESRI:54009", 1}, /* World Mollweide */
                 {"EPSG:32632", 0}, /* UTM 32N: conformal */
                 {"EPSG:3857", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        OGRSpatialReferenceH srs = isr_crs_from_user(ctx, cases[i].def);
        cr_assert_not_null(srs, "%s", cases[i].def);
        cr_assert_eq(isr_crs_is_equal_area(srs), cases[i].ea, "%s", cases[i].def);
        OSRDestroySpatialReference(srs);
    }
    isr_ctx_free(ctx);
}

Test(crs, area_of_use)
{
    isr_ctx *ctx = isr_ctx_new();
    OGRSpatialReferenceH utm = isr_crs_from_user(ctx, "EPSG:32632"); /* 6°E..12°E, 0..84°N */
    cr_assert_not_null(utm);
    const double inside[4] = {7, 45, 11, 50}, partly[4] = {10, 45, 14, 50},
                 away[4] = {100, 30, 110, 40};
    cr_assert_eq(isr_crs_check_area(ctx, utm, "EPSG:32632", "boundaries", inside), ISR_OK);
    cr_assert_eq(isr_ctx_nwarnings(ctx), 0);
    cr_assert_eq(isr_crs_check_area(ctx, utm, "EPSG:32632", "boundaries", partly), ISR_OK);
    cr_assert_eq(isr_ctx_nwarnings(ctx), 1);
    cr_assert_str_eq(isr_ctx_warning(ctx, 0),
                     "boundaries extends beyond the area of use of --crs 'EPSG:32632' "
                     "(longitudes 6 to 12, latitudes 0 to 84): distances and areas there are "
                     "distorted");
    cr_assert_eq(isr_crs_check_area(ctx, utm, "EPSG:32632", "boundaries", away), ISR_ERR_CRS);
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "--crs 'EPSG:32632' (WGS 84 / UTM zone 32N) is made for longitudes 6 to 12 "
                     "and latitudes 0 to 84, but boundaries lies at longitudes 100.00 to 110.00 "
                     "and latitudes 30.00 to 40.00: choose a CRS for the region, or leave out "
                     "--crs for a fitted equal-area one");
    /* a fitted CRS has no area of use: nothing to check */
    OGRSpatialReferenceH fit = isr_crs_fitted_albers(ctx, 100, 30, 110, 40);
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_crs_check_area(ctx, fit, "fitted", "boundaries", away), ISR_OK);
    cr_assert_eq(isr_ctx_nwarnings(ctx), 1);
    OSRDestroySpatialReference(fit);
    OSRDestroySpatialReference(utm);
    isr_ctx_free(ctx);
}

Test(crs, scale_refuses_web_mercator_at_60N)
{
    isr_ctx *ctx = isr_ctx_new();
    OGRSpatialReferenceH merc = isr_crs_from_user(ctx, "EPSG:3857");
    const double ext[4] = {20, 59, 30, 61};
    isr_crs_scale sc;
    cr_assert_eq(isr_crs_check_scale(ctx, merc, "EPSG:3857", "Finland", ext, &sc), ISR_ERR_CRS);
    cr_assert_eq(sc.checked, 1);
    /* Web Mercator's meridional scale on the ellipsoid at 61°N:
     * sec φ (1 − e² sin² φ)^1.5 / (1 − e²) = 2.0627 × 0.99233 / 0.99331 = 2.0606 */
    cr_assert_float_eq(sc.max_linear_error, 1.0606, 5e-4);
    const char *want = "--crs 'EPSG:3857': distances over Finland are off by up to 106.1 % "
                       "(scale factor 2.061 at 61.0°N, ";
    cr_assert_eq(strncmp(isr_ctx_errmsg(ctx), want, strlen(want)), 0, "%s", isr_ctx_errmsg(ctx));
    cr_assert_neq(strstr(isr_ctx_errmsg(ctx),
                         "and travel times would be wrong by as much: use an equal-area or "
                         "conformal CRS fitted to the region, or leave out --crs for a fitted "
                         "Albers equal-area one"),
                  NULL);
    OSRDestroySpatialReference(merc);
    isr_ctx_free(ctx);
}

Test(crs, scale_accepts_laea_europe)
{
    /* EPSG:3035 has northing, easting axes: its scale must still be checked (PROJ < 9.2's
     * proj_factors refused it, and the check was silently skipped) */
    isr_ctx *ctx = isr_ctx_new();
    OGRSpatialReferenceH laea = isr_crs_from_user(ctx, "EPSG:3035");
    const double ext[4] = {5, 45, 15, 55};
    isr_crs_scale sc;
    cr_assert_eq(isr_crs_check_scale(ctx, laea, "EPSG:3035", "Germany", ext, &sc), ISR_OK);
    cr_assert_eq(sc.checked, 1);
    /* LAEA centred at 52°N 10°E: at 800 km from the centre the scales are 1 ± (d/2R)²/2,
     * about 0.2 %; areas exact */
    cr_assert_gt(sc.max_linear_error, 1e-4);
    cr_assert_lt(sc.max_linear_error, 0.005);
    cr_assert_lt(sc.max_area_error, 1e-6);
    cr_assert_eq(isr_ctx_nwarnings(ctx), 0);
    /* far from Europe the same CRS is refused by its scale */
    const double china[4] = {100, 30, 110, 40};
    cr_assert_eq(isr_crs_check_scale(ctx, laea, "EPSG:3035", "China", china, &sc), ISR_ERR_CRS);
    cr_assert_gt(sc.max_linear_error, ISR_CRS_MAX_LINEAR_ERROR);
    OSRDestroySpatialReference(laea);
    isr_ctx_free(ctx);
}

Test(crs, scale_warns_utm_far_from_its_meridian)
{
    isr_ctx *ctx = isr_ctx_new();
    OGRSpatialReferenceH utm = isr_crs_from_user(ctx, "EPSG:32632"); /* central meridian 9°E */
    const double ext[4] = {9, 40, 21, 45};
    isr_crs_scale sc;
    cr_assert_eq(isr_crs_check_scale(ctx, utm, "EPSG:32632", "Balkans", ext, &sc), ISR_OK);
    /* 12° from the central meridian at 40°N: λ cos φ = 0.2094 × 0.7660 = 0.1604, so
     * k ≈ 0.9996 × (1 + 0.1604²/2 × (1 + η²)) = 1.0126; the area scale k² = 1.0253 */
    cr_assert_float_eq(sc.max_linear_error, 0.0126, 2e-4);
    cr_assert_float_eq(sc.max_area_error, 0.0253, 3e-4);
    cr_assert_eq(isr_ctx_nwarnings(ctx), 2);
    cr_assert_str_eq(isr_ctx_warning(ctx, 0),
                     "--crs 'EPSG:32632': distances over Balkans are off by up to 1.3 % (scale "
                     "factor 1.013 at 40.0°N, 21.0°E), and travel times there by as much");
    cr_assert_str_eq(isr_ctx_warning(ctx, 1),
                     "--crs 'EPSG:32632' is not an equal-area projection: cell areas over Balkans "
                     "are off by up to 2.5 % (area scale 1.025 at 40.0°N, 21.0°E), and so are the "
                     "areas and people reached");
    OSRDestroySpatialReference(utm);
    isr_ctx_free(ctx);
}

Test(crs, scale_of_the_fitted_crs_is_warned_not_refused)
{
    isr_ctx *ctx = isr_ctx_new();
    /* 60° of latitude is too much for one conic: warned, never refused (no --crs) */
    OGRSpatialReferenceH fit = isr_crs_fitted_albers(ctx, 0, 10, 20, 70);
    const double ext[4] = {0, 10, 20, 70};
    isr_crs_scale sc;
    cr_assert_eq(isr_crs_check_scale(ctx, fit, NULL, "the region", ext, &sc), ISR_OK);
    cr_assert_gt(sc.max_linear_error, ISR_CRS_MAX_LINEAR_ERROR);
    cr_assert_lt(sc.max_area_error, 1e-6); /* equal-area: no area warning */
    cr_assert_eq(isr_ctx_nwarnings(ctx), 1);
    const char *want = "the fitted Albers equal-area CRS: distances over the region are off by "
                       "up to 17.3 % (scale factor 1.173 at 70.0°N, ";
    cr_assert_eq(strncmp(isr_ctx_warning(ctx, 0), want, strlen(want)), 0, "%s",
                 isr_ctx_warning(ctx, 0));
    OSRDestroySpatialReference(fit);
    isr_ctx_free(ctx);
}

Test(crs, scale_refuses_a_crs_split_by_the_region)
{
    isr_ctx *ctx = isr_ctx_new();
    OGRSpatialReferenceH merc = isr_crs_from_user(ctx, "EPSG:3857");
    /* 170°E..170°W: lattice points every 2.5°; 177.5°E and 180° land 40,000 km apart, so the
     * seam is reported half-way, at 178.75°E, on the first row (20°S) */
    const double ext[4] = {170, -20, 190, -10};
    isr_crs_scale sc;
    cr_assert_eq(isr_crs_check_scale(ctx, merc, "EPSG:3857", "Fiji", ext, &sc), ISR_ERR_CRS);
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "--crs 'EPSG:3857' splits Fiji in two: the CRS has its edge (its own 180° "
                     "meridian) near 20.0°S, 178.8°E, inside the region, so the grid would span "
                     "the world: use a CRS centred on the region, or leave out --crs for a fitted "
                     "equal-area one");
    /* the fitted CRS across the meridian has no seam there */
    OGRSpatialReferenceH fit = isr_crs_fitted_albers(ctx, 170, -20, 190, -10);
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_crs_check_scale(ctx, fit, NULL, "Fiji", ext, &sc), ISR_OK);
    cr_assert_lt(sc.max_linear_error, ISR_CRS_WARN_LINEAR_ERROR);
    OSRDestroySpatialReference(fit);
    OSRDestroySpatialReference(merc);
    isr_ctx_free(ctx);
}

Test(crs, scale_of_a_crs_in_feet)
{
    /* NAD83 / New York Long Island (ftUS), a conformal conic with parallels 40°40' and 41°02':
     * over New York City its scale is within 1e-4 of 1. The unit is feet, the scale is not
     * (PROJ 9.1's proj_factors on the CRS gave 2.2e7, a refusal). --crs refuses it now
     * (user_crs_in_feet_or_km_refused): the check itself is still right for it */
    isr_ctx *ctx = isr_ctx_new();
    OGRSpatialReferenceH li = OSRNewSpatialReference(NULL);
    cr_assert_eq(OSRSetFromUserInput(li, "EPSG:2263"), OGRERR_NONE);
    OSRSetAxisMappingStrategy(li, OAMS_TRADITIONAL_GIS_ORDER);
    const double ext[4] = {-74.3, 40.5, -73.7, 41.0};
    isr_crs_scale sc;
    cr_assert_eq(isr_crs_check_scale(ctx, li, "EPSG:2263", "New York", ext, &sc), ISR_OK, "%s",
                 isr_ctx_errmsg(ctx));
    cr_assert_eq(sc.checked, 1);
    cr_assert_lt(sc.max_linear_error, 1e-3);
    cr_assert_eq(isr_ctx_nwarnings(ctx), 0);
    OSRDestroySpatialReference(li);
    isr_ctx_free(ctx);
}
