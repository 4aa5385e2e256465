/*
 * map_region.c — the region's pages:
 *   OUT/region/map_nearest_hub_time.*  time to the nearest hub (nearest_hub_time.tif),
 *                                      classed by the run's bands, in the hub maps' colours;
 *   OUT/region/map_hubs_within.*       how many hubs reach each place (hubs_within.tif),
 *                                      one class per count up to 8, then "8 or more";
 *   OUT/region/contact_sheet.*         every hub's bands at one scale, one square per hub,
 *                                      centred on its bands and wide enough for the widest.
 * The rasters are read at the page's resolution (GDAL picks the COG overview) and classed
 * into one ARGB image drawn with nearest-neighbour filtering; nodata is transparent.
 */
#include "map_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- region overviews ------------------------------------------------------------------------ */

typedef struct overview_page {
    const isr_map_base *b;
    int kind;
    double world[4], north;
    cairo_surface_t *img; /* the classified raster, ARGB32 */
    double img_world[4];  /* where it lies */
    int nclass;
    double lo[ISR_MAX_BANDS], hi[ISR_MAX_BANDS]; /* ISR_MAP_TIME: minutes; _COUNT: hubs */
    char *title, *subtitle;
    int *cls; /* ISR_MAP_NEAREST: each hub's colour class (isr_hub_classes) */
} overview_page;

/* The colour of class k of the page. */
static isr_rgba class_colour(const overview_page *pg, int k)
{
    if (pg->kind == ISR_MAP_TIME)
        return isr_map_band_colour(k, pg->nclass);
    if (pg->kind == ISR_MAP_COUNT)
        return isr_map_count_colour(k, pg->nclass);
    unsigned char c[3];
    isr_hub_color(pg->cls ? pg->cls[k] : k, c);
    return (isr_rgba){c[0] / 255.0, c[1] / 255.0, c[2] / 255.0, 1};
}

/* The region's headline in the panel's top left: people within the budget of any hub. */
static void region_headline(isr_canvas *cv, const isr_map_base *b)
{
    if (!isfinite(b->people_any))
        return;
    char pe[64], pz[64], buf[300];
    isr_map_fmt_people_l(ISR_LANG_EN, pe, sizeof pe, b->people_any);
    isr_map_fmt_people_l(ISR_LANG_ZH, pz, sizeof pz, b->people_any);
    if (b->direction_to)
        isr_map_trn(b->lang, buf, sizeof buf, "{} people within %g min of a hub",
                    "{}人可在%g分钟内到达枢纽", pe, pz, b->budget_min);
    else
        isr_map_trn(b->lang, buf, sizeof buf, "{} people within %g min of a hub",
                    "{}人在枢纽%g分钟可达范围内", pe, pz, b->budget_min);
    /* what the figure leaves out, as the hub maps say it */
    char unk[256] = "";
    int nu = b->people_any_unknown;
    if (nu > 0)
        isr_map_trf(b->lang, unk, sizeof unk,
                    nu == 1 ? "not counting %d county reached whose population is unknown"
                            : "not counting %d counties reached whose population is unknown",
                    "不含人口不详的%d个区县", nu);
    const double *p = cv->panel;
    double w, h, w2 = 0, h2 = 0, size = 26, size2 = 15, pad = 14;
    isr_canvas_text_size(cv, buf, size, 1, -1, &w, &h);
    double wrap = -1, room = p[2] - ISR_MAP_ARROW_ROOM - 2 * pad; /* short of the arrow */
    if (*unk) {
        isr_canvas_text_size(cv, unk, size2, 0, -1, &w2, &h2);
        if (w2 > fmax(room, w)) { /* at least as wide as the headline above it */
            wrap = fmax(room, w);
            isr_canvas_text_size(cv, unk, size2, 0, wrap, &w2, &h2);
        }
    }
    double r[4] = {p[0] + 14, p[1] + 14, (w > w2 ? w : w2) + 2 * pad, h + h2 + pad};
    isr_canvas_rect(cv, r, (isr_rgba){1, 1, 1, 0.9}, (isr_rgba){0.6, 0.6, 0.6, 1}, 0.8);
    double box[4] = {r[0], r[1], r[0] + r[2], r[1] + r[3]};
    isr_canvas_reserve(cv, box);
    isr_canvas_text(cv, r[0] + pad, r[1] + pad / 2, 0, 0, buf, size, 1, isr_map_ink, 0, -1, NULL);
    if (*unk)
        isr_canvas_text(cv, r[0] + pad, r[1] + pad / 2 + h, 0, 0, unk, size2, 0, isr_map_ink, 0,
                        wrap, NULL);
}

static void overview_frame(const isr_map_base *b, double world[4])
{
    double w = b->region[2] - b->region[0], h = b->region[3] - b->region[1];
    double m = 0.03 * (w > h ? w : h);
    world[0] = b->region[0] - m;
    world[1] = b->region[1] - m;
    world[2] = b->region[2] + m;
    world[3] = b->region[3] + m;
}

