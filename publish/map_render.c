/*
 * map_render.c — one drawing function rendered to a PNG and to an SVG page, each written under
 * a temporary name and renamed when complete (every write checked: a full disk fails naming
 * the file and the reason, and leaves no partial file), and the PNG's world file. Cairo writes SVG text
 * as glyph outlines, so the SVG gets the page's title and a description (the labels) as
 * <title> and <desc>, injected into cairo's output stream after the root start tag, whose
 * width and height are also rewritten from points to pixels to match the PNG.
 */
#include "map_internal.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <png.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- output ---------------------------------------------------------------------------------- */

/* cairo's SVG output, kept in memory (an isr_sb) until the page is complete. */
static cairo_status_t svg_collect(void *closure, const unsigned char *data, unsigned int len)
{
    isr_sb *o = closure;
    isr_sb_add(o, data, len);
    return o->oom ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

/* Element text: valid UTF-8, markup escaped, and the control characters XML 1.0 forbids
 * (all below 0x20 but tab and line breaks, not even as references) as U+FFFD. */
static void xml_escaped(FILE *f, const char *text)
{
    char *clean = text ? isr_utf8_clean(text, strlen(text), NULL) : NULL;
    for (const char *s = clean ? clean : ""; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
                fputs("\xEF\xBF\xBD", f);
            else
                fputc(*s, f);
        }
    }
    free(clean);
}

/* cairo names some elements with a process-wide counter ("surface891", "image971"), so the
 * same page drawn after more or fewer others would differ. Renumbered per document in order
 * of appearance, the SVG depends on the page alone, whatever the thread count. */
typedef struct svg_ids {
    const char *prefix;
    long old[64];
    int n;
} svg_ids;

/* Writes s[0..len) renumbering "surfaceN" and "imageN" where they follow '"' or '#'. */
static void write_renumbered(FILE *f, const char *s, size_t len)
{
    svg_ids ids[] = {{"surface", {0}, 0}, {"image", {0}, 0}};
    size_t i = 0, last = 0;
    for (; i < len; i++) {
        if (s[i] != '"' && s[i] != '#')
            continue;
        for (size_t k = 0; k < sizeof ids / sizeof *ids; k++) {
            size_t pl = strlen(ids[k].prefix), j = i + 1 + pl;
            if (j >= len || strncmp(s + i + 1, ids[k].prefix, pl) != 0 ||
                !(s[j] >= '0' && s[j] <= '9'))
                continue;
            long v = 0;
            size_t e = j;
            for (; e < len && s[e] >= '0' && s[e] <= '9'; e++)
                v = v * 10 + (s[e] - '0');
            int m = 0;
            while (m < ids[k].n && ids[k].old[m] != v)
                m++;
            if (m == ids[k].n && m < 64)
                ids[k].old[ids[k].n++] = v;
            if (m == 64)
                continue; /* more than we renumber: left as cairo wrote it */
            fwrite(s + last, 1, j - last, f);
            isr_fprintf(f, "%d", m + 1);
            last = e;
            i = e - 1; /* the loop's i++ moves past the number */
            break;
        }
    }
    fwrite(s + last, 1, len - last, f);
}

/* Writes cairo's SVG with <title> and <desc> after the root element's start tag, its width
 * and height in pixels (cairo writes points), and its ids renumbered. 0, or -1 when the
 * root element is missing. */
static int svg_write(FILE *f, const isr_sb *o, const char *title, const char *desc,
                     const isr_sb *text)
{
    const char *s = o->s;
    const char *root = s ? strstr(s, "<svg") : NULL;
    const char *gt = root ? strchr(root, '>') : NULL;
    if (!gt)
        return -1;
    fwrite(s, 1, (size_t)(root - s), f);
    for (const char *p = root; p <= gt; p++) {
        if (p[0] == 'p' && p[1] == 't' && p[2] == '"')
            p++; /* width="1600pt" → width="1600": user units are pixels */
        else
            fputc(*p, f);
    }
    fputs("\n<title>", f);
    xml_escaped(f, title);
    fputs("</title>\n<desc>", f);
    xml_escaped(f, desc);
    fputs("</desc>", f);
    /* the page's text, as <text> elements over everything cairo drew */
    const char *end = NULL;
    for (const char *p = strstr(gt, "</svg>"); p; p = strstr(p + 1, "</svg>"))
        end = p;
    if (!end)
        return -1;
    write_renumbered(f, gt + 1, (size_t)(end - (gt + 1)));
    fputs("<g id=\"text\">\n", f);
    if (text->s)
        fwrite(text->s, 1, text->len, f);
    fputs("</g>\n", f);
    fputs(end, f);
    return 0;
}

