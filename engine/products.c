/*
 * products.c — the region-wide reach products, written once every hub has run:
 *   reach_matrix.csv  hub × prefecture: share of area and people reached (long format,
 *                     one row per pair with any reach, so it stays small and pivots easily);
 *   units.geojson     every county with its reach by any hub and, per hub, the share of its
 *                     people reached: ready for a choropleth (RFC 7946, EPSG:4326);
 *   summary.json      each hub's totals and cross-border share, ranked;
 *   hubs_summary.csv  the same totals, one row per hub in the run's order (tables.c's row).
 * Reads only tallies made by the workers (reach.c) and one pass over the region's nearest-
 * hub times; owns nothing beyond the call.
 */
#include "acc.h"
#include "internal.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <errno.h>
#include <gdal_utils.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static isr_status write_matrix(isr_ctx *ctx, const isr_region_reach *rr, const char *path)
{
    const isr_zones *z = rr->zones;
    const int L = ISR_PREFECTURE;
    const int ng = z->ngroups[L];
    double cell_km2 = rr->grid->cell_m * rr->grid->cell_m / 1e6;
    char *tmp;
    FILE *f;
    isr_status st = isr_open_tmp(ctx, path, &tmp, &f);
    if (st != ISR_OK)
        return st;
    fputs(ISR_CSV_BOM "hub_id,hub_name,hub_name_en,prefecture_code,prefecture_name,"
          "prefecture_name_en,province_code,area_share,pop_share,reached_km2,pop_reached,"
          "other_province,other_prefecture,pop_unknown_units\n",
          f);
    for (int h = 0; h < rr->nhubs; h++) {
        for (int gi = 0; gi < ng; gi++) {
            size_t cells = rr->hub_cells[L][(size_t)h * (size_t)ng + (size_t)gi];
            if (!cells)
                continue;
            double pop = rr->hub_pop[L][(size_t)h * (size_t)ng + (size_t)gi];
            const isr_unit *a = &rr->units->attr[z->first[L][gi]];
            isr_csv_field(f, isr_rail_station_id(rr->net, rr->hubs[h]));
            fputc(',', f);
            isr_csv_field(f, isr_rail_station_name(rr->net, rr->hubs[h]));
            fputc(',', f);
            isr_csv_field(f, isr_rail_station_name_en(rr->net, rr->hubs[h]));
            fputc(',', f);
            isr_csv_field(f, a->code[L]);
            fputc(',', f);
            isr_csv_field(f, a->name[L]);
            fputc(',', f);
            isr_csv_field(f, a->name_en[L]);
            fputc(',', f);
            isr_csv_field(f, a->code[ISR_PROVINCE]);
            int own = rr->own[h * ISR_NLEVELS + L], own_p = rr->own[h * ISR_NLEVELS + ISR_PROVINCE];
            int other_p = own_p < 0 || z->group[ISR_PROVINCE][z->first[L][gi]] != own_p;
            /* no known people beside unknown ones: unknown (an empty field), not 0; no people
             * at all: no share of them (0 of 0). NaN is an empty field (isr_fprintf) */
            double unk = z->gunknown[L][gi] && !(z->gpop[L][gi] > 0) ? NAN : 0.0;
            isr_fprintf(f, ",%.4f,%.4f,%.3f,%.0f,%d,%d,%d\n", (double)cells / (double)z->cells[L][gi],
                    unk + (z->gpop[L][gi] > 0 ? pop / z->gpop[L][gi] : NAN), (double)cells * cell_km2,
                    unk + pop, other_p, own < 0 || own != gi, z->gunknown[L][gi]);
        }
    }
    st = isr_close_commit(ctx, f, tmp, path);
    free(tmp);
    return st;
}

/* The warning for polygons that stay invalid as the GeoJSON file holds them (6 decimals),
 * even snapped to its grid: n of them (0: none, no warning), the first unit `u`'s at level
 * L. */
static void invalid_warning(isr_ctx *ctx, const char *file, const isr_units *units, int L,
                            int u, int n)
{
    if (n <= 0)
        return;
    char more[48] = "";
    if (n > 1)
        isr_snprintf(more, sizeof more, " and %d more", n - 1);
    isr_log(ctx, ISR_LOG_WARN,
            "%s: the polygon of '%s' (%s)%s is not valid at the file's 6 decimals, even "
            "snapped to them: a GIS may refuse to draw or measure it. Check its boundary for "
            "edges closer than 0.1 m",
            file, units->attr[u].name[L], units->attr[u].code[L], more);
}

