/*
 * map_hub.c — one hub's maps: OUT/hubs/<folder>/map.png, map.svg, map.pdf and the PNG's
 * world file map.pgw (1600 × 1200), and map_square.png (1080 × 1080, for the web and social
 * media: larger type, read at 640 px). Both are framed on the hub's bands with a margin of
 * context (at least 40 km across, so a small circle keeps its surroundings); bands are
 * filled at ISR_MAP_BAND_ALPHA over the land, under the boundaries, rail and stations. A box
 * in the map's top left gives the headline: the people reached and those outside the hub's
 * province (summary.csv). Labels: the hub first (always), then the other hubs by rail time,
 * the stations trains reach in the budget, province names, county names where room is left.
 * The legend gives each band's minutes and people, the total, and the model's assumptions
 * (isr_map_caption). Words and names follow --lang. The SVG's <desc> lists the stations
 * labelled, collected while the PNG is drawn (both lay text out alike).
 */
#include "map_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- one hub --------------------------------------------------------------------------------- */

typedef struct hub_page {
    const isr_map_base *b;
    const isr_map_hub *h;
    double world[4], north;
    char *title, *subtitle, *desc;
    char headline[256], cross[512]; /* the figures in the map's corner */
    isr_sb labels; /* the stations labelled, collected while drawing the PNG */
    int collect;
} hub_page;

void isr_map_hub_frame(const isr_map_base *b, const isr_map_hub *h, double world[4])
{
    const isr_map_station *s = &b->st[b->hubs[h->hub]];
    double bb[4] = {s->x, s->y, s->x, s->y};
    if (h->bbox[2] >= h->bbox[0])
        isr_bbox_add(bb, h->bbox);
    double w = bb[2] - bb[0], ht = bb[3] - bb[1];
    /* the circle and a margin of context (a fifth of it, and 6 km), at least 40 km across */
    double m = 0.2 * (w > ht ? w : ht) + 6000;
    double cx = (bb[0] + bb[2]) / 2, cy = (bb[1] + bb[3]) / 2;
    double hw = w / 2 + m, hh = ht / 2 + m;
    if (hw < 20000)
        hw = 20000;
    if (hh < 20000)
        hh = 20000;
    world[0] = cx - hw;
    world[1] = cy - hh;
    world[2] = cx + hw;
    world[3] = cy + hh;
}

/* The legend's heading at y0 ("Travel time from <hub>", one line: a long name shrinks the
 * type); the y below it. */
static double legend_heading(isr_canvas *cv, const isr_map_base *b, const char *ne,
                             const char *nz, double y0)
{
    char buf[1024];
    if (b->direction_to)
        isr_map_trn(b->lang, buf, sizeof buf, "Travel time to {}", "到{}的通行时间", ne, nz);
    else
        isr_map_trn(b->lang, buf, sizeof buf, "Travel time from {}", "从{}出发的通行时间", ne, nz);
    double box[4], hw, hh, hsize = 19;
    isr_canvas_text_size(cv, buf, hsize, 1, -1, &hw, &hh);
    if (hw > ISR_MAP_SIDE_W)
        hsize *= ISR_MAP_SIDE_W / hw;
    isr_canvas_text(cv, ISR_MAP_SIDE_X, y0, 0, 0, buf, hsize, 1, isr_map_ink, 0, -1, box);
    return box[3];
}

/* The minutes the hub's bands reach: the budget, or the last limit of --bands when it ends
 * sooner. The shading stops there, so the legend's total and the caption say that. */
static double shaded_min(const isr_map_base *b, const isr_map_hub *h)
{
    return h->nbands ? h->hi[h->nbands - 1] : b->budget_min;
}