/* The page's PNG, written with libpng rather than cairo's writer: the same pixels (8-bit RGB,
 * the same white bKGD chunk), but zlib level ISR_PNG_ZLEVEL and no row filter instead of
 * zlib's default level and adaptive filtering. Measured on the sample's maps, flat colours
 * compress better unfiltered: 4–5× faster to encode and ~13 % smaller files than cairo's. */
#define ISR_PNG_ZLEVEL 3

typedef struct png_out {
    FILE *f;
    int err; /* errno of the first failed write */
    char what[160]; /* libpng's own error message */
} png_out;

static void png_write_cb(png_structp png, png_bytep data, png_size_t len)
{
    png_out *o = png_get_io_ptr(png);
    if (fwrite(data, 1, len, o->f) != len) {
        o->err = errno ? errno : EIO;
        png_error(png, "write failed");
    }
}

static void png_flush_cb(png_structp png)
{
    (void)png;
}

static void png_error_cb(png_structp png, png_const_charp msg)
{
    png_out *o = png_get_error_ptr(png);
    if (!o->what[0])
        isr_snprintf(o->what, sizeof o->what, "%s", msg);
    png_longjmp(png, 1);
}

static void png_warning_cb(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* Encodes the RGB24 surface s into o->f. 0, or -1 (o->err or o->what say why). */
static int png_encode(cairo_surface_t *s, png_out *o, unsigned char *row)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, o, png_error_cb,
                                              png_warning_cb);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        isr_snprintf(o->what, sizeof o->what, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    png_set_write_fn(png, o, png_write_cb, png_flush_cb);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_color_16 white = {0, 255, 255, 255, 255};
    png_set_bKGD(png, info, &white);
    png_set_compression_level(png, ISR_PNG_ZLEVEL);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) {
        const uint32_t *px = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; x++) { /* cairo's RGB24: native-endian 0xXXRRGGBB */
            row[3 * x] = (unsigned char)(px[x] >> 16);
            row[3 * x + 1] = (unsigned char)(px[x] >> 8);
            row[3 * x + 2] = (unsigned char)px[x];
        }
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
}

static isr_status render_png(isr_ctx *ctx, void *fonts, const char *path, int w, int h,
                             isr_draw_fn draw, void *user)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(s);
    isr_canvas cv;
    isr_canvas_begin(&cv, cr, fonts, w, h);
    draw(&cv, user);
    isr_canvas_end(&cv);
    cairo_surface_flush(s);
    cairo_status_t cs = cairo_status(cr);
    isr_status st = ISR_OK;
    char *tmp = NULL;
    png_out o = {NULL, 0, ""};
    unsigned char *row = malloc((size_t)w * 3);
    if (cs != CAIRO_STATUS_SUCCESS)
        st = isr_fail(ctx, ISR_ERR_INTERNAL, "cannot draw '%s': %s", path,
                      cairo_status_to_string(cs));
    else if (!row)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "cannot write '%s': out of memory", path);
    else if ((st = isr_open_tmp(ctx, path, &tmp, &o.f)) != ISR_OK)
        ;
    else if (png_encode(s, &o, row) != 0) {
        isr_discard_tmp(o.f, tmp);
        st = isr_fail(ctx, o.err ? ISR_ERR_IO : ISR_ERR_INTERNAL, "cannot write '%s': %s", path,
                      o.err ? isr_write_reason(path, o.err) : o.what);
    } else
        st = isr_close_commit(ctx, o.f, tmp, path);
    free(row);
    free(tmp);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return st;
}