isr_status isr_units_geometry_json(isr_ctx *ctx, const isr_units *units, const char *wkt,
                                   int u0, int u1, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    isr_geojson w = {0};
    isr_status st = isr_geojson_open(ctx, &w, "units geometry", "units", wkt, NULL, 0);
    w.valid = 1;
    for (int u = u0; u < u1 && st == ISR_OK; u++) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(w.lyr));
        OGRGeometryH g = units->geom[u] ? OGR_G_Clone(units->geom[u]) : NULL;
        if (isr_geojson_set_geometry(&w, f, g) || isr_geojson_add(&w, f))
            st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot format the units' geometries");
        OGR_F_Destroy(f);
    }
    if (st != ISR_OK)
        return isr_geojson_close(ctx, &w, st);
    invalid_warning(ctx, "units.geojson", units, ISR_COUNTY, u0 + w.first_invalid, w.ninvalid);
    if (w.nfast == u1 - u0 && !w.text.oom) { /* every line written by geojson_text.c: as is */
        *len = w.text.len;
        *text = isr_sb_take(&w.text);
        isr_geojson_close(ctx, &w, ISR_ERR_INTERRUPTED); /* released, no file */
        return *text ? ISR_OK : ISR_ERR_MEMORY;
    }
    size_t n = 0, *starts = NULL;
    char *all = isr_geojson_take(ctx, &w, &n);
    int nf = all ? isr_geojson_feature_lines(all, n, &starts) : -1;
    isr_sb sb = {0};
    for (int i = 0; i < nf && nf == u1 - u0; i++) { /* the text after "geometry": to " }" */
        const char *line = all + starts[i], *nl = strchr(line, '\n');
        size_t ll = nl ? (size_t)(nl - line) : strlen(line);
        ll -= ll && line[ll - 1] == ',';
        const char *g = line; /* in this line only (strstr under ASan measures all the rest:
                               * quadratic over 66,000 units) */
        while (g + 12 <= line + ll && memcmp(g, "\"geometry\": ", 12) != 0)
            g++;
        if (g + 12 > line + ll || ll < 2 || strncmp(line + ll - 2, " }", 2) != 0) {
            nf = -1;
            break;
        }
        g += 12;
        isr_sb_add(&sb, g, (size_t)(line + ll - 2 - g));
        isr_sb_add(&sb, "\n", 1);
    }
    if (nf == u1 - u0 && !sb.oom) {
        *len = sb.len;
        *text = isr_sb_take(&sb);
    }
    free(sb.s);
    free(starts);
    free(all);
    /* a layout this does not know (another GDAL): *text NULL, units.geojson is written the
     * long way */
    return all ? ISR_OK : ISR_ERR_MEMORY;
}

static isr_status write_bytes(isr_ctx *ctx, const char *path, const char *bytes, size_t len)
{
    char *tmp = NULL;
    FILE *f = NULL;
    isr_status st = isr_open_tmp(ctx, path, &tmp, &f);
    if (st == ISR_OK) {
        if (len)
            fwrite(bytes, 1, len, f); /* a short write sets the error flag */
        st = isr_close_commit(ctx, f, tmp, path);
    }
    free(tmp);
    return st;
}

/* Per county: the land cells and people any hub reaches, and the least time to them (the
 * region's tiles some hub reached: cells of no tile are reached by none). */
static void any_hub_tally(const isr_region_reach *rr, size_t *any_cells, double *any_pop,
                          float *best)
{
    const isr_zones *z = rr->zones;
    const isr_grid *g = rr->grid;
    const int L = ISR_COUNTY;
    const isr_acc *acc = rr->acc;
    for (int tr = 0; tr < acc->ty; tr++) /* the tiles some hub reached */
        for (int tc = 0; tc < acc->tx; tc++) {
            const isr_acc_tile *t = isr_acc_tile_at(acc, tc, tr);
            for (int r = tr * ISR_ACC_TILE; t && r < g->ny && r < (tr + 1) * ISR_ACC_TILE; r++)
                for (int col = tc * ISR_ACC_TILE; col < g->nx && col < (tc + 1) * ISR_ACC_TILE;
                     col++) {
                    size_t c = (size_t)r * (size_t)g->nx + (size_t)col;
                    float bt = t->t[(size_t)(r % ISR_ACC_TILE) * ISR_ACC_TILE +
                                    (size_t)(col % ISR_ACC_TILE)];
                    int unit = isr_zones_unit_at(z, c);
                    if (unit < 0 || !(bt >= 0 && bt < INFINITY) || isr_zones_water_at(z, c))
                        continue; /* shares are of land; +INF or nodata: no hub reaches */
                    int gi = z->group[L][unit];
                    any_cells[gi]++;
                    any_pop[gi] += isr_zones_pop_at(z, c);
                    if (bt < best[gi])
                        best[gi] = bt;
                }
        }
    for (int gi = 0; gi < z->ngroups[L]; gi++) /* whole people, as the county's own
                                                * (isr_zones_sum_up): 10.4 reached of 10.4
                                                * is 10 of 10, not 1.04 */
        any_pop[gi] = round(any_pop[gi]);
}

/* Field i of f: the share part / whole of the people (4 decimals), null when there are no
 * people (0 of 0) or none known. */
static void set_pop_share(OGRFeatureH f, int i, double part, double whole)
{
    if (whole > 0)
        OGR_F_SetFieldDouble(f, i, round(part / whole * 1e4) / 1e4);
    else
        OGR_F_SetFieldNull(f, i);
}

/* The unit a unit with no cell of its own is counted in (zones.c, claim_or_host: the unit of
 * the cell holding its interior point), or -1: its own row says 0 people and 0 km², and
 * without this a choropleth would show it empty and its host denser. */
static int counted_in(const isr_region_reach *rr, int u)
{
    const isr_zones *z = rr->zones;
    if (z->area[ISR_COUNTY][z->group[ISR_COUNTY][u]] > 0 || !rr->units->geom[u])
        return -1;
    OGRGeometryH p = OGR_G_PointOnSurface(rr->units->geom[u]);
    int host = p ? isr_zones_unit_xy(z, rr->grid, OGR_G_GetX(p, 0), OGR_G_GetY(p, 0)) : -1;
    OGR_G_DestroyGeometry(p);
    return host == u ? -1 : host;
}

/* What the hubs reached of each county group (any_hub_tally), and where the hubs' shares
 * start among the fields. */
typedef struct unit_tally {
    const size_t *any_cells;
    const double *any_pop;
    const float *best;
    int nfixed;
} unit_tally;

