/*
 * acc.c — the region accumulators of a pass (time to the nearest hub, which hub, how many
 * hubs reach) kept in tiles of ISR_ACC_TILE² cells, made when a hub first reaches a cell of
 * theirs. A pass over one hub holds its window's tiles, not the region's: at 100 m the
 * sample's region is 68 M cells (548 MB of accumulators), one hub's window a tenth of that.
 *
 * The region rasters are written from the tiles without assembling them: a VRT whose
 * sources are the tiles (MEM datasets over their arrays) is what the COG writer copies, and
 * a cell of no tile reads as the raster's nodata. They cover the window of the tiles made
 * (the bounding box of what the pass's hubs reach, in whole tiles), not the whole grid: one
 * hub's region rasters are its window's size; the whole grid is in their metadata
 * (ISOREACH_REGION_GRID, read by isr_grid_from_raster). hubs_within.tif is 0, not nodata, on
 * the window's land that no hub reaches: tiles of such land get a count array of zeros.
 */
#include "acc.h"

#include <gdal_vrt.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TT ((size_t)ISR_ACC_TILE * ISR_ACC_TILE)

isr_status isr_acc_init(isr_ctx *ctx, isr_acc *a, int nx, int ny)
{
    memset(a, 0, sizeof *a);
    a->nx = nx;
    a->ny = ny;
    a->tx = (nx + ISR_ACC_TILE - 1) / ISR_ACC_TILE;
    a->ty = (ny + ISR_ACC_TILE - 1) / ISR_ACC_TILE;
    a->tiles = calloc((size_t)a->tx * (size_t)a->ty, sizeof *a->tiles);
    if (!a->tiles)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the region products");
    return ISR_OK;
}

void isr_acc_clear(isr_acc *a)
{
    for (size_t i = 0; a->tiles && i < (size_t)a->tx * (size_t)a->ty; i++) {
        free(a->tiles[i]);
        if (a->land && a->land[i] != a->zero)
            free(a->land[i]);
    }
    free(a->tiles);
    free(a->land);
    free(a->zero);
    memset(a, 0, sizeof *a);
}

isr_acc_tile *isr_acc_tile_make(isr_acc *a, int tc, int tr)
{
    isr_acc_tile **slot = &a->tiles[(size_t)tr * (size_t)a->tx + (size_t)tc];
    if (*slot)
        return *slot;
    isr_acc_tile *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    for (size_t i = 0; i < TT; i++) {
        t->t[i] = INFINITY;
        t->hub[i] = ISR_HUB_NODATA;
    }
    memset(t->count, 0, sizeof t->count);
    return *slot = t;
}

/* a->win: the bounding box of the tiles made (one tile at 0, 0 when none). */
static void acc_window(isr_acc *a)
{
    int t0 = a->tx, t1 = -1, u0 = a->ty, u1 = -1;
    for (int tr = 0; tr < a->ty; tr++)
        for (int tc = 0; tc < a->tx; tc++)
            if (isr_acc_tile_at(a, tc, tr)) {
                t0 = tc < t0 ? tc : t0;
                t1 = tc > t1 ? tc : t1;
                u0 = tr < u0 ? tr : u0;
                u1 = tr > u1 ? tr : u1;
            }
    if (t1 < 0) { /* no hub reached a cell: one tile, all nodata */
        t0 = t1 = u0 = u1 = 0;
    }
    const int q = ISR_ACC_WINDOW / ISR_ACC_TILE; /* rounded out to whole blocks */
    a->win[0] = t0 / q * q;
    a->win[1] = u0 / q * q;
    a->win[2] = (t1 + q) / q * q < a->tx ? (t1 + q) / q * q : a->tx;
    a->win[3] = (u1 + q) / q * q < a->ty ? (u1 + q) / q * q : a->ty;
}

/* The window's cells (c0, r0, w, h), clipped to the grid. */
static void window_cells(const isr_acc *a, int *c0, int *r0, int *w, int *h)
{
    *c0 = a->win[0] * ISR_ACC_TILE;
    *r0 = a->win[1] * ISR_ACC_TILE;
    int c1 = a->win[2] * ISR_ACC_TILE, r1 = a->win[3] * ISR_ACC_TILE;
    *w = (c1 < a->nx ? c1 : a->nx) - *c0;
    *h = (r1 < a->ny ? r1 : a->ny) - *r0;
}

