/*
 * scenario_run.c — each scenario compared with the baseline (issue 15), after the baseline
 * pass: per hub, the rail search on the scenario's network; when it seeds the grid exactly
 * as the baseline's did (the same stations reached within the budget at the same times, no
 * added station reached), the hub's surface is the baseline's: no grid search runs and its
 * differences are empty (listed as reused). Otherwise the scenario's surface is searched
 * (batch.c's isr_batch_net_grid) and compared cell by cell with the baseline's raster
 * (OUT/hubs/<hub>/travel_time.tif): scenario_out.c writes the hub's products and the
 * region tables (gains_by_hub.csv, gains_matrix.csv, scenario.json).
 *
 * Hubs run in parallel on the model's worker count (each with its own search memory and
 * GEOS context); per-hub results go to their own slots, so nothing is shared but the
 * counter. Cost per reused hub: two rail searches (well under a millisecond) and a read of
 * its baseline raster, whose people are its people reached in both.
 *
 * GTFS mode: a hub is reused when its range search over the window arrives at every feed
 * station at the same second in every departure minute under the scenario as in the
 * baseline, and at no added station (scenario_gtfs.c): the percentile surfaces are then the
 * same cell by cell. Otherwise the scenario's percentile surface (same window, same
 * percentile, its own timetable and catchments) is compared as above.
 */
#include "scenario_cmp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether the scenario seeds the grid as the baseline does: every base station reached
 * within the budget in both at the same time, or in neither; no added station reached. */
static int same_seeds(const isr_grid *g, const isr_rail_net *net, const double *ab,
                      const double *as, int nbase, int nscen, double budget_s)
{
    for (int s = 0; s < nscen; s++) {
        double x, y;
        int c, r;
        isr_rail_station_xy(net, s, &x, &y);
        if (!isr_grid_cell_of(g, x, y, &c, &r))
            continue; /* seeds nothing either way */
        int rb = s < nbase && ab[s] <= budget_s, rs = as[s] <= budget_s;
        if (rb != rs || (rb && ab[s] != as[s]))
            return 0;
    }
    return 1;
}

/* The baseline's raster of a hub as minutes on its window of the grid: win = c0, r0, w, h. */
static isr_status read_base(isr_ctx *ctx, const isr_grid *g, const char *path, float **out,
                            int win[4])
{
    GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
    double gt[6];
    *out = NULL;
    if (!ds || GDALGetGeoTransform(ds, gt) != CE_None) {
        if (ds)
            GDALClose(ds);
        return isr_fail_gdal(ctx, ISR_ERR_IO, "cannot read the baseline's raster '%s'", path);
    }
    int w = GDALGetRasterXSize(ds), h = GDALGetRasterYSize(ds);
    win[0] = (int)lround((gt[0] - g->x0) / g->cell_m);
    win[1] = (int)lround((g->y0 - gt[3]) / g->cell_m);
    win[2] = w;
    win[3] = h;
    *out = malloc((size_t)w * (size_t)h * sizeof **out);
    isr_status st = ISR_OK;
    if (!*out)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading '%s'", path);
    else if (GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, w, h, *out, w, h,
                          GDT_Float32, 0, 0) != CE_None)
        st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot read the baseline's raster '%s'", path);
    GDALClose(ds);
    return st;
}

/* Both surfaces on the union of their windows (c0, r0, w, h each): cmp->base and cmp->scen
 * (minutes, nodata ISR_TIME_NODATA). */
