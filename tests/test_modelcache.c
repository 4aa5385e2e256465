/* Criterion suite: the model cache (--model-cache DIR, engine/modelcache.c). A run with the
 * cache writes the model's rasters once; a later run with the same inputs and settings maps
 * them and gives byte for byte the outputs of a run without the cache; a changed input or a
 * setting that shapes the rasters builds anew, one that does not (the budget) maps the same
 * file; the warnings of the build are said again when the file is mapped; a damaged file is
 * rebuilt, and a folder that cannot be written is warned about. Fixtures: Shanghai's 16
 * districts from the sample (GeoPackage, another field for the people) with the sample's
 * lines and water, at 2000 m, one hub. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli_support.h"

#define CLI cli_command(ISR_CLI)
#define S ISR_SAMPLE_DIR
#define HUB "shanghai_hongqiao"

static void tmp_make(void) { cli_tmp_make("isr-modelcache"); }

TestSuite(modelcache, .init = tmp_make, .fini = cli_tmp_remove, .timeout = 180);

static void fixtures(void)
{
    cli_ogr("-f GPKG sh.gpkg '%s/yrd_counties.shp' -nln sh -dialect sqlite -sql \"SELECT *, "
            "pop AS people FROM yrd_counties WHERE prov_code = '310000'\"",
            S);
}

/* `isoreach run` into cli_tmp/out on the fixtures, with `args`; returns the exit status. */
static int run_into(const char *out, const char *fmt, ...)
{
    char args[2000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return cli_sh("%s run --out '%s/%s' --boundaries '%s/sh.gpkg' --pop-field people "
                  "--water '%s/yrd_water.shp' --hubs " HUB " --resolution 2000 --no-maps %s",
                  CLI, cli_tmp, out, cli_tmp, S, args);
}

/* run.json's inputs.model_cache.hit of a run (-1: no model_cache recorded). */
static int cache_hit(const char *out)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s/run.json", cli_tmp, out);
    json_object *j = json_object_from_file(p), *in, *mc, *hit;
    cr_assert_not_null(j, "no %s", p);
    int v = json_object_object_get_ex(j, "inputs", &in) &&
                    json_object_object_get_ex(in, "model_cache", &mc) &&
                    json_object_object_get_ex(mc, "hit", &hit)
                ? json_object_get_boolean(hit)
                : -1;
    json_object_put(j);
    return v;
}

/* Whether file `rel` is byte for byte the same in two output folders. */
static void assert_same(const char *a, const char *b, const char *rel)
{
    cr_assert_eq(cli_sh("cmp '%s/%s/%s' '%s/%s/%s'", cli_tmp, a, rel, cli_tmp, b, rel), 0,
                 "%s differs between %s and %s", rel, a, b);
}

static void assert_same_outputs(const char *a, const char *b)
{
    const char *files[] = {"hubs/" HUB "/travel_time.tif", "hubs/" HUB "/reach.csv",
                           "hubs/" HUB "/isochrones.geojson", "hubs/" HUB "/stations.csv",
                           "region/nearest_hub_time.tif", "region/hubs_within.tif",
                           "region/units.geojson", "region/reach_matrix.csv"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        assert_same(a, b, files[i]);
}

/* How many model files the cache folder holds. */
static int cache_files(void)
{
    cr_assert_eq(cli_sh("ls '%s/mc' | grep -c '^model-[0-9a-f]\\{16\\}\\.isrmodel$'", cli_tmp), 0);
    char *o = cli_output();
    int n = atoi(o);
    free(o);
    return n;
}

Test(modelcache, second_run_maps_the_file_and_gives_the_same_bytes)
{
    fixtures();
    cr_assert_eq(run_into("plain", ""), 0);
    cr_assert_eq(cache_hit("plain"), -1, "no --model-cache: nothing recorded");
    cr_assert_eq(run_into("first", "--model-cache '%s/mc'", cli_tmp), 0);
    cr_assert_eq(cache_hit("first"), 0, "the first run builds the rasters");
    cr_assert_eq(cache_files(), 1);
    cr_assert_eq(run_into("second", "--model-cache '%s/mc'", cli_tmp), 0);
    cr_assert_eq(cache_hit("second"), 1, "the second run maps them");
    char *err = cli_stderr();
    cr_assert_not_null(strstr(err, "model cache: mapped '"), "%s", err);
    free(err);
    cr_assert_eq(cache_files(), 1);
    assert_same_outputs("plain", "first");
    assert_same_outputs("plain", "second");
}

/* The model file is the same bytes whatever the heap held before: its tables of each
 * prefecture's and province's first unit left their unused ends uninitialised (heap left
 * overs, pieces of WKT and paths written to disk). Two builds, each with the heap's fresh
 * memory filled with another byte (glibc's MALLOC_PERTURB_, AddressSanitizer's
 * malloc_fill_byte), into two cache folders. */
Test(modelcache, the_model_file_holds_no_uninitialised_memory)
{
    fixtures();
    cr_assert_eq(cli_sh("MALLOC_PERTURB_=85 ASAN_OPTIONS=\"$ASAN_OPTIONS:malloc_fill_byte=85\" "
                        "%s run --out '%s/a' --boundaries '%s/sh.gpkg' "
                        "--pop-field people --hubs " HUB " --resolution 2000 --no-maps "
                        "--model-cache '%s/mc'",
                        CLI, cli_tmp, cli_tmp, cli_tmp),
                 0);
    cr_assert_eq(cli_sh("MALLOC_PERTURB_=170 ASAN_OPTIONS=\"$ASAN_OPTIONS:malloc_fill_byte=170\" "
                        "%s run --out '%s/b' --boundaries '%s/sh.gpkg' "
                        "--pop-field people --hubs " HUB " --resolution 2000 --no-maps "
                        "--model-cache '%s/mc2'",
                        CLI, cli_tmp, cli_tmp, cli_tmp),
                 0);
    cr_assert_eq(cli_sh("cd '%s' && ls mc/*.isrmodel mc2/*.isrmodel | wc -l | grep -qx 2 && "
                        "cmp mc/*.isrmodel mc2/*.isrmodel",
                        cli_tmp),
                 0, "the two model files differ: %s", cli_output());
}

/* A cache in the output folder, or the output folder itself, is refused before anything
 * is written: the folder's README.md listed the cache's files as "not written by
 * isoreach", and a cache is kept across runs while the folder is a run's. */
Test(modelcache, a_cache_inside_the_output_folder_is_refused)
{
    fixtures();
    for (int k = 0; k < 2; k++) {
        char cache[600];
        snprintf(cache, sizeof cache, "%s/o%s", cli_tmp, k ? "" : "/cache");
        int rc = run_into("o", "--model-cache '%s'", cache);
        char *e = cli_stderr(), want[2000];
        snprintf(want, sizeof want,
                 "isoreach: --model-cache '%s' is the output folder '%s/o' (--out) or lies "
                 "inside it: the output folder holds a run's outputs only (its README.md lists "
                 "them), and a cache is kept across runs; give a folder beside it",
                 cache, cli_tmp);
        cr_assert_eq(rc, 2, "%s", e);
        cr_assert(strstr(e, want), "%s", e);
        free(e);
        cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "the output folder was left behind");
    }
}

