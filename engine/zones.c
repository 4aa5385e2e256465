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
 * in code order, so outputs list them in a stable order. With a water mask (water.c) the
 * cells whose centre is water stay in their unit's area but hold no people: a unit's people
 * are spread over its land cells only, and shares are of land (cells[] counts land cells,
 * area[] every cell). A unit wholly on water keeps its people there and is warned about.
 * Owns: the zone raster (2 bytes a cell below ISR_ZONE16_UNITS units, else 4), the people
 * (8 bytes a cell with a population raster, else a rule per unit), the water mask, group tables.
 */
#include "internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Above this share of the units' area misplaced on the grid, the resolution is warned about. */
#define ISR_GRID_MAX_AREA_ERROR 0.25

static isr_status build_groups(isr_ctx *ctx, const isr_units *u, isr_zones *z)
{
    isr_code_key *keys = malloc((size_t)(u->n > 0 ? u->n : 1) * sizeof *keys);
    if (!keys)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int k = 0; k < ISR_NLEVELS; k++) {
        z->group[k] = malloc((size_t)(u->n > 0 ? u->n : 1) * sizeof(int));
        z->first[k] = calloc((size_t)(u->n > 0 ? u->n : 1), sizeof(int)); /* all written to
                                                                         * the model cache */
        if (!z->group[k] || !z->first[k]) {
            free(keys);
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        }
        int ng = isr_units_group(u, k, keys, z->group[k], z->first[k]);
        z->ngroups[k] = ng;
        z->cells[k] = calloc((size_t)(ng > 0 ? ng : 1), sizeof(size_t));
        z->area[k] = calloc((size_t)(ng > 0 ? ng : 1), sizeof(size_t));
        z->gpop[k] = calloc((size_t)(ng > 0 ? ng : 1), sizeof(double));
        z->gunknown[k] = calloc((size_t)(ng > 0 ? ng : 1), sizeof(int));
        if (!z->cells[k] || !z->area[k] || !z->gpop[k] || !z->gunknown[k]) {
            free(keys);
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        }
    }
    free(keys);
    return ISR_OK;
}

/* Burns each unit into the cells whose centre it holds: its index + 1 into the zero-filled
 * zone16, or its index into zone32 (filled with -1 here), whichever z has (isr_zones). */
static isr_status rasterize_units(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                                  isr_zones *z)
{
    const size_t n = (size_t)g->nx * (size_t)g->ny;
    const int wide = z->zone32 != NULL;
    for (size_t c = 0; wide && c < n; c++)
        z->zone32[c] = -1;
    /* in strips (isr_grid_strips: the same cells, far fewer edge tests); a part burns the
     * index of its unit */
    OGRGeometryH *parts = NULL;
    int *orig = NULL, np = 0;
    isr_status st = isr_grid_strips(ctx, g, u->geom, u->n, &parts, &orig, &np);
    double *pburn = st == ISR_OK ? malloc((size_t)(np > 0 ? np : 1) * sizeof *pburn) : NULL;
    if (st == ISR_OK && !pburn)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory rasterizing the boundaries");
    for (int i = 0; pburn && i < np; i++)
        pburn[i] = wide ? orig[i] : orig[i] + 1;
    GDALDatasetH ds = !pburn ? NULL /* burnt in place */
                      : wide ? isr_grid_mem_wrap(g, GDT_Int32, z->zone32)
                             : isr_grid_mem_wrap(g, GDT_UInt16, z->zone16);
    CPLErr e = ds ? isr_grid_rasterize(ds, np, parts, pburn, NULL) : CE_Failure;
    if (ds)
        GDALClose(ds);
    isr_grid_strips_free(parts, np);
    free(orig);
    free(pburn);
    if (st == ISR_OK && e != CE_None)
        st = isr_fail_gdal(ctx, ISR_ERR_INTERNAL, "cannot rasterize the boundaries");
    return st;
}

/* Cell c to unit i (the raster rasterize_units filled). */
static void zone_set(isr_zones *z, size_t c, int i)
{
    if (z->zone16)
        z->zone16[c] = (uint16_t)(i + 1);
    else
        z->zone32[c] = i;
}

/* The end of the run of cells from c that share c's unit (the zone raster's value): at most
 * n. The loops over every cell go by runs, a unit's counters added once a run, not once a
 * cell (a counter bumped cell after cell waits on its own last store). */
