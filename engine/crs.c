/*
 * crs.c — choosing the analysis CRS.
 *
 * Area statistics must be computed in an equal-area CRS and distances along the grid
 * should be close to true, so by default the analysis CRS is an Albers equal-area conic
 * fitted to the data's latitude range (standard parallels at 1/6 and 5/6 of it, the
 * classic rule that keeps scale error smallest over the band), built with PROJ; for a
 * region that reaches within 10° of a pole, where the cone closes, a Lambert azimuthal
 * equal-area projection: polar for a region round the pole, else centred on the region. All OSR
 * handles use the traditional GIS axis order (x = easting/longitude) so transforms agree
 * with shapefiles and GeoJSON. A CRS the user names is checked against the data: data
 * wholly outside its area of use (a UTM zone on the other side of the globe) is refused,
 * because the grid, distances and areas there would be meaningless.
 */
#include "internal.h"

#include <cpl_conv.h>
#include <math.h>
#include <proj.h>
#include <proj_experimental.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* PROJ's own log (stderr by default) kept quiet for the contexts made here: their errors are
 * read from proj_errno and said by isoreach, so PROJ's line ("aea: Invalid latitude" for
 * each lattice point past a projection's domain) would only repeat them, unasked. */
static void proj_quiet(void *user, int level, const char *msg)
{
    (void)user;
    (void)level;
    (void)msg;
}

static PJ_CONTEXT *proj_context_quiet(void)
{
    PJ_CONTEXT *pc = proj_context_create();
    if (pc)
        proj_log_func(pc, NULL, proj_quiet);
    return pc;
}

#define ISR_PI 3.14159265358979323846

double isr_lon_normal(double lon)
{
    double l = fmod(lon + 180.0, 360.0);
    if (l < 0)
        l += 360.0;
    return l - 180.0;
}

OGRSpatialReferenceH isr_crs_fitted_albers(isr_ctx *ctx, double lon_min, double lat_min,
                                           double lon_max, double lat_max)
{
    double dlat = lat_max - lat_min;
    if (dlat < 1e-6)
        dlat = 1e-6;
    char def[512], p1[32], p2[32];
    isr_snprintf(p1, sizeof p1, "%.4f", lat_min + dlat / 6.0);
    isr_snprintf(p2, sizeof p2, "%.4f", lat_max - dlat / 6.0);
    const int near_pole = lat_max > ISR_CRS_POLAR_LAT || lat_min < -ISR_CRS_POLAR_LAT;
    /* round a pole: half the longitudes or more, or the pole itself */
    const int polar = !near_pole                                                    ? 0
                      : lon_max - lon_min < 180 && lat_max < 89.9 && lat_min > -89.9 ? 0
                      : lat_max > ISR_CRS_POLAR_LAT                                  ? 1
                                                                                     : -1;
    if (polar)
        /* a region round a pole: an Albers cone fitted to it closes at the pole (distances
         * off by 84 % on a region round the South Pole, and a station at 89.98° S drawn at
         * the pole); the polar azimuthal equal-area projection is true at the pole and off
         * by under 1 % 10° from it */
        isr_snprintf(def, sizeof def,
                     "+proj=laea +lat_0=%d +lon_0=%.4f +x_0=0 +y_0=0 +datum=WGS84 +units=m "
                     "+no_defs +type=crs",
                     90 * polar, isr_lon_normal((lon_min + lon_max) / 2.0));
    else if (near_pole)
        /* a region that reaches within 10° of a pole but lies to one side of it (Norway with
         * Svalbard, 58° to 81° N): the cone would close there, and the polar projection is
         * off by 4 % 32° from the pole; the azimuthal equal-area projection centred on the
         * region is off by under 1 % within 16° of its centre */
        isr_snprintf(def, sizeof def,
                     "+proj=laea +lat_0=%.4f +lon_0=%.4f +x_0=0 +y_0=0 +datum=WGS84 +units=m "
                     "+no_defs +type=crs",
                     (lat_min + lat_max) / 2.0, isr_lon_normal((lon_min + lon_max) / 2.0));
    else if (isr_strtod(p1, NULL) == -isr_strtod(p2, NULL))
        /* parallels symmetric about the equator (a region centred on it): the cone opens
         * into a cylinder, which PROJ's Albers cannot build; its limit is the cylindrical
         * equal-area projection true at the same parallels */
        isr_snprintf(def, sizeof def,
                     "+proj=cea +lat_ts=%s +lon_0=%.4f +x_0=0 +y_0=0 +datum=WGS84 +units=m "
                     "+no_defs +type=crs",
                     p2, isr_lon_normal((lon_min + lon_max) / 2.0));
    else
        isr_snprintf(def, sizeof def,
                     "+proj=aea +lat_1=%s +lat_2=%s +lat_0=%.4f +lon_0=%.4f +x_0=0 +y_0=0 "
                     "+datum=WGS84 +units=m +no_defs +type=crs",
                     p1, p2, (lat_min + lat_max) / 2.0,
                     isr_lon_normal((lon_min + lon_max) / 2.0));
    PJ_CONTEXT *pc = proj_context_quiet();
    PJ *crs = pc ? proj_create(pc, def) : NULL;
    const char *name = strncmp(def, "+proj=cea", 9) == 0
                           ? "isoreach fitted cylindrical equal-area"
                       : polar     ? "isoreach fitted polar Lambert azimuthal equal-area"
                       : near_pole ? "isoreach fitted Lambert azimuthal equal-area"
                                   : "isoreach fitted Albers equal-area";
    PJ *named = crs ? proj_alter_name(pc, crs, name) : NULL;
    const char *wkt = named ? proj_as_wkt(pc, named, PJ_WKT2_2019, NULL) : NULL;
    OGRSpatialReferenceH srs = NULL;
    if (wkt) {
        srs = OSRNewSpatialReference(NULL);
        if (OSRSetFromUserInput(srs, wkt) != OGRERR_NONE) {
            OSRDestroySpatialReference(srs);
            srs = NULL;
        } else {
            OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
        }
    }
    if (!srs)
        isr_fail(ctx, ISR_ERR_CRS, "PROJ could not build the analysis CRS '%s'", def);
    proj_destroy(named);
    proj_destroy(crs);
    proj_context_destroy(pc);
    return srs;
}

