/* Criterion suite for gtfs.c and csv.c: hand-made GTFS feeds written into a tmp
 * folder (one zipped through GDAL's /vsizip/), read into the one-day timetable,
 * checked value by value.
 *
 * Feed A (a folder; BOM, CRLF, quotes, columns out of order, an unknown
 * column): stations  X (parent of stops X1 at 121.0 E and X2 at 121.001 E), Y
 * (121.1 E), Z (121.2 E), all at 31 N; BUS (121.3 E) is served by a bus only
 * (route_type 3: dropped) services  WD Mon-Fri 2025, WE Sat-Sun 2025;
 * calendar_dates: on Mon 2025-05-05 WD is removed and WE added; HOL runs only
 * on Tue 2025-05-06 (calendar_dates only) trips     t1 (WD)  X1 8:00 (no
 * drop-off) → Y 8:10/8:12 → Z 8:30 (drop-off only) t2 (WE)  Z 9:00 → Y 9:15
 *             late (WD, route type 101)  Y 23:50 → Z 24:20 → X2 25:05 (past
 * midnight) hol (HOL)  Y 12:00 → Z 12:10 bus (WD, route type 3)  Z 7:00 → BUS
 * 7:10 f1 (WD)  template X1 0:00 → Z 0:25; frequencies 6:00-7:00 every 20 min,
 * exact 1 f0 (WD)  template Z 0:00/0:01 → X2 0:31; 6:00-6:30 every 10 min,
 * exact 0 ip (WD)  X2 10:00 → Y (untimed) → Z 10:20 transfers X→Y type 2 300 s
 * (a station: X1→Y and X2→Y), Y→Z type 3, Z→Y type 0, BUS→Y type 2 (a bus stop:
 * dropped) On Wed 2025-05-07: t1, late, ip, f1 ×3, f0 ×3 = 9 trips; t2 and hol
 * have no service. */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include "internal.h"

#include <cpl_vsi.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

