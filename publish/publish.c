/*
 * publish.c — isr_publish: the publication of a finished run, the styles (styles.c), then the
 * web map (webmap.c) beside the maps (maps.c), each read back from the run's outputs in its
 * folder.
 *
 * It holds the folder's lock for the whole call (files.c: isr_out_lock, through
 * isr_options_of_run, which also completes the options from OUT/run.json, so that a folder
 * without a finished run is refused before anything is written). A cancel is checked between
 * the parts and inside the maps; every file goes through a temporary name, so an interrupted
 * call leaves whole files only, and says which part it stopped in.
 */
#include "publish_internal.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

/* The QGIS styles and project, from run.json and the products they style. */
static isr_status publish_styles(isr_ctx *ctx, const char *out)
{
    isr_style_inputs in;
    json_object *run = NULL;
    isr_status st = isr_style_inputs_read(ctx, out, &in, &run);
    if (st == ISR_OK) {
        st = isr_styles_write(ctx, &in);
        isr_style_inputs_clear(&in);
    }
    json_object_put(run);
    return st;
}

/* Whether the maps were drawn in `out` before (the contact sheet is drawn last). */
static int maps_drawn(const char *out)
{
    char *sheet = isr_strdup_printf("%s/region/contact_sheet.png", out);
    int drawn = sheet && isr_file_exists(sheet);
    free(sheet);
    return drawn;
}

/* The web map, on a thread of its own beside the maps (publish_parts). */
typedef struct webmap_job {
    isr_ctx *ctx;
    const isr_options *eff;
    isr_status st;
} webmap_job;

static int webmap_run(void *arg)
{
    webmap_job *w = arg;
    isr_gdal_errors_push(w->ctx); /* GDAL's handlers are per thread */
    w->st = isr_webmap_write(w->ctx, w->eff->out, isr_options_threads(w->eff),
                             isr_lang_name(w->eff->lang));
    isr_gdal_errors_pop();
    return 0;
}

/* Whether the maps are to be drawn, with the warnings about maps an earlier run drew. */
static int maps_wanted(isr_ctx *ctx, const isr_options *eff, unsigned what)
{
    const char *out = eff->out;
    int maps = (what & ISR_PUBLISH_MAPS) && !eff->no_maps;
    /* a run with --no-maps into a folder whose maps an earlier run drew: they stay as they
     * were, which may be another budget or other hubs */
    char q[ISR_SHQ_MAX]; /* the folder in a command to paste */
    if ((what & ISR_PUBLISH_MAPS) && eff->no_maps && maps_drawn(out))
        isr_log(ctx, ISR_LOG_WARN,
                "the maps in '%s' were drawn by an earlier run and not redrawn (--no-maps): if "
                "its hubs or settings differ from this one's, redraw them with isoreach map "
                "--out %s, or delete them",
                out, isr_shq(out, q, sizeof q));
    /* maps drawn from older tables would show the old units and people: redraw them */
    if (!maps && (what & ISR_PUBLISH_MAPS_IF_DRAWN) && maps_drawn(out)) {
        if (eff->no_maps)
            isr_log(ctx, ISR_LOG_WARN,
                    "the maps in '%s' still show the earlier reach tables (--no-maps): redraw "
                    "them with isoreach map --out %s",
                    out, isr_shq(out, q, sizeof q));
        else
            maps = 1;
    }
    return maps;
}

/* The parts of `what` on the options `eff` of the run in eff->out: the styles, then the web
 * map beside the maps with more than one thread (the maps begin with loading, mostly on one
 * thread: the web map fills another core). *part names the part that was running when the
 * call stopped. */
static isr_status publish_parts(isr_ctx *ctx, const isr_options *eff, unsigned what,
                                const char **part)
{
    isr_status st = ISR_OK;
    /* a cancel is checked after each part, so it is said with the part it came in */
    if (what & ISR_PUBLISH_STYLES) {
        *part = "the QGIS styles";
        if ((st = publish_styles(ctx, eff->out)) != ISR_OK || isr_cancelled(ctx))
            return st == ISR_OK ? ISR_ERR_INTERRUPTED : st;
    }
    int maps = maps_wanted(ctx, eff, what);
    webmap_job w = {ctx, eff, ISR_OK};
    thrd_t tid;
    int beside = 0;
    if (what & ISR_PUBLISH_WEBMAP) {
        *part = "the web map";
        beside = maps && isr_options_threads(eff) > 1 &&
                 thrd_create(&tid, webmap_run, &w) == thrd_success;
        if (!beside && (webmap_run(&w), w.st != ISR_OK || isr_cancelled(ctx)))
            return w.st == ISR_OK ? ISR_ERR_INTERRUPTED : w.st;
    }
    if (maps) {
        *part = "the maps";
        st = isr_maps_write(ctx, eff);
    }
    if (beside) {
        thrd_join(tid, NULL);
        if (w.st != ISR_OK) { /* the web map's error first: it began first */
            *part = "the web map";
            return w.st;
        }
    }
    if (st != ISR_OK || isr_cancelled(ctx))
        return st == ISR_OK ? ISR_ERR_INTERRUPTED : st;
    return ISR_OK;
}

