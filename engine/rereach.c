/*
 * rereach.c — `isoreach reach`: the reach tables recomputed from the rasters of an earlier
 * run, with other boundaries, other unit fields or a population raster, without rerunning
 * any search. The grid and CRS come from OUT/region/nearest_hub_time.tif, the hubs from
 * OUT/region/nearest_hub.csv (read with GDAL's CSV driver) and each hub's times and position
 * from its travel_time.tif (HUB_X/HUB_Y metadata). Writes the same files as a run does:
 * hubs/<folder>/reach.csv, summary.csv, people_by_minute.csv (isr_hub_folder) and
 * region/reach_matrix.csv, hubs_summary.csv, units.geojson, summary.json.
 * The web map and maps that show these tables are publication's (isr_publish, which the
 * host calls afterwards: `isoreach reach` republishes the web map, and the maps if drawn).
 */
#include "acc.h"
#include "internal.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Reads the region's nearest-hub times into the accumulators' tiles (their hubs and
 * counts are not read: the tables need only the times). */
static isr_status read_best(isr_ctx *ctx, const char *path, const isr_grid *g, isr_acc *acc)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    isr_status st = ds ? isr_acc_init(ctx, acc, g->nx, g->ny)
                       : isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot read", path);
    double gt[6] = {0};
    if (st == ISR_OK && GDALGetGeoTransform(ds, gt) != CE_None)
        st = isr_fail(ctx, ISR_ERR_INPUT, "'%s' has no georeferencing", path);
    if (st == ISR_OK) /* a window of the grid (acc.c): where it starts */
        st = isr_acc_read_times(ctx, acc, GDALGetRasterBand(ds, 1),
                                (int)lround((gt[0] - g->x0) / g->cell_m),
                                (int)lround((g->y0 - gt[3]) / g->cell_m), path);
    if (ds)
        GDALClose(ds);
    return st;
}

/* What `isoreach reach` holds while it recomputes the tables: the region read back from the
 * earlier run (grid, nearest-hub times), the new units and zones, and one row per hub. */
typedef struct rereach {
    isr_grid g;
    isr_layer lb, lh; /* boundaries; the hub list (nearest_hub.csv) */
    int f_id, f_name; /* the hub list's hub_id and hub_name fields */
    int f_name_en;    /* its hub_name_en, or -1 (a run before English names) */
    isr_units units;
    isr_zones zones;
    isr_reach reach;
    isr_cd_work w;
    isr_rail_net *net;
    OGRSpatialReferenceH srs;
    isr_acc best; /* the nearest-hub times */
    float *time_s;
    int *hubs, nhubs, done;
    isr_reach_totals_t *tot;
    int *own;
    json_object *jurisdiction; /* {hub id: isr_jurisdiction_json} for run.json */
    size_t *hub_cells[ISR_NLEVELS];
    double *hub_pop[ISR_NLEVELS];
    double bands[ISR_MAX_BANDS];
    int nbands;
    isr_geos gc;
    char **folders; /* the hubs' folders under OUT/hubs/ (check_hubs), nfolders of them */
    int nfolders;
    size_t beyond;     /* cells the hubs reach (counted once per hub) in no unit, on land */
    int beyond_hubs;   /* hubs that reach such cells; the first of them: */
    char *beyond_first;
} rereach;

/* The cells hub `id` reaches that lie in no unit of these boundaries (and are not their
 * water; isr_reach_compute counts them): the run's local travel crossed them as land, on its
 * own boundaries, where a run on these would take them as beyond the region. Counted for
 * beyond_say. */
static void beyond_count(rereach *r, const char *id)
{
    size_t n = r->reach.outside;
    r->beyond += n;
    if (n && r->beyond_hubs++ == 0)
        r->beyond_first = strdup(id);
}

/* beyond_count's total, said: a fresh run on these boundaries gives other times there. A
 * cell or two a hub is allowed (a station just outside every unit, which the run warned of). */