static size_t run_end(const isr_zones *z, size_t c, size_t n)
{
    size_t e = c + 1;
    if (z->zone16) {
        const uint16_t v = z->zone16[c], *zz = z->zone16;
        /* 32 cells at a time while all are v (a test the compiler vectorises), then one by
         * one: a region's rows are long runs of one unit, 3 passes over every cell */
        for (; e + 32 <= n; e += 32) {
            uint16_t x = 0;
            for (int j = 0; j < 32; j++)
                x |= (uint16_t)(zz[e + (size_t)j] ^ v);
            if (x)
                break;
        }
        while (e < n && zz[e] == v)
            e++;
    } else {
        const int32_t v = z->zone32[c];
        while (e < n && z->zone32[e] == v)
            e++;
    }
    return e;
}

/* The water cells among c .. e - 1 (0 without a water mask). */
static size_t run_wet(const isr_zones *z, size_t c, size_t e)
{
    const uint8_t *w = z->water;
    size_t wet = 0;
    for (; w && c < e; c++)
        wet += w[c] != 0;
    return wet;
}

/* The sum of the people of cells c .. e - 1 (one unit's run), added to `sum` cell by cell in
 * their order (the same additions as isr_zones_pop_at cell by cell, so the same total to
 * the last bit); only the water cells when water_only. */
static double run_people(const isr_zones *z, int i, size_t c, size_t e, double sum, int water_only)
{
    const uint8_t *wet = z->water;
    if (z->pop || !z->udens || z->uhost[i]) { /* an array, none, or host cells among them */
        for (; c < e; c++)
            if (!water_only || (wet && wet[c]))
                sum += isr_zones_pop_at(z, c);
        return sum;
    }
    const double land = z->udens[i], water = z->wdens[i];
    if (!wet)
        for (; c < e && !water_only; c++)
            sum += land;
    else
        for (; c < e; c++)
            if (wet[c])
                sum += water;
            else if (!water_only)
                sum += land;
    return sum;
}

/* Units without a cell centre claim the cell at their interior point when it is free, or
 * are hosted by the unit that holds it (host[i] that cell, else -1). */
static void claim_or_host(const isr_grid *g, const isr_units *u, isr_zones *z, size_t *ucells,
                          int *host)
{
    for (int i = 0; i < u->n; i++) {
        host[i] = -1;
        if (ucells[i])
            continue;
        OGRGeometryH p = OGR_G_PointOnSurface(u->geom[i]);
        int col, row;
        if (p && isr_grid_cell_of(g, OGR_G_GetX(p, 0), OGR_G_GetY(p, 0), &col, &row)) {
            size_t c = (size_t)row * (size_t)g->nx + (size_t)col;
            if (isr_zones_unit_at(z, c) < 0) {
                zone_set(z, c, i);
                ucells[i] = 1;
            } else {
                host[i] = (int)c;
                z->hosted++;
            }
        }
        OGR_G_DestroyGeometry(p);
    }
}

/* Units under 1 % of a cell that claimed a whole one (claim_or_host): the tables give them
 * the cell's area, a hundred times theirs or more, which the grid's total hides. */
static void warn_specks(isr_ctx *ctx, const isr_grid *g, const isr_units *u, const size_t *ucells)
{
    const double cell = g->cell_m * g->cell_m;
    isr_sb b = {0};
    int n = 0;
    for (int i = 0; i < u->n; i++) {
        double a = OGR_G_Area(u->geom[i]);
        if (ucells[i] && a < 0.01 * cell && ++n <= 5)
            isr_sb_printf(&b, "%s'%s' (%.4g km² drawn, %.4g km² on the grid)", n > 1 ? ", " : "",
                          u->attr[i].code[0], a / 1e6, (double)ucells[i] * cell / 1e6);
    }
    char *list = isr_sb_take(&b);
    if (n)
        isr_log(ctx, ISR_LOG_WARN,
                "%d unit%s under 1 %% of a cell at %g m but counted as a whole cell: %s%s; the "
                "tables give %s the area of %s cells and spread %s people on them (a finer "
                "--resolution fits %s better; a unit of no area is a drawing error)",
                n, n > 1 ? "s are" : " is", g->cell_m, list ? list : "", n > 5 ? ", …" : "",
                n > 1 ? "them" : "it", n > 1 ? "their" : "its", n > 1 ? "their" : "its",
                n > 1 ? "them" : "it");
    free(list);
}

