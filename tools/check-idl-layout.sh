#!/usr/bin/env bash
# check-idl-layout.sh - compare bitsdo's generated COM header with MinGW-w64's
# BITS headers.
#
# SPDX-License-Identifier: MIT
#
# Usage: tools/check-idl-layout.sh GENERATED_DIR [MINGW_INCLUDE_DIR]
#
# bitsdo's BITS-compatible interfaces reuse the real BITS IIDs, so a client
# compiled against the SDK calls bitsdo through the SDK's vtable layout.
# Compared, between GENERATED_DIR/DeliveryOptimization.h and MinGW-w64's
# bits*.h, for every interface both declare:
#   - the IID (DEFINE_GUID, and the C++ MIDL_INTERFACE string),
#   - the vtable: method names in slot order, parameter count and parameter
#     types (parameter names ignored);
# and for every enum constant or BG_/BITS_ macro both define, the numeric
# value (each header compiled with the MinGW compiler, values read back from
# the assembly).  Interfaces and constants MinGW-w64 lacks (BITS 3.0+ files,
# callbacks, the Delivery Optimization API) are compared with a table of
# IIDs, method order and values written below from the SDK headers and the
# documentation.  Also checked: our DEFINE_GUIDs and MIDL_INTERFACEs agree.
#
# Every difference is printed as a diff; the last line is a summary.
# Exit status: 0 no difference, 1 differences, 2 usage or setup error.
#
# CC (default x86_64-w64-mingw32-gcc) compiles the probes; MINGW_INCLUDE_DIR
# defaults to the directory in which CC finds <bits.h>.

set -u
set -o pipefail

usage()
{
    echo "usage: $0 GENERATED_DIR [MINGW_INCLUDE_DIR]" >&2
    exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    usage
fi
GEN_DIR=$1
OURS=$GEN_DIR/DeliveryOptimization.h
CC=${CC:-x86_64-w64-mingw32-gcc}

if [ ! -f "$OURS" ]; then
    echo "idl_layout: $OURS not found (build the bitsdo_idl target first)" >&2
    exit 2
fi

if [ $# -eq 2 ]; then
    MINGW_INC=$2
else
    # Ask the compiler where <bits.h> lives.
    bits_h=$(printf '#include <bits.h>\n' | "$CC" -xc -M - 2>/dev/null |
             grep -oE '[^[:space:]]+/bits\.h' | head -n1)
    MINGW_INC=${bits_h%/bits.h}
fi
if [ -z "${MINGW_INC:-}" ] || [ ! -f "$MINGW_INC/bits.h" ]; then
    echo "idl_layout: cannot find MinGW-w64's bits.h (give MINGW_INCLUDE_DIR)" >&2
    exit 2
fi

# Every MinGW-w64 BITS header except the message table.
MINGW_HEADERS=()
for h in "$MINGW_INC"/bits*.h; do
    case ${h##*/} in
        bitsmsg.h) ;;
        *) MINGW_HEADERS+=("$h") ;;
    esac
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/idl_layout.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------------------
# Extraction (POSIX awk: works with mawk and gawk)
# ---------------------------------------------------------------------------

# Vtables: one line per slot, "Interface<TAB>slot<TAB>Method<TAB>nparams<TAB>types".
# The first parameter (This) is counted but left out of the type list.
extract_vtables()
{
    awk '
    function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
    # "const WCHAR *ProxyList" -> "const WCHAR*"; "BG_FILE_RANGE r[]" -> "BG_FILE_RANGE*"
    function param_type(p,    t, arr) {
        t = trim(p)
        if (t == "void" || t == "") return t
        arr = 0
        if (t ~ /\[.*\]$/) { sub(/\[.*\]$/, "", t); arr = 1 }
        t = trim(t)
        sub(/[A-Za-z_][A-Za-z0-9_]*$/, "", t)    # the parameter name
        if (arr) t = t "*"
        gsub(/[ \t]*\*[ \t]*/, "*", t)
        gsub(/[ \t]+/, " ", t)
        t = trim(t)
        sub(/^byte\*/, "BYTE*", t)               # IDL base type vs. its typedef
        if (t == "WINBOOL") t = "BOOL"            # MinGW-w64 spells BOOL so
        sub(/^WINBOOL\*/, "BOOL*", t)
        return t
    }
    function finish(    n, i, parts, types, cnt) {
        n = split(params, parts, ",")
        types = ""
        for (i = 2; i <= n; i++) types = types (i > 2 ? ", " : "") param_type(parts[i])
        cnt = (trim(params) == "" ? 0 : n)
        printf "%s\t%03d\t%s\t%d\t%s\n", iface, slot, meth, cnt, types
        slot++
    }
    /^typedef struct [A-Za-z0-9_]+Vtbl[ \t]*\{/ {
        iface = $3; sub(/Vtbl$/, "", iface); invtbl = 1; slot = 0; inmeth = 0; next
    }
    invtbl && /^\}[ \t]*[A-Za-z0-9_]+Vtbl;/ { invtbl = 0; next }
    invtbl && inmeth {
        params = params " " $0
        if (params ~ /\);[ \t]*$/) { sub(/\);[ \t]*$/, "", params); finish(); inmeth = 0 }
        next
    }
    invtbl && /\(STDMETHODCALLTYPE \*[A-Za-z0-9_]+\)\(/ {
        match($0, /\(STDMETHODCALLTYPE \*[A-Za-z0-9_]+\)\(/)
        meth = substr($0, RSTART + 20, RLENGTH - 22)
        params = substr($0, RSTART + RLENGTH)
        if (params ~ /\);[ \t]*$/) { sub(/\);[ \t]*$/, "", params); finish() }
        else inmeth = 1
        next
    }
    ' "$@"
}

