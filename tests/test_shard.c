/* Criterion suite: a run split into shards (issue 16). `isoreach run --shard K/N` for K =
 * 1..N then `isoreach merge` write the bytes of one run (every file under region/ and hubs/,
 * the web map and QGIS project, run.json but for its timings and the merge record); a merge
 * refuses a missing, failed or different shard and a hub whose outputs are gone or damaged,
 * naming it; two runs of one shard refuse each other, other shards do not. Under mpirun
 * (when the CLI was built with MPI) -np 2 and -np 3 write the same bytes; a rank that fails
 * or is killed leaves no region products, and a rerun completes and matches.
 * Fixture: Shanghai, Suzhou and Jiaxing from the embedded sample (GeoPackage), six hubs,
 * 2000 m cells, no maps: a run takes about a second. */
#include "internal.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli_support.h"

#define CLI cli_command(ISR_CLI)
#define S ISR_SAMPLE_DIR
#define HUBS "shanghai_hongqiao,shanghai,shanghai_songjiang,suzhou,suzhou_north,jiaxing_south"
/* OpenMPI as root in CI, two cores: shared memory between ranks, more ranks than cores. The
 * ranks run without LeakSanitizer: OpenMPI's plugins, unloaded at exit, leave leaks no
 * suppression can name ("<unknown module>"); the shard and merge code the ranks run is
 * leak-checked by the cases above, which run it without MPI. */
#define MPIRUN                                                                                 \
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "                                \
    "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 " ISR_MPIRUN                   \
    " --allow-run-as-root --oversubscribe --mca btl self,vader"

static void tmp_make(void) { cli_tmp_make("isr-shard"); }

TestSuite(shard, .init = tmp_make, .fini = cli_tmp_remove, .timeout = 300);

static void fixtures(void)
{
    cli_ogr("-f GPKG fx.gpkg '%s/yrd_counties.shp' -nln fx -nlt MULTIPOLYGON -dialect sqlite "
            "-sql \"SELECT * FROM yrd_counties WHERE prov_code = '310000' OR pref_code IN "
            "('320500', '330400')\"",
            S);
}

/* The run's flags on the fixture into cli_tmp/out, then `extra` (a --shard, a --budget). */
static char *flags(const char *out, const char *extra)
{
    static char buf[2000];
    snprintf(buf, sizeof buf,
             "--out '%s/%s' --boundaries '%s/fx.gpkg' --hubs " HUBS
             " --resolution 2000 --no-maps --threads 1 %s",
             cli_tmp, out, cli_tmp, extra);
    return buf;
}

static int run(const char *out, const char *extra)
{
    return cli_sh("%s run %s", CLI, flags(out, extra));
}

static int merge(const char *out)
{
    return cli_sh("%s merge --out '%s/%s' --no-maps", CLI, cli_tmp, out);
}

static void run_ok(const char *out, const char *extra)
{
    int rc = run(out, extra);
    char *err = cli_stderr();
    cr_assert_eq(rc, 0, "isoreach run %s: %d\n%s", extra, rc, err);
    free(err);
}

static int exists(const char *fmt, const char *a)
{
    char p[1000];
    snprintf(p, sizeof p, fmt, cli_tmp, a);
    return access(p, F_OK) == 0;
}

/* run.json less what differs between one run and a merge: timings, each hub's seconds, the
 * merge record (returned in *merged, 0 when absent); after a resume (`resumed`) whether a hub
 * was reused too. */
static json_object *run_json(const char *out, int *merged, int resumed)
{
    char p[1000];
    snprintf(p, sizeof p, "%s/%s/run.json", cli_tmp, out);
    json_object *r = json_object_from_file(p), *v = NULL, *hubs = NULL;
    cr_assert_not_null(r, "%s unreadable", p);
    *merged = json_object_object_get_ex(r, "merged_from_shards", &v) ? json_object_get_int(v) : 0;
    json_object_object_del(r, "merged_from_shards");
    json_object_object_del(r, "timings");
    cr_assert(json_object_object_get_ex(r, "hubs", &hubs));
    for (size_t i = 0; i < json_object_array_length(hubs); i++) {
        json_object_object_del(json_object_array_get_idx(hubs, i), "seconds");
        json_object_object_del(json_object_array_get_idx(hubs, i), "search_seconds");
        if (resumed)
            json_object_object_del(json_object_array_get_idx(hubs, i), "reused_existing_output");
    }
    return r;
}

