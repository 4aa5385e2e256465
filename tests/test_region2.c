/* Region 2: the whole pipeline on a region that is not the sample, checked by numbers.
 *
 * tests/region2/ (built by scripts/build_test_region2.py, see its header) is the Vienna -
 * Bratislava - Brno corner of Austria, Slovakia and Czechia: 24 districts in a GeoPackage
 * whose first layer is a decoy (EPSG:4326), 11 stations as GeoJSON (EPSG:4326), 5 lines in
 * a GeoPackage in UTM 33N, every field named unlike the sample, codes that are not GB/T
 * 2260. It runs with --crs EPSG:3035 and with the default fitted Albers.
 * ISR_CLI is the built binary, ISR_REGION2_DIR the fixture folder (set by meson). */
#include "internal.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_support.h"

#define R2 ISR_REGION2_DIR
/* every input and field flag: nothing is named as in the sample */
#define FLAGS                                                                                     \
    "--boundaries " R2 "/grenzen.gpkg --boundaries-layer bezirke --unit-id bezirk_id "            \
    "--unit-name bezirk --pref-field region_id --pref-name region --prov-field land_id "          \
    "--prov-name land --pop-field einwohner --stations " R2 "/bahnhoefe.geojson "                 \
    "--station-id station_code --station-name station_label --hub-field is_hub --lines " R2       \
    "/strecken.gpkg --line-name line_label --line-speed vmax_kmh --line-headway takt_min "        \
    "--line-headway-back takt_rueck --line-minutes fahrzeit --line-stops halte"
#define BUDGET 90.0
/* local travel: 20 km/h with a 1.3 detour = 3.9 minutes per straight-line km */
#define MIN_PER_KM (60.0 * 1.3 / 20.0)

static void tmp_make(void) { cli_tmp_make("isr-region2"); }

TestSuite(region2, .init = tmp_make, .fini = cli_tmp_remove, .timeout = 180);

/* One row of a hub's stations.csv: rail minutes (NAN if no train) and position. */
static double rail(const char *out, const char *hub, const char *id, double *x, double *y)
{
    char p[512], key[128];
    snprintf(p, sizeof p, "%s/%s/hubs/%s/stations.csv", cli_tmp, out, hub);
    char *csv = cli_slurp(p);
    snprintf(key, sizeof key, "\n%s,%s,", hub, id); /* hub_id, then station_id */
    const char *s = strstr(csv, key);
    cr_assert_not_null(s, "%s not in %s", id, p);
    s = strchr(s + strlen(key), ','); /* past the name (no commas in the fixture's names) */
    cr_assert_not_null(s);
    s = strchr(s + 1, ','); /* and the English name (none: empty) */
    cr_assert_not_null(s);
    s++;
    double t = *s == ',' ? NAN : strtod(s, NULL);
    s = strchr(s, ',') + 1;
    double xx = strtod(s, NULL);
    s = strchr(s, ',') + 1;
    double yy = strtod(s, NULL);
    free(csv);
    if (x)
        *x = xx;
    if (y)
        *y = yy;
    return t;
}

static GDALDatasetH open_tif(const char *out, const char *hub)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s/hubs/%s/travel_time.tif", cli_tmp, out, hub);
    GDALDatasetH ds = GDALOpen(p, GA_ReadOnly);
    cr_assert_not_null(ds, "%s", p);
    return ds;
}

/* The cell holding (x, y); returns 0 when it is outside the (cropped) raster. */
static int cell_of(GDALDatasetH ds, double x, double y, int *c, int *r)
{
    double gt[6];
    GDALGetGeoTransform(ds, gt);
    *c = (int)floor((x - gt[0]) / gt[1]);
    *r = (int)floor((y - gt[3]) / gt[5]);
    return *c >= 0 && *r >= 0 && *c < GDALGetRasterXSize(ds) && *r < GDALGetRasterYSize(ds);
}

static float cell_value(GDALDatasetH ds, int c, int r)
{
    float v;
    cr_assert_eq(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, c, r, 1, 1, &v, 1, 1,
                              GDT_Float32, 0, 0),
                 CE_None);
    return v;
}

/* The CRS of a WKT string, identified against the EPSG database. */
static OGRSpatialReferenceH srs_of(const char *wkt)
{
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    cr_assert_eq(OSRSetFromUserInput(s, wkt), OGRERR_NONE, "%s", wkt);
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    return s;
}

static json_object *run_json(const char *out)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s/run.json", cli_tmp, out);
    json_object *o = json_object_from_file(p);
    cr_assert_not_null(o, "%s", p);
    return o;
}

/* A reach.csv row "hub_id,level,code,..." as its fields; 0 if absent. other_prefecture is
 * -1 when empty (province rows). */
typedef struct row {
    double area_km2, reached_km2, population, pop_reached;
    int other_province, other_prefecture;
} row;

static int reach_row(const char *out, const char *hub, const char *level, const char *code,
                     row *r)
{
    char p[512], key[128];
    snprintf(p, sizeof p, "%s/%s/hubs/%s/reach.csv", cli_tmp, out, hub);
    char *csv = cli_slurp(p);
    snprintf(key, sizeof key, "\n%s,%s,%s,", hub, level, code);
    const char *s = strstr(csv, key);
    if (!s) {
        free(csv);
        return 0;
    }
    /* hub_id,level,code,name,name_en,prefecture_code,province_code,area_km2,reached_km2,
     * area_share,population,pop_reached,pop_share,min_minutes,mean_minutes_area,
     * mean_minutes_people,other_province,other_prefecture (name_en skipped: v[4] is the
     * prefecture code) */
    double v[17] = {0};
    s++;
    for (int k = 0; k < 17; k++) {
        if (k == 4) /* past name_en */
            s += strcspn(s, ",\n") + 1;
        v[k] = *s == ',' ? -1 : strtod(s, NULL);
        s += strcspn(s, ",\n");
        if (*s == ',')
            s++;
    }
    r->area_km2 = v[6];
    r->reached_km2 = v[7];
    r->population = v[9];
    r->pop_reached = v[10];
    r->other_province = (int)v[15];
    r->other_prefecture = (int)v[16];
    free(csv);
    return 1;
}

/* Independent reference: the area (km²) of district `code` within the union of the discs a
 * hub's budget leaves around each station its trains reach in time: radius (budget - rail
 * minutes) / MIN_PER_KM, scaled by `scale` and widened by `add_m`. Computed with OGR/GEOS
 * on the fixture polygon, reprojected into the run's CRS (the GeoTIFF's). */