isr_status isr_acc_read_times(isr_ctx *ctx, isr_acc *a, GDALRasterBandH b, int oc, int orow,
                              const char *path)
{
    int rw = GDALGetRasterBandXSize(b), rh = GDALGetRasterBandYSize(b);
    float *buf = malloc(TT * sizeof *buf);
    isr_status st = buf ? ISR_OK : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int tr = 0; tr < a->ty && st == ISR_OK; tr++)
        for (int tc = 0; tc < a->tx && st == ISR_OK; tc++) {
            /* the tile's cells that the raster covers: [c0, c1) x [r0, r1) of the grid */
            int c0 = tc * ISR_ACC_TILE, r0 = tr * ISR_ACC_TILE;
            int c1 = c0 + ISR_ACC_TILE, r1 = r0 + ISR_ACC_TILE;
            c0 = c0 > oc ? c0 : oc;
            r0 = r0 > orow ? r0 : orow;
            c1 = c1 < oc + rw ? c1 : oc + rw;
            r1 = r1 < orow + rh ? r1 : orow + rh;
            c1 = c1 < a->nx ? c1 : a->nx;
            r1 = r1 < a->ny ? r1 : a->ny;
            if (c1 <= c0 || r1 <= r0)
                continue;
            int w = c1 - c0, h = r1 - r0;
            if (GDALRasterIO(b, GF_Read, c0 - oc, r0 - orow, w, h, buf, w, h, GDT_Float32, 0,
                             ISR_ACC_TILE * (int)sizeof *buf) != CE_None) {
                st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "'%s': cannot read", path);
                break;
            }
            isr_acc_tile *t = NULL;
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++) {
                    float v = buf[(size_t)r * ISR_ACC_TILE + (size_t)c];
                    if (!(v >= 0 && v < INFINITY))
                        continue; /* nodata */
                    if (!t && !(t = isr_acc_tile_make(a, tc, tr))) {
                        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading '%s'", path);
                        r = h;
                        break;
                    }
                    t->t[(size_t)(r0 % ISR_ACC_TILE + r) * ISR_ACC_TILE +
                         (size_t)(c0 % ISR_ACC_TILE + c)] = v;
                }
        }
    free(buf);
    return st;
}

/* ---- writing a raster from the tiles ------------------------------------------------------- */

/* Whether cell (c, r) of tile (tc, tr) is in the region: on the grid, not a barrier. */
static int tile_inside(const isr_grid *g, isr_fric fric, int tc, int tr, int c, int r)
{
    int gc = tc * ISR_ACC_TILE + c, gr = tr * ISR_ACC_TILE + r;
    return gc < g->nx && gr < g->ny && !isinf(isr_fric_at(fric, isr_grid_pidx(g, gc, gr)));
}

/* The land tile of a tile without accumulators whose cells on the grid are all in the
 * region (those past the grid's edge are never read): the shared tile of zeros (a->zero,
 * made once), or NULL when some cell is not (or out of memory: *oom set). */
static uint16_t *land_all_zero(isr_acc *a, const isr_grid *g, isr_fric fric, int tc, int tr,
                               int *oom)
{
    int w = g->nx - tc * ISR_ACC_TILE, h = g->ny - tr * ISR_ACC_TILE;
    w = w < ISR_ACC_TILE ? w : ISR_ACC_TILE;
    h = h < ISR_ACC_TILE ? h : ISR_ACC_TILE;
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++)
            if (!tile_inside(g, fric, tc, tr, c, r))
                return NULL;
    if (!a->zero && !(a->zero = calloc(TT, sizeof *a->zero)))
        *oom = 1;
    return a->zero;
}

/* isr_acc_finish's work on one row of tiles (see below): 0, or -1 when out of memory. */
static int finish_row(isr_acc *a, const isr_grid *g, isr_fric fric, int tr)
{
    for (int tc = a->win[0]; tc < a->win[2]; tc++) {
        size_t i = (size_t)tr * (size_t)a->tx + (size_t)tc;
        isr_acc_tile *t = a->tiles[i];
        int oom = 0;
        /* land no hub reaches, all of the tile: the one tile of zeros, shared */
        if (!t && !a->land[i] && (a->land[i] = land_all_zero(a, g, fric, tc, tr, &oom)))
            continue;
        if (oom)
            return -1;
        if (!t && a->land[i] && a->land[i] == a->zero)
            continue; /* made so by an earlier call */
        uint16_t *cnt = t ? t->count : a->land[i]; /* the latter: from an earlier call */
        for (int r = 0; r < ISR_ACC_TILE; r++)
            for (int c = 0; c < ISR_ACC_TILE; c++) {
                size_t k = (size_t)r * ISR_ACC_TILE + (size_t)c;
                int inside = tile_inside(g, fric, tc, tr, c, r);
                if (t && isinf(t->t[k]))
                    t->t[k] = (float)ISR_TIME_NODATA;
                if (!cnt && inside) { /* land no hub reaches: 0, beside nodata */
                    if (!(cnt = a->land[i] = malloc(TT * sizeof *cnt)))
                        return -1;
                    for (size_t j = 0; j < TT; j++)
                        cnt[j] = ISR_COUNT_NODATA;
                }
                if (cnt && !inside && !cnt[k])
                    cnt[k] = ISR_COUNT_NODATA;
                else if (cnt && inside && cnt == a->land[i])
                    cnt[k] = 0;
            }
    }
    return 0;
}

typedef struct finish_job {
    isr_acc *a;
    const isr_grid *g;
    isr_fric fric;
    atomic_int oom;
} finish_job;

