/*
 * boundaries.c — admin unit polygons, read, reprojected into the analysis CRS and repaired.
 *
 * Invalid polygons (self-intersections are common in quantized or hand-edited boundaries)
 * are counted and repaired with GEOS MakeValid through OGR (the "structure" method, which
 * keeps polygonal output) rather than rejected, because dropping a unit would silently
 * drop its people. A feature without a polygon is an error naming its FID.
 * Attributes: a code, a name and the codes and names of its prefecture and province, read
 * from the fields named in the options, or (when the prefecture or province field is
 * absent) derived from a 6-digit GB/T 2260 code: 320583 is in prefecture 320500 and
 * province 320000. Population from the pop field when present.
 * Owns: one OGR geometry and one attribute record per unit, in layer order.
 */
#include "internal.h"

#include <cpl_string.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* More people than live on Earth in one unit is a data error (1e308, a wrong field). */
#define ISR_MAX_UNIT_POP 1e10

static OGRGeometryH repair(OGRGeometryH g)
{
    char **opts = CSLSetNameValue(NULL, "METHOD", "STRUCTURE");
    OGRGeometryH r = OGR_G_MakeValidEx(g, opts);
    CSLDestroy(opts);
    if (r && wkbFlatten(OGR_G_GetGeometryType(r)) == wkbGeometryCollection) {
        /* keep the polygonal parts only */
        OGRGeometryH mp = OGR_G_CreateGeometry(wkbMultiPolygon);
        for (int i = 0; i < OGR_G_GetGeometryCount(r); i++) {
            OGRGeometryH part = OGR_G_GetGeometryRef(r, i);
            OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(part));
            if (t == wkbPolygon)
                OGR_G_AddGeometry(mp, part);
            else if (t == wkbMultiPolygon)
                for (int j = 0; j < OGR_G_GetGeometryCount(part); j++)
                    OGR_G_AddGeometry(mp, OGR_G_GetGeometryRef(part, j));
        }
        OGR_G_DestroyGeometry(r);
        r = mp;
    }
    return r;
}

static int six_digits(const char *s)
{
    if (strlen(s) != 6)
        return 0;
    for (int i = 0; i < 6; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* A GB/T 2260 code: six digits whose first two are one of its provinces (11 Beijing … 82
 * Macao). Six-digit codes of another country (Italy's 001001) are not. */
static int is_gb_code(const char *s)
{
    static const int prov[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                               35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                               53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
    if (!six_digits(s))
        return 0;
    int p2 = (s[0] - '0') * 10 + (s[1] - '0');
    for (size_t i = 0; i < sizeof prov / sizeof *prov; i++)
        if (prov[i] == p2)
            return 1;
    return 0;
}

/* Field indexes for the hierarchy; -1 where absent. */
typedef struct unit_fields {
    int code[ISR_NLEVELS], name[ISR_NLEVELS], name_en[ISR_NLEVELS], pop;
    int pop_missing; /* the default 'pop' is absent and nothing else gives people */
    int none[ISR_NLEVELS]; /* `--pref-field none`, `--prov-field none`: no code, none derived */
} unit_fields;

static isr_status unit_fields_find(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                                   unit_fields *f)
{
    OGRFeatureDefnH d = OGR_L_GetLayerDefn(l->lyr);
    const char *code[ISR_NLEVELS] = {opt->unit_id_field, opt->pref_field, opt->prov_field};
    const char *name[ISR_NLEVELS] = {opt->unit_name_field, opt->pref_name_field,
                                     opt->prov_name_field};
    const char *en[ISR_NLEVELS] = {opt->unit_name_en_field, opt->pref_name_en_field,
                                   opt->prov_name_en_field};
    for (int k = 0; k < ISR_NLEVELS; k++) {
        f->code[k] = code[k] ? OGR_FD_GetFieldIndex(d, code[k]) : -1;
        f->name[k] = name[k] ? OGR_FD_GetFieldIndex(d, name[k]) : -1;
        f->name_en[k] = en[k] ? OGR_FD_GetFieldIndex(d, en[k]) : -1; /* optional (fields.c) */
        f->none[k] = k > 0 && f->code[k] < 0 && code[k] && strcmp(code[k], "none") == 0;
    }
    f->pop = -1;
    f->pop_missing = 0;
    if (opt->pop_field && OGR_FD_GetFieldIndex(d, opt->pop_field) >= 0)
        return isr_layer_field(ctx, l, opt->pop_field, 1, &f->pop);
    /* a default field that is not there says nothing about the people: unknown, not 0
     * (an explicit --pop-field naming no field was refused by fields.c) */
    f->pop_missing = opt->pop_field && strcmp(opt->pop_field, "none") != 0 && !opt->population;
    return ISR_OK;
}

static isr_status unit_attr_read(isr_ctx *ctx, const isr_layer *l, const unit_fields *uf,
                                 OGRFeatureH f, isr_unit *a)
{
    long long fid = (long long)OGR_F_GetFID(f);
    char fidbuf[32];
    snprintf(fidbuf, sizeof fidbuf, "%lld", fid);
    /* copies, not OGR's strings, in valid UTF-8: see isr_layer_str() */
    a->code[0] = uf->code[0] >= 0 && OGR_F_IsFieldSetAndNotNull(f, uf->code[0])
                     ? isr_layer_str(l, f, uf->code[0])
                     : strdup(fidbuf);
    if (!a->code[0])
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    /* a code field that this feature leaves null or blank: the unit would take its feature
     * number as its code, or '' (then ' ' and '' would be two units), in every table */
    if (uf->code[0] >= 0 && (!OGR_F_IsFieldSetAndNotNull(f, uf->code[0]) ||
                             a->code[0][strspn(a->code[0], " \t\r\n")] == '\0'))
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s: feature %lld has %s in field '%s': each unit needs a code of "
                        "its own (fill it in, or name another field with --unit-id)",
                        l->what, fid,
                        OGR_F_IsFieldSetAndNotNull(f, uf->code[0]) ? "a blank code" : "no code",
                        OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(OGR_F_GetDefnRef(f), uf->code[0])));
    static const char *const flag[ISR_NLEVELS] = {"--unit-id", "--pref-field", "--prov-field"};
    isr_status st = uf->code[0] >= 0 ? isr_layer_id_check(ctx, l, f, uf->code[0], flag[0],
                                                           a->code[0])
                                     : ISR_OK;
    const char *code = a->code[0];
    int gb = is_gb_code(code);
    for (int k = 0; k < ISR_NLEVELS; k++) {
        char derived[8] = "";
        if (k > 0 && uf->none[k]) {
            a->code[k] = strdup(""); /* `--pref-field none`: its own (units_fill_levels) */
        } else if (k > 0 && uf->code[k] >= 0) {
            a->code[k] = isr_layer_str(l, f, uf->code[k]);
            if (st == ISR_OK)
                st = isr_layer_id_check(ctx, l, f, uf->code[k], flag[k], a->code[k]);
        } else if (k > 0) {
            if (gb)
                snprintf(derived, sizeof derived, "%.*s%s", k == ISR_PREFECTURE ? 4 : 2, code,
                         k == ISR_PREFECTURE ? "00" : "0000");
            a->code[k] = strdup(derived);
        }
        a->name[k] = isr_layer_str(l, f, uf->name[k]);
        a->name_en[k] = isr_layer_str(l, f, uf->name_en[k]);
        if (!a->code[k] || !a->name[k] || !a->name_en[k])
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
    if (st != ISR_OK)
        return st;
    a->fid = fid;
    a->pop = NAN;
    if (uf->pop >= 0 && OGR_F_IsFieldSetAndNotNull(f, uf->pop)) {
        a->pop = OGR_F_GetFieldAsDouble(f, uf->pop);
        if (!(a->pop >= 0) || !isfinite(a->pop) || a->pop > ISR_MAX_UNIT_POP)
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "%s: feature %lld ('%s') has a population of %g in field '%s'; it "
                            "must be a number of people from 0 to %.0f (leave it empty when "
                            "unknown)",
                            l->what, fid, code, a->pop, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(
                                                            OGR_F_GetDefnRef(f), uf->pop)),
                            ISR_MAX_UNIT_POP);
    }
    return ISR_OK;
}

static int cmp_code_key(const void *a, const void *b)
{
    const isr_code_key *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->unit > y->unit) - (x->unit < y->unit);
}

