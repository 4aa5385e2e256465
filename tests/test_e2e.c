/* End-to-end suite: the `isoreach` command on the embedded sample, checked by numbers.
 * ISR_CLI is the built binary, ISR_SAMPLE_DIR the shapefiles/ folder, ISR_SAMPLE_RUN the
 * shared fixture run (tests/sample_fixture.sh: the sample at 1000 m, hubs shanghai_hongqiao,
 * nanjing_south, hangzhou_east, --threads 2, maps included), read-only: a test that writes
 * into a run copies it first (set by meson). */
#include "internal.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "cli_support.h"


/* The row of station `id` in a hub's stations.csv (rows "hub_id,station_id,…"), just past
 * its station_id and comma. */
static const char *station_row(const char *csv, const char *id)
{
    char key[128];
    snprintf(key, sizeof key, ",%s,", id);
    for (const char *l = strchr(csv, '\n'); l; l = strchr(l + 1, '\n')) {
        const char *c = strchr(l + 1, ',');
        if (c && strncmp(c, key, strlen(key)) == 0)
            return c + strlen(key);
    }
    cr_assert_fail("station %s not in stations.csv", id);
    return NULL;
}

/* rail_minutes of a station in a hub's stations.csv; NAN when unreachable. */
static double rail_minutes(const char *csv, const char *id, double *x, double *y)
{
    const char *p = station_row(csv, id);
    p = strchr(p, ','); /* skip the name (no commas in the sample's names) */
    cr_assert_not_null(p);
    p = strchr(p + 1, ','); /* and the English name */
    cr_assert_not_null(p);
    p++;
    double t = *p == ',' ? NAN : strtod(p, NULL);
    p = strchr(p, ',') + 1;
    *x = strtod(p, NULL);
    p = strchr(p, ',') + 1;
    *y = strtod(p, NULL);
    return t;
}

static float value_at(GDALDatasetH ds, double x, double y)
{
    double gt[6];
    GDALGetGeoTransform(ds, gt);
    int c = (int)floor((x - gt[0]) / gt[1]), r = (int)floor((y - gt[3]) / gt[5]);
    float v;
    cr_assert_eq(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, c, r, 1, 1, &v, 1, 1,
                              GDT_Float32, 0, 0),
                 CE_None);
    return v;
}

static void tmp_make(void) { cli_tmp_make("isr-e2e"); }

TestSuite(e2e, .init = tmp_make, .fini = cli_tmp_remove, .timeout = 180);

Test(e2e, info_summarises_the_counties)
{
    cr_assert_eq(cli_sh("%s info %s/yrd_counties.shp", ISR_CLI, ISR_SAMPLE_DIR), 0);
    char *s = cli_output();
    cr_assert(strstr(s, "Driver: ESRI Shapefile"), "%s", s);
    cr_assert(strstr(s, "Geometry: Polygon"), "%s", s);
    cr_assert(strstr(s, "CRS: WGS 84 (EPSG:4326), geographic (degrees)\n"), "%s", s);
    cr_assert(strstr(s, "Features: 306\n"), "%s", s);
    cr_assert(strstr(s, "    pop: Integer64\n"), "%s", s);
    cr_assert(strstr(s, "Invalid geometries: 0 of 306\n"), "%s", s);
    free(s);
    /* a custom CRS in feet (a .prj of no name): its unit said (it printed "CRS: unknown",
     * the feet said nowhere; a new-user pass), and an EPSG one in metres */
    cr_assert_eq(cli_sh("cd '%s' && ogr2ogr -q -t_srs '+proj=tmerc +lat_0=-33 +lon_0=-70 "
                        "+datum=WGS84 +units=ft' ft.gpkg %s/yrd_rail_stations.shp && ogr2ogr -q "
                        "-t_srs EPSG:32651 utm.gpkg %s/yrd_rail_stations.shp && %s info ft.gpkg "
                        "&& %s info utm.gpkg",
                        cli_tmp, ISR_SAMPLE_DIR, ISR_SAMPLE_DIR, ISR_CLI, ISR_CLI),
                 0);
    s = cli_output();
    cr_assert(strstr(s, "CRS: (unnamed), projected, in foot (0.3048 m)\n"), "%s", s);
    cr_assert(strstr(s, "CRS: WGS 84 / UTM zone 51N (EPSG:32651), projected, in metre\n"), "%s", s);
    free(s);
}

Test(e2e, info_names_a_missing_file)
{
    cr_assert_eq(cli_sh("%s info /nonexistent/x.shp", ISR_CLI), 1);
    char *s = cli_output();
    cr_assert(strstr(s, "isoreach: '/nonexistent/x.shp': cannot open it: No such file or directory"),
              "%s", s);
    free(s);
}

