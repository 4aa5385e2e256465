/*
 * isoreach.h — the public API of libisoreach, the 1-hour commuting circle engine.
 * Installed as <isoreach.h>; link with `pkg-config --cflags --libs isoreach`.
 *
 * One header, opaque handles, every symbol prefixed `isr_`. Every fallible call returns an
 * isr_status; on failure the reason (naming the file, layer, feature or field) is kept on
 * the context and read with isr_ctx_errmsg(). The engine never prints and never exits: it
 * reports through the logger and progress callbacks the host installs on the context.
 *
 * Typical use (this is all the `isoreach` command line does):
 *
 *     isr_ctx *ctx = isr_ctx_new();
 *     isr_options opt;
 *     isr_options_init(&opt);
 *     if (isr_options_parse(ctx, &opt, argc, argv) != ISR_OK || isr_run(ctx, &opt) != ISR_OK)
 *         fprintf(stderr, "isoreach: %s\n", isr_ctx_errmsg(ctx));
 *     isr_options_clear(&opt);
 *     isr_ctx_free(ctx);
 */
#ifndef ISOREACH_H
#define ISOREACH_H

#include <stddef.h>

#include "isoreach_version.h"

/* ISR_API marks the functions libisoreach exports; the library is built with hidden
 * visibility, so nothing else (no internal module) is part of its ABI. */
#if defined(__GNUC__) || defined(__clang__)
#define ISR_API __attribute__((visibility("default")))
#else
#define ISR_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Status of every fallible call. */
typedef enum isr_status {
    ISR_OK = 0,
    ISR_ERR_USAGE,       /* a bad option, flag value or argument */
    ISR_ERR_INPUT,       /* an input file, layer, feature or field is missing or wrong */
    ISR_ERR_CRS,         /* a CRS is missing, unknown or cannot be transformed */
    ISR_ERR_MEMORY,      /* out of memory, or the job would need more than allowed */
    ISR_ERR_IO,          /* an output could not be written */
    ISR_ERR_INTERRUPTED, /* the run was cancelled (isr_ctx_cancel) */
    ISR_ERR_INTERNAL     /* a library call failed unexpectedly */
} isr_status;

/* A short, static English description of a status ("bad input", …). Never NULL. */
ISR_API const char *isr_status_str(isr_status status);

/* The library version ("0.1.0"), static. */
ISR_API const char *isr_version(void);

/* Versions of isoreach and the libraries it was built against and runs with, one line
 * ("isoreach 0.1.0 (GDAL 3.6.2, PROJ 9.1.1, GEOS 3.11.1, libcurl 7.88.1)"). Static. */
ISR_API const char *isr_version_full(void);

/* ---------------------------------------------------------------------------------------
 * Context: the error message, logging and progress of one caller. A context may be used by
 * one host thread at a time; the engine's worker threads report through it safely.
 */
typedef struct isr_ctx isr_ctx;

typedef enum isr_log_level { ISR_LOG_DEBUG, ISR_LOG_INFO, ISR_LOG_WARN } isr_log_level;

/* Called for each log message (a whole sentence, no trailing newline). */
typedef void (*isr_log_fn)(void *user, isr_log_level level, const char *msg);

/* Called as long steps progress: `stage` names the step ("loading", "hubs", "products"),
 * `done` of `total` units are complete. Called from the host thread and from workers, but
 * never from two threads at once. */
typedef void (*isr_progress_fn)(void *user, const char *stage, size_t done, size_t total);

/* A new context; NULL only when out of memory. Free with isr_ctx_free(). */
ISR_API isr_ctx *isr_ctx_new(void);

/* Frees the context. isr_ctx_free(NULL) is a no-op. */
ISR_API void isr_ctx_free(isr_ctx *ctx);

/* The message of the last failure on this context ("" if none). Borrowed: valid until the
 * next call that uses the context. */
ISR_API const char *isr_ctx_errmsg(const isr_ctx *ctx);

/* Installs the logger (NULL: messages are dropped) and the minimum level delivered. */
ISR_API void isr_ctx_set_logger(isr_ctx *ctx, isr_log_fn fn, void *user,
                                isr_log_level min_level);

