/* Criterion suite for grid.c: extents snapped outwards to the resolution, cell addressing
 * (row 0 at the top), padded indexes, the geotransform, and the refusals (resolution, empty
 * extent, memory, size) with the figures they name. */
#include "acc.h"
#include "internal.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

Test(grid, extent_snapped_outwards)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_grid g;
    /* x 1234..5678 at 1000 m -> 1000..6000, 5 columns; y -567..4321 -> -1000..5000, 6 rows */
    cr_assert_eq(isr_grid_init(ctx, &g, 1234, -567, 5678, 4321, 1000, "WKT", 4, 100), ISR_OK);
    cr_assert_eq(g.x0, 1000.0);
    cr_assert_eq(g.y0, 5000.0); /* the top edge: row 0 is north */
    cr_assert_eq(g.nx, 5);
    cr_assert_eq(g.ny, 6);
    cr_assert_eq(g.cell_m, 1000.0);
    cr_assert_str_eq(g.wkt, "WKT");
    double gt[6];
    isr_grid_geotransform(&g, gt);
    cr_assert_eq(gt[0], 1000.0);
    cr_assert_eq(gt[1], 1000.0);
    cr_assert_eq(gt[2], 0.0);
    cr_assert_eq(gt[3], 5000.0);
    cr_assert_eq(gt[4], 0.0);
    cr_assert_eq(gt[5], -1000.0);
    isr_grid_clear(&g);
    cr_assert_null(g.wkt);
    /* an extent already on cell edges gains no cell; negative edges snap down (floor) */
    cr_assert_eq(isr_grid_init(ctx, &g, -2500, 0, 3000, 2000, 1000, NULL, 4, 100), ISR_OK);
    cr_assert_eq(g.x0, -3000.0);
    cr_assert_eq(g.nx, 6); /* -3000..3000 */
    cr_assert_eq(g.ny, 2); /* 0..2000 */
    cr_assert_str_eq(g.wkt, ""); /* NULL wkt: an empty string, never NULL */
    isr_grid_clear(&g);
    isr_ctx_free(ctx);
}

Test(grid, cell_of_and_centres)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_grid g;
    cr_assert_eq(isr_grid_init(ctx, &g, 1000, -1000, 6000, 5000, 1000, "", 4, 100), ISR_OK);
    int c = -1, r = -1;
    /* the top-left corner belongs to cell (0,0) */
    cr_assert_eq(isr_grid_cell_of(&g, 1000, 5000, &c, &r), 1);
    cr_assert_eq(c, 0);
    cr_assert_eq(r, 0);
    /* just inside the bottom-right corner */
    cr_assert_eq(isr_grid_cell_of(&g, 5999.9, -999.9, &c, &r), 1);
    cr_assert_eq(c, 4);
    cr_assert_eq(r, 5);
    /* the centre of cell (2,3): x0 + 2.5 cells, y0 - 3.5 cells = (3500, 1500) */
    cr_assert_eq(isr_grid_cell_of(&g, 3500, 1500, &c, &r), 1);
    cr_assert_eq(c, 2);
    cr_assert_eq(r, 3);
    /* a point on an inner edge goes to the cell east and south of it */
    cr_assert_eq(isr_grid_cell_of(&g, 3000, 2000, &c, &r), 1);
    cr_assert_eq(c, 2);
    cr_assert_eq(r, 3);
    /* outside: the right and bottom edges, and beyond the left and top ones */
    c = r = 77;
    cr_assert_eq(isr_grid_cell_of(&g, 6000, 0, &c, &r), 0);
    cr_assert_eq(isr_grid_cell_of(&g, 2000, -1000, &c, &r), 0);
    cr_assert_eq(isr_grid_cell_of(&g, 999.9, 0, &c, &r), 0);
    cr_assert_eq(isr_grid_cell_of(&g, 2000, 5000.1, &c, &r), 0);
    cr_assert_eq(c, 77); /* untouched when outside */
    cr_assert_eq(r, 77);
    isr_grid_clear(&g);
    isr_ctx_free(ctx);
}

Test(grid, padded_indexes)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_grid g;
    cr_assert_eq(isr_grid_init(ctx, &g, 0, 0, 5000, 6000, 1000, "", 4, 100), ISR_OK);
    /* 5 x 6 cells padded by 2 on every side: 9 x 10 */
    cr_assert_eq(isr_grid_pw(&g), 9);
    cr_assert_eq(isr_grid_ph(&g), 10);
    cr_assert_eq(isr_grid_pcells(&g), 90);
    cr_assert_eq(isr_grid_pidx(&g, 0, 0), 2 * 9 + 2);
    cr_assert_eq(isr_grid_pidx(&g, 4, 5), 7 * 9 + 6);
    cr_assert_eq(isr_grid_pidx(&g, -2, -2), 0); /* the padding's corner */
    isr_grid_clear(&g);
    isr_ctx_free(ctx);
}