void isr_units_sort_codes(const isr_units *u, int level, isr_code_key *keys)
{
    for (int i = 0; i < u->n; i++)
        keys[i] = (isr_code_key){u->attr[i].code[level], i};
    qsort(keys, (size_t)u->n, sizeof *keys, cmp_code_key);
}

int isr_units_group(const isr_units *u, int level, isr_code_key *keys, int *group, int *first)
{
    isr_units_sort_codes(u, level, keys);
    int ng = 0;
    for (int i = 0; i < u->n; i++) {
        if (i == 0 || strcmp(keys[i].code, keys[i - 1].code) != 0)
            first[ng++] = keys[i].unit;
        group[keys[i].unit] = ng - 1;
    }
    return ng;
}

/* Two units with one code would be merged into one silently: refuse, listing them. */
static isr_status units_check_codes(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                                    const isr_units *u, int from_field)
{
    if (!from_field || u->n < 2)
        return ISR_OK; /* feature ids are unique */
    isr_code_key *k = malloc((size_t)u->n * sizeof *k);
    if (!k)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    isr_units_sort_codes(u, ISR_COUNTY, k);
    isr_sb b = {0};
    int ndup = 0;
    for (int i = 1; i < u->n; i++) {
        if (strcmp(k[i].code, k[i - 1].code) != 0)
            continue;
        if (i == 1 || strcmp(k[i - 1].code, k[i - 2].code) != 0) { /* a new repeated code */
            if (++ndup <= 10)
                isr_sb_printf(&b, "%s'%s' (features %lld", ndup > 1 ? "; " : "",
                              k[i].code, u->attr[k[i - 1].unit].fid);
        }
        if (ndup <= 10)
            isr_sb_printf(&b, ", %lld", u->attr[k[i].unit].fid);
        if (ndup <= 10 && (i + 1 == u->n || strcmp(k[i + 1].code, k[i].code) != 0))
            isr_sb_printf(&b, ")");
    }
    free(k);
    char *list = isr_sb_take(&b);
    isr_status st = ISR_OK;
    if (ndup)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "%s: %d code%s of field '%s' %s used by more than one unit: %s%s; each "
                      "unit needs its own code (fix the codes, dissolve the parts into one "
                      "feature, or name another field with --unit-id)",
                      l->what, ndup, ndup > 1 ? "s" : "", opt->unit_id_field,
                      ndup > 1 ? "are" : "is", list ? list : "", ndup > 10 ? "; and more" : "");
    free(list);
    return st;
}

/* The prefecture and province codes derived from GB/T 2260 codes (unit_attr_read) are right
 * only if the codes are GB/T 2260's: when any six-digit code of the layer has a first pair
 * that is no province of it, the codes are another scheme's (six-digit codes are common) and
 * none is derived (units_fill_levels then makes each unit its own group, warning). When they
 * are derived, the run says so. */
