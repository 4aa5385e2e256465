#!/usr/bin/env bash
# The library as a client outside the tree sees it (suite `library`):
#   1. `meson install --destdir` puts the CLI, libisoreach.so.0 (+ .a), the two headers, the
#      pkg-config file and the man page where they belong;
#   2. the shared library exports only isr_* symbols: every function isoreach.h marks ISR_API
#      and those engine/internal.h marks ISR_INTERNAL for libisoreach_publish, nothing else (its
#      soname is libisoreach.so.0); it needs no cairo, pango or fontconfig; the publication
#      library exports exactly isoreach_publish.h's ISR_API functions;
#   3. a C program written here, in a temporary folder, builds with nothing but
#      `cc $(pkg-config --cflags --libs isoreach-publish)` (which brings isoreach), runs one hub
#      of the sample at 3000 m with the public API, publishes its styles and web map, and finds
#      the outputs, with the hub at 0 minutes in its stations.csv;
#   4. the installed isoreach command runs against the installed library.
# Usage: pkgconfig_check.sh BUILD_DIR SANITIZE   (SANITIZE: meson's b_sanitize, e.g. none)
set -euo pipefail

build=$1
sanitize=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/isr_pkgconfig.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "pkgconfig_check: $*" >&2
    exit 1
}

# 1. Install into a staging folder.
dest=$tmp/dest
meson install -C "$build" --no-rebuild --destdir "$dest" --quiet >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "meson install --destdir $dest failed"; }
pc=$(find "$dest" -name isoreach.pc -path '*/pkgconfig/*')
[ -n "$pc" ] || fail "no pkgconfig/isoreach.pc under $dest"
libdir=$(dirname "$(dirname "$pc")")
prefix=$(sed -n 's/^prefix=//p' "$pc")
root=$dest$prefix
for f in "$root/bin/isoreach" "$root/include/isoreach.h" "$root/include/isoreach_version.h" \
    "$root/include/isoreach_publish.h" "$libdir/pkgconfig/isoreach-publish.pc" \
    "$libdir/libisoreach_publish.so.0.1.0" "$libdir/libisoreach_publish.a" \
    "$root/share/man/man1/isoreach.1" "$libdir/libisoreach.so.0.1.0" "$libdir/libisoreach.a"; do
    [ -f "$f" ] || fail "not installed: ${f#"$dest"}"
done
[ "$(readlink "$libdir/libisoreach.so.0")" = libisoreach.so.0.1.0 ] ||
    fail "libisoreach.so.0 does not point at libisoreach.so.0.1.0"
[ "$(readlink "$libdir/libisoreach.so")" = libisoreach.so.0 ] ||
    fail "libisoreach.so does not point at libisoreach.so.0"
grep -q '^#define ISR_VERSION_STRING "0.1.0"$' "$root/include/isoreach_version.h" ||
    fail "isoreach_version.h does not define ISR_VERSION_STRING \"0.1.0\""
grep -q '^Libs: -L${libdir} -lisoreach$' "$pc" || fail "isoreach.pc: Libs is not -lisoreach"
grep -q '^Requires.private: gdal, proj, geos, libcurl, json-c' "$pc" ||
    fail "isoreach.pc: Requires.private lacks gdal, proj, geos, libcurl, json-c"

# 2. The ABI: only isr_*, and all of the header's ISR_API functions.
so=$libdir/libisoreach.so.0.1.0
objdump -p "$so" | grep -q 'SONAME *libisoreach.so.0$' || fail "the soname is not libisoreach.so.0"
nm -D --defined-only "$so" | awk '{print $3}' | grep -vxE '__bss_start|_edata|_end' |
    sort >"$tmp/exported"
others=$(grep -v '^isr_' "$tmp/exported" || true)
[ -z "$others" ] || fail "libisoreach.so exports symbols other than isr_*: $(echo $others)"
# every function declaration of the header (a line starting with a type and naming isr_x()),
# each of which must be marked ISR_API
grep -E '^[A-Za-z_][A-Za-z_ *]*\bisr_[a-z_]+\(' "$root/include/isoreach.h" | grep -v '^typedef' \
    >"$tmp/decl_lines"
