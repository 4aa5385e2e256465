/* Criterion suite for files.c: temporary name → write → rename, failures that leave nothing
 * behind, the sweep of a killed run's temporary files (never through a symbolic link), hub
 * folder names from hostile ids, the lock of --out, folders, CSV fields, FNV-1a. */
#define _LARGEFILE64_SOURCE 1 /* GDAL's VSIStatBufL is a struct stat64 */
#include "internal.h"

#include <cpl_vsi.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static void mk_tmpdir(void)
{
    snprintf(dir, sizeof dir, "/tmp/isr_files_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(files, .init = mk_tmpdir, .fini = rm_tmpdir);

static char *path_in(const char *name) { return isr_strdup_printf("%s/%s", dir, name); }

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 4096);
    size_t n = fread(buf, 1, 4095, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs("x", f);
    fclose(f);
}

/* The entries of folder `d` (not . and ..), sorted and joined with spaces. */
static char *listing(const char *d)
{
    struct dirent **names = NULL;
    int n = scandir(d, &names, NULL, alphasort);
    isr_sb b = {0};
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
            isr_sb_printf(&b, "%s%s", b.len ? " " : "", names[i]->d_name);
        free(names[i]);
    }
    free(names);
    return isr_sb_take(&b);
}

/* A PID that no longer runs: a child that exited and was reaped. */
static long dead_pid(void)
{
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    cr_assert_gt(p, 0);
    waitpid(p, NULL, 0);
    return (long)p;
}

Test(files, tmp_name_beside_the_file)
{
    char *t = isr_tmp_name("out/hubs/h1/travel_time.tif");
    char *want = isr_strdup_printf("out/hubs/h1/.travel_time.tif.part-%ld", (long)getpid());
    cr_assert_str_eq(t, want);
    free(t);
    free(want);
    t = isr_tmp_name("run.json");
    want = isr_strdup_printf(".run.json.part-%ld", (long)getpid());
    cr_assert_str_eq(t, want);
    free(t);
    free(want);
}

/* The folder in a command a message suggests is one shell word: a path with a quote, a space
 * and a dollar (a user's "O'Brien maps $1") is given back unchanged by sh, and a cut one is
 * still one quoted word. */
Test(files, a_suggested_path_is_one_shell_word)
{
    char q[ISR_SHQ_MAX], small[12];
    const char *path = "/tmp/O'Brien maps $1/out";
    cr_assert_str_eq(isr_shq(path, q, sizeof q), "'/tmp/O'\\''Brien maps $1/out'");
    cr_assert_str_eq(isr_shq("plain", q, sizeof q), "'plain'", "as messages always quoted it");
    isr_shq(path, q, sizeof q);
    char *out = isr_strdup_printf("%s/word", dir);
    char *cmd = isr_strdup_printf("printf %%s %s > '%s'", q, out);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    char *got = slurp(out);
    cr_assert_str_eq(got, path, "sh read %s as '%s'", q, got);
    free(got);
    free(cmd);
    free(out);
    cr_assert_str_eq(isr_shq("abcdefghijklmnop", small, sizeof small), "'abcdefghi'");
    cr_assert_str_eq(isr_shq("ab'cdefgh", small, sizeof small), "'ab'\\''cde'");
}

Test(files, write_text_commits_and_leaves_no_tmp)
{
    char *p = path_in("a.txt");
    isr_ctx *ctx = isr_ctx_new();
    cr_assert_eq(isr_write_text(ctx, p, "hello\nworld", 11), ISR_OK);
    char *s = slurp(p);
    cr_assert_str_eq(s, "hello\nworld");
    free(s);
    char *ls = listing(dir);
    cr_assert_str_eq(ls, "a.txt");
    free(ls);
    /* replacing an existing file, and an empty text */
    cr_assert_eq(isr_write_text(ctx, p, "", 0), ISR_OK);
    s = slurp(p);
    cr_assert_str_eq(s, "");
    free(s);
    free(p);
    isr_ctx_free(ctx);
}

Test(files, write_into_a_missing_folder_fails_naming_the_path)
{
    char *p = path_in("missing/a.txt");
    isr_ctx *ctx = isr_ctx_new();
    cr_assert_eq(isr_write_text(ctx, p, "x", 1), ISR_ERR_IO);
    char *want = isr_strdup_printf("cannot write '%s': No such file or directory", p);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    char *ls = listing(dir);
    cr_assert_str_eq(ls, "");
    free(ls);
    free(p);
    isr_ctx_free(ctx);
}