/* Installs the progress callback (NULL: none). */
ISR_API void isr_ctx_set_progress(isr_ctx *ctx, isr_progress_fn fn, void *user);

/* Asks the running call on this context (isr_run(), isr_model_open(), …) to stop as soon as
 * it can; safe to call from a signal handler. The call then returns ISR_ERR_INTERRUPTED and
 * leaves no partial output files. A cancel that comes while no call runs stops the next one;
 * a call that fails clears it. */
ISR_API void isr_ctx_cancel(isr_ctx *ctx);

/* ---------------------------------------------------------------------------------------
 * Options of a run. A plain struct: fill it with isr_options_init(), then set fields or
 * parse a command line with isr_options_parse(). String fields are borrowed (they must
 * outlive the run) unless set by isr_options_parse, which copies; isr_options_clear()
 * frees what the options own.
 */
typedef enum isr_wait { ISR_WAIT_HALF_HEADWAY, ISR_WAIT_NONE } isr_wait;
typedef enum isr_direction { ISR_FROM_HUB, ISR_TO_HUB } isr_direction;

typedef struct isr_options {
    /* Inputs: any OGR source (a path, or an http(s) URL). */
    const char *boundaries;       /* polygons of admin units (default: the embedded sample) */
    const char *stations;         /* points: rail stations */
    const char *lines;            /* linestrings: rail lines */
    const char *boundaries_layer; /* layer names; NULL: the source's first layer */
    const char *stations_layer;
    const char *lines_layer;
    const char *encoding;         /* shapefile text encoding (e.g. "GBK"); NULL: .cpg/LDID */
    const char *friction;         /* optional raster: seconds per metre, nodata = barrier */

    /* Field names. */
    const char *station_id_field;   /* default "id" */
    const char *station_name_field; /* default "name" */
    const char *hub_field;          /* default "hub" (non-zero: a hub) */
    const char *line_name_field;    /* default "name" */
    const char *line_speed_field;   /* default "speed_kmh" */
    const char *line_headway_field; /* default "headway" (minutes) */
    const char *line_headway_back_field; /* default "headway_bk": minutes between trains
                                            running against the stop order; absent or blank:
                                            the same as headway */
    const char *line_minutes_field; /* default "minutes" ("17;8;;12": run minutes per stop
                                       pair, blank where unknown); absent field: none */
    const char *line_stops_field;   /* default "stops": "id;id;…", the calls of a service that
                                       skips stations (an express); blank or absent: every
                                       station within snap_m of the line is a stop */

    /* Boundary fields: the unit hierarchy county -> prefecture -> province. Absent prefecture
     * or province fields are derived from 6-digit GB/T 2260 codes (first 4 / 2 digits). */
    const char *unit_id_field;     /* default "code" (absent: the feature id) */
    const char *unit_name_field;   /* default "name" */
    const char *pref_field;        /* default "pref_code" */
    const char *pref_name_field;   /* default "pref_name" */
    const char *prov_field;        /* default "prov_code" */
    const char *prov_name_field;   /* default "prov_name" */
    const char *pop_field;         /* default "pop": people per unit, spread over its cells */
    const char *population;        /* optional raster of people per cell; overrides pop_field */

    const char *hubs; /* comma-separated station ids; NULL: every station flagged hub */
    const char *bands;  /* isochrone band limits in minutes "15,30,45,60"; NULL: every 15
                           minutes up to the budget */
    double min_area_km2; /* isochrone parts and holes smaller than this are dropped (0.1) */
    double simplify_m;   /* isochrone simplification tolerance, at most one cell (0: none) */

    double budget_min;       /* time budget, minutes (default 60) */
    double resolution_m;     /* cell size, metres (default 250) */
    const char *crs;         /* analysis CRS (any PROJ/GDAL definition); NULL: fitted Albers */
    double egress_speed_kmh; /* local travel speed (default 20) */
    double detour;           /* local route length ÷ straight line (default 1.3) */
    double dwell_min;        /* dwell at each intermediate stop (default 2) */
    double transfer_min;     /* walking and buffer to change lines (default 6) */
    isr_wait wait;           /* boarding wait (default half the headway) */
    isr_direction direction; /* from the hub (default) or to it */
    double snap_m;           /* stations within this distance of a line are its stops (500) */
    double max_memory_mb;    /* refuse grids needing more than this (default 16384) */
    int threads;             /* worker threads; 0: one per core */
    const char *out;         /* output folder (default "out") */
    int quiet;               /* no progress reports */
    int log_json;            /* for the host: report as JSON lines (the CLI's --log-json) */
    int overwrite;           /* recompute hubs whose outputs exist (default: skip them) */
    int write_friction;      /* also write OUT/region/friction.tif (seconds per metre) */
    int no_maps;             /* do not draw the maps at the end of isr_run (isr_map_run) */
    const char *map_attribution; /* data credits printed on every map; NULL: the sample's
                                    credits for the sample, else the input file names */

    double min_reach_km2; /* a county counts as reached only when at least this much of it
                             is within the budget (default 0.5): slivers of one or two cells
                             along a border are not "reach" (see README) */
    double timeout_s; /* http(s) inputs: seconds without an answer before failing (60) */

    void *owned_; /* private: strings the options own */
} isr_options;

