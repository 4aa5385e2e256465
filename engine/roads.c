/*
 * roads.c — roads and crossings burned into the friction surface (--roads).
 *
 * A road is a line with a speed: its own (--road-speed-field, km/h) or its class's
 * (--road-class-field looked up in --road-classes, "k=v,…" or a CSV file of class,speed_kmh
 * rows). Its cells get friction = min(current, 3.6 / speed) s/m: no detour factor, since
 * the line is the route. The minimum makes a road faster than the base speed where it runs
 * and passable where it crosses a barrier (+inf: water, a friction raster's nodata, the sea
 * outside the boundaries), which is what a bridge or a tunnel is. Lines are rasterized by
 * GDAL with ALL_TOUCHED, so a diagonal road is a chain of 8-neighbours the kernels can follow;
 * where roads overlap the fastest wins (burned last). The --access preset caps the speed
 * (walk, bike) and leaves out the classes its mode may not use (motorways for walk, bike).
 * Order in model.c: base friction, then water (+inf), then roads (min), so a bridge
 * survives the water under it. Padding cells stay barriers.
 * Refused: no speed field, speeds that are not in (0, 200] km/h (the features are listed),
 * geometries that are not lines. Classes missing from the table are warned about (listed)
 * and their roads take the base speed. Cost: one read of the layer, one rasterization of
 * the grid (a byte a cell, the speed's number, with at most 255 speeds, else 4; pages only
 * for the rows the roads span; freed before returning) and one pass over it.
 */
#include "internal.h"

#include <cpl_string.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ROAD_MAX_KMH 200.0 /* faster is a unit mistake (m/s, mph ×10…), not a road */

/* The class → km/h table of --road-classes. */
typedef struct road_classes {
    char **name;
    double *kmh;
    int n;
} road_classes;

static void classes_free(road_classes *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->name[i]);
    free(t->name);
    free(t->kmh);
    memset(t, 0, sizeof *t);
}

static char *trimmed(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t' || *s == '"')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
                   s[len - 1] == '"'))
        len--;
    char *c = malloc(len + 1);
    if (c) {
        memcpy(c, s, len);
        c[len] = '\0';
    }
    return c;
}

/* The entry of class `name` (in any letter case, as the classes walking leaves out), or -1. */
static int class_index(const road_classes *t, const char *name)
{
    for (int i = 0; i < t->n; i++)
        if (strcasecmp(t->name[i], name) == 0)
            return i;
    return -1;
}

/* One "class<sep>kmh" entry of `where` (the list, or a CSV line); a header line (the first
 * of a file, its speed not a number) is skipped with *header set. */
static isr_status class_add(isr_ctx *ctx, road_classes *t, const char *e, size_t len, char sep,
                            const char *where, int may_be_header)
{
    const char *s = memchr(e, sep, len);
    if (!s)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "--road-classes %s: '%.*s' is not CLASS%cKMH", where, (int)len, e, sep);
    char *name = trimmed(e, (size_t)(s - e)), *num = trimmed(s + 1, len - (size_t)(s - e) - 1);
    double **kmh = &t->kmh;
    char ***names = &t->name;
    isr_status st = ISR_OK;
    char *end = NULL;
    double v = num ? isr_strtod(num, &end) : NAN;
    if (!name || !num || !(*kmh = realloc(*kmh, (size_t)(t->n + 1) * sizeof **kmh)) ||
        !(*names = realloc(*names, (size_t)(t->n + 1) * sizeof **names)))
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    else if ((end == num || *end) && may_be_header)
        st = ISR_OK; /* a header: class,speed_kmh */
    else if (sep == ',' && memchr(num, ',', strlen(num)))
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "--road-classes %s: more than two columns ('%s'); the file holds "
                      "class,speed_kmh rows",
                      where, num);
    else if (end == num || *end || !(v > 0 && v <= ROAD_MAX_KMH))
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "--road-classes %s: class '%s' has speed '%s'; a speed is km/h, more "
                      "than 0 and at most %g",
                      where, name, num, ROAD_MAX_KMH);
    else if (class_index(t, name) >= 0) /* which one would win is no one's guess to make */
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "--road-classes %s: class '%s' is given twice; give each class once",
                      where, name);
    else {
        t->name[t->n] = name;
        t->kmh[t->n++] = v;
        name = NULL;
    }
    free(name);
    free(num);
    return st;
}

