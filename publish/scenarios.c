/*
 * scenarios.c — the scenarios of a finished run as publication sees them: their names (the
 * keys of run.json's "options"."--scenario", in the order given) and, per scenario, the hubs
 * whose surface changed (OUT/scenarios/NAME/scenario.json "changed_hubs"): only those have a
 * folder OUT/scenarios/NAME/hubs/<folder>/ with diff.tif, gains.csv and gains.geojson to
 * style, map and show. A run without --scenario has none; a folder left from an earlier run
 * with other scenarios is not read (run.json says which are this run's). Nor are the
 * scenarios of a run whose tables `isoreach reach` recounted on other boundaries or people
 * (run.json's "reach"."scenarios_not_recounted", rereach.c): their gains count the run's, and
 * beside the recounted baseline they would mislead; they come back with a run that
 * recomputes them.
 */
#include "publish_internal.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* One scenario's changed hubs, from its scenario.json. */
static isr_status read_one(isr_ctx *ctx, const char *out, isr_pub_scen *s)
{
    char *path = isr_strdup_printf("%s/scenarios/%s/scenario.json", out, s->name);
    if (!path)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    json_object *root = json_object_from_file(path), *ch = NULL;
    isr_status st = ISR_OK;
    if (!root || !json_object_object_get_ex(root, "changed_hubs", &ch) ||
        !json_object_is_type(ch, json_type_array))
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "scenario '%s': '%s' %s; run isoreach run again into --out '%s'", s->name,
                      path, root ? "has no \"changed_hubs\"" : "is missing or not readable JSON",
                      out);
    int n = st == ISR_OK ? (int)json_object_array_length(ch) : 0;
    if (st == ISR_OK && !(s->changed = calloc((size_t)(n ? n : 1), sizeof *s->changed)))
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int i = 0; i < n && st == ISR_OK; i++) {
        const char *id = json_object_get_string(json_object_array_get_idx(ch, (size_t)i));
        if (!(s->changed[i] = strdup(id ? id : "")))
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        s->nchanged = i + 1;
    }
    json_object_put(root);
    free(path);
    return st;
}

isr_status isr_pub_scenarios_read(isr_ctx *ctx, const char *out, isr_pub_scens *sc)
{
    memset(sc, 0, sizeof *sc);
    char *path = isr_strdup_printf("%s/run.json", out);
    if (!path)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    json_object *root = json_object_from_file(path), *opts = NULL, *scen = NULL;
    isr_status st = ISR_OK;
    if (!root)
        st = isr_fail(ctx, ISR_ERR_INPUT, "'%s' is not readable JSON; run isoreach run again "
                      "into --out '%s'", path, out);
    json_object *re = NULL;
    /* none shown after a reach: their gains are the run's, the baseline recounted */
    int stale = root && json_object_object_get_ex(root, "reach", &re) &&
                json_object_object_get_ex(re, "scenarios_not_recounted", NULL);
    if (st == ISR_OK && !stale && json_object_object_get_ex(root, "options", &opts) &&
        json_object_object_get_ex(opts, "--scenario", &scen) &&
        json_object_is_type(scen, json_type_object)) {
        int n = json_object_object_length(scen);
        if (!(sc->s = calloc((size_t)(n ? n : 1), sizeof *sc->s)))
            st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        json_object_object_foreach(scen, key, val) {
            (void)val;
            if (st != ISR_OK)
                break;
            isr_pub_scen *s = &sc->s[sc->n++];
            if (!(s->name = strdup(key)))
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
            else
                st = read_one(ctx, out, s);
        }
    }
    json_object_put(root);
    free(path);
    if (st != ISR_OK)
        isr_pub_scenarios_clear(sc);
    return st;
}

void isr_pub_scenarios_clear(isr_pub_scens *sc)
{
    for (int i = 0; sc->s && i < sc->n; i++) {
        for (int k = 0; k < sc->s[i].nchanged; k++)
            free(sc->s[i].changed[k]);
        free(sc->s[i].changed);
        free(sc->s[i].name);
    }
    free(sc->s);
    memset(sc, 0, sizeof *sc);
}

int isr_pub_scen_hub(const isr_pub_scen *s, const char *hub_id)
{
    for (int k = 0; k < s->nchanged; k++)
        if (strcmp(s->changed[k], hub_id) == 0)
            return 1;
    return 0;
}
