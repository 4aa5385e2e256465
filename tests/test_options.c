/* Criterion suite for options.c: defaults, the flag parser and its refusals. */
#include "internal.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static isr_status parse(isr_ctx *ctx, isr_options *o, int argc, char **argv)
{
    isr_options_init(o);
    return isr_options_parse(ctx, o, argc, argv);
}

Test(options, defaults)
{
    isr_options o;
    isr_options_init(&o);
    cr_assert_float_eq(o.budget_min, 60, 0);
    cr_assert_float_eq(o.resolution_m, 250, 0);
    cr_assert_eq(o.wait, ISR_WAIT_HALF_HEADWAY);
    cr_assert_eq(o.direction, ISR_FROM_HUB);
    cr_assert_eq(o.kernel, ISR_KERNEL_ISOTROPIC);
    cr_assert_str_eq(o.out, "out");
    cr_assert(strstr(o.boundaries, "shapefiles/yrd_counties.shp"));
}

Test(options, flags_in_both_forms)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_options o;
    char *argv[] = {"run", "--budget", "45", "--resolution=100", "--hubs", "a,b",
                    "--wait", "none", "--direction=to", "--threads", "3", "--no-maps",
                    "--crs", "EPSG:3857", NULL};
    cr_assert_eq(parse(ctx, &o, 14, argv), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_float_eq(o.budget_min, 45, 0);
    cr_assert_float_eq(o.resolution_m, 100, 0);
    cr_assert_str_eq(o.hubs, "a,b");
    cr_assert_eq(o.wait, ISR_WAIT_NONE);
    cr_assert_eq(o.direction, ISR_TO_HUB);
    cr_assert_eq(o.threads, 3);
    cr_assert_eq(o.no_maps, 1);
    cr_assert_str_eq(o.crs, "EPSG:3857");
    isr_options_clear(&o);
    isr_ctx_free(ctx);
}

static void refused(char *a1, char *a2, const char *msg)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_options o;
    char *argv[] = {"run", a1, a2, NULL};
    int argc = a2 ? 3 : 2;
    cr_assert_eq(parse(ctx, &o, argc, argv), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), msg);
    isr_options_clear(&o);
    isr_ctx_free(ctx);
}

Test(options, refusals_name_the_flag)
{
    refused("--budget", "0", "--budget: 0 is out of range (more than 0 to 1440)");
    refused("--resolution", "abc", "--resolution: 'abc' is not a number");
    refused("--resolution", "1e999", "--resolution: '1e999' is not a number");
    refused("--detour", "0.5", "--detour: 0.5 is out of range (from 1 to 10)");
    refused("--threads", "1.5", "--threads: '1.5' is not a whole number");
    refused("--wait", "always", "--wait: 'always' is not one of half-headway, none");
    refused("--direction", "up", "--direction: 'up' is not one of from, to");
    refused("--kernel", "r.cost", "--kernel: 'r.cost' is not one of isotropic, rcost");
    refused("--lang", "fr", "--lang: 'fr' is not one of en, zh, both");
    refused("--frobnicate", "1", "unknown option '--frobnicate' (see --help)");
    refused("--budget", NULL, "--budget needs a value (see --help)");
    refused("--wait", NULL, "--wait needs a value (see --help)");
    /* an unknown flag last on the line was said to need a value */
    refused("--frobnicate", NULL, "unknown option '--frobnicate' (see --help)");
    refused("stray", NULL, "unexpected argument 'stray' (see --help)");
    refused("--out=", NULL, "--out: the value is empty");
}

/* --scenario a=x --scenario A=y wrote scenarios/a and scenarios/A, one folder on Windows and
 * macOS: refused. A name with ñ was said to hold other than "letters": ASCII letters. */