static void beyond_say(isr_ctx *ctx, const isr_options *opt, const rereach *r)
{
    if (r->beyond <= (size_t)r->nhubs * 2)
        return;
    double km2 = (double)r->beyond * r->g.cell_m * r->g.cell_m / 1e6;
    isr_log(ctx, ISR_LOG_WARN,
            "%.1f km² that %d %s reach (hub '%s'%s) lie in no unit of '%s': the travel times "
            "are the run's, whose local travel crossed them as land on its own boundaries, "
            "and reach recounts them without computing them again. A run on '%s' takes them "
            "as beyond the region (no travel), and its times through them differ: run "
            "isoreach run with these boundaries for times of their own",
            km2, r->beyond_hubs, ISR_PLURAL(r->beyond_hubs, "hub", "hubs"),
            r->beyond_first ? r->beyond_first : "?", r->beyond_hubs > 1 ? " and others" : "",
            opt->boundaries, opt->boundaries);
}

/* Units beyond the run's grid (other boundaries than the run's, wider): their people would be
 * spread over their part on the grid only, and a unit wholly off it would count 0 people on
 * 0 km². Refused, naming them, unless the part beyond is a sliver (0.5 % of the unit, and no
 * more than a cell: another coastline's digitizing). */
static isr_status units_on_grid(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                                const isr_layer *lb)
{
    double x1 = g->x0 + g->nx * g->cell_m, y0 = g->y0 - g->ny * g->cell_m;
    OGRGeometryH box = OGR_G_CreateGeometry(wkbPolygon), ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGR_G_AddPoint_2D(ring, g->x0, y0);
    OGR_G_AddPoint_2D(ring, x1, y0);
    OGR_G_AddPoint_2D(ring, x1, g->y0);
    OGR_G_AddPoint_2D(ring, g->x0, g->y0);
    OGR_G_AddPoint_2D(ring, g->x0, y0);
    OGR_G_AddGeometryDirectly(box, ring);
    isr_sb b = {0};
    int n = 0;
    for (int i = 0; i < u->n; i++) {
        const OGREnvelope *e = &u->env[i];
        if (!u->geom[i] || (e->MinX >= g->x0 && e->MaxX <= x1 && e->MinY >= y0 && e->MaxY <= g->y0))
            continue;
        OGRGeometryH in = OGR_G_Intersection(u->geom[i], box);
        double a = OGR_G_Area(u->geom[i]), out = a - (in ? OGR_G_Area(in) : 0.0);
        OGR_G_DestroyGeometry(in);
        if (out > 0.005 * a && out > g->cell_m * g->cell_m && ++n <= 10)
            isr_sb_printf(&b, "%s'%s' %.0f %% beyond", n > 1 ? ", " : "", u->attr[i].code[0],
                          100.0 * out / a);
    }
    OGR_G_DestroyGeometry(box);
    char *list = isr_sb_take(&b);
    isr_status st = ISR_OK;
    if (n)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: %d unit%s lie%s partly or wholly beyond the run's grid (%.0f %.0f %.0f "
                      "%.0f in its CRS), where its rasters hold no time: %s%s. Their people and "
                      "areas cannot be counted from them: run isoreach run with these boundaries, "
                      "or clip them to the grid (ogr2ogr -clipdst with those bounds, in the run's "
                      "CRS)",
                      lb->what, n, n > 1 ? "s" : "", n > 1 ? "" : "s", g->x0, y0, x1, g->y0,
                      list ? list : "", n > 10 ? ", and more" : "");
    free(list);
    return st;
}

