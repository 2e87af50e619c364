#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_host_kills.sh - the per-user host killed hard, again and again, in the middle of one
# large download from nginx; each next use brings the job back and it goes on from its bytes.
#
#   tests/test_host_kills.sh BITSDO_EXE HOST_EXE WORK_DIR [ROUNDS] [SIZE_MB]
#
# Run by ctest (test_host_kills) with the Wine environment and the http fixtures
# (BITSDO_HTTP_SERVERS). One job downloads SIZE_MB (default 200) MB from nginx's /slow/
# (1 MB/s). ROUNDS times (default 20): wait until the job has moved at least 2 MB more and
# the store has written its record since, then kill the host: by TerminateProcess (Wine's
# taskkill /F) in even rounds and by `kill -9` of its Unix process from outside in odd
# ones. After each kill a new process (bitsdo info) must find the job, with no more bytes
# than the file has, and no file under the final name. At the end the job completes,
# the file equals nginx's byte for byte, and nginx's log shows a Range request from a
# non-zero offset after at least ROUNDS-2 of the kills (a kill before the store had any
# progress of a resumed run can restart from an earlier offset, never from 0 after that).
set -u

EXE=$1
HOST=$2
WORK=$3
ROUNDS=${4:-20}
SIZE_MB=${5:-200}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=$ROOT/tools/wine-run.sh
PY=${BITSDO_PYTHON3:-python3}
SERVERS=${BITSDO_HTTP_SERVERS:?BITSDO_HTTP_SERVERS (the http fixtures) is not set}
: "${WINEPREFIX:?WINEPREFIX is not set}"

# shellcheck source=cli_lib.sh
. "$ROOT/tests/cli_lib.sh"

