/*
 * outreadme.c — OUT/README.md (issue 17): for the people who receive an output folder, what
 * every file in it is (type, band, unit, nodata; every CSV column and GeoJSON property), the
 * model's assumptions and this run's settings, read from OUT/run.json.
 *
 * The descriptions are the tables below, kept in step with the main README's output table
 * (tests/outreadme_check.py checks that every file of an output folder is described in both,
 * and every CSV column and GeoJSON property of it here). The folder is walked when the
 * README is written, so it lists the files that are there and only those; a file no pattern
 * describes is listed as such. Written at the end of isoreach run, merge and reach (after
 * run.json) and rewritten by isr_publish after the styles, web map and maps.
 */
#define _XOPEN_SOURCE 700 /* fnmatch, DT_* via stat */
#include "internal.h"

#include <dirent.h>
#include <fnmatch.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* A kind of file: its path pattern under OUT (fnmatch), what it is, and its columns or
 * properties (space-separated names of the glossary below), if any. */
typedef struct out_kind {
    const char *pattern, *what, *cols;
} out_kind;

#define PEOPLE_EVENLY "people spread evenly over each unit's land cells unless --population"

static const out_kind kinds[] = {
    {"README.md", "this file", NULL},
    {"run.json",
     "the run's record: parameters, every option that shapes the results (`options`, what "
     "`isoreach reach` and `map` reuse; input paths relative to this folder), inputs, analysis "
     "CRS and grid, per hub its folder and figures, timings, library versions, warnings",
     NULL},
    {"hubs/*/travel_time.tif",
     "Cloud-Optimized GeoTIFF, one Float32 band, **minutes** from the hub (to it with "
     "`--direction to`); nodata -9999 beyond the budget; analysis CRS; cropped to the cells "
     "reached; metadata HUB_ID, HUB_NAME, DIRECTION, BUDGET_MIN, ISOREACH_SETTINGS",
     NULL},
    {"hubs/*/percentiles.tif",
     "GTFS mode with a departure window: one Float32 band per percentile of the travel time "
     "over the window's departure minutes (band descriptions say which), minutes, nodata -9999",
     NULL},
    {"hubs/*/stations.csv",
     "UTF-8 with BOM: the fastest rail time between the hub and every station",
     "hub_id station_id station_name station_name_en rail_minutes x y lon lat door_minutes "
     "reached_by"},
    {"hubs/*/isochrones.geojson",
     "RFC 7946 (EPSG:4326): per band one `within` feature (reached within `max_minutes`) and "
     "one `ring` feature (`min_minutes` < t <= `max_minutes`)",
     "hub_id hub_name kind min_minutes max_minutes area_km2 cells_km2 population"},
    {"hubs/*/reach.csv",
     "UTF-8 with BOM: one row per admin unit the hub reaches, at each level (county, "
     "prefecture, province; the levels count the same people: take totals per level; key "
     "`hub_id,level,code`); " PEOPLE_EVENLY,
     "hub_id level code name name_en prefecture_code province_code area_km2 reached_km2 "
     "area_share population pop_reached pop_share min_minutes mean_minutes_area "
     "mean_minutes_people other_province other_prefecture pop_unknown_units land_km2"},
    {"hubs/*/summary.csv", "UTF-8 with BOM: the hub's totals in one row",
     "hub_id hub_name province_code province_name prefecture_code prefecture_name budget_min "
     "area_km2 people_reached people_outside_province people_outside_prefecture "
     "share_outside_province mean_minutes_people counties_reached prefectures_reached "
     "provinces_reached pop_unknown_units_reached"},
    {"hubs/*/people_by_minute.csv",
     "UTF-8 with BOM: cumulative people and area reached within each whole minute",
     "hub_id minute people_within area_km2_within"},
    {"hubs/*/map*.png", "PNG map for publication", NULL},
    {"hubs/*/map*.svg", "SVG map for publication", NULL},
    {"hubs/*/map*.pdf", "PDF map for print", NULL},
    {"hubs/*/map*.pgw", "world file placing the PNG beside it in the analysis CRS", NULL},
    {"hubs/*/people_by_minute.png", "chart of the people within each minute of the hub "
                                    "(people_by_minute.csv), PNG",
     NULL},
    {"hubs/*/people_by_minute.svg", "the same chart as SVG (labels are <text>)", NULL},
    {"region/nearest_hub_time.tif",
     "GeoTIFF, one Float32 band, minutes from the nearest hub (to it with `--direction to`); "
     "nodata -9999; metadata ISOREACH_REGION_GRID names the whole grid",
     NULL},
    {"region/nearest_hub.tif",
     "GeoTIFF, one Int16 band: which hub is nearest, as a `value` of nearest_hub.csv; nodata -1",
     NULL},
    {"region/nearest_hub.csv", "UTF-8 with BOM: the lookup table of nearest_hub.tif",
     "value hub_id hub_name hub_name_en"},
    {"region/hubs_within.tif",
     "GeoTIFF, one UInt16 band: how many hubs reach the cell within the budget; 0 where none "
     "does; nodata 65535 outside the region",
     NULL},
    {"region/friction.tif",
     "GeoTIFF, one Float32 band (--write-friction): seconds per metre of local travel; nodata "
     "marks barriers",
     NULL},
    {"region/reach_matrix.csv",
     "UTF-8 with BOM: hub x prefecture, one row per pair with any reach",
     "hub_id hub_name hub_name_en prefecture_code prefecture_name prefecture_name_en "
     "province_code area_share pop_share reached_km2 pop_reached other_province "
     "other_prefecture pop_unknown_units"},
    {"region/hubs_summary.csv", "UTF-8 with BOM: summary.csv's row for every hub",
     "hub_id hub_name province_code province_name prefecture_code prefecture_name budget_min "
     "area_km2 people_reached people_outside_province people_outside_prefecture "
     "share_outside_province mean_minutes_people counties_reached prefectures_reached "
     "provinces_reached pop_unknown_units_reached"},
    {"region/units.geojson", "RFC 7946: every county, ready for a choropleth",
     "code name pref_code pref_name prov_code prov_name population area_km2 best_minutes "
     "area_share_any pop_share_any hubs_reaching pop_unknown land_km2 name_en pref_en prov_en "
     "counted_in share_<hub_id>"},
    {"region/summary.json",
     "each hub's totals ranked by `cross_border_share` (the share of the people reached who "
     "live outside the hub's province); null where a value is not known",
     NULL},
    {"region/provinces.geojson", "RFC 7946: the provinces, dissolved from the boundaries",
     "prov_code prov_name prov_en"},
    {"region/rail_lines.geojson", "RFC 7946: the rail lines as the network uses them",
     "id name name_zh speed_kmh headway minutes stops route_id route_short_name "
     "route_long_name route_type"},
    {"region/rail_stations.geojson", "RFC 7946: the rail stations", "id name name_en hub"},
    {"region/map_*.png", "PNG map of the region for publication", NULL},
    {"region/map_*.svg", "SVG map of the region for publication", NULL},
    {"region/map_*.pdf", "PDF map of the region for print", NULL},
    {"region/contact_sheet.*", "every hub's circle side by side at one scale", NULL},
    {"region/*.pgw", "world file placing the PNG beside it in the analysis CRS", NULL},
    {"scenarios/*/hubs/*/travel_time.tif", "the scenario's surface, as the baseline's", NULL},
    {"scenarios/*/hubs/*/diff.tif",
     "GeoTIFF, two Float32 bands (nodata -9999): band 1 scenario - baseline minutes where both "
     "reach (negative: faster); band 2 status 0 neither reaches, 1 both, 2 newly within the "
     "budget, 3 lost",
     NULL},
    {"scenarios/*/hubs/*/gains.csv",
     "UTF-8 with BOM: per unit at each level with a gain, loss or minutes saved",
     "hub_id level code name name_en prefecture_code province_code in_hub_prefecture "
     "in_hub_province pop_newly_within pop_lost pop_reached_both person_minutes_saved "
     "mean_minutes_saved"},
    {"scenarios/*/hubs/*/gains.geojson",
     "RFC 7946: the cells newly within the budget and those lost, as polygons",
     "hub_id scenario kind budget_min area_km2 cells_km2 population"},
    {"scenarios/*/hubs/*/map*", "map of the scenario's difference for publication", NULL},
    {"scenarios/*/gains_by_hub.csv", "UTF-8 with BOM: per hub, what the scenario changes",
     "hub_id hub_name reused pop_newly_within pop_newly_own_province pop_newly_other_provinces "
     "pop_newly_own_prefecture pop_newly_other_prefectures pop_lost pop_lost_own_province "
     "pop_lost_other_provinces pop_reached_both person_minutes_saved cells_newly_within "
     "cells_lost"},
    {"scenarios/*/gains_matrix.csv",
     "UTF-8 with BOM: hub x prefecture, people newly within the budget", "hub_id pref_<code>"},
    {"scenarios/*/scenario.json",
     "what the scenario applied (with its sources; its path relative to this folder), which "
     "hubs were searched and which reused, notes, seconds",
     NULL},
    {"*.qml", "QGIS style of the layer of the same name beside it", NULL},
    {"isoreach.qgs",
     "QGIS project (relative paths): every layer styled, and the print layout \"Hubs atlas\" "
     "(Project > Layouts; File > Export Atlas: one page per hub)",
     NULL},
    {"index.html", "the web map: open it in a browser, offline", NULL},
    {"webmap/*", "the web map's data and scripts", NULL},
    {"shards/*.json", "a shard's record (--shard K/N), read by isoreach merge", NULL},
    {"shards/*.part",
     "a shard's partial (binary, of this isoreach version): its hubs' tallies and the region "
     "accumulator tiles it made, which isoreach merge reduces; delete them once merged",
     NULL},
};

