#!/usr/bin/env bash
# Installs what bitsdo needs to build and test on Debian 12 (bookworm):
#   1. the Debian packages (compilers, MinGW-w64, Wine, cmocka, nginx, ...);
#   2. cmocka cross-built for MinGW-w64 from Debian's source package, into
#      build/deps/cmocka-mingw (Debian ships only a native libcmocka-dev).
# Idempotent: when everything is present it only checks and returns.
# Needs root for step 1 and for enabling Debian's source indexes; run as
# another user it says what is missing and exits 1.
#
# Usage: tools/setup.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPS=$ROOT/build/deps
CMOCKA_PREFIX=$DEPS/cmocka-mingw
CMOCKA_SRC_DIR=$DEPS/src
CMOCKA_BUILD_DIR=$DEPS/build-cmocka-mingw
LOG_DIR=$DEPS/logs
TOOLCHAIN=$ROOT/tools/cmake/mingw-w64-x86_64.cmake
TWIN_SOURCES=/etc/apt/sources.list.d/bitsdo-src.sources

PACKAGES=(
    cmake make gcc libcmocka-dev
    gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 mingw-w64-tools
    wine wine64 libwine-dev
    nginx-light openssl python3 curl dpkg-dev xz-utils
)
# Commands the build and the tests call (nginx lives in /usr/sbin, see below).
COMMANDS=(
    cmake make gcc x86_64-w64-mingw32-gcc x86_64-w64-mingw32-objdump x86_64-w64-mingw32-widl
    wine wineserver winepath openssl python3 curl dpkg-source xz
)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# run_logged LOGNAME CMD...: runs CMD with its output in build/deps/logs/LOGNAME.log;
# on failure shows the end of that log and exits.
run_logged()
{
    local log=$LOG_DIR/$1.log
    shift
    mkdir -p "$LOG_DIR"
    printf '+ %s\n' "$*" >>"$log"
    if ! "$@" >>"$log" 2>&1; then
        printf 'setup: error: failed: %s\n' "$*" >&2
        printf 'setup: last lines of %s:\n' "${log#"$ROOT"/}" >&2
        tail -n 40 "$log" | sed 's/^/  | /' >&2
        exit 1
    fi
}

apt_install_env() { DEBIAN_FRONTEND=noninteractive "$@"; }

# --- 1. Debian packages -----------------------------------------------------

missing_packages()
{
    local installed
    # "ii" = wanted and installed; unknown packages only print to stderr.
    installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${PACKAGES[@]}" 2>/dev/null |
                awk '$1 == "ii" { print $2 }' || true)
    local p
    for p in "${PACKAGES[@]}"; do
        grep -qx -- "$p" <<<"$installed" || printf '%s\n' "$p"
    done
}

