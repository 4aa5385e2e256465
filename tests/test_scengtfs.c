/* Criterion suite 'scengtfs' (cli): scenarios (issue 15) in GTFS mode, on a region and a feed
 * of its own written here (those of test_gtfsrun.c): one unit 30 km x 10 km in UTM 33N
 * (x 500-530 km, y 5500-5510 km), cells of 1000 m, 30,000 people (100 a cell); station A at
 * (500.5, 5505.5) km (stop A1 in it) and B at (529.5, 5505.5) km, 29 km apart, so that local
 * travel (20 km/h x 1.3: 3.9 min a cell) never links them within the hour. Route R: A1 -> B
 * every 10 minutes from 06:00 to 10:00 (frequencies.txt, exact_times 1), 12 minutes' ride.
 * Window 07:00-08:00 (60 departure minutes), percentile 50: the wait for the next train is
 * 0..9 minutes, each 6 times; nearest rank k = ceil(0.5 x 60) = 30 -> a wait of 4 minutes
 * (test_gtfsrun.c: window_percentiles). So B's cell is 4 + 12 = 16 minutes from A. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_support.h"

#define CRS "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32633\"}}"

static void fixture(void)
{
    cli_tmp_make("isr-scengtfs");
    cli_put("b.geojson", "%s",
        "{\"type\":\"FeatureCollection\"," CRS ",\"features\":[{\"type\":\"Feature\","
        "\"properties\":{\"code\":\"110101\",\"pref_code\":\"110100\",\"prov_code\":\"110000\","
        "\"name\":\"U\",\"pop\":30000},\"geometry\":{"
        "\"type\":\"Polygon\",\"coordinates\":[[[500000,5500000],[530000,5500000],[530000,"
        "5510000],[500000,5510000],[500000,5500000]]]}}]}");
    cli_sh_ok("mkdir feed gone fast new bad");
    cli_put("feed/stops.txt", "%s", "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                          "A,Alpha,49.7020127784749,15.0069339410176,1,\n"
                          "A1,Alpha 1,49.7020127784749,15.0069339410176,0,A\n"
                          "B,Beta,49.7012905139653,15.4090970194244,0,\n");
    cli_put("feed/routes.txt", "%s", "route_id,route_type\nR,2\n");
    cli_put("feed/trips.txt", "%s", "route_id,service_id,trip_id\nR,D,T\n");
    cli_put("feed/stop_times.txt", "%s", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                               "T,06:00:00,06:00:00,A1,1\nT,06:12:00,06:12:00,B,2\n");
    cli_put("feed/frequencies.txt", "%s", "trip_id,start_time,end_time,headway_secs,exact_times\n"
                                "T,06:00:00,10:00:00,600,1\n");
    cli_put("feed/calendar.txt", "%s", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,"
                             "sunday,start_date,end_date\nD,1,1,1,1,1,1,1,20250101,20251231\n");
    cli_put("gone/modifications.csv", "%s", "action,target,to,value,source\nremove_line,R,,,x\n");
    cli_put("fast/modifications.csv", "%s", "action,target,to,value,source\nscale_speed,R,,2,x\n");
    /* an added station C at (517.5, 5505.5) km, between A's and B's circles (17 cells from
     * A: 66 min on foot; 12 from B: 16 + 47 min), and line N A -> C, 10 minutes' ride,
     * every 10 minutes */
    cli_put("new/stations.geojson", "%s",
        "{\"type\":\"FeatureCollection\"," CRS ",\"features\":[{\"type\":\"Feature\","
        "\"properties\":{\"id\":\"C\",\"name\":\"Gamma\"},\"geometry\":{\"type\":\"Point\","
        "\"coordinates\":[517500,5505500]}}]}");
    cli_put("new/lines.geojson", "%s",
        "{\"type\":\"FeatureCollection\"," CRS ",\"features\":[{\"type\":\"Feature\","
        "\"properties\":{\"id\":\"N\",\"name\":\"New\",\"speed_kmh\":100,\"headway\":10,"
        "\"minutes\":\"10\",\"stops\":\"A;C\"},\"geometry\":{\"type\":\"LineString\","
        "\"coordinates\":[[500500,5505500],[517500,5505500]]}}]}");
    cli_sh_ok("mkdir slow && cp new/*.geojson slow/");
    cli_put("slow/modifications.csv", "%s", "action,target,to,value,source\nset_headway,N,,20,x\n");
    cli_sh_ok("mkdir hw closed");
    cli_put("closed/modifications.csv", "%s", "action,target,to,value,source\nremove_station,B,,,x\n");
    cli_put("hw/modifications.csv", "%s", "action,target,to,value,source\nset_headway,R,,5,x\n");
    cli_put("bad/modifications.csv", "%s",
            "action,target,to,value,source\nscale_speed,R,,1.5,x\nremove_line,Q,,,x\n");
}