/* --road-classes: a CSV file when it names one, else "k=v,k=v". */
static isr_status classes_parse(isr_ctx *ctx, const char *spec, road_classes *t)
{
    isr_status st = ISR_OK; /* a FIFO or device refused: it would block or never end */
    FILE *f = strchr(spec, '=') ? NULL : isr_source_fopen(ctx, "--road-classes", spec, &st);
    if (st != ISR_OK)
        return st;
    if (!f && !strchr(spec, '='))
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "--road-classes '%s' is neither a readable CSV file of class,speed_kmh "
                        "rows nor a list CLASS=KMH,CLASS=KMH",
                        spec);
    if (f) {
        char line[512], where[600];
        for (int ln = 1; st == ISR_OK && fgets(line, sizeof line, f); ln++) {
            size_t len = strcspn(line, "\r\n");
            if (len == 0)
                continue;
            snprintf(where, sizeof where, "'%s' line %d", spec, ln);
            st = class_add(ctx, t, line, len, ',', where, ln == 1);
        }
        fclose(f);
    } else {
        for (const char *p = spec; st == ISR_OK && *p;) {
            size_t len = strcspn(p, ",");
            if (len)
                st = class_add(ctx, t, p, len, '=', "list", 0);
            p += len + (p[len] == ',');
        }
    }
    if (st == ISR_OK && t->n == 0)
        st = isr_fail(ctx, ISR_ERR_INPUT, "--road-classes '%s' gives no class", spec);
    return st;
}

static int in_list(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncasecmp(p, word, n) == 0) /* "Motorway" is a motorway too */
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

/* The roads read: geometries in the analysis CRS with their friction, and the problems. */
typedef struct road_set {
    OGRGeometryH *geom;
    double *spm;
    int n, cap;
    isr_sb bad;       /* features without a usable speed: "17 (0), 20 (empty)" */
    int nbad;
    isr_sb unknown;   /* classes missing from the table */
    int nunknown;     /* features of such classes */
    int nexcluded;    /* features of classes the access mode may not use */
} road_set;

static void road_set_free(road_set *rs)
{
    for (int i = 0; i < rs->n; i++)
        OGR_G_DestroyGeometry(rs->geom[i]);
    free(rs->geom);
    free(rs->spm);
    free(isr_sb_take(&rs->bad));
    free(isr_sb_take(&rs->unknown));
}

static int road_add(road_set *rs, OGRGeometryH g, double spm)
{
    if (rs->n == rs->cap && !isr_grow_pair((void **)&rs->geom, sizeof *rs->geom,
                                           (void **)&rs->spm, sizeof *rs->spm, &rs->cap,
                                           rs->n + 1, 64))
        return 0;
    rs->geom[rs->n] = g;
    rs->spm[rs->n++] = spm;
    return 1;
}

/* The speed of one feature in km/h: its field's, its class's, the base speed for a class not
 * in the table (0 and the class in rs->unknown), or -1 (listed in rs->bad). */
static double feature_kmh(OGRFeatureH f, int ispeed, int iclass, const road_classes *tab,
                          road_set *rs)
{
    long long fid = (long long)OGR_F_GetFID(f);
    if (ispeed >= 0) {
        int set = OGR_F_IsFieldSetAndNotNull(f, ispeed);
        double v = set ? OGR_F_GetFieldAsDouble(f, ispeed) : NAN;
        if (set && v > 0 && v <= ROAD_MAX_KMH)
            return v;
        if (rs->nbad++ < 10) {
            if (set)
                isr_sb_printf(&rs->bad, "%s%lld (%g)", rs->nbad > 1 ? ", " : "", fid, v);
            else
                isr_sb_printf(&rs->bad, "%s%lld (empty)", rs->nbad > 1 ? ", " : "", fid);
        }
        return -1;
    }
    const char *cls = OGR_F_GetFieldAsString(f, iclass);
    int i = class_index(tab, cls);
    if (i >= 0)
        return tab->kmh[i];
    char quoted[300];
    snprintf(quoted, sizeof quoted, ", '%s'", cls);
    if (!rs->unknown.s || !strstr(rs->unknown.s, quoted))
        isr_sb_printf(&rs->unknown, "%s", quoted);
    rs->nunknown++;
    return 0;
}

