/*
 * region.c — the region products of a finished pass (batch.c) and run.json: the region
 * rasters (time to the nearest hub, which hub, how many hubs) and nearest_hub.csv, the
 * cross-border reach (products.c), the rail layers, then OUT/run.json with the inputs,
 * parameters (bands included), grid, hubs and timings: all that publication
 * (libisoreach_publish: styles, maps, web map) reads, for it is never called from here.
 *
 * It reads only the batch's accumulators and the model it borrows; every file goes through
 * a temporary name and a rename (files.c), and a cancel is checked between the products, so
 * an interrupted run leaves whole files and no run.json (run.json marks a finished run).
 */
#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One region raster to write from the accumulators' tiles, for a thread of its own. */
typedef struct cog_job {
    isr_ctx *ctx;
    const char *path;
    isr_acc *acc;
    const isr_grid *g;
    int which; /* the tiles' band: 0 time, 1 hub, 2 count */
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
    GDALDatasetH *srcs = NULL;
    int nsrc = 0;
    GDALDatasetH vrt = isr_acc_vrt(c->acc, c->which, c->nodata, c->g, &srcs, &nsrc);
    c->st = vrt ? isr_write_cog_ds(c->ctx, c->path, vrt, c->nodata, c->desc, c->unit, c->meta,
                                   c->resampling)
                : isr_fail_gdal(c->ctx, ISR_ERR_MEMORY, "cannot assemble '%s' from its tiles",
                                c->path);
    if (vrt)
        GDALClose(vrt);
    isr_acc_vrt_free(srcs, nsrc);
    isr_gdal_errors_pop();
    return 0;
}

/* The region's independent writes (three rasters and the vector products) shared by up to
 * `threads` threads, the calling one included, heaviest first: compression and formatting
 * are the cost, so use the cores. */
#define REGION_JOBS 4
typedef struct region_pool {
    int (*fn[REGION_JOBS])(void *);
    void *arg[REGION_JOBS];
    int n;
} region_pool;

static void pool_job(void *user, int i, int worker)
{
    (void)worker;
    region_pool *rp = user;
    rp->fn[i](rp->arg[i]);
}

/* friction.tif (--write-friction): seconds per metre, t the scratch raster. */
static isr_status write_friction(isr_batch *jb, const char *region_dir, float *t, char **meta)
{
    const isr_grid *g = jb->grid;
    size_t n = (size_t)g->nx * (size_t)g->ny;
    char *p5 = isr_strdup_printf("%s/friction.tif", region_dir);
    for (size_t u = 0; u < n && p5; u++) {
        float v = isr_fric_at(jb->fric, isr_grid_pidx(g, (int)(u % (size_t)g->nx),
                                                      (int)(u / (size_t)g->nx)));
        t[u] = isinf(v) ? (float)ISR_TIME_NODATA : v;
    }
    isr_status st = p5 ? isr_write_cog(jb->ctx, p5, g, 0, 0, g->nx, g->ny, GDT_Float32, t,
                                       ISR_TIME_NODATA, "local travel friction (seconds per metre)",
                                       "s/m", meta, "AVERAGE")
                       : isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
    free(p5);
    return st;
}

/* nearest_hub.csv: the hubs by their value in nearest_hub.tif. */
static isr_status write_hub_list(isr_batch *jb, const char *path, const char *tmp)
{
    FILE *f = fopen(tmp, "w");
    if (!f)
        return isr_fail(jb->ctx, ISR_ERR_IO, "cannot write '%s': %s", path,
                        isr_write_reason(path, errno));
    fputs(ISR_CSV_BOM "value,hub_id,hub_name,hub_name_en\n", f);
    for (int h = 0; h < jb->nhubs; h++) {
        fprintf(f, "%d,", h);
        isr_csv_field(f, isr_rail_station_id(jb->net, jb->hubs[h]));
        fputc(',', f);
        isr_csv_field(f, isr_rail_station_name(jb->net, jb->hubs[h]));
        fputc(',', f);
        isr_csv_field(f, isr_rail_station_name_en(jb->net, jb->hubs[h]));
        fputc('\n', f);
    }
    return isr_close_commit(jb->ctx, f, tmp, path); /* ferror, flush and fclose checked */
}