static double disc_area_km2(const char *out, const char *hub, const char *code, double scale,
                            double add_m)
{
    GDALDatasetH tif = open_tif(out, hub);
    OGRSpatialReferenceH dst = srs_of(GDALGetProjectionRef(tif));
    GDALClose(tif);
    GDALDatasetH ds = GDALOpenEx(R2 "/grenzen.gpkg", GDAL_OF_VECTOR, NULL, NULL, NULL);
    cr_assert_not_null(ds);
    OGRLayerH l = GDALDatasetGetLayerByName(ds, "bezirke");
    OGRSpatialReferenceH src = OSRClone(OGR_L_GetSpatialRef(l));
    OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(src, dst);
    OGRGeometryH unit = NULL;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        if (strcmp(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "bezirk_id")), code) == 0) {
            unit = OGR_G_Clone(OGR_F_GetGeometryRef(f));
            cr_assert_eq(OGR_G_Transform(unit, ct), OGRERR_NONE);
        }
        OGR_F_Destroy(f);
    }
    cr_assert_not_null(unit, "no district %s", code);
    static const char *const ids[] = {"wien_hbf", "gaenserndorf", "hohenau", "marchegg",
                                      "breclav", "brno_hln", "bratislava_hlst", "malacky",
                                      "kuty", "senec", "trnava"};
    OGRGeometryH discs = NULL;
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        double x, y, t = rail(out, hub, ids[i], &x, &y);
        if (!(t <= BUDGET))
            continue;
        OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
        OGR_G_SetPoint_2D(pt, 0, x, y);
        OGRGeometryH d = OGR_G_Buffer(pt, (BUDGET - t) / MIN_PER_KM * 1000.0 * scale + add_m, 64);
        OGR_G_DestroyGeometry(pt);
        if (!discs)
            discs = d;
        else {
            OGRGeometryH u = OGR_G_Union(discs, d);
            OGR_G_DestroyGeometry(discs);
            OGR_G_DestroyGeometry(d);
            discs = u;
        }
    }
    OGRGeometryH in = OGR_G_Intersection(unit, discs);
    double a = in ? OGR_G_Area(in) / 1e6 : 0;
    OGR_G_DestroyGeometry(in);
    OGR_G_DestroyGeometry(discs);
    OGR_G_DestroyGeometry(unit);
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(src);
    OSRDestroySpatialReference(dst);
    GDALClose(ds);
    return a;
}

/* Every province of out/region/provinces.geojson is valid and has no hole (region 2's lands
 * have none): the districts meet at T-junctions (one's edge along two neighbours'), whose
 * edges, cut into pieces before reprojection, do not meet exactly; the union kept a sliver
 * hole along each (20 in Austria), which the file wrote as rings of no area, invalid, and the
 * maps drew as province borders inside Austria and Czechia. */
static void province_clean(void *feature, void *out)
{
    OGRFeatureH f = feature;
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    const char *code = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "prov_code"));
    cr_assert(g && OGR_G_IsValid(g), "%s: province %s is invalid", (const char *)out, code);
    int multi = wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon;
    for (int i = 0; i < (multi ? OGR_G_GetGeometryCount(g) : 1); i++)
        cr_assert_eq(OGR_G_GetGeometryCount(multi ? OGR_G_GetGeometryRef(g, i) : g), 1,
                     "%s: province %s has a hole", (const char *)out, code);
}

static void provinces_clean(const char *out)
{
    char p[400];
    snprintf(p, sizeof p, "%s/%s/region/provinces.geojson", cli_tmp, out);
    cr_assert_eq(cli_each_feature(p, province_clean, (void *)out), 3);
}

static void run_3035(const char *out, const char *hubs)
{
    cr_assert_eq(cli_sh("%s run " FLAGS " --crs EPSG:3035 --resolution 1000 --budget 90 "
                        "--hubs %s --no-maps -q --out %s/%s",
                        ISR_CLI, hubs, cli_tmp, out),
                 0, "%s", cli_output());
}

