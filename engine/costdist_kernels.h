/*
 * costdist_kernels.h — the kernels of costdist.c for one type of friction cell, included
 * once per type (costdist.c): CD_T is the cell's type, CD_V(x) the friction (seconds per
 * metre) of a cell holding x, CD_NAME(n) the name of function n for that type. A float cell
 * holds its friction (CD_V(x) is x); a byte cell a code, CD_V(x) is lut[x], and a code stands
 * for one value, so two cells have the same friction exactly when they hold the same code.
 * The float arithmetic is the same for both: the same times to the bit.
 */

/* Asks the cache for the rows that the pop PREFETCH_AHEAD pops from now will read (its 5
 * rows of friction and of times), when bucket 0 already holds that entry: the cells popped
 * one after another lie around the whole front, so each pop's rows are otherwise cache
 * misses (on bench_kernel's grid this takes a tenth off the r.cost kernel's time and 7 % off
 * the isotropic one's). Only a hint: a stale entry costs nothing but the fetch. */
#define PREFETCH_AHEAD 3

static inline void CD_NAME(q_prefetch)(const isr_cd_queue *q, const CD_T *fric,
                                       const float *time_s, ptrdiff_t w)
{
    if (q->n[0] <= PREFETCH_AHEAD)
        return;
    const ptrdiff_t j = q->b[0][q->n[0] - 1 - PREFETCH_AHEAD].idx;
    for (ptrdiff_t r = -2; r <= 2; r++) {
        __builtin_prefetch(fric + j + r * w);
        __builtin_prefetch(time_s + j + r * w);
    }
}

static int CD_NAME(costdist)(const CD_T *fric, const float *lut, size_t pw, size_t ph,
                             double cell_m, const isr_seed *seeds, size_t nseeds,
                             float budget_s, float *time_s, isr_cd_work *work)
{
    (void)ph;
    (void)lut;
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
        CD_NAME(q_prefetch)(q, fric, time_s, w);
        const float f0 = CD_V(fric[i]);
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
        const CD_T *F = fric + i;
        const float fE = CD_V(F[1]), fW = CD_V(F[-1]), fS = CD_V(F[w]), fN = CD_V(F[-w]);
        const float fSE = CD_V(F[w + 1]), fSW = CD_V(F[w - 1]), fNE = CD_V(F[-w + 1]),
                    fNW = CD_V(F[-w - 1]);
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
        RELAX(i + w + 2, l_knight * (sE + fSE + CD_V(F[w + 2])));
        RELAX(i - w + 2, l_knight * (sE + fNE + CD_V(F[-w + 2])));
        RELAX(i + w - 2, l_knight * (sW + fSW + CD_V(F[w - 2])));
        RELAX(i - w - 2, l_knight * (sW + fNW + CD_V(F[-w - 2])));
        RELAX(i + 2 * w + 1, l_knight * (sS + fSE + CD_V(F[2 * w + 1])));
        RELAX(i + 2 * w - 1, l_knight * (sS + fSW + CD_V(F[2 * w - 1])));
        RELAX(i - 2 * w + 1, l_knight * (sN + fNE + CD_V(F[-2 * w + 1])));
        RELAX(i - 2 * w - 1, l_knight * (sN + fNW + CD_V(F[-2 * w - 1])));
#undef RELAX
        work->ntouched = nt_touched;
    }
    return more < 0 ? -1 : 0;
}

/* The clearance map's fine level, in `clear` itself, rows [r0, r1): 1 where an 8-neighbour
 * has another friction (or off the grid), else 127 (clear_coarse does the rest). */
