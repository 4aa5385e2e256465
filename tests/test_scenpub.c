/* Criterion suite 'scenpub' (cli): the publication of scenarios (issue 15) — QGIS styles and
 * project, the difference maps — on the small network of tests/test_scenario.c, built here:
 * UTM 51N (EPSG:32651), 1000 m cells, budget 45 min.
 *
 * Two counties side by side, 10 km tall: A (310101, province 310000) x 0..20 km, B (320101,
 * province 320000) x 20..60 km, 100 people a cell. Hub h at x 2.5 km, station s at 12.5 km
 * (line L, reached at 15 min). Scenario "new" adds station f at 42.5 km and line N s–f, 5 min:
 * f is reached at 15 + 5 (wait) + 5 = 25 min, so the cells around it (all in B, across the
 * border) are newly within 45 min. Scenario "fast" doubles L's speed: minutes saved, no
 * cell newly reached near f. */
#include "map_internal.h"

#include <cairo.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_support.h"

#define CLI cli_command(ISR_CLI)
#define CRS "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32651\"}}"
#define PT(props, x) "{\"type\":\"Feature\",\"properties\":{" props "},\"geometry\":{\"type\":" \
    "\"Point\",\"coordinates\":[" #x ",3405500]}}"

static void fixture(void)
{
    cli_tmp_make("isr-scenpub");
    cli_put("b.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"code\":\"310101\",\"name\":\"A\","
            "\"pop\":20000},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[500000,"
            "3400000],[520000,3400000],[520000,3410000],[500000,3410000],[500000,3400000]]]}},"
            "{\"type\":\"Feature\",\"properties\":{\"code\":\"320101\",\"name\":\"B\","
            "\"pop\":40000},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[520000,"
            "3400000],[560000,3400000],[560000,3410000],[520000,3410000],[520000,3400000]]]}}"
            "]}");
    cli_put("st.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            PT("\"id\":\"h\",\"name\":\"H\",\"hub\":1", 502500) ","
            PT("\"id\":\"s\",\"name\":\"S\",\"hub\":0", 512500) "]}");
    cli_put("ln.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"L\",\"name\":\"L\",\"speed_kmh\":100,"
            "\"headway\":10,\"minutes\":\"10\"},\"geometry\":{\"type\":\"LineString\","
            "\"coordinates\":[[502500,3405500],[512500,3405500]]}}]}");
    cli_sh_ok("mkdir new fast same");
    cli_put("new/stations.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            PT("\"id\":\"f\",\"name\":\"F\"", 542500) "]}");
    cli_put("new/lines.geojson", "{\"type\":\"FeatureCollection\"," CRS ",\"features\":["
            "{\"type\":\"Feature\",\"properties\":{\"id\":\"N\",\"name\":\"N\",\"speed_kmh\":200,"
            "\"headway\":10,\"minutes\":\"5\"},\"geometry\":{\"type\":\"LineString\","
            "\"coordinates\":[[512500,3405500],[542500,3405500]]}}]}");
    cli_put("fast/modifications.csv", "action,target,to,value,source\nscale_speed,L,,2,x\n");
    cli_put("same/modifications.csv", "action,target,to,value,source\nset_headway,L,,10,x\n");
}

TestSuite(scenpub, .init = fixture, .fini = cli_tmp_remove, .timeout = 300);

/* `isoreach run` on the fixture with ARGS; the exit status. */
static int run(const char *args)
{
    return cli_sh("cd '%s' && %s run -q --out o --boundaries b.geojson --stations st.geojson "
                  "--lines ln.geojson --resolution 1000 --budget 45 --water none --roads none %s",
                  cli_tmp, CLI, args);
}

/* A file of the run as a string, or NULL when it does not exist. */
static char *slurp(const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", cli_tmp, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fclose(f);
    return cli_slurp(path);
}

static int exists(const char *name)
{
    char *s = slurp(name);
    free(s);
    return s != NULL;
}

/* ---- QGIS styles and project -------------------------------------------------------------- */

