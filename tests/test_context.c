/* Criterion suite for context.c: the error message (first failure wins, reset), the cancel
 * flag across calls, warnings kept in order for run.json, the logger's level filter, GDAL
 * messages routed to the log and appended to failures, progress, GEOS messages. */
#include "internal.h"

#include <cpl_error.h>
#include <criterion/criterion.h>
#include <string.h>

/* A logger that records what it was given. */
typedef struct rec {
    int n;
    isr_log_level level[16];
    char msg[16][256];
} rec;

static void rec_log(void *user, isr_log_level level, const char *msg)
{
    rec *r = user;
    if (r->n < 16) {
        r->level[r->n] = level;
        snprintf(r->msg[r->n], sizeof r->msg[r->n], "%s", msg);
        r->n++;
    }
}

Test(context, first_failure_wins)
{
    isr_ctx *ctx = isr_ctx_new();
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "");
    cr_assert_eq(isr_fail(ctx, ISR_ERR_INPUT, "stations '%s': feature %d has no id", "s.shp", 7),
                 ISR_ERR_INPUT);
    /* a second worker failing later must not overwrite the root cause */
    cr_assert_eq(isr_fail(ctx, ISR_ERR_IO, "cannot write '%s'", "x.tif"), ISR_ERR_IO);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "stations 's.shp': feature 7 has no id");
    /* the next public call starts clean and records its own first failure */
    isr_ctx_reset(ctx);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "");
    isr_fail(ctx, ISR_ERR_CRS, "second");
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "second");
    isr_ctx_free(ctx);
    cr_assert_str_eq(isr_ctx_errmsg(NULL), "no context");
    isr_ctx_free(NULL); /* a no-op */
}

Test(context, long_message_is_truncated_not_overflowed)
{
    isr_ctx *ctx = isr_ctx_new();
    char big[30000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    isr_fail(ctx, ISR_ERR_INPUT, "%s", big);
    /* the message buffer is 20480 bytes (four paths of PATH_MAX and their words): 20479
     * characters kept */
    cr_assert_eq(strlen(isr_ctx_errmsg(ctx)), 20479);
    isr_ctx_free(ctx);
}

Test(context, fail_gdal_appends_gdals_message)
{
    isr_ctx *ctx = isr_ctx_new();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    isr_fail_gdal(ctx, ISR_ERR_INPUT, "friction raster '%s': cannot read", "f.tif");
    /* no GDAL error: nothing appended */
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "friction raster 'f.tif': cannot read");
    isr_ctx_reset(ctx);
    CPLError(CE_Failure, CPLE_FileIO, "TIFFReadEncodedTile() failed");
    cr_assert_eq(isr_fail_gdal(ctx, ISR_ERR_INPUT, "friction raster '%s': cannot read", "f.tif"),
                 ISR_ERR_INPUT);
    CPLPopErrorHandler();
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "friction raster 'f.tif': cannot read (TIFFReadEncodedTile() failed)");
    isr_ctx_free(ctx);
}

Test(context, cancel_survives_reset_unless_the_last_call_failed)
{
    isr_ctx *ctx = isr_ctx_new();
    cr_assert_eq(isr_cancelled(ctx), 0);
    /* a cancel that came while no call ran stops the next one: reset keeps it */
    isr_ctx_cancel(ctx);
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_cancelled(ctx), 1);
    /* that call stopped (failed): the next call's reset consumes the cancel */
    isr_fail(ctx, ISR_ERR_INTERRUPTED, "interrupted");
    cr_assert_eq(isr_cancelled(ctx), 1);
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_cancelled(ctx), 0);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "");
    /* a reset after a successful call leaves a fresh cancel alone */
    isr_ctx_reset(ctx);
    isr_ctx_cancel(ctx);
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_cancelled(ctx), 1);
    isr_fail(ctx, ISR_ERR_INTERRUPTED, "interrupted");
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_cancelled(ctx), 0);
    /* a call that failed for another reason (an unknown hub), then a cancel between the calls:
     * it stops the next call (the reset cleared it, and the next call ran whole) */
    isr_fail(ctx, ISR_ERR_INPUT, "--hubs: no station has id 'x'");
    isr_ctx_cancel(ctx);
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_cancelled(ctx), 1);
    isr_ctx_free(ctx);
}

Test(context, warnings_kept_in_order_without_a_logger)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_log(ctx, ISR_LOG_INFO, "info %d", 1);
    isr_log(ctx, ISR_LOG_WARN, "first warning %d", 1);
    isr_log(ctx, ISR_LOG_DEBUG, "debug");
    isr_log(ctx, ISR_LOG_WARN, "second warning %.1f", 2.5);
    /* only warnings are kept, in the order logged, even when nobody is listening */
    cr_assert_eq(isr_ctx_nwarnings(ctx), 2);
    cr_assert_str_eq(isr_ctx_warning(ctx, 0), "first warning 1");
    cr_assert_str_eq(isr_ctx_warning(ctx, 1), "second warning 2.5");
    isr_ctx_free(ctx);
}

