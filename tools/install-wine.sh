#!/usr/bin/env bash
# Installs bitsdo into a Wine prefix as the prefix's BITS and Delivery Optimization.
#
# Usage:
#   tools/install-wine.sh [PREFIX]          build if needed, copy bitsdo.dll, bitsdo-host.exe
#                                           and bitsdo.exe into PREFIX's system32, register
#                                           them (regsvr32) and take over Windows' CLSIDs
#                                           (regsvr32 /i:takeover)
#   tools/install-wine.sh [PREFIX] --undo   give the CLSIDs back to Wine exactly as they were
#                                           (regsvr32 /u /i:takeover), unregister bitsdo and
#                                           delete the three files
#
# PREFIX defaults to $WINEPREFIX, then ~/.wine. BITSDO_BIN_DIR: use the build in that folder
# (bitsdo.dll, bitsdo-host.exe, bitsdo.exe) instead of building (cmake preset "mingw",
# build/mingw/bin). 64-bit prefixes only (the 64-bit registry view).
set -euo pipefail

say() { printf 'install-wine: %s\n' "$*"; }
die() { printf 'install-wine: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=
undo=0
for arg in "$@"; do
    case $arg in
        --undo) undo=1 ;;
        -h | --help) usage ;;
        -*) usage ;;
        *) [ -z "$prefix" ] || usage; prefix=$arg ;;
    esac
done
prefix=${prefix:-${WINEPREFIX:-$HOME/.wine}}
mkdir -p "$(dirname "$prefix")"
WINEPREFIX="$(cd "$(dirname "$prefix")" && pwd)/$(basename "$prefix")"
export WINEPREFIX
export WINEDEBUG="${WINEDEBUG:--all}"
# No Mono/Gecko installer dialog when wine creates a new prefix.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"

WINE=$(command -v wine || command -v wine64 || true)
[ -n "$WINE" ] || die "wine is needed (tools/setup.sh installs it)"
# Debian's wine64 loader when the wine wrapper cannot run (no 32-bit support).
if [ -x /usr/lib/wine/wine64 ] && ! "$WINE" --version >/dev/null 2>&1; then
    WINE=/usr/lib/wine/wine64
fi

files=(bitsdo.dll bitsdo-host.exe bitsdo.exe)

if [ ! -f "$WINEPREFIX/system.reg" ]; then
    [ "$undo" = 0 ] || die "$WINEPREFIX is no Wine prefix"
    say "creating the prefix $WINEPREFIX (wineboot)"
    WINEARCH=win64 "$WINE" wineboot -i >/dev/null 2>&1 || die "wineboot failed in $WINEPREFIX"
    # The registry reaches system.reg when the wineserver leaves.
    if command -v wineserver >/dev/null; then wineserver -w; fi
fi
system32="$WINEPREFIX/drive_c/windows/system32"
[ -d "$system32" ] || die "$system32 is missing"
if grep -qs '^#arch=win32' "$WINEPREFIX/system.reg"; then
    die "$WINEPREFIX is a 32-bit prefix; bitsdo installs into 64-bit prefixes"
fi

stop_host() {
    if [ -f "$system32/bitsdo-host.exe" ]; then
        "$WINE" 'C:\windows\system32\bitsdo-host.exe' -Stop >/dev/null 2>&1 || true
    fi
}

if [ "$undo" = 1 ]; then
    if [ ! -f "$system32/bitsdo.dll" ]; then
        say "bitsdo is not installed in $WINEPREFIX"
        exit 0
    fi
    say "giving Windows' CLSIDs back and unregistering bitsdo ($WINEPREFIX)"
    stop_host
    "$WINE" regsvr32 /s /u /i:takeover 'C:\windows\system32\bitsdo.dll' ||
        die "regsvr32 /u /i:takeover failed; nothing was deleted"
    stop_host
    for f in "${files[@]}"; do rm -f "$system32/$f"; done
    say "done: the prefix's BITS is Wine's again"
    exit 0
fi

bin=${BITSDO_BIN_DIR:-}
if [ -z "$bin" ]; then
    bin="$root/build/mingw/bin"
    if [ ! -f "$bin/bitsdo.dll" ] || [ ! -f "$bin/bitsdo-host.exe" ] || [ ! -f "$bin/bitsdo.exe" ]; then
        say "building (cmake preset mingw)"
        (cd "$root" && cmake --preset mingw >/dev/null && cmake --build --preset mingw --target bitsdo bitsdo_host bitsdo_cli) ||
            die "the build failed (tools/setup.sh installs what it needs)"
    fi
fi
for f in "${files[@]}"; do
    [ -f "$bin/$f" ] || die "$bin/$f is missing"
done

# A host of an earlier install may hold the files open.
stop_host
for f in "${files[@]}"; do
    cp -f "$bin/$f" "$system32/$f"
done
say "copied ${files[*]} into $system32"
"$WINE" regsvr32 /s 'C:\windows\system32\bitsdo.dll' || die "regsvr32 bitsdo.dll failed"
"$WINE" regsvr32 /s /n /i:takeover 'C:\windows\system32\bitsdo.dll' ||
    die "regsvr32 /i:takeover failed (bitsdo is registered under its own CLSIDs only)"
say "done: CLSID_BackgroundCopyManager (and 1.5 .. 10.3), CLSID_BackgroundCopyQMgr and"
say "CLSID_DeliveryOptimization are served by bitsdo in $WINEPREFIX; undo with: $0 $prefix --undo"