Test(files, full_disk_removes_tmp_and_says_so)
{
    /* /dev/full accepts the buffered writes and fails the flush with ENOSPC */
    char *p = path_in("b.txt"), *tmp = isr_tmp_name(p);
    touch(tmp);
    FILE *f = fopen("/dev/full", "w");
    cr_assert_not_null(f);
    fputs("some bytes", f);
    isr_ctx *ctx = isr_ctx_new();
    cr_assert_eq(isr_close_commit(ctx, f, tmp, p), ISR_ERR_IO);
    char *want = isr_strdup_printf("cannot write '%s': No space left on device", p);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    char *ls = listing(dir);
    cr_assert_str_eq(ls, ""); /* neither the tmp nor the final file */
    free(ls);
    free(tmp);
    free(p);
    isr_ctx_free(ctx);
}

Test(files, stream_error_flag_fails_the_commit)
{
    char *p = path_in("c.txt"), *tmp = NULL;
    FILE *f = NULL;
    isr_ctx *ctx = isr_ctx_new();
    cr_assert_eq(isr_open_tmp(ctx, p, &tmp, &f), ISR_OK);
    fputs("data", f);
    char c;
    cr_assert_eq(fread(&c, 1, 1, f), 0); /* reading a "wb" stream sets its error flag */
    cr_assert(ferror(f));
    cr_assert_eq(isr_close_commit(ctx, f, tmp, p), ISR_ERR_IO);
    char *want = isr_strdup_printf("cannot write '%s': write error", p);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    cr_assert_eq(isr_file_exists(tmp), 0);
    cr_assert_eq(isr_file_exists(p), 0);
    free(tmp);
    free(p);
    isr_ctx_free(ctx);
}

Test(files, commit_of_a_missing_tmp_fails)
{
    char *p = path_in("d.txt"), *tmp = isr_tmp_name(p);
    isr_ctx *ctx = isr_ctx_new();
    cr_assert_eq(isr_commit_file(ctx, tmp, p), ISR_ERR_IO);
    char *want = isr_strdup_printf("cannot write '%s': No such file or directory", p);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    /* open_tmp in a missing folder: nothing returned */
    char *q = path_in("nope/e.txt"), *t2 = (char *)1;
    FILE *f = (FILE *)1;
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_open_tmp(ctx, q, &t2, &f), ISR_ERR_IO);
    cr_assert_null(t2);
    cr_assert_null(f);
    free(q);
    free(tmp);
    free(p);
    isr_ctx_free(ctx);
}

Test(files, discard_tmp_removes_it)
{
    char *p = path_in("f.txt"), *tmp = NULL;
    FILE *f = NULL;
    isr_ctx *ctx = isr_ctx_new();
    cr_assert_eq(isr_open_tmp(ctx, p, &tmp, &f), ISR_OK);
    cr_assert_eq(isr_file_exists(tmp), 1);
    isr_discard_tmp(f, tmp);
    cr_assert_eq(isr_file_exists(tmp), 0);
    cr_assert_eq(isr_file_exists(p), 0);
    free(tmp);
    free(p);
    isr_ctx_free(ctx);
}

Test(files, commit_vsimem_copies_and_unlinks)
{
    const char *mem = "/vsimem/isr_test_files.txt";
    VSILFILE *v = VSIFOpenL(mem, "wb");
    cr_assert_not_null(v);
    VSIFWriteL("{\"a\":1}", 1, 7, v);
    VSIFCloseL(v);
    char *p = path_in("g.json");
    isr_ctx *ctx = isr_ctx_new();
    cr_assert_eq(isr_commit_vsimem(ctx, mem, p), ISR_OK);
    char *s = slurp(p);
    cr_assert_str_eq(s, "{\"a\":1}");
    free(s);
    VSIStatBufL sb;
    cr_assert_neq(VSIStatL(mem, &sb), 0); /* the memory file is gone */
    /* nothing written by GDAL: an internal error naming the file */
    cr_assert_eq(isr_commit_vsimem(ctx, mem, p), ISR_ERR_INTERNAL);
    char *want = isr_strdup_printf("cannot write '%s': GDAL wrote nothing", p);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    free(p);
    isr_ctx_free(ctx);
}

Test(files, write_reason)
{
    cr_assert_str_eq(isr_write_reason("/tmp/x", ENOSPC), "No space left on device");
    cr_assert_str_eq(isr_write_reason("/tmp/x", EACCES), "Permission denied");
    cr_assert_str_eq(isr_write_reason("/tmp/x", 0), "write error");
}

