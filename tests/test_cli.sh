#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_cli.sh - the bitsdo command line, one process per command, against the per-user host.
#
#   tests/test_cli.sh BITSDO_EXE HOST_EXE WORK_DIR
#
# Run by ctest (test_cli) with the Wine environment of tests/CMakeLists.txt and the http
# fixtures (BITSDO_HTTP_SERVERS). Each `bitsdo` below is a separate Windows process started
# through tools/wine-run.sh; the jobs live in bitsdo-host.exe, so what one command does the
# next one sees. It proves:
#   A. bitsadmin style: create, addfile (a local file), info, resume, list, monitor,
#      complete, each in its own process; the destination equals the source, exists only
#      after complete, and the completed job is gone from list and from info;
#   B. transfer --detach returns while the job is still transferring (a slowed http
#      download), monitor in a later process watches it leave the active states, complete in
#      a third one renames the file into place;
#   C. transfer without --detach still downloads and completes in one process;
#   D. a job created in `bitsdo shell` outlives the shell (cancelled by a later command).
# At the end it stops the host (bitsdo-host.exe -Stop).
set -u

EXE=$1
HOST=$2
WORK=$3
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=$ROOT/tools/wine-run.sh
PY=${BITSDO_PYTHON3:-python3}
SERVERS=${BITSDO_HTTP_SERVERS:?BITSDO_HTTP_SERVERS (the http fixtures) is not set}
: "${WINEPREFIX:?WINEPREFIX is not set}"

# shellcheck source=cli_lib.sh
. "$ROOT/tests/cli_lib.sh"

# At the end: cancel what a failed check left behind, then stop the host.
jobs_made=()
finish()
{
    local j
    for j in "${jobs_made[@]}"; do
        "$RUN" "$EXE" --quiet cancel "$j" >/dev/null 2>&1 || true
    done
    "$RUN" "$HOST" -Stop >/dev/null 2>&1 || true
}
trap finish EXIT

# listed ID: "True" when `bitsdo list` (a new process) shows the job.
listed()
{
    bitsdo list
    [ "$rc" = 0 ] || fail "list failed (exit $rc): $out"
    q "'$1' in [j['id'] for j in d['jobs']]"
}

rm -rf "$WORK"
mkdir -p "$WORK/out" || fail "cannot create $WORK"

# --- A. create, addfile, info, resume, list, monitor, complete -------------------------
head -c 3145728 /dev/urandom >"$WORK/src.bin"
src=$(win "$WORK/src.bin")
dst=$(win "$WORK/out/dst.bin")

bitsdo create "cli test A"
expect 'd["ok"]' True "create: ok"
id=$(q 'd["id"]')
jobs_made+=("$id")
[[ $id =~ ^\{[0-9A-Fa-f-]{36}\}$ ]] || fail "create: not a GUID: $id"

bitsdo addfile "$id" "$src" "$dst"
expect 'd["ok"]' True "addfile in a new process finds the job"

bitsdo info "$id"
expect 'd["ok"] and d["job"]["state"]' SUSPENDED "info: the job is SUSPENDED"
expect 'd["job"]["name"]' "cli test A" "info: the name given to create"
expect 'len(d["job"]["files"])' 1 "info: one file"
expect 'd["job"]["files"][0]["local"].lower()' "$(printf '%s' "$dst" | tr 'A-Z' 'a-z')" "info: the file's local name"

bitsdo resume "$id"
expect 'd["ok"]' True "resume"

[ "$(listed "$id")" = True ] || fail "list in a new process does not show $id"
ok "list shows the job"

bitsdo monitor "$id" --timeout 60
expect 'd["ok"] and d["result"]' settled "monitor: the job settled"
expect 'd["jobs"][0]["state"]' TRANSFERRED "monitor: TRANSFERRED"
expect 'd["jobs"][0]["bytes_transferred"]' 3145728 "monitor: every byte counted"
[ ! -e "$WORK/out/dst.bin" ] || fail "the destination exists before complete"
ok "no file under the final name before complete"

