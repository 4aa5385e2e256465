/*
 * test_palette.c — one band palette (issue 11): isr_band_color() is ordered in lightness, and
 * a band has the same RGB in the QGIS styles (isochrones.qml, travel_time.qml), in the web
 * map's data (index.html) and in the map's SVG, for 4 bands (the default: the shared sample
 * run, tests/sample_fixture.sh) and for 6 (the sample at 2000 m, one hub, through the CLI).
 */
#include "cli_support.h"
#include "publish_internal.h"

#include <criterion/criterion.h>
#include <math.h>
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
