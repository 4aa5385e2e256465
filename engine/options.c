/*
 * options.c — the run options: defaults, the `isoreach run` flag parser and its help.
 *
 * As in GDAL's gdal_utils, the library parses the command line so that the same flags mean
 * the same thing from C and from the CLI. The parser is strict: every value is checked for
 * form and range and a bad one is refused with a message naming the flag. Strings it sets
 * are copied into memory the options own (owned_), freed by isr_options_clear(). Clients see
 * the options only through isr_options_new/set/get/free (the struct is in options.h). One
 * table (flags[]) names every valued flag, where it goes and whether it is an input dataset:
 * the parser, the getter, run.json and the resume fingerprint all read it.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "internal.h"

#include <cpl_error.h>
#include <cpl_string.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef ISR_SAMPLE_DIR
#define ISR_SAMPLE_ROADS ISR_SAMPLE_DIR "/yrd_crossings.shp"
#define ISR_SAMPLE_BOUNDARIES ISR_SAMPLE_DIR "/yrd_counties.shp"
#endif

typedef struct owned {
    char **v;
    int n, cap;
    const char *given[96]; /* the flags isr_options_parse set (static names), in order */
    int ngiven;
    const char *twice[8]; /* flags given again, "--budget ('45')" (isr_options_twice_warn) */
    int ntwice;
    char text[40]; /* isr_options_get's last number, as text */
} owned;

void isr_options_init(isr_options *opt)
{
    memset(opt, 0, sizeof *opt);
#ifdef ISR_SAMPLE_DIR
    opt->boundaries = ISR_SAMPLE_BOUNDARIES;
    opt->stations = ISR_SAMPLE_DIR "/yrd_rail_stations.shp";
    opt->lines = ISR_SAMPLE_DIR "/yrd_rail_lines.shp";
    opt->transfers = ISR_SAMPLE_DIR "/yrd_transfers.csv";
    opt->roads = ISR_SAMPLE_ROADS; /* the crossings, with the sample only (sample_roads) */
    opt->water = ISR_SAMPLE_DIR "/yrd_water.shp"; /* with the sample's boundaries only */
#endif
    opt->transfer_radius_m = 1000;
    opt->road_class_field = "class";
    opt->station_id_field = "id";
    opt->station_name_field = "name";
    opt->station_name_en_field = "name_en";
    opt->hub_field = "hub";
    opt->line_name_field = "name";
    opt->line_speed_field = "speed_kmh";
    opt->line_headway_field = "headway";
    opt->line_headway_back_field = "headway_bk";
    opt->line_minutes_field = "minutes";
    opt->line_stops_field = "stops";
    opt->unit_id_field = "code";
    opt->unit_name_field = "name";
    opt->pref_field = "pref_code";
    opt->pref_name_field = "pref_name";
    opt->prov_field = "prov_code";
    opt->prov_name_field = "prov_name";
    opt->unit_name_en_field = "name_en";
    opt->pref_name_en_field = "pref_en";
    opt->prov_name_en_field = "prov_en";
    opt->pop_field = "pop";
    opt->min_area_km2 = 0.1;
    opt->min_reach_km2 = 0.5;
    opt->budget_min = 60;
    opt->resolution_m = 250;
    opt->egress_speed_kmh = 20;
    opt->detour = 1.3;
    opt->dwell_min = 2;
    opt->transfer_min = 6;
    opt->wait = ISR_WAIT_HALF_HEADWAY;
    opt->direction = ISR_FROM_HUB;
    opt->kernel = ISR_KERNEL_ISOTROPIC;
    opt->snap_m = 500;
    opt->max_memory_mb = 16384;
    opt->threads = 0;
    opt->out = "out";
    opt->timeout_s = 60;
    opt->max_download_mb = 2048;
    opt->model_cache_max_mb = 10240;
    opt->departure = "08:00";
    opt->step_min = 1;
    opt->percentiles = "5,25,50,75,95";
    opt->percentile = 50;
    opt->route_types = "2,100-117";
}

void isr_options_clear(isr_options *opt)
{
    owned *o = opt->owned_;
    if (o) {
        for (int i = 0; i < o->n; i++)
            free(o->v[i]);
        free(o->v);
        free(o);
    }
    opt->owned_ = NULL;
}

static owned *owned_get(isr_options *opt)
{
    if (!opt->owned_)
        opt->owned_ = calloc(1, sizeof(owned));
    return opt->owned_;
}

/* Keeps c (a new string, NULL: out of memory) with the options; it is freed with them. */
static const char *keep_new(isr_options *opt, char *c)
{
    owned *o = owned_get(opt);
    if (o && c && o->n == o->cap) {
        int nc = o->cap ? 2 * o->cap : 16;
        char **p = realloc(o->v, (size_t)nc * sizeof *p);
        if (p) {
            o->v = p;
            o->cap = nc;
        }
    }
    if (!o || !c || o->n == o->cap) {
        free(c);
        return NULL;
    }
    o->v[o->n++] = c;
    return c;
}

/* A copy of s kept with the options; a URL with its credentials written as *** (urlsecret.c:
 * only the download sees them). */
static const char *keep(isr_options *opt, const char *s)
{
    return keep_new(opt, isr_is_url(s) ? isr_url_hide(s) : strdup(s));
}

static isr_status parse_num(isr_ctx *ctx, const char *flag, const char *s, double lo, double hi,
                            int lo_open, double *out)
{
    char *end;
    errno = 0;
    double v = isr_strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return isr_fail(ctx, ISR_ERR_USAGE, "%s: '%s' is not a number", flag, s);
    if ((lo_open ? !(v > lo) : !(v >= lo)) || v > hi)
        return isr_fail(ctx, ISR_ERR_USAGE, "%s: %s is out of range (%s %g to %g)", flag, s,
                        lo_open ? "more than" : "from", lo, hi);
    *out = v;
    return ISR_OK;
}

/* One flag: its name, where a string goes, or how a number is checked. */
typedef struct flag {
    const char *name;
    size_t str_off;   /* offset of a const char * field, or 0 */
    size_t num_off;   /* offset of a double field, or 0 */
    double lo, hi;
    int lo_open;
    int input; /* an input dataset: recorded absolute, fingerprinted file by file */
} flag;

#define STR(f, field) {f, offsetof(isr_options, field), 0, 0, 0, 0, 0}
#define INPUT(f, field) {f, offsetof(isr_options, field), 0, 0, 0, 0, 1}
#define NUM(f, field, lo, hi, open) {f, 0, offsetof(isr_options, field), lo, hi, open, 0}

static const flag flags[] = {
    INPUT("--boundaries", boundaries),
    STR("--boundaries-layer", boundaries_layer),
    INPUT("--stations", stations),
    STR("--stations-layer", stations_layer),
    INPUT("--lines", lines),
    STR("--lines-layer", lines_layer),
    INPUT("--friction", friction),
    INPUT("--roads", roads),
    STR("--roads-layer", roads_layer),
    STR("--road-speed-field", road_speed_field),
    INPUT("--road-classes", road_classes),
    STR("--road-class-field", road_class_field),
    INPUT("--water", water),
    STR("--water-layer", water_layer),
    STR("--encoding", encoding),
    STR("--station-id", station_id_field),
    STR("--station-name", station_name_field),
    STR("--station-name-en", station_name_en_field),
    STR("--hub-field", hub_field),
    STR("--line-name", line_name_field),
    STR("--line-speed", line_speed_field),
    STR("--line-headway", line_headway_field),
    STR("--line-headway-back", line_headway_back_field),
    STR("--line-minutes", line_minutes_field),
    STR("--line-stops", line_stops_field),
    STR("--hubs", hubs),
    STR("--bands", bands),
    STR("--unit-id", unit_id_field),
    STR("--unit-name", unit_name_field),
    STR("--pref-field", pref_field),
    STR("--pref-name", pref_name_field),
    STR("--prov-field", prov_field),
    STR("--prov-name", prov_name_field),
    STR("--unit-name-en", unit_name_en_field),
    STR("--pref-name-en", pref_name_en_field),
    STR("--prov-name-en", prov_name_en_field),
    STR("--pop-field", pop_field),
    INPUT("--population", population),
    INPUT("--transfers", transfers),
    STR("--crs", crs),
    STR("--out", out),
    STR("--attribution", map_attribution),
    NUM("--budget", budget_min, 0, 1440, 1),
    NUM("--resolution", resolution_m, 0, 1e6, 1),
    NUM("--egress-speed", egress_speed_kmh, 0, 1000, 1),
    NUM("--detour", detour, 1, 10, 0),
    NUM("--dwell", dwell_min, 0, 120, 0),
    NUM("--transfer", transfer_min, 0, 240, 0),
    NUM("--transfer-radius", transfer_radius_m, 0, 100000, 0),
    NUM("--snap", snap_m, 0, 100000, 1),
    NUM("--min-area", min_area_km2, 0, 1e6, 0),
    NUM("--min-reach", min_reach_km2, 0, 1e6, 0),
    NUM("--simplify", simplify_m, 0, 1e6, 0),
    NUM("--max-memory", max_memory_mb, 0, 1e9, 1),
    NUM("--timeout", timeout_s, 0, 86400, 1),
    STR("--cache", cache),
    STR("--model-cache", model_cache),
    NUM("--model-cache-max", model_cache_max_mb, 0, 1e9, 0),
    NUM("--max-download", max_download_mb, 0, 1e7, 1),
    STR("--date", date), /* GTFS mode; --gtfs itself is a list (gtfs_add) */
    STR("--window", window),
    STR("--departure", departure),
    NUM("--step", step_min, 0, 1440, 1),
    STR("--percentiles", percentiles),
    NUM("--percentile", percentile, 0, 100, 1),
    STR("--route-types", route_types),
};

/* The switches: flags without a value, each setting an int field to 1. */
typedef struct switch_flag {
    const char *name;
    size_t off;
} switch_flag;

