/*
 * partial.c — a shard's share of the region products, kept for the merge (issue 16).
 *
 * A shard ends with OUT/shards/K-of-N.part: what its pass accumulated, in the run's hub
 * numbers — each of its hubs' result and reach tallies (hub_cells, hub_pop), and the region
 * accumulator tiles it made (nearest time, nearest hub, count). The merge absorbs the N
 * partials into one batch (min time, the lower hub number on a tie, counts added: what one
 * pass computes, whatever the order of its hubs) instead of reading every hub's raster back
 * and tallying it again, which made a merge cost as much as the hubs themselves.
 *
 * The file is this build's memory layout (a magic, the sizes of its records and the run's
 * settings string head it, a checksum of everything after the head ends it): a partial of
 * another build, grid, run or hub set, or one damaged since (a byte changed: it was merged
 * as it was), is refused with its reason and the merge reads the hubs' rasters instead.
 * Written under a temporary name before the shard's record, so a "complete" record has its
 * partial.
 */
#include "batch.h"
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PART_MAGIC "ISRPART2" /* 2: the checksum at the end */

typedef struct part_head {
    char magic[8];
    uint32_t result_size, tile_size, nlevels, pad_;
    int32_t nall, nshare, nx, ny, ntiles, ngroups[ISR_NLEVELS];
    uint64_t settings_len;
} part_head;

/* A partial being written or read, with the checksum (FNV-1a) of the bytes after the head. */
typedef struct pio {
    FILE *f;
    uint64_t sum;
} pio;

static int put(pio *w, const void *p, size_t n)
{
    w->sum = isr_fnv1a(w->sum, p, n);
    return n == 0 || fwrite(p, 1, n, w->f) == n;
}

static int get(pio *r, void *p, size_t n)
{
    int ok = n == 0 || fread(p, 1, n, r->f) == n;
    if (ok)
        r->sum = isr_fnv1a(r->sum, p, n);
    return ok;
}

/* One hub's result and tallies (the batch's hub h) as hub `full` of the run. */
static int put_hub(pio *f, const isr_batch *b, int h, int32_t full)
{
    int ok = put(f, &full, sizeof full) && put(f, &b->results[h], sizeof b->results[h]);
    for (int k = 0; ok && k < ISR_NLEVELS; k++) {
        size_t ng = (size_t)b->zones->ngroups[k];
        ok = put(f, b->hub_cells[k] + (size_t)h * ng, ng * sizeof *b->hub_cells[k]) &&
             put(f, b->hub_pop[k] + (size_t)h * ng, ng * sizeof *b->hub_pop[k]);
    }
    return ok;
}

/* A tile with its hubs renumbered to the run's (full_no: the shard's hub -> the run's), by
 * way of `out`. */
static int put_tile(pio *f, const isr_acc_tile *t, int32_t index, const int *full_no,
                    isr_acc_tile *out)
{
    memcpy(out, t, sizeof *out);
    for (size_t i = 0; i < sizeof out->hub / sizeof *out->hub; i++)
        if (out->hub[i] != ISR_HUB_NODATA)
            out->hub[i] = (int16_t)full_no[out->hub[i]];
    return put(f, &index, sizeof index) && put(f, out, sizeof *out);
}

isr_status isr_partial_write(isr_ctx *ctx, const isr_batch *b, const int *full_no, int nall,
                             const char *path)
{
    part_head h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, PART_MAGIC, 8);
    h.result_size = (uint32_t)sizeof(isr_hub_result);
    h.tile_size = (uint32_t)sizeof(isr_acc_tile);
    h.nlevels = ISR_NLEVELS;
    h.nall = nall;
    h.nshare = b->nhubs;
    h.nx = b->acc.nx;
    h.ny = b->acc.ny;
    for (size_t i = 0, n = (size_t)b->acc.tx * (size_t)b->acc.ty; i < n; i++)
        h.ntiles += b->acc.tiles[i] != NULL;
    for (int k = 0; k < ISR_NLEVELS; k++)
        h.ngroups[k] = b->zones->ngroups[k];
    h.settings_len = strlen(b->settings);
    char *tmp = NULL;
    FILE *f = NULL;
    isr_acc_tile *out = malloc(sizeof *out);
    if (!out)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path);
    isr_status st = isr_open_tmp(ctx, path, &tmp, &f);
    if (st != ISR_OK) {
        free(out);
        return st;
    }
    pio w = {f, 0};
    int ok = put(&w, &h, sizeof h);
    w.sum = 0; /* the sum is of what follows the head */
    ok = ok && put(&w, b->settings, (size_t)h.settings_len);
    for (int i = 0; ok && i < b->nhubs; i++)
        ok = put_hub(&w, b, i, full_no[i]);
    for (size_t i = 0, n = (size_t)b->acc.tx * (size_t)b->acc.ty; ok && i < n; i++)
        if (b->acc.tiles[i])
            ok = put_tile(&w, b->acc.tiles[i], (int32_t)i, full_no, out);
    uint64_t sum = w.sum;
    ok = ok && put(&w, &sum, sizeof sum);
    free(out);
    if (!ok) {
        int err = errno;
        isr_discard_tmp(f, tmp);
        free(tmp);
        return isr_fail(ctx, ISR_ERR_IO, "cannot write '%s': %s", path,
                        isr_write_reason(path, err));
    }
    st = isr_close_commit(ctx, f, tmp, path);
    free(tmp);
    return st;
}

