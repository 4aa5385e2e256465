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
} overview_page;

static void overview_frame(const isr_map_base *b, double world[4])
{
    double w = b->region[2] - b->region[0], h = b->region[3] - b->region[1];
    double m = 0.03 * (w > h ? w : h);
    world[0] = b->region[0] - m;
    world[1] = b->region[1] - m;
    world[2] = b->region[2] + m;
    world[3] = b->region[3] + m;
}

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
        isr_canvas_label(cv, u, v, 4, s->name, 13, 0, isr_map_ink, 0);
    }
    /* provinces' names near the panel's edge are left out: the boundaries say enough */
    cairo_restore(cv->cr);
    isr_map_panel_border(cv);

    char buf[256];
    isr_canvas_text(cv, ISR_MAP_SIDE_X, panel[1], 0, 0,
                    pg->kind == ISR_MAP_TIME ? (b->direction_to ? "Time to the nearest hub"
                                                                : "Time from the nearest hub")
                                             : "Hubs within reach",
                    19, 1, isr_map_ink, 0, ISR_MAP_SIDE_W, NULL);
    for (int k = 0; k < pg->nclass; k++) {
        isr_rgba c;
        if (pg->kind == ISR_MAP_TIME) {
            c = isr_map_band_colour(k, pg->nclass);
            isr_map_fmt_minutes(buf, sizeof buf, pg->lo[k], pg->hi[k]);
        } else {
            c = isr_map_count_colour(k, pg->nclass);
            if (pg->lo[k] == pg->hi[k])
                isr_snprintf(buf, sizeof buf, "%g hub%s", pg->lo[k], pg->lo[k] == 1 ? "" : "s");
            else
                isr_snprintf(buf, sizeof buf, "%g–%g hubs", pg->lo[k], pg->hi[k]);
        }
        isr_map_legend_entry(cv, k, c, ISR_MAP_BAND_ALPHA, buf, NULL);
    }
    double r[4];
    isr_map_legend_swatch(pg->nclass, r);
    isr_canvas_rect(cv, r, isr_map_land, (isr_rgba){0.45, 0.45, 0.45, 1}, 0.8);
    isr_snprintf(buf, sizeof buf, pg->kind == ISR_MAP_TIME ? "more than %g min" : "none within %g min",
             b->budget_min);
    isr_canvas_text(cv, r[0] + r[2] + 12, r[1] + r[3] / 2, 0, 0.5, buf, 16, 0, isr_map_ink, 0, -1,
                    NULL);
    isr_map_legend_swatch(pg->nclass + 1, r);
    isr_canvas_rect(cv, r, isr_map_outside, (isr_rgba){0.45, 0.45, 0.45, 1}, 0.8);
    isr_canvas_text(cv, r[0] + r[2] + 12, r[1] + r[3] / 2, 0, 0.5, "outside the region", 16, 0,
                    isr_map_ink, 0, -1, NULL);
    double y = r[1] + r[3] + 26;
    y = isr_map_legend_row(cv, y, ISR_SYM_MAIN, "Hub");
    y = isr_map_legend_row(cv, y, pg->kind == ISR_MAP_COUNT ? ISR_SYM_RAIL_DARK : ISR_SYM_RAIL,
                           "Rail line");
    y = isr_map_legend_row(cv, y, ISR_SYM_PROVINCE, "Province boundary");
    y = isr_map_legend_row(cv, y, ISR_SYM_COUNTY, "County boundary");
    char nhubs_txt[32];
    isr_snprintf(nhubs_txt, sizeof nhubs_txt, "%d hubs", b->nhubs);
    if (pg->kind == ISR_MAP_TIME)
        isr_snprintf(buf, sizeof buf,
                 "Door-to-door time %s the %s%s, by rail and local travel, on a %g m grid.",
                 b->direction_to ? "to" : "from", b->nhubs == 1 ? "hub" : "nearest of the ",
                 b->nhubs == 1 ? "" : nhubs_txt, b->cell_m);
    else
        isr_snprintf(buf, sizeof buf,
                 b->direction_to ? "How many of the %d %s each place can reach within %g "
                                   "minutes, on a %g m grid: where commuting circles overlap."
                                 : "From how many of the %d %s each place is reached within %g "
                                   "minutes, on a %g m grid: where commuting circles overlap.",
                 b->nhubs, ISR_PLURAL(b->nhubs, "hub", "hubs"), b->budget_min, b->cell_m);
    isr_canvas_text(cv, ISR_MAP_SIDE_X, y + 14, 0, 0, buf, 13, 0, isr_map_grey, 0, ISR_MAP_SIDE_W,
                    NULL);
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
    uint32_t lut[ISR_MAX_BANDS] = {0};
    for (int k = 0; k < pg->nclass; k++) {
        isr_rgba c = pg->kind == ISR_MAP_TIME ? isr_map_band_colour(k, pg->nclass)
                                              : isr_map_count_colour(k, pg->nclass);
        double a = ISR_MAP_BAND_ALPHA; /* premultiplied, as cairo stores it */
        lut[k] = (uint32_t)(a * 255 + 0.5) << 24 | (uint32_t)(c.r * a * 255 + 0.5) << 16 |
                 (uint32_t)(c.g * a * 255 + 0.5) << 8 | (uint32_t)(c.b * a * 255 + 0.5);
    }
    for (int r = 0; r < bh; r++) {
        uint32_t *row = (uint32_t *)(void *)(px + (size_t)r * (size_t)stride);
        for (int c = 0; c < bw; c++) {
            float v = buf[(size_t)r * (size_t)bw + (size_t)c];
            int k = -1;
            if (!(has_nd && v == (float)nd) && isfinite(v)) {
                if (pg->kind == ISR_MAP_TIME) {
                    for (k = 0; k < pg->nclass && v > pg->hi[k]; k++)
                        ;
                } else {
                    k = v >= 1 ? (int)v - 1 : -1;
                    if (k >= pg->nclass)
                        k = pg->nclass - 1;
                }
            }
            row[c] = k >= 0 && k < pg->nclass ? lut[k] : 0;
        }
    }
    cairo_surface_mark_dirty(pg->img);
