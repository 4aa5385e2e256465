/*
 * timetable.h — scheduled trips for one service day (issue 14): what the GTFS reader (gtfs.c)
 * builds and the profile search (profile.c) reads. Plain C, no GDAL: a test can build one by
 * hand. Times are seconds after midnight of the service day (GTFS's noon minus 12 h), and may
 * pass 24:00 (a trip after midnight stays on the day it started).
 *
 * Layout: trips are sorted by their first departure; a trip's stop times are contiguous,
 * st[trip.first .. trip.first + trip.n - 1], in stop_sequence order. Frequency-based trips are
 * already expanded into trips (gtfs.c says how). Stops are the boarding points (GTFS
 * location_type 0); `station` groups them (a parent station, or the stop itself), and the
 * stations are what the grid is seeded from and what hubs are.
 */
#ifndef ISR_TIMETABLE_H
#define ISR_TIMETABLE_H

#include <stdint.h>

enum {
    ISR_TT_NO_PICKUP = 1,  /* pickup_type 1: no boarding here */
    ISR_TT_NO_DROPOFF = 2, /* drop_off_type 1: no alighting here */
};

typedef struct isr_tt_stop {
    char *id;      /* feed-qualified when several feeds are read ("feed:stop"), unique */
    char *name;
    double lon, lat;
    int station;   /* index into stations */
} isr_tt_stop;

typedef struct isr_tt_station {
    char *id;      /* the parent station's id, or the stop's own when it has none */
    char *name;
    double lon, lat;
} isr_tt_station;

/* A stops.txt id no trip calls at: an entrance or exit (location_type 2), a generic node (3)
 * or a boarding area (4), and the station it belongs to (its parent_station, or for a
 * boarding area its platform's station), so that --hubs may name it (gtfsrun.c). */
typedef struct isr_tt_alias {
    char *id;    /* feed-qualified like the stops' */
    int station; /* index into stations; -1: it names no parent, or no kept trip calls there */
    int type;    /* its location_type: 2, 3 or 4 */
} isr_tt_alias;

typedef struct isr_tt_stop_time {
    int32_t stop;  /* index into stops */
    int32_t arr, dep; /* seconds after the service day's midnight; arr <= dep */
    uint8_t flags; /* ISR_TT_NO_PICKUP | ISR_TT_NO_DROPOFF */
} isr_tt_stop_time;

typedef struct isr_tt_trip {
    int32_t first, n; /* its stop times: st[first .. first + n - 1] */
    int32_t route;    /* index into route_ids */
    int32_t headway_s; /* 0: a scheduled trip; > 0: expanded from a frequencies.txt row with
                          this headway (gtfs.c: departures at start_time + k·headway) */
} isr_tt_trip;

/* A minimum time to change between two stops (GTFS transfers.txt type 2, or type 0 with the
 * feed's default), or a forbidden change (type 3: min_s < 0). */
typedef struct isr_tt_transfer {
    int32_t from, to; /* stops */
    int32_t min_s;
    int32_t pen_s; /* of min_s, the --transfer of a change over a link (gtfsrun.c,
                      scenario_gtfs.c: link minutes + --transfer); 0 for the feed's rows.
                      Not paid walking from the origin, where no train was left (profile.c) */
} isr_tt_transfer;

/* A route's names and type (routes.txt), beside route_ids. */
typedef struct isr_tt_route {
    char *short_name, *long_name; /* "" when absent */
    int type;
} isr_tt_route;

/* One polyline of a route, for maps (gtfs.c): a shapes.txt shape of its trips, or the stops of
 * one stop pattern; points pts[2·first .. 2·(first + n) - 1] as lon, lat pairs. */
typedef struct isr_tt_part {
    int32_t route, first, n;
} isr_tt_part;

typedef struct isr_timetable {
    int nstops, nstations, ntrips, nst, ntransfers, nroutes;
    isr_tt_stop *stops;
    isr_tt_station *stations;
    isr_tt_trip *trips;
    isr_tt_stop_time *st;
    isr_tt_transfer *transfers;
    char **route_ids;
    isr_tt_route *routes; /* nroutes */
    isr_tt_part *parts;   /* nparts, in reading order */
    isr_tt_alias *aliases; /* naliases: entrances, nodes, boarding areas (NULL in a copy) */
    int naliases;
    double *pts;          /* npts lon, lat pairs */
    int nparts, npts;
    int32_t default_transfer_s; /* a change of trip at one station without a transfers row */
    int32_t latest_s; /* the latest time of any trip of the chosen types in the feeds, of any
                       * day (past 24:00 when trips run on after midnight) */
} isr_timetable;

void isr_timetable_free(isr_timetable *tt);
/* Sorts the trips by first departure (ties keep their order) and lays the stop times out in
 * that order, as the searches need (gtfs.c; a scenario's copy, scenario_gtfs.c; the reversed
 * timetable of --direction to, profile.c): 0, or -1
 * when out of memory (tt unchanged). */
int isr_tt_sort_trips(isr_timetable *tt);

#endif
