/*
 * map_diff.c — a scenario's difference map for one changed hub:
 * OUT/scenarios/NAME/hubs/<folder>/map_diff.png, map_diff.svg and the PNG's world file
 * map_diff.pgw. Drawn from the scenario's products only: diff.tif band 2 (status) read at
 * the page's resolution and classed into one ARGB image (both: grey, newly within the budget
 * and lost: isr_diff_status_color, at ISR_MAP_BAND_ALPHA over the land); the baseline's
 * outline (cells reached before: both or lost) and the scenario's (both or newly within)
 * traced on that image's pixel edges, so the outlines and the fills can never disagree; and
 * gains.csv's province rows for the caption (people newly within the budget, the share of
 * them outside the hub's own province, people losing). The page is the hub map's (map_hub.c),
 * framed on the baseline's bands and the diff raster together.
 */
#include "map_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct diff_page {
    const isr_map_base *b;
    const isr_map_hub *h;
    const char *scen;
    double world[4], north;
    cairo_surface_t *img; /* the status image, ARGB32 premultiplied */
    double img_world[4];
    isr_shape base_line, scen_line; /* outlines: 2-point line strings on pixel edges */
    double newly, newly_out, lost;  /* people, from gains.csv (province rows) */
    char *title, *subtitle, *caption;
} diff_page;

static isr_rgba status_rgba(int status)
{
    unsigned char c[3];
    isr_diff_status_color(status, c);
    return (isr_rgba){c[0] / 255.0, c[1] / 255.0, c[2] / 255.0, 1};
}

void isr_map_diff_pixel(int status, unsigned char rgb[3])
{
    isr_rgba c = status_rgba(status), l = isr_map_land;
    double a = ISR_MAP_BAND_ALPHA, o[3] = {c.r, c.g, c.b}, u[3] = {l.r, l.g, l.b};
    for (int k = 0; k < 3; k++)
        rgb[k] = (unsigned char)lround((o[k] * a + u[k] * (1 - a)) * 255.0);
}

static const isr_rgba base_ink = {0.15, 0.15, 0.15, 1}, scen_ink = {0.02, 0.19, 0.38, 1};
static const double scen_dash[2] = {7, 4};

/* ---- reading ---------------------------------------------------------------------------------- */

/* Appends the segment (x0, y0)–(x1, y1) to a line shape. -1 out of memory. */
static int seg_add(isr_shape *s, double x0, double y0, double x1, double y1)
{
    int *len = realloc(s->len, (size_t)(s->nparts + 1) * sizeof *len);
    if (!len)
        return -1;
    s->len = len;
    double *xy = realloc(s->xy, (size_t)(s->npts + 2) * 2 * sizeof *xy);
    if (!xy)
        return -1;
    s->xy = xy;
    double *p = xy + 2 * (size_t)s->npts;
    p[0] = x0, p[1] = y0, p[2] = x1, p[3] = y1;
    s->len[s->nparts++] = 2;
    s->npts += 2;
    double bb[4] = {fmin(x0, x1), fmin(y0, y1), fmax(x0, x1), fmax(y0, y1)};
    if (s->nparts == 1)
        memcpy(s->bbox, bb, sizeof bb);
    else
        isr_bbox_add(s->bbox, bb);
    return 0;
}

/* The edges between pixels inside and outside `mask` (of the statuses in `in`, bits) as
 * segments in world coordinates: the outline of a set of cells. */
static int trace(isr_shape *s, const unsigned char *st, int bw, int bh, const double gt[6],
                 unsigned in)
{
#define IN(c, r) ((c) >= 0 && (r) >= 0 && (c) < bw && (r) < bh &&                              \
                  (in >> st[(size_t)(r) * (size_t)bw + (size_t)(c)] & 1u))
    for (int r = 0; r <= bh; r++)
        for (int c = 0; c <= bw; c++) {
            double x = gt[0] + c * gt[1], y = gt[3] + r * gt[5];
            if (IN(c, r) != IN(c, r - 1) && c < bw && seg_add(s, x, y, x + gt[1], y) != 0)
                return -1;
            if (IN(c, r) != IN(c - 1, r) && r < bh && seg_add(s, x, y, x, y + gt[5]) != 0)
                return -1;
        }
#undef IN
    return 0;
}

/* diff.tif's status band at the page's resolution, into pg->img and the two outlines; the
 * page is framed first on the baseline's bands and the raster. */
