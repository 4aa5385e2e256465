/*
 * rail.c — the rail network and the rail search.
 *
 * The network is a list of stations and of lines, each line an ordered list of stops with
 * run times and a headway per direction; a loop line also runs from its last stop back to
 * its first. The search runs Dijkstra over a small event
 * graph: one node per station, plus one "arrived at stop i on line l travelling in
 * direction d" node per stop and direction. Edges:
 *   board   station(s_i) → arrive(l, i±1, d): transfer + wait(l, d) + run
 *   ride    arrive(l, i, d) → arrive(l, i±1, d): dwell + run   (passing through stop i)
 *   alight  arrive(l, i, d) → station(s_i): 0
 * Every trip starts with exactly one boarding at its first station, so charging the
 * transfer on every boarding shifts every path by the same constant; the search
 * subtracts it again (exact, and no special "origin" node is needed). Towards the hub the
 * same graph is searched on reversed edges.
 *
 * Transfer links (local travel between two stations, transfers.c) add station → station
 * edges. A trip may then start or end on foot, so not every path holds a boarding and the
 * constant no longer applies to all: with links the graph gets two more copies of the
 * stations, P ("not yet boarded": walks, and boardings into the rail layer) and W (walks
 * only). From the hub the search starts at P and W and a station's time is
 * min(W, rail layer − transfer); towards it, it starts at the rail layer and W and reads
 * min(W, P − transfer). A network without links builds the graph and searches it exactly
 * as before (bit-identical times).
 *
 * Invariants: a search only reads the network (it builds its own graph for its own
 * parameters), so threads may search one network concurrently once it is loaded. Cost:
 * O(E log V) per search with V = stations + 2·stops: well under a millisecond for a region,
 * so the graph is rebuilt per search rather than cached.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct station {
    char *id, *name;
    char *name_en; /* NULL: none */
    double x, y;
    int hub;
} station;

typedef struct line {
    char *id, *name;
    int nstops;
    int loop;      /* trains go round: a closing segment from the last stop to the first */
    int *stops;
    double *run_s; /* nstops - 1 segments, nstops on a loop */
    double *offset_m; /* each stop's distance from the drawn line, or NULL (for reports) */
    double headway_min[2]; /* [0] in stop order, [1] against it */
} line;

struct isr_rail_net {
    station *st;
    int nst, cap_st;
    line *ln;
    int nln, cap_ln;
    char **notes; /* warnings about the network, for run.json */
    int nnotes;
    struct link { /* transfer links: local travel from station a to b */
        int a, b;
        double s;
        int line; /* the transfers table's line, or 0 for a link within the radius */
    } *links;
    int nlinks, cap_links;
};

isr_rail_net *isr_rail_net_new(void)
{
    isr_rail_net *net = calloc(1, sizeof *net);
    return net;
}

void isr_rail_net_free(isr_rail_net *net)
{
    if (!net)
        return;
    for (int i = 0; i < net->nst; i++) {
        free(net->st[i].id);
        free(net->st[i].name);
        free(net->st[i].name_en);
    }
    for (int i = 0; i < net->nln; i++) {
        free(net->ln[i].id);
        free(net->ln[i].name);
        free(net->ln[i].stops);
        free(net->ln[i].run_s);
        free(net->ln[i].offset_m);
    }
    for (int i = 0; i < net->nnotes; i++)
        free(net->notes[i]);
    free(net->notes);
    free(net->links);
    free(net->st);
    free(net->ln);
    free(net);
}

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

int isr_rail_net_add_station(isr_rail_net *net, const char *id, const char *name, double x,
                             double y, int hub)
{
    if (net->nst == net->cap_st) {
        int nc = net->cap_st ? 2 * net->cap_st : 64;
        station *p = realloc(net->st, (size_t)nc * sizeof *p);
        if (!p)
            return -1;
        net->st = p;
        net->cap_st = nc;
    }
    station *s = &net->st[net->nst];
    s->id = dup_or_empty(id);
    s->name = dup_or_empty(name);
    if (!s->id || !s->name) {
        free(s->id);
        free(s->name);
        return -1;
    }
    s->name_en = NULL;
    s->x = x;
    s->y = y;
    s->hub = hub;
    return net->nst++;
}

