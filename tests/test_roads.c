/* Criterion suite: roads and crossings (--roads) and the --access presets, on a small region
 * of its own (GeoJSON in UTM 33N, nothing from the sample): one unit 30 km x 10 km (x 500-530
 * km, y 5500-5510 km), the hub at (500.5, 5505.5) km, a cell centre at 1000 m, and a slow rail
 * line far away so that every time below is local travel from the hub. Times are computed by
 * hand beside each assertion; bad roads are refused with the exact message, exit 1, and no
 * output folder. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_support.h"

static void tmp_make(void) { cli_tmp_make("isr-roads"); }

TestSuite(roads, .init = tmp_make, .fini = cli_tmp_remove, .timeout = 120);

static int run(const char *fmt, ...)
{
    char args[2000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    cli_sh("rm -rf '%s/o'", cli_tmp);
    return cli_sh("cd '%s' && %s run -q --no-maps --out o --boundaries b.geojson --stations "
                  "st.geojson --lines ln.geojson --crs EPSG:32633 --resolution 1000 --threads 1 "
                  "--hubs hub %s",
                  cli_tmp, ISR_CLI, args);
}

static void refused(int rc, const char *want)
{
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "exit status %d, stderr: %s", rc, e);
    char line[3000];
    snprintf(line, sizeof line, "isoreach: %s\n", want);
    cr_assert_str_eq(e, line);
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "the output folder was left behind");
}

/* The hub's travel time (minutes) at (x, y) metres; -9999 where not reached. */
static double t_at(double x, double y)
{
    cr_assert_eq(cli_sh("gdallocationinfo -valonly -geoloc '%s/o/hubs/hub/travel_time.tif' "
                        "%.3f %.3f",
                        cli_tmp, x, y),
                 0);
    char p[300];
    snprintf(p, sizeof p, "%s/stdout.txt", cli_tmp);
    char *s = cli_slurp(p);
    double v = *s && *s != '\n' ? atof(s) : -9999; /* beyond the cropped raster */
    free(s);
    return v;
}

#define UTM33 "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32633\"}},"
#define FC(...) "{\"type\":\"FeatureCollection\"," UTM33 "\"features\":[" __VA_ARGS__ "]}"
/* A road feature: properties (JSON members) and its line "[x,y],[x,y]". */
#define ROAD(props, coords)                                                                   \
    "{\"type\":\"Feature\",\"properties\":{" props "},\"geometry\":{\"type\":\"LineString\","  \
    "\"coordinates\":[" coords "]}}"

static void region(void)
{
    cli_put("b.geojson",
        FC("{\"type\":\"Feature\",\"properties\":{\"code\":\"a\",\"name\":\"a\",\"pref_code\":"
           "\"a\",\"pref_name\":\"a\",\"prov_code\":\"p\",\"prov_name\":\"p\",\"pop\":3000},"
           "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[500000,5500000],[530000,"
           "5500000],[530000,5510000],[500000,5510000],[500000,5500000]]]}}"));
    /* the other station at the far corner, 10 km/h every 600 min: never within the hour */
    cli_put("st.geojson",
        FC("{\"type\":\"Feature\",\"properties\":{\"id\":\"hub\",\"name\":\"hub\",\"hub\":1},"
           "\"geometry\":{\"type\":\"Point\",\"coordinates\":[500500,5505500]}},"
           "{\"type\":\"Feature\",\"properties\":{\"id\":\"far\",\"name\":\"far\",\"hub\":0},"
           "\"geometry\":{\"type\":\"Point\",\"coordinates\":[529500,5509500]}}"));
    cli_put("ln.geojson", FC(ROAD("\"name\":\"slow\",\"speed_kmh\":10,\"headway\":600",
                              "[500500,5505500],[529500,5509500]")));
}

/* A 30 x 10 friction raster of 1000 m pixels, 0.1 s/m (36 km/h), with column 10 (x 510-511
 * km: a river running north-south) nodata. */