/* Boundaries over 64 MB are recognised by size and time, not content: when the model cache
 * (or a hub) is reused with them, the run says so, naming the file (an edit keeping both was
 * reused without a word). A GeoJSON padded past 64 MB with spaces. */
Test(modelcache, a_big_input_reused_is_said_to_be_known_by_size_and_time)
{
    fixtures();
    cr_assert_eq(cli_sh("cd '%s' && ogr2ogr -f GeoJSON big.geojson sh.gpkg && /usr/bin/python3 -c "
                        "\"s = open('big.geojson').read(); i = s.rindex(']'); "
                        "open('big.geojson', 'w').write(s[:i] + ' ' * (65 << 20) + s[i:])\"",
                        cli_tmp),
                 0, "%s", cli_output());
    for (int k = 0; k < 2; k++) {
        int rc = cli_sh("%s run --out '%s/big' --boundaries '%s/big.geojson' --pop-field people "
                        "--water '%s/yrd_water.shp' --hubs " HUB " --resolution 4000 --no-maps -q "
                        "--model-cache '%s/mc'",
                        CLI, cli_tmp, cli_tmp, S, cli_tmp);
        char *e = cli_stderr();
        cr_assert_eq(rc, 0, "%s", e);
        const char *said = strstr(e, "isoreach: warning: the model was reused from --model-cache: '");
        if (k == 0)
            cr_assert_null(said, "the first run built the model: %s", e);
        else
            cr_assert(said && strstr(said, "/big.geojson' (68 MB) is over 64 MB, so it is "
                                           "recognised by its size and modification time, not "
                                           "read: an edit that keeps both is not seen"),
                      "%s", e);
        free(e);
    }
}

/* The same for a big file that is not the path given: a population VRT (small) over a
 * 70 MB GeoTIFF, which the fingerprint reads as one of the VRT's files (GDAL's file list)
 * and knows by size and time; the warning looked at the VRT alone and said nothing. */
Test(modelcache, a_big_file_behind_an_input_is_named_too)
{
    fixtures();
    cr_assert_eq(cli_sh("cd '%s' && /usr/bin/python3 -c \"from osgeo import gdal, osr; "
                        "d = gdal.GetDriverByName('GTiff').Create('big.tif', 4200, 4200, 1, "
                        "gdal.GDT_Float32); d.SetGeoTransform((120.8, 1.3 / 4200, 0, 31.9, 0, "
                        "-1.3 / 4200)); s = osr.SpatialReference(); s.ImportFromEPSG(4326); "
                        "d.SetProjection(s.ExportToWkt()); d.GetRasterBand(1).Fill(0.5)\" && "
                        "gdalbuildvrt -q pop.vrt big.tif",
                        cli_tmp),
                 0, "%s", cli_output());
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(run_into("bigpop", "--population '%s/pop.vrt' --resolution 4000 -q "
                                        "--model-cache '%s/mc'",
                              cli_tmp, cli_tmp),
                     0);
        char *e = cli_stderr();
        const char *said = strstr(e, "isoreach: warning: the model was reused from --model-cache: '");
        if (k == 0)
            cr_assert_null(said, "the first run built the model: %s", e);
        else
            cr_assert(said && strstr(said, "/big.tif' (71 MB) is over 64 MB, so it is "
                                           "recognised by its size and modification time"),
                      "%s", e);
        free(e);
    }
}