static void overview_legend(isr_canvas *cv, const overview_page *pg, const double panel[4]);

static void draw_overview(isr_canvas *cv, void *user)
{
    overview_page *pg = user;
    const isr_map_base *b = pg->b;
    isr_map_page_begin(cv, pg->title, pg->subtitle, b, pg->world);
    double panel[4];
    isr_map_panel(panel);
    if (pg->img)
        isr_canvas_image(cv, pg->img, pg->img_world);
    isr_map_draw_boundaries(cv, b, 0.35, 1.5);
    isr_map_draw_rail(cv, b, 1.3, pg->kind == ISR_MAP_COUNT ? isr_map_rail_dark : isr_map_rail, 1);
    isr_map_panel_furniture(cv, pg->north);
    region_headline(cv, b);
    /* hubs: markers then labels */
    for (int i = 0; i < b->nhubs; i++) {
        const isr_map_station *s = &b->st[b->hubs[i]];
        double u, v;
        isr_canvas_xy(cv, s->x, s->y, &u, &v);
        isr_canvas_symbol(cv, u, v, 4, 0, isr_map_ink, isr_map_white, 1.3);
        double box[4] = {u - 4, v - 4, u + 4, v + 4};
        isr_canvas_reserve(cv, box);
    }
    for (int i = 0; i < b->nhubs; i++) {
        const isr_map_station *s = &b->st[b->hubs[i]];
        double u, v;
        isr_canvas_xy(cv, s->x, s->y, &u, &v);
        char name[256];
        isr_map_station_name(b, s, name, sizeof name);
        isr_canvas_label(cv, u, v, 4, name, 13, 0, isr_map_ink, 0);
    }
    /* provinces' names near the panel's edge are left out: the boundaries say enough */
    cairo_restore(cv->cr);
    isr_map_panel_border(cv);
    overview_legend(cv, pg, panel);
}

/* The note under an overview's legend: what the page shows. */
static void overview_note(const overview_page *pg, char *buf, size_t n)
{
    const isr_map_base *b = pg->b;
    isr_lang L = b->lang;
    if (b->nhubs == 1) /* not "the nearest of the 1 hubs" */
        isr_map_trn(L, buf, n,
                    pg->kind == ISR_MAP_TIME ? "Door-to-door time {} the hub, by rail and local "
                                               "travel."
                                             : "Where the hub is within %g minutes.",
                    pg->kind == ISR_MAP_TIME ? "{}枢纽的门到门时间（铁路与本地交通）。"
                                             : "枢纽%g分钟内可达之处。",
                    b->direction_to ? "to" : "from", b->direction_to ? "到" : "从",
                    b->budget_min);
    else if (pg->kind == ISR_MAP_TIME)
        isr_map_trn(L, buf, n,
                    "Door-to-door time {} the nearest of the %d hubs, by rail and local travel.",
                    "{}%d个枢纽中最近者的门到门时间（铁路与本地交通）。",
                    b->direction_to ? "to" : "from", b->direction_to ? "到" : "从", b->nhubs);
    else if (pg->kind == ISR_MAP_COUNT)
        isr_map_trf(L, buf, n,
                    "How many of the %d hubs are within %g minutes of each place: where "
                    "commuting circles overlap.",
                    "%d个枢纽中有几个在%g分钟内可达：通勤圈重叠之处。", b->nhubs, b->budget_min);
    else
        isr_map_trf(L, buf, n,
                    "The hub of the %d that is nearest in door-to-door time, where one is within "
                    "%g minutes; touching areas never share a colour.",
                    "%d个枢纽中门到门时间最近的一个（%g分钟内）；相邻区域颜色不同。", b->nhubs,
                    b->budget_min);
}

/* How many class rows an overview's legend column holds above the page's footer, with the
 * rows below them (none, outside, the four symbols) and the note and caption as wrapped:
 * 20 rows of hubs pushed the caption over "Made with isoreach" on the sample's 48 hubs. */
static int legend_rows_fit(isr_canvas *cv, const char *note, const char *caption)
{
    double w, h1, h2, hs, r[4];
    isr_canvas_text_size(cv, note, 13, 0, ISR_MAP_SIDE_W, &w, &h1);
    isr_canvas_text_size(cv, caption, 13, 0, ISR_MAP_SIDE_W, &w, &h2);
    isr_canvas_text_size(cv, "Hub", 15, 0, -1, &w, &hs);
    int rows = 40;
    for (; rows > 4; rows--) {
        isr_map_legend_swatch(rows + 1, r); /* the last of none and outside */
        if (r[1] + r[3] + 26 + 4 * (hs + 6) + 14 + h1 + 10 + h2 <= cv->page_h - 40)
            break;
    }
    return rows;
}

