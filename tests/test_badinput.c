/* Criterion suite: the bad-input catalogue. Each case runs the `isoreach` command (CLI)
 * on fixtures made from the embedded sample (ISR_SAMPLE_DIR) in a temporary folder, with
 * ogr2ogr, and checks what a user sees: the exit status, the exact message (naming the file,
 * layer, feature and field), and what is left on disk: no output file and no temporary
 * `.*.part-*` file after a failure, complete files only after a full disk or an interrupt.
 * Cases that need root (tmpfs mounts) skip when not root. */
#include "internal.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <glob.h>
#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli_support.h"

/* The command under test: ISR_CLI, or $ISR_CLI_PATH (a build of it elsewhere). */
#define CLI cli_command(ISR_CLI)

#define S ISR_SAMPLE_DIR

static void tmp_make(void) { cli_tmp_make("isr-bad"); }

TestSuite(badinput, .init = tmp_make, .fini = cli_tmp_remove, .timeout = 300);

/* `isoreach run -q --out TMP/o ARGS`; returns the exit status. */
static int run(const char *fmt, ...)
{
    char args[3000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return cli_sh("%s run -q --out '%s/o' %s", CLI, cli_tmp, args);
}

/* No temporary file anywhere under `dir`. */
static void no_temporaries(const char *dir)
{
    cr_assert_eq(cli_sh("find '%s' -name '.*.part-*' | grep -q .", dir), 1,
                 "temporary files left under %s", dir);
}

/* After a failed run: the output folder was not left behind (nor any file in it). */
static void nothing_written(void)
{
    cr_assert_eq(cli_sh("test -e '%s/o'", cli_tmp), 1, "the output folder was left behind");
    no_temporaries(cli_tmp);
}

/* The exit status and the whole of stderr ("isoreach: MSG\n"), then nothing written. */
static void refused(int rc, int want_rc, const char *fmt, ...)
{
    char want[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    char *e = cli_stderr();
    cr_assert_eq(rc, want_rc, "exit status %d, stderr: %s", rc, e);
    char line[4200];
    snprintf(line, sizeof line, "isoreach: %s\n", want);
    cr_assert_str_eq(e, line);
    free(e);
    nothing_written();
}

/* ---- sources -------------------------------------------------------------------------- */

Test(badinput, missing_file)
{
    int rc = run("--boundaries '%s/nowhere.shp'", cli_tmp);
    refused(rc, 1, "boundaries '%s/nowhere.shp': cannot open it: No such file or directory", cli_tmp);
}

Test(badinput, damaged_or_unreadable_file)
{
    /* not a format GDAL reads */
    cr_assert_eq(cli_sh("printf 'not a shapefile' > '%s/junk.shp'", cli_tmp), 0);
    int rc = run("--boundaries '%s/junk.shp'", cli_tmp);
    refused(rc, 1,
            "boundaries '%s/junk.shp': cannot open as a vector source (not a format GDAL reads, "
            "or damaged)",
            cli_tmp);
    /* a shapefile whose .dbf was cut short: OGR stops reading, and says why */
    cr_assert_eq(cli_sh("cp %s/yrd_rail_lines.* '%s/' && truncate -s 1000 '%s/yrd_rail_lines.dbf'",
                    S, cli_tmp, cli_tmp),
                 0);
    rc = run("--lines '%s/yrd_rail_lines.shp'", cli_tmp);
    refused(rc, 1,
            "lines '%s/yrd_rail_lines.shp' layer 'yrd_rail_lines': cannot read its features (a "
            "damaged file?) (fread(881) failed on DBF file.)",
            cli_tmp);
    /* a .shp cut in half: the first feature whose geometry GDAL could not read is named, and
     * the file called damaged */
    cr_assert_eq(cli_sh("cp %s/yrd_rail_lines.* '%s/' && truncate -s 3300 '%s/yrd_rail_lines.shp'",
                    S, cli_tmp, cli_tmp),
                 0);
    rc = run("--lines '%s/yrd_rail_lines.shp'", cli_tmp);
    refused(rc, 1,
            "lines '%s/yrd_rail_lines.shp' layer 'yrd_rail_lines': feature 18 cannot be read: "
            "the file is damaged or cut short (copy or export it again) (Error in fread() "
            "reading object of size 120 at offset 3268 from .shp file)",
            cli_tmp);
    /* an index, or a table header, that counts fewer features than the .shp holds (its
     * header's length mended too): GDAL read that many and dropped the rest without a word,
     * 3 of 43 lines here (a new-user pass) */
    cr_assert_eq(cli_sh("cp %s/yrd_rail_lines.* '%s/' && cd '%s' && /usr/bin/python3 -c \""
                        "import struct\n"
                        "d = bytearray(open('yrd_rail_lines.shx', 'rb').read())[:100 + 8 * 40]\n"
                        "struct.pack_into('>i', d, 24, len(d) // 2)\n"
                        "open('yrd_rail_lines.shx', 'wb').write(d)\"",
                        S, cli_tmp, cli_tmp),
                 0);
    rc = run("--lines '%s/yrd_rail_lines.shp'", cli_tmp);
    refused(rc, 1,
            "lines '%s/yrd_rail_lines.shp' layer 'yrd_rail_lines': its files disagree on how many "
            "features it has: the .shp holds 43 records, the .shx indexes 40 and the .dbf 43 (one "
            "cut short, or from another version of the layer), and GDAL would read the fewer "
            "without a word. Copy the layer's .shp, .shx and .dbf again, together",
            cli_tmp);
    cr_assert_eq(cli_sh("cp %s/yrd_rail_lines.* '%s/' && printf '\\050' | dd of='%s/"
                        "yrd_rail_lines.dbf' bs=1 seek=4 conv=notrunc status=none",
                        S, cli_tmp, cli_tmp),
                 0); /* 40 records in the .dbf's header */
    rc = run("--lines '%s/yrd_rail_lines.shp'", cli_tmp);
    refused(rc, 1,
            "lines '%s/yrd_rail_lines.shp' layer 'yrd_rail_lines': its files disagree on how many "
            "features it has: the .shp holds 43 records, the .shx indexes 43 and the .dbf 40 (one "
            "cut short, or from another version of the layer), and GDAL would read the fewer "
            "without a word. Copy the layer's .shp, .shx and .dbf again, together",
            cli_tmp);
    /* without read permission (root reads everything, so only as another user) */
    if (geteuid() != 0) {
        cr_assert_eq(cli_sh("cp %s/yrd_counties.* '%s/' && chmod 000 '%s/yrd_counties.shp'", S, cli_tmp,
                        cli_tmp),
                     0);
        rc = run("--boundaries '%s/yrd_counties.shp'", cli_tmp);
        refused(rc, 1, "boundaries '%s/yrd_counties.shp': cannot read it: Permission denied",
                cli_tmp);
    }
}

Test(badinput, layer_that_does_not_exist)
{
    int rc = run("--stations-layer nope");
    refused(rc, 1,
            "stations '%s/yrd_rail_stations.shp': no layer named 'nope' (layers: "
            "yrd_rail_stations)",
            S);
}

Test(badinput, empty_layer)
{
    cr_assert_eq(cli_sh("printf '{\"type\":\"FeatureCollection\",\"features\":[]}' > '%s/empty.geojson'",
                    cli_tmp),
                 0);
    int rc = run("--stations '%s/empty.geojson'", cli_tmp);
    refused(rc, 1, "stations '%s/empty.geojson' layer 'empty' has no features", cli_tmp);
}

Test(badinput, wrong_geometry_type)
{
    int rc = run("--boundaries %s/yrd_rail_stations.shp", S);
    refused(rc, 1,
            "boundaries '%s/yrd_rail_stations.shp' layer 'yrd_rail_stations' has points, but "
            "boundaries must be polygons",
            S);
    rc = run("--lines %s/yrd_counties.shp", S);
    refused(rc, 1,
            "lines '%s/yrd_counties.shp' layer 'yrd_counties' has polygons, but lines must be "
            "lines",
            S);
}

/* Seconds since `t0` (CLOCK_MONOTONIC). */
static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* An id of the data (or of the command line) holding control characters was printed as it
 * is: ESC sequences drove the terminal (clear the screen, recolour, retitle). Now written as
 * \xHH, the rest of the message as it was (a new-user pass). */
Test(badinput, control_characters_in_a_message_are_shown_not_obeyed)
{
    int rc = run("--hubs \"$(printf 'x\\033[2Jy')\" --resolution 5000 --water none");
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert_null(strchr(e, '\033'), "%s", e);
    cr_assert_not_null(strstr(e, "isoreach: --hubs: no station has id 'x\\x1b[2Jy'"), "%s", e);
    free(e);
    rc = run("--hubs \"$(printf 'x\\302\\2332Jy')\" --resolution 5000 --water none"); /* C1 CSI */
    e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert_not_null(strstr(e, "no station has id 'x\\u009b2Jy'"), "%s", e);
    free(e);
    /* a new line in an id made a line of its own (a forged "isoreach: outputs in …") */
    rc = run("--hubs \"$(printf 'x\nisoreach: outputs in /tmp/y')\" --resolution 5000 --water none");
    e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert_not_null(strstr(e, "no station has id 'x\\x0aisoreach: outputs in /tmp/y'"), "%s", e);
    cr_assert_null(strstr(e, "\nisoreach: outputs in /tmp/y"), "%s", e);
    free(e);
}

Test(badinput, input_that_is_a_fifo_is_refused_at_once)
{
    /* opening a FIFO blocks until a writer comes: without the check the run hangs for ever */
    cr_assert_eq(cli_sh("mkfifo '%s/pipe'", cli_tmp), 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = run("--stations '%s/pipe'", cli_tmp);
    refused(rc, 1,
            "stations '%s/pipe': is a named pipe (FIFO), not a file; isoreach reads files, "
            "folders or http(s) URLs",
            cli_tmp);
    cr_assert_lt(since(&t0), 20, "the refusal took %.1f s", since(&t0));
    /* a raster input, and a character device, the same way */
    rc = run("--population '%s/pipe' --resolution 5000 --hubs shanghai_hongqiao --water none",
             cli_tmp); /* the sample's rivers under half a 5 km cell would be warned about first */
    refused(rc, 1,
            "population raster '%s/pipe': is a named pipe (FIFO), not a file; isoreach reads "
            "files, folders or http(s) URLs",
            cli_tmp);
    rc = run("--boundaries /dev/zero");
    refused(rc, 1,
            "boundaries '/dev/zero': is a character device, not a file; isoreach reads files, "
            "folders or http(s) URLs");
    rc = cli_sh("%s info '%s/pipe'", CLI, cli_tmp);
    refused(rc, 1,
            "input '%s/pipe': is a named pipe (FIFO), not a file; isoreach reads files, folders "
            "or http(s) URLs",
            cli_tmp);
    /* the text inputs isoreach reads itself: they blocked in open(), and /dev/zero as
     * --road-classes spun for ever, deaf to SIGINT and SIGTERM (a new-user pass) */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = run("--transfers '%s/pipe' --resolution 5000 --water none", cli_tmp);
    refused(rc, 1,
            "transfers '%s/pipe': is a named pipe (FIFO), not a file; isoreach reads files, "
            "folders or http(s) URLs",
            cli_tmp);
    rc = run("--hubs '@%s/pipe' --resolution 5000 --water none", cli_tmp);
    refused(rc, 1,
            "--hubs @FILE '%s/pipe': is a named pipe (FIFO), not a file; isoreach reads files, "
            "folders or http(s) URLs",
            cli_tmp);
    rc = run("--road-classes /dev/zero --resolution 5000 --water none");
    refused(rc, 1,
            "--road-classes '/dev/zero': is a character device, not a file; isoreach reads "
            "files, folders or http(s) URLs");
    cr_assert_lt(since(&t0), 60, "the refusals took %.1f s", since(&t0));
}

/* A server on 127.0.0.1 that accepts connections (the kernel completes the handshake for
 * the listen backlog) and never answers. Returns the socket; *port is its port. */
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

Test(badinput, server_that_never_answers_times_out)
{
    int port, s = silent_server(&port);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = run("--boundaries http://127.0.0.1:%d/x.geojson --timeout 2", port);
    double took = since(&t0);
    close(s);
    refused(rc, 1,
            "boundaries 'http://127.0.0.1:%d/x.geojson': no answer within 2 s (--timeout); check "
            "the address or raise --timeout",
            port);
    cr_assert(took >= 2 && took < 8, "failed after %.1f s, not about 2 s", took);
    rc = run("--timeout 0");
    refused(rc, 2, "--timeout: 0 is out of range (more than 0 to 86400)");
}

Test(badinput, sigint_while_waiting_for_a_server_stops_the_run)
{
    int port, s = silent_server(&port);
    char errp[300], url[100], out[300];
    snprintf(errp, sizeof errp, "%s/stderr.txt", cli_tmp);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x.geojson", port);
    snprintf(out, sizeof out, "%s/o", cli_tmp);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        if (!freopen(errp, "w", stderr))
            _exit(126);
        /* the default --timeout, 60 s: only the signal can end it in time */
        execl(CLI, "isoreach", "run", "-q", "--out", out, "--boundaries", url, (char *)NULL);
        _exit(127);
    }
    struct timespec nap = {1, 0}, t0;
    nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(kill(pid, SIGINT), 0);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    double took = since(&t0);
    close(s);
    cr_assert(WIFEXITED(status), "killed by signal %d", WTERMSIG(status));
    refused(WEXITSTATUS(status), 130,
            "interrupted while loading the inputs; nothing was written");
    cr_assert_lt(took, 5, "stopped %.1f s after SIGINT", took);
}

/* ---- CRS ------------------------------------------------------------------------------- */

Test(badinput, no_crs)
{
    cr_assert_eq(cli_sh("cd %s && cp yrd_rail_stations.shp yrd_rail_stations.shx yrd_rail_stations.dbf "
                    "'%s/'",
                    S, cli_tmp),
                 0);
    int rc = run("--stations '%s/yrd_rail_stations.shp'", cli_tmp);
    refused(rc, 1,
            "stations '%s/yrd_rail_stations.shp' layer 'yrd_rail_stations' has no CRS (for a "
            "shapefile, the .prj file is missing): assign one, e.g. with ogr2ogr -a_srs "
            "EPSG:4326",
            cli_tmp);
}

Test(badinput, crs_that_cannot_be_transformed)
{
    /* Mars: PROJ has no operation between two celestial bodies */
    cli_ogr("-f GeoJSON -nln mars -a_srs IAU_2015:49900 mars.geojson %s/yrd_rail_stations.shp", S);
    int rc = run("--stations '%s/mars.geojson'", cli_tmp);
    refused(rc, 1,
            "stations '%s/mars.geojson' layer 'mars': its CRS 'Mars (2015) - Sphere / Ocentric' "
            "cannot be transformed to the analysis CRS 'isoreach fitted Albers equal-area' "
            "(PROJ: Cannot find coordinate operations)",
            cli_tmp);
}

Test(badinput, coordinates_outside_the_crs_area_of_use)
{
    /* UTM zone 1N is for Alaska and the Bering Sea, not for China */
    int rc = run("--crs EPSG:32601");
    refused(rc, 1,
            "--crs 'EPSG:32601' (WGS 84 / UTM zone 1N) is made for longitudes -180 to -174 and "
            "latitudes 0 to 84, but boundaries '%s/yrd_counties.shp' layer 'yrd_counties' lies "
            "at longitudes 114.88 to 122.95 and latitudes 27.04 to 35.12: choose a CRS for the "
            "region, or leave out --crs for a fitted equal-area one",
            S);
    /* a station at latitude 95 */
    cli_ogr("-f GeoJSON -nln stations st.geojson %s/yrd_rail_stations.shp -dialect sqlite -sql "
        "\"SELECT id, name, hub, CASE WHEN id = 'kunshan_south' THEN MakePoint(121.0, 95.0, 4326) "
        "ELSE geometry END AS geometry FROM yrd_rail_stations\"",
        S);
    rc = run("--stations '%s/st.geojson'", cli_tmp);
    refused(rc, 1,
            "stations '%s/st.geojson' layer 'stations': station 'kunshan_south' (feature 20) at "
            "(121 95) cannot be transformed to the analysis CRS: are these valid coordinates in "
            "its CRS 'WGS 84'?",
            cli_tmp);
    /* a county above the pole */
    cli_ogr("-f GeoJSON -nln counties b.geojson %s/yrd_counties.shp -dialect sqlite -sql "
        "\"SELECT code, name, CASE WHEN code = '310101' THEN ST_GeomFromText('POLYGON((121.4 "
        "91.2, 121.5 91.3, 121.5 91.2, 121.4 91.2))', 4326) ELSE geometry END AS geometry FROM "
        "yrd_counties WHERE prov_code = '310000'\"",
        S);
    rc = run("--boundaries '%s/b.geojson'", cli_tmp);
    refused(rc, 1,
            "boundaries '%s/b.geojson' layer 'counties': feature 0 lies at (121.4 91.2, 121.5 "
            "91.3), which are not valid coordinates in its CRS 'WGS 84': is its CRS right?",
            cli_tmp);
    /* a county that reaches a hair past the pole (within the extent check's tolerance): the
     * projection refuses it. It is named with PROJ's reason, before a later county's fault
     * (a point), as the boundaries are read in order, and PROJ prints nothing of its own */
    cli_ogr("-f GeoJSON -nln counties c.geojson %s/yrd_counties.shp -dialect sqlite -sql "
        "\"SELECT code, name, CASE WHEN code = '310101' THEN ST_GeomFromText('POLYGON((121.4 "
        "89.99, 121.5 89.99, 121.45 90.00005, 121.4 89.99))', 4326) WHEN code = '310115' THEN "
        "MakePoint(121.5, 31.2, 4326) ELSE geometry END AS geometry FROM yrd_counties WHERE "
        "prov_code = '310000'\"",
        S);
    rc = run("--boundaries '%s/c.geojson'", cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    char want[1024];
    snprintf(want, sizeof want,
             "isoreach: boundaries '%s/c.geojson' layer 'counties': feature 0 cannot be "
             "transformed to the analysis CRS (outside the CRS's area of use?) (Full "
             "reprojection failed",
             cli_tmp);
    cr_assert(strstr(e, want), "%s", e);
    cr_assert_null(strstr(e, "not a polygon"), "%s", e);
    /* PROJ's own log line for each point of the scale check past the pole: not for users */
    cr_assert_null(strstr(e, "Invalid latitude"), "%s", e);
    free(e);
    nothing_written();
}

/* ---- fields ---------------------------------------------------------------------------- */

Test(badinput, field_named_in_a_flag_is_missing_or_of_the_wrong_type)
{
    int rc = run("--hub-field nope");
    refused(rc, 1,
            "1 field flag names no field: stations '%s/yrd_rail_stations.shp' layer "
            "'yrd_rail_stations': no field 'nope' (--hub-field) — its fields are: id, name, "
            "name_en, hub. Give the names as they are in the data (or 'none' to go without an "
            "optional field)",
            S);
    rc = run("--line-speed name");
    refused(rc, 1,
            "lines '%s/yrd_rail_lines.shp' layer 'yrd_rail_lines': field 'name' must be numeric "
            "but is String: feature 0 holds 'Beijing–Shanghai HSR (Xuzhou East–Shanghai Hongqiao)', "
            "which is no number; fix the values (leave a value that is not known empty)",
            S);
}

#define LINES_SQL(speed, headway, geom)                                                       \
    "-f GeoJSON -nln lines ln.geojson " S "/yrd_rail_lines.shp -dialect sqlite -sql \"SELECT "  \
    "id, name, " speed " AS speed_kmh, " headway " AS headway, minutes, stops, " geom          \
    " AS geometry FROM yrd_rail_lines\""

Test(badinput, empty_values)
{
    /* a station without an id */
    cli_ogr("-f GeoJSON -nln stations st.geojson %s/yrd_rail_stations.shp -dialect sqlite -sql "
        "\"SELECT CASE WHEN id = 'kunshan_south' THEN '' ELSE id END AS id, name, hub, geometry "
        "FROM yrd_rail_stations\"",
        S);
    int rc = run("--stations '%s/st.geojson'", cli_tmp);
    refused(rc, 1,
            "stations '%s/st.geojson' layer 'stations': feature 20: field 'id' is empty; every "
            "station needs a unique id",
            cli_tmp);
    /* a line without a speed */
    cli_ogr(LINES_SQL("CASE WHEN id = 'huning_icr' THEN NULL ELSE speed_kmh END", "headway",
                  "geometry"));
    rc = run("--lines '%s/ln.geojson'", cli_tmp);
    refused(rc, 1,
            "lines '%s/ln.geojson' layer 'lines': line 'huning_icr' (feature 1): field "
            "'speed_kmh' is empty; it must be a positive speed in km/h",
            cli_tmp);
}

Test(badinput, zero_or_negative_speeds_and_headways)
{
    cli_ogr(LINES_SQL("CASE WHEN id = 'huning_icr' THEN 0 ELSE speed_kmh END", "headway",
                  "geometry"));
    int rc = run("--lines '%s/ln.geojson'", cli_tmp);
    refused(rc, 1,
            "lines '%s/ln.geojson' layer 'lines': line 'huning_icr' (feature 1): field "
            "'speed_kmh' is 0; it must be a positive speed in km/h",
            cli_tmp);
    cr_assert_eq(cli_sh("rm '%s/ln.geojson'", cli_tmp), 0);
    cli_ogr(LINES_SQL("speed_kmh", "CASE WHEN id = 'huhang_hsr' THEN -10 ELSE headway END",
                  "geometry"));
    rc = run("--lines '%s/ln.geojson'", cli_tmp);
    refused(rc, 1,
            "lines '%s/ln.geojson' layer 'lines': line 'huhang_hsr' (feature 2): field "
            "'headway' is -10; it must be a positive headway in minutes, at most 1440 (a day)",
            cli_tmp);
    /* and the model's own times */
    rc = run("--egress-speed 0");
    cr_assert_eq(rc, 2);
    char *e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: --egress-speed: 0 is out of range (more than 0 to 1000)\n");
    free(e);
    rc = run("--dwell -1");
    cr_assert_eq(rc, 2);
    e = cli_stderr();
    cr_assert_str_eq(e, "isoreach: --dwell: -1 is out of range (from 0 to 120)\n");
    free(e);
    nothing_written();
}

/* ---- geometries and the network -------------------------------------------------------- */

/* Shanghai's 16 districts, the first (310101) drawn as a bowtie: self-intersecting. */
static void bowtie_boundaries(void)
{
    cli_ogr("-f GeoJSON -nln counties bow.geojson %s/yrd_counties.shp -dialect sqlite -sql "
        "\"SELECT code, name, pref_code, pref_name, prov_code, prov_name, pop, CASE WHEN code = "
        "'310101' THEN ST_GeomFromText('POLYGON((121.40 31.20, 121.50 31.30, 121.50 31.20, "
        "121.40 31.30, 121.40 31.20))', 4326) ELSE geometry END AS geometry FROM yrd_counties "
        "WHERE prov_code = '310000'\"",
        S);
}

static json_object *run_json(void)
{
    char p[300];
    snprintf(p, sizeof p, "%s/o/run.json", cli_tmp);
    json_object *root = json_object_from_file(p);
    cr_assert_not_null(root, "no %s", p);
    return root;
}

Test(badinput, invalid_polygon_is_repaired_counted_and_reported)
{
    bowtie_boundaries();
    int rc = cli_sh("%s run --out '%s/o' --boundaries '%s/bow.geojson' --hubs shanghai_hongqiao "
                "--resolution 2000 --no-maps",
                CLI, cli_tmp, cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    char want[600];
    snprintf(want, sizeof want,
             "isoreach: warning: boundaries '%s/bow.geojson' layer 'counties': 1 invalid "
             "polygon(s) (feature 0), 1 repaired with GEOS MakeValid\n",
             cli_tmp);
    cr_assert(strstr(e, want), "%s", e);
    free(e);
    json_object *root = run_json();
    json_object *in = json_object_object_get(root, "inputs");
    cr_assert_eq(json_object_get_int(json_object_object_get(in, "boundary_units")), 16);
    cr_assert_eq(json_object_get_int(json_object_object_get(in, "boundary_units_repaired")), 1);
    json_object_put(root);
    /* the repaired district is kept: it is in the units and in the zones */
    char p[300];
    snprintf(p, sizeof p, "%s/o/region/units.geojson", cli_tmp);
    cr_assert_eq(cli_sh("ogrinfo -ro -q -al '%s' -where \"code = '310101'\" | grep -q MULTIPOLYGON", p),
                 0, "the bowtie district was dropped");
    no_temporaries(cli_tmp);
}

Test(badinput, station_on_no_line_is_warned_skipped_and_listed)
{
    bowtie_boundaries();
    cli_ogr("-f GeoJSON -nln stations st.geojson %s/yrd_rail_stations.shp -dialect sqlite -sql "
        "\"SELECT id, name, hub, geometry FROM yrd_rail_stations UNION ALL SELECT 'lonely_point', "
        "'Lonely Point', 0, MakePoint(121.80, 31.10, 4326)\"",
        S);
    int rc = cli_sh("%s run --out '%s/o' --boundaries '%s/bow.geojson' --stations '%s/st.geojson' "
                "--hubs shanghai_hongqiao,lonely_point --resolution 2000 --no-maps",
                CLI, cli_tmp, cli_tmp, cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    char want[600];
    snprintf(want, sizeof want,
             "isoreach: warning: stations '%s/st.geojson' layer 'stations': station "
             "'lonely_point' is not within 500 m of any line; it is reached by local travel "
             "only\n",
             cli_tmp);
    cr_assert(strstr(e, want), "%s", e);
    free(e);
    json_object *root = run_json();
    json_object *off = json_object_object_get(json_object_object_get(root, "inputs"),
                                              "stations_not_on_lines");
    cr_assert_eq(json_object_array_length(off), 1);
    cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(off, 0)), "lonely_point");
    /* as a hub it still runs, by local travel alone: 1 station reached (itself) */
    json_object *hubs = json_object_object_get(root, "hubs");
    json_object *lonely = json_object_array_get_idx(hubs, 1);
    cr_assert_str_eq(json_object_get_string(json_object_object_get(lonely, "id")), "lonely_point");
    cr_assert_eq(json_object_get_int(json_object_object_get(lonely, "stations_reached")), 1);
    json_object_put(root);
    /* and in every hub's stations.csv with no rail time */
    char p[300];
    snprintf(p, sizeof p, "%s/o/hubs/shanghai_hongqiao/stations.csv", cli_tmp);
    char *csv = cli_slurp(p);
    cr_assert(strstr(csv, "\nshanghai_hongqiao,lonely_point,Lonely Point,,,"), "%s", csv);
    free(csv);
}

Test(badinput, hub_that_is_not_a_station)
{
    int rc = run("--hubs 'shanghai_hongqiao, nowhere_east'");
    refused(rc, 1, "--hubs: no station has id 'nowhere_east' in '%s/yrd_rail_stations.shp'", S);
    rc = run("--hubs ,");
    refused(rc, 2, "--hubs: ',' is not a list of station ids");
}

/* --hubs @FILE in lines mode: the ids of a file (header, comment, blank line skipped) are the
 * hubs; a bad id is refused naming the file and its line. */
Test(badinput, hubs_from_a_file)
{
    /* with the byte order mark of Excel's "CSV UTF-8" (and of isoreach's own tables), which
     * made the header an id */
    cli_put("hubs.txt", "%s", "\xEF\xBB\xBFstation_id\n# two hubs\nnanjing_south\n\nhangzhou_east\n");
    int rc = run("--hubs @%s/hubs.txt --resolution 4000 --budget 30 --no-maps", cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "stderr: %s", e);
    free(e);
    cr_assert_eq(cli_sh("cd '%s/o/hubs' && ls | tr '\\n' ' ' | grep -qx 'hangzhou_east nanjing_south '",
                        cli_tmp),
                 0);
    cli_sh("rm -rf '%s/o'", cli_tmp);
    cli_put("hubs.txt", "%s", "nanjing_south\r\nnowhere_east,Nowhere\r\n");
    rc = run("--hubs @%s/hubs.txt", cli_tmp);
    refused(rc, 1, "--hubs @%s/hubs.txt line 2: no station has id 'nowhere_east' in "
                   "'%s/yrd_rail_stations.shp'", cli_tmp, S);
}

Test(badinput, line_whose_parts_do_not_join)
{
    /* the Shanghai–Hangzhou line with its middle fifth cut out: two pieces */
    cli_ogr(LINES_SQL("speed_kmh", "headway",
                  "CASE WHEN id = 'huhang_hsr' THEN ST_Collect(ST_Line_Substring(geometry, 0, "
                  "0.4), ST_Line_Substring(geometry, 0.6, 1)) ELSE geometry END"));
    int rc = run("--lines '%s/ln.geojson'", cli_tmp);
    refused(rc, 1,
            "lines '%s/ln.geojson' layer 'lines': line 'huhang_hsr' (feature 2) is a "
            "MultiLineString of 2 parts that do not join into one path: the gap between part 1 "
            "and part 2 is 30292 m; join the parts, or split the line into two features",
            cli_tmp);
}

Test(badinput, duplicate_station_ids)
{
    cli_ogr("-f GeoJSON -nln stations st.geojson %s/yrd_rail_stations.shp -dialect sqlite -sql "
        "\"SELECT CASE WHEN id = 'kunshan_south' THEN 'suzhou_north' ELSE id END AS id, name, "
        "hub, geometry FROM yrd_rail_stations\"",
        S);
    int rc = run("--stations '%s/st.geojson'", cli_tmp);
    refused(rc, 1,
            "stations '%s/st.geojson' layer 'stations': feature 20 repeats station id "
            "'suzhou_north' (field 'id'); ids must be unique",
            cli_tmp);
}

Test(badinput, integer_ids_and_codes)
{
    /* Ids and codes stored as numbers, as many registers keep them. OGR formats such a field
     * into a buffer that its next read of the feature frees: found by the line-fields fuzzer
     * (a time-typed minutes field), the same read of an Integer id crashed every run. */
    cli_ogr("-f GeoJSON -nln stations st.geojson %s/yrd_rail_stations.shp -dialect sqlite -sql "
        "\"SELECT CAST(rowid + 100 AS INTEGER) AS id, CAST(rowid AS INTEGER) AS name, hub, "
        "geometry FROM yrd_rail_stations\"",
        S);
    cli_ogr("-f GeoJSON -nln counties b.geojson %s/yrd_counties.shp -dialect sqlite -sql \"SELECT "
        "CAST(code AS INTEGER) AS code, name, pop, geometry FROM yrd_counties WHERE prov_code = "
        "'310000'\"",
        S);
    /* the sample's express calls name the stations by their text ids: no calls here */
    int rc = run("--stations '%s/st.geojson' --boundaries '%s/b.geojson' --line-stops none "
                 "--hubs 120 --resolution 2000 --no-maps",
                 cli_tmp, cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    char p[300];
    snprintf(p, sizeof p, "%s/o/hubs/120/stations.csv", cli_tmp);
    char *csv = cli_slurp(p);
    cr_assert(strstr(csv, "\n120,120,20,,0.000,"), "%s", csv); /* the hub itself, at 0 minutes */
    free(csv);
    /* prefectures derived from the numeric GB/T 2260 codes: 310101 -> 310100 */
    snprintf(p, sizeof p, "%s/o/hubs/120/reach.csv", cli_tmp);
    csv = cli_slurp(p);
    cr_assert(strstr(csv, "\n120,prefecture,310100,,,310100,310000,"), "%s", csv);
    free(csv);
}

/* The run exited with `want` and its stderr holds `msg` (NULL: any); a failed run wrote
 * nothing. */
static void exited(int rc, int want, const char *msg)
{
    char *e = cli_stderr();
    cr_assert_eq(rc, want, "exit status %d, stderr: %s", rc, e);
    cr_assert(!msg || strstr(e, msg), "no \"%s\" in: %s", msg, e);
    free(e);
    if (want != 0)
        nothing_written();
}

/* A .shp cut short (a copy that stopped): GDAL fails to read the geometries of the features
 * beyond the cut and hands them over without one; that is the file's fault, said as such,
 * not "feature 3 is not a point" */
Test(badinput, a_shapefile_cut_short_is_said_to_be_damaged)
{
    cli_sh_ok("for e in shp shx dbf prj cpg; do cp " S "/yrd_rail_stations.$e st.$e; done && "
              "truncate -s 194 st.shp"); /* the header, 3 points of 28 bytes and 10 more */
    exited(run("--stations '%s/st.shp' --hubs shanghai_hongqiao --resolution 2000", cli_tmp), 1,
           "/st.shp' layer 'st': feature 3 cannot be read: the file is damaged or cut short (copy "
           "or export it again) (Error in fread() reading object of size 28 at offset 184");
}

/* An --out that is a symbolic link to nothing: said so (it said "is a file, not a folder") */
Test(badinput, an_output_folder_linking_to_nothing_is_said_so)
{
    cli_sh_ok("ln -s gone dangling");
    char want[1000];
    snprintf(want, sizeof want,
             "output folder '%s/dangling' (--out) is a symbolic link to nothing (its target is "
             "missing): create the folder it names, or give another --out",
             cli_tmp);
    int rc = cli_sh("%s run --out '%s/dangling' --hubs shanghai_hongqiao --resolution 5000 "
                    "--no-maps -q", ISR_CLI, cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert(strstr(e, want), "%s", e);
    free(e);
}

/* Folders inside an earlier output folder replaced by symbolic links (a hub's, region/):
 * the run followed them, writing its outputs outside --out and deleting files there that it
 * took for its own earlier ones (found by a new-user pass). Refused now, by run, reach and
 * map, and nothing outside is touched. */
Test(badinput, symbolic_links_inside_the_output_folder_are_not_followed)
{
    const char *args = "--hubs shanghai_hongqiao --resolution 5000 --no-maps -q";
    cr_assert_eq(cli_sh("cd '%s' && %s run --out o %s", cli_tmp, ISR_CLI, args), 0, "%s",
                 cli_output());
    cli_sh_ok("mkdir elsewhere && echo precious > elsewhere/summary.csv && rm -rf "
              "o/hubs/shanghai_hongqiao && ln -s \"$PWD/elsewhere\" o/hubs/shanghai_hongqiao");
    const char *cmd[3] = {"run --overwrite", "reach", "map"};
    for (int i = 0; i < 3; i++) {
        int rc = cli_sh("cd '%s' && %s %s --out o %s", cli_tmp, ISR_CLI, cmd[i],
                        i == 0 ? args : "-q");
        char *e = cli_stderr();
        cr_assert_eq(rc, 1, "%s: %s", cmd[i], e);
        cr_assert(strstr(e, "isoreach: output folder 'o' (--out): 'hubs/shanghai_hongqiao' in it "
                            "is a symbolic link; isoreach writes, and deletes its own earlier "
                            "files, only inside the output folder, so it does not follow one"),
                  "%s: %s", cmd[i], e);
        free(e);
    }
    cli_sh_ok("test \"$(ls elsewhere)\" = summary.csv && grep -qx precious elsewhere/summary.csv");
    /* region/ itself */
    cli_sh_ok("rm o/hubs/shanghai_hongqiao && mv o/region elsewhere/r && ln -s \"$PWD/elsewhere/r\" "
              "o/region");
    cr_assert_eq(cli_sh("cd '%s' && %s run --out o --overwrite %s", cli_tmp, ISR_CLI, args), 1);
    char *e = cli_stderr();
    cr_assert(strstr(e, "'region' in it is a symbolic link"), "%s", e);
    free(e);
}

/* A shapefile whose .dbf is missing: GDAL reads its points with no field at all, and every
 * field flag was said to name no field ("its fields are: none"); the missing file is named */
Test(badinput, a_shapefile_without_its_dbf_is_said_so)
{
    cli_sh_ok("for e in shp shx prj cpg; do cp " S "/yrd_rail_stations.$e st.$e; done");
    char want[2000];
    snprintf(want, sizeof want,
             "stations '%s/st.shp' layer 'st' has no attributes: '%s/st.dbf' is missing beside "
             "the .shp (a shapefile is its .shp, .shx, .dbf and .prj together); copy it there",
             cli_tmp, cli_tmp);
    exited(run("--stations '%s/st.shp' --hubs shanghai_hongqiao --resolution 2000", cli_tmp), 1,
           want);
}

/* A station whose geometry is empty: named, with what to do (it said "is not a point") */
Test(badinput, a_station_without_geometry_is_named)
{
    cli_ogr("-f GeoJSON st.geojson %s/yrd_rail_stations.shp -dialect sqlite -sql \"SELECT id, "
            "name, hub, CASE id WHEN 'kunshan_south' THEN NULL ELSE geometry END AS geometry "
            "FROM yrd_rail_stations\"",
            S);
    exited(run("--stations '%s/st.geojson' --hubs shanghai_hongqiao --resolution 2000", cli_tmp),
           1, "('kunshan_south') has no geometry: give the station its point, or delete the feature");
}

/* Stations as a CSV of x and y columns: GDAL reads no geometry (it needs the columns named),
 * and the run says so rather than that the CRS is missing */
Test(badinput, a_csv_without_geometry_is_said_to_have_none)
{
    cli_ogr("-f CSV -lco GEOMETRY=AS_XY st.csv %s/yrd_rail_stations.shp", S);
    exited(run("--stations '%s/st.csv' --hubs shanghai_hongqiao --resolution 2000", cli_tmp), 1,
           "/st.csv' layer 'st' has no geometry, only attributes: for a CSV of coordinates, name "
           "its columns for GDAL");
}

/* The hub flag is "non-zero": 0.5 in a Real field is a hub (it was read as an integer, 0) */
Test(badinput, a_fractional_hub_flag_is_a_hub)
{
    cli_ogr("-f GPKG st.gpkg %s/yrd_rail_stations.shp -nln st -dialect sqlite -sql \"SELECT id, "
            "name, CASE id WHEN 'shanghai_hongqiao' THEN 0.5 WHEN 'hangzhou_east' THEN -1 ELSE 0 "
            "END AS hub, geometry FROM yrd_rail_stations\"",
            S);
    exited(run("--stations '%s/st.gpkg' --resolution 4000 --no-maps", cli_tmp), 0, NULL);
    cr_assert_eq(cli_sh("ls '%s/o/hubs' | tr '\\n' ' ' | grep -qx 'hangzhou_east shanghai_hongqiao '",
                        cli_tmp),
                 0, "the hubs are the stations flagged 0.5 and -1");
}

/* A county of 0 people: its share of people reached is 0 of 0, an empty field (null in
 * units.geojson), not 0.0000 */
Test(badinput, a_unit_of_no_people_has_no_share_of_them)
{
    cli_ogr("-f GPKG b.gpkg %s/yrd_counties.shp -nln b -dialect sqlite -sql \"SELECT code, name, "
            "pref_code, pref_name, prov_code, prov_name, CASE code WHEN '310101' THEN 0 ELSE pop "
            "END AS pop, geometry FROM yrd_counties WHERE prov_code = '310000'\"",
            S);
    exited(run("--boundaries '%s/b.gpkg' --hubs shanghai_hongqiao --resolution 2000 --no-maps",
               cli_tmp),
           0, NULL);
    char p[300];
    snprintf(p, sizeof p, "%s/o/hubs/shanghai_hongqiao/reach.csv", cli_tmp);
    char *csv = cli_slurp(p);
    /* Huangpu: area_share, then population 0, pop_reached 0, pop_share empty, min_minutes */
    char *row = strstr(csv, "\nshanghai_hongqiao,county,310101,");
    cr_assert_not_null(row, "%s", csv);
    int fields = 0;
    const char *q = row + 1;
    while (fields < 10 && (q = strchr(q, ',')) != NULL) { /* to after area_share */
        q++;
        fields++;
    }
    cr_assert_not_null(q);
    cr_assert_eq(strncmp(q, "0,0,,", 5), 0, "%.120s", row + 1);
    free(csv);
    cr_assert_eq(cli_sh("ogrinfo -q -ro '%s/o/region/units.geojson' -sql \"SELECT code FROM units "
                        "WHERE code = '310101' AND pop_share_any IS NULL AND "
                        "share_shanghai_hongqiao IS NULL\" | grep -q 'code (String) = 310101'",
                        cli_tmp),
                 0, "units.geojson: Huangpu's shares of no people are null");
}

/* Six-digit codes of another scheme (one first pair that is no GB/T 2260 province): no
 * prefecture or province is derived from any code, each unit is its own, with a warning;
 * found trying Italian ISTAT-like codes 001001…, which made up provinces 000000 and 050000 */
Test(badinput, six_digit_codes_that_are_not_gb_t_2260_give_no_hierarchy)
{
    cli_ogr("-f GeoJSON -nln counties b.geojson %s/yrd_counties.shp -dialect sqlite -sql \"SELECT "
            "CASE WHEN code = '310101' THEN '990101' ELSE code END AS code, name, pop, geometry "
            "FROM yrd_counties WHERE prov_code = '310000'\"",
            S);
    int rc = run("--boundaries '%s/b.geojson' --hubs shanghai_hongqiao --resolution 2000 "
                 "--no-maps",
                 cli_tmp);
    exited(rc, 0,
           "the codes of field 'code' are not all GB/T 2260 codes ('990101' has no province "
           "'99'): no prefecture or province is derived from them");
    exited(rc, 0, "16 units have no province code");
    char p[300];
    snprintf(p, sizeof p, "%s/o/hubs/shanghai_hongqiao/reach.csv", cli_tmp);
    char *csv = cli_slurp(p);
    /* Huangpu's own prefecture and province, not 310100 / 310000 from its digits */
    cr_assert(strstr(csv, "\nshanghai_hongqiao,prefecture,310104,"), "%s", csv);
    cr_assert(!strstr(csv, ",310100,"), "%s", csv);
    free(csv);
}

/* ---- the grid and the flags ------------------------------------------------------------ */

Test(badinput, grid_too_large_for_memory)
{
    /* 1 m cells over the region: 764801 x 894830, with 2 cells of padding on every side;
     * at 13 bytes a cell (model.c: 12 with the friction coded and the zone raster in 16 bits
     * for the sample's 306 units, and the sample's water mask 1; no per-worker term, workers
     * follow their hubs' windows) that is 764805 * 894834 * 13 / 2^20 = 8 484 703 MB. Memory
     * goes with 1/resolution², so the finest resolution within 16384 MB is
     * ceil(sqrt(8484703 / 16384)) = 23 m. */
    int rc = run("--resolution 1 --threads 1");
    double mb = 764805.0 * 894834.0 * 13 / 1048576.0;
    char want[600];
    snprintf(want, sizeof want,
             "a 1 m grid over the region is 764801 x 894830 cells and would need about %.0f MB "
             "of memory, more than the 16384 MB allowed: use --resolution %.0f or coarser, or "
             "raise --max-memory",
             mb, ceil(sqrt(mb / 16384)));
    refused(rc, 1, "%s", want);
    /* allowed by --max-memory, but more than the machine has: refused before allocating */
    double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
    rc = run("--resolution 15 --threads 1 --max-memory 1e9");
    mb = 50992.0 * 59661.0 * 13 / 1048576.0; /* 50988 x 59657 cells + padding, 13 bytes */
    cr_assert_gt(mb, phys, "this machine has %.0f MB: the case needs less", phys);
    snprintf(want, sizeof want,
             "a 15 m grid over the region is 50988 x 59657 cells and would need about %.0f MB of "
             "memory, more than the %.0f MB this machine has: use --resolution %.0f or coarser",
             mb, phys, ceil(15 * sqrt(mb / phys)));
    refused(rc, 1, "%s", want);
}

Test(badinput, zero_resolution_and_budget_are_usage_errors)
{
    int rc = run("--resolution 0");
    refused(rc, 2, "--resolution: 0 is out of range (more than 0 to 1e+06)");
    rc = run("--budget 0");
    refused(rc, 2, "--budget: 0 is out of range (more than 0 to 1440)");
    rc = run("--bands 15,90");
    refused(rc, 2, "--bands: 90 is outside (0, 60], the budget in minutes");
}

/* ---- the output folder ----------------------------------------------------------------- */

Test(badinput, output_folder_not_writable)
{
    /* checked before the inputs are read: the message comes at once */
    int rc = cli_sh("%s run -q --out /proc/isoreach-out", CLI);
    char *e = cli_stderr();
    cr_assert_eq(rc, 1);
    cr_assert_str_eq(e, "isoreach: output folder '/proc/isoreach-out' (--out): cannot create "
                        "'/proc/isoreach-out': No such file or directory\n");
    free(e);
    cr_assert_eq(cli_sh("touch '%s/afile'", cli_tmp), 0);
    rc = cli_sh("%s run -q --out '%s/afile'", CLI, cli_tmp);
    e = cli_stderr();
    cr_assert_eq(rc, 1);
    char want[1000];
    snprintf(want, sizeof want, "isoreach: output folder '%s/afile' (--out) is a file, not a folder\n",
             cli_tmp);
    cr_assert_str_eq(e, want);
    free(e);
    rc = cli_sh("%s run -q --out '%s/afile/o'", CLI, cli_tmp);
    e = cli_stderr();
    cr_assert_eq(rc, 1);
    snprintf(want, sizeof want,
             "isoreach: output folder '%s/afile/o' (--out): '%s/afile' is a file, not a folder\n",
             cli_tmp, cli_tmp);
    cr_assert_str_eq(e, want);
    free(e);
    no_temporaries(cli_tmp);
    /* a read-only file system (root can write anywhere else) */
    if (geteuid() != 0)
        return;
    char mnt[300];
    snprintf(mnt, sizeof mnt, "%s/mnt-ro", cli_tmp);
    cr_assert_eq(cli_sh("mkdir '%s'", mnt), 0);
    if (mount("tmpfs", mnt, "tmpfs", MS_RDONLY, "size=64k") != 0)
        cr_skip_test("cannot mount a tmpfs: %s", strerror(errno));
    rc = cli_sh("%s run -q --out '%s/o'", CLI, mnt);
    e = cli_stderr();
    umount(mnt);
    cr_assert_eq(rc, 1);
    snprintf(want, sizeof want,
             "isoreach: output folder '%s/o' (--out): cannot create '%s/o': Read-only file "
             "system\n",
             mnt, mnt);
    cr_assert_str_eq(e, want);
    free(e);
}

/* Every file under `dir` is complete: rasters read to the end, GeoJSON parses, CSV and JSON
 * end with a newline or a brace, nothing is empty. */
static void all_complete(const char *dir)
{
    no_temporaries(dir);
    cr_assert_eq(cli_sh("find '%s' -type f -empty | grep -q .", dir), 1, "empty files left");
    cr_assert_eq(cli_sh("for f in $(find '%s' -name '*.tif'); do gdalinfo -checksum \"$f\" | "
                    "grep -q Checksum || exit 1; done",
                    dir),
                 0, "a raster is incomplete");
    cr_assert_eq(cli_sh("for f in $(find '%s' -name '*.geojson'); do ogrinfo -ro -al -so \"$f\" "
                    ">/dev/null 2>&1 || exit 1; tail -c 2 \"$f\" | grep -q '}' || exit 1; done",
                    dir),
                 0, "a GeoJSON file is incomplete");
    cr_assert_eq(cli_sh("for f in $(find '%s' -name '*.csv'); do test \"$(tail -c 1 \"$f\" | od -An "
                    "-c | tr -d ' ')\" = '\\n' || exit 1; done",
                    dir),
                 0, "a CSV file is incomplete");
}

/* The sample's counties simplified to 0.01° (TMP/coarse.gpkg). With --no-maps, only to keep
 * the runs that need every hub or the region products quick: those then take seconds under
 * the sanitizers, not tens. */
static void coarse_boundaries(void)
{
    cli_ogr("-f GPKG -simplify 0.01 -makevalid -nlt PROMOTE_TO_MULTI -nln counties coarse.gpkg "
        "%s/yrd_counties.shp",
        S);
}

/* A run onto a tmpfs of `size`; returns the exit status, stderr in *err. */
static int run_on_tmpfs(const char *size, const char *args, char **err)
{
    char mnt[300], opts[64];
    snprintf(mnt, sizeof mnt, "%s/mnt-%s", cli_tmp, size);
    snprintf(opts, sizeof opts, "size=%s", size);
    cr_assert_eq(cli_sh("mkdir '%s'", mnt), 0);
    if (mount("tmpfs", mnt, "tmpfs", 0, opts) != 0)
        cr_skip_test("cannot mount a tmpfs: %s", strerror(errno));
    int rc = cli_sh("%s run -q --out '%s/o' %s", CLI, mnt, args);
    *err = cli_stderr();
    all_complete(mnt);
    cr_assert_eq(umount(mnt), 0);
    return rc;
}

/* The last line of stderr is "isoreach: cannot write 'MNT/o/<under>…': No space left on
 * device[ (GDAL…)]"; any before it are warnings (the simplified counties). */
static void disk_full_message(const char *all, const char *size, const char *under)
{
    const char *e = all + strlen(all) - 1;
    while (e > all && e[-1] != '\n')
        e--;
    for (const char *l = all; l < e; l = strchr(l, '\n') + 1)
        cr_assert_eq(strncmp(l, "isoreach: warning: ", 19), 0, "%s", all);
    char prefix[400];
    snprintf(prefix, sizeof prefix, "isoreach: cannot write '%s/mnt-%s/o/%s", cli_tmp, size, under);
    cr_assert_eq(strncmp(e, prefix, strlen(prefix)), 0, "%s", e);
    const char *why = strstr(e, "': No space left on device");
    cr_assert_not_null(why, "%s", e);
    why += strlen("': No space left on device");
    cr_assert(*why == '\n' || strncmp(why, " (", 2) == 0, "%s", e); /* GDAL's words may follow */
    cr_assert_eq(strchr(e, '\n'), e + strlen(e) - 1, "one line: %s", e);
}

Test(badinput, disk_fills_during_the_hubs)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to mount a tmpfs");
    coarse_boundaries();
    char *e = NULL, args[400];
    snprintf(args, sizeof args,
             "--resolution 2000 --threads 1 --no-maps --boundaries '%s/coarse.gpkg'", cli_tmp);
    int rc = run_on_tmpfs("200k", args, &e);
    cr_assert_eq(rc, 1, "%s", e);
    disk_full_message(e, "200k", "hubs/");
    free(e);
}

Test(badinput, disk_fills_during_the_region_products)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to mount a tmpfs");
    /* one hub's files take ~40 kB; the region's GeoJSON more than a megabyte */
    coarse_boundaries();
    char *e = NULL, args[400];
    snprintf(args, sizeof args,
             "--resolution 2000 --hubs shanghai_hongqiao --no-maps --boundaries '%s/coarse.gpkg'",
             cli_tmp);
    int rc = run_on_tmpfs("1m", args, &e);
    cr_assert_eq(rc, 1, "%s", e);
    disk_full_message(e, "1m", "");
    free(e);
}

/* `isoreach map` on a copy of a finished run in a tmpfs filled to `left_kb` kB free. */
static void maps_on_a_full_disk(int left_kb, const char *file)
{
    char mnt[300];
    snprintf(mnt, sizeof mnt, "%s/mnt-%d", cli_tmp, left_kb);
    cr_assert_eq(cli_sh("mkdir '%s'", mnt), 0);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=32m") != 0)
        cr_skip_test("cannot mount a tmpfs: %s", strerror(errno));
    cr_assert_eq(cli_sh("cp -a '%s/o' '%s/o' && free=$(df -B1 --output=avail '%s' | tail -1) && "
                        "fallocate -l $((free - %d * 1024)) '%s/filler'",
                        cli_tmp, mnt, mnt, left_kb, mnt),
                 0, "fixture: a nearly full tmpfs");
    /* one thread: the pages are then written in a known order (the hub's parts, the sheet),
     * so the file that meets the full disk is known; with more, whichever comes first is
     * named */
    int rc = cli_sh("%s map -q --threads 1 --out '%s/o'", CLI, mnt);
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    char want[600];
    snprintf(want, sizeof want,
             "isoreach: cannot write '%s/o/%s': No space left on device (writing the maps; the "
             "tables and rasters are complete: run the same command again to finish)\n",
             mnt, file);
    cr_assert_str_eq(e, want);
    free(e);
    /* no empty, truncated or temporary file: every map there is whole */
    all_complete(mnt);
    cr_assert_eq(cli_sh("cd '%s' && for f in $(find . -name '*.png'); do test \"$(tail -c 8 $f | "
                        "head -c 4)\" = IEND || exit 1; done && for f in $(find . -name '*.svg'); "
                        "do tail -c 8 $f | grep -q '</svg>' || exit 1; done",
                        mnt),
                 0, "a truncated map was left");
    cr_assert_eq(umount(mnt), 0);
}

Test(badinput, disk_fills_while_drawing_the_maps)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to mount a tmpfs");
    /* the sample's counties: maps of the simplified ones fail to dissolve a province */
    cr_assert_eq(run("--resolution 5000 --hubs shanghai_hongqiao --no-maps"), 0);
    /* a hub's map.pdf takes about 220 kB (every border stroked once: 570 kB and 1.1 MB when
     * each county was outlined), then its map.png about 430 kB, then its map.svg about
     * 370 kB (its text as <text>): the parts of a hub's page, the longest first */
    maps_on_a_full_disk(150, "hubs/shanghai_hongqiao/map.pdf");
    maps_on_a_full_disk(450, "hubs/shanghai_hongqiao/map.png");
    maps_on_a_full_disk(850, "hubs/shanghai_hongqiao/map.svg");
}

/* ---- interrupts ------------------------------------------------------------------------ */

/* How many hubs have a travel_time.tif under OUT/hubs. */
static int rasters(const char *out)
{
    char pat[400];
    snprintf(pat, sizeof pat, "%s/hubs/*/travel_time.tif", out);
    glob_t g;
    int n = glob(pat, 0, NULL, &g) == 0 ? (int)g.gl_pathc : 0;
    globfree(&g);
    return n;
}

/* Runs every hub of the sample into OUT (coarse counties, no maps) and sends `sig` as soon as
 * the first hub is complete (rather than after a fixed delay, so that the case does not
 * depend on the machine's speed). Checks exit 130, the message (the last line of stderr: any
 * before it are warnings about the simplified counties), no temporary files, no region
 * products; returns how many hubs were complete. */
static int interrupted_run(int sig, const char *out)
{
    char errp[300], bnd[300];
    snprintf(errp, sizeof errp, "%s/signal.txt", cli_tmp);
    snprintf(bnd, sizeof bnd, "%s/coarse.gpkg", cli_tmp);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        if (!freopen(errp, "w", stderr))
            _exit(126);
        execl(CLI, "isoreach", "run", "-q", "--out", out, "--resolution", "2000", "--threads",
              "2", "--no-maps", "--boundaries", bnd, (char *)NULL);
        _exit(127);
    }
    struct timespec nap = {0, 5 * 1000 * 1000};
    int status = 0, ended = 0;
    for (int i = 0; i < 24000 && rasters(out) == 0 && !ended; i++) {
        nanosleep(&nap, NULL);
        ended = waitpid(pid, &status, WNOHANG) == pid;
    }
    if (!ended) {
        cr_assert_eq(kill(pid, sig), 0);
        cr_assert_eq(waitpid(pid, &status, 0), pid);
    }
    char *e = cli_slurp(errp);
    cr_assert(!ended, "the run ended before the first hub was complete: %s", e);
    cr_assert(WIFEXITED(status), "killed by signal %d", WTERMSIG(status));
    cr_assert_eq(WEXITSTATUS(status), 130, "%s", e);
    int done = rasters(out);
    cr_assert_lt(done, 48, "the run was not interrupted");
    char want[600];
    snprintf(want, sizeof want,
             "isoreach: interrupted: %d of 48 hubs complete; run again to resume\n", done);
    char *last = e + strlen(e) - 1;
    while (last > e && last[-1] != '\n')
        last--;
    cr_assert_str_eq(last, want);
    for (char *l = e; l < last; l = strchr(l, '\n') + 1)
        cr_assert_eq(strncmp(l, "isoreach: warning: ", 19), 0, "%s", e);
    free(e);
    no_temporaries(out);
    cr_assert_eq(cli_sh("test -e '%s/run.json' || test -e '%s/region/nearest_hub_time.tif'", out,
                    out),
                 1, "region products or run.json written by an interrupted run");
    return done;
}

Test(badinput, sigterm_stops_cleanly)
{
    coarse_boundaries();
    char out[300];
    snprintf(out, sizeof out, "%s/o", cli_tmp);
    interrupted_run(SIGTERM, out);
}

Test(badinput, sigint_stops_cleanly_and_the_next_run_resumes)
{
    coarse_boundaries();
    char out[300], clean[300], args[600];
    snprintf(out, sizeof out, "%s/o", cli_tmp);
    snprintf(clean, sizeof clean, "%s/clean", cli_tmp);
    snprintf(args, sizeof args,
             "--resolution 2000 --threads 2 --no-maps --boundaries '%s/coarse.gpkg'", cli_tmp);
    int done = interrupted_run(SIGINT, out);
    /* which hubs were complete */
    char done_ids[48][64];
    int nd = 0;
    char pat[400];
    snprintf(pat, sizeof pat, "%s/hubs/*/travel_time.tif", out);
    glob_t g;
    cr_assert_eq(glob(pat, 0, NULL, &g), 0);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *p = g.gl_pathv[i] + strlen(out) + strlen("/hubs/");
        snprintf(done_ids[nd++], sizeof done_ids[0], "%.*s", (int)(strchr(p, '/') - p), p);
    }
    globfree(&g);
    /* run again: the complete hubs are reused, the others computed */
    cr_assert_eq(cli_sh("%s run -q --out '%s' %s", CLI, out, args), 0);
    cr_assert_eq(rasters(out), 48);
    json_object *root = run_json();
    json_object *hubs = json_object_object_get(root, "hubs");
    cr_assert_eq(json_object_array_length(hubs), 48);
    int reused = 0;
    for (size_t i = 0; i < 48; i++) {
        json_object *h = json_object_array_get_idx(hubs, i);
        const char *id = json_object_get_string(json_object_object_get(h, "id"));
        int was_done = 0;
        for (int k = 0; k < nd; k++)
            was_done |= strcmp(done_ids[k], id) == 0;
        int r = json_object_get_boolean(json_object_object_get(h, "reused_existing_output"));
        cr_assert_eq(r, was_done, "hub %s: reused_existing_output %d", id, r);
        reused += r;
    }
    cr_assert_eq(reused, done);
    json_object_put(root);
    /* and the outputs are those of a run that was never interrupted, byte for byte */
    cr_assert_eq(cli_sh("%s run -q --out '%s' %s", CLI, clean, args), 0);
    cr_assert_eq(cli_sh("cd '%s' && find hubs region -type f \\( -name '*.tif' -o -name '*.csv' -o "
                    "-name '*.geojson' \\) | sort > ../files.txt && test $(wc -l < ../files.txt) "
                    "-gt 190 && xargs md5sum < ../files.txt > ../clean.md5 && cd '%s' && md5sum "
                    "-c --quiet ../clean.md5",
                    clean, out),
                 0, "a resumed run differs from a clean one");
    no_temporaries(cli_tmp);
}

