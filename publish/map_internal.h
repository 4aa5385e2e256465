/*
 * map_internal.h — the map modules as seen by each other and by tests/test_maps.c:
 *   map_canvas.c  a tiny map canvas on cairo + pango: world → page transform, shapes,
 *                 labels that avoid each other, scale bar, north arrow;
 *   map_render.c  one drawing rendered to PNG and SVG via temporary names, world files;
 *   map_layers.c  what every page shares: colours, layout, boundaries, rail, stations,
 *                 legend rows, title and attribution;
 *   map_data.c    what the maps draw, read back from a finished run: boundaries (counties,
 *                 provinces as the run dissolved them), rail lines and stations, hub bands;
 *   map_hub.c, map_region.c  the pages: one per hub; two region overviews, a contact sheet;
 *   maps.c        isr_maps_write: loading, then every page in parallel.
 * Coordinates are in the run's analysis CRS (metres, equal-area) until the canvas turns
 * them into page pixels (y down). Colours are sRGB in 0..1.
 */
#ifndef ISR_MAP_INTERNAL_H
#define ISR_MAP_INTERNAL_H

#include "publish_internal.h"

#include <cairo.h>

/* ---- geometry for drawing ------------------------------------------------------------- */

/* Polygon rings or line strings: part k has len[k] points, (x, y) pairs in xy. */
typedef struct isr_shape {
    int nparts, npts;
    int *len;
    double *xy;
    double bbox[4]; /* xmin, ymin, xmax, ymax */
} isr_shape;

/* Appends the rings (polygons) or the line strings of an OGR geometry. 0, or -1 when out of
 * memory. */
int isr_shape_add_ogr(isr_shape *s, OGRGeometryH g);
/* Appends n points (x, y pairs in xy) as a new part of s, its box grown. 0, or -1. */
int isr_shape_add_points(isr_shape *s, const double *xy, int n);
void isr_shape_clear(isr_shape *s);
/* The outlines of n polygon shapes with every edge once (out[i]: open lines, the edges of
 * shape i that no earlier shape has; an edge is two vertices, equal to the bit, in either
 * order): neighbours that share their vertices, as a coverage of counties does, draw their
 * common border once instead of twice; an edge that one shape has twice is inside it (the
 * seam of a unit split at the 180° meridian) and not drawn. 0, or -1 when memory runs out
 * (out[] then freed). */
int isr_shape_edges_once(const isr_shape *in, int n, isr_shape **out);
/* Grows bbox (xmin, ymin, xmax, ymax; start with +INF, +INF, -INF, -INF) by the shape's. */
void isr_bbox_add(double bbox[4], const double other[4]);

/* ---- colours and page layout (shared with the tests) ---------------------------------- */

typedef struct isr_rgba {
    double r, g, b, a;
} isr_rgba;

#define ISR_MAP_W 1600 /* hub and overview maps: page size in pixels */
#define ISR_MAP_H 1200
#define ISR_MAP_BAND_ALPHA 0.8
#define ISR_MAP_SQUARE 1080 /* hubs/<id>/map_square.png: width and height in pixels */

/* Land inside the boundaries; bands and rasters are drawn over it. */
extern const isr_rgba isr_map_land;
/* Colour of band i of n (0 = nearest the hub, darkest), opaque: isr_band_color(). */
isr_rgba isr_map_band_colour(int i, int n);
/* Colour of class i of n of the hubs-within map (1 hub … n or more), opaque. */
isr_rgba isr_map_count_colour(int i, int n);
/* The 8-bit RGB a PNG shows where band i of n is drawn over land (alpha blended). */
void isr_map_band_pixel(int i, int n, unsigned char rgb[3]);
/* Where a legend swatch k is drawn on a hub or overview map page: x, y, w, h in pixels. */
void isr_map_legend_swatch(int k, double rect[4]);
/* The map panel of hub and overview maps: x, y, w, h in pixels. */
void isr_map_panel(double rect[4]);
/* The contact sheet for n hubs: page size, and the map square of thumbnail i (x, y, w, h);
 * each thumbnail is centred on its hub's bands, all at one scale. */