Test(modelcache, a_changed_input_or_setting_builds_anew_the_budget_does_not)
{
    fixtures();
    cr_assert_eq(run_into("a", "--model-cache '%s/mc'", cli_tmp), 0);
    /* the budget shapes the search, not the rasters: the same file, and the outputs of a run
     * without the cache at that budget */
    cr_assert_eq(run_into("b45", "--budget 45 --model-cache '%s/mc'", cli_tmp), 0);
    cr_assert_eq(cache_hit("b45"), 1);
    cr_assert_eq(run_into("b45plain", "--budget 45"), 0);
    assert_same_outputs("b45plain", "b45");
    /* the local speed shapes the friction: a new file */
    cr_assert_eq(run_into("fast", "--egress-speed 30 --model-cache '%s/mc'", cli_tmp), 0);
    cr_assert_eq(cache_hit("fast"), 0);
    cr_assert_eq(cache_files(), 2);
    /* the people of one district doubled in the boundaries file: a new file, and the reach
     * tables of a run without the cache */
    cli_sh_ok("ogrinfo -q sh.gpkg -dialect sqlite -sql \"UPDATE sh SET people = people * 2 "
              "WHERE code = '310101'\"");
    cr_assert_eq(run_into("doubled", "--model-cache '%s/mc'", cli_tmp), 0);
    cr_assert_eq(cache_hit("doubled"), 0, "the boundaries' content changed");
    cr_assert_eq(cache_files(), 3);
    cr_assert_eq(run_into("doubledplain", ""), 0);
    assert_same_outputs("doubledplain", "doubled");
    cr_assert_eq(cli_sh("cmp -s '%s/a/hubs/" HUB "/reach.csv' '%s/doubled/hubs/" HUB
                        "/reach.csv'",
                        cli_tmp, cli_tmp),
                 1, "the doubled people must show in reach.csv");
}

/* The warning of a friction raster that covers part of the region, said by the build and
 * again, word for word, by the run that maps the file. */
static char *coverage_warning(void)
{
    char *err = cli_stderr();
    char *w = strstr(err, "/f.tif' covers ");
    cr_assert_not_null(w, "%s", err);
    char *end = strchr(w, '\n');
    while (w > err && w[-1] != '\n') /* the whole line */
        w--;
    char *line = strndup(w, end ? (size_t)(end - w) : strlen(w));
    free(err);
    return line;
}

Test(modelcache, warnings_of_the_build_are_said_again)
{
    fixtures();
    /* 0.25 s/m (14.4 km/h) over the western half of Shanghai only */
    cli_sh_ok("gdal_create -q -of GTiff -ot Float32 -outsize 40 40 -a_srs EPSG:4326 "
              "-a_ullr 120.8 31.9 121.5 30.6 -burn 0.25 f.tif");
    cr_assert_eq(run_into("a", "--friction '%s/f.tif' --model-cache '%s/mc'", cli_tmp, cli_tmp), 0);
    char *w1 = coverage_warning();
    cr_assert_eq(run_into("b", "--friction '%s/f.tif' --model-cache '%s/mc'", cli_tmp, cli_tmp), 0);
    cr_assert_eq(cache_hit("b"), 1);
    char *w2 = coverage_warning();
    cr_assert_str_eq(w1, w2);
    char rjp[600];
    snprintf(rjp, sizeof rjp, "%s/b/run.json", cli_tmp);
    char *rj = cli_slurp(rjp);
    cr_assert_not_null(strstr(rj, "covers"), "run.json's warnings keep it too");
    free(rj);
    free(w1);
    free(w2);
    assert_same_outputs("a", "b");
    /* an identical copy elsewhere maps the same model: the warning names the copy this run
     * read, and run.json records it relative to the output folder, as a fresh run does (it
     * named the build's file, by the build's path: an absolute path in run.json) */
    cr_assert_eq(cli_sh("mkdir -p '%s/other' && cp '%s/f.tif' '%s/other/f.tif'", cli_tmp, cli_tmp,
                        cli_tmp),
                 0);
    cr_assert_eq(run_into("c", "--friction '%s/other/f.tif' --model-cache '%s/mc'", cli_tmp,
                          cli_tmp),
                 0);
    cr_assert_eq(cache_hit("c"), 1);
    char *w3 = coverage_warning();
    char want[600];
    snprintf(want, sizeof want, "friction raster '%s/other/f.tif' covers ", cli_tmp);
    cr_assert_not_null(strstr(w3, want), "%s", w3);
    free(w3);
    snprintf(rjp, sizeof rjp, "%s/c/run.json", cli_tmp);
    json_object *j = json_object_from_file(rjp), *ws;
    cr_assert(j && json_object_object_get_ex(j, "warnings", &ws));
    const char *all = json_object_to_json_string_ext(ws, JSON_C_TO_STRING_NOSLASHESCAPE);
    cr_assert_not_null(strstr(all, "friction raster '../other/f.tif' covers "), "%s", all);
    cr_assert_null(strstr(all, cli_tmp), "a path of the machine in run.json: %s", all);
    json_object_put(j);
}