static isr_status write_region_reach(isr_batch *jb, const char *region_dir);
static isr_status write_rail_layers(isr_batch *jb, const char *region_dir);

/* The vector products, beside the rasters: the cross-border reach (which reads best_t with
 * ISR_TIME_NODATA where no hub reaches, as the rasters have it) and the rail layers. */
typedef struct vector_job {
    isr_batch *jb;
    isr_status st;
} vector_job;

static int vector_worker(void *arg)
{
    vector_job *v = arg;
    isr_gdal_errors_push(v->jb->ctx);
    v->st = write_region_reach(v->jb, v->jb->region_dir);
    if (v->st == ISR_OK && !isr_cancelled(v->jb->ctx))
        v->st = write_rail_layers(v->jb, v->jb->region_dir);
    isr_gdal_errors_pop();
    return 0;
}

static isr_status write_products(isr_batch *jb, const char *region_dir)
{
    const isr_grid *g = jb->grid;
    size_t n = (size_t)g->nx * (size_t)g->ny;
    isr_status st = ISR_OK;
    char *settings = NULL;
    char *p1 = isr_strdup_printf("%s/nearest_hub_time.tif", region_dir);
    char *p2 = isr_strdup_printf("%s/nearest_hub.tif", region_dir);
    char *p3 = isr_strdup_printf("%s/hubs_within.tif", region_dir);
    char *p4 = isr_strdup_printf("%s/nearest_hub.csv", region_dir);
    char *tmp4 = p4 ? isr_tmp_name(p4) : NULL;
    if (!p1 || !p2 || !p3 || !p4 || !tmp4) {
        st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory writing the region products");
        goto cleanup;
    }
    /* the accumulators' tiles take the rasters' nodata (the cross-border reach reads a
     * nodata time as unreached) */
    if ((st = isr_acc_finish(jb->ctx, &jb->acc, g, jb->fric, isr_options_threads(jb->opt))) !=
        ISR_OK)
        goto cleanup;
    if (jb->last && !jb->opt->write_friction) { /* nothing reads the friction from here */
        isr_model_fric_done(jb->last);
        jb->fric = isr_model_fric(jb->last);
    }
    char budget[64];
    isr_snprintf(budget, sizeof budget, "BUDGET_MIN=%g", jb->opt->budget_min);
    settings = isr_strdup_printf("ISOREACH_SETTINGS=%s", jb->settings);
    char *meta[] = {budget, settings, NULL};
    if (!settings) {
        st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    /* three region-wide rasters and the vector products, at once (isr_parallel) */
    cog_job cogs[3] = {
        {jb->ctx, p1, &jb->acc, g, 0, ISR_TIME_NODATA,
         jb->opt->direction == ISR_TO_HUB ? "travel time to the nearest hub (minutes)"
                                          : "travel time from the nearest hub (minutes)",
         "min", meta, "AVERAGE", ISR_OK},
        {jb->ctx, p2, &jb->acc, g, 1, ISR_HUB_NODATA,
         "nearest hub (row number in nearest_hub.csv)", NULL, meta, "NEAREST", ISR_OK},
        {jb->ctx, p3, &jb->acc, g, 2, ISR_COUNT_NODATA,
         jb->opt->direction == ISR_TO_HUB ? "hubs the cell reaches within the budget"
                                          : "hubs reaching the cell within the budget",
         NULL, meta, "NEAREST", ISR_OK}};
    vector_job vec = {jb, ISR_OK};
    region_pool rp = {{cog_worker, vector_worker, cog_worker, cog_worker},
                      {&cogs[0], &vec, &cogs[2], &cogs[1]}, REGION_JOBS};
    isr_parallel(jb->threads, rp.n, pool_job, &rp);
    for (int i = 0; i < 3 && st == ISR_OK; i++)
        st = cogs[i].st;
    if (st == ISR_OK)
        st = vec.st;
    if (st != ISR_OK)
        goto cleanup;
    if (jb->opt->write_friction) {
        float *tf = malloc(n * sizeof *tf);
        st = tf ? write_friction(jb, region_dir, tf, meta)
                : isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory writing friction.tif");
        free(tf);
        if (st != ISR_OK)
            goto cleanup;
    }
    st = write_hub_list(jb, p4, tmp4);
cleanup:
    free(settings);
    free(p1);
    free(p2);
    free(p3);
    free(p4);
    free(tmp4);
    return st;
}

static isr_status write_region_reach(isr_batch *jb, const char *region_dir)
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
                               &jb->acc,      jb->prov_json, jb->prov_len,
                               jb->units_geom, jb->units_geom_len};
        st = isr_region_reach_write(jb->ctx, &rr, region_dir);
    }
    free(tot);
    free(own);
    return st;
}

