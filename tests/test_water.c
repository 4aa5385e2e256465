/* Criterion suite: water as a barrier (--water), on the second region (tests/region2, not the
 * sample): a square lake given as GeoJSON in EPSG:3857 (another CRS than the boundaries'),
 * Bratislava hub at 2000 m in EPSG:3035. The lake (17.17–17.27 E, 48.20–48.26 N) covers 11
 * cells (44 km²) of county SK-101 (620 km², 475,000 people). Checked: the lake's cells are
 * not reached, its county's land is 620 − 44 = 576 km² and its people stay 475,000 (moved
 * onto land), run.json records the water, and bad water input is refused with its name. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_support.h"

#define R2 ISR_REGION2_DIR
#define CLI cli_command(ISR_CLI)

static void tmp_make(void) { cli_tmp_make("isr-water"); }
TestSuite(water, .init = tmp_make, .fini = cli_tmp_remove, .timeout = 180);

#define FLAGS                                                                                     \
    "--boundaries " R2 "/grenzen.gpkg --boundaries-layer bezirke --unit-id bezirk_id "            \
    "--unit-name bezirk --pref-field region_id --pref-name region --prov-field land_id "          \
    "--prov-name land --pop-field einwohner --stations " R2 "/bahnhoefe.geojson "                 \
    "--station-id station_code --station-name station_label --hub-field is_hub --lines " R2       \
    "/strecken.gpkg --line-name line_label --line-speed vmax_kmh --line-headway takt_min "        \
    "--line-headway-back takt_rueck --line-minutes fahrzeit --line-stops halte --crs EPSG:3035 "  \
    "--resolution 2000 --hubs bratislava_hlst --no-maps -q"

/* The flags of isoreach reach among FLAGS (the run's search settings are not its to change). */
#define REACH_FLAGS                                                                               \
    "--boundaries " R2 "/grenzen.gpkg --boundaries-layer bezirke --unit-id bezirk_id "            \
    "--unit-name bezirk --pref-field region_id --pref-name region --prov-field land_id "          \
    "--prov-name land --pop-field einwohner --no-maps -q"

/* The lake, written in EPSG:4326 and converted to EPSG:3857 (TMP/lake.geojson). */
static void lake(void)
{
    cr_assert_eq(cli_sh("printf '%%s' '{\"type\":\"FeatureCollection\",\"features\":[{\"type\":"
                        "\"Feature\",\"properties\":{\"kind\":\"lake\"},\"geometry\":{\"type\":"
                        "\"Polygon\",\"coordinates\":[[[17.17,48.20],[17.27,48.20],[17.27,48.26],"
                        "[17.17,48.26],[17.17,48.20]]]}}]}' > %s/l4326.geojson",
                        cli_tmp),
                 0);
    cli_ogr("-t_srs EPSG:3857 %s/lake.geojson %s/l4326.geojson", cli_tmp, cli_tmp);
}

static int run(const char *out, const char *extra)
{
    return cli_sh("%s run " FLAGS " --out %s/%s %s", CLI, cli_tmp, out, extra);
}

/* The reach.csv row of county SK-101 in run `out`. */
static char *sk101(const char *out)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s/hubs/bratislava_hlst/reach.csv", cli_tmp, out);
    char *all = cli_slurp(p), *r = strstr(all, "\nbratislava_hlst,county,SK-101,");
    cr_assert(r, "no SK-101 row in %s", all);
    char *row = strndup(r + 1, strcspn(r + 1, "\n"));
    free(all);
    return row;
}

/* The travel time (minutes, -9999 nodata) of run `out` at lon/lat. */
static double minutes_at(const char *out, double lon, double lat)
{
    cr_assert_eq(cli_sh("gdallocationinfo -valonly -wgs84 %s/%s/hubs/bratislava_hlst/"
                        "travel_time.tif %g %g",
                        cli_tmp, out, lon, lat),
                 0);
    char *o = cli_output();
    double v = atof(o);
    free(o);
    return v;
}