void isr_map_sheet_size(int n, int *w, int *h);
void isr_map_sheet_cell(int n, int i, double rect[4]);

/* ---- the canvas ----------------------------------------------------------------------- */

typedef struct isr_canvas {
    cairo_t *cr;
    void *layout; /* PangoLayout, reused for every text */
    double page_w, page_h;
    double panel[4];        /* map panel on the page: x, y, w, h */
    double wx0, wy0, scale; /* world x at the panel's left, y at its top; pixels per metre */
    double (*boxes)[4];     /* page boxes taken by labels, symbols and furniture */
    int nboxes, capboxes;
    double *buf; /* scratch for one shape part in page coordinates: two halves of ncap */
    size_t ncap;
    int *idx; /* scratch for the simplification */
    /* SVG pages: text is not drawn as glyph outlines but appended here as <text> elements
     * (same position, font, size and colour), so that it can be edited and translated;
     * NULL on PNG and PDF pages, which draw it */
    isr_sb *svg_text;
    double text_scale; /* every text size is multiplied by it (1; bigger on small pages) */
} isr_canvas;

/* Fits the world box `world` (xmin, ymin, xmax, ymax), centred and with equal scales, into
 * the panel (x, y, w, h) of the page. */
void isr_canvas_frame(isr_canvas *cv, const double panel[4], const double world[4]);
/* World (analysis CRS) → page pixels. */
void isr_canvas_xy(const isr_canvas *cv, double x, double y, double *u, double *v);
/* Paints a raster image over the world box `world` (xmin, ymin, xmax, ymax), its pixels
 * kept sharp (nearest): a classified region or difference raster. */
void isr_canvas_image(isr_canvas *cv, cairo_surface_t *img, const double world[4]);
/* The world box the panel shows. */
void isr_canvas_world(const isr_canvas *cv, double world[4]);
/* Restricts drawing to the panel (cairo_save'd: undo with cairo_restore). */
void isr_canvas_clip_panel(isr_canvas *cv);
/* Fills or strokes a shape (vertices closer than half a pixel dropped; parts outside the
 * panel skipped). `dash` may be NULL. */
void isr_canvas_fill(isr_canvas *cv, const isr_shape *s, isr_rgba c);
void isr_canvas_stroke(isr_canvas *cv, const isr_shape *s, int closed, isr_rgba c, double width_px,
                       const double *dash, int ndash);
void isr_canvas_rect(isr_canvas *cv, const double r[4], isr_rgba fill, isr_rgba line,
                     double width_px);
/* A point symbol: a circle of radius r_px (fill, outline), or with star != 0 a five-point
 * star. */
void isr_canvas_symbol(isr_canvas *cv, double u, double v, double r_px, int star, isr_rgba fill,
                       isr_rgba line, double width_px);
/* Text with its box's point (ax, ay) (0..1 of its width and height) at page (u, v). With
 * halo > 0 it is outlined in white first. Fills box (x0, y0, x1, y1) when not NULL. A
 * negative wrap_px: no wrapping. */
void isr_canvas_text(isr_canvas *cv, double u, double v, double ax, double ay, const char *text,
                     double size_px, int bold, isr_rgba c, double halo, double wrap_px,
                     double box[4]);
/* Size of a text without drawing it. */
void isr_canvas_text_size(isr_canvas *cv, const char *text, double size_px, int bold,
                          double wrap_px, double *w, double *h);
/* Marks a page box (x0, y0, x1, y1) as taken: labels avoid it. */
void isr_canvas_reserve(isr_canvas *cv, const double box[4]);
/* A label beside a symbol of radius r_px at (u, v): the first of eight positions around it
 * that stays inside the panel and clear of every reserved box (r_px < 0: only centred on the
 * point). Returns 1 when placed; with `force` the first position is used even when taken. */
int isr_canvas_label(isr_canvas *cv, double u, double v, double r_px, const char *text,
                     double size_px, int bold, isr_rgba c, int force);
/* A scale bar in kilometres with its lower left corner at (u, v), at most max_px long. */
void isr_canvas_scale_bar(isr_canvas *cv, double u, double v, double max_px);
/* A north arrow at (u, v) pointing at `angle` radians clockwise from page up. */
void isr_canvas_north_arrow(isr_canvas *cv, double u, double v, double angle);

