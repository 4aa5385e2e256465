/*
 * costdist.c — the grid cost-distance kernel: bounded multi-source Dijkstra over a padded
 * raster with 16-neighbour moves. Plain arrays in, plain arrays out; no I/O, no options.
 *
 * Why 16 neighbours: with 8 (king) moves the distance along a 22.5° heading is overstated
 * by up to 8%; adding the knight moves (±1,±2)/(±2,±1) bounds the error by 2.75% in every
 * direction (worst near 13.3° and 76.7°), inside the 3% the model promises.
 *
 * Move cost = length × mean friction of the cells the straight move crosses: 2 cells for
 * orthogonal and diagonal moves, 4 for a knight move (start, the two cells it cuts
 * through, end), as GRASS r.cost -k does. A diagonal move may not squeeze between two
 * barrier cells; a knight move may not cross one. Barriers are +INF friction, so sums with
 * them are +INF and fail the relaxation test without a branch.
 *
 * Invariants: the grid carries ISR_PAD (2) cells of +INF friction on every side, so no
 * move leaves it and the inner loop has no bounds checks; time_s is +INF except at cells
 * listed in work->touched; a popped queue entry is stale when its key exceeds time_s.
 * Cost: O(n log n) in the cells reached within the budget, not in the grid size (the radix
 * queue below: pushes O(1), each entry moved about 6.5 times, 1.6 in bands).
 *
 * Bands (the r.cost kernel, when the caller gives the least friction fric_min): keys are not
 * exact times but bands of time a little narrower than the cheapest move, cell_m × fric_min
 * (Dial's buckets; Dial 1969). A cell settled in band k can only offer times in band k + 1 or
 * later, so no cell of a band can improve another of the same band and the band's cells may
 * be settled in any order: their times are final. The queue then moves each entry 1.6 times,
 * not 6.5, and a cell whose time improves within the band it is queued in keeps its one
 * entry (time_s holds the time; an entry is live while its key is its cell's band). Should a
 * move be cheaper than the band (a wrong fric_min, float rounding), the improved cell is
 * queued again and settled again: the search corrects labels, and the times are the same
 * floats, since each is still the least of t(p) + cost over its neighbours' final times
 * (test_costdist checks this against a binary heap, bit for bit, with wrong hints too).
 *
 * isr_costdist_iso() is the default, isotropic kernel: a basic Theta* (Nash, Daniel, Koenig
 * & Felner, "Theta*: any-angle path planning on grids") over the same moves. Every queue entry
 * carries its origin (as an offset, so an entry stays 12 bytes): the seed, or the cell
 * where the path last bent. A neighbour n of the popped cell i is offered both the
 * 16-neighbour move from i (origin i) and the straight segment from i's origin o, at
 * time(o) + |n - o| × friction(o), when every cell the segment touches — corners included,
 * so it never squeezes between barrier cells — has o's friction. The straight segment is
 * checked exactly, in integers, column by column; the clearance map (one byte per cell:
 * how far the friction is known to stay the same) lets the check jump over open country,
 * so a segment thousands of cells long costs a few steps. Where friction varies from cell
 * to cell the straight offer never applies and the search is isr_costdist() itself.
 */
#include "costdist.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