/* `isoreach reach` over a run of every hub (coarse counties, 2000 m) with the sample's counties
 * as the new boundaries, SIGINT sent when the first hub's tables are recounted (its progress
 * event read from stderr, --log-json): it finished every hub before it answered. Now it stops
 * between hubs, exit 130, naming how many hubs were recounted and what to do; the files are
 * whole; run again, it recounts them all. */
Test(badinput, reach_answers_sigint_between_hubs)
{
    coarse_boundaries();
    char out[300], bnd[300];
    snprintf(out, sizeof out, "%s/o", cli_tmp);
    snprintf(bnd, sizeof bnd, "%s/yrd_counties.shp", S);
    cr_assert_eq(run("--resolution 2000 --no-maps --boundaries '%s/coarse.gpkg'", cli_tmp), 0);
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(fd[0]);
        if (dup2(fd[1], 2) < 0)
            _exit(126);
        execl(CLI, "isoreach", "reach", "--log-json", "--out", out, "--boundaries", bnd,
              (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    FILE *err = fdopen(fd[0], "r");
    char line[4096], last[4096] = "";
    int signalled = 0;
    while (fgets(line, sizeof line, err)) {
        if (!signalled && strstr(line, "\"stage\":\"hubs\",\"done\":1,")) {
            cr_assert_eq(kill(pid, SIGINT), 0);
            signalled = 1;
        }
        snprintf(last, sizeof last, "%s", line);
    }
    fclose(err);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(signalled, "no progress event for the first hub; last line: %s", last);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 130, "exit %d: %s",
              WEXITSTATUS(status), last);
    const char *m = strstr(last, "interrupted after ");
    int done = 0, of = 0;
    cr_assert(m && sscanf(m, "interrupted after %d of %d hubs", &done, &of) == 2, "%s", last);
    cr_assert(done >= 1 && done < 48 && of == 48, "%s", last);
    cr_assert_not_null(strstr(m, "the other hubs' and the region's are not, and run.json still "
                                 "records the earlier reach; run the same command again to "
                                 "recount them all"),
                       "%s", last);
    no_temporaries(out);
    /* the maps of that mix are refused until the reach is finished */
    cr_assert_eq(cli_sh("%s map -q --out '%s'", CLI, out), 1);
    char *e = cli_stderr();
    cr_assert_not_null(strstr(e, "holds reach tables recounted only in part: an isoreach reach "
                                 "on boundaries '"),
                       "%s", e);
    cr_assert_not_null(strstr(e, "yrd_counties.shp' was interrupted"), "%s", e);
    free(e);
    cr_assert_eq(cli_sh("%s reach -q --out '%s' --boundaries '%s'", CLI, out, bnd), 0);
    cr_assert_eq(cli_sh("grep -q yrd_counties '%s/run.json' && grep -q '\"status\": "
                        "\"complete\"' '%s/run.json'",
                        out, out),
                 0, "the second reach records the new boundaries, complete");
}

/* Runs three hubs of the sample into OUT (coarse counties, 2000 m, maps on) and sends SIGINT
 * as soon as a file matching `watch` (a glob under OUT) exists, so that the signal lands in
 * one stage whatever the machine's speed. Returns the last line of stderr (new memory) and
 * checks exit 130 and that no temporary file is left. */
static char *interrupted_with(const char *out, const char *watch, const char *scenario)
{
    char errp[300], bnd[300], pat[600];
    snprintf(errp, sizeof errp, "%s/signal.txt", cli_tmp);
    snprintf(bnd, sizeof bnd, "%s/coarse.gpkg", cli_tmp);
    snprintf(pat, sizeof pat, "%s/%s", out, watch);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        if (!freopen(errp, "w", stderr))
            _exit(126);
        if (scenario)
            execl(CLI, "isoreach", "run", "-q", "--out", out, "--resolution", "2000",
                  "--threads", "2", "--hubs", "shanghai_hongqiao,hangzhou_east,nanjing_south",
                  "--boundaries", bnd, "--scenario", scenario, (char *)NULL);
        else
            execl(CLI, "isoreach", "run", "-q", "--out", out, "--resolution", "2000",
                  "--threads", "2", "--hubs", "shanghai_hongqiao,hangzhou_east,nanjing_south",
                  "--boundaries", bnd, (char *)NULL);
        _exit(127);
    }
    struct timespec nap = {0, 1000 * 1000};
    int status = 0, ended = 0, seen = 0;
    for (int i = 0; i < 240000 && !seen && !ended; i++) {
        glob_t g;
        seen = glob(pat, 0, NULL, &g) == 0;
        globfree(&g);
        if (!seen) {
            nanosleep(&nap, NULL);
            ended = waitpid(pid, &status, WNOHANG) == pid;
        }
    }
    if (!ended) {
        cr_assert_eq(kill(pid, SIGINT), 0);
        cr_assert_eq(waitpid(pid, &status, 0), pid);
    }
    char *e = cli_slurp(errp);
    cr_assert(!ended, "the run ended before '%s' appeared: %s", watch, e);
    cr_assert(WIFEXITED(status), "killed by signal %d", WTERMSIG(status));
    cr_assert_eq(WEXITSTATUS(status), 130, "Ctrl-C once '%s' appeared: exit %d, %s", watch,
                 WEXITSTATUS(status), e);
    no_temporaries(cli_tmp);
    char *last = e + strlen(e) - 1;
    while (last > e && last[-1] != '\n')
        last--;
    char *line = strdup(last);
    free(e);
    return line;
}

