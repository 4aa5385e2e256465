#include "internal.h"
isr_status isr_out_readme_write(isr_ctx *ctx, const char *out) { (void)ctx; (void)out; return ISR_OK; }