Test(e2e, hongqiao_rail_times_and_raster)
{
    char p[512];
    snprintf(p, sizeof p, "%s/hubs/shanghai_hongqiao/stations.csv", ISR_SAMPLE_RUN);
    char *csv = cli_slurp(p);
    /* Published fastest G-train run times from Shanghai Hongqiao (2024/25 timetables) and the
     * slowest regular stopping services, plus the modelled boarding wait: half of the
     * 10-minute headway of both corridors (5 min) and 2-minute dwells at calls between:
     *   Kunshan South  17–24 min run  -> 22–29 (+ up to 0 dwells)          -> [22, 31]
     *   Suzhou North   23–30 min run  -> 28–35, one call between (+2)      -> [28, 37]
     *   Jiaxing South  26–35 min run  -> 31–40, up to two calls (+4)       -> [31, 44]
     *   Hangzhou East  45–60 min run  -> 50–65, up to four calls (+8)      -> [50, 73] */
    struct { const char *id; double lo, hi; } want[] = {
        {"kunshan_south", 22, 31}, {"suzhou_north", 28, 37},
        {"jiaxing_south", 31, 44}, {"hangzhou_east", 50, 73}};
    snprintf(p, sizeof p, "%s/hubs/shanghai_hongqiao/travel_time.tif", ISR_SAMPLE_RUN);
    GDALDatasetH ds = GDALOpen(p, GA_ReadOnly);
    cr_assert_not_null(ds);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        double x, y, t = rail_minutes(csv, want[i].id, &x, &y);
        cr_assert(t >= want[i].lo && t <= want[i].hi, "%s: %g min, expected %g–%g", want[i].id,
                  t, want[i].lo, want[i].hi);
        /* the station's cell holds its rail arrival time, unless a faster path by local
         * travel exists (not so far from the hub) */
        if (t <= 60)
            cr_assert_float_eq(value_at(ds, x, y), t, 1e-3, "%s cell", want[i].id);
    }
    /* transfers (shapefiles/yrd_transfers.csv): the city's other stations by metro, then a
     * train from there: Taicang = 35 (metro to Shanghai station) + 60 (Shanghai ->
     * Taicang: 30 wait for the hourly Hutong railway + its 30 min run, the line's `minutes`);
     * without the table only by rail the long way round. The first train after the metro
     * pays no --transfer. */
    double tx, ty;
    cr_assert_float_eq(rail_minutes(csv, "shanghai", &tx, &ty), 35, 1e-3);
    cr_assert_float_eq(rail_minutes(csv, "shanghai_west", &tx, &ty), 38, 1e-3);
    cr_assert_float_eq(rail_minutes(csv, "shanghai_south", &tx, &ty), 40, 1e-3);
    cr_assert_float_eq(rail_minutes(csv, "taicang", &tx, &ty), 95.0, 1e-3);
    double hx, hy;
    cr_assert_float_eq(rail_minutes(csv, "shanghai_hongqiao", &hx, &hy), 0.0, 0);
    cr_assert_float_eq(value_at(ds, hx, hy), 0.0f, 0);
    free(csv);
    /* a valid COG with CRS, nodata, description, unit and settings */
    GDALRasterBandH b = GDALGetRasterBand(ds, 1);
    int has_nodata;
    cr_assert_float_eq(GDALGetRasterNoDataValue(b, &has_nodata), -9999.0, 0);
    cr_assert(has_nodata);
    cr_assert(strlen(GDALGetProjectionRef(ds)) > 100);
    cr_assert_str_eq(GDALGetMetadataItem(ds, "LAYOUT", "IMAGE_STRUCTURE"), "COG");
    cr_assert_str_eq(GDALGetMetadataItem(ds, "HUB_ID", NULL), "shanghai_hongqiao");
    cr_assert_str_eq(GDALGetMetadataItem(ds, "BUDGET_MIN", NULL), "60");
    cr_assert_str_eq(GDALGetDescription(b), "travel time from the hub (minutes)");
    cr_assert_str_eq(GDALGetRasterUnitType(b), "min");
    /* overviews only above ISR_COG_OVERVIEW_PX (2048) cells a side (test
     * grid/cog_overviews_only_for_large_rasters): none for this one */
    cr_assert(GDALGetRasterXSize(ds) <= 2048 && GDALGetRasterYSize(ds) <= 2048);
    cr_assert_eq(GDALGetOverviewCount(b), 0);
    /* every value is nodata or in [0, 60]; only the hub's cell is 0 */
    int w = GDALGetRasterXSize(ds), h = GDALGetRasterYSize(ds);
    float *v = malloc((size_t)w * (size_t)h * sizeof *v);
    cr_assert_eq(GDALRasterIO(b, GF_Read, 0, 0, w, h, v, w, h, GDT_Float32, 0, 0), CE_None);
    size_t zeros = 0, valid = 0;
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
        if (v[i] == -9999.0f)
            continue;
        cr_assert(v[i] >= 0 && v[i] <= 60.0f, "value %g", v[i]);
        zeros += v[i] == 0.0f;
        valid++;
    }
    cr_assert_eq(zeros, 1);
    /* Local travel alone (20 km/h, detour 1.3: 15.4 km in 60 min) covers at most
     * pi * 15.4^2 = 745 km²; the stations reached by rail (Kunshan South, Songjiang, Suzhou
     * North, Jiashan South, … each with its own smaller disc) must add well over half that. */
    cr_assert_gt(valid * 1.0, 1.5 * 745.0, "%zu cells of 1 km²", valid);
    cr_assert_lt(valid * 1.0, 5000.0, "%zu cells of 1 km²", valid);
    free(v);
    GDALClose(ds);
    cr_assert_eq(cli_sh("gdalinfo -checksum %s", p), 0);
    /* region products */
    snprintf(p, sizeof p, "%s/region/nearest_hub_time.tif", ISR_SAMPLE_RUN);
    ds = GDALOpen(p, GA_ReadOnly);
    cr_assert_not_null(ds);
    cr_assert_str_eq(GDALGetMetadataItem(ds, "LAYOUT", "IMAGE_STRUCTURE"), "COG");
    GDALClose(ds);
    snprintf(p, sizeof p, "%s/region/nearest_hub.csv", ISR_SAMPLE_RUN);
    char *lut = cli_slurp(p);
    cr_assert_str_eq(lut, "\xEF\xBB\xBFvalue,hub_id,hub_name,hub_name_en\n"
                          "0,shanghai_hongqiao,上海虹桥,Shanghai Hongqiao\n"
                          "1,nanjing_south,南京南,Nanjing South\n2,hangzhou_east,杭州东,Hangzhou East\n");
    free(lut);
    cr_assert_eq(cli_sh("find %s -name '.*part*' | grep -q .", ISR_SAMPLE_RUN), 1,
                 "temporary files left");
}

/* Every vector output opens in OGR with every geometry valid by GEOS's rules. */
static void check_vector(const char *path, int want_features)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    cr_assert_not_null(ds, "%s does not open", path);
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    cr_assert_eq((int)OGR_L_GetFeatureCount(l, 1), want_features, "%s", path);
    cr_assert_str_eq(OSRGetAuthorityCode(OGR_L_GetSpatialRef(l), NULL), "4326");
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        cr_assert(!g || OGR_G_IsValid(g), "%s: feature %lld is invalid", path,
                  (long long)OGR_F_GetFID(f));
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
}

/* The first line of a file. */
static char *first_line(const char *path)
{
    char *s = cli_slurp(path);
    char *nl = strchr(s, '\n');
    if (nl)
        *nl = '\0';
    return s;
}

