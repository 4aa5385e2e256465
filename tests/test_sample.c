/* Criterion suite for the embedded Yangtze River Delta sample in shapefiles/: what every
 * run relies on. Expected totals come from shapefiles/yrd_prefecture_population.csv, the
 * census figures stated independently of the build script. */
#include "internal.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE(f) ISR_SAMPLE_DIR "/" f

static OGRLayerH open_layer(GDALDatasetH *ds, const char *path)
{
    GDALAllRegister();
    *ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    cr_assert_not_null(*ds, "cannot open %s", path);
    return GDALDatasetGetLayer(*ds, 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(sample, counties_complete_valid_unique)
{
    GDALDatasetH ds;
    OGRLayerH l = open_layer(&ds, SAMPLE("yrd_counties.shp"));
    cr_assert_not_null(OGR_L_GetSpatialRef(l));
    cr_assert_str_eq(OSRGetAuthorityCode(OGR_L_GetSpatialRef(l), NULL), "4326");
    int n = (int)OGR_L_GetFeatureCount(l, 1);
    cr_assert_geq(n, 300, "%d county-level units", n);
    char **codes = calloc((size_t)n, sizeof *codes);
    int provinces[4] = {0}, i = 0;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        const char *code = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "code"));
        cr_assert(g && !OGR_G_IsEmpty(g) && OGR_G_IsValid(g), "county %s is not valid", code);
        cr_assert_eq(strlen(code), 6);
        cr_assert_gt(OGR_F_GetFieldAsInteger64(f, OGR_F_GetFieldIndex(f, "pop")), 0,
                     "county %s has no population", code);
        const char *prov = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "prov_code"));
        cr_assert_eq(strncmp(prov, code, 2), 0, "county %s in province %s", code, prov);
        provinces[(prov[1] - '1') & 3]++;
        codes[i++] = strdup(code);
        OGR_F_Destroy(f);
    }
    qsort(codes, (size_t)n, sizeof *codes, cmp_str);
    for (int k = 1; k < n; k++)
        cr_assert_str_neq(codes[k - 1], codes[k], "code %s repeats", codes[k]);
    for (int k = 0; k < n; k++)
        free(codes[k]);
    free(codes);
    /* Shanghai 16 districts; the other three provinces have dozens each */
    cr_assert_eq(provinces[0], 16);
    cr_assert_gt(provinces[1], 80);
    cr_assert_gt(provinces[2], 80);
    cr_assert_gt(provinces[3], 80);
    GDALClose(ds);
}

Test(sample, prefecture_population_sums_to_the_census)
{
    GDALDatasetH ds, dc;
    OGRLayerH l = open_layer(&ds, SAMPLE("yrd_counties.shp"));
    OGRLayerH census = open_layer(&dc, SAMPLE("yrd_prefecture_population.csv"));
    int checked = 0;
    long long total = 0;
    OGRFeatureH c;
    while ((c = OGR_L_GetNextFeature(census)) != NULL) {
        const char *pref = OGR_F_GetFieldAsString(c, 0);
        long long want = atoll(OGR_F_GetFieldAsString(c, 3));
        char filter[64];
        snprintf(filter, sizeof filter, "pref_code = '%s'", pref);
        OGR_L_SetAttributeFilter(l, filter);
        long long sum = 0;
        int units = 0;
        OGRFeatureH f;
        while ((f = OGR_L_GetNextFeature(l)) != NULL) {
            sum += OGR_F_GetFieldAsInteger64(f, OGR_F_GetFieldIndex(f, "pop"));
            units++;
            OGR_F_Destroy(f);
        }
        cr_assert_gt(units, 0, "prefecture %s has no county", pref);
        cr_assert_eq(sum, want, "prefecture %s sums to %lld, census says %lld", pref, sum, want);
        total += want;
        checked++;
        OGR_F_Destroy(c);
    }
    cr_assert_eq(checked, 41);
    /* the four provinces' 2020 census totals */
    cr_assert_eq(total, 24870895LL + 84748016LL + 64567588LL + 61027171LL);
    GDALClose(ds);
    GDALClose(dc);
}

