#!/usr/bin/env python3
# fix-widl-proxy.py - repair widl's -Oif format strings for [out] LPWSTR *.
#
# SPDX-License-Identifier: MIT
#
# Usage: tools/fix-widl-proxy.py IN_p.c OUT_p.c
#
# widl 7.0 and 8.0 (-Oif, also -Oi on win64) describe an `[out, string]
# LPWSTR *` parameter in the procedure format string with a type offset
# that points at the string pointer (FC_OP [simple_pointer] FC_C_WSTRING)
# instead of the reference pointer that leads to it (FC_RP
# [allocated_on_stack] [pointer_deref], written 4 bytes before it with an
# offset of 2).  The stub then marshals the pointer to the caller's
# variable as if it were the string, and the caller receives S_OK with a
# NULL string.  This script re-points every such parameter at the FC_RP
# descriptor, which is what MIDL writes.
#
# What is patched, exactly: a parameter whose flags say "out" and not
# "base type", whose type offset T is such that the type format string
# holds 0x11 0x14 0x02 0x00 (FC_RP, allocated_on_stack|pointer_deref,
# offset 2) at T-4 and a simple string pointer (FC_OP, or FC_UP/FC_RP when
# the IDL said so, with the simple_pointer flag 0x08) followed by
# FC_C_CSTRING (0x22) or FC_C_WSTRING (0x25) at T.  Nothing else changes.
#
# The number of parameters re-pointed is printed; exit status 0 on success,
# 1 when the input cannot be parsed (a new widl format: look again).
import re
import sys

FC_RP, FC_UP, FC_OP = 0x11, 0x12, 0x13
FC_C_CSTRING, FC_C_WSTRING = 0x22, 0x25
PARAM_IS_OUT, PARAM_IS_BASETYPE = 0x0010, 0x0040

TOKEN = re.compile(r"NdrFcShort\(\s*([^)]*?)\s*\)|NdrFcLong\(\s*([^)]*?)\s*\)|(0x[0-9a-fA-F]+|\d+)")


def fail(msg):
    print("fix-widl-proxy: error: " + msg, file=sys.stderr)
    sys.exit(1)


def format_bytes(text, name):
    """The bytes of the format string NAME (a MIDL_*_FORMAT_STRING
    initialiser: { pad, { bytes... } })."""
    m = re.search(r"static const MIDL_\w+_FORMAT_STRING " + name + r" =\s*\{\s*0,\s*\{(.*?)\n\s*\}\s*\};",
                  text, re.S)
    if not m:
        fail("format string %s not found" % name)
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    out = bytearray()
    for short, long_, byte in TOKEN.findall(body):
        if short:
            v = int(short, 0) & 0xFFFF
            out += bytes((v & 0xFF, v >> 8))
        elif long_:
            v = int(long_, 0) & 0xFFFFFFFF
            out += v.to_bytes(4, "little")
        else:
            v = int(byte, 0)
            if v > 0xFF:
                fail("byte value %s out of range in %s" % (byte, name))
            out.append(v)
    return out, m.start(1), m.end(1)


def main():
    if len(sys.argv) != 3:
        print(__doc__ if __doc__ else "usage: fix-widl-proxy.py IN OUT", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()

    tfs, _, _ = format_bytes(text, "__MIDL_TypeFormatString")
    _, pstart, pend = format_bytes(text, "__MIDL_ProcFormatString")
    size = re.search(r"#define TYPE_FORMAT_STRING_SIZE (\d+)", text)
    if not size or len(tfs) > int(size.group(1)):
        fail("type format string size does not match TYPE_FORMAT_STRING_SIZE")

    def is_string_out(t):
        return (t >= 4 and t + 2 < len(tfs)
                and tfs[t - 4] == FC_RP and tfs[t - 3] == 0x14
                and tfs[t - 2] == 0x02 and tfs[t - 1] == 0x00
                and tfs[t] in (FC_RP, FC_UP, FC_OP) and (tfs[t + 1] & 0x08)
                and tfs[t + 2] in (FC_C_CSTRING, FC_C_WSTRING))

    param = re.compile(
        r"(/\* \d+ \(parameter (\w+)\) \*/\s*NdrFcShort\((0x[0-9a-fA-F]+)\),[^\n]*\n"
        r"\s*NdrFcShort\(0x[0-9a-fA-F]+\),[^\n]*\n\s*NdrFcShort\()(0x[0-9a-fA-F]+)"
        r"(\),\s*/\* type offset = )(\d+)( \*/)")
    fixed = []

    def repoint(m):
        flags, t = int(m.group(3), 16), int(m.group(4), 16)
        if t != int(m.group(6)):
            fail("type offset comment disagrees for parameter %s" % m.group(2))
        if not (flags & PARAM_IS_OUT) or (flags & PARAM_IS_BASETYPE) or not is_string_out(t):
            return m.group(0)
        fixed.append(m.group(2))
        return "%s0x%x%s%d%s" % (m.group(1), t - 4, m.group(5), t - 4, m.group(7))

    procs = param.sub(repoint, text[pstart:pend])
    text = text[:pstart] + procs + text[pend:]
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write("/* Repaired by tools/fix-widl-proxy.py: %d [out] string pointer parameter(s)"
                " re-pointed at their FC_RP descriptor. */\n" % len(fixed))
        f.write(text)
    print("fix-widl-proxy: %s: %d parameter(s) re-pointed" % (sys.argv[2], len(fixed)))


if __name__ == "__main__":
    main()
