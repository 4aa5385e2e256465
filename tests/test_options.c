/* Criterion suite for options.c: defaults, the flag parser and its refusals. */
#include "internal.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <string.h>

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
                    "--wait", "none", "--direction=to", "--threads", "3", "--quiet",
                    "--crs", "EPSG:3857", NULL};
    cr_assert_eq(parse(ctx, &o, 14, argv), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_float_eq(o.budget_min, 45, 0);
    cr_assert_float_eq(o.resolution_m, 100, 0);
    cr_assert_str_eq(o.hubs, "a,b");
    cr_assert_eq(o.wait, ISR_WAIT_NONE);
    cr_assert_eq(o.direction, ISR_TO_HUB);
    cr_assert_eq(o.threads, 3);
    cr_assert_eq(o.quiet, 1);
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
    refused("--frobnicate", "1", "unknown option '--frobnicate' (see --help)");
    refused("--budget", NULL, "--budget needs a value (see --help)");
    refused("stray", NULL, "unexpected argument 'stray' (see --help)");
    refused("--out=", NULL, "--out: the value is empty");
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
    cr_assert_neq(isr_run_fingerprint(&o, "wkt"), isr_run_fingerprint(&d, "wkt"));
    isr_options_clear(&o);
    isr_options_clear(&d);
    isr_ctx_free(ctx);
}
