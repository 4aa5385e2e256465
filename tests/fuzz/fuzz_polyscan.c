/* libFuzzer harness for the scanner of OUT/region/units.geojson (publish/polyscan.c), which the
 * maps and the web map read back from a finished run (a file a user may have edited): any
 * bytes up to the first NUL as the text. Whatever it is, the scan ends; the reader is told of
 * fields it asked for only (strings as text, numbers as numbers), of rings of at least one
 * point on polygons numbered 0, 1, … within a feature, and of features that begin before they
 * end, with a null geometry's envelope empty and numbers that are numbers. */
#include "fuzz_text.h"
#include "publish_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct state {
    int in_feature, last_poly, rings;
} state;

static int on_feature(void *user)
{
    state *s = user;
    if (s->in_feature)
        abort();
    s->in_feature = 1;
    s->last_poly = 0;
    s->rings = 0;
    return 1;
}

static int on_field(void *user, int k, const char *str, double num)
{
    state *s = user;
    if (!s->in_feature || k < 0 || k > 2 || (k == 2 && str) || (k < 2 && !str && !isnan(num)))
        abort();
    if (str)
        (void)strlen(str);
    return 1;
}

static int on_ring(void *user, int poly, const double *x, const double *y, int n)
{
    state *s = user;
    if (!s->in_feature || n < 1 || poly < s->last_poly || poly > s->last_poly + 1)
        abort();
    s->last_poly = poly;
    s->rings++;
    for (int i = 0; i < n; i++) /* every point read whole: JSON has no NaN */
        if (isnan(x[i]) || isnan(y[i]))
            abort();
    return 1;
}

static int on_end(void *user, int type, const double env[4])
{
    state *s = user;
    if (!s->in_feature || type < 0 || type > 2 || (type == 0 && (s->rings || env[0] <= env[2])) ||
        (type > 0 && (!s->rings || !(env[0] <= env[2]) || !(env[1] <= env[3]))))
        abort();
    s->in_feature = 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    static const char *const fields[] = {"name", "Code", "population"};
    static const unsigned char numeric[] = {0, 0, 1};
    state s = {0};
    const isr_polyscan_reader r = {fields, numeric, 3, &s, on_feature, on_field, on_ring, on_end};
    int ok = isr_polyscan(text, &r);
    if (ok && s.in_feature)
        abort();
    free(text);
    return 0;
}
