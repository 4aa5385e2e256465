/*
 * batch.c — the hubs of one pass over a loaded model (model.c), in parallel: per hub the
 * rail search and the grid cost-distance, then its outputs in OUT/hubs/<folder>/
 * (travel_time.tif last: its presence marks the hub complete), or the outputs of an earlier
 * run reused when they are whole and were made with the same settings.
 *
 * The model is read-only. Each worker owns its time array (the padded grid in address space,
 * only the hub's window filled: see worker_state), its heap and its GDAL datasets, and pulls hub
 * numbers from an atomic counter. Region accumulators (minimum time, nearest hub, hub
 * count) are merged under one mutex from the touched cells only; the merge is
 * order-independent (ties go to the lower hub number), so outputs are identical whatever
 * the thread count. Per-hub rasters are cropped to the cells reached, on the region grid's
 * cell edges. isr_batch_hub_grid runs one search the same way and writes nothing.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE, MADV_DONTNEED (Linux, BSDs) */
#include "batch.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* What one worker owns and reuses hub after hub. time_s spans the padded grid in address
 * space only (an anonymous mapping: pages untouched stay unallocated); the cells of the
 * rectangle `fill` (padded rows fill[0]..fill[1], columns fill[2]..fill[3], empty when
 * fill[1] < fill[0]) hold +INF or a time, the rest is never read. Each hub's search is
 * confined to its window (hub_window), so a worker's memory follows the hub's window, not
 * the region. */
typedef struct worker_state {
    float *time_s;
    size_t map_bytes;
    int pw, ph;
    int fill[4];
    double *arr;
    isr_seed *seeds;
    isr_cd_work w;
    isr_geos geos;
    isr_reach reach;
    isr_band_poly bands[ISR_MAX_BANDS];
} worker_state;

/* ---- a hub's window ---------------------------------------------------------------------- */

/* Whether padded cell k lies in the worker's filled rectangle shrunk by `margin`. */
static int ws_inside(const worker_state *ws, size_t k, int margin)
{
    int c = (int)(k % (size_t)ws->pw), r = (int)(k / (size_t)ws->pw);
    return r >= ws->fill[0] + margin && r <= ws->fill[1] - margin &&
           c >= ws->fill[2] + margin && c <= ws->fill[3] - margin;
}

/* The time at padded cell k: +INF outside the filled rectangle. */
static float ws_at(const worker_state *ws, size_t k)
{
    return ws_inside(ws, k, 0) ? ws->time_s[k] : INFINITY;
}

static void fill_inf(float *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        t[i] = INFINITY;
}

/* Makes the padded rectangle win (rows win[0]..win[1], columns win[2]..win[3]) hold +INF
 * outside the cells of the last search (already reset). A window within the filled
 * rectangle reuses it; else the pages are returned to the system and only the window is
 * filled: a worker holds its hub's window, or the one before when this lies within it. */
static void ws_window(worker_state *ws, const int win[4])
{
    int *f = ws->fill, empty = f[1] < f[0];
    if (!empty && win[0] >= f[0] && win[1] <= f[1] && win[2] >= f[2] && win[3] <= f[3])
        return;
    int u[4] = {empty || win[0] < f[0] ? win[0] : f[0], empty || win[1] > f[1] ? win[1] : f[1],
                empty || win[2] < f[2] ? win[2] : f[2], empty || win[3] > f[3] ? win[3] : f[3]};
    double wcells = (double)(win[1] - win[0] + 1) * (win[3] - win[2] + 1);
    double ucells = (double)(u[1] - u[0] + 1) * (u[3] - u[2] + 1);
    if (!empty && ucells > wcells) {
        size_t pg = (size_t)sysconf(_SC_PAGESIZE), rb = (size_t)ws->pw * sizeof(float);
        size_t a = (size_t)f[0] * rb / pg * pg, b = ((size_t)f[1] + 1) * rb;
        b = b > ws->map_bytes ? ws->map_bytes : (b + pg - 1) / pg * pg;
        madvise((char *)ws->time_s + a, b - a, MADV_DONTNEED); /* a hint: zero pages after */
        empty = 1;
        memcpy(u, win, sizeof u);
    }
    for (int r = u[0]; r <= u[1]; r++) {
        float *row = ws->time_s + (size_t)r * (size_t)ws->pw;
        if (empty || r < f[0] || r > f[1]) {
            fill_inf(row + u[2], (size_t)(u[3] - u[2] + 1));
        } else {
            if (u[2] < f[2])
                fill_inf(row + u[2], (size_t)(f[2] - u[2]));
            if (u[3] > f[3])
                fill_inf(row + f[3] + 1, (size_t)(u[3] - f[3]));
        }
    }
    memcpy(f, u, sizeof u);
}

/* The padded rectangle a search from `seeds` within `budget_s` cannot leave: a cell at
 * Euclidean distance d from a seed is reached no sooner than d × the least friction (every
 * move of either kernel costs its length times frictions no less than that), plus ISR_PAD
 * cells that the kernel reads around each cell it settles and one for rounding. The whole
 * padded grid when the least friction is 0 or there is no land. */
static void hub_window(const isr_grid *g, float fric_min, const isr_seed *seeds, size_t ns,
                       double budget_s, int win[4])
{
    int pw = isr_grid_pw(g), ph = isr_grid_ph(g);
    int all[4] = {0, ph - 1, 0, pw - 1};
    if (!(fric_min > 0) || !isfinite(fric_min) || ns == 0) {
        memcpy(win, all, sizeof all);
        return;
    }
    win[0] = ph;
    win[1] = -1;
    win[2] = pw;
    win[3] = -1;
    for (size_t i = 0; i < ns; i++) {
        double rad = (budget_s - seeds[i].t_s) / (fric_min * g->cell_m);
        double m = ceil(fmax(rad, 0)) + ISR_PAD + 1;
        if (m > pw + ph) {
            memcpy(win, all, sizeof all);
            return;
        }
        int c = (int)(seeds[i].idx % (uint32_t)pw), r = (int)(seeds[i].idx / (uint32_t)pw);
        int mi = (int)m;
        if (r - mi < win[0]) win[0] = r - mi;
        if (r + mi > win[1]) win[1] = r + mi;
        if (c - mi < win[2]) win[2] = c - mi;
        if (c + mi > win[3]) win[3] = c + mi;
    }
    win[0] = win[0] < 0 ? 0 : win[0];
    win[1] = win[1] > ph - 1 ? ph - 1 : win[1];
    win[2] = win[2] < 0 ? 0 : win[2];
    win[3] = win[3] > pw - 1 ? pw - 1 : win[3];
}

