/*
 * map_chart.c — a hub's people-vs-minutes chart: OUT/hubs/<folder>/people_by_minute.png and
 * .svg (1200 × 760), drawn from that folder's people_by_minute.csv (the people living where
 * the door-to-door time is at most each whole minute; the area in km² where the population
 * is not known). The curve's area is filled in the band colours of the maps, so a band on
 * the chart reads as on the map; the last point is labelled with the exact figure of the
 * table's last row. The plot's axes are isr_map_chart_axes/isr_map_chart_xy, which the tests
 * use to find a point on the page.
 */
#include "map_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- axes ------------------------------------------------------------------------------------ */

/* A round upper limit of the y axis at or above v (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 ×
 * 10^k), so that its fifths are round too. */
static double nice_ceiling(double v)
{
    if (!(v > 0))
        return 1;
    double p = pow(10, floor(log10(v)));
    const double steps[] = {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10};
    for (int i = 0; i < 10; i++)
        if (steps[i] * p >= v * 0.9999)
            return steps[i] * p;
    return 10 * p;
}

void isr_map_chart_axes(double max_min, double max_value, isr_map_chart *c)
{
    c->plot[0] = 130;
    c->plot[1] = 140;
    c->plot[2] = ISR_MAP_CHART_W - 130 - 300;
    c->plot[3] = 430;
    c->max_min = max_min > 0 ? max_min : 1;
    c->max_value = nice_ceiling(max_value);
}

void isr_map_chart_xy(const isr_map_chart *c, double minute, double value, double *u, double *v)
{
    *u = c->plot[0] + c->plot[2] * minute / c->max_min;
    *v = c->plot[1] + c->plot[3] * (1 - value / c->max_value);
}

/* ---- the table ------------------------------------------------------------------------------- */

typedef struct chart_page {
    const isr_map_base *b;
    const isr_map_hub *h;
    int n, people; /* rows; 1: the values are people, 0: km² */
    double *minute, *value;
    isr_map_chart ax;
    char *title, *subtitle;
} chart_page;

/* people_by_minute.csv into pg->minute and pg->value. */
static isr_status read_table(isr_ctx *ctx, const char *path, chart_page *pg)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    OGRLayerH lyr = ds ? GDALDatasetGetLayer(ds, 0) : NULL;
    OGRFeatureDefnH fd = lyr ? OGR_L_GetLayerDefn(lyr) : NULL;
    int f_min = fd ? OGR_FD_GetFieldIndex(fd, "minute") : -1;
    int f_pop = fd ? OGR_FD_GetFieldIndex(fd, "people_within") : -1;
    int f_km2 = fd ? OGR_FD_GetFieldIndex(fd, "area_km2_within") : -1;
    isr_status st = ISR_OK;
    if (f_min < 0 || (f_pop < 0 && f_km2 < 0)) {
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT,
                           "'%s': cannot read the columns minute and people_within", path);
        goto cleanup;
    }
    int n = (int)OGR_L_GetFeatureCount(lyr, 1);
    pg->minute = malloc((size_t)(n > 0 ? n : 1) * sizeof *pg->minute);
    pg->value = malloc((size_t)(n > 0 ? n : 1) * sizeof *pg->value);
    if (!pg->minute || !pg->value) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading '%s'", path);
        goto cleanup;
    }
    pg->people = f_pop >= 0;
    OGRFeatureH f;
    OGR_L_ResetReading(lyr);
    while (pg->n < n && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
        const char *p = f_pop >= 0 ? OGR_F_GetFieldAsString(f, f_pop) : "";
        if (!*p) /* population unknown somewhere reached: the chart shows the area */
            pg->people = 0;
        pg->minute[pg->n] = isr_strtod(OGR_F_GetFieldAsString(f, f_min), NULL);
        pg->value[pg->n] = *p ? isr_strtod(p, NULL) : NAN;
        if (f_km2 >= 0 && !pg->people) /* kept aside in case a later row has no people */
            pg->value[pg->n] = isr_strtod(OGR_F_GetFieldAsString(f, f_km2), NULL);
        pg->n++;
        OGR_F_Destroy(f);
    }
    if (!pg->people && f_km2 >= 0) { /* all rows as km², read again */
        OGR_L_ResetReading(lyr);
        for (int i = 0; i < pg->n && (f = OGR_L_GetNextFeature(lyr)) != NULL; i++) {
            pg->value[i] = isr_strtod(OGR_F_GetFieldAsString(f, f_km2), NULL);
            OGR_F_Destroy(f);
        }
    }
    if (pg->n == 0)
        st = isr_fail(ctx, ISR_ERR_INPUT, "'%s': no rows", path);
