/*
 * costdist.h — the grid cost-distance kernel (costdist.c) on its own: plain arrays in,
 * plain arrays out, no context, no I/O. Needs only the C library, so the kernel builds
 * and benchmarks alone (tests/bench_kernel.c). The engine sees it through internal.h.
 */
#ifndef ISOREACH_COSTDIST_H
#define ISOREACH_COSTDIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct isr_seed {
    uint32_t idx; /* padded cell index */
    float t_s;    /* time at the cell centre, seconds */
} isr_seed;

typedef struct isr_cd_queue isr_cd_queue; /* the kernels' priority queue (costdist.c) */

/* Scratch memory of one worker, reused across runs: the queue and the list of cells set.
 * Zero-initialise; free with isr_cd_work_free(). */
typedef struct isr_cd_work {
    isr_cd_queue *queue;
    uint32_t *touched;
    size_t ntouched, touched_cap;
    /* Optional, set by the caller: the least finite friction of the grid searched (> 0). With
     * it, isr_costdist() orders its queue by bands of time narrower than the cheapest move
     * (cell_m × fric_min) instead of by exact times, and settles a band's cells in any order:
     * the same times to the bit, with less work. A wrong value costs time, never a wrong
     * time: a cell improved after it was settled is settled again. 0: exact order. */
    float fric_min;
} isr_cd_work;

/* Bounded multi-source shortest paths on a padded grid of width `pw` with 16-neighbour
 * moves (orthogonal, diagonal, knight). `fric` is seconds per metre per padded cell, +INF
 * a barrier (the padding must be +INF). `time_s` must hold +INF in every cell on entry
 * (only cells listed in work->touched are written, so a caller resets just those). Cells
 * later than `budget_s` stay +INF. Returns 0, or -1 when out of memory. */
int isr_costdist(const float *fric, size_t pw, size_t ph, double cell_m, const isr_seed *seeds,
                 size_t nseeds, float budget_s, float *time_s, isr_cd_work *work);

/* The clearance map the isotropic kernel needs: every cell within Chebyshev distance R - 1
 * of cell i has the same friction as i, where R = isr_clearance_at(clear, i) (1 on the
 * grid's outer ring and next to any change of friction; up to 8256). About half a byte a
 * padded cell: runs of ISR_CLEAR_RUN cells in a row of memory, each in ISR_CLEAR_RUN / 2 + 1
 * bytes — first the least clearance of the run's cells (a byte: exact below 128, then 128 +
 * 64 × (byte - 128)), then a half-byte a cell (cell k of the run in byte 1 + k / 2, the low
 * four bits for an even k): its clearance less one when below 15; 15 for 16 or more, which
 * is read as the larger of 16 and the run's least. So R is exact below 16, within the
 * run's length (63 cells) of the measured clearance beyond, which is exact below 128 and
 * from there a lower bound within 64 cells (blocks of 32 × 32) and its step of 64: a
 * smaller R is always safe, the kernel only jumps less far. Computed once per friction
 * surface in O(cells), in place: `clear` holds ISR_CLEAR_SCRATCH(pw × ph) bytes (a byte a
 * cell while it is built, or the map, if larger: a grid of a few cells; scratch of its own:
 * a byte per block), the map is its first ISR_CLEAR_BYTES(pw × ph) bytes after, and a caller
 * may give the rest back (realloc); shared read-only by every search on it. Returns 0, or
 * -1 when out of memory. */
#define ISR_CLEAR_RUN 64
#define ISR_CLEAR_BYTES(cells)                                                                 \
    (((cells) + ISR_CLEAR_RUN - 1) / ISR_CLEAR_RUN * (ISR_CLEAR_RUN / 2 + 1))
#define ISR_CLEAR_SCRATCH(cells)                                                               \
    ((cells) > ISR_CLEAR_BYTES(cells) ? (cells) : ISR_CLEAR_BYTES(cells))

