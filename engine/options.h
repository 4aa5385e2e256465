/*
 * options.h — the options of a run, as the engine sees them: the struct behind the opaque
 * isr_options of include/isoreach.h, and the calls that fill it on the stack.
 *
 * Clients only hold an isr_options * (isr_options_new/set/get/free), so a field added here
 * breaks no caller. Inside the engine and in the white-box tests the struct is a plain value:
 * isr_options_init() sets the defaults, isr_options_parse() reads `isoreach run` flags,
 * isr_options_clear() frees what it owns. String fields are borrowed (they must outlive the
 * run) unless set by the parser, which copies them into owned_. The CLI's own switches
 * (--quiet, --log-json) are not options: the CLI reads them and sets its logger and progress.
 */
#ifndef ISR_OPTIONS_H
#define ISR_OPTIONS_H

#include "isoreach.h"

#include <stdint.h>

#define ISR_MAX_FEEDS 8 /* --gtfs feeds of one run */
#define ISR_MAX_SCENARIOS 16 /* --scenario NAME=PATH of one run */

typedef enum isr_wait { ISR_WAIT_HALF_HEADWAY, ISR_WAIT_NONE } isr_wait;
typedef enum isr_direction { ISR_FROM_HUB, ISR_TO_HUB } isr_direction;
/* The local-travel search: isotropic (straight lines where friction is uniform) or the
 * 16-neighbour kernel equal to GRASS r.cost -k. */
typedef enum isr_kernel { ISR_KERNEL_ISOTROPIC, ISR_KERNEL_RCOST } isr_kernel;
/* The language of what readers see (--lang): maps, legends, the web map, table labels.
 * English names come from the inputs' *_en fields where they have them. */
typedef enum isr_lang { ISR_LANG_EN, ISR_LANG_ZH, ISR_LANG_BOTH } isr_lang;
/* The local-travel preset (--access): transit is today's default numbers. */
typedef enum isr_access { ISR_ACCESS_TRANSIT, ISR_ACCESS_WALK, ISR_ACCESS_BIKE, ISR_ACCESS_CAR }
    isr_access;

struct isr_options {
    /* Inputs: any OGR source (a path, or an http(s) URL). */
    const char *boundaries;       /* polygons of admin units (default: the embedded sample) */
    const char *stations;         /* points: rail stations */
    const char *lines;            /* linestrings: rail lines */
    const char *boundaries_layer; /* layer names; NULL: the source's first layer */
    const char *stations_layer;
    const char *lines_layer;
    const char *encoding;         /* shapefile text encoding (e.g. "GBK"); NULL: .cpg/LDID */
    const char *friction;         /* optional raster: seconds per metre, nodata = barrier */
    const char *roads;            /* optional lines burned into the friction (roads.c); the
                                     sample's crossings when the sample is used */
    const char *roads_layer;
    const char *road_speed_field; /* km/h per road (default "speed_kmh" without classes) */
    const char *road_classes;     /* class -> km/h: "k=v,k=v" or a CSV file "class,speed_kmh" */
    const char *road_class_field; /* default "class" */
    const char *water;            /* optional polygons: impassable, no people (default: the
                                     sample's, with the sample's boundaries; "none": off) */
    const char *water_layer;

    /* Field names. */
    const char *station_id_field;   /* default "id" */
    const char *station_name_field; /* default "name" */
    const char *station_name_en_field; /* default "name_en": English name; absent: none */
    const char *hub_field;          /* default "hub" (non-zero: a hub) */
    const char *line_name_field;    /* default "name" */
    const char *line_speed_field;   /* default "speed_kmh" */
    const char *line_headway_field; /* default "headway" (minutes) */
    const char *line_headway_back_field; /* default "headway_bk": minutes between trains
                                            running against the stop order; absent or blank:
                                            the same as headway */
    const char *line_minutes_field; /* default "minutes" ("17;8;;12": run minutes per stop
                                       pair, blank where unknown); absent field: none */
    const char *line_stops_field;   /* default "stops": "id;id;…", the calls of a service that
                                       skips stations (an express); blank or absent: every
                                       station within snap_m of the line is a stop */