/* 1 when the first coordinate (in GIS order, as the grid reads it) grows westwards or the
 * second southwards: a westing/southing CRS. A polar CRS's axes, "south along 45°E" and
 * named easting and northing, are no such axes (its maps are drawn as any other). */
static int points_west_or_south(OGRSpatialReferenceH srs)
{
    int n = 0;
    const int *map = OSRGetDataAxisToSRSAxisMapping(srs, &n);
    for (int k = 0; map && k < n && k < 2; k++) {
        OGRAxisOrientation o = OAO_Other;
        int axis = map[k] < 0 ? -map[k] : map[k];
        const char *name = axis >= 1 ? OSRGetAxis(srs, "PROJCS", axis - 1, &o) : NULL;
        if (!name)
            continue;
        int flipped = map[k] < 0, west = o == (flipped ? OAO_East : OAO_West);
        int south = o == (flipped ? OAO_North : OAO_South) && strncasecmp(name, "north", 5) != 0;
        if ((k == 0 && west) || (k == 1 && south))
            return 1;
    }
    return 0;
}

OGRSpatialReferenceH isr_crs_from_user(isr_ctx *ctx, const char *def)
{
    /* blanks around it (gdalsrsinfo's WKT pasted with its first line break) are no part of
     * it: GDAL refuses a definition that begins with one */
    while (*def == ' ' || *def == '\t' || *def == '\n' || *def == '\r')
        def++;
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    if (OSRSetFromUserInput(srs, def) != OGRERR_NONE) {
        OSRDestroySpatialReference(srs);
        isr_fail_gdal(ctx, ISR_ERR_CRS, "--crs '%s' is not a CRS GDAL/PROJ recognise", def);
        return NULL;
    }
    if (!OSRIsProjected(srs)) {
        OSRDestroySpatialReference(srs);
        isr_fail(ctx, ISR_ERR_CRS,
                 "--crs '%s' is not a projected CRS: the grid needs metres (try an equal-area "
                 "CRS such as an Albers conic)",
                 def);
        return NULL;
    }
    /* the grid's cell size, every distance and area is in the CRS's unit: metres only (a
     * foot or a kilometre would make 250 m cells of 250 feet and areas in square feet) */
    char *unit = NULL;
    double to_m = OSRGetLinearUnits(srs, &unit);
    if (fabs(to_m - 1.0) > 1e-12) {
        isr_fail(ctx, ISR_ERR_CRS,
                 "--crs '%s' measures in %s (%.10g m), not metres: --resolution, distances "
                 "and areas are read in the CRS's unit. Give the CRS in metres (e.g. the same "
                 "projection with +units=m, or a UTM zone), or leave --crs out for an "
                 "equal-area conic fitted to the boundaries",
                 def, unit && *unit ? unit : "an unnamed unit", to_m);
        OSRDestroySpatialReference(srs);
        return NULL;
    }
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    if (points_west_or_south(srs)) {
        isr_fail(ctx, ISR_ERR_CRS,
                 "--crs '%s' has axes that point west or south (a 'westing/southing' CRS, as "
                 "South Africa's Lo zones): the grid, the rasters and the maps are laid out "
                 "east and north, and would be drawn mirrored. Give a CRS whose axes point east "
                 "and north (e.g. the UTM zone of the region), or leave --crs out for an "
                 "equal-area conic fitted to the boundaries",
                 def);
        OSRDestroySpatialReference(srs);
        return NULL;
    }
    return srs;
}