/* ---- the priority queue: a monotone radix heap -------------------------------------------
 *
 * Why not a binary heap: a pop costs log2(frontier) levels of unpredictable branches, and
 * Dijkstra pops every cell 1–3 times. A radix heap (Ahuja, Mehlhorn, Orlin & Tarjan 1990)
 * keeps entries in 33 buckets by the highest bit in which their key differs from the key
 * last popped (`last`); bucket 0 holds keys equal to `last`. A push is an append. A pop takes
 * bucket 0's last entry; when bucket 0 is empty, the lowest non-empty bucket's minimum
 * becomes `last` and that bucket's entries move to lower buckets (each entry moves at most
 * 32 times: about 6.5 times with exact keys on bench_kernel's grid, 1.6 with bands). With
 * exact keys (the isotropic kernel, or no fric_min) the keys are the float times mapped to
 * uint32 in order, every key in bucket b is below every key in a higher bucket, so a pop
 * always returns a minimum key, as a heap does. Equal keys may pop in another order than a
 * heap's; the r.cost kernel's times do not depend on that order (a cell's time is the least
 * of t(p) + cost over the neighbours p popped before it, and with positive costs those are
 * exactly the p with t(p) < its time). The isotropic kernel's do: which of two cells of equal
 * time is settled first decides which origin their neighbours take (with the ties moved in
 * reverse order, 4,851 of 360,000 cells of a grid with scattered barriers changed, by up to
 * 0.01 %). So it keeps exact keys and this queue's order of ties: no bands for it.
 *
 * Dijkstra only pushes keys >= last (a move costs >= 0). The isotropic kernel may offer a
 * straight segment's time below `last`; that entry goes to bucket 0 and pops next, as it
 * would from a heap (it is the minimum).
 */
typedef struct qent {
    uint32_t key, idx;
    int16_t dx, dy; /* isotropic kernel: offset from the cell's origin to the cell */
} qent;

#define NBUCKET 33

struct isr_cd_queue {
    qent *b[NBUCKET];
    uint32_t n[NBUCKET], cap[NBUCKET];
    uint64_t nonempty; /* bit b set when bucket b holds entries */
    uint32_t last;
};

/* Float time to an unsigned key of the same order (negative times too; -0 sorts below +0). */
static inline uint32_t time_key(float t)
{
    uint32_t u;
    memcpy(&u, &t, sizeof u);
    return u ^ ((uint32_t)-(int32_t)(u >> 31) | 0x80000000u);
}

/* The queue key of a time: its band, floor(t × inv_band), when inv_band > 0 (the r.cost
 * kernel told fric_min), else time_key(t). Both keep the order of times (a band key may tie
 * times that differ). */
static inline uint32_t band_key(float t, float inv_band)
{
    if (!(inv_band > 0))
        return time_key(t);
    const float b = t * inv_band;
    return b > 0 ? (b < 4294967040.0f ? (uint32_t)b : UINT32_MAX) : 0;
}

static inline unsigned bucket_of(uint32_t key, uint32_t last)
{
    return key <= last ? 0 : 32 - (unsigned)__builtin_clz(key ^ last);
}

static int q_grow(isr_cd_queue *q, unsigned b)
{
    uint32_t nc = q->cap[b] ? 2 * q->cap[b] : 256;
    if (nc < q->cap[b])
        return -1;
    qent *np = realloc(q->b[b], (size_t)nc * sizeof *np);
    if (!np)
        return -1;
    q->b[b] = np;
    q->cap[b] = nc;
    return 0;
}

static inline int q_push(isr_cd_queue *q, qent e)
{
    const unsigned b = bucket_of(e.key, q->last);
    if (__builtin_expect(q->n[b] == q->cap[b], 0) && q_grow(q, b))
        return -1;
    q->b[b][q->n[b]++] = e;
    q->nonempty |= (uint64_t)1 << b;
    return 0;
}

/* Moves the lowest non-empty bucket into bucket 0 and below (the queue must not be empty
 * and bucket 0 must be). Returns 0, or -1 when out of memory. */
static int q_refill(isr_cd_queue *q)
{
    const unsigned b = (unsigned)__builtin_ctzll(q->nonempty);
    qent *e = q->b[b];
    const uint32_t m = q->n[b];
    uint32_t mn = e[0].key;
    for (uint32_t k = 1; k < m; k++)
        mn = e[k].key < mn ? e[k].key : mn;
    q->last = mn;
    q->n[b] = 0;
    q->nonempty &= ~((uint64_t)1 << b);
    for (uint32_t k = 0; k < m; k++)
        if (q_push(q, e[k]))
            return -1; /* the entries not yet moved are lost: the search fails anyway */
    return 0;
}

static inline qent q_pop(isr_cd_queue *q)
{
    qent e = q->b[0][--q->n[0]];
    if (q->n[0] == 0)
        q->nonempty &= ~(uint64_t)1;
    return e;
}