/* Every column and property, with its unit. */
static const char *const glossary[][2] = {
    {"hub_id", "the hub's station id"},
    {"hub_name", "the hub's name"},
    {"hub_name_en", "the hub's English name (empty when the input has none)"},
    {"station_id", "station id"},
    {"station_name", "station name"},
    {"station_name_en", "station's English name (empty when the input has none)"},
    {"rail_minutes", "minutes by rail between the hub and the station, boarding wait included; "
                     "empty where no train reaches (with a GTFS timetable, also past the "
                     "budget)"},
    {"x", "metres, analysis CRS"},
    {"y", "metres, analysis CRS"},
    {"lon", "degrees, WGS 84"},
    {"lat", "degrees, WGS 84"},
    {"door_minutes", "door-to-door minutes at the station's cell (empty beyond the budget)"},
    {"reached_by", "`rail` when the train is the fastest way there, `local` when local travel "
                   "is faster, empty when not reached"},
    {"kind", "`within` (everything within `max_minutes`) or `ring` (one band); in gains: "
             "`newly_within` or `lost`"},
    {"min_minutes", "minutes: the band's lower limit; in reach.csv the fastest time to the unit"},
    {"max_minutes", "minutes: the band's upper limit"},
    {"area_km2", "km²: in the tables (reach.csv, summary.csv, summary.json, units.geojson) "
                 "counted in grid cells (a cell is a unit's when its centre lies in it), so it "
                 "follows --resolution and is not the polygon's area; in isochrones.geojson "
                 "the polygon's area, measured in the analysis CRS"},
    {"cells_km2", "km² of the raster cells before cleaning the polygons"},
    {"population", "people (whole numbers; null or empty when unknown)"},
    {"level", "`county`, `prefecture` or `province`"},
    {"code", "the admin unit's code"},
    {"name", "name (of the unit, line or station)"},
    {"name_en", "English name (empty when the input has none)"},
    {"name_zh", "Chinese name"},
    {"prefecture_code", "the prefecture's code"},
    {"prefecture_name", "the prefecture's name"},
    {"prefecture_name_en", "the prefecture's English name"},
    {"province_code", "the province's code"},
    {"province_name", "the province's name"},
    {"reached_km2", "km² of land reached within the budget"},
    {"area_share", "share (0-1) of the unit's land reached"},
    {"pop_reached", "people reached"},
    {"pop_share", "share (0-1) of the unit's people reached"},
    {"mean_minutes_area", "minutes: the mean over the cells reached"},
    {"mean_minutes_people", "minutes: the mean over the people reached"},
    {"other_province", "1: the unit lies in another province than the hub's"},
    {"other_prefecture", "1: the unit lies in another prefecture than the hub's"},
    {"pop_unknown_units", "count of units in the row whose population is unknown"},
    {"land_km2", "km²: area less water"},
    {"budget_min", "minutes: the time budget"},
    {"people_reached", "people reached within the budget"},
    {"people_outside_province", "people reached outside the hub's province"},
    {"people_outside_prefecture", "people reached outside the hub's prefecture"},
    {"share_outside_province", "share (0-1) of the people reached outside the hub's province"},
    {"counties_reached", "count"},
    {"prefectures_reached", "count"},
    {"provinces_reached", "count"},
    {"pop_unknown_units_reached", "count of reached units whose population is unknown"},
    {"minute", "minutes from the hub (0 to the budget)"},
    {"people_within", "people reached within that many minutes (cumulative)"},
    {"area_km2_within", "km² reached within that many minutes (cumulative)"},
    {"value", "the pixel value of nearest_hub.tif"},
    {"pref_code", "the prefecture's code"},
    {"pref_name", "the prefecture's name"},
    {"pref_en", "the prefecture's English name"},
    {"prov_code", "the province's code"},
    {"prov_name", "the province's name"},
    {"prov_en", "the province's English name"},
    {"best_minutes", "minutes: the fastest time from any hub"},
    {"area_share_any", "share (0-1) of the land reached by at least one hub"},
    {"pop_share_any", "share (0-1) of the people reached by at least one hub"},
    {"hubs_reaching", "count of hubs reaching the county"},
    {"pop_unknown", "1: the population is unknown"},
    {"counted_in", "the county that counts the people and area of a unit with no cell of its "
                   "own (smaller than a cell, or covered by another unit): the unit of the cell "
                   "at its interior point; null for every other unit"},
    {"share_<hub_id>", "share (0-1) of the county's people that hub reaches, one per hub"},
    {"id", "id (of the line or station)"},
    {"speed_kmh", "km/h"},
    {"headway", "minutes between trains"},
    {"minutes", "minutes of the whole run, when the input gives them"},
    {"stops", "the stops in order"},
    {"hub", "1: the station is a hub"},
    {"route_id", "GTFS mode: the feed's route id"},
    {"route_short_name", "GTFS mode: the route's short name"},
    {"route_long_name", "GTFS mode: the route's long name"},
    {"route_type", "GTFS mode: the route type (2 rail, 100-117 extended rail types)"},
    {"in_hub_prefecture", "1: the unit lies in the hub's own prefecture"},
    {"in_hub_province", "1: the unit lies in the hub's own province"},
    {"pop_newly_within", "people newly within the budget"},
    {"pop_lost", "people no longer within the budget"},
    {"pop_reached_both", "people reached in both baseline and scenario"},
    {"person_minutes_saved", "person-minutes saved over the people reached in both"},
    {"mean_minutes_saved", "minutes saved per person reached in both"},
    {"scenario", "the scenario's name"},
    {"reused", "1: the scenario leaves the hub as it is"},
    {"pop_newly_own_province", "people newly within, in the hub's province"},
    {"pop_newly_other_provinces", "people newly within, in other provinces"},
    {"pop_newly_own_prefecture", "people newly within, in the hub's prefecture"},
    {"pop_newly_other_prefectures", "people newly within, in other prefectures"},
    {"pop_lost_own_province", "people lost, in the hub's province"},
    {"pop_lost_other_provinces", "people lost, in other provinces"},
    {"cells_newly_within", "count of cells"},
    {"cells_lost", "count of cells"},
    {"pref_<code>", "people newly within the budget in that prefecture, one per prefecture"},
};