Test(grid, bad_resolution_and_extent)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_grid g;
    const double bad[] = {0, -5, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        isr_ctx_reset(ctx);
        cr_assert_eq(isr_grid_init(ctx, &g, 0, 0, 10, 10, bad[i], "", 4, 100), ISR_ERR_USAGE);
        cr_assert_str_eq(isr_ctx_errmsg(ctx), "--resolution must be a positive number of metres");
        cr_assert_null(g.wkt);
    }
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_grid_init(ctx, &g, 0, 0, 0, 10, 100, "", 4, 100), ISR_ERR_INPUT);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "the region has an empty extent");
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_grid_init(ctx, &g, 0, 10, 10, 5, 100, "", 4, 100), ISR_ERR_INPUT);
    isr_ctx_free(ctx);
}

Test(grid, memory_refused_with_a_resolution_that_fits)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_grid g;
    /* 1000 km square at 100 m: 10000 x 10000 cells, padded 10004² = 100,080,016 cells × 30
     * bytes = 2863.3 MB > 1000 MB. The suggestion: ceil(100 × sqrt(2863.3 / 1000)) = 170 m */
    cr_assert_eq(isr_grid_init(ctx, &g, 0, 0, 1e6, 1e6, 100, "", 30, 1000), ISR_ERR_MEMORY);
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "a 100 m grid over the region is 10000 x 10000 cells and would need about "
                     "2863 MB of memory, more than the 1000 MB allowed: use --resolution 170 or "
                     "coarser, or raise --max-memory");
    cr_assert_null(g.wkt);
    /* and 170 m does fit: 5883 cells a side, 5887² × 30 bytes = 991.5 MB */
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_grid_init(ctx, &g, 0, 0, 1e6, 1e6, 170, "", 30, 1000), ISR_OK, "%s",
                 isr_ctx_errmsg(ctx));
    cr_assert_eq(g.nx, 5883);
    isr_grid_clear(&g);
    isr_ctx_free(ctx);
}

Test(grid, too_many_cells_a_side)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_grid g;
    /* no memory per cell, so only the size limit applies: 2,000,000 x 10 cells at 1 m; the
     * suggestion is 1 m × 2e6 / 1e6 = 2 m */
    cr_assert_eq(isr_grid_init(ctx, &g, 0, 0, 2e6, 10, 1, "", 0, 1000), ISR_ERR_MEMORY);
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "a 1 m grid over the region is 2000000 x 10 cells, more than the 1000000 "
                     "cells a side and 4e9 cells in all that isoreach handles: use --resolution "
                     "2 or coarser");
    isr_ctx_free(ctx);
}

/* Issue 12: a COG gets internal overviews only when wider or taller than ISR_COG_OVERVIEW_PX
 * cells (they tripled the time of a hub's raster, which a reader reads whole as fast); the
 * values are the same either way. */
Test(grid, cog_overviews_only_for_large_rasters)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_grid g;
    cr_assert_eq(isr_grid_init(ctx, &g, 0, 0, 3000 * 100.0, 600 * 100.0, 100, "", 4, 1000),
                 ISR_OK);
    const int widths[2] = {ISR_COG_OVERVIEW_PX, ISR_COG_OVERVIEW_PX + 1}, h = 600;
    char path[256];
    for (int k = 0; k < 2; k++) {
        int w = widths[k];
        float *v = malloc((size_t)w * h * sizeof *v);
        cr_assert_not_null(v);
        for (int i = 0; i < w * h; i++)
            v[i] = (float)(i % 977) / 7.0f;
        snprintf(path, sizeof path, "/tmp/isr-cog-%d-%d.tif", (int)getpid(), w);
        cr_assert_eq(isr_write_cog(ctx, path, &g, 0, 0, w, h, GDT_Float32, v, -9999, "t", "min",
                                   NULL, "AVERAGE"),
                     ISR_OK, "%s", isr_ctx_errmsg(ctx));
        GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
        cr_assert_not_null(ds);
        GDALRasterBandH b = GDALGetRasterBand(ds, 1);
        cr_assert_str_eq(GDALGetMetadataItem(ds, "LAYOUT", "IMAGE_STRUCTURE"), "COG");
        int nov = GDALGetOverviewCount(b);
        if (k == 0)
            cr_assert_eq(nov, 0, "%d overviews on a raster %d cells wide", nov, w);
        else
            cr_assert_gt(nov, 0, "no overviews on a raster %d cells wide", w);
        float *r = malloc((size_t)w * h * sizeof *r);
        cr_assert_eq(GDALRasterIO(b, GF_Read, 0, 0, w, h, r, w, h, GDT_Float32, 0, 0), CE_None);
        cr_assert_eq(memcmp(r, v, (size_t)w * h * sizeof *v), 0, "values differ");
        GDALClose(ds);
        remove(path);
        free(r);
        free(v);
    }
    isr_grid_clear(&g);
    isr_ctx_free(ctx);
}

/* The region accumulators' finish (acc.c) on a grid of 10 x 5 tiles of T = ISR_ACC_TILE cells,
 * land west of column 7.5 T (a coded surface: +INF beyond): tiles (0, 0) and (9, 4) reached, so
 * the window is the whole grid. hubs_within reads 0 on every land cell no hub reaches and
 * nodata (65535) beyond the land: in the land-only tiles (the one shared tile of zeros), the
 * half-land tiles of column 7 and the reached ones; tiles east of it, no land, have no array. */
