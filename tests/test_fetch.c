/* Criterion suite: http(s) inputs (engine/fetch.c) against a server on 127.0.0.1 that each
 * test starts on a free port (tests/fetch/server.py: files served whole, no range requests,
 * ETag and Last-Modified, one log line per request). Checks what a user sees and what the
 * server saw: a second run revalidates (304) instead of downloading, a changed file is
 * downloaded again (200) and recomputed; an offline server with a cached copy gives a
 * warning; a silent server times out; a GeoPackage needs no range requests; a self-signed
 * certificate, a body cut short, a 404 and a too large file are refused with their message
 * and leave no cache entry; --cache none leaves nothing behind. Also: a shapefile's sidecar
 * gone from the server is removed from the cache; a gzip body is decoded; redirects go to
 * http(s) only; a web page sent for a file, a malformed URL and an unwritable --cache are
 * refused with their message; a long file name keeps its extension in the cache. */
#include "internal.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli_support.h"

#define CLI cli_command(ISR_CLI)
#define S ISR_SAMPLE_DIR

static void tmp_make(void)
{
    cli_tmp_make("isr-fetch");
    /* the served files: the sample's stations (GeoJSON) and Shanghai's districts (GPKG) */
    cli_sh("mkdir -p '%s/www'", cli_tmp);
    cli_ogr("-f GeoJSON www/s.geojson '%s/yrd_rail_stations.shp'", S);
    cli_ogr("-f GPKG www/sh.gpkg '%s/yrd_counties.shp' -nln sh -nlt MULTIPOLYGON -where "
            "\"prov_code = '310000'\"",
            S);
}

TestSuite(fetch, .init = tmp_make, .fini = cli_tmp_remove, .timeout = 120);

/* Starts tests/fetch/server.py in `mode` ("normal", "short", "tls"); returns its pid and
 * puts its port in *port. */
static pid_t server_start(const char *mode, int *port)
{
    char pf[400];
    snprintf(pf, sizeof pf, "%s/port", cli_tmp);
    unlink(pf);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        char root[300], log[300], cert[300], key[300];
        snprintf(root, sizeof root, "%s/www", cli_tmp);
        snprintf(log, sizeof log, "%s/requests.log", cli_tmp);
        snprintf(cert, sizeof cert, "%s/cert.pem", cli_tmp);
        snprintf(key, sizeof key, "%s/key.pem", cli_tmp);
        execlp("python3", "python3", ISR_SOURCE_DIR "/tests/fetch/server.py", root, pf, log, mode,
               cert, key, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) { /* up to 10 s */
        FILE *f = fopen(pf, "r");
        if (f) {
            int ok = fscanf(f, "%d", port) == 1;
            fclose(f);
            if (ok)
                return pid;
        }
        struct timespec nap = {0, 100000000};
        nanosleep(&nap, NULL);
    }
    kill(pid, SIGTERM);
    cr_assert_fail("the test server did not start");
    return -1;
}