/* The legend column of a region overview: its classes, the symbols, the note and caption. */
static void overview_legend(isr_canvas *cv, const overview_page *pg, const double panel[4])
{
    const isr_map_base *b = pg->b;
    char buf[512], t[256];
    isr_lang L = b->lang;
    const char *head =
        pg->kind == ISR_MAP_TIME
            ? (b->direction_to ? isr_map_tr(L, t, sizeof t, "Time to the nearest hub", "到最近枢纽的时间")
                               : isr_map_tr(L, t, sizeof t, "Time from the nearest hub", "从最近枢纽出发的时间"))
        : pg->kind == ISR_MAP_COUNT ? isr_map_tr(L, t, sizeof t, "Hubs within reach", "可达枢纽数")
                                    : isr_map_tr(L, t, sizeof t, "Nearest hub", "最近的枢纽");
    isr_canvas_text(cv, ISR_MAP_SIDE_X, panel[1], 0, 0, head, 19, 1, isr_map_ink, 0,
                    ISR_MAP_SIDE_W, NULL);
    char note[512], caption[1024];
    overview_note(pg, note, sizeof note);
    isr_map_caption(b, caption, sizeof caption);
    int fit = legend_rows_fit(cv, note, caption), shown = pg->nclass;
    fit = fit < 20 ? fit : 20;
    if (pg->kind == ISR_MAP_NEAREST && shown > fit)
        shown = fit - 1; /* and a row that says how many more: they are named on the map */
    for (int k = 0; k < shown; k++) {
        isr_rgba c = class_colour(pg, k);
        if (pg->kind == ISR_MAP_TIME) {
            isr_map_fmt_minutes_l(L, buf, sizeof buf, pg->lo[k], pg->hi[k]);
        } else if (pg->kind == ISR_MAP_COUNT) {
            if (pg->lo[k] == pg->hi[k])
                isr_map_trf(L, buf, sizeof buf, pg->lo[k] == 1 ? "%g hub" : "%g hubs",
                            "%g个枢纽", pg->lo[k]);
            else
                isr_map_trf(L, buf, sizeof buf, "%g–%g hubs", "%g–%g个枢纽", pg->lo[k], pg->hi[k]);
        } else {
            isr_map_station_name(b, &b->st[b->hubs[k]], buf, sizeof buf);
        }
        isr_map_legend_entry(cv, k, c, ISR_MAP_BAND_ALPHA, buf, NULL);
    }
    double r[4];
    int row = shown;
    if (shown < pg->nclass) { /* without it the legend left the other hubs out silently */
        isr_map_legend_swatch(row++, r);
        isr_map_trf(L, buf, sizeof buf, "and %d more hubs, named on the map",
                    "另有%d个枢纽，见图上标注", pg->nclass - shown);
        isr_canvas_text(cv, r[0], r[1] + r[3] / 2, 0, 0.5, buf, 16, 0, isr_map_ink, 0,
                        ISR_MAP_SIDE_W, NULL);
    }
    isr_map_legend_swatch(row, r);
    isr_canvas_rect(cv, r, isr_map_land, (isr_rgba){0.45, 0.45, 0.45, 1}, 0.8);
    /* the land's colour is also the water's (its cells are no one's time): said, else a lake
     * read as a place "more than 60 min" away */
    int w = b->has_water;
    if (pg->kind == ISR_MAP_COUNT)
        isr_map_trf(L, buf, sizeof buf, w ? "none within %g min, or water" : "none within %g min",
                    w ? "%g分钟内无，或水域" : "%g分钟内无", b->budget_min);
    else if (pg->kind == ISR_MAP_TIME)
        isr_map_trf(L, buf, sizeof buf, w ? "more than %g min, or water" : "more than %g min",
                    w ? "超过%g分钟，或水域" : "超过%g分钟", /* the classes' end */
                    pg->nclass ? pg->hi[pg->nclass - 1] : b->budget_min);
    else
        isr_map_trf(L, buf, sizeof buf,
                    w ? "no hub within %g min, or water" : "no hub within %g min",
                    w ? "%g分钟内无枢纽，或水域" : "%g分钟内无枢纽", b->budget_min);
    isr_canvas_text(cv, r[0] + r[2] + 12, r[1] + r[3] / 2, 0, 0.5, buf, 16, 0, isr_map_ink, 0, -1,
                    NULL);
    isr_map_legend_swatch(row + 1, r);
    isr_canvas_rect(cv, r, isr_map_outside, (isr_rgba){0.45, 0.45, 0.45, 1}, 0.8);
    isr_canvas_text(cv, r[0] + r[2] + 12, r[1] + r[3] / 2, 0, 0.5,
                    isr_map_tr(L, t, sizeof t, "outside the region", "研究区域以外"), 16, 0,
                    isr_map_ink, 0, -1, NULL);
    double y = r[1] + r[3] + 26;
    y = isr_map_legend_row(cv, y, ISR_SYM_MAIN, isr_map_tr(L, t, sizeof t, "Hub", "枢纽"));
    y = isr_map_legend_row(cv, y, pg->kind == ISR_MAP_COUNT ? ISR_SYM_RAIL_DARK : ISR_SYM_RAIL,
                           isr_map_tr(L, t, sizeof t, "Rail line", "铁路线"));
    y = isr_map_legend_row(cv, y, ISR_SYM_PROVINCE, isr_map_tr(L, t, sizeof t, "Province boundary", "省界"));
    y = isr_map_legend_row(cv, y, ISR_SYM_COUNTY, isr_map_tr(L, t, sizeof t, "County boundary", "县界"));
    double box[4];
    isr_canvas_text(cv, ISR_MAP_SIDE_X, y + 14, 0, 0, note, 13, 0, isr_map_grey, 0,
                    ISR_MAP_SIDE_W, box);
    isr_canvas_text(cv, ISR_MAP_SIDE_X, box[3] + 10, 0, 0, caption, 13, 0, isr_map_grey, 0,
                    ISR_MAP_SIDE_W, NULL);
}

