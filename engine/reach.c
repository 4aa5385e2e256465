/*
 * reach.c — how much of each admin unit a hub's circle reaches, and across which borders.
 *
 * Per hub, the cells within the budget are tallied by the unit their centre lies in (the
 * zone raster) and summed up the hierarchy: cells (× cell area = km², exact in the
 * equal-area analysis CRS), people, earliest and summed minutes (the mean over cells is the
 * area-weighted mean) and summed people × minutes (over the people: the people-weighted
 * mean). A unit is the hub's "own" at a level when it contains the hub's station; a hub
 * outside every polygon takes the nearest unit within ISR_OWN_MAX_M, or none (then all its
 * reach is in another province and prefecture). reach.csv says both, in two columns
 * (other_province, other_prefecture), on every row where the level allows it.
 * Owns: one tally per group per level, reused hub after hub by one worker.
 * Cost: O(cells reached) per hub plus O(groups) to write.
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const level_name[ISR_NLEVELS] = {"county", "prefecture", "province"};

isr_status isr_reach_init(isr_ctx *ctx, isr_reach *r, const isr_zones *z)
{
    memset(r, 0, sizeof *r);
    for (int k = 0; k < ISR_NLEVELS; k++) {
        size_t n = (size_t)(z->ngroups[k] > 0 ? z->ngroups[k] : 1);
        r->cells[k] = calloc(n, sizeof *r->cells[k]);
        r->pop[k] = calloc(n, sizeof *r->pop[k]);
        r->tmin[k] = calloc(n, sizeof *r->tmin[k]);
        r->tsum[k] = calloc(n, sizeof *r->tsum[k]);
        r->ptsum[k] = calloc(n, sizeof *r->ptsum[k]);
        r->praw[k] = calloc(n, sizeof *r->praw[k]);
        if (!r->cells[k] || !r->pop[k] || !r->tmin[k] || !r->tsum[k] || !r->ptsum[k] ||
            !r->praw[k]) {
            isr_reach_free(r);
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the reach tables");
        }
    }
    return ISR_OK;
}

size_t isr_reach_min_cells(double min_km2, double cell_m)
{
    double cells = ceil(min_km2 * 1e6 / (cell_m * cell_m) - 1e-9);
    return cells > 1 ? (size_t)cells : 1;
}

void isr_reach_free(isr_reach *r)
{
    for (int k = 0; k < ISR_NLEVELS; k++) {
        free(r->cells[k]);
        free(r->pop[k]);
        free(r->tmin[k]);
        free(r->tsum[k]);
        free(r->ptsum[k]);
        free(r->praw[k]);
    }
    memset(r, 0, sizeof *r);
}

void isr_reach_compute(isr_reach *r, const isr_zones *z, const isr_grid *g, const float *time_s,
                       const uint32_t *touched, size_t ntouched, int own_unit)
{
    for (int k = 0; k < ISR_NLEVELS; k++) {
        size_t n = (size_t)z->ngroups[k];
        memset(r->cells[k], 0, n * sizeof *r->cells[k]);
        memset(r->pop[k], 0, n * sizeof *r->pop[k]);
        memset(r->tsum[k], 0, n * sizeof *r->tsum[k]);
        memset(r->ptsum[k], 0, n * sizeof *r->ptsum[k]);
        memset(r->praw[k], 0, n * sizeof *r->praw[k]);
        for (size_t i = 0; i < n; i++)
            r->tmin[k][i] = INFINITY;
    }
    r->outside = 0;
    /* the cells are tallied by county; the levels above are sums of their counties */
    const uint32_t pw = (uint32_t)isr_grid_pw(g);
    size_t *cells0 = r->cells[ISR_COUNTY];
    double *pop0 = r->pop[ISR_COUNTY], *tsum0 = r->tsum[ISR_COUNTY];
    double *pt0 = r->ptsum[ISR_COUNTY], *pr0 = r->praw[ISR_COUNTY];
    float *tmin0 = r->tmin[ISR_COUNTY];
    const int *grp0 = z->group[ISR_COUNTY];
    for (size_t i = 0; i < ntouched; i++) {
        uint32_t pk = touched[i];
        size_t c = pk % pw - ISR_PAD, row = pk / pw - ISR_PAD;
        size_t cell = row * (size_t)g->nx + c;
        int u = isr_zones_unit_at(z, cell), wet = isr_zones_water_at(z, cell);
        if (u < 0 || wet) { /* a station cell outside every unit, or on water (not land) */
            r->outside += u < 0 && !wet;
            continue;
        }
        float t = time_s[pk] / 60.0f;
        int gi = grp0[u];
        cells0[gi]++;
        double people = isr_zones_pop_at(z, cell);
        pop0[gi] += people;
        pt0[gi] += people * t;
        tsum0[gi] += t;
        if (t < tmin0[gi])
            tmin0[gi] = t;
    }
    /* a sliver: not counted as reached anywhere. A county smaller than --min-reach is one
     * only when not all of its land is reached: a district of one cell, wholly within the
     * circle, was left out of the people reached (a new-user pass) */
    const size_t *land0 = z->cells[ISR_COUNTY];
    for (int gi = 0; gi < z->ngroups[ISR_COUNTY]; gi++)
        if (cells0[gi] && cells0[gi] < r->min_cells && cells0[gi] < land0[gi]) {
            cells0[gi] = 0;
            pop0[gi] = tsum0[gi] = pt0[gi] = 0;
            tmin0[gi] = INFINITY;
        }
    for (int gi = 0; gi < z->ngroups[ISR_COUNTY]; gi++)
        pr0[gi] = pop0[gi]; /* before isr_zones_sum_up rounds each county's people */
    isr_zones_sum_up(z, r->cells, r->pop, r->tsum, r->tmin);
    for (int gi = 0; gi < z->ngroups[ISR_COUNTY]; gi++)
        for (int k = ISR_PREFECTURE; k < ISR_NLEVELS && cells0[gi]; k++) {
            int up = z->group[k][z->first[ISR_COUNTY][gi]];
            r->ptsum[k][up] += pt0[gi];
            r->praw[k][up] += pr0[gi];
        }
    for (int k = 0; k < ISR_NLEVELS; k++)
        r->own[k] = own_unit >= 0 ? z->group[k][own_unit] : -1;
}

