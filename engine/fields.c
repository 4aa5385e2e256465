/*
 * fields.c — every field flag checked against its layer before anything is read.
 *
 * A field flag that names no field must never be ignored: `--pop-field pop_2020` against a
 * layer holding `pop2020` would otherwise give zero people, `--line-stops` an all-stop
 * express. Required fields (a station id, a line's speed and headway, the hub flag without
 * --hubs) must always exist; optional ones (names, hierarchy, population, minutes, stops,
 * back headways) may be absent while left at their default, but a flag the user gave must
 * name a field. The value "none" turns an optional field off on purpose. Every problem of
 * every layer is reported in one message, with the fields each layer does have, so a user
 * fixes all of them in one go.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct field_flag {
    int layer;
    const char *flag;
    size_t off; /* of the const char * field in isr_options */
    int required;
} field_flag;

#define FF(layer, flag, field, req) {layer, flag, offsetof(isr_options, field), req}

static const field_flag field_flags[] = {
    FF(ISR_LAYER_BOUNDARIES, "--unit-id", unit_id_field, 0),
    FF(ISR_LAYER_BOUNDARIES, "--unit-name", unit_name_field, 0),
    FF(ISR_LAYER_BOUNDARIES, "--pref-field", pref_field, 0),
    FF(ISR_LAYER_BOUNDARIES, "--pref-name", pref_name_field, 0),
    FF(ISR_LAYER_BOUNDARIES, "--prov-field", prov_field, 0),
    FF(ISR_LAYER_BOUNDARIES, "--prov-name", prov_name_field, 0),
    FF(ISR_LAYER_BOUNDARIES, "--unit-name-en", unit_name_en_field, 0),
    FF(ISR_LAYER_BOUNDARIES, "--pref-name-en", pref_name_en_field, 0),
    FF(ISR_LAYER_BOUNDARIES, "--prov-name-en", prov_name_en_field, 0),
    FF(ISR_LAYER_BOUNDARIES, "--pop-field", pop_field, 0),
    FF(ISR_LAYER_STATIONS, "--station-id", station_id_field, 1),
    FF(ISR_LAYER_STATIONS, "--station-name", station_name_field, 0),
    FF(ISR_LAYER_STATIONS, "--station-name-en", station_name_en_field, 0),
    FF(ISR_LAYER_STATIONS, "--hub-field", hub_field, 1),
    FF(ISR_LAYER_LINES, "--line-name", line_name_field, 0),
    FF(ISR_LAYER_LINES, "--line-speed", line_speed_field, 1),
    FF(ISR_LAYER_LINES, "--line-headway", line_headway_field, 1),
    FF(ISR_LAYER_LINES, "--line-headway-back", line_headway_back_field, 0),
    FF(ISR_LAYER_LINES, "--line-minutes", line_minutes_field, 0),
    FF(ISR_LAYER_LINES, "--line-stops", line_stops_field, 0),
};

/* The layer's field names, "a, b, c" (or "none"). */
static void field_list(isr_sb *b, OGRLayerH lyr)
{
    OGRFeatureDefnH d = OGR_L_GetLayerDefn(lyr);
    int n = OGR_FD_GetFieldCount(d);
    for (int i = 0; i < n; i++)
        isr_sb_printf(b, "%s%s", i ? ", " : "", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(d, i)));
    if (n == 0)
        isr_sb_printf(b, "none");
}

/* Whether `flag` names a field of a level that is 'none' (--pref-name with --pref-field
 * none): no field is read for it. */
static int names_of_no_level(const isr_options *opt, const char *flag)
{
    const char *level = strncmp(flag, "--pref-name", 11) == 0   ? opt->pref_field
                        : strncmp(flag, "--prov-name", 11) == 0 ? opt->prov_field
                                                                : "";
    return level && strcmp(level, "none") == 0;
}

isr_status isr_fields_check(isr_ctx *ctx, const isr_options *opt,
                            const struct isr_layer *const layers[ISR_NLAYERS])
{
    isr_sb b = {0};
    int problems = 0;
    for (int l = 0; l < ISR_NLAYERS; l++) {
        const isr_layer *ly = layers[l];
        if (!ly || !ly->lyr)
            continue;
        OGRFeatureDefnH d = OGR_L_GetLayerDefn(ly->lyr);
        int here = 0;
        for (size_t k = 0; k < sizeof field_flags / sizeof *field_flags; k++) {
            const field_flag *ff = &field_flags[k];
            if (ff->layer != l)
                continue;
            const char *name = *(const char *const *)((const char *)opt + ff->off);
            if (names_of_no_level(opt, ff->flag))
                continue;
            /* the hub flag is not needed when --hubs names the hubs */
            int required = ff->required && !(strcmp(ff->flag, "--hub-field") == 0 && opt->hubs);
            const char *why = NULL;
            if (!name || strcmp(name, "none") == 0) {
                if (required)
                    why = "is required and cannot be 'none'";
                else
                    continue;
            } else if (OGR_FD_GetFieldIndex(d, name) >= 0) {
                continue;
            } else if (!required && !isr_options_explicit(opt, ff->flag)) {
                continue; /* an optional field left at its default may be absent */
            }
            isr_sb_printf(&b, "%s", here ? ", " : problems ? "; " : "");
            if (!here)
                isr_sb_printf(&b, "%s: ", ly->what);
            if (why)
                isr_sb_printf(&b, "%s %s", ff->flag, why);
            else /* a flag of an earlier run's run.json (reach, map): said, it was not typed */
                isr_sb_printf(&b, "no field '%s' (%s%s)", name, ff->flag,
                              isr_options_given(opt, ff->flag) || !isr_options_explicit(opt, ff->flag)
                                  ? ""
                                  : ", as the run had it: run.json");
            here++;
            problems++;
        }
        if (here) {
            isr_sb_printf(&b, " — its fields are: ");
            field_list(&b, ly->lyr);
        }
    }
    if (!problems)
        return ISR_OK;
    char *msg = isr_sb_take(&b);
    isr_status st = msg ? isr_fail(ctx, ISR_ERR_INPUT,
                                   "%d field flag%s name%s no field: %s. Give the names as they "
                                   "are in the data (or 'none' to go without an optional field)",
                                   problems, problems > 1 ? "s" : "", problems > 1 ? "" : "s",
                                   msg)
                        : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    free(msg);
    return st;
}