/* Starts drawing on cr with the thread's fonts (a page of w × h pixels); ends, freeing what
 * the canvas holds. */
void isr_canvas_begin(isr_canvas *cv, cairo_t *cr, void *fonts, int w, int h);
void isr_canvas_end(isr_canvas *cv);

/* Draws one page; called once for the PNG and once for the SVG. */
typedef void (*isr_draw_fn)(isr_canvas *cv, void *user);

/* Loads the fontconfig configuration once, before threads draw (they would each load it). */
void isr_map_fonts_init(void);
/* The fonts of one thread (a pango font map: not thread-safe, so one per thread, freed with
 * everything fontconfig loaded for it). NULL when out of memory. */
void *isr_map_fonts_new(void);
void isr_map_fonts_free(void *fonts);

/* Renders `draw` on a w × h page to `png` and to `svg` (either may be NULL), each written
 * under a temporary name and renamed, with the calling thread's `fonts`. The SVG is sized in
 * pixels like the PNG and carries `title` and `desc` (plain UTF-8, escaped here) as its
 * <title> and <desc>, so its text is searchable and read by screen readers although cairo
 * draws glyphs as outlines. */
isr_status isr_canvas_render(isr_ctx *ctx, void *fonts, const char *png, const char *svg, int w,
                             int h, isr_draw_fn draw, void *user, const char *title,
                             const char *desc);
/* Renders `draw` to a one-page PDF of (w × h pixels) × ISR_MAP_PDF_PT points (text as text,
 * fonts embedded), written under a temporary name and renamed. */
#define ISR_MAP_PDF_PT 0.5
isr_status isr_canvas_render_pdf(isr_ctx *ctx, void *fonts, const char *pdf, int w, int h,
                                 isr_draw_fn draw, void *user);
/* Writes a world file (.pgw) for a PNG drawn on `cv`: its pixels in the analysis CRS. */
isr_status isr_canvas_world_file(isr_ctx *ctx, const isr_canvas *cv, const char *path);

/* ---- the run's data, as drawn ---------------------------------------------------------- */

typedef struct isr_map_station {
    char *id, *name, *name_en;
    double x, y;
    int main; /* a hub of the run, or flagged as a hub in the stations input */
} isr_map_station;

typedef struct isr_map_base {
    isr_lang lang; /* --lang: the words and the names on every page */
    char *wkt;                                         /* the analysis CRS */
    OGRCoordinateTransformationH to_wgs84, from_wgs84; /* lon/lat order */
    double budget_min, cell_m;
    int direction_to;
    int has_water; /* the run had --water cells: the maps leave them unshaded, and say so */
    /* the model, for the captions (run.json "parameters"; NAN when absent) */
    double speed_kmh, detour, dwell_min, transfer_min;
    char wait[32]; /* "timetable" in GTFS mode: the waits and dwells are the timetable's */
    int sample_rail; /* the rail network is the sample's, authored (not a timetable) */
    int pop_raster;  /* the people are a --population raster's, not spread within counties */
    double people_any; /* people within the budget of any hub (units.geojson); NAN: unknown */
    int people_any_unknown; /* units the budget reaches whose population is unknown: left out
                             * of people_any, and said */
    isr_shape *counties, *provinces, *lines;
    /* the counties' and provinces' outlines, each border once (isr_shape_edges_once); NULL:
     * the maps stroke every outline */
    isr_shape *county_edges, *province_edges;
    int ncounties, nprovinces, nlines;
    char **county_names;   /* ncounties */
    char **county_names_en; /* ncounties: name_en, or NULL */
    double *county_label;  /* ncounties (x, y): a point inside each county */
    char **province_names; /* nprovinces */
    char **province_names_en; /* nprovinces: prov_en, or NULL */
    isr_map_station *st;
    int nst;
    int *hubs; /* station index of each hub of the run (nearest_hub.csv order) */
    int nhubs;
    double region[4]; /* the boundaries' box */
    char *attribution;
    int units_scanned; /* the counties were read by polyscan.c (1) or OGR (0) */
    int provinces_scanned; /* the provinces likewise */
} isr_map_base;

