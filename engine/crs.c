/*
 * crs.c — choosing the analysis CRS.
 *
 * Area statistics must be computed in an equal-area CRS and distances along the grid
 * should be close to true, so by default the analysis CRS is an Albers equal-area conic
 * fitted to the data's latitude range (standard parallels at 1/6 and 5/6 of it, the
 * classic rule that keeps scale error smallest over the band), built with PROJ. All OSR
 * handles use the traditional GIS axis order (x = easting/longitude) so transforms agree
 * with shapefiles and GeoJSON. A CRS the user names is checked against the data: data
 * wholly outside its area of use (a UTM zone on the other side of the globe) is refused,
 * because the grid, distances and areas there would be meaningless.
 */
#include "internal.h"

#include <proj.h>
#include <proj_experimental.h>
#include <stdio.h>
#include <string.h>

OGRSpatialReferenceH isr_crs_fitted_albers(isr_ctx *ctx, double lon_min, double lat_min,
                                           double lon_max, double lat_max)
{
    double dlat = lat_max - lat_min;
    if (dlat < 1e-6)
        dlat = 1e-6;
    char def[512];
    snprintf(def, sizeof def,
             "+proj=aea +lat_1=%.4f +lat_2=%.4f +lat_0=%.4f +lon_0=%.4f +x_0=0 +y_0=0 "
             "+datum=WGS84 +units=m +no_defs +type=crs",
             lat_min + dlat / 6.0, lat_max - dlat / 6.0, (lat_min + lat_max) / 2.0,
             (lon_min + lon_max) / 2.0);
    PJ_CONTEXT *pc = proj_context_create();
    PJ *crs = pc ? proj_create(pc, def) : NULL;
    PJ *named = crs ? proj_alter_name(pc, crs, "isoreach fitted Albers equal-area") : NULL;
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

OGRSpatialReferenceH isr_crs_from_user(isr_ctx *ctx, const char *def)
{
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
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

OGRSpatialReferenceH isr_crs_wgs84(void)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4326);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
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
    lon_overlap(ext[0], ext[2], w, e, &lon_over, &lon_in);
    int lat_over = ext[3] >= s && ext[1] <= n, lat_in = ext[1] >= s && ext[3] <= n;
    const char *name = OSRGetName(srs);
    if (!lon_over || !lat_over)
        return isr_fail(ctx, ISR_ERR_CRS,
                        "--crs '%s' (%s) is made for longitudes %g to %g and latitudes %g to %g, "
                        "but %s lies at longitudes %.2f to %.2f and latitudes %.2f to %.2f: "
                        "choose a CRS for the region, or leave out --crs for a fitted "
                        "equal-area one",
                        def, name ? name : "unnamed", w, e, s, n, what, ext[0], ext[2], ext[1],
                        ext[3]);
    if (!lon_in || !lat_in)
        isr_log(ctx, ISR_LOG_WARN,
                "%s extends beyond the area of use of --crs '%s' (longitudes %g to %g, "
                "latitudes %g to %g): distances and areas there are distorted",
                what, def, w, e, s, n);
    return ISR_OK;
}
