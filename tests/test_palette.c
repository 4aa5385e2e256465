/*
 * test_palette.c — one band palette (issue 11): isr_band_color() is ordered in lightness, and
 * a band has the same RGB in the QGIS styles (isochrones.qml, travel_time.qml), in the web
 * map's data (index.html) and in the map's SVG, for 4 bands (the default: the shared sample
 * run, tests/sample_fixture.sh) and for 6 (the sample at 2000 m, one hub, through the CLI);
 * the nearest-hub map's categorical palette: hubs whose areas touch never share a colour.
 */
#include "cli_support.h"
#include "map_internal.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CIE L* of an 8-bit sRGB colour (D65): linearise, luminance Y, then L*. */
static double lstar(const unsigned char c[3])
{
    double lin[3];
    for (int i = 0; i < 3; i++) {
        double v = c[i] / 255.0;
        lin[i] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
    }
    double y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    return y > 216.0 / 24389.0 ? 116.0 * cbrt(y) - 16.0 : y * 24389.0 / 27.0;
}

TestSuite(palette);

Test(palette, lighter_at_every_band)
{
    for (int n = 2; n <= 12; n++) {
        unsigned char prev[3], c[3];
        isr_band_color(0, n, prev);
        /* fast is dark: viridis starts at #440154 (L* about 15) and ends at #fde725 (about 90) */
        cr_assert_lt(lstar(prev), 20, "n=%d: band 0 L* %.1f", n, lstar(prev));
        for (int k = 1; k < n; k++) {
            isr_band_color(k, n, c);
            cr_assert_gt(lstar(c), lstar(prev) + 3.0, "n=%d: band %d L* %.1f, band %d L* %.1f",
                         n, k, lstar(c), k - 1, lstar(prev));
            memcpy(prev, c, 3);
        }
        cr_assert_gt(lstar(prev), 85, "n=%d: last band L* %.1f", n, lstar(prev));
    }
    unsigned char c[3];
    isr_band_color(0, 4, c);
    cr_assert(c[0] == 0x44 && c[1] == 0x01 && c[2] == 0x54);
    isr_band_color(3, 4, c);
    cr_assert(c[0] == 0xfd && c[1] == 0xe7 && c[2] == 0x25);
}

/* The k-th "needle … value" in `s` parsed with `fmt` into rgb; 1 when found. */
static int nth_rgb(const char *s, const char *needle, int k, const char *fmt, unsigned char rgb[3])
{
    const char *p = s;
    for (int i = 0; i <= k; i++) {
        p = strstr(p, needle);
        if (!p)
            return 0;
        p += strlen(needle);
    }
    unsigned r, g, b;
    if (sscanf(p, fmt, &r, &g, &b) != 3)
        return 0;
    rgb[0] = (unsigned char)r;
    rgb[1] = (unsigned char)g;
    rgb[2] = (unsigned char)b;
    return 1;
}

/* Whether cairo's SVG fills something with rgb at the band alpha: cairo writes each channel
 * as a percentage, c / 255 * 100 with six decimals. */
static int svg_has_fill(const char *svg, const unsigned char rgb[3])
{
    for (const char *p = strstr(svg, "fill:rgb("); p; p = strstr(p + 1, "fill:rgb(")) {
        double r, g, b;
        if (sscanf(p, "fill:rgb(%lf%%,%lf%%,%lf%%);fill-opacity:0.8", &r, &g, &b) == 3 &&
            lround(r * 2.55) == rgb[0] && lround(g * 2.55) == rgb[1] && lround(b * 2.55) == rgb[2])
            return 1;
    }
    return 0;
}

