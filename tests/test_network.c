/* Criterion suite for network.c: the rail network read from OGR layers (GeoJSON in
 * /vsimem/): snapping, ordering, explicit express calls, and the refusals.
 *
 * Stations a, b, c lie on a west–east line at 31°N, 121.0/121.1/121.2°E; d is far away.
 *   line L (all stops, headway 10): a -5 min- b -5 min- c
 *   line E (express, headway 30, stops "a;c"): a -8 min- c   (drawn through b, skips it)
 * Line geometry (MultiLineString parts in any order and direction, gaps, loops) is tested
 * on a second fixture in UTM 33N with field names unlike the sample's: the square
 * A(0,0) B(10,0) C(10,10) D(0,10) km. */
#include "internal.h"

#include <cpl_vsi.h>
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

static const char *stations_json =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"id\":\"a\",\"name\":\"A\",\"hub\":1},"
    "\"geometry\":{\"type\":\"Point\",\"coordinates\":[121.0,31.0]}},"
    "{\"type\":\"Feature\",\"properties\":{\"id\":\"b\",\"name\":\"B\",\"hub\":0},"
    "\"geometry\":{\"type\":\"Point\",\"coordinates\":[121.1,31.0]}},"
    "{\"type\":\"Feature\",\"properties\":{\"id\":\"c\",\"name\":\"C\",\"hub\":0},"
    "\"geometry\":{\"type\":\"Point\",\"coordinates\":[121.2,31.0]}},"
    "{\"type\":\"Feature\",\"properties\":{\"id\":\"d\",\"name\":\"D\",\"hub\":0},"
    "\"geometry\":{\"type\":\"Point\",\"coordinates\":[121.5,31.5]}}]}";

static void put(const char *path, const char *text)
{
    VSILFILE *f = VSIFOpenL(path, "wb");
    VSIFWriteL(text, 1, strlen(text), f);
    VSIFCloseL(f);
}

static char logbuf[4096];
static void logger(void *user, isr_log_level lv, const char *msg)
{
    (void)user;
    (void)lv;
    strncat(logbuf, msg, sizeof logbuf - strlen(logbuf) - 2);
    strcat(logbuf, "\n");
}

/* Loads the network with the given lines GeoJSON; returns the status. */
static isr_status load(isr_ctx *ctx, const char *lines_json, isr_rail_net **net)
{
    GDALAllRegister();
    put("/vsimem/st.geojson", stations_json);
    put("/vsimem/ln.geojson", lines_json);
    isr_options o;
    isr_options_init(&o);
    o.stations = "/vsimem/st.geojson";
    o.lines = "/vsimem/ln.geojson";
    logbuf[0] = '\0';
    isr_ctx_set_logger(ctx, logger, NULL, ISR_LOG_WARN);
    OGRSpatialReferenceH srs = isr_crs_fitted_albers(ctx, 120, 30, 122, 32);
    isr_status st = isr_network_load(ctx, &o, srs, net);
    OSRDestroySpatialReference(srs);
    return st;
}

#define LINE(props, coords)                                                                    \
    "{\"type\":\"Feature\",\"properties\":{" props "},\"geometry\":{\"type\":\"LineString\","  \
    "\"coordinates\":" coords "}}"
#define AC "[[121.0,31.0],[121.2,31.0]]"