static isr_status diff_raster(isr_ctx *ctx, const char *path, diff_page *pg)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot open; run isoreach run again",
                             path);
    double gt[6];
    int nx = GDALGetRasterXSize(ds), ny = GDALGetRasterYSize(ds);
    isr_status st = ISR_OK;
    float *buf = NULL;
    unsigned char *stat = NULL;
    if (GDALGetRasterCount(ds) < 2 || GDALGetGeoTransform(ds, gt) != CE_None || gt[2] != 0 ||
        gt[4] != 0) {
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "'%s': not a north-up raster with a status band 2; run isoreach run again",
                      path);
        goto cleanup;
    }
    double *w = pg->img_world;
    w[0] = gt[0], w[3] = gt[3], w[2] = gt[0] + nx * gt[1], w[1] = gt[3] + ny * gt[5];
    isr_map_hub hh = *pg->h; /* the frame of the hub map, grown by the raster */
    if (hh.bbox[2] < hh.bbox[0])
        memcpy(hh.bbox, w, sizeof hh.bbox);
    else
        isr_bbox_add(hh.bbox, w);
    isr_map_hub_frame(pg->b, &hh, pg->world);
    isr_canvas cv = {0};
    double panel[4];
    isr_map_panel(panel);
    isr_canvas_frame(&cv, panel, pg->world);
    int bw = (int)ceil(nx * gt[1] * cv.scale), bh = (int)ceil(ny * -gt[5] * cv.scale);
    bw = bw > nx ? nx : bw < 1 ? 1 : bw;
    bh = bh > ny ? ny : bh < 1 ? 1 : bh;
    buf = malloc((size_t)bw * (size_t)bh * sizeof *buf);
    stat = malloc((size_t)bw * (size_t)bh);
    pg->img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, bw, bh);
    if (!buf || !stat || cairo_surface_status(pg->img) != CAIRO_STATUS_SUCCESS) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory drawing '%s'", path);
        goto cleanup;
    }
    if (GDALRasterIO(GDALGetRasterBand(ds, 2), GF_Read, 0, 0, nx, ny, buf, bw, bh, GDT_Float32,
                     0, 0) != CE_None) {
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot read band 2", path);
        goto cleanup;
    }
    uint32_t lut[4] = {0};
    for (int s = 1; s < 4; s++) {
        isr_rgba c = status_rgba(s);
        double a = ISR_MAP_BAND_ALPHA; /* premultiplied, as cairo stores it */
        lut[s] = (uint32_t)(a * 255 + 0.5) << 24 | (uint32_t)(c.r * a * 255 + 0.5) << 16 |
                 (uint32_t)(c.g * a * 255 + 0.5) << 8 | (uint32_t)(c.b * a * 255 + 0.5);
    }
    cairo_surface_flush(pg->img);
    unsigned char *px = cairo_image_surface_get_data(pg->img);
    int stride = cairo_image_surface_get_stride(pg->img);
    for (int r = 0; r < bh; r++) {
        uint32_t *row = (uint32_t *)(void *)(px + (size_t)r * (size_t)stride);
        for (int c = 0; c < bw; c++) {
            float v = buf[(size_t)r * (size_t)bw + (size_t)c];
            int s = v >= 1 && v <= 3 ? (int)v : 0; /* nodata and "neither": 0 */
            stat[(size_t)r * (size_t)bw + (size_t)c] = (unsigned char)s;
            row[c] = lut[s];
        }
    }
    cairo_surface_mark_dirty(pg->img);
    double igt[6] = {gt[0], nx * gt[1] / bw, 0, gt[3], 0, ny * gt[5] / bh};
    if (trace(&pg->base_line, stat, bw, bh, igt, 1u << 1 | 1u << 3) != 0 ||
        trace(&pg->scen_line, stat, bw, bh, igt, 1u << 1 | 1u << 2) != 0)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory drawing '%s'", path);
cleanup:
    free(buf);
    free(stat);
    GDALClose(ds);
    return st;
}

/* People newly within, of them outside the hub's province, and losing: gains.csv's
 * province rows. */