/* How near two units' distances to a hub are equal: a station digitised on a border lies a
 * few nanometres inside one unit or the other once reprojected. */
#define ISR_BORDER_TOL_M 0.01

/* Whether unit a is to be preferred to unit b, equally near the hub: the one the zone raster
 * gives the hub's cell (cell_unit: where its travel starts, and where the tables count that
 * cell; of units overlapping there, the later in the layer), else the one holding the centre
 * of that cell, else the lower code: never the order of the features but through the zones. */
static int jurisdiction_before(const isr_units *u, int a, int b, OGRGeometryH centre,
                               int cell_unit)
{
    if (a == cell_unit || b == cell_unit)
        return a == cell_unit;
    int ca = OGR_G_Intersects(u->geom[a], centre), cb = OGR_G_Intersects(u->geom[b], centre);
    if (ca != cb)
        return ca;
    return strcmp(u->attr[a].code[ISR_COUNTY], u->attr[b].code[ISR_COUNTY]) < 0;
}

int isr_hub_jurisdiction(const isr_units *u, const double hub[2], const double cell[2],
                         int cell_unit, double max_m, double *dist_m, int *ties)
{
    *dist_m = INFINITY;
    *ties = 0;
    OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint), centre = OGR_G_CreateGeometry(wkbPoint);
    OGR_G_SetPoint_2D(pt, 0, hub[0], hub[1]);
    OGR_G_SetPoint_2D(centre, 0, cell[0], cell[1]);
    int best = -1;
    for (int i = 0; i < u->n; i++) {
        if (!u->geom[i])
            continue;
        OGREnvelope e;
        if (u->env)
            e = u->env[i];
        else
            OGR_G_GetEnvelope(u->geom[i], &e);
        /* the box is a lower bound of the distance: skip units that cannot be as near */
        double bx = fmax(fmax(e.MinX - hub[0], hub[0] - e.MaxX), 0);
        double by = fmax(fmax(e.MinY - hub[1], hub[1] - e.MaxY), 0);
        if (hypot(bx, by) > *dist_m + ISR_BORDER_TOL_M)
            continue;
        double d = bx == 0 && by == 0 && OGR_G_Intersects(u->geom[i], pt)
                       ? 0.0
                       : OGR_G_Distance(u->geom[i], pt);
        if (d < 0 || d > *dist_m + ISR_BORDER_TOL_M)
            continue;
        if (d >= *dist_m - ISR_BORDER_TOL_M) { /* on a border, or halfway between two */
            (*ties)++;
            if (!jurisdiction_before(u, i, best, centre, cell_unit))
                continue;
        } else {
            *ties = 0;
        }
        *dist_m = d;
        best = i;
    }
    OGR_G_DestroyGeometry(pt);
    OGR_G_DestroyGeometry(centre);
    return best >= 0 && *dist_m <= max_m ? best : -1;
}

