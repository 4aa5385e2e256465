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
 * listed in work->touched; a popped heap entry is stale when its key exceeds time_s.
 * Cost: O(n log n) in the cells reached within the budget, not in the grid size.
 */
#include "costdist.h"

#include <math.h>
#include <stdlib.h>

typedef struct hnode {
    float t;
    uint32_t idx;
} hnode;

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

static inline void heap_push(hnode *h, size_t *n, float t, uint32_t idx)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h[parent].t <= t)
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i].t = t;
    h[i].idx = idx;
}

static inline hnode heap_pop(hnode *h, size_t *n)
{
    hnode top = h[0];
    hnode last = h[--(*n)];
    size_t i = 0, len = *n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= len)
            break;
        if (c + 1 < len && h[c + 1].t < h[c].t)
            c++;
        if (last.t <= h[c].t)
            break;
        h[i] = h[c];
        i = c;
    }
    if (len > 0)
        h[i] = last;
    return top;
}

int isr_costdist(const float *fric, size_t pw, size_t ph, double cell_m, const isr_seed *seeds,
                 size_t nseeds, float budget_s, float *time_s, isr_cd_work *work)
{
    (void)ph;
    const ptrdiff_t w = (ptrdiff_t)pw;
    const ptrdiff_t orth[4] = {1, -1, w, -w};
    /* diagonal: target, then the two side cells it passes between */
    const ptrdiff_t diag[4][3] = {
        {w + 1, 1, w}, {w - 1, -1, w}, {-w + 1, 1, -w}, {-w - 1, -1, -w}};
    /* knight: target, then the two cells the straight move cuts through */
    const ptrdiff_t knight[8][3] = {
        {w + 2, 1, w + 1},        {-w + 2, 1, -w + 1},     {w - 2, -1, w - 1},
        {-w - 2, -1, -w - 1},     {2 * w + 1, w, w + 1},   {2 * w - 1, w, w - 1},
        {-2 * w + 1, -w, -w + 1}, {-2 * w - 1, -w, -w - 1}};
    const float l_orth = (float)(cell_m / 2.0);
    const float l_diag = (float)(cell_m * sqrt(2.0) / 2.0);
    const float l_knight = (float)(cell_m * sqrt(5.0) / 4.0);

    size_t hn = 0;
    work->ntouched = 0;
    if (grow(&work->heap, &work->heap_cap, nseeds + 64, sizeof(hnode)))
        return -1;
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
        heap_push(work->heap, &hn, t, i);
    }

    while (hn > 0) {
        hnode top = heap_pop(work->heap, &hn);
        const ptrdiff_t i = top.idx;
        const float t = top.t;
        if (t > time_s[i])
            continue; /* stale: the cell was settled earlier with a lower time */
        const float f0 = fric[i];
        /* Room for this cell's 16 pushes and 16 first visits, checked once per pop. */
        if (grow(&work->heap, &work->heap_cap, hn + 16, sizeof(hnode)) ||
            grow((void **)&work->touched, &work->touched_cap, work->ntouched + 16,
                 sizeof(uint32_t)))
            return -1;
        hnode *h = work->heap;
        uint32_t *touched = work->touched;
        size_t nt_touched = work->ntouched;

#define RELAX(n, cost)                                                                         \
    do {                                                                                       \
        const float nt_ = t + (cost);                                                          \
        if (nt_ < time_s[n] && nt_ <= budget_s) {                                              \
            if (isinf(time_s[n]))                                                              \
                touched[nt_touched++] = (uint32_t)(n);                                         \
            time_s[n] = nt_;                                                                   \
            heap_push(h, &hn, nt_, (uint32_t)(n));                                             \
        }                                                                                      \
    } while (0)

        for (int k = 0; k < 4; k++) {
            const ptrdiff_t n = i + orth[k];
            RELAX(n, l_orth * (f0 + fric[n]));
        }
        for (int k = 0; k < 4; k++) {
            const ptrdiff_t n = i + diag[k][0];
            if (isinf(fric[i + diag[k][1]]) && isinf(fric[i + diag[k][2]]))
                continue;
            RELAX(n, l_diag * (f0 + fric[n]));
        }
        for (int k = 0; k < 8; k++) {
            const ptrdiff_t n = i + knight[k][0];
            RELAX(n, l_knight * (f0 + fric[i + knight[k][1]] + fric[i + knight[k][2]] + fric[n]));
        }
#undef RELAX
        work->ntouched = nt_touched;
    }
    return 0;
}

void isr_cd_work_free(isr_cd_work *w)
{
    if (!w)
        return;
    free(w->heap);
    free(w->touched);
    w->heap = NULL;
    w->touched = NULL;
    w->heap_cap = w->touched_cap = w->ntouched = 0;
}