static void server_stop(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

/* The requests the server saw, one line each ("" when none). */
static char *requests(void)
{
    char p[400];
    snprintf(p, sizeof p, "%s/requests.log", cli_tmp);
    if (access(p, F_OK) != 0)
        return strdup("");
    return cli_slurp(p);
}

/* `isoreach run` on Shanghai, one hub, 2000 m, with boundaries and stations from the
 * server, in the scratch folder (a relative --cache is there). */
static int run_remote(int port, const char *extra)
{
    return cli_sh("cd '%s' && %s run -q --out o --boundaries http://127.0.0.1:%d/sh.gpkg "
                  "--stations http://127.0.0.1:%d/s.geojson --hubs shanghai_hongqiao "
                  "--resolution 2000 --no-maps %s 2>/dev/null",
                  cli_tmp, CLI, port, port, extra);
}

static json_object *run_json(void)
{
    char p[400];
    snprintf(p, sizeof p, "%s/o/run.json", cli_tmp);
    json_object *j = json_object_from_file(p);
    cr_assert_not_null(j, "no run.json");
    return j;
}

/* inputs.fetched[i].how, and hubs[0].reused_existing_output. */
static const char *fetched_how(json_object *j, int i)
{
    json_object *in = json_object_object_get(j, "inputs");
    json_object *f = json_object_object_get(in, "fetched");
    cr_assert_eq(json_object_array_length(f), 2, "%s", json_object_to_json_string(f));
    return json_object_get_string(json_object_object_get(json_object_array_get_idx(f, i), "how"));
}

static int hub_reused(json_object *j)
{
    json_object *h = json_object_array_get_idx(json_object_object_get(j, "hubs"), 0);
    return json_object_get_boolean(json_object_object_get(h, "reused_existing_output"));
}

/* Number of files (any type but folders) under `dir` inside the scratch folder. */
static int files_under(const char *dir)
{
    cli_sh("find '%s/%s' -type f 2>/dev/null | wc -l", cli_tmp, dir);
    char *o = cli_output();
    int n = atoi(o);
    free(o);
    return n;
}

Test(fetch, second_run_revalidates_and_a_changed_file_is_downloaded_again)
{
    int port;
    pid_t srv = server_start("normal", &port);
    cr_assert_eq(run_remote(port, "--cache c"), 0);
    json_object *j = run_json();
    cr_assert_str_eq(fetched_how(j, 0), "downloaded");
    cr_assert_str_eq(fetched_how(j, 1), "downloaded");
    cr_assert(!hub_reused(j));
    json_object_put(j);
    /* the same run again: two conditional requests answered 304, nothing downloaded, and
     * the hub's outputs reused (the fingerprint reads the same cached content) */
    cr_assert_eq(run_remote(port, "--cache c"), 0);
    j = run_json();
    cr_assert_str_eq(fetched_how(j, 0), "revalidated");
    cr_assert_str_eq(fetched_how(j, 1), "revalidated");
    cr_assert(hub_reused(j));
    json_object_put(j);
    /* the stations change on the server (one more blank line, a new ETag): 200, replaced in
     * the cache, and the hub recomputed since its input's content changed */
    cr_assert_eq(cli_sh("sleep 0.01; echo >> '%s/www/s.geojson'", cli_tmp), 0);
    cr_assert_eq(run_remote(port, "--cache c"), 0);
    j = run_json();
    cr_assert_str_eq(fetched_how(j, 0), "revalidated");
    cr_assert_str_eq(fetched_how(j, 1), "downloaded");
    cr_assert(!hub_reused(j));
    json_object_put(j);
    server_stop(srv);
    char *log = requests();
    cr_assert_str_eq(log, "GET /sh.gpkg 200 range=no\n"
                          "GET /s.geojson 200 range=no\n"
                          "GET /sh.gpkg 304 range=no\n"
                          "GET /s.geojson 304 range=no\n"
                          "GET /sh.gpkg 304 range=no\n"
                          "GET /s.geojson 200 range=no\n");
    free(log);
    /* the cached copy is the new file, byte for byte; two entries, each with its sidecar */
    cr_assert_eq(cli_sh("cmp '%s/www/s.geojson' '%s'/c/*/s.geojson", cli_tmp, cli_tmp), 0);
    cr_assert_eq(files_under("c"), 4);
}

Test(fetch, offline_server_with_a_cached_copy_gives_a_warning)
{
    int port;
    pid_t srv = server_start("normal", &port);
    /* `info` with the default cache folder, under XDG_CACHE_HOME */
    cr_assert_eq(cli_sh("XDG_CACHE_HOME='%s/xdg' %s info http://127.0.0.1:%d/s.geojson", cli_tmp,
                        CLI, port),
                 0);
    server_stop(srv);
    cr_assert_eq(cli_sh("cat '%s'/xdg/isoreach/fetch/*/s.geojson.fetch.json", cli_tmp), 0);
    char *o = cli_output();
    json_object *meta = json_tokener_parse(o);
    free(o);
    cr_assert_not_null(meta);
    const char *at = json_object_get_string(json_object_object_get(meta, "fetched_at"));
    int rc = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info http://127.0.0.1:%d/s.geojson", cli_tmp, CLI,
                    port);
    cr_assert_eq(rc, 0);
    char *e = cli_stderr(), want[1000];
    snprintf(want, sizeof want,
             "isoreach: warning: input 'http://127.0.0.1:%d/s.geojson': cannot connect to the "
             "server (connection refused or no route); using the copy cached on %s (it may be out "
             "of date)\n",
             port, at);
    cr_assert_str_eq(e, want);
    free(e);
    json_object_put(meta);
    /* a URL never fetched: nothing to fall back on */
    rc = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info http://127.0.0.1:%d/sh.gpkg", cli_tmp, CLI, port);
    cr_assert_eq(rc, 1);
    e = cli_stderr();
    snprintf(want, sizeof want,
             "isoreach: input 'http://127.0.0.1:%d/sh.gpkg': cannot connect to the server "
             "(connection refused or no route); check the address and the network (no cached "
             "copy to fall back on)\n",
             port);
    cr_assert_str_eq(e, want);
    free(e);
}