# GUIDs: "NAME<TAB>normalised-value" from DEFINE_GUID(...).
extract_guids()
{
    awk '
    /DEFINE_GUID\([A-Za-z_][A-Za-z0-9_]*,/ {
        s = $0
        sub(/.*DEFINE_GUID\(/, "", s); sub(/\).*/, "", s)
        gsub(/[ \t]/, "", s)
        n = split(s, f, ",")
        out = ""
        for (i = 2; i <= n; i++) {
            v = tolower(f[i]); sub(/^0x/, "", v); sub(/^0+/, "", v)
            if (v == "") v = "0"
            out = out (i > 2 ? "-" : "") v
        }
        print f[1] "\t" out
    }' "$@"
}

# C++ uuids: "Interface<TAB>uuid" from MIDL_INTERFACE("...") + next line.
extract_midl()
{
    awk '
    pending != "" {
        name = $1; sub(/[^A-Za-z0-9_].*/, "", name)
        print name "\t" pending; pending = ""; next
    }
    /MIDL_INTERFACE\("[0-9A-Fa-f-]+"\)/ {
        s = $0; sub(/.*MIDL_INTERFACE\("/, "", s); sub(/"\).*/, "", s)
        pending = tolower(s)
    }' "$@"
}

# Same GUID in the form extract_guids prints, from an uuid string.
uuid_to_guidkey()
{
    awk -F'\t' '{
        u = $2; gsub(/-/, "", u)
        p[1] = substr(u, 1, 8); p[2] = substr(u, 9, 4); p[3] = substr(u, 13, 4)
        for (i = 0; i < 8; i++) p[4 + i] = substr(u, 17 + 2 * i, 2)
        out = ""
        for (i = 1; i <= 11; i++) { v = p[i]; sub(/^0+/, "", v); if (v == "") v = "0"; out = out (i > 1 ? "-" : "") v }
        print $1 "\t" out
    }'
}

# Constant names: enum members and object-like BG_/BITS_/DO_ macros.
extract_constant_names()
{
    awk '
    /^typedef enum/ || /^enum [A-Za-z0-9_]*[ \t]*\{/ { inenum = 1; next }
    inenum && /^\}/ { inenum = 0; next }
    inenum && /^[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]*(=|,|$)/ {
        n = $1; sub(/[^A-Za-z0-9_].*/, "", n); print n; next
    }
    /^#define[ \t]+(BG|BITS|DO)_[A-Za-z0-9_]*[ \t]/ { print $2 }
    ' "$@" | sort -u
}

# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------

differences=0

report()
{
    # report TITLE FILE_MINGW FILE_OURS
    if ! diff -u --label "mingw-w64: $1" --label "bitsdo: $1" "$2" "$3"; then
        differences=$((differences + 1))
    fi
}

extract_vtables "${MINGW_HEADERS[@]}" > "$WORK/mingw.vt"
extract_vtables "$OURS" > "$WORK/ours.vt"
extract_guids "${MINGW_HEADERS[@]}" | sort -u > "$WORK/mingw.guid"
extract_guids "$OURS" | sort -u > "$WORK/ours.guid"
extract_midl "${MINGW_HEADERS[@]}" | sort -u > "$WORK/mingw.midl"
extract_midl "$OURS" | sort -u > "$WORK/ours.midl"

cut -f1 "$WORK/mingw.vt" | sort -u > "$WORK/mingw.ifaces"
cut -f1 "$WORK/ours.vt" | sort -u > "$WORK/ours.ifaces"
comm -12 "$WORK/mingw.ifaces" "$WORK/ours.ifaces" > "$WORK/common.ifaces"
ncommon=$(wc -l < "$WORK/common.ifaces")

if [ "$ncommon" -eq 0 ]; then
    echo "idl_layout: no interface in common - extraction broken?" >&2
    exit 1
fi

while read -r iface; do
    # vtable
    awk -F'\t' -v i="$iface" '$1 == i { print $2 ". " $3 "(" $5 ")" }' \
        "$WORK/mingw.vt" > "$WORK/a"
    awk -F'\t' -v i="$iface" '$1 == i { print $2 ". " $3 "(" $5 ")" }' \
        "$WORK/ours.vt" > "$WORK/b"
    report "$iface vtable" "$WORK/a" "$WORK/b"

    # IID
    awk -F'\t' -v n="IID_$iface" '$1 == n' "$WORK/mingw.guid" > "$WORK/a"
    awk -F'\t' -v n="IID_$iface" '$1 == n' "$WORK/ours.guid" > "$WORK/b"
    if [ ! -s "$WORK/b" ]; then echo "IID_$iface: no DEFINE_GUID in bitsdo's header" >> "$WORK/b"; fi
    report "IID_$iface" "$WORK/a" "$WORK/b"
    awk -F'\t' -v n="$iface" '$1 == n' "$WORK/mingw.midl" > "$WORK/a"
    awk -F'\t' -v n="$iface" '$1 == n' "$WORK/ours.midl" > "$WORK/b"
    report "MIDL_INTERFACE($iface)" "$WORK/a" "$WORK/b"
done < "$WORK/common.ifaces"

# Every other GUID (CLSIDs, LIBIDs) defined on both sides.
cut -f1 "$WORK/mingw.guid" | sort -u > "$WORK/a"
cut -f1 "$WORK/ours.guid" | sort -u > "$WORK/b"
comm -12 "$WORK/a" "$WORK/b" | grep -v '^IID_' > "$WORK/common.guids"
nguids=$(wc -l < "$WORK/common.guids")
join -t "$(printf '\t')" "$WORK/common.guids" "$WORK/mingw.guid" > "$WORK/a"
join -t "$(printf '\t')" "$WORK/common.guids" "$WORK/ours.guid" > "$WORK/b"
report "CLSID/LIBID values" "$WORK/a" "$WORK/b"

# Our own header: DEFINE_GUID(IID_X) and MIDL_INTERFACE for X must agree.
uuid_to_guidkey < "$WORK/ours.midl" | sed 's/^/IID_/' | sort > "$WORK/a"
join -t "$(printf '\t')" <(cut -f1 "$WORK/a") "$WORK/ours.guid" > "$WORK/b"
report "bitsdo MIDL_INTERFACE vs DEFINE_GUID" "$WORK/a" "$WORK/b"

# Numeric values of constants both sides define.
extract_constant_names "${MINGW_HEADERS[@]}" > "$WORK/mingw.names"
extract_constant_names "$OURS" > "$WORK/ours.names"
comm -12 "$WORK/mingw.names" "$WORK/ours.names" > "$WORK/common.names"
nconst=$(wc -l < "$WORK/common.names")

