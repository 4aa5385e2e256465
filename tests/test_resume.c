/* Criterion suite: the output folder on anyone's data. Station ids that are not folder names
 * (`../../x`, `..`, `a/b`, a control character, 300 characters) stay inside --out; the
 * start-up sweep never reaches through a symbolic link; a resumed run reuses a hub only when
 * its inputs (file contents), field flags and parameters are those of the run that made it
 * and its outputs are all readable; two runs never write one --out at once (the lock).
 * Each case runs the `isoreach` command on fixtures made from the embedded sample with
 * ogr2ogr: Shanghai's 16 districts (GeoPackage, with a doubled population field) at 2000 m,
 * one or a few hubs, so that a run takes a second or two. */
#include "internal.h"

#include <cpl_conv.h>
#include <criterion/criterion.h>
#include <ctype.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli_support.h"

/* The command under test: ISR_CLI, or $ISR_CLI_PATH (a build of it elsewhere). */
#define CLI cli_command(ISR_CLI)

#define S ISR_SAMPLE_DIR

static void tmp_make(void) { cli_tmp_make("isr-resume"); }

TestSuite(resume, .init = tmp_make, .fini = cli_tmp_remove, .timeout = 120);

/* sh.gpkg: Shanghai's districts, with pop2 = 2 × pop. lines.shp: the sample's lines without
 * run minutes (so line speeds decide), with `slow` = speed_kmh / 2. */
static void fixtures(void)
{
    cli_ogr("-f GPKG sh.gpkg '%s/yrd_counties.shp' -nln sh -dialect sqlite -sql \"SELECT *, pop * 2 "
        "AS pop2 FROM yrd_counties WHERE prov_code = '310000'\"",
        S);
    cli_ogr("lines.shp '%s/yrd_rail_lines.shp' -dialect sqlite -sql \"SELECT id, name, speed_kmh, "
        "speed_kmh / 2 AS slow, headway, stops, geometry FROM yrd_rail_lines\"",
        S);
}

