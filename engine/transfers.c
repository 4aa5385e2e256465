/*
 * transfers.c — links between stations for a change of train on foot or by metro.
 *
 * Two sources, applied in this order onto the rail network (rail.c keeps the links and
 * its search uses them): every pair of stations within --transfer-radius (straight line)
 * is linked both ways by its local travel time, distance × detour ÷ egress speed (the
 * grid's uniform local travel; a friction raster is not consulted); then the rows of the
 * --transfers CSV table (from_id,to_id,minutes[,directed][,source…]) set their links,
 * replacing a radius link of the same direction. The table is read whole and checked
 * before any link is set: unknown ids are listed together with their line numbers; any
 * other bad row fails naming its line. The default table is the sample's, and it applies
 * only to the sample's stations. Cost: O(stations²) for the radius (a few hundred
 * stations: well under a millisecond) plus O(rows × links) for the table.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "internal.h"

#include <cpl_vsi.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TABLE_BYTES (16 << 20)

const char *isr_transfers_table(const isr_options *opt)
{
    if (!opt->transfers)
        return NULL;
#ifdef ISR_SAMPLE_DIR
    /* the sample's table by default goes with the sample's stations only */
    /* in GTFS mode: the sample's feed alone (its station ids are the sample's) */
    const char *owner = opt->ngtfs > 0 ? (opt->ngtfs == 1 ? opt->gtfs[0] : NULL) : opt->stations;
    if (isr_sample_default_unused(opt, "--transfers", opt->transfers,
                                  ISR_SAMPLE_DIR "/yrd_transfers.csv", owner,
                                  opt->ngtfs > 0 ? ISR_SAMPLE_DIR "/yrd_gtfs.zip"
                                                 : ISR_SAMPLE_DIR "/yrd_rail_stations.shp"))
        return NULL;
#endif
    return opt->transfers;
}

/* The whole file at `path` (a path, or an http(s) URL) as a NUL-terminated string. */
static isr_status read_table(isr_ctx *ctx, const char *path, char **text)
{
    *text = NULL;
    char *vsi = NULL; /* a URL: its local copy (fetch.c); a FIFO or device refused */
    isr_status fst = isr_source_check(ctx, "transfers", path, &vsi);
    if (fst != ISR_OK)
        return fst;
    if (!vsi)
        vsi = strdup(path);
    if (!vsi)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    VSILFILE *f = VSIFOpenL(vsi, "rb");
    free(vsi);
    if (!f)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "transfers '%s': cannot open it (%s); give a CSV file with the columns "
                        "from_id,to_id,minutes, or --transfers none",
                        path, errno ? strerror(errno) : "not found");
    char *buf = malloc(MAX_TABLE_BYTES + 1);
    size_t n = buf ? VSIFReadL(buf, 1, MAX_TABLE_BYTES + 1, f) : 0;
    VSIFCloseL(f);
    if (!buf)
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (n > MAX_TABLE_BYTES) {
        free(buf);
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "transfers '%s': larger than %d MB; a transfers table has one row per "
                        "link between stations",
                        path, MAX_TABLE_BYTES >> 20);
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        free(buf);
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "transfers '%s': holds NUL bytes, it is not a CSV text file", path);
    }
    *text = buf;
    return ISR_OK;
}

/* One row of the table, checked. */
typedef struct row {
    int a, b, both, line;
    double s;
} row;

enum { C_FROM, C_TO, C_MIN, C_DIR, NCOLS };

/* The column of each field name in the header (-1: absent). */
static isr_status header_columns(isr_ctx *ctx, const char *path, const isr_csv *c,
                                 int col[NCOLS])
{
    static const char *names[NCOLS] = {"from_id", "to_id", "minutes", "directed"};
    for (int k = 0; k < NCOLS; k++)
        col[k] = isr_csv_col(c, names[k]);
    for (int k = 0; k < C_DIR; k++)
        if (col[k] < 0) {
            isr_sb head = {0};
            for (int i = 0; i < c->nhead; i++)
                isr_sb_printf(&head, "%s%s", i ? "," : "", c->head[i]);
            char *h = isr_sb_take(&head);
            isr_status st = isr_fail(ctx, ISR_ERR_INPUT,
                                     "transfers '%s': no column '%s' in the header (line %d: "
                                     "'%s'); the table needs the columns from_id,to_id,minutes "
                                     "(directed and source are optional)",
                                     path, names[k], c->line, h ? h : "");
            free(h);
            return st;
        }
    return ISR_OK;
}