static char *interrupted_at(const char *out, const char *watch)
{
    return interrupted_with(out, watch, NULL);
}

Test(badinput, sigint_at_every_stage_exits_130_with_whole_files, .timeout = 900)
{
    coarse_boundaries();
    char out[300], want[600];
    /* loading (the lock of --out is taken before the inputs are read): nothing is left */
    snprintf(out, sizeof out, "%s/load", cli_tmp);
    char *last = interrupted_at(out, ISR_LOCK_NAME);
    cr_assert_str_eq(last, "isoreach: interrupted while loading the inputs; nothing was written\n");
    cr_assert_eq(cli_sh("test -e '%s'", out), 1, "an interrupted loading left '%s'", out);
    free(last);
    /* the region rasters: the hubs are whole, the products written so far are whole files,
     * and there is no run.json (which marks a finished run) */
    snprintf(out, sizeof out, "%s/region", cli_tmp);
    /* the region's products take milliseconds after their first raster: on a busy machine the
     * signal may land after them, in the publication; then the stage is tried again */
    for (int tries = 0;; tries++) {
        last = interrupted_at(out, "region/nearest_hub_time.tif");
        if (tries == 4 || !strstr(last, "interrupted before the styles"))
            break;
        free(last);
        cr_assert_eq(cli_sh("rm -rf '%s'", out), 0);
    }
    cr_assert_str_eq(last, "isoreach: interrupted (writing the region's products): 3 of 3 hubs "
                           "complete; run again to resume\n");
    cr_assert_eq(rasters(out), 3);
    cr_assert_eq(cli_sh("test -e '%s/run.json'", out), 1, "stage region wrote run.json");
    free(last);
    /* the scenarios, after the baseline's products: said (it said "3 of 3 hubs complete", as
     * if the run were all but done; a new-user pass); run.json is not written */
    snprintf(out, sizeof out, "%s/scenario", cli_tmp);
    for (int tries = 0;; tries++) {
        last = interrupted_with(out, "scenarios/szj", "szj=" ISR_SAMPLE_DIR
                                "/scenarios/shanghai_suzhou_jiaxing.gpkg");
        if (tries == 4 || strstr(last, "(running the scenarios)"))
            break;
        free(last);
        cr_assert_eq(cli_sh("rm -rf '%s'", out), 0);
    }
    cr_assert_str_eq(last, "isoreach: interrupted (running the scenarios): 3 of 3 hubs complete, "
                           "the scenarios not; run again to resume\n");
    cr_assert_eq(cli_sh("test -e '%s/run.json'", out), 1, "stage scenario wrote run.json");
    free(last);
    /* publication (isr_publish, after the run): the QGIS styles, then the web map beside the
     * maps. The run's data and run.json are complete; the part it stopped in is named, its
     * files are whole. The styles take milliseconds and end with isoreach.qgs: a signal sent
     * at a style may land in the web map, which comes next, and one sent at isoreach.qgs in
     * the styles' end, or in the maps when the web map finished first */
    static const char *const stages[][3] = {
        {"styles", "region/*.qml", "the QGIS styles|the web map|the maps"},
        {"webmap", "isoreach.qgs", "the QGIS styles|the web map|the maps"}};
    for (size_t k = 0; k < sizeof stages / sizeof *stages; k++) {
        snprintf(out, sizeof out, "%s/%s", cli_tmp, stages[k][0]);
        last = interrupted_at(out, stages[k][1]);
        static const char *const parts[] = {"the QGIS styles", "the web map", "the maps"};
        int ok = 0;
        for (size_t i = 0; i < 3; i++) {
            if (i < 2)
                snprintf(want, sizeof want,
                         "isoreach: interrupted while writing %s; the other outputs are "
                         "complete: run the same command again to finish\n",
                         parts[i]);
            else /* the web map whole: only the maps are left to draw */
                snprintf(want, sizeof want,
                         "isoreach: interrupted while drawing the maps; the other outputs are "
                         "complete: draw the maps with isoreach map --out '%s'\n",
                         out);
            ok = ok || (strstr(stages[k][2], parts[i]) && strcmp(last, want) == 0);
        }
        if (strstr(last, "drawing the maps")) /* then the web map is whole */
            cr_assert_eq(cli_sh("test -s '%s/index.html'", out), 0, "stage %s: no web map",
                         stages[k][0]);
        cr_assert(ok, "stage %s: %s", stages[k][0], last);
        cr_assert_eq(rasters(out), 3);
        cr_assert_eq(cli_sh("test -s '%s/run.json' && test ! -e '%s/region/contact_sheet.png'",
                            out, out),
                     0, "stage %s: no run.json, or maps drawn", stages[k][0]);
        free(last);
    }
    /* the maps: every other output is complete (run.json included); the run says how to
     * draw the maps */
    snprintf(out, sizeof out, "%s/maps", cli_tmp);
    last = interrupted_at(out, "hubs/*/map.png");
    snprintf(want, sizeof want,
             "isoreach: interrupted while drawing the maps; the other outputs are complete: draw "
             "the maps with isoreach map --out '%s'\n",
             out);
    cr_assert_str_eq(last, want);
    cr_assert_eq(cli_sh("test -s '%s/run.json' && test -s '%s/index.html' && test ! -e "
                        "'%s/region/contact_sheet.png'",
                        out, out, out),
                 0);
    /* nor the sheet's PNG under its temporary name (drawn beside the other pages) */
    cr_assert_neq(cli_sh("ls -a '%s/region' | grep -q '[.]part-'", out), 0,
                  "a temporary file is left in region/");
    free(last);
}

