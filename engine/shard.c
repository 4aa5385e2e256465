/*
 * shard.c — a run split into N shards (issue 16: job arrays and MPI), and their merge.
 *
 * `isoreach run --shard K/N` computes the K-th share of the run's hubs into OUT/hubs/ as a
 * whole run would (same folders, same rasters, same settings string) and records what it did
 * in OUT/shards/K-of-N.json: no region products and no run.json, so a half-merged region never
 * appears. The hubs are dealt by estimated cost so that shares take about as long: each hub's
 * rail search (cheap) gives the stations it reaches within the budget, and its cost is the sum
 * over them of the square of the time left (the area a search from them can cover); hubs
 * sorted by cost (largest first, ties in hub order) go round-robin to shards 1..N. GTFS hubs
 * are dealt in their order (their search is the expensive part). Every shard computes the same
 * deal from the same inputs, with no communication.
 *
 * Shards of one --out run at once (on one machine or on a shared file system): each takes
 * its own lock (OUT/.isoreach-shard-K-of-N.lock), so two runs of the same shard refuse each
 * other while different shards do not, and none sweeps temporary files (a PID of another host
 * would look dead). A shard removes its old record when it starts and writes the new one last,
 * with status "complete", or "failed" and the message.
 *
 * `isoreach merge` (isr_merge) checks the records (N of one N, all complete, one settings
 * string and one options record), takes the run's options from them, loads the model and runs
 * a normal pass in which every hub must be reused (opt->reuse_only: batch.c fails naming a
 * hub whose outputs are missing or stale instead of computing it), then writes the region
 * products and run.json: the bytes of one run, but for the timings and "merged_from_shards".
 */
#include "batch.h"
#include "scenario.h"
#include "internal.h"

#include <cpl_vsi.h>
#include <dirent.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a shard ------------------------------------------------------------------------------ */

/* OUT/shards/K-of-N.json (new string). */
static char *record_path(const char *out, int k, int n)
{
    return isr_strdup_printf("%s/shards/%d-of-%d.json", out, k, n);
}

/* OUT/shards/K-of-N.part, the shard's partial (partial.c; new string). */
static char *part_path(const char *out, int k, int n)
{
    return isr_strdup_printf("%s/shards/%d-of-%d.part", out, k, n);
}

isr_status isr_shard_begin(isr_ctx *ctx, const isr_options *o, char **created, char **lock)
{
    char name[64], what[64];
    snprintf(name, sizeof name, ".isoreach-shard-%d-of-%d.lock", o->shard_k, o->shard_n);
    snprintf(what, sizeof what, "shard %d of %d", o->shard_k, o->shard_n);
    isr_status st;
    if ((st = isr_out_dir(ctx, o->out, created)) != ISR_OK ||
        (st = isr_out_lock_named(ctx, o->out, name, what, lock)) != ISR_OK)
        return st;
    if ((st = isr_out_refuse_others(ctx, o->out, 0)) != ISR_OK)
        return st; /* the caller unlocks */
    char *rec = record_path(o->out, o->shard_k, o->shard_n);
    if (!rec)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    unlink(rec); /* a merge must not find the record of an earlier run of this shard */
    free(rec);
    char *part = part_path(o->out, o->shard_k, o->shard_n);
    if (!part)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    unlink(part); /* nor its partial */
    free(part);
    return ISR_OK;
}

typedef struct hub_cost {
    int no;         /* the hub's number in the run's set */
    long long cost; /* estimated work, whole minutes² */
} hub_cost;

static int by_cost(const void *a, const void *b)
{
    const hub_cost *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost > y->cost ? -1 : 1;
    return (x->no > y->no) - (x->no < y->no);
}

/* The estimated cost of every hub of m (module header): costs[h] for hub number h. */
static isr_status hub_costs(isr_ctx *ctx, const isr_model *m, const isr_options *o,
                            hub_cost *costs)
{
    int ns = isr_rail_net_nstations(m->net);
    double budget_s = o->budget_min * 60.0, *arr = malloc((size_t)(ns > 0 ? ns : 1) * sizeof *arr);
    if (!arr)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    isr_rail_params rp = {o->dwell_min * 60.0, o->transfer_min * 60.0, o->wait, o->direction};
    isr_status st = ISR_OK;
    for (int h = 0; h < m->hubs.n && st == ISR_OK; h++) {
        costs[h] = (hub_cost){h, 0};
        if (m->gtfs || (st = isr_rail_search(ctx, m->net, &rp, m->hubs.hubs[h], arr)) != ISR_OK)
            continue;
        double c = 0;
        for (int i = 0; i < ns; i++)
            if (arr[i] <= budget_s)
                c += (budget_s - arr[i]) / 60.0 * ((budget_s - arr[i]) / 60.0);
        costs[h].cost = (long long)floor(c); /* whole numbers: no last-bit ties across hosts */
    }
    free(arr);
    return st;
}