/* GTFS mode: one MultiLineString per route with a polyline (gtfs.c: its trips' shapes, else
 * their stop patterns); id and name as the maps' lines, and the routes.txt fields. */
static json_object *gtfs_lines_json(const isr_timetable *tt)
{
    json_object *fc = json_object_new_object(), *feats = json_object_new_array();
    json_object_object_add(fc, "type", json_object_new_string("FeatureCollection"));
    for (int r = 0; r < tt->nroutes; r++) {
        json_object *ml = NULL;
        for (int p = 0; p < tt->nparts; p++) {
            if (tt->parts[p].route != r)
                continue;
            json_object *ls = json_object_new_array();
            for (int i = 0; i < tt->parts[p].n; i++) {
                json_object *xy = json_object_new_array();
                const double *v = tt->pts + 2 * ((size_t)tt->parts[p].first + (size_t)i);
                json_object_array_add(xy, isr_json_num(v[0], 6));
                json_object_array_add(xy, isr_json_num(v[1], 6));
                json_object_array_add(ls, xy);
            }
            if (!ml)
                ml = json_object_new_array();
            json_object_array_add(ml, ls);
        }
        if (!ml)
            continue; /* no trip on the date */
        const isr_tt_route *ri = &tt->routes[r];
        const char *name = *ri->short_name ? ri->short_name
                           : *ri->long_name ? ri->long_name : tt->route_ids[r];
        json_object *f = json_object_new_object(), *g = json_object_new_object(),
                    *pr = json_object_new_object();
        json_object_object_add(pr, "id", json_object_new_string(tt->route_ids[r]));
        json_object_object_add(pr, "name", json_object_new_string(name));
        json_object_object_add(pr, "route_id", json_object_new_string(tt->route_ids[r]));
        json_object_object_add(pr, "route_short_name", json_object_new_string(ri->short_name));
        json_object_object_add(pr, "route_long_name", json_object_new_string(ri->long_name));
        json_object_object_add(pr, "route_type", json_object_new_int(ri->type));
        json_object_object_add(g, "type", json_object_new_string("MultiLineString"));
        json_object_object_add(g, "coordinates", ml);
        json_object_object_add(f, "type", json_object_new_string("Feature"));
        json_object_object_add(f, "properties", pr);
        json_object_object_add(f, "geometry", g);
        json_object_array_add(feats, f);
    }
    json_object_object_add(fc, "features", feats);
    return fc;
}

/* GTFS mode: the timetable's stations as points (id, name, hub) and its routes as lines
 * (gtfs_lines_json), GeoJSON in lon/lat. */