OGRSpatialReferenceH isr_crs_wgs84(void)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4326);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

OGRCoordinateTransformationH isr_ct_to_wgs84(const char *wkt)
{
    OGRSpatialReferenceH srs = wkt ? OSRNewSpatialReference(wkt) : NULL, wgs = isr_crs_wgs84();
    if (srs)
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = srs && wgs ? OCTNewCoordinateTransformation(srs, wgs) : NULL;
    if (srs)
        OSRDestroySpatialReference(srs);
    if (wgs)
        OSRDestroySpatialReference(wgs);
    return ct;
}

int isr_crs_is_equal_area(OGRSpatialReferenceH srs)
{
    static const char *const equal_area[] = {
        SRS_PT_ALBERS_CONIC_EQUAL_AREA, SRS_PT_LAMBERT_AZIMUTHAL_EQUAL_AREA,
        SRS_PT_CYLINDRICAL_EQUAL_AREA,  SRS_PT_MOLLWEIDE,
        SRS_PT_SINUSOIDAL,              SRS_PT_ECKERT_IV,
        SRS_PT_ECKERT_VI,               "Equal_Earth"};
    const char *proj = OSRGetAttrValue(srs, "PROJECTION", 0);
    if (!proj)
        return 0;
    for (size_t i = 0; i < sizeof equal_area / sizeof *equal_area; i++)
        if (strcmp(proj, equal_area[i]) == 0)
            return 1;
    return 0;
}

/* Whether [a0,a1] overlaps the longitude range [w,e] (which may cross the antimeridian),
 * and whether it lies within it. */

static void lon_overlap(double a0, double a1, double w, double e, int *overlaps, int *within)
{
    if (w <= e) {
        *overlaps = a1 >= w && a0 <= e;
        *within = a0 >= w && a1 <= e;
    } else {
        *overlaps = a1 >= w || a0 <= e;
        *within = a0 >= w || a1 <= e;
    }
}