TestSuite(scengtfs, .init = fixture, .fini = cli_tmp_remove, .timeout = 240);

static int run(const char *fmt, ...)
{
    char args[2000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    cli_sh("rm -rf '%s/o'", cli_tmp);
    return cli_sh("cd '%s' && %s run -q --no-maps --out o --boundaries b.geojson --crs EPSG:32633 "
                  "--resolution 1000 --threads 1 --gtfs feed --date 2025-05-07 --window "
                  "07:00-08:00 %s",
                  cli_tmp, cli_command(ISR_CLI), args);
}

static void ok(int rc)
{
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "exit status %d, stderr: %s", rc, e);
    free(e);
}

/* A run refused (exit 1) with exactly the message `want` on stderr, no output left behind. */
static void refused(int rc, const char *want)
{
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "exit status %d, stderr: %s", rc, e);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "the output folder was left behind");
}

static int count(const char *cmd)
{
    cr_assert_eq(cli_sh("cd '%s' && %s", cli_tmp, cmd), 0);
    char *out = cli_output();
    int n = atoi(out);
    free(out);
    return n;
}

/* Cells of band `band` of raster `tif` whose value satisfies the awk test `cond` on $3 (and
 * $1, the cell centre's x). */
static int cells(const char *tif, int band, const char *cond)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd,
             "gdal_translate -q -b %d -of XYZ %s /vsistdout/ | awk '%s' | wc -l", band, tif,
             cond);
    return count(cmd);
}

/* Band `band` of `tif` at (x, y) m; -9999 outside or nodata. */
static double at(const char *tif, int band, double x, double y)
{
    cr_assert_eq(cli_sh("cd '%s' && gdallocationinfo -valonly -b %d -geoloc %s %.0f %.0f",
                        cli_tmp, band, tif, x, y),
                 0);
    char *s = cli_output();
    double v = *s && *s != '\n' ? atof(s) : -9999;
    free(s);
    return v;
}

#define DIFF_A "o/scenarios/gone/hubs/A/diff.tif"

/* remove_line R: A's circle loses exactly B's catchment. B is reached at 16 min, so its
 * catchment in A's circle is what local travel reaches from B in 60 - 16 = 44 min: the
 * cells of hub B's own surface with --budget 44 (no train leaves B: R runs A -> B only).
 * A's own catchment (15 cells at most: x < 516 km) and B's (11 cells: x > 518 km) do not
 * meet, so the status 3 (lost) cells are exactly those; the rest stays (status 1, +0 min).
 * Hub B itself: nothing it reaches changes (no train from B), it is reused. remove_station
 * B (scenario closed) does the same to A (R's trips keep one call). */