/* Sets every field to its default. The input fields point at the embedded sample when the
 * engine was built from the source tree (ISR_SAMPLE_DIR), else NULL. */
ISR_API void isr_options_init(isr_options *opt);

/* Parses `isoreach run` flags (argv[0] is the subcommand name and is skipped). Unknown
 * flags, missing values and out-of-range numbers fail with ISR_ERR_USAGE and a message
 * naming the flag. Strings are copied into the options. */
ISR_API isr_status isr_options_parse(isr_ctx *ctx, isr_options *opt, int argc, char **argv);

/* The help text of `isoreach run`: every flag, its default and its unit. Static. */
ISR_API const char *isr_options_help(void);

/* The help text of one command ("run", "reach", "map", "info"): only the flags it reads,
 * with defaults and units. Static; NULL for an unknown command. */
ISR_API const char *isr_command_help(const char *command);

/* Frees what the options own; the struct may be reused after isr_options_init(). */
ISR_API void isr_options_clear(isr_options *opt);

/* Options on the heap, for bindings and hosts that should not depend on the struct's layout:
 * the defaults, then argv[1..argc-1] parsed as isr_options_parse does (argc 0 or 1: only
 * the defaults). NULL on a bad flag or no memory, with the reason on the context. Free
 * with isr_options_free(). */
ISR_API isr_options *isr_options_new(isr_ctx *ctx, int argc, char **argv);

/* Sets one option by its flag name, with or without the dashes ("budget", "--hubs"), to
 * `value` as the command line would give it ("45", "a,b"); NULL for a flag without a value
 * ("no-maps", "quiet"). The value is copied. ISR_ERR_USAGE with the parser's message for
 * an unknown name or a bad value. */
ISR_API isr_status isr_options_set(isr_ctx *ctx, isr_options *opt, const char *name,
                                   const char *value);

/* Frees options made by isr_options_new(). NULL is a no-op. */
ISR_API void isr_options_free(isr_options *opt);

/* ---------------------------------------------------------------------------------------
 * Running.
 */

/* The main job: loads the inputs, builds the grid, friction and rail network, then for
 * every hub (in parallel) runs the rail search and the grid cost-distance, and writes
 *   OUT/hubs/<station id>/travel_time.tif   (COG, Float32 minutes, nodata past the budget)
 *   OUT/hubs/<station id>/stations.csv      (rail and door-to-door time to every station)
 *   OUT/hubs/<station id>/isochrones.geojson (bands: cumulative and rings, EPSG:4326)
 *   OUT/hubs/<station id>/reach.csv         (area, population reached per admin unit)
 *   OUT/region/nearest_hub_time.tif, nearest_hub.tif (+ .csv lookup), hubs_within.tif
 *   OUT/region/reach_matrix.csv, units.geojson, summary.json (cross-border reach)
 *   OUT/region/rail_lines.geojson, rail_stations.geojson (the rail inputs, EPSG:4326)
 *   OUT/run.json                             (parameters, inputs, versions, timings)
 * Publication (QGIS styles, maps, the web map) is isr_publish() of libisoreach_publish
 * (isoreach_publish.h), which reads these outputs.
 * Every file is written under a temporary name and renamed when complete. Hubs whose
 * travel_time.tif exists with the same settings are skipped unless opt->overwrite. */