/* The next cell to settle: pops until an entry is live, its key its cell's key now (a cell
 * whose time improved leaves its later entries behind; in bands, one entry may serve several
 * times of its band). Keys are band_key(t, inv_band): inv_band 0, the isotropic kernel's
 * exact keys. The time is time_s's. 1 with *e and *t set, 0 when the queue is empty, -1 when
 * out of memory. */
static inline int q_next(isr_cd_queue *q, const float *time_s, float inv_band, qent *e,
                         float *t)
{
    while (q->nonempty) {
        if (!(q->nonempty & 1) && q_refill(q))
            return -1;
        *e = q_pop(q);
        *t = time_s[e->idx];
        if (band_key(*t, inv_band) == e->key)
            return 1;
    }
    return 0;
}

/* The queue of `work`, empty, its last key below every time; NULL when out of memory. */
static isr_cd_queue *q_reset(isr_cd_work *work)
{
    if (!work->queue && !(work->queue = calloc(1, sizeof *work->queue)))
        return NULL;
    isr_cd_queue *q = work->queue;
    for (unsigned b = 0; b < NBUCKET; b++)
        q->n[b] = 0;
    q->nonempty = 0;
    q->last = 0;
    return q;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 4096;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*p, nc * elem);
    if (!np)
        return -1;
    *p = np;
    *cap = nc;
    return 0;
}

/* The seeds on the queue, keyed by band_key(t, inv_band) (0: the exact time_key), each its
 * own origin; -1 when out of memory. */
static int seed_queue(isr_cd_queue *q, const isr_seed *seeds, size_t nseeds, float budget_s,
                      float *time_s, isr_cd_work *work, float inv_band)
{
    work->ntouched = 0;
    for (size_t s = 0; s < nseeds; s++) {
        uint32_t i = seeds[s].idx;
        float t = seeds[s].t_s;
        if (!(t <= budget_s) || !(t < time_s[i]))
            continue;
        if (isinf(time_s[i])) {
            if (grow((void **)&work->touched, &work->touched_cap, work->ntouched + 1,
                     sizeof(uint32_t)))
                return -1;
            work->touched[work->ntouched++] = i;
        }
        time_s[i] = t;
        if (q_push(q, (qent){band_key(t, inv_band), i, 0, 0}))
            return -1;
    }
    return 0;
}

/* ---- the isotropic kernel ---------------------------------------------------------------- */

/* A clearance R in one byte while the map is built: exact below 128, then in steps of 64
 * cells up to 8256, rounded down (a smaller clearance is always safe: the check only jumps
 * less far). clear_pack then keeps it in runs (costdist.h): the run's least in a byte of
 * this form, each cell's own only below 16. */
static inline uint8_t clear_encode(unsigned R)
{
    return (uint8_t)(R < 128 ? R : 128 + ((R - 128) / 64 < 127 ? (R - 128) / 64 : 127));
}

/* The byte map (one byte a cell, clear_encode) to the map of runs (costdist.h), in place in
 * a buffer of ISR_CLEAR_SCRATCH(n) bytes: run j is read (bytes 64 j .. 64 j + 63) before it
 * is written (33 j .. 33 j + 32), and a run never writes past the next one's first byte (the
 * last may write past the n cells' bytes: n below 33, or 65). */
static void clear_pack(uint8_t *clear, size_t n)
{
    uint8_t cell[ISR_CLEAR_RUN], nib[ISR_CLEAR_RUN];
    for (size_t j = 0; j * ISR_CLEAR_RUN < n; j++) {
        const size_t at = j * ISR_CLEAR_RUN, len = n - at < ISR_CLEAR_RUN ? n - at : ISR_CLEAR_RUN;
        memcpy(cell, clear + at, len);
        memset(cell + len, 1, ISR_CLEAR_RUN - len); /* past the grid: a clearance of 1 */
        uint8_t *run = clear + j * (ISR_CLEAR_RUN / 2 + 1);
        uint8_t least = 255;
        for (size_t k = 0; k < len; k++) /* the byte's order is the clearances' order */
            least = cell[k] < least ? cell[k] : least;
        for (size_t k = 0; k < ISR_CLEAR_RUN; k++) /* a byte below 16 is R itself */
            nib[k] = cell[k] < 16 ? (uint8_t)(cell[k] - 1) : 15;
        run[0] = least;
        for (size_t k = 0; k < ISR_CLEAR_RUN / 2; k++)
            run[1 + k] = (uint8_t)(nib[2 * k] | nib[2 * k + 1] << 4);
    }
}