    /* Boundary fields: the unit hierarchy county -> prefecture -> province. Absent prefecture
     * or province fields are derived from 6-digit GB/T 2260 codes (first 4 / 2 digits). */
    const char *unit_id_field;     /* default "code" (absent: the feature id) */
    const char *unit_name_field;   /* default "name" */
    const char *pref_field;        /* default "pref_code" */
    const char *pref_name_field;   /* default "pref_name" */
    const char *prov_field;        /* default "prov_code" */
    const char *prov_name_field;   /* default "prov_name" */
    const char *unit_name_en_field; /* default "name_en": English names, carried to the */
    const char *pref_name_en_field; /* tables and GeoJSON (default "pref_en", "prov_en"); */
    const char *prov_name_en_field; /* an absent default field: no English names */
    const char *pop_field;         /* default "pop": people per unit, spread over its cells */
    const char *population;        /* optional raster of people per cell; overrides pop_field */

    const char *hubs; /* comma-separated station ids; NULL: every station flagged hub */
    const char *bands;  /* isochrone band limits in minutes "15,30,45,60"; NULL: every 15
                           minutes up to the budget */
    double min_area_km2; /* isochrone parts and holes smaller than this are dropped (0.1) */
    double simplify_m;   /* isochrone simplification tolerance, at most one cell (0: none) */

    double budget_min;       /* time budget, minutes (default 60) */
    double resolution_m;     /* cell size, metres (default 250) */
    const char *crs;         /* analysis CRS (any PROJ/GDAL definition); NULL: fitted Albers */
    double egress_speed_kmh; /* local travel speed (default 20) */
    double detour;           /* local route length ÷ straight line (default 1.3) */
    double dwell_min;        /* dwell at each intermediate stop (default 2) */
    double transfer_min;     /* walking and buffer to change lines (default 6) */
    isr_wait wait;           /* boarding wait (default half the headway) */
    isr_direction direction; /* from the hub (default) or to it */
    double snap_m;           /* stations within this distance of a line are its stops (500) */
    double max_memory_mb;    /* refuse grids needing more than this (default 16384) */
    int threads;             /* worker threads; 0: one per core */
    const char *out;         /* output folder (default "out") */
    int overwrite;           /* recompute hubs whose outputs exist (default: skip them) */
    int shard_k, shard_n;    /* --shard K/N (run control, not in run.json): the K-th of N
                                shares of the hubs (shard.c); 0/0: every hub */
    int reuse_only;          /* isr_merge: every hub's outputs must be reused, none computed */
    int recount_reused;      /* isr_merge after isoreach reach: a reused hub's tables and
                                isochrones are counted again on the run's boundaries */
    int write_friction;      /* also write OUT/region/friction.tif (seconds per metre) */
    int no_maps;             /* do not draw the maps at the end of isr_run (isr_map_run) */
    const char *map_attribution; /* data credits printed on every map; NULL: the sample's
                                    credits for the sample, else the input file names */

    double min_reach_km2; /* a county counts as reached only when at least this much of it
                             is within the budget (default 0.5): slivers of one or two cells
                             along a border are not "reach" (see README) */
    double timeout_s; /* http(s) inputs: seconds without an answer before failing (60) */
    const char *model_cache; /* folder of model caches (modelcache.c); NULL or "none": off */
    double model_cache_max_mb; /* --model-cache-max: the folder's model files least recently
                                  used are removed beyond this in all (default 10240); 0: no
                                  limit */
    const char *cache;      /* http(s) inputs: cache folder (fetch.c); NULL: the XDG default;
                               "none": a temporary copy removed at the end */
    double max_download_mb; /* http(s) inputs: the largest download accepted (2048 MB) */
    isr_kernel kernel; /* local-travel search (default ISR_KERNEL_ISOTROPIC; --kernel) */
    isr_lang lang;     /* language of maps, web map and labels (default ISR_LANG_EN; --lang) */
    /* Transfers between stations (transfers.c): stations within transfer_radius_m (straight
     * line; 0: none) are linked by their local travel time (distance × detour ÷ speed);
     * `transfers` is a CSV table from_id,to_id,minutes[,directed] that overrides them (the
     * sample's yrd_transfers.csv by default, used only with the sample's stations). */
    double transfer_radius_m; /* default 1000 */
    const char *transfers;
    isr_access access; /* local-travel preset (default ISR_ACCESS_TRANSIT; --access) */

    /* GTFS mode (issue 14): the rail network is the timetable of gtfs[0..ngtfs-1] (--gtfs,
     * repeatable; paths or URLs) on `date`, searched over departures from the window
     * ("HH:MM-HH:MM", every step_min) or at `departure` alone; travel time per cell is the
     * percentile `percentile` of the `percentiles` list ("5,25,50,75,95"; added to it when
     * absent). isr_gtfs_settings_get() reads and checks them all. */
    const char *gtfs[ISR_MAX_FEEDS];
    int ngtfs;
    const char *date;        /* "YYYY-MM-DD", required with --gtfs */
    const char *window;      /* "HH:MM-HH:MM"; NULL: the single departure */
    const char *departure;   /* "HH:MM" (default "08:00") */
    double step_min;         /* minutes between departures in the window (default 1) */
    const char *percentiles; /* default "5,25,50,75,95" */
    double percentile;       /* the one isochrones and reach use (default 50) */
    const char *route_types; /* GTFS route_type list (default "2,100-117": rail) */

