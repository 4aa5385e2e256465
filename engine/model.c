/*
 * model.c — the region, loaded once: the boundaries and their units, the analysis CRS, the
 * grid, the zone and population rasters, the friction surface and the rail network, and the
 * hubs of the options. isr_run and every question asked of an isr_model (run.c) start from
 * it; nothing here writes a file.
 *
 * Invariants: once isr_model_load returns ISR_OK nothing in the model changes (the batch
 * workers read it from many threads); `loads` counts how often the inputs were read, so a
 * test can see that asking again does not reload (isr_model_searched, after the model's last
 * pass, is the one exception). Cost: the grid (friction 1, coded, or 4 + zones 2, 4 from
 * 65,535 units on (+ 8 for a population raster) + clearance about 1/2 bytes a cell) and the
 * network; the memory estimate (bytes_per_cell) counts the region accumulators of a pass as
 * well (at most 8, in tiles of what the hubs reach); workers' time grids follow their hubs'
 * windows.
 */
#include "internal.h"

#include <cpl_conv.h>
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <json-c/json.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <threads.h>

/* ---- hubs ------------------------------------------------------------------------------- */

/* One line of a --hubs @FILE: its first field (comma-separated, quotes and blanks around it
 * dropped) in place; "" for a blank line or a # comment. */
static char *hub_file_field(char *line)
{
    line[strcspn(line, ",\r\n")] = '\0';
    while (*line == ' ' || *line == '\t' || *line == '"')
        line++;
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '"'))
        line[--len] = '\0';
    return *line == '#' ? line + len : line;
}

/* The ids of a --hubs @FILE, checked with hi->known, as "a,b" into *b. */
static isr_status hubs_file(isr_ctx *ctx, const char *path, const isr_hub_ids *hi, isr_sb *b)
{
    isr_status sst; /* a FIFO or device refused: it would block */
    FILE *f = isr_source_fopen(ctx, "--hubs @FILE", path, &sst);
    if (sst != ISR_OK)
        return sst;
    if (!f)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "--hubs @%s: cannot open it (%s); give a text file of station ids, one "
                        "per line",
                        path, strerror(errno));
    char line[1024];
    int lineno = 0, first = 1, n = 0;
    isr_status st = ISR_OK;
    while (st == ISR_OK && fgets(line, sizeof line, f)) {
        lineno++;
        if (lineno == 1 && memcmp(line, ISR_CSV_BOM, 3) == 0) /* Excel's "CSV UTF-8", our tables */
            memmove(line, line + 3, strlen(line + 3) + 1);
        if (!strchr(line, '\n') && !feof(f)) {
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "--hubs @%s line %d: longer than %d characters; give one station id "
                          "per line",
                          path, lineno, (int)sizeof line - 2);
            break;
        }
        char *id = hub_file_field(line);
        if (!*id)
            continue;
        if (first && (EQUAL(id, "station_id") || EQUAL(id, "id"))) {
            first = 0; /* the header */
            continue;
        }
        first = 0;
        if (!hi->known(hi->u, id))
            st = isr_fail(ctx, ISR_ERR_INPUT, "--hubs @%s line %d: no station has id '%s' %s",
                          path, lineno, id, hi->where);
        else
            isr_sb_printf(b, "%s%s", n++ ? "," : "", id);
    }
    if (st == ISR_OK && ferror(f))
        st = isr_fail(ctx, ISR_ERR_IO, "--hubs @%s: cannot read it (%s)", path, strerror(errno));
    fclose(f);
    if (st == ISR_OK && n == 0)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "--hubs @%s: no station id in it (blank lines and # comments are "
                      "skipped); give one id per line",
                      path);
    return st;
}

isr_status isr_hubs_expand(isr_ctx *ctx, const char *spec, const isr_hub_ids *hi, char **out)
{
    *out = NULL;
    if (!spec || (strcmp(spec, "all") != 0 && spec[0] != '@'))
        return ISR_OK;
    isr_sb b = {0};
    isr_status st = ISR_OK;
    if (spec[0] == '@')
        st = hubs_file(ctx, spec + 1, hi, &b);
    for (int i = 0; spec[0] != '@' && i < hi->n; i++)
        isr_sb_printf(&b, "%s%s", i ? "," : "", hi->id(hi->u, i));
    char *s = isr_sb_take(&b);
    if (st == ISR_OK && !s)
        st = isr_fail(ctx, ISR_ERR_INPUT, "--hubs all: the network has no station");
    if (st != ISR_OK) {
        free(s);
        return st;
    }
    *out = s;
    return ISR_OK;
}

static int net_known(const void *u, const char *id) { return isr_rail_net_find(u, id) >= 0; }
static const char *net_id(const void *u, int i) { return isr_rail_station_id(u, i); }

static isr_status hubs_select(isr_ctx *ctx, const isr_options *opt, const isr_rail_net *net,
                              int **out, int *n)
{
    int ns = isr_rail_net_nstations(net);
    int *h = malloc((size_t)(ns > 0 ? ns : 1) * sizeof *h);
    if (!h)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    *n = 0;
    int ndup = 0, first_dup = -1;
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
            if (len == 0) {
                free(h);
                return isr_fail(ctx, ISR_ERR_USAGE, "--hubs: '%s' is not a list of station ids",
                                opt->hubs);
            }
            char *id = malloc(len + 1); /* ids of any length, as the stations layer has them */
            if (!id) {
                free(h);
                return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
            }
            memcpy(id, p, len);
            id[len] = '\0';
            int s = isr_rail_net_find(net, id);
            if (s < 0) {
                free(h);
                isr_status st = isr_fail(ctx, ISR_ERR_INPUT,
                                         "--hubs: no station has id '%s' in '%s'", id,
                                         isr_options_stations_source(opt));
                free(id);
                return st;
            }
            free(id);
            int dup = 0;
            for (int k = 0; k < *n; k++)
                dup |= h[k] == s;
            if (!dup)
                h[(*n)++] = s;
            else if (ndup++ == 0)
                first_dup = s;
            p = end ? end + 1 : p + strlen(p);
        }
        if (ndup) /* run once each: said, it was silent */
            isr_log(ctx, ISR_LOG_INFO,
                    "--hubs: %d id%s a station given before (first: '%s'); each hub is run once",
                    ndup, ndup > 1 ? "s name" : " names", isr_rail_station_id(net, first_dup));
    } else {
        for (int s = 0; s < ns; s++)
            if (isr_rail_station_is_hub(net, s))
                h[(*n)++] = s;
    }
    if (*n == 0) {
        free(h);
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "no hubs: no station in '%s' has a non-zero '%s' (or give --hubs)",
                        isr_options_stations_source(opt), opt->hub_field);
    }
    if (*n > INT16_MAX) {
        free(h);
        return isr_fail(ctx, ISR_ERR_USAGE, "%d hubs: at most %d per run", *n, INT16_MAX);
    }
    *out = h;
    return ISR_OK;
}

isr_status isr_hubs_select(isr_ctx *ctx, const isr_options *opt, const isr_rail_net *net,
                           int **out, int *n)
{
    char *where = isr_strdup_printf("in '%s'", isr_options_stations_source(opt)), *list = NULL;
    isr_hub_ids hi = {isr_rail_net_nstations(net), net_id, net_known, net, where ? where : ""};
    isr_status st = isr_hubs_expand(ctx, opt->hubs, &hi, &list);
    isr_options o = *opt; /* --hubs all / @FILE as the list of their ids */
    if (list)
        o.hubs = list;
    if (st == ISR_OK)
        st = hubs_select(ctx, &o, net, out, n);
    free(where);
    free(list);
    return st;
}

/* The folder of each hub under OUT/hubs/ (isr_hub_folder); refuses two hubs that would
 * share one (ids differing only in characters a folder name cannot hold, and a hash match),
 * or whose folders differ only in the case of ASCII letters: one folder on the
 * case-insensitive disks of Windows and macOS, of a USB stick or a network share, where the
 * second hub would overwrite the first's outputs with nothing said. */
static int cmp_folder(const void *a, const void *b)
{
    const char *x = **(char *const *const *)a, *y = **(char *const *const *)b;
    int c = strcasecmp(x, y);
    return c ? c : strcmp(x, y);
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
        for (int k = 1; k < nhubs && st == ISR_OK; k++) {
            if (strcasecmp(*order[k - 1], *order[k]) != 0)
                continue;
            int by_case = strcmp(*order[k - 1], *order[k]) != 0; /* two names, one folder */
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "stations '%s' and '%s' in '%s' would share the output folder "
                          "'hubs/%s'%s%s%s; give one of them another id (field '%s'), or "
                          "leave one out with --hubs",
                          isr_rail_station_id(net, hubs[order[k - 1] - f]),
                          isr_rail_station_id(net, hubs[order[k] - f]),
                          isr_options_stations_source(opt), *order[k - 1],
                          by_case ? " and 'hubs/" : "", by_case ? *order[k] : "",
                          by_case ? "', one folder on a disk that ignores case (Windows, "
                                    "macOS, most USB sticks and network shares)"
                                  : "",
                          opt->station_id_field);
        }
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

