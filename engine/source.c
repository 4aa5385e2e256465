/*
 * source.c — where an input comes from, checked before GDAL opens it.
 *
 * Two ways an input can hang a run for ever: a local path that is not a file (a FIFO blocks
 * in open() until a writer comes, a character device never ends) and a server that accepts
 * the connection and never answers. A path is stat()ed, which never blocks, and refused
 * unless it is a regular file or a folder. An http(s) URL is first probed here with libcurl
 * for its first byte: limited to the context's timeout (--timeout) and cancellable, since
 * libcurl calls the progress function about once a second even when nothing arrives, so a
 * SIGINT stops the probe within a second. GDAL's /vsicurl/ has no cancel, so its own reads
 * get the same limit as a connect timeout and a low-speed limit (less than 1 byte/s for the
 * timeout aborts): a source that answered the probe and then stalls fails after the timeout.
 * There is no limit on the whole transfer: a large file on a slow link is not an error.
 */
#include "internal.h"

#include <cpl_conv.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct probe {
    isr_ctx *ctx;
    int answered;
} probe;

static size_t on_data(char *p, size_t size, size_t n, void *user)
{
    (void)p;
    (void)size;
    (void)n;
    ((probe *)user)->answered = 1;
    return 0; /* the first bytes are answer enough: stop (CURLE_WRITE_ERROR) */
}

static int on_progress(void *user, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    return isr_cancelled(((probe *)user)->ctx); /* non-zero: CURLE_ABORTED_BY_CALLBACK */
}

/* One GET of `url` until its first byte, within the context's timeout. */
static isr_status probe_url(isr_ctx *ctx, const char *role, const char *url, double timeout_s)
{
    CURL *c = curl_easy_init();
    if (!c)
        return isr_fail(ctx, ISR_ERR_INTERNAL, "%s '%s': cannot start libcurl", role, url);
    probe p = {ctx, 0};
    char err[CURL_ERROR_SIZE] = "";
    long ms = (long)ceil(timeout_s * 1000);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM: other threads run */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &p);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &p);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "isoreach/" ISR_VERSION);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && p.answered))
        return ISR_OK;
    if (rc == CURLE_ABORTED_BY_CALLBACK)
        return ISR_ERR_INTERRUPTED; /* as every cancel: the caller says how far the run got */
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s '%s': no answer within %g s (--timeout); check the address or raise "
                        "--timeout",
                        role, url, timeout_s);
    if (rc == CURLE_HTTP_RETURNED_ERROR)
        return isr_fail(ctx, ISR_ERR_INPUT, "%s '%s': the server answered HTTP %ld%s", role, url,
                        code, code == 404 ? " (not found): check the address" : "");
    return isr_fail(ctx, ISR_ERR_INPUT, "%s '%s': cannot read it: %s", role, url,
                    *err ? err : curl_easy_strerror(rc));
}

/* What a path that is neither a file nor a folder is, in words. */
static const char *node_kind(mode_t m)
{
    if (S_ISFIFO(m))
        return "a named pipe (FIFO)";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    return "not a regular file";
}

isr_status isr_source_check(isr_ctx *ctx, const char *role, const char *path, char **open_path)
{
    *open_path = NULL;
    if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0) {
        double t = isr_ctx_timeout(ctx);
        isr_status st = probe_url(ctx, role, path, t);
        if (st != ISR_OK)
            return st;
        /* GDAL reads the URL again, in ranges, with the same limits (thread-local: each
         * thread that opens a remote source passes here first) */
        char secs[32];
        snprintf(secs, sizeof secs, "%ld", (long)ceil(t));
        CPLSetThreadLocalConfigOption("GDAL_HTTP_CONNECTTIMEOUT", secs);
        CPLSetThreadLocalConfigOption("GDAL_HTTP_LOW_SPEED_TIME", secs);
        CPLSetThreadLocalConfigOption("GDAL_HTTP_LOW_SPEED_LIMIT", "1");
        if (!CPLGetConfigOption("GDAL_HTTP_MAX_RETRY", NULL))
            CPLSetThreadLocalConfigOption("GDAL_HTTP_MAX_RETRY", "0");
        *open_path = isr_strdup_printf("/vsicurl/%s", path);
        return *open_path ? ISR_OK : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    /* GDAL paths (/vsizip/…) and connection strings (PG:…, GPKG:file:layer) are GDAL's */
    const char *colon = strchr(path, ':');
    if (strncmp(path, "/vsi", 4) == 0 || (colon && colon > path + 1))
        return ISR_OK;
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s '%s': is %s, not a file; isoreach reads files, folders or http(s) "
                        "URLs",
                        role, path, node_kind(sb.st_mode));
    return ISR_OK; /* a missing path: the caller's open says so */
}