/* `isoreach run` into `out` on the fixtures (no -q: stderr has the info lines). */
static int run_into(const char *out, const char *fmt, ...)
{
    char args[2000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return cli_sh("%s run --out '%s/%s' --boundaries '%s/sh.gpkg' --lines '%s/lines.shp' "
                  "--resolution 2000 --no-maps %s",
                  CLI, cli_tmp, out, cli_tmp, cli_tmp, args);
}

static char *file_text(const char *fmt, ...)
{
    char p[1000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p, sizeof p, fmt, ap);
    va_end(ap);
    return cli_slurp(p);
}

/* Rail minutes from the hub to station `id` in a stations.csv (NAN when not reached). */
static double rail_minutes(const char *out, const char *hub, const char *id)
{
    char *t = file_text("%s/%s/hubs/%s/stations.csv", cli_tmp, out, hub);
    char key[200];
    snprintf(key, sizeof key, "\n%s,%s,", hub, id); /* hub_id, station_id */
    char *l = strstr(t, key);
    cr_assert_not_null(l, "no station %s in %s's stations.csv", id, hub);
    l = strchr(l + strlen(key), ',') + 1; /* after the name */
    l = strchr(l, ',') + 1;               /* and the English name */
    double v = *l == ',' ? NAN : atof(l);
    free(t);
    return v;
}

/* People reached in the hub's own county (the first row of its reach.csv). */
static double first_pop_reached(const char *out, const char *hub)
{
    char *t = file_text("%s/%s/hubs/%s/reach.csv", cli_tmp, out, hub);
    char *l = strchr(t, '\n');
    cr_assert_not_null(l);
    for (int k = 0; k < 11; k++) /* hub_id,level,code,name,name_en,pref,prov,area,reached,share, */
        l = strchr(l + 1, ',');
    double v = atof(l + 1);
    free(t);
    return v;
}


/* ---- hub folders ------------------------------------------------------------------------- */

Test(resume, hub_folder_names)
{
    char *f;
    /* plain ids are their own folder */
    cr_assert_str_eq(f = isr_hub_folder("shanghai_hongqiao"), "shanghai_hongqiao");
    free(f);
    char id64[65];
    memset(id64, 'a', 64);
    id64[64] = '\0';
    cr_assert_str_eq(f = isr_hub_folder(id64), id64);
    free(f);
    /* letters of other scripts are folder names too; a bidi control or a space is not */
    cr_assert_str_eq(f = isr_hub_folder("北京南"), "北京南");
    free(f);
    cr_assert_eq(strncmp(f = isr_hub_folder("北京\xe2\x80\xae南"), "北京_南-", 11), 0, "%s", f);
    free(f);
    /* others: a stem, '-' and 16 hex digits, never a path, never hidden */
    const char *odd[] = {"../../x", "..", ".", "a/b", "a\\b", "c\001d", ".hidden", "",
                         "\xff\xfe", "a b"};
    const char *stem[] = {"x-", "hub-", "hub-", "a_b-", "a_b-", "c_d-", "hidden-", "hub-",
                          "hub-", "a_b-"};
    char *seen[10];
    for (int i = 0; i < 10; i++) {
        seen[i] = isr_hub_folder(odd[i]);
        cr_assert_eq(strncmp(seen[i], stem[i], strlen(stem[i])), 0, "'%s' -> '%s'", odd[i],
                     seen[i]);
        cr_assert_eq(strlen(seen[i]), strlen(stem[i]) + 16, "'%s' -> '%s'", odd[i], seen[i]);
        cr_assert_eq(strspn(seen[i], "abcdefghijklmnopqrstuvwxyz_-0123456789"), strlen(seen[i]));
        for (int k = 0; k < i; k++)
            cr_assert_str_neq(seen[i], seen[k], "'%s' and '%s' share a folder", odd[i], odd[k]);
    }
    for (int i = 0; i < 10; i++)
        free(seen[i]);
    id64[0] = 'b';
    char id65[66];
    snprintf(id65, sizeof id65, "%sc", id64); /* 65 bytes: 40 of stem and the hash */
    f = isr_hub_folder(id65);
    cr_assert_eq(strlen(f), 40 + 1 + 16, "%s", f);
    cr_assert_eq(strncmp(f, id64, 40), 0, "%s", f);
    free(f);
}

Test(resume, odd_station_ids_stay_inside_out)
{
    fixtures();
    /* seven Shanghai stations renamed (none is named in a line's stops), all made hubs */
    cli_ogr("-f GeoJSON st.geojson '%s/yrd_rail_stations.shp' -dialect sqlite -sql \"SELECT CASE id "
        "WHEN 'shanghai_songjiang' THEN '../../x' WHEN 'shanghai_west' THEN '..' WHEN "
        "'shanghai_south' THEN '.' WHEN 'jinshanwei' THEN 'a/b' WHEN 'xinzhuang' THEN 'a\\\\b' "
        "WHEN 'jinshan_north' THEN 'c' || char(1) || 'd' WHEN 'kunshan_south' THEN printf('%%.300c', "
        "'z') ELSE id END AS id, name, id IN ('shanghai_songjiang', 'shanghai_west', "
        "'shanghai_south', 'jinshanwei', 'xinzhuang', 'jinshan_north', 'kunshan_south') AS hub, "
        "geometry FROM yrd_rail_stations\"",
        S);
    char z300[301];
    memset(z300, 'z', 300);
    z300[300] = '\0';
    const char *ids[] = {"../../x", "..", ".", "a/b", "a\\b", "c\001d", z300};
    cr_assert_eq(cli_sh("mkdir '%s/a'", cli_tmp), 0);
    int rc = cli_sh("%s run --out '%s/a/o' --boundaries '%s/sh.gpkg' --stations '%s/st.geojson' "
                    "--resolution 2000",
                    CLI, cli_tmp, cli_tmp, cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    /* nothing beside --out (`../../x` from OUT/hubs/ is a/x), nothing above it */
    cr_assert_eq(cli_sh("cd '%s' && test \"$(ls -A a)\" = o && test ! -e x && test ! -e a/x && "
                        "test ! -e a/o/x && test ! -e a/o/travel_time.tif && "
                        "test ! -e a/o/hubs/travel_time.tif",
                        cli_tmp),
                 0, "an output was written outside its hub folder");
    cr_assert_eq(cli_sh("test $(find '%s/a/o/hubs' -mindepth 1 -maxdepth 1 -type d | wc -l) = 7",
                        cli_tmp),
                 0);
    /* run.json and summary.json give each hub's folder; the folder has every output and map */
    char p[400];
    snprintf(p, sizeof p, "%s/a/o/run.json", cli_tmp);
    json_object *run = json_object_from_file(p);
    snprintf(p, sizeof p, "%s/a/o/region/summary.json", cli_tmp);
    json_object *sum = json_object_from_file(p);
    cr_assert(run && sum);
    json_object *rh = json_object_object_get(run, "hubs"), *sh = json_object_object_get(sum, "hubs");
    cr_assert_eq(json_object_array_length(rh), 7);
    cr_assert_eq(json_object_array_length(sh), 7);
    for (int i = 0; i < 7; i++) {
        char *want = isr_hub_folder(ids[i]);
        int found = 0;
        for (size_t k = 0; k < 7; k++) {
            json_object *h = json_object_array_get_idx(rh, k);
            if (strcmp(json_object_get_string(json_object_object_get(h, "id")), ids[i]) == 0) {
                cr_assert_str_eq(json_object_get_string(json_object_object_get(h, "folder")),
                                 want);
                found++;
            }
            h = json_object_array_get_idx(sh, k);
            if (strcmp(json_object_get_string(json_object_object_get(h, "id")), ids[i]) == 0) {
                cr_assert_str_eq(json_object_get_string(json_object_object_get(h, "folder")),
                                 want);
                found++;
            }
        }
        cr_assert_eq(found, 2, "hub %d is not in run.json and summary.json", i);
        cr_assert_eq(cli_sh("cd '%s/a/o/hubs/%s' && test -s travel_time.tif && test -s "
                            "stations.csv && test -s reach.csv && test -s isochrones.geojson && "
                            "test -s map.png && test -s travel_time.qml",
                            cli_tmp, want),
                     0, "hub '%s': outputs missing in hubs/%s", ids[i], want);
        free(want);
    }
    json_object_put(run);
    json_object_put(sum);
    char *x = isr_hub_folder("../../x");
    cr_assert_str_eq(x, "x-0e455557190c67fd");
    free(x);
    /* the web map and the QGIS project name the folders; `reach` and `map` find them */
    cr_assert_eq(cli_sh("grep -q 'hubs/x-0e455557190c67fd/travel_time.tif' '%s/a/o/isoreach.qgs'",
                        cli_tmp),
                 0);
    cr_assert_eq(cli_sh("grep -qF '\"id\":\"../../x\"' '%s/a/o/index.html'", cli_tmp), 0);
    cr_assert_eq(cli_sh("%s reach -q --out '%s/a/o' --boundaries '%s/sh.gpkg' --pop-field pop2",
                        CLI, cli_tmp, cli_tmp),
                 0);
    /* (map reads the run's inputs from run.json: --boundaries and --stations, which it
     * ignored, are refused now) */
    cr_assert_eq(cli_sh("rm '%s/a/o/hubs/x-0e455557190c67fd/map.png' && %s map -q --out '%s/a/o' "
                        "&& test -s '%s/a/o/hubs/x-0e455557190c67fd/map.png'",
                        cli_tmp, CLI, cli_tmp, cli_tmp),
                 0);
    cr_assert_eq(cli_sh("cd '%s' && test \"$(ls -A a)\" = o", cli_tmp), 0);
}

/* ---- the sweep --------------------------------------------------------------------------- */

Test(resume, sweep_never_follows_a_link)
{
    fixtures();
    pid_t dead = (pid_t)cli_dead_pid();
    /* a hub folder and a region folder linked outside --out, a temporary-looking link, and
     * one real temporary file (in a killed run's folder: it has the mark a run writes) */
    cr_assert_eq(cli_sh("cd '%s' && mkdir -p outside o/hubs/real && touch o/.isoreach-output "
                        "outside/.x.part-%d "
                        "outside/victim && ln -s ../../outside o/hubs/link && ln -s ../outside "
                        "o/region && ln -s ../outside/victim o/.y.part-%d && touch "
                        "o/hubs/real/.stations.csv.part-%d",
                        cli_tmp, (int)dead, (int)dead, (int)dead),
                 0);
    cr_assert_eq(cli_sh("rm '%s/o/region' && mkdir '%s/o/region' && ln -s ../../outside "
                        "'%s/o/region/..link'",
                        cli_tmp, cli_tmp, cli_tmp),
                 0);
    int rc = run_into("o", "--hubs shanghai");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    char want[600];
    snprintf(want, sizeof want,
             "isoreach: removed 1 temporary file(s) that a killed run left in '%s/o'\n", cli_tmp);
    cr_assert(strstr(e, want), "%s", e);
    free(e);
    cr_assert_eq(cli_sh("cd '%s' && test -f outside/.x.part-%d && test -f outside/victim && "
                        "test -L o/.y.part-%d && test ! -e o/hubs/real/.stations.csv.part-%d",
                        cli_tmp, (int)dead, (int)dead, (int)dead),
                 0, "the sweep removed a file outside --out, or missed its own");
}

/* ---- resume ------------------------------------------------------------------------------ */

Test(resume, edited_lines_file_is_recomputed)
{
    fixtures();
    const char *hub = "--hubs shanghai_songjiang";
    cr_assert_eq(run_into("o", "%s", hub), 0);
    double before = rail_minutes("o", "shanghai_songjiang", "shanghai_hongqiao");
    /* the same file, edited in place: speeds swapped with `slow` (same size), and the old
     * modification time put back, so only the contents tell */
    cli_ogr("-f 'ESRI Shapefile' edited.shp lines.shp -dialect sqlite -sql \"SELECT id, name, slow AS "
        "speed_kmh, speed_kmh AS slow, headway, stops, geometry FROM lines\"");
    cr_assert_eq(cli_sh("cd '%s' && for x in shp shx dbf prj cpg; do test ! -e edited.$x || { "
                        "touch -r lines.$x edited.$x && cp -p edited.$x lines.$x; }; done",
                        cli_tmp),
                 0);
    cr_assert_eq(run_into("fresh", "%s", hub), 0);
    double fresh = rail_minutes("fresh", "shanghai_songjiang", "shanghai_hongqiao");
    cr_assert_gt(fresh, before + 1, "the edit should slow the trains: %g then %g", before, fresh);
    int rc = run_into("o", "%s", hub);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    char want[600];
    snprintf(want, sizeof want,
             "isoreach: recomputed 1 hub(s) whose earlier outputs in '%s/o/hubs' were made from "
             "other inputs or settings, or were incomplete\n",
             cli_tmp);
    cr_assert(strstr(e, want), "%s", e);
    cr_assert_null(strstr(e, "reused"), "%s", e);
    free(e);
    cr_assert_float_eq(rail_minutes("o", "shanghai_songjiang", "shanghai_hongqiao"), fresh, 1e-9);
    char *a = file_text("%s/o/hubs/shanghai_songjiang/stations.csv", cli_tmp);
    char *b = file_text("%s/fresh/hubs/shanghai_songjiang/stations.csv", cli_tmp);
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    /* and the same again: reused, and said so */
    rc = run_into("o", "%s", hub);
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "isoreach: reused 1 of 1 hubs from an earlier run with the same inputs "
                        "and settings (--overwrite recomputes them)\n"),
              "%s", e);
    free(e);
}

