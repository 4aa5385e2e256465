/*
 * scenario.c — a scenario ("what if", issue 15) read and applied to a copy of the base rail
 * network, before anything is computed.
 *
 * A scenario is a folder (stations.gpkg|.geojson|.shp, lines.…, modifications.csv) or a
 * GeoPackage (layers stations, lines, modifications); at least one part is there and not
 * empty; a layer or file of any other name is named in a warning (it is not read: a
 * planner's estaciones or Modifications.CSV was left out without a word). The copy gets, in this order: the added stations and lines (network.c reads, snaps
 * and checks them as the base's; base ids are refused), radius transfer links for the added
 * stations, then the modifications row by row (remove_line, remove_station, scale_speed,
 * set_headway, set_minutes, add_transfer). Every check fails naming the scenario, its file
 * and layer, the row or feature, the field and what to do. Base stations keep their numbers
 * in the copy (added ones come after), so a hub's arrival times compare station by station.
 * What was applied is kept as JSON (with each row's `source` text) for scenario.json.
 */
#include "scenario.h"
#include "timetable.h"

#include <dirent.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Whether layer `layer` of `path` (NULL: the first) exists and holds a feature. */
static int part_present(const char *path, const char *layer)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return 1; /* present but unreadable: opening it again says why */
    OGRLayerH l = layer ? GDALDatasetGetLayerByName(ds, layer) : GDALDatasetGetLayer(ds, 0);
    int n = l ? (int)OGR_L_GetFeatureCount(l, 1) : 0;
    GDALClose(ds);
    return n != 0;
}

/* The file of part `part` in a folder scenario: the first of part.gpkg, .geojson, .shp. */
static char *folder_part(const char *dir, const char *part, const char *const *exts, int next)
{
    for (int i = 0; i < next; i++) {
        char *p = isr_strdup_printf("%s/%s.%s", dir, part, exts[i]);
        if (p && exists(p))
            return p;
        free(p);
    }
    return NULL;
}

/* A file of a folder scenario that is obviously not data: hidden, an editor's lock (~$x),
 * notes (README, .md, .pdf) or a style or metadata sidecar (.aux.xml, .qmd, .qml, .sld). */
static int not_data(const char *name)
{
    static const char *const ends[] = {".md", ".pdf", ".aux.xml", ".qmd", ".qml", ".sld"};
    size_t n = strlen(name);
    if (name[0] == '.' || name[0] == '~' || strncasecmp(name, "readme", 6) == 0)
        return 1;
    for (size_t k = 0; k < sizeof ends / sizeof *ends; k++) {
        size_t e = strlen(ends[k]);
        if (n > e && strcasecmp(name + n - e, ends[k]) == 0)
            return 1;
    }
    return 0;
}

/* Whether file `name` of a folder scenario is read: a part's file (`read`: the names
 * folder_part chose, NULL for a part not there) or its sidecar (a shapefile's .dbf, .prj…,
 * a GeoPackage's -wal, a CSV's .csvt). */
static int file_read(const char *name, char *const read[3])
{
    for (int k = 0; k < 3; k++) {
        size_t n = read[k] ? strlen(read[k]) : 0;
        if (n && strncmp(name, read[k], n) == 0)
            return 1;
        if (n > 4 && strcmp(read[k] + n - 4, ".shp") == 0 && strncmp(name, read[k], n - 3) == 0)
            return 1;
    }
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name); /* the same order in every locale */
}

/* Files of a folder scenario read by nobody, listed ('a', 'b') into `sb`; their count. */
static int unread_files(const char *dir, isr_sb *sb)
{
    static const char *const exts[] = {"gpkg", "geojson", "shp"};
    char *read[3] = {folder_part(dir, "stations", exts, 3), folder_part(dir, "lines", exts, 3),
                     isr_strdup_printf("%s/modifications.csv", dir)};
    for (int k = 0; k < 3; k++) {
        if (read[k] && (k < 2 || exists(read[k]))) {
            memmove(read[k], read[k] + strlen(dir) + 1, strlen(read[k]) - strlen(dir));
        } else {
            free(read[k]);
            read[k] = NULL;
        }
    }
    struct dirent **e = NULL;
    int n = scandir(dir, &e, NULL, by_name), nun = 0;
    for (int i = 0; i < n; i++) {
        const char *name = e[i]->d_name;
        char *p = isr_strdup_printf("%s/%s", dir, name);
        if (!not_data(name) && !file_read(name, read))
            isr_sb_printf(sb, "%s'%s%s'", nun++ ? ", " : "", name, p && is_dir(p) ? "/" : "");
        free(p);
        free(e[i]);
    }
    free(e);
    for (int k = 0; k < 3; k++)
        free(read[k]);
    return nun;
}