/* Unit u's properties into f (the fields of write_units_with). */
static void unit_props(const isr_region_reach *rr, int u, const unit_tally *t, OGRFeatureH f)
{
    const isr_zones *z = rr->zones;
    const int L = ISR_COUNTY, ng = z->ngroups[L];
    const double cell_km2 = rr->grid->cell_m * rr->grid->cell_m / 1e6;
    const isr_unit *a = &rr->units->attr[u];
    int gi = z->group[L][u];
    OGR_F_SetFieldString(f, 0, a->code[ISR_COUNTY]);
    OGR_F_SetFieldString(f, 1, a->name[ISR_COUNTY]);
    OGR_F_SetFieldString(f, 2, a->code[ISR_PREFECTURE]);
    OGR_F_SetFieldString(f, 3, a->name[ISR_PREFECTURE]);
    OGR_F_SetFieldString(f, 4, a->code[ISR_PROVINCE]);
    OGR_F_SetFieldString(f, 5, a->name[ISR_PROVINCE]);
    for (int k = 0; k < ISR_NLEVELS; k++) /* name_en, pref_en, prov_en */
        OGR_F_SetFieldString(f, 14 + k, a->name_en[k]);
    double gpop = z->gpop[L][gi];
    size_t gcells = z->cells[L][gi];
    int unknown = z->gunknown[L][gi] > 0;
    if (unknown) /* not known: null, never 0 */
        OGR_F_SetFieldNull(f, 6);
    else
        OGR_F_SetFieldInteger64(f, 6, (GIntBig)llround(gpop)); /* whole people */
    OGR_F_SetFieldInteger(f, 12, unknown);
    OGR_F_SetFieldDouble(f, 7, round((double)z->area[L][gi] * cell_km2 * 1e3) / 1e3);
    OGR_F_SetFieldDouble(f, 13, round((double)gcells * cell_km2 * 1e3) / 1e3);
    if (!isinf(t->best[gi]))
        OGR_F_SetFieldDouble(f, 8, round(t->best[gi] * 100) / 100);
    else
        OGR_F_SetFieldNull(f, 8);
    OGR_F_SetFieldDouble(f, 9,
                         gcells ? round((double)t->any_cells[gi] / (double)gcells * 1e4) / 1e4 : 0);
    set_pop_share(f, 10, t->any_pop[gi], gpop);
    int reaching = 0;
    for (int h = 0; h < rr->nhubs; h++) {
        size_t k = (size_t)h * (size_t)ng + (size_t)gi;
        reaching += rr->hub_cells[L][k] > 0;
        set_pop_share(f, t->nfixed + h, rr->hub_pop[L][k], gpop);
    }
    OGR_F_SetFieldInteger(f, 11, reaching);
    int host = counted_in(rr, u);
    if (host >= 0)
        OGR_F_SetFieldString(f, 17, rr->units->attr[host].code[ISR_COUNTY]);
    else
        OGR_F_SetFieldNull(f, 17);
}

/* units.geojson; `geom`: the units' geometry lines to splice in (NULL: GDAL formats them). */
static isr_status write_units_with(isr_ctx *ctx, const isr_region_reach *rr, const char *path,
                                   const char *geom, size_t geom_len)
{
    const isr_zones *z = rr->zones;
    const isr_grid *g = rr->grid;
    const int ng = z->ngroups[ISR_COUNTY];
    isr_status st = ISR_OK;
    size_t *any_cells = calloc((size_t)(ng > 0 ? ng : 1), sizeof *any_cells);
    double *any_pop = calloc((size_t)(ng > 0 ? ng : 1), sizeof *any_pop);
    float *best = malloc((size_t)(ng > 0 ? ng : 1) * sizeof *best);
    isr_geojson w = {0};
    if (!any_cells || !any_pop || !best) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path);
        goto cleanup;
    }
    for (int gi = 0; gi < ng; gi++)
        best[gi] = INFINITY;
    any_hub_tally(rr, any_cells, any_pop, best);
    static const isr_geojson_field fields[] = {
        {"code", OFTString},         {"name", OFTString},         {"pref_code", OFTString},
        {"pref_name", OFTString},    {"prov_code", OFTString},    {"prov_name", OFTString},
        {"population", OFTInteger64}, {"area_km2", OFTReal},      {"best_minutes", OFTReal},
        {"area_share_any", OFTReal}, {"pop_share_any", OFTReal},  {"hubs_reaching", OFTInteger},
        {"pop_unknown", OFTInteger}, {"land_km2", OFTReal},       {"name_en", OFTString},
        {"pref_en", OFTString},      {"prov_en", OFTString},      {"counted_in", OFTString}};
    const int nfixed = (int)(sizeof fields / sizeof *fields);
    if ((st = isr_geojson_open(ctx, &w, path, "units", g->wkt, fields, nfixed)) != ISR_OK)
        goto cleanup;
    w.valid = 1; /* as isr_units_geometry_json writes them */
    OGRLayerH lyr = w.lyr;
    for (int h = 0; h < rr->nhubs; h++) {
        char name[300];
        isr_snprintf(name, sizeof name, "share_%s", isr_rail_station_id(rr->net, rr->hubs[h]));
        OGRFieldDefnH fd = OGR_Fld_Create(name, OFTReal);
        OGR_L_CreateField(lyr, fd, TRUE);
        OGR_Fld_Destroy(fd);
    }
    const unit_tally t = {any_cells, any_pop, best, nfixed};
    for (int u = 0; u < rr->units->n && st == ISR_OK; u++) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        unit_props(rr, u, &t, f);
        OGRGeometryH ug = !geom && rr->units->geom[u] ? OGR_G_Clone(rr->units->geom[u]) : NULL;
        if (isr_geojson_set_geometry(&w, f, ug) || /* else spliced in below */
            isr_geojson_add(&w, f))
            st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot write '%s'", path);
        OGR_F_Destroy(f);
    }
    invalid_warning(ctx, "units.geojson", rr->units, ISR_COUNTY, w.first_invalid, w.ninvalid);
    if (st == ISR_OK && geom) {
        size_t plen = 0, olen = 0;
        char *props = isr_geojson_take(ctx, &w, &plen);
        char *all = props ? isr_geojson_splice(props, plen, geom, geom_len, rr->units->n, NULL, &olen)
                          : NULL;
        free(props);
        if (!props)
            st = ISR_ERR_MEMORY;
        else if (!all) /* not the layout of the geometry lines: the long way */
            st = write_units_with(ctx, rr, path, NULL, 0);
        else
            st = write_bytes(ctx, path, all, olen);
        free(all);
        goto cleanup;
    }
    st = isr_geojson_close(ctx, &w, st);
