/* Criterion suite: GTFS mode of `isoreach run` (--gtfs, --date, --window, --departure,
 * --percentiles, --percentile) on a region and a feed of its own, both written here: one unit
 * 30 km x 10 km in UTM 33N (x 500-530 km, y 5500-5510 km), cells of 1000 m; station A at
 * (500.5, 5505.5) km and B at (529.5, 5505.5) km (their lon/lat below from gdaltransform
 * EPSG:32633 -> 4326), 29 km apart, so that local travel (20 km/h x 1.3) never links them
 * within the hour. Trains A -> B every 10 minutes from 06:00 to 10:00 (frequencies.txt,
 * exact_times 1), 12 minutes' ride. Times are worked out beside each assertion. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_support.h"

static void tmp_make(void) { cli_tmp_make("isr-gtfsrun"); }

TestSuite(gtfsrun, .init = tmp_make, .fini = cli_tmp_remove, .timeout = 120);

/* The fixture's stops A (a station), A1 (its stop) and B, then `extra` rows. */
static void put_stops(const char *extra)
{
    cli_put("feed/stops.txt", "%s%s",
            "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
            "A,Alpha,49.7020127784749,15.0069339410176,1,\n"
            "A1,Alpha 1,49.7020127784749,15.0069339410176,0,A\n"
            "B,Beta,49.7012905139653,15.4090970194244,0,\n",
            extra);
}

static void fixture(void)
{
    cli_put("b.geojson", "%s",
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
        "\"urn:ogc:def:crs:EPSG::32633\"}},\"features\":[{\"type\":\"Feature\",\"properties\":"
        "{\"code\":\"110101\",\"pref_code\":\"110100\",\"prov_code\":\"110000\",\"name\":\"U\","
        "\"pop\":1000},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[500000,5500000],[530000,5500000],[530000,5510000],[500000,5510000],"
        "[500000,5500000]]]}}]}");
    cr_assert_eq(cli_sh("mkdir -p '%s/feed'", cli_tmp), 0);
    put_stops("");
    cli_put("feed/routes.txt", "%s", "route_id,route_type\nR,2\n");
    cli_put("feed/trips.txt", "%s", "route_id,service_id,trip_id\nR,D,T\n");
    cli_put("feed/stop_times.txt", "%s", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                               "T,06:00:00,06:00:00,A1,1\nT,06:12:00,06:12:00,B,2\n");
    cli_put("feed/frequencies.txt", "%s", "trip_id,start_time,end_time,headway_secs,exact_times\n"
                                "T,06:00:00,10:00:00,600,1\n");
    cli_put("feed/calendar.txt", "%s", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,"
                             "sunday,start_date,end_date\nD,1,1,1,1,1,1,1,20250101,20251231\n");
}

static int run(const char *fmt, ...)
{
    char args[2000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    cli_sh("rm -rf '%s/o'", cli_tmp);
    return cli_sh("cd '%s' && %s run -q --no-maps --out o --boundaries b.geojson --crs EPSG:32633 "
                  "--resolution 1000 --threads 1 %s",
                  cli_tmp, ISR_CLI, args);
}

/* Refused with exit status `code` (2: a usage error, 1: bad input) and exactly `want`. */
static void refused(int rc, int code, const char *want)
{
    char *e = cli_stderr();
    cr_assert_eq(rc, code, "exit status %d, stderr: %s", rc, e);
    char line[3000];
    snprintf(line, sizeof line, "isoreach: %s\n", want);
    cr_assert_str_eq(e, line);
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "the output folder was left behind");
}

/* Band `band` of hub A's raster `file` at B's cell centre (529.5, 5505.5) km; -9999 if none. */
static double at_b(const char *file, int band)
{
    cr_assert_eq(cli_sh("gdallocationinfo -valonly -b %d -geoloc '%s/o/hubs/A/%s' 529500 5505500",
                        band, cli_tmp, file),
                 0);
    char p[300];
    snprintf(p, sizeof p, "%s/stdout.txt", cli_tmp);
    char *s = cli_slurp(p);
    double v = *s && *s != '\n' ? atof(s) : -9999;
    free(s);
    return v;
}

/* Departures 07:00..07:59 (60 minutes): the wait for the next train is 0..9 minutes, each
 * 6 times. Nearest rank k = ceil(p/100 x 60): p5 k=3 -> wait 0; p25 k=15 -> 2; p50 k=30 -> 4
 * (the median wait, as in test_profile); p75 k=45 -> 7; p95 k=57 -> 9. Door-to-door at B's
 * own cell = wait + 12 minutes' ride (+0: the station's cell). */
Test(gtfsrun, window_percentiles)
{
    fixture();
    int rc = run("--gtfs feed --date 2025-05-07 --window 07:00-08:00 --hubs A1");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "stderr: %s", e);
    free(e);
    cr_assert_float_eq(at_b("travel_time.tif", 1), 16.0, 1e-6); /* p50: 12 + 4 */
    static const double want[5] = {12, 14, 16, 19, 21};      /* p5, p25, p50, p75, p95 */
    for (int j = 0; j < 5; j++)
        cr_assert_float_eq(at_b("percentiles.tif", j + 1), want[j], 1e-6, "band %d", j + 1);
    cr_assert_eq(cli_sh("gdalinfo '%s/o/hubs/A/percentiles.tif' | grep -c "
                        "'Description = p[0-9]* travel time (minutes) over departures every 1 "
                        "min from 07:00 to before 08:00 on 2025-05-07'",
                        cli_tmp),
                 0);
    char p[300];
    snprintf(p, sizeof p, "%s/stdout.txt", cli_tmp);
    char *s = cli_slurp(p);
    cr_assert_str_eq(s, "5\n");
    free(s);
    cr_assert_eq(cli_sh("gdalinfo '%s/o/hubs/A/percentiles.tif' | grep -q 'p95 travel time' && "
                        "gdalinfo '%s/o/hubs/A/percentiles.tif' | grep -c 'NoData Value=-9999' "
                        "| grep -qx 5",
                        cli_tmp, cli_tmp),
                 0);
    cr_assert_eq(cli_sh("gdalinfo '%s/o/hubs/A/travel_time.tif' | grep -q 'Description = p50 "
                        "travel time from the hub (minutes) over departures every 1 min from "
                        "07:00 to before 08:00 on 2025-05-07'",
                        cli_tmp),
                 0);
    /* stations.csv: B's rail minutes are the p50 of arrival - departure, 16 */
    cr_assert_eq(cli_sh("grep -q '^A,B,Beta,,16.000,' '%s/o/hubs/A/stations.csv'", cli_tmp), 0);
    cr_assert_eq(cli_sh("grep -q '\"percentile_used\": *50' '%s/o/run.json'", cli_tmp), 0);
    /* the run's own description names the feed, not the sample's unused stations and lines */
    cr_assert_eq(cli_sh("grep -q '\"--stations\": null' '%s/o/run.json' && grep -q "
                        "'^- rail: the GTFS timetable of 2025-05-07, departures over "
                        "07:00-08:00 (its end excluded), percentile 50' '%s/o/README.md' && ! "
                        "grep -q "
                        "'yrd_\\|half the headway' '%s/o/README.md'",
                        cli_tmp, cli_tmp, cli_tmp),
                 0, "%s", cli_output());
}

