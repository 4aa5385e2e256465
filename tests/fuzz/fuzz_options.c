/* libFuzzer harness for isr_options_parse: the `isoreach run` flags. The input is split into
 * arguments at newlines and NUL bytes (at most 32), so the fuzzer writes command lines:
 * "--budget\n45\n--bands=15,30\n". Checks beyond "no crash, no leak": a refusal always
 * leaves a message and is a usage error (or out of memory), and what is accepted is in
 * range. */
#include "fuzz_text.h"
#include "internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static isr_ctx *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ctx = isr_ctx_new();
    return ctx ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_text(data, size);
    if (!buf)
        return 0;
    char *argv[34];
    int argc = 0;
    argv[argc++] = "run";
    for (char *p = buf, *end = buf + size; argc < 33 && p <= end;) {
        char *q = p;
        while (q < end && *q != '\n' && *q != '\0')
            q++;
        *q = '\0';
        argv[argc++] = p;
        p = q + 1;
    }
    argv[argc] = NULL;
    isr_options opt;
    isr_options_init(&opt);
    isr_status st = isr_options_parse(ctx, &opt, argc, argv);
    if (st != ISR_OK && (!*isr_ctx_errmsg(ctx) || (st != ISR_ERR_USAGE && st != ISR_ERR_MEMORY)))
        abort();
    if (st == ISR_OK &&
        (!(opt.budget_min > 0 && opt.budget_min <= 1440) ||
         !(opt.resolution_m > 0 && opt.resolution_m <= 1e6) || !(opt.detour >= 1) ||
         !(opt.egress_speed_kmh > 0) || !isfinite(opt.max_memory_mb) || opt.threads < 0 ||
         opt.threads > 1024 || !opt.out || !*opt.out || (opt.hubs && !*opt.hubs)))
        abort();
    isr_options_clear(&opt);
    free(buf);
    return 0;
}