Test(badinput, temporaries_of_a_killed_run_are_swept_by_the_next)
{
    /* a process that is gone: its temporary files are litter (its folder has the mark a run
     * writes before its first hub) */
    int dead = cli_dead_pid();
    cr_assert_eq(cli_sh("mkdir -p '%s/o/hubs/shanghai_hongqiao' '%s/o/region' && cd '%s/o' && "
                    "touch .isoreach-output .run.json.part-%d region/.units.geojson.part-%d "
                    "hubs/shanghai_hongqiao/.travel_time.tif.part-%d.ovr.cli_tmp "
                    "hubs/shanghai_hongqiao/.stations.csv.part-%d",
                    cli_tmp, cli_tmp, cli_tmp, (int)dead, (int)dead, (int)dead, (int)dead),
                 0);
    bowtie_boundaries();
    int rc = cli_sh("%s run --out '%s/o' --boundaries '%s/bow.geojson' --hubs shanghai_hongqiao "
                "--resolution 2000 --no-maps",
                CLI, cli_tmp, cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    char want[600];
    snprintf(want, sizeof want,
             "isoreach: removed 4 temporary file(s) that a killed run left in '%s/o'\n", cli_tmp);
    cr_assert(strstr(e, want), "%s", e);
    free(e);
    no_temporaries(cli_tmp);
}

/* Counties simplified so far that they overlap and their rings cross by a hair: the run warns
 * about the overlaps, and the maps still dissolve the provinces (repaired, then snapped to
 * 1 m) instead of failing with GEOS's "side location conflict". */
Test(badinput, maps_of_overlapping_simplified_counties)
{
    coarse_boundaries();
    int rc = run("--resolution 2000 --hubs shanghai_hongqiao,hangzhou_east --boundaries "
                 "'%s/coarse.gpkg'",
                 cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "pairs of units overlap by more than 0.5 % of the smaller one"), "%s", e);
    free(e);
    cr_assert_eq(cli_sh("test -s '%s/o/hubs/hangzhou_east/map.png' && test -s "
                        "'%s/o/region/contact_sheet.svg'",
                        cli_tmp, cli_tmp),
                 0);
}

