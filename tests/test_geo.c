/* Criterion suite: geography on anyone's data. Each case builds a small region of its own
 * (GeoJSON text written here, turned into a GeoPackage or raster with ogr2ogr and
 * gdal_translate: nothing from the sample), runs the `isoreach` command and checks what a
 * user sees: exact messages, run.json figures and travel times computed by hand.
 *  - friction rasters that do not cover the region, or hold 0 (issue 10 §4);
 *  - the scale distortion of the analysis CRS, and a region across the 180° meridian (§7):
 *    its grid, rail times and web map;
 *  - hubs outside the boundary polygons, or off the grid (§10). */
#include <criterion/criterion.h>
#include <gdal.h>
#include <ogr_api.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_support.h"

static void tmp_make(void) { cli_tmp_make("isr-geo"); }

TestSuite(geo, .init = tmp_make, .fini = cli_tmp_remove, .timeout = 120);

/* `isoreach run` on the fixtures b.gpkg, st.geojson, ln.geojson in cli_tmp, into cli_tmp/o. */
static int run(const char *fmt, ...)
{
    char args[2000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return cli_sh("cd '%s' && %s run -q --no-maps --out o --boundaries b.gpkg --stations "
                  "st.geojson --lines ln.geojson --resolution 1000 --threads 1 %s",
                  cli_tmp, ISR_CLI, args);
}

/* The exit status and the whole of stderr ("isoreach: WANT\n"). */
static void refused_with(int rc, const char *want)
{
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "exit status %d, stderr: %s", rc, e);
    char line[3000];
    snprintf(line, sizeof line, "isoreach: %s\n", want);
    cr_assert_str_eq(e, line);
    free(e);
}

/* refused_with, and no output folder left. */
static void refused(int rc, const char *want)
{
    refused_with(rc, want);
    cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "the output folder was left behind");
}

static json_object *run_json(void)
{
    char p[300];
    snprintf(p, sizeof p, "%s/o/run.json", cli_tmp);
    json_object *root = json_object_from_file(p);
    cr_assert_not_null(root, "no %s", p);
    return root;
}

/* The value of a raster at (x, y) in its CRS. */
static double raster_at(const char *path, double x, double y)
{
    cr_assert_eq(cli_sh("gdallocationinfo -valonly -geoloc '%s/%s' %.3f %.3f", cli_tmp, path, x, y),
                 0);
    char p[300];
    snprintf(p, sizeof p, "%s/stdout.txt", cli_tmp);
    char *s = cli_slurp(p);
    double v = atof(s);
    free(s);
    return v;
}

#define UTM33 "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32633\"}},"
#define BOX(x0, y0, x1, y1)                                                                   \
    "{\"type\":\"Polygon\",\"coordinates\":[[[" #x0 "," #y0 "],[" #x1 "," #y0 "],[" #x1 "," #y1 \
    "],[" #x0 "," #y1 "],[" #x0 "," #y0 "]]]}"
#define UNIT(code, prov, pop, geom)                                                           \
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"" code "\",\"name\":\"unit " code         \
    "\",\"pref_code\":\"" code "\",\"pref_name\":\"pref " code "\",\"prov_code\":\"" prov      \
    "\",\"prov_name\":\"prov " prov "\",\"pop\":" #pop "},\"geometry\":" geom "}"
#define STATION(id, hub, x, y)                                                                \
    "{\"type\":\"Feature\",\"properties\":{\"id\":\"" id "\",\"name\":\"" id "\",\"hub\":" #hub \
    "},\"geometry\":{\"type\":\"Point\",\"coordinates\":[" #x "," #y "]}}"
#define LINE(id, speed, headway, x0, y0, x1, y1)                                              \
    "{\"type\":\"Feature\",\"properties\":{\"id\":\"" id "\",\"name\":\"" id                   \
    "\",\"speed_kmh\":" #speed ",\"headway\":" #headway "},\"geometry\":{\"type\":"            \
    "\"LineString\",\"coordinates\":[[" #x0 "," #y0 "],[" #x1 "," #y1 "]]}}"
#define FC(crs, ...) "{\"type\":\"FeatureCollection\"," crs "\"features\":[" __VA_ARGS__ "]}"

/* The hub at (500.5, 5505.5) km in UTM zone 33N and a line of 8 km to s2 (st.geojson,
 * ln.geojson): the network of utm_region's units. */
static void utm_network(void)
{
    cli_put("st.geojson", FC(UTM33, STATION("hub", 1, 500500, 5505500) ","
                                STATION("s2", 0, 508500, 5505500)));
    cli_put("ln.geojson", FC(UTM33, LINE("l1", 80, 10, 500500, 5505500, 508500, 5505500)));
}

/* Two 10 km square units side by side in UTM zone 33N (central Europe at 49.7°N, 15°E):
 * unit a (province p1) at x 500–510 km, unit b (province p2) at 510–520 km, y 5500–5510 km.
 * The hub at (500.5, 5505.5) km, a cell centre at 1000 m; a line to s2 at (508.5, 5505.5). */
static void utm_region(void)
{
    cli_put("b.geojson", FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5510000)) ","
                               UNIT("b", "p2", 2000, BOX(510000, 5500000, 520000, 5510000))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    utm_network();
}

/* A 10 × 10 friction raster of 1000 m pixels over unit a only, 0.1 s/m everywhere (36 km/h)
 * but `zero_at` (row-major index, -1 none), which holds 0. */
static void half_friction(int zero_at)
{
    char grid[1200] = "";
    for (int i = 0; i < 100; i++)
        strcat(grid, i == zero_at ? "0 " : (i % 10 == 9 ? "0.1\n" : "0.1 "));
    cli_put("f.asc", "ncols 10\nnrows 10\nxllcorner 500000\nyllcorner 5500000\ncellsize 1000\n%s",
        grid);
    cli_sh_ok("rm -f f.tif && gdal_translate -q -a_srs EPSG:32633 f.asc f.tif");
}

/* ---- friction coverage (§4) --------------------------------------------------------------- */

/* f.tif: two 10 km pixels over the region (x 500–520 km) holding `values` ("20 20"). */
static void friction_pair(const char *values)
{
    cli_put("f.asc", "ncols 2\nnrows 1\nxllcorner 500000\nyllcorner 5500000\ncellsize 10000\n"
                     "%s\n",
            values);
    cli_sh_ok("rm -f f.tif && gdal_translate -q -a_srs EPSG:32633 f.asc f.tif");
}

/* A friction raster in km/h (20 everywhere, read as 20 s/m: 0.18 km/h) ran with an empty
 * reach and no word; its typical value is said with the speed it means and the fix. */
Test(geo, friction_in_other_units_is_said)
{
    utm_region();
    friction_pair("20 20");
    int rc = run("--crs EPSG:32633 --hubs hub --budget 30 --friction f.tif");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(e, "isoreach: warning: friction raster 'f.tif': its typical value, 20, means "
                        "a local speed of 0.18 km/h (the median over the land it covers), slower "
                        "than walking: friction is seconds per metre (5 km/h is 0.72, 20 km/h "
                        "0.18); a raster of minutes a kilometre (20 min/km is 3 km/h) or of km/h "
                        "would give this; convert it, minutes a kilometre: gdal_calc.py -A "
                        "'f.tif' --calc 'A*0.06' --outfile friction_s_per_m.tif; km/h: --calc "
                        "'3.6/A'\n");
    free(e);
    /* minutes a kilometre at 60 km/h (1 min/km), read as 1 s/m: 3.6 km/h, which the bound
     * of 1 km/h let through (a helper's run: K1 reached 40 km² of 580) */
    friction_pair("1 1");
    rc = run("--crs EPSG:32633 --hubs hub --budget 30 --friction f.tif --overwrite");
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "its typical value, 1, means a local speed of 3.6 km/h (the median over "
                        "the land it covers), slower than walking") &&
                  strstr(e, "(1 min/km is 60 km/h)"),
              "%s", e);
    free(e);
    /* walking pace, 0.72 s/m (5 km/h): no word */
    friction_pair("0.72 0.72");
    rc = run("--crs EPSG:32633 --hubs hub --budget 30 --friction f.tif --overwrite");
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(e, "");
    free(e);
}

/* A friction raster of another place (here: 100 km east of the region) gave a warning that
 * it covers 0.0 % and a run that reached nothing (exit 0); refused, as a population raster
 * is. */
Test(geo, friction_raster_of_another_place_is_refused)
{
    utm_region();
    cli_put("f.asc", "ncols 2\nnrows 1\nxllcorner 600000\nyllcorner 5500000\ncellsize 10000\n"
                     "0.1 0.1\n");
    cli_sh_ok("gdal_translate -q -a_srs EPSG:32633 f.asc f.tif");
    int rc = run("--crs EPSG:32633 --hubs hub --budget 30 --friction f.tif");
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert_str_eq(e, "isoreach: friction raster 'f.tif' has no value on any land cell of the "
                        "region (it lies wholly outside them): every cell would be impassable "
                        "and no hub would reach anything. Is it the raster of this region, in "
                        "the CRS it says it is in? (gdalinfo shows its extent; isoreach info "
                        "the boundaries')\n");
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "a refused run left its folder");
}

/* --simplify over a cell was cut to a cell in silence, the value given recorded: said. */
Test(geo, simplify_over_a_cell_is_said)
{
    utm_region();
    int rc = run("--crs EPSG:32633 --hubs hub --budget 30 --simplify 1500");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(e, "isoreach: warning: --simplify 1500 m is more than a cell (--resolution "
                        "1000 m): an isochrone's edges move by a cell at most, so 1000 m is "
                        "used\n");
    free(e);
}

Test(geo, friction_raster_covering_half_the_region)
{
    utm_region();
    half_friction(-1);
    int rc = run("--crs EPSG:32633 --hubs hub --budget 30 --friction f.tif");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    /* unit b (100 cells of 1 km²) is beyond the raster: impassable, said once */
    cr_assert_str_eq(e, "isoreach: warning: friction raster 'f.tif' covers 50.0 % of the region's "
                        "land cells; the other 100 cells (100.0 km²) are treated as impassable\n");
    free(e);
    json_object *root = run_json();
    json_object *hub = json_object_array_get_idx(json_object_object_get(root, "hubs"), 0);
    /* every cell of a (the farthest, 9 km east and 5 km south, is 10.3 km at 36 km/h: 17.2
     * min < 30) and none of b; before the fix b's cells held 0 s/m and were all reached */
    cr_assert_eq(json_object_get_int(json_object_object_get(hub, "cells_reached")), 100);
    cr_assert_eq(json_object_get_int64(json_object_object_get(
                     json_object_object_get(root, "inputs"), "friction_uncovered_cells")),
                 100);
    json_object_put(root);
    /* one cell east of the hub: 1000 m × 0.1 s/m = 100 s = 1.667 min; two: 3.333 min */
    double t1 = raster_at("o/hubs/hub/travel_time.tif", 501500, 5505500);
    double t2 = raster_at("o/hubs/hub/travel_time.tif", 502500, 5505500);
    cr_assert(fabs(t1 - 100.0 / 60) < 1e-4, "%f", t1);
    cr_assert(fabs(t2 - 200.0 / 60) < 1e-4, "%f", t2);
    /* a cell of b is reached by no hub */
    cr_assert_eq(raster_at("o/region/nearest_hub_time.tif", 510500, 5505500), -9999);
}

/* Degrees under a projected CRS (a .prj of UTM 33N over lon/lat coordinates) are refused
 * with the fix: before, the units sat a few hundred metres from UTM's origin and the run
 * failed with "hub 'hub' lies 5,800 km outside the region's grid". Stations in lon/lat. */
Test(geo, degrees_under_a_projected_crs_are_refused)
{
    utm_region();
    cli_put("b.geojson", FC(UTM33, UNIT("a", "p1", 1000, BOX(16.0, 48.0, 16.5, 48.5)) ","
                               UNIT("b", "p2", 2000, BOX(16.5, 48.0, 17.0, 48.5))));
    cli_sh_ok("rm -f b.gpkg && ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    int rc = run("--hubs hub");
    refused(rc, "boundaries 'b.gpkg' layer 'units': its CRS 'WGS 84 / UTM zone 33N' is "
                "projected, but every coordinate lies within ±180, ±90 (x 16 to 17, y 48 to "
                "48.5), as longitudes and latitudes do: the CRS (a shapefile's .prj) is likely "
                "wrong. If they are degrees, assign WGS 84: ogr2ogr -a_srs EPSG:4326 fixed.gpkg "
                "INPUT");
}

/* A vertex that is no coordinate (NaN) is named with its feature: before, "feature 1 cannot
 * be transformed to the analysis CRS (outside the CRS's area of use?)". */
Test(geo, a_vertex_that_is_no_number_is_named)
{
    utm_region();
    cli_put("b.geojson",
            FC(UTM33, UNIT("a", "p1", 1000, "{\"type\":\"Polygon\",\"coordinates\":[[[500000,"
                                            "5500000],[NaN,5500000],[510000,5510000],[500000,"
                                            "5510000],[500000,5500000]]]}") ","
                  UNIT("b", "p2", 2000, BOX(510000, 5500000, 520000, 5510000))));
    cli_sh_ok("rm -f b.gpkg && ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    int rc = run("--hubs hub");
    refused(rc, "boundaries 'b.gpkg' layer 'units': feature 1 ('a') has a vertex at (nan "
                "5.5e+06), which is no coordinate: fix its geometry");
}

/* The stderr of a run on the boundaries `fc` (a GeoJSON FeatureCollection), which succeeds. */
static char *run_on_units(const char *fc)
{
    cli_put("b.geojson", "%s", fc);
    cli_sh_ok("rm -rf o b.gpkg && ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    int rc = run("--hubs hub --crs EPSG:32633 --resolution 5000");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    return e;
}

/* A unit far from the others (its longitude and latitude swapped: 5,510 km north-east of
 * the rest in UTM 33N, as 5510000, 510000 would be) is named, with how much it widens the
 * grid; the run goes on (a remote island may belong there). */
Test(geo, a_unit_far_from_the_others_is_named)
{
    utm_region();
    char *e = run_on_units(FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5510000)) ","
                                  UNIT("b", "p2", 2000, BOX(510000, 5500000, 520000, 5510000)) ","
                                  UNIT("c", "p2", 3000, BOX(600000, 5600000, 610000, 5610000))));
    /* 110 × 110 km with c, 20 × 10 km without: 60.5 times */
    cr_assert_not_null(strstr(e, "isoreach: warning: boundaries 'b.gpkg' layer 'units': unit 'c' "
                                 "(feature 3) lies far from the others: without it the region's "
                                 "box, and the grid, would be 60 times smaller (20 × 10 km instead "
                                 "of 110 × 110 km). If it belongs there (a remote island), keep "
                                 "it; else check its coordinates (longitude and latitude "
                                 "swapped?), or leave it out\n"),
                   "%s", e);
    free(e);
    /* two neighbours and one 30 km off: no word */
    e = run_on_units(FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5510000)) ","
                            UNIT("b", "p2", 2000, BOX(510000, 5500000, 520000, 5510000)) ","
                            UNIT("c", "p2", 3000, BOX(540000, 5500000, 550000, 5510000))));
    cr_assert_null(strstr(e, "lies far from the others"), "%s", e);
    free(e);
    /* one big unit around an enclave and beside an islet, both 300 m wide: without the big
     * one the box is the specks', 8 times smaller, but it lies around them, not far (it
     * was named, with the advice to check its coordinates) */
    e = run_on_units(FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 560000, 5560000)) ","
                            UNIT("b", "p2", 20, BOX(520000, 5520000, 520300, 5520300)) ","
                            UNIT("c", "p2", 30, BOX(565000, 5530000, 565300, 5530300))));
    cr_assert_null(strstr(e, "lies far from the others"), "%s", e);
    free(e);
    /* but a unit beside the others with a stray part far off (a mis-digitised islet) is
     * named: its box holds theirs, yet it is no bigger than a county (the review found that
     * the rule above had let it go) */
    e = run_on_units(
        FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5510000)) ","
                  UNIT("b", "p2", 2000, BOX(510000, 5500000, 520000, 5510000)) ","
                  UNIT("c", "p2", 3000, "{\"type\":\"MultiPolygon\",\"coordinates\":["
                                        "[[[520000,5500000],[530000,5500000],[530000,"
                                        "5510000],[520000,5510000],[520000,5500000]]],"
                                        "[[[600000,5600000],[600500,5600000],[600500,"
                                        "5600500],[600000,5600500],[600000,5600000]]]]}")));
    cr_assert_not_null(strstr(e, "unit 'c' (feature 3) lies far from the others"), "%s", e);
    free(e);
}

/* A stations layer with a field name_en of its own (here "Name_EN") and the English names
 * in another, given by --station-name-en: rail_stations.geojson kept the layer's own as
 * name_en, so the maps labelled every station with it (found by a new-user pass). Its
 * name_en is now the named field's copy. */
Test(geo, station_name_en_comes_from_the_field_named)
{
    utm_region();
#define ST_EN(id, hub, x, own, en)                                                            \
    "{\"type\":\"Feature\",\"properties\":{\"id\":\"" id "\",\"name\":\"" id "\",\"hub\":" #hub \
    ",\"Name_EN\":\"" own "\",\"label_en\":\"" en "\"},\"geometry\":{\"type\":\"Point\","       \
    "\"coordinates\":[" #x ",5505500]}}"
    cli_put("st.geojson", FC(UTM33, ST_EN("hub", 1, 500500, "own hub", "Hub Central") ","
                                ST_EN("s2", 0, 508500, "own s2", "Second")));
    int rc = run("--hubs hub --crs EPSG:32633 --station-name-en label_en");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    char p[300];
    snprintf(p, sizeof p, "%s/o/region/rail_stations.geojson", cli_tmp);
    char *js = cli_slurp(p);
    cr_assert(strstr(js, "\"name_en\": \"Hub Central\"") &&
                  strstr(js, "\"name_en\": \"Second\""),
              "%s", js);
    cr_assert_null(strstr(js, "own hub"), "%s", js);
    free(js);
    /* the same from a GeoPackage, whose own SQL returned no geometry for the copy, and a hub
     * whose id a spreadsheet takes for a formula ('-hub', written "'-hub" in the CSVs): its
     * maps failed ("hub ''-hub' is not a station") */
    cli_put("st.geojson", FC(UTM33, ST_EN("-hub", 1, 500500, "own hub", "Hub Central") ","
                                ST_EN("s2", 0, 508500, "own s2", "Second")));
    cli_sh_ok("rm -rf o st.gpkg && ogr2ogr -f GPKG -nln st st.gpkg st.geojson");
    rc = cli_sh("cd '%s' && %s run -q --out o --boundaries b.gpkg --stations st.gpkg --lines "
                "ln.geojson --resolution 1000 --threads 1 --crs EPSG:32633 --station-name-en "
                "label_en && %s map -q --out o --threads 1",
                cli_tmp, ISR_CLI, ISR_CLI);
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    js = cli_slurp(p);
    cr_assert(strstr(js, "\"name_en\": \"Hub Central\"") && strstr(js, "\"Point\""), "%s", js);
    free(js);
    cli_sh_ok("test -s o/hubs/*hub*/map.png");
}

