/*
 * palette.c — the one band palette of every publication: isr_band_color() gives band k of n
 * its colour in the QGIS styles (styles.c), the PNG/SVG maps (map_layers.c) and the web map
 * (webmap.c) alike, so a band reads the same everywhere. One sequential ramp, viridis, dark
 * blue (fast) to yellow (slow), strictly lighter at every step (tests/test_palette.c).
 */
#include "publish_internal.h"

#include <math.h>

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