/* --hubs all over a feed or a network wider than the boundaries: the stations off the grid
 * are no hubs of the run (a named hub there is refused below), said in one warning. */
static void drop_hubs_off_grid(isr_ctx *ctx, const isr_grid *g, const isr_rail_net *net,
                               const isr_layer *lb, isr_hub_set *jb)
{
    isr_sb b = {0};
    int kept = 0, dropped = 0;
    for (int h = 0; h < jb->n; h++) {
        double x, y;
        int c, r;
        isr_rail_station_xy(net, jb->hubs[h], &x, &y);
        if (isr_grid_cell_of(g, x, y, &c, &r)) {
            if (jb->folders) /* made before (isr_model_load): they go with their hubs */
                jb->folders[kept] = jb->folders[h];
            jb->hubs[kept++] = jb->hubs[h];
            continue;
        }
        if (++dropped <= 10)
            isr_sb_printf(&b, "%s'%s'", dropped > 1 ? ", " : "",
                          isr_rail_station_id(net, jb->hubs[h]));
        if (jb->folders)
            free(jb->folders[h]);
    }
    char *list = isr_sb_take(&b);
    if (dropped)
        isr_log(ctx, ISR_LOG_WARN,
                "--hubs all: %d station%s off the region's grid (the extent of %s) %s no hub "
                "of this run: %s%s",
                dropped, dropped > 1 ? "s" : "", lb->what, dropped > 1 ? "are" : "is",
                list ? list : "", dropped > 10 ? ", and more" : "");
    free(list);
    jb->n = kept;
}

/* One hub's jurisdiction, found on a worker of isr_parallel (the units are only read). */
typedef struct jur_hub {
    double hub[2], cell[2], d;
    int zu, unit, ties;
} jur_hub;

typedef struct jur_job {
    isr_ctx *ctx;
    const isr_units *u;
    jur_hub *h;
} jur_job;

/* The hubs on the region's grid, checked before the model is built on it: with --hubs all
 * those off it are left out (drop_hubs_off_grid), else a hub off it is refused, its search
 * would start nowhere. */
static isr_status hubs_on_grid(isr_ctx *ctx, const isr_options *opt, const isr_grid *g,
                               const isr_rail_net *net, const isr_layer *lb, isr_hub_set *jb)
{
    if (opt->hubs && strcmp(opt->hubs, "all") == 0)
        drop_hubs_off_grid(ctx, g, net, lb, jb);
    if (jb->n == 0)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "--hubs all: every station lies off the region's grid (the extent of "
                        "%s): give boundaries that cover the stations",
                        lb->what);
    double gx1 = g->x0 + g->nx * g->cell_m, gy0 = g->y0 - g->ny * g->cell_m;
    for (int h = 0; h < jb->n; h++) {
        double x, y;
        int c, r;
        isr_rail_station_xy(net, jb->hubs[h], &x, &y);
        if (isr_grid_cell_of(g, x, y, &c, &r))
            continue;
        double dx = fmax(fmax(g->x0 - x, x - gx1), 0), dy = fmax(fmax(gy0 - y, y - g->y0), 0);
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "hub '%s' lies %.1f km outside the region's grid (the extent of %s): "
                        "add its area to the boundaries, or %s",
                        isr_rail_station_id(net, jb->hubs[h]), hypot(dx, dy) / 1000.0, lb->what,
                        opt->hubs ? "drop it from --hubs" : "give --hubs without it");
    }
    return ISR_OK;
}

/* A worker of its own (not the calling thread, worker 0, whose handlers are the run's):
 * GDAL's and GEOS's errors to the run's log. */
static void jur_begin(void *user, int worker)
{
    if (worker)
        isr_gdal_errors_push(((jur_job *)user)->ctx);
}

static void jur_end(void *user, int worker)
{
    (void)user;
    if (worker)
        isr_gdal_errors_pop();
}

static void jur_one(void *user, int i, int worker)
{
    (void)worker;
    jur_job *j = user;
    jur_hub *h = &j->h[i];
    h->unit = isr_hub_jurisdiction(j->u, h->hub, h->cell, h->zu, ISR_OWN_MAX_M, &h->d, &h->ties);
}

/* Each hub's own jurisdiction (reach.c: the unit holding it, or the nearest within
 * ISR_OWN_MAX_M, or none), on the run's threads (each hub's test reads its polygons through
 * GEOS: 2 ms a hub on the sample), warned about in the hubs' order; every hub is on the
 * grid (hubs_on_grid). A hub outside every polygon is warned about, saying which unit counts
 * as its own. */
static isr_status hubs_jurisdiction(isr_ctx *ctx, const isr_options *opt, const isr_grid *g,
                                    const isr_units *u, const isr_zones *z,
                                    const isr_rail_net *net, isr_hub_set *jb)
{
    const int *hubs = jb->hubs, nhubs = jb->n;
    jb->own_unit = malloc((size_t)(nhubs > 0 ? nhubs : 1) * sizeof *jb->own_unit);
    jb->own_dist_m = malloc((size_t)(nhubs > 0 ? nhubs : 1) * sizeof *jb->own_dist_m);
    jur_job j = {ctx, u, calloc((size_t)(nhubs > 0 ? nhubs : 1), sizeof *j.h)};
    if (!jb->own_unit || !jb->own_dist_m || !j.h) {
        free(j.h);
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    for (int h = 0; h < nhubs; h++) {
        double x, y;
        int c = 0, r = 0;
        isr_rail_station_xy(net, hubs[h], &x, &y);
        isr_grid_cell_of(g, x, y, &c, &r); /* on it: hubs_on_grid */
        j.h[h].hub[0] = x;
        j.h[h].hub[1] = y;
        isr_grid_cell_centre(g, c, r, j.h[h].cell);
        j.h[h].zu = isr_zones_unit_at(z, (size_t)r * (size_t)g->nx + (size_t)c);
    }
    isr_parallel_with(isr_options_threads(opt), nhubs, jur_one, &j, jur_begin, jur_end);
    for (int h = 0; h < nhubs; h++) {
        const jur_hub *k = &j.h[h];
        jb->own_unit[h] = k->unit;
        jb->own_dist_m[h] = k->unit >= 0 ? k->d : INFINITY;
        isr_hub_jurisdiction_warn(ctx, u, isr_rail_station_id(net, hubs[h]), k->hub, k->cell,
                                  k->unit, k->d, k->ties, "");
    }
    free(j.h);
    return ISR_OK;
}

isr_status isr_hub_set_build(isr_ctx *ctx, const isr_model *m, const char *list,
                             isr_hub_set *set)
{
    isr_options o = *m->opt; /* the options with this list of hubs (read-only copy) */
    char *ids = NULL;        /* GTFS: stop ids replaced by their stations' */
    o.hubs = list;
    memset(set, 0, sizeof *set);
    isr_status st = m->gtfs ? isr_gtfs_hubs(ctx, m->opt, m->gtfs, list, &ids) : ISR_OK;
    if (ids)
        o.hubs = ids;
    if (st == ISR_OK)
        st = isr_hubs_select(ctx, &o, m->net, &set->hubs, &set->n);
    if (st == ISR_OK) /* first: --hubs all drops the stations off the grid */
        st = hubs_on_grid(ctx, &o, &m->grid, m->net, &m->lb, set);
    if (st == ISR_OK)
        st = hubs_jurisdiction(ctx, &o, &m->grid, &m->units, &m->zones, m->net, set);
    if (st == ISR_OK)
        st = hub_folders(ctx, &o, m->net, set->hubs, set->n, &set->folders);
    free(ids);
    return st;
}

void isr_hub_set_clear(isr_hub_set *set)
{
    for (int h = 0; set->folders && h < set->n; h++)
        free(set->folders[h]);
    free(set->folders);
    free(set->hubs);
    free(set->own_unit);
    free(set->own_dist_m);
    memset(set, 0, sizeof *set);
}

/* ---- loading ---------------------------------------------------------------------------- */

isr_status isr_model_check(isr_ctx *ctx, const isr_options *opt, isr_model *m)
{
    if (!(opt->budget_min > 0) || !(opt->resolution_m > 0) || !(opt->egress_speed_kmh > 0) ||
        !(opt->detour >= 1) || !(opt->snap_m > 0))
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "budget, resolution, egress speed and snap distance must be positive, "
                        "and the detour factor at least 1");
    isr_status st = isr_gtfs_check(ctx, opt);
    if (st != ISR_OK)
        return st;
    if (opt->simplify_m > opt->resolution_m) /* isochrone.c: an edge moves a cell at most */
        isr_log(ctx, ISR_LOG_WARN,
                "--simplify %g m is more than a cell (--resolution %g m): an isochrone's edges "
                "move by a cell at most, so %g m is used",
                opt->simplify_m, opt->resolution_m, opt->resolution_m);
    return isr_bands_parse(ctx, opt->bands, opt->budget_min, m->bands, &m->nbands);
}