install_packages()
{
    local missing
    mapfile -t missing < <(missing_packages)
    if [ ${#missing[@]} -eq 0 ]; then
        say "packages: all ${#PACKAGES[@]} present"
        return
    fi
    if ! is_root; then
        say "missing Debian packages: ${missing[*]}"
        say "install them as root with:"
        say "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
        say "or run this script as root (sudo tools/setup.sh)"
        exit 1
    fi
    say "apt-get update (missing: ${missing[*]})"
    run_logged apt apt_install_env apt-get update
    say "apt-get install ${missing[*]}"
    run_logged apt apt_install_env apt-get install -y --no-install-recommends "${missing[@]}"
    mapfile -t missing < <(missing_packages)
    [ ${#missing[@]} -eq 0 ] || die "still not installed after apt-get install: ${missing[*]}"
}

check_commands()
{
    local c missing=()
    for c in "${COMMANDS[@]}"; do
        command -v "$c" >/dev/null 2>&1 || missing+=("$c")
    done
    [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
    [ ${#missing[@]} -eq 0 ] || die "packages are installed but these commands are not found: ${missing[*]}"
    say "commands: ${#COMMANDS[@]} + nginx found"
}

# --- 2. cmocka for MinGW ------------------------------------------------------

cmocka_source_known()
{
    apt-cache showsrc cmocka 2>/dev/null | grep -q '^Package: cmocka$'
}

# Prints deb822 stanzas of type deb-src for the enabled Debian archive entries
# of type deb that have no deb-src twin yet (deb822 *.sources files and classic
# one-line sources.list entries alike). Prints nothing when none is needed.
debsrc_twin()
{
    python3 - "$TWIN_SOURCES" <<'EOF'
import glob, os, re, sys

ours = sys.argv[1]
stanzas = []      # dicts: types, uris, suites, components, signed_by, comments

def is_debian(uris, signed_by):
    if signed_by:
        if 'debian-archive-keyring' in signed_by:
            return True
        if not any('debian.org' in u for u in uris):
            return False
    return any('debian.org' in u or re.search(r'/debian(-security|-ports)?/?$', u) for u in uris)

def read_deb822(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    for block in re.split(r'\n[ \t]*\n', text):
        fields, comments, last = {}, [], None
        for line in block.splitlines():
            if line.startswith('#'):
                comments.append(line)
            elif line[:1] in (' ', '\t') and last:
                fields[last] += '\n' + line
            elif ':' in line:
                last, value = line.split(':', 1)
                last = last.strip().lower()
                fields[last] = value.strip()
        if 'types' not in fields or 'uris' not in fields:
            continue
        if fields.get('enabled', 'yes').strip().lower() in ('no', 'false', '0'):
            continue
        stanzas.append(dict(types=fields['types'].split(), uris=fields['uris'].split(),
                            suites=fields.get('suites', '').split(),
                            components=fields.get('components', '').split(),
                            signed_by=fields.get('signed-by', ''), comments=comments))

def read_list(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            m = re.match(r'^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$', line)
            if not m:
                continue
            opts = dict(o.split('=', 1) for o in (m.group(2) or '').split() if '=' in o)
            stanzas.append(dict(types=[m.group(1)], uris=[m.group(3)], suites=[m.group(4)],
                                components=m.group(5).split(), signed_by=opts.get('signed-by', ''),
                                comments=[]))

files = []
if os.path.isfile('/etc/apt/sources.list'):
    files.append('/etc/apt/sources.list')
files += sorted(glob.glob('/etc/apt/sources.list.d/*.list') + glob.glob('/etc/apt/sources.list.d/*.sources'))
for path in files:
    if os.path.abspath(path) == os.path.abspath(ours):
        continue
    (read_deb822 if path.endswith('.sources') else read_list)(path)

have_src = set()
for s in stanzas:
    if 'deb-src' in s['types']:
        for u in s['uris']:
            for suite in s['suites']:
                have_src.add((u.rstrip('/'), suite))

out = []
for s in stanzas:
    if 'deb' not in s['types'] or not is_debian(s['uris'], s['signed_by']):
        continue
    suites = [x for x in s['suites']
              if any((u.rstrip('/'), x) not in have_src for u in s['uris'])]
    if not suites:
        continue
    lines = ['Types: deb-src'] + s['comments'] + ['URIs: ' + ' '.join(s['uris']),
             'Suites: ' + ' '.join(suites)]
    if s['components']:
        lines.append('Components: ' + ' '.join(s['components']))
    if s['signed_by']:
        lines.append('Signed-By: ' + s['signed_by'])
    out.append('\n'.join(lines))
if out:
    print('\n\n'.join(out))
EOF
}

enable_debsrc()
{
    is_root || die "cmocka's Debian source package is not known to apt; as root run tools/setup.sh once" \
                   "(it adds deb-src entries in $TWIN_SOURCES and runs apt-get update)"
    local twin
    twin=$(debsrc_twin) || die "could not read the apt source lists"
    if [ -n "$twin" ]; then
        if [ -f "$TWIN_SOURCES" ] && [ "$(cat "$TWIN_SOURCES")" = "$twin" ]; then
            say "deb-src entries: $TWIN_SOURCES already up to date"
        else
            say "deb-src entries: writing $TWIN_SOURCES (source twin of the Debian entries)"
            printf '%s\n' "$twin" >"$TWIN_SOURCES.tmp"
            mv "$TWIN_SOURCES.tmp" "$TWIN_SOURCES"
        fi
    else
        say "deb-src entries: already configured"
    fi
    say "apt-get update (source indexes)"
    run_logged apt apt_install_env apt-get update
    cmocka_source_known ||
        die "apt still knows no source package 'cmocka'; add a deb-src entry for Debian bookworm main"
}

cmocka_source_dir()
{
    local d
    for d in "$CMOCKA_SRC_DIR"/cmocka-*/; do
        [ -f "$d/CMakeLists.txt" ] && { printf '%s\n' "${d%/}"; return 0; }
    done
    return 1
}

build_cmocka()
{
    local src
    if src=$(cmocka_source_dir); then
        say "cmocka source: using ${src#"$ROOT"/}"
    else
        cmocka_source_known || enable_debsrc
        say "cmocka source: apt-get source cmocka into ${CMOCKA_SRC_DIR#"$ROOT"/}"
        mkdir -p "$CMOCKA_SRC_DIR"
        # shellcheck disable=SC2016 # $1 expands in the inner shell
        run_logged cmocka bash -c 'cd "$1" && apt-get source cmocka' _ "$CMOCKA_SRC_DIR"
        src=$(cmocka_source_dir) || die "apt-get source cmocka left no cmocka-*/CMakeLists.txt in $CMOCKA_SRC_DIR"
        say "cmocka source: unpacked ${src#"$ROOT"/}"
    fi

    say "cmocka: configure for MinGW-w64 (Release, static)"
    rm -rf "$CMOCKA_BUILD_DIR"
    run_logged cmocka cmake -S "$src" -B "$CMOCKA_BUILD_DIR" \
        -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$CMOCKA_PREFIX" \
        -DBUILD_SHARED_LIBS=OFF -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF
    say "cmocka: build"
    run_logged cmocka cmake --build "$CMOCKA_BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)"
    say "cmocka: install into ${CMOCKA_PREFIX#"$ROOT"/}"
    run_logged cmocka cmake --install "$CMOCKA_BUILD_DIR"
    if [ ! -f "$CMOCKA_PREFIX/lib/libcmocka-static.a" ] || [ ! -f "$CMOCKA_PREFIX/include/cmocka.h" ]; then
        die "cmocka install did not produce lib/libcmocka-static.a and include/cmocka.h"
    fi
}

main()
{
    [ $# -eq 0 ] || { sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 2; }
    command -v dpkg-query >/dev/null 2>&1 || die "this script supports Debian (dpkg/apt) only"
    rm -f "$LOG_DIR"/*.log 2>/dev/null || true

    install_packages
    check_commands

    if [ -f "$CMOCKA_PREFIX/lib/libcmocka-static.a" ] && [ -f "$CMOCKA_PREFIX/include/cmocka.h" ]; then
        say "cmocka for MinGW: present in ${CMOCKA_PREFIX#"$ROOT"/}"
    else
        build_cmocka
    fi
    say "done"
}

main "$@"