/* ---- one hub ------------------------------------------------------------------------------ */

/* Reuses a hub raster written by an earlier run with the same settings; returns 0 (and
 * leaves the time array clean) when it cannot be used. */
static int load_existing(isr_batch *jb, const char *path, float *time_s, isr_cd_work *w)
{
    isr_ctx *quiet = isr_ctx_new(); /* a raster that does not fit is recomputed, not an error */
    int ok = quiet && isr_time_raster_read(quiet, path, jb->grid, jb->settings, time_s, w,
                                           NULL, NULL) == ISR_OK;
    /* why, unless other settings (the run's summary says those): a damaged file was
     * recomputed without a word on which or why */
    if (quiet && !ok && !strstr(isr_ctx_errmsg(quiet), "was made with other settings"))
        isr_log(jb->ctx, ISR_LOG_INFO, "%s; the hub is recomputed", isr_ctx_errmsg(quiet));
    isr_ctx_free(quiet);
    return ok;
}

/* The search's minutes cropped to the cells reached, on the grid's cell edges (a 1-cell
 * raster at the hub when nothing was reached), nodata ISR_TIME_NODATA: what travel_time.tif
 * holds. New memory, NULL when out of memory. */
static float *hub_crop(const isr_grid *g, const isr_rail_net *net, int station,
                       const float *time_s, const isr_cd_work *w, int *c0, int *r0, int *cw,
                       int *ch)
{
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
        isr_rail_station_xy(net, station, &x, &y);
        if (!isr_grid_cell_of(g, x, y, &cmin, &rmin))
            cmin = rmin = 0;
        cmax = cmin;
        rmax = rmin;
    }
    int ww = cmax - cmin + 1, hh = rmax - rmin + 1;
    float *out = malloc((size_t)ww * (size_t)hh * sizeof *out);
    if (!out)
        return NULL;
    for (int r = 0; r < hh; r++)
        for (int c = 0; c < ww; c++) {
            float t = time_s[isr_grid_pidx(g, cmin + c, rmin + r)];
            out[(size_t)r * (size_t)ww + (size_t)c] = isinf(t) ? (float)ISR_TIME_NODATA : t / 60.0f;
        }
    *c0 = cmin;
    *r0 = rmin;
    *cw = ww;
    *ch = hh;
    return out;
}

/* Writes the cropped travel-time raster of one hub. */
static isr_status write_hub(isr_batch *jb, int hub_no, const char *path, const float *time_s,
                            const isr_cd_work *w)
{
    const isr_grid *g = jb->grid;
    int cmin, rmin, ww, hh;
    float *out = hub_crop(g, jb->net, jb->hubs[hub_no], time_s, w, &cmin, &rmin, &ww, &hh);
    if (!out)
        return isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path);
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
    /* GTFS: the percentile over the window (isochrones and reach read this raster) */
    int to = jb->opt->direction == ISR_TO_HUB;
    char *when = jb->gtfs ? isr_gtfs_when(jb->gtfs, jb->opt->date) : NULL;
    char *desc = when ? isr_strdup_printf("p%g travel time %s the hub (minutes) %s",
                                          jb->opt->percentile, to ? "to" : "from", when)
                      : NULL;
    free(when);
    if (st == ISR_OK)
        st = isr_write_cog(jb->ctx, path, g, cmin, rmin, ww, hh, GDT_Float32, out, ISR_TIME_NODATA,
                           desc                              ? desc
                           : jb->opt->direction == ISR_TO_HUB ? "travel time to the hub (minutes)"
                                                             : "travel time from the hub (minutes)",
                           "min", meta, "AVERAGE");
    free(desc);
    for (int i = 0; i < n_meta; i++)
        free(meta[i]);
    free(out);
    return st;
}

/* Writes the rail travel time between the hub and every station, and the door-to-door time
 * at its cell (`time_s`, the hub's search): where local travel gets there sooner than the
 * train (by more than a second), the station is "reached_by" local travel, not rail. */