unmarked=$(grep -v '^ISR_API ' "$tmp/decl_lines" || true)
[ -z "$unmarked" ] || fail "isoreach.h declares functions without ISR_API: $unmarked"
grep -oE '\bisr_[a-z_]+\(' "$tmp/decl_lines" | tr -d '(' | sort -u >"$tmp/declared"
[ "$(wc -l <"$tmp/declared")" -eq "$(wc -l <"$tmp/decl_lines")" ] ||
    fail "isoreach.h: could not read one function name per declaration line"
[ "$(wc -l <"$tmp/declared")" -ge 19 ] || fail "isoreach.h declares fewer than 19 ISR_API functions"
missing=$(comm -23 "$tmp/declared" "$tmp/exported")
[ -z "$missing" ] || fail "declared ISR_API in isoreach.h but not exported: $(echo $missing)"
# the internal functions exported for libisoreach_publish: declared ISR_INTERNAL in
# engine/internal.h and engine/options.h (not installed: read from the source tree)
internal_h=$(dirname "$0")/../engine/internal.h
cat "$internal_h" "$(dirname "$0")/../engine/options.h" | grep -oE '^ISR_INTERNAL [^(]*\bisr_[a-z_0-9]+\(' | grep -oE 'isr_[a-z_0-9]+\($' |
    tr -d '(' | sort -u >"$tmp/internal"
[ "$(wc -l <"$tmp/internal")" -ge 10 ] || fail "could not read the ISR_INTERNAL list of $internal_h"
sort -u "$tmp/declared" "$tmp/internal" >"$tmp/allowed"
extra=$(comm -13 "$tmp/allowed" "$tmp/exported")
[ -z "$extra" ] || fail "exported but neither ISR_API in isoreach.h nor ISR_INTERNAL: $(echo $extra)"
! readelf -d "$so" | grep -E 'NEEDED.*(cairo|pango|fontconfig)' ||
    fail "libisoreach.so needs cairo, pango or fontconfig (publication's, in libisoreach_publish)"
pso=$libdir/libisoreach_publish.so.0.1.0
nm -D --defined-only "$pso" | awk '{print $3}' | grep -vxE '__bss_start|_edata|_end' | sort \
    >"$tmp/pub_exported"
grep -oE '^ISR_API [^(]*\bisr_[a-z_]+\(' "$root/include/isoreach_publish.h" |
    grep -oE 'isr_[a-z_]+\($' | tr -d '(' | sort -u >"$tmp/pub_declared"
[ -s "$tmp/pub_declared" ] && cmp -s "$tmp/pub_declared" "$tmp/pub_exported" ||
    fail "libisoreach_publish.so exports $(echo $(cat "$tmp/pub_exported")), isoreach_publish.h declares $(echo $(cat "$tmp/pub_declared"))"

# 3. A client outside the tree, built by pkg-config alone.
mkdir "$tmp/client"
cat >"$tmp/client/client.c" <<'EOF'
/* A client of the installed libisoreach: one hub of the sample at 3000 m, then its styles and
 * web map with libisoreach_publish (no maps). */
#include <isoreach.h>
#include <isoreach_publish.h>

#include <stdio.h>
#include <string.h>

#if !defined(ISR_VERSION_NUM) || ISR_VERSION_NUM != 0x000100
#error "isoreach.h does not bring ISR_VERSION_NUM 0x000100"
#endif

static int warnings;

