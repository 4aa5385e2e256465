/*
 * scenario_out.c — what a scenario's comparison writes (issue 15; README "Scenarios").
 *
 * Per compared hub, in OUT/scenarios/NAME/hubs/<hub>/: travel_time.tif (the scenario's
 * surface, as the baseline's), diff.tif (band 1: scenario − baseline minutes where both
 * reach, nodata elsewhere; band 2: status 0 neither, 1 both, 2 newly within the budget,
 * 3 lost; both Float32, as a GeoTIFF holds one data type), gains.csv (per unit at the three
 * levels) and gains.geojson (the polygons of the cells newly within and lost, through the
 * isochrones' polygonize path). Per scenario: gains_by_hub.csv, gains_matrix.csv (hub ×
 * prefecture, people newly within; columns pref_<code>) and scenario.json. The tables are
 * UTF-8 with a BOM and begin with hub_id, as the run's. People are the zones' people per cell
 * summed as they are (not rounded), so every figure is the sum of the cells behind it.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "scenario_cmp.h"

#include <cpl_string.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { ST_NEITHER, ST_BOTH, ST_NEWLY, ST_LOST };

static int cell_status(float b, float s)
{
    int rb = b != (float)ISR_TIME_NODATA, rs = s != (float)ISR_TIME_NODATA;
    return rb && rs ? ST_BOTH : rs ? ST_NEWLY : rb ? ST_LOST : ST_NEITHER;
}

/* diff.tif: two Float32 bands on the union window. */
static isr_status write_diff(scen_pass *p, const scen_cmp *c, const char *path)
{
    const isr_grid *g = p->b->grid;
    size_t n = (size_t)c->w * (size_t)c->h;
    float *v = malloc(2 * n * sizeof *v);
    if (!v)
        return isr_fail(p->ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path);
    for (size_t i = 0; i < n; i++) {
        int st = cell_status(c->base[i], c->scen[i]);
        v[i] = st == ST_BOTH ? c->scen[i] - c->base[i] : (float)ISR_TIME_NODATA;
        v[n + i] = (float)st;
    }
    GDALDatasetH mem = GDALCreate(GDALGetDriverByName("MEM"), "", c->w, c->h, 2, GDT_Float32,
                                  NULL);
    char *tmp = isr_tmp_name(path);
    isr_status st = ISR_OK;
    double gt[6];
    isr_grid_window_geotransform(g, c->c0, c->r0, gt);
    static const char *const desc[] = {
        "scenario - baseline travel time (minutes; negative: faster) where both reach",
        "status: 0 neither reaches, 1 both, 2 newly within the budget, 3 lost"};
    for (int k = 0; mem && k < 2; k++) {
        GDALRasterBandH band = GDALGetRasterBand(mem, k + 1);
        GDALSetDescription(band, desc[k]);
        GDALSetRasterNoDataValue(band, ISR_TIME_NODATA);
        if (GDALRasterIO(band, GF_Write, 0, 0, c->w, c->h, v + (size_t)k * n, c->w, c->h,
                         GDT_Float32, 0, 0) != CE_None)
            st = isr_fail_gdal(p->ctx, ISR_ERR_IO, "cannot write '%s'", path);
    }
    if (mem) {
        GDALSetGeoTransform(mem, gt);
        GDALSetProjection(mem, g->wkt);
        GDALSetMetadataItem(mem, "SCENARIO", p->sc->name, NULL);
        GDALSetMetadataItem(mem, "HUB_ID",
                            isr_rail_station_id(p->b->net, p->b->hubs[c->hub]), NULL);
    }
    char **co = CSLSetNameValue(NULL, "COMPRESS", "DEFLATE");
    GDALDatasetH out = mem && tmp && st == ISR_OK
                           ? GDALCreateCopy(GDALGetDriverByName("GTiff"), tmp, mem, FALSE, co,
                                            NULL, NULL)
                           : NULL;
    if (st == ISR_OK && !out)
        st = isr_fail_gdal(p->ctx, ISR_ERR_IO, "cannot write '%s'", path);
    if (out)
        GDALClose(out);
    if (st == ISR_OK)
        st = isr_commit_file(p->ctx, tmp, path);
    CSLDestroy(co);
    if (mem)
        GDALClose(mem);
    free(tmp);
    free(v);
    return st;
}

/* Per group of each level: people newly within, lost, reached in both, person-minutes. */
typedef struct tally {
    double *v[4][ISR_NLEVELS];
    double *block;
} tally;