/* The grid, CRS and nearest-hub times of the earlier run, and the new units on that grid. */
static isr_status rereach_load_region(isr_ctx *ctx, const isr_options *opt, const char *best_path,
                                      rereach *r)
{
    isr_status st;
    if ((st = isr_bands_parse(ctx, opt->bands, opt->budget_min, r->bands, &r->nbands)) != ISR_OK ||
        (st = isr_grid_from_raster(ctx, best_path, &r->g)) != ISR_OK ||
        (st = read_best(ctx, best_path, &r->g, &r->best)) != ISR_OK)
        return st;
    r->srs = OSRNewSpatialReference(r->g.wkt);
    if (!r->srs)
        return isr_fail(ctx, ISR_ERR_CRS, "'%s': its CRS is not readable", best_path);
    OSRSetAxisMappingStrategy(r->srs, OAMS_TRADITIONAL_GIS_ORDER);
    const isr_layer *layers[ISR_NLAYERS] = {&r->lb, NULL, NULL};
    if ((st = isr_layer_open_enc(ctx, &r->lb, "boundaries", opt->boundaries, opt->boundaries_layer,
                                 wkbPolygon, opt->encoding)) != ISR_OK ||
        (st = isr_fields_check(ctx, opt, layers)) != ISR_OK ||
        (st = isr_units_load(ctx, opt, &r->lb, r->srs, &r->units)) != ISR_OK ||
        (st = units_on_grid(ctx, &r->g, &r->units, &r->lb)) != ISR_OK ||
        (st = isr_units_check_overlaps(ctx, &r->lb, &r->units)) != ISR_OK)
        return st;
    /* the run's water (run.json): shares of land and people on land, as the run had them */
    uint8_t *water = NULL;
    size_t nwater = 0;
    const char *wpath = isr_options_water(opt);
    if ((wpath && (st = isr_water_load(ctx, wpath, opt->water_layer, r->srs, &r->g, &water,
                                       &nwater)) != ISR_OK) ||
        (st = isr_zones_build_water(ctx, &r->g, &r->units, opt->population, water, wpath,
                                    &r->zones)) != ISR_OK ||
        (st = isr_reach_init(ctx, &r->reach, &r->zones)) != ISR_OK)
        return st;
    r->reach.min_cells = isr_reach_min_cells(opt->min_reach_km2, r->g.cell_m);
    return ISR_OK;
}

/* The hubs, in the order of the run, and a row of the tables for each. */
static isr_status rereach_open_hubs(isr_ctx *ctx, const char *lut_path, rereach *r)
{
    r->lh.ds = GDALOpenEx(lut_path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    r->lh.lyr = r->lh.ds ? GDALDatasetGetLayer(r->lh.ds, 0) : NULL;
    r->f_id = r->lh.lyr ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(r->lh.lyr), "hub_id") : -1;
    r->f_name = r->lh.lyr ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(r->lh.lyr), "hub_name") : -1;
    r->f_name_en = r->lh.lyr ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(r->lh.lyr), "hub_name_en")
                             : -1;
    if (r->f_id < 0 || r->f_name < 0)
        return isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot read the hub list (hub_id, hub_name)",
                             lut_path);
    int nhubs = r->nhubs = (int)OGR_L_GetFeatureCount(r->lh.lyr, 1);
    int oom = 0;
    r->hubs = malloc((size_t)(nhubs > 0 ? nhubs : 1) * sizeof *r->hubs);
    r->tot = calloc((size_t)(nhubs > 0 ? nhubs : 1), sizeof *r->tot);
    r->own = malloc((size_t)(nhubs > 0 ? nhubs : 1) * ISR_NLEVELS * sizeof *r->own);
    r->time_s = malloc(isr_grid_pcells(&r->g) * sizeof *r->time_s);
    for (int k = 0; k < ISR_NLEVELS; k++) {
        size_t n = (size_t)(nhubs > 0 ? nhubs : 1) *
                   (size_t)(r->zones.ngroups[k] > 0 ? r->zones.ngroups[k] : 1);
        r->hub_cells[k] = calloc(n, sizeof *r->hub_cells[k]);
        r->hub_pop[k] = calloc(n, sizeof *r->hub_pop[k]);
        oom = oom || !r->hub_cells[k] || !r->hub_pop[k];
    }
    if (!r->hubs || !r->tot || !r->own || !r->time_s || oom)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (size_t i = 0; i < isr_grid_pcells(&r->g); i++)
        r->time_s[i] = INFINITY;
    return ISR_OK;
}

/* Whether hub `id`'s raster `path` is this run's, before any table is rewritten: there and
 * readable, of hub `id` (HUB_ID), of the settings of the region's rasters (`settings`, the
 * whole run's ISOREACH_SETTINGS; NULL: not known) and computed with the budget of the
 * run.json in opt->out (the bands and tables are recounted with that one), on the run's
 * grid. A raster copied from another hub, another run or a run.json edited would otherwise be
 * recounted without a word, or fail after the first hubs' tables were rewritten. A raster
 * without the tags (written by hand) is taken as it is. */
