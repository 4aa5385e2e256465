/*
 * friction.c — the friction surface: seconds per metre of local travel in every cell.
 *
 * Built on the analysis grid with its barrier padding (see internal.h) from the zone raster
 * (zones.c). Cells whose centre lies in no admin unit are barriers: the sea, a neighbouring region we have no data for.
 * Inside, the friction is the uniform local-travel value (detour ÷ speed), or, with a
 * friction raster, that raster warped onto the grid by GDAL (bilinear; its nodata cells
 * are barriers, e.g. lakes and rivers without a crossing).
 * A raster is warped onto a grid that starts as nodata (INIT_DEST=NO_DATA), so a cell the
 * raster does not reach is never read as 0 s/m (free travel). Land cells (zone >= 0) that
 * stay nodata are split into "outside the raster" (their centre lies beyond its extent: a
 * coverage warning with the count) and the raster's own nodata (barriers it asked for). A
 * friction raster holding 0, a negative value, NaN or infinity (other than its nodata)
 * within the region's extent is refused: those would be free or undefined travel.
 * Cost: one pass and (optionally) one warp over the grid; 4 bytes per cell.
 */
#include "internal.h"

#include <cpl_string.h>
#include <gdal_utils.h>
#include <geodesic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

GDALDatasetH isr_grid_mem(const isr_grid *g, GDALDataType type)
{
    return isr_grid_mem_wrap(g, type, NULL);
}

GDALDatasetH isr_grid_mem_wrap(const isr_grid *g, GDALDataType type, void *data)
{
    GDALDriverH mem = GDALGetDriverByName("MEM");
    GDALDatasetH ds = GDALCreate(mem, "", g->nx, g->ny, data ? 0 : 1, type, NULL);
    if (!ds)
        return NULL;
    if (data) { /* the band is the caller's array (nx·ny, row by row): no copy */
        char ptr[64];
        isr_snprintf(ptr, sizeof ptr, "DATAPOINTER=%p", data);
        char *opts[] = {ptr, NULL};
        if (GDALAddBand(ds, type, opts) != CE_None) {
            GDALClose(ds);
            return NULL;
        }
    }
    double gt[6];
    isr_grid_geotransform(g, gt);
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, g->wkt);
    return ds;
}

/* The source raster as seen from the grid: its geotransform, size and a transformation
 * from the analysis CRS into its CRS. */
typedef struct src_view {
    double gt[6], inv[6];
    int w, h;
    OGRCoordinateTransformationH to_src;
    double scale, offset; /* band 1's: a value is stored × scale + offset (GDAL's metadata) */
} src_view;

static isr_status src_view_open(isr_ctx *ctx, const isr_grid *g, GDALDatasetH src,
                                const char *what, const char *path, src_view *v)
{
    memset(v, 0, sizeof *v);
    v->w = GDALGetRasterXSize(src);
    v->h = GDALGetRasterYSize(src);
    if (GDALGetGeoTransform(src, v->gt) != CE_None || !GDALInvGeoTransform(v->gt, v->inv))
        return isr_fail(ctx, ISR_ERR_INPUT, "%s '%s' has no usable geotransform", what, path);
    OGRSpatialReferenceH gs = OSRNewSpatialReference(g->wkt);
    OGRSpatialReferenceH ss = OSRNewSpatialReference(GDALGetProjectionRef(src));
    if (gs && ss) {
        OSRSetAxisMappingStrategy(gs, OAMS_TRADITIONAL_GIS_ORDER);
        OSRSetAxisMappingStrategy(ss, OAMS_TRADITIONAL_GIS_ORDER);
        v->to_src = OCTNewCoordinateTransformation(gs, ss);
    }
    OSRDestroySpatialReference(gs);
    OSRDestroySpatialReference(ss);
    if (!v->to_src)
        return isr_fail_gdal(ctx, ISR_ERR_CRS,
                             "%s '%s': its CRS cannot be transformed to the analysis CRS", what,
                             path);
    return ISR_OK;
}

