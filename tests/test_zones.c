/* Criterion suite for zones.c on a 4 x 3 grid of 1000 m cells (x 0..4000, y 0..3000; row 0
 * at the top, y 2000..3000):
 *
 *   u0 county 110101: x 0..2000, y 0..3000           600 people → 6 cells of 100
 *   u1 county 120101: x 2000..3400, y 0..3000         90 people → 3 cells (col 2) of 30;
 *                     the centres of col 3 (x 3500) lie outside it
 *   u2 county 120102: islet 3700..3720 x 200..220     50 people, no cell centre: claims the
 *                     free cell (3,2) at its interior point
 *   u3 county 110102: islet 500..520 x 2700..2720      7 people, no cell centre, its cell (0,0)
 *                     is u0's: hosted, its people added to that cell
 *   cells (3,0) and (3,1): no unit (-1)
 * Prefectures are the first four digits + "00", provinces the first two + "0000". */
#include "internal.h"
#include "unit_fixtures.h"

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

typedef struct logbook {
    int n;
    char msg[8][512];
} logbook;

static void on_log(void *user, isr_log_level level, const char *msg)
{
    logbook *b = user;
    if ((level == ISR_LOG_INFO || level == ISR_LOG_WARN) && b->n < 8)
        snprintf(b->msg[b->n++], sizeof b->msg[0], "%s", msg);
}

typedef struct fx {
    isr_ctx *ctx;
    isr_units u;
    isr_grid g;
    isr_zones z;
    logbook log;
} fx;

static void setup(fx *f, int nunits)
{
    memset(f, 0, sizeof *f);
    GDALAllRegister();
    f->ctx = isr_ctx_new();
    isr_ctx_set_logger(f->ctx, on_log, &f->log, ISR_LOG_INFO);
    f->u.n = nunits;
    f->u.geom = calloc((size_t)nunits, sizeof *f->u.geom);
    f->u.attr = calloc((size_t)nunits, sizeof *f->u.attr);
    f->u.has_pop = 1;
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 32632);
    char *wkt = NULL;
    OSRExportToWkt(srs, &wkt);
    OSRDestroySpatialReference(srs);
    cr_assert_eq(isr_grid_init(f->ctx, &f->g, 0, 0, 4000, 3000, 1000, wkt, 12, 100), ISR_OK);
    CPLFree(wkt);
}

static void four_units(fx *f)
{
    setup(f, 4);
    fx_unit(&f->u, 0, fx_square(0, 0, 2000, 3000), "110101", 600);
    fx_unit(&f->u, 1, fx_square(2000, 0, 3400, 3000), "120101", 90);
    fx_unit(&f->u, 2, fx_square(3700, 200, 3720, 220), "120102", 50);
    fx_unit(&f->u, 3, fx_square(500, 2700, 520, 2720), "110102", 7);
}

static void teardown(fx *f)
{
    isr_zones_clear(&f->z);
    isr_units_clear(&f->u);
    isr_grid_clear(&f->g);
    isr_ctx_free(f->ctx);
}

