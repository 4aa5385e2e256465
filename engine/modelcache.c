/*
 * modelcache.c — the model's rasters kept on disk between runs (--model-cache DIR): the
 * zone, people, water, friction and clearance rasters and the zones' tables of one set of
 * inputs and settings, written once after they were built and memory-mapped by later runs,
 * which then skip rasterizing the boundaries and the water, spreading the people, warping a
 * friction raster, burning the roads and building the clearance map (a planning office
 * reruns one region all day; a worker of a scale-out run maps the file its peers share).
 *
 * With them goes provinces.geojson, the dissolve of the units by province (products.c).
 *
 * The file's name is its key: the model fingerprint (files.c: every flag that shapes the
 * rasters, the content of every input, the version) and the cells of the stations (always
 * passable, so part of the friction). The file repeats the key and the grid's shape; a file
 * that does not match, or is cut short, is built again, with a warning. The warnings the
 * building logged (a raster that does not cover the region, a unit wholly on water…) are kept
 * in the file and said again on every run that maps it: a cached run says what a fresh run
 * says.
 *
 * Layout: a header, then each section at a multiple of 4096 bytes. A file is written under a
 * temporary name and renamed, so no reader sees half a file, and a mapping stays valid when
 * another run replaces the file. Arrays are mapped private and writable: the engine does not
 * write them after loading, and if it did only its own copy of those pages would change.
 *
 * Integrity: the header holds a checksum of each section (XXH3, 64 bits: xxHash reads at
 * memory speed, where zlib's CRC-32 took a quarter of a second over the sample's 534 MB, as
 * the file was before its friction took a byte a cell; 281 MB now). A
 * file whose bytes were changed after it was written (a disk, a copy cut short and padded, a
 * hand edit) would otherwise be mapped as it is: zone numbers beyond the units crash the run,
 * other friction gives other times without a word. Checking every run would read the whole
 * file, undoing the point of mapping it, so a check is recorded beside it: FILE.checked holds
 * the device, inode, size and change time (ctime, which no one can set back) of the file as
 * it was written or last checked whole. A run that finds them the same maps the file at once;
 * any other reads it whole once, compares every section's checksum, and records the check; a
 * section that differs is named in a warning and the model is built again, replacing it.
 * Cost: one pass writing the arrays (about 4 bytes a cell) after a build, one hashing them;
 * a read maps the file, so only the pages a run touches are read.
 */
#include "internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

/* 4: prov_en; 5: units' geometry text; 6: people by rule; 7: overlaps; 8: 16-bit zones;
 * 9: the sections' checksums; A: the friction coded (a byte a cell and its table), the water
 * mask in bits; B: the clearance map in runs of half-bytes (costdist.h); C: the units' and
 * provinces' geometry text valid as written (geojson_text.c), the first[] tables zeroed;
 * D: the warnings' input paths kept as the inputs' keys (warn_paths) */
#define MC_MAGIC "ISRMODLE"
#define MC_ALIGN 4096u
#define MC_TABLES 6 /* per level: group, first, cells, gpop, gunknown, area */

enum { S_ZONE, S_POP, S_WATER, S_FRIC, S_CLEAR, S_TABLES, S_PROV = S_TABLES + MC_TABLES * ISR_NLEVELS,
       S_UNITS, S_UDENS, S_WDENS, S_UHOST, S_HCELL, S_HVAL, S_WARN, S_N };

typedef struct mc_header {
    char magic[8];
    uint64_t key;
    char version[32];
    int32_t nx, ny, nunits, ngroups[ISR_NLEVELS];
    int32_t has_clear, from_raster, hosted, nwarn;
    uint64_t nhost;
    int32_t noverlaps, zone_bytes; /* zone_bytes: 2 (zone16) or 4 (zone32) */
    uint64_t water_cells, fric_uncovered, road_cells, pop_uncovered;
    float fric_min;
    uint64_t off[S_N], len[S_N];
    uint64_t sum[S_N]; /* XXH3_64bits of each section's len bytes */
    int32_t fric_bytes;  /* 1: the friction coded (fric_lut its values), 4: floats */
    float fric_lut[256];
    uint64_t hsum;     /* XXH3_64bits of this header with hsum 0 (header_sum) */
} mc_header;

