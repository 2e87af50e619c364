#!/usr/bin/env bash
# Tells whether this Linux kernel runs 32-bit x86 programs (i386 ELF), which
# wine32 (the 32-bit half of a WoW64 Wine prefix) and -m32 test programs need.
# Kernels built with IA32_EMULATION_DEFAULT_DISABLED, or booted with
# ia32_emulation=off, refuse them with "Exec format error"; then the 32-bit
# builds can be built here but not run, and installing wine32:i386 would even
# break /usr/bin/wine (Debian's wrapper picks the 32-bit loader when present).
#
# It runs a 93-byte static i386 program that only calls exit(0) (no libraries
# needed). Exits 0 if it ran, 1 if not; with -v it says which on stdout.
#
# Usage: tools/can-run-32bit.sh [-v]
set -euo pipefail

verbose=0
case ${1:-} in
    -v) verbose=1 ;;
    "") ;;
    *) sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac

# ELF32 header, one PT_LOAD program header, then: mov eax,1; xor ebx,ebx; int 0x80.
ELF=7f454c46010101000000000000000000020003000100000054800408340000000000000000000000
ELF+=340020000100000000000000010000000000000000800408008004085d0000005d00000005000000
ELF+=00100000b80100000031dbcd80

dir=$(mktemp -d "${TMPDIR:-/tmp}/bitsdo-probe32.XXXXXX")
trap 'rm -rf "$dir"' EXIT
python3 -c 'import sys; open(sys.argv[1], "wb").write(bytes.fromhex(sys.argv[2]))' "$dir/probe" "$ELF"
chmod +x "$dir/probe"
if "$dir/probe" 2>/dev/null; then
    [ $verbose -eq 0 ] || echo "yes: this kernel runs 32-bit x86 programs"
    exit 0
fi
[ $verbose -eq 0 ] ||
    echo "no: this kernel does not run 32-bit x86 programs (32-bit emulation disabled, ia32_emulation)"
exit 1
