/*
 * palette.c — the one band palette of every publication: isr_band_color() gives band k of n
 * its colour in the QGIS styles (styles.c), the PNG/SVG maps (map_layers.c) and the web map
 * (webmap.c) alike, so a band reads the same everywhere. One sequential ramp, viridis, dark
 * blue (fast) to yellow (slow), strictly lighter at every step (tests/test_palette.c).
 */
#include "publish_internal.h"

#include <math.h>
#include <string.h>

void isr_band_color(int k, int n, unsigned char rgb[3])
{
    /* viridis (matplotlib; R's viridis(9)): perceptually uniform, readable with every common
     * colour-vision deficiency and in grey, and strictly lighter at every step */
    static const unsigned char stops[9][3] = {{68, 1, 84},    {71, 45, 123},  {59, 82, 139},
                                              {44, 114, 142}, {33, 144, 140}, {39, 173, 129},
                                              {93, 200, 99},  {170, 220, 50}, {253, 231, 37}};
    double t = n > 1 ? (double)k / (double)(n - 1) : 0.0;
    if (t < 0)
        t = 0;
    if (t > 1)
        t = 1;
    double x = t * 8.0;
    int i = (int)floor(x);
    if (i >= 8)
        i = 7;
    double f = x - i;
    for (int c = 0; c < 3; c++)
        rgb[c] = (unsigned char)lround(stops[i][c] * (1 - f) + stops[i + 1][c] * f);
}

/* ---- scenarios: the difference palette ------------------------------------------------------ */

/* Upper limits of the classes of scenario − baseline minutes (diff.tif band 1, negative:
 * faster): symmetric about an "unchanged" class of ±0.5 min. */
const double isr_diff_breaks[ISR_DIFF_NCLASS] = {-30, -20, -10, -5, -0.5, 0.5,
                                                 5,   10,  20,  30, INFINITY};

void isr_diff_color(int k, unsigned char rgb[3])
{
    /* ColorBrewer RdBu (11 classes), diverging and readable with red-green deficiencies:
     * faster in blues, slower in reds, unchanged near white */
    static const unsigned char c[ISR_DIFF_NCLASS][3] = {
        {5, 48, 97},    {33, 102, 172}, {67, 147, 195}, {146, 197, 222}, {209, 229, 240},
        {247, 247, 247}, {253, 219, 199}, {244, 165, 130}, {214, 96, 77}, {178, 24, 43},
        {103, 0, 31}};
    if (k < 0)
        k = 0;
    if (k >= ISR_DIFF_NCLASS)
        k = ISR_DIFF_NCLASS - 1;
    memcpy(rgb, c[k], 3);
}

void isr_diff_status_color(int status, unsigned char rgb[3])
{
    /* 0 neither (not drawn), 1 both: light grey, 2 newly within: the palette's strong blue
     * (a gain, as "faster"), 3 lost: its strong red */
    static const unsigned char c[4][3] = {
        {255, 255, 255}, {200, 200, 200}, {33, 102, 172}, {178, 24, 43}};
    memcpy(rgb, c[status >= 0 && status < 4 ? status : 0], 3);
}