/* The window's end is not a departure (as in R5): 07:05-07:25 every 10 min is 07:05 and
 * 07:15, each waiting 5 minutes for the :10 and :20 trains: 5 + 12 = 17 at B for every
 * percentile (07:25 would be a third, also 17). The band descriptions, --help's and the
 * output README say so; "over 07:05-07:25" read as if 07:25 were one. */
Test(gtfsrun, window_end_is_excluded_and_said)
{
    fixture();
    cr_assert_eq(run("--gtfs feed --date 2025-05-07 --window 07:05-07:25 --step 10 --hubs A"),
                 0, "%s", cli_stderr());
    for (int j = 0; j < 5; j++)
        cr_assert_float_eq(at_b("percentiles.tif", j + 1), 17.0, 1e-6, "band %d", j + 1);
    cr_assert_eq(cli_sh("grep -q '\"departure_minutes\": *2,' '%s/o/run.json'", cli_tmp), 0,
                 "two departures, 07:05 and 07:15");
    cr_assert_eq(cli_sh("gdalinfo '%s/o/hubs/A/percentiles.tif' | grep -c 'Description = p[0-9]* "
                        "travel time (minutes) over departures every 10 min from 07:05 to "
                        "before 07:25 on 2025-05-07$' | grep -qx 5",
                        cli_tmp),
                 0);
    cr_assert_eq(cli_sh("grep -q 'departures over 07:05-07:25 (its end excluded)' "
                        "'%s/o/README.md'",
                        cli_tmp),
                 0);
    cr_assert_eq(cli_sh("%s run --help | grep -A1 -- '--window' | grep -q 'end excluded'",
                        ISR_CLI),
                 0);
}

/* --percentile 90 is not in the list: added (k = 54 -> wait 8: 20 minutes). */
Test(gtfsrun, percentile_added)
{
    fixture();
    cr_assert_eq(run("--gtfs feed --date 2025-05-07 --window 07:00-08:00 --hubs A "
                     "--percentiles 50 --percentile 90"),
                 0);
    cr_assert_float_eq(at_b("travel_time.tif", 1), 20.0, 1e-6);
    cr_assert_float_eq(at_b("percentiles.tif", 1), 16.0, 1e-6);
    cr_assert_float_eq(at_b("percentiles.tif", 2), 20.0, 1e-6);
}

/* One departure, 07:03: the 07:10 train, 7 + 12 = 19 minutes exactly. */
/* --direction to: arrivals at hub B over 07:00-08:00. The trains reach B at :02, :12, … and
 * leave A 12 minutes before, so arriving by minute m one left A 12 + (m - the last :x2) minutes
 * before: 12 + 0 … 9, each ten times over the hour, the forward window's distribution: p5 …
 * p95 at A's cell (500.5, 5505.5) km are 12/14/16/19/21, the band says "over arrivals". */
Test(gtfsrun, direction_to_reverses_the_timetable)
{
    fixture();
    cr_assert_eq(run("--gtfs feed --date 2025-05-07 --window 07:00-08:00 --hubs B "
                     "--direction to"),
                 0, "%s", cli_stderr());
    static const double want[5] = {12, 14, 16, 19, 21};
    for (int b = 1; b <= 5; b++) {
        cr_assert_eq(cli_sh("gdallocationinfo -valonly -b %d -geoloc "
                            "'%s/o/hubs/B/percentiles.tif' 500500 5505500",
                            b, cli_tmp),
                     0);
        char p[300];
        snprintf(p, sizeof p, "%s/stdout.txt", cli_tmp);
        char *v = cli_slurp(p);
        cr_assert_float_eq(atof(v), want[b - 1], 1e-6, "band %d: %s", b, v);
        free(v);
    }
    cr_assert_eq(cli_sh("gdalinfo '%s/o/hubs/B/percentiles.tif' | grep -q 'Description = p50 "
                        "travel time (minutes) over arrivals every 1 min from 07:00 to before "
                        "08:00 on 2025-05-07'",
                        cli_tmp),
                 0);
    cr_assert_eq(cli_sh("grep -q '^B,A,Alpha,,16.000,' '%s/o/hubs/B/stations.csv'", cli_tmp), 0);
}

/* Each worker's percentile scratch counts against --max-memory: the model (0.0108 MB here:
 * 300 cells x 12 bytes (friction 1, coded, zones 2: one unit), and the catchments' estimate
 * of 2 stations x (476 padded cells x 8 + 32) bytes: 3600 + 7680 = 11280 bytes) fits in
 * 0.03 MB; hub A's window of 300 cells x (61 minute bins x 2 + 4 + 5 percentiles x 4) bytes
 * = 43800 bytes, 0.0418 MB, more does not (55080 bytes, 0.0525 MB in all): refused before it is
 * allocated, naming the hub, and no hub raster nor run.json is written. */
Test(gtfsrun, percentile_scratch_counts_against_max_memory)
{
    fixture();
    int rc = run("--gtfs feed --date 2025-05-07 --window 07:00-08:00 --hubs A --max-memory 0.03");
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "exit status %d, stderr: %s", rc, e);
    cr_assert(strstr(e, "isoreach: hub 'A': the percentiles over its 300 reachable cells need "
                        "0.0418 MB per worker, 0.0525 MB in all"),
              "%s", e);
    cr_assert(strstr(e, "more than --max-memory 0.03 MB: use fewer --threads"), "%s", e);
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/o/hubs/A/travel_time.tif'", cli_tmp), 1);
    cr_assert_eq(cli_sh("test -e '%s/o/run.json'", cli_tmp), 1, "a failed run wrote run.json");
}

/* The maps of a GTFS run: drawn, their credits naming the timetable, and the routes drawn
 * as region/rail_lines.geojson has them (from shapes.txt, else stop to stop): the maps drew
 * none, the legend's swatch alone in the rail's red, though the web map and QGIS had them. */
