/*
 * run.c — the main job: load, build the shared model, run every hub in parallel, write the
 * per-hub rasters and the region products.
 *
 * Shared inputs (grid, friction, rail network) are read-only once built. Each worker owns
 * its time array (the whole padded grid, +INF outside the cells its last search touched),
 * its heap and its GDAL datasets, and pulls hub numbers from an atomic counter. Region
 * accumulators (minimum time, nearest hub, hub count) are merged under one mutex from the
 * touched cells only; the merge is order-independent (ties go to the lower hub number), so
 * outputs are identical whatever the thread count. Per-hub rasters are cropped to the cells
 * reached, on the region grid's cell edges.
 */
#include "internal.h"
#include "map_internal.h"

#include <cpl_conv.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <unistd.h>


#define HUB_NODATA (-1)
#define COUNT_NODATA 65535

typedef struct hub_result {
    int station;
    int stations_reached; /* by rail within the budget, the hub included */
    size_t cells;
    double seconds;
    double search_seconds; /* rail search + cost-distance only, no output */
    int skipped; /* outputs existed with the same settings */
    int stale;   /* outputs existed but were recomputed (other settings, or incomplete) */
    isr_reach_totals_t tot;
    int own[ISR_NLEVELS]; /* the hub's own group at each level, or -1 */
} hub_result;

typedef struct job {
    isr_ctx *ctx;
    const isr_options *opt;
    const isr_grid *grid;
    const float *fric;
    const isr_rail_net *net;
    isr_rail_params rp;
    const int *hubs;
    int nhubs;
    const char *settings;
    char *hubs_dir;
    char **folders; /* per hub: its folder under hubs_dir (isr_hub_folder) */
    atomic_int next;
    atomic_int done;
    atomic_int failed; /* the isr_status of the first failing worker, or 0 */
    mtx_t merge_lock;
    float *best_t;      /* nx·ny, minutes, +INF where no hub reaches */
    int16_t *best_hub;  /* nx·ny, hub number or HUB_NODATA */
    uint16_t *count;    /* nx·ny */
    hub_result *results;
    int threads;
    const isr_zones *zones;
    const isr_units *units;
    double bands[ISR_MAX_BANDS];
    int nbands;
    size_t *hub_cells[ISR_NLEVELS]; /* nhubs × groups: cells reached, per hub */
    double *hub_pop[ISR_NLEVELS];   /* nhubs × groups: people reached, per hub */
    isr_crs_scale crs_scale;        /* the analysis CRS's distortion over the region */
    size_t fric_uncovered;          /* land cells beyond the friction raster */
    int *own_unit;                  /* per hub: its jurisdiction (unit) or -1 */
    double *own_dist_m;             /* per hub: 0 inside it, else the distance to it */
} job;

/* What one worker owns and reuses hub after hub. */
typedef struct worker_state {
    float *time_s;
    double *arr;
    isr_seed *seeds;
    isr_cd_work w;
    isr_geos geos;
    isr_reach reach;
    isr_band_poly bands[ISR_MAX_BANDS];
} worker_state;

/* ---- one hub ------------------------------------------------------------------------------ */

/* Reuses a hub raster written by an earlier run with the same settings; returns 0 (and
 * leaves the time array clean) when it cannot be used. */
static int load_existing(job *jb, const char *path, float *time_s, isr_cd_work *w)
{
    isr_ctx *quiet = isr_ctx_new(); /* a raster that does not fit is recomputed, not an error */
    int ok = quiet && isr_time_raster_read(quiet, path, jb->grid, jb->settings, time_s, w,
                                           NULL, NULL) == ISR_OK;
    isr_ctx_free(quiet);
    return ok;
}

/* Writes the cropped travel-time raster of one hub. */
static isr_status write_hub(job *jb, int hub_no, const char *path, const float *time_s,
                            const isr_cd_work *w)
{
    const isr_grid *g = jb->grid;
    const int pw = isr_grid_pw(g);
    int cmin = g->nx, cmax = -1, rmin = g->ny, rmax = -1;
    for (size_t i = 0; i < w->ntouched; i++) {
        int c = (int)(w->touched[i] % (uint32_t)pw) - ISR_PAD;
        int r = (int)(w->touched[i] / (uint32_t)pw) - ISR_PAD;
        if (c < cmin) cmin = c;
        if (c > cmax) cmax = c;
        if (r < rmin) rmin = r;
        if (r > rmax) rmax = r;
    }
    if (cmax < 0) { /* nothing reached: a 1-cell raster of nodata at the hub */
        double x, y;
        isr_rail_station_xy(jb->net, jb->hubs[hub_no], &x, &y);
        if (!isr_grid_cell_of(g, x, y, &cmin, &rmin))
            cmin = rmin = 0;
        cmax = cmin;
        rmax = rmin;
    }
    int ww = cmax - cmin + 1, hh = rmax - rmin + 1;
    float *out = malloc((size_t)ww * (size_t)hh * sizeof *out);
    if (!out)
        return isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path);
    for (int r = 0; r < hh; r++)
        for (int c = 0; c < ww; c++) {
            float t = time_s[isr_grid_pidx(g, cmin + c, rmin + r)];
            out[(size_t)r * (size_t)ww + (size_t)c] = isinf(t) ? (float)ISR_TIME_NODATA : t / 60.0f;
        }
    int s = jb->hubs[hub_no];
    double hx, hy;
    isr_rail_station_xy(jb->net, s, &hx, &hy);
    char budget[32];
    isr_snprintf(budget, sizeof budget, "%g", jb->opt->budget_min);
    char *meta[] = {
        isr_strdup_printf("HUB_ID=%s", isr_rail_station_id(jb->net, s)),
        isr_strdup_printf("HUB_NAME=%s", isr_rail_station_name(jb->net, s)),
        isr_strdup_printf("DIRECTION=%s", jb->opt->direction == ISR_TO_HUB ? "to" : "from"),
        isr_strdup_printf("BUDGET_MIN=%s", budget),
        isr_strdup_printf("HUB_X=%.3f", hx),
        isr_strdup_printf("HUB_Y=%.3f", hy),
        isr_strdup_printf("ISOREACH_SETTINGS=%s", jb->settings),
        isr_strdup_printf("ISOREACH_VERSION=%s", isr_version_full()),
        NULL};
    int n_meta = (int)(sizeof meta / sizeof *meta) - 1;
    isr_status st = ISR_OK;
    for (int i = 0; i < n_meta; i++)
        if (!meta[i])
            st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK)
        st = isr_write_cog(jb->ctx, path, g, cmin, rmin, ww, hh, GDT_Float32, out, ISR_TIME_NODATA,
                           jb->opt->direction == ISR_TO_HUB ? "travel time to the hub (minutes)"
                                                            : "travel time from the hub (minutes)",
                           "min", meta, "AVERAGE");
    for (int i = 0; i < n_meta; i++)
        free(meta[i]);
    free(out);
    return st;
}

/* Writes the rail travel time between the hub and every station, and the door-to-door time
 * at its cell (`time_s`, the hub's search): where local travel gets there sooner than the
 * train (by more than a second), the station is "reached_by" local travel, not rail. */