/* The band colours of the run in `dir` (bands of n colours) in every output. */
static void same_colour_in(const char *dir, int n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/hubs/nanjing_south/isochrones.qml", dir);
    char *qml = cli_slurp(path);
    snprintf(path, sizeof path, "%s/hubs/nanjing_south/travel_time.qml", dir);
    char *tqml = cli_slurp(path);
    snprintf(path, sizeof path, "%s/index.html", dir);
    char *html = cli_slurp(path);
    snprintf(path, sizeof path, "%s/hubs/nanjing_south/map.svg", dir);
    char *svg = cli_slurp(path);
    for (int k = 0; k < n; k++) {
        unsigned char want[3], q[3], t[3], h[3];
        isr_band_color(k, n, want);
        cr_assert(nth_rgb(qml, "name=\"color\" value=\"", k, "%u,%u,%u", q),
                  "n=%d: no colour %d in isochrones.qml", n, k);
        cr_assert(nth_rgb(tqml, "<item value=", k, "%*[^c]color=\"#%2x%2x%2x", t),
                  "n=%d: no colour %d in travel_time.qml", n, k);
        cr_assert(nth_rgb(html, "\"c\":\"#", k, "%2x%2x%2x", h),
                  "n=%d: no colour %d in index.html", n, k);
        cr_assert(!memcmp(q, want, 3) && !memcmp(t, want, 3) && !memcmp(h, want, 3),
                  "n=%d band %d: engine #%02x%02x%02x, isochrones.qml #%02x%02x%02x, "
                  "travel_time.qml #%02x%02x%02x, index.html #%02x%02x%02x",
                  n, k, want[0], want[1], want[2], q[0], q[1], q[2], t[0], t[1], t[2], h[0],
                  h[1], h[2]);
        cr_assert(svg_has_fill(svg, want), "n=%d band %d: map.svg has no fill #%02x%02x%02x",
                  n, k, want[0], want[1], want[2]);
    }
    free(qml);
    free(tqml);
    free(html);
    free(svg);
}

/* The default bands, 15,30,45,60: the shared sample run (ISR_SAMPLE_RUN, tests/sample_fixture.sh;
 * nanjing_south is one of its hubs). */
Test(palette, four_bands_same_rgb_in_qml_html_and_svg, .timeout = 30)
{
    same_colour_in(ISR_SAMPLE_RUN, 4);
}

Test(palette, six_bands_same_rgb_in_qml_html_and_svg, .timeout = 120)
{
    cli_tmp_make("isr-palette");
    int rc = cli_sh("%s run --hubs nanjing_south --resolution 2000 --bands 10,20,30,40,50,60 "
                    "--threads 2 --out %s/o --quiet",
                    cli_command(ISR_CLI), cli_tmp);
    cr_assert_eq(rc, 0, "isoreach run failed");
    char dir[300];
    snprintf(dir, sizeof dir, "%s/o", cli_tmp);
    same_colour_in(dir, 6);
    cli_tmp_remove();
}

/* ---- the nearest-hub map: neighbours differ (issue 17) -------------------------------------- */

/* Four hubs that all touch need four classes; two apart may share none of theirs. */
Test(palette, hub_classes_on_a_made_up_raster)
{
    /* 0 0 1 1
     * 0 2 2 1
     * 3 2 2 1      0-1, 0-2, 0-3, 1-2, 2-3 touch; 1-3 do not
     * 3 3 -1 -1 */
    const int r[16] = {0, 0, 1, 1, 0, 2, 2, 1, 3, 2, 2, 1, 3, 3, -1, -1};
    unsigned char adj[16];
    isr_hub_adjacency(r, 4, 4, 4, adj);
    const unsigned char want[16] = {0, 1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0};
    for (int i = 0; i < 16; i++)
        cr_assert_eq(adj[i], want[i], "adjacency of %d and %d", i / 4, i % 4);
    int cls[4];
    isr_hub_classes(4, adj, cls);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            if (i != j)
                cr_assert_neq(cls[i], cls[j], "hubs %d and %d share class %d", i, j, cls[i]);
}

static int same_rgb(const unsigned char *px, const unsigned char rgb[3])
{
    uint32_t v;
    memcpy(&v, px, 4);
    int d[3] = {(int)((v >> 16) & 255) - rgb[0], (int)((v >> 8) & 255) - rgb[1],
                (int)(v & 255) - rgb[2]};
    return abs(d[0]) <= 2 && abs(d[1]) <= 2 && abs(d[2]) <= 2;
}