    /* Scenarios (issue 15, scenario.c): --scenario NAME=PATH (repeatable), run beside the
     * baseline into OUT/scenarios/NAME/. */
    const char *scenario_name[ISR_MAX_SCENARIOS];
    const char *scenario_path[ISR_MAX_SCENARIOS];
    int nscenarios;

    char command_[8]; /* private: "reach" or "map" when made for one (isr_options_new's
                       * argv[0]), so that isr_options_set refuses what they refuse */
    void *owned_; /* private: strings the options own */
};

/* Sets every field to its default. The input fields point at the embedded sample when the
 * engine was built from the source tree (ISR_SAMPLE_DIR), else NULL. */
void isr_options_init(isr_options *opt);

/* Parses `isoreach run` flags (argv[0] is the subcommand name and is skipped). Unknown
 * flags, missing values and out-of-range numbers fail with ISR_ERR_USAGE and a message
 * naming the flag. Strings are copied into the options. */
isr_status isr_options_parse(isr_ctx *ctx, isr_options *opt, int argc, char **argv);

/* Frees what the options own; the struct may be reused after isr_options_init(). */
ISR_INTERNAL void isr_options_clear(isr_options *opt);

/* The input datasets of `opt` (--boundaries, --stations, --lines, --friction, --roads,
 * --road-classes, --water, --population, --transfers, in that order; NULL where not set): the flags into names[i] and the paths into paths[i],
 * at most `max`; returns how many. The one list of inputs: isr_options_to_json records
 * these absolute, the resume fingerprint hashes them file by file (not by name). */
int isr_options_inputs(const isr_options *opt, const char **names, const char **paths, int max);
/* Whether two paths name one file: the same text, or the same real path (a relative or
 * symbolic-link path counts); NULL: no. */
int isr_same_file(const char *a, const char *b);
/* The one rule of the sample's defaults (the crossings and the water go with the sample's
 * boundaries, the transfers table with its stations or its GTFS feed): whether `value`, the
 * value of `flag`, is the sample's file `sample` by default (the flag not given) while the
 * input it goes with, `owner`, is not the sample's `owner_sample`, so that it is left out.
 * A flag given is always used. */
int isr_sample_default_unused(const isr_options *opt, const char *flag, const char *value,
                              const char *sample, const char *owner, const char *owner_sample);

/* An --access preset: local speed and detour off the roads, the fastest a road may be
 * travelled at (0: its own speed) and the road classes it may not use ("a,b"; "" none). */
typedef struct isr_access_preset {
    const char *name;
    double speed_kmh, detour, road_cap_kmh;
    const char *no_classes;
} isr_access_preset;
ISR_INTERNAL const isr_access_preset *isr_access_get(isr_access a);
/* --lang: the language named s (en, zh, both), or -1; and a language's name. */
ISR_INTERNAL int isr_lang_parse(const char *s);
ISR_INTERNAL const char *isr_lang_name(isr_lang lang);
/* The roads a run burns: opt->roads, but NULL for the sample's crossings (the default) when
 * the boundaries are not the sample's. Borrowed. */
ISR_INTERNAL const char *isr_options_roads(const isr_options *opt);
/* The threads --threads asks for: its value, or one per online core when 0 (at least 1). */
ISR_INTERNAL int isr_options_threads(const isr_options *opt);

/* The GTFS settings of `opt` in numbers: the departures from_s .. to_s (exclusive) every
 * step_s (a single departure: to_s = from_s + 1), the percentiles in increasing order with
 * `chosen` the index of opt->percentile, and `label` ("07:00-09:00" or "08:00"). Fails
 * (ISR_ERR_USAGE) with the flag's message for a bad value; ngtfs == 0 is not checked here. */
typedef struct isr_gtfs_settings {
    int32_t from_s, to_s, step_s;
    double pct[64];
    int npct, chosen, added; /* added: opt->percentile was not in the list */
    char label[32];
} isr_gtfs_settings;
ISR_INTERNAL isr_status isr_gtfs_settings_get(isr_ctx *ctx, const isr_options *opt,
                                              isr_gtfs_settings *gs);

#endif /* ISR_OPTIONS_H */