/* Each class's ARGB32 pixel (premultiplied, as cairo stores it) at the band alpha: a new
 * array, NULL when out of memory. */
static uint32_t *class_lut(const overview_page *pg)
{
    uint32_t *lut = calloc((size_t)(pg->nclass > 0 ? pg->nclass : 1), sizeof *lut);
    for (int k = 0; lut && k < pg->nclass; k++) {
        isr_rgba c = class_colour(pg, k);
        double a = ISR_MAP_BAND_ALPHA;
        lut[k] = (uint32_t)(a * 255 + 0.5) << 24 | (uint32_t)(c.r * a * 255 + 0.5) << 16 |
                 (uint32_t)(c.g * a * 255 + 0.5) << 8 | (uint32_t)(c.b * a * 255 + 0.5);
    }
    return lut;
}

/* The class of a raster value (not nodata), or -1. */
static int value_class(const overview_page *pg, float v)
{
    int k = -1;
    if (!isfinite(v))
        return -1;
    if (pg->kind == ISR_MAP_TIME) {
        for (k = 0; k < pg->nclass && v > pg->hi[k]; k++)
            ;
    } else if (pg->kind == ISR_MAP_NEAREST) {
        k = v >= 0 && v < pg->nclass ? (int)v : -1;
    } else {
        k = v >= 1 ? (int)v - 1 : -1;
        if (k >= pg->nclass)
            k = pg->nclass - 1;
    }
    return k;
}

/* Reads a region raster at the page's resolution and classifies it into an ARGB32 image:
 * class k of pg->nclass drawn with its colour at the band alpha, everything else clear. */
static isr_status overview_raster(isr_ctx *ctx, const char *path, overview_page *pg)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot open", path);
    double gt[6];
    int nx = GDALGetRasterXSize(ds), ny = GDALGetRasterYSize(ds);
    isr_status st = ISR_OK;
    float *buf = NULL;
    uint32_t *lut = NULL;
    if (GDALGetGeoTransform(ds, gt) != CE_None || gt[2] != 0 || gt[4] != 0) {
        st = isr_fail(ctx, ISR_ERR_INPUT, "'%s': not a north-up georeferenced raster", path);
        goto cleanup;
    }
    pg->img_world[0] = gt[0];
    pg->img_world[3] = gt[3];
    pg->img_world[2] = gt[0] + nx * gt[1];
    pg->img_world[1] = gt[3] + ny * gt[5];
    isr_canvas cv = {0};
    double panel[4];
    isr_map_panel(panel);
    isr_canvas_frame(&cv, panel, pg->world);
    int bw = (int)ceil(nx * gt[1] * cv.scale), bh = (int)ceil(ny * -gt[5] * cv.scale);
    if (bw > nx)
        bw = nx;
    if (bh > ny)
        bh = ny;
    if (bw < 1)
        bw = 1;
    if (bh < 1)
        bh = 1;
    buf = malloc((size_t)bw * (size_t)bh * sizeof *buf);
    if (!buf) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading '%s'", path);
        goto cleanup;
    }
    GDALRasterBandH band = GDALGetRasterBand(ds, 1);
    int has_nd = 0;
    double nd = GDALGetRasterNoDataValue(band, &has_nd);
    if (GDALRasterIO(band, GF_Read, 0, 0, nx, ny, buf, bw, bh, GDT_Float32, 0, 0) != CE_None) {
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot read", path);
        goto cleanup;
    }
    if (pg->kind == ISR_MAP_COUNT) {
        /* one class per hub count, the last open-ended when there are many; the exact
         * maximum, not the one of the reduced image, so the legend says what the data say */
        double mm[2] = {0, 0};
        if (GDALComputeRasterMinMax(band, FALSE, mm) != CE_None)
            mm[1] = 0;
        double maxc = mm[1] > 0 ? mm[1] : 0;
        int ncls = maxc > 8 ? 8 : (int)maxc;
        pg->nclass = ncls;
        for (int k = 0; k < ncls; k++)
            pg->lo[k] = pg->hi[k] = k + 1;
        if (ncls > 0)
            pg->hi[ncls - 1] = maxc;
    }
    pg->img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, bw, bh);
    if (cairo_surface_status(pg->img) != CAIRO_STATUS_SUCCESS) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory drawing '%s'", path);
        goto cleanup;
    }
    cairo_surface_flush(pg->img);
    unsigned char *px = cairo_image_surface_get_data(pg->img);
    int stride = cairo_image_surface_get_stride(pg->img);
    lut = class_lut(pg);
    if (!lut) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory drawing '%s'", path);
        goto cleanup;
    }
    for (int r = 0; r < bh; r++) {
        uint32_t *row = (uint32_t *)(void *)(px + (size_t)r * (size_t)stride);
        for (int c = 0; c < bw; c++) {
            float v = buf[(size_t)r * (size_t)bw + (size_t)c];
            int k = has_nd && v == (float)nd ? -1 : value_class(pg, v);
            row[c] = k >= 0 && k < pg->nclass ? lut[k] : 0;
        }
    }
    cairo_surface_mark_dirty(pg->img);
