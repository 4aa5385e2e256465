/* Criterion suite: a user's own region, edited the ways real data go wrong (issue 10). Every
 * case works on the second region (tests/region2: GeoPackage + GeoJSON, EPSG:3035, field
 * names unlike the sample's), copied into a scratch folder and edited with SQL, and checks
 * what the user sees: the exact message or warning, the exit status, what is (not) written,
 * and the numbers in the tables.
 *   - field flags naming no field: one message listing every one, exit 1, nothing written;
 *   - units with no population: warned with their codes, recorded in run.json, left empty
 *     (not 0) in reach.csv and units.geojson, totals above them marked;
 *   - duplicate codes refused; absurd populations refused; overlapping units warned;
 *   - every level of reach.csv, the matrix and summary.json add up to the same people;
 *   - `isoreach reach` and `isoreach map` reproduce the run from run.json alone, and `reach`
 *     with other populations recounts the isochrones too. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_support.h"

#define R2 ISR_REGION2_DIR

static void tmp_make(void) { cli_tmp_make("isr-user"); }
TestSuite(userdata, .init = tmp_make, .fini = cli_tmp_remove, .timeout = 120);

/* The region's field flags, with the boundaries taken from the scratch copy B.gpkg. */
#define FLAGS_B                                                                                   \
    "--boundaries %s/b.gpkg --boundaries-layer bezirke --unit-id bezirk_id "                      \
    "--unit-name bezirk --pref-field region_id --pref-name region --prov-field land_id "          \
    "--prov-name land --pop-field einwohner --stations " R2 "/bahnhoefe.geojson "                 \
    "--station-id station_code --station-name station_label --hub-field is_hub --lines " R2       \
    "/strecken.gpkg --line-name line_label --line-speed vmax_kmh --line-headway takt_min "        \
    "--line-headway-back takt_rueck --line-minutes fahrzeit --line-stops halte"

/* A scratch copy of the boundaries, edited with `sql` (SQLite, ';'-separated) when given. */
static void boundaries_copy(const char *sql)
{
    cr_assert_eq(cli_sh("cp %s/grenzen.gpkg %s/b.gpkg", R2, cli_tmp), 0);
    if (sql)
        cr_assert_eq(cli_sh("ogrinfo -q %s/b.gpkg -sql \"%s\" >/dev/null", cli_tmp, sql), 0, "%s",
                     cli_output());
}

/* `isoreach run` on the scratch copy, Bratislava hub, 2000 m, EPSG:3035; exit status. */
static int run_b(const char *out, const char *extra)
{
    return cli_sh("%s run " FLAGS_B " --crs EPSG:3035 --resolution 2000 --hubs bratislava_hlst "
                  "--no-maps -q --out %s/%s %s",
                  ISR_CLI, cli_tmp, cli_tmp, out, extra);
}

static char *slurp_rel(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", cli_tmp, rel);
    return cli_slurp(p);
}

/* The CSV row of reach.csv whose level and code are given, from its level on (past its
 * hub_id; a copy; NULL if absent). */
static char *reach_row(const char *out, const char *level, const char *code)
{
    char rel[256], key[128];
    snprintf(rel, sizeof rel, "%s/hubs/bratislava_hlst/reach.csv", out);
    char *all = slurp_rel(rel);
    snprintf(key, sizeof key, "\nbratislava_hlst,%s,%s,", level, code);
    char *p = strstr(all, key), *row = NULL;
    if (p) {
        p += strlen("\nbratislava_hlst,");
        size_t n = strcspn(p, "\n");
        row = strndup(p, n);
    }
    free(all);
    return row;
}

/* Field `k` (0-based) of a CSV row without quoted commas. */
static double csv_num(const char *row, int k, int *empty)
{
    const char *p = row;
    for (int i = 0; i < k && p; i++) {
        p = strchr(p, ',');
        if (p)
            p++;
    }
    cr_assert(p, "row '%s' has no field %d", row, k);
    *empty = *p == ',' || *p == '\0';
    return atof(p);
}

