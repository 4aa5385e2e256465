/*
 * scenario.h — scenarios (issue 15): what scenario.c (reading, applying), scenario_mods.c
 * (the modifications table) and scenario_run.c (the comparison with the baseline) share
 * with run.c; private to those files.
 *
 * An isr_scenario owns its copy of the base rail network with the scenario applied (base
 * stations keep their numbers; added stations follow) and the JSON record of what was
 * applied; its name and path are the options' (borrowed).
 */
#ifndef ISR_SCENARIO_H
#define ISR_SCENARIO_H

#include "internal.h"

struct json_object;
struct isr_batch;

typedef struct isr_scenario {
    const char *name, *path; /* borrowed from the options */
    int gpkg;                /* a GeoPackage, else a folder */
    isr_rail_net *net;       /* the base network with the scenario applied */
    int nbase_stations;      /* stations 0..nbase_stations-1 are the base's */
    int nadded_stations;
    struct json_object *applied; /* {added_stations, added_lines, modifications: [...]} */
} isr_scenario;

/* Reads scenario `i` of opt (opt->scenario_name[i], scenario_path[i]) and applies it to a
 * copy of `base` (stations in `srs`); `hubs` (nhubs station numbers) may not be removed.
 * Fails (ISR_ERR_INPUT) naming the scenario, file, layer, row or feature and field. Clear
 * *sc with isr_scenario_clear whatever it returns. */
isr_status isr_scenario_load(isr_ctx *ctx, const isr_options *opt, int i,
                             const isr_rail_net *base, OGRSpatialReferenceH srs,
                             const int *hubs, int nhubs, isr_scenario *sc);
void isr_scenario_clear(isr_scenario *sc);

/* scenario_mods.c: reads the modifications table of sc (when there is one: *nparts counts
 * it) and applies its rows in order to sc->net, recording them in sc->applied. */
isr_status isr_scenario_modify(isr_ctx *ctx, isr_scenario *sc, const int *hubs, int nhubs,
                               int *nparts);

/* scenario_run.c: after the baseline pass `b` (its outputs in OUT/hubs/), every scenario's
 * comparison products in OUT/scenarios/NAME/ (see README "Scenarios"). */
isr_status isr_scenarios_run(isr_ctx *ctx, const isr_model *m, const struct isr_batch *b,
                             isr_scenario *sc, int nsc);

#endif