static isr_status gtfs_rail_layers(isr_batch *jb, const char *lines, const char *stations)
{
    const isr_timetable *tt = jb->gtfs->tt;
    json_object *fc = json_object_new_object(), *feats = json_object_new_array();
    json_object_object_add(fc, "type", json_object_new_string("FeatureCollection"));
    for (int s = 0; s < tt->nstations; s++) {
        json_object *f = json_object_new_object(), *g = json_object_new_object(),
                    *xy = json_object_new_array(), *pr = json_object_new_object();
        int hub = 0;
        for (int h = 0; h < jb->nhubs; h++)
            hub |= jb->hubs[h] == s;
        /* 6 decimals (0.1 m), as the lines mode's layers, not json-c's 17 digits */
        json_object_array_add(xy, isr_json_num(tt->stations[s].lon, 6));
        json_object_array_add(xy, isr_json_num(tt->stations[s].lat, 6));
        json_object_object_add(g, "type", json_object_new_string("Point"));
        json_object_object_add(g, "coordinates", xy);
        json_object_object_add(pr, "id", json_object_new_string(tt->stations[s].id));
        json_object_object_add(pr, "name", json_object_new_string(
                                               tt->stations[s].name ? tt->stations[s].name
                                                                    : tt->stations[s].id));
        json_object_object_add(pr, "name_en", json_object_new_string("")); /* none in GTFS */
        json_object_object_add(pr, "hub", json_object_new_int(hub));
        json_object_object_add(f, "type", json_object_new_string("Feature"));
        json_object_object_add(f, "properties", pr);
        json_object_object_add(f, "geometry", g);
        json_object_array_add(feats, f);
    }
    json_object_object_add(fc, "features", feats);
    json_object *empty = gtfs_lines_json(tt);
    isr_status st = ISR_OK;
    if (json_object_to_file_ext(stations, fc, JSON_C_TO_STRING_PLAIN) != 0 ||
        json_object_to_file_ext(lines, empty, JSON_C_TO_STRING_PLAIN) != 0)
        st = isr_fail(jb->ctx, ISR_ERR_IO, "cannot write '%s': %s", stations,
                      json_util_get_last_err());
    json_object_put(fc);
    json_object_put(empty);
    return st;
}

/* The rail layers copied beside the outputs (GeoJSON, EPSG:4326): publication (the QGIS
 * project, libisoreach_publish) reads them there, not the run's inputs. */
static isr_status write_rail_layers(isr_batch *jb, const char *region_dir)
{
    char *lines = isr_strdup_printf("%s/rail_lines.geojson", region_dir);
    char *stations = isr_strdup_printf("%s/rail_stations.geojson", region_dir);
    isr_status st = ISR_OK;
    if (!lines || !stations)
        st = isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK && jb->gtfs)
        st = gtfs_rail_layers(jb, lines, stations);
    else if (st == ISR_OK)
        st = isr_vector_export(jb->ctx, jb->opt->lines, jb->opt->lines_layer, wkbLineString,
                               jb->opt->encoding, NULL, lines);
    if (st == ISR_OK && !jb->gtfs)
        st = isr_vector_export(jb->ctx, jb->opt->stations, jb->opt->stations_layer, wkbPoint,
                               jb->opt->encoding, jb->opt->station_name_en_field, stations);
    free(lines);
    free(stations);
    return st;
}

isr_status isr_region_write(isr_batch *jb)
{
    isr_status st = write_products(jb, jb->region_dir); /* rasters, reach and rail layers */
    if (st != ISR_OK)
        return st;
    return isr_cancelled(jb->ctx) ? ISR_ERR_INTERRUPTED : ISR_OK;
}

/* ---- run.json ------------------------------------------------------------------------------ */

