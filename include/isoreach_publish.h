/*
 * isoreach_publish.h — the public API of libisoreach_publish: publication of a finished run
 * (QGIS styles and project, PNG/SVG maps, the offline web map). Installed as
 * <isoreach_publish.h>; link with `pkg-config --cflags --libs isoreach-publish` (which
 * brings libisoreach too).
 *
 * Publication is apart from the engine: libisoreach computes and writes the data products
 * and OUT/run.json and needs no cairo, pango or fontconfig; this library reads those
 * products back and draws from them, so it can run later, again, or not at all. The same
 * conventions as isoreach.h: every call returns an isr_status, the reason is on the context
 * (isr_ctx_errmsg), nothing is printed.
 *
 *     isr_run(ctx, opt);                                    // data products + run.json
 *     isr_publish(ctx, opt, NULL, ISR_PUBLISH_ALL);        // styles, web map, maps
 */
#ifndef ISOREACH_PUBLISH_H
#define ISOREACH_PUBLISH_H

#include "isoreach.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What isr_publish writes (or'ed together). */
#define ISR_PUBLISH_STYLES 0x1u /* a QGIS style (.qml) beside every raster and vector output,
                                   and OUT/isoreach.qgs, the project that opens them all */
#define ISR_PUBLISH_WEBMAP 0x2u /* OUT/index.html, the self-contained web map */
#define ISR_PUBLISH_MAPS 0x4u   /* the PNG/SVG maps: OUT/hubs/<id>/map.png, .svg, .pgw;
                                   OUT/region/map_nearest_hub_time.*, map_hubs_within.*,
                                   contact_sheet.png, .svg */
#define ISR_PUBLISH_MAPS_IF_DRAWN 0x8u /* the maps, only when the folder has them already
                                          (region/contact_sheet.png): after the tables changed
                                          (isr_reach_run). With the options' no_maps, a warning
                                          that they are out of date instead. */
#define ISR_PUBLISH_ALL (ISR_PUBLISH_STYLES | ISR_PUBLISH_WEBMAP | ISR_PUBLISH_MAPS)

/* Publishes the finished run in `out_dir` (NULL: opt->out): the parts `what` names, in the
 * order styles, web map, maps, each file written under a temporary name and renamed. It
 * reads only the run's outputs: OUT/run.json (bands, direction, hubs, the CRS, the flags of
 * the run), region/ (nearest_hub_time.tif, nearest_hub.csv, hubs_within.tif, units.geojson,
 * provinces.geojson, summary.json, rail_lines.geojson, rail_stations.geojson) and each hub's
 * travel_time.tif, isochrones.geojson, stations.csv and reach.csv. `opt` gives the flags of
 * publication (threads, map_attribution; no_maps leaves out ISR_PUBLISH_MAPS); the other
 * flags come from run.json unless given in opt. Takes the lock of the folder like isr_run.
 * Text on the maps needs a CJK font (Debian: fonts-noto-cjk).
 * ISR_ERR_INPUT when the folder holds no run.json or a product is missing or unreadable (the
 * message names it); ISR_ERR_INTERRUPTED after isr_ctx_cancel, with whole files only. */
ISR_API isr_status isr_publish(isr_ctx *ctx, const isr_options *opt, const char *out_dir,
                               unsigned what);

#ifdef __cplusplus
}
#endif
#endif /* ISOREACH_PUBLISH_H */
