/*
 * fetch.c — http(s) inputs, downloaded whole with libcurl into an on-disk cache and then
 * opened as local files (GDAL never reads the network: no range requests needed, one timeout
 * and one cancel for every remote input).
 *
 * Cache: CACHE/<16 hex digits of the URL's FNV-1a hash>/<the URL's file name>, and beside it
 * <name>.fetch.json (url, etag, last_modified, size, fetched_at). A shapefile's .shx, .dbf,
 * .prj and .cpg are fetched into the same folder (each may be missing). Data and sidecar are
 * written to temporary names and renamed (files.c): a download that is cut, refused or
 * cancelled leaves no entry. Two processes fetching one URL each write their own temporary
 * file; the renames are atomic, so the last one wins and a reader sees one whole file or the
 * other. An entry whose sidecar is missing or gives another size than the file's is ignored.
 * A cached copy is revalidated (If-None-Match, If-Modified-Since): 304 reuses it, 200
 * replaces it. When the server cannot be reached (DNS, refused, --timeout) a cached copy is
 * used with a warning. A shapefile's sibling the server answers 404 or 410 for is removed
 * from the cache (with a warning), never read with a newer .shp. "--cache none": copies in a
 * temporary folder removed with the context.
 *
 * State (on the context, one per isr_ctx, behind a mutex): the URLs fetched in the current
 * public call (a URL read twice in one call is downloaded once) and their outcome, for
 * run.json and the resume fingerprint. Cost: one request per URL per public call.
 */
#define _DEFAULT_SOURCE /* realpath */
#include "internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_MB 2048.0

typedef struct fetched {
    char *url, *role, *local; /* local: the copy opened */
    char *etag, *last_modified, *fetched_at;
    const char *how; /* "downloaded", "revalidated", "offline_copy" */
    long long bytes;
    unsigned gen; /* the public call that fetched it */
} fetched;

struct isr_fetch_state {
    mtx_t lock;
    char *cache;   /* NULL: the default folder */
    double max_mb; /* <= 0: DEFAULT_MAX_MB */
    unsigned gen;
    fetched *f;
    int n, cap;
    char *tmpdir;   /* --cache none: the folder, removed with the state */
    char **tmpfiles; /* files in it, removed with the state */
    int ntmp;
};

isr_fetch_state *isr_fetch_state_new(void)
{
    isr_fetch_state *s = calloc(1, sizeof *s);
    if (s && mtx_init(&s->lock, mtx_plain) != thrd_success) {
        free(s);
        return NULL;
    }
    return s;
}

void isr_fetch_state_free(isr_fetch_state *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++) {
        fetched *f = &s->f[i];
        free(f->url), free(f->role), free(f->local);
        free(f->etag), free(f->last_modified), free(f->fetched_at);
    }
    free(s->f);
    for (int i = s->ntmp - 1; i >= 0; i--) { /* files, then their folders (added after) */
        remove(s->tmpfiles[i]);
        free(s->tmpfiles[i]);
    }
    free(s->tmpfiles);
    if (s->tmpdir)
        rmdir(s->tmpdir);
    free(s->tmpdir);
    free(s->cache);
    mtx_destroy(&s->lock);
    free(s);
}

void isr_fetch_new_call(isr_fetch_state *s)
{
    if (s)
        s->gen++;
}

void isr_fetch_setup(isr_ctx *ctx, const char *cache, double max_mb)
{
    isr_fetch_state *s = isr_ctx_fetch(ctx);
    mtx_lock(&s->lock);
    free(s->cache);
    s->cache = cache && *cache ? strdup(cache) : NULL;
    s->max_mb = max_mb;
    mtx_unlock(&s->lock);
}

int isr_is_url(const char *path)
{
    return path && (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0);
}

/* ---- one transfer ------------------------------------------------------------------------ */