Test(resume, changed_field_flags_are_recomputed)
{
    fixtures();
    const char *hub = "--hubs shanghai_songjiang,shanghai";
    cr_assert_eq(run_into("o", "%s", hub), 0);
    double fast = rail_minutes("o", "shanghai_songjiang", "shanghai_hongqiao");
    double pop = first_pop_reached("o", "shanghai");
    /* another speed field: both hubs recomputed, times those of a fresh run */
    cr_assert_eq(run_into("fresh", "%s --line-speed slow", hub), 0);
    double slow = rail_minutes("fresh", "shanghai_songjiang", "shanghai_hongqiao");
    cr_assert_gt(slow, fast + 1, "%g then %g", fast, slow);
    int rc = run_into("o", "%s --line-speed slow", hub);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "isoreach: recomputed 2 hub(s) whose earlier outputs"), "%s", e);
    free(e);
    cr_assert_float_eq(rail_minutes("o", "shanghai_songjiang", "shanghai_hongqiao"), slow, 1e-9);
    /* another population field: the hubs' reach tables count the doubled people */
    rc = run_into("o", "%s --line-speed slow --pop-field pop2", hub);
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "isoreach: recomputed 2 hub(s) whose earlier outputs"), "%s", e);
    free(e);
    cr_assert_gt(pop, 0);
    cr_assert_float_eq(first_pop_reached("o", "shanghai"), 2 * pop, 1.0);
    /* another parameter (the budget is in the fingerprint as every parameter is) */
    rc = run_into("o", "%s --line-speed slow --pop-field pop2 --dwell 3", hub);
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "isoreach: recomputed 2 hub(s) whose earlier outputs"), "%s", e);
    free(e);
    /* unchanged: both reused */
    rc = run_into("o", "%s --line-speed slow --pop-field pop2 --dwell 3", hub);
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "isoreach: reused 2 of 2 hubs from an earlier run"), "%s", e);
    free(e);
}