/* The length of a geometry's rings (of its polygons' boundaries), in metres. */
static double rings_length(OGRGeometryH g)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbLineString || t == wkbLinearRing)
        return OGR_G_Length(g);
    double len = 0;
    for (int k = 0; k < OGR_G_GetGeometryCount(g); k++)
        len += rings_length(OGR_G_GetGeometryRef(g, k));
    return len;
}

/* A grid too coarse for the units: their areas (and so people) on it are not theirs. A unit
 * off by more than the cells along its border can explain (its rings' length × 1.5 cells,
 * and a cell) is not the grid's doing: units drawn over it took its cells (the later in the
 * layer holds a cell); those are said apart, and left out of the grid's share. */
static void warn_coarse_grid(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                             const size_t *ucells)
{
    warn_specks(ctx, g, u, ucells);
    const double cell = g->cell_m * g->cell_m;
    double drawn = 0, off = 0, worst = 0, wgrid = 0, wpoly = 0;
    int wi = -1, ncov = 0;
    isr_sb cov = {0};
    for (int i = 0; i < u->n; i++) {
        double a = OGR_G_Area(u->geom[i]), c = (double)ucells[i] * cell;
        if (a - c > 1.5 * g->cell_m * rings_length(u->geom[i]) + cell) {
            if (++ncov <= 5)
                isr_sb_printf(&cov, "%s'%s' (%.1f km² on the grid for %.1f km² drawn)",
                              ncov > 1 ? ", " : "", u->attr[i].code[0], c / 1e6, a / 1e6);
            continue;
        }
        drawn += a;
        off += fabs(c - a);
        if (fabs(c - a) > worst) {
            worst = fabs(c - a);
            wi = i;
            wgrid = c;
            wpoly = a;
        }
    }
    char *list = isr_sb_take(&cov);
    if (ncov)
        isr_log(ctx, ISR_LOG_WARN,
                "%d unit%s far less of the grid than %s polygon%s, more than the cells along "
                "%s border%s can explain at %g m (and a finer grid explains less): %s%s; "
                "other units drawn over %s took those cells (a cell belongs to one unit, the "
                "later in the layer), and %s people are spread over the cells left to %s; fix "
                "the polygons",
                ncov, ncov > 1 ? "s hold" : " holds", ncov > 1 ? "their" : "its",
                ncov > 1 ? "s" : "", ncov > 1 ? "their" : "its", ncov > 1 ? "s" : "",
                g->cell_m, list ? list : "", ncov > 5 ? ", …" : "", ncov > 1 ? "them" : "it",
                ncov > 1 ? "their" : "its", ncov > 1 ? "them" : "it");
    free(list);
    if (wi >= 0 && drawn > 0 && off > ISR_GRID_MAX_AREA_ERROR * drawn)
        isr_log(ctx, ISR_LOG_WARN,
                "--resolution %g m is too coarse for the boundaries: the units' areas on the "
                "grid differ from their polygons' by %.0f %% in all (most: '%s', %.1f km² on "
                "the grid for %.1f km² drawn), and their people with them; use a finer "
                "--resolution",
                g->cell_m, 100.0 * off / drawn, u->attr[wi].code[0], wgrid / 1e6, wpoly / 1e6);
}

/* People per cell from the population raster, summed onto the grid (*praster, taken by
 * the caller); the people outside every unit are said and not counted. */
