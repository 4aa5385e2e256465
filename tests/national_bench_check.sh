#!/bin/sh
# The national benchmark's generator (issue 16, scripts/build_national_bench.py) on two
# provinces (Shanghai, Jiangsu): two builds are byte-identical; the units, stations and
# lines are what the docstring says (one station per prefecture, every line's ends are
# stations, codes unique, synthetic pop adds up to the census totals); the output opens in
# `isoreach info`; an unknown province code is refused and writes nothing.
# Needs the npm tarball in $XDG_CACHE_HOME/isoreach (~/.cache/isoreach) or npm with network:
# without both, the generator fails with its message and so does this test.
# Usage: national_bench_check.sh SOURCE_ROOT ISOREACH
set -eu
root=$1
isoreach=$2
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gen="$py $root/scripts/build_national_bench.py"
$gen "$tmp/a" --provinces 310000,320000 >"$tmp/a.log"
$gen "$tmp/b" --provinces 310000,320000 >/dev/null
cat "$tmp/a.log"
for f in counties stations lines; do
  cmp "$tmp/a/$f.gpkg" "$tmp/b/$f.gpkg" || { echo "FAIL: $f.gpkg differs between two builds"; exit 1; }
done
echo "deterministic: counties, stations and lines byte-identical in two builds"
"$py" - "$tmp/a" <<'EOF'
import sys
from collections import Counter
from osgeo import ogr
d = sys.argv[1]
def feats(name):
    ds = ogr.Open(f"{d}/{name}.gpkg")
    lyr = ds.GetLayer(0)
    return [(f.items(), f.GetGeometryRef().Clone()) for f in lyr]
units, stations, lines = feats("counties"), feats("stations"), feats("lines")
fail = []
def expect(ok, msg):
    if not ok:
        fail.append(msg)
codes = [a["code"] for a, _ in units]
expect(len(units) == 112, f"{len(units)} units, expected 112 (16 Shanghai + 96 Jiangsu)")
expect(len(set(codes)) == len(codes), "duplicate unit codes")
expect(all(g.IsValid() for _, g in units), "invalid unit geometry")
prefs = {a["pref_code"] for a, _ in units}
ids = {a["id"]: g for a, g in stations}
expect(len(stations) == 14 and set(ids) == prefs,
       f"stations {sorted(ids)} are not the prefectures {sorted(prefs)}")
expect(all(a["hub"] == 1 for a, _ in stations), "a station is not a hub")
expect(sorted(a["id"] for a, _ in stations if a["capital"]) == ["310000", "320100"], "capitals")
pop = Counter()
for a, _ in units:
    pop[a["prov_code"]] += a["pop"]
expect(pop == {"310000": 24870895, "320000": 84748016}, f"population sums {dict(pop)}")
for a, g in stations:  # the seat lies in its own prefecture
    inside = [u["pref_code"] for u, ug in units if ug.Contains(g)]
    expect(inside == [a["id"]], f"station {a['id']} lies in {inside}")
ends = set()
for a, g in lines:
    s, t = a["id"].split("-")
    expect(s in ids and t in ids and s < t, f"line {a['id']}: ends are not two stations")
    expect(g.GetPointCount() == 2 and g.GetPoint_2D(0) == ids[s].GetPoint_2D(0)
           and g.GetPoint_2D(1) == ids[t].GetPoint_2D(0), f"line {a['id']}: geometry does not join its stations")
    expect(a["speed_kmh"] == 300 and a["headway"] == 30 and 0 < a["length_km"] < 400,
           f"line {a['id']}: {a['speed_kmh']} km/h, {a['headway']} min, {a['length_km']} km")
    ends.update((s, t))
expect(ends == set(ids), f"stations on no line: {sorted(set(ids) - ends)}")
expect(len(lines) == 19, f"{len(lines)} lines, expected 19")
if fail:
    sys.exit("FAIL: " + "; ".join(fail))
print(f"valid: {len(units)} units, {len(stations)} stations = prefectures, {len(lines)} lines between stations")
EOF
"$isoreach" info "$tmp/a/counties.gpkg" >"$tmp/info"
grep -qx '  Invalid geometries: 0 of 112' "$tmp/info" || { echo "FAIL: isoreach info:"; cat "$tmp/info"; exit 1; }
grep -qx '  Features: 112' "$tmp/info" || { echo "FAIL: isoreach info:"; cat "$tmp/info"; exit 1; }
echo "isoreach info: 112 features, 0 invalid"
# It must be able to fail: an unknown province code is refused before anything is written.
if $gen "$tmp/c" --provinces 310000,999999 2>"$tmp/err"; then
  echo "FAIL: --provinces 999999 accepted"; exit 1
fi
grep -q "^build_national_bench: FAILED: --provinces: unknown codes \['999999'\]" "$tmp/err" \
  || { echo "FAIL: unexpected message:"; cat "$tmp/err"; exit 1; }
[ ! -e "$tmp/c" ] || { echo "FAIL: $tmp/c was created"; exit 1; }
echo "refused as expected: $(cut -c1-80 "$tmp/err")"