/* Each line's stops as snapped (or listed), to check which station serves which line. */
static json_object *rail_lines_json(const isr_rail_net *net)
{
    json_object *lines = json_object_new_array();
    for (int l = 0; l < isr_rail_net_nlines(net); l++) {
        json_object *lo = json_object_new_object();
        json_object_object_add(lo, "id", json_object_new_string(isr_rail_line_id(net, l)));
        json_object_object_add(lo, "name",
                               json_object_new_string(isr_rail_line_name(net, l)));
        json_object_object_add(lo, "loop",
                               json_object_new_boolean(isr_rail_line_is_loop(net, l)));
        json_object *stops = json_object_new_array();
        int n = isr_rail_line_nstops(net, l);
        for (int i = 0; i < n; i++) {
            json_object *so = json_object_new_object();
            double off_m = isr_rail_line_stop_offset_m(net, l, i);
            json_object_object_add(so, "id", json_object_new_string(isr_rail_station_id(
                                                 net, isr_rail_line_stop(net, l, i))));
            json_object_object_add(so, "distance_m", isnan(off_m) ? NULL : isr_json_num(off_m, 1));
            /* run time to the next stop (on a loop the last one runs back to the first) */
            json_object_object_add(so, "minutes_to_next",
                                   i + 1 < n || isr_rail_line_is_loop(net, l)
                                       ? isr_json_num(isr_rail_line_run_s(net, l, i) / 60, 3)
                                       : NULL);
            json_object_array_add(stops, so);
        }
        json_object_object_add(lo, "stops", stops);
        json_object_array_add(lines, lo);
    }
    return lines;
}

/* An input path as run.json records it: relative to OUT (outpath.c), or null. */
static json_object *path_json(const isr_options *o, const char *path)
{
    char *rel = path ? isr_path_rel_to_out(o->out, path) : NULL;
    json_object *j = rel ? json_object_new_string(rel) : NULL;
    free(rel);
    return j;
}

/* A message as run.json records it: the input paths it quotes relative to OUT. */
static json_object *text_json(const isr_options *o, const char *text)
{
    char *rel = isr_text_rel_to_out(o, text);
    json_object *j = json_object_new_string(rel ? rel : text);
    free(rel);
    return j;
}

/* GTFS mode in run.json: feeds, day, departures, percentiles and the one used. */
static json_object *gtfs_json(const isr_batch *jb)
{
    const isr_options *o = jb->opt;
    const isr_gtfs_run *gr = jb->gtfs;
    json_object *g = json_object_new_object(), *feeds = json_object_new_array(),
                *pct = json_object_new_array();
    for (int i = 0; i < o->ngtfs; i++)
        json_object_array_add(feeds, path_json(o, o->gtfs[i]));
    for (int j = 0; j < gr->gs.npct; j++)
        json_object_array_add(pct, json_object_new_double(gr->gs.pct[j]));
    json_object_object_add(g, "feeds", feeds);
    json_object_object_add(g, "date", json_object_new_string(o->date));
    json_object_object_add(g, "departures", json_object_new_string(gr->gs.label));
    json_object_object_add(g, "step_min", json_object_new_double(gr->gs.step_s / 60.0));
    json_object_object_add(g, "departure_minutes", json_object_new_int(isr_profile_nminutes(&gr->pp)));
    json_object_object_add(g, "percentiles", pct);
    json_object_object_add(g, "percentile_used", json_object_new_double(o->percentile));
    json_object_object_add(g, "route_types", json_object_new_string(o->route_types));
    json_object_object_add(g, "stations", json_object_new_int(gr->tt->nstations));
    json_object_object_add(g, "trips", json_object_new_int(gr->tt->ntrips));
    json_object_object_add(g, "catchment_mb", json_object_new_double(
                                                  (double)gr->cm.off[gr->cm.nstations] * 8 / 1048576.0));
    return g;
}