static isr_status write_stations_csv(job *jb, const char *path, const double *arr,
                                     const float *time_s)
{
    char *tmp;
    FILE *f;
    isr_status st = isr_open_tmp(jb->ctx, path, &tmp, &f); /* the reason kept on failure */
    if (st != ISR_OK)
        return st;
    double budget_s = jb->opt->budget_min * 60.0;
    fputs(ISR_STATIONS_CSV_HEADER, f);
    for (int i = 0; i < isr_rail_net_nstations(jb->net); i++) {
        double x, y, door = INFINITY;
        int c, r;
        isr_rail_station_xy(jb->net, i, &x, &y);
        if (isr_grid_cell_of(jb->grid, x, y, &c, &r))
            door = time_s[isr_grid_pidx(jb->grid, c, r)];
        isr_csv_field(f, isr_rail_station_id(jb->net, i));
        fputc(',', f);
        isr_csv_field(f, isr_rail_station_name(jb->net, i));
        if (isinf(arr[i]))
            isr_fprintf(f, ",,%.3f,%.3f", x, y);
        else
            isr_fprintf(f, ",%.3f,%.3f,%.3f", arr[i] / 60.0, x, y);
        const char *by = arr[i] <= budget_s && !(door < arr[i] - 1.0) ? "rail"
                         : isfinite(door)                              ? "local"
                                                                       : "";
        if (isfinite(door))
            isr_fprintf(f, ",%.3f,%s\n", door / 60.0, by);
        else
            fprintf(f, ",,%s\n", by);
    }
    st = isr_close_commit(jb->ctx, f, tmp, path);
    free(tmp);
    return st;
}

static void merge_region(job *jb, int hub_no, const float *time_s, const isr_cd_work *w)
{
    const isr_grid *g = jb->grid;
    const int pw = isr_grid_pw(g);
    mtx_lock(&jb->merge_lock);
    for (size_t i = 0; i < w->ntouched; i++) {
        uint32_t k = w->touched[i];
        size_t c = k % (uint32_t)pw - ISR_PAD, r = k / (uint32_t)pw - ISR_PAD;
        size_t u = r * (size_t)g->nx + c;
        float t = time_s[k] / 60.0f;
        if (t < jb->best_t[u] || (t == jb->best_t[u] && hub_no < jb->best_hub[u])) {
            jb->best_t[u] = t;
            jb->best_hub[u] = (int16_t)hub_no;
        }
        jb->count[u]++;
    }
    mtx_unlock(&jb->merge_lock);
}

/* Reach tallies and isochrones of one hub's search, kept for the region products and
 * written (the isochrones only when `write`: not when the outputs are being reused). */
static isr_status hub_reach(job *jb, int hub_no, worker_state *ws, const char *dir, int write)
{
    const isr_grid *g = jb->grid;
    int s = jb->hubs[hub_no];
    double hx, hy;
    isr_rail_station_xy(jb->net, s, &hx, &hy);
    isr_reach_compute(&ws->reach, jb->zones, g, ws->time_s, ws->w.touched, ws->w.ntouched, hx, hy);
    isr_reach_set_own(&ws->reach, jb->zones, jb->own_unit[hub_no]);
    hub_result *res = &jb->results[hub_no];
    isr_reach_totals(&ws->reach, jb->zones, &res->tot);
    isr_reach_store(&ws->reach, jb->zones, hub_no, jb->hub_cells, jb->hub_pop, res->own);
    /* reach.csv is written even for a reused hub: `isoreach reach` may have rewritten it
     * with other boundaries or people since, and it costs little */
    char *csv = isr_strdup_printf("%s/reach.csv", dir);
    char *geojson = isr_strdup_printf("%s/isochrones.geojson", dir);
    isr_status st = ISR_OK;
    if (!csv || !geojson)
        st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK)
        st = isr_reach_write_csv(jb->ctx, csv, &ws->reach, jb->zones, jb->units,
                                 g->cell_m * g->cell_m / 1e6);
    if (st == ISR_OK && write) {
        st = isr_isochrones_build(jb->ctx, &ws->geos, g, ws->time_s, ws->w.touched,
                                  ws->w.ntouched, jb->zones->pop, jb->bands, jb->nbands,
                                  jb->opt->min_area_km2 * 1e6, jb->opt->simplify_m, ws->bands);
        if (st == ISR_OK)
            st = isr_isochrones_write(jb->ctx, &ws->geos, geojson, g->wkt, ws->bands,
                                      jb->nbands, isr_rail_station_id(jb->net, s),
                                      isr_rail_station_name(jb->net, s));
        isr_band_polys_free(&ws->geos, ws->bands, jb->nbands);
    }
    free(csv);
    free(geojson);
    return st;
}

/* Whether `path` opens and its first line is whole and starts with `head`. */
static int csv_header_ok(const char *path, const char *head)
{
    char line[512];
    FILE *f = fopen(path, "r");
    int ok = f && fgets(line, sizeof line, f) && strcmp(line, head) == 0;
    if (f)
        fclose(f);
    return ok;
}

/* Whether a hub's earlier outputs are all there and readable (then its raster is reused if
 * its settings match): the tables have their header line, the isochrones parse as a
 * FeatureCollection. 0: none exists; 1: all are good; -1: some are missing or damaged. */
static int hub_outputs_ok(const char *dir)
{
    static const char *const names[] = {"travel_time.tif", "stations.csv", "reach.csv",
                                        "isochrones.geojson"};
    char path[4096];
    int found = 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        found += isr_file_exists(path);
    }
    if (found < 4)
        return found ? -1 : 0;
    snprintf(path, sizeof path, "%s/stations.csv", dir);
    if (!csv_header_ok(path, ISR_STATIONS_CSV_HEADER))
        return -1;
    snprintf(path, sizeof path, "%s/reach.csv", dir);
    if (!csv_header_ok(path, ISR_REACH_CSV_HEADER))
        return -1;
    snprintf(path, sizeof path, "%s/isochrones.geojson", dir);
    json_object *root = json_object_from_file(path), *feats = NULL;
    int ok = root && json_object_object_get_ex(root, "features", &feats) &&
             json_object_is_type(feats, json_type_array);
    json_object_put(root);
    return ok ? 1 : -1;
}

