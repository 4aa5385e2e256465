/*
 * isoreach — the command line. A thin client of include/isoreach.h: it parses the
 * subcommand, installs a logger, a progress bar (only on a terminal) and signal handlers,
 * and maps statuses to exit codes: 0 success, 1 failure, 2 usage error, 130 interrupted.
 */
#include "isoreach.h"
#include "isoreach_publish.h"

#ifdef ISR_WITH_MPI
#include "mpi_run.h"
#define JOB_ERRMSG(ctx) (cli_mpi_errmsg() ? cli_mpi_errmsg() : isr_ctx_errmsg(ctx))
#else
#define JOB_ERRMSG(ctx) isr_ctx_errmsg(ctx)
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: isoreach <command> [options]\n"
    "\n"
    "Maps the 1-hour commuting circle of every rail hub of a region: door-to-door travel\n"
    "time by rail plus local travel, as GeoTIFF rasters.\n"
    "\n"
    "Commands:\n"
    "  run [options]   compute travel times for every hub (isoreach run --help)\n"
    "  reach [options] recompute the reach tables of an earlier run (--out) with other\n"
    "                  boundaries, fields or --population, without rerunning the searches\n"
    "  merge [options] write the region products of a run made as shards (run --shard\n"
    "                  K/N, K = 1..N) into one --out (isoreach merge --help)\n"
    "  map [options]   draw the maps of an earlier run (--out) as PNG and SVG: one per hub,\n"
    "                  two region overviews and a contact sheet (also done by run)\n"
    "  info PATH       summarise any OGR vector source: driver, CRS, features, fields,\n"
    "                  extent, invalid geometries\n"
    "\n"
    "Options:\n"
    "  --help, -h      this help\n"
    "  --version       versions of isoreach, GDAL, PROJ, GEOS and libcurl\n"
    "\n"
    "Exit status: 0 success, 1 failure (bad input, I/O), 2 usage error, 130 interrupted.\n";

static isr_ctx *g_ctx; /* for the signal handler only */

static void on_signal(int sig)
{
    (void)sig;
    if (g_ctx)
        isr_ctx_cancel(g_ctx);
}

typedef struct ui {
    int tty;
    int bar_open;
    int json; /* --log-json: one JSON object per line instead of text and a bar */
} ui;

/* `s` as a JSON string (RFC 8259 escapes; UTF-8 passes through). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void json_event(const char *event, const char *level, const char *msg)
{
    fprintf(stderr, "{\"event\":\"%s\"", event);
    if (level)
        fprintf(stderr, ",\"level\":\"%s\"", level);
    fputs(",\"message\":", stderr);
    json_str(stderr, msg);
    fputs("}\n", stderr);
    fflush(stderr);
}

/* "isoreach: PREFIXMSG" and a new line on stderr in one write (ranks of an MPI run share
 * stderr: their lines must not interleave), MSG shown as a terminal shows it safely: a
 * control character (an id or name of the data holding ESC would otherwise drive the
 * terminal: colours, titles, cursor moves) is written as \xHH, and so are the C1 controls
 * U+0080–U+009F (UTF-8 C2 80–C2 9F: CSI is C2 9B); tabs stay. A new line is written as \x0a
 * too: the messages hold none of their own, and one inside an id or a name printed raw
 * made a line of its own ("isoreach: outputs in …" forged by a station's name). */
static void put_line(const char *prefix, const char *msg)
{
    size_t n = strlen(prefix) + 6 * strlen(msg) + 16, k = 0;
    char *b = malloc(n);
    if (!b) { /* as it is, rather than not at all */
        fprintf(stderr, "isoreach: %s%s\n", prefix, msg);
        return;
    }
    k += (size_t)snprintf(b, n, "isoreach: %s", prefix);
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            k += (size_t)snprintf(b + k, n - k, "\\x%02x", *p);
        else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            k += (size_t)snprintf(b + k, n - k, "\\u%04x", *++p);
        else
            b[k++] = (char)*p;
    b[k++] = '\n';
    fwrite(b, 1, k, stderr);
    free(b);
}

static void log_cb(void *user, isr_log_level level, const char *msg)
{
    ui *u = user;
    if (u->json) {
        json_event("log", level == ISR_LOG_WARN ? "warning" : level == ISR_LOG_INFO ? "info" : "debug",
                   msg);
        return;
    }
    if (u->bar_open) {
        fputc('\n', stderr);
        u->bar_open = 0;
    }
    put_line(level == ISR_LOG_WARN ? "warning: " : "", msg);
}

