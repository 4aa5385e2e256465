/* Criterion suite for transfers.c and the rail search over transfer links (rail.c).
 *
 *   line A (headway 10 min):  a0 --10-- a1         a1 and b0 are 600 m apart, no line
 *   line B (headway 20 min):                b0 --8-- b1       between them
 * Stations on the x axis: a0 at 0, a1 at 10 km, b0 at 10.6 km, b1 at 20 km. Dwell 2 min,
 * transfer 6 min, wait half the headway unless said otherwise. */
#include "internal.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { A0, A1, B0, B1, NST };

static isr_rail_net *build(void)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = isr_rail_net_new();
    const char *ids[NST] = {"a0", "a1", "b0", "b1"};
    double x[NST] = {0, 10000, 10600, 20000};
    for (int i = 0; i < NST; i++)
        cr_assert_eq(isr_rail_net_add_station(net, ids[i], ids[i], x[i], 0, 1), i);
    int a[] = {A0, A1}, b[] = {B0, B1};
    double ra[] = {600}, rb[] = {480};
    cr_assert_eq(isr_rail_net_add_line(ctx, net, "A", "A", 2, a, ra, 10, 10), ISR_OK);
    cr_assert_eq(isr_rail_net_add_line(ctx, net, "B", "B", 2, b, rb, 20, 20), ISR_OK);
    isr_ctx_free(ctx);
    return net;
}

static void search(const isr_rail_net *net, isr_direction dir, int hub, double out_min[NST])
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_params p = {120, 360, ISR_WAIT_HALF_HEADWAY, dir};
    double s[NST];
    cr_assert_eq(isr_rail_search(ctx, net, &p, hub, s), ISR_OK);
    for (int i = 0; i < NST; i++)
        out_min[i] = s[i] / 60.0;
    isr_ctx_free(ctx);
}

#define EQ(got, want) cr_assert_float_eq(got, want, 1e-9, "%s: %.12g, expected %.12g", #got, got, (double)(want))

static void link_both(isr_rail_net *net, int a, int b, double s)
{
    cr_assert_eq(isr_rail_net_set_link(net, a, b, s, 0), 0);
    cr_assert_eq(isr_rail_net_set_link(net, b, a, s, 0), 0);
}

Test(transfers, rail_link_rail_has_the_exact_total)
{
    isr_rail_net *net = build();
    double t[NST];
    search(net, ISR_FROM_HUB, A0, t);
    cr_assert(isinf(t[B0]) && isinf(t[B1]), "without a link line B is out of reach");
    link_both(net, A1, B0, 300); /* 5 minutes between a1 and b0 */
    search(net, ISR_FROM_HUB, A0, t);
    EQ(t[A1], 5 + 10);              /* wait half of 10, ride 10 */
    EQ(t[B0], 15 + 5);              /* ends on foot: no boarding, no transfer */
    EQ(t[B1], 15 + 5 + 6 + 10 + 8); /* ride A + link + transfer + wait half of 20 + ride B = 44 */
    search(net, ISR_TO_HUB, B1, t);
    EQ(t[A0], 44); /* the same trip towards b1 */
    EQ(t[A1], 5 + 10 + 8); /* starts on foot: the first boarding (at b0) pays no transfer */
    EQ(t[B0], 10 + 8);
    isr_rail_net_free(net);
}

Test(transfers, trips_may_start_and_end_on_foot)
{
    isr_rail_net *net = build();
    link_both(net, A1, B0, 300);
    double t[NST];
    search(net, ISR_FROM_HUB, A1, t);
    EQ(t[B0], 5);          /* on foot only */
    EQ(t[B1], 5 + 10 + 8); /* the first train after the walk: no transfer */
    EQ(t[A0], 5 + 10);
    search(net, ISR_TO_HUB, B0, t);
    EQ(t[A1], 5);
    EQ(t[A0], 5 + 10 + 5); /* ride A, then walk to the hub */
    isr_rail_net_free(net);
}

/* A walk a little slower than the train but faster than train + transfer must neither hide
 * the train (the station's own time) nor charge a transfer to the first boarding after it. */
Test(transfers, walk_and_rail_times_are_kept_apart)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = isr_rail_net_new();
    enum { H, B, C };
    isr_rail_net_add_station(net, "h", "h", 0, 0, 1);
    isr_rail_net_add_station(net, "b", "b", 3000, 0, 0);
    isr_rail_net_add_station(net, "c", "c", 6000, 0, 0);
    int l1[] = {H, B}, l2[] = {B, C};
    double r1[] = {600}, r2[] = {300};
    cr_assert_eq(isr_rail_net_add_line(ctx, net, "1", "1", 2, l1, r1, 10, 10), ISR_OK);
    cr_assert_eq(isr_rail_net_add_line(ctx, net, "2", "2", 2, l2, r2, 10, 10), ISR_OK);
    link_both(net, H, B, 720); /* 12 min on foot against 10 by train */
    isr_rail_params p = {0, 360, ISR_WAIT_NONE, ISR_FROM_HUB};
    double s[3];
    cr_assert_eq(isr_rail_search(ctx, net, &p, H, s), ISR_OK);
    EQ(s[B] / 60, 10); /* the train, not the walk (12 < 10 + 6 must not decide) */
    EQ(s[C] / 60, 17); /* walk 12 + ride 5 beats train 10 + transfer 6 + ride 5 = 21 */
    p.direction = ISR_TO_HUB;
    cr_assert_eq(isr_rail_search(ctx, net, &p, C, s), ISR_OK);
    EQ(s[H] / 60, 17);
    EQ(s[B] / 60, 5);
    cr_assert_eq(isr_rail_search(ctx, net, &p, B, s), ISR_OK);
    EQ(s[H] / 60, 10);
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}