/* Refuses values a friction raster must not hold (0, negative, NaN, infinity other than its
 * nodata) within the window of the raster under the grid's extent. */
static isr_status check_people(isr_ctx *ctx, GDALDatasetH src, const src_view *v, int ic0,
                               int ir0, int ww, int ir1, const char *path);

static isr_status check_positive(isr_ctx *ctx, const isr_grid *g, GDALDatasetH src,
                                 const src_view *v, const char *what, const char *path, int mode)
{
    double gx0 = g->x0, gx1 = g->x0 + g->nx * g->cell_m;
    double gy0 = g->y0 - g->ny * g->cell_m, gy1 = g->y0;
    double b[4];
    if (!OCTTransformBounds(v->to_src, gx0, gy0, gx1, gy1, &b[0], &b[1], &b[2], &b[3], 21))
        return ISR_OK; /* the grid does not map into the raster's CRS: nothing is covered */
    double px[4], py[4];
    double cx[4] = {b[0], b[2], b[0], b[2]}, cy[4] = {b[1], b[1], b[3], b[3]};
    double c0 = INFINITY, c1 = -INFINITY, r0 = INFINITY, r1 = -INFINITY;
    for (int i = 0; i < 4; i++) {
        GDALApplyGeoTransform((double *)v->inv, cx[i], cy[i], &px[i], &py[i]);
        c0 = fmin(c0, px[i]);
        c1 = fmax(c1, px[i]);
        r0 = fmin(r0, py[i]);
        r1 = fmax(r1, py[i]);
    }
    /* one pixel more on every side: bilinear reads the neighbours */
    int ic0 = (int)fmax(0, floor(c0) - 1), ic1 = (int)fmin(v->w - 1, ceil(c1) + 1);
    int ir0 = (int)fmax(0, floor(r0) - 1), ir1 = (int)fmin(v->h - 1, ceil(r1) + 1);
    if (ic0 > ic1 || ir0 > ir1)
        return ISR_OK;
    if (mode == ISR_WARP_PEOPLE)
        return check_people(ctx, src, v, ic0, ir0, ic1 - ic0 + 1, ir1, path);
    GDALRasterBandH band = GDALGetRasterBand(src, 1);
    int has_nd = 0;
    double nd = GDALGetRasterNoDataValue(band, &has_nd);
    int ww = ic1 - ic0 + 1;
    double *row = malloc((size_t)ww * sizeof *row);
    if (!row)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s '%s'", what, path);
    size_t nonpos = 0, nonfinite = 0, nbarrier = 0;
    double first_np[2] = {0, 0}, first_nf[2] = {0, 0};
    isr_status st = ISR_OK;
    for (int r = ir0; r <= ir1 && st == ISR_OK; r++) {
        if (GDALRasterIO(band, GF_Read, ic0, r, ww, 1, row, ww, 1, GDT_Float64, 0, 0) !=
            CE_None) {
            st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s '%s': cannot read", what, path);
            break;
        }
        for (int c = 0; c < ww; c++) {
            double x = row[c];
            if (has_nd && (x == nd || (isnan(nd) && isnan(x)))) {
                nbarrier++;
                continue;
            }
            x = x * v->scale + v->offset; /* the value the raster means */
            double *first = NULL;
            if (!isfinite(x))
                first = nonfinite++ ? NULL : first_nf;
            else if (x <= 0)
                first = nonpos++ ? NULL : first_np;
            if (first)
                GDALApplyGeoTransform((double *)v->gt, ic0 + c + 0.5, r + 0.5, &first[0],
                                      &first[1]);
        }
    }
    free(row);
    if (st != ISR_OK)
        return st;
    /* a barrier narrower than a cell holds only where it covers a cell's centre (bilinear
     * at the centres, nodata left out of the weights): said when the raster is finer */
    double px_per_cell = (c1 - c0) * (r1 - r0) / ((double)g->nx * (double)g->ny);
    if (nbarrier && px_per_cell > 2)
        isr_log(ctx, ISR_LOG_WARN,
                "%s '%s': its pixels are finer than the %g m grid (%.0f to a cell): a barrier "
                "(nodata) narrower than a cell stops local travel only where it covers a "
                "cell's centre; give a finer --resolution, or barriers at least a cell wide",
                what, path, g->cell_m, px_per_cell);
    if (nonpos)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s '%s': %zu cell(s) hold 0 or a negative value (the first at %.8g, "
                        "%.8g in the raster's CRS); friction is seconds per metre and must be "
                        "positive: use the raster's nodata for barriers",
                        what, path, nonpos, first_np[0], first_np[1]);
    if (nonfinite)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s '%s': %zu cell(s) hold NaN or infinity (the first at %.8g, %.8g in "
                        "the raster's CRS) and are not its nodata; friction must be a finite "
                        "number of seconds per metre: set the raster's nodata for barriers",
                        what, path, nonfinite, first_nf[0], first_nf[1]);
    return ISR_OK;
}

