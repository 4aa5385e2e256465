/* Criterion suite 'scenario' (cli): scenarios (issue 15) end to end on a small network built
 * in the test, in UTM 51N (EPSG:32651), at 1000 m, budget 45 min.
 *
 * Two counties side by side, 10 km tall (their prefecture and province fields as GB/T 2260
 * would derive them): A (310101, province 310000) x 0..20 km, 20,000
 * people (200 cells: 100 a cell); B (320101, province 320000) x 20..60 km, 40,000 people
 * (400 cells: 100 a cell). Hub h at x 2.5 km, station s at 12.5 km, line L h–s 10 min,
 * headway 10 (wait 5): s is reached at 15 min. Every cell holds 100 people, so people are
 * 100 × the cells of a status in diff.tif (band 2), which the test counts itself. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_support.h"

#define CLI cli_command(ISR_CLI)
#define CRS "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32651\"}}"
#define PT(props, x) "{\"type\":\"Feature\",\"properties\":{" props "},\"geometry\":{\"type\":" \
    "\"Point\",\"coordinates\":[" #x ",3405500]}}"

static void fixture(void)
{
    cli_tmp_make("isr-scen");
    cli_put("b.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"code\":\"310101\",\"name\":\"A\","
            "\"pref_code\":\"310100\",\"prov_code\":\"310000\",\"pop\":20000},"
            "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[500000,"
            "3400000],[520000,3400000],[520000,3410000],[500000,3410000],[500000,3400000]]]}},"
            "{\"type\":\"Feature\",\"properties\":{\"code\":\"320101\",\"name\":\"B\","
            "\"pref_code\":\"320100\",\"prov_code\":\"320000\",\"pop\":40000},"
            "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[520000,"
            "3400000],[560000,3400000],[560000,3410000],[520000,3410000],[520000,3400000]]]}}"
            "]}");
    cli_put("st.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            PT("\"id\":\"h\",\"name\":\"H\",\"hub\":1", 502500) ","
            PT("\"id\":\"s\",\"name\":\"S\",\"hub\":0", 512500) "]}");
    cli_put("ln.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"L\",\"name\":\"L\",\"speed_kmh\":100,"
            "\"headway\":10,\"minutes\":\"10\"},\"geometry\":{\"type\":\"LineString\","
            "\"coordinates\":[[502500,3405500],[512500,3405500]]}}]}");
    cli_sh_ok("mkdir new same fast closed bad");
    cli_put("new/stations.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            PT("\"id\":\"f\",\"name\":\"F\"", 542500) "]}");
    cli_put("new/lines.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"N\",\"name\":\"N\",\"speed_kmh\":200,"
            "\"headway\":10,\"minutes\":\"5\"},\"geometry\":{\"type\":\"LineString\","
            "\"coordinates\":[[512500,3405500],[542500,3405500]]}}]}");
    cli_put("same/modifications.csv", "action,target,to,value,source\nset_headway,L,,10,as is\n");
    cli_put("fast/modifications.csv", "action,target,to,value,source\nscale_speed,L,,2,x\n");
    cli_put("closed/modifications.csv", "action,target,to,value,source\nremove_station,s,,,x\n");
}

TestSuite(scenario, .init = fixture, .fini = cli_tmp_remove, .timeout = 300);

/* `isoreach run` on the fixture with ARGS; the exit status. */
static int run(const char *args)
{
    return cli_sh("cd '%s' && %s run -q --out o --boundaries b.geojson --stations st.geojson "
                  "--lines ln.geojson --resolution 1000 --budget 45 --water none --roads none %s",
                  cli_tmp, CLI, args);
}

/* Cells of band 2 of diff.tif with status `v` (gdal's histogram, counted by a script). */
static int cells(const char *diff, int v)
{
    cli_sh("cd '%s' && gdal_translate -q -b 2 -of XYZ %s /vsistdout/ | awk '$3==%d' | wc -l",
           cli_tmp, diff, v);
    char *out = cli_output();
    int n = atoi(out);
    free(out);
    return n;
}

/* Cells a travel-time raster reaches (not nodata). */
static int reached(const char *tif)
{
    cli_sh("cd '%s' && gdal_translate -q -of XYZ %s /vsistdout/ | awk '$3!=-9999' | wc -l",
           cli_tmp, tif);
    char *out = cli_output();
    int n = atoi(out);
    free(out);
    return n;
}

/* A file of the run as a string. */
static char *slurp(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", cli_tmp, name);
    return cli_slurp(path);
}