static isr_status add_line(isr_ctx *ctx, isr_rail_net *net, const char *id, const char *name,
                           int nstops, const int *stops, const double *run_s,
                           double headway_fwd_min, double headway_back_min, int loop)
{
    int nseg = loop ? nstops : nstops - 1;
    if (nstops < (loop ? 3 : 2))
        return isr_fail(ctx, ISR_ERR_INPUT, "line '%s' has %d stop(s); a %s needs %d", id,
                        nstops, loop ? "loop" : "line", loop ? 3 : 2);
    if (!(headway_fwd_min > 0) || !(headway_back_min > 0))
        return isr_fail(ctx, ISR_ERR_INPUT, "line '%s': headway must be positive minutes", id);
    for (int i = 0; i < nstops; i++)
        if (stops[i] < 0 || stops[i] >= net->nst)
            return isr_fail(ctx, ISR_ERR_INTERNAL, "line '%s': bad stop index", id);
    for (int i = 0; i < nseg; i++)
        if (!(run_s[i] >= 0) || !isfinite(run_s[i]))
            return isr_fail(ctx, ISR_ERR_INPUT, "line '%s': run time from stop %d is not valid",
                            id, i + 1);
    if (net->nln == net->cap_ln) {
        int nc = net->cap_ln ? 2 * net->cap_ln : 16;
        line *p = realloc(net->ln, (size_t)nc * sizeof *p);
        if (!p)
            return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory adding line '%s'", id);
        net->ln = p;
        net->cap_ln = nc;
    }
    line *l = &net->ln[net->nln];
    l->id = dup_or_empty(id);
    l->name = dup_or_empty(name);
    l->nstops = nstops;
    l->loop = loop;
    l->offset_m = NULL;
    l->stops = malloc((size_t)nstops * sizeof *l->stops);
    l->run_s = malloc((size_t)nseg * sizeof *l->run_s);
    if (!l->id || !l->name || !l->stops || !l->run_s) {
        free(l->id);
        free(l->name);
        free(l->stops);
        free(l->run_s);
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory adding line '%s'", id);
    }
    memcpy(l->stops, stops, (size_t)nstops * sizeof *stops);
    memcpy(l->run_s, run_s, (size_t)nseg * sizeof *run_s);
    l->headway_min[0] = headway_fwd_min;
    l->headway_min[1] = headway_back_min;
    net->nln++;
    return ISR_OK;
}

isr_status isr_rail_net_add_line(isr_ctx *ctx, isr_rail_net *net, const char *id,
                                 const char *name, int nstops, const int *stops,
                                 const double *run_s, double headway_fwd_min,
                                 double headway_back_min)
{
    return add_line(ctx, net, id, name, nstops, stops, run_s, headway_fwd_min, headway_back_min,
                    0);
}

isr_status isr_rail_net_add_loop(isr_ctx *ctx, isr_rail_net *net, const char *id,
                                 const char *name, int nstops, const int *stops,
                                 const double *run_s, double headway_fwd_min,
                                 double headway_back_min)
{
    return add_line(ctx, net, id, name, nstops, stops, run_s, headway_fwd_min, headway_back_min,
                    1);
}

int isr_rail_net_set_offsets(isr_rail_net *net, int l, const double *offset_m)
{
    line *ln = &net->ln[l];
    double *p = malloc((size_t)ln->nstops * sizeof *p);
    if (!p)
        return -1;
    memcpy(p, offset_m, (size_t)ln->nstops * sizeof *p);
    free(ln->offset_m);
    ln->offset_m = p;
    return 0;
}

int isr_rail_net_add_note(isr_rail_net *net, const char *msg)
{
    char **p = realloc(net->notes, (size_t)(net->nnotes + 1) * sizeof *p);
    if (!p)
        return -1;
    net->notes = p;
    if (!(p[net->nnotes] = strdup(msg)))
        return -1;
    net->nnotes++;
    return 0;
}

int isr_rail_net_nnotes(const isr_rail_net *net) { return net->nnotes; }

int isr_rail_net_link_find(const isr_rail_net *net, int a, int b)
{
    for (int i = 0; i < net->nlinks; i++)
        if (net->links[i].a == a && net->links[i].b == b)
            return i;
    return -1;
}