/* The headline (people within the budget) and the cross-border line, in the run's language. */
static void hub_figures(const isr_map_base *b, const isr_map_hub *h, hub_page *pg)
{
    double pop = h->people;
    if (!isfinite(pop)) { /* a run without summary.csv: the bands' sum */
        pop = h->nbands ? 0 : NAN;
        for (int k = 0; k < h->nbands; k++)
            pop += h->pop[k];
    }
    char pe[64], pz[64];
    isr_map_fmt_people_l(ISR_LANG_EN, pe, sizeof pe, pop);
    isr_map_fmt_people_l(ISR_LANG_ZH, pz, sizeof pz, pop);
    if (isfinite(pop))
        isr_map_trn(b->lang, pg->headline, sizeof pg->headline, "{} people within %g min",
                    "%g分钟内可达{}人", pe, pz, b->budget_min);
    else
        isr_map_trf(b->lang, pg->headline, sizeof pg->headline, "%g-minute commuting circle",
                    "%g分钟通勤圈", b->budget_min);
    /* the people of a reached county are not known: the figures leave them out, and say so
     * (the headline alone read as the whole count) */
    char unk[256] = "";
    if (h->pop_unknown > 0 && isfinite(pop))
        isr_map_trf(b->lang, unk, sizeof unk,
                    h->pop_unknown == 1 ? "not counting %d county reached whose population is "
                                          "unknown"
                                        : "not counting %d counties reached whose population "
                                          "is unknown",
                    "不含人口不详的%d个区县", h->pop_unknown);
    isr_snprintf(pg->cross, sizeof pg->cross, "%s", unk);
    if (!isfinite(h->people_out_prov) || !h->prov_name)
        return;
    const char *en_prov = NULL;
    for (int i = 0; i < b->nprovinces; i++)
        if (strcmp(b->province_names[i], h->prov_name) == 0)
            en_prov = b->province_names_en[i];
    char en[300], zh[300], out[512];
    isr_map_fmt_people_l(ISR_LANG_EN, pe, sizeof pe, h->people_out_prov);
    isr_map_fmt_people_l(ISR_LANG_ZH, pz, sizeof pz, h->people_out_prov);
    /* from the people themselves: summary.csv's share, rounded to 4 decimals, was rounded
     * again here (0.153 % drawn as 0.1 %) */
    double share = h->people > 0 && isfinite(h->people_out_prov)
                       ? 100 * h->people_out_prov / h->people
                   : isfinite(h->share_out_prov) ? 100 * h->share_out_prov
                                                 : NAN;
    int dec = share > 0 && share < 9.95; /* 0.2 %, not 0 %, as the web map */
    isr_snprintf(en, sizeof en, "%s (%.*f %%) of them outside %s", pe, dec, share,
                 en_prov && *en_prov ? en_prov : h->prov_name);
    isr_snprintf(zh, sizeof zh, "其中%s人（%.*f%%）在%s以外", pz, dec, share, h->prov_name);
    /* the cross-border figure, then what it does not count */
    isr_snprintf(pg->cross, sizeof pg->cross, "%s%s%s",
                 isr_map_tr(b->lang, out, sizeof out, en, zh), *unk ? "; " : "", unk);
}

/* The headline box in the panel's top left corner, reserved against labels. */
static void draw_headline(isr_canvas *cv, const hub_page *pg, double size)
{
    const double *p = cv->panel;
    double pad = 0.6 * size, w1, h1, w2 = 0, h2 = 0;
    isr_canvas_text_size(cv, pg->headline, size, 1, -1, &w1, &h1);
    /* the second line wrapped short of the north arrow (isr_map_panel_furniture), which a
     * long one ("… not counting 1 county reached whose population is unknown") covered on
     * the square map */
    double wrap = -1, room = p[2] - ISR_MAP_ARROW_ROOM - 2 * pad;
    if (*pg->cross) {
        isr_canvas_text_size(cv, pg->cross, 0.7 * size, 0, -1, &w2, &h2);
        if (w2 > fmax(room, w1)) { /* at least as wide as the headline above it */
            wrap = fmax(room, w1);
            isr_canvas_text_size(cv, pg->cross, 0.7 * size, 0, wrap, &w2, &h2);
        }
    }
    double w = (w1 > w2 ? w1 : w2) + 2 * pad, h = h1 + h2 + 1.4 * pad;
    double r[4] = {p[0] + 14, p[1] + 14, w, h};
    isr_canvas_rect(cv, r, (isr_rgba){1, 1, 1, 0.9}, (isr_rgba){0.6, 0.6, 0.6, 1}, 0.8);
    double box[4] = {r[0], r[1], r[0] + r[2], r[1] + r[3]};
    isr_canvas_reserve(cv, box);
    isr_canvas_text(cv, r[0] + pad, r[1] + 0.6 * pad, 0, 0, pg->headline, size, 1, isr_map_ink, 0,
                    -1, NULL);
    if (*pg->cross)
        isr_canvas_text(cv, r[0] + pad, r[1] + 0.6 * pad + h1, 0, 0, pg->cross, 0.7 * size, 0,
                        isr_map_grey, 0, wrap, NULL);
}

/* The note under the hub map's legend: what the time counts, and what is left unshaded
 * (places past `shade` minutes, and with --water the water, which is no one's time). */