/* The checksum of a header: its bytes with hsum 0. */
static uint64_t header_sum(const mc_header *h)
{
    mc_header c;
    memcpy(&c, h, sizeof c); /* padding included: as written (zero) */
    c.hsum = 0;
    return XXH3_64bits(&c, sizeof c);
}

/* A section's name in a message. */
static const char *section_name(int s)
{
    static const char *const names[] = {"zone raster", "people raster", "water mask",
                                        "friction raster", "clearance map"};
    if (s == S_N)
        return "header (its counts, the friction's table and the warnings' number)";
    if (s < S_TABLES)
        return names[s];
    if (s < S_PROV)
        return "zone tables";
    switch (s) {
    case S_PROV: return "provinces";
    case S_UNITS: return "units' geometry";
    case S_WARN: return "warnings";
    default: return "people rule tables";
    }
}

/* The sections of a model: where each array is and how long, for writing and checking. */
static void sections(const isr_model *m, const void *ptr[S_N], uint64_t len[S_N])
{
    const isr_zones *z = &m->zones;
    size_t cells = (size_t)m->grid.nx * (size_t)m->grid.ny, pcells = isr_grid_pcells(&m->grid);
    size_t nu = (size_t)(z->nunits > 0 ? z->nunits : 1);
    ptr[S_ZONE] = z->zone16 ? (const void *)z->zone16 : (const void *)z->zone32;
    len[S_ZONE] = cells * (z->zone16 ? sizeof *z->zone16 : sizeof *z->zone32);
    /* people: an array with a --population raster, else the rule's per-unit tables */
    ptr[S_POP] = z->pop, len[S_POP] = z->pop ? cells * sizeof(double) : 0;
    ptr[S_UDENS] = z->udens, len[S_UDENS] = z->pop ? 0 : nu * sizeof(double);
    ptr[S_WDENS] = z->wdens, len[S_WDENS] = z->pop ? 0 : nu * sizeof(double);
    ptr[S_UHOST] = z->uhost, len[S_UHOST] = z->pop ? 0 : nu;
    ptr[S_HCELL] = z->hcell, len[S_HCELL] = z->nhost * sizeof(uint64_t);
    ptr[S_HVAL] = z->hval, len[S_HVAL] = z->nhost * sizeof(double);
    ptr[S_WATER] = z->wbits, len[S_WATER] = z->wbits ? (cells + 7) / 8 : 0;
    ptr[S_FRIC] = m->fric_code ? (const void *)m->fric_code : (const void *)m->fric;
    len[S_FRIC] = pcells * (m->fric_code ? 1 : sizeof(float));
    ptr[S_CLEAR] = m->clear, len[S_CLEAR] = m->clear ? ISR_CLEAR_BYTES(pcells) : 0;
    for (int k = 0; k < ISR_NLEVELS; k++) {
        size_t ng = (size_t)(z->ngroups[k] > 0 ? z->ngroups[k] : 1);
        int s = S_TABLES + MC_TABLES * k;
        ptr[s] = z->group[k], len[s] = nu * sizeof(int);
        ptr[s + 1] = z->first[k], len[s + 1] = nu * sizeof(int);
        ptr[s + 2] = z->cells[k], len[s + 2] = ng * sizeof(size_t);
        ptr[s + 3] = z->gpop[k], len[s + 3] = ng * sizeof(double);
        ptr[s + 4] = z->gunknown[k], len[s + 4] = ng * sizeof(int);
        ptr[s + 5] = z->area[k], len[s + 5] = ng * sizeof(size_t);
    }
    ptr[S_PROV] = m->prov_json, len[S_PROV] = m->prov_len;
    ptr[S_UNITS] = m->units_geom, len[S_UNITS] = m->units_geom ? m->units_geom_len : 0;
    ptr[S_WARN] = NULL, len[S_WARN] = 0;
}

