/*
 * unit_fixtures.h — small fixtures shared by the white-box unit suites (tests/unit_fixtures.c):
 * polygons from coordinates, admin units with GB/T 2260-style codes, repeatable random numbers.
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

/* A number in [0, 1) from a xorshift64 sequence: the same numbers on every run, for the
 * suites' random fixtures (one sequence per test binary). */
double fx_uniform(void);
/* Starts the sequence of fx_uniform again from `seed` (not 0). */
void fx_seed(unsigned long long seed);

#endif /* ISOREACH_UNIT_FIXTURES_H */
