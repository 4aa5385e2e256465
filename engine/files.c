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
 * process (the PID in the name) is gone; the sweep never follows a symbolic link.
 * Also here: the folder name of a hub (any station id maps to a safe name under OUT/hubs/),
 * the lock that keeps two commands from writing one --out, and the fingerprint of a run's
 * inputs and settings that decides whether a hub's earlier outputs can be reused.
 */
#define _LARGEFILE64_SOURCE 1 /* GDAL's VSIStatBufL is a struct stat64 */
#include "internal.h"

#include <json-c/json.h>

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* Whether process `pid` still runs (or is not ours to signal: then it is taken as running). */
static int pid_alive(long pid)
{
    return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int foreign_file(const char *dir, const char *name, const char *mark);
static int foreign_run_json(const char *dir);

/* The files isoreach writes at the top of an output folder, and how each begins: README.md
 * (outreadme.c) and index.html (the web map's template); the article, for messages. */
static const char *const own_files[][3] = {
    {"README.md", "# isoreach output", "a"},
    {"index.html", "<!DOCTYPE html>\n<!-- isoreach web map", "an"}};

/* Whether entry `name` of output folder `dir` marks it as isoreach's: its mark
 * (ISR_OUTPUT_MARK) or another hidden file of isoreach's, a model cache beside it, or a
 * run.json, README.md or index.html that isoreach wrote. A hubs/, region/, scenarios/ or
 * shards/ folder is not one: a data folder of the user's may hold one (its
 * region/summary.json and reach_matrix.csv were written over; a new-user pass). */
static int isoreach_entry(const char *dir, const char *name)
{
    if (strcmp(name, "run.json") == 0)
        return !foreign_run_json(dir);
    for (size_t i = 0; i < sizeof own_files / sizeof *own_files; i++)
        if (strcmp(name, own_files[i][0]) == 0)
            return !foreign_file(dir, name, own_files[i][1]);
    size_t n = strlen(name);
    return strncmp(name, ".isoreach", 9) == 0 ||
           (strncmp(name, "model-", 6) == 0 && n > 9 && strcmp(name + n - 9, ".isrmodel") == 0);
}

/* An existing folder that holds files but none of an isoreach output (a project folder,
 * `--out .`): a run would replace its README.md and index.html. Refused, naming a few. */
static isr_status out_not_foreign(isr_ctx *ctx, const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return ISR_OK; /* a new folder, or one the writes will report on */
    char **names = NULL;
    int ours = 0;
    struct dirent *e;
    while (!ours && (e = readdir(d)) != NULL) {
        ours = isoreach_entry(path, e->d_name);
        if (e->d_name[0] != '.') /* hidden: "." and "..", and the locks and temporaries of
                                  * runs starting beside this one, which overwrite nothing */
            names = CSLAddString(names, e->d_name);
    }
    closedir(d);
    int n = CSLCount(names);
    isr_status st = ISR_OK;
    if (!ours && n > 0) {
        qsort(names, (size_t)n, sizeof *names, cmp_str); /* named in one order anywhere */
        isr_sb seen = {0};
        for (int i = 0; i < n && i < 3; i++)
            isr_sb_printf(&seen, "%s'%s'", i ? ", " : "", names[i]);
        char *list = isr_sb_take(&seen);
        st = isr_fail(ctx, ISR_ERR_IO,
                      "output folder '%s' (--out) holds files that are not an isoreach output "
                      "(%s%s): a run writes README.md, index.html and more into it; give a new "
                      "or empty folder",
                      path, list ? list : "", n > 3 ? ", …" : "");
        free(list);
    }
    CSLDestroy(names);
    return st;
}

/* Whether `dir`/`name` is there but not as isoreach writes it: its first bytes do not begin
 * with `mark` (or it is no regular file). */
static int foreign_file(const char *dir, const char *name, const char *mark)
{
    char *p = isr_strdup_printf("%s/%s", dir, name);
    struct stat sb;
    int foreign = 0;
    if (p && stat(p, &sb) == 0) {
        FILE *f = S_ISREG(sb.st_mode) ? fopen(p, "rb") : NULL;
        char head[64] = "";
        size_t n = f ? fread(head, 1, strlen(mark), f) : 0;
        foreign = n != strlen(mark) || memcmp(head, mark, n) != 0;
        if (f)
            fclose(f);
    }
    free(p);
    return foreign;
}

/* Whether `dir`/run.json is there but not isoreach's: a JSON object whose "isoreach" names
 * the program ("isoreach 0.1.0 (GDAL …)"), as every run.json begins. */
static int foreign_run_json(const char *dir)
{
    char *run = isr_strdup_printf("%s/run.json", dir);
    int foreign = 0;
    if (run && isr_file_exists(run)) {
        json_object *o = json_object_from_file(run), *v = NULL;
        foreign = !o || !json_object_object_get_ex(o, "isoreach", &v) ||
                  !json_object_is_type(v, json_type_string) ||
                  strncmp(json_object_get_string(v), "isoreach ", 9) != 0;
        json_object_put(o);
    }
    free(run);
    return foreign;
}

/* An output folder whose README.md, index.html or run.json isoreach did not write (a data
 * folder that happens to hold a hubs/ or scenarios/ folder, or a run.json of another
 * program, which made the folder look like an earlier run's): a run would replace them.
 * isoreach's begin "# isoreach output" (outreadme.c) and "<!DOCTYPE html>\n<!-- isoreach web
 * map" (the web map's template). */
static isr_status out_files_not_foreign(isr_ctx *ctx, const char *path)
{
    const char *article = "a", *name = NULL;
    for (size_t i = 0; i < sizeof own_files / sizeof *own_files && !name; i++)
        if (foreign_file(path, own_files[i][0], own_files[i][1])) {
            article = own_files[i][2];
            name = own_files[i][0];
        }
    if (!name && foreign_run_json(path))
        name = "run.json";
    if (!name)
        return ISR_OK;
    return isr_fail(ctx, ISR_ERR_IO,
                    "output folder '%s' (--out) holds %s %s that isoreach did not write: a run "
                    "would replace it; give a new or empty folder, or an earlier run's output "
                    "folder",
                    path, article, name);
}

isr_status isr_out_dir(isr_ctx *ctx, const char *path, char **created)
{
    struct stat sb;
    *created = NULL;
    if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode) && stat(path, &sb) != 0)
        return isr_fail(ctx, ISR_ERR_IO,
                        "output folder '%s' (--out) is a symbolic link to nothing (its target is "
                        "missing): create the folder it names, or give another --out",
                        path);
    if (stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode))
        return isr_fail(ctx, ISR_ERR_IO, "output folder '%s' (--out) is a file, not a folder",
                        path);
    isr_status foreign = out_not_foreign(ctx, path);
    if (foreign == ISR_OK)
        foreign = out_files_not_foreign(ctx, path);
    if (foreign != ISR_OK)
        return foreign;
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