static void count_cells(scen_pass *p, const scen_cmp *c, tally *t, scen_hub *res)
{
    const isr_zones *z = &p->m->zones;
    const isr_grid *g = p->b->grid;
    int own = p->b->own_unit[c->hub];
    int own_prov = own >= 0 ? z->group[ISR_PROVINCE][own] : -1;
    int own_pref = own >= 0 ? z->group[ISR_PREFECTURE][own] : -1;
    int npref = z->ngroups[ISR_PREFECTURE];
    for (int r = 0; r < c->h; r++)
        for (int col = 0; col < c->w; col++) {
            size_t i = (size_t)r * (size_t)c->w + (size_t)col;
            size_t u = (size_t)(c->r0 + r) * (size_t)g->nx + (size_t)(c->c0 + col);
            int st = cell_status(c->base[i], c->scen[i]), unit = isr_zones_unit_at(z, u);
            if (st == ST_NEITHER || unit < 0)
                continue;
            double pop = isr_zones_pop_at(z, u), saved = st == ST_BOTH ? c->base[i] - c->scen[i] : 0;
            int pv = z->group[ISR_PROVINCE][unit], pf = z->group[ISR_PREFECTURE][unit];
            for (int k = 0; k < ISR_NLEVELS; k++) {
                int gi = z->group[k][unit];
                t->v[st == ST_BOTH ? 2 : st == ST_NEWLY ? 0 : 1][k][gi] += pop;
                t->v[3][k][gi] += pop * saved;
            }
            if (st == ST_NEWLY) {
                res->newly += pop;
                res->newly_own_prov += pv == own_prov ? pop : 0;
                res->newly_own_pref += pf == own_pref ? pop : 0;
                res->cells_newly++;
                p->matrix[(size_t)c->hub * (size_t)npref + (size_t)pf] += pop;
            } else if (st == ST_LOST) {
                res->lost += pop;
                res->lost_own_prov += pv == own_prov ? pop : 0;
                res->lost_own_pref += pf == own_pref ? pop : 0;
                res->cells_lost++;
            } else {
                res->both_pop += pop;
                res->saved += pop * saved;
            }
        }
}

#define GAINS_CSV_HEADER                                                                       \
    ISR_CSV_BOM "hub_id,level,code,name,name_en,prefecture_code,province_code,"                 \
    "in_hub_prefecture,in_hub_province,"                                                        \
    "pop_newly_within,pop_lost,pop_reached_both,person_minutes_saved,mean_minutes_saved\n"

/* gains.csv: one row per unit with a gain, a loss or minutes saved, at each level. */
static isr_status write_gains_csv(scen_pass *p, const scen_cmp *c, const tally *t,
                                  const char *path)
{
    static const char *const level[] = {"county", "prefecture", "province"};
    const isr_zones *z = &p->m->zones;
    const isr_units *u = &p->m->units;
    int own = p->b->own_unit[c->hub];
    char *tmp;
    FILE *f;
    isr_status st = isr_open_tmp(p->ctx, path, &tmp, &f);
    if (st != ISR_OK)
        return st;
    fputs(GAINS_CSV_HEADER, f);
    for (int k = 0; k < ISR_NLEVELS; k++)
        for (int gi = 0; gi < z->ngroups[k]; gi++) {
            double nw = t->v[0][k][gi], lo = t->v[1][k][gi], bo = t->v[2][k][gi];
            double sv = t->v[3][k][gi];
            if (nw == 0 && lo == 0 && sv == 0)
                continue;
            const isr_unit *a = &u->attr[z->first[k][gi]];
            int in_pref = own >= 0 && k <= ISR_PREFECTURE &&
                          z->group[ISR_PREFECTURE][z->first[k][gi]] ==
                              z->group[ISR_PREFECTURE][own];
            int in_prov = own >= 0 && z->group[ISR_PROVINCE][z->first[k][gi]] ==
                                          z->group[ISR_PROVINCE][own];
            isr_csv_field(f, isr_rail_station_id(p->b->net, p->b->hubs[c->hub]));
            isr_fprintf(f, ",%s,", level[k]);
            isr_csv_field(f, a->code[k]);
            fputc(',', f);
            isr_csv_field(f, a->name[k]);
            fputc(',', f);
            isr_csv_field(f, a->name_en[k]);
            fputc(',', f);
            isr_csv_field(f, k <= ISR_PREFECTURE ? a->code[ISR_PREFECTURE] : "");
            fputc(',', f);
            isr_csv_field(f, a->code[ISR_PROVINCE]);
            /* a province row is in no one prefecture: empty, as in reach.csv */
            fputc(',', f);
            if (k <= ISR_PREFECTURE)
                isr_fprintf(f, "%d", in_pref);
            isr_fprintf(f, ",%d,%.1f,%.1f,%.1f,%.1f,", in_prov, nw, lo, bo, sv);
            if (bo > 0)
                isr_fprintf(f, "%.3f\n", sv / bo);
            else
                fputc('\n', f);
        }
    st = isr_close_commit(p->ctx, f, tmp, path);
    free(tmp);
    return st;
}