Test(gtfsrun, maps_are_drawn_and_credit_the_timetable)
{
    fixture();
    cr_assert_eq(run("--gtfs feed --date 2025-05-07 --departure 07:03 --hubs A"), 0);
    cr_assert_eq(cli_sh("cd '%s' && %s map -q --out o", cli_tmp, ISR_CLI), 0, "%s",
                 cli_stderr());
    cr_assert_eq(cli_sh("grep -q 'Boundaries: b.geojson · Timetable: feed' '%s/o/hubs/A/map.svg'",
                        cli_tmp),
                 0);
    cr_assert_eq(cli_sh("grep -o 'stroke:rgb(62%%,7%%,9%%)' '%s/o/hubs/A/map.svg' | wc -l",
                        cli_tmp),
                 0);
    char *n = cli_output();
    cr_assert_str_eq(n, "2\n", "the route and the legend's swatch: %s", n);
    free(n);
    /* the caption's model is the timetable's (it said "waits of half the headway; 2 min
     * dwell", which --wait and --dwell set for lines a scenario adds) */
    cr_assert_eq(cli_sh("grep -q 'trains, waits and dwells as the timetable runs them; 6 min per "
                        "change where transfers.txt gives none' '%s/o/hubs/A/people_by_minute.svg'",
                        cli_tmp),
                 0);
    cr_assert_eq(cli_sh("grep -q 'half the headway' '%s/o/hubs/A/map.svg'", cli_tmp), 1);
}

Test(gtfsrun, single_departure)
{
    fixture();
    cr_assert_eq(run("--gtfs feed --date 2025-05-07 --departure 07:03 --hubs A"), 0);
    cr_assert_float_eq(at_b("travel_time.tif", 1), 19.0, 1e-6);
    cr_assert_eq(cli_sh("gdalinfo '%s/o/hubs/A/percentiles.tif' | grep -q 'Description = p50 "
                        "travel time (minutes) departing 07:03 on 2025-05-07'",
                        cli_tmp),
                 0);
}

/* The flags of a --stations/--lines network were taken with --gtfs and changed nothing
 * (--wait none, --dwell 5: B still 19 min, its wait included): said, the times unchanged. */
Test(gtfsrun, lines_mode_flags_with_gtfs_are_said)
{
    fixture();
    cr_assert_eq(run("--gtfs feed --date 2025-05-07 --departure 07:03 --hubs A --wait none "
                     "--dwell 5 --line-speed vmax"),
                 0);
    char *e = cli_stderr();
    cr_assert_float_eq(at_b("travel_time.tif", 1), 19.0, 1e-6);
    cr_assert(strstr(e, "isoreach: warning: --line-speed, --dwell, --wait are for a network of "
                        "--stations and --lines: with --gtfs the timetable gives the stations, "
                        "trains, dwells and waits, so they change nothing; leave them out\n"),
              "%s", e);
    free(e);
}

/* The fixture's timetable replaced: stop_times.txt rows and frequencies.txt rows. */
static void trip_feed(const char *rows, const char *freq)
{
    cli_put("feed/stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n%s",
            rows);
    cli_put("feed/frequencies.txt", "trip_id,start_time,end_time,headway_secs\n%s", freq);
}

/* A trip that runs on past midnight (25:10 to 25:22, every day) belongs to the day it starts:
 * at 01:05 on 2025-05-08 the day before's run leaves in 5 minutes, but the timetable of the
 * 8th holds only the 8th's (leaving at 01:10 on the 9th), so B is not reached. That was
 * silent; it is said, with the time from which a window is clear of it (01:22). At 01:30 no
 * word: every trip of the day before has arrived. */
Test(gtfsrun, trips_of_the_day_before_still_running_are_said)
{
    fixture();
    trip_feed("T,25:10:00,25:10:00,A1,1\nT,25:22:00,25:22:00,B,2\n", "");
    cr_assert_eq(run("--gtfs feed --date 2025-05-08 --departure 01:05 --hubs A"), 0);
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: warning: GTFS: trips run on past midnight, the latest to 25:22 "
                        "(01:22 the next morning); isoreach reads the trips of one service day, "
                        "2025-05-08, so the day before's that may still run at 01:05 are left "
                        "out and travel times then may be longer than the timetable's; a "
                        "--departure or --window from 01:22 on is clear of them\n");
    free(e);
    cr_assert_float_eq(at_b("travel_time.tif", 1), -9999, 0, "B reached by the day before's trip");
    cr_assert_eq(run("--gtfs feed --date 2025-05-08 --departure 01:30 --hubs A"), 0);
    e = cli_stderr();
    cr_assert_null(strstr(e, "past midnight"), "%s", e);
    free(e);
    /* the same run from a template of frequencies (23:40 to 24:40 every 10 minutes: the last
     * leaves at 24:30 and arrives 12 minutes later, 24:42), and as a trip whose clock restarts
     * at 0:00 (23:55 to 00:07, read as 24:07): both were left out of the warning */
    static const char *const feeds[][3] = {
        {"T,10:00:00,10:00:00,A1,1\nT,10:12:00,10:12:00,B,2\n",
         "T,23:40:00,24:40:00,600\n", "24:42 (00:42"},
        {"T,23:55:00,23:55:00,A1,1\nT,00:07:00,00:07:00,B,2\n", "", "24:07 (00:07"}};
    for (int k = 0; k < 2; k++) {
        trip_feed(feeds[k][0], feeds[k][1]);
        cr_assert_eq(run("--gtfs feed --date 2025-05-08 --departure 00:01 --hubs A"), 0);
        e = cli_stderr();
        char *said = strstr(e, "isoreach: warning: GTFS: trips run on past midnight, the latest to ");
        cr_assert(said && strstr(said, feeds[k][2]), "%s", e);
        free(e);
    }
}

/* The mirror of the day before's trips: a journey leaving late and travelling its budget past
 * 24:00 needs the next day's trips from 00:00, which the timetable of --date leaves out (a
 * trip A1 00:10 → B 00:22 every day: from 23:50 on the 7th, the 8th's run reaches B at 00:22,
 * 32 minutes; the timetable of the 7th has only the 7th's, at 00:10 that morning). That was
 * silent; it is said, with the window that is clear of it. With --direction to, arriving
 * early needs the evening before's. */