/* The boundaries (every field flag checked against its layer first, all problems in one
 * message), the analysis CRS and the units in it. */
static isr_status load_boundaries(isr_ctx *ctx, const isr_options *opt, isr_model *m)
{
    double ext[4];
    isr_status st;
    if ((st = isr_layer_open_enc(ctx, &m->lb, "boundaries", opt->boundaries,
                                 opt->boundaries_layer, wkbPolygon, opt->encoding)) != ISR_OK ||
        (st = isr_layer_extent_wgs84(ctx, &m->lb, ext)) != ISR_OK)
        return st;
    /* stations and lines stay open for the network (isr_model_load), read once; with --gtfs
     * the timetable's stations are the network's (neither layer is read) */
    if (opt->ngtfs > 0) {
        st = ISR_OK;
    } else if ((st = isr_layer_open_enc(ctx, &m->ls, "stations", opt->stations, opt->stations_layer,
                                 wkbPoint, opt->encoding)) == ISR_OK &&
        (st = isr_layer_open_enc(ctx, &m->ll, "lines", opt->lines, opt->lines_layer,
                                 wkbLineString, opt->encoding)) == ISR_OK) {
        const isr_layer *layers[ISR_NLAYERS] = {&m->lb, &m->ls, &m->ll};
        st = isr_fields_check(ctx, opt, layers);
    }
    if (st != ISR_OK)
        return st;
    m->srs = opt->crs ? isr_crs_from_user(ctx, opt->crs)
                      : isr_crs_fitted_albers(ctx, ext[0], ext[1], ext[2], ext[3]);
    if (!m->srs)
        return ISR_ERR_CRS;
    if (opt->crs && (st = isr_crs_check_area(ctx, m->srs, opt->crs, m->lb.what, ext)) != ISR_OK)
        return st;
    if ((st = isr_crs_check_scale(ctx, m->srs, opt->crs, m->lb.what, ext, &m->crs_scale)) !=
        ISR_OK)
        return st;
    if (ext[1] <= -89.999 || ext[3] >= 89.999) /* the extent of a region round a pole */
        isr_log(ctx, ISR_LOG_WARN,
                "%s reaches the %s Pole: a polygon round it (a unit, a band of the isochrones) "
                "cannot be written as RFC 7946 GeoJSON, whose rings of longitude and latitude "
                "cannot go round a pole, so those polygons are not valid in the .geojson files; "
                "the rasters and tables hold them right",
                m->lb.what, ext[1] <= -89.999 ? "South" : "North");
    OSRExportToWkt(m->srs, &m->wkt);
    st = isr_units_load(ctx, opt, &m->lb, m->srs, &m->units);
    isr_layer_text_warn(&m->lb); /* the layer stays open until after run.json is written */
    return st;
}

/* Unit codes and station ids that a spreadsheet would run as formulas (starting with =, +,
 * @, or - when no number) are written to the CSV tables after a ' (isr_csv_field), so a join
 * of those tables with units.geojson, the rasters or run.json on them misses: said once,
 * naming the first few. */
static void warn_formula_keys(isr_ctx *ctx, const isr_model *m)
{
    isr_sb b = {0};
    int n = 0;
    for (int i = 0; i < m->units.n; i++)
        for (int k = 0; k < ISR_NLEVELS; k++) {
            const char *c = m->units.attr[i].code[k];
            if (!c || !isr_csv_formula_like(c))
                continue;
            int seen = 0; /* a prefecture's or province's code once (few units have these) */
            for (int j = 0; j <= i && !seen; j++)
                for (int q = 0; q < (j < i ? ISR_NLEVELS : k) && !seen; q++)
                    seen = m->units.attr[j].code[q] && strcmp(m->units.attr[j].code[q], c) == 0;
            if (!seen && ++n <= 5)
                isr_sb_printf(&b, "%scode '%s'", n > 1 ? ", " : "", c);
        }
    for (int s = 0; s < isr_rail_net_nstations(m->net); s++) {
        const char *id = isr_rail_station_id(m->net, s);
        if (isr_csv_formula_like(id) && ++n <= 5)
            isr_sb_printf(&b, "%sstation id '%s'", n > 1 ? ", " : "", id);
    }
    char *list = isr_sb_take(&b);
    if (n)
        isr_log(ctx, ISR_LOG_WARN,
                "%d unit code%s or station id%s start%s as a spreadsheet formula would (%s%s): "
                "the CSV tables write %s after a ' so that a spreadsheet shows %s as text, so a "
                "join of the CSV tables with units.geojson or run.json on %s must drop that '; "
                "give codes and ids that start with a letter or digit if you can",
                n, n > 1 ? "s" : "", n > 1 ? "s" : "", n > 1 ? "" : "s", list ? list : "",
                n > 5 ? ", …" : "", n > 1 ? "them" : "it", n > 1 ? "them" : "it",
                n > 1 ? "them" : "it");
    free(list);
}

/* The least finite friction of a coded surface: of the values its cells hold. */
static float coded_min(const uint8_t *code, size_t n, const float lut[256])
{
    uint8_t seen[256] = {0};
    for (size_t i = 0; i < n; i++)
        seen[code[i]] = 1;
    float least = INFINITY;
    for (int c = 0; c < 256; c++)
        if (seen[c] && lut[c] < least)
            least = lut[c];
    return least;
}

/* How far a station whose cell touches no passable cell (in the sea, a lake or a barrier by
 * a coarse coastline: a harbour station) is linked to the nearest one (station_links). */
#define ISR_STATION_LINK_M 2000.0

/* A friction surface read cell by cell: the model's draft while it is built, or the model's
 * own (isr_fric) once it is. */
typedef struct fric_view {
    const isr_fric_draft *d;
    isr_fric f;
} fric_view;