static void progress_cb(void *user, const char *stage, size_t done, size_t total)
{
    ui *u = user;
    if (u->json) {
        fprintf(stderr, "{\"event\":\"progress\",\"stage\":");
        json_str(stderr, stage);
        fprintf(stderr, ",\"done\":%zu,\"total\":%zu}\n", done, total);
        fflush(stderr);
        return;
    }
    if (!u->tty)
        return;
    const int width = 30;
    int fill = total ? (int)((double)done / (double)total * width) : width;
    fprintf(stderr, "\r%-9s [", stage);
    for (int i = 0; i < width; i++)
        fputc(i < fill ? '#' : ' ', stderr);
    fprintf(stderr, "] %zu/%zu", done, total);
    u->bar_open = done < total;
    if (!u->bar_open)
        fputc('\n', stderr);
    fflush(stderr);
}

static int exit_code(isr_status st)
{
    switch (st) {
    case ISR_OK: return 0;
    case ISR_ERR_USAGE: return 2;
    case ISR_ERR_INTERRUPTED: return 130;
    default: return 1;
    }
}

/* The CLI's own switches, read here and not by the library: they choose how the CLI shows
 * the engine's messages and progress, not what it computes. */
static const char cli_switches_help[] =
    "  --quiet, -q             no progress bar and no information messages (warnings\n"
    "                          and errors still show)\n"
    "  --log-json              messages and progress as JSON lines on stderr\n";

/* `run`, `reach` and `map`: the same options, parsed by the engine; `job` (NULL: none) does
 * the work, then isr_publish writes the parts `publish` names from its outputs. */
static int cmd_run(isr_ctx *ctx, int argc, char **argv,
                   isr_status (*job)(isr_ctx *, const isr_options *), unsigned publish)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(isr_command_help(argv[0]), stdout); /* argv[0]: run, reach or map */
            fputs(cli_switches_help, stdout);
            return 0;
        }
    /* --quiet and --log-json out of argv (in place: argv is main's), the rest to the engine */
    int quiet = 0, log_json = 0, n = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
            quiet = 1;
        else if (strcmp(argv[i], "--log-json") == 0)
            log_json = 1;
        else
            argv[n++] = argv[i];
    }
    isr_options *opt = isr_options_new(ctx, n, argv);
    /* NULL: a bad flag (usage, exit 2), or no memory (exit 1) */
    isr_status st = opt ? ISR_OK : isr_ctx_status(ctx);
    ui u = {isatty(STDERR_FILENO) && !quiet && !log_json, 0, log_json};
    isr_ctx_set_logger(ctx, log_cb, &u, quiet ? ISR_LOG_WARN : ISR_LOG_INFO);
    isr_ctx_set_progress(ctx, quiet ? NULL : progress_cb, &u); /* quiet: no progress at all */
    if (st == ISR_OK) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        /* past a file size limit (ulimit -f) a write fails with EFBIG, said as a full disk is,
         * instead of the signal killing the run without a word, its lock left behind */
        signal(SIGXFSZ, SIG_IGN);
        st = job ? job(ctx, opt) : ISR_OK;
        if (st == ISR_OK && publish && !isr_options_get(opt, "shard")) /* a shard: no region */
            st = isr_publish(ctx, opt, NULL, publish);
        if (st == ISR_OK && log_json)
            json_event("done", NULL, isr_options_get(opt, "out"));
        else if (st == ISR_OK && !quiet) {
            const char *out = isr_options_get(opt, "out"); /* put_line: a new line in it shown */
            size_t n = strlen(out ? out : "") + 2;
            char *done = malloc(n);
            if (done)
                snprintf(done, n, "%s/", out ? out : "");
            put_line("outputs in ", done ? done : "");
            free(done);
        }
    }
    if (u.bar_open)
        fputc('\n', stderr);
    if (st != ISR_OK && u.json)
        json_event("error", isr_status_str(st), JOB_ERRMSG(ctx));
    else if (st != ISR_OK)
        put_line("", JOB_ERRMSG(ctx));
    isr_options_free(opt);
    return exit_code(st);
}

#ifdef ISR_WITH_MPI
/* `isoreach run` started by mpirun (cli/mpi_run.c): rank r of S runs --shard r+1/S, then
 * rank 0 merges and draws the maps. One rank: a plain run. */