/* `b` holds the bytes of `a`: every file of region/ and hubs/ (no file more or less), the
 * web map and project, and run.json as run_json() keeps it; b says it merged n shards. */
static void same_outputs(const char *a, const char *b, int n, int resumed)
{
    int rc = cli_sh("cd '%s' && diff -r %s/region %s/region && diff -r %s/hubs %s/hubs && "
                    "cmp %s/index.html %s/index.html && cmp %s/isoreach.qgs %s/isoreach.qgs",
                    cli_tmp, a, b, a, b, a, b, a, b);
    char *out = cli_output();
    cr_assert_eq(rc, 0, "%s and %s differ:\n%s", a, b, out);
    free(out);
    int ma, mb;
    json_object *ja = run_json(a, &ma, resumed), *jb = run_json(b, &mb, resumed);
    cr_assert_eq(ma, 0);
    cr_assert_eq(mb, n, "run.json of %s: merged_from_shards %d, not %d", b, mb, n);
    cr_assert(json_object_equal(ja, jb), "run.json of %s and %s differ beyond timings", a, b);
    json_object_put(ja);
    json_object_put(jb);
}

/* The hubs a shard's record lists, as "a,b" in record order (static). */
static const char *record_hubs(const char *out, int k, int n, const char **status)
{
    static char ids[1000], st[64];
    char p[1000];
    snprintf(p, sizeof p, "%s/%s/shards/%d-of-%d.json", cli_tmp, out, k, n);
    json_object *r = json_object_from_file(p), *hubs = NULL, *v = NULL;
    cr_assert_not_null(r, "%s unreadable", p);
    cr_assert(json_object_object_get_ex(r, "status", &v));
    snprintf(st, sizeof st, "%s", json_object_get_string(v));
    *status = st;
    ids[0] = '\0';
    cr_assert(json_object_object_get_ex(r, "hubs", &hubs));
    for (size_t i = 0; i < json_object_array_length(hubs); i++) {
        json_object_object_get_ex(json_object_array_get_idx(hubs, i), "id", &v);
        snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%s", i ? "," : "",
                 json_object_get_string(v));
    }
    json_object_put(r);
    return ids;
}

static void stderr_is(const char *want)
{
    char *err = cli_stderr();
    cr_assert_str_eq(err, want);
    free(err);
}

/* The last line of stderr is `want` (the lines before: the run's info and warnings). */
static void stderr_ends(const char *want)
{
    char *err = cli_stderr();
    size_t n = strlen(err), w = strlen(want);
    cr_assert(n >= w && strcmp(err + n - w, want) == 0 && (n == w || err[n - w - 1] == '\n'),
              "stderr does not end in \"%s\":\n%s", want, err);
    free(err);
}

static void stderr_has(const char *want)
{
    char *err = cli_stderr();
    cr_assert(strstr(err, want), "stderr lacks \"%s\":\n%s", want, err);
    free(err);
}