/* Unit b drawn over the east half of unit a: a holds 100 of its 200 km² on the grid. The
 * run blamed the grid ("--resolution 1000 m is too coarse … use a finer --resolution"),
 * which no resolution mends, and the overlap warning said a lost "its people there" while
 * they are spread over the cells left to it. Now the unit is named as covered, apart, and
 * the grid is not blamed. */
Test(geo, a_unit_covered_by_another_is_not_blamed_on_the_grid)
{
    cli_put("b.geojson", FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 520000, 5510000)) ","
                               UNIT("b", "p2", 2000, BOX(510000, 5500000, 530000, 5510000))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    utm_network();
    int rc = run("--hubs hub --crs EPSG:32633 --budget 20");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_not_null(strstr(e, "isoreach: warning: 1 unit holds far less of the grid than its "
                                 "polygon, more than the cells along its border can explain at "
                                 "1000 m (and a finer grid explains less): 'a' (100.0 km² on the "
                                 "grid for 200.0 km² drawn); other units drawn over it took "
                                 "those cells"),
                       "%s", e);
    cr_assert_null(strstr(e, "too coarse"), "%s", e);
    cr_assert_not_null(strstr(e, "so the earlier one loses that area: its people are spread "
                                 "over the cells left to it"),
                       "%s", e);
    free(e);
    /* and so they are: all 1000 of a's people on the 100 km² left to it, so the share of
     * its people reached is the share of its area */
    char p[300];
    snprintf(p, sizeof p, "%s/o/hubs/hub/reach.csv", cli_tmp);
    char *csv = cli_slurp(p);
    const char *row = strstr(csv, "\nhub,county,a,unit a,,a,p1,100.000,");
    cr_assert_not_null(row, "%s", csv);
    double reached, ashare, pshare;
    long pop, popr;
    cr_assert_eq(sscanf(row + strlen("\nhub,county,a,unit a,,a,p1,100.000,"),
                        "%lf,%lf,%ld,%ld,%lf", &reached, &ashare, &pop, &popr, &pshare),
                 5, "%s", csv);
    cr_assert_eq(pop, 1000);
    cr_assert(reached > 10 && ashare < 1, "%s", csv);
    cr_assert_float_eq(pshare, ashare, 0.002, "%s", csv);
    free(csv);
}

/* A station id of 300 characters (a URI, a long code) is named in --hubs and in a line's
 * stops like any other: both were refused ("is not a list of station ids"; "must be station
 * ids separated by ';'") while the same id ran as a hub with the hub flag. */
Test(geo, station_ids_of_any_length)
{
    utm_region();
    char id[301], st[2000], ln[2000];
    memset(id, 'h', 300);
    id[300] = '\0';
    snprintf(st, sizeof st, FC(UTM33, STATION("%s", 1, 500500, 5505500) ","
                                          STATION("s2", 0, 508500, 5505500)),
             id, id); /* the station's id, and its name */
    cli_put("st.geojson", "%s", st);
    snprintf(ln, sizeof ln,
             FC(UTM33, "{\"type\":\"Feature\",\"properties\":{\"id\":\"l1\",\"name\":\"l1\","
                       "\"speed_kmh\":80,\"headway\":10,\"stops\":\"%s;s2\"},\"geometry\":{"
                       "\"type\":\"LineString\",\"coordinates\":[[500500,5505500],[508500,"
                       "5505500]]}}"),
             id);
    cli_put("ln.geojson", "%s", ln);
    int rc = run("--hubs %s --crs EPSG:32633", id);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    /* 8 km at 80 km/h: 6 min, and half the 10-minute headway */
    char p[400];
    cr_assert_eq(cli_sh("cd '%s/o/hubs' && cat */stations.csv > all.csv", cli_tmp), 0);
    snprintf(p, sizeof p, "%s/o/hubs/all.csv", cli_tmp);
    char *csv = cli_slurp(p);
    char *row = strstr(csv, ",s2,s2,,");
    cr_assert_not_null(row, "%s", csv);
    cr_assert_float_eq(atof(row + strlen(",s2,s2,,")), 11.0, 0.01);
    free(csv);
}

Test(geo, friction_raster_with_a_zero_cell_is_refused)
{
    utm_region();
    half_friction(3); /* row 0, column 3: the pixel centred at (503500, 5509500) */
    int rc = run("--crs EPSG:32633 --hubs hub --friction f.tif");
    refused(rc, "friction raster 'f.tif': 1 cell(s) hold 0 or a negative value (the first at "
                "503500, 5509500 in the raster's CRS); friction is seconds per metre and must be "
                "positive: use the raster's nodata for barriers");
}

/* p.tif: 5 people a km² on 10 × 10 pixels of 1 km from (x0, 5500000), UTM 33N (over unit a
 * when x0 is 500000). */
static void five_a_km2(int x0)
{
    char grid[1200] = "";
    for (int i = 0; i < 100; i++)
        strcat(grid, i % 10 == 9 ? "5\n" : "5 ");
    cli_put("p.asc", "ncols 10\nnrows 10\nxllcorner %d\nyllcorner 5500000\ncellsize 1000\n%s",
            x0, grid);
    cli_sh_ok("rm -f p.tif && gdal_translate -q -a_srs EPSG:32633 p.asc p.tif");
}

Test(geo, population_raster_covering_half_the_region)
{
    utm_region();
    /* 5 people per km² over unit a only */
    five_a_km2(500000);
    int rc = run("--crs EPSG:32633 --hubs hub --budget 30 --population p.tif");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(e, "isoreach: warning: population raster 'p.tif' covers 50.0 % of the "
                        "region's land cells; the other 100 cells (100.0 km²) are counted with "
                        "no people\n"
                        "isoreach: warning: population raster 'p.tif': 1 unit has no cell with a value (under its "
                        "nodata or beyond it): 'b' (unit b); it is counted with no people (0, not "
                        "unknown): give the raster its people, or leave --population out to "
                        "spread the boundaries' population field\n");
    free(e);
    json_object *root = run_json();
    cr_assert_eq(json_object_get_int64(json_object_object_get(
                     json_object_object_get(root, "inputs"), "population_uncovered_cells")),
                 100);
    json_object_put(root);
}

/* The units' people in o/region/units.geojson, "code=people;..." in the layer's order. */
static char *units_people(void)
{
    cr_assert_eq(cli_sh("cd '%s' && /usr/bin/python3 -c \"import json; print(';'.join("
                        "'%%s=%%g' %% (f['properties']['code'], f['properties']['population']) "
                        "for f in json.load(open('o/region/units.geojson'))['features']))\"",
                        cli_tmp),
                 0);
    return cli_output();
}

/* `isoreach reach --population none` after a run with a raster counts the boundaries' field
 * again (a would-be run's default): it was refused ("'none': cannot open as a raster"), and
 * --pop-field alone kept the run's raster, so the field could not be had back. */
Test(geo, reach_population_none_goes_back_to_the_field)
{
    utm_region();
    five_a_km2(500000);
    cr_assert_eq(run("--crs EPSG:32633 --hubs hub --budget 30 --population p.tif 2>/dev/null"), 0);
    char *p = units_people();
    cr_assert_str_eq(p, "a=500;b=0\n"); /* 5 a km² over a's 100 km² */
    free(p);
    /* the maps' caption says where the people come from (every map said "spread evenly",
     * the raster's too: it looked for a run.json key no run writes; a new-user pass) */
    cr_assert_eq(cli_sh("cd '%s' && %s map -q --out o && sed 's/<[^>]*>//g' o/hubs/hub/map.svg "
                        "| tr -d '\\n' > caption.txt && grep -q 'People from a population "
                        "raster.' caption.txt && ! grep -q 'spread evenly' caption.txt",
                        cli_tmp, ISR_CLI),
                 0, "%s", cli_stderr());
    int rc = cli_sh("cd '%s' && %s reach -q --out o --population none", cli_tmp, ISR_CLI);
    cr_assert_eq(rc, 0, "%s", cli_stderr());
    p = units_people();
    cr_assert_str_eq(p, "a=1000;b=2000\n"); /* the field's */
    free(p);
    cr_assert_eq(cli_sh("cd '%s' && sed 's/<[^>]*>//g' o/hubs/hub/map.svg | tr -d '\\n' > "
                        "caption.txt && grep -q 'People are spread evenly within each county.' "
                        "caption.txt && ! grep -q 'population raster' caption.txt",
                        cli_tmp),
                 0, "the maps, drawn again by reach: %s", cli_output());
    /* an emptied run.json is said to be empty (it said "json_tokener_parse_ex failed:
     * continue" and a line break, json-c's parser state) */
    cli_put("o/run.json", "%s", "");
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o", cli_tmp, ISR_CLI), 1);
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: 'o/run.json' is not readable JSON (it is empty); run isoreach "
                        "run again into --out 'o'\n");
    free(e);
}

/* A river narrower than a cell is water only in the cells whose centre it covers: at 500 m a
 * 200 m river had no cell at all and people walked across it, said as information only (a
 * new-user pass). Now a part at least 10 cells long and under half a cell wide on average is
 * warned about, with the longest one; a pond is not (going round it costs next to nothing),
 * nor the river on a grid finer than it. */
Test(geo, a_river_narrower_than_a_cell_is_warned_about)
{
    utm_region();
    /* a 200 m wide river 10.8 km long across unit a, and a 300 m pond */
    cli_put("w.geojson",
            FC(UTM33, "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":"
                      "\"Polygon\",\"coordinates\":[[[502083.2,5500444.53],[508083.2,5509444.53],"
                      "[507916.8,5509555.47],[501916.8,5500555.47],[502083.2,5500444.53]]]}},"
                      "{\"type\":\"Feature\",\"properties\":{},\"geometry\":"
                      BOX(504000, 5502000, 504300, 5502300) "}"));
    cr_assert_eq(run("--crs EPSG:32633 --hubs hub --water w.geojson"), 0, "%s", cli_stderr());
    char *e = cli_stderr();
    cr_assert_not_null(strstr(e, "warning: water 'w.geojson' layer 'w': 1 polygon is narrower "
                                 "than half a 1000 m cell on average, 11.0 km long in all (the "
                                 "longest: feature 0, 11.0 km long, about 196 m wide): it may "
                                 "not block local travel at this resolution"),
                       "%s", e);
    free(e);
    cli_sh_ok("grep -q 'narrower than half a 1000 m cell' o/run.json");
    cli_sh_ok("rm -rf o");
    cr_assert_eq(cli_sh("cd '%s' && %s run -q --no-maps --out o --boundaries b.gpkg --stations "
                        "st.geojson --lines ln.geojson --resolution 100 --threads 1 --crs "
                        "EPSG:32633 --hubs hub --water w.geojson",
                        cli_tmp, ISR_CLI),
                 0);
    e = cli_stderr();
    cr_assert_null(strstr(e, "narrower"), "%s", e);
    free(e);
}

/* run.json's "reach" records the water the tables were recounted with: after `reach --water
 * none` it said nothing of water, so run.json read as if the run's water still applied
 * while every county's land_km2 included it. null for none, the path otherwise. */
Test(geo, reach_records_its_water)
{
    utm_region();
    cli_put("w.geojson", FC(UTM33, "{\"type\":\"Feature\",\"properties\":{},\"geometry\":"
                                   BOX(512000, 5502000, 518000, 5508000) "}"));
    cr_assert_eq(run("--crs EPSG:32633 --hubs hub --water w.geojson"), 0, "%s", cli_stderr());
    cli_sh_ok("grep -q '\"code\": \"b\".*\"land_km2\": 64.0' o/region/units.geojson");
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o --water none", cli_tmp, ISR_CLI), 0);
    char *e = cli_stderr(); /* the paths are the run's: they keep clear of the lake */
    cr_assert(strstr(e, "warning: --water none after a run in 'o' with water 'o/../w.geojson': "
                        "the travel times are the run's, so the paths keep clear of that water "
                        "while its cells now count as land with people"),
              "%s", e);
    free(e);
    cli_sh_ok("grep -q '\"code\": \"b\".*\"land_km2\": 100.0' o/region/units.geojson");
    json_object *root = run_json(), *re, *w;
    cr_assert(json_object_object_get_ex(root, "reach", &re) &&
              json_object_object_get_ex(re, "water", &w) && w == NULL,
              "%s", json_object_to_json_string(root));
    json_object_put(root);
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o", cli_tmp, ISR_CLI), 0); /* the run's */
    cli_sh_ok("grep -q '\"code\": \"b\".*\"land_km2\": 64.0' o/region/units.geojson");
    root = run_json();
    cr_assert(json_object_object_get_ex(root, "reach", &re) &&
              json_object_object_get_ex(re, "water", &w) &&
              strcmp(json_object_get_string(w), "../w.geojson") == 0,
              "%s", json_object_to_json_string(root));
    json_object_put(root);
}

/* A polar cap drawn in longitude and latitude up to the pole itself (two units from 75° N
 * to 90° N, one for each half of the longitudes): the run stopped on writing units.geojson
 * ("cannot format the units' geometries (Full reprojection failed …)", found by a new-user
 * pass). GDAL's wrapping transformation refuses a vertex on the pole; such a polygon is
 * written vertex by vertex, as one round a pole is, and warned about. */
Test(geo, a_polar_cap_drawn_to_the_pole_runs)
{
    cli_put("b.geojson", FC("", UNIT("p1", "p1", 1000, BOX(-180, 75, 0, 90)) ","
                               UNIT("p2", "p2", 1000, BOX(0, 75, 180, 90))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    cli_put("st.geojson", FC("", STATION("a", 1, 0, 76) "," STATION("b", 0, 180, 76)));
    cli_put("ln.geojson", FC("", LINE("l", 360, 10, 0, 76, 180, 76)));
    int rc = run("--hubs a --resolution 20000 --budget 60");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_not_null(strstr(e, "reaches the North Pole"), "%s", e);
    free(e);
    cli_sh_ok("grep -q 'isoreach fitted polar Lambert azimuthal equal-area' o/run.json");
    /* both units there, with their polygons */
    cli_sh_ok("test \"$(grep -o '\"type\": *\"MultiPolygon\"' o/region/units.geojson | wc -l)\" = 2");
}

/* A region round the South Pole (four units meeting there, in EPSG:3031): the fitted CRS is
 * the polar azimuthal one (the Albers fitted to it put a station 1.85 km from the pole at the
 * pole, distances off by 84 %), the station keeps its latitude in stations.csv, and the run
 * warns that GeoJSON cannot hold a polygon round the pole. */
Test(geo, a_region_round_the_south_pole)
{
#define S3031 "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::3031\"}},"
    cli_put("b.geojson", FC(S3031, UNIT("a", "p1", 1000, BOX(-20000, -20000, 0, 0)) ","
                               UNIT("b", "p1", 1000, BOX(0, -20000, 20000, 0)) ","
                               UNIT("c", "p1", 1000, BOX(-20000, 0, 0, 20000)) ","
                               UNIT("d", "p1", 1000, BOX(0, 0, 20000, 20000))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    cli_put("st.geojson", FC(S3031, STATION("hub", 1, 1027, 1541) "," STATION("s2", 0, 15000, 9000)));
    cli_put("ln.geojson", FC(S3031, LINE("l1", 80, 10, 1027, 1541, 15000, 9000)));
    int rc = cli_sh("cd '%s' && %s run -q --no-maps --out o --boundaries b.gpkg --stations "
                    "st.geojson --lines ln.geojson --resolution 500 --threads 1 --hubs hub",
                    cli_tmp, ISR_CLI);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "isoreach: warning: boundaries 'b.gpkg' layer 'units' reaches the South "
                        "Pole: a polygon round it"),
              "%s", e);
    free(e);
    cli_sh_ok("grep -q 'isoreach fitted polar Lambert azimuthal equal-area' o/run.json");
    /* the hub, 1.9 km from the pole at 33.68° E (-89.98296°, as gdaltransform puts it), not
     * at -90 */
    cli_sh_ok("grep -q '^hub,hub,.*,33.68[0-9]*,-89.9829[0-9]*,0.000,' o/hubs/hub/stations.csv");
#undef S3031
}

/* A run again after `isoreach reach` recounted the folder on other terms (here: no water, so
 * people on the lake): the hub is reused, and its tables were recounted on the run's terms,
 * but its isochrones kept reach's people, in the file and the web map. Now reach's mark
 * survives the run's start (OUT/.isoreach-recount) and the reused hub's isochrones are
 * counted again, until the run finishes. */
Test(geo, a_run_after_reach_counts_the_isochrones_people_again)
{
    utm_region();
    cli_put("w.geojson", FC(UTM33, "{\"type\":\"Feature\",\"properties\":{},\"geometry\":"
                                   BOX(512000, 5502000, 518000, 5508000) "}"));
    cr_assert_eq(run("--crs EPSG:32633 --hubs hub --water w.geojson"), 0, "%s", cli_stderr());
    cli_sh_ok("md5sum o/hubs/hub/isochrones.geojson o/hubs/hub/reach.csv > sums");
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o --water none", cli_tmp, ISR_CLI), 0);
    cr_assert_neq(cli_sh("cd '%s' && md5sum -c --quiet sums", cli_tmp), 0,
                  "reach left the isochrones' people as they were: nothing to test");
    cr_assert_eq(run("--crs EPSG:32633 --hubs hub --water w.geojson"), 0, "%s", cli_stderr());
    cli_sh_ok("md5sum -c --quiet sums && test ! -e o/.isoreach-recount");
    /* and a run that fails after its start (a folder where its summary goes) keeps the mark
     * for the next */
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o --water none", cli_tmp, ISR_CLI), 0);
    cli_sh_ok("rm o/region/summary.json && mkdir o/region/summary.json");
    cr_assert_eq(run("--crs EPSG:32633 --hubs hub --water w.geojson"), 1);
    cli_sh_ok("test -e o/.isoreach-recount && test ! -e o/run.json && rmdir o/region/summary.json");
    cr_assert_eq(run("--crs EPSG:32633 --hubs hub --water w.geojson"), 0, "%s", cli_stderr());
    cli_sh_ok("md5sum -c --quiet sums && test ! -e o/.isoreach-recount");
}

/* `isoreach reach` recounts the hubs' rasters with run.json's budget: a run.json edited (or
 * copied from a run of another budget) cut the 30-minute times at 45 without a word, and the
 * tables said 45. Now the raster's own BUDGET_MIN is compared, and the hub named. */
Test(geo, reach_refuses_a_run_json_of_another_budget)
{
    utm_region();
    cr_assert_eq(run("--crs EPSG:32633 --hubs hub --budget 30"), 0);
    cli_sh_ok("sed -i 's/\"--budget\": 30.0/\"--budget\": 45.0/' o/run.json && "
              "grep -q '\"--budget\": 45.0' o/run.json && cp o/hubs/hub/reach.csv before.csv");
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o", cli_tmp, ISR_CLI), 1);
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: 'o/hubs/hub/travel_time.tif' was computed with a budget of 30 "
                        "min, but 'o/run.json' says 45 min: that run.json is not the one of the "
                        "run that wrote these rasters (copied or edited?). Put back the run's own "
                        "run.json, or run again with isoreach run --out 'o' --budget 45\n");
    free(e);
    cli_sh_ok("cmp before.csv o/hubs/hub/reach.csv"); /* left as it was */
    /* the run's own budget back: recounted */
    cli_sh_ok("sed -i 's/\"--budget\": 45.0/\"--budget\": 30.0/' o/run.json");
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o", cli_tmp, ISR_CLI), 0, "%s",
                 cli_stderr());
}