static const char *meaning(const char *name)
{
    for (size_t i = 0; i < sizeof glossary / sizeof *glossary; i++)
        if (strcmp(glossary[i][0], name) == 0)
            return glossary[i][1];
    return "(not described)";
}

/* ---- the folder ------------------------------------------------------------------------ */

typedef struct file_list {
    char **v;
    int n, cap;
} file_list;

static int add_file(file_list *l, const char *rel)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        char **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v, l->cap = cap;
    }
    return (l->v[l->n] = strdup(rel)) ? (l->n++, 0) : -1;
}

/* The files under out/rel (depth 6 at most), hidden ones (the lock, temporaries) left out. */
static int walk(const char *out, const char *rel, int depth, file_list *l)
{
    char *dir = *rel ? isr_strdup_printf("%s/%s", out, rel) : strdup(out);
    DIR *d = dir ? opendir(dir) : NULL;
    int rc = dir ? 0 : -1;
    struct dirent *e;
    while (d && rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *r = *rel ? isr_strdup_printf("%s/%s", rel, e->d_name) : strdup(e->d_name);
        char *p = r ? isr_strdup_printf("%s/%s", out, r) : NULL;
        struct stat sb;
        if (!p)
            rc = -1;
        else if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode) && depth < 6)
            rc = walk(out, r, depth + 1, l);
        else if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode))
            rc = add_file(l, r);
        free(p);
        free(r);
    }
    if (d)
        closedir(d);
    free(dir);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the text ---------------------------------------------------------------------------- */