cleanup:
    free(lut);
    free(buf);
    GDALClose(ds);
    return st;
}

/* The colour classes of the hubs on the nearest-hub map: which hubs' areas touch, read from
 * the full raster two rows at a time, then coloured (isr_hub_classes). */
static isr_status nearest_classes(isr_ctx *ctx, const char *path, overview_page *pg)
{
    int n = pg->b->nhubs;
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot open", path);
    int nx = GDALGetRasterXSize(ds), ny = GDALGetRasterYSize(ds);
    int *rows = malloc(2 * (size_t)nx * sizeof *rows);
    unsigned char *adj = calloc((size_t)n * (size_t)n, 1), *strip = malloc((size_t)n * (size_t)n);
    pg->cls = malloc((size_t)(n > 0 ? n : 1) * sizeof *pg->cls);
    isr_status st = ISR_OK;
    if (!rows || !adj || !strip || !pg->cls) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading '%s'", path);
        goto cleanup;
    }
    GDALRasterBandH band = GDALGetRasterBand(ds, 1);
    for (int r = 0; r < ny && st == ISR_OK; r++) {
        int h = r + 1 < ny ? 2 : 1;
        if (GDALRasterIO(band, GF_Read, 0, r, nx, h, rows, nx, h, GDT_Int32, 0, 0) != CE_None) {
            st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot read", path);
            break;
        }
        isr_hub_adjacency(rows, nx, h, n, strip);
        for (size_t k = 0; k < (size_t)n * (size_t)n; k++)
            adj[k] |= strip[k];
    }
    if (st == ISR_OK)
        isr_hub_classes(n, adj, pg->cls);
cleanup:
    free(rows);
    free(adj);
    free(strip);
    GDALClose(ds);
    return st;
}