/* The hubs of shard k of n (module header), in the run's hub order, into *share (own
 * copies; isr_hub_set_clear), and (*full_no, new) the run's number of each. */
static isr_status shard_share(isr_ctx *ctx, const isr_model *m, const isr_options *o,
                              isr_hub_set *share, int **full_no)
{
    const isr_hub_set *all = &m->hubs;
    int n = all->n;
    memset(share, 0, sizeof *share);
    hub_cost *costs = malloc((size_t)(n > 0 ? n : 1) * sizeof *costs);
    char *mine = calloc((size_t)(n > 0 ? n : 1), 1);
    isr_status st = costs && mine ? hub_costs(ctx, m, o, costs)
                                  : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK) {
        qsort(costs, (size_t)n, sizeof *costs, by_cost);
        for (int p = o->shard_k - 1; p < n; p += o->shard_n)
            mine[costs[p].no] = 1;
        for (int h = 0; h < n; h++)
            share->n += mine[h];
        size_t c = (size_t)(share->n > 0 ? share->n : 1);
        share->hubs = malloc(c * sizeof *share->hubs);
        share->folders = calloc(c, sizeof *share->folders);
        share->own_unit = malloc(c * sizeof *share->own_unit);
        share->own_dist_m = malloc(c * sizeof *share->own_dist_m);
        *full_no = malloc(c * sizeof **full_no);
        if (!share->hubs || !share->folders || !share->own_unit || !share->own_dist_m ||
            !*full_no)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    for (int h = 0, j = 0; st == ISR_OK && h < n; h++) {
        if (!mine[h])
            continue;
        (*full_no)[j] = h;
        share->hubs[j] = all->hubs[h];
        share->own_unit[j] = all->own_unit[h];
        share->own_dist_m[j] = all->own_dist_m[h];
        if (!(share->folders[j++] = strdup(all->folders[h])))
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    free(costs);
    free(mine);
    return st;
}

/* The shard's record: what a merge checks, and the hubs' figures for its run.json. */
static json_object *record_json(isr_ctx *ctx, const isr_model *m, const isr_options *o,
                                const isr_batch *b,
                                const char *settings, const double timing[3], isr_status st,
                                const char *msg)
{
    json_object *root = json_object_new_object();
    json_object_object_add(root, "isoreach", json_object_new_string(isr_version_full()));
    json_object_object_add(root, "shard", json_object_new_int(o->shard_k));
    json_object_object_add(root, "of", json_object_new_int(o->shard_n));
    json_object_object_add(root, "status",
                           json_object_new_string(st == ISR_OK ? "complete" : "failed"));
    if (st != ISR_OK)
        json_object_object_add(root, "error", json_object_new_string(msg && *msg ? msg
                                                                                 : isr_status_str(st)));
    json_object_object_add(root, "settings", settings ? json_object_new_string(settings) : NULL);
    json_object_object_add(root, "options", isr_options_to_json(o));
    /* the input paths as given, and where: hub rasters carry them in their settings, so a
     * merge in the same folder reads them so (relative paths stay relative) */
    const char *names[32], *paths[32];
    int n = isr_options_inputs(o, names, paths, 32);
    json_object *given = json_object_new_object();
    for (int i = 0; i < n; i++)
        if (paths[i] && strcmp(names[i], "--gtfs") != 0)
            json_object_object_add(given, names[i], json_object_new_string(paths[i]));
    json_object_object_add(root, "inputs_given", given);
    json_object_object_add(root, "input_fingerprints", isr_inputs_fingerprints(ctx, o));
    char *cwd = getcwd(NULL, 0);
    json_object_object_add(root, "cwd", cwd ? json_object_new_string(cwd) : NULL);
    free(cwd);
    json_object_object_add(root, "run_hubs", json_object_new_int(m->hubs.n));
    json_object *hubs = json_object_new_array();
    for (int h = 0; h < b->nhubs && b->results; h++) {
        const isr_hub_result *r = &b->results[h];
        json_object *ho = json_object_new_object();
        json_object_object_add(ho, "id", json_object_new_string(isr_rail_station_id(m->net,
                                                                                   b->hubs[h])));
        json_object_object_add(ho, "folder", json_object_new_string(b->folders[h]));
        json_object_object_add(ho, "reused_existing_output", json_object_new_boolean(r->skipped));
        json_object_object_add(ho, "seconds", isr_json_num(r->seconds, 3));
        json_object_object_add(ho, "search_seconds", isr_json_num(r->search_seconds, 4));
        json_object_array_add(hubs, ho);
    }
    json_object_object_add(root, "hubs", hubs);
    json_object *tm = json_object_new_object();
    json_object_object_add(tm, "load_s", isr_json_num(timing[0], 3));
    json_object_object_add(tm, "hubs_s", isr_json_num(timing[1], 3));
    json_object_object_add(tm, "total_s", isr_json_num(timing[2], 3));
    json_object_object_add(root, "timings", tm);
    return root;
}

static isr_status record_write(isr_ctx *ctx, const char *out, int k, int n, json_object *root)
{
    char *dir = isr_strdup_printf("%s/shards", out), *path = record_path(out, k, n);
    const char *text = root ? json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                                       JSON_C_TO_STRING_SPACED)
                            : NULL;
    isr_status st = !dir || !path || !text ? isr_fail(ctx, ISR_ERR_MEMORY, "out of memory")
                                           : isr_mkdirs_under(ctx, out, dir);
    if (st == ISR_OK)
        st = isr_write_text(ctx, path, text, strlen(text));
    free(dir);
    free(path);
    return st;
}