cleanup:
    free(buf);
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
    const char *name = kind == ISR_MAP_TIME ? "nearest_hub_time" : "hubs_within";
    char *tif = isr_strdup_printf("%s/region/%s.tif", out, name);
    char *png = isr_strdup_printf("%s/region/map_%s.png", out, name);
    char *svg = isr_strdup_printf("%s/region/map_%s.svg", out, name);
    char *pgw = isr_strdup_printf("%s/region/map_%s.pgw", out, name);
    if (kind == ISR_MAP_TIME) {
        pg.title = isr_strdup_printf("Time %s the nearest rail hub — %g-minute commuting circles",
                                     b->direction_to ? "to" : "from", b->budget_min);
        pg.nclass = first->nbands;
        memcpy(pg.lo, first->lo, sizeof pg.lo);
        memcpy(pg.hi, first->hi, sizeof pg.hi);
    } else {
        pg.title = isr_strdup_printf("How many rail hubs are within %g minutes", b->budget_min);
    }
    isr_sb sub = {0};
    isr_sb_printf(&sub, "%d %s", b->nhubs, ISR_PLURAL(b->nhubs, "hub", "hubs"));
    for (int i = 0; i < b->nprovinces; i++)
        if (*b->province_names[i])
            isr_sb_printf(&sub, "%s%s", i ? " · " : " in ", b->province_names[i]);
    isr_sb_printf(&sub, " · door-to-door by rail and local travel");
    pg.subtitle = isr_sb_take(&sub);
    isr_status st = ISR_OK;
    if (!tif || !png || !svg || !pgw || !pg.title || !pg.subtitle) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if ((st = overview_raster(ctx, tif, &pg)) != ISR_OK)
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
    free(pg.title);
    free(pg.subtitle);
    free(tif);
    free(png);
    free(svg);
    free(pgw);
    return st;
}

/* ---- contact sheet --------------------------------------------------------------------------- */

typedef struct sheet_page {
    const isr_map_base *b;
    const isr_map_hub *hubs;
    int n;
    double half_m; /* every thumbnail shows its bands' centre ± half_m: one scale for all */
    char *title, *subtitle;
} sheet_page;