Test(scenpub, qml_beside_every_diff_and_gains)
{
    cr_assert_eq(run("--no-maps --scenario new=new --scenario fast=fast --scenario same=same"), 0);
    /* diff.qml, the default style of diff.tif: band 1 in the diverging classes, symmetric,
     * faster blue, unchanged near white, slower red (ColorBrewer RdBu) */
    char *q = slurp("o/scenarios/new/hubs/h/diff.qml");
    cr_assert_not_null(q);
    cr_assert(strstr(q, "<rasterrenderer type=\"singlebandpseudocolor\" band=\"1\""), "%s", q);
    cr_assert(strstr(q, "colorRampType=\"DISCRETE\""));
    static const char *const items[] = {
        "<item value=\"-30\" color=\"#053061\" alpha=\"255\" label=\"30 min or more faster\"/>",
        "<item value=\"-20\" color=\"#2166ac\" alpha=\"255\" label=\"20–30 min faster\"/>",
        "<item value=\"-10\" color=\"#4393c3\" alpha=\"255\" label=\"10–20 min faster\"/>",
        "<item value=\"-5\" color=\"#92c5de\" alpha=\"255\" label=\"5–10 min faster\"/>",
        "<item value=\"-0.5\" color=\"#d1e5f0\" alpha=\"255\" label=\"0.5–5 min faster\"/>",
        "<item value=\"0.5\" color=\"#f7f7f7\" alpha=\"255\" label=\"unchanged (within ±0.5 min)\"/>",
        "<item value=\"5\" color=\"#fddbc7\" alpha=\"255\" label=\"0.5–5 min slower\"/>",
        "<item value=\"10\" color=\"#f4a582\" alpha=\"255\" label=\"5–10 min slower\"/>",
        "<item value=\"20\" color=\"#d6604d\" alpha=\"255\" label=\"10–20 min slower\"/>",
        "<item value=\"30\" color=\"#b2182b\" alpha=\"255\" label=\"20–30 min slower\"/>",
        "<item value=\"inf\" color=\"#67001f\" alpha=\"255\" label=\"more than 30 min slower\"/>"};
    const char *at = q;
    for (size_t i = 0; i < sizeof items / sizeof *items; i++) {
        const char *p = strstr(at, items[i]);
        cr_assert_not_null(p, "class %zu in order: %s\n%s", i, items[i], q);
        at = p;
    }
    free(q);
    /* diff_status.qml: band 2, the four documented values, "neither" transparent */
    q = slurp("o/scenarios/new/hubs/h/diff_status.qml");
    cr_assert_not_null(q);
    cr_assert(strstr(q, "<rasterrenderer type=\"paletted\" band=\"2\""), "%s", q);
    cr_assert(strstr(q, "<paletteEntry value=\"0\" color=\"#ffffff\" alpha=\"0\" label=\"neither\"/>"
                        "<paletteEntry value=\"1\" color=\"#c8c8c8\" alpha=\"255\" label=\"both\"/>"
                        "<paletteEntry value=\"2\" color=\"#2166ac\" alpha=\"255\" "
                        "label=\"newly within 45 min\"/>"
                        "<paletteEntry value=\"3\" color=\"#b2182b\" alpha=\"255\" "
                        "label=\"lost\"/>"),
              "%s", q);
    free(q);
    /* gains.qml: newly within and lost as fills, by the "kind" gains.geojson writes */
    q = slurp("o/scenarios/new/hubs/h/gains.qml");
    cr_assert_not_null(q);
    cr_assert(strstr(q, "label=\"newly within 45 min\" filter=\"&quot;kind&quot; = "
                        "'newly_within'\""), "%s", q);
    cr_assert(strstr(q, "label=\"lost\" filter=\"&quot;kind&quot; = 'lost'\""), "%s", q);
    cr_assert(strstr(q, "name=\"color\" value=\"33,102,172,255\""), "%s", q);
    cr_assert(strstr(q, "name=\"color\" value=\"178,24,43,255\""), "%s", q);
    free(q);
    cr_assert(exists("o/scenarios/new/hubs/h/travel_time.qml"));
    cr_assert(exists("o/scenarios/fast/hubs/h/diff.qml"));
    cr_assert(exists("o/scenarios/fast/hubs/h/gains.qml"));
    /* "same" changes nothing: no hub folder, no style */
    cr_assert(!exists("o/scenarios/same/hubs/h/diff.qml"));
}