uint64_t isr_model_cache_key(isr_ctx *ctx, const isr_options *opt, const isr_model *m)
{
    uint64_t h = isr_model_fingerprint(ctx, opt, m->wkt);
    double g[3] = {m->grid.x0, m->grid.y0, m->grid.cell_m};
    int dims[2] = {m->grid.nx, m->grid.ny};
    h = isr_fnv1a(h, g, sizeof g);
    h = isr_fnv1a(h, dims, sizeof dims);
    h = isr_fnv1a(h, MC_MAGIC, 8); /* a file of another format has another name */
    for (int s = 0; s < isr_rail_net_nstations(m->net); s++) {
        double x, y;
        int c, r;
        isr_rail_station_xy(m->net, s, &x, &y);
        if (isr_grid_cell_of(&m->grid, x, y, &c, &r)) {
            size_t i = isr_grid_pidx(&m->grid, c, r);
            h = isr_fnv1a(h, &i, sizeof i);
        }
    }
    return h;
}

char *isr_model_cache_path(const char *dir, uint64_t key)
{
    return isr_strdup_printf("%s/model-%016llx.isrmodel", dir, (unsigned long long)key);
}

/* FILE.checked: the record of FILE's last whole check (see Integrity above). */
static char *stamp_path(const char *path)
{
    return isr_strdup_printf("%s.checked", path);
}

/* ---- the folder kept under --model-cache-max ------------------------------------------------ */

typedef struct mc_file {
    char *path;
    uint64_t size;
    struct timespec used; /* mtime: when it was written, or last mapped (isr_model_cache_touch) */
} mc_file;

/* model-<16 hex digits>.isrmodel, as isr_model_cache_path names them: no other file of the
 * folder is the cache's to remove. */
static int is_model_name(const char *name)
{
    if (strlen(name) != 31 || strncmp(name, "model-", 6) != 0 || strcmp(name + 22, ".isrmodel") != 0)
        return 0;
    for (int i = 6; i < 22; i++)
        if (!isxdigit((unsigned char)name[i]))
            return 0;
    return 1;
}

static int used_earlier(const void *pa, const void *pb)
{
    const mc_file *a = pa, *b = pb;
    if (a->used.tv_sec != b->used.tv_sec)
        return a->used.tv_sec < b->used.tv_sec ? -1 : 1;
    if (a->used.tv_nsec != b->used.tv_nsec)
        return a->used.tv_nsec < b->used.tv_nsec ? -1 : 1;
    return strcmp(a->path, b->path);
}

static void stamp_write(const char *path, const struct stat *sb, uint64_t key);

void isr_model_cache_touch(const char *path, uint64_t key)
{
    /* a folder shared read-only (a scale-out's workers) keeps its times: nothing to say. The
     * new time changes the file's ctime too: the record of its check follows, as the file
     * was checked (its record matched, or it was read whole) before it was mapped */
    struct stat sb;
    if (utimensat(AT_FDCWD, path, NULL, 0) == 0 && stat(path, &sb) == 0)
        stamp_write(path, &sb, key);
}

/* The model files of `dir` other than `keep`, with their sizes; *total counts `keep`'s too. */
static mc_file *list_models(const char *dir, const char *keep, size_t *n, uint64_t *total)
{
    *n = 0;
    *total = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    mc_file *f = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat sb;
        char *p = is_model_name(e->d_name) ? isr_strdup_printf("%s/%s", dir, e->d_name) : NULL;
        if (!p || stat(p, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(p);
            continue;
        }
        *total += (uint64_t)sb.st_size;
        if (strcmp(p, keep) == 0) {
            free(p);
            continue;
        }
        if (*n == cap) {
            mc_file *g = realloc(f, (cap = cap ? 2 * cap : 16) * sizeof *f);
            if (!g) {
                free(p);
                break; /* out of memory: the files listed so far are the candidates */
            }
            f = g;
        }
        f[(*n)++] = (mc_file){p, (uint64_t)sb.st_size, sb.st_mtim};
    }
    closedir(d);
    return f;
}