static void put(const char *folder, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    if (!text) {
        unlink(path);
        return;
    }
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static const char *STOPS = "\xEF\xBB\xBFstop_name,stop_id,extra,stop_lat,stop_lon,location_type,"
                           "parent_station\r\n"
                           "\"Station X, \"\"central\"\"\",X,foo,31.0,121.0,1,\r\n"
                           "X1,X1,,31.0,121.0,0,X\r\n"
                           "X2,X2,,31.0,121.001,0,X\r\n"
                           "Y,Y,,31.0,121.1,,\r\n"
                           "Z,Z, ,31.0,121.2,0,\r\n"
                           "E,X_entrance,,31.0,121.0,2,X\r\n"
                           "B,BUS,,31.0,121.3,0,\r\n";
static const char *ROUTES = "route_id,agency_id,route_type\nR,a,2\nHS,a,101\nBUSR,a,3\n";
static const char *CALENDAR = "service_id,monday,tuesday,wednesday,thursday,"
                              "friday,saturday,sunday,start_date,end_date\n"
                              "WD,1,1,1,1,1,0,0,20250101,20251231\n"
                              "WE,0,0,0,0,0,1,1,20250101,20251231\n";
static const char *CALENDAR_DATES = "service_id,date,exception_type\n"
                                    "WD,20250505,2\nWE,20250505,1\nHOL,20250506,1\n";
static const char *TRIPS = "route_id,service_id,trip_id\n"
                           "R,WD,t1\nR,WE,t2\nHS,WD,late\nHS,HOL,hol\nBUSR,WD,bus\n"
                           "R,WD,f1\nR,WD,f0\nR,WD,ip\n";
static const char *STOP_TIMES = "trip_id,stop_id,stop_sequence,arrival_time,"
                                "departure_time,pickup_type,drop_off_type\n"
                                "t1,Y,2,8:10:00,08:12:00,,\n"
                                "t1,X1,1,08:00:00,08:00:00,0,1\n"
                                "t1,Z,3,08:30:00,08:30:00,1,0\n"
                                "t2,Z,1,09:00:00,09:00:00,,\n"
                                "t2,Y,2,09:15:00,09:15:00,,\n"
                                "late,Y,5,23:50:00,23:50:00,,\n"
                                "late,Z,6,24:20:00,24:20:00,,\n"
                                "late,X2,9,25:05:00,25:05:00,,\n"
                                "hol,Y,1,12:00:00,12:00:00,,\n"
                                "hol,Z,2,12:10:00,12:10:00,,\n"
                                "bus,Z,1,07:00:00,07:00:00,,\n"
                                "bus,BUS,2,07:10:00,07:10:00,,\n"
                                "f1,X1,1,00:00:00,00:00:00,,\n"
                                "f1,Z,2,00:25:00,00:25:00,,\n"
                                "f0,Z,1,00:00:00,00:01:00,,\n"
                                "f0,X2,2,00:31:00,00:31:00,,\n"
                                "ip,X2,1,10:00:00,10:00:00,,\n"
                                "ip,Y,2,,,,\n"
                                "ip,Z,3,10:20:00,10:20:00,,\n";
static const char *FREQUENCIES = "trip_id,start_time,end_time,headway_secs,exact_times\n"
                                 "f1,06:00:00,07:00:00,1200,1\n"
                                 "f0,06:00:00,06:30:00,600,0\n";
static const char *TRANSFERS = "from_stop_id,to_stop_id,transfer_type,min_transfer_time\n"
                               "X,Y,2,300\nY,Z,3,\nZ,Y,0,\nBUS,Y,2,60\n";

static void feed_a(void)
{
    snprintf(dir, sizeof dir, "/tmp/isr_gtfs_XXXXXX");
    cr_assert(mkdtemp(dir));
    put(dir, "agency.txt",
        "agency_id,agency_name,agency_url,agency_timezone\na,A,x,Asia/"
        "Shanghai\n");
    put(dir, "stops.txt", STOPS);
    put(dir, "routes.txt", ROUTES);
    put(dir, "calendar.txt", CALENDAR);
    put(dir, "calendar_dates.txt", CALENDAR_DATES);
    put(dir, "trips.txt", TRIPS);
    put(dir, "stop_times.txt", STOP_TIMES);
    put(dir, "frequencies.txt", FREQUENCIES);
    put(dir, "transfers.txt", TRANSFERS);
}

static void remove_dir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(gtfs, .init = feed_a, .fini = remove_dir);

/* Reads `feeds`; returns the timetable (NULL on failure, with the message in
 * msg). */
static isr_timetable *read_feeds(const char *const *feeds, int n, const char *date,
                                 const char *types, char *msg, size_t len)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_timetable *tt = NULL;
    isr_status st = isr_gtfs_read(ctx, feeds, n, date, types, &tt);
    snprintf(msg, len, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(st == ISR_OK, tt != NULL);
    isr_ctx_free(ctx);
    return tt;
}

static isr_timetable *read_a(const char *date)
{
    const char *feeds[] = {dir};
    char msg[1024];
    isr_timetable *tt = read_feeds(feeds, 1, date, NULL, msg, sizeof msg);
    cr_assert(tt, "%s", msg);
    return tt;
}

static int stop_no(const isr_timetable *tt, const char *id)
{
    for (int i = 0; i < tt->nstops; i++)
        if (strcmp(tt->stops[i].id, id) == 0)
            return i;
    cr_assert_fail("no stop %s", id);
    return -1;
}

/* The trip whose first stop is `from` leaving at `dep` seconds. */
static const isr_tt_trip *trip_at(const isr_timetable *tt, const char *from, int32_t dep)
{
    for (int i = 0; i < tt->ntrips; i++) {
        const isr_tt_stop_time *s = &tt->st[tt->trips[i].first];
        if (s->dep == dep && strcmp(tt->stops[s->stop].id, from) == 0)
            return &tt->trips[i];
    }
    cr_assert_fail("no trip from %s at %d", from, dep);
    return NULL;
}

#define HMS(h, m, s) ((h)*3600 + (m)*60 + (s))

Test(gtfs, parse_counts_stations_and_times)
{
    isr_timetable *tt = read_a("2025-05-07"); /* a Wednesday */
    /* stops X1 X2 Y Z (BUS is served by a bus only; the entrance is no stop) */
    cr_assert_eq(tt->nstops, 4);
    cr_assert_eq(tt->nstations, 3);                   /* X, Y, Z */
    cr_assert_eq(tt->ntrips, 9);                      /* t1, late, ip, f1 ×3, f0 ×3 */
    cr_assert_eq(tt->nst, 3 + 3 + 3 + 3 * 2 + 3 * 2); /* t1, late, ip, f1, f0 */
    cr_assert_eq(tt->nroutes, 2);                     /* R, HS (not the bus route) */
    cr_assert_eq(tt->default_transfer_s, 360);
    const isr_tt_stop *x1 = &tt->stops[stop_no(tt, "X1")], *x2 = &tt->stops[stop_no(tt, "X2")];
    const isr_tt_stop *y = &tt->stops[stop_no(tt, "Y")];
    cr_assert_eq(x1->station, x2->station);
    const isr_tt_station *x = &tt->stations[x1->station];
    cr_assert_str_eq(x->id, "X");
    cr_assert_str_eq(x->name, "Station X, \"central\"");
    cr_assert_float_eq(x->lon, 121.0, 1e-12);
    cr_assert_float_eq(x->lat, 31.0, 1e-12);
    cr_assert_str_eq(tt->stations[y->station].id, "Y"); /* a stop with no parent: its own */
    cr_assert_float_eq(tt->stations[y->station].lon, 121.1, 1e-12);
    for (int i = 1; i < tt->ntrips; i++) /* sorted by first departure */
        cr_assert_leq(tt->st[tt->trips[i - 1].first].dep, tt->st[tt->trips[i].first].dep);
    /* late: 23:50 → 24:20 → 25:05, times past midnight kept on the service day */
    const isr_tt_trip *late = trip_at(tt, "Y", HMS(23, 50, 0));
    cr_assert_eq(late->n, 3);
    cr_assert_eq(tt->st[late->first + 1].arr, HMS(24, 20, 0));
    cr_assert_eq(tt->st[late->first + 2].arr, 90300); /* 25:05:00 */
    cr_assert_str_eq(tt->route_ids[late->route], "HS");
    cr_assert_eq(tt->trips[tt->ntrips - 1].first, late->first); /* the last to leave */
    /* ip: Y untimed, X2 → Y 9436 m, Y → Z 9531 m (haversine at 31 N): 1200 s ×
     * 9436 / 18967 = 597 s after 10:00 → 10:09:57 */
    const isr_tt_trip *ip = trip_at(tt, "X2", HMS(10, 0, 0));
    cr_assert_eq(tt->st[ip->first + 1].arr, HMS(10, 9, 57));
    cr_assert_eq(tt->st[ip->first + 1].dep, HMS(10, 9, 57));
    isr_timetable_free(tt);
}

/* An untimed stop between rows that give shape_dist_traveled is timed by the distance along
 * the line (it was always by the straight line from stop to stop, the column unread); rows
 * that give it only in part, or not rising, keep the straight line; a distance that is not a
 * number is read as blank, with a warning naming the line */
Test(gtfs, untimed_stops_follow_shape_dist_traveled)
{
    static const char *const head = "trip_id,stop_id,stop_sequence,arrival_time,departure_time,"
                                    "shape_dist_traveled\n";
    static const char *const ip[] = {
        /* along: Y at 3 of 12 km, 10:00 + 1200 s × 3 / 12 = 10:05:00 */
        "ip,X2,1,10:00:00,10:00:00,0\nip,Y,2,,,3.0\nip,Z,3,10:20:00,10:20:00,12\n",
        /* Z's missing: the straight line, 10:09:57 as without the column */
        "ip,X2,1,10:00:00,10:00:00,0\nip,Y,2,,,3.0\nip,Z,3,10:20:00,10:20:00,\n",
        /* decreasing: the straight line */
        "ip,X2,1,10:00:00,10:00:00,5\nip,Y,2,,,3\nip,Z,3,10:20:00,10:20:00,12\n",
        /* equal (rounded): the straight line, not a hop of no time */
        "ip,X2,1,10:00:00,10:00:00,0\nip,Y,2,,,0\nip,Z,3,10:20:00,10:20:00,12\n"};
    static const int32_t want[] = {HMS(10, 5, 0), HMS(10, 9, 57), HMS(10, 9, 57), HMS(10, 9, 57)};
    for (int k = 0; k < 4; k++) {
        char text[600];
        snprintf(text, sizeof text, "%s%s", head, ip[k]);
        put(dir, "stop_times.txt", text);
        isr_timetable *tt = read_a("2025-05-07");
        const isr_tt_trip *t = trip_at(tt, "X2", HMS(10, 0, 0));
        cr_assert_eq(tt->st[t->first + 1].arr, want[k], "case %d: %d", k, tt->st[t->first + 1].arr);
        cr_assert_eq(tt->st[t->first + 1].dep, want[k]);
        isr_timetable_free(tt);
    }
    /* a value that is no distance is read as blank, with a warning: the straight line */
    char text[600];
    snprintf(text, sizeof text, "%sip,X2,1,10:00:00,10:00:00,0\nip,Y,2,,,3 km\n"
             "ip,Z,3,10:20:00,10:20:00,12\n", head);
    put(dir, "stop_times.txt", text);
    isr_ctx *ctx = isr_ctx_new();
    const char *feeds[] = {dir};
    isr_timetable *tt = NULL;
    cr_assert_eq(isr_gtfs_read(ctx, feeds, 1, "2025-05-07", NULL, &tt), ISR_OK);
    const isr_tt_trip *t = trip_at(tt, "X2", HMS(10, 0, 0));
    cr_assert_eq(tt->st[t->first + 1].arr, HMS(10, 9, 57));
    int said = 0;
    for (int i = 0; i < isr_ctx_nwarnings(ctx); i++)
        said += strstr(isr_ctx_warning(ctx, i),
                       "stop_times.txt: 1 shape_dist_traveled value is no distance (first: '3 "
                       "km', line 3) and is read as blank") != NULL;
    cr_assert_eq(said, 1);
    isr_timetable_free(tt);
    isr_ctx_free(ctx);
}

Test(gtfs, pickup_and_drop_off_flags)
{
    isr_timetable *tt = read_a("2025-05-07");
    /* t1 (rows given out of stop_sequence order): X1 no drop-off, Y both, Z
     * drop-off only */
    const isr_tt_trip *t1 = trip_at(tt, "X1", HMS(8, 0, 0));
    const isr_tt_stop_time *s = tt->st + t1->first;
    cr_assert_eq(t1->n, 3);
    cr_assert_eq(s[0].flags, ISR_TT_NO_DROPOFF);
    cr_assert_eq(s[1].stop, stop_no(tt, "Y"));
    cr_assert_eq(s[1].arr, HMS(8, 10, 0)); /* "8:10:00": one-digit hours */
    cr_assert_eq(s[1].dep, HMS(8, 12, 0));
    cr_assert_eq(s[1].flags, 0);
    cr_assert_eq(s[2].flags, ISR_TT_NO_PICKUP); /* drop-off only */
    cr_assert_eq(t1->headway_s, 0);
    isr_timetable_free(tt);
}

Test(gtfs, calendar_dates_add_and_remove_service)
{
    /* Mon 2025-05-05: WD removed, WE added → t2 only */
    isr_timetable *tt = read_a("2025-05-05");
    cr_assert_eq(tt->ntrips, 1);
    cr_assert_eq(tt->st[0].stop, stop_no(tt, "Z"));
    cr_assert_eq(tt->st[0].dep, HMS(9, 0, 0));
    isr_timetable_free(tt);
    /* Tue 2025-05-06: WD and HOL (a service only in calendar_dates) → 9 + hol */
    tt = read_a("2025-05-06");
    cr_assert_eq(tt->ntrips, 10);
    trip_at(tt, "Y", HMS(12, 0, 0));
    isr_timetable_free(tt);
    /* Sat 2025-05-10: WE → t2; outside 2025 nothing runs */
    tt = read_a("2025-05-10");
    cr_assert_eq(tt->ntrips, 1);
    isr_timetable_free(tt);
}

Test(gtfs, frequencies_exact_and_inexact)
{
    isr_timetable *tt = read_a("2025-05-07");
    /* f1 (exact_times 1): 6:00, 6:20, 6:40 (7:00 is the end, not a start), 25 min
     * to Z */
    for (int k = 0; k < 3; k++) {
        const isr_tt_trip *t = trip_at(tt, "X1", HMS(6, 20 * k, 0));
        cr_assert_eq(t->headway_s, 1200);
        cr_assert_eq(tt->st[t->first + 1].arr, HMS(6, 20 * k + 25, 0));
    }
    /* f0 (exact_times 0, offset 0): leaves Z at 6:00, 6:10, 6:20 (template 0:01),
     * arrives at Z a minute before it leaves and at X2 30 min after */
    for (int k = 0; k < 3; k++) {
        const isr_tt_trip *t = trip_at(tt, "Z", HMS(6, 10 * k, 0));
        cr_assert_eq(t->headway_s, 600);
        cr_assert_eq(tt->st[t->first].arr, HMS(5, 10 * k + 59, 0));
        cr_assert_eq(tt->st[t->first + 1].arr, HMS(6, 10 * k + 30, 0));
    }
    isr_timetable_free(tt);
}

Test(gtfs, transfers_by_stop_and_station)
{
    isr_timetable *tt = read_a("2025-05-07");
    int x1 = stop_no(tt, "X1"), x2 = stop_no(tt, "X2"), y = stop_no(tt, "Y"), z = stop_no(tt, "Z");
    /* X→Y (station X: X1→Y and X2→Y) 300 s, Y→Z forbidden; Z→Y type 0 and BUS→Y
     * dropped */
    cr_assert_eq(tt->ntransfers, 3);
    isr_tt_transfer want[3] = {{x1, y, 300, 0}, {x2, y, 300, 0}, {y, z, -1, 0}};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(tt->transfers[i].from, want[i].from, "transfer %d", i);
        cr_assert_eq(tt->transfers[i].to, want[i].to, "transfer %d", i);
        cr_assert_eq(tt->transfers[i].min_s, want[i].min_s, "transfer %d", i);
    }
    isr_timetable_free(tt);
}