static isr_status write_stations_csv(isr_batch *jb, int hub_no, const char *path,
                                     const double *arr, const worker_state *ws)
{
    char *tmp;
    FILE *f;
    isr_status st = isr_open_tmp(jb->ctx, path, &tmp, &f); /* the reason kept on failure */
    if (st != ISR_OK)
        return st;
    double budget_s = jb->opt->budget_min * 60.0;
    fputs(ISR_CSV_BOM ISR_STATIONS_CSV_HEADER, f);
    const char *hub_id = isr_rail_station_id(jb->net, jb->hubs[hub_no]);
    for (int i = 0; i < isr_rail_net_nstations(jb->net); i++) {
        double x, y, door = INFINITY;
        int c, r;
        isr_rail_station_xy(jb->net, i, &x, &y);
        if (isr_grid_cell_of(jb->grid, x, y, &c, &r))
            door = ws_at(ws, isr_grid_pidx(jb->grid, c, r));
        isr_csv_field(f, hub_id);
        fputc(',', f);
        isr_csv_field(f, isr_rail_station_id(jb->net, i));
        fputc(',', f);
        isr_csv_field(f, isr_rail_station_name(jb->net, i));
        fputc(',', f);
        isr_csv_field(f, isr_rail_station_name_en(jb->net, i));
        if (isinf(arr[i]))
            isr_fprintf(f, ",,%.3f,%.3f", x, y);
        else
            isr_fprintf(f, ",%.3f,%.3f,%.3f", arr[i] / 60.0, x, y);
        isr_fprintf(f, ",%.6f,%.6f", jb->st_lonlat[2 * i], jb->st_lonlat[2 * i + 1]);
        /* GTFS: door times are whole minutes of the percentile (as R5), rail times not */
        double rail = jb->gtfs ? floor(arr[i] / 60.0) * 60.0 : arr[i];
        const char *by = arr[i] <= budget_s && !(door < rail - 1.0) ? "rail"
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

static isr_status merge_region(isr_batch *jb, int hub_no, const float *time_s,
                               const isr_cd_work *w)
{
    const isr_grid *g = jb->grid;
    const int pw = isr_grid_pw(g);
    isr_acc_tile *t = NULL;
    int ltc = -1, ltr = -1;
    mtx_lock(&jb->merge_lock);
    for (size_t i = 0; i < w->ntouched; i++) {
        uint32_t k = w->touched[i];
        int c = (int)(k % (uint32_t)pw) - ISR_PAD, r = (int)(k / (uint32_t)pw) - ISR_PAD;
        int tc = c / ISR_ACC_TILE, tr = r / ISR_ACC_TILE;
        if (tc != ltc || tr != ltr) {
            if (!(t = isr_acc_tile_make(&jb->acc, tc, tr))) {
                mtx_unlock(&jb->merge_lock);
                return isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory for the region products");
            }
            ltc = tc;
            ltr = tr;
        }
        size_t u = (size_t)(r % ISR_ACC_TILE) * ISR_ACC_TILE + (size_t)(c % ISR_ACC_TILE);
        float v = time_s[k] / 60.0f;
        if (v < t->t[u] || (v == t->t[u] && hub_no < t->hub[u])) {
            t->t[u] = v;
            t->hub[u] = (int16_t)hub_no;
        }
        t->count[u]++;
    }
    mtx_unlock(&jb->merge_lock);
    return ISR_OK;
}

/* Reach tallies of one hub's search, kept for the region products, and its tables. */
static isr_status hub_reach(isr_batch *jb, int hub_no, worker_state *ws, const char *dir)
{
    const isr_grid *g = jb->grid;
    int s = jb->hubs[hub_no];
    isr_reach_compute(&ws->reach, jb->zones, g, ws->time_s, ws->w.touched, ws->w.ntouched,
                      jb->own_unit[hub_no]);
    isr_hub_result *res = &jb->results[hub_no];
    isr_reach_totals(&ws->reach, jb->zones, &res->tot);
    isr_reach_store(&ws->reach, jb->zones, hub_no, jb->hub_cells, jb->hub_pop, res->own);
    /* reach.csv, summary.csv and people_by_minute.csv are written even for a reused hub:
     * `isoreach reach` may have rewritten them with other boundaries or people since, and
     * they cost little */
    char *csv = isr_strdup_printf("%s/reach.csv", dir);
    isr_status st = csv ? ISR_OK : isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
    const char *hub_id = isr_rail_station_id(jb->net, s);
    if (st == ISR_OK)
        st = isr_reach_write_csv(jb->ctx, csv, hub_id, &ws->reach, jb->zones, jb->units,
                                 g->cell_m * g->cell_m / 1e6);
    isr_hub_tables ht = {hub_id, isr_rail_station_name(jb->net, s), &res->tot, res->own,
                         jb->opt->budget_min};
    if (st == ISR_OK)
        st = isr_hub_tables_write(jb->ctx, dir, &ht, jb->zones, jb->units, g, ws->time_s,
                                  ws->w.touched, ws->w.ntouched,
                                  isr_zones_people(jb->zones, jb->units));
    free(csv);
    return st;
}

/* One hub's isochrones.geojson from its search (read only), with the GEOS context and band
 * array of the thread that builds them. */
static isr_status hub_isochrones(isr_batch *jb, int hub_no, const worker_state *ws,
                                 isr_geos *gc, isr_band_poly *bands, const char *dir)
{
    const isr_grid *g = jb->grid;
    int s = jb->hubs[hub_no];
    char *geojson = isr_strdup_printf("%s/isochrones.geojson", dir);
    if (!geojson)
        return isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
    isr_status st = isr_isochrones_build(jb->ctx, gc, g, ws->time_s, ws->w.touched,
                                         ws->w.ntouched, isr_zones_people(jb->zones, jb->units),
                                         jb->bands, jb->nbands, jb->opt->min_area_km2 * 1e6,
                                         jb->opt->simplify_m, bands);
    if (st == ISR_OK)
        st = isr_isochrones_write(jb->ctx, gc, geojson, g->wkt, bands, jb->nbands,
                                  isr_rail_station_id(jb->net, s),
                                  isr_rail_station_name(jb->net, s));
    isr_band_polys_free(gc, bands, jb->nbands);
    free(geojson);
    return st;
}

/* Whether `path` opens and its first line is whole and starts with `head`; *rows (when not
 * NULL) counts the whole lines after it, -1 when the last one is cut short. */
static int csv_header_ok(const char *path, const char *head, long *rows)
{
    char line[512];
    FILE *f = fopen(path, "r");
    int ok = f && fgets(line, sizeof line, f) && strcmp(line, head) == 0;
    if (ok && rows) {
        int c, last = '\n';
        *rows = 0;
        while ((c = getc(f)) != EOF) {
            *rows += c == '\n';
            last = c;
        }
        if (last != '\n')
            *rows = -1;
    }
    if (f)
        fclose(f);
    return ok;
}

/* Whether a hub's earlier outputs are all there and readable (then its raster is reused if
 * its settings match): the tables have their header line, stations.csv one whole row per
 * station, the isochrones parse as a FeatureCollection of 2 features per band (what the run
 * writes for these inputs, which the settings' fingerprint covers). 0: none exists; 1: all
 * are good; -1: some are missing or damaged (then `why` says which, when it can). */
static int hub_outputs_ok(const isr_batch *jb, const char *dir, char *why, size_t nwhy)
{
    static const char *const names[] = {"travel_time.tif", "stations.csv", "reach.csv",
                                        "isochrones.geojson"};
    char path[4096];
    int found = 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        found += isr_file_exists(path);
    }
    if (jb->gtfs) { /* and the percentiles, written before travel_time.tif */
        snprintf(path, sizeof path, "%s/percentiles.tif", dir);
        if (found == 4 && !isr_file_exists(path)) {
            snprintf(why, nwhy, "'%s' is missing", path);
            return -1;
        }
    }
    if (found < 4)
        return found ? -1 : 0;
    snprintf(path, sizeof path, "%s/stations.csv", dir);
    long rows = 0, nst = isr_rail_net_nstations(jb->net);
    if (!csv_header_ok(path, ISR_CSV_BOM ISR_STATIONS_CSV_HEADER, &rows))
        return -1;
    if (rows != nst) {
        if (rows < 0)
            snprintf(why, nwhy, "'%s' ends in a row cut short", path);
        else
            snprintf(why, nwhy, "'%s' holds %ld of its %ld station rows", path, rows, nst);
        return -1;
    }
    snprintf(path, sizeof path, "%s/reach.csv", dir);
    if (!csv_header_ok(path, ISR_CSV_BOM ISR_REACH_CSV_HEADER, NULL))
        return -1;
    snprintf(path, sizeof path, "%s/isochrones.geojson", dir);
    json_object *root = json_object_from_file(path), *feats = NULL;
    int whole = root && json_object_object_get_ex(root, "features", &feats) &&
                json_object_is_type(feats, json_type_array);
    size_t nf = whole ? json_object_array_length(feats) : 0;
    json_object_put(root);
    if (!whole)
        snprintf(why, nwhy, "'%s' is not whole", path);
    else if (nf != (size_t)(2 * jb->nbands)) /* whole, but of another band list */
        snprintf(why, nwhy,
                 "'%s' holds %zu features where this run's %d bands make %d: it was made with "
                 "other --bands or --budget",
                 path, nf, jb->nbands, 2 * jb->nbands);
    return whole && nf == (size_t)(2 * jb->nbands) ? 1 : -1;
}

/* The seeds of one hub from its rail arrival times ws->arr (every station reached within
 * the budget seeds its cell), and its window filled with +INF (ws_window). */
static size_t seeds_of(const isr_grid *g, const isr_rail_net *net, const double *arr,
                       double budget_s, isr_seed *seeds)
{
    size_t ns = 0;
    for (int i = 0; i < isr_rail_net_nstations(net); i++) {
        double x, y;
        int c, r;
        isr_rail_station_xy(net, i, &x, &y);
        if (arr[i] <= budget_s && isr_grid_cell_of(g, x, y, &c, &r))
            seeds[ns++] = (isr_seed){(uint32_t)isr_grid_pidx(g, c, r), (float)arr[i]};
    }
    return ns;
}

static size_t hub_seeds(const isr_grid *g, float fric_min, const isr_rail_net *net,
                        worker_state *ws, double budget_s)
{
    size_t ns = seeds_of(g, net, ws->arr, budget_s, ws->seeds);
    int win[4];
    hub_window(g, fric_min, ws->seeds, ns, budget_s, win);
    ws_window(ws, win);
    return ns;
}

isr_status isr_hubs_window(isr_ctx *ctx, const isr_model *m, int win[4])
{
    const isr_options *o = m->opt;
    isr_rail_params rp = {o->dwell_min * 60.0, o->transfer_min * 60.0, o->wait, o->direction};
    int nst = isr_rail_net_nstations(m->net);
    double budget_s = o->budget_min * 60.0, *arr = malloc((size_t)(nst > 0 ? nst : 1) * sizeof *arr);
    isr_seed *seeds = malloc((size_t)(nst > 0 ? nst : 1) * sizeof *seeds);
    isr_status st = arr && seeds ? ISR_OK : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    win[0] = win[2] = INT_MAX;
    win[1] = win[3] = -1;
    for (int h = 0; st == ISR_OK && h < m->hubs.n; h++) {
        if ((st = isr_rail_search(ctx, m->net, &rp, m->hubs.hubs[h], arr)) != ISR_OK)
            break;
        int w[4];
        hub_window(&m->grid, m->fric_min, seeds, seeds_of(&m->grid, m->net, arr, budget_s, seeds),
                   budget_s, w);
        win[0] = w[0] < win[0] ? w[0] : win[0];
        win[1] = w[1] > win[1] ? w[1] : win[1];
        win[2] = w[2] < win[2] ? w[2] : win[2];
        win[3] = w[3] > win[3] ? w[3] : win[3];
    }
    free(arr);
    free(seeds);
    return st;
}

/* The grid search of one hub from the seeds of hub_seeds. Should a settled cell come within
 * ISR_PAD of the window's edge (the bound failed), the search is run again on the whole
 * grid. 0; 1 when it was run again (the same times: a bound to mend); -1 when out of memory. */
static int hub_costdist(const isr_grid *g, isr_fric fric, float fric_min, const uint8_t *clear,
                        worker_state *ws, size_t ns, double budget_s)
{
    size_t pw = (size_t)isr_grid_pw(g), ph = (size_t)isr_grid_ph(g);
    ws->w.fric_min = fric_min; /* the r.cost kernel's queue bands (costdist.h) */
    for (int pass = 0; pass < 2; pass++) {
        if (isr_fric_costdist(fric, clear, pw, ph, g->cell_m, ws->seeds, ns, (float)budget_s,
                              ws->time_s, &ws->w) != 0)
            return -1;
        int inside = 1;
        for (size_t i = 0; i < ws->w.ntouched && inside; i++)
            inside = ws_inside(ws, ws->w.touched[i], ISR_PAD);
        if (inside)
            return pass; /* 1: the second, on the whole grid */
        for (size_t i = 0; i < ws->w.ntouched; i++)
            ws->time_s[ws->w.touched[i]] = INFINITY;
        ws->w.ntouched = 0;
        int all[4] = {0, (int)ph - 1, 0, (int)pw - 1};
        ws_window(ws, all);
    }
    return 1;
}

/* GTFS mode: the chosen percentile of the window's cells (minutes, from isr_gtfs_hub) as the
 * hub's times in seconds, the cells listed in touched. 0, or -1 when out of memory. */
static int gtfs_fill(const isr_gtfs_run *gr, worker_state *ws, const int win[4],
                     const float *pct)
{
    if (win[1] < win[0])
        return 0;
    int ww = win[3] - win[2] + 1;
    size_t n = (size_t)(win[1] - win[0] + 1) * (size_t)ww;
    const float *t = pct + (size_t)gr->gs.chosen * n;
    isr_cd_work *w = &ws->w;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(t[i]))
            continue;
        if (w->ntouched == w->touched_cap) {
            size_t cap = w->touched_cap ? 2 * w->touched_cap : 4096;
            uint32_t *p = realloc(w->touched, cap * sizeof *p);
            if (!p)
                return -1;
            w->touched = p;
            w->touched_cap = cap;
        }
        size_t k = (size_t)(win[0] + (int)(i / (size_t)ww)) * (size_t)ws->pw +
                   (size_t)(win[2] + (int)(i % (size_t)ww));
        ws->time_s[k] = t[i] * 60.0f;
        w->touched[w->ntouched++] = (uint32_t)k;
    }
    return 0;
}

