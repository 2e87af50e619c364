#!/usr/bin/env bash
# Installs what bitsdo needs to build and test on Debian 12 (bookworm):
#   1. the Debian packages (compilers, MinGW-w64 for x86_64 and i686, Wine,
#      cmocka, nginx, ...), enabling dpkg's i386 architecture first; Wine's
#      32-bit half wine32:i386 only if this kernel runs 32-bit programs
#      (tools/can-run-32bit.sh); gcc-multilib and libcmocka-dev:i386 (and
#      qemu-user where the kernel cannot run them) for the 32-bit native core
#      tests are optional: if they do not install it says so;
#   2. cmocka cross-built for MinGW-w64 from Debian's source package, into
#      build/deps/cmocka-mingw (x86_64) and build/deps/cmocka-mingw32 (i686).
# Idempotent: when everything is present it only checks and returns.
# Needs root for step 1 and for enabling Debian's source indexes; run as
# another user it says what is missing and exits 1.
#
# Usage: tools/setup.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPS=$ROOT/build/deps
CMOCKA_SRC_DIR=$DEPS/src
LOG_DIR=$DEPS/logs
TWIN_SOURCES=/etc/apt/sources.list.d/bitsdo-src.sources
# Written when wine32:i386 could not be installed (a mirror without the i386
# indexes it needs): later runs do not try again, and the 32-bit Wine tests
# are skipped.
NO_WINE32=$DEPS/no-wine32
# cmocka builds: "name toolchain-file" (installed into build/deps/cmocka-<name>).
CMOCKA_BUILDS=(
    "mingw x86_64"
    "mingw32 i686"
)

# Foreign-architecture packages are spelt name:i386.
PACKAGES=(
    cmake make gcc libcmocka-dev
    gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 mingw-w64-tools
    gcc-mingw-w64-i686 binutils-mingw-w64-i686
    wine wine64 libwine-dev
    nginx-light openssl python3 curl dpkg-dev xz-utils
    clang libclang-rt-14-dev
)
# Wanted but not required: the 32-bit native build of the core's tests
# (preset ci-native32) needs them; tools/test.sh skips it without them.
OPTIONAL_PACKAGES=(gcc-multilib libcmocka-dev:i386)
# Added by plan_packages: wine32:i386 where the kernel runs 32-bit programs;
# where it does not, qemu-user (optional) runs the -m32 core tests instead.
CAN_RUN_32=0
# Commands the build and the tests call (nginx lives in /usr/sbin, see below).
COMMANDS=(
    cmake make gcc x86_64-w64-mingw32-gcc x86_64-w64-mingw32-objdump x86_64-w64-mingw32-widl
    i686-w64-mingw32-gcc i686-w64-mingw32-objdump i686-w64-mingw32-widl
    wine wineserver winepath openssl python3 curl dpkg-source xz clang
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

# apt_update: apt-get update, tried again while a mirror is mid-sync ("File has unexpected
# size", "Hash Sum mismatch"); after the last try it goes on with the indexes apt has (a
# missing package then fails apt-get install, with its own message).
apt_update()
{
    local try log=$LOG_DIR/apt.log
    mkdir -p "$LOG_DIR"
    for try in 1 2 3 4; do
        printf '+ apt-get update (try %d)\n' "$try" >>"$log"
        apt_install_env apt-get update >>"$log" 2>&1 && return 0
        [ "$try" -lt 4 ] && { say "apt-get update failed (try $try of 4; see ${log#"$ROOT"/}); again in $((try * 10)) s"; sleep $((try * 10)); }
    done
    say "warning: apt-get update failed 4 times; going on with the package indexes apt has"
}

# --- 1. Debian packages -----------------------------------------------------

# missing_packages PKG...: prints those of PKG not installed. A package of the
# native architecture (or "all") is known by its name, another by name:arch.
missing_packages()
{
    local native installed p
    native=$(dpkg --print-architecture)
    # "ii" = wanted and installed; unknown packages only print to stderr.
    installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Architecture}\n' "$@" 2>/dev/null |
                awk -v native="$native" '$1 == "ii" { print ($3 == native || $3 == "all") ? $2 : $2 ":" $3 }' ||
                true)
    for p in "$@"; do
        grep -qx -- "$p" <<<"$installed" || printf '%s\n' "$p"
    done
}