Test(resume, damaged_outputs_are_recomputed)
{
    fixtures();
    const char *hub = "--hubs shanghai_songjiang,shanghai";
    cr_assert_eq(run_into("o", "%s", hub), 0);
    char *reach = file_text("%s/o/hubs/shanghai/reach.csv", cli_tmp);
    char *iso = file_text("%s/o/hubs/shanghai_songjiang/isochrones.geojson", cli_tmp);
    /* an emptied table and cut-short isochrones */
    cr_assert_eq(cli_sh("cd '%s/o/hubs' && : > shanghai/reach.csv && truncate -s 100 "
                        "shanghai_songjiang/isochrones.geojson",
                        cli_tmp),
                 0);
    int rc = run_into("o", "%s", hub);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "isoreach: recomputed 2 hub(s) whose earlier outputs"), "%s", e);
    cr_assert_null(strstr(e, "reused"), "%s", e);
    free(e);
    char *reach2 = file_text("%s/o/hubs/shanghai/reach.csv", cli_tmp);
    char *iso2 = file_text("%s/o/hubs/shanghai_songjiang/isochrones.geojson", cli_tmp);
    cr_assert_str_eq(reach2, reach);
    cr_assert_str_eq(iso2, iso);
    free(reach);
    free(reach2);
    free(iso);
    free(iso2);
    /* a missing raster: that hub alone */
    cr_assert_eq(cli_sh("rm '%s/o/hubs/shanghai/travel_time.tif'", cli_tmp), 0);
    rc = run_into("o", "%s", hub);
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "isoreach: reused 1 of 2 hubs from an earlier run"), "%s", e);
    cr_assert(strstr(e, "isoreach: recomputed 1 hub(s) whose earlier outputs"), "%s", e);
    free(e);
    /* a raster cut short: which and why are said (only the count was) */
    cr_assert_eq(cli_sh("truncate -s 3000 '%s/o/hubs/shanghai/travel_time.tif'", cli_tmp), 0);
    rc = run_into("o", "%s", hub);
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "o/hubs/shanghai/travel_time.tif': cannot read (") &&
                  strstr(e, "); the hub is recomputed\n"),
              "%s", e);
    free(e);
}

/* Issue 17: tables written by an older version (no hub_id column, no byte order mark) are
 * not reused: the hub is recomputed and its tables get the current header. */
Test(resume, older_version_tables_are_recomputed)
{
    fixtures();
    const char *hub = "--hubs shanghai_songjiang,shanghai";
    cr_assert_eq(run_into("o", "%s", hub), 0);
    char *st = file_text("%s/o/hubs/shanghai/stations.csv", cli_tmp);
    char *reach = file_text("%s/o/hubs/shanghai_songjiang/reach.csv", cli_tmp);
    cr_assert_eq(strncmp(st, "\xEF\xBB\xBFhub_id,station_id,", 21), 0, "%.80s", st);
    /* the older stations.csv: its first column and the BOM gone; the older reach.csv: the
     * BOM alone gone */
    cr_assert_eq(cli_sh("cd '%s/o/hubs' && sed -i '1s/^\xEF\xBB\xBF//; s/^[^,]*,//' "
                        "shanghai/stations.csv && sed -i '1s/^\xEF\xBB\xBF//' "
                        "shanghai_songjiang/reach.csv",
                        cli_tmp),
                 0);
    int rc = run_into("o", "%s", hub);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "isoreach: recomputed 2 hub(s) whose earlier outputs"), "%s", e);
    cr_assert_null(strstr(e, "reused"), "%s", e);
    free(e);
    char *st2 = file_text("%s/o/hubs/shanghai/stations.csv", cli_tmp);
    char *reach2 = file_text("%s/o/hubs/shanghai_songjiang/reach.csv", cli_tmp);
    cr_assert_str_eq(st2, st);
    cr_assert_str_eq(reach2, reach);
    free(st);
    free(st2);
    free(reach);
    free(reach2);
}

