/*
 * strbuf.c — the engine's one growing string (isr_info's text, QGIS styles, the web map's
 * data, cairo's SVG stream) and a monotonic clock for the timings in run.json. Memory failures are sticky: the first one sets `oom`,
 * later appends are ignored and isr_sb_take() returns NULL, so callers check once.
 */
#include "internal.h"

#include <limits.h>
#include <math.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int isr_sb_reserve(isr_sb *b, size_t extra)
{
    if (b->oom)
        return 0;
    if (b->len + extra + 1 <= b->cap)
        return 1;
    size_t nc = b->cap ? b->cap : 256;
    while (nc < b->len + extra + 1)
        nc *= 2;
    char *p = realloc(b->s, nc);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    b->s = p;
    b->cap = nc;
    return 1;
}

void isr_sb_add(isr_sb *b, const void *data, size_t len)
{
    if (!isr_sb_reserve(b, len))
        return;
    memcpy(b->s + b->len, data, len);
    b->len += len;
    b->s[b->len] = '\0';
}

void isr_sb_printf(isr_sb *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = isr_vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        b->oom = 1;
        return;
    }
    if (!isr_sb_reserve(b, (size_t)n)) {
        va_end(ap2);
        return;
    }
    isr_vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

char *isr_sb_take(isr_sb *b)
{
    char *s = b->oom ? NULL : b->s;
    if (b->oom)
        free(b->s);
    if (s == NULL && !b->oom) {
        s = malloc(1);
        if (s)
            *s = '\0';
    }
    b->s = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
    return s;
}

double isr_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void isr_free(void *p) { free(p); }

struct json_object *isr_json_num(double v, int decimals)
{
    if (!isfinite(v))
        return NULL; /* JSON has no inf or nan: null says "no value" */
    char buf[64];
    return json_object_new_double_s(v, isr_fmt_num(buf, sizeof buf, v, decimals));
}

int isr_grow_pair(void **a, size_t asz, void **b, size_t bsz, int *cap, int need, int first)
{
    long long nc = *cap ? 2LL * *cap : first;
    if (nc < need)
        nc = need;
    if (nc > INT_MAX)
        return 0;
    void *na = realloc(*a, (size_t)nc * asz);
    if (!na)
        return 0;
    *a = na;
    void *nb = realloc(*b, (size_t)nc * bsz);
    if (!nb)
        return 0;
    *b = nb;
    *cap = (int)nc;
    return 1;
}

const char *isr_shq(const char *s, char *buf, size_t n)
{
    size_t o = 0;
    if (n < 3)
        return "''";
    buf[o++] = '\'';
    for (; s && *s; s++) {
        const char *piece = *s == '\'' ? "'\\''" : NULL; /* ' ends the quote, \' adds one */
        size_t len = piece ? 4 : 1;
        if (o + len + 2 > n)
            break; /* cut, but still one quoted word */
        if (piece)
            memcpy(buf + o, piece, len);
        else
            buf[o] = *s;
        o += len;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}

char *isr_replace_all(char *t, const char *from, const char *to)
{
    const char *hit = t && *from ? strstr(t, from) : NULL;
    if (!hit)
        return t;
    isr_sb b = {0};
    size_t nf = strlen(from);
    const char *s = t;
    for (; hit; s = hit + nf, hit = strstr(s, from))
        isr_sb_printf(&b, "%.*s%s", (int)(hit - s), s, to);
    isr_sb_printf(&b, "%s", s);
    free(t);
    return isr_sb_take(&b);
}