static isr_status population_from_raster(isr_ctx *ctx, const isr_grid *g, const char *population,
                                         isr_zones *z, float **praster)
{
    const size_t n = (size_t)g->nx * (size_t)g->ny;
    isr_status st = isr_raster_warp(ctx, g, population, "population raster", "sum", z,
                                    ISR_WARP_PEOPLE, praster, &z->pop_uncovered);
    if (st != ISR_OK)
        return st;
    double outside = 0;
    size_t nodata = 0, land = 0; /* land cells the raster covers with nodata only; all */
    for (size_t c = 0; c < n; c++) {
        double v = isnan((*praster)[c]) || (*praster)[c] < 0 ? 0.0 : (*praster)[c];
        if (isr_zones_unit_at(z, c) >= 0) {
            z->pop[c] = v;
            nodata += isnan((*praster)[c]);
            land++;
        } else {
            outside += v;
        }
    }
    if (land && nodata == land) /* not one cell of the units has a value: another place? */
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "population raster '%s' has no value on any cell of the units (%s): "
                        "every unit would have no people. Is it the raster of this region, "
                        "in the CRS it says it is in? (gdalinfo shows its extent; isoreach info "
                        "the boundaries')",
                        population, z->pop_uncovered == land ? "it lies wholly outside them"
                                                            : "nodata wherever it covers them");
    isr_raster_coverage_warn(ctx, g, z, "population raster", population, z->pop_uncovered,
                             "are counted with no people");
    nodata -= nodata >= z->pop_uncovered ? z->pop_uncovered : nodata;
    if (nodata) {
        char cells[40], km2[40];
        isr_fmt_thousands(cells, sizeof cells, (double)nodata, 0);
        isr_fmt_thousands(km2, sizeof km2, (double)nodata * g->cell_m * g->cell_m / 1e6, 1);
        isr_log(ctx, ISR_LOG_WARN,
                "population raster '%s': %s land cells (%s km²) of the units lie under its "
                "nodata and are counted with no people; where people live there, give the "
                "raster their number (0 where none do)",
                population, cells, km2);
    }
    if (outside > 0)
        isr_log(ctx, ISR_LOG_INFO,
                "population raster '%s': %.0f people on the grid (the boundaries' extent) "
                "lie outside every boundary unit and are not counted; what the raster holds "
                "beyond that extent is not read",
                population, outside);
    return ISR_OK;
}

/* Units of which no cell has a value in the population raster (all under its nodata or
 * beyond it) are counted with no people, 0 and not unknown: named, up to five (the coverage
 * warnings gave cells and km² only, no unit). */
static void warn_units_without_people(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                                      const isr_zones *z, const float *praster,
                                      const size_t *ucells, const char *population)
{
    const size_t n = (size_t)g->nx * (size_t)g->ny;
    char *valued = calloc((size_t)(u->n > 0 ? u->n : 1), 1);
    if (!valued)
        return;
    for (size_t c = 0; c < n; c++) {
        int i = isr_zones_unit_at(z, c);
        if (i >= 0 && !isnan(praster[c]))
            valued[i] = 1;
    }
    isr_sb b = {0};
    int none = 0;
    for (int i = 0; i < u->n; i++)
        if (ucells[i] && !valued[i] && none++ < 5)
            isr_sb_printf(&b, "%s'%s' (%s)", none > 1 ? ", " : "", u->attr[i].code[0],
                          u->attr[i].name[0] ? u->attr[i].name[0] : "");
    char *list = isr_sb_take(&b);
    if (none)
        isr_log(ctx, ISR_LOG_WARN,
                "population raster '%s': %d unit%s no cell with a value (under its nodata or "
                "beyond it): %s%s; %s counted with no people (0, not unknown): give the raster "
                "%s people, or leave --population out to spread the boundaries' population "
                "field",
                population, none, none > 1 ? "s have" : " has", list ? list : "",
                none > 5 ? ", …" : "", none > 1 ? "they are" : "it is",
                none > 1 ? "their" : "its");
    free(list);
    free(valued);
}

/* Each unit's people (the population field) spread evenly over its cells, or put in its
 * host's cell: as a rule (isr_zones_pop_at), not an array. The host cells' people are the
 * host unit's share plus the hosted units', added in unit order. */