static isr_status check_hub_raster(isr_ctx *ctx, const isr_options *opt, const char *path,
                                   const char *id, const char *settings, const isr_grid *g)
{
    char q[ISR_SHQ_MAX];
    const char *again = isr_shq(opt->out, q, sizeof q);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return isr_fail_gdal(ctx, ISR_ERR_INPUT,
                             "hub '%s': its travel-time raster '%s' cannot be opened (missing or "
                             "damaged): no table was rewritten; run the hub again with isoreach "
                             "run --out %s (it recomputes what is missing), then reach",
                             id, path, again);
    const char *b = GDALGetMetadataItem(ds, "BUDGET_MIN", NULL);
    const char *h = GDALGetMetadataItem(ds, "HUB_ID", NULL);
    const char *s = GDALGetMetadataItem(ds, "ISOREACH_SETTINGS", NULL);
    double budget = b ? isr_strtod(b, NULL) : NAN;
    isr_status st = ISR_OK;
    int c0, r0;
    if (isr_raster_window(ds, g, &c0, &r0) != 0) /* as isr_time_raster_read will read it */
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "'%s' is not on the %g m grid of the run (copied from another run?): no "
                      "table was rewritten; run the hub again with isoreach run --out %s",
                      path, g->cell_m, again);
    else if (!GDALGetMetadataItem(ds, "HUB_X", NULL) || !GDALGetMetadataItem(ds, "HUB_Y", NULL))
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "'%s' has no HUB_X/HUB_Y metadata (where its hub is; not written by "
                      "isoreach?): no table was rewritten; run the hub again with isoreach run "
                      "--out %s",
                      path, again);
    else if (h && !isr_same_hub_id(h, id))
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "'%s' is the travel-time raster of hub '%s', not of hub '%s' (copied?): "
                      "no table was rewritten; run hub '%s' again with isoreach run --out %s",
                      path, h, id, id, again);
    else if (s && settings && strcmp(s, settings) != 0)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "'%s' was computed with other settings than the run's region rasters "
                      "(region/nearest_hub_time.tif; copied from another run?): no table was "
                      "rewritten; run the hub again with isoreach run --out %s and the run's "
                      "settings",
                      path, again);
    else if (fabs(budget - opt->budget_min) > 1e-6 * opt->budget_min)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "'%s' was computed with a budget of %g min, but '%s/run.json' says %g min: "
                      "that run.json is not the one of the run that wrote these rasters (copied "
                      "or edited?). Put back the run's own run.json, or run again with isoreach "
                      "run --out %s --budget %g",
                      path, budget, opt->out, opt->budget_min, again, opt->budget_min);
    GDALClose(ds);
    return st;
}