typedef struct xfer {
    isr_ctx *ctx;
    const char *role, *url; /* for messages */
    const char *data; /* the cache file written (through tmp) */
    char *tmp;
    FILE *out;
    int write_failed, write_errno, open_failed;
    long long bytes, max_bytes;
    int too_big;
    int pct; /* last progress reported, percent */
    char etag[512], last_modified[128];
    char location[1024]; /* the last response's Location, to name a redirect refused */
} xfer;

/* The entry's folder `dir` (CACHE/<hash>) and the folders above it, made as needed; a
 * refusal names --cache (the user's choice, or its default) and the way out. */
static isr_status cache_mkdirs(const xfer *x, char *dir)
{
    char why[600] = "";
    for (char *s = dir + 1; !*why; s++) {
        char c = *s;
        if (c != '/' && c != '\0')
            continue;
        *s = '\0';
        struct stat sb = {0};
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            snprintf(why, sizeof why, "cannot create '%s': %s", dir, strerror(errno));
        else if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            snprintf(why, sizeof why, "'%s' is %s, not a folder", dir,
                     S_ISREG(sb.st_mode) ? "a file" : "something else");
        else if (c == '\0' && access(dir, W_OK) != 0)
            snprintf(why, sizeof why, "'%s' is not writable: %s", dir, strerror(errno));
        *s = c;
        if (c == '\0')
            break;
    }
    if (!*why)
        return ISR_OK;
    char *slash = strrchr(dir, '/'); /* the cache's own folder, above the entry's */
    return isr_fail(x->ctx, ISR_ERR_IO, "%s '%s': download cache '%.*s' (--cache): %s; give "
                    "another --cache DIR, or --cache none to download into a temporary folder",
                    x->role, x->url, (int)(slash - dir), dir, why);
}

/* Creates the entry's folder and the temporary file the body goes to. */
static isr_status open_out(xfer *x)
{
    char *dir = strdup(x->data);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash)
        *slash = '\0';
    isr_status st = !dir ? isr_fail(x->ctx, ISR_ERR_MEMORY, "out of memory")
                    : slash ? cache_mkdirs(x, dir)
                            : ISR_OK;
    free(dir);
    return st == ISR_OK ? isr_open_tmp(x->ctx, x->data, &x->tmp, &x->out) : st;
}

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
    xfer *x = user;
    size_t len = size * n;
    if (x->bytes + (long long)len > x->max_bytes) {
        x->too_big = 1;
        return 0;
    }
    if (!x->out && open_out(x) != ISR_OK) { /* at the first byte: silence writes nothing */
        x->open_failed = 1; /* open_out said why */
        return 0;
    }
    if (fwrite(p, 1, len, x->out) != len) {
        x->write_failed = 1;
        x->write_errno = errno;
        return 0;
    }
    x->bytes += (long long)len;
    return len;
}

/* Keeps the validators of the last response (a redirect's headers are dropped). */
static size_t on_header(char *p, size_t size, size_t n, void *user)
{
    xfer *x = user;
    size_t len = size * n;
    char line[640];
    size_t k = len < sizeof line - 1 ? len : sizeof line - 1;
    memcpy(line, p, k);
    line[k] = '\0';
    while (k && (line[k - 1] == '\r' || line[k - 1] == '\n'))
        line[--k] = '\0';
    if (strncmp(line, "HTTP/", 5) == 0) {
        x->etag[0] = x->last_modified[0] = x->location[0] = '\0';
    } else if (strncasecmp(line, "Location:", 9) == 0) {
        const char *v = line + 9 + strspn(line + 9, " \t");
        snprintf(x->location, sizeof x->location, "%s", v);
    } else if (strncasecmp(line, "ETag:", 5) == 0) {
        const char *v = line + 5 + strspn(line + 5, " \t");
        snprintf(x->etag, sizeof x->etag, "%s", v);
    } else if (strncasecmp(line, "Last-Modified:", 14) == 0) {
        const char *v = line + 14 + strspn(line + 14, " \t");
        snprintf(x->last_modified, sizeof x->last_modified, "%s", v);
    }
    return len;
}

