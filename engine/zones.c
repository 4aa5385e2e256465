/*
 * zones.c — admin units on the grid: the zone raster, people per cell and the hierarchy.
 *
 * Every cell belongs to the unit its centre lies in (GDAL rasterize), or to none (-1): the
 * same rule as the friction mask, so travel and statistics agree on what is inside. People
 * are spread evenly over a unit's cells, or taken from a population raster summed onto the
 * grid. A unit smaller than a cell (an islet, a sliver district) would hold no cell centre
 * and lose its people; it gets the cell at its interior point if that cell is unclaimed,
 * else its people go to the unit that holds that cell ("hosted"). Either way the sum over
 * cells equals the sum over units. Groups (counties, prefectures, provinces) are numbered
 * in code order, so outputs list them in a stable order.
 * Owns: the zone and population arrays (12 bytes per cell) and the group tables.
 */
#include "internal.h"

#include <gdal_alg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Above this share of the units' area misplaced on the grid, the resolution is warned about. */
#define ISR_GRID_MAX_AREA_ERROR 0.25

typedef struct sort_key {
    const char *code;
    int unit;
} sort_key;

static int cmp_key(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->unit > y->unit) - (x->unit < y->unit);
}

static isr_status build_groups(isr_ctx *ctx, const isr_units *u, isr_zones *z)
{
    sort_key *keys = malloc((size_t)(u->n > 0 ? u->n : 1) * sizeof *keys);
    if (!keys)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int k = 0; k < ISR_NLEVELS; k++) {
        z->group[k] = malloc((size_t)(u->n > 0 ? u->n : 1) * sizeof(int));
        z->first[k] = malloc((size_t)(u->n > 0 ? u->n : 1) * sizeof(int));
        if (!z->group[k] || !z->first[k]) {
            free(keys);
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        }
        for (int i = 0; i < u->n; i++)
            keys[i] = (sort_key){u->attr[i].code[k], i};
        qsort(keys, (size_t)u->n, sizeof *keys, cmp_key);
        int ng = 0;
        for (int i = 0; i < u->n; i++) {
            if (i == 0 || strcmp(keys[i].code, keys[i - 1].code) != 0)
                z->first[k][ng++] = keys[i].unit;
            z->group[k][keys[i].unit] = ng - 1;
        }
        z->ngroups[k] = ng;
        z->cells[k] = calloc((size_t)(ng > 0 ? ng : 1), sizeof(size_t));
        z->gpop[k] = calloc((size_t)(ng > 0 ? ng : 1), sizeof(double));
        z->gunknown[k] = calloc((size_t)(ng > 0 ? ng : 1), sizeof(int));
        if (!z->cells[k] || !z->gpop[k] || !z->gunknown[k]) {
            free(keys);
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        }
    }
    free(keys);
    return ISR_OK;
}

