/*
 * files.c — output files: folders, temporary names and the final rename.
 *
 * Every output is written under a hidden temporary name in its final folder and renamed
 * into place when complete, so a reader (or a resumed run) never sees a half-written file:
 * rename(2) within one folder is atomic. A write is complete only when every byte reached
 * the file: stdio's error flag and fclose() are both checked, because a disk that fills
 * mid-write fails one buffered write and may accept the next. Drivers that do not report
 * their write errors (GDAL's GeoJSON writer) write into /vsimem/ and the bytes are copied
 * out here with the same checks. Failed writes remove their temporary file; those of a run
 * killed outright (SIGKILL, a crash) are swept by the next run in the folder, once their
 * process (the PID in the name) is gone.
 */
#include "internal.h"

#include <cpl_vsi.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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

isr_status isr_out_dir(isr_ctx *ctx, const char *path, char **created)
{
    struct stat sb;
    *created = NULL;
    if (stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode))
        return isr_fail(ctx, ISR_ERR_IO, "output folder '%s' (--out) is a file, not a folder",
                        path);
    char *p = strdup(path);
    if (!p)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    isr_status st = ISR_OK;
    for (char *s = p + 1; st == ISR_OK; s++) {
        char c = *s;
        if (c == '/' || c == '\0') {
            *s = '\0';
            if (mkdir(p, 0777) == 0) {
                if (!*created && !(*created = strdup(p)))
                    st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
            } else if (errno != EEXIST) {
                st = isr_fail(ctx, ISR_ERR_IO, "output folder '%s' (--out): cannot create '%s': %s",
                              path, p, strerror(errno));
            } else if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
                st = isr_fail(ctx, ISR_ERR_IO,
                              "output folder '%s' (--out): '%s' is a file, not a folder", path, p);
            }
            *s = c;
        }
        if (c == '\0')
            break;
    }
    free(p);
    if (st == ISR_OK) {
        /* access(2) says yes to root on a read-only file system: try a file */
        char *probe = isr_strdup_printf("%s/.isoreach-probe.part-%ld", path, (long)getpid());
        int fd = probe ? open(probe, O_WRONLY | O_CREAT | O_EXCL, 0666) : -1;
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(probe);
        } else {
            st = probe ? isr_fail(ctx, ISR_ERR_IO, "output folder '%s' (--out) is not writable: %s",
                                  path, strerror(e))
                       : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        }
        free(probe);
    }
    if (st != ISR_OK) {
        isr_rmdirs_empty(path, *created);
        free(*created);
        *created = NULL;
    }
    return st;
}

void isr_rmdirs_empty(const char *path, const char *top)
{
    if (!top)
        return;
    size_t ntop = strlen(top);
    char *p = strdup(path);
    while (p && strlen(p) >= ntop && strncmp(p, top, ntop) == 0 && rmdir(p) == 0) {
        char *slash = strrchr(p, '/');
        if (!slash || slash == p)
            break;
        *slash = '\0';
    }
    free(p);
}

/* Removes the temporary files in `dir` of processes that no longer run. */
static int sweep_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *part = e->d_name[0] == '.' ? strstr(e->d_name, ".part-") : NULL;
        char *end;
        long pid = part ? strtol(part + 6, &end, 10) : 0;
        if (pid <= 0 || (*end && *end != '.') || (pid_t)pid == getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* still running (another run in the same folder), or not ours to judge */
        char *p = isr_strdup_printf("%s/%s", dir, e->d_name);
        if (p && remove(p) == 0)
            n++;
        free(p);
    }
    closedir(d);
    return n;
}

int isr_tmp_sweep(const char *out)
{
    char *region = isr_strdup_printf("%s/region", out);
    char *hubs = isr_strdup_printf("%s/hubs", out);
    int n = sweep_dir(out);
    if (region)
        n += sweep_dir(region);
    DIR *d = hubs ? opendir(hubs) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *p = isr_strdup_printf("%s/%s", hubs, e->d_name);
        if (p)
            n += sweep_dir(p);
        free(p);
    }
    if (d)
        closedir(d);
    free(region);
    free(hubs);
    return n;
}

char *isr_tmp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    return isr_strdup_printf("%.*s.%s.part-%ld", dirlen, path, path + dirlen, (long)getpid());
}

const char *isr_write_reason(const char *path, int err)
{
    if (err == ENOSPC)
        return strerror(ENOSPC);
    /* GDAL drivers lose errno: a file system with (almost) no room left says why */
    char *dir = strdup(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    struct statvfs vf;
    int full = 0;
    if (slash) {
        *slash = '\0';
        if (statvfs(*dir ? dir : "/", &vf) == 0)
            full = (double)vf.f_bavail * (double)vf.f_frsize < 1024.0 * 1024.0;
    }
    free(dir);
    if (full)
        return strerror(ENOSPC);
    return err ? strerror(err) : "write error";
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

isr_status isr_close_commit(isr_ctx *ctx, FILE *f, const char *tmp, const char *path)
{
    errno = 0;
    int bad = ferror(f) != 0;
    int e = errno;
    if (fflush(f) != 0) {
        bad = 1;
        e = errno;
    }
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        const char *why = isr_write_reason(path, e);
        remove(tmp);
        return isr_fail(ctx, ISR_ERR_IO, "cannot write '%s': %s", path, why);
    }
    return isr_commit_file(ctx, tmp, path);
}

isr_status isr_open_tmp(isr_ctx *ctx, const char *path, char **tmp, FILE **f)
{
    *f = NULL;
    if (!(*tmp = isr_tmp_name(path)))
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path);
    if (!(*f = fopen(*tmp, "wb"))) {
        int e = errno;
        free(*tmp);
        *tmp = NULL;
        return isr_fail(ctx, ISR_ERR_IO, "cannot write '%s': %s", path, isr_write_reason(path, e));
    }
    return ISR_OK;
}

isr_status isr_write_text(isr_ctx *ctx, const char *path, const char *text, size_t len)
{
    char *tmp;
    FILE *f;
    isr_status st = isr_open_tmp(ctx, path, &tmp, &f);
    if (st != ISR_OK)
        return st;
    if (len)
        fwrite(text, 1, len, f); /* a short write sets the error flag */
    st = isr_close_commit(ctx, f, tmp, path);
    free(tmp);
    return st;
}

isr_status isr_commit_vsimem(isr_ctx *ctx, const char *mem, const char *path)
{
    vsi_l_offset len = 0;
    GByte *buf = VSIGetMemFileBuffer(mem, &len, FALSE);
    char *tmp = isr_tmp_name(path);
    isr_status st;
    FILE *f = buf && tmp ? fopen(tmp, "wb") : NULL;
    if (!f) {
        int e = errno;
        st = !tmp   ? isr_fail(ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path)
             : !buf ? isr_fail(ctx, ISR_ERR_INTERNAL, "cannot write '%s': GDAL wrote nothing",
                               path)
                    : isr_fail(ctx, ISR_ERR_IO, "cannot write '%s': %s", path, strerror(e));
    } else {
        if (len)
            fwrite(buf, 1, (size_t)len, f); /* a short write sets the error flag */
        st = isr_close_commit(ctx, f, tmp, path);
    }
    VSIUnlink(mem);
    free(tmp);
    return st;
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
