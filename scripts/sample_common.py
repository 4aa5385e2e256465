"""What the sample builders share (scripts/build_sample_rail.py, build_sample_scenarios.py):
the error they raise, the strict CSV reader of their hand-authored tables, number parsing
and the projection to the sample's Albers equal-area CRS (lon 119, parallels 27 and 35;
scale error over the Yangtze River Delta < 0.5 %). Needs Debian's python3-gdal and
python3-shapely."""
import csv, math

from osgeo import osr
from shapely.ops import transform

ALBERS = "+proj=aea +lat_0=0 +lon_0=119 +lat_1=27 +lat_2=35 +datum=WGS84 +units=m +no_defs"


class Fail(Exception):
    pass


def read_csv(path, fields):
    """[(line number, row dict with values stripped)] of a UTF-8 CSV whose header must be
    exactly `fields`; a row with too few or too many columns fails, naming its line."""
    with open(path, encoding="utf-8", newline="") as fh:
        rd = csv.DictReader(fh)
        if rd.fieldnames != fields:
            raise Fail(f"{path.name}: columns {rd.fieldnames} != expected {fields}")
        rows = []
        for n, row in enumerate(rd, start=2):
            if None in row or any(v is None for v in row.values()):
                raise Fail(f"{path.name}:{n}: wrong number of columns")
            rows.append((n, {k: v.strip() for k, v in row.items()}))
        return rows


def num(text, what):
    try:
        v = float(text)
    except ValueError:
        raise Fail(f"{what}: not a number: {text!r}")
    if not math.isfinite(v):
        raise Fail(f"{what}: not finite: {text!r}")
    return v


def make_projector():
    """A function taking a shapely geometry in lon/lat to the sample's Albers CRS."""
    wgs, alb = osr.SpatialReference(), osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    alb.ImportFromProj4(ALBERS)
    for s in (wgs, alb):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(wgs, alb)

    def fwd(x, y, z=None):
        if isinstance(x, float):
            return ct.TransformPoint(x, y)[:2]
        pts = ct.TransformPoints(list(zip(x, y)))
        return [p[0] for p in pts], [p[1] for p in pts]
    return lambda geom: transform(fwd, geom)