Test(gtfsrun, journeys_past_midnight_into_another_day_are_said)
{
    fixture();
    trip_feed("T,00:10:00,00:10:00,A1,1\nT,00:22:00,00:22:00,B,2\n", "");
    cr_assert_eq(run("--gtfs feed --date 2025-05-07 --departure 23:50 --hubs A"), 0);
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: warning: GTFS: journeys leaving by 23:50 within the 60-minute "
                        "budget run to 00:50 the next morning; isoreach reads the trips of one "
                        "service day, 2025-05-07, so the next day's trips from 00:00 are left "
                        "out and travel times past midnight may be longer than the timetable's; "
                        "a --departure or --window ending by 23:00 is clear of them\n");
    free(e);
    cr_assert_float_eq(at_b("travel_time.tif", 1), -9999, 0, "B reached by the next day's trip");
    /* ending by 23:00: no word */
    cr_assert_eq(run("--gtfs feed --date 2025-05-07 --window 22:00-23:01 --hubs A"), 0);
    e = cli_stderr();
    cr_assert_null(strstr(e, "next morning"), "%s", e);
    free(e);
    cr_assert_eq(run("--gtfs feed --date 2025-05-07 --window 00:15-00:45 --direction to "
                     "--hubs B"),
                 0);
    e = cli_stderr();
    cr_assert(strstr(e, "isoreach: warning: GTFS: journeys arriving from 00:15 within the "
                        "60-minute budget start at 23:15 the evening before; isoreach reads the "
                        "trips of one service day, 2025-05-07, so the day before's are left out "
                        "and travel times then may be longer than the timetable's; a "
                        "--departure or --window from 01:00 on is clear of them\n"),
              "%s", e);
    free(e);
    /* arriving after 24:00 may take the next day's trips */
    cr_assert_eq(run("--gtfs feed --date 2025-05-07 --window 23:30-24:30 --direction to "
                     "--hubs B"),
                 0);
    e = cli_stderr();
    cr_assert(strstr(e, "isoreach: warning: GTFS: arrivals up to 24:29 (00:29 the next morning) "
                        "may come by the next day's trips, which isoreach leaves out (it reads "
                        "the trips of one service day, 2025-05-07): travel times then may be "
                        "longer than the timetable's\n"),
              "%s", e);
    free(e);
}

Test(gtfsrun, refusals)
{
    fixture();
    refused(run("--gtfs feed --hubs A"), 2,
            "--gtfs needs --date YYYY-MM-DD: the day whose timetable is searched");
    refused(run("--gtfs feed --date 2025-05-07 --window 7-9 --hubs A"), 2,
            "--window: '7-9' is not HH:MM-HH:MM (e.g. 07:00-09:00)");
    refused(run("--gtfs feed --date 2025-05-07 --window 09:00-07:00 --hubs A"), 2,
            "--window: '09:00-07:00' ends before it starts; give the earlier time first, and a "
            "time past midnight as the service day's clock has it (09:00-31:00)");
    /* a window over midnight, as a user writes it: the service day's clock is said */
    refused(run("--gtfs feed --date 2025-05-07 --window 23:50-00:10 --hubs A"), 2,
            "--window: '23:50-00:10' ends before it starts; give the earlier time first, and a "
            "time past midnight as the service day's clock has it (23:50-24:10)");
    refused(run("--gtfs feed --date 2025-05-07 --window 08:00-08:00 --hubs A"), 2,
            "--window: '08:00-08:00' ends when it starts, or before; give the earlier time "
            "first");
    refused(run("--gtfs feed --date 2025-05-07 --window 07:00-09:00 --departure 08:00 --hubs A"),
            2,
            "--departure and --window: the search leaves at one time or over a window of them; "
            "give one of the two");
    refused(run("--gtfs feed --date 2025-05-07 --step 5 --hubs A"), 2,
            "--step is the minutes between the departures of a --window: give --window "
            "HH:MM-HH:MM too");
    refused(run("--gtfs feed --date 2025-5-7 --hubs A"), 2,
            "--date: '2025-5-7' is not a date YYYY-MM-DD (e.g. 2025-05-07)");
    refused(run("--gtfs feed --date 2025-05-07"), 2,
            "--gtfs needs --hubs: give GTFS stop or parent-station ids (--hubs S1,S2), --hubs "
            "all (every station of the timetable: 2 on 2025-05-07) or --hubs @FILE (a file of "
            "ids, one per line)");
    refused(run("--gtfs feed --date 2025-05-07 --hubs X"), 1,
            "--hubs: no station or stop has id 'X' in the GTFS feed 'feed' (on 2025-05-07, "
            "route types 2,100-117); a stop at which no trip of those route types calls that "
            "day is no station of the run");
    /* two feeds: their ids carry the feed's number */
    refused(run("--gtfs feed --gtfs feed --date 2025-05-07 --hubs A"), 1,
            "--hubs: no station or stop has id 'A': with several feeds, ids carry their feed's "
            "number: '1:A', '2:A'");
    refused(run("--window 07:00-08:00 --hubs A"), 2,
            "--window is for GTFS timetables: give --gtfs PATH too");
    refused(run("--gtfs feed --date 2025-05-07 --hubs A --lines x.shp"), 2,
            "--lines and --gtfs are two rail networks: give one of them (with --gtfs the trains "
            "are the timetable's)");
}

/* --hubs given an entrance (location_type 2), a generic node (3) or a boarding area (4, whose
 * parent is platform A1 of A) of station A: "no station or stop has id" although stops.txt
 * has it. Now each stands for its station, as a platform's id does; one that belongs to no
 * station of the run (no parent_station) is refused, saying what it is. */
Test(gtfsrun, an_entrance_node_or_boarding_area_stands_for_its_station)
{
    fixture();
    put_stops("A_E,Alpha entrance,49.703,15.0069339410176,2,A\n"
              "A_N,Alpha node,,,3,A\n"
              "A1_BA,Alpha 1 boarding area,,,4,A1\n"
              "X_E,Lost entrance,49.703,15.1,2,\n");
    const char *ids[] = {"A_E", "A_N", "A1_BA"};
    for (int i = 0; i < 3; i++) {
        int rc = run("--gtfs feed --date 2025-05-07 --departure 07:00 --hubs %s", ids[i]);
        char *e = cli_stderr();
        cr_assert_eq(rc, 0, "--hubs %s: %s", ids[i], e);
        free(e);
        cr_assert_eq(cli_sh("cd '%s/o/hubs' && ls | tr '\\n' ' ' | grep -qx 'A '", cli_tmp), 0,
                     "--hubs %s", ids[i]);
    }
    refused(run("--gtfs feed --date 2025-05-07 --departure 07:00 --hubs X_E"), 1,
            "--hubs: 'X_E' is an entrance or exit (location_type 2) in stops.txt of the GTFS "
            "feed 'feed', and it belongs to no station of the run: it names no parent_station, "
            "or no trip of route types 2,100-117 calls at that station on 2025-05-07; give the "
            "id of a station where trains call");
}