Test(zones, cells_people_and_groups)
{
    fx f;
    four_units(&f);
    cr_assert_eq(isr_zones_build(f.ctx, &f.g, &f.u, NULL, &f.z), ISR_OK, "%s",
                 isr_ctx_errmsg(f.ctx));
    /* the zone raster, row by row from the top */
    const int32_t want[12] = {0, 0, 1, -1, 0, 0, 1, -1, 0, 0, 1, 2};
    for (int k = 0; k < 12; k++)
        cr_assert_eq(isr_zones_unit_at(&f.z, (size_t)k), want[k], "cell %d: %d", k,
                     isr_zones_unit_at(&f.z, (size_t)k));
    /* 3 units: 2 bytes a cell, unit index + 1 (0 outside every unit) */
    cr_assert(f.z.zone16 && !f.z.zone32);
    cr_assert_eq(f.z.zone16[3], 0);
    cr_assert_eq(f.z.zone16[11], 3);
    /* people: 100 per u0 cell (+7 hosted in (0,0)), 30 per u1 cell, 50 in u2's claimed cell */
    const double pop[12] = {107, 100, 30, 0, 100, 100, 30, 0, 100, 100, 30, 50};
    for (int k = 0; k < 12; k++)
        cr_assert_float_eq(isr_zones_pop_at(&f.z, k), pop[k], 1e-9, "cell %d: %g", k, isr_zones_pop_at(&f.z, k));
    cr_assert_eq(f.z.hosted, 1);
    cr_assert_eq(f.z.nunits, 4);
    /* counties in code order: 110101 (u0), 110102 (u3), 120101 (u1), 120102 (u2) */
    cr_assert_eq(f.z.ngroups[ISR_COUNTY], 4);
    cr_assert_eq(f.z.group[ISR_COUNTY][0], 0);
    cr_assert_eq(f.z.group[ISR_COUNTY][3], 1);
    cr_assert_eq(f.z.group[ISR_COUNTY][1], 2);
    cr_assert_eq(f.z.group[ISR_COUNTY][2], 3);
    const size_t cells[4] = {6, 0, 3, 1};
    const double gpop[4] = {607, 0, 90, 50};
    for (int gi = 0; gi < 4; gi++) {
        cr_assert_eq(f.z.cells[ISR_COUNTY][gi], cells[gi], "county %d", gi);
        cr_assert_float_eq(f.z.gpop[ISR_COUNTY][gi], gpop[gi], 1e-9, "county %d", gi);
    }
    /* prefectures 110100 (6 cells, 607) and 120100 (4 cells, 140); the same for provinces */
    for (int k = ISR_PREFECTURE; k <= ISR_PROVINCE; k++) {
        cr_assert_eq(f.z.ngroups[k], 2);
        cr_assert_eq(f.z.cells[k][0], 6);
        cr_assert_eq(f.z.cells[k][1], 4);
        cr_assert_float_eq(f.z.gpop[k][0], 607, 1e-9);
        cr_assert_float_eq(f.z.gpop[k][1], 140, 1e-9);
        cr_assert_eq(f.z.first[k][1] == 1 || f.z.first[k][1] == 2, 1);
    }
    /* the units are not misplaced enough to warn (21.6 % < 25 %), but u2, 20 m square (0.04 %
     * of a cell), is counted as a whole cell: its tables say 1 km², 2,500 times its area; the
     * hosted unit is warned about, since the tables give it no row and its people to u0 */
    cr_assert_eq(isr_ctx_nwarnings(f.ctx), 2);
    cr_assert_eq(f.log.n, 2);
    cr_assert_str_eq(f.log.msg[0],
                     "1 unit is under 1 % of a cell at 1000 m but counted as a whole cell: "
                     "'120102' (0.0004 km² drawn, 1 km² on the grid); the tables give it the area "
                     "of its cells and spread its people on them (a finer --resolution fits it "
                     "better; a unit of no area is a drawing error)");
    cr_assert_str_eq(f.log.msg[1],
                     "1 unit has no cell of its own at 1000 m (smaller than a cell, or covered "
                     "by another unit): '110102' (7 people) into '110101'; its people are "
                     "counted in the cell holding its interior point, under the unit of that "
                     "cell, and the tables give it no row (a finer --resolution gives a small "
                     "unit cells of its own; a unit covered by another needs its polygons "
                     "mended)");
    teardown(&f);
}

Test(zones, unit_at)
{
    fx f;
    four_units(&f);
    cr_assert_eq(isr_zones_build(f.ctx, &f.g, &f.u, NULL, &f.z), ISR_OK);
    cr_assert_eq(isr_zones_unit_xy(&f.z, &f.g, 100, 2900), 0);
    cr_assert_eq(isr_zones_unit_xy(&f.z, &f.g, 2500, 100), 1);
    /* inside u1's polygon, but in cell (3,0) whose centre is not: the cell decides */
    cr_assert_eq(isr_zones_unit_xy(&f.z, &f.g, 3300, 2500), -1);
    cr_assert_eq(isr_zones_unit_xy(&f.z, &f.g, 3900, 900), 2);  /* the claimed cell */
    cr_assert_eq(isr_zones_unit_xy(&f.z, &f.g, 3500, 2500), -1); /* in no unit */
    cr_assert_eq(isr_zones_unit_xy(&f.z, &f.g, -1, 100), -1);   /* off the grid */
    cr_assert_eq(isr_zones_unit_xy(&f.z, &f.g, 100, 3000.5), -1);
    teardown(&f);
}