Test(scenpub, project_has_a_scenarios_group)
{
    cr_assert_eq(run("--no-maps --scenario new=new --scenario fast=fast --scenario same=same"), 0);
    char *p = slurp("o/isoreach.qgs");
    cr_assert_not_null(p);
    const char *g = strstr(p, "<layer-tree-group name=\"Scenarios\" checked=\"Qt::Checked\"");
    const char *hubs = strstr(p, "<layer-tree-group name=\"Hubs\"");
    cr_assert(g && hubs && g < hubs, "the Scenarios group, above the hubs:\n%s", p);
    /* per scenario a group, per changed hub a group of three layers; the first switched on */
    static const char *const want[] = {
        "<layer-tree-group name=\"new\" checked=\"Qt::Checked\" expanded=\"1\">"
        "<layer-tree-group name=\"H\" checked=\"Qt::Checked\" expanded=\"1\">",
        "name=\"new: H newly within / lost\" source=\"./scenarios/new/hubs/h/gains.geojson\" "
        "providerKey=\"ogr\" checked=\"Qt::Checked\"",
        "name=\"new: H minutes, scenario − baseline\" source=\"./scenarios/new/hubs/h/diff.tif\" "
        "providerKey=\"gdal\" checked=\"Qt::Checked\"",
        "name=\"new: H cells newly within / lost\" source=\"./scenarios/new/hubs/h/diff.tif\" "
        "providerKey=\"gdal\" checked=\"Qt::Unchecked\"",
        "<layer-tree-group name=\"fast\" checked=\"Qt::Unchecked\" expanded=\"1\">",
        "name=\"fast: H newly within / lost\" source=\"./scenarios/fast/hubs/h/gains.geojson\" "
        "providerKey=\"ogr\" checked=\"Qt::Unchecked\"",
        "name=\"fast: H minutes, scenario − baseline\" source=\"./scenarios/fast/hubs/h/diff.tif\" "
        "providerKey=\"gdal\" checked=\"Qt::Unchecked\""};
    const char *at = g;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const char *q = strstr(at, want[i]);
        cr_assert(q && q < hubs, "in order, in the group: %s", want[i]);
        at = q;
    }
    /* "same" reused every hub: no group */
    cr_assert(!strstr(p, "<layer-tree-group name=\"same\""));
    /* the layers themselves, with their renderers: band 1 minutes and band 2 status */
    cr_assert(strstr(p, "<datasource>./scenarios/new/hubs/h/diff.tif</datasource><layername>new: "
                        "H minutes, scenario − baseline</layername><provider>gdal</provider>"));
    const char *st = strstr(p, "<layername>new: H cells newly within / lost</layername>");
    cr_assert_not_null(st);
    cr_assert(strstr(st, "<rasterrenderer type=\"paletted\" band=\"2\""));
    const char *gl = strstr(p, "<maplayer type=\"vector\" geometry=\"Polygon\" labelsEnabled=\"0\">"
                               "<id>isoreach_scen_gains_");
    cr_assert_not_null(gl);
    cr_assert(strstr(gl, "filter=\"&quot;kind&quot; = 'newly_within'\""));
    free(p);
}

Test(scenpub, no_scenario_no_group)
{
    cr_assert_eq(run("--no-maps"), 0);
    char *p = slurp("o/isoreach.qgs");
    cr_assert_not_null(p);
    cr_assert(!strstr(p, "Scenarios"), "%s", p);
    cr_assert(strstr(p, "<layer-tree-group name=\"Hubs\""));
    free(p);
}

/* ---- the difference maps ------------------------------------------------------------------ */

/* The panel's pixels of a map whose centre falls, in band 2 of `tif`, on status `v`
 * (located through the world file `pgw`, independently of the drawing code); *n of them, and
 * *hit of them show exactly (±2 per channel) the colour `want`. */