/* A friction raster of more than 256 values (a gradient, warped bilinear) keeps its floats
 * (the header's fric_bytes, at byte 888: after off, len and sum, 31 sections each, from byte
 * 144, says 4; the sample's own surface, coded, says 1), and the file maps to the bytes of a
 * run without the cache. */
Test(modelcache, a_friction_of_many_values_is_kept_in_floats)
{
    fixtures();
    cli_sh_ok("awk 'BEGIN { print \"ncols 30\"; print \"nrows 30\"; print \"xllcorner 120.8\"; "
              "print \"yllcorner 30.6\"; print \"cellsize 0.05\"; for (r = 0; r < 30; r++) { "
              "s = \"\"; for (c = 0; c < 30; c++) s = s sprintf(\"%.6f \", 0.05 + 0.0005 * "
              "(r * 30 + c)); print s } }' > g.asc && "
              "gdal_translate -q -a_srs EPSG:4326 -ot Float32 g.asc g.tif");
    cr_assert_eq(run_into("a", "--friction '%s/g.tif' --model-cache '%s/mc'", cli_tmp, cli_tmp), 0);
    cr_assert_eq(cli_sh("cd '%s/mc' && test \"$(od -A n -t d4 -j 888 -N 4 model-*.isrmodel | "
                        "tr -d ' ')\" = 4", cli_tmp),
                 0, "the friction raster's floats are kept");
    cr_assert_eq(run_into("b", "--friction '%s/g.tif' --model-cache '%s/mc'", cli_tmp, cli_tmp), 0);
    cr_assert_eq(cache_hit("b"), 1);
    cr_assert_eq(run_into("c", "--friction '%s/g.tif'", cli_tmp), 0);
    assert_same_outputs("a", "b");
    assert_same_outputs("a", "c");
    /* the same region's surface without the raster (its base speed and barriers) is coded */
    cli_sh_ok("rm -r mc");
    cr_assert_eq(run_into("d", "--model-cache '%s/mc'", cli_tmp), 0);
    cr_assert_eq(cli_sh("cd '%s/mc' && test \"$(od -A n -t d4 -j 888 -N 4 model-*.isrmodel | "
                        "tr -d ' ')\" = 1", cli_tmp),
                 0, "the sample's friction is coded");
}

/* Run "a" writes the cache, `damage` (a shell command on $f, the file) spoils it, run "b"
 * says so, builds the model again and gives a's bytes. */
static void damaged_then_rebuilt(const char *damage)
{
    fixtures();
    cr_assert_eq(run_into("a", "--model-cache '%s/mc'", cli_tmp), 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "f=$(ls mc/model-*.isrmodel) && %s", damage);
    cli_sh_ok(cmd);
    cr_assert_eq(run_into("b", "--model-cache '%s/mc'", cli_tmp), 0);
    char *err = cli_stderr();
    cr_assert_not_null(strstr(err, "is damaged or was cut short (its header does not match its "
                                   "size or this run); building the model again and replacing it"),
                       "%s", err);
    free(err);
    cr_assert_eq(cache_hit("b"), 0);
    assert_same_outputs("a", "b");
}

/* A model file half written by a run killed outright stays under its temporary name, which
 * the size limit does not count: it was never removed. A run removes it once its process is
 * gone and it has not been written for ten minutes; a recent one may be a writer's on another
 * host of a shared folder, and stays. */
Test(modelcache, a_model_half_written_by_a_killed_run_is_removed)
{
    fixtures();
    int p = cli_dead_pid();
    cr_assert_eq(cli_sh("mkdir -p '%s/mc' && cd '%s/mc' && "
                        "head -c 100000 /dev/zero > .model-0123456789abcdef.isrmodel.part-%d && "
                        "touch -d '1 hour ago' .model-0123456789abcdef.isrmodel.part-%d && "
                        "head -c 100000 /dev/zero > .model-fedcba9876543210.isrmodel.part-%d",
                        cli_tmp, cli_tmp, (int)p, (int)p, (int)p),
                 0);
    cr_assert_eq(run_into("a", "--model-cache '%s/mc'", cli_tmp), 0);
    char *e = cli_stderr();
    char want[600];
    snprintf(want, sizeof want,
             "isoreach: model cache: removed 1 file(s) half written by runs that stopped in "
             "'%s/mc'\n", cli_tmp);
    cr_assert(strstr(e, want), "%s", e);
    free(e);
    cr_assert_neq(cli_sh("test -e '%s/mc/.model-0123456789abcdef.isrmodel.part-%d'", cli_tmp,
                         (int)p),
                  0, "the idle one was left");
    cr_assert_eq(cli_sh("test -e '%s/mc/.model-fedcba9876543210.isrmodel.part-%d'", cli_tmp,
                        (int)p),
                 0, "a recent one was removed");
}