Test(scenario, new_line_gains_people_across_the_border)
{
    cr_assert_eq(run("--scenario new=new"), 0);
    int newly = cells("o/scenarios/new/hubs/h/diff.tif", 2);
    cr_assert_gt(newly, 0);
    cr_assert_eq(cells("o/scenarios/new/hubs/h/diff.tif", 3), 0);
    char want[512];
    /* all of it in county B, province 320000: across the border from the hub's 310000 */
    snprintf(want, sizeof want, "\nh,county,320101,B,,320100,320000,0,0,%d.0,0.0,0.0,0.0,\n",
             100 * newly);
    char *g = slurp("o/scenarios/new/hubs/h/gains.csv");
    cr_assert(strstr(g, want), "%s", g);
    cr_assert(!strstr(g, "310101"), "%s", g);
    /* its province row is in no one prefecture: in_hub_prefecture empty, as in reach.csv */
    snprintf(want, sizeof want, "\nh,province,320000,,,,320000,,0,%d.0,", 100 * newly);
    cr_assert(strstr(g, want), "%s", g);
    free(g);
    char *b = slurp("o/scenarios/new/gains_by_hub.csv");
    snprintf(want, sizeof want, "h,H,0,%d.0,0.0,%d.0,0.0,%d.0,0.0,0.0,0.0,", 100 * newly,
             100 * newly, 100 * newly);
    cr_assert(strstr(b, want), "%s", b);
    free(b);
    char *m = slurp("o/scenarios/new/gains_matrix.csv");
    snprintf(want, sizeof want, "\xEF\xBB\xBFhub_id,pref_310100,pref_320100\nh,0.0,%d.0\n", 100 * newly);
    cr_assert_str_eq(m, want);
    free(m);
    /* every CSV of the run, the scenario's too: BOM, hub_id first, read alike by GDAL and
     * Python (tests/tables_check.py) */
    cr_assert_eq(cli_sh("/usr/bin/python3 %s/tests/tables_check.py --all %s/o", ISR_SOURCE_DIR,
                        cli_tmp),
                 0, "%s", cli_output());
}

Test(scenario, speed_up_saves_the_computed_minutes)
{
    cr_assert_eq(run("--scenario fast=fast"), 0);
    /* s: 5 wait + 10 run = 15 min; at speed × 2, 5 + 5 = 10: 5 minutes saved at its cell */
    cli_sh("cd '%s' && set -- $(echo 512500 3405500 | gdaltransform -s_srs EPSG:32651 -t_srs "
           "EPSG:4326) && gdallocationinfo -valonly -wgs84 o/scenarios/fast/hubs/h/diff.tif $1 $2",
           cli_tmp);
    char *out = cli_output();
    cr_assert_str_eq(out, "-5\n1\n");
    free(out);
}

Test(scenario, removed_station_loses_its_catchment)
{
    cr_assert_eq(run("--scenario closed=closed"), 0);
    int lost = cells("o/scenarios/closed/hubs/h/diff.tif", 3);
    cr_assert_gt(lost, 0);
    cr_assert_eq(cells("o/scenarios/closed/hubs/h/diff.tif", 2), 0);
    char want[256];
    snprintf(want, sizeof want, "h,H,0,0.0,0.0,0.0,0.0,0.0,%d.0,", 100 * lost);
    char *b = slurp("o/scenarios/closed/gains_by_hub.csv");
    cr_assert(strstr(b, want), "%s", b);
    free(b);
    char *j = slurp("o/scenarios/closed/scenario.json");
    cr_assert(strstr(j, "line 'L' calls at fewer than 2 stations once 's' is removed"), "%s", j);
    free(j);
    /* exactly s's catchment: the cells the baseline reaches that the hub alone does not. The
     * hub alone, computed apart from any scenario: L runs 100 min, so s (105 min) is beyond
     * the 45-minute budget */
    cli_put("slow.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"L\",\"name\":\"L\","
            "\"speed_kmh\":100,\"headway\":10,\"minutes\":\"100\"},\"geometry\":{\"type\":"
            "\"LineString\",\"coordinates\":[[502500,3405500],[512500,3405500]]}}]}");
    cr_assert_eq(cli_sh("cd '%s' && %s run -q --out alone --boundaries b.geojson --stations "
                        "st.geojson --lines slow.geojson --resolution 1000 --budget 45 --water "
                        "none --roads none --no-maps",
                        cli_tmp, CLI),
                 0);
    int base = reached("o/hubs/h/travel_time.tif"), alone = reached("alone/hubs/h/travel_time.tif");
    cr_assert_gt(base, alone);
    cr_assert_eq(lost, base - alone, "lost %d, baseline %d, hub alone %d", lost, base, alone);
}