/* Called about once a second even when nothing arrives: cancel, size limit, progress. */
static int on_progress(void *user, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)ut;
    (void)un;
    xfer *x = user;
    if (isr_cancelled(x->ctx))
        return 1; /* CURLE_ABORTED_BY_CALLBACK */
    if (dt > x->max_bytes) {
        x->too_big = 1;
        return 1;
    }
    if (dt > 0) {
        int pct = (int)(100 * dn / dt);
        if (pct != x->pct) {
            x->pct = pct;
            isr_progress(x->ctx, "download", (size_t)(dn / 1024), (size_t)(dt / 1024));
        }
    }
    return 0;
}

/* A cached copy: its sidecar, when it agrees with the file. */
typedef struct entry {
    int ok;
    char *etag, *last_modified, *fetched_at;
    long long size;
} entry;

static void entry_clear(entry *e)
{
    free(e->etag), free(e->last_modified), free(e->fetched_at);
    memset(e, 0, sizeof *e);
}

static char *json_dup(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? strdup(json_object_get_string(v))
               : NULL;
}

static void entry_read(const char *data, const char *meta, entry *e)
{
    memset(e, 0, sizeof *e);
    struct stat sb;
    if (stat(data, &sb) != 0 || !S_ISREG(sb.st_mode))
        return;
    json_object *o = isr_file_exists(meta) ? json_object_from_file(meta) : NULL;
    json_object *sz;
    if (o && json_object_object_get_ex(o, "size", &sz) &&
        json_object_get_int64(sz) == (int64_t)sb.st_size) {
        e->etag = json_dup(o, "etag");
        e->last_modified = json_dup(o, "last_modified");
        e->fetched_at = json_dup(o, "fetched_at");
        e->size = (long long)sb.st_size;
        e->ok = e->fetched_at != NULL;
    }
    json_object_put(o);
}

static char *now_iso(void)
{
    char buf[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return strdup(buf);
}

static isr_status meta_write(isr_ctx *ctx, const char *meta, const char *url, const xfer *x,
                             const char *fetched_at)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "url", json_object_new_string(url));
    json_object_object_add(o, "etag", *x->etag ? json_object_new_string(x->etag) : NULL);
    json_object_object_add(o, "last_modified",
                           *x->last_modified ? json_object_new_string(x->last_modified) : NULL);
    json_object_object_add(o, "size", json_object_new_int64(x->bytes));
    json_object_object_add(o, "fetched_at", json_object_new_string(fetched_at));
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    isr_status st = isr_write_text(ctx, meta, text, strlen(text));
    json_object_put(o);
    return st;
}

/* The host of a URL, for messages. */
static void url_host(const char *url, char *buf, size_t n)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    size_t k = strcspn(h, "/:?#");
    snprintf(buf, n, "%.*s", (int)(k < n ? k : n - 1), h);
}

/* Why the server could not be reached, in words; NULL: it was reached. */
static const char *offline_reason(CURLcode rc, const char *url, double timeout_s, char *buf,
                                  size_t n)
{
    char host[256];
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
        url_host(url, host, sizeof host);
        snprintf(buf, n, "cannot resolve the host name '%s'", host);
        return buf;
    case CURLE_COULDNT_RESOLVE_PROXY:
        snprintf(buf, n, "cannot resolve the proxy's host name");
        return buf;
    case CURLE_COULDNT_CONNECT:
        snprintf(buf, n, "cannot connect to the server (connection refused or no route)");
        return buf;
    case CURLE_OPERATION_TIMEDOUT:
        isr_snprintf(buf, n, "no answer within %g s (--timeout)", timeout_s);
        return buf;
    default:
        return NULL;
    }
}

/* The message for a transfer that failed with the server reached (or no copy to fall back
 * on): DNS, TLS, HTTP status, cut body, size. */
