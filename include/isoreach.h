/*
 * isoreach.h — the public API of libisoreach, the 1-hour commuting circle engine.
 * Installed as <isoreach.h>; link with `pkg-config --cflags --libs isoreach`.
 *
 * One header, opaque handles, every symbol prefixed `isr_`. Every fallible call returns an
 * isr_status; on failure the reason (naming the file, layer, feature or field) is kept on
 * the context and read with isr_ctx_errmsg(). The engine never prints and never exits: it
 * reports through the logger and progress callbacks the host installs on the context.
 *
 * Typical use (this is all the `isoreach run` command line does):
 *
 *     isr_ctx *ctx = isr_ctx_new();
 *     isr_options *opt = isr_options_new(ctx, argc, argv);   // argv[0] = "run"
 *     if (!opt || isr_options_set(ctx, opt, "budget", "45") != ISR_OK ||
 *         isr_run(ctx, opt) != ISR_OK)
 *         fprintf(stderr, "isoreach: %s\n", isr_ctx_errmsg(ctx));
 *     else
 *         printf("outputs in %s/\n", isr_options_get(opt, "out"));
 *     isr_options_free(opt);
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

/* The status of that failure (ISR_OK if none), for calls that return no status, such as
 * isr_options_new() returning NULL: ISR_ERR_USAGE for a bad flag, ISR_ERR_MEMORY. */
ISR_API isr_status isr_ctx_status(const isr_ctx *ctx);

/* Installs the logger (NULL: messages are dropped) and the minimum level delivered. */
ISR_API void isr_ctx_set_logger(isr_ctx *ctx, isr_log_fn fn, void *user,
                                isr_log_level min_level);

/* Installs the progress callback (NULL: none). */
ISR_API void isr_ctx_set_progress(isr_ctx *ctx, isr_progress_fn fn, void *user);

/* Asks the running call on this context (isr_run(), isr_model_open(), …) to stop as soon as
 * it can; safe to call from a signal handler. The call then returns ISR_ERR_INTERRUPTED and
 * leaves no partial output files. A cancel that comes while no call runs stops the next one
 * (also after a call that failed); a call that fails while one is pending consumes it. */
ISR_API void isr_ctx_cancel(isr_ctx *ctx);

/* ---------------------------------------------------------------------------------------
 * Options of a run: an opaque handle, set by the flag names of `isoreach run` (see
 * isr_options_help()), so the same options work from C, from a binding and from the command
 * line, and a new option breaks no caller. Values are text as the command line gives them.
 */
typedef struct isr_options isr_options;

/* New options: the defaults, then argv[1..argc-1] parsed as `isoreach run` flags (argv[0],
 * the subcommand name, is skipped; argc 0 or 1: only the defaults). The input flags default
 * to the embedded sample when the library was built from the source tree. Unknown flags,
 * missing values and out-of-range numbers fail with ISR_ERR_USAGE and a message naming the
 * flag ("--budget: 0 is out of range (more than 0 to 1440)"): NULL, with the reason on the
 * context (also NULL when out of memory). Strings are copied. Free with isr_options_free(). */
ISR_API isr_options *isr_options_new(isr_ctx *ctx, int argc, char **argv);

/* Sets one option by its flag name, with or without the dashes ("budget", "--hubs"), to
 * `value` as the command line would give it ("45", "a,b"); NULL for a switch without a
 * value ("no-maps", "overwrite"). The value is copied. ISR_ERR_USAGE with the parser's
 * message for an unknown name or a bad value; the options keep their earlier value. */
ISR_API isr_status isr_options_set(isr_ctx *ctx, isr_options *opt, const char *name,
                                   const char *value);

/* The current value of one option by its flag name, with or without the dashes ("out",
 * "--budget"), as text the command line would take: a string as set ("out"), a number in
 * the shortest form that reads back the same ("60", "0.1"), "half-headway"/"none" for
 * --wait, "from"/"to" for --direction, "1"/"0" for a switch ("overwrite"). NULL when the
 * name is unknown or the option has no value (an unset --hubs, --crs, --friction…).
 * Borrowed: valid until the next isr_options_set, isr_options_get or isr_options_free on
 * `opt`. */
ISR_API const char *isr_options_get(isr_options *opt, const char *name);

/* Frees options made by isr_options_new(). NULL is a no-op. */
ISR_API void isr_options_free(isr_options *opt);

/* The help text of `isoreach run`: every flag, its default and its unit. Static. */
ISR_API const char *isr_options_help(void);

/* The help text of one command ("run", "reach", "map", "info"): only the flags it reads,
 * with defaults and units. Static; NULL for an unknown command. */