static void units_check_derived(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                                const unit_fields *uf, isr_units *u)
{
    int dp = uf->code[ISR_PREFECTURE] < 0 && !uf->none[ISR_PREFECTURE],
        dv = uf->code[ISR_PROVINCE] < 0 && !uf->none[ISR_PROVINCE];
    if (!dp && !dv)
        return; /* nothing derived */
    const char *foreign = NULL;
    int nderived = 0;
    for (int i = 0; i < u->n; i++) {
        const char *c = u->attr[i].code[ISR_COUNTY];
        if (six_digits(c) && !is_gb_code(c) && !foreign)
            foreign = c;
        nderived += is_gb_code(c);
    }
    if (!nderived)
        return;
    if (foreign) {
        for (int i = 0; i < u->n; i++)
            for (int k = 1; k < ISR_NLEVELS; k++)
                if (uf->code[k] < 0)
                    u->attr[i].code[k][0] = '\0'; /* its own group (units_fill_levels) */
        isr_log(ctx, ISR_LOG_WARN,
                "%s: the codes of field '%s' are not all GB/T 2260 codes ('%s' has no province "
                "'%.2s'): no prefecture or province is derived from them",
                l->what, opt->unit_id_field, foreign, foreign);
        return;
    }
    /* the example is the layer's own first unit (it was the sample's 320583, whatever the data).
     * A warning, in run.json: six-digit codes of other countries (Japan's 131016) read as
     * China's would make up prefectures and provinces that mean nothing there */
    const char *c0 = u->n > 0 ? u->attr[0].code[ISR_COUNTY] : "";
    char ex[160];
    if (dp && dv)
        isr_snprintf(ex, sizeof ex, "%s: prefecture %.4s00, province %.2s0000", c0, c0, c0);
    else if (dp)
        isr_snprintf(ex, sizeof ex, "%s: prefecture %.4s00", c0, c0);
    else
        isr_snprintf(ex, sizeof ex, "%s: province %.2s0000", c0, c0);
    const char *what = dp && dv ? "prefectures and provinces" : dp ? "prefectures" : "provinces";
    isr_log(ctx, ISR_LOG_WARN,
            "%s: %s derived from the codes of field '%s' read as China's GB/T 2260 codes (%s), "
            "there being no field %s%s%s%s%s. If they are not GB/T 2260 codes these %s mean "
            "nothing: name the fields that hold them (--pref-field, --prov-field), or say "
            "there are none (--pref-field none --prov-field none: each unit its own)",
            l->what, what, opt->unit_id_field, ex, dp ? "'" : "",
            dp ? (opt->pref_field ? opt->pref_field : "") : "", dp && dv ? "' or '" : "'",
            dv ? (opt->prov_field ? opt->prov_field : "") : "", dv ? "'" : "", what);
}

/* A unit with no code at a level (no field for it, and no GB/T 2260 code to derive it from)
 * would join every other such unit in one nameless group: it is its own group instead. */
static void units_fill_levels(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                              isr_units *u)
{
    static const char *const lname[ISR_NLEVELS] = {"county", "prefecture", "province"};
    const char *flag[ISR_NLEVELS] = {NULL, opt->pref_field, opt->prov_field};
    OGRFeatureDefnH d = OGR_L_GetLayerDefn(l->lyr);
    for (int k = 1; k < ISR_NLEVELS; k++) {
        int n = 0;
        isr_sb which = {0}; /* the first units, by code */
        for (int i = 0; i < u->n; i++) {
            isr_unit *a = &u->attr[i];
            if (*a->code[k])
                continue;
            if (n < 5)
                isr_sb_printf(&which, "%s'%s'", n ? ", " : "", a->code[0]);
            char *c = strdup(a->code[k - 1]), *nm = strdup(a->name[k - 1]);
            if (c && nm) {
                free(a->code[k]);
                free(a->name[k]);
                a->code[k] = c;
                a->name[k] = nm;
                a->filled |= (unsigned char)(1u << k);
                n++;
            } else {
                free(c);
                free(nm);
            }
        }
        /* `--pref-field none` says so on purpose: then it is no news */
        const char *opt_name = k == ISR_PREFECTURE ? "pref-field" : "prov-field";
        char *list = isr_sb_take(&which);
        int has_field = flag[k] && d && OGR_FD_GetFieldIndex(d, flag[k]) >= 0;
        if (n && flag[k] && strcmp(flag[k], "none") == 0)
            isr_log(ctx, ISR_LOG_INFO, "%s: --%s none: each %s is counted as its own %s",
                    l->what, opt_name, lname[k - 1], lname[k]);
        else if (n && has_field) /* the field is there, empty for these: say which */
            isr_log(ctx, ISR_LOG_WARN,
                    "%s: field '%s' is empty for %d unit%s (%s%s), and no 6-digit GB/T 2260 "
                    "code gives it: %s counted as its own %s; fill the field in",
                    l->what, flag[k], n, n > 1 ? "s" : "", list ? list : "", n > 5 ? ", …" : "",
                    k == ISR_PREFECTURE ? "each is" : "the prefecture of each is", lname[k]);
        else if (n)
            isr_log(ctx, ISR_LOG_WARN,
                    "%s: %d unit%s no %s code (no field '%s' and no 6-digit GB/T 2260 code to "
                    "derive it from): %s counted as its own %s; give the field with --%s",
                    l->what, n, n > 1 ? "s have" : " has", lname[k], flag[k] ? flag[k] : "",
                    k == ISR_PREFECTURE ? "each is" : "the prefecture of each is", lname[k],
                    opt_name);
        free(list);
    }
}

/* A prefecture lies in one province, and a code has one name: else a prefecture's rows would
 * hold two provinces' people under the first's (a code reused in each province, or a typo),
 * and the name of the first unit would stand for another's. The first refused, the second
 * warned about, each with its first case. */
