#!/usr/bin/env bash
# Runs a Windows program under Wine for ctest and the scripts (the CMake
# cross-compiling emulator): `tools/wine-run.sh PROGRAM.exe ARGS...`.
#
# Two things it does that plain `wine` does not:
#   - It uses the 64-bit loader directly when the 32-bit one cannot run
#     (a kernel without 32-bit support, with wine32:i386 installed, makes
#     /usr/bin/wine fail with "Exec format error").
#   - The per-user host (bitsdo-host.exe) may be started by the program and
#     outlive it. Wine gives every new process its starter's Unix stderr, so
#     the host would keep ctest's output pipe open and ctest would wait for
#     it. The program's stderr therefore goes to a file that is copied to
#     our stderr when the program ends; the host keeps only that file open.
# The exit code is the program's.
set -u

loader=
if [ -x /usr/lib/wine/wine64 ] && ! /usr/lib/wine/wine --version >/dev/null 2>&1; then
    loader=/usr/lib/wine/wine64
    export WINELOADER=$loader
else
    loader=$(command -v wine || command -v wine64)
fi
[ -n "$loader" ] || { echo "wine-run: no wine found (tools/setup.sh installs it)" >&2; exit 127; }

err=$(mktemp "${TMPDIR:-/tmp}/bitsdo-wine-run.XXXXXX")
"$loader" "$@" 2>"$err"
rc=$?
cat "$err" >&2
rm -f "$err"
exit $rc