int isr_reach_other(const isr_reach *r, const isr_zones *z, int level, int gi, int of)
{
    if (level > of)
        return -1;
    int unit = z->first[level][gi];
    return r->own[of] < 0 || z->group[of][unit] != r->own[of];
}

void isr_reach_totals(const isr_reach *r, const isr_zones *z, isr_reach_totals_t *t)
{
    memset(t, 0, sizeof *t);
    double pt = 0, pr = 0;
    for (int gi = 0; gi < z->ngroups[ISR_PROVINCE]; gi++) {
        pt += r->ptsum[ISR_PROVINCE][gi];
        pr += r->praw[ISR_PROVINCE][gi];
        t->cells += r->cells[ISR_PROVINCE][gi];
        t->pop += r->pop[ISR_PROVINCE][gi];
        if (gi != r->own[ISR_PROVINCE])
            t->pop_outside_province += r->pop[ISR_PROVINCE][gi];
    }
    for (int gi = 0; gi < z->ngroups[ISR_PREFECTURE]; gi++)
        if (gi != r->own[ISR_PREFECTURE])
            t->pop_outside_prefecture += r->pop[ISR_PREFECTURE][gi];
    for (int k = 0; k < ISR_NLEVELS; k++)
        for (int gi = 0; gi < z->ngroups[k]; gi++)
            t->groups_reached[k] += r->cells[k][gi] > 0;
    for (int gi = 0; gi < z->ngroups[ISR_COUNTY]; gi++)
        t->pop_unknown_units += r->cells[ISR_COUNTY][gi] > 0 && z->gunknown[ISR_COUNTY][gi];
    t->mean_min_people = pr > 0 ? pt / pr : NAN;
}

void isr_reach_store(const isr_reach *r, const isr_zones *z, int hub, size_t *const *cells,
                     double *const *pop, int *own)
{
    for (int k = 0; k < ISR_NLEVELS; k++) {
        size_t ng = (size_t)z->ngroups[k];
        memcpy(cells[k] + (size_t)hub * ng, r->cells[k], ng * sizeof *cells[k]);
        memcpy(pop[k] + (size_t)hub * ng, r->pop[k], ng * sizeof *pop[k]);
        own[k] = r->own[k];
    }
}

isr_status isr_reach_write_csv(isr_ctx *ctx, const char *path, const char *hub_id,
                               const isr_reach *r, const isr_zones *z, const isr_units *u,
                               double cell_km2)
{
    char *tmp;
    FILE *f;
    isr_status st = isr_open_tmp(ctx, path, &tmp, &f);
    if (st != ISR_OK)
        return st;
    fputs(ISR_CSV_BOM ISR_REACH_CSV_HEADER, f);
    for (int k = 0; k < ISR_NLEVELS; k++)
        for (int gi = 0; gi < z->ngroups[k]; gi++) {
            if (!r->cells[k][gi])
                continue;
            const isr_unit *a = &u->attr[z->first[k][gi]];
            double area = (double)z->area[k][gi] * cell_km2;
            double gpop = z->gpop[k][gi];
            int unknown = z->gunknown[k][gi];
            isr_csv_field(f, hub_id);
            isr_fprintf(f, ",%s,", level_name[k]);
            isr_csv_field(f, a->code[k]);
            fputc(',', f);
            isr_csv_field(f, a->name[k]);
            fputc(',', f);
            isr_csv_field(f, a->name_en[k]);
            fputc(',', f);
            /* a province row belongs to no prefecture */
            isr_csv_field(f, k == ISR_PROVINCE ? "" : a->code[ISR_PREFECTURE]);
            fputc(',', f);
            isr_csv_field(f, a->code[ISR_PROVINCE]);
            /* shares rounded as units.geojson rounds them (half away from zero: %.4f alone
             * wrote 0.04645 as 0.0464 there, 0.0465 in the GeoJSON) */
            isr_fprintf(f, ",%.3f,%.3f,%.4f", area, (double)r->cells[k][gi] * cell_km2,
                        round((double)r->cells[k][gi] / (double)z->cells[k][gi] * 1e4) / 1e4);
            /* not known: no number, not 0 (nor a total of 0 known people beside unknowns) */
            if (unknown && (k == ISR_COUNTY || !(gpop > 0)))
                fputs(",,,", f);
            else /* no people: no share of them (0 of 0), NaN: an empty field (isr_fprintf) */
                isr_fprintf(f, ",%.0f,%.0f,%.4f", gpop, r->pop[k][gi],
                            gpop > 0 ? round(r->pop[k][gi] / gpop * 1e4) / 1e4 : NAN);
            isr_fprintf(f, ",%.2f,%.2f", r->tmin[k][gi], r->tsum[k][gi] / (double)r->cells[k][gi]);
            /* over the people reached: none known (or none there), no mean */
            if ((unknown && k == ISR_COUNTY) || !(r->praw[k][gi] > 0))
                fputc(',', f);
            else
                isr_fprintf(f, ",%.2f", r->ptsum[k][gi] / r->praw[k][gi]);
            int op = isr_reach_other(r, z, k, gi, ISR_PROVINCE);
            int of = isr_reach_other(r, z, k, gi, ISR_PREFECTURE);
            isr_fprintf(f, ",%d,", op);
            if (of >= 0)
                isr_fprintf(f, "%d", of);
            isr_fprintf(f, ",%d,%.3f\n", unknown, (double)z->cells[k][gi] * cell_km2);
        }
    st = isr_close_commit(ctx, f, tmp, path);
    free(tmp);
    return st;
}