Test(region2, rail_times_by_hand_and_the_raster)
{
    run_3035("o", "wien_hbf,bratislava_hlst,brno_hln");
    provinces_clean("o");
    /* OUT/README.md describes the rail layers' own fields (copies of the inputs), by the
     * options that named them: before, the sample's defaults (id, name, speed_kmh, …) */
    cr_assert_eq(cli_sh("python3 '%s/tests/outreadme_check.py' '%s/o' '%s/README.md' '%s' '%s'",
                        ISR_SOURCE_DIR, cli_tmp, ISR_SOURCE_DIR, ISR_SOURCE_DIR, cli_tmp),
                 0, "%s", cli_output());
    cr_assert_eq(cli_sh("grep -qxF -- '- `station_label`: the station'\\''s name (--station-name)' "
                        "'%s/o/README.md' && grep -qxF -- '- `vmax_kmh`: the line'\\''s speed, "
                        "km/h (--line-speed)' '%s/o/README.md'",
                        cli_tmp, cli_tmp),
                 0);
    /* Defaults: wait half the headway, 2 min dwell at calls passed through, 6 min per change.
     * Lines (tests/region2/strecken.gpkg):
     *   R 81     wien_hbf-gaenserndorf-hohenau-breclav, takt 60, fahrzeit 24;26;10
     *   RJ       halte wien_hbf;breclav;brno_hln (skips gaenserndorf, hohenau), takt 60, 50;30
     *   REX 8    wien_hbf-marchegg-bratislava_hlst, takt 30, 35;25
     *   Os Kúty  bratislava_hlst-malacky-kuty-breclav, takt 30, takt_rueck 60, 30;20;15
     *   Os Trnava bratislava_hlst-senec-trnava, takt 30, no fahrzeit: length at 100 km/h */
    struct { const char *hub, *to; double want; } t[] = {
        {"wien_hbf", "wien_hbf", 0},
        {"wien_hbf", "marchegg", 50},         /* REX: 15 wait + 35 */
        {"wien_hbf", "bratislava_hlst", 77},  /* REX all stops: 15 + 35 + 2 dwell + 25 */
        {"wien_hbf", "gaenserndorf", 54},     /* R 81: 30 + 24 */
        {"wien_hbf", "hohenau", 82},          /* R 81: 30 + 24 + 2 + 26 */
        {"wien_hbf", "breclav", 80},          /* RJ express: 30 + 50, not R 81's 30+24+2+26+2+10 = 94 */
        {"wien_hbf", "brno_hln", 112},        /* RJ: 30 + 50 + 2 (Břeclav) + 30; no dwell at skipped stops */
        {"wien_hbf", "kuty", 131},            /* change at Břeclav: 80 + 6 + 30 (takt_rueck 60 / 2) + 15,
                                                 not via Bratislava 77 + 6 + 15 + 30 + 2 + 20 = 150 */
        {"wien_hbf", "malacky", 128},         /* change at Bratislava: 77 + 6 + 15 + 30 */
        {"bratislava_hlst", "marchegg", 40},  /* 15 + 25 */
        {"bratislava_hlst", "wien_hbf", 77},  /* 15 + 25 + 2 + 35 */
        {"bratislava_hlst", "kuty", 67},      /* 15 + 30 + 2 + 20 */
        {"bratislava_hlst", "breclav", 84},   /* 15 + 30 + 2 + 20 + 2 + 15 */
        {"bratislava_hlst", "brno_hln", 150}, /* 84 + 6 change + 30 RJ wait + 30 */
        {"bratislava_hlst", "hohenau", 130},  /* 84 + 6 + 30 R 81 wait + 10 */
        {"bratislava_hlst", "gaenserndorf", 137}, /* via Wien: 77 + 6 + 30 + 24 */
        {"brno_hln", "breclav", 60},          /* 30 + 30 */
        {"brno_hln", "wien_hbf", 112},        /* 30 + 30 + 2 + 50 */
        {"brno_hln", "bratislava_hlst", 165}, /* 60 + 6 + 30 (rueck) + 15 + 2 + 20 + 2 + 30 */
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        cr_assert_float_eq(rail("o", t[i].hub, t[i].to, NULL, NULL), t[i].want, 1e-3,
                           "%s -> %s: %g min, expected %g", t[i].hub, t[i].to,
                           rail("o", t[i].hub, t[i].to, NULL, NULL), t[i].want);
    /* Os Trnava has no run times: distance along the line (straight between its stations,
     * so the distance between their analysis-CRS positions) at 100 km/h, + 15 wait */
    double bx, by, sx, sy, tx, ty;
    rail("o", "bratislava_hlst", "bratislava_hlst", &bx, &by);
    double senec = rail("o", "bratislava_hlst", "senec", &sx, &sy);
    double trnava = rail("o", "bratislava_hlst", "trnava", &tx, &ty);
    double d1 = hypot(sx - bx, sy - by), d2 = hypot(tx - sx, ty - sy);
    cr_assert_float_eq(senec, 15 + d1 / 1000 / 100 * 60, 2e-3, "senec %g, d1 %g m", senec, d1);
    cr_assert_float_eq(trnava, 15 + d1 / 1000 / 100 * 60 + 2 + d2 / 1000 / 100 * 60, 2e-3);
    /* ~22.9 km by the map (17.106 E 48.159 N to 17.400 E 48.220 N): 13.7 min */
    cr_assert(d1 > 22500 && d1 < 23300, "Bratislava-Senec %g m", d1);

    /* The raster: every station reached by rail within the budget holds its rail time
     * (no other path is faster here); the hub's cell is 0; beyond the budget nodata. */
    static const char *const ids[] = {"wien_hbf", "gaenserndorf", "hohenau", "marchegg",
                                      "breclav", "brno_hln", "bratislava_hlst", "malacky",
                                      "kuty", "senec", "trnava"};
    GDALDatasetH ds = open_tif("o", "wien_hbf");
    int seen = 0;
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        double x, y, tr = rail("o", "wien_hbf", ids[i], &x, &y);
        int c, r;
        int in = cell_of(ds, x, y, &c, &r);
        if (tr <= BUDGET) {
            cr_assert(in, "%s outside the raster", ids[i]);
            cr_assert_float_eq(cell_value(ds, c, r), tr, 1e-3, "%s cell", ids[i]);
            seen++;
        } else if (in) {
            cr_assert_float_eq(cell_value(ds, c, r), -9999.0f, 0, "%s beyond the budget", ids[i]);
        }
    }
    cr_assert_eq(seen, 6); /* wien_hbf 0, marchegg 50, gaenserndorf 54, bratislava 77, breclav 80, hohenau 82 */
    /* Local travel from the hub: 10 cells (10 km) east along a row: 10 × 3.9 = 39.0 min;
     * (6, 8) cells away is also 10 km, off every move direction: the isotropic search goes
     * there in a straight line, 39.0 min too (the r.cost kernel: up to 2.75 % more). */
    double hx, hy;
    rail("o", "wien_hbf", "wien_hbf", &hx, &hy);
    int c0, r0;
    cr_assert(cell_of(ds, hx, hy, &c0, &r0));
    cr_assert_float_eq(cell_value(ds, c0, r0), 0.0f, 0);
    cr_assert_float_eq(cell_value(ds, c0 + 10, r0), 39.0f, 1e-3);
    float v = cell_value(ds, c0 + 6, r0 - 8);
    cr_assert_float_eq(v, 39.0f, 1e-3, "(6,8) km from the hub: %g min", v);
    /* ... and from a station reached by rail: Marchegg (50 min) then 8 km north:
     * 50 + 8 × 3.9 = 81.2 (Gänserndorf, 54 min, is 15 km away: 113 min); (-3, 4) = 5 km:
     * 50 + 19.5 = 69.5. */
    double mx, my;
    rail("o", "wien_hbf", "marchegg", &mx, &my);
    int cm, rm;
    cr_assert(cell_of(ds, mx, my, &cm, &rm));
    cr_assert_float_eq(cell_value(ds, cm, rm - 8), 81.2f, 1e-3);
    v = cell_value(ds, cm - 3, rm - 4);
    cr_assert_float_eq(v, 69.5f, 1e-3, "Marchegg + 5 km: %g min", v);

    /* The GeoTIFF carries the CRS given with --crs, and run.json records the same one */
    OGRSpatialReferenceH s = srs_of(GDALGetProjectionRef(ds));
    cr_assert_eq(OSRAutoIdentifyEPSG(s), OGRERR_NONE);
    cr_assert_str_eq(OSRGetAuthorityCode(s, NULL), "3035");
    cr_assert_str_eq(OSRGetName(s), "ETRS89-extended / LAEA Europe");
    double gt[6];
    GDALGetGeoTransform(ds, gt);
    cr_assert_float_eq(gt[1], 1000.0, 0);
    GDALClose(ds);
    json_object *rj = run_json("o");
    json_object *grid = json_object_object_get(rj, "grid");
    OGRSpatialReferenceH sj = srs_of(json_object_get_string(json_object_object_get(grid, "crs_wkt")));
    cr_assert(OSRIsSame(s, sj), "run.json's CRS is not the GeoTIFF's");
    cr_assert_str_eq(OSRGetAuthorityCode(sj, NULL), "3035");
    json_object *in = json_object_object_get(rj, "inputs");
    cr_assert_eq(json_object_get_int(json_object_object_get(in, "boundary_units")), 24,
                 "the 'bezirke' layer, not the first layer 'laender' (3)");
    cr_assert_eq(json_object_get_int(json_object_object_get(in, "stations_count")), 11);
    cr_assert_eq(json_object_get_int(json_object_object_get(in, "lines_count")), 5);
    cr_assert_eq(json_object_array_length(json_object_object_get(in, "stations_not_on_lines")), 0);
    OSRDestroySpatialReference(s);
    OSRDestroySpatialReference(sj);
    json_object_put(rj);
}