/* Removes, in the open folder `dfd` (closed here), the temporary files of processes that no
 * longer run, and not written for `idle` seconds: regular files only, named like a
 * temporary file (and starting with `prefix`, unless NULL), never through a link. */
static int sweep_fd_idle(int dfd, time_t idle, const char *prefix)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return 0;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *part = e->d_name[0] == '.' && (!prefix || strncmp(e->d_name, prefix,
                                                                        strlen(prefix)) == 0)
                               ? strstr(e->d_name, ".part-")
                               : NULL;
        char *end;
        long pid = part ? strtol(part + 6, &end, 10) : 0;
        if (pid <= 0 || (*end && *end != '.') || (pid_t)pid == getpid())
            continue;
        if (pid_alive(pid))
            continue; /* still running (another run in the same folder), or not ours to judge */
        struct stat sb;
        if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (idle > 0 && time(NULL) - sb.st_mtime < idle)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            n++;
    }
    closedir(d);
    return n;
}

static int sweep_fd(int dfd)
{
    return sweep_fd_idle(dfd, 0, NULL);
}

int isr_tmp_sweep_idle(const char *dir, int idle_s, const char *prefix)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? 0 : sweep_fd_idle(fd, idle_s, prefix);
}

/* The sub-folder `name` of the open folder `parent`, or -1; a symbolic link is not followed
 * (a hub folder linked elsewhere is not swept: its files are not ours). */