Test(shard, three_shards_then_merge_are_one_run)
{
    fixtures();
    run_ok("one", "");
    for (int k = 1; k <= 3; k++) {
        char sh[32];
        snprintf(sh, sizeof sh, "--shard %d/3", k);
        run_ok("sh", sh);
        char want[100];
        snprintf(want, sizeof want, "isoreach: shard %d of 3: 2 of the run's 6 hubs\n", k);
        stderr_has(want);
    }
    /* before the merge: hubs and records, no region products, no run.json */
    cr_assert(exists("%s/%s/hubs/suzhou/travel_time.tif", "sh"));
    cr_assert(!exists("%s/%s/region", "sh"), "a shard made region/");
    cr_assert(!exists("%s/%s/run.json", "sh"), "a shard wrote run.json");
    /* every hub in one record: dealt by cost, largest first, round-robin */
    char all[1000] = "";
    for (int k = 1; k <= 3; k++) {
        const char *status;
        const char *ids = record_hubs("sh", k, 3, &status);
        cr_assert_str_eq(status, "complete");
        cr_assert_eq(strchr(ids, ',') && !strchr(strchr(ids, ',') + 1, ','), 1,
                     "shard %d of 3: hubs %s, not 2", k, ids);
        snprintf(all + strlen(all), sizeof all - strlen(all), ",%s,", ids);
    }
    const char *hubs[] = {"shanghai_hongqiao", "shanghai", "shanghai_songjiang", "suzhou",
                          "suzhou_north", "jiaxing_south"};
    for (int h = 0; h < 6; h++) {
        char key[64];
        snprintf(key, sizeof key, ",%s,", hubs[h]);
        cr_assert(strstr(all, key), "hub %s is in no shard's record (%s)", hubs[h], all);
    }
    cr_assert_eq(merge("sh"), 0);
    stderr_has("isoreach: merged 6 hubs from the partials of 3 shards (no raster read back)\n");
    same_outputs("one", "sh", 3, 0);
    /* OUT/README.md describes the partials rather than calling them unknown files */
    cr_assert_eq(cli_sh("cd '%s/sh' && grep -q 'a shard.s partial (binary' README.md && "
                        "! grep -q 'part.: not written by isoreach' README.md",
                        cli_tmp),
                 0, "sh/README.md does not describe shards/*.part");
    /* a partial with one byte changed in its last tile (a count), its size and time
     * kept: refused by its checksum (it was merged as it was, into wrong products), and the
     * merge reads every hub's raster back instead, to the same bytes */
    char p[900];
    snprintf(p, sizeof p, "%s/sh/shards/2-of-3.part", cli_tmp);
    cr_assert_eq(cli_sh("cd '%s/sh/shards' && cp -p 2-of-3.part keep.part && printf '\\377' | "
                        "dd of=2-of-3.part bs=1 seek=$(($(stat -c %%s keep.part) - 20)) "
                        "conv=notrunc status=none && ! cmp -s keep.part 2-of-3.part && "
                        "touch -r keep.part 2-of-3.part && rm keep.part",
                        cli_tmp),
                 0, "%s", cli_output());
    cr_assert_eq(merge("sh"), 0);
    stderr_has("2-of-3.part': its contents do not match its checksum (changed since the shard "
               "wrote it)): reading every hub's raster instead\n");
    same_outputs("one", "sh", 3, 0);
    /* a partial missing (a shard of an older isoreach) or cut short: the same */
    cr_assert_eq(truncate(p, 1000), 0);
    cr_assert_eq(merge("sh"), 0);
    stderr_has("2-of-3.part': it is cut short): reading every hub's raster instead\n");
    stderr_has("isoreach: reused 6 of 6 hubs from an earlier run with the same inputs and "
               "settings (--overwrite recomputes them)\n");
    same_outputs("one", "sh", 3, 0);
    cr_assert_eq(unlink(p), 0);
    cr_assert_eq(merge("sh"), 0);
    stderr_has("2-of-3.part': it cannot be read): reading every hub's raster instead\n");
    same_outputs("one", "sh", 3, 0);
}

