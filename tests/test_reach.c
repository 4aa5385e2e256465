/* Criterion suite for zones.c and reach.c on two square provinces with exact answers.
 *
 *   province 110000 (county 110101): x 0–20 km, y 0–20 km, 1,000,000 people
 *   province 120000 (county 120101): x 20–40 km, same y, 2,000,000 people
 *   county 110102: a 40 m square islet around (5000, 5000) holding no cell centre, 1,000 people
 * Grid 50 m, local travel 10 m/s everywhere inside, budget 1000 s: a 10 km reach. The hub
 * sits at the centre of cell (299, 200), (14975, 9975), 5025 m from the border. */
#include "internal.h"
#include "unit_fixtures.h"

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CELL 50.0

typedef struct fixture {
    isr_ctx *ctx;
    isr_units u;
    isr_grid g;
    isr_zones z;
    float *fric, *t;
    isr_cd_work w;
    isr_reach r;
} fixture;

static void setup(fixture *f)
{
    memset(f, 0, sizeof *f);
    GDALAllRegister();
    f->ctx = isr_ctx_new();
    f->u.n = 3;
    f->u.geom = calloc(3, sizeof *f->u.geom);
    f->u.attr = calloc(3, sizeof *f->u.attr);
    f->u.has_pop = 1;
    fx_unit(&f->u, 0, fx_square(0, 0, 20000, 20000), "110101", 1e6);
    fx_unit(&f->u, 1, fx_square(20000, 0, 40000, 20000), "120101", 2e6);
    fx_unit(&f->u, 2, fx_square(4980, 4980, 5020, 5020), "110102", 1000);
    OGRSpatialReferenceH srs = isr_crs_fitted_albers(f->ctx, 100, 30, 101, 31);
    char *wkt = NULL;
    OSRExportToWkt(srs, &wkt);
    cr_assert_eq(isr_grid_init(f->ctx, &f->g, 0, 0, 40000, 20000, CELL, wkt, 30, 1e6), ISR_OK);
    CPLFree(wkt);
    OSRDestroySpatialReference(srs);
    cr_assert_eq(isr_zones_build(f->ctx, &f->g, &f->u, NULL, &f->z), ISR_OK, "%s",
                 isr_ctx_errmsg(f->ctx));
    cr_assert_eq(isr_friction_build(f->ctx, &f->g, &f->z, 0.1, NULL, &f->fric, NULL), ISR_OK);
    f->t = malloc(isr_grid_pcells(&f->g) * sizeof *f->t);
    for (size_t i = 0; i < isr_grid_pcells(&f->g); i++)
        f->t[i] = INFINITY;
    isr_seed s = {(uint32_t)isr_grid_pidx(&f->g, 299, 200), 0.0f};
    cr_assert_eq(isr_costdist(f->fric, (size_t)isr_grid_pw(&f->g), (size_t)isr_grid_ph(&f->g),
                              CELL, &s, 1, 1000.0f, f->t, &f->w),
                 0);
    cr_assert_eq(isr_reach_init(f->ctx, &f->r, &f->z), ISR_OK);
    isr_reach_compute(&f->r, &f->z, &f->g, f->t, f->w.touched, f->w.ntouched,
                      isr_zones_unit_xy(&f->z, &f->g, 14975, 9975));
}

static void teardown(fixture *f)
{
    isr_reach_free(&f->r);
    isr_cd_work_free(&f->w);
    free(f->fric);
    free(f->t);
    isr_zones_clear(&f->z);
    isr_grid_clear(&f->g);
    isr_units_clear(&f->u);
    isr_ctx_free(f->ctx);
}

/* Area of the part beyond x = border of the model's ball of radius r around (cx, cy): with
 * 16-neighbour moves costed by length the ball is the 16-gon whose vertices are the unit
 * move vectors scaled by r (its gauge), computed exactly with GEOS. */
