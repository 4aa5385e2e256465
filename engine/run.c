/*
 * run.c — the orchestration of the public jobs on a model: isr_run (check the flags, take
 * the output folder, load the model, one pass over its hubs, the region products and
 * run.json) and the questions asked of an open isr_model (isr_model_run_hubs,
 * isr_model_run_hub). Each step lives in its own file: model.c loads, batch.c runs the hubs,
 * region.c writes the region products and run.json. Publication (styles, maps, web map) is
 * libisoreach_publish's isr_publish, which the host calls afterwards on the outputs.
 *
 * No public function here calls another: each resets the context once on entry, so a cancel
 * (Ctrl-C) is seen by every stage of the call (isr_ctx_reset keeps it). On failure the
 * folders a call made and left empty are removed; every file is written under a temporary
 * name, so an interrupted call leaves whole files only, and run.json only when it finished.
 */
#include "batch.h"
#include "internal.h"
#include "scenario.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The output folder of a call: made when missing, locked, swept of a killed run's
 * temporaries. */
typedef struct out_state {
    char *created, *lock;
} out_state;

static isr_status out_begin(isr_ctx *ctx, const char *out, out_state *os)
{
    isr_status st;
    if ((st = isr_out_dir(ctx, out, &os->created)) != ISR_OK ||
        (st = isr_out_lock(ctx, out, &os->lock)) != ISR_OK ||
        (st = isr_out_refuse_others(ctx, out, 1)) != ISR_OK)
        return st; /* out_end unlocks */
    isr_tmp_sweep_said(ctx, out);
    return ISR_OK;
}

/* Unlocks; after a failure removes the folders this call made and left empty. */
static void out_end(const char *out, out_state *os, const isr_batch *b, isr_status st)
{
    isr_out_unlock(os->lock);
    if (st != ISR_OK) {
        if (b->region_dir)
            rmdir(b->region_dir);
        if (b->hubs_dir)
            rmdir(b->hubs_dir);
        if (out)
            isr_rmdirs_empty(out, os->created);
    }
    free(os->created);
}

/* The folders a pass writes in (region/, hubs/ and its hubs' folders), none a symbolic link
 * (isr_out_path_check), said before the earlier run's run.json is taken away. */
static isr_status pass_links_check(isr_ctx *ctx, const char *out, const isr_hub_set *set)
{
    char *p = isr_strdup_printf("%s/region", out);
    isr_status st = p ? isr_out_path_check(ctx, out, p)
                      : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    free(p);
    for (int h = 0; st == ISR_OK && h < set->n; h++) {
        p = isr_strdup_printf("%s/hubs/%s", out, set->folders[h]);
        st = p ? isr_out_path_check(ctx, out, p) : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        free(p);
    }
    return st;
}

/* One pass over `set` with options `o` into o->out: the hubs, the region products and
 * run.json. `load_s`: the seconds the loading took, for run.json's timings. `last`: the
 * model, when this pass is its last search (then what only a search needs is let go before
 * the region products), or NULL. */
static isr_status run_pass(isr_ctx *ctx, const isr_model *m, const isr_options *o,
                           const isr_hub_set *set, isr_batch *b, double t_start, double load_s,
                           isr_scenario *sc, int nsc, isr_model *last)
{
    double timing[4] = {load_s, 0, 0, 0};
    double t_hubs = isr_now_s();
    isr_status st = pass_links_check(ctx, o->out, set);
    if (st != ISR_OK)
        return st;
    isr_out_unmark(ctx, o->out);
    st = isr_batch_run(ctx, m, o, set, b);
    if (st == ISR_ERR_INTERRUPTED)
        b->started = 1; /* the folder was marked and an earlier run.json taken away: the
                         * message says how far the run got, not that nothing was written */
    timing[1] = isr_now_s() - t_hubs;
    if (st != ISR_OK)
        return st;
    double t_prod = isr_now_s();
    if (last && nsc == 0) { /* scenarios search the model again */
        isr_model_searched(last);
        b->clear = NULL;
        b->last = last; /* and its friction, once the products have read it (region.c) */
    }
#ifdef __GLIBC__
    /* what the hubs' workers freed as they ended stays in their threads' heaps: give it
     * back before the region products */
    malloc_trim(0);
#endif
    isr_progress(ctx, "products", 0, 1);
    b->stage = 1;
    if ((st = isr_region_write(b)) != ISR_OK)
        return st;
    isr_progress(ctx, "products", 1, 1);
    b->stage = 2;
    if (nsc > 0 && (st = isr_scenarios_run(ctx, m, b, sc, nsc)) != ISR_OK) /* scenario.h */
        return st;
    timing[2] = isr_now_s() - t_prod;
    timing[3] = isr_now_s() - t_start;
    return isr_run_json_write(b, timing); /* written: the pass is complete */
}

