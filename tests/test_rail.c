/* Criterion suite for rail.c: the rail search on a hand-built network.
 *
 *   line A (headway 10 min):  A0 --10-- A1 --10-- A2 --10-- X
 *   line B (headway 20 min):  X --8-- B1 --8-- B2
 *   line C (headway 60 min):  A0 --20-- X          (an infrequent express)
 * Run minutes are on the links. Defaults below: dwell 2 min, transfer 6 min. */
#include "internal.h"

#include <criterion/criterion.h>
#include <math.h>

enum { A0, A1, A2, X, B1, B2, NST };

static isr_rail_net *build(double b_headway_back)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = isr_rail_net_new();
    const char *ids[NST] = {"a0", "a1", "a2", "x", "b1", "b2"};
    for (int i = 0; i < NST; i++)
        cr_assert_eq(isr_rail_net_add_station(net, ids[i], ids[i], i * 1000.0, 0, 1), i);
    int a[] = {A0, A1, A2, X}, b[] = {X, B1, B2}, c[] = {A0, X};
    double ra[] = {600, 600, 600}, rb[] = {480, 480}, rc[] = {1200};
    cr_assert_eq(isr_rail_net_add_line(ctx, net, "A", "A", 4, a, ra, 10, 10), ISR_OK);
    cr_assert_eq(isr_rail_net_add_line(ctx, net, "B", "B", 3, b, rb, 20, b_headway_back), ISR_OK);
    cr_assert_eq(isr_rail_net_add_line(ctx, net, "C", "C", 2, c, rc, 60, 60), ISR_OK);
    isr_ctx_free(ctx);
    return net;
}

static void search(isr_rail_net *net, isr_rail_params p, int hub, double out_min[NST])
{
    isr_ctx *ctx = isr_ctx_new();
    double s[NST];
    cr_assert_eq(isr_rail_search(ctx, net, &p, hub, s), ISR_OK);
    for (int i = 0; i < NST; i++)
        out_min[i] = s[i] / 60.0;
    isr_ctx_free(ctx);
}

#define EQ(got, want) cr_assert_float_eq(got, want, 1e-9, "%s: %g, expected %g", #got, got, (double)(want))

Test(rail, with_waits_dwell_and_transfer)
{
    isr_rail_net *net = build(20);
    double t[NST];
    search(net, (isr_rail_params){120, 360, ISR_WAIT_HALF_HEADWAY, ISR_FROM_HUB}, A0, t);
    EQ(t[A0], 0);
    EQ(t[A1], 5 + 10);                /* wait half of 10, ride 10 */
    EQ(t[A2], 5 + 10 + 2 + 10);       /* + dwell at A1 + ride */
    EQ(t[X], 5 + 10 + 2 + 10 + 2 + 10); /* 39: line A beats the express (30 wait + 20) */
    EQ(t[B1], 39 + 6 + 10 + 8);       /* transfer 6, wait half of 20, ride 8 */
    EQ(t[B2], 63 + 2 + 8);
    isr_rail_net_free(net);
}

Test(rail, without_waits_the_express_wins)
{
    isr_rail_net *net = build(20);
    double t[NST];
    search(net, (isr_rail_params){120, 360, ISR_WAIT_NONE, ISR_FROM_HUB}, A0, t);
    EQ(t[A1], 10);
    EQ(t[A2], 22);
    EQ(t[X], 20);      /* express C: 20 < 10+2+10+2+10 = 34 */
    EQ(t[B1], 20 + 6 + 8);
    EQ(t[B2], 34 + 2 + 8);
    isr_rail_net_free(net);
}

Test(rail, no_dwell_no_transfer_is_pure_run_time)
{
    isr_rail_net *net = build(20);
    double t[NST];
    search(net, (isr_rail_params){0, 0, ISR_WAIT_NONE, ISR_FROM_HUB}, A2, t);
    EQ(t[A1], 10);
    EQ(t[A0], 20); /* A2 -> A0 backwards along A beats A2 -> X -> A0 by express (10+20) */
    EQ(t[X], 10);
    EQ(t[B2], 26);
    isr_rail_net_free(net);
}

Test(rail, to_equals_from_on_a_symmetric_network)
{
    isr_rail_net *net = build(20);
    for (int hub = 0; hub < NST; hub++) {
        double from[NST], to[NST];
        search(net, (isr_rail_params){120, 360, ISR_WAIT_HALF_HEADWAY, ISR_FROM_HUB}, hub, from);
        search(net, (isr_rail_params){120, 360, ISR_WAIT_HALF_HEADWAY, ISR_TO_HUB}, hub, to);
        for (int s = 0; s < NST; s++)
            cr_assert_float_eq(from[s], to[s], 1e-9, "hub %d station %d", hub, s);
    }
    isr_rail_net_free(net);
}

Test(rail, to_differs_where_headways_differ)
{
    /* Line B runs every 20 min outwards (X -> B2) but every 4 min inwards. From A0 to B2
     * nothing changes (73 min); from B2 to A0 the first wait is 2 min instead of 10:
     * 2 + 8 + 2 + 8 = 20 to X, then transfer 6 + wait 5 + 34 on line A = 65. */
    isr_rail_net *net = build(4);
    double from[NST], to[NST];
    search(net, (isr_rail_params){120, 360, ISR_WAIT_HALF_HEADWAY, ISR_FROM_HUB}, A0, from);
    search(net, (isr_rail_params){120, 360, ISR_WAIT_HALF_HEADWAY, ISR_TO_HUB}, A0, to);
    EQ(from[B2], 73);
    EQ(to[B2], 65);
    EQ(to[A1], 15);
    isr_rail_net_free(net);
}

Test(rail, unreachable_stations_are_infinite)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = build(20);
    cr_assert_eq(isr_rail_net_add_station(net, "island", "island", 0, 0, 0), NST);
    double s[NST + 1];
    isr_rail_params p = {120, 360, ISR_WAIT_HALF_HEADWAY, ISR_FROM_HUB};
    cr_assert_eq(isr_rail_search(ctx, net, &p, A0, s), ISR_OK);
    cr_assert(isinf(s[NST]));
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}

Test(rail, bad_lines_are_refused_with_a_message)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = build(20);
    int st[] = {A0, A1};
    double run[] = {600};
    cr_assert_eq(isr_rail_net_add_line(ctx, net, "Z", "Z", 2, st, run, 0, 10), ISR_ERR_INPUT);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "line 'Z': headway must be positive minutes");
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}