static isr_status run_hub(job *jb, int hub_no, worker_state *ws)
{
    double t0 = isr_now_s();
    const isr_grid *g = jb->grid;
    int s = jb->hubs[hub_no];
    hub_result *res = &jb->results[hub_no];
    float *time_s = ws->time_s;
    isr_cd_work *w = &ws->w;
    double *arr = ws->arr;
    res->station = s;
    char *dir = isr_strdup_printf("%s/%s", jb->hubs_dir, jb->folders[hub_no]);
    char *path = dir ? isr_strdup_printf("%s/travel_time.tif", dir) : NULL;
    char *csv = dir ? isr_strdup_printf("%s/stations.csv", dir) : NULL;
    isr_status st = ISR_OK;
    if (!path || !csv) {
        st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if ((st = isr_rail_search(jb->ctx, jb->net, &jb->rp, s, arr)) != ISR_OK)
        goto cleanup;
    double budget_s = jb->opt->budget_min * 60.0;
    for (int i = 0; i < isr_rail_net_nstations(jb->net); i++)
        if (arr[i] <= budget_s)
            res->stations_reached++;
    int had = jb->opt->overwrite ? 0 : hub_outputs_ok(dir);
    if (had > 0 && load_existing(jb, path, time_s, w)) {
        res->skipped = 1;
        st = hub_reach(jb, hub_no, ws, dir, 0);
    } else {
        res->stale = had != 0;
        size_t ns = 0;
        for (int i = 0; i < isr_rail_net_nstations(jb->net); i++) {
            double x, y;
            int c, r;
            isr_rail_station_xy(jb->net, i, &x, &y);
            if (arr[i] <= budget_s && isr_grid_cell_of(g, x, y, &c, &r))
                ws->seeds[ns++] = (isr_seed){(uint32_t)isr_grid_pidx(g, c, r), (float)arr[i]};
        }
        if (isr_costdist(jb->fric, (size_t)isr_grid_pw(g), (size_t)isr_grid_ph(g), g->cell_m,
                         ws->seeds, ns, (float)budget_s, time_s, w) != 0) {
            st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory in the cost-distance search");
            goto reset;
        }
        res->search_seconds = isr_now_s() - t0;
        /* the raster last: its presence marks the hub complete for a resumed run */
        if ((st = isr_mkdirs(jb->ctx, dir)) != ISR_OK ||
            (st = write_stations_csv(jb, csv, arr, time_s)) != ISR_OK ||
            (st = hub_reach(jb, hub_no, ws, dir, 1)) != ISR_OK ||
            (st = write_hub(jb, hub_no, path, time_s, w)) != ISR_OK)
            goto reset;
    }
    res->cells = w->ntouched;
    if (st == ISR_OK)
        merge_region(jb, hub_no, time_s, w);
reset:
    for (size_t i = 0; i < w->ntouched; i++)
        time_s[w->touched[i]] = INFINITY;
    w->ntouched = 0;
    if (st != ISR_OK)
        rmdir(dir); /* only when the failure left it empty */
cleanup:
    res->seconds = isr_now_s() - t0;
    free(dir);
    free(path);
    free(csv);
    return st;
}

static int worker(void *arg)
{
    job *jb = arg;
    isr_gdal_errors_push(jb->ctx);
    const isr_grid *g = jb->grid;
    size_t n = isr_grid_pcells(g);
    int ns = isr_rail_net_nstations(jb->net);
    worker_state ws;
    memset(&ws, 0, sizeof ws);
    isr_geos_init(&ws.geos);
    ws.time_s = malloc(n * sizeof *ws.time_s);
    ws.arr = malloc((size_t)ns * sizeof *ws.arr);
    ws.seeds = malloc((size_t)ns * sizeof *ws.seeds);
    if (!ws.time_s || !ws.arr || !ws.seeds ||
        isr_reach_init(jb->ctx, &ws.reach, jb->zones) != ISR_OK) {
        isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory for a worker's %zu-cell time grid", n);
        atomic_store(&jb->failed, (int)ISR_ERR_MEMORY);
        goto cleanup;
    }
    ws.reach.min_cells = isr_reach_min_cells(jb->opt->min_reach_km2, g->cell_m);
    for (size_t i = 0; i < n; i++)
        ws.time_s[i] = INFINITY;
    for (;;) {
        if (atomic_load(&jb->failed) || isr_cancelled(jb->ctx))
            break;
        int h = atomic_fetch_add(&jb->next, 1);
        if (h >= jb->nhubs)
            break;
        isr_status st = run_hub(jb, h, &ws);
        if (st == ISR_ERR_INTERRUPTED) /* a write stopped by isr_ctx_cancel: isr_run says so */
            break;
        if (st != ISR_OK) {
            atomic_store(&jb->failed, (int)st);
            break;
        }
        int done = atomic_fetch_add(&jb->done, 1) + 1;
        if (!jb->opt->quiet)
            isr_progress(jb->ctx, "hubs", (size_t)done, (size_t)jb->nhubs);
    }
cleanup:
    isr_cd_work_free(&ws.w);
    isr_reach_free(&ws.reach);
    free(ws.time_s);
    free(ws.arr);
    free(ws.seeds);
    isr_geos_finish(&ws.geos);
    isr_gdal_errors_pop();
    return 0;
}

/* ---- region products ---------------------------------------------------------------------- */

/* One region raster to write, for a thread of its own. */
typedef struct cog_job {
    isr_ctx *ctx;
    const char *path;
    const isr_grid *g;
    GDALDataType type;
    const void *data;
    double nodata;
    const char *desc, *unit;
    char **meta;
    const char *resampling;
    isr_status st;
} cog_job;

static int cog_worker(void *arg)
{
    cog_job *c = arg;
    isr_gdal_errors_push(c->ctx);
    c->st = isr_write_cog(c->ctx, c->path, c->g, 0, 0, c->g->nx, c->g->ny, c->type, c->data,
                          c->nodata, c->desc, c->unit, c->meta, c->resampling);
    isr_gdal_errors_pop();
    return 0;
}

static isr_status write_products(job *jb, const char *region_dir)
{
    const isr_grid *g = jb->grid;
    size_t n = (size_t)g->nx * (size_t)g->ny;
    isr_status st = ISR_OK;
    char *p1 = isr_strdup_printf("%s/nearest_hub_time.tif", region_dir);
    char *p2 = isr_strdup_printf("%s/nearest_hub.tif", region_dir);
    char *p3 = isr_strdup_printf("%s/hubs_within.tif", region_dir);
    char *p4 = isr_strdup_printf("%s/nearest_hub.csv", region_dir);
    char *tmp4 = p4 ? isr_tmp_name(p4) : NULL;
    float *t = malloc(n * sizeof *t);
    uint16_t *cnt = malloc(n * sizeof *cnt);
    if (!p1 || !p2 || !p3 || !p4 || !tmp4 || !t || !cnt) {
        st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory writing the region products");
        goto cleanup;
    }
    for (size_t u = 0; u < n; u++) {
        int inside = !isinf(jb->fric[isr_grid_pidx(g, (int)(u % (size_t)g->nx),
                                                    (int)(u / (size_t)g->nx))]);
        t[u] = isinf(jb->best_t[u]) ? (float)ISR_TIME_NODATA : jb->best_t[u];
        cnt[u] = inside || jb->count[u] ? jb->count[u] : COUNT_NODATA;
    }
    char budget[64];
    isr_snprintf(budget, sizeof budget, "BUDGET_MIN=%g", jb->opt->budget_min);
    char *settings = isr_strdup_printf("ISOREACH_SETTINGS=%s", jb->settings);
    char *meta[] = {budget, settings, NULL};
    if (!settings) {
        st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    /* three independent region-wide writes: compression is the cost, so use the cores */
    cog_job cogs[3] = {
        {jb->ctx, p1, g, GDT_Float32, t, ISR_TIME_NODATA,
         jb->opt->direction == ISR_TO_HUB ? "travel time to the nearest hub (minutes)"
                                          : "travel time from the nearest hub (minutes)",
         "min", meta, "AVERAGE", ISR_OK},
        {jb->ctx, p2, g, GDT_Int16, jb->best_hub, HUB_NODATA,
         "nearest hub (row number in nearest_hub.csv)", NULL, meta, "NEAREST", ISR_OK},
        {jb->ctx, p3, g, GDT_UInt16, cnt, COUNT_NODATA,
         jb->opt->direction == ISR_TO_HUB ? "hubs the cell reaches within the budget"
                                          : "hubs reaching the cell within the budget",
         NULL, meta, "NEAREST", ISR_OK}};
    thrd_t tid[2];
    int started[2] = {0, 0};
    for (int i = 0; i < 2; i++)
        started[i] = jb->threads > 1 && thrd_create(&tid[i], cog_worker, &cogs[i + 1]) == thrd_success;
    cog_worker(&cogs[0]);
    for (int i = 0; i < 2; i++) {
        if (started[i])
            thrd_join(tid[i], NULL);
        else
            cog_worker(&cogs[i + 1]);
    }
    for (int i = 0; i < 3 && st == ISR_OK; i++)
        st = cogs[i].st;
    if (st != ISR_OK) {
        free(settings);
        goto cleanup;
    }
    if (jb->opt->write_friction) {
        char *p5 = isr_strdup_printf("%s/friction.tif", region_dir);
        for (size_t u = 0; u < n && p5; u++) {
            float v = jb->fric[isr_grid_pidx(g, (int)(u % (size_t)g->nx), (int)(u / (size_t)g->nx))];
            t[u] = isinf(v) ? (float)ISR_TIME_NODATA : v;
        }
        st = p5 ? isr_write_cog(jb->ctx, p5, g, 0, 0, g->nx, g->ny, GDT_Float32, t, ISR_TIME_NODATA,
                                "local travel friction (seconds per metre)", "s/m", meta,
                                "AVERAGE")
                : isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
        free(p5);
        if (st != ISR_OK) {
            free(settings);
            goto cleanup;
        }
    }
    free(settings);
    FILE *f = fopen(tmp4, "w");
    if (!f) {
        st = isr_fail(jb->ctx, ISR_ERR_IO, "cannot write '%s': %s", p4,
                      isr_write_reason(p4, errno));
        goto cleanup;
    }
    fprintf(f, "value,hub_id,hub_name\n");
    for (int h = 0; h < jb->nhubs; h++) {
        fprintf(f, "%d,", h);
        isr_csv_field(f, isr_rail_station_id(jb->net, jb->hubs[h]));
        fputc(',', f);
        isr_csv_field(f, isr_rail_station_name(jb->net, jb->hubs[h]));
        fputc('\n', f);
    }
    st = isr_close_commit(jb->ctx, f, tmp4, p4); /* ferror, flush and fclose checked */
cleanup:
    free(p1);
    free(p2);
    free(p3);
    free(p4);
    free(tmp4);
    free(t);
    free(cnt);
    return st;
}

static isr_status write_region_reach(job *jb, const char *region_dir)
{
    isr_status st = ISR_OK;
    isr_reach_totals_t *tot = malloc((size_t)jb->nhubs * sizeof *tot);
    int *own = malloc((size_t)jb->nhubs * ISR_NLEVELS * sizeof *own);
    if (!tot || !own) {
        st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
    } else {
        for (int h = 0; h < jb->nhubs; h++) {
            tot[h] = jb->results[h].tot;
            for (int k = 0; k < ISR_NLEVELS; k++)
                own[h * ISR_NLEVELS + k] = jb->results[h].own[k];
        }
        isr_region_reach rr = {jb->grid,      jb->zones,    jb->units, jb->net,
                               jb->hubs,      jb->nhubs,    jb->opt->budget_min,
                               jb->hub_cells, jb->hub_pop,  tot,       own,
                               jb->best_t};
        st = isr_region_reach_write(jb->ctx, &rr, region_dir);
    }
    free(tot);
    free(own);
    return st;
}

/* The rail layers copied beside the outputs, and QGIS styles and project for them all. */
static isr_status write_styles(job *jb, const char *region_dir, const char *wkt)
{
    char *lines = isr_strdup_printf("%s/rail_lines.geojson", region_dir);
    char *stations = isr_strdup_printf("%s/rail_stations.geojson", region_dir);
    const char **ids = malloc((size_t)jb->nhubs * sizeof *ids);
    const char **names = malloc((size_t)jb->nhubs * sizeof *names);
    isr_status st = ISR_OK;
    if (!lines || !stations || !ids || !names)
        st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK)
        st = isr_vector_export(jb->ctx, jb->opt->lines, jb->opt->lines_layer,
                               jb->opt->encoding, lines);
    if (st == ISR_OK)
        st = isr_vector_export(jb->ctx, jb->opt->stations, jb->opt->stations_layer,
                               jb->opt->encoding, stations);
    if (st == ISR_OK) {
        for (int h = 0; h < jb->nhubs; h++) {
            ids[h] = isr_rail_station_id(jb->net, jb->hubs[h]);
            names[h] = isr_rail_station_name(jb->net, jb->hubs[h]);
        }
        isr_style_inputs in = {jb->opt->out, wkt,   jb->bands,
                               jb->nbands,   jb->nhubs, ids, names,
                               jb->opt->station_id_field, jb->opt->station_name_field,
                               jb->opt->direction == ISR_TO_HUB};
        st = isr_styles_write(jb->ctx, &in);
    }
    free(lines);
    free(stations);
    free(ids);
    free(names);
    return st;
}

static isr_status write_run_json(job *jb, const char *out_dir, const char *crs_wkt,
                                 const double timing[4], const isr_units *u)
{
    const isr_options *o = jb->opt;
    const isr_grid *g = jb->grid;
    json_object *root = json_object_new_object();
    json_object_object_add(root, "isoreach", json_object_new_string(isr_version_full()));
    json_object *in = json_object_new_object();
    json_object_object_add(in, "boundaries", json_object_new_string(o->boundaries));
    json_object_object_add(in, "stations", json_object_new_string(o->stations));
    json_object_object_add(in, "lines", json_object_new_string(o->lines));
    json_object_object_add(in, "friction",
                           o->friction ? json_object_new_string(o->friction) : NULL);
    json_object_object_add(in, "boundary_units", json_object_new_int(u->n));
    json_object_object_add(in, "boundary_units_repaired", json_object_new_int(u->nrepaired));
    json_object *unknown = json_object_new_array(); /* population field empty */
    for (int i = 0; i < u->n; i++)
        if (u->has_pop && !o->population && isnan(u->attr[i].pop))
            json_object_array_add(unknown, json_object_new_string(u->attr[i].code[0]));
    json_object_object_add(in, "units_without_population", unknown);
    json_object_object_add(in, "unit_overlaps_warned", json_object_new_int(u->noverlaps));
    json_object_object_add(in, "stations_count",
                           json_object_new_int(isr_rail_net_nstations(jb->net)));
    json_object_object_add(in, "lines_count", json_object_new_int(isr_rail_net_nlines(jb->net)));
    json_object *off = json_object_new_array(); /* reached by local travel only */
    for (int s = 0; s < isr_rail_net_nstations(jb->net); s++)
        if (!isr_rail_station_on_line(jb->net, s))
            json_object_array_add(off, json_object_new_string(isr_rail_station_id(jb->net, s)));
    json_object_object_add(in, "stations_not_on_lines", off);
    json_object_object_add(in, "friction_uncovered_cells",
                           json_object_new_int64((int64_t)jb->fric_uncovered));
    json_object_object_add(in, "population_uncovered_cells",
                           json_object_new_int64((int64_t)jb->zones->pop_uncovered));
    /* each line's stops as snapped (or listed), to check which station serves which line */
    json_object *lines = json_object_new_array();
    for (int l = 0; l < isr_rail_net_nlines(jb->net); l++) {
        json_object *lo = json_object_new_object();
        json_object_object_add(lo, "id", json_object_new_string(isr_rail_line_id(jb->net, l)));
        json_object_object_add(lo, "name",
                               json_object_new_string(isr_rail_line_name(jb->net, l)));
        json_object_object_add(lo, "loop",
                               json_object_new_boolean(isr_rail_line_is_loop(jb->net, l)));
        json_object *stops = json_object_new_array();
        int n = isr_rail_line_nstops(jb->net, l);
        for (int i = 0; i < n; i++) {
            json_object *so = json_object_new_object();
            double off_m = isr_rail_line_stop_offset_m(jb->net, l, i);
            json_object_object_add(so, "id", json_object_new_string(isr_rail_station_id(
                                                 jb->net, isr_rail_line_stop(jb->net, l, i))));
            json_object_object_add(so, "distance_m", isnan(off_m) ? NULL : isr_json_num(off_m, 1));
            /* run time to the next stop (on a loop the last one runs back to the first) */
            json_object_object_add(so, "minutes_to_next",
                                   i + 1 < n || isr_rail_line_is_loop(jb->net, l)
                                       ? isr_json_num(isr_rail_line_run_s(jb->net, l, i) / 60, 3)
                                       : NULL);
            json_object_array_add(stops, so);
        }
        json_object_object_add(lo, "stops", stops);
        json_object_array_add(lines, lo);
    }
    json_object_object_add(in, "rail_lines", lines);
    json_object *notes = json_object_new_array();
    for (int i = 0; i < isr_rail_net_nnotes(jb->net); i++)
        json_object_array_add(notes, json_object_new_string(isr_rail_net_note(jb->net, i)));
    json_object_object_add(in, "network_warnings", notes);
    json_object_object_add(root, "inputs", in);
    json_object *p = json_object_new_object();
    json_object_object_add(p, "budget_min", json_object_new_double(o->budget_min));
    json_object_object_add(p, "resolution_m", json_object_new_double(o->resolution_m));
    json_object_object_add(p, "egress_speed_kmh", json_object_new_double(o->egress_speed_kmh));
    json_object_object_add(p, "detour", json_object_new_double(o->detour));
    json_object_object_add(p, "dwell_min", json_object_new_double(o->dwell_min));
    json_object_object_add(p, "transfer_min", json_object_new_double(o->transfer_min));
    json_object_object_add(p, "wait", json_object_new_string(o->wait == ISR_WAIT_NONE
                                                                 ? "none"
                                                                 : "half-headway"));
    json_object_object_add(p, "direction",
                           json_object_new_string(o->direction == ISR_TO_HUB ? "to" : "from"));
    json_object_object_add(p, "snap_m", json_object_new_double(o->snap_m));
    json_object_object_add(root, "parameters", p);
    /* every flag that shapes the results: `isoreach reach` and `map` start from these */
    json_object_object_add(root, "options", isr_options_to_json(o));
    json_object *gr = json_object_new_object();
    json_object_object_add(gr, "crs_wkt", json_object_new_string(crs_wkt));
    json_object_object_add(gr, "width", json_object_new_int(g->nx));
    json_object_object_add(gr, "height", json_object_new_int(g->ny));
    json_object_object_add(gr, "cell_m", json_object_new_double(g->cell_m));
    json_object *ext = json_object_new_array();
    json_object_array_add(ext, json_object_new_double(g->x0));
    json_object_array_add(ext, json_object_new_double(g->y0 - g->ny * g->cell_m));
    json_object_array_add(ext, json_object_new_double(g->x0 + g->nx * g->cell_m));
    json_object_array_add(ext, json_object_new_double(g->y0));
    json_object_object_add(gr, "extent", ext);
    json_object_object_add(root, "grid", gr);
    json_object *cc = json_object_new_object();
    json_object_object_add(cc, "max_linear_scale_error",
                           jb->crs_scale.checked ? isr_json_num(jb->crs_scale.max_linear_error, 6)
                                                 : NULL);
    json_object_object_add(cc, "max_area_scale_error",
                           jb->crs_scale.checked ? isr_json_num(jb->crs_scale.max_area_error, 6)
                                                 : NULL);
    json_object_object_add(root, "crs_check", cc);
    json_object *hubs = json_object_new_array();
    double cell_km2 = g->cell_m * g->cell_m / 1e6;
    for (int h = 0; h < jb->nhubs; h++) {
        const hub_result *r = &jb->results[h];
        json_object *ho = json_object_new_object();
        json_object_object_add(ho, "id", json_object_new_string(isr_rail_station_id(jb->net,
                                                                                   r->station)));
        json_object_object_add(ho, "name", json_object_new_string(isr_rail_station_name(
                                               jb->net, r->station)));
        json_object_object_add(ho, "folder", json_object_new_string(jb->folders[h]));
        json_object_object_add(ho, "stations_reached", json_object_new_int(r->stations_reached));
        json_object_object_add(ho, "cells_reached", json_object_new_int64((int64_t)r->cells));
        json_object_object_add(ho, "area_km2", isr_json_num(r->cells * cell_km2, 3));
        json_object_object_add(ho, "reused_existing_output", json_object_new_boolean(r->skipped));
        json_object_object_add(ho, "seconds", isr_json_num(r->seconds, 3));
        json_object_object_add(ho, "search_seconds", isr_json_num(r->search_seconds, 4));
        json_object *jd = json_object_new_object();
        int ou = jb->own_unit[h];
        char how[64];
        isr_snprintf(how, sizeof how, ou < 0 ? "none" : jb->own_dist_m[h] > 0 ? "nearest, %.1f km"
                                                                        : "contains",
                 jb->own_dist_m[h] / 1000.0);
        json_object_object_add(jd, "unit", ou >= 0 ? json_object_new_string(
                                                         u->attr[ou].code[ISR_COUNTY])
                                                   : NULL);
        json_object_object_add(jd, "name", ou >= 0 ? json_object_new_string(
                                                         u->attr[ou].name[ISR_COUNTY])
                                                   : NULL);
        json_object_object_add(jd, "how", json_object_new_string(how));
        json_object_object_add(ho, "jurisdiction", jd);
        json_object_array_add(hubs, ho);
    }
    json_object_object_add(root, "hubs", hubs);
    json_object *tm = json_object_new_object();
    json_object_object_add(tm, "load_s", isr_json_num(timing[0], 3));
    json_object_object_add(tm, "hubs_s", isr_json_num(timing[1], 3));
    json_object_object_add(tm, "products_s", isr_json_num(timing[2], 3));
    json_object_object_add(tm, "total_s", isr_json_num(timing[3], 3));
    json_object_object_add(root, "timings", tm);
    json_object *warn = json_object_new_array();
    for (int i = 0; i < isr_ctx_nwarnings(jb->ctx); i++)
        json_object_array_add(warn, json_object_new_string(isr_ctx_warning(jb->ctx, i)));
    json_object_object_add(root, "warnings", warn);

    isr_status st = ISR_OK;
    char *path = isr_strdup_printf("%s/run.json", out_dir);
    /* json-c's own file writer does not check close(2): through files.c instead */
    const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                                JSON_C_TO_STRING_SPACED);
    if (!path || !text)
        st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
    else
        st = isr_write_text(jb->ctx, path, text, strlen(text));
    free(path);
    json_object_put(root);
    return st;
}