Test(e2e, reach_isochrones_and_region_products)
{
    char p[512], p2[512];
    /* GeoJSON: OGR, GEOS validity, and independent RFC 7946 checks (tests/geojson) */
    snprintf(p, sizeof p, "%s/hubs/shanghai_hongqiao/isochrones.geojson", ISR_SAMPLE_RUN);
    check_vector(p, 8); /* 4 bands (15, 30, 45, 60) as "within" and as "ring" */
    snprintf(p2, sizeof p2, "%s/region/units.geojson", ISR_SAMPLE_RUN);
    check_vector(p2, 306);
    cr_assert_eq(cli_sh("ogrinfo -ro -so -al %s", p), 0);
    cr_assert_eq(cli_sh("node %s/tests/geojson/validate.js %s %s %s/hubs/*/isochrones.geojson",
                    ISR_SOURCE_DIR, p, p2, ISR_SAMPLE_RUN),
                 0, "RFC 7946 check failed");
    /* CSV headers as documented in README.md */
    snprintf(p, sizeof p, "%s/hubs/shanghai_hongqiao/reach.csv", ISR_SAMPLE_RUN);
    char *h = first_line(p);
    cr_assert_str_eq(h, "\xEF\xBB\xBFhub_id,level,code,name,name_en,prefecture_code,province_code,"
                        "area_km2,reached_km2,area_share,population,pop_reached,pop_share,"
                        "min_minutes,mean_minutes_area,mean_minutes_people,other_province,"
                        "other_prefecture,pop_unknown_units,land_km2");
    free(h);
    snprintf(p2, sizeof p2, "%s/region/reach_matrix.csv", ISR_SAMPLE_RUN);
    h = first_line(p2);
    cr_assert_str_eq(h, "\xEF\xBB\xBFhub_id,hub_name,hub_name_en,prefecture_code,prefecture_name,"
                        "prefecture_name_en,province_code,area_share,pop_share,reached_km2,pop_reached,"
                        "other_province,other_prefecture,pop_unknown_units");
    free(h);
    /* every CSV parses with GDAL's CSV driver: the same columns on every row */
    cr_assert_eq(cli_sh("ogrinfo -ro -al -q %s > /dev/null && ogrinfo -ro -al -q %s > /dev/null", p, p2), 0);
    /* Hongqiao's circle crosses into Jiangsu (Suzhou, 320500) and Zhejiang (Jiaxing,
     * 330400), and both rows are marked in another province and prefecture */
    char *csv = cli_slurp(p);
#define HQ "\nshanghai_hongqiao,"
    cr_assert(strstr(csv, HQ "prefecture,320500,苏州市,Suzhou,320500,320000,"), "no Suzhou row:\n%s", csv);
    cr_assert(strstr(csv, HQ "prefecture,330400,嘉兴市,Jiaxing,330400,330000,"), "no Jiaxing row");
    cr_assert(strstr(csv, HQ "province,320000,江苏省,Jiangsu,") && strstr(csv, HQ "province,330000,浙江省,Zhejiang,"));
    /* the row ends "other_province,other_prefecture,pop_unknown_units,land_km2": 1, 1 and 0
     * (every population is known), then the land */
    const char *suz = strstr(csv, HQ "prefecture,320500,");
    size_t len = strcspn(suz + 1, "\n");
    while (len > 0 && suz[len] != ',')
        len--; /* drop land_km2 */
    cr_assert(len > 6 && strncmp(suz + 1 + len - 7, ",1,1,0,", 7) == 0, "Suzhou not cross-border");
    const char *sh_row = strstr(csv, HQ "prefecture,310000,");
    cr_assert_not_null(sh_row);
    len = strcspn(sh_row + 1, "\n");
    while (len > 0 && sh_row[len] != ',')
        len--;
    cr_assert(len > 6 && strncmp(sh_row + 1 + len - 7, ",0,0,0,", 7) == 0,
              "Shanghai marked cross-border");
    free(csv);
    /* summary.json: every hub, ranked by cross-border share, descending */
    snprintf(p, sizeof p, "%s/region/summary.json", ISR_SAMPLE_RUN);
    json_object *root = json_object_from_file(p);
    cr_assert_not_null(root);
    json_object *arr = json_object_object_get(root, "hubs");
    cr_assert_eq(json_object_array_length(arr), 3);
    double prev = 2;
    for (size_t i = 0; i < 3; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        double share = json_object_get_double(json_object_object_get(o, "cross_border_share"));
        double pop = json_object_get_double(json_object_object_get(o, "population_reached"));
        double out = json_object_get_double(json_object_object_get(o, "population_outside_province"));
        cr_assert_eq(json_object_get_int(json_object_object_get(o, "rank")), (int)i + 1);
        cr_assert_leq(share, prev);
        cr_assert_float_eq(share, out / pop, 1e-4);
        prev = share;
        if (strcmp(json_object_get_string(json_object_object_get(o, "id")), "shanghai_hongqiao") == 0) {
            cr_assert_gt(share, 0.05, "Hongqiao reaches across the border");
            cr_assert_eq(json_object_get_int(json_object_object_get(o, "provinces_reached")), 3);
        }
    }
    json_object_put(root);
}

/* Issue 17: the tables for people read in GDAL's CSV driver and in Python's csv module (the
 * BOM stripped, not part of the first column's name; Chinese names as written), each level
 * of reach.csv adding up to the hub's people (tests/tables_check.py). */
Test(e2e, tables_read_with_gdal_and_python_bom_and_chinese_names)
{
    static const char *const files[] = {
        "hubs/shanghai_hongqiao/reach.csv",   "hubs/shanghai_hongqiao/stations.csv",
        "hubs/shanghai_hongqiao/summary.csv", "hubs/shanghai_hongqiao/people_by_minute.csv",
        "region/hubs_summary.csv",            "region/reach_matrix.csv"};
    static const long rows[] = {-1, -1, 1, 61, 3, -1}; /* minutes 0..60; 3 hubs */
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", ISR_SAMPLE_RUN, files[i]);
        const char *const drivers[] = {"CSV", NULL};
        GDALDatasetH ds = GDALOpenEx(p, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
        cr_assert_not_null(ds, "GDAL cannot read %s", p);
        OGRLayerH lyr = GDALDatasetGetLayer(ds, 0);
        OGRFeatureDefnH fd = OGR_L_GetLayerDefn(lyr);
        cr_assert_str_eq(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, 0)), "hub_id", "%s", p);
        if (rows[i] >= 0)
            cr_assert_eq(OGR_L_GetFeatureCount(lyr, 1), rows[i], "%s", p);
        int name = OGR_FD_GetFieldIndex(fd, strstr(p, "stations") ? "station_name" : "hub_name");
        int found = name < 0; /* reach.csv and people_by_minute.csv: no hub name */
        OGRFeatureH f;
        while ((f = OGR_L_GetNextFeature(lyr)) != NULL) {
            cr_assert_str_eq(OGR_F_GetFieldAsString(f, 0), strstr(p, "region/")
                                                               ? OGR_F_GetFieldAsString(f, 0)
                                                               : "shanghai_hongqiao");
            found |= name >= 0 && strcmp(OGR_F_GetFieldAsString(f, name), "上海虹桥") == 0;
            OGR_F_Destroy(f);
        }
        cr_assert(found, "%s: no 上海虹桥", p);
        GDALClose(ds);
    }
    cr_assert_eq(cli_sh("/usr/bin/python3 %s/tests/tables_check.py %s shanghai_hongqiao 上海虹桥 "
                        "'Shanghai Hongqiao'",
                        ISR_SOURCE_DIR, ISR_SAMPLE_RUN),
                 0, "%s", cli_output());
}

/* A whole raster of the shared run as floats (nodata kept as its value); *w, *h its size,
 * gt its geotransform. */
static float *read_all(const char *rel, int *w, int *h, double gt[6])
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", ISR_SAMPLE_RUN, rel);
    GDALDatasetH ds = GDALOpen(p, GA_ReadOnly);
    cr_assert_not_null(ds, "%s", p);
    *w = GDALGetRasterXSize(ds);
    *h = GDALGetRasterYSize(ds);
    GDALGetGeoTransform(ds, gt);
    float *v = malloc((size_t)*w * (size_t)*h * sizeof *v);
    cr_assert_eq(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, *w, *h, v, *w, *h,
                              GDT_Float32, 0, 0),
                 CE_None);
    GDALClose(ds);
    return v;
}