static int open_subdir(int parent, const char *name)
{
    return openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

void isr_tmp_sweep_said(isr_ctx *ctx, const char *out)
{
    int swept = isr_tmp_sweep(out);
    if (swept)
        isr_log(ctx, ISR_LOG_INFO, "removed %d temporary file(s) that a killed run left in '%s'",
                swept, out);
}

int isr_tmp_sweep(const char *out)
{
    int top = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* --out itself as the user gave it */
    if (top < 0)
        return 0;
    int n = 0, fd = open_subdir(top, "region");
    if (fd >= 0)
        n += sweep_fd(fd);
    int hubs = open_subdir(top, "hubs");
    DIR *d = hubs >= 0 ? fdopendir(hubs) : NULL;
    if (!d && hubs >= 0)
        close(hubs);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if ((fd = open_subdir(dirfd(d), e->d_name)) >= 0)
            n += sweep_fd(fd);
    }
    if (d)
        closedir(d);
    return n + sweep_fd(top);
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
    /* a file size limit (ulimit -f; SIGXFSZ ignored by the command line): EFBIG, lost too */
    struct rlimit rl;
    if ((!err || err == EFBIG) && getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        return "File too large (past the file size limit of this shell, ulimit -f)";
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

isr_status isr_write_json(isr_ctx *ctx, const char *path, void *json)
{
    /* json-c's own file writer does not check close(2): through isr_write_text instead */
    const char *text = json ? json_object_to_json_string_ext(
                                  json, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED)
                            : NULL;
    return text ? isr_write_text(ctx, path, text, strlen(text))
                : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path);
}

isr_status isr_commit_vsimem(isr_ctx *ctx, const char *mem, const char *path)
{
    vsi_l_offset len = 0;
    GByte *buf = VSIGetMemFileBuffer(mem, &len, FALSE);
    char *tmp = NULL;
    FILE *f = NULL;
    isr_status st;
    if (!buf)
        st = isr_fail(ctx, ISR_ERR_INTERNAL, "cannot write '%s': GDAL wrote nothing", path);
    else if ((st = isr_open_tmp(ctx, path, &tmp, &f)) == ISR_OK) {
        if (len)
            fwrite(buf, 1, (size_t)len, f); /* a short write sets the error flag */
        st = isr_close_commit(ctx, f, tmp, path);
    }
    VSIUnlink(mem);
    free(tmp);
    return st;
}

void isr_discard_tmp(FILE *f, const char *tmp)
{
    if (f)
        fclose(f);
    if (tmp)
        remove(tmp);
}

int isr_file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

int isr_csv_formula_like(const char *s)
{
    if (*s == '-') {
        char *end;
        (void)isr_strtod(s, &end); /* the C locale's numbers, whatever the process's */
        return end == s || *end != '\0'; /* "-3.5" is a number, "-1+1" a formula */
    }
    return *s && strchr("=+@\t\r", *s) != NULL;
}

const char *isr_csv_unescaped(const char *s)
{
    return s[0] == '\'' && isr_csv_formula_like(s + 1) ? s + 1 : s;
}

void isr_csv_field(FILE *f, const char *s)
{
    int formula = isr_csv_formula_like(s);
    if (!formula && !strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* ---- hub folders ------------------------------------------------------------------------- */

uint64_t isr_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int folder_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

/* The length of one character at s that a folder name may hold: an ASCII letter, digit, '.',
 * '_' or '-', or a well-formed UTF-8 letter beyond Latin-1's controls (北京南 stays 北京南).
 * Not: controls, spaces, separators, and the invisible or direction-changing characters of
 * U+2000–U+206F and U+FEFF, nor noncharacters. 0 when none. */
static size_t folder_seq(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return folder_char((char)s[0]) ? 1 : 0;
    size_t len = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t cp = s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp < 0xA1 ||
        (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF ||
        (cp >= 0xFFF0 && cp <= 0xFFFF) || (cp >= 0xFDD0 && cp <= 0xFDEF))
        return 0;
    return len;
}

/* The entries of folder `dir` (hidden ones left out) that are none of names[0 .. n - 1]:
 * the first ten as "a, b, …" (new string, NULL for none) and *count all of them. */
char *isr_dir_others(const char *dir, const char *const *names, int n, int *count)
{
    DIR *d = dir ? opendir(dir) : NULL;
    isr_sb b = {0};
    struct dirent *e;
    *count = 0;
    while (d && (e = readdir(d)) != NULL) {
        int ours = e->d_name[0] == '.';
        for (int k = 0; k < n && !ours; k++)
            ours = strcmp(names[k], e->d_name) == 0;
        if (!ours && ++*count <= 10)
            isr_sb_printf(&b, "%s%s", *count > 1 ? ", " : "", e->d_name);
    }
    if (d)
        closedir(d);
    if (*count > 10)
        isr_sb_printf(&b, ", …");
    return isr_sb_take(&b);
}

/* A name Windows gives to a device whatever follows its first '.' and in any case (CON,
 * PRN, AUX, NUL, COM0-9, LPT0-9, and COM/LPT with ¹ ² ³): a folder so named cannot be made
 * or copied there (a journalist's unzip of OUT fails or drops it). */
int isr_windows_device(const char *s)
{
    static const char *const dev[] = {"CON", "PRN", "AUX", "NUL"};
    size_t n = strcspn(s, ".");
    for (size_t i = 0; i < sizeof dev / sizeof *dev; i++)
        if (n == 3 && strncasecmp(s, dev[i], 3) == 0)
            return 1;
    if (strncasecmp(s, "COM", 3) != 0 && strncasecmp(s, "LPT", 3) != 0)
        return 0;
    return (n == 4 && s[3] >= '0' && s[3] <= '9') ||
           (n == 5 && (unsigned char)s[3] == 0xC2 &&
            ((unsigned char)s[4] == 0xB9 || (unsigned char)s[4] == 0xB2 ||
             (unsigned char)s[4] == 0xB3));
}

char *isr_hub_folder(const char *id)
{
    const unsigned char *u = (const unsigned char *)id;
    size_t n = strlen(id);
    /* not '.' first (hidden, or . and ..), nor last (Windows drops it: "a." would be "a"),
     * nor a Windows device name */
    int safe = n > 0 && n <= ISR_HUB_FOLDER_MAX && id[0] != '.' && id[n - 1] != '.' &&
               !isr_windows_device(id);
    for (size_t i = 0, k; safe && i < n; i += k)
        safe = (k = folder_seq(u + i, n - i)) > 0;
    if (safe)
        return strdup(id);
    /* a readable stem (runs of other bytes become one '_', no leading '.'), then the hash of
     * the whole id, so that two ids with the same stem still differ */
    char stem[41];
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t len = folder_seq(u + i, n - i);
        if (len == 0) { /* one '_' for a run of other bytes, none at the start */
            if (k > 0 && stem[k - 1] != '_' && k < sizeof stem - 1)
                stem[k++] = '_';
            i++;
            continue;
        }
        if (k + len > sizeof stem - 1)
            break;
        if (!(k == 0 && id[i] == '.')) {
            memcpy(stem + k, id + i, len);
            k += len;
        }
        i += len;
    }
    while (k > 0 && stem[k - 1] == '_')
        k--;
    stem[k] = '\0';
    /* "CON" or "com1.x" keep their text after "hub_", so the folder is no device either */
    return isr_strdup_printf("%s%s-%016llx", k && isr_windows_device(stem) ? "hub_" : "",
                             k ? stem : "hub",
                             (unsigned long long)isr_fnv1a(ISR_FNV_SEED, id, n));
}

/* ---- the lock of an output folder ---------------------------------------------------------- */

/* The PID written in lock file `path`, 0 when none can be read. */
static long lock_pid(const char *path)
{
    char buf[32] = "";
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return strtol(buf, NULL, 10);
}

/* Creates lock file `path` holding this process's PID, all at once: written under a
 * temporary name and linked into place (link(2) fails when the lock exists). Returns 0, or
 * -1 with errno (EEXIST: another holds it). */
static int lock_create(const char *path)
{
    char *tmp = isr_tmp_name(path);
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    int rc = -1, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
        char buf[32];
        int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
        int ok = write(fd, buf, (size_t)len) == len;
        close(fd);
        if (ok && link(tmp, path) == 0)
            rc = 0;
        else if (ok && errno != EEXIST) { /* a file system without hard links */
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
            if (fd >= 0) {
                rc = write(fd, buf, (size_t)len) == len ? 0 : -1;
                close(fd);
            }
        }
    }
    int e = errno;
    unlink(tmp);
    free(tmp);
    errno = e;
    return rc;
}

isr_status isr_out_refuse_others(isr_ctx *ctx, const char *out, int shards)
{
    DIR *d = opendir(out);
    isr_status st = ISR_OK;
    struct dirent *e;
    while (d && st == ISR_OK && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        int match = shards ? strncmp(e->d_name, ".isoreach-shard-", 16) == 0 && n > 21 &&
                                 strcmp(e->d_name + n - 5, ".lock") == 0
                           : strcmp(e->d_name, ISR_LOCK_NAME) == 0;
        char *path = match ? isr_strdup_printf("%s/%s", out, e->d_name) : NULL;
        long pid = path ? lock_pid(path) : 0;
        if (pid > 0 && pid != (long)getpid() && pid_alive(pid))
            st = isr_fail(ctx, ISR_ERR_IO,
                          "--out '%s' is in use by %s (process %ld, lock file %s); wait for it "
                          "to finish or use another --out",
                          out, shards ? "a shard of a run" : "a run of all its hubs", pid, path);
        free(path);
    }
    if (d)
        closedir(d);
    return st;
}

int isr_out_reach_recorded(const char *out)
{
    char *path = isr_strdup_printf("%s/run.json", out);
    json_object *was = path && isr_file_exists(path) ? json_object_from_file(path) : NULL;
    int reach = was && json_object_object_get_ex(was, "reach", NULL);
    json_object_put(was);
    free(path);
    return reach;
}

void isr_out_unmark(isr_ctx *ctx, const char *out)
{
    /* the folder's own mark, for good: an interrupted first run leaves no run.json nor
     * README.md, and its hubs/ is what the next run resumes (out_not_foreign) */
    char *own = isr_strdup_printf("%s/" ISR_OUTPUT_MARK, out);
    FILE *m = own && !isr_file_exists(own) ? fopen(own, "w") : NULL;
    if (m) {
        fputs("isoreach output folder: this file marks it as one, so that later runs may write "
              "into it\n",
              m);
        fclose(m);
    }
    free(own);
    if (isr_out_reach_recorded(out)) {
        char *mark = isr_strdup_printf("%s/" ISR_RECOUNT_NAME, out);
        FILE *f = mark ? fopen(mark, "w") : NULL;
        if (f)
            fclose(f);
        free(mark);
    }
    char *path = isr_strdup_printf("%s/run.json", out);
    if (path && unlink(path) == 0)
        isr_log(ctx, ISR_LOG_INFO,
                "removed the run.json of an earlier run from '%s' until this one finishes",
                out);
    free(path);
}

int isr_out_recount_pending(const char *out)
{
    char *mark = isr_strdup_printf("%s/" ISR_RECOUNT_NAME, out);
    int pending = mark && isr_file_exists(mark);
    free(mark);
    return pending;
}

void isr_out_recounted(const char *out)
{
    char *mark = isr_strdup_printf("%s/" ISR_RECOUNT_NAME, out);
    if (mark)
        unlink(mark);
    free(mark);
}

/* The first folder isoreach writes in under `out` (region, hubs, scenarios and the folders
 * in hubs/, scenarios/ and scenarios' hubs/) that is a symbolic link, as a new string
 * relative to `out`; NULL when there is none. Through one, a run wrote its outputs, and
 * deleted earlier ones, outside the output folder. */
static char *linked_folder(const char *out)
{
    static const char *const tops[] = {"region", "hubs", "scenarios"};
    struct stat sb;
    for (size_t t = 0; t < sizeof tops / sizeof *tops; t++) {
        char *p = isr_strdup_printf("%s/%s", out, tops[t]);
        int link = p && lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode);
        DIR *d = p && !link && t > 0 ? opendir(p) : NULL;
        free(p);
        if (link)
            return strdup(tops[t]);
        struct dirent *e;
        char *found = NULL;
        while (d && !found && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *rel = isr_strdup_printf("%s/%s", tops[t], e->d_name);
            char *q = rel ? isr_strdup_printf("%s/%s", out, rel) : NULL;
            if (q && lstat(q, &sb) == 0 && S_ISLNK(sb.st_mode))
                found = rel, rel = NULL;
            else if (q && t == 2 && S_ISDIR(sb.st_mode)) { /* a scenario's own folders */
                char *inner = linked_folder(q);
                if (inner)
                    found = isr_strdup_printf("%s/%s", rel, inner);
                free(inner);
            }
            free(q);
            free(rel);
        }
        if (d)
            closedir(d);
        if (found)
            return found;
    }
    return NULL;
}

