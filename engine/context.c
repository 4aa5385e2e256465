/*
 * context.c — the caller's context: error message, logging, progress, cancellation, and
 * the per-thread GEOS contexts and GDAL error routing.
 *
 * Invariants: the first failure recorded during a run wins (workers that fail together do
 * not overwrite the root cause); callbacks are serialised by one mutex, so hosts never see
 * two at once; nothing here prints. Cancellation is a lock-free atomic flag, safe to set
 * from a signal handler.
 */
#include "internal.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <curl/curl.h>
#include <proj.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

/* A message's room: four paths of PATH_MAX (4096) bytes and their words, so that a message
 * naming an input, an output and a suggested command is not cut. */
#define ISR_MSG_MAX 20480

struct isr_ctx {
    char errmsg[ISR_MSG_MAX];
    isr_status status; /* of the message kept (the first failure); ISR_OK: none */
    isr_log_fn log_fn;
    void *log_user;
    isr_log_level log_min;
    isr_progress_fn prog_fn;
    void *prog_user;
    mtx_t lock;
    atomic_int cancel;
    atomic_int cancel_gen; /* cancels so far; consumed_gen: those before the call's failure */
    int consumed_gen;
    char **warnings; /* every warning logged, for run.json */
    int nwarnings;
    double timeout_s; /* remote inputs: seconds without an answer (--timeout) */
    isr_fetch_state *fetch; /* remote inputs fetched (fetch.c) */
    /* a deferred context (isr_ctx_deferred): the parent, whose fetch state it shares and
     * whose cancel it sees, and the lines it keeps for isr_ctx_replay */
    isr_ctx *parent;
    struct kept_line {
        isr_log_level level;
        char *text;
    } *kept;
    int nkept;
};

/* GDAL drivers build some metadata on first use and are not safe to ask for it from two
 * threads at once (the COG driver's creation option list before GDAL 3.11: workers writing
 * their first rasters together read a list another worker was replacing, a use-after-free
 * seen under ASan). Register the drivers and build that metadata once, in one thread. */
static void gdal_init_once(void)
{
    static const char *const used_by_workers[] = {"COG", "GTiff", "MEM", "Memory", "GeoJSON"};
    static const char *const lazy_items[] = {GDAL_DMD_CREATIONOPTIONLIST,
                                             GDAL_DS_LAYER_CREATIONOPTIONLIST,
                                             GDAL_DMD_OPENOPTIONLIST};
    GDALAllRegister();
    for (size_t i = 0; i < sizeof used_by_workers / sizeof *used_by_workers; i++) {
        GDALDriverH drv = GDALGetDriverByName(used_by_workers[i]);
        for (size_t k = 0; drv && k < sizeof lazy_items / sizeof *lazy_items; k++)
            (void)GDALGetMetadataItem(drv, lazy_items[k], NULL);
        if (drv)
            (void)GDALGetMetadata(drv, NULL);
    }
}

/* A zeroed context with its lock and flags, or NULL. */
static isr_ctx *ctx_alloc(void)
{
    isr_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    if (mtx_init(&ctx->lock, mtx_plain) != thrd_success) {
        free(ctx);
        return NULL;
    }
    atomic_init(&ctx->cancel, 0);
    atomic_init(&ctx->cancel_gen, 0);
    return ctx;
}

isr_ctx *isr_ctx_new(void)
{
    static once_flag gdal_once = ONCE_FLAG_INIT;
    isr_ctx *ctx = ctx_alloc();
    if (!ctx)
        return NULL;
    if (!(ctx->fetch = isr_fetch_state_new())) {
        mtx_destroy(&ctx->lock);
        free(ctx);
        return NULL;
    }
    ctx->log_min = ISR_LOG_INFO;
    ctx->timeout_s = 60;
    call_once(&gdal_once, gdal_init_once);
    return ctx;
}