Test(e2e, region_rasters_are_the_hubs_minimum_nearest_and_count)
{
    /* The region rasters, made from tiles of 256 cells (acc.c), equal the reduction of the
     * three hubs' own rasters cell by cell: the least time, the hub of it (the first on a
     * tie) and how many hubs reach. They cover the tiles the hubs reach, a window of the
     * 765 x 895 grid; land that no hub reaches counts 0, beyond the region nodata. */
    static const char *hubs[] = {"shanghai_hongqiao", "nanjing_south", "hangzhou_east"};
    int w, h, hw, hh;
    double gt[6], hgt[6];
    float *t = read_all("region/nearest_hub_time.tif", &w, &h, gt);
    float *nh = read_all("region/nearest_hub.tif", &w, &h, gt);
    float *cnt = read_all("region/hubs_within.tif", &w, &h, gt);
    /* the rasters cover the tiles the hubs reach, a window of the 1 km grid named in them */
    char p[512];
    snprintf(p, sizeof p, "%s/region/hubs_within.tif", ISR_SAMPLE_RUN);
    GDALDatasetH ds = GDALOpen(p, GA_ReadOnly);
    const char *rg = GDALGetMetadataItem(ds, "ISOREACH_REGION_GRID", NULL);
    cr_assert_not_null(rg);
    double x0, y0, cell;
    int gnx, gny;
    cr_assert_eq(sscanf(rg, "%lf,%lf,%lf,%d,%d", &x0, &y0, &cell, &gnx, &gny), 5, "%s", rg);
    GDALClose(ds);
    cr_assert_eq(cell, 1000.0);
    int wc0 = (int)lround((gt[0] - x0) / cell), wr0 = (int)lround((y0 - gt[3]) / cell);
    cr_assert(wc0 % 256 == 0 && wr0 % 256 == 0, "window at %d, %d", wc0, wr0);
    cr_assert(w <= gnx - wc0 && h <= gny - wr0 && w > 256 && h > 256, "%d x %d of %d x %d", w, h,
              gnx, gny);
    size_t n = (size_t)w * (size_t)h;
    float *et = malloc(n * sizeof *et), *eh = malloc(n * sizeof *eh), *ec = calloc(n, sizeof *ec);
    for (size_t i = 0; i < n; i++) {
        et[i] = INFINITY;
        eh[i] = -1;
    }
    for (int k = 0; k < 3; k++) {
        char rel[200];
        snprintf(rel, sizeof rel, "hubs/%s/travel_time.tif", hubs[k]);
        float *v = read_all(rel, &hw, &hh, hgt);
        int c0 = (int)lround((hgt[0] - gt[0]) / gt[1]), r0 = (int)lround((hgt[3] - gt[3]) / gt[5]);
        cr_assert(c0 >= 0 && r0 >= 0 && c0 + hw <= w && r0 + hh <= h, "%s outside the window", rel);
        for (int r = 0; r < hh; r++)
            for (int c = 0; c < hw; c++) {
                float x = v[(size_t)r * (size_t)hw + (size_t)c];
                if (x < 0)
                    continue;
                size_t u = (size_t)(r0 + r) * (size_t)w + (size_t)(c0 + c);
                if (x < et[u]) {
                    et[u] = x;
                    eh[u] = (float)k;
                }
                ec[u]++;
            }
        free(v);
    }
    size_t reached = 0, land_unreached = 0, outside = 0;
    for (size_t i = 0; i < n; i++) {
        if (isinf(et[i])) {
            cr_assert_eq(t[i], -9999.0f, "cell %zu", i);
            cr_assert_eq(nh[i], -1.0f, "cell %zu", i);
            cr_assert(cnt[i] == 0.0f || cnt[i] == 65535.0f, "cell %zu: %g", i, cnt[i]);
            land_unreached += cnt[i] == 0.0f;
            outside += cnt[i] == 65535.0f;
            continue;
        }
        reached++;
        cr_assert_eq(t[i], et[i], "cell %zu: %g, the hubs' least %g", i, t[i], et[i]);
        cr_assert_eq(nh[i], eh[i], "cell %zu: hub %g, not %g", i, nh[i], eh[i]);
        cr_assert_eq(cnt[i], ec[i], "cell %zu: %g hubs, not %g", i, cnt[i], ec[i]);
    }
    /* at 1 km the three circles reach a few thousand km² of the window's land */
    cr_assert_gt(reached, 2000);
    cr_assert_gt(land_unreached, 20000);
    cr_assert_gt(outside, 1000);
    /* a tile of 256 x 256 cells that no hub reaches but holds land: counts 0 there too */
    int land_tiles = 0;
    for (int tr = 0; tr * 256 < h; tr++)
        for (int tc = 0; tc * 256 < w; tc++) {
            size_t any = 0, zero = 0;
            for (int r = tr * 256; r < h && r < (tr + 1) * 256; r++)
                for (int c = tc * 256; c < w && c < (tc + 1) * 256; c++) {
                    any += isfinite(et[(size_t)r * (size_t)w + (size_t)c]);
                    zero += cnt[(size_t)r * (size_t)w + (size_t)c] == 0.0f;
                }
            land_tiles += !any && zero > 0;
        }
    cr_assert_gt(land_tiles, 0);
    free(t);
    free(nh);
    free(cnt);
    free(et);
    free(eh);
    free(ec);
}

