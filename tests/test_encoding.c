/* Criterion suite: text encodings. The CLI on stations whose names are GBK without a .cpg
 * (warned about, replaced with U+FFFD), the same with --encoding GBK or a .cpg (the Chinese
 * names come out right), and names with raw 0xFF 0xFE bytes, markup characters, "]]>" and
 * control characters (maps on): every text output must be valid UTF-8, every XML output
 * (QGIS project, styles, SVG maps) and JSON output must parse
 * (tests/encoding/check_text.py). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_support.h"

#define S ISR_SAMPLE_DIR

static void tmp_make(void) { cli_tmp_make("isr-enc"); }

TestSuite(encoding, .init = tmp_make, .fini = cli_tmp_remove, .timeout = 120);

/* Every text output under TMP/o is valid UTF-8 and parses. */
static void outputs_well_formed(void)
{
    int rc = cli_sh("/usr/bin/python3 '%s/tests/encoding/check_text.py' '%s/o'", ISR_SOURCE_DIR,
                    cli_tmp);
    char *out = cli_output();
    cr_assert_eq(rc, 0, "outputs not well-formed:\n%s", out);
    free(out);
}

static char *file(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/o/%s", cli_tmp, rel);
    return cli_slurp(path);
}

/* GBK names in a shapefile without .cpg (GDAL hands over the raw bytes) */
static void gbk_fixture(void)
{
    cr_assert_eq(cli_sh("cd '%s' && ogr2ogr -lco ENCODING=GBK gbk.shp %s/yrd_rail_stations.shp "
                        "&& rm gbk.cpg",
                        cli_tmp, S),
                 0);
}

static int run_gbk(const char *extra)
{
    return cli_sh("%s run -q --stations '%s/gbk.shp' --hubs shanghai_hongqiao --resolution 2000 "
                  "--no-maps --out '%s/o' %s",
                  ISR_CLI, cli_tmp, cli_tmp, extra);
}

Test(encoding, gbk_without_cpg_is_replaced_and_warned)
{
    gbk_fixture();
    cr_assert_eq(run_gbk(""), 0);
    char *err = file("../stderr.txt");
    char want[1024];
    snprintf(want, sizeof want,
             "isoreach: warning: stations '%s/gbk.shp' layer 'gbk': 81 text values are not "
             "valid UTF-8 (first: field 'name', feature 0); the bad bytes were replaced with "
             "U+FFFD. Declare the source's encoding: add a .cpg file containing it (e.g. GBK) "
             "beside the .shp, or pass --encoding GBK\n",
             cli_tmp);
    cr_assert_str_eq(err, want);
    char *runj = file("run.json");
    cr_assert(strstr(runj, "81 text values are not valid UTF-8"), "warning not in run.json");
    char *csv = file("hubs/shanghai_hongqiao/stations.csv");
    /* 上海虹桥 in GBK is C9 CF BA E7 C7 C5 (bytes of GBK) → all invalid as UTF-8 → 8 U+FFFD
       ... whatever the count, the line holds replacement characters, never raw bytes */
    cr_assert(strstr(csv, "\nshanghai_hongqiao,shanghai_hongqiao,\xEF\xBF\xBD"), "%s", csv);
    outputs_well_formed();
    free(err);
    free(runj);
    free(csv);
}

Test(encoding, gbk_with_flag_or_cpg_reads_chinese)
{
    gbk_fixture();
    cr_assert_eq(run_gbk("--encoding GBK"), 0);
    char *err = file("../stderr.txt");
    cr_assert_str_eq(err, "");
    char *csv = file("hubs/shanghai_hongqiao/stations.csv");
    cr_assert(strstr(csv, "\nshanghai_hongqiao,shanghai_hongqiao,上海虹桥,Shanghai Hongqiao,0.000,"), "%s", csv);
    char *qgs = file("isoreach.qgs");
    cr_assert(strstr(qgs, "<layername>上海虹桥 isochrones</layername>"));
    char *st = file("region/rail_stations.geojson");
    cr_assert(strstr(st, "\"name\": \"上海虹桥\""), "rail_stations.geojson not recoded");
    outputs_well_formed();
    free(err);
    free(csv);
    free(qgs);
    free(st);

    /* a .cpg beside the .shp says the same */
    cr_assert_eq(cli_sh("rm -rf '%s/o' && printf GBK > '%s/gbk.cpg'", cli_tmp, cli_tmp), 0);
    cr_assert_eq(run_gbk(""), 0);
    csv = file("hubs/shanghai_hongqiao/stations.csv");
    cr_assert(strstr(csv, "\nshanghai_hongqiao,shanghai_hongqiao,上海虹桥,Shanghai Hongqiao,0.000,"), "%s", csv);
    free(csv);
}