/* An added station where local travel cannot start (outside the boundaries): warned. */
Test(scenario, added_station_off_land_is_warned_about)
{
    cli_sh_ok("mkdir sea");
    cli_put("sea/stations.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"w\",\"name\":\"W\"},"
            "\"geometry\":{\"type\":\"Point\",\"coordinates\":[512500,3412500]}}]}");
    cli_put("sea/lines.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"P\",\"name\":\"P\","
            "\"speed_kmh\":100,\"headway\":10},\"geometry\":{\"type\":\"LineString\","
            "\"coordinates\":[[512500,3405500],[512500,3412500]]}}]}");
    cr_assert_eq(cli_sh("cd '%s' && %s run --out o --boundaries b.geojson --stations st.geojson "
                        "--lines ln.geojson --resolution 1000 --budget 45 --water none --roads "
                        "none --no-maps --scenario sea=sea",
                        cli_tmp, CLI),
                 0);
    char *e = cli_stderr();
    cr_assert(strstr(e, "isoreach: warning: scenario 'sea': added station 'w' lies off the "
                        "region's grid: trains stop there, but no local travel starts from it; "
                        "move it onto land inside the boundaries\n"),
              "%s", e);
    free(e);
}

/* An infill station on base line L (which calls at every station near it): the base lines
 * keep their calls, which the run says with what to do (it was silent: no gain, no note);
 * the new scenario's station f, 30 km beyond L's end, is near no base line */
Test(scenario, added_station_on_a_base_line_is_warned_about)
{
    cli_sh_ok("mkdir infill");
    cli_put("infill/stations.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            PT("\"id\":\"i\",\"name\":\"I\"", 507500) "]}");
    cr_assert_eq(run("--no-maps --scenario infill=infill --scenario new=new"), 0);
    char *e = cli_stderr();
    cr_assert(strstr(e, "isoreach: warning: scenario 'infill': added station 'i' lies 0 m from "
                        "base line 'L', but the base lines call where they called: only the "
                        "scenario's added lines stop at 'i'. To have the line call there, remove "
                        "it (remove_line) and add it again under another id in the scenario's "
                        "lines\n"),
              "%s", e);
    cr_assert(!strstr(e, "added station 'f' lies"), "%s", e);
    free(e);
}

Test(scenario, no_change_reuses_every_hub)
{
    cr_assert_eq(run("--scenario same=same"), 0);
    /* said: a planner who expected a change is told there was none */
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: warning: scenario 'same' changes nothing for this hub: its "
                        "rail times within the budget are the baseline's, so its outputs are "
                        "the baseline's; check its rows (scenario.json lists what was "
                        "applied)\n");
    free(e);
    char *j = slurp("o/scenarios/same/scenario.json");
    cr_assert(strstr(j, "\"searched_hubs\":0"), "%s", j);
    cr_assert(strstr(j, "\"reused_hubs\":[\n    \"h\"\n  ]"), "%s", j);
    free(j);
    cr_assert_eq(cli_sh("test -e '%s/o/scenarios/same/hubs'", cli_tmp), 1);
    /* unchanged: everyone h reaches is reached in both networks, 100 people a cell (it said
     * 0 people reached in both); nothing newly within, lost or saved */
    int n = reached("o/hubs/h/travel_time.tif");
    cr_assert_gt(n, 0);
    char want[128];
    snprintf(want, sizeof want, "\nh,H,1,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,%d.0,0.0,0,0\n",
             100 * n);
    char *b = slurp("o/scenarios/same/gains_by_hub.csv");
    cr_assert(strstr(b, want), "%s", b);
    free(b);
}

/* A scenario that changed hub h and then no longer does (its modifications edited back to
 * the base): h is reused, and the products the first run left in scenarios/x/hubs/h (gains,
 * diff, surface, styles) said it still gained, with no word. They are removed now, and said;
 * a scenario folder of a hub the run no longer has is warned about, as hubs/ is. */
Test(scenario, products_of_a_hub_the_scenario_no_longer_changes_are_removed)
{
    cli_sh_ok("mkdir x && cp fast/modifications.csv x/");
    cr_assert_eq(run("--scenario x=x --no-maps"), 0, "%s", cli_stderr());
    cli_sh_ok("test -e o/scenarios/x/hubs/h/gains.csv && test -e o/scenarios/x/hubs/h/diff.tif "
              "&& mkdir o/scenarios/x/hubs/gone && touch o/scenarios/x/hubs/gone/gains.csv");
    cli_sh_ok("cp same/modifications.csv x/");
    cr_assert_eq(cli_sh("cd '%s' && %s run --out o --boundaries b.geojson --stations st.geojson "
                        "--lines ln.geojson --resolution 1000 --budget 45 --water none --roads "
                        "none --scenario x=x --no-maps 2>&1 | grep -v '^isoreach: [a-z0-9]* \\['",
                        cli_tmp, CLI),
                 0);
    char *e = cli_output();
    cr_assert(strstr(e, "isoreach: scenario 'x': removed the hub products an earlier run left in "
                        "'o/scenarios/x/hubs' for 1 hub the scenario no longer changes\n"),
              "%s", e);
    cr_assert(strstr(e, "isoreach: warning: 'o/scenarios/x/hubs' holds 1 folder of no hub of "
                        "this run (gone), left by an earlier run"),
              "%s", e);
    free(e);
    cli_sh_ok("test ! -e o/scenarios/x/hubs/h && grep -q '^h,H,1,' o/scenarios/x/gains_by_hub.csv");
}