/* check_hub_raster for every hub of the list, before anything is rewritten. */
static isr_status check_hubs(isr_ctx *ctx, const isr_options *opt, const char *best_path,
                             rereach *r)
{
    GDALDatasetH bd = GDALOpenEx(best_path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    const char *rs = bd ? GDALGetMetadataItem(bd, "ISOREACH_SETTINGS", NULL) : NULL;
    char *settings = rs ? strdup(rs) : NULL;
    if (bd)
        GDALClose(bd);
    isr_status st = ISR_OK;
    OGRFeatureH f;
    OGR_L_ResetReading(r->lh.lyr);
    while (st == ISR_OK && (f = OGR_L_GetNextFeature(r->lh.lyr)) != NULL) {
        const char *id = OGR_F_GetFieldAsString(f, r->f_id);
        char *folder = isr_hub_folder(id);
        char *path = folder ? isr_strdup_printf("%s/hubs/%s/travel_time.tif", opt->out, folder)
                            : NULL;
        char **fs = path ? realloc(r->folders, (size_t)(r->nfolders + 1) * sizeof *fs) : NULL;
        if (fs) {
            r->folders = fs;
            fs[r->nfolders++] = folder;
            folder = NULL;
        }
        st = fs ? check_hub_raster(ctx, opt, path, id, settings, &r->g)
                : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        free(folder);
        free(path);
        OGR_F_Destroy(f);
    }
    free(settings);
    return st;
}

/* One hub of the list: its times read back, its reach.csv and isochrones rewritten, its row
 * of the region's tables filled; r->done counts the hubs whose times were read. */
static isr_status rereach_hub(isr_ctx *ctx, const isr_options *opt, rereach *r, OGRFeatureH f)
{
    isr_status st = ISR_OK;
    const char *id = OGR_F_GetFieldAsString(f, r->f_id);
    char *folder = isr_hub_folder(id);
    char *path = folder ? isr_strdup_printf("%s/hubs/%s/travel_time.tif", opt->out, folder) : NULL;
    char *csv = folder ? isr_strdup_printf("%s/hubs/%s/reach.csv", opt->out, folder) : NULL;
    char *iso = folder ? isr_strdup_printf("%s/hubs/%s/isochrones.geojson", opt->out, folder) : NULL;
    double hx = 0, hy = 0;
    if (!path || !csv || !iso)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK)
        st = isr_time_raster_read(ctx, path, &r->g, NULL, r->time_s, &r->w, &hx, &hy);
    if (st != ISR_OK)
        goto cleanup;
    const int h = r->done;
    r->hubs[h] = isr_rail_net_add_station(r->net, id, OGR_F_GetFieldAsString(f, r->f_name), hx, hy, 1);
    if (r->hubs[h] < 0 || (r->f_name_en >= 0 &&
                           isr_rail_station_set_name_en(r->net, r->hubs[h],
                                                        OGR_F_GetFieldAsString(f, r->f_name_en)))) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    double own_d, hub[2] = {hx, hy}, cell[2] = {hx, hy}; /* the same rule as the run */
    int c, row, ties;
    if (isr_grid_cell_of(&r->g, hx, hy, &c, &row))
        isr_grid_cell_centre(&r->g, c, row, cell);
    int zu = isr_zones_unit_xy(&r->zones, &r->g, hx, hy);
    int own = isr_hub_jurisdiction(&r->units, hub, cell, zu, ISR_OWN_MAX_M, &own_d, &ties);
    char of[600];
    isr_snprintf(of, sizeof of, " of '%s'", opt->boundaries);
    isr_hub_jurisdiction_warn(ctx, &r->units, id, hub, cell, own, own_d, ties, of);
    if (!r->jurisdiction)
        r->jurisdiction = json_object_new_object();
    json_object_object_add(r->jurisdiction, id, isr_jurisdiction_json(&r->units, own, own_d));
    isr_reach_compute(&r->reach, &r->zones, &r->g, r->time_s, r->w.touched, r->w.ntouched, own);
    beyond_count(r, id);
    isr_reach_totals(&r->reach, &r->zones, &r->tot[h]);
    isr_reach_store(&r->reach, &r->zones, h, r->hub_cells, r->hub_pop, r->own + h * ISR_NLEVELS);
    st = isr_reach_write_csv(ctx, csv, id, &r->reach, &r->zones, &r->units,
                             r->g.cell_m * r->g.cell_m / 1e6);
    isr_hub_tables ht = {id, OGR_F_GetFieldAsString(f, r->f_name), &r->tot[h],
                         r->own + h * ISR_NLEVELS, opt->budget_min};
    char *dir = st == ISR_OK ? isr_strdup_printf("%s/hubs/%s", opt->out, folder) : NULL;
    if (st == ISR_OK)
        st = dir ? isr_hub_tables_write(ctx, dir, &ht, &r->zones, &r->units, &r->g, r->time_s,
                                        r->w.touched, r->w.ntouched,
                                        isr_zones_people(&r->zones, &r->units))
                 : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    free(dir);
    /* the isochrones carry the people within each band: recount them too */
    isr_band_poly bp[ISR_MAX_BANDS];
    if (st == ISR_OK)
        st = isr_isochrones_build(ctx, &r->gc, &r->g, r->time_s, r->w.touched, r->w.ntouched,
                                  isr_zones_people(&r->zones, &r->units), r->bands, r->nbands,
                                  opt->min_area_km2 * 1e6,
                                  opt->simplify_m, bp);
    if (st == ISR_OK) {
        st = isr_isochrones_write(ctx, &r->gc, iso, r->g.wkt, bp, r->nbands, id,
                                  OGR_F_GetFieldAsString(f, r->f_name));
        isr_band_polys_free(&r->gc, bp, r->nbands);
    }
    for (size_t i = 0; i < r->w.ntouched; i++)
        r->time_s[r->w.touched[i]] = INFINITY;
    r->w.ntouched = 0;
    r->done++;
cleanup:
    free(folder);
    free(path);
    free(csv);
    free(iso);
    return st;
}