Test(region2, reach_population_isochrones_and_the_reach_command)
{
    run_3035("o", "wien_hbf,bratislava_hlst");
    row r;
    /* The hub's own district, region and country are in no other province or prefecture */
    cr_assert(reach_row("o", "bratislava_hlst", "county", "SK-101", &r));
    cr_assert_eq(r.other_province, 0);
    cr_assert_eq(r.other_prefecture, 0);
    /* Bratislava (17.0-17.3 E, 48.05-48.3 N) is reached whole: its farthest corner is
     * 17 km from the station, inside the 23 km local-travel disc; 617 cells of 1 km² */
    cr_assert_float_eq(r.reached_km2, r.area_km2, 0);
    cr_assert_float_eq(r.area_km2, disc_area_km2("o", "bratislava_hlst", "SK-101", 1, 0),
                       0.01 * r.area_km2, "%g km²", r.area_km2);
    cr_assert_float_eq(r.pop_reached, 475000, 0.5);
    cr_assert(reach_row("o", "bratislava_hlst", "prefecture", "SK01", &r));
    cr_assert_eq(r.other_province, 0);
    cr_assert_eq(r.other_prefecture, 0);
    cr_assert(reach_row("o", "bratislava_hlst", "province", "SK", &r));
    cr_assert_eq(r.other_province, 0);
    cr_assert_eq(r.other_prefecture, -1); /* a country is no one region: empty */
    cr_assert_float_eq(r.population, 1030000, 0.5); /* 475+75+165+120+135+60 thousand */
    /* Trnava district is in the same country but in another region: both said on both rows
     * (before, one column compared countries on county rows and regions on region rows) */
    cr_assert(reach_row("o", "bratislava_hlst", "county", "SK-207", &r));
    cr_assert_eq(r.other_province, 0);
    cr_assert_eq(r.other_prefecture, 1);
    cr_assert(reach_row("o", "bratislava_hlst", "prefecture", "SK02", &r));
    cr_assert_eq(r.other_province, 0);
    cr_assert_eq(r.other_prefecture, 1);
    /* Across the border in Austria: Gänserndorf (16.6-17.0 E, 48.1-48.45 N), reached from
     * the hub (23.1 km disc) and from Marchegg (40 min: 12.8 km disc). Against the disc
     * union measured with GEOS: the isotropic search reaches the discs themselves, so
     * only the cells cut by the disc edges differ (counted by centre): within 1 %. */
    cr_assert(reach_row("o", "bratislava_hlst", "county", "AT-308", &r));
    cr_assert_eq(r.other_province, 1);
    cr_assert_eq(r.other_prefecture, 1);
    double ref = disc_area_km2("o", "bratislava_hlst", "AT-308", 1, 0);
    cr_log_info("Gänserndorf reached %g km², disc union %g km² (%+.2f %%)", r.reached_km2, ref,
                100 * (r.reached_km2 - ref) / ref);
    cr_assert(fabs(r.reached_km2 - ref) <= 0.01 * ref, "Gänserndorf %g km², reference %g",
              r.reached_km2, ref);
    /* pop_reached = einwohner × cells reached / cells: 105,000 spread evenly */
    cr_assert_float_eq(r.pop_reached, 105000 * r.reached_km2 / r.area_km2, 1.0);
    /* Bruck an der Leitha lies at the disc's fringe, where a small change of radius moves
     * much of the area: bracket it between discs of r - ½ cell diagonal and r + ½ cell
     * diagonal (the seed is the station's cell centre, not the station) */
    cr_assert(reach_row("o", "bratislava_hlst", "county", "AT-307", &r));
    cr_assert_eq(r.other_province, 1);
    cr_assert_eq(r.other_prefecture, 1);
    double lo = disc_area_km2("o", "bratislava_hlst", "AT-307", 1, -707.1);
    double hi = disc_area_km2("o", "bratislava_hlst", "AT-307", 1, 707.1);
    cr_assert(r.reached_km2 >= lo && r.reached_km2 <= hi, "Bruck %g km², expected %g-%g",
              r.reached_km2, lo, hi);
    cr_assert(reach_row("o", "bratislava_hlst", "province", "AT", &r));
    cr_assert_eq(r.other_province, 1);
    cr_assert_eq(r.other_prefecture, -1);
    cr_assert_float_eq(r.population, 2935000, 0.5);
    /* Wien reaches Bratislava (77 min) by rail: 13 min left, a 3.3 km disc of ~35 km²,
     * in Slovakia */
    cr_assert(reach_row("o", "wien_hbf", "county", "SK-101", &r));
    cr_assert_eq(r.other_province, 1);
    cr_assert_eq(r.other_prefecture, 1);
    ref = disc_area_km2("o", "wien_hbf", "SK-101", 1, 0);
    cr_assert(r.reached_km2 >= 0.8 * ref && r.reached_km2 <= 1.2 * ref, "%g vs %g",
              r.reached_km2, ref);
    cr_assert(reach_row("o", "wien_hbf", "county", "AT-901", &r));
    cr_assert_eq(r.other_province, 0);
    cr_assert_eq(r.other_prefecture, 0);
    cr_assert_eq(reach_row("o", "wien_hbf", "county", "CZ-0642", &r), 0, "Brno is 112 min away");

    /* Population is conserved: the 24 districts add up to the fixture's 5,292,000 */
    char p[512];
    snprintf(p, sizeof p, "%s/o/region/units.geojson", cli_tmp);
    GDALDatasetH ds = GDALOpenEx(p, GDAL_OF_VECTOR, NULL, NULL, NULL);
    cr_assert_not_null(ds);
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    cr_assert_eq(OGR_L_GetFeatureCount(l, 1), 24);
    double total = 0;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        total += OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "population"));
        if (strcmp(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "code")), "CZ-0642") == 0) {
            cr_assert_str_eq(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "name")), "Brno-město");
            cr_assert_str_eq(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "pref_name")),
                             "Jihomoravský kraj");
            cr_assert_str_eq(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "prov_code")), "CZ");
        }
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    cr_assert_float_eq(total, 5292000, 0.5);

    /* Isochrones: RFC 7946 (OGR, EPSG:4326, lon/lat order, the independent node check),
     * six bands of 15 min up to 90 that nest */
    snprintf(p, sizeof p, "%s/o/hubs/bratislava_hlst/isochrones.geojson", cli_tmp);
    cr_assert_eq(cli_sh("ogrinfo -ro -so -al %s", p), 0);
    cr_assert_eq(cli_sh("node %s/tests/geojson/validate.js %s %s/o/hubs/wien_hbf/isochrones.geojson "
                        "%s/o/region/units.geojson", ISR_SOURCE_DIR, p, cli_tmp, cli_tmp),
                 0, "RFC 7946 check failed: %s", cli_output());
    ds = GDALOpenEx(p, GDAL_OF_VECTOR, NULL, NULL, NULL);
    l = GDALDatasetGetLayer(ds, 0);
    cr_assert_str_eq(OSRGetAuthorityCode(OGR_L_GetSpatialRef(l), NULL), "4326");
    OGREnvelope env;
    cr_assert_eq(OGR_L_GetExtent(l, &env, 1), OGRERR_NONE);
    cr_assert(env.MinX > 15.8 && env.MaxX < 17.8 && env.MinY > 47.8 && env.MaxY < 49.4,
              "not lon/lat in the region: %g %g %g %g", env.MinX, env.MinY, env.MaxX, env.MaxY);
    OGRGeometryH prev = NULL;
    double prev_km2 = 0, last_max = 0;
    int within = 0;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        if (strcmp(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "kind")), "within") != 0) {
            OGR_F_Destroy(f);
            continue;
        }
        double mx = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "max_minutes"));
        double km2 = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "area_km2"));
        OGRGeometryH g = OGR_G_Clone(OGR_F_GetGeometryRef(f));
        cr_assert(OGR_G_IsValid(g), "band %g invalid", mx);
        cr_assert_float_eq(mx, last_max + 15, 0);
        cr_assert_gt(km2, prev_km2, "area(%g) %g <= area(%g) %g", mx, km2, last_max, prev_km2);
        if (prev) { /* the smaller band lies inside this one (up to the 6-decimal rounding) */
            OGRGeometryH out = OGR_G_Difference(prev, g);
            double a = out ? OGR_G_Area(out) : 0;
            cr_assert_lt(a, 1e-6 * OGR_G_Area(prev), "band %g leaves band %g", last_max, mx);
            OGR_G_DestroyGeometry(out);
            OGR_G_DestroyGeometry(prev);
        }
        prev = g;
        prev_km2 = km2;
        last_max = mx;
        within++;
        OGR_F_Destroy(f);
    }
    OGR_G_DestroyGeometry(prev);
    GDALClose(ds);
    cr_assert_eq(within, 6);
    /* the 90-min band is every cell reached: run.json's area for the hub */
    json_object *rj = run_json("o");
    json_object *h = json_object_array_get_idx(json_object_object_get(rj, "hubs"), 1);
    cr_assert_str_eq(json_object_get_string(json_object_object_get(h, "id")), "bratislava_hlst");
    cr_assert_float_eq(json_object_get_double(json_object_object_get(h, "area_km2")), prev_km2,
                       0.02 * prev_km2);
    json_object_put(rj);

    /* `isoreach reach` with the same inputs and fields reproduces every table byte for byte */
    cr_assert_eq(cli_sh("cd %s/o && cat hubs/*/reach.csv hubs/*/summary.csv hubs/*/people_by_minute.csv "
                        "region/hubs_summary.csv region/reach_matrix.csv region/summary.json "
                        "region/units.geojson | md5sum > ../before.md5", cli_tmp), 0);
    cr_assert_eq(cli_sh("%s reach --out %s/o -q " FLAGS, ISR_CLI, cli_tmp), 0, "%s", cli_output());
    cr_assert_eq(cli_sh("cd %s/o && cat hubs/*/reach.csv hubs/*/summary.csv hubs/*/people_by_minute.csv "
                        "region/hubs_summary.csv region/reach_matrix.csv region/summary.json "
                        "region/units.geojson | md5sum | diff - ../before.md5", cli_tmp),
                 0, "isoreach reach changed the tables");
}

