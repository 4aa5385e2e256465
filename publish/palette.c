/*
 * palette.c — the one band palette of every publication: isr_band_color() gives band k of n
 * its colour in the QGIS styles (styles.c), the PNG/SVG maps (map_layers.c) and the web map
 * (webmap.c) alike, so a band reads the same everywhere. One sequential ramp, viridis, dark
 * blue (fast) to yellow (slow), strictly lighter at every step (tests/test_palette.c).
 */
#include "publish_internal.h"

#include <math.h>
#include <stdlib.h>
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

/* ---- the nearest-hub map: a categorical palette whose neighbours differ ---------------------- */

void isr_hub_adjacency(const int *idx, int w, int h, int n, unsigned char *adj)
{
    memset(adj, 0, (size_t)n * (size_t)n);
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            int a = idx[(size_t)r * (size_t)w + (size_t)c];
            if (a < 0 || a >= n)
                continue;
            int nb[2] = {c + 1 < w ? idx[(size_t)r * (size_t)w + (size_t)c + 1] : -1,
                         r + 1 < h ? idx[(size_t)(r + 1) * (size_t)w + (size_t)c] : -1};
            for (int k = 0; k < 2; k++)
                if (nb[k] >= 0 && nb[k] < n && nb[k] != a)
                    adj[(size_t)a * (size_t)n + (size_t)nb[k]] =
                        adj[(size_t)nb[k] * (size_t)n + (size_t)a] = 1;
        }
}

void isr_hub_classes(int n, const unsigned char *adj, int *cls)
{
    int *order = malloc((size_t)(n > 0 ? n : 1) * sizeof *order);
    int *deg = calloc((size_t)(n > 0 ? n : 1), sizeof *deg);
    for (int i = 0; i < n; i++)
        cls[i] = -1;
    if (!order || !deg) { /* out of memory: classes in turn, still a valid palette */
        for (int i = 0; i < n; i++)
            cls[i] = i % ISR_HUB_NCOLOURS;
        free(order);
        free(deg);
        return;
    }
    for (int i = 0; i < n; i++) {
        order[i] = i;
        for (int j = 0; j < n; j++)
            deg[i] += adj[(size_t)i * (size_t)n + (size_t)j];
    }
    for (int a = 1; a < n; a++) /* most neighbours first (Welsh–Powell); ties by index */
        for (int k = a; k > 0 && deg[order[k]] > deg[order[k - 1]]; k--) {
            int t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    /* each hub takes, of the classes no neighbour has, the one used least so far: touching
     * areas differ, and while the palette lasts every hub has its own colour (a legend can
     * name it) */
    int count[64] = {0};
    for (int a = 0; a < n; a++) {
        int i = order[a];
        unsigned long long used = 0;
        for (int j = 0; j < n; j++)
            if (adj[(size_t)i * (size_t)n + (size_t)j] && cls[j] >= 0 && cls[j] < 64)
                used |= 1ULL << cls[j];
        int c = -1;
        for (int k = 0; k < ISR_HUB_NCOLOURS; k++)
            if (!(used >> k & 1) && (c < 0 || count[k] < count[c]))
                c = k;
        for (int k = ISR_HUB_NCOLOURS; c < 0 && k < 63; k++) /* a hub with more neighbours */
            if (!(used >> k & 1))
                c = k;
        if (c < 0)
            c = 63;
        count[c]++;
        cls[i] = c;
    }
    free(order);
    free(deg);
}

void isr_hub_color(int cls, unsigned char rgb[3])
{
    /* qualitative, distinct in hue and lightness, none as pale as the land */
    static const unsigned char c[ISR_HUB_NCOLOURS][3] = {
        {31, 120, 180}, {227, 26, 28},  {51, 160, 44},  {255, 127, 0},  {106, 61, 154},
        {177, 89, 40},  {231, 41, 138}, {27, 158, 119}, {102, 102, 102}, {230, 171, 2}};
    /* past the palette (a hub touching ten others): the colours again, darker */
    const unsigned char *p = c[(cls % ISR_HUB_NCOLOURS + ISR_HUB_NCOLOURS) % ISR_HUB_NCOLOURS];
    double f = cls >= ISR_HUB_NCOLOURS ? 0.6 : 1;
    for (int k = 0; k < 3; k++)
        rgb[k] = (unsigned char)lround(p[k] * f);
}
