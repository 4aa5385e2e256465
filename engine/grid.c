/*
 * grid.c — the analysis raster: extent, resolution, cell addressing and the memory check.
 *
 * A grid is square cells of cell_m in the analysis CRS, its edges snapped to multiples of
 * cell_m so that every run at one resolution shares cell edges (outputs of different runs
 * overlay exactly). Engine arrays carry ISR_PAD barrier cells around it (see internal.h).
 * Before anything is allocated the working memory is estimated, as GRASS r.cost does, and a
 * grid that would not fit in --max-memory, or in the machine's physical memory (where an
 * allowance above it would end in the kernel's OOM killer, not in a message), is refused
 * with the figure and the resolution that would fit.
 */
#define _DEFAULT_SOURCE /* madvise, MADV_POPULATE_WRITE (Linux 5.14) */
#include "internal.h"

#include <gdal_alg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Whether a grid of nx x ny cells of cell_m metres at bytes_per_cell fits --max-memory and
 * the machine; `why` (may be "") follows the figure in the message. */
static isr_status memory_fits(isr_ctx *ctx, double cell_m, double nx, double ny,
                              double bytes_per_cell, double max_mb, const char *why)
{
    double cells = (nx + 2 * ISR_PAD) * (ny + 2 * ISR_PAD);
    double mb = cells * bytes_per_cell / (1024.0 * 1024.0);
    /* Memory scales with 1/resolution²: the finest resolution that fits the allowance. A
     * 32-bit cell index (the kernel's touched list) caps a grid at 4e9 cells. */
    double fit_mb = max_mb;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double phys_mb = pages > 0 && page > 0 ? (double)pages * (double)page / 1048576.0 : 0;
    if (phys_mb > 0 && phys_mb < fit_mb)
        fit_mb = phys_mb;
    double fit_m = ceil(cell_m * fmax(fmax(sqrt(mb / fit_mb), sqrt(cells / 4.0e9)),
                                      fmax(nx, ny) / 1e6));
    /* the padding and the cells' rounding up do not scale: coarser until the grid that
     * resolution makes (a cell more a side) fits, or the resolution suggested was refused */
    for (int i = 0; i < 10000; i++) {
        double rx = ceil(nx * cell_m / fit_m) + 1 + 2 * ISR_PAD;
        double ry = ceil(ny * cell_m / fit_m) + 1 + 2 * ISR_PAD;
        if (rx * ry * bytes_per_cell / (1024.0 * 1024.0) <= fit_mb && rx * ry <= 4.0e9)
            break;
        fit_m += ceil(fit_m / 1000);
    }
    if (mb > max_mb)
        return isr_fail(ctx, ISR_ERR_MEMORY,
                        "a %g m grid over the region is %.0f x %.0f cells and would need about "
                        "%.0f MB of memory%s, more than the %.0f MB allowed: use --resolution "
                        "%.0f or coarser, or raise --max-memory",
                        cell_m, nx, ny, mb, why, max_mb, fit_m);
    if (mb > fit_mb) /* allowed, but the machine does not have it: refuse before allocating */
        return isr_fail(ctx, ISR_ERR_MEMORY,
                        "a %g m grid over the region is %.0f x %.0f cells and would need about "
                        "%.0f MB of memory%s, more than the %.0f MB this machine has: use "
                        "--resolution %.0f or coarser",
                        cell_m, nx, ny, mb, why, phys_mb, fit_m);
    if (nx > 1e6 || ny > 1e6 || cells > 4.0e9)
        return isr_fail(ctx, ISR_ERR_MEMORY,
                        "a %g m grid over the region is %.0f x %.0f cells, more than the 1000000 "
                        "cells a side and 4e9 cells in all that isoreach handles: use "
                        "--resolution %.0f or coarser",
                        cell_m, nx, ny, fit_m);
    return ISR_OK;
}

isr_status isr_grid_memory_check(isr_ctx *ctx, const isr_grid *g, double bytes_per_cell,
                                 double max_mb, const char *why)
{
    return memory_fits(ctx, g->cell_m, g->nx, g->ny, bytes_per_cell, max_mb, why);
}

