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

# run_bitsdo ARGS...: runs one bitsdo.exe process with --json; sets out (its JSON line), err
# (its stderr) and rc; returns non-zero if it printed no JSON line.
run_bitsdo()
{
    rc=0
    # Into files, not a pipe: under Wine a host that a command starts inherits a Unix
    # descriptor of its starter (its stderr, Wine's debug channel, which tools/wine-run.sh
    # puts into a file of its own), and a pipe held by it would make the command
    # substitution wait for the host to exit.
    "$RUN" "$EXE" --json "$@" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
    err=$(cat "$WORK/stderr")
    out=$(tr -d '\r' <"$WORK/stdout" | grep '^{' | tail -n 1)
    [ -n "$out" ]
}

# bitsdo ARGS...: run_bitsdo, and a command that printed no JSON fails the test.
bitsdo()
{
    run_bitsdo "$@" || fail "bitsdo $* printed no JSON (exit $rc): $err$(no_json_details)"
}

# The raw stdout of a command that printed no JSON.
no_json_details()
{
    printf '\n  stdout (%s bytes): %s' "$(wc -c <"$WORK/stdout")" "$(head -c 400 "$WORK/stdout" | od -c | head -n 8)"
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

