#!/usr/bin/env bash
# The QGIS Processing provider in headless QGIS (tests/qgis_provider_check.py).
# Usage: qgis_provider_check.sh SHARED_LIBRARY SANITIZE PUBLISH_LIBRARY (libisoreach.so.0, and
# libisoreach_publish.so.0, which writes the styles the provider loads). Under ASan/UBSan the
# sanitizer runtimes are preloaded into Debian's QGIS Python (not instrumented; its leaks are
# not ours).
set -euo pipefail
export ISOREACH_LIB="$1"
export ISOREACH_PUBLISH_LIB="$3"
if [[ "${2:-none}" == *address* ]]; then
  export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
  export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:alloc_dealloc_mismatch=0
fi
tmp=$(mktemp -d /tmp/isr-qgisprov-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$tmp" /usr/bin/python3 \
  "$(dirname "$0")/qgis_provider_check.py" 2>&1 | grep -v -E '^(Warning|QStandardPaths)'
exit "${PIPESTATUS[0]}"