static void hub_note(const isr_map_base *b, double shade, char *buf, size_t n)
{
    static const char *const en[2][2] = {
        {"Door-to-door time from the hub station: waiting for and riding trains (dwell and "
         "changes included), then local travel. Places past %g min are not shaded.",
         "Door-to-door time from the hub station: waiting for and riding trains (dwell and "
         "changes included), then local travel. Places past %g min, and water, are not "
         "shaded."},
        {"Door-to-door time to the hub station: local travel, then waiting for and riding "
         "trains (dwell and changes included). Places past %g min are not shaded.",
         "Door-to-door time to the hub station: local travel, then waiting for and riding "
         "trains (dwell and changes included). Places past %g min, and water, are not "
         "shaded."}};
    static const char *const zh[2][2] = {
        {"从枢纽车站出发的门到门时间：候车与乘车（含停站与换乘），再加本地交通。超过%g分钟的地方不着色。",
         "从枢纽车站出发的门到门时间：候车与乘车（含停站与换乘），再加本地交通。超过%g分钟的地方与水域不着色。"},
        {"到枢纽车站的门到门时间：本地交通，再加候车与乘车（含停站与换乘）。超过%g分钟的地方不着色。",
         "到枢纽车站的门到门时间：本地交通，再加候车与乘车（含停站与换乘）。超过%g分钟的地方与水域不着色。"}};
    int to = b->direction_to != 0, w = b->has_water != 0;
    isr_map_trf(b->lang, buf, n, en[to][w], zh[to][w], shade);
}

/* What the hub's panel shows: bands, boundaries, rail, furniture, headline, labels. */
static void draw_hub_panel(isr_canvas *cv, hub_page *pg, double county_px, double headline_px)
{
    const isr_map_base *b = pg->b;
    const isr_map_hub *h = pg->h;
    isr_map_fill_bands(cv, h);
    isr_map_draw_boundaries(cv, b, county_px > 0 ? 0.6 : 0.4, 1.8);
    isr_map_draw_rail(cv, b, 2.0, isr_map_rail, 1);
    isr_map_panel_furniture(cv, pg->north);
    draw_headline(cv, pg, headline_px);
    if (pg->collect)
        free(isr_sb_take(&pg->labels));
    isr_map_draw_stations(cv, b, h->rail_min, b->budget_min, b->hubs[h->hub],
                          pg->collect ? &pg->labels : NULL);
    isr_map_draw_province_names(cv, b, 20);
    if (county_px > 0)
        isr_map_draw_county_names(cv, b, county_px);
    cairo_restore(cv->cr);
    isr_map_panel_border(cv);
}