static isr_status fail_transfer(isr_ctx *ctx, const char *role, const char *url, CURLcode rc,
                                long code, const xfer *x, double timeout_s, double max_mb,
                                const char *err)
{
    char why[300];
    if (rc == CURLE_ABORTED_BY_CALLBACK && isr_cancelled(ctx))
        return ISR_ERR_INTERRUPTED; /* as every cancel: the caller says how far the run got */
    if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s '%s': larger than the download limit of %g MB (--max-download); "
                        "raise --max-download or use a local copy",
                        role, url, max_mb);
    if (x->open_failed)
        return isr_ctx_status(ctx);
    if (x->write_failed)
        return isr_fail(ctx, ISR_ERR_IO, "%s '%s': cannot write the download into the cache "
                        "'%s': %s; check --cache",
                        role, url, x->data, isr_write_reason(x->data, x->write_errno));
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s '%s': no answer within %g s (--timeout); check the address or raise "
                        "--timeout",
                        role, url, timeout_s);
    if (offline_reason(rc, url, timeout_s, why, sizeof why))
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s '%s': %s; check the address and the network (no cached copy to "
                        "fall back on)",
                        role, url, why);
    if (rc == CURLE_UNSUPPORTED_PROTOCOL && *x->location)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s '%s': the server redirects to '%s'; isoreach follows redirects to "
                        "http:// and https:// only: download the file yourself and give its path",
                        role, url, x->location);
    char *real = isr_url_real(url);
    int hidden = !real && strstr(url, "***") != NULL; /* from run.json: credentials left out */
    free(real);
    if (rc == CURLE_HTTP_RETURNED_ERROR)
        return isr_fail(ctx, ISR_ERR_INPUT, "%s '%s': the server answered HTTP %ld%s", role, url,
                        code,
                        hidden ? "; the URL's credentials (***) are not written in the output "
                                 "folder: give the input's flag again with the URL as a whole"
                        : code == 404 ? " (not found): check the address" : "");
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
        rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CERTPROBLEM ||
        rc == CURLE_SSL_ISSUER_ERROR)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s '%s': the TLS connection was refused: %s; isoreach never turns off "
                        "certificate checks: fix the server's certificate, add its authority "
                        "to the system's trusted certificates, or download the file yourself",
                        role, url, err);
    if (rc == CURLE_PARTIAL_FILE)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s '%s': the download was cut short (%lld bytes received, the server "
                        "announced more); nothing was cached; try again",
                        role, url, x->bytes);
    if (rc == CURLE_URL_MALFORMAT && strpbrk(url, " \t"))
        return isr_fail(ctx, ISR_ERR_INPUT, "%s '%s': the URL is malformed: it contains a space "
                        "(write each space as %%20)", role, url);
    if (rc == CURLE_URL_MALFORMAT)
        return isr_fail(ctx, ISR_ERR_INPUT, "%s '%s': the URL is malformed (libcurl: %s); check "
                        "the address", role, url, *err ? err : curl_easy_strerror(rc));
    return isr_fail(ctx, ISR_ERR_INPUT, "%s '%s': cannot download it: %s", role, url,
                    *err ? err : curl_easy_strerror(rc)); /* libcurl leaves err empty at times */
}

/* libcurl's handle for one GET of `url` into x, conditional on the cached entry `e`. */
static CURL *easy_new(const char *url, xfer *x, const entry *e, double timeout_s,
                      struct curl_slist **hdr, char *err)
{
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    long secs = (long)ceil(timeout_s);
    char *real = isr_url_real(url); /* the URL as given, credentials included */
    curl_easy_setopt(c, CURLOPT_URL, real ? real : url); /* libcurl copies it */
    free(real);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM: other threads run */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    /* a redirect to ftp://, file:// or any other scheme is refused (fail_transfer says so) */
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85 */
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)ceil(timeout_s * 1000));
    /* silence for the timeout aborts; a large file on a slow link is not an error */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, secs > 0 ? secs : 1L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_bytes);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "isoreach/" ISR_VERSION);
    /* a body the server compresses (Content-Encoding) is decoded: the cache holds the file;
     * Content-Length then counts the encoded bytes (CURLINFO_SIZE_DOWNLOAD_T) */
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (e->ok) {
        char line[700];
        if (e->etag) {
            snprintf(line, sizeof line, "If-None-Match: %s", e->etag);
            *hdr = curl_slist_append(*hdr, line);
        }
        if (e->last_modified) {
            snprintf(line, sizeof line, "If-Modified-Since: %s", e->last_modified);
            *hdr = curl_slist_append(*hdr, line);
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdr);
    }
    return c;
}

