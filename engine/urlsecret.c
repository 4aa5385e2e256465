/*
 * urlsecret.c — credentials in the URLs of http(s) inputs, kept out of everything written.
 *
 * An input URL may carry a password (http://user:PASSWORD@host/…) or a token in its query
 * (?token=…, &api_key=…, a signed URL's X-Amz-Signature=…). The options keep the URL with
 * those values written as "***" (isr_url_redact), so that run.json, the output folder's
 * README, the rasters' ISOREACH_SETTINGS, the maps' credits, the web map and every message
 * show it so; only the download (fetch.c) asks here for the URL as given (isr_url_real).
 * The pairs live for the process (a library user's options may outlive any context), behind
 * a mutex. A query parameter is a credential when its name holds token, key, secret, sig,
 * pass, pwd, auth, cred or session (any case): over-inclusive on purpose, since a value
 * written as *** costs nothing but legibility.
 */
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

typedef struct pair {
    char *redacted, *real;
} pair;

static mtx_t lock;
static once_flag lock_once = ONCE_FLAG_INIT;
static pair *pairs;
static int npairs, cap_pairs;

static void lock_init(void)
{
    mtx_init(&lock, mtx_plain);
}

/* Whether query parameter name [k, k + n) names a credential. */
static int secret_name(const char *k, size_t n)
{
    static const char *const words[] = {"token", "key", "secret", "sig", "pass",
                                        "pwd",   "auth", "cred",  "session"};
    char low[64];
    if (n >= sizeof low)
        n = sizeof low - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)k[i]);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strstr(low, words[i]))
            return 1;
    return 0;
}

/* The query [q, end) (from after '?' to the fragment or the end) into b, credentials' values
 * as ***. */
static void redact_query(isr_sb *b, const char *q, const char *end)
{
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q)), *stop = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(stop - q));
        if (eq && eq + 1 < stop && secret_name(q, (size_t)(eq - q)))
            isr_sb_printf(b, "%.*s=***", (int)(eq - q), q);
        else
            isr_sb_printf(b, "%.*s", (int)(stop - q), q);
        if (amp)
            isr_sb_printf(b, "&");
        q = amp ? amp + 1 : end;
    }
}

char *isr_url_redact(const char *url)
{
    if (!url || !isr_is_url(url))
        return url ? strdup(url) : NULL;
    const char *auth = strstr(url, "://") + 3, *path = auth + strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', (size_t)(path - auth));
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    isr_sb b = {0};
    if (colon) /* user:password@ */
        isr_sb_printf(&b, "%.*s:***%.*s", (int)(colon - url), url, (int)(path - at), at);
    else
        isr_sb_printf(&b, "%.*s", (int)(path - url), url);
    const char *q = path + strcspn(path, "?#"), *frag = q + strcspn(q, "#");
    isr_sb_printf(&b, "%.*s", (int)(q - path), path);
    if (*q == '?') {
        isr_sb_printf(&b, "?");
        redact_query(&b, q + 1, frag);
    }
    isr_sb_printf(&b, "%s", frag);
    return isr_sb_take(&b);
}

/* Adds or updates the pair (redacted, real); the latest given wins. */
static void pair_put(const char *redacted, const char *real)
{
    call_once(&lock_once, lock_init);
    mtx_lock(&lock);
    int i = 0;
    while (i < npairs && strcmp(pairs[i].redacted, redacted) != 0)
        i++;
    if (i == npairs && npairs == cap_pairs) {
        int nc = cap_pairs ? 2 * cap_pairs : 8;
        pair *p = realloc(pairs, (size_t)nc * sizeof *p);
        if (p) {
            pairs = p;
            cap_pairs = nc;
        }
    }
    char *r = strdup(real), *k = i == npairs && i < cap_pairs ? strdup(redacted) : NULL;
    if (i < npairs && r) {
        free(pairs[i].real);
        pairs[i].real = r;
    } else if (k && r) {
        pairs[npairs++] = (pair){k, r};
    } else {
        free(k);
        free(r);
    }
    mtx_unlock(&lock);
}

char *isr_url_hide(const char *url)
{
    char *redacted = isr_url_redact(url);
    if (redacted && strcmp(redacted, url) != 0)
        pair_put(redacted, url);
    return redacted;
}

/* Whether url is the shapefile URL r with another extension, as fetch.c derives a sibling:
 * the same path but its last 3 characters, the same query, no fragment. */
static int sibling_of(const char *url, const char *r)
{
    size_t pr = strcspn(r, "?#"), pu = strcspn(url, "?#"), qr = strcspn(r + pr, "#");
    return pr > 4 && pr == pu && r[pr - 4] == '.' && strncmp(url, r, pr - 3) == 0 &&
           strlen(url + pu) == qr && strncmp(url + pu, r + pr, qr) == 0;
}

/* The sibling of real URL R that url (a sibling of R's hidden form) stands for (new). */
static char *real_sibling(const char *url, const char *R)
{
    size_t pR = strcspn(R, "?#"), qR = strcspn(R + pR, "#"), pu = strcspn(url, "?#");
    return isr_strdup_printf("%.*s%.3s%.*s", (int)(pR - 3), R, url + pu - 3, (int)qR, R + pR);
}

char *isr_url_real(const char *url)
{
    call_once(&lock_once, lock_init);
    mtx_lock(&lock);
    char *out = NULL;
    for (int i = 0; i < npairs && !out; i++) {
        if (strcmp(pairs[i].redacted, url) == 0)
            out = strdup(pairs[i].real);
        else if (sibling_of(url, pairs[i].redacted))
            out = real_sibling(url, pairs[i].real);
    }
    mtx_unlock(&lock);
    return out;
}