/* The polygon of the cells of status `want` (newly within, lost) at the budget, built as
 * the isochrones are, into *bp (free with isr_band_polys_free). */
static isr_status status_polygon(scen_pass *p, const scen_cmp *c, isr_geos *gc, int want,
                                 float *time_s, uint32_t *touched, isr_band_poly *bp)
{
    const isr_grid *g = p->b->grid;
    size_t nt = 0;
    for (int r = 0; r < c->h; r++)
        for (int col = 0; col < c->w; col++) {
            size_t i = (size_t)r * (size_t)c->w + (size_t)col;
            if (cell_status(c->base[i], c->scen[i]) != want)
                continue;
            size_t k = isr_grid_pidx(g, c->c0 + col, c->r0 + r);
            time_s[k] = 60.0f * (want == ST_NEWLY ? c->scen[i] : c->base[i]);
            touched[nt++] = (uint32_t)k;
        }
    double band = p->b->opt->budget_min;
    return isr_isochrones_build(p->ctx, gc, g, time_s, touched, nt,
                                isr_zones_people(&p->m->zones, &p->m->units), &band, 1,
                                p->b->opt->min_area_km2 * 1e6, p->b->opt->simplify_m, bp);
}

/* One feature of gains.geojson. */
static isr_status gains_feature(scen_pass *p, isr_geos *gc, isr_geojson *w, int hub,
                                const char *kind, const isr_band_poly *bp, const char *path)
{
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(w->lyr));
    OGR_F_SetFieldString(f, 0, isr_rail_station_id(p->b->net, p->b->hubs[hub]));
    OGR_F_SetFieldString(f, 1, p->sc->name);
    OGR_F_SetFieldString(f, 2, kind);
    OGR_F_SetFieldDouble(f, 3, p->b->opt->budget_min);
    OGR_F_SetFieldDouble(f, 4, round(bp->within_km2 * 1e3) / 1e3);
    OGR_F_SetFieldDouble(f, 5, round(bp->cells_km2 * 1e3) / 1e3);
    if (isfinite(bp->pop_within))
        OGR_F_SetFieldInteger64(f, 6, (GIntBig)llround(bp->pop_within));
    else
        OGR_F_SetFieldNull(f, 6);
    int bad = 0;
    if (bp->within && !GEOSisEmpty_r(gc->h, bp->within))
        bad = isr_geojson_set_geometry(w, f, isr_ogr_from_geos(gc, bp->within));
    isr_status st = ISR_OK;
    if (bad || isr_geojson_add(w, f))
        st = isr_fail_gdal(p->ctx, ISR_ERR_IO, "cannot write '%s'", path);
    OGR_F_Destroy(f);
    return st;
}

/* gains.geojson: "newly_within" and "lost" polygons at the budget (EPSG:4326, RFC 7946). */
static isr_status write_gains_geojson(scen_pass *p, const scen_cmp *c, const char *path)
{
    static const isr_geojson_field fields[] = {
        {"hub_id", OFTString},  {"scenario", OFTString}, {"kind", OFTString},
        {"budget_min", OFTReal}, {"area_km2", OFTReal},  {"cells_km2", OFTReal},
        {"population", OFTInteger64}};
    size_t n = (size_t)c->w * (size_t)c->h;
    float *time_s = malloc(isr_grid_pcells(p->b->grid) * sizeof *time_s); /* read at touched */
    uint32_t *touched = malloc((n ? n : 1) * sizeof *touched);
    isr_geos gc;
    isr_geos_init(&gc);
    isr_geojson w = {0};
    isr_status st = time_s && touched ? isr_geojson_open(p->ctx, &w, path, "gains", p->b->wkt,
                                                         fields, 7)
                                      : isr_fail(p->ctx, ISR_ERR_MEMORY, "out of memory");
    for (int k = 0; k < 2 && st == ISR_OK; k++) {
        isr_band_poly bp;
        memset(&bp, 0, sizeof bp);
        st = status_polygon(p, c, &gc, k ? ST_LOST : ST_NEWLY, time_s, touched, &bp);
        if (st == ISR_OK)
            st = gains_feature(p, &gc, &w, c->hub, k ? "lost" : "newly_within", &bp, path);
        isr_band_polys_free(&gc, &bp, 1);
    }
    if (w.lyr || w.mem)
        st = isr_geojson_close(p->ctx, &w, st);
    isr_geos_finish(&gc);
    free(time_s);
    free(touched);
    return st;
}