static int cmd_run_mpi(isr_ctx *ctx, int argc, char **argv)
{
    int rank = 0, size = 1, rc;
    if (cli_mpi_init(NULL, NULL, &rank, &size) != 0) {
        fputs("isoreach: MPI could not start (MPI_Init_thread failed)\n", stderr);
        return 1;
    }
    for (int i = 1; i < argc && size > 1; i++)
        if (strncmp(argv[i], "--shard", 7) == 0) {
            fputs("isoreach: --shard with mpirun: each rank runs its own shard (rank r: --shard "
                  "r+1/N); run without --shard\n",
                  stderr);
            cli_mpi_finalize();
            return 2;
        }
    char **av = size > 1 ? malloc(((size_t)argc + 3) * sizeof *av) : NULL;
    char shard[32];
    if (size == 1) {
        rc = cmd_run(ctx, argc, argv, isr_run, ISR_PUBLISH_ALL);
    } else if (!av) {
        fputs("isoreach: out of memory\n", stderr);
        rc = 1;
    } else {
        memcpy(av, argv, (size_t)argc * sizeof *av);
        snprintf(shard, sizeof shard, "%d/%d", rank + 1, size);
        av[argc] = "--shard";
        av[argc + 1] = shard;
        av[argc + 2] = NULL;
        cli_mpi_set_publish(rank == 0 ? ISR_PUBLISH_ALL : 0); /* after the merge, on rank 0 */
        rc = cmd_run(ctx, argc + 2, av, cli_mpi_job, 0);
    }
    free(av);
    cli_mpi_finalize();
    return rc;
}
#endif

static int cmd_info(isr_ctx *ctx, int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(isr_command_help("info"), stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fputs("Usage: isoreach info PATH (isoreach info --help)\n", stderr);
        return 2;
    }
    ui u = {0, 0, 0};
    isr_ctx_set_logger(ctx, log_cb, &u, ISR_LOG_WARN); /* e.g. a remote input's offline copy */
    char *text = NULL;
    isr_status st = isr_info(ctx, argv[1], &text);
    if (st != ISR_OK) {
        put_line("", isr_ctx_errmsg(ctx));
        return exit_code(st);
    }
    fputs(text, stdout);
    isr_free(text);
    return 0;
}

int main(int argc, char **argv)
{
    /* GDAL's block cache defaults to 5 % of the RAM (1.2 GB on 24 GB), which the region
     * rasters' writing fills to no gain (measured on the national benchmark: the same
     * seconds with 256 MB, a peak 230 MB lower); the user's GDAL_CACHEMAX wins */
    setenv("GDAL_CACHEMAX", "256", 0);
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("%s\n", isr_version_full());
        return 0;
    }
    isr_ctx *ctx = isr_ctx_new();
    if (!ctx) {
        fputs("isoreach: out of memory\n", stderr);
        return 1;
    }
    g_ctx = ctx;
    int rc;
#ifdef ISR_WITH_MPI
    if (strcmp(argv[1], "run") == 0 && cli_mpi_launched())
        rc = cmd_run_mpi(ctx, argc - 1, argv + 1);
    else
#endif
    if (strcmp(argv[1], "run") == 0)
        rc = cmd_run(ctx, argc - 1, argv + 1, isr_run, ISR_PUBLISH_ALL); /* maps unless --no-maps */
    else if (strcmp(argv[1], "reach") == 0) /* the web map (and maps) show the tables, the
                                                * QGIS project's layout credits them */
        rc = cmd_run(ctx, argc - 1, argv + 1, isr_reach_run,
                     ISR_PUBLISH_STYLES | ISR_PUBLISH_WEBMAP | ISR_PUBLISH_MAPS_IF_DRAWN);
    else if (strcmp(argv[1], "merge") == 0) /* shards' hubs: the region products, then maps */
        rc = cmd_run(ctx, argc - 1, argv + 1, isr_merge, ISR_PUBLISH_ALL);
    else if (strcmp(argv[1], "map") == 0)
        rc = cmd_run(ctx, argc - 1, argv + 1, NULL, ISR_PUBLISH_MAPS);
    else if (strcmp(argv[1], "info") == 0)
        rc = cmd_info(ctx, argc - 1, argv + 1);
    else {
        fprintf(stderr, "isoreach: unknown command '%s' (see isoreach --help)\n", argv[1]);
        rc = 2;
    }
    g_ctx = NULL;
    isr_ctx_free(ctx);
    return rc;
}