static void river_raster(void)
{
    char grid[2000] = "";
    for (int r = 0; r < 10; r++)
        for (int c = 0; c < 30; c++)
            strcat(grid, c == 10 ? "-1" : "0.1"), strcat(grid, c == 29 ? "\n" : " ");
    cli_put("f.asc", "ncols 30\nnrows 10\nxllcorner 500000\nyllcorner 5500000\ncellsize 1000\n"
                 "NODATA_value -1\n%s",
        grid);
    cli_sh_ok("rm -f f.tif && gdal_translate -q -a_srs EPSG:32633 f.asc f.tif");
}

#define NEAR(v, want, tol) cr_assert(fabs((v) - (want)) < (tol), "%s = %.4f, want %.4f", #v, v, want)

Test(roads, road_at_60_kmh_shortens_the_trip_by_the_computed_amount)
{
    region();
    cli_put("r.geojson", FC(ROAD("\"speed_kmh\":60", "[500500,5505500],[529500,5505500]")));
    cr_assert_eq(run(""), 0, "%s", cli_stderr());
    /* without roads: 20 km/h, detour 1.3 = 0.234 s/m; 10 km east = 2340 s = 39.0 min */
    double off = t_at(510500, 5505500);
    NEAR(off, 39.0, 1e-3);
    cr_assert_eq(run("--roads r.geojson"), 0, "%s", cli_stderr());
    /* along the road at 60 km/h (0.06 s/m, no detour: the line is the route): 600 s = 10.0
     * min, 29.0 min sooner; 25 km east: 1500 s = 25.0 min (78.0 min, beyond the hour, off it) */
    double on = t_at(510500, 5505500);
    NEAR(on, 10.0, 1e-3);
    NEAR(off - on, 29.0, 1e-3);
    NEAR(t_at(525500, 5505500), 25.0, 1e-3);
    /* run.json records the roads */
    char p[300];
    snprintf(p, sizeof p, "%s/o/run.json", cli_tmp);
    json_object *root = json_object_from_file(p), *o = NULL, *v = NULL;
    cr_assert(json_object_object_get_ex(root, "options", &o));
    cr_assert(json_object_object_get_ex(o, "--roads", &v));
    cr_assert(strstr(json_object_get_string(v), "/r.geojson"));
    cr_assert(json_object_object_get_ex(o, "--access", &v));
    cr_assert_str_eq(json_object_get_string(v), "transit");
    json_object_put(root);
}

Test(roads, diagonal_road_within_a_few_percent)
{
    region();
    /* 45°, 4 km east and 4 km north: 5657 m at 0.06 s/m = 339.4 s = 5.657 min; both kernels */
    cli_put("r.geojson", FC(ROAD("\"speed_kmh\":60", "[500500,5505500],[504500,5509500]")));
    double want = 4000 * sqrt(2) * 0.06 / 60;
    cr_assert_eq(run("--roads r.geojson"), 0, "%s", cli_stderr());
    double iso = t_at(504500, 5509500);
    cr_assert_eq(run("--roads r.geojson --kernel rcost"), 0, "%s", cli_stderr());
    double rc = t_at(504500, 5509500);
    fprintf(stderr, "diagonal road: want %.4f min, isotropic %.4f (%+.2f %%), rcost %.4f (%+.2f %%)\n",
            want, iso, 100 * (iso / want - 1), rc, 100 * (rc / want - 1));
    NEAR(iso, want, 0.03 * want);
    NEAR(rc, want, 0.03 * want);
}