/* A PNG of a plausible map's size. */
static void check_png(const char *path)
{
    char *s = cli_slurp(path);
    cr_assert_eq(memcmp(s, "\x89PNG\r\n\x1a\n", 8), 0, "%s is not a PNG", path);
    free(s);
    cr_assert_eq(cli_sh("test $(stat -c %%s %s) -gt 50000", path), 0, "%s is tiny", path);
}

Test(region2, fitted_albers_with_maps_and_the_map_command)
{
    /* no --crs: the Albers conic fitted to the boundaries; no --hubs: the is_hub flag */
    cr_assert_eq(cli_sh("%s run " FLAGS " --resolution 1000 --budget 90 -q --out %s/a", ISR_CLI,
                        cli_tmp),
                 0, "%s", cli_output());
    provinces_clean("a");
    GDALDatasetH ds = open_tif("a", "wien_hbf");
    OGRSpatialReferenceH s = srs_of(GDALGetProjectionRef(ds));
    GDALClose(ds);
    cr_assert_str_eq(OSRGetAttrValue(s, "PROJECTION", 0), "Albers_Conic_Equal_Area");
    /* standard parallels at 1/6 and 5/6 of 47.8-49.4 N: 48.0667 and 49.1333 */
    cr_assert_float_eq(OSRGetProjParm(s, SRS_PP_STANDARD_PARALLEL_1, 0, NULL), 47.8 + 1.6 / 6,
                       1e-3);
    cr_assert_float_eq(OSRGetProjParm(s, SRS_PP_STANDARD_PARALLEL_2, 0, NULL), 47.8 + 1.6 * 5 / 6,
                       1e-3);
    json_object *rj = run_json("a");
    OGRSpatialReferenceH sj = srs_of(json_object_get_string(
        json_object_object_get(json_object_object_get(rj, "grid"), "crs_wkt")));
    cr_assert(OSRIsSame(s, sj));
    cr_assert_eq(json_object_array_length(json_object_object_get(rj, "hubs")), 3,
                 "three stations have is_hub = 1");
    json_object_put(rj);
    OSRDestroySpatialReference(s);
    OSRDestroySpatialReference(sj);
    /* given run times do not depend on the CRS */
    cr_assert_float_eq(rail("a", "wien_hbf", "bratislava_hlst", NULL, NULL), 77, 1e-3);
    cr_assert_float_eq(rail("a", "wien_hbf", "kuty", NULL, NULL), 131, 1e-3);
    cr_assert_float_eq(rail("a", "brno_hln", "breclav", NULL, NULL), 60, 1e-3);
    /* Gänserndorf from Bratislava against the disc reference in this CRS, as above */
    row r;
    cr_assert(reach_row("a", "bratislava_hlst", "county", "AT-308", &r));
    cr_assert_eq(r.other_province, 1);
    cr_assert_eq(r.other_prefecture, 1);
    double ref = disc_area_km2("a", "bratislava_hlst", "AT-308", 1, 0);
    cr_assert(fabs(r.reached_km2 - ref) <= 0.04 * ref, "%g km² vs %g", r.reached_km2, ref);
    /* equal-area: the district's cells (counted by centre) agree with its polygon's area
     * (a disc 1000 km wider covers it all) to within 3 %: an edge that runs along the grid
     * may gain or lose half a cell along its whole 39 km (1154 cells in EPSG:3035) */
    double whole = disc_area_km2("a", "bratislava_hlst", "AT-308", 1, 1e6);
    cr_assert(fabs(r.area_km2 - whole) <= 0.03 * whole, "area %g, polygon %g", r.area_km2, whole);

    /* the maps of the run, then `isoreach map` redraws them */
    static const char *const hubs[] = {"wien_hbf", "bratislava_hlst", "brno_hln"};
    char p[512];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/a/hubs/%s/map.png", cli_tmp, hubs[i]);
        check_png(p);
    }
    cr_assert_eq(cli_sh("rm %s/a/hubs/*/map.png", cli_tmp), 0);
    cr_assert_eq(cli_sh("%s map --out %s/a -q " FLAGS, ISR_CLI, cli_tmp), 0, "%s", cli_output());
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/a/hubs/%s/map.png", cli_tmp, hubs[i]);
        check_png(p);
    }
    snprintf(p, sizeof p, "%s/a/region/contact_sheet.png", cli_tmp);
    check_png(p);
    /* the web map's rail data under the run's field names (station_code, station_label,
     * is_hub, line_label): every id, name and hub flag was empty */
    cr_assert_eq(cli_sh("/usr/bin/python3 -c \"import json,sys; s=open(sys.argv[1]).read(); "
                        "t='<script id=\\\"isoreach-data\\\" type=\\\"application/json\\\">'; "
                        "a=s.index(t)+len(t); d=json.loads(s[a:s.index('</script>',a)])['rail']; "
                        "st={x['id']:x for x in d['stations']}; "
                        "assert st['wien_hbf']['h']==1 and st['wien_hbf']['n'] and "
                        "sum(x['h'] for x in st.values())==3, st; "
                        "assert all(l['n'] for l in d['lines']), d['lines']; "
                        "a=json.loads(s[s.index(t)+len(t):s.index('</script>',s.index(t))])"
                        "['attribution']; assert a=='Boundaries: grenzen.gpkg; rail: "
                        "bahnhoefe.geojson, strecken.gpkg', a\" '%s/a/index.html'",
                        cli_tmp),
                 0, "%s", cli_output());
}