/* A model file half written by a run that was killed is left under its temporary name,
 * which the size limit does not see: removed once its process is gone and it has not been
 * written for ten minutes (a writer on another host of a shared folder writes on). */
#define MC_PART_IDLE_S 600

void isr_model_cache_prune(isr_ctx *ctx, const char *dir, uint64_t keep, double max_mb)
{
    int swept = isr_tmp_sweep_idle(dir, MC_PART_IDLE_S, ".model-"); /* its own names only */
    if (swept)
        isr_log(ctx, ISR_LOG_INFO,
                "model cache: removed %d file(s) half written by runs that stopped in '%s'",
                swept, dir);
    char *keep_path = isr_model_cache_path(dir, keep);
    if (!(max_mb > 0) || !keep_path) {
        free(keep_path);
        return;
    }
    size_t n, removed = 0;
    uint64_t total, freed = 0, max = (uint64_t)(max_mb * 1048576.0);
    mc_file *f = list_models(dir, keep_path, &n, &total);
    if (total > max && n)
        qsort(f, n, sizeof *f, used_earlier);
    int err = 0;
    for (size_t i = 0; i < n && total > max; i++) {
        if (unlink(f[i].path) == 0) {
            char *sp = stamp_path(f[i].path);
            if (sp)
                unlink(sp); /* its record of a check, if any */
            free(sp);
            total -= f[i].size;
            freed += f[i].size;
            removed++;
        } else if (errno == ENOENT) { /* another run removed it first: gone all the same */
            total -= f[i].size;
        } else if (!err) {
            err = errno;
            isr_log(ctx, ISR_LOG_WARN, "model cache: cannot remove '%s' (%s)", f[i].path,
                    strerror(err));
        }
    }
    if (removed)
        isr_log(ctx, ISR_LOG_INFO,
                "model cache: removed %zu file(s) used least recently (%.0f MB) to keep '%s' "
                "under --model-cache-max %g MB",
                removed, (double)freed / 1048576.0, dir, max_mb);
    if (total > max)
        isr_log(ctx, ISR_LOG_WARN,
                "model cache: '%s' holds %.0f MB, more than --model-cache-max %g MB%s; raise "
                "--model-cache-max or free the folder",
                dir, (double)total / 1048576.0, max_mb,
                err ? " (a file could not be removed)" : " with this run's model alone");
    for (size_t i = 0; i < n; i++)
        free(f[i].path);
    free(f);
    free(keep_path);
}

/* ---- writing ---------------------------------------------------------------------------- */

static int put(FILE *f, const void *p, uint64_t len, uint64_t *at)
{
    static const char zero[MC_ALIGN];
    if (len && fwrite(p, 1, (size_t)len, f) != len)
        return -1;
    *at += len;
    uint64_t pad = (MC_ALIGN - *at % MC_ALIGN) % MC_ALIGN;
    if (pad && fwrite(zero, 1, (size_t)pad, f) != pad)
        return -1;
    *at += pad;
    return 0;
}

/* A warning's inputs, as it quotes them ('PATH', as isr_text_rel_to_out finds them), and
 * the input of opt of key K (isr_input_key: "--population", "--gtfs 2"): 'PATH' ↔
 * '\001K\002' (tokens), so that a run mapping the file names its
 * own paths (an identical input elsewhere maps the same model) and run.json records them
 * relative to its output folder. New string, or NULL when out of memory. */
static char *warn_paths(const isr_options *opt, const char *text, int to_tokens)
{
    const char *names[32], *paths[32];
    int n = isr_options_inputs(opt, names, paths, 32);
    char *t = strdup(text);
    for (int i = 0; t && i < n; i++) {
        if (!paths[i])
            continue;
        char key[64], tok[80];
        isr_input_key(names, i, key, sizeof key);
        snprintf(tok, sizeof tok, "'\001%s\002'", key);
        char *path = isr_strdup_printf("'%s'", paths[i]);
        if (path)
            t = isr_replace_all(t, to_tokens ? path : tok, to_tokens ? tok : path);
        free(path);
    }
    return t;
}