isr_status isr_publish(isr_ctx *ctx, const isr_options *opt, const char *out_dir, unsigned what)
{
    isr_ctx_reset(ctx);
    isr_ctx_set_timeout(ctx, opt->timeout_s);
    isr_gdal_errors_push(ctx);
    isr_options o = *opt; /* opt with this folder: isr_options_of_run copies what it needs */
    if (out_dir)
        o.out = out_dir;
    isr_options eff;
    char *lock = NULL;
    const char *part = NULL;
    isr_status st = isr_options_of_run(ctx, &o, "map", &eff, &lock);
    /* --no-maps as the run recorded it holds for the run's own publication (a merge's: its
     * shards'), not for isoreach map or reach, which were asked for the maps */
    if (st == ISR_OK && what != ISR_PUBLISH_ALL)
        eff.no_maps = o.no_maps; /* as given to this call */
    /* isoreach map draws in every hub's folder: none may lead outside --out (a run's own
     * publication draws its hubs', which the run made, isr_mkdirs_under) */
    if (st == ISR_OK && what != ISR_PUBLISH_ALL)
        st = isr_out_links_check(ctx, o.out);
    if (st == ISR_OK && isr_cancelled(ctx)) /* a cancel that came before the call */
        st = ISR_ERR_INTERRUPTED;
    if (st == ISR_OK && (what & ~(ISR_PUBLISH_ALL | ISR_PUBLISH_MAPS_IF_DRAWN)))
        st = isr_fail(ctx, ISR_ERR_USAGE, "isr_publish: unknown parts 0x%x",
                      what & ~(ISR_PUBLISH_ALL | ISR_PUBLISH_MAPS_IF_DRAWN));
    if (st == ISR_OK)
        st = publish_parts(ctx, &eff, what, &part);
    /* a credit and a language given to the maps stay theirs when they are redrawn (by
     * reach, or map without them) */
    if (st == ISR_OK && (what & ISR_PUBLISH_MAPS) && !eff.no_maps)
        st = isr_options_record_maps(ctx, &o);
    if (st == ISR_OK) /* OUT/README.md with the styles, web map and maps now there */
        st = isr_out_readme_write(ctx, eff.out);
    /* a cancel reaches the writers as a status without a message (the first one wins) */
    char q[ISR_SHQ_MAX]; /* the folder in a command to paste */
    if (st == ISR_ERR_INTERRUPTED && part && strcmp(part, "the maps") == 0)
        isr_fail(ctx, st,
                 "interrupted while drawing the maps; the other outputs are complete: draw the "
                 "maps with isoreach map --out %s",
                 isr_shq(o.out, q, sizeof q));
    else if (st == ISR_ERR_INTERRUPTED && part)
        isr_fail(ctx, st,
                 "interrupted while writing %s; the other outputs are complete: run the same "
                 "command again to finish",
                 part);
    else if (st == ISR_ERR_IO && part) /* a full disk, a folder not writable */
        isr_fail_more(ctx, " (writing %s; the tables and rasters are complete: run the same "
                           "command again to finish)",
                      part);
    else if (st == ISR_ERR_INTERRUPTED) /* the run's or reach's tables are written by then */
        isr_fail(ctx, st,
                 "interrupted before the styles, web map and maps of '%s' were written: they "
                 "may show earlier tables; run the same command again to finish",
                 o.out);
    isr_out_unlock(lock);
    isr_options_clear(&eff);
    isr_gdal_errors_pop();
    return st;
}

const char *isr_water_credit(const char *water, char *buf, size_t n)
{
    const char *base = water ? strrchr(water, '/') : NULL;
    base = base ? base + 1 : water;
    if (!base || !*base)
        snprintf(buf, n, "%s", "");
    else if (strcmp(base, "yrd_water.shp") == 0) /* shapefiles/README.md: GSHHG, LGPL */
        snprintf(buf, n, "%s", "GSHHG (Wessel & Smith, LGPL)");
    else
        snprintf(buf, n, "%s", base);
    return buf;
}