static float view_at(const fric_view *v, size_t k)
{
    return v->d ? isr_fric_draft_at(v->d, k) : isr_fric_at(v->f, k);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Passable cell k other than a station's own (`own`, sorted, n): a station's cell is open
 * whatever lies there, so it is no way out for another. */
static int passable(const fric_view *v, size_t k, const size_t *own, size_t n)
{
    return isfinite(view_at(v, k)) && !bsearch(&k, own, n, sizeof *own, cmp_size);
}

/* Whether local travel can leave padded cell k: a passable neighbour across a side, or across
 * a corner with one of the two cells beside that corner passable (both kernels refuse a
 * diagonal move between two barriers, costdist_kernels.h). */
static int cell_leads_out(const fric_view *v, size_t k, size_t pw, const size_t *own, size_t n)
{
    const size_t side[4] = {k - pw, k - 1, k + 1, k + pw};
    int open[4];
    for (int i = 0; i < 4; i++)
        if ((open[i] = passable(v, side[i], own, n)))
            return 1;
    const size_t corner[4] = {k - pw - 1, k - pw + 1, k + pw - 1, k + pw + 1};
    const int beside[4][2] = {{0, 1}, {0, 2}, {3, 1}, {3, 2}};
    for (int i = 0; i < 4; i++)
        if ((open[beside[i][0]] || open[beside[i][1]]) && passable(v, corner[i], own, n))
            return 1;
    return 0;
}

/* The stations' cells on the grid, sorted and each once (*own, *n); -1 when out of memory. */
static int station_cells(const isr_model *m, size_t **own, size_t *n)
{
    int ns = isr_rail_net_nstations(m->net);
    *n = 0;
    if (!(*own = malloc((size_t)(ns > 0 ? ns : 1) * sizeof **own)))
        return -1;
    for (int s = 0; s < ns; s++) {
        double x, y;
        int c, r;
        isr_rail_station_xy(m->net, s, &x, &y);
        if (isr_grid_cell_of(&m->grid, x, y, &c, &r))
            (*own)[(*n)++] = isr_grid_pidx(&m->grid, c, r);
    }
    qsort(*own, *n, sizeof **own, cmp_size);
    size_t u = 0;
    for (size_t i = 0; i < *n; i++)
        if (u == 0 || (*own)[i] != (*own)[u - 1])
            (*own)[u++] = (*own)[i];
    *n = u;
    return 0;
}

/* The nearest passable cell to (c, r) within `rad` cells that leads out (not another
 * station's cell, nor a cell local travel cannot leave: an islet of one cell): 1 with it in
 * (*bc, *br), else 0. Ties go to the first in row order, so a run is reproducible. */
static int nearest_passable(const isr_grid *g, const fric_view *v, int c, int r, int rad,
                            const size_t *own, size_t nown, int *bc, int *br)
{
    long best = -1;
    size_t pw = (size_t)isr_grid_pw(g);
    for (int dr = -rad; dr <= rad; dr++)
        for (int dc = -rad; dc <= rad; dc++) {
            long d2 = (long)dr * dr + (long)dc * dc;
            int cc = c + dc, rr = r + dr;
            if (d2 == 0 || d2 > (long)rad * rad || (best >= 0 && d2 >= best) || cc < 0 ||
                rr < 0 || cc >= g->nx || rr >= g->ny)
                continue;
            size_t k = isr_grid_pidx(g, cc, rr);
            if (!passable(v, k, own, nown) || !cell_leads_out(v, k, pw, own, nown))
                continue;
            best = d2;
            *bc = cc;
            *br = rr;
        }
    return best >= 0;
}

/* The straight path of cells from (c, r) to (bc, br) opened at `spm` where barred, each step
 * across a side (a step across a corner also opens the cell beside it: the kernels move
 * between two cells that touch only at a corner when a cell beside them is passable). 0, or
 * -1 when out of memory. */
static int burn_link(const isr_grid *g, isr_fric_draft *d, int c, int r, int bc, int br,
                     double spm)
{
    int steps = 4 * (abs(bc - c) > abs(br - r) ? abs(bc - c) : abs(br - r)), pc = c, pr = r;
    for (int k = 1; k <= steps; k++) {
        int x = (int)lround(c + (double)(bc - c) * k / steps);
        int y = (int)lround(r + (double)(br - r) * k / steps);
        size_t cell[2] = {isr_grid_pidx(g, x, pr), isr_grid_pidx(g, x, y)};
        for (int i = x != pc && y != pr ? 0 : 1; i < 2; i++)
            if (isinf(isr_fric_draft_at(d, cell[i])) && isr_fric_draft_set(d, cell[i], (float)spm))
                return -1;
        pc = x;
        pr = y;
    }
    return 0;
}

/* The warnings of station_links: the stations linked (a, with their links' lengths) and
 * those left with none (b). */
static void station_links_warn(isr_ctx *ctx, int nlinked, const char *a, int nlost,
                               const char *b)
{
    if (nlinked)
        isr_log(ctx, ISR_LOG_WARN,
                "%d station%s on a cell that local travel cannot leave (in the sea, a lake, a "
                "barrier of --water or --friction, outside every boundary polygon, or on an "
                "islet of one cell: a coastline drawn coarser than the stations?): %s%s; each "
                "is linked to the nearest cell local travel can leave by a straight path "
                "walked at --egress-speed and --detour (its length from cell centre to cell "
                "centre), so that local travel from it reaches land; move %s onto land, or "
                "add %s area to the boundaries, if that is wrong",
                nlinked, ISR_PLURAL(nlinked, " lies", "s lie"), a ? a : "",
                nlinked > 10 ? ", and more" : "", nlinked > 1 ? "them" : "it",
                nlinked > 1 ? "their" : "its");
    if (nlost)
        isr_log(ctx, ISR_LOG_WARN,
                "%d station%s on a cell that local travel cannot leave, with no cell it can "
                "leave within %.0f km (cell centre to cell centre; in the sea, a lake, a "
                "barrier of --water or --friction, outside every boundary polygon, or on an "
                "islet of one cell): %s%s; trains stop there, but local travel from %s "
                "reaches nothing beyond %s own cell%s (a hub's circle is then what its trains "
                "reach); move %s onto land, or add %s area to the boundaries",
                nlost, ISR_PLURAL(nlost, " lies", "s lie"), ISR_STATION_LINK_M / 1000.0,
                b ? b : "", nlost > 10 ? ", and more" : "", nlost > 1 ? "them" : "it",
                nlost > 1 ? "their" : "its", nlost > 1 ? "s" : "", nlost > 1 ? "them" : "it",
                nlost > 1 ? "their" : "its");
}

/* Stations on a cell that local travel cannot leave would reach nothing on foot, their own
 * town included: each is linked to the nearest cell it can leave within ISR_STATION_LINK_M
 * by a straight path of cells at the base friction `spm` (walked at --egress-speed and
 * --detour, as a road burns its own speed; burn_link), and said; one with none that near
 * is said as reaching nothing. Every link is found on the surface before any is burned, so
 * that one station's link is no way out for another's. 0, or -1 when out of memory. */
static int station_links(isr_ctx *ctx, isr_model *m, isr_fric_draft *d, double spm)
{
    const isr_grid *g = &m->grid;
    size_t *own = NULL, nown = 0, pw = (size_t)isr_grid_pw(g);
    int ns = isr_rail_net_nstations(m->net);
    int *link = malloc((size_t)(ns > 0 ? ns : 1) * 4 * sizeof *link);
    if (!link || station_cells(m, &own, &nown) != 0) {
        free(link);
        return -1;
    }
    const fric_view v = {.d = d};
    int nlinked = 0, nlost = 0, nlinks = 0, rc = 0;
    int rad = (int)floor(ISR_STATION_LINK_M / g->cell_m);
    isr_sb linked = {0}, lost = {0};
    for (int s = 0; s < ns; s++) {
        double x, y;
        int c, r, bc = 0, br = 0;
        isr_rail_station_xy(m->net, s, &x, &y);
        if (!isr_grid_cell_of(g, x, y, &c, &r) ||
            cell_leads_out(&v, isr_grid_pidx(g, c, r), pw, own, nown))
            continue;
        const char *id = isr_rail_station_id(m->net, s);
        if (!nearest_passable(g, &v, c, r, rad, own, nown, &bc, &br)) {
            if (++nlost <= 10)
                isr_sb_printf(&lost, "%s'%s'", nlost > 1 ? ", " : "", id);
            continue;
        }
        int *l = link + 4 * nlinks++;
        l[0] = c, l[1] = r, l[2] = bc, l[3] = br;
        if (++nlinked <= 10)
            isr_sb_printf(&linked, "%s'%s' (%.2f km)", nlinked > 1 ? ", " : "", id,
                          hypot(bc - c, br - r) * g->cell_m / 1000.0);
    }
    for (int i = 0; i < nlinks && rc == 0; i++)
        rc = burn_link(g, d, link[4 * i], link[4 * i + 1], link[4 * i + 2], link[4 * i + 3],
                       spm);
    char *a = isr_sb_take(&linked), *b = isr_sb_take(&lost);
    station_links_warn(ctx, nlinked, a, nlost, b);
    free(a);
    free(b);
    free(own);
    free(link);
    return rc;
}

/* Whether a cell beside (c, r), across a side, lies in some unit. */
static int touches_unit(const isr_model *m, int c, int r)
{
    const isr_grid *g = &m->grid;
    const int d[4][2] = {{0, -1}, {-1, 0}, {1, 0}, {0, 1}};
    for (int i = 0; i < 4; i++) {
        int cc = c + d[i][0], rr = r + d[i][1];
        if (cc >= 0 && rr >= 0 && cc < g->nx && rr < g->ny &&
            isr_zones_unit_at(&m->zones, (size_t)rr * (size_t)g->nx + (size_t)cc) >= 0)
            return 1;
    }
    return 0;
}

/* Stations (other than hubs, warned about with their jurisdictions) that lie off the grid,
 * and so seed nothing, or in no unit (a hole, the sea), where local travel from them finds
 * only what lies inside the boundaries: said once each, naming them (but those whose cell
 * local travel cannot leave, which station_links has named). */
static void stations_outside(isr_ctx *ctx, const isr_model *m)
{
    isr_sb off = {0}, out = {0};
    int noff = 0, nout = 0;
    size_t *own = NULL, nown = 0;
    const fric_view v = {.f = isr_model_fric(m)};
    int cells = station_cells(m, &own, &nown) == 0 && (v.f.f32 || v.f.code);
    for (int s = 0; s < isr_rail_net_nstations(m->net); s++) {
        int hub = 0;
        for (int h = 0; h < m->hubs.n; h++)
            hub |= m->hubs.hubs[h] == s;
        double x, y, d;
        int c, r;
        isr_rail_station_xy(m->net, s, &x, &y);
        const char *id = isr_rail_station_id(m->net, s);
        if (hub)
            continue;
        if (!isr_grid_cell_of(&m->grid, x, y, &c, &r)) {
            if (++noff <= 10)
                isr_sb_printf(&off, "%s'%s'", noff > 1 ? ", " : "", id);
        } else if (isr_zones_unit_xy(&m->zones, &m->grid, x, y) < 0 &&
                   (!cells || cell_leads_out(&v, isr_grid_pidx(&m->grid, c, r),
                                             (size_t)isr_grid_pw(&m->grid), own, nown)) &&
                   touches_unit(m, c, r)) {
            /* (one whose cell local travel cannot leave, or which reaches a unit only by
             * its link: station_links said so) */
            double p[2] = {x, y};
            int ties;
            int near = isr_hub_jurisdiction(&m->units, p, p, -1, INFINITY, &d, &ties);
            if (++nout <= 10)
                isr_sb_printf(&out, "%s'%s' (%.1f km from '%s')", nout > 1 ? ", " : "", id,
                              d / 1000.0, near >= 0 ? m->units.attr[near].code[0] : "");
        }
    }
    char *a = isr_sb_take(&off), *b = isr_sb_take(&out);
    if (noff)
        isr_log(ctx, ISR_LOG_WARN,
                "%d station%s off the region's grid (beyond the extent of %s): %s%s; trains "
                "stop there and stations.csv gives the rail time, but %s no cell: no "
                "door-to-door time and no local travel from %s; add their area to the "
                "boundaries if they matter",
                noff, ISR_PLURAL(noff, " lies", "s lie"), m->lb.what, a ? a : "",
                noff > 10 ? ", and more" : "", noff > 1 ? "they have" : "it has",
                noff > 1 ? "them" : "it");
    if (nout)
        isr_log(ctx, ISR_LOG_WARN,
                "%d station%s outside every boundary polygon of %s: %s%s; trains stop there, "
                "but local travel from %s reaches only what lies inside the boundaries",
                nout, ISR_PLURAL(nout, " lies", "s lie"), m->lb.what, b ? b : "",
                nout > 10 ? ", and more" : "", nout > 1 ? "them" : "it");
    free(a);
    free(b);
    free(own);
}

/* The friction surface: base or raster, water closed (isr_friction_build), roads burned,
 * station cells open and linked to land (station_links); its least value. Without a raster
 * it is a byte a cell from the start and stays so unless the roads bring more than 254
 * speeds (isr_fric_draft_set); a raster's
 * floats, or those, are coded afterwards when they hold at most 256 values
 * (isr_fric_encode). Either way the model holds the one form that is left. */
static isr_status build_friction(isr_ctx *ctx, const isr_options *opt, isr_model *m,
                                 double spm)
{
    isr_fric_draft d = {.n = isr_grid_pcells(&m->grid)};
    isr_status st = opt->friction ? isr_friction_build(ctx, &m->grid, &m->zones, spm,
                                                       opt->friction, &d.f32,
                                                       &m->fric_uncovered)
                                  : isr_friction_build_coded(ctx, &m->grid, &m->zones, spm, &d);
    if (st == ISR_OK)
        st = isr_roads_burn(ctx, opt, &m->grid, m->srs, spm, &d, &m->road_cells);
    for (int s = 0; st == ISR_OK && s < isr_rail_net_nstations(m->net); s++) {
        double x, y;
        int c, r;
        isr_rail_station_xy(m->net, s, &x, &y);
        if (isr_grid_cell_of(&m->grid, x, y, &c, &r) &&
            isinf(isr_fric_draft_at(&d, isr_grid_pidx(&m->grid, c, r))) &&
            isr_fric_draft_set(&d, isr_grid_pidx(&m->grid, c, r), (float)spm))
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the friction surface");
    }
    if (st == ISR_OK && station_links(ctx, m, &d, spm) != 0)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the friction surface");
    m->fric = d.f32; /* the model's from here (isr_model_clear), whatever happened */
    m->fric_code = d.code;
    if (st != ISR_OK)
        return st;
    size_t pcells = d.n;
    if (m->fric_code) {
        memcpy(m->fric_lut, d.lut, (size_t)d.values.n * sizeof *d.lut);
        for (int k = d.values.n; k < 256; k++)
            m->fric_lut[k] = INFINITY; /* never a cell's: a barrier, were it read */
        m->fric_min = coded_min(m->fric_code, pcells, m->fric_lut);
        return ISR_OK;
    }
    m->fric_min = INFINITY;
    for (size_t i = 0; i < pcells; i++)
        if (m->fric[i] < m->fric_min)
            m->fric_min = m->fric[i];
    if (isr_fric_encode(m->fric, pcells, m->fric_lut)) {
        /* the codes are the floats' first bytes: the rest given back */
        uint8_t *c = realloc(m->fric, pcells);
        m->fric_code = c ? c : (uint8_t *)m->fric;
        m->fric = NULL;
    } else if (!opt->friction) { /* the estimate counted a byte a cell: now four */
        m->bytes_per_cell += 3;
        return isr_grid_memory_check(ctx, &m->grid, m->bytes_per_cell, opt->max_memory_mb,
                                     " (its friction surface holds more than 256 values, so 4 "
                                     "bytes a cell, not 1)");
    }
    return ISR_OK;
}

/* The window the clearance map needs to cover (win[1] < win[0]: all of it). A model of one
 * pass of isr_run (one_pass) is searched only from its hubs, within their windows
 * (isr_hubs_window): when these cover at most half the grid, the map is made for them
 * alone, the same searches at a fraction of its cost (a one-hub run of the sample at 100 m:
 * 3 % of the grid). */
static isr_status clear_window(isr_ctx *ctx, isr_model *m, int win[4])
{
    win[0] = win[2] = 0;
    win[1] = win[3] = -1;
    if (!m->one_pass)
        return ISR_OK;
    int w[4];
    isr_status st = isr_hubs_window(ctx, m, w);
    double cells = w[1] < w[0] ? 0 : (double)(w[1] - w[0] + 1) * (w[3] - w[2] + 1);
    if (st == ISR_OK && cells > 0 && cells <= 0.5 * (double)isr_grid_pcells(&m->grid))
        memcpy(win, w, sizeof w);
    return st;
}

/* The rasters of the model on its grid: water, zones and people, friction (build_friction)
 * and the clearance map. */
/* The water mask, read by a job of its own (water_read_run) beside the units' rasterizing:
 * its messages kept (a deferred context) until the rasters pass them on, in the order a run
 * on one thread gives them. */
typedef struct water_read {
    mtx_t lock;
    cnd_t cnd;
    int done;
    isr_ctx *msgs;  /* the reading's lines and failure (isr_ctx_replay) */
    isr_status st;  /* what isr_water_load returned (an interrupt leaves no message) */
    uint8_t *water; /* taken by the zones */
    size_t nwater;
} water_read;

static void water_read_run(isr_ctx *ctx, const isr_options *opt, const isr_model *m,
                           water_read *w)
{
    const char *wpath = isr_options_water(opt);
    isr_status st = ISR_OK;
    isr_ctx *msgs = wpath ? isr_ctx_deferred(ctx) : NULL;
    if (wpath && !msgs)
        st = ISR_ERR_MEMORY;
    else if (wpath)
        st = isr_water_load(msgs, wpath, opt->water_layer, m->srs, &m->grid, &w->water,
                            &w->nwater);
    mtx_lock(&w->lock);
    w->msgs = msgs;
    w->st = st;
    w->done = 1;
    cnd_broadcast(&w->cnd);
    mtx_unlock(&w->lock);
}

/* The water once read: its messages passed on; its status. */
static isr_status water_read_wait(isr_ctx *ctx, water_read *w)
{
    mtx_lock(&w->lock);
    while (!w->done)
        cnd_wait(&w->cnd, &w->lock);
    mtx_unlock(&w->lock);
    isr_status st = isr_ctx_replay(ctx, w->msgs);
    w->msgs = NULL;
    if (st == ISR_OK && w->st == ISR_ERR_MEMORY)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    return st != ISR_OK ? st : w->st;
}

/* The zones: the units rasterized (their messages kept) while the water is read, then both
 * passed on in the order of a run on one thread, water first. */
static isr_status build_zones(isr_ctx *ctx, const isr_options *opt, isr_model *m,
                              water_read *w)
{
    const char *wpath = isr_options_water(opt);
    size_t *ucells = NULL;
    isr_ctx *zc = isr_ctx_deferred(ctx);
    isr_status zst = zc ? isr_zones_begin(zc, &m->grid, &m->units, opt->population, &m->zones,
                                          &ucells)
                        : ISR_ERR_MEMORY;
    isr_status st = water_read_wait(ctx, w);
    uint8_t *water = w->water;
    w->water = NULL;
    if (st == ISR_OK) {
        m->water_cells = w->nwater;
        if (wpath)
            isr_log(ctx, ISR_LOG_INFO, "water '%s': %zu cells (%.1f km²) are water", wpath,
                    w->nwater, (double)w->nwater * m->grid.cell_m * m->grid.cell_m / 1e6);
        st = zc ? isr_ctx_replay(ctx, zc) : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        zc = NULL;
        if (st == ISR_OK)
            st = zst;
    }
    isr_ctx_free(zc);
    if (st != ISR_OK) {
        free(water);
        free(ucells);
        isr_zones_clear(&m->zones);
        return st;
    }
    return isr_zones_finish(ctx, &m->grid, &m->units, opt->population, water, wpath, &m->zones,
                            ucells);
}

static isr_status build_rasters(isr_ctx *ctx, const isr_options *opt, isr_model *m,
                                water_read *w)
{
    isr_status st;
    double spm = opt->detour * 3.6 / opt->egress_speed_kmh;
    /* friction: base (uniform or --friction) with the zones' water closed; what may reopen
     * cells (roads, bridges) comes after it */
    if ((st = build_zones(ctx, opt, m, w)) != ISR_OK ||
        (st = isr_zones_pack_water(ctx, &m->grid, &m->zones)) != ISR_OK ||
        (st = build_friction(ctx, opt, m, spm)) != ISR_OK)
        return st;
    int coded = m->fric_code != NULL;
    if (opt->kernel != ISR_KERNEL_RCOST) {
        size_t pw = (size_t)isr_grid_pw(&m->grid), ph = (size_t)isr_grid_ph(&m->grid);
        int win[4];
        if ((st = clear_window(ctx, m, win)) != ISR_OK)
            return st;
        if (win[1] >= win[0]) { /* the hubs' windows only: the rest of the map zero pages */
            if (!(m->clear = calloc(ISR_CLEAR_BYTES(pw * ph), 1)) ||
                isr_costdist_clearance_window(coded ? NULL : m->fric, m->fric_code, pw, ph, win,
                                              m->clear, isr_options_threads(opt)))
                return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the clearance map");
            return ISR_OK;
        }
        if (!(m->clear = malloc(ISR_CLEAR_SCRATCH(pw * ph))) ||
            isr_costdist_clearance_par(coded ? NULL : m->fric, m->fric_code, pw, ph, m->clear,
                                       isr_options_threads(opt)))
            return isr_fail(ctx, ISR_ERR_MEMORY,
                            "out of memory for the clearance map (%zu MB); try --kernel "
                            "rcost or a coarser --resolution",
                            pw * ph >> 20);
        uint8_t *c = realloc(m->clear, ISR_CLEAR_BYTES(pw * ph)); /* built in a byte a cell */
        m->clear = c ? c : m->clear;
    }
    return ISR_OK;
}

/* A model build's parts, as jobs: the water mask, the rasters (which wait for the water once
 * the units are rasterized, and pass on its messages first), the overlap check (its warning
 * kept for after the rasters), each province's dissolve and the units' geometry text in
 * slices of units. Only the water and rasters write the grid; the others read the units
 * only. With two threads or more they are taken from a queue in the order below: the water
 * and the rasters first (the water read beside the units' rasterizing takes 0.2 s off the
 * rasters' 0.8 on the sample), the overlap check
 * (the longest single jobs: on the sample rasters 0.9 s of CPU, the overlap check 0.2;
 * across China 4.9 and 16.5), then the provinces (each 0.1 s on the sample, up to 2.2 across
 * China) and the geometry's slices, so that the threads end within about one small job of
 * each other. With provinces, the overlap check's job is empty: the check follows their
 * dissolves (overlaps_once), and on clean boundaries is a union of the provinces (the
 * sample: 0.36 s of CPU less). The thread that finishes a province or slice last also writes
 * provinces.geojson or joins the slices' text. One thread runs them in the order of their
 * messages' precedence: overlaps, geometry, provinces, water, rasters. */
enum { JOB_WATER, JOB_RASTERS, JOB_OVERLAPS, JOB_PARTS }; /* then provinces, slices */

typedef struct build_pool {
    isr_ctx *ctx;
    water_read water; /* JOB_WATER's, for JOB_RASTERS (which waits for it) */
    const isr_options *opt;
    isr_model *m;
    char *overlap_warning;
    isr_provinces *prov;
    int nprov, nslices, njobs;
    char **slice; /* each slice's geometry text (isr_units_geometry_json), then joined */
    size_t *slice_len;
    atomic_int next, prov_left, slices_left, overlaps_started;
    isr_status *st;                  /* per job */
    isr_status prov_text, join_text; /* the steps after the last province or slice */
    isr_status overlap_st;           /* the overlap check after the last province */
} build_pool;

/* The units of geometry slice k (about 32 units a slice, at most 64 slices). */
static void slice_units(const build_pool *p, int k, int *u0, int *u1)
{
    int n = p->m->units.n;
    *u0 = (int)((long long)n * k / p->nslices);
    *u1 = (int)((long long)n * (k + 1) / p->nslices);
}

/* The slices' text joined, in unit order, into the model's units_geom: NULL when a slice
 * had a layout it did not know (units.geojson is then written the long way). */
static isr_status join_slices(build_pool *p)
{
    size_t len = 0;
    int all = 1;
    for (int k = 0; k < p->nslices; k++) {
        all = all && p->slice[k];
        len += p->slice_len[k];
    }
    char *text = all ? malloc(len + 1) : NULL;
    if (all && !text)
        return isr_fail(p->ctx, ISR_ERR_MEMORY, "out of memory for the units' geometries");
    for (size_t k = 0, at = 0; text && k < (size_t)p->nslices; k++) {
        memcpy(text + at, p->slice[k], p->slice_len[k]);
        at += p->slice_len[k];
        text[at] = '\0';
    }
    for (int k = 0; k < p->nslices; k++) {
        free(p->slice[k]);
        p->slice[k] = NULL;
    }
    p->m->units_geom = text;
    p->m->units_geom_len = text ? len : 0;
    return ISR_OK;
}

/* The overlap check of the units, run once. With provinces it follows their dissolves: units
 * whose every province is their coverage union, and whose provinces tile the region, overlap
 * nowhere (isr_provinces_coverage_clean: unions of the provinces, far cheaper than of the
 * units); the first province that is not starts the check of every unit. */
static void overlaps_once(build_pool *p)
{
    if (atomic_exchange(&p->overlaps_started, 1) == 0)
        p->overlap_st = isr_units_find_overlaps(p->ctx, &p->m->lb, &p->m->units,
                                                &p->overlap_warning);
}

static isr_status build_job(build_pool *p, int k)
{
    isr_model *m = p->m;
    if (k == JOB_WATER) { /* its status is the rasters' to give, after its messages */
        water_read_run(p->ctx, p->opt, m, &p->water);
        return ISR_OK;
    }
    if (k == JOB_RASTERS)
        return build_rasters(p->ctx, p->opt, m, &p->water);
    if (k == JOB_OVERLAPS) /* with provinces, after the last of them (below) */
        return p->nprov > 0 ? ISR_OK
                            : isr_units_find_overlaps(p->ctx, &m->lb, &m->units,
                                                      &p->overlap_warning);
    isr_status st;
    if (k < JOB_PARTS + p->nprov) {
        st = isr_provinces_dissolve(p->ctx, p->prov, k - JOB_PARTS);
        /* a province that is not the coverage union of its units: check them all now */
        if (!isr_provinces_covered(p->prov, k - JOB_PARTS))
            overlaps_once(p);
        if (atomic_fetch_sub(&p->prov_left, 1) == 1) { /* the last: every other one is done */
            p->prov_text = isr_provinces_text(p->ctx, p->prov, m->wkt, &m->prov_json, &m->prov_len);
            if (!isr_provinces_coverage_clean(p->prov))
                overlaps_once(p);
        }
        return st;
    }
    int s = k - JOB_PARTS - p->nprov, u0, u1;
    slice_units(p, s, &u0, &u1);
    st = isr_units_geometry_json(p->ctx, &m->units, m->wkt, u0, u1, &p->slice[s],
                                 &p->slice_len[s]);
    if (atomic_fetch_sub(&p->slices_left, 1) == 1)
        p->join_text = join_slices(p);
    return st;
}

static int build_worker(void *arg)
{
    build_pool *p = arg;
    isr_gdal_errors_push(p->ctx); /* GDAL's handlers are per thread */
    int k;
    while (!isr_cancelled(p->ctx) && (k = atomic_fetch_add(&p->next, 1)) < p->njobs)
        p->st[k] = build_job(p, k);
    isr_gdal_errors_pop();
    return 0;
}

/* The first failure among jobs [k0, k1), then `after` (the step that follows them). */
static isr_status first_failure(const build_pool *p, int k0, int k1, isr_status after)
{
    for (int k = k0; k < k1; k++)
        if (p->st[k] != ISR_OK)
            return p->st[k];
    return after;
}

/* The i-th job on one thread: in the order of the messages' precedence (overlaps, the
 * geometry's slices, the provinces, the water, rasters). */
static int serial_job(const build_pool *p, int i)
{
    if (i == 0)
        return JOB_OVERLAPS;
    if (i <= p->nslices)
        return JOB_PARTS + p->nprov + i - 1;
    if (i <= p->nslices + p->nprov)
        return JOB_PARTS + i - 1 - p->nslices;
    return i == p->nslices + p->nprov + 1 ? JOB_WATER : JOB_RASTERS;
}

/* The rasters, provinces.geojson and the units' geometry text (which depend on the
 * boundaries only: made once), on up to two threads (build_pool). The overlap warning is
 * logged after the rasters either way, so the warnings and run.json are the same with any
 * number of threads. */
static isr_status build_model(isr_ctx *ctx, const isr_options *opt, isr_model *m)
{
    build_pool p = {.ctx = ctx, .opt = opt, .m = m};
    if (mtx_init(&p.water.lock, mtx_plain) != thrd_success)
        return isr_fail(ctx, ISR_ERR_MEMORY, "cannot create a lock");
    if (cnd_init(&p.water.cnd) != thrd_success) {
        mtx_destroy(&p.water.lock);
        return isr_fail(ctx, ISR_ERR_MEMORY, "cannot create a condition variable");
    }
    isr_status st = isr_provinces_begin(ctx, &m->units, &p.prov);
    int n = m->units.n;
    p.nprov = isr_provinces_count(p.prov);
    p.nslices = n / 32 < 1 ? 1 : n / 32 > 64 ? 64 : n / 32;
    p.njobs = JOB_PARTS + p.nprov + p.nslices;
    p.st = calloc((size_t)p.njobs, sizeof *p.st); /* ISR_OK is 0 */
    p.slice = calloc((size_t)p.nslices, sizeof *p.slice);
    p.slice_len = calloc((size_t)p.nslices, sizeof *p.slice_len);
    if (st == ISR_OK && (!p.st || !p.slice || !p.slice_len))
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    atomic_init(&p.next, 0);
    atomic_init(&p.prov_left, p.nprov);
    atomic_init(&p.slices_left, p.nslices);
    atomic_init(&p.overlaps_started, 0);
    if (st == ISR_OK && p.nprov == 0) /* no units: an empty provinces.geojson */
        p.prov_text = isr_provinces_text(ctx, p.prov, m->wkt, &m->prov_json, &m->prov_len);
    int slices = JOB_PARTS + p.nprov; /* the first slice's job */
    thrd_t tid;
    if (st != ISR_OK) {
        /* nothing to run */
    } else if (isr_options_threads(opt) > 1 && thrd_create(&tid, build_worker, &p) == thrd_success) {
        build_worker(&p);
        thrd_join(tid, NULL);
    } else {
        for (int i = 0; i < p.njobs && !isr_cancelled(ctx); i++) {
            int k = serial_job(&p, i);
            if ((p.st[k] = build_job(&p, k)) != ISR_OK || p.overlap_st != ISR_OK ||
                (k >= slices ? p.join_text : k >= JOB_PARTS ? p.prov_text : ISR_OK) != ISR_OK)
                break;
        }
    }
    if (st == ISR_OK)
        st = isr_cancelled(ctx) ? ISR_ERR_INTERRUPTED : ISR_OK;
    if (st == ISR_OK)
        st = first_failure(&p, JOB_OVERLAPS, JOB_PARTS, p.overlap_st);
    if (st == ISR_OK)
        st = first_failure(&p, slices, p.njobs, p.join_text);
    if (st == ISR_OK)
        st = first_failure(&p, JOB_PARTS, slices, p.prov_text);
    if (st == ISR_OK)
        st = first_failure(&p, JOB_RASTERS, JOB_OVERLAPS, ISR_OK);
    if (p.overlap_warning && st == ISR_OK)
        isr_log(ctx, ISR_LOG_WARN, "%s", p.overlap_warning);
    free(p.overlap_warning);
    isr_ctx_free(p.water.msgs); /* the water was read but the rasters not built (a cancel) */
    free(p.water.water);
    cnd_destroy(&p.water.cnd);
    mtx_destroy(&p.water.lock);
    for (int k = 0; p.slice && k < p.nslices; k++)
        free(p.slice[k]); /* after a failure: joined, they are NULL */
    free(p.slice);
    free(p.slice_len);
    free(p.st);
    isr_provinces_free(p.prov);
#ifdef __GLIBC__
    /* the GEOS copies of the units (hundreds of MB for a country) were freed into the
     * threads' heaps, which glibc keeps: give those pages back before the hubs need theirs */
    malloc_trim(0);
#endif
    return st;
}

isr_status isr_model_cache_out_check(isr_ctx *ctx, const isr_options *opt, const char *out)
{
    const char *dir = opt->model_cache;
    if (!dir || !*dir || strcmp(dir, "none") == 0 || !out || !isr_path_within(out, dir))
        return ISR_OK;
    return isr_fail(ctx, ISR_ERR_USAGE,
                    "--model-cache '%s' is the output folder '%s' (--out) or lies inside it: "
                    "the output folder holds a run's outputs only (its README.md lists "
                    "them), and a cache is kept across runs; give a folder beside it",
                    dir, out);
}

/* build_model, or with --model-cache the file of the same inputs and settings mapped
 * (modelcache.c), written after a build when there was none. */
int isr_model_cache_on(const isr_options *opt)
{
    const char *dir = opt->model_cache;
    return dir && *dir && strcmp(dir, "none") != 0;
}

static isr_status cached_rasters(isr_ctx *ctx, const isr_options *opt, isr_model *m)
{
    const char *dir = opt->model_cache;
    if (!isr_model_cache_on(opt))
        return build_model(ctx, opt, m);
    isr_status st0 = isr_model_cache_out_check(ctx, opt, opt->out);
    if (st0 != ISR_OK)
        return st0;
    uint64_t key = isr_model_cache_key(ctx, opt, m);
    int hit = 0, clear = opt->kernel != ISR_KERNEL_RCOST;
    isr_status st = isr_model_cache_read(ctx, opt, m, dir, key, clear, &hit);
    if (st != ISR_OK || !(m->cache_file = isr_model_cache_path(dir, key)))
        return st != ISR_OK ? st : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    m->cache_hit = m->cache_written = hit;
    if (hit) {
        /* --overwrite recomputes the hubs, but on the model mapped again */
        isr_warn_big_inputs(ctx, opt, "the model was reused from --model-cache",
                            "another --model-cache folder, or deleting this model's file from "
                            "it, builds the model anew; --overwrite alone recomputes the hubs "
                            "on this same model");
        isr_model_cache_touch(m->cache_file, key);
        isr_model_cache_prune(ctx, dir, key, opt->model_cache_max_mb);
        return ISR_OK;
    }
    int w0 = isr_ctx_nwarnings(ctx);
    if ((st = build_model(ctx, opt, m)) == ISR_OK && !isr_cancelled(ctx)) {
        m->cache_written = isr_model_cache_write(ctx, opt, m, dir, key, w0,
                                                 isr_ctx_nwarnings(ctx));
        isr_model_cache_prune(ctx, dir, key, opt->model_cache_max_mb);
    }
    return st;
}

/* The grid (its memory estimate counting the workers), zones, friction and the hubs'
 * jurisdictions. Stations are always reachable on foot, even where the friction says water
 * or a station sits just outside the boundary polygons. */
static isr_status load_grid(isr_ctx *ctx, const isr_options *opt, isr_model *m)
{
    int threads = isr_options_threads(opt);
    if (threads > m->hubs.n)
        threads = m->hubs.n;
    if (threads > 1024)
        threads = 1024;
    m->threads = threads;
    /* friction 1 (built coded without a raster, build_friction; 4 with a --friction
     * raster, whose values may be more than 256, and 3 more added by build_friction should
     * the roads' speeds turn it into floats), a raster's floats (4) having been coded and
     * given back before the pass +
     * zones 2 (4 with ISR_ZONE16_UNITS units or more) (+ people 8 with a --population
     * raster; from the units' field they are a rule, zones.c) + region accumulators 8 at
     * most (tiles of what the hubs reach, acc.c) (+ the isotropic kernel's clearance map 1
     * while it is built in place, about half a byte after, + the water mask 1 while it is
     * built, a bit a cell after); rasterizing
     * works in chunks of about 64 MB of rows (isr_grid_rasterize). A worker's time grid
     * follows its hub's window (batch.c), not the region's. */
    double bytes_per_cell = (opt->friction ? 12.0 : 9.0) + isr_zones_cell_bytes(m->units.n) +
                            (opt->population ? 8 : 0) +
                            (opt->kernel == ISR_KERNEL_RCOST ? 0 : 1) +
                            (isr_options_water(opt) ? 1 : 0);
    m->bytes_per_cell = bytes_per_cell;
    isr_status st;
    if ((st = isr_grid_init(ctx, &m->grid, m->units.xmin, m->units.ymin, m->units.xmax,
                            m->units.ymax, opt->resolution_m, m->wkt, bytes_per_cell,
                            opt->max_memory_mb)) != ISR_OK)
        return st;
    if ((st = hubs_on_grid(ctx, opt, &m->grid, m->net, &m->lb, &m->hubs)) != ISR_OK ||
        (st = cached_rasters(ctx, opt, m)) != ISR_OK ||
        (st = hubs_jurisdiction(ctx, opt, &m->grid, &m->units, &m->zones, m->net, &m->hubs)) !=
            ISR_OK)
        return st;
    stations_outside(ctx, m);
    warn_formula_keys(ctx, m);
    return ISR_OK;
}

/* isr_model_load, which the inputs must not change under: a file written over while it was
 * read (a script saving the lines again) gave results of neither version, exit 0. */
static isr_status model_load(isr_ctx *ctx, const isr_options *opt, isr_model *m);

isr_status isr_model_load(isr_ctx *ctx, const isr_options *opt, isr_model *m)
{
    isr_stamps before;
    isr_inputs_stamp(opt, &before);
    isr_status st = model_load(ctx, opt, m);
    m->stamps = before; /* the library's later calls check them (isr_model_unchanged) */
    const char *moved = st == ISR_OK ? isr_inputs_changed(opt, &before) : NULL;
    if (moved)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "input '%s' changed while the run read it (written over, or saved "
                      "again): its results would be of neither version; run again once it "
                      "stays as it is",
                      moved);
    return st;
}