Test(userdata, field_flags_naming_no_field_are_all_reported_at_once)
{
    boundaries_copy(NULL);
    int rc = cli_sh("%s run " FLAGS_B " --pop-field pop_2020 --line-stops calls --crs EPSG:3035 "
                    "--resolution 2000 --hubs bratislava_hlst --no-maps -q --out %s/o",
                    ISR_CLI, cli_tmp, cli_tmp);
    char *e = slurp_rel("stderr.txt");
    cr_assert_eq(rc, 1, "%s", e);
    char want[2048];
    snprintf(want, sizeof want,
             "isoreach: 2 field flags name no field: boundaries '%s/b.gpkg' layer 'bezirke': no "
             "field 'pop_2020' (--pop-field) — its fields are: bezirk_id, bezirk, region_id, "
             "region, land_id, land, einwohner; lines '%s/strecken.gpkg' layer 'strecken': no "
             "field 'calls' (--line-stops) — its fields are: line_label, vmax_kmh, "
             "takt_min, takt_rueck, fahrzeit, halte. Give the names as they are in the data (or "
             "'none' to go without an optional field)\n",
             cli_tmp, R2);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(cli_sh("test -e %s/o/run.json || test -e %s/o/hubs", cli_tmp, cli_tmp), 1);
    /* 'none' turns an optional field off on purpose: the run goes ahead */
    cr_assert_eq(run_b("ok", "--line-headway-back none"), 0, "%s", cli_output());
}

Test(userdata, unknown_population_is_never_counted_as_zero)
{
    boundaries_copy("UPDATE bezirke SET einwohner = NULL WHERE bezirk_id IN ('SK-106', 'AT-107')");
    cr_assert_eq(run_b("o", ""), 0, "%s", cli_output());
    /* -q keeps warnings: one line naming both units */
    char *e = slurp_rel("stderr.txt");
    cr_assert(strstr(e, "2 units have no population in field 'einwohner' (AT-107, SK-106): they "
                        "are counted as unknown, not as 0"),
              "%s", e);
    free(e);
    /* run.json lists them */
    char p[512];
    snprintf(p, sizeof p, "%s/o/run.json", cli_tmp);
    json_object *run = json_object_from_file(p), *in, *un;
    cr_assert(json_object_object_get_ex(run, "inputs", &in) &&
              json_object_object_get_ex(in, "units_without_population", &un));
    cr_assert_eq(json_object_array_length(un), 2);
    cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(un, 0)), "AT-107");
    cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(un, 1)), "SK-106");
    json_object_put(run);
    /* Malacky (SK-106) is reached from Bratislava: its people are empty, not 0, and marked */
    char *row = reach_row("o", "county", "SK-106");
    cr_assert(row, "Malacky not reached");
    int empty;
    csv_num(row, 9, &empty);
    cr_assert(empty, "population of an unknown unit written as a number: %s", row);
    cr_assert_eq(csv_num(row, 17, &empty), 1.0, "%s", row);
    free(row);
    /* its region SK01 adds the known units only (Bratislava 475,000 + Senec-Pezinok 165,000)
     * and says one unit is unknown */
    row = reach_row("o", "prefecture", "SK01");
    cr_assert_eq(csv_num(row, 9, &empty), 640000.0, "%s", row);
    cr_assert_eq(csv_num(row, 17, &empty), 1.0, "%s", row);
    free(row);
    /* Bratislava itself is known */
    row = reach_row("o", "county", "SK-101");
    cr_assert_eq(csv_num(row, 9, &empty), 475000.0, "%s", row);
    cr_assert_eq(csv_num(row, 17, &empty), 0.0, "%s", row);
    free(row);
    /* units.geojson: null population (not 0) for the unknown unit; whole numbers (Integer:
     * "100000", not "100000.0") for the others */
    cr_assert_eq(cli_sh("ogrinfo -ro -q %s/o/region/units.geojson -sql \"SELECT population, "
                        "pop_unknown FROM units WHERE code = 'SK-106'\" | grep -Eq 'population "
                        "\\(Integer(64)?\\) = \\(null\\)'",
                        cli_tmp),
                 0, "%s", cli_output());
    cr_assert_eq(cli_sh("grep -q '\"population\": 475000,' %s/o/region/units.geojson && ! grep -q "
                        "'\"population\": [0-9]*\\.0' %s/o/region/units.geojson",
                        cli_tmp, cli_tmp),
                 0);
    /* summary.json counts the unknown units reached */
    snprintf(p, sizeof p, "%s/o/region/summary.json", cli_tmp);
    json_object *sum = json_object_from_file(p), *hubs, *h0, *v;
    cr_assert(json_object_object_get_ex(sum, "hubs", &hubs));
    h0 = json_object_array_get_idx(hubs, 0);
    cr_assert(json_object_object_get_ex(h0, "pop_unknown_units_reached", &v));
    cr_assert_eq(json_object_get_int(v), 1);
    json_object_put(sum);
}