/* The file name of `url` (from b to q) as the cache names it, in name[128]: characters other
 * than [A-Za-z0-9._-] become '_', and a longer name keeps its extension (the stem is cut): a
 * shapefile's files keep one stem and their own extensions, as GDAL needs. */
static void cache_name(const char *b, const char *q, char name[128])
{
    const char *dot = q;
    while (dot > b && dot[-1] != '.')
        dot--;
    size_t ext = dot > b && q - dot <= 16 ? (size_t)(q - dot) + 1 : 0; /* with its dot */
    size_t stem = (size_t)(q - b) - ext, k = 0;
    if (stem + ext > 127)
        stem = 127 - ext;
    for (const char *p = b; k < stem + ext; p++) {
        if (k == stem)
            p = q - ext; /* past the part of the stem cut */
        name[k++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                                   (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'
                               ? *p
                               : '_');
    }
    name[k] = '\0';
}

/* Whether the last response is a web page (text/html) for a URL whose name is no .html or
 * .htm: a login or error page sent with 200, which must not be cached as the file. */
static int web_page(CURL *c, const char *url)
{
    char *ct = NULL;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    const char *q = url + strcspn(url, "?#");
    int html = (q - url >= 5 && strncasecmp(q - 5, ".html", 5) == 0) ||
               (q - url >= 4 && strncasecmp(q - 4, ".htm", 4) == 0);
    return ct && strncasecmp(ct, "text/html", 9) == 0 && !html;
}

/* Where `url` goes: DIR/<hash>/<name> (new strings). `key` is the URL the folder is named
 * after (a shapefile's siblings share the .shp's folder). */
static int cache_paths(const char *dir, const char *key, const char *url, char **data,
                       char **meta)
{
    uint64_t h = isr_fnv1a(ISR_FNV_SEED, key, strlen(key));
    const char *q = url + strcspn(url, "?#");
    const char *b = q;
    while (b > url && b[-1] != '/')
        b--;
    char name[128];
    cache_name(b, q, name);
    if (!*name || name[0] == '.' || strstr(url, "://") + 3 >= b) /* no file name in the URL */
        snprintf(name, sizeof name, "download");
    *data = isr_strdup_printf("%s/%016llx/%s", dir, (unsigned long long)h, name);
    *meta = isr_strdup_printf("%s.fetch.json", *data ? *data : "");
    return *data && *meta;
}

/* The cache folder of this call (new string); for --cache none, the state's temporary one. */
static char *cache_dir(isr_ctx *ctx, isr_fetch_state *s, int *temporary)
{
    *temporary = s->cache && strcmp(s->cache, "none") == 0;
    if (*temporary) {
        if (!s->tmpdir) {
            const char *t = getenv("TMPDIR");
            char *tmpl = isr_strdup_printf("%s/isoreach-fetch-XXXXXX", t && *t ? t : "/tmp");
            if (tmpl && !mkdtemp(tmpl)) {
                isr_fail(ctx, ISR_ERR_IO, "cannot create a temporary folder for downloads "
                         "('%s'): %s", tmpl, strerror(errno));
                free(tmpl);
                return NULL;
            }
            s->tmpdir = tmpl;
        }
        return s->tmpdir ? strdup(s->tmpdir) : NULL;
    }
    if (s->cache)
        return strdup(s->cache);
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg == '/')
        return isr_strdup_printf("%s/isoreach/fetch", xdg);
    if (home && *home)
        return isr_strdup_printf("%s/.cache/isoreach/fetch", home);
    isr_fail(ctx, ISR_ERR_USAGE, "no cache folder for http(s) inputs: neither XDG_CACHE_HOME nor "
             "HOME is set; give --cache DIR (or --cache none)");
    return NULL;
}