/* ---- the run ------------------------------------------------------------------------------ */

isr_status isr_hubs_select(isr_ctx *ctx, const isr_options *opt, const isr_rail_net *net,
                           int **out, int *n)
{
    int ns = isr_rail_net_nstations(net);
    int *h = malloc((size_t)(ns > 0 ? ns : 1) * sizeof *h);
    if (!h)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    *n = 0;
    if (opt->hubs) {
        const char *p = opt->hubs;
        while (*p) {
            const char *end = strchr(p, ',');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            while (len > 0 && *p == ' ') { /* "a, b" as typed in a shell */
                p++;
                len--;
            }
            while (len > 0 && p[len - 1] == ' ')
                len--;
            char id[256];
            if (len == 0 || len >= sizeof id) {
                free(h);
                return isr_fail(ctx, ISR_ERR_USAGE, "--hubs: '%s' is not a list of station ids",
                                opt->hubs);
            }
            memcpy(id, p, len);
            id[len] = '\0';
            int s = isr_rail_net_find(net, id);
            if (s < 0) {
                free(h);
                return isr_fail(ctx, ISR_ERR_INPUT, "--hubs: no station has id '%s' in '%s'",
                                id, opt->stations);
            }
            int dup = 0;
            for (int k = 0; k < *n; k++)
                dup |= h[k] == s;
            if (!dup)
                h[(*n)++] = s;
            p = end ? end + 1 : p + strlen(p);
        }
    } else {
        for (int s = 0; s < ns; s++)
            if (isr_rail_station_is_hub(net, s))
                h[(*n)++] = s;
    }
    if (*n == 0) {
        free(h);
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "no hubs: no station in '%s' has a non-zero '%s' (or give --hubs)",
                        opt->stations, opt->hub_field);
    }
    if (*n > INT16_MAX) {
        free(h);
        return isr_fail(ctx, ISR_ERR_USAGE, "%d hubs: at most %d per run", *n, INT16_MAX);
    }
    *out = h;
    return ISR_OK;
}

