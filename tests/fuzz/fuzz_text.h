/* fuzz_text.h — what the harnesses of text parsers share: libFuzzer's bytes as a C string. */
#ifndef ISR_FUZZ_TEXT_H
#define ISR_FUZZ_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A copy of the `size` bytes at `data`, NUL-terminated (a parser reads up to the first NUL),
 * for free(); NULL when out of memory. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return NULL;
    if (size)
        memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

#endif
