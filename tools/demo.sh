#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's first command: from a fresh Debian machine to a download with a progress bar.
#
#   tools/demo.sh [--no-setup] [URL]
#
# 1. tools/setup.sh: the toolchain, Wine and cmocka (skipped with --no-setup);
# 2. builds bitsdo.dll, bitsdo-host.exe and bitsdo.exe with the MinGW preset (build/mingw);
# 3. a private Wine prefix with the DLL registered (build/mingw/wineprefix-demo);
# 4. without URL: generates a file (200 MB; BITSDO_DEMO_SIZE=SIZE to change, suffix K/M/G)
#    in a temp dir, serves it from a local nginx on 127.0.0.1 when the DLL speaks http
#    (else hands the DLL the file's path), downloads it with `bitsdo transfer`, compares
#    the copy (cmp, sha256sum) and prints a one-line summary;
#    with URL: downloads URL into build/mingw/demo-downloads/ and prints its size and sha256.
#    The job runs in the per-user host (bitsdo-host.exe, started by the DLL); the demo stops
#    the host of its prefix at the end.
# Exits with bitsdo's exit code (0 done, 1 transfer error, 2 usage error).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build/mingw
PREFIX=$BUILD/wineprefix-demo
DLL=$BUILD/bin/bitsdo.dll
EXE=$BUILD/bin/bitsdo.exe
HOST=$BUILD/bin/bitsdo-host.exe
SIZE=${BITSDO_DEMO_SIZE:-200M}

say() { printf '\033[1mdemo:\033[0m %s\n' "$*"; }
[ -t 1 ] || say() { printf 'demo: %s\n' "$*"; }
die() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '3,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }

run_setup=1
url=
while [ $# -gt 0 ]; do
    case $1 in
        --no-setup) run_setup=0 ;;
        -h|--help) usage ;;
        -*) usage ;;
        *) [ -z "$url" ] || usage; url=$1 ;;
    esac
    shift
done

export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}

# --- 1. toolchain -------------------------------------------------------------
if [ "$run_setup" = 1 ]; then
    if [ -x "$ROOT/tools/setup.sh" ]; then
        say "checking the toolchain (tools/setup.sh)"
        "$ROOT/tools/setup.sh"
    else
        say "tools/setup.sh is missing: using the tools already installed"
    fi
fi
for c in cmake x86_64-w64-mingw32-gcc wine wineserver sha256sum cmp; do
    command -v "$c" >/dev/null 2>&1 || die "'$c' not found (run tools/setup.sh as root)"
done

# --- 2. build -----------------------------------------------------------------
cd "$ROOT"
if [ -f CMakePresets.json ]; then
    # Only the DLL, the host and the client: the tests are ctest's business (ctest --preset mingw).
    say "building bitsdo.dll, bitsdo-host.exe and bitsdo.exe (cmake --preset mingw && cmake --build --preset mingw)"
    mkdir -p "$ROOT/build"
    cmake --preset mingw >"$ROOT/build/demo-configure.log" 2>&1 ||
        { tail -n 30 "$ROOT/build/demo-configure.log" >&2; die "cmake --preset mingw failed (build/demo-configure.log)"; }
    cmake --build --preset mingw --target bitsdo bitsdo_host bitsdo_cli
else
    say "building (no CMakePresets.json: configuring build/mingw by hand)"
    cmake -S . -B "$BUILD" -DCMAKE_TOOLCHAIN_FILE=tools/cmake/mingw-w64-x86_64.cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" --target bitsdo bitsdo_host bitsdo_cli
fi
if [ ! -f "$DLL" ] || [ ! -f "$HOST" ] || [ ! -f "$EXE" ]; then
    die "the build did not produce $DLL, $HOST and $EXE"
fi

# --- 3. Wine prefix -------------------------------------------------------------
say "Wine prefix with bitsdo.dll registered (${PREFIX#"$ROOT"/})"
"$ROOT/tools/wineprefix.sh" setup "$PREFIX" "$DLL"
export WINEPREFIX=$PREFIX WINEARCH=win64
winpath() { wine winepath -w "$1" 2>/dev/null | tr -d '\r'; }
bitsdo() { wine "$EXE" "$@"; }