cleanup:
    free(any_cells);
    free(any_pop);
    free(best);
    return st;
}

static isr_status write_units(isr_ctx *ctx, const isr_region_reach *rr, const char *path)
{
    return write_units_with(ctx, rr, path, rr->units_geom, rr->units_geom_len);
}

/* Sort key: cross-border share, then people reached (both descending), then hub order. */
typedef struct ranked {
    int hub;
    double share, pop;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->share != y->share)
        return x->share < y->share ? 1 : -1;
    if (x->pop != y->pop)
        return x->pop < y->pop ? 1 : -1;
    return x->hub - y->hub;
}

static isr_status write_summary(isr_ctx *ctx, const isr_region_reach *rr, const char *path)
{
    const isr_zones *z = rr->zones;
    double cell_km2 = rr->grid->cell_m * rr->grid->cell_m / 1e6;
    ranked *order = malloc((size_t)(rr->nhubs > 0 ? rr->nhubs : 1) * sizeof *order);
    if (!order)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int h = 0; h < rr->nhubs; h++) {
        const isr_reach_totals_t *t = &rr->tot[h];
        order[h] = (ranked){h, t->pop > 0 ? t->pop_outside_province / t->pop : 0.0, t->pop};
    }
    qsort(order, (size_t)rr->nhubs, sizeof *order, cmp_ranked);
    json_object *root = json_object_new_object();
    json_object_object_add(root, "budget_min", isr_json_num(rr->budget_min, 2));
    json_object_object_add(root, "ranked_by",
                           json_object_new_string("cross_border_share: the share of the people "
                                                  "reached who live outside the hub's province"));
    json_object *arr = json_object_new_array();
    for (int i = 0; i < rr->nhubs; i++) {
        int h = order[i].hub;
        const isr_reach_totals_t *t = &rr->tot[h];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "rank", json_object_new_int(i + 1));
        json_object_object_add(o, "id", json_object_new_string(isr_rail_station_id(rr->net, rr->hubs[h])));
        json_object_object_add(o, "name", json_object_new_string(isr_rail_station_name(rr->net, rr->hubs[h])));
        char *folder = isr_hub_folder(isr_rail_station_id(rr->net, rr->hubs[h]));
        json_object_object_add(o, "folder", folder ? json_object_new_string(folder) : NULL);
        free(folder);
        for (int k = ISR_PREFECTURE; k < ISR_NLEVELS; k++) {
            int own = rr->own[h * ISR_NLEVELS + k];
            const isr_unit *a = own >= 0 ? &rr->units->attr[z->first[k][own]] : NULL;
            json_object_object_add(o, k == ISR_PREFECTURE ? "prefecture_code" : "province_code",
                                   a ? json_object_new_string(a->code[k]) : NULL);
            json_object_object_add(o, k == ISR_PREFECTURE ? "prefecture_name" : "province_name",
                                   a ? json_object_new_string(a->name[k]) : NULL);
        }
        json_object_object_add(o, "area_km2", isr_json_num((double)t->cells * cell_km2, 3));
        double unk = t->pop_unknown_units && !(t->pop > 0) ? NAN : 0.0; /* null, not 0 */
        json_object_object_add(o, "population_reached", isr_json_num(unk + t->pop, 0));
        json_object_object_add(o, "population_outside_province", isr_json_num(unk + t->pop_outside_province, 0));
        json_object_object_add(o, "population_outside_prefecture", isr_json_num(unk + t->pop_outside_prefecture, 0));
        json_object_object_add(o, "cross_border_share", isr_json_num(unk + order[i].share, 4));
        json_object_object_add(o, "counties_reached", json_object_new_int(t->groups_reached[ISR_COUNTY]));
        json_object_object_add(o, "prefectures_reached", json_object_new_int(t->groups_reached[ISR_PREFECTURE]));
        json_object_object_add(o, "provinces_reached", json_object_new_int(t->groups_reached[ISR_PROVINCE]));
        /* counties reached whose population is unknown: the figures above leave them out */
        json_object_object_add(o, "pop_unknown_units_reached", json_object_new_int(t->pop_unknown_units));
        json_object_array_add(arr, o);
    }
    json_object_object_add(root, "hubs", arr);
    free(order);
    isr_status st = isr_write_json(ctx, path, root);
    json_object_put(root);
    return st;
}

/* hubs_summary.csv: every hub's summary.csv row (tables.c), in the order of the run. */
static isr_status write_hubs_summary(isr_ctx *ctx, const isr_region_reach *rr, const char *path)
{
    isr_hub_tables *rows = malloc((size_t)(rr->nhubs > 0 ? rr->nhubs : 1) * sizeof *rows);
    if (!rows)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path);
    for (int h = 0; h < rr->nhubs; h++)
        rows[h] = (isr_hub_tables){isr_rail_station_id(rr->net, rr->hubs[h]),
                                   isr_rail_station_name(rr->net, rr->hubs[h]), &rr->tot[h],
                                   rr->own + h * ISR_NLEVELS, rr->budget_min};
    isr_status st = isr_hub_summary_csv(ctx, path, rows, rr->nhubs, rr->zones, rr->units,
                                        rr->grid->cell_m * rr->grid->cell_m / 1e6);
    free(rows);
    return st;
}

