/*
 * acc.h — the region accumulators of a pass in tiles (acc.c): private to batch.c, region.c
 * and products.c.
 */
#ifndef ISR_ACC_H
#define ISR_ACC_H

#include "internal.h"

#include <gdal.h>
#include <stdint.h>

#define ISR_HUB_NODATA (-1)
#define ISR_COUNT_NODATA 65535
#define ISR_ACC_TILE 64    /* cells across a tile */
#define ISR_ACC_WINDOW 256 /* the region rasters' window: in whole blocks of this many cells */

/* One tile: time to the nearest hub (minutes, +INF: none), that hub (ISR_HUB_NODATA: none)
 * and the hubs reaching each cell, row by row, ISR_ACC_TILE cells a row (the region's last
 * tiles run past its edge: those cells are never read). */
typedef struct isr_acc_tile {
    float t[ISR_ACC_TILE * ISR_ACC_TILE];
    int16_t hub[ISR_ACC_TILE * ISR_ACC_TILE];
    uint16_t count[ISR_ACC_TILE * ISR_ACC_TILE];
} isr_acc_tile;

typedef struct isr_acc {
    int nx, ny;           /* the grid's cells */
    int tx, ty;           /* its tiles across and down */
    isr_acc_tile **tiles; /* tx·ty, row by row; NULL: no hub reached a cell of it */
    int win[4];           /* after isr_acc_finish: the tiles [win0, win2) x [win1, win3) */
    uint16_t **land;      /* after isr_acc_finish: per tile without accumulators, the counts
                             of hubs_within.tif (0 on land, nodata beyond) or NULL: no land;
                             `zero` for a tile that is land throughout */
    uint16_t *zero;       /* the tile of zeros those share (never written), or NULL */
} isr_acc;

isr_status isr_acc_init(isr_ctx *ctx, isr_acc *a, int nx, int ny);
void isr_acc_clear(isr_acc *a);
/* The tile (tc, tr), made when missing (+INF, no hub, 0); NULL when out of memory. Not
 * thread-safe: the batch holds its merge lock. */
isr_acc_tile *isr_acc_tile_make(isr_acc *a, int tc, int tr);
static inline isr_acc_tile *isr_acc_tile_at(const isr_acc *a, int tc, int tr)
{
    return a->tiles[(size_t)tr * (size_t)a->tx + (size_t)tc];
}
/* The times of band b (minutes, nodata not >= 0), whose first cell is (oc, orow) of the grid,
 * into tiles made where it has any; `path` names it in messages. */
isr_status isr_acc_read_times(isr_ctx *ctx, isr_acc *a, GDALRasterBandH b, int oc, int orow,
                              const char *path);
/* Once every hub has merged: the window set (the bounding box of the tiles made), and
 * within it times of none set to ISR_TIME_NODATA, counts set to nodata beyond the region
 * (+INF friction of `fric`, padded grid g) and the land counts made. */
isr_status isr_acc_finish(isr_ctx *ctx, isr_acc *a, const isr_grid *g, isr_fric fric,
                          int threads);
/* A VRT of the window of grid g (after isr_acc_finish) over band `which` of the tiles (0
 * time, 1 hub, 2 count), `nodata` where there is no tile, the whole grid in its metadata;
 * *srcs (*nsrc datasets) are its sources, freed with isr_acc_vrt_free after the VRT is
 * closed. NULL when GDAL fails. */
GDALDatasetH isr_acc_vrt(isr_acc *a, int which, double nodata, const isr_grid *g,
                         GDALDatasetH **srcs, int *nsrc);
void isr_acc_vrt_free(GDALDatasetH *srcs, int nsrc);

#endif