Test(shard, scenarios_are_compared_by_the_merge)
{
    /* --scenario with shards: each shard checks that the scenario reads and runs only the
     * baseline of its hubs; the merge compares the scenario with every baseline hub, as one
     * process would: scenarios/NAME/ byte for byte (scenario.json's seconds aside) */
    fixtures();
    char sc[600];
    snprintf(sc, sizeof sc, "--scenario ssj='%s/scenarios/shanghai_suzhou_jiaxing.gpkg'", S);
    run_ok("one", sc);
    for (int k = 1; k <= 2; k++) {
        char extra[700];
        snprintf(extra, sizeof extra, "%s --shard %d/2", sc, k);
        run_ok("sh", extra);
    }
    cr_assert(!exists("%s/%s/scenarios", "sh"), "a shard compared the scenario");
    cr_assert_eq(merge("sh"), 0, "%s", cli_output());
    cr_assert(exists("%s/%s/scenarios/ssj/gains_by_hub.csv", "sh"));
    int rc = cli_sh("cd '%s' && diff -r -I '\"seconds\":' one/scenarios sh/scenarios", cli_tmp);
    char *out = cli_output();
    cr_assert_eq(rc, 0, "the merged scenario differs:\n%s", out);
    free(out);
    same_outputs("one", "sh", 2, 0);
    /* a scenario that does not read stops every shard before any hub runs */
    rc = run("bad", "--scenario x=/nonexistent.gpkg --shard 1/2");
    cr_assert_eq(rc, 1);
    cr_assert(!exists("%s/%s/hubs", "bad"), "a shard ran hubs with a bad scenario");
}

Test(shard, merge_refuses_a_missing_shard)
{
    fixtures();
    run_ok("sh", "--shard 1/3");
    run_ok("sh", "--shard 3/3");
    cr_assert_eq(merge("sh"), 1);
    char want[1200];
    snprintf(want, sizeof want,
             "isoreach: shard 2 of 3 is missing: run `isoreach run ... --shard 2/3` into --out "
             "'%s/sh' (or it failed)\n",
             cli_tmp);
    stderr_is(want);
    cr_assert(!exists("%s/%s/region", "sh"));
    cr_assert(!exists("%s/%s/run.json", "sh"));
    /* no shards at all */
    cr_assert_eq(merge("none"), 1);
    snprintf(want, sizeof want,
             "isoreach: --out '%s/none' holds no shards (no folder '%s/none/shards'): run "
             "isoreach run ... --shard K/N --out '%s/none' for K = 1..N first\n",
             cli_tmp, cli_tmp, cli_tmp);
    stderr_is(want);
}

/* reach and map on shards not yet merged point to the merge (they said "run isoreach run
 * --out OUT first", which the user had done, shard by shard). */
Test(shard, reach_and_map_before_the_merge_say_merge)
{
    fixtures();
    run_ok("sh", "--shard 1/2");
    run_ok("sh", "--shard 2/2");
    for (int i = 0; i < 2; i++) {
        const char *cmd = i ? "map" : "reach";
        cr_assert_eq(cli_sh("%s %s --out '%s/sh'", CLI, cmd, cli_tmp), 1);
        char want[1200];
        snprintf(want, sizeof want,
                 "isoreach: --out '%s/sh' holds the shards of a run but no run.json: they are "
                 "not merged yet; run isoreach merge --out '%s/sh' once every shard has run, "
                 "then isoreach %s\n",
                 cli_tmp, cli_tmp, cmd);
        stderr_ends(want);
    }
}

Test(shard, merge_refuses_shards_with_other_settings)
{
    fixtures();
    run_ok("sh", "--shard 1/2");
    run_ok("sh", "--shard 2/2 --budget 45");
    cr_assert_eq(merge("sh"), 1);
    stderr_is("isoreach: shard 2 of 2 ran with other options than shard 1 (--budget 45.0, not "
              "60.0): run every shard with the same options\n");
    cr_assert(!exists("%s/%s/run.json", "sh"));
    /* shards of two counts in one folder */
    run_ok("sh", "--shard 1/3");
    cr_assert_eq(merge("sh"), 1);
    stderr_has("holds shards of two runs: ");
}

/* An input changed between the shards and the merge: the merge names it (it said only that
 * the settings' fingerprints differed) */