/* A unit with no cell of its own (200 m across at 1000 m) had population 0 and area 0 in
 * units.geojson, with nothing to say its people were counted in the unit around it (a
 * new-user pass): a choropleth showed it empty. Its counted_in names that unit; null for the
 * others. */
Test(geo, a_unit_without_a_cell_says_which_unit_counts_it)
{
    cli_put("b.geojson", FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5510000)) ","
                               UNIT("b", "p2", 2000, BOX(510000, 5500000, 520000, 5510000)) ","
                               UNIT("c", "p2", 50, BOX(505000, 5505000, 505200, 5505200))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    utm_network();
    cr_assert_eq(run("--hubs hub"), 0, "%s", cli_stderr());
    cli_sh_ok("/usr/bin/python3 -c \"import json\n"
              "f = {x['properties']['code']: x['properties'] for x in "
              "json.load(open('o/region/units.geojson'))['features']}\n"
              "assert f['c']['counted_in'] == 'a' and f['c']['area_km2'] == 0, f['c']\n"
              "assert f['a']['counted_in'] is None and f['b']['counted_in'] is None\n"
              "assert f['a']['population'] == 1050, f['a']\"");
}

/* `isoreach reach` recounted whatever travel_time.tif it found: another hub's raster copied
 * in (its HUB_ID not read) or one of other settings gave wrong tables with exit 0, and a
 * missing one failed after the first hubs' tables were rewritten (a new-user pass). Every
 * hub's raster is now checked first: refused by name, and no table touched. */
Test(geo, reach_checks_every_hub_raster_before_rewriting_a_table)
{
    utm_region();
    cr_assert_eq(run("--crs EPSG:32633 --hubs hub,s2"), 0, "%s", cli_stderr());
    cr_assert_eq(cli_sh("cd '%s' && %s run -q --no-maps --out o5 --boundaries b.gpkg --stations "
                        "st.geojson --lines ln.geojson --resolution 1000 --threads 1 --crs "
                        "EPSG:32633 --hubs hub --egress-speed 5",
                        cli_tmp, ISR_CLI),
                 0);
    cr_assert_eq(cli_sh("cd '%s' && %s run -q --no-maps --out o2k --boundaries b.gpkg --stations "
                        "st.geojson --lines ln.geojson --resolution 2000 --threads 1 --crs "
                        "EPSG:32633 --hubs hub",
                        cli_tmp, ISR_CLI),
                 0);
    cli_sh_ok("md5sum o/hubs/*/reach.csv o/run.json > sums && cp o/hubs/hub/travel_time.tif t && "
              "cp o/hubs/s2/travel_time.tif t2 && "
              "cp o/hubs/s2/travel_time.tif o/hubs/hub/travel_time.tif");
    const char *const want[] = {
        "isoreach: 'o/hubs/hub/travel_time.tif' is the travel-time raster of hub 's2', not of hub "
        "'hub' (copied?): no table was rewritten; run hub 'hub' again with isoreach run --out "
        "'o'\n",
        "isoreach: 'o/hubs/hub/travel_time.tif' was computed with other settings than the run's "
        "region rasters (region/nearest_hub_time.tif; copied from another run?): no table was "
        "rewritten; run the hub again with isoreach run --out 'o' and the run's settings\n",
        "isoreach: hub 's2': its travel-time raster 'o/hubs/s2/travel_time.tif' cannot be opened "
        "(missing or damaged): no table was rewritten; run the hub again with isoreach run --out "
        "'o' (it recomputes what is missing), then reach",
        "isoreach: 'o/hubs/hub/travel_time.tif' is not on the 1000 m grid of the run (copied "
        "from another run?): no table was rewritten; run the hub again with isoreach run --out "
        "'o'\n"};
    const char *const next[] = {"cp o5/hubs/hub/travel_time.tif o/hubs/hub/travel_time.tif",
                                "cp t o/hubs/hub/travel_time.tif && rm o/hubs/s2/travel_time.tif",
                                "cp t2 o/hubs/s2/travel_time.tif && "
                                "cp o2k/hubs/hub/travel_time.tif o/hubs/hub/travel_time.tif",
                                NULL};
    for (int k = 0; k < 4; k++) {
        cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o", cli_tmp, ISR_CLI), 1);
        char *e = cli_stderr();
        cr_assert(strncmp(e, want[k], strlen(want[k])) == 0, "%d: %s", k, e);
        free(e);
        cli_sh_ok("md5sum -c --quiet sums"); /* no table rewritten, run.json not marked */
        if (next[k])
            cli_sh_ok(next[k]);
    }
    cli_sh_ok("cp t o/hubs/hub/travel_time.tif"); /* the run's own again: recounted */
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o", cli_tmp, ISR_CLI), 0, "%s",
                 cli_stderr());
    cli_sh_ok("md5sum o/hubs/*/reach.csv o/run.json > sums");
    /* a flag of the run's search is refused, not ignored (reach --hubs x --egress-speed 5
     * ran with neither; reach --budget 30 blamed run.json) */
    const char *const runs_own[] = {"--hubs nosuch", "--egress-speed 5", "--budget=30",
                                    "--direction to"};
    for (size_t k = 0; k < sizeof runs_own / sizeof *runs_own; k++) {
        cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o %s", cli_tmp, ISR_CLI, runs_own[k]),
                     2);
        char *e = cli_stderr();
        char want[200];
        snprintf(want, sizeof want, "isoreach: %.*s shapes the run's search, which isoreach "
                 "reach does not redo", (int)strcspn(runs_own[k], " ="), runs_own[k]);
        cr_assert(strncmp(e, want, strlen(want)) == 0, "%s", e);
        free(e);
    }
    cr_assert_eq(cli_sh("cd '%s' && %s map -q --out o --budget 5", cli_tmp, ISR_CLI), 2);
    cli_sh_ok("md5sum -c --quiet sums"); /* untouched by the refusals */
}

static void count_invalid(void *feature, void *user)
{
    OGRGeometryH g = OGR_F_GetGeometryRef((OGRFeatureH)feature);
    *(int *)user += !g || !OGR_G_IsValid(g);
}

/* A unit with a slit 1 cm wide (valid in its UTM coordinates) is written valid: at the
 * GeoJSON files' 6 decimals (7 cm here) the slit's sides fell on one another, and
 * units.geojson and provinces.geojson held a ring that runs back on itself, which GDAL,
 * QGIS and turf call invalid. Now such a polygon is snapped to the files' grid by GEOS. */
Test(geo, polygons_are_valid_as_the_geojson_files_hold_them)
{
    cli_put("b.geojson",
            FC(UTM33, UNIT("a", "p1", 1000,
                           "{\"type\":\"Polygon\",\"coordinates\":[[[500000,5500000],"
                           "[510000,5500000],[510000,5510000],[505000.01,5510000],[505000.01,"
                           "5505000],[505000,5505000],[505000,5510000],[500000,5510000],"
                           "[500000,5500000]]]}") ","
                      UNIT("b", "p2", 2000, BOX(510000, 5500000, 520000, 5510000))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    utm_network();
    cr_assert_eq(run("--crs EPSG:32633 --hubs hub"), 0, "%s", cli_stderr());
    const char *files[] = {"o/region/units.geojson", "o/region/provinces.geojson"};
    for (int i = 0; i < 2; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", cli_tmp, files[i]);
        int invalid = 0;
        cr_assert_eq(cli_each_feature(path, count_invalid, &invalid), 2, "%s", files[i]);
        cr_assert_eq(invalid, 0, "%s: %d invalid polygons", files[i], invalid);
    }
    /* the unit's area is still that of its boundary (the tables measure it in UTM) */
    cr_assert_eq(cli_sh("grep -q '\"code\": \"a\".*\"area_km2\": 100.0' '%s/o/region/units.geojson'",
                        cli_tmp),
                 0);
}

/* A population raster with no value on any unit's cell (another place, or all nodata there)
 * is refused: before, it warned "covers 0.0 %" and ran a region of no people (exit 0). The
 * same raster 100 km east; then over the region but all nodata. */
Test(geo, population_raster_with_no_value_on_the_units_is_refused)
{
    utm_region();
    five_a_km2(600000);
    int rc = run("--crs EPSG:32633 --hubs hub --budget 30 --population p.tif");
    refused(rc, "population raster 'p.tif' has no value on any cell of the units (it lies wholly "
                "outside them): every unit would have no people. Is it the raster of this "
                "region, in the CRS it says it is in? (gdalinfo shows its extent; isoreach info "
                "the boundaries')");
    char grid[1200] = "";
    for (int i = 0; i < 100; i++)
        strcat(grid, i % 10 == 9 ? "5\n" : "5 ");
    cli_put("p.asc", "ncols 10\nnrows 10\nxllcorner 500000\nyllcorner 5500000\ncellsize 1000\n"
                     "NODATA_value 5\n%s", grid);
    cli_sh_ok("rm -f p.tif && gdal_translate -q -a_srs EPSG:32633 p.asc p.tif");
    rc = run("--crs EPSG:32633 --hubs hub --budget 30 --population p.tif");
    refused(rc, "population raster 'p.tif' has no value on any cell of the units (nodata "
                "wherever it covers them): every unit would have no people. Is it the raster of "
                "this region, in the CRS it says it is in? (gdalinfo shows its extent; isoreach "
                "info the boundaries')");
}

/* A 20 × 10 population raster of 1000 m pixels over both units (Float32, EHdr), 5 people in
 * each pixel but those of `bad` (row-major index → value, `nbad` of them). */
static void people_raster(const int *at, const float *val, int nbad)
{
    float px[200];
    for (int i = 0; i < 200; i++)
        px[i] = 5;
    for (int k = 0; k < nbad; k++)
        px[at[k]] = val[k];
    char p[400];
    snprintf(p, sizeof p, "%s/pp.bil", cli_tmp);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(px, sizeof px[0], 200, f), 200);
    cr_assert_eq(fclose(f), 0);
    cli_put("pp.hdr", "BYTEORDER I\nLAYOUT BIL\nNROWS 10\nNCOLS 20\nNBANDS 1\nNBITS 32\nPIXELTYPE "
                  "FLOAT\nULXMAP 500500\nULYMAP 5509500\nXDIM 1000\nYDIM 1000\n");
    cli_sh_ok("rm -f pp.tif && gdal_translate -q -a_srs EPSG:32633 pp.bil pp.tif");
}

/* Before the fix: exit 0, stderr empty, reach.csv "…,inf,inf,-nan,…" and the −100 pixel
 * counted as 0; a pixel of 3e38 people was summed as it was. */
Test(geo, population_raster_with_inf_nan_negative_or_absurd_pixels_is_refused)
{
    utm_region();
    /* +inf at row 0 column 2 (x 502500, y 5509500), NaN, −100 and 3e38 further on */
    people_raster((const int[]){2, 45, 77, 150}, (const float[]){INFINITY, NAN, -100, 3e38f}, 4);
    int rc = run("--crs EPSG:32633 --hubs hub --budget 60 --population pp.tif");
    refused(rc, "population raster 'pp.tif': 4 pixel(s) hold no valid number of people (the "
                "first, inf, at column 2, row 0: 502500, 5509500 in the raster's CRS); a pixel "
                "must hold 0 to 1000000 people per km² (1.001e+06 people for that pixel): fix "
                "those pixels, or set them to the raster's nodata where the people are not known");
    /* the limit is of ground area: a UTM pixel of 1 km is 1.0008 km² of ground here (scale
     * 0.9996 on the central meridian), which PROJ's geodesic area gives (a Web Mercator pixel
     * had its projected area, 1.4 times its ground at 31° N, and the limit with it) */
    {
        char grid[8000] = "";
        for (int i = 0; i < 40 * 25; i++)
            strcat(grid, i == 12 * 40 + 15 ? "800000 " : (i % 40 == 39 ? "100\n" : "100 "));
        cli_put("pm.asc", "ncols 40\nnrows 25\nxllcorner 1665000\nyllcorner 6378000\ncellsize "
                          "1000\n%s",
                grid);
        cli_sh_ok("rm -f pm.tif && gdal_translate -q -a_srs EPSG:3857 pm.asc pm.tif");
        rc = run("--crs EPSG:32633 --hubs hub --budget 60 --population pm.tif");
        char *e = cli_stderr();
        cr_assert_eq(rc, 1, "%s", e);
        cr_assert(strstr(e, "1 pixel(s) hold no valid number of people (the first, 800000, at "
                            "column 15, row 12") &&
                      strstr(e, "(4.192e+05 people for that pixel)"),
                  "%s", e);
        free(e);
    }
    /* one pixel of 1.5 M people on 1 km² is refused alone; NaN as the nodata is no people */
    people_raster((const int[]){199}, (const float[]){1.5e6f}, 1);
    rc = run("--crs EPSG:32633 --hubs hub --budget 60 --population pp.tif");
    refused(rc, "population raster 'pp.tif': 1 pixel(s) hold no valid number of people (the "
                "first, 1.5e+06, at column 19, row 9: 519500, 5500500 in the raster's CRS); a "
                "pixel must hold 0 to 1000000 people per km² (1.001e+06 people for that pixel): "
                "fix those pixels, or set them to the raster's nodata where the people are not "
                "known");
    people_raster((const int[]){45}, (const float[]){NAN}, 1);
    cli_sh_ok("gdal_translate -q -a_nodata nan pp.tif pn.tif && mv pn.tif pp.tif");
    rc = run("--crs EPSG:32633 --hubs hub --budget 60 --population pp.tif");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    /* 99 pixels of a × 5 (one is nodata) and 100 of b × 5 */
    char p[300];
    snprintf(p, sizeof p, "%s/o/hubs/hub/reach.csv", cli_tmp);
    char *csv = cli_slurp(p);
    cr_assert_not_null(strstr(csv, "\nhub,county,a,unit a,,a,p1,100.000,100.000,1.0000,495,495,1.0000,"),
                   "%s", csv);
    cr_assert_not_null(strstr(csv, "\nhub,county,b,unit b,,b,p2,100.000,100.000,1.0000,500,500,1.0000,"),
                   "%s", csv);
    cr_assert_null(strstr(csv, "inf"));
    cr_assert_null(strstr(csv, "nan"));
    free(csv);
}

/* A 20 × 10 UInt32 population raster of 1000 m pixels over both units, every pixel storing
 * `stored`, with the band's scale `scale` (GDAL's metadata: a pixel means stored × scale). */
static void scaled_people(unsigned stored, const char *scale)
{
    char grid[2600] = "", v[16];
    snprintf(v, sizeof v, "%u", stored);
    for (int i = 0; i < 200; i++)
        strcat(strcat(grid, v), i % 20 == 19 ? "\n" : " ");
    cli_put("ps.asc", "ncols 20\nnrows 10\nxllcorner 500000\nyllcorner 5500000\ncellsize 1000\n%s",
            grid);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -f ps.tif && gdal_translate -q -ot UInt32 -a_scale %s -a_srs "
             "EPSG:32633 ps.asc ps.tif", scale);
    cli_sh_ok(cmd);
}

/* The people-per-km² check reads what a pixel means (stored × the band's scale), as the people
 * are summed, and as the friction check reads its values. Before the fix it read the stored
 * number: thousandths of a person (5,000,000 stored × 0.001 = 5,000 people on 1 km²) were
 * refused quoting 5e+06, and 5,000 stored × 1000 = 5 M people per km² ran (exit 0). */