static isr_status diff_people(isr_ctx *ctx, const char *path, diff_page *pg)
{
    isr_status st = ISR_OK;
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    OGRLayerH lyr = ds ? GDALDatasetGetLayer(ds, 0) : NULL;
    OGRFeatureDefnH fd = lyr ? OGR_L_GetLayerDefn(lyr) : NULL;
    int f_lv = fd ? OGR_FD_GetFieldIndex(fd, "level") : -1;
    int f_in = fd ? OGR_FD_GetFieldIndex(fd, "in_hub_province") : -1;
    int f_nw = fd ? OGR_FD_GetFieldIndex(fd, "pop_newly_within") : -1;
    int f_lo = fd ? OGR_FD_GetFieldIndex(fd, "pop_lost") : -1;
    if (f_lv < 0 || f_in < 0 || f_nw < 0 || f_lo < 0) {
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT,
                           "'%s': cannot read level, in_hub_province, pop_newly_within and "
                           "pop_lost; run isoreach run again",
                           path);
    } else {
        OGRFeatureH f;
        OGR_L_ResetReading(lyr);
        while ((f = OGR_L_GetNextFeature(lyr)) != NULL) {
            if (strcmp(OGR_F_GetFieldAsString(f, f_lv), "province") == 0) {
                double nw = isr_strtod(OGR_F_GetFieldAsString(f, f_nw), NULL);
                pg->newly += nw;
                pg->newly_out += strcmp(OGR_F_GetFieldAsString(f, f_in), "1") == 0 ? 0 : nw;
                pg->lost += isr_strtod(OGR_F_GetFieldAsString(f, f_lo), NULL);
            }
            OGR_F_Destroy(f);
        }
    }
    if (ds)
        GDALClose(ds);
    return st;
}

/* ---- drawing ---------------------------------------------------------------------------------- */

/* A legend row: a line sample (colour, dash) and its text; returns the next row's y. */
static double outline_row(isr_canvas *cv, double y, isr_rgba c, const double *dash, int ndash,
                          const char *text)
{
    cairo_t *cr = cv->cr;
    cairo_save(cr);
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
    cairo_set_line_width(cr, 2.5);
    cairo_set_dash(cr, dash, ndash, 0);
    cairo_move_to(cr, ISR_MAP_SIDE_X, y + 10);
    cairo_line_to(cr, ISR_MAP_SIDE_X + 36, y + 10);
    cairo_stroke(cr);
    cairo_restore(cr);
    double box[4];
    isr_canvas_text(cv, ISR_MAP_SIDE_X + 48, y + 10, 0, 0.5, text, 15, 0, isr_map_ink, 0,
                    ISR_MAP_SIDE_W - 48, box);
    return box[3] + 12;
}