Test(shard, merge_names_the_input_that_changed)
{
    fixtures();
    run_ok("sh", "--shard 1/2");
    run_ok("sh", "--shard 2/2");
    /* the same boundaries, one county's population edited */
    cli_sh("mv '%s/fx.gpkg' '%s/fx0.gpkg'", cli_tmp, cli_tmp);
    cli_ogr("-f GPKG '%s/fx.gpkg' '%s/fx0.gpkg' -nln fx -dialect sqlite -sql \"SELECT *, "
            "CASE WHEN code = '310101' THEN pop + 1 ELSE pop END AS pop2 FROM fx\"",
            cli_tmp, cli_tmp);
    cr_assert_eq(cli_sh("%s merge --out '%s/sh' --no-maps", CLI, cli_tmp), 1);
    char want[1200];
    snprintf(want, sizeof want,
             "isoreach: the inputs or options changed since the shards ran (the files of "
             "--boundaries '%s/fx.gpkg' are not those the shards read): run the shards again, "
             "or merge with their options\n",
             cli_tmp);
    stderr_has(want);
    cr_assert(!exists("%s/%s/run.json", "sh"));
}

Test(shard, merge_refuses_a_hub_gone_or_damaged)
{
    fixtures();
    for (int k = 1; k <= 2; k++) {
        char sh[32];
        snprintf(sh, sizeof sh, "--shard %d/2", k);
        run_ok("sh", sh);
    }
    const char *status;
    int k = strstr(record_hubs("sh", 1, 2, &status), "suzhou_north") ? 1 : 2;
    cli_sh_ok("mv sh/hubs/suzhou_north/travel_time.tif sh/t.tif");
    cr_assert_eq(merge("sh"), 1);
    char want[1200];
    snprintf(want, sizeof want,
             "isoreach: hub 'suzhou_north' (shard %d of 2) has no outputs in '%s/sh/hubs/"
             "suzhou_north': run `isoreach run ... --shard %d/2` again\n",
             k, cli_tmp, k);
    stderr_ends(want);
    /* another hub's raster in its place, or its own cut short: the merge from the partials
     * (the region's products) took either as it was, exit 0 (a new-user pass) */
    cli_sh_ok("cp sh/hubs/jiaxing_south/travel_time.tif sh/hubs/suzhou_north/travel_time.tif");
    cr_assert_eq(merge("sh"), 1);
    snprintf(want, sizeof want,
             "isoreach: '%s/sh/hubs/suzhou_north/travel_time.tif' is the travel-time raster of "
             "hub 'jiaxing_south', not of hub 'suzhou_north' (copied?): run `isoreach run ... "
             "--shard %d/2` again\n",
             cli_tmp, k);
    stderr_ends(want);
    /* its own raster, but another hub's tables (reach.csv): merged as they were, exit 0,
     * the web map built on them (a new-user pass) */
    cli_sh_ok("cp sh/t.tif sh/hubs/suzhou_north/travel_time.tif && cp "
              "sh/hubs/suzhou_north/reach.csv sh/reach.csv && cp "
              "sh/hubs/jiaxing_south/reach.csv sh/hubs/suzhou_north/reach.csv");
    cr_assert_eq(merge("sh"), 1);
    snprintf(want, sizeof want,
             "isoreach: hub 'suzhou_north': '%s/sh/hubs/suzhou_north/reach.csv' line 2 holds a "
             "row of hub 'jiaxing_south', not its own: the hubs' tables were mixed up; run "
             "`isoreach run ... --shard %d/2` again\n",
             cli_tmp, k);
    stderr_ends(want);
    cli_sh_ok("mv sh/reach.csv sh/hubs/suzhou_north/reach.csv");
    cli_sh_ok("cp sh/t.tif sh/hubs/suzhou_north/travel_time.tif && "
              "truncate -s 3000 sh/hubs/suzhou_north/travel_time.tif");
    cr_assert_eq(merge("sh"), 1);
    stderr_has("hub 'suzhou_north': ");
    stderr_has("/sh/hubs/suzhou_north/travel_time.tif' is cut short (3000 bytes, its tiles end "
               "at byte ");
    cr_assert(!exists("%s/%s/run.json", "sh"));
    /* back, but its isochrones cut short: the batch refuses to recompute it at a merge */
    cli_sh_ok("mv sh/t.tif sh/hubs/suzhou_north/travel_time.tif && "
              "truncate -s 100 sh/hubs/suzhou_north/isochrones.geojson");
    cr_assert_eq(merge("sh"), 1);
    snprintf(want, sizeof want,
             "isoreach: hub 'suzhou_north': its outputs in '%s/sh/hubs/suzhou_north' are "
             "incomplete — '%s/sh/hubs/suzhou_north/isochrones.geojson' is not whole; run its "
             "shard again: it is shard %d of 2's (isoreach run ... --shard %d/2)\n",
             cli_tmp, cli_tmp, k, k);
    stderr_ends(want);
    cr_assert(!exists("%s/%s/run.json", "sh"));
    cr_assert(!exists("%s/%s/region", "sh"));
    /* rerun that shard: the hub is recomputed, the merge goes through */
    char sh[32];
    snprintf(sh, sizeof sh, "--shard %d/2", k);
    run_ok("sh", sh);
    cr_assert_eq(merge("sh"), 0);
}

