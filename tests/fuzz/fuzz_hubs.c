/* libFuzzer harness for isr_hubs_select: the `--hubs` list ("a,b,c") resolved against a
 * network of five stations. Accepted lists give 1 to 5 distinct valid station numbers; a
 * refusal leaves a message. */
#include "fuzz_text.h"
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static isr_ctx *ctx;
static isr_rail_net *net;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ctx = isr_ctx_new();
    net = isr_rail_net_new();
    const char *ids[] = {"a", "b", "shanghai_hongqiao", "上海虹桥", "x y"};
    for (int i = 0; i < 5; i++)
        if (isr_rail_net_add_station(net, ids[i], ids[i], i * 1000.0, 0, i == 2) < 0)
            return 1;
    return ctx ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *list = fuzz_text(data, size);
    if (!list)
        return 0;
    isr_options opt;
    isr_options_init(&opt);
    opt.hubs = size ? list : NULL; /* no list: the hub flags (one station) */
    opt.stations = "stations.geojson";
    int *hubs = NULL, n = 0;
    isr_ctx_reset(ctx);
    isr_status st = isr_hubs_select(ctx, &opt, net, &hubs, &n);
    if (st != ISR_OK && !*isr_ctx_errmsg(ctx))
        abort();
    if (st == ISR_OK) {
        if (n < 1 || n > 5)
            abort();
        for (int i = 0; i < n; i++) {
            if (hubs[i] < 0 || hubs[i] >= 5)
                abort();
            for (int k = 0; k < i; k++)
                if (hubs[k] == hubs[i])
                    abort();
        }
    }
    free(hubs);
    free(list);
    return 0;
}