static const switch_flag switches[] = {
    {"--overwrite", offsetof(isr_options, overwrite)},
    {"--write-friction", offsetof(isr_options, write_friction)},
    {"--no-maps", offsetof(isr_options, no_maps)},
};

static const switch_flag *switch_find(const char *name)
{
    for (size_t k = 0; k < sizeof switches / sizeof *switches; k++)
        if (strcmp(switches[k].name, name) == 0)
            return &switches[k];
    return NULL;
}

static const flag *flag_find(const char *name);

/* `name` with its leading dashes ("budget" and "--budget" alike) into buf. */
static const char *dashed(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "--%s", name + strspn(name, "-")); /* "budget", "-budget", "--budget" */
    return buf;
}

/* Records that `flag` (a static string) was set by isr_options_parse. */
static void mark_given(isr_options *opt, const char *flag)
{
    owned *o = owned_get(opt);
    if (!o || isr_options_given(opt, flag))
        return;
    if (o->ngiven < (int)(sizeof o->given / sizeof *o->given))
        o->given[o->ngiven++] = flag;
}

/* --threads N: a whole number from 0 (every core) to 1024. */
static isr_status parse_threads(isr_ctx *ctx, isr_options *opt, const char *val)
{
    double v;
    isr_status st = parse_num(ctx, "--threads", val, 0, 1024, 0, &v);
    if (st == ISR_OK && v != floor(v))
        st = isr_fail(ctx, ISR_ERR_USAGE, "--threads: '%s' is not a whole number", val);
    if (st == ISR_OK)
        opt->threads = (int)v;
    return st;
}

/* A flag given again (not --scenario nor --gtfs, which add one each time): noted, with the
 * value that wins, for isr_options_twice_warn (the last one won without a word). */
static void twice_note(isr_options *opt, const char *name, const char *val)
{
    owned *o = owned_get(opt);
    if (!o || o->ntwice >= 8 || strcmp(name, "--scenario") == 0 || strcmp(name, "--gtfs") == 0 ||
        !isr_options_given(opt, name))
        return;
    char note[160];
    isr_snprintf(note, sizeof note, "%s ('%.100s')", name, val);
    const char *k = keep(opt, note);
    if (k)
        o->twice[o->ntwice++] = k;
}

void isr_options_twice_warn(isr_ctx *ctx, const isr_options *opt)
{
    const owned *o = opt->owned_;
    if (!o || o->ntwice == 0)
        return;
    isr_sb b = {0};
    for (int i = 0; i < o->ntwice; i++)
        isr_sb_printf(&b, "%s%s", i ? ", " : "", o->twice[i]);
    char *list = isr_sb_take(&b);
    /* information, not a warning: a script's defaults followed by an override (FLAGS
     * --budget 45) give flags twice on purpose */
    isr_log(ctx, ISR_LOG_INFO, "given more than once, the last value is used: %s",
            list ? list : "");
    free(list);
}

int isr_options_given(const isr_options *opt, const char *flag)
{
    const owned *o = opt->owned_;
    for (int i = 0; o && i < o->ngiven; i++)
        if (strcmp(o->given[i], flag) == 0)
            return 1;
    return 0;
}

/* The flags of argv[1..argc-1] into opt (isr_options_parse without its context reset, for
 * isr_options_new and isr_options_set too). */
static isr_status parse_args(isr_ctx *ctx, isr_options *opt, int argc, char **argv);
static isr_status parse_flags(isr_ctx *ctx, isr_options *opt, int argc, char **argv);

isr_status isr_options_parse(isr_ctx *ctx, isr_options *opt, int argc, char **argv)
{
    isr_ctx_reset(ctx);
    return parse_args(ctx, opt, argc, argv);
}

isr_options *isr_options_new(isr_ctx *ctx, int argc, char **argv)
{
    isr_ctx_reset(ctx);
    isr_options *opt = malloc(sizeof *opt);
    if (!opt) {
        isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        return NULL;
    }
    isr_options_init(opt);
    if (!owned_get(opt)) { /* now, so that isr_options_get has its text buffer */
        free(opt);
        isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        return NULL;
    }
    if (argc > 0 && argv[0] && (strcmp(argv[0], "reach") == 0 || strcmp(argv[0], "map") == 0))
        snprintf(opt->command_, sizeof opt->command_, "%s", argv[0]);
    if (argc > 1 && parse_args(ctx, opt, argc, argv) != ISR_OK) {
        isr_options_free(opt);
        return NULL;
    }
    return opt;
}

isr_status isr_options_set(isr_ctx *ctx, isr_options *opt, const char *name, const char *value)
{
    isr_ctx_reset(ctx);
    if (!name || !*name)
        return isr_fail(ctx, ISR_ERR_USAGE, "isr_options_set: no option name");
    char flag[80];
    char *argv[] = {opt->command_[0] ? opt->command_ : "set",
                    (char *)dashed(name, flag, sizeof flag), (char *)value, NULL};
    if (value && switch_find(flag))
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "%s is a switch: it takes no value ('%s'); set it with no value (NULL; "
                        "True from Python), and leave it out to have it off",
                        flag, value);
    return parse_args(ctx, opt, value ? 3 : 2, argv);
}

void isr_options_free(isr_options *opt)
{
    if (!opt)
        return;
    isr_options_clear(opt);
    free(opt);
}

/* `--transfers none`: no table, not even the sample's default one; `--population none` and
 * `--friction none`: none (for `reach`, not the run's either). */
static int is_none(const flag *fl, const char *val)
{
    return (strcmp(fl->name, "--transfers") == 0 || strcmp(fl->name, "--population") == 0 ||
            strcmp(fl->name, "--friction") == 0) &&
           strcmp(val, "none") == 0;
}

/* The presets of --access. transit is the default's numbers (a bus and walking mix, roads
 * at their own speed); walk and bike may not use motorways or expressways and go no faster
 * on a road than their own speed (a road still takes them across a river); car drives the
 * roads at their speed and the streets between them at 30 km/h. */
static const isr_access_preset presets[] = {
    [ISR_ACCESS_TRANSIT] = {"transit", 20, 1.3, 0, ""},
    [ISR_ACCESS_WALK] = {"walk", 5, 1.3, 5, "motorway,motorway_link,expressway"},
    [ISR_ACCESS_BIKE] = {"bike", 15, 1.3, 15, "motorway,motorway_link,expressway"},
    [ISR_ACCESS_CAR] = {"car", 30, 1.3, 0, ""},
};

const isr_access_preset *isr_access_get(isr_access a)
{
    return &presets[a >= ISR_ACCESS_TRANSIT && a <= ISR_ACCESS_CAR ? a : ISR_ACCESS_TRANSIT];
}

/* --access NAME: the preset's speed and detour, unless --egress-speed or --detour was given
 * (before or after it: the parser sets those when it reads them). */
static isr_status parse_access(isr_ctx *ctx, isr_options *opt, const char *val)
{
    for (int a = ISR_ACCESS_TRANSIT; a <= ISR_ACCESS_CAR; a++)
        if (strcmp(val, presets[a].name) == 0) {
            opt->access = (isr_access)a;
            if (!isr_options_given(opt, "--egress-speed"))
                opt->egress_speed_kmh = presets[a].speed_kmh;
            if (!isr_options_given(opt, "--detour"))
                opt->detour = presets[a].detour;
            mark_given(opt, "--access");
            return ISR_OK;
        }
    return isr_fail(ctx, ISR_ERR_USAGE, "--access: '%s' is not one of transit, walk, bike, car",
                    val);
}

int isr_same_file(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    if (strcmp(a, b) == 0)
        return 1;
    char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
    int same = ra && rb && strcmp(ra, rb) == 0;
    free(ra);
    free(rb);
    return same;
}

/* Whether files a and b hold the same bytes (sizes first: a full read only for equal sizes). */
static int same_bytes(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0 || !S_ISREG(sa.st_mode) ||
        !S_ISREG(sb.st_mode) || sa.st_size != sb.st_size)
        return 0;
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    char ba[65536], bb[65536];
    size_t na;
    while (same && (na = fread(ba, 1, sizeof ba, fa)) > 0)
        same = fread(bb, 1, na, fb) == na && memcmp(ba, bb, na) == 0;
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* Whether `path` is the sample's layer `sample` or a copy of it, byte for byte (a
 * shapefile with its .dbf): a copy of the sample's files in a folder of the user's is the
 * sample, whose water, crossings and transfers go with it (they were dropped without a word:
 * 1.66 M people fewer within Shanghai Hongqiao's hour, a new-user pass). */
static int sample_layer(const char *path, const char *sample)
{
    if (!path || !sample)
        return 0;
    if (isr_same_file(path, sample))
        return 1;
    size_t n = strlen(path), k = strlen(sample);
    if (!same_bytes(path, sample))
        return 0;
    if (n < 4 || k < 4 || strcasecmp(path + n - 4, ".shp") != 0)
        return 1;
    char *pd = isr_strdup_printf("%.*s.dbf", (int)(n - 4), path);
    char *sd = isr_strdup_printf("%.*s.dbf", (int)(k - 4), sample);
    int same = pd && sd && same_bytes(pd, sd);
    free(pd);
    free(sd);
    return same;
}

int isr_sample_default_unused(const isr_options *opt, const char *flag, const char *value,
                              const char *sample, const char *owner, const char *owner_sample)
{
    return value && !isr_options_given(opt, flag) && isr_same_file(value, sample) &&
           !sample_layer(owner, owner_sample);
}

/* Whether opt->roads is the sample's crossings while the boundaries are not the sample's:
 * the crossings go with the sample only. */
static int sample_roads_unused(const isr_options *opt)
{
#ifdef ISR_SAMPLE_DIR
    return isr_sample_default_unused(opt, "--roads", opt->roads, ISR_SAMPLE_ROADS,
                                     opt->boundaries, ISR_SAMPLE_BOUNDARIES);
#else
    (void)opt;
    return 0;
#endif
}

int isr_options_threads(const isr_options *opt)
{
    if (opt->threads > 0)
        return opt->threads;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    return ncpu > 0 ? (int)ncpu : 1;
}

const char *isr_options_roads(const isr_options *opt)
{
    if (opt->roads && strcmp(opt->roads, "none") == 0)
        return NULL; /* --roads none: the sample without its crossings */
    return sample_roads_unused(opt) ? NULL : opt->roads;
}

static isr_status parse_args(isr_ctx *ctx, isr_options *opt, int argc, char **argv)
{
    isr_status st = parse_flags(ctx, opt, argc, argv);
    if (st == ISR_OK && sample_roads_unused(opt))
        opt->roads = NULL; /* so that run.json says what the run uses */
    return st;
}

static const char *const lang_names[] = {"en", "zh", "both"}; /* by isr_lang */

int isr_lang_parse(const char *s)
{
    for (int l = 0; s && l < (int)(sizeof lang_names / sizeof *lang_names); l++)
        if (strcmp(s, lang_names[l]) == 0)
            return l;
    return -1;
}

const char *isr_lang_name(isr_lang lang)
{
    return lang_names[lang];
}

/* `val` as the index of one of `words` (NULL-ended) into *idx, flag `name` marked given (a
 * string literal: the mark keeps the pointer); else a usage error listing them. */
static isr_status choose(isr_ctx *ctx, isr_options *opt, const char *name, const char *val,
                         const char *const *words, int *idx)
{
    char list[128] = "";
    for (int i = 0; words[i]; i++) {
        if (strcmp(val, words[i]) == 0) {
            *idx = i;
            mark_given(opt, name);
            return ISR_OK;
        }
        isr_snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     words[i]);
    }
    return isr_fail(ctx, ISR_ERR_USAGE, "%s: '%s' is not one of %s", name, val, list);
}