/* Reads every feature of the open layer into rs (geometries in the analysis CRS). */
static isr_status roads_read(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                             OGRSpatialReferenceH srs, double base_spm, road_set *rs)
{
    road_classes tab = {0};
    const isr_access_preset *ap = isr_access_get(opt->access);
    const char *speed_field = opt->road_speed_field;
    if (!speed_field && !opt->road_classes)
        speed_field = "speed_kmh";
    int ispeed = -1, iclass = -1;
    isr_status st = ISR_OK;
    OGRCoordinateTransformationH ct = NULL;
    if (speed_field && opt->road_classes)
        return isr_fail(ctx, ISR_ERR_USAGE,
                        "--road-speed-field and --road-classes both give the roads' speed: "
                        "give one");
    if ((speed_field && (st = isr_layer_field(ctx, l, speed_field, 1, &ispeed)) != ISR_OK) ||
        (opt->road_classes && ((st = classes_parse(ctx, opt->road_classes, &tab)) != ISR_OK ||
                               (st = isr_layer_field(ctx, l, opt->road_class_field, 0,
                                                     &iclass)) != ISR_OK)))
        goto cleanup;
    if (iclass < 0 && *ap->no_classes)
        iclass = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l->lyr), opt->road_class_field);
    if (!(ct = isr_layer_transform_to(ctx, l, srs))) {
        st = ISR_ERR_CRS;
        goto cleanup;
    }
    OGR_L_ResetReading(l->lyr);
    OGRFeatureH f;
    while ((f = isr_layer_next(ctx, l, &st)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        OGRwkbGeometryType t = g ? wkbFlatten(OGR_G_GetGeometryType(g)) : wkbNone;
        if (g && t != wkbLineString && t != wkbMultiLineString) {
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "%s: feature %lld is a %s; roads must be lines (LineString or "
                          "MultiLineString)",
                          l->what, (long long)OGR_F_GetFID(f), OGR_G_GetGeometryName(g));
            OGR_F_Destroy(f);
            break;
        }
        if (iclass >= 0 && in_list(ap->no_classes, OGR_F_GetFieldAsString(f, iclass))) {
            rs->nexcluded++;
            OGR_F_Destroy(f);
            continue;
        }
        double kmh = feature_kmh(f, ispeed, opt->road_classes ? iclass : -1, &tab, rs);
        /* walk and bike go no faster on a road than themselves: the preset's speed, or the
         * --egress-speed that overrides it */
        if (ap->road_cap_kmh > 0 && kmh > opt->egress_speed_kmh)
            kmh = opt->egress_speed_kmh;
        OGRGeometryH c = g && kmh >= 0 ? OGR_G_Clone(g) : NULL;
        OGR_F_Destroy(f);
        if (c && isr_layer_geom_to(l, c, ct) != OGRERR_NONE) {
            OGR_G_DestroyGeometry(c);
            continue; /* beyond the analysis CRS's domain: not on the grid */
        }
        if (c && !road_add(rs, c, kmh > 0 ? 3.6 / kmh : base_spm)) {
            OGR_G_DestroyGeometry(c);
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s", l->what);
            break;
        }
    }
    if (st == ISR_OK && rs->nbad)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: %d feature%s no usable speed in field '%s' (a speed is km/h, more "
                      "than 0 and at most %g): feature %s%s; fix %s or drop %s",
                      l->what, rs->nbad, ISR_PLURAL(rs->nbad, " has", "s have"), speed_field,
                      ROAD_MAX_KMH, rs->bad.s ? rs->bad.s : "", rs->nbad > 10 ? ", and more" : "",
                      rs->nbad > 1 ? "them" : "it", rs->nbad > 1 ? "them" : "it");
cleanup:
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    classes_free(&tab);
    return st;
}

typedef struct burn_item {
    double spm;
    int i;
} burn_item;

static int by_spm_desc(const void *a, const void *b)
{
    const burn_item *x = a, *y = b;
    if (x->spm != y->spm)
        return (x->spm < y->spm) - (x->spm > y->spm);
    return (x->i > y->i) - (x->i < y->i);
}

/* The roads rasterized (roads_rasterize): per cell of the unpadded grid the friction of the
 * fastest road in it, 0 where there is none. With at most 255 speeds a byte a cell, the
 * speed's number (spm[number], spm[0] = 0); else a float a cell, the friction itself. */
typedef struct road_raster {
    void *v;
    int bytes; /* 1 or 4 */
    float spm[256];
} road_raster;

static float road_at(const road_raster *rr, size_t k)
{
    return rr->bytes == 1 ? rr->spm[((const uint8_t *)rr->v)[k]] : ((const float *)rr->v)[k];
}