static void tmp_track(isr_fetch_state *s, const char *path)
{
    char **t = realloc(s->tmpfiles, (size_t)(s->ntmp + 2) * sizeof *t);
    if (!t)
        return;
    s->tmpfiles = t;
    char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash)
        *slash = '\0';
    int known = 0;
    for (int i = 0; dir && i < s->ntmp; i++)
        known |= strcmp(s->tmpfiles[i], dir) == 0;
    if (dir && !known)
        s->tmpfiles[s->ntmp++] = dir; /* the folder first: removed after its files */
    else
        free(dir);
    char *p = strdup(path);
    if (p)
        s->tmpfiles[s->ntmp++] = p;
}

/* Records the outcome on the state (the lock is held). */
static isr_status record(isr_ctx *ctx, isr_fetch_state *s, const char *role, const char *url,
                         const char *data, const char *how, const char *etag, const char *lm,
                         const char *at, long long bytes)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 8;
        fetched *f = realloc(s->f, (size_t)cap * sizeof *f);
        if (!f)
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        s->f = f, s->cap = cap;
    }
    fetched *f = &s->f[s->n];
    memset(f, 0, sizeof *f);
    char *abs = realpath(data, NULL); /* run.json names it from any folder */
    f->url = strdup(url), f->role = strdup(role), f->local = abs ? abs : strdup(data);
    f->etag = etag && *etag ? strdup(etag) : NULL;
    f->last_modified = lm && *lm ? strdup(lm) : NULL;
    f->fetched_at = at ? strdup(at) : NULL;
    f->how = how, f->bytes = bytes, f->gen = s->gen;
    s->n++;
    if (!f->url || !f->role || !f->local)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    return ISR_OK;
}

static const fetched *find(const isr_fetch_state *s, const char *url, int this_call)
{
    for (int i = s->n - 1; i >= 0; i--)
        if (strcmp(s->f[i].url, url) == 0 && (!this_call || s->f[i].gen == s->gen))
            return &s->f[i];
    return NULL;
}

typedef struct one {
    const char *role, *url, *key;
    int optional;  /* a shapefile's sibling: a 404 is no error (*skipped) */
    int temporary; /* --cache none: no sidecar, no revalidation */
} one;

/* A shapefile's sibling the server no longer has (404, 410): its cached copy would be read
 * with the new .shp (GDAL opens what lies beside it), so it goes, and the run says so. */
static isr_status drop_gone(isr_ctx *ctx, const one *o, const char *data, const char *meta,
                            long code, const entry *e)
{
    if (!isr_file_exists(data)) {
        remove(meta);
        return ISR_OK;
    }
    if (remove(data) != 0)
        return isr_fail(ctx, ISR_ERR_IO,
                        "%s '%s': the server answered HTTP %ld (it no longer has this file) "
                        "but its old copy in the cache '%s' cannot be removed: %s; remove it, "
                        "or use another --cache or --cache none",
                        o->role, o->url, code, data, strerror(errno));
    remove(meta);
    isr_log(ctx, ISR_LOG_WARN,
            "%s '%s': the server answered HTTP %ld (it no longer has this file); the copy "
            "cached on %s was removed, so the shapefile is read as the server serves it now",
            o->role, o->url, code, e->fetched_at ? e->fetched_at : "an earlier run");
    return ISR_OK;
}