probe()
{
    # probe OUTPUT_PREFIX INCLUDE_LINES...
    local out=$1; shift
    {
        printf '#include <windows.h>\n'
        printf '%s\n' "$@"
        while read -r n; do
            printf 'const unsigned long long bitsdo_v_%s = (unsigned long long)(%s);\n' "$n" "$n"
        done < "$WORK/common.names"
    } > "$out.c"
    if ! "$CC" -S -O0 -w -I"$GEN_DIR" -o "$out.s" "$out.c" 2> "$out.err"; then
        echo "idl_layout: cannot compile the value probe $out.c:" >&2
        head -n 20 "$out.err" >&2
        return 1
    fi
    # x86_64 emits ".quad V"; i686 emits "_bitsdo_v_NAME:" (leading
    # underscore) and two ".long" words, low then high, shown as "high:low".
    awk '
    /^_?bitsdo_v_[A-Za-z0-9_]+:/ { n = $1; sub(/^_?bitsdo_v_/, "", n); sub(/:$/, "", n); lo = ""; next }
    n != "" && /\.quad/ { print n " = " $2; n = "" }
    n != "" && /\.long/ { if (lo == "") { lo = $2; next } print n " = " $2 ":" lo; n = "" }
    n != "" && /\.(space|zero)[ \t]+8/ { print n " = 0"; n = "" }
    ' "$out.s" | sort
}

if [ "$nconst" -gt 0 ]; then
    mingw_includes=()
    for h in "${MINGW_HEADERS[@]}"; do mingw_includes+=("#include <${h##*/}>"); done
    probe "$WORK/pm" "${mingw_includes[@]}" > "$WORK/a" || exit 1
    probe "$WORK/po" '#include "DeliveryOptimization.h"' > "$WORK/b" || exit 1
    if [ "$(wc -l < "$WORK/a")" -ne "$nconst" ] || [ "$(wc -l < "$WORK/b")" -ne "$nconst" ]; then
        echo "idl_layout: value probe returned $(wc -l < "$WORK/a")/$(wc -l < "$WORK/b") values for $nconst names" >&2
        exit 1
    fi
    report "constant values" "$WORK/a" "$WORK/b"
fi

# ---------------------------------------------------------------------------
# Interfaces MinGW-w64 does not declare: compare with a reference table of
# IIDs and method order taken from the Windows SDK headers (bits3_0.h,
# bits4_0.h, bits5_0.h, bits10_1.h, deliveryoptimization.h) and, for the
# IDeliveryOptimization* interfaces, from their documentation pages.
# Format: interface|base|iid|own methods in slot order.
# ---------------------------------------------------------------------------
cat > "$WORK/reference" <<'REFERENCE'
IBackgroundCopyFile3|IBackgroundCopyFile2|659cdeaa-489e-11d9-a9cd-000d56965251|GetTemporaryName SetValidationState GetValidationState IsDownloadedFromPeer
IBitsTokenOptions|IUnknown|9a2584c3-f7d2-457a-9a5e-22b67bffc7d2|SetHelperTokenFlags GetHelperTokenFlags SetHelperToken ClearHelperToken GetHelperTokenSid
IBackgroundCopyFile4|IBackgroundCopyFile3|ef7e0655-7888-4960-b0e5-730846e03492|GetPeerDownloadStats
IBackgroundCopyFile5|IBackgroundCopyFile4|85c1657f-dafc-40e8-8834-df18ea25717e|SetProperty GetProperty
IBackgroundCopyCallback3|IBackgroundCopyCallback2|98c97bd2-e32b-4ad8-a528-95fd8b16bd42|FileRangesTransferred
IBackgroundCopyFile6|IBackgroundCopyFile5|cf6784f7-d677-49fd-9368-cb47aee9d1ad|UpdateDownloadPosition RequestFileRanges GetFilledFileRanges
IDeliveryOptimizationJob|IUnknown|ee2584cf-a69c-4848-b633-2649962b3ef7|AddFileWithRanges
IDeliveryOptimizationJob2|IUnknown|18995a26-bf59-4abe-9f8b-d5092d5a2405|AddFile GetProperty SetProperty
IDeliveryOptimizationFile|IUnknown|b76b9699-e99e-4101-803f-a20e325d93e2|GetStats
IDeliveryOptimizationFile2|IUnknown|3a87296f-6ec2-4126-ab29-e3f8dc4cc390|GetProperty SetProperty
IDODownload|IUnknown|fbbd7fc0-c147-4727-a38d-827ef071ee77|Start Pause Abort Finalize GetStatus GetProperty SetProperty
IDODownloadStatusCallback|IUnknown|d166e8e3-a90e-4392-8e87-05e996d3747d|OnStatusChange
IDOManager|IUnknown|400e2d4a-1431-4c1a-a748-39ca472cfdb1|CreateDownload EnumDownloads
REFERENCE