static void draw_hub(isr_canvas *cv, void *user)
{
    hub_page *pg = user;
    const isr_map_base *b = pg->b;
    const isr_map_hub *h = pg->h;
    isr_lang L = b->lang;
    int hs = b->hubs[h->hub];
    isr_map_page_begin(cv, pg->title, pg->subtitle, b, pg->world);
    double panel[4];
    isr_map_panel(panel);
    draw_hub_panel(cv, pg, 45, 24);

    /* legend */
    char buf[1024], note[128], ne[256], nz[256], t[256];
    isr_map_station_names(&b->st[hs], ne, sizeof ne, nz, sizeof nz);
    double box[4], y = legend_heading(cv, b, ne, nz, panel[1]), pop = 0, km2 = 0;
    int have_pop = 1;
    for (int k = 0; k < h->nbands; k++) {
        isr_map_fmt_minutes_l(L, buf, sizeof buf, h->lo[k], h->hi[k]);
        if (isfinite(h->pop[k])) { /* each language its own number (--lang both: not both twice) */
            char pe[64], pz[64];
            isr_map_fmt_people_l(ISR_LANG_EN, pe, sizeof pe, h->pop[k]);
            isr_map_fmt_people_l(ISR_LANG_ZH, pz, sizeof pz, h->pop[k]);
            isr_map_trn(L, note, sizeof note, "{} people", "{}人", pe, pz);
            pop += h->pop[k];
        } else {
            have_pop = 0;
        }
        km2 += isfinite(h->km2[k]) ? h->km2[k] : 0;
        y = isr_map_legend_entry(cv, k, isr_map_band_colour(k, h->nbands), ISR_MAP_BAND_ALPHA, buf,
                                 isfinite(h->pop[k]) ? note : NULL);
    }
    if (h->nbands == 0)
        y = panel[1] + 40;
    char a[32], pe[64], pz[64], te[160], tz[160];
    double shade = shaded_min(b, h);
    isr_fmt_thousands(a, sizeof a, km2, 0);
    isr_map_fmt_people_l(ISR_LANG_EN, pe, sizeof pe, pop);
    isr_map_fmt_people_l(ISR_LANG_ZH, pz, sizeof pz, pop);
    if (have_pop) {
        isr_snprintf(te, sizeof te, "Within %g min: %s people on %s km²", shade, pe, a);
        isr_snprintf(tz, sizeof tz, "%g分钟内：%s人，%s平方公里", shade, pz, a);
        isr_map_tr(L, buf, sizeof buf, te, tz);
    } else
        isr_map_trf(L, buf, sizeof buf, "Within %g min: %s km²", "%g分钟内：%s平方公里", shade,
                    a);
    isr_canvas_text(cv, ISR_MAP_SIDE_X, y + 14, 0, 0, buf, 15, 1, isr_map_ink, 0, ISR_MAP_SIDE_W,
                    box);
    y = box[3] + 18;
    double r[4];
    isr_map_legend_swatch(0, r);
    r[1] = y;
    isr_canvas_rect(cv, r, isr_map_outside, (isr_rgba){0.45, 0.45, 0.45, 1}, 0.8);
    isr_canvas_text(cv, r[0] + r[2] + 12, r[1] + r[3] / 2, 0, 0.5,
                    isr_map_tr(L, t, sizeof t, "Outside the region", "研究区域以外"), 15, 0,
                    isr_map_ink, 0, ISR_MAP_SIDE_W - r[2] - 12, NULL);
    y = r[1] + r[3] + 18;
    isr_map_trn(L, buf, sizeof buf, "Hub: {}", "枢纽：{}", ne, nz);
    y = isr_map_legend_row(cv, y, ISR_SYM_HUB, buf);
    y = isr_map_legend_row(cv, y, ISR_SYM_MAIN, isr_map_tr(L, t, sizeof t, "Other hub", "其他枢纽"));
    if (b->direction_to)
        isr_map_trf(L, buf, sizeof buf, "Station with a train to the hub within %g min",
                    "%g分钟内有列车到达枢纽的车站", b->budget_min);
    else
        isr_map_trf(L, buf, sizeof buf, "Station reached by rail within %g min",
                    "%g分钟内铁路可达的车站", b->budget_min);
    y = isr_map_legend_row(cv, y, ISR_SYM_REACHED, buf);
    y = isr_map_legend_row(cv, y, ISR_SYM_OTHER, isr_map_tr(L, t, sizeof t, "Other station", "其他车站"));
    y = isr_map_legend_row(cv, y, ISR_SYM_RAIL, isr_map_tr(L, t, sizeof t, "Rail line", "铁路线"));
    y = isr_map_legend_row(cv, y, ISR_SYM_PROVINCE,
                           isr_map_tr(L, t, sizeof t, "Province boundary and name", "省界及省名"));
    y = isr_map_legend_row(cv, y, ISR_SYM_COUNTY,
                           isr_map_tr(L, t, sizeof t, "County boundary and name", "县界及县名"));
    hub_note(b, shade, buf, sizeof buf);
    isr_canvas_text(cv, ISR_MAP_SIDE_X, y + 14, 0, 0, buf, 13, 0, isr_map_grey, 0, ISR_MAP_SIDE_W,
                    box);
    isr_map_caption(b, buf, sizeof buf);
    isr_canvas_text(cv, ISR_MAP_SIDE_X, box[3] + 10, 0, 0, buf, 13, 0, isr_map_grey, 0,
                    ISR_MAP_SIDE_W, NULL);
}

/* ---- the square page -------------------------------------------------------------------------- */

/* 1080 × 1080: title, the map, the bands in a row, the figures and the credits, in type that
 * is still read when the image is shown 640 px wide (14 px there is 24 px here). */