/* The flags that take one of a few words (--wait, --direction, --kernel, --access, --lang): *done
 * set when `name` is one of them. The words of the first three are in their enums' order. */
static isr_status parse_choice(isr_ctx *ctx, isr_options *opt, const char *name,
                               const char *val, int *done)
{
    static const char *const waits[] = {"half-headway", "none", NULL},
                             *const directions[] = {"from", "to", NULL},
                             *const kernels[] = {"isotropic", "rcost", NULL};
    _Static_assert(ISR_WAIT_NONE == 1 && ISR_TO_HUB == 1 && ISR_KERNEL_RCOST == 1,
                   "the words' order is the enums'");
    int i = 0;
    isr_status st;
    if (strcmp(name, "--wait") == 0) {
        *done = 1;
        if ((st = choose(ctx, opt, "--wait", val, waits, &i)) == ISR_OK)
            opt->wait = (isr_wait)i;
        return st;
    }
    if (strcmp(name, "--direction") == 0) {
        *done = 1;
        if ((st = choose(ctx, opt, "--direction", val, directions, &i)) == ISR_OK)
            opt->direction = (isr_direction)i;
        return st;
    }
    if (strcmp(name, "--kernel") == 0) {
        *done = 1;
        if ((st = choose(ctx, opt, "--kernel", val, kernels, &i)) == ISR_OK)
            opt->kernel = (isr_kernel)i;
        return st;
    }
    if (strcmp(name, "--access") == 0) {
        *done = 1;
        return parse_access(ctx, opt, val);
    }
    if (strcmp(name, "--lang") == 0) {
        int l = isr_lang_parse(val);
        if (l < 0)
            return isr_fail(ctx, ISR_ERR_USAGE, "--lang: '%s' is not one of en, zh, both", val);
        opt->lang = (isr_lang)l;
        mark_given(opt, "--lang");
        *done = 1;
    }
    return ISR_OK;
}

/* --gtfs PATH|URL: one more feed (repeatable). */
static isr_status gtfs_add(isr_ctx *ctx, isr_options *opt, const char *val)
{
    if (!*val)
        return isr_fail(ctx, ISR_ERR_USAGE, "--gtfs: the value is empty");
    if (opt->ngtfs >= ISR_MAX_FEEDS)
        return isr_fail(ctx, ISR_ERR_USAGE, "--gtfs: at most %d feeds in one run", ISR_MAX_FEEDS);
    const char *c = keep(opt, val);
    if (!c)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    opt->gtfs[opt->ngtfs++] = c;
    mark_given(opt, "--gtfs");
    return ISR_OK;
}

/* --scenario NAME=PATH: one more scenario (repeatable); NAME of ASCII letters, digits, _ and
 * -, each once, ignoring case: scenarios/a and scenarios/A are one folder on Windows and
 * macOS. */
static isr_status scenario_add(isr_ctx *ctx, isr_options *opt, const char *val)
{
    const char *eq = strchr(val, '=');
    size_t n = eq ? (size_t)(eq - val) : 0;
    if (!eq || n == 0 || !eq[1])
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "--scenario: '%s' is not NAME=PATH (a name for the scenario's outputs, "
                        "then its folder or GeoPackage)",
                        val);
    if (n > 64 || strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") <
                      n)
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "--scenario: name '%.*s' may hold only ASCII letters (a-z, A-Z), digits, "
                        "_ and - (at most 64): it names the folder scenarios/NAME",
                        (int)n, val);
    char name[65];
    memcpy(name, val, n);
    name[n] = '\0';
    if (name[0] == '-' || isr_windows_device(name))
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "--scenario: name '%s' %s: it names the folder scenarios/%s; give "
                        "another",
                        name,
                        name[0] == '-' ? "begins with '-', which a command line takes for an "
                                         "option"
                                       : "is a device name on Windows, where no folder can "
                                         "have it",
                        name);
    for (int i = 0; i < opt->nscenarios; i++) {
        if (strlen(opt->scenario_name[i]) == n && strncmp(opt->scenario_name[i], val, n) == 0)
            return isr_fail(ctx, ISR_ERR_USAGE,
                            "--scenario: the name '%s' is given twice; give each scenario its "
                            "own name",
                            opt->scenario_name[i]);
        else if (strlen(opt->scenario_name[i]) == n &&
                 strncasecmp(opt->scenario_name[i], val, n) == 0)
            return isr_fail(ctx, ISR_ERR_USAGE,
                            "--scenario: the names '%s' and '%.*s' differ only in case; their "
                            "folders scenarios/%s and scenarios/%.*s would be one on Windows "
                            "and macOS: give each scenario its own name",
                            opt->scenario_name[i], (int)n, val, opt->scenario_name[i], (int)n,
                            val);
    }
    if (opt->nscenarios >= ISR_MAX_SCENARIOS)
        return isr_fail(ctx, ISR_ERR_USAGE, "--scenario: at most %d scenarios in one run",
                        ISR_MAX_SCENARIOS);
    const char *kn = keep(opt, name), *kp = keep(opt, eq + 1);
    if (!kn || !kp)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    opt->scenario_name[opt->nscenarios] = kn;
    opt->scenario_path[opt->nscenarios++] = kp;
    mark_given(opt, "--scenario");
    return ISR_OK;
}

/* "HH:MM" (hours up to 47: a GTFS service day runs past midnight) into seconds; -1 if not. */
static int32_t hhmm(const char *s, const char **end)
{
    for (int i = 0; i < 5; i++)
        if (i == 2 ? s[i] != ':' : !(s[i] >= '0' && s[i] <= '9'))
            return -1;
    int h = (s[0] - '0') * 10 + s[1] - '0', m = (s[3] - '0') * 10 + s[4] - '0';
    if (h > 47 || m > 59)
        return -1;
    *end = s + 5;
    return (int32_t)(h * 3600 + m * 60);
}

/* The window "HH:MM-HH:MM" into from_s, to_s; 0 when malformed, -1 when it ends before it
 * starts (or at its start). */
static int parse_window(const char *s, int32_t *from, int32_t *to)
{
    const char *e;
    if ((*from = hhmm(s, &e)) < 0 || *e != '-' || (*to = hhmm(e + 1, &e)) < 0 || *e)
        return 0;
    return *to > *from ? 1 : -1;
}

/* "5,25,50" into pct (each in (0, 100]); the count, or -1 when malformed. */
static int parse_pct_list(const char *s, double *pct, int max)
{
    int n = 0;
    while (*s) {
        char *end;
        errno = 0;
        double v = isr_strtod(s, &end);
        if (end == s || errno || !(v > 0 && v <= 100) || (*end && *end != ',') || n >= max)
            return -1;
        pct[n++] = v;
        s = *end ? end + 1 : end;
        if (*end && !*s)
            return -1;
    }
    return n;
}

/* The form of a GTFS flag's value, checked when it is given. */
/* --encoding: one this system's converter knows (a name it does not know was taken, recorded
 * in run.json, and the shapefile read as GDAL pleased; a new-user pass). */
static isr_status encoding_check(isr_ctx *ctx, const char *name, const char *val)
{
    if (strcmp(name, "--encoding") != 0)
        return ISR_OK;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    int ok = CPLCanRecode("a", val, CPL_ENC_UTF8);
    CPLPopErrorHandler();
    CPLErrorReset();
    return ok ? ISR_OK
              : isr_fail(ctx, ISR_ERR_USAGE,
                         "--encoding '%s' is no encoding this system can read (e.g. GBK, CP936, "
                         "BIG5, CP1252, ISO-8859-1, UTF-8)",
                         val);
}