Test(context, a_deferred_context_keeps_its_lines_and_failure_for_the_replay)
{
    isr_ctx *ctx = isr_ctx_new();
    rec r = {0};
    isr_ctx_set_logger(ctx, rec_log, &r, ISR_LOG_INFO);
    isr_ctx *child = isr_ctx_deferred(ctx);
    cr_assert_not_null(child);
    isr_log(child, ISR_LOG_WARN, "thin water %d", 1);
    isr_log(child, ISR_LOG_DEBUG, "below the parent's level: dropped");
    isr_log(child, ISR_LOG_INFO, "water cells %d", 11);
    isr_fail(child, ISR_ERR_INPUT, "water: bad");
    /* nothing reached the parent yet: the other work's lines come first */
    isr_log(ctx, ISR_LOG_WARN, "before");
    cr_assert_eq(r.n, 1);
    cr_assert_eq(isr_ctx_status(ctx), ISR_OK);
    /* the parent's cancel is the child's */
    cr_assert_eq(isr_cancelled(child), 0);
    isr_ctx_cancel(ctx);
    cr_assert_eq(isr_cancelled(child), 1);
    cr_assert_eq(isr_ctx_replay(ctx, child), ISR_ERR_INPUT);
    cr_assert_eq(r.n, 3);
    cr_assert_str_eq(r.msg[1], "thin water 1");
    cr_assert_eq(r.level[1], ISR_LOG_WARN);
    cr_assert_str_eq(r.msg[2], "water cells 11");
    cr_assert_eq(r.level[2], ISR_LOG_INFO);
    cr_assert_eq(isr_ctx_status(ctx), ISR_ERR_INPUT);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "water: bad");
    cr_assert_eq(isr_ctx_nwarnings(ctx), 2); /* "before", then the child's, for run.json */
    cr_assert_str_eq(isr_ctx_warning(ctx, 1), "thin water 1");
    /* a parent that failed first keeps its own failure; a quiet parent (no logger) gets the
     * child's warnings for run.json only */
    isr_ctx *quiet = isr_ctx_new();
    isr_fail(quiet, ISR_ERR_IO, "first");
    child = isr_ctx_deferred(quiet);
    isr_log(child, ISR_LOG_INFO, "not kept");
    isr_log(child, ISR_LOG_WARN, "kept");
    isr_fail(child, ISR_ERR_INPUT, "second");
    cr_assert_eq(isr_ctx_replay(quiet, child), ISR_ERR_INPUT);
    cr_assert_str_eq(isr_ctx_errmsg(quiet), "first");
    cr_assert_eq(isr_ctx_nwarnings(quiet), 1);
    cr_assert_str_eq(isr_ctx_warning(quiet, 0), "kept");
    cr_assert_eq(isr_ctx_replay(quiet, NULL), ISR_OK);
    isr_ctx_free(quiet);
    isr_ctx_free(ctx);
}

Test(context, warnings_capped_at_1000)
{
    isr_ctx *ctx = isr_ctx_new();
    for (int i = 0; i < 1005; i++)
        isr_log(ctx, ISR_LOG_WARN, "w%d", i);
    cr_assert_eq(isr_ctx_nwarnings(ctx), 1000);
    cr_assert_str_eq(isr_ctx_warning(ctx, 999), "w999");
    isr_ctx_free(ctx);
}

Test(context, logger_level_filter)
{
    isr_ctx *ctx = isr_ctx_new();
    rec r = {0};
    isr_ctx_set_logger(ctx, rec_log, &r, ISR_LOG_INFO);
    isr_log(ctx, ISR_LOG_DEBUG, "d");
    isr_log(ctx, ISR_LOG_INFO, "i %s", "x");
    isr_log(ctx, ISR_LOG_WARN, "w");
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.level[0], ISR_LOG_INFO);
    cr_assert_str_eq(r.msg[0], "i x");
    cr_assert_eq(r.level[1], ISR_LOG_WARN);
    cr_assert_str_eq(r.msg[1], "w");
    /* --quiet: warnings only, still kept for run.json */
    isr_ctx_set_logger(ctx, rec_log, &r, ISR_LOG_WARN);
    isr_log(ctx, ISR_LOG_INFO, "i2");
    isr_log(ctx, ISR_LOG_WARN, "w2");
    cr_assert_eq(r.n, 3);
    cr_assert_str_eq(r.msg[2], "w2");
    /* --verbose: debug too */
    isr_ctx_set_logger(ctx, rec_log, &r, ISR_LOG_DEBUG);
    isr_log(ctx, ISR_LOG_DEBUG, "d2");
    cr_assert_eq(r.n, 4);
    cr_assert_eq(r.level[3], ISR_LOG_DEBUG);
    cr_assert_eq(isr_ctx_nwarnings(ctx), 2);
    isr_ctx_free(ctx);
}