static void draw_square(isr_canvas *cv, void *user)
{
    hub_page *pg = user;
    const isr_map_base *b = pg->b;
    const isr_map_hub *h = pg->h;
    isr_lang L = b->lang;
    const double W = ISR_MAP_SQUARE, M = 36;
    cairo_set_source_rgb(cv->cr, 1, 1, 1);
    cairo_paint(cv->cr);
    char ne[256], nz[256], buf[512];
    isr_map_station_names(&b->st[b->hubs[h->hub]], ne, sizeof ne, nz, sizeof nz);
    isr_map_trn(L, buf, sizeof buf, "{}: %g-minute commuting circle", "{} %g分钟通勤圈", ne, nz,
                b->budget_min);
    double tw, th, size = 46;
    isr_canvas_text_size(cv, buf, size, 1, -1, &tw, &th);
    if (tw > W - 2 * M)
        size *= (W - 2 * M) / tw;
    isr_canvas_text(cv, M, 22, 0, 0, buf, size, 1, isr_map_ink, 0, -1, NULL);
    if (b->direction_to)
        isr_map_tr(L, buf, sizeof buf, "Door-to-door by rail and local travel, to the hub",
                   "乘铁路和本地交通，门到门到达枢纽");
    else
        isr_map_tr(L, buf, sizeof buf, "Door-to-door by rail and local travel, from the hub",
                   "乘铁路和本地交通，从枢纽门到门出发");
    double sub = 26;
    isr_canvas_text_size(cv, buf, sub, 0, -1, &tw, &th);
    if (tw > W - 2 * M)
        sub *= (W - 2 * M) / tw;
    isr_canvas_text(cv, M, 84, 0, 0, buf, sub, 0, isr_map_grey, 0, -1, NULL);
    double panel[4] = {M, 128, W - 2 * M, 720};
    isr_canvas_frame(cv, panel, pg->world);
    isr_canvas_clip_panel(cv);
    isr_map_draw_land(cv, b);
    cv->text_scale = 1.45; /* labels, scale bar: read at 640 px */
    draw_hub_panel(cv, pg, 0, 30 / 1.45);
    cv->text_scale = 1;
    /* the bands in a row */
    double x = M, y = panel[1] + panel[3] + 24;
    for (int k = 0; k < h->nbands; k++) {
        double r[4] = {x, y, 44, 32};
        isr_canvas_rect(cv, r, isr_map_land, isr_map_land, 0);
        isr_rgba c = isr_map_band_colour(k, h->nbands);
        c.a = ISR_MAP_BAND_ALPHA;
        isr_canvas_rect(cv, r, c, c, 0);
        isr_canvas_rect(cv, r, (isr_rgba){0, 0, 0, 0}, (isr_rgba){0.45, 0.45, 0.45, 1}, 0.8);
        isr_map_fmt_minutes_l(L, buf, sizeof buf, h->lo[k], h->hi[k]);
        double box[4];
        isr_canvas_text(cv, x + 52, y + 16, 0, 0.5, buf, 24, 0, isr_map_ink, 0, -1, box);
        x = box[2] + 26;
    }
    char note[160], *cap = buf;
    if (isr_map_unshaded(b, h, note, sizeof note)) { /* the headline counts the whole budget */
        size_t k = strlen(note);
        memcpy(buf, note, k);
        buf[k] = ' ';
        cap = buf + k + 1;
    }
    isr_map_caption(b, cap, sizeof buf - (size_t)(cap - buf));
    isr_canvas_text(cv, M, y + 60, 0, 0, buf, 18, 0, isr_map_grey, 0, W - 2 * M, NULL);
    isr_canvas_text(cv, M, W - 14, 0, 1, b->attribution, 16, 0, isr_map_grey, 0, W - 2 * M, NULL);
}

static void free_page(hub_page *pg)
{
    free(isr_sb_take(&pg->labels));
    free(pg->title);
    free(pg->subtitle);
    free(pg->desc);
}