void isr_ctx_free(isr_ctx *ctx)
{
    if (!ctx)
        return;
    for (int i = 0; i < ctx->nwarnings; i++)
        free(ctx->warnings[i]);
    free(ctx->warnings);
    for (int i = 0; i < ctx->nkept; i++)
        free(ctx->kept[i].text);
    free(ctx->kept);
    if (!ctx->parent) /* a deferred context's is its parent's */
        isr_fetch_state_free(ctx->fetch); /* removes the temporary copies of --cache none */
    mtx_destroy(&ctx->lock);
    free(ctx);
}

/* A deferred context's logger: the line kept (out of memory: lost, as a logger's would be). */
static void keep_line(void *user, isr_log_level level, const char *msg)
{
    isr_ctx *ctx = user;
    struct kept_line *k = realloc(ctx->kept, (size_t)(ctx->nkept + 1) * sizeof *k);
    if (!k)
        return;
    ctx->kept = k;
    if ((k[ctx->nkept].text = strdup(msg)) != NULL)
        k[ctx->nkept++].level = level;
}

isr_ctx *isr_ctx_deferred(isr_ctx *parent)
{
    isr_ctx *ctx = ctx_alloc();
    if (!ctx)
        return NULL;
    ctx->parent = parent;
    ctx->fetch = parent->fetch;
    ctx->timeout_s = parent->timeout_s;
    ctx->log_fn = keep_line; /* every line the parent would show, kept */
    ctx->log_user = ctx;
    ctx->log_min = parent->log_fn ? parent->log_min : ISR_LOG_WARN;
    return ctx;
}

isr_status isr_ctx_replay(isr_ctx *parent, isr_ctx *child)
{
    if (!child)
        return ISR_OK;
    for (int i = 0; i < child->nkept; i++)
        isr_log(parent, child->kept[i].level, "%s", child->kept[i].text);
    isr_status st = child->status;
    if (st != ISR_OK)
        isr_fail(parent, st, "%s", child->errmsg);
    isr_ctx_free(child);
    return st;
}

const char *isr_ctx_errmsg(const isr_ctx *ctx) { return ctx ? ctx->errmsg : "no context"; }

isr_status isr_ctx_status(const isr_ctx *ctx) { return ctx ? ctx->status : ISR_ERR_INTERNAL; }

void isr_ctx_set_logger(isr_ctx *ctx, isr_log_fn fn, void *user, isr_log_level min_level)
{
    ctx->log_fn = fn;
    ctx->log_user = user;
    ctx->log_min = min_level;
}

void isr_ctx_set_progress(isr_ctx *ctx, isr_progress_fn fn, void *user)
{
    ctx->prog_fn = fn;
    ctx->prog_user = user;
}

void isr_ctx_cancel(isr_ctx *ctx)
{
    atomic_fetch_add(&ctx->cancel_gen, 1); /* lock-free: safe in a signal handler */
    atomic_store(&ctx->cancel, 1);
}

int isr_cancelled(const isr_ctx *ctx)
{
    return atomic_load(&((isr_ctx *)ctx)->cancel) || (ctx->parent && isr_cancelled(ctx->parent));
}

void isr_ctx_set_timeout(isr_ctx *ctx, double seconds) { ctx->timeout_s = seconds > 0 ? seconds : 60; }

double isr_ctx_timeout(const isr_ctx *ctx) { return ctx->timeout_s; }

isr_fetch_state *isr_ctx_fetch(isr_ctx *ctx) { return ctx->fetch; }

void isr_ctx_reset(isr_ctx *ctx)
{
    mtx_lock(&ctx->lock);
    /* a cancel is kept for this call unless the last call failed with it pending: that one
     * consumed it. One that came after that call's failure (between the calls) is this
     * call's: it was lost when a failed call (an unknown hub) was followed by a cancel. */
    if (ctx->status != ISR_OK && atomic_load(&ctx->cancel_gen) == ctx->consumed_gen) {
        atomic_store(&ctx->cancel, 0);
        if (atomic_load(&ctx->cancel_gen) != ctx->consumed_gen) /* one came just now */
            atomic_store(&ctx->cancel, 1);
    }
    ctx->errmsg[0] = '\0';
    ctx->status = ISR_OK;
    isr_fetch_new_call(ctx->fetch); /* remote inputs are revalidated once per call */
    mtx_unlock(&ctx->lock);
}