Test(network, snapping_and_express_calls)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = NULL;
    const char *lines = "{\"type\":\"FeatureCollection\",\"features\":["
        LINE("\"id\":\"L\",\"name\":\"L\",\"speed_kmh\":300,\"headway\":10,\"minutes\":\"5;5\","
             "\"stops\":\"\"", AC) ","
        LINE("\"id\":\"E\",\"name\":\"E\",\"speed_kmh\":300,\"headway\":30,\"minutes\":\"8\","
             "\"stops\":\"a;c\"", AC) "]}";
    cr_assert_eq(load(ctx, lines, &net), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(isr_rail_net_nstations(net), 4);
    cr_assert_eq(isr_rail_net_nlines(net), 2);
    cr_assert(strstr(logbuf, "station 'd' is not within 500 m of any line"), "%s", logbuf);
    double t[4];
    isr_rail_params p = {120, 360, ISR_WAIT_HALF_HEADWAY, ISR_FROM_HUB};
    cr_assert_eq(isr_rail_search(ctx, net, &p, 0, t), ISR_OK);
    cr_assert_float_eq(t[1] / 60, 5 + 5, 1e-9);          /* b: wait 5, ride 5 */
    cr_assert_float_eq(t[2] / 60, 5 + 5 + 2 + 5, 1e-9);  /* c: the all-stop beats 15 + 8 */
    cr_assert(isinf(t[3]));
    p.wait = ISR_WAIT_NONE;
    cr_assert_eq(isr_rail_search(ctx, net, &p, 0, t), ISR_OK);
    cr_assert_float_eq(t[2] / 60, 8, 1e-9);              /* without waits the express wins */
    cr_assert_float_eq(t[1] / 60, 5, 1e-9);              /* and b is still only on L */
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}

Test(network, run_time_from_length_and_speed_when_minutes_are_blank)
{
    /* 0.2° of longitude at 31°N is 19.08 km on the ellipsoid; at 240 km/h that is
     * 4.77 min (the fitted Albers scale is within 0.2 % here). */
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = NULL;
    const char *lines = "{\"type\":\"FeatureCollection\",\"features\":["
        LINE("\"id\":\"L\",\"speed_kmh\":240,\"headway\":10,\"minutes\":\"\"", AC) "]}";
    cr_assert_eq(load(ctx, lines, &net), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    double t[4];
    isr_rail_params p = {0, 0, ISR_WAIT_NONE, ISR_FROM_HUB};
    cr_assert_eq(isr_rail_search(ctx, net, &p, 0, t), ISR_OK);
    cr_assert_float_eq(t[2] / 60, 19.08 / 240 * 60, 0.01);
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}

static void refused(const char *lines, const char *want)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = NULL;
    cr_assert_eq(load(ctx, lines, &net), ISR_ERR_INPUT);
    cr_assert_null(net);
    cr_assert(strstr(isr_ctx_errmsg(ctx), want), "message: %s", isr_ctx_errmsg(ctx));
    isr_ctx_free(ctx);
}

Test(network, refusals_name_line_and_field)
{
    refused("{\"type\":\"FeatureCollection\",\"features\":["
            LINE("\"id\":\"E\",\"speed_kmh\":300,\"headway\":10,\"stops\":\"a;zz\"", AC) "]}",
            "layer 'ln': line 'E' (feature 0): stop 'zz' in field 'stops' is not a station");
    refused("{\"type\":\"FeatureCollection\",\"features\":["
            LINE("\"id\":\"E\",\"speed_kmh\":300,\"headway\":10,\"stops\":\"a;d\"", AC) "]}",
            "line 'E' (feature 0): stop 'd' in field 'stops' is 62371 m from the line, more than --snap 500 m");
    refused("{\"type\":\"FeatureCollection\",\"features\":["
            LINE("\"id\":\"Z\",\"speed_kmh\":0,\"headway\":10", AC) "]}",
            "line 'Z' (feature 0): field 'speed_kmh' is 0; it must be a positive speed in km/h");
    refused("{\"type\":\"FeatureCollection\",\"features\":["
            LINE("\"id\":\"Z\",\"speed_kmh\":100,\"headway\":-5", AC) "]}",
            "line 'Z' (feature 0): field 'headway' is -5; it must be a positive headway in "
            "minutes");
    refused("{\"type\":\"FeatureCollection\",\"features\":["
            LINE("\"id\":\"Z\",\"speed_kmh\":100,\"headway\":5,\"minutes\":\"5;x\"", AC) "]}",
            "field 'minutes' must be minutes separated by ';' (got '5;x')");
    refused("{\"type\":\"FeatureCollection\",\"features\":["
            LINE("\"id\":\"Z\",\"headway\":5", AC) "]}",
            "has no field 'speed_kmh' (fields: id, headway)");
    refused("{\"type\":\"FeatureCollection\",\"features\":["
            LINE("\"id\":\"Z\",\"speed_kmh\":100,\"headway\":5", "[[122.0,30.0],[122.1,30.0]]") "]}",
            "no line has two stations within 500 m of it");
}