/* The ground area in m² of pixel (c, r), its corners taken to longitude and latitude by `ct`
 * (the raster's CRS to WGS 84) and measured on the ellipsoid (PROJ's geodesic polygon area):
 * a Web Mercator pixel of 370 m at 31° N is 0.100 km² of ground, not 0.137. NaN when a corner
 * does not transform. */
static double pixel_ground_m2(const src_view *v, OGRCoordinateTransformationH ct, int c, int r)
{
    double x[4], y[4], A = NAN, P;
    static const double dc[4] = {0, 1, 1, 0}, dr[4] = {0, 0, 1, 1};
    for (int k = 0; k < 4; k++)
        GDALApplyGeoTransform((double *)v->gt, c + dc[k], r + dr[k], &x[k], &y[k]);
    if (!ct || !OCTTransform(ct, 4, x, y, NULL))
        return NAN;
    struct geod_geodesic g;
    geod_init(&g, 6378137.0, 1 / 298.257223563);
    geod_polygonarea(&g, y, x, 4, &A, &P);
    return fabs(A);
}

/* The area of a pixel of row `r` in m²: its ground area at the window's middle column `c`
 * when its corners transform to WGS 84 (ct), else from the geotransform (a geographic
 * raster's pixels shrink poleward). */
static double pixel_m2(const src_view *v, OGRSpatialReferenceH srs,
                       OGRCoordinateTransformationH ct, int c, int r)
{
    double ground = pixel_ground_m2(v, ct, c, r);
    if (ground > 0)
        return ground;
    double a = fabs(v->gt[1] * v->gt[5] - v->gt[2] * v->gt[4]);
    if (srs && OSRIsGeographic(srs)) {
        const double rad = 3.14159265358979323846 / 180.0;
        double lat = (v->gt[3] + (r + 0.5) * v->gt[5]) * rad, m = rad * 6371008.8;
        return a * m * m * fabs(cos(lat));
    }
    double u = srs ? OSRGetLinearUnits(srs, NULL) : 1.0;
    return a * u * u;
}

/* Refuses what a population raster must not hold under the grid (other than its nodata):
 * NaN, infinity, a negative count, or more than ISR_MAX_PEOPLE_KM2 people per km² of the
 * pixel's area, with the count of such pixels and the first one's position and value. The
 * value checked is the one summed: stored × the band's scale (+ offset, refused for a sum). */