Test(roads, bridge_crosses_an_impassable_river_exactly_where_it_lies)
{
    region();
    river_raster();
    cr_assert_eq(run("--friction f.tif"), 0, "%s", cli_stderr());
    cr_assert_eq(t_at(512500, 5505500), -9999); /* beyond the river: not reached */
    /* the bridge: 2 km across the river on row y = 5505.5 km, 60 km/h */
    cli_put("r.geojson", FC(ROAD("\"speed_kmh\":60", "[509500,5505500],[511500,5505500]")));
    cr_assert_eq(run("--friction f.tif --roads r.geojson"), 0, "%s", cli_stderr());
    /* 8 km at 0.1 s/m (800 s), the move onto the bridge at (0.1 + 0.06) / 2 (80 s), two
     * bridge moves (120 s), off it (80 s): 1080 s = 18.0 min */
    NEAR(t_at(512500, 5505500), 18.0, 1e-3);
    NEAR(t_at(510500, 5505500), (800 + 80 + 60) / 60.0, 1e-3);
    /* every other river cell stays impassable */
    for (int r = 0; r < 10; r++)
        if (r != 5)
            cr_assert_eq(t_at(510500, 5500500 + 1000 * r), -9999, "river row %d reached", r);
}

Test(roads, class_table_inline_and_csv_and_unknown_classes_warned)
{
    region();
    cli_put("r.geojson", FC(ROAD("\"kind\":\"primary\"", "[500500,5505500],[510500,5505500]") ","
                        ROAD("\"kind\":\"track\"", "[500500,5504500],[510500,5504500]") ","
                        ROAD("\"kind\":\"path\"", "[500500,5503500],[510500,5503500]")));
    cr_assert_eq(run("--roads r.geojson --road-class-field kind --road-classes "
                     "primary=60,secondary=40"),
                 0);
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: warning: roads 'r.geojson' layer 'r': 2 roads of classes "
                        "'track', 'path', not in --road-classes, take the base local speed "
                        "(15.4 km/h); add the classes to the table to give them a speed\n");
    free(e);
    NEAR(t_at(510500, 5505500), 10.0, 1e-3); /* primary, 60 km/h */
    cli_put("c.csv", "class,speed_kmh\nprimary,30\ntrack,20\npath,10\n");
    cr_assert_eq(run("--roads r.geojson --road-class-field kind --road-classes c.csv"), 0);
    /* 10 km at 30 km/h: 20.0 min; the track at 20 km/h: 30.0 min (plus the 1 km off-road
     * to it at most); the path at 10 km/h is slower than the base 0.234 s/m: unchanged */
    NEAR(t_at(510500, 5505500), 20.0, 1e-3);
    cr_assert(t_at(510500, 5504500) < 30.0 + 1000 * 0.234 / 60 + 1e-3);
    /* a class given twice (in any letter case) is refused, not the first one taken; a third
     * column is named as such, not as a speed of '50,x'; the table's classes match in any
     * letter case ("Primary" in the table is the roads' "primary") */
    cli_put("d.csv", "class,speed_kmh\nprimary,30\nPrimary,50\n");
    cr_assert_eq(run("--roads r.geojson --road-class-field kind --road-classes d.csv"), 1);
    e = cli_stderr();
    cr_assert(strstr(e, "d.csv' line 3: class 'Primary' is given twice; give each class once"),
              "%s", e);
    free(e);
    cli_put("d.csv", "class,speed_kmh,source\nprimary,50,x\n");
    cr_assert_eq(run("--roads r.geojson --road-class-field kind --road-classes d.csv"), 1);
    e = cli_stderr();
    cr_assert(strstr(e, "d.csv' line 2: more than two columns ('50,x')"), "%s", e);
    free(e);
    cr_assert_eq(run("--roads r.geojson --road-class-field kind --road-classes Primary=60"), 0);
    NEAR(t_at(510500, 5505500), 10.0, 1e-3);
}

Test(roads, speed_field_named)
{
    region();
    cli_put("r.geojson", FC(ROAD("\"v\":45", "[500500,5505500],[510500,5505500]")));
    cr_assert_eq(run("--roads r.geojson --road-speed-field v"), 0, "%s", cli_stderr());
    NEAR(t_at(510500, 5505500), 10000 * 3.6 / 45 / 60, 1e-3); /* 13.333 min */
}