static isr_status population_from_units(isr_ctx *ctx, const isr_units *u, isr_zones *z,
                                        const size_t *ucells, const int *host)
{
    size_t nu = (size_t)(u->n > 0 ? u->n : 1);
    z->udens = calloc(nu, sizeof *z->udens);
    z->wdens = calloc(nu, sizeof *z->wdens);
    z->uhost = calloc(nu, sizeof *z->uhost);
    z->hcell = malloc(nu * sizeof *z->hcell);
    z->hval = malloc(nu * sizeof *z->hval);
    if (!z->udens || !z->wdens || !z->uhost || !z->hcell || !z->hval)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int i = 0; i < u->n && u->has_pop; i++)
        if (ucells[i] && !isnan(u->attr[i].pop))
            z->udens[i] = z->wdens[i] = u->attr[i].pop / (double)ucells[i];
    for (int i = 0; i < u->n && u->has_pop; i++) {
        if (host[i] < 0 || isnan(u->attr[i].pop))
            continue;
        size_t k = 0;
        while (k < z->nhost && z->hcell[k] != (uint64_t)host[i])
            k++;
        if (k == z->nhost) { /* the host cell's own share first */
            z->hcell[k] = (uint64_t)host[i];
            z->hval[k] = z->udens[isr_zones_unit_at(z, (size_t)host[i])];
            z->nhost++;
        }
        z->hval[k] += u->attr[i].pop;
        z->uhost[isr_zones_unit_at(z, (size_t)host[i])] = 1;
    }
    for (size_t a = 1; a < z->nhost; a++) /* ascending cells (a handful: insertion sort) */
        for (size_t b = a; b > 0 && z->hcell[b - 1] > z->hcell[b]; b--) {
            uint64_t tc = z->hcell[b];
            double tv = z->hval[b];
            z->hcell[b] = z->hcell[b - 1];
            z->hval[b] = z->hval[b - 1];
            z->hcell[b - 1] = tc;
            z->hval[b - 1] = tv;
        }
    return ISR_OK;
}

/* The units hosted by another's cell, said once with the first ten: a warning, since the
 * tables then give such a unit no row and add its people to the unit holding its cell
 * (another prefecture's or province's, it may be). */
static void note_hosted(isr_ctx *ctx, const isr_grid *g, const isr_units *u, const isr_zones *z,
                        const int *host)
{
    if (!z->hosted)
        return;
    isr_sb b = {0};
    for (int i = 0, k = 0; i < u->n && k < 10; i++) {
        if (host[i] < 0)
            continue;
        int to = isr_zones_unit_at(z, (size_t)host[i]);
        isr_sb_printf(&b, "%s'%s'", k++ ? ", " : "", u->attr[i].code[0]);
        if (u->has_pop && !z->from_raster && !isnan(u->attr[i].pop))
            isr_sb_printf(&b, " (%.0f people)", u->attr[i].pop);
        if (to >= 0)
            isr_sb_printf(&b, " into '%s'", u->attr[to].code[0]);
        if (to >= 0 && strcmp(u->attr[to].code[ISR_PROVINCE], u->attr[i].code[ISR_PROVINCE]))
            isr_sb_printf(&b, " (province '%s', not its own '%s')",
                          u->attr[to].code[ISR_PROVINCE], u->attr[i].code[ISR_PROVINCE]);
    }
    char *list = isr_sb_take(&b);
    isr_log(ctx, ISR_LOG_WARN,
            "%d unit%s no cell of %s own at %g m (smaller than a cell, or covered by "
            "another unit): %s%s; %s people are counted in the cell holding %s interior "
            "point, under the unit of that cell, and the tables give %s no row (a finer "
            "--resolution gives a small unit cells of %s own; a unit covered by another "
            "needs its polygons mended)",
            z->hosted, z->hosted > 1 ? "s have" : " has", z->hosted > 1 ? "their" : "its",
            g->cell_m, list ? list : "", z->hosted > 10 ? ", …" : "",
            z->hosted > 1 ? "their" : "its", z->hosted > 1 ? "their" : "its",
            z->hosted > 1 ? "them" : "it", z->hosted > 1 ? "their" : "its");
    free(list);
}

/* Every group's cells, people and units of unknown population: tallied by county, then
 * summed up the hierarchy in whole people (isr_zones_sum_up, as reach.c does), so that
 * every level and every table adds up to the same total. */
static void tally_groups(const isr_grid *g, const isr_units *u, const char *population,
                         isr_zones *z)
{
    const size_t n = (size_t)g->nx * (size_t)g->ny;
    /* a population raster knows every cell; the field may leave units unknown */
    for (int i = 0; !population && u->has_pop && i < u->n; i++)
        if (isnan(u->attr[i].pop))
            for (int k = 0; k < ISR_NLEVELS; k++)
                z->gunknown[k][z->group[k][i]]++;
    for (size_t c = 0, e; c < n; c = e) {
        e = run_end(z, c, n);
        int i = isr_zones_unit_at(z, c);
        if (i < 0)
            continue;
        int gi = z->group[ISR_COUNTY][i];
        size_t wet = run_wet(z, c, e);
        z->area[ISR_COUNTY][gi] += e - c;
        z->cells[ISR_COUNTY][gi] += e - c - wet;
        z->gpop[ISR_COUNTY][gi] = run_people(z, i, c, e, z->gpop[ISR_COUNTY][gi], 0);
    }
    for (int gi = 0; gi < z->ngroups[ISR_COUNTY]; gi++)
        for (int k = 1; k < ISR_NLEVELS; k++)
            z->area[k][z->group[k][z->first[ISR_COUNTY][gi]]] += z->area[ISR_COUNTY][gi];
    isr_zones_sum_up(z, z->cells, z->gpop, NULL, NULL);
}

