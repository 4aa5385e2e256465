/*
 * crs.c — choosing the analysis CRS.
 *
 * Area statistics must be computed in an equal-area CRS and distances along the grid
 * should be close to true, so by default the analysis CRS is an Albers equal-area conic
 * fitted to the data's latitude range (standard parallels at 1/6 and 5/6 of it, the
 * classic rule that keeps scale error smallest over the band), built with PROJ. All OSR
 * handles use the traditional GIS axis order (x = easting/longitude) so transforms agree
 * with shapefiles and GeoJSON.
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