Test(roads, bad_roads_refused)
{
    region();
    cli_put("r.geojson", FC(ROAD("\"v\":45", "[500500,5505500],[510500,5505500]")));
    refused(run("--roads r.geojson"),
            "roads 'r.geojson' layer 'r' has no field 'speed_kmh' (fields: v)");
    cli_put("r.geojson", FC(ROAD("\"speed_kmh\":60", "[500500,5505500],[510500,5505500]") ","
                        ROAD("\"speed_kmh\":0", "[500500,5504500],[510500,5504500]") ","
                        ROAD("\"speed_kmh\":900", "[500500,5503500],[510500,5503500]") ","
                        ROAD("\"speed_kmh\":null", "[500500,5502500],[510500,5502500]")));
    refused(run("--roads r.geojson"),
            "roads 'r.geojson' layer 'r': 3 features have no usable speed in field 'speed_kmh' "
            "(a speed is km/h, more than 0 and at most 200): feature 1 (0), 2 (900), 3 (empty); "
            "fix them or drop them");
    cli_put("p.geojson", FC("{\"type\":\"Feature\",\"properties\":{\"speed_kmh\":60},\"geometry\":"
                        "{\"type\":\"Polygon\",\"coordinates\":[[[500000,5500000],[501000,"
                        "5500000],[501000,5501000],[500000,5500000]]]}}"));
    refused(run("--roads p.geojson"),
            "roads 'p.geojson' layer 'p' has polygons, but roads must be lines");
    cli_put("r.geojson", FC(ROAD("\"kind\":\"primary\"", "[500500,5505500],[510500,5505500]")));
    refused(run("--roads r.geojson --road-class-field kind --road-classes primary=-5"),
            "--road-classes list: class 'primary' has speed '-5'; a speed is km/h, more than 0 "
            "and at most 200");
    refused(run("--roads r.geojson --road-classes nowhere.csv"),
            "--road-classes 'nowhere.csv' is neither a readable CSV file of class,speed_kmh rows "
            "nor a list CLASS=KMH,CLASS=KMH");
}

