#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_cross_bitness.sh - one set of jobs per user, whatever the bitness of the program.
#
#   tests/test_cross_bitness.sh EXE32 EXE64 DLL32 DLL64 HOST64 WORK_DIR
#
# Run by ctest in the 32-bit build (test_cross_bitness) with the http fixtures
# (BITSDO_HTTP_SERVERS); the 64-bit files come from the 64-bit build beside it. In a private
# WoW64 prefix (WORK_DIR/prefix) with both halves registered, each in its own registry view:
# a job created by the 64-bit bitsdo.exe is listed, given a file and resumed by the 32-bit
# one, and watched and completed by the 64-bit one; then a job started by the 32-bit one is
# completed by the 64-bit one. Both files must equal nginx's byte for byte. Exits 77 (skipped)
# when the 64-bit build is not there.
set -u

EXE32=$1
EXE64=$2
DLL32=$3
DLL64=$4
HOST64=$5
WORK=$6
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=$ROOT/tools/wine-run.sh
SERVERS=${BITSDO_HTTP_SERVERS:?BITSDO_HTTP_SERVERS (the http fixtures) is not set}

for f in "$EXE64" "$DLL64" "$HOST64"; do
    [ -f "$f" ] || { echo "SKIP: the 64-bit build is not there ($f)"; exit 77; }
done

export WINEPREFIX=$WORK/prefix
finish()
{
    "$RUN" "$HOST64" -Stop >/dev/null 2>&1 || true
    "$ROOT/tools/wineprefix.sh" kill "$WINEPREFIX" >/dev/null 2>&1 || true
}
trap finish EXIT

rm -rf "$WORK"
mkdir -p "$WORK/out"
for dll in "$DLL64" "$DLL32"; do
    "$ROOT/tools/wineprefix.sh" setup "$WINEPREFIX" "$dll" >>"$WORK/setup.log" 2>&1 ||
        { echo "FAIL: registering $dll (see $WORK/setup.log)" >&2; exit 1; }
done
# fail, ok and win (cli_lib.sh wants the prefix made first).
EXE=$EXE32
PY=${BITSDO_PYTHON3:-python3}
# shellcheck source=cli_lib.sh
. "$ROOT/tests/cli_lib.sh"
ok "both halves registered in one prefix"

port=$(cat "$SERVERS/nginx/http_port")
www=$SERVERS/nginx/www
head -c 3145728 /dev/urandom >"$www/cross-a.bin"
head -c 1048576 /dev/urandom >"$www/cross-b.bin"

# cli EXE ARGS...: one bitsdo.exe process; its output (CRs removed) in $out. Output into a
# file, not a pipe: a host the command starts would hold a pipe open (see cli_lib.sh).
cli()
{
    local exe=$1 rc=0
    shift
    "$RUN" "$exe" "$@" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
    out=$(tr -d '\r' <"$WORK/stdout")
    return $rc
}
guid() { grep -o '{[0-9A-Fa-f-]\{36\}}' <<<"$out" | head -n 1; }

cli "$EXE64" create cross-64 || fail "64-bit create: $out $(cat "$WORK/stderr")"
job=$(guid)
[ -n "$job" ] || fail "64-bit create printed no GUID: $out"
ok "64-bit bitsdo.exe created $job"
cli "$EXE32" list || fail "32-bit list: $out"
grep -qi -- "$job" <<<"$out" || fail "the 32-bit bitsdo.exe does not list the 64-bit job: $out"
ok "the 32-bit bitsdo.exe lists it"
cli "$EXE32" addfile "$job" "http://127.0.0.1:$port/cross-a.bin" "$(win "$WORK/out/a.bin")" ||
    fail "32-bit addfile: $out $(cat "$WORK/stderr")"
cli "$EXE32" resume "$job" || fail "32-bit resume: $out"
ok "the 32-bit bitsdo.exe added a file and resumed it"
cli "$EXE64" monitor "$job" --timeout 120 || fail "64-bit monitor: $out"
grep -q TRANSFERRED <<<"$out" || fail "the job did not reach TRANSFERRED: $out"
cli "$EXE64" complete "$job" || fail "64-bit complete: $out"
cmp "$www/cross-a.bin" "$WORK/out/a.bin" || fail "the file differs from the source"
ok "the 64-bit bitsdo.exe watched and completed it: byte for byte"

cli "$EXE32" transfer --detach "http://127.0.0.1:$port/cross-b.bin" "$(win "$WORK/out/b.bin")" ||
    fail "32-bit transfer --detach: $out $(cat "$WORK/stderr")"
job=$(guid)
[ -n "$job" ] || fail "32-bit transfer --detach printed no GUID: $out"
cli "$EXE64" monitor "$job" --timeout 120 || fail "64-bit monitor: $out"
cli "$EXE64" complete "$job" || fail "64-bit complete of the 32-bit job: $out"
cmp "$www/cross-b.bin" "$WORK/out/b.bin" || fail "the 32-bit job's file differs from the source"
ok "a job started by the 32-bit bitsdo.exe completed by the 64-bit one: byte for byte"
rm -f "$www/cross-a.bin" "$www/cross-b.bin"
echo "$checks checks passed"