Test(gtfs, route_types_choose_routes)
{
    const char *feeds[] = {dir};
    char msg[1024];
    isr_timetable *tt = read_feeds(feeds, 1, "2025-05-07", "3,100-101", msg, sizeof msg);
    cr_assert(tt, "%s", msg);
    cr_assert_eq(tt->ntrips, 2);    /* late (101) and bus (3) */
    cr_assert_eq(tt->nstations, 4); /* Y, Z, X (X2 of late), BUS */
    isr_timetable_free(tt);
}

/* Feed B, zipped: stop Y again (another place), calendar_dates only, one trip.
 */
static void zip_feed_b(const char *zip)
{
    const char *files[][2] = {
        {"stops.txt", "stop_id,stop_name,stop_lat,stop_lon\nY,Other "
                      "Y,30.0,120.0\nW,W,30.0,120.1\n"},
        {"routes.txt", "route_id,route_type\nR,2\n"},
        {"calendar_dates.txt", "service_id,date,exception_type\nS,20250507,1\n"},
        {"trips.txt", "trip_id,route_id,service_id\nb1,R,S\n"},
        {"stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                           "b1,07:00:00,07:00:00,Y,1\nb1,07:30:00,07:30:00,W,2\n"}};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[600];
        snprintf(path, sizeof path, "/vsizip/%s/%s", zip, files[i][0]);
        VSILFILE *f = VSIFOpenL(path, "wb");
        cr_assert(f, "cannot write %s", path);
        VSIFWriteL(files[i][1], 1, strlen(files[i][1]), f);
        VSIFCloseL(f);
    }
}

Test(gtfs, two_feeds_sharing_a_stop_id_one_zipped)
{
    char zip[300];
    snprintf(zip, sizeof zip, "%s/b.zip", dir);
    zip_feed_b(zip);
    const char *feeds[] = {dir, zip};
    char msg[1024];
    isr_timetable *tt = read_feeds(feeds, 2, "2025-05-07", NULL, msg, sizeof msg);
    cr_assert(tt, "%s", msg);
    cr_assert_eq(tt->nstations, 3 + 2); /* 1:X 1:Y 1:Z, 2:Y 2:W */
    int y1 = stop_no(tt, "1:Y"), y2 = stop_no(tt, "2:Y");
    cr_assert_neq(tt->stops[y1].station, tt->stops[y2].station);
    cr_assert_str_eq(tt->stations[tt->stops[y2].station].id, "2:Y");
    cr_assert_str_eq(tt->stations[tt->stops[y2].station].name, "Other Y");
    cr_assert_float_eq(tt->stops[y2].lat, 30.0, 1e-12);
    cr_assert_str_eq(tt->stations[tt->stops[stop_no(tt, "1:X1")].station].id, "1:X");
    cr_assert_eq(tt->ntrips, 10);
    const isr_tt_trip *b1 = trip_at(tt, "2:Y", HMS(7, 0, 0));
    cr_assert_str_eq(tt->route_ids[b1->route], "2:R");
    cr_assert_eq(tt->ntransfers, 3);
    cr_assert_eq(tt->transfers[0].from, stop_no(tt, "1:X1"));
    isr_timetable_free(tt);
    /* alone, the zip reads without prefixes */
    const char *one[] = {zip};
    tt = read_feeds(one, 1, "2025-05-07", NULL, msg, sizeof msg);
    cr_assert(tt, "%s", msg);
    cr_assert_str_eq(tt->stops[0].id, "Y");
    isr_timetable_free(tt);
}

/* Feed A with `file` replaced by `text` (NULL: removed) is refused with exactly
 * `want` (printf'd with the feed's folder). */
static void refused(const char *file, const char *text, const char *date, const char *want)
{
    put(dir, file, text);
    const char *feeds[] = {dir};
    char msg[1024], expect[1024];
    isr_timetable *tt = read_feeds(feeds, 1, date ? date : "2025-05-07", NULL, msg, sizeof msg);
    cr_assert_null(tt);
    snprintf(expect, sizeof expect, want, dir);
    cr_assert_str_eq(msg, expect);
}

Test(gtfs, error_missing_file_and_column)
{
    refused("routes.txt", NULL, NULL,
            "gtfs '%s': no routes.txt; a GTFS feed needs stops.txt, routes.txt, "
            "trips.txt, "
            "stop_times.txt and calendar.txt or calendar_dates.txt");
    put(dir, "routes.txt", ROUTES);
    /* a header and no row: no timetable (it said "no trip ... runs; check --date") */
    refused("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n", NULL,
            "gtfs '%s' stop_times.txt has no rows, only its header: the feed has no timetable "
            "(a feed cut down too far, or its export failed)");
    refused("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id\nt1,,,X1\n", NULL,
            "gtfs '%s' stop_times.txt: no column 'stop_sequence' in the header "
            "(line 1); GTFS "
            "requires it");
}

Test(gtfs, error_no_calendar_at_all)
{
    put(dir, "calendar_dates.txt", NULL);
    refused("calendar.txt", NULL, NULL,
            "gtfs '%s': neither calendar.txt nor calendar_dates.txt; a feed "
            "needs one of them "
            "to say on which days its trips run");
}

Test(gtfs, error_time_goes_backwards)
{
    /* t1 leaves Y at 8:12 and reaches Z (line 4) at 8:05 */
    refused("stop_times.txt",
            "trip_id,stop_id,stop_sequence,arrival_time,departure_time\n"
            "t1,X1,1,08:00:00,08:00:00\nt1,Y,2,08:10:00,08:12:00\nt1,Z,3,08:05:"
            "00,08:05:00\n",
            NULL,
            "gtfs '%s' stop_times.txt line 4: trip 't1' arrives at stop 'Z' at "
            "8:05:00, before "
            "it left stop 'Y' (stop_sequence 2) at 8:12:00; times must not go "
            "backwards along "
            "stop_sequence");
    /* across an untimed stop: X1 8:00, Y untimed, Z 7:50 */
    refused("stop_times.txt",
            "trip_id,stop_id,stop_sequence,arrival_time,departure_time\n"
            "t1,X1,1,08:00:00,08:00:00\nt1,Y,2,,\nt1,Z,3,07:50:00,07:50:00\n",
            NULL,
            "gtfs '%s' stop_times.txt line 4: trip 't1' arrives at stop 'Z' at "
            "7:50:00, before "
            "it left stop 'X1' (stop_sequence 1) at 8:00:00; times must not go "
            "backwards along "
            "stop_sequence");
    refused("stop_times.txt",
            "trip_id,stop_id,stop_sequence,arrival_time,departure_time\n"
            "t1,X1,1,08:00:00,08:00:00\nt1,Y,2,08:10:00,08:09:00\n",
            NULL,
            "gtfs '%s' stop_times.txt line 3: trip 't1' at stop 'Y': "
            "departure_time 8:09:00 is "
            "before arrival_time 8:10:00; times must not go backwards");
}

Test(gtfs, error_unknown_trip_or_stop)
{
    refused("stop_times.txt",
            "trip_id,stop_id,stop_sequence,arrival_time,departure_time\n"
            "t1,X1,1,08:00:00,08:00:00\nnope,Y,2,08:10:00,08:12:00\n",
            NULL, "gtfs '%s' stop_times.txt line 3: trip_id 'nope' is not in trips.txt");
    refused("stop_times.txt",
            "trip_id,stop_id,stop_sequence,arrival_time,departure_time\n"
            "t1,X1,1,08:00:00,08:00:00\nt1,Q,2,08:10:00,08:12:00\n",
            NULL,
            "gtfs '%s' stop_times.txt line 3: trip 't1': stop_id 'Q' is not in "
            "stops.txt");
    refused("stop_times.txt",
            "trip_id,stop_id,stop_sequence,arrival_time,departure_time\n"
            "t1,X,1,08:00:00,08:00:00\n",
            NULL,
            "gtfs '%s' stop_times.txt line 2: trip 't1': stop_id 'X' is a station "
            "(location_type 1); trips call at its stops (location_type 0)");
}

Test(gtfs, error_trip_with_no_service)
{
    refused("trips.txt", "route_id,service_id,trip_id\nR,WD,t1\nR,NOPE,t9\n", NULL,
            "gtfs '%s' trips.txt line 3: trip 't9': service_id 'NOPE' is in neither "
            "calendar.txt nor calendar_dates.txt, so it never runs; add the service "
            "or remove "
            "the trip");
    refused("trips.txt", "route_id,service_id,trip_id\nQ,WD,t1\n", NULL,
            "gtfs '%s' trips.txt line 2: trip 't1': route_id 'Q' is not in "
            "routes.txt");
}

Test(gtfs, error_bad_fields)
{
    refused("stop_times.txt",
            "trip_id,stop_id,stop_sequence,arrival_time,departure_time\n"
            "t1,X1,1,8:6:00,08:00:00\n",
            NULL,
            "gtfs '%s' stop_times.txt line 2: trip 't1': field 'arrival_time' is "
            "'8:6:00', not a time H:MM:SS");
    /* 99:59:59 was read, then said as "arrives at 32:20:00", a time not in the file (the
     * clock-restart rule had added a day to 08:20); 100:20 was warned about as "76:20 the
     * next morning" (a new-user pass) */
    refused("stop_times.txt",
            "trip_id,stop_id,stop_sequence,arrival_time,departure_time\n"
            "t1,X1,1,99:59:59,99:59:59\nt1,Y,2,08:20:00,08:20:00\n",
            NULL,
            "gtfs '%s' stop_times.txt line 2: trip 't1': field 'arrival_time' is '99:59:59', "
            "48 hours or more after the service day began: isoreach reads one service day and "
            "the night after it (times below 48:00:00); is the hour mistyped?");
    put(dir, "stop_times.txt", STOP_TIMES);
    refused("frequencies.txt",
            "trip_id,start_time,end_time,headway_secs\nf1,07:00:00,48:00:00,60\n", NULL,
            "gtfs '%s' frequencies.txt line 2: trip 'f1': field 'end_time' is '48:00:00', "
            "48 hours or more after the service day began: isoreach reads one service day and "
            "the night after it (times below 48:00:00); is the hour mistyped?");
    put(dir, "frequencies.txt", FREQUENCIES);
    refused("stop_times.txt",
            "trip_id,stop_id,stop_sequence,arrival_time,departure_time\n"
            "t1,X1,1,,\nt1,Y,2,08:10:00,08:12:00\n",
            NULL,
            "gtfs '%s' stop_times.txt line 2: trip 't1': its first stop has no "
            "arrival_time or departure_time; GTFS requires them there");
    refused("stop_times.txt",
            "trip_id,stop_id,stop_sequence,arrival_time,departure_time\n"
            "t1,X1,1,08:00:00,08:00:00\nt1,Y,1,08:10:00,08:12:00\n",
            NULL,
            "gtfs '%s' stop_times.txt line 3: trip 't1': stop_sequence 1 is "
            "given twice "
            "(also on line 2)");
    refused("frequencies.txt",
            "trip_id,start_time,end_time,headway_secs\nf1,07:00:00,06:00:00,60\n", NULL,
            "gtfs '%s' frequencies.txt line 2: trip 'f1': end_time 06:00:00 is "
            "not after "
            "start_time 07:00:00");
    put(dir, "frequencies.txt", FREQUENCIES);
    put(dir, "stop_times.txt", STOP_TIMES);
    refused("transfers.txt", "from_stop_id,to_stop_id,transfer_type\nX,Y,2\n", NULL,
            "gtfs '%s' transfers.txt line 2: transfer_type 2 needs "
            "min_transfer_time in "
            "seconds (0 to 86400), got ''");
    refused("calendar_dates.txt", "service_id,date,exception_type\nWD,2025-05-05,2\n", NULL,
            "gtfs '%s' calendar_dates.txt line 2: service 'WD': field 'date' is "
            "'2025-05-05', "
            "not a date YYYYMMDD");
}

Test(gtfs, error_stops)
{
    /* a parent that is a stop (location_type 0) or an entrance (2): refused; one
     * absent from the file: see real_feed_parent_station_missing */
    refused("stops.txt", "stop_id,stop_lat,stop_lon,parent_station\nX,31,121,\nX1,31,121,X\n",
            NULL,
            "gtfs '%s' stops.txt line 3: stop 'X1': parent_station 'X' is not a "
            "station "
            "(location_type 1) in stops.txt");
    refused("stops.txt",
            "stop_id,stop_lat,stop_lon,parent_station,location_type\nX1,31,121,E,0\nE,31,121,,2\n",
            NULL,
            "gtfs '%s' stops.txt line 2: stop 'X1': parent_station 'E' is not a "
            "station (location_type 1) in stops.txt");
    refused("stops.txt", "stop_id,stop_lat,stop_lon\nX1,91,121\n", NULL,
            "gtfs '%s' stops.txt line 2: stop 'X1': field 'stop_lat' is '91', "
            "not a latitude "
            "(-90 to 90) in degrees");
    refused("stops.txt",
            "stop_id,stop_name,stop_lat,stop_lon\nX1,\"X\n\none\",31,121\nY,\"Y,"
            "31,121\n",
            NULL, "gtfs '%s' stops.txt line 5: a quote is not closed");
    refused("stops.txt", "stop_id,stop_lat,stop_lon\nY,31,121\nY,31,121\n", NULL,
            "gtfs '%s' stops.txt line 3: stop_id 'Y' is given twice; stop ids "
            "must be unique");
}

Test(gtfs, error_nothing_on_the_date_and_usage)
{
    refused("agency.txt", NULL, "2026-05-06",
            "gtfs '%s': no trip of route types 2,100-117 runs on 2026-05-06 (the feed runs "
            "from 2025-01-01 to 2025-12-31); check --date and --route-types");
    const char *feeds[] = {dir};
    char msg[1024];
    cr_assert_null(read_feeds(feeds, 1, "2025-02-29", NULL, msg, sizeof msg));
    cr_assert_str_eq(msg, "--date: '2025-02-29' is not a date YYYY-MM-DD");
    cr_assert_null(read_feeds(feeds, 1, "2025-05-07", "2,rail", msg, sizeof msg));
    cr_assert_str_eq(msg, "route types '2,rail': give GTFS route_type numbers or ranges "
                          "separated by commas, e.g. 2,101-103");
    const char *missing[] = {"/nonexistent/feed.zip"};
    cr_assert_null(read_feeds(missing, 1, "2025-05-07", NULL, msg, sizeof msg));
    cr_assert_str_eq(msg, "gtfs '/nonexistent/feed.zip': not found; give a GTFS .zip file or a "
                          "folder of GTFS .txt files");
}

/* The warning about trips with no service is logged with its count. */
static void keep_warning(void *user, isr_log_level level, const char *msg)
{
    if (level == ISR_LOG_WARN)
        snprintf(user, 512, "%s", msg);
}

/* Every warning, each followed by '|' (2048 bytes in all). */
static void keep_warnings(void *user, isr_log_level level, const char *msg)
{
    size_t n = strlen(user);
    if (level == ISR_LOG_WARN)
        snprintf((char *)user + n, 2048 - n, "%s|", msg);
}

Test(gtfs, warns_about_trips_with_no_service)
{
    isr_ctx *ctx = isr_ctx_new();
    char warn[512] = "", want[512];
    isr_ctx_set_logger(ctx, keep_warning, warn, ISR_LOG_WARN);
    const char *feeds[] = {dir};
    isr_timetable *tt = NULL;
    cr_assert_eq(isr_gtfs_read(ctx, feeds, 1, "2025-05-07", NULL, &tt), ISR_OK);
    /* t2 (WE) and hol (HOL) of the 7 rail trips */
    snprintf(want, sizeof want,
             "gtfs '%s': 2 of the 7 trips of route types 2,100-117 have no "
             "service on 2025-05-07; they are left out",
             dir);
    cr_assert_str_eq(warn, want);
    isr_timetable_free(tt);
    isr_ctx_free(ctx);
}

/* The CSV reader alone: quotes across lines, CRLF, lone CR, blank lines, short
 * records. */
Test(gtfs, csv_reader)
{
    char text[] = "\xEF\xBB\xBF a , b\r\n\r\n\"x\"\"y\",\"two\nlines\"\r1, 2 ,3\n\nlast";
    isr_csv c;
    isr_csv_init(&c, text);
    cr_assert_eq(isr_csv_header(&c), 1);
    cr_assert_eq(c.nhead, 2);
    cr_assert_eq(isr_csv_col(&c, "b"), 1);
    cr_assert_eq(isr_csv_next(&c), 1);
    cr_assert_eq(c.line, 3);
    cr_assert_str_eq(isr_csv_get(&c, 0), "x\"y");
    cr_assert_str_eq(isr_csv_get(&c, 1), "two\nlines");
    cr_assert_eq(isr_csv_next(&c), 1);
    cr_assert_eq(c.line, 5);
    cr_assert_eq(c.nf, 3);
    cr_assert_str_eq(isr_csv_get(&c, 1), "2");
    cr_assert_eq(isr_csv_next(&c), 1);
    cr_assert_eq(c.line, 7);
    cr_assert_str_eq(isr_csv_get(&c, 0), "last");
    cr_assert_str_eq(isr_csv_get(&c, 1), ""); /* a short record */
    cr_assert_eq(isr_csv_next(&c), 0);
    isr_csv_clear(&c);
}

/* The sample exported by scripts/export_sample_gtfs: every station, and on any
 * day of 2025-2026 each line's two templates every `headway` minutes from 0:00
 * to 24:00 (exact times): 2 × ceil(1440 / headway) trips per line, counted from
 * the lines layer. */
Test(gtfs, exported_sample_feed)
{
    const char *feeds[] = {ISR_SAMPLE_DIR "/yrd_gtfs.zip"};
    char msg[1024];
    isr_timetable *tt = read_feeds(feeds, 1, "2026-03-18", NULL, msg, sizeof msg);
    cr_assert(tt, "%s", msg);
    cr_assert_eq(tt->nstations, 82);
    cr_assert_eq(tt->nstops, 82);
    cr_assert_eq(tt->nroutes, 43);
    GDALDatasetH ds =
        GDALOpenEx(ISR_SAMPLE_DIR "/yrd_rail_lines.shp", GDAL_OF_VECTOR, NULL, NULL, NULL);
    cr_assert(ds);
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRFeatureH f;
    int want = 0;
    while ((f = OGR_L_GetNextFeature(l))) {
        int h = (int)OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "headway"));
        want += 2 * ((1440 + h - 1) / h);
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    cr_assert_eq(tt->ntrips, want);
    cr_assert_eq(want, 3744);
    /* jinghu_hsr from Xuzhou East at 8:00: 163 min of runs + 10 dwells of 2 min →
     * 11:03 */
    const isr_tt_trip *t = trip_at(tt, "xuzhou_east", HMS(8, 0, 0));
    cr_assert_eq(t->n, 12);
    cr_assert_str_eq(tt->stops[tt->st[t->first + 11].stop].id, "shanghai_hongqiao");
    cr_assert_eq(tt->st[t->first + 11].arr, HMS(11, 3, 0));
    cr_assert_eq(t->headway_s, 600);
    cr_assert_str_eq(tt->stations[tt->stops[tt->st[t->first].stop].station].name, "徐州东");
    isr_timetable_free(tt);
    /* outside the calendar nothing runs */
    cr_assert_null(read_feeds(feeds, 1, "2027-01-01", NULL, msg, sizeof msg));
}