/* One GeoPackage holding the stations, lines and counties, given to all three flags without
 * their -layer flags: each reads its own kind of layer (the first layer was read for each,
 * and the run failed copying the rail layers once every hub was done, as "cannot write
 * output"; a new-user pass). Two layers of one kind are refused, naming them. */
Test(badinput, a_source_of_several_layers_reads_the_one_of_its_kind)
{
    cr_assert_eq(cli_sh("cd '%s' && ogr2ogr -f GPKG all.gpkg '%s/yrd_rail_stations.shp' && "
                        "ogr2ogr -update -f GPKG all.gpkg '%s/yrd_rail_lines.shp' && "
                        "ogr2ogr -update -f GPKG all.gpkg '%s/yrd_counties.shp' -nlt "
                        "MULTIPOLYGON -where \"prov_code = '310000'\"",
                        cli_tmp, ISR_SAMPLE_DIR, ISR_SAMPLE_DIR, ISR_SAMPLE_DIR),
                 0);
    int rc = run("--boundaries '%s/all.gpkg' --stations '%s/all.gpkg' --lines '%s/all.gpkg' "
                 "--hubs shanghai_hongqiao --resolution 4000 --no-maps",
                 cli_tmp, cli_tmp, cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    free(e);
    char p[600];
    snprintf(p, sizeof p, "%s/o/region/rail_stations.geojson", cli_tmp);
    cr_assert_eq(cli_sh("grep -q 'shanghai_hongqiao' '%s' && ! grep -q 'prov_code' '%s'", p, p),
                 0, "the stations' copy is not the stations layer");
    cr_assert_eq(cli_sh("cd '%s' && ogr2ogr -update -f GPKG all.gpkg '%s/yrd_water.shp' -nlt "
                        "MULTIPOLYGON",
                        cli_tmp, ISR_SAMPLE_DIR),
                 0);
    cli_sh("rm -rf '%s/o'", cli_tmp);
    rc = run("--boundaries '%s/all.gpkg' --stations '%s/all.gpkg' --lines '%s/all.gpkg' "
             "--hubs shanghai_hongqiao --resolution 4000 --no-maps",
             cli_tmp, cli_tmp, cli_tmp);
    e = cli_stderr();
    char want[800];
    snprintf(want, sizeof want,
             "isoreach: boundaries '%s/all.gpkg' holds 2 layers of polygons ('yrd_counties', "
             "'yrd_water'): name the one to read with --boundaries-layer\n",
             cli_tmp);
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert_str_eq(e, want);
    free(e);
}

/* Past a file size limit (ulimit -f) the run was killed by SIGXFSZ without a word (exit
 * 153), its lock and a temporary file left behind: now the write fails as a full disk's does,
 * said naming the file, with nothing half-written. The temporary file a killed `map` left is
 * removed by the next `map` (only `run` removed them). */
Test(badinput, a_file_size_limit_is_said_and_map_sweeps_temporaries)
{
    int rc = cli_sh("ulimit -f 400 && %s run -q --out '%s/o' --hubs shanghai_hongqiao "
                    "--resolution 2000 --no-maps",
                    CLI, cli_tmp);
    char *e = cli_stderr();
    cr_assert(rc != 0 && rc != 153, "exit status %d: %s", rc, e);
    cr_assert(strstr(e, "File too large"), "%s", e);
    free(e);
    no_temporaries(cli_tmp);
    cr_assert_eq(cli_sh("test -e '%s/o/.isoreach.lock'", cli_tmp), 1, "the lock was left");
    cr_assert_eq(run("--hubs shanghai_hongqiao --resolution 4000 --no-maps"), 0, "%s",
                 cli_stderr());
    cr_assert_eq(cli_sh("touch '%s/o/hubs/shanghai_hongqiao/.map.png.part-4194300'", cli_tmp), 0);
    cr_assert_eq(cli_sh("%s map --out '%s/o'", CLI, cli_tmp), 0, "%s", cli_stderr());
    e = cli_stderr();
    cr_assert(strstr(e, "removed 1 temporary file(s) that a killed run left in"), "%s", e);
    free(e);
    no_temporaries(cli_tmp);
}

/* A run refused because a folder it writes in is not writable (region/, read-only to the
 * user): it was refused only when writing there, after it had taken the earlier run's
 * run.json away, so the folder's whole outputs could no longer be mapped or recounted (a
 * new-user pass). Refused now before run.json is touched. Run as user nobody (root may
 * write anywhere); skipped where nobody cannot run the build. */
Test(badinput, a_folder_not_writable_is_said_before_run_json_goes)
{
    const char *nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups";
    cr_assert_eq(cli_sh("chmod 755 '%s' && cd '%s' && for f in yrd_counties yrd_rail_stations "
                        "yrd_rail_lines; do ogr2ogr -lco ENCODING=UTF-8 $f.shp "
                        "'%s/'$f.shp; done && chmod -R a+rX .",
                        cli_tmp, cli_tmp, ISR_SAMPLE_DIR),
                 0);
    if (cli_sh("%s %s --version", nobody, CLI) != 0)
        cr_skip_test("user nobody cannot run %s here", CLI);
    char in[1000];
    snprintf(in, sizeof in,
             "--boundaries '%s/yrd_counties.shp' --stations '%s/yrd_rail_stations.shp' "
             "--lines '%s/yrd_rail_lines.shp' --water none --hubs shanghai_hongqiao "
             "--resolution 5000 --no-maps",
             cli_tmp, cli_tmp, cli_tmp);
    cr_assert_eq(run("%s", in), 0, "%s", cli_stderr());
    cr_assert_eq(cli_sh("chmod -R a+rwX '%s/o' && chmod 555 '%s/o/region'", cli_tmp, cli_tmp), 0);
    int rc = cli_sh("%s %s run -q --out '%s/o' %s", nobody, CLI, cli_tmp, in);
    char *e = cli_stderr(), want[600];
    snprintf(want, sizeof want, "isoreach: output folder '%s/o/region' is not writable\n",
             cli_tmp);
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert_str_eq(e, want);
    free(e);
    cr_assert_eq(cli_sh("test -s '%s/o/run.json'", cli_tmp), 0, "run.json was taken away");
    cli_sh("chmod 755 '%s/o/region'", cli_tmp);
}

/* ---- a new-user pass with hostile inputs (this stop) ------------------------------------ */

/* Runs /usr/bin/python3 on `code` (osgeo) in TMP; asserts it succeeded. */
static void py(const char *code)
{
    char q[400];
    snprintf(q, sizeof q, "%s/fix.py", cli_tmp);
    FILE *s = fopen(q, "w");
    cr_assert_not_null(s);
    fputs(code, s);
    fclose(s);
    cr_assert_eq(cli_sh("cd '%s' && /usr/bin/python3 fix.py", cli_tmp), 0, "%s", cli_stderr());
}

/* A unit whose ring is not closed (GeoJSON by hand) is closed and said; one of two vertices
 * is refused, naming it (GEOS failed much later: "Points of LinearRing do not form a closed
 * linestring", naming no file). */
Test(badinput, unclosed_and_degenerate_rings_of_a_unit)
{
    py("from osgeo import ogr\n"
       "src = ogr.Open('" S "/yrd_counties.shp')\n"
       "for name, keep in (('open', -1), ('two', 2)):\n"
       "    d = ogr.GetDriverByName('GPKG').CreateDataSource(name + '.gpkg')\n"
       "    l = d.CopyLayer(src.GetLayer(0), 'counties')\n"
       "    f = l.GetFeature(9)\n"
       "    g = f.GetGeometryRef().Clone()\n"
       "    r = g.GetGeometryRef(0) if g.GetGeometryName() == 'POLYGON' else g.GetGeometryRef(0).GetGeometryRef(0)\n"
       "    pts = r.GetPoints()\n"
       "    pts = pts[:-1] if keep < 0 else pts[:keep]\n"
       "    r.Empty()\n"
       "    for p in pts: r.AddPoint_2D(p[0], p[1])\n"
       "    f.SetGeometry(g)\n"
       "    l.SetFeature(f)\n"
       "    d = None\n");
    int rc = run("--boundaries '%s/open.gpkg' --resolution 8000 --hubs shanghai_hongqiao "
                 "--no-maps",
                 cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "layer 'counties': feature 9 ('310114') has a ring whose last vertex is "
                        "not its first: closed\n"),
              "%s", e);
    free(e);
    cr_assert_eq(cli_sh("rm -rf '%s/o'", cli_tmp), 0);
    rc = run("--boundaries '%s/two.gpkg' --resolution 8000 --hubs shanghai_hongqiao --no-maps",
             cli_tmp);
    e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert(strstr(e, "isoreach: boundaries '"),
              "%s", e);
    cr_assert(strstr(e, "two.gpkg' layer 'counties': feature 9 ('310114') has a ring of 3 "
                        "vertices, which encloses no area (a ring needs 3 corners and its "
                        "first vertex again): draw the unit's polygon, or delete the feature "
                        "(its people would be lost)\n"),
              "%s", e);
    free(e);
    nothing_written();
}

