/*
 * batch.h — what the hub batch (batch.c) hands to the region products (region.c) and the
 * orchestration (run.c); private to those three files.
 *
 * An isr_batch is one pass over a set of hubs of a loaded model (model.c): the model's
 * shared inputs, borrowed read-only, plus what the workers accumulate — the region minimum
 * time, nearest hub and hub count (merged under one mutex, order-independent), and each
 * hub's result and reach tallies. It owns the accumulators and the folder strings it made;
 * isr_batch_clear() frees them, never the model.
 */
#ifndef ISR_BATCH_H
#define ISR_BATCH_H

#include "acc.h"
#include "internal.h"

#include <stdatomic.h>
#include <threads.h>


typedef struct isr_hub_result {
    int station;
    int stations_reached; /* by rail within the budget, the hub included */
    size_t cells;
    double seconds;
    double search_seconds; /* rail search + cost-distance only, no output */
    int skipped; /* outputs existed with the same settings */
    int stale;   /* outputs existed but were recomputed (other settings, or incomplete) */
    isr_reach_totals_t tot;
    int own[ISR_NLEVELS]; /* the hub's own group at each level, or -1 */
} isr_hub_result;

typedef struct isr_batch {
    isr_ctx *ctx;
    const isr_options *opt; /* the run's options (out, hubs may differ from the model's) */
    const isr_grid *grid;   /* the rest is the model's, borrowed */
    isr_fric fric; /* the model's friction surface (borrowed) */
    float fric_min; /* the model's least finite friction: each hub's search window */
    const uint8_t *clear; /* the model's clearance map: the isotropic kernel; NULL: r.cost */
    struct isr_model *last; /* the model, when the region products may let go of its friction
                               once read (its last pass, run.c: isr_model_fric_done), or NULL */
    const isr_rail_net *net;
    const struct isr_gtfs_run *gtfs; /* the model's GTFS mode (gtfsrun.c), or NULL */
    isr_rail_params rp;
    const int *hubs;
    int nhubs;
    char *settings;
    char *hubs_dir;
    char *region_dir;
    char *const *folders; /* per hub: its folder under hubs_dir (isr_hub_folder) */
    atomic_int next;
    atomic_int done;
    atomic_int failed; /* the isr_status of the first failing worker, or 0 */
    atomic_int refused; /* reuse_only (a merge): 1 + the first hub not reused, or 0 */
    mtx_t merge_lock;
    int lock_ok;
    isr_acc acc;        /* the region's nearest time, nearest hub and count, in tiles */
    isr_hub_result *results;
    int threads;
    int spare; /* threads beyond the workers (fewer hubs than threads): a hub's isochrones
                * are then built on one of them, beside its other outputs (batch.c) */
    const isr_zones *zones;
    const isr_units *units;
    const double *bands;
    int nbands;
    size_t *hub_cells[ISR_NLEVELS]; /* nhubs × groups: cells reached, per hub */
    double *hub_pop[ISR_NLEVELS];   /* nhubs × groups: people reached, per hub */
    isr_crs_scale crs_scale;        /* the analysis CRS's distortion over the region */
    size_t fric_uncovered;          /* land cells beyond the friction raster */
    size_t water_cells, road_cells; /* cells of water (--water), made faster by roads */
    const char *cache_file; /* the model cache file (--model-cache; model's), NULL: none */
    int cache_hit;          /* its rasters were mapped, not built */
    int cache_written;      /* the file holds them (mapped, or written by this run) */
    const char *prov_json;  /* provinces.geojson of the model */
    size_t prov_len;
    const char *units_geom; /* the units' geometry text of the model, or NULL */
    size_t units_geom_len;
    const int *own_unit;            /* per hub: its jurisdiction (unit) or -1 */
    const double *own_dist_m;       /* per hub: 0 inside it, else the distance to it */
    const char *wkt;                /* the analysis CRS */
    double *st_lonlat;              /* per station: lon, lat (WGS 84), for stations.csv */
    int started;                    /* the workers were started (for the cancel message) */
    int stage;                      /* 1: the region products, 2: the scenarios (the same) */
    int merged_shards;              /* isr_merge: the N shards merged (run.json), else 0 */
    int recount; /* a reused hub's isochrones are counted again: `isoreach reach` recounted
                  * the folder since (opt->recount_reused, isr_out_recount_pending) */
    int warn_from; /* run.json's warnings: the context's from this one (isr_merge: its own) */
} isr_batch;

/* batch.c: runs every hub of `set` (of model `m`) on m's worker threads with options `o`
 * (o->out the output folder, which exists and is locked): OUT/hubs/<id>/… written or
 * reused, the region accumulators filled. *b is set up here; clear it with isr_batch_clear
 * whatever this returns. */
isr_status isr_batch_run(isr_ctx *ctx, const isr_model *m, const isr_options *o,
                         const isr_hub_set *set, isr_batch *b);