/* The warnings [w0, w1) of the context as one block of NUL-terminated strings (warn_paths). */
static char *warn_block(isr_ctx *ctx, const isr_options *opt, int w0, int w1, uint64_t *len)
{
    isr_sb b = {0};
    for (int i = w0; i < w1; i++) {
        char *w = warn_paths(opt, isr_ctx_warning(ctx, i), 1);
        if (!w) {
            free(isr_sb_take(&b));
            return NULL;
        }
        isr_sb_add(&b, w, strlen(w) + 1); /* with its NUL */
        free(w);
    }
    *len = b.len;
    return isr_sb_take(&b); /* NULL when memory ran out */
}

/* mkdir -p, quietly: 0 or an errno. */
static int make_dirs(const char *dir)
{
    char *p = strdup(dir);
    int err = p ? 0 : ENOMEM;
    for (char *s = p ? p + 1 : NULL; s && !err; s++) {
        char c = *s;
        if (c == '/' || c == '\0') {
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                err = errno;
            *s = c;
        }
        if (c == '\0')
            break;
    }
    free(p);
    return err;
}

/* ---- the record of a whole check (FILE.checked) -------------------------------------------- */

static void stamp_text(const struct stat *sb, uint64_t key, char *buf, size_t n)
{
    snprintf(buf, n, "%llu %llu %lld %lld %ld %016llx\n", (unsigned long long)sb->st_dev,
             (unsigned long long)sb->st_ino, (long long)sb->st_size,
             (long long)sb->st_ctim.tv_sec, (long)sb->st_ctim.tv_nsec, (unsigned long long)key);
}

/* Records that the file of `sb` was checked whole (written whole, or hashed): quietly, as a
 * folder shared read-only only means the next run checks again. */
static void stamp_write(const char *path, const struct stat *sb, uint64_t key)
{
    char text[160], *sp = stamp_path(path), *tmp = sp ? isr_tmp_name(sp) : NULL;
    FILE *f = tmp ? fopen(tmp, "w") : NULL;
    stamp_text(sb, key, text, sizeof text);
    int ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (f && (!ok || rename(tmp, sp) != 0))
        unlink(tmp);
    free(tmp);
    free(sp);
}

/* Whether FILE.checked records the file of `sb` as it is now. */
static int stamp_matches(const char *path, const struct stat *sb, uint64_t key)
{
    char want[160], got[160] = "", *sp = stamp_path(path);
    FILE *f = sp ? fopen(sp, "r") : NULL;
    if (f && !fgets(got, sizeof got, f))
        got[0] = '\0';
    if (f)
        fclose(f);
    free(sp);
    stamp_text(sb, key, want, sizeof want);
    return strcmp(want, got) == 0;
}

/* The first section of the mapped file whose bytes do not give its checksum (S_N: the
 * header's own fields), or -1. */
static int section_damaged(const char *base, const mc_header *h)
{
    if (header_sum(h) != h->hsum)
        return S_N;
    for (int s = 0; s < S_N; s++)
        if (XXH3_64bits(base + h->off[s], (size_t)h->len[s]) != h->sum[s])
            return s;
    return -1;
}