cleanup:
    if (ds)
        GDALClose(ds);
    return st;
}

/* ---- the page -------------------------------------------------------------------------------- */

/* An axis tick: round figures in M / k (万 / 亿 in Chinese), or km². */
static void fmt_tick(const chart_page *pg, char *buf, size_t n, double v)
{
    char en[64], zh[64];
    if (!pg->people) {
        isr_fmt_thousands(en, sizeof en, v, 0);
        isr_snprintf(buf, n, "%s km²", en);
        return;
    }
    if (v >= 1e6)
        isr_snprintf(en, sizeof en, "%g M", v / 1e6);
    else if (v >= 1e3)
        isr_snprintf(en, sizeof en, "%g k", v / 1e3);
    else
        isr_snprintf(en, sizeof en, "%g", v);
    if (v >= 1e8)
        isr_snprintf(zh, sizeof zh, "%g亿", v / 1e8);
    else if (v >= 1e4)
        isr_snprintf(zh, sizeof zh, "%g万", v / 1e4);
    else
        isr_snprintf(zh, sizeof zh, "%g", v);
    isr_map_tr(pg->b->lang, buf, n, en, zh);
}

static void fmt_value(const chart_page *pg, isr_lang lang, char *buf, size_t n, double v)
{
    char a[64];
    if (pg->people) {
        isr_map_fmt_people_l(lang, buf, n, v);
    } else {
        isr_fmt_thousands(a, sizeof a, v, 0);
        isr_snprintf(buf, n, "%s km²", a);
    }
}

/* The area under the curve, one shape per band in its colour on the maps. */
static void fill_bands(cairo_t *cr, const chart_page *pg)
{
    const isr_map_hub *h = pg->h;
    const isr_map_chart *ax = &pg->ax;
    int nb = h->nbands > 0 ? h->nbands : 1;
    for (int k = 0; k < nb; k++) {
        double lo = h->nbands ? h->lo[k] : -1, hi = h->nbands ? h->hi[k] : INFINITY;
        double ub, vb, u, v;
        isr_map_chart_xy(ax, 0, 0, &ub, &vb);
        cairo_new_path(cr);
        int started = 0;
        double ulast = 0;
        for (int i = 1; i < pg->n; i++) {
            if (!(pg->minute[i] > lo && pg->minute[i] <= hi) || !isfinite(pg->value[i]))
                continue;
            if (!started) {
                isr_map_chart_xy(ax, pg->minute[i - 1], pg->value[i - 1], &u, &v);
                cairo_move_to(cr, u, vb);
                cairo_line_to(cr, u, v);
                started = 1;
            }
            isr_map_chart_xy(ax, pg->minute[i], pg->value[i], &u, &v);
            cairo_line_to(cr, u, v);
            ulast = u;
        }
        if (!started)
            continue;
        cairo_line_to(cr, ulast, vb);
        cairo_close_path(cr);
        isr_rgba c = h->nbands ? isr_map_band_colour(k, h->nbands) : isr_map_grey;
        cairo_set_source_rgba(cr, c.r, c.g, c.b, ISR_MAP_BAND_ALPHA);
        cairo_fill(cr);
    }
}