Test(modelcache, a_damaged_file_is_rebuilt)
{
    damaged_then_rebuilt("s=$(stat -c %s $f) && truncate -s $((s / 2)) $f");
    cr_assert_eq(run_into("c", "--model-cache '%s/mc'", cli_tmp), 0);
    cr_assert_eq(cache_hit("c"), 1, "the damaged file was replaced");
    assert_same_outputs("a", "c");
}

Test(modelcache, a_folder_that_cannot_be_written_is_warned_about)
{
    fixtures();
    cli_put("notadir", "a file where the cache folder should be\n");
    cr_assert_eq(run_into("a", "--model-cache '%s/notadir'", cli_tmp), 0);
    char *err = cli_stderr();
    cr_assert_not_null(strstr(err, "model cache: cannot write '"), "%s", err);
    cr_assert_not_null(strstr(err, "the run goes on, and the next one builds the model again"),
                       "%s", err);
    free(err);
    cr_assert_eq(cache_hit("a"), 0);
    /* run.json names the file it could not write relative to OUT, as any input (it gave the
     * path as written on the command line: here absolute), and says it is not written */
    char p[600];
    snprintf(p, sizeof p, "%s/a/run.json", cli_tmp);
    json_object *j = json_object_from_file(p), *in, *mc, *file, *written;
    cr_assert(j && json_object_object_get_ex(j, "inputs", &in) &&
              json_object_object_get_ex(in, "model_cache", &mc) &&
              json_object_object_get_ex(mc, "file", &file) &&
              json_object_object_get_ex(mc, "written", &written));
    cr_assert_eq(strncmp(json_object_get_string(file), "../notadir/model-", 17), 0, "%s",
                 json_object_get_string(file));
    cr_assert_not(json_object_get_boolean(written));
    json_object_put(j);
    cr_assert_eq(run_into("plain", ""), 0);
    assert_same_outputs("plain", "a");
}

Test(modelcache, the_overlap_check_runs_once_per_model)
{
    /* Two Shanghai districts moved onto their neighbours: the build warns about the pairs
     * that overlap; the run that maps the file skips the check (GEOS's coverage union is a
     * fifth of a cached run's time) and says the build's warning again, with the count in
     * run.json */
    cli_ogr("-f GPKG sh.gpkg '%s/yrd_counties.shp' -nln sh -dialect sqlite -sql \"SELECT "
            "code, name, pref_code, prov_code, pop AS people, CASE WHEN code IN ('310101', "
            "'310106') THEN ST_Translate(geometry, 0.02, 0.0, 0) ELSE geometry END AS geometry "
            "FROM yrd_counties WHERE prov_code = '310000'\"",
            S);
    cr_assert_eq(run_into("a", "--model-cache '%s/mc'", cli_tmp), 0, "%s", cli_output());
    char *e1 = cli_stderr();
    cr_assert_eq(run_into("b", "--model-cache '%s/mc'", cli_tmp), 0, "%s", cli_output());
    cr_assert_eq(cache_hit("b"), 1);
    char *e2 = cli_stderr();
    const char *w = "pairs of units overlap by more than 0.5 % of the smaller one";
    cr_assert_not_null(strstr(e1, w), "%s", e1);
    cr_assert_not_null(strstr(e2, w), "%s", e2);
    for (int k = 0; k < 2; k++) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s/run.json", cli_tmp, k ? "b" : "a");
        json_object *j = json_object_from_file(p), *in, *n;
        cr_assert(json_object_object_get_ex(j, "inputs", &in) &&
                  json_object_object_get_ex(in, "unit_overlaps_warned", &n));
        cr_assert_gt(json_object_get_int(n), 1, "%s", p);
        json_object_put(j);
    }
    free(e1);
    free(e2);
    assert_same_outputs("a", "b");
}

/* run.json's warnings of a run, one string. */
static char *run_warnings(const char *out)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s/run.json", cli_tmp, out);
    json_object *j = json_object_from_file(p), *w;
    cr_assert_not_null(j, "no %s", p);
    cr_assert(json_object_object_get_ex(j, "warnings", &w), "%s has no warnings", p);
    char *s = strdup(json_object_to_json_string_ext(w, JSON_C_TO_STRING_PLAIN));
    json_object_put(j);
    return s;
}

Test(modelcache, a_build_on_two_threads_warns_and_writes_as_on_one)
{
    /* With two threads the overlap check and the units' geometry text are built beside the
     * rasters: the warnings (overlapping units, then the stations') come in the same order and
     * the outputs are the same bytes as a build on one thread */
    cli_ogr("-f GPKG sh.gpkg '%s/yrd_counties.shp' -nln sh -dialect sqlite -sql \"SELECT "
            "code, name, pref_code, prov_code, pop AS people, CASE WHEN code IN ('310101', "
            "'310106') THEN ST_Translate(geometry, 0.02, 0.0, 0) ELSE geometry END AS geometry "
            "FROM yrd_counties WHERE prov_code = '310000'\"",
            S);
    cr_assert_eq(run_into("one", "--threads 1"), 0, "%s", cli_output());
    cr_assert_eq(run_into("two", "--threads 2"), 0, "%s", cli_output());
    char *w1 = run_warnings("one"), *w2 = run_warnings("two");
    cr_assert_not_null(strstr(w1, "pairs of units overlap by more than 0.5 % of the smaller one"),
                       "%s", w1);
    cr_assert_str_eq(w1, w2);
    free(w1);
    free(w2);
    assert_same_outputs("one", "two");
}