static isr_status gtfs_value_check(isr_ctx *ctx, const char *name, const char *val)
{
    int32_t a, b;
    const char *e;
    double pct[64];
    if (strcmp(name, "--date") == 0) {
        int y, mo, d, n = 0;
        if (sscanf(val, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 || val[n] ||
            mo < 1 || mo > 12 || d < 1 || d > 31)
            return isr_fail(ctx, ISR_ERR_USAGE,
                            "--date: '%s' is not a date YYYY-MM-DD (e.g. 2025-05-07)", val);
    } else if (strcmp(name, "--window") == 0) {
        int w = parse_window(val, &a, &b);
        if (w == 0)
            return isr_fail(ctx, ISR_ERR_USAGE,
                            "--window: '%s' is not HH:MM-HH:MM (e.g. 07:00-09:00)", val);
        if (w < 0 && b < a) /* 23:30-00:30: the service day's clock runs on past 24:00 */
            return isr_fail(ctx, ISR_ERR_USAGE,
                            "--window: '%s' ends before it starts; give the earlier time "
                            "first, and a time past midnight as the service day's clock has it "
                            "(%02d:%02d-%02d:%02d)",
                            val, a / 3600, a / 60 % 60, (b + 86400) / 3600, b / 60 % 60);
        if (w < 0)
            return isr_fail(ctx, ISR_ERR_USAGE,
                            "--window: '%s' ends when it starts, or before; give the earlier "
                            "time first",
                            val);
    } else if (strcmp(name, "--departure") == 0) {
        if ((a = hhmm(val, &e)) < 0 || *e)
            return isr_fail(ctx, ISR_ERR_USAGE, "--departure: '%s' is not HH:MM (e.g. 08:00)",
                            val);
    } else if (strcmp(name, "--percentiles") == 0) {
        if (parse_pct_list(val, pct, 63) <= 0)
            return isr_fail(ctx, ISR_ERR_USAGE,
                            "--percentiles: '%s' is not a list of at most 63 numbers above 0 "
                            "and at most 100 (e.g. 5,25,50,75,95)",
                            val);
    }
    return ISR_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

isr_status isr_gtfs_settings_get(isr_ctx *ctx, const isr_options *opt, isr_gtfs_settings *gs)
{
    memset(gs, 0, sizeof *gs);
    isr_status st;
    if ((opt->window && (st = gtfs_value_check(ctx, "--window", opt->window)) != ISR_OK) ||
        (st = gtfs_value_check(ctx, "--departure", opt->departure ? opt->departure : "")) !=
            ISR_OK ||
        (st = gtfs_value_check(ctx, "--percentiles", opt->percentiles ? opt->percentiles : "")) !=
            ISR_OK)
        return st;
    if (opt->date && (st = gtfs_value_check(ctx, "--date", opt->date)) != ISR_OK)
        return st;
    const char *e;
    if (opt->window) {
        parse_window(opt->window, &gs->from_s, &gs->to_s);
        gs->step_s = (int32_t)lround(opt->step_min * 60.0);
        if (gs->step_s < 1)
            return isr_fail(ctx, ISR_ERR_USAGE, "--step: %g minutes is less than a second",
                            opt->step_min);
        snprintf(gs->label, sizeof gs->label, "%s", opt->window);
    } else {
        gs->from_s = hhmm(opt->departure, &e);
        gs->to_s = gs->from_s + 1;
        gs->step_s = 60;
        snprintf(gs->label, sizeof gs->label, "%s", opt->departure);
    }
    gs->npct = parse_pct_list(opt->percentiles, gs->pct, 63);
    gs->chosen = -1;
    for (int j = 0; j < gs->npct; j++)
        if (gs->pct[j] == opt->percentile)
            gs->chosen = j;
    if (gs->chosen < 0) {
        gs->pct[gs->npct++] = opt->percentile;
        gs->added = 1;
    }
    qsort(gs->pct, (size_t)gs->npct, sizeof *gs->pct, cmp_double);
    int k = 0; /* repeats dropped */
    for (int j = 0; j < gs->npct; j++)
        if (k == 0 || gs->pct[j] != gs->pct[k - 1])
            gs->pct[k++] = gs->pct[j];
    gs->npct = k;
    for (int j = 0; j < gs->npct; j++)
        if (gs->pct[j] == opt->percentile)
            gs->chosen = j;
    return ISR_OK;
}

/* Whether `name` is a flag that takes a value (an unknown one last on the line was said to
 * need a value). */
static int takes_value(const char *name)
{
    static const char *const special[] = {"--wait",  "--direction", "--kernel", "--access",
                                          "--lang",  "--threads",   "--scenario", "--shard",
                                          "--gtfs"};
    for (size_t k = 0; k < sizeof special / sizeof *special; k++)
        if (strcmp(name, special[k]) == 0)
            return 1;
    return flag_find(name) != NULL;
}

/* Whether `command` (argv[0]) takes flag `name`. reach and map start from the run's rasters:
 * a flag that shapes the search (the hubs, grid, budget, local travel, timetable, scenarios)
 * would be ignored there, and is refused instead. The run's inputs and fields, which a user
 * passes again with the rest of the run's command line, and run control are taken. run,
 * merge and the library's "set" take every flag. */
static int command_takes(const char *command, const char *name)
{
    static const char *const search[] = {
        "--hubs",        "--budget",          "--resolution",       "--crs",
        "--egress-speed", "--detour",         "--access",           "--dwell",
        "--transfer",    "--wait",            "--transfer-radius",  "--transfers",
        "--direction",   "--kernel",          "--snap",             "--friction",
        "--roads",       "--roads-layer",     "--road-speed-field", "--road-classes",
        "--road-class-field", "--scenario",   "--gtfs",             "--date",
        "--window",      "--departure",       "--step",             "--percentiles",
        "--percentile",  "--route-types",     "--shard",            "--write-friction",
        "--overwrite",   "--model-cache",     "--model-cache-max",  "--max-memory"};
    if (!command || (strcmp(command, "reach") != 0 && strcmp(command, "map") != 0))
        return 1;
    for (size_t k = 0; k < sizeof search / sizeof *search; k++)
        if (strcmp(name, search[k]) == 0)
            return 0;
    return 1;
}

/* Flag `name` refused by `command` (command_takes). */
static isr_status command_refuses(isr_ctx *ctx, const char *command, const char *name)
{
    return isr_fail(ctx, ISR_ERR_USAGE,
                    "%s shapes the run's search, which isoreach %s does not redo: it starts "
                    "from the run's rasters, whose hubs, grid and search settings are the "
                    "run's. To change it, run again (isoreach run --out DIR %s ...); isoreach "
                    "%s --help lists what it takes",
                    name, command, name, command);
}

/* The isoreach command line's own switches, which it takes out before the options see argv:
 * refused when a library client gives them. */
static isr_status cli_switch(isr_ctx *ctx, const char *arg)
{
    if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0)
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "%s is a switch of the isoreach command line, not an option of the "
                        "library: a host that wants no progress installs no progress "
                        "callback (isr_ctx_set_progress)",
                        arg);
    if (strcmp(arg, "--log-json") == 0)
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "--log-json is a switch of the isoreach command line, not an option "
                        "of the library: a host formats messages in its own logger "
                        "(isr_ctx_set_logger)");
    return ISR_OK;
}

static isr_status parse_flags(isr_ctx *ctx, isr_options *opt, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        isr_status cli = cli_switch(ctx, arg);
        if (cli != ISR_OK)
            return cli;
        const switch_flag *sw = switch_find(arg);
        if (sw && !command_takes(argv[0], arg))
            return command_refuses(ctx, argv[0], arg);
        if (sw) {
            *(int *)((char *)opt + sw->off) = 1;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0)
            return isr_fail(ctx, ISR_ERR_USAGE, "unexpected argument '%s' (see --help)", arg);
        /* --flag=value or --flag value */
        const char *eq = strchr(arg, '=');
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        const char *val = eq ? eq + 1 : NULL;
        char name[64];
        if (nlen >= sizeof name)
            return isr_fail(ctx, ISR_ERR_USAGE, "unknown option '%.60s…' (see --help)", arg);
        memcpy(name, arg, nlen);
        name[nlen] = '\0';
        if (!command_takes(argv[0], name)) /* before its value: a refusal, not "needs a value" */
            return command_refuses(ctx, argv[0], name);
        if (!val) {
            if (i + 1 >= argc && !takes_value(name))
                return isr_fail(ctx, ISR_ERR_USAGE, "unknown option '%s' (see --help)", name);
            if (i + 1 >= argc)
                return isr_fail(ctx, ISR_ERR_USAGE, "%s needs a value (see --help)", name);
            val = argv[++i];
        }
        twice_note(opt, name, val);
        int done = 0;
        isr_status cst = parse_choice(ctx, opt, name, val, &done);
        if (cst != ISR_OK)
            return cst;
        if (done)
            continue;
        if (strcmp(name, "--threads") == 0) {
            isr_status st = parse_threads(ctx, opt, val);
            if (st != ISR_OK)
                return st;
            continue;
        }
        if (strcmp(name, "--scenario") == 0) {
            isr_status sst = scenario_add(ctx, opt, val);
            if (sst != ISR_OK)
                return sst;
            continue;
        }
        if (strcmp(name, "--shard") == 0) { /* run control (shard.c), not in run.json */
            int k = 0, n = 0, len = 0;
            if (sscanf(val, "%d/%d%n", &k, &n, &len) != 2 || val[len] || k < 1 || n < k ||
                n > 100000)
                return isr_fail(ctx, ISR_ERR_USAGE,
                                "--shard: '%s' is not K/N with 1 <= K <= N (e.g. --shard 2/3)",
                                val);
            opt->shard_k = k;
            opt->shard_n = n;
            continue;
        }
        if (strcmp(name, "--gtfs") == 0) {
            isr_status gst = gtfs_add(ctx, opt, val);
            if (gst != ISR_OK)
                return gst;
            continue;
        }
        const flag *fl = flag_find(name);
        if (!fl && switch_find(name))
            return isr_fail(ctx, ISR_ERR_USAGE, "%s takes no value: give it alone (got '%s')",
                            name, arg);
        if (!fl)
            return isr_fail(ctx, ISR_ERR_USAGE, "unknown option '%s' (see --help)", name);
        if (fl->num_off) {
            isr_status st = parse_num(ctx, name, val, fl->lo, fl->hi, fl->lo_open,
                                      (double *)((char *)opt + fl->num_off));
            if (st != ISR_OK)
                return st;
        } else {
            if (!*val)
                return isr_fail(ctx, ISR_ERR_USAGE, "%s: the value is empty", name);
            const char *c = is_none(fl, val) ? NULL : keep(opt, val);
            if (!c && !is_none(fl, val))
                return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
            *(const char **)((char *)opt + fl->str_off) = c;
            isr_status vst = gtfs_value_check(ctx, name, val);
            if (vst == ISR_OK)
                vst = encoding_check(ctx, name, val);
            if (vst != ISR_OK)
                return vst;
        }
        mark_given(opt, fl->name);
    }
    return ISR_OK;
}