Test(grid, region_counts_zero_on_unreached_land_nodata_beyond)
{
    enum { T = ISR_ACC_TILE, NX = 10 * T, NY = 5 * T, LAND = 7 * T + T / 2 };
    isr_ctx *ctx = isr_ctx_new();
    isr_grid g;
    cr_assert_eq(isr_grid_init(ctx, &g, 0, 0, NX * 100.0, NY * 100.0, 100, "", 4, 1000), ISR_OK);
    cr_assert(g.nx == NX && g.ny == NY);
    size_t pc = isr_grid_pcells(&g);
    uint8_t *code = calloc(pc, 1);
    const float lut[256] = {INFINITY, 0.1f};
    for (int r = 0; r < g.ny; r++)
        for (int c = 0; c < LAND; c++)
            code[isr_grid_pidx(&g, c, r)] = 1;
    isr_fric fric = {NULL, code, lut};
    isr_acc a;
    cr_assert_eq(isr_acc_init(ctx, &a, g.nx, g.ny), ISR_OK);
    isr_acc_tile *t = isr_acc_tile_make(&a, 0, 0);
    t->t[0] = 5.0f, t->hub[0] = 0, t->count[0] = 1; /* cell (0, 0) reached by hub 0 */
    cr_assert_not_null(isr_acc_tile_make(&a, 9, 4)); /* made, no cell reached (all beyond) */
    cr_assert_eq(isr_acc_finish(ctx, &a, &g, fric, 2), ISR_OK);
    cr_assert_not_null(a.zero);
    cr_assert_eq(a.land[1], a.zero, "a land-only tile shares the zeros");
    cr_assert_null(a.land[8], "no land, no array");
    cr_assert(a.land[7] && a.land[7] != a.zero && a.land[17] && a.land[17] != a.zero);
    GDALDatasetH *srcs = NULL;
    int nsrc = 0;
    GDALDatasetH vrt = isr_acc_vrt(&a, 2, ISR_COUNT_NODATA, &g, &srcs, &nsrc);
    cr_assert_not_null(vrt);
    cr_assert(GDALGetRasterXSize(vrt) == NX && GDALGetRasterYSize(vrt) == NY);
    uint16_t *v = malloc((size_t)NX * NY * sizeof *v);
    cr_assert_eq(GDALRasterIO(GDALGetRasterBand(vrt, 1), GF_Read, 0, 0, NX, NY, v, NX, NY,
                              GDT_UInt16, 0, 0),
                 CE_None);
    for (int r = 0; r < NY; r++)
        for (int c = 0; c < NX; c++) {
            int want = r == 0 && c == 0 ? 1 : c < LAND ? 0 : ISR_COUNT_NODATA;
            cr_assert_eq(v[r * NX + c], want, "cell (%d, %d): %d, not %d", c, r, v[r * NX + c],
                         want);
        }
    free(v);
    GDALClose(vrt);
    isr_acc_vrt_free(srcs, nsrc);
    /* a second finish (a merge run again) leaves them as they are */
    cr_assert_eq(isr_acc_finish(ctx, &a, &g, fric, 2), ISR_OK);
    cr_assert_eq(a.land[1], a.zero);
    cr_assert_eq(a.land[7][T + LAND - 1 - 7 * T], 0);
    cr_assert_eq(a.land[7][LAND - 7 * T], ISR_COUNT_NODATA);
    isr_acc_clear(&a);
    free(code);
    isr_grid_clear(&g);
    isr_ctx_free(ctx);
}

/* The resolution a refusal suggests is one that fits: the 1/resolution² estimate left out the
 * padding and the cells' rounding up, so China at 2000 m within 10 MB suggested 5213 m, which
 * was refused in turn (5231 m ran). Over sizes and allowances: the suggestion passes. */
Test(grid, the_resolution_suggested_fits)
{
    isr_ctx *ctx = isr_ctx_new();
    static const double sizes[][2] = {{5.2e6, 3.7e6}, {1e5, 2e5}, {7.3e5, 9.1e5}};
    static const double max_mb[] = {10, 3, 50};
    for (int i = 0; i < 3; i++) {
        isr_grid g;
        cr_assert_eq(isr_grid_init(ctx, &g, 0, 0, sizes[i][0], sizes[i][1], 100, "", 13,
                                   max_mb[i]),
                     ISR_ERR_MEMORY);
        const char *m = strstr(isr_ctx_errmsg(ctx), "use --resolution ");
        cr_assert_not_null(m, "%s", isr_ctx_errmsg(ctx));
        double fit = atof(m + strlen("use --resolution "));
        isr_grid_clear(&g);
        cr_assert_eq(isr_grid_init(ctx, &g, 0, 0, sizes[i][0], sizes[i][1], fit, "", 13,
                                   max_mb[i]),
                     ISR_OK, "%g m suggested, then refused: %s", fit, isr_ctx_errmsg(ctx));
        isr_grid_clear(&g);
    }
    isr_ctx_free(ctx);
}