ISR_API isr_status isr_run(isr_ctx *ctx, const isr_options *opt);

/* `isoreach reach`: recomputes the reach tables (hubs/<id>/reach.csv, region/reach_matrix.csv,
 * units.geojson, summary.json) in opt->out from the rasters of an earlier run, using
 * opt->boundaries with its unit fields and opt->population: other boundaries or levels
 * without rerunning the searches. */
ISR_API isr_status isr_reach_run(isr_ctx *ctx, const isr_options *opt);

/* ---------------------------------------------------------------------------------------
 * A model: the region loaded once (inputs, CRS, grid, zones, friction, rail network), then
 * asked many questions — other hubs, other output folders, one hub's grid in memory —
 * without reading the inputs again. isr_run() is isr_model_open(), isr_model_run_hubs() with
 * opt->hubs into opt->out, and isr_model_close().
 */
typedef struct isr_model isr_model;

/* Loads what `opt` names (boundaries, stations, lines, friction, population; the CRS, grid
 * and network its flags describe) and checks the flags and the hubs of opt->hubs, as
 * isr_run() does before its first hub. On success *out is a new model that the caller
 * closes with isr_model_close(); on failure *out is NULL and the reason is on the context.
 * The model keeps `ctx` and `opt` (borrowed: both must outlive it) and reports through ctx.
 * Nothing is written. Cost: the grid (about 16 bytes a cell) and the network. */
ISR_API isr_status isr_model_open(isr_ctx *ctx, const isr_options *opt, isr_model **out);

/* Runs the hubs `hubs` ("a,b": station ids; NULL: every station flagged hub) and writes, in
 * `out_dir`, their outputs and the region products and run.json exactly as isr_run() does:
 * OUT/hubs/<id>/…, OUT/region/…, OUT/run.json (then isr_publish() styles them). Hubs
 * whose outputs exist with the same settings are reused unless the options' overwrite.
 * ISR_ERR_INPUT names an id that is no station; ISR_ERR_INTERRUPTED after isr_ctx_cancel
 * (whole files only, no run.json). */
ISR_API isr_status isr_model_run_hubs(isr_model *m, const char *hubs, const char *out_dir);

/* One hub's travel-time grid in memory, nothing written: the minutes from (or to, as the
 * options' direction) the station `hub_id` within `budget_min` minutes (<= 0: the options'
 * budget), cropped to the cells reached as OUT/hubs/<id>/travel_time.tif is. On success
 * *minutes is a new *width × *height row-major array (north row first) of Float32 minutes,
 * -9999 past the budget, that the caller frees with isr_free(); gt is its GDAL geotransform
 * in the model's analysis CRS. ISR_ERR_INPUT when no station has that id. */
ISR_API isr_status isr_model_run_hub(isr_model *m, const char *hub_id, double budget_min,
                             float **minutes, int *width, int *height, double gt[6]);

/* Frees the model. isr_model_close(NULL) is a no-op. */
ISR_API void isr_model_close(isr_model *m);

/* A text summary of any OGR source: driver, layers, geometry type, CRS, feature count,
 * fields, extent and how many geometries are invalid. On success *text is a new string
 * the caller frees with isr_free(). */
ISR_API isr_status isr_info(isr_ctx *ctx, const char *path, char **text);

/* Frees memory the engine returned to the caller (e.g. isr_info's text). NULL is a no-op. */
ISR_API void isr_free(void *p);

#ifdef __cplusplus
}
#endif
#endif /* ISOREACH_H */