isr_status isr_grid_init(isr_ctx *ctx, isr_grid *g, double xmin, double ymin, double xmax,
                         double ymax, double cell_m, const char *wkt, double bytes_per_cell,
                         double max_mb)
{
    memset(g, 0, sizeof *g);
    if (!(cell_m > 0) || !isfinite(cell_m))
        return isr_fail(ctx, ISR_ERR_USAGE, "--resolution must be a positive number of metres");
    if (!(xmax > xmin) || !(ymax > ymin))
        return isr_fail(ctx, ISR_ERR_INPUT, "the region has an empty extent");
    double x0 = floor(xmin / cell_m) * cell_m, x1 = ceil(xmax / cell_m) * cell_m;
    double y0 = floor(ymin / cell_m) * cell_m, y1 = ceil(ymax / cell_m) * cell_m;
    double nx = round((x1 - x0) / cell_m), ny = round((y1 - y0) / cell_m);
    isr_status st = memory_fits(ctx, cell_m, nx, ny, bytes_per_cell, max_mb, "");
    if (st != ISR_OK)
        return st;
    g->x0 = x0;
    g->y0 = y1;
    g->cell_m = cell_m;
    g->nx = (int)nx;
    g->ny = (int)ny;
    g->wkt = strdup(wkt ? wkt : "");
    if (!g->wkt)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    return ISR_OK;
}

void isr_grid_clear(isr_grid *g)
{
    free(g->wkt);
    g->wkt = NULL;
}

int isr_grid_cell_of(const isr_grid *g, double x, double y, int *col, int *row)
{
    double c = floor((x - g->x0) / g->cell_m), r = floor((g->y0 - y) / g->cell_m);
    if (c < 0 || r < 0 || c >= g->nx || r >= g->ny)
        return 0;
    *col = (int)c;
    *row = (int)r;
    return 1;
}

void isr_grid_cell_centre(const isr_grid *g, int col, int row, double xy[2])
{
    xy[0] = g->x0 + (col + 0.5) * g->cell_m;
    xy[1] = g->y0 - (row + 0.5) * g->cell_m;
}

void isr_grid_geotransform(const isr_grid *g, double gt[6])
{
    gt[0] = g->x0;
    gt[1] = g->cell_m;
    gt[2] = 0;
    gt[3] = g->y0;
    gt[4] = 0;
    gt[5] = -g->cell_m;
}

void isr_grid_window_geotransform(const isr_grid *g, int col0, int row0, double gt[6])
{
    isr_grid_geotransform(g, gt);
    gt[0] += col0 * g->cell_m;
    gt[3] -= row0 * g->cell_m;
}

isr_status isr_grid_strips(isr_ctx *ctx, const isr_grid *g, const OGRGeometryH *in, int n,
                           OGRGeometryH **out, int **orig, int *nout)
{
    isr_geos gc;
    isr_geos_init(&gc);
    isr_status st = ISR_OK;
    int cap = 0;
    *out = NULL;
    *orig = NULL;
    *nout = 0;
    double strip = ISR_GRID_STRIP * g->cell_m;
    for (int i = 0; i < n && st == ISR_OK; i++) {
        OGREnvelope e;
        OGR_G_GetEnvelope(in[i], &e);
        int k0 = (int)floor((g->y0 - e.MaxY) / strip), k1 = (int)floor((g->y0 - e.MinY) / strip);
        GEOSGeometry *gg = k1 > k0 ? isr_geos_from_ogr(&gc, in[i]) : NULL;
        for (int k = k0; k <= k1 && st == ISR_OK; k++) {
            OGRGeometryH part = NULL;
            if (!gg) { /* one strip (or GEOS refused it: burnt whole, as it is) */
                part = OGR_G_Clone(in[i]);
                k = k1;
            } else {
                GEOSGeometry *c = GEOSClipByRect_r(gc.h, gg, e.MinX - 1, g->y0 - (k + 1) * strip,
                                                   e.MaxX + 1, g->y0 - k * strip);
                int empty = c && GEOSisEmpty_r(gc.h, c) == 1;
                if (c && !empty)
                    part = isr_ogr_from_geos(&gc, c);
                GEOSGeom_destroy_r(gc.h, c);
                if (empty)
                    continue;
                if (!part) { /* GEOS failed on this strip: burn the polygon whole instead
                              * (strips already added burn the same cells again, harmless) */
                    part = OGR_G_Clone(in[i]);
                    k = k1;
                }
            }
            if (*nout == cap) {
                int nc = cap ? 2 * cap : 64;
                OGRGeometryH *p = realloc(*out, (size_t)nc * sizeof *p);
                int *q = p ? realloc(*orig, (size_t)nc * sizeof *q) : NULL;
                if (p)
                    *out = p;
                if (q)
                    *orig = q;
                if (!p || !q) {
                    OGR_G_DestroyGeometry(part);
                    st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory cutting polygons into strips");
                    break;
                }
                cap = nc;
            }
            (*out)[*nout] = part;
            (*orig)[(*nout)++] = i;
        }
        if (gg)
            GEOSGeom_destroy_r(gc.h, gg);
    }
    isr_geos_finish(&gc);
    if (st != ISR_OK) {
        isr_grid_strips_free(*out, *nout);
        free(*orig);
        *out = NULL;
        *orig = NULL;
        *nout = 0;
    }
    return st;
}