int isr_rail_net_set_link(isr_rail_net *net, int a, int b, double s, int line)
{
    int i = isr_rail_net_link_find(net, a, b);
    if (i < 0) {
        if (net->nlinks == net->cap_links) {
            int nc = net->cap_links ? 2 * net->cap_links : 32;
            struct link *p = realloc(net->links, (size_t)nc * sizeof *p);
            if (!p)
                return -1;
            net->links = p;
            net->cap_links = nc;
        }
        i = net->nlinks++;
    }
    net->links[i] = (struct link){a, b, s, line};
    return 0;
}

int isr_rail_net_nlinks(const isr_rail_net *net) { return net->nlinks; }

void isr_rail_net_link(const isr_rail_net *net, int i, int *a, int *b, double *s, int *line)
{
    *a = net->links[i].a;
    *b = net->links[i].b;
    *s = net->links[i].s;
    *line = net->links[i].line;
}
const char *isr_rail_net_note(const isr_rail_net *net, int i) { return net->notes[i]; }

const char *isr_rail_line_id(const isr_rail_net *net, int l) { return net->ln[l].id; }
const char *isr_rail_line_name(const isr_rail_net *net, int l) { return net->ln[l].name; }
int isr_rail_line_nstops(const isr_rail_net *net, int l) { return net->ln[l].nstops; }
int isr_rail_line_is_loop(const isr_rail_net *net, int l) { return net->ln[l].loop; }
int isr_rail_line_stop(const isr_rail_net *net, int l, int i) { return net->ln[l].stops[i]; }
double isr_rail_line_run_s(const isr_rail_net *net, int l, int i) { return net->ln[l].run_s[i]; }
double isr_rail_line_stop_offset_m(const isr_rail_net *net, int l, int i)
{
    return net->ln[l].offset_m ? net->ln[l].offset_m[i] : NAN;
}

int isr_rail_net_nstations(const isr_rail_net *net) { return net->nst; }
int isr_rail_net_nlines(const isr_rail_net *net) { return net->nln; }

int isr_rail_net_find(const isr_rail_net *net, const char *id)
{
    for (int i = 0; i < net->nst; i++)
        if (strcmp(net->st[i].id, id) == 0)
            return i;
    return -1;
}

const char *isr_rail_station_id(const isr_rail_net *net, int s) { return net->st[s].id; }
const char *isr_rail_station_name(const isr_rail_net *net, int s) { return net->st[s].name; }
const char *isr_rail_station_name_en(const isr_rail_net *net, int s)
{
    return net->st[s].name_en ? net->st[s].name_en : "";
}

int isr_rail_station_set_name_en(isr_rail_net *net, int s, const char *name_en)
{
    char *c = name_en && *name_en ? strdup(name_en) : NULL;
    if (name_en && *name_en && !c)
        return -1;
    free(net->st[s].name_en);
    net->st[s].name_en = c;
    return 0;
}
int isr_rail_station_is_hub(const isr_rail_net *net, int s) { return net->st[s].hub; }

int isr_rail_station_on_line(const isr_rail_net *net, int s)
{
    for (int l = 0; l < net->nln; l++)
        for (int i = 0; i < net->ln[l].nstops; i++)
            if (net->ln[l].stops[i] == s)
                return 1;
    return 0;
}
void isr_rail_station_xy(const isr_rail_net *net, int s, double *x, double *y)
{
    *x = net->st[s].x;
    *y = net->st[s].y;
}

/* ---- scenarios: a copy, changed (scenario.c) --------------------------------------------- */