Test(roads, access_presets)
{
    region();
    cli_put("r.geojson", FC(ROAD("\"speed_kmh\":60,\"class\":\"urban\"",
                             "[500500,5505500],[510500,5505500]") ","
                        ROAD("\"speed_kmh\":60,\"class\":\"expressway\"",
                             "[500500,5503500],[510500,5503500]")));
    /* walk: 5 km/h, detour 1.3 = 0.936 s/m off roads; on the urban road no faster than
     * walking, without the detour (0.72 s/m): 2 km = 1440 s = 24.0 min (31.2 off it) */
    cr_assert_eq(run("--access walk"), 0, "%s", cli_stderr());
    NEAR(t_at(502500, 5505500), 2000 * 0.936 / 60, 1e-3);
    cr_assert_eq(run("--access walk --roads r.geojson"), 0, "%s", cli_stderr());
    NEAR(t_at(502500, 5505500), 24.0, 1e-3);
    /* the expressway is not for walking: with it alone, times are those without roads */
    cli_put("x.geojson", FC(ROAD("\"speed_kmh\":60,\"class\":\"expressway\"",
                             "[500500,5503500],[510500,5503500]")));
    cr_assert_eq(run("--access walk"), 0, "%s", cli_stderr());
    double plain = t_at(505500, 5503500);
    cr_assert_eq(run("--access walk --roads x.geojson"), 0, "%s", cli_stderr());
    cr_assert_eq(t_at(505500, 5503500), plain);
    cr_assert_eq(run("--access bike --roads x.geojson"), 0, "%s", cli_stderr());
    cr_assert(t_at(505500, 5503500) > 5 * 1000 * 0.24 / 60); /* not even at bike speed on it */
    /* bike: 15 km/h (0.312 s/m), roads at most 15 km/h (0.24 s/m): 2 km = 8.0 min */
    cr_assert_eq(run("--access bike --roads r.geojson"), 0, "%s", cli_stderr());
    NEAR(t_at(502500, 5505500), 8.0, 1e-3);
    /* car: 30 km/h, detour 1.3 (0.156 s/m) off the roads, roads at their speed: 10 km on the
     * road = 10.0 min; 2 km off it, the row y = 5507.5 km is reached sooner via the road */
    cr_assert_eq(run("--access car --roads r.geojson"), 0, "%s", cli_stderr());
    NEAR(t_at(510500, 5505500), 10.0, 1e-3);
    /* transit is the default; --egress-speed and --detour override a preset */
    cr_assert_eq(run("--access transit"), 0, "%s", cli_stderr());
    NEAR(t_at(510500, 5505500), 39.0, 1e-3);
    cr_assert_eq(run("--access walk --egress-speed 10 --detour 1"), 0, "%s", cli_stderr());
    NEAR(t_at(502500, 5505500), 2000 * 0.36 / 60, 1e-3); /* 12.0 min */
    /* "no road faster than themselves" is their speed as given: walking at 10 km/h takes the
     * 60 km/h road at 10 (0.36 s/m, 2 km = 12.0 min; it was held at 5, 24.0 min), biking at
     * 3 km/h at 3 (1.2 s/m, 40.0 min; it rode at 15) */
    cr_assert_eq(run("--access walk --egress-speed 10 --roads r.geojson"), 0, "%s", cli_stderr());
    NEAR(t_at(502500, 5505500), 12.0, 1e-3);
    cr_assert_eq(run("--access bike --egress-speed 3 --roads r.geojson"), 0, "%s", cli_stderr());
    NEAR(t_at(502500, 5505500), 40.0, 1e-3);
    /* a class in other letters is the same class: "Expressway" is no road for walking */
    cli_put("x.geojson", FC(ROAD("\"speed_kmh\":60,\"class\":\"Expressway\"",
                             "[500500,5503500],[510500,5503500]")));
    cr_assert_eq(run("--access walk --roads x.geojson"), 0, "%s", cli_stderr());
    cr_assert_eq(t_at(505500, 5503500), plain);
}

/* The roads' speeds burned as they are, however many: roads 0 .. n - 1 run north-south along
 * the centres of the 100 m columns 0 .. n - 1 of the 30 km unit, road k at 30 + 0.1 k km/h.
 * 200 speeds (with the base and the barrier 202 values: the friction kept a byte a cell, the
 * roads rasterized as their speed's number) and 300 (floats for both): friction.tif holds
 * 3.6 / speed in road k's column, to the float, and the base 0.234 s/m east of the roads. */
/* roads k = 0 .. n - 1 along the centres of the 100 m columns k, road k at 30 + 0.1 k km/h */
static void put_roads_of_many_speeds(int n)
{
    size_t cap = (size_t)n * 200 + 200;
    char *feats = malloc(cap), *one = malloc(300);
    feats[0] = 0;
    for (int k = 0; k < n; k++) {
        snprintf(one, 300, "%s" ROAD("\"speed_kmh\":%.1f", "[%d,5500050],[%d,5509950]"),
                 k ? "," : "", 30 + 0.1 * k, 500050 + 100 * k, 500050 + 100 * k);
        strcat(feats, one);
    }
    cli_put("r.geojson", "{\"type\":\"FeatureCollection\"," UTM33 "\"features\":[%s]}", feats);
    free(one);
    free(feats);
}