isr_status isr_out_lock(isr_ctx *ctx, const char *out, char **held)
{
    return isr_out_lock_named(ctx, out, ISR_LOCK_NAME, NULL, held);
}

static isr_status linked_fail(isr_ctx *ctx, const char *out, const char *rel)
{
    return isr_fail(ctx, ISR_ERR_INPUT,
                    "output folder '%s' (--out): '%s' in it is a symbolic link; isoreach "
                    "writes, and deletes its own earlier files, only inside the output folder, "
                    "so it does not follow one: replace the link by a folder, or give another "
                    "--out",
                    out, rel);
}

isr_status isr_out_links_check(isr_ctx *ctx, const char *out)
{
    char *link = linked_folder(out);
    if (!link)
        return ISR_OK;
    isr_status st = linked_fail(ctx, out, link);
    free(link);
    return st;
}

isr_status isr_out_path_check(isr_ctx *ctx, const char *out, const char *path)
{
    size_t n = strlen(out);
    if (strncmp(path, out, n) != 0 || path[n] != '/')
        return ISR_OK;
    isr_status st = ISR_OK;
    char *p = strdup(path);
    if (!p)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    struct stat sb;
    /* each folder below --out, outermost first (--out itself may be a link: the user's) */
    for (char *s = p + n + 1; st == ISR_OK; s++) {
        char c = *s;
        if (c != '/' && c != '\0')
            continue;
        *s = '\0';
        int there = lstat(p, &sb) == 0;
        if (there && S_ISLNK(sb.st_mode))
            st = linked_fail(ctx, out, p + n + 1);
        else if (there && S_ISDIR(sb.st_mode) && access(p, W_OK) != 0 && errno == EACCES)
            /* said before the earlier run's run.json is taken away, not when writing in it */
            st = isr_fail(ctx, ISR_ERR_IO, "output folder '%s' is not writable", p);
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return st;
}

isr_status isr_mkdirs_under(isr_ctx *ctx, const char *out, const char *path)
{
    isr_status st = isr_mkdirs(ctx, path);
    return st == ISR_OK ? isr_out_path_check(ctx, out, path) : st;
}

isr_status isr_out_lock_named(isr_ctx *ctx, const char *out, const char *name, const char *what,
                              char **held)
{
    *held = NULL;
    char *path = isr_strdup_printf("%s/%s", out, name);
    if (!path)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int attempt = 0; attempt < 3; attempt++) {
        if (lock_create(path) == 0) {
            *held = path;
            return ISR_OK;
        }
        if (errno != EEXIST)
            break; /* no lock can be made here (a missing or read-only folder): the command
                      meets that itself, with its own message, when it reads or writes */
        long pid = lock_pid(path);
        if (pid > 0 && pid_alive(pid)) {
            isr_status st =
                what ? isr_fail(ctx, ISR_ERR_IO,
                                "%s of --out '%s' is already running (process %ld, lock file "
                                "%s); wait for it to finish",
                                what, out, pid, path)
                     : isr_fail(ctx, ISR_ERR_IO,
                                "--out '%s' is in use by another isoreach run (process %ld, "
                                "lock file %s); wait for it to finish or use another --out (if "
                                "no isoreach runs there, process %ld is another program that "
                                "took the dead run's number: delete the lock file)",
                                out, pid, path, pid);
            free(path);
            return st;
        }
        if (pid > 0)
            isr_log(ctx, ISR_LOG_INFO,
                    "taking over the lock of --out '%s': process %ld, which made it, no longer "
                    "runs",
                    out, pid);
        else if (attempt > 0) /* empty twice: not a lock being written, a broken one */
            isr_log(ctx, ISR_LOG_INFO, "taking over the empty lock file %s", path);
        else {
            struct timespec ts = {0, 100000000}; /* a lock being written: look again */
            nanosleep(&ts, NULL);
            continue;
        }
        unlink(path);
    }
    free(path);
    return ISR_OK;
}