declare -A ref_base ref_iid ref_own
while IFS='|' read -r name base iid own; do
    ref_base[$name]=$base; ref_iid[$name]=$iid; ref_own[$name]=$own
done < "$WORK/reference"

# expected_methods IFACE: the full slot list; bases resolve through the
# table, then through MinGW-w64's (already compared) vtables, then IUnknown.
expected_methods()
{
    local i=$1
    if [ "$i" = IUnknown ]; then
        echo QueryInterface AddRef Release
    elif [ -n "${ref_base[$i]:-}" ]; then
        echo "$(expected_methods "${ref_base[$i]}") ${ref_own[$i]}"
    else
        awk -F'\t' -v i="$i" '$1 == i { printf "%s ", $3 }' "$WORK/mingw.vt"
    fi
}

nref=0
while IFS='|' read -r iface _ _ _; do
    nref=$((nref + 1))
    expected_methods "$iface" | tr -s ' ' '\n' | sed '/^$/d' | awk '{ printf "%03d. %s\n", NR - 1, $0 }' > "$WORK/a"
    awk -F'\t' -v i="$iface" '$1 == i { print $2 ". " $3 }' "$WORK/ours.vt" > "$WORK/b"
    if ! diff -u --label "SDK/docs: $iface vtable" --label "bitsdo: $iface vtable" "$WORK/a" "$WORK/b"; then
        differences=$((differences + 1))
    fi
    printf '%s\t%s\n' "$iface" "${ref_iid[$iface]}" | uuid_to_guidkey | sed 's/^/IID_/' > "$WORK/a"
    awk -F'\t' -v n="IID_$iface" '$1 == n' "$WORK/ours.guid" > "$WORK/b"
    if ! diff -u --label "SDK/docs: IID_$iface" --label "bitsdo: IID_$iface" "$WORK/a" "$WORK/b"; then
        differences=$((differences + 1))
    fi
done < "$WORK/reference"