Test(shard, flags_and_locks)
{
    fixtures();
    cr_assert_eq(run("sh", "--shard 4/3"), 2);
    stderr_is("isoreach: --shard: '4/3' is not K/N with 1 <= K <= N (e.g. --shard 2/3)\n");
    cr_assert_eq(run("sh", "--shard 0/2"), 2);
    stderr_is("isoreach: --shard: '0/2' is not K/N with 1 <= K <= N (e.g. --shard 2/3)\n");
    /* shard 1 of 2 held by a live process (this one): refused; shard 2 runs beside it */
    cli_sh_ok("mkdir -p sh");
    cli_put("sh/.isoreach-shard-1-of-2.lock", "%ld\n", (long)getpid());
    cr_assert_eq(run("sh", "--shard 1/2"), 1);
    char want[1200];
    snprintf(want, sizeof want,
             "isoreach: shard 1 of 2 of --out '%s/sh' is already running (process %ld, lock "
             "file %s/sh/.isoreach-shard-1-of-2.lock); wait for it to finish\n",
             cli_tmp, (long)getpid(), cli_tmp);
    stderr_is(want);
    cr_assert(!exists("%s/%s/shards/1-of-2.json", "sh"));
    run_ok("sh", "--shard 2/2");
    cr_assert(exists("%s/%s/shards/2-of-2.json", "sh"));
    cr_assert(exists("%s/%s/.isoreach-shard-1-of-2.lock", "sh")); /* not another's to remove */
    /* a merge while shard 1 still runs is refused, naming it (it said that shard 1's hubs
     * were "missing" and to run the shard again) */
    cr_assert_eq(merge("sh"), 1);
    snprintf(want, sizeof want,
             "isoreach: --out '%s/sh' is in use by a shard of a run (process %ld, lock file "
             "%s/sh/.isoreach-shard-1-of-2.lock); wait for it to finish or use another --out\n",
             cli_tmp, (long)getpid(), cli_tmp);
    stderr_is(want);
    cr_assert(!exists("%s/%s/run.json", "sh"));
}

/* ---- MPI ------------------------------------------------------------------------------------ */

#ifdef ISR_WITH_MPI
static int mpirun(int np, const char *out)
{
    return cli_sh(MPIRUN " -np %d %s run %s", np, CLI, flags(out, ""));
}
#define NEED_MPI()
#else
#define ISR_MPIRUN "mpirun"
static int mpirun(int np, const char *out)
{
    (void)np;
    (void)out;
    return -1;
}
#define NEED_MPI()                                                                             \
    cr_skip_test("isoreach was built without MPI (meson found no libopenmpi-dev, or -Dmpi="    \
                 "disabled): the mpirun cases are skipped; scripts/setup installs it")
#endif