/* 15 hubs of the sample's dense corridor, whose 60-minute areas touch: the touching pairs,
 * found here in nearest_hub.tif cell by cell, never share a colour in map_nearest_hub.png's
 * legend, and each hub's swatch shows its class's colour over the land. */
Test(palette, nearest_hub_neighbours_differ, .timeout = 240)
{
    cli_tmp_make("isr-palette-hubs");
    int rc = cli_sh("%s run --hubs shanghai_hongqiao,shanghai,shanghai_songjiang,suzhou_north,"
                    "suzhou,wuxi,changzhou_north,changzhou,jiaxing_south,huzhou,hangzhou_east,"
                    "hangzhou,shaoxing_north,nanjing_south,zhenjiang --resolution 5000 --threads "
                    "2 --out %s/o --quiet",
                    cli_command(ISR_CLI), cli_tmp);
    cr_assert_eq(rc, 0, "isoreach run failed: %s", cli_output());
    enum { N = 15 };
    char path[512];
    snprintf(path, sizeof path, "%s/o/region/nearest_hub.tif", cli_tmp);
    GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
    cr_assert_not_null(ds);
    int w = GDALGetRasterXSize(ds), h = GDALGetRasterYSize(ds);
    int *v = malloc((size_t)w * (size_t)h * sizeof *v);
    cr_assert_eq(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, w, h, v, w, h, GDT_Int32,
                              0, 0),
                 CE_None);
    GDALClose(ds);
    unsigned char touch[N][N] = {{0}};
    int pairs = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int a = v[y * w + x];
            int nb[2] = {x + 1 < w ? v[y * w + x + 1] : -1, y + 1 < h ? v[(y + 1) * w + x] : -1};
            for (int k = 0; k < 2; k++)
                if (a >= 0 && nb[k] >= 0 && a != nb[k] && !touch[a][nb[k]]) {
                    touch[a][nb[k]] = touch[nb[k]][a] = 1;
                    pairs++;
                }
        }
    free(v);
    cr_assert_geq(pairs, 8, "only %d touching pairs: the test would prove little", pairs);
    unsigned char adj[N * N];
    /* the map's classes, from the function it uses, on this adjacency */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            adj[i * N + j] = touch[i][j];
    int cls[N];
    isr_hub_classes(N, adj, cls);
    snprintf(path, sizeof path, "%s/o/region/map_nearest_hub.png", cli_tmp);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    cr_assert_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    const unsigned char *px = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    unsigned char sw[N][3];
    for (int k = 0; k < N; k++) {
        double r[4];
        isr_map_legend_swatch(k, r);
        const unsigned char *p =
            px + (size_t)(r[1] + r[3] / 2) * (size_t)stride + (size_t)(r[0] + r[2] / 2) * 4;
        uint32_t c;
        memcpy(&c, p, 4);
        sw[k][0] = (unsigned char)(c >> 16);
        sw[k][1] = (unsigned char)(c >> 8);
        sw[k][2] = (unsigned char)c;
        unsigned char want[3], blend[3];
        isr_hub_color(cls[k], want);
        for (int i = 0; i < 3; i++) {
            double land = i == 0 ? isr_map_land.r : i == 1 ? isr_map_land.g : isr_map_land.b;
            blend[i] = (unsigned char)lround((want[i] / 255.0 * ISR_MAP_BAND_ALPHA +
                                              land * (1 - ISR_MAP_BAND_ALPHA)) * 255);
        }
        cr_assert(same_rgb(p, blend), "hub %d's swatch #%02x%02x%02x, class %d #%02x%02x%02x", k,
                  sw[k][0], sw[k][1], sw[k][2], cls[k], blend[0], blend[1], blend[2]);
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            if (touch[i][j])
                cr_assert(memcmp(sw[i], sw[j], 3) != 0, "hubs %d and %d touch and share #%02x%02x%02x",
                          i, j, sw[i][0], sw[i][1], sw[i][2]);
    cairo_surface_destroy(s);
    cli_tmp_remove();
}