isr_status isr_shard_pass(isr_ctx *ctx, const isr_model *m, const isr_options *o, isr_batch *b,
                          double t_start, double load_s)
{
    isr_hub_set share = {0};
    int *full_no = NULL;
    double timing[3] = {load_s, 0, 0};
    char *settings = isr_batch_settings(ctx, m, o);
    isr_status st = settings ? shard_share(ctx, m, o, &share, &full_no)
                             : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK) {
        isr_out_unmark(ctx, o->out); /* merge writes it again */
        isr_log(ctx, ISR_LOG_INFO, "shard %d of %d: %d of the run's %d %s", o->shard_k,
                o->shard_n, share.n, m->hubs.n, ISR_PLURAL(m->hubs.n, "hub", "hubs"));
        double t_hubs = isr_now_s();
        if (share.n > 0)
            st = isr_batch_run(ctx, m, o, &share, b);
        char *dir = isr_strdup_printf("%s/shards", o->out);
        char *part = part_path(o->out, o->shard_k, o->shard_n);
        if ((!dir || !part) && st == ISR_OK)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        if (st == ISR_OK && share.n > 0 && /* before the record: a complete shard has it */
            (st = isr_mkdirs_under(ctx, o->out, dir)) == ISR_OK)
            st = isr_partial_write(ctx, b, full_no, m->hubs.n, part);
        free(dir);
        free(part);
        timing[1] = isr_now_s() - t_hubs;
        if (b->region_dir)
            rmdir(b->region_dir); /* made by the batch, for a run's region products */
    }
    timing[2] = isr_now_s() - t_start;
    if (st != ISR_ERR_MEMORY) { /* the record, also of a failure: the merge names it */
        json_object *root = record_json(ctx, m, o, b, settings, timing, st, isr_ctx_errmsg(ctx));
        isr_status wst = record_write(ctx, o->out, o->shard_k, o->shard_n, root);
        json_object_put(root);
        if (st == ISR_OK)
            st = wst;
    }
    char q[ISR_SHQ_MAX]; /* the folder in a command to paste */
    if (st == ISR_OK)
        isr_log(ctx, ISR_LOG_INFO,
                "shard %d of %d complete; when every shard is, isoreach merge --out %s writes "
                "the region products",
                o->shard_k, o->shard_n, isr_shq(o->out, q, sizeof q));
    b->folders = NULL; /* share's, freed here */
    isr_hub_set_clear(&share);
    free(full_no);
    free(settings);
    return st;
}

/* ---- the merge ----------------------------------------------------------------------------- */

typedef struct shard_set {
    int n;              /* N */
    json_object **rec;  /* rec[k - 1]: the record of shard k */
} shard_set;

static void shard_set_clear(shard_set *ss)
{
    for (int k = 0; ss->rec && k < ss->n; k++)
        json_object_put(ss->rec[k]);
    free(ss->rec);
    memset(ss, 0, sizeof *ss);
}