static isr_status units_check_hierarchy(isr_ctx *ctx, const isr_layer *l, const isr_units *u)
{
    static const char *const lname[ISR_NLEVELS] = {"county", "prefecture", "province"};
    isr_code_key *p = malloc((size_t)(u->n > 0 ? u->n : 1) * sizeof *p);
    if (!p)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    isr_status st = ISR_OK;
    for (int k = ISR_PREFECTURE; k < ISR_NLEVELS && st == ISR_OK; k++) {
        isr_units_sort_codes(u, k, p);
        int named = 0;
        for (int i = 1; i < u->n && st == ISR_OK; i++) {
            const isr_unit *a = &u->attr[p[i - 1].unit], *b = &u->attr[p[i].unit];
            if (strcmp(a->code[k], b->code[k]) != 0)
                continue;
            /* a province code that is the prefecture's own: taken where the field was
             * empty (units_fill_levels), no province of the data: said as such */
            int fa = (a->filled >> ISR_PROVINCE) & 1, fb = (b->filled >> ISR_PROVINCE) & 1;
            if (k == ISR_PREFECTURE && strcmp(a->code[ISR_PROVINCE], b->code[ISR_PROVINCE]) &&
                (fa || fb))
                st = isr_fail(ctx, ISR_ERR_INPUT,
                              "%s: county '%s' has no province code (its field is empty), and "
                              "its prefecture '%s' lies in province '%s' (county '%s'): fill "
                              "the county's province in",
                              l->what, fa ? a->code[0] : b->code[0], a->code[k],
                              fa ? b->code[ISR_PROVINCE] : a->code[ISR_PROVINCE],
                              fa ? b->code[0] : a->code[0]);
            else if (k == ISR_PREFECTURE && strcmp(a->code[ISR_PROVINCE], b->code[ISR_PROVINCE]))
                st = isr_fail(ctx, ISR_ERR_INPUT,
                              "%s: prefecture '%s' has counties in two provinces, '%s' "
                              "(county '%s') and '%s' (county '%s'): a prefecture lies in one "
                              "province; mend the province field, or make the prefecture "
                              "codes unique across provinces (prefix them with the province's)",
                              l->what, a->code[k], a->code[ISR_PROVINCE], a->code[0],
                              b->code[ISR_PROVINCE], b->code[0]);
            else if (!named && strcmp(a->name[k], b->name[k]) != 0 && (named = 1))
                isr_log(ctx, ISR_LOG_WARN,
                        "%s: %s '%s' is named '%s' (county '%s') and '%s' (county '%s'): the "
                        "tables give it one of the names; mend the name field",
                        l->what, lname[k], a->code[k], a->name[k], a->code[0], b->name[k],
                        b->code[0]);
        }
    }
    free(p);
    return st;
}

/* Units whose population field is empty: said once, with their codes. */
static void units_report_unknown_pop(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                                     const unit_fields *uf, isr_units *u)
{
    if (!u->has_pop || opt->population) /* a population raster gives the people: the field
                                          * is not read, and an empty one is no news */
        return;
    if (uf->pop_missing) {
        u->nunknown_pop = u->n;
        isr_log(ctx, ISR_LOG_WARN,
                "%s has no field '%s': population is unknown; give --pop-field or --population",
                l->what, opt->pop_field);
        return;
    }
    isr_sb b = {0};
    u->nunknown_pop = 0;
    for (int i = 0; i < u->n; i++)
        if (isnan(u->attr[i].pop) && ++u->nunknown_pop <= 10)
            isr_sb_printf(&b, "%s%s", u->nunknown_pop > 1 ? ", " : "", u->attr[i].code[0]);
    char *list = isr_sb_take(&b);
    if (u->nunknown_pop)
        isr_log(ctx, ISR_LOG_WARN,
                "%s: %d unit%s no population in field '%s' (%s%s): %s counted as unknown, "
                "not as 0; totals that include %s are marked incomplete (pop_unknown_units)",
                l->what, u->nunknown_pop, u->nunknown_pop > 1 ? "s have" : " has",
                opt->pop_field, list ? list : "", u->nunknown_pop > 10 ? ", …" : "",
                u->nunknown_pop > 1 ? "they are" : "it is",
                u->nunknown_pop > 1 ? "them" : "it");
    free(list);
}

/* A population field in other units than people, said: fractions over fewer than one person
 * per km² of the units (a yearbook's 万, tens of thousands, 265.3 for 2.65 million: results
 * ten thousand times too small, said nowhere; a new-user pass), and units of a fraction of a
 * person, which count as none. Whole numbers, however sparse (a toy region, the Arctic), and
 * modelled estimates with fractions over a settled region are no news. */
static void units_report_pop_scale(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                                   const isr_units *u)
{
    if (!u->has_pop || opt->population)
        return;
    int nfrac = 0, first = -1, nnone = 0, none = -1;
    double people = 0, area_m2 = 0;
    for (int i = 0; i < u->n; i++) {
        double p = u->attr[i].pop;
        if (isnan(p))
            continue;
        if (fabs(p - round(p)) > 1e-6 && nfrac++ == 0)
            first = i;
        if (p > 0 && p < 0.5 && nnone++ == 0)
            none = i;
        people += p;
        area_m2 += u->geom[i] ? OGR_G_Area(u->geom[i]) : 0;
    }
    double km2 = area_m2 / 1e6;
    if (nfrac && people > 0 && km2 > 0 && people / km2 < 1)
        isr_log(ctx, ISR_LOG_WARN,
                "%s: field '%s' holds fractions (%d unit%s, as '%s': %g) and only %.3g people "
                "per km² over the units: does it count thousands or tens of thousands (万)? "
                "Give it in people: each unit's people are counted whole, rounded",
                l->what, opt->pop_field, nfrac, nfrac > 1 ? "s" : "", u->attr[first].code[0],
                u->attr[first].pop, people / km2);
    else if (nnone)
        isr_log(ctx, ISR_LOG_WARN,
                "%s: %d unit%s fewer than half a person in field '%s' (as '%s': %g), counted as "
                "no one: people are counted whole",
                l->what, nnone, nnone > 1 ? "s have" : " has", opt->pop_field,
                u->attr[none].code[0], u->attr[none].pop);
}

typedef struct overlap_ctx {
    int self;
    int *cand;
    int ncand, cap;
} overlap_ctx;