/* Reads what every map draws: the grid CRS (OUT/region/nearest_hub_time.tif), the budget
 * and inputs (OUT/run.json), the counties (OUT/region/units.geojson) and their provinces
 * (OUT/region/provinces.geojson; dissolved here only for runs without it), the rail lines and stations (the run's inputs, fields
 * named in `opt`), the hubs (OUT/region/nearest_hub.csv). Fails naming the file. */
isr_status isr_map_base_load(isr_ctx *ctx, const isr_options *opt, isr_map_base *b);
void isr_map_base_clear(isr_map_base *b);
/* Frees the base's county_edges and province_edges (NULL after). */
void isr_map_base_edges_clear(isr_map_base *b);

/* One hub's bands and rail times. */
typedef struct isr_map_hub {
    int hub; /* index into base->hubs */
    int nbands;
    double lo[ISR_MAX_BANDS], hi[ISR_MAX_BANDS], pop[ISR_MAX_BANDS], km2[ISR_MAX_BANDS];
    isr_shape ring[ISR_MAX_BANDS];
    double bbox[4];   /* of the bands; empty (+INF…) when nothing is reached */
    double *rail_min; /* per base station, NAN where no train reaches */
    double north;     /* north arrow angle on its map (radians clockwise from up) */
    /* summary.csv: people reached, and outside the hub's province (NAN: unknown) */
    double people, people_out_prov, share_out_prov;
    int pop_unknown; /* counties reached whose population is unknown (summary.csv) */
    char *prov_name; /* the hub's province (summary.csv), or NULL */
    int rings_scanned; /* the bands were read by polyscan.c (1) or OGR (0) */
} isr_map_hub;

/* The contact sheet's order: the hubs by people reached, most first (unknown last; ties in
 * the run's order); order[i] is the hub in thumbnail i. */
void isr_map_sheet_order(const isr_map_hub *hubs, int n, int *order);

/* Reads OUT/hubs/<id>/isochrones.geojson ("ring" features) and stations.csv. */
isr_status isr_map_hub_load(isr_ctx *ctx, const isr_map_base *b, const char *out, int hub,
                            isr_map_hub *h);
void isr_map_hub_clear(isr_map_hub *h);

/* ---- words and names in the run's language (--lang) ------------------------------------- */

/* `en` or `zh` by lang; ISR_LANG_BOTH: "zh en" (a new string in buf, n bytes). Returns buf or
 * one of the two. */
const char *isr_map_tr(isr_lang lang, char *buf, size_t n, const char *en, const char *zh);
/* The same for two printf formats that take the same arguments in the same order. */
const char *isr_map_trf(isr_lang lang, char *buf, size_t n, const char *en, const char *zh, ...);
/* The same, with each "{}" of en replaced by name_en (NULL or "": name_zh) and of zh by
 * name_zh, before the arguments are formatted. */
const char *isr_map_trn(isr_lang lang, char *buf, size_t n, const char *en, const char *zh,
                        const char *name_en, const char *name_zh, ...);
/* A station's English name (name_en, else its name) and its name, into en and zh. */
void isr_map_station_names(const isr_map_station *s, char *en, size_t n_en, char *zh,
                           size_t n_zh);
/* A place's name: zh is the input's name, en its English one (NULL or "": the zh name is
 * used, the fallback). */
const char *isr_map_name(isr_lang lang, char *buf, size_t n, const char *zh, const char *en);
/* A station's name in the run's language (English: name_en, else its name). */
const char *isr_map_station_name(const isr_map_base *b, const isr_map_station *s, char *buf,
                                 size_t n);

/* The English name of a station: its name_en, or its id with '_' as spaces, capitalised. New
 * string. */
char *isr_map_english_name(const isr_map_station *s);

/* ---- map_layers.c: what every page shares ------------------------------------------- */

extern const isr_rgba isr_map_ink, isr_map_grey, isr_map_outside, isr_map_county_line,
    isr_map_province_line, isr_map_rail, isr_map_rail_dark, isr_map_rail_sheet, isr_map_white,
    isr_map_hub_fill;