void isr_out_unlock(char *held)
{
    if (held && lock_pid(held) == (long)getpid())
        unlink(held);
    free(held);
}

const char *isr_json_unreadable(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return "it cannot be read";
    return sb.st_size == 0 ? "it is empty" : "it is cut short or is not JSON";
}

/* ---- the fingerprint of a run's inputs and settings ---------------------------------------- */

static uint64_t fp_str(uint64_t h, const char *s)
{
    unsigned char tag = s ? 1 : 0; /* NULL (not given) differs from "" */
    h = isr_fnv1a(h, &tag, 1);
    return s ? isr_fnv1a(h, s, strlen(s) + 1) : h;
}

static uint64_t fp_num(uint64_t h, double v)
{
    char buf[40];
    isr_snprintf(buf, sizeof buf, "%.17g", v);
    return fp_str(h, buf);
}

/* Files up to this size are fingerprinted by their content, larger ones by size and time
 * (fp_file_as; isr_warn_big_inputs names them when results are reused). */
#define FP_CONTENT_MAX ((off_t)64 * 1024 * 1024)

/* A local file by its size and modification time: what the fingerprint hashes of a file too
 * large to read, and the whole stamp of isr_inputs_stamp. */
static uint64_t fp_size_time(uint64_t h, const struct stat *sb)
{
    h = fp_num(h, (double)sb->st_size);
    h = fp_num(h, (double)sb->st_mtim.tv_sec);
    return fp_num(h, (double)sb->st_mtim.tv_nsec);
}