/* Downloads (or revalidates) one URL into `dir`; the lock is held. */
static isr_status fetch_one(isr_ctx *ctx, isr_fetch_state *s, const char *dir, const one *o,
                            int *skipped)
{
    *skipped = 0;
    char *data = NULL, *meta = NULL, *at = NULL;
    struct curl_slist *hdr = NULL;
    char err[CURL_ERROR_SIZE] = "";
    double timeout_s = isr_ctx_timeout(ctx);
    double max_mb = s->max_mb > 0 ? s->max_mb : DEFAULT_MAX_MB;
    entry e = {0};
    xfer x = {0};
    isr_status st = ISR_OK;
    if (!cache_paths(dir, o->key, o->url, &data, &meta)) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if (!o->temporary)
        entry_read(data, meta, &e);
    x.ctx = ctx, x.role = o->role, x.url = o->url, x.data = data, x.pct = -1;
    x.max_bytes = (long long)(max_mb * 1024 * 1024);
    CURL *c = easy_new(o->url, &x, &e, timeout_s, &hdr, err);
    if (!c) {
        st = isr_fail(ctx, ISR_ERR_INTERNAL, "%s '%s': cannot start libcurl", o->role, o->url);
        goto cleanup;
    }
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_off_t cl = -1, got = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &got); /* before decoding */
    int page = rc == CURLE_OK && code != 304 && web_page(c, o->url);
    curl_easy_cleanup(c);
    if (rc == CURLE_OK && code != 304 && cl >= 0 && cl != got)
        rc = CURLE_PARTIAL_FILE; /* libcurl checks this too; never cache a short body */
    char why[300];
    if (rc == CURLE_OK && code == 304 && e.ok) {
        isr_discard_tmp(x.out, x.tmp);
        x.out = NULL;
        st = record(ctx, s, o->role, o->url, data, "revalidated", e.etag, e.last_modified,
                    e.fetched_at, e.size);
    } else if (rc == CURLE_OK && code == 304) {
        st = isr_fail(ctx, ISR_ERR_INPUT, "%s '%s': the server answered 304 (not modified) to "
                      "a request for the whole file; nothing was cached", o->role, o->url);
    } else if (page) {
        st = isr_fail(ctx, ISR_ERR_INPUT, "%s '%s': the server sent a web page (Content-Type "
                      "text/html: a login or error page?), not the file; nothing was cached; "
                      "check the address, or download the file yourself", o->role, o->url);
    } else if (rc == CURLE_OK) {
        if (!x.out && (st = open_out(&x)) != ISR_OK) /* an empty body */
            goto cleanup;
        FILE *f = x.out;
        x.out = NULL;
        at = now_iso();
        if ((st = isr_close_commit(ctx, f, x.tmp, data)) != ISR_OK ||
            (!o->temporary && (st = meta_write(ctx, meta, o->url, &x, at ? at : "")) != ISR_OK))
            goto cleanup;
        if (o->temporary)
            tmp_track(s, data);
        st = record(ctx, s, o->role, o->url, data, "downloaded", x.etag, x.last_modified, at,
                    x.bytes);
    } else if (o->optional && !isr_cancelled(ctx) &&
               offline_reason(rc, o->url, timeout_s, why, sizeof why)) {
        /* a sibling while offline: its copy if any, quietly (the .shp's warning said it) */
        if (e.ok)
            st = record(ctx, s, o->role, o->url, data, "offline_copy", e.etag, e.last_modified,
                        e.fetched_at, e.size);
        *skipped = !e.ok;
    } else if (e.ok && !isr_cancelled(ctx) &&
               offline_reason(rc, o->url, timeout_s, why, sizeof why)) {
        isr_log(ctx, ISR_LOG_WARN,
                "%s '%s': %s; using the copy cached on %s (it may be out of date)", o->role,
                o->url, why, e.fetched_at);
        st = record(ctx, s, o->role, o->url, data, "offline_copy", e.etag, e.last_modified,
                    e.fetched_at, e.size);
    } else if (o->optional && rc == CURLE_HTTP_RETURNED_ERROR && (code == 404 || code == 410)) {
        *skipped = 1;
        if (!o->temporary)
            st = drop_gone(ctx, o, data, meta, code, &e);
    } else {
        st = fail_transfer(ctx, o->role, o->url, rc, code, &x, timeout_s, max_mb, err);
    }
cleanup:
    if (x.out) {
        isr_discard_tmp(x.out, x.tmp); /* a cut, refused or cancelled download: no entry */
        char *slash = strrchr(data, '/');
        if (slash) {
            *slash = '\0';
            rmdir(data); /* the entry's folder, when this download made it (else not empty) */
        }
    }
    free(x.tmp);
    curl_slist_free_all(hdr);
    entry_clear(&e);
    free(data), free(meta), free(at);
    return st;
}