/* Scenario 'bad' with modifications.csv `rows` is refused with exactly `want` (the whole of
 * stderr), and no output folder is left. */
static void bad_rows(const char *rows, const char *want)
{
    cli_put("bad/modifications.csv", "action,target,to,value,source\n%s", rows);
    cr_assert_eq(run("--scenario bad=bad"), 1);
    char *e = cli_stderr();
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "the output folder was left behind");
}

Test(scenario, bad_scenario_refused_with_nothing_written)
{
    bad_rows("scale_speed,L,,2,x\nscale_speed,Q,,2,x\n",
             "isoreach: scenario 'bad' modifications 'bad/modifications.csv' line 3: field "
             "'target' is 'Q', which is no line of the network (the base's and the scenario's, "
             "after the rows above); give a line id: field 'id' of the lines (where it is blank, "
             "the name in field 'name'); this network's are 'L'\n");
    bad_rows("scale_speed,L,,-2,x\n",
             "isoreach: scenario 'bad' modifications 'bad/modifications.csv' line 2: field "
             "'value' is '-2'; it must be a speed factor from 0.1 to 10 (run times are divided "
             "by it: 1.25 is 25 % faster; 10 takes a 100 km/h line to 1000 km/h, the fastest "
             "train a network may have)\n");
    /* a factor that makes every train instant (1e308 gave a hub millions more people) */
    cli_put("bad/modifications.csv", "action,target,to,value,source\nscale_speed,L,,1e308,x\n");
    cr_assert_eq(run("--scenario bad=bad"), 1);
    char *e = cli_stderr();
    cr_assert_not_null(strstr(e, "field 'value' is '1e308'; it must be a speed factor from 0.1 "
                                 "to 10"),
                       "%s", e);
    free(e);
    /* rows of 10 multiply: three made trains 1000 times faster, each row within bounds */
    bad_rows("scale_speed,L,,10,x\nscale_speed,L,,0.5,x\nscale_speed,L,,10,x\n",
             "isoreach: scenario 'bad' modifications 'bad/modifications.csv' line 4: "
             "scale_speed on 'L' makes 50 times its speed with the rows above; the factors of "
             "one line or route multiply, and their product must be from 0.1 to 10: give one "
             "row with the factor you mean\n");
}

/* A modifications file that holds no modification says what it holds (it said "put
 * modifications.csv in the folder", where the file was; blank rows alone ran a scenario of
 * nothing without a word); an empty or UTF-16 file says so; a transfer from a station to
 * itself, and a decimal comma in a file of another separator, are named. */
Test(scenario, a_modifications_file_that_holds_nothing_says_what_it_holds)
{
    bad_rows("",
             "isoreach: scenario 'bad' modifications 'bad/modifications.csv' has no rows and no "
             "modification: give one row per modification under the header "
             "action,target,to,value,source\n");
    bad_rows(",,,,\n,,,,\n",
             "isoreach: scenario 'bad' modifications 'bad/modifications.csv' has only blank "
             "rows and no modification: give one row per modification under the header "
             "action,target,to,value,source\n");
    /* one row and no header: its row was the header, "has no rows" (a new-user pass) */
    cli_put("bad/modifications.csv", "%s", "remove_station,s,,,\n");
    cr_assert_eq(run("--scenario bad=bad"), 1);
    char *h = cli_stderr();
    cr_assert_str_eq(h, "isoreach: scenario 'bad' modifications 'bad/modifications.csv': its "
                        "first line is read as the header, and has no column 'action': give "
                        "the header action,target,to,value,source as line 1, then one row per "
                        "modification\n");
    free(h);
    bad_rows("add_transfer,s,s,5,x\n",
             "isoreach: scenario 'bad' modifications 'bad/modifications.csv' line 2: fields "
             "'target' and 'to' are both 's'; add_transfer links two stations (a change within "
             "one station is --transfer)\n");
    cli_put("bad/modifications.csv", "action;target;to;value;source\nset_headway;L;;7,5;x\n");
    cr_assert_eq(run("--scenario bad=bad"), 1);
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: scenario 'bad' modifications 'bad/modifications.csv' line 2: "
                        "field 'value' is '7,5'; it must be the minutes between trains, > 0 and "
                        "at most 1440 (a decimal comma: write 7.5)\n");
    free(e);
    cli_put("bad/modifications.csv", "%s", "");
    cr_assert_eq(run("--scenario bad=bad"), 1);
    e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: scenario 'bad' modifications 'bad/modifications.csv': the "
                        "file is empty: give a header action,target,to,value,source and one "
                        "row per modification\n");
    free(e);
    cr_assert_eq(cli_sh("cd '%s' && printf 'action,target,to,value,source\\nscale_speed,L,,2,x\\n' "
                        "| iconv -f UTF-8 -t UTF-16 > bad/modifications.csv",
                        cli_tmp),
                 0);
    cr_assert_eq(run("--scenario bad=bad"), 1);
    e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: scenario 'bad' modifications 'bad/modifications.csv': it is "
                        "UTF-16 text (Excel's \"Unicode Text\"): save it as CSV UTF-8\n");
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "the output folder was left behind");
}