Test(options, scenario_names_equal_but_for_case_are_refused)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_options o;
    char *argv[] = {"run", "--scenario", "plan_a=x", "--scenario", "Plan_A=y", NULL};
    cr_assert_eq(parse(ctx, &o, 5, argv), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "--scenario: the names 'plan_a' and 'Plan_A' differ only in case; their "
                     "folders scenarios/plan_a and scenarios/Plan_A would be one on Windows and "
                     "macOS: give each scenario its own name");
    isr_options_clear(&o);
    isr_ctx_free(ctx);
    refused("--scenario", "espa\xc3\xb1" "a=x",
            "--scenario: name 'espa\xc3\xb1" "a' may hold only ASCII letters (a-z, A-Z), "
            "digits, _ and - (at most 64): it names the folder scenarios/NAME");
    /* a Windows device name (no folder can have it there) and a leading '-' (an option to a
     * shell command), which hub folders already avoided (a new-user pass) */
    refused("--scenario", "nul=x",
            "--scenario: name 'nul' is a device name on Windows, where no folder can have it: "
            "it names the folder scenarios/nul; give another");
    refused("--scenario", "COM3=x",
            "--scenario: name 'COM3' is a device name on Windows, where no folder can have it: "
            "it names the folder scenarios/COM3; give another");
    refused("--scenario", "-rf=x",
            "--scenario: name '-rf' begins with '-', which a command line takes for an option: "
            "it names the folder scenarios/-rf; give another");
}

/* What a client of include/isoreach.h can do with the opaque handle alone: new from argv,
 * set by name with or without dashes, a refusal that keeps the earlier value, get of every
 * kind of value, free(NULL). */