Test(zones, unknown_population_counted_per_group)
{
    fx f;
    four_units(&f);
    f.u.attr[1].pop = NAN; /* 120101 unknown: its cells hold nobody */
    cr_assert_eq(isr_zones_build(f.ctx, &f.g, &f.u, NULL, &f.z), ISR_OK);
    cr_assert_eq(isr_zones_pop_at(&f.z, 2), 0.0);
    cr_assert_eq(f.z.gunknown[ISR_COUNTY][2], 1);
    cr_assert_eq(f.z.gunknown[ISR_COUNTY][0], 0);
    cr_assert_eq(f.z.gunknown[ISR_PREFECTURE][1], 1);
    cr_assert_eq(f.z.gunknown[ISR_PROVINCE][1], 1);
    cr_assert_eq(f.z.gunknown[ISR_PROVINCE][0], 0);
    cr_assert_float_eq(f.z.gpop[ISR_PROVINCE][1], 50, 1e-9);
    teardown(&f);
}

Test(zones, coarse_grid_warned)
{
    fx f;
    setup(&f, 1);
    /* x 0..1400, y 0..1000: 1.4 km² drawn, one cell centre (500, 500) inside → 1.0 km² on the
     * grid; 0.4 / 1.4 = 29 % misplaced, above 25 % */
    fx_unit(&f.u, 0, fx_square(0, 0, 1400, 1000), "310101", 10);
    cr_assert_eq(isr_zones_build(f.ctx, &f.g, &f.u, NULL, &f.z), ISR_OK);
    cr_assert_eq(isr_ctx_nwarnings(f.ctx), 1);
    cr_assert_str_eq(isr_ctx_warning(f.ctx, 0),
                     "--resolution 1000 m is too coarse for the boundaries: the units' areas on "
                     "the grid differ from their polygons' by 29 % in all (most: '310101', 1.0 "
                     "km² on the grid for 1.4 km² drawn), and their people with them; use a "
                     "finer --resolution");
    cr_assert_eq(f.z.cells[ISR_COUNTY][0], 1);
    cr_assert_float_eq(isr_zones_pop_at(&f.z, 8), 10, 1e-9); /* cell (0,2) */
    teardown(&f);
}

/* An 8 x 6 raster of 500 m pixels over the grid at `path` (values v, row by row, a band
 * scale of `scale`), in the grid's CRS. */
static void pop_raster(const char *path, const char *wkt, const float *v, double scale)
{
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, 8, 6, 1, GDT_Float32, NULL);
    double gt[6] = {0, 500, 0, 3000, 0, -500};
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, wkt);
    cr_assert_eq(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, 0, 8, 6, (void *)v, 8, 6,
                              GDT_Float32, 0, 0),
                 CE_None);
    if (scale != 1)
        GDALSetRasterScale(GDALGetRasterBand(ds, 1), scale);
    GDALClose(ds);
}

