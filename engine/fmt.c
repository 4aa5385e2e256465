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
 */
#include "internal.h"

#include <locale.h>
#include <string.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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

int isr_fprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    locale_t old = c_enter();
    int r = vfprintf(f, fmt, ap);
    c_leave(old);
    va_end(ap);
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
