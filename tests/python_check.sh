#!/usr/bin/env bash
# The Python binding against the built shared library (tests/python_check.py).
# Usage: python_check.sh SHARED_LIBRARY SANITIZE PUBLISH_LIBRARY (libisoreach.so.0, and
# libisoreach_publish.so.0, which writes the styles). Under ASan/UBSan the sanitizer runtimes
# are preloaded into Debian's python3 (which is not instrumented; its own leaks are not ours).
set -euo pipefail
export ISOREACH_LIB="$1"
export ISOREACH_PUBLISH_LIB="$3"
if [[ "${2:-none}" == *address* ]]; then
  export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
  export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
fi
exec /usr/bin/python3 "$(dirname "$0")/python_check.py"