/* Province outlines: each province's units dissolved (GEOS: isr_geos_dissolve, a coverage
 * union when the units share their edges), for maps that emphasise provincial borders. In
 * three steps, so that the model's build can dissolve the provinces on several threads:
 * isr_provinces_begin groups the units, isr_provinces_dissolve dissolves one province (with
 * a GEOS context of its own: provinces can be dissolved at once), isr_provinces_text writes
 * them all, in province order, with GDAL's GeoJSON writer. */
struct isr_provinces {
    const isr_units *units;
    isr_code_key *keys;
    int *group, *first, ng;
    OGRGeometryH *outline; /* per province, once dissolved */
    /* per province: its units' summed area, and the coverage union of them as WKB when the
     * dissolve was one and of that area (else NULL): isr_provinces_coverage_clean */
    double *area_m2;
    unsigned char **cover;
    size_t *cover_len;
};

isr_status isr_provinces_begin(isr_ctx *ctx, const isr_units *units, isr_provinces **out)
{
    size_t nu = (size_t)(units->n > 0 ? units->n : 1);
    isr_provinces *p = calloc(1, sizeof *p);
    if (p) {
        p->units = units;
        p->keys = malloc(nu * sizeof *p->keys);
        p->group = malloc(nu * sizeof *p->group);
        p->first = malloc(nu * sizeof *p->first);
        p->outline = calloc(nu, sizeof *p->outline);
        p->area_m2 = calloc(nu, sizeof *p->area_m2);
        p->cover = calloc(nu, sizeof *p->cover);
        p->cover_len = calloc(nu, sizeof *p->cover_len);
    }
    *out = p;
    if (!p || !p->keys || !p->group || !p->first || !p->outline || !p->area_m2 || !p->cover ||
        !p->cover_len)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    p->ng = isr_units_group(units, ISR_PROVINCE, p->keys, p->group, p->first);
    return ISR_OK;
}

int isr_provinces_count(const isr_provinces *p)
{
    return p ? p->ng : 0;
}

/* Polygon p with its holes narrower than width_m on average (twice the area over the
 * perimeter) left out: new geometry, or NULL when it has none (keep p). */
static GEOSGeometry *without_slivers(GEOSContextHandle_t h, const GEOSGeometry *p, double width_m)
{
    int nh = GEOSGetNumInteriorRings_r(h, p), keep = 0;
    GEOSGeometry **holes = malloc((size_t)(nh > 0 ? nh : 1) * sizeof *holes);
    for (int i = 0; holes && i < nh; i++) {
        const GEOSGeometry *r = GEOSGetInteriorRingN_r(h, p, i);
        GEOSGeometry *hp = GEOSGeom_createPolygon_r(h, GEOSGeom_clone_r(h, r), NULL, 0);
        double a = 0, len = 0;
        if (hp && GEOSArea_r(h, hp, &a) && GEOSLength_r(h, r, &len) && !(2 * a < width_m * len))
            holes[keep++] = GEOSGeom_clone_r(h, r);
        GEOSGeom_destroy_r(h, hp);
    }
    GEOSGeometry *out = NULL;
    if (holes && keep < nh)
        out = GEOSGeom_createPolygon_r(h, GEOSGeom_clone_r(h, GEOSGetExteriorRing_r(h, p)), holes,
                                       (unsigned)keep);
    else
        for (int i = 0; holes && i < keep; i++)
            GEOSGeom_destroy_r(h, holes[i]);
    free(holes);
    return out;
}

/* A province's outline without the slivers its units' borders leave: where one unit's edge
 * runs along two neighbours' without their shared corner (a T-junction), the edges drawn
 * straight in lon/lat and cut into pieces before reprojection (isr_layer_geom_to) do not meet
 * exactly, and the union keeps a hole a few centimetres wide along them. Written out, such a
 * hole is a ring of no area (invalid GeoJSON), and the maps drew it as a province border. A
 * hole narrower than 1 m on average is no hole of a province (an enclave is wider). */
static GEOSGeometry *drop_sliver_holes(GEOSContextHandle_t h, GEOSGeometry *g)
{
    int multi = GEOSGeomTypeId_r(h, g) == GEOS_MULTIPOLYGON, n = GEOSGetNumGeometries_r(h, g);
    if (!multi && GEOSGeomTypeId_r(h, g) != GEOS_POLYGON)
        return g;
    GEOSGeometry **parts = calloc((size_t)(n > 0 ? n : 1), sizeof *parts);
    int changed = 0;
    for (int i = 0; parts && i < n; i++) {
        const GEOSGeometry *p = multi ? GEOSGetGeometryN_r(h, g, i) : g;
        parts[i] = without_slivers(h, p, 1.0);
        changed |= parts[i] != NULL;
        if (!parts[i])
            parts[i] = GEOSGeom_clone_r(h, p);
    }
    GEOSGeometry *out = NULL;
    if (parts && changed)
        out = multi ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)n)
                    : parts[0];
    if (!out)
        for (int i = 0; parts && i < n; i++)
            GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    if (!out)
        return g;
    GEOSGeom_destroy_r(h, g);
    return out;
}

/* Province gi's coverage union kept as WKB for isr_provinces_coverage_clean (none when
 * out of memory: the overlap check then looks at the units). */