int isr_model_cache_write(isr_ctx *ctx, const isr_options *opt, const isr_model *m,
                           const char *dir, uint64_t key, int w0, int w1)
{
    const void *ptr[S_N];
    mc_header h;
    memset(&h, 0, sizeof h);
    sections(m, ptr, h.len);
    char *warn = warn_block(ctx, opt, w0, w1, &h.len[S_WARN]);
    ptr[S_WARN] = warn;
    memcpy(h.magic, MC_MAGIC, 8);
    h.key = key;
    isr_snprintf(h.version, sizeof h.version, "%s", ISR_VERSION);
    h.nx = m->grid.nx, h.ny = m->grid.ny, h.nunits = m->zones.nunits;
    for (int k = 0; k < ISR_NLEVELS; k++)
        h.ngroups[k] = m->zones.ngroups[k];
    h.has_clear = m->clear != NULL, h.from_raster = m->zones.from_raster;
    h.hosted = m->zones.hosted, h.nwarn = w1 - w0;
    h.nhost = m->zones.nhost;
    h.noverlaps = m->units.noverlaps;
    h.zone_bytes = m->zones.zone16 ? 2 : 4;
    h.water_cells = m->water_cells, h.fric_uncovered = m->fric_uncovered;
    h.road_cells = m->road_cells, h.pop_uncovered = m->zones.pop_uncovered;
    h.fric_min = m->fric_min;
    h.fric_bytes = m->fric_code ? 1 : 4;
    if (m->fric_code)
        memcpy(h.fric_lut, m->fric_lut, sizeof h.fric_lut);
    uint64_t at = MC_ALIGN;
    for (int s = 0; s < S_N; s++) {
        h.off[s] = at;
        at += (h.len[s] + MC_ALIGN - 1) / MC_ALIGN * MC_ALIGN;
        h.sum[s] = XXH3_64bits(ptr[s], (size_t)h.len[s]);
    }
    h.hsum = header_sum(&h);
    char *path = isr_model_cache_path(dir, key), *tmp = path ? isr_tmp_name(path) : NULL;
    int err = 0;
    FILE *f = NULL;
    if (!path || !tmp || !warn)
        err = ENOMEM;
    else if ((err = make_dirs(dir)) == 0 && !(f = fopen(tmp, "wb")))
        err = errno ? errno : EIO;
    at = 0;
    for (int s = -1; f && !err && s < S_N; s++)
        if (s < 0 ? put(f, &h, sizeof h, &at) : put(f, ptr[s], h.len[s], &at))
            err = errno ? errno : EIO;
    if (f && (fclose(f) != 0 && !err))
        err = errno ? errno : EIO;
    struct stat written, now;
    if (!err && stat(tmp, &written) != 0)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    /* written whole by this run: checked, unless another run's file took the name since */
    if (!err && stat(path, &now) == 0 && now.st_ino == written.st_ino &&
        now.st_dev == written.st_dev)
        stamp_write(path, &now, key);
    if (err) {
        if (tmp)
            unlink(tmp);
        isr_log(ctx, ISR_LOG_WARN,
                "model cache: cannot write '%s' (%s); the run goes on, and the next one builds "
                "the model again",
                path ? path : dir, path ? isr_write_reason(path, err) : strerror(err));
    } else {
        isr_log(ctx, ISR_LOG_INFO, "model cache: wrote '%s' (%.0f MB)", path,
                (double)at / 1048576.0);
    }
    free(warn);
    free(path);
    free(tmp);
    return !err;
}

/* ---- reading ---------------------------------------------------------------------------- */

/* Whether the header fits the model being loaded and every section lies in the file with
 * the length the grid and the units give it. */
