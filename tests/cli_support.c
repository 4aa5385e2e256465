/* cli_support.c — see cli_support.h. */
#include "cli_support.h"

#include <criterion/criterion.h>
#include <gdal.h>
#include <ogr_api.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char cli_tmp[256];

void cli_tmp_make(const char *prefix)
{
    snprintf(cli_tmp, sizeof cli_tmp, "/tmp/%s-XXXXXX", prefix);
    cr_assert_not_null(mkdtemp(cli_tmp));
    GDALAllRegister();
}

void cli_tmp_remove(void)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd,
             "for m in '%s'/mnt*; do umount \"$m\" 2>/dev/null; done; rm -rf '%s'", cli_tmp,
             cli_tmp);
    cr_assert_eq(system(cmd), 0);
}

int cli_sh(const char *fmt, ...)
{
    char cmd[4096], full[4800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    /* a subshell, so that the command's own redirections stay its own */
    snprintf(full, sizeof full, "(%s) >'%s/stdout.txt' 2>'%s/stderr.txt'", cmd, cli_tmp, cli_tmp);
    int rc = system(full);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
}

char *cli_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

char *cli_output(void)
{
    char p[300];
    snprintf(p, sizeof p, "%s/stdout.txt", cli_tmp);
    char *out = cli_slurp(p);
    snprintf(p, sizeof p, "%s/stderr.txt", cli_tmp);
    char *err = cli_slurp(p);
    char *all = malloc(strlen(out) + strlen(err) + 1);
    strcpy(all, out);
    strcat(all, err);
    free(out);
    free(err);
    return all;
}

const char *cli_command(const char *def)
{
    const char *p = getenv("ISR_CLI_PATH");
    return p && *p ? p : def;
}

void cli_ogr(const char *fmt, ...)
{
    char args[3000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    cr_assert_eq(cli_sh("cd '%s' && ogr2ogr %s", cli_tmp, args), 0, "fixture: ogr2ogr %s", args);
}

char *cli_stderr(void)
{
    char p[300];
    snprintf(p, sizeof p, "%s/stderr.txt", cli_tmp);
    return cli_slurp(p);
}

void cli_put(const char *name, const char *fmt, ...)
{
    char p[400];
    snprintf(p, sizeof p, "%s/%s", cli_tmp, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "cannot write %s", p);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    cr_assert_eq(fclose(f), 0);
}

void cli_sh_ok(const char *cmd)
{
    cr_assert_eq(cli_sh("cd '%s' && %s", cli_tmp, cmd), 0, "fixture: %s", cmd);
}

int cli_each_feature(const char *path, void (*fn)(void *feature, void *user), void *user)
{
    GDALAllRegister();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    cr_assert_not_null(ds, "cannot open %s", path);
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRFeatureH f;
    int n = 0;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        fn(f, user);
        OGR_F_Destroy(f);
        n++;
    }
    GDALClose(ds);
    return n;
}

int cli_dead_pid(void)
{
    pid_t p = fork();
    cr_assert_neq(p, -1);
    if (p == 0)
        _exit(0);
    cr_assert_eq(waitpid(p, NULL, 0), p);
    return (int)p;
}