/* Before the fix a stations.csv cut after its header passed (only headers were checked): the
 * hub was reused and the file stayed 3 lines long. */
Test(resume, stations_csv_cut_short_is_recomputed_and_said)
{
    fixtures();
    const char *hub = "--hubs shanghai";
    cr_assert_eq(run_into("o", "%s", hub), 0);
    char *st = file_text("%s/o/hubs/shanghai/stations.csv", cli_tmp);
    long nst = -1; /* rows after the header */
    for (const char *p = st; *p; p++)
        nst += *p == '\n';
    cr_assert_gt(nst, 10);
    cr_assert_eq(cli_sh("cd '%s/o/hubs/shanghai' && head -3 stations.csv > t && mv t stations.csv",
                        cli_tmp),
                 0);
    int rc = run_into("o", "%s", hub);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    char want[1000];
    snprintf(want, sizeof want,
             "isoreach: hub 'shanghai': '%s/o/hubs/shanghai/stations.csv' holds 2 of its %ld "
             "station rows: recomputing the hub\n",
             cli_tmp, nst);
    cr_assert(strstr(e, want), "%s", e);
    cr_assert(strstr(e, "isoreach: recomputed 1 hub(s) whose earlier outputs"), "%s", e);
    cr_assert_null(strstr(e, "reused"), "%s", e);
    free(e);
    char *st2 = file_text("%s/o/hubs/shanghai/stations.csv", cli_tmp);
    cr_assert_str_eq(st2, st);
    free(st2);
    /* a last row cut in the middle is caught too */
    cr_assert_eq(cli_sh("truncate -s -5 '%s/o/hubs/shanghai/stations.csv'", cli_tmp), 0);
    rc = run_into("o", "%s", hub);
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "stations.csv' ends in a row cut short: recomputing the hub"), "%s", e);
    free(e);
    st2 = file_text("%s/o/hubs/shanghai/stations.csv", cli_tmp);
    cr_assert_str_eq(st2, st);
    free(st2);
    free(st);
}

/* Before the fix, after `reach --boundaries OTHER` run.json still named only the run's
 * boundaries, the map and web map credits named the sample's ("2020 census"), and nothing
 * was said. The sample at 5000 m with maps, then its counties with twice the people. */
Test(resume, reach_with_other_boundaries_is_recorded_and_credited)
{
    cli_ogr("-f GPKG mycounties.gpkg '%s/yrd_counties.shp' -nln counties -dialect sqlite -sql "
            "\"SELECT code, name, pref_code, pref_name, prov_code, prov_name, pop * 2 AS pop, "
            "geometry FROM yrd_counties\"",
            S);
    cr_assert_eq(cli_sh("%s run -q --out '%s/o' --hubs shanghai_hongqiao --resolution 5000 "
                        "--threads 1",
                        CLI, cli_tmp),
                 0, "%s", cli_output());
    char *svg = file_text("%s/o/hubs/shanghai_hongqiao/map.svg", cli_tmp);
    cr_assert(strstr(svg, "Population: 2020 census"));
    free(svg);
    cr_assert_eq(cli_sh("%s reach --out '%s/o' --boundaries '%s/mycounties.gpkg'", CLI, cli_tmp,
                        cli_tmp),
                 0, "%s", cli_output());
    char *e = cli_stderr(), want[1500];
    snprintf(want, sizeof want,
             "isoreach: reach tables recounted on boundaries '%s/mycounties.gpkg' for 1 hub: "
             "rewrote hubs/*/reach.csv, summary.csv, people_by_minute.csv, the isochrones' "
             "population, region/reach_matrix.csv, hubs_summary.csv, units.geojson and "
             "summary.json; run.json records them under \"reach\" (the "
             "travel-time rasters are unchanged)\n",
             cli_tmp);
    cr_assert(strstr(e, want), "%s", e);
    free(e);
    char p[600];
    snprintf(p, sizeof p, "%s/o/run.json", cli_tmp);
    json_object *run = json_object_from_file(p), *re, *v, *in;
    cr_assert(json_object_object_get_ex(run, "reach", &re));
    cr_assert(json_object_object_get_ex(re, "boundaries", &v)); /* relative to OUT */
    cr_assert_str_eq(json_object_get_string(v), "../mycounties.gpkg");
    cr_assert(json_object_object_get_ex(re, "pop_field", &v));
    cr_assert_str_eq(json_object_get_string(v), "pop");
    /* what the rasters were computed with is kept */
    cr_assert(json_object_object_get_ex(run, "inputs", &in) &&
              json_object_object_get_ex(in, "boundaries", &v));
    cr_assert(strstr(json_object_get_string(v), "yrd_counties.shp"));
    json_object_put(run);
    svg = file_text("%s/o/hubs/shanghai_hongqiao/map.svg", cli_tmp);
    cr_assert(strstr(svg, "Boundaries: mycounties.gpkg · Rail: yrd_rail_stations.shp"), "%s",
              strstr(svg, "<desc") ? strstr(svg, "<desc") : svg);
    cr_assert_null(strstr(svg, "2020 census"));
    free(svg);
    char *html = file_text("%s/o/index.html", cli_tmp);
    /* the travel times still crossed the sample's water (the run's), so it is credited */
    cr_assert(strstr(html, "\"attribution\":\"Boundaries: mycounties.gpkg; rail: "
                           "yrd_rail_stations.shp, yrd_rail_lines.shp; water: GSHHG "
                           "(Wessel \\u0026 Smith, LGPL)\""));
    cr_assert_null(strstr(html, "2020 census"));
    free(html);
    /* the QGIS project's print layout too (it kept the run's boundaries' credit) */
    char *qgs = file_text("%s/o/isoreach.qgs", cli_tmp);
    cr_assert(strstr(qgs, "Boundaries: mycounties.gpkg · Rail: yrd_rail_stations.shp"), "%s",
              strstr(qgs, "labelText=\"Boundaries") ? strstr(qgs, "labelText=\"Boundaries") : "");
    cr_assert_null(strstr(qgs, "2020 census"));
    free(qgs);
}