/* The folder of each hub under OUT/hubs/ (isr_hub_folder); refuses two hubs that would
 * share one (ids differing only in characters a folder name cannot hold, and a hash match). */
static int cmp_folder(const void *a, const void *b)
{
    return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

static isr_status hub_folders(isr_ctx *ctx, const isr_options *opt, const isr_rail_net *net,
                              const int *hubs, int nhubs, char ***out)
{
    char **f = calloc((size_t)nhubs, sizeof *f);
    char ***order = malloc((size_t)nhubs * sizeof *order);
    isr_status st = ISR_OK;
    for (int h = 0; f && order && h < nhubs && st == ISR_OK; h++)
        if (!(f[h] = isr_hub_folder(isr_rail_station_id(net, hubs[h]))))
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (!f || !order)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK) {
        for (int h = 0; h < nhubs; h++)
            order[h] = &f[h];
        qsort(order, (size_t)nhubs, sizeof *order, cmp_folder);
        for (int k = 1; k < nhubs && st == ISR_OK; k++)
            if (strcmp(*order[k - 1], *order[k]) == 0)
                st = isr_fail(ctx, ISR_ERR_INPUT,
                              "stations '%s' and '%s' in '%s' would share the output folder "
                              "'hubs/%s'; give one of them another id (field '%s')",
                              isr_rail_station_id(net, hubs[order[k - 1] - f]),
                              isr_rail_station_id(net, hubs[order[k] - f]), opt->stations,
                              *order[k], opt->station_id_field);
    }
    free(order);
    if (st != ISR_OK && f) {
        for (int h = 0; h < nhubs; h++)
            free(f[h]);
        free(f);
        f = NULL;
    }
    *out = f;
    return st;
}