static inline int isr_clearance_at(const uint8_t *clear, size_t i)
{
    const uint8_t *run = clear + i / ISR_CLEAR_RUN * (ISR_CLEAR_RUN / 2 + 1);
    const unsigned k = (unsigned)(i % ISR_CLEAR_RUN), v = (run[1 + k / 2] >> (k % 2 * 4)) & 15u;
    if (v < 15)
        return (int)v + 1;
    const unsigned least = run[0] < 128 ? run[0] : 128 + (run[0] - 128u) * 64;
    return least > 16 ? (int)least : 16;
}

int isr_costdist_clearance(const float *fric, size_t pw, size_t ph, uint8_t *clear);

/* Isotropic variant of isr_costdist() (same arguments and contract, plus `clear` from
 * isr_costdist_clearance() on the same `fric`). Each cell remembers its origin: the seed, or
 * the last cell where the path bent. A cell is reached in a straight line from its
 * neighbour's origin o, at time(o) + |cell - o| × friction, when every cell that segment
 * touches (corners included) has o's friction; otherwise by the 16-neighbour move of
 * isr_costdist() from the neighbour, which becomes the origin (any-angle "Theta*" search).
 * Every time is the cost of a real path through passable cells, never more than
 * isr_costdist()'s; on uniform friction it is the straight-line distance ÷ speed. */
int isr_costdist_iso(const float *fric, const uint8_t *clear, size_t pw, size_t ph,
                     double cell_m, const isr_seed *seeds, size_t nseeds, float budget_s,
                     float *time_s, isr_cd_work *work);

/* The clearance map of a coded friction surface (cell i's friction is lut[code[i]], each
 * value at most once in lut): the map isr_costdist_clearance gives on those floats. */
int isr_costdist_clearance_coded(const uint8_t *code, size_t pw, size_t ph, uint8_t *clear);

/* Either of the two above (`fric` or, when NULL, `code`), on up to `threads` threads: with
 * two or more and at least 512 rows, the fine level and its distance transform in two bands
 * of rows at once. The same bytes as on one thread. */
int isr_costdist_clearance_par(const float *fric, const uint8_t *code, size_t pw, size_t ph,
                               uint8_t *clear, int threads);

/* The clearance map of one window of the surface (padded rows win[0]..win[1], columns
 * win[2]..win[3]) in the map of runs of the whole surface, which `clear` holds zeroed
 * (ISR_CLEAR_BYTES(pw × ph) bytes: calloc's pages are only touched where the window is):
 * the window's cells their clearance on the window alone (its edge taken for a change of
 * friction: never more than on the whole surface), every other cell 1. A run of zero bytes
 * is a clearance of 1 in each of its cells (its first byte is only read for a cell of 16 or
 * more). A search that stays in the window settles the same times as on the whole map
 * (a smaller clearance only makes the kernel's straight-line check jump less far), one that
 * leaves it the same times more slowly. Returns 0, or -1 when out of memory. */
int isr_costdist_clearance_window(const float *fric, const uint8_t *code, size_t pw, size_t ph,
                                  const int win[4], uint8_t *clear, int threads);

/* A friction surface as the engine keeps it: f32 (a float a padded cell) or, when f32 is
 * NULL, code and lut (a byte a padded cell and the table of its values: 256 floats, each
 * value at most once, +INF a barrier), which takes a byte a cell instead of four. */
typedef struct isr_fric {
    const float *f32;
    const uint8_t *code;
    const float *lut;
} isr_fric;

/* The friction of padded cell k. */
static inline float isr_fric_at(isr_fric f, size_t k)
{
    return f.f32 ? f.f32[k] : f.lut[f.code[k]];
}

/* The search of either kernel on either form of surface: the isotropic kernel when `clear`
 * is given (its clearance map), else the r.cost kernel; arguments and result as above. On
 * a coded surface the times are those on its floats, to the bit. */
int isr_fric_costdist(isr_fric f, const uint8_t *clear, size_t pw, size_t ph, double cell_m,
                      const isr_seed *seeds, size_t nseeds, float budget_s, float *time_s,
                      isr_cd_work *work);

void isr_cd_work_free(isr_cd_work *w);

#endif /* ISOREACH_COSTDIST_H */