# --- 4. the download --------------------------------------------------------------
work=
nginx_dir=
cleanup()
{
    # The host outlives bitsdo.exe (jobs live there); it would idle out after 30 s, but it
    # holds this terminal's output until then: stop it.
    wine "$HOST" -Stop >/dev/null 2>&1 || true
    if [ -n "$nginx_dir" ]; then
        "$ROOT/tools/nginx-fixture.sh" stop "$nginx_dir" >/dev/null 2>&1 || true
    fi
    [ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

human()
{
    awk -v n="$1" 'BEGIN { split("B KiB MiB GiB TiB", u, " "); i = 1
                           while (n >= 1024 && i < 5) { n /= 1024; i++ }
                           printf (i == 1 ? "%d %s" : "%.1f %s"), n, u[i] }'
}

# Downloads $1 into $2 with the progress bar on this terminal; sets elapsed (seconds).
download()
{
    local src=$1 dest=$2 start rc=0
    start=$(date +%s.%N)
    bitsdo transfer --name "bitsdo demo" "$src" "$(winpath "$dest")" || rc=$?
    elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    return $rc
}

if [ -n "$url" ]; then
    # A path of this machine (or a file:// URL of one) becomes the Windows path Wine maps it to.
    case $url in
        file:///[A-Za-z]:*) ;;
        file:///*) url=$(winpath "${url#file://}") ;;
        *://*) ;;
        *) [ -e "$url" ] && url=$(winpath "$(cd "$(dirname "$url")" && pwd)/$(basename "$url")") ;;
    esac
    name=${url%%[?#]*}
    name=${name##*[/\\]}
    name=${name##*/}
    [ -n "$name" ] || name=download
    mkdir -p "$BUILD/demo-downloads"
    dest=$BUILD/demo-downloads/$name
    rm -f "$dest"
    say "downloading $url"
    rc=0
    download "$url" "$dest" || rc=$?
    [ $rc -eq 0 ] || { say "bitsdo transfer failed (exit $rc)"; exit $rc; }
    bytes=$(stat -c %s "$dest")
    say "OK: $url -> ${dest#"$ROOT"/}, $(human "$bytes") in ${elapsed} s, sha256 $(sha256sum "$dest" | cut -c1-16)..."
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bitsdo-demo.XXXXXX")
dest=$work/download/demo.bin
mkdir -p "$work/download"

# The source: a file served by a local nginx when the DLL can fetch http://, else the
# file itself. (When http is always there, only the probe below goes away.)
source=
if [ -x "$ROOT/tools/nginx-fixture.sh" ] && [ -x /usr/sbin/nginx ]; then
    nginx_dir=$work/nginx
    say "generating a $SIZE file and starting nginx on 127.0.0.1"
    file=$("$ROOT/tools/nginx-fixture.sh" genfile "$nginx_dir" demo.bin "$SIZE")
    printf 'probe\n' >"$nginx_dir/www/probe.txt"
    if ! "$ROOT/tools/nginx-fixture.sh" start "$nginx_dir" >"$work/nginx.out" 2>&1; then
        sed 's/^/  | /' "$work/nginx.out" >&2
        say "nginx did not start: using the file directly"
        nginx_dir=
    else
        port=$(cat "$nginx_dir/http_port")
        if bitsdo transfer --quiet --timeout 15 "http://127.0.0.1:$port/probe.txt" \
                "$(winpath "$work/download/probe.txt")" >/dev/null 2>&1 &&
                cmp -s "$nginx_dir/www/probe.txt" "$work/download/probe.txt"; then
            source=http://127.0.0.1:$port/demo.bin
        else
            say "this bitsdo.dll cannot download http:// yet: using the file's path instead"
        fi
    fi
else
    file=$work/demo.bin
    say "generating a $SIZE file"
    head -c "$(numfmt --from=iec "$SIZE")" /dev/urandom >"$file"
fi
[ -n "$source" ] || source=$(winpath "$file")
[ -n "$source" ] || die "winepath could not translate $file"

say "downloading $source"
rc=0
download "$source" "$dest" || rc=$?
if [ $rc -ne 0 ]; then
    say "bitsdo transfer failed (exit $rc)"
    exit $rc
fi
cmp "$file" "$dest" || die "the downloaded copy differs from the source"
sum_src=$(sha256sum "$file" | cut -d' ' -f1)
sum_dst=$(sha256sum "$dest" | cut -d' ' -f1)
[ "$sum_src" = "$sum_dst" ] || die "sha256 differs: $sum_src vs $sum_dst"
bytes=$(stat -c %s "$dest")
rate=$(awk -v n="$bytes" -v t="$elapsed" 'BEGIN { if (t > 0) printf "%.1f", n / 1048576 / t; else print "?" }')
say "OK: $(human "$bytes") from $source in ${elapsed} s ($rate MiB/s incl. Wine start-up), identical (cmp, sha256 ${sum_dst:0:16}...)"