/* A row with more fields than the header: GDAL dropped the extra ones, so 7,5 minutes (a
 * decimal comma) set a 7-minute headway and a factor 1,5 changed nothing, without a word.
 * Refused naming the line and the counts; a comma inside quotes is no separator. */
Test(scenario, a_row_wider_than_the_header_is_refused)
{
    cli_put("bad/modifications.csv", "action,target,to,value,source\n"
            "scale_speed,L,,2,\"plan, phase 2\"\n\nset_headway,L,,7,5,x\n");
    cr_assert_eq(run("--scenario bad=bad"), 1);
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: scenario 'bad' modifications 'bad/modifications.csv' line 4 "
                        "has 6 fields, but the header has 5: the extra ones would be dropped. "
                        "A decimal comma splits a number in two (7,5 reads as 7 and 5): write "
                        "7.5, and put text holding a comma in double quotes (\"a, b\")\n");
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "the output folder was left behind");
    /* with ';' (Excel in a comma-decimal locale) the comma is no separator: 7,5 is refused as
     * a value; one ';' too many is refused as above */
    cli_put("bad/modifications.csv", "action;target;to;value;source\r\nset_headway;L;;10;x;\r\n");
    cr_assert_eq(run("--scenario bad=bad"), 1);
    e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: scenario 'bad' modifications 'bad/modifications.csv' line 2 "
                        "has 6 fields, but the header has 5: the extra ones would be dropped. "
                        "Put text holding the separator in double quotes\n");
    free(e);
    cli_put("bad/modifications.csv", "action,target,to,value,source\n"
            "set_headway,L,,10,\"as is, two\nlines\"\n");
    cr_assert_eq(run("--scenario bad=bad --no-maps"), 0, "%s", cli_stderr());
    e = cli_stderr(); /* read whole: a headway of 10 as it was changes nothing, and says so */
    cr_assert_str_eq(e, "isoreach: warning: scenario 'bad' changes nothing for this hub: its rail times within "
                        "the budget are the baseline's, so its outputs are the baseline's; "
                        "check its rows (scenario.json lists what was applied)\n");
    free(e);
    /* a factor 1,5 in a row without a source fills the source: as many fields as the header,
     * so the width check cannot see it; the two whole numbers are said */
    cli_put("bad/modifications.csv", "action,target,to,value,source\nscale_speed,L,,1,5\n");
    cr_assert_eq(run("--scenario bad=bad --no-maps"), 0, "%s", cli_stderr());
    e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: warning: scenario 'bad' modifications 'bad/modifications.csv' "
                        "line 2: value '1' and source '5' look like one number written with a "
                        "decimal comma (1,5) and read as two fields: the value taken is 1; "
                        "write 1.5 with a point if that was meant\n"
                        "isoreach: warning: scenario 'bad' changes nothing for this hub: its rail times within "
                        "the budget are the baseline's, so its outputs are the baseline's; "
                        "check its rows (scenario.json lists what was applied)\n");
    free(e);
}

/* Parts of a scenario under other names were ignored without a word (exit 0): a folder's
 * modificaciones.csv, Modifications.CSV, a subfolder; a GeoPackage's layers lineas and
 * modification. Each is named; the shapefile's sidecars, a README and QGIS sidecars are not. */
Test(scenario, parts_under_other_names_are_named)
{
    cr_assert_eq(cli_sh("cd '%s' && mkdir -p ren/old && cp fast/modifications.csv ren/ && "
              "cp fast/modifications.csv ren/modificaciones.csv && "
              "cp fast/modifications.csv ren/Modifications.CSV && echo notes > ren/README.md && "
              "ogr2ogr ren/stations.shp new/stations.geojson && touch ren/stations.shp.aux.xml "
              "ren/stations.qmd && ogr2ogr -f GPKG g.gpkg new/stations.geojson -nln stations && "
              "ogr2ogr -update g.gpkg new/lines.geojson -nln lineas && "
              "ogr2ogr -update g.gpkg fast/modifications.csv -nln modification", cli_tmp),
                 0, "%s", cli_stderr());
    cr_assert_eq(run("--no-maps --scenario ren=ren --scenario g=g.gpkg"), 0, "%s",
                 cli_stderr());
    char *e = cli_stderr();
    cr_assert(strstr(e, "isoreach: warning: scenario 'ren' ('ren'): files 'Modifications.CSV', "
                        "'modificaciones.csv', 'old/' are not read, so nothing in them is "
                        "applied; a scenario folder reads stations.gpkg|.geojson|.shp, "
                        "lines.gpkg|.geojson|.shp and modifications.csv (the first of each, "
                        "names in lower case): rename the files to apply them\n"),
              "%s", e);
    cr_assert(strstr(e, "isoreach: warning: scenario 'g' ('g.gpkg'): layers 'lineas', "
                        "'modification' are not read, so nothing in them is applied; a "
                        "scenario GeoPackage reads the layers 'stations', 'lines' and "
                        "'modifications': rename the layers to apply them\n"),
              "%s", e);
    cr_assert(!strstr(e, "'stations.") && !strstr(e, "README"), "%s", e);
    free(e);
    char *j = slurp("o/run.json");
    cr_assert(strstr(j, "layers 'lineas', 'modification' are not read"), "%s", j);
    free(j);
}