/* `isoreach reach` on boundaries wider than the run's grid: a unit half beyond it had its
 * people packed onto its half on the grid (pop_reached twice too high), and one wholly beyond
 * counted 0 people on 0 km². Refused, naming them, with the tables left as they were. */
Test(region2, reach_on_boundaries_beyond_the_grid_is_refused)
{
    cr_assert_eq(cli_sh("%s run " FLAGS " --resolution 2000 --budget 90 -q --no-maps --out %s/d",
                        ISR_CLI, cli_tmp),
                 0, "%s", cli_output());
    /* AT-901 moved a degree east, off the run's grid */
    cr_assert_eq(cli_sh("ogr2ogr -f GPKG %s/wide.gpkg " R2 "/grenzen.gpkg -nln bezirke -dialect "
                        "sqlite -sql \"SELECT bezirk_id, bezirk, region_id, region, land_id, "
                        "land, einwohner, CASE bezirk_id WHEN 'AT-901' THEN "
                        "ST_Translate(geom, 3.0, 0, 0) ELSE geom END AS geom FROM bezirke\"",
                        cli_tmp),
                 0, "%s", cli_output());
    cr_assert_eq(cli_sh("cp %s/d/hubs/wien_hbf/reach.csv %s/before.csv", cli_tmp, cli_tmp), 0);
    int rc = cli_sh("%s reach --out %s/d -q --boundaries %s/wide.gpkg --boundaries-layer bezirke",
                    ISR_CLI, cli_tmp, cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert(strstr(e, "1 unit lies partly or wholly beyond the run's grid") &&
                  strstr(e, "'AT-901' 100 % beyond. Their people and areas cannot be counted"),
              "%s", e);
    free(e);
    cr_assert_eq(cli_sh("cmp -s %s/before.csv %s/d/hubs/wien_hbf/reach.csv", cli_tmp, cli_tmp), 0,
                 "the tables were left as they were");
}

/* --attribution is the web map's credit too, as the maps print it (the page showed only the
 * boundaries' file name) */
Test(region2, the_web_map_credits_the_attribution_given)
{
    cr_assert_eq(cli_sh("%s run " FLAGS " --resolution 2000 --budget 90 -q --no-maps "
                        "--attribution 'Data: BEV & ÖBB' --out %s/c",
                        ISR_CLI, cli_tmp),
                 0, "%s", cli_output());
    cr_assert_eq(cli_sh("/usr/bin/python3 -c \"import json,sys; s=open(sys.argv[1]).read(); "
                        "t='<script id=\\\"isoreach-data\\\" type=\\\"application/json\\\">'; "
                        "a=s.index(t)+len(t); d=json.loads(s[a:s.index('</script>',a)]); "
                        "assert d['attribution']=='Data: BEV & ÖBB', d['attribution']\" "
                        "'%s/c/index.html'",
                        cli_tmp),
                 0, "%s", cli_output());
}

/* `isoreach reach --out DIR` without --boundaries uses the run's own boundaries, layer and
 * fields recorded in run.json (it once read the embedded sample's 306 YRD counties and
 * rewrote every table of the region-2 run with them): the tables come out unchanged. */
Test(region2, reach_without_flags_uses_the_runs_own_inputs)
{
    run_3035("o", "bratislava_hlst");
    cr_assert_eq(cli_sh("cd %s/o && cat hubs/*/reach.csv hubs/*/summary.csv hubs/*/people_by_minute.csv "
                        "region/hubs_summary.csv region/reach_matrix.csv region/summary.json "
                        "region/units.geojson | md5sum > ../before.md5", cli_tmp), 0);
    cr_assert_eq(cli_sh("%s reach --out %s/o -q", ISR_CLI, cli_tmp), 0, "%s", cli_output());
    cr_assert_eq(cli_sh("cd %s/o && cat hubs/*/reach.csv hubs/*/summary.csv hubs/*/people_by_minute.csv "
                        "region/hubs_summary.csv region/reach_matrix.csv region/summary.json "
                        "region/units.geojson | md5sum | diff - ../before.md5", cli_tmp),
                 0, "isoreach reach without flags changed the tables");
}

/* A field flag that names a field the layer lacks is refused, naming it, and nothing is
 * written (not silently treated as absent: here that would put all 24 districts in one
 * unnamed "region" or count no one). (fields.c checks every field flag before anything is read). */
Test(region2, field_flags_naming_missing_fields_are_refused)
{
    static const char *const bad[][2] = {
        {"--pref-field regio", "'regio'"},
        {"--pop-field population", "'population'"},
        {"--unit-name-en bezirk_en", "no field 'bezirk_en' (--unit-name-en)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = cli_sh("%s run " FLAGS " %s --crs EPSG:3035 --resolution 2000 --hubs wien_hbf "
                        "--no-maps -q --out %s/bad", ISR_CLI, bad[i][0], cli_tmp);
        char *s = cli_output();
        cr_assert_eq(rc, 1, "%s: exit %d: %s", bad[i][0], rc, s);
        cr_assert(strstr(s, bad[i][1]) && strstr(s, "bezirke"), "%s: %s", bad[i][0], s);
        free(s);
        cr_assert_eq(cli_sh("test -e %s/bad/run.json", cli_tmp), 1);
    }
}

/* Issue 17: inputs without English names (no name_en, pref_en, prov_en here) give the
 * English columns and properties all the same, empty, so a table has one shape everywhere;
 * an English field named explicitly but absent is refused, naming file, layer and field. */
Test(region2, english_names_absent_columns_present_and_empty)
{
    run_3035("o", "wien_hbf");
    char p[512];
    snprintf(p, sizeof p, "%s/o/hubs/wien_hbf/reach.csv", cli_tmp);
    char *csv = cli_slurp(p);
    cr_assert(strstr(csv, "\nwien_hbf,county,AT-308,Gänserndorf,,AT12,AT,"), "%s", csv);
    cr_assert(strstr(csv, "\nwien_hbf,province,AT,Österreich,,,AT,"), "%s", csv);
    free(csv);
    snprintf(p, sizeof p, "%s/o/hubs/wien_hbf/stations.csv", cli_tmp);
    csv = cli_slurp(p);
    cr_assert(strstr(csv, "station_name,station_name_en,rail_minutes"), "%.200s", csv);
    cr_assert(strstr(csv, "\nwien_hbf,wien_hbf,Wien Hauptbahnhof,,0.000,"), "%s", csv);
    free(csv);
    snprintf(p, sizeof p, "%s/o/region/reach_matrix.csv", cli_tmp);
    csv = cli_slurp(p);
    cr_assert(strstr(csv, "\nwien_hbf,Wien Hauptbahnhof,,AT12,Niederösterreich,,AT,"), "%s", csv);
    free(csv);
    /* every feature has the English properties, empty */
    cr_assert_eq(cli_sh("cd %s/o/region && test \"$(grep -o '\"name_en\": \"\"' units.geojson | wc -l)\" "
                        "= 24 && test \"$(grep -o '\"prov_en\": \"\"' units.geojson | wc -l)\" = 24 && "
                        "test \"$(grep -o '\"prov_en\": \"\"' provinces.geojson | wc -l)\" = 3 && "
                        "test \"$(grep -o '\"name_en\": \"\"' rail_stations.geojson | wc -l)\" = 11",
                        cli_tmp),
                 0, "%s", cli_output());
    int rc = cli_sh("%s run " FLAGS " --station-name-en label_en --crs EPSG:3035 --resolution 2000 "
                    "--hubs wien_hbf --no-maps -q --out %s/bad",
                    ISR_CLI, cli_tmp);
    char *s = cli_output();
    cr_assert_eq(rc, 1, "%s", s);
    cr_assert(strstr(s, "isoreach: 1 field flag names no field: stations '" R2 "/bahnhoefe.geojson' "
                        "layer 'bahnhoefe': no field 'label_en' (--station-name-en) — its fields "
                        "are: station_code, station_label, is_hub."),
              "%s", s);
    free(s);
    cr_assert_eq(cli_sh("test -e %s/bad", cli_tmp), 1, "the output folder was left behind");
}

/* ---- transfers between stations (issue 13) ------------------------------------------- */

/* Bratislava hub, 3035, with `extra` flags into OUT. */
static int run_transfers(const char *out, const char *extra)
{
    return cli_sh("%s run " FLAGS " --crs EPSG:3035 --resolution 1000 --budget 90 --hubs "
                  "bratislava_hlst --no-maps -q --out %s/%s %s",
                  ISR_CLI, cli_tmp, out, extra);
}

static int run_int(json_object *run, const char *key)
{
    json_object *in, *v;
    cr_assert(json_object_object_get_ex(run, "inputs", &in));
    cr_assert(json_object_object_get_ex(in, key, &v), "run.json has no inputs.%s", key);
    return json_object_get_int(v);
}

/* Hohenau (R 81) and Kúty (Os Kúty) lie 12.7 km apart across the March, on no common line.
 * From Bratislava: Kúty 67 (15 wait + 30 + 2 + 20); Hohenau 130 by rail (via Břeclav) and
 * Gänserndorf 137 (via Wien). */
Test(region2, transfers_radius_and_table)
{
    /* the radius links Kúty and Hohenau only (the next pair is 15 km apart) by local
     * travel: distance in the analysis CRS x 3.9 min/km */
    cr_assert_eq(run_transfers("r", "--transfer-radius 13000"), 0, "%s", cli_output());
    double xk, yk, xh, yh;
    cr_assert_float_eq(rail("r", "bratislava_hlst", "kuty", &xk, &yk), 67, 1e-3);
    rail("r", "bratislava_hlst", "hohenau", &xh, &yh);
    double walk = hypot(xh - xk, yh - yk) / 1000.0 * MIN_PER_KM; /* 12.66 km: 49.36 min */
    cr_assert_float_eq(rail("r", "bratislava_hlst", "hohenau", NULL, NULL), 67 + walk, 2e-3);
    cr_assert_float_eq(rail("r", "bratislava_hlst", "gaenserndorf", NULL, NULL), 137, 1e-3);
    json_object *run = run_json("r");
    cr_assert_eq(run_int(run, "transfer_links"), 2);
    cr_assert_eq(run_int(run, "transfer_links_radius"), 2);
    json_object_put(run);

    /* a 5-minute link in the table overrides the radius: rail -> link -> rail to
     * Gänserndorf = 67 + 5 + 6 transfer + 30 wait (R 81 every 60) + 26 = 134 < 137 */
    cr_assert_eq(cli_sh("printf 'from_id,to_id,minutes,source\\nkuty,hohenau,5,\"a bus, say\"\\n' "
                        "> %s/t.csv", cli_tmp),
                 0);
    char extra[512];
    snprintf(extra, sizeof extra, "--transfer-radius 13000 --transfers %s/t.csv", cli_tmp);
    cr_assert_eq(run_transfers("t", extra), 0, "%s", cli_output());
    cr_assert_float_eq(rail("t", "bratislava_hlst", "hohenau", NULL, NULL), 72, 1e-3);
    cr_assert_float_eq(rail("t", "bratislava_hlst", "gaenserndorf", NULL, NULL), 134, 1e-3);
    run = run_json("t");
    cr_assert_eq(run_int(run, "transfer_links_radius"), 0);
    cr_assert_eq(run_int(run, "transfer_links_table"), 2);
    json_object *in, *path;
    json_object_object_get_ex(run, "inputs", &in);
    cr_assert(json_object_object_get_ex(in, "transfers", &path));
    char want[512];
    snprintf(want, sizeof want, "../t.csv"); /* relative to OUT (issue 17) */
    cr_assert_str_eq(json_object_get_string(path), want);
    json_object_put(run);
}

/* The pixels of band 1 of two rasters are the same bytes. */
static void same_pixels(const char *a, const char *b)
{
    GDALDatasetH da = GDALOpen(a, GA_ReadOnly), db = GDALOpen(b, GA_ReadOnly);
    cr_assert(da && db, "%s, %s", a, b);
    int w = GDALGetRasterXSize(da), h = GDALGetRasterYSize(da);
    cr_assert(w == GDALGetRasterXSize(db) && h == GDALGetRasterYSize(db), "%s: size", b);
    GDALDataType t = GDALGetRasterDataType(GDALGetRasterBand(da, 1));
    size_t n = (size_t)w * (size_t)h * (size_t)GDALGetDataTypeSizeBytes(t);
    char *pa = malloc(n), *pb = malloc(n);
    cr_assert_eq(GDALRasterIO(GDALGetRasterBand(da, 1), GF_Read, 0, 0, w, h, pa, w, h, t, 0, 0),
                 CE_None);
    cr_assert_eq(GDALRasterIO(GDALGetRasterBand(db, 1), GF_Read, 0, 0, w, h, pb, w, h, t, 0, 0),
                 CE_None);
    cr_assert(memcmp(pa, pb, n) == 0, "%s and %s differ", a, b);
    free(pa);
    free(pb);
    GDALClose(da);
    GDALClose(db);
}

/* No station of region 2 is within the default 1000 m of another, and the sample's table
 * is not applied to other stations: the default run has no links and gives the same
 * outputs as --transfer-radius 0 --transfers none (only the settings' fingerprint in the
 * rasters' metadata and run.json's options differ). */
Test(region2, transfers_none_by_default_and_no_links_change_nothing)
{
    cr_assert_eq(run_transfers("d", ""), 0, "%s", cli_output());
    cr_assert_eq(run_transfers("n", "--transfer-radius 0 --transfers none"), 0, "%s",
                 cli_output());
    json_object *run = run_json("d"), *in, *path;
    cr_assert_eq(run_int(run, "transfer_links"), 0);
    json_object_object_get_ex(run, "inputs", &in);
    cr_assert(json_object_object_get_ex(in, "transfers", &path) && path == NULL);
    json_object_put(run);
    cr_assert_eq(cli_sh("cd %s && for f in $(cd d && find . -type f ! -name '*.tif' ! -name "
                        "run.json ! -name README.md | sort); do cmp d/$f n/$f || exit 1; done",
                        cli_tmp),
                 0, "%s", cli_output());
    const char *tifs[] = {"hubs/bratislava_hlst/travel_time.tif", "region/nearest_hub_time.tif",
                          "region/nearest_hub.tif", "region/hubs_within.tif"};
    for (size_t i = 0; i < sizeof tifs / sizeof *tifs; i++) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/d/%s", cli_tmp, tifs[i]);
        snprintf(b, sizeof b, "%s/n/%s", cli_tmp, tifs[i]);
        same_pixels(a, b);
    }
}