/* Whether the hub lies inside unit `unit`, off its border: then the units it ties with
 * overlap it there (isr_hub_jurisdiction's d = 0 with ties), rather than meet on a border. */
static int hub_inside(const isr_units *u, int unit, const double hub[2])
{
    OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
    OGR_G_SetPoint_2D(pt, 0, hub[0], hub[1]);
    OGRGeometryH ring = OGR_G_Boundary(u->geom[unit]);
    int inside = ring && OGR_G_Distance(ring, pt) > ISR_BORDER_TOL_M;
    OGR_G_DestroyGeometry(ring);
    OGR_G_DestroyGeometry(pt);
    return inside;
}

void isr_hub_jurisdiction_warn(isr_ctx *ctx, const isr_units *u, const char *id,
                               const double hub[2], const double cell[2], int unit, double d,
                               int ties, const char *of)
{
    const char *code = unit >= 0 ? u->attr[unit].code[ISR_COUNTY] : "";
    if (d <= ISR_BORDER_TOL_M) /* on a border, to the float rounding of a station given in
                                * another CRS: not "outside every polygon, 0.0 km" too */
        d = 0;
    if (unit >= 0 && ties > 0 && d == 0 && hub_inside(u, unit, hub))
        isr_log(ctx, ISR_LOG_WARN,
                "hub '%s' lies inside '%s' (%s) and %d other unit%s overlapping it there: "
                "'%s' is taken as its own jurisdiction, the unit its grid cell is counted in "
                "(where units overlap, the later in the layer); fix the overlap, or move the "
                "station into the unit you mean",
                id, u->attr[unit].name[ISR_COUNTY], code, ties, ties > 1 ? "s" : "", code);
    else if (unit >= 0 && ties > 0) /* never the order of the features, and said */
        isr_log(ctx, ISR_LOG_WARN,
                "hub '%s' lies %s '%s' (%s) and %d other unit%s: '%s' is taken as its own "
                "jurisdiction, the unit holding the centre of its grid cell, where its "
                "travel starts (else the lowest code); move the station into the unit you "
                "mean",
                id, d > 0 ? "as near to" : "on the border of", u->attr[unit].name[ISR_COUNTY],
                code, ties, ties > 1 ? "s" : "", code);
    if (unit >= 0 && d > 0) {
        isr_log(ctx, ISR_LOG_WARN,
                "hub '%s' lies outside every boundary polygon%s, %.1f km from '%s' (%s): that "
                "unit, the nearest within %.0f km, is taken as its own jurisdiction",
                id, of, d / 1000.0, u->attr[unit].name[ISR_COUNTY],
                u->attr[unit].code[ISR_COUNTY], ISR_OWN_MAX_M / 1000.0);
    } else if (unit < 0) {
        int near = isr_hub_jurisdiction(u, hub, cell, -1, INFINITY, &d, &ties);
        isr_log(ctx, ISR_LOG_WARN,
                "hub '%s' lies outside every boundary polygon%s, %.1f km from the nearest "
                "unit '%s' (%s): no unit lies within %.0f km, so it has no jurisdiction of "
                "its own and all of its reach counts as cross-border",
                id, of, d / 1000.0, near >= 0 ? u->attr[near].name[ISR_COUNTY] : "",
                near >= 0 ? u->attr[near].code[ISR_COUNTY] : "", ISR_OWN_MAX_M / 1000.0);
    }
}