Test(geo, population_raster_check_reads_the_band_scale)
{
    utm_region();
    scaled_people(5000000, "0.001");
    int rc = run("--crs EPSG:32633 --hubs hub --budget 60 --population ps.tif");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(e, "");
    free(e);
    /* 100 pixels of 5,000 people in each unit */
    char p[300];
    snprintf(p, sizeof p, "%s/o/hubs/hub/reach.csv", cli_tmp);
    char *csv = cli_slurp(p);
    cr_assert_not_null(strstr(csv, "\nhub,county,a,unit a,,a,p1,100.000,100.000,1.0000,500000,"
                                   "500000,1.0000,"), "%s", csv);
    cr_assert_not_null(strstr(csv, "\nhub,county,b,unit b,,b,p2,100.000,100.000,1.0000,500000,"
                                   "500000,1.0000,"), "%s", csv);
    free(csv);
    cr_assert_eq(cli_sh("rm -rf '%s/o'", cli_tmp), 0);
    scaled_people(5000, "1000");
    rc = run("--crs EPSG:32633 --hubs hub --budget 60 --population ps.tif");
    refused(rc, "population raster 'ps.tif': 200 pixel(s) hold no valid number of people (the "
                "first, 5e+06 (stored 5000 × the band's scale 1000), at column 0, row 0: 500500, "
                "5509500 in the raster's CRS); a pixel must hold 0 to 1000000 people per km² "
                "(1.001e+06 people for that pixel): fix those pixels, or set them to the "
                "raster's nodata where the people are not known");
}

/* Curved geometries, as QGIS and FileGDB export them, read as ogr2ogr -nlt CONVERT_TO_LINEAR
 * reads them: unit b a CurvePolygon whose east side is an arc bulging 3 km out (a circle of
 * r = 5,667 m through (520, 5500), (523, 5505), (520, 5510) km: 21.4 km² more than the
 * square), the line a CompoundCurve, a half-ish arc 2 km high over the 8 km to s2 (r = 5 km,
 * 2 asin(0.8) × 5 km = 9.27 km: 6.95 min at 80 km/h and half the 10-minute headway, against
 * 11.00 min straight). Before the fix: "has Curve Polygon, but boundaries must be polygons". */
Test(geo, curved_units_and_lines_are_read_as_their_linear_copies)
{
    cli_put("b.csv", "WKT,code,name,pref_code,pref_name,prov_code,prov_name,pop\n"
            "\"POLYGON((500000 5500000,510000 5500000,510000 5510000,500000 5510000,500000 "
            "5500000))\",a,unit a,a,pref a,p1,prov p1,1000\n"
            "\"CURVEPOLYGON(COMPOUNDCURVE((510000 5510000,510000 5500000,520000 5500000),"
            "CIRCULARSTRING(520000 5500000,523000 5505000,520000 5510000),(520000 5510000,"
            "510000 5510000)))\",b,unit b,b,pref b,p2,prov p2,2000\n");
    cli_put("l.csv", "WKT,id,name,speed_kmh,headway\n"
            "\"COMPOUNDCURVE(CIRCULARSTRING(500500 5505500,504500 5507500,508500 5505500))\","
            "l1,l1,80,10\n");
    cli_put("st.geojson", FC(UTM33, STATION("hub", 1, 500500, 5505500) ","
                                STATION("s2", 0, 508500, 5505500)));
    cli_sh_ok("ogr2ogr -f GPKG -oo AUTODETECT_TYPE=YES -a_srs EPSG:32633 -nlt CURVEPOLYGON "
              "-nln units b.gpkg b.csv && ogr2ogr -f GPKG -oo AUTODETECT_TYPE=YES -a_srs "
              "EPSG:32633 -nlt COMPOUNDCURVE -nln lines ln.gpkg l.csv && "
              "ogr2ogr -nlt CONVERT_TO_LINEAR bl.gpkg b.gpkg && "
              "ogr2ogr -nlt CONVERT_TO_LINEAR lnl.gpkg ln.gpkg");
    const char *files[] = {"hubs/hub/reach.csv", "hubs/hub/stations.csv", "region/units.geojson",
                           "region/rail_lines.geojson"};
    char *out[2][4];
    for (int k = 0; k < 2; k++) {
        int rc = cli_sh("cd '%s' && rm -rf o && %s run -q --no-maps --out o --boundaries %s "
                        "--stations st.geojson --lines %s --resolution 1000 --threads 1 --crs "
                        "EPSG:32633 --hubs hub --budget 60",
                        cli_tmp, ISR_CLI, k ? "bl.gpkg" : "b.gpkg", k ? "lnl.gpkg" : "ln.gpkg");
        char *e = cli_stderr();
        cr_assert_eq(rc, 0, "%s", e);
        cr_assert_str_eq(e, "");
        free(e);
        for (int i = 0; i < 4; i++) {
            char p[300];
            snprintf(p, sizeof p, "%s/o/%s", cli_tmp, files[i]);
            out[k][i] = cli_slurp(p);
        }
    }
    for (int i = 0; i < 4; i++) {
        cr_assert_str_eq(out[0][i], out[1][i], "%s differs from the linearised inputs'", files[i]);
        free(out[1][i]);
    }
    /* the arc's length: 9.27 km at 80 km/h, 6.95 min, plus 5 min of wait */
    char *row = strstr(out[0][1], ",s2,s2,,");
    cr_assert_not_null(row, "%s", out[0][1]);
    cr_assert_float_eq(atof(row + strlen(",s2,s2,,")), 11.95, 0.01);
    /* unit b's area in cells (a cell is b's when its centre lies in it): the square's 100
     * and 22 of the arc's 21.4 km² */
    row = strstr(out[0][0], "\nhub,county,b,unit b,,b,p2,");
    cr_assert_not_null(row, "%s", out[0][0]);
    cr_assert_float_eq(atof(row + strlen("\nhub,county,b,unit b,,b,p2,")), 122.0, 1e-9, "%.80s",
                       row);
    for (int i = 0; i < 4; i++)
        free(out[0][i]);
}

/* A raster of several bands (an RGB rendering, a stack of years) is refused naming its band
 * count and how to keep one: before, GDALWarp's own "Destination dataset has 1 bands, but at
 * least 3 are needed" came out. A friction raster of 3 bands, a population raster of 2. */
Test(geo, rasters_of_several_bands_are_refused)
{
    utm_region();
    half_friction(-1);
    cli_sh_ok("gdalbuildvrt -q -separate f3.vrt f.tif f.tif f.tif && gdal_translate -q f3.vrt "
              "f3.tif");
    int rc = run("--crs EPSG:32633 --hubs hub --friction f3.tif");
    refused(rc, "friction raster 'f3.tif' has 3 bands, but it must have one: write the band "
                "that holds the seconds per metre to a raster of its own (e.g. gdal_translate -b "
                "1 in.tif out.tif for band 1) and give that");
    scaled_people(5, "1");
    cli_sh_ok("gdalbuildvrt -q -separate p2.vrt ps.tif ps.tif && gdal_translate -q p2.vrt p2.tif");
    rc = run("--crs EPSG:32633 --hubs hub --population p2.tif");
    refused(rc, "population raster 'p2.tif' has 2 bands, but it must have one: write the band "
                "that holds the people to a raster of its own (e.g. gdal_translate -b 1 in.tif "
                "out.tif for band 1) and give that");
}

/* Boundaries whose every feature has no geometry (an attribute table exported alone) are
 * said to be that: before, "cannot compute its extent". A GeoPackage of polygons whose two
 * units have null geometries, and the GeoJSON it came from. */
Test(geo, boundaries_without_any_geometry_are_said_to_have_none)
{
    utm_region();
    cli_put("n.geojson", FC(UTM33, UNIT("a", "p1", 1000, "null") "," UNIT("b", "p2", 2000, "null")));
    cli_sh_ok("ogr2ogr -f GPKG -nlt POLYGON -nln units b.gpkg n.geojson -overwrite");
    int rc = run("--crs EPSG:32633 --hubs hub");
    refused(rc, "boundaries 'b.gpkg' layer 'units': no feature has a geometry (all 2 have none or "
                "an empty one): is it the layer you meant? Give a layer whose features have their "
                "shapes (an export of the attribute table alone has none)");
    rc = run("--crs EPSG:32633 --hubs hub --boundaries n.geojson"); /* the last one given */
    refused(rc, "boundaries 'n.geojson' layer 'n': no feature has a geometry (all 2 have none or "
                "an empty one): is it the layer you meant? Give a layer whose features have their "
                "shapes (an export of the attribute table alone has none)");
}

/* --min-reach: the hub 375 m west of the border of p2 (250 m cells, 3 min at 15.4 km/h reach
 * 769 m): the sliver of b beyond the border is smaller than the default 0.5 km², so b is not
 * counted; with --min-reach 0 it is. Checked by hand only before this test. */
Test(geo, min_reach_leaves_out_a_border_sliver)
{
    utm_region();
    cli_put("st.geojson", FC(UTM33, STATION("hub", 1, 509625, 5505125) ","
                                STATION("s2", 0, 501125, 5505125)));
    cli_put("ln.geojson", FC(UTM33, LINE("l1", 80, 10, 509625, 5505125, 501125, 5505125)));
    const char *flags[] = {"", "--min-reach 0"};
    int provinces[] = {1, 2};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(cli_sh("rm -rf '%s/o'", cli_tmp), 0);
        int rc = run("--crs EPSG:32633 --hubs hub --budget 3 --resolution 250 %s", flags[i]);
        char *e = cli_stderr();
        cr_assert_eq(rc, 0, "%s", e);
        free(e);
        char p[300];
        snprintf(p, sizeof p, "%s/o/region/summary.json", cli_tmp);
        json_object *sum = json_object_from_file(p), *hubs, *v;
        cr_assert(json_object_object_get_ex(sum, "hubs", &hubs));
        json_object *h0 = json_object_array_get_idx(hubs, 0);
        cr_assert(json_object_object_get_ex(h0, "provinces_reached", &v));
        cr_assert_eq(json_object_get_int(v), provinces[i], "%s", flags[i]);
        cr_assert(json_object_object_get_ex(h0, "cross_border_share", &v));
        if (i == 0)
            cr_assert_eq(json_object_get_double(v), 0.0);
        else
            cr_assert(json_object_get_double(v) > 0.3 && json_object_get_double(v) < 0.45,
                      "%f", json_object_get_double(v));
        json_object_put(sum);
    }
}

/* A MultiLineString whose three parts meet at one point cannot be one path: refused. */
Test(geo, forked_multilinestring_is_refused)
{
    utm_region();
    cli_put("ln.geojson", FC(UTM33, "{\"type\":\"Feature\",\"properties\":{\"id\":\"Y\",\"name\":"
                                "\"Y\",\"speed_kmh\":80,\"headway\":10},\"geometry\":{\"type\":"
                                "\"MultiLineString\",\"coordinates\":[[[500500,5505500],"
                                "[505000,5505500]],[[505000,5505500],[508500,5505500]],"
                                "[[505000,5505500],[505000,5509000]]]}}"));
    int rc = run("--crs EPSG:32633 --hubs hub");
    refused(rc, "lines 'ln.geojson' layer 'ln': line 'Y' (feature 0) is a MultiLineString of 3 "
                "parts that do not join into one path: they fork (three or more part ends meet "
                "at one point); split the line into one feature per branch");
}

/* ---- CRS scale (§7) ----------------------------------------------------------------------- */

/* Two 0.5° × 0.2° units in lon/lat (EPSG:4326) with their top edge at latitude `lat`. */
static void lonlat_region(double lon, double lat)
{
    cli_put("b.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"a\",\"name\":\"unit a\",\"pop\":10,"
        "\"pref_code\":\"p\",\"prov_code\":\"r\"},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],"
        "[%g,%g]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"b\",\"name\":\"unit b\",\"pop\":10,"
        "\"pref_code\":\"p\",\"prov_code\":\"r\"},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],"
        "[%g,%g]]]}}]}",
        lon, lat - 0.2, lon + 0.5, lat - 0.2, lon + 0.5, lat, lon, lat, lon, lat - 0.2, lon + 0.5,
        lat - 0.2, lon + 1.0, lat - 0.2, lon + 1.0, lat, lon + 0.5, lat, lon + 0.5, lat - 0.2);
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    cli_put("st.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"id\":\"hub\",\"name\":\"hub\",\"hub\":1},"
        "\"geometry\":{\"type\":\"Point\",\"coordinates\":[%g,%g]}},"
        "{\"type\":\"Feature\",\"properties\":{\"id\":\"s2\",\"name\":\"s2\",\"hub\":0},"
        "\"geometry\":{\"type\":\"Point\",\"coordinates\":[%g,%g]}}]}",
        lon + 0.2, lat - 0.1, lon + 0.8, lat - 0.1);
    cli_put("ln.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"id\":\"l\",\"name\":\"l\",\"speed_kmh\":100,"
        "\"headway\":10},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[%g,%g],[%g,%g]]"
        "}}]}",
        lon + 0.2, lat - 0.1, lon + 0.8, lat - 0.1);
}

Test(geo, web_mercator_at_70_north_is_refused)
{
    lonlat_region(25.0, 70.0);
    int rc = run("--crs EPSG:3857");
    /* Mercator's scale is sec(latitude) on the sphere (2.924 at 70°); Web Mercator's
     * spherical formulas on the ellipsoid give 2.917 along the meridian */
    refused(rc, "--crs 'EPSG:3857': distances over boundaries 'b.gpkg' layer 'units' are off by "
                "up to 191.7 % (scale factor 2.917 at 70.0°N, 25.0°E), and travel times would "
                "be wrong by as much: use an equal-area or conformal CRS fitted to the region, "
                "or leave out --crs for a fitted Albers equal-area one");
}

Test(geo, web_mercator_at_30_north_is_refused_and_near_the_equator_warned)
{
    /* sec 30° = 1.155 (1.160 along the meridian on the ellipsoid): 16 % too long, refused */
    lonlat_region(120.0, 30.0);
    int rc = run("--crs EPSG:3857");
    refused(rc, "--crs 'EPSG:3857': distances over boundaries 'b.gpkg' layer 'units' are off by "
                "up to 16.0 % (scale factor 1.160 at 30.0°N, 120.0°E), and travel times would "
                "be wrong by as much: use an equal-area or conformal CRS fitted to the region, "
                "or leave out --crs for a fitted Albers equal-area one");
    cr_assert_eq(cli_sh("cd '%s' && rm -f b.gpkg", cli_tmp), 0);
    /* Web Mercator's scale along the meridian at 10°N on the WGS 84 ellipsoid:
     * (1 − e² sin²φ)^1.5 / (1 − e²) / cos φ = 1.0220: warned, with the areas (1.038) */
    lonlat_region(100.0, 10.0);
    rc = run("--crs EPSG:3857");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(e, "isoreach: warning: --crs 'EPSG:3857': distances over boundaries "
                        "'b.gpkg' layer 'units' are off by up to 2.2 % (scale factor 1.022 at "
                        "10.0°N, 100.0°E), and travel times there by as much\n"
                        "isoreach: warning: --crs 'EPSG:3857' is not an equal-area projection: "
                        "cell areas over boundaries 'b.gpkg' layer 'units' are off by up to 3.8 % "
                        "(area scale 1.038 at 10.0°N, 100.0°E), and so are the areas and people "
                        "reached\n");
    free(e);
    json_object *root = run_json();
    json_object *cc = json_object_object_get(root, "crs_check");
    double lin = json_object_get_double(json_object_object_get(cc, "max_linear_scale_error"));
    double e2 = 0.00669437999014, sl = sin(10 * 3.14159265358979 / 180);
    double h = pow(1 - e2 * sl * sl, 1.5) / (1 - e2) / cos(10 * 3.14159265358979 / 180);
    cr_assert(fabs(lin - (h - 1)) < 1e-5, "%f against %f", lin, h - 1);
    json_object_put(root);
}

Test(geo, fitted_albers_at_70_north_is_not_warned)
{
    lonlat_region(25.0, 70.0);
    int rc = run("");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(e, "");
    free(e);
    json_object *root = run_json();
    json_object *cc = json_object_object_get(root, "crs_check");
    /* a 0.2° band: the conic's scale stays within 1e-5 of true */
    cr_assert_lt(json_object_get_double(json_object_object_get(cc, "max_linear_scale_error")),
                 1e-4);
    cr_assert_lt(json_object_get_double(json_object_object_get(cc, "max_area_scale_error")),
                 1e-6);
    json_object_put(root);
}

/* A unit's people from a raster of fractional people: 2.6 in each of its four 5 km pixels,
 * 10.4 in all, published as 10 (whole people); a hub reaching all of it gives it a share of
 * people reached by any hub of 1, not 10.4 ÷ 10 = 1.04 */
Test(geo, share_of_people_reached_from_a_raster_is_at_most_one)
{
    utm_region();
    cli_put("p.asc", "ncols 4\nnrows 2\nxllcorner 500000\nyllcorner 5500000\ncellsize 5000\n"
                     "2.6 2.6 1 1\n2.6 2.6 1 1\n");
    cli_sh_ok("gdal_translate -q -a_srs EPSG:32633 p.asc p.tif");
    int rc = run("--hubs hub --population p.tif");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    cr_assert_eq(cli_sh("cd '%s' && ogrinfo -q -ro o/region/units.geojson -sql \"SELECT code FROM "
                        "units WHERE code = 'a' AND population = 10 AND pop_share_any = 1 AND "
                        "share_hub = 1\" | grep -q 'code (String) = a'",
                        cli_tmp),
                 0, "unit a: 10 people, all reached");
}

/* Unit b (10 × 10 km) wholly under the population raster's nodata: its 100 cells were
 * counted with no people without a word (only cells beyond the raster's extent were). */
Test(geo, population_raster_nodata_over_land_is_warned)
{
    utm_region();
    cli_put("p.asc", "ncols 4\nnrows 2\nxllcorner 500000\nyllcorner 5500000\ncellsize 5000\n"
                     "NODATA_value -1\n2.6 2.6 -1 -1\n2.6 2.6 -1 -1\n");
    cli_sh_ok("gdal_translate -q -a_srs EPSG:32633 p.asc p.tif");
    int rc = run("--hubs hub --population p.tif --crs EPSG:32633");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(e, "isoreach: warning: population raster 'p.tif': 100 land cells (100.0 km²) "
                        "of the units lie under its nodata and are counted with no people; "
                        "where people live there, give the raster their number (0 where none "
                        "do)\n"
                        "isoreach: warning: population raster 'p.tif': 1 unit has no cell with a value (under its "
                        "nodata or beyond it): 'b' (unit b); it is counted with no people (0, not "
                        "unknown): give the raster its people, or leave --population out to "
                        "spread the boundaries' population field\n");
    free(e);
}