/* Accepts connections (the kernel's backlog) and never answers. */
static int silent_server(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(s, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(s, 16), 0);
    socklen_t len = sizeof a;
    cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return s;
}

Test(fetch, silent_server_times_out_and_leaves_no_entry)
{
    int port, s = silent_server(&port);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = cli_sh("%s run -q --out '%s/o' --cache '%s/c' --boundaries "
                    "http://127.0.0.1:%d/x.gpkg --timeout 2",
                    CLI, cli_tmp, cli_tmp, port);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close(s);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert_eq(rc, 1);
    char *e = cli_stderr(), want[600];
    snprintf(want, sizeof want,
             "isoreach: boundaries 'http://127.0.0.1:%d/x.gpkg': no answer within 2 s "
             "(--timeout); check the address or raise --timeout\n",
             port);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert(took >= 2 && took < 8, "failed after %.1f s, not about 2 s", took);
    cr_assert_eq(cli_sh("test -e '%s/c'", cli_tmp), 1, "the cache folder was made for nothing");
}

Test(fetch, geopackage_served_whole_without_range_requests)
{
    /* /vsicurl/ needs range requests for a GeoPackage (SQLite pages); the whole file is
     * downloaded once instead, and opened locally */
    int port;
    pid_t srv = server_start("normal", &port);
    int rc = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info http://127.0.0.1:%d/sh.gpkg", cli_tmp, CLI,
                    port);
    server_stop(srv);
    cr_assert_eq(rc, 0);
    char *o = cli_output(), want[300];
    snprintf(want, sizeof want, "Source: http://127.0.0.1:%d/sh.gpkg\nDriver: GPKG\nLayers: 1\n",
             port);
    cr_assert(strncmp(o, want, strlen(want)) == 0, "%s", o);
    cr_assert(strstr(o, "Features: 16"), "%s", o); /* Shanghai's 16 districts */
    free(o);
    char *log = requests();
    cr_assert_str_eq(log, "GET /sh.gpkg 200 range=no\n");
    free(log);
}

Test(fetch, self_signed_certificate_is_refused)
{
    cr_assert_eq(cli_sh("cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
                        "-out cert.pem -days 2 -subj /CN=127.0.0.1",
                        cli_tmp),
                 0);
    int port;
    pid_t srv = server_start("tls", &port);
    int rc = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info https://127.0.0.1:%d/s.geojson", cli_tmp,
                    CLI, port);
    server_stop(srv);
    cr_assert_eq(rc, 1);
    char *e = cli_stderr(), want[800];
    snprintf(want, sizeof want,
             "isoreach: input 'https://127.0.0.1:%d/s.geojson': the TLS connection was refused: "
             "SSL certificate problem: self-signed certificate; isoreach never turns off "
             "certificate checks: fix the server's certificate, add its authority to the "
             "system's trusted certificates, or download the file yourself\n",
             port);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(files_under("xdg"), 0);
}

Test(fetch, body_cut_short_is_refused_and_not_cached)
{
    int port;
    pid_t srv = server_start("short", &port);
    int rc = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info http://127.0.0.1:%d/s.geojson", cli_tmp,
                    CLI, port);
    server_stop(srv);
    cr_assert_eq(rc, 1);
    char *e = cli_stderr(), want[600];
    snprintf(want, sizeof want,
             "isoreach: input 'http://127.0.0.1:%d/s.geojson': the download was cut short "
             "(15429 bytes received, the server announced more); nothing was cached; try "
             "again\n",
             port);
    cr_assert_str_eq(e, want);
    free(e);
    /* no entry, no temporary file, not even the entry's folder */
    cr_assert_eq(files_under("xdg"), 0);
    cr_assert_eq(cli_sh("ls -A '%s/xdg/isoreach/fetch' | grep -q .", cli_tmp), 1);
}