/* Layers of a scenario GeoPackage read by nobody (QGIS's layer_styles aside), into `sb`. */
static int unread_layers(const char *path, isr_sb *sb)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    int nun = 0;
    for (int i = 0; ds && i < GDALDatasetGetLayerCount(ds); i++) {
        const char *name = OGR_L_GetName(GDALDatasetGetLayer(ds, i));
        if (strcasecmp(name, "stations") && strcasecmp(name, "lines") &&
            strcasecmp(name, "modifications") && strcasecmp(name, "layer_styles"))
            isr_sb_printf(sb, "%s'%s'", nun++ ? ", " : "", name);
    }
    if (ds)
        GDALClose(ds);
    return nun;
}

/* Parts of the scenario under other names (estaciones, modification, Modifications.CSV) were
 * ignored without a word, and the planner took the run for the scenario: each is named. */
static void warn_unread(isr_ctx *ctx, const isr_scenario *sc)
{
    isr_sb sb = {0};
    int n = sc->gpkg ? unread_layers(sc->path, &sb) : unread_files(sc->path, &sb);
    char *list = isr_sb_take(&sb);
    if (n && list)
        isr_log(ctx, ISR_LOG_WARN,
                "scenario '%s' ('%s'): %s %s %s not read, so nothing in %s is applied; %s",
                sc->name, sc->path, sc->gpkg ? (n > 1 ? "layers" : "layer")
                                             : (n > 1 ? "files" : "file"),
                list, n > 1 ? "are" : "is", n > 1 ? "them" : "it",
                sc->gpkg ? "a scenario GeoPackage reads the layers 'stations', 'lines' and "
                           "'modifications': rename the layers to apply them"
                         : "a scenario folder reads stations.gpkg|.geojson|.shp, "
                           "lines.gpkg|.geojson|.shp and modifications.csv (the first of each, "
                           "names in lower case): rename the files to apply them");
    free(list);
}

/* Opens part `part` (stations, lines) of the scenario when it is there and not empty;
 * l->ds stays NULL otherwise. */
static isr_status open_part(isr_ctx *ctx, const isr_options *opt, isr_scenario *sc,
                            const char *part, OGRwkbGeometryType want, isr_layer *l)
{
    static const char *const exts[] = {"gpkg", "geojson", "shp"};
    memset(l, 0, sizeof *l);
    char *file = sc->gpkg ? strdup(sc->path) : folder_part(sc->path, part, exts, 3);
    const char *layer = sc->gpkg ? part : NULL;
    char *role = isr_strdup_printf("scenario '%s' %s", sc->name, part);
    isr_status st = ISR_OK;
    if (!role)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    else if (file && part_present(file, layer))
        st = isr_layer_open_enc(ctx, l, role, file, layer, want, opt->encoding);
    free(role);
    free(file);
    return st;
}

void isr_scenario_clear(isr_scenario *sc)
{
    if (sc->gtfs && sc->cm_borrowed)
        memset(&sc->gtfs->cm, 0, sizeof sc->gtfs->cm); /* the model's */
    isr_gtfs_run_free(sc->gtfs);
    free(sc->route_factor);
    free(sc->closed);
    isr_rail_net_free(sc->net);
    json_object_put(sc->applied);
    memset(sc, 0, sizeof *sc);
}

/* Lines mode: an added station within --snap of a base line whose calls are every station
 * near it (blank stops) would be one of its calls had it been in the base, but the base lines
 * keep the calls the base gave them: said, with what to do, rather than left to show as no
 * gain (found trying an infill station). Run after the modifications: a base line they
 * removed (the infill recipe: remove it, add it again under another id) calls nowhere, so
 * the advice to do just that is not given. */