/* Row o from its neighbour row p (the one above in the forward pass, below in the backward):
 * each cell the least of itself and 1 + the least of its three neighbours in p, saturating
 * at `cap`. The two ends apart, so that the compiler vectorises the rest. */
static inline void cheb_from_row(uint8_t *restrict o, const uint8_t *restrict p, size_t w,
                                 uint8_t cap)
{
    if (w == 1) {
        uint8_t n = p[0] < cap ? (uint8_t)(p[0] + 1) : cap;
        o[0] = n < o[0] ? n : o[0];
        return;
    }
    for (size_t c = 1; c + 1 < w; c++) {
        uint8_t n = p[c - 1] < p[c] ? p[c - 1] : p[c];
        n = p[c + 1] < n ? p[c + 1] : n;
        n = n < cap ? (uint8_t)(n + 1) : cap;
        o[c] = n < o[c] ? n : o[c];
    }
    for (size_t e = 0; e < 2; e++) { /* the first cell and the last: two neighbours each */
        size_t c = e ? w - 1 : 0, q = e ? w - 2 : 1;
        uint8_t n = p[c] < p[q] ? p[c] : p[q];
        n = n < cap ? (uint8_t)(n + 1) : cap;
        o[c] = n < o[c] ? n : o[c];
    }
}

/* Rows of a byte raster for the distance transform: rows [r0, r1) of d are a band's own,
 * the rows [h0, h1) beside them copies in `halo` (see clear_bands). */
typedef struct cheb_band {
    uint8_t *d, *halo;
    size_t w, r0, r1, h0, h1;
} cheb_band;

static inline uint8_t *cheb_row(const cheb_band *b, size_t r)
{
    return r >= b->r0 && r < b->r1 ? b->d + r * b->w : b->halo + (r - b->h0) * b->w;
}

/* A two-pass Chebyshev distance transform in place on rows [lo, hi) of a byte raster of
 * width w, saturating at `cap`: each value becomes the least of itself and 1 + its
 * 8-neighbours' (forward: from the row above, then along the row left to right; backward:
 * from the row below, then right to left). Seeds hold their distance (0 or 1), the rest
 * `cap`. The scans along a row carry the last value in a register: their chain of
 * additions is the transform's cost. */
static void chebyshev_rows(const cheb_band *b, size_t lo, size_t hi, unsigned cap)
{
    const size_t w = b->w;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < hi - lo; k++) {
            size_t r = pass == 0 ? lo + k : hi - 1 - k;
            uint8_t *o = cheb_row(b, r);
            if (k > 0)
                cheb_from_row(o, cheb_row(b, pass == 0 ? r - 1 : r + 1), w, (uint8_t)cap);
            unsigned prev = o[pass == 0 ? 0 : w - 1];
            for (size_t i = 1; i < w; i++) {
                size_t c = pass == 0 ? i : w - 1 - i;
                unsigned n = prev + 1u, v = o[c];
                prev = n < v ? n : v;
                o[c] = (uint8_t)prev;
            }
        }
    }
}

static void chebyshev_u8(uint8_t *d, size_t w, size_t h, unsigned cap)
{
    const cheb_band b = {.d = d, .w = w, .r0 = 0, .r1 = h};
    chebyshev_rows(&b, 0, h, cap);
}

/* Blocks of CLEAR_BLOCK × CLEAR_BLOCK cells: the far clearances' coarse level. */
#define CLEAR_BLOCK 32

/* The clearance map's coarse level, after the fine level's distance transform (capped at
 * 127, so exact below 128). Returns 0, or -1 when out of memory. */