/* N: the one N of the records "K-of-N.json" in dir; a second N is refused. */
static isr_status shard_count(isr_ctx *ctx, const char *out, const char *dir, int *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "--out '%s' holds no shards (no folder '%s'): run isoreach run ... "
                        "--shard K/N --out '%s' for K = 1..N first",
                        out, dir, out);
    struct dirent *e;
    char first[300] = "";
    isr_status st = ISR_OK;
    *n = 0;
    while (st == ISR_OK && (e = readdir(d))) {
        int k, nn, len = 0;
        if (sscanf(e->d_name, "%d-of-%d.json%n", &k, &nn, &len) != 2 || e->d_name[len] ||
            k < 1 || nn < k)
            continue;
        if (*n && nn != *n)
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "'%s' holds shards of two runs: %s (of %d) and %s (of %d); remove "
                          "the records of the older one and merge again",
                          dir, first, *n, e->d_name, nn);
        else if (!*n) {
            *n = nn;
            snprintf(first, sizeof first, "%s", e->d_name);
        }
    }
    closedir(d);
    if (st == ISR_OK && !*n)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "'%s' holds no shard record (K-of-N.json): run isoreach run ... --shard "
                      "K/N --out '%s' for K = 1..N first",
                      dir, out);
    return st;
}

/* A string member of a record ("" when absent). */
static const char *rec_str(json_object *rec, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(rec, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : "";
}

/* The first option whose value differs between two options records, into buf. */
static void first_diff(json_object *a, json_object *b, char *buf, size_t n)
{
    snprintf(buf, n, "an option");
    json_object_object_foreach(a, key, va) {
        json_object *vb = NULL;
        if (!json_object_object_get_ex(b, key, &vb) || !json_object_equal(va, vb)) {
            snprintf(buf, n, "%s %s, not %s", key, va ? json_object_get_string(va) : "(none)",
                     vb ? json_object_get_string(vb) : "(none)");
            return;
        }
    }
}

/* Reads every record of OUT/shards: N of one N, each complete, one settings string and one
 * options record (module header). */
static isr_status shards_read(isr_ctx *ctx, const char *out, shard_set *ss)
{
    char *dir = isr_strdup_printf("%s/shards", out);
    if (!dir)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    isr_status st = shard_count(ctx, out, dir, &ss->n);
    if (st == ISR_OK && !(ss->rec = calloc((size_t)ss->n, sizeof *ss->rec)))
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int k = 1; st == ISR_OK && k <= ss->n; k++) {
        char *path = record_path(out, k, ss->n);
        json_object *r = path && isr_file_exists(path) ? json_object_from_file(path) : NULL, *o1,
                    *ok;
        ss->rec[k - 1] = r;
        if (!path)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        else if (!isr_file_exists(path))
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "shard %d of %d is missing: run `isoreach run ... --shard %d/%d` into "
                          "--out '%s' (or it failed)",
                          k, ss->n, k, ss->n, out);
        else if (!r)
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "'%s' is not readable JSON (%s): run `isoreach run ... --shard %d/%d` "
                          "again",
                          path, isr_json_unreadable(path), k, ss->n);
        else if (strcmp(rec_str(r, "status"), "complete") != 0)
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "shard %d of %d failed (%s): run `isoreach run ... --shard %d/%d` "
                          "again (its hubs done are kept)",
                          k, ss->n, *rec_str(r, "error") ? rec_str(r, "error") : "no message",
                          k, ss->n);
        else if (!json_object_object_get_ex(r, "options", &ok) ||
                 !json_object_object_get_ex(ss->rec[0], "options", &o1))
            st = isr_fail(ctx, ISR_ERR_INPUT, "'%s' records no options: run the shard again",
                          path);
        else if (!json_object_equal(ok, o1)) {
            char diff[600];
            first_diff(ok, o1, diff, sizeof diff);
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "shard %d of %d ran with other options than shard 1 (%s): run every "
                          "shard with the same options",
                          k, ss->n, diff);
        } else if (strcmp(rec_str(r, "settings"), rec_str(ss->rec[0], "settings")) != 0)
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "shard %d of %d read other inputs than shard 1 (the fingerprints of "
                          "their hub outputs differ: an input changed between them); run every "
                          "shard again on the same inputs",
                          k, ss->n);
        free(path);
    }
    free(dir);
    return st;
}