static void status_pixels(const char *png, const char *pgw, const char *tif, int v,
                          const unsigned char want[3], size_t *n, size_t *hit)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(png);
    cr_assert_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS, "%s does not decode", png);
    cr_assert_eq(cairo_image_surface_get_width(s), ISR_MAP_W);
    cr_assert_eq(cairo_image_surface_get_height(s), ISR_MAP_H);
    const unsigned char *px = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    double wf[6];
    FILE *f = fopen(pgw, "r");
    cr_assert_not_null(f, "no world file %s", pgw);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(fscanf(f, "%lf", &wf[i]), 1);
    fclose(f);
    GDALAllRegister();
    GDALDatasetH ds = GDALOpen(tif, GA_ReadOnly);
    cr_assert_not_null(ds, "%s", tif);
    double gt[6];
    GDALGetGeoTransform(ds, gt);
    int W = GDALGetRasterXSize(ds), H = GDALGetRasterYSize(ds);
    float *b2 = malloc((size_t)W * (size_t)H * sizeof *b2);
    cr_assert_eq(GDALRasterIO(GDALGetRasterBand(ds, 2), GF_Read, 0, 0, W, H, b2, W, H,
                              GDT_Float32, 0, 0), CE_None);
    GDALClose(ds);
    double panel[4];
    isr_map_panel(panel);
    *n = *hit = 0;
    for (int y = (int)panel[1] + 2; y < (int)(panel[1] + panel[3]) - 2; y++)
        for (int x = (int)panel[0] + 2; x < (int)(panel[0] + panel[2]) - 2; x++) {
            double wx = wf[4] + x * wf[0], wy = wf[5] + y * wf[3];
            int c = (int)floor((wx - gt[0]) / gt[1]), r = (int)floor((wy - gt[3]) / gt[5]);
            if (c < 0 || r < 0 || c >= W || r >= H || b2[(size_t)r * (size_t)W + (size_t)c] != v)
                continue;
            uint32_t p;
            memcpy(&p, px + (size_t)y * (size_t)stride + (size_t)x * 4, 4);
            int ok = 1;
            for (int k = 0; k < 3; k++) {
                int d = (int)((p >> (16 - 8 * k)) & 255) - want[k];
                ok &= d >= -2 && d <= 2;
            }
            (*n)++;
            *hit += (size_t)ok;
        }
    free(b2);
    cairo_surface_destroy(s);
}

Test(scenpub, diff_map_shows_newly_reached_cells)
{
    cr_assert_eq(run("--scenario new=new --scenario fast=fast --scenario same=same"), 0);
    char png[512], pgw[512], tif[512];
    snprintf(png, sizeof png, "%s/o/scenarios/new/hubs/h/map_diff.png", cli_tmp);
    snprintf(pgw, sizeof pgw, "%s/o/scenarios/new/hubs/h/map_diff.pgw", cli_tmp);
    snprintf(tif, sizeof tif, "%s/o/scenarios/new/hubs/h/diff.tif", cli_tmp);
    unsigned char newly[3], both[3];
    isr_map_diff_pixel(2, newly);
    isr_map_diff_pixel(1, both);
    /* the newly colour is the palette's blue (#2166ac) at the band alpha over the land */
    unsigned char blue[3];
    isr_diff_status_color(2, blue);
    cr_assert(blue[0] == 0x21 && blue[1] == 0x66 && blue[2] == 0xac);
    size_t n, hit;
    /* cells newly within 45 min (around f, 12 px a cell): at least 20 cells' worth of
     * pixels, nearly all in the "newly" colour (outlines and labels cover a few) */
    status_pixels(png, pgw, tif, 2, newly, &n, &hit);
    cr_assert_gt(n, 20 * 100, "only %zu pixels of newly reached cells", n);
    cr_assert_gt(hit * 10, n * 8, "%zu of %zu pixels in the newly colour", hit, n);
    /* cells reached in both (around the hub): the "both" grey, never the newly colour */
    status_pixels(png, pgw, tif, 1, both, &n, &hit);
    cr_assert_gt(n, 20 * 100);
    cr_assert_gt(hit * 10, n * 7, "%zu of %zu pixels in the 'both' colour", hit, n);
    status_pixels(png, pgw, tif, 1, newly, &n, &hit);
    cr_assert_eq(hit, 0, "%zu 'both' pixels in the newly colour", hit);
    /* the SVG's title names the scenario and the hub; its description carries the caption
     * (gains.csv: every person newly within is in province 320000, the hub's is 310000) */
    char *s = slurp("o/scenarios/new/hubs/h/map_diff.svg");
    cr_assert_not_null(s);
    cr_assert(strstr(s, "<title>H H — scenario new: who is newly within 45 minutes</title>"),
              "%.400s", s);
    cr_assert(strstr(s, "people newly within 45 min, 100 % of them outside the hub's own "
                        "province; 0 people no longer within it."), "%.2000s", s);
    free(s);
    cr_assert(exists("o/scenarios/fast/hubs/h/map_diff.png"));
    cr_assert(exists("o/scenarios/fast/hubs/h/map_diff.svg"));
    cr_assert(!exists("o/scenarios/same/hubs/h/map_diff.png"));
}