static int header_fits(const mc_header *h, const isr_model *m, uint64_t key, uint64_t size,
                       int want_clear)
{
    if (memcmp(h->magic, MC_MAGIC, 8) != 0 || h->key != key ||
        strncmp(h->version, ISR_VERSION, sizeof h->version) != 0 || h->nx != m->grid.nx ||
        h->ny != m->grid.ny || h->nunits != m->units.n || h->has_clear != want_clear ||
        h->zone_bytes != isr_zones_cell_bytes(h->nunits) ||
        (h->fric_bytes != 1 && h->fric_bytes != 4) ||
        h->nwarn < 0 || h->nhost > (uint64_t)(h->nunits > 0 ? h->nunits : 1))
        return 0;
    for (int k = 0; k < ISR_NLEVELS; k++)
        if (h->ngroups[k] < 0 || h->ngroups[k] > h->nunits)
            return 0;
    isr_model shape; /* the lengths the sections must have */
    memset(&shape, 0, sizeof shape);
    shape.grid = m->grid;
    shape.zones.nunits = h->nunits;
    double one = 0; /* a non-NULL pop: the shape of the array's section */
    shape.zones.pop = h->from_raster ? &one : NULL;
    uint16_t one16 = 0; /* likewise the zone raster's width */
    shape.zones.zone16 = h->zone_bytes == 2 ? &one16 : NULL;
    shape.zones.nhost = (size_t)h->nhost;
    uint8_t one8 = 0; /* and the friction's */
    shape.fric_code = h->fric_bytes == 1 ? &one8 : NULL;
    for (int k = 0; k < ISR_NLEVELS; k++)
        shape.zones.ngroups[k] = h->ngroups[k];
    const void *ptr[S_N];
    uint64_t len[S_N];
    sections(&shape, ptr, len);
    uint64_t cells = (uint64_t)m->grid.nx * (uint64_t)m->grid.ny;
    len[S_CLEAR] = want_clear ? ISR_CLEAR_BYTES(isr_grid_pcells(&m->grid)) : 0;
    for (int s = 0; s < S_N; s++) {
        int fits = s == S_WARN || s == S_PROV || s == S_UNITS ? 1
                   : s == S_WATER ? h->len[s] == 0 || h->len[s] == (cells + 7) / 8
                                  : h->len[s] == len[s];
        if (!fits || h->off[s] % MC_ALIGN || h->off[s] > size || h->len[s] > size - h->off[s])
            return 0;
    }
    return 1;
}

/* A copy of a mapped table into new memory (so that isr_zones_clear frees it as usual). */
static void *copy_out(const char *base, const mc_header *h, int s)
{
    void *p = malloc(h->len[s] ? (size_t)h->len[s] : 1);
    if (p && h->len[s])
        memcpy(p, base + h->off[s], (size_t)h->len[s]);
    return p;
}

