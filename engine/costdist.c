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
#include <stdlib.h>
#include <string.h>

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

/* Asks the cache for the rows that the pop PREFETCH_AHEAD pops from now will read (its 5
 * rows of friction and of times), when bucket 0 already holds that entry: the cells popped
 * one after another lie around the whole front, so each pop's rows are otherwise cache
 * misses (on bench_kernel's grid this takes a tenth off the r.cost kernel's time and 7 % off
 * the isotropic one's). Only a hint: a stale entry costs nothing but the fetch. */
#define PREFETCH_AHEAD 3

static inline void q_prefetch(const isr_cd_queue *q, const float *fric, const float *time_s,
                              ptrdiff_t w)
{
    if (q->n[0] <= PREFETCH_AHEAD)
        return;
    const ptrdiff_t j = q->b[0][q->n[0] - 1 - PREFETCH_AHEAD].idx;
    for (ptrdiff_t r = -2; r <= 2; r++) {
        __builtin_prefetch(fric + j + r * w);
        __builtin_prefetch(time_s + j + r * w);
    }
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

int isr_costdist(const float *fric, size_t pw, size_t ph, double cell_m, const isr_seed *seeds,
                 size_t nseeds, float budget_s, float *time_s, isr_cd_work *work)
{
    (void)ph;
    const ptrdiff_t w = (ptrdiff_t)pw;
    const float l_orth = (float)(cell_m / 2.0);
    const float l_diag = (float)(cell_m * sqrt(2.0) / 2.0);
    const float l_knight = (float)(cell_m * sqrt(5.0) / 4.0);

    /* bands a little narrower than the cheapest move, cell_m × fric_min (module comment) */
    const double band = 0.999 * cell_m * (double)work->fric_min;
    const float inv_band = band > 0 && isfinite(band) ? (float)(1.0 / band) : 0.0f;

    isr_cd_queue *q = q_reset(work);
    if (!q || seed_queue(q, seeds, nseeds, budget_s, time_s, work, inv_band))
        return -1;
    qent top;
    float t;
    int more;
    while ((more = q_next(q, time_s, inv_band, &top, &t)) > 0) {
        const ptrdiff_t i = top.idx;
        q_prefetch(q, fric, time_s, w);
        const float f0 = fric[i];
        /* Room for this cell's 16 first visits, checked once per pop. */
        if (grow((void **)&work->touched, &work->touched_cap, work->ntouched + 16,
                 sizeof(uint32_t)))
            return -1;
        uint32_t *touched = work->touched;
        size_t nt_touched = work->ntouched;

#define RELAX(n_, cost)                                                                        \
    do {                                                                                       \
        const ptrdiff_t n = (n_);                                                              \
        const float nt_ = t + (cost), old_ = time_s[n];                                        \
        if (nt_ < old_ && nt_ <= budget_s) {                                                   \
            const uint32_t key_ = band_key(nt_, inv_band);                                     \
            time_s[n] = nt_;                                                                   \
            if (isinf(old_))                                                                   \
                touched[nt_touched++] = (uint32_t)(n);                                         \
            /* an entry of n's band still queued (above `last`) takes the new time */          \
            if ((isinf(old_) || key_ != band_key(old_, inv_band) || key_ <= q->last) &&        \
                q_push(q, (qent){key_, (uint32_t)(n), 0, 0}))                                  \
                return -1;                                                                     \
        }                                                                                      \
    } while (0)

        /* The 8 king neighbours' friction read once: each is in several moves' sums. The
         * sums keep r.cost's order (start, the cells cut through, end), so the float
         * results are the same as summing move by move. */
        const float *F = fric + i;
        const float fE = F[1], fW = F[-1], fS = F[w], fN = F[-w];
        const float fSE = F[w + 1], fSW = F[w - 1], fNE = F[-w + 1], fNW = F[-w - 1];
        const float sE = f0 + fE, sW = f0 + fW, sS = f0 + fS, sN = f0 + fN;
        RELAX(i + 1, l_orth * sE);
        RELAX(i - 1, l_orth * sW);
        RELAX(i + w, l_orth * sS);
        RELAX(i - w, l_orth * sN);
        /* a diagonal move may not pass between two barriers */
        if (!(isinf(fE) && isinf(fS)))
            RELAX(i + w + 1, l_diag * (f0 + fSE));
        if (!(isinf(fW) && isinf(fS)))
            RELAX(i + w - 1, l_diag * (f0 + fSW));
        if (!(isinf(fE) && isinf(fN)))
            RELAX(i - w + 1, l_diag * (f0 + fNE));
        if (!(isinf(fW) && isinf(fN)))
            RELAX(i - w - 1, l_diag * (f0 + fNW));
        RELAX(i + w + 2, l_knight * (sE + fSE + F[w + 2]));
        RELAX(i - w + 2, l_knight * (sE + fNE + F[-w + 2]));
        RELAX(i + w - 2, l_knight * (sW + fSW + F[w - 2]));
        RELAX(i - w - 2, l_knight * (sW + fNW + F[-w - 2]));
        RELAX(i + 2 * w + 1, l_knight * (sS + fSE + F[2 * w + 1]));
        RELAX(i + 2 * w - 1, l_knight * (sS + fSW + F[2 * w - 1]));
        RELAX(i - 2 * w + 1, l_knight * (sN + fNE + F[-2 * w + 1]));
        RELAX(i - 2 * w - 1, l_knight * (sN + fNW + F[-2 * w - 1]));
#undef RELAX
        work->ntouched = nt_touched;
    }
    return more < 0 ? -1 : 0;
}

/* ---- the isotropic kernel ---------------------------------------------------------------- */

/* A clearance R in one byte: exact below 128, then in steps of 64 cells up to 8256,
 * rounded down (a smaller clearance is always safe: the check only jumps less far). */
static inline uint8_t clear_encode(unsigned R)
{
    return (uint8_t)(R < 128 ? R : 128 + ((R - 128) / 64 < 127 ? (R - 128) / 64 : 127));
}

static inline int clear_decode(uint8_t v)
{
    return v < 128 ? v : 128 + (v - 128) * 64;
}

/* A two-pass Chebyshev distance transform in place on a w × h byte raster, saturating at
 * `cap`: each value becomes the least of itself and 1 + its 8-neighbours' (forward: from
 * the row above, then along the row left to right; backward: from the row below, then
 * right to left). Seeds hold their distance (0 or 1), the rest `cap`. Row loops without
 * branches, so that the compiler vectorises all but the scans along a row. */
static void chebyshev_u8(uint8_t *d, size_t w, size_t h, unsigned cap)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < h; k++) {
            size_t r = pass == 0 ? k : h - 1 - k;
            uint8_t *o = d + r * w;
            if (k > 0) {
                const uint8_t *p = pass == 0 ? o - w : o + w;
                for (size_t c = 0; c < w; c++) {
                    size_t lo = c > 0 ? c - 1 : c, hi = c + 1 < w ? c + 1 : c;
                    unsigned n = p[lo] < p[c] ? p[lo] : p[c];
                    n = p[hi] < n ? p[hi] : n;
                    n = n + 1 < cap ? n + 1 : cap;
                    o[c] = (uint8_t)(n < o[c] ? n : o[c]);
                }
            }
            if (pass == 0)
                for (size_t c = 1; c < w; c++) {
                    unsigned n = o[c - 1] + 1u;
                    if (n < o[c])
                        o[c] = (uint8_t)n;
                }
            else
                for (size_t c = w - 1; c-- > 0;) {
                    unsigned n = o[c + 1] + 1u;
                    if (n < o[c])
                        o[c] = (uint8_t)n;
                }
        }
    }
}