/* Units a and b of prefecture P1, with their provinces and the prefecture's names as given. */
static void p1_region(const char *prov_b, const char *pref_name_b)
{
    cli_put("b.geojson",
            "{\"type\":\"FeatureCollection\"," UTM33 "\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"code\":\"a\",\"name\":\"A\",\"pref_code\":"
            "\"P1\",\"pref_name\":\"Alpha\",\"prov_code\":\"X\",\"prov_name\":\"Ex\",\"pop\":10},"
            "\"geometry\":" BOX(500000, 5500000, 510000, 5510000) "},"
            "{\"type\":\"Feature\",\"properties\":{\"code\":\"b\",\"name\":\"B\",\"pref_code\":"
            "\"P1\",\"pref_name\":\"%s\",\"prov_code\":\"%s\",\"prov_name\":\"Ex\",\"pop\":20},"
            "\"geometry\":" BOX(510000, 5500000, 520000, 5510000) "}]}",
            pref_name_b, prov_b);
    cli_sh_ok("rm -f b.gpkg && ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    utm_network();
}

/* A prefecture whose counties lie in two provinces: its row added up both provinces' people
 * under the first's, and the provinces' rows did not add up to their prefectures'. Refused;
 * one code of two names is warned about. */
Test(geo, prefecture_in_two_provinces_is_refused_and_two_names_warned)
{
    p1_region("Y", "Alpha");
    refused(run("--hubs hub"),
            "boundaries 'b.gpkg' layer 'units': prefecture 'P1' has counties in two provinces, "
            "'X' (county 'a') and 'Y' (county 'b'): a prefecture lies in one province; mend the "
            "province field, or make the prefecture codes unique across provinces (prefix them "
            "with the province's)");
    p1_region("X", "Beta");
    int rc = run("--hubs hub");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(e, "isoreach: warning: boundaries 'b.gpkg' layer 'units': prefecture 'P1' "
                        "is named 'Alpha' (county 'a') and 'Beta' (county 'b'): the tables give "
                        "it one of the names; mend the name field\n");
    free(e);
    /* county b's province left empty: the province taken for it was its prefecture's own
     * code, and the refusal named that invented 'P1' as a province (a new-user pass) */
    p1_region("", "Alpha");
    cli_sh_ok("rm -rf o");
    refused(run("--hubs hub"),
            "warning: boundaries 'b.gpkg' layer 'units': field 'prov_code' is empty for 1 unit "
            "('b'), and no 6-digit GB/T 2260 code gives it: the prefecture of each is counted "
            "as its own province; fill the field in\nisoreach: boundaries 'b.gpkg' layer "
            "'units': county 'b' has no province code (its field is empty), and its prefecture "
            "'P1' lies in province 'X' (county 'a'): fill the county's province in");
}

/* With --population the units' population field is not read: an empty one in it was warned
 * about as unknown people, and recorded in run.json, though the raster gave them. */
Test(geo, empty_population_field_is_no_news_with_a_population_raster)
{
    cli_put("b.geojson", FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5510000)) ","
                               UNIT("b", "p2", null, BOX(510000, 5500000, 520000, 5510000))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    utm_network();
    cli_put("p.asc", "ncols 4\nnrows 2\nxllcorner 500000\nyllcorner 5500000\ncellsize 5000\n"
                     "1 1 1 1\n1 1 1 1\n");
    cli_sh_ok("gdal_translate -q -a_srs EPSG:32633 p.asc p.tif");
    int rc = run("--hubs hub --population p.tif");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(e, "");
    free(e);
}

/* hub h's people_reached (summary.csv, 9th field). */
static double people_reached(const char *hub)
{
    char p[300];
    snprintf(p, sizeof p, "%s/o/hubs/%s/summary.csv", cli_tmp, hub);
    char *csv = cli_slurp(p), *q = strchr(csv, '\n');
    cr_assert_not_null(q);
    for (int i = 0; i < 8 && q; i++)
        q = strchr(q + 1, ',');
    cr_assert_not_null(q, "%s", csv);
    double v = atof(q + 1);
    free(csv);
    return v;
}

/* A 1 km population pixel of 10,000 people astride the shore of a unit whose east half is
 * --water: the half on the sea was spread over the unit's whole 50 km² of land (a hub 3 km
 * from the pixel counted 6,888 of them, one 6 km away 1,006). They live on the shore: carried
 * to the nearest land cell, all 10,000 are within 3 km of the one and none of the other. */
