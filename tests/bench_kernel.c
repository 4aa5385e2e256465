/*
 * bench_kernel.c — the cost-distance kernels (engine/costdist.c) alone, on a synthetic
 * uniform grid: no GDAL, no inputs, only costdist.h. Times the r.cost-compatible
 * 16-neighbour kernel and the isotropic (default) kernel on the same grid in the same
 * process, alternating (the r.cost kernel told the grid's least friction, as the engine
 * tells it its model's), and prints the median nanoseconds per settled cell of each, their
 * ratio, the one-off cost of the isotropic kernel's clearance map, and each kernel's worst
 * relative error against straight-line distance ÷ speed (isotropy), then the same figures
 * on one line of JSON for scripts/bench.
 *
 * Usage: bench_kernel [CELLS_PER_SIDE [REPEATS]]   (default 4000 × 4000 cells, 5 repeats)
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, long n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 4000;
    long repeats = argc > 2 ? strtol(argv[2], NULL, 10) : 5;
    if (n < 1 || n > 20000 || repeats < 1 || repeats > 100) {
        fprintf(stderr, "bench_kernel: usage: bench_kernel [CELLS_PER_SIDE (1..20000) [REPEATS "
                        "(1..100)]]\n");
        return 2;
    }
    size_t pw = (size_t)n + 2 * PAD, ph = pw, cells = pw * ph;
    float *fric = malloc(cells * sizeof *fric);
    float *time_s = malloc(cells * sizeof *time_s);
    uint8_t *clear = malloc(ISR_CLEAR_SCRATCH(cells));
    uint8_t *code = malloc(cells);
    float lut[256] = {0};
    double *dt[4];
    for (int k = 0; k < 4; k++)
        dt[k] = malloc((size_t)repeats * sizeof(double));
    isr_cd_work work = {0};
    int rc = 1;
    if (!fric || !time_s || !clear || !code || !dt[0] || !dt[1] || !dt[2] || !dt[3]) {
        fprintf(stderr, "bench_kernel: out of memory for a %ld × %ld grid\n", n, n);
        goto cleanup;
    }
    /* 20 km/h over a road 1.3 × the straight line: 0.234 s per metre everywhere inside. */
    const float sec_per_m = (float)(3.6 / 20.0 * 1.3);
    const double cell_m = 250.0;
    work.fric_min = sec_per_m; /* as the engine passes its model's least friction */
    for (size_t r = 0; r < ph; r++)
        for (size_t c = 0; c < pw; c++) {
            int inside = r >= PAD && r < ph - PAD && c >= PAD && c < pw - PAD;
            fric[r * pw + c] = inside ? sec_per_m : INFINITY;
            code[r * pw + c] = inside ? 1 : 0;
        }
    lut[0] = INFINITY;
    lut[1] = sec_per_m;
    for (size_t i = 0; i < cells; i++)
        time_s[i] = INFINITY;
    double t0 = now_s();
    if (isr_costdist_clearance(fric, pw, ph, clear) != 0) {
        fprintf(stderr, "bench_kernel: out of memory for the clearance map\n");
        goto cleanup;
    }
    double clear_s = now_s() - t0;

    const size_t sr = ph / 2, sc = pw / 2;
    isr_seed seed = {(uint32_t)(sr * pw + sc), 0.0f}; /* one hub, in the middle */
    size_t settled = 0;
    double worst[4] = {0, 0, 0, 0};
    for (long k = 0; k < repeats; k++)
        for (int kern = 0; kern < 4; kern++) { /* alternate, so all see the same noise */
            t0 = now_s();
            int e = kern == 0 ? isr_costdist(fric, pw, ph, cell_m, &seed, 1, 1e9f, time_s, &work)
                    : kern == 1
                        ? isr_costdist_iso(fric, clear, pw, ph, cell_m, &seed, 1, 1e9f, time_s,
                                           &work)
                        : isr_fric_costdist((isr_fric){NULL, code, lut}, kern == 2 ? NULL : clear,
                                            pw, ph, cell_m, &seed, 1, 1e9f, time_s, &work);
            if (e != 0) {
                fprintf(stderr, "bench_kernel: out of memory in the kernel\n");
                goto cleanup;
            }
            dt[kern][k] = now_s() - t0;
            settled = work.ntouched;
            size_t finite = 0;
            for (size_t i = 0; i < work.ntouched; i++) {
                size_t c = work.touched[i];
                finite += isfinite(time_s[c]) != 0;
                if (k == 0) {
                    double d = hypot((double)(c % pw) - (double)sc, (double)(c / pw) - (double)sr) *
                               cell_m;
                    double e = d > 0 ? fabs(time_s[c] - d * sec_per_m) / (d * sec_per_m) : 0;
                    worst[kern] = e > worst[kern] ? e : worst[kern];
                }
                time_s[c] = INFINITY; /* reset only what the run set */
            }
            if (finite != settled || settled != (size_t)n * (size_t)n) {
                fprintf(stderr, "bench_kernel: %zu cells settled, %zu finite; expected %zu\n",
                        settled, finite, (size_t)n * (size_t)n);
                goto cleanup;
            }
        }
    double m0 = median(dt[0], repeats), m1 = median(dt[1], repeats);
    double m2 = median(dt[2], repeats), m3 = median(dt[3], repeats);
    printf("bench_kernel: %ld x %ld cells, one seed, %zu settled, median of %ld runs each:\n", n,
           n, settled, repeats);
    printf("  r.cost 16-neighbour kernel: %.3f s, %.1f ns per settled cell; worst error vs "
           "distance / speed %.4f %%\n",
           m0, m0 * 1e9 / (double)settled, 100.0 * worst[0]);
    printf("  isotropic kernel:           %.3f s, %.1f ns per settled cell (%.2fx the r.cost "
           "kernel); worst error vs distance / speed %.4f %%\n",
           m1, m1 * 1e9 / (double)settled, m1 / m0, 100.0 * worst[1]);
    printf("  the same on the coded surface (a byte a cell): r.cost kernel %.3f s, %.1f ns; "
           "isotropic %.3f s, %.1f ns; worst errors %.4f %% and %.4f %%\n",
           m2, m2 * 1e9 / (double)settled, m3, m3 * 1e9 / (double)settled, 100.0 * worst[2],
           100.0 * worst[3]);
    printf("  clearance map (once per friction surface): %.3f s, %.1f ns per grid cell\n",
           clear_s, clear_s * 1e9 / (double)cells);
    printf("{\"cells\": %zu, \"repeats\": %ld, \"rcost_ns\": %.2f, \"iso_ns\": %.2f, "
           "\"rcost_err_pct\": %.4f, \"iso_err_pct\": %.4f, \"clearance_ns\": %.2f, "
           "\"rcost_coded_ns\": %.2f, \"iso_coded_ns\": %.2f}\n",
           settled, repeats, m0 * 1e9 / (double)settled, m1 * 1e9 / (double)settled,
           100.0 * worst[0], 100.0 * worst[1], clear_s * 1e9 / (double)cells,
           m2 * 1e9 / (double)settled, m3 * 1e9 / (double)settled);
    rc = 0;
cleanup:
    isr_cd_work_free(&work);
    free(fric);
    free(time_s);
    free(clear);
    free(code);
    for (int k = 0; k < 4; k++)
        free(dt[k]);
    return rc;
}