static isr_status render_svg(isr_ctx *ctx, void *fonts, const char *path, int w, int h,
                             isr_draw_fn draw, void *user, const char *title, const char *desc)
{
    isr_sb o = {0}, text = {0};
    cairo_surface_t *s = cairo_svg_surface_create_for_stream(svg_collect, &o, w, h);
    cairo_t *cr = cairo_create(s);
    isr_canvas cv;
    isr_canvas_begin(&cv, cr, fonts, w, h);
    cv.svg_text = &text;
    draw(&cv, user);
    isr_canvas_end(&cv);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    isr_status st = ISR_OK;
    char *tmp = NULL;
    FILE *f = NULL;
    if (cs != CAIRO_STATUS_SUCCESS || o.oom || text.oom) {
        st = isr_fail(ctx, o.oom || text.oom ? ISR_ERR_MEMORY : ISR_ERR_INTERNAL, "cannot draw '%s': %s",
                      path, cs != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(cs) : "out of memory");
    } else if ((st = isr_open_tmp(ctx, path, &tmp, &f)) != ISR_OK) {
        ;
    } else if (svg_write(f, &o, title, desc, &text) != 0) {
        isr_discard_tmp(f, tmp);
        st = isr_fail(ctx, ISR_ERR_INTERNAL, "cannot write '%s': cairo wrote no <svg> element",
                      path);
    } else {
        st = isr_close_commit(ctx, f, tmp, path);
    }
    free(tmp);
    free(o.s);
    free(text.s);
    return st;
}

isr_status isr_canvas_render_pdf(isr_ctx *ctx, void *fonts, const char *path, int w, int h,
                                 isr_draw_fn draw, void *user)
{
    isr_sb o = {0};
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(
        svg_collect, &o, w * ISR_MAP_PDF_PT, h * ISR_MAP_PDF_PT);
    /* the same document whatever the day: no creation date in the metadata */
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "isoreach");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, "");
    cairo_t *cr = cairo_create(s);
    cairo_scale(cr, ISR_MAP_PDF_PT, ISR_MAP_PDF_PT);
    isr_canvas cv;
    isr_canvas_begin(&cv, cr, fonts, w, h);
    draw(&cv, user);
    isr_canvas_end(&cv);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    /* cairo 1.16 (Debian 12) loses ~768 bytes a document writing the font subsets: not ours
     * to report in the sanitizer builds of the tests (as fontconfig's, map_canvas.c) */
#if defined(__SANITIZE_ADDRESS__)
    __lsan_disable();
#endif
    cairo_surface_finish(s);
#if defined(__SANITIZE_ADDRESS__)
    __lsan_enable();
#endif
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    isr_status st = ISR_OK;
    char *tmp = NULL;
    FILE *f = NULL;
    if (cs != CAIRO_STATUS_SUCCESS || o.oom) {
        st = isr_fail(ctx, o.oom ? ISR_ERR_MEMORY : ISR_ERR_INTERNAL, "cannot draw '%s': %s",
                      path, cs != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(cs) : "out of memory");
    } else if ((st = isr_open_tmp(ctx, path, &tmp, &f)) == ISR_OK) {
        fwrite(o.s, 1, o.len, f);
        st = isr_close_commit(ctx, f, tmp, path);
    }
    free(tmp);
    free(o.s);
    return st;
}

isr_status isr_canvas_render(isr_ctx *ctx, void *fonts, const char *png, const char *svg, int w,
                             int h, isr_draw_fn draw, void *user, const char *title,
                             const char *desc)
{
    isr_status st = ISR_OK;
    if (png)
        st = render_png(ctx, fonts, png, w, h, draw, user);
    if (st == ISR_OK && svg)
        st = render_svg(ctx, fonts, svg, w, h, draw, user, title, desc);
    return st;
}

isr_status isr_canvas_world_file(isr_ctx *ctx, const isr_canvas *cv, const char *path)
{
    char *tmp;
    FILE *f;
    isr_status st = isr_open_tmp(ctx, path, &tmp, &f);
    if (st != ISR_OK)
        return st;
    /* the centre of the page's top-left pixel, and the pixel size */
    double px = 1 / cv->scale;
    isr_fprintf(f, "%.6f\n0\n0\n%.6f\n%.4f\n%.4f\n", px, -px, cv->wx0 + (0.5 - cv->panel[0]) * px,
            cv->wy0 - (0.5 - cv->panel[1]) * px);
    st = isr_close_commit(ctx, f, tmp, path);
    free(tmp);
    return st;
}