static const flag *flag_find(const char *name)
{
    for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
        if (strcmp(flags[k].name, name) == 0)
            return &flags[k];
    return NULL;
}

const char *isr_options_get(isr_options *opt, const char *name)
{
    if (!opt || !name)
        return NULL;
    char buf[80];
    const char *f = dashed(name, buf, sizeof buf);
    owned *o = owned_get(opt);
    if (strcmp(f, "--wait") == 0)
        return opt->wait == ISR_WAIT_NONE ? "none" : "half-headway";
    if (strcmp(f, "--direction") == 0)
        return opt->direction == ISR_TO_HUB ? "to" : "from";
    if (strcmp(f, "--kernel") == 0)
        return opt->kernel == ISR_KERNEL_RCOST ? "rcost" : "isotropic";
    if (strcmp(f, "--access") == 0)
        return isr_access_get(opt->access)->name;
    if (strcmp(f, "--lang") == 0)
        return isr_lang_name(opt->lang);
    if (strcmp(f, "--gtfs") == 0) /* the first feed (a list has no one string) */
        return opt->ngtfs > 0 ? opt->gtfs[0] : NULL;
    if (strcmp(f, "--shard") == 0) {
        if (!o || !opt->shard_n)
            return NULL;
        isr_snprintf(o->text, sizeof o->text, "%d/%d", opt->shard_k, opt->shard_n);
        return o->text;
    }
    const switch_flag *sw = switch_find(f);
    if (sw)
        return *(const int *)((const char *)opt + sw->off) ? "1" : "0";
    const flag *fl = flag_find(f);
    if (fl && !fl->num_off)
        return *(const char *const *)((const char *)opt + fl->str_off);
    if (!o || !(fl || strcmp(f, "--threads") == 0))
        return NULL; /* unknown, or no memory for the text */
    double v = fl ? *(const double *)((const char *)opt + fl->num_off) : opt->threads;
    /* whole numbers as such (1000, not 1e+03); others in the shortest form that reads back
     * as the same double (0.1, not 0.10000000000000001) */
    if (v == floor(v) && fabs(v) < 1e15) {
        isr_snprintf(o->text, sizeof o->text, "%.0f", v);
        return o->text;
    }
    for (int prec = 1; prec <= 17; prec++) {
        isr_snprintf(o->text, sizeof o->text, "%.*g", prec, v);
        if (isr_strtod(o->text, NULL) == v)
            break;
    }
    return o->text;
}

int isr_options_explicit(const isr_options *opt, const char *name)
{
    if (isr_options_given(opt, name))
        return 1;
    const flag *fl = flag_find(name);
    if (!fl)
        return 0;
    isr_options def;
    isr_options_init(&def);
    if (fl->num_off)
        return *(const double *)((const char *)opt + fl->num_off) !=
               *(const double *)((const char *)&def + fl->num_off);
    const char *a = *(const char *const *)((const char *)opt + fl->str_off);
    const char *b = *(const char *const *)((const char *)&def + fl->str_off);
    return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

/* Flags that say where a run writes or how hard it works, not what it computes: a later
 * `isoreach reach` or `map` never takes them from run.json. */
static int is_run_control(const char *name)
{
    return strcmp(name, "--out") == 0 || strcmp(name, "--max-memory") == 0 ||
           strcmp(name, "--timeout") == 0 || strcmp(name, "--cache") == 0 ||
           strcmp(name, "--max-download") == 0 || strcmp(name, "--model-cache") == 0 ||
           strcmp(name, "--model-cache-max") == 0;
}

int isr_options_inputs(const isr_options *opt, const char **names, const char **paths, int max)
{
    int n = 0;
    for (size_t k = 0; k < sizeof flags / sizeof *flags && n < max; k++)
        if (flags[k].input) {
            names[n] = flags[k].name;
            paths[n++] = flags[k].str_off == offsetof(isr_options, water)
                             ? isr_options_water(opt) /* the water the run reads */
                             : *(const char *const *)((const char *)opt + flags[k].str_off);
        }
    for (int i = 0; i < opt->ngtfs && n < max; i++) { /* one entry per feed, all "--gtfs" */
        names[n] = "--gtfs";
        paths[n++] = opt->gtfs[i];
    }
    return n;
}

const char *isr_options_stations_source(const isr_options *opt)
{
    return opt->ngtfs > 0 ? opt->gtfs[0] : opt->stations ? opt->stations : "";
}

json_object *isr_options_to_json(const isr_options *opt)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    for (size_t k = 0; k < sizeof flags / sizeof *flags; k++) {
        const flag *fl = &flags[k];
        if (is_run_control(fl->name))
            continue;
        if (fl->num_off) {
            json_object_object_add(o, fl->name, json_object_new_double(*(const double *)(
                                                    (const char *)opt + fl->num_off)));
            continue;
        }
        const char *v = *(const char *const *)((const char *)opt + fl->str_off);
        if (fl->str_off == offsetof(isr_options, water))
            v = isr_options_water(opt); /* the water the run reads, or null */
        if (opt->ngtfs > 0 && (fl->str_off == offsetof(isr_options, stations) ||
                               fl->str_off == offsetof(isr_options, lines)))
            v = NULL; /* GTFS: the trains are the feeds' (--gtfs below) */
        if (fl->str_off == offsetof(isr_options, transfers))
            v = isr_transfers_table(opt); /* the sample's table with the sample only */
        /* input paths relative to the output folder: no path of this machine in OUT, and
         * OUT moved with its inputs still names them (isr_options_rebase_inputs) */
        char *abs = v && fl->input ? isr_path_rel_to_out(opt->out, v) : NULL;
        json_object_object_add(o, fl->name, v ? json_object_new_string(abs ? abs : v) : NULL);
        free(abs);
    }
    json_object_object_add(o, "--wait", json_object_new_string(opt->wait == ISR_WAIT_NONE
                                                                   ? "none"
                                                                   : "half-headway"));
    json_object_object_add(o, "--direction",
                           json_object_new_string(opt->direction == ISR_TO_HUB ? "to" : "from"));
    json_object_object_add(o, "--kernel", json_object_new_string(opt->kernel == ISR_KERNEL_RCOST
                                                                     ? "rcost"
                                                                     : "isotropic"));
    json_object_object_add(o, "--access", json_object_new_string(isr_access_get(opt->access)->name));
    json_object_object_add(o, "--lang", json_object_new_string(isr_lang_name(opt->lang)));
    /* for a merge, whose shards drew none: their maps are the merge's (isr_publish) */
    json_object_object_add(o, "--no-maps", json_object_new_boolean(opt->no_maps));
    json_object *feeds = opt->ngtfs ? json_object_new_array() : NULL;
    for (int i = 0; i < opt->ngtfs; i++) { /* relative to OUT, as the other inputs */
        char *abs = isr_path_rel_to_out(opt->out, opt->gtfs[i]);
        json_object_array_add(feeds, json_object_new_string(abs ? abs : opt->gtfs[i]));
        free(abs);
    }
    json_object_object_add(o, "--gtfs", feeds);
    json_object *scen = opt->nscenarios ? json_object_new_object() : NULL;
    for (int i = 0; i < opt->nscenarios; i++) { /* {"NAME": "path relative to OUT"} */
        char *abs = isr_path_rel_to_out(opt->out, opt->scenario_path[i]);
        json_object_object_add(scen, opt->scenario_name[i],
                               json_object_new_string(abs ? abs : opt->scenario_path[i]));
        free(abs);
    }
    if (scen)
        json_object_object_add(o, "--scenario", scen);
    return o;
}

void isr_options_copy(const isr_options *src, isr_options *dst)
{
    *dst = *src;
    dst->owned_ = NULL;
    const owned *so = src->owned_;
    owned *d = so ? owned_get(dst) : NULL;
    if (d) {
        memcpy(d->given, so->given, sizeof d->given);
        d->ngiven = so->ngiven;
    }
}

static isr_status options_from_run(isr_ctx *ctx, isr_options *opt, const char *out, int *found,
                                   const char *const *need);
/* The inputs `isoreach reach` reads (the rasters hold the rest); `map` reads none. */
static const char *const reach_needs[] = {"--boundaries", "--population", "--water", NULL};
static const char *const no_needs[] = {NULL};

isr_status isr_options_from_run(isr_ctx *ctx, isr_options *opt, const char *out, int *found)
{
    return options_from_run(ctx, opt, out, found, NULL);
}

