/* libFuzzer harness for isr_bands_parse: the `--bands` list ("15,30,45,60"). The first byte
 * picks the budget (1 to 256 minutes), the rest is the list. Accepted bands must be 1 to
 * ISR_MAX_BANDS limits, increasing, each in (0, budget]; a refusal leaves a message. */
#include "fuzz_text.h"
#include "internal.h"

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
    double budget = size ? 1.0 + data[0] : 60.0;
    char *spec = size ? fuzz_text(data + 1, size - 1) : fuzz_text(data, 0);
    if (!spec)
        return 0;
    double b[ISR_MAX_BANDS];
    int n = -1;
    isr_ctx_reset(ctx);
    isr_status st = isr_bands_parse(ctx, size ? spec : NULL, budget, b, &n);
    if (st != ISR_OK && (st != ISR_ERR_USAGE || !*isr_ctx_errmsg(ctx)))
        abort();
    if (st == ISR_OK) {
        if (n < 1 || n > ISR_MAX_BANDS)
            abort();
        for (int i = 0; i < n; i++)
            if (!(b[i] > 0) || b[i] > budget + 1e-9 || (i > 0 && !(b[i] > b[i - 1])))
                abort();
    }
    free(spec);
    return 0;
}