Test(files, sweep_removes_dead_tmps_only_never_through_links)
{
    long dead = dead_pid(), live = (long)getppid(), me = (long)getpid();
    char name[256];
    char *region = path_in("region"), *hubs = path_in("hubs"), *h1 = path_in("hubs/h1");
    cr_assert_eq(mkdir(region, 0777), 0);
    cr_assert_eq(mkdir(hubs, 0777), 0);
    cr_assert_eq(mkdir(h1, 0777), 0);
    /* an outside folder, linked in as a hub folder, and an outside file linked as a tmp name */
    char outside[80];
    snprintf(outside, sizeof outside, "%s_outside", dir);
    cr_assert_eq(mkdir(outside, 0777), 0);
    const char *swept[] = {".a.tif.part-%ld", ".b.tif.part-%ld.ovr.tmp", "region/.r.json.part-%ld",
                           "hubs/h1/.x.csv.part-%ld"};
    const char *kept_dead[] = {"d.part-%ld", ".e.part-%ldx", "hubs/.hidden.part-%ld"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "%s/", dir);
        size_t n = strlen(name);
        snprintf(name + n, sizeof name - n, swept[i], dead);
        touch(name);
    }
    for (size_t i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "%s/", dir);
        size_t n = strlen(name);
        snprintf(name + n, sizeof name - n, kept_dead[i], dead);
        touch(name);
    }
    snprintf(name, sizeof name, "%s/.live.part-%ld", dir, live);
    touch(name);
    snprintf(name, sizeof name, "%s/.mine.part-%ld", dir, me);
    touch(name);
    /* a regular folder named like a tmp file is not a file */
    snprintf(name, sizeof name, "%s/region/.sub.part-%ld", dir, dead);
    cr_assert_eq(mkdir(name, 0777), 0);
    char target[160];
    snprintf(target, sizeof target, "%s/.y.part-%ld", outside, dead);
    touch(target);
    snprintf(name, sizeof name, "%s/hubs/linked", dir);
    cr_assert_eq(symlink(outside, name), 0);
    snprintf(name, sizeof name, "%s/.l.part-%ld", dir, dead);
    cr_assert_eq(symlink(target, name), 0);

    cr_assert_eq(isr_tmp_sweep(dir), 4);
    char *ls = listing(dir), *want = isr_strdup_printf(
                                  ".e.part-%ldx .l.part-%ld .live.part-%ld .mine.part-%ld "
                                  "d.part-%ld hubs region",
                                  dead, dead, live, me, dead);
    cr_assert_str_eq(ls, want);
    free(ls);
    free(want);
    ls = listing(region); /* the folder named like a tmp file stays */
    want = isr_strdup_printf(".sub.part-%ld", dead);
    cr_assert_str_eq(ls, want);
    free(ls);
    free(want);
    ls = listing(h1);
    cr_assert_str_eq(ls, "");
    free(ls);
    ls = listing(hubs);
    want = isr_strdup_printf(".hidden.part-%ld h1 linked", dead);
    cr_assert_str_eq(ls, want);
    free(ls);
    free(want);
    cr_assert_eq(isr_file_exists(target), 1); /* the linked folder's file is not ours */
    cr_assert_eq(isr_tmp_sweep(dir), 0);     /* nothing left to sweep */
    cr_assert_eq(isr_tmp_sweep("/nonexistent/isr"), 0);
    snprintf(name, sizeof name, "rm -rf '%s'", outside);
    cr_assert_eq(system(name), 0);
    free(region);
    free(hubs);
    free(h1);
}

Test(files, sweep_skips_a_linked_region_folder)
{
    long dead = dead_pid();
    char outside[80], name[256];
    snprintf(outside, sizeof outside, "%s_outside", dir);
    cr_assert_eq(mkdir(outside, 0777), 0);
    snprintf(name, sizeof name, "%s/.z.part-%ld", outside, dead);
    touch(name);
    char *region = path_in("region");
    cr_assert_eq(symlink(outside, region), 0);
    cr_assert_eq(isr_tmp_sweep(dir), 0);
    cr_assert_eq(isr_file_exists(name), 1);
    snprintf(name, sizeof name, "rm -rf '%s'", outside);
    cr_assert_eq(system(name), 0);
    free(region);
}