Test(zones, population_raster_summed_onto_the_grid)
{
    fx f;
    four_units(&f);
    /* 500 m pixels over the grid (8 x 6), one person each, 5 in the top-left pixel: each grid
     * cell sums 4 pixels; cell (0,0) holds 5 + 3 = 8. Cells (3,0) and (3,1) are in no unit:
     * their 8 people are not counted (an info line says so). */
    float v[48];
    for (int i = 0; i < 48; i++)
        v[i] = 1;
    v[0] = 5;
    pop_raster("/vsimem/pop.tif", f.g.wkt, v, 1);
    cr_assert_eq(isr_zones_build(f.ctx, &f.g, &f.u, "/vsimem/pop.tif", &f.z), ISR_OK, "%s",
                 isr_ctx_errmsg(f.ctx));
    const double pop[12] = {8, 4, 4, 0, 4, 4, 4, 0, 4, 4, 4, 4};
    for (int k = 0; k < 12; k++)
        cr_assert_float_eq(isr_zones_pop_at(&f.z, k), pop[k], 1e-6, "cell %d: %g", k, isr_zones_pop_at(&f.z, k));
    /* the raster knows every cell: u3's 7 people from the field are not added */
    cr_assert_float_eq(f.z.gpop[ISR_COUNTY][0], 28, 1e-9);
    cr_assert_float_eq(f.z.gpop[ISR_COUNTY][2], 12, 1e-9);
    cr_assert_float_eq(f.z.gpop[ISR_COUNTY][3], 4, 1e-9);
    cr_assert_eq(f.z.pop_uncovered, 0);
    /* u2 counted as a whole cell, u3 hosted by u0's cell (as above) */
    cr_assert_eq(isr_ctx_nwarnings(f.ctx), 2);
    int seen = 0;
    for (int i = 0; i < f.log.n; i++)
        seen += strcmp(f.log.msg[i], "population raster '/vsimem/pop.tif': 8 people on the "
                                     "grid (the boundaries' extent) lie outside every boundary "
                                     "unit and are not counted; what the raster holds beyond "
                                     "that extent is not read") == 0;
    cr_assert_eq(seen, 1);
    VSIUnlink("/vsimem/pop.tif");
    teardown(&f);
}

/* The same people stored as 2 per pixel with a scale of 0.5 (GDAL's band metadata): the
 * grid holds the people the raster means, not twice as many (it was read raw); an offset is
 * refused, as a sum of pixels cannot take one */
Test(zones, population_raster_scale_is_applied_offset_refused)
{
    fx f;
    four_units(&f);
    float v[48];
    for (int i = 0; i < 48; i++)
        v[i] = 2;
    v[0] = 10;
    pop_raster("/vsimem/pops.tif", f.g.wkt, v, 0.5);
    cr_assert_eq(isr_zones_build(f.ctx, &f.g, &f.u, "/vsimem/pops.tif", &f.z), ISR_OK, "%s",
                 isr_ctx_errmsg(f.ctx));
    cr_assert_float_eq(isr_zones_pop_at(&f.z, 0), 8, 1e-6); /* (10 + 3 × 2) × 0.5 */
    cr_assert_float_eq(f.z.gpop[ISR_COUNTY][0], 28, 1e-9);
    isr_zones_clear(&f.z);
    GDALDatasetH ds = GDALOpen("/vsimem/pops.tif", GA_Update);
    GDALSetRasterOffset(GDALGetRasterBand(ds, 1), 1);
    GDALClose(ds);
    cr_assert_eq(isr_zones_build(f.ctx, &f.g, &f.u, "/vsimem/pops.tif", &f.z), ISR_ERR_INPUT);
    cr_assert(strstr(isr_ctx_errmsg(f.ctx), "has an offset (1) on its values: people per cell "
                                            "cannot be summed with one"),
              "%s", isr_ctx_errmsg(f.ctx));
    VSIUnlink("/vsimem/pops.tif");
    teardown(&f);
}

/* More units than a 16-bit zone raster holds (65,534): 66,000 units of one 1000 m cell each
 * (unit i the square of cell i on a 331 x 200 grid, row by row from the top; the last 200
 * cells, row 199 from column 131 on, in no unit), county code 100000 + i, i % 9 + 1 people.
 * The raster is 32-bit and every unit, 65,535 (0xFFFF) and 65,999 too, has its cell. */