/* rail_minutes of `station` in OUT/hubs/shanghai_hongqiao/stations.csv, or -1. */
static double sample_minutes(const char *out, const char *station)
{
    char p[600], line[512];
    snprintf(p, sizeof p, "%s/%s/hubs/shanghai_hongqiao/stations.csv", cli_tmp, out);
    FILE *f = fopen(p, "r");
    cr_assert_not_null(f, "%s", p);
    double v = -1;
    size_t n = strlen(station);
    const size_t hn = strlen("shanghai_hongqiao,"); /* each row starts with the hub_id */
    while (fgets(line, sizeof line, f))
        if (strncmp(line + hn, station, n) == 0 && line[hn + n] == ',') {
            const char *c = strchr(line + hn + n + 1, ','); /* after the name */
            c = c ? strchr(c + 1, ',') : NULL;             /* and the English name */
            if (c && c[1] != ',')
                v = strtod(c + 1, NULL);
        }
    fclose(f);
    return v;
}

/* The sample's exported feed (shapefiles/yrd_gtfs.zip: every line's trains at its clock-face
 * headway, dwell 2 min) against lines mode, from Shanghai Hongqiao at 2000 m, over 07:00-09:00
 * (whole headways of every line). Where their assumptions coincide, a direct train, lines
 * mode waits half the headway H; GTFS mode's median (nearest rank over whole minutes) of the
 * waits 0 … H-1 is H/2 - 1 (the station's cell is reached in whole minutes, which rounding
 * up leaves as they are): so GTFS is 0.5 to 1.5 min earlier, never later. Where they differ: Suzhou North has two lines from
 * Hongqiao, whose departures together cut the GTFS wait further (30 against 32 min: lines
 * mode waits for one line); with a change of train, lines mode charges --transfer (6) + half
 * the next headway, GTFS the real connection (at least 6 min): Suzhou South is 8 min
 * earlier. */
Test(gtfsrun, sample_feed_reproduces_lines_mode)
{
    const char *common = "run -q --no-maps --hubs shanghai_hongqiao --resolution 2000 "
                         "--transfers none --threads 1";
    cr_assert_eq(cli_sh("cd '%s' && %s %s --out lines", cli_tmp, ISR_CLI, common), 0, "%s",
                 cli_stderr());
    cr_assert_eq(cli_sh("cd '%s' && %s %s --out gtfs --gtfs '%s/yrd_gtfs.zip' --date 2026-03-18 "
                        "--window 07:00-09:00",
                        cli_tmp, ISR_CLI, common, ISR_SAMPLE_DIR),
                 0, "%s", cli_stderr());
    static const char *direct[] = {"kunshan_south", "shanghai_songjiang", "jinshan_north",
                                   "jiashan_south", "jiaxing_south",      "wuxi_east",
                                   "changzhou_north"};
    for (size_t i = 0; i < sizeof direct / sizeof *direct; i++) {
        double l = sample_minutes("lines", direct[i]), g = sample_minutes("gtfs", direct[i]);
        cr_assert(l > 0 && g > 0, "%s: lines %g, gtfs %g", direct[i], l, g);
        cr_assert(g - l >= -1.5 && g - l <= -0.5, "%s: lines %g, gtfs %g", direct[i], l, g);
    }
    double l = sample_minutes("lines", "suzhou_south"), g = sample_minutes("gtfs", "suzhou_south");
    cr_assert_float_eq(l - g, 8.0, 1e-9, "suzhou_south: lines %g, gtfs %g", l, g);
    l = sample_minutes("lines", "suzhou_north"), g = sample_minutes("gtfs", "suzhou_north");
    cr_assert_float_eq(l - g, 2.0, 1e-9, "suzhou_north: lines %g, gtfs %g", l, g);
}

/* Walking from the hub to a station 750 m away (a --transfer-radius link: 750 m × 1.3 at
 * 20 km/h, 176 s) to board the first train is no change of train: lines mode charges no
 * --transfer for the first train, and neither does GTFS mode. Leaving A at 08:00, Y is ready
 * at 08:02:56 for the 08:05 to X (08:15): X 15 min. With the 6 min --transfer charged (as it
 * was) Y was ready at 08:08:56, the train gone, and X 39 min away on foot. The transfer after
 * a ride is still charged: that is the range search's own test (test_profile). */
Test(gtfsrun, walking_from_the_hub_to_board_pays_no_transfer)
{
    fixture();
    put_stops("Y,Ypsilon,49.7020127784749,15.0173520,0,\n"
              "X,Xi,49.7020127784749,15.1458420,0,\n");
    cli_put("feed/routes.txt", "%s", "route_id,route_type\nR,2\nR2,2\n");
    cli_put("feed/trips.txt", "%s", "route_id,service_id,trip_id\nR,D,T\nR2,D,T2\n");
    cli_put("feed/stop_times.txt", "%s", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                               "T,06:00:00,06:00:00,A1,1\nT,06:12:00,06:12:00,B,2\n"
                               "T2,08:05:00,08:05:00,Y,1\nT2,08:15:00,08:15:00,X,2\n");
    cli_put("feed/frequencies.txt", "%s", "trip_id,start_time,end_time,headway_secs,exact_times\n"
                                "T,06:00:00,10:00:00,600,1\n");
    int rc = run("--gtfs feed --date 2025-05-07 --hubs A --departure 08:00");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    cr_assert_eq(cli_sh("grep -q '^A,X,Xi,,15.000,' '%s/o/hubs/A/stations.csv'", cli_tmp), 0,
                 "X is 15 min by the 08:05 from Y");
}

/* A zip of the feed's folder (its files in gtfs_2025/, as many are made): read from that
 * folder, with an info line; it was "no stops.txt" */