Test(e2e, reach_subcommand_recomputes_without_searching)
{
    /* reach rewrites the tables: on a copy of the shared run */
    cr_assert_eq(cli_sh("cp -r '%s' '%s/o'", ISR_SAMPLE_RUN, cli_tmp), 0);
    cr_assert_eq(cli_sh("cd %s/o && cat hubs/*/reach.csv hubs/*/summary.csv hubs/*/people_by_minute.csv "
                        "region/hubs_summary.csv region/reach_matrix.csv region/summary.json "
                    "region/units.geojson | md5sum > ../before.md5", cli_tmp), 0);
    /* the same boundaries: the very same tables (units.geojson too: the run splices the
     * model's geometry lines into it, reach lets GDAL format every geometry) */
    /* the copy is elsewhere than its inputs (run.json names them relative to OUT): given */
    cr_assert_eq(cli_sh("%s reach --out %s/o -q --boundaries '%s/shapefiles/yrd_counties.shp' "
                        "--water '%s/shapefiles/yrd_water.shp'",
                        ISR_CLI, cli_tmp, ISR_SOURCE_DIR, ISR_SOURCE_DIR),
                 0, "%s", cli_output());
    cr_assert_eq(cli_sh("cd %s/o && cat hubs/*/reach.csv hubs/*/summary.csv hubs/*/people_by_minute.csv "
                        "region/hubs_summary.csv region/reach_matrix.csv region/summary.json "
                    "region/units.geojson | md5sum | diff - ../before.md5", cli_tmp), 0);
    /* the counties copied elsewhere and given alone: the run's water (the sample's, taken by
     * default) stays, and the tables are the same. It was dropped as a default that goes
     * with the sample's boundaries only: Wuzhong, which holds most of Taihu, had three times
     * its land and a third of its share reached from Suzhou. */
    cr_assert_eq(cli_sh("cd %s && %s run -q --no-maps --hubs suzhou_north --resolution 3000 "
                        "--out w && mkdir cp && cp '%s/shapefiles/yrd_counties.'* cp/ && "
                        "cat w/hubs/*/reach.csv w/region/units.geojson | md5sum > w.md5 && "
                        "%s reach -q --out w --boundaries cp/yrd_counties.shp && "
                        "cat w/hubs/*/reach.csv w/region/units.geojson | md5sum | diff - w.md5",
                        cli_tmp, ISR_CLI, ISR_SOURCE_DIR, ISR_CLI),
                 0, "%s", cli_output());
    /* other levels: --pref-field none, no prefectures: each county is its own (none is
     * derived from the GB/T 2260 codes, which made Shanghai's districts "prefecture" 310100) */
    cr_assert_eq(cli_sh("%s reach --out %s/o --pref-field none -q --boundaries "
                        "'%s/shapefiles/yrd_counties.shp' --water '%s/shapefiles/yrd_water.shp'",
                        ISR_CLI, cli_tmp, ISR_SOURCE_DIR, ISR_SOURCE_DIR),
                 0, "%s", cli_output());
    char p[512];
    snprintf(p, sizeof p, "%s/o/region/reach_matrix.csv", cli_tmp);
    char *m = cli_slurp(p);
    cr_assert(strstr(m, "\nshanghai_hongqiao,上海虹桥,Shanghai Hongqiao,310101,黄浦区,"), "%s", m);
    cr_assert_null(strstr(m, ",310100,"), "%s", m);
    cr_assert_null(strstr(m, ",310000,上海市,"), "%s", m);
    free(m);
    /* and a missing run is named */
    cr_assert_eq(cli_sh("%s reach --out %s/nothing -q", ISR_CLI, cli_tmp), 1);
    char *s = cli_output();
    cr_assert(strstr(s, "nothing' holds no run.json: isoreach reach works on the outputs of a "
                        "finished isoreach run"),
              "%s", s);
    free(s);
}

Test(e2e, same_outputs_whatever_the_thread_count)
{
    /* the shared run was made with --threads 2; the same with one thread, maps left out (they
     * are drawn from these outputs): every raster, table and GeoJSON byte for byte the same */
    cr_assert_eq(cli_sh("%s run --hubs shanghai_hongqiao,nanjing_south,hangzhou_east --resolution "
                        "1000 --threads 1 --no-maps --out %s/t1 -q",
                        ISR_CLI, cli_tmp),
                 0);
    cr_assert_eq(cli_sh("cd %s/t1 && find hubs region -type f | sort | xargs md5sum > ../t1.md5 && "
                        "test $(wc -l < ../t1.md5) -ge 20 && cd '%s' && md5sum -c --quiet %s/t1.md5",
                        cli_tmp, ISR_SAMPLE_RUN, cli_tmp),
                 0, "outputs differ between 1 and 2 threads");
    /* one hub on three threads: its raster is written on a spare thread beside its tables and
     * isochrones (batch.c hub_outputs), under a temporary name; the same files as one thread
     * writes them one after the other, and no temporary left */
    for (int t = 1; t <= 3; t += 2)
        cr_assert_eq(cli_sh("%s run --hubs shanghai_hongqiao --resolution 1000 --threads %d "
                            "--no-maps --out %s/one%d -q",
                            ISR_CLI, t, cli_tmp, t),
                     0);
    cr_assert_eq(cli_sh("cd %s/one1 && find hubs region -type f | sort | xargs md5sum > "
                        "../one1.md5 && test $(wc -l < ../one1.md5) -ge 15 && cd ../one3 && "
                        "md5sum -c --quiet ../one1.md5 && test $(find . -name '.*part-*' | wc -l) "
                        "= 0 && test $(find hubs region -type f | wc -l) = $(wc -l < ../one1.md5)",
                        cli_tmp),
                 0, "one hub: outputs differ between 1 and 3 threads, or a temporary is left");
}

Test(e2e, a_missing_hub_is_named_and_nothing_is_written)
{
    cr_assert_eq(cli_sh("%s run --hubs nowhere_east --out %s/bad -q", ISR_CLI, cli_tmp), 1);
    char *s = cli_output();
    cr_assert(strstr(s, "isoreach: --hubs: no station has id 'nowhere_east' in"), "%s", s);
    free(s);
    cr_assert_eq(cli_sh("test -e %s/bad/run.json", cli_tmp), 1);
}