/* Why a partial's head does not fit batch b ("" when it does), into why. */
static void head_check(const part_head *h, const isr_batch *b, const char *settings,
                       char *why, size_t n)
{
    *why = '\0';
    if (memcmp(h->magic, PART_MAGIC, 8) != 0 || h->result_size != sizeof(isr_hub_result) ||
        h->tile_size != sizeof(isr_acc_tile) || h->nlevels != ISR_NLEVELS)
        snprintf(why, n, "it was written by another version of isoreach");
    else if (h->nall != b->nhubs || h->nshare < 0 || h->nshare > h->nall)
        snprintf(why, n, "it is of a run of %d hubs, not %d", h->nall, b->nhubs);
    else if (h->nx != b->acc.nx || h->ny != b->acc.ny || h->ntiles < 0 ||
             (size_t)h->ntiles > (size_t)b->acc.tx * (size_t)b->acc.ty)
        snprintf(why, n, "it is of a %d x %d grid, not %d x %d", h->nx, h->ny, b->acc.nx,
                 b->acc.ny);
    else if (!settings)
        snprintf(why, n, "its settings cannot be read");
    else if (strcmp(settings, b->settings) != 0)
        snprintf(why, n, "it was made with other inputs or settings");
    for (int k = 0; !*why && k < ISR_NLEVELS; k++)
        if (h->ngroups[k] != b->zones->ngroups[k])
            snprintf(why, n, "it counts other boundary units");
}

/* Hub records of a partial into b (seen: hubs already absorbed); 0 with why on a fault. */
static int get_hubs(pio *f, const part_head *h, isr_batch *b, char *seen, char *why, size_t n)
{
    for (int i = 0; i < h->nshare; i++) {
        int32_t full = -1;
        isr_hub_result r;
        if (!get(f, &full, sizeof full) || !get(f, &r, sizeof r)) {
            snprintf(why, n, "it is cut short");
            return 0;
        }
        if (full < 0 || full >= b->nhubs || seen[full] || r.station != b->hubs[full]) {
            snprintf(why, n, "its hub record %d does not fit the run's hubs", i + 1);
            return 0;
        }
        seen[full] = 1;
        b->results[full] = r;
        for (int k = 0; k < ISR_NLEVELS; k++) {
            size_t ng = (size_t)b->zones->ngroups[k];
            if (!get(f, b->hub_cells[k] + (size_t)full * ng, ng * sizeof *b->hub_cells[k]) ||
                !get(f, b->hub_pop[k] + (size_t)full * ng, ng * sizeof *b->hub_pop[k])) {
                snprintf(why, n, "it is cut short");
                return 0;
            }
        }
    }
    return 1;
}

/* A partial's tiles reduced into b's accumulators; 0 with why on a fault, -1 out of memory. */
static int get_tiles(pio *f, const part_head *h, isr_batch *b, isr_acc_tile *in, char *why,
                     size_t n)
{
    for (int i = 0; i < h->ntiles; i++) {
        int32_t index = -1;
        if (!get(f, &index, sizeof index) || !get(f, in, sizeof *in)) {
            snprintf(why, n, "it is cut short");
            return 0;
        }
        if (index < 0 || (size_t)index >= (size_t)b->acc.tx * (size_t)b->acc.ty) {
            snprintf(why, n, "its tile %d lies off the grid", i + 1);
            return 0;
        }
        isr_acc_tile *t = isr_acc_tile_make(&b->acc, index % b->acc.tx, index / b->acc.tx);
        if (!t)
            return -1;
        for (size_t u = 0; u < sizeof in->t / sizeof *in->t; u++) {
            if (in->hub[u] < ISR_HUB_NODATA || in->hub[u] >= b->nhubs) {
                snprintf(why, n, "its tile %d names no hub of the run", i + 1);
                return 0;
            }
            if (in->t[u] < t->t[u] || (in->t[u] == t->t[u] && in->hub[u] < t->hub[u])) {
                t->t[u] = in->t[u];
                t->hub[u] = in->hub[u];
            }
            t->count[u] = (uint16_t)(t->count[u] + in->count[u]);
        }
    }
    return 1;
}

isr_status isr_partial_absorb(isr_ctx *ctx, isr_batch *b, const char *path, char *seen,
                              char *why, size_t nwhy)
{
    *why = '\0';
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, nwhy, "it cannot be read");
        return ISR_OK;
    }
    part_head h;
    char *settings = NULL;
    isr_acc_tile *in = NULL;
    isr_status st = ISR_OK;
    pio r = {f, 0};
    if (!get(&r, &h, sizeof h)) {
        snprintf(why, nwhy, "it is cut short");
        goto cleanup;
    }
    r.sum = 0;
    if (h.settings_len < (1u << 20) && (settings = calloc((size_t)h.settings_len + 1, 1)) &&
        !get(&r, settings, (size_t)h.settings_len)) {
        free(settings);
        settings = NULL;
    }
    head_check(&h, b, settings, why, nwhy);
    if (*why || !get_hubs(&r, &h, b, seen, why, nwhy))
        goto cleanup;
    if (!(in = malloc(sizeof *in))) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading '%s'", path);
        goto cleanup;
    }
    int got = get_tiles(&r, &h, b, in, why, nwhy);
    uint64_t sum = r.sum, stored = 0;
    if (got < 0)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the region products");
    else if (got > 0 && !get(&r, &stored, sizeof stored))
        snprintf(why, nwhy, "it is cut short");
    else if (got > 0 && stored != sum) /* what was absorbed is not the shard's: b is dropped */
        snprintf(why, nwhy, "its contents do not match its checksum (changed since the shard "
                            "wrote it)");
    else if (got > 0 && fgetc(f) != EOF)
        snprintf(why, nwhy, "it runs on past its last tile");
cleanup:
    fclose(f);
    free(settings);
    free(in);
    return st;
}
