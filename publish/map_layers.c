/*
 * map_layers.c — what every map page shares: its colours, the layers drawn under and over
 * the data (land, county and province boundaries, rail, stations with their labels, county
 * names), the legend's rows and swatches, the title, attribution, scale bar and north arrow,
 * number formats, the colour ramps and the page layout. Stateless: each function draws on
 * the canvas it is given. A legend
 * swatch is drawn exactly as the fill it stands for (land first, then the colour at the same
 * alpha), so the two show the same pixel colour.
 */
#include "map_internal.h"

#include <glib.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const isr_rgba isr_map_ink = {0.13, 0.13, 0.13, 1};
const isr_rgba isr_map_grey = {0.38, 0.38, 0.38, 1};
const isr_rgba isr_map_outside = {0.878, 0.886, 0.894, 1}; /* sea, land beyond the region */
/* a county border as it looked stroked twice at 0.75 (each county outlined), now once */
const isr_rgba isr_map_county_line = {0.52, 0.54, 0.56, 0.94};
const isr_rgba isr_map_province_line = {0.20, 0.20, 0.22, 1};
const isr_rgba isr_map_rail = {0.62, 0.07, 0.09, 1};
const isr_rgba isr_map_rail_dark = {0.17, 0.20, 0.26, 1};    /* over the red ramp */
const isr_rgba isr_map_rail_sheet = {0.45, 0.45, 0.48, 0.9}; /* context in thumbnails */
const isr_rgba isr_map_white = {1, 1, 1, 1};
const isr_rgba isr_map_hub_fill = {0.89, 0.10, 0.11, 1};

/* ---- colours and layout ---------------------------------------------------------------------- */

const isr_rgba isr_map_land = {0.969, 0.961, 0.937, 1};

