#!/usr/bin/env bash
# Checks that a PE file (bitsdo.dll, 64- or 32-bit) imports nothing but Windows
# system DLLs, so that it can be copied alone onto a Windows machine. Prints
# every imported DLL; exits 1 if one is not on the allow-list (or the file
# cannot be read). With EXPORT names, also checks that each is exported under
# exactly that name and that no export is stdcall-decorated (name@N, what an
# i686 build exports by mistake), since callers GetProcAddress them by name.
#
# Usage: tools/check-imports.sh FILE.dll [EXPORT...]
set -euo pipefail

OBJDUMP=${OBJDUMP:-x86_64-w64-mingw32-objdump}

# Lower-case names; api-ms-win-crt-* (the Universal CRT's API sets) as a pattern.
ALLOWED=(
    kernel32 advapi32 ole32 oleaut32 user32 shell32 shlwapi winhttp ws2_32 crypt32
    secur32 rpcrt4 bcrypt msvcrt ucrtbase ntdll userenv iphlpapi mpr netapi32
)

[ $# -ge 1 ] || { sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }
file=$1
shift
exports=("$@")
[ -f "$file" ] || { echo "check-imports: error: no such file: $file" >&2; exit 1; }
command -v "$OBJDUMP" >/dev/null 2>&1 ||
    { echo "check-imports: error: $OBJDUMP not found (binutils-mingw-w64-x86-64)" >&2; exit 1; }

dump=$("$OBJDUMP" -p "$file") || { echo "check-imports: error: $OBJDUMP -p $file failed" >&2; exit 1; }
grep -q '^Characteristics\|^architecture:\|file format pei-' <<<"$dump" ||
    { echo "check-imports: error: $file is not a PE file" >&2; exit 1; }
format=$(sed -n 's/.*file format \(pei-[^[:space:]]*\).*/\1/p' <<<"$dump" | head -n 1)

# "DLL Name: KERNEL32.dll" lines: the import table (and the delay-load table, if any).
mapfile -t dlls < <(sed -n 's/^[[:space:]]*DLL Name:[[:space:]]*//p' <<<"$dump" | tr -d '\r' |
                    tr '[:upper:]' '[:lower:]' | sort -u)

allowed()
{
    local base=${1%.dll} a
    case $base in api-ms-win-crt-*) return 0 ;; esac
    for a in "${ALLOWED[@]}"; do
        [ "$base" = "$a" ] && return 0
    done
    return 1
}

bad=0
echo "check-imports: $(basename "$file") (${format:-unknown format}) imports ${#dlls[@]} DLL(s):"
for dll in "${dlls[@]}"; do
    if allowed "$dll"; then
        echo "  $dll"
    else
        echo "  $dll    <-- NOT a Windows system DLL"
        bad=$((bad + 1))
    fi
done
if [ $bad -ne 0 ]; then
    echo "check-imports: FAILED: $bad import(s) outside the allow-list (link them statically)" >&2
    exit 1
fi

if [ ${#exports[@]} -gt 0 ]; then
    # "[   1] DllGetClassObject" lines of the export name table.
    mapfile -t names < <(sed -n '/^\[Ordinal\/Name Pointer\] Table/,/^$/s/^[[:space:]]*\[[[:space:]]*[0-9]*\][[:space:]]*//p' \
                         <<<"$dump" | tr -d '\r')
    echo "check-imports: exports ${#names[@]} name(s): ${names[*]}"
    for e in "${exports[@]}"; do
        printf '%s\n' "${names[@]}" | grep -qxF -- "$e" ||
            { echo "  $e    <-- NOT exported under this name"; bad=$((bad + 1)); }
    done
    for n in "${names[@]}"; do
        case $n in *@*) echo "  $n    <-- stdcall-decorated export"; bad=$((bad + 1)) ;; esac
    done
    if [ $bad -ne 0 ]; then
        echo "check-imports: FAILED: $bad export problem(s)" >&2
        exit 1
    fi
fi
echo "check-imports: ok"