isr_status isr_map_overview_write(isr_ctx *ctx, void *fonts, const isr_map_base *b,
                                  const isr_map_hub *first, const char *out, int kind)
{
    overview_page pg = {0};
    pg.b = b;
    pg.kind = kind;
    overview_frame(b, pg.world);
    pg.north = isr_map_north_angle(b, pg.world);
    const char *name = kind == ISR_MAP_TIME    ? "nearest_hub_time"
                       : kind == ISR_MAP_COUNT ? "hubs_within"
                                               : "nearest_hub";
    char *tif = isr_strdup_printf("%s/region/%s.tif", out, name);
    char *png = isr_strdup_printf("%s/region/map_%s.png", out, name);
    char *svg = isr_strdup_printf("%s/region/map_%s.svg", out, name);
    char *pdf = isr_strdup_printf("%s/region/map_%s.pdf", out, name);
    char *pgw = isr_strdup_printf("%s/region/map_%s.pgw", out, name);
    char t[512];
    isr_lang L = b->lang;
    if (kind == ISR_MAP_TIME) {
        isr_map_trn(L, t, sizeof t, "Time {} the nearest rail hub — %g-minute commuting circles",
                    b->direction_to ? "到最近铁路枢纽的时间 — %g分钟通勤圈"
                                    : "从最近铁路枢纽出发的时间 — %g分钟通勤圈",
                    b->direction_to ? "to" : "from", "", b->budget_min);
        pg.nclass = first->nbands;
        memcpy(pg.lo, first->lo, sizeof pg.lo);
        memcpy(pg.hi, first->hi, sizeof pg.hi);
    } else if (kind == ISR_MAP_COUNT) {
        isr_map_trf(L, t, sizeof t, "How many rail hubs are within %g minutes",
                    "%g分钟内可达几个铁路枢纽", b->budget_min);
    } else {
        isr_map_trf(L, t, sizeof t, "The nearest rail hub within %g minutes",
                    "%g分钟内最近的铁路枢纽", b->budget_min);
        pg.nclass = b->nhubs;
    }
    pg.title = strdup(t);
    isr_sb sub = {0};
    isr_map_trf(L, t, sizeof t, b->nhubs == 1 ? "%d hub" : "%d hubs", "%d个枢纽", b->nhubs);
    isr_sb_printf(&sub, "%s", t);
    for (int i = 0; i < b->nprovinces; i++)
        if (*b->province_names[i]) {
            isr_map_name(L, t, sizeof t, b->province_names[i], b->province_names_en[i]);
            isr_sb_printf(&sub, "%s%s", i ? " · " : L == ISR_LANG_ZH ? " · " : " in ", t);
        }
    isr_sb_printf(&sub, " · %s",
                  isr_map_tr(L, t, sizeof t, "door-to-door by rail and local travel",
                             "铁路与本地交通门到门"));
    pg.subtitle = isr_sb_take(&sub);
    isr_status st = ISR_OK;
    if (!tif || !png || !svg || !pdf || !pgw || !pg.title || !pg.subtitle) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if ((kind == ISR_MAP_NEAREST && (st = nearest_classes(ctx, tif, &pg)) != ISR_OK) ||
        (st = overview_raster(ctx, tif, &pg)) != ISR_OK)
        goto cleanup;
    isr_sb d = {0};
    isr_sb_printf(&d, "%s. %s. Hubs:", pg.title, pg.subtitle);
    for (int i = 0; i < b->nhubs; i++)
        isr_sb_printf(&d, "%s %s", i ? "," : "", b->st[b->hubs[i]].name);
    isr_sb_printf(&d, ". %s", b->attribution);
    char *desc = isr_sb_take(&d);
    if (!desc) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    st = isr_canvas_render(ctx, fonts, png, svg, ISR_MAP_W, ISR_MAP_H, draw_overview, &pg, pg.title,
                           desc);
    free(desc);
    if (st == ISR_OK)
        st = isr_canvas_render_pdf(ctx, fonts, pdf, ISR_MAP_W, ISR_MAP_H, draw_overview, &pg);
    if (st == ISR_OK) {
        isr_canvas cv = {0};
        double panel[4];
        isr_map_panel(panel);
        isr_canvas_frame(&cv, panel, pg.world);
        st = isr_canvas_world_file(ctx, &cv, pgw);
    }
cleanup:
    if (pg.img)
        cairo_surface_destroy(pg.img);
    free(pg.cls);
    free(pdf);
    free(pg.title);
    free(pg.subtitle);
    free(tif);
    free(png);
    free(svg);
    free(pgw);
    return st;
}

/* ---- contact sheet --------------------------------------------------------------------------- */

/* People a hub reaches: summary.csv's, else its bands' sum; NAN when unknown. */
static double hub_people(const isr_map_hub *h)
{
    if (isfinite(h->people))
        return h->people;
    double p = h->nbands ? 0 : NAN;
    for (int k = 0; k < h->nbands; k++)
        p += h->pop[k];
    return p;
}

void isr_map_sheet_order(const isr_map_hub *hubs, int n, int *order)
{
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int a = 1; a < n; a++) /* insertion sort, stable: ties keep the run's order */
        for (int k = a; k > 0; k--) {
            double p = hub_people(&hubs[order[k]]), q = hub_people(&hubs[order[k - 1]]);
            p = isfinite(p) ? p : -1;
            q = isfinite(q) ? q : -1;
            if (p <= q)
                break;
            int t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
}

typedef struct sheet_page {
    const isr_map_base *b;
    const isr_map_hub *hubs;
    int *order; /* thumbnail i shows hubs[order[i]] */
    int n;
    double half_m; /* every thumbnail shows its bands' centre ± half_m: one scale for all */
    char *title, *subtitle;
} sheet_page;

/* The sheet's footer legend in a row: the bands (and, when they end before the budget, that
 * the places past them are not shaded: the thumbnails' headlines count the whole budget),
 * the hub, rail lines and provinces. */