isr_status isr_crs_check_area(isr_ctx *ctx, OGRSpatialReferenceH srs, const char *def,
                              const char *what, const double ext[4])
{
    double w, s, e, n;
    const char *area = NULL;
    if (!OSRGetAreaOfUse(srs, &w, &s, &e, &n, &area) || w == -1000.0)
        return ISR_OK; /* no area of use known (a PROJ string, a fitted CRS) */
    int lon_over, lon_in;
    if (ext[2] > 180.0) { /* the data cross the 180° meridian: check both sides */
        int o1, i1, o2, i2;
        lon_overlap(ext[0], 180.0, w, e, &o1, &i1);
        lon_overlap(-180.0, ext[2] - 360.0, w, e, &o2, &i2);
        lon_over = o1 || o2;
        lon_in = i1 && i2;
    } else {
        lon_overlap(ext[0], ext[2], w, e, &lon_over, &lon_in);
    }
    int lat_over = ext[3] >= s && ext[1] <= n, lat_in = ext[1] >= s && ext[3] <= n;
    const char *name = OSRGetName(srs);
    if (!lon_over || !lat_over)
        return isr_fail(ctx, ISR_ERR_CRS,
                        "--crs '%s' (%s) is made for longitudes %g to %g and latitudes %g to %g, "
                        "but %s lies at longitudes %.2f to %.2f and latitudes %.2f to %.2f: "
                        "choose a CRS for the region, or leave out --crs for a fitted "
                        "equal-area one",
                        def, name ? name : "unnamed", w, e, s, n, what, ext[0],
                        isr_lon_normal(ext[2]), ext[1],
                        ext[3]);
    if (!lon_in || !lat_in)
        isr_log(ctx, ISR_LOG_WARN,
                "%s extends beyond the area of use of --crs '%s' (longitudes %g to %g, "
                "latitudes %g to %g): distances and areas there are distorted",
                what, def, w, e, s, n);
    return ISR_OK;
}

/* "70.0°N, 25.0°E" */
static void fmt_lonlat(char *buf, size_t len, double lon, double lat)
{
    lon = isr_lon_normal(lon);
    isr_snprintf(buf, len, "%.1f°%c, %.1f°%c", fabs(lat), lat < 0 ? 'S' : 'N', fabs(lon),
             lon < 0 ? 'W' : 'E');
}

/* Great-circle distance in metres on the mean sphere: a yardstick for the seam check. */
static double sphere_m(double lon1, double lat1, double lon2, double lat2)
{
    const double d2r = ISR_PI / 180.0, r = 6371008.8;
    double a = sin((lat2 - lat1) * d2r / 2), b = sin((lon2 - lon1) * d2r / 2);
    double h = a * a + cos(lat1 * d2r) * cos(lat2 * d2r) * b * b;
    return 2 * r * asin(sqrt(fmin(1.0, h)));
}

#define LATTICE 9

/* The projection of a projected CRS as a plain PROJ operation from longitude, latitude in
 * radians to easting, northing in metres, built once, for proj_factors(); NULL when it is not
 * one simple step (the caller then passes the CRS itself). proj_factors() on a CRS (PROJ 9.1)
 * builds that operation again at every call, about 50 ms each, 4 s for the 81 points of the
 * lattice; and it fails on northing, easting axes (EPSG:3035: never checked) and returns
 * feet-per-metre nonsense for a CRS in feet (EPSG:2263 refused as 2e9 % off). */
static PJ *factors_pj(PJ_CONTEXT *pc, const PJ *crs)
{
    PJ *datum = proj_crs_get_datum_forced(pc, crs);
    PJ *ecs = proj_create_ellipsoidal_2D_cs(pc, PJ_ELLPS2D_LONGITUDE_LATITUDE, "Radian", 1.0);
    PJ *geog = datum && ecs ? proj_create_geographic_crs_from_datum(pc, "geog", datum, ecs) : NULL;
    PJ *conv = proj_crs_get_coordoperation(pc, crs);
    PJ *ccs = proj_create_cartesian_2D_cs(pc, PJ_CART2D_EASTING_NORTHING, "metre", 1.0);
    PJ *en = geog && conv && ccs ? proj_create_projected_crs(pc, "en", geog, conv, ccs) : NULL;
    PJ *op = en ? proj_crs_get_coordoperation(pc, en) : NULL;
    const char *def = op ? proj_as_proj_string(pc, op, PJ_PROJ_5, NULL) : NULL;
    /* "+proj=pipeline +step +proj=unitconvert +xy_in=rad +xy_out=rad +step +proj=utm …": the
     * first step does nothing, the second is the projection */
    static const char noop[] =
        "+proj=pipeline +step +proj=unitconvert +xy_in=rad +xy_out=rad +step ";
    PJ *fac = NULL;
    if (def && strncmp(def, noop, sizeof noop - 1) == 0 && !strstr(def + sizeof noop - 1, "+step"))
        fac = proj_create(pc, def + sizeof noop - 1);
    else if (def && strncmp(def, "+proj=pipeline", 14) != 0)
        fac = proj_create(pc, def);
    proj_destroy(op);
    proj_destroy(en);
    proj_destroy(ccs);
    proj_destroy(conv);
    proj_destroy(geog);
    proj_destroy(ecs);
    proj_destroy(datum);
    return fac;
}