Test(geo, population_raster_people_on_water_go_to_the_nearest_shore)
{
    cli_put("b.geojson", FC(UTM33, UNIT("a", "p1", 0, BOX(500000, 5500000, 510000, 5510000))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    cli_put("w.geojson", FC(UTM33, "{\"type\":\"Feature\",\"properties\":{},\"geometry\":"
                                   BOX(505000, 5499000, 512000, 5511000) "}"));
    cli_put("st.geojson", FC(UTM33, STATION("shore", 1, 504000, 5505000) ","
                                STATION("far", 1, 500500, 5500500)));
    cli_put("ln.geojson", FC(UTM33, LINE("l1", 80, 10, 504000, 5505000, 500500, 5500500)));
    char grid[2000] = "";
    for (int r = 0; r < 11; r++)
        for (int c = 0; c < 12; c++)
            strcat(grid, r == 5 && c == 5 ? "10000" : "0"), strcat(grid, c == 11 ? "\n" : " ");
    cli_put("p.asc", "ncols 12\nnrows 11\nxllcorner 499500\nyllcorner 5499500\ncellsize 1000\n%s",
            grid);
    cli_sh_ok("gdal_translate -q -a_srs EPSG:32633 p.asc p.tif");
    int rc = run("--population p.tif --water w.geojson --crs EPSG:32633 --budget 9 "
                 "--egress-speed 20 --detour 1");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    cr_assert_float_eq(people_reached("shore"), 10000, 0.5);
    cr_assert_float_eq(people_reached("far"), 0, 0.5);
}

/* `isoreach reach --boundaries OTHER --min-reach 50`: run.json's "reach" gives each hub's
 * jurisdiction in the boundaries the tables now come from (its "hubs" still named the run's
 * unit, 'a', which is not in them), and the --min-reach they use. */
Test(geo, reach_records_the_jurisdiction_in_its_boundaries)
{
    utm_region();
    cr_assert_eq(run("--hubs hub"), 0);
    cli_put("b2.geojson", FC(UTM33, UNIT("all", "p9", 3000, BOX(500000, 5500000, 520000, 5510000))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b2.gpkg b2.geojson");
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o --boundaries b2.gpkg --min-reach 50",
                        cli_tmp, ISR_CLI),
                 0);
    json_object *root = run_json(), *j;
    /* and the --min-reach the tables now use (options keep the run's 0.5) */
    cr_assert(json_object_object_get_ex(root, "reach", &j) &&
              json_object_object_get_ex(j, "min_reach_km2", &j));
    cr_assert_float_eq(json_object_get_double(j), 50, 1e-9);
    cr_assert(json_object_object_get_ex(root, "reach", &j) &&
              json_object_object_get_ex(j, "jurisdiction", &j) &&
              json_object_object_get_ex(j, "hub", &j) && json_object_object_get_ex(j, "unit", &j),
              "%s", json_object_to_json_string(root));
    cr_assert_str_eq(json_object_get_string(j), "all");
    json_object_put(root);
}

/* An --out that holds someone's files but no isoreach output (`--out .` in a project
 * folder): its README.md and index.html were replaced. Refused, and left as it was. */
Test(geo, out_folder_of_other_files_is_refused)
{
    utm_region();
    cli_sh_ok("mkdir -p o && echo mine > o/README.md");
    int rc = run("--hubs hub");
    refused_with(rc, "output folder 'o' (--out) holds files that are not an "
                     "isoreach output ('README.md'): a run writes README.md, index.html and "
                     "more into it; give a new or empty folder");
    cr_assert_eq(cli_sh("cd '%s' && ls -A o | tr '\\n' ' ' | grep -qx 'README.md ' && "
                        "grep -qx mine o/README.md", cli_tmp),
                 0, "the folder was changed");
    /* a data folder that also holds a hubs/ (or scenarios/) folder passed for an output, and
     * its README.md was replaced (a new-user pass): refused, and for an index.html of its
     * own; an earlier run's folder is still taken */
    cli_sh_ok("mkdir o/hubs");
    rc = run("--hubs hub");
    refused_with(rc, "output folder 'o' (--out) holds files that are not an "
                     "isoreach output ('README.md', 'hubs'): a run writes README.md, "
                     "index.html and more into it; give a new or empty folder");
    cli_sh_ok("grep -qx mine o/README.md && mv o/README.md o/notes.md && echo '<p>mine' > "
              "o/index.html");
    rc = run("--hubs hub");
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert_not_null(strstr(e, "holds files that are not an isoreach output ('hubs', "
                                 "'index.html', 'notes.md')"),
                       "%s", e);
    free(e);
    /* a folder holding another program's run.json (and notes): taken for an earlier run's,
     * its run.json replaced (a new-user pass); refused; and beside an isoreach README.md */
    cli_sh_ok("grep -qx '<p>mine' o/index.html && rm -rf o && mkdir o && echo USERDATA > "
              "o/run.json && echo n > o/notes.txt");
    rc = run("--hubs hub");
    refused_with(rc, "output folder 'o' (--out) holds files that are not an "
                     "isoreach output ('notes.txt', 'run.json'): a run writes README.md, "
                     "index.html and more into it; give a new or empty folder");
    cli_sh_ok("echo '# isoreach output' > o/README.md");
    rc = run("--hubs hub");
    refused_with(rc, "output folder 'o' (--out) holds a run.json that isoreach "
                     "did not write: a run would replace it; give a new or empty folder, or "
                     "an earlier run's output folder");
    cli_sh_ok("grep -qx USERDATA o/run.json && rm -rf o");
    cr_assert_eq(run("--hubs hub"), 0);
    cr_assert_eq(run("--hubs hub"), 0, "%s", cli_stderr()); /* its own README and web map */
    /* a data folder holding a region/ of its own (summary.json, reach_matrix.csv: names a run
     * writes) passed for an output, and both were written over (a new-user pass): refused,
     * left as it was; a run's folder holds its mark, .isoreach-output, and one whose first
     * run was stopped before run.json and README.md (only hubs/ and the mark) is resumed */
    cli_sh_ok("test -f o/.isoreach-output && rm -rf o && mkdir -p o/region && echo '{\"mine\":1}' "
              "> o/region/summary.json");
    rc = run("--hubs hub");
    refused_with(rc, "output folder 'o' (--out) holds files that are not an "
                     "isoreach output ('region'): a run writes README.md, index.html and "
                     "more into it; give a new or empty folder");
    cli_sh_ok("grep -qx '{\"mine\":1}' o/region/summary.json && rm -rf o");
    cr_assert_eq(run("--hubs hub"), 0);
    cli_sh_ok("rm -rf o/run.json o/README.md o/index.html o/isoreach.qgs o/region && ls -A o | tr "
              "'\\n' ' ' | grep -qx '.isoreach-output hubs '");
    cr_assert_eq(run("--hubs hub"), 0, "%s", cli_stderr());
    cli_sh_ok("test -f o/run.json && test -f o/region/units.geojson");
}

/* A later run kept what an earlier one wrote and it does not (region/friction.tif of
 * --write-friction, a GTFS run's hubs/<hub>/percentiles.tif, scenarios/NAME/), and its
 * README.md described them as its own (a new-user pass): the two files are removed, said,
 * and a scenario of the earlier run is warned about. */
Test(geo, a_later_run_clears_what_it_does_not_write_over)
{
    utm_region();
    cr_assert_eq(run("--hubs hub --write-friction"), 0);
    cli_sh_ok("test -f o/region/friction.tif && cp o/hubs/hub/travel_time.tif "
              "o/hubs/hub/percentiles.tif && mkdir -p o/scenarios/old && cp o/run.json "
              "o/scenarios/old/scenario.json");
    cr_assert_eq(cli_sh("cd '%s' && %s run --no-maps --out o --boundaries b.gpkg --stations "
                        "st.geojson --lines ln.geojson --resolution 1000 --threads 1 --hubs hub",
                        cli_tmp, ISR_CLI),
                 0);
    char *e = cli_stderr();
    cr_assert_not_null(strstr(e, "isoreach: removed what an earlier run left in 'o' that this "
                                 "run does not write: 1 hubs/*/percentiles.tif (of a GTFS "
                                 "timetable) and region/friction.tif (of --write-friction)\n"),
                       "%s", e);
    cr_assert_not_null(strstr(e, "isoreach: warning: 'o/scenarios' holds 1 scenario of an "
                                 "earlier run (old), not of this one"),
                       "%s", e);
    free(e);
    cli_sh_ok("test ! -e o/region/friction.tif && test ! -e o/hubs/hub/percentiles.tif && "
              "! grep -q 'friction.tif\\|percentiles.tif' o/README.md");
}

/* A finished run's run.json stayed while a later run with other settings (a shard here, or
 * an interrupted run) replaced some hubs: `reach` and `map` took the mixed folder as whole.
 * The later run removes it before its first hub; `reach` then refuses the folder. */
Test(geo, a_later_run_removes_the_earlier_run_json_before_its_hubs)
{
    utm_region();
    cr_assert_eq(run("--hubs hub"), 0);
    cr_assert_eq(cli_sh("test -f '%s/o/run.json'", cli_tmp), 0);
    cr_assert_eq(run("--hubs hub --budget 45 --shard 1/1"), 0);
    cr_assert_eq(cli_sh("test -e '%s/o/run.json'", cli_tmp), 1, "run.json of budget 60 kept");
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o", cli_tmp, ISR_CLI), 1);
}

/* A shard while a run of all hubs holds the folder (and a run while a shard does) wrote its
 * hubs beside the other's, under a run.json of other settings. Each is now refused. The
 * holder here is a live process (sleep) whose PID is in the lock file. */
Test(geo, a_shard_and_a_whole_run_refuse_each_other)
{
    utm_region();
    cr_assert_eq(run("--hubs hub"), 0);
    cli_sh_ok("{ sleep 60 >/dev/null 2>&1 & echo $! > o/.isoreach.lock; echo $! > o/holder; }");
    int rc = run("--hubs hub --shard 1/2");
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert_not_null(strstr(e, "isoreach: --out 'o' is in use by a run of all its hubs "
                                 "(process "), "%s", e);
    free(e);
    cli_sh_ok("mv o/.isoreach.lock o/.isoreach-shard-2-of-2.lock");
    rc = run("--hubs hub");
    e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert_not_null(strstr(e, "isoreach: --out 'o' is in use by a shard of a run (process "),
                       "%s", e);
    free(e);
    cli_sh_ok("kill $(cat o/holder)");
}

/* A shard at 45 minutes (3 bands), then a run at 60 (4 bands) into the same folder: merge
 * called the hub's isochrones "not whole", though they parse; they are of other bands. */
Test(geo, merge_says_the_isochrones_are_of_other_bands)
{
    utm_region();
    cr_assert_eq(run("--hubs hub --budget 45 --shard 1/1"), 0);
    cr_assert_eq(run("--hubs hub"), 0);
    cr_assert_eq(cli_sh("cd '%s' && %s merge -q --out o --budget 45", cli_tmp, ISR_CLI), 1);
    char *e = cli_stderr();
    cr_assert_not_null(strstr(e, "isochrones.geojson' holds 8 features where this run's 3 "
                                 "bands make 6: it was made with other --bands or --budget"),
                       "%s", e);
    free(e);
}

/* ---- edges in lon/lat ----------------------------------------------------------------------- */

/* Hub h's reach.csv row of unit `code`: its area_km2, reached_km2 and min_minutes. */
static void reach_row(const char *out, const char *code, double v[3])
{
    char p[400], key[64];
    snprintf(p, sizeof p, "%s/%s/hubs/h/reach.csv", cli_tmp, out);
    snprintf(key, sizeof key, "\nh,county,%s,", code);
    char *csv = cli_slurp(p), *row = strstr(csv, key);
    cr_assert_not_null(row, "no unit %s in %s", code, csv);
    /* hub_id,level,code,name,name_en,prefecture_code,province_code,area_km2,reached_km2,
     * area_share,population,pop_reached,pop_share,min_minutes */
    double f[14];
    char *q = row + 1;
    for (int i = 0; i < 14; i++) {
        f[i] = atof(q);
        q = strchr(q, ',');
        cr_assert_not_null(q);
        q++;
    }
    v[0] = f[7];
    v[1] = f[8];
    v[2] = f[13];
    free(csv);
}

Test(geo, lon_lat_edges_follow_the_parallel_not_the_chord)
{
    /* Two lon/lat boxes at 70°N given by their four corners: u1 20–25°E × 69.5–70°N, u3
     * 20–25°E × 70–70.3°N. Their shared edge is the 70°N parallel, as every GIS draws it; its
     * chord in the analysis CRS lies 2.1 km north of it at 22.5°E. The hub 10 km south of the
     * parallel: at 20 km/h with detour 1.3, u3 is first reached after 10 × 1.3 / 20 × 60 =
     * 39 min (± 2.7 for the 1 km cell), not the chord's 47. The same boxes with a vertex
     * every 0.001° give the same tables. */
    cli_put("b.geojson", FC("", UNIT("u1", "p1", 1000, BOX(20, 69.5, 25, 70)) ","
                            UNIT("u3", "p1", 1000, BOX(20, 70, 25, 70.3))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    cli_put("st.geojson", FC("", STATION("h", 1, 22.5, 69.91037) ","
                             STATION("s2", 0, 21.5, 69.7)));
    cli_put("ln.geojson", FC("", LINE("l", 100, 10, 22.5, 69.91037, 21.5, 69.7)));
    int rc = run("--hubs h");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    cli_sh_ok("mv o sparse && ogr2ogr -f GPKG -nln units -segmentize 0.001 dense.gpkg b.gpkg && "
              "mv dense.gpkg b.gpkg");
    rc = run("--hubs h");
    cr_assert_eq(rc, 0);
    double s1[3], s3[3], d1[3], d3[3];
    reach_row("sparse", "u1", s1);
    reach_row("sparse", "u3", s3);
    reach_row("o", "u1", d1);
    reach_row("o", "u3", d3);
    cr_assert(fabs(s3[2] - 39.0) < 2.7, "u3 first reached after %.2f min, not 39", s3[2]);
    for (int i = 0; i < 3; i++) {
        cr_assert(fabs(s1[i] - d1[i]) <= 1e-9 * fabs(d1[i]) + 1e-9, "u1 field %d: %f vs %f", i,
                  s1[i], d1[i]);
        cr_assert(fabs(s3[i] - d3[i]) <= 1e-9 * fabs(d3[i]) + 1e-9, "u3 field %d: %f vs %f", i,
                  s3[i], d3[i]);
    }
}

/* ---- the 180° meridian (§7) ----------------------------------------------------------------- */

Test(geo, region_across_the_180_meridian)
{
    /* Fiji-like, at 17°S: unit w at 179.7°E–180°, unit e at 180°–179.7°W, 0.4° tall; two
     * stations 0.094° either side of the meridian on a line across it */
    cli_put("b.geojson", FC("", UNIT("w", "p1", 1000, BOX(179.7, -17.2, 180, -16.8)) ","
                            UNIT("e", "p1", 1000, BOX(-180, -17.2, -179.7, -16.8))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    cli_put("st.geojson", FC("", STATION("west", 1, 179.906, -17.0) ","
                             STATION("east", 0, -179.906, -17.0)));
    cli_put("ln.geojson", FC("", LINE("l", 120, 10, 179.906, -17.0, -179.906, -17.0)));
    int rc = run("--hubs west");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(e, "");
    free(e);
    json_object *root = run_json();
    json_object *g = json_object_object_get(root, "grid");
    /* 0.6° of longitude at 17°S is 63.9 km wide, not 40,000 km */
    double width_m = json_object_get_int(json_object_object_get(g, "width")) *
                     json_object_get_double(json_object_object_get(g, "cell_m"));
    cr_assert(width_m > 63000 && width_m < 66000, "grid %f m wide", width_m);
    json_object_put(root);
    /* 0.188° along the 17°S parallel: 0.188 × π/180 × N cos φ (N = 6379962 m) = 20.02 km;
     * at 120 km/h 10.01 min, plus half the 10-minute headway: 15.01 min */
    char p[300];
    snprintf(p, sizeof p, "%s/o/hubs/west/stations.csv", cli_tmp);
    char *csv = cli_slurp(p);
    char *row = strstr(csv, "\nwest,east,east,,"); /* hub_id, station_id, names */
    cr_assert_not_null(row, "%s", csv);
    double t = atof(row + strlen("\nwest,east,east,,"));
    cr_assert(fabs(t - 15.01) < 0.02, "rail minutes %f", t);
    free(csv);
}

/* Fiji-like again, with the units as a GeoJSON writer splits them at ±180 (RFC 7946): unit w
 * at 179.7°–179.85°E, unit m across the meridian as a MultiPolygon of its two halves
 * (179.85°E–180°, 180°–179.85°W), unit e at 179.85°–179.7°W, all 17.2°–16.8°S; north of m,
 * units n1 (179.85°E–180°) and n2 (180°–179.85°W), 16.8°–16.6°S, which only touch at 180°.
 * Hubs west (in w) and east (in e) on a line across. */
#define SPLIT_M                                                                                \
    "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[179.85,-17.2],[180,-17.2],[180,-16.8],"   \
    "[179.85,-16.8],[179.85,-17.2]]],[[[-180,-17.2],[-179.85,-17.2],[-179.85,-16.8],"         \
    "[-180,-16.8],[-180,-17.2]]]]}"
static void split_region(void)
{
    cli_put("b.geojson", FC("", UNIT("w", "p1", 1000, BOX(179.7, -17.2, 179.85, -16.8)) ","
                            UNIT("m", "p1", 1000, SPLIT_M) ","
                            UNIT("e", "p2", 1000, BOX(-179.85, -17.2, -179.7, -16.8)) ","
                            UNIT("n1", "p1", 1000, BOX(179.85, -16.8, 180, -16.6)) ","
                            UNIT("n2", "p2", 1000, BOX(-180, -16.8, -179.85, -16.6))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    cli_put("st.geojson", FC("", STATION("west", 1, 179.78, -17.0) ","
                             STATION("east", 1, -179.78, -17.0)));
    cli_put("ln.geojson", FC("", LINE("l", 120, 10, 179.78, -17.0, -179.78, -17.0)));
}

/* Unit m split at ±180 as RFC 7946 asks is valid in lon/lat; once reprojected its parts
 * share the seam. That was warned about as an invalid polygon of the input, "repaired". */
Test(geo, a_unit_split_at_the_180_meridian_is_no_invalid_input)
{
    split_region();
    int rc = run("--hubs west");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(e, "");
    free(e);
}

/* Every polygon of a GeoJSON output under o/ in lon/lat: none wider than 180° of longitude
 * (a ring wrapped round the world) and each valid. Returns how many polygons there are. */
typedef struct polygon_count {
    const char *rel;
    int n;
} polygon_count;

static void within_180(void *feature, void *user)
{
    OGRFeatureH f = feature;
    polygon_count *c = user;
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    int multi = g && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon;
    for (int i = 0; g && i < (multi ? OGR_G_GetGeometryCount(g) : 1); i++, c->n++) {
        OGRGeometryH part = multi ? OGR_G_GetGeometryRef(g, i) : g;
        OGREnvelope e;
        OGR_G_GetEnvelope(part, &e);
        cr_assert(e.MaxX - e.MinX <= 180 && e.MinX >= -180 && e.MaxX <= 180,
                  "%s: feature %lld spans %f..%f", c->rel, (long long)OGR_F_GetFID(f), e.MinX,
                  e.MaxX);
    }
    cr_assert(!g || OGR_G_IsValid(g), "%s: feature %lld is invalid", c->rel,
              (long long)OGR_F_GetFID(f));
}

static int polygons_within_180(const char *rel)
{
    polygon_count c = {rel, 0};
    char p[400];
    snprintf(p, sizeof p, "%s/o/%s", cli_tmp, rel);
    cli_each_feature(p, within_180, &c);
    return c.n;
}

/* The split region in a --crs of its own, each centred on the meridian: Fiji's own grid
 * (EPSG:3460, transverse Mercator at 178.75°E) and an azimuthal equal-area at 180°, 17°S.
 * The line across, drawn as RFC 7946 splits it (a MultiLineString of its two halves, ending
 * at 180° and at -180°), is one path: its two ends there are the same point, a few nanometres
 * apart once projected (refused before: "parts that do not join ... the gap is 0.0 m"). Every
 * GeoJSON output is cut at the meridian: GDAL's own cut left rings wrapped round the world
 * (a polar LAEA, EPSG:3571) or crossing themselves at 180° (Alaska Albers, EPSG:3338). */
Test(geo, a_crs_of_its_own_across_the_180_meridian)
{
    static const char *const crs[] = {"EPSG:3460",
                                       "'+proj=laea +lat_0=-17 +lon_0=180 +datum=WGS84 +units=m'"};
    for (size_t c = 0; c < sizeof crs / sizeof *crs; c++) {
        split_region();
        cli_put("ln.geojson",
                FC("", "{\"type\":\"Feature\",\"properties\":{\"id\":\"l\",\"name\":\"l\","
                       "\"speed_kmh\":120,\"headway\":10},\"geometry\":{\"type\":"
                       "\"MultiLineString\",\"coordinates\":[[[179.78,-17.0],[180,-17.0]],"
                       "[[-180,-17.0],[-179.78,-17.0]]]}}"));
        cli_sh_ok("rm -rf o");
        int rc = run("--hubs west,east --crs %s", crs[c]);
        char *e = cli_stderr();
        cr_assert_eq(rc, 0, "%s: %s", crs[c], e);
        free(e);
        /* 0.44° along 17°S: 46.85 km at 120 km/h, 23.4 min, plus half the headway */
        char p[300];
        snprintf(p, sizeof p, "%s/o/hubs/west/stations.csv", cli_tmp);
        char *csv = cli_slurp(p);
        char *row = strstr(csv, "\nwest,east,east,,");
        cr_assert_not_null(row, "%s", csv);
        double t = atof(row + strlen("\nwest,east,east,,"));
        cr_assert(fabs(t - 28.42) < 0.1, "%s: rail minutes %f", crs[c], t);
        free(csv);
        /* units w, m (two halves), e, n1, n2 */
        cr_assert_eq(polygons_within_180("region/units.geojson"), 6, "%s", crs[c]);
        cr_assert_geq(polygons_within_180("region/provinces.geojson"), 2, "%s", crs[c]);
        cr_assert_geq(polygons_within_180("hubs/west/isochrones.geojson"), 8, "%s", crs[c]);
        cr_assert_geq(polygons_within_180("hubs/east/isochrones.geojson"), 8, "%s", crs[c]);
    }
}

/* The web map's data (OUT/index.html's isoreach-data script) as JSON. */
static json_object *webmap_data(void)
{
    char p[300];
    snprintf(p, sizeof p, "%s/o/index.html", cli_tmp);
    char *html = cli_slurp(p);
    const char *tag = "<script id=\"isoreach-data\" type=\"application/json\">";
    char *at = strstr(html, tag), *end = at ? strstr(at, "</script>") : NULL;
    cr_assert(at && end, "no data in %s", p);
    *end = '\0';
    json_object *d = json_tokener_parse(at + strlen(tag));
    cr_assert_not_null(d, "the web map's data do not parse");
    free(html);
    return d;
}

/* The longitude range of a delta-encoded line or ring [x0,y0,dx,dy,…] into lon[2]. */
static void line_lons(json_object *line, double scale, double lon[2])
{
    long x = 0;
    for (size_t k = 0; k + 1 < json_object_array_length(line); k += 2) {
        x += json_object_get_int64(json_object_array_get_idx(line, k));
        lon[0] = fmin(lon[0], x / scale);
        lon[1] = fmax(lon[1], x / scale);
    }
}

static double num_at(json_object *a, size_t i)
{
    return json_object_get_double(json_object_array_get_idx(a, i));
}

/* The share of a screenshot's pixels left of x1 that are coloured (max - min of R, G, B over
 * 60: the bands; the land, the sea, the borders and the labels are greys and pale blues). */
static double coloured_share(const char *png, int x1)
{
    GDALDatasetH ds = GDALOpen(png, GA_ReadOnly);
    cr_assert_not_null(ds, "cannot read %s", png);
    int w = GDALGetRasterXSize(ds), h = GDALGetRasterYSize(ds), n = 0;
    unsigned char *px = malloc((size_t)w * h * 3);
    cr_assert_eq(GDALDatasetRasterIO(ds, GF_Read, 0, 0, w, h, px, w, h, GDT_Byte, 3, NULL, 0, 0, 0),
                 CE_None);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < x1 && x < w; x++) {
            const unsigned char *c = px + (size_t)y * w + x;
            size_t plane = (size_t)w * h;
            int r = c[0], g = c[plane], b = c[2 * plane];
            int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
            int lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
            n += hi - lo > 60;
        }
    free(px);
    GDALClose(ds);
    return (double)n / ((double)(x1 < w ? x1 : w) * h);
}

Test(geo, web_map_of_a_region_across_the_180_meridian)
{
    split_region();
    cr_assert_eq(run("--hubs west,east --budget 45"), 0, "%s", cli_output());
    json_object *d = webmap_data(), *bbox = json_object_object_get(d, "bbox");
    double scale = json_object_get_double(json_object_object_get(d, "scale"));
    /* the region in one piece east of 180°: 179.7 … 180.3 (-179.7 + 360), not -180 … 180,
     * which Leaflet fits as the whole world */
    double w = num_at(bbox, 0), e = num_at(bbox, 2);
    cr_assert(fabs(w - 179.7) < 1e-3 && fabs(e - 180.3) < 1e-3, "bbox %f … %f", w, e);
    json_object *hubs = json_object_object_get(d, "hubs");
    for (size_t h = 0; h < json_object_array_length(hubs); h++) {
        json_object *hub = json_object_array_get_idx(hubs, h);
        double lon[2] = {INFINITY, -INFINITY};
        double hub_lon = num_at(json_object_object_get(hub, "ll"), 1);
        json_object *bands = json_object_object_get(hub, "bands");
        for (size_t b = 0; b < json_object_array_length(bands); b++) {
            json_object *g = json_object_object_get(json_object_array_get_idx(bands, b), "g");
            for (size_t p = 0; p < json_object_array_length(g); p++) {
                json_object *poly = json_object_array_get_idx(g, p);
                for (size_t r = 0; r < json_object_array_length(poly); r++)
                    line_lons(json_object_array_get_idx(poly, r), scale, lon);
            }
        }
        cr_assert(lon[0] >= w - 1e-3 && lon[1] <= e + 1e-3 && lon[1] > lon[0],
                  "hub %zu's bands at %f … %f", h, lon[0], lon[1]);
        cr_assert(hub_lon > w && hub_lon < e, "hub %zu at %f", h, hub_lon);
    }
    /* the border of n1 and n2 at 180° is drawn (level 2: two provinces); the seam inside m,
     * also at 180°, is no border */
    json_object *borders = json_object_object_get(d, "borders");
    int at_180 = 0;
    for (size_t i = 0; i < json_object_array_length(borders); i++) {
        json_object *arc = json_object_array_get_idx(borders, i);
        double lon[2] = {INFINITY, -INFINITY};
        line_lons(json_object_array_get_idx(arc, 1), scale, lon);
        cr_assert(lon[0] >= w - 1e-3 && lon[1] <= e + 1e-3, "a border at %f … %f", lon[0],
                  lon[1]);
        if (fabs(lon[0] - 180) < 1e-6 && fabs(lon[1] - 180) < 1e-6) {
            at_180++;
            cr_assert_eq(json_object_get_int(json_object_array_get_idx(arc, 0)), 2,
                         "the border on the 180° meridian is of level %d",
                         json_object_get_int(json_object_array_get_idx(arc, 0)));
        }
    }
    cr_assert_eq(at_180, 1, "%d borders on the 180° meridian", at_180);
    json_object *stations = json_object_object_get(json_object_object_get(d, "rail"), "stations");
    for (size_t i = 0; i < json_object_array_length(stations); i++) {
        json_object *st = json_object_array_get_idx(stations, i);
        double lon = num_at(json_object_object_get(st, "ll"), 1);
        cr_assert(lon > w && lon < e, "station at %f", lon);
    }
    json_object_put(d);
    /* as a reader sees it: the page fitted on hub east shows its bands (before, a world map
     * with the region as a sliver at each edge) */
    if (cli_sh("test -x /usr/bin/chromium") != 0)
        return;
    cli_sh_ok("timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "
              "--window-size=1200,800 --virtual-time-budget=5000 --screenshot=\"$PWD/shot.png\" "
              "\"file://$PWD/o/index.html#hub=east\" >/dev/null 2>&1");
    char png[300];
    snprintf(png, sizeof png, "%s/shot.png", cli_tmp);
    double share = coloured_share(png, 850); /* left of the panel */
    cr_assert(share > 0.05, "%.4f of the map is bands", share);
}

/* ---- hubs outside the region (§10) -------------------------------------------------------- */

/* Unit a: 10 × 20 km (x 500–510 km, y 5500–5520 km, province p1); unit b: 10 × 5 km beside
 * its bottom (x 510–520, y 5500–5505, province p2). The grid's top-right corner (x 510–520,
 * y 5505–5520) lies in no unit. */
static void l_region(void)
{
    cli_put("b.geojson", FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5520000)) ","
                               UNIT("b", "p2", 2000, BOX(510000, 5500000, 520000, 5505000))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    cli_put("st.geojson", FC(UTM33, STATION("near", 1, 515500, 5508000) ","
                                STATION("sb", 0, 515500, 5502500) ","
                                STATION("lost", 1, 517000, 5515000) ","
                                STATION("far", 0, 505000, 5570000)));
    cli_put("ln.geojson", FC(UTM33, LINE("l1", 60, 10, 515500, 5508000, 515500, 5502500) ","
                                LINE("l2", 60, 10, 517000, 5515000, 505000, 5570000)));
}

Test(geo, hub_outside_the_polygons_takes_the_nearest_unit_within_5_km)
{
    l_region();
    int rc = run("--crs EPSG:32633 --hubs near,lost --budget 45");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(e, "isoreach: warning: 2 stations lie on a cell that local travel cannot "
                        "leave, with no cell it can leave within 2 km (cell centre to cell "
                        "centre; in the sea, a lake, a barrier of --water or --friction, outside "
                        "every boundary polygon, or on an islet of one cell): 'near', 'lost'; "
                        "trains stop there, but local travel from them reaches nothing beyond "
                        "their own cells (a hub's circle is then what its trains reach); move "
                        "them onto land, or add their area to the boundaries\n"
                        "isoreach: warning: hub 'near' lies outside every boundary polygon, 3.0 "
                        "km from 'unit b' (b): that unit, the nearest within 5 km, is taken as "
                        "its own jurisdiction\n"
                        "isoreach: warning: hub 'lost' lies outside every boundary polygon, 7.0 "
                        "km from the nearest unit 'unit a' (a): no unit lies within 5 km, so it "
                        "has no jurisdiction of its own and all of its reach counts as "
                        "cross-border\n"
                        /* 'far', on l2 but not a hub, lies off the grid: named too */
                        "isoreach: warning: 1 station lies off the region's grid (beyond the "
                        "extent of boundaries 'b.gpkg' layer 'units'): 'far'; trains stop there "
                        "and stations.csv gives the rail time, but it has no cell: no "
                        "door-to-door time and no local travel from it; add their area to the "
                        "boundaries if they matter\n");
    free(e);
    json_object *root = run_json();
    json_object *hubs = json_object_object_get(root, "hubs");
    json_object *j0 = json_object_object_get(json_object_array_get_idx(hubs, 0), "jurisdiction");
    cr_assert_str_eq(json_object_get_string(json_object_object_get(j0, "unit")), "b");
    cr_assert_str_eq(json_object_get_string(json_object_object_get(j0, "how")), "nearest, 3.0 km");
    json_object *j1 = json_object_object_get(json_object_array_get_idx(hubs, 1), "jurisdiction");
    cr_assert_null(json_object_object_get(j1, "unit"));
    cr_assert_str_eq(json_object_get_string(json_object_object_get(j1, "how")), "none");
    json_object_put(root);
    /* 'near' reaches b by rail (own province p2) and a beyond it on foot (cross-border) */
    char p[300];
    snprintf(p, sizeof p, "%s/o/hubs/near/reach.csv", cli_tmp);
    char *csv = cli_slurp(p);
    cr_assert(strstr(csv, "\nnear,county,b,unit b,,b,p2,50.000,"), "%s", csv);
    cr_assert(strstr(csv, ",0,50.000\n"), "%s", csv); /* pop_unknown_units, land_km2 */
    char *a = strstr(csv, "\nnear,county,a,unit a,,a,p1,");
    cr_assert_not_null(a, "%s", csv);
    /* other_province 1, other_prefecture 1, pop_unknown_units 0, land_km2 200 (no water) */
    cr_assert_eq(strncmp(strchr(a + 1, '\n') - 14, ",1,1,0,200.000", 14), 0, "%s", csv);
    free(csv);
}

/* A harbour station drawn 1.5 km out at sea by a coarse coastline: its cell touched no
 * passable cell, so local travel from it reached nothing, its own town included (a hub's
 * circle held only what its trains reached), and the warnings said it reached "what lies
 * inside the boundaries". It is now linked to the nearest land cell by a straight path at
 * the base speed, and said; a station farther out than 2 km is said to reach nothing. */
Test(geo, a_station_at_sea_is_linked_to_the_nearest_land)
{
    cli_put("b.geojson", FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5520000)) ","
                               UNIT("b", "p2", 2000, BOX(510000, 5500000, 520000, 5505000))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    cli_put("st.geojson", FC(UTM33, STATION("port", 1, 511500, 5512500) ","
                                STATION("inland", 0, 503500, 5512500) ","
                                STATION("rock", 0, 516500, 5515500)));
    cli_put("ln.geojson", FC(UTM33, LINE("l1", 60, 10, 511500, 5512500, 503500, 5512500) ","
                                LINE("l2", 60, 10, 503500, 5512500, 516500, 5515500)));
    int rc = run("--crs EPSG:32633 --hubs port --budget 30");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_not_null(strstr(e, "isoreach: warning: 1 station lies on a cell that local travel "
                                 "cannot leave (in the sea, a lake, a barrier of --water or "
                                 "--friction, outside every boundary polygon, or on an islet of "
                                 "one cell: a coastline drawn coarser than the stations?): "
                                 "'port' (2.00 km); each is linked to the nearest cell local "
                                 "travel can leave by a straight path"),
                       "%s", e);
    /* 'rock' is 5 km from a and 10.5 km from b; said once, not also as reaching "what lies
     * inside the boundaries" */
    cr_assert_not_null(strstr(e, "isoreach: warning: 1 station lies on a cell that local travel "
                                 "cannot leave, with no cell it can leave within 2 km (cell "
                                 "centre to cell centre; in the sea, a lake, a barrier of --water "
                                 "or --friction, outside every boundary polygon, or on an islet "
                                 "of one cell): 'rock'; trains stop there, but local travel from "
                                 "it reaches nothing beyond its own cell"),
                       "%s", e);
    cr_assert_null(strstr(e, "outside every boundary polygon of"), "%s", e);
    free(e);
    /* the land cell 2 km west of the port: 2000 m × 1.3 × 3.6 / 20 km/h = 468 s, straight
     * along the link (by rail to 'inland' and back on foot it would take over 20 min) */
    cr_assert_float_eq(raster_at("o/hubs/port/travel_time.tif", 509500, 5512500), 7.8, 0.01);
    cr_assert_float_eq(raster_at("o/hubs/port/travel_time.tif", 508500, 5512500), 7.8 + 3.9,
                       0.01);
    /* the link is a path of cells, not a surface: the sea beside it stays closed */
    cr_assert_eq(raster_at("o/hubs/port/travel_time.tif", 511500, 5513500), -9999);
    /* a link across corners: land only to the south-west of a pier 1.06 km off a's corner.
     * Its cells touched at corners only, between barriers, where neither kernel moves, so
     * the link reached nothing (the review found it); each step is now across a side */
    cli_put("b.geojson", FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5510000)) ","
                               UNIT("b", "p2", 2000, BOX(515000, 5515000, 520000, 5520000))));
    cli_sh_ok("rm -rf o b.gpkg && ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    cli_put("st.geojson", FC(UTM33, STATION("pier", 1, 510750, 5510750) ","
                                STATION("far2", 0, 517750, 5517750)));
    cli_put("ln.geojson", FC(UTM33, LINE("l1", 60, 10, 510750, 5510750, 517750, 5517750)));
    rc = run("--crs EPSG:32633 --hubs pier --budget 15 --resolution 500");
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_not_null(strstr(e, "'pier' (1.41 km)"), "%s", e);
    free(e);
    /* a's corner cell, 1414 m away: at most the staircase's 2000 m × 0.234 s/m = 7.8 min */
    double t = raster_at("o/hubs/pier/travel_time.tif", 509750, 5509750);
    cr_assert(t >= 1414 * 0.234 / 60 - 0.01 && t <= 7.81, "%g min", t);
    double t2 = raster_at("o/hubs/pier/travel_time.tif", 508750, 5508750); /* 1414 m on */
    cr_assert(t2 > t && t2 <= 15, "inland: %g min", t2);
    /* a one-cell islet (unit i) beside a buoy is no way out: the buoy links to the mainland
     * 2 km off (it linked to the islet, 0.71 km, and reached only that); a row of stations
     * out to sea links only those within 2 km of land, not the next through their links
     * (c3 linked to c1's, 3 km from land by the path) */
    cli_put("b.geojson", FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5510000)) ","
                               UNIT("i", "p1", 10, BOX(511000, 5506000, 511500, 5506500)) ","
                               UNIT("b", "p2", 2000, BOX(515000, 5515000, 520000, 5520000))));
    cli_sh_ok("rm -rf o b.gpkg && ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    cli_put("st.geojson", FC(UTM33, STATION("buoy", 1, 511750, 5506750) ","
                                STATION("c1", 0, 511250, 5502250) ","
                                STATION("c2", 0, 511750, 5502250) ","
                                STATION("c3", 0, 512250, 5502250) ","
                                STATION("far3", 0, 517750, 5517750)));
    cli_put("ln.geojson", FC(UTM33, LINE("l1", 60, 10, 511750, 5506750, 517750, 5517750) ","
                                LINE("l2", 60, 10, 511250, 5502250, 512250, 5502250)));
    rc = run("--crs EPSG:32633 --hubs buoy --budget 15 --resolution 500");
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_not_null(strstr(e, "'buoy' (2.00 km), 'c1' (1.50 km), 'c2' (2.00 km); each is "
                                 "linked"),
                       "%s", e);
    cr_assert_not_null(strstr(e, "): 'c3'; trains stop there"), "%s", e);
    free(e);
    /* the mainland's cell 2 km west of the buoy: 2000 m × 0.234 s/m */
    cr_assert_float_eq(raster_at("o/hubs/buoy/travel_time.tif", 509750, 5506750), 7.8, 0.01);
}