Test(context, gdal_warnings_routed_to_debug_log)
{
    isr_ctx *ctx = isr_ctx_new();
    rec r = {0};
    isr_ctx_set_logger(ctx, rec_log, &r, ISR_LOG_DEBUG);
    isr_gdal_errors_push(ctx);
    CPLError(CE_Warning, CPLE_AppDefined, "Field name truncated");
    CPLError(CE_Failure, CPLE_AppDefined, "not a warning"); /* failures are the caller's */
    isr_gdal_errors_pop();
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.level[0], ISR_LOG_DEBUG);
    cr_assert_str_eq(r.msg[0], "GDAL: Field name truncated");
    cr_assert_eq(isr_ctx_nwarnings(ctx), 0); /* not a warning of the run */
    isr_ctx_free(ctx);
}

typedef struct prog {
    int n;
    char stage[32];
    size_t done, total;
} prog;

static void on_prog(void *user, const char *stage, size_t done, size_t total)
{
    prog *p = user;
    p->n++;
    snprintf(p->stage, sizeof p->stage, "%s", stage);
    p->done = done;
    p->total = total;
}

Test(context, progress_and_timeout)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_progress(ctx, "hubs", 1, 2); /* no callback: nothing happens */
    prog p = {0};
    isr_ctx_set_progress(ctx, on_prog, &p);
    isr_progress(ctx, "hubs", 3, 7);
    cr_assert_eq(p.n, 1);
    cr_assert_str_eq(p.stage, "hubs");
    cr_assert_eq(p.done, 3);
    cr_assert_eq(p.total, 7);
    /* a deferred context's progress is the parent's as it comes (a remote --water's download
     * bar was lost; a new-user pass) */
    isr_ctx *child = isr_ctx_deferred(ctx);
    isr_progress(child, "download", 96, 96);
    cr_assert_eq(p.n, 2);
    cr_assert_str_eq(p.stage, "download");
    cr_assert_eq(p.done, 96);
    isr_ctx_free(child);
    cr_assert_eq(isr_ctx_timeout(ctx), 60.0);
    isr_ctx_set_timeout(ctx, 2.5);
    cr_assert_eq(isr_ctx_timeout(ctx), 2.5);
    isr_ctx_set_timeout(ctx, 0); /* <= 0: the default */
    cr_assert_eq(isr_ctx_timeout(ctx), 60.0);
    isr_ctx_set_timeout(ctx, -3);
    cr_assert_eq(isr_ctx_timeout(ctx), 60.0);
    isr_ctx_free(ctx);
}

Test(context, strings_and_status)
{
    char *s = isr_strdup_printf("%s-%03d-%.2f", "hub", 7, 1.5);
    cr_assert_str_eq(s, "hub-007-1.50");
    free(s);
    cr_assert_str_eq(isr_status_str(ISR_OK), "success");
    cr_assert_str_eq(isr_status_str(ISR_ERR_CRS), "CRS error");
    cr_assert_str_eq(isr_status_str(ISR_ERR_IO), "cannot write output");
    cr_assert_str_eq(isr_status_str((isr_status)99), "unknown status");
    cr_assert_str_eq(isr_version(), ISR_VERSION);
    cr_assert_eq(strncmp(isr_version_full(), "isoreach " ISR_VERSION " (GDAL ", 16 + strlen(ISR_VERSION)), 0,
                 "%s", isr_version_full());
}

Test(context, geos_message_captured)
{
    isr_geos g;
    isr_geos_init(&g);
    cr_assert_str_eq(g.msg, "");
    GEOSWKTReader *r = GEOSWKTReader_create_r(g.h);
    GEOSGeometry *geom = GEOSWKTReader_read_r(g.h, r, "POLYGON((0 0, 1 1");
    cr_assert_null(geom);
    cr_assert_neq(strstr(g.msg, "ParseException"), NULL, "%s", g.msg);
    GEOSWKTReader_destroy_r(g.h, r);
    isr_geos_finish(&g);
    cr_assert_null(g.h);
    isr_geos_finish(&g); /* twice: harmless */
}

/* isr_parallel (parallel.c): every job once, on as many threads as asked and no more (with
 * one, the calling thread alone), each told its worker's number (0 the calling thread);
 * none with n = 0. */