Test(fetch, not_found_and_too_large_are_refused)
{
    int port;
    pid_t srv = server_start("normal", &port);
    int rc = cli_sh("%s run -q --out '%s/o' --cache '%s/c' --boundaries "
                "http://127.0.0.1:%d/nothing.gpkg",
                CLI, cli_tmp, cli_tmp, port);
    cr_assert_eq(rc, 1);
    char *e = cli_stderr(), want[600];
    snprintf(want, sizeof want,
             "isoreach: boundaries 'http://127.0.0.1:%d/nothing.gpkg': the server answered HTTP "
             "404 (not found): check the address\n",
             port);
    cr_assert_str_eq(e, want);
    free(e);
    /* 0.1 MB = 104857 bytes; the GeoPackage is larger (announced by Content-Length) */
    rc = cli_sh("%s run -q --out '%s/o' --cache '%s/c2' --boundaries "
                "http://127.0.0.1:%d/sh.gpkg --max-download 0.1",
                CLI, cli_tmp, cli_tmp, port);
    server_stop(srv);
    cr_assert_eq(rc, 1);
    e = cli_stderr();
    snprintf(want, sizeof want,
             "isoreach: boundaries 'http://127.0.0.1:%d/sh.gpkg': larger than the download limit "
             "of 0.1 MB (--max-download); raise --max-download or use a local copy\n",
             port);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(files_under("c2"), 0);
}

Test(fetch, cache_none_leaves_nothing_behind)
{
    int port;
    pid_t srv = server_start("normal", &port);
    cr_assert_eq(cli_sh("mkdir '%s/tmp'", cli_tmp), 0);
    int rc = cli_sh("TMPDIR='%s/tmp' XDG_CACHE_HOME='%s/xdg' %s run -q --out '%s/o' "
                    "--boundaries http://127.0.0.1:%d/sh.gpkg --hubs shanghai_hongqiao "
                    "--resolution 2000 --no-maps --cache none 2>/dev/null",
                    cli_tmp, cli_tmp, CLI, cli_tmp, port);
    server_stop(srv);
    cr_assert_eq(rc, 0);
    json_object *j = run_json();
    json_object *f = json_object_object_get(json_object_object_get(j, "inputs"), "fetched");
    cr_assert_eq(json_object_array_length(f), 1);
    const char *local =
        json_object_get_string(json_object_object_get(json_object_array_get_idx(f, 0), "local"));
    /* run.json names it relative to OUT (cli_tmp/o), as every input */
    const char *prefix = "../tmp/isoreach-fetch-";
    cr_assert(strncmp(local, prefix, strlen(prefix)) == 0, "%s", local);
    json_object_put(j);
    /* the temporary copy went with the process, and nothing went into the cache */
    cr_assert_eq(cli_sh("ls -A '%s/tmp' | grep -q .", cli_tmp), 1);
    cr_assert_eq(cli_sh("test -e '%s/xdg'", cli_tmp), 1);
}

Test(fetch, shapefile_url_brings_its_other_files)
{
    /* the .shx, .dbf, .prj and .cpg beside the .shp on the server, into one cache folder;
     * the sample's lines have no .cpg: a 404 for it is no error */
    cr_assert_eq(cli_sh("cp '%s'/yrd_rail_lines.shp '%s'/yrd_rail_lines.shx '%s'/yrd_rail_lines.dbf "
                        "'%s'/yrd_rail_lines.prj '%s/www/'",
                        S, S, S, S, cli_tmp),
                 0);
    int port;
    pid_t srv = server_start("normal", &port);
    int rc = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info http://127.0.0.1:%d/yrd_rail_lines.shp",
                    cli_tmp, CLI, port);
    server_stop(srv);
    cr_assert_eq(rc, 0);
    char *o = cli_output();
    cr_assert(strstr(o, "Driver: ESRI Shapefile\n"), "%s", o);
    cr_assert(strstr(o, "EPSG") || strstr(o, "WGS 84"), "no CRS: the .prj was not fetched: %s", o);
    free(o);
    char *log = requests();
    cr_assert_str_eq(log, "GET /yrd_rail_lines.shp 200 range=no\n"
                          "GET /yrd_rail_lines.shx 200 range=no\n"
                          "GET /yrd_rail_lines.dbf 200 range=no\n"
                          "GET /yrd_rail_lines.prj 200 range=no\n"
                          "GET /yrd_rail_lines.cpg 404 range=no\n");
    free(log);
    cr_assert_eq(files_under("xdg"), 8); /* four files and their sidecars */
    /* with a query (a token, as a data portal gives it) the other files were not fetched
     * (GDAL then asked for the .shx by a cache path); they take the same query, and the
     * token is shown as *** by info (urlsecret.c) but sent for each file */
    cli_sh("rm -f '%s/requests.log'", cli_tmp);
    srv = server_start("normal", &port);
    rc = cli_sh("XDG_CACHE_HOME='%s/xdg2' %s info 'http://127.0.0.1:%d/yrd_rail_lines.shp?"
                "token=TOK1&f=shp#x'",
                cli_tmp, CLI, port);
    server_stop(srv);
    o = cli_output();
    cr_assert_eq(rc, 0, "%s", o);
    cr_assert(strstr(o, "Driver: ESRI Shapefile\n") && !strstr(o, "TOK1"), "%s", o);
    free(o);
    log = requests();
    cr_assert_str_eq(log, "GET /yrd_rail_lines.shp?token=TOK1&f=shp 200 range=no\n"
                          "GET /yrd_rail_lines.shx?token=TOK1&f=shp 200 range=no\n"
                          "GET /yrd_rail_lines.dbf?token=TOK1&f=shp 200 range=no\n"
                          "GET /yrd_rail_lines.prj?token=TOK1&f=shp 200 range=no\n"
                          "GET /yrd_rail_lines.cpg?token=TOK1&f=shp 404 range=no\n");
    free(log);
}