static isr_status check_people(isr_ctx *ctx, GDALDatasetH src, const src_view *v, int ic0,
                               int ir0, int ww, int ir1, const char *path)
{
    GDALRasterBandH band = GDALGetRasterBand(src, 1);
    int has_nd = 0;
    double nd = GDALGetRasterNoDataValue(band, &has_nd);
    double *row = malloc((size_t)ww * sizeof *row);
    const char *wkt = GDALGetProjectionRef(src);
    OGRSpatialReferenceH srs = wkt && *wkt ? OSRNewSpatialReference(wkt) : NULL, wgs = NULL;
    OGRCoordinateTransformationH ct = NULL;
    if (srs) {
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
        wgs = isr_crs_wgs84();
        ct = wgs ? OCTNewCoordinateTransformation(srs, wgs) : NULL;
    }
    isr_status st = row ? ISR_OK
                        : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading population "
                                                        "raster '%s'", path);
    size_t nbad = 0;
    double first[3] = {0, 0, 0}, max_pp = 0, stored = 0;
    int fc = 0, fr = 0;
    for (int r = ir0; r <= ir1 && st == ISR_OK; r++) {
        if (GDALRasterIO(band, GF_Read, ic0, r, ww, 1, row, ww, 1, GDT_Float64, 0, 0) !=
            CE_None) {
            st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "population raster '%s': cannot read", path);
            break;
        }
        double pp = ISR_MAX_PEOPLE_KM2 * pixel_m2(v, srs, ct, ic0 + ww / 2, r) / 1e6;
        for (int c = 0; c < ww; c++) {
            double x = row[c];
            if (has_nd && (x == nd || (isnan(nd) && isnan(x))))
                continue;
            x = x * v->scale + v->offset; /* the people the raster means, as summed */
            if (x >= 0 && x <= pp)
                continue;
            if (nbad++ == 0) {
                fc = ic0 + c;
                fr = r;
                first[2] = x;
                stored = row[c];
                max_pp = pp;
                GDALApplyGeoTransform((double *)v->gt, fc + 0.5, r + 0.5, &first[0], &first[1]);
            }
        }
    }
    free(row);
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(wgs);
    OSRDestroySpatialReference(srs);
    if (st != ISR_OK || !nbad)
        return st;
    char val[96];
    isr_snprintf(val, sizeof val, "%g", first[2]);
    if (!isnan(first[2]) && (v->scale != 1 || v->offset != 0)) /* what the file holds too */
        isr_snprintf(val, sizeof val, "%g (stored %g × the band's scale %g)", first[2], stored,
                     v->scale);
    return isr_fail(ctx, ISR_ERR_INPUT,
                    "population raster '%s': %zu pixel(s) hold no valid number of people (the "
                    "first, %s, at column %d, row %d: %.8g, %.8g in the raster's CRS); a pixel "
                    "must hold 0 to %.0f people per km² (%.4g people for that pixel): fix those "
                    "pixels, or set them to the raster's nodata where the people are not known",
                    path, nbad, isnan(first[2]) ? "NaN" : val, fc, fr, first[0], first[1],
                    ISR_MAX_PEOPLE_KM2, max_pp);
}

/* Of the land cells left nodata by the warp, how many have their centre outside the
 * raster's extent (the others are the raster's own nodata). */
static size_t count_uncovered(const isr_grid *g, const isr_zones *z, const float *v,
                              const src_view *sv)
{
    enum { BATCH = 4096 };
    double x[BATCH], y[BATCH];
    int ok[BATCH];
    size_t n = 0, out = 0, total = (size_t)g->nx * (size_t)g->ny;
    for (size_t k = 0; k <= total; k++) {
        if (k < total && isnan(v[k]) && isr_zones_unit_at(z, k) >= 0) {
            double xy[2];
            isr_grid_cell_centre(g, (int)(k % (size_t)g->nx), (int)(k / (size_t)g->nx), xy);
            x[n] = xy[0];
            y[n++] = xy[1];
        }
        if (n == BATCH || (k == total && n > 0)) {
            OCTTransformEx(sv->to_src, (int)n, x, y, NULL, ok);
            for (size_t i = 0; i < n; i++) {
                double px, py;
                GDALApplyGeoTransform((double *)sv->inv, x[i], y[i], &px, &py);
                if (!ok[i] || !(px >= 0 && py >= 0 && px < sv->w && py < sv->h))
                    out++;
            }
            n = 0;
        }
    }
    return out;
}