static void warn_base_lines_pass(isr_ctx *ctx, const isr_options *opt, OGRSpatialReferenceH srs,
                                 const isr_scenario *sc)
{
    int ns = isr_rail_net_nstations(sc->net), ns0 = sc->nbase_stations;
    isr_layer l;
    if (sc->tt || ns == ns0 || !opt->lines ||
        isr_layer_open_enc(ctx, &l, "lines", opt->lines, opt->lines_layer, wkbLineString,
                           opt->encoding) != ISR_OK)
        return; /* the base lines were read before: only out of memory fails here */
    OGRFeatureDefnH d = OGR_L_GetLayerDefn(l.lyr);
    int f_name = OGR_FD_GetFieldIndex(d, opt->line_name_field ? opt->line_name_field : "");
    int f_id = OGR_FD_GetFieldIndex(d, "id"), from_id;
    int f_stops = OGR_FD_GetFieldIndex(d, opt->line_stops_field ? opt->line_stops_field : "");
    OGRCoordinateTransformationH ct = isr_layer_transform_to(ctx, &l, srs);
    OGRFeatureH f;
    isr_status st = ISR_OK;
    while (ct && (f = isr_layer_next(ctx, &l, &st)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        char *id = isr_network_line_id(NULL, f, f_id, f_name, &from_id); /* the network's */
        int blank = f_stops < 0 || !OGR_F_IsFieldSetAndNotNull(f, f_stops) ||
                    !*OGR_F_GetFieldAsString(f, f_stops);
        OGRGeometryH t = blank && g && id && isr_rail_line_find(sc->net, id) >= 0
                             ? OGR_G_Clone(g) /* still there: not removed nor skipped */
                             : NULL;
        if (t && isr_layer_geom_to(&l, t, ct) == OGRERR_NONE)
            for (int s = ns0; s < ns; s++) {
                double x, y;
                isr_rail_station_xy(sc->net, s, &x, &y);
                OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
                OGR_G_SetPoint_2D(pt, 0, x, y);
                double dist = OGR_G_Distance(t, pt);
                OGR_G_DestroyGeometry(pt);
                if (dist >= 0 && dist <= opt->snap_m)
                    isr_log(ctx, ISR_LOG_WARN,
                            "scenario '%s': added station '%s' lies %.0f m from base line '%s', "
                            "but the base lines call where they called: only the scenario's "
                            "added lines stop at '%s'. To have the line call there, remove it "
                            "(remove_line) and add it again under another id in the scenario's "
                            "lines",
                            sc->name, isr_rail_station_id(sc->net, s), dist, id,
                            isr_rail_station_id(sc->net, s));
            }
        OGR_G_DestroyGeometry(t);
        free(id);
        OGR_F_Destroy(f);
    }
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    isr_layer_close(&l);
}

/* The added stations and lines, read onto the copy; their ids listed in sc->applied. */
static isr_status add_parts(isr_ctx *ctx, const isr_options *opt, OGRSpatialReferenceH srs,
                            isr_scenario *sc, int *nparts)
{
    isr_layer ls, ll;
    isr_status st = open_part(ctx, opt, sc, "stations", wkbPoint, &ls);
    if (st == ISR_OK)
        st = open_part(ctx, opt, sc, "lines", wkbLineString, &ll);
    else
        memset(&ll, 0, sizeof ll);
    int ns0 = isr_rail_net_nstations(sc->net), nl0 = isr_rail_net_nlines(sc->net);
    if (st == ISR_OK && ls.ds && (st = isr_network_add_stations(ctx, opt, &ls, srs, sc->net)) ==
                                     ISR_OK &&
        isr_transfers_radius(sc->net, opt, ns0))
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK && ll.ds)
        st = isr_network_add_lines(ctx, opt, &ll, srs, sc->net);
    *nparts += (ls.ds != NULL) + (ll.ds != NULL);
    json_object *as = json_object_new_array(), *al = json_object_new_array();
    for (int s = ns0; s < isr_rail_net_nstations(sc->net); s++)
        json_object_array_add(as, json_object_new_string(isr_rail_station_id(sc->net, s)));
    for (int l = nl0; l < isr_rail_net_nlines(sc->net); l++)
        json_object_array_add(al, json_object_new_string(isr_rail_line_id(sc->net, l)));
    json_object_object_add(sc->applied, "added_stations", as);
    json_object_object_add(sc->applied, "added_lines", al);
    sc->nadded_stations = isr_rail_net_nstations(sc->net) - ns0;
    isr_layer_close(&ls);
    isr_layer_close(&ll);
    return st;
}