static void sheet_legend(isr_canvas *cv, const sheet_page *pg, int nb)
{
    const isr_map_base *b = pg->b;
    double y = cv->page_h - 120, x = 32;
    for (int k = 0; k < nb; k++) {
        char buf[64];
        isr_map_fmt_minutes_l(b->lang, buf, sizeof buf, pg->hubs[0].lo[k], pg->hubs[0].hi[k]);
        double r[4] = {x, y, 40, 22};
        isr_canvas_rect(cv, r, isr_map_land, isr_map_land, 0);
        isr_rgba c = isr_map_band_colour(k, nb);
        c.a = ISR_MAP_BAND_ALPHA;
        isr_canvas_rect(cv, r, c, c, 0);
        isr_canvas_rect(cv, r, (isr_rgba){0, 0, 0, 0}, (isr_rgba){0.45, 0.45, 0.45, 1}, 0.8);
        double box[4];
        isr_canvas_text(cv, x + 50, y + 11, 0, 0.5, buf, 15, 0, isr_map_ink, 0, -1, box);
        x = box[2] + 26;
    }
    double box[4];
    char t[128];
    if (pg->n && isr_map_unshaded(b, &pg->hubs[0], t, sizeof t)) {
        isr_canvas_text(cv, x, y + 11, 0, 0.5, t, 15, 0, isr_map_grey, 0, -1, box);
        x = box[2] + 26;
    }
    isr_canvas_symbol(cv, x + 10, y + 11, 9, 1, isr_map_hub_fill, isr_map_white, 1.2);
    isr_canvas_text(cv, x + 26, y + 11, 0, 0.5, isr_map_tr(b->lang, t, sizeof t, "hub", "枢纽"), 15,
                    0, isr_map_ink, 0, -1, box);
    x = box[2] + 26;
    cairo_new_path(cv->cr);
    cairo_move_to(cv->cr, x, y + 11);
    cairo_line_to(cv->cr, x + 36, y + 11);
    cairo_set_source_rgba(cv->cr, isr_map_rail_sheet.r, isr_map_rail_sheet.g, isr_map_rail_sheet.b,
                          isr_map_rail_sheet.a);
    cairo_set_line_width(cv->cr, 1.2);
    cairo_stroke(cv->cr);
    isr_canvas_text(cv, x + 46, y + 11, 0, 0.5, isr_map_tr(b->lang, t, sizeof t, "rail line", "铁路线"),
                    15, 0, isr_map_ink, 0, -1, box);
    x = box[2] + 26;
    isr_map_legend_symbol(cv, ISR_SYM_PROVINCE, x, y + 11, 36);
    isr_canvas_text(cv, x + 46, y + 11, 0, 0.5,
                    isr_map_tr(b->lang, t, sizeof t, "province boundary", "省界"), 15, 0,
                    isr_map_ink, 0, -1, box);
}

static void draw_sheet(isr_canvas *cv, void *user)
{
    sheet_page *pg = user;
    const isr_map_base *b = pg->b;
    isr_map_page_frame(cv, pg->title, pg->subtitle, b->attribution);
    int nb = pg->n ? pg->hubs[0].nbands : 0;
    double cell[4] = {0};
    for (int i = 0; i < pg->n; i++) {
        const isr_map_hub *h = &pg->hubs[pg->order[i]];
        const isr_map_station *s = &b->st[b->hubs[h->hub]];
        isr_map_sheet_cell(pg->n, i, cell);
        double cx = s->x, cy = s->y;
        if (h->bbox[2] >= h->bbox[0] && h->bbox[2] - h->bbox[0] <= 2 * pg->half_m &&
            h->bbox[3] - h->bbox[1] <= 2 * pg->half_m) { /* a cropped circle: on its hub */
            cx = (h->bbox[0] + h->bbox[2]) / 2;
            cy = (h->bbox[1] + h->bbox[3]) / 2;
        }
        double world[4] = {cx - pg->half_m, cy - pg->half_m, cx + pg->half_m, cy + pg->half_m};
        isr_canvas_frame(cv, cell, world);
        isr_canvas_clip_panel(cv);
        isr_map_draw_land(cv, b);
        /* outlined in their own colour, so that a patch of a few pixels still shows */
        for (int k = h->nbands - 1; k >= 0; k--)
            isr_canvas_stroke(cv, &h->ring[k], 1, isr_map_band_colour(k, h->nbands), 1.6, NULL, 0);
        isr_map_fill_bands(cv, h);
        isr_map_draw_boundaries(cv, b, 0, 1.0);
        /* rail as quiet context: the circles are what is compared */
        isr_map_draw_rail(cv, b, 0.8, isr_map_rail_sheet, 0);
        double u, v;
        isr_canvas_xy(cv, s->x, s->y, &u, &v);
        isr_canvas_symbol(cv, u, v, 5.5, 1, isr_map_hub_fill, isr_map_white, 1);
        cairo_restore(cv->cr);
        isr_map_panel_border(cv);
        char name[256], line2[256], p[64];
        isr_map_station_name(b, s, name, sizeof name);
        double tw, th, size = 19;
        isr_canvas_text_size(cv, name, size, 1, -1, &tw, &th);
        if (tw > cell[2])
            size *= cell[2] / tw;
        isr_canvas_text(cv, cell[0], cell[1] + cell[3] + 3, 0, 0, name, size, 1, isr_map_ink, 0, -1,
                        NULL);
        double pop = hub_people(h);
        char pz[64];
        isr_map_fmt_people_l(ISR_LANG_EN, p, sizeof p, pop);
        isr_map_fmt_people_l(ISR_LANG_ZH, pz, sizeof pz, pop);
        if (isfinite(pop))
            isr_map_trn(b->lang, line2, sizeof line2, "%d. {} people within %g min",
                        "%d. %g分钟内{}人", p, pz, i + 1, b->budget_min);
        else
            isr_map_trf(b->lang, line2, sizeof line2, "%d. %g-min circle", "%d. %g分钟通勤圈",
                        i + 1, b->budget_min);
        isr_canvas_text(cv, cell[0], cell[1] + cell[3] + 28, 0, 0, line2, 16, 0, isr_map_grey, 0,
                        -1, NULL);
    }
    /* footer: the legend, below it the scale bar at the thumbnails' common scale */
    sheet_legend(cv, pg, nb);
    if (pg->n) {
        double w[4] = {0, 0, 2 * pg->half_m, 2 * pg->half_m};
        isr_map_sheet_cell(pg->n, 0, cell);
        isr_canvas_frame(cv, cell, w);
        cv->panel[0] = 0;
        cv->panel[1] = 0;
        cv->panel[2] = cv->page_w;
        cv->panel[3] = cv->page_h; /* the scale bar lies outside any thumbnail */
        isr_canvas_scale_bar(cv, 41, cv->page_h - 48, cell[2]);
    }
}