/* A population field in a yearbook's 万 (tens of thousands: the sample's counties divided by
 * 10,000, with fractions, 0.07 people per km²) is warned about; the run goes on, its results
 * those of the field as given. The sample's own people (whole, 657 per km²): no warning. */
Test(badinput, population_in_tens_of_thousands_is_said)
{
    py("from osgeo import ogr\n"
       "src = ogr.Open('" S "/yrd_counties.shp')\n"
       "d = ogr.GetDriverByName('GPKG').CreateDataSource('wan.gpkg')\n"
       "l = d.CreateLayer('counties', src.GetLayer(0).GetSpatialRef(), ogr.wkbMultiPolygon)\n"
       "sd = src.GetLayer(0).GetLayerDefn()\n"
       "for i in range(sd.GetFieldCount()):\n"
       "    fd = sd.GetFieldDefn(i)\n"
       "    l.CreateField(ogr.FieldDefn(fd.GetName(), ogr.OFTReal if fd.GetName() == 'pop' else fd.GetType()))\n"
       "for f in src.GetLayer(0):\n"
       "    g = ogr.Feature(l.GetLayerDefn())\n"
       "    for i in range(sd.GetFieldCount()):\n"
       "        n = sd.GetFieldDefn(i).GetName()\n"
       "        g.SetField(n, f.GetField(n) / 1e4 if n == 'pop' else f.GetField(n))\n"
       "    g.SetGeometry(ogr.ForceToMultiPolygon(f.GetGeometryRef().Clone()))\n"
       "    l.CreateFeature(g)\n"
       "d = None\n");
    int rc = run("--boundaries '%s/wan.gpkg' --resolution 8000 --hubs shanghai_hongqiao "
                 "--no-maps",
                 cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "wan.gpkg' layer 'counties': field 'pop' holds fractions (306 units, "
                        "as '310101': 66.203) and only 0.0656 people per km² over the units: "
                        "does it count thousands or tens of thousands (万)? Give it in people: "
                        "each unit's people are counted whole, rounded\n"),
              "%s", e);
    free(e);
    /* the sample itself: neither */
    cr_assert_eq(cli_sh("rm -rf '%s/o'", cli_tmp), 0);
    rc = run("--resolution 8000 --hubs shanghai_hongqiao --no-maps");
    e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert_null(strstr(e, "per km²"), "%s", e);
    cr_assert_null(strstr(e, "fractions"), "%s", e);
    free(e);
}