Test(gtfsrun, a_zip_of_the_feed_folder_is_read)
{
    fixture();
    cr_assert_eq(cli_sh("cd '%s' && mkdir z && cp -r feed z/gtfs_2025 && cd z && /usr/bin/python3 "
                        "-c \"import shutil; shutil.make_archive('../sub', 'zip', '.', "
                        "'gtfs_2025')\"",
                        cli_tmp),
                 0);
    int rc = run("--gtfs sub.zip --date 2025-05-07 --hubs A --departure 08:00");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    /* the 08:00 train: B 12 min */
    cr_assert_eq(cli_sh("grep -q '^A,B,Beta,,12.000,' '%s/o/hubs/A/stations.csv'", cli_tmp), 0);
    /* two folders deep (an export of a folder of feeds): found all the same (it said "no
     * stops.txt"); a zip of two feeds is still read at its root, and refused there */
    cr_assert_eq(cli_sh("cd '%s' && mkdir -p y/exports && cp -r feed y/exports/gtfs_2025 && cd y "
                        "&& /usr/bin/python3 -c \"import shutil; shutil.make_archive('../deep', "
                        "'zip', '.', 'exports')\"",
                        cli_tmp),
                 0);
    rc = run("--gtfs deep.zip --date 2025-05-07 --hubs A --departure 08:00");
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    cr_assert_eq(cli_sh("grep -q '^A,B,Beta,,12.000,' '%s/o/hubs/A/stations.csv'", cli_tmp), 0);
    cr_assert_eq(cli_sh("cd '%s' && cp -r feed y/exports/gtfs_2024 && cd y && /usr/bin/python3 -c "
                        "\"import shutil; shutil.make_archive('../two', 'zip', '.', 'exports')\"",
                        cli_tmp),
                 0);
    rc = run("--gtfs two.zip --date 2025-05-07 --hubs A --departure 08:00");
    e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert(strstr(e, "no stops.txt"), "%s", e);
    free(e);
    /* a zip of two feeds side by side: named (it said "no stops.txt", a new-user pass) */
    cr_assert_eq(cli_sh("cd '%s' && mkdir w && cp -r feed w/a && cp -r feed w/b && cd w && "
                        "/usr/bin/python3 -c \"import shutil; shutil.make_archive('../ab', "
                        "'zip', '.')\"",
                        cli_tmp),
                 0);
    rc = run("--gtfs ab.zip --date 2025-05-07 --hubs A --departure 08:00");
    e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert(strstr(e, "gtfs 'ab.zip': 2 folders within it hold a stops.txt ('a', 'b'): it "
                        "holds several feeds; give each as a --gtfs of its own (unzip it and "
                        "give each folder)"),
              "%s", e);
    free(e);
    /* a zip cut short: it was "no stops.txt", as if the feed lacked the file */
    cr_assert_eq(cli_sh("cd '%s' && cp two.zip cut.zip && truncate -s 300 cut.zip", cli_tmp), 0);
    rc = run("--gtfs cut.zip --date 2025-05-07 --hubs A --departure 08:00");
    e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert(strstr(e, "gtfs 'cut.zip': not a zip archive GDAL can read (cut short, damaged, or "
                        "another format)"),
              "%s", e);
    free(e);
}

/* The same --out again after a feed file was saved in place (its folder's time unchanged,
 * as an editor or a spreadsheet saves it), in the feed's folder and one folder down: the hub
 * is recomputed with the new times (GDAL lists no files of a GTFS folder, and the runs
 * fingerprinted the folder alone: the old hub was reused, "same inputs and settings"). The
 * 07:03 departure takes the 07:10 train: B at 7 + 12 = 19 min, then 7 + 22 = 29. */
Test(gtfsrun, a_feed_file_saved_in_place_is_a_new_feed)
{
    static const char *const feeds[] = {"feed", "nest"};
    for (int k = 0; k < 2; k++) {
        fixture();
        cr_assert_eq(cli_sh("cd '%s' && rm -rf o nest && mkdir nest && cp -r feed nest/inner",
                            cli_tmp),
                     0);
        const char *dir = k ? "nest/inner" : "feed";
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1) /* 06:12 -> 06:22, the same size, written over; the folder's time kept */
                cr_assert_eq(cli_sh("cd '%s' && touch -r %s keep && /usr/bin/python3 -c \"p='%s/"
                                    "stop_times.txt'; s=open(p).read().replace('06:12:00','06:22:00'"
                                    "); f=open(p,'r+'); f.write(s); f.close()\" && touch -r keep %s",
                                    cli_tmp, dir, dir, dir),
                             0);
            int rc = cli_sh("cd '%s' && %s run -q --no-maps --out o --boundaries b.geojson --crs "
                            "EPSG:32633 --resolution 1000 --threads 1 --gtfs %s --date 2025-05-07 "
                            "--departure 07:03 --hubs A",
                            cli_tmp, ISR_CLI, feeds[k]);
            cr_assert_eq(rc, 0, "%s", cli_stderr());
            cr_assert_eq(cli_sh("grep -q '^A,B,Beta,,%s.000,' '%s/o/hubs/A/stations.csv'",
                                pass ? "29" : "19", cli_tmp),
                         0, "%s, pass %d: %s", feeds[k], pass, cli_output());
        }
    }
}

/* --hubs all over a feed wider than the boundaries: the station off the grid is no hub, with
 * a warning (the run was refused: "drop it from --hubs", which the user never named) */
Test(gtfsrun, hubs_all_leaves_out_the_stations_off_the_grid)
{
    fixture();
    put_stops("Z,Zeta,49.70,16.0,0,\n");
    cli_put("feed/stop_times.txt", "%s", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                               "T,06:00:00,06:00:00,A1,1\nT,06:12:00,06:12:00,B,2\n"
                               "T,06:40:00,06:40:00,Z,3\n");
    int rc = run("--gtfs feed --date 2025-05-07 --hubs all --departure 08:00");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "--hubs all: 1 station off the region's grid (the extent of boundaries "
                        "'b.geojson' layer 'b') is no hub of this run: 'Z'"),
              "%s", e);
    free(e);
    cr_assert_eq(cli_sh("ls '%s/o/hubs' | tr '\\n' ' ' | grep -qx 'A B '", cli_tmp), 0);
}

/* --hubs all: every station a kept trip calls at. The feed's stops A1 (child of A) and B, and
 * an extra station C that only a bus (route_type 3, not chosen) calls at: the hub folders are
 * exactly A and B. */
Test(gtfsrun, hubs_all_and_file)
{
    fixture();
    put_stops("C,Gamma,49.70,15.2,0,\n");
    cli_put("feed/routes.txt", "%s", "route_id,route_type\nR,2\nBUS,3\n");
    cli_put("feed/trips.txt", "%s", "route_id,service_id,trip_id\nR,D,T\nBUS,D,U\n");
    cli_put("feed/stop_times.txt", "%s", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                               "T,06:00:00,06:00:00,A1,1\nT,06:12:00,06:12:00,B,2\n"
                               "U,06:00:00,06:00:00,C,1\nU,06:30:00,06:30:00,B,2\n");
    int rc = run("--gtfs feed --date 2025-05-07 --departure 07:00 --hubs all");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "stderr: %s", e);
    free(e);
    cr_assert_eq(cli_sh("cd '%s/o/hubs' && ls | tr '\\n' ' ' | grep -qx 'A B '", cli_tmp), 0);
    /* @FILE: a header, a comment, a blank line, a stop id (A1 stands for its station A) */
    cli_put("hubs.csv", "%s", "station_id\n# the main hub\n\nA1\n");
    rc = run("--gtfs feed --date 2025-05-07 --departure 07:00 --hubs @hubs.csv");
    e = cli_stderr();
    cr_assert_eq(rc, 0, "stderr: %s", e);
    free(e);
    cr_assert_eq(cli_sh("cd '%s/o/hubs' && ls | tr '\\n' ' ' | grep -qx 'A '", cli_tmp), 0);
    cli_put("hubs.csv", "%s", "id\nB\n\n# C is a bus stop only\nC\n");
    refused(run("--gtfs feed --date 2025-05-07 --departure 07:00 --hubs @hubs.csv"), 1,
            "--hubs @hubs.csv line 5: no station has id 'C' in the GTFS feed 'feed' (station or "
            "stop ids; on 2025-05-07, route types 2,100-117)");
    refused(run("--gtfs feed --date 2025-05-07 --departure 07:00 --hubs @nope.csv"), 1,
            "--hubs @nope.csv: cannot open it (No such file or directory); give a text file of "
            "station ids, one per line");
    cli_put("hubs.csv", "%s", "station_id\n# none yet\n");
    refused(run("--gtfs feed --date 2025-05-07 --departure 07:00 --hubs @hubs.csv"), 1,
            "--hubs @hubs.csv: no station id in it (blank lines and # comments are skipped); "
            "give one id per line");
}