Test(options, opaque_api_is_enough_for_a_client)
{
    isr_ctx *ctx = isr_ctx_new();
    char *argv[] = {"run", "--budget", "45", "--hubs=a,b", "--no-maps", NULL};
    isr_options *o = isr_options_new(ctx, 5, argv);
    cr_assert_not_null(o, "%s", isr_ctx_errmsg(ctx));
    cr_assert_str_eq(isr_options_get(o, "budget"), "45");
    cr_assert_str_eq(isr_options_get(o, "--hubs"), "a,b");
    cr_assert_str_eq(isr_options_get(o, "no-maps"), "1");
    cr_assert_str_eq(isr_options_get(o, "overwrite"), "0");
    /* defaults: numbers in their shortest exact form, enums as their flag values */
    cr_assert_str_eq(isr_options_get(o, "out"), "out");
    cr_assert_str_eq(isr_options_get(o, "min-area"), "0.1");
    cr_assert_str_eq(isr_options_get(o, "detour"), "1.3");
    cr_assert_str_eq(isr_options_get(o, "max-memory"), "16384");
    cr_assert_str_eq(isr_options_get(o, "threads"), "0");
    cr_assert_str_eq(isr_options_get(o, "wait"), "half-headway");
    cr_assert_str_eq(isr_options_get(o, "direction"), "from");
    cr_assert_str_eq(isr_options_get(o, "kernel"), "isotropic");
    cr_assert_str_eq(isr_options_get(o, "station-id"), "id");
    cr_assert(strstr(isr_options_get(o, "boundaries"), "shapefiles/yrd_counties.shp"));
    cr_assert_null(isr_options_get(o, "crs"), "--crs has no default value");
    cr_assert_null(isr_options_get(o, "frobnicate"), "an unknown name has no value");

    cr_assert_eq(isr_options_set(ctx, o, "resolution", "1000"), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(isr_options_set(ctx, o, "--direction", "to"), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(isr_options_set(ctx, o, "threads", "3"), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(isr_options_set(ctx, o, "overwrite", NULL), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(isr_options_set(ctx, o, "out", "elsewhere"), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_str_eq(isr_options_get(o, "resolution"), "1000");
    cr_assert_str_eq(isr_options_get(o, "direction"), "to");
    cr_assert_str_eq(isr_options_get(o, "threads"), "3");
    cr_assert_str_eq(isr_options_get(o, "overwrite"), "1");
    cr_assert_str_eq(isr_options_get(o, "--out"), "elsewhere");

    /* refusals: the parser's exact message, and the earlier value stays */
    cr_assert_eq(isr_options_set(ctx, o, "budget", "0"), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "--budget: 0 is out of range (more than 0 to 1440)");
    cr_assert_str_eq(isr_options_get(o, "budget"), "45");
    cr_assert_eq(isr_options_set(ctx, o, "--budget", NULL), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "--budget needs a value (see --help)");
    cr_assert_eq(isr_options_set(ctx, o, "frobnicate", "1"), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "unknown option '--frobnicate' (see --help)");
    /* one dash, or a value for a switch: said as such (it read '---budget', and "unexpected
     * argument '1'" without the flag) */
    cr_assert_eq(isr_options_set(ctx, o, "-budget", "50"), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_str_eq(isr_options_get(o, "budget"), "50");
    cr_assert_eq(isr_options_set(ctx, o, "no-maps", "1"), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "--no-maps is a switch: it takes no value ('1'); set it "
                                          "with no value (NULL; True from Python), and leave it "
                                          "out to have it off");
    cr_assert_eq(isr_options_set(ctx, o, "", "1"), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "isr_options_set: no option name");
    isr_options_free(o);
    isr_options_free(NULL);

    char *bad[] = {"run", "--wait", "always", NULL};
    cr_assert_null(isr_options_new(ctx, 3, bad));
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "--wait: 'always' is not one of half-headway, none");
    /* the status of that refusal, for a host that got NULL (the CLI: exit 2) */
    cr_assert_eq(isr_ctx_status(ctx), ISR_ERR_USAGE);
    isr_options *ok = isr_options_new(ctx, 0, NULL);
    cr_assert_eq(isr_ctx_status(ctx), ISR_OK, "a call that succeeds starts clean");
    isr_options_free(ok);
    isr_ctx_free(ctx);
}

/* --quiet and --log-json are the CLI's (it takes them out of argv): the library refuses them
 * and says what a host does instead. */
Test(options, cli_switches_are_not_library_options)
{
    isr_ctx *ctx = isr_ctx_new();
    char *q[] = {"run", "-q", NULL};
    cr_assert_null(isr_options_new(ctx, 2, q));
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "-q is a switch of the isoreach command line, not an option of the library: "
                     "a host that wants no progress installs no progress callback "
                     "(isr_ctx_set_progress)");
    isr_options *o = isr_options_new(ctx, 0, NULL);
    cr_assert_not_null(o);
    cr_assert_eq(isr_options_set(ctx, o, "quiet", NULL), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "--quiet is a switch of the isoreach command line, not an option of the "
                     "library: a host that wants no progress installs no progress callback "
                     "(isr_ctx_set_progress)");
    cr_assert_eq(isr_options_set(ctx, o, "log-json", NULL), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx),
                     "--log-json is a switch of the isoreach command line, not an option of the "
                     "library: a host formats messages in its own logger (isr_ctx_set_logger)");
    cr_assert_null(isr_options_get(o, "quiet"));
    isr_options_free(o);
    isr_ctx_free(ctx);
}

/* One list of input datasets: run.json records exactly these absolute, the fingerprint hashes
 * exactly these file by file, in this order (files.c reads isr_options_inputs). */
Test(options, one_list_of_input_datasets)
{
    isr_options o;
    isr_options_init(&o);
    o.friction = NULL;
    cr_assert_eq(chdir(ISR_SAMPLE_DIR), 0); /* (each Criterion test is its own process) */
    o.population = "yrd_counties.shp";      /* relative: recorded absolute */
    const char *names[12], *paths[12];
    cr_assert_eq(isr_options_inputs(&o, names, paths, 12), 9);
    const char *want[] = {"--boundaries", "--stations", "--lines", "--friction", "--roads",
                          "--road-classes", "--water", "--population", "--transfers"}; /* #13 */
    for (int i = 0; i < 9; i++)
        cr_assert_str_eq(names[i], want[i]);
    cr_assert_eq(paths[0], o.boundaries);
    cr_assert_null(paths[3]);
    cr_assert_str_eq(paths[4], ISR_SAMPLE_DIR "/yrd_crossings.shp"); /* with the sample */
    cr_assert_null(paths[5]);
    cr_assert_eq(paths[6], o.water, "the sample's water goes with the sample's boundaries");
    cr_assert_eq(paths[7], o.population);
    cr_assert_str_eq(paths[8], ISR_SAMPLE_DIR "/yrd_transfers.csv");
    cr_assert_eq(isr_options_inputs(&o, names, paths, 2), 2, "at most max");

    struct json_object *rec = isr_options_to_json(&o);
    cr_assert_not_null(rec);
    struct json_object *v = NULL;
    cr_assert(json_object_object_get_ex(rec, "--population", &v));
    const char *pop = json_object_get_string(v);
    /* issue 17: relative to the output folder, no path of the machine */
    char *rel = isr_path_rel_to_out(o.out, ISR_SAMPLE_DIR "/yrd_counties.shp");
    cr_assert_neq(pop[0], '/', "--population recorded as '%s', not relative", pop);
    cr_assert_str_eq(pop, rel);
    cr_assert(json_object_object_get_ex(rec, "--boundaries", &v));
    cr_assert_str_eq(json_object_get_string(v), rel);
    free(rel);
    /* not an input: as given, though it names a file relative to here too */
    o.crs = "yrd_counties.prj";
    json_object_put(rec);
    rec = isr_options_to_json(&o);
    cr_assert(json_object_object_get_ex(rec, "--crs", &v));
    cr_assert_str_eq(json_object_get_string(v), "yrd_counties.prj");
    json_object_put(rec);
}

Test(options, lang_is_chosen_recorded_and_not_fingerprinted)
{
    /* --lang changes what readers see, not the model: run.json records it (so isoreach map
     * and reach draw in the run's language) and a resumed run reuses its rasters */
    isr_ctx *ctx = isr_ctx_new();
    isr_options o, d, r;
    isr_options_init(&d);
    isr_options_init(&r);
    char *argv[] = {"run", "--lang", "zh", NULL};
    cr_assert_eq(parse(ctx, &o, 3, argv), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(o.lang, ISR_LANG_ZH);
    cr_assert_eq(d.lang, ISR_LANG_EN);
    cr_assert_str_eq(isr_options_get(&o, "lang"), "zh");
    json_object *j = isr_options_to_json(&o), *k = NULL;
    cr_assert(json_object_object_get_ex(j, "--lang", &k));
    cr_assert_str_eq(json_object_get_string(k), "zh");
    cr_assert_eq(isr_options_apply_record(ctx, &r, j), ISR_OK);
    cr_assert_eq(r.lang, ISR_LANG_ZH);
    json_object_put(j);
    cr_assert_eq(isr_run_fingerprint(NULL, &o, "wkt"), isr_run_fingerprint(NULL, &d, "wkt"));
    isr_options_clear(&o);
    isr_options_clear(&d);
    isr_options_clear(&r);
    isr_ctx_free(ctx);
}

Test(options, kernel_is_chosen_recorded_and_fingerprinted)
{
    /* --kernel rcost selects the r.cost-compatible search, run.json records it (so reach,
     * map and a resumed run see it) and it changes the resume fingerprint: a raster made by
     * one kernel is never reused for the other */
    isr_ctx *ctx = isr_ctx_new();
    isr_options o, d;
    isr_options_init(&d);
    char *argv[] = {"run", "--kernel=rcost", NULL};
    cr_assert_eq(parse(ctx, &o, 2, argv), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(o.kernel, ISR_KERNEL_RCOST);
    json_object *j = isr_options_to_json(&o), *k = NULL;
    cr_assert(json_object_object_get_ex(j, "--kernel", &k));
    cr_assert_str_eq(json_object_get_string(k), "rcost");
    json_object_put(j);
    j = isr_options_to_json(&d);
    cr_assert(json_object_object_get_ex(j, "--kernel", &k));
    cr_assert_str_eq(json_object_get_string(k), "isotropic");
    json_object_put(j);
    cr_assert_neq(isr_run_fingerprint(NULL, &o, "wkt"), isr_run_fingerprint(NULL, &d, "wkt"));
    isr_options_clear(&o);
    isr_options_clear(&d);
    isr_ctx_free(ctx);
}

Test(options, access_presets_and_the_sample_roads)
{
    /* --access sets speed and detour unless they are given (before or after it); the
     * sample's crossings are the roads only while the boundaries are the sample's; roads
     * and access change the resume fingerprint */
    isr_ctx *ctx = isr_ctx_new();
    isr_options o, d;
    isr_options_init(&d);
    char *a1[] = {"run", "--access", "walk", NULL};
    cr_assert_eq(parse(ctx, &o, 3, a1), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(o.access, ISR_ACCESS_WALK);
    cr_assert_float_eq(o.egress_speed_kmh, 5, 1e-12);
    cr_assert_float_eq(o.detour, 1.3, 1e-12);
    cr_assert_str_eq(isr_options_get(&o, "access"), "walk");
    cr_assert_neq(isr_run_fingerprint(NULL, &o, "wkt"), isr_run_fingerprint(NULL, &d, "wkt"));
    isr_options_clear(&o);
    char *a2[] = {"run", "--egress-speed", "7", "--access=bike", "--detour", "1.1", NULL};
    cr_assert_eq(parse(ctx, &o, 6, a2), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_float_eq(o.egress_speed_kmh, 7, 1e-12);
    cr_assert_float_eq(o.detour, 1.1, 1e-12);
    isr_options_clear(&o);
    char *a3[] = {"run", "--access", "horse", NULL};
    cr_assert_eq(parse(ctx, &o, 3, a3), ISR_ERR_USAGE);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), "--access: 'horse' is not one of transit, walk, bike, car");
    isr_options_clear(&o);
    cr_assert_str_eq(d.roads, ISR_SAMPLE_DIR "/yrd_crossings.shp");
    char *a4[] = {"run", "--boundaries", "mine.gpkg", NULL};
    cr_assert_eq(parse(ctx, &o, 3, a4), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_null(o.roads);
    isr_options_clear(&o);
    char *a5[] = {"run", "--boundaries", "mine.gpkg", "--roads", "r.gpkg", NULL};
    cr_assert_eq(parse(ctx, &o, 5, a5), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_str_eq(o.roads, "r.gpkg");
    cr_assert_neq(isr_run_fingerprint(NULL, &o, "wkt"), isr_run_fingerprint(NULL, &d, "wkt"));
    isr_options_clear(&o);
    /* set directly (a white-box caller): the model ignores the sample's crossings too */
    isr_options_init(&o);
    o.boundaries = "mine.gpkg";
    cr_assert_null(isr_options_roads(&o));
    isr_ctx_free(ctx);
}

/* The sample's water is the default with the sample's boundaries only; given, it is read
 * with any boundaries; "none" turns it off. run.json and the fingerprint see the same. */
Test(options, water_defaults_to_the_sample_water_with_the_sample_boundaries)
{
    isr_ctx *ctx = isr_ctx_new();
    isr_options o;
    isr_options_init(&o);
    cr_assert_str_eq(isr_options_water(&o), ISR_SAMPLE_DIR "/yrd_water.shp");
    char *a1[] = {"run", "--boundaries", "/data/mine.gpkg"};
    cr_assert_eq(isr_options_parse(ctx, &o, 3, a1), ISR_OK);
    cr_assert_null(isr_options_water(&o), "no water with the user's own boundaries");
    const char *names[12], *paths[12];
    isr_options_inputs(&o, names, paths, 12);
    cr_assert_str_eq(names[6], "--water");
    cr_assert_null(paths[6]);
    char *a2[] = {"run", "--water", ISR_SAMPLE_DIR "/yrd_water.shp"};
    cr_assert_eq(isr_options_parse(ctx, &o, 3, a2), ISR_OK);
    cr_assert_str_eq(isr_options_water(&o), ISR_SAMPLE_DIR "/yrd_water.shp", "given: read");
    isr_options_clear(&o);
    isr_options_init(&o);
    char *a3[] = {"run", "--water", "none"};
    cr_assert_eq(isr_options_parse(ctx, &o, 3, a3), ISR_OK);
    cr_assert_null(isr_options_water(&o));
    isr_options_clear(&o);
    isr_ctx_free(ctx);
}

/* One rule for the three sample defaults (isr_sample_default_unused): the crossings and the
 * water go with the sample's boundaries, the transfers table with its stations, whichever
 * way the path to the sample is written (relative, through a symbolic link); with other
 * boundaries or stations they are left out, and a flag given is always read. */
Test(options, sample_defaults_follow_the_sample_by_file_not_by_spelling)
{
    char dir[] = "/tmp/isr-optXXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char link[300], rel[600], cwd[4096];
    snprintf(link, sizeof link, "%s/sample", dir);
    cr_assert_eq(symlink(ISR_SAMPLE_DIR, link), 0);
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    /* the sample's folder relative to the working folder, however deep that is */
    snprintf(rel, sizeof rel, ".");
    for (const char *p = cwd; *p; p++)
        if (*p == '/')
            strncat(rel, "/..", sizeof rel - strlen(rel) - 1);
    strncat(rel, ISR_SAMPLE_DIR, sizeof rel - strlen(rel) - 1);
    isr_ctx *ctx = isr_ctx_new();
    const char *spellings[] = {link, rel};
    for (int i = 0; i < 2; i++) {
        char b[700], st[700];
        snprintf(b, sizeof b, "%s/yrd_counties.shp", spellings[i]);
        snprintf(st, sizeof st, "%s/yrd_rail_stations.shp", spellings[i]);
        isr_options o;
        isr_options_init(&o);
        char *a[] = {"run", "--boundaries", b, "--stations", st};
        cr_assert_eq(isr_options_parse(ctx, &o, 5, a), ISR_OK, "%s", isr_ctx_errmsg(ctx));
        cr_assert_str_eq(isr_options_water(&o), ISR_SAMPLE_DIR "/yrd_water.shp", "%s", b);
        cr_assert_str_eq(isr_options_roads(&o), ISR_SAMPLE_DIR "/yrd_crossings.shp", "%s", b);
        cr_assert_str_eq(isr_transfers_table(&o), ISR_SAMPLE_DIR "/yrd_transfers.csv", "%s", st);
        isr_options_clear(&o);
    }
    /* a copy of the sample's files, byte for byte, in a folder of the user's: the sample (the
     * three were dropped without a word, a new-user pass); a copy whose .dbf differs is not */
    char cp[900], cb[700], cs[700];
    snprintf(cp, sizeof cp, "mkdir '%s/copy' && cp '%s'/yrd_counties.* '%s'/yrd_rail_stations.* "
             "'%s/copy/'", dir, ISR_SAMPLE_DIR, ISR_SAMPLE_DIR, dir);
    cr_assert_eq(system(cp), 0);
    snprintf(cb, sizeof cb, "%s/copy/yrd_counties.shp", dir);
    snprintf(cs, sizeof cs, "%s/copy/yrd_rail_stations.shp", dir);
    for (int edited = 0; edited < 2; edited++) {
        if (edited) { /* one byte of the stations' and counties' tables changed */
            snprintf(cp, sizeof cp, "printf 'X' | dd of='%s/copy/yrd_counties.dbf' bs=1 seek=200 "
                     "conv=notrunc 2>/dev/null && printf 'X' | dd "
                     "of='%s/copy/yrd_rail_stations.dbf' bs=1 seek=200 conv=notrunc 2>/dev/null",
                     dir, dir);
            cr_assert_eq(system(cp), 0);
        }
        isr_options o;
        isr_options_init(&o);
        char *a[] = {"run", "--boundaries", cb, "--stations", cs};
        cr_assert_eq(isr_options_parse(ctx, &o, 5, a), ISR_OK, "%s", isr_ctx_errmsg(ctx));
        if (!edited) {
            cr_assert_str_eq(isr_options_water(&o), ISR_SAMPLE_DIR "/yrd_water.shp");
            cr_assert_str_eq(isr_options_roads(&o), ISR_SAMPLE_DIR "/yrd_crossings.shp");
            cr_assert_str_eq(isr_transfers_table(&o), ISR_SAMPLE_DIR "/yrd_transfers.csv");
        } else {
            cr_assert_null(isr_options_water(&o));
            cr_assert_null(isr_options_roads(&o));
            cr_assert_null(isr_transfers_table(&o));
        }
        isr_options_clear(&o);
    }
    snprintf(cp, sizeof cp, "rm -rf '%s/copy'", dir);
    cr_assert_eq(system(cp), 0);
    isr_options o;
    isr_options_init(&o); /* other boundaries and stations: none of the three */
    char *a[] = {"run", "--boundaries", "/data/mine.gpkg", "--stations", "/data/st.gpkg"};
    cr_assert_eq(isr_options_parse(ctx, &o, 5, a), ISR_OK);
    cr_assert_null(isr_options_water(&o));
    cr_assert_null(isr_options_roads(&o));
    cr_assert_null(isr_transfers_table(&o));
    isr_options_clear(&o);
    isr_options_init(&o); /* given: read with any boundaries */
    char *g[] = {"run", "--boundaries", "/data/mine.gpkg", "--transfers", link};
    cr_assert_eq(isr_options_parse(ctx, &o, 5, g), ISR_OK);
    cr_assert_str_eq(isr_transfers_table(&o), link);
    isr_options_clear(&o);
    isr_ctx_free(ctx);
    unlink(link);
    rmdir(dir);
}

/* run --help said --scenario was "(lines mode only)"; scenarios work with --gtfs too
 * (scenario_gtfs.c, tests/test_scengtfs.c). */
Test(options, help_says_scenarios_work_with_gtfs)
{
    const char *h = isr_options_help(), *sc = strstr(h, "  --scenario NAME=PATH");
    cr_assert_not_null(sc);
    const char *end = strstr(sc, "\nTimetables (GTFS):");
    cr_assert_not_null(end);
    char entry[512];
    snprintf(entry, sizeof entry, "%.*s", (int)(end - sc), sc);
    cr_assert(!strstr(entry, "lines mode only"), "%s", entry);
    cr_assert(strstr(entry, "in lines mode and with\n                          --gtfs"), "%s",
              entry);
}

/* Options made for `reach` or `map` refuse a flag of the run's search, from the command line
 * and from a client's isr_options_set alike (they were ignored: reach --budget 30 recounted
 * nothing at 30), and take the run's inputs and fields, which users pass again. */
Test(options, reach_and_map_refuse_the_search_flags)
{
    isr_ctx *ctx = isr_ctx_new();
    char *argv[] = {"reach", "--hubs", "x", NULL};
    cr_assert_null(isr_options_new(ctx, 3, argv));
    cr_assert(strstr(isr_ctx_errmsg(ctx), "--hubs shapes the run's search, which isoreach reach "
                                          "does not redo"),
              "%s", isr_ctx_errmsg(ctx));
    char *ok[] = {"map", "--stations", "st.shp", "--lang", "en", NULL};
    isr_options *o = isr_options_new(ctx, 5, ok);
    cr_assert_not_null(o, "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(isr_options_set(ctx, o, "budget", "30"), ISR_ERR_USAGE);
    cr_assert(strstr(isr_ctx_errmsg(ctx), "--budget shapes the run's search, which isoreach map "),
              "%s", isr_ctx_errmsg(ctx));
    cr_assert_eq(isr_options_set(ctx, o, "boundaries", "b.shp"), ISR_OK, "%s",
                 isr_ctx_errmsg(ctx));
    isr_options_free(o);
    char *run[] = {"run", NULL};
    o = isr_options_new(ctx, 1, run); /* a run's options take them all */
    cr_assert_eq(isr_options_set(ctx, o, "budget", "30"), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    isr_options_free(o);
    isr_ctx_free(ctx);
}

/* A flag given twice: the last value wins, said once in an information line (it won
 * without a word; a new-user pass; not a warning: scripts give defaults, then overrides); --scenario and --gtfs add one each time and are not "given twice". A switch given a
 * value is told it takes none (it was "unknown option"); an encoding the system does not
 * know is refused (it was recorded and the shapefile read as GDAL pleased). */
static void log_keep(void *user, isr_log_level level, const char *msg)
{
    if (level == ISR_LOG_INFO)
        snprintf(user, 400, "%s", msg);
}

Test(options, a_flag_given_twice_is_said_switch_values_and_encodings_checked)
{
    isr_ctx *ctx = isr_ctx_new();
    char said[400] = "";
    isr_ctx_set_logger(ctx, log_keep, said, ISR_LOG_INFO);
    isr_options o;
    char *argv[] = {"run", "--hubs", "a", "--budget", "30", "--hubs", "b", "--budget=45",
                    "--access", "walk", "--access", "car", NULL};
    cr_assert_eq(parse(ctx, &o, 12, argv), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_float_eq(o.budget_min, 45, 1e-12);
    cr_assert_str_eq(o.hubs, "b");
    isr_options_twice_warn(ctx, &o);
    cr_assert_str_eq(said, "given more than once, the last value is used: --hubs ('b'), "
                           "--budget ('45'), --access ('car')");
    isr_options_clear(&o);
    said[0] = '\0';
    char *once[] = {"run", "--budget", "30", "--scenario", "a=x", "--scenario", "b=y", NULL};
    cr_assert_eq(parse(ctx, &o, 7, once), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    isr_options_twice_warn(ctx, &o);
    cr_assert_str_eq(said, "");
    isr_options_clear(&o);
    isr_ctx_free(ctx);
    refused("--overwrite=1", NULL, "--overwrite takes no value: give it alone (got "
                                   "'--overwrite=1')");
    refused("--encoding", "NOPE", "--encoding 'NOPE' is no encoding this system can read (e.g. "
                                  "GBK, CP936, BIG5, CP1252, ISO-8859-1, UTF-8)");
    isr_ctx *c2 = isr_ctx_new();
    char *gbk[] = {"run", "--encoding", "GBK", NULL};
    cr_assert_eq(parse(c2, &o, 3, gbk), ISR_OK, "%s", isr_ctx_errmsg(c2));
    isr_options_clear(&o);
    isr_ctx_free(c2);
}