/* A modifications.csv in cp1252 (Excel's CSV on a Spanish machine): its text took U+FFFD
 * without a word, while a shapefile's is warned about. A source is warned about, naming the
 * line; an id is refused, as replaced text could match another. */
Test(scenario, modifications_not_in_utf8_are_said)
{
    cli_put("bad/modifications.csv", "action,target,to,value,source\n"
            "scale_speed,L,,2,Plan de Espa\xf1" "a\nset_headway,L,,10,Espa\xf1" "a\n");
    cr_assert_eq(run("--no-maps --scenario bad=bad"), 0, "%s", cli_stderr());
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: warning: scenario 'bad' modifications 'bad/modifications.csv': "
                        "2 text values are not valid UTF-8 (first: field 'source', line 2); the "
                        "bad bytes were replaced with U+FFFD in scenario.json. Save the file as "
                        "UTF-8 (in Excel: CSV UTF-8)\n");
    free(e);
    char *j = slurp("o/scenarios/bad/scenario.json");
    cr_assert(strstr(j, "\"source\":\"Plan de Espa\xEF\xBF\xBD" "a\""), "%s", j);
    free(j);
    cli_sh_ok("rm -rf o");
    cli_put("bad/modifications.csv", "action,target,to,value,source\n"
            "scale_speed,L\xf1,,2,x\n");
    cr_assert_eq(run("--scenario bad=bad"), 1);
    e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: scenario 'bad' modifications 'bad/modifications.csv' line 2: "
                        "field 'target' is not UTF-8 text ('L\xEF\xBF\xBD', the bad bytes "
                        "shown as U+FFFD), which could name the wrong thing; save the file as "
                        "UTF-8 (in Excel: CSV UTF-8)\n");
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "the output folder was left behind");
}

/* An added line calling at an added station 3 km off its geometry: refused before anything
 * is computed, naming the scenario, its layer, the feature and the field. */
Test(scenario, added_station_off_its_line_is_refused)
{
    cli_sh_ok("mkdir off");
    cli_put("off/stations.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"f\",\"name\":\"F\"},"
            "\"geometry\":{\"type\":\"Point\",\"coordinates\":[542500,3408500]}}]}");
    cli_put("off/lines.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"N\",\"name\":\"N\","
            "\"speed_kmh\":200,\"headway\":10,\"stops\":\"s;f\"},\"geometry\":{\"type\":"
            "\"LineString\",\"coordinates\":[[512500,3405500],[542500,3405500]]}}]}");
    cr_assert_eq(run("--scenario off=off"), 1);
    char *e = cli_stderr();
    /* f at y 3408500 lies 3000 m from the line at y 3405500 in UTM: 3001 m in the fitted
     * Albers analysis CRS, whose scale differs by a few 1e-4 there */
    cr_assert_str_eq(e, "isoreach: scenario 'off' lines 'off/lines.geojson' layer 'lines': line "
                        "'N' (feature 0): stop 'f' in field 'stops' is 3001 m from the line, "
                        "more than --snap 500 m\n");
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "the output folder was left behind");
}

/* Lines with the user's own field names and no field 'id' (lid, lname): a line's id is its
 * --line-name value, which the refusal says, with the ids there are; it pointed to a field
 * 'id' the layer does not have. */
Test(scenario, unknown_line_says_where_ids_come_from)
{
    cli_put("own.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"lid\":\"L1\",\"lname\":\"Line L1\","
            "\"speed_kmh\":100,\"headway\":10},\"geometry\":{\"type\":\"LineString\","
            "\"coordinates\":[[502500,3405500],[512500,3405500]]}}]}");
    cli_sh_ok("mkdir rml");
    cli_put("rml/modifications.csv", "action,target,to,value,source\nremove_line,L1,,,x\n");
    cr_assert_eq(cli_sh("cd '%s' && %s run -q --out o --boundaries b.geojson --stations "
                        "st.geojson --lines own.geojson --line-name lname --resolution 1000 "
                        "--budget 45 --water none --roads none --scenario rml=rml",
                        cli_tmp, CLI),
                 1);
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: scenario 'rml' modifications 'rml/modifications.csv' line 2: "
                        "field 'target' is 'L1', which is no line of the network (the base's "
                        "and the scenario's, after the rows above); give a line id: the lines "
                        "have no field 'id', so a line's id is its name in field 'lname' "
                        "(--line-name); this network's are 'Line L1'\n");
    free(e);
    cli_put("rml/modifications.csv", "action,target,to,value,source\nremove_line,Line L1,,,x\n");
    cr_assert_eq(cli_sh("cd '%s' && %s run -q --out o --boundaries b.geojson --stations "
                        "st.geojson --lines own.geojson --line-name lname --resolution 1000 "
                        "--budget 45 --water none --roads none --no-maps --scenario rml=rml",
                        cli_tmp, CLI),
                 0, "%s", cli_stderr());
}