static void draw_diff(isr_canvas *cv, void *user)
{
    diff_page *pg = user;
    const isr_map_base *b = pg->b;
    int hs = b->hubs[pg->h->hub];
    isr_map_page_begin(cv, pg->title, pg->subtitle, b, pg->world);
    double panel[4];
    isr_map_panel(panel);
    if (pg->img)
        isr_canvas_image(cv, pg->img, pg->img_world);
    isr_map_draw_boundaries(cv, b, 0.6, 1.8);
    isr_map_draw_rail(cv, b, 2.0, isr_map_rail, 1);
    isr_canvas_stroke(cv, &pg->base_line, 0, base_ink, 1.6, NULL, 0);
    isr_canvas_stroke(cv, &pg->scen_line, 0, scen_ink, 2.2, scen_dash, 2);
    isr_map_panel_furniture(cv, pg->north);
    isr_map_draw_stations(cv, b, NULL, b->budget_min, hs, NULL);
    isr_map_draw_county_names(cv, b, 45);
    cairo_restore(cv->cr);
    isr_map_panel_border(cv);

    isr_lang L = b->lang;
    char buf[512], note[128], pe[32], pz[32], t[128];
    isr_map_trf(L, buf, sizeof buf, "Scenario %s", "情景 %s", pg->scen);
    isr_canvas_text(cv, ISR_MAP_SIDE_X, panel[1], 0, 0, buf, 19, 1, isr_map_ink, 0, ISR_MAP_SIDE_W,
                    NULL);
    isr_map_trf(L, buf, sizeof buf, "Newly within %g min", "新进入%g分钟圈", b->budget_min);
    isr_map_fmt_people_l(ISR_LANG_EN, pe, sizeof pe, pg->newly);
    isr_map_fmt_people_l(ISR_LANG_ZH, pz, sizeof pz, pg->newly);
    isr_map_trn(L, note, sizeof note, "{} people", "{}人", pe, pz);
    isr_map_legend_entry(cv, 0, status_rgba(2), ISR_MAP_BAND_ALPHA, buf, note);
    isr_map_fmt_people_l(ISR_LANG_EN, pe, sizeof pe, pg->lost);
    isr_map_fmt_people_l(ISR_LANG_ZH, pz, sizeof pz, pg->lost);
    isr_map_trn(L, note, sizeof note, "{} people", "{}人", pe, pz);
    isr_map_trf(L, buf, sizeof buf, "No longer within %g min", "不再在%g分钟圈内", b->budget_min);
    isr_map_legend_entry(cv, 1, status_rgba(3), ISR_MAP_BAND_ALPHA, buf, note);
    isr_map_trf(L, buf, sizeof buf, "Within %g min in both", "两种情形下均在%g分钟圈内",
                b->budget_min);
    double y = isr_map_legend_entry(cv, 2, status_rgba(1), ISR_MAP_BAND_ALPHA, buf, NULL) + 18;
    y = outline_row(cv, y, base_ink, NULL, 0,
                    isr_map_tr(L, t, sizeof t, "Baseline circle", "现状通勤圈"));
    y = outline_row(cv, y, scen_ink, scen_dash, 2,
                    isr_map_tr(L, t, sizeof t, "Circle with the scenario", "情景通勤圈"));
    isr_map_trf(L, buf, sizeof buf, "Hub: %s", "枢纽：%s",
                isr_map_station_name(b, &b->st[hs], t, sizeof t));
    y = isr_map_legend_row(cv, y + 6, ISR_SYM_HUB, buf);
    y = isr_map_legend_row(cv, y, ISR_SYM_RAIL,
                           isr_map_tr(L, t, sizeof t, "Rail line (baseline)", "铁路线（现状）"));
    y = isr_map_legend_row(cv, y, ISR_SYM_PROVINCE,
                           isr_map_tr(L, t, sizeof t, "Province boundary", "省界"));
    y = isr_map_legend_row(cv, y, ISR_SYM_COUNTY,
                           isr_map_tr(L, t, sizeof t, "County boundary and name", "县界及县名"));
    double box[4];
    isr_canvas_text(cv, ISR_MAP_SIDE_X, y + 14, 0, 0, pg->caption, 15, 1, isr_map_ink, 0,
                    ISR_MAP_SIDE_W, box);
    isr_map_trf(L, buf, sizeof buf,
                b->direction_to
                    ? "Door-to-door time to the hub by rail and local travel on a %g m grid, "
                      "with the scenario's network and without it (baseline). Added lines and "
                      "stations are not drawn."
                    : "Door-to-door time from the hub by rail and local travel on a %g m grid, "
                      "with the scenario's network and without it (baseline). Added lines and "
                      "stations are not drawn.",
                b->direction_to ? "到达枢纽的门到门时间（铁路加本地交通，%g米网格），含情景路网与现状"
                                  "路网。新增线路与车站未绘出。"
                                : "自枢纽出发的门到门时间（铁路加本地交通，%g米网格），含情景路网与"
                                  "现状路网。新增线路与车站未绘出。",
                b->cell_m);
    isr_canvas_text(cv, ISR_MAP_SIDE_X, box[3] + 14, 0, 0, buf, 13, 0, isr_map_grey, 0,
                    ISR_MAP_SIDE_W, NULL);
}

/* The page's texts in the run's language: title, subtitle and the caption line from
 * gains.csv. */
