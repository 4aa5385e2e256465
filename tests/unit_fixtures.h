/*
 * unit_fixtures.h — small fixtures shared by the white-box unit suites (tests/unit_fixtures.c):
 * polygons from coordinates and admin units with GB/T 2260-style codes.
 */
#ifndef ISOREACH_UNIT_FIXTURES_H
#define ISOREACH_UNIT_FIXTURES_H

#include "internal.h"

/* The axis-aligned rectangle x0..x1 × y0..y1 as an OGR polygon (the test fails if OGR
 * cannot build it). */
OGRGeometryH fx_square(double x0, double y0, double x1, double y1);

/* Unit i of u: geometry g (owned by u from now on), county code `code`, its prefecture the
 * first four digits + "00", its province the first two + "0000"; names equal the codes. */
void fx_unit(isr_units *u, int i, OGRGeometryH g, const char *code, double pop);

#endif /* ISOREACH_UNIT_FIXTURES_H */
