/* Criterion suite for network.c: the rail network read from OGR layers (GeoJSON in
 * /vsimem/): snapping, ordering, explicit express calls, and the refusals.
 *
 * Stations a, b, c lie on a west–east line at 31°N, 121.0/121.1/121.2°E; d is far away.
 *   line L (all stops, headway 10): a -5 min- b -5 min- c
 *   line E (express, headway 30, stops "a;c"): a -8 min- c   (drawn through b, skips it) */
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
            "line 'E' (feature 0): stop 'd' is 62371 m from the line, more than --snap 500 m");
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