/* The zone raster's width is in the header (offset 100: after the magic, key, version, ten
 * int32 and nhost; 2 here, 16 units): a file that says 4 is not read as 16-bit, nor mapped
 * as 32-bit, but built again. */
Test(modelcache, a_file_of_the_other_zone_width_is_rebuilt)
{
    damaged_then_rebuilt("test \"$(od -A n -t d4 -j 100 -N 4 $f | tr -d ' ')\" = 2 && "
                         "printf '\\004' | dd of=$f bs=1 seek=100 conv=notrunc status=none");
}

/* A file changed in place after it was written, its header intact: one byte of the friction
 * raster (offset from the header's off[S_FRIC], at byte 168), which a mapped run took as it
 * was (other times without a word; other zone numbers crashed it). The run names the section,
 * builds the model again and gives the first run's bytes; the next maps the new file without
 * checking it again; with the record of the check gone, a run checks the file whole once. */
Test(modelcache, a_file_changed_on_disk_is_found_by_its_checksums)
{
    fixtures();
    cr_assert_eq(run_into("a", "--model-cache '%s/mc'", cli_tmp), 0);
    cr_assert_eq(cli_sh("cd '%s/mc' && test -s $(ls model-*.isrmodel).checked", cli_tmp), 0,
                 "the writer records its file as checked");
    cli_sh_ok("f=$(ls mc/model-*.isrmodel) && o=$(od -A n -t u8 -j 168 -N 8 $f | tr -d ' ') && "
              "test \"$o\" -gt 0 && printf '\\001' | dd of=$f bs=1 seek=$((o + 4 * 40 + 1)) "
              "conv=notrunc status=none");
    cr_assert_eq(run_into("b", "--model-cache '%s/mc'", cli_tmp), 0);
    char *err = cli_stderr();
    cr_assert_not_null(strstr(err, "is damaged (its friction raster does not match the checksum "
                                   "it was written with: changed on disk since); building the "
                                   "model again and replacing it"),
                       "%s", err);
    free(err);
    cr_assert_eq(cache_hit("b"), 0);
    assert_same_outputs("a", "b");
    /* mapped, and mapped again: a run that maps the file marks it used (its mtime, so its
     * ctime too), and the record of the check follows, so no run reads it whole again */
    for (int k = 0; k < 2; k++) {
        const char *o = k ? "c2" : "c";
        cr_assert_eq(run_into(o, "--model-cache '%s/mc'", cli_tmp), 0);
        cr_assert_eq(cache_hit(o), 1, "the damaged file was replaced");
        err = cli_stderr();
        cr_assert_null(strstr(err, "checked '"), "run %s read the file whole: %s", o, err);
        free(err);
        assert_same_outputs("a", o);
    }
    /* the header's counts are checked too: its count of water cells (offset 104, not 0 with
     * the sample's water) set to 0 would go into run.json as it is */
    cli_sh_ok("f=$(ls mc/model-*.isrmodel) && test $(od -A n -t u8 -j 104 -N 8 $f) -gt 0 && "
              "printf '\\000\\000\\000\\000\\000\\000\\000\\000' | dd of=$f bs=1 seek=104 "
              "conv=notrunc status=none && rm $f.checked");
    cr_assert_eq(run_into("h", "--model-cache '%s/mc'", cli_tmp), 0);
    err = cli_stderr();
    cr_assert_not_null(strstr(err, "is damaged (its header (its counts, the friction's table and "
                                   "the warnings' number) does not match the checksum"),
                       "%s", err);
    free(err);
    cr_assert_eq(cache_hit("h"), 0);
    cli_sh_ok("rm mc/model-*.isrmodel.checked");
    cr_assert_eq(run_into("d", "--model-cache '%s/mc'", cli_tmp), 0);
    cr_assert_eq(cache_hit("d"), 1);
    err = cli_stderr();
    cr_assert_not_null(strstr(err, "whole (0 MB): it is as it was written"), "%s", err);
    free(err);
    cr_assert_eq(cli_sh("cd '%s/mc' && test -s $(ls model-*.isrmodel).checked", cli_tmp), 0,
                 "the check is recorded again");
    assert_same_outputs("a", "d");
}

/* More units than a 16-bit zone raster holds (65,534): 66,000 squares of 1 km² in UTM 33N,
 * unit i the cell i of a 331 x 200 grid read row by row from the top-left corner (300 km,
 * 5700 km), county code 100000 + i (prefecture its first four digits + 00, province its
 * first two + 0000), i % 9 + 1 people; the last 200 cells (row 199 from column 131 on) in
 * no unit. The hub in the cell of unit 65,999 (row 199, column 130), s2 8 km north of it. */