/* Blocks of CLEAR_BLOCK × CLEAR_BLOCK cells: the far clearances' coarse level. */
#define CLEAR_BLOCK 32

int isr_costdist_clearance(const float *fric, size_t pw, size_t ph, uint8_t *clear)
{
    /* fine level, in `clear` itself: 1 where an 8-neighbour has another friction (or off
     * the grid), then the distance transform capped at 127, so exact below 128 */
    for (size_t r = 0; r < ph; r++) {
        uint8_t *o = clear + r * pw;
        if (r == 0 || r + 1 == ph || pw < 3) {
            memset(o, 1, pw);
            continue;
        }
        const float *a = fric + (r - 1) * pw, *m = fric + r * pw, *b = fric + (r + 1) * pw;
        o[0] = o[pw - 1] = 1;
        for (size_t c = 1; c + 1 < pw; c++) {
            const float f = m[c];
            int e = (a[c - 1] != f) | (a[c] != f) | (a[c + 1] != f) | (m[c - 1] != f) |
                    (m[c + 1] != f) | (b[c - 1] != f) | (b[c] != f) | (b[c + 1] != f);
            o[c] = e ? 1 : 127;
        }
    }
    chebyshev_u8(clear, pw, ph, 127);
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
    for (size_t i = 0; i < pw * ph; i++)
        if (clear[i] == 1)
            blk[(i / pw / CLEAR_BLOCK) * bw + (i % pw) / CLEAR_BLOCK] = 0;
    chebyshev_u8(blk, bw, bh, 255);
    for (size_t r = 0; r < ph; r++) {
        const uint8_t *br = blk + (r / CLEAR_BLOCK) * bw;
        uint8_t *o = clear + r * pw;
        for (size_t c = 0; c < pw; c++) {
            unsigned D = br[c / CLEAR_BLOCK];
            if (o[c] == 127 && D >= 2 && (D - 1) * CLEAR_BLOCK + 2 > 127)
                o[c] = clear_encode((D - 1) * CLEAR_BLOCK + 2);
        }
    }
    free(blk);
    return 0;
}