/* The region's tables (reach_matrix.csv, units.geojson, summary.json) from the hubs' rows. */
static isr_status rereach_write_region(isr_ctx *ctx, const rereach *r, const char *best_path,
                                       const char *region)
{
    isr_region_reach rr = {&r->g,   &r->zones, &r->units, r->net, r->hubs, r->done, NAN,
                           r->hub_cells, r->hub_pop, r->tot, r->own, &r->best, NULL, 0, NULL, 0};
    GDALDatasetH bd = GDALOpenEx(best_path, GDAL_OF_RASTER, NULL, NULL, NULL);
    const char *budget = bd ? GDALGetMetadataItem(bd, "BUDGET_MIN", NULL) : NULL;
    rr.budget_min = budget ? isr_strtod(budget, NULL) : NAN;
    if (bd)
        GDALClose(bd);
    char *prov = NULL; /* the provinces of these boundaries */
    isr_status st = isr_provinces_geojson(ctx, &r->units, r->g.wkt, &prov, &rr.prov_len);
    rr.prov_json = prov;
    if (st == ISR_OK)
        st = isr_region_reach_write(ctx, &rr, region);
    free(prov);
    return st;
}

static void rereach_clear(rereach *r)
{
    isr_geos_finish(&r->gc);
    for (int i = 0; i < r->nfolders; i++)
        free(r->folders[i]);
    free(r->folders);
    free(r->beyond_first);
    for (int k = 0; k < ISR_NLEVELS; k++) {
        free(r->hub_cells[k]);
        free(r->hub_pop[k]);
    }
    free(r->tot);
    free(r->own);
    json_object_put(r->jurisdiction);
    free(r->hubs);
    free(r->time_s);
    isr_acc_clear(&r->best);
    isr_cd_work_free(&r->w);
    isr_reach_free(&r->reach);
    isr_zones_clear(&r->zones);
    isr_units_clear(&r->units);
    isr_layer_close(&r->lb);
    if (r->lh.ds)
        GDALClose(r->lh.ds);
    if (r->srs)
        OSRDestroySpatialReference(r->srs);
    isr_rail_net_free(r->net);
    isr_grid_clear(&r->g);
}

/* run.json's "reach" while the hubs' tables are being recounted: {"status": "incomplete",
 * "boundaries": B}. An interrupted reach leaves it, so that `isoreach map` refuses to draw
 * the mix of recounted and earlier tables (isr_options_of_run); record_reach replaces it. */
static isr_status mark_reach_incomplete(isr_ctx *ctx, const isr_options *opt)
{
    char *path = isr_strdup_printf("%s/run.json", opt->out);
    json_object *root = path ? json_object_from_file(path) : NULL;
    isr_status st = ISR_OK;
    if (!root) {
        st = path ? isr_fail(ctx, ISR_ERR_INPUT, "'%s': cannot read", path)
                  : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    } else {
        json_object *re = json_object_new_object();
        char *rel = isr_path_rel_to_out(opt->out, opt->boundaries);
        json_object_object_add(re, "status", json_object_new_string("incomplete"));
        json_object_object_add(re, "boundaries",
                               json_object_new_string(rel ? rel : opt->boundaries));
        free(rel);
        json_object_object_add(root, "reach", re);
        st = isr_write_json(ctx, path, root);
    }
    json_object_put(root);
    free(path);
    return st;
}

/* The run's scenarios (run.json's "options"."--scenario"): their tables (scenarios/NAME/
 * gains*.csv, scenario.json) count people on the run's boundaries and population, which
 * `reach` does not recount. Said, and recorded under "reach"."scenarios_not_recounted", which
 * publication reads to leave them out of the web map and maps (publish/scenarios.c) rather
 * than show them beside the recounted baseline. */
static void stale_scenarios(isr_ctx *ctx, const isr_options *opt, json_object *root,
                            json_object *re)
{
    json_object *o = NULL, *sc = NULL;
    if (!json_object_object_get_ex(root, "options", &o) ||
        !json_object_object_get_ex(o, "--scenario", &sc) ||
        !json_object_is_type(sc, json_type_object) || json_object_object_length(sc) == 0)
        return;
    json_object *names = json_object_new_array();
    isr_sb b = {0};
    json_object_object_foreach(sc, key, val) {
        (void)val;
        isr_sb_printf(&b, "%s'%s'", json_object_array_length(names) ? ", " : "", key);
        json_object_array_add(names, json_object_new_string(key));
    }
    json_object_object_add(re, "scenarios_not_recounted", names);
    char *list = isr_sb_take(&b);
    char q[ISR_SHQ_MAX];
    isr_log(ctx, ISR_LOG_WARN,
            "the scenarios of '%s' (%s) were computed on the run's boundaries and population "
            "and are not recounted by isoreach reach: their tables in %s/scenarios/ are as "
            "the run left them, and the web map and maps now leave them out; to have them on "
            "'%s', run isoreach run again with --scenario into --out %s",
            opt->out, list ? list : "", opt->out, opt->boundaries, isr_shq(opt->out, q, sizeof q));
    free(list);
}