/* A cancel reaches the workers and the writers as a status without a message: it is said
 * once, here, with how far the call got (the first message on the context wins). */
static void say_interrupted(isr_ctx *ctx, const isr_batch *b, int nhubs)
{
    static const char *const stage[] = {"", " (writing the region's products)",
                                        " (running the scenarios)"};
    if (b->started)
        isr_fail(ctx, ISR_ERR_INTERRUPTED,
                 "interrupted%s: %d of %d %s complete%s; run again to resume", stage[b->stage],
                 atomic_load(&b->done), nhubs, ISR_PLURAL(nhubs, "hub", "hubs"),
                 b->stage == 2 ? ", the scenarios not" : "");
    else
        isr_fail(ctx, ISR_ERR_INTERRUPTED,
                 "interrupted while loading the inputs; nothing was written");
}

/* isr_run, and with `sync` isr_run_shard_merge: the shard's pass, then sync, then (shard
 * 1) the merge on the model loaded here. */
static isr_status run_call(isr_ctx *ctx, const isr_options *opt, isr_shard_sync_fn sync,
                           void *user)
{
    isr_ctx_reset(ctx);
    isr_ctx_set_timeout(ctx, opt->timeout_s);
    isr_fetch_setup(ctx, opt->cache, opt->max_download_mb);
    isr_gdal_errors_push(ctx);
    double t_start = isr_now_s();
    isr_model m;
    isr_batch b;
    out_state os = {0};
    isr_scenario sc[ISR_MAX_SCENARIOS];
    memset(&m, 0, sizeof m);
    memset(&b, 0, sizeof b);
    memset(sc, 0, sizeof sc);
    /* one pass of its hubs: the model need only serve their searches (isr_model.one_pass) */
    m.one_pass = !sync && !opt->shard_n && opt->nscenarios == 0 && opt->ngtfs == 0 &&
                 !isr_model_cache_on(opt);
    isr_status st;
    int w0 = isr_ctx_nwarnings(ctx), w_loaded = -1;
    /* flags and the output folder first: a typo should not wait for the inputs to load */
    isr_gtfs_unused_warn(ctx, opt);
    isr_options_twice_warn(ctx, opt); /* the user's flags (merge's come from the records) */
    if (!opt->out || !*opt->out)
        st = isr_fail(ctx, ISR_ERR_USAGE, "no output folder (--out)");
    else if ((st = isr_model_check(ctx, opt, &m)) == ISR_OK &&
             (st = opt->shard_n ? isr_shard_begin(ctx, opt, &os.created, &os.lock) /* shard.c */
                                : out_begin(ctx, opt->out, &os)) == ISR_OK &&
             (st = isr_model_load(ctx, opt, &m)) == ISR_OK &&
             (st = isr_scenarios_load(ctx, opt, &m, sc)) == ISR_OK) { /* shards: merge runs them */
        w_loaded = isr_ctx_nwarnings(ctx);
        st = opt->shard_n ? isr_shard_pass(ctx, &m, opt, &b, t_start, isr_now_s() - t_start)
                          : run_pass(ctx, &m, opt, &m.hubs, &b, t_start, isr_now_s() - t_start,
                                     sc, opt->nscenarios, &m);
    }
    for (int i = 0; i < ISR_MAX_SCENARIOS; i++)
        isr_scenario_clear(&sc[i]);
    if (st == ISR_ERR_INTERRUPTED)
        say_interrupted(ctx, &b, b.nhubs > 0 ? b.nhubs : m.hubs.n); /* a shard: its share */
    out_end(opt->out, &os, &b, st);
    isr_batch_clear(&b);
    if (sync) {
        int local = 0;
        st = sync(user, ctx, st, &local);
        if (st == ISR_OK && opt->shard_k == 1 && w_loaded >= 0) {
            /* run.json lists the loading's warnings and the merge's, as isoreach merge's */
            isr_ctx_warnings_drop(ctx, w_loaded, isr_ctx_nwarnings(ctx));
            st = isr_merge_loaded(ctx, opt, &m, w0,
                                  opt->threads > 0 && local > 1 ? opt->threads * local : 0);
        }
    }
    isr_model_clear(&m);
    isr_gdal_errors_pop();
    return st;
}

