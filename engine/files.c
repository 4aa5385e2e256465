/*
 * files.c — output files: folders, temporary names and the final rename.
 *
 * Every output is written under a hidden temporary name in its final folder and renamed
 * into place when complete, so a reader (or a resumed run) never sees a half-written file:
 * rename(2) within one folder is atomic.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

isr_status isr_mkdirs(isr_ctx *ctx, const char *path)
{
    char *p = strdup(path);
    if (!p)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (char *s = p + 1;; s++) {
        char c = *s;
        if (c == '/' || c == '\0') {
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                isr_status st = isr_fail(ctx, ISR_ERR_IO, "cannot create folder '%s': %s", p,
                                         strerror(errno));
                free(p);
                return st;
            }
            *s = c;
        }
        if (c == '\0')
            break;
    }
    free(p);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return isr_fail(ctx, ISR_ERR_IO, "'%s' is not a folder", path);
    if (access(path, W_OK) != 0)
        return isr_fail(ctx, ISR_ERR_IO, "output folder '%s' is not writable", path);
    return ISR_OK;
}

char *isr_tmp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    return isr_strdup_printf("%.*s.%s.part-%ld", dirlen, path, path + dirlen, (long)getpid());
}

isr_status isr_commit_file(isr_ctx *ctx, const char *tmp, const char *path)
{
    if (rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return isr_fail(ctx, ISR_ERR_IO, "cannot write '%s': %s", path, strerror(e));
    }
    return ISR_OK;
}

int isr_file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

void isr_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