/* Credentials in an input's URL (a password, tokens in the query) go to the server and into
 * nothing written: run.json, the output folder's README, the rasters' metadata, the maps,
 * the web map, the QGIS project, the cache and the messages show them as *** (they were
 * written in all of these, for whoever receives the folder). */
Test(fetch, credentials_in_a_url_reach_the_server_and_nothing_written)
{
    int port;
    pid_t srv = server_start("normal", &port);
    int rc = cli_sh("cd '%s' && %s run -q --out o --cache c --boundaries "
                    "'http://alice:S3CRETPW@127.0.0.1:%d/sh.gpkg?token=TOK999&format=gpkg' "
                    "--stations 'http://127.0.0.1:%d/s.geojson?api_key=KEY777' "
                    "--hubs shanghai_hongqiao --resolution 2000",
                    cli_tmp, CLI, port, port);
    char *e = cli_stderr(), *log = requests();
    server_stop(srv);
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_str_eq(log, "GET /sh.gpkg?token=TOK999&format=gpkg 200 range=no "
                          "auth=alice:S3CRETPW\n"
                          "GET /s.geojson?api_key=KEY777 200 range=no\n");
    cr_assert(!strstr(e, "S3CRETPW") && !strstr(e, "TOK999") && !strstr(e, "KEY777"), "%s", e);
    cr_assert_eq(cli_sh("cd '%s' && grep -rlaE 'S3CRETPW|TOK999|KEY777' o c", cli_tmp), 1,
                 "written in: %s", cli_output());
    cr_assert_eq(cli_sh("cd '%s' && grep -qF 'alice:***@127.0.0.1' o/run.json && "
                        "grep -qF 'sh.gpkg?token=***&format=gpkg' o/run.json && "
                        "grep -qF 's.geojson?api_key=***' o/run.json",
                        cli_tmp),
                 0, "run.json names the inputs with *** for the credentials");
    free(e);
    free(log);
}

/* `isoreach run` on Shanghai with the stations a shapefile on the server, --cache c. */
static int run_remote_shp(int port)
{
    return cli_sh("cd '%s' && %s run -q --out o --cache c --boundaries "
                  "http://127.0.0.1:%d/sh.gpkg --stations "
                  "http://127.0.0.1:%d/yrd_rail_stations.shp --hubs shanghai_hongqiao "
                  "--resolution 2000 --no-maps",
                  cli_tmp, CLI, port, port);
}