/* A station given twice (a copy under a new id at the same spot): said, naming both (the
 * lines through it called at both, their minutes fields dropped, 44 % more people reached,
 * said only as a count of minutes). */
Test(badinput, a_station_given_twice_at_one_spot_is_said)
{
    cr_assert_eq(cli_sh("cd '%s' && ogr2ogr -f GPKG st.gpkg '%s/yrd_rail_stations.shp' && "
                        "ogr2ogr -update -append st.gpkg -nln yrd_rail_stations -sql \"SELECT "
                        "'hongqiao_copy' AS id, name, name_en, 0 AS hub FROM yrd_rail_stations "
                        "WHERE id = 'shanghai_hongqiao'\" '%s/yrd_rail_stations.shp'",
                        cli_tmp, S, S),
                 0, "%s", cli_output());
    int rc = run("--stations '%s/st.gpkg' --resolution 8000 --hubs shanghai_hongqiao --no-maps",
                 cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 0, "%s", e);
    cr_assert(strstr(e, "st.gpkg' layer 'yrd_rail_stations': stations 'shanghai_hongqiao' and "
                        "'hongqiao_copy' are 0.0 m apart: a line passing there calls at both, a "
                        "stop of no distance, and its minutes field no longer matches its "
                        "stops; if one station is given twice, keep one\n"),
              "%s", e);
    free(e);
}