Test(files, hub_folder_names)
{
    struct {
        const char *id, *folder;
    } cases[] = {
        {"HUB_01", "HUB_01"},
        {"a.b-c", "a.b-c"},
        {"北京南", "北京南"},                       /* UTF-8 letters are kept */
        {"a/b", "a_b-e620c3190468cf61"},           /* FNV-1a 64 of "a/b" */
        {"../etc", "etc-54caf568cfae66bc"},        /* no leading dots, no separator */
        {".", "hub-af63a34c86018bb1"},             /* nothing readable left: "hub" */
        {"", "hub-cbf29ce484222325"},              /* the FNV seed itself */
        {"a b", "a_b-e63f991904833892"},
        {"a\xE2\x80\x8B" "b", "a_b-5b60b101c4d627d7"}, /* a zero-width space is not kept */
        /* Windows: no trailing '.', no device names in any case or before any '.' */
        {"a.", NULL},
        {"CON", NULL},
        {"nul.txt", NULL},
        {"Com7", NULL},
        {"LPT\xC2\xB9", NULL},
        {"CONSOLE", "CONSOLE"},
        {"COM10", "COM10"},
        {"aux_1", "aux_1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *f = isr_hub_folder(cases[i].id);
        if (cases[i].folder) {
            cr_assert_str_eq(f, cases[i].folder, "id '%s'", cases[i].id);
        } else { /* hashed: '-' and 16 hex digits, ending in no '.' and naming no device */
            size_t n = strlen(f);
            cr_assert(n > 17 && f[n - 17] == '-' && strspn(f + n - 16, "0123456789abcdef") == 16,
                      "id '%s': '%s'", cases[i].id, f);
            cr_assert(strncasecmp(f, "CON", 3) != 0 && strncasecmp(f, "NUL", 3) != 0 &&
                          strncasecmp(f, "COM", 3) != 0 && strncasecmp(f, "LPT", 3) != 0,
                      "id '%s': '%s'", cases[i].id, f);
        }
        free(f);
    }
    char *dev = isr_hub_folder("CON");
    cr_assert_eq(strncmp(dev, "hub_CON-", 8), 0, "%s", dev);
    free(dev);
    /* 64 bytes is kept; 65 is hashed, with a stem of 40 characters */
    char id[66];
    memset(id, 'x', 64);
    id[64] = '\0';
    char *f = isr_hub_folder(id);
    cr_assert_str_eq(f, id);
    free(f);
    id[64] = 'x';
    id[65] = '\0';
    f = isr_hub_folder(id);
    cr_assert_str_eq(f, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-7d70a52549704607");
    free(f);
}

Test(files, fnv1a_known_vectors)
{
    cr_assert_eq(isr_fnv1a(ISR_FNV_SEED, "", 0), 0xcbf29ce484222325ULL);
    cr_assert_eq(isr_fnv1a(ISR_FNV_SEED, "a", 1), 0xaf63dc4c8601ec8cULL);
    cr_assert_eq(isr_fnv1a(ISR_FNV_SEED, "foobar", 6), 0x85944171f73967e8ULL);
    /* continuing from a hash equals hashing the concatenation */
    cr_assert_eq(isr_fnv1a(isr_fnv1a(ISR_FNV_SEED, "foo", 3), "bar", 3), 0x85944171f73967e8ULL);
}

Test(files, lock_taken_refused_taken_over_released)
{
    isr_ctx *ctx = isr_ctx_new();
    char *held = NULL, *lock = path_in(ISR_LOCK_NAME);
    cr_assert_eq(isr_out_lock(ctx, dir, &held), ISR_OK);
    cr_assert_str_eq(held, lock);
    char *s = slurp(lock), *want = isr_strdup_printf("%ld\n", (long)getpid());
    cr_assert_str_eq(s, want);
    free(s);
    free(want);
    /* held by a live process (this one): refused, naming it and the lock file */
    char *again = (char *)1;
    cr_assert_eq(isr_out_lock(ctx, dir, &again), ISR_ERR_IO);
    cr_assert_null(again);
    want = isr_strdup_printf("--out '%s' is in use by another isoreach run (process %ld, lock "
                             "file %s); wait for it to finish or use another --out (if no "
                             "isoreach runs there, process %ld is another program that took "
                             "the dead run's number: delete the lock file)",
                             dir, (long)getpid(), lock, (long)getpid());
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    isr_out_unlock(held);
    cr_assert_eq(isr_file_exists(lock), 0);
    /* a lock left by a process that no longer runs is taken over */
    long dead = dead_pid();
    FILE *f = fopen(lock, "w");
    fprintf(f, "%ld\n", dead);
    fclose(f);
    isr_ctx_reset(ctx);
    cr_assert_eq(isr_out_lock(ctx, dir, &held), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_not_null(held);
    s = slurp(lock);
    want = isr_strdup_printf("%ld\n", (long)getpid());
    cr_assert_str_eq(s, want);
    free(s);
    free(want);
    /* unlock leaves a lock that another process has since taken */
    f = fopen(lock, "w");
    fprintf(f, "%ld\n", (long)getppid());
    fclose(f);
    isr_out_unlock(held);
    cr_assert_eq(isr_file_exists(lock), 1);
    unlink(lock);
    isr_out_unlock(NULL); /* a no-op */
    /* a folder that cannot hold a lock: no lock, no failure */
    char *missing = path_in("missing");
    held = (char *)1;
    cr_assert_eq(isr_out_lock(ctx, missing, &held), ISR_OK);
    cr_assert_null(held);
    free(missing);
    free(lock);
    isr_ctx_free(ctx);
}

Test(files, out_dir_creates_and_reports_the_top_folder)
{
    isr_ctx *ctx = isr_ctx_new();
    char *out = path_in("a/b/c"), *top = path_in("a"), *created = NULL;
    cr_assert_eq(isr_out_dir(ctx, out, &created), ISR_OK, "%s", isr_ctx_errmsg(ctx));
    cr_assert_str_eq(created, top);
    char *ls = listing(out);
    cr_assert_str_eq(ls, ""); /* the probe file is gone */
    free(ls);
    /* a failed run removes what it made, up to the top folder */
    isr_rmdirs_empty(out, created);
    cr_assert_eq(isr_file_exists(top), 0);
    free(created);
    /* existing folder: nothing created */
    cr_assert_eq(isr_out_dir(ctx, dir, &created), ISR_OK);
    cr_assert_null(created);
    /* --out is a file, or a file lies on its path */
    char *file = path_in("plain");
    touch(file);
    cr_assert_eq(isr_out_dir(ctx, file, &created), ISR_ERR_IO);
    char *want = isr_strdup_printf("output folder '%s' (--out) is a file, not a folder", file);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    isr_ctx_reset(ctx);
    char *under = path_in("plain/x");
    cr_assert_eq(isr_out_dir(ctx, under, &created), ISR_ERR_IO);
    want = isr_strdup_printf("output folder '%s' (--out): '%s' is a file, not a folder", under,
                             file);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    cr_assert_null(created);
    free(want);
    free(under);
    free(file);
    free(out);
    free(top);
    isr_ctx_free(ctx);
}

Test(files, rmdirs_empty_stops_at_a_non_empty_folder)
{
    isr_ctx *ctx = isr_ctx_new();
    char *deep = path_in("p/q/r"), *q = path_in("p/q"), *top = path_in("p");
    cr_assert_eq(isr_mkdirs(ctx, deep), ISR_OK);
    char *keep = path_in("p/keep.txt");
    touch(keep);
    isr_rmdirs_empty(deep, top);
    cr_assert_eq(isr_file_exists(q), 0); /* r and q were empty */
    cr_assert_eq(isr_file_exists(keep), 1);
    isr_rmdirs_empty(deep, NULL); /* NULL top: nothing */
    cr_assert_eq(isr_file_exists(top), 1);
    /* mkdirs on a path through a file */
    char *bad = path_in("p/keep.txt/x");
    cr_assert_eq(isr_mkdirs(ctx, bad), ISR_ERR_IO);
    char *want = isr_strdup_printf("cannot create folder '%s': Not a directory", bad);
    cr_assert_str_eq(isr_ctx_errmsg(ctx), want);
    free(want);
    free(bad);
    free(keep);
    free(deep);
    free(q);
    free(top);
    isr_ctx_free(ctx);
}

Test(files, csv_fields)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    isr_csv_field(f, "plain");
    fputc('|', f);
    isr_csv_field(f, "a,b");
    fputc('|', f);
    isr_csv_field(f, "say \"hi\"");
    fputc('|', f);
    isr_csv_field(f, "two\nlines");
    fputc('|', f);
    isr_csv_field(f, "");
    fclose(f);
    cr_assert_str_eq(buf, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|");
    free(buf);
}

/* A CSV text field that a spreadsheet would take for a formula is written after a ': a
 * county named =HYPERLINK("http://x","y") went into reach.csv as it was, and Excel ran it;
 * a negative number stays a number, a name with a hyphen inside stays as it is. */
Test(files, csv_text_that_looks_like_a_formula_stays_text)
{
    static const struct {
        const char *in, *out;
    } cases[] = {{"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
                 {"+1", "\"'+1\""},
                 {"@SUM(A1)", "\"'@SUM(A1)\""},
                 {"-1+1", "\"'-1+1\""},
                 {"\tx", "\"'\tx\""},
                 {"-3.5", "-3.5"},
                 {"-", "\"'-\""},
                 {"Saint-Denis", "Saint-Denis"},
                 {"a,b", "\"a,b\""},
                 {"昆山市", "昆山市"},
                 {"", ""}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        isr_csv_field(f, cases[i].in);
        fclose(f);
        cr_assert_str_eq(buf, cases[i].out, "'%s'", cases[i].in);
        free(buf);
    }
}