static int diff_texts(diff_page *pg, const isr_map_station *s, const char *en)
{
    const isr_map_base *b = pg->b;
    isr_lang L = b->lang;
    char name_en[300], pe[32], pz[32], qe[32], qz[32], buf[1024], part[512];
    isr_snprintf(name_en, sizeof name_en, "%s %s", s->name, en);
    isr_map_trn(L, buf, sizeof buf, "{} — scenario %s: who is newly within %g minutes",
                "{} — 情景 %s：新进入%g分钟圈的人", name_en, s->name, pg->scen, b->budget_min);
    pg->title = strdup(buf);
    isr_map_trn(L, buf, sizeof buf,
                b->direction_to ? "The %g-minute circle to {} before (solid) and with the "
                                  "scenario (dashed): cells gained and lost"
                                : "The %g-minute circle from {} before (solid) and with the "
                                  "scenario (dashed): cells gained and lost",
                b->direction_to ? "到达{}的%g分钟圈：现状（实线）与情景（虚线），新增与失去的网格"
                                : "自{}出发的%g分钟圈：现状（实线）与情景（虚线），新增与失去的网格",
                en, s->name, b->budget_min);
    pg->subtitle = strdup(buf);
    isr_map_fmt_people_l(ISR_LANG_EN, pe, sizeof pe, pg->newly);
    isr_map_fmt_people_l(ISR_LANG_ZH, pz, sizeof pz, pg->newly);
    isr_map_fmt_people_l(ISR_LANG_EN, qe, sizeof qe, pg->lost);
    isr_map_fmt_people_l(ISR_LANG_ZH, qz, sizeof qz, pg->lost);
    if (pg->newly > 0)
        isr_map_trn(L, part, sizeof part,
                    "{} people newly within %g min, %.0f %% of them outside the hub's own "
                    "province;",
                    "{}人新进入%g分钟圈，其中%.0f%%在枢纽所在省以外；", pe, pz, b->budget_min,
                    100.0 * pg->newly_out / pg->newly);
    else
        isr_map_trf(L, part, sizeof part, "No one newly within %g min;", "无人新进入%g分钟圈；",
                    b->budget_min);
    isr_map_trn(L, buf, sizeof buf, "{} people no longer within it.", "{}人不再在圈内。", qe, qz);
    pg->caption = isr_strdup_printf("%s%s%s", part, L == ISR_LANG_ZH ? "" : " ", buf);
    return pg->title && pg->subtitle && pg->caption ? 0 : -1;
}

isr_status isr_map_diff_write(isr_ctx *ctx, void *fonts, const isr_map_base *b,
                              const isr_map_hub *h, const char *out, const char *scen)
{
    const isr_map_station *s = &b->st[b->hubs[h->hub]];
    diff_page pg = {0};
    pg.b = b;
    pg.h = h;
    pg.scen = scen;
    char *en = isr_map_english_name(s), *desc = NULL;
    char *folder = isr_hub_folder(s->id);
    char *dir = folder ? isr_strdup_printf("%s/scenarios/%s/hubs/%s", out, scen, folder) : NULL;
    char *f[5] = {NULL};
    static const char *const names[] = {"diff.tif", "gains.csv", "map_diff.png", "map_diff.svg",
                                        "map_diff.pgw"};
    isr_status st = en && dir ? ISR_OK : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int i = 0; i < 5 && st == ISR_OK; i++)
        if (!(f[i] = isr_strdup_printf("%s/%s", dir, names[i])))
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK && (st = diff_raster(ctx, f[0], &pg)) == ISR_OK &&
        (st = diff_people(ctx, f[1], &pg)) == ISR_OK && diff_texts(&pg, s, en) != 0)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    pg.north = isr_map_north_angle(b, pg.world);
    if (st == ISR_OK)
        st = isr_canvas_render(ctx, fonts, f[2], NULL, ISR_MAP_W, ISR_MAP_H, draw_diff, &pg, NULL,
                               NULL);
    char d[2048];
    isr_map_trf(b->lang, d, sizeof d, "Difference map of scenario %s for the hub %s (%s).",
                "情景 %s 枢纽 %s（%s）的差异图。", scen, s->name, en);
    const char *sep = b->lang == ISR_LANG_ZH ? "" : " ";
    if (st == ISR_OK &&
        !(desc = isr_strdup_printf("%s%s%s %s", d, sep, pg.caption, b->attribution)))
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK)
        st = isr_canvas_render(ctx, fonts, NULL, f[3], ISR_MAP_W, ISR_MAP_H, draw_diff, &pg,
                               pg.title, desc);
    if (st == ISR_OK) {
        isr_canvas cv = {0};
        double panel[4];
        isr_map_panel(panel);
        isr_canvas_frame(&cv, panel, pg.world);
        st = isr_canvas_world_file(ctx, &cv, f[4]);
    }
    if (pg.img)
        cairo_surface_destroy(pg.img);
    isr_shape_clear(&pg.base_line);
    isr_shape_clear(&pg.scen_line);
    for (int i = 0; i < 5; i++)
        free(f[i]);
    free(pg.title);
    free(pg.subtitle);
    free(pg.caption);
    free(desc);
    free(dir);
    free(folder);
    free(en);
    return st;
}