Test(sample, counties_do_not_overlap)
{
    /* Neighbours share borders but no area: the sum of areas equals the area of the union
     * to within 0.01 % (in degrees², enough to catch overlapping quantized neighbours). */
    GDALDatasetH ds;
    OGRLayerH l = open_layer(&ds, SAMPLE("yrd_counties.shp"));
    OGRGeometryH all = OGR_G_CreateGeometry(wkbMultiPolygon);
    double sum = 0;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        sum += OGR_G_Area(g);
        if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPolygon)
            OGR_G_AddGeometry(all, g);
        else
            for (int k = 0; k < OGR_G_GetGeometryCount(g); k++)
                OGR_G_AddGeometry(all, OGR_G_GetGeometryRef(g, k));
        OGR_F_Destroy(f);
    }
    OGRGeometryH u = OGR_G_UnionCascaded(all);
    cr_assert_not_null(u);
    double ua = OGR_G_Area(u);
    cr_assert_lt(fabs(sum - ua) / ua, 1e-4, "sum %g vs union %g", sum, ua);
    /* the four provinces cover about 358,000 km² ≈ 33 degrees² at this latitude */
    cr_assert(ua > 30 && ua < 37, "union area %g deg²", ua);
    OGR_G_DestroyGeometry(u);
    OGR_G_DestroyGeometry(all);
    GDALClose(ds);
}

Test(sample, every_station_lies_on_a_line)
{
    GDALDatasetH dst, dln;
    OGRLayerH st = open_layer(&dst, SAMPLE("yrd_rail_stations.shp"));
    OGRLayerH ln = open_layer(&dln, SAMPLE("yrd_rail_lines.shp"));
    cr_assert_not_null(OGR_L_GetSpatialRef(st), "stations have no CRS");
    cr_assert_not_null(OGR_L_GetSpatialRef(ln), "lines have no CRS");
    int nst = (int)OGR_L_GetFeatureCount(st, 1), nln = (int)OGR_L_GetFeatureCount(ln, 1);
    cr_assert_geq(nst, 80);
    cr_assert_geq(nln, 20);
    isr_ctx *ctx = isr_ctx_new();
    OGRSpatialReferenceH aea = isr_crs_fitted_albers(ctx, 115, 27, 123, 35.2);
    OGRSpatialReferenceH src = OSRClone(OGR_L_GetSpatialRef(st));
    OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(src, aea);
    OGRGeometryH *lines = calloc((size_t)nln, sizeof *lines);
    int k = 0;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(ln)) != NULL) {
        lines[k] = OGR_G_Clone(OGR_F_GetGeometryRef(f));
        cr_assert_eq(OGR_G_Transform(lines[k], ct), OGRERR_NONE);
        cr_assert_gt(OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "speed_kmh")), 0);
        cr_assert_gt(OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "headway")), 0);
        k++;
        OGR_F_Destroy(f);
    }
    int hubs = 0;
    while ((f = OGR_L_GetNextFeature(st)) != NULL) {
        OGRGeometryH p = OGR_G_Clone(OGR_F_GetGeometryRef(f));
        cr_assert_eq(OGR_G_Transform(p, ct), OGRERR_NONE);
        double best = INFINITY;
        for (int i = 0; i < nln; i++)
            best = fmin(best, OGR_G_Distance(p, lines[i]));
        cr_assert_leq(best, 500.0, "station %s is %.0f m from the nearest line",
                      OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "id")), best);
        hubs += OGR_F_GetFieldAsInteger(f, OGR_F_GetFieldIndex(f, "hub")) != 0;
        OGR_G_DestroyGeometry(p);
        OGR_F_Destroy(f);
    }
    cr_assert_geq(hubs, 40, "%d hubs", hubs);
    for (int i = 0; i < nln; i++)
        OGR_G_DestroyGeometry(lines[i]);
    free(lines);
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(src);
    OSRDestroySpatialReference(aea);
    isr_ctx_free(ctx);
    GDALClose(dst);
    GDALClose(dln);
}

/* The sample's rail times against the published timetable: tests/rail_times.csv holds
 * origin–destination pairs over the whole region with the fastest scheduled in-vehicle time
 * of a G/D train (departure to arrival, its dwells included) and its source. The model runs
 * with --wait none (no boarding wait; the default 2-minute dwell at each call between and
 * 6 minutes per change of line): each pair must lie within ±15 % of the timetable. The
 * worst pairs are printed. */
#define RAIL_TIMES ISR_SAMPLE_DIR "/../tests/rail_times.csv"
#define MAX_PAIRS 128

typedef struct {
    char from[64], to[64], train[64];
    double want, got, err;
} rail_pair;

static int cmp_err(const void *a, const void *b)
{
    double x = fabs(((const rail_pair *)a)->err), y = fabs(((const rail_pair *)b)->err);
    return (x < y) - (x > y);
}

/* Copies `v` into a field of `size` bytes, failing the test when it does not fit. */
static void copy_field(char *dst, size_t size, const char *v, int line)
{
    cr_assert_lt(strlen(v), size, "%s line %d: '%s' is too long", RAIL_TIMES, line, v);
    memcpy(dst, v, strlen(v) + 1);
}