Test(water, a_lake_blocks_local_travel_and_holds_no_people)
{
    lake();
    cr_assert_eq(run("dry", ""), 0, "%s", cli_output());
    char extra[600];
    snprintf(extra, sizeof extra, "--water %s/lake.geojson", cli_tmp);
    cr_assert_eq(run("wet", extra), 0, "%s", cli_output());
    char *dry = sk101("dry"), *wet = sk101("wet");
    /* without water: 620 km², 576 reached (144 cells), land = area */
    /* the people are spread evenly over the land cells: the mean minutes over the people
     * reached (mean_minutes_people) is the mean over the cells (mean_minutes_area) */
    cr_assert_str_eq(dry, "bratislava_hlst,county,SK-101,Bratislava,,SK01,SK,620.000,576.000,"
                          "0.9290,475000,441290,0.9290,0.00,36.84,36.84,0,0,0,620.000");
    /* with it: the 11 lake cells (44 km²) not reached nor land; share 520 / 576 = 0.9028; the
     * 475,000 people on 144 land cells, so 130 reached land cells hold 475000 × 130 / 144 =
     * 428,819 */
    cr_assert_str_eq(wet, "bratislava_hlst,county,SK-101,Bratislava,,SK01,SK,620.000,520.000,"
                          "0.9028,475000,428819,0.9028,0.00,35.88,35.88,0,0,0,576.000");
    free(dry);
    free(wet);
    /* the lake's middle: 44.1 minutes without water, unreachable with it */
    cr_assert_float_eq(minutes_at("dry", 17.22, 48.23), 44.12, 0.01);
    cr_assert_float_eq(minutes_at("wet", 17.22, 48.23), -9999, 0.01);
    char p[512];
    snprintf(p, sizeof p, "%s/wet/run.json", cli_tmp);
    char *rj = cli_slurp(p);
    cr_assert(strstr(rj, "lake.geojson"), "run.json does not record the water: %s", rj);
    free(rj);
}

/* isoreach reach --water on a run made without it counted the lake as water (land and people
 * on land) but kept the run's paths across it: a helper found 17 % more people reached than a
 * run with the lake, and no word. Said now; the run's own water says nothing. */
Test(water, reach_with_other_water_says_the_paths_are_the_runs)
{
    lake();
    cr_assert_eq(run("dry", ""), 0, "%s", cli_output());
    cr_assert_eq(cli_sh("%s reach " REACH_FLAGS " --out %s/dry --water %s/lake.geojson", CLI,
                        cli_tmp, cli_tmp),
                 0, "%s", cli_output());
    char *e = cli_stderr(), want[1200];
    snprintf(want, sizeof want,
             "isoreach: warning: --water %s/lake.geojson is not the water of the run in '%s/dry' "
             "(none): the travel times are the run's, so it changes the land and the people "
             "counted (shares of land, people on land), not the paths, which may cross it; to "
             "make it a barrier, run isoreach run again with --water '%s/lake.geojson'\n",
             cli_tmp, cli_tmp, cli_tmp);
    cr_assert_str_eq(e, want);
    free(e);
    char extra[600];
    snprintf(extra, sizeof extra, "--water %s/lake.geojson", cli_tmp);
    cr_assert_eq(run("wet", extra), 0, "%s", cli_output());
    cr_assert_eq(cli_sh("%s reach " REACH_FLAGS " --out %s/wet --water %s/lake.geojson", CLI,
                        cli_tmp, cli_tmp),
                 0, "%s", cli_output());
    e = cli_stderr();
    cr_assert_str_eq(e, "");
    free(e);
}

/* Exit 1, the whole stderr, and no output folder. */
static void refused(int rc, const char *want)
{
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "exit status %d, stderr: %s", rc, e);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(cli_sh("test -e %s/bad", cli_tmp), 1, "the output folder was left behind");
}

Test(water, bad_water_input_is_refused_naming_it)
{
    char extra[600], want[800];
    snprintf(extra, sizeof extra, "--water %s/nowhere.gpkg", cli_tmp);
    int rc = run("bad", extra);
    snprintf(want, sizeof want,
             "isoreach: water '%s/nowhere.gpkg': cannot open it: No such file or directory\n",
             cli_tmp);
    refused(rc, want);
    rc = run("bad", "--water " R2 "/bahnhoefe.geojson");
    refused(rc, "isoreach: water '" R2 "/bahnhoefe.geojson' layer 'bahnhoefe' has points, but "
                "water must be polygons\n");
    lake();
    snprintf(extra, sizeof extra, "--water %s/lake.geojson --water-layer seen", cli_tmp);
    rc = run("bad", extra);
    snprintf(want, sizeof want,
             "isoreach: water '%s/lake.geojson': no layer named 'seen' (layers: l4326)\n", cli_tmp);
    refused(rc, want);
    /* a layer of polygons with a line (or a point) among them: refused, naming the feature
     * (its cells were burnt as water, a barrier said nowhere; a new-user pass) */
    cli_put("mixed.geojson", "%s",
            "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
            "{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[17.17,48.20],[17.27,48.20],"
            "[17.27,48.26],[17.17,48.26],[17.17,48.20]]]}},{\"type\":\"Feature\",\"properties\":{},"
            "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[16.9,48.1],[17.1,48.3]]}}]}");
    snprintf(extra, sizeof extra, "--water %s/mixed.geojson", cli_tmp);
    rc = run("bad", extra);
    snprintf(want, sizeof want,
             "isoreach: water '%s/mixed.geojson' layer 'mixed': feature 1 is a LINESTRING; water "
             "must be polygons (lakes, rivers and the sea as areas): buffer lines into polygons "
             "of the river's width, or leave them out\n",
             cli_tmp);
    refused(rc, want);
}