static int clear_coarse(size_t pw, size_t ph, uint8_t *clear)
{
    /* coarse level, for the cells 127 or more from a change: a block holding a cell of
     * clearance 1 is 0, the others their distance in blocks to such a block (capped at
     * 255). A cell in a block at distance D >= 2 is at least (D - 1) × CLEAR_BLOCK + 1
     * cells from any change, so R >= (D - 1) × CLEAR_BLOCK + 2: a lower bound, which is all
     * the kernel needs (it jumps less far), within 2 × CLEAR_BLOCK of the exact transform. */
    size_t bw = (pw + CLEAR_BLOCK - 1) / CLEAR_BLOCK, bh = (ph + CLEAR_BLOCK - 1) / CLEAR_BLOCK;
    uint8_t *blk = malloc(bw * bh);
    if (!blk)
        return -1;
    memset(blk, 255, bw * bh);
    for (size_t r = 0; r < ph; r++) { /* the blocks holding a cell of clearance 1 */
        const uint8_t *row = clear + r * pw;
        uint8_t *brow = blk + (r / CLEAR_BLOCK) * bw;
        for (size_t b = 0; b < bw; b++) {
            size_t c0 = b * CLEAR_BLOCK, c1 = c0 + CLEAR_BLOCK < pw ? c0 + CLEAR_BLOCK : pw;
            unsigned one = 0;
            for (size_t c = c0; c < c1; c++)
                one |= row[c] == 1;
            brow[b] = one ? 0 : brow[b];
        }
    }
    chebyshev_u8(blk, bw, bh, 255);
    for (size_t r = 0; r < ph; r++) {
        const uint8_t *br = blk + (r / CLEAR_BLOCK) * bw;
        uint8_t *o = clear + r * pw;
        for (size_t b = 0; b < bw; b++) {
            unsigned D = br[b];
            if (D < 2 || (D - 1) * CLEAR_BLOCK + 2 <= 127)
                continue;
            const uint8_t v = clear_encode((D - 1) * CLEAR_BLOCK + 2);
            size_t c0 = b * CLEAR_BLOCK, c1 = c0 + CLEAR_BLOCK < pw ? c0 + CLEAR_BLOCK : pw;
            for (size_t c = c0; c < c1; c++)
                o[c] = o[c] == 127 ? v : o[c];
        }
    }
    free(blk);
    return 0;
}


#define OFF_MAX 32767 /* offsets beyond ±32767 cells are never stored: the path bends */

/* the kernels for float cells (the friction itself) and for byte cells (a code into lut) */
#define CD_T float
#define CD_V(x) (x)
#define CD_NAME(n) n##_f32
#include "costdist_kernels.h"
#undef CD_T
#undef CD_V
#undef CD_NAME
#define CD_T uint8_t
#define CD_V(x) (lut[(x)])
#define CD_NAME(n) n##_u8
#include "costdist_kernels.h"
#undef CD_T
#undef CD_V
#undef CD_NAME

int isr_costdist(const float *fric, size_t pw, size_t ph, double cell_m, const isr_seed *seeds,
                 size_t nseeds, float budget_s, float *time_s, isr_cd_work *work)
{
    return costdist_f32(fric, NULL, pw, ph, cell_m, seeds, nseeds, budget_s, time_s, work);
}

int isr_costdist_iso(const float *fric, const uint8_t *clear, size_t pw, size_t ph,
                     double cell_m, const isr_seed *seeds, size_t nseeds, float budget_s,
                     float *time_s, isr_cd_work *work)
{
    return costdist_iso_f32(fric, NULL, clear, pw, ph, cell_m, seeds, nseeds, budget_s, time_s,
                            work);
}

/* Rows a band of the clearance map reads beyond its own: a fine clearance (capped at 127)
 * is decided by the cells within 127 rows. */
#define CLEAR_HALO 128

/* One band of the clearance map's fine level: its rows [r0, r1), then (halo set) its
 * distance transform, reading the rows [h0, h1) beside them from copies made after every
 * band's fine level and before any transform: the values the whole map's transform gives
 * there, since a path of up to 127 cells stays within 127 rows. */