/* Two ids that map to one folder are refused before anything is written (checked by hand
 * only, before this test). */
Test(resume, two_hub_ids_mapping_to_one_folder_are_refused)
{
    fixtures();
    cli_ogr("-f GeoJSON st_col.geojson '%s/yrd_rail_stations.shp' -dialect sqlite -sql \"SELECT "
            "CASE id WHEN 'shanghai_songjiang' THEN '../../x' WHEN 'shanghai_west' THEN "
            "'x-0e455557190c67fd' ELSE id END AS id, name, id IN ('shanghai_songjiang', "
            "'shanghai_west') AS hub, geometry FROM yrd_rail_stations\"",
            S);
    int rc = cli_sh("%s run -q --out '%s/o' --boundaries '%s/sh.gpkg' --stations "
                    "'%s/st_col.geojson' --resolution 2000",
                    CLI, cli_tmp, cli_tmp, cli_tmp);
    char *e = cli_stderr(), want[1000];
    snprintf(want, sizeof want,
             "isoreach: stations 'x-0e455557190c67fd' and '../../x' in '%s/st_col.geojson' would "
             "share the output folder 'hubs/x-0e455557190c67fd'; give one of them another id "
             "(field 'id'), or leave one out with --hubs\n",
             cli_tmp);
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "--out was created");
    /* folders differing only in case: one folder where case is ignored, so refused too */
    cli_ogr("-f GeoJSON st_case.geojson '%s/yrd_rail_stations.shp' -dialect sqlite -sql \"SELECT "
            "CASE id WHEN 'shanghai_songjiang' THEN 'Shanghai_West' ELSE id END AS id, name, id "
            "IN ('shanghai_songjiang', 'shanghai_west') AS hub, geometry FROM "
            "yrd_rail_stations\"",
            S);
    rc = cli_sh("%s run -q --out '%s/o' --boundaries '%s/sh.gpkg' --stations "
                "'%s/st_case.geojson' --resolution 2000",
                CLI, cli_tmp, cli_tmp, cli_tmp);
    e = cli_stderr();
    snprintf(want, sizeof want,
             "isoreach: stations 'Shanghai_West' and 'shanghai_west' in '%s/st_case.geojson' "
             "would share the output folder 'hubs/Shanghai_West' and 'hubs/shanghai_west', one "
             "folder on a disk that ignores case (Windows, macOS, most USB sticks and network "
             "shares); give one of them another id (field 'id'), or leave one out with --hubs\n",
             cli_tmp);
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "--out was created");
}

/* A changed boundaries layer, --crs or --unit-name each recompute the hub (the fingerprint
 * tests changed only --line-speed, --pop-field, --dwell, a file and --kernel). */
Test(resume, changed_layer_crs_or_unit_name_are_recomputed)
{
    fixtures();
    cli_ogr("-update -f GPKG sh.gpkg sh.gpkg -nln sh_b -sql \"SELECT * FROM sh\"");
    const char *hub = "--hubs shanghai";
    /* two polygon layers: one named (unnamed, the source is refused as ambiguous) */
    cr_assert_eq(run_into("o", "%s --boundaries-layer sh", hub), 0, "%s", cli_output());
    const char *changes[] = {"--boundaries-layer sh_b", "--boundaries-layer sh_b --crs EPSG:32651",
                             "--boundaries-layer sh_b --crs EPSG:32651 --unit-name name_en"};
    for (int i = 0; i < 3; i++) {
        int rc = run_into("o", "%s %s", hub, changes[i]);
        char *e = cli_stderr();
        cr_assert_eq(rc, 0, "%s", e);
        cr_assert(strstr(e, "isoreach: recomputed 1 hub(s) whose earlier outputs"), "%s: %s",
                  changes[i], e);
        cr_assert_null(strstr(e, "reused"), "%s: %s", changes[i], e);
        free(e);
    }
    /* the same again: reused */
    cr_assert_eq(run_into("o", "%s %s", hub, changes[2]), 0);
    char *e = cli_stderr();
    cr_assert(strstr(e, "isoreach: reused 1 of 1 hubs"), "%s", e);
    free(e);
}

Test(resume, reused_hub_tables_follow_the_run)
{
    fixtures();
    const char *hub = "--hubs shanghai";
    cr_assert_eq(run_into("o", "%s", hub), 0);
    double pop = first_pop_reached("o", "shanghai");
    cr_assert_gt(pop, 0);
    /* `isoreach reach` rewrites the hub's table with other people… */
    cr_assert_eq(cli_sh("%s reach -q --out '%s/o' --boundaries '%s/sh.gpkg' --pop-field pop2",
                        CLI, cli_tmp, cli_tmp),
                 0);
    cr_assert_float_eq(first_pop_reached("o", "shanghai"), 2 * pop, 1.0);
    /* …and a run with the first settings reuses the hub but writes the table of its own */
    int rc = run_into("o", "%s", hub);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "isoreach: reused 1 of 1 hubs from an earlier run"), "%s", e);
    free(e);
    cr_assert_float_eq(first_pop_reached("o", "shanghai"), pop, 1e-9);
}