/* A hub on the border of units a (province p1) and b (p2), at x = 510 km (a few nanometres
 * inside one of them once reprojected): its jurisdiction was the first of the two in the
 * layer, so every figure outside its province followed the order of the features. It is now
 * the unit holding the centre of its cell, where its travel starts, whatever the order, and
 * said. */
Test(geo, hub_on_a_border_takes_the_unit_of_its_cell_whatever_the_order)
{
    const char *units[2] = {UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5510000)),
                            UNIT("b", "p2", 2000, BOX(510000, 5500000, 520000, 5510000))};
    /* in the fitted Albers, then in the units' own CRS, where it lies on the border exactly */
    for (int crs = 0; crs < 2; crs++) {
        char *first = NULL;
        for (int order = 0; order < 2; order++) {
            cli_put("b.geojson", "{\"type\":\"FeatureCollection\"," UTM33 "\"features\":[%s,%s]}",
                    units[order], units[1 - order]);
            cli_sh_ok("rm -rf o b.gpkg && ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
            cli_put("st.geojson", FC(UTM33, STATION("hub", 1, 510000, 5505500) ","
                                        STATION("s2", 0, 515500, 5505500)));
            cli_put("ln.geojson",
                    FC(UTM33, LINE("l1", 80, 10, 510000, 5505500, 515500, 5505500)));
            int rc = run("--hubs hub%s", crs ? " --crs EPSG:32633" : "");
            char *e = cli_stderr();
            cr_assert_eq(rc, 0, "%s", e);
            cr_assert_not_null(strstr(e, "warning: hub 'hub' lies on the border of 'unit "),
                               "%s", e);
            cr_assert_not_null(strstr(e, " and 1 other unit: '"), "%s", e);
            free(e);
            char p[300];
            snprintf(p, sizeof p, "%s/o/hubs/hub/summary.csv", cli_tmp);
            char *csv = cli_slurp(p);
            if (first)
                cr_assert_str_eq(csv, first, "summary.csv follows the order of the features");
            free(first);
            first = csv;
        }
        free(first);
    }
}

/* Units a (province p1, x 500–510 km) and b (p2, x 508–520 km) overlap at x 508–510 km, b the
 * later in the layer, so the zone raster gives the overlap's cells to b. The hub at
 * (509.5, 5505.5) km lies inside both: its jurisdiction was a (the lower code, both holding
 * its cell's centre), said so, while the tables counted its cell in b: its own unit b came
 * out as another province. It is now b, the unit the tables count its cell in, and said. */
Test(geo, hub_inside_overlapping_units_takes_the_unit_of_its_cell_in_the_tables)
{
    cli_put("b.geojson", FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5510000)) ","
                               UNIT("b", "p2", 2000, BOX(508000, 5500000, 520000, 5510000))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    cli_put("st.geojson", FC(UTM33, STATION("hub", 1, 509500, 5505500) ","
                                STATION("s2", 0, 515500, 5505500)));
    cli_put("ln.geojson", FC(UTM33, LINE("l1", 80, 10, 509500, 5505500, 515500, 5505500)));
    int rc = run("--crs EPSG:32633 --hubs hub");
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_not_null(strstr(e, "isoreach: warning: hub 'hub' lies inside 'unit b' (b) and 1 "
                                 "other unit overlapping it there: 'b' is taken as its own "
                                 "jurisdiction, the unit its grid cell is counted in (where "
                                 "units overlap, the later in the layer); fix the overlap, or "
                                 "move the station into the unit you mean\n"),
                       "%s", e);
    free(e);
    json_object *root = run_json();
    json_object *hubs = json_object_object_get(root, "hubs");
    json_object *j = json_object_object_get(json_object_array_get_idx(hubs, 0), "jurisdiction");
    cr_assert_str_eq(json_object_get_string(json_object_object_get(j, "unit")), "b");
    json_object_put(root);
    char p[300];
    snprintf(p, sizeof p, "%s/o/hubs/hub/reach.csv", cli_tmp);
    char *csv = cli_slurp(p);
    /* b, whose cells hold the hub's (travel 0 minutes there), is its own province (0) */
    char *b = strstr(csv, "\nhub,county,b,unit b,,b,p2,");
    char *a = strstr(csv, "\nhub,county,a,unit a,,a,p1,");
    cr_assert(a && b, "%s", csv);
    char *t0 = strstr(b, ",0.00,");
    cr_assert(t0 && t0 < strchr(b + 1, '\n'), "%s", csv);
    /* other_province, other_prefecture, pop_unknown_units, then land_km2: b 120, a 80 */
    cr_assert_eq(strncmp(strchr(b + 1, '\n') - 14, ",0,0,0,120.000", 14), 0, "%s", csv);
    cr_assert_eq(strncmp(strchr(a + 1, '\n') - 13, ",1,1,0,80.000", 13), 0, "%s", csv);
    free(csv);
    /* isoreach reach on the same units: the same rule (rereach.c) */
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o --boundaries b.gpkg", cli_tmp, ISR_CLI), 0);
    root = run_json();
    json_object *re = json_object_object_get(root, "reach");
    j = json_object_object_get(json_object_object_get(re, "jurisdiction"), "hub");
    cr_assert_str_eq(json_object_get_string(json_object_object_get(j, "unit")), "b");
    json_object_put(root);
}

Test(geo, hub_off_the_grid_is_refused)
{
    l_region();
    int rc = run("--crs EPSG:32633 --hubs far");
    /* the grid's top edge is y = 5520 km: 'far' is 50 km north of it */
    refused(rc, "hub 'far' lies 50.0 km outside the region's grid (the extent of boundaries "
                "'b.gpkg' layer 'units'): add its area to the boundaries, or drop it from --hubs");
}

/* A hub whose name is longer than a map page's 255-byte buffers (137 Greek letters, 274 bytes):
 * the buffers cut it inside a letter, and pango warned and cairo's PDF refused the text, so
 * the run failed after its data ("cannot draw '…/map.pdf': input string not valid UTF-8").
 * Now every map is drawn and valid UTF-8, the cut letter dropped. */
Test(geo, a_hub_name_longer_than_a_map_buffer_is_drawn_whole_letters)
{
    utm_region();
    char name[400] = "";
    for (int i = 0; i < 137; i++)
        strcat(name, "Θ");
    cr_assert_eq(cli_sh("cd '%s' && sed -i 's/\"name\":\"hub\"/\"name\":\"%s\"/' st.geojson",
                        cli_tmp, name),
                 0);
    int rc = cli_sh("cd '%s' && %s run -q --out m --boundaries b.gpkg --stations st.geojson "
                    "--lines ln.geojson --resolution 2000 --threads 1 --hubs hub",
                    cli_tmp, ISR_CLI);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_null(strstr(e, "UTF-8"), "%s", e);
    free(e);
    cr_assert_eq(cli_sh("cd '%s/m/hubs/hub' && test -s map.pdf && test -s map.png && "
                        "/usr/bin/python3 -c \"import sys; t=open('map.svg','rb').read()"
                        ".decode('utf-8'); assert '\\ufffd' not in t; "
                        "assert 'ΘΘΘΘ' in t.split('<title>')[1]\"",
                        cli_tmp),
                 0, "map.svg is not valid UTF-8, or its title holds a replacement character");
}

/* A zipped shapefile named st.zip (what the README advises for a signed URL): GDAL opens
 * .shp.zip and .shz itself, .zip only through /vsizip/, so it was "cannot open as a vector
 * source", the message of a file that is no zip at all (a new-user pass). */
Test(geo, a_zipped_shapefile_named_zip_is_read)
{
    utm_region();
    cr_assert_eq(run("--hubs hub"), 0, "%s", cli_stderr());
    cli_sh_ok("mv o o1 && ogr2ogr -f 'ESRI Shapefile' st.shp st.geojson && /usr/bin/python3 -c "
              "\"import zipfile; z = zipfile.ZipFile('st.zip', 'w'); "
              "[z.write('st.' + e) for e in ('shp', 'shx', 'dbf', 'prj')]\" && rm st.shp");
    cr_assert_eq(cli_sh("cd '%s' && %s run -q --no-maps --out o --boundaries b.gpkg --stations "
                        "st.zip --lines ln.geojson --resolution 1000 --threads 1 --hubs hub",
                        cli_tmp, ISR_CLI),
                 0, "%s", cli_stderr());
    cr_assert_eq(cli_sh("cmp '%s/o/hubs/hub/reach.csv' '%s/o1/hubs/hub/reach.csv'", cli_tmp,
                        cli_tmp),
                 0, "the zipped stations gave other tables");
    cr_assert_eq(cli_sh("cd '%s' && %s info st.zip | grep -q 'Driver: ESRI Shapefile'", cli_tmp,
                        ISR_CLI),
                 0, "%s", cli_output());
}

/* A code a spreadsheet would run as a formula is written to the CSV tables after a ' (OWASP),
 * so that a join of reach.csv with units.geojson on code misses it: a new-user pass joined the
 * tables in QGIS and lost those counties without a word. Said, once per code (here also the
 * prefecture's, which is the county's own code). */