#include <stdatomic.h>
#include <threads.h>

typedef struct par_rec {
    atomic_int runs[200];
    atomic_int calls;
    mtx_t lock;
    thrd_t caller, seen[64];
    int nseen, caller_ran, threads;
    atomic_int bad_worker; /* a worker number out of range, or 0 not the calling thread */
} par_rec;

static void par_job(void *user, int i, int worker)
{
    par_rec *r = user;
    atomic_fetch_or(&r->bad_worker, worker < 0 || worker >= r->threads ||
                                        (worker == 0) != (thrd_equal(r->caller, thrd_current()) != 0));
    atomic_fetch_add(&r->runs[i], 1);
    atomic_fetch_add(&r->calls, 1);
    mtx_lock(&r->lock);
    int k = 0;
    while (k < r->nseen && !thrd_equal(r->seen[k], thrd_current()))
        k++;
    if (k == r->nseen && r->nseen < 64)
        r->seen[r->nseen++] = thrd_current();
    r->caller_ran |= thrd_equal(r->caller, thrd_current()) != 0;
    mtx_unlock(&r->lock);
    struct timespec ms = {0, 200000}; /* long enough for the other threads to take jobs */
    thrd_sleep(&ms, NULL);
}

Test(context, parallel_runs_each_job_once_on_the_threads_asked)
{
    static const int threads[] = {1, 3, 64};
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
        par_rec r = {0};
        mtx_init(&r.lock, mtx_plain);
        r.caller = thrd_current();
        r.threads = threads[t];
        isr_parallel(threads[t], 200, par_job, &r);
        cr_assert_eq(atomic_load(&r.calls), 200, "%d threads", threads[t]);
        cr_assert_eq(atomic_load(&r.bad_worker), 0, "%d threads: a worker's number", threads[t]);
        for (int i = 0; i < 200; i++)
            cr_assert_eq(atomic_load(&r.runs[i]), 1, "job %d with %d threads", i, threads[t]);
        cr_assert_leq(r.nseen, threads[t]);
        cr_assert_geq(r.nseen, threads[t] > 1 ? 2 : 1, "%d threads: %d ran jobs", threads[t],
                      r.nseen);
        if (threads[t] == 1) /* no thread started: all on the calling one */
            cr_assert(r.caller_ran && r.nseen == 1);
        mtx_destroy(&r.lock);
    }
    par_rec r = {0};
    isr_parallel(4, 0, par_job, &r);
    cr_assert_eq(atomic_load(&r.calls), 0);
}

/* isr_parallel_with: each worker's begin on its own thread before its first job, its end on
 * the same thread after its last, once each; every job sees its worker begun and not ended. */
typedef struct par_own {
    thrd_t thread[ISR_PARALLEL_MAX];
    atomic_int begun[ISR_PARALLEL_MAX], ended[ISR_PARALLEL_MAX], bad, calls;
} par_own;

static void own_begin(void *user, int worker)
{
    par_own *o = user;
    o->thread[worker] = thrd_current();
    atomic_fetch_add(&o->begun[worker], 1);
}

static void own_end(void *user, int worker)
{
    par_own *o = user;
    atomic_fetch_or(&o->bad, !thrd_equal(o->thread[worker], thrd_current()));
    atomic_fetch_add(&o->ended[worker], 1);
}

static void own_job(void *user, int i, int worker)
{
    (void)i;
    par_own *o = user;
    atomic_fetch_or(&o->bad, atomic_load(&o->begun[worker]) != 1 ||
                                 atomic_load(&o->ended[worker]) != 0 ||
                                 !thrd_equal(o->thread[worker], thrd_current()));
    atomic_fetch_add(&o->calls, 1);
    struct timespec ms = {0, 200000};
    thrd_sleep(&ms, NULL);
}

Test(context, parallel_with_begins_and_ends_each_worker_on_its_thread)
{
    static const int threads[] = {1, 3, 8};
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
        par_own o = {0};
        isr_parallel_with(threads[t], 40, own_job, &o, own_begin, own_end);
        cr_assert_eq(atomic_load(&o.calls), 40);
        cr_assert_eq(atomic_load(&o.bad), 0, "%d threads", threads[t]);
        for (int w = 0; w < ISR_PARALLEL_MAX; w++) {
            int want = w < threads[t] ? 1 : 0; /* every worker started, and no other */
            cr_assert_eq(atomic_load(&o.begun[w]), want, "worker %d of %d", w, threads[t]);
            cr_assert_eq(atomic_load(&o.ended[w]), want, "worker %d of %d", w, threads[t]);
        }
    }
}