/* isr_options_from_run, refusing a missing input of `need` (isr_options_rebase_inputs). */
static isr_status options_from_run(isr_ctx *ctx, isr_options *opt, const char *out, int *found,
                                   const char *const *need)
{
    *found = 0;
    char *path = isr_strdup_printf("%s/run.json", out);
    if (!path)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (!isr_file_exists(path)) {
        free(path);
        return ISR_OK;
    }
    json_object *root = json_object_from_file(path), *rec = NULL;
    if (!root) {
        isr_status st = isr_fail(ctx, ISR_ERR_INPUT,
                                 "'%s' is not readable JSON (%s); run isoreach run again into "
                                 "--out '%s'",
                                 path, isr_json_unreadable(path), out);
        free(path);
        return st;
    }
    isr_status st = ISR_OK;
    if (!json_object_object_get_ex(root, "options", &rec) ||
        !json_object_is_type(rec, json_type_object)) {
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "'%s' does not record the run's options (written by an older isoreach); "
                      "run isoreach run again into --out '%s'",
                      path, out);
        goto cleanup;
    }
    *found = 1;
    /* the sample's water and crossings, which a run takes by default with the sample's
     * boundaries: the recorded ones were the run's, so they stay with other boundaries
     * (isr_options_water would drop them, and a reach with its own copy of the counties
     * counted the people on the lakes and the sea) */
    static const char *const sample_defaults[] = {"--water", "--roads"};
    int recorded[2];
    for (int k = 0; k < 2; k++)
        recorded[k] = !isr_options_given(opt, sample_defaults[k]);
    st = isr_options_apply_record(ctx, opt, rec);
    if (st == ISR_OK)
        st = isr_options_rebase_inputs(ctx, opt, rec, out, "run.json", need);
    for (int k = 0; st == ISR_OK && k < 2; k++)
        if (recorded[k] && (k ? opt->roads : opt->water))
            mark_given(opt, sample_defaults[k]);
cleanup:
    json_object_put(root);
    free(path);
    return st;
}

isr_status isr_options_apply_record(isr_ctx *ctx, isr_options *opt, json_object *rec)
{
    isr_status st = ISR_OK;
    json_object_object_foreach(rec, key, val) {
        if (is_run_control(key) || isr_options_given(opt, key))
            continue;
        const flag *fl = flag_find(key);
        if (strcmp(key, "--wait") == 0 && json_object_is_type(val, json_type_string)) {
            opt->wait = strcmp(json_object_get_string(val), "none") == 0 ? ISR_WAIT_NONE
                                                                        : ISR_WAIT_HALF_HEADWAY;
        } else if (strcmp(key, "--direction") == 0 && json_object_is_type(val, json_type_string)) {
            opt->direction = strcmp(json_object_get_string(val), "to") == 0 ? ISR_TO_HUB
                                                                           : ISR_FROM_HUB;
        } else if (strcmp(key, "--kernel") == 0 && json_object_is_type(val, json_type_string)) {
            opt->kernel = strcmp(json_object_get_string(val), "rcost") == 0 ? ISR_KERNEL_RCOST
                                                                             : ISR_KERNEL_ISOTROPIC;
        } else if (strcmp(key, "--no-maps") == 0 && json_object_is_type(val, json_type_boolean)) {
            opt->no_maps = json_object_get_boolean(val);
        } else if (strcmp(key, "--lang") == 0 && isr_lang_parse(json_object_get_string(val)) >= 0) {
            opt->lang = (isr_lang)isr_lang_parse(json_object_get_string(val));
        } else if (strcmp(key, "--access") == 0 && json_object_is_type(val, json_type_string)) {
            /* the preset's numbers are recorded as --egress-speed and --detour */
            for (int a = ISR_ACCESS_TRANSIT; a <= ISR_ACCESS_CAR; a++)
                if (strcmp(json_object_get_string(val), presets[a].name) == 0)
                    opt->access = (isr_access)a;
        } else if (strcmp(key, "--gtfs") == 0 && json_object_is_type(val, json_type_array)) {
            opt->ngtfs = 0;
            for (size_t i = 0; i < json_object_array_length(val) && opt->ngtfs < ISR_MAX_FEEDS;
                 i++) {
                const char *v = keep(opt, json_object_get_string(json_object_array_get_idx(val, i)));
                if (!v) {
                    st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
                    goto cleanup;
                }
                opt->gtfs[opt->ngtfs++] = v;
            }
        } else if (fl && fl->num_off && (json_object_is_type(val, json_type_double) ||
                                         json_object_is_type(val, json_type_int))) {
            *(double *)((char *)opt + fl->num_off) = json_object_get_double(val);
        } else if (fl && !fl->num_off) {
            const char *v = val ? keep(opt, json_object_get_string(val)) : NULL;
            if (val && !v) {
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
                goto cleanup;
            }
            *(const char **)((char *)opt + fl->str_off) = v;
        }
    }
cleanup:
    return st;
}

/* `*v`, set from a record of `out`: a relative path resolved against `out` (kept in opt).
 * Missing there: refused naming `flag` when it is needed, else left as recorded. */
static isr_status rebase_one(isr_ctx *ctx, isr_options *opt, const char *out, const char *what,
                             const char *flag, int needed, const char **v)
{
    if (!*v || strcmp(*v, "none") == 0 || strchr(*v, '=')) /* no file: "none", a class list */
        return ISR_OK;
    char *p = isr_path_in_out(out, *v);
    if (!p)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    isr_status st = ISR_OK;
    if (strcmp(p, *v) == 0) /* absolute (an older run.json), a URL */
        ;
    else if (isr_file_exists(p) || access(p, F_OK) == 0) {
        if (!(*v = keep(opt, p)))
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    } else if (needed)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s of '%s' names %s '%s' (relative to '%s'), which is not there: pass "
                      "%s PATH",
                      what, out, flag + 2, *v, out, flag);
    free(p);
    return st;
}

/* Whether `flag` is among `need` (NULL: every flag). */
static int needed(const char *const *need, const char *flag)
{
    for (int i = 0; need && need[i]; i++)
        if (strcmp(need[i], flag) == 0)
            return 1;
    return !need;
}

isr_status isr_options_rebase_inputs(isr_ctx *ctx, isr_options *opt, json_object *rec,
                                     const char *out, const char *what,
                                     const char *const *need)
{
    isr_status st = ISR_OK;
    for (size_t k = 0; k < sizeof flags / sizeof *flags && st == ISR_OK; k++)
        if (flags[k].input && !isr_options_given(opt, flags[k].name) &&
            json_object_object_get_ex(rec, flags[k].name, NULL))
            st = rebase_one(ctx, opt, out, what, flags[k].name, needed(need, flags[k].name),
                            (const char **)(void *)((char *)opt + flags[k].str_off));
    int g = !isr_options_given(opt, "--gtfs") && json_object_object_get_ex(rec, "--gtfs", NULL);
    for (int i = 0; g && i < opt->ngtfs && st == ISR_OK; i++)
        st = rebase_one(ctx, opt, out, what, "--gtfs", needed(need, "--gtfs"), &opt->gtfs[i]);
    int s = !isr_options_given(opt, "--scenario") &&
            json_object_object_get_ex(rec, "--scenario", NULL);
    for (int i = 0; s && i < opt->nscenarios && st == ISR_OK; i++)
        st = rebase_one(ctx, opt, out, what, "--scenario", needed(need, "--scenario"),
                        &opt->scenario_path[i]);
    return st;
}

