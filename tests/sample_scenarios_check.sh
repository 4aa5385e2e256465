#!/bin/sh
# The sample's scenarios (issue 15): the hand-authored tables in scripts/sample_scenarios/
# pass every check of scripts/build_sample_scenarios.py, and each committed
# shapefiles/scenarios/*.gpkg is byte-identical to a rebuild from them (--verify).
# Usage: sample_scenarios_check.sh SOURCE_ROOT
set -eu
root=$1
py=/usr/bin/python3
out=$("$py" "$root/scripts/build_sample_scenarios.py" --verify)
echo "$out" | tail -1
echo "$out" | grep -qx 'verify: 5 GeoPackages byte-identical to a rebuild'
# The check must be able to fail: an added station that takes a base station's id is
# refused, and nothing is written.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$root/scripts" "$tmp/"
mkdir -p "$tmp/shapefiles"
cp -r "$root/shapefiles/scenarios" "$root"/shapefiles/yrd_* "$tmp/shapefiles/"
sed -i 's/^ningbo_zhoushan,jintang,/ningbo_zhoushan,ningbo,/' "$tmp/scripts/sample_scenarios/stations.csv"
before=$(md5sum "$tmp"/shapefiles/scenarios/*.gpkg)
if "$py" "$tmp/scripts/build_sample_scenarios.py" 2>"$tmp/err"; then
  echo "FAIL: a station with a base station's id was accepted"; exit 1
fi
grep -qx 'ERROR: stations.csv:37 (ningbo_zhoushan/ningbo): id is a base station.s id (宁波): choose a new id' "$tmp/err" \
  || { echo "FAIL: unexpected message:"; cat "$tmp/err"; exit 1; }
[ "$before" = "$(md5sum "$tmp"/shapefiles/scenarios/*.gpkg)" ] || { echo "FAIL: files changed"; exit 1; }
echo "refused as expected: $(head -1 "$tmp/err")"