void isr_batch_clear(isr_batch *b);
/* batch.c: the batch of a merge over `set` (every hub of the run) made from the shards'
 * partials `parts` (partial.c) instead of a pass: nothing is searched or read back but each
 * hub's outputs are checked to be whole and current. ISR_OK with *why "" when they all fit;
 * ISR_OK with *why saying what did not (a partial missing, of another run, cut short; a
 * hub's outputs missing or stale): then clear *b and run the pass (isr_batch_run with
 * reuse_only), which reads the rasters and names a missing hub. Clear *b in any case. */
isr_status isr_batch_absorb(isr_ctx *ctx, const isr_model *m, const isr_options *o,
                            const isr_hub_set *set, isr_batch *b, char *const *parts,
                            int nparts, char *why, size_t nwhy);

/* partial.c: a shard's batch `b` (its hubs; full_no[i] the run's number of its hub i, of
 * nall) written to `path` (OUT/shards/K-of-N.part) for the merge. */
isr_status isr_partial_write(isr_ctx *ctx, const isr_batch *b, const int *full_no, int nall,
                             const char *path);
/* partial.c: the partial at `path` reduced into the merge's batch `b` (set up over every hub
 * of the run): its hubs' results and tallies copied (seen[h] set; a hub seen before is a
 * fault), its tiles reduced into b's accumulators. A partial that does not fit leaves *why
 * saying so (b may then hold part of it) and returns ISR_OK; errors are out of memory. */
isr_status isr_partial_absorb(isr_ctx *ctx, isr_batch *b, const char *path, char *seen,
                              char *why, size_t nwhy);
/* batch.c: the settings string that hub rasters of `m` with options `o` carry
 * (ISOREACH_SETTINGS; a resumed run or a merge reuses a raster only when it matches). New. */
char *isr_batch_settings(isr_ctx *ctx, const isr_model *m, const isr_options *o);

/* shard.c: a shard's start (o->shard_n > 0): the output folder made when missing and the
 * shard's own lock (OUT/.isoreach-shard-K-of-N.lock, so shards of one --out run at once), its
 * old record removed; no sweep of temporaries (another host's files may look orphaned).
 * *created and *lock as run.c's out_begin. */
isr_status isr_shard_begin(isr_ctx *ctx, const isr_options *o, char **created, char **lock);
/* shard.c: the shard's share of m's hubs (dealt by estimated cost) into OUT/hubs/, then
 * OUT/shards/K-of-N.json; no region products, no run.json. A failure writes the record with
 * status "failed" and the message. */
isr_status isr_shard_pass(isr_ctx *ctx, const isr_model *m, const isr_options *o, isr_batch *b,
                          double t_start, double load_s);

/* shard.c: isr_merge with the model `m` that shard 1 of an isr_run_shard_merge loaded (not
 * read again), on `threads` threads (0: --threads); run.json's warnings are the context's
 * from `warn_from` on. */
isr_status isr_merge_loaded(isr_ctx *ctx, const isr_options *opt, isr_model *m, int warn_from,
                            int threads);

/* batch.c: one hub's search of `m` with budget `budget_min`, nothing written; *minutes
 * (new memory) is its travel-time raster cropped as travel_time.tif is, w × h cells, nodata
 * ISR_TIME_NODATA, with the GDAL geotransform gt. */
isr_status isr_batch_hub_grid(isr_ctx *ctx, const isr_model *m, int station, double budget_min,
                              float **minutes, int *w, int *h, double gt[6]);

/* batch.c: the same on rail network `net` (lines mode; a scenario's copy of m->net, whose
 * stations 0..n-1 are the model's): what the scenario comparison (scenario_run.c) runs. */
isr_status isr_batch_net_grid(isr_ctx *ctx, const isr_model *m, const isr_rail_net *net,
                              int station, double budget_min, float **minutes, int *w, int *h,
                              double gt[6]);
/* The same with GTFS run `gr` (a scenario's timetable, catchments; NULL: lines mode) and its
 * network `net` (its stations, gr's stations). */
isr_status isr_batch_gtfs_grid(isr_ctx *ctx, const isr_model *m, const isr_gtfs_run *gr,
                               const isr_rail_net *net, int station, double budget_min,
                               float **minutes, int *w, int *h, double gt[6]);

/* region.c: the region products of a finished batch in o->out/region (the folder exists):
 * the region rasters and nearest_hub.csv, the cross-border reach, the rail layers and QGIS
 * styles, the web map; checks for a cancel between them. */
isr_status isr_region_write(isr_batch *b);

/* region.c: OUT/run.json: inputs, parameters, grid, hubs, `timing` (load, hubs, products,
 * total seconds) and the warnings logged so far. */
isr_status isr_run_json_write(isr_batch *b, const double timing[4]);

#endif