/* A hub's earlier raster read into its window; 0 (window clean) when it does not fit. */
static int load_existing_in(isr_batch *jb, const char *path, worker_state *ws)
{
    if (!load_existing(jb, path, ws->time_s, &ws->w))
        return 0;
    int inside = 1;
    for (size_t i = 0; i < ws->w.ntouched && inside; i++)
        inside = ws_inside(ws, ws->w.touched[i], 0);
    if (inside)
        return 1;
    for (size_t i = 0; i < ws->w.ntouched; i++) /* cells beyond the window are never read */
        if (ws_inside(ws, ws->w.touched[i], 0))
            ws->time_s[ws->w.touched[i]] = INFINITY;
    ws->w.ntouched = 0;
    return 0;
}

/* A hub's isochrones built and written on a spare thread (hub_isochrones), with a GEOS
 * context of its own. */
typedef struct hub_iso {
    isr_batch *jb;
    int hub_no;
    worker_state *ws;
    const char *dir;
    isr_status st;
} hub_iso;

static int hub_iso_run(void *arg)
{
    hub_iso *c = arg;
    isr_gdal_errors_push(c->jb->ctx); /* GDAL's handlers are per thread */
    isr_geos gc;
    isr_geos_init(&gc);
    c->st = hub_isochrones(c->jb, c->hub_no, c->ws, &gc, c->ws->bands, c->dir);
    isr_geos_finish(&gc);
    isr_gdal_errors_pop();
    return 0;
}