/* 1 when every cell that the segment from the centre of cell o to the centre of o + (dx,dy)
 * touches, corners included, has friction f. Exact: the cells are found in integers. The
 * segment is walked along its major axis u (0..A), the minor coordinate being v = u·B/A.
 * At column u the cell c holding the segment's point has clearance R: every cell within
 * Chebyshev distance R - 1 of c has c's friction, and every cell the segment touches in
 * columns u .. u + R - 2 lies in rows vc - 1 .. vc + R - 1, so within that square; the walk
 * jumps to column u + R - 1. Where R is 1, the (at most 3) cells of column u are read. */
static int line_clear(const float *fric, const uint8_t *clear, ptrdiff_t w, ptrdiff_t o, int dx,
                      int dy, float f)
{
    int64_t ax = dx < 0 ? -(int64_t)dx : dx, ay = dy < 0 ? -(int64_t)dy : dy, A, B;
    ptrdiff_t su, sv;
    if (ax >= ay) {
        A = ax;
        B = ay;
        su = dx >= 0 ? 1 : -1;
        sv = dy >= 0 ? w : -w;
    } else {
        A = ay;
        B = ax;
        su = dy >= 0 ? w : -w;
        sv = dx >= 0 ? 1 : -1;
    }
    const int64_t a2 = 2 * A;
    int64_t u = 0;
    while (u <= A) {
        /* round(u·B/A), halves up; below 2^31 since A, B <= 32767 */
        const int64_t vc = (uint32_t)(2 * u * B + A) / (uint32_t)a2;
        const ptrdiff_t c = o + (ptrdiff_t)u * su + (ptrdiff_t)vc * sv;
        if (fric[c] != f)
            return 0;
        const int R = clear_decode(clear[c]);
        if (R >= 2) {
            u += R - 1;
            continue;
        }
        /* rows whose closed extent meets the segment's minor range over column u */
        const int64_t plo = (2 * u - 1) * B - A, phi = (2 * u + 1) * B + A;
        const int64_t lo = u == 0 ? 0 : (plo >= 0 ? (plo + a2 - 1) / a2 : plo / a2);
        const int64_t hi = u == A ? B : phi / a2;
        for (int64_t v = lo; v <= hi; v++)
            if (fric[o + (ptrdiff_t)u * su + (ptrdiff_t)v * sv] != f)
                return 0;
        u++;
    }
    return 1;
}

#define OFF_MAX 32767 /* offsets beyond ±32767 cells are never stored: the path bends */