static const char *jstr(json_object *o, const char *k1, const char *k2)
{
    json_object *a = NULL, *b = NULL;
    if (!json_object_object_get_ex(o, k1, &a))
        return NULL;
    if (!k2)
        return a ? json_object_get_string(a) : NULL;
    return json_object_object_get_ex(a, k2, &b) && b ? json_object_get_string(b) : NULL;
}

static const char *base_name(const char *p)
{
    const char *s = p && !isr_is_url(p) ? strrchr(p, '/') : NULL;
    return s ? s + 1 : p;
}

/* "CRS name" of a WKT2 or WKT1: the first quoted string. */
static void crs_name(const char *wkt, char *buf, size_t n)
{
    const char *q = wkt ? strchr(wkt, '"') : NULL, *e = q ? strchr(q + 1, '"') : NULL;
    isr_snprintf(buf, n, "%.*s", e ? (int)(e - q - 1) : 7, e ? q + 1 : "unknown");
}

/* The numbers of object `o` as people write them (60, not 60.0; lists as "15, 30"). */
static void numbers_as_text(json_object *o)
{
    json_object_object_foreach(o, key, val) {
        char t[400] = "";
        if (json_object_is_type(val, json_type_double) || json_object_is_type(val, json_type_int))
            isr_snprintf(t, sizeof t, "%g", json_object_get_double(val));
        for (size_t i = 0; json_object_is_type(val, json_type_array) &&
                           i < json_object_array_length(val) && strlen(t) < 360; i++)
            isr_snprintf(t + strlen(t), sizeof t - strlen(t), "%s%g", i ? ", " : "",
                         json_object_get_double(json_object_array_get_idx(val, i)));
        if (*t)
            json_object_object_add(o, key, json_object_new_string(t));
    }
}