static void on_log(void *user, isr_log_level level, const char *msg)
{
    (void)user;
    if (level == ISR_LOG_WARN) {
        warnings++;
        fprintf(stderr, "client: warning: %s\n", msg);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    if (strcmp(isr_version(), ISR_VERSION_STRING) != 0) {
        fprintf(stderr, "client: isr_version() is %s, the header says %s\n", isr_version(),
                ISR_VERSION_STRING);
        return 1;
    }
    char out[4096];
    snprintf(out, sizeof out, "%s", argv[1]);
    char *args[] = {"run", "--hubs", "shanghai_hongqiao", "--resolution", "3000", "--no-maps",
                    "--threads", "1", NULL};
    isr_ctx *ctx = isr_ctx_new();
    if (!ctx)
        return 1;
    isr_ctx_set_logger(ctx, on_log, NULL, ISR_LOG_WARN);
    /* the options are opaque: made from argv, set and read by flag name */
    isr_options *opt = isr_options_new(ctx, 8, args);
    isr_status st = opt ? isr_options_set(ctx, opt, "--out", out) : ISR_ERR_USAGE;
    const char *res = opt ? isr_options_get(opt, "resolution") : NULL;
    if (st == ISR_OK && (!res || strcmp(res, "3000") != 0)) {
        fprintf(stderr, "client: resolution is %s after --resolution 3000\n", res ? res : "NULL");
        st = ISR_ERR_INTERNAL;
    }
    if (st == ISR_OK && isr_options_set(ctx, opt, "budget", "0") != ISR_ERR_USAGE) {
        fprintf(stderr, "client: isr_options_set took --budget 0\n");
        st = ISR_ERR_INTERNAL;
    }
    if (st == ISR_OK)
        st = isr_run(ctx, opt);
    if (st == ISR_OK)
        st = isr_publish(ctx, opt, NULL, ISR_PUBLISH_STYLES | ISR_PUBLISH_WEBMAP);
    if (st != ISR_OK)
        fprintf(stderr, "client: %s: %s\n", isr_status_str(st), isr_ctx_errmsg(ctx));
    isr_options_free(opt);
    isr_ctx_free(ctx);
    printf("warnings %d\n", warnings);
    return st == ISR_OK ? 0 : 1;
}
EOF
export PKG_CONFIG_PATH=$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs isoreach-publish) ||
    fail "pkg-config --cflags --libs isoreach-publish failed"
case " $flags " in
*" -I$root/include "*) ;;
*) fail "pkg-config --cflags does not give -I$root/include: $flags" ;;
esac
san=()
[ "$sanitize" = none ] || san=("-fsanitize=$sanitize")
# shellcheck disable=SC2086 # $flags is a list of compiler words
cc -std=c11 -Wall -Wextra -Wpedantic -Werror "${san[@]}" -o "$tmp/client/client" \
    "$tmp/client/client.c" $flags 2>"$tmp/cc.log" ||
    { cat "$tmp/cc.log" >&2; fail "the client does not build with: cc $flags"; }
readelf -d "$tmp/client/client" | grep -q 'NEEDED.*\[libisoreach.so.0\]' ||
    fail "the client is not linked against libisoreach.so.0"
readelf -d "$tmp/client/client" | grep -q 'NEEDED.*\[libisoreach_publish.so.0\]' ||
    fail "the client is not linked against libisoreach_publish.so.0"
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
[ "$(ldd "$tmp/client/client" | awk '/libisoreach\.so/ {print $3}')" = "$libdir/libisoreach.so.0" ] ||
    fail "the client does not load the installed libisoreach.so.0"
out=$tmp/out
"$tmp/client/client" "$out" >"$tmp/client.out" || fail "the client's run failed (above)"
[ "$(cat "$tmp/client.out")" = "warnings 0" ] || fail "the run warned: $(cat "$tmp/client.out")"
hub=$out/hubs/shanghai_hongqiao
for f in "$hub/travel_time.tif" "$hub/stations.csv" "$hub/isochrones.geojson" "$hub/reach.csv" \
    "$out/region/nearest_hub_time.tif" "$out/region/summary.json" "$out/run.json" \
    "$out/index.html" "$out/isoreach.qgs" "$hub/travel_time.qml"; do
    [ -s "$f" ] || fail "the run wrote no ${f#"$out"/}"
done
[ ! -e "$hub/map.png" ] || fail "--no-maps, yet the run drew $hub/map.png"
row=$(grep '^shanghai_hongqiao,shanghai_hongqiao,' "$hub/stations.csv" | cut -d, -f2,5,10,11)
[ "$row" = "shanghai_hongqiao,0.000,0.000,rail" ] ||
    fail "stations.csv: the hub's row is '$row', expected rail and door minutes 0.000"
grep -q '"resolution_m": *3000' "$out/run.json" || fail "run.json does not record resolution_m 3000"

# 4. The installed command, on the installed library.
v=$("$root/bin/isoreach" --version) || fail "the installed isoreach --version failed"
case $v in
"isoreach 0.1.0 (GDAL "*) ;;
*) fail "the installed isoreach --version says: $v" ;;
esac
echo "pkgconfig_check: installed into $prefix (libdir ${libdir#"$dest"}); client OK; $(wc -l <"$tmp/exported") isr_* symbols exported"