static void overlap_collect(void *item, void *userdata)
{
    overlap_ctx *o = userdata;
    int j = (int)(intptr_t)item;
    if (j <= o->self)
        return;
    if (o->ncand == o->cap) {
        int nc = o->cap ? 2 * o->cap : 32;
        int *p = realloc(o->cand, (size_t)nc * sizeof *p);
        if (!p)
            return;
        o->cand = p;
        o->cap = nc;
    }
    o->cand[o->ncand++] = j;
}

/* Overlapping units share cells: each cell goes to one of them only, so the other loses
 * area and people. Pairs overlapping by more than ISR_OVERLAP_SHARE of the smaller unit
 * are warned about, naming them. An STRtree and prepared geometries keep this cheap on
 * clean data, where neighbours only touch. */
#define ISR_OVERLAP_SHARE 0.005
static isr_status units_check_overlaps(isr_ctx *ctx, const isr_layer *l, isr_units *u,
                                       char **warning)
{
    *warning = NULL;
    isr_geos gc;
    isr_geos_init(&gc);
    GEOSContextHandle_t h = gc.h;
    GEOSGeometry **gg = calloc((size_t)(u->n > 0 ? u->n : 1), sizeof *gg);
    GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
    overlap_ctx oc = {0};
    isr_sb b = {0};
    int npairs = 0;
    double total_km2 = 0;
    isr_status st = ISR_OK;
    if (!gg || !tree) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    double sum_m2 = 0;
    for (int i = 0; i < u->n; i++) {
        gg[i] = isr_geos_from_ogr(&gc, u->geom[i]);
        double a = 0;
        if (gg[i] && GEOSArea_r(h, gg[i], &a))
            sum_m2 += a;
        if (gg[i])
            GEOSSTRtree_insert_r(h, tree, gg[i], (void *)(intptr_t)i);
    }
    /* units that tile the region exactly (a coverage: shared edges, no overlaps, as clean
     * boundary data are) dissolve fast with a coverage union whose area is the sum of
     * theirs: then no pair needs checking */
    if (isr_geos_coverage_clean(h, gg, u->n, sum_m2))
        goto cleanup;
    for (int i = 0; i < u->n; i++) {
        if (!gg[i])
            continue;
        const GEOSPreparedGeometry *pg = GEOSPrepare_r(h, gg[i]);
        if (!pg)
            continue;
        oc.self = i;
        oc.ncand = 0;
        GEOSSTRtree_query_r(h, tree, gg[i], overlap_collect, &oc);
        for (int c = 0; c < oc.ncand; c++) {
            int j = oc.cand[c];
            /* interiors meet: they overlap, or one holds the other */
            if (GEOSPreparedOverlaps_r(h, pg, gg[j]) != 1 &&
                GEOSPreparedContains_r(h, pg, gg[j]) != 1 &&
                GEOSPreparedWithin_r(h, pg, gg[j]) != 1)
                continue;
            GEOSGeometry *x = GEOSIntersection_r(h, gg[i], gg[j]);
            double ax = 0, ai = 0, aj = 0;
            if (x)
                GEOSArea_r(h, x, &ax);
            GEOSArea_r(h, gg[i], &ai);
            GEOSArea_r(h, gg[j], &aj);
            GEOSGeom_destroy_r(h, x);
            double small = ai < aj ? ai : aj;
            if (!(small > 0) || ax <= ISR_OVERLAP_SHARE * small)
                continue;
            total_km2 += ax / 1e6;
            if (++npairs <= 10)
                isr_sb_printf(&b, "%s'%s' and '%s' (%.2f km², %.0f %% of '%s'%s)",
                              npairs > 1 ? "; " : "", u->attr[i].code[0], u->attr[j].code[0],
                              ax / 1e6, 100.0 * ax / small,
                              u->attr[ai < aj ? i : j].code[0],
                              ax >= 0.999 * small ? ", which lies wholly inside the other" : "");
        }
        GEOSPreparedGeom_destroy_r(h, pg);
    }
    if (npairs) {
        char *list = isr_sb_take(&b);
        u->noverlaps = npairs;
        *warning = isr_strdup_printf(
                "%s: %d pair%s of units overlap by more than %.1f %% of the smaller one "
                "(%.2f km² in all): %s%s. A cell belongs to one unit only (the later in the "
                "layer), so the earlier one loses that area: its people are spread over the "
                "cells left to it (with --population, the people of those cells are the later "
                "one's; a unit left no cell is counted in the unit holding its interior "
                "point); fix the polygons (QGIS: Check Validity / Topology Checker; GRASS: "
                "v.clean)",
                l->what, npairs, npairs > 1 ? "s" : "", 100.0 * ISR_OVERLAP_SHARE, total_km2,
                list ? list : "", npairs > 10 ? "; and more" : "");
        free(list);
        if (!*warning)
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    }
cleanup:
    free(oc.cand);
    free(b.s);
    if (tree)
        GEOSSTRtree_destroy_r(h, tree);
    for (int i = 0; gg && i < u->n; i++)
        GEOSGeom_destroy_r(h, gg[i]);
    free(gg);
    isr_geos_finish(&gc);
    return st;
}

/* Room for 64 more units when the driver's feature count was short; 0 when out of memory. */
static int units_grow(isr_units *u, GIntBig *count)
{
    OGRGeometryH *p = realloc(u->geom, (size_t)(u->n + 64) * sizeof *p);
    if (p)
        u->geom = p;
    OGREnvelope *e = p ? realloc(u->env, (size_t)(u->n + 64) * sizeof *e) : NULL;
    if (e)
        u->env = e;
    isr_unit *q = e ? realloc(u->attr, (size_t)(u->n + 64) * sizeof *q) : NULL;
    if (!q)
        return 0;
    memset(u->env + u->n, 0, 64 * sizeof *e);
    u->attr = q;
    memset(u->attr + u->n, 0, 64 * sizeof *q);
    *count = u->n + 64;
    return 1;
}

/* An invalid polygon repaired in place (GEOS MakeValid), or kept as it is with a warning;
 * counted, and its feature id listed in fids (the first ten) for the summary warning. */