int isr_costdist_iso(const float *fric, const uint8_t *clear, size_t pw, size_t ph,
                     double cell_m, const isr_seed *seeds, size_t nseeds, float budget_s,
                     float *time_s, isr_cd_work *work)
{
    (void)ph;
    const ptrdiff_t w = (ptrdiff_t)pw;
    /* the 8 king moves: (dx, dy), then for a diagonal the two side cells it passes between */
    static const int king[8][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1},
                                   {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};
    static const int knight[8][2] = {{2, 1}, {2, -1}, {-2, 1}, {-2, -1},
                                     {1, 2}, {-1, 2}, {1, -2}, {-1, -2}};
    const float l_orth = (float)(cell_m / 2.0), l_diag = (float)(cell_m * sqrt(2.0) / 2.0);
    const float l_knight = (float)(cell_m * sqrt(5.0) / 4.0), cellf = (float)cell_m;

    isr_cd_queue *q = q_reset(work);
    if (!q || seed_queue(q, seeds, nseeds, budget_s, time_s, work, 0.0f))
        return -1;
    qent top;
    float t;
    int more;
    while ((more = q_next(q, time_s, 0.0f, &top, &t)) > 0) {
        const ptrdiff_t i = top.idx;
        q_prefetch(q, fric, time_s, w);
        const float f0 = fric[i];
        const int odx = top.dx, ody = top.dy;
        const ptrdiff_t o = i - odx - (ptrdiff_t)ody * w;
        const float fo = fric[o], to = time_s[o], lf = cellf * fo;
        if (grow((void **)&work->touched, &work->touched_cap, work->ntouched + 16,
                 sizeof(uint32_t)))
            return -1;
        uint32_t *touched = work->touched;
        size_t nt_touched = work->ntouched;

#define OSET(n, nt, ddx, ddy)                                                                  \
    do {                                                                                       \
        if (isinf(time_s[n]))                                                                  \
            touched[nt_touched++] = (uint32_t)(n);                                             \
        time_s[n] = (nt);                                                                      \
        if (q_push(q, (qent){time_key(nt), (uint32_t)(n), (int16_t)(ddx), (int16_t)(ddy)}))    \
            return -1;                                                                         \
    } while (0)

/* The straight segment from i's origin o to n, when it beats the move's time nt and the
 * cell's time: then n takes it (origin o) and the move is not offered. Offered to the
 * knight's targets too, so that a cell's first time is usually already its last. */
#define STRAIGHT(n, fn, nt, taken)                                                             \
    do {                                                                                       \
        const int ndx = odx + ex, ndy = ody + ey;                                              \
        if ((fn) == fo && ndx <= OFF_MAX && ndx >= -OFF_MAX && ndy <= OFF_MAX &&               \
            ndy >= -OFF_MAX) {                                                                 \
            const float fx = (float)ndx, fy = (float)ndy;                                      \
            const float ns = to + sqrtf(fx * fx + fy * fy) * lf;                               \
            if (ns < (nt) && ns < time_s[n] && ns <= budget_s &&                               \
                line_clear(fric, clear, w, o, ndx, ndy, fo)) {                                 \
                OSET(n, ns, ndx, ndy);                                                         \
                (taken) = 1;                                                                   \
            }                                                                                  \
        }                                                                                      \
    } while (0)

        for (int k = 0; k < 8; k++) {
            const int ex = king[k][0], ey = king[k][1];
            const ptrdiff_t n = i + ex + (ptrdiff_t)ey * w;
            if (time_s[n] <= t)
                continue; /* settled before i: no move from i can make it earlier */
            const float fn = fric[n];
            /* the 16-neighbour move from i, as isr_costdist() */
            float nt;
            if (ex && ey)
                nt = isinf(fric[i + ex]) && isinf(fric[i + (ptrdiff_t)ey * w])
                         ? INFINITY
                         : t + l_diag * (f0 + fn);
            else
                nt = t + l_orth * (f0 + fn);
            int taken = 0;
            STRAIGHT(n, fn, nt, taken);
            if (!taken && nt < time_s[n] && nt <= budget_s)
                OSET(n, nt, ex, ey);
        }
        for (int k = 0; k < 8; k++) {
            const int ex = knight[k][0], ey = knight[k][1];
            const ptrdiff_t n = i + ex + (ptrdiff_t)ey * w;
            if (time_s[n] <= t)
                continue;
            /* the two cells the knight's move cuts through */
            const ptrdiff_t c1 = i + ex / 2 + (ptrdiff_t)(ey / 2) * w,
                            c2 = i + (ex - ex / 2) + (ptrdiff_t)(ey - ey / 2) * w;
            const float fn = fric[n];
            const float nt = t + l_knight * (f0 + fric[c1] + fric[c2] + fn);
            int taken = 0;
            STRAIGHT(n, fn, nt, taken);
            if (!taken && nt < time_s[n] && nt <= budget_s)
                OSET(n, nt, ex, ey);
        }
#undef STRAIGHT
#undef OSET
        work->ntouched = nt_touched;
    }
    return more < 0 ? -1 : 0;
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