/* ---- quirks of real feeds (issue 14: gtfstools' Berlin, Sao Paulo and Porto
 * Alegre samples) ---- */

/* Reads feed A on Wed 2025-05-07 and keeps every warning, joined by '|'. */
static isr_timetable *read_a_warnings(char *warn)
{
    isr_ctx *ctx = isr_ctx_new();
    warn[0] = '\0';
    isr_ctx_set_logger(ctx, keep_warnings, warn, ISR_LOG_WARN);
    const char *feeds[] = {dir};
    isr_timetable *tt = NULL;
    cr_assert_eq(isr_gtfs_read(ctx, feeds, 1, "2025-05-07", NULL, &tt), ISR_OK, "%s",
                 isr_ctx_errmsg(ctx));
    isr_ctx_free(ctx);
    return tt;
}

/* Berlin's sample names parent stations that its stops.txt lacks (cut down to
 * a few routes): X1 and X2 name 'X', which is not in the file. They share a
 * station 'X' at their mean position, (121.0 + 121.001) / 2 = 121.0005 E, 31 N,
 * named after X1, the first; transfers.txt's X→Y row still means X1→Y and
 * X2→Y. */
Test(gtfs, real_feed_parent_station_missing)
{
    put(dir, "stops.txt",
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
        "X1,X one,31.0,121.0,0,X\nY,Y,31.0,121.1,,\nX2,X two,31.0,121.001,0,X\n"
        "Z,Z,31.0,121.2,0,\nBUS,B,31.0,121.3,0,\n");
    char warn[2048], want[1024];
    isr_timetable *tt = read_a_warnings(warn);
    const isr_tt_stop *x1 = &tt->stops[stop_no(tt, "X1")], *x2 = &tt->stops[stop_no(tt, "X2")];
    cr_assert_eq(tt->nstations, 3); /* X, Y, Z */
    cr_assert_eq(x1->station, x2->station);
    const isr_tt_station *x = &tt->stations[x1->station];
    cr_assert_str_eq(x->id, "X");
    cr_assert_str_eq(x->name, "X one");
    cr_assert_float_eq(x->lon, 121.0005, 1e-12);
    cr_assert_float_eq(x->lat, 31.0, 1e-12);
    int n300 = 0;
    for (int i = 0; i < tt->ntransfers; i++)
        n300 += tt->transfers[i].min_s == 300 && tt->transfers[i].to == stop_no(tt, "Y");
    cr_assert_eq(n300, 2); /* X1→Y, X2→Y */
    snprintf(want, sizeof want,
             "gtfs '%s' stops.txt: 2 stops name a parent_station that is not in the file "
             "(first: stop 'X1' on line 2, parent_station 'X'); they get 1 stations, one per "
             "parent_station id, each at the mean position of its stops|",
             dir);
    cr_assert(strstr(warn, want), "%s", warn);
    isr_timetable_free(tt);
}