/* Points the model at the mapped arrays and copies its tables; replays the warnings. */
static isr_status adopt(isr_ctx *ctx, const isr_options *opt, isr_model *m, char *base,
                        const mc_header *h)
{
    isr_zones *z = &m->zones;
    if (h->zone_bytes == 2)
        z->zone16 = (uint16_t *)(void *)(base + h->off[S_ZONE]);
    else
        z->zone32 = (int32_t *)(void *)(base + h->off[S_ZONE]);
    z->pop = h->from_raster ? (double *)(void *)(base + h->off[S_POP]) : NULL;
    z->wbits = h->len[S_WATER] ? (uint8_t *)(base + h->off[S_WATER]) : NULL;
    if (h->fric_bytes == 1) {
        m->fric_code = (uint8_t *)(base + h->off[S_FRIC]);
        memcpy(m->fric_lut, h->fric_lut, sizeof m->fric_lut);
    } else {
        m->fric = (float *)(void *)(base + h->off[S_FRIC]);
    }
    m->clear = h->len[S_CLEAR] ? (uint8_t *)(base + h->off[S_CLEAR]) : NULL;
    z->nunits = h->nunits;
    for (int k = 0; k < ISR_NLEVELS; k++) {
        int s = S_TABLES + MC_TABLES * k;
        z->ngroups[k] = h->ngroups[k];
        if (!(z->group[k] = copy_out(base, h, s)) || !(z->first[k] = copy_out(base, h, s + 1)) ||
            !(z->cells[k] = copy_out(base, h, s + 2)) ||
            !(z->gpop[k] = copy_out(base, h, s + 3)) ||
            !(z->gunknown[k] = copy_out(base, h, s + 4)) ||
            !(z->area[k] = copy_out(base, h, s + 5)))
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    z->nhost = (size_t)h->nhost;
    m->units.noverlaps = h->noverlaps; /* its warning is replayed with the others */
    if (!h->from_raster &&
        (!(z->udens = copy_out(base, h, S_UDENS)) || !(z->wdens = copy_out(base, h, S_WDENS)) ||
         !(z->uhost = copy_out(base, h, S_UHOST)) || !(z->hcell = copy_out(base, h, S_HCELL)) ||
         !(z->hval = copy_out(base, h, S_HVAL))))
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (!(m->prov_json = copy_out(base, h, S_PROV)))
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    m->prov_len = (size_t)h->len[S_PROV];
    if (h->len[S_UNITS] && !(m->units_geom = copy_out(base, h, S_UNITS)))
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    m->units_geom_len = (size_t)h->len[S_UNITS];
    z->hosted = h->hosted, z->from_raster = h->from_raster;
    z->pop_uncovered = (size_t)h->pop_uncovered;
    m->water_cells = (size_t)h->water_cells, m->fric_uncovered = (size_t)h->fric_uncovered;
    m->road_cells = (size_t)h->road_cells, m->fric_min = h->fric_min;
    const char *w = base + h->off[S_WARN], *end = w + h->len[S_WARN];
    for (int i = 0; i < h->nwarn && w < end; i++) {
        const char *nul = memchr(w, 0, (size_t)(end - w));
        if (!nul)
            break;
        char *own = warn_paths(opt, w, 0); /* this run's paths for the inputs it names */
        isr_log(ctx, ISR_LOG_WARN, "%s", own ? own : w);
        free(own);
        w = nul + 1;
    }
    return ISR_OK;
}

isr_status isr_model_cache_read(isr_ctx *ctx, const isr_options *opt, isr_model *m,
                                const char *dir, uint64_t key, int want_clear, int *hit)
{
    *hit = 0;
    char *path = isr_model_cache_path(dir, key);
    if (!path)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    mc_header h;
    void *map = MAP_FAILED;
    if (fd < 0) {
        if (errno != ENOENT)
            isr_log(ctx, ISR_LOG_WARN, "model cache: cannot read '%s' (%s); building the model",
                    path, strerror(errno));
        free(path);
        return ISR_OK;
    }
    int ok = fstat(fd, &sb) == 0 && sb.st_size >= (off_t)sizeof h &&
             pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h &&
             header_fits(&h, m, key, (uint64_t)sb.st_size, want_clear);
    if (ok)
        map = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    isr_status st = ISR_OK;
    int bad = -1; /* a section whose checksum differs */
    if (ok && map != MAP_FAILED && !stamp_matches(path, &sb, key)) {
        if ((bad = section_damaged(map, &h)) >= 0) {
            munmap(map, (size_t)sb.st_size);
            map = MAP_FAILED;
        } else {
            stamp_write(path, &sb, key);
            isr_log(ctx, ISR_LOG_INFO, "model cache: checked '%s' whole (%.0f MB): it is as "
                    "it was written", path, (double)sb.st_size / 1048576.0);
        }
    }
    if (bad >= 0) {
        isr_log(ctx, ISR_LOG_WARN,
                "model cache: '%s' is damaged (its %s does not match the checksum it was "
                "written with: changed on disk since); building the model again and replacing "
                "it",
                path, section_name(bad));
    } else if (!ok || map == MAP_FAILED) {
        isr_log(ctx, ISR_LOG_WARN,
                "model cache: '%s' is damaged or was cut short (%s); building the model again "
                "and replacing it",
                path, ok ? strerror(errno) : "its header does not match its size or this run");
    } else {
        m->cache_map = map;
        m->cache_len = (size_t)sb.st_size;
        st = adopt(ctx, opt, m, map, &h);
        *hit = st == ISR_OK;
        isr_log(ctx, ISR_LOG_INFO, "model cache: mapped '%s'", path);
    }
    free(path);
    return st;
}

void isr_model_cache_release(isr_model *m)
{
    if (!m->cache_map)
        return;
    m->zones.zone16 = NULL; /* in the mapping: not for free() */
    m->zones.zone32 = NULL;
    m->zones.pop = NULL;
    m->zones.wbits = NULL;
    m->fric = NULL;
    m->fric_code = NULL;
    m->clear = NULL;
    munmap(m->cache_map, m->cache_len);
    m->cache_map = NULL;
    m->cache_len = 0;
}