/* What was read: the inputs, what was repaired, dropped or not covered, the rail lines. */
static json_object *inputs_json(const isr_batch *jb)
{
    const isr_options *o = jb->opt;
    const isr_units *u = jb->units;
    json_object *in = json_object_new_object();
    json_object_object_add(in, "boundaries", path_json(o, o->boundaries));
    json_object_object_add(in, "stations", jb->gtfs ? NULL : path_json(o, o->stations));
    json_object_object_add(in, "lines", jb->gtfs ? NULL : path_json(o, o->lines));
    if (jb->gtfs) /* GTFS mode: the timetable searched and how */
        json_object_object_add(in, "gtfs", gtfs_json(jb));
    json_object_object_add(in, "friction",
                           path_json(o, o->friction));
    const char *water = isr_options_water(o), *roads = isr_options_roads(o);
    json_object_object_add(in, "water", path_json(o, water));
    json_object_object_add(in, "water_cells", json_object_new_int64((int64_t)jb->water_cells));
    json_object_object_add(in, "roads", path_json(o, roads));
    json_object_object_add(in, "road_cells", json_object_new_int64((int64_t)jb->road_cells));
    if (jb->cache_file) { /* --model-cache: which file, and whether it was mapped or built */
        json_object *mc = json_object_new_object();
        /* a file that could not be written (a folder read-only, full, not there, or a
         * file) is named relative to OUT all the same, and said not written */
        char *file = isr_path_rel_to_out_any(o->out, jb->cache_file);
        json_object_object_add(mc, "file", file ? json_object_new_string(file) : NULL);
        free(file);
        json_object_object_add(mc, "hit", json_object_new_boolean(jb->cache_hit));
        json_object_object_add(mc, "written", json_object_new_boolean(jb->cache_written));
        json_object_object_add(in, "model_cache", mc);
    }
    /* http(s) inputs: downloaded, revalidated (304) or an offline copy (fetch.c) */
    json_object *fetched = isr_fetch_json(jb->ctx);
    for (size_t i = 0; i < json_object_array_length(fetched); i++) { /* the cached copies */
        json_object *f = json_object_array_get_idx(fetched, i), *local = NULL;
        if (json_object_object_get_ex(f, "local", &local))
            json_object_object_add(f, "local", path_json(o, json_object_get_string(local)));
    }
    json_object_object_add(in, "fetched", fetched);
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
    /* reached by local travel only; GTFS: the timetable's trips, no lines (null) */
    json_object *off = jb->gtfs ? NULL : json_object_new_array();
    for (int s = 0; off && s < isr_rail_net_nstations(jb->net); s++)
        if (!isr_rail_station_on_line(jb->net, s))
            json_object_array_add(off, json_object_new_string(isr_rail_station_id(jb->net, s)));
    json_object_object_add(in, "stations_not_on_lines", off);
    json_object_object_add(in, "friction_uncovered_cells",
                           json_object_new_int64((int64_t)jb->fric_uncovered));
    json_object_object_add(in, "population_uncovered_cells",
                           json_object_new_int64((int64_t)jb->zones->pop_uncovered));
    json_object_object_add(in, "rail_lines", rail_lines_json(jb->net));
    json_object *notes = json_object_new_array();
    for (int i = 0; i < isr_rail_net_nnotes(jb->net); i++)
        json_object_array_add(notes, text_json(o, isr_rail_net_note(jb->net, i)));
    json_object_object_add(in, "network_warnings", notes);
    int nradius, ntable; /* transfer links, one way each */
    const char *tt = isr_transfers_table(o); /* GTFS too: footpaths (gtfsrun.c) */
    isr_transfers_count(jb->net, &nradius, &ntable);
    json_object_object_add(in, "transfers", path_json(o, tt));
    json_object_object_add(in, "transfer_links", json_object_new_int(nradius + ntable));
    json_object_object_add(in, "transfer_links_radius", json_object_new_int(nradius));
    json_object_object_add(in, "transfer_links_table", json_object_new_int(ntable));
    return in;
}

static json_object *params_json(const isr_options *o)
{
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
    json_object_object_add(p, "transfer_radius_m", json_object_new_double(o->transfer_radius_m));
    return p;
}

static json_object *grid_json(const isr_grid *g, const char *crs_wkt)
{
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
    return gr;
}