/* How far (metres) the people a population raster puts on water are carried to the shore. */
#define ISR_SHORE_MAX_M 2000.0

/* The land cell of unit i nearest to cell c (Euclidean, in cells), within max_r cells, or -1:
 * square rings of growing radius, until no farther ring can hold a nearer cell. */
static long nearest_land(const isr_grid *g, const isr_zones *z, size_t c, int i, int max_r)
{
    const int col = (int)(c % (size_t)g->nx), row = (int)(c / (size_t)g->nx);
    long best = -1;
    long bd = LONG_MAX;
    for (int r = 1; r <= max_r && (long)r * r < bd; r++)
        for (int dy = -r; dy <= r; dy++) {
            int y = row + dy;
            if (y < 0 || y >= g->ny)
                continue;
            for (int dx = -r; dx <= r; dx += (dy == -r || dy == r) ? 1 : 2 * r) {
                int x = col + dx;
                size_t k = (size_t)y * (size_t)g->nx + (size_t)x;
                long d = (long)dx * dx + (long)dy * dy;
                if (x >= 0 && x < g->nx && d < bd && !z->water[k] &&
                    isr_zones_unit_at(z, k) == i) {
                    bd = d;
                    best = (long)k;
                }
            }
        }
    return best;
}

/* People a population raster puts on water cells, carried to the nearest land cell of the
 * same unit within ISR_SHORE_MAX_M (a coastal pixel's people live on its shore, not spread
 * over the whole county); those no land cell is near enough for stay, for the even spread.
 * The people carried, said in an info line. */
static void people_to_shore(isr_ctx *ctx, const isr_grid *g, isr_zones *z)
{
    const size_t n = (size_t)g->nx * (size_t)g->ny;
    int max_r = (int)ceil(ISR_SHORE_MAX_M / g->cell_m);
    double moved = 0, far = 0;
    for (size_t c = 0; c < n; c++) {
        int i = isr_zones_unit_at(z, c);
        if (i < 0 || !z->water[c] || !(z->pop[c] > 0))
            continue;
        long t = nearest_land(g, z, c, i, max_r < 1 ? 1 : max_r);
        if (t >= 0) {
            z->pop[t] += z->pop[c];
            moved += z->pop[c];
            z->pop[c] = 0.0;
        } else {
            far += z->pop[c];
        }
    }
    char rest[160] = ""; /* spread_off_water spreads them, or warns of a unit with no land */
    if (far > 0.5)
        snprintf(rest, sizeof rest,
                 "; %.0f more, farther from land, spread evenly over their unit's land cells",
                 far);
    if (moved > 0.5 || far > 0.5)
        isr_log(ctx, ISR_LOG_INFO,
                "population raster: %.0f people on water cells carried to the nearest land "
                "cell of their unit (within %.0f m)%s",
                moved, ISR_SHORE_MAX_M, rest);
}

/* The people on water cells moved to the land cells of their unit: a raster's to the shore
 * (people_to_shore), the rest evenly (for people
 * spread from the unit's field this gives each land cell the unit's people ÷ its land
 * cells); a unit with cells but none of them land keeps its people and is warned about. */
