/*
 * scenario_cmp.h — one scenario's comparison pass, shared by scenario_run.c (the pass, the
 * hubs in parallel) and scenario_out.c (what a compared hub and the pass write). Private.
 */
#ifndef ISR_SCENARIO_CMP_H
#define ISR_SCENARIO_CMP_H

#include "batch.h"
#include "scenario.h"

/* One hub's outcome (people: the zones' people per cell, summed unrounded). */
typedef struct scen_hub {
    int reused; /* seeds as the baseline's: no search, no products, empty differences */
    double newly, lost;                  /* people newly within the budget, no longer */
    double newly_own_prov, newly_own_pref, lost_own_prov, lost_own_pref; /* of them, in the
                                            hub's own province / prefecture */
    double both_pop, saved;              /* people reached in both; Σ people × minutes saved */
    size_t cells_newly, cells_lost;
} scen_hub;

typedef struct scen_pass {
    isr_ctx *ctx;
    const isr_model *m;
    const isr_batch *b; /* the baseline's pass (hubs, folders, rail parameters) */
    isr_scenario *sc;
    char *dir;          /* OUT/scenarios/NAME */
    scen_hub *res;      /* per hub */
    double *matrix;     /* hub × prefecture group: people newly within */
    atomic_int failed;
    atomic_int cleared; /* unchanged hubs whose products of an earlier run were removed */
    double seconds;
} scen_pass;

/* A compared hub: both surfaces on the union window (grid cells c0, r0, w × h; minutes,
 * ISR_TIME_NODATA) and the scenario's own crop (scen_win: c0, r0, w, h), as written. */
typedef struct scen_cmp {
    int hub;
    int c0, r0, w, h;
    float *base, *scen;
    int scen_win[4];
    float *scen_crop;
} scen_cmp;

/* scenario_out.c: the hub's tallies into p->res[hub] and p->matrix, and its products in
 * DIR/hubs/<hub>/: travel_time.tif, diff.tif, gains.csv, gains.geojson. */
isr_status isr_scen_hub_write(scen_pass *p, const scen_cmp *cmp);
/* scenario_out.c: DIR/gains_by_hub.csv, gains_matrix.csv and scenario.json. */
isr_status isr_scen_region_write(scen_pass *p);

#endif