void *isr_jurisdiction_json(const isr_units *u, int unit, double dist_m)
{
    json_object *jd = json_object_new_object();
    char how[64];
    isr_snprintf(how, sizeof how, unit < 0 ? "none" : dist_m > 0 ? "nearest, %.1f km" : "contains",
                 dist_m / 1000.0);
    json_object_object_add(jd, "unit",
                           unit >= 0 ? json_object_new_string(u->attr[unit].code[ISR_COUNTY])
                                     : NULL);
    json_object_object_add(jd, "name",
                           unit >= 0 ? json_object_new_string(u->attr[unit].name[ISR_COUNTY])
                                     : NULL);
    json_object_object_add(jd, "how", json_object_new_string(how));
    return jd;
}

/* Per hub: what it reached, whether it was reused, its jurisdiction. */
static json_object *hubs_json(const isr_batch *jb)
{
    const isr_grid *g = jb->grid;
    const isr_units *u = jb->units;
    json_object *hubs = json_object_new_array();
    double cell_km2 = g->cell_m * g->cell_m / 1e6;
    for (int h = 0; h < jb->nhubs; h++) {
        const isr_hub_result *r = &jb->results[h];
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
        json_object_object_add(ho, "jurisdiction",
                               isr_jurisdiction_json(u, jb->own_unit[h], jb->own_dist_m[h]));
        json_object_array_add(hubs, ho);
    }
    return hubs;
}

/* OUT/hubs/ folders that are no hub's of this run (an earlier run's, with more hubs or other
 * settings): said, as the region products, web map and project leave them out while a join
 * of hubs/(star)/summary.csv would not. */
static void warn_other_hub_folders(isr_batch *jb)
{
    const isr_options *o = jb->opt;
    for (int k = -1; k < o->nscenarios; k++) { /* the baseline's hubs, then each scenario's */
        char *dir = k < 0 ? isr_strdup_printf("%s/hubs", o->out)
                          : isr_strdup_printf("%s/scenarios/%s/hubs", o->out, o->scenario_name[k]);
        int n = 0;
        char *list = isr_dir_others(dir, (const char *const *)jb->folders, jb->nhubs, &n);
        if (n)
            isr_log(jb->ctx, ISR_LOG_WARN,
                    "'%s' holds %d folder%s of no hub of this run (%s), left by an earlier run: "
                    "the region products, web map and QGIS project leave %s out, and %s tables "
                    "may be of other settings; delete %s, or run those hubs again",
                    dir, n, n > 1 ? "s" : "", list ? list : "", n > 1 ? "them" : "it",
                    n > 1 ? "their" : "its", n > 1 ? "them" : "it");
        free(list);
        free(dir);
    }
}

/* Whether `path` was there and is removed now (1), or was not there (0). */
static int remove_file(const char *path)
{
    return path && unlink(path) == 0;
}

/* Products of an earlier run that this one does not write over: a GTFS run's
 * hubs/<hub>/percentiles.tif beside this run's hubs, a --write-friction run's
 * region/friction.tif. They are isoreach's own, and the folder's README.md would describe
 * them as this run's: removed, and said. An earlier run's scenarios/NAME/ (compared with
 * another base) are warned about, as the hub folders are. */