/* The water is read beside the units' rasterizing (issue 12), its messages passed on after:
 * a run on two threads says what one thread says, in the same order (the water's narrow
 * river, then its cells, then the zones' unit wholly on water: Brno-město under a lake made
 * of its own outline, 1 km wider), in stderr and in run.json, as the build read them in
 * order before. */
Test(water, the_water_read_beside_the_zones_says_it_in_order)
{
    /* a river 56 m wide, then Brno-město's outline 1 km wider, as one layer of water */
    cli_ogr("-f GeoJSON %s/w2.geojson " R2 "/grenzen.gpkg -dialect sqlite -sql \"SELECT "
            "GeomFromText('POLYGON((16.95 48.10,17.35 48.10,17.35 48.1005,16.95 48.1005,16.95 "
            "48.10))', 4326) AS geom UNION ALL SELECT ST_Buffer(geom, 0.01) AS geom FROM "
            "bezirke WHERE bezirk_id='CZ-0642'\"",
            cli_tmp);
    char p[512];
    char *err[2], *warn[2];
    for (int t = 0; t < 2; t++) {
        char extra[600];
        snprintf(extra, sizeof extra, "--water %s/w2.geojson --threads %d", cli_tmp, t + 1);
        int rc = cli_sh("%s run " FLAGS " --out %s/o %s --overwrite 2>&1", CLI, cli_tmp, extra);
        err[t] = cli_output();
        cr_assert_eq(rc, 0, "%s", err[t]);
        snprintf(p, sizeof p, "%s/o/run.json", cli_tmp);
        char *j = cli_slurp(p), *w = strstr(j, "\"warnings\"");
        cr_assert(w, "%s", j);
        warn[t] = strdup(w);
        free(j);
    }
    const char *narrow = strstr(err[0], "narrower than half a 2000 m cell");
    const char *wholly = strstr(err[0], "1 unit lies wholly on water");
    cr_assert(narrow && wholly && narrow < wholly, "%s", err[0]);
    cr_assert(strstr(wholly, "'Brno-město' (CZ-0642)"), "%s", err[0]);
    cr_assert_str_eq(err[1], err[0]);
    cr_assert_str_eq(warn[1], warn[0]);
    for (int t = 0; t < 2; t++) {
        free(err[t]);
        free(warn[t]);
    }
}

/* The sample: Taihu's interior (31.2 N, 120.2 E) is water in shapefiles/yrd_water.shp, the
 * sample run's default water, so no local travel from Huzhou or Suzhou reaches it; nor its
 * southern part off Huzhou (30.95 N, 120.14 E), which with --water none Huzhou reaches in
 * 41.5 minutes (one of the 126 lake cells of 1 km² it loses to water). */
Test(water, taihu_interior_is_unreachable_on_the_sample, .timeout = 600)
{
    cr_assert_eq(cli_sh("%s run --resolution 1000 --hubs huzhou,suzhou --no-maps -q --out %s/s",
                        CLI, cli_tmp),
                 0, "%s", cli_output());
    cr_assert_eq(cli_sh("%s run --resolution 1000 --hubs huzhou --water none --no-maps -q "
                        "--out %s/n",
                        CLI, cli_tmp),
                 0, "%s", cli_output());
    const char *hub[] = {"huzhou", "suzhou", "huzhou"};
    for (int h = 0; h < 3; h++) {
        cr_assert_eq(cli_sh("gdallocationinfo -valonly -wgs84 %s/s/hubs/%s/travel_time.tif %s",
                            cli_tmp, hub[h], h < 2 ? "120.2 31.2" : "120.14 30.95"),
                     0);
        char *o = cli_output();
        cr_assert_float_eq(atof(o), -9999, 0.01, "%s reaches Taihu's interior: %s", hub[h], o);
        free(o);
    }
    cr_assert_eq(cli_sh("gdallocationinfo -valonly -wgs84 %s/n/hubs/huzhou/travel_time.tif "
                        "120.14 30.95",
                        cli_tmp),
                 0);
    char *o = cli_output();
    cr_assert_float_eq(atof(o), 41.46, 0.01, "without water: %s", o);
    free(o);
}