static void keep_cover(isr_geos *gc, isr_provinces *p, int gi, const GEOSGeometry *un)
{
    size_t n = 0;
    unsigned char *wkb = GEOSGeomToWKB_buf_r(gc->h, un, &n);
    p->cover[gi] = wkb ? malloc(n) : NULL;
    if (p->cover[gi]) {
        memcpy(p->cover[gi], wkb, n);
        p->cover_len[gi] = n;
    }
    if (wkb)
        GEOSFree_r(gc->h, wkb);
}

int isr_provinces_covered(const isr_provinces *p, int gi)
{
    return p && gi >= 0 && gi < p->ng && p->cover[gi] != NULL;
}

int isr_provinces_coverage_clean(const isr_provinces *p)
{
    if (!p || p->ng < 1)
        return 0;
    double sum = 0;
    for (int gi = 0; gi < p->ng; gi++) {
        if (!p->cover[gi])
            return 0;
        sum += p->area_m2[gi];
    }
    isr_geos gc;
    isr_geos_init(&gc);
    GEOSGeometry **gg = calloc((size_t)p->ng, sizeof *gg);
    int ok = gg != NULL;
    for (int gi = 0; ok && gi < p->ng; gi++)
        ok = (gg[gi] = GEOSGeomFromWKB_buf_r(gc.h, p->cover[gi], p->cover_len[gi])) != NULL;
    ok = ok && isr_geos_coverage_clean(gc.h, gg, p->ng, sum);
    for (int gi = 0; gg && gi < p->ng; gi++)
        if (gg[gi])
            GEOSGeom_destroy_r(gc.h, gg[gi]);
    free(gg);
    isr_geos_finish(&gc);
    return ok;
}

isr_status isr_provinces_dissolve(isr_ctx *ctx, isr_provinces *p, int gi)
{
    const isr_units *units = p->units;
    const char *code = units->attr[p->first[gi]].code[ISR_PROVINCE];
    isr_geos gc;
    isr_geos_init(&gc);
    GEOSGeometry **parts = malloc((size_t)(units->n > 0 ? units->n : 1) * sizeof *parts);
    isr_status st = parts ? ISR_OK : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    unsigned np = 0;
    double sum = 0, a;
    for (int u = 0; u < units->n && st == ISR_OK; u++) {
        if (p->group[u] != gi)
            continue;
        if (!(parts[np++] = isr_geos_from_ogr(&gc, units->geom[u])))
            st = isr_fail(ctx, ISR_ERR_INTERNAL, "province %s: unit %s: %s", code,
                          units->attr[u].code[0], gc.msg);
        else if (GEOSArea_r(gc.h, parts[np - 1], &a))
            sum += a;
    }
    GEOSGeometry *coll = st == ISR_OK ? GEOSGeom_createCollection_r(
                                            gc.h, GEOS_GEOMETRYCOLLECTION, parts, np)
                                      : NULL;
    if (!coll)
        for (unsigned k = 0; k < np; k++)
            GEOSGeom_destroy_r(gc.h, parts[k]);
    int cov = 0;
    GEOSGeometry *un = coll ? isr_geos_dissolve_cov(&gc, coll, &cov) : NULL;
    p->area_m2[gi] = sum;
    if (un && cov && GEOSArea_r(gc.h, un, &a) && fabs(a - sum) <= 1e-9 * sum)
        keep_cover(&gc, p, gi, un);
    if (un)
        un = drop_sliver_holes(gc.h, un);
    OGRGeometryH og = un ? isr_ogr_from_geos(&gc, un) : NULL;
    GEOSGeom_destroy_r(gc.h, un);
    if (!og && st == ISR_OK)
        st = isr_fail(ctx, ISR_ERR_INTERNAL, "cannot dissolve province %s: %s", code, gc.msg);
    p->outline[gi] = og;
    free(parts);
    isr_geos_finish(&gc);
    return st;
}

isr_status isr_provinces_text(isr_ctx *ctx, isr_provinces *p, const char *wkt, char **bytes,
                              size_t *len)
{
    const int L = ISR_PROVINCE;
    const isr_units *units = p->units;
    static const isr_geojson_field fields[] = {
        {"prov_code", OFTString}, {"prov_name", OFTString}, {"prov_en", OFTString}};
    *bytes = NULL;
    *len = 0;
    isr_geojson w;
    /* "provinces.geojson": the name in messages; written in memory */
    isr_status st = isr_geojson_open(ctx, &w, "provinces.geojson", "provinces", wkt, fields, 3);
    w.valid = 1;
    for (int gi = 0; gi < p->ng && st == ISR_OK; gi++) {
        if (!p->outline[gi]) { /* its dissolve failed, and said so */
            st = ISR_ERR_INTERNAL;
            break;
        }
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(w.lyr));
        OGR_F_SetFieldString(f, 0, units->attr[p->first[gi]].code[L]);
        OGR_F_SetFieldString(f, 1, units->attr[p->first[gi]].name[L]);
        OGR_F_SetFieldString(f, 2, units->attr[p->first[gi]].name_en[L]);
        int bad = isr_geojson_set_geometry(&w, f, p->outline[gi]);
        p->outline[gi] = NULL; /* taken */
        if (bad || isr_geojson_add(&w, f))
            st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot write '%s'", w.path);
        OGR_F_Destroy(f);
    }
    if (st != ISR_OK)
        return isr_geojson_close(ctx, &w, st);
    if (w.ninvalid)
        invalid_warning(ctx, "provinces.geojson", units, L, p->first[w.first_invalid],
                        w.ninvalid);
    /* the layer is complete in memory: take its bytes, write no file */
    return (*bytes = isr_geojson_take(ctx, &w, len)) ? ISR_OK : ISR_ERR_MEMORY;
}