isr_status isr_rail_net_copy(isr_ctx *ctx, const isr_rail_net *src, isr_rail_net **out)
{
    isr_rail_net *net = isr_rail_net_new();
    *out = NULL;
    int ok = net != NULL;
    for (int i = 0; ok && i < src->nst; i++)
        ok = isr_rail_net_add_station(net, src->st[i].id, src->st[i].name, src->st[i].x,
                                      src->st[i].y, src->st[i].hub) >= 0 &&
             isr_rail_station_set_name_en(net, i, src->st[i].name_en) == 0;
    for (int i = 0; ok && i < src->nln; i++) {
        const line *l = &src->ln[i];
        ok = add_line(ctx, net, l->id, l->name, l->nstops, l->stops, l->run_s,
                      l->headway_min[0], l->headway_min[1], l->loop) == ISR_OK &&
             (!l->offset_m || isr_rail_net_set_offsets(net, i, l->offset_m) == 0);
    }
    for (int i = 0; ok && i < src->nnotes; i++)
        ok = isr_rail_net_add_note(net, src->notes[i]) == 0;
    for (int i = 0; ok && i < src->nlinks; i++)
        ok = isr_rail_net_set_link(net, src->links[i].a, src->links[i].b, src->links[i].s,
                                   src->links[i].line) == 0;
    if (!ok) {
        isr_rail_net_free(net);
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory copying the rail network");
    }
    *out = net;
    return ISR_OK;
}

int isr_rail_line_find(const isr_rail_net *net, const char *id)
{
    for (int i = 0; i < net->nln; i++)
        if (strcmp(net->ln[i].id, id) == 0)
            return i;
    return -1;
}

void isr_rail_line_remove(isr_rail_net *net, int l)
{
    line *ln = &net->ln[l];
    free(ln->id);
    free(ln->name);
    free(ln->stops);
    free(ln->run_s);
    free(ln->offset_m);
    memmove(ln, ln + 1, (size_t)(net->nln - l - 1) * sizeof *ln);
    net->nln--;
}

void isr_rail_line_scale_runs(isr_rail_net *net, int l, double factor)
{
    line *ln = &net->ln[l];
    for (int i = 0, n = ln->loop ? ln->nstops : ln->nstops - 1; i < n; i++)
        ln->run_s[i] /= factor;
}

void isr_rail_line_set_runs(isr_rail_net *net, int l, const double *run_s)
{
    line *ln = &net->ln[l];
    memcpy(ln->run_s, run_s, (size_t)(ln->loop ? ln->nstops : ln->nstops - 1) * sizeof *run_s);
}

void isr_rail_line_set_headway(isr_rail_net *net, int l, double fwd_min, double back_min)
{
    net->ln[l].headway_min[0] = fwd_min;
    net->ln[l].headway_min[1] = back_min;
}

double isr_rail_line_headway(const isr_rail_net *net, int l, int back)
{
    return net->ln[l].headway_min[back ? 1 : 0];
}

/* Drops stop i of a line: the train runs through without calling, so the run times on
 * either side add up (no dwell); at an end of a line the segment beyond it goes. */
static void line_drop_stop(line *ln, int i)
{
    int n = ln->nstops, nseg = ln->loop ? n : n - 1;
    if (ln->loop) {
        int prev = (i - 1 + n) % n; /* segment prev runs into stop i, segment i out of it */
        ln->run_s[prev] += ln->run_s[i];
        memmove(ln->run_s + i, ln->run_s + i + 1, (size_t)(nseg - i - 1) * sizeof *ln->run_s);
    } else if (i == 0 || i == n - 1) {
        int seg = i == 0 ? 0 : nseg - 1;
        memmove(ln->run_s + seg, ln->run_s + seg + 1,
                (size_t)(nseg - seg - 1) * sizeof *ln->run_s);
    } else {
        ln->run_s[i - 1] += ln->run_s[i];
        memmove(ln->run_s + i, ln->run_s + i + 1, (size_t)(nseg - i - 1) * sizeof *ln->run_s);
    }
    memmove(ln->stops + i, ln->stops + i + 1, (size_t)(n - i - 1) * sizeof *ln->stops);
    if (ln->offset_m)
        memmove(ln->offset_m + i, ln->offset_m + i + 1, (size_t)(n - i - 1) * sizeof(double));
    ln->nstops--;
    if (ln->loop && ln->nstops < 3) /* two calls left on a ring: a shuttle between them */
        ln->loop = 0;
}

int isr_rail_station_close(isr_rail_net *net, int s, int *gone, int max_gone)
{
    int ngone = 0;
    for (int l = 0; l < net->nln; l++) {
        line *ln = &net->ln[l];
        for (int i = ln->nstops - 1; i >= 0; i--)
            if (ln->stops[i] == s)
                line_drop_stop(ln, i);
    }
    for (int l = net->nln - 1; l >= 0; l--)
        if (net->ln[l].nstops < 2) {
            if (ngone < max_gone)
                gone[ngone] = l;
            ngone++;
        }
    int k = 0;
    for (int i = 0; i < net->nlinks; i++)
        if (net->links[i].a != s && net->links[i].b != s)
            net->links[k++] = net->links[i];
    net->nlinks = k;
    return ngone;
}

