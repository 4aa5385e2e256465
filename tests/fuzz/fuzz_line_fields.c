/* libFuzzer harness for the `minutes` and `stops` fields of a rail line ("17;8;;12",
 * "a;c"), read the way a run reads them: isr_network_load on a GeoJSON line in /vsimem/ whose
 * two field values come from the input (split at its first NUL byte, JSON-escaped). The line
 * runs west-east through stations a, b, c (0.1° apart on 31°N); d lies off it. Checks: a
 * refusal leaves a message; an accepted network gives finite, non-negative rail times. */
#include "internal.h"

#include <cpl_error.h>
#include <cpl_vsi.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static isr_ctx *ctx;
static OGRSpatialReferenceH srs;

static const char stations[] =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"id\":\"a\",\"name\":\"A\",\"hub\":1},"
    "\"geometry\":{\"type\":\"Point\",\"coordinates\":[121.0,31.0]}},"
    "{\"type\":\"Feature\",\"properties\":{\"id\":\"b\",\"name\":\"B\",\"hub\":0},"
    "\"geometry\":{\"type\":\"Point\",\"coordinates\":[121.1,31.0]}},"
    "{\"type\":\"Feature\",\"properties\":{\"id\":\"c\",\"name\":\"C\",\"hub\":0},"
    "\"geometry\":{\"type\":\"Point\",\"coordinates\":[121.2,31.0]}},"
    "{\"type\":\"Feature\",\"properties\":{\"id\":\"d\",\"name\":\"D\",\"hub\":0},"
    "\"geometry\":{\"type\":\"Point\",\"coordinates\":[121.5,31.5]}}]}";

static void put(const char *path, const char *text, size_t n)
{
    VSILFILE *f = VSIFOpenL(path, "wb");
    if (f) {
        VSIFWriteL(text, 1, n, f);
        VSIFCloseL(f);
    }
}

static void quiet(void *user, isr_log_level level, const char *msg)
{
    (void)user;
    (void)level;
    (void)msg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ctx = isr_ctx_new();
    if (!ctx)
        return 1;
    CPLSetErrorHandler(CPLQuietErrorHandler); /* an unreadable file is reported by isoreach */
    isr_ctx_set_logger(ctx, quiet, NULL, ISR_LOG_DEBUG); /* the warnings are formatted too */
    put("/vsimem/st.geojson", stations, strlen(stations));
    srs = isr_crs_fitted_albers(ctx, 120, 30, 122, 32);
    return srs ? 0 : 1;
}

/* `s` (n bytes) as the inside of a JSON string. */
static void escape(isr_sb *b, const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            isr_sb_printf(b, "\\%c", s[i]);
        else if (s[i] < 0x20)
            isr_sb_printf(b, "\\u%04x", s[i]);
        else
            isr_sb_printf(b, "%c", s[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t nm = nul ? (size_t)(nul - data) : size;
    const uint8_t *calls = nul ? nul + 1 : data + size;
    size_t nc = nul ? size - nm - 1 : 0;
    const uint8_t *nul2 = memchr(calls, 0, nc); /* a C string ends there anyway */
    if (nul2)
        nc = (size_t)(nul2 - calls);
    isr_sb b = {0};
    isr_sb_printf(&b, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
                      "\"properties\":{\"id\":\"L\",\"name\":\"L\",\"speed_kmh\":300,"
                      "\"headway\":10,\"minutes\":\"");
    escape(&b, data, nm);
    isr_sb_printf(&b, "\",\"stops\":\"");
    escape(&b, calls, nc);
    isr_sb_printf(&b, "\"},\"geometry\":{\"type\":\"LineString\","
                      "\"coordinates\":[[121.0,31.0],[121.2,31.0]]}}]}");
    char *json = isr_sb_take(&b);
    if (!json)
        return 0;
    put("/vsimem/ln.geojson", json, strlen(json));
    free(json);
    isr_options o;
    isr_options_init(&o);
    o.stations = "/vsimem/st.geojson";
    o.lines = "/vsimem/ln.geojson";
    isr_ctx_reset(ctx);
    isr_rail_net *net = NULL;
    isr_status st = isr_network_load(ctx, &o, srs, &net);
    if (st != ISR_OK && (!*isr_ctx_errmsg(ctx) || net))
        abort();
    if (st == ISR_OK) {
        double t[4];
        isr_rail_params p = {120, 360, ISR_WAIT_HALF_HEADWAY, ISR_FROM_HUB};
        if (isr_rail_net_nlines(net) != 1 || isr_rail_search(ctx, net, &p, 0, t) != ISR_OK)
            abort();
        for (int i = 0; i < 4; i++)
            if (isnan(t[i]) || t[i] < 0)
                abort();
    }
    isr_rail_net_free(net);
    VSIUnlink("/vsimem/ln.geojson");
    return 0;
}