void isr_provinces_free(isr_provinces *p)
{
    if (!p)
        return;
    for (int gi = 0; p->outline && gi < p->ng; gi++)
        if (p->outline[gi])
            OGR_G_DestroyGeometry(p->outline[gi]);
    for (int gi = 0; p->cover && gi < p->ng; gi++)
        free(p->cover[gi]);
    free(p->outline);
    free(p->area_m2);
    free(p->cover);
    free(p->cover_len);
    free(p->keys);
    free(p->group);
    free(p->first);
    free(p);
}

isr_status isr_provinces_geojson(isr_ctx *ctx, const isr_units *units, const char *wkt,
                                 char **bytes, size_t *len)
{
    *bytes = NULL;
    *len = 0;
    isr_provinces *p;
    isr_status st = isr_provinces_begin(ctx, units, &p);
    for (int gi = 0; gi < isr_provinces_count(p) && st == ISR_OK; gi++)
        st = isr_provinces_dissolve(ctx, p, gi);
    if (st == ISR_OK)
        st = isr_provinces_text(ctx, p, wkt, bytes, len);
    isr_provinces_free(p);
    return st;
}

/* provinces.geojson: the model's dissolved provinces (isr_provinces_geojson), as they are. */
static isr_status write_provinces(isr_ctx *ctx, const isr_region_reach *rr, const char *path)
{
    return write_bytes(ctx, path, rr->prov_json, rr->prov_len);
}

/* GDAL's GeoJSON writer copies bytes that are not UTF-8 as they are: replace them in the
 * file in memory (JSON's syntax is ASCII, so they can only be inside strings). */
static isr_status utf8_fix_vsimem(isr_ctx *ctx, const char *tmp, const char *dst)
{
    vsi_l_offset len = 0;
    GByte *buf = VSIGetMemFileBuffer(tmp, &len, FALSE);
    int bad = 0;
    char *clean = buf ? isr_utf8_clean((const char *)buf, (size_t)len, &bad) : NULL;
    isr_status st = ISR_OK;
    if (!clean)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", dst);
    else if (bad) {
        VSILFILE *fp = VSIFOpenL(tmp, "wb");
        size_t n = strlen(clean);
        if (!fp || VSIFWriteL(clean, 1, n, fp) != n)
            st = isr_fail(ctx, ISR_ERR_IO, "cannot write '%s'", dst);
        if (fp)
            VSIFCloseL(fp);
    }
    free(clean);
    return st;
}

/* The SQL that copies layer `layer` (NULL: the first) of `in` with a "name_en" field from
 * field `en` ('' when the layer has no such field), or NULL when a plain copy has it. A
 * field of the layer's own named name_en in any case is left out: it would win over the
 * copy (the maps then labelled the stations with it, not with --station-name-en's). */
static char *name_en_sql(GDALDatasetH in, const char *layer, const char *en)
{
    OGRLayerH l = !in      ? NULL
                  : layer ? GDALDatasetGetLayerByName(in, layer)
                          : GDALDatasetGetLayer(in, 0);
    if (!l || !en || strchr(en, '"') || strchr(OGR_L_GetName(l), '"'))
        return NULL;
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(l);
    int has = strcmp(en, "none") != 0 && OGR_FD_GetFieldIndex(fd, en) >= 0;
    if (has && strcmp(en, "name_en") == 0)
        return NULL;
    isr_sb b = {0};
    isr_sb_printf(&b, "SELECT ");
    for (int i = 0; i < OGR_FD_GetFieldCount(fd); i++) {
        const char *f = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, i));
        if (strchr(f, '"')) { /* not to be quoted: the plain copy */
            free(isr_sb_take(&b));
            return NULL;
        }
        if (strcasecmp(f, "name_en") != 0)
            isr_sb_printf(&b, "\"%s\", ", f);
    }
    if (has)
        isr_sb_printf(&b, "\"%s\" AS name_en FROM \"%s\"", en, OGR_L_GetName(l));
    else
        isr_sb_printf(&b, "'' AS name_en FROM \"%s\"", OGR_L_GetName(l));
    return isr_sb_take(&b);
}

/* Whether the layer (by name, else the first) of `in` has lines in a geographic CRS: the
 * layers whose edges isr_geom_densify_lonlat cuts (points it leaves as they are). */
static int lonlat_lines(GDALDatasetH in, const char *layer)
{
    OGRLayerH l = !in ? NULL : layer ? GDALDatasetGetLayerByName(in, layer) : GDALDatasetGetLayer(in, 0);
    OGRSpatialReferenceH s = l ? OGR_L_GetSpatialRef(l) : NULL;
    OGRwkbGeometryType t = l ? wkbFlatten(OGR_L_GetGeomType(l)) : wkbUnknown;
    return s && OSRIsGeographic(s) && t != wkbPoint && t != wkbMultiPoint;
}

/* The layer that `tail` selects ({"-t_srs", "EPSG:4326", layer or "-sql", sql, NULL}) in
 * memory, its geometries cut by isr_geom_densify_lonlat; NULL when it cannot be made (the
 * export then copies the vertices as they are). */