/* Sao Paulo's sample lists its 6 services twice, row for row: the repeat
 * (line 4 = line 2) is read once, the date's 9 trips are as without it; the
 * same service_id with other dates is still refused. */
Test(gtfs, real_feed_calendar_rows_repeated)
{
    put(dir, "calendar.txt",
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WD,1,1,1,1,1,0,0,20250101,20251231\nWE,0,0,0,0,0,1,1,20250101,20251231\n"
        "WD,1,1,1,1,1,0,0,20250101,20251231\n");
    char warn[2048], want[1024];
    isr_timetable *tt = read_a_warnings(warn);
    cr_assert_eq(tt->ntrips, 9); /* t1, late, ip, f1 ×3, f0 ×3 */
    snprintf(want, sizeof want,
             "gtfs '%s' calendar.txt: 1 rows repeat an earlier row exactly (first: line 4 "
             "repeats line 2); each service is read once|",
             dir);
    cr_assert(strstr(warn, want), "%s", warn);
    isr_timetable_free(tt);
    refused("calendar.txt",
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,"
            "end_date\nWD,1,1,1,1,1,0,0,20250101,20251231\nWD,1,1,1,1,1,0,0,20250101,20250630\n",
            NULL,
            "gtfs '%s' calendar.txt line 3: service_id 'WD' is given twice, with other days or "
            "dates than on an earlier line; give each service one row");
    /* dates the wrong way round: a service that never runs, said (it read as no service) */
    refused("calendar.txt",
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,"
            "end_date\nWD,1,1,1,1,1,0,0,20251231,20250101\n",
            NULL,
            "gtfs '%s' calendar.txt line 2: service 'WD': start_date 20251231 is after end_date "
            "20250101, so it never runs; swap them");
}