/* A station that only another day's trips call at is no station of the run: the fixture's
 * daily trip A -> B, and a Monday-only train A -> C; on Wednesday 2025-05-07 --hubs all is A
 * and B, rail_stations.geojson has 2 stations, and --hubs C is refused (C was a hub of local
 * travel only, in the region products; a new-user pass). On Monday 2025-05-05 C is one. */
Test(gtfsrun, a_station_served_only_on_other_days_is_none)
{
    fixture();
    put_stops("C,Gamma,49.70,15.2,0,\n");
    cli_put("feed/trips.txt", "%s", "route_id,service_id,trip_id\nR,D,T\nR,MON,M\n");
    cli_put("feed/calendar.txt", "%s", "service_id,monday,tuesday,wednesday,thursday,friday,"
                                       "saturday,sunday,start_date,end_date\n"
                                       "D,1,1,1,1,1,1,1,20250101,20251231\n"
                                       "MON,1,0,0,0,0,0,0,20250101,20251231\n");
    cli_put("feed/stop_times.txt", "%s", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                               "T,06:00:00,06:00:00,A1,1\nT,06:12:00,06:12:00,B,2\n"
                               "M,07:00:00,07:00:00,A1,1\nM,07:20:00,07:20:00,C,2\n");
    int rc = run("--gtfs feed --date 2025-05-07 --departure 07:00 --hubs all");
    cr_assert_eq(rc, 0, "stderr: %s", cli_stderr());
    cr_assert_eq(cli_sh("cd '%s/o/hubs' && ls | tr '\\n' ' ' | grep -qx 'A B '", cli_tmp), 0);
    cr_assert_eq(cli_sh("grep -o '\"Feature\"' '%s/o/region/rail_stations.geojson' | wc -l | "
                        "grep -qx 2",
                        cli_tmp),
                 0);
    rc = run("--gtfs feed --date 2025-05-07 --departure 07:00 --hubs C");
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert(strstr(e, "isoreach: --hubs: no station or stop has id 'C' in the GTFS feed 'feed' "
                        "(on 2025-05-07, route types 2,100-117); a stop at which no trip of "
                        "those route types calls that day is no station of the run\n"),
              "%s", e);
    free(e);
    rc = run("--gtfs feed --date 2025-05-05 --departure 07:00 --hubs all");
    cr_assert_eq(rc, 0, "stderr: %s", cli_stderr());
    cr_assert_eq(cli_sh("cd '%s/o/hubs' && ls | tr '\\n' ' ' | grep -qx 'A B C '", cli_tmp), 0);
    cr_assert_eq(cli_sh("grep -q '^A,C,Gamma,,20.000,' '%s/o/hubs/A/stations.csv'", cli_tmp), 0,
                 "%s", cli_output());
}

/* The fixture plus station C, 2 km north of B (529.5, 5507.5) km, and D (515.5, 5508.5) km:
 * trains C -> D every 10 minutes at :05, :15, … (10 minutes' ride) and one slow train
 * A -> D leaving 07:00, arriving 07:50. `transfers` is the feed's transfers.txt (or NULL).
 * Departing A at 07:00 the A -> B train arrives at B at 07:12. */
static void footpath_feed(const char *transfers)
{
    fixture();
    put_stops("C,Gamma,49.7192790656657,15.4092481303618,0,\n"
              "D,Delta,49.7287968334527,15.2150705041781,0,\n");
    cli_put("feed/routes.txt", "%s", "route_id,route_type\nR,2\nS,2\nL,2\n");
    cli_put("feed/trips.txt", "%s", "route_id,service_id,trip_id\nR,D,T\nS,D,V\nL,D,W\n");
    cli_put("feed/stop_times.txt", "%s", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                               "T,06:00:00,06:00:00,A1,1\nT,06:12:00,06:12:00,B,2\n"
                               "V,06:05:00,06:05:00,C,1\nV,06:15:00,06:15:00,D,2\n"
                               "W,07:00:00,07:00:00,A1,1\nW,07:50:00,07:50:00,D,2\n");
    cli_put("feed/frequencies.txt", "%s", "trip_id,start_time,end_time,headway_secs,exact_times\n"
                                "T,06:00:00,10:00:00,600,1\nV,06:05:00,10:00:00,600,1\n");
    if (transfers)
        cli_put("feed/transfers.txt", "%s", transfers);
    cli_put("t.csv", "%s", "from_id,to_id,minutes\nB,C,3\n");
}

/* D's rail minutes from A departing 07:00 (stations.csv), after `args`. */
static double d_minutes(const char *args)
{
    int rc = run("--gtfs feed --date 2025-05-07 --departure 07:00 --hubs A %s", args);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "stderr: %s", e);
    free(e);
    char p[300];
    snprintf(p, sizeof p, "%s/o/hubs/A/stations.csv", cli_tmp);
    char *csv = cli_slurp(p), *d = strstr(csv, "\nA,D,Delta,,");
    double v = d ? atof(d + strlen("\nA,D,Delta,,")) : -1;
    free(csv);
    return v;
}