Test(shard, mpirun_np2_and_np3_are_one_run)
{
    NEED_MPI();
    fixtures();
    run_ok("one", "");
    for (int np = 2; np <= 3; np++) {
        char out[16];
        snprintf(out, sizeof out, "mpi%d", np);
        int rc = mpirun(np, out);
        char *o = cli_output();
        cr_assert_eq(rc, 0, "mpirun -np %d: %d\n%s", np, rc, o);
        free(o);
        same_outputs("one", out, np, 0);
    }
}

Test(shard, mpirun_failing_rank_fails_the_run)
{
    NEED_MPI();
    fixtures();
    /* rank 1 (shard 2 of 2) cannot take its lock: a live process holds it */
    cli_sh_ok("mkdir -p mpi");
    cli_put("mpi/.isoreach-shard-2-of-2.lock", "%ld\n", (long)getpid());
    cr_assert_neq(mpirun(2, "mpi"), 0);
    stderr_has("isoreach: rank 0: rank 1 (--shard 2/2) failed (see its message), so no region "
               "products were written; run again to resume (the hubs finished are kept)\n");
    char want[1200];
    snprintf(want, sizeof want,
             "isoreach: rank 1 (--shard 2/2): shard 2 of 2 of --out '%s/mpi' is already running",
             cli_tmp);
    stderr_has(want);
    cr_assert(!exists("%s/%s/region", "mpi"));
    cr_assert(!exists("%s/%s/run.json", "mpi"));
    /* the lock gone, a rerun resumes: shard 1's hubs are reused */
    cli_sh_ok("rm mpi/.isoreach-shard-2-of-2.lock");
    cr_assert_eq(mpirun(2, "mpi"), 0);
    stderr_has("isoreach: reused 3 of 3 hubs from an earlier run");
    stderr_has("isoreach: merged 6 hubs from the partials of 2 shards (no raster read back)\n");
    run_ok("one", "");
    same_outputs("one", "mpi", 2, 1);
}

Test(shard, mpirun_killed_rank_leaves_no_region)
{
    NEED_MPI();
    fixtures();
    /* kill -9 rank 1 as soon as its shard has taken its lock (the lock holds its PID) */
    int rc = cli_sh("cd '%s'; (" MPIRUN " -np 2 %s run %s) & "
                    "for i in $(seq 600); do [ -s mpi/.isoreach-shard-2-of-2.lock ] && break; "
                    "sleep 0.05; done; kill -9 $(cat mpi/.isoreach-shard-2-of-2.lock); wait $!",
                    cli_tmp, CLI, flags("mpi", ""));
    cr_assert_neq(rc, 0, "mpirun survived the kill");
    cr_assert(!exists("%s/%s/region", "mpi"), "region/ after a killed rank");
    cr_assert(!exists("%s/%s/run.json", "mpi"), "run.json after a killed rank");
    cr_assert(!exists("%s/%s/shards/2-of-2.json", "mpi"), "the killed shard has a record");
    cr_assert_eq(mpirun(2, "mpi"), 0);
    run_ok("one", "");
    same_outputs("one", "mpi", 2, 1);
}

Test(shard, relative_input_paths_merge_from_any_folder)
{
    fixtures();
    /* the shards' records name the inputs relative to OUT, and the hub rasters' settings by
     * file name (the fingerprint covers the content): a merge from any folder finds them */
    for (int k = 1; k <= 2; k++)
        cr_assert_eq(cli_sh("cd '%s' && %s run --out rel --boundaries fx.gpkg --hubs suzhou,shanghai "
                            "--resolution 2000 --no-maps -q --shard %d/2",
                            cli_tmp, CLI, k),
                     0);
    cr_assert_eq(cli_sh("cd / && %s merge --out '%s/rel' --no-maps -q", CLI, cli_tmp), 0, "%s",
                 cli_output());
    cr_assert(exists("%s/%s/run.json", "rel"));
    cr_assert_eq(cli_sh("grep -q '\"--boundaries\": \"..\\\\/fx.gpkg\"' %s/rel/run.json", cli_tmp),
                 0, "run.json names the boundaries relative to OUT");
    cr_assert_eq(cli_sh("cd '%s' && %s merge --out rel --no-maps -q", cli_tmp, CLI), 0);
}