isr_status isr_raster_warp(isr_ctx *ctx, const isr_grid *g, const char *path, const char *what,
                           const char *resampling, const isr_zones *z, int positive,
                           float **out, size_t *uncovered)
{
    *out = NULL;
    if (uncovered)
        *uncovered = 0;
    char *open_path = NULL;
    isr_status cst = isr_source_check(ctx, what, path, &open_path);
    if (cst != ISR_OK)
        return cst;
    GDALDatasetH src = GDALOpenEx(open_path ? open_path : path, GDAL_OF_RASTER | GDAL_OF_READONLY,
                                  NULL, NULL, NULL);
    free(open_path);
    if (!src)
        return isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s '%s': cannot open as a raster", what, path);
    isr_status st = ISR_OK;
    GDALDatasetH dst = NULL;
    GDALWarpAppOptions *wo = NULL;
    src_view sv = {0};
    const char *srs = GDALGetProjectionRef(src);
    if (GDALGetRasterCount(src) != 1) {
        /* GDALWarp would warp every band onto the grid's one and fail with its own words */
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s '%s' has %d bands, but it must have one: write the band that holds "
                      "the %s to a raster of its own (e.g. gdal_translate -b 1 in.tif out.tif "
                      "for band 1) and give that",
                      what, path, GDALGetRasterCount(src),
                      strcmp(resampling, "sum") == 0 ? "people" : "seconds per metre");
        goto cleanup;
    }
    if (!srs || !*srs) {
        st = isr_fail(ctx, ISR_ERR_CRS,
                      "%s '%s' has no CRS: assign the one its pixels are in, e.g. gdal_translate "
                      "-a_srs EPSG:4326 in.tif out.tif",
                      what, path);
        goto cleanup;
    }
    if ((st = src_view_open(ctx, g, src, what, path, &sv)) != ISR_OK)
        goto cleanup;
    /* a band stored with a scale and an offset (Int16 × 0.001, say) means value × scale +
     * offset: GDALWarp moves the stored numbers, so they are turned into what they mean
     * after it. A sum (people) cannot take an offset: each target cell would add it once
     * per source pixel */
    int has_s = 0, has_o = 0;
    sv.scale = GDALGetRasterScale(GDALGetRasterBand(src, 1), &has_s);
    sv.offset = GDALGetRasterOffset(GDALGetRasterBand(src, 1), &has_o);
    if (!has_s || !isfinite(sv.scale))
        sv.scale = 1;
    if (!has_o || !isfinite(sv.offset))
        sv.offset = 0;
    if (strcmp(resampling, "sum") == 0 && sv.offset != 0) {
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s '%s' has an offset (%g) on its values: people per cell cannot be "
                      "summed with one; write the values out (gdal_translate -unscale) and give "
                      "that raster",
                      what, path, sv.offset);
        goto cleanup;
    }
    if (positive && (st = check_positive(ctx, g, src, &sv, what, path, positive)) != ISR_OK)
        goto cleanup;
    float *v = malloc((size_t)g->nx * (size_t)g->ny * sizeof *v);
    dst = v ? isr_grid_mem_wrap(g, GDT_Float32, v) : NULL; /* warped straight into v */
    if (!dst) {
        free(v);
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s '%s'", what, path);
        goto cleanup;
    }
    /* start from nodata: GDALWarp into an existing dataset leaves what it does not cover as
     * it was (0 in a MEM raster), which for friction would be free travel */
    GDALSetRasterNoDataValue(GDALGetRasterBand(dst, 1), NAN);
    GDALFillRaster(GDALGetRasterBand(dst, 1), NAN, 0);
    char *argv[] = {"-r", (char *)resampling, "-dstnodata", "nan", "-wo", "INIT_DEST=NO_DATA",
                    NULL};
    wo = GDALWarpAppOptionsNew(argv, NULL);
    int usage_err = 0;
    if (!wo || !GDALWarp(NULL, dst, 1, &src, wo, &usage_err)) {
        free(v);
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s '%s': cannot warp onto the grid", what, path);
        goto cleanup;
    }
    if (sv.scale != 1 || sv.offset != 0)
        for (size_t k = 0, n = (size_t)g->nx * (size_t)g->ny; k < n; k++)
            if (!isnan(v[k]))
                v[k] = (float)(v[k] * sv.scale + sv.offset);
    if (z && uncovered)
        *uncovered = count_uncovered(g, z, v, &sv);
    *out = v;