/* Each hub's own jurisdiction (reach.c: the unit holding it, or the nearest within
 * ISR_OWN_MAX_M, or none). A hub off the grid is refused: its search would start nowhere. A
 * hub outside every polygon is warned about, saying which unit counts as its own. */
static isr_status hubs_jurisdiction(isr_ctx *ctx, const isr_options *opt, const isr_grid *g,
                                    const isr_units *u, const isr_rail_net *net,
                                    const int *hubs, int nhubs, const isr_layer *lb, job *jb)
{
    jb->own_unit = malloc((size_t)(nhubs > 0 ? nhubs : 1) * sizeof *jb->own_unit);
    jb->own_dist_m = malloc((size_t)(nhubs > 0 ? nhubs : 1) * sizeof *jb->own_dist_m);
    if (!jb->own_unit || !jb->own_dist_m)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    double gx1 = g->x0 + g->nx * g->cell_m, gy0 = g->y0 - g->ny * g->cell_m;
    for (int h = 0; h < nhubs; h++) {
        double x, y;
        int c, r;
        const char *id = isr_rail_station_id(net, hubs[h]);
        isr_rail_station_xy(net, hubs[h], &x, &y);
        if (!isr_grid_cell_of(g, x, y, &c, &r)) {
            double dx = fmax(fmax(g->x0 - x, x - gx1), 0), dy = fmax(fmax(gy0 - y, y - g->y0), 0);
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "hub '%s' lies %.1f km outside the region's grid (the extent of %s): "
                            "add its area to the boundaries, or %s",
                            id, hypot(dx, dy) / 1000.0, lb->what,
                            opt->hubs ? "drop it from --hubs" : "give --hubs without it");
        }
        double d;
        int unit = isr_hub_jurisdiction(u, x, y, ISR_OWN_MAX_M, &d);
        jb->own_unit[h] = unit;
        jb->own_dist_m[h] = unit >= 0 ? d : INFINITY;
        if (unit >= 0 && d > 0) {
            isr_log(ctx, ISR_LOG_WARN,
                    "hub '%s' lies outside every boundary polygon, %.1f km from '%s' (%s): that "
                    "unit, the nearest within %.0f km, is taken as its own jurisdiction",
                    id, d / 1000.0, u->attr[unit].name[ISR_COUNTY],
                    u->attr[unit].code[ISR_COUNTY], ISR_OWN_MAX_M / 1000.0);
        } else if (unit < 0) {
            int near = isr_hub_jurisdiction(u, x, y, INFINITY, &d);
            isr_log(ctx, ISR_LOG_WARN,
                    "hub '%s' lies outside every boundary polygon, %.1f km from the nearest "
                    "unit '%s' (%s): no unit lies within %.0f km, so it has no jurisdiction of "
                    "its own and all of its reach counts as cross-border",
                    id, d / 1000.0, near >= 0 ? u->attr[near].name[ISR_COUNTY] : "",
                    near >= 0 ? u->attr[near].code[ISR_COUNTY] : "", ISR_OWN_MAX_M / 1000.0);
        }
    }
    return ISR_OK;
}