# Constants MinGW-w64 lacks, with their SDK/documented values.  Checked as C
# sees them: _Static_assert(NAME == VALUE) in a file including our header.
{
    cat <<'CONSTANTS'
BG_NOTIFY_FILE_RANGES_TRANSFERRED 0x0020
BG_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK 8
BG_SSL_ENABLE_CRL_CHECK 0x0001
BG_SSL_IGNORE_CERT_CN_INVALID 0x0002
BG_SSL_IGNORE_CERT_DATE_INVALID 0x0004
BG_SSL_IGNORE_UNKNOWN_CA 0x0008
BG_SSL_IGNORE_CERT_WRONG_USAGE 0x0010
BG_HTTP_REDIRECT_POLICY_MASK 0x0700
BG_HTTP_REDIRECT_POLICY_ALLOW_SILENT 0x0000
BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT 0x0100
BG_HTTP_REDIRECT_POLICY_DISALLOW 0x0200
BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP 0x0800
BG_ENABLE_PEERCACHING_CLIENT 0x0001
BG_ENABLE_PEERCACHING_SERVER 0x0002
BG_DISABLE_BRANCH_CACHE 0x0004
BG_TOKEN_LOCAL_FILE 0x0001
BG_TOKEN_NETWORK 0x0002
BITS_COST_STATE_UNRESTRICTED 0x1
BITS_COST_STATE_CAPPED_USAGE_UNKNOWN 0x2
BITS_COST_STATE_BELOW_CAP 0x4
BITS_COST_STATE_NEAR_CAP 0x8
BITS_COST_STATE_OVERCAP_CHARGED 0x10
BITS_COST_STATE_OVERCAP_THROTTLED 0x20
BITS_COST_STATE_USAGE_BASED 0x40
BITS_COST_STATE_ROAMING 0x80
BITS_COST_OPTION_IGNORE_CONGESTION 0x80000000u
BITS_COST_STATE_RESERVED 0x40000000
BITS_COST_STATE_TRANSFER_NOT_ROAMING 0x8000007fu
BITS_COST_STATE_TRANSFER_NO_SURCHARGE 0x8000006fu
BITS_COST_STATE_TRANSFER_STANDARD 0x80000067u
BITS_COST_STATE_TRANSFER_UNRESTRICTED 0x80000021u
BITS_COST_STATE_TRANSFER_ALWAYS 0x800000ffu
BITS_JOB_TRANSFER_POLICY_ALWAYS 0x800000ffu
BITS_JOB_TRANSFER_POLICY_NOT_ROAMING 0x8000007fu
BITS_JOB_TRANSFER_POLICY_NO_SURCHARGE 0x8000006fu
BITS_JOB_TRANSFER_POLICY_STANDARD 0x80000067u
BITS_JOB_TRANSFER_POLICY_UNRESTRICTED 0x80000021u
BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS 1
DO_LENGTH_TO_EOF 0xffffffffffffffffull
DownloadMode_CdnOnly 0
DownloadMode_Lan 1
DownloadMode_Group 2
DownloadMode_Internet 3
DownloadMode_Simple 99
DownloadMode_Bypass 100
CONSTANTS
    # Enumerations numbered from 0 in SDK order.
    i=0; for n in Created Transferring Transferred Finalized Aborted Paused; do
        echo "DODownloadState_$n $i"; i=$((i + 1)); done
    i=0; for n in Always Unrestricted Standard NoRoaming NoSurcharge NoCellular; do
        echo "DODownloadCostPolicy_$n $i"; i=$((i + 1)); done
    i=0; for n in Id Uri ContentId DisplayName LocalPath HttpCustomHeaders CostPolicy \
                  SecurityFlags CallbackFreqPercent CallbackFreqSeconds \
                  NoProgressTimeoutSeconds ForegroundPriority BlockingMode \
                  CallbackInterface StreamInterface SecurityContext NetworkToken \
                  CorrelationVector DecryptionInfo IntegrityCheckInfo \
                  IntegrityCheckMandatory TotalSizeBytes DisallowOnCellular \
                  HttpCustomAuthHeaders HttpAllowSecureToNonSecureRedirect NonVolatile \
                  HttpRedirectionTarget HttpResponseHeaders HttpServerIPAddress \
                  HttpStatusCode; do
        echo "DODownloadProperty_$n $i"; i=$((i + 1)); done
    i=0; for n in Downloading Complete Caching Paused; do
        echo "SwarmStatus_$n $i"; i=$((i + 1)); done
    i=0; for n in DecryptionInfo IntegrityCheckInfo IntegrityCheckMandatory \
                  DownloadSinkInterface DownloadSinkFilePath DownloadSinkMemoryStream \
                  TotalSizeBytes; do
        echo "DOFilePropertyId_$n $i"; i=$((i + 1)); done
} > "$WORK/refconst"
nrefconst=$(wc -l < "$WORK/refconst")
{
    printf '#include <windows.h>\n#include "DeliveryOptimization.h"\n'
    while read -r n v; do
        printf '_Static_assert((%s) == (%s), "%s is not %s");\n' "$n" "$v" "$n" "$v"
    done < "$WORK/refconst"
} > "$WORK/refconst.c"
if ! "$CC" -std=gnu11 -fsyntax-only -w -I"$GEN_DIR" "$WORK/refconst.c" 2> "$WORK/refconst.err"; then
    echo "--- SDK/docs: constant values"
    if grep -q 'static assertion failed' "$WORK/refconst.err"; then
        sed -n 's/.*static assertion failed: "\(.*\)".*/\1/p' "$WORK/refconst.err"
    else
        head -n 20 "$WORK/refconst.err"
    fi
    differences=$((differences + 1))