/* The feeds of a GTFS run (run.json's options "--gtfs", a non-empty array), or NULL. */
static json_object *gtfs_feeds(json_object *opt)
{
    json_object *v = NULL;
    return opt && json_object_object_get_ex(opt, "--gtfs", &v) &&
                   json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0
               ? v
               : NULL;
}

static void settings_md(isr_sb *b, json_object *run)
{
    json_object *opt = NULL, *hubs = NULL, *par = NULL, *v = NULL;
    json_object_object_get_ex(run, "options", &opt);
    json_object_object_get_ex(run, "parameters", &par);
    numbers_as_text(par);
    char crs[200];
    crs_name(jstr(run, "grid", "crs_wkt"), crs, sizeof crs);
    isr_sb_printf(b, "## This run\n\n");
    isr_sb_printf(b, "- written by %s\n", jstr(run, "isoreach", NULL) ? jstr(run, "isoreach", NULL)
                                                                       : "isoreach");
    isr_sb_printf(b, "- time budget: %s min; bands: %s min; direction: %s the hubs\n",
                  jstr(par, "budget_min", NULL) ? jstr(par, "budget_min", NULL) : "?",
                  jstr(par, "bands_min", NULL) ? jstr(par, "bands_min", NULL) : "?",
                  jstr(opt, "--direction", NULL) && strcmp(jstr(opt, "--direction", NULL),
                                                           "to") == 0 ? "to" : "from");
    isr_sb_printf(b, "- resolution: %s m; analysis CRS: %s\n",
                  jstr(par, "resolution_m", NULL) ? jstr(par, "resolution_m", NULL) : "?", crs);
    if (jstr(opt, "--friction", NULL))
        isr_sb_printf(b, "- local travel: the friction raster %s\n",
                      base_name(jstr(opt, "--friction", NULL)));
    else
        isr_sb_printf(b, "- local travel (--access %s): %s km/h along the straight line "
                         "divided by a detour factor of %s\n",
                      jstr(opt, "--access", NULL) ? jstr(opt, "--access", NULL) : "?",
                      jstr(par, "egress_speed_kmh", NULL) ? jstr(par, "egress_speed_kmh", NULL)
                                                          : "?",
                      jstr(par, "detour", NULL) ? jstr(par, "detour", NULL) : "?");
    if (gtfs_feeds(opt))
        isr_sb_printf(b, "- rail: the GTFS timetable of %s, %s %s%s, percentile %s; a change "
                         "within a station %s min (between stations within %s m, their walk "
                         "and that)\n",
                      jstr(opt, "--date", NULL) ? jstr(opt, "--date", NULL) : "?",
                      jstr(opt, "--window", NULL) ? "departures over" : "departing",
                      jstr(opt, "--window", NULL)      ? jstr(opt, "--window", NULL)
                      : jstr(opt, "--departure", NULL) ? jstr(opt, "--departure", NULL)
                                                       : "?",
                      jstr(opt, "--window", NULL) ? " (its end excluded)" : "",
                      jstr(opt, "--percentile", NULL) ? jstr(opt, "--percentile", NULL) : "?",
                      jstr(par, "transfer_min", NULL) ? jstr(par, "transfer_min", NULL) : "?",
                      jstr(par, "transfer_radius_m", NULL) ? jstr(par, "transfer_radius_m", NULL)
                                                           : "?");
    else
        isr_sb_printf(b, "- rail: wait %s; dwell %s min at intermediate stops; a change of "
                         "train %s min (stations within %s m)\n",
                      jstr(par, "wait", NULL) && strcmp(jstr(par, "wait", NULL), "none") == 0
                          ? "none (--wait none)"
                          : "half the headway to board",
                      jstr(par, "dwell_min", NULL) ? jstr(par, "dwell_min", NULL) : "?",
                      jstr(par, "transfer_min", NULL) ? jstr(par, "transfer_min", NULL) : "?",
                      jstr(par, "transfer_radius_m", NULL) ? jstr(par, "transfer_radius_m", NULL)
                                                           : "?");
    int nh = json_object_object_get_ex(run, "hubs", &hubs) ? (int)json_object_array_length(hubs)
                                                           : 0;
    isr_sb_printf(b, "- hubs: %d; language of labels (--lang): %s\n", nh,
                  jstr(opt, "--lang", NULL) ? jstr(opt, "--lang", NULL) : "en");
    isr_sb_printf(b, "- people: %s\n",
                  jstr(opt, "--population", NULL)
                      ? "from the population raster (--population)"
                      : "the boundaries' population spread evenly over each unit's land cells");
    isr_sb_printf(b, "- inputs (file names):");
    static const char *const in[] = {"--boundaries", "--stations", "--lines", "--water",
                                     "--roads", "--transfers", "--friction", "--population",
                                     "--road-classes"};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        if (jstr(opt, in[i], NULL) && strcmp(jstr(opt, in[i], NULL), "none") != 0)
            isr_sb_printf(b, " %s %s;", in[i] + 2, base_name(jstr(opt, in[i], NULL)));
    if ((v = gtfs_feeds(opt)) != NULL)
        for (size_t i = 0; i < json_object_array_length(v); i++)
            isr_sb_printf(b, " GTFS %s;",
                          base_name(json_object_get_string(json_object_array_get_idx(v, i))));
    isr_sb_printf(b, "\n\n");
}