static isr_status model_load(isr_ctx *ctx, const isr_options *opt, isr_model *m)
{
    double t0 = isr_now_s();
    isr_status st;
    m->ctx = ctx;
    m->opt = opt;
    m->loads++;
    isr_progress(ctx, "loading", 0, 4);
    if ((st = load_boundaries(ctx, opt, m)) != ISR_OK)
        return st;
    if (isr_cancelled(ctx))
        return ISR_ERR_INTERRUPTED;
    isr_progress(ctx, "loading", 1, 4);
    isr_options o = *opt; /* GTFS: --hubs by station id (stop ids replaced) */
    char *ids = NULL;
    st = opt->ngtfs > 0 ? isr_gtfs_load(ctx, opt, m->srs, &m->gtfs, &m->net)
                        : isr_network_read(ctx, opt, &m->ls, &m->ll, m->srs, &m->net);
    isr_layer_close(&m->ls);
    isr_layer_close(&m->ll);
    if (st == ISR_OK && m->gtfs && (st = isr_gtfs_hubs(ctx, opt, m->gtfs, opt->hubs, &ids)) ==
                                       ISR_OK)
        o.hubs = ids;
    if (st == ISR_OK)
        st = isr_hubs_select(ctx, &o, m->net, &m->hubs.hubs, &m->hubs.n);
    free(ids);
    if (st != ISR_OK ||
        (st = hub_folders(ctx, opt, m->net, m->hubs.hubs, m->hubs.n, &m->hubs.folders)) != ISR_OK)
        return st;
    if (isr_cancelled(ctx))
        return ISR_ERR_INTERRUPTED;
    isr_progress(ctx, "loading", 2, 4);
    if ((st = load_grid(ctx, opt, m)) != ISR_OK)
        return st;
    if (m->gtfs)
        m->gtfs->threads = m->threads;
    if (m->gtfs && (st = isr_gtfs_catchments(ctx, opt, m->gtfs, m->net, &m->grid,
                                             isr_model_fric(m),
                                             m->clear, m->fric_min,
                                             m->bytes_per_cell * (double)m->grid.nx *
                                                 m->grid.ny / 1048576.0)) != ISR_OK)
        return st;
    isr_progress(ctx, "loading", 4, 4);
    m->load_s = isr_now_s() - t0;
    isr_log(ctx, ISR_LOG_INFO,
            "%d boundary %s, %d %s, %d %s, %d %s; grid %d x %d cells of %g m", m->units.n,
            ISR_PLURAL(m->units.n, "unit", "units"), isr_rail_net_nstations(m->net),
            ISR_PLURAL(isr_rail_net_nstations(m->net), "station", "stations"),
            isr_rail_net_nlines(m->net), ISR_PLURAL(isr_rail_net_nlines(m->net), "line", "lines"),
            m->hubs.n, ISR_PLURAL(m->hubs.n, "hub", "hubs"), m->grid.nx, m->grid.ny,
            m->grid.cell_m);
    return isr_cancelled(ctx) ? ISR_ERR_INTERRUPTED : ISR_OK;
}