/* One file of an input: its name, size and content (files up to 64 MB, read again here),
 * or its size and modification time (larger files and remote ones). */
static uint64_t fp_file_as(uint64_t h, const char *name, const char *label)
{
    h = fp_str(h, label);
    struct stat sb;
    int local = strncmp(name, "/vsi", 4) != 0;
    if (local) {
        if (stat(name, &sb) != 0)
            return fp_str(h, "missing");
        if (!S_ISREG(sb.st_mode) || sb.st_size > FP_CONTENT_MAX)
            return fp_size_time(h, &sb);
        h = fp_num(h, (double)sb.st_size);
        FILE *f = fopen(name, "rb");
        if (!f)
            return fp_str(h, "unreadable");
        unsigned char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            h = isr_fnv1a(h, buf, n);
        fclose(f);
        return h;
    }
    VSIStatBufL vs;
    if (VSIStatL(name, &vs) != 0)
        return fp_str(h, "missing");
    h = fp_num(h, (double)vs.st_size);
    return fp_num(h, (double)vs.st_mtime);
}

/* A file by its name only (not its folder), so that inputs moved with their output folder,
 * or named another way (relative, absolute, OUT-relative in run.json), keep the fingerprint:
 * the content says whether it is the same file. A SQLite file (a GeoPackage) open in another
 * program in WAL mode, as QGIS keeps one it edits, holds the saved edits in NAME-wal until the
 * last program closes it, the main file unchanged: that file counts too when it is there
 * (GDAL does not list it), so an edit held there is not taken for the same input. */
static uint64_t fp_file(uint64_t h, const char *name)
{
    const char *base = strrchr(name, '/');
    h = fp_file_as(h, name, base ? base + 1 : name);
    char *wal = isr_strdup_printf("%s-wal", name);
    struct stat sb;
    if (wal && strncmp(name, "/vsi", 4) != 0 && stat(wal, &sb) == 0 && sb.st_size > 0) {
        const char *wb = strrchr(wal, '/');
        h = fp_file_as(h, wal, wb ? wb + 1 : wal);
    }
    free(wal);
    return h;
}

/* Folders deeper than this below an input folder, and files past this many, are not listed
 * (a GTFS feed's .txt files lie in it or one folder down). */
#define FOLDER_DEPTH 2
#define FOLDER_FILES 10000


/* The regular files in folder `dir` and its folders down to `depth` more levels, appended
 * to `files` (a CSL list), in name order. */
static char **folder_files(char **files, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && CSLCount(names) < FOLDER_FILES)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            names = CSLAddString(names, e->d_name);
    if (d)
        closedir(d);
    int n = CSLCount(names);
    if (n > 1)
        qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (int i = 0; i < n && CSLCount(files) < FOLDER_FILES; i++) {
        char *p = isr_strdup_printf("%s/%s", dir, names[i]);
        struct stat sb;
        if (p && lstat(p, &sb) == 0 && S_ISREG(sb.st_mode))
            files = CSLAddString(files, p);
        else if (p && depth > 0 && stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            files = folder_files(files, p, depth - 1);
        free(p);
    }
    CSLDestroy(names);
    return files;
}