/* The worst scale errors found on the lattice, where they are, and the first seam. */
typedef struct scale_scan {
    double lin_lon, lin_lat, lin_scale, area_lon, area_lat, area_scale;
    double seam_lon, seam_lat; /* seam_lon NAN: no seam */
    int n;                     /* lattice points whose scale factors PROJ gave */
} scale_scan;

/* The scale factors of crs at (lon, lat), kept when they are the worst so far. */
static void scale_at(PJ *crs, double lon, double lat, isr_crs_scale *out, scale_scan *sc)
{
    PJ_COORD c = proj_coord(isr_lon_normal(lon) * ISR_PI / 180.0, lat * ISR_PI / 180.0, 0, 0);
    proj_errno_reset(crs);
    PJ_FACTORS f = proj_factors(crs, c);
    if (proj_errno(crs) != 0 || !(f.meridional_scale > 0) || !(f.parallel_scale > 0))
        return;
    sc->n++;
    double s[2] = {f.meridional_scale, f.parallel_scale};
    for (int k = 0; k < 2; k++)
        if (fabs(s[k] - 1) > out->max_linear_error) {
            out->max_linear_error = fabs(s[k] - 1);
            sc->lin_scale = s[k];
            sc->lin_lon = lon;
            sc->lin_lat = lat;
        }
    if (fabs(f.areal_scale - 1) > out->max_area_error) {
        out->max_area_error = fabs(f.areal_scale - 1);
        sc->area_scale = f.areal_scale;
        sc->area_lon = lon;
        sc->area_lat = lat;
    }
}

/* Scale factors on a LATTICE × LATTICE lattice over ext (lon/lat), and the first seam (the
 * CRS's own 180° meridian) inside the region: neighbouring lattice points that land far
 * apart through ct (WGS 84 → the CRS). */
static void scan_lattice(PJ *crs, OGRCoordinateTransformationH ct, const double ext[4],
                         isr_crs_scale *out, scale_scan *sc)
{
    for (int j = 0; j < LATTICE; j++) {
        double lat = ext[1] + (ext[3] - ext[1]) * j / (LATTICE - 1.0);
        double px = NAN, py = NAN, plon = 0;
        for (int i = 0; i < LATTICE; i++) {
            double lon = ext[0] + (ext[2] - ext[0]) * i / (LATTICE - 1.0);
            scale_at(crs, lon, lat, out, sc);
            double x = isr_lon_normal(lon), y = lat;
            if (ct && OCTTransform(ct, 1, &x, &y, NULL)) {
                if (i > 0 && isfinite(px) && isnan(sc->seam_lon)) {
                    double dg = sphere_m(plon, lat, lon, lat);
                    if (hypot(x - px, y - py) > 10.0 * dg + 1000.0) {
                        sc->seam_lon = (plon + lon) / 2;
                        sc->seam_lat = lat;
                    }
                }
                px = x;
                py = y;
            } else {
                px = NAN;
            }
            plon = lon;
        }
    }
}

/* Says what the scan found: an info line always; refuses a seam or too large an error in a
 * CRS the user named (def), warns about large errors otherwise. */