/* Grid lines, ticks and the axes' titles. */
static void draw_axes(isr_canvas *cv, const chart_page *pg)
{
    const isr_map_base *b = pg->b;
    const isr_map_chart *ax = &pg->ax;
    cairo_t *cr = cv->cr;
    isr_lang L = b->lang;
    char buf[512], t[256];
    for (int k = 0; k <= 5; k++) {
        double v = ax->max_value * k / 5, u0, y, u1;
        isr_map_chart_xy(ax, 0, v, &u0, &y);
        isr_map_chart_xy(ax, ax->max_min, v, &u1, &y);
        cairo_new_path(cr);
        cairo_move_to(cr, u0, y);
        cairo_line_to(cr, u1, y);
        cairo_set_source_rgba(cr, 0, 0, 0, k ? 0.12 : 0.7);
        cairo_set_line_width(cr, k ? 1 : 1.4);
        cairo_stroke(cr);
        fmt_tick(pg, buf, sizeof buf, v);
        isr_canvas_text(cv, u0 - 10, y, 1, 0.5, k ? buf : "0", 16, 0, isr_map_grey, 0, -1, NULL);
    }
    double step = ax->max_min > 90 ? 30 : ax->max_min > 40 ? 10 : 5;
    for (double m = 0; m <= ax->max_min + 1e-9; m += step) {
        double u, v;
        isr_map_chart_xy(ax, m, 0, &u, &v);
        cairo_new_path(cr);
        cairo_move_to(cr, u, v);
        cairo_line_to(cr, u, v + 6);
        cairo_set_source_rgba(cr, 0, 0, 0, 0.7);
        cairo_set_line_width(cr, 1.4);
        cairo_stroke(cr);
        isr_snprintf(buf, sizeof buf, "%g", m);
        isr_canvas_text(cv, u, v + 9, 0.5, 0, buf, 16, 0, isr_map_grey, 0, -1, NULL);
    }
    double ux, vx;
    isr_map_chart_xy(ax, ax->max_min / 2, 0, &ux, &vx);
    isr_canvas_text(cv, ux, vx + 36, 0.5, 0, isr_map_tr(L, t, sizeof t,
                    b->direction_to ? "Minutes door to door, to the hub" : "Minutes door to door, from the hub",
                    b->direction_to ? "到枢纽的门到门分钟数" : "从枢纽出发的门到门分钟数"),
                    17, 0, isr_map_ink, 0, -1, NULL);
    isr_canvas_text(cv, ax->plot[0] - 10, ax->plot[1] - 30, 1, 0.5,
                    pg->people ? isr_map_tr(L, t, sizeof t, "People", "人口")
                               : isr_map_tr(L, t, sizeof t, "Area", "面积"),
                    17, 1, isr_map_ink, 0, -1, NULL);
}

static void draw_chart(isr_canvas *cv, void *user)
{
    chart_page *pg = user;
    const isr_map_base *b = pg->b;
    isr_lang L = b->lang;
    const isr_map_chart *ax = &pg->ax;
    cairo_t *cr = cv->cr;
    char buf[1024];
    isr_map_page_frame(cv, pg->title, pg->subtitle, b->attribution);
    fill_bands(cr, pg);
    draw_axes(cv, pg);
    /* the curve and its last point */
    cairo_new_path(cr);
    for (int i = 0; i < pg->n; i++) {
        double u, v;
        isr_map_chart_xy(ax, pg->minute[i], pg->value[i], &u, &v);
        if (i)
            cairo_line_to(cr, u, v);
        else
            cairo_move_to(cr, u, v);
    }
    cairo_set_source_rgb(cr, isr_map_ink.r, isr_map_ink.g, isr_map_ink.b);
    cairo_set_line_width(cr, 2.6);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
    double ul, vl, last = pg->value[pg->n - 1], lm = pg->minute[pg->n - 1];
    isr_map_chart_xy(ax, lm, last, &ul, &vl);
    isr_canvas_symbol(cv, ul, vl, 6, 0, isr_map_ink, isr_map_white, 1.5);
    char exact[64], re[64], rz[64];
    isr_fmt_thousands(exact, sizeof exact, last, 0);
    fmt_value(pg, ISR_LANG_EN, re, sizeof re, last);
    fmt_value(pg, ISR_LANG_ZH, rz, sizeof rz, last);
    if (pg->people)
        isr_map_trn(L, buf, sizeof buf, "{} people within %g min", "%g分钟内{}人", re, rz, lm);
    else
        isr_map_trn(L, buf, sizeof buf, "{} within %g min", "%g分钟内{}", re, rz, lm);
    double box[4];
    isr_canvas_text(cv, ul + 14, vl, 0, 1, buf, 19, 1, isr_map_ink, 0, 280, box);
    isr_canvas_text(cv, ul + 14, vl + 2, 0, 0, exact, 17, 0, isr_map_grey, 0, -1, NULL);
    /* the model, under the plot */
    isr_map_caption(b, buf, sizeof buf);
    isr_canvas_text(cv, 28, ax->plot[1] + ax->plot[3] + 74, 0, 0, buf, 14, 0, isr_map_grey, 0,
                    ISR_MAP_CHART_W - 56, NULL);
}