/* The scenario's own travel_time.tif, as the baseline's. */
static isr_status write_surface(scen_pass *p, const scen_cmp *c, const char *path)
{
    char budget[32];
    isr_snprintf(budget, sizeof budget, "%g", p->b->opt->budget_min);
    char *meta[] = {
        isr_strdup_printf("HUB_ID=%s", isr_rail_station_id(p->b->net, p->b->hubs[c->hub])),
        isr_strdup_printf("SCENARIO=%s", p->sc->name), isr_strdup_printf("BUDGET_MIN=%s", budget),
        NULL};
    isr_status st = ISR_OK;
    if (!meta[0] || !meta[1] || !meta[2])
        st = isr_fail(p->ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK)
        st = isr_write_cog(p->ctx, path, p->b->grid, c->scen_win[0], c->scen_win[1],
                           c->scen_win[2], c->scen_win[3], GDT_Float32, c->scen_crop,
                           ISR_TIME_NODATA,
                           p->b->opt->direction == ISR_TO_HUB
                               ? "travel time to the hub (minutes), scenario"
                               : "travel time from the hub (minutes), scenario",
                           "min", meta, "AVERAGE");
    for (int i = 0; i < 3; i++)
        free(meta[i]);
    return st;
}

isr_status isr_scen_hub_write(scen_pass *p, const scen_cmp *c)
{
    const isr_zones *z = &p->m->zones;
    tally t = {0};
    size_t ng = 0;
    for (int k = 0; k < ISR_NLEVELS; k++)
        ng += (size_t)z->ngroups[k];
    t.block = calloc(4 * (ng ? ng : 1), sizeof *t.block);
    char *dir = isr_strdup_printf("%s/hubs/%s", p->dir, p->b->folders[c->hub]);
    char *f[4] = {NULL, NULL, NULL, NULL};
    static const char *const names[] = {"gains.csv", "gains.geojson", "diff.tif",
                                        "travel_time.tif"};
    isr_status st = t.block && dir ? ISR_OK : isr_fail(p->ctx, ISR_ERR_MEMORY, "out of memory");
    for (int i = 0; i < 4 && st == ISR_OK; i++)
        if (!(f[i] = isr_strdup_printf("%s/%s", dir, names[i])))
            st = isr_fail(p->ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK) {
        double *q = t.block;
        for (int s = 0; s < 4; s++)
            for (int k = 0; k < ISR_NLEVELS; k++) {
                t.v[s][k] = q;
                q += z->ngroups[k];
            }
        count_cells(p, c, &t, &p->res[c->hub]);
        st = isr_mkdirs_under(p->ctx, p->b->opt->out, dir);
    }
    if (st == ISR_OK && (st = write_gains_csv(p, c, &t, f[0])) == ISR_OK &&
        (st = write_gains_geojson(p, c, f[1])) == ISR_OK &&
        (st = write_diff(p, c, f[2])) == ISR_OK)
        st = write_surface(p, c, f[3]);
    for (int i = 0; i < 4; i++)
        free(f[i]);
    free(dir);
    free(t.block);
    return st;
}

/* gains_by_hub.csv: one row per hub. */
static isr_status write_by_hub(scen_pass *p, const char *path)
{
    const isr_batch *b = p->b;
    char *tmp;
    FILE *f;
    isr_status st = isr_open_tmp(p->ctx, path, &tmp, &f);
    if (st != ISR_OK)
        return st;
    fputs(ISR_CSV_BOM "hub_id,hub_name,reused,pop_newly_within,pop_newly_own_province,"
          "pop_newly_other_provinces,pop_newly_own_prefecture,pop_newly_other_prefectures,"
          "pop_lost,pop_lost_own_province,pop_lost_other_provinces,pop_reached_both,"
          "person_minutes_saved,cells_newly_within,cells_lost\n",
          f);
    for (int h = 0; h < b->nhubs; h++) {
        const scen_hub *r = &p->res[h];
        isr_csv_field(f, isr_rail_station_id(b->net, b->hubs[h]));
        fputc(',', f);
        isr_csv_field(f, isr_rail_station_name(b->net, b->hubs[h]));
        isr_fprintf(f, ",%d,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%zu,%zu\n",
                    r->reused, r->newly, r->newly_own_prov, r->newly - r->newly_own_prov,
                    r->newly_own_pref, r->newly - r->newly_own_pref, r->lost, r->lost_own_prov,
                    r->lost - r->lost_own_prov, r->both_pop, r->saved, r->cells_newly,
                    r->cells_lost);
    }
    st = isr_close_commit(p->ctx, f, tmp, path);
    free(tmp);
    return st;
}