Test(zones, more_units_than_16_bits_take_the_32_bit_raster, .timeout = 120)
{
    enum { N = 66000, NX = 331, NY = 200 };
    fx f;
    setup(&f, N);
    char *wkt = strdup(f.g.wkt);
    isr_grid_clear(&f.g);
    cr_assert_eq(isr_grid_init(f.ctx, &f.g, 0, 0, NX * 1000.0, NY * 1000.0, 1000, wkt, 12, 100),
                 ISR_OK);
    free(wkt);
    for (int i = 0; i < N; i++) {
        double x = (i % NX) * 1000.0, y = (NY - 1 - i / NX) * 1000.0;
        char code[16];
        snprintf(code, sizeof code, "%d", 100000 + i);
        fx_unit(&f.u, i, fx_square(x, y, x + 1000, y + 1000), code, i % 9 + 1);
    }
    cr_assert_eq(isr_zones_build(f.ctx, &f.g, &f.u, NULL, &f.z), ISR_OK, "%s",
                 isr_ctx_errmsg(f.ctx));
    cr_assert(f.z.zone32 && !f.z.zone16, "66,000 units: the 32-bit raster");
    cr_assert_eq(isr_zones_cell_bytes(N), 4);
    cr_assert_eq(isr_zones_cell_bytes(65534), 2);
    cr_assert_eq(isr_zones_cell_bytes(65535), 4);
    const int known[] = {0, 330, 331, 65533, 65534, 65535, 65536, 65999};
    for (size_t k = 0; k < sizeof known / sizeof *known; k++) {
        cr_assert_eq(isr_zones_unit_at(&f.z, (size_t)known[k]), known[k]);
        cr_assert_float_eq(isr_zones_pop_at(&f.z, (size_t)known[k]), known[k] % 9 + 1, 1e-9);
    }
    cr_assert_eq(isr_zones_unit_at(&f.z, N), -1);
    cr_assert_eq(isr_zones_unit_at(&f.z, (size_t)NX * NY - 1), -1);
    cr_assert_eq(isr_zones_unit_xy(&f.z, &f.g, 65999 % NX * 1000.0 + 500, 500), 65999);
    /* counties in code order: county i is unit i, 1 cell and its people each */
    cr_assert_eq(f.z.ngroups[ISR_COUNTY], N);
    cr_assert_eq(f.z.ngroups[ISR_PREFECTURE], 660); /* 1000xx .. 1659xx */
    cr_assert_eq(f.z.ngroups[ISR_PROVINCE], 7);     /* 10 .. 16 */
    for (int i = 0; i < N; i++) {
        cr_assert_eq(f.z.group[ISR_COUNTY][i], i);
        cr_assert_eq(f.z.cells[ISR_COUNTY][i], 1, "county %d: %zu cells", i,
                     f.z.cells[ISR_COUNTY][i]);
        cr_assert_float_eq(f.z.gpop[ISR_COUNTY][i], i % 9 + 1, 1e-9, "county %d", i);
    }
    /* province 16: units 60000..65999, 6000 cells; 6000 / 9 = 666 full rounds of 45 people,
     * then units 65994..65999 (i % 9 = 6, 7, 8, 0, 1, 2) 7 + 8 + 9 + 1 + 2 + 3 */
    cr_assert_eq(f.z.cells[ISR_PROVINCE][6], 6000);
    cr_assert_float_eq(f.z.gpop[ISR_PROVINCE][6], 666 * 45 + 30, 1e-9);
    cr_assert_eq(f.z.hosted, 0);
    cr_assert_eq(isr_ctx_nwarnings(f.ctx), 0);
    /* the friction reads it: 66,000 land cells, the 200 others barriers */
    float *fric = NULL;
    cr_assert_eq(isr_friction_build(f.ctx, &f.g, &f.z, 0.125, NULL, &fric, NULL), ISR_OK);
    size_t land = 0;
    for (size_t i = 0; i < isr_grid_pcells(&f.g); i++)
        land += fric[i] == 0.125f;
    cr_assert_eq(land, N);
    cr_assert(isinf(fric[isr_grid_pidx(&f.g, NX - 1, NY - 1)]));
    free(fric);
    /* and the reach: cells of units 65,535 and 65,999 and one of no unit, at 6 and 12 min */
    isr_reach r;
    cr_assert_eq(isr_reach_init(f.ctx, &r, &f.z), ISR_OK);
    r.min_cells = 1;
    float *t = calloc(isr_grid_pcells(&f.g), sizeof *t);
    uint32_t touched[3] = {(uint32_t)isr_grid_pidx(&f.g, 65535 % NX, 65535 / NX),
                           (uint32_t)isr_grid_pidx(&f.g, 65999 % NX, 65999 / NX),
                           (uint32_t)isr_grid_pidx(&f.g, NX - 1, NY - 1)};
    t[touched[0]] = 360;
    t[touched[1]] = 720;
    t[touched[2]] = 60;
    isr_reach_compute(&r, &f.z, &f.g, t, touched, 3, 65535);
    cr_assert_eq(r.cells[ISR_COUNTY][65535], 1);
    cr_assert_float_eq(r.pop[ISR_COUNTY][65535], 65535 % 9 + 1, 1e-9); /* 7 */
    cr_assert_float_eq(r.tmin[ISR_COUNTY][65535], 6.0, 1e-6);
    cr_assert_eq(r.cells[ISR_COUNTY][65999], 1);
    cr_assert_float_eq(r.pop[ISR_COUNTY][65999], 65999 % 9 + 1, 1e-9); /* 3 */
    cr_assert_eq(r.cells[ISR_PROVINCE][6], 2);
    cr_assert_float_eq(r.pop[ISR_PROVINCE][6], 10, 1e-9);
    cr_assert_eq(r.own[ISR_COUNTY], 65535);
    free(t);
    isr_reach_free(&r);
    teardown(&f);
}