/* Every stderr line of a --log-json run is a JSON object; returns how many have `event`. */
static int json_events(const char *event, const char *stage_or_level)
{
    char p[300];
    snprintf(p, sizeof p, "%s/stderr.txt", cli_tmp);
    char *err = cli_slurp(p), *save = NULL;
    int n = 0;
    for (char *line = strtok_r(err, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_object *o = json_tokener_parse(line);
        cr_assert_not_null(o, "not a JSON object: %s", line);
        const char *ev = json_object_get_string(json_object_object_get(o, "event"));
        json_object *k = json_object_object_get(o, "stage");
        if (!k)
            k = json_object_object_get(o, "level");
        if (ev && strcmp(ev, event) == 0 &&
            (!stage_or_level || (k && strcmp(json_object_get_string(k), stage_or_level) == 0)))
            n++;
        json_object_put(o);
    }
    free(err);
    return n;
}

Test(e2e, log_json_for_pipelines)
{
    cr_assert_eq(cli_sh("%s run --hubs shanghai_hongqiao,suzhou_north --resolution 5000 --no-maps "
                        "--log-json --out %s/o", ISR_CLI, cli_tmp), 0);
    cr_assert_eq(json_events("progress", "hubs"), 2, "one progress event per hub");
    cr_assert_geq(json_events("log", "info"), 1);
    cr_assert_eq(json_events("done", NULL), 1);
    cr_assert_eq(cli_sh("%s run --hubs nowhere --log-json --out %s/o2", ISR_CLI, cli_tmp), 1);
    cr_assert_eq(json_events("error", "bad input"), 1);
}

/* --quiet and --log-json are the CLI's own switches (the library refuses them): wherever they
 * stand, even after a bad flag, and together. */
Test(e2e, cli_switches_quiet_and_log_json)
{
    cr_assert_eq(cli_sh("%s run --budget 0 --log-json", ISR_CLI), 2);
    char *e = cli_stderr();
    cr_assert_str_eq(e, "{\"event\":\"error\",\"level\":\"usage error\",\"message\":"
                        "\"--budget: 0 is out of range (more than 0 to 1440)\"}\n");
    free(e);
    /* quiet JSON: no progress and no info, only the end */
    /* (3000 m: at 4000 m the sample's rivers under half a cell wide are warned about) */
    cr_assert_eq(cli_sh("%s run -q --hubs shanghai_hongqiao --resolution 3000 --no-maps "
                        "--log-json --threads 1 --out %s/o", ISR_CLI, cli_tmp), 0);
    e = cli_stderr();
    char want[512];
    snprintf(want, sizeof want, "{\"event\":\"done\",\"message\":\"%s/o\"}\n", cli_tmp);
    cr_assert_str_eq(e, want);
    free(e);
    /* quiet text: nothing at all (the hub is reused) */
    cr_assert_eq(cli_sh("%s run --hubs shanghai_hongqiao --resolution 3000 --no-maps --quiet "
                        "--threads 1 --out %s/o", ISR_CLI, cli_tmp), 0);
    e = cli_stderr();
    cr_assert_str_eq(e, "");
    free(e);
    /* the help still lists them, last, as before */
    cr_assert_eq(cli_sh("%s run --help", ISR_CLI), 0);
    char p[300];
    snprintf(p, sizeof p, "%s/stdout.txt", cli_tmp);
    char *h = cli_slurp(p);
    const char *tail = "  --quiet, -q             no progress bar and no information messages (warnings\n"
                       "                          and errors still show)\n"
                       "  --log-json              messages and progress as JSON lines on stderr\n";
    cr_assert(strlen(h) > strlen(tail) && strcmp(h + strlen(h) - strlen(tail), tail) == 0,
              "run --help does not end with --quiet and --log-json:\n%s", h);
    free(h);
}

Test(e2e, usage_errors_exit_2)
{
    cr_assert_eq(cli_sh("%s run --budget 0", ISR_CLI), 2);
    char *s = cli_output();
    cr_assert_str_eq(s, "isoreach: --budget: 0 is out of range (more than 0 to 1440)\n");
    free(s);
    cr_assert_eq(cli_sh("%s frobnicate", ISR_CLI), 2);
}

/* The first line of the last cli_sh's stdout (stdout.txt), and whether `word` is in it all. */
static void help_is(const char *cmd, const char *first, const char *absent, const char *present)
{
    cr_assert_eq(cli_sh("%s %s --help", ISR_CLI, cmd), 0, "isoreach %s --help", cmd);
    char p[300];
    snprintf(p, sizeof p, "%s/stdout.txt", cli_tmp);
    char *s = cli_slurp(p);
    cr_assert_eq(strncmp(s, first, strlen(first)), 0, "%s", s);
    cr_assert_eq(s[strlen(first)], '\n', "%s", s);
    if (absent)
        cr_assert_null(strstr(s, absent), "isoreach %s --help lists %s", cmd, absent);
    cr_assert_not_null(strstr(s, present), "isoreach %s --help lacks %s", cmd, present);
    free(s);
}

Test(e2e, each_command_has_its_own_help)
{
    help_is("run", "Usage: isoreach run [options]", NULL, "--budget MIN");
    help_is("reach", "Usage: isoreach reach [options]", "--budget", "--population RASTER");
    help_is("map", "Usage: isoreach map [options]", "--budget", "--attribution TEXT");
    help_is("map", "Usage: isoreach map [options]", "--population", "--station-id FIELD");
    help_is("info", "Usage: isoreach info PATH", "--budget", "OGR vector source");
    cr_assert_eq(cli_sh("%s reach -h", ISR_CLI), 0);
    cr_assert_eq(cli_sh("%s info", ISR_CLI), 2);
}

Test(e2e, wording_follows_the_direction_and_the_count)
{
    /* one hub, --direction to: "to the nearest hub", "1 hub" (not "1 hubs") */
    cr_assert_eq(cli_sh("%s run --out '%s/o' --hubs shanghai_hongqiao --resolution 5000 "
                        "--no-maps --direction to",
                        ISR_CLI, cli_tmp),
                 0);
    char p[300];
    snprintf(p, sizeof p, "%s/stderr.txt", cli_tmp);
    char *e = cli_slurp(p);
    cr_assert_not_null(strstr(e, " stations, "), "%s", e);
    cr_assert_not_null(strstr(e, " lines, 1 hub; grid "), "%s", e);
    free(e);
    GDALDatasetH ds = GDALOpen(strcat(strcpy(p, cli_tmp), "/o/region/nearest_hub_time.tif"),
                               GA_ReadOnly);
    cr_assert_not_null(ds);
    cr_assert_str_eq(GDALGetDescription(GDALGetRasterBand(ds, 1)),
                     "travel time to the nearest hub (minutes)");
    GDALClose(ds);
    cr_assert_eq(cli_sh("grep -c 'Time to the nearest hub' '%s/o/isoreach.qgs'", cli_tmp), 0);
    /* a run from the hubs (the shared one, three hubs, the default --direction from) */
    ds = GDALOpen(strcat(strcpy(p, ISR_SAMPLE_RUN), "/region/nearest_hub_time.tif"), GA_ReadOnly);
    cr_assert_not_null(ds);
    cr_assert_str_eq(GDALGetDescription(GDALGetRasterBand(ds, 1)),
                     "travel time from the nearest hub (minutes)");
    GDALClose(ds);
    cr_assert_eq(cli_sh("grep -c 'Time from the nearest hub' '%s/isoreach.qgs'", ISR_SAMPLE_RUN), 0);
    cr_assert_eq(cli_sh("grep -c 'Time to the nearest hub' '%s/isoreach.qgs'", ISR_SAMPLE_RUN), 1);
}

/* ---- a small network of our own: EPSG:3035, other field names -------------------------- */

static void write_file(const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", cli_tmp, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

#define LAEA "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{" \
             "\"name\":\"urn:ogc:def:crs:EPSG::3035\"}},\"features\":["
#define ST(id, x, y, hub)                                                                      \
    "{\"type\":\"Feature\",\"properties\":{\"sid\":\"" id "\",\"sname\":\"" id "\","           \
    "\"ishub\":" #hub "},\"geometry\":{\"type\":\"Point\",\"coordinates\":[" #x "," #y "]}}"

/* The value of `col` (0-based) in the stations.csv row of `id`, as text. */
static void csv_cell(const char *csv, const char *id, int col, char *out, size_t n)
{
    const char *p = station_row(csv, id);
    while (p > csv && p[-1] != '\n')
        p--; /* the row's start: its hub_id */
    for (int i = 0; i < col; i++)
        p = strchr(p, ',') + 1;
    size_t len = strcspn(p, ",\n");
    cr_assert_lt(len, n);
    memcpy(out, p, len);
    out[len] = '\0';
}

Test(e2e, stations_csv_door_to_door_and_run_json_line_stops)
{
    /* A 40 × 40 km square in EPSG:3035 (LAEA Europe). Hub H; S 2 km east on a slow line
     * (L: minutes 6, every 60 min), F 8 km east on a fast one (X: calls "H;F", minutes 2,
     * every 4 min, drawn H→F along the same street as L, past S and 200 m from P);
     * P (200 m off X, on no line) and G (in the far corner, on no line).
     *   S by rail: wait 30 + 6 = 36 min; on foot: 2 km × 1.3 / 20 km/h = 7.8 min → local
     *   F by rail: wait 2 + 2 = 4 min; on foot 31.2 min                         → rail
     *   P: no rail; on foot via F (5 km from H, 3 km from F): under 60 min      → local
     *   G: over 39 km from F, 160 min on foot: beyond the hour, no rail          → "" */
    write_file("area.geojson",
               LAEA "{\"type\":\"Feature\",\"properties\":{\"ucode\":\"U1\",\"uname\":\"Unit\"},"
                    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[4000000,3000000],"
                    "[4040000,3000000],[4040000,3040000],[4000000,3040000],[4000000,3000000]]]}}"
                    "]}");
    write_file("st.geojson", LAEA ST("H", 4005125, 3010125, 1) "," ST("S", 4007125, 3010125, 0)
                             "," ST("F", 4013125, 3010125, 0) "," ST("P", 4010125, 3010325, 0)
                             "," ST("G", 4039625, 3039625, 0) "]}");
    write_file("ln.geojson",
               LAEA "{\"type\":\"Feature\",\"properties\":{\"lname\":\"L\",\"v\":20,\"hw\":60,"
                    "\"mins\":\"6\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
                    "[[4005125,3010125],[4007125,3010125]]}},"
                    "{\"type\":\"Feature\",\"properties\":{\"lname\":\"X\",\"v\":200,\"hw\":4,"
                    "\"mins\":\"2\",\"calls\":\"H;F\"},\"geometry\":{\"type\":\"LineString\","
                    "\"coordinates\":[[4005125,3010125],[4013125,3010125]]}}]}");
    cr_assert_eq(cli_sh("cd %s && %s run --boundaries area.geojson --unit-id ucode --unit-name "
                        "uname --stations st.geojson --station-id sid --station-name sname "
                        "--hub-field ishub --lines ln.geojson --line-name lname --line-speed v "
                        "--line-headway hw --line-minutes mins --line-stops calls --resolution "
                        "250 --crs EPSG:3035 --out o --quiet",
                        cli_tmp, ISR_CLI),
                 0, "%s", cli_output());
    char p[512], v[64];
    snprintf(p, sizeof p, "%s/o/hubs/H/stations.csv", cli_tmp);
    char *csv = cli_slurp(p);
    const char *head = "\xEF\xBB\xBFhub_id,station_id,station_name,station_name_en,"
                       "rail_minutes,x,y,lon,lat,door_minutes,reached_by\n";
    cr_assert(strncmp(csv, head, strlen(head)) == 0, "%s", csv);
    csv_cell(csv, "S", 4, v, sizeof v);
    cr_assert_str_eq(v, "36.000");
    csv_cell(csv, "S", 9, v, sizeof v);
    cr_assert(fabs(atof(v) - 7.8) < 0.3, "S door-to-door %s min, expected about 7.8", v);
    csv_cell(csv, "S", 10, v, sizeof v);
    cr_assert_str_eq(v, "local");
    csv_cell(csv, "F", 4, v, sizeof v);
    cr_assert_str_eq(v, "4.000");
    csv_cell(csv, "F", 9, v, sizeof v);
    cr_assert_str_eq(v, "4.000");
    csv_cell(csv, "F", 10, v, sizeof v);
    cr_assert_str_eq(v, "rail");
    csv_cell(csv, "P", 4, v, sizeof v);
    cr_assert_str_eq(v, "");
    csv_cell(csv, "P", 10, v, sizeof v);
    cr_assert_str_eq(v, "local");
    csv_cell(csv, "G", 9, v, sizeof v);
    cr_assert_str_eq(v, "");
    csv_cell(csv, "G", 10, v, sizeof v);
    cr_assert_str_eq(v, "");
    /* lon/lat in WGS 84 with 6 decimals: H at (4005125, 3010125) in EPSG:3035, by PROJ */
    OGRSpatialReferenceH a = OSRNewSpatialReference(NULL), b = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(a, 3035);
    OSRImportFromEPSG(b, 4326);
    OSRSetAxisMappingStrategy(a, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(b, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(a, b);
    double hx = 4005125, hy = 3010125;
    cr_assert(OCTTransform(ct, 1, &hx, &hy, NULL));
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(a);
    OSRDestroySpatialReference(b);
    char ll[64];
    snprintf(ll, sizeof ll, "%.6f", hx);
    csv_cell(csv, "H", 7, v, sizeof v);
    cr_assert_str_eq(v, ll); /* about 5.4 E */
    snprintf(ll, sizeof ll, "%.6f", hy);
    csv_cell(csv, "H", 8, v, sizeof v);
    cr_assert_str_eq(v, ll); /* about 50.2 N */
    csv_cell(csv, "H", 0, v, sizeof v);
    cr_assert_str_eq(v, "H"); /* hub_id on every row */
    csv_cell(csv, "G", 0, v, sizeof v);
    cr_assert_str_eq(v, "H");
    free(csv);
    /* run.json: each line's stops with their distance from the line, and the warning */
    snprintf(p, sizeof p, "%s/o/run.json", cli_tmp);
    json_object *root = json_object_from_file(p), *in, *lines, *notes;
    cr_assert_not_null(root);
    cr_assert(json_object_object_get_ex(root, "inputs", &in));
    cr_assert(json_object_object_get_ex(in, "rail_lines", &lines));
    cr_assert_eq(json_object_array_length(lines), 2);
    const char *want = "[ { \"id\": \"L\", \"name\": \"L\", \"loop\": false, \"stops\": [ { \"id\": "
                       "\"H\", \"distance_m\": 0.0, \"minutes_to_next\": 6.000 }, { \"id\": \"S\", "
                       "\"distance_m\": 0.0, \"minutes_to_next\": null } ] }, { \"id\": \"X\", "
                       "\"name\": \"X\", \"loop\": false, \"stops\": [ { \"id\": \"H\", "
                       "\"distance_m\": 0.0, \"minutes_to_next\": 2.000 }, { \"id\": \"F\", "
                       "\"distance_m\": 0.0, \"minutes_to_next\": null } ] } ]";
    cr_assert_str_eq(json_object_to_json_string_ext(lines, JSON_C_TO_STRING_SPACED), want);
    cr_assert(json_object_object_get_ex(in, "network_warnings", &notes));
    cr_assert_eq(json_object_array_length(notes), 1);
    cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(notes, 0)),
                     "lines '../ln.geojson' layer 'ln': line 'X' (feature 1) passes within --snap "
                     "500 m of 2 station(s) not in its field 'calls', and does not stop there: "
                     "'S' (0 m), 'P' (200 m)");
    json_object_put(root);
}

/* ---- OUT/README.md and OUT-relative paths (issue 17) --------------------------------- */

/* tests/outreadme_check.py on folder `out` (under cli_tmp): every file described in
 * OUT/README.md and the main README, every CSV column and GeoJSON property in the former, no
 * absolute path of the checkout or of the tmp folder in any text file or GeoTIFF metadata. */
static void outreadme_check(const char *out)
{
    cr_assert_eq(cli_sh("python3 '%s/tests/outreadme_check.py' '%s/%s' '%s/README.md' '%s' '%s'",
                        ISR_SOURCE_DIR, cli_tmp, out, ISR_SOURCE_DIR, ISR_SOURCE_DIR, cli_tmp),
                 0, "%s: %s", out, cli_output());
}

Test(e2e, out_readme_describes_every_file_column_and_property)
{
    /* the shared run (3 hubs, maps, web map, QGIS project) */
    cr_assert_eq(cli_sh("cp -r '%s' '%s/o'", ISR_SAMPLE_RUN, cli_tmp), 0);
    outreadme_check("o");
    char p[512];
    snprintf(p, sizeof p, "%s/o/README.md", cli_tmp);
    char *s = cli_slurp(p);
    cr_assert(strstr(s, "- time budget: 60 min; bands: 15, 30, 45, 60 min; direction: from the "
                        "hubs\n- resolution: 1000 m; analysis CRS: "),
              "%s", s);
    cr_assert(strstr(s, "- hubs: 3; language of labels (--lang): en\n"), "%s", s);
    cr_assert(strstr(s, "- inputs (file names): boundaries yrd_counties.shp; stations "
                        "yrd_rail_stations.shp; lines yrd_rail_lines.shp; water yrd_water.shp;"),
              "%s", s);
    cr_assert(strstr(s, "### `region/units.geojson`"), "%s", s);
    cr_assert(strstr(s, "- `share_<hub_id>`: share (0-1) of the county's people"), "%s", s);
    /* the tables' areas are cell counts, not the polygons' (they said "measured in the
     * equal-area analysis CRS", which a user of the folder alone took for the polygon's) */
    cr_assert(strstr(s, "- `area_km2`: km²: in the tables (reach.csv, summary.csv, summary.json, "
                        "units.geojson) counted in grid cells"),
              "%s", s);
    cr_assert(strstr(s, "- The tables' areas are counted in grid cells of the analysis CRS"), "%s",
              s);
    cr_assert_null(strstr(s, "measured in the equal-area analysis CRS"), "%s", s);
    cr_assert_null(strstr(s, "scenarios/"), "no scenario in this run: %s", s);
    free(s);
    /* a file isoreach did not write is listed as such, and reach rewrites the README */
    cr_assert_eq(cli_sh("touch %s/o/region/notes.txt && %s reach --out %s/o -q "
                        "--boundaries '%s/shapefiles/yrd_counties.shp' --water "
                        "'%s/shapefiles/yrd_water.shp' && grep -qx -- '- `region/notes.txt`: not "
                        "written by isoreach (unknown file)' %s/o/README.md",
                        cli_tmp, ISR_CLI, cli_tmp, ISR_SOURCE_DIR, ISR_SOURCE_DIR, cli_tmp),
                 0, "%s", cli_output());
    /* a scenario run: scenarios/NAME/ described too */
    cr_assert_eq(cli_sh("%s run -q --no-maps --hubs shanghai_hongqiao --resolution 2000 "
                        "--scenario 'sj=%s/shapefiles/scenarios/shanghai_suzhou_jiaxing.gpkg' "
                        "--out %s/s",
                        ISR_CLI, ISR_SOURCE_DIR, cli_tmp),
                 0, "%s", cli_output());
    outreadme_check("s");
    cr_assert_eq(cli_sh("grep -q '^### `scenarios/\\*/hubs/\\*/diff.tif`' %s/s/README.md && "
                        "grep -q '^- `pref_<code>`: people newly within' %s/s/README.md",
                        cli_tmp, cli_tmp),
                 0, "%s", cli_output());
}

Test(e2e, out_moved_with_its_inputs_still_recounts_and_missing_inputs_are_named)
{
    /* OUT and its inputs in one folder, moved together: run.json names them relative to OUT */
    cr_assert_eq(cli_sh("mkdir -p %s/a/in && cp %s/shapefiles/yrd_counties.* "
                        "%s/shapefiles/yrd_rail_* %s/shapefiles/yrd_water.* %s/a/in/ && cd %s/a "
                        "&& %s run -q --no-maps --hubs nanjing_south --resolution 2000 "
                        "--boundaries in/yrd_counties.shp --stations in/yrd_rail_stations.shp "
                        "--lines in/yrd_rail_lines.shp --water in/yrd_water.shp --roads none "
                        "--transfers none --out o",
                        cli_tmp, ISR_SOURCE_DIR, ISR_SOURCE_DIR, ISR_SOURCE_DIR, cli_tmp, cli_tmp,
                        ISR_CLI),
                 0, "%s", cli_output());
    cr_assert_eq(cli_sh("grep -q '\"--boundaries\": \"..\\\\/in\\\\/yrd_counties.shp\"' "
                        "%s/a/o/run.json",
                        cli_tmp),
                 0, "run.json names the boundaries relative to OUT");
    outreadme_check("a/o");
    cr_assert_eq(cli_sh("mv %s/a %s/b && cd / && %s reach --out %s/b/o -q", cli_tmp, cli_tmp,
                        ISR_CLI, cli_tmp),
                 0, "%s", cli_output());
    /* the hubs' rasters are reused from the moved folder (settings by file name and content) */
    cr_assert_eq(cli_sh("cd %s/b && %s run --no-maps --hubs nanjing_south --resolution 2000 "
                        "--boundaries in/yrd_counties.shp --stations in/yrd_rail_stations.shp "
                        "--lines in/yrd_rail_lines.shp --water in/yrd_water.shp --roads none "
                        "--transfers none --out o 2>&1 | grep -q 'reused 1 of 1 hub'",
                        cli_tmp, ISR_CLI),
                 0, "%s", cli_output());
    /* without its inputs: refused, naming the recorded path, OUT and the flag */
    cr_assert_eq(cli_sh("rm %s/b/in/yrd_counties.* && %s reach --out %s/b/o -q", cli_tmp, ISR_CLI,
                        cli_tmp),
                 1);
    char *s = cli_output(), want[700];
    snprintf(want, sizeof want,
             "isoreach: run.json of '%s/b/o' names boundaries '../in/yrd_counties.shp' "
             "(relative to '%s/b/o'), which is not there: pass --boundaries PATH\n",
             cli_tmp, cli_tmp);
    cr_assert_str_eq(s, want);
    free(s);
}