/* No --pop-field and no field 'pop' (the region's people are in 'einwohner'): before the fix
 * every unit got 0 people without a word (SK-101 "…,0,0,0.0000,…", population_reached 0). */
Test(userdata, missing_default_pop_field_is_unknown_population_not_zero)
{
    boundaries_copy(NULL);
    int rc = cli_sh("%s run --boundaries %s/b.gpkg --boundaries-layer bezirke --unit-id bezirk_id "
                    "--pref-field region_id --prov-field land_id --stations " R2
                    "/bahnhoefe.geojson --station-id station_code --lines " R2 "/strecken.gpkg "
                    "--line-name line_label --line-speed vmax_kmh --line-headway takt_min "
                    "--crs EPSG:3035 --resolution 2000 --hubs bratislava_hlst --no-maps -q "
                    "--out %s/o",
                    ISR_CLI, cli_tmp, cli_tmp);
    char *e = slurp_rel("stderr.txt");
    cr_assert_eq(rc, 0, "%s", e);
    char want[600];
    snprintf(want, sizeof want,
             "isoreach: warning: boundaries '%s/b.gpkg' layer 'bezirke' has no field 'pop': "
             "population is unknown; give --pop-field or --population\n",
             cli_tmp);
    cr_assert(strstr(e, want), "%s", e);
    free(e);
    /* every row: population empty, pop_unknown_units = its counties */
    int empty;
    char *row = reach_row("o", "county", "SK-101");
    cr_assert(row);
    csv_num(row, 9, &empty);
    cr_assert(empty, "%s", row);
    cr_assert_eq(csv_num(row, 17, &empty), 1.0, "%s", row);
    free(row);
    row = reach_row("o", "province", "SK");
    cr_assert(row);
    csv_num(row, 9, &empty);
    cr_assert(empty, "%s", row);
    csv_num(row, 10, &empty);
    cr_assert(empty, "%s", row);
    cr_assert(csv_num(row, 17, &empty) >= 2.0, "%s", row);
    free(row);
    char *m = slurp_rel("o/region/reach_matrix.csv");
    for (char *l = strchr(m, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
        double v = csv_num(l + 1, 9, &empty); /* pop_reached: empty when unknown, never 0 */
        cr_assert(empty || v > 0, "%s", m);
    }
    free(m);
    /* the isochrones' population is null, run.json lists all 24 units */
    cr_assert_eq(cli_sh("ogrinfo -ro -q %s/o/hubs/bratislava_hlst/isochrones.geojson -sql "
                        "\"SELECT COUNT(*) AS n FROM isochrones WHERE population IS NOT NULL\" "
                        "| grep -q 'n (Integer) = 0'",
                        cli_tmp),
                 0, "%s", cli_output());
    char p[512];
    snprintf(p, sizeof p, "%s/o/run.json", cli_tmp);
    json_object *run = json_object_from_file(p), *in, *un;
    cr_assert(json_object_object_get_ex(run, "inputs", &in) &&
              json_object_object_get_ex(in, "units_without_population", &un));
    cr_assert_eq(json_object_array_length(un), 24);
    json_object_put(run);
    snprintf(p, sizeof p, "%s/o/region/summary.json", cli_tmp);
    json_object *sum = json_object_from_file(p), *hubs, *v;
    cr_assert(json_object_object_get_ex(sum, "hubs", &hubs));
    json_object *h0 = json_object_array_get_idx(hubs, 0);
    cr_assert(json_object_object_get_ex(h0, "population_reached", &v) && v == NULL);
    cr_assert(json_object_object_get_ex(h0, "cross_border_share", &v) && v == NULL);
    cr_assert(json_object_object_get_ex(h0, "pop_unknown_units_reached", &v) &&
              json_object_get_int(v) >= 2);
    json_object_put(sum);
}

Test(userdata, duplicate_codes_are_refused_naming_them)
{
    boundaries_copy("UPDATE bezirke SET bezirk_id = 'AT-307' WHERE bezirk_id = 'AT-308'");
    int rc = run_b("o", "");
    char *e = slurp_rel("stderr.txt");
    cr_assert_eq(rc, 1, "%s", e);
    char want[1024];
    /* Gänserndorf is feature 7 and Bruck an der Leitha feature 9 of the layer */
    snprintf(want, sizeof want,
             "isoreach: boundaries '%s/b.gpkg' layer 'bezirke': 1 code of field 'bezirk_id' is "
             "used by more than one unit: 'AT-307' (features 7, 9); each unit needs its own "
             "code (fix the codes, dissolve the parts into one feature, or name another field "
             "with --unit-id)\n",
             cli_tmp);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(cli_sh("test -e %s/o", cli_tmp), 1, "the output folder was left behind");
}

/* A unit whose code is null or blank is refused, naming its feature: it would have taken its
 * feature number as its code ('7', which another unit may really have) or '', and ' ' and ''
 * would have been two units. */
Test(userdata, null_or_blank_codes_are_refused_naming_the_feature)
{
    static const struct {
        const char *value, *what;
    } cases[] = {{"NULL", "no code"}, {"''", "a blank code"}, {"'  '", "a blank code"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "UPDATE bezirke SET bezirk_id = %s WHERE bezirk_id = 'AT-307'",
                 cases[i].value);
        boundaries_copy(sql);
        int rc = run_b("o", "");
        char *e = slurp_rel("stderr.txt");
        cr_assert_eq(rc, 1, "%s", e);
        char want[1024];
        /* Bruck an der Leitha (AT-307) is feature 9 of the layer */
        snprintf(want, sizeof want,
                 "isoreach: boundaries '%s/b.gpkg' layer 'bezirke': feature 9 has %s in field "
                 "'bezirk_id': each unit needs a code of its own (fill it in, or name another "
                 "field with --unit-id)\n",
                 cli_tmp, cases[i].what);
        cr_assert_str_eq(e, want);
        free(e);
        cr_assert_eq(cli_sh("test -e %s/o", cli_tmp), 1, "the output folder was left behind");
    }
}

Test(userdata, absurd_population_is_refused)
{
    /* a Real column (an Integer one cannot even hold it) */
    boundaries_copy("ALTER TABLE bezirke ADD COLUMN ew REAL");
    cr_assert_eq(cli_sh("ogrinfo -q %s/b.gpkg -sql \"UPDATE bezirke SET ew = einwohner\" && "
                        "ogrinfo -q %s/b.gpkg -sql \"UPDATE bezirke SET ew = 1e308 WHERE "
                        "bezirk_id = 'SK-101'\"",
                        cli_tmp, cli_tmp),
                 0, "%s", cli_output());
    int rc = run_b("o", "--pop-field ew");
    char *e = slurp_rel("stderr.txt");
    cr_assert_eq(rc, 1, "%s", e);
    char want[1024];
    snprintf(want, sizeof want,
             "isoreach: boundaries '%s/b.gpkg' layer 'bezirke': feature 11 ('SK-101') has a "
             "population of 1e+308 in field 'ew'; it must be a number of people from 0 "
             "to 10000000000 (leave it empty when unknown)\n",
             cli_tmp);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(cli_sh("test -e %s/o", cli_tmp), 1, "the output folder was left behind");
}

Test(userdata, a_unit_inside_another_is_warned_about)
{
    /* a second feature with Senec-Pezinok's polygon under another code */
    boundaries_copy(NULL);
    cr_assert_eq(cli_sh("ogr2ogr -append %s/b.gpkg %s/grenzen.gpkg -nln bezirke -sql \"SELECT "
                        "geom, 'SK-999' AS bezirk_id, 'Doppel' AS bezirk, region_id, region, "
                        "land_id, land, 1000 AS einwohner FROM bezirke WHERE bezirk_id = "
                        "'SK-107'\"",
                        cli_tmp, R2),
                 0, "%s", cli_output());
    cr_assert_eq(run_b("o", ""), 0, "%s", cli_output());
    char *e = slurp_rel("stderr.txt");
    cr_assert(strstr(e, "1 pair of units overlap by more than 0.5 % of the smaller one") &&
                  strstr(e, "'SK-107' and 'SK-999'") &&
                  strstr(e, "which lies wholly inside the other"),
              "%s", e);
    free(e);
}

Test(userdata, a_unit_laid_over_another_province_is_warned_about)
{
    /* Senec-Pezinok's polygon again, as a district of Austria: each land's districts tile it
     * (Austria's with an island), but the lands overlap. The overlap check of a clean build
     * is a union of the provinces (model.c: overlaps_once): that union must find this pair. */
    boundaries_copy(NULL);
    cr_assert_eq(cli_sh("ogr2ogr -append %s/b.gpkg %s/grenzen.gpkg -nln bezirke -sql \"SELECT "
                        "geom, 'AT-999' AS bezirk_id, 'Insel' AS bezirk, 'AT13' AS region_id, "
                        "'Wien' AS region, 'AT' AS land_id, 'Österreich' AS land, 1000 AS "
                        "einwohner FROM bezirke WHERE bezirk_id = 'SK-107'\"",
                        cli_tmp, R2),
                 0, "%s", cli_output());
    cr_assert_eq(run_b("o", ""), 0, "%s", cli_output());
    char *e = slurp_rel("stderr.txt");
    cr_assert(strstr(e, "1 pair of units overlap by more than 0.5 % of the smaller one") &&
                  strstr(e, "'SK-107' and 'AT-999'"),
              "%s", e);
    free(e);
}

Test(userdata, every_level_adds_up_to_the_same_people)
{
    boundaries_copy(NULL);
    cr_assert_eq(run_b("o", "--budget 90"), 0, "%s", cli_output());
    char *all = slurp_rel("o/hubs/bratislava_hlst/reach.csv");
    double sum[3] = {0, 0, 0};
    static const char *const lv[3] = {"county,", "prefecture,", "province,"};
    for (char *line = strchr(all, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        int empty;
        const char *row = strchr(line + 1, ',') + 1; /* past hub_id */
        cr_assert_eq(strncmp(line + 1, "bratislava_hlst,", 16), 0, "%.80s", line + 1);
        for (int k = 0; k < 3; k++)
            if (strncmp(row, lv[k], strlen(lv[k])) == 0) {
                sum[k] += csv_num(row, 10, &empty);
                if (k == 2) /* a province row has no prefecture code */
                    cr_assert(strncmp(strchr(strchr(strchr(strchr(row, ',') + 1, ',') + 1, ',') + 1,
                                             ','),
                                      ",,", 2) == 0,
                              "province row with a prefecture code: %.80s", row);
            }
    }
    free(all);
    cr_assert_gt(sum[0], 500000.0);
    cr_assert_eq(sum[0], sum[1], "counties %.0f, prefectures %.0f", sum[0], sum[1]);
    cr_assert_eq(sum[0], sum[2], "counties %.0f, provinces %.0f", sum[0], sum[2]);
    char p[512];
    snprintf(p, sizeof p, "%s/o/region/summary.json", cli_tmp);
    json_object *s = json_object_from_file(p), *hubs, *v;
    cr_assert(json_object_object_get_ex(s, "hubs", &hubs));
    cr_assert(json_object_object_get_ex(json_object_array_get_idx(hubs, 0), "population_reached",
                                        &v));
    cr_assert_eq(json_object_get_double(v), sum[0]);
    json_object_put(s);
}

Test(userdata, reach_and_map_reproduce_the_run_from_run_json)
{
    boundaries_copy(NULL);
    cr_assert_eq(run_b("o", ""), 0, "%s", cli_output());
    char *before = slurp_rel("o/hubs/bratislava_hlst/reach.csv");
    /* no input or field flag: the run's own, from run.json */
    cr_assert_eq(cli_sh("%s reach -q --out %s/o", ISR_CLI, cli_tmp), 0, "%s", cli_output());
    char *after = slurp_rel("o/hubs/bratislava_hlst/reach.csv");
    cr_assert_str_eq(after, before);
    free(after);
    cr_assert_eq(cli_sh("%s map -q --out %s/o", ISR_CLI, cli_tmp), 0, "%s", cli_output());
    cr_assert_eq(cli_sh("test -s %s/o/hubs/bratislava_hlst/map.png", cli_tmp), 0);
    /* other populations (every unit doubled): the tables AND the isochrones' people follow */
    cr_assert_eq(cli_sh("ogrinfo -ro -q %s/o/hubs/bratislava_hlst/isochrones.geojson -sql "
                        "\"SELECT population FROM isochrones WHERE kind = 'within' AND "
                        "max_minutes = 60\" | sed -n 's/.*= //p' > %s/pop1",
                        cli_tmp, cli_tmp),
                 0);
    cr_assert_eq(cli_sh("cp %s/b.gpkg %s/b2.gpkg && ogrinfo -q %s/b2.gpkg -sql \"UPDATE bezirke "
                        "SET einwohner = 2 * einwohner\" >/dev/null",
                        cli_tmp, cli_tmp, cli_tmp),
                 0);
    cr_assert_eq(cli_sh("%s reach -q --out %s/o --boundaries %s/b2.gpkg", ISR_CLI, cli_tmp,
                        cli_tmp),
                 0, "%s", cli_output());
    cr_assert_eq(cli_sh("ogrinfo -ro -q %s/o/hubs/bratislava_hlst/isochrones.geojson -sql "
                        "\"SELECT population FROM isochrones WHERE kind = 'within' AND "
                        "max_minutes = 60\" | sed -n 's/.*= //p' > %s/pop2",
                        cli_tmp, cli_tmp),
                 0);
    char *p1 = slurp_rel("pop1"), *p2 = slurp_rel("pop2");
    double a = atof(p1), b = atof(p2);
    cr_assert_gt(a, 100000.0, "%s", p1);
    cr_assert(fabs(b - 2 * a) <= 2.0, "isochrone population %.0f after doubling %.0f", b, a);
    free(p1);
    free(p2);
    free(before);
    /* no run.json: refused, not the embedded sample */
    int rc = cli_sh("%s reach -q --out %s/empty", ISR_CLI, cli_tmp);
    char *e = slurp_rel("stderr.txt");
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert(strstr(e, "holds no run.json"), "%s", e);
    free(e);
}

/* A hand-made region in UTM 32N (GeoJSON with a crs member), with field names of its own,
 * whose rail times can be worked out by hand: four 20 km square units in a row (u1..u4,
 * x 500–580 km, y 5300–5320 km, 100,000 people each), line L1 along y = 5310 km at
 * 120 km/h every 20 min (10 min per 20 km, wait 10 min) through s1 (x 510 km), s2 (530),
 * s3 (550), s4 (570). `stations` and `lines_props` may add features / replace L1's
 * properties. */
static void utm_region(const char *more_stations, const char *l1_props)
{
    static const char *const crs =
        "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32632\"}}";
    char p[512];
    snprintf(p, sizeof p, "%s/u.geojson", cli_tmp);
    FILE *f = fopen(p, "w");
    cr_assert(f);
    fprintf(f, "{\"type\":\"FeatureCollection\",%s,\"features\":[", crs);
    for (int i = 0; i < 4; i++) {
        int x0 = 500000 + 20000 * i;
        fprintf(f,
                "%s{\"type\":\"Feature\",\"properties\":{\"ucode\":\"u%d\",\"prov\":\"%c\","
                "\"people\":100000},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%d,"
                "5300000],[%d,5300000],[%d,5320000],[%d,5320000],[%d,5300000]]]}}",
                i ? "," : "", i + 1, "AB"[i / 2], x0, x0 + 20000, x0 + 20000, x0, x0);
    }
    fprintf(f, "]}\n");
    fclose(f);
    snprintf(p, sizeof p, "%s/s.geojson", cli_tmp);
    f = fopen(p, "w");
    cr_assert(f);
    fprintf(f, "{\"type\":\"FeatureCollection\",%s,\"features\":[", crs);
    for (int i = 0; i < 4; i++)
        fprintf(f,
                "%s{\"type\":\"Feature\",\"properties\":{\"sid\":\"s%d\",\"ishub\":%d},"
                "\"geometry\":{\"type\":\"Point\",\"coordinates\":[%d,5310000]}}",
                i ? "," : "", i + 1, i == 0, 510000 + 20000 * i);
    fprintf(f, "%s]}\n", more_stations ? more_stations : "");
    fclose(f);
    snprintf(p, sizeof p, "%s/l.geojson", cli_tmp);
    f = fopen(p, "w");
    cr_assert(f);
    fprintf(f,
            "{\"type\":\"FeatureCollection\",%s,\"features\":[{\"type\":\"Feature\","
            "\"properties\":{%s},\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
            "[[510000,5310000],[570000,5310000]]}}]}\n",
            crs, l1_props ? l1_props : "\"lname\":\"L1\",\"v\":120,\"hw\":20");
    fclose(f);
}

/* `isoreach run` on utm_region in EPSG:32632 at 1000 m; exit status. */
static int run_utm(const char *out, const char *extra)
{
    return cli_sh("%s run --boundaries %s/u.geojson --unit-id ucode --unit-name none "
                  "--pref-field prov --pref-name none --prov-field prov --prov-name none "
                  "--pop-field people --stations %s/s.geojson --station-id sid --station-name "
                  "none --hub-field ishub --lines %s/l.geojson --line-name lname --line-speed v "
                  "--line-headway hw --line-headway-back none --line-minutes none --line-stops "
                  "none --crs EPSG:32632 --resolution 1000 --no-maps -q --out %s/%s %s",
                  ISR_CLI, cli_tmp, cli_tmp, cli_tmp, cli_tmp, out, extra);
}

/* Field `k` of the row of `station` in OUT/hubs/HUB/stations.csv (plain ids only). */
static double station_col(const char *out, const char *hub, const char *station, int k)
{
    char rel[256], key[64];
    snprintf(rel, sizeof rel, "%s/hubs/%s/stations.csv", out, hub);
    char *all = slurp_rel(rel);
    snprintf(key, sizeof key, "\n%s,%s,", hub, station); /* hub_id, station_id */
    char *row = strstr(all, key);
    cr_assert(row, "no row for '%s' in %s:\n%s", station, rel, all);
    int empty;
    double v = csv_num(row + 2 + strlen(hub), k, &empty); /* k counted from station_id */
    cr_assert(!empty, "empty field %d for '%s' in %s:\n%s", k, station, rel, all);
    free(all);
    return v;
}

Test(userdata, two_station_ids_at_one_place_are_one_call)
{
    /* s3b is a second id at s3's very point (an HSR and a regional station, or a duplicate):
     * trains call there once, so no second 2-min dwell */
    utm_region(",{\"type\":\"Feature\",\"properties\":{\"sid\":\"s3b\",\"ishub\":0},"
               "\"geometry\":{\"type\":\"Point\",\"coordinates\":[550000,5310000]}}",
               NULL);
    cr_assert_eq(run_utm("o", "--hubs s1,s3b"), 0, "%s", cli_output());
    /* wait 10 + 10 + dwell 2 + 10 = 32 to s3 and s3b, + dwell 2 + 10 = 44 to s4 */
    cr_assert_eq(station_col("o", "s1", "s3", 3), 32.0);
    cr_assert_eq(station_col("o", "s1", "s3b", 3), 32.0);
    cr_assert_eq(station_col("o", "s1", "s4", 3), 44.0);
    /* boarding at the second id: wait 10 + 10, as from s3 */
    cr_assert_eq(station_col("o", "s3b", "s4", 3), 20.0);
    cr_assert_eq(station_col("o", "s3b", "s2", 3), 20.0);
}

Test(userdata, trains_faster_than_1000_kmh_are_refused)
{
    /* a 0 left as "unknown" in the minutes field would make the 20 km from s2 to s3 instant */
    utm_region(NULL, "\"lname\":\"L1\",\"v\":120,\"hw\":20,\"mins\":\"10;0;10\"");
    int rc = run_utm("o", "--line-minutes mins");
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    char want[1024];
    snprintf(want, sizeof want,
             "isoreach: lines '%s/l.geojson' layer 'l': line 'L1' (feature 0): field 'mins' "
             "gives 0 min for the 20.0 km from 's2' to 's3', faster than 1000 km/h; give the "
             "run minutes between consecutive stops, blank where unknown\n",
             cli_tmp);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(cli_sh("test -e %s/o", cli_tmp), 1, "the output folder was left behind");
    /* blank where unknown: computed from the speed (wait 10 + 10 + 2 + 10) */
    utm_region(NULL, "\"lname\":\"L1\",\"v\":120,\"hw\":20,\"mins\":\"10;;10\"");
    cr_assert_eq(run_utm("ok", "--line-minutes mins"), 0, "%s", cli_output());
    cr_assert_eq(station_col("ok", "s1", "s3", 3), 32.0);
    /* a speed in m/h, not km/h */
    utm_region(NULL, "\"lname\":\"L1\",\"v\":120000,\"hw\":20");
    rc = run_utm("o", "");
    e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    snprintf(want, sizeof want,
             "isoreach: lines '%s/l.geojson' layer 'l': line 'L1' (feature 0): field 'v' is "
             "120000; no train runs faster than 1000 km/h: give the speed in km/h\n",
             cli_tmp);
    cr_assert_str_eq(e, want);
    free(e);
}

Test(userdata, a_grid_too_coarse_for_the_units_is_warned_about)
{
    utm_region(NULL, NULL);
    /* 1000 m on 20 km squares: exact, no warning */
    cr_assert_eq(run_utm("fine", ""), 0, "%s", cli_output());
    char *e = cli_stderr();
    cr_assert_str_eq(e, "");
    free(e);
    /* 15 km cells on 20 km units: u1 holds 4 cells (900 km²), u2 2 (450 km²): the tables
     * would give u1 900 km² silently */
    cr_assert_eq(run_utm("coarse", "--resolution 15000"), 0, "%s", cli_output());
    e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: warning: --resolution 15000 m is too coarse for the "
                        "boundaries: the units' areas on the grid differ from their polygons' by "
                        "69 % in all (most: 'u1', 900.0 km² on the grid for 400.0 km² drawn), "
                        "and their people with them; use a finer --resolution\n");
    free(e);
    char p[512];
    snprintf(p, sizeof p, "%s/coarse/run.json", cli_tmp);
    json_object *run = json_object_from_file(p), *w;
    cr_assert(json_object_object_get_ex(run, "warnings", &w));
    cr_assert_eq(json_object_array_length(w), 1);
    cr_assert(strstr(json_object_get_string(json_object_array_get_idx(w, 0)), "too coarse"));
    json_object_put(run);
}

Test(userdata, stations_off_the_grid_or_outside_every_unit_are_named)
{
    /* s5 lies 20 km east of the region's grid; s2 stays on the grid, but its unit u2 is
     * taken away, so it sits in a hole of the boundaries, 10 km from the others */
    utm_region(",{\"type\":\"Feature\",\"properties\":{\"sid\":\"s5\",\"ishub\":0},"
               "\"geometry\":{\"type\":\"Point\",\"coordinates\":[600000,5310000]}}",
               NULL);
    cr_assert_eq(cli_sh("cd %s && ogr2ogr -f GeoJSON u2.geojson u.geojson -where \"ucode <> "
                        "'u2'\" && mv u2.geojson u.geojson",
                        cli_tmp),
                 0, "%s", cli_output());
    cr_assert_eq(run_utm("o", "--hubs s1"), 0, "%s", cli_output());
    char *e = slurp_rel("stderr.txt");
    cr_assert(strstr(e, "1 station lies off the region's grid (beyond the extent of ") &&
                  strstr(e, "): 's5'; trains stop there and stations.csv gives the rail time, "
                            "but it has no cell: no door-to-door time and no local travel from "
                            "it; add their area to the boundaries if they matter"),
              "%s", e);
    /* 10 km from any unit, so no passable cell within the 2 km of a link: said once, as
     * reaching nothing, not also as reaching "what lies inside the boundaries" */
    cr_assert(strstr(e, "1 station lies on a cell that local travel cannot leave, with no cell "
                        "it can leave within 2 km (cell centre to cell centre; in the sea, a "
                        "lake, a barrier of --water or --friction, outside every boundary "
                        "polygon, or on an islet of one cell): 's2'; trains stop there, but "
                        "local travel from it reaches nothing beyond its own cell"),
              "%s", e);
    cr_assert_null(strstr(e, "outside every boundary polygon of "), "%s", e);
    free(e);
}

Test(userdata, headways_beyond_a_day_and_crawling_trains_are_refused)
{
    utm_region(NULL, "\"lname\":\"L1\",\"v\":120,\"hw\":1e300");
    int rc = run_utm("o", "--hubs s1");
    char *e = slurp_rel("stderr.txt");
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert(strstr(e, "line 'L1' (feature 0): field 'hw' is 1e+300; it must be a positive "
                        "headway in minutes, at most 1440 (a day)"),
              "%s", e);
    free(e);
    utm_region(NULL, "\"lname\":\"L1\",\"v\":1e-300,\"hw\":20");
    rc = run_utm("o", "--hubs s1");
    e = slurp_rel("stderr.txt");
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert(strstr(e, "line 'L1' (feature 0): field 'v' is 1e-300; no train runs slower than "
                        "1 km/h: give the speed in km/h"),
              "%s", e);
    free(e);
    cr_assert_eq(cli_sh("test -e %s/o", cli_tmp), 1, "the output folder was left behind");
}

Test(userdata, stations_without_a_name_field_are_labelled_by_id)
{
    /* --station-name none: the maps and the QGIS labels name stations by their id */
    boundaries_copy(NULL);
    cr_assert_eq(cli_sh("%s run " FLAGS_B " --station-name none --crs EPSG:3035 --resolution 4000 "
                        "--hubs bratislava_hlst -q --out %s/o",
                        ISR_CLI, cli_tmp, cli_tmp),
                 0, "%s", cli_output());
    cr_assert_eq(cli_sh("test -s %s/o/hubs/bratislava_hlst/map.png && grep -q "
                        "'<text-style fieldName=\"station_code\"' %s/o/isoreach.qgs",
                        cli_tmp, cli_tmp),
                 0, "%s", cli_output());
}