static void many_units(void)
{
    enum { N = 66000, NX = 331, NY = 200 };
    char p[600];
    snprintf(p, sizeof p, "%s/b.csv", cli_tmp);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fprintf(f, "code,name,pref_code,pref_name,prov_code,prov_name,pop,wkt\n");
    for (int i = 0; i < N; i++) {
        int x = 300000 + i % NX * 1000, y = 5500000 + (NY - 1 - i / NX) * 1000, c = 100000 + i;
        fprintf(f, "%d,u%d,%d,p%d,%d,v%d,%d,\"POLYGON((%d %d,%d %d,%d %d,%d %d,%d %d))\"\n", c,
                i, c / 100 * 100, c / 100 * 100, c / 10000 * 10000, c / 10000 * 10000, i % 9 + 1,
                x, y, x + 1000, y, x + 1000, y + 1000, x, y + 1000, x, y);
    }
    cr_assert_eq(fclose(f), 0);
    cli_ogr("-f GPKG -a_srs EPSG:32633 -nln units -nlt POLYGON -oo GEOM_POSSIBLE_NAMES=wkt "
            "-oo KEEP_GEOM_COLUMNS=NO -oo AUTODETECT_TYPE=YES many.gpkg b.csv");
#define UTM33 "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32633\"}}"
    cli_put("st.geojson", "%s",
            "{\"type\":\"FeatureCollection\"," UTM33 ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"hub\",\"name\":\"hub\",\"hub\":1},"
            "\"geometry\":{\"type\":\"Point\",\"coordinates\":[430500,5500500]}},"
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"s2\",\"name\":\"s2\",\"hub\":0},"
            "\"geometry\":{\"type\":\"Point\",\"coordinates\":[430500,5508500]}}]}");
    cli_put("ln.geojson", "%s",
            "{\"type\":\"FeatureCollection\"," UTM33 ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"l1\",\"name\":\"l1\",\"speed_kmh\":80,"
            "\"headway\":10},\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
            "[[430500,5500500],[430500,5508500]]}}]}");
#undef UTM33
}

/* `isoreach run` on many_units' region into cli_tmp/out, with `args`. */
static int run_many(const char *out, const char *args)
{
    return cli_sh("cd '%s' && %s run -q --no-maps --out '%s' --boundaries many.gpkg --stations "
                  "st.geojson --lines ln.geojson --crs EPSG:32633 --hubs hub --threads 1 %s",
                  cli_tmp, CLI, out, args);
}

Test(modelcache, a_region_of_66000_units_keeps_its_32_bit_zone_raster, .timeout = 600)
{
    many_units();
    /* the estimate counts 4 bytes a cell for its zones: at 100 m, 3310 x 2000 cells + 2 of
     * padding each side, 3314 x 2004 x 14 bytes (friction 1, coded, zones 4, accumulators 8,
     * clearance 1; no water) = 88.7 MB; within 50 MB: ceil(100 x sqrt(88.67 / 50)) = 134 m */
    cr_assert_eq(run_many("big", "--resolution 100 --max-memory 50"), 1);
    char *err = cli_stderr();
    cr_assert_str_eq(err, "isoreach: a 100 m grid over the region is 3310 x 2000 cells and would "
                          "need about 89 MB of memory, more than the 50 MB allowed: use "
                          "--resolution 134 or coarser, or raise --max-memory\n");
    free(err);
    cr_assert_eq(run_many("plain", "--resolution 1000"), 0, "%s", cli_output());
    cr_assert_eq(run_many("first", "--resolution 1000 --model-cache mc"), 0, "%s", cli_output());
    cr_assert_eq(cache_hit("first"), 0);
    cr_assert_eq(cli_sh("od -A n -t d4 -j 100 -N 4 %s/mc/model-*.isrmodel", cli_tmp), 0);
    char *width = cli_output();
    cr_assert_eq(atoi(width), 4, "the header's zone width: %s", width);
    free(width);
    cr_assert_eq(run_many("second", "--resolution 1000 --model-cache mc"), 0, "%s", cli_output());
    cr_assert_eq(cache_hit("second"), 1, "the second run maps the 32-bit raster");
    cr_assert_eq(cli_sh("cd '%s/plain' && find hubs region -type f | sort | xargs md5sum > "
                        "../plain.md5 && test $(wc -l < ../plain.md5) -ge 15 && cd ../first && "
                        "md5sum -c --quiet ../plain.md5 && cd ../second && md5sum -c --quiet "
                        "../plain.md5",
                        cli_tmp),
                 0, "%s", cli_output());
    char p[600];
    snprintf(p, sizeof p, "%s/second/hubs/hub/reach.csv", cli_tmp);
    char *csv = cli_slurp(p);
    /* unit 65,999, the hub's own cell: 0 minutes, 65999 % 9 + 1 = 3 people; unit 65,668 one
     * cell north: 1000 m x 1.3 detour at 20 km/h = 234 s = 3.90 min, 65668 % 9 + 1 = 5 */
    cr_assert(strstr(csv, "\nhub,county,165999,u65999,,165900,160000,1.000,1.000,1.0000,3,3,"
                          "1.0000,0.00,0.00,0.00,0,0,0,1.000\n"),
              "%s", csv);
    cr_assert(strstr(csv, "\nhub,county,165668,u65668,,165600,160000,1.000,1.000,1.0000,5,5,"
                          "1.0000,3.90,3.90,3.90,0,1,0,1.000\n"),
              "%s", csv);
    /* province 160000: units 60,000 to 65,999, 6000 km², 666 x 45 + 30 = 30000 people */
    const char *prov = strstr(csv, "\nhub,province,160000,");
    double area_km2 = 0, reached_km2, share, people = 0;
    cr_assert(prov && sscanf(prov, "\nhub,province,160000,v160000,,,160000,%lf,%lf,%lf,%lf",
                             &area_km2, &reached_km2, &share, &people) == 4,
              "%s", csv);
    cr_assert_float_eq(area_km2, 6000, 1e-9);
    cr_assert_float_eq(people, 30000, 1e-9);
    free(csv);
}