static double ball_segment(double cx, double cy, double r, double border)
{
    static const int mv[16][2] = {{1, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 1}, {-1, 2},
                                  {-1, 1}, {-2, 1}, {-1, 0}, {-2, -1}, {-1, -1}, {-1, -2},
                                  {0, -1}, {1, -2}, {1, -1}, {2, -1}};
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    for (int i = 0; i <= 16; i++) {
        const int *v = mv[i % 16];
        double len = hypot(v[0], v[1]);
        OGR_G_AddPoint_2D(ring, cx + r * v[0] / len, cy + r * v[1] / len);
    }
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(poly, ring);
    OGRGeometryH half = fx_square(border, cy - 2 * r, cx + 2 * r, cy + 2 * r);
    OGRGeometryH seg = OGR_G_Intersection(poly, half);
    double a = OGR_G_Area(seg);
    OGR_G_DestroyGeometry(seg);
    OGR_G_DestroyGeometry(half);
    OGR_G_DestroyGeometry(poly);
    return a;
}

Test(reach, cross_border_area_matches_the_analytic_segment)
{
    fixture f;
    setup(&f);
    int B = f.z.group[ISR_PROVINCE][1], A = f.z.group[ISR_PROVINCE][0];
    double got = (double)f.r.cells[ISR_PROVINCE][B] * CELL * CELL;
    double d = 20000 - 14975, r = 10000;
    double model = ball_segment(14975, 9975, r, 20000);
    cr_assert_lt(fabs(got - model) / model, 0.01, "cross-border %g m² vs the model's exact %g m²",
                 got, model);
    /* against the Euclidean circle segment r² acos(d/r) − d √(r² − d²) = 61.2 km² the
     * 16-neighbour metric (at most 2.75 % long) reaches a little less (95.6 %), never more */
    double circle = r * r * acos(d / r) - d * sqrt(r * r - d * d);
    cr_log_info("cross-border area: raster %.4f km², model's 16-gon segment %.4f km², "
                "Euclidean circle segment %.4f km² (raster/model %.4f, raster/circle %.4f)",
                got / 1e6, model / 1e6, circle / 1e6, got / model, got / circle);
    cr_assert(got < circle && got > 0.95 * circle, "cross-border %g m², circle segment %g", got,
              circle);
    /* the hub's own province and the neighbour */
    cr_assert_eq(f.r.own[ISR_PROVINCE], A);
    cr_assert_eq(isr_reach_other(&f.r, &f.z, ISR_PROVINCE, B, ISR_PROVINCE), 1);
    cr_assert_eq(isr_reach_other(&f.r, &f.z, ISR_PROVINCE, A, ISR_PROVINCE), 0);
    cr_assert_eq(isr_reach_other(&f.r, &f.z, ISR_COUNTY, f.z.group[ISR_COUNTY][1], ISR_PROVINCE), 1);
    cr_assert_eq(isr_reach_other(&f.r, &f.z, ISR_COUNTY, f.z.group[ISR_COUNTY][1], ISR_PREFECTURE), 1);
    cr_assert_eq(isr_reach_other(&f.r, &f.z, ISR_COUNTY, f.z.group[ISR_COUNTY][0], ISR_PREFECTURE), 0);
    /* a province is no one prefecture */
    cr_assert_eq(isr_reach_other(&f.r, &f.z, ISR_PROVINCE, A, ISR_PREFECTURE), -1);
    /* people reached across the border: cells × 2,000,000 / 160,000 cells */
    cr_assert_eq(f.z.cells[ISR_PROVINCE][B], 160000);
    cr_assert_float_eq(f.r.pop[ISR_PROVINCE][B],
                       (double)f.r.cells[ISR_PROVINCE][B] * 2e6 / 160000, 1e-3);
    isr_reach_totals_t t;
    isr_reach_totals(&f.r, &f.z, &t);
    cr_assert_float_eq(t.pop_outside_province, f.r.pop[ISR_PROVINCE][B], 1e-6);
    cr_assert_eq(t.groups_reached[ISR_PROVINCE], 2);
    /* the earliest time across the border: 5025 m at 10 m/s, to the first cell centre
     * beyond it (x = 20025): 505 s = 8.4167 min */
    cr_assert_float_eq(f.r.tmin[ISR_PROVINCE][B], 505.0 / 60.0, 1e-3);
    teardown(&f);
}