cleanup:
    if (sv.to_src)
        OCTDestroyCoordinateTransformation(sv.to_src);
    GDALWarpAppOptionsFree(wo);
    if (dst)
        GDALClose(dst);
    GDALClose(src);
    return st;
}

void isr_raster_coverage_warn(isr_ctx *ctx, const isr_grid *g, const isr_zones *z,
                              const char *what, const char *path, size_t uncovered,
                              const char *consequence)
{
    if (!uncovered)
        return;
    size_t land = 0, n = (size_t)g->nx * (size_t)g->ny;
    for (size_t k = 0; k < n; k++)
        land += isr_zones_unit_at(z, k) >= 0;
    char cells[40], km2[40];
    isr_fmt_thousands(cells, sizeof cells, (double)uncovered, 0);
    isr_fmt_thousands(km2, sizeof km2, (double)uncovered * g->cell_m * g->cell_m / 1e6, 1);
    isr_log(ctx, ISR_LOG_WARN,
            "%s '%s' covers %.1f %% of the region's land cells; the other %s cells (%s km²) %s",
            what, path, land ? 100.0 * (double)(land - uncovered) / (double)land : 0.0, cells,
            km2, consequence);
}

/* Whether cell k (unpadded) is open to local travel before roads: in a unit, not water. */
static inline int open_cell(const isr_zones *z, size_t k)
{
    return isr_zones_unit_at(z, k) >= 0 && !isr_zones_water_at(z, k);
}

/* Below this typical local speed (km/h) a friction raster is warned about: slower than walking. */
#define ISR_FRICTION_SLOW_KMH 4.0

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* A friction raster whose typical value (the median over the land it covers, from up to 65,536
 * cells evenly spread) means a local speed slower than walking (under 4 km/h) or over 200 km/h
 * is most likely in other units (km/h, minutes a km, metres a second): said, with the fix.
 * Minutes a kilometre read as seconds a metre give 3.6 km/h for 60 km/h, 1.2 for 20: under
 * 1 km/h (the bound this had) only for modes slower than 16.7 km/h. */
static void speed_warn(isr_ctx *ctx, const isr_grid *g, const isr_zones *z, const char *raster,
                       const float *warped)
{
    size_t n = (size_t)g->nx * (size_t)g->ny, step = n / 65536 + 1, m = 0;
    float *v = malloc((n / step + 1) * sizeof *v);
    for (size_t k = 0; v && k < n; k += step)
        if (open_cell(z, k) && warped[k] > 0 && isfinite(warped[k]))
            v[m++] = warped[k];
    if (m > 0) {
        qsort(v, m, sizeof *v, cmp_float);
        double med = v[m / 2], kmh = 3.6 / med;
        if (kmh < ISR_FRICTION_SLOW_KMH)
            isr_log(ctx, ISR_LOG_WARN,
                    "friction raster '%s': its typical value, %g, means a local speed of %.3g "
                    "km/h (the median over the land it covers), slower than walking: friction "
                    "is seconds per metre (5 km/h is 0.72, 20 km/h 0.18); a raster of minutes a "
                    "kilometre (%g min/km is %.3g km/h) or of km/h would give this; convert it, "
                    "minutes a kilometre: gdal_calc.py -A '%s' --calc 'A*0.06' --outfile "
                    "friction_s_per_m.tif; km/h: --calc '3.6/A'",
                    raster, med, kmh, med, 60.0 / med, raster);
        else if (kmh > 200)
            isr_log(ctx, ISR_LOG_WARN,
                    "friction raster '%s': its typical value, %g, means a local speed of %.3g "
                    "km/h (the median over the land it covers): friction is seconds per metre "
                    "(20 km/h is 0.18); a raster of km/h or of metres a second would give this; "
                    "convert it, e.g. km/h: gdal_calc.py -A '%s' --calc '3.6/A' --outfile "
                    "friction_s_per_m.tif",
                    raster, med, kmh, raster);
    }
    free(v);
}