typedef struct clear_band {
    const float *fric;
    const uint8_t *code;
    cheb_band b;
    size_t ph;
    int step; /* 0: the fine level; 1: the transform */
} clear_band;

static int clear_band_run(void *arg)
{
    clear_band *j = arg;
    const cheb_band *b = &j->b;
    if (j->step == 0 && j->fric)
        clear_fine_f32(j->fric, b->w, j->ph, b->d, b->r0, b->r1);
    else if (j->step == 0)
        clear_fine_u8(j->code, b->w, j->ph, b->d, b->r0, b->r1);
    else
        chebyshev_rows(b, b->r0 < b->h0 ? b->r0 : b->h0, b->r1 > b->h1 ? b->r1 : b->h1, 127);
    return 0;
}

/* Both bands' step, the second on a thread of its own (or here when none can start). */
static void clear_bands_step(clear_band *j, int step)
{
    thrd_t t;
    j[0].step = j[1].step = step;
    int par = thrd_create(&t, clear_band_run, &j[1]) == thrd_success;
    clear_band_run(&j[0]);
    if (par)
        thrd_join(t, NULL);
    else
        clear_band_run(&j[1]);
}

/* The fine level and its transform in two bands of rows on two threads (the same bytes as
 * on one): 0, or -1 when out of memory for the halos' copies. */
static int clear_bands(const float *fric, const uint8_t *code, size_t pw, size_t ph,
                       uint8_t *clear)
{
    const size_t m = ph / 2, hz = CLEAR_HALO;
    uint8_t *halo = malloc(2 * hz * pw);
    if (!halo)
        return -1;
    clear_band j[2] = {
        {fric, code, {clear, halo, pw, 0, m, m, m + hz}, ph, 0},
        {fric, code, {clear, halo + hz * pw, pw, m, ph, m - hz, m}, ph, 0}};
    clear_bands_step(j, 0);
    memcpy(halo, clear + m * pw, hz * pw); /* band 0 reads rows [m, m + hz) as they are now */
    memcpy(halo + hz * pw, clear + (m - hz) * pw, hz * pw);
    clear_bands_step(j, 1);
    free(halo);
    return 0;
}

/* The byte map (clear_encode, a byte a cell) of a surface of pw × ph cells. */
static int clear_bytes(const float *fric, const uint8_t *code, size_t pw, size_t ph,
                       uint8_t *clear, int threads)
{
    if (threads > 1 && ph >= 4 * CLEAR_HALO && pw >= 3) {
        if (clear_bands(fric, code, pw, ph, clear))
            return -1;
    } else { /* one band of every row, no halo */
        clear_band all = {fric, code, {clear, NULL, pw, 0, ph, 0, 0}, ph, 0};
        clear_band_run(&all);
        all.step = 1;
        clear_band_run(&all);
    }
    return clear_coarse(pw, ph, clear);
}

int isr_costdist_clearance_par(const float *fric, const uint8_t *code, size_t pw, size_t ph,
                               uint8_t *clear, int threads)
{
    if (clear_bytes(fric, code, pw, ph, clear, threads))
        return -1;
    clear_pack(clear, pw * ph);
    return 0;
}

/* Run j of the map of runs from the window's byte map `wb` (ww cells a row, its top-left
 * cell (r0, c0) of the grid): the window's cells their own clearance, every other cell 1. */
static void clear_pack_run(uint8_t *clear, size_t j, size_t pw, size_t n, const uint8_t *wb,
                           size_t ww, size_t wh, size_t r0, size_t c0)
{
    uint8_t cell[ISR_CLEAR_RUN];
    for (size_t k = 0; k < ISR_CLEAR_RUN; k++) {
        size_t i = j * ISR_CLEAR_RUN + k, r = i / pw, c = i % pw;
        int in = i < n && r >= r0 && r - r0 < wh && c >= c0 && c - c0 < ww;
        cell[k] = in ? wb[(r - r0) * ww + (c - c0)] : 1;
    }
    uint8_t *run = clear + j * (ISR_CLEAR_RUN / 2 + 1), least = 255;
    for (size_t k = 0; k < ISR_CLEAR_RUN; k++)
        least = cell[k] < least ? cell[k] : least;
    run[0] = least;
    for (size_t k = 0; k < ISR_CLEAR_RUN / 2; k++) {
        uint8_t lo = cell[2 * k] < 16 ? (uint8_t)(cell[2 * k] - 1) : 15;
        uint8_t hi = cell[2 * k + 1] < 16 ? (uint8_t)(cell[2 * k + 1] - 1) : 15;
        run[1 + k] = (uint8_t)(lo | hi << 4);
    }
}