/* --min-reach (min_cells 4 here, 4 km² of 1 km cells): a county reached in fewer cells is a
 * sliver and not counted, unless all of its land is reached: u0 reached in 4 of its 6 cells
 * counts, u1 in 2 of 3 does not, u2 (one cell, 50 people) wholly reached counts (it was left
 * out, its people missing from the hub's total; a new-user pass). */
Test(zones, min_reach_spares_a_small_county_wholly_reached)
{
    fx f;
    four_units(&f);
    cr_assert_eq(isr_zones_build(f.ctx, &f.g, &f.u, NULL, &f.z), ISR_OK, "%s",
                 isr_ctx_errmsg(f.ctx));
    isr_reach r;
    cr_assert_eq(isr_reach_init(f.ctx, &r, &f.z), ISR_OK);
    r.min_cells = isr_reach_min_cells(4.0, 1000.0);
    cr_assert_eq(r.min_cells, 4);
    float *t = calloc(isr_grid_pcells(&f.g), sizeof *t);
    const int cells[] = {0, 1, 4, 5, 2, 6, 11};
    uint32_t touched[7];
    for (int i = 0; i < 7; i++) {
        touched[i] = (uint32_t)isr_grid_pidx(&f.g, cells[i] % 4, cells[i] / 4);
        t[touched[i]] = 60.0f * (float)(i + 1);
    }
    isr_reach_compute(&r, &f.z, &f.g, t, touched, 7, 0);
    /* counties in code order: 110101 (u0), 110102 (u3), 120101 (u1), 120102 (u2) */
    cr_assert_eq(r.cells[ISR_COUNTY][0], 4);
    cr_assert_eq(r.cells[ISR_COUNTY][2], 0, "u1: a sliver of 2 of its 3 cells");
    cr_assert_eq(r.cells[ISR_COUNTY][3], 1, "u2: its one cell, all of it");
    cr_assert_float_eq(r.pop[ISR_COUNTY][3], 50, 1e-9);
    cr_assert_float_eq(r.tmin[ISR_COUNTY][3], 7.0, 1e-6);
    cr_assert_eq(r.cells[ISR_PROVINCE][f.z.group[ISR_PROVINCE][2]], 1, "province 12: u2 only");
    free(t);
    isr_reach_free(&r);
    teardown(&f);
}