isr_status isr_friction_build(isr_ctx *ctx, const isr_grid *g, const isr_zones *z,
                              double base_spm, const char *raster, float **out,
                              size_t *uncovered)
{
    *out = NULL;
    if (uncovered)
        *uncovered = 0;
    isr_status st = ISR_OK;
    float *warped = NULL;
    size_t outside = 0;
    float *fric = malloc(isr_grid_pcells(g) * sizeof *fric);
    if (!fric)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the friction surface");
    if (raster && (st = isr_raster_warp(ctx, g, raster, "friction raster", "bilinear", z, 1,
                                        &warped, &outside)) != ISR_OK) {
        free(fric);
        return st;
    }
    /* one pass, row by row: the padding and the cells of no unit +INF, water
     * closed, the rest the base or the raster's value; nodata, and (bilinear between valid
     * values cannot give it, but a warp never promises) anything not positive and finite, is
     * a barrier */
    const size_t pw = (size_t)isr_grid_pw(g), nx = (size_t)g->nx;
    size_t open = 0, passable = 0;
    for (size_t i = 0; i < ISR_PAD * pw; i++)
        fric[i] = fric[isr_grid_pcells(g) - 1 - i] = INFINITY;
    for (int r = 0; r < g->ny; r++) {
        float *row = fric + isr_grid_pidx(g, 0, r);
        const size_t k0 = (size_t)r * nx;
        for (int p = 1; p <= ISR_PAD; p++)
            row[-p] = row[nx - 1 + (size_t)p] = INFINITY;
        for (size_t c = 0; c < nx; c++) {
            const size_t k = k0 + c;
            float v = (float)base_spm;
            if (!open_cell(z, k))
                v = INFINITY;
            else if (warped)
                v = warped[k] > 0 && isfinite(warped[k]) ? warped[k] : INFINITY;
            row[c] = v;
            open += open_cell(z, k);
            passable += isfinite(v);
        }
    }
    if (raster && open && !passable) { /* another place, or another CRS than it says */
        free(warped);
        free(fric);
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "friction raster '%s' has no value on any land cell of the region (%s): "
                        "every cell would be impassable and no hub would reach anything. Is it "
                        "the raster of this region, in the CRS it says it is in? (gdalinfo shows "
                        "its extent; isoreach info the boundaries')",
                        raster, outside == open ? "it lies wholly outside them"
                                                : "nodata or not above 0 wherever it covers them");
    }
    if (raster) {
        isr_raster_coverage_warn(ctx, g, z, "friction raster", raster, outside,
                                 "are treated as impassable");
        speed_warn(ctx, g, z, raster, warped);
    }
    if (uncovered)
        *uncovered = outside;
    free(warped);
    *out = fric;
    return st;
}

/* An empty table of values. */
static void values_reset(isr_fric_values *t)
{
    memset(t->slot, -1, sizeof t->slot);
    t->n = 0;
}

/* The number of value f, added to t and lut when new; -1 when 256 are already in. */
static int fric_number(isr_fric_values *t, float lut[256], float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    uint32_t h = (bits * 2654435761u) >> 23; /* 9 bits */
    while (t->slot[h] >= 0 && t->key[h] != bits)
        h = (h + 1) & 511;
    if (t->slot[h] < 0) {
        if (t->n == 256)
            return -1;
        t->key[h] = bits;
        t->slot[h] = (int16_t)t->n;
        lut[t->n++] = f;
    }
    return t->slot[h];
}