/* A GeoPackage edited while another program holds it open in WAL mode (as QGIS does): the
 * saved edit is in sh.gpkg-wal, the main file unchanged. A rerun took it for the same input
 * and reused the hub, with the old people; the -wal file now counts in the fingerprint. */
Test(resume, an_edit_held_in_a_geopackages_wal_is_seen)
{
    fixtures();
    char path[600];
    snprintf(path, sizeof path, "%s/sh.gpkg", cli_tmp);
    CPLSetConfigOption("OGR_SQLITE_JOURNAL", "WAL");
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL);
    cr_assert_not_null(ds);
    GDALDatasetReleaseResultSet(ds, GDALDatasetExecuteSQL(ds, "SELECT 1", NULL, NULL));
    cr_assert_eq(run_into("o", "--hubs shanghai -q"), 0);
    double pop = first_pop_reached("o", "shanghai");
    /* every district's people doubled, the connection kept open: the edit stays in the -wal */
    GDALDatasetReleaseResultSet(ds, GDALDatasetExecuteSQL(ds, "UPDATE sh SET pop = pop2", NULL,
                                                          NULL));
    GDALFlushCache(ds);
    int rc = run_into("o", "--hubs shanghai");
    char *e = cli_stderr();
    GDALClose(ds);
    CPLSetConfigOption("OGR_SQLITE_JOURNAL", NULL);
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_null(strstr(e, "reused 1 of 1 hubs"), "%s", e);
    free(e);
    cr_assert_float_eq(first_pop_reached("o", "shanghai"), 2 * pop, 1.0);
}

/* --min-reach shapes only the reach tables, which a reused hub writes again: a rerun with
 * another one reuses the searches (it ran them all again) and writes the tables a fresh run
 * with it writes */
Test(resume, another_min_reach_reuses_the_searches)
{
    fixtures();
    cr_assert_eq(run_into("o", "--hubs shanghai -q"), 0);
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/o/hubs/shanghai/reach.csv", cli_tmp);
    snprintf(b, sizeof b, "%s/f/hubs/shanghai/reach.csv", cli_tmp);
    char *before = cli_slurp(a);
    int rc = run_into("o", "--hubs shanghai --min-reach 30");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "isoreach: reused 1 of 1 hubs from an earlier run"), "%s", e);
    free(e);
    cr_assert_eq(run_into("f", "--hubs shanghai --min-reach 30 -q"), 0);
    char *after = cli_slurp(a), *fresh = cli_slurp(b);
    cr_assert(before && after && fresh);
    cr_assert_str_neq(before, after, "--min-reach 30 counted the same units");
    cr_assert_str_eq(after, fresh);
    free(before);
    free(after);
    free(fresh);
    cr_assert_eq(cli_sh("cmp -s '%s/o/hubs/shanghai/summary.csv' '%s/f/hubs/shanghai/summary.csv'",
                        cli_tmp, cli_tmp),
                 0);
}

/* A rerun with fewer hubs and another budget (and --no-maps) into a folder of an earlier run:
 * the other hub's folder and the earlier maps stay, which the run says (it was silent, and a
 * join of hubs/(star)/summary.csv mixed budgets) */
Test(resume, a_rerun_says_what_it_left_of_an_earlier_one)
{
    fixtures();
    cr_assert_eq(run_into("o", "--hubs shanghai,shanghai_hongqiao -q"), 0);
    cr_assert_eq(cli_sh("%s map -q --out '%s/o'", CLI, cli_tmp), 0, "%s", cli_output());
    int rc = run_into("o", "--hubs shanghai --budget 45 -q");
    char *e = cli_stderr(), want[1200];
    cr_assert_eq(rc, 0, "%s", e);
    snprintf(want, sizeof want,
             "isoreach: warning: '%s/o/hubs' holds 1 folder of no hub of this run "
             "(shanghai_hongqiao), left by an earlier run: the region products, web map and "
             "QGIS project leave it out, and its tables may be of other settings; delete it, or "
             "run those hubs again\n",
             cli_tmp);
    cr_assert(strstr(e, want), "%s", e);
    snprintf(want, sizeof want,
             "isoreach: warning: the maps in '%s/o' were drawn by an earlier run and not "
             "redrawn (--no-maps): if its hubs or settings differ from this one's, redraw them "
             "with isoreach map --out '%s/o', or delete them\n",
             cli_tmp, cli_tmp);
    cr_assert(strstr(e, want), "%s", e);
    free(e);
    /* `isoreach reach` recounts the run's one hub: the other folder's table is left as the
     * first run wrote it (60 minutes, not this run's 45), and said (it was silent) */
    char old_csv[600], other[600];
    snprintf(other, sizeof other, "%s/o/hubs/shanghai_hongqiao/reach.csv", cli_tmp);
    snprintf(old_csv, sizeof old_csv, "%s/o/before.csv", cli_tmp);
    cr_assert_eq(cli_sh("cp '%s' '%s'", other, old_csv), 0);
    rc = cli_sh("%s reach -q --no-maps --out '%s/o' --min-reach 5", CLI, cli_tmp);
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    snprintf(want, sizeof want,
             "isoreach: warning: '%s/o/hubs' also holds 1 folder of no hub of the run "
             "(shanghai_hongqiao), left by an earlier run: isoreach reach did not recount its "
             "tables, which are of other boundaries or settings; delete it, or run those hubs "
             "again\n",
             cli_tmp);
    cr_assert(strstr(e, want), "%s", e);
    free(e);
    cr_assert_eq(cli_sh("cmp -s '%s' '%s'", other, old_csv), 0, "the other hub's table changed");
}