bitsdo complete "$id"
expect 'd["ok"] and d["state"]' ACKNOWLEDGED "complete in a later process"
cmp "$WORK/src.bin" "$WORK/out/dst.bin" || fail "the destination differs from the source"
ok "destination equals the source"

[ "$(listed "$id")" = False ] || fail "list still shows the completed job $id"
ok "list no longer shows the completed job"
bitsdo info "$id"
expect 'd["error"]["code"]' 0x80200001 "info of the completed job: BG_E_NOT_FOUND"
[ "$rc" = 1 ] || fail "info of a completed job exits $rc, not 1"

# --- B. transfer --detach, then monitor and complete in later processes ----------------
read -r fport <"$SERVERS/faultserver.ports" || fail "no fault server port"
read -r nport <"$SERVERS/nginx/http_port" || fail "no nginx port"
www=$SERVERS/nginx/www
# 2 MiB at 64 KiB/s: about 32 s, so the job is still transferring when --detach has
# returned and the next process looks at it.
head -c 2097152 /dev/urandom >"$www/cli-detach.bin"
rm -f "$WORK/out/detach.bin"
bitsdo transfer --detach --name "cli test B" \
    "http://127.0.0.1:$fport/fault/slow=65536,id=clidetach/cli-detach.bin" "$(win "$WORK/out/detach.bin")"
expect 'd["ok"] and d["result"]' detached "transfer --detach: detached"
bid=$(q 'd["id"]')
jobs_made+=("$bid")
bitsdo info "$bid"
expect 'd["job"]["state"] in ("QUEUED", "CONNECTING", "TRANSFERRING")' True \
    "transfer --detach returned with its job still active in the host"
expect 'd["job"]["bytes_transferred"] < 2097152' True "info: the detached job is not done yet"

bitsdo monitor "$bid" --timeout 120
expect 'd["ok"] and d["result"]' settled "monitor of the detached job: settled"
expect 'd["jobs"][0]["state"]' TRANSFERRED "monitor of the detached job: TRANSFERRED"
# It watched the job while it was active: it saw it change to TRANSFERRED (progress and
# state lines go to stderr under --json).
printf '%s\n' "$err" | grep -q -- "-> TRANSFERRED" ||
    fail "monitor did not see the detached job change state: $err"
ok "monitor watched the detached job until it was transferred"
[ ! -e "$WORK/out/detach.bin" ] || fail "the detached job's file has its final name before complete"

bitsdo complete "$bid"
expect 'd["ok"] and d["state"]' ACKNOWLEDGED "complete of the detached job"
cmp "$www/cli-detach.bin" "$WORK/out/detach.bin" || fail "the detached download differs from the source"
ok "detached download equals the source"
[ "$(listed "$bid")" = False ] || fail "list still shows the completed job $bid"
ok "list no longer shows the detached job"

# --- C. transfer without --detach: progress and complete in one process ----------------
head -c 1048576 /dev/urandom >"$www/cli-plain.bin"
bitsdo transfer --timeout 60 "http://127.0.0.1:$nport/cli-plain.bin" "$(win "$WORK/out/plain.bin")"
expect 'd["ok"] and d["result"]' transferred "transfer: transferred and completed"
cmp "$www/cli-plain.bin" "$WORK/out/plain.bin" || fail "the transfer's file differs from the source"
ok "transfer's file equals the source"

# --- D. a job created in a shell outlives it -------------------------------------------
rc=0
printf 'create "cli test D"\n' | "$RUN" "$EXE" --json shell >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
[ "$rc" = 0 ] || fail "shell exited $rc: $(cat "$WORK/stderr")"
out=$(tr -d '\r' <"$WORK/stdout" | grep '^{' | tail -n 1)
did=$(q 'd["id"]')
jobs_made+=("$did")
[ "$(listed "$did")" = True ] || fail "the shell's job did not outlive the shell"
ok "a job created in a shell outlives it"
bitsdo cancel "$did"
expect 'd["ok"] and d["state"]' CANCELLED "cancel of the shell's job from a later process"

rm -f "$www/cli-detach.bin" "$www/cli-plain.bin"
printf '%d checks passed\n' "$checks"