int isr_costdist_clearance_window(const float *fric, const uint8_t *code, size_t pw, size_t ph,
                                  const int win[4], uint8_t *clear, int threads)
{
    const size_t r0 = (size_t)win[0], c0 = (size_t)win[2];
    const size_t wh = (size_t)(win[1] - win[0] + 1), ww = (size_t)(win[3] - win[2] + 1);
    float *subf = fric ? malloc(ww * wh * sizeof *subf) : NULL;
    uint8_t *subc = fric ? NULL : malloc(ww * wh), *wb = malloc(ISR_CLEAR_SCRATCH(ww * wh));
    if ((!subf && !subc) || !wb) {
        free(subf);
        free(subc);
        free(wb);
        return -1;
    }
    for (size_t r = 0; r < wh; r++) /* the window's surface, its rows side by side */
        if (subf)
            memcpy(subf + r * ww, fric + (r0 + r) * pw + c0, ww * sizeof *subf);
        else
            memcpy(subc + r * ww, code + (r0 + r) * pw + c0, ww);
    int bad = clear_bytes(subf, subc, ww, wh, wb, threads);
    free(subf);
    free(subc);
    /* the runs the window's rows cross; every other run stays zero bytes */
    const size_t n = pw * ph;
    for (size_t r = r0, last = SIZE_MAX; !bad && r < r0 + wh; r++) {
        size_t j0 = (r * pw + c0) / ISR_CLEAR_RUN, j1 = (r * pw + c0 + ww - 1) / ISR_CLEAR_RUN;
        for (size_t j = last == SIZE_MAX || j0 > last ? j0 : last + 1; j <= j1; j++)
            clear_pack_run(clear, j, pw, n, wb, ww, wh, r0, c0);
        last = j1;
    }
    free(wb);
    return bad ? -1 : 0;
}

int isr_costdist_clearance(const float *fric, size_t pw, size_t ph, uint8_t *clear)
{
    return isr_costdist_clearance_par(fric, NULL, pw, ph, clear, 1);
}

int isr_costdist_clearance_coded(const uint8_t *code, size_t pw, size_t ph, uint8_t *clear)
{
    return isr_costdist_clearance_par(NULL, code, pw, ph, clear, 1);
}

int isr_fric_costdist(isr_fric f, const uint8_t *clear, size_t pw, size_t ph, double cell_m,
                      const isr_seed *seeds, size_t nseeds, float budget_s, float *time_s,
                      isr_cd_work *work)
{
    if (f.f32)
        return clear ? costdist_iso_f32(f.f32, NULL, clear, pw, ph, cell_m, seeds, nseeds,
                                        budget_s, time_s, work)
                     : costdist_f32(f.f32, NULL, pw, ph, cell_m, seeds, nseeds, budget_s,
                                    time_s, work);
    return clear ? costdist_iso_u8(f.code, f.lut, clear, pw, ph, cell_m, seeds, nseeds, budget_s,
                                   time_s, work)
                 : costdist_u8(f.code, f.lut, pw, ph, cell_m, seeds, nseeds, budget_s, time_s,
                               work);
}

void isr_cd_work_free(isr_cd_work *w)
{
    if (!w)
        return;
    if (w->queue)
        for (unsigned b = 0; b < NBUCKET; b++)
            free(w->queue->b[b]);
    free(w->queue);
    free(w->touched);
    w->queue = NULL;
    w->touched = NULL;
    w->touched_cap = w->ntouched = 0;
}