/* The first ';' item where settings strings a and b differ, into buf. */
static void settings_diff(const char *a, const char *b, char *buf, size_t n)
{
    while (*a && *a == *b) {
        const char *ea = strchr(a, ';'), *eb = strchr(b, ';');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        if (la != lb || strncmp(a, b, la) != 0)
            break;
        a += la + (ea != NULL);
        b += lb + (eb != NULL);
    }
    const char *ea = strchr(a, ';'), *eb = strchr(b, ';');
    snprintf(buf, n, "%.*s now, %.*s in the shards", (int)(ea ? ea - a : (long)strlen(a)), a,
             (int)(eb ? eb - b : (long)strlen(b)), b);
}

/* The record hub of model hub h: its shard (*k) and entry, or NULL. */
static json_object *record_hub(const shard_set *ss, const char *id, int *k)
{
    for (int s = 0; s < ss->n; s++) {
        json_object *hubs = NULL;
        if (!json_object_object_get_ex(ss->rec[s], "hubs", &hubs))
            continue;
        for (size_t i = 0; i < json_object_array_length(hubs); i++) {
            json_object *ho = json_object_array_get_idx(hubs, i), *v = NULL;
            if (json_object_object_get_ex(ho, "id", &v) &&
                strcmp(json_object_get_string(v), id) == 0) {
                *k = s + 1;
                return ho;
            }
        }
    }
    return NULL;
}

static double member_num(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

/* The hub's own tables in `dir` (summary.csv, reach.csv, stations.csv), every row of hub
 * `id`: a table copied from another hub's folder was merged as it was (exit 0, the web map
 * built on it). Ids written after a ' (isr_csv_field) are read without it. */
static isr_status hub_tables_check(isr_ctx *ctx, const char *dir, const char *id,
                                   const char *again)
{
    static const char *const names[] = {"summary.csv", "reach.csv", "stations.csv"};
    isr_status st = ISR_OK;
    for (size_t t = 0; t < sizeof names / sizeof *names && st == ISR_OK; t++) {
        char *path = isr_strdup_printf("%s/%s", dir, names[t]);
        GByte *text = NULL;
        if (!path || !isr_file_exists(path) ||
            !VSIIngestFile(NULL, path, &text, NULL, 256 * 1024 * 1024)) {
            free(path);
            continue; /* none: the outputs' own checks say so */
        }
        isr_csv c;
        isr_csv_init(&c, (char *)text);
        int col = isr_csv_header(&c) == 1 ? isr_csv_col(&c, "hub_id") : -1;
        while (col >= 0 && st == ISR_OK && isr_csv_next(&c) == 1) {
            const char *v = isr_csv_unescaped(isr_csv_get(&c, col));
            if (strcmp(v, id) != 0)
                st = isr_fail(ctx, ISR_ERR_INPUT,
                              "hub '%s': '%s' line %d holds a row of hub '%s', not its own: "
                              "the hubs' tables were mixed up; %s",
                              id, path, c.line, v, again);
        }
        isr_csv_clear(&c);
        VSIFree(text);
        free(path);
    }
    return st;
}

/* Every hub of the model in one shard's record, its travel_time.tif there; the shards'
 * figures of each hub into the batch's results (what its run.json reports). */
static isr_status hubs_check(isr_ctx *ctx, const isr_model *m, const isr_options *o,
                             const shard_set *ss)
{
    int listed = 0;
    for (int s = 0; s < ss->n; s++) {
        json_object *hubs = NULL;
        if (json_object_object_get_ex(ss->rec[s], "hubs", &hubs))
            listed += (int)json_object_array_length(hubs);
    }
    for (int h = 0; h < m->hubs.n; h++) {
        const char *id = isr_rail_station_id(m->net, m->hubs.hubs[h]);
        int k = 0;
        if (!record_hub(ss, id, &k))
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "hub '%s' is in no shard's record: the shards ran on other hubs; "
                            "run them again",
                            id);
        char *tif = isr_strdup_printf("%s/hubs/%s/travel_time.tif", o->out, m->hubs.folders[h]);
        int there = tif && isr_file_exists(tif);
        if (!there) {
            free(tif);
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "hub '%s' (shard %d of %d) has no outputs in '%s/hubs/%s': run "
                            "`isoreach run ... --shard %d/%d` again",
                            id, k, ss->n, o->out, m->hubs.folders[h], k, ss->n);
        }
        /* the partials give the region's products, not the hub's own raster: a raster copied
         * from another hub, or cut short, was merged as it was (exit 0) */
        char again[160];
        isr_snprintf(again, sizeof again, "run `isoreach run ... --shard %d/%d` again", k, ss->n);
        isr_status st = isr_hub_raster_check(ctx, tif, id, again);
        free(tif);
        char *dir = st == ISR_OK ? isr_strdup_printf("%s/hubs/%s", o->out, m->hubs.folders[h])
                                 : NULL;
        if (st == ISR_OK)
            st = dir ? hub_tables_check(ctx, dir, id, again)
                     : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        free(dir);
        if (st != ISR_OK)
            return st;
    }
    if (listed != m->hubs.n)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "the shards' records list %d hubs, the run has %d: run the shards again",
                        listed, m->hubs.n);
    return ISR_OK;
}

