#!/usr/bin/env bash
# End-to-end QGIS check (meson test "qgis"): runs isoreach on the sample for three hubs,
# then opens the outputs in QGIS (scripts/qgis_check.py): project valid and styled, every
# sidecar applied, a render with the band colours.
set -euo pipefail
cli=$1 src=$2
out=$(mktemp -d /tmp/isr-qgis-XXXXXX)
trap 'rm -rf "$out"' EXIT
"$cli" run --hubs shanghai_hongqiao,hangzhou_east,nanjing_south --resolution 1000 --out "$out" --quiet
QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$out" /usr/bin/python3 "$src/scripts/qgis_check.py" "$out" 2>&1 \
  | grep -v -E '^(Warning|QStandardPaths)'
exit "${PIPESTATUS[0]}"
