/*
 * outpath.c — input paths as the output folder records them (issue 17): no path of the
 * machine in OUT's metadata. run.json, the shards' records and scenario records name a local
 * input relative to the output folder ("../shapefiles/yrd_counties.shp"), so OUT and its
 * inputs can be moved or shared together; readers resolve such a path against OUT
 * (options.c, isr_options_rebase_inputs). URLs, /vsi paths and values that are no file
 * ("none", a --road-classes list) are recorded as they are.
 *
 * Both folders are compared by their real paths (symbolic links resolved), the output
 * folder's nearest existing ancestor when it does not exist yet; nothing is created.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The real path of folder `dir`, which need not exist yet: its nearest existing ancestor's
 * real path and the rest as written (new string, or NULL). */
static char *real_dir(const char *dir)
{
    char *abs = dir[0] == '/' ? strdup(dir) : NULL;
    if (!abs) {
        char *cwd = getcwd(NULL, 0);
        abs = cwd ? isr_strdup_printf("%s/%s", cwd, dir) : NULL;
        free(cwd);
    }
    for (size_t n = abs ? strlen(abs) : 0; n > 0; n--) {
        if (abs[n] != '/' && abs[n] != '\0')
            continue;
        char c = abs[n];
        abs[n] = '\0';
        char *r = realpath(abs, NULL);
        abs[n] = c;
        if (r) {
            char *out = isr_strdup_printf("%s%s", strcmp(r, "/") == 0 ? "" : r, abs + n);
            free(r);
            free(abs);
            return out;
        }
    }
    free(abs);
    return NULL;
}

/* isr_path_rel_to_out; `any`: path need not exist (its nearest existing ancestor's real
 * path and the rest as written). */
static char *rel_to_out(const char *out, const char *path, int any)
{
    if (!path || isr_is_url(path) || strncmp(path, "/vsi", 4) == 0 || !out || !*out)
        return path ? strdup(path) : NULL;
    char *in = any ? real_dir(path) : realpath(path, NULL), *od = in ? real_dir(out) : NULL;
    if (!od) { /* not a file here ("none", a list of classes…): as given */
        free(in);
        return strdup(path);
    }
    /* drop "a/./b" and trailing slashes of OUT as written */
    size_t w = 0;
    for (size_t r = 0; od[r]; r++) {
        if (od[r] == '/' && (od[r + 1] == '/' || od[r + 1] == '\0'))
            continue;
        if (od[r] == '/' && od[r + 1] == '.' && (od[r + 2] == '/' || od[r + 2] == '\0')) {
            r++;
            continue;
        }
        od[w++] = od[r];
    }
    od[w] = '\0';
    /* the common leading folders, then one ".." per folder of OUT below them */
    size_t common = 0, lo = strlen(od);
    for (size_t i = 0; in[i] && in[i] == od[i]; i++)
        if (in[i] == '/')
            common = i;
    if (strncmp(in, od, lo) == 0 && in[lo] == '/') /* inside OUT */
        common = lo;
    isr_sb b = {0};
    for (const char *s = od + common; *s; s++)
        if (*s == '/')
            isr_sb_printf(&b, "../");
    isr_sb_printf(&b, "%s", in + common + 1);
    free(in);
    free(od);
    return isr_sb_take(&b);
}

char *isr_path_rel_to_out(const char *out, const char *path)
{
    return rel_to_out(out, path, 0);
}

char *isr_path_rel_to_out_any(const char *out, const char *path)
{
    return rel_to_out(out, path, 1);
}

int isr_path_within(const char *dir, const char *path)
{
    char *d = dir && *dir ? real_dir(dir) : NULL, *p = d && path && *path ? real_dir(path) : NULL;
    size_t n = d ? strlen(d) : 0;
    while (n > 1 && d[n - 1] == '/')
        n--;
    int in = p && strncmp(p, d, n) == 0 && (p[n] == '\0' || p[n] == '/');
    free(d);
    free(p);
    return in;
}

char *isr_path_in_out(const char *out, const char *path)
{
    if (!path || !out || path[0] == '/' || isr_is_url(path) || strncmp(path, "/vsi", 4) == 0)
        return path ? strdup(path) : NULL;
    return isr_strdup_printf("%s/%s", out, path);
}

char *isr_text_rel_to_out(const isr_options *o, const char *text)
{
    const char *names[32], *paths[32];
    int n = isr_options_inputs(o, names, paths, 32);
    char *t = text ? strdup(text) : NULL;
    for (int i = 0; t && i < n; i++) {
        if (!paths[i] || isr_is_url(paths[i]))
            continue;
        char *q = isr_strdup_printf("'%s'", paths[i]);
        char *rel = q && strstr(t, q) ? isr_path_rel_to_out(o->out, paths[i]) : NULL;
        char *qrel = rel ? isr_strdup_printf("'%s'", rel) : NULL;
        if (qrel) /* 'path' → 'rel', every time it is quoted */
            t = isr_replace_all(t, q, qrel);
        free(qrel);
        free(rel);
        free(q);
    }
    return t;
}
