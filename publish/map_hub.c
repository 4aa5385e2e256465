/*
 * map_hub.c — one hub's map: OUT/hubs/<folder>/map.png, map.svg and the PNG's world file
 * map.pgw. The page is framed on the hub's bands with a margin (at least 100 km across, so a
 * small circle keeps its surroundings); bands are filled at ISR_MAP_BAND_ALPHA over the land,
 * under the boundaries, rail and stations. Labels: the hub first (always), then the other
 * hubs by rail time, then county names where room is left. The legend gives each band's
 * minutes and people, and the total. The SVG's <desc> lists the stations labelled, collected
 * while the PNG is drawn (both lay text out alike, so they place the same labels).
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
    /* a margin, and at least 100 km across so that a small circle keeps its surroundings */
    double m = 0.1 * (w > ht ? w : ht) + 8000;
    double cx = (bb[0] + bb[2]) / 2, cy = (bb[1] + bb[3]) / 2;
    double hw = w / 2 + m, hh = ht / 2 + m;
    if (hw < 50000)
        hw = 50000;
    if (hh < 50000)
        hh = 50000;
    world[0] = cx - hw;
    world[1] = cy - hh;
    world[2] = cx + hw;
    world[3] = cy + hh;
}

static void draw_hub(isr_canvas *cv, void *user)
{
    hub_page *pg = user;
    const isr_map_base *b = pg->b;
    const isr_map_hub *h = pg->h;
    int hs = b->hubs[h->hub];
    isr_map_page_begin(cv, pg->title, pg->subtitle, b, pg->world);
    double panel[4];
    isr_map_panel(panel);
    isr_map_fill_bands(cv, h);
    isr_map_draw_boundaries(cv, b, 0.6, 1.8);
    isr_map_draw_rail(cv, b, 2.0, isr_map_rail, 1);
    isr_map_panel_furniture(cv, pg->north);
    if (pg->collect)
        free(isr_sb_take(&pg->labels));
    isr_map_draw_stations(cv, b, h->rail_min, b->budget_min, hs, pg->collect ? &pg->labels : NULL);
    isr_map_draw_county_names(cv, b, 45);
    cairo_restore(cv->cr);
    isr_map_panel_border(cv);

    /* legend */
    char buf[256], note[64];
    isr_snprintf(buf, sizeof buf, "Travel time %s %s", b->direction_to ? "to" : "from", b->st[hs].name);
    isr_canvas_text(cv, ISR_MAP_SIDE_X, panel[1], 0, 0, buf, 19, 1, isr_map_ink, 0, ISR_MAP_SIDE_W,
                    NULL);
    double y = 0, pop = 0, km2 = 0;
    int have_pop = 1;
    for (int k = 0; k < h->nbands; k++) {
        isr_map_fmt_minutes(buf, sizeof buf, h->lo[k], h->hi[k]);
        if (isfinite(h->pop[k])) {
            char p[32];
            isr_map_fmt_people(p, sizeof p, h->pop[k]);
            isr_snprintf(note, sizeof note, "%s people", p);
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
    char a[32], p[32];
    isr_fmt_thousands(a, sizeof a, km2, 0);
    isr_map_fmt_people(p, sizeof p, pop);
    if (have_pop)
        isr_snprintf(buf, sizeof buf, "Within %g min: %s people on %s km²", b->budget_min, p, a);
    else
        isr_snprintf(buf, sizeof buf, "Within %g min: %s km²", b->budget_min, a);
    double box[4];
    isr_canvas_text(cv, ISR_MAP_SIDE_X, y + 14, 0, 0, buf, 15, 1, isr_map_ink, 0, ISR_MAP_SIDE_W,
                    box);
    y = box[3] + 18;
    double r[4];
    isr_map_legend_swatch(0, r);
    r[1] = y;
    isr_canvas_rect(cv, r, isr_map_outside, (isr_rgba){0.45, 0.45, 0.45, 1}, 0.8);
    isr_canvas_text(cv, r[0] + r[2] + 12, r[1] + r[3] / 2, 0, 0.5, "Outside the region", 15, 0,
                    isr_map_ink, 0, -1, NULL);
    y = r[1] + r[3] + 18;
    isr_snprintf(buf, sizeof buf, "Hub: %s", b->st[hs].name);
    y = isr_map_legend_row(cv, y, ISR_SYM_HUB, buf);
    y = isr_map_legend_row(cv, y, ISR_SYM_MAIN, "Other hub");
    isr_snprintf(buf, sizeof buf,
             b->direction_to ? "Station with a train to the hub within %g min"
                             : "Station reached by rail within %g min",
             b->budget_min);
    y = isr_map_legend_row(cv, y, ISR_SYM_REACHED, buf);
    y = isr_map_legend_row(cv, y, ISR_SYM_OTHER, "Other station");
    y = isr_map_legend_row(cv, y, ISR_SYM_RAIL, "Rail line");
    y = isr_map_legend_row(cv, y, ISR_SYM_PROVINCE, "Province boundary");
    y = isr_map_legend_row(cv, y, ISR_SYM_COUNTY, "County boundary and name");
    isr_snprintf(buf, sizeof buf,
             "Door-to-door time %s the hub station: waiting for and riding trains (dwell and "
             "changes included), then local travel, on a %g m grid. Places past %g min are "
             "not shaded.",
             b->direction_to ? "to" : "from", b->cell_m, b->budget_min);
    isr_canvas_text(cv, ISR_MAP_SIDE_X, y + 14, 0, 0, buf, 13, 0, isr_map_grey, 0, ISR_MAP_SIDE_W,
                    NULL);
}

isr_status isr_map_hub_write(isr_ctx *ctx, void *fonts, const isr_map_base *b, const isr_map_hub *h,
                             const char *out)
{
    const isr_map_station *s = &b->st[b->hubs[h->hub]];
    hub_page pg = {0};
    pg.b = b;
    pg.h = h;
    isr_map_hub_frame(b, h, pg.world);
    pg.north = h->north;
    char *en = isr_map_english_name(s);
    char *folder = isr_hub_folder(s->id);
    char *png = folder ? isr_strdup_printf("%s/hubs/%s/map.png", out, folder) : NULL;
    char *svg = folder ? isr_strdup_printf("%s/hubs/%s/map.svg", out, folder) : NULL;
    char *pgw = folder ? isr_strdup_printf("%s/hubs/%s/map.pgw", out, folder) : NULL;
    free(folder);
    pg.title = isr_strdup_printf("%s %s — %g-minute commuting circle%s", s->name, en ? en : "",
                                 b->budget_min, b->direction_to ? " (travel to the hub)" : "");
    pg.subtitle = isr_strdup_printf(
        "Where door-to-door travel %s %s takes at most %g minutes, by rail and local travel",
        b->direction_to ? "to" : "from", en ? en : s->id, b->budget_min);
    isr_status st = ISR_OK;
    if (!en || !png || !svg || !pgw || !pg.title || !pg.subtitle) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    pg.collect = 1;
    if ((st = isr_canvas_render(ctx, fonts, png, NULL, ISR_MAP_W, ISR_MAP_H, draw_hub, &pg, NULL,
                                NULL)) != ISR_OK)
        goto cleanup;
    pg.collect = 0;
    isr_sb d = {0};
    isr_sb_printf(&d, "Map of the %g-minute commuting circle of %s (%s). Bands:", b->budget_min,
                  s->name, en);
    for (int k = 0; k < h->nbands; k++) {
        char p[32];
        isr_map_fmt_people(p, sizeof p, h->pop[k]);
        isr_sb_printf(&d, "%s %g–%g min (%s people)", k ? "," : "", h->lo[k], h->hi[k], p);
    }
    isr_sb_printf(&d, ". Labelled stations: %s. %s", pg.labels.s ? pg.labels.s : "",
                  b->attribution);
    pg.desc = isr_sb_take(&d);
    if (!pg.desc) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if ((st = isr_canvas_render(ctx, fonts, NULL, svg, ISR_MAP_W, ISR_MAP_H, draw_hub, &pg,
                                pg.title, pg.desc)) != ISR_OK)
        goto cleanup;
    isr_canvas cv = {0};
    double panel[4];
    isr_map_panel(panel);
    isr_canvas_frame(&cv, panel, pg.world);
    st = isr_canvas_world_file(ctx, &cv, pgw);
cleanup:
    free(isr_sb_take(&pg.labels));
    free(pg.title);
    free(pg.subtitle);
    free(pg.desc);
    free(en);
    free(png);
    free(svg);
    free(pgw);
    return st;
}
