/*
 * csv.c — the one CSV reader: GTFS files (gtfs.c), the transfers table (transfers.c) and
 * the fuzz harness.
 *
 * RFC 4180 over a NUL-terminated text that it splits in place (the text is the
 * caller's and must outlive the fields): fields separated by ',', records by
 * LF, CRLF or a lone CR; a quoted field may hold commas, doubled quotes and
 * line breaks. A UTF-8 byte order mark at the start is skipped, blanks around
 * an unquoted field are dropped (GTFS feeds often write
 * ", "), and a line with nothing on it is no record. The first record is the
 * header: columns are found by name, so their order does not matter and unknown
 * columns are ignored. Cost: one pass over the text, no allocation but the
 * field array.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void isr_csv_init(isr_csv *c, char *text)
{
    memset(c, 0, sizeof *c);
    c->p = text;
    c->next_line = 1;
    if (strncmp(c->p, "\xEF\xBB\xBF", 3) == 0)
        c->p += 3;
}

void isr_csv_clear(isr_csv *c)
{
    free(c->f);
    free(c->head);
    memset(c, 0, sizeof *c);
}

static int push_field(isr_csv *c, char *f)
{
    if (c->nf == c->cap) {
        int cap = c->cap ? 2 * c->cap : 16;
        char **nf = realloc(c->f, (size_t)cap * sizeof *nf);
        if (!nf)
            return -1;
        c->f = nf;
        c->cap = cap;
    }
    c->f[c->nf++] = f;
    return 0;
}

/* Blanks (space, tab) off both ends of an unquoted field. */
static char *trim(char *s, char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *end = '\0';
    return s;
}

/* Reads one field at c->p; returns the character that ended it ('\0', ',',
 * '\n', '\r') or -1 for an unclosed quote. */
static int one_field(isr_csv *c, char **field)
{
    char *p = c->p, *start = p, *out = p;
    int quoted = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '"') {
        quoted = 1;
        start = out = p++;
        for (;;) {
            if (!*p)
                return -1;
            if (*p == '"' && p[1] == '"') {
                *out++ = '"';
                p += 2;
            } else if (*p == '"') {
                p++;
                break;
            } else {
                if (*p == '\n' || (*p == '\r' && p[1] != '\n'))
                    c->next_line++;
                *out++ = *p++;
            }
        }
    } else {
        p = start;
    }
    while (*p && *p != ',' && *p != '\n' && *p != '\r') /* after a closing quote: kept */
        *out++ = *p++;
    int end = (unsigned char)*p;
    if (!quoted)
        out = p;
    c->p = *p ? p + 1 : p;
    if (end == '\r' && *c->p == '\n')
        c->p++;
    if (quoted) {
        *out = '\0';
        *field = start;
    } else {
        *field = trim(start, out);
    }
    return end;
}

/* The next record that is not a blank line: 1, 0 at the end, -1 unclosed quote,
 * -2 memory. */
static int read_record(isr_csv *c)
{
    for (;;) {
        if (!*c->p)
            return 0;
        c->line = c->next_line;
        c->nf = 0;
        int end;
        do {
            char *f;
            end = one_field(c, &f);
            if (end < 0)
                return -1;
            if (push_field(c, f))
                return -2;
        } while (end == ',');
        if (end)
            c->next_line++;
        if (c->nf > 1 || *c->f[0])
            return 1;
    }
}

int isr_csv_header(isr_csv *c)
{
    int r = read_record(c);
    if (r != 1)
        return r;
    c->head = malloc((size_t)c->nf * sizeof *c->head);
    if (!c->head)
        return -2;
    memcpy(c->head, c->f, (size_t)c->nf * sizeof *c->head);
    c->nhead = c->nf;
    c->nf = 0;
    return 1;
}

int isr_csv_next(isr_csv *c) { return read_record(c); }

int isr_csv_col(const isr_csv *c, const char *name)
{
    for (int i = 0; i < c->nhead; i++)
        if (strcmp(c->head[i], name) == 0)
            return i;
    return -1;
}

const char *isr_csv_get(const isr_csv *c, int col)
{
    return col >= 0 && col < c->nf ? c->f[col] : "";
}