static isr_status vfail(isr_ctx *ctx, isr_status st, int with_gdal, const char *fmt, va_list ap)
{
    char buf[sizeof ctx->errmsg];
    isr_vsnprintf(buf, sizeof buf, fmt, ap);
    if (with_gdal) {
        const char *g = CPLGetLastErrorMsg();
        if (g && *g) {
            size_t n = strlen(buf);
            snprintf(buf + n, sizeof buf - n, " (%s)", g);
        }
    }
    mtx_lock(&ctx->lock);
    if (ctx->status == ISR_OK) {
        memcpy(ctx->errmsg, buf, sizeof buf);
        ctx->status = st != ISR_OK ? st : ISR_ERR_INTERNAL;
        ctx->consumed_gen = atomic_load(&ctx->cancel_gen);
    }
    mtx_unlock(&ctx->lock);
    return st;
}

void isr_fail_more(isr_ctx *ctx, const char *fmt, ...)
{
    char buf[sizeof ctx->errmsg];
    va_list ap;
    va_start(ap, fmt);
    isr_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    mtx_lock(&ctx->lock);
    size_t n = strlen(ctx->errmsg);
    if (ctx->status != ISR_OK)
        snprintf(ctx->errmsg + n, sizeof ctx->errmsg - n, "%s", buf);
    mtx_unlock(&ctx->lock);
}

isr_status isr_fail(isr_ctx *ctx, isr_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(ctx, st, 0, fmt, ap);
    va_end(ap);
    return st;
}

isr_status isr_fail_gdal(isr_ctx *ctx, isr_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(ctx, st, 1, fmt, ap);
    va_end(ap);
    return st;
}