i386_enabled()
{
    [ "$(dpkg --print-architecture)" = i386 ] || dpkg --print-foreign-architectures | grep -qx i386
}

# Decides on the 32-bit runtime packages (see CAN_RUN_32 above).
plan_packages()
{
    if [ -e "$NO_WINE32" ] && [ -n "$(missing_packages wine32:i386)" ]; then
        CAN_RUN_32=0
        say "wine32:i386 did not install here before ($(cat "$NO_WINE32")): not trying again;" \
            "the 32-bit Wine tests are skipped (rm ${NO_WINE32#"$ROOT"/} to try again)"
    elif "$ROOT/tools/can-run-32bit.sh"; then
        CAN_RUN_32=1
        PACKAGES+=(wine32:i386)
    else
        CAN_RUN_32=0
        OPTIONAL_PACKAGES+=(qemu-user)
        say "this kernel does not run 32-bit x86 programs (32-bit emulation disabled):" \
            "the 32-bit half is built but its Wine tests cannot run here; not installing wine32:i386"
        if [ -z "$(missing_packages wine32:i386)" ]; then
            say "warning: wine32:i386 is installed, and /usr/bin/wine prefers its 32-bit loader, which" \
                "this kernel cannot run: every wine command fails. Remove it: apt-get remove wine32:i386"
        fi
    fi
}