/* The speeds of `order` (sorted slowest first), numbered 1, 2… in that order into rr->spm, and
 * each road's number in burn[]: 1 with rr->bytes = 1, or 0 when there are more than 255. */
static int road_numbers(road_raster *rr, const burn_item *order, int n, double *burn)
{
    int k = 0;
    rr->spm[0] = 0.0f;
    for (int i = 0; i < n; i++) {
        if (i == 0 || (float)order[i].spm != rr->spm[k]) {
            if (++k > 255)
                return 0;
            rr->spm[k] = (float)order[i].spm;
        }
        burn[i] = k;
    }
    rr->bytes = 1;
    return 1;
}

static int by_first_row(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Adds to span[2n], span[2n + 1] the rows of the grid a road of envelope e may touch
 * (ALL_TOUCHED reaches the cells its edges lie in: a row of margin); none when it lies off
 * the grid (or is not finite). Returns the new n. */
static int road_rows(const isr_grid *g, const OGREnvelope *e, int *span, int n)
{
    double r0 = floor((g->y0 - e->MaxY) / g->cell_m) - 1;
    double r1 = ceil((g->y0 - e->MinY) / g->cell_m) + 1;
    if (!(r1 >= 0 && r0 <= g->ny - 1))
        return n;
    span[2 * n] = (int)fmax(r0, 0);
    span[2 * n + 1] = (int)fmin(r1, g->ny - 1);
    return n + 1;
}

/* Writes the rows of v (a raster of the grid, `bytes` a cell) that the roads' n spans of rows
 * cover (road_rows; sorted here), before GDAL reads them (isr_pages_written); the rows
 * between the roads stay zero pages, no memory. */
static void road_rows_written(const isr_grid *g, int *span, int n, void *v, int bytes)
{
    qsort(span, (size_t)n, 2 * sizeof *span, by_first_row);
    for (int i = 0; i < n;) { /* the overlapping spans merged, each written once */
        int a = span[2 * i], b = span[2 * i + 1];
        for (i++; i < n && span[2 * i] <= b + 1; i++)
            b = span[2 * i + 1] > b ? span[2 * i + 1] : b;
        isr_pages_written((char *)v + (size_t)a * (size_t)g->nx * (size_t)bytes,
                          (size_t)(b - a + 1) * (size_t)g->nx * (size_t)bytes);
    }
}

/* The roads on the unpadded grid (road_raster): new memory, zero pages but for the rows the
 * roads span (each line reads and writes only its own bounding box: OPTIM=VECTOR); win: the
 * rows and columns the roads may touch (r0, r1, c0, c1). */
static isr_status roads_rasterize(isr_ctx *ctx, const isr_grid *g, const road_set *rs,
                                  const char *what, road_raster *rr, int win[4])
{
    rr->v = NULL;
    rr->bytes = 4;
    burn_item *order = malloc((size_t)(rs->n ? rs->n : 1) * sizeof *order);
    OGRGeometryH *geom = malloc((size_t)(rs->n ? rs->n : 1) * sizeof *geom);
    double *burn = malloc((size_t)(rs->n ? rs->n : 1) * sizeof *burn);
    int *span = malloc((size_t)(rs->n ? rs->n : 1) * 2 * sizeof *span), nspan = 0;
    GDALDatasetH ds = NULL;
    isr_status st = ISR_OK;
    if (!order || !geom || !burn || !span) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory rasterizing %s", what);
        goto cleanup;
    }
    /* slowest first: where roads share a cell, the fastest is burned last and wins */
    OGREnvelope all = {INFINITY, -INFINITY, INFINITY, -INFINITY};
    for (int i = 0; i < rs->n; i++) {
        order[i] = (burn_item){rs->spm[i], i};
        OGREnvelope e;
        OGR_G_GetEnvelope(rs->geom[i], &e);
        all.MinX = fmin(all.MinX, e.MinX);
        all.MaxX = fmax(all.MaxX, e.MaxX);
        all.MinY = fmin(all.MinY, e.MinY);
        all.MaxY = fmax(all.MaxY, e.MaxY);
        nspan = road_rows(g, &e, span, nspan);
    }
    qsort(order, (size_t)rs->n, sizeof *order, by_spm_desc);
    for (int i = 0; i < rs->n; i++)
        geom[i] = rs->geom[order[i].i];
    if (!road_numbers(rr, order, rs->n, burn))
        for (int i = 0; i < rs->n; i++)
            burn[i] = order[i].spm; /* more than 255 speeds: the floats themselves */
    rr->v = calloc((size_t)g->nx * (size_t)g->ny, (size_t)rr->bytes);
    ds = rr->v ? isr_grid_mem_wrap(g, rr->bytes == 1 ? GDT_Byte : GDT_Float32, rr->v) : NULL;
    if (!ds) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory rasterizing %s", what);
        goto cleanup;
    }
    /* ALL_TOUCHED reaches the cells the envelope's edges lie in: one cell of margin */
    if (rs->n == 0 || !isfinite(all.MinX + all.MaxX + all.MinY + all.MaxY))
        goto cleanup;
    win[0] = (int)fmax(0, floor((g->y0 - all.MaxY) / g->cell_m) - 1);
    win[1] = (int)fmin(g->ny - 1, ceil((g->y0 - all.MinY) / g->cell_m) + 1);
    win[2] = (int)fmax(0, floor((all.MinX - g->x0) / g->cell_m) - 1);
    win[3] = (int)fmin(g->nx - 1, ceil((all.MaxX - g->x0) / g->cell_m) + 1);
    road_rows_written(g, span, nspan, rr->v, rr->bytes);
    const char *ropt[] = {"ALL_TOUCHED=TRUE", "OPTIM=VECTOR", NULL};
    if (rs->n && isr_grid_rasterize(ds, rs->n, geom, burn, ropt) != CE_None)
        st = isr_fail_gdal(ctx, ISR_ERR_INPUT, "%s: cannot rasterize onto the grid", what);