void isr_log(isr_ctx *ctx, isr_log_level level, const char *fmt, ...)
{
    int keep = level >= ISR_LOG_WARN;
    if (!keep && (!ctx->log_fn || level < ctx->log_min))
        return;
    char buf[ISR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    isr_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    mtx_lock(&ctx->lock);
    if (keep && ctx->nwarnings < 1000) {
        char **w = realloc(ctx->warnings, (size_t)(ctx->nwarnings + 1) * sizeof *w);
        if (w && (w[ctx->nwarnings] = strdup(buf)) != NULL)
            ctx->nwarnings++;
        if (w)
            ctx->warnings = w;
    }
    if (ctx->log_fn && level >= ctx->log_min)
        ctx->log_fn(ctx->log_user, level, buf);
    mtx_unlock(&ctx->lock);
}

int isr_ctx_nwarnings(isr_ctx *ctx) { return ctx->nwarnings; }

void isr_ctx_warnings_drop(isr_ctx *ctx, int from, int to)
{
    mtx_lock(&ctx->lock);
    if (from < 0)
        from = 0;
    if (to > ctx->nwarnings)
        to = ctx->nwarnings;
    if (from < to) {
        for (int i = from; i < to; i++)
            free(ctx->warnings[i]);
        memmove(ctx->warnings + from, ctx->warnings + to,
                (size_t)(ctx->nwarnings - to) * sizeof *ctx->warnings);
        ctx->nwarnings -= to - from;
    }
    mtx_unlock(&ctx->lock);
}

const char *isr_ctx_warning(isr_ctx *ctx, int i) { return ctx->warnings[i]; }

void isr_progress(isr_ctx *ctx, const char *stage, size_t done, size_t total)
{
    if (ctx->parent) { /* a deferred context's progress is shown as it goes (a download's) */
        isr_progress(ctx->parent, stage, done, total);
        return;
    }
    if (!ctx->prog_fn)
        return;
    mtx_lock(&ctx->lock);
    ctx->prog_fn(ctx->prog_user, stage, done, total);
    mtx_unlock(&ctx->lock);
}

static void CPL_STDCALL gdal_handler(CPLErr cls, CPLErrorNum num, const char *msg)
{
    (void)num;
    isr_ctx *ctx = CPLGetErrorHandlerUserData();
    if (ctx && cls == CE_Warning)
        isr_log(ctx, ISR_LOG_DEBUG, "GDAL: %s", msg);
}

void isr_gdal_errors_push(isr_ctx *ctx)
{
    CPLPushErrorHandlerEx(gdal_handler, ctx);
    CPLErrorReset();
}

void isr_gdal_errors_pop(void) { CPLPopErrorHandler(); }

static void geos_handler(const char *msg, void *user)
{
    isr_geos *g = user;
    snprintf(g->msg, sizeof g->msg, "%s", msg);
    /* GEOS ends some messages with a line break, which a message then showed as "\x0a" */
    size_t n = strlen(g->msg);
    while (n > 0 && (g->msg[n - 1] == '\n' || g->msg[n - 1] == '\r' || g->msg[n - 1] == ' '))
        g->msg[--n] = '\0';
}

void isr_geos_init(isr_geos *g)
{
    g->msg[0] = '\0';
    g->h = GEOS_init_r();
    GEOSContext_setErrorMessageHandler_r(g->h, geos_handler, g);
    GEOSContext_setNoticeMessageHandler_r(g->h, geos_handler, g);
}

GEOSGeometry *isr_geos_from_ogr(isr_geos *gc, OGRGeometryH g)
{
    size_t n = (size_t)OGR_G_WkbSize(g);
    unsigned char *wkb = malloc(n ? n : 1);
    GEOSGeometry *r = NULL;
    if (wkb && OGR_G_ExportToWkb(g, wkbNDR, wkb) == OGRERR_NONE)
        r = GEOSGeomFromWKB_buf_r(gc->h, wkb, n);
    free(wkb);
    return r;
}

OGRGeometryH isr_ogr_from_geos(isr_geos *gc, const GEOSGeometry *g)
{
    size_t n = 0;
    unsigned char *wkb = GEOSGeomToWKB_buf_r(gc->h, g, &n);
    OGRGeometryH og = NULL;
    if (wkb && OGR_G_CreateFromWkbEx(wkb, NULL, &og, n) != OGRERR_NONE)
        og = NULL;
    if (wkb)
        GEOSFree_r(gc->h, wkb);
    return og;
}

/* GEOS's own coverage union of the n polygons gg (cloned), kept only if valid; or NULL. */
static GEOSGeometry *geos_coverage_union(GEOSContextHandle_t h, GEOSGeometry *const *gg, int n)
{
    GEOSGeometry **parts = calloc((size_t)n, sizeof *parts);
    int ok = parts != NULL;
    for (int i = 0; ok && i < n; i++)
        ok = (parts[i] = GEOSGeom_clone_r(h, gg[i])) != NULL;
    GEOSGeometry *coll =
        ok ? GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n) : NULL;
    if (!coll)
        for (int i = 0; parts && i < n; i++)
            if (parts[i])
                GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    GEOSGeometry *un = coll ? GEOSCoverageUnion_r(h, coll) : NULL;
    if (un && GEOSisValid_r(h, un) != 1) {
        GEOSGeom_destroy_r(h, un);
        un = NULL;
    }
    GEOSGeom_destroy_r(h, coll);
    return un;
}

int isr_geos_coverage_clean(GEOSContextHandle_t h, GEOSGeometry *const *gg, int n,
                            double sum_m2)
{
    int ok = n > 0;
    for (int i = 0; ok && i < n; i++)
        ok = gg[i] != NULL;
    if (!ok)
        return 0;
    /* the fast union first; GEOS's where it cannot tell (both valid when not NULL) */
    GEOSGeometry *un = isr_coverage_union(h, (const GEOSGeometry *const *)gg, n);
    if (!un)
        un = geos_coverage_union(h, gg, n);
    double a = -1;
    ok = un && GEOSArea_r(h, un, &a) && fabs(a - sum_m2) <= 1e-9 * sum_m2;
    GEOSGeom_destroy_r(h, un);
    return ok;
}

