/*
 * maps.c — maps for publication, drawn from a finished run (isr_publish's ISR_PUBLISH_MAPS:
 * `isoreach map`, and `isoreach run` unless --no-maps): one page per hub (map_hub.c), three
 * region overviews (not for a single hub, whose map they would repeat) and a contact sheet
 * (map_region.c), on the canvas of map_canvas.c with the shared layers of map_layers.c.
 * Loading (GDAL, PROJ, GEOS: map_data.c) is done first; every page is then drawn by worker
 * threads (--threads), a hub's page in four parts (PDF, PNG and SVG, square, chart) that can
 * run side by side; they use cairo and pango (a font map each), read the loaded data and,
 * for the overviews, a region raster each. Every file is written under a temporary name and
 * renamed; the scenarios' difference maps (map_diff.c) are drawn last, on the calling
 * thread, and then the contact sheet's PNG, which marks the maps as drawn, takes its name:
 * the pool drew it under a temporary one, beside the other pages.
 */
#include "map_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- all maps -------------------------------------------------------------------------------- */

/* The pages as jobs, the longest first: the region overviews (not with a single hub: they
 * would repeat its map), each hub's parts (isr_map_hub_write), then the contact sheet's SVG
 * and PNG (the PNG, the mark of maps drawn, under a temporary name that it takes when
 * everything else is done). */
enum { JOB_TIME, JOB_COUNT, JOB_NEAREST, JOB_OVERVIEWS };

typedef struct map_job {
    isr_ctx *ctx;
    const isr_options *opt;
    const isr_map_base *b;
    isr_map_hub *hubs;
    int n; /* hubs */
    int noverviews; /* JOB_OVERVIEWS, or 0 with a single hub */
    char *sheet_svg, *sheet_png; /* the PNG's temporary name */
    int loading; /* the first pass: each job loads one hub's bands and rail times */
    void *fonts[ISR_PARALLEL_MAX]; /* each worker's, made and let go of on its thread */
    atomic_int done, failed;
} map_job;

static int map_jobs(const map_job *j)
{
    return j->noverviews + j->n * ISR_MAP_HUB_PARTS + 2;
}

static isr_status map_page(map_job *j, void *fonts, int i)
{
    const char *out = j->opt->out;
    static const int kinds[JOB_OVERVIEWS] = {ISR_MAP_TIME, ISR_MAP_COUNT, ISR_MAP_NEAREST};
    if (i < j->noverviews)
        return isr_map_overview_write(j->ctx, fonts, j->b, &j->hubs[0], out, kinds[i]);
    int k = i - j->noverviews;
    if (k < j->n * ISR_MAP_HUB_PARTS)
        return isr_map_hub_write(j->ctx, fonts, j->b, &j->hubs[k / ISR_MAP_HUB_PARTS], out,
                                 k % ISR_MAP_HUB_PARTS);
    if (k == j->n * ISR_MAP_HUB_PARTS)
        return isr_map_sheet_write(j->ctx, fonts, j->b, j->hubs, j->n, NULL, j->sheet_svg);
    return isr_map_sheet_write(j->ctx, fonts, j->b, j->hubs, j->n, j->sheet_png, NULL);
}

/* Loads hub i (GDAL and its own coordinate transformation: no state shared with others). */
static isr_status map_load(map_job *j, int i)
{
    return isr_map_hub_load(j->ctx, j->b, j->opt->out, i, &j->hubs[i]);
}

/* A worker's start and end (isr_parallel_with): GDAL's error handlers, which are per thread,
 * and for the pages its fonts. */
static void map_worker_begin(void *user, int worker)
{
    map_job *j = user;
    isr_gdal_errors_push(j->ctx);
    if (!j->loading && !(j->fonts[worker] = isr_map_fonts_new())) {
        isr_fail(j->ctx, ISR_ERR_MEMORY, "out of memory for the fonts");
        atomic_store(&j->failed, (int)ISR_ERR_MEMORY);
    }
}

static void map_worker_end(void *user, int worker)
{
    map_job *j = user;
    isr_map_fonts_free(j->fonts[worker]);
    j->fonts[worker] = NULL;
    isr_gdal_errors_pop();
}

/* Job i: a hub loaded (the first pass), or a page drawn. After a failure or a cancel the jobs
 * not begun are skipped; a page once begun is finished: whole files only. */
static void map_one(void *user, int i, int worker)
{
    map_job *j = user;
    if (atomic_load(&j->failed) || isr_cancelled(j->ctx))
        return;
    isr_status st = j->loading ? map_load(j, i) : map_page(j, j->fonts[worker], i);
    if (st != ISR_OK) {
        atomic_store(&j->failed, (int)st);
    } else if (!j->loading) {
        int done = atomic_fetch_add(&j->done, 1) + 1;
        isr_progress(j->ctx, "maps", (size_t)done, (size_t)map_jobs(j));
    }
}

/* The scenarios' difference maps (map_diff.c), one per scenario and changed hub, on the
 * calling thread: few pages, drawn after the others and before the contact sheet's PNG. */