static isr_status report_scale(isr_ctx *ctx, OGRSpatialReferenceH srs, const char *def,
                               const char *what, const isr_crs_scale *out, const scale_scan *sc)
{
    char at[64], area_at[64];
    fmt_lonlat(at, sizeof at, sc->lin_lon, sc->lin_lat);
    fmt_lonlat(area_at, sizeof area_at, sc->area_lon, sc->area_lat);
    /* the fitted CRS's name: "isoreach fitted Albers equal-area" (or cylindrical) */
    const char *name = def ? def : OSRGetName(srs), *kind = "equal-area";
    if (!name)
        name = "the analysis CRS";
    else if (strncmp(name, "isoreach fitted ", 16) == 0)
        kind = name + 16;
    isr_log(ctx, ISR_LOG_INFO,
            "analysis CRS '%s' over %s: distances off by up to %.2f %% (scale %.4f at %s), "
            "areas by up to %.2f %%",
            name, what, 100 * out->max_linear_error, sc->lin_scale, at, 100 * out->max_area_error);
    if (!isnan(sc->seam_lon) && def) {
        char s_at[64];
        fmt_lonlat(s_at, sizeof s_at, sc->seam_lon, sc->seam_lat);
        return isr_fail(ctx, ISR_ERR_CRS,
                        "--crs '%s' splits %s in two: the CRS has its edge (its own 180° "
                        "meridian) near %s, inside the region, so the grid would span the "
                        "world: use a CRS centred on the region, or leave out --crs for a "
                        "fitted equal-area one",
                        def, what, s_at);
    }
    if (def && out->max_linear_error > ISR_CRS_MAX_LINEAR_ERROR)
        return isr_fail(ctx, ISR_ERR_CRS,
                        "--crs '%s': distances over %s are off by up to %.1f %% (scale factor "
                        "%.3f at %s), and travel times would be wrong by as much: use an "
                        "equal-area or conformal CRS fitted to the region, or leave out --crs "
                        "for a fitted Albers equal-area one",
                        def, what, 100 * out->max_linear_error, sc->lin_scale, at);
    if (out->max_linear_error > ISR_CRS_WARN_LINEAR_ERROR)
        isr_log(ctx, ISR_LOG_WARN,
                "%s%s%s: distances over %s are off by up to %.1f %% (scale factor %.3f at %s), "
                "and travel times there by as much",
                def ? "--crs '" : "the fitted ", def ? def : kind, def ? "'" : " CRS", what,
                100 * out->max_linear_error, sc->lin_scale, at);
    /* below 1 % the error is smaller than counting cells by their centre: the info line
     * above says it */
    if (!isr_crs_is_equal_area(srs) && out->max_area_error > ISR_CRS_WARN_LINEAR_ERROR)
        isr_log(ctx, ISR_LOG_WARN,
                "--crs '%s' is not an equal-area projection: cell areas over %s are off by up "
                "to %.1f %% (area scale %.3f at %s), and so are the areas and people reached",
                name, what, 100 * out->max_area_error, sc->area_scale, area_at);
    return ISR_OK;
}

isr_status isr_crs_check_scale(isr_ctx *ctx, OGRSpatialReferenceH srs, const char *def,
                               const char *what, const double ext[4], isr_crs_scale *out)
{
    memset(out, 0, sizeof *out);
    out->checked = 0;
    char *wkt = NULL;
    const char *const wkt_opts[] = {"FORMAT=WKT2_2019", NULL};
    if (OSRExportToWktEx(srs, &wkt, wkt_opts) != OGRERR_NONE) {
        CPLFree(wkt);
        return ISR_OK;
    }
    PJ_CONTEXT *pc = proj_context_quiet();
    PJ *crs = pc ? proj_create(pc, wkt) : NULL;
    CPLFree(wkt);
    if (crs && proj_get_type(crs) == PJ_TYPE_BOUND_CRS) {
        PJ *base = proj_get_source_crs(pc, crs);
        proj_destroy(crs);
        crs = base;
    }
    PJ *fac = crs && proj_get_type(crs) == PJ_TYPE_PROJECTED_CRS ? factors_pj(pc, crs) : NULL;
    OGRSpatialReferenceH wgs = isr_crs_wgs84();
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(wgs, srs);
    OSRDestroySpatialReference(wgs);
    scale_scan sc = {.lin_scale = 1, .area_scale = 1, .seam_lon = NAN};
    if (crs && proj_get_type(crs) == PJ_TYPE_PROJECTED_CRS)
        scan_lattice(fac ? fac : crs, ct, ext, out, &sc);
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    proj_destroy(fac);
    proj_destroy(crs);
    proj_context_destroy(pc);
    if (sc.n == 0) {
        isr_log(ctx, ISR_LOG_DEBUG, "the scale of the analysis CRS could not be checked");
        return ISR_OK;
    }
    out->checked = 1;
    return report_scale(ctx, srs, def, what, out, &sc);
}