/* gains_matrix.csv: hubs × prefectures (columns: the prefectures' codes), people newly
 * within the budget. */
static isr_status write_matrix(scen_pass *p, const char *path)
{
    const isr_zones *z = &p->m->zones;
    const isr_units *u = &p->m->units;
    int npref = z->ngroups[ISR_PREFECTURE];
    char *tmp;
    FILE *f;
    isr_status st = isr_open_tmp(p->ctx, path, &tmp, &f);
    if (st != ISR_OK)
        return st;
    fputs(ISR_CSV_BOM "hub_id", f);
    for (int g = 0; g < npref; g++) {
        /* "pref_<code>": a header of numbers would be read as data (GDAL's CSV driver) */
        fputs(",pref_", f);
        isr_csv_field(f, u->attr[z->first[ISR_PREFECTURE][g]].code[ISR_PREFECTURE]);
    }
    fputc('\n', f);
    for (int h = 0; h < p->b->nhubs; h++) {
        isr_csv_field(f, isr_rail_station_id(p->b->net, p->b->hubs[h]));
        for (int g = 0; g < npref; g++)
            isr_fprintf(f, ",%.1f", p->matrix[(size_t)h * (size_t)npref + (size_t)g]);
        fputc('\n', f);
    }
    st = isr_close_commit(p->ctx, f, tmp, path);
    free(tmp);
    return st;
}

/* scenario.json: what was applied (with the sources), which hubs were searched and which
 * reused, the scenario's notes about its network and the seconds it took. */
static isr_status write_json(scen_pass *p, const char *path)
{
    const isr_batch *b = p->b;
    json_object *o = json_object_new_object(), *re = json_object_new_array();
    json_object *ch = json_object_new_array(), *notes = json_object_new_array();
    int searched = 0;
    for (int h = 0; h < b->nhubs; h++) {
        const char *id = isr_rail_station_id(b->net, b->hubs[h]);
        json_object_array_add(p->res[h].reused ? re : ch, json_object_new_string(id));
        searched += !p->res[h].reused;
    }
    if (searched == 0 && b->nhubs > 0)
        isr_log(p->ctx, ISR_LOG_WARN,
                "scenario '%s' changes nothing for %s: %s rail times within the budget are the "
                "baseline's, so %s outputs are the baseline's; check its rows (scenario.json "
                "lists what was applied)",
                p->sc->name, b->nhubs > 1 ? "these hubs" : "this hub",
                b->nhubs > 1 ? "their" : "its", b->nhubs > 1 ? "their" : "its");
    for (int i = isr_rail_net_nnotes(b->net); i < isr_rail_net_nnotes(p->sc->net); i++)
        json_object_array_add(notes, json_object_new_string(isr_rail_net_note(p->sc->net, i)));
    char *abs = isr_path_rel_to_out(b->opt->out, p->sc->path); /* no path of the machine */
    json_object_object_add(o, "name", json_object_new_string(p->sc->name));
    json_object_object_add(o, "path", json_object_new_string(abs ? abs : p->sc->path));
    json_object_object_add(o, "applied", json_object_get(p->sc->applied));
    json_object_object_add(o, "hubs", json_object_new_int(b->nhubs));
    json_object_object_add(o, "searched_hubs", json_object_new_int(searched));
    json_object_object_add(o, "reused_hubs", re);
    json_object_object_add(o, "changed_hubs", ch);
    json_object_object_add(o, "notes", notes);
    json_object_object_add(o, "seconds", isr_json_num(p->seconds, 3));
    free(abs);
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE);
    isr_status st = isr_write_text(p->ctx, path, text, strlen(text));
    json_object_put(o);
    return st;
}

isr_status isr_scen_region_write(scen_pass *p)
{
    char *a = isr_strdup_printf("%s/gains_by_hub.csv", p->dir);
    char *b = isr_strdup_printf("%s/gains_matrix.csv", p->dir);
    char *c = isr_strdup_printf("%s/scenario.json", p->dir);
    isr_status st = a && b && c ? ISR_OK : isr_fail(p->ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK && (st = write_by_hub(p, a)) == ISR_OK &&
        (st = write_matrix(p, b)) == ISR_OK)
        st = write_json(p, c);
    free(a);
    free(b);
    free(c);
    return st;
}
