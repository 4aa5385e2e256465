/*
 * fmt.c — numbers as the files say them: '.' for the decimal point, whatever the host set.
 *
 * printf("%f") and strtod() follow LC_NUMERIC, and a host program (a Qt application, a GIS
 * plug-in) may have called setlocale(LC_ALL, "") in a country that writes 1,5: every CSV,
 * JSON, GeoJSON, XML and HTML the engine writes would then hold "1,5" (a broken CSV row, an
 * invalid JSON number), and "1.5" read back would stop at the '.'. So the engine formats and
 * parses through these functions only: each switches the calling thread to the "C" locale
 * (uselocale(), POSIX 2008: per thread, so other threads of the host are untouched) for the
 * one call and switches back. The "C" locale object is made once (pthread_once) and never
 * changes; in glibc it is a static object and costs nothing to use.
 * isr_fprintf() also leaves a field empty where a number is infinite or NaN (see below).
 */
#include "internal.h"

#include <locale.h>
#include <string.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

static locale_t c_locale = (locale_t)0;
static pthread_once_t c_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* Switches this thread to the C locale; returns the locale to restore (0: nothing to do). */
static locale_t c_enter(void)
{
    pthread_once(&c_once, c_locale_init);
    return c_locale ? uselocale(c_locale) : (locale_t)0;
}

static void c_leave(locale_t old)
{
    if (old)
        uselocale(old);
}

int isr_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    locale_t old = c_enter();
    int r = vsnprintf(buf, n, fmt, ap);
    c_leave(old);
    /* cut short (a name longer than the buffer): never inside a character, whose lead byte
     * would make the rest of the text invalid UTF-8 (pango warns, cairo's PDF refuses it) */
    if (r >= 0 && n > 0 && (size_t)r >= n)
        buf[isr_utf8_whole(buf, strlen(buf))] = '\0';
    return r;
}

int isr_snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = isr_vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

/* Drops every field (between ',' and line ends) that reads inf, infinity or nan, signed or
 * not, in place: a number that is not known is an empty field, never "inf" or "-nan". */
static void blank_non_finite(char *s)
{
    size_t i = 0, o = 0;
    while (s[i]) {
        size_t n = strcspn(s + i, ",\n"), k = s[i] == '-' || s[i] == '+';
        int bad = (n - k == 3 && (strncasecmp(s + i + k, "inf", 3) == 0 ||
                                  strncasecmp(s + i + k, "nan", 3) == 0)) ||
                  (n - k == 8 && strncasecmp(s + i + k, "infinity", 8) == 0);
        if (!bad)
            memmove(s + o, s + i, n);
        o += bad ? 0 : n;
        i += n;
        if (s[i])
            s[o++] = s[i++];
    }
    s[o] = '\0';
}

int isr_fprintf(FILE *f, const char *fmt, ...)
{
    char small[512], *buf = small;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = isr_vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof small && (buf = malloc((size_t)n + 1)) != NULL)
        isr_vsnprintf(buf, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    if (n < 0 || !buf)
        return -1;
    /* the guard of every CSV writer: no inf or nan reaches a file */
    blank_non_finite(buf);
    int r = fputs(buf, f) < 0 ? -1 : (int)strlen(buf);
    if (buf != small)
        free(buf);
    return r;
}

char *isr_fmt_num(char *buf, size_t n, double v, int decimals)
{
    if (decimals >= 0)
        isr_snprintf(buf, n, "%.*f", decimals, v);
    else
        isr_snprintf(buf, n, "%.17g", v);
    return buf;
}

double isr_strtod(const char *s, char **end)
{
    /* decimal only: strtod also reads C's hexadecimal floats, and a minutes field of
     * '0x10' was taken for 16 minutes (a new-user pass) */
    const char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
        p++;
    if (*p == '+' || *p == '-')
        p++;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        if (end)
            *end = (char *)(uintptr_t)s; /* no number read */
        return 0;
    }
    locale_t old = c_enter();
    double v = strtod(s, end);
    c_leave(old);
    return v;
}

void isr_fmt_thousands(char *buf, size_t len, double v, int decimals)
{
    char tmp[64];
    isr_snprintf(tmp, sizeof tmp, "%.*f", decimals, fabs(v));
    const char *dot = strchr(tmp, '.');
    size_t nint = dot ? (size_t)(dot - tmp) : strlen(tmp), o = 0;
    if (v < 0 && o + 1 < len)
        buf[o++] = '-';
    for (size_t i = 0; i < nint && o + 1 < len; i++) {
        if (i > 0 && (nint - i) % 3 == 0 && o + 1 < len)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    for (const char *p = dot; p && *p && o + 1 < len; p++)
        buf[o++] = *p;
    buf[o] = '\0';
}