/* The settings that make two runs' hub rasters interchangeable (resume check). */
static char *settings_string(const isr_options *o, const isr_grid *g, uint64_t fingerprint)
{
    return isr_strdup_printf(
        "budget_min=%g;resolution_m=%g;egress_speed_kmh=%g;detour=%g;dwell_min=%g;"
        "transfer_min=%g;wait=%s;direction=%s;snap_m=%g;friction=%s;stations=%s;lines=%s;"
        "boundaries=%s;population=%s;bands=%s;min_area_km2=%g;simplify_m=%g;"
        "grid=%.3f,%.3f,%d,%d;fingerprint=%016llx",
        o->budget_min, o->resolution_m, o->egress_speed_kmh, o->detour, o->dwell_min,
        o->transfer_min, o->wait == ISR_WAIT_NONE ? "none" : "half-headway",
        o->direction == ISR_TO_HUB ? "to" : "from", o->snap_m, o->friction ? o->friction : "",
        o->stations, o->lines, o->boundaries, o->population ? o->population : "",
        o->bands ? o->bands : "", o->min_area_km2, o->simplify_m, g->x0, g->y0, g->nx, g->ny,
        (unsigned long long)fingerprint);
}

isr_status isr_run(isr_ctx *ctx, const isr_options *opt)
{
    isr_ctx_reset(ctx);
    isr_ctx_set_timeout(ctx, opt->timeout_s);
    isr_gdal_errors_push(ctx);
    double t_start = isr_now_s(), timing[4] = {0};
    isr_status st = ISR_OK;
    isr_layer lb = {0};
    isr_units units = {0};
    isr_zones zones = {0};
    isr_grid grid = {0};
    isr_rail_net *net = NULL;
    OGRSpatialReferenceH srs = NULL;
    char *wkt = NULL, *region_dir = NULL, *out_created = NULL, *out_lock = NULL;
    float *fric = NULL;
    int *hubs = NULL, nhubs = 0;
    job jb;
    memset(&jb, 0, sizeof jb);
    int lock_ok = 0, hubs_started = 0;

    if (!opt->out || !*opt->out) {
        st = isr_fail(ctx, ISR_ERR_USAGE, "no output folder (--out)");
        goto cleanup;
    }
    if (!(opt->budget_min > 0) || !(opt->resolution_m > 0) || !(opt->egress_speed_kmh > 0) ||
        !(opt->detour >= 1) || !(opt->snap_m > 0)) {
        st = isr_fail(ctx, ISR_ERR_USAGE,
                      "budget, resolution, egress speed and snap distance must be positive, "
                      "and the detour factor at least 1");
        goto cleanup;
    }
    /* flags and the output folder first: a typo should not wait for the inputs to load */
    if ((st = isr_bands_parse(ctx, opt->bands, opt->budget_min, jb.bands, &jb.nbands)) != ISR_OK ||
        (st = isr_out_dir(ctx, opt->out, &out_created)) != ISR_OK ||
        (st = isr_out_lock(ctx, opt->out, &out_lock)) != ISR_OK)
        goto cleanup;
    int swept = isr_tmp_sweep(opt->out);
    if (swept)
        isr_log(ctx, ISR_LOG_INFO, "removed %d temporary file(s) that a killed run left in '%s'",
                swept, opt->out);
    if (!opt->quiet)
        isr_progress(ctx, "loading", 0, 4);
    double ext[4];
    if ((st = isr_layer_open_enc(ctx, &lb, "boundaries", opt->boundaries, opt->boundaries_layer,
                                 wkbPolygon, opt->encoding)) != ISR_OK ||
        (st = isr_layer_extent_wgs84(ctx, &lb, ext)) != ISR_OK)
        goto cleanup;
    {
        /* every field flag against its layer, all problems in one message, before loading */
        isr_layer ls = {0}, ll = {0};
        if ((st = isr_layer_open_enc(ctx, &ls, "stations", opt->stations, opt->stations_layer,
                                     wkbPoint, opt->encoding)) == ISR_OK &&
            (st = isr_layer_open_enc(ctx, &ll, "lines", opt->lines, opt->lines_layer,
                                     wkbLineString, opt->encoding)) == ISR_OK) {
            const isr_layer *layers[ISR_NLAYERS] = {&lb, &ls, &ll};
            st = isr_fields_check(ctx, opt, layers);
        }
        isr_layer_close(&ls);
        isr_layer_close(&ll);
        if (st != ISR_OK)
            goto cleanup;
    }
    srs = opt->crs ? isr_crs_from_user(ctx, opt->crs)
                   : isr_crs_fitted_albers(ctx, ext[0], ext[1], ext[2], ext[3]);
    if (!srs) {
        st = ISR_ERR_CRS;
        goto cleanup;
    }
    if (opt->crs && (st = isr_crs_check_area(ctx, srs, opt->crs, lb.what, ext)) != ISR_OK)
        goto cleanup;
    if ((st = isr_crs_check_scale(ctx, srs, opt->crs, lb.what, ext, &jb.crs_scale)) != ISR_OK)
        goto cleanup;
    OSRExportToWkt(srs, &wkt);
    if ((st = isr_units_load(ctx, opt, &lb, srs, &units)) != ISR_OK)
        goto cleanup;
    if (isr_cancelled(ctx)) {
        st = ISR_ERR_INTERRUPTED;
        goto cleanup;
    }
    if (!opt->quiet)
        isr_progress(ctx, "loading", 1, 4);
    if ((st = isr_network_load(ctx, opt, srs, &net)) != ISR_OK ||
        (st = isr_hubs_select(ctx, opt, net, &hubs, &nhubs)) != ISR_OK ||
        (st = hub_folders(ctx, opt, net, hubs, nhubs, &jb.folders)) != ISR_OK)
        goto cleanup;
    if (isr_cancelled(ctx)) {
        st = ISR_ERR_INTERRUPTED;
        goto cleanup;
    }
    if (!opt->quiet)
        isr_progress(ctx, "loading", 2, 4);

    int threads = opt->threads > 0 ? opt->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    if (threads > nhubs)
        threads = nhubs;
    if (threads > 1024)
        threads = 1024;
    /* friction 4 + zones 12 + region accumulators 8 + products 6 + rasterize 4 + per
     * worker time 4 */
    double bytes_per_cell = 34.0 + 4.0 * threads;
    if ((st = isr_grid_init(ctx, &grid, units.xmin, units.ymin, units.xmax, units.ymax,
                            opt->resolution_m, wkt, bytes_per_cell, opt->max_memory_mb)) != ISR_OK)
        goto cleanup;
    double spm = opt->detour * 3.6 / opt->egress_speed_kmh;
    if ((st = isr_zones_build(ctx, &grid, &units, opt->population, &zones)) != ISR_OK ||
        (st = isr_friction_build(ctx, &grid, zones.zone, spm, opt->friction, &fric,
                                 &jb.fric_uncovered)) != ISR_OK ||
        (st = hubs_jurisdiction(ctx, opt, &grid, &units, net, hubs, nhubs, &lb, &jb)) != ISR_OK)
        goto cleanup;
    /* Stations are always reachable on foot, even where the friction says water or a
     * station sits just outside the boundary polygons. */
    for (int s = 0; s < isr_rail_net_nstations(net); s++) {
        double x, y;
        int c, r;
        isr_rail_station_xy(net, s, &x, &y);
        if (isr_grid_cell_of(&grid, x, y, &c, &r) && isinf(fric[isr_grid_pidx(&grid, c, r)]))
            fric[isr_grid_pidx(&grid, c, r)] = (float)spm;
    }
    if (!opt->quiet)
        isr_progress(ctx, "loading", 4, 4);
    timing[0] = isr_now_s() - t_start;
    isr_log(ctx, ISR_LOG_INFO,
            "%d boundary %s, %d %s, %d %s, %d %s; grid %d x %d cells of %g m", units.n,
            ISR_PLURAL(units.n, "unit", "units"), isr_rail_net_nstations(net),
            ISR_PLURAL(isr_rail_net_nstations(net), "station", "stations"),
            isr_rail_net_nlines(net), ISR_PLURAL(isr_rail_net_nlines(net), "line", "lines"), nhubs,
            ISR_PLURAL(nhubs, "hub", "hubs"), grid.nx, grid.ny, grid.cell_m);

    size_t ncell = (size_t)grid.nx * (size_t)grid.ny;
    jb.ctx = ctx;
    jb.opt = opt;
    jb.grid = &grid;
    jb.fric = fric;
    jb.net = net;
    jb.rp = (isr_rail_params){opt->dwell_min * 60.0, opt->transfer_min * 60.0, opt->wait,
                              opt->direction};
    jb.hubs = hubs;
    jb.nhubs = nhubs;
    jb.zones = &zones;
    jb.units = &units;
    jb.threads = opt->threads > 0 ? opt->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (isr_cancelled(ctx)) {
        st = ISR_ERR_INTERRUPTED;
        goto cleanup;
    }
    for (int k = 0; k < ISR_NLEVELS; k++) {
        size_t n = (size_t)nhubs * (size_t)(zones.ngroups[k] > 0 ? zones.ngroups[k] : 1);
        jb.hub_cells[k] = calloc(n, sizeof *jb.hub_cells[k]);
        jb.hub_pop[k] = calloc(n, sizeof *jb.hub_pop[k]);
        if (!jb.hub_cells[k] || !jb.hub_pop[k]) {
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the reach tables");
            goto cleanup;
        }
    }
    jb.settings = settings_string(opt, &grid, isr_run_fingerprint(opt, wkt));
    jb.hubs_dir = isr_strdup_printf("%s/hubs", opt->out);
    region_dir = isr_strdup_printf("%s/region", opt->out);
    jb.best_t = malloc(ncell * sizeof *jb.best_t);
    jb.best_hub = malloc(ncell * sizeof *jb.best_hub);
    jb.count = calloc(ncell, sizeof *jb.count);
    jb.results = calloc((size_t)nhubs, sizeof *jb.results);
    if (!jb.settings || !jb.hubs_dir || !region_dir || !jb.best_t || !jb.best_hub || !jb.count ||
        !jb.results) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the region products");
        goto cleanup;
    }
    for (size_t u = 0; u < ncell; u++) {
        jb.best_t[u] = INFINITY;
        jb.best_hub[u] = HUB_NODATA;
    }
    if ((st = isr_mkdirs(ctx, jb.hubs_dir)) != ISR_OK ||
        (st = isr_mkdirs(ctx, region_dir)) != ISR_OK)
        goto cleanup;
    if (mtx_init(&jb.merge_lock, mtx_plain) != thrd_success) {
        st = isr_fail(ctx, ISR_ERR_INTERNAL, "cannot create a mutex");
        goto cleanup;
    }
    lock_ok = 1;

    double t_hubs = isr_now_s();
    hubs_started = 1;
    thrd_t tids[1024];
    int started = 0;
    for (int i = 0; i < threads; i++, started++)
        if (thrd_create(&tids[i], worker, &jb) != thrd_success)
            break;
    if (started == 0)
        worker(&jb);
    for (int i = 0; i < started; i++)
        thrd_join(tids[i], NULL);
    timing[1] = isr_now_s() - t_hubs;
    int reused = 0, stale = 0;
    for (int h = 0; h < nhubs; h++) {
        reused += jb.results[h].skipped;
        stale += jb.results[h].stale;
    }
    if (reused)
        isr_log(ctx, ISR_LOG_INFO,
                "reused %d of %d hubs from an earlier run with the same inputs and settings "
                "(--overwrite recomputes them)",
                reused, nhubs);
    if (stale)
        isr_log(ctx, ISR_LOG_INFO,
                "recomputed %d hub(s) whose earlier outputs in '%s' were made from other inputs "
                "or settings, or were incomplete",
                stale, jb.hubs_dir);
    if (atomic_load(&jb.failed)) {
        st = (isr_status)atomic_load(&jb.failed); /* the worker recorded the message */
        goto cleanup;
    }
    if (isr_cancelled(ctx)) {
        st = ISR_ERR_INTERRUPTED;
        goto cleanup;
    }
    double t_prod = isr_now_s();
    if (!opt->quiet)
        isr_progress(ctx, "products", 0, 1);
    if ((st = write_products(&jb, region_dir)) != ISR_OK ||
        (st = write_region_reach(&jb, region_dir)) != ISR_OK ||
        (st = write_styles(&jb, region_dir, wkt)) != ISR_OK)
        goto cleanup;
    /* OUT/index.html: the web map, built from the outputs just written (webmap.c) */
    if ((st = isr_webmap_write(ctx, opt->out)) != ISR_OK)
        goto cleanup;
    if (!opt->quiet)
        isr_progress(ctx, "products", 1, 1);
    timing[2] = isr_now_s() - t_prod;
    timing[3] = isr_now_s() - t_start;
    st = write_run_json(&jb, opt->out, wkt, timing, &units);
    /* maps for publication (maps.c), drawn from the outputs above, run.json included */
    if (st == ISR_OK && !opt->no_maps)
        st = isr_maps_write(ctx, opt); /* under this run's lock of --out */