/* The hub the merge's pass could not reuse (b->refused), said with the shard that computed it
 * and the command (the message said only "run its shard again"). */
static void shard_named(isr_ctx *ctx, const shard_set *ss, const isr_batch *b)
{
    int h = atomic_load(&b->refused) - 1, k = 0;
    if (h < 0 || h >= b->nhubs)
        return;
    if (record_hub(ss, isr_rail_station_id(b->net, b->hubs[h]), &k))
        isr_fail_more(ctx, ": it is shard %d of %d's (isoreach run ... --shard %d/%d)", k, ss->n,
                      k, ss->n);
    else
        isr_fail_more(ctx, " (isoreach run ... --shard K/N)");
}

/* The merge's batch: from the shards' partials (partial.c) when they all fit, else by a
 * pass that reads every hub's raster back (saying why). */
static isr_status merge_hubs(isr_ctx *ctx, const isr_model *m, const isr_options *o,
                             const shard_set *ss, isr_batch *b)
{
    char **parts = calloc((size_t)ss->n, sizeof *parts), why[4600] = "";
    int np = 0;
    isr_status st = parts ? ISR_OK : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int k = 1; st == ISR_OK && k <= ss->n; k++) {
        json_object *hubs = NULL;
        if (json_object_object_get_ex(ss->rec[k - 1], "hubs", &hubs) &&
            json_object_array_length(hubs) == 0)
            continue; /* a shard with no hub has no partial */
        if (!(parts[np++] = part_path(o->out, k, ss->n)))
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    if (o->recount_reused) /* isoreach reach ran here (merge_run) */
        isr_snprintf(why, sizeof why, "isoreach reach recounted the hubs' tables on other "
                     "boundaries or people since: they are counted again on the run's");
    else if (st == ISR_OK)
        st = isr_batch_absorb(ctx, m, o, &m->hubs, b, parts, np, why, sizeof why);
    for (int k = 0; parts && k < np; k++)
        free(parts[k]);
    free(parts);
    if (st == ISR_OK && !*why)
        isr_log(ctx, ISR_LOG_INFO, "merged %d %s from the partials of %d %s (no raster read "
                "back)", b->nhubs, ISR_PLURAL(b->nhubs, "hub", "hubs"), np,
                ISR_PLURAL(np, "shard", "shards"));
    if (st != ISR_OK || !*why)
        return st;
    isr_log(ctx, ISR_LOG_INFO, "the shards' partials cannot be merged (%s): reading every "
            "hub's raster instead", why);
    isr_batch_clear(b);
    return isr_batch_run(ctx, m, o, &m->hubs, b);
}

/* The pass of a merge: its batch (merge_hubs), the region products, run.json. */
static isr_status merge_pass(isr_ctx *ctx, const isr_model *m, const isr_options *o,
                             const shard_set *ss, isr_batch *b, double t_start, double load_s,
                             int warn_from)
{
    double timing[4] = {load_s, 0, 0, 0};
    double t_hubs = isr_now_s();
    isr_status st = merge_hubs(ctx, m, o, ss, b);
    timing[1] = isr_now_s() - t_hubs;
    if (st != ISR_OK)
        return st;
    for (int h = 0; h < b->nhubs; h++) { /* the figures of the shard that computed the hub */
        int k = 0;
        json_object *ho = record_hub(ss, isr_rail_station_id(m->net, b->hubs[h]), &k), *v = NULL;
        b->results[h].seconds = member_num(ho, "seconds");
        b->results[h].search_seconds = member_num(ho, "search_seconds");
        b->results[h].skipped = json_object_object_get_ex(ho, "reused_existing_output", &v) &&
                                json_object_get_boolean(v);
    }
    b->merged_shards = ss->n;
    b->warn_from = warn_from; /* not those of a shard run earlier on this context (mpirun) */
    double t_prod = isr_now_s();
    isr_progress(ctx, "products", 0, 1);
    if ((st = isr_region_write(b)) != ISR_OK)
        return st;
    isr_progress(ctx, "products", 1, 1);
    /* the scenarios of the run: compared here, once every baseline hub is on disk (the
     * shards only checked that they read) */
    isr_scenario sc[ISR_MAX_SCENARIOS];
    memset(sc, 0, sizeof sc);
    if (o->nscenarios > 0 && (st = isr_scenarios_load(ctx, o, m, sc)) == ISR_OK)
        st = isr_scenarios_run(ctx, m, b, sc, o->nscenarios);
    for (int i = 0; i < ISR_MAX_SCENARIOS; i++)
        isr_scenario_clear(&sc[i]);
    if (st != ISR_OK)
        return st;
    timing[2] = isr_now_s() - t_prod;
    timing[3] = isr_now_s() - t_start;
    return isr_run_json_write(b, timing);
}