/* ---- the event graph -------------------------------------------------------------------- */

typedef struct edge {
    int from, to;
    double w;
} edge;

typedef struct graph {
    int nnodes, nedges;
    edge *e;
} graph;

static int add_edge(graph *g, int *cap, int from, int to, double w)
{
    if (g->nedges == *cap) {
        int nc = *cap ? 2 * *cap : 256;
        edge *p = realloc(g->e, (size_t)nc * sizeof *p);
        if (!p)
            return -1;
        g->e = p;
        *cap = nc;
    }
    g->e[g->nedges++] = (edge){from, to, w};
    return 0;
}

/* The transfer links on a built graph (see the header): the rail layer's station nodes get
 * the links; P = nnodes + s gets the links and a copy of every boarding of s; W = nnodes +
 * nst + s only the links. */
static int add_link_layers(const isr_rail_net *net, graph *g, int *cap)
{
    int nst = net->nst, P = g->nnodes, W = g->nnodes + nst, nrail = g->nedges;
    for (int e = 0; e < nrail; e++)
        if (g->e[e].from < nst && add_edge(g, cap, P + g->e[e].from, g->e[e].to, g->e[e].w))
            return -1;
    for (int i = 0; i < net->nlinks; i++) {
        const struct link *k = &net->links[i];
        if (add_edge(g, cap, k->a, k->b, k->s) || add_edge(g, cap, P + k->a, P + k->b, k->s) ||
            add_edge(g, cap, W + k->a, W + k->b, k->s))
            return -1;
    }
    g->nnodes += 2 * nst;
    return 0;
}

/* Builds the edge list for the given parameters. Node numbering: stations 0..nst-1, then
 * for each line its stops × 2 directions. Segment j runs from stop j to stop j+1 (on a loop
 * the last segment closes the ring back to stop 0); a train rides on through a stop it
 * arrived at, so on a loop it rides round past the first stop without a new boarding. A
 * station listed twice on a line is simply two stop positions sharing one station node. Two
 * stops with a run of 0 between them (two station ids at one place) are one call: one dwell,
 * and boarding at either goes straight on to the next stop. */
static int build_graph(const isr_rail_net *net, const isr_rail_params *p, graph *g)
{
    int cap = 0;
    g->e = NULL;
    g->nedges = 0;
    int base = net->nst;
    for (int li = 0; li < net->nln; li++) {
        const line *l = &net->ln[li];
        int n = l->nstops, nseg = l->loop ? n : n - 1;
        for (int d = 0; d < 2; d++) {
            double wait = p->wait == ISR_WAIT_HALF_HEADWAY ? l->headway_min[d] * 30.0 : 0.0;
            int node0 = base + d * n;
            int first = d == 0 ? 0 : n - 1; /* where trains start (no arrival there) */
            for (int j = 0; j < nseg; j++) {
                int from = d == 0 ? j : (j + 1) % n, to = d == 0 ? (j + 1) % n : j;
                double run = l->run_s[j];
                /* a run of 0 joins two stops at one place: the train calls there once, so
                 * riding on from the first of them costs no dwell */
                double ride = run > 0.0 ? p->dwell_s + run : 0.0;
                if (add_edge(g, &cap, l->stops[from], node0 + to, p->transfer_s + wait + run) ||
                    ((l->loop || from != first) &&
                     add_edge(g, &cap, node0 + from, node0 + to, ride)) ||
                    add_edge(g, &cap, node0 + to, l->stops[to], 0.0))
                    return -1;
                /* boarding at such a place: straight on to the first stop beyond it */
                int k = j, steps = 0;
                while (l->run_s[k] == 0.0 && ++steps < nseg) {
                    int nk = d == 0 ? k + 1 : k - 1;
                    if (l->loop)
                        nk = (nk + nseg) % nseg;
                    else if (nk < 0 || nk >= nseg)
                        break;
                    k = nk;
                }
                if (k != j && l->run_s[k] > 0.0 &&
                    add_edge(g, &cap, l->stops[from], node0 + (d == 0 ? (k + 1) % n : k),
                             p->transfer_s + wait + l->run_s[k]))
                    return -1;
            }
        }
        base += 2 * n;
    }
    g->nnodes = base;
    return net->nlinks > 0 ? add_link_layers(net, g, &cap) : 0;
}