Test(geo, codes_that_look_like_formulas_are_warned_about)
{
    cli_put("b.geojson", FC(UTM33, UNIT("-a", "p1", 1000, BOX(500000, 5500000, 510000, 5510000))
                                   "," UNIT("b", "p2", 2000, BOX(510000, 5500000, 520000,
                                                                 5510000))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    utm_network();
    cr_assert_eq(run("--hubs hub"), 0, "%s", cli_stderr());
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: warning: 1 unit code or station id starts as a spreadsheet "
                        "formula would (code '-a'): the CSV tables write it after a ' so that a "
                        "spreadsheet shows it as text, so a join of the CSV tables with "
                        "units.geojson or run.json on it must drop that '; give codes and ids "
                        "that start with a letter or digit if you can\n");
    free(e);
    cr_assert_eq(cli_sh("cd '%s' && grep -q \"^hub,county,\\\"'-a\\\",\" o/hubs/hub/reach.csv && "
                        "grep -q '\"code\": \"-a\"' o/region/units.geojson",
                        cli_tmp),
                 0, "%s", cli_output());
}

/* A hub named with a line break ("New\nLine", which a GeoPackage or GeoJSON may hold): the
 * tables keep the name as it is, but the map's title and legend broke onto lines drawn over
 * the next (a new-user pass). The pages draw it on one line. */
Test(geo, a_name_with_a_line_break_is_drawn_on_one_line)
{
    utm_region();
    cr_assert_eq(cli_sh("cd '%s' && sed -i 's/\"name\":\"hub\"/\"name\":\"New\\\\nLine\"/' "
                        "st.geojson && grep -c 'New.nLine' st.geojson",
                        cli_tmp),
                 0, "%s", cli_output());
    int rc = cli_sh("cd '%s' && %s run -q --out m --boundaries b.gpkg --stations st.geojson "
                    "--lines ln.geojson --resolution 2000 --threads 1 --hubs hub",
                    cli_tmp, ISR_CLI);
    cr_assert_eq(rc, 0, "%s", cli_stderr());
    cr_assert_eq(cli_sh("cd '%s/m/hubs/hub' && /usr/bin/python3 -c \"import csv; "
                        "t=open('map.svg',encoding='utf-8').read(); "
                        "title=t.split('<title>')[1].split('</title>')[0]; "
                        "assert 'New Line' in title and 'New\\nLine' not in t, title; "
                        "r=list(csv.DictReader(open('stations.csv',encoding='utf-8-sig'))); "
                        "assert r[0]['station_name']=='New\\nLine', r[0]\"",
                        cli_tmp),
                 0, "%s", cli_output());
    /* the QGIS project's layers too (their names were written with the line break) */
    cr_assert_eq(cli_sh("cd '%s/m' && grep -c '<layername>New Line isochrones</layername>' "
                        "isoreach.qgs && ! grep -o '.\\{0,200\\}New&#10;Line.\\{0,80\\}' isoreach.qgs "
                        "*.qml region/*.qml",
                        cli_tmp),
                 0, "%s", cli_output());
}

/* isoreach reach on boundaries of other fields: a field flag the run's run.json carried (not
 * typed) is said to be the run's, and --pref-field none needs no --pref-name none (a new-user
 * pass was told "no field 'pname' (--pref-name)", a flag it had never given). */
Test(geo, reach_says_which_field_flags_are_the_runs)
{
    utm_region();
    cli_sh_ok("ogr2ogr -f GPKG -nln units b2.gpkg b.gpkg -sql 'SELECT code, name, pref_code, "
              "pref_name AS pname, prov_code, prov_name, pop, geom FROM units'");
    cr_assert_eq(cli_sh("cd '%s' && %s run -q --no-maps --out o --boundaries b2.gpkg --stations "
                        "st.geojson --lines ln.geojson --resolution 1000 --threads 1 --hubs hub "
                        "--pref-name pname",
                        cli_tmp, ISR_CLI),
                 0, "%s", cli_stderr());
    cli_sh_ok("ogr2ogr -f GPKG -nln rows r.gpkg b.gpkg -sql 'SELECT code AS rid, pop AS einw, "
              "geom FROM units'");
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o --boundaries r.gpkg --unit-id rid "
                        "--unit-name none --pop-field einw",
                        cli_tmp, ISR_CLI),
                 1);
    char *e = cli_stderr();
    cr_assert(strstr(e, "no field 'pname' (--pref-name, as the run had it: run.json)"), "%s", e);
    free(e);
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o --boundaries r.gpkg --unit-id rid "
                        "--unit-name none --pop-field einw --pref-field none --prov-field none",
                        cli_tmp, ISR_CLI),
                 0, "%s", cli_stderr());
    cli_sh_ok("grep -q '^hub,county,a,' o/hubs/hub/reach.csv");
}

/* `isoreach reach` on boundaries that leave the hub outside every unit (unit b alone, 9.5 km
 * from the hub): all of its reach counts as cross-border, which the run warns about and reach
 * said nothing of. Now reach warns as the run does, naming its boundaries. */
Test(geo, reach_warns_of_a_hub_outside_every_unit_of_its_boundaries)
{
    utm_region();
    cr_assert_eq(run("--hubs hub"), 0);
    cli_put("b3.geojson", FC(UTM33, UNIT("b", "p2", 2000, BOX(510000, 5500000, 520000, 5510000))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b3.gpkg b3.geojson");
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o --boundaries b3.gpkg", cli_tmp, ISR_CLI),
                 0);
    char *e = cli_stderr();
    cr_assert_not_null(strstr(e, "warning: hub 'hub' lies outside every boundary polygon of "
                                 "'b3.gpkg', 9.5 km from the nearest unit 'unit b' (b): no unit "
                                 "lies within 5 km, so it has no jurisdiction of its own and all "
                                 "of its reach counts as cross-border"),
                       "%s", e);
    free(e);
}

/* The rings' people add up to the outermost band's, and to people_by_minute.csv's row at the
 * budget, to the person: each ring was rounded on its own (18 of the sample's 48 hubs at
 * 2000 m were 1 or 2 people off, so one map showed two totals). */
Test(geo, the_rings_people_add_up_to_the_outermost_band)
{
    cr_assert_eq(cli_sh("cd '%s' && %s run -q --no-maps --out s --resolution 2000 --threads 2",
                        cli_tmp, ISR_CLI),
                 0);
    cr_assert_eq(cli_sh("cd '%s/s/hubs' && /usr/bin/python3 -c \"\nimport json, glob, csv\n"
                        "n = 0\nfor d in glob.glob('*/'):\n"
                        "    f = [x['properties'] for x in json.load(open(d + "
                        "'isochrones.geojson'))['features']]\n"
                        "    rings = sum(p['population'] for p in f if p['kind'] == 'ring')\n"
                        "    within = max((p for p in f if p['kind'] == 'within'), key=lambda p: "
                        "p['max_minutes'])['population']\n"
                        "    last = list(csv.DictReader(open(d + 'people_by_minute.csv', "
                        "encoding='utf-8-sig')))[-1]['people_within']\n"
                        "    assert rings == within == float(last), (d, rings, within, last)\n"
                        "    n += 1\nassert n == 48, n\n\"",
                        cli_tmp),
                 0, "%s", cli_output());
}

/* Prefectures and provinces derived from the units' GB/T 2260 codes: the info line's example
 * is the layer's own first unit, not the sample's 320583 (found by a new-user pass). */
Test(geo, the_gbt_derivation_example_is_a_code_of_the_data)
{
    cli_put("b.geojson", FC(UTM33, "{\"type\":\"Feature\",\"properties\":{\"code\":\"110101\","
                                   "\"name\":\"u1\",\"pop\":10},\"geometry\":"
                                   BOX(500000, 5500000, 510000, 5510000) "},"
                                   "{\"type\":\"Feature\",\"properties\":{\"code\":\"110102\","
                                   "\"name\":\"u2\",\"pop\":10},\"geometry\":"
                                   BOX(510000, 5500000, 520000, 5510000) "}"));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    utm_network();
    cr_assert_eq(cli_sh("cd '%s' && %s run --no-maps --out o --boundaries b.gpkg --stations "
                        "st.geojson --lines ln.geojson --resolution 1000 --threads 1",
                        cli_tmp, ISR_CLI),
                 0);
    char *e = cli_stderr();
    /* a warning, kept in run.json: other countries' six-digit codes (Japan's 131016) read as
     * China's made up prefectures and provinces with an info line only (a new-user pass) */
    cr_assert_not_null(strstr(e, "warning: boundaries 'b.gpkg' layer 'units': prefectures and "
                                 "provinces derived from the codes of field 'code' read as "
                                 "China's GB/T 2260 codes (110101: prefecture 110100, province "
                                 "110000)"),
                       "%s", e);
    free(e);
    cr_assert_eq(cli_sh("cd '%s' && grep -q 'read as China' o/run.json && grep -q "
                        "'^hub,prefecture,110100,' o/hubs/hub/reach.csv",
                        cli_tmp),
                 0, "%s", cli_output());
    /* --pref-field none --prov-field none: none derived, each unit its own, as the README says */
    cr_assert_eq(cli_sh("cd '%s' && %s run --no-maps --out o2 --boundaries b.gpkg --stations "
                        "st.geojson --lines ln.geojson --resolution 1000 --threads 1 "
                        "--pref-field none --prov-field none",
                        cli_tmp, ISR_CLI),
                 0);
    e = cli_stderr();
    cr_assert_null(strstr(e, "GB/T"), "%s", e);
    free(e);
    cr_assert_eq(cli_sh("cd '%s' && grep -q '^hub,prefecture,110101,' o2/hubs/hub/reach.csv && "
                        "grep -q '^hub,province,110101,' o2/hubs/hub/reach.csv && ! grep -q "
                        "110100 o2/hubs/hub/reach.csv",
                        cli_tmp),
                 0, "%s", cli_output());
}

/* Stations stored as multipoints of one point (a common export) are those points; one of two
 * points is refused, saying how to split it (found by a new-user pass). */
Test(geo, a_one_point_multipoint_station_is_that_point)
{
    utm_region();
    cr_assert_eq(run("--hubs hub"), 0);
    cli_sh_ok("mv o o1");
    cr_assert_eq(cli_sh("cd '%s' && sed -i 's/\"type\":\"Point\",\"coordinates\":\\[\\([0-9]*\\),"
                        "\\([0-9]*\\)\\]/\"type\":\"MultiPoint\",\"coordinates\":[[\\1,\\2]]/g' "
                        "st.geojson && grep -c MultiPoint st.geojson",
                        cli_tmp),
                 0);
    cr_assert_eq(run("--hubs hub"), 0, "%s", cli_stderr());
    cr_assert_eq(cli_sh("cmp '%s/o/hubs/hub/reach.csv' '%s/o1/hubs/hub/reach.csv'", cli_tmp,
                        cli_tmp),
                 0, "the multipoint stations gave other tables");
    cli_sh_ok("rm -r o");
    cr_assert_eq(cli_sh("cd '%s' && sed -i 's/\\[\\[508500,5505500\\]\\]/[[508500,5505500],"
                        "[509500,5505500]]/' st.geojson",
                        cli_tmp),
                 0);
    refused(run("--hubs hub"), "stations 'st.geojson' layer 'st': feature 1 ('s2') is a "
                               "multipoint of 2 points, not one station; give each station its "
                               "own feature (ogr2ogr -explodecollections splits them, each "
                               "keeping the id: then make the ids unique)");
}

/* region/rail_lines.geojson holds a lon/lat line as the search used it, straight in lon/lat
 * (cut every 0.05°, isr_layer_geom_to), so that the maps, drawn in the analysis CRS, do not
 * draw the chord between its two vertices (142 km off over a 33° edge, found by a new-user
 * pass): 0.6° along 69.9°N is 12 pieces on the parallel. A line in a projected CRS keeps its
 * vertices (the search takes its edges as straight there). */
Test(geo, rail_lines_geojson_holds_lon_lat_lines_as_the_search_used_them)
{
    lonlat_region(20, 70);
    cr_assert_eq(run("--hubs hub --crs EPSG:3035"), 0, "%s", cli_stderr());
    cr_assert_eq(cli_sh("cd '%s' && /usr/bin/python3 -c \"\nimport json\n"
                        "c = json.load(open('o/region/rail_lines.geojson'))['features'][0]"
                        "['geometry']['coordinates']\n"
                        "assert len(c) == 13, len(c)\n"
                        "assert all(abs(p[1] - 69.9) < 1e-6 for p in c), c\n"
                        "assert max(abs(c[i + 1][0] - c[i][0]) for i in range(12)) <= 0.050001\n\"",
                        cli_tmp),
                 0, "%s", cli_output());
    cli_sh_ok("rm -r o");
    utm_region();
    cr_assert_eq(run("--hubs hub"), 0);
    cr_assert_eq(cli_sh("cd '%s' && /usr/bin/python3 -c \"\nimport json\n"
                        "c = json.load(open('o/region/rail_lines.geojson'))['features'][0]"
                        "['geometry']['coordinates']\nassert len(c) == 2, len(c)\n\"",
                        cli_tmp),
                 0, "%s", cli_output());
}

/* A hub reaching a unit whose population is unknown (b: its field null): the map's headline
 * counts only the people known, and now says what it leaves out, as the tables mark it
 * (pop_unknown_units_reached); it read as the whole count (found by a new-user pass). */
Test(geo, a_hub_map_says_it_leaves_out_a_county_of_unknown_people)
{
    cli_put("b.geojson", FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5510000)) ","
                               "{\"type\":\"Feature\",\"properties\":{\"code\":\"b\",\"name\":"
                               "\"unit b\",\"pref_code\":\"b\",\"pref_name\":\"pref b\","
                               "\"prov_code\":\"p1\",\"prov_name\":\"prov p1\",\"pop\":null},"
                               "\"geometry\":" BOX(510000, 5500000, 520000, 5510000) "}"));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    utm_network();
    cr_assert_eq(cli_sh("cd '%s' && %s run -q --out m --boundaries b.gpkg --stations st.geojson "
                        "--lines ln.geojson --resolution 1000 --threads 1 --hubs hub",
                        cli_tmp, ISR_CLI),
                 0, "%s", cli_stderr());
    char p[400];
    snprintf(p, sizeof p, "%s/m/hubs/hub/map.svg", cli_tmp);
    char *svg = cli_slurp(p);
    cr_assert_not_null(strstr(svg, "of them outside prov p1; not counting 1 county reached whose "
                                   "population is unknown. Bands:"),
                       "%.600s", strstr(svg, "<desc>") ? strstr(svg, "<desc>") : svg);
    free(svg);
}

/* Links between stations within --transfer-radius and no table: the info line says so, not
 * "(2 within 1000 m, 0 from 'no table')" (found by a new-user pass). */
Test(geo, transfers_without_a_table_say_so)
{
    utm_region();
    cli_put("st.geojson", FC(UTM33, STATION("hub", 1, 500500, 5505500) ","
                                STATION("s2", 0, 508500, 5505500) ","
                                STATION("s3", 0, 508500, 5506000)));
    cr_assert_eq(cli_sh("cd '%s' && %s run --no-maps --out o --boundaries b.gpkg --stations "
                        "st.geojson --lines ln.geojson --resolution 1000 --threads 1 "
                        "--transfers none",
                        cli_tmp, ISR_CLI),
                 0);
    char *e = cli_stderr();
    cr_assert_not_null(strstr(e, "transfers: 2 links between stations within 1000 m, one way "
                                 "each (no table)\n"),
                       "%s", e);
    free(e);
}

/* Borders in the web map where units meet at a T-junction: unit c (province p3) lies along the
 * top of a and b with one edge from 500 to 520 km, no vertex at 510 km where a and b meet. Its
 * borders with a and b were drawn as the region's edge (level 3, thin grey) and a's and b's
 * sides of it too: the arcs are found only where both sides have the same vertices. The
 * borders' lengths by level, in km: a|b, a|c, b|c of provinces (2), the outer square (3). */
Test(geo, web_map_borders_at_a_t_junction)
{
    cli_put("b.geojson", FC(UTM33, UNIT("a", "p1", 1000, BOX(500000, 5500000, 510000, 5510000)) ","
                               UNIT("b", "p2", 2000, BOX(510000, 5500000, 520000, 5510000)) ","
                               UNIT("c", "p3", 3000, BOX(500000, 5510000, 520000, 5520000))));
    cli_sh_ok("ogr2ogr -f GPKG -nln units b.gpkg b.geojson");
    utm_network();
    cr_assert_eq(run("--crs EPSG:32633 --hubs hub --budget 30"), 0, "%s", cli_stderr());
    cr_assert_eq(cli_sh("cd '%s' && /usr/bin/python3 -c \"\n"
                        "import json, math, re\n"
                        "from osgeo import osr\n"
                        "h = open('o/index.html').read()\n"
                        "d = json.loads(re.search(r'id=.isoreach-data.[^>]*>(.*?)</script>', h, "
                        "re.S).group(1))\n"
                        "s = osr.SpatialReference(); s.ImportFromEPSG(4326); "
                        "s.SetAxisMappingStrategy(0)\n"
                        "t = osr.SpatialReference(); t.ImportFromEPSG(32633)\n"
                        "ct = osr.CoordinateTransformation(s, t)\n"
                        "km = {}\n"
                        "for lv, g in d['borders']:\n"
                        "    x, y, p = g[0], g[1], []\n"
                        "    p.append(ct.TransformPoint(x / 1e4, y / 1e4)[:2])\n"
                        "    for i in range(2, len(g), 2):\n"
                        "        x += g[i]; y += g[i + 1]\n"
                        "        p.append(ct.TransformPoint(x / 1e4, y / 1e4)[:2])\n"
                        "    km[lv] = km.get(lv, 0) + sum(math.dist(a, b) for a, b in zip(p, "
                        "p[1:])) / 1000\n"
                        "print(' '.join('%%d:%%.0f' %% (k, km[k]) for k in sorted(km)))\"",
                        cli_tmp),
                 0, "%s", cli_stderr());
    char *o = cli_output();
    cr_assert_str_eq(o, "2:30 3:80\n");
    free(o);
}

/* --prov-field none makes each prefecture its own province (the unit's prefecture code is
 * copied up), and says so: it said "each unit is counted as its own province". */
Test(geo, prov_field_none_says_each_prefecture_is_its_own_province)
{
    utm_region();
    cr_assert_eq(cli_sh("cd '%s' && %s run --no-maps --out o --boundaries b.gpkg --stations "
                        "st.geojson --lines ln.geojson --resolution 1000 --threads 1 --crs "
                        "EPSG:32633 --hubs hub --budget 30 --prov-field none",
                        cli_tmp, ISR_CLI),
                 0);
    char *e = cli_stderr();
    cr_assert(strstr(e, "isoreach: boundaries 'b.gpkg' layer 'units': --prov-field none: each "
                        "prefecture is counted as its own province\n"),
              "%s", e);
    free(e);
}

/* A hub given twice in --hubs is run once, and that is said (it was silent). */
Test(geo, a_hub_given_twice_is_run_once_and_said)
{
    utm_region();
    cr_assert_eq(cli_sh("cd '%s' && %s run --no-maps --out o --boundaries b.gpkg --stations "
                        "st.geojson --lines ln.geojson --resolution 1000 --threads 1 --crs "
                        "EPSG:32633 --hubs hub,s2,hub --budget 30",
                        cli_tmp, ISR_CLI),
                 0);
    char *e = cli_stderr();
    cr_assert(strstr(e, "isoreach: --hubs: 1 id names a station given before (first: 'hub'); "
                        "each hub is run once\n"),
              "%s", e);
    free(e);
    cr_assert_eq(cli_sh("ls '%s/o/hubs' | tr '\\n' ' '", cli_tmp), 0);
    char *o = cli_output();
    cr_assert_str_eq(o, "hub s2 ");
    free(o);
}