Test(network, headway_against_the_stop_order)
{
    /* L runs every 10 min from a towards c, every 2 min back. From a to c (with the stop
     * order): wait 5 + 5 + dwell 2 + 5 = 17 min. From c to a (TO hub a, against it): wait 1
     * + 5 + 2 + 5 = 13 min, where a single headway would give 17 both ways. */
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = NULL;
    const char *lines = "{\"type\":\"FeatureCollection\",\"features\":["
        LINE("\"id\":\"L\",\"speed_kmh\":300,\"headway\":10,\"headway_bk\":2,\"minutes\":\"5;5\"",
             AC) "]}";
    cr_assert_eq(load(ctx, lines, &net), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    double t[4];
    isr_rail_params p = {120, 360, ISR_WAIT_HALF_HEADWAY, ISR_FROM_HUB};
    cr_assert_eq(isr_rail_search(ctx, net, &p, 0, t), ISR_OK);
    cr_assert_float_eq(t[2] / 60, 17, 1e-9);
    p.direction = ISR_TO_HUB;
    cr_assert_eq(isr_rail_search(ctx, net, &p, 0, t), ISR_OK);
    cr_assert_float_eq(t[2] / 60, 13, 1e-9);
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
    refused("{\"type\":\"FeatureCollection\",\"features\":["
            LINE("\"id\":\"Z\",\"speed_kmh\":100,\"headway\":5,\"headway_bk\":0", AC) "]}",
            "line 'Z' (feature 0): field 'headway_bk' is 0; it must be a positive headway in "
            "minutes");
}

/* ---- line geometry: parts, direction, loops -------------------------------------------- */

#define MULTI(props, coords)                                                                   \
    "{\"type\":\"Feature\",\"properties\":{" props "},\"geometry\":{\"type\":"                 \
    "\"MultiLineString\",\"coordinates\":" coords "}}"

static void check_abc(const char *lines, double ab, double bc)
{
    /* dwell 2, no waits, transfer 10 (so a train is never left to board the next):
     * a→b = ab, a→c = ab + 2 + bc, c→b = bc */
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = NULL;
    cr_assert_eq(load(ctx, lines, &net), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(isr_rail_line_nstops(net, 0), 3);
    cr_assert_str_eq(isr_rail_station_id(net, isr_rail_line_stop(net, 0, 0)), "a");
    cr_assert_str_eq(isr_rail_station_id(net, isr_rail_line_stop(net, 0, 2)), "c");
    cr_assert_eq(isr_rail_line_is_loop(net, 0), 0);
    double t[4];
    isr_rail_params p = {120, 600, ISR_WAIT_NONE, ISR_FROM_HUB};
    cr_assert_eq(isr_rail_search(ctx, net, &p, 0, t), ISR_OK);
    cr_assert_float_eq(t[1] / 60, ab, 1e-9);
    cr_assert_float_eq(t[2] / 60, ab + 2 + bc, 1e-9);
    cr_assert_eq(isr_rail_search(ctx, net, &p, 2, t), ISR_OK);
    cr_assert_float_eq(t[1] / 60, bc, 1e-9);
    cr_assert_str_eq(logbuf,
                     "stations '/vsimem/st.geojson' layer 'st': station 'd' is not within 500 m "
                     "of any line; it is reached by local travel only\n");
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}

Test(network, multilinestring_parts_in_any_direction_give_the_stops_and_minutes_of_the_line)
{
    /* minutes "5;7": a -5- b -7- c, in the order drawn. The same line as three parts, with
     * the middle part (or the first) drawn backwards, must give the same stop order and the
     * same times (not 7 then 5). */
    check_abc("{\"type\":\"FeatureCollection\",\"features\":["
              LINE("\"id\":\"L\",\"speed_kmh\":300,\"headway\":10,\"minutes\":\"5;7\"", AC) "]}",
              5, 7);
    check_abc("{\"type\":\"FeatureCollection\",\"features\":["
              MULTI("\"id\":\"L\",\"speed_kmh\":300,\"headway\":10,\"minutes\":\"5;7\"",
                    "[[[121.0,31.0],[121.05,31.0]],[[121.15,31.0],[121.05,31.0]],"
                    "[[121.15,31.0],[121.2,31.0]]]") "]}",
              5, 7);
    check_abc("{\"type\":\"FeatureCollection\",\"features\":["
              MULTI("\"id\":\"L\",\"speed_kmh\":300,\"headway\":10,\"minutes\":\"5;7\"",
                    "[[[121.05,31.0],[121.0,31.0]],[[121.05,31.0],[121.15,31.0]],"
                    "[[121.15,31.0],[121.2,31.0]]]") "]}",
              5, 7);
    /* one long part drawn forwards, two short ones backwards: GEOS alone (majority of parts)
     * would turn the path round and give c -5- b -7- a; the length drawn decides here */
    check_abc("{\"type\":\"FeatureCollection\",\"features\":["
              MULTI("\"id\":\"L\",\"speed_kmh\":300,\"headway\":10,\"minutes\":\"5;7\"",
                    "[[[121.0,31.0],[121.15,31.0]],[[121.18,31.0],[121.15,31.0]],"
                    "[[121.2,31.0],[121.18,31.0]]]") "]}",
              5, 7);
    /* parts listed out of order, the last one first */
    check_abc("{\"type\":\"FeatureCollection\",\"features\":["
              MULTI("\"id\":\"L\",\"speed_kmh\":300,\"headway\":10,\"minutes\":\"5;7\"",
                    "[[[121.15,31.0],[121.2,31.0]],[[121.0,31.0],[121.05,31.0]],"
                    "[[121.05,31.0],[121.15,31.0]]]") "]}",
              5, 7);
}

/* A fixture in UTM zone 33N (EPSG:32633, metres), with field names unlike the sample's:
 * stations "code"/"label"/"main", lines "label"/"kmh"/"every"/"mins"/"calls". The analysis
 * CRS is the same UTM zone, so lengths are the drawn ones. */
#define UTM_FC "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":" \
               "{\"name\":\"urn:ogc:def:crs:EPSG::32633\"}},\"features\":["
#define UPT(id, x, y)                                                                          \
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"" id "\",\"label\":\"" id "\","          \
    "\"main\":1},\"geometry\":{\"type\":\"Point\",\"coordinates\":[" #x "," #y "]}}"
/* the square A(0,0) B(10,0) C(10,10) D(0,10) km, offset to (500 km, 5500 km) */
#define SQUARE UPT("A", 500000, 5500000) "," UPT("B", 510000, 5500000) ","                    \
               UPT("C", 510000, 5510000) "," UPT("D", 500000, 5510000)

static isr_status load_utm(isr_ctx *ctx, const char *stations, const char *lines,
                           isr_rail_net **net)
{
    GDALAllRegister();
    put("/vsimem/ust.geojson", stations);
    put("/vsimem/uln.geojson", lines);
    isr_options o;
    isr_options_init(&o);
    o.stations = "/vsimem/ust.geojson";
    o.lines = "/vsimem/uln.geojson";
    o.station_id_field = "code";
    o.station_name_field = "label";
    o.hub_field = "main";
    o.line_name_field = "label";
    o.line_speed_field = "kmh";
    o.line_headway_field = "every";
    o.line_minutes_field = "mins";
    o.line_stops_field = "calls";
    logbuf[0] = '\0';
    isr_ctx_set_logger(ctx, logger, NULL, ISR_LOG_WARN);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 32633);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    isr_status st = isr_network_load(ctx, &o, srs, net);
    OSRDestroySpatialReference(srs);
    return st;
}

Test(network, parts_that_do_not_join_are_refused_with_the_gap)
{
    /* part 1 ends at x = 510 km, part 2 starts at 512 km: a 2000 m gap */
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = NULL;
    cr_assert_eq(load_utm(ctx, UTM_FC SQUARE "]}",
                          UTM_FC MULTI("\"label\":\"G\",\"kmh\":60,\"every\":10",
                                       "[[[500000,5500000],[510000,5500000]],"
                                       "[[512000,5500000],[520000,5500000]]]") "]}",
                          &net),
                 ISR_ERR_INPUT);
    cr_assert_null(net);
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "lines '/vsimem/uln.geojson' layer 'uln': line 'G' (feature 0) is a "
                     "MultiLineString of 2 parts that do not join into one path: the gap "
                     "between part 1 and part 2 is 2000 m; join the parts, or split the line "
                     "into two features");
    isr_ctx_free(ctx);
}