/* The shards' scenarios (their record's options, paths relative to OUT; apply_record
 * leaves them out) onto eff, unless the merge was given its own. */
static isr_status merge_scenarios(isr_ctx *ctx, const shard_set *ss, const char *out,
                                  isr_options *eff)
{
    json_object *o = NULL, *sc = NULL;
    if (eff->nscenarios > 0 || !json_object_object_get_ex(ss->rec[0], "options", &o) ||
        !json_object_object_get_ex(o, "--scenario", &sc) ||
        !json_object_is_type(sc, json_type_object))
        return ISR_OK;
    isr_status st = ISR_OK;
    json_object_object_foreach(sc, name, path) {
        char *p = isr_path_in_out(out, json_object_get_string(path));
        char *v = p ? isr_strdup_printf("%s=%s", name, p) : NULL;
        free(p);
        st = v ? isr_options_set(ctx, eff, "scenario", v)
               : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        free(v);
        if (st != ISR_OK)
            break;
    }
    return st;
}

/* The inputs whose files differ from those the shards read (their record's
 * input_fingerprints), as "--lines 'x.shp', …" into buf; empty when none can be named (a
 * record from before them, or only the options differ). */
static void changed_inputs(isr_ctx *ctx, const isr_options *eff, json_object *rec, char *buf,
                           size_t n)
{
    json_object *then = NULL;
    *buf = '\0';
    if (!json_object_object_get_ex(rec, "input_fingerprints", &then))
        return;
    json_object *now = isr_inputs_fingerprints(ctx, eff);
    const char *names[32], *paths[32];
    int ni = isr_options_inputs(eff, names, paths, 32);
    size_t len = 0;
    for (int i = 0; now && i < ni; i++) {
        char key[64];
        isr_input_key(names, i, key, sizeof key);
        json_object *was = NULL, *v = NULL;
        if (!json_object_object_get_ex(now, key, &v) ||
            (json_object_object_get_ex(then, key, &was) &&
             strcmp(json_object_get_string(was), json_object_get_string(v)) == 0))
            continue;
        if (len < n)
            len += (size_t)snprintf(buf + len, n - len, "%s%s '%s'", len ? ", " : "", key,
                                    paths[i] ? paths[i] : "");
    }
    json_object_put(now);
}

/* The options, model and checks of a merge, then its pass (the lock held). `loaded`: m is
 * the model the calling shard loaded (isr_run_shard_merge), used as it is; `threads` > 0
 * replaces --threads (mpirun: the other ranks wait). */