/* A link no trip can use leaves every time bit for bit as without links (the graph with
 * links only adds layers). */
Test(transfers, a_useless_link_changes_no_bit)
{
    isr_rail_net *net = build(), *linked = build();
    link_both(linked, A0, B1, 1e7);
    isr_ctx *ctx = isr_ctx_new();
    for (int w = 0; w < 2; w++)
        for (int d = 0; d < 2; d++)
            for (int hub = 0; hub < NST; hub++) {
                isr_rail_params p = {120, 360, w ? ISR_WAIT_NONE : ISR_WAIT_HALF_HEADWAY,
                                     d ? ISR_TO_HUB : ISR_FROM_HUB};
                double a[NST], b[NST];
                cr_assert_eq(isr_rail_search(ctx, net, &p, hub, a), ISR_OK);
                cr_assert_eq(isr_rail_search(ctx, linked, &p, hub, b), ISR_OK);
                for (int s = 0; s < NST; s++)
                    cr_assert(memcmp(&a[s], &b[s], sizeof a[s]) == 0 || (hub != s && isinf(a[s])),
                              "hub %d station %d: %.17g with a link, %.17g without", hub, s,
                              b[s], a[s]);
            }
    isr_ctx_free(ctx);
    isr_rail_net_free(net);
    isr_rail_net_free(linked);
}

/* ---- the radius and the table (isr_transfers_add) ------------------------------------ */

static char dir[64];

static void dir_make(void)
{
    snprintf(dir, sizeof dir, "/tmp/isr-transfers-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void dir_remove(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* Writes `text` as DIR/t.csv and returns its path (static). */
static const char *table(const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* isr_transfers_add with radius `r` m and table `path` (NULL: none). */
static isr_status add(isr_ctx *ctx, isr_rail_net *net, double r, const char *path)
{
    isr_options opt;
    isr_options_init(&opt);
    opt.transfer_radius_m = r;
    opt.transfers = path;
    return isr_transfers_add(ctx, &opt, net);
}

static double link_s(const isr_rail_net *net, int a, int b)
{
    int k = isr_rail_net_link_find(net, a, b), ka, kb, line;
    double s;
    if (k < 0)
        return NAN;
    isr_rail_net_link(net, k, &ka, &kb, &s, &line);
    return s;
}

TestSuite(transfers_table, .init = dir_make, .fini = dir_remove);

Test(transfers_table, the_radius_links_by_local_travel_time)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = build();
    cr_assert_eq(add(ctx, net, 1000, NULL), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    int nr, nt;
    isr_transfers_count(net, &nr, &nt);
    cr_assert_eq(nr, 2); /* a1 <-> b0 only: 600 m; the others are 9.4 km and more apart */
    cr_assert_eq(nt, 0);
    /* 600 m x detour 1.3 / 20 km/h = 600 x 1.3 x 3.6 / 20 = 140.4 s (2.34 min) */
    EQ(link_s(net, A1, B0), 140.4);
    EQ(link_s(net, B0, A1), 140.4);
    double t[NST];
    search(net, ISR_FROM_HUB, A0, t);
    EQ(t[B1], 15 + 2.34 + 6 + 10 + 8);
    isr_rail_net_free(net);
    cr_assert_eq(add(ctx, net = build(), 0, NULL), ISR_OK); /* 0: no links */
    cr_assert_eq(isr_rail_net_nlinks(net), 0);
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}

Test(transfers_table, the_table_overrides_the_radius)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = build();
    const char *t1 = table("\xEF\xBB\xBF" "from_id,to_id,minutes,source\r\n"
                           "a1,b0,5,\"metro, line 1 \"\"direct\"\"\"\r\n\r\n");
    cr_assert_eq(add(ctx, net, 1000, t1), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    int nr, nt;
    isr_transfers_count(net, &nr, &nt);
    cr_assert_eq(nr, 0);
    cr_assert_eq(nt, 2);
    EQ(link_s(net, A1, B0), 300);
    EQ(link_s(net, B0, A1), 300);
    double t[NST];
    search(net, ISR_FROM_HUB, A0, t);
    EQ(t[B1], 44);
    isr_rail_net_free(net);
    /* a directed row replaces one direction only */
    net = build();
    cr_assert_eq(add(ctx, net, 1000, table("to_id,from_id,directed,minutes\na1,b0,1,4\n")),
                 ISR_OK, "%s", isr_ctx_errmsg(ctx));
    EQ(link_s(net, B0, A1), 240);
    EQ(link_s(net, A1, B0), 140.4);
    isr_transfers_count(net, &nr, &nt);
    cr_assert_eq(nr, 1);
    cr_assert_eq(nt, 1);
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}

/* The table `text` is refused with exactly `want` ("%s" is the table's path). */
static void bad(const char *text, const char *want)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = build();
    const char *path = table(text);
    char msg[1024];
    snprintf(msg, sizeof msg, want, path);
    cr_assert_eq(add(ctx, net, 0, path), ISR_ERR_INPUT, "accepted: %s", text);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), msg);
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}