/* The help is one string longer than the 4095 characters C99 promises every compiler
 * supports; GCC and Clang take far more, so the warning is silenced for it alone. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
static const char run_help[] =
           "Usage: isoreach run [options]\n"
           "\n"
           "Computes, for every rail hub, the door-to-door travel time by rail plus local\n"
           "travel to every cell of the region, and writes rasters under --out.\n"
           "With no options it runs on the embedded Yangtze River Delta sample.\n"
           "\n"
           "Inputs (any OGR source: a path or an http(s) URL):\n"
           "  --boundaries PATH       admin unit polygons (default: shapefiles/yrd_counties.shp)\n"
           "  --stations PATH         rail stations, points (default: shapefiles/yrd_rail_stations.shp)\n"
           "  --lines PATH            rail lines, linestrings (default: shapefiles/yrd_rail_lines.shp)\n"
           "  --boundaries-layer, --stations-layer, --lines-layer NAME\n"
           "                          layer to read (default: the first)\n"
           "  --encoding NAME         text encoding of shapefile inputs, e.g. GBK, CP936, BIG5\n"
           "                          (default: the .cpg file or the DBF's LDID); text that is\n"
           "                          still not UTF-8 is replaced with U+FFFD and warned about\n"
           "  --friction RASTER       local travel cost in seconds per metre; nodata = barrier\n"
           "                          (default: none, uniform --egress-speed and --detour)\n"
           "  --water PATH            water polygons (lakes, rivers, sea): impassable for local\n"
           "                          travel, no people, not land (default: shapefiles/\n"
           "                          yrd_water.shp with the sample's boundaries, else none;\n"
           "                          'none': no water)\n"
           "  --water-layer NAME      layer of --water to read (default: the first)\n"
           "  --population RASTER     people per cell (default and none: the boundaries'\n"
           "                          --pop-field spread over each unit's land cells)\n"
           "  --roads PATH            road lines burned into the local travel: faster where\n"
           "                          they run, passable where they cross water or barriers\n"
           "                          (default: the sample's Yangtze and Qiantang crossings\n"
           "                          with the sample, else none; none: no roads)\n"
           "  --roads-layer NAME      layer to read (default: the first)\n"
           "  --road-speed-field FIELD  road speed, km/h (default: speed_kmh, unless\n"
           "                          --road-classes is given)\n"
           "  --road-classes CSV|CLASS=KMH,...  road speed by class: a CSV file of\n"
           "                          class,speed_kmh rows, or the list itself\n"
           "  --road-class-field FIELD  road class (default: class)\n"
           "Scenarios:\n"
           "  --scenario NAME=PATH    a scenario (folder or .gpkg: added stations and lines, a\n"
           "                          modifications table) run beside the baseline into\n"
           "                          scenarios/NAME/; repeatable; in lines mode and with\n"
           "                          --gtfs (remove_line, scale_speed: a route_id too)\n"
           "Timetables (GTFS):\n"
           "  --gtfs PATH|URL         a GTFS feed (.zip or folder); repeat for several feeds.\n"
           "                          Its stations replace --stations and --lines; needs\n"
           "                          --date and --hubs (stop or parent-station ids)\n"
           "  --date YYYY-MM-DD       the service day of the timetable\n"
           "  --window HH:MM-HH:MM    departures every --step minutes from the start, the\n"
           "                          end excluded (07:50-08:10 --step 5: 07:50 ... 08:05)\n"
           "                          (default: none, a single --departure)\n"
           "  --departure HH:MM       the single departure without --window (default: 08:00)\n"
           "  --step MIN              minutes between departures of the window (default: 1)\n"
           "  --percentiles P,P,...   percentiles of travel time over the window, written to\n"
           "                          hubs/<id>/percentiles.tif (default: 5,25,50,75,95)\n"
           "  --percentile P          the one travel_time.tif, isochrones and reach use\n"
           "                          (default: 50; added to --percentiles when absent)\n"
           "  --route-types LIST      GTFS route_type values kept, ranges allowed\n"
           "                          (default: 2,100-117, rail)\n"
           "Fields:\n"
           "  --unit-id FIELD         admin unit code (default: code; GB/T 2260 codes give the\n"
           "                          hierarchy when the fields below are absent)\n"
           "  --unit-name FIELD       unit name (default: name)\n"
           "  --pref-field, --pref-name FIELD  prefecture code and name (pref_code, pref_name)\n"
           "  --prov-field, --prov-name FIELD  province code and name (prov_code, prov_name)\n"
           "  --unit-name-en, --pref-name-en, --prov-name-en FIELD  English names of the\n"
           "                          unit, prefecture, province (name_en, pref_en, prov_en;\n"
           "                          optional: absent = blank name_en columns)\n"
           "  --pop-field FIELD       people per unit (default: pop)\n"
           "  --station-id FIELD      unique station id (default: id)\n"
           "  --station-name FIELD    station name (default: name)\n"
           "  --station-name-en FIELD English station name (default: name_en; optional)\n"
           "  --hub-field FIELD       non-zero for hubs (default: hub)\n"
           "  --line-name FIELD       line name (default: name); also the line's id (which\n"
           "                          scenarios name) where field 'id' is absent or blank\n"
           "  --line-speed FIELD      line speed, km/h (default: speed_kmh)\n"
           "  --line-headway FIELD    minutes between trains (default: headway)\n"
           "  --line-headway-back FIELD  the same against the stop order (default: headway_bk;\n"
           "                          optional, blank = as --line-headway)\n"
           "  --line-minutes FIELD    run minutes between consecutive stops, 'a;b;;c', blank\n"
           "                          where unknown (default: minutes; optional)\n"
           "  --line-stops FIELD      'id;id;...': the calls of a service that skips stations\n"
           "                          (default: stops; optional; blank = every station within\n"
           "                          --snap of the line)\n"
           "Model:\n"
           "  --hubs ID,ID,...        hubs to run (default: every station with the hub flag)\n"
           "  --budget MIN            time budget, minutes (default: 60)\n"
           "  --resolution M          cell size, metres (default: 250)\n"
           "  --crs DEF               analysis CRS, projected, in metres, e.g. EPSG:32651\n"
           "                          (default: an Albers equal-area conic fitted to the\n"
           "                          boundaries)\n"
           "  --egress-speed KMH      local travel speed, km/h (default: 20)\n"
           "  --detour F              local route length / straight line (default: 1.3)\n"
           "  --access transit|walk|bike|car  local travel preset: transit 20 km/h, walk 5,\n"
           "                          bike 15, car 30 (roads at their speed), all detour 1.3;\n"
           "                          walk and bike use no motorway or expressway and no road\n"
           "                          faster than themselves; --egress-speed and --detour\n"
           "                          override it (default: transit)\n"
           "  --dwell MIN             dwell at each intermediate stop, minutes (default: 2)\n"
           "  --transfer MIN          time to change lines, minutes (default: 6)\n"
           "  --wait half-headway|none  boarding wait (default: half-headway)\n"
           "  --transfer-radius M     stations within M metres (straight line) are linked by\n"
           "                          local travel (--detour, --egress-speed) for a change of\n"
           "                          train; 0 = none (default: 1000)\n"
           "  --transfers CSV|none    links between stations: from_id,to_id,minutes (both\n"
           "                          ways unless a directed column is 1), overriding the\n"
           "                          radius (default: shapefiles/yrd_transfers.csv with the\n"
           "                          sample's stations, else none)\n"
           "  --direction from|to     travel from the hub or to it (default: from)\n"
           "  --kernel isotropic|rcost  local-travel search: straight lines wherever the\n"
           "                          friction is uniform, within 0.1 % of distance / speed in\n"
           "                          every direction (isotropic, default), or 16 moves per\n"
           "                          cell, equal to GRASS r.cost -k (up to 2.75 % slower\n"
           "                          off the 16 directions)\n"
           "  --snap M                stations within M metres of a line are its stops\n"
           "                          (default: 500)\n"
           "  --min-reach KM2         a county counts as reached (in reach.csv, summary.csv\n"
           "                          and the region's tables) only when at least this much\n"
           "                          of it is within the budget; 0 counts a single cell\n"
           "                          (default: 0.5); the isochrones and people_by_minute\n"
           "                          count every cell reached\n"
           "Isochrones:\n"
           "  --bands MIN,MIN,...     band limits, minutes (default: every 15 up to the budget;\n"
           "                          every 30, 45... over 16 h: at most 64 bands)\n"
           "  --min-area KM2          drop polygon parts and holes smaller than this (default: 0.1)\n"
           "  --simplify M            simplify within M metres, at most one cell (default: 0)\n"
           "Run:\n"
           "  --out DIR               output folder (default: out)\n"
           "  --threads N             worker threads, 0 = one per core (default: 0)\n"
           "  --max-memory MB         refuse grids needing more memory (default: 16384)\n"
           "  --timeout S             http(s) inputs: fail when a server sends nothing for S\n"
           "                          seconds (default: 60)\n"
           "  --cache DIR             http(s) inputs: where downloads are kept and revalidated\n"
           "                          (default: $XDG_CACHE_HOME/isoreach/fetch or\n"
           "                          ~/.cache/isoreach/fetch; none: a temporary copy)\n"
           "  --max-download MB       http(s) inputs: refuse larger downloads (default: 2048)\n"
           "  --model-cache DIR       keep the region's rasters (zones, people, friction, water)\n"
           "                          in DIR and map them on later runs with the same inputs\n"
           "                          and settings instead of rebuilding them (default: none)\n"
           "  --model-cache-max MB    keep DIR under MB: the model files used least recently\n"
           "                          go first, never this run's (default: 10240; 0: no limit)\n"
           "  --overwrite             recompute hubs whose outputs already exist\n"
           "  --shard K/N             compute only the K-th of N shares of the hubs (a job\n"
           "                          array task); isoreach merge --out DIR then writes the\n"
           "                          region products (README: Scale-out)\n"
           "  --write-friction        also write region/friction.tif (seconds per metre)\n"
           "  --no-maps               do not draw the PNG/SVG maps (isoreach map draws them later)\n"
           "  --attribution TEXT      data credits printed on the maps (default: the sample's\n"
           "                          credits for the sample, else the input file names)\n"
           "  --lang en|zh|both       language of the maps, legends, web map and table labels;\n"
           "                          English names from the inputs' name_en, pref_en and\n"
           "                          prov_en fields where they have them (default: en)\n";
#pragma GCC diagnostic pop

const char *isr_options_help(void) { return run_help; }

/* A folder whose `isoreach reach` was interrupted (run.json's reach.status "incomplete"):
 * some hubs' tables recounted on its boundaries, the others' and the region's not. Maps of
 * that mix would show both without a word: refused, saying how to finish. */
static isr_status refuse_partial_reach(isr_ctx *ctx, const char *out)
{
    char *path = isr_strdup_printf("%s/run.json", out);
    json_object *root = path ? json_object_from_file(path) : NULL, *re, *v;
    isr_status st = ISR_OK;
    if (root && json_object_object_get_ex(root, "reach", &re) &&
        json_object_object_get_ex(re, "status", &v) &&
        strcmp(json_object_get_string(v), "incomplete") == 0) {
        const char *b = json_object_object_get_ex(re, "boundaries", &v)
                            ? json_object_get_string(v)
                            : "";
        char q[ISR_SHQ_MAX];
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "'%s' holds reach tables recounted only in part: an isoreach reach on "
                      "boundaries '%s' was interrupted, so some hubs' tables come from them and "
                      "the others' and the region's from the earlier ones; finish it first (the "
                      "same isoreach reach command, --out %s), then draw the maps",
                      out, b ? b : "", isr_shq(out, q, sizeof q));
    }
    json_object_put(root);
    free(path);
    return st;
}

/* The water the run in `out` read, from its run.json, where a path is relative to `out` (a
 * new string; NULL: none, or not recorded). */
static char *run_water(const char *out)
{
    char *path = isr_strdup_printf("%s/run.json", out);
    json_object *root = path ? json_object_from_file(path) : NULL, *rec, *w;
    char *water = NULL;
    if (root && json_object_object_get_ex(root, "options", &rec) &&
        json_object_object_get_ex(rec, "--water", &w) && json_object_is_type(w, json_type_string)) {
        const char *v = json_object_get_string(w);
        water = strcmp(v, "none") == 0 ? strdup(v) : isr_path_in_out(out, v);
    }
    json_object_put(root);
    free(path);
    return water;
}

/* isoreach reach with --water other than the run's: the travel times are the run's, so that
 * water changes the land and people counted, not the paths (a run with it would not cross
 * it): said, with the way to make it a barrier. */