/* run.json gains (or updates) "reach": the boundaries, layer and flags the reach tables now
 * come from; "inputs" and "options" keep what the hubs' rasters were computed with. */
static isr_status record_reach(isr_ctx *ctx, const isr_options *opt, int nhubs,
                               json_object *jurisdiction)
{
    char *path = isr_strdup_printf("%s/run.json", opt->out);
    json_object *root = path ? json_object_from_file(path) : NULL;
    if (!root) {
        free(path);
        return path ? isr_fail(ctx, ISR_ERR_INPUT, "'%s/run.json': cannot read", opt->out)
                    : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    json_object *re = json_object_new_object();
    const char *keys[][2] = {{"boundaries", opt->boundaries},
                             {"boundaries_layer", opt->boundaries_layer},
                             {"unit_id_field", opt->unit_id_field},
                             {"unit_name_field", opt->unit_name_field},
                             {"pref_field", opt->pref_field},
                             {"pref_name_field", opt->pref_name_field},
                             {"prov_field", opt->prov_field},
                             {"prov_name_field", opt->prov_name_field},
                             {"unit_name_en_field", opt->unit_name_en_field},
                             {"pref_name_en_field", opt->pref_name_en_field},
                             {"prov_name_en_field", opt->prov_name_en_field},
                             {"pop_field", opt->pop_field},
                             {"population", opt->population},
                             {"water", isr_options_water(opt)}}; /* null: none */
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) { /* inputs relative to OUT */
        char *rel = i == 0 || i >= 12 ? isr_path_rel_to_out(opt->out, keys[i][1]) : NULL;
        json_object_object_add(re, keys[i][0], keys[i][1] ? json_object_new_string(
                                                                rel ? rel : keys[i][1])
                                                          : NULL);
        free(rel);
    }
    json_object_object_add(re, "min_reach_km2", json_object_new_double(opt->min_reach_km2));
    json_object_object_add(re, "hubs", json_object_new_int(nhubs));
    /* each hub's jurisdiction in these boundaries ("hubs" keeps the run's) */
    json_object_object_add(re, "jurisdiction", json_object_get(jurisdiction));
    json_object_object_add(re, "outputs",
                           json_object_new_string("hubs/*/reach.csv, hubs/*/summary.csv, "
                                                  "hubs/*/people_by_minute.csv, "
                                                  "hubs/*/isochrones.geojson "
                                                  "(population), region/reach_matrix.csv, "
                                                  "region/hubs_summary.csv, "
                                                  "region/units.geojson, region/summary.json, "
                                                  "the web map and the maps (credits)"));
    json_object_object_add(re, "status", json_object_new_string("complete"));
    stale_scenarios(ctx, opt, root, re);
    json_object_object_add(root, "reach", re);
    isr_status st = isr_write_json(ctx, path, root);
    json_object_put(root);
    free(path);
    if (st == ISR_OK)
        isr_log(ctx, ISR_LOG_INFO,
                "reach tables recounted on boundaries '%s'%s%s%s for %d hub%s: rewrote "
                "hubs/*/reach.csv, summary.csv, people_by_minute.csv, the isochrones' "
                "population, region/reach_matrix.csv, hubs_summary.csv, units.geojson and "
                "summary.json; run.json records them under \"reach\" "
                "(the travel-time rasters are unchanged)",
                opt->boundaries, opt->population ? " with population raster '" : "",
                opt->population ? opt->population : "", opt->population ? "'" : "", nhubs,
                nhubs == 1 ? "" : "s");
    return st;
}

/* OUT/hubs/ folders of no hub of the run (an earlier run's, with other hubs): reach recounts
 * the run's hubs only, so their tables stay of another run, as `run` warns too (region.c). */