static void unit_repair(isr_ctx *ctx, const isr_layer *l, isr_units *u, GIntBig fid,
                        OGRGeometryH *g, char *fids, size_t nfids)
{
    u->ninvalid++;
    size_t len = strlen(fids);
    if (u->ninvalid <= 10)
        snprintf(fids + len, nfids - len, "%s%lld", len ? ", " : "", (long long)fid);
    else if (u->ninvalid == 11)
        snprintf(fids + len, nfids - len, ", …");
    OGRGeometryH r = repair(*g);
    if (r && !OGR_G_IsEmpty(r) && OGR_G_IsValid(r)) {
        OGR_G_DestroyGeometry(*g);
        *g = r;
        u->nrepaired++;
    } else {
        OGR_G_DestroyGeometry(r);
        isr_log(ctx, ISR_LOG_WARN, "%s: feature %lld is invalid and could not be repaired; "
                "it is used as it is", l->what, (long long)fid);
    }
}

/* The number of vertices of g, all its parts and rings. */
static long points_of(OGRGeometryH g)
{
    long n = OGR_G_GetPointCount(g);
    for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
        n += points_of(OGR_G_GetGeometryRef(g, i));
    return n;
}

/* The fewest vertices of a ring of polygon or multipolygon g (INT_MAX: none). */
static int shortest_ring(OGRGeometryH g)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    int least = INT_MAX;
    for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) {
        OGRGeometryH p = OGR_G_GetGeometryRef(g, i);
        int k = t == wkbMultiPolygon ? shortest_ring(p) : OGR_G_GetPointCount(p);
        least = k < least ? k : least;
    }
    return least;
}

/* Whether a geometry has a vertex on the 180° meridian (lon/lat). */
static int on_180(OGRGeometryH g)
{
    for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
        if (on_180(OGR_G_GetGeometryRef(g, i)))
            return 1;
    for (int i = 0; i < OGR_G_GetPointCount(g); i++)
        if (fabs(OGR_G_GetX(g, i)) == 180.0)
            return 1;
    return 0;
}

/* The unit's polygon (taken over): checked, reprojected (here, on the calling thread: the
 * first feature that cannot be is named with GDAL's reason, before any later feature's fault)
 * and stored as unit u->n; seam[u->n] says whether it was split at the 180° meridian (lonlat:
 * the layer is in lon/lat). Its validity is checked after all are read (unit_validity), its
 * repair and box then (unit_finish). On an error the unit is stored without a geometry, so
 * that its attributes are freed with the others. */
static isr_status unit_polygon(isr_ctx *ctx, const isr_layer *l, OGRCoordinateTransformationH ct,
                               int lonlat, GIntBig fid, OGRGeometryH g, isr_units *u,
                               unsigned char *seam)
{
    OGRwkbGeometryType t = g ? wkbFlatten(OGR_G_GetGeometryType(g)) : wkbNone;
    if (!g || OGR_G_IsEmpty(g) || (t != wkbPolygon && t != wkbMultiPolygon)) {
        isr_status st = isr_fail_gdal(ctx, ISR_ERR_INPUT,
                                      "%s: feature %lld ('%s') has %s; every unit needs its "
                                      "polygon: draw it, or delete the feature (its people "
                                      "would be lost)",
                                      l->what, (long long)fid, u->attr[u->n].code[0],
                                      !g || OGR_G_IsEmpty(g) ? "no geometry"
                                                             : "a geometry that is not a polygon");
        OGR_G_DestroyGeometry(g);
        u->geom[u->n++] = NULL;
        return st;
    }
    /* a unit split at the 180° meridian (RFC 7946), valid in lon/lat: its parts share the
     * seam once reprojected, which is no fault of the input */
    double bad[2];
    if (isr_geom_nonfinite(g, bad)) {
        OGR_G_DestroyGeometry(g);
        u->geom[u->n++] = NULL;
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s: feature %lld ('%s') has a vertex at (%g %g), which is no "
                        "coordinate: fix its geometry",
                        l->what, (long long)fid, u->attr[u->n - 1].code[0], bad[0], bad[1]);
    }
    /* a ring whose last vertex is not its first (a GeoJSON written by hand or cut short):
     * closed, as its author meant (GEOS refused it much later, "Points of LinearRing do not
     * form a closed linestring", naming no file; a new-user pass) */
    long before = points_of(g);
    OGR_G_CloseRings(g);
    if (points_of(g) != before)
        isr_log(ctx, ISR_LOG_WARN, "%s: feature %lld ('%s') has a ring whose last vertex is not "
                "its first: closed", l->what, (long long)fid, u->attr[u->n].code[0]);
    int short_ring = shortest_ring(g);
    if (short_ring < 4) { /* two points, or three closed: no area (GEOS fails on it later) */
        OGR_G_DestroyGeometry(g);
        u->geom[u->n++] = NULL;
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "%s: feature %lld ('%s') has a ring of %d vertices, which encloses no "
                        "area (a ring needs 3 corners and its first vertex again): draw the "
                        "unit's polygon, or delete the feature (its people would be lost)",
                        l->what, (long long)fid, u->attr[u->n - 1].code[0], short_ring);
    }
    seam[u->n] = t == wkbMultiPolygon && lonlat && on_180(g) && OGR_G_IsValid(g);
    if (isr_layer_geom_to(l, g, ct) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(g);
        u->geom[u->n++] = NULL;
        return isr_fail_gdal(ctx, ISR_ERR_CRS,
                             "%s: feature %lld cannot be transformed to the analysis CRS "
                             "(outside the CRS's area of use?)",
                             l->what, (long long)fid);
    }
    u->geom[u->n++] = g;
    return ISR_OK;
}

/* Whether each unit's polygon is valid (GEOS: the costliest check of a load), on the run's
 * threads; OGR_G_IsValid makes a GEOS context of its own for each call. */