/* A hub's files: stations.csv, the reach tables (hub_reach) and isochrones, and its raster
 * last, whose presence marks the hub complete for a resumed run; then its cells merged into
 * the region's. With a spare thread (fewer hubs than threads: a run of one hub) the
 * isochrones, the longest part, are built beside the rest, and the raster, written under a
 * temporary name meanwhile, takes its own name when they are done. The files are the same
 * either way: every part only reads the hub's times, which nothing writes meanwhile. */
static isr_status hub_outputs(isr_batch *jb, int hub_no, const char *csv, const char *dir,
                              const char *path, const double *arr, worker_state *ws)
{
    hub_iso c = {jb, hub_no, ws, dir, ISR_OK};
    thrd_t tid;
    char *tmp = jb->spare > 0 ? isr_tmp_name(path) : NULL;
    int beside = tmp && thrd_create(&tid, hub_iso_run, &c) == thrd_success;
    isr_status st = write_stations_csv(jb, hub_no, csv, arr, ws);
    if (st == ISR_OK)
        st = hub_reach(jb, hub_no, ws, dir);
    if (!beside && st == ISR_OK)
        st = hub_isochrones(jb, hub_no, ws, &ws->geos, ws->bands, dir);
    if (st == ISR_OK)
        st = write_hub(jb, hub_no, beside ? tmp : path, ws->time_s, &ws->w);
    if (st == ISR_OK)
        st = merge_region(jb, hub_no, ws->time_s, &ws->w);
    if (beside) {
        thrd_join(tid, NULL);
        if (st == ISR_OK)
            st = c.st;
        if (st == ISR_OK)
            st = isr_cog_commit(jb->ctx, tmp, path);
        else /* a hub that failed leaves no raster, named or not */
            isr_cog_discard(tmp);
    }
    free(tmp);
    return st;
}

