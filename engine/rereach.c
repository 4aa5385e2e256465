/*
 * rereach.c — `isoreach reach`: the reach tables recomputed from the rasters of an earlier
 * run, with other boundaries, other unit fields or a population raster, without rerunning
 * any search. The grid and CRS come from OUT/region/nearest_hub_time.tif, the hubs from
 * OUT/region/nearest_hub.csv (read with GDAL's CSV driver) and each hub's times and position
 * from its travel_time.tif (HUB_X/HUB_Y metadata). Writes the same files as a run does:
 * hubs/<folder>/reach.csv (isr_hub_folder) and region/reach_matrix.csv, units.geojson, summary.json.
 * The web map and maps that show these tables are publication's (isr_publish, which the
 * host calls afterwards: `isoreach reach` republishes the web map, and the maps if drawn).
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Reads the region's nearest-hub times (minutes, +INF where none). */
static isr_status read_best(isr_ctx *ctx, const char *path, const isr_grid *g, float **out)
{
    *out = malloc((size_t)g->nx * (size_t)g->ny * sizeof **out);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!*out || !ds || GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, g->nx, g->ny, *out,
                                     g->nx, g->ny, GDT_Float32, 0, 0) != CE_None) {
        if (ds)
            GDALClose(ds);
        return isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot read", path);
    }
    GDALClose(ds);
    for (size_t i = 0; i < (size_t)g->nx * (size_t)g->ny; i++)
        if ((*out)[i] == (float)ISR_TIME_NODATA)
            (*out)[i] = INFINITY;
    return ISR_OK;
}