isr_status isr_map_sheet_write(isr_ctx *ctx, void *fonts, const isr_map_base *b,
                               const isr_map_hub *hubs, int n, const char *png_path,
                               const char *svg_path)
{
    sheet_page pg = {0};
    pg.b = b;
    pg.hubs = hubs;
    pg.n = n;
    /* one scale for all: wide enough for every circle, but with many hubs for three in four
     * of them (a few long rail arms would otherwise shrink every circle to a stamp; those
     * are centred on their hub and cropped) */
    double *half = malloc((size_t)(n > 0 ? n : 1) * sizeof *half);
    int m = 0, cropped = 0;
    for (int i = 0; i < n && half; i++) {
        const double *bb = hubs[i].bbox;
        if (bb[2] >= bb[0])
            half[m++] = (bb[2] - bb[0] > bb[3] - bb[1] ? bb[2] - bb[0] : bb[3] - bb[1]) / 2;
    }
    for (int a = 1; a < m; a++) /* insertion sort: ascending */
        for (int k = a; k > 0 && half[k] < half[k - 1]; k--) {
            double t = half[k];
            half[k] = half[k - 1];
            half[k - 1] = t;
        }
    if (m > 0) {
        int q = m >= 8 ? (int)ceil(0.75 * m) - 1 : m - 1;
        pg.half_m = half[q];
        cropped = m - 1 - q;
        while (cropped > 0 && half[m - cropped] <= pg.half_m) /* ties are not cropped */
            cropped--;
    }
    free(half);
    pg.half_m = pg.half_m * 1.04 + 3000;
    int w, h;
    isr_map_sheet_size(n, &w, &h);
    char t[512];
    isr_map_trf(b->lang, t, sizeof t,
                n == 1 ? "%g-minute commuting circle of %d rail hub, at one scale"
                       : "%g-minute commuting circles of %d rail hubs, at one scale",
                "%g分钟通勤圈：%d个铁路枢纽，同一比例尺", b->budget_min, n);
    pg.title = strdup(t);
    isr_map_trn(b->lang, t, sizeof t,
                cropped ? "Door-to-door travel {} each hub by rail and local travel, most people "
                          "reached first; every square is %.0f km wide (%d wider circles "
                          "cropped)"
                        : "Door-to-door travel {} each hub by rail and local travel, most people "
                          "reached first; every square is %.0f km wide",
                cropped ? "{}各枢纽的铁路与本地交通门到门时间，按可达人口从多到少排列；每格宽%.0f公里（%d个较大的通勤圈被裁切）"
                        : "{}各枢纽的铁路与本地交通门到门时间，按可达人口从多到少排列；每格宽%.0f公里",
                b->direction_to ? "to" : "from", b->direction_to ? "到达" : "从",
                2 * pg.half_m / 1000, cropped);
    pg.subtitle = strdup(t);
    pg.order = malloc((size_t)(n > 0 ? n : 1) * sizeof *pg.order);
    if (pg.order)
        isr_map_sheet_order(hubs, n, pg.order);
    isr_sb d = {0};
    isr_sb_printf(&d, "%s.", pg.title ? pg.title : "");
    for (int i = 0; i < n && pg.order; i++) {
        const isr_map_station *s = &b->st[b->hubs[hubs[pg.order[i]].hub]];
        char *en = isr_map_english_name(s);
        isr_sb_printf(&d, " Thumbnail %d: %s %s.", i + 1, s->name, en ? en : "");
        free(en);
    }
    isr_sb_printf(&d, " %s", b->attribution);
    char *desc = isr_sb_take(&d);
    isr_status st = ISR_OK;
    if (!pg.title || !pg.subtitle || !desc || !pg.order)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    else
        st = isr_canvas_render(ctx, fonts, png_path, svg_path, w, h, draw_sheet, &pg, pg.title,
                               desc);
    free(desc);
    free(pg.order);
    free(pg.title);
    free(pg.subtitle);
    return st;
}