/* A bad table: exit 1, the exact message, no output folder. */
static void transfers_refused(const char *text, const char *want_fmt)
{
    char table[512], extra[600], want[1024];
    snprintf(table, sizeof table, "%s/bad.csv", cli_tmp);
    FILE *f = fopen(table, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    snprintf(extra, sizeof extra, "--transfers %s", table);
    int rc = run_transfers("bad", extra);
    char *e = cli_stderr();
    snprintf(want, sizeof want, want_fmt, table);
    cr_assert_eq(rc, 1, "exit %d: %s", rc, e);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(cli_sh("test -e %s/bad", cli_tmp), 1, "the output folder was left behind");
}

Test(region2, bad_transfers_tables_are_refused)
{
    transfers_refused("from_id,to_id,minutes\nkuty,hohenau,5\nwien,kuty,3\nkuty,brno,4\n",
                      "isoreach: transfers '%s': 2 station ids are not in the stations: line 3 "
                      "'wien', line 4 'brno'; use the stations' --station-id values\n");
    transfers_refused("from_id,to_id,minutes\nkuty,hohenau,0\n",
                      "isoreach: transfers '%s' line 2: minutes '0' is not a number greater "
                      "than 0; give the link's travel time in minutes\n");
    transfers_refused("from_id,to_id,min\nkuty,hohenau,5\n",
                      "isoreach: transfers '%s': no column 'minutes' in the header (line 1: "
                      "'from_id,to_id,min'); the table needs the columns from_id,to_id,minutes "
                      "(directed and source are optional)\n");
}

/* Issue 17: the maps of a region whose inputs have no English names (no name_en, no
 * name_en/prov_en in the boundaries) draw with the names they have, in either language, and
 * every publication file is there. */
Test(region2, maps_without_english_names)
{
    cr_assert_eq(cli_sh("%s run " FLAGS " --resolution 4000 --budget 90 --hubs wien_hbf "
                        "--threads 1 -q --out %s/m",
                        ISR_CLI, cli_tmp),
                 0, "%s", cli_output());
    char p[512];
    snprintf(p, sizeof p, "%s/m/hubs/wien_hbf/map.svg", cli_tmp);
    char *svg = cli_slurp(p);
    cr_assert(strstr(svg, "<title>Wien Hauptbahnhof — 90-minute commuting circle</title>"));
    cr_assert(strstr(svg, ">Wien Hauptbahnhof</text>"), "the hub's label, its own name");
    cr_assert(strstr(svg, ">Travel time from Wien Hauptbahnhof</text>"));
    free(svg);
    const char *files[] = {"hubs/wien_hbf/map.pdf", "hubs/wien_hbf/map_square.png",
                           "hubs/wien_hbf/map.pgw", "hubs/wien_hbf/people_by_minute.png",
                           "hubs/wien_hbf/people_by_minute.svg", "region/contact_sheet.svg",
                           "region/contact_sheet.png"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        cr_assert_eq(cli_sh("test -s %s/m/%s", cli_tmp, files[i]), 0, "no %s", files[i]);
    /* a single hub's run draws no region overviews: they would repeat its map (issue 12) */
    const char *none[] = {"map_nearest_hub_time", "map_hubs_within", "map_nearest_hub"};
    for (size_t i = 0; i < sizeof none / sizeof *none; i++)
        cr_assert_eq(cli_sh("ls %s/m/region/%s.* 2>/dev/null | grep -q .", cli_tmp, none[i]), 1,
                     "a single hub's run drew region/%s", none[i]);
    /* one an earlier run drew stays as it was, and is named */
    cr_assert_eq(cli_sh("cp %s/m/region/contact_sheet.png %s/m/region/map_hubs_within.png",
                        cli_tmp, cli_tmp),
                 0);
    cr_assert_eq(cli_sh("%s map -q --out %s/m --threads 1 --lang zh", ISR_CLI, cli_tmp), 0, "%s",
                 cli_output());
    char *err = cli_output();
    cr_assert(strstr(err, "map_hubs_within.png' was drawn by an earlier run: a run of a single "
                          "hub draws no region overviews, which would repeat its map; delete "
                          "it"),
              "%s", err);
    cr_assert_null(strstr(err, "map_nearest_hub.png"), "%s", err);

    free(err);
    svg = cli_slurp(p);
    cr_assert(strstr(svg, "<title>Wien Hauptbahnhof 90分钟通勤圈</title>"));
    cr_assert(strstr(svg, ">从Wien Hauptbahnhof出发的通行时间</text>"));
    free(svg);
    /* any of an overview's files, each named */
    cr_assert_eq(cli_sh("touch %s/m/region/map_nearest_hub.pgw", cli_tmp), 0);
    cr_assert_eq(cli_sh("%s map -q --out %s/m --threads 1", ISR_CLI, cli_tmp), 0, "%s",
                 cli_output());
    err = cli_output();
    cr_assert(strstr(err, "map_hubs_within.png', '"), "%s", err);
    cr_assert(strstr(err, "region/map_nearest_hub.pgw' were drawn by an earlier run"), "%s",
              err);
    free(err);
}