#define ISR_MAP_SIDE_X 1250.0 /* the legend column of hub and overview pages */
#define ISR_MAP_SIDE_W 322.0

/* Legend symbols. */
enum {
    ISR_SYM_HUB,
    ISR_SYM_MAIN,
    ISR_SYM_REACHED,
    ISR_SYM_OTHER,
    ISR_SYM_RAIL,
    ISR_SYM_RAIL_DARK,
    ISR_SYM_PROVINCE,
    ISR_SYM_COUNTY
};

/* "8.98 M", "512 k"; "15–30 min" (thousands: isr_fmt_thousands). The _l forms in a
 * language: zh "898万", "15–30分钟"; both: zh then en. */
void isr_map_fmt_people(char *buf, size_t n, double people);
void isr_map_fmt_minutes(char *buf, size_t n, double lo, double hi);
void isr_map_fmt_people_l(isr_lang lang, char *buf, size_t n, double people);
void isr_map_fmt_minutes_l(isr_lang lang, char *buf, size_t n, double lo, double hi);
/* The model's assumptions and sources as one paragraph in the run's language: local speed
 * and detour, waits, dwell and changes, budget, grid, "authored sample" when it is, people
 * spread evenly within each county. */
void isr_map_caption(const isr_map_base *b, char *buf, size_t n);
/* "Places past M min are not shaded." when hub h's last band ends before the budget (--bands
 * 15,30,45 of a 60-minute budget: the headline counts the people within 60, the map shades
 * to 45), into buf; NULL when the bands reach the budget. */
const char *isr_map_unshaded(const isr_map_base *b, const isr_map_hub *h, char *buf, size_t n);

/* The panel's background (outside the region) and the land of every province. */
void isr_map_draw_land(isr_canvas *cv, const isr_map_base *b);
/* County outlines (county_w pixels; 0: none) and province outlines. */
void isr_map_draw_boundaries(isr_canvas *cv, const isr_map_base *b, double county_w, double prov_w);
/* A hub's isochrone rings filled in their band colours, see-through (ISR_MAP_BAND_ALPHA). */
void isr_map_fill_bands(isr_canvas *cv, const isr_map_hub *h);
/* Rail lines w pixels wide in colour c, on a white casing when `casing`. */
void isr_map_draw_rail(isr_canvas *cv, const isr_map_base *b, double w, isr_rgba c, int casing);
/* County names where a county spans at least min_px and there is room. */
void isr_map_draw_county_names(isr_canvas *cv, const isr_map_base *b, double min_px);
/* Province names (size_px, spaced capitals in English) inside the view where a province
 * covers enough of it. */
void isr_map_draw_province_names(isr_canvas *cv, const isr_map_base *b, double size_px);
/* Stations in view: hubs (labelled, nearest by rail first), stations reached within `budget`
 * by rail (rail_min per station, NULL: none; labelled smaller after the hubs), others;
 * `hub_station` (or -1) as the star with its label. Labels placed are appended to `labels` when not NULL. */
void isr_map_draw_stations(isr_canvas *cv, const isr_map_base *b, const double *rail_min,
                           double budget, int hub_station, isr_sb *labels);

/* A legend symbol in a box w wide, centred vertically on v. */
void isr_map_legend_symbol(isr_canvas *cv, int sym, double u, double v, double w);
/* A legend row (symbol, text) in the legend column at y; returns the next row's y. */
double isr_map_legend_row(isr_canvas *cv, double y, int sym, const char *text);
/* Legend swatch k (at isr_map_legend_swatch(k)) in colour c at `alpha` over the land, with
 * its text and a note on the right (or NULL); returns the swatch's bottom. */
double isr_map_legend_entry(isr_canvas *cv, int k, isr_rgba c, double alpha, const char *text,
                            const char *note);
/* White page, title and subtitle (shrunk to one line each), attribution and credit. */
void isr_map_page_frame(isr_canvas *cv, const char *title, const char *subtitle,
                        const char *attribution);
/* The start of every single-map page: the page frame, the map panel framed on `world`,
 * drawing clipped to the panel, and the land under everything else. */
void isr_map_page_begin(isr_canvas *cv, const char *title, const char *subtitle,
                        const isr_map_base *b, const double world[4]);