static void finish_one(void *user, int k, int worker)
{
    (void)worker;
    finish_job *j = user;
    if (finish_row(j->a, j->g, j->fric, j->a->win[1] + k))
        atomic_store(&j->oom, 1);
}

isr_status isr_acc_finish(isr_ctx *ctx, isr_acc *a, const isr_grid *g, isr_fric fric,
                          int threads)
{
    size_t ntile = (size_t)a->tx * (size_t)a->ty;
    if (!a->land && !(a->land = calloc(ntile, sizeof *a->land)))
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the region products");
    if (!a->zero && !(a->zero = calloc(TT, sizeof *a->zero))) /* before the rows share it */
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the region products");
    acc_window(a);
    /* each row of tiles on its own: a tile is read and written by its row only */
    finish_job j = {.a = a, .g = g, .fric = fric};
    atomic_init(&j.oom, 0);
    if (a->win[3] > a->win[1])
        isr_parallel(threads, a->win[3] - a->win[1], finish_one, &j);
    if (atomic_load(&j.oom))
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the region products");
    return ISR_OK;
}

/* The array of tile i for band `which` (0 time, 1 hub, 2 count; NULL: none), its type. */
static void *tile_band(const isr_acc *a, size_t i, int which, GDALDataType *type)
{
    *type = which == 0 ? GDT_Float32 : which == 1 ? GDT_Int16 : GDT_UInt16;
    isr_acc_tile *t = a->tiles[i];
    if (!t)
        return which == 2 && a->land ? (void *)a->land[i] : NULL;
    return which == 0 ? (void *)t->t : which == 1 ? (void *)t->hub : (void *)t->count;
}

GDALDatasetH isr_acc_vrt(isr_acc *a, int which, double nodata, const isr_grid *g,
                         GDALDatasetH **srcs, int *nsrc)
{
    GDALDriverH memdrv = GDALGetDriverByName("MEM");
    int wc0, wr0, ww, wh;
    window_cells(a, &wc0, &wr0, &ww, &wh);
    VRTDatasetH vrt = VRTCreate(ww, wh);
    GDALDataType type;
    tile_band(a, 0, which, &type);
    *srcs = calloc((size_t)a->tx * (size_t)a->ty, sizeof **srcs);
    *nsrc = 0;
    if (!vrt || !*srcs || !memdrv || GDALAddBand(vrt, type, NULL) != CE_None)
        goto fail;
    double gt[6];
    isr_grid_window_geotransform(g, wc0, wr0, gt);
    GDALSetGeoTransform(vrt, gt);
    GDALSetProjection(vrt, g->wkt);
    char grid[200]; /* the whole grid, which the window is part of (isr_grid_from_raster) */
    isr_snprintf(grid, sizeof grid, "%.17g,%.17g,%.17g,%d,%d", g->x0, g->y0, g->cell_m, g->nx,
                 g->ny);
    GDALSetMetadataItem(vrt, "ISOREACH_REGION_GRID", grid, NULL);
    VRTSourcedRasterBandH vb = (VRTSourcedRasterBandH)GDALGetRasterBand(vrt, 1);
    GDALSetRasterNoDataValue((GDALRasterBandH)vb, nodata);
    for (int tr = a->win[1]; tr < a->win[3]; tr++)
        for (int tc = a->win[0]; tc < a->win[2]; tc++) {
            void *data = tile_band(a, (size_t)tr * (size_t)a->tx + (size_t)tc, which, &type);
            if (!data)
                continue;
            GDALDatasetH m = GDALCreate(memdrv, "", ISR_ACC_TILE, ISR_ACC_TILE, 0, type, NULL);
            if (!m)
                goto fail;
            (*srcs)[(*nsrc)++] = m;
            char ptr[64], *opts[2] = {ptr, NULL};
            snprintf(ptr, sizeof ptr, "DATAPOINTER=%p", data);
            if (GDALAddBand(m, type, opts) != CE_None)
                goto fail;
            int c0 = tc * ISR_ACC_TILE, r0 = tr * ISR_ACC_TILE;
            int w = a->nx - c0 < ISR_ACC_TILE ? a->nx - c0 : ISR_ACC_TILE;
            int h = a->ny - r0 < ISR_ACC_TILE ? a->ny - r0 : ISR_ACC_TILE;
            if (VRTAddSimpleSource(vb, GDALGetRasterBand(m, 1), 0, 0, w, h, c0 - wc0, r0 - wr0,
                                   w, h, "near", VRT_NODATA_UNSET) != CE_None)
                goto fail;
        }
    return vrt;
fail:
    if (vrt)
        GDALClose(vrt);
    isr_acc_vrt_free(*srcs, *nsrc);
    *srcs = NULL;
    *nsrc = 0;
    return NULL;
}

void isr_acc_vrt_free(GDALDatasetH *srcs, int nsrc)
{
    for (int i = 0; i < nsrc; i++)
        GDALClose(srcs[i]);
    free(srcs);
}
