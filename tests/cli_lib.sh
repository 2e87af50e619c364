# SPDX-License-Identifier: MIT
# cli_lib.sh - sourced by the shell tests that drive bitsdo.exe under Wine, one process per
# command (test_cli.sh, test_host_kills.sh). Needs EXE (bitsdo.exe), WORK (a scratch folder),
# RUN (tools/wine-run.sh), PY (python3) and WINEPREFIX; gives fail/ok (counted in checks),
# win (Unix path -> Windows path), bitsdo (one command with --json: out, err, rc), q and expect
# (checks over the last command's JSON).

checks=0
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
ok() { checks=$((checks + 1)); printf 'ok %d - %s\n' "$checks" "$*"; }

# Windows name of a Unix path (Wine's Z: drive is the Unix root).
[ -e "$WINEPREFIX/dosdevices/z:" ] || fail "the prefix has no Z: drive"
win() { printf 'Z:%s' "${1//\//\\}"; }

# bitsdo ARGS...: runs one bitsdo.exe process with --json; sets out (its JSON line), err
# (its stderr) and rc.
bitsdo()
{
    rc=0
    # Into files, not a pipe: under Wine the host a command starts keeps the Unix stdout of
    # its starter open (Wine has no Unix fd for the NUL handles the DLL gives it), so a
    # command substitution would wait for the host to exit.
    "$RUN" "$EXE" --json "$@" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
    err=$(cat "$WORK/stderr")
    out=$(tr -d '\r' <"$WORK/stdout" | grep '^{' | tail -n 1)
    [ -n "$out" ] || fail "bitsdo $* printed no JSON (exit $rc): $err"
}

# q EXPR: evaluates a Python expression over d (the last command's JSON object).
q() { printf '%s' "$out" | "$PY" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# expect EXPR VALUE WHAT
expect()
{
    local got
    got=$(q "$1") || fail "$3: cannot evaluate $1 over $out"
    [ "$got" = "$2" ] || fail "$3: $1 is '$got', expected '$2' (exit $rc; json $out; stderr $err)"
    ok "$3"
}