Test(scengtfs, remove_route_loses_its_catchment)
{
    ok(run("--hubs B --budget 44 --percentile 50"));
    int b44 = cells("o/hubs/B/travel_time.tif", 1, "$3!=-9999");
    cr_assert_gt(b44, 50);
    ok(run("--hubs A --scenario gone=gone --scenario closed=closed"));
    /* remove_station B: R's trips lose their call at B, 1 call left: they go, as above */
    cr_assert_eq(cells("o/scenarios/closed/hubs/A/diff.tif", 2, "$3==3"), b44);
    cr_assert_eq(cells("o/scenarios/closed/hubs/A/diff.tif", 2, "$3==1 || $3==2"),
                 cells("o/scenarios/gone/hubs/A/travel_time.tif", 1, "$3!=-9999"));
    ok(run("--hubs A,B --scenario gone=gone"));
    int base = cells("o/hubs/A/travel_time.tif", 1, "$3!=-9999");
    int scen = cells("o/scenarios/gone/hubs/A/travel_time.tif", 1, "$3!=-9999");
    cr_assert_eq(cells(DIFF_A, 2, "$3==3"), b44);
    cr_assert_eq(cells(DIFF_A, 2, "$3==3 && $1<518000"), 0);
    cr_assert_eq(cells(DIFF_A, 2, "$3==2"), 0);
    cr_assert_eq(cells(DIFF_A, 2, "$3==1"), scen);
    cr_assert_eq(scen + b44, base);
    cr_assert_eq(cells(DIFF_A, 1, "$3!=-9999 && $3!=0"), 0);
    cr_assert_float_eq(at(DIFF_A, 2, 529500, 5505500), 3.0, 1e-9); /* B's cell: lost */
    cr_assert_eq(count("awk -F, '$1==\"B\" {print $3}' o/scenarios/gone/gains_by_hub.csv"),
                 1); /* B reused */
    cr_assert_eq(count("awk -F, '$1==\"A\" {print $3}' o/scenarios/gone/gains_by_hub.csv"), 0);
    cr_assert_eq(cli_sh("tr -d ' \\n' < '%s/o/scenarios/gone/scenario.json' | "
                        "grep -q '\"reused_hubs\":\\[\"B\"\\],\"changed_hubs\":\\[\"A\"\\]'",
                        cli_tmp),
                 0);
    /* people lost: 100 a cell */
    cr_assert_eq(count("awk -F, '$1==\"A\" {print $9 / 100}' o/scenarios/gone/gains_by_hub.csv"),
                 b44);
    cr_assert_eq(cli_sh("test -e '%s/o/scenarios/gone/hubs/B'", cli_tmp), 1);
}

/* scale_speed 2 on R: the ride 12 -> 6 minutes (the first departure kept), the wait the
 * same: B's cell 4 + 6 = 10 minutes instead of 16, diff -6; A's own cell unchanged. */
Test(scengtfs, scale_speed_halves_the_ride)
{
    ok(run("--hubs A --scenario fast=fast"));
    const char *d = "o/scenarios/fast/hubs/A/diff.tif";
    cr_assert_float_eq(at("o/hubs/A/travel_time.tif", 1, 529500, 5505500), 16.0, 1e-9);
    cr_assert_float_eq(at("o/scenarios/fast/hubs/A/travel_time.tif", 1, 529500, 5505500), 10.0,
                       1e-9);
    cr_assert_float_eq(at(d, 1, 529500, 5505500), -6.0, 1e-9);
    cr_assert_float_eq(at(d, 2, 529500, 5505500), 1.0, 1e-9);
    cr_assert_float_eq(at(d, 1, 500500, 5505500), 0.0, 1e-9);
    cr_assert_eq(cells(d, 1, "$3>0"), 0); /* nothing slower */
}

/* scale_speed rows on a route multiply: '*' 5 then R 5 made R 25 times faster, each row
 * within bounds; refused, naming the product */
Test(scengtfs, scale_speed_rows_multiply_within_bounds)
{
    cli_put("fast/modifications.csv", "%s",
            "action,target,to,value,source\nscale_speed,*,,5,x\nscale_speed,R,,5,x\n");
    refused(run("--hubs A --scenario fast=fast"),
            "isoreach: scenario 'fast' modifications 'fast/modifications.csv' line 3: "
            "scale_speed on 'R' makes 25 times a route's speed with the rows above; the factors "
            "of one line or route multiply, and their product must be from 0.1 to 10: give one "
            "row with the factor you mean\n");
}

/* --direction to, arrivals at hub B over 07:00-08:00: the scenario's timetable is reversed
 * as the feed's. Trains reach B at :06, :16, … once R is twice as fast (leaving A at :00,
 * :10, …), so arriving by minute m one left A 6 + (m - the last :x6) minutes before: 6 + 0..9,
 * each 6 times, p50 -> 6 + 4 = 10 at A's cell (baseline 12 + 4 = 16). */