typedef struct qnode {
    double t;
    int node;
} qnode;

static void q_push(qnode *h, int *n, double t, int node)
{
    int i = (*n)++;
    while (i > 0 && h[(i - 1) / 2].t > t) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = (qnode){t, node};
}

static qnode q_pop(qnode *h, int *n)
{
    qnode top = h[0], last = h[--(*n)];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1].t < h[c].t)
            c++;
        if (last.t <= h[c].t)
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0)
        h[i] = last;
    return top;
}

isr_status isr_rail_search(isr_ctx *ctx, const isr_rail_net *net, const isr_rail_params *p,
                           int hub, double *out)
{
    if (hub < 0 || hub >= net->nst)
        return isr_fail(ctx, ISR_ERR_INTERNAL, "rail search: bad hub index %d", hub);
    graph g;
    if (build_graph(net, p, &g)) {
        free(g.e);
        return isr_fail(ctx, ISR_ERR_MEMORY, "out of memory building the rail graph");
    }
    int reverse = p->direction == ISR_TO_HUB;
    /* CSR adjacency in the search direction */
    int *start = calloc((size_t)g.nnodes + 1, sizeof *start);
    int *to = malloc(((size_t)g.nedges + 1) * sizeof *to);
    double *w = malloc(((size_t)g.nedges + 1) * sizeof *w);
    double *dist = malloc((size_t)g.nnodes * sizeof *dist);
    qnode *heap = malloc(((size_t)g.nedges + 2) * sizeof *heap); /* + the 2 starts */
    isr_status st = ISR_OK;
    if (!start || !to || !w || !dist || !heap) {
        st = isr_fail(ctx, ISR_ERR_MEMORY, "out of memory in the rail search");
        goto cleanup;
    }
    for (int e = 0; e < g.nedges; e++)
        start[(reverse ? g.e[e].to : g.e[e].from) + 1]++;
    for (int v = 0; v < g.nnodes; v++)
        start[v + 1] += start[v];
    for (int e = 0; e < g.nedges; e++) {
        int u = reverse ? g.e[e].to : g.e[e].from;
        int k = start[u]++;
        to[k] = reverse ? g.e[e].from : g.e[e].to;
        w[k] = g.e[e].w;
    }
    for (int v = g.nnodes; v > 0; v--) /* undo the fill's shift */
        start[v] = start[v - 1];
    start[0] = 0;

    for (int v = 0; v < g.nnodes; v++)
        dist[v] = INFINITY;
    int hn = 0, links = net->nlinks > 0, P = g.nnodes - 2 * net->nst, W = P + net->nst;
    int first = links && !reverse ? P + hub : hub; /* from the hub: not yet boarded */
    dist[first] = 0.0;
    q_push(heap, &hn, 0.0, first);
    if (links) {
        dist[W + hub] = 0.0;
        q_push(heap, &hn, 0.0, W + hub);
    }
    while (hn > 0) {
        qnode q = q_pop(heap, &hn);
        if (q.t > dist[q.node])
            continue;
        for (int k = start[q.node]; k < start[q.node + 1]; k++) {
            double nt = q.t + w[k];
            if (nt < dist[to[k]]) {
                dist[to[k]] = nt;
                q_push(heap, &hn, nt, to[k]);
            }
        }
    }
    for (int s = 0; s < net->nst; s++) {
        if (s == hub || !links) {
            out[s] = s == hub ? 0.0 : dist[s] - p->transfer_s; /* INF stays INF */
            continue;
        }
        double rail = (reverse ? dist[P + s] : dist[s]) - p->transfer_s;
        out[s] = dist[W + s] < rail ? dist[W + s] : rail;
    }

cleanup:
    free(g.e);
    free(start);
    free(to);
    free(w);
    free(dist);
    free(heap);
    return st;
}