static void draw_sheet(isr_canvas *cv, void *user)
{
    sheet_page *pg = user;
    const isr_map_base *b = pg->b;
    isr_map_page_frame(cv, pg->title, pg->subtitle, b->attribution);
    int nb = pg->n ? pg->hubs[0].nbands : 0;
    double cell[4] = {0};
    for (int i = 0; i < pg->n; i++) {
        const isr_map_hub *h = &pg->hubs[i];
        const isr_map_station *s = &b->st[b->hubs[h->hub]];
        isr_map_sheet_cell(pg->n, i, cell);
        double cx = s->x, cy = s->y;
        if (h->bbox[2] >= h->bbox[0]) {
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
        char *en = isr_map_english_name(s);
        char name[256], line2[128], p[32];
        isr_snprintf(name, sizeof name, "%s %s", s->name, en ? en : "");
        free(en);
        double tw, th, size = 15;
        isr_canvas_text_size(cv, name, size, 1, -1, &tw, &th);
        if (tw > cell[2])
            size *= cell[2] / tw;
        isr_canvas_text(cv, cell[0], cell[1] + cell[3] + 3, 0, 0, name, size, 1, isr_map_ink, 0, -1,
                        NULL);
        double pop = 0;
        int have = h->nbands > 0;
        for (int k = 0; k < h->nbands; k++)
            if (isfinite(h->pop[k]))
                pop += h->pop[k];
            else
                have = 0;
        isr_map_fmt_people(p, sizeof p, pop);
        isr_snprintf(line2, sizeof line2, have ? "%s people within %g min" : "%.0s%g-min circle", p,
                 b->budget_min);
        isr_canvas_text(cv, cell[0], cell[1] + cell[3] + 24, 0, 0, line2, 13, 0, isr_map_grey, 0,
                        -1, NULL);
    }
    /* footer: band legend in a row, below it the scale bar at the thumbnails' common scale */
    double y = cv->page_h - 120, x = 32;
    for (int k = 0; k < nb; k++) {
        char buf[64];
        isr_map_fmt_minutes(buf, sizeof buf, pg->hubs[0].lo[k], pg->hubs[0].hi[k]);
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
    isr_canvas_symbol(cv, x + 10, y + 11, 9, 1, isr_map_hub_fill, isr_map_white, 1.2);
    double box[4];
    isr_canvas_text(cv, x + 26, y + 11, 0, 0.5, "hub", 15, 0, isr_map_ink, 0, -1, box);
    x = box[2] + 26;
    cairo_new_path(cv->cr);
    cairo_move_to(cv->cr, x, y + 11);
    cairo_line_to(cv->cr, x + 36, y + 11);
    cairo_set_source_rgba(cv->cr, isr_map_rail_sheet.r, isr_map_rail_sheet.g, isr_map_rail_sheet.b,
                          isr_map_rail_sheet.a);
    cairo_set_line_width(cv->cr, 1.2);
    cairo_stroke(cv->cr);
    isr_canvas_text(cv, x + 46, y + 11, 0, 0.5, "rail line", 15, 0, isr_map_ink, 0, -1, box);
    x = box[2] + 26;
    isr_map_legend_symbol(cv, ISR_SYM_PROVINCE, x, y + 11, 36);
    isr_canvas_text(cv, x + 46, y + 11, 0, 0.5, "province boundary", 15, 0, isr_map_ink, 0, -1,
                    box);
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
    for (int i = 0; i < n; i++) {
        const double *bb = hubs[i].bbox;
        if (!(bb[2] >= bb[0]))
            continue;
        double half = (bb[2] - bb[0] > bb[3] - bb[1] ? bb[2] - bb[0] : bb[3] - bb[1]) / 2;
        if (half > pg.half_m)
            pg.half_m = half;
    }
    pg.half_m = pg.half_m * 1.04 + 3000;
    int w, h;
    isr_map_sheet_size(n, &w, &h);
    pg.title = isr_strdup_printf("%g-minute commuting circles of %d rail %s, at one scale",
                                 b->budget_min, n, ISR_PLURAL(n, "hub", "hubs"));
    pg.subtitle = isr_strdup_printf("Door-to-door travel %s each hub by rail and local travel; "
                                    "every square is %.0f km wide",
                                    b->direction_to ? "to" : "from", 2 * pg.half_m / 1000);
    isr_sb d = {0};
    isr_sb_printf(&d, "%s.", pg.title ? pg.title : "");
    for (int i = 0; i < n; i++) {
        const isr_map_station *s = &b->st[b->hubs[hubs[i].hub]];
        char *en = isr_map_english_name(s);
        isr_sb_printf(&d, " Thumbnail %d: %s %s.", i + 1, s->name, en ? en : "");
        free(en);
    }
    isr_sb_printf(&d, " %s", b->attribution);
    char *desc = isr_sb_take(&d);
    isr_status st = ISR_OK;
    if (!pg.title || !pg.subtitle || !desc)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    else
        st = isr_canvas_render(ctx, fonts, png_path, svg_path, w, h, draw_sheet, &pg, pg.title,
                               desc);
    free(desc);
    free(pg.title);
    free(pg.subtitle);
    return st;
}
