#!/usr/bin/env bash
# The web map's scenario fixture (meson custom_target 'scenario_run', built only when the
# webmap_scenario test runs): `isoreach run` on the embedded sample at 2000 m for two hubs with
# the sample's Shanghai–Suzhou–Jiaxing scenario, which changes shanghai_hongqiao and leaves
# nanjing_south as it is (reused), and "slow" (the Shanghai–Hangzhou HSR lines at half speed,
# written here) under which shanghai_hongqiao only loses; no PNG maps; about 6 s. Read-only
# for the test.
# Usage: scenario_fixture.sh ISOREACH_CLI SOURCE_DIR OUT_DIR
set -euo pipefail
cli=$1 src=$2 out=$3
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp}
rm -rf "$out.tmp" "$out.slow"
mkdir -p "$out.slow"
printf '%s\n' 'action,target,to,value,source' 'scale_speed,huhang_hsr,,0.5,test: half speed' \
  'scale_speed,huhang_semifast,,0.5,test: half speed' \
  'scale_speed,huhang_express,,0.5,test: half speed' >"$out.slow/modifications.csv"
"$cli" run --hubs shanghai_hongqiao,nanjing_south --resolution 2000 --threads 2 --no-maps \
  --scenario "shanghai_suzhou_jiaxing=$src/shapefiles/scenarios/shanghai_suzhou_jiaxing.gpkg" \
  --scenario "slow=$out.slow" \
  --out "$out.tmp" --quiet
rm -rf "$out"
mv "$out.tmp" "$out"