/* From hub `hub` with dwell 2, no waits, transfer 10: minutes to every square station. */
static void square_times(isr_rail_net *net, int hub, double t_min[4])
{
    isr_ctx *ctx = isr_ctx_new();
    double t[4];
    isr_rail_params p = {120, 600, ISR_WAIT_NONE, ISR_FROM_HUB};
    cr_assert_eq(isr_rail_search(ctx, net, &p, hub, t), ISR_OK);
    for (int i = 0; i < 4; i++)
        t_min[i] = t[i] / 60;
    isr_ctx_free(ctx);
}

static void check_loop(const char *lines, double ab, double bc, double cd, double da)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = NULL;
    cr_assert_eq(load_utm(ctx, UTM_FC SQUARE "]}",
                          lines, &net),
                 ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(isr_rail_net_nlines(net), 1);
    cr_assert_eq(isr_rail_line_is_loop(net, 0), 1);
    cr_assert_eq(isr_rail_line_nstops(net, 0), 4);
    const char *order[] = {"A", "B", "C", "D"};
    for (int i = 0; i < 4; i++)
        cr_assert_str_eq(isr_rail_station_id(net, isr_rail_line_stop(net, 0, i)), order[i]);
    double t[4];
    square_times(net, 0, t); /* from A */
    cr_assert_float_eq(t[1], ab, 1e-6);
    /* A→D: the closing segment D-A backwards (da) when shorter than A-B-C-D with 2 dwells */
    cr_assert_float_eq(t[3], fmin(da, ab + bc + cd + 4), 1e-6, "A->D %g", t[3]);
    square_times(net, 3, t); /* from D: on through A to B without a new boarding */
    cr_assert_float_eq(t[1], fmin(da + 2 + ab, cd + 2 + bc), 1e-6, "D->B %g", t[1]);
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}