/* raw 0xFF 0xFE, markup, "]]>", quotes, a control character and a tab in a hub's name, in
 * GeoJSON (no encoding to declare), maps on */
Test(encoding, bad_bytes_and_markup_keep_outputs_well_formed)
{
    char py[512];
    snprintf(py, sizeof py, "%s/mk.py", cli_tmp);
    FILE *f = fopen(py, "w");
    cr_assert(f);
    /* in the JSON text: \" quotes, \u0001 and \t escapes; the two raw bytes around them */
    fputs("b = open('st.geojson', 'rb').read()\n"
          "name = bytes([255, 254]) + rb'A<b>&\\\"q\\\" ]]> ' + b\"'x' \" + rb'\\u0001 \\t end'\n"
          "open('bad.geojson', 'wb').write(b.replace('上海虹桥'.encode(), name, 1))\n",
          f);
    fclose(f);
    cr_assert_eq(cli_sh("cd '%s' && ogr2ogr -f GeoJSON st.geojson %s/yrd_rail_stations.shp && "
                        "/usr/bin/python3 mk.py",
                        cli_tmp, S),
                 0);
    cr_assert_eq(cli_sh("%s run -q --stations '%s/bad.geojson' --hubs shanghai_hongqiao "
                        "--resolution 2000 --out '%s/o'",
                        ISR_CLI, cli_tmp, cli_tmp),
                 0);
    char *err = file("../stderr.txt");
    char want[1024];
    snprintf(want, sizeof want,
             "isoreach: warning: stations '%s/bad.geojson' layer 'yrd_rail_stations': 1 text value is not "
             "valid UTF-8 (first: field 'name', feature 0); the bad bytes were replaced with "
             "U+FFFD. Declare the source's encoding: convert it to UTF-8, e.g. with ogr2ogr\n",
             cli_tmp);
    cr_assert_str_eq(err, want);
    char *csv = file("hubs/shanghai_hongqiao/stations.csv");
    cr_assert(strstr(csv, "\nshanghai_hongqiao,shanghai_hongqiao,\"\xEF\xBF\xBD\xEF\xBF\xBD"
                          "A<b>&\"\"q\"\" ]]> 'x' \x01 \t end\",Shanghai Hongqiao,0.000,"),
              "%s", csv);
    char *qgs = file("isoreach.qgs");
    /* a name QGIS shows (here a legend label) on one line: control characters as spaces */
    cr_assert(strstr(qgs, "label=\"\xEF\xBF\xBD\xEF\xBF\xBD"
                          "A&lt;b&gt;&amp;&quot;q&quot; ]]&gt; &apos;x&apos;     end\""),
              "hub name not escaped in the project");
    outputs_well_formed();
    free(err);
    free(csv);
    free(qgs);
}

#define FFFD "\xEF\xBF\xBD"
#define SAY_ENCODING                                                                              \
    "whose text is not valid UTF-8 (shown as U+FFFD): values that differ would read the same "   \
    "and the features they identify be merged. Declare the source's encoding: add a .cpg file "  \
    "containing its name beside the .shp, or pass --encoding NAME (e.g. CP932 for Japanese, "    \
    "GBK for Chinese)\n"

/* The last line of TMP/stderr.txt (the refusal, after the warnings). */
static char *last_line(void)
{
    char *err = cli_stderr();
    size_t n = strlen(err);
    while (n > 1 && err[n - 2] != '\n')
        n--;
    char *last = strdup(n > 1 ? err + n - 1 : err);
    free(err);
    return last;
}

/* Codes and ids in GBK without a .cpg: each byte that is no UTF-8 becomes U+FFFD, so that
 * distinct codes may read the same (Japanese prefecture codes 仙台地域 and 仙南地域 in
 * Shift_JIS did, merging prefectures); refused, naming the field, its flag and the fix.
 * 上海市 in GBK is C9 CF BA A3 CA D0: C9 bad, CF BA the valid Ϻ, A3 CA D0 bad; 上海虹桥 adds
 * BA E7 C7 C5, all bad. */