/* Lets go of one of the model's rasters, `bytes` long: freed, or, in the model cache's
 * mapping, its pages given back. */
static void let_go(const isr_model *m, void *p, size_t bytes)
{
    if (!p)
        return;
    if (m->cache_map)
        isr_pages_dropped(p, bytes);
    else
        free(p);
}

void isr_model_searched(isr_model *m)
{
    m->searched = 1; /* a pass refuses it (batch.c) rather than run the other kernel */
    let_go(m, m->clear, ISR_CLEAR_BYTES(isr_grid_pcells(&m->grid)));
    m->clear = NULL;
}

void isr_model_fric_done(isr_model *m)
{
    size_t pcells = isr_grid_pcells(&m->grid);
    let_go(m, m->fric_code, pcells);
    let_go(m, m->fric, pcells * sizeof *m->fric);
    m->fric = NULL;
    m->fric_code = NULL;
}

void isr_model_clear(isr_model *m)
{
    isr_model_cache_release(m); /* the rasters in the file are not free()'s */
    free(m->cache_file);
    free(m->prov_json);
    free(m->units_geom);
    isr_hub_set_clear(&m->hubs);
    free(m->fric);
    free(m->fric_code);
    free(m->clear);
    isr_rail_net_free(m->net);
    isr_gtfs_run_free(m->gtfs);
    isr_grid_clear(&m->grid);
    isr_zones_clear(&m->zones);
    isr_units_clear(&m->units);
    isr_layer_close(&m->lb);
    isr_layer_close(&m->ls);
    isr_layer_close(&m->ll);
    CPLFree(m->wkt);
    free(m->opt_json);
    if (m->srs)
        OSRDestroySpatialReference(m->srs);
    memset(m, 0, sizeof *m);
}