install_packages()
{
    local missing optional updated=0
    mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
    mapfile -t optional < <(missing_packages "${OPTIONAL_PACKAGES[@]}")
    if [ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ]; then
        say "packages: all ${#PACKAGES[@]} + ${#OPTIONAL_PACKAGES[@]} optional present"
        return
    fi
    if ! is_root; then
        if [ ${#missing[@]} -eq 0 ]; then
            say "packages: all ${#PACKAGES[@]} present; optional, not installed: ${optional[*]}" \
                "(no 32-bit native core tests; run tools/setup.sh as root to try installing them)"
            return
        fi
        say "missing Debian packages: ${missing[*]}"
        say "install them as root with:"
        i386_enabled || say "  dpkg --add-architecture i386"
        say "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
        say "or run this script as root (sudo tools/setup.sh)"
        exit 1
    fi
    if ! i386_enabled; then
        say "dpkg --add-architecture i386 (for wine32:i386)"
        run_logged apt dpkg --add-architecture i386
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        say "apt-get update (missing: ${missing[*]})"
        apt_update
        updated=1
        say "apt-get install ${missing[*]}"
        if [[ " ${missing[*]} " != *" wine32:i386 "* ]]; then
            run_logged apt apt_install_env apt-get install -y --no-install-recommends "${missing[@]}"
        elif ! apt_install_env apt-get install -y --no-install-recommends "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 &&
            # The i386 libraries must be the very versions of their amd64 twins.
            # A mirror mid-sync may serve bookworm-security's amd64 index but not
            # its i386 one (seen: an i386 Packages.xz of the wrong size): then
            # the point release's own indexes, which agree, are taken for both.
            ! { say "apt-get install failed; again with the point release's versions (-t bookworm)" &&
                apt_install_env apt-get install -y --no-install-recommends -t bookworm "${missing[@]}" \
                    >>"$LOG_DIR/apt.log" 2>&1; }; then
            # Still not: install the 64-bit half, and say that the 32-bit Wine
            # tests cannot run (tools/test.sh reports them as skipped).
            say "warning: wine32:i386 did not install (see ${LOG_DIR#"$ROOT"/}/apt.log); going on without" \
                "it: the 32-bit Wine tests are skipped on this machine"
            mapfile -t missing < <(printf '%s\n' "${missing[@]}" | grep -vx 'wine32:i386' || true)
            mapfile -t PACKAGES < <(printf '%s\n' "${PACKAGES[@]}" | grep -vx 'wine32:i386')
            CAN_RUN_32=0
            mkdir -p "$DEPS"
            date -u +%FT%TZ >"$NO_WINE32"
            [ ${#missing[@]} -eq 0 ] ||
                run_logged apt apt_install_env apt-get install -y --no-install-recommends "${missing[@]}"
        fi
        mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
        [ ${#missing[@]} -eq 0 ] || die "still not installed after apt-get install: ${missing[*]}"
    fi
    mapfile -t optional < <(missing_packages "${OPTIONAL_PACKAGES[@]}")
    [ ${#optional[@]} -eq 0 ] && return
    if [ $updated -eq 0 ]; then
        say "apt-get update (optional missing: ${optional[*]})"
        apt_update
    fi
    mkdir -p "$LOG_DIR"
    say "apt-get install ${optional[*]} (optional)"
    if ! apt_install_env apt-get install -y --no-install-recommends "${optional[@]}" >>"$LOG_DIR/apt.log" 2>&1; then
        say "warning: the optional ${optional[*]} did not install (see ${LOG_DIR#"$ROOT"/}/apt.log):" \
            "no 32-bit native core tests (tools/test.sh skips native32)"
    fi
}

check_commands()
{
    local c missing=()
    for c in "${COMMANDS[@]}"; do
        command -v "$c" >/dev/null 2>&1 || missing+=("$c")
    done
    [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
    # wine32's loader, which runs the 32-bit half of a WoW64 prefix.
    [ $CAN_RUN_32 -eq 0 ] || [ -x /usr/lib/wine/wine ] || missing+=(/usr/lib/wine/wine)
    [ ${#missing[@]} -eq 0 ] || die "packages are installed but these commands are not found: ${missing[*]}"
    say "commands: ${#COMMANDS[@]} + nginx$([ $CAN_RUN_32 -eq 0 ] || echo ' + wine32') found"
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
    apt_update
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

# build_cmocka NAME ARCH: cmocka for the MinGW-w64 ARCH toolchain, into
# build/deps/cmocka-NAME (built in build/deps/build-cmocka-NAME).
build_cmocka()
{
    local name=$1 arch=$2 src
    local prefix=$DEPS/cmocka-$name build=$DEPS/build-cmocka-$name
    local toolchain=$ROOT/tools/cmake/mingw-w64-$arch.cmake

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

    say "cmocka: configure for MinGW-w64 $arch (Release, static)"
    rm -rf "$build"
    run_logged "cmocka-$name" cmake -S "$src" -B "$build" \
        -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$prefix" \
        -DBUILD_SHARED_LIBS=OFF -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF
    say "cmocka: build ($arch)"
    run_logged "cmocka-$name" cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)"
    say "cmocka: install into ${prefix#"$ROOT"/}"
    run_logged "cmocka-$name" cmake --install "$build"
    if [ ! -f "$prefix/lib/libcmocka-static.a" ] || [ ! -f "$prefix/include/cmocka.h" ]; then
        die "cmocka install did not produce lib/libcmocka-static.a and include/cmocka.h in $prefix"
    fi
}

main()
{
    [ $# -eq 0 ] || { sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 2; }
    command -v dpkg-query >/dev/null 2>&1 || die "this script supports Debian (dpkg/apt) only"
    rm -f "$LOG_DIR"/*.log 2>/dev/null || true

    plan_packages
    install_packages
    check_commands

    local b name arch prefix
    for b in "${CMOCKA_BUILDS[@]}"; do
        read -r name arch <<<"$b"
        prefix=$DEPS/cmocka-$name
        if [ -f "$prefix/lib/libcmocka-static.a" ] && [ -f "$prefix/include/cmocka.h" ]; then
            say "cmocka for MinGW $arch: present in ${prefix#"$ROOT"/}"
        else
            build_cmocka "$name" "$arch"
        fi
    done
    say "done"
}

main "$@"