static isr_status run_hub(isr_batch *jb, int hub_no, worker_state *ws)
{
    double t0 = isr_now_s();
    int s = jb->hubs[hub_no];
    isr_hub_result *res = &jb->results[hub_no];
    float *time_s = ws->time_s;
    isr_cd_work *w = &ws->w;
    double *arr = ws->arr;
    res->station = s;
    float *pct = NULL; /* GTFS: the percentiles over the window (isr_gtfs_hub) */
    int win[4] = {0, -1, 0, -1};
    char *dir = isr_strdup_printf("%s/%s", jb->hubs_dir, jb->folders[hub_no]);
    char *path = dir ? isr_strdup_printf("%s/travel_time.tif", dir) : NULL;
    char *csv = dir ? isr_strdup_printf("%s/stations.csv", dir) : NULL;
    isr_status st = ISR_OK;
    if (!path || !csv) {
        st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if ((st = jb->gtfs ? isr_gtfs_hub(jb->ctx, jb->gtfs, s, win, &pct, arr)
                       : isr_rail_search(jb->ctx, jb->net, &jb->rp, s, arr)) != ISR_OK)
        goto cleanup;
    double budget_s = jb->opt->budget_min * 60.0;
    for (int i = 0; i < isr_rail_net_nstations(jb->net); i++)
        if (arr[i] <= budget_s)
            res->stations_reached++;
    size_t ns = 0;
    if (!jb->gtfs)
        ns = hub_seeds(jb->grid, jb->fric_min, jb->net, ws, budget_s);
    else if (win[1] >= win[0])
        ws_window(ws, win);
    char why[4200] = "";
    int had = jb->opt->overwrite ? 0 : hub_outputs_ok(jb, dir, why, sizeof why);
    int reuse = had > 0 && load_existing_in(jb, path, ws);
    if (!reuse && jb->opt->reuse_only) { /* isr_merge: a hub is never computed there */
        int none = 0;
        atomic_compare_exchange_strong(&jb->refused, &none, hub_no + 1); /* shard.c names it */
        st = isr_fail(jb->ctx, ISR_ERR_INPUT,
                      "hub '%s': its outputs in '%s' are %s%s%s; run its shard again",
                      isr_rail_station_id(jb->net, s), dir,
                      had == 0 ? "missing" : had < 0 ? "incomplete" : "from other settings",
                      *why ? " — " : "", why);
        goto reset;
    }
    if (*why)
        isr_log(jb->ctx, ISR_LOG_INFO, "hub '%s': %s: recomputing the hub",
                isr_rail_station_id(jb->net, s), why);
    if (reuse) {
        res->skipped = 1;
        if ((st = hub_reach(jb, hub_no, ws, dir)) == ISR_OK && jb->recount)
            st = hub_isochrones(jb, hub_no, ws, &ws->geos, ws->bands, dir); /* their people */
        if (st == ISR_OK)
            st = merge_region(jb, hub_no, time_s, w);
    } else {
        res->stale = had != 0;
        int e = jb->gtfs ? -(gtfs_fill(jb->gtfs, ws, win, pct) != 0)
                         : hub_costdist(jb->grid, jb->fric, jb->fric_min, jb->clear, ws, ns,
                                        budget_s);
        if (e < 0) {
            st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory in the cost-distance search");
            goto reset;
        }
        if (e > 0) /* never while the bound holds (tests/test_roads.c checks) */
            isr_log(jb->ctx, ISR_LOG_INFO,
                    "hub '%s': its search left the window its bound gave it and ran again on "
                    "the whole grid (the same times, more time)",
                    isr_rail_station_id(jb->net, s));
        res->search_seconds = isr_now_s() - t0;
        char *ppath = jb->gtfs ? isr_strdup_printf("%s/percentiles.tif", dir) : NULL;
        if (jb->gtfs && (st = ppath ? isr_mkdirs_under(jb->ctx, jb->opt->out, dir)
                                    : isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory")) ==
                            ISR_OK)
            st = isr_gtfs_write_percentiles(jb->ctx, jb->gtfs, jb->opt->date, jb->grid, win,
                                            pct, ppath);
        free(ppath);
        if (st != ISR_OK)
            goto reset;
        if ((st = isr_mkdirs_under(jb->ctx, jb->opt->out, dir)) != ISR_OK ||
            (st = hub_outputs(jb, hub_no, csv, dir, path, arr, ws)) != ISR_OK)
            goto reset;
    }
    res->cells = w->ntouched;
reset:
    for (size_t i = 0; i < w->ntouched; i++)
        time_s[w->touched[i]] = INFINITY;
    w->ntouched = 0;
    if (st != ISR_OK)
        rmdir(dir); /* only when the failure left it empty */
cleanup:
    res->seconds = isr_now_s() - t0;
    free(pct);
    free(dir);
    free(path);
    free(csv);
    return st;
}

/* A worker's buffers: a padded time grid (address space; each hub fills its window), rail
 * arrivals, seeds, reach tallies. */
static isr_status ws_init(isr_ctx *ctx, const isr_grid *g, const isr_rail_net *net,
                          const isr_zones *zones, const isr_options *opt, worker_state *ws)
{
    size_t n = isr_grid_pcells(g);
    int ns = isr_rail_net_nstations(net);
    memset(ws, 0, sizeof *ws);
    isr_geos_init(&ws->geos);
    ws->pw = isr_grid_pw(g);
    ws->ph = isr_grid_ph(g);
    ws->fill[0] = 0;
    ws->fill[1] = -1;
    ws->map_bytes = n * sizeof *ws->time_s;
    void *map = mmap(NULL, ws->map_bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ws->time_s = map == MAP_FAILED ? NULL : map;
    ws->arr = malloc((size_t)ns * sizeof *ws->arr);
    ws->seeds = malloc((size_t)ns * sizeof *ws->seeds);
    if (!ws->time_s || !ws->arr || !ws->seeds || isr_reach_init(ctx, &ws->reach, zones) != ISR_OK)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for a worker's %zu-cell time grid",
                        n);
    ws->reach.min_cells = isr_reach_min_cells(opt->min_reach_km2, g->cell_m);
    return ISR_OK;
}

static void ws_free(worker_state *ws)
{
    isr_cd_work_free(&ws->w);
    isr_reach_free(&ws->reach);
    if (ws->time_s)
        munmap(ws->time_s, ws->map_bytes);
    free(ws->arr);
    free(ws->seeds);
    isr_geos_finish(&ws->geos);
}

static int worker(void *arg)
{
    isr_batch *jb = arg;
    isr_gdal_errors_push(jb->ctx);
    worker_state ws;
    if (ws_init(jb->ctx, jb->grid, jb->net, jb->zones, jb->opt, &ws) != ISR_OK) {
        atomic_store(&jb->failed, (int)ISR_ERR_MEMORY);
        goto cleanup;
    }
    for (;;) {
        if (atomic_load(&jb->failed) || isr_cancelled(jb->ctx))
            break;
        int h = atomic_fetch_add(&jb->next, 1);
        if (h >= jb->nhubs)
            break;
        isr_status st = run_hub(jb, h, &ws);
#ifdef __GLIBC__
        /* what the hub's outputs freed (windows of floats, polygons, GDAL's buffers) would stay
         * in this thread's heap, beside the next hub's (the sample's hubs at 100 m: 20 MB
         * off the run's peak, 0.1 s of CPU in all) */
        malloc_trim(0);
#endif
        if (st == ISR_ERR_INTERRUPTED) /* a write stopped by isr_ctx_cancel: isr_run says so */
            break;
        if (st != ISR_OK) {
            atomic_store(&jb->failed, (int)st);
            break;
        }
        int done = atomic_fetch_add(&jb->done, 1) + 1;
        isr_progress(jb->ctx, "hubs", (size_t)done, (size_t)jb->nhubs);
    }
cleanup:
    ws_free(&ws);
    isr_gdal_errors_pop();
    return 0;
}

/* An input by its file name: no path of the machine in the rasters' metadata, and the
 * settings compare equal however the input was named (the fingerprint covers its content). */
static const char *file_name(const char *path)
{
    const char *s = path && !isr_is_url(path) ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path ? path : "";
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
        o->direction == ISR_TO_HUB ? "to" : "from", o->snap_m, file_name(o->friction),
        /* GTFS: the (first) feed is the stations, and there are no lines */
        file_name(o->ngtfs > 0 ? o->gtfs[0] : o->stations), o->ngtfs > 0 ? "" : file_name(o->lines),
        file_name(o->boundaries),
        file_name(o->population),
        o->bands ? o->bands : "", o->min_area_km2, o->simplify_m, g->x0, g->y0, g->nx, g->ny,
        (unsigned long long)fingerprint);
}

char *isr_batch_settings(isr_ctx *ctx, const isr_model *m, const isr_options *o)
{
    return settings_string(o, &m->grid, isr_run_fingerprint(ctx, o, m->wkt));
}

/* ---- a pass -------------------------------------------------------------------------------- */

/* The stations' lon/lat (WGS 84) for stations.csv, once per pass: b->st_lonlat. */
static isr_status stations_lonlat(isr_batch *b)
{
    int n = isr_rail_net_nstations(b->net);
    b->st_lonlat = malloc((size_t)(n > 0 ? 2 * n : 1) * sizeof *b->st_lonlat);
    OGRCoordinateTransformationH ct = isr_ct_to_wgs84(b->wkt);
    isr_status st = ISR_OK;
    if (!b->st_lonlat)
        st = isr_fail(b->ctx, ISR_ERR_MEMORY, "out of memory");
    else if (!ct)
        st = isr_fail_gdal(b->ctx, ISR_ERR_CRS,
                           "stations.csv: cannot transform the analysis CRS to WGS 84 (lon/lat)");
    for (int i = 0; st == ISR_OK && i < n; i++) {
        double x, y;
        isr_rail_station_xy(b->net, i, &x, &y);
        if (!OCTTransform(ct, 1, &x, &y, NULL))
            st = isr_fail_gdal(b->ctx, ISR_ERR_CRS,
                               "stations.csv: station '%s' (%.3f, %.3f) has no lon/lat in WGS 84",
                               isr_rail_station_id(b->net, i), x, y);
        b->st_lonlat[2 * i] = x;
        b->st_lonlat[2 * i + 1] = y;
    }
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    return st;
}

/* The accumulators of a pass: region minimum, nearest hub, count, results, reach tables. */
static isr_status batch_alloc(isr_batch *b, const isr_model *m)
{
    for (int k = 0; k < ISR_NLEVELS; k++) {
        size_t n = (size_t)b->nhubs * (size_t)(m->zones.ngroups[k] > 0 ? m->zones.ngroups[k] : 1);
        b->hub_cells[k] = calloc(n, sizeof *b->hub_cells[k]);
        b->hub_pop[k] = calloc(n, sizeof *b->hub_pop[k]);
        if (!b->hub_cells[k] || !b->hub_pop[k])
            return isr_fail(b->ctx, ISR_ERR_MEMORY, "out of memory for the reach tables");
    }
    b->settings = settings_string(b->opt, &m->grid, isr_run_fingerprint(b->ctx, b->opt, m->wkt));
    b->hubs_dir = isr_strdup_printf("%s/hubs", b->opt->out);
    b->region_dir = isr_strdup_printf("%s/region", b->opt->out);
    b->results = calloc((size_t)b->nhubs, sizeof *b->results);
    if (!b->settings || !b->hubs_dir || !b->region_dir || !b->results)
        return isr_fail(b->ctx, ISR_ERR_MEMORY, "out of memory for the region products");
    isr_status st = isr_acc_init(b->ctx, &b->acc, m->grid.nx, m->grid.ny);
    if (st != ISR_OK || (st = stations_lonlat(b)) != ISR_OK)
        return st;
    if ((st = isr_mkdirs_under(b->ctx, b->opt->out, b->hubs_dir)) != ISR_OK ||
        (st = isr_mkdirs_under(b->ctx, b->opt->out, b->region_dir)) != ISR_OK)
        return st;
    if (mtx_init(&b->merge_lock, mtx_plain) != thrd_success)
        return isr_fail(b->ctx, ISR_ERR_INTERNAL, "cannot create a mutex");
    b->lock_ok = 1;
    return ISR_OK;
}

/* The workers, on `threads` threads (the calling thread when none starts). */
static void batch_threads(isr_batch *b, int threads)
{
    thrd_t tids[1024];
    int started = 0;
    b->started = 1;
    for (int i = 0; i < threads; i++, started++)
        if (thrd_create(&tids[i], worker, b) != thrd_success)
            break;
    if (started == 0)
        worker(b);
    for (int i = 0; i < started; i++)
        thrd_join(tids[i], NULL);
}

/* A pass on a model after isr_model_searched: refused, as its clearance map was let go and
 * the r.cost kernel would run unasked. */
static isr_status searched_refused(isr_ctx *ctx)
{
    return isr_fail(ctx, ISR_ERR_INTERNAL, "the model was searched for the last time");
}

/* A pass's batch over `set` of m with options o, its accumulators made; *threads the
 * workers it may run. */
static isr_status batch_setup(isr_ctx *ctx, const isr_model *m, const isr_options *o,
                              const isr_hub_set *set, isr_batch *b, int *threads_out)
{
    memset(b, 0, sizeof *b);
    if (m->searched)
        return searched_refused(ctx);
    b->ctx = ctx;
    b->opt = o;
    b->recount = o->recount_reused || isr_out_recount_pending(o->out);
    b->grid = &m->grid;
    b->fric = isr_model_fric(m);
    b->fric_min = m->fric_min;
    b->clear = m->clear;
    b->net = m->net;
    b->gtfs = m->gtfs;
    b->rp = (isr_rail_params){o->dwell_min * 60.0, o->transfer_min * 60.0, o->wait, o->direction};
    b->hubs = set->hubs;
    b->nhubs = set->n;
    b->folders = set->folders;
    b->zones = &m->zones;
    b->units = &m->units;
    b->bands = m->bands;
    b->nbands = m->nbands;
    b->crs_scale = m->crs_scale;
    b->fric_uncovered = m->fric_uncovered;
    b->water_cells = m->water_cells;
    b->road_cells = m->road_cells;
    b->cache_file = m->cache_file;
    b->cache_hit = m->cache_hit;
    b->cache_written = m->cache_written;
    b->prov_json = m->prov_json;
    b->prov_len = m->prov_len;
    b->units_geom = m->units_geom;
    b->units_geom_len = m->units_geom_len;
    b->own_unit = set->own_unit;
    b->own_dist_m = set->own_dist_m;
    b->wkt = m->wkt;
    b->threads = isr_options_threads(o);
    int threads = b->threads < set->n ? b->threads : set->n;
    if (threads > m->threads) /* the memory estimate counted m->threads time grids */
        threads = m->threads;
    if (threads < 1)
        threads = 1;
    *threads_out = threads;
    b->spare = b->threads - threads;
    if (isr_cancelled(ctx))
        return ISR_ERR_INTERRUPTED;
    return batch_alloc(b, m);
}

isr_status isr_batch_run(isr_ctx *ctx, const isr_model *m, const isr_options *o,
                         const isr_hub_set *set, isr_batch *b)
{
    int threads = 1;
    isr_status st = batch_setup(ctx, m, o, set, b, &threads);
    if (st != ISR_OK)
        return st;
    batch_threads(b, threads);
    int reused = 0, stale = 0;
    for (int h = 0; h < b->nhubs; h++) {
        reused += b->results[h].skipped;
        stale += b->results[h].stale;
    }
    if (reused)
        isr_log(ctx, ISR_LOG_INFO,
                "reused %d of %d hubs from an earlier run with the same inputs and settings "
                "(--overwrite recomputes them)",
                reused, b->nhubs);
    if (reused && !m->cache_hit) /* else said with the model cache */
        isr_warn_big_inputs(ctx, o, "hubs of an earlier run were reused",
                            "--overwrite recomputes the hubs");
    if (stale)
        isr_log(ctx, ISR_LOG_INFO,
                "recomputed %d hub(s) whose earlier outputs in '%s' were made from other inputs "
                "or settings, or were incomplete",
                stale, b->hubs_dir);
    if (atomic_load(&b->failed))
        return (isr_status)atomic_load(&b->failed); /* the worker recorded the message */
    return isr_cancelled(ctx) ? ISR_ERR_INTERRUPTED : ISR_OK;
}

/* Whether hub h's outputs are whole and made with this run's settings (hub_outputs_ok and
 * the raster's ISOREACH_SETTINGS); why says what is wrong. */
static int hub_outputs_current(const isr_batch *b, int h, char *why, size_t nwhy)
{
    char *dir = isr_strdup_printf("%s/%s", b->hubs_dir, b->folders[h]);
    char *path = dir ? isr_strdup_printf("%s/travel_time.tif", dir) : NULL;
    int had = path ? hub_outputs_ok(b, dir, why, nwhy) : -1, same = 0;
    if (had <= 0 && !*why)
        snprintf(why, nwhy, "its outputs in '%s' are %s", dir ? dir : "?",
                 had == 0 ? "missing" : "incomplete");
    GDALDatasetH ds =
        had > 0 ? GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL) : NULL;
    const char *s = ds ? GDALGetMetadataItem(ds, "ISOREACH_SETTINGS", NULL) : NULL;
    same = s && strcmp(s, b->settings) == 0;
    if (ds)
        GDALClose(ds);
    if (had > 0 && !same)
        snprintf(why, nwhy, "'%s' is %s", path, ds ? "from other settings" : "unreadable");
    free(dir);
    free(path);
    return same;
}