static GDALDatasetH densified_copy(GDALDatasetH in, char **tail)
{
    char *argv[] = {"-f", "Memory", tail[0], tail[1], tail[2], tail[3], tail[4], tail[5], NULL};
    GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
    GDALDatasetH mem = o ? GDALVectorTranslate("", NULL, 1, &in, o, NULL) : NULL;
    GDALVectorTranslateOptionsFree(o);
    OGRLayerH l = mem ? GDALDatasetGetLayer(mem, 0) : NULL;
    OGRFeatureH f;
    int ok = l != NULL;
    OGR_L_ResetReading(l);
    while (ok && (f = OGR_L_GetNextFeature(l)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        ok = !g || (isr_geom_densify_lonlat(g) == 0 && OGR_L_SetFeature(l, f) == OGRERR_NONE);
        OGR_F_Destroy(f);
    }
    if (!ok && mem) {
        GDALClose(mem);
        mem = NULL;
    }
    return mem;
}

/* The layer (by name, else the first) of `in` with its curves made of straight edges in its
 * own CRS, as isr_layer_next reads them, in memory; NULL when it has none (or the copy cannot
 * be made). GeoJSON cannot hold arcs, and ogr2ogr would cut them only after taking them to
 * lon/lat: along other chords than the line the search used. */
static GDALDatasetH linear_copy(GDALDatasetH in, const char *layer)
{
    OGRLayerH l = !in ? NULL : layer ? GDALDatasetGetLayerByName(in, layer) : GDALDatasetGetLayer(in, 0);
    if (!l || !OGR_GT_IsNonLinear(OGR_L_GetGeomType(l)))
        return NULL;
    char *argv[] = {"-f", "Memory", "-nlt", "CONVERT_TO_LINEAR", (char *)OGR_L_GetName(l), NULL};
    GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
    GDALDatasetH mem = o ? GDALVectorTranslate("", NULL, 1, &in, o, NULL) : NULL;
    GDALVectorTranslateOptionsFree(o);
    return mem;
}

isr_status isr_vector_export(isr_ctx *ctx, const char *src, const char *layer,
                             OGRwkbGeometryType want, const char *encoding, const char *name_en,
                             const char *dst)
{
    char *open_path = NULL;
    isr_status cst = isr_source_check(ctx, "input", src, &open_path);
    if (cst != ISR_OK)
        return cst;
    char *tmp = isr_strdup_printf("/vsimem/isoreach/%s", dst); /* see write_units */
    GDALDatasetH in = isr_vector_open(open_path ? open_path : src, encoding);
    free(open_path);
    char *chosen = NULL; /* none named: the layer the run read (isr_layer_open_enc's rule) */
    OGRLayerH def = !layer && in && GDALDatasetGetLayerCount(in) > 1
                        ? isr_layer_default(in, want, NULL, NULL, 0)
                        : NULL;
    if (def)
        layer = chosen = strdup(OGR_L_GetName(def));
    GDALDatasetH lin = linear_copy(in, layer);
    if (lin) { /* the copy holds the layer by the same name */
        GDALClose(in);
        in = lin;
    }
    char *argv[] = {"-f", "GeoJSON", "-lco", "RFC7946=YES", "-lco", "COORDINATE_PRECISION=6",
                    "-lco", "WRITE_NAME=NO", "-t_srs", "EPSG:4326", (char *)layer,
                    NULL, NULL, NULL, NULL, NULL};
    if (!layer)
        argv[10] = NULL;
    char *sql = name_en ? name_en_sql(in, layer, name_en) : NULL;
    if (sql) { /* "-sql" replaces the layer name; OGR's dialect, whatever the driver's (a
                * GeoPackage's SQLite one returns no geometry unless it is named) */
        argv[10] = "-sql";
        argv[11] = sql;
        argv[12] = "-dialect";
        argv[13] = "OGRSQL";
    }
    /* lon/lat lines are the engine's straight in lon/lat (isr_layer_geom_to): cut as it
     * cuts them, so that every map in another CRS draws the line the search used, not the
     * chord between its vertices (142 km off over a 33° edge) */
    GDALDatasetH mem = lonlat_lines(in, layer) ? densified_copy(in, argv + 8) : NULL;
    if (mem)
        argv[8] = NULL; /* the copy: in EPSG:4326 already, its one layer, name_en added */
    GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
    free(sql);
    isr_status st = ISR_OK;
    GDALDatasetH out = NULL, from = mem ? mem : in;
    if (!in || !o || !tmp || !(out = GDALVectorTranslate(tmp, NULL, 1, &from, o, NULL)))
        st = isr_fail_gdal(ctx, ISR_ERR_IO, "cannot copy '%s' to '%s'", src, dst);
    if (out)
        GDALClose(out);
    if (mem)
        GDALClose(mem);
    if (st == ISR_OK)
        st = utf8_fix_vsimem(ctx, tmp, dst);
    if (st == ISR_OK)
        st = isr_commit_vsimem(ctx, tmp, dst);
    if (tmp)
        VSIUnlink(tmp);
    GDALVectorTranslateOptionsFree(o);
    if (in)
        GDALClose(in);
    free(tmp);
    free(chosen);
    return st;
}

isr_status isr_region_reach_write(isr_ctx *ctx, const isr_region_reach *rr, const char *dir)
{
    char *p4 = isr_strdup_printf("%s/provinces.geojson", dir);
    isr_status st0 = p4 ? write_provinces(ctx, rr, p4) : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    free(p4);
    if (st0 != ISR_OK)
        return st0;
    char *p1 = isr_strdup_printf("%s/reach_matrix.csv", dir);
    char *p2 = isr_strdup_printf("%s/units.geojson", dir);
    char *p3 = isr_strdup_printf("%s/summary.json", dir);
    isr_status st = ISR_OK;
    if (!p1 || !p2 || !p3)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK)
        st = write_matrix(ctx, rr, p1);
    if (st == ISR_OK)
        st = write_units(ctx, rr, p2);
    if (st == ISR_OK)
        st = write_summary(ctx, rr, p3);
    char *p5 = st == ISR_OK ? isr_strdup_printf("%s/hubs_summary.csv", dir) : NULL;
    if (st == ISR_OK)
        st = p5 ? write_hubs_summary(ctx, rr, p5) : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    free(p5);
    free(p1);
    free(p2);
    free(p3);
    return st;
}