/* Porto Alegre's sample writes a trip leaving at 23:10 as arriving at 00:02:00,
 * the clock's time, where GTFS writes 24:02:00. Here 'late' runs Y 23:50 →
 * Z 00:20 → X2 01:05: 00:20 is 23:30 before 23:50, more than 12 hours back,
 * so from Z on 24 hours are added: 24:20 and 25:05, the times of feed A. A
 * step back of less than 12 hours stays refused (error_time_goes_backwards). */
Test(gtfs, real_feed_clock_restarts_after_midnight)
{
    char *st = malloc(strlen(STOP_TIMES) + 1), *p;
    strcpy(st, STOP_TIMES);
    p = strstr(st, "late,Z,6,24:20:00,24:20:00");
    memcpy(p + 9, "00:20:00,00:20:00", 17);
    p = strstr(st, "late,X2,9,25:05:00,25:05:00");
    memcpy(p + 10, "01:05:00,01:05:00", 17);
    put(dir, "stop_times.txt", st);
    free(st);
    char warn[2048], want[1024];
    isr_timetable *tt = read_a_warnings(warn);
    const isr_tt_trip *late = trip_at(tt, "Y", HMS(23, 50, 0));
    cr_assert_eq(tt->st[late->first + 1].arr, HMS(24, 20, 0));
    cr_assert_eq(tt->st[late->first + 1].dep, HMS(24, 20, 0));
    cr_assert_eq(tt->st[late->first + 2].arr, HMS(25, 5, 0));
    snprintf(want, sizeof want,
             "gtfs '%s' stop_times.txt: 1 trips running on 2025-05-07 restart their clock at "
             "0:00 after midnight where GTFS writes 24:00 and later (first: trip 'late', line "
             "8); their times after midnight are read as the next day's|",
             dir);
    cr_assert(strstr(warn, want), "%s", warn);
    isr_timetable_free(tt);
}