Test(encoding, codes_and_ids_not_valid_utf8_are_refused)
{
    cli_sh_ok("ogr2ogr -lco ENCODING=GBK u.shp " S "/yrd_counties.shp && rm u.cpg && "
              "ogr2ogr -lco ENCODING=GBK st.shp " S "/yrd_rail_stations.shp && rm st.cpg && "
              "ogr2ogr -lco ENCODING=GBK l.shp " S "/yrd_rail_lines.shp -sql \"SELECT name_zh "
              "AS id, name, speed_kmh, headway, minutes, stops FROM yrd_rail_lines\" && rm l.cpg");
    char want[2048];
    /* a prefecture code: feature 0 is 上海市's district */
    cr_assert_eq(cli_sh("%s run -q --boundaries '%s/u.shp' --pref-field pref_name --resolution "
                        "2000 --no-maps --out '%s/o'",
                        ISR_CLI, cli_tmp, cli_tmp),
                 1);
    snprintf(want, sizeof want,
             "isoreach: boundaries '%s/u.shp' layer 'u': feature 0: field 'pref_name' "
             "(--pref-field) holds '" FFFD "Ϻ" FFFD FFFD FFFD "', " SAY_ENCODING,
             cli_tmp);
    char *last = last_line();
    cr_assert_str_eq(last, want);
    free(last);
    /* the fix said works */
    cr_assert_eq(cli_sh("%s run -q --boundaries '%s/u.shp' --pref-field pref_name --resolution "
                        "2000 --no-maps --out '%s/o' --encoding GBK",
                        ISR_CLI, cli_tmp, cli_tmp),
                 0, "%s", cli_stderr());
    /* a station id: 上海虹桥 */
    cr_assert_eq(cli_sh("%s run -q --stations '%s/st.shp' --station-id name --hubs x "
                        "--resolution 2000 --no-maps --out '%s/o2'",
                        ISR_CLI, cli_tmp, cli_tmp),
                 1);
    snprintf(want, sizeof want,
             "isoreach: stations '%s/st.shp' layer 'st': feature 0: field 'name' (--station-id) "
             "holds '" FFFD "Ϻ" FFFD FFFD FFFD FFFD FFFD "', " SAY_ENCODING,
             cli_tmp);
    last = last_line();
    cr_assert_str_eq(last, want);
    free(last);
    /* a line id */
    cr_assert_eq(cli_sh("%s run -q --lines '%s/l.shp' --resolution 2000 --no-maps --out '%s/o3'",
                        ISR_CLI, cli_tmp, cli_tmp),
                 1);
    snprintf(want, sizeof want,
             "isoreach: lines '%s/l.shp' layer 'l': feature 0: field 'id' (the line id) holds '",
             cli_tmp);
    last = last_line();
    cr_assert(strncmp(last, want, strlen(want)) == 0 && strstr(last, "', " SAY_ENCODING),
              "%s", last);
    free(last);
}

/* The boundaries stay open for the whole run (their layer closes after run.json is written):
 * their replaced-text warning is said once the units are read, so that run.json has it too,
 * as it has the stations'. 918 names of the 306 counties and their prefectures and
 * provinces are GBK (pref_code and prov_code are digits). */
Test(encoding, replaced_text_of_the_boundaries_is_in_run_json)
{
    cli_sh_ok("ogr2ogr -lco ENCODING=GBK u.shp " S "/yrd_counties.shp && rm u.cpg");
    cr_assert_eq(cli_sh("cd '%s' && %s run -q --boundaries u.shp --resolution 2000 --no-maps "
                        "--out o",
                        cli_tmp, ISR_CLI),
                 0, "%s", cli_stderr());
    const char *msg = "918 text values are not valid UTF-8 (first: field 'name', feature 0); "
                      "the bad bytes were replaced with U+FFFD. Declare the source's encoding: "
                      "add a .cpg file containing it (e.g. GBK) beside the .shp, or pass "
                      "--encoding GBK";
    char want[1024];
    snprintf(want, sizeof want, "isoreach: warning: boundaries 'u.shp' layer 'u': %s\n", msg);
    char *err = cli_stderr();
    cr_assert_str_eq(err, want);
    snprintf(want, sizeof want, "\"warnings\": [\n    \"boundaries '..\\/u.shp' layer 'u': %s\"\n  ]",
             msg);
    char *runj = file("run.json");
    cr_assert(strstr(runj, want), "run.json's warnings lack the boundaries' replaced text:\n%s",
              strstr(runj, "\"warnings\"") ? strstr(runj, "\"warnings\"") : runj);
    free(err);
    free(runj);
}