Test(fetch, a_sidecar_the_server_no_longer_has_is_removed_from_the_cache)
{
    cr_assert_eq(cli_sh("cd '%s' && for e in shp shx dbf prj cpg; do cp yrd_rail_stations.$e "
                        "'%s/www/'; done",
                        S, cli_tmp),
                 0);
    int port;
    pid_t srv = server_start("normal", &port);
    cr_assert_eq(run_remote_shp(port), 0);
    cr_assert_eq(cli_sh("test -f '%s'/c/*/yrd_rail_stations.dbf", cli_tmp), 0);
    /* the .dbf goes from the server: the cached one must not be read with the .shp, which is
     * refused as with an empty cache, and the cached .dbf and its sidecar are gone */
    cr_assert_eq(cli_sh("rm '%s/www/yrd_rail_stations.dbf'", cli_tmp), 0);
    cr_assert_eq(cli_sh("cat '%s'/c/*/yrd_rail_stations.dbf.fetch.json", cli_tmp), 0);
    char *o = cli_output();
    json_object *meta = json_tokener_parse(o);
    free(o);
    cr_assert_not_null(meta);
    char at[64];
    snprintf(at, sizeof at, "%s",
             json_object_get_string(json_object_object_get(meta, "fetched_at")));
    json_object_put(meta);
    int rc = run_remote_shp(port);
    server_stop(srv);
    cr_assert_eq(rc, 1);
    char *e = cli_stderr(), want[1500];
    snprintf(want, sizeof want,
             "isoreach: warning: stations 'http://127.0.0.1:%d/yrd_rail_stations.dbf': the "
             "server answered HTTP 404 (it no longer has this file); the copy cached on %s was "
             "removed, so the shapefile is read as the server serves it now\n"
             "isoreach: stations 'http://127.0.0.1:%d/yrd_rail_stations.shp' layer "
             "'yrd_rail_stations' has no attributes: "
             "'http://127.0.0.1:%d/yrd_rail_stations.dbf' is missing beside the .shp (a "
             "shapefile is its .shp, .shx, .dbf and .prj together); copy it there\n",
             port, at, port, port);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(cli_sh("find '%s/c' -name '*.dbf*' | grep -q .", cli_tmp), 1); /* none left */
    /* the other files are still cached: .shp, .shx, .prj and .cpg, each with its sidecar,
     * and the GeoPackage with its own */
    cr_assert_eq(files_under("c"), 10);
}

Test(fetch, a_gzip_encoded_body_is_decoded_before_it_is_cached)
{
    /* a server that compresses on the fly (Content-Encoding: gzip) */
    cr_assert_eq(cli_sh("cd '%s/www' && gzip -c s.geojson > z.geojson && "
                        "echo 'Content-Encoding: gzip' > z.geojson.headers",
                        cli_tmp),
                 0);
    int port;
    pid_t srv = server_start("normal", &port);
    int rc = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info http://127.0.0.1:%d/z.geojson", cli_tmp, CLI,
                    port);
    server_stop(srv);
    cr_assert_eq(rc, 0);
    char *o = cli_output(), want[300];
    snprintf(want, sizeof want, "Source: http://127.0.0.1:%d/z.geojson\nDriver: GeoJSON\n", port);
    cr_assert(strncmp(o, want, strlen(want)) == 0, "%s", o);
    free(o);
    /* the cache holds the file itself, not the gzip bytes */
    cr_assert_eq(cli_sh("cmp '%s/www/s.geojson' '%s'/xdg/isoreach/fetch/*/z.geojson", cli_tmp,
                        cli_tmp),
                 0);
}

Test(fetch, a_redirect_is_followed_to_http_only)
{
    cr_assert_eq(cli_sh("cd '%s/www' && touch r.gpkg f.gpkg && "
                        "printf 'Status: 302\\nLocation: /sh.gpkg\\n' > r.gpkg.headers && "
                        "printf 'Status: 302\\nLocation: ftp://127.0.0.1:1/sh.gpkg\\n' > "
                        "f.gpkg.headers",
                        cli_tmp),
                 0);
    int port;
    pid_t srv = server_start("normal", &port);
    int rc = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info http://127.0.0.1:%d/r.gpkg", cli_tmp, CLI,
                    port);
    cr_assert_eq(rc, 0);
    char *o = cli_output();
    cr_assert(strstr(o, "Features: 16"), "%s", o); /* Shanghai's 16 districts */
    free(o);
    /* to ftp://: refused, naming where it went, and nothing asked of the ftp address */
    rc = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info http://127.0.0.1:%d/f.gpkg", cli_tmp, CLI, port);
    server_stop(srv);
    cr_assert_eq(rc, 1);
    char *e = cli_stderr(), want[600];
    snprintf(want, sizeof want,
             "isoreach: input 'http://127.0.0.1:%d/f.gpkg': the server redirects to "
             "'ftp://127.0.0.1:1/sh.gpkg'; isoreach follows redirects to http:// and https:// "
             "only: download the file yourself and give its path\n",
             port);
    cr_assert_str_eq(e, want);
    free(e);
    char *log = requests();
    cr_assert_str_eq(log, "GET /r.gpkg 302 range=no\n"
                          "GET /sh.gpkg 200 range=no\n"
                          "GET /f.gpkg 302 range=no\n");
    free(log);
}