isr_status isr_batch_absorb(isr_ctx *ctx, const isr_model *m, const isr_options *o,
                            const isr_hub_set *set, isr_batch *b, char *const *parts,
                            int nparts, char *why, size_t nwhy)
{
    int threads = 1;
    *why = '\0';
    isr_status st = batch_setup(ctx, m, o, set, b, &threads);
    char *seen = st == ISR_OK ? calloc((size_t)(b->nhubs > 0 ? b->nhubs : 1), 1) : NULL;
    if (st == ISR_OK && !seen)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int k = 0; st == ISR_OK && !*why && k < nparts; k++) {
        char pwhy[300];
        if ((st = isr_partial_absorb(ctx, b, parts[k], seen, pwhy, sizeof pwhy)) == ISR_OK &&
            *pwhy)
            snprintf(why, nwhy, "'%s': %s", parts[k], pwhy);
    }
    for (int h = 0; st == ISR_OK && !*why && h < b->nhubs; h++) {
        char hwhy[4200] = "";
        if (!seen[h])
            snprintf(why, nwhy, "no shard's partial holds hub '%s'",
                     isr_rail_station_id(b->net, b->hubs[h]));
        else if (!hub_outputs_current(b, h, hwhy, sizeof hwhy))
            snprintf(why, nwhy, "hub '%s': %s", isr_rail_station_id(b->net, b->hubs[h]), hwhy);
    }
    free(seen);
    atomic_store(&b->done, b->nhubs);
    return st;
}

