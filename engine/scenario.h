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
struct isr_timetable;
struct isr_gtfs_run;

typedef struct isr_scenario {
    const char *name, *path; /* borrowed from the options */
    int gpkg;                /* a GeoPackage, else a folder */
    isr_rail_net *net;       /* the base network with the scenario applied */
    int nbase_stations;      /* stations 0..nbase_stations-1 are the base's */
    int nadded_stations;
    struct json_object *applied; /* {added_stations, added_lines, modifications: [...]} */
    /* GTFS mode (scenario_gtfs.c): the feed's timetable (borrowed; NULL in lines mode), per
     * feed route what the modifications do to it (1 unchanged, 0 removed, else the speed
     * factor), per feed station whether remove_station closed it, and the scenario's own
     * timetable, index and catchments (sc->net's lines are the added lines). */
    const struct isr_timetable *tt;
    double *route_factor;
    unsigned char *closed;
    struct isr_gtfs_run *gtfs;
    int cm_borrowed; /* gtfs->cm is the model's (no added station) */
} isr_scenario;

/* Reads scenario `i` of opt (opt->scenario_name[i], scenario_path[i]) and applies it to a
 * copy of `base` (stations in `srs`); `hubs` (nhubs station numbers) may not be removed.
 * GTFS mode: `tt` is the feed's timetable (remove_line and scale_speed may name its routes;
 * isr_scenario_gtfs_build then makes the scenario's timetable); NULL in lines mode.
 * Fails (ISR_ERR_INPUT) naming the scenario, file, layer, row or feature and field. Clear
 * *sc with isr_scenario_clear whatever it returns. */
isr_status isr_scenario_load(isr_ctx *ctx, const isr_options *opt, int i,
                             const isr_rail_net *base, OGRSpatialReferenceH srs,
                             const int *hubs, int nhubs, const struct isr_timetable *tt,
                             isr_scenario *sc);
void isr_scenario_clear(isr_scenario *sc);

/* scenario_mods.c: reads the modifications table of sc (when there is one: *nparts counts
 * it) and applies its rows in order to sc->net, recording them in sc->applied. A row on a
 * line id that several lines share changes each (said in an info line and a note). */
isr_status isr_scenario_modify(isr_ctx *ctx, const isr_options *opt, isr_scenario *sc,
                               const int *hubs, int nhubs, int *nparts);

/* scenario_gtfs.c: GTFS mode, after isr_scenario_load on the loaded model: the scenario's
 * timetable (a copy of the feed's with the routes removed or sped up, the added lines as
 * frequency trips, the added stations and links), its index and the catchments of the
 * added stations (the feed's stations' are the model's). */
isr_status isr_scenario_gtfs_build(isr_ctx *ctx, const isr_model *m, isr_scenario *sc);
/* scenario_gtfs.c: whether hub station `s` arrives at every feed station at the same times
 * in every departure minute under the scenario as in the baseline, and at no added station
 * (*same 1), stations without a catchment (off the grid, on water) aside: then its surface
 * is the baseline's. */
isr_status isr_scenario_gtfs_same(isr_ctx *ctx, const struct isr_gtfs_run *base,
                                  const isr_scenario *sc, int s, int *same);

/* scenario.c: every scenario of opt read and applied (isr_scenario_load, and in GTFS mode
 * isr_scenario_gtfs_build) on the loaded model m, before anything is computed: a bad one
 * stops the run with nothing written; added stations off land are warned about. sc holds
 * ISR_MAX_SCENARIOS; clear each with isr_scenario_clear whatever this returns. */
isr_status isr_scenarios_load(isr_ctx *ctx, const isr_options *opt, const isr_model *m,
                              isr_scenario *sc);
/* scenario_run.c: after the baseline pass `b` (its outputs in OUT/hubs/), every scenario's
 * comparison products in OUT/scenarios/NAME/ (see README "Scenarios"). */
isr_status isr_scenarios_run(isr_ctx *ctx, const isr_model *m, const struct isr_batch *b,
                             isr_scenario *sc, int nsc);

#endif
