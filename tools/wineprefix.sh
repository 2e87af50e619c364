#!/usr/bin/env bash
# Private 64-bit Wine prefixes for bitsdo's tests.
#
# Usage:
#   tools/wineprefix.sh setup PREFIX DLL   create PREFIX if needed, then register DLL in it
#                                          (regsvr32); ctest runs this as a fixture. A 32-bit
#                                          DLL is registered as Windows does it, by the 32-bit
#                                          C:\windows\syswow64\regsvr32.exe, into the 32-bit
#                                          registry view (WOW6432Node) of the same win64 prefix
#   tools/wineprefix.sh run PREFIX CMD...  run the Windows program CMD under wine in PREFIX
#   tools/wineprefix.sh kill PREFIX        stop the wineserver of PREFIX
#
# Defaults (kept when already set): WINEDEBUG=-all, WINEDLLOVERRIDES="mscoree,mshtml="
# (no Mono/Gecko installer); always WINEARCH=win64.
set -euo pipefail

say() { printf 'wineprefix: %s\n' "$*"; }
die() { printf 'wineprefix: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }

export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
export WINEARCH=win64
if [ -z "${HOME:-}" ]; then
    HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
    export HOME
fi

WINE=$(command -v wine || command -v wine64 || true)
WINESERVER=$(command -v wineserver || true)
if [ -z "$WINE" ] || [ -z "$WINESERVER" ]; then
    die "wine and wineserver are needed (tools/setup.sh installs them)"
fi

# set_prefix PATH: exports WINEPREFIX as an absolute path (wine wants one).
set_prefix()
{
    [ -n "$1" ] || die "empty PREFIX"
    mkdir -p "$(dirname "$1")"
    WINEPREFIX="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
    export WINEPREFIX
}

prefix_complete()
{
    [ -f "$WINEPREFIX/system.reg" ] && [ -f "$WINEPREFIX/.update-timestamp" ] &&
        [ -d "$WINEPREFIX/drive_c/windows/system32" ]
}

# Removes a prefix that a killed or failed wineboot left behind, but only if it
# holds nothing except what Wine itself puts into a prefix.
remove_partial_prefix()
{
    local entry name
    for entry in "$WINEPREFIX"/* "$WINEPREFIX"/.[!.]*; do
        [ -e "$entry" ] || [ -L "$entry" ] || continue
        name=$(basename "$entry")
        case $name in
            dosdevices | drive_c | *.reg | .update-timestamp | wineserver) ;;
            *) die "$WINEPREFIX is incomplete (no system.reg) and holds '$name', which Wine" \
                   "does not create; not deleting it, remove it yourself" ;;
        esac
    done
    "$WINESERVER" -k >/dev/null 2>&1 || true
    rm -rf "$WINEPREFIX"
}

create_prefix()
{
    if prefix_complete; then
        say "prefix $WINEPREFIX: present"
        return
    fi
    if [ -e "$WINEPREFIX" ]; then
        say "prefix $WINEPREFIX: incomplete, re-creating it"
        remove_partial_prefix
    fi
    say "prefix $WINEPREFIX: creating (wineboot -i, about 15 s)"
    local start=$SECONDS
    if ! "$WINE" wineboot -i >"$WINEPREFIX.wineboot.log" 2>&1; then
        sed 's/^/  | /' "$WINEPREFIX.wineboot.log" | tail -n 20 >&2
        die "wineboot -i failed for $WINEPREFIX (log: $WINEPREFIX.wineboot.log)"
    fi
    "$WINESERVER" -w
    prefix_complete || die "wineboot -i finished but $WINEPREFIX has no system.reg/.update-timestamp"
    rm -f "$WINEPREFIX.wineboot.log"
    say "prefix $WINEPREFIX: created in $((SECONDS - start)) s"
}

# pe_bits FILE: prints 32 or 64 from the PE header's Machine field (i386 or
# AMD64); fails for anything else.
pe_bits()
{
    local pe machine
    pe=$(od -An -tu4 -j60 -N4 "$1" 2>/dev/null | tr -d ' ') || return 1
    [ -n "$pe" ] || return 1
    machine=$(od -An -tx2 -j$((pe + 4)) -N2 "$1" 2>/dev/null | tr -d ' ') || return 1
    case $machine in
        014c) echo 32 ;;
        8664) echo 64 ;;
        *) return 1 ;;
    esac
}

# The 32-bit half of the prefix (syswow64, wine32): needed for a 32-bit DLL.
need_wow64()
{
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    "$here/can-run-32bit.sh" ||
        die "this kernel does not run 32-bit programs (32-bit emulation disabled): a 32-bit DLL" \
            "cannot be registered or tested here"
    [ -x /usr/lib/wine/wine ] || die "wine32 is not installed (tools/setup.sh installs wine32:i386)"
    if [ ! -f "$WINEPREFIX/drive_c/windows/syswow64/regsvr32.exe" ]; then
        # A prefix made before wine32 was installed has no 32-bit half yet.
        say "prefix $WINEPREFIX: adding its 32-bit half (wineboot -u)"
        "$WINE" wineboot -u >"$WINEPREFIX.wineboot.log" 2>&1 || true
        "$WINESERVER" -w
        [ -f "$WINEPREFIX/drive_c/windows/syswow64/regsvr32.exe" ] ||
            die "$WINEPREFIX has no syswow64\\regsvr32.exe (log: $WINEPREFIX.wineboot.log)"
        rm -f "$WINEPREFIX.wineboot.log"
    fi
}

register_dll()
{
    local dll=$1 winpath rc bits regsvr32=regsvr32
    [ -f "$dll" ] || die "no such DLL: $dll"
    dll="$(cd "$(dirname "$dll")" && pwd)/$(basename "$dll")"
    bits=$(pe_bits "$dll") || die "$dll is not an i386 or AMD64 PE file"
    if [ "$bits" = 32 ]; then
        need_wow64
        # The 32-bit regsvr32 loads the DLL in a 32-bit process, so its
        # DllRegisterServer writes the 32-bit registry view.
        regsvr32='C:\windows\syswow64\regsvr32.exe'
    fi
    winpath=$("$WINE" winepath -w "$dll" 2>/dev/null | tr -d '\r') || true
    [ -n "$winpath" ] || die "winepath -w could not translate $dll"
    rc=0
    "$WINE" "$regsvr32" /s "$winpath" || rc=$?
    case $rc in
        0) say "registered $winpath ($bits-bit, $regsvr32 exit 0)" ;;
        3) die "regsvr32 could not load $winpath (exit 3)" ;;
        4) die "regsvr32: $winpath has no DllRegisterServer export (exit 4)" ;;
        5) die "regsvr32: DllRegisterServer of $winpath failed (exit 5)" ;;
        *) die "regsvr32 /s $winpath failed with exit code $rc" ;;
    esac
}

cmd=${1:-}
[ $# -ge 2 ] || usage
set_prefix "$2"
shift 2

case $cmd in
    setup)
        [ $# -eq 1 ] || usage
        # Two setups of one prefix at once (two ctest runs) would race in wineboot.
        exec 9>"$WINEPREFIX.lock"
        flock -w 600 9 || die "timed out waiting for $WINEPREFIX.lock"
        # The programs started here (the wineserver, a host activated while
        # registering) must not inherit fd 9: a wineserver kept alive by a
        # busy host would hold the lock, and the next setup would wait for it.
        create_prefix 9>&-
        register_dll "$1" 9>&-
        ;;
    run)
        [ $# -ge 1 ] || usage
        prefix_complete || say "note: $WINEPREFIX is not set up yet (tools/wineprefix.sh setup PREFIX DLL)"
        exec "$WINE" "$@"
        ;;
    kill)
        [ $# -eq 0 ] || usage
        "$WINESERVER" -k 2>/dev/null || true
        say "stopped the wineserver of $WINEPREFIX (if one was running)"
        ;;
    *)
        usage
        ;;
esac