/* 1 for a directed row, 0 for both directions, -1 for a value that is neither. */
static int directed_value(const char *v)
{
    static const char *yes[] = {"1", "yes", "true", "y"}, *no[] = {"", "0", "no", "false", "n"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (strcmp(v, yes[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (strcmp(v, no[i]) == 0)
            return 0;
    return -1;
}

/* Checks one data row (ids known, minutes finite > 0, directed readable); an unknown id is
 * appended to `unknown` (not a failure yet: they are listed together). */
static isr_status parse_row(isr_ctx *ctx, const char *path, const isr_rail_net *net,
                            char **field, int nf, const int col[NCOLS], int lineno, row *r,
                            isr_sb *unknown, int *nunknown)
{
    for (int c = 0; c < NCOLS; c++)
        if (col[c] >= nf)
            return isr_fail(ctx, ISR_ERR_INPUT,
                            "transfers '%s' line %d: %d field%s, the header has a column %d; "
                            "give from_id,to_id,minutes on every row",
                            path, lineno, nf, nf == 1 ? "" : "s", col[c] + 1);
    const char *ids[2] = {field[col[C_FROM]], field[col[C_TO]]};
    int st_no[2];
    for (int k = 0; k < 2; k++) {
        if (!*ids[k])
            return isr_fail(ctx, ISR_ERR_INPUT, "transfers '%s' line %d: %s is empty", path,
                            lineno, k ? "to_id" : "from_id");
        if ((st_no[k] = isr_rail_net_find(net, ids[k])) < 0) {
            if (*nunknown < 10)
                isr_sb_printf(unknown, "%sline %d '%s'", *nunknown ? ", " : "", lineno,
                                  ids[k]);
            (*nunknown)++;
        }
    }
    char *end;
    const char *m = field[col[C_MIN]];
    double v = isr_strtod(m, &end);
    if (end == m || *end || !isfinite(v) || !(v > 0))
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "transfers '%s' line %d: minutes '%s' is not a number greater than 0; "
                        "give the link's travel time in minutes",
                        path, lineno, m);
    int dir = col[C_DIR] >= 0 ? directed_value(field[col[C_DIR]]) : 0;
    if (dir < 0)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "transfers '%s' line %d: directed '%s' is not 1 or 0 (yes or no)", path,
                        lineno, field[col[C_DIR]]);
    if (strcmp(ids[0], ids[1]) == 0)
        return isr_fail(ctx, ISR_ERR_INPUT,
                        "transfers '%s' line %d: from_id and to_id are both '%s'; a link joins "
                        "two stations",
                        path, lineno, ids[0]);
    *r = (row){st_no[0], st_no[1], !dir, lineno, v * 60.0};
    return ISR_OK;
}

/* The rows of the table at `path` (csv.c's reader), checked; *rows is new memory (free()). */
static isr_status read_rows(isr_ctx *ctx, const char *path, const isr_rail_net *net, row **rows,
                            int *nrows, const char *ids)
{
    char *text = NULL;
    *rows = NULL;
    *nrows = 0;
    isr_sb unknown = {0};
    isr_csv c;
    char none[1] = "";
    int nunknown = 0, cap = 0, col[NCOLS] = {-1, -1, -1, -1};
    isr_status st = read_table(ctx, path, &text);
    isr_csv_init(&c, st == ISR_OK ? text : none);
    int r = st == ISR_OK ? isr_csv_header(&c) : 0;
    if (st == ISR_OK && r == 0)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "transfers '%s': empty; the table needs a header from_id,to_id,minutes",
                      path);
    if (st == ISR_OK && r == 1)
        st = header_columns(ctx, path, &c, col);
    while (st == ISR_OK && r == 1 && (r = isr_csv_next(&c)) == 1) {
        int blank = 1;
        for (int i = 0; i < c.nf && blank; i++)
            blank = !*c.f[i];
        if (blank)
            continue; /* a row of commas */
        int extra = 0; /* a field past the header's that holds something ("a,b,5," is not) */
        for (int i = c.nhead; i < c.nf; i++)
            extra = extra || *c.f[i];
        if (extra) { /* "5,5": a decimal comma, or a column without a header */
            st = isr_fail(ctx, ISR_ERR_INPUT,
                          "transfers '%s' line %d: %d fields, the header has %d; quote a "
                          "field that holds a comma, write minutes with a decimal point "
                          "(2.5), and name every column in the header",
                          path, c.line, c.nf, c.nhead);
            break;
        }
        if (*nrows == cap) {
            cap = cap ? 2 * cap : 64;
            row *np = realloc(*rows, (size_t)cap * sizeof *np);
            if (!np) {
                st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
                break;
            }
            *rows = np;
        }
        st = parse_row(ctx, path, net, c.f, c.nf, col, c.line, &(*rows)[*nrows], &unknown,
                       &nunknown);
        (*nrows)++;
    }
    if (st == ISR_OK && r == -1)
        st = isr_fail(ctx, ISR_ERR_INPUT, "transfers '%s' line %d: a quote is not closed", path,
                      c.line);
    if (st == ISR_OK && r == -2)
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    if (st == ISR_OK && nunknown > 0)
        st = isr_fail(ctx, ISR_ERR_INPUT,
                      "transfers '%s': %d station id%s not in the stations: %s%s; use the "
                      "%s",
                      path, nunknown, nunknown == 1 ? " is" : "s are",
                      unknown.s ? unknown.s : "", nunknown > 10 ? ", …" : "", ids);
    isr_csv_clear(&c);
    free(unknown.s);
    free(text);
    if (st != ISR_OK) {
        free(*rows);
        *rows = NULL;
        *nrows = 0;
    }
    return st;
}

/* Sets the table's links over the radius links; a direction given twice fails. */
static isr_status apply_rows(isr_ctx *ctx, const char *path, isr_rail_net *net, const row *rows,
                             int nrows, int *nset)
{
    *nset = 0;
    for (int i = 0; i < nrows; i++)
        for (int d = 0; d < (rows[i].both ? 2 : 1); d++) {
            int a = d ? rows[i].b : rows[i].a, b = d ? rows[i].a : rows[i].b;
            int k = isr_rail_net_link_find(net, a, b);
            double s;
            int ka, kb, line = 0;
            if (k >= 0)
                isr_rail_net_link(net, k, &ka, &kb, &s, &line);
            if (line > 0)
                return isr_fail(ctx, ISR_ERR_INPUT,
                                "transfers '%s' line %d: the link '%s' → '%s' is already given "
                                "on line %d; keep one",
                                path, rows[i].line, isr_rail_station_id(net, a),
                                isr_rail_station_id(net, b), line);
            if (isr_rail_net_set_link(net, a, b, rows[i].s, rows[i].line))
                return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
            (*nset)++;
        }
    return ISR_OK;
}

int isr_transfers_radius(isr_rail_net *net, const isr_options *opt, int first)
{
    int n = isr_rail_net_nstations(net);
    double r = opt->transfer_radius_m, spm = opt->detour * 3.6 / opt->egress_speed_kmh;
    for (int a = first; r > 0 && a < n; a++)
        for (int b = 0; b < n; b++) {
            if (!(b < first || b > a)) /* each pair once */
                continue;
            double xa, ya, xb, yb;
            isr_rail_station_xy(net, a, &xa, &ya);
            isr_rail_station_xy(net, b, &xb, &yb);
            double d = hypot(xb - xa, yb - ya);
            if (!(d <= r))
                continue;
            if (isr_rail_net_set_link(net, a, b, d * spm, 0) ||
                isr_rail_net_set_link(net, b, a, d * spm, 0))
                return -1;
        }
    return 0;
}

isr_status isr_transfers_add(isr_ctx *ctx, const isr_options *opt, isr_rail_net *net)
{
    int ntable = 0, nrows = 0;
    double r = opt->transfer_radius_m;
    if (isr_transfers_radius(net, opt, 0))
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory");
    const char *path = isr_transfers_table(opt);
    row *rows = NULL;
    isr_status st = ISR_OK;
    const char *ids = opt->ngtfs > 1   ? "GTFS station ids, each after its feed's number as "
                                         "--hubs takes them (1:A, 2:B; a stop's "
                                         "parent_station, or the stop itself when it has none)"
                      : opt->ngtfs > 0 ? "GTFS station ids (a stop's parent_station, or the "
                                         "stop itself when it has none)"
                                       : "stations' --station-id values";
    if (path && (st = read_rows(ctx, path, net, &rows, &nrows, ids)) == ISR_OK)
        st = apply_rows(ctx, path, net, rows, nrows, &ntable);
    free(rows);
    int nr = 0, nt = 0;
    isr_transfers_count(net, &nr, &nt);
    if (st == ISR_OK && nr + nt > 0 && path)
        isr_log(ctx, ISR_LOG_INFO,
                "transfers: %d links between stations, one way each (%d within %g m, %d from "
                "'%s')",
                nr + nt, nr, r, nt, path);
    else if (st == ISR_OK && nr + nt > 0) /* not "0 from 'no table'" */
        isr_log(ctx, ISR_LOG_INFO,
                "transfers: %d links between stations within %g m, one way each (no table)",
                nr + nt, r);
    return st;
}

void isr_transfers_count(const isr_rail_net *net, int *radius, int *table)
{
    *radius = *table = 0;
    for (int i = 0; i < isr_rail_net_nlinks(net); i++) {
        int a, b, line;
        double s;
        isr_rail_net_link(net, i, &a, &b, &s, &line);
        (*(line > 0 ? table : radius))++;
    }
}