Test(reach, population_is_conserved)
{
    fixture f;
    setup(&f);
    double cells = 0, units = 0;
    for (size_t c = 0; c < (size_t)f.g.nx * (size_t)f.g.ny; c++)
        cells += isr_zones_pop_at(&f.z, c);
    for (int gi = 0; gi < f.z.ngroups[ISR_COUNTY]; gi++)
        units += f.z.gpop[ISR_COUNTY][gi];
    cr_assert_float_eq(cells, 3001000.0, 1e-3, "people on the grid: %f", cells);
    cr_assert_float_eq(units, 3001000.0, 1e-3, "people in the units: %f", units);
    /* the islet holds no cell centre and sits on province A's cells: hosted there */
    cr_assert_eq(f.z.hosted, 1);
    cr_assert_eq(f.z.ngroups[ISR_COUNTY], 3);
    cr_assert_eq(f.z.ngroups[ISR_PREFECTURE], 2); /* 110100 and 120100 */
    cr_assert_eq(f.z.ngroups[ISR_PROVINCE], 2);
    cr_assert_float_eq(f.z.gpop[ISR_PROVINCE][0], 1001000.0, 1e-3);
    /* every cell is in a unit: 800 × 400 */
    cr_assert_eq(f.z.cells[ISR_PROVINCE][0] + f.z.cells[ISR_PROVINCE][1], 320000);
    teardown(&f);
}

Test(reach, population_raster_is_summed_onto_the_grid)
{
    /* A 25 m raster with one person per cell over both provinces (800 × 1600 cells of the
     * 40 × 20 km): on the 50 m grid every cell holds 4 people, 1,280,000 in all. */
    fixture f;
    setup(&f);
    const char *path = "/vsimem/pop.tif";
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, 1600, 800, 1, GDT_Float32, NULL);
    double gt[6] = {0, 25, 0, 20000, 0, -25};
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, f.g.wkt);
    GDALFillRaster(GDALGetRasterBand(ds, 1), 1.0, 0);
    GDALClose(ds);
    isr_zones z;
    cr_assert_eq(isr_zones_build(f.ctx, &f.g, &f.u, path, &z), ISR_OK, "%s", isr_ctx_errmsg(f.ctx));
    double total = 0;
    for (size_t c = 0; c < (size_t)f.g.nx * (size_t)f.g.ny; c++) {
        cr_assert_float_eq(isr_zones_pop_at(&z, c), 4.0, 1e-4, "cell %zu holds %g people", c, isr_zones_pop_at(&z, c));
        total += isr_zones_pop_at(&z, c);
    }
    cr_assert_float_eq(total, 1280000.0, 1e-2);
    cr_assert_float_eq(z.gpop[ISR_PROVINCE][0] + z.gpop[ISR_PROVINCE][1], 1280000.0, 1e-2);
    isr_zones_clear(&z);
    VSIUnlink(path);
    teardown(&f);
}

/* A file's whole text (new memory). */
static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp, "cannot open %s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return strdup(buf);
}

/* The line of `text` that starts with `start` (a copy without its newline; NULL if none). */
static char *line_starting(const char *text, const char *start)
{
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, start, strlen(start)) == 0) {
            size_t n = strcspn(p, "\n");
            char *l = strndup(p, n);
            return l;
        }
    return NULL;
}

Test(reach, people_weighted_mean_minutes_weighs_each_province_by_its_people)
{
    /* Province A holds 6.25 people per cell (1,000,000 / 160,000), B 12.5: the mean over the
     * people reached weighs B's cells (all farther than 8.4 min) twice as much as A's. */
    fixture f;
    setup(&f);
    int A = f.z.group[ISR_PROVINCE][0], B = f.z.group[ISR_PROVINCE][1];
    double cA = (double)f.r.cells[ISR_PROVINCE][A], cB = (double)f.r.cells[ISR_PROVINCE][B];
    double sA = f.r.tsum[ISR_PROVINCE][A], sB = f.r.tsum[ISR_PROVINCE][B];
    double want = (6.25 * sA + 12.5 * sB) / (6.25 * cA + 12.5 * cB);
    double area_mean = (sA + sB) / (cA + cB);
    isr_reach_totals_t t;
    isr_reach_totals(&f.r, &f.z, &t);
    cr_assert_float_eq(t.mean_min_people, want, 1e-6, "%f vs %f", t.mean_min_people, want);
    cr_assert_gt(t.mean_min_people - area_mean, 0.3, "people %f, area %f", t.mean_min_people,
                 area_mean);
    /* within one county people are spread evenly: both means agree */
    int gB = f.z.group[ISR_COUNTY][1];
    cr_assert_float_eq(f.r.ptsum[ISR_COUNTY][gB] / f.r.praw[ISR_COUNTY][gB],
                       f.r.tsum[ISR_COUNTY][gB] / (double)f.r.cells[ISR_COUNTY][gB], 1e-6);
    teardown(&f);
}