cleanup:
    if (ds)
        GDALClose(ds);
    if (st != ISR_OK) {
        free(rr->v);
        rr->v = NULL;
    }
    free(span);
    free(burn);
    free(geom);
    free(order);
    return st;
}

isr_status isr_roads_burn(isr_ctx *ctx, const isr_options *opt, const isr_grid *g,
                          OGRSpatialReferenceH srs, double base_spm, isr_fric_draft *fric,
                          size_t *ncells)
{
    if (ncells)
        *ncells = 0;
    const char *path = isr_options_roads(opt);
    if (!path)
        return ISR_OK;
    isr_layer l;
    road_set rs = {0};
    road_raster rr = {0};
    int win[4] = {0, -1, 0, -1};
    isr_status st = isr_layer_open_enc(ctx, &l, "roads", path, opt->roads_layer, wkbLineString,
                                       opt->encoding);
    if (st != ISR_OK)
        return st;
    if ((st = roads_read(ctx, opt, &l, srs, base_spm, &rs)) != ISR_OK ||
        (st = roads_rasterize(ctx, g, &rs, l.what, &rr, win)) != ISR_OK)
        goto cleanup;
    if (rs.nunknown)
        isr_log(ctx, ISR_LOG_WARN,
                "%s: %d road%s of class%s %s, not in --road-classes, take%s the base local "
                "speed (%.3g km/h); add the class%s to the table to give %s a speed",
                l.what, rs.nunknown, ISR_PLURAL(rs.nunknown, "", "s"),
                strchr(rs.unknown.s + 2, ',') ? "es" : "", rs.unknown.s + 2,
                ISR_PLURAL(rs.nunknown, "s", ""), 3.6 / base_spm,
                strchr(rs.unknown.s + 2, ',') ? "es" : "", ISR_PLURAL(rs.nunknown, "it", "them"));
    if (rs.nexcluded)
        isr_log(ctx, ISR_LOG_INFO, "%s: %d road%s of classes --access %s may not use left out",
                l.what, rs.nexcluded, ISR_PLURAL(rs.nexcluded, "", "s"),
                isr_access_get(opt->access)->name);
    size_t n = 0;
    for (int r = win[0]; r <= win[1]; r++)
        for (int c = win[2]; c <= win[3]; c++) {
            float x = road_at(&rr, (size_t)r * (size_t)g->nx + (size_t)c);
            size_t k = isr_grid_pidx(g, c, r);
            if (x > 0 && x < isr_fric_draft_at(fric, k)) {
                if (isr_fric_draft_set(fric, k, x)) {
                    st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory for the friction "
                                                       "surface of more than 256 values");
                    goto cleanup;
                }
                n++;
            }
        }
    if (ncells)
        *ncells = n;
cleanup:
    free(rr.v);
    road_set_free(&rs);
    isr_layer_close(&l);
    return st;
}