static isr_status spread_off_water(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                                   isr_zones *z, const char *water_path)
{
    const size_t n = (size_t)g->nx * (size_t)g->ny;
    size_t *land = calloc((size_t)(u->n > 0 ? u->n : 1), sizeof *land);
    size_t *all = calloc((size_t)(u->n > 0 ? u->n : 1), sizeof *all);
    double *wpop = calloc((size_t)(u->n > 0 ? u->n : 1), sizeof *wpop);
    if (!land || !all || !wpop) {
        free(land);
        free(all);
        free(wpop);
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    if (z->pop) /* a raster's people: to the shore first; wpop the rest */
        people_to_shore(ctx, g, z);
    for (size_t c = 0, e; c < n; c = e) {
        e = run_end(z, c, n);
        int i = isr_zones_unit_at(z, c);
        if (i < 0)
            continue;
        size_t wet = run_wet(z, c, e);
        all[i] += e - c;
        land[i] += e - c - wet;
        if (wet)
            wpop[i] = run_people(z, i, c, e, wpop[i], 1);
    }
    for (size_t c = 0; c < n && z->pop; c++) {
        int i = isr_zones_unit_at(z, c);
        if (i < 0 || !land[i])
            continue;
        z->pop[c] = z->water[c] ? 0.0 : z->pop[c] + wpop[i] / (double)land[i];
    }
    for (size_t k = 0; k < z->nhost && !z->pop; k++) { /* the rule: as the array would be */
        size_t c = (size_t)z->hcell[k];
        int i = isr_zones_unit_at(z, c);
        if (land[i])
            z->hval[k] = z->water[c] ? 0.0 : z->hval[k] + wpop[i] / (double)land[i];
    }
    for (int i = 0; i < u->n && !z->pop && z->udens; i++)
        if (land[i]) {
            z->udens[i] = z->udens[i] + wpop[i] / (double)land[i];
            z->wdens[i] = 0.0;
        }
    isr_sb b = {0};
    int nwet = 0;
    for (int i = 0; i < u->n; i++)
        if (all[i] && !land[i] && ++nwet <= 10)
            isr_sb_printf(&b, "%s'%s' (%s)", nwet > 1 ? ", " : "", u->attr[i].name[ISR_COUNTY],
                          u->attr[i].code[ISR_COUNTY]);
    char *list = isr_sb_take(&b);
    if (nwet)
        isr_log(ctx, ISR_LOG_WARN,
                "%d unit%s wholly on water (--water '%s') at %g m: %s%s; %s people stay on "
                "%s water cells, which local travel does not reach",
                nwet, ISR_PLURAL(nwet, " lies", "s lie"), water_path, g->cell_m,
                list ? list : "", nwet > 10 ? ", and more" : "", ISR_PLURAL(nwet, "its", "their"),
                ISR_PLURAL(nwet, "its", "their"));
    free(list);
    free(land);
    free(all);
    free(wpop);
    return ISR_OK;
}

void isr_zones_sum_up(const isr_zones *z, size_t *const *cells, double *const *pop,
                      double *const *tsum, float *const *tmin)
{
    const size_t *cells0 = cells[ISR_COUNTY];
    double *pop0 = pop[ISR_COUNTY];
    for (int gi = 0; gi < z->ngroups[ISR_COUNTY]; gi++) {
        if (!cells0[gi])
            continue;
        pop0[gi] = round(pop0[gi]); /* whole people, so that every level adds up */
        int u = z->first[ISR_COUNTY][gi];
        for (int k = 1; k < ISR_NLEVELS; k++) {
            int gk = z->group[k][u];
            cells[k][gk] += cells0[gi];
            pop[k][gk] += pop0[gi];
            if (tsum)
                tsum[k][gk] += tsum[ISR_COUNTY][gi];
            if (tmin && tmin[ISR_COUNTY][gi] < tmin[k][gk])
                tmin[k][gk] = tmin[ISR_COUNTY][gi];
        }
    }
}

isr_status isr_zones_build(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                           const char *population, isr_zones *z)
{
    return isr_zones_build_water(ctx, g, u, population, NULL, NULL, z);
}

isr_status isr_zones_begin(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                           const char *population, isr_zones *z, size_t **ucells_out)
{
    memset(z, 0, sizeof *z);
    *ucells_out = NULL;
    z->nunits = u->n;
    const size_t n = (size_t)g->nx * (size_t)g->ny;
    isr_status st = ISR_OK;
    size_t *ucells = NULL;
    if (isr_zones_cell_bytes(u->n) == 2)
        z->zone16 = isr_grid_calloc_written(n, sizeof *z->zone16); /* 0: outside every unit */
    else
        z->zone32 = malloc(n * sizeof *z->zone32);
    z->pop = population ? calloc(n, sizeof *z->pop) : NULL; /* else a rule: isr_zones_pop_at */
    ucells = calloc((size_t)(u->n > 0 ? u->n : 1), sizeof *ucells);
    if ((!z->zone16 && !z->zone32) || (population && !z->pop) || !ucells)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the %d x %d zone raster", g->nx,
                      g->ny);
    else
        st = rasterize_units(ctx, g, u, z);
    for (size_t c = 0, e; st == ISR_OK && c < n; c = e) {
        e = run_end(z, c, n);
        int i = isr_zones_unit_at(z, c);
        if (i >= 0)
            ucells[i] += e - c;
    }
    if (st != ISR_OK) {
        free(ucells);
        isr_zones_clear(z);
        return st;
    }
    *ucells_out = ucells;
    return ISR_OK;
}

