#!/bin/bash
# SPDX-License-Identifier: MIT
# servers.sh: the real test servers of the HTTP transport tests, as one fixture.
#
#   servers.sh start DIR   nginx (tools/nginx-fixture.sh, DIR/nginx) and the fault server
#                          (tools/faultserver.py, HTTP + HTTPS, daemon, --lifetime bound) serving
#                          the same DIR/nginx/www, with the standard test files generated there;
#                          writes DIR/servers.env (KEY=VALUE lines, see below) and prints it.
#   servers.sh stop DIR    stops both and waits (bounded); idempotent.
#   servers.sh check DIR   curl against every port: plain, Range, HTTPS with the test CA,
#                          keep-alive, and one fault with its /stats record. Exit 0 if all good.
#
# DIR/servers.env:
#   NGINX_HTTP_PORT NGINX_HTTPS_PORT FAULT_HTTP_PORT FAULT_HTTPS_PORT
#   WWW (directory served by both) CA_CERT (PEM) CA_DER CA_SHA1 (thumbprint)
#   CA_REG (REGEDIT4 file that trusts the CA inside a Wine prefix: wine regedit /S "$CA_REG")
# Standard files in WWW (deterministic, see nginx-fixture.sh genfile):
#   empty.bin (0 B), 1k.bin, 64k.bin, 1m.bin, 8m.bin
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=$(cd "$HERE/../../tools" && pwd)
PYTHON3=${PYTHON3:-python3}
FAULT_LIFETIME=${FAULT_LIFETIME:-3600}   # the fault server exits by itself after this (s)

die() { echo "servers.sh: $*" >&2; exit 1; }
usage() { sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

cmd_start() {
    local dir=$1 ngx www lines
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    ngx=$dir/nginx
    "$TOOLS/nginx-fixture.sh" start "$ngx" >/dev/null
    www=$ngx/www
    "$TOOLS/nginx-fixture.sh" genfile "$ngx" empty.bin 0 >/dev/null
    for s in 1k 64k 1m 8m; do
        "$TOOLS/nginx-fixture.sh" genfile "$ngx" "$s.bin" "${s^^}" >/dev/null
    done
    # a running fault server of an earlier start is replaced
    "$PYTHON3" "$TOOLS/faultserver.py" --stop "$dir/faultserver.pid" >/dev/null
    "$PYTHON3" "$TOOLS/faultserver.py" --root "$www" --port 0 --port-file "$dir/faultserver.port" \
        --tls-cert "$ngx/tls/server.crt" --tls-key "$ngx/tls/server.key" \
        --daemon --pid-file "$dir/faultserver.pid" --log-file "$dir/faultserver.log" \
        --lifetime "$FAULT_LIFETIME" || die "faultserver did not start (see $dir/faultserver.log)"
    lines=$("$TOOLS/testca.sh" "$ngx/tls")
    {
        echo "NGINX_HTTP_PORT=$(cat "$ngx/http_port")"
        echo "NGINX_HTTPS_PORT=$(cat "$ngx/https_port")"
        echo "FAULT_HTTP_PORT=$(sed -n 1p "$dir/faultserver.port")"
        echo "FAULT_HTTPS_PORT=$(sed -n 2p "$dir/faultserver.port")"
        echo "WWW=$www"
        echo "CA_CERT=$ngx/tls/ca.crt"
        echo "CA_DER=$ngx/tls/ca.der"
        echo "CA_REG=$ngx/tls/ca.reg"
        echo "CA_SHA1=$(printf '%s\n' "$lines" | sed -n 's/^ca_sha1=//p')"
    } > "$dir/servers.env.tmp"
    mv -f "$dir/servers.env.tmp" "$dir/servers.env"
    cat "$dir/servers.env"
}

cmd_stop() {
    local dir=$1 rc=0
    [ -d "$dir" ] || return 0
    "$PYTHON3" "$TOOLS/faultserver.py" --stop "$dir/faultserver.pid" || rc=1
    "$TOOLS/nginx-fixture.sh" stop "$dir/nginx" >/dev/null || rc=1
    rm -f "$dir/servers.env" "$dir/faultserver.port"
    return $rc
}

fail=0
expect() {   # expect WHAT GOT WANT
    if [ "$2" = "$3" ]; then
        echo "ok   $1"
    else
        echo "FAIL $1: got '$2', want '$3'"
        fail=1
    fi
}

cmd_check() {
    local dir=$1 www want got tok
    [ -s "$dir/servers.env" ] || die "$dir/servers.env missing: not started"
    # shellcheck disable=SC1091
    . "$dir/servers.env"
    www=$WWW
    want=$(sha256sum < "$www/1m.bin")
    for url in "http://127.0.0.1:$NGINX_HTTP_PORT" "https://localhost:$NGINX_HTTPS_PORT" \
               "http://127.0.0.1:$FAULT_HTTP_PORT" "https://127.0.0.1:$FAULT_HTTPS_PORT"; do
        got=$(curl -sS --max-time 20 --cacert "$CA_CERT" "$url/1m.bin" | sha256sum)
        expect "GET $url/1m.bin" "$got" "$want"
        got=$(curl -sS --max-time 20 --cacert "$CA_CERT" -r 1000-1999 -o /dev/null \
              -w '%{http_code} %{size_download}' "$url/1m.bin")
        expect "Range 1000-1999 $url" "$got" "206 1000"
        got=$(curl -sS --max-time 20 --cacert "$CA_CERT" -r 1000-1999 "$url/1m.bin" | sha256sum)
        expect "Range bytes $url" "$got" "$(tail -c +1001 "$www/1m.bin" | head -c 1000 | sha256sum)"
        got=$(curl -sS --max-time 20 --cacert "$CA_CERT" -o /dev/null -o /dev/null \
              -w '%{num_connects} ' "$url/1k.bin" "$url/64k.bin")
        expect "keep-alive $url" "$got" "1 0 "
        got=$(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' "$url/1m.bin" 2>/dev/null || true)
        case $url in https*) expect "untrusted CA refused $url" "$got" "000" ;; esac
    done
    tok=tcheck$$
    got=$(curl -s --max-time 20 -o /dev/null -w '%{http_code} %{size_download}' \
          "http://127.0.0.1:$FAULT_HTTP_PORT/fault/$tok,drop=5000:1/1m.bin" || true)
    expect "fault drop=5000" "$got" "200 5000"
    got=$(curl -sS --max-time 20 -r 5000- "http://127.0.0.1:$FAULT_HTTP_PORT/fault/$tok,drop=5000:1/1m.bin" \
          | sha256sum)
    expect "fault resume" "$got" "$(tail -c +5001 "$www/1m.bin" | sha256sum)"
    got=$(curl -sS --max-time 20 "http://127.0.0.1:$FAULT_HTTP_PORT/stats/$tok" |
          "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["ranges"])')
    expect "fault stats ranges" "$got" "[None, 'bytes=5000-']"
    return $fail
}

[ $# -eq 2 ] || usage
case $1 in
    start) cmd_start "$2" ;;
    stop) cmd_stop "$2" ;;
    check) cmd_check "$2" ;;
    *) usage ;;
esac
