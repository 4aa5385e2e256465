/*
 * test_model.c — one model, many questions (engine/model.c, run.c: isr_model_*).
 *
 * The sample is loaded once at 4000 m and asked four times: two hubs' grids in memory, one
 * of them again with a 30-minute budget, and a pass over a third hub into a folder. The
 * model must not read its inputs again (its load counter stays 1, and each question takes
 * a fraction of the loading), and the grid a question returns must be the travel_time.tif
 * that isr_run writes for the same hub, cell for cell, with the same geotransform.
 */
#include "cli_support.h"
#include "internal.h"

#include <criterion/criterion.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void setup(void) { cli_tmp_make("isr-model"); }
static void teardown(void) { cli_tmp_remove(); }

TestSuite(model, .init = setup, .fini = teardown);

/* The band, size and geotransform of a GeoTIFF; the minutes are new memory. */
static float *read_tif(const char *path, int *w, int *h, double gt[6])
{
    GDALAllRegister();
    GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
    cr_assert_not_null(ds, "cannot open %s", path);
    *w = GDALGetRasterXSize(ds);
    *h = GDALGetRasterYSize(ds);
    cr_assert_eq(GDALGetGeoTransform(ds, gt), CE_None);
    float *v = malloc((size_t)*w * (size_t)*h * sizeof *v);
    cr_assert_eq(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, *w, *h, v, *w, *h,
                              GDT_Float32, 0, 0),
                 CE_None);
    GDALClose(ds);
    return v;
}

/* A grid in memory equals the raster isr_run wrote: same size, edges and every value. */
static void same_as_file(const float *m, int w, int h, const double gt[6], const char *path)
{
    int fw, fh;
    double fgt[6];
    float *f = read_tif(path, &fw, &fh, fgt);
    cr_assert_eq(w, fw, "%s: width %d in memory, %d on disk", path, w, fw);
    cr_assert_eq(h, fh, "%s: height %d in memory, %d on disk", path, h, fh);
    for (int i = 0; i < 6; i++)
        cr_assert_float_eq(gt[i], fgt[i], 1e-6, "%s: gt[%d] %f vs %f", path, i, gt[i], fgt[i]);
    size_t reached = 0;
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
        cr_assert_eq(m[i], f[i], "%s: cell %zu is %g in memory, %g on disk", path, i, m[i], f[i]);
        reached += m[i] != (float)ISR_TIME_NODATA;
    }
    cr_assert_gt(reached, 100, "%s: only %zu cells reached", path, reached);
    free(f);
}

static void parse(isr_ctx *ctx, isr_options *o, const char *out, const char *hubs)
{
    char *argv[] = {"run", "--no-maps", "--resolution", "4000", "--out", (char *)out,
                    "--hubs", (char *)hubs};
    isr_options_init(o);
    cr_assert_eq(isr_options_parse(ctx, o, 8, argv), ISR_OK, "%s", isr_ctx_errmsg(ctx));
}

/* A logger that cancels the run when the folder's earlier run.json is taken away. */
static void cancel_on_unmark(void *user, isr_log_level level, const char *msg)
{
    (void)level;
    if (strstr(msg, "removed the run.json of an earlier run"))
        isr_ctx_cancel(user);
}

/* A cancel just after the output folder was marked and its earlier run.json taken away (the
 * hubs' workers not yet started) said "interrupted while loading the inputs; nothing was
 * written" (a new-user pass: OUT/.isoreach-output was left, and the run.json gone). It says
 * how far the run got, and that running again resumes. */