isr_status isr_scenario_load(isr_ctx *ctx, const isr_options *opt, int i,
                             const isr_rail_net *base, OGRSpatialReferenceH srs,
                             const int *hubs, int nhubs, const isr_timetable *tt,
                             isr_scenario *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->name = opt->scenario_name[i];
    sc->path = opt->scenario_path[i];
    sc->nbase_stations = isr_rail_net_nstations(base);
    if (tt) { /* GTFS mode: routes as they are, no station closed */
        sc->tt = tt;
        sc->route_factor = malloc((size_t)(tt->nroutes + 1) * sizeof *sc->route_factor);
        sc->closed = calloc((size_t)sc->nbase_stations + 1, 1);
        if (!sc->route_factor || !sc->closed)
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        for (int r = 0; r < tt->nroutes; r++)
            sc->route_factor[r] = 1.0;
    }
    if (!exists(sc->path))
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "scenario '%s': '%s' does not exist; give a folder or a GeoPackage "
                        "(--scenario NAME=PATH)",
                        sc->name, sc->path);
    size_t n = strlen(sc->path);
    sc->gpkg = !is_dir(sc->path);
    if (sc->gpkg && !(n > 5 && strcasecmp(sc->path + n - 5, ".gpkg") == 0))
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "scenario '%s': '%s' is neither a folder nor a GeoPackage (.gpkg)",
                        sc->name, sc->path);
    warn_unread(ctx, sc);
    isr_status st = isr_rail_net_copy(ctx, base, &sc->net);
    if (st != ISR_OK)
        return st;
    if (!(sc->applied = json_object_new_object()))
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    int nparts = 0;
    if ((st = add_parts(ctx, opt, srs, sc, &nparts)) != ISR_OK ||
        (st = isr_scenario_modify(ctx, opt, sc, hubs, nhubs, &nparts)) != ISR_OK)
        return st;
    warn_base_lines_pass(ctx, opt, srs, sc);
    if (nparts == 0)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "scenario '%s' ('%s') holds no added stations, lines or modifications: "
                        "%s",
                        sc->name, sc->path,
                        sc->gpkg ? "give it a layer 'stations', 'lines' or 'modifications'"
                                 : "put stations.gpkg|.geojson|.shp, lines.gpkg|.geojson|.shp "
                                   "or modifications.csv in the folder");
    return ISR_OK;
}

/* The scenarios of the run (--scenario), read and applied to copies of the loaded network
 * before anything is computed: a bad one stops the run with nothing written. */
isr_status isr_scenarios_load(isr_ctx *ctx, const isr_options *opt, const isr_model *m,
                              isr_scenario *sc)
{
    isr_status st = ISR_OK;
    for (int i = 0; i < opt->nscenarios && st == ISR_OK; i++) {
        st = isr_scenario_load(ctx, opt, i, m->net, m->srs, m->hubs.hubs, m->hubs.n,
                               m->gtfs ? m->gtfs->tt : NULL, &sc[i]);
        if (st == ISR_OK && m->gtfs) /* scenario_gtfs.c */
            st = isr_scenario_gtfs_build(ctx, m, &sc[i]);
        /* the model opened the base stations' cells to local travel (model.c), not these */
        for (int s = sc[i].nbase_stations; st == ISR_OK && s < isr_rail_net_nstations(sc[i].net);
             s++) {
            double x, y;
            int c, r;
            isr_rail_station_xy(sc[i].net, s, &x, &y);
            int on = isr_grid_cell_of(&m->grid, x, y, &c, &r);
            if (!on || isinf(isr_fric_at(isr_model_fric(m), isr_grid_pidx(&m->grid, c, r))))
                isr_log(ctx, ISR_LOG_WARN,
                        "scenario '%s': added station '%s' lies %s: trains stop there, but no "
                        "local travel starts from it; move it onto land inside the boundaries",
                        sc[i].name, isr_rail_station_id(sc[i].net, s),
                        on ? "on a cell local travel cannot cross (water, or outside every "
                             "boundary polygon)"
                           : "off the region's grid");
        }
    }
    return st;
}