ISR_API const char *isr_command_help(const char *command);

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
 * travel_time.tif exists with the same settings are skipped unless --overwrite.
 * With the option "shard" = "K/N" only the K-th of N shares of the hubs is computed, into
 * OUT/hubs/ and OUT/shards/K-of-N.json, with no region products and no run.json: isr_merge()
 * writes them once every shard has finished (README: Scale-out). */
ISR_API isr_status isr_run(isr_ctx *ctx, const isr_options *opt);

/* `isoreach reach`: recomputes the reach tables (hubs/<id>/reach.csv, region/reach_matrix.csv,
 * units.geojson, summary.json) in --out from the rasters of an earlier run, using
 * --boundaries with its unit fields and --population: other boundaries or levels
 * without rerunning the searches. */
ISR_API isr_status isr_reach_run(isr_ctx *ctx, const isr_options *opt);

/* The region products and run.json of a run made as N shards (isr_run() with the option
 * "shard" = "K/N", K = 1..N, each into opt's "out"): checks OUT/shards/K-of-N.json (every
 * shard there, finished, with one set of options and inputs), takes the run's options from
 * them (options given in `opt` win, as in isr_reach_run), loads the model and reuses every
 * hub's outputs (none is searched; a hub whose outputs are missing or stale fails, naming
 * it). Outputs are those of one isr_run() with those options. ISR_ERR_INPUT names a missing,
 * failed or different shard; locks "out" as isr_run() does. */
ISR_API isr_status isr_merge(isr_ctx *ctx, const isr_options *opt);

/* What isr_run_shard_merge() calls on every shard once its own pass ended with `mine`: it
 * returns ISR_OK when every shard finished well (e.g. MPI_Allgather of the statuses), else
 * the status to end with (its message recorded by the host). It may set *local_shards to
 * the shards on shard 1's machine (e.g. MPI_COMM_TYPE_SHARED), which wait while it merges:
 * the merge then runs on --threads × that many threads (with --threads 0, on every core);
 * left 0 or 1, on --threads. */
typedef isr_status (*isr_shard_sync_fn)(void *user, isr_ctx *ctx, isr_status mine,
                                        int *local_shards);

/* `mpirun`: isr_run() of shard K/N (the option "shard"), then sync(user, ctx, status) on
 * every shard, then on shard 1 (when sync gave ISR_OK) isr_merge() on the model this shard
 * loaded, which is not read again. The other shards return after sync. Outputs are those of
 * isr_run() then isr_merge(). */
ISR_API isr_status isr_run_shard_merge(isr_ctx *ctx, const isr_options *opt,
                                       isr_shard_sync_fn sync, void *user);

/* ---------------------------------------------------------------------------------------
 * A model: the region loaded once (inputs, CRS, grid, zones, friction, rail network), then
 * asked many questions — other hubs, other output folders, one hub's grid in memory —
 * without reading the inputs again. isr_run() is isr_model_open(), isr_model_run_hubs() with
 * --hubs into --out, and isr_model_close().
 */
typedef struct isr_model isr_model;

/* Loads what `opt` names (boundaries, stations, lines, friction, population; the CRS, grid
 * and network its flags describe) and checks the flags and the hubs of --hubs, as
 * isr_run() does before its first hub. On success *out is a new model that the caller
 * closes with isr_model_close(); on failure *out is NULL and the reason is on the context.
 * The model keeps `ctx` and `opt` (borrowed: both must outlive it) and reports through ctx.
 * Nothing is written. Cost: the grid (about 16 bytes a cell) and the network. */
ISR_API isr_status isr_model_open(isr_ctx *ctx, const isr_options *opt, isr_model **out);

/* Runs the hubs `hubs` ("a,b": station ids; NULL: the model's, those of its --hubs, else every
 * station flagged hub) and writes, in
 * `out_dir`, their outputs and the region products and run.json exactly as isr_run() does:
 * OUT/hubs/<id>/…, OUT/region/…, OUT/run.json (then isr_publish() styles them). Hubs
 * whose outputs exist with the same settings are reused unless --overwrite.
 * ISR_ERR_INPUT names an id that is no station; ISR_ERR_INTERRUPTED after isr_ctx_cancel
 * (whole files only, no run.json). */
ISR_API isr_status isr_model_run_hubs(isr_model *m, const char *hubs, const char *out_dir);

/* One hub's travel-time grid in memory, nothing written: the minutes from (or to, as
 * --direction says) the station `hub_id` within `budget_min` minutes (0: --budget;
 * negative, more than 1440, or NaN: ISR_ERR_USAGE, as --budget),
 * cropped to the cells reached as OUT/hubs/<id>/travel_time.tif is. On success *minutes
 * is a new *width × *height row-major array (north row first) of Float32 minutes, -9999
 * past the budget, that the caller frees with isr_free(); gt is its GDAL geotransform
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
