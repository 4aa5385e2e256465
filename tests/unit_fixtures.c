/*
 * unit_fixtures.c — small fixtures shared by the white-box unit suites (unit_fixtures.h).
 */
#include "unit_fixtures.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

OGRGeometryH fx_square(double x0, double y0, double x1, double y1)
{
    char wkt[256];
    snprintf(wkt, sizeof wkt, "POLYGON((%g %g,%g %g,%g %g,%g %g,%g %g))", x0, y0, x1, y0, x1, y1,
             x0, y1, x0, y0);
    char *p = wkt;
    OGRGeometryH g = NULL;
    cr_assert_eq(OGR_G_CreateFromWkt(&p, NULL, &g), OGRERR_NONE);
    return g;
}

void fx_unit(isr_units *u, int i, OGRGeometryH g, const char *code, double pop)
{
    u->geom[i] = g;
    char pref[8], prov[8];
    snprintf(pref, sizeof pref, "%.4s00", code);
    snprintf(prov, sizeof prov, "%.2s0000", code);
    const char *codes[ISR_NLEVELS] = {code, pref, prov};
    for (int k = 0; k < ISR_NLEVELS; k++) {
        u->attr[i].code[k] = strdup(codes[k]);
        u->attr[i].name[k] = strdup(codes[k]);
        u->attr[i].name_en[k] = strdup(""); /* no English names */
    }
    u->attr[i].pop = pop;
}

static unsigned long long rng = 88172645463325252ull;

void fx_seed(unsigned long long seed) { rng = seed; }

double fx_uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}