static void roads_of_many_speeds(int n)
{
    put_roads_of_many_speeds(n);
    cr_assert_eq(run("--roads r.geojson --resolution 100 --write-friction"), 0, "%s",
                 cli_stderr());
    /* one row, the 20th, as text: x, y and the value to 9 significant digits */
    cli_sh_ok("gdal_translate -q -of XYZ -co SIGNIFICANT_DIGITS=9 -srcwin 0 20 300 1 "
              "o/region/friction.tif row.xyz");
    char p[300];
    snprintf(p, sizeof p, "%s/row.xyz", cli_tmp);
    char *s = cli_slurp(p), *at = s;
    for (int c = 0; c < 300; c++) {
        double x, y, v;
        int used = 0;
        cr_assert_eq(sscanf(at, "%lf %lf %lf%n", &x, &y, &v, &used), 3, "column %d", c);
        at += used;
        cr_assert_eq(x, 500050.0 + 100 * c);
        float want = c < n ? (float)(3.6 / (30 + 0.1 * c)) : (float)(3.6 / 20 * 1.3);
        cr_assert_eq((float)v, want, "column %d: %.9g s/m, want %.9g", c, v, want);
    }
    free(s);
}

Test(roads, many_speeds_each_burned_exactly)
{
    region();
    roads_of_many_speeds(200);
    roads_of_many_speeds(300);
}

/* The memory estimate counts a byte a cell for a friction surface of at most 256 values and
 * four beyond: at 100 m, 304 x 104 padded cells x 12 bytes (friction 1, zones 2, clearance 1,
 * accumulators 8) = 0.36 MB fits --max-memory 0.4 with 200 road speeds; with 300 the surface
 * stays in floats, 15 bytes = 0.45 MB, and the run is refused with the reason. */
Test(roads, many_speeds_counted_against_max_memory)
{
    region();
    put_roads_of_many_speeds(200);
    cr_assert_eq(run("--roads r.geojson --resolution 100 --max-memory 0.4"), 0, "%s",
                 cli_stderr());
    put_roads_of_many_speeds(300);
    int rc = run("--roads r.geojson --resolution 100 --max-memory 0.4");
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "exit status %d, stderr: %s", rc, e);
    cr_assert(strstr(e, "is 300 x 100 cells and would need about 0 MB of memory (its friction "
                        "surface holds more than 256 values, so 4 bytes a cell, not 1), more "
                        "than the 0 MB allowed"),
              "%s", e);
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/o/run.json'", cli_tmp), 1, "a refused run wrote run.json");
}

/* A hub's search window (batch.c) is bounded by the least friction: on uniform land a tight
 * bound (the reach's own radius, and the kernel's margin), with a road the road's speed. A
 * bound too small would show as a search run again on the whole grid, said at INFO level:
 * never here, with either kernel, at 100 m: no road, a 60 km/h road from the hub, one
 * starting 5 km east of it, a bridge over an impassable river. */
Test(roads, window_bound_never_searches_again)
{
    region();
    river_raster();
    cli_put("along.geojson", FC(ROAD("\"speed_kmh\":60", "[500500,5505500],[529500,5505500]")));
    cli_put("later.geojson", FC(ROAD("\"speed_kmh\":60", "[505500,5505500],[529500,5505500]")));
    cli_put("bridge.geojson", FC(ROAD("\"speed_kmh\":60", "[509000,5505500],[512000,5505500]")));
    const char *cases[] = {"", "--roads along.geojson", "--roads later.geojson",
                           "--roads bridge.geojson --friction f.tif"};
    for (int k = 0; k < 8; k++) {
        cli_sh("rm -rf '%s/o'", cli_tmp);
        int rc = cli_sh("cd '%s' && %s run --no-maps --out o --boundaries b.geojson --stations "
                        "st.geojson --lines ln.geojson --crs EPSG:32633 --resolution 100 "
                        "--threads 1 --hubs hub %s %s",
                        cli_tmp, ISR_CLI, cases[k / 2], k % 2 ? "--kernel rcost" : "");
        char *e = cli_stderr();
        cr_assert_eq(rc, 0, "%s: %s", cases[k / 2], e);
        cr_assert(strstr(e, "1 hub; grid 300 x 100 cells of 100 m"), "%s", e); /* said, not -q */
        cr_assert_null(strstr(e, "ran again on the whole grid"), "%s %s: %s", cases[k / 2],
                       k % 2 ? "rcost" : "isotropic", e);
        free(e);
    }
}