/* isr_coverage_union of a collection's members, or NULL. */
static GEOSGeometry *coverage_union_of(GEOSContextHandle_t h, const GEOSGeometry *coll)
{
    int n = GEOSGetNumGeometries_r(h, coll);
    const GEOSGeometry **gg = n > 0 ? malloc((size_t)n * sizeof *gg) : NULL;
    GEOSGeometry *u = NULL;
    if (gg) {
        for (int i = 0; i < n; i++)
            gg[i] = GEOSGetGeometryN_r(h, coll, i);
        u = isr_coverage_union(h, gg, n);
    }
    free(gg);
    return u;
}

GEOSGeometry *isr_geos_dissolve_cov(isr_geos *gc, GEOSGeometry *coll, int *coverage)
{
    /* polygons that share their edges exactly (a coverage, as clean boundaries do) dissolve
     * by dropping the shared edges, far faster than an overlay (isr_coverage_union, else
     * GEOS's coverage union); anything else (gaps, overlaps, unmatched vertices) is caught
     * by the validity check and takes the overlay */
    GEOSGeometry *u = coverage_union_of(gc->h, coll);
    if (!u) {
        u = GEOSCoverageUnion_r(gc->h, coll);
        if (u && GEOSisValid_r(gc->h, u) != 1) {
            GEOSGeom_destroy_r(gc->h, u);
            u = NULL;
        }
    }
    if (coverage)
        *coverage = u != NULL;
    if (!u)
        u = GEOSUnaryUnion_r(gc->h, coll);
    if (!u) {
        /* rings that cross by a hair (GEOS: "side location conflict", e.g. after rounding
         * coordinates): repair the parts, then snap to 1 m if need be */
        GEOSGeometry *fixed = GEOSMakeValid_r(gc->h, coll);
        if (fixed) {
            u = GEOSUnaryUnion_r(gc->h, fixed);
            if (!u)
                u = GEOSUnaryUnionPrec_r(gc->h, fixed, 1.0);
            GEOSGeom_destroy_r(gc->h, fixed);
        }
    }
    GEOSGeom_destroy_r(gc->h, coll);
    /* one form whichever way it was made: polygons in order, each ring from its lowest
     * vertex (the unions above build the same rings from different starting points) */
    if (u && GEOSNormalize_r(gc->h, u) != 0) {
        GEOSGeom_destroy_r(gc->h, u);
        u = NULL;
    }
    return u;
}

GEOSGeometry *isr_geos_dissolve(isr_geos *gc, GEOSGeometry *coll)
{
    return isr_geos_dissolve_cov(gc, coll, NULL);
}

void isr_geos_finish(isr_geos *g)
{
    if (g->h)
        GEOS_finish_r(g->h);
    g->h = NULL;
}

char *isr_strdup_printf(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = isr_vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s)
        isr_vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

const char *isr_status_str(isr_status st)
{
    switch (st) {
    case ISR_OK: return "success";
    case ISR_ERR_USAGE: return "usage error";
    case ISR_ERR_INPUT: return "bad input";
    case ISR_ERR_CRS: return "CRS error";
    case ISR_ERR_MEMORY: return "out of memory";
    case ISR_ERR_IO: return "cannot write output";
    case ISR_ERR_INTERRUPTED: return "interrupted";
    case ISR_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

const char *isr_version(void) { return ISR_VERSION; }

/* Written once under call_once and read-only afterwards: the libraries' versions do not
 * change while the process runs. */
static char version_full[256];

static void version_full_build(void)
{
    curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    snprintf(version_full, sizeof version_full,
             "isoreach %s (GDAL %s, PROJ %s, GEOS %s, libcurl %s)", ISR_VERSION,
             GDALVersionInfo("RELEASE_NAME"), proj_info().version, GEOSversion(),
             cv ? cv->version : "?");
}

const char *isr_version_full(void)
{
    static once_flag once = ONCE_FLAG_INIT;
    call_once(&once, version_full_build);
    return version_full;
}