Test(scenpub, no_maps_draws_no_diff_map)
{
    cr_assert_eq(run("--no-maps --scenario new=new"), 0);
    cr_assert(exists("o/scenarios/new/hubs/h/diff.tif"));
    cr_assert(!exists("o/scenarios/new/hubs/h/map_diff.png"));
    cr_assert(!exists("o/scenarios/new/hubs/h/map_diff.svg"));
    /* isoreach map draws it later, from the products */
    cr_assert_eq(cli_sh("cd '%s' && %s map -q --out o", cli_tmp, CLI), 0);
    cr_assert(exists("o/scenarios/new/hubs/h/map_diff.png"));
    cr_assert(exists("o/scenarios/new/hubs/h/map_diff.pgw"));
    /* in the run's language: --lang zh drew the hub maps in Chinese and this one in English */
    cr_assert_eq(cli_sh("cd '%s' && %s map -q --out o --lang zh", cli_tmp, CLI), 0);
    char *s = slurp("o/scenarios/new/hubs/h/map_diff.svg");
    cr_assert_not_null(s);
    cr_assert(strstr(s, "<title>H — 情景 new：新进入45分钟圈的人</title>"), "%.400s", s);
    cr_assert(strstr(s, "其中100%在枢纽所在省以外；0人不再在圈内。"), "%.2000s", s);
    cr_assert_null(strstr(s, "people"), "English left in the Chinese map");
    free(s);
}

/* isoreach reach on other people: the baseline tables were recounted, the scenarios' gains
 * (scenarios/NAME/gains*.csv) were not, yet the web map showed both side by side and the
 * difference maps were redrawn under the new credits, without a word. Now reach says so, and
 * the web map and maps leave the scenarios out (their files stay as the run left them). */
Test(scenpub, reach_leaves_out_the_scenarios_it_does_not_recount)
{
    cr_assert_eq(run("--scenario new=new"), 0);
    char *html = slurp("o/index.html");
    cr_assert(strstr(html, "\"scenarios\":[{\"name\":\"new\""), "no scenario in the web map");
    free(html);
    cli_sh_ok("cp o/scenarios/new/gains_by_hub.csv g0.csv && "
              "cp o/scenarios/new/hubs/h/map_diff.png m0.png && "
              "sed 's/\"pop\":40000/\"pop\":80000/' b.geojson > b2.geojson");
    cr_assert_eq(cli_sh("cd '%s' && %s reach -q --out o --boundaries b2.geojson", cli_tmp, CLI),
                 0);
    char *e = cli_stderr();
    cr_assert(strstr(e, "isoreach: warning: the scenarios of 'o' ('new') were computed on the "
                        "run's boundaries and population and are not recounted by isoreach "
                        "reach: their tables in o/scenarios/ are as the run left them, and the "
                        "web map and maps now leave them out; to have them on 'b2.geojson', "
                        "run isoreach run again with --scenario into --out 'o'\n"),
              "%s", e);
    free(e);
    html = slurp("o/index.html");
    cr_assert_null(strstr(html, "\"scenarios\":["), "stale scenarios in the web map");
    free(html);
    /* the scenario's files as the run left them: its map not redrawn under the new credits */
    cr_assert_eq(cli_sh("cd '%s' && cmp -s g0.csv o/scenarios/new/gains_by_hub.csv && "
                        "cmp -s m0.png o/scenarios/new/hubs/h/map_diff.png", cli_tmp),
                 0);
    /* run.json says which are left out */
    cr_assert_eq(cli_sh("cd '%s' && python3 -c 'import json,sys; sys.exit(json.load(open("
                        "\"o/run.json\"))[\"reach\"][\"scenarios_not_recounted\"] != "
                        "[\"new\"])'", cli_tmp),
                 0);
}