/* A transfers.txt row naming routes or trips (OpenTripPlanner's 'simple' test
 * feed and many European feeds carry them) holds for those routes or trips
 * only; applied to the stops it would forbid Z→X (type 3) or set Z→Y to 30 s
 * for every train. They are left out with a warning: the 3 stop rules of
 * transfers_by_stop_and_station stay, nothing else. */
Test(gtfs, real_feed_transfers_for_some_routes_or_trips)
{
    put(dir, "transfers.txt",
        "from_stop_id,to_stop_id,transfer_type,min_transfer_time,from_route_id,to_route_id,"
        "from_trip_id,to_trip_id\n"
        "X,Y,2,300,,,,\nY,Z,3,,,,,\nZ,X,3,,R,HS,,\nZ,Y,2,30,,,t1,late\n"
        /* a feed cut to a region keeps rows of stops it no longer has: no train calls
         * there; they were refused ("field 'to_stop_id' is 'GONE', not in stops.txt") */
        "X,GONE,2,120,,,,\nGONE2,Y,3,,,,,\n");
    char warn[2048], want[1024];
    isr_timetable *tt = read_a_warnings(warn);
    int x1 = stop_no(tt, "X1"), x2 = stop_no(tt, "X2"), y = stop_no(tt, "Y"), z = stop_no(tt, "Z");
    cr_assert_eq(tt->ntransfers, 3);
    isr_tt_transfer rules[3] = {{x1, y, 300, 0}, {x2, y, 300, 0}, {y, z, -1, 0}};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(tt->transfers[i].from, rules[i].from, "transfer %d", i);
        cr_assert_eq(tt->transfers[i].to, rules[i].to, "transfer %d", i);
        cr_assert_eq(tt->transfers[i].min_s, rules[i].min_s, "transfer %d", i);
    }
    snprintf(want, sizeof want,
             "gtfs '%s' transfers.txt: 2 rows of transfer_type 2 or 3 name a route or trip "
             "(first: line 4); change times here hold between stops, for every route and "
             "trip, so these rows are left out and those changes take the default|",
             dir);
    cr_assert(strstr(warn, want), "%s", warn);
    snprintf(want, sizeof want,
             "gtfs '%s' transfers.txt: 2 rows of transfer_type 2 or 3 name a stop or station "
             "not in stops.txt (first: line 6, 'GONE'); no train calls there, so they are left "
             "out",
             dir);
    cr_assert(strstr(warn, want), "%s", warn);
    isr_timetable_free(tt);
}