static isr_status merge_run(isr_ctx *ctx, const isr_options *opt, isr_options *eff,
                            shard_set *ss, isr_model *m, int loaded, isr_batch *b,
                            double t_start, int warn_from, int threads)
{
    isr_status st = shards_read(ctx, opt->out, ss);
    json_object *rec = NULL;
    if (st == ISR_OK && json_object_object_get_ex(ss->rec[0], "options", &rec))
        st = isr_options_apply_record(ctx, eff, rec);
    if (st == ISR_OK && rec) /* the recorded inputs are OUT's (outpath.c) */
        st = isr_options_rebase_inputs(ctx, eff, rec, opt->out, "the shards' record", NULL);
    char *cwd = st == ISR_OK ? getcwd(NULL, 0) : NULL;
    int here = cwd && strcmp(cwd, rec_str(ss->rec[0], "cwd")) == 0;
    free(cwd);
    if (st == ISR_OK && here && json_object_object_get_ex(ss->rec[0], "inputs_given", &rec))
        st = isr_options_apply_record(ctx, eff, rec); /* relative paths as the shards had them */
    if (st == ISR_OK)
        st = merge_scenarios(ctx, ss, opt->out, eff);
    eff->overwrite = 0;
    eff->reuse_only = 1; /* batch.c: a hub not reused fails, naming it */
    eff->shard_k = eff->shard_n = 0;
    if (threads > 0)
        eff->threads = threads;
    if (st == ISR_OK && !loaded && (st = isr_model_check(ctx, eff, m)) == ISR_OK)
        st = isr_model_load(ctx, eff, m);
    char *now = st == ISR_OK ? isr_batch_settings(ctx, m, eff) : NULL;
    const char *then = st == ISR_OK ? rec_str(ss->rec[0], "settings") : "";
    if (st == ISR_OK && !now)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    else if (st == ISR_OK && strcmp(now, then) != 0) {
        char diff[600], inputs[600];
        settings_diff(now, then, diff, sizeof diff);
        changed_inputs(ctx, eff, ss->rec[0], inputs, sizeof inputs);
        if (*inputs) /* the fingerprint's part that differs, by name */
            isr_snprintf(diff, sizeof diff, "the files of %s are not those the shards read",
                         inputs);
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "the inputs or options changed since the shards ran (%s): run the shards "
                      "again, or merge with their options%s%s%s",
                      diff, here ? "" : " (the shards ran in '",
                      here ? "" : rec_str(ss->rec[0], "cwd"),
                      here ? "" : "': merge there if they were given relative input paths)");
    }
    free(now);
    if (st == ISR_OK)
        st = hubs_check(ctx, m, eff, ss);
    /* reach ran here: recorded in run.json, or, when a shard ran since and took run.json
     * away, by the marker it left (the other shards' hubs still hold reach's tables) */
    eff->recount_reused = st == ISR_OK && (isr_out_reach_recorded(opt->out) ||
                                           isr_out_recount_pending(opt->out));
    if (st == ISR_OK)
        st = merge_pass(ctx, m, eff, ss, b, t_start, isr_now_s() - t_start, warn_from);
    return st;
}

/* isr_merge, on model `loaded` (NULL: loaded here); run.json's warnings from warn_from
 * (-1: this call's). */
static isr_status merge_call(isr_ctx *ctx, const isr_options *opt, isr_model *loaded,
                             int warn_from, int threads)
{
    isr_ctx_reset(ctx);
    isr_ctx_set_timeout(ctx, opt->timeout_s);
    isr_fetch_setup(ctx, opt->cache, opt->max_download_mb);
    isr_gdal_errors_push(ctx);
    double t_start = isr_now_s();
    isr_options eff;
    isr_model m;
    isr_batch b;
    shard_set ss = {0};
    char *lock = NULL;
    memset(&m, 0, sizeof m);
    memset(&b, 0, sizeof b);
    isr_options_copy(opt, &eff);
    isr_status st = ISR_OK;
    if (!opt->out || !*opt->out)
        st = isr_fail(ctx, ISR_ERR_USAGE, "no output folder (--out)");
    else if ((st = isr_out_lock(ctx, opt->out, &lock)) == ISR_OK &&
             (st = isr_out_links_check(ctx, opt->out)) == ISR_OK &&
             (st = isr_out_refuse_others(ctx, opt->out, 1)) == ISR_OK) { /* a shard runs */
        isr_tmp_sweep_said(ctx, opt->out); /* the shards are over: theirs are orphans */
        st = merge_run(ctx, opt, &eff, &ss, loaded ? loaded : &m, loaded != NULL, &b,
                       t_start, warn_from >= 0 ? warn_from : isr_ctx_nwarnings(ctx), threads);
        if (st == ISR_ERR_INPUT)
            shard_named(ctx, &ss, &b);
    }
    if (st == ISR_ERR_INTERRUPTED)
        isr_fail(ctx, st, "interrupted: the merge wrote no run.json; run isoreach merge again");
    if (st != ISR_OK && b.region_dir)
        rmdir(b.region_dir); /* only when left empty */
    isr_out_unlock(lock);
    isr_batch_clear(&b);
    isr_model_clear(&m);
    shard_set_clear(&ss);
    isr_options_clear(&eff);
    isr_gdal_errors_pop();
    return st;
}

isr_status isr_merge(isr_ctx *ctx, const isr_options *opt)
{
    return merge_call(ctx, opt, NULL, -1, 0);
}

isr_status isr_merge_loaded(isr_ctx *ctx, const isr_options *opt, isr_model *m, int warn_from,
                            int threads)
{
    return merge_call(ctx, opt, m, warn_from, threads);
}