/* A shapefile's other files, fetched beside it (same case as its extension). */
static isr_status fetch_siblings(isr_ctx *ctx, isr_fetch_state *s, const char *dir,
                                 const one *main)
{
    const char *q = main->url + strcspn(main->url, "?#"), *frag = q + strcspn(q, "#");
    if (q - main->url < 4 || strncasecmp(q - 4, ".shp", 4) != 0)
        return ISR_OK;
    static const char *const ext[] = {"shx", "dbf", "prj", "cpg"};
    int upper = q[-1] == 'P';
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        /* the query (a token, a format) goes with each, as it is; not the fragment */
        char *u = isr_strdup_printf("%.*s%c%c%c%.*s", (int)(q - main->url - 3), main->url,
                                    upper ? ext[i][0] - 32 : ext[i][0],
                                    upper ? ext[i][1] - 32 : ext[i][1],
                                    upper ? ext[i][2] - 32 : ext[i][2], (int)(frag - q), q);
        if (!u)
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        one o = {main->role, u, main->key, 1, main->temporary};
        int skipped;
        isr_status st = find(s, u, 1) ? ISR_OK : fetch_one(ctx, s, dir, &o, &skipped);
        free(u);
        if (st != ISR_OK)
            return st;
    }
    return ISR_OK;
}

isr_status isr_fetch(isr_ctx *ctx, const char *role, const char *url, char **local)
{
    *local = NULL;
    isr_fetch_state *s = isr_ctx_fetch(ctx);
    mtx_lock(&s->lock); /* one download at a time; a URL read twice in a call is fetched once */
    isr_status st = ISR_OK;
    const fetched *f = find(s, url, 1);
    char *dir = NULL;
    if (!f) {
        int temporary, skipped;
        dir = cache_dir(ctx, s, &temporary);
        one o = {role, url, url, 0, temporary};
        if (!dir)
            st = isr_ctx_status(ctx) != ISR_OK ? isr_ctx_status(ctx)
                                               : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        else if ((st = fetch_one(ctx, s, dir, &o, &skipped)) == ISR_OK)
            st = fetch_siblings(ctx, s, dir, &o);
        f = st == ISR_OK ? find(s, url, 1) : NULL;
    }
    if (st == ISR_OK && f && !(*local = strdup(f->local)))
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    mtx_unlock(&s->lock);
    free(dir);
    return st;
}

char *isr_fetch_local(isr_ctx *ctx, const char *url)
{
    isr_fetch_state *s = isr_ctx_fetch(ctx);
    mtx_lock(&s->lock);
    const fetched *f = find(s, url, 0);
    char *local = f ? strdup(f->local) : NULL;
    mtx_unlock(&s->lock);
    return local;
}

json_object *isr_fetch_json(isr_ctx *ctx)
{
    isr_fetch_state *s = isr_ctx_fetch(ctx);
    json_object *a = json_object_new_array();
    mtx_lock(&s->lock);
    for (int i = 0; i < s->n; i++) {
        const fetched *f = &s->f[i];
        if (f->gen != s->gen)
            continue;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "input", json_object_new_string(f->role));
        json_object_object_add(o, "url", json_object_new_string(f->url));
        json_object_object_add(o, "local", json_object_new_string(f->local));
        json_object_object_add(o, "how", json_object_new_string(f->how));
        json_object_object_add(o, "bytes", json_object_new_int64(f->bytes));
        json_object_object_add(o, "fetched_at",
                               f->fetched_at ? json_object_new_string(f->fetched_at) : NULL);
        json_object_object_add(o, "etag", f->etag ? json_object_new_string(f->etag) : NULL);
        json_object_object_add(o, "last_modified",
                               f->last_modified ? json_object_new_string(f->last_modified)
                                                : NULL);
        json_object_array_add(a, o);
    }
    mtx_unlock(&s->lock);
    return a;
}