Test(network, a_closed_line_is_a_loop_with_its_closing_segment)
{
    /* minutes 5;6;7;3 on the loop A-B-C-D-A: four stops, four run times, the last D→A.
     * A→D = 3 (backwards over the closing segment), not 5+2+6+2+7 = 22.
     * D→B = 3 + 2 + 5 = 10 (through A), not 7 + 2 + 6 = 15. */
    const char *ring = "[[500000,5500000],[510000,5500000],[510000,5510000],[500000,5510000],"
                       "[500000,5500000]]";
    char buf[2048];
    snprintf(buf, sizeof buf,
             UTM_FC "{\"type\":\"Feature\",\"properties\":{\"label\":\"O\",\"kmh\":60,"
                    "\"every\":10,\"mins\":\"5;6;7;3\"},\"geometry\":{\"type\":\"LineString\","
                    "\"coordinates\":%s}}]}",
             ring);
    check_loop(buf, 5, 6, 7, 3);
    /* from length and speed: 10 km sides at 60 km/h, 10 min each; A→D = 10 not 34 */
    snprintf(buf, sizeof buf,
             UTM_FC "{\"type\":\"Feature\",\"properties\":{\"label\":\"O\",\"kmh\":60,"
                    "\"every\":10},\"geometry\":{\"type\":\"LineString\",\"coordinates\":%s}}]}",
             ring);
    check_loop(buf, 10, 10, 10, 10);
    /* the same loop as parts out of order and one drawn backwards: the same stops, minutes */
    check_loop(UTM_FC MULTI("\"label\":\"O\",\"kmh\":60,\"every\":10,\"mins\":\"5;6;7;3\"",
                            "[[[500000,5500000],[510000,5500000]],"
                            "[[500000,5510000],[500000,5500000]],"
                            "[[510000,5510000],[510000,5500000]],"
                            "[[510000,5510000],[500000,5510000]]]") "]}",
               5, 6, 7, 3);
    /* explicit calls written round to the first stop again */
    check_loop(UTM_FC MULTI("\"label\":\"O\",\"kmh\":60,\"every\":10,\"mins\":\"5;6;7;3\","
                            "\"calls\":\"A;B;C;D;A\"",
                            "[[[500000,5500000],[510000,5500000],[510000,5510000],"
                            "[500000,5510000],[500000,5500000]]]") "]}",
               5, 6, 7, 3);
    /* ends 300 m apart (within --snap 500): still a loop, closed by a 300 m segment;
     * D→A = (10 km - 300 m + 300 m) at 60 km/h = 10 min */
    check_loop(UTM_FC LINE("\"label\":\"O\",\"kmh\":60,\"every\":10",
                           "[[500000,5500000],[510000,5500000],[510000,5510000],"
                           "[500000,5510000],[500000,5500300]]") "]}",
               10, 10, 10, 10);
}