static isr_status union_window(isr_ctx *ctx, const float *bm, const int bw[4], const float *sm,
                               const int sw[4], scen_cmp *cmp)
{
    int c0 = bw[0] < sw[0] ? bw[0] : sw[0], r0 = bw[1] < sw[1] ? bw[1] : sw[1];
    int c1 = bw[0] + bw[2] > sw[0] + sw[2] ? bw[0] + bw[2] : sw[0] + sw[2];
    int r1 = bw[1] + bw[3] > sw[1] + sw[3] ? bw[1] + bw[3] : sw[1] + sw[3];
    cmp->c0 = c0;
    cmp->r0 = r0;
    cmp->w = c1 - c0;
    cmp->h = r1 - r0;
    size_t n = (size_t)cmp->w * (size_t)cmp->h;
    cmp->base = malloc(n * sizeof *cmp->base);
    cmp->scen = malloc(n * sizeof *cmp->scen);
    if (!cmp->base || !cmp->scen)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory comparing a scenario");
    for (size_t i = 0; i < n; i++)
        cmp->base[i] = cmp->scen[i] = (float)ISR_TIME_NODATA;
    for (int k = 0; k < 2; k++) {
        const int *win = k ? sw : bw;
        const float *src = k ? sm : bm;
        float *dst = k ? cmp->scen : cmp->base;
        for (int r = 0; r < win[3]; r++)
            memcpy(dst + (size_t)(win[1] - r0 + r) * (size_t)cmp->w + (size_t)(win[0] - c0),
                   src + (size_t)r * (size_t)win[2], (size_t)win[2] * sizeof *src);
    }
    return ISR_OK;
}

/* A reused hub reaches whom it reached in the baseline: its people reached in both are its
 * baseline raster's, summed cell by cell as scenario_out.c sums a compared hub's. */
static isr_status reused_both(scen_pass *p, const char *path, scen_hub *res)
{
    const isr_grid *g = p->b->grid;
    const isr_zones *z = &p->m->zones;
    float *bm;
    int bw[4];
    isr_status st = read_base(p->ctx, g, path, &bm, bw);
    for (int r = 0; st == ISR_OK && r < bw[3]; r++)
        for (int c = 0; c < bw[2]; c++) {
            size_t u = (size_t)(bw[1] + r) * (size_t)g->nx + (size_t)(bw[0] + c);
            if (bm[(size_t)r * (size_t)bw[2] + (size_t)c] != (float)ISR_TIME_NODATA &&
                isr_zones_unit_at(z, u) >= 0)
                res->both_pop += isr_zones_pop_at(z, u);
        }
    free(bm);
    return st;
}

/* What a compared hub's folder DIR/hubs/<hub> holds (scenario_out.c, its styles and its
 * map, map_diff.c): removed when the hub is unchanged by the scenario, since an earlier run
 * that changed it left them there, and they would say it still gains. 1 when any was. */
static int clear_unchanged(const scen_pass *p, int h)
{
    static const char *const names[] = {"gains.csv", "gains.geojson", "gains.qml", "diff.tif",
                                        "diff.qml", "diff_status.qml", "travel_time.tif",
                                        "travel_time.qml", "map_diff.png", "map_diff.svg",
                                        "map_diff.pgw"};
    char *dir = isr_strdup_printf("%s/hubs/%s", p->dir, p->b->folders[h]);
    int n = 0;
    for (size_t i = 0; dir && i < sizeof names / sizeof *names; i++) {
        char *f = isr_strdup_printf("%s/%s", dir, names[i]);
        n += f && unlink(f) == 0;
        free(f);
    }
    if (dir)
        rmdir(dir); /* only when nothing else is there */
    free(dir);
    return n > 0;
}

/* One hub of one scenario: reused, or compared and its products written. */
static isr_status hub_run(scen_pass *p, int h)
{
    const isr_batch *b = p->b;
    isr_ctx *ctx = p->ctx;
    int s = b->hubs[h], nbase = isr_rail_net_nstations(b->net);
    int nscen = isr_rail_net_nstations(p->sc->net);
    double *ab = malloc((size_t)nbase * sizeof *ab), *as = malloc((size_t)nscen * sizeof *as);
    float *bm = NULL;
    scen_cmp cmp = {.hub = h};
    char *path = isr_strdup_printf("%s/%s/travel_time.tif", b->hubs_dir, b->folders[h]);
    isr_status st = ISR_OK;
    if (!ab || !as || !path)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    int same = 0;
    if (st == ISR_OK && b->gtfs) { /* GTFS mode: the arrival profiles (scenario_gtfs.c) */
        st = isr_scenario_gtfs_same(ctx, b->gtfs, p->sc, s, &same);
    } else if (st == ISR_OK && (st = isr_rail_search(ctx, b->net, &b->rp, s, ab)) == ISR_OK) {
        st = isr_rail_search(ctx, p->sc->net, &b->rp, s, as);
        same = st == ISR_OK && same_seeds(b->grid, p->sc->net, ab, as, nbase, nscen,
                                          b->opt->budget_min * 60.0);
    }
    if (st == ISR_OK && same) {
        p->res[h].reused = 1;
        st = reused_both(p, path, &p->res[h]);
        if (st == ISR_OK && clear_unchanged(p, h))
            atomic_fetch_add(&p->cleared, 1);
        goto cleanup;
    }
    int bw[4], *sw = cmp.scen_win;
    double gt[6];
    if (st == ISR_OK)
        st = isr_batch_gtfs_grid(ctx, p->m, p->sc->gtfs, p->sc->net, s, b->opt->budget_min,
                                 &cmp.scen_crop, &sw[2], &sw[3], gt);
    if (st == ISR_OK) {
        sw[0] = (int)lround((gt[0] - b->grid->x0) / b->grid->cell_m);
        sw[1] = (int)lround((b->grid->y0 - gt[3]) / b->grid->cell_m);
        st = read_base(ctx, b->grid, path, &bm, bw);
    }
    if (st == ISR_OK)
        st = union_window(ctx, bm, bw, cmp.scen_crop, sw, &cmp);
    if (st == ISR_OK)
        st = isr_scen_hub_write(p, &cmp);
cleanup:
    free(cmp.base);
    free(cmp.scen);
    free(cmp.scen_crop);
    free(bm);
    free(ab);
    free(as);
    free(path);
    return st;
}