/* agency_timezone: feed A is in Asia/Shanghai; a copy of it in folder b names
 * Asia/Tokyo, then Asia/Seoul on its line 3. Times are read as given (1:t1 and
 * 2:t1 both leave at 8:00), each difference warned about. */
Test(gtfs, real_feed_agency_timezones_differ)
{
    char b[300], cmd[1200];
    snprintf(b, sizeof b, "%s/b", dir);
    snprintf(cmd, sizeof cmd, "mkdir '%s' && cp '%s'/*.txt '%s'", b, dir, b);
    cr_assert_eq(system(cmd), 0);
    put(b, "agency.txt",
        "agency_id,agency_name,agency_url,agency_timezone\na,A,x,Asia/Tokyo\nb,B,x,Asia/Seoul\n");
    isr_ctx *ctx = isr_ctx_new();
    char warn[2048] = "", want[2048];
    isr_ctx_set_logger(ctx, keep_warnings, warn, ISR_LOG_WARN);
    const char *feeds[] = {dir, b};
    isr_timetable *tt = NULL;
    cr_assert_eq(isr_gtfs_read(ctx, feeds, 2, "2025-05-07", NULL, &tt), ISR_OK);
    trip_at(tt, "1:X1", HMS(8, 0, 0));
    trip_at(tt, "2:X1", HMS(8, 0, 0));
    snprintf(want, sizeof want,
             "gtfs '%s' agency.txt line 3: agency_timezone 'Asia/Seoul' differs from "
             "'Asia/Tokyo' above; GTFS wants one zone per feed, times are read as given|"
             "gtfs '%s': agency_timezone 'Asia/Tokyo', but gtfs '%s' has 'Asia/Shanghai'; "
             "each feed's times are read as given, so where the two zones' clocks differ its "
             "trips are shifted by that difference against the other's|",
             b, b, dir);
    cr_assert(strstr(warn, want), "%s", warn);
    isr_timetable_free(tt);
    isr_ctx_free(ctx);
}

/* A feed saved in Latin-1 (stop 'Y' named "Gen\xE8ve"): its bytes that are not UTF-8 went
 * into every output as they were, and no JSON or CSV reader took those files (a new-user
 * pass). They become U+FFFD, said once per file with the line of the first. */
Test(gtfs, text_that_is_not_utf8_is_replaced_and_said)
{
    put(dir, "stops.txt",
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
        "X1,X one,31.0,121.0,0,\nY,Gen\xE8ve \xFF,31.0,121.1,,\nX2,X two,31.0,121.001,0,\n"
        "Z,Z,31.0,121.2,0,\nBUS,B,31.0,121.3,0,\n");
    char warn[2048], want[1024];
    isr_timetable *tt = read_a_warnings(warn);
    const isr_tt_stop *y = &tt->stops[stop_no(tt, "Y")];
    cr_assert_str_eq(tt->stations[y->station].name, "Gen\xEF\xBF\xBDve \xEF\xBF\xBD");
    snprintf(want, sizeof want,
             "gtfs '%s' stops.txt: 2 bytes are not UTF-8 (the first on line 3), which GTFS "
             "text must be (a feed saved in another encoding?): replaced with U+FFFD in the "
             "outputs, where a name shows '\xEF\xBF\xBD'; save the file as UTF-8 for its names "
             "to show|",
             dir);
    cr_assert(strstr(warn, want), "%s", warn);
    isr_timetable_free(tt);
}

/* calendar_dates.txt adding a service on the date on one line and removing it on another:
 * the last row won, so the trips ran or not by the order of the rows (a new-user pass).
 * Refused, naming both lines; a row repeated as it is stays read once, and rows of other
 * dates do not matter. */
Test(gtfs, calendar_dates_adding_and_removing_one_date_is_refused)
{
    refused("calendar_dates.txt",
            "service_id,date,exception_type\nWD,20250507,2\nWE,20250505,1\nWD,20250507,1\n",
            NULL,
            "gtfs '%s' calendar_dates.txt line 4: service 'WD' is added on 20250507 here and "
            "removed on line 2; a date of a service has one row (GTFS's key is service_id and "
            "date): keep the right one");
    put(dir, "calendar_dates.txt",
        "service_id,date,exception_type\nWE,20250507,1\nWE,20250507,1\nWD,20250506,1\n"
        "WD,20250506,2\nHOL,20250506,1\n");
    char warn[2048];
    isr_timetable *tt = read_a_warnings(warn);
    cr_assert_not_null(trip_at(tt, "Z", HMS(9, 0, 0))); /* t2 (WE) runs on the date */
    isr_timetable_free(tt);
}

/* trips.txt's block_id (the train runs on as the block's next trip) is not read: said, so
 * that the journeys through such a join, charged --transfer, are known to be long. t1 and f1
 * run on the date (a Wednesday), t2 does not. */
Test(gtfs, block_ids_are_said_not_read)
{
    put(dir, "trips.txt",
        "route_id,service_id,trip_id,block_id\nR,WD,t1,b1\nR,WE,t2,b1\nHS,WD,late,\n"
        "HS,HOL,hol,\nBUSR,WD,bus,\nR,WD,f1,b2\nR,WD,f0,\nR,WD,ip,\n");
    char warn[2048], want[1024];
    isr_timetable *tt = read_a_warnings(warn);
    snprintf(want, sizeof want,
             "gtfs '%s' trips.txt: 2 trips of the date have a block_id (the first on line 2): "
             "staying aboard as the train runs on as the block's next trip is not read; such "
             "a change costs --transfer, as any other, so journeys through it come out longer "
             "by that much, or are not made within the budget|",
             dir);
    cr_assert(strstr(warn, want), "%s", warn);
    isr_timetable_free(tt);
}