Test(reach, tables_name_the_hub_both_borders_and_people_by_minute)
{
    fixture f;
    setup(&f);
    char dir[] = "/tmp/isr_reach_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/reach.csv", dir);
    cr_assert_eq(isr_reach_write_csv(f.ctx, path, "H1", &f.r, &f.z, &f.u, CELL * CELL / 1e6),
                 ISR_OK, "%s", isr_ctx_errmsg(f.ctx));
    char *csv = slurp(path);
    cr_assert_eq(strncmp(csv, ISR_CSV_BOM ISR_REACH_CSV_HEADER,
                         strlen(ISR_CSV_BOM ISR_REACH_CSV_HEADER)),
                 0, "%.300s", csv);
    cr_assert_eq(strncmp(csv, "\xEF\xBB\xBFhub_id,level,code,", 21), 0);
    /* county 120101 lies in another province and prefecture; its own county in neither;
     * the other province's row leaves other_prefecture empty; every row ends ",0,<land>" */
    char *b = line_starting(csv, "H1,county,120101,120101,,120100,120000,400.000,");
    char *a = line_starting(csv, "H1,county,110101,110101,,110100,110000,400.000,");
    char *pb = line_starting(csv, "H1,province,120000,120000,,,120000,");
    cr_assert(a && b && pb, "%s", csv);
    cr_assert(strstr(b, ",1,1,0,400.000"), "%s", b);
    cr_assert(strstr(a, ",0,0,0,400.000"), "%s", a);
    cr_assert(strstr(pb, ",1,,0,400.000"), "%s", pb);
    /* mean_minutes_area and mean_minutes_people agree within a county (people even) */
    double v[20];
    char *p = b;
    for (int i = 0; i < 20; i++) {
        v[i] = strtod(p, NULL);
        p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p);
    }
    /* past hub_id, level, code, name, name_en: the minutes are fields 13 to 15 */
    cr_assert_float_eq(v[14], v[15], 0.011, "%s", b);
    cr_assert_float_eq(v[13], 505.0 / 60.0, 0.006, "%s", b); /* min_minutes, as above */
    /* the tables of the hub: summary.csv and people_by_minute.csv (budget 1000 s) */
    isr_reach_totals_t t;
    isr_reach_totals(&f.r, &f.z, &t);
    isr_hub_tables ht = {"H1", "Hub, one", &t, f.r.own, 1000.0 / 60.0};
    cr_assert_eq(isr_hub_tables_write(f.ctx, dir, &ht, &f.z, &f.u, &f.g, f.t, f.w.touched,
                                      f.w.ntouched, &f.z),
                 ISR_OK, "%s", isr_ctx_errmsg(f.ctx));
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    char *sum = slurp(path);
    char want[512];
    snprintf(want, sizeof want,
             ISR_CSV_BOM ISR_SUMMARY_CSV_HEADER
             "H1,\"Hub, one\",110000,110000,110100,110100,16.67,%.3f,%.0f,%.0f,%.0f,%.4f,%.2f,"
             "2,2,2,0\n",
             (double)t.cells * CELL * CELL / 1e6, t.pop, t.pop_outside_province,
             t.pop_outside_prefecture, t.pop_outside_province / t.pop, t.mean_min_people);
    cr_assert_str_eq(sum, want);
    snprintf(path, sizeof path, "%s/people_by_minute.csv", dir);
    char *pbm = slurp(path);
    cr_assert_eq(strncmp(pbm, ISR_CSV_BOM ISR_PEOPLE_BY_MINUTE_CSV_HEADER,
                         strlen(ISR_CSV_BOM ISR_PEOPLE_BY_MINUTE_CSV_HEADER)),
                 0, "%s", pbm);
    /* minute 0: the hub's cell alone, 6.25 people, 0.0025 km² */
    char *m0 = line_starting(pbm, "H1,0,");
    cr_assert_str_eq(m0, "H1,0,6,0.003");
    /* up to minute 8 (the border is 8.42 min away) only province A: 2,500 people per km²;
     * then B's 5,000 per km² too */
    double prev = 0;
    for (int m = 1; m <= 16; m++) {
        char start[16];
        snprintf(start, sizeof start, "H1,%d,", m);
        char *l = line_starting(pbm, start);
        cr_assert_not_null(l, "%s", pbm);
        char *q = l + strlen(start);
        double people = strtod(q, &q), km2 = strtod(q + 1, NULL);
        if (m <= 8)
            cr_assert_float_eq(people, 2500 * km2, 2.0, "%s", l); /* km² to 3 decimals */
        else
            cr_assert_gt(people, 2500 * km2 + 1, "%s", l);
        cr_assert_gt(km2, prev, "%s", l);
        prev = km2;
        free(l);
    }
    /* the last row, at the budget: every cell reached, as the isochrones count them */
    double all = 0;
    const uint32_t pw = (uint32_t)isr_grid_pw(&f.g);
    for (size_t i = 0; i < f.w.ntouched; i++)
        all += isr_zones_pop_at(&f.z, (f.w.touched[i] / pw - ISR_PAD) * (size_t)f.g.nx +
                                          f.w.touched[i] % pw - ISR_PAD);
    char *last = line_starting(pbm, "H1,16.6667,");
    cr_assert_not_null(last, "%s", pbm);
    char *q = last + strlen("H1,16.6667,");
    cr_assert_float_eq(strtod(q, &q), all, 1.0, "%s: %f people", last, all); /* 909,162.5 */
    snprintf(want, sizeof want, ",%.3f\n", (double)f.w.ntouched * CELL * CELL / 1e6);
    cr_assert_str_eq(pbm + strlen(pbm) - strlen(want), want, "the last row: %s", last);
    free(m0);
    free(last);
    free(pbm);
    free(sum);
    free(a);
    free(b);
    free(pb);
    free(csv);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    teardown(&f);
}