isr_status isr_zones_finish(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                            const char *population, uint8_t *water, const char *water_path,
                            isr_zones *z, size_t *ucells)
{
    z->water = water;
    isr_status st = ISR_OK;
    float *praster = NULL;
    int *host = malloc((size_t)(u->n > 0 ? u->n : 1) * sizeof *host);
    if (!host) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    claim_or_host(g, u, z, ucells, host);
    warn_coarse_grid(ctx, g, u, ucells);
    z->from_raster = population != NULL;
    if (population) {
        if ((st = population_from_raster(ctx, g, population, z, &praster)) != ISR_OK)
            goto cleanup;
        warn_units_without_people(ctx, g, u, z, praster, ucells, population);
    } else if ((st = population_from_units(ctx, u, z, ucells, host)) != ISR_OK) {
        goto cleanup;
    }
    note_hosted(ctx, g, u, z, host);
    if (z->water && (st = spread_off_water(ctx, g, u, z, water_path)) != ISR_OK)
        goto cleanup;
    if ((st = build_groups(ctx, u, z)) != ISR_OK)
        goto cleanup;
    tally_groups(g, u, population, z);
cleanup:
    free(ucells);
    free(host);
    free(praster);
    if (st != ISR_OK)
        isr_zones_clear(z);
    return st;
}

isr_status isr_zones_build_water(isr_ctx *ctx, const isr_grid *g, const isr_units *u,
                                 const char *population, uint8_t *water,
                                 const char *water_path, isr_zones *z)
{
    size_t *ucells;
    isr_status st = isr_zones_begin(ctx, g, u, population, z, &ucells);
    if (st != ISR_OK) {
        free(water); /* taken */
        return st;
    }
    return isr_zones_finish(ctx, g, u, population, water, water_path, z, ucells);
}

isr_status isr_zones_pack_water(isr_ctx *ctx, const isr_grid *g, isr_zones *z)
{
    if (!z->water)
        return ISR_OK;
    const size_t n = (size_t)g->nx * (size_t)g->ny;
    uint8_t *bits = calloc((n + 7) / 8, 1);
    if (!bits)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the water mask");
    /* a byte of bits from 8 cells at a time (a loop the compiler vectorises) */
    const uint8_t *w = z->water;
    for (size_t b = 0; b < n / 8; b++) {
        uint8_t x = 0;
        for (int j = 0; j < 8; j++)
            x |= (uint8_t)((w[8 * b + (size_t)j] != 0) << j);
        bits[b] = x;
    }
    for (size_t c = n / 8 * 8; c < n; c++)
        bits[c >> 3] |= (uint8_t)((w[c] != 0) << (c & 7));
    free(z->water);
    z->water = NULL;
    z->wbits = bits;
    return ISR_OK;
}

void isr_zones_clear(isr_zones *z)
{
    free(z->zone16);
    free(z->zone32);
    free(z->pop);
    free(z->udens);
    free(z->wdens);
    free(z->uhost);
    free(z->hcell);
    free(z->hval);
    free(z->water);
    free(z->wbits);
    for (int k = 0; k < ISR_NLEVELS; k++) {
        free(z->area[k]);
        free(z->group[k]);
        free(z->first[k]);
        free(z->cells[k]);
        free(z->gpop[k]);
        free(z->gunknown[k]);
    }
    memset(z, 0, sizeof *z);
}

const isr_zones *isr_zones_people(const isr_zones *z, const isr_units *u)
{
    return u->has_pop && u->n > 0 && u->nunknown_pop == u->n && !z->from_raster ? NULL : z;
}

int isr_zones_unit_xy(const isr_zones *z, const isr_grid *g, double x, double y)
{
    int c, r;
    if (!isr_grid_cell_of(g, x, y, &c, &r))
        return -1;
    return isr_zones_unit_at(z, (size_t)r * (size_t)g->nx + (size_t)c);
}