isr_status isr_friction_build_coded(isr_ctx *ctx, const isr_grid *g, const isr_zones *z,
                                    double base_spm, isr_fric_draft *d)
{
    memset(d, 0, sizeof *d);
    d->n = isr_grid_pcells(g);
    if (!(d->code = malloc(d->n)))
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the friction surface");
    values_reset(&d->values);
    fric_number(&d->values, d->lut, INFINITY); /* code 0 */
    fric_number(&d->values, d->lut, (float)base_spm); /* code 1 */
    /* as isr_friction_build: the padding, the cells of no unit and the water barriers */
    const size_t pw = (size_t)isr_grid_pw(g), nx = (size_t)g->nx;
    memset(d->code, 0, ISR_PAD * pw);
    memset(d->code + d->n - ISR_PAD * pw, 0, ISR_PAD * pw);
    for (int r = 0; r < g->ny; r++) {
        uint8_t *row = d->code + isr_grid_pidx(g, 0, r);
        const size_t k0 = (size_t)r * nx;
        memset(row - ISR_PAD, 0, ISR_PAD);
        memset(row + nx, 0, ISR_PAD);
        for (size_t c = 0; c < nx; c++)
            row[c] = (uint8_t)open_cell(z, k0 + c);
    }
    return ISR_OK;
}

int isr_fric_draft_set(isr_fric_draft *d, size_t k, float x)
{
    if (d->f32) {
        d->f32[k] = x;
        return 0;
    }
    int c = fric_number(&d->values, d->lut, x);
    if (c < 0) { /* a 257th value: floats from here on */
        float *f = malloc(d->n * sizeof *f);
        if (!f)
            return -1;
        for (size_t i = 0; i < d->n; i++)
            f[i] = d->lut[d->code[i]];
        free(d->code);
        d->code = NULL;
        d->f32 = f;
        f[k] = x;
        return 0;
    }
    d->code[k] = (uint8_t)c;
    return 0;
}

/* The first cell from i on (at most n) whose value's bits are not v: runs of one value, most
 * of a surface, crossed 16 cells at a time (a test the compiler vectorises). */
static size_t run_end(const float *f, size_t i, size_t n, uint32_t v)
{
    for (; i + 16 <= n; i += 16) {
        uint32_t b[16], x = 0;
        memcpy(b, f + i, sizeof b);
        for (int j = 0; j < 16; j++)
            x |= b[j] ^ v;
        if (x)
            break;
    }
    for (; i < n; i++) {
        uint32_t b;
        memcpy(&b, f + i, sizeof b);
        if (b != v)
            break;
    }
    return i;
}

int isr_fric_encode(float *fric, size_t n, float lut[256])
{
    isr_fric_values t;
    values_reset(&t);
    /* first the values, so that a surface of more keeps its floats whole */
    for (size_t i = 0; i < n;) {
        uint32_t bits;
        memcpy(&bits, &fric[i], sizeof bits);
        if (fric_number(&t, lut, fric[i]) < 0)
            return 0;
        i = run_end(fric, i + 1, n, bits);
    }
    /* then the codes, in place: the run [i, j) is read before its bytes, which lie in floats
     * below j, are written */
    uint8_t *code = (uint8_t *)fric;
    for (size_t i = 0; i < n;) {
        uint32_t bits;
        memcpy(&bits, &fric[i], sizeof bits);
        uint8_t c = (uint8_t)fric_number(&t, lut, fric[i]);
        size_t j = run_end(fric, i + 1, n, bits);
        memset(code + i, c, j - i);
        i = j;
    }
    for (int k = t.n; k < 256; k++)
        lut[k] = INFINITY; /* never a cell's: a barrier, were it read */
    return 1;
}