static const char assumptions_head[] = "## The model's assumptions\n\n";
static const char assumptions_lines[] =
    "- A trip starts at the hub (ends there with `--direction to`). By rail it waits half the "
    "headway to board (`--wait`), rides at the line's speed or given minutes, dwells at "
    "intermediate stops and changes trains at a cost (see This run).\n";
static const char assumptions_gtfs[] =
    "- A trip starts at the hub (ends there with `--direction to`). By rail it takes the "
    "trains of the GTFS timetable as they run on the day, waiting at the hub for the next one "
    "it can catch; its time is a percentile over the departures of the window (see This "
    "run), in whole minutes rounded up.\n";
static const char assumptions[] =
    "- From every station reached, and from the hub itself, local travel (walk, bus or car, a "
    "speed with a detour factor, or a friction surface) fills the time that is left; a cell's "
    "time is the fastest over all such paths.\n"
    "- Water (`--water`) is impassable for local travel and holds no people, except where "
    "roads or crossings (`--roads`) cross it.\n"
    "- People are spread evenly over each unit's land cells unless `--population` gives a "
    "raster, so within one county the share of people equals the share of land.\n"
    "- The tables' areas are counted in grid cells of the analysis CRS (run.json names it; "
    "without --crs it is an equal-area one fitted to the boundaries): a cell is a unit's when "
    "its centre lies in it, so a unit's area follows --resolution and can differ from its "
    "polygon's (for a density, divide by the polygon's area, from units.geojson). The "
    "isochrones' area_km2 is their polygon's area in that CRS. GeoJSON is in EPSG:4326.\n";
static const char sample_note[] =
    "- The embedded Yangtze River Delta sample (yrd_*) is authored for demonstration: its "
    "lines, speeds, headways and populations are approximations, not an official timetable.\n";

/* The kind of `rel` (index), or -1. */
static int kind_of(const char *rel)
{
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        if (fnmatch(kinds[k].pattern, rel, kinds[k].pattern[0] == '*' ? 0 : FNM_PATHNAME) == 0)
            return (int)k;
    return -1;
}

/* The rail layers of a run on lines (not GTFS, whose layers isoreach writes with the
 * properties kinds[] lists) are copies of the input layers, with their own field names:
 * each is described by the role the run's options gave it, else as copied. */