/* Every file GDAL reads for dataset `path` (a shapefile's .shp, .shx, .dbf, .prj, .cpg…; a
 * VRT's sources), or `path` alone when GDAL does not list them; a CSL list. A folder GDAL
 * lists nothing in (a GTFS feed: GDAL 3.6 has no GTFS driver, and lists only the folder
 * itself) by the files in it: an edit saved in place to one of them (its folder's time
 * unchanged) is a change of the input. */
static char **dataset_files(const char *path)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_RASTER | GDAL_OF_READONLY, NULL,
                                 NULL, NULL);
    char **files = ds ? GDALGetFileList(ds) : NULL;
    if (ds)
        GDALClose(ds);
    struct stat sb;
    int folder = strncmp(path, "/vsi", 4) != 0 && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
    if (folder && (!files || !files[0] || (!files[1] && strcmp(files[0], path) == 0))) {
        CSLDestroy(files);
        files = folder_files(NULL, path, FOLDER_DEPTH);
    }
    if (!files || !files[0]) {
        CSLDestroy(files);
        files = CSLAddString(NULL, path);
    }
    return files;
}

/* A fetched input's local copy (fetch.c): its files by their names in the cache entry, so
 * that the cache folder (or --cache none's temporary one) does not change the fingerprint,
 * and by their content, so that a changed remote file does. */
static uint64_t fp_fetched(uint64_t h, const char *local)
{
    char **files = dataset_files(local);
    const char *slash = strrchr(local, '/');
    size_t dir = slash ? (size_t)(slash - local + 1) : 0;
    for (char **f = files; f && *f; f++)
        h = fp_file_as(h, *f, strncmp(*f, local, dir) == 0 ? *f + dir : *f);
    CSLDestroy(files);
    return h;
}

/* Every file GDAL reads for dataset `path` (a shapefile's .shp, .shx, .dbf, .prj, .cpg…). */
static uint64_t fp_dataset(isr_ctx *ctx, uint64_t h, const char *path)
{
    const char *base = path && !isr_is_url(path) ? strrchr(path, '/') : NULL;
    h = fp_str(h, base ? base + 1 : path); /* its name; fp_file: its files by name */
    if (!path)
        return h;
    if (isr_is_url(path)) { /* never read the network here: the copy the run read, if any */
        char *local = ctx ? isr_fetch_local(ctx, path) : NULL;
        h = local ? fp_fetched(h, local) : fp_str(h, "not fetched");
        free(local);
        return h;
    }
    char **files = dataset_files(path);
    for (char **f = files; f && *f; f++)
        h = fp_file(h, *f);
    CSLDestroy(files);
    return h;
}

/* The fingerprint of the options less `drop` (NULL-terminated flags) and of the inputs. */
static uint64_t fingerprint(isr_ctx *ctx, const isr_options *o, const char *wkt,
                            const char *const *drop)
{
    uint64_t h = ISR_FNV_SEED;
    /* every flag that shapes the results, as run.json records them (so a flag added later is
     * covered without a list to keep in step), less `drop` and the input datasets (options.c's
     * one list), which fp_dataset hashes with every file of the dataset (name, size, content
     * or mtime) */
    const char *names[32], *paths[32];
    int n = isr_options_inputs(o, names, paths, 32);
    json_object *rec = isr_options_to_json(o);
    if (rec) {
        for (int i = 0; drop[i]; i++)
            json_object_object_del(rec, drop[i]);
        for (int i = 0; i < n; i++)
            json_object_object_del(rec, names[i]);
    }
    h = fp_str(h, rec ? json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN) : "?");
    json_object_put(rec);
    h = fp_str(h, wkt);
    for (int i = 0; i < n; i++)
        h = fp_dataset(ctx, h, paths[i]);
    return h;
}

void isr_inputs_stamp(const isr_options *o, isr_stamps *st)
{
    const char *names[ISR_MAX_STAMPS];
    st->n = isr_options_inputs(o, names, st->path, ISR_MAX_STAMPS);
    for (int i = 0; i < st->n; i++) {
        const char *path = st->path[i];
        uint64_t h = ISR_FNV_SEED;
        struct stat ps;
        if (!path || isr_is_url(path)) {
            st->h[i] = h;
            continue;
        }
        /* a FIFO or device is not opened (GDAL would wait on it for ever): its own stamp
         * only; isr_source_check refuses it when the loading comes to it */
        int plain = stat(path, &ps) == 0 && (S_ISREG(ps.st_mode) || S_ISDIR(ps.st_mode));
        char **files = plain ? dataset_files(path) : CSLAddString(NULL, path);
        for (char **f = files; f && *f; f++) {
            struct stat sb;
            h = fp_str(h, *f);
            h = stat(*f, &sb) == 0 ? fp_size_time(h, &sb) : fp_str(h, "missing");
        }
        CSLDestroy(files);
        st->h[i] = h;
    }
}

