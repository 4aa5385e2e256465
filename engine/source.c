/*
 * source.c — where an input comes from, checked before GDAL opens it.
 *
 * Two ways an input can hang a run for ever: a local path that is not a file (a FIFO blocks
 * in open() until a writer comes, a character device never ends) and a server that accepts
 * the connection and never answers. A path is stat()ed, which never blocks, and refused
 * unless it is a regular file or a folder. An http(s) URL is downloaded whole by fetch.c
 * (within --timeout, cancellable, into the cache) and the local copy is opened instead, so
 * GDAL never reads the network itself.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    if (isr_is_url(path))
        return isr_fetch(ctx, role, path, open_path); /* a local copy: fetch.c */
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

FILE *isr_source_fopen(isr_ctx *ctx, const char *role, const char *path, isr_status *st)
{
    char *local = NULL; /* a URL's copy */
    if ((*st = isr_source_check(ctx, role, path, &local)) != ISR_OK)
        return NULL;
    FILE *f = fopen(local ? local : path, "r");
    int err = errno;
    free(local);
    errno = err;
    return f;
}