static const char *const rail_roles[][3] = {
    {"rail_stations", "--station-id", "the station's id (--station-id)"},
    {"rail_stations", "--station-name", "the station's name (--station-name)"},
    {"rail_stations", "--station-name-en", "the station's English name (--station-name-en)"},
    {"rail_stations", "--hub-field", "non-zero for a hub (--hub-field)"},
    {"rail_lines", "--line-name", "the line's name (--line-name)"},
    {"rail_lines", "--line-speed", "the line's speed, km/h (--line-speed)"},
    {"rail_lines", "--line-headway", "minutes between trains (--line-headway)"},
    {"rail_lines", "--line-headway-back",
     "minutes between trains against the stop order (--line-headway-back)"},
    {"rail_lines", "--line-minutes", "run minutes between consecutive stops (--line-minutes)"},
    {"rail_lines", "--line-stops", "the stations a service calls at (--line-stops)"},
};

static const char *rail_meaning(json_object *run, const char *layer, const char *field)
{
    json_object *opt = NULL;
    json_object_object_get_ex(run, "options", &opt);
    /* isr_vector_export adds it to the stations: a copy of --station-name-en */
    if (strcmp(layer, "rail_stations") == 0 && strcmp(field, "name_en") == 0)
        return "the station's English name, copied from --station-name-en (blank where the "
               "input has none)";
    for (size_t i = 0; i < sizeof rail_roles / sizeof *rail_roles; i++) {
        json_object *v = NULL;
        if (strcmp(rail_roles[i][0], layer) == 0 &&
            json_object_object_get_ex(opt, rail_roles[i][1], &v) &&
            json_object_is_type(v, json_type_string) &&
            strcasecmp(json_object_get_string(v), field) == 0) /* as OGR matches fields */
            return rail_roles[i][2];
    }
    if (strcmp(layer, "rail_lines") == 0 && strcasecmp(field, "id") == 0)
        return "the line's id, which scenarios name";
    return "copied from the input layer as it is";
}

/* Whether the run read a GTFS timetable (its rail layers are isoreach's, not copies). */
static int run_gtfs(json_object *run)
{
    json_object *opt = NULL, *gtfs = NULL;
    return json_object_object_get_ex(run, "options", &opt) &&
           json_object_object_get_ex(opt, "--gtfs", &gtfs) && gtfs;
}

/* Whether OUT/rel is one of the rail layers, described by the fields its file holds. */
static const char *rail_copy(json_object *run, const char *rel)
{
    if (!run)
        return NULL;
    return strcmp(rel, "region/rail_lines.geojson") == 0      ? "rail_lines"
           : strcmp(rel, "region/rail_stations.geojson") == 0 ? "rail_stations"
                                                               : NULL;
}

/* `name` as a Markdown code span that shows it whole (a backtick or a space at an end in a
 * field's name broke it). */
static void code_span(isr_sb *b, const char *name)
{
    size_t n = strlen(name);
    int odd = strchr(name, '`') || (n && (name[0] == ' ' || name[n - 1] == ' '));
    isr_sb_printf(b, odd ? "`` %s ``" : "`%s`", name);
}

/* The properties of a copied rail layer, as its file holds them; 0 when it cannot be read
 * (then described by kinds[]). */
static int rail_props_md(isr_sb *b, json_object *run, const char *out, const char *rel,
                         const char *layer)
{
    char *path = isr_strdup_printf("%s/%s", out, rel);
    GDALDatasetH ds = path ? GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL,
                                        NULL)
                           : NULL;
    free(path);
    OGRLayerH lyr = ds ? GDALDatasetGetLayer(ds, 0) : NULL;
    if (!lyr) {
        if (ds)
            GDALClose(ds);
        return 0;
    }
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    int gtfs = run_gtfs(run);
    for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
        const char *name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
        isr_sb_printf(b, "%s- ", i          ? ""
                                 : gtfs     ? "\nProperties:\n\n"
                                            : "\nProperties (the input layer's):\n\n");
        code_span(b, name);
        isr_sb_printf(b, ": %s\n", gtfs ? meaning(name) : rail_meaning(run, layer, name));
    }
    GDALClose(ds);
    return 1;
}