static void CD_NAME(clear_fine)(const CD_T *fric, size_t pw, size_t ph, uint8_t *clear,
                                size_t r0, size_t r1)
{
    for (size_t r = r0; r < r1; r++) {
        uint8_t *o = clear + r * pw;
        if (r == 0 || r + 1 == ph || pw < 3) {
            memset(o, 1, pw);
            continue;
        }
        const CD_T *a = fric + (r - 1) * pw, *m = fric + r * pw, *b = fric + (r + 1) * pw;
        o[0] = o[pw - 1] = 1;
        for (size_t c = 1; c + 1 < pw; c++) {
            const CD_T f = m[c]; /* a code stands for one value */
            int e = (a[c - 1] != f) | (a[c] != f) | (a[c + 1] != f) | (m[c - 1] != f) |
                    (m[c + 1] != f) | (b[c - 1] != f) | (b[c] != f) | (b[c + 1] != f);
            o[c] = e ? 1 : 127;
        }
    }
}

/* 1 when every cell that the segment from the centre of cell o to the centre of o + (dx,dy)
 * touches, corners included, has friction f. Exact: the cells are found in integers. The
 * segment is walked along its major axis u (0..A), the minor coordinate being v = u·B/A.
 * At column u the cell c holding the segment's point has clearance R: every cell within
 * Chebyshev distance R - 1 of c has c's friction, and every cell the segment touches in
 * columns u .. u + R - 2 lies in rows vc - 1 .. vc + R - 1, so within that square; the walk
 * jumps to column u + R - 1. Where R is 1, the (at most 3) cells of column u are read. */
static int CD_NAME(line_clear)(const CD_T *fric, const float *lut, const uint8_t *clear,
                               ptrdiff_t w, ptrdiff_t o, int dx, int dy, float f)
{
    (void)lut;
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
        if (CD_V(fric[c]) != f)
            return 0;
        const int R = isr_clearance_at(clear, (size_t)c);
        if (R >= 2) {
            u += R - 1;
            continue;
        }
        /* rows whose closed extent meets the segment's minor range over column u */
        const int64_t plo = (2 * u - 1) * B - A, phi = (2 * u + 1) * B + A;
        const int64_t lo = u == 0 ? 0 : (plo >= 0 ? (plo + a2 - 1) / a2 : plo / a2);
        const int64_t hi = u == A ? B : phi / a2;
        for (int64_t v = lo; v <= hi; v++)
            if (CD_V(fric[o + (ptrdiff_t)u * su + (ptrdiff_t)v * sv]) != f)
                return 0;
        u++;
    }
    return 1;
}

static int CD_NAME(costdist_iso)(const CD_T *fric, const float *lut, const uint8_t *clear,
                                 size_t pw, size_t ph, double cell_m, const isr_seed *seeds,
                                 size_t nseeds, float budget_s, float *time_s,
                                 isr_cd_work *work)
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
        CD_NAME(q_prefetch)(q, fric, time_s, w);
        const float f0 = CD_V(fric[i]);
        const int odx = top.dx, ody = top.dy;
        const ptrdiff_t o = i - odx - (ptrdiff_t)ody * w;
        const float fo = CD_V(fric[o]), to = time_s[o], lf = cellf * fo;
        /* every cell within Chebyshev distance R - 1 of o has o's friction: when the 16
         * neighbours of i lie that near (their offsets from o at most D + 2), so does every
         * segment from o to them, and each straight offer is clear without walking it */
        const int D = abs(odx) > abs(ody) ? abs(odx) : abs(ody);
        const int ball = D + 3 <= isr_clearance_at(clear, (size_t)o);
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
                (ball || CD_NAME(line_clear)(fric, lut, clear, w, o, ndx, ndy, fo))) {         \
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
            const float fn = CD_V(fric[n]);
            /* the 16-neighbour move from i, as isr_costdist() */
            float nt;
            if (ex && ey)
                nt = isinf(CD_V(fric[i + ex])) && isinf(CD_V(fric[i + (ptrdiff_t)ey * w]))
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
            const float fn = CD_V(fric[n]);
            const float nt = t + l_knight * (f0 + CD_V(fric[c1]) + CD_V(fric[c2]) + fn);
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