/* Reads rail_times.csv (with the engine's CSV reader, csv.c) into p; returns the count. */
static int read_rail_times(rail_pair *p)
{
    FILE *f = fopen(RAIL_TIMES, "rb");
    cr_assert_not_null(f, "cannot open %s", RAIL_TIMES);
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    cr_assert_lt(len, sizeof text - 1, "%s is larger than the test reads", RAIL_TIMES);
    text[len] = '\0';
    isr_csv c;
    isr_csv_init(&c, text);
    cr_assert_eq(isr_csv_header(&c), 1);
    int col[6];
    static const char *names[6] = {"from_id", "to_id", "minutes", "train", "source", "notes"};
    for (int k = 0; k < 6; k++) {
        col[k] = isr_csv_col(&c, names[k]);
        cr_assert_geq(col[k], 0, "%s: no column '%s'", RAIL_TIMES, names[k]);
    }
    int n = 0, r;
    while ((r = isr_csv_next(&c)) == 1) {
        cr_assert_lt(n, MAX_PAIRS);
        copy_field(p[n].from, sizeof p[n].from, isr_csv_get(&c, col[0]), c.line);
        copy_field(p[n].to, sizeof p[n].to, isr_csv_get(&c, col[1]), c.line);
        copy_field(p[n].train, sizeof p[n].train, isr_csv_get(&c, col[3]), c.line);
        p[n].want = strtod(isr_csv_get(&c, col[2]), NULL);
        cr_assert_gt(p[n].want, 0, "%s line %d: no minutes", RAIL_TIMES, c.line);
        cr_assert_gt(strlen(isr_csv_get(&c, col[4])), 5, "%s line %d: no source", RAIL_TIMES,
                     c.line);
        n++;
    }
    cr_assert_eq(r, 0, "%s line %d: a quote is not closed", RAIL_TIMES, c.line);
    isr_csv_clear(&c);
    return n;
}

Test(sample, rail_times_match_the_timetable)
{
    static rail_pair p[MAX_PAIRS];
    int n = read_rail_times(p);
    cr_assert_geq(n, 30, "%d pairs", n);
    isr_ctx *ctx = isr_ctx_new();
    char *argv[] = {"isoreach", "--stations", SAMPLE("yrd_rail_stations.shp"), "--lines",
                    SAMPLE("yrd_rail_lines.shp"), "--wait", "none"};
    isr_options *o = isr_options_new(ctx, 7, argv);
    cr_assert_not_null(o, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(o->wait, ISR_WAIT_NONE);
    GDALAllRegister();
    OGRSpatialReferenceH aea = isr_crs_fitted_albers(ctx, 115, 27, 123, 35.2);
    isr_rail_net *net = NULL;
    cr_assert_eq(isr_network_load(ctx, o, aea, &net), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    isr_rail_params rp = {o->dwell_min * 60.0, o->transfer_min * 60.0, o->wait, o->direction};
    int ns = isr_rail_net_nstations(net), bad = 0;
    double *t = malloc((size_t)ns * sizeof *t);
    for (int i = 0; i < n; i++) {
        int a = isr_rail_net_find(net, p[i].from), b = isr_rail_net_find(net, p[i].to);
        cr_assert(a >= 0 && b >= 0, "%s–%s: no such station", p[i].from, p[i].to);
        cr_assert_eq(isr_rail_search(ctx, net, &rp, a, t), ISR_OK);
        p[i].got = t[b] / 60.0;
        p[i].err = (p[i].got - p[i].want) / p[i].want;
        bad += !(fabs(p[i].err) <= 0.15);
    }
    qsort(p, (size_t)n, sizeof *p, cmp_err);
    fprintf(stderr, "rail times, worst pairs of %d (model with --wait none vs timetable):\n", n);
    int all = getenv("ISR_RAIL_TIMES_ALL") != NULL; /* set it to see every pair */
    for (int i = 0; i < n && (all || i < 5 || fabs(p[i].err) > 0.15); i++)
        fprintf(stderr, "  %s -> %s: %.0f min vs %.0f min (%s), %+.1f %%\n", p[i].from, p[i].to,
                p[i].got, p[i].want, p[i].train, 100 * p[i].err);
    cr_assert_eq(bad, 0, "%d of %d pairs off by more than 15 %%; worst %s -> %s: %.0f vs %.0f min",
                 bad, n, p[0].from, p[0].to, p[0].got, p[0].want);
    free(t);
    isr_rail_net_free(net);
    OSRDestroySpatialReference(aea);
    isr_options_free(o);
    isr_ctx_free(ctx);
}