id=
finish()
{
    [ -n "$id" ] && "$RUN" "$EXE" --quiet cancel "$id" >/dev/null 2>&1
    "$RUN" "$HOST" -Stop >/dev/null 2>&1 || true
    # Wine's rpcss keeps a hard-killed server's class registration until rpcss restarts, so a
    # later CLSCTX_LOCAL_SERVER activation would get RPC_S_SERVER_UNAVAILABLE (README, "two
    # doors"): end this prefix's rpcss; COM starts it again when it is next needed.
    local p
    for p in $(pgrep -f 'rpcss\.exe' 2>/dev/null); do
        { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qx "WINEPREFIX=$WINEPREFIX" && kill "$p"
    done
}
trap finish EXIT

rm -rf "$WORK"
mkdir -p "$WORK/out" || fail "cannot create $WORK"
read -r nport <"$SERVERS/nginx/http_port" || fail "no nginx port"
name=hostkills-$SIZE_MB.bin
"$ROOT/tools/nginx-fixture.sh" genfile "$SERVERS/nginx" "$name" "${SIZE_MB}M" >/dev/null ||
    fail "cannot make the file"
total=$((SIZE_MB * 1048576))
log=$SERVERS/nginx/logs/access.log
url="http://127.0.0.1:$nport/slow/$name"
dst="$WORK/out/$name"

# Wine's taskkill of the host's own bitness: with Wine's 32-bit half installed, `wine taskkill`
# runs the 32-bit one, which under Wine 8 does not see 64-bit processes ("Could not find
# process"), so a 64-bit host is killed by the 64-bit taskkill (the 64-bit loader).
taskkill_cmd=("$RUN" taskkill)
if [ -x /usr/lib/wine/wine64 ] &&
    "$PY" -c 'import struct,sys; d=open(sys.argv[1],"rb").read(4096); o=struct.unpack_from("<I",d,0x3c)[0]; sys.exit(struct.unpack_from("<H",d,o+4)[0] != 0x8664)' "$HOST"; then
    taskkill_cmd=(env WINELOADER=/usr/lib/wine/wine64 /usr/lib/wine/wine64 taskkill)
fi

# Unix pids of this prefix's bitsdo-host.exe (other prefixes may run their own): processes
# whose program (first word of the command line) is the host; this script, which has the
# host's path among its arguments, is not one.
host_pids()
{
    local p
    for p in $(pgrep -f '^[^ ]*bitsdo-host\.exe( |$)' 2>/dev/null); do
        { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qx "WINEPREFIX=$WINEPREFIX" && echo "$p"
    done
}

# look: the job as a new process sees it: its bytes in $now, its state in $state.
# A process that printed no JSON is run once more, and said so: seen once in CI (round 18
# of 20), it exited 1 with no stdout and no stderr, which bitsdo.exe itself never does
# (with --json even its failures print a JSON line; a crash under Wine prints a backtrace).
# A second one fails the test.
look()
{
    if ! run_bitsdo info "$id"; then
        printf '# note: bitsdo info printed no JSON (exit %s, stderr "%s"):%s\n# running it again\n' \
            "$rc" "$err" "$(no_json_details)"
        bitsdo info "$id"
    fi
    [ "$rc" = 0 ] || fail "info failed (exit $rc): $out $err"
    state=$(q 'd["job"]["state"]')
    now=$(q 'd["job"]["bytes_transferred"]')
}

store=$WINEPREFIX/drive_c/users/$(id -un)/AppData/Local/bitsdo/jobs

bitsdo create "host kills"
id=$(q 'd["id"]')
bitsdo addfile "$id" "$url" "$(win "$dst")"
[ "$rc" = 0 ] || fail "addfile: $out $err"
bitsdo resume "$id"
[ "$rc" = 0 ] || fail "resume: $out $err"
record="$store/$id.job"

last=0
for ((round = 0; round < ROUNDS; round++)); do
    # 2 MB more than the last figure, then a record written after that (the store writes
    # progress at most once a second): bounded at 60 s.
    deadline=$((SECONDS + 60))
    while :; do
        look
        [ "$state" = TRANSFERRED ] && fail "round $round: the download finished before the kills (bytes $now)"
        [ "$now" -ge $((last + 2097152)) ] && break
        [ $SECONDS -lt $deadline ] || fail "round $round: no progress past $last in 60 s (state $state)"
        sleep 0.2 # poll interval: nothing outside the host can wait on its progress
    done
    mark=$(date +%s.%N)
    deadline=$((SECONDS + 10))
    until [ -e "$record" ] && "$PY" -c 'import os,sys; sys.exit(os.path.getmtime(sys.argv[1]) <= float(sys.argv[2]))' "$record" "$mark"; do
        [ $SECONDS -lt $deadline ] || fail "round $round: the store did not write the record in 10 s"
        sleep 0.1 # poll interval
    done
    pids=$(host_pids)
    [ -n "$pids" ] || fail "round $round: no host process"
    if ((round % 2 == 0)); then
        "${taskkill_cmd[@]}" /F /IM bitsdo-host.exe >"$WORK/taskkill.out" 2>&1 ||
            fail "round $round: taskkill failed: $(tr -d '\r' <"$WORK/taskkill.out")"
        how=TerminateProcess
    else
        kill -9 $pids || fail "round $round: kill -9 failed"
        how="kill -9"
    fi
    deadline=$((SECONDS + 15))
    while [ -n "$(host_pids)" ]; do
        [ $SECONDS -lt $deadline ] || fail "round $round: the host outlived $how for 15 s"
        sleep 0.1 # poll interval
    done
    [ ! -e "$dst" ] || fail "round $round: a file under the final name after the kill"
    look
    [ "$now" -le "$total" ] || fail "round $round: $now bytes of $total"
    last=$now
    ok "round $((round + 1)) ($how): the job is back at $now bytes, state $state"
done

bitsdo monitor "$id" --timeout 300
expect 'd["jobs"][0]["state"]' TRANSFERRED "the job transferred after $ROUNDS kills"
bitsdo complete "$id"
expect 'd["ok"] and d["state"]' ACKNOWLEDGED "complete"
id=
cmp "$SERVERS/nginx/www/$name" "$dst" || fail "the file differs from nginx's"
ok "the file equals nginx's, byte for byte"
resumed=$(grep -c "GET /slow/$name .*range=\"bytes=[1-9][0-9]*-" "$log")
[ "$resumed" -ge $((ROUNDS - 2)) ] || fail "only $resumed Range requests from a non-zero offset after $ROUNDS kills"
ok "$resumed requests resumed with a Range from a non-zero offset"
rm -f "$dst"
printf '%d checks passed\n' "$checks"