/* Hub h of the scenario, on whichever thread isr_parallel gives it: none after a failure or
 * a cancel. */
static void hub_job(void *user, int h, int worker)
{
    (void)worker;
    scen_pass *p = user;
    if (atomic_load(&p->failed) || isr_cancelled(p->ctx))
        return;
    isr_gdal_errors_push(p->ctx);
    isr_status st = hub_run(p, h);
    isr_gdal_errors_pop();
    if (st != ISR_OK)
        atomic_store(&p->failed, (int)st);
}

/* One scenario: its hubs on `threads` threads, then its region tables. */
static isr_status scenario_pass(isr_ctx *ctx, const isr_model *m, const isr_batch *b,
                                isr_scenario *sc, int threads)
{
    scen_pass p = {.ctx = ctx, .m = m, .b = b, .sc = sc};
    double t0 = isr_now_s();
    int npref = m->zones.ngroups[ISR_PREFECTURE];
    p.dir = isr_strdup_printf("%s/scenarios/%s", b->opt->out, sc->name);
    p.res = calloc((size_t)b->nhubs, sizeof *p.res);
    p.matrix = calloc((size_t)b->nhubs * (size_t)(npref > 0 ? npref : 1), sizeof *p.matrix);
    isr_status st = ISR_OK;
    if (!p.dir || !p.res || !p.matrix)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK)
        st = isr_mkdirs_under(ctx, b->opt->out, p.dir);
    if (st == ISR_OK) {
        isr_parallel(threads, b->nhubs, hub_job, &p);
        st = (isr_status)atomic_load(&p.failed);
        if (st == ISR_OK && isr_cancelled(ctx))
            st = ISR_ERR_INTERRUPTED;
    }
    p.seconds = isr_now_s() - t0;
    int cleared = atomic_load(&p.cleared);
    if (st == ISR_OK && cleared)
        isr_log(ctx, ISR_LOG_INFO,
                "scenario '%s': removed the hub products an earlier run left in '%s/hubs' for "
                "%d hub%s the scenario no longer changes",
                sc->name, p.dir, cleared, cleared > 1 ? "s" : "");
    if (st == ISR_OK)
        st = isr_scen_region_write(&p);
    free(p.dir);
    free(p.res);
    free(p.matrix);
    return st;
}

isr_status isr_scenarios_run(isr_ctx *ctx, const isr_model *m, const isr_batch *b,
                             isr_scenario *sc, int nsc)
{
    int threads = m->threads < b->nhubs ? m->threads : b->nhubs;
    if (threads < 1)
        threads = 1;
    isr_status st = ISR_OK;
    for (int i = 0; i < nsc && st == ISR_OK; i++) {
        isr_progress(ctx, "scenarios", (size_t)i, (size_t)nsc);
        st = scenario_pass(ctx, m, b, &sc[i], threads);
    }
    if (st == ISR_OK)
        isr_progress(ctx, "scenarios", (size_t)nsc, (size_t)nsc);
    return st;
}