/* A hub on a border, given in another CRS: its distance to the unit came out a few
 * micrometres, not 0, and it was said both to lie "as near to" the unit and "outside every
 * boundary polygon, 0.0 km from" it (Fiji, stations in EPSG:4326, units in EPSG:3460). Under
 * the border tolerance it is on the border: one warning. */
Test(reach, a_hub_a_rounding_off_a_border_is_on_it)
{
    isr_ctx *ctx = isr_ctx_new();
    OGRGeometryH sq = NULL;
    char *wkt = "POLYGON ((0 0,1000 0,1000 1000,0 1000,0 0))";
    cr_assert_eq(OGR_G_CreateFromWkt(&wkt, NULL, &sq), OGRERR_NONE);
    char *names[ISR_NLEVELS] = {"Unit 4", "", ""}, *codes[ISR_NLEVELS] = {"FJ4", "", ""};
    isr_unit attr = {.pop = 1};
    memcpy(attr.code, codes, sizeof codes);
    memcpy(attr.name, names, sizeof names);
    isr_units u = {.n = 1, .geom = &sq, .attr = &attr};
    const double hub[2] = {1000.000004, 500}, cell[2] = {1250, 500};
    isr_hub_jurisdiction_warn(ctx, &u, "mid", hub, cell, 0, 4e-6, 1, "");
    cr_assert_eq(isr_ctx_nwarnings(ctx), 1);
    cr_assert(strstr(isr_ctx_warning(ctx, 0), "hub 'mid' lies on the border of 'Unit 4' (FJ4) and "
                                              "1 other unit"),
              "%s", isr_ctx_warning(ctx, 0));
    OGR_G_DestroyGeometry(sq);
    isr_ctx_free(ctx);
}
