/*
 * bench_kernel.c — the cost-distance kernel (engine/costdist.c) alone, on a synthetic
 * uniform grid: no GDAL, no inputs, only costdist.h. Prints the cells settled and the
 * nanoseconds per settled cell, best of the repeats.
 *
 * Usage: bench_kernel [CELLS_PER_SIDE [REPEATS]]   (default 4000 × 4000 cells, 3 repeats)
 * Run with `meson test -C build --benchmark` (a meson benchmark(): `meson test` skips it) or
 * directly; use a release build (-Dbuildtype=release) for numbers worth comparing.
 */
#include "costdist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define PAD 2 /* barrier cells on every side, as the engine pads (ISR_PAD) */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 4000;
    long repeats = argc > 2 ? strtol(argv[2], NULL, 10) : 3;
    if (n < 1 || n > 20000 || repeats < 1 || repeats > 100) {
        fprintf(stderr, "bench_kernel: usage: bench_kernel [CELLS_PER_SIDE (1..20000) [REPEATS "
                        "(1..100)]]\n");
        return 2;
    }
    size_t pw = (size_t)n + 2 * PAD, ph = pw, cells = pw * ph;
    float *fric = malloc(cells * sizeof *fric);
    float *time_s = malloc(cells * sizeof *time_s);
    if (!fric || !time_s) {
        fprintf(stderr, "bench_kernel: out of memory for a %ld × %ld grid\n", n, n);
        free(fric);
        free(time_s);
        return 1;
    }
    /* 20 km/h over a road 1.3 × the straight line: 0.234 s per metre everywhere inside. */
    const float sec_per_m = (float)(3.6 / 20.0 * 1.3);
    for (size_t r = 0; r < ph; r++)
        for (size_t c = 0; c < pw; c++) {
            int inside = r >= PAD && r < ph - PAD && c >= PAD && c < pw - PAD;
            fric[r * pw + c] = inside ? sec_per_m : INFINITY;
        }
    for (size_t i = 0; i < cells; i++)
        time_s[i] = INFINITY;

    isr_seed seed = {(uint32_t)((ph / 2) * pw + pw / 2), 0.0f}; /* one hub, in the middle */
    isr_cd_work work = {0};
    double best = INFINITY;
    size_t settled = 0;
    int rc = 1;
    for (long k = 0; k < repeats; k++) {
        double t0 = now_s();
        if (isr_costdist(fric, pw, ph, 250.0, &seed, 1, 1e9f, time_s, &work) != 0) {
            fprintf(stderr, "bench_kernel: out of memory in the kernel\n");
            goto cleanup;
        }
        double dt = now_s() - t0;
        settled = work.ntouched;
        size_t finite = 0;
        for (size_t i = 0; i < work.ntouched; i++) {
            finite += isfinite(time_s[work.touched[i]]) != 0;
            time_s[work.touched[i]] = INFINITY; /* reset only what the run set */
        }
        if (finite != settled || settled != (size_t)n * (size_t)n) {
            fprintf(stderr, "bench_kernel: %zu cells settled, %zu finite; expected %zu\n",
                    settled, finite, (size_t)n * (size_t)n);
            goto cleanup;
        }
        if (dt < best)
            best = dt;
    }
    printf("bench_kernel: %ld x %ld cells, 16 neighbours, one seed: %zu settled, best of %ld "
           "%.3f s, %.1f ns per settled cell\n",
           n, n, settled, repeats, best, best * 1e9 / (double)settled);
    rc = 0;
cleanup:
    isr_cd_work_free(&work);
    free(fric);
    free(time_s);
    return rc;
}