static isr_status scen_maps(isr_ctx *ctx, void *fonts, const isr_map_base *b,
                            const isr_map_hub *hubs, const char *out)
{
    isr_pub_scens sc;
    isr_status st = isr_pub_scenarios_read(ctx, out, &sc);
    for (int i = 0; i < sc.n && st == ISR_OK; i++)
        for (int k = 0; k < sc.s[i].nchanged && st == ISR_OK; k++) {
            int h = 0;
            while (h < b->nhubs && strcmp(b->st[b->hubs[h]].id, sc.s[i].changed[k]) != 0)
                h++;
            if (h == b->nhubs) /* not a hub of the maps' run: nothing to frame it on */
                continue;
            if (isr_cancelled(ctx))
                st = ISR_ERR_INTERRUPTED;
            else
                st = isr_map_diff_write(ctx, fonts, b, &hubs[h], out, sc.s[i].name);
        }
    isr_pub_scenarios_clear(&sc);
    return st;
}

/* A single hub's run draws no region overviews: the files of those an earlier run drew in
 * the folder stay as they were, and are named. */
static void stale_overviews(isr_ctx *ctx, const char *out)
{
    static const char *const names[] = {"nearest_hub_time", "hubs_within", "nearest_hub"};
    static const char *const ext[] = {"png", "svg", "pdf", "pgw"};
    isr_sb found = {0};
    int n = 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        for (size_t k = 0; k < sizeof ext / sizeof *ext; k++) {
            char *f = isr_strdup_printf("%s/region/map_%s.%s", out, names[i], ext[k]);
            if (f && isr_file_exists(f))
                isr_sb_printf(&found, "%s'%s'", n++ ? ", " : "", f);
            free(f);
        }
    if (n)
        isr_log(ctx, ISR_LOG_WARN,
                "%s %s drawn by an earlier run: a run of a single hub draws no region "
                "overviews, which would repeat its map; delete %s",
                found.s, n > 1 ? "were" : "was", n > 1 ? "them" : "it");
    free(isr_sb_take(&found));
}

isr_status isr_maps_write(isr_ctx *ctx, const isr_options *opt)
{
    isr_map_base b;
    isr_status st = isr_map_base_load(ctx, opt, &b);
    if (st != ISR_OK)
        return st;
    isr_map_hub *hubs = calloc((size_t)b.nhubs, sizeof *hubs);
    map_job j = {.ctx = ctx, .opt = opt, .b = &b, .hubs = hubs, .n = b.nhubs,
                 .noverviews = b.nhubs == 1 ? 0 : JOB_OVERVIEWS};
    void *fonts = NULL; /* the calling thread's, for the scenarios' maps */
    char *sheet = isr_strdup_printf("%s/region/contact_sheet.png", opt->out);
    j.sheet_svg = isr_strdup_printf("%s/region/contact_sheet.svg", opt->out);
    j.sheet_png = sheet ? isr_tmp_name(sheet) : NULL;
    if (!hubs || !sheet || !j.sheet_svg || !j.sheet_png) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    int threads = isr_options_threads(opt);
    /* the hubs' bands, in parallel; then their maps' north (the base's transformation is
     * not shared between threads) */
    j.loading = 1;
    isr_parallel_with(threads, b.nhubs, map_one, &j, map_worker_begin, map_worker_end);
    if ((st = (isr_status)atomic_load(&j.failed)) != ISR_OK)
        goto cleanup;
    for (int i = 0; i < b.nhubs; i++) {
        double w[4];
        isr_map_hub_frame(&b, &hubs[i], w);
        hubs[i].north = isr_map_north_angle(&b, w);
    }
    if (!isr_cancelled(ctx)) {
        isr_progress(ctx, "maps", 0, (size_t)map_jobs(&j));
        isr_map_fonts_init();
        j.loading = 0;
        isr_parallel_with(threads, map_jobs(&j), map_one, &j, map_worker_begin, map_worker_end);
    }
    if ((st = (isr_status)atomic_load(&j.failed)) != ISR_OK)
        goto cleanup;
    if (isr_cancelled(ctx)) {
        char q[ISR_SHQ_MAX];
        st = isr_fail(ctx, ISR_ERR_INTERRUPTED,
                      "interrupted while drawing the maps; the other outputs are complete: "
                      "draw the maps with isoreach map --out %s",
                      isr_shq(opt->out, q, sizeof q));
        goto cleanup;
    }
    if (!(fonts = isr_map_fonts_new())) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the fonts");
        goto cleanup;
    }
    if ((st = scen_maps(ctx, fonts, &b, hubs, opt->out)) != ISR_OK)
        goto cleanup;
    if (b.nhubs == 1)
        stale_overviews(ctx, opt->out);
    /* the sheet's PNG marks maps drawn (publish.c): named when every other page is written */
    if ((st = isr_commit_file(ctx, j.sheet_png, sheet)) != ISR_OK)
        goto cleanup;
    isr_progress(ctx, "maps", (size_t)map_jobs(&j), (size_t)map_jobs(&j));
cleanup:
    if (st != ISR_OK && j.sheet_png)
        remove(j.sheet_png); /* drawn, but not every other page: not the mark */
    isr_map_fonts_free(fonts);
    free(j.sheet_svg);
    free(j.sheet_png);
    free(sheet);
    for (int i = 0; hubs && i < b.nhubs; i++)
        isr_map_hub_clear(&hubs[i]); /* a hub not loaded, or failed, is all zero */
    free(hubs);
    isr_map_base_clear(&b);
    return st;
}