/* Line B drawn as two features named B, without field 'id' (so B is the id of both):
 * feature 0 s–u (u at x 532.5 km, 10 min), feature 1 h–s (10 min). A row naming B changes
 * both and says so; it used to change feature 0 alone, silently. */
static void branches(void)
{
    cli_put("st2.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            PT("\"id\":\"h\",\"name\":\"H\",\"hub\":1", 502500) ","
            PT("\"id\":\"s\",\"name\":\"S\",\"hub\":0", 512500) ","
            PT("\"id\":\"u\",\"name\":\"U\",\"hub\":0", 532500) "]}");
    cli_put("br.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"name\":\"B\",\"speed_kmh\":100,"
            "\"headway\":10,\"minutes\":\"10\"},\"geometry\":{\"type\":\"LineString\","
            "\"coordinates\":[[512500,3405500],[532500,3405500]]}},"
            "{\"type\":\"Feature\",\"properties\":{\"name\":\"B\",\"speed_kmh\":100,"
            "\"headway\":10,\"minutes\":\"10\"},\"geometry\":{\"type\":\"LineString\","
            "\"coordinates\":[[502500,3405500],[512500,3405500]]}}]}");
    cli_sh_ok("mkdir -p rmb fastb minb");
    cli_put("rmb/modifications.csv", "action,target,to,value,source\nremove_line,B,,,x\n");
    cli_put("fastb/modifications.csv", "action,target,to,value,source\nscale_speed,B,,2,x\n");
    cli_put("minb/modifications.csv", "action,target,to,value,source\nset_minutes,B,,4,x\n");
}

/* Band 1 (minutes saved) and 2 (status) of a scenario's diff.tif at (x, 3405500). */
static char *diff_at(const char *scen, int x)
{
    cli_sh("cd '%s' && set -- $(echo %d 3405500 | gdaltransform -s_srs EPSG:32651 -t_srs "
           "EPSG:4326) && gdallocationinfo -valonly -wgs84 o/scenarios/%s/hubs/h/diff.tif $1 $2",
           cli_tmp, x, scen);
    return cli_output();
}

Test(scenario, a_line_id_of_two_features_changes_both)
{
    branches();
    cr_assert_eq(cli_sh("cd '%s' && %s run --out o --boundaries b.geojson --stations st2.geojson "
                        "--lines br.geojson --resolution 1000 --budget 45 --water none --roads "
                        "none --no-maps --scenario rmb=rmb --scenario fastb=fastb",
                        cli_tmp, CLI),
                 0);
    char *e = cli_stderr();
    const char *rm = "scenario 'rmb' modifications 'rmb/modifications.csv' line 2: 'B' is the id "
                     "of 2 lines (s … u, h … s); remove_line applies to each of them";
    cr_assert(strstr(e, rm), "%s", e);
    cr_assert(strstr(e, "scenario 'fastb' modifications 'fastb/modifications.csv' line 2: 'B' is "
                        "the id of 2 lines (s … u, h … s); scale_speed applies to each of them"),
              "%s", e);
    free(e);
    char *j = slurp("o/scenarios/rmb/scenario.json");
    cr_assert(strstr(j, rm), "%s", j);
    free(j);
    /* both removed, h–s too: s, reached at 5 wait + 10 = 15 min in the baseline, is now
     * reached by local travel alone, 10 km × 1.3 at 20 km/h = 39 min: 24 minutes slower */
    char *v = diff_at("rmb", 512500);
    cr_assert_str_eq(v, "24\n1\n");
    free(v);
    /* both twice as fast: u saves 5 on h–s and 5 on s–u (waits and the change unchanged) */
    v = diff_at("fastb", 532500);
    cr_assert_str_eq(v, "-10\n1\n");
    free(v);
    /* set_minutes gives one line's runs: refused for two, naming them */
    cr_assert_eq(cli_sh("cd '%s' && %s run -q --out o2 --boundaries b.geojson --stations "
                        "st2.geojson --lines br.geojson --resolution 1000 --budget 45 --water "
                        "none --roads none --scenario minb=minb",
                        cli_tmp, CLI),
                 1);
    e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: warning: lines 'br.geojson' layer 'br': features 0 and 1 "
                        "share the id 'B' and meet end to end at station 's': they are two "
                        "lines, so a trip through it changes trains there (--transfer and a "
                        "wait for the other's train); where trains run through, draw the "
                        "service as one feature (a MultiLineString)\n"
                        "isoreach: scenario 'minb' modifications 'minb/modifications.csv' line 2: "
                        "field 'target' is 'B', the id of 2 lines (s … u, h … s); set_minutes "
                        "gives the runs of one line: give each its own id (field 'id' of the "
                        "lines) to set its minutes\n");
    free(e);
}