Test(fetch, a_malformed_url_says_what_is_wrong)
{
    /* libcurl refuses these before any connection: no server needed */
    int rc = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info 'http://127.0.0.1:1/my stations.gpkg'",
                    cli_tmp, CLI);
    cr_assert_eq(rc, 1);
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: input 'http://127.0.0.1:1/my stations.gpkg': the URL is "
                        "malformed: it contains a space (write each space as %20)\n");
    free(e);
    rc = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info 'http://127.0.0.1:99999/s.gpkg'", cli_tmp, CLI);
    cr_assert_eq(rc, 1);
    e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: input 'http://127.0.0.1:99999/s.gpkg': the URL is malformed "
                        "(libcurl: URL using bad/illegal format or missing URL); check the "
                        "address\n");
    free(e);
    cr_assert_eq(cli_sh("test -e '%s/xdg'", cli_tmp), 1);
}

/* Runs `isoreach run` with the boundaries from the server and --cache `cache`: its exit status
 * in *rc, and what it said (free it); cache_said() then checks it failed (exit 1) saying `why`
 * about the cache. Two steps: a test unmounts what it mounted before asserting. */
static char *cache_run(int port, const char *cache, int *rc)
{
    *rc = cli_sh("cd '%s' && %s run -q --out o --cache '%s' --boundaries "
                 "http://127.0.0.1:%d/sh.gpkg",
                 cli_tmp, CLI, cache, port);
    return cli_stderr();
}

static void cache_said(int port, int rc, char *err, const char *why)
{
    char want[1200];
    snprintf(want, sizeof want,
             "isoreach: boundaries 'http://127.0.0.1:%d/sh.gpkg': %s; give another --cache "
             "DIR, or --cache none to download into a temporary folder\n",
             port, why);
    cr_assert_eq(rc, 1, "%s", err);
    cr_assert_str_eq(err, want);
    free(err);
}

Test(fetch, a_cache_folder_that_cannot_be_written_names_the_cache_option)
{
    int port, rc[4] = {0, 0, 0, 0};
    pid_t srv = server_start("normal", &port);
    char *err[4] = {NULL, NULL, NULL, NULL}, mnt[300], entry[400], why[900];
    cli_put("afile", "not a folder\n");
    err[0] = cache_run(port, "afile", &rc[0]);
    err[1] = cache_run(port, "afile/c", &rc[1]);
    snprintf(mnt, sizeof mnt, "%s/mnt-ro", cli_tmp);
    int ro = geteuid() == 0 && cli_sh("mkdir '%s'", mnt) == 0 &&
             mount("tmpfs", mnt, "tmpfs", MS_RDONLY, "size=64k") == 0;
    char *hash = NULL;
    if (ro) { /* root can write anywhere but on a read-only file system */
        /* a cache on a read-only file system */
        err[2] = cache_run(port, "mnt-ro/c", &rc[2]);
        umount(mnt);
        /* a cache whose entry became read-only, when the file changes on the server */
        cli_sh("cd '%s' && %s run -q --out o --cache c --boundaries http://127.0.0.1:%d/sh.gpkg "
               "--hubs shanghai_hongqiao --resolution 2000 --no-maps 2>/dev/null && ls c && "
               "sleep 0.01 && echo >> www/sh.gpkg",
               cli_tmp, CLI, port);
        hash = cli_output();
        hash[strcspn(hash, "\n")] = '\0';
        snprintf(entry, sizeof entry, "%s/c/%s", cli_tmp, hash);
        ro = mount("tmpfs", entry, "tmpfs", MS_RDONLY, "size=64k") == 0;
        err[3] = ro ? cache_run(port, "c", &rc[3]) : NULL;
        umount(entry);
    }
    server_stop(srv);
    cache_said(port, rc[0], err[0],
               "download cache 'afile' (--cache): 'afile' is a file, not a folder");
    cache_said(port, rc[1], err[1],
               "download cache 'afile/c' (--cache): 'afile' is a file, not a folder");
    if (!hash)
        cr_skip_test("cannot mount a read-only tmpfs (not root?)");
    cache_said(port, rc[2], err[2],
               "download cache 'mnt-ro/c' (--cache): cannot create 'mnt-ro/c': Read-only file "
               "system");
    cr_assert(ro, "cannot mount a read-only tmpfs on '%s'", entry);
    snprintf(why, sizeof why, "download cache 'c' (--cache): 'c/%s' is not writable: Read-only "
             "file system", hash);
    free(hash);
    cache_said(port, rc[3], err[3], why);
}

