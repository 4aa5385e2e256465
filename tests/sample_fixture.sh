#!/usr/bin/env bash
# The shared sample fixture (meson custom_target 'sample_run', built only when a test that
# depends on it runs): `isoreach run` on the embedded sample at 1000 m for three hubs, maps
# included, into the build dir, once. The suites maps, palette, e2e, qgis and webmap read it
# instead of each recomputing the same run; it is read-only for them (a test that writes into
# a run copies it first). Usage: sample_fixture.sh ISOREACH_CLI SOURCE_DIR OUT_DIR
set -euo pipefail
cli=$1 src=$2 out=$3
# under ASan (build-asan) the run must pass the same leak check as the tests
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp}
rm -rf "$out.tmp"
"$cli" run --hubs shanghai_hongqiao,nanjing_south,hangzhou_east --resolution 1000 --threads 2 \
  --out "$out.tmp" --quiet
rm -rf "$out"
mv "$out.tmp" "$out"