typedef struct unit_valid {
    isr_ctx *ctx;
    OGRGeometryH *geom;
    unsigned char *valid;
} unit_valid;

static void unit_validity(void *user, int i, int worker)
{
    (void)worker;
    unit_valid *v = user;
    isr_gdal_errors_push(v->ctx); /* GDAL's handlers are per thread */
    v->valid[i] = OGR_G_IsValid(v->geom[i]) != 0;
    isr_gdal_errors_pop();
}

/* Unit i, valid or not (units_validity): joined again if it was split at the 180° meridian,
 * repaired if invalid, its box taken. fids lists the first invalid units. */
static void unit_finish(isr_ctx *ctx, const isr_layer *l, isr_units *u, int i, GIntBig fid,
                        int seam, int valid, char *fids, size_t nfids)
{
    OGRGeometryH g = u->geom[i];
    if (seam && !valid) { /* its parts meet again: joined, as a GIS shows it */
        OGRGeometryH r = repair(g);
        if (r && !OGR_G_IsEmpty(r) && OGR_G_IsValid(r)) {
            OGR_G_DestroyGeometry(g);
            g = r;
            u->njoined++;
            valid = 1;
        } else {
            OGR_G_DestroyGeometry(r);
        }
    }
    if (!valid)
        unit_repair(ctx, l, u, fid, &g, fids, nfids);
    OGREnvelope env;
    OGR_G_GetEnvelope(g, &env);
    if (env.MinX < u->xmin) u->xmin = env.MinX;
    if (env.MinY < u->ymin) u->ymin = env.MinY;
    if (env.MaxX > u->xmax) u->xmax = env.MaxX;
    if (env.MaxY > u->ymax) u->ymax = env.MaxY;
    u->env[i] = env;
    u->geom[i] = g;
}

/* Every feature of the layer as a unit, its polygon read (unit_polygon), seam[] and fid[]
 * grown with the units. */
static isr_status units_read_all(isr_ctx *ctx, const isr_layer *l, const unit_fields *uf,
                                 OGRCoordinateTransformationH ct, GIntBig count, isr_units *u,
                                 unsigned char **seam, GIntBig **fid)
{
    isr_status st = ISR_OK;
    OGRSpatialReferenceH ls = OGR_L_GetSpatialRef(l->lyr);
    int lonlat = ls && OSRIsGeographic(ls);
    OGR_L_ResetReading(l->lyr);
    OGRFeatureH f;
    while ((f = isr_layer_next(ctx, l, &st)) != NULL) {
        GIntBig id = OGR_F_GetFID(f);
        GIntBig had = count;
        if (u->n >= count && !units_grow(u, &count)) { /* the driver's count was short */
            OGR_F_Destroy(f);
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s", l->what);
        }
        if (count != had) {
            unsigned char *s2 = realloc(*seam, (size_t)count);
            if (s2)
                *seam = s2;
            GIntBig *f2 = s2 ? realloc(*fid, (size_t)count * sizeof **fid) : NULL;
            if (f2)
                *fid = f2;
            if (!s2 || !f2) {
                OGR_F_Destroy(f);
                return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s", l->what);
            }
        }
        (*fid)[u->n] = id;
        st = unit_attr_read(ctx, l, uf, f, &u->attr[u->n]);
        OGRGeometryH g = OGR_F_StealGeometry(f);
        OGR_F_Destroy(f);
        if (st != ISR_OK) {
            OGR_G_DestroyGeometry(g);
            u->geom[u->n++] = NULL; /* so that the attributes read are freed */
            return st;
        }
        if ((st = unit_polygon(ctx, l, ct, lonlat, id, g, u, *seam)) != ISR_OK)
            return st;
    }
    return st;
}

/* Every feature of the layer as a unit, each polygon's validity checked on the run's threads
 * (unit_validity) and the invalid ones repaired in the layer's order; fids lists the first
 * invalid ones. */
static isr_status units_read(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                             const unit_fields *uf, OGRCoordinateTransformationH ct,
                             GIntBig count, isr_units *u, char *fids, size_t nfids)
{
    size_t cap = (size_t)(count > 0 ? count : 1);
    unsigned char *seam = calloc(cap, 1);
    GIntBig *fid = calloc(cap, sizeof *fid);
    isr_status st = seam && fid ? units_read_all(ctx, l, uf, ct, count, u, &seam, &fid)
                                : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s",
                                           l->what);
    unsigned char *valid = st == ISR_OK ? calloc((size_t)(u->n ? u->n : 1), 1) : NULL;
    if (st == ISR_OK && !valid)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s", l->what);
    if (st == ISR_OK) {
        unit_valid v = {ctx, u->geom, valid};
        isr_parallel(isr_options_threads(opt), u->n, unit_validity, &v);
        for (int i = 0; i < u->n; i++)
            unit_finish(ctx, l, u, i, fid[i], seam[i], valid[i], fids, nfids);
    }
    free(valid);
    free(seam);
    free(fid);
    return st;
}

isr_status isr_units_find_overlaps(isr_ctx *ctx, const isr_layer *l, isr_units *u,
                                   char **warning)
{
    double t_ov = isr_now_s();
    isr_status st = units_check_overlaps(ctx, l, u, warning);
    isr_log(ctx, ISR_LOG_DEBUG, "%s: overlap check of %d units in %.2f s", l->what, u->n,
            isr_now_s() - t_ov);
    return st;
}

isr_status isr_units_check_overlaps(isr_ctx *ctx, const isr_layer *l, isr_units *u)
{
    char *warning = NULL;
    isr_status st = isr_units_find_overlaps(ctx, l, u, &warning);
    if (warning)
        isr_log(ctx, ISR_LOG_WARN, "%s", warning);
    free(warning);
    return st;
}