/* ---- the lock ---------------------------------------------------------------------------- */

Test(resume, one_run_at_a_time)
{
    fixtures();
    cr_assert_eq(run_into("o", "--hubs shanghai"), 0);
    cr_assert_eq(cli_sh("test ! -e '%s/o/.isoreach.lock'", cli_tmp), 0, "the lock was left");
    /* a live process holds the lock (this test, standing in for a run) */
    cr_assert_eq(cli_sh("echo %d > '%s/o/.isoreach.lock' && rm '%s/o/run.json'", (int)getpid(),
                        cli_tmp, cli_tmp),
                 0);
    char want[1000];
    snprintf(want, sizeof want,
             "isoreach: --out '%s/o' is in use by another isoreach run (process %d, lock file "
             "%s/o/.isoreach.lock); wait for it to finish or use another --out (if no isoreach "
             "runs there, process %d is another program that took the dead run's number: "
             "delete the lock file)\n",
             cli_tmp, (int)getpid(), cli_tmp, (int)getpid());
    int rc = run_into("o", "--hubs shanghai");
    char *e = cli_stderr();
    cr_assert_eq(rc, 1);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(cli_sh("test ! -e '%s/o/run.json'", cli_tmp), 0, "a refused run wrote");
    /* `reach` and `map` write there too */
    rc = cli_sh("%s reach --out '%s/o' --boundaries '%s/sh.gpkg'", CLI, cli_tmp, cli_tmp);
    e = cli_stderr();
    cr_assert_eq(rc, 1);
    cr_assert_str_eq(e, want);
    free(e);
    rc = cli_sh("%s map --out '%s/o'", CLI, cli_tmp);
    e = cli_stderr();
    cr_assert_eq(rc, 1);
    cr_assert_str_eq(e, want);
    free(e);
    char *lock = file_text("%s/o/.isoreach.lock", cli_tmp);
    cr_assert_eq(atol(lock), (long)getpid(), "another's lock was touched");
    free(lock);
    /* the lock of a process that no longer runs is taken over */
    pid_t dead = (pid_t)cli_dead_pid();
    cr_assert_eq(cli_sh("echo %d > '%s/o/.isoreach.lock'", (int)dead, cli_tmp), 0);
    rc = run_into("o", "--hubs shanghai");
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    snprintf(want, sizeof want,
             "isoreach: taking over the lock of --out '%s/o': process %d, which made it, no "
             "longer runs\n",
             cli_tmp, (int)dead);
    cr_assert(strstr(e, want), "%s", e);
    free(e);
    cr_assert_eq(cli_sh("test -s '%s/o/run.json' && test ! -e '%s/o/.isoreach.lock'", cli_tmp,
                        cli_tmp),
                 0);
}

/* reach on boundaries that leave out land the run's hubs reached (two of Shanghai's
 * districts dropped): the times are the run's, whose local travel crossed those districts,
 * where a run on these boundaries finds no way through them. Said, with the area (it was
 * recounted without a word, and differed from a fresh run's); the run's own boundaries give
 * no such warning. */
Test(resume, reach_on_boundaries_leaving_out_reached_land_is_said)
{
    fixtures();
    cli_ogr("-f GPKG holes.gpkg sh.gpkg -nln sh -where \"code NOT IN ('310112', '310117')\"");
    cr_assert_eq(run_into("o", "--hubs shanghai_hongqiao -q"), 0, "%s", cli_stderr());
    cr_assert_eq(cli_sh("%s reach --out '%s/o' --boundaries '%s/sh.gpkg'", CLI, cli_tmp, cli_tmp),
                 0, "%s", cli_stderr());
    char *e = cli_stderr();
    cr_assert_null(strstr(e, "lie in no unit"), "%s", e);
    free(e);
    cr_assert_eq(cli_sh("%s reach --out '%s/o' --boundaries '%s/holes.gpkg'", CLI, cli_tmp,
                        cli_tmp),
                 0, "%s", cli_stderr());
    e = cli_stderr();
    char want[800];
    /* Minhang (310112) and Songjiang (310117) within the hub's hour: their cells at 2000 m */
    const char *w = strstr(e, " km² that 1 hub reach (hub 'shanghai_hongqiao') lie in no unit "
                              "of '");
    cr_assert(w, "%s", e);
    const char *num = w;
    while (num > e && (isdigit((unsigned char)num[-1]) || num[-1] == '.'))
        num--;
    double km2 = strtod(num, NULL);
    snprintf(want, sizeof want, "A run on '%s/holes.gpkg' takes them as beyond the region",
             cli_tmp);
    cr_assert(strstr(e, want), "%s", e);
    cr_assert(km2 > 500 && km2 < 1500, "%g km² in %s", km2, e);
    free(e);
}