isr_status isr_map_chart_write(isr_ctx *ctx, void *fonts, const isr_map_base *b,
                               const isr_map_hub *h, const char *out)
{
    const isr_map_station *s = &b->st[b->hubs[h->hub]];
    chart_page pg = {0};
    pg.b = b;
    pg.h = h;
    char *folder = isr_hub_folder(s->id);
    char *csv = folder ? isr_strdup_printf("%s/hubs/%s/people_by_minute.csv", out, folder) : NULL;
    char *png = folder ? isr_strdup_printf("%s/hubs/%s/people_by_minute.png", out, folder) : NULL;
    char *svg = folder ? isr_strdup_printf("%s/hubs/%s/people_by_minute.svg", out, folder) : NULL;
    free(folder);
    isr_status st = ISR_OK;
    if (!csv || !png || !svg) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if (!isr_file_exists(csv)) /* a run older than the table: no chart */
        goto cleanup;
    if ((st = read_table(ctx, csv, &pg)) != ISR_OK)
        goto cleanup;
    double maxv = 0;
    for (int i = 0; i < pg.n; i++)
        if (isfinite(pg.value[i]) && pg.value[i] > maxv)
            maxv = pg.value[i];
    isr_map_chart_axes(pg.minute[pg.n - 1] > b->budget_min ? pg.minute[pg.n - 1] : b->budget_min,
                       maxv, &pg.ax);
    char ne[256], nz[256], t[512];
    isr_map_station_names(s, ne, sizeof ne, nz, sizeof nz);
    isr_map_trn(b->lang, t, sizeof t, "{}: people within reach, minute by minute",
                "{}：逐分钟的可达人口", ne, nz);
    pg.title = strdup(t);
    isr_map_trn(b->lang, t, sizeof t,
                b->direction_to ? "People living where door-to-door travel to {} takes at most "
                                  "each number of minutes, by rail and local travel"
                                : "People living where door-to-door travel from {} takes at "
                                  "most each number of minutes, by rail and local travel",
                b->direction_to ? "门到门到达{}不超过各分钟数的地方所住的人口（铁路与本地交通）"
                                : "从{}出发门到门不超过各分钟数可达的地方所住的人口（铁路与本地交通）",
                ne, nz);
    pg.subtitle = strdup(t);
    isr_sb d = {0};
    isr_sb_printf(&d, "%s. Last point: %g min, %.0f %s.", pg.title ? pg.title : "",
                  pg.minute[pg.n - 1], pg.value[pg.n - 1], pg.people ? "people" : "km2");
    char *desc = isr_sb_take(&d);
    if (!pg.title || !pg.subtitle || !desc)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    else
        st = isr_canvas_render(ctx, fonts, png, svg, ISR_MAP_CHART_W, ISR_MAP_CHART_H, draw_chart,
                               &pg, pg.title, desc);
    free(desc);
cleanup:
    free(pg.minute);
    free(pg.value);
    free(pg.title);
    free(pg.subtitle);
    free(csv);
    free(png);
    free(svg);
    return st;
}