/* A line that runs over itself, drawn out and back (or a part given twice): refused, naming
 * it (its stops were ordered along it silently wrong: a station passed twice called once). */
Test(badinput, a_line_drawn_out_and_back_is_refused)
{
    py("from osgeo import ogr\n"
       "src = ogr.Open('" S "/yrd_rail_lines.shp')\n"
       "d = ogr.GetDriverByName('GPKG').CreateDataSource('back.gpkg')\n"
       "l = d.CopyLayer(src.GetLayer(0), 'lines')\n"
       "for f in l:\n"
       "    if f.GetField('id') == 'jinshan_rly':\n"
       "        g = f.GetGeometryRef()\n"
       "        g = g if g.GetGeometryName() == 'LINESTRING' else g.GetGeometryRef(0)\n"
       "        pts = g.GetPoints()\n"
       "        n = ogr.Geometry(ogr.wkbLineString)\n"
       "        for p in pts + pts[::-1][1:]: n.AddPoint_2D(p[0], p[1])\n"
       "        f.SetGeometry(n)\n"
       "        f.SetField('minutes', '')\n"
       "        l.SetFeature(f)\n"
       "        break\n"
       "d = None\n");
    int rc = run("--lines '%s/back.gpkg' --resolution 8000 --hubs shanghai_hongqiao --no-maps",
                 cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert(strstr(e, "back.gpkg' layer 'lines': line 'jinshan_rly' (feature 27) runs over "
                        "itself for 49.9 km (a part given twice, or a line drawn out and back): "
                        "the order of its stops along it is not one; draw each line once, one "
                        "way (its trains run both ways; --line-headway-back gives the headway "
                        "against the stop order)\n"),
              "%s", e);
    free(e);
    nothing_written();
}

/* A line of one point: refused with GEOS's reason, without the line break GEOS ends it with
 * (printed as "\x0a" at the end of the message). */
Test(badinput, a_line_of_one_point_is_refused_in_one_line)
{
    py("from osgeo import ogr\n"
       "src = ogr.Open('" S "/yrd_rail_lines.shp')\n"
       "d = ogr.GetDriverByName('GPKG').CreateDataSource('one.gpkg')\n"
       "l = d.CopyLayer(src.GetLayer(0), 'lines')\n"
       "for f in l:\n"
       "    if f.GetField('id') == 'jinshan_rly':\n"
       "        n = ogr.Geometry(ogr.wkbLineString)\n"
       "        n.AddPoint_2D(121.4297, 31.1545)\n"
       "        f.SetGeometry(n)\n"
       "        l.SetFeature(f)\n"
       "        break\n"
       "d = None\n");
    int rc = run("--lines '%s/one.gpkg' --resolution 8000 --hubs shanghai_hongqiao --no-maps",
                 cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert(strstr(e, "one.gpkg' layer 'lines': line 'jinshan_rly' (feature 27) has a geometry "
                        "GEOS cannot read (a line needs two or more distinct points): "),
              "%s", e);
    cr_assert_null(strstr(e, "\\x0a"), "%s", e);
    cr_assert(e[strlen(e) - 1] == '\n' && e[strlen(e) - 2] != '\n', "%s", e);
    free(e);
    nothing_written();
}

/* Station ids kept as numbers (an integer field: '001' read as 1) and a line's stops written
 * '001;002': the refusal says the number is a station and why the zeros went (it said only
 * "is not a station"). */
Test(badinput, stops_with_leading_zeros_and_numeric_station_ids_are_explained)
{
    py("from osgeo import ogr\n"
       "sds = ogr.Open('" S "/yrd_rail_stations.shp')\n"
       "st = sds.GetLayer(0)\n"
       "d = ogr.GetDriverByName('GPKG').CreateDataSource('num.gpkg')\n"
       "l = d.CreateLayer('stations', st.GetSpatialRef(), ogr.wkbPoint)\n"
       "for n, t in (('id', ogr.OFTInteger), ('name', ogr.OFTString), ('hub', ogr.OFTInteger)):\n"
       "    l.CreateField(ogr.FieldDefn(n, t))\n"
       "num = {}\n"
       "for i, f in enumerate(st):\n"
       "    num[f.GetField('id')] = i + 1\n"
       "    g = ogr.Feature(l.GetLayerDefn())\n"
       "    g.SetField('id', i + 1)\n"
       "    g.SetField('name', f.GetField('name'))\n"
       "    g.SetField('hub', f.GetField('hub'))\n"
       "    g.SetGeometry(f.GetGeometryRef().Clone())\n"
       "    l.CreateFeature(g)\n"
       "src = ogr.Open('" S "/yrd_rail_lines.shp')\n"
       "ll = d.CopyLayer(src.GetLayer(0), 'lines')\n"
       "for f in ll:\n"
       "    s = f.GetField('stops')\n"
       "    if s:\n"
       "        f.SetField('stops', ';'.join('%03d' % num[x] for x in s.split(';')))\n"
       "        ll.SetFeature(f)\n"
       "d = None\n");
    int rc = run("--stations '%s/num.gpkg' --stations-layer stations --lines '%s/num.gpkg' "
                 "--lines-layer lines --resolution 8000 --no-maps",
                 cli_tmp, cli_tmp);
    char *e = cli_stderr();
    cr_assert_eq(rc, 1, "%s", e);
    cr_assert(strstr(e, " in field 'stops' is not a station, but '"), "%s", e);
    cr_assert(strstr(e, "' is: the stations' field 'id' holds numbers, which keep no leading "
                        "zeros; make it a text field\n"),
              "%s", e);
    free(e);
    nothing_written();
}