void isr_grid_strips_free(OGRGeometryH *parts, int n)
{
    for (int i = 0; i < n; i++)
        OGR_G_DestroyGeometry(parts[i]);
    free(parts);
}

/* GDAL rasterizes a raster-optimised burn in chunks of rows read, burnt and written back;
 * unless told, a chunk is as large as its block cache (5 % of memory: 1.2 GB on a 24 GB
 * machine, and so 1.14 GB more for the zone raster of a national run) */
#define ISR_RASTERIZE_CHUNK_BYTES (64.0 * 1024 * 1024)

/* The whole pages within [p, p + bytes): [*a, *e), empty (*e <= *a) when there are none.
 * The page size, or 0 when it is not known. */
static size_t whole_pages(const void *p, size_t bytes, uintptr_t *a, uintptr_t *e)
{
    long page = sysconf(_SC_PAGESIZE);
    if (!p || page <= 0) {
        *a = *e = 0;
        return 0;
    }
    size_t pg = (size_t)page;
    *a = ((uintptr_t)p + pg - 1) & ~(uintptr_t)(pg - 1);
    *e = ((uintptr_t)p + bytes) & ~(uintptr_t)(pg - 1);
    return pg;
}

void isr_pages_dropped(void *p, size_t bytes)
{
    uintptr_t a, e;
    if (whole_pages(p, bytes, &a, &e) && e > a)
        madvise((void *)a, e - a, MADV_DONTNEED);
}

void isr_pages_written(void *p, size_t bytes)
{
    uintptr_t a, e;
    size_t pg = bytes < ((size_t)1 << 20) ? 0 : whole_pages(p, bytes, &a, &e);
    if (!pg)
        return;
#ifdef MADV_POPULATE_WRITE
    if (e > a && madvise((void *)a, e - a, MADV_POPULATE_WRITE) == 0)
        return;
#endif
    for (volatile char *c = (volatile char *)a; (uintptr_t)c < e; c += pg)
        *c = 0; /* an older kernel: a write per page does the same */
}

void *isr_grid_calloc_written(size_t n, size_t size)
{
    void *p = calloc(n, size);
    isr_pages_written(p, n * size);
    return p;
}

CPLErr isr_grid_rasterize(GDALDatasetH ds, int n, const OGRGeometryH *geoms, const double *burn,
                          const char *const *opts)
{
    GDALRasterBandH band = GDALGetRasterBand(ds, 1);
    double row_bytes = (double)GDALGetRasterXSize(ds) *
                       GDALGetDataTypeSizeBytes(band ? GDALGetRasterDataType(band) : GDT_Byte);
    double rows = floor(ISR_RASTERIZE_CHUNK_BYTES / fmax(row_bytes, 1.0));
    rows = fmin(fmax(rows, 1.0), fmax(GDALGetRasterYSize(ds), 1));
    char chunk[40];
    isr_snprintf(chunk, sizeof chunk, "CHUNKYSIZE=%.0f", rows);
    char *all[16]; /* CSLConstList is char ** in C */
    int k = 0;
    for (int i = 0; opts && opts[i] && k < 14; i++)
        all[k++] = (char *)opts[i];
    all[k++] = chunk;
    all[k] = NULL;
    int bandno = 1;
    return GDALRasterizeGeometries(ds, 1, &bandno, n, geoms, NULL, NULL, burn, all, NULL, NULL);
}