/* A unit far from all the others (latitude and longitude swapped, a stray copy, a remote
 * island) makes the region's box, and so the grid and every region-wide pass, many times
 * larger than the rest need: warned when leaving one unit out would make the box at least 4
 * times smaller, unless that unit meets the others' box and is as large as it. Each side's
 * two extremes give every unit's box-without-it at once. */
static void units_warn_outlier(isr_ctx *ctx, const isr_layer *l, const isr_units *u)
{
    if (u->n < 3)
        return;
    double lo[4][2], v;
    int at[4] = {-1, -1, -1, -1};
    for (int k = 0; k < 4; k++)
        lo[k][0] = lo[k][1] = INFINITY;
    for (int i = 0; i < u->n; i++) {
        const OGREnvelope *e = &u->env[i];
        const double key[4] = {e->MinX, e->MinY, -e->MaxX, -e->MaxY}; /* each side, smallest */
        for (int k = 0; k < 4; k++) {
            if ((v = key[k]) < lo[k][0]) {
                lo[k][1] = lo[k][0];
                lo[k][0] = v;
                at[k] = i;
            } else if (v < lo[k][1]) {
                lo[k][1] = v;
            }
        }
    }
    double full = (-lo[2][0] - lo[0][0]) * (-lo[3][0] - lo[1][0]), best = 1, bw = 0, bh = 0;
    int worst = -1;
    for (int i = 0; i < u->n; i++) {
        double s[4];
        for (int k = 0; k < 4; k++)
            s[k] = lo[k][at[k] == i];
        double w = -s[2] - s[0], h = -s[3] - s[1];
        const OGREnvelope *e = &u->env[i];
        if (!(w > 0 && h > 0 && full / (w * h) > best))
            continue;
        /* a unit that meets the others' box and is as large as it (the region itself, with
         * specks of enclaves and islets in and beside it) is not far from them; one that
         * reaches it only by a stray part or vertex is */
        int around = e->MinX <= -s[2] && e->MaxX >= s[0] && e->MinY <= -s[3] &&
                     e->MaxY >= s[1] && OGR_G_Area(u->geom[i]) >= w * h;
        if (!around) {
            best = full / (w * h);
            worst = i;
            bw = w;
            bh = h;
        }
    }
    if (worst >= 0 && best >= 4)
        isr_log(ctx, ISR_LOG_WARN,
                "%s: unit '%s' (feature %lld) lies far from the others: without it the region's "
                "box, and the grid, would be %.0f times smaller (%.0f × %.0f km instead of %.0f × "
                "%.0f km). If it belongs there (a remote island), keep it; else check its "
                "coordinates (longitude and latitude swapped?), or leave it out",
                l->what, u->attr[worst].code[0], u->attr[worst].fid, best, bw / 1e3, bh / 1e3,
                (-lo[2][0] - lo[0][0]) / 1e3, (-lo[3][0] - lo[1][0]) / 1e3);
}

isr_status isr_units_load(isr_ctx *ctx, const isr_options *opt, const isr_layer *l,
                          OGRSpatialReferenceH srs, isr_units *u)
{
    memset(u, 0, sizeof *u);
    unit_fields uf;
    isr_status fst = unit_fields_find(ctx, opt, l, &uf);
    if (fst != ISR_OK)
        return fst;
    OGRCoordinateTransformationH ct = isr_layer_transform_to(ctx, l, srs);
    if (!ct)
        return ISR_ERR_CRS;
    isr_status st = ISR_OK;
    GIntBig count = OGR_L_GetFeatureCount(l->lyr, 1);
    u->geom = calloc((size_t)(count > 0 ? count : 1), sizeof *u->geom);
    u->env = calloc((size_t)(count > 0 ? count : 1), sizeof *u->env);
    u->attr = calloc((size_t)(count > 0 ? count : 1), sizeof *u->attr);
    u->has_pop = uf.pop >= 0 || uf.pop_missing;
    if (!u->geom || !u->env || !u->attr) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory reading %s", l->what);
        goto cleanup;
    }
    u->xmin = u->ymin = 1e300;
    u->xmax = u->ymax = -1e300;
    char fids[160] = ""; /* the first invalid features, for the warning */
    if ((st = units_read(ctx, opt, l, &uf, ct, count, u, fids, sizeof fids)) != ISR_OK)
        goto cleanup;
    if ((st = units_check_codes(ctx, opt, l, u, uf.code[0] >= 0)) != ISR_OK)
        goto cleanup;
    units_check_derived(ctx, opt, l, &uf, u);
    units_fill_levels(ctx, opt, l, u);
    if ((st = units_check_hierarchy(ctx, l, u)) != ISR_OK)
        goto cleanup;
    units_report_unknown_pop(ctx, opt, l, &uf, u);
    units_report_pop_scale(ctx, opt, l, u);
    units_warn_outlier(ctx, l, u);
    if (u->njoined)
        isr_log(ctx, ISR_LOG_INFO,
                "%s: %d unit%s split at the 180° meridian joined into one polygon again",
                l->what, u->njoined, u->njoined > 1 ? "s" : "");
    if (u->ninvalid) /* a warning: the data were changed */
        isr_log(ctx, ISR_LOG_WARN,
                "%s: %d invalid polygon(s) (feature%s %s), %d repaired with GEOS MakeValid",
                l->what, u->ninvalid, u->ninvalid > 1 ? "s" : "", fids, u->nrepaired);
cleanup:
    OCTDestroyCoordinateTransformation(ct);
    if (st != ISR_OK)
        isr_units_clear(u);
    return st;
}

void isr_units_clear(isr_units *u)
{
    for (int i = 0; i < u->n; i++) {
        if (u->geom)
            OGR_G_DestroyGeometry(u->geom[i]);
        for (int k = 0; u->attr && k < ISR_NLEVELS; k++) {
            free(u->attr[i].code[k]);
            free(u->attr[i].name[k]);
            free(u->attr[i].name_en[k]);
        }
    }
    free(u->geom);
    free(u->env);
    free(u->attr);
    memset(u, 0, sizeof *u);
}