Test(scengtfs, scale_speed_direction_to)
{
    ok(run("--hubs B --direction to --scenario fast=fast"));
    cr_assert_float_eq(at("o/hubs/B/travel_time.tif", 1, 500500, 5505500), 16.0, 1e-9);
    cr_assert_float_eq(at("o/scenarios/fast/hubs/B/travel_time.tif", 1, 500500, 5505500), 10.0,
                       1e-9);
    cr_assert_float_eq(at("o/scenarios/fast/hubs/B/diff.tif", 1, 500500, 5505500), -6.0, 1e-9);
}

/* An added station C and line N A -> C (10 min, every 10 min from 00:00): C, which neither
 * A's nor B's catchment reaches within the hour, is newly reached at the median wait plus the ride. The departures 07:00..07:59
 * wait 0..9 minutes for N's trains at :00, :10, …, each 6 times (a window of whole
 * headways); nearest rank k = 30 -> 4 minutes (the mean wait is 4.5), so C's cell is
 * 4 + 10 = 14 minutes, status 2 (newly within), band 1 nodata (the baseline does not reach
 * it). B's cell is unchanged (16). Scenario slow sets N's headway to 20 minutes: trains at
 * :00, :20, :40, waits 0..19 each 3 times, k = 30 -> 9 minutes: C at 9 + 10 = 19. */
Test(scengtfs, added_line_reaches_a_far_station)
{
    ok(run("--hubs A --scenario new=new --scenario slow=slow"));
    cr_assert_float_eq(at("o/scenarios/slow/hubs/A/travel_time.tif", 1, 517500, 5505500), 19.0,
                       1e-9);
    cr_assert_float_eq(at("o/scenarios/slow/hubs/A/diff.tif", 2, 517500, 5505500), 2.0, 1e-9);
    const char *d = "o/scenarios/new/hubs/A/diff.tif";
    cr_assert_float_eq(at("o/hubs/A/travel_time.tif", 1, 517500, 5505500), -9999.0, 1e-9);
    cr_assert_float_eq(at("o/scenarios/new/hubs/A/travel_time.tif", 1, 517500, 5505500), 14.0,
                       1e-9);
    cr_assert_float_eq(at(d, 2, 517500, 5505500), 2.0, 1e-9);
    cr_assert_float_eq(at(d, 1, 517500, 5505500), -9999.0, 1e-9);
    cr_assert_float_eq(at(d, 2, 529500, 5505500), 1.0, 1e-9);
    cr_assert_float_eq(at(d, 1, 529500, 5505500), 0.0, 1e-9);
    cr_assert_eq(cells(d, 2, "$3==3"), 0);
}

/* A route id the feed does not have: refused before anything is computed, naming the
 * scenario, the file, its line and the field; nothing left behind. */
Test(scengtfs, unknown_route_refused)
{
    refused(run("--hubs A --scenario bad=bad"),
            "isoreach: scenario 'bad' modifications 'bad/modifications.csv' line 3: "
            "field 'target' is 'Q', which is no route_id of the GTFS feed (on the "
            "run's --date and --route-types) nor a line the scenario adds; give a "
            "route_id of routes.txt or an added line's id\n");
}

/* With two feeds a route's id carries its feed's number: a bare one is refused saying so
 * (as --hubs says of stations; the message gave no hint). */
Test(scengtfs, a_bare_route_id_with_two_feeds_is_named_with_its_number)
{
    refused(run("--gtfs feed --hubs 1:A --scenario hw=hw"),
            "isoreach: scenario 'hw' modifications 'hw/modifications.csv' line 2: "
            "field 'target' is 'R', which is no route_id of the GTFS feed (on the "
            "run's --date and --route-types) nor a line the scenario adds; give a "
            "route_id of routes.txt or an added line's id (with several feeds, route "
            "ids carry their feed's number: '1:R')\n");
}

/* set_headway on a route of the feed: refused (its trips keep their timetable). */
Test(scengtfs, headway_of_a_feed_route_refused)
{
    refused(run("--hubs A --scenario hw=hw"),
            "isoreach: scenario 'hw' modifications 'hw/modifications.csv' line 2: "
            "field 'target' is 'R', a route of the GTFS feed; with --gtfs "
            "set_headway applies to the lines the scenario adds (a feed route keeps "
            "its timetable: remove it and add a line instead)\n");
}