Test(fetch, a_long_file_name_keeps_its_extension_in_the_cache)
{
    /* a 250-character stem: the cache cuts names to 127 characters, the stem and not the
     * extension, so the .shp, .shx, .dbf and .prj stay four files of one shapefile */
    char stem[251];
    memset(stem, 'x', 250);
    stem[250] = '\0';
    cr_assert_eq(cli_sh("for e in shp shx dbf prj; do cp '%s'/yrd_rail_stations.$e "
                        "'%s/www/%s.'$e; done",
                        S, cli_tmp, stem),
                 0);
    int port;
    pid_t srv = server_start("normal", &port);
    int rc = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info http://127.0.0.1:%d/%s.shp", cli_tmp, CLI,
                    port, stem);
    server_stop(srv);
    char *o = cli_output();
    cr_assert_eq(rc, 0, "%s", o);
    cr_assert(strstr(o, "Driver: ESRI Shapefile\n"), "%s", o);
    cr_assert(strstr(o, "CRS: WGS 84 (EPSG:4326), geographic (degrees)\n"), "%s", o);
    cr_assert(strstr(o, "Features: 82\n"), "%s", o);
    cr_assert(strstr(o, "Fields (4):\n"), "%s", o); /* the .dbf */
    free(o);
    cr_assert_eq(cli_sh("cd '%s'/xdg/isoreach/fetch/* && ls", cli_tmp), 0);
    o = cli_output();
    char want[1200], s123[124];
    memset(s123, 'x', 123);
    s123[123] = '\0';
    snprintf(want, sizeof want,
             "%s.dbf\n%s.dbf.fetch.json\n%s.prj\n%s.prj.fetch.json\n%s.shp\n%s.shp.fetch.json\n"
             "%s.shx\n%s.shx.fetch.json\n",
             s123, s123, s123, s123, s123, s123, s123, s123);
    cr_assert_str_eq(o, want);
    free(o);
}

Test(fetch, a_web_page_sent_for_a_data_file_is_refused)
{
    /* a login page sent with 200 for a GeoPackage, and for a shapefile's .prj; an .html URL
     * is a web page on purpose */
    cr_assert_eq(cli_sh("cd '%s/www' && echo '<html><body>Please log in</body></html>' > "
                        "login.gpkg && echo 'Content-Type: text/html; charset=utf-8' > "
                        "login.gpkg.headers && for e in shp shx dbf prj; do cp "
                        "'%s'/yrd_rail_lines.$e .; done && cp login.gpkg.headers "
                        "yrd_rail_lines.prj.headers && cp login.gpkg page.html && cp "
                        "login.gpkg.headers page.html.headers",
                        cli_tmp, S),
                 0);
    int port;
    pid_t srv = server_start("normal", &port);
    int rc[3];
    char *e[3];
    rc[0] = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info http://127.0.0.1:%d/login.gpkg", cli_tmp, CLI,
                   port);
    e[0] = cli_stderr();
    rc[1] = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info http://127.0.0.1:%d/yrd_rail_lines.shp",
                   cli_tmp, CLI, port);
    e[1] = cli_stderr();
    rc[2] = cli_sh("XDG_CACHE_HOME='%s/xdg' %s info http://127.0.0.1:%d/page.html", cli_tmp, CLI,
                   port);
    e[2] = cli_stderr();
    server_stop(srv);
    const char *name[2] = {"login.gpkg", "yrd_rail_lines.prj"};
    for (int i = 0; i < 2; i++) {
        char want[600];
        snprintf(want, sizeof want,
                 "isoreach: input 'http://127.0.0.1:%d/%s': the server sent a web page "
                 "(Content-Type text/html: a login or error page?), not the file; nothing was "
                 "cached; check the address, or download the file yourself\n",
                 port, name[i]);
        cr_assert_eq(rc[i], 1);
        cr_assert_str_eq(e[i], want);
        free(e[i]);
    }
    /* the .html is downloaded, then GDAL says what it makes of it */
    cr_assert_eq(rc[2], 1);
    cr_assert(strstr(e[2], "page.html") && !strstr(e[2], "web page"), "%s", e[2]);
    free(e[2]);
    cr_assert_eq(cli_sh("ls '%s'/xdg/isoreach/fetch/*/ | grep -qE 'login|prj'", cli_tmp), 1);
}