/* The model file a run wrote or mapped: run.json's inputs.model_cache.file, which is
 * relative to the run's folder (into p, n bytes). */
static const char *model_file(const char *out, char *p, size_t n)
{
    char run[600];
    snprintf(run, sizeof run, "%s/%s/run.json", cli_tmp, out);
    json_object *j = json_object_from_file(run), *in, *mc, *file;
    cr_assert_not_null(j, "no %s", run);
    cr_assert(json_object_object_get_ex(j, "inputs", &in) &&
              json_object_object_get_ex(in, "model_cache", &mc) &&
              json_object_object_get_ex(mc, "file", &file));
    const char *f = json_object_get_string(file);
    if (f[0] == '/')
        snprintf(p, n, "%s", f);
    else
        snprintf(p, n, "%s/%s/%s", cli_tmp, out, f);
    json_object_put(j);
    return p;
}

static double model_mb(const char *out)
{
    char p[1200];
    struct stat sb;
    cr_assert_eq(stat(model_file(out, p, sizeof p), &sb), 0, "%s", p);
    return (double)sb.st_size / 1048576.0;
}

static int model_file_of(const char *out)
{
    char p[1200];
    return access(model_file(out, p, sizeof p), F_OK) == 0;
}

Test(modelcache, the_folder_is_kept_under_its_limit_least_recently_used_first)
{
    fixtures();
    cr_assert_eq(run_into("a", "--model-cache '%s/mc'", cli_tmp), 0);
    cr_assert_eq(run_into("b", "--egress-speed 30 --model-cache '%s/mc'", cli_tmp), 0);
    cr_assert_eq(run_into("c", "--egress-speed 10 --model-cache '%s/mc'", cli_tmp), 0);
    cr_assert_eq(cache_files(), 3, "the default limit (10 GB) keeps all three");
    /* a maps its file again: now b's is the one used least recently, then c's */
    cr_assert_eq(run_into("a2", "--model-cache '%s/mc'", cli_tmp), 0);
    cr_assert_eq(cache_hit("a2"), 1);
    /* files that are not model files are never the cache's to remove */
    cr_assert_eq(cli_sh("echo notes > '%s/mc/notes.txt' && echo x > '%s/mc/model-zz.isrmodel'",
                        cli_tmp, cli_tmp),
                 0);
    double mb = model_mb("a");
    cr_assert(mb > 0.01 && fabs(model_mb("b") - mb) < 0.1 * mb && fabs(model_mb("c") - mb) < 0.1 * mb,
              "the three models are of one grid: about the same size");
    /* room for two and a half: a fourth model pushes out b's, then c's */
    cr_assert_eq(run_into("d", "--egress-speed 40 --model-cache '%s/mc' --model-cache-max %.6f",
                          cli_tmp, 2.5 * mb),
                 0);
    char *err = cli_stderr();
    cr_assert_not_null(strstr(err, "model cache: removed 2 file(s) used least recently"), "%s",
                       err);
    free(err);
    cr_assert_eq(cache_files(), 2);
    cr_assert(model_file_of("a") && model_file_of("d"), "a's (used last) and d's (this run's) stay");
    cr_assert(!model_file_of("b") && !model_file_of("c"));
    cr_assert_eq(cli_sh("test $(ls '%s/mc' | grep -c '\\.isrmodel\\.checked$') = 2", cli_tmp), 0,
                 "the records of the removed files' checks go with them");
    cr_assert_eq(cli_sh("test -f '%s/mc/notes.txt' && test -f '%s/mc/model-zz.isrmodel'",
                        cli_tmp, cli_tmp),
                 0);
    /* a limit below one model: this run's stays, with a warning; the run succeeds */
    cr_assert_eq(run_into("e", "--model-cache '%s/mc' --model-cache-max 0.001", cli_tmp), 0);
    err = cli_stderr();
    cr_assert_not_null(strstr(err, "more than --model-cache-max 0.001 MB with this run's model alone"),
                       "%s", err);
    free(err);
    cr_assert_eq(cache_files(), 1);
    cr_assert(model_file_of("e"));
    /* 0: no limit */
    cr_assert_eq(run_into("f", "--egress-speed 30 --model-cache '%s/mc' --model-cache-max 0",
                          cli_tmp),
                 0);
    cr_assert_eq(cache_files(), 2);
}