void isr_map_panel_border(isr_canvas *cv);
/* Scale bar bottom left, north arrow (at `north` radians) top right of the panel. */
/* Width at the panel's top (px) that the north arrow's box and the margins either side of a
 * top-left box take: such a box stays narrower than the panel less this. */
#define ISR_MAP_ARROW_ROOM 80.0
void isr_map_panel_furniture(isr_canvas *cv, double north);
/* The direction of true north at the centre of a world box: radians clockwise from up. */
double isr_map_north_angle(const isr_map_base *b, const double world[4]);

/* ---- map_hub.c, map_region.c: the pages ---------------------------------------------- */

enum { ISR_MAP_TIME, ISR_MAP_COUNT, ISR_MAP_NEAREST }; /* the region overviews */

/* The world box a hub's page shows (before fitting to the panel). */
void isr_map_hub_frame(const isr_map_base *b, const isr_map_hub *h, double world[4]);
/* The parts of a hub's page, drawn by different threads, the longest first: map.pdf; map.png
 * and map.svg; map_square.png and map.pgw; the people-by-minute chart (map_chart.c). */
enum { ISR_MAP_PART_PDF, ISR_MAP_PART_PAGE, ISR_MAP_PART_SQUARE, ISR_MAP_PART_CHART,
       ISR_MAP_HUB_PARTS };
/* One part (ISR_MAP_PART_*) of OUT/hubs/<id>/'s maps. */
isr_status isr_map_hub_write(isr_ctx *ctx, void *fonts, const isr_map_base *b, const isr_map_hub *h,
                             const char *out, int part);
/* OUT/region/map_nearest_hub_time.* (ISR_MAP_TIME, classed by the bands of `first`),
 * map_hubs_within.* (ISR_MAP_COUNT) or map_nearest_hub.* (ISR_MAP_NEAREST: each hub's area
 * in a categorical colour, isr_hub_classes); PNG, SVG, PDF and world file. */
isr_status isr_map_overview_write(isr_ctx *ctx, void *fonts, const isr_map_base *b,
                                  const isr_map_hub *first, const char *out, int kind);
/* The contact sheet of the n hubs (OUT/region/contact_sheet.png, .svg) to png_path and
 * svg_path (either may be NULL: the two are drawn by different threads). */
isr_status isr_map_sheet_write(isr_ctx *ctx, void *fonts, const isr_map_base *b,
                               const isr_map_hub *hubs, int n, const char *png_path,
                               const char *svg_path);

/* ---- map_chart.c: a hub's people-vs-minutes chart ----------------------------------- */

#define ISR_MAP_CHART_W 1200
#define ISR_MAP_CHART_H 760
typedef struct isr_map_chart {
    double plot[4];          /* the plot on the page: x, y, w, h in pixels */
    double max_min, max_value; /* the axes' upper limits (y rounded up) */
} isr_map_chart;
/* The axes for minutes 0..max_min and values 0..max_value; a point in page pixels. */
void isr_map_chart_axes(double max_min, double max_value, isr_map_chart *c);
void isr_map_chart_xy(const isr_map_chart *c, double minute, double value, double *u, double *v);
/* OUT/hubs/<id>/people_by_minute.png and .svg from that folder's people_by_minute.csv (none
 * for a run without the table). */
isr_status isr_map_chart_write(isr_ctx *ctx, void *fonts, const isr_map_base *b,
                               const isr_map_hub *h, const char *out);

/* ---- map_diff.c: a scenario's difference map ----------------------------------------- */

/* OUT/scenarios/<scen>/hubs/<id>/map_diff.png, .svg, .pgw for the hub h (its baseline bands
 * frame the page) from that folder's diff.tif and gains.csv. */
isr_status isr_map_diff_write(isr_ctx *ctx, void *fonts, const isr_map_base *b,
                              const isr_map_hub *h, const char *out, const char *scen);
/* The 8-bit RGB a PNG shows where a cell of diff.tif status `status` (1 both, 2 newly within,
 * 3 lost) is drawn over land. */
void isr_map_diff_pixel(int status, unsigned char rgb[3]);

#endif /* ISR_MAP_INTERNAL_H */