static void warn_other_hub_folders(isr_ctx *ctx, const isr_options *opt, const rereach *r)
{
    char *dir = isr_strdup_printf("%s/hubs", opt->out);
    int n = 0;
    char *list = isr_dir_others(dir, (const char *const *)r->folders, r->nfolders, &n);
    if (n)
        isr_log(ctx, ISR_LOG_WARN,
                "'%s' also holds %d folder%s of no hub of the run (%s), left by an earlier run: "
                "isoreach reach did not recount %s tables, which are of other boundaries or "
                "settings; delete %s, or run those hubs again",
                dir, n, n > 1 ? "s" : "", list ? list : "", n > 1 ? "their" : "its",
                n > 1 ? "them" : "it");
    free(list);
    free(dir);
}

static isr_status reach_run(isr_ctx *ctx, const isr_options *opt)
{
    isr_status st = ISR_OK;
    rereach r = {0};
    r.net = isr_rail_net_new();
    isr_geos_init(&r.gc);
    char *region = isr_strdup_printf("%s/region", opt->out);
    char *best_path = isr_strdup_printf("%s/nearest_hub_time.tif", region ? region : "");
    char *lut_path = isr_strdup_printf("%s/nearest_hub.csv", region ? region : "");
    if (!r.net || !region || !best_path || !lut_path) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if ((st = rereach_load_region(ctx, opt, best_path, &r)) != ISR_OK ||
        (st = rereach_open_hubs(ctx, lut_path, &r)) != ISR_OK)
        goto cleanup;
    if ((st = check_hubs(ctx, opt, best_path, &r)) != ISR_OK ||
        (st = mark_reach_incomplete(ctx, opt)) != ISR_OK)
        goto cleanup;
    OGRFeatureH f;
    OGR_L_ResetReading(r.lh.lyr);
    /* a cancel is answered between hubs: each hub's tables are whole, written together */
    while (st == ISR_OK && r.done < r.nhubs && !isr_cancelled(ctx) &&
           (f = OGR_L_GetNextFeature(r.lh.lyr)) != NULL) {
        st = rereach_hub(ctx, opt, &r, f);
        OGR_F_Destroy(f);
        isr_progress(ctx, "hubs", (size_t)r.done, (size_t)r.nhubs);
    }
    if (st == ISR_OK && isr_cancelled(ctx) && r.done < r.nhubs) {
        st = isr_fail(ctx, ISR_ERR_INTERRUPTED,
                      "interrupted after %d of %d hubs: their tables are recounted on '%s', the "
                      "other hubs' and the region's are not, and run.json still records the "
                      "earlier reach; run the same command again to recount them all",
                      r.done, r.nhubs, opt->boundaries);
        goto cleanup;
    }
    if (st == ISR_OK)
        st = rereach_write_region(ctx, &r, best_path, region);
    if (st == ISR_OK)
        st = record_reach(ctx, opt, r.nhubs, r.jurisdiction);
    if (st == ISR_OK)
        st = isr_out_readme_write(ctx, opt->out);
    if (st == ISR_OK) {
        warn_other_hub_folders(ctx, opt, &r);
        beyond_say(ctx, opt, &r);
    }
cleanup:
    if (st == ISR_ERR_INTERRUPTED) /* a cancel arrives without a message (isr_source_check);
                                    * the first message stays (vfail) */
        isr_fail(ctx, st, "interrupted; reach tables not yet rewritten are unchanged");
    rereach_clear(&r);
    free(region);
    free(best_path);
    free(lut_path);
    return st;
}

isr_status isr_reach_run(isr_ctx *ctx, const isr_options *opt)
{
    isr_ctx_reset(ctx);
    isr_ctx_set_timeout(ctx, opt->timeout_s);
    isr_fetch_setup(ctx, opt->cache, opt->max_download_mb);
    isr_gdal_errors_push(ctx);
    /* the run's own inputs and flags (run.json) unless given again */
    isr_options eff;
    char *lock = NULL;
    isr_status st = isr_options_of_run(ctx, opt, "reach", &eff, &lock);
    if (st == ISR_OK)
        st = reach_run(ctx, &eff);
    isr_out_unlock(lock);
    isr_options_clear(&eff);
    isr_gdal_errors_pop();
    return st;
}