static void clear_earlier_products(isr_batch *jb)
{
    const isr_options *o = jb->opt;
    int n = 0;
    for (int h = 0; h < jb->nhubs && !jb->gtfs; h++) {
        char *p = isr_strdup_printf("%s/%s/percentiles.tif", jb->hubs_dir, jb->folders[h]);
        n += remove_file(p);
        free(p);
    }
    char *fr = o->write_friction ? NULL : isr_strdup_printf("%s/region/friction.tif", o->out);
    int nf = remove_file(fr);
    free(fr);
    char pct[96] = "";
    if (n)
        isr_snprintf(pct, sizeof pct, "%d hubs/*/percentiles.tif (of a GTFS timetable)", n);
    if (n || nf)
        isr_log(jb->ctx, ISR_LOG_INFO,
                "removed what an earlier run left in '%s' that this run does not write: %s%s%s",
                o->out, pct, n && nf ? " and " : "",
                nf ? "region/friction.tif (of --write-friction)" : "");
    char *dir = isr_strdup_printf("%s/scenarios", o->out);
    int ns = 0;
    char *list = isr_dir_others(dir, o->scenario_name, o->nscenarios, &ns);
    if (ns)
        isr_log(jb->ctx, ISR_LOG_WARN,
                "'%s' holds %d scenario%s of an earlier run (%s), not of this one: %s "
                "compared with that run's base, not this one's; delete %s, or give %s again "
                "with --scenario",
                dir, ns, ns > 1 ? "s" : "", list ? list : "", ns > 1 ? "they are" : "it is",
                ns > 1 ? "them" : "it", ns > 1 ? "them" : "it");
    free(list);
    free(dir);
}

isr_status isr_run_json_write(isr_batch *jb, const double timing[4])
{
    warn_other_hub_folders(jb);
    clear_earlier_products(jb);
    json_object *root = json_object_new_object();
    json_object_object_add(root, "isoreach", json_object_new_string(isr_version_full()));
    json_object_object_add(root, "inputs", inputs_json(jb));
    json_object *par = params_json(jb->opt);
    json_object *bands = json_object_new_array(); /* the band limits, as parsed: for styles */
    for (int k = 0; k < jb->nbands; k++)
        json_object_array_add(bands, json_object_new_double(jb->bands[k]));
    json_object_object_add(par, "bands_min", bands);
    json_object_object_add(root, "parameters", par);
    /* every flag that shapes the results: `isoreach reach` and `map` start from these */
    json_object_object_add(root, "options", isr_options_to_json(jb->opt));
    json_object_object_add(root, "grid", grid_json(jb->grid, jb->wkt));
    json_object *cc = json_object_new_object();
    json_object_object_add(cc, "max_linear_scale_error",
                           jb->crs_scale.checked ? isr_json_num(jb->crs_scale.max_linear_error, 6)
                                                 : NULL);
    json_object_object_add(cc, "max_area_scale_error",
                           jb->crs_scale.checked ? isr_json_num(jb->crs_scale.max_area_error, 6)
                                                 : NULL);
    json_object_object_add(root, "crs_check", cc);
    json_object_object_add(root, "hubs", hubs_json(jb));
    json_object *tm = json_object_new_object();
    json_object_object_add(tm, "load_s", isr_json_num(timing[0], 3));
    json_object_object_add(tm, "hubs_s", isr_json_num(timing[1], 3));
    json_object_object_add(tm, "products_s", isr_json_num(timing[2], 3));
    json_object_object_add(tm, "total_s", isr_json_num(timing[3], 3));
    json_object_object_add(root, "timings", tm);
    if (jb->merged_shards) /* isoreach merge (shard.c): the hubs came from N shards */
        json_object_object_add(root, "merged_from_shards", json_object_new_int(jb->merged_shards));
    json_object *warn = json_object_new_array();
    for (int i = jb->warn_from; i < isr_ctx_nwarnings(jb->ctx); i++)
        json_object_array_add(warn, text_json(jb->opt, isr_ctx_warning(jb->ctx, i)));
    json_object_object_add(root, "warnings", warn);

    isr_status st = ISR_OK;
    char *path = isr_strdup_printf("%s/run.json", jb->opt->out);
    st = path ? isr_write_json(jb->ctx, path, root)
              : isr_fail(jb->ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK) /* OUT/README.md describes what is there now (outreadme.c) */
        st = isr_out_readme_write(jb->ctx, jb->opt->out);
    if (st == ISR_OK) /* every hub's isochrones are this run's counts now */
        isr_out_recounted(jb->opt->out);
    free(path);
    json_object_put(root);
    return st;
}