static void reach_water_warn(isr_ctx *ctx, const isr_options *eff, const char *out)
{
    if (!isr_options_given(eff, "--water"))
        return;
    char *was = run_water(out);
    const char *now = isr_options_water(eff);
    const char *run = was && strcmp(was, "none") ? was : NULL;
    char q[ISR_SHQ_MAX];
    if (now && !isr_same_file(run, now))
        isr_log(ctx, ISR_LOG_WARN,
                "--water %s is not the water of the run in '%s' (%s): the travel times are the "
                "run's, so it changes the land and the people counted (shares of land, people "
                "on land), not the paths, which may cross it; to make it a barrier, run "
                "isoreach run again with --water %s",
                now, out, run ? run : "none", isr_shq(now, q, sizeof q));
    else if (!now && run)
        isr_log(ctx, ISR_LOG_WARN,
                "--water none after a run in '%s' with water '%s': the travel times are the "
                "run's, so the paths keep clear of that water while its cells now count as land "
                "with people; to let local travel cross it, run isoreach run again with --water "
                "none",
                out, run);
    free(was);
}

isr_status isr_options_of_run(isr_ctx *ctx, const isr_options *opt, const char *cmd,
                              isr_options *eff, char **lock)
{
    isr_options_copy(opt, eff);
    *lock = NULL;
    if (!opt->out || !*opt->out)
        return isr_fail(ctx, ISR_ERR_USAGE, "no output folder (--out)");
    int found = 0;
    isr_status st = isr_out_lock(ctx, opt->out, lock);
    if (st == ISR_OK)
        isr_tmp_sweep_said(ctx, opt->out); /* a killed run's, as run sweeps them */
    if (st == ISR_OK && strcmp(cmd, "reach") == 0) /* it writes in every hub's folder (map:
                                                     * isr_publish, but not a run's own) */
        st = isr_out_links_check(ctx, opt->out);
    if (st == ISR_OK)
        st = options_from_run(ctx, eff, opt->out, &found,
                              strcmp(cmd, "reach") == 0 ? reach_needs : no_needs);
    char *shards = !found ? isr_strdup_printf("%s/shards", opt->out) : NULL;
    if (st == ISR_OK && !found && shards && isr_file_exists(shards))
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "--out '%s' holds the shards of a run but no run.json: they are not "
                      "merged yet; run isoreach merge --out '%s' once every shard has run, "
                      "then isoreach %s",
                      opt->out, opt->out, cmd);
    else if (st == ISR_OK && !found)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "--out '%s' holds no run.json: isoreach %s works on the outputs of a "
                      "finished isoreach run; run isoreach run --out '%s' first",
                      opt->out, cmd, opt->out);
    free(shards);
    if (st == ISR_OK && strcmp(cmd, "map") == 0)
        st = refuse_partial_reach(ctx, opt->out);
    if (st == ISR_OK && strcmp(cmd, "reach") == 0)
        reach_water_warn(ctx, eff, opt->out);
    return st;
}

isr_status isr_options_record_maps(isr_ctx *ctx, const isr_options *opt)
{
    const char *attr = isr_options_given(opt, "--attribution") ? opt->map_attribution : NULL;
    const char *lang = isr_options_given(opt, "--lang") ? isr_lang_name(opt->lang) : NULL;
    if (!attr && !lang)
        return ISR_OK;
    char *path = isr_strdup_printf("%s/run.json", opt->out);
    json_object *root = path ? json_object_from_file(path) : NULL, *rec = NULL;
    isr_status st = ISR_OK;
    if (!root || !json_object_object_get_ex(root, "options", &rec) ||
        !json_object_is_type(rec, json_type_object))
        st = path ? isr_fail(ctx, ISR_ERR_INPUT, "'%s': cannot read its options", path)
                  : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    const char *key[2] = {"--attribution", "--lang"}, *val[2] = {attr, lang};
    int changed = 0;
    for (int k = 0; st == ISR_OK && k < 2; k++) {
        json_object *was = NULL;
        if (!val[k] || (json_object_object_get_ex(rec, key[k], &was) && was &&
                        strcmp(json_object_get_string(was), val[k]) == 0))
            continue; /* not given, or the run's own */
        json_object_object_add(rec, key[k], json_object_new_string(val[k]));
        changed = 1;
    }
    if (st == ISR_OK && changed)
        st = isr_write_json(ctx, path, root);
    json_object_put(root);
    free(path);
    return st;
}

/* The flags `reach` and `map` read; the others are accepted (one parser) but unused. */
static const char reach_help[] =
    "Usage: isoreach reach [options]\n"
    "\n"
    "Recomputes the reach tables of an earlier run in --out (hubs/<id>/reach.csv,\n"
    "region/reach_matrix.csv, units.geojson, summary.json) from its rasters, with other\n"
    "boundaries, unit fields or a population raster, without rerunning the searches.\n"
    "\n"
    "Inputs (any OGR source: a path or an http(s) URL):\n"
    "  --out DIR               the folder of the earlier run (default: out)\n"
    "  --boundaries PATH       admin unit polygons (default: shapefiles/yrd_counties.shp)\n"
    "  --boundaries-layer NAME layer to read (default: the first)\n"
    "  --encoding NAME         text encoding of shapefile inputs (default: the .cpg file\n"
    "                          or the DBF's LDID)\n"
    "  --population RASTER|none  people per cell (default: the run's; none: the\n"
    "                          boundaries' --pop-field spread evenly over each unit's cells)\n"
    "  --water PATH|none       water polygons: no people, not land (default: the run's)\n"
    "Fields:\n"
    "  --unit-id FIELD         admin unit code (default: code)\n"
    "  --unit-name FIELD       unit name (default: name)\n"
    "  --pref-field, --pref-name FIELD  prefecture code and name (pref_code, pref_name)\n"
    "  --prov-field, --prov-name FIELD  province code and name (prov_code, prov_name)\n"
    "  --unit-name-en, --pref-name-en, --prov-name-en FIELD  English names of the\n"
    "                          unit, prefecture, province (name_en, pref_en, prov_en;\n"
    "                          optional: absent = blank name_en columns)\n"
    "  --pop-field FIELD       people per unit (default: pop)\n"
    "  --min-reach KM2         least area of a unit within the budget for it to count\n"
    "                          as reached (default: the run's)\n"
    "Run:\n"
    "  --timeout S             http(s) inputs: fail when a server sends nothing for S\n"
    "                          seconds (default: 60)\n"
    "  --cache DIR             http(s) inputs: download cache (default: ~/.cache/isoreach/\n"
    "                          fetch; none: a temporary copy)\n"
    "  --max-download MB       http(s) inputs: refuse larger downloads (default: 2048)\n"
    "  --no-maps               do not redraw the run's maps (they are then said to be stale)\n"
    "  --threads N             maps redrawn at once, 0 = one per core (default: 0)\n";

static const char map_help[] =
    "Usage: isoreach map [options]\n"
    "\n"
    "Draws the maps of a finished run in --out, each as PNG (1600 x 1200 px), SVG and\n"
    "PDF: one per hub (hubs/<id>/map.png, .svg, .pdf, the .pgw world file, a 1080 x 1080\n"
    "map_square.png and the people_by_minute chart), three region overviews\n"
    "(region/map_nearest_hub_time.*, map_nearest_hub.*, map_hubs_within.*; not for a run\n"
    "of a single hub, whose map they would repeat) and a contact sheet\n"
    "(region/contact_sheet.png, .svg). The stations and lines are those the run read\n"
    "(run.json).\n"
    "Text needs a CJK font (Debian: fonts-noto-cjk).\n"
    "\n"
    "Options:\n"
    "  --out DIR               the folder of the run (default: out)\n"
    "  --stations-layer, --lines-layer NAME\n"
    "                          layer of the run's stations and lines (default: the first)\n"
    "  --station-id FIELD      unique station id (default: id)\n"
    "  --station-name FIELD    station name (default: name)\n"
    "  --hub-field FIELD       non-zero for hubs (default: hub)\n"
    "  --attribution TEXT      data credits printed on the maps (default: the sample's\n"
    "                          credits for the sample, else the input file names)\n"
    "  --lang en|zh|both       language of the maps (default: the run's)\n"
    "  --threads N             maps drawn at once, 0 = one per core (default: 0)\n"
    "  --timeout S             http(s) inputs: fail when a server sends nothing for S\n"
    "                          seconds (default: 60)\n"
    "  --cache DIR             http(s) inputs: download cache (default: ~/.cache/isoreach/\n"
    "                          fetch; none: a temporary copy)\n"
    "  --max-download MB       http(s) inputs: refuse larger downloads (default: 2048)\n";

static const char merge_help[] =
    "Usage: isoreach merge [options]\n"
    "\n"
    "Writes the region products and run.json of a run made as N shards (isoreach run\n"
    "--shard K/N, K = 1..N, into one --out): checks that every shard finished with the\n"
    "same options and inputs (--out/shards/K-of-N.json), loads the model and reuses every\n"
    "hub's outputs, searching none. The result is that of one isoreach run.\n"
    "\n"
    "Options:\n"
    "  --out DIR               the folder the shards wrote (default: out)\n"
    "  --threads N             worker threads, 0 = one per core (default: 0)\n"
    "  --model-cache DIR       map the region's rasters from DIR (as isoreach run)\n"
    "  --model-cache-max MB    keep DIR under MB (as isoreach run; default: 10240)\n"
    "  --max-memory MB         refuse grids needing more than this (default: 16384)\n"
    "  --no-maps               do not draw the PNG/SVG maps\n"
    "  --lang en|zh|both       language of the maps and web map (default: as the run)\n";

static const char info_help[] =
    "Usage: isoreach info PATH\n"
    "\n"
    "Summarises any OGR vector source (a path or an http(s) URL): driver, layers, geometry\n"
    "type, CRS, feature count, fields, extent and how many geometries are invalid.\n";

const char *isr_command_help(const char *command)
{
    if (strcmp(command, "run") == 0)
        return isr_options_help();
    if (strcmp(command, "reach") == 0)
        return reach_help;
    if (strcmp(command, "map") == 0)
        return map_help;
    if (strcmp(command, "info") == 0)
        return info_help;
    if (strcmp(command, "merge") == 0)
        return merge_help;
    return NULL;
}
