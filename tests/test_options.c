/* Criterion suite for options.c: defaults, the flag parser and its refusals. */
#include "internal.h"

#include <criterion/criterion.h>
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
    refused("--frobnicate", "1", "unknown option '--frobnicate' (see --help)");
    refused("--budget", NULL, "--budget needs a value (see --help)");
    refused("stray", NULL, "unexpected argument 'stray' (see --help)");
    refused("--out=", NULL, "--out: the value is empty");
}