static void files_md(isr_sb *b, const file_list *l, json_object *run, const char *out)
{
    isr_sb_printf(b, "## Files\n\nEvery file in this folder, by kind (`*`: a hub's station id, "
                     "a scenario's name).\n\n");
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        int n = 0;
        const char *first = NULL;
        for (int i = 0; i < l->n; i++)
            if (kind_of(l->v[i]) == (int)k && n++ == 0)
                first = l->v[i];
        if (!n)
            continue;
        isr_sb_printf(b, "### `%s`\n\n%s", kinds[k].pattern, kinds[k].what);
        if (n == 1)
            isr_sb_printf(b, " (`%s`).\n", first);
        else
            isr_sb_printf(b, " (%d files).\n", n);
        const char *layer = n == 1 ? rail_copy(run, first) : NULL;
        for (const char *c = layer && rail_props_md(b, run, out, first, layer) ? NULL
                                                                                : kinds[k].cols;
             c && *c;) {
            size_t len = strcspn(c, " ");
            char name[64];
            isr_snprintf(name, sizeof name, "%.*s", (int)len, c);
            if (c == kinds[k].cols)
                isr_sb_printf(b, "\n%s:\n\n", strstr(kinds[k].pattern, ".geojson")
                                                  ? "Properties"
                                                  : "Columns");
            isr_sb_printf(b, "- `%s`: %s\n", name, meaning(name));
            c += len;
            c += *c == ' ';
        }
        isr_sb_printf(b, "\n");
    }
    int unknown = 0;
    for (int i = 0; i < l->n; i++)
        if (kind_of(l->v[i]) < 0)
            isr_sb_printf(b, "%s- `%s`: not written by isoreach (unknown file)\n",
                          unknown++ ? "" : "### Other files\n\n", l->v[i]);
}

/* The assumptions of the run's mode (lines or a GTFS timetable), with the note on the
 * sample's data when the run read any of it (a file named yrd_*). */
static void assumptions_md(isr_sb *b, json_object *run)
{
    json_object *opt = NULL;
    if (run)
        json_object_object_get_ex(run, "options", &opt);
    json_object *feeds = gtfs_feeds(opt);
    int gtfs = feeds != NULL, sample = 0;
    static const char *const in[] = {"--boundaries", "--stations", "--lines"};
    for (size_t i = 0; opt && i < sizeof in / sizeof *in; i++)
        sample |= jstr(opt, in[i], NULL) && strncmp(base_name(jstr(opt, in[i], NULL)), "yrd_", 4) == 0;
    for (size_t i = 0; gtfs && i < json_object_array_length(feeds); i++) {
        const char *f = json_object_get_string(json_object_array_get_idx(feeds, i));
        sample |= f && strncmp(base_name(f), "yrd_", 4) == 0;
    }
    isr_sb_printf(b, "%s%s%s%s\n", assumptions_head, gtfs ? assumptions_gtfs : assumptions_lines,
                  assumptions, sample ? sample_note : "");
}

isr_status isr_out_readme_write(isr_ctx *ctx, const char *out)
{
    file_list l = {0};
    isr_sb b = {0};
    char *runp = isr_strdup_printf("%s/run.json", out);
    char *path = isr_strdup_printf("%s/README.md", out);
    json_object *run = runp ? json_object_from_file(runp) : NULL;
    isr_status st = ISR_OK;
    if (!runp || !path || walk(out, "", 0, &l) != 0) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory listing '%s'", out);
        goto cleanup;
    }
    if (add_file(&l, "README.md") != 0) { /* itself, before it is there */
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    qsort(l.v, (size_t)l.n, sizeof *l.v, cmp_str);
    for (int i = 1; i < l.n; i++) /* README.md listed twice when rewritten */
        if (strcmp(l.v[i], l.v[i - 1]) == 0) {
            free(l.v[i]);
            memmove(&l.v[i], &l.v[i + 1], (size_t)(l.n - i - 1) * sizeof *l.v);
            l.n--, i--;
        }
    isr_sb_printf(&b, "# isoreach output\n\nRail + local travel commuting circles: for every "
                      "hub, the door-to-door travel time to every place of the region, the "
                      "isochrones and the people reached per admin unit. Tables are UTF-8 (with "
                      "a byte order mark for Excel) with '.' decimals; times in minutes, areas "
                      "in km², shares from 0 to 1.\n\n");
    if (run)
        settings_md(&b, run);
    assumptions_md(&b, run);
    files_md(&b, &l, run, out);
    char *text = isr_sb_take(&b);
    st = text ? isr_write_text(ctx, path, text, strlen(text))
              : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    free(text);
cleanup:
    for (int i = 0; i < l.n; i++)
        free(l.v[i]);
    free(l.v);
    json_object_put(run);
    free(runp);
    free(path);
    return st;
}
