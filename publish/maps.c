/*
 * maps.c — maps for publication, drawn from a finished run (isr_publish's ISR_PUBLISH_MAPS:
 * `isoreach map`, and `isoreach run` unless --no-maps): one page per hub (map_hub.c), two
 * region overviews and a contact sheet (map_region.c), each as PNG and SVG, on the canvas of
 * map_canvas.c with the shared layers of map_layers.c. Loading (GDAL, PROJ, GEOS:
 * map_data.c) is done once on the calling thread; the hub pages are then drawn by worker
 * threads that only use cairo and pango (a font map each) and read the loaded data; the
 * region pages follow on the calling thread. Every file is written under a temporary name
 * and renamed.
 */
#include "map_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <unistd.h>

/* ---- all maps -------------------------------------------------------------------------------- */

typedef struct map_job {
    isr_ctx *ctx;
    const isr_options *opt;
    const isr_map_base *b;
    const isr_map_hub *hubs;
    int n;
    atomic_int next, done, failed;
} map_job;

static int map_worker(void *arg)
{
    map_job *j = arg;
    void *fonts = isr_map_fonts_new();
    if (!fonts) {
        isr_fail(j->ctx, ISR_ERR_MEMORY, "out of memory for the fonts");
        atomic_store(&j->failed, (int)ISR_ERR_MEMORY);
    }
    while (fonts) {
        if (atomic_load(&j->failed) || isr_cancelled(j->ctx))
            break;
        int i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n)
            break;
        isr_status st = isr_map_hub_write(j->ctx, fonts, j->b, &j->hubs[i], j->opt->out);
        if (st != ISR_OK) {
            atomic_store(&j->failed, (int)st);
            break;
        }
        int done = atomic_fetch_add(&j->done, 1) + 1;
        isr_progress(j->ctx, "maps", (size_t)done, (size_t)j->n + 3);
    }
    isr_map_fonts_free(fonts);
    return 0;
}

isr_status isr_maps_write(isr_ctx *ctx, const isr_options *opt)
{
    isr_map_base b;
    isr_status st = isr_map_base_load(ctx, opt, &b);
    if (st != ISR_OK)
        return st;
    isr_map_hub *hubs = calloc((size_t)b.nhubs, sizeof *hubs);
    int loaded = 0;
    void *fonts = NULL; /* the calling thread's, for the region maps */
    if (!hubs) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    for (; loaded < b.nhubs && st == ISR_OK; loaded++) {
        st = isr_map_hub_load(ctx, &b, opt->out, loaded, &hubs[loaded]);
        if (st == ISR_OK) {
            double w[4];
            isr_map_hub_frame(&b, &hubs[loaded], w);
            hubs[loaded].north = isr_map_north_angle(&b, w);
        }
    }
    if (st != ISR_OK) {
        loaded--; /* the failed one cleared itself */
        goto cleanup;
    }
    isr_progress(ctx, "maps", 0, (size_t)b.nhubs + 3);
    isr_map_fonts_init();
    map_job j = {.ctx = ctx, .opt = opt, .b = &b, .hubs = hubs, .n = b.nhubs};
    int threads = opt->threads > 0 ? opt->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads > b.nhubs)
        threads = b.nhubs;
    if (threads > 64)
        threads = 64;
    thrd_t tids[64];
    int started = 0;
    for (int i = 0; i < threads - 1; i++, started++)
        if (thrd_create(&tids[i], map_worker, &j) != thrd_success)
            break;
    map_worker(&j); /* the calling thread works too */
    for (int i = 0; i < started; i++)
        thrd_join(tids[i], NULL);
    if ((st = (isr_status)atomic_load(&j.failed)) != ISR_OK)
        goto cleanup;
    if (isr_cancelled(ctx)) {
        st = isr_fail(ctx, ISR_ERR_INTERRUPTED,
                      "interrupted while drawing the maps; the other outputs are complete: "
                      "draw the maps with isoreach map --out '%s'",
                      opt->out);
        goto cleanup;
    }
    size_t done = (size_t)b.nhubs;
    if (!(fonts = isr_map_fonts_new())) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the fonts");
        goto cleanup;
    }
    if ((st = isr_map_overview_write(ctx, fonts, &b, &hubs[0], opt->out, ISR_MAP_TIME)) != ISR_OK)
        goto cleanup;
    isr_progress(ctx, "maps", ++done, (size_t)b.nhubs + 3);
    if ((st = isr_map_overview_write(ctx, fonts, &b, &hubs[0], opt->out, ISR_MAP_COUNT)) != ISR_OK)
        goto cleanup;
    isr_progress(ctx, "maps", ++done, (size_t)b.nhubs + 3);
    if ((st = isr_map_sheet_write(ctx, fonts, &b, hubs, b.nhubs, opt->out)) != ISR_OK)
        goto cleanup;
    isr_progress(ctx, "maps", ++done, (size_t)b.nhubs + 3);
cleanup:
    isr_map_fonts_free(fonts);
    for (int i = 0; i < loaded; i++)
        isr_map_hub_clear(&hubs[i]);
    free(hubs);
    isr_map_base_clear(&b);
    return st;
}
