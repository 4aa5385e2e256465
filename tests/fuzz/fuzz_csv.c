/* libFuzzer harness for the CSV reader of the GTFS files (csv.c): any bytes up to the first
 * NUL as a CSV text. Every record has at least one field, lies inside the text, starts on a
 * line not before the last one, and the reader ends (0) or stops at an unclosed quote (-1). */
#include "fuzz_text.h"
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    size_t len = strlen(text);
    isr_csv c;
    isr_csv_init(&c, text);
    int r = isr_csv_header(&c), last = 0;
    if (r == 1 && (c.nhead < 1 || isr_csv_col(&c, c.head[0]) != 0))
        abort();
    while (r == 1) {
        if (c.line < last || c.line < 1)
            abort();
        last = c.line;
        r = isr_csv_next(&c);
        for (int i = 0; r == 1 && i < c.nf; i++)
            if (c.f[i] < text || c.f[i] + strlen(c.f[i]) > text + len ||
                isr_csv_get(&c, i) != c.f[i])
                abort();
        if (r == 1 && (c.nf < 1 || *isr_csv_get(&c, c.nf) || *isr_csv_get(&c, -1)))
            abort();
    }
    if (r != 0 && r != -1)
        abort();
    isr_csv_clear(&c);
    free(text);
    return 0;
}