/* The page's title, subtitle and description (after the PNG: its labels). */
static int hub_words(const isr_map_base *b, const isr_map_hub *h, hub_page *pg, int desc)
{
    const isr_map_station *s = &b->st[b->hubs[h->hub]];
    isr_lang L = b->lang;
    char ne[256], nz[256], t[512], u[512];
    isr_map_station_names(s, ne, sizeof ne, nz, sizeof nz);
    if (!desc) {
        if (b->direction_to) {
            isr_map_trn(L, t, sizeof t, "{} — %g-minute commuting circle (travel to the hub)",
                        "{} %g分钟通勤圈（前往枢纽）", ne, nz, b->budget_min);
            isr_map_trn(L, u, sizeof u,
                        "Where door-to-door travel to {} takes at most %g minutes, by rail and "
                        "local travel",
                        "乘铁路和本地交通，门到门%g分钟内可到达{}的范围", ne, nz,
                        b->budget_min);
        } else {
            isr_map_trn(L, t, sizeof t, "{} — %g-minute commuting circle", "{} %g分钟通勤圈", ne,
                        nz, b->budget_min);
            isr_map_trn(L, u, sizeof u,
                        "Where door-to-door travel from {} takes at most %g minutes, by rail and "
                        "local travel",
                        "从{}出发，乘铁路和本地交通门到门%g分钟内可达的范围", ne, nz,
                        b->budget_min);
        }
        pg->title = strdup(t);
        pg->subtitle = strdup(u);
        return pg->title && pg->subtitle ? 0 : -1;
    }
    isr_sb d = {0};
    char *en = isr_map_english_name(s);
    isr_sb_printf(&d, "Map of the %g-minute commuting circle of %s (%s). %s%s%s. Bands:",
                  b->budget_min, s->name, en ? en : s->id, pg->headline, *pg->cross ? ": " : "",
                  pg->cross);
    free(en);
    for (int k = 0; k < h->nbands; k++) {
        char p[32];
        isr_map_fmt_people(p, sizeof p, h->pop[k]);
        isr_sb_printf(&d, "%s %g–%g min (%s people)", k ? "," : "", h->lo[k], h->hi[k], p);
    }
    isr_sb_printf(&d, ". Labelled stations: %s. %s", pg->labels.s ? pg->labels.s : "",
                  b->attribution);
    pg->desc = isr_sb_take(&d);
    return pg->desc ? 0 : -1;
}

/* The files of one part of a hub's page (ISR_MAP_PART_*), each drawn from a page of its own:
 * the parts are drawn by different threads. */
static isr_status hub_part(isr_ctx *ctx, void *fonts, hub_page *pg, const char *out,
                           const char *dir, int part)
{
    const isr_map_base *b = pg->b;
    const isr_map_hub *h = pg->h;
    isr_status st = ISR_OK;
    char *f1 = NULL, *f2 = NULL;
    if (part == ISR_MAP_PART_PAGE) { /* the PNG collects the labels the SVG describes */
        f1 = isr_strdup_printf("%s/map.png", dir);
        f2 = isr_strdup_printf("%s/map.svg", dir);
        pg->collect = 1;
        if (!f1 || !f2)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        else if ((st = isr_canvas_render(ctx, fonts, f1, NULL, ISR_MAP_W, ISR_MAP_H, draw_hub, pg,
                                          NULL, NULL)) == ISR_OK) {
            pg->collect = 0;
            if (hub_words(b, h, pg, 1) != 0)
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
            else
                st = isr_canvas_render(ctx, fonts, NULL, f2, ISR_MAP_W, ISR_MAP_H, draw_hub, pg,
                                       pg->title, pg->desc);
        }
    } else if (part == ISR_MAP_PART_PDF) {
        if (!(f1 = isr_strdup_printf("%s/map.pdf", dir)))
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        else
            st = isr_canvas_render_pdf(ctx, fonts, f1, ISR_MAP_W, ISR_MAP_H, draw_hub, pg);
    } else if (part == ISR_MAP_PART_CHART) {
        st = isr_map_chart_write(ctx, fonts, b, h, out);
    } else { /* the square and the PNG's world file */
        f1 = isr_strdup_printf("%s/map_square.png", dir);
        f2 = isr_strdup_printf("%s/map.pgw", dir);
        isr_canvas cv = {0};
        double panel[4];
        isr_map_panel(panel);
        isr_canvas_frame(&cv, panel, pg->world);
        if (!f1 || !f2)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        else if ((st = isr_canvas_render(ctx, fonts, f1, NULL, ISR_MAP_SQUARE, ISR_MAP_SQUARE,
                                         draw_square, pg, NULL, NULL)) == ISR_OK)
            st = isr_canvas_world_file(ctx, &cv, f2);
    }
    free(f1);
    free(f2);
    return st;
}

isr_status isr_map_hub_write(isr_ctx *ctx, void *fonts, const isr_map_base *b, const isr_map_hub *h,
                             const char *out, int part)
{
    const isr_map_station *s = &b->st[b->hubs[h->hub]];
    hub_page pg = {0};
    pg.b = b;
    pg.h = h;
    isr_map_hub_frame(b, h, pg.world);
    pg.north = h->north;
    hub_figures(b, h, &pg);
    char *folder = isr_hub_folder(s->id);
    char *dir = folder ? isr_strdup_printf("%s/hubs/%s", out, folder) : NULL;
    free(folder);
    isr_status st;
    if (!dir || hub_words(b, h, &pg, 0) != 0)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    else
        st = hub_part(ctx, fonts, &pg, out, dir, part);
    free_page(&pg);
    free(dir);
    return st;
}