static isr_rgba hex(unsigned v)
{
    return (isr_rgba){((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0, 1};
}

static isr_rgba ramp(const unsigned *stops, int nstops, double t)
{
    if (t <= 0)
        return hex(stops[0]);
    if (t >= 1)
        return hex(stops[nstops - 1]);
    double p = t * (nstops - 1);
    int k = (int)p;
    double f = p - k;
    isr_rgba a = hex(stops[k]), b = hex(stops[k + 1]);
    return (isr_rgba){a.r + (b.r - a.r) * f, a.g + (b.g - a.g) * f, a.b + (b.b - a.b) * f, 1};
}

/* The bands in the one band palette of QGIS styles and the web map (isr_band_color, viridis):
 * the band nearest the hub is the darkest. */
isr_rgba isr_map_band_colour(int i, int n)
{
    unsigned char c[3];
    isr_band_color(i, n, c);
    return (isr_rgba){c[0] / 255.0, c[1] / 255.0, c[2] / 255.0, 1};
}

/* ColorBrewer YlOrRd, light to dark: more hubs, darker. Its palest stop is left out: one hub
 * must stand out from the land. */
static const unsigned count_stops[] = {0xfed976, 0xfeb24c, 0xfd8d3c, 0xfc4e2a,
                                       0xe31a1c, 0xbd0026, 0x800026};

isr_rgba isr_map_count_colour(int i, int n)
{
    double t = n > 1 ? (double)i / (n - 1) : 1;
    return ramp(count_stops, (int)(sizeof count_stops / sizeof *count_stops), t);
}

static unsigned char blend8(double over, double under, double a)
{
    double v = (over * a + under * (1 - a)) * 255.0;
    return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
}

void isr_map_band_pixel(int i, int n, unsigned char rgb[3])
{
    isr_rgba c = isr_map_band_colour(i, n), l = isr_map_land;
    rgb[0] = blend8(c.r, l.r, ISR_MAP_BAND_ALPHA);
    rgb[1] = blend8(c.g, l.g, ISR_MAP_BAND_ALPHA);
    rgb[2] = blend8(c.b, l.b, ISR_MAP_BAND_ALPHA);
}

void isr_map_panel(double rect[4])
{
    rect[0] = 28;
    rect[1] = 112;
    rect[2] = 1196;
    rect[3] = 1036;
}

void isr_map_legend_swatch(int k, double rect[4])
{
    rect[0] = 1250;
    rect[1] = 150 + 36.0 * k;
    rect[2] = 46;
    rect[3] = 26;
}

/* Contact sheet: square thumbnails in a grid, about 4:3 overall. */
enum {
    SHEET_T = 400,
    SHEET_LABEL = 56,
    SHEET_GAP = 14,
    SHEET_MARGIN = 32,
    SHEET_HEAD = 112,
    SHEET_FOOT = 128,
    SHEET_MIN_W = 1200
};

/* At most four thumbnails a row (five past 20 hubs): each 400 px, so a small circle still
 * shows; a long list makes a tall sheet rather than a grid of stamps. Past 345 hubs (69 rows)
 * more a row: cairo's images stop at 32,767 px a side, and the national run's 390 hubs failed
 * at the sheet, after every other output. 79 × 69 = 5,451 hubs fit. */
#define SHEET_MAX_PX 32767
static int sheet_cols(int n)
{
    if (n <= 4)
        return n > 0 ? n : 1;
    if (n <= 20)
        return 4;
    int max_rows = (SHEET_MAX_PX - SHEET_HEAD - SHEET_FOOT + SHEET_GAP) /
                   (SHEET_T + SHEET_LABEL + SHEET_GAP);
    int cols = (n + max_rows - 1) / max_rows;
    return cols > 5 ? cols : 5;
}

void isr_map_sheet_size(int n, int *w, int *h)
{
    int cols = sheet_cols(n), rows = (n + cols - 1) / cols;
    if (rows < 1)
        rows = 1;
    int gw = cols * SHEET_T + (cols - 1) * SHEET_GAP;
    *w = gw + 2 * SHEET_MARGIN > SHEET_MIN_W ? gw + 2 * SHEET_MARGIN : SHEET_MIN_W;
    *h = SHEET_HEAD + rows * (SHEET_T + SHEET_LABEL) + (rows - 1) * SHEET_GAP + SHEET_FOOT;
}

void isr_map_sheet_cell(int n, int i, double rect[4])
{
    int cols = sheet_cols(n), w, h;
    isr_map_sheet_size(n, &w, &h);
    int gw = cols * SHEET_T + (cols - 1) * SHEET_GAP;
    double left = (w - gw) / 2.0;
    rect[0] = left + (i % cols) * (SHEET_T + SHEET_GAP);
    rect[1] = SHEET_HEAD + (i / cols) * (SHEET_T + SHEET_LABEL + SHEET_GAP);
    rect[2] = rect[3] = SHEET_T;
}

/* ---- formatting ------------------------------------------------------------------------------ */

void isr_map_fmt_people(char *buf, size_t n, double p)
{
    if (!isfinite(p))
        isr_snprintf(buf, n, "n/a");
    else if (p >= 1e6)
        isr_snprintf(buf, n, "%.2f M", p / 1e6);
    else if (p >= 9.95e3) /* two significant figures at least: 12 k, 1.3 k (not "1 k") */
        isr_snprintf(buf, n, "%.0f k", p / 1e3);
    else if (p >= 1e3)
        isr_snprintf(buf, n, "%.1f k", p / 1e3);
    else
        isr_snprintf(buf, n, "%.0f", p);
}

void isr_map_fmt_minutes(char *buf, size_t n, double lo, double hi)
{
    isr_snprintf(buf, n, "%g–%g min", lo, hi);
}

void isr_map_fmt_people_l(isr_lang lang, char *buf, size_t n, double p)
{
    char en[32], zh[48];
    isr_map_fmt_people(en, sizeof en, p);
    /* Chinese counts in 万 (10 000) and 亿 (10^8) */
    if (!isfinite(p))
        isr_snprintf(zh, sizeof zh, "不详");
    else if (p >= 1e8)
        isr_snprintf(zh, sizeof zh, "%.2f亿", p / 1e8);
    else if (p >= 1e4)
        isr_snprintf(zh, sizeof zh, p >= 1e6 ? "%.0f万" : "%.1f万", p / 1e4);
    else
        isr_snprintf(zh, sizeof zh, "%.0f", p);
    isr_map_tr(lang, buf, n, en, zh);
}

void isr_map_fmt_minutes_l(isr_lang lang, char *buf, size_t n, double lo, double hi)
{
    isr_map_trf(lang, buf, n, "%g–%g min", "%g–%g分钟", lo, hi);
}

const char *isr_map_tr(isr_lang lang, char *buf, size_t n, const char *en, const char *zh)
{
    if (lang == ISR_LANG_BOTH && strcmp(en, zh) != 0)
        isr_snprintf(buf, n, "%s %s", zh, en);
    else
        isr_snprintf(buf, n, "%s", lang == ISR_LANG_ZH ? zh : en);
    return buf;
}

const char *isr_map_trf(isr_lang lang, char *buf, size_t n, const char *en, const char *zh, ...)
{
    char a[1024], b[1024];
    va_list ap, aq;
    va_start(ap, zh);
    va_copy(aq, ap);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    isr_vsnprintf(a, sizeof a, en, ap);
    isr_vsnprintf(b, sizeof b, zh, aq);
#pragma GCC diagnostic pop
    va_end(aq);
    va_end(ap);
    return isr_map_tr(lang, buf, n, a, b);
}

/* fmt with each "{}" replaced by name (its '%' doubled): a format again. */
/* Whether `name` holds a letter of a right-to-left script (Hebrew, Arabic, Syriac, Thaana,
 * N'Ko…, and their presentation forms). */
static int has_rtl(const char *name)
{
    if (!g_utf8_validate(name, -1, NULL))
        return 0;
    for (const char *p = name; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if ((c >= 0x0590 && c <= 0x08FF) || (c >= 0xFB1D && c <= 0xFDFF) ||
            (c >= 0xFE70 && c <= 0xFEFF))
            return 1;
    }
    return 0;
}

static void with_name(char *out, size_t n, const char *fmt, const char *name)
{
    size_t o = 0;
    /* a right-to-left name inside a sentence of the other direction is isolated (U+2068 FIRST
     * STRONG ISOLATE … U+2069 POP DIRECTIONAL ISOLATE), or the bidi algorithm reorders the
     * sentence around it ("minute commuting circle-60 — القاهرة") */
    const int iso = has_rtl(name);
    const char *p = fmt;
    for (; *p && o + 1 < n; p++) {
        if (p[0] == '{' && p[1] == '}') {
            if (iso && o + 4 < n)
                memcpy(out + o, "\xE2\x81\xA8", 3), o += 3;
            const size_t from = o;
            const char *q = name;
            for (; *q && o + 2 + 3 * iso < n; q++) {
                if (*q == '%')
                    out[o++] = '%';
                out[o++] = *q;
            }
            if (*q) { /* the name cut short: there, on a whole character; nothing after it */
                o = from + isr_utf8_whole(out + from, o - from);
                break;
            }
            if (iso && o + 4 < n)
                memcpy(out + o, "\xE2\x81\xA9", 3), o += 3;
            p++;
        } else {
            out[o++] = *p;
        }
    }
    /* cut short: on a whole character, as isr_vsnprintf cuts */
    out[*p ? isr_utf8_whole(out, o) : o] = 0;
}

const char *isr_map_trn(isr_lang lang, char *buf, size_t n, const char *en, const char *zh,
                        const char *name_en, const char *name_zh, ...)
{
    char fe[1024], fz[1024], a[1024], b[1024];
    with_name(fe, sizeof fe, en, name_en && *name_en ? name_en : name_zh ? name_zh : "");
    with_name(fz, sizeof fz, zh, name_zh ? name_zh : "");
    va_list ap, aq;
    va_start(ap, name_zh);
    va_copy(aq, ap);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    isr_vsnprintf(a, sizeof a, fe, ap);
    isr_vsnprintf(b, sizeof b, fz, aq);
#pragma GCC diagnostic pop
    va_end(aq);
    va_end(ap);
    return isr_map_tr(lang, buf, n, a, b);
}

void isr_map_station_names(const isr_map_station *s, char *en, size_t n_en, char *zh,
                           size_t n_zh)
{
    /* no English name in the input: the station's own name (a region whose names are not
     * Chinese reads them as they are) */
    isr_snprintf(en, n_en, "%s", s->name_en && *s->name_en ? s->name_en : s->name);
    isr_snprintf(zh, n_zh, "%s", s->name);
}

const char *isr_map_name(isr_lang lang, char *buf, size_t n, const char *zh, const char *en)
{
    if (!en || !*en)
        en = zh; /* no English name in the input: the name it has */
    return isr_map_tr(lang, buf, n, en, zh ? zh : "");
}

const char *isr_map_station_name(const isr_map_base *b, const isr_map_station *s, char *buf,
                                 size_t n)
{
    return isr_map_name(b->lang, buf, n, s->name, s->name_en);
}

const char *isr_map_unshaded(const isr_map_base *b, const isr_map_hub *h, char *buf, size_t n)
{
    if (h->nbands < 1 || !(h->hi[h->nbands - 1] < b->budget_min - 1e-9))
        return NULL;
    return isr_map_trf(b->lang, buf, n, "Places past %g min are not shaded.",
                       "超过%g分钟的地方不着色。", h->hi[h->nbands - 1]);
}

void isr_map_caption(const isr_map_base *b, char *buf, size_t n)
{
    char wait_en[96], wait_zh[96];
    if (strcmp(b->wait, "half-headway") == 0) {
        isr_snprintf(wait_en, sizeof wait_en, "waits of half the headway");
        isr_snprintf(wait_zh, sizeof wait_zh, "候车时间取发车间隔的一半");
    } else if (strcmp(b->wait, "none") == 0) {
        isr_snprintf(wait_en, sizeof wait_en, "no waits for trains");
        isr_snprintf(wait_zh, sizeof wait_zh, "不计候车时间");
    } else {
        isr_snprintf(wait_en, sizeof wait_en, "waits: %s", b->wait);
        isr_snprintf(wait_zh, sizeof wait_zh, "候车：%s", b->wait);
    }
    char rail_en[256], rail_zh[256];
    if (strcmp(b->wait, "timetable") == 0) { /* GTFS: the timetable's waits and dwells */
        isr_snprintf(rail_en, sizeof rail_en,
                     "trains, waits and dwells as the timetable runs them; %g min per change "
                     "where transfers.txt gives none",
                     b->transfer_min);
        isr_snprintf(rail_zh, sizeof rail_zh, "列车、候车与停站按时刻表；换乘%g分钟（transfers.txt"
                     "未规定时）", b->transfer_min);
    } else {
        isr_snprintf(rail_en, sizeof rail_en, "%s; %g min dwell and %g min per change", wait_en,
                     b->dwell_min, b->transfer_min);
        isr_snprintf(rail_zh, sizeof rail_zh, "%s；停站%g分钟，每次换乘%g分钟", wait_zh,
                     b->dwell_min, b->transfer_min);
    }
    char en[1024], zh[1024];
    isr_snprintf(en, sizeof en,
                 "Model: local travel at %g km/h with a detour factor of %g; %s; %g-minute "
                 "budget; %g m grid.%s %s",
                 b->speed_kmh, b->detour, rail_en, b->budget_min, b->cell_m,
                 b->sample_rail ? " Rail: an authored sample network, not a timetable." : "",
                 b->pop_raster ? "People from a population raster."
                               : "People are spread evenly within each county.");
    isr_snprintf(zh, sizeof zh, "模型：本地交通速度%g公里/小时，绕行系数%g；%s；时间预算%g分钟；"
                 "网格%g米。%s%s",
                 b->speed_kmh, b->detour, rail_zh, b->budget_min, b->cell_m,
                 b->sample_rail ? "铁路：人工编制的示例路网，并非真实时刻表。" : "",
                 b->pop_raster ? "人口取自人口栅格。" : "人口按区县均匀分布。");
    if (b->lang == ISR_LANG_BOTH)
        isr_snprintf(buf, n, "%s\n%s", zh, en);
    else
        isr_snprintf(buf, n, "%s", b->lang == ISR_LANG_ZH ? zh : en);
}

/* ---- shared layers --------------------------------------------------------------------------- */

void isr_map_draw_land(isr_canvas *cv, const isr_map_base *b)
{
    isr_canvas_rect(cv, cv->panel, isr_map_outside, isr_map_outside, 0);
    for (int i = 0; i < b->nprovinces; i++)
        isr_canvas_fill(cv, &b->provinces[i], isr_map_land);
}

void isr_map_fill_bands(isr_canvas *cv, const isr_map_hub *h)
{
    for (int k = 0; k < h->nbands; k++) {
        isr_rgba c = isr_map_band_colour(k, h->nbands);
        c.a = ISR_MAP_BAND_ALPHA;
        isr_canvas_fill(cv, &h->ring[k], c);
    }
}

/* Each border once (the base's edges: a shared border is not stroked twice, which cost a
 * third of the maps' time and drew it darker than a coast), or each outline. */
void isr_map_draw_boundaries(isr_canvas *cv, const isr_map_base *b, double county_w, double prov_w)
{
    int ce = b->county_edges != NULL, pe = b->province_edges != NULL;
    if (county_w > 0)
        for (int i = 0; i < b->ncounties; i++)
            isr_canvas_stroke(cv, ce ? &b->county_edges[i] : &b->counties[i], !ce,
                              isr_map_county_line, county_w, NULL, 0);
    for (int i = 0; i < b->nprovinces; i++)
        isr_canvas_stroke(cv, pe ? &b->province_edges[i] : &b->provinces[i], !pe,
                          isr_map_province_line, prov_w, NULL, 0);
}

void isr_map_draw_rail(isr_canvas *cv, const isr_map_base *b, double w, isr_rgba c, int casing)
{
    for (int i = 0; i < b->nlines && casing; i++)
        isr_canvas_stroke(cv, &b->lines[i], 0, isr_map_white, w + 2.2, NULL, 0);
    for (int i = 0; i < b->nlines; i++)
        isr_canvas_stroke(cv, &b->lines[i], 0, c, w, NULL, 0);
}

/* County names in small grey type where there is room: context for a zoomed-in map. Placed
 * after every station label, so they give way. Only counties whose box spans `min_px`. */
void isr_map_draw_county_names(isr_canvas *cv, const isr_map_base *b, double min_px)
{
    double w[4];
    isr_canvas_world(cv, w);
    for (int i = 0; i < b->ncounties; i++) {
        const isr_shape *s = &b->counties[i];
        double x = b->county_label[2 * i], y = b->county_label[2 * i + 1];
        if (!isfinite(x) || !*b->county_names[i] || x < w[0] || x > w[2] || y < w[1] || y > w[3])
            continue;
        double span = s->bbox[2] - s->bbox[0] < s->bbox[3] - s->bbox[1] ? s->bbox[2] - s->bbox[0]
                                                                        : s->bbox[3] - s->bbox[1];
        if (span * cv->scale < min_px)
            continue;
        double u, v;
        char name[256];
        isr_canvas_xy(cv, x, y, &u, &v);
        isr_map_name(b->lang, name, sizeof name, b->county_names[i], b->county_names_en[i]);
        isr_canvas_label(cv, u, v, -8, name, 12, 0, (isr_rgba){0.42, 0.42, 0.42, 1}, 0);
    }
}

/* Which points of the lattice xs[c] × ys[r] (G × G, ys ascending) lie inside the rings of s
 * (even-odd: holes are out), into in[r * G + c]: one pass over the edges, each crossing
 * tested for the rows it spans only. The test per point is the ray crossing's own (the same
 * comparisons and arithmetic as a point-by-point test), so the answer is too. */
enum { LATTICE = 9 };
static void inside_lattice(const isr_shape *s, const double xs[LATTICE], const double ys[LATTICE],
                           unsigned char in[LATTICE * LATTICE])
{
    memset(in, 0, LATTICE * LATTICE);
    const double *p = s->xy;
    for (int k = 0; k < s->nparts; p += 2 * s->len[k], k++)
        for (int i = 0, j = s->len[k] - 1; i < s->len[k]; j = i++) {
            double yi = p[2 * i + 1], yj = p[2 * j + 1];
            if ((yi <= ys[0] && yj <= ys[0]) || (yi > ys[LATTICE - 1] && yj > ys[LATTICE - 1]))
                continue; /* no row has one end of the edge above it and one not */
            for (int r = 0; r < LATTICE; r++) {
                double y = ys[r];
                if ((yi > y) == (yj > y))
                    continue;
                double xc = (p[2 * j] - p[2 * i]) * (y - yi) / (yj - yi) + p[2 * i];
                for (int c = 0; c < LATTICE && xs[c] < xc; c++)
                    in[r * LATTICE + c] ^= 1;
            }
        }
}

/* Province names in spaced grey capitals where a province shows a fair part of the view: at
 * the candidate point (a 9 × 9 lattice over the view) inside it nearest to the middle of
 * those inside, so the name sits in what the map shows of the province. */
void isr_map_draw_province_names(isr_canvas *cv, const isr_map_base *b, double size_px)
{
    double w[4];
    isr_canvas_world(cv, w);
    enum { G = LATTICE };
    double xs[G], ys[G];
    for (int k = 0; k < G; k++) {
        xs[k] = w[0] + (k + 0.5) * (w[2] - w[0]) / G;
        ys[k] = w[1] + (k + 0.5) * (w[3] - w[1]) / G;
    }
    for (int i = 0; i < b->nprovinces; i++) {
        const isr_shape *s = &b->provinces[i];
        if (!*b->province_names[i] || s->bbox[0] > w[2] || s->bbox[2] < w[0] ||
            s->bbox[1] > w[3] || s->bbox[3] < w[1])
            continue;
        double px[G * G], py[G * G], mx = 0, my = 0;
        unsigned char in[G * G];
        inside_lattice(s, xs, ys, in);
        int m = 0;
        for (int r = 0; r < G; r++)
            for (int c = 0; c < G; c++) {
                double x = xs[c], y = ys[r];
                if (in[r * G + c]) {
                    px[m] = x;
                    py[m] = y;
                    mx += x;
                    my += y;
                    m++;
                }
            }
        if (m < 4) /* a sliver of the view: its boundary says enough */
            continue;
        mx /= m;
        my /= m;
        int best = 0;
        for (int k = 1; k < m; k++)
            if (hypot(px[k] - mx, py[k] - my) < hypot(px[best] - mx, py[best] - my))
                best = k;
        double u, v;
        char name[256];
        isr_canvas_xy(cv, px[best], py[best], &u, &v);
        isr_map_name(b->lang, name, sizeof name, b->province_names[i], b->province_names_en[i]);
        /* English in capitals, as an atlas letters regions, accents too ("PROVENCE-ALPES-CÔTE
         * D'AZUR", glib's Unicode case mapping); Chinese, and both languages together, as
         * they are */
        char *up = b->lang == ISR_LANG_EN ? g_utf8_strup(name, -1) : NULL;
        isr_canvas_label(cv, u, v, -1, up ? up : name, size_px, 1,
                         (isr_rgba){0.45, 0.42, 0.40, 0.85}, 0);
        g_free(up);
    }
}

/* Symbols of the legend, drawn at (u, v) in a box of w × h. */
void isr_map_legend_symbol(isr_canvas *cv, int sym, double u, double v, double w)
{
    cairo_t *cr = cv->cr;
    double cx = u + w / 2;
    switch (sym) {
    case ISR_SYM_HUB:
        isr_canvas_symbol(cv, cx, v, 11, 1, isr_map_hub_fill, isr_map_white, 1.5);
        break;
    case ISR_SYM_MAIN: isr_canvas_symbol(cv, cx, v, 5, 0, isr_map_ink, isr_map_white, 1.5); break;
    case ISR_SYM_REACHED:
        isr_canvas_symbol(cv, cx, v, 3.5, 0, isr_map_white, isr_map_ink, 1.4);
        break;
    case ISR_SYM_OTHER:
        isr_canvas_symbol(cv, cx, v, 2.6, 0, (isr_rgba){1, 1, 1, 0.6}, (isr_rgba){0.5, 0.5, 0.5, 1},
                          1);
        break;
    default: {
        int rail = sym == ISR_SYM_RAIL || sym == ISR_SYM_RAIL_DARK;
        isr_rgba c = sym == ISR_SYM_RAIL        ? isr_map_rail
                     : sym == ISR_SYM_RAIL_DARK ? isr_map_rail_dark
                     : sym == ISR_SYM_PROVINCE  ? isr_map_province_line
                                                : isr_map_county_line;
        double lw = rail ? 2.2 : sym == ISR_SYM_PROVINCE ? 1.8 : 0.8;
        cairo_new_path(cr);
        if (rail) {
            cairo_move_to(cr, u, v);
            cairo_line_to(cr, u + w, v);
            cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_set_line_width(cr, lw + 2.2);
            cairo_stroke(cr);
        }
        cairo_move_to(cr, u, v);
        cairo_line_to(cr, u + w, v);
        cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
        cairo_set_line_width(cr, lw);
        cairo_stroke(cr);
    }
    }
}

/* One legend row with a symbol; returns the next row's top. */
double isr_map_legend_row(isr_canvas *cv, double y, int sym, const char *text)
{
    double sw[4];
    isr_map_legend_swatch(0, sw);
    double box[4];
    isr_canvas_text(cv, ISR_MAP_SIDE_X + sw[2] + 12, y, 0, 0, text, 15, 0, isr_map_ink, 0,
                    ISR_MAP_SIDE_W - sw[2] - 12, box);
    double line_h = box[3] - box[1];
    isr_map_legend_symbol(cv, sym, ISR_MAP_SIDE_X, y + (line_h < 30 ? line_h / 2 : 11), sw[2]);
    return box[3] + 6;
}

/* A band or class swatch k, drawn as on the map: land first, then the colour over it. */
double isr_map_legend_entry(isr_canvas *cv, int k, isr_rgba c, double alpha, const char *text,
                            const char *note)
{
    double r[4];
    isr_map_legend_swatch(k, r);
    isr_canvas_rect(cv, r, isr_map_land, isr_map_land, 0);
    c.a = alpha;
    isr_canvas_rect(cv, r, c, c, 0);
    isr_canvas_rect(cv, r, (isr_rgba){0, 0, 0, 0}, (isr_rgba){0.45, 0.45, 0.45, 1}, 0.8);
    double box[4], x = r[0] + r[2] + 12, size = 16, nsize = 14;
    if (note) { /* the label and the note on one line, both smaller when they would meet
                 * (--lang both: two languages each) */
        double tw, th, nw, nh, avail = ISR_MAP_SIDE_X + ISR_MAP_SIDE_W - x - 10;
        isr_canvas_text_size(cv, text, size, 0, -1, &tw, &th);
        isr_canvas_text_size(cv, note, nsize, 0, -1, &nw, &nh);
        if (tw + nw > avail && tw + nw > 0) {
            size *= avail / (tw + nw);
            nsize *= avail / (tw + nw);
        }
    }
    isr_canvas_text(cv, x, r[1] + r[3] / 2, 0, 0.5, text, size, 0, isr_map_ink, 0, -1, box);
    if (note)
        isr_canvas_text(cv, ISR_MAP_SIDE_X + ISR_MAP_SIDE_W, r[1] + r[3] / 2, 1, 0.5, note, nsize,
                        0, isr_map_grey, 0, -1, NULL);
    return r[1] + r[3];
}

void isr_map_page_frame(isr_canvas *cv, const char *title, const char *subtitle,
                        const char *attribution)
{
    cairo_set_source_rgb(cv->cr, 1, 1, 1);
    cairo_paint(cv->cr);
    /* one line each: a long name shrinks the type rather than pushing into the map */
    double avail = cv->page_w - 56, tw, th, size = 32, sub = 17;
    isr_canvas_text_size(cv, title, size, 1, -1, &tw, &th);
    if (tw > avail)
        size *= avail / tw;
    isr_canvas_text_size(cv, subtitle, sub, 0, -1, &tw, &th);
    if (tw > avail)
        sub *= avail / tw;
    isr_canvas_text(cv, 28, 18, 0, 0, title, size, 1, isr_map_ink, 0, -1, NULL);
    isr_canvas_text(cv, 28, 66, 0, 0, subtitle, sub, 0, isr_map_grey, 0, -1, NULL);
    char right[96];
    isr_snprintf(right, sizeof right, "Made with isoreach %s", isr_version());
    double rw, rh;
    isr_canvas_text_size(cv, right, 13, 0, -1, &rw, &rh);
    isr_canvas_text(cv, 28, cv->page_h - 14, 0, 1, attribution, 13, 0, isr_map_grey, 0,
                    cv->page_w - 56 - rw - 24, NULL);
    isr_canvas_text(cv, cv->page_w - 28, cv->page_h - 14, 1, 1, right, 13, 0, isr_map_grey, 0, -1,
                    NULL);
}

void isr_map_page_begin(isr_canvas *cv, const char *title, const char *subtitle,
                        const isr_map_base *b, const double world[4])
{
    isr_map_page_frame(cv, title, subtitle, b->attribution);
    double panel[4];
    isr_map_panel(panel);
    isr_canvas_frame(cv, panel, world);
    isr_canvas_clip_panel(cv);
    isr_map_draw_land(cv, b);
}

void isr_map_panel_border(isr_canvas *cv)
{
    isr_canvas_rect(cv, cv->panel, (isr_rgba){0, 0, 0, 0}, (isr_rgba){0.55, 0.55, 0.55, 1}, 1);
}

/* Scale bar bottom left and north arrow top right of the panel, reserved against labels. */
void isr_map_panel_furniture(isr_canvas *cv, double north)
{
    const double *p = cv->panel;
    isr_canvas_scale_bar(cv, p[0] + 22, p[1] + p[3] - 18, p[2] * 0.2);
    isr_canvas_north_arrow(cv, p[0] + p[2] - 34, p[1] + 50, north);
}

/* The bearing of grid north against true north at the centre of a world box (radians,
 * clockwise from page up). */
double isr_map_north_angle(const isr_map_base *b, const double w[4])
{
    double x = (w[0] + w[2]) / 2, y = (w[1] + w[3]) / 2, z = 0;
    if (!OCTTransform(b->to_wgs84, 1, &x, &y, &z))
        return 0;
    double x2 = x, y2 = y + 0.2;
    x = (w[0] + w[2]) / 2;
    y = (w[1] + w[3]) / 2;
    if (!OCTTransform(b->from_wgs84, 1, &x2, &y2, &z))
        return 0;
    return atan2(x2 - x, y2 - y);
}

/* Stations: labels of main stations; reached/other markers. `rail_min` NULL: no reach. */
void isr_map_draw_stations(isr_canvas *cv, const isr_map_base *b, const double *rail_min,
                           double budget, int hub_station, isr_sb *labels)
{
    double w[4];
    isr_canvas_world(cv, w);
    /* markers first, reserved so that labels do not cover them */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < b->nst; i++) {
            const isr_map_station *s = &b->st[i];
            if (i == hub_station || s->x < w[0] || s->x > w[2] || s->y < w[1] || s->y > w[3])
                continue;
            if (pass != (s->main ? 1 : 0))
                continue;
            double u, v;
            isr_canvas_xy(cv, s->x, s->y, &u, &v);
            int reached = rail_min && isfinite(rail_min[i]) && rail_min[i] <= budget;
            double r = s->main ? 5 : reached ? 3.5 : 2.6;
            if (s->main)
                isr_canvas_symbol(cv, u, v, r, 0, isr_map_ink, isr_map_white, 1.5);
            else if (reached)
                isr_canvas_symbol(cv, u, v, r, 0, isr_map_white, isr_map_ink, 1.4);
            else
                isr_canvas_symbol(cv, u, v, r, 0, (isr_rgba){1, 1, 1, 0.6},
                                  (isr_rgba){0.5, 0.5, 0.5, 1}, 1);
            if (s->main) {
                double box[4] = {u - r, v - r, u + r, v + r};
                isr_canvas_reserve(cv, box);
            }
        }
    if (hub_station >= 0) {
        const isr_map_station *s = &b->st[hub_station];
        double u, v;
        isr_canvas_xy(cv, s->x, s->y, &u, &v);
        isr_canvas_symbol(cv, u, v, 13, 1, isr_map_hub_fill, isr_map_white, 2);
        double box[4] = {u - 12, v - 12, u + 12, v + 12};
        isr_canvas_reserve(cv, box);
        char name[256];
        isr_map_station_name(b, s, name, sizeof name);
        isr_canvas_label(cv, u, v, 13, name, 22, 1, isr_map_ink, 1);
        if (labels)
            isr_sb_printf(labels, "%s", name);
    }
    /* main stations by rail time (nearest first), then the rest in input order */
    int n = b->nst;
    int *order = malloc((size_t)(n > 0 ? n : 1) * sizeof *order);
    if (!order)
        return;
    int m = 0, nmain;
    for (int i = 0; i < n; i++)
        if (b->st[i].main && i != hub_station)
            order[m++] = i;
    nmain = m;
    /* then the other stations trains reach within the budget, labelled smaller */
    for (int i = 0; i < n && rail_min; i++)
        if (!b->st[i].main && i != hub_station && isfinite(rail_min[i]) && rail_min[i] <= budget)
            order[m++] = i;
    for (int a = 1; a < m && rail_min; a++) /* insertion sort: few stations */
        for (int k = a; k > 0; k--) {
            double ta = rail_min[order[k - 1]], tb = rail_min[order[k]];
            ta = isfinite(ta) ? ta : INFINITY;
            tb = isfinite(tb) ? tb : INFINITY;
            if (ta <= tb || (k == nmain && a >= nmain))
                break; /* each group sorted on its own */
            int t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    for (int k = 0; k < m; k++) {
        const isr_map_station *s = &b->st[order[k]];
        if (s->x < w[0] || s->x > w[2] || s->y < w[1] || s->y > w[3])
            continue;
        double u, v;
        char name[256];
        isr_canvas_xy(cv, s->x, s->y, &u, &v);
        isr_map_station_name(b, s, name, sizeof name);
        if (isr_canvas_label(cv, u, v, k < nmain ? 5 : 3.5, name, k < nmain ? 15 : 13, 0,
                             k < nmain ? isr_map_ink : isr_map_grey, 0) &&
            labels)
            isr_sb_printf(labels, labels->len ? ", %s" : "%s", name);
    }
    free(order);
}