const char *isr_inputs_changed(const isr_options *o, const isr_stamps *before)
{
    isr_stamps now;
    isr_inputs_stamp(o, &now);
    for (int i = 0; i < now.n && i < before->n; i++)
        if (now.h[i] != before->h[i])
            return now.path[i];
    return NULL;
}

void isr_input_key(const char *const *names, int i, char *key, size_t n)
{
    int same = 0; /* earlier entries of the same flag */
    for (int k = 0; k < i; k++)
        same += strcmp(names[k], names[i]) == 0;
    if (same)
        snprintf(key, n, "%s %d", names[i], same + 1);
    else
        snprintf(key, n, "%s", names[i]);
}

json_object *isr_inputs_fingerprints(isr_ctx *ctx, const isr_options *o)
{
    const char *names[32], *paths[32];
    int n = isr_options_inputs(o, names, paths, 32);
    json_object *r = json_object_new_object();
    for (int i = 0; r && i < n; i++) {
        char key[64], hex[20];
        isr_input_key(names, i, key, sizeof key);
        snprintf(hex, sizeof hex, "%016llx",
                 (unsigned long long)fp_dataset(ctx, ISR_FNV_SEED, paths[i]));
        json_object_object_add(r, key, json_object_new_string(hex));
    }
    return r;
}

uint64_t isr_run_fingerprint(isr_ctx *ctx, const isr_options *o, const char *wkt)
{
    /* not one hub's raster: --min-reach shapes only reach.csv and summary.csv, which a
     * reused hub writes again (batch.c, hub_reach) */
    static const char *const drop[] = {"--hubs", "--attribution", "--lang", "--no-maps",
                                       "--min-reach", NULL};
    return fingerprint(ctx, o, wkt, drop);
}

/* The files of dataset `path` (an input; a URL: the copy the run read) over FP_CONTENT_MAX,
 * which the fingerprints know by size and time only, added to list b ("'a' (70 MB), ..."),
 * each once; returns how many it added. */
static int big_files(isr_ctx *ctx, isr_sb *b, const char *path)
{
    char *local = path && isr_is_url(path) ? isr_fetch_local(ctx, path) : NULL;
    const char *p = local ? local : path;
    char **files = p && (!isr_is_url(p) && strncmp(p, "/vsi", 4) != 0) ? dataset_files(p) : NULL;
    int n = 0;
    for (char **f = files; f && *f; f++) {
        struct stat sb;
        if (stat(*f, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= FP_CONTENT_MAX)
            continue;
        char *item = isr_strdup_printf("'%s' (%.0f MB)", *f, (double)sb.st_size / 1e6);
        if (item && (!b->s || !strstr(b->s, item))) {
            isr_sb_printf(b, "%s%s", b->len ? ", " : "", item);
            n++;
        }
        free(item);
    }
    CSLDestroy(files);
    free(local);
    return n;
}

void isr_warn_big_inputs(isr_ctx *ctx, const isr_options *o, const char *what, const char *anew)
{
    const char *names[32], *paths[32];
    int n = isr_options_inputs(o, names, paths, 32), nbig = 0;
    isr_sb b = {0};
    for (int i = 0; i < n; i++)
        nbig += big_files(ctx, &b, paths[i]);
    nbig += big_files(ctx, &b, isr_options_roads(o)); /* a default the flags do not list */
    char *list = isr_sb_take(&b);
    if (nbig)
        isr_log(ctx, ISR_LOG_WARN,
                "%s: %s %s over 64 MB, so %s recognised by %s size and modification time, not "
                "read: an edit that keeps both is not seen (%s)",
                what, list ? list : "", nbig > 1 ? "are" : "is", nbig > 1 ? "they are" : "it is",
                nbig > 1 ? "their" : "its", anew);
    free(list);
}

uint64_t isr_model_fingerprint(isr_ctx *ctx, const isr_options *o, const char *wkt)
{
    /* what only the search, the products or the run's control change: the rasters of the
     * model stay the same (over-inclusive is safe: another setting only builds anew) */
    static const char *const drop[] = {
        "--hubs",   "--attribution", "--budget",   "--bands",      "--dwell",
        "--transfer", "--transfer-radius", "--min-area", "--min-reach", "--simplify",
        "--direction", "--wait",     "--date",     "--window",     "--departure",
        "--step",   "--percentiles", "--percentile", "--model-cache", "--model-cache-max", "--lang",
        "--no-maps",
        /* English names go to the tables only; not --prov-name-en: provinces.geojson, with
         * its names, is kept in the model cache */
        "--unit-name-en", "--pref-name-en", "--station-name-en", NULL};
    uint64_t h = fingerprint(ctx, o, wkt, drop);
    /* the inputs a default brings in without a flag (the sample's water and crossings) */
    h = fp_dataset(ctx, h, isr_options_water(o));
    h = fp_dataset(ctx, h, isr_options_roads(o));
    return fp_str(h, ISR_VERSION);
}
