#!/usr/bin/env bash
# End-to-end QGIS check (meson test "qgis"): the shared run of the sample for three hubs
# (SAMPLE_RUN, tests/sample_fixture.sh; copied, as QGIS writes beside it), and isoreach run
# on a non-sample fixture (stations in a GeoPackage in UTM 51N with other field names, run in
# --crs EPSG:32651), then opens each output in QGIS (scripts/qgis_check.py): project and layer
# CRSs valid and overlapping, labels on the run's name field, project valid and styled, every
# sidecar applied, a travel-time raster that draws, a render with the band colours; and the
# print layout's atlas exported headless, one page per hub (tests/qgis_atlas_check.py).
set -euo pipefail
cli=$1 src=$2 sample_run=$3
out=$(mktemp -d /tmp/isr-qgis-XXXXXX)
trap 'rm -rf "$out"' EXIT
qgis_check() {
  QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$out" /usr/bin/python3 "$src/scripts/qgis_check.py" "$1" 2>&1 \
    | grep -v -E '^(Warning|QStandardPaths)'
  return "${PIPESTATUS[0]}"
}
cp -r "$sample_run" "$out/sample"
qgis_check "$out/sample"

ogr2ogr -f GPKG "$out/stops.gpkg" "$src/shapefiles/yrd_rail_stations.shp" -nln stops -t_srs EPSG:32651 \
  -sql "SELECT id AS stn_code, name AS station_nm, hub AS is_hub FROM yrd_rail_stations"
"$cli" run --stations "$out/stops.gpkg" --station-id stn_code --station-name station_nm \
  --hub-field is_hub --crs EPSG:32651 --hubs shanghai_hongqiao,hangzhou_east --resolution 2000 \
  --out "$out/utm" --quiet 2>/dev/null
qgis_check "$out/utm"
grep -q 'fieldName="station_nm"' "$out/utm/isoreach.qgs" || { echo "labels not on station_nm"; exit 1; }

# the print layout: one atlas page per hub, exported headless to PNG and PDF
# QGIS's own font warnings are filtered out, but not one about the project's fonts: a layout
# item without a font (the scale bar had none) made QGIS read an empty description
atlas_check() {
  local log rc=0
  log=$(QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$out" /usr/bin/python3 \
    "$src/tests/qgis_atlas_check.py" "$1" "$2" 2>&1) || rc=$?
  printf '%s\n' "$log" | grep -v -E '^(Warning|QStandardPaths|QFont|ERROR 6: The PNG driver|$)' || true
  if printf '%s\n' "$log" | grep -q "QFont::fromString: Invalid description"; then
    echo "the project has a layout item without a font: $(printf '%s\n' "$log" | grep -m1 QFont)"
    return 1
  fi
  return "$rc"
}
atlas_check "$out/sample" "$out/atlas-sample"
atlas_check "$out/utm" "$out/atlas-utm"