isr_status isr_run(isr_ctx *ctx, const isr_options *opt)
{
    return run_call(ctx, opt, NULL, NULL);
}

isr_status isr_run_shard_merge(isr_ctx *ctx, const isr_options *opt, isr_shard_sync_fn sync,
                               void *user)
{
    if (!opt->shard_n || !sync) {
        isr_ctx_reset(ctx);
        return isr_fail(ctx, ISR_ERR_USAGE, "isr_run_shard_merge needs the option shard "
                        "K/N and a sync function");
    }
    return run_call(ctx, opt, sync, user);
}

/* Whether two hub lists are the same text (NULL: every flagged station). */
static int same_list(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

isr_status isr_model_run_hubs(isr_model *m, const char *hubs, const char *out_dir)
{
    isr_ctx *ctx = m->ctx;
    isr_ctx_reset(ctx);
    isr_gdal_errors_push(ctx);
    isr_options o = *m->opt; /* the model's options with this folder and these hubs */
    o.out = out_dir;
    o.hubs = hubs ? hubs : m->opt->hubs; /* NULL: the model's (--hubs, else every flagged) */
    isr_hub_set set = {0};
    const isr_hub_set *use = &m->hubs;
    isr_batch b;
    out_state os = {0};
    memset(&b, 0, sizeof b);
    isr_status st = ISR_OK;
    if (!out_dir || !*out_dir)
        st = isr_fail(ctx, ISR_ERR_USAGE, "no output folder (out_dir)");
    else if ((st = isr_model_unchanged(ctx, m, 1)) != ISR_OK)
        ;
    else if (hubs && !hubs[strspn(hubs, " ,")]) /* "" would have read as "every flagged hub" */
        st = isr_fail(ctx, ISR_ERR_USAGE,
                      "hubs: the list is empty; give station ids, or NULL for the model's hubs");
    else if ((st = isr_model_cache_out_check(ctx, m->opt, out_dir)) != ISR_OK)
        ; /* Model(model_cache=X/cache).run_hubs(None, X): X refused as holding a stranger */
    else if (hubs && !same_list(hubs, m->opt->hubs) &&
             (st = isr_hub_set_build(ctx, m, hubs, &set)) == ISR_OK)
        use = &set;
    if (st == ISR_OK && (st = out_begin(ctx, out_dir, &os)) == ISR_OK)
        st = run_pass(ctx, m, &o, use, &b, isr_now_s() - m->load_s, m->load_s, NULL, 0, NULL);
    if (st == ISR_ERR_INTERRUPTED)
        isr_fail(ctx, st, "interrupted: %d of %d %s complete; run again to resume",
                 atomic_load(&b.done), use->n, ISR_PLURAL(use->n, "hub", "hubs"));
    out_end(out_dir, &os, &b, st);
    isr_batch_clear(&b);
    isr_hub_set_clear(&set);
    isr_gdal_errors_pop();
    return st;
}

isr_status isr_model_run_hub(isr_model *m, const char *hub_id, double budget_min,
                             float **minutes, int *width, int *height, double gt[6])
{
    isr_ctx *ctx = m->ctx;
    isr_ctx_reset(ctx);
    isr_gdal_errors_push(ctx);
    *minutes = NULL;
    *width = *height = 0;
    int s = hub_id ? isr_rail_net_find(m->net, hub_id) : -1;
    isr_status st = ISR_OK;
    if (budget_min == 0)
        budget_min = m->opt->budget_min;
    if ((st = isr_model_unchanged(ctx, m, 0)) != ISR_OK)
        ;
    else if (s < 0)
        st = isr_fail(ctx, ISR_ERR_INPUT, "no station has id '%s' in '%s'",
                      hub_id ? hub_id : "(null)", isr_options_stations_source(m->opt));
    else if (!(budget_min > 0 && budget_min <= 1440)) /* as --budget; -5 is no default */
        st = isr_fail(ctx, ISR_ERR_USAGE,
                      "budget %.10g minutes: give more than 0 and at most 1440 (24 h), as --budget",
                      budget_min);
    else
        st = isr_batch_hub_grid(ctx, m, s, budget_min, minutes, width, height, gt);
    if (st == ISR_OK && isr_cancelled(ctx)) {
        free(*minutes);
        *minutes = NULL;
        st = isr_fail(ctx, ISR_ERR_INTERRUPTED, "interrupted");
    }
    if (st != ISR_OK) /* as every failure: no grid, no size (a cancel left the size) */
        *width = *height = 0;
    isr_gdal_errors_pop();
    return st;
}