Test(network, minutes_count_message_says_what_is_expected)
{
    /* three stops a, b, c: two run times expected, three given. b (121.1°E) lies on the line
     * drawn along the 31°N parallel in lon/lat: 0 m from it (4 m from its chord, before the
     * line's edges were cut to follow the parallel) */
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = NULL;
    cr_assert_eq(load(ctx, "{\"type\":\"FeatureCollection\",\"features\":["
                      LINE("\"id\":\"L\",\"speed_kmh\":300,\"headway\":10,\"minutes\":\"5;5;5\"",
                           AC) "]}", &net),
                 ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert(strstr(logbuf,
                     "lines '/vsimem/ln.geojson' layer 'ln': line 'L' (feature 0) has 3 stops on "
                     "it, so 2 run times between them are expected, but field 'minutes' has 3 "
                     "entries; run times are computed from its length and speed. Its stops "
                     "(stations within --snap of it, in order): 'a' (0 m), 'b' (0 m), 'c' (0 "
                     "m)\n"), "%s", logbuf);
    cr_assert_eq(isr_rail_net_nnotes(net), 1);
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}

Test(network, a_station_near_a_line_with_explicit_calls_is_named)
{
    /* E calls at A and B only; S lies 300 m off it, T 450 m; C and D are on no line.
     * The stop offsets are kept for run.json */
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = NULL;
    cr_assert_eq(load_utm(ctx,
                          UTM_FC SQUARE ","
                          UPT("S", 505000, 5500300) "," UPT("T", 507000, 5499550) "]}",
                          UTM_FC LINE("\"label\":\"E\",\"kmh\":60,\"every\":10,"
                                      "\"calls\":\"A;B\"",
                                      "[[500000,5500000],[510000,5500000]]") "]}",
                          &net),
                 ISR_OK, "%s", isr_ctx_errmsg(ctx));
    /* a note per line (info, and run.json); a warning per station that no line stops at */
    cr_assert_eq(isr_rail_net_nnotes(net), 1);
    cr_assert_str_eq(isr_rail_net_note(net, 0),
                     "lines '/vsimem/uln.geojson' layer 'uln': line 'E' (feature 0) passes "
                     "within --snap 500 m of 2 station(s) not in its field 'calls', and does not "
                     "stop there: 'S' (300 m), 'T' (450 m)");
    cr_assert(strstr(logbuf,
                     "stations '/vsimem/ust.geojson' layer 'ust': station 'S' is a stop of no "
                     "line: line 'E' passes 300 m from it but does not list it in field 'calls'; "
                     "it is reached by local travel only\n"
                     "stations '/vsimem/ust.geojson' layer 'ust': station 'T' is a stop of no "
                     "line: line 'E' passes 450 m from it but does not list it in field 'calls'; "
                     "it is reached by local travel only\n"), "%s", logbuf);
    cr_assert_eq(isr_rail_line_nstops(net, 0), 2);
    cr_assert_float_eq(isr_rail_line_stop_offset_m(net, 0, 1), 0, 1e-9);
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}

/* Two features with one explicit id (a copy-paste slip, or a branch given the trunk's id):
 * both stay lines, warned about naming the two features and kept for run.json; features
 * that share only a name (no field 'id': a line drawn in parts) are not warned about. */
Test(network, an_id_given_twice_is_warned_about_naming_the_features)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = NULL;
    cr_assert_eq(load(ctx, "{\"type\":\"FeatureCollection\",\"features\":["
                      LINE("\"id\":\"L\",\"speed_kmh\":300,\"headway\":10", AC) ","
                      LINE("\"id\":\"M\",\"speed_kmh\":300,\"headway\":10", AC) ","
                      LINE("\"id\":\"L\",\"speed_kmh\":300,\"headway\":20",
                           "[[121.1,31.0],[121.2,31.0]]") "]}", &net),
                 ISR_OK, "%s", isr_ctx_errmsg(ctx));
    const char *want = "lines '/vsimem/ln.geojson' layer 'ln': features 0 and 2 have the same id "
                       "'L' (field 'id'); they stay two lines, and a scenario row naming 'L' "
                       "changes both: give each feature its own id to tell them apart";
    cr_assert(strstr(logbuf, want), "%s", logbuf);
    cr_assert_eq(isr_rail_net_nlines(net), 3);
    cr_assert_eq(isr_rail_net_nnotes(net), 1);
    cr_assert_str_eq(isr_rail_net_note(net, 0), want);
    isr_rail_net_free(net);
    net = NULL;
    /* the same two features named L, without field 'id': their id is the name, no warning */
    cr_assert_eq(load(ctx, "{\"type\":\"FeatureCollection\",\"features\":["
                      LINE("\"name\":\"L\",\"speed_kmh\":300,\"headway\":10", AC) ","
                      LINE("\"name\":\"L\",\"speed_kmh\":300,\"headway\":20",
                           "[[121.1,31.0],[121.2,31.0]]") "]}", &net),
                 ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(isr_rail_net_nlines(net), 2);
    cr_assert_str_eq(isr_rail_line_id(net, 1), "L");
    cr_assert(!strstr(logbuf, "same id"), "%s", logbuf);
    cr_assert_eq(isr_rail_net_nnotes(net), 0);
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}

/* A line cut into pieces under one name (a → b, then c → b, drawn the other way) makes two
 * lines that meet end to end at b: a trip from a to c changes trains there, paying the
 * transfer and a wait. That was silent; it is warned about, naming both features and b. */
Test(network, pieces_of_one_name_meeting_end_to_end_are_named)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = NULL;
    cr_assert_eq(load(ctx, "{\"type\":\"FeatureCollection\",\"features\":["
                      LINE("\"name\":\"L\",\"speed_kmh\":300,\"headway\":10",
                           "[[121.0,31.0],[121.1,31.0]]") ","
                      LINE("\"name\":\"L\",\"speed_kmh\":300,\"headway\":10",
                           "[[121.2,31.0],[121.1,31.0]]") "]}", &net),
                 ISR_OK, "%s", isr_ctx_errmsg(ctx));
    const char *want = "lines '/vsimem/ln.geojson' layer 'ln': features 0 and 1 share the id 'L' "
                       "and meet end to end at station 'b': they are two lines, so a trip "
                       "through it changes trains there (--transfer and a wait for the other's "
                       "train); where trains run through, draw the service as one feature (a "
                       "MultiLineString)";
    cr_assert(strstr(logbuf, want), "%s", logbuf);
    cr_assert_eq(isr_rail_net_nlines(net), 2);
    cr_assert_eq(isr_rail_net_nnotes(net), 1);
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}
