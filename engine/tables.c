/*
 * tables.c — the per-hub tables for people, beside reach.csv (reach.c): summary.csv, the
 * hub's totals in one row (region/hubs_summary.csv has the same row for every hub:
 * products.c), and people_by_minute.csv, the people and area within each whole minute.
 *
 * Both are UTF-8 with a byte order mark (ISR_CSV_BOM), so that Excel reads the Chinese names,
 * and begin with hub_id so that the tables of many hubs can be concatenated. People that are
 * not known are empty fields, never 0. people_by_minute counts what the isochrones count
 * (every cell reached, its people as spread by zones.c), so its row at the budget equals the
 * last band's "within" population and cells_km2.
 * Owns: one histogram per call. Cost: O(cells reached + budget minutes) per hub.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* `v` with `decimals`, or nothing when it is not known (NAN). */
static void num_or_empty(FILE *f, double v, int decimals)
{
    fputc(',', f);
    if (isfinite(v))
        isr_fprintf(f, "%.*f", decimals, v);
}

void isr_hub_summary_row(FILE *f, const isr_hub_tables *h, const isr_zones *z,
                         const isr_units *u, double cell_km2)
{
    const isr_reach_totals_t *t = h->tot;
    isr_csv_field(f, h->hub_id);
    fputc(',', f);
    isr_csv_field(f, h->hub_name);
    for (int k = ISR_PROVINCE; k >= ISR_PREFECTURE; k--) {
        int own = h->own[k];
        const isr_unit *a = own >= 0 ? &u->attr[z->first[k][own]] : NULL;
        fputc(',', f);
        isr_csv_field(f, a ? a->code[k] : "");
        fputc(',', f);
        isr_csv_field(f, a ? a->name[k] : "");
    }
    num_or_empty(f, h->budget_min, 2);
    num_or_empty(f, (double)t->cells * cell_km2, 3);
    double unk = t->pop_unknown_units && !(t->pop > 0) ? NAN : 0.0; /* as summary.json */
    num_or_empty(f, unk + t->pop, 0);
    num_or_empty(f, unk + t->pop_outside_province, 0);
    num_or_empty(f, unk + t->pop_outside_prefecture, 0);
    num_or_empty(f, t->pop > 0 ? t->pop_outside_province / t->pop : NAN, 4); /* 0 of 0: empty */
    num_or_empty(f, t->mean_min_people, 2);
    isr_fprintf(f, ",%d,%d,%d,%d\n", t->groups_reached[ISR_COUNTY],
                t->groups_reached[ISR_PREFECTURE], t->groups_reached[ISR_PROVINCE],
                t->pop_unknown_units);
}

isr_status isr_hub_summary_csv(isr_ctx *ctx, const char *path, const isr_hub_tables *rows,
                               int n, const isr_zones *z, const isr_units *u, double cell_km2)
{
    char *tmp;
    FILE *f;
    isr_status st = isr_open_tmp(ctx, path, &tmp, &f);
    if (st != ISR_OK)
        return st;
    fputs(ISR_CSV_BOM ISR_SUMMARY_CSV_HEADER, f);
    for (int i = 0; i < n; i++)
        isr_hub_summary_row(f, &rows[i], z, u, cell_km2);
    st = isr_close_commit(ctx, f, tmp, path);
    free(tmp);
    return st;
}

/* The rows' minutes: 0, 1, … up to the budget, and the budget itself when it is not whole. */
static int minute_rows(double budget_min)
{
    double whole = floor(budget_min + 1e-9);
    return (int)whole + 1 + (budget_min - whole > 1e-9);
}

static isr_status write_by_minute(isr_ctx *ctx, const char *path, const isr_hub_tables *h,
                                  const isr_grid *g, const float *time_s,
                                  const uint32_t *touched, size_t ntouched, const isr_zones *people)
{
    int n = minute_rows(h->budget_min);
    double *pop = calloc((size_t)n, sizeof *pop);
    size_t *cells = calloc((size_t)n, sizeof *cells);
    if (!pop || !cells) {
        free(pop);
        free(cells);
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path);
    }
    const uint32_t pw = (uint32_t)isr_grid_pw(g);
    for (size_t i = 0; i < ntouched; i++) {
        double t = time_s[touched[i]] / 60.0;
        if (!(t <= h->budget_min))
            continue;
        /* within minute m when t <= m: the first row whose minute is not below t */
        int m = (int)ceil(t - 1e-9);
        m = m < 0 ? 0 : m >= n ? n - 1 : m;
        size_t c = touched[i] % pw - ISR_PAD, r = touched[i] / pw - ISR_PAD;
        cells[m]++;
        if (people)
            pop[m] += isr_zones_pop_at(people, r * (size_t)g->nx + c);
    }
    double cell_km2 = g->cell_m * g->cell_m / 1e6;
    char *tmp = NULL;
    FILE *f;
    isr_status st = isr_open_tmp(ctx, path, &tmp, &f);
    if (st == ISR_OK) {
        fputs(ISR_CSV_BOM ISR_PEOPLE_BY_MINUTE_CSV_HEADER, f);
        double p = 0;
        size_t cs = 0;
        for (int m = 0; m < n; m++) {
            p += pop[m];
            cs += cells[m];
            isr_csv_field(f, h->hub_id);
            isr_fprintf(f, ",%g", m < n - 1 ? (double)m : h->budget_min);
            num_or_empty(f, people ? round(p) : NAN, 0);
            isr_fprintf(f, ",%.3f\n", (double)cs * cell_km2);
        }
        st = isr_close_commit(ctx, f, tmp, path);
    }
    free(tmp);
    free(pop);
    free(cells);
    return st;
}

isr_status isr_hub_tables_write(isr_ctx *ctx, const char *dir, const isr_hub_tables *h,
                                const isr_zones *z, const isr_units *u, const isr_grid *g,
                                const float *time_s, const uint32_t *touched, size_t ntouched,
                                const isr_zones *people)
{
    char *p1 = isr_strdup_printf("%s/summary.csv", dir);
    char *p2 = isr_strdup_printf("%s/people_by_minute.csv", dir);
    isr_status st = p1 && p2 ? ISR_OK : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK)
        st = isr_hub_summary_csv(ctx, p1, h, 1, z, u, g->cell_m * g->cell_m / 1e6);
    if (st == ISR_OK)
        st = write_by_minute(ctx, p2, h, g, time_s, touched, ntouched, people);
    free(p1);
    free(p2);
    return st;
}