cleanup:
    /* a cancel reaches the workers and the raster writer as a status without a message:
     * it is said once, here, with how far the run got */
    if (st == ISR_ERR_INTERRUPTED && hubs_started)
        isr_fail(ctx, st, "interrupted: %d of %d %s complete; run again to resume",
                 atomic_load(&jb.done), nhubs, ISR_PLURAL(nhubs, "hub", "hubs"));
    else if (st == ISR_ERR_INTERRUPTED)
        isr_fail(ctx, st, "interrupted while loading the inputs; nothing was written");
    isr_out_unlock(out_lock);
    if (st != ISR_OK) { /* folders this run made and left empty */
        if (region_dir)
            rmdir(region_dir);
        if (jb.hubs_dir)
            rmdir(jb.hubs_dir);
        isr_rmdirs_empty(opt->out, out_created);
    }
    free(out_created);
    if (lock_ok)
        mtx_destroy(&jb.merge_lock);
    free((char *)jb.settings);
    free(jb.hubs_dir);
    for (int h = 0; jb.folders && h < nhubs; h++)
        free(jb.folders[h]);
    free(jb.folders);
    free(jb.best_t);
    free(jb.best_hub);
    free(jb.count);
    free(jb.results);
    free(jb.own_unit);
    free(jb.own_dist_m);
    for (int k = 0; k < ISR_NLEVELS; k++) {
        free(jb.hub_cells[k]);
        free(jb.hub_pop[k]);
    }
    free(region_dir);
    free(hubs);
    free(fric);
    isr_rail_net_free(net);
    isr_grid_clear(&grid);
    isr_zones_clear(&zones);
    isr_units_clear(&units);
    isr_layer_close(&lb);
    CPLFree(wkt);
    if (srs)
        OSRDestroySpatialReference(srs);
    isr_gdal_errors_pop();
    return st;
}