isr_status isr_zones_build(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                           const char *population, isr_zones *z)
{
    memset(z, 0, sizeof *z);
    z->nunits = u->n;
    const size_t n = (size_t)g->nx * (size_t)g->ny;
    isr_status st = ISR_OK;
    double *burn = NULL;
    size_t *ucells = NULL;
    float *praster = NULL;
    GDALDatasetH ds = isr_grid_mem(g, GDT_Int32);
    z->zone = malloc(n * sizeof *z->zone);
    z->pop = calloc(n, sizeof *z->pop);
    burn = malloc((size_t)(u->n > 0 ? u->n : 1) * sizeof *burn);
    ucells = calloc((size_t)(u->n > 0 ? u->n : 1), sizeof *ucells);
    if (!ds || !z->zone || !z->pop || !burn || !ucells) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the %d x %d zone raster", g->nx,
                      g->ny);
        goto cleanup;
    }
    GDALRasterBandH band = GDALGetRasterBand(ds, 1);
    GDALFillRaster(band, -1, 0);
    for (int i = 0; i < u->n; i++)
        burn[i] = i;
    int bandno = 1;
    if (GDALRasterizeGeometries(ds, 1, &bandno, u->n, u->geom, NULL, NULL, burn, NULL, NULL,
                                NULL) != CE_None ||
        GDALRasterIO(band, GF_Read, 0, 0, g->nx, g->ny, z->zone, g->nx, g->ny, GDT_Int32, 0,
                     0) != CE_None) {
        st = isr_fail_gdal(ctx, ISR_ERR_INTERNAL, "cannot rasterize the boundaries");
        goto cleanup;
    }
    for (size_t c = 0; c < n; c++)
        if (z->zone[c] >= 0)
            ucells[z->zone[c]]++;
    /* units without a cell centre: claim the cell at their interior point, or be hosted */
    int *host = malloc((size_t)(u->n > 0 ? u->n : 1) * sizeof *host);
    if (!host) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < u->n; i++) {
        host[i] = -1;
        if (ucells[i])
            continue;
        OGRGeometryH p = OGR_G_PointOnSurface(u->geom[i]);
        int col, row;
        if (p && isr_grid_cell_of(g, OGR_G_GetX(p, 0), OGR_G_GetY(p, 0), &col, &row)) {
            size_t c = (size_t)row * (size_t)g->nx + (size_t)col;
            if (z->zone[c] < 0) {
                z->zone[c] = i;
                ucells[i] = 1;
            } else {
                host[i] = (int)c;
                z->hosted++;
            }
        }
        OGR_G_DestroyGeometry(p);
    }
    /* a grid too coarse for the units: their areas (and so people) on it are not theirs */
    {
        double drawn = 0, off = 0, worst = 0, wgrid = 0, wpoly = 0;
        int wi = -1;
        for (int i = 0; i < u->n; i++) {
            double a = OGR_G_Area(u->geom[i]), c = (double)ucells[i] * g->cell_m * g->cell_m;
            drawn += a;
            off += fabs(c - a);
            if (fabs(c - a) > worst) {
                worst = fabs(c - a);
                wi = i;
                wgrid = c;
                wpoly = a;
            }
        }
        if (wi >= 0 && drawn > 0 && off > ISR_GRID_MAX_AREA_ERROR * drawn)
            isr_log(ctx, ISR_LOG_WARN,
                    "--resolution %g m is too coarse for the boundaries: the units' areas on the "
                    "grid differ from their polygons' by %.0f %% in all (most: '%s', %.1f km² on "
                    "the grid for %.1f km² drawn), and their people with them; use a finer "
                    "--resolution",
                    g->cell_m, 100.0 * off / drawn, u->attr[wi].code[0], wgrid / 1e6,
                    wpoly / 1e6);
    }
    if (population) {
        st = isr_raster_warp(ctx, g, population, "population raster", "sum", z->zone, 0,
                             &praster, &z->pop_uncovered);
        if (st != ISR_OK) {
            free(host);
            goto cleanup;
        }
        double outside = 0;
        for (size_t c = 0; c < n; c++) {
            double v = isnan(praster[c]) || praster[c] < 0 ? 0.0 : praster[c];
            if (z->zone[c] >= 0)
                z->pop[c] = v;
            else
                outside += v;
        }
        isr_raster_coverage_warn(ctx, g, z->zone, "population raster", population,
                                 z->pop_uncovered, "are counted with no people");
        if (outside > 0)
            isr_log(ctx, ISR_LOG_INFO,
                    "population raster '%s': %.0f people lie outside every boundary unit and "
                    "are not counted",
                    population, outside);
    } else if (u->has_pop) {
        for (size_t c = 0; c < n; c++)
            if (z->zone[c] >= 0 && !isnan(u->attr[z->zone[c]].pop))
                z->pop[c] = u->attr[z->zone[c]].pop / (double)ucells[z->zone[c]];
        for (int i = 0; i < u->n; i++)
            if (host[i] >= 0 && !isnan(u->attr[i].pop))
                z->pop[host[i]] += u->attr[i].pop;
    }
    if (z->hosted) {
        isr_sb b = {0};
        for (int i = 0, k = 0; i < u->n && k < 10; i++)
            if (host[i] >= 0)
                isr_sb_printf(&b, "%s%s", k++ ? ", " : "", u->attr[i].code[0]);
        char *list = isr_sb_take(&b);
        isr_log(ctx, ISR_LOG_INFO,
                "%d unit%s no cell of %s own at %g m (smaller than a cell, or covered by "
                "another unit): %s%s; %s people are counted in the cell holding %s interior "
                "point, under the unit of that cell",
                z->hosted, z->hosted > 1 ? "s have" : " has", z->hosted > 1 ? "their" : "its",
                g->cell_m, list ? list : "", z->hosted > 10 ? ", …" : "",
                z->hosted > 1 ? "their" : "its", z->hosted > 1 ? "their" : "its");
        free(list);
    }
    free(host);
    if ((st = build_groups(ctx, u, z)) != ISR_OK)
        goto cleanup;
    /* a population raster knows every cell; the field may leave units unknown */
    for (int i = 0; !population && u->has_pop && i < u->n; i++)
        if (isnan(u->attr[i].pop))
            for (int k = 0; k < ISR_NLEVELS; k++)
                z->gunknown[k][z->group[k][i]]++;
    /* tallied by county, then summed up the hierarchy in whole people, as reach.c does, so
     * that every level and every table adds up to the same total */
    for (size_t c = 0; c < n; c++) {
        if (z->zone[c] < 0)
            continue;
        int gi = z->group[ISR_COUNTY][z->zone[c]];
        z->cells[ISR_COUNTY][gi]++;
        z->gpop[ISR_COUNTY][gi] += z->pop[c];
    }
    for (int gi = 0; gi < z->ngroups[ISR_COUNTY]; gi++) {
        z->gpop[ISR_COUNTY][gi] = round(z->gpop[ISR_COUNTY][gi]);
        int u0 = z->first[ISR_COUNTY][gi];
        for (int k = 1; k < ISR_NLEVELS; k++) {
            int gk = z->group[k][u0];
            z->cells[k][gk] += z->cells[ISR_COUNTY][gi];
            z->gpop[k][gk] += z->gpop[ISR_COUNTY][gi];
        }
    }
cleanup:
    if (ds)
        GDALClose(ds);
    free(burn);
    free(ucells);
    free(praster);
    if (st != ISR_OK)
        isr_zones_clear(z);
    return st;
}

void isr_zones_clear(isr_zones *z)
{
    free(z->zone);
    free(z->pop);
    for (int k = 0; k < ISR_NLEVELS; k++) {
        free(z->group[k]);
        free(z->first[k]);
        free(z->cells[k]);
        free(z->gpop[k]);
        free(z->gunknown[k]);
    }
    memset(z, 0, sizeof *z);
}

int isr_zones_unit_at(const isr_zones *z, const isr_grid *g, double x, double y)
{
    int c, r;
    if (!isr_grid_cell_of(g, x, y, &c, &r))
        return -1;
    return z->zone[(size_t)r * (size_t)g->nx + (size_t)c];
}