void isr_batch_clear(isr_batch *b)
{
    if (b->lock_ok)
        mtx_destroy(&b->merge_lock);
    free(b->settings);
    free(b->hubs_dir);
    free(b->region_dir);
    isr_acc_clear(&b->acc);
    free(b->results);
    free(b->st_lonlat);
    for (int k = 0; k < ISR_NLEVELS; k++) {
        free(b->hub_cells[k]);
        free(b->hub_pop[k]);
    }
    memset(b, 0, sizeof *b);
}

/* ---- one hub in memory --------------------------------------------------------------------- */

isr_status isr_batch_hub_grid(isr_ctx *ctx, const isr_model *m, int station, double budget_min,
                              float **minutes, int *w, int *h, double gt[6])
{
    return isr_batch_net_grid(ctx, m, m->net, station, budget_min, minutes, w, h, gt);
}

isr_status isr_batch_net_grid(isr_ctx *ctx, const isr_model *m, const isr_rail_net *net,
                              int station, double budget_min, float **minutes, int *w, int *h,
                              double gt[6])
{
    return isr_batch_gtfs_grid(ctx, m, m->gtfs, net, station, budget_min, minutes, w, h, gt);
}

isr_status isr_batch_gtfs_grid(isr_ctx *ctx, const isr_model *m, const isr_gtfs_run *gr,
                               const isr_rail_net *net, int station, double budget_min,
                               float **minutes, int *w, int *h, double gt[6])
{
    const isr_options *o = m->opt;
    isr_rail_params rp = {o->dwell_min * 60.0, o->transfer_min * 60.0, o->wait, o->direction};
    worker_state ws;
    int c0 = 0, r0 = 0;
    *minutes = NULL;
    if (m->searched)
        return searched_refused(ctx);
    isr_status st = ws_init(ctx, &m->grid, net, &m->zones, o, &ws);
    float *pct = NULL;
    int win[4];
    if (st == ISR_OK && gr && budget_min * 60.0 > gr->pp.budget_s + 1e-9)
        st = isr_fail(ctx, ISR_ERR_USAGE,
                      "budget %g min: a GTFS model's catchments reach %g min; open the model "
                      "with --budget %g or more",
                      budget_min, gr->pp.budget_s / 60.0, budget_min);
    if (st == ISR_OK && gr) { /* the model's window; a shorter budget cuts it below */
        st = isr_gtfs_hub(ctx, gr, station, win, &pct, ws.arr);
        if (st == ISR_OK && win[1] >= win[0])
            ws_window(&ws, win);
        if (st == ISR_OK && gtfs_fill(gr, &ws, win, pct) != 0)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        /* a percentile is within a shorter budget B exactly when it is ≤ B (nearest rank:
         * enough minutes reach the cell within B), so cutting the model's surface is exact */
        for (size_t i = 0; st == ISR_OK && i < ws.w.ntouched; i++)
            if (ws.time_s[ws.w.touched[i]] > budget_min * 60.0)
                ws.time_s[ws.w.touched[i]] = INFINITY;
    } else if (st == ISR_OK) {
        st = isr_rail_search(ctx, net, &rp, station, ws.arr);
    }
    free(pct);
    if (st == ISR_OK && !gr &&
        hub_costdist(&m->grid, isr_model_fric(m), m->fric_min, m->clear, &ws,
                     hub_seeds(&m->grid, m->fric_min, net, &ws, budget_min * 60.0),
                     budget_min * 60.0) < 0)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory in the cost-distance search");
    if (st == ISR_OK &&
        !(*minutes = hub_crop(&m->grid, net, station, ws.time_s, &ws.w, &c0, &r0, w, h)))
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK) {
        isr_grid_window_geotransform(&m->grid, c0, r0, gt);
    }
    ws_free(&ws);
    return st;
}