Test(transfers_table, bad_tables_are_refused_naming_the_line)
{
    bad("from_id,to_id,minutes\na1,b0,5\nzz,b1,3\na0,yy,4\n",
        "transfers '%s': 2 station ids are not in the stations: line 3 'zz', line 4 'yy'; use "
        "the stations' --station-id values");
    bad("from_id,to_id,minutes\nq,b0,5\n",
        "transfers '%s': 1 station id is not in the stations: line 2 'q'; use the stations' "
        "--station-id values");
    const char *minutes[] = {"0", "-3", "abc", "inf", "nan", "", "5 min"};
    for (size_t i = 0; i < sizeof minutes / sizeof *minutes; i++) {
        char text[128], want[256];
        snprintf(text, sizeof text, "from_id,to_id,minutes\na1,b0,%s\n", minutes[i]);
        snprintf(want, sizeof want,
                 "transfers '%%s' line 2: minutes '%s' is not a number greater than 0; give the "
                 "link's travel time in minutes",
                 minutes[i]);
        bad(text, want);
    }
    bad("from,to_id,minutes\na1,b0,5\n",
        "transfers '%s': no column 'from_id' in the header (line 1: 'from,to_id,minutes'); the "
        "table needs the columns from_id,to_id,minutes (directed and source are optional)");
    bad("from_id,to_id\na1,b0\n",
        "transfers '%s': no column 'minutes' in the header (line 1: 'from_id,to_id'); the "
        "table needs the columns from_id,to_id,minutes (directed and source are optional)");
    bad("", "transfers '%s': empty; the table needs a header from_id,to_id,minutes");
    bad("from_id,to_id,minutes\na1,b0\n",
        "transfers '%s' line 2: 2 fields, the header has a column 3; give from_id,to_id,minutes "
        "on every row");
    bad("from_id,to_id,minutes\na1,a1,5\n",
        "transfers '%s' line 2: from_id and to_id are both 'a1'; a link joins two stations");
    bad("from_id,to_id,minutes,directed\na1,b0,5,maybe\n",
        "transfers '%s' line 2: directed 'maybe' is not 1 or 0 (yes or no)");
    bad("from_id,to_id,minutes\na1,b0,5\nb0,a1,6\n",
        "transfers '%s' line 3: the link 'b0' → 'a1' is already given on line 2; keep one");
    bad("from_id,to_id,minutes\n\"a1,b0,5\n",
        "transfers '%s' line 2: a quote is not closed");
    /* a row wider than the header: its extra fields were dropped without a word, so "5,5" (a
     * decimal comma) was 5 minutes and a fourth column "1" under no header a two-way link (a
     * new-user pass) */
    bad("from_id,to_id,minutes\na1,b0,5,5\n",
        "transfers '%s' line 2: 4 fields, the header has 3; quote a field that holds a comma, "
        "write minutes with a decimal point (2.5), and name every column in the header");
    { /* a trailing comma (an empty field past the header's) is no extra value: taken */
        isr_ctx *ctx = isr_ctx_new();
        isr_rail_net *net = build();
        cr_assert_eq(add(ctx, net, 0, table("from_id,to_id,minutes\na1,b0,5,\n")), ISR_OK, "%s",
                     isr_ctx_errmsg(ctx));
        EQ(link_s(net, A1, B0), 300);
        isr_rail_net_free(net);
        isr_ctx_free(ctx);
    }
    bad("from_id,to_id,minutes\nb0,a1,6\na1,b0,35,1\n",
        "transfers '%s' line 3: 4 fields, the header has 3; quote a field that holds a comma, "
        "write minutes with a decimal point (2.5), and name every column in the header");
    isr_ctx *ctx = isr_ctx_new();
    isr_rail_net *net = build();
    char missing[128];
    snprintf(missing, sizeof missing, "%s/none.csv", dir);
    cr_assert_eq(add(ctx, net, 0, missing), ISR_ERR_INPUT);
    char want[512];
    snprintf(want, sizeof want,
             "transfers '%s': cannot open it (No such file or directory); give a CSV file with "
             "the columns from_id,to_id,minutes, or --transfers none",
             missing);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    isr_rail_net_free(net);
    isr_ctx_free(ctx);
}