int isr_model_loads(const isr_model *m) { return m ? m->loads : 0; }

/* The options as run.json records them, one line of JSON (new memory; NULL: out of memory). */
static char *options_text(const isr_options *opt)
{
    json_object *rec = isr_options_to_json(opt);
    char *t = rec ? strdup(json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN)) : NULL;
    json_object_put(rec);
    return t;
}

isr_status isr_model_unchanged(isr_ctx *ctx, const isr_model *m, int inputs)
{
    char *now = m->opt_json ? options_text(m->opt) : NULL;
    int same = !now || strcmp(m->opt_json, now) == 0;
    free(now);
    if (!same) /* some were read at the loading, others at each call: neither set whole */
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "the model's options were changed after it was opened: a model is "
                        "built for its options (the grid, speeds, inputs were read then); open "
                        "a new model with the new ones");
    const char *moved = inputs ? isr_inputs_changed(m->opt, &m->stamps) : NULL;
    if (moved)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "input '%s' changed since the model was opened (written over, moved "
                        "or deleted): outputs written now would mix its two versions and be "
                        "taken for the new one's; open the model again",
                        moved);
    return ISR_OK;
}

/* ---- the public handle ------------------------------------------------------------------ */

isr_status isr_model_open(isr_ctx *ctx, const isr_options *opt, isr_model **out)
{
    isr_ctx_reset(ctx);
    if (!opt || !out) {
        if (out)
            *out = NULL;
        return isr_fail(ctx, ISR_ERR_USAGE, "isr_model_open: no %s given",
                        !opt ? "options (isr_options_new)" : "place for the model");
    }
    isr_ctx_set_timeout(ctx, opt->timeout_s);
    isr_fetch_setup(ctx, opt->cache, opt->max_download_mb);
    isr_gdal_errors_push(ctx);
    *out = NULL;
    isr_model *m = calloc(1, sizeof *m);
    isr_gtfs_unused_warn(ctx, opt);
    isr_options_twice_warn(ctx, opt);
    isr_status st = m ? isr_model_check(ctx, opt, m) : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK)
        st = isr_model_load(ctx, opt, m);
    if (st == ISR_OK && !(m->opt_json = options_text(opt)))
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_ERR_INTERRUPTED)
        isr_fail(ctx, st, "interrupted while loading the inputs");
    if (st != ISR_OK && m) {
        isr_model_clear(m);
        free(m);
        m = NULL;
    }
    *out = m;
    isr_gdal_errors_pop();
    return st;
}

void isr_model_close(isr_model *m)
{
    if (!m)
        return;
    isr_model_clear(m);
    free(m);
}