fi

# ---------------------------------------------------------------------------
# BITS 1.0: GENERATED_DIR/bitsdo_qmgr.h (from idl/bitsdo_qmgr.idl, the
# remotable declaration the proxies are generated from) against MinGW-w64's
# qmgr.h, vtable by vtable; its IIDs against bitsdo_classes.h, whose
# definitions are the ones linked (MinGW-w64's qmgr.h declares the IIDs
# without values).
# ---------------------------------------------------------------------------
nqmgr=0
QMGR_OURS=$GEN_DIR/bitsdo_qmgr.h
if [ -f "$QMGR_OURS" ]; then
    [ -f "$MINGW_INC/qmgr.h" ] || { echo "idl_layout: $MINGW_INC/qmgr.h not found" >&2; exit 2; }
    # qmgr.h writes its vtables indented, on one line each, with WINAPI.
    sed -e 's/^[ \t]*//' -e 's/(WINAPI \*/(STDMETHODCALLTYPE */' "$MINGW_INC/qmgr.h" > "$WORK/qmgr.h"
    extract_vtables "$WORK/qmgr.h" > "$WORK/qmgr_mingw.vt"
    extract_vtables "$QMGR_OURS" > "$WORK/qmgr_ours.vt"
    cut -f1 "$WORK/qmgr_mingw.vt" | sort -u > "$WORK/a"
    cut -f1 "$WORK/qmgr_ours.vt" | sort -u > "$WORK/b"
    report "qmgr.h interfaces" "$WORK/a" "$WORK/b"
    extract_guids "$QMGR_OURS" | sort -u > "$WORK/qmgr_ours.guid"
    extract_guids "$GEN_DIR/bitsdo_classes.h" | sort -u > "$WORK/classes.guid"
    while read -r iface; do
        nqmgr=$((nqmgr + 1))
        awk -F'\t' -v i="$iface" '$1 == i { print $2 ". " $3 "(" $5 ")" }' "$WORK/qmgr_mingw.vt" > "$WORK/a"
        awk -F'\t' -v i="$iface" '$1 == i { print $2 ". " $3 "(" $5 ")" }' "$WORK/qmgr_ours.vt" > "$WORK/b"
        report "$iface vtable (qmgr.h)" "$WORK/a" "$WORK/b"
        awk -F'\t' -v n="IID_$iface" '$1 == n' "$WORK/classes.guid" > "$WORK/a"
        awk -F'\t' -v n="IID_$iface" '$1 == n' "$WORK/qmgr_ours.guid" > "$WORK/b"
        if [ ! -s "$WORK/b" ]; then echo "IID_$iface: no DEFINE_GUID in bitsdo_qmgr.h" >> "$WORK/b"; fi
        report "IID_$iface (bitsdo_classes.h vs bitsdo_qmgr.h)" "$WORK/a" "$WORK/b"
    done < <(cut -f1 "$WORK/qmgr_mingw.vt" | sort -u)
    if [ "$nqmgr" -eq 0 ]; then
        echo "idl_layout: no vtable found in qmgr.h - extraction broken?" >&2
        exit 1
    fi
fi

cut -d'|' -f1 "$WORK/reference" | cat - "$WORK/mingw.ifaces" | sort -u > "$WORK/known.ifaces"
unchecked=$(comm -13 "$WORK/known.ifaces" "$WORK/ours.ifaces" | tr '\n' ' ')
echo "idl_layout: interfaces with no reference, not compared: ${unchecked:-none}"
echo "idl_layout: $((ncommon + nref + nqmgr)) interfaces compared ($ncommon with MinGW-w64, $nref with the SDK/docs table, $nqmgr BITS 1.0 with qmgr.h), $nguids class/library GUIDs, $nconst constants with MinGW-w64 + $nrefconst with the table, $differences differences"
[ "$differences" -eq 0 ]