/* set_minutes on line L (h–s–u, runs 10 and 20 min): a blank keeps a run as it is; a run
 * of 0 or faster than 1000 km/h is refused, as the lines' minutes field refuses it (a 0
 * meant as "unknown" made the train instant, and the gains with it). */
Test(scenario, set_minutes_refuses_instant_runs_and_keeps_blank_ones)
{
    branches();
    cli_put("one.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"L\",\"speed_kmh\":100,"
            "\"headway\":10,\"minutes\":\"10;20\"},\"geometry\":{\"type\":\"LineString\","
            "\"coordinates\":[[502500,3405500],[532500,3405500]]}}]}");
    cli_sh_ok("mkdir -p keep zero fast");
    cli_put("keep/modifications.csv", "action,target,to,value,source\nset_minutes,L,,;10,x\n");
    cli_put("zero/modifications.csv", "action,target,to,value,source\nset_minutes,L,,0;10,x\n");
    cli_put("fast/modifications.csv", "action,target,to,value,source\nset_minutes,L,,10;1,x\n");
    const char *base = "cd '%s' && %s run -q --out %s --boundaries b.geojson --stations "
                       "st2.geojson --lines one.geojson --resolution 1000 --budget 45 --water "
                       "none --roads none --no-maps --scenario %s=%s";
    cr_assert_eq(cli_sh(base, cli_tmp, CLI, "o", "keep", "keep"), 0, "%s", cli_stderr());
    /* u: the second run 20 → 10 min, the first kept at 10 (else u would gain more) */
    char *v = diff_at("keep", 532500);
    cr_assert_str_eq(v, "-10\n1\n");
    free(v);
    /* s: before the changed run, unchanged */
    v = diff_at("keep", 512500);
    cr_assert_str_eq(v, "0\n1\n");
    free(v);
    cr_assert_eq(cli_sh(base, cli_tmp, CLI, "oz", "zero", "zero"), 1);
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: scenario 'zero' modifications 'zero/modifications.csv' line "
                        "2: field 'value' is '0;10'; run 1, 0 min from 'h' to 's', 10.0 km apart "
                        "in a straight line, is faster than 1000 km/h; give the run minutes "
                        "between consecutive calls (blank to keep a run as it is)\n");
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/oz'", cli_tmp), 1, "a refused run left its folder");
    cr_assert_eq(cli_sh(base, cli_tmp, CLI, "of", "fast", "fast"), 1);
    e = cli_stderr();
    cr_assert(strstr(e, "run 2, 1 min from 's' to 'u', 20.0 km apart in a straight line, is "
                        "faster than 1000 km/h"),
              "%s", e);
    free(e);
}

/* README's infill recipe: remove base line L, add it again under another id (blank stops)
 * with infill station i on it. The warning that tells to do so is not given for a line
 * the scenario removes (it was, before the modifications were read). */
Test(scenario, infill_recipe_is_not_warned_about)
{
    cli_sh_ok("mkdir recipe");
    cli_put("recipe/stations.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            PT("\"id\":\"i\",\"name\":\"I\"", 507500) "]}");
    cli_put("recipe/lines.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"L2\",\"name\":\"L2\","
            "\"speed_kmh\":100,\"headway\":10},\"geometry\":{\"type\":\"LineString\","
            "\"coordinates\":[[502500,3405500],[512500,3405500]]}}]}");
    cli_put("recipe/modifications.csv", "action,target,to,value,source\nremove_line,L,,,x\n");
    cli_sh_ok("mkdir infill2");
    cli_put("infill2/stations.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            PT("\"id\":\"i\",\"name\":\"I\"", 507500) "]}");
    cr_assert_eq(cli_sh("cd '%s' && %s run --out o --boundaries b.geojson --stations st.geojson "
                        "--lines ln.geojson --resolution 1000 --budget 45 --water none --roads "
                        "none --no-maps --scenario recipe=recipe --scenario infill2=infill2",
                        cli_tmp, CLI),
                 0);
    char *e = cli_stderr();
    /* the other scenario, which keeps L, is still told */
    cr_assert(strstr(e, "warning: scenario 'infill2': added station 'i' lies 0 m from base line "
                        "'L'"), "%s", e);
    cr_assert(!strstr(e, "scenario 'recipe': added station"), "%s", e);
    free(e);
}