Test(model, a_cancel_after_the_folder_is_marked_says_how_far_it_got, .timeout = 120)
{
    isr_ctx *ctx = isr_ctx_new();
    char out[300], path[400];
    snprintf(out, sizeof out, "%s/cancelled", cli_tmp);
    isr_options o;
    parse(ctx, &o, out, "hangzhou_east");
    cr_assert_eq(isr_run(ctx, &o), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    isr_options_clear(&o);
    parse(ctx, &o, out, "hangzhou_east,nanjing_south");
    isr_ctx_set_logger(ctx, cancel_on_unmark, ctx, ISR_LOG_INFO);
    cr_assert_eq(isr_run(ctx, &o), ISR_ERR_INTERRUPTED, "%s", isr_ctx_errmsg(ctx));
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "interrupted: 0 of 2 hubs complete; run again to resume");
    snprintf(path, sizeof path, "%s/run.json", out);
    cr_assert_eq(access(path, F_OK), -1, "the earlier run's run.json is gone, as said");
    snprintf(path, sizeof path, "%s/" ISR_OUTPUT_MARK, out);
    cr_assert_eq(access(path, F_OK), 0);
    /* run again: it resumes and finishes */
    isr_ctx_set_logger(ctx, NULL, NULL, ISR_LOG_INFO);
    isr_ctx_reset(ctx);
    isr_ctx_free(ctx);
    ctx = isr_ctx_new();
    cr_assert_eq(isr_run(ctx, &o), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    snprintf(path, sizeof path, "%s/run.json", out);
    cr_assert_eq(access(path, F_OK), 0);
    isr_options_clear(&o);
    isr_ctx_free(ctx);
}

Test(model, open_once_ask_many_times, .timeout = 120)
{
    isr_ctx *ctx = isr_ctx_new();
    char run_out[300], pass_out[300], path[400];
    snprintf(run_out, sizeof run_out, "%s/run", cli_tmp);
    snprintf(pass_out, sizeof pass_out, "%s/pass", cli_tmp);
    const char *hubs = "shanghai_hongqiao,hangzhou_east,nanjing_south";
    isr_options o;
    parse(ctx, &o, run_out, hubs);
    /* the reference: a whole run, which loads the region itself */
    cr_assert_eq(isr_run(ctx, &o), ISR_OK, "%s", isr_ctx_errmsg(ctx));

    double t0 = isr_now_s();
    isr_model *m = NULL;
    cr_assert_eq(isr_model_open(ctx, &o, &m), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    double open_s = isr_now_s() - t0;
    cr_assert_eq(isr_model_loads(m), 1);

    /* 1st and 2nd questions: two hubs in memory, each the file isr_run wrote */
    const char *ids[2] = {"shanghai_hongqiao", "hangzhou_east"};
    float *g60 = NULL;
    int w60 = 0, h60 = 0;
    double gt60[6] = {0};
    for (int k = 0; k < 2; k++) {
        float *v;
        int w, h;
        double gt[6];
        t0 = isr_now_s();
        cr_assert_eq(isr_model_run_hub(m, ids[k], 0, &v, &w, &h, gt), ISR_OK, "%s",
                     isr_ctx_errmsg(ctx));
        double ask_s = isr_now_s() - t0;
        cr_assert_eq(isr_model_loads(m), 1, "question %d reloaded the inputs", k + 1);
        cr_assert_lt(ask_s, open_s / 2, "question %d took %.2f s, the loading %.2f s", k + 1,
                     ask_s, open_s);
        snprintf(path, sizeof path, "%s/hubs/%s/travel_time.tif", run_out, ids[k]);
        same_as_file(v, w, h, gt, path);
        if (k == 0) {
            g60 = v;
            w60 = w;
            h60 = h;
            memcpy(gt60, gt, sizeof gt);
        } else {
            isr_free(v);
        }
    }

    /* 3rd: the first hub again with 30 minutes: a smaller grid whose every cell has the
     * value of the 60-minute one (the search within 30 minutes is the same search) */
    float *g30;
    int w30, h30;
    double gt30[6] = {0};
    cr_assert_eq(isr_model_run_hub(m, ids[0], 30, &g30, &w30, &h30, gt30), ISR_OK);
    cr_assert_eq(isr_model_loads(m), 1);
    cr_assert_lt((size_t)w30 * (size_t)h30, (size_t)w60 * (size_t)h60);
    int dc = (int)lround((gt30[0] - gt60[0]) / 4000.0), dr = (int)lround((gt60[3] - gt30[3]) / 4000.0);
    size_t n30 = 0, n60_30 = 0;
    for (int r = 0; r < h30; r++)
        for (int c = 0; c < w30; c++) {
            float a = g30[(size_t)r * (size_t)w30 + (size_t)c];
            float b = g60[(size_t)(r + dr) * (size_t)w60 + (size_t)(c + dc)];
            if (a != (float)ISR_TIME_NODATA) {
                cr_assert_leq(a, 30.0f);
                cr_assert_eq(a, b, "cell %d,%d: %g with 30 minutes, %g with 60", c, r, a, b);
                n30++;
            }
        }
    for (size_t i = 0; i < (size_t)w60 * (size_t)h60; i++)
        n60_30 += g60[i] != (float)ISR_TIME_NODATA && g60[i] <= 30.0f;
    cr_assert_eq(n30, n60_30, "cells within 30 minutes: %zu asked with 30, %zu with 60", n30,
                 n60_30);
    cr_assert_gt(n30, 10);

    /* an empty list is no list (it read as "every flagged hub" and blamed the hub flag), and
     * a model opened with no options is a usage error, not a crash */
    cr_assert_eq(isr_model_run_hubs(m, " , ", pass_out), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "hubs: the list is empty; give station ids, or NULL for the model's hubs");
    /* NULL is the model's hubs, those of its --hubs (it ran every station flagged hub, 48 on
     * the sample, though the message above says what it now does) */
    char null_out[600];
    snprintf(null_out, sizeof null_out, "%s-null", pass_out);
    cr_assert_eq(isr_model_run_hubs(m, NULL, null_out), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(cli_sh("ls '%s/hubs' | tr '\\n' ' '", null_out), 0);
    char *listed = cli_output();
    cr_assert_str_eq(listed, "hangzhou_east nanjing_south shanghai_hongqiao ");
    free(listed);
    isr_model *none = (isr_model *)1;
    cr_assert_eq(isr_model_open(ctx, NULL, &none), ISR_ERR_USAGE);
    cr_assert_null(none);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "isr_model_open: no options (isr_options_new) given");
    /* 4th: a pass over another hub into a folder: its outputs and the region products,
     * its raster the one of the whole run */
    cr_assert_eq(isr_model_run_hubs(m, "nanjing_south", pass_out), ISR_OK, "%s",
                 isr_ctx_errmsg(ctx));
    cr_assert_eq(isr_model_loads(m), 1);
    float *v;
    int w, h;
    double gt[6];
    cr_assert_eq(isr_model_run_hub(m, "nanjing_south", 0, &v, &w, &h, gt), ISR_OK);
    snprintf(path, sizeof path, "%s/hubs/nanjing_south/travel_time.tif", pass_out);
    same_as_file(v, w, h, gt, path);
    snprintf(path, sizeof path, "%s/hubs/nanjing_south/travel_time.tif", run_out);
    same_as_file(v, w, h, gt, path);
    isr_free(v);
    /* a cancel: no grid and no size, as every failure (the size of the grid was left) */
    isr_ctx_cancel(ctx);
    cr_assert_eq(isr_model_run_hub(m, "nanjing_south", 0, &v, &w, &h, gt), ISR_ERR_INTERRUPTED);
    cr_assert(v == NULL && w == 0 && h == 0, "%p %d x %d", (void *)v, w, h);
    snprintf(path, sizeof path, "%s/region/nearest_hub.csv", pass_out);
    char *csv = cli_slurp(path);
    cr_assert_str_eq(csv, "\xEF\xBB\xBFvalue,hub_id,hub_name,hub_name_en\n0,nanjing_south,南京南,"
                          "Nanjing South\n");
    free(csv);
    cr_assert_eq(cli_sh("test -e '%s/run.json' && test ! -e '%s/hubs/shanghai_hongqiao'",
                        pass_out, pass_out),
                 0);

    /* 5th: a pass over the run's three hubs, the model kept whole: the region rasters are
     * the run's, which let go of its clearance map and then its friction on the way
     * (isr_model_searched, isr_model_fric_done) — the unreached land tiles read the friction
     * before it goes */
    char pass3[300];
    snprintf(pass3, sizeof pass3, "%s/pass3", cli_tmp);
    cr_assert_eq(isr_model_run_hubs(m, hubs, pass3), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    const char *region[3] = {"hubs_within.tif", "nearest_hub_time.tif", "nearest_hub.tif"};
    for (int k = 0; k < 3; k++)
        cr_assert_eq(cli_sh("cmp -s '%s/region/%s' '%s/region/%s'", run_out, region[k], pass3,
                            region[k]),
                     0, "region/%s differs", region[k]);

    /* a hub that is no station: refused, naming it and the stations input */
    char want[600];
    snprintf(want, sizeof want, "no station has id 'nowhere' in '%s'", o.stations);
    cr_assert_eq(isr_model_run_hub(m, "nowhere", 0, &v, &w, &h, gt), ISR_ERR_INPUT);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    cr_assert_null(v);

    /* a model let go of after its last search (isr_run does so before its region products,
     * freeing the clearance map) refuses another rather than run the r.cost kernel unasked */
    isr_model_searched(m);
    cr_assert_null(m->clear);
    cr_assert_eq(isr_model_run_hub(m, "nanjing_south", 0, &v, &w, &h, gt), ISR_ERR_INTERNAL);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "the model was searched for the last time");
    cr_assert_null(v);
    /* and its friction, once the region products have read it: still refused */
    cr_assert_not_null(m->fric_code);
    isr_model_fric_done(m);
    cr_assert(!m->fric && !m->fric_code);
    cr_assert_eq(isr_model_run_hub(m, "nanjing_south", 0, &v, &w, &h, gt), ISR_ERR_INTERNAL);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "the model was searched for the last time");

    isr_free(g60);
    isr_free(g30);
    isr_model_close(m);
    isr_model_close(NULL);
    isr_options_clear(&o);
    isr_ctx_free(ctx);
}

/* The memory estimate per region cell (checked against --max-memory) is what the engine
 * holds: friction, zones, clearance, water and the region accumulators, 16 bytes (people
 * from the units' field are a rule, not an array), whatever the number of worker threads
 * (their time grids follow each hub's window, not the region). */
Test(model, memory_per_cell_not_per_thread, .timeout = 600)
{
    isr_ctx *ctx = isr_ctx_new();
    double bpc[2];
    const char *threads[2] = {"1", "4"};
    for (int k = 0; k < 2; k++) {
        char out[300];
        snprintf(out, sizeof out, "%s/mem%d", cli_tmp, k);
        char *argv[] = {"run", "--no-maps", "--resolution", "4000", "--out", out, "--hubs",
                        "shanghai_hongqiao,hangzhou_east,nanjing_south,shanghai",
                        "--threads", (char *)threads[k]};
        isr_options o;
        isr_options_init(&o);
        cr_assert_eq(isr_options_parse(ctx, &o, 10, argv), ISR_OK, "%s", isr_ctx_errmsg(ctx));
        isr_model *m = NULL;
        cr_assert_eq(isr_model_open(ctx, &o, &m), ISR_OK, "%s", isr_ctx_errmsg(ctx));
        cr_assert_eq(m->threads, k == 0 ? 1 : 4);
        bpc[k] = m->bytes_per_cell;
        isr_model_close(m);
        isr_options_clear(&o);
    }
    /* friction 1 (coded: the sample has no --friction raster) + zones 2 (the sample's 306
     * units: 16 bits) + accumulators 8 + the clearance map 1 + the sample's water mask 1 */
    cr_assert_eq(bpc[0], 13.0, "estimate %.1f bytes per cell with 1 thread", bpc[0]);
    cr_assert_eq(bpc[1], bpc[0], "estimate %.1f bytes per cell with 4 threads, %.1f with 1",
                 bpc[1], bpc[0]);
    isr_ctx_free(ctx);
}

/* Opens a model of `argv` (argc of them), `threads` given. */
static isr_model *open_with(isr_ctx *ctx, isr_options *o, int argc, char **argv)
{
    isr_options_init(o);
    cr_assert_eq(isr_options_parse(ctx, o, argc, argv), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    isr_model *m = NULL;
    cr_assert_eq(isr_model_open(ctx, o, &m), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    return m;
}

static size_t count_of(const char *s, size_t len, const char *what)
{
    size_t n = 0, k = strlen(what);
    for (size_t i = 0; i + k <= len; i++)
        n += memcmp(s + i, what, k) == 0;
    return n;
}

/* Whether the feature of provinces.geojson (`json`, len bytes) whose prov_code is `code`
 * holds the point lon, lat. */
static int province_holds(const char *json, size_t len, const char *code, double lon, double lat)
{
    const char *path = "/vsimem/test_model_provinces.geojson";
    VSILFILE *f = VSIFileFromMemBuffer(path, (GByte *)json, len, FALSE);
    cr_assert_not_null(f);
    VSIFCloseL(f);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    cr_assert_not_null(ds);
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
    OGR_G_SetPoint_2D(pt, 0, lon, lat);
    int holds = -1;
    OGRFeatureH ft;
    while ((ft = OGR_L_GetNextFeature(l)) != NULL) {
        if (strcmp(OGR_F_GetFieldAsString(ft, OGR_F_GetFieldIndex(ft, "prov_code")), code) == 0)
            holds = OGR_G_Contains(OGR_F_GetGeometryRef(ft), pt);
        OGR_F_Destroy(ft);
    }
    OGR_G_DestroyGeometry(pt);
    GDALClose(ds);
    VSIUnlink(path);
    return holds;
}

/* Region 2's inputs and their fields (tests/region2: German names), as flags. */
#define R2 ISR_REGION2_DIR
#define REGION2_FIELDS                                                                            \
    "--boundaries", R2 "/grenzen.gpkg", "--boundaries-layer", "bezirke", "--unit-id",             \
        "bezirk_id", "--unit-name", "bezirk", "--pref-field", "region_id", "--pref-name",         \
        "region", "--prov-field", "land_id", "--prov-name", "land", "--pop-field", "einwohner",   \
        "--stations", R2 "/bahnhoefe.geojson", "--station-id", "station_code",                    \
        "--station-name", "station_label", "--hub-field", "is_hub", "--lines",                    \
        R2 "/strecken.gpkg", "--line-name", "line_label", "--line-speed", "vmax_kmh",             \
        "--line-headway", "takt_min", "--line-headway-back", "takt_rueck", "--line-minutes",      \
        "fahrzeit", "--line-stops", "halte"

/* The model's build in parts (model.c: each province dissolved on its own and the units'
 * geometry text in slices, taken by two threads from a queue): provinces.geojson and the
 * geometry text are byte for byte those of one thread and of the functions that make them
 * whole, on region 2 (3 lands, 24 districts: one slice) and on the sample (4 provinces, 306
 * units: 9 slices). */
Test(model, build_in_parts_same_bytes, .timeout = 300)
{
    isr_ctx *ctx = isr_ctx_new();
    char out[300];
    snprintf(out, sizeof out, "%s/parts", cli_tmp);
    char *region2[] = {"run", "--no-maps", "--out", out, "--resolution", "2000", "--threads", "1",
                       REGION2_FIELDS};
    char *sample[] = {"run", "--no-maps", "--out", out, "--resolution", "4000", "--threads", "1"};
    /* a city in each province: Vienna, Bratislava, Brno; Shanghai, Nanjing, Hangzhou, Hefei */
    struct city {
        const char *code;
        double lon, lat;
    };
    static const struct city cities2[] = {
        {"AT", 16.37, 48.21}, {"SK", 17.11, 48.15}, {"CZ", 16.61, 49.19}};
    static const struct city cities[] = {{"310000", 121.47, 31.23}, {"320000", 118.78, 32.06},
                                         {"330000", 120.16, 30.27}, {"340000", 117.23, 31.82}};
    struct {
        char **argv;
        int argc, units, provinces;
        const struct city *city;
    } regions[] = {{region2, (int)(sizeof region2 / sizeof *region2), 24, 3, cities2},
                   {sample, (int)(sizeof sample / sizeof *sample), 306, 4, cities}};
    for (int r = 0; r < 2; r++) {
        isr_options o1, o2;
        isr_model *one = open_with(ctx, &o1, regions[r].argc, regions[r].argv);
        regions[r].argv[7] = "2";
        isr_model *two = open_with(ctx, &o2, regions[r].argc, regions[r].argv);
        cr_assert_eq(two->threads, 2);
        cr_assert_eq(one->units.n, regions[r].units);
        /* provinces.geojson: one feature a province, the same bytes */
        cr_assert_eq(count_of(one->prov_json, one->prov_len, "\"type\": \"Feature\""),
                     (size_t)regions[r].provinces);
        for (int c = 0; c < regions[r].provinces; c++) /* each the dissolve of its own units */
            for (int d = 0; d < regions[r].provinces; d++)
                cr_assert_eq(province_holds(one->prov_json, one->prov_len,
                                            regions[r].city[c].code, regions[r].city[d].lon,
                                            regions[r].city[d].lat),
                             c == d, "province %s and the city of %s", regions[r].city[c].code,
                             regions[r].city[d].code);
        cr_assert_eq(two->prov_len, one->prov_len);
        cr_assert(memcmp(two->prov_json, one->prov_json, one->prov_len) == 0);
        char *whole = NULL;
        size_t len = 0;
        cr_assert_eq(isr_provinces_geojson(ctx, &one->units, one->wkt, &whole, &len), ISR_OK);
        cr_assert(len == one->prov_len && memcmp(whole, one->prov_json, len) == 0);
        free(whole);
        /* the geometry text: a line a unit, the same bytes */
        cr_assert_not_null(one->units_geom);
        cr_assert_eq(count_of(one->units_geom, one->units_geom_len, "\n"),
                     (size_t)regions[r].units);
        cr_assert_eq(count_of(one->units_geom, one->units_geom_len, "\"coordinates\""),
                     (size_t)regions[r].units);
        cr_assert_eq(two->units_geom_len, one->units_geom_len);
        cr_assert(memcmp(two->units_geom, one->units_geom, one->units_geom_len) == 0);
        cr_assert_eq(isr_units_geometry_json(ctx, &one->units, one->wkt, 0, one->units.n,
                                             &whole, &len),
                     ISR_OK);
        cr_assert(len == one->units_geom_len && memcmp(whole, one->units_geom, len) == 0);
        free(whole);
        isr_model_close(one);
        isr_model_close(two);
        isr_options_clear(&o1);
        isr_options_clear(&o2);
    }
    isr_ctx_free(ctx);
}

/* Bytes of the clearance map that are not zero: a run of the map outside the window of a
 * one-pass model is all zeros (costdist.h), any run of a whole map has its first byte. */
static size_t clear_nonzero(const isr_model *m)
{
    size_t n = ISR_CLEAR_BYTES(isr_grid_pcells(&m->grid)), k = 0;
    for (size_t i = 0; i < n; i++)
        k += m->clear[i] != 0;
    return k;
}

/* A model loaded for one pass of isr_run (isr_model.one_pass: a run of a few hubs) builds its
 * clearance map only in its hubs' windows; the travel times are those of the whole map, cell
 * for cell, for its hubs with the run's budget and with one far longer, which leaves the
 * window (the clearance 1 outside it is exact, only slower). On region 2 (Vienna, at 1 km)
 * and the sample (Shanghai Hongqiao, at 1 km). */
Test(model, one_pass_clearance_covers_its_hubs_windows_with_the_same_times, .timeout = 300)
{
    isr_ctx *ctx = isr_ctx_new();
    char out[300];
    snprintf(out, sizeof out, "%s/onepass", cli_tmp);
    char *region2[] = {"run", "--no-maps", "--out", out, "--resolution", "1000", "--hubs",
                       "wien_hbf", REGION2_FIELDS};
    char *sample[] = {"run", "--no-maps", "--out", out, "--resolution", "1000",
                      "--hubs", "shanghai_hongqiao"};
    struct {
        char **argv;
        int argc;
    } regions[] = {{region2, (int)(sizeof region2 / sizeof *region2)},
                   {sample, (int)(sizeof sample / sizeof *sample)}};
    for (int r = 0; r < 2; r++) {
        isr_options o;
        isr_model *whole = open_with(ctx, &o, regions[r].argc, regions[r].argv);
        isr_model part;
        memset(&part, 0, sizeof part);
        part.one_pass = 1;
        cr_assert_eq(isr_model_check(ctx, &o, &part), ISR_OK, "%s", isr_ctx_errmsg(ctx));
        cr_assert_eq(isr_model_load(ctx, &o, &part), ISR_OK, "%s", isr_ctx_errmsg(ctx));
        size_t runs = (isr_grid_pcells(&part.grid) + ISR_CLEAR_RUN - 1) / ISR_CLEAR_RUN;
        size_t nw = clear_nonzero(whole), np = clear_nonzero(&part);
        cr_log_info("%s: clearance map %zu runs, non-zero bytes %zu (whole) and %zu (one pass)",
                    regions[r].argv[7], runs, nw, np);
        cr_assert_geq(nw, runs);
        cr_assert(np > 0 && np < nw / 2, "one pass: %zu non-zero bytes, the whole map %zu", np, nw);
        const char *hub = regions[r].argv[7];
        for (int k = 0; k < 2; k++) {
            double budget = k ? 240.0 : 0.0; /* the run's (60 min), then beyond the window */
            float *a = NULL, *b = NULL;
            int wa, ha, wb, hb;
            double ga[6], gb[6];
            cr_assert_eq(isr_model_run_hub(whole, hub, budget, &a, &wa, &ha, ga), ISR_OK, "%s",
                         isr_ctx_errmsg(ctx));
            cr_assert_eq(isr_model_run_hub(&part, hub, budget, &b, &wb, &hb, gb), ISR_OK, "%s",
                         isr_ctx_errmsg(ctx));
            cr_assert(wa == wb && ha == hb && memcmp(ga, gb, sizeof ga) == 0);
            size_t reached = 0;
            for (size_t i = 0; i < (size_t)wa * (size_t)ha; i++)
                reached += a[i] >= 0;
            cr_assert_gt(reached, k ? 5000u : 500u, "%s: %zu cells reached", hub, reached);
            cr_assert(memcmp(a, b, (size_t)wa * (size_t)ha * sizeof *a) == 0,
                      "%s, budget %g: the times differ", hub, budget);
            isr_free(a);
            isr_free(b);
        }
        isr_model_clear(&part);
        isr_model_close(whole);
        isr_options_clear(&o);
    }
    isr_ctx_free(ctx);
}

/* A GTFS model asked for one hub with a shorter budget cuts its surface exactly (a
 * percentile is within B when it is at most B), and refuses a longer one (its catchments
 * reach only the model's budget). */
Test(model, gtfs_hub_with_another_budget, .timeout = 300)
{
    isr_ctx *ctx = isr_ctx_new();
    char out[300];
    snprintf(out, sizeof out, "%s/g", cli_tmp);
    char *argv[] = {"run", "--no-maps", "--resolution", "4000", "--out", out, "--hubs",
                    "shanghai_hongqiao", "--gtfs", ISR_SAMPLE_DIR "/yrd_gtfs.zip", "--date",
                    "2026-03-18", "--window", "07:00-08:00"};
    isr_options o;
    isr_options_init(&o);
    cr_assert_eq(isr_options_parse(ctx, &o, 14, argv), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    isr_model *m = NULL;
    cr_assert_eq(isr_model_open(ctx, &o, &m), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    float *g60, *g30;
    int w60, h60, w30, h30;
    double gt60[6], gt30[6];
    cr_assert_eq(isr_model_run_hub(m, "shanghai_hongqiao", 0, &g60, &w60, &h60, gt60), ISR_OK,
                 "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(isr_model_run_hub(m, "shanghai_hongqiao", 30, &g30, &w30, &h30, gt30), ISR_OK,
                 "%s", isr_ctx_errmsg(ctx));
    size_t n60 = 0, n30 = 0;
    for (int r = 0; r < h60; r++)
        for (int c = 0; c < w60; c++) {
            float a = g60[(size_t)r * (size_t)w60 + (size_t)c];
            n60 += a != (float)ISR_TIME_NODATA && a <= 30.0f;
        }
    int dc = (int)lround((gt30[0] - gt60[0]) / 4000.0), dr = (int)lround((gt60[3] - gt30[3]) / 4000.0);
    for (int r = 0; r < h30; r++)
        for (int c = 0; c < w30; c++) {
            float a = g30[(size_t)r * (size_t)w30 + (size_t)c];
            if (a == (float)ISR_TIME_NODATA)
                continue;
            cr_assert_leq(a, 30.0f);
            cr_assert_eq(a, g60[(size_t)(r + dr) * (size_t)w60 + (size_t)(c + dc)]);
            n30++;
        }
    cr_assert_eq(n30, n60, "cells within 30 min: %zu asked with 30, %zu with 60", n30, n60);
    cr_assert_gt(n30, 5);
    float *g90;
    int w90, h90;
    double gt90[6];
    cr_assert_eq(isr_model_run_hub(m, "shanghai_hongqiao", 90, &g90, &w90, &h90, gt90),
                 ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "budget 90 min: a GTFS model's catchments reach 60 "
                                          "min; open the model with --budget 90 or more");
    isr_free(g60);
    isr_free(g30);
    isr_model_close(m);
    isr_options_clear(&o);
    isr_ctx_free(ctx);
}

/* A lines file written over while the run reads the inputs (between the boundaries and the
 * network): the run's results were of neither version, exit 0 (a new-user pass: Hangzhou
 * East 6,286,901 people where the old file gives 7,081,255 and the new one 4,918,146). Now
 * refused naming the file; the same run with the file left alone succeeds. */
typedef struct overwrite_job {
    const char *lines;
    int done;
} overwrite_job;

static void overwrite_on_load(void *user, const char *stage, size_t done, size_t total)
{
    overwrite_job *j = user;
    (void)total;
    if (!j->done && strcmp(stage, "loading") == 0 && done == 1) {
        char cmd[1000]; /* the same features, written again: a new file under the same name */
        snprintf(cmd, sizeof cmd, "ogr2ogr -lco ENCODING=UTF-8 -overwrite '%s' '%s'",
                 j->lines, ISR_SAMPLE_DIR "/yrd_rail_lines.shp");
        cr_assert_eq(system(cmd), 0);
        j->done = 1;
    }
}

Test(model, an_input_written_over_while_read_is_refused, .timeout = 120)
{
    char lines[300], out[300], cmd[800];
    snprintf(lines, sizeof lines, "%s/lines.shp", cli_tmp);
    snprintf(out, sizeof out, "%s/o", cli_tmp);
    snprintf(cmd, sizeof cmd, "ogr2ogr -lco ENCODING=UTF-8 '%s' '%s'", lines,
             ISR_SAMPLE_DIR "/yrd_rail_lines.shp");
    cr_assert_eq(system(cmd), 0);
    for (int over = 0; over < 2; over++) {
        isr_ctx *ctx = isr_ctx_new();
        overwrite_job j = {lines, 0};
        if (over)
            isr_ctx_set_progress(ctx, overwrite_on_load, &j);
        char *argv[] = {"run",   "--no-maps", "--resolution", "8000", "--out", out, "--hubs",
                        "hangzhou_east", "--lines", lines, "--overwrite"};
        isr_options o;
        isr_options_init(&o);
        cr_assert_eq(isr_options_parse(ctx, &o, 11, argv), ISR_OK, "%s", isr_ctx_errmsg(ctx));
        isr_status st = isr_run(ctx, &o);
        if (!over) {
            cr_assert_eq(st, ISR_OK, "%s", isr_ctx_errmsg(ctx));
        } else {
            char want[600];
            snprintf(want, sizeof want,
                     "input '%s' changed while the run read it (written over, or saved "
                     "again): its results would be of neither version; run again once it "
                     "stays as it is",
                     lines);
            cr_assert_eq(j.done, 1);
            cr_assert_eq(st, ISR_ERR_INPUT, "%s", isr_ctx_errmsg(ctx));
            cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
        }
        isr_options_clear(&o);
        isr_ctx_free(ctx);
    }
}

/* A model is built for its options and its inputs as they were when it was opened. Options
 * set on it afterwards were partly read (the budget), partly not (the speed, the grid) and
 * recorded as if they were; an input written over afterwards was copied into the outputs,
 * which were fingerprinted as the new one's, so a later run reused them (a new-user pass).
 * Both are refused now, and the model answers again once they are as they were. */
Test(model, options_or_inputs_changed_after_opening_are_refused, .timeout = 120)
{
    isr_ctx *ctx = isr_ctx_new();
    cr_assert_eq(cli_sh("cp %s/yrd_rail_lines.* '%s/'", ISR_SAMPLE_DIR, cli_tmp), 0);
    char lines[300], out[300];
    snprintf(lines, sizeof lines, "%s/yrd_rail_lines.shp", cli_tmp);
    snprintf(out, sizeof out, "%s/changed", cli_tmp);
    char *argv[] = {"run", "--no-maps", "--resolution", "8000", "--lines", lines, "--hubs",
                    "shanghai_hongqiao", NULL};
    isr_options *o = isr_options_new(ctx, 8, argv);
    cr_assert_not_null(o, "%s", isr_ctx_errmsg(ctx));
    isr_model *m = NULL;
    cr_assert_eq(isr_model_open(ctx, o, &m), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    float *g = NULL;
    int w, h;
    double gt[6];
    cr_assert_eq(isr_options_set(ctx, o, "egress-speed", "5"), ISR_OK);
    cr_assert_eq(isr_model_run_hub(m, "shanghai_hongqiao", 0, &g, &w, &h, gt), ISR_ERR_USAGE);
    cr_assert(strstr(isr_ctx_errmsg(ctx), "the model's options were changed after it was "
                                          "opened"),
              "%s", isr_ctx_errmsg(ctx));
    cr_assert_null(g);
    cr_assert_eq(isr_model_run_hubs(m, NULL, out), ISR_ERR_USAGE);
    cr_assert_eq(isr_options_set(ctx, o, "egress-speed", "20"), ISR_OK); /* as it was */
    cr_assert_eq(isr_model_run_hub(m, "shanghai_hongqiao", 0, &g, &w, &h, gt), ISR_OK, "%s",
                 isr_ctx_errmsg(ctx));
    isr_free(g);
    /* the lines written over (the same file, one feature fewer): nothing written */
    cr_assert_eq(cli_sh("cd '%s' && ogr2ogr -q less.shp yrd_rail_lines.shp -where \"id <> "
                        "'jinshan_rly'\" && for x in shp shx dbf; do cp less.$x "
                        "yrd_rail_lines.$x; done",
                        cli_tmp),
                 0);
    cr_assert_eq(isr_model_run_hubs(m, NULL, out), ISR_ERR_INPUT);
    char want[600];
    snprintf(want, sizeof want, "input '%s' changed since the model was opened (written over, "
             "moved or deleted)", lines);
    cr_assert(strstr(isr_ctx_errmsg(ctx), want), "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(cli_sh("test -e '%s'", out), 1, "the refused call wrote '%s'", out);
    /* an answer in memory reads no file: still the model's */
    cr_assert_eq(isr_model_run_hub(m, "shanghai_hongqiao", 0, &g, &w, &h, gt), ISR_OK, "%s",
                 isr_ctx_errmsg(ctx));
    isr_free(g);
    isr_model_close(m);
    isr_options_free(o);
    isr_ctx_free(ctx);
}