/* --transfers and --transfer-radius become footpaths between stations (link + --transfer 6). */
Test(gtfsrun, transfer_links_are_footpaths)
{
    footpath_feed(NULL);
    /* no link B-C (2 km > the default radius 1000 m): only the slow train, 50 minutes */
    cr_assert_float_eq(d_minutes(""), 50.0, 1e-9);
    /* table B,C 3 min: ready at C 07:12 + 3 + 6 = 07:21, the 07:25 train, D 07:35: 35 (15
     * minutes earlier) */
    cr_assert_float_eq(d_minutes("--transfers t.csv"), 35.0, 1e-9);
    cr_assert_eq(cli_sh("grep -q '\"transfers\": *\"..\\\\/t.csv\"' '%s/o/run.json' && grep -q "
                        "'\"transfer_links_table\": *2' '%s/o/run.json'",
                        cli_tmp, cli_tmp),
                 0);
    /* radius 2500 m: 2000 m x 1.3 / (20 km/h) = 468 s, + 360 s: ready 07:25:48, the 07:35
     * train, D 07:45: 45 (5 minutes earlier) */
    cr_assert_float_eq(d_minutes("--transfer-radius 2500"), 45.0, 1e-9);
    cr_assert_eq(cli_sh("grep -q '\"transfer_links_radius\": *2' '%s/o/run.json'", cli_tmp), 0);
    /* an unknown id is refused naming the table's line */
    cli_put("t.csv", "%s", "from_id,to_id,minutes\nB,C,3\nB,X,4\n");
    refused(run("--gtfs feed --date 2025-05-07 --departure 07:00 --hubs A --transfers t.csv"), 1,
            "transfers 't.csv': 1 station id is not in the stations: line 3 'X'; use the GTFS "
            "station ids (a stop's parent_station, or the stop itself when it has none)");
    /* with two feeds the ids carry the feed's number, as --hubs says (it was not said here) */
    cli_put("t.csv", "%s", "from_id,to_id,minutes\n1:B,1:C,3\nB,2:C,4\n");
    refused(run("--gtfs feed --gtfs feed --date 2025-05-07 --departure 07:00 --hubs 1:A "
                "--transfers t.csv"),
            1,
            "transfers 't.csv': 1 station id is not in the stations: line 3 'B'; use the GTFS "
            "station ids, each after its feed's number as --hubs takes them (1:A, 2:B; a stop's "
            "parent_station, or the stop itself when it has none)");
}

/* The feed's transfers.txt gives B -> C 60 s (type 2): alone, ready at C 07:13, the 07:15
 * train, D 07:25: 25. A radius link B -> C does not replace it (25, not 45); a table link
 * does (35); each warns once with the count (1 pair: B -> C; C -> B is not in the feed). */
Test(gtfsrun, transfer_links_and_the_feed)
{
    footpath_feed("from_stop_id,to_stop_id,transfer_type,min_transfer_time\nB,C,2,60\n");
    cr_assert_float_eq(d_minutes(""), 25.0, 1e-9);
    cr_assert_float_eq(d_minutes("--transfer-radius 2500"), 25.0, 1e-9);
    cr_assert_eq(cli_sh("cd '%s' && %s run --no-maps --out o2 --boundaries b.geojson --crs "
                        "EPSG:32633 --resolution 1000 --threads 1 --gtfs feed --date 2025-05-07 "
                        "--departure 07:00 --hubs A --transfer-radius 2500 > log 2>&1; grep -qF "
                        "'GTFS: 1 pair of stops joined by a transfer link also has a row in the "
                        "feed'\"'\"'s transfers.txt: the --transfers table'\"'\"'s time is used "
                        "for 0 (the table wins over the feed), the feed'\"'\"'s for 1 (the feed "
                        "wins over --transfer-radius 2500 m)' log",
                        cli_tmp, ISR_CLI),
                 0);
    cr_assert_float_eq(d_minutes("--transfers t.csv"), 35.0, 1e-9);
}

/* region/rail_lines.geojson from the feed's geometry, read back with ogrinfo (coordinates at
 * 15 significant digits). */
static int lines_have(const char *what)
{
    return cli_sh("ogrinfo -ro -al '%s/o/region/rail_lines.geojson' | grep -qF '%s'", cli_tmp,
                  what);
}

/* Without shapes.txt: route R's trips (24 from one frequencies template) share one stop pattern A1 -> B, one segment between
 * the two stops; with a shape, its 3 points in shape_pt_sequence order (the file lists them
 * 10, 2, 5). A shape_pt_sequence given twice is refused; a trip naming a shape that
 * shapes.txt lacks is drawn stop to stop with a warning. */
Test(gtfsrun, rail_lines_from_the_feed)
{
    fixture();
    cli_put("feed/routes.txt", "%s", "route_id,route_short_name,route_long_name,route_type\n"
                               "R,RE1,Alpha - Beta,2\n");
    const char *args = "--gtfs feed --date 2025-05-07 --departure 07:00 --hubs A";
    int rc = run("%s", args);
    cr_assert_eq(rc, 0, "stderr: %s", cli_stderr());
    cr_assert_eq(cli_sh("ogrinfo -ro -so -al '%s/o/region/rail_lines.geojson' | grep -q "
                        "'Feature Count: 1'",
                        cli_tmp),
                 0);
    /* 6 decimals, 0.1 m, as the lines mode's layers */
    cr_assert_eq(lines_have("MULTILINESTRING ((15.006934 49.702013,15.409097 49.701291))"), 0);
    cr_assert_eq(lines_have("name (String) = RE1"), 0);
    cr_assert_eq(lines_have("route_long_name (String) = Alpha - Beta"), 0);
    cr_assert_eq(lines_have("route_type (Integer) = 2"), 0);
    cli_put("feed/trips.txt", "%s", "route_id,service_id,trip_id,shape_id\nR,D,T,SH\n");
    cli_put("feed/shapes.txt", "%s", "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
                               "SH,49.70,15.41,10\nSH,49.70,15.01,2\nSH,49.75,15.2,5\n");
    rc = run("%s", args);
    cr_assert_eq(rc, 0, "stderr: %s", cli_stderr());
    cr_assert_eq(lines_have("MULTILINESTRING ((15.01 49.7,15.2 49.75,15.41 49.7))"), 0);
    cli_put("feed/shapes.txt", "%s", "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
                               "SH,49.70,15.41,10\nSH,49.70,15.01,5\nSH,49.75,15.2,5\n");
    refused(run("%s", args), 1,
            "gtfs 'feed' shapes.txt line 4: shape 'SH': shape_pt_sequence 5 is given twice "
            "(also on line 3)");
    cli_put("feed/trips.txt", "%s", "route_id,service_id,trip_id,shape_id\nR,D,T,NOPE\n");
    rc = cli_sh("cd '%s' && %s run --no-maps --out o --boundaries b.geojson --crs EPSG:32633 "
                "--resolution 1000 --threads 1 %s > log 2>&1; grep -qF \"gtfs 'feed': 1 trip on "
                "2025-05-07 names a shape_id that shapes.txt lacks or gives fewer than 2 points "
                "(e.g. trip 'T', shape 'NOPE'); it is drawn from stop to stop on the maps\" log",
                cli_tmp, ISR_CLI, args);
    cr_assert_eq(rc, 0);
    cr_assert_eq(lines_have("MULTILINESTRING ((15.006934 49.702013,15.409097 49.701291))"), 0);
}