/* Shards run with --no-maps: the merge (without the flag) drew every map, so its folder was
 * not the single run's; it takes --no-maps from the shards, as their other options. The
 * maps are then for isoreach map, which draws them whatever the run said. */
Test(shard, a_merge_draws_no_maps_when_the_shards_drew_none)
{
    fixtures();
    run_ok("sh", "--shard 1/2");
    run_ok("sh", "--shard 2/2");
    int rc = cli_sh("%s merge -q --out '%s/sh'", CLI, cli_tmp);
    cr_assert_eq(rc, 0, "%s", cli_stderr());
    cr_assert(exists("%s/%s/run.json", "sh"));
    cr_assert(!exists("%s/%s/hubs/shanghai_hongqiao/map.png", "sh"));
    cr_assert(!exists("%s/%s/region/contact_sheet.png", "sh"));
    cr_assert_eq(cli_sh("grep -q '\"--no-maps\": true' '%s/sh/run.json'", cli_tmp), 0);
    rc = cli_sh("%s map -q --out '%s/sh'", CLI, cli_tmp);
    cr_assert_eq(rc, 0, "%s", cli_stderr());
    cr_assert(exists("%s/%s/hubs/shanghai_hongqiao/map.png", "sh"));
}

/* isoreach reach on a merged run (other people: the population doubled), then merge again:
 * the region products went back to the run's boundaries but the hubs' tables and isochrones
 * kept reach's counts (the merge took the shards' partials, which hold no tables). They are
 * now counted again: every file is the first merge's. */
Test(shard, merge_after_reach_counts_the_hubs_again)
{
    fixtures();
    run_ok("sh", "--shard 1/2");
    run_ok("sh", "--shard 2/2");
    cr_assert_eq(merge("sh"), 0);
    cli_sh_ok("cp -a sh first && ogr2ogr -f GPKG fx2.gpkg fx.gpkg -nln fx -dialect sqlite -sql "
              "\"SELECT *, pop * 2 AS pop2 FROM fx\"");
    cr_assert_eq(cli_sh("%s reach -q --out '%s/sh' --boundaries '%s/fx2.gpkg' --pop-field pop2",
                        CLI, cli_tmp, cli_tmp),
                 0, "%s", cli_stderr());
    cr_assert_eq(cli_sh("cmp -s '%s/sh/hubs/suzhou/reach.csv' '%s/first/hubs/suzhou/reach.csv'",
                        cli_tmp, cli_tmp),
                 1, "reach changed nothing");
    cr_assert_eq(merge("sh"), 0);
    cr_assert_eq(cli_sh("cd '%s' && diff -r -x run.json first sh", cli_tmp), 0, "%s",
                 cli_output());
    /* reach again, then one shard run again (its hubs counted on the run's boundaries; run.json
     * taken away, the recount marker left), then merge: the other shard's hubs kept reach's
     * tables while the merge built the region's from the partials (found by a new-user pass:
     * a hub's summary.csv 55,900 people, hubs_summary.csv 80,533). Every file is again the
     * first merge's. */
    cr_assert_eq(cli_sh("%s reach -q --out '%s/sh' --boundaries '%s/fx2.gpkg' --pop-field pop2",
                        CLI, cli_tmp, cli_tmp),
                 0, "%s", cli_stderr());
    run_ok("sh", "--shard 1/2");
    cr_assert_eq(cli_sh("test -e '%s/sh/.isoreach-recount'", cli_tmp), 0, "no recount marker");
    cr_assert_eq(merge("sh"), 0);
    /* shards/: the shard run again has its own record and partial (their timings) */
    cr_assert_eq(cli_sh("cd '%s' && diff -r -x run.json -x shards first sh", cli_tmp), 0, "%s",
                 cli_output());
    cr_assert_eq(cli_sh("test -e '%s/sh/.isoreach-recount'", cli_tmp), 1, "the marker stayed");
}