static isr_status reach_run(isr_ctx *ctx, const isr_options *opt)
{
    isr_status st = ISR_OK;
    isr_grid g = {0};
    isr_layer lb = {0}, lh = {0};
    isr_units units = {0};
    isr_zones zones = {0};
    isr_reach reach = {0};
    isr_cd_work w = {0};
    isr_rail_net *net = isr_rail_net_new();
    OGRSpatialReferenceH srs = NULL;
    float *best = NULL, *time_s = NULL;
    int *hubs = NULL, nhubs = 0, oom = 0;
    isr_reach_totals_t *tot = NULL;
    int *own = NULL;
    size_t *hub_cells[ISR_NLEVELS] = {0};
    double *hub_pop[ISR_NLEVELS] = {0};
    double bands[ISR_MAX_BANDS];
    int nbands = 0;
    isr_band_poly bp[ISR_MAX_BANDS];
    isr_geos gc;
    isr_geos_init(&gc);
    char *region = isr_strdup_printf("%s/region", opt->out);
    char *best_path = isr_strdup_printf("%s/nearest_hub_time.tif", region ? region : "");
    char *lut_path = isr_strdup_printf("%s/nearest_hub.csv", region ? region : "");
    if (!net || !region || !best_path || !lut_path) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if ((st = isr_bands_parse(ctx, opt->bands, opt->budget_min, bands, &nbands)) != ISR_OK ||
        (st = isr_grid_from_raster(ctx, best_path, &g)) != ISR_OK ||
        (st = read_best(ctx, best_path, &g, &best)) != ISR_OK)
        goto cleanup;
    srs = OSRNewSpatialReference(g.wkt);
    if (!srs) {
        st = isr_fail(ctx, ISR_ERR_CRS, "'%s': its CRS is not readable", best_path);
        goto cleanup;
    }
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    const isr_layer *layers[ISR_NLAYERS] = {&lb, NULL, NULL};
    if ((st = isr_layer_open_enc(ctx, &lb, "boundaries", opt->boundaries, opt->boundaries_layer,
                                 wkbPolygon, opt->encoding)) != ISR_OK ||
        (st = isr_fields_check(ctx, opt, layers)) != ISR_OK ||
        (st = isr_units_load(ctx, opt, &lb, srs, &units)) != ISR_OK ||
        (st = isr_zones_build(ctx, &g, &units, opt->population, &zones)) != ISR_OK ||
        (st = isr_reach_init(ctx, &reach, &zones)) != ISR_OK)
        goto cleanup;
    reach.min_cells = isr_reach_min_cells(opt->min_reach_km2, g.cell_m);
    /* the hubs, in the order of the run */
    lh.ds = GDALOpenEx(lut_path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    lh.lyr = lh.ds ? GDALDatasetGetLayer(lh.ds, 0) : NULL;
    int f_id = lh.lyr ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lh.lyr), "hub_id") : -1;
    int f_name = lh.lyr ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lh.lyr), "hub_name") : -1;
    if (f_id < 0 || f_name < 0) {
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot read the hub list (hub_id, hub_name)",
                           lut_path);
        goto cleanup;
    }
    nhubs = (int)OGR_L_GetFeatureCount(lh.lyr, 1);
    hubs = malloc((size_t)(nhubs > 0 ? nhubs : 1) * sizeof *hubs);
    tot = calloc((size_t)(nhubs > 0 ? nhubs : 1), sizeof *tot);
    own = malloc((size_t)(nhubs > 0 ? nhubs : 1) * ISR_NLEVELS * sizeof *own);
    time_s = malloc(isr_grid_pcells(&g) * sizeof *time_s);
    for (int k = 0; k < ISR_NLEVELS; k++) {
        size_t n = (size_t)(nhubs > 0 ? nhubs : 1) * (size_t)(zones.ngroups[k] > 0 ? zones.ngroups[k] : 1);
        hub_cells[k] = calloc(n, sizeof *hub_cells[k]);
        hub_pop[k] = calloc(n, sizeof *hub_pop[k]);
        oom = oom || !hub_cells[k] || !hub_pop[k];
    }
    if (!hubs || !tot || !own || !time_s || oom) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < isr_grid_pcells(&g); i++)
        time_s[i] = INFINITY;
    OGRFeatureH f;
    int h = 0;
    OGR_L_ResetReading(lh.lyr);
    while (st == ISR_OK && h < nhubs && (f = OGR_L_GetNextFeature(lh.lyr)) != NULL) {
        const char *id = OGR_F_GetFieldAsString(f, f_id);
        char *folder = isr_hub_folder(id);
        char *path = folder ? isr_strdup_printf("%s/hubs/%s/travel_time.tif", opt->out, folder)
                            : NULL;
        char *csv = folder ? isr_strdup_printf("%s/hubs/%s/reach.csv", opt->out, folder) : NULL;
        char *iso =
            folder ? isr_strdup_printf("%s/hubs/%s/isochrones.geojson", opt->out, folder) : NULL;
        free(folder);
        double hx = 0, hy = 0;
        if (!path || !csv || !iso)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        if (st == ISR_OK)
            st = isr_time_raster_read(ctx, path, &g, NULL, time_s, &w, &hx, &hy);
        if (st == ISR_OK) {
            hubs[h] = isr_rail_net_add_station(net, id, OGR_F_GetFieldAsString(f, f_name), hx, hy, 1);
            double own_d; /* the same jurisdiction rule as the run (reach.c) */
            isr_reach_compute(&reach, &zones, &g, time_s, w.touched, w.ntouched,
                              isr_hub_jurisdiction(&units, hx, hy, ISR_OWN_MAX_M, &own_d));
            isr_reach_totals(&reach, &zones, &tot[h]);
            isr_reach_store(&reach, &zones, h, hub_cells, hub_pop, own + h * ISR_NLEVELS);
            st = isr_reach_write_csv(ctx, csv, &reach, &zones, &units, g.cell_m * g.cell_m / 1e6);
            /* the isochrones carry the people within each band: recount them too */
            if (st == ISR_OK)
                st = isr_isochrones_build(ctx, &gc, &g, time_s, w.touched, w.ntouched, zones.pop,
                                          bands, nbands, opt->min_area_km2 * 1e6,
                                          opt->simplify_m, bp);
            if (st == ISR_OK) {
                st = isr_isochrones_write(ctx, &gc, iso, g.wkt, bp, nbands, id,
                                          OGR_F_GetFieldAsString(f, f_name));
                isr_band_polys_free(&gc, bp, nbands);
            }
            for (size_t i = 0; i < w.ntouched; i++)
                time_s[w.touched[i]] = INFINITY;
            w.ntouched = 0;
            h++;
        }
        free(path);
        free(csv);
        free(iso);
        OGR_F_Destroy(f);
        if (!opt->quiet)
            isr_progress(ctx, "hubs", (size_t)h, (size_t)nhubs);
    }
    if (st == ISR_OK) {
        isr_region_reach rr = {&g,    &zones,   &units, net, hubs, h, NAN, hub_cells, hub_pop,
                               tot,   own,      best};
        GDALDatasetH bd = GDALOpenEx(best_path, GDAL_OF_RASTER, NULL, NULL, NULL);
        const char *budget = bd ? GDALGetMetadataItem(bd, "BUDGET_MIN", NULL) : NULL;
        rr.budget_min = budget ? isr_strtod(budget, NULL) : NAN;
        if (bd)
            GDALClose(bd);
        st = isr_region_reach_write(ctx, &rr, region);
    }
cleanup:
    isr_geos_finish(&gc);
    if (st == ISR_ERR_INTERRUPTED) /* a cancel arrives without a message (isr_source_check) */
        isr_fail(ctx, st, "interrupted; reach tables not yet rewritten are unchanged");
    for (int k = 0; k < ISR_NLEVELS; k++) {
        free(hub_cells[k]);
        free(hub_pop[k]);
    }
    free(tot);
    free(own);
    free(hubs);
    free(time_s);
    free(best);
    isr_cd_work_free(&w);
    isr_reach_free(&reach);
    isr_zones_clear(&zones);
    isr_units_clear(&units);
    isr_layer_close(&lb);
    if (lh.ds)
        GDALClose(lh.ds);
    if (srs)
        OSRDestroySpatialReference(srs);
    isr_rail_net_free(net);
    isr_grid_clear(&g);
    free(region);
    free(best_path);
    free(lut_path);
    return st;
}

isr_status isr_reach_run(isr_ctx *ctx, const isr_options *opt)
{
    isr_ctx_reset(ctx);
    isr_ctx_set_timeout(ctx, opt->timeout_s);
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
